//! stsim-scenario: the scenario file format, from RON text to a validated
//! `stsim_core::config::Config`, with errors that say where and why.
//!
//! Owns the entry point, `parse_scenario`, and the translation of ron's
//! errors (syntax, unknown fields, wrong types, unknown enum variants) into
//! located `Diagnostic`s. A RON error stops parsing at the first one; once
//! the file has the right shape, `validate` reports every semantic problem.
//! Does not own the engine or any I/O: callers read the file and print the
//! diagnostics (`Diagnostic::render`).
//!
//! The format is documented in `docs/scenario-format.md`.

mod diagnostic;
mod locate;
mod quantity;
mod raw;
pub mod teaching;
mod validate;

pub use diagnostic::Diagnostic;
pub use quantity::{parse_cpu, parse_quantity};

use locate::{Locator, Tok, Token};
use ron::error::{Error, SpannedError};
use stsim_core::config::Config;

/// Reads a scenario. `file` is only used to label diagnostics.
///
/// On failure returns at least one diagnostic: the first RON error if the
/// text is not a well-formed scenario, or else every validation error,
/// sorted by line and column. Never panics.
pub fn parse_scenario(source: &str, file: &str) -> Result<Config, Vec<Diagnostic>> {
    // A byte-order mark is one character; a space keeps every column where it was.
    let text = match source.strip_prefix('\u{feff}') {
        Some(rest) => format!(" {rest}"),
        None => source.to_string(),
    };
    let locator = Locator::new(&text);
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    match options.from_str::<raw::Scenario>(&text) {
        Ok(scenario) => validate::validate(&scenario, &locator, file),
        Err(error) => Err(vec![ron_diagnostic(&error, &locator, file)]),
    }
}

/// Reads a scenario's teaching metadata (`tags`, `mirrors`, `lesson`,
/// `quiz`, `hint`); the rest of the file must be well-formed too.
pub fn parse_teaching(source: &str, file: &str) -> Result<teaching::Teaching, Vec<Diagnostic>> {
    let text = match source.strip_prefix('\u{feff}') {
        Some(rest) => format!(" {rest}"),
        None => source.to_string(),
    };
    let locator = Locator::new(&text);
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    match options.from_str::<raw::Scenario>(&text) {
        Ok(scenario) => validate::teaching(&scenario, &locator, file),
        Err(error) => Err(vec![ron_diagnostic(&error, &locator, file)]),
    }
}

/// How a token reads in "found ..." messages.
fn describe(locator: &Locator<'_>, token: Option<Token>) -> String {
    let Some(token) = token else {
        return "the end of the file".to_string();
    };
    let text: String = locator.text_of(token).chars().take(40).collect();
    match token.kind {
        Tok::Str => format!("the string {text}"),
        Tok::Number => format!("the number `{text}`"),
        Tok::Char => format!("the character {text}"),
        Tok::Ident if text == "true" || text == "false" => format!("the boolean `{text}`"),
        Tok::Ident => format!("`{text}`"),
        Tok::Punct('(') => "a struct `(...)`".to_string(),
        Tok::Punct('[') => "a list `[...]`".to_string(),
        Tok::Punct('{') => "a map `{...}`".to_string(),
        Tok::Punct(_) | Tok::Other => format!("`{text}`"),
    }
}

