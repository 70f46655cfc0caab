//! What the user names on the command line, read within bounds, and shown
//! back safely: scenario files, Kubernetes manifests, standard input (`-`)
//! and the built-in examples.
//!
//! Owns reading a file within bounds: only a regular file (a FIFO, a device
//! like `/dev/zero` or a directory is refused before it is opened, so nothing
//! blocks), at most the format's input limit (`stsim_scenario::limits`), and
//! decoded as kubectl decodes a file (a UTF-8 byte-order mark dropped, UTF-16
//! with a byte-order mark converted, anything else UTF-8), with the line,
//! column and byte offset of the first bad byte; telling
//! a manifest from a RON scenario; resolving a scenario's `manifests`
//! relative to its own file; rendering the diagnostics of any of these files
//! with the source each one points into; and making text safe for a terminal
//! (control characters escaped, very long words cut). Does not own the
//! formats: that is `stsim-scenario`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use stsim_examples as examples;
use stsim_scenario::{Diagnostic, Limits, Loaded};

/// Why a file could not be read; `NotFound` lets the caller try a built-in name.
#[derive(Debug)]
pub enum ReadError {
    NotFound(String),
    Refused(String),
}

impl ReadError {
    pub fn message(&self) -> &str {
        match self {
            ReadError::NotFound(m) | ReadError::Refused(m) => m,
        }
    }
}

/// Reads `path` as text (see [`decode`]) of at most `cap` bytes.
pub fn read_bounded(path: &Path, cap: u64) -> Result<String, ReadError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(e.to_string()),
        _ => ReadError::Refused(e.to_string()),
    })?;
    if metadata.is_dir() {
        return Err(ReadError::Refused("it is a directory, not a scenario file".to_string()));
    }
    if !metadata.is_file() {
        return Err(ReadError::Refused(
            "it is not a regular file (a pipe, socket or device is not read, so nothing can block or run on)"
                .to_string(),
        ));
    }
    let too_big = |size: String| {
        ReadError::Refused(format!(
            "it is {size}, more than the {} a scenario may be (see `limits` in docs/scenario-format.md; \
             `--allow-large` raises it)",
            human_bytes(cap)
        ))
    };
    if metadata.len() > cap {
        return Err(too_big(human_bytes(metadata.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Refused(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Refused(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(too_big("larger than that".to_string()));
    }
    decode(bytes, cap).map_err(ReadError::Refused)
}

/// The bytes as text, as kubectl reads a file: cli-runtime decodes it
/// through `unicode.BOMOverride(unicode.UTF8.NewDecoder())`, so a UTF-8
/// byte-order mark is dropped, UTF-16 (little- or big-endian) that starts
/// with its byte-order mark is converted (Windows PowerShell 5.1's `>`
/// writes it), and anything else is read as UTF-8 (UTF-16 without a mark
/// too, and refused then). The mark is no character of the text, so lines
/// and columns count from what follows it. Converted text must still be
/// within `cap` bytes: UTF-16 can take half the bytes of the same UTF-8
/// text, or two thirds.
pub fn decode(bytes: Vec<u8>, cap: u64) -> Result<String, String> {
    let (little, mark) = match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => {
            let mut bytes = bytes;
            bytes.drain(..3);
            return utf8_after(bytes, 3);
        }
        [0xFF, 0xFE, ..] => (true, "UTF-16LE"),
        [0xFE, 0xFF, ..] => (false, "UTF-16BE"),
        // One zero byte in the first two: UTF-16 without its mark, which
        // kubectl reads as UTF-8 and refuses too; said plainly here.
        [a, b, ..] if (*a == 0) != (*b == 0) => {
            return Err("it looks like UTF-16 text without a byte-order mark (every other byte is zero): \
                        a file is read as UTF-8 unless it starts with a byte-order mark, as kubectl reads it; \
                        save it as UTF-8"
                .to_string());
        }
        _ => return utf8(bytes),
    };
    let body = &bytes[2..];
    let unit = |i: usize| {
        let pair = [body[i], body[i + 1]];
        if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    };
    let mut text = String::with_capacity(body.len() / 2);
    let (mut line, mut column, mut i) = (1, 1, 0);
    while i < body.len() {
        let refused = |what: &str| {
            format!(
                "it is {mark} text (it starts with that byte-order mark), and {what} at line {line}, \
                 column {column} (byte offset {}): save it as UTF-8",
                i + 2
            )
        };
        if i + 1 == body.len() {
            return Err(refused("it ends in half a character"));
        }
        let first = unit(i);
        let (c, width) = match first {
            0xD800..=0xDBFF if i + 3 < body.len() && (0xDC00..=0xDFFF).contains(&unit(i + 2)) => {
                let code = 0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(unit(i + 2)) - 0xDC00);
                (char::from_u32(code), 4)
            }
            0xD800..=0xDFFF => (None, 2),
            _ => (char::from_u32(u32::from(first)), 2),
        };
        let Some(c) = c else {
            return Err(refused("a lone UTF-16 surrogate (half of a pair, no character) is"));
        };
        text.push(c);
        i += width;
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    if text.len() as u64 > cap {
        return Err(format!(
            "it is {mark} text of {}, {} as UTF-8, more than the {} a scenario may be (see `limits` in \
             docs/scenario-format.md; `--allow-large` raises it)",
            human_bytes(bytes.len() as u64),
            human_bytes(text.len() as u64),
            human_bytes(cap)
        ));
    }
    Ok(text)
}

/// The bytes as text, or where the first byte that is not UTF-8 is.
pub fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    utf8_after(bytes, 0)
}

/// [`utf8`] for the bytes that follow `skipped` bytes of the file (its
/// byte-order mark), which count in the byte offset and not in columns.
fn utf8_after(bytes: Vec<u8>, skipped: usize) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let at = error.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let byte = bytes.get(at).copied().unwrap_or(0);
        let offset = at + skipped;
        format!(
            "it is not UTF-8 text: the byte 0x{byte:02x} at line {line}, column {column} (byte offset {offset}) \
             does not start a UTF-8 character"
        )
    })
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// `text` safe to print: see `stsim_scenario::printable`.
pub fn escape(text: &str) -> String {
    stsim_scenario::printable(text)
}

