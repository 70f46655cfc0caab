//! Teaching metadata of a scenario: its themes (`tags`), the real incident,
//! Kubernetes issue, document or catalogued failure mode it mirrors, its
//! one-line `lesson`, an optional predict-then-reveal `quiz`, and for an
//! exercise a `hint`.
//!
//! Plain data for the CLI (`stsim examples`, `stsim quiz`) and the
//! playground; the engine never sees it. Checked by `validate::teaching`.

/// The teaching metadata of one scenario; every field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Teaching {
    /// Themes, lowercase words with dashes: `identity-dns`, `node-failure`, ...
    pub tags: Vec<String>,
    pub mirrors: Vec<Mirror>,
    pub lesson: Option<String>,
    pub quiz: Option<Quiz>,
    pub hint: Option<String>,
}

/// What real thing a scenario mirrors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mirror {
    /// A public incident or postmortem, in words or as a link.
    Incident(String),
    /// A Kubernetes issue or pull request, like `kubernetes/kubernetes#74374`.
    Issue(String),
    /// A page of the Kubernetes documentation.
    Doc(String),
    /// An entry of the failure-mode catalogue, like `F01`.
    FailureMode(String),
}

impl std::fmt::Display for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mirror::Incident(text) => write!(f, "incident: {text}"),
            Mirror::Issue(text) => write!(f, "issue: {text}"),
            Mirror::Doc(text) => write!(f, "doc: {text}"),
            Mirror::FailureMode(text) => write!(f, "failure mode {text}"),
        }
    }
}

/// A question asked before the run, answered by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiz {
    pub question: String,
    pub choices: Vec<String>,
    /// Index into `choices` of the right one.
    pub answer: usize,
    pub explanation: String,
    /// Words that pick the timeline rows shown as evidence (`dns/pg-0`,
    /// `app/pg`); empty: the actions and the verdict changes.
    pub evidence: Vec<String>,
}

/// The letter of choice `index`: `A`, `B`, ...
pub fn letter(index: usize) -> char {
    (b'A' + (index % 26) as u8) as char
}