/// `a`, `b` or `c`.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// What kind of value a type error expected, in words.
fn expected_kind(code: &Error) -> Option<String> {
    let text = match code {
        Error::ExpectedArray => "a list `[...]`",
        Error::ExpectedBoolean => "`true` or `false`",
        Error::ExpectedChar => "a character",
        Error::ExpectedFloat => "a number",
        Error::ExpectedInteger => "a whole number",
        Error::ExpectedOption => "an optional value",
        Error::ExpectedMap => "a map `{...}`",
        Error::ExpectedStructLike => "`(` and the fields of a struct",
        Error::ExpectedUnit => "`()`",
        Error::ExpectedString => "a string in double quotes",
        Error::ExpectedByteString => "a byte string",
        Error::ExpectedIdentifier => "a name",
        Error::ExpectedNamedStructLike("") => "`(` and the fields of a struct",
        Error::ExpectedNamedStructLike(name) => return Some(format!("`{name}(...)` or `(...)`")),
        Error::ExpectedStructName(name) => return Some(format!("`{name}(...)`")),
        Error::ExpectedDifferentStructName { expected, .. } => {
            return Some(format!("`{expected}(...)` or `(...)`"));
        }
        Error::InvalidValueForType { expected, .. } => return Some(expected.clone()),
        Error::ExpectedDifferentLength { expected, .. } => return Some(expected.clone()),
        _ => return None,
    };
    Some(text.to_string())
}