/// [`escape`] for text already owned, such as a whole report: kept as it
/// is, not copied, when there is nothing to escape (the usual case; a
/// month's report is tens of megabytes).
pub fn escape_owned(text: String) -> String {
    if stsim_scenario::is_printable(&text) { text } else { escape(&text) }
}

/// A file name as shown in messages.
pub fn shown(file: &str) -> String {
    escape(file)
}

/// `text` as one word of a POSIX shell command: as it is when every
/// character is one a shell leaves alone, else single-quoted.
pub fn shell_word(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=,:@%+".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(single_quoted(text))
    }
}

/// `text` in single quotes, each quote in it written `'\''`, and control
/// characters shown escaped rather than sent to the terminal.
pub fn single_quoted(text: &str) -> String {
    format!("'{}'", shown(text).replace('\'', "'\\''"))
}

/// The label standard input gets in messages.
pub const STDIN: &str = "<stdin>";

/// What was read: its label for messages, its text, and whether it is a
/// built-in example (which never starts a process).
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    pub text: String,
    pub builtin: bool,
}

/// Reads standard input as text (see [`decode`]) of at most `cap` bytes.
pub fn read_stdin(cap: u64) -> Result<Source, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("error: cannot read standard input: {e}\n"))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "error: cannot read standard input: it is more than the {} a scenario may be \
             (see `limits` in docs/scenario-format.md; `--allow-large` raises it)\n",
            human_bytes(cap)
        ));
    }
    let text = decode(bytes, cap).map_err(|e| format!("error: cannot read standard input: {e}\n"))?;
    Ok(Source { label: STDIN.to_string(), text, builtin: false })
}

