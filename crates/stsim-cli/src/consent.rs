//! Scenario files are data: the user's consent before one starts a program.
//!
//! Owns the rule that a scenario's `External` operators run only when the
//! user said so outside the file: `--allow-exec` on the command line, or
//! the exact command (with the directory it runs in) listed in the user's
//! trusted-commands file (`$STSIM_CONFIG_DIR`, else `$XDG_CONFIG_HOME/stsim`,
//! else `~/.config/stsim`, file `trusted-commands`, one entry a line as
//! `stsim check` prints it). Also owns how a command is shown (`stsim check`
//! lists them). Does not own starting the process: `external_operator`.

use stsim_core::Config;
use stsim_core::config::OperatorKind;

/// What the user allowed for this invocation.
#[derive(Debug, Clone, Default)]
pub struct ExecPolicy {
    /// `--allow-exec`: every command a scenario names may run.
    pub allow_all: bool,
    /// Entries of the trusted-commands file, as `DIR: COMMAND` lines.
    pub trusted: Vec<String>,
    /// The file they came from, to name in messages.
    pub trusted_file: Option<std::path::PathBuf>,
}

/// One program a scenario would start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub operator: String,
    /// The command as shown: words joined by spaces, quoted where needed.
    pub shown: String,
    /// The directory it would run in, made absolute where it exists.
    pub dir: String,
}

impl Command {
    /// The line that trusts this command in the trusted-commands file.
    pub fn trust_line(&self) -> String {
        format!("{}: {}", self.dir, self.shown)
    }
}

impl ExecPolicy {
    /// Every command may run (tests and library callers that mean it).
    pub fn allow_all() -> ExecPolicy {
        ExecPolicy { allow_all: true, ..ExecPolicy::default() }
    }

    /// The policy of a command line: `--allow-exec`, plus the user's
    /// trusted-commands file if there is one (an unreadable file trusts nothing).
    pub fn from_user(allow_all: bool) -> ExecPolicy {
        let trusted_file = trusted_commands_file();
        let trusted = trusted_file
            .as_deref()
            .and_then(|path| crate::input::read_bounded(path, 1 << 20).ok())
            .map(|text| {
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty() && !line.starts_with('#'))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        ExecPolicy { allow_all, trusted, trusted_file }
    }

    fn allows(&self, command: &Command) -> bool {
        self.allow_all || self.trusted.iter().any(|line| *line == command.trust_line())
    }

    /// `Ok` if every command of `config` may run; else an error naming each
    /// refused one and the two ways to consent.
    pub fn check(&self, file: &str, config: &Config) -> Result<(), String> {
        let refused: Vec<Command> = commands(config).into_iter().filter(|c| !self.allows(c)).collect();
        if refused.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for command in &refused {
            text.push_str(&format!(
                "error: {} would run a program: operator {} runs `{}` in {}\n",
                crate::input::shown(file),
                command.operator,
                command.shown,
                command.dir
            ));
        }
        let place = match &self.trusted_file {
            Some(path) => path.display().to_string(),
            None => "your trusted-commands file".to_string(),
        };
        text.push_str(&format!(
            "  = note: a scenario file is data; stsim starts a program it names only with your consent\n  \
             = help: read the command, then re-run with `--allow-exec`, or trust it for good by adding \
             this line to {place}:\n"
        ));
        for command in &refused {
            text.push_str(&format!("          {}\n", command.trust_line()));
        }
        Err(text)
    }
}

/// Where the trusted-commands file is, if a home or config directory is known.
pub fn trusted_commands_file() -> Option<std::path::PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    let dir = var("STSIM_CONFIG_DIR")
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("stsim")))
        .or_else(|| var("HOME").map(|d| d.join(".config").join("stsim")))?;
    Some(dir.join("trusted-commands"))
}

/// A word of a command as shown: as it is, or in double quotes (JSON
/// escapes) when it is empty or holds a space, quote or control character.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\'' && c != '\\');
    if plain { word.to_string() } else { serde_json::Value::String(word.to_string()).to_string() }
}

/// Every program `config` would start, in the order of its operators.
pub fn commands(config: &Config) -> Vec<Command> {
    config
        .operators
        .iter()
        .filter_map(|operator| match &operator.kind {
            OperatorKind::External { name, command, workdir, .. } => {
                let dir = workdir.as_deref().unwrap_or(".");
                let dir =
                    std::fs::canonicalize(dir).map_or_else(|_| dir.to_string(), |p| p.display().to_string());
                Some(Command {
                    operator: name.clone(),
                    shown: command.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "),
                    dir: crate::input::escape(&dir),
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(quote("python3"), "python3");
        assert_eq!(quote("my op.py"), "\"my op.py\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a\u{1b}b"), "\"a\\u001bb\"");
    }
}