/// Turns ron's first error into a located diagnostic.
fn ron_diagnostic(error: &SpannedError, locator: &Locator<'_>, file: &str) -> Diagnostic {
    // ron's span starts before the whitespace it skipped, and for a missing
    // comma it may cover the previous value: use its end there.
    let at = match error.code {
        Error::ExpectedComma => &error.span.end,
        _ => &error.span.start,
    };
    let mut start = locator.offset_of(at.line, at.col);
    if locator.token_at(start).is_none() {
        start = locator.token_at_or_after(start).map_or(start, |next| next.start);
    }
    let token = locator.token_at(start);
    let path = locator.path_at(start);
    let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
    // By default, underline the token at the error, or one character.
    let (mut line, mut column) = locator.line_col(start);
    let mut length = token.filter(|t| t.start == start).map_or(1, |t| locator.token_length(t));
    let mut help = None;
    let (code, message) = match &error.code {
        Error::NoSuchStructField { expected, found, outer } => {
            if let Some(close) = validate::suggest(found, expected) {
                help = Some(format!("did you mean `{close}`?"));
            }
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            let message =
                format!("{prefix}unknown field `{found}`{within}, expected one of {}", one_of(expected));
            ("unknown-field", message)
        }
        Error::NoSuchEnumVariant { expected, found, outer } => {
            if let Some(close) = validate::suggest(found, expected) {
                help = Some(format!("did you mean `{close}`?"));
            }
            let of = outer.as_ref().map_or(String::new(), |o| format!(" of {o}"));
            let message = format!("{prefix}unknown variant `{found}`{of}, expected {}", one_of(expected));
            ("unknown-variant", message)
        }
        Error::MissingStructField { field, outer } => {
            // ron points at the closing `)`; point at the struct instead.
            if let Some(place) = locator.place_of_value_at(start) {
                (line, column, length) = (place.line, place.column, place.length);
            }
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            help = Some(format!("add `{field}: ...` to this struct"));
            ("missing-field", format!("{prefix}missing field `{field}`{within}"))
        }
        Error::DuplicateStructField { field, outer } => {
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            help = Some("each field may be given once; remove one of them".to_string());
            ("duplicate-field", format!("{prefix}duplicate field `{field}`{within}"))
        }
        Error::IntegerOutOfBounds => {
            let text = token.map_or("", |t| locator.text_of(t));
            if let Some(t) = token {
                (line, column) = locator.line_col(t.start);
                length = locator.token_length(t);
            }
            let message = if text.starts_with('-') {
                format!("{prefix}Invalid value: {text}: must be greater than or equal to 0")
            } else {
                format!("{prefix}the number `{text}` is out of range")
            };
            ("invalid-value", message)
        }
        code @ Error::ExpectedStructLike
            if token.is_none_or(|t| matches!(t.kind, Tok::Punct(',' | ')' | ']' | '}')))
                && locator.token_before(start).is_some_and(|t| t.kind == Tok::Ident) =>
        {
            // A struct variant written without parentheses, like `RollingUpdate`.
            let mut prefix = prefix;
            if let Some(before) = locator.token_before(start) {
                (line, column) = locator.line_col(before.start);
                length = locator.token_length(before);
                let name = locator.text_of(before);
                help = Some(format!("write `{name}()` or give its fields, like `{name}(...)`"));
                let path = locator.path_at(before.start);
                prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
            }
            let what = expected_kind(code).unwrap_or_default();
            ("invalid-type", format!("{prefix}expected {what}"))
        }
        Error::ExpectedComma if token.is_some_and(|t| t.kind == Tok::Number && t.start < start) => {
            // ron read a whole number from the front of something like `1.5`.
            let number = token.map_or("", |t| locator.text_of(t));
            if let Some(t) = token {
                (line, column) = locator.line_col(t.start);
                length = locator.token_length(t);
            }
            ("invalid-type", format!("{prefix}expected a whole number, found the number `{number}`"))
        }
        code if expected_kind(code).is_some() => {
            let what = expected_kind(code).unwrap_or_default();
            let found = match code {
                Error::InvalidValueForType { found, .. } => found.clone(),
                Error::ExpectedDifferentStructName { found, .. } => format!("`{found}`"),
                _ => describe(locator, token),
            };
            ("invalid-type", format!("{prefix}expected {what}, found {found}"))
        }
        Error::ExpectedComma => {
            let open = locator.open_bracket_at(start);
            let close = open.map_or(')', |(c, _)| closer(c));
            let found_closer = token.is_some_and(|t| matches!(t.kind, Tok::Punct(')' | ']' | '}')));
            if found_closer || token.is_none() {
                if let Some((open_char, at)) = open {
                    let (open_line, open_column) = locator.line_col(at);
                    help = Some(format!(
                        "the `{open_char}` at line {open_line}, column {open_column} is not closed"
                    ));
                }
                let found = describe(locator, token);
                ("syntax", format!("expected `,` or `{close}`, found {found}"))
            } else {
                // Two values in a row: point just after the first one.
                let before = locator.token_before(start);
                if let Some(before) = before {
                    (line, column) = locator.line_col(before.end);
                    length = 1;
                }
                let unit_variant = before
                    .filter(|b| b.kind == Tok::Ident && token.is_some_and(|t| t.kind == Tok::Punct('(')));
                help = Some(match unit_variant {
                    Some(name) => format!("`{}` takes no parentheses", locator.text_of(name)),
                    None => "fields and list items are separated by commas".to_string(),
                });
                (
                    "syntax",
                    format!("expected `,` or `{close}` after this value, found {}", describe(locator, token)),
                )
            }
        }
        Error::Eof
        | Error::ExpectedArrayEnd
        | Error::ExpectedMapEnd
        | Error::ExpectedStructLikeEnd
        | Error::ExpectedOptionEnd => {
            if let Some((open_char, at)) = locator.open_bracket_at(start) {
                let (open_line, open_column) = locator.line_col(at);
                help = Some(format!(
                    "the `{open_char}` at line {open_line}, column {open_column} is not closed"
                ));
            }
            let message = match &error.code {
                Error::Eof => "unexpected end of file".to_string(),
                other => {
                    format!("{}, found {}", lowercase_first(&other.to_string()), describe(locator, token))
                }
            };
            ("syntax", message)
        }
        Error::ExpectedStringEnd => {
            help = Some("add the closing `\"`".to_string());
            ("syntax", "this string is not closed".to_string())
        }
        Error::UnclosedBlockComment => {
            // ron points inside the comment; point at its `/*`.
            if let Some(opening) = locator.source().get(..start.saturating_add(2)).and_then(|s| s.rfind("/*"))
            {
                (line, column) = locator.line_col(opening);
                length = 2;
            }
            help = Some("a `/*` comment ends with `*/`".to_string());
            ("syntax", "this block comment is not closed".to_string())
        }
        Error::TrailingCharacters => {
            help = Some("a scenario file holds one `Scenario(...)`; remove what follows it".to_string());
            ("syntax", format!("unexpected {} after the scenario", describe(locator, token)))
        }
        other => ("syntax", lowercase_first(&other.to_string())),
    };
    Diagnostic { code, message, file: file.to_string(), line, column, length: length.max(1), help }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