/// Reads `name` within `limits`: `-` for standard input, a file, or a
/// built-in example.
pub fn read(name: &str, limits: &Limits) -> Result<Source, String> {
    if name == "-" {
        return read_stdin(limits.input_bytes);
    }
    let shown = shown(name);
    match read_bounded(Path::new(name), limits.input_bytes) {
        Ok(text) => Ok(Source { label: name.to_string(), text, builtin: false }),
        Err(ReadError::NotFound(error)) => match examples::find(name) {
            Some(example) => Ok(Source {
                label: example.path.to_string(),
                text: example.source.to_string(),
                builtin: true,
            }),
            None => match did_you_mean(name) {
                Some(help) => Err(format!(
                    "error: cannot read scenario `{shown}`: no such file, and no built-in scenario has that name\n  \
                     = help: {help}\n"
                )),
                None => Err(format!(
                    "error: cannot read scenario `{shown}`: {error}\n  = help: give a path to a .ron scenario or a \
                     Kubernetes manifest (.yaml, .json), `-` for standard input, or the name of a built-in scenario \
                     (see `stsim examples`)\n"
                )),
            },
        },
        Err(refused) => Err(format!("error: cannot read scenario `{shown}`: {}\n", refused.message())),
    }
}

/// The built-in scenarios (examples and exercises) whose names are close
/// to `name`, a bare name that is none of them: within two edits, or
/// starting with it (`redis-` for `redis-ordered-startup`), or else the
/// closest by the rule the scenario format's "did you mean" uses. At most
/// [`SIMILAR_SHOWN`], closest first. A path (with a `/`) gets none; a
/// `.ron` ending is not counted (`rolling-update.ron` suggests the
/// built-in `rolling-update`).
pub fn similar_examples(name: &str) -> Vec<&'static str> {
    // As for the format's suggestions: nobody mistypes a name of more than
    // 64 characters, and comparing long names costs the square of their length.
    if name.contains('/') || name.is_empty() || name.chars().count() > 64 {
        return Vec::new();
    }
    let bare = name.strip_suffix(".ron").unwrap_or(name).to_ascii_lowercase();
    let names: Vec<&'static str> =
        examples::EXAMPLES.iter().chain(examples::EXERCISES).map(|e| e.name).collect();
    // (edits, name): a prefix match counts after every name within two edits.
    let mut close: Vec<(usize, &'static str)> = names
        .iter()
        .filter_map(|&candidate| {
            let distance = stsim_scenario::edit_distance(&bare, candidate);
            if distance <= 2 {
                Some((distance, candidate))
            } else if bare.len() >= 3 && candidate.starts_with(&bare) {
                Some((3 + candidate.len() - bare.len(), candidate))
            } else {
                None
            }
        })
        .collect();
    close.sort();
    let mut similar: Vec<&'static str> = close.into_iter().map(|(_, n)| n).take(SIMILAR_SHOWN).collect();
    if similar.is_empty() {
        similar.extend(stsim_scenario::suggest(&bare, &names));
    }
    similar
}

/// How many similar names a "did you mean" shows.
pub const SIMILAR_SHOWN: usize = 5;

/// "did you mean `a`, `b` or `c`?", for a bare name that is neither a file
/// nor a built-in scenario, when some built-in names are close to it.
pub fn did_you_mean(name: &str) -> Option<String> {
    let similar = similar_examples(name);
    let (last, first) = similar.split_last()?;
    let quoted = |n: &&str| format!("`{n}`");
    let list = match first {
        [] => quoted(last),
        _ => format!("{} or {}", first.iter().map(quoted).collect::<Vec<_>>().join(", "), quoted(last)),
    };
    Some(format!("did you mean the built-in scenario {list}? (`stsim examples` lists them all)"))
}

/// Whether a file is a Kubernetes manifest rather than a RON scenario: by its
/// extension, or else by its first line that is not a comment.
pub fn is_manifest(label: &str, source: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
        return true;
    }
    if lower.ends_with(".ron") {
        return false;
    }
    sniff(source) == Some(Sniffed::Manifest)
}

/// What a file's text is, by its first line that is not a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Manifest,
    Scenario,
}

fn sniff(source: &str) -> Option<Sniffed> {
    let first = source
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .find(|l| !l.is_empty() && (!l.starts_with('#') || l.starts_with("#![")) && !l.starts_with("//"))?;
    if first.starts_with("apiVersion:")
        || first.starts_with("kind:")
        || first == "---"
        || first.starts_with('{')
    {
        Some(Sniffed::Manifest)
    } else if first.starts_with("Scenario(") || first.starts_with("#![enable(") {
        Some(Sniffed::Scenario)
    } else {
        None
    }
}

/// A file read as one kind whose text is plainly the other: said so,
/// rather than the other language's first syntax error.
fn wrong_kind(label: &str, source: &str, as_manifest: bool) -> Option<String> {
    let shown = shown(label);
    let ron = label.to_ascii_lowercase().ends_with(".ron");
    match (as_manifest, sniff(source)?) {
        (true, Sniffed::Scenario) => Some(format!(
            "error: {shown} is a stsim scenario (RON), not Kubernetes manifests\n  = help: run it as `stsim run \
             {shown}` (without -f){}\n",
            if ron { "" } else { ", and name it .ron" }
        )),
        (false, Sniffed::Manifest) => Some(format!(
            "error: {shown} holds Kubernetes manifests (YAML or JSON), not a stsim scenario\n  = help: {}give it \
             as `stsim run -f {shown}`\n",
            if ron { "name it .yaml (or .json), or " } else { "" }
        )),
        _ => None,
    }
}

/// Refuses files given as manifests that are plainly scenarios.
pub fn check_manifests(files: &[(String, String)]) -> Result<(), String> {
    match files.iter().find_map(|(label, text)| wrong_kind(label, text, true)) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Renders diagnostics, each with a frame from the file it points into, and a
/// closing line; every piece of user text is made safe for a terminal.
pub fn render(diagnostics: &[Diagnostic], sources: &BTreeMap<String, String>, what: &str) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics {
        let source = sources.get(&diagnostic.file).map_or("", String::as_str);
        text.push_str(&escape(&diagnostic.render(source)));
        text.push('\n');
    }
    let count = diagnostics.iter().filter(|d| d.code != "too-many-errors").count();
    text.push_str(&format!(
        "error: {} ({count}{} error{})\n",
        escape(what),
        if diagnostics.len() > count { "+" } else { "" },
        if count == 1 { "" } else { "s" }
    ));
    text
}

/// Reads a RON scenario within `limits`, with the manifests it lists
/// (relative to its file, each read within the same bounds).
pub fn scenario(file: &str, source: &str, limits: &Limits) -> Result<Loaded, String> {
    let dir = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
    let mut sources = BTreeMap::new();
    sources.insert(file.to_string(), source.to_string());
    let mut read_manifest = |name: &str| {
        let path = if Path::new(name).is_absolute() || file == STDIN { name.into() } else { dir.join(name) };
        if !limits.manifests_outside_root {
            within_root(&path, if file == STDIN { Path::new(".") } else { &dir })?;
        }
        let label = path.to_string_lossy().into_owned();
        let text = read_bounded(&path, limits.input_bytes).map_err(|e| e.message().to_string())?;
        sources.insert(label.clone(), text.clone());
        Ok((label, text))
    };
    let result = stsim_scenario::parse_scenario_within(source, file, &mut read_manifest, limits);
    result.map_err(|diagnostics| render(&diagnostics, &sources, &format!("{file} is not a valid scenario")))
}

/// Refuses a manifest path that leads out of `root` (the scenario's
/// directory), symbolic links followed, as kustomize's default load
/// restrictor refuses a file "not in or below" its root: a scenario is
/// data, and it must not make stsim read, and quote in its diagnostics,
/// the machine's other files. A path that does not resolve is left to the
/// read to report.
pub fn within_root(path: &Path, root: &Path) -> Result<(), String> {
    let root = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    let (Ok(real), Ok(real_root)) = (std::fs::canonicalize(path), std::fs::canonicalize(root)) else {
        return Ok(());
    };
    if real.starts_with(&real_root) {
        return Ok(());
    }
    Err(format!(
        "security: it is not in or below the scenario's directory {:?}; a scenario reads only the manifests beside \
         it, unless you pass --load-restrictor LoadRestrictionsNone",
        real_root.to_string_lossy()
    ))
}

/// How manifests are applied: the story told around them, and the
/// namespace `-n` gives, as to `kubectl apply` (where objects that name
/// none go, and the only one an object may name).
#[derive(Debug, Clone, Copy)]
pub struct Applied<'a> {
    pub story: &'a str,
    pub namespace: Option<&'a str>,
}

impl Applied<'_> {
    /// The default story, without `-n`.
    pub const DEFAULT: Applied<'static> = Applied { story: "default", namespace: None };
}

/// Reads manifests named on the command line and wraps them in `applied`'s story.
/// A directory stands for its `.yaml`, `.yml` and `.json` files, in name
/// order, as with `kubectl apply -f DIR`.
pub fn manifests(names: &[String], applied: Applied<'_>, limits: &Limits) -> Result<Loaded, String> {
    from_manifests(&read_manifests(names, limits)?, applied, limits)
}

/// The manifests named on the command line, read within `limits`, as
/// (label, text): a directory stands for its `.yaml`, `.yml` and `.json`
/// entries in name order (as `kubectl apply -f DIR`: subdirectories
/// skipped, any other entry read, so a pipe, device or link to one among
/// them is refused as it is when named), `-` for standard input.
pub fn read_manifests(names: &[String], limits: &Limits) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for name in names {
        if name != "-" && Path::new(name).is_dir() {
            let cannot = |e: std::io::Error| format!("error: cannot read directory `{}`: {e}\n", shown(name));
            let mut paths = Vec::new();
            for entry in std::fs::read_dir(name).map_err(cannot)? {
                let path = entry.map_err(cannot)?.path();
                if path.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                    && !path.is_dir()
                {
                    paths.push(path);
                }
            }
            paths.sort();
            if paths.is_empty() {
                return Err(format!("error: no .yaml, .yml or .json files in `{}`\n", shown(name)));
            }
            for path in paths {
                files.push(read_manifest(&path.to_string_lossy(), limits)?);
            }
        } else {
            files.push(read_manifest(name, limits)?);
        }
    }
    Ok(files)
}

/// Wraps manifests already read (label, text) in `applied`'s story.
pub fn from_manifests(
    files: &[(String, String)],
    applied: Applied<'_>,
    limits: &Limits,
) -> Result<Loaded, String> {
    check_manifests(files)?;
    let sources: BTreeMap<String, String> = files.iter().cloned().collect();
    stsim_scenario::parse_manifests_within(files, applied.story, applied.namespace, limits).map_err(
        |diagnostics| {
            let labels: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
            render(&diagnostics, &sources, &format!("{} cannot be simulated", labels.join(", ")))
        },
    )
}

/// Reads a manifest file (or `-`) within `limits`, without falling back to
/// the examples.
fn read_manifest(name: &str, limits: &Limits) -> Result<(String, String), String> {
    if name == "-" {
        return read_stdin(limits.input_bytes).map(|source| (source.label, source.text));
    }
    read_bounded(Path::new(name), limits.input_bytes)
        .map(|text| (name.to_string(), text))
        .map_err(|e| format!("error: cannot read manifest `{}`: {}\n", shown(name), e.message()))
}

/// Reads anything a command accepts as its input: a scenario (which may list
/// manifests) or a manifest (wrapped in `story`). Returns what was read
/// (its text too, for messages) and the validated scenario.
pub fn load(name: &str, applied: Applied<'_>, limits: &Limits) -> Result<(Source, Loaded), String> {
    let source = read(name, limits)?;
    let loaded = parse(&source, applied, limits)?;
    Ok((source, loaded))
}

/// Validates what was read: a manifest in `story`, or a RON scenario.
pub fn parse(source: &Source, applied: Applied<'_>, limits: &Limits) -> Result<Loaded, String> {
    let story = applied.story;
    if is_manifest(&source.label, &source.text) {
        from_manifests(&[(source.label.clone(), source.text.clone())], applied, limits)
    } else if let Some(namespace) = applied.namespace {
        Err(format!(
            "error: -n {namespace} applies to manifests, and {} is a scenario\n  \
= help: a scenario names its namespace itself (`namespace: {namespace:?}`), and its manifests' objects that name none go there\n",
            shown(&source.label)
        ))
    } else if story != "default" {
        Err(format!(
            "error: --story {story} applies to manifests, and {} is a scenario with its own timeline\n  \
= help: `stsim import MANIFEST --story {story}` writes a scenario with that story\n",
            shown(&source.label)
        ))
    } else if let Some(error) = wrong_kind(&source.label, &source.text, false) {
        Err(error)
    } else {
        scenario(&source.label, &source.text, limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_words_cut() {
        assert_eq!(escape("a\u{1b}[31mb\0\nok\t."), "a\\u{1b}[31mb\\u{0}\nok\t.");
        let long = "x".repeat(1000);
        let shown = escape(&format!("name {long} end"));
        assert_eq!(
            shown,
            format!("name {}...(808 more characters)...{} end", "x".repeat(176), "x".repeat(16))
        );
    }

    #[test]
    fn bad_utf8_is_located() {
        let error = utf8(b"ab\ncd\xffe".to_vec()).unwrap_err();
        assert!(error.contains("0xff at line 2, column 3 (byte offset 5)"), "{error}");
    }

    /// As kubectl reads a file: a UTF-8 byte-order mark dropped, UTF-16
    /// with its mark converted, UTF-16 without one refused as not UTF-8.
    #[test]
    fn byte_order_marks_are_read_as_kubectl_reads_them() {
        let utf16 = |little: bool, text: &str| {
            let mut bytes = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for unit in text.encode_utf16() {
                bytes.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
            }
            bytes
        };
        let text = "kind: Service\r\nname: \"é 中 😀\"\n";
        assert_eq!(decode(b"\xEF\xBB\xBFkind: x\n".to_vec(), 100).unwrap(), "kind: x\n");
        assert_eq!(decode(utf16(true, text), 100).unwrap(), text);
        assert_eq!(decode(utf16(false, text), 100).unwrap(), text);
        // The mark counts in the byte offset, not in the columns.
        let error = decode(b"\xEF\xBB\xBFab\ncd\xffe".to_vec(), 100).unwrap_err();
        assert!(error.contains("0xff at line 2, column 3 (byte offset 8)"), "{error}");
        // UTF-16 without a mark is refused, in either order.
        for little in [true, false] {
            let mut unmarked = utf16(little, "a: 1\n");
            unmarked.drain(..2);
            assert!(decode(unmarked, 100).unwrap_err().contains("UTF-16 text without a byte-order mark"));
        }
        // A lone surrogate, or half a unit, is located.
        let mut bad = utf16(true, "ab\ncd");
        bad.extend([0x00, 0xDC]);
        let error = decode(bad.clone(), 100).unwrap_err();
        assert!(error.contains("UTF-16LE") && error.contains("surrogate"), "{error}");
        assert!(error.contains("at line 2, column 3 (byte offset 12)"), "{error}");
        bad.truncate(bad.len() - 1);
        let error = decode(bad, 100).unwrap_err();
        assert!(error.contains("half a character at line 2, column 3 (byte offset 12)"), "{error}");
        let mut high = utf16(false, "x");
        high.extend([0xD8, 0x00, 0x00, 0x41]);
        assert!(decode(high, 100).unwrap_err().contains("line 1, column 2 (byte offset 4)"));
        // Converted text is held to the limit too: three UTF-8 bytes for two.
        let wide = utf16(true, &"中".repeat(40));
        assert_eq!(wide.len(), 82);
        let error = decode(wide, 100).unwrap_err();
        assert!(error.contains("82 bytes, 120 bytes as UTF-8, more than the 100 bytes"), "{error}");
    }

    #[test]
    fn special_files_are_refused_before_reading() {
        let error = read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(error.message().contains("not a regular file"), "{}", error.message());
        let error = read_bounded(Path::new("/"), 1 << 20).unwrap_err();
        assert!(error.message().contains("directory"), "{}", error.message());
    }

    /// In a directory of manifests, a special file is refused as it is
    /// when named, not skipped; a subdirectory is skipped, as kubectl
    /// skips it without `--recursive`.
    #[cfg(unix)]
    #[test]
    fn special_files_in_a_directory_are_refused_as_when_named() {
        let dir = std::env::temp_dir().join(format!("stsim-input-dir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub.yaml")).unwrap();
        std::fs::write(dir.join("a.yaml"), "kind: Service\n").unwrap();
        let names = [dir.to_string_lossy().into_owned()];
        let read = read_manifests(&names, &Limits::DEFAULT).unwrap();
        assert_eq!(read.len(), 1, "the subdirectory is skipped: {read:?}");
        std::os::unix::fs::symlink("/dev/zero", dir.join("z.yaml")).unwrap();
        let error = read_manifests(&names, &Limits::DEFAULT).unwrap_err();
        let named = read_manifest(&dir.join("z.yaml").to_string_lossy(), &Limits::DEFAULT).unwrap_err();
        assert_eq!(error, named);
        assert!(error.contains("z.yaml`: it is not a regular file"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
