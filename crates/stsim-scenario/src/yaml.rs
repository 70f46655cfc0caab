//! YAML (and JSON) text to a tree of values that remember where they were.
//!
//! Owns reading a multi-document YAML stream with `saphyr-parser` into
//! `Node`s: plain scalars resolved as kubectl reads them (YAML 1.1's
//! booleans and octals, through go-yaml v2 and then JSON; a stream that
//! starts with `{` by JSON's rules), mappings as ordered key/value lists, aliases expanded (each
//! within its document, as kubectl decodes each on its own), tags applied
//! as go-yaml v2 applies them (`tagged_scalar`), duplicate keys refused, every value and key with its place (line, column, length). Syntax
//! errors become located `Diagnostic`s. Builds the tree without recursion and
//! never panics. Does not know what a Kubernetes object is: that is `manifest`.
//!
//! saphyr-parser checks indentation where kubectl's go-yaml v2 (libyaml's
//! scanner) checks none: inside a flow collection (`[`, `{`: a closing
//! bracket or an item on a line indented less than the key that holds the
//! collection) and on the continuation lines of a quoted scalar. There
//! leading spaces mean nothing (they separate tokens, or are folded away),
//! so a line saphyr refuses for its indentation alone is read again with
//! spaces added at its start (`Padding`), and every place is mapped back to
//! the text as written.

use crate::diagnostic::Diagnostic;
use crate::locate::Place;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How deep collections may nest before the input is refused.
const MAX_DEPTH: usize = 200;
/// How many nodes aliases may expand to in one stream (a guard against "billion laughs").
const MAX_NODES: usize = 1_000_000;
/// How many bytes a stream's readings may cover in all, once lines are
/// padded and the stream read again; past it, saphyr's refusal stands.
const MAX_REREAD_BYTES: usize = 64 << 20;

/// One value with its place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub place: Place,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `plain` when it was written without quotes.
    Str(String),
    Seq(Vec<Node>),
    /// Keys in the order written, each with its own place.
    Map(Vec<(String, Place, Node)>),
}

impl Value {
    /// What this value is, for "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".to_string(),
            Value::Bool(b) => format!("the boolean `{b}`"),
            Value::Int(n) => format!("the number `{n}`"),
            Value::Float(x) => format!("the number `{x:?}`"),
            Value::Str(s) => {
                let short: String = s.chars().take(40).collect();
                format!("the string {short:?}")
            }
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }
}

/// One document of a stream: its root and where the document starts.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub root: Node,
    /// The scalars a tag go-yaml does not resolve (`!foo 3`) made strings,
    /// each with its tag as written: for the message where a string will not do.
    pub tagged: Vec<(Place, String)>,
}

fn place_of(span: &Span, padding: &Padding) -> Place {
    let start = span.start;
    let end = span.end;
    let length = if end.line() == start.line() { end.col().saturating_sub(start.col()) } else { 1 };
    Place { length: length.max(1), ..padding.place(&start) }
}

/// Spaces added at the start of lines the parser refused for their
/// indentation alone, where kubectl checks none (see the module's
/// documentation): by line (1-based), how many.
#[derive(Debug, Default)]
struct Padding {
    spaces: BTreeMap<usize, usize>,
}

impl Padding {
    /// The text with each padded line's spaces added.
    fn apply<'a>(&self, source: &'a str) -> Cow<'a, str> {
        if self.spaces.is_empty() {
            return Cow::Borrowed(source);
        }
        let extra: usize = self.spaces.values().sum();
        let mut text = String::with_capacity(source.len() + extra);
        for (index, line) in lines(source).enumerate() {
            if let Some(&n) = self.spaces.get(&(index + 1)) {
                text.extend(std::iter::repeat_n(' ', n));
            }
            text.push_str(line);
        }
        Cow::Owned(text)
    }

    /// Where a position of the padded text is in the text as written.
    fn place(&self, mark: &Marker) -> Place {
        let line = mark.line().max(1);
        let added = self.spaces.get(&line).copied().unwrap_or(0);
        Place { line, column: mark.col().saturating_sub(added) + 1, length: 1 }
    }

    /// Pads `line` (of the padded `text`) so that what starts at `column`
    /// (0-based) moves to `target`; false when it is there already.
    fn raise(&mut self, line: usize, column: usize, target: usize) -> bool {
        if column >= target {
            return false;
        }
        *self.spaces.entry(line).or_insert(0) += target - column;
        true
    }
}

/// The lines of `text`, each with its line break: `\n`, `\r\n` or a lone
/// `\r`, the breaks YAML (and saphyr's line count) knows.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'\n' && bytes[end] != b'\r' {
            end += 1;
        }
        if end < bytes.len() {
            end += if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') { 2 } else { 1 };
        }
        // Breaks are ASCII, so `start` and `end` are character boundaries.
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// `text` from line `line` (1-based), column `column` (0-based, in
/// characters) on; `None` past its end.
fn rest_from(text: &str, line: usize, column: usize) -> Option<&str> {
    let skipped: usize = lines(text).take(line.checked_sub(1)?).map(str::len).sum();
    let rest = text.get(skipped..)?;
    let at = rest.char_indices().nth(column)?.0;
    rest.get(at..)
}

/// The lines a quoted scalar starting at (`line`, `column`) continues on,
/// each with the column (0-based) of its first character that is no
/// space or tab: where saphyr checks a continuation's indentation.
fn continuations(text: &str, line: usize, column: usize) -> Vec<(usize, usize)> {
    let Some(rest) = rest_from(text, line, column) else { return Vec::new() };
    let mut chars = rest.chars().peekable();
    let Some(quote) = chars.next().filter(|c| *c == '"' || *c == '\'') else { return Vec::new() };
    let mut found = Vec::new();
    let mut current = line;
    while let Some(c) = chars.next() {
        match c {
            '\'' if quote == '\'' && chars.peek() == Some(&'\'') => {
                chars.next();
            }
            c if c == quote => break,
            '\\' if quote == '"' && chars.peek().is_some_and(|n| *n != '\n' && *n != '\r') => {
                chars.next();
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                current += 1;
                let mut indent = 0;
                while chars.peek().is_some_and(|n| *n == ' ' || *n == '\t') {
                    chars.next();
                    indent += 1;
                }
                // A blank line is no continuation saphyr checks.
                if chars.peek().is_some_and(|n| *n != '\n' && *n != '\r') {
                    found.push((current, indent));
                }
            }
            _ => {}
        }
    }
    found
}

/// Resolves a plain scalar as kubectl reads a YAML manifest: sigs.k8s.io/yaml
/// turns each document into JSON through go-yaml v2, whose resolver keeps
/// YAML 1.1's rules (`yaml.v2/resolve.go`), and the API types are decoded
/// from that JSON. So `yes`, `on` and `y` (and `no`, `off` and `n`; the
/// words as `yes`, `Yes` or `YES`, the letters in either case) are booleans; an integer is read as Go's `ParseInt` with base
/// 0 reads it once `_`s are dropped: `0x1f`, `0o17` and `0b11` by their
/// prefix, `017` as octal (15, not 17), a sign allowed; what does not fit
/// 64 bits, or is not an integer, is a float if it has a float's shape and
/// a finite value (`1e400` stays a string, as Go's `ParseFloat` fails on
/// it); and a float with a whole value (`3.0`, `1e3`) is an integer,
/// because Go's JSON encoder writes it as `3`, `1000`. Dates
/// (`2024-01-02`) stay strings: go-yaml v2 hands them to an untyped value as
/// the text written. (kubernetes/kubernetes#34146, open since 2016: kubectl
/// is not YAML 1.2; an unquoted `yes` label value fails as a boolean.)
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let string = || Value::Str(text.to_string());
    match text.as_bytes().first() {
        // Not in the table: a float, as Go's `ParseFloat` reads the text.
        Some(b'.') => {
            return text.parse::<f64>().ok().filter(|x| x.is_finite()).map_or_else(string, json_number);
        }
        Some(b'0'..=b'9' | b'+' | b'-') => {}
        _ => return string(),
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(n) = go_int(&plain) {
        return Value::Int(n);
    }
    // Past `i64` but within `u64`: a number still (one no field takes).
    if let Some(n) = go_uint(&plain) {
        return Value::Float(n as f64);
    }
    if go_float_shape(&plain)
        && let Ok(x) = plain.parse::<f64>()
        && x.is_finite()
    {
        return json_number(x);
    }
    string()
}

/// A float as it comes out of Go's JSON encoder and into a typed field: a
/// whole value below 1e21 is written without a point or exponent, so an
/// integer field takes it.
fn json_number(x: f64) -> Value {
    // Whole values from 2^63 up to 1e21 are written whole too, but fit no
    // field stsim reads; they stay numbers.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if x.fract() == 0.0 && (-TWO_63..TWO_63).contains(&x) {
        // invariant: a whole value within i64's range converts exactly.
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then `0x`, `0o`,
/// `0b` (either case) or a leading `0` (octal) choose the base; `None`
/// when a digit does not belong to it or the value does not fit.
fn go_int(s: &str) -> Option<i64> {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_uint(unsigned)?;
    if negative {
        if magnitude <= 1u64 << 63 { Some((magnitude as i64).wrapping_neg()) } else { None }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign).
fn go_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    // Both bytes ASCII, so slicing after them is on a character boundary.
    let prefixed = |letter: u8| bytes.len() > 2 && bytes[0] == b'0' && bytes[1].eq_ignore_ascii_case(&letter);
    let (digits, radix) = if prefixed(b'x') {
        (&s[2..], 16)
    } else if prefixed(b'o') {
        (&s[2..], 8)
    } else if prefixed(b'b') {
        (&s[2..], 2)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml v2's float shape: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn go_float_shape(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => !fraction.is_empty() && all_digits(fraction),
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && all_digits(digits)
    });
    mantissa_ok && exponent_ok
}

/// Resolves a plain scalar of a JSON stream. kubectl decodes a stream that
/// starts with `{` as JSON, not through YAML: `true`, `false` and `null`
/// as written, and a number is an integer only when written as one, so
/// `3.0` is refused where an integer is wanted (Go's JSON decoder reads the
/// literal). Other plain words are taken as text.
fn resolve_json(text: &str) -> Value {
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" => return Value::Null,
        _ => {}
    }
    // JSON's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let whole_end = unsigned.find(['.', 'e', 'E']).unwrap_or(unsigned.len());
    let (whole, rest) = unsigned.split_at(whole_end);
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let whole_ok = digits(whole) && (whole == "0" || !whole.starts_with('0'));
    let (fraction, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let fraction_ok = fraction.is_empty() || fraction.strip_prefix('.').is_some_and(digits);
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !(whole_ok && fraction_ok && exponent_ok) {
        return Value::Str(text.to_string());
    }
    if rest.is_empty() {
        // Past 64 bits: a number still, as the decoder reads it.
        return text
            .parse::<i64>()
            .map_or_else(|_| Value::Float(text.parse().unwrap_or(f64::INFINITY)), Value::Int);
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Value::Float(x),
        _ => Value::Str(text.to_string()),
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        place: Place,
        anchor: usize,
        start: Marker,
    },
    Map {
        entries: Vec<(String, Place, Node)>,
        key: Option<(String, Place)>,
        place: Place,
        anchor: usize,
        start: Marker,
    },
}

impl Frame {
    fn start(&self) -> Marker {
        match self {
            Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
        }
    }
}

/// Why one reading stopped.
enum Stop {
    /// A refusal that stands.
    Refused(Box<Diagnostic>),
    /// saphyr refused a line for its indentation alone, where kubectl
    /// checks none: the line at `at` (1-based line, 0-based column, in the
    /// padded text) if `quoted` is false, else the continuation lines of
    /// the quoted scalar starting there. `target` is the column past the
    /// innermost block collection read, the least indentation saphyr wants.
    Indentation { diagnostic: Box<Diagnostic>, at: (usize, usize), quoted: bool, target: usize },
}

impl Stop {
    fn refused(diagnostic: Diagnostic) -> Stop {
        Stop::Refused(Box::new(diagnostic))
    }
}

fn error(file: &str, place: Place, message: impl Into<String>, help: Option<&str>) -> Diagnostic {
    Diagnostic {
        code: "yaml-syntax",
        message: message.into(),
        file: file.to_string(),
        line: place.line,
        column: place.column,
        length: place.length,
        help: help.map(str::to_string),
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        count += 1;
        match &node.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.2)),
            _ => {}
        }
    }
    count
}

/// Reads every document of a YAML or JSON stream. Empty documents (as
/// `helm template` writes between sources) are left out. The first syntax
/// error stops reading.
pub(crate) fn parse_stream(source: &str, file: &str) -> Result<Vec<Document>, Diagnostic> {
    let mut padding = Padding::default();
    let mut read = 0usize;
    // The last refusal, and how far past its target the next padding goes
    // (doubled each time the same place is refused again).
    let mut last: Option<(usize, usize)> = None;
    let mut boost = 0usize;
    loop {
        let text = padding.apply(source);
        read = read.saturating_add(text.len());
        let (diagnostic, at, quoted, target) = match read_stream(&text, file, &padding) {
            Ok(documents) => return Ok(documents),
            Err(Stop::Refused(diagnostic)) => return Err(*diagnostic),
            Err(Stop::Indentation { diagnostic, at, quoted, target }) => (*diagnostic, at, quoted, target),
        };
        if read > MAX_REREAD_BYTES {
            let help = "kubectl reads a line inside `[...]` or `{...}`, or continuing a quoted string, at any \
                        indentation; stsim reads such a stream again for each of these lines, up to 64 MiB of \
                        reading: indent the lines past their key";
            return Err(Diagnostic { help: Some(help.to_string()), ..diagnostic });
        }
        let lines = if quoted { continuations(&text, at.0, at.1) } else { vec![at] };
        if lines.is_empty() {
            return Err(diagnostic);
        }
        boost = if last == Some(at) { (boost * 2).max(1) } else { 0 };
        last = Some(at);
        // Each line moves at least one column, so the loop ends.
        while !lines.iter().fold(false, |raised, &(line, column)| {
            padding.raise(line, column, target.saturating_add(boost)) | raised
        }) {
            boost = (boost * 2).max(1);
        }
    }
}

/// One reading of the (padded) text.
fn read_stream(source: &str, file: &str, padding: &Padding) -> Result<Vec<Document>, Stop> {
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    // The anchors of the documents before this one, with where each
    // anchored value is: saphyr resolves an alias across `---`, kubectl
    // does not (below).
    let mut earlier: BTreeMap<usize, Place> = BTreeMap::new();
    let mut tagged: Vec<(Place, String)> = Vec::new();
    let mut expanded = 0usize;
    // kubectl's `YAMLOrJSONDecoder`: a stream whose first character past
    // white space is `{` is JSON (`hasJSONPrefix`).
    let json = source.trim_start().starts_with('{');
    let resolve = if json { resolve_json } else { resolve_plain };
    for item in Parser::new_from_str(source) {
        let (event, span) = match item {
            Ok(item) => item,
            Err(scan) => {
                let marker = scan.marker();
                // "tab" or "tabs" as a word ("unprintable" holds it too).
                let words = scan.info().split(|c: char| !c.is_ascii_alphabetic());
                let about_tabs = { words }.any(|w| w == "tab" || w == "tabs");
                let diagnostic = match about_tabs.then(|| indenting_tab(source, marker)).flatten() {
                    // At the tab, wherever saphyr was when it found it.
                    Some((line, column)) => error(
                        file,
                        padding.place(&Marker::new(0, line, column)),
                        "invalid YAML: a tab indents this line, and tabs cannot indent YAML",
                        Some("YAML indents with spaces; replace the tabs"),
                    ),
                    // A plain scalar where a mapping's key was due, with no ':'
                    // after it: saphyr notices at the next token (often the
                    // next line, or past the end of the file); go-yaml, and so
                    // kubectl, names the line of the key itself ("could not
                    // find expected ':'").
                    None if scan.info().starts_with("simple key expect") => {
                        let (line, column) = last_content_before(source, marker);
                        error(
                            file,
                            padding.place(&Marker::new(0, line, column)),
                            "invalid YAML: could not find expected ':'",
                            Some(
                                "a mapping's key is followed by ':' (`name: value`); is this line cut short?",
                            ),
                        )
                    }
                    None => {
                        let help = about_tabs.then_some("YAML indents with spaces; replace the tabs");
                        let (line, column) = within_text(source, marker);
                        let place = padding.place(&Marker::new(0, line, column));
                        error(file, place, format!("invalid YAML: {}", scan.info()), help)
                    }
                };
                // saphyr's checks against the indentation of the block
                // around: "invalid indentation" is only raised within a flow
                // collection (in a block, the indentation unrolls to the
                // token first), "in flow construct" too, and "in quoted
                // scalar" on a quoted scalar's continuation line.
                let quoted = match scan.info() {
                    "invalid indentation" | "invalid indentation in flow construct" => false,
                    "invalid indentation in quoted scalar" => true,
                    _ => return Err(Stop::refused(diagnostic)),
                };
                let target = innermost_block(&stack, source).map_or(1, |column| column + 1);
                let at = (marker.line().max(1), marker.col());
                return Err(Stop::Indentation { diagnostic: Box::new(diagnostic), at, quoted, target });
            }
        };
        let place = place_of(&span, padding);
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                stack.clear();
                tagged.clear();
                earlier.extend(std::mem::take(&mut anchors).into_iter().map(|(id, node)| (id, node.place)));
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => {
                    expanded += count_nodes(node);
                    if expanded > MAX_NODES {
                        return Err(Stop::refused(error(
                            file,
                            place,
                            "aliases expand to too many values",
                            None,
                        )));
                    }
                    Some((Node { value: node.value.clone(), place }, 0))
                }
                // kubectl splits a stream into its documents before it
                // decodes each with go-yaml (apimachinery `util/yaml`'s
                // `YAMLReader`), so an anchor of another document is unknown
                // there (go-yaml's `unknown anchor 'a' referenced`).
                None => {
                    let name = rest_from(source, span.start.line().max(1), span.start.col())
                        .map(alias_name)
                        .unwrap_or_default();
                    let open = stack.iter().any(|frame| match frame {
                        Frame::Seq { anchor, .. } | Frame::Map { anchor, .. } => *anchor == id,
                    });
                    let (message, help) = match earlier.get(&id) {
                        // go-yaml's words for an alias inside its own anchor.
                        _ if open => (format!("anchor '{name}' value contains itself"), None),
                        Some(anchored) => (
                            format!(
                                "unknown anchor '{name}' referenced: `&{name}` anchors a value of another \
                                 document (line {}), and kubectl reads each document on its own",
                                anchored.line
                            ),
                            Some("write the value here too, or anchor it in this document"),
                        ),
                        None => (format!("unknown anchor '{name}' referenced"), None),
                    };
                    return Err(Stop::refused(error(file, place, message, help)));
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let value = match tag {
                    None if style == ScalarStyle::Plain => resolve(&text),
                    None => Value::Str(text.into_owned()),
                    Some(_) if json => {
                        let message = "a YAML tag in a JSON manifest: kubectl decodes a stream that starts \
                                       with `{` as JSON, which has no tags (invalid character '!' looking for \
                                       beginning of value)";
                        return Err(Stop::refused(error(file, place, message, None)));
                    }
                    Some(tag) => {
                        let full = format!("{}{}", tag.handle, tag.suffix);
                        match tagged_scalar(&full, &text) {
                            Ok(Tagged::Resolved(value)) => value,
                            Ok(Tagged::Unknown) => {
                                // Shown as written: `!foo`, `!!foo` for
                                // yaml.org's own, or the verbatim tag.
                                let shown = match full.strip_prefix(CORE_TAG) {
                                    Some(name) => format!("!!{name}"),
                                    None if tag.handle == "!" => format!("!{}", tag.suffix),
                                    None => full.clone(),
                                };
                                tagged.push((place, shown));
                                Value::Str(text.into_owned())
                            }
                            Err(message) => {
                                let help = "kubectl reads YAML with go-yaml, which reads a tagged value as its tag \
                                            says: write a value of that type, or drop the tag";
                                return Err(Stop::refused(error(
                                    file,
                                    place,
                                    format!("invalid YAML: {message}"),
                                    Some(help),
                                )));
                            }
                        }
                    }
                };
                Some((Node { value, place }, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Stop::refused(error(file, place, "values nest too deeply", None)));
                }
                stack.push(Frame::Seq { items: Vec::new(), place, anchor, start: span.start });
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Stop::refused(error(file, place, "values nest too deeply", None)));
                }
                stack.push(Frame::Map { entries: Vec::new(), key: None, place, anchor, start: span.start });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, place, anchor, .. }) => {
                    Some((Node { value: Value::Seq(items), place }, anchor))
                }
                _ => return Err(Stop::refused(error(file, place, "unbalanced sequence", None))),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { entries, place, anchor, .. }) => {
                    Some((Node { value: Value::Map(entries), place }, anchor))
                }
                _ => return Err(Stop::refused(error(file, place, "unbalanced mapping", None))),
            },
        };
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => documents.push(Document { root: node, tagged: std::mem::take(&mut tagged) }),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let name = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Int(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(x) => x.to_string(),
                        Value::Null => "null".to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(Stop::refused(error(
                                file,
                                node.place,
                                "a mapping key must be a scalar",
                                Some("Kubernetes objects have string keys"),
                            )));
                        }
                    };
                    if name == "<<" {
                        return Err(Stop::refused(error(
                            file,
                            node.place,
                            "merge keys (`<<`) are not supported",
                            Some("write the merged fields out, as `helm template` does"),
                        )));
                    }
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == name) {
                        // sigs.k8s.io/yaml (and so kubectl) refuses duplicate keys.
                        return Err(Stop::refused(Diagnostic {
                            code: "yaml-duplicate-key",
                            message: format!("key {name:?} already set in map"),
                            file: file.to_string(),
                            line: node.place.line,
                            column: node.place.column,
                            length: node.place.length,
                            help: Some(format!("the first {name:?} is at line {}", first.line)),
                        }));
                    }
                    *key = Some((name, node.place));
                }
                Some((name, key_place)) => entries.push((name, key_place, node)),
            },
        }
    }
    documents.retain(|d| d.root.value != Value::Null);
    Ok(documents)
}

/// The prefix of the tags of YAML's own types: `!!int` is `tag:yaml.org,2002:int`.
const CORE_TAG: &str = "tag:yaml.org,2002:";

/// What a tag makes of a scalar.
enum Tagged {
    Resolved(Value),
    /// A tag go-yaml does not resolve: the scalar is its text.
    Unknown,
}

/// A scalar of tag `tag` (in full: `tag:yaml.org,2002:int`, `!foo`), as
/// go-yaml v2 decodes it into an untyped value, which sigs.k8s.io/yaml
/// turns into JSON for kubectl (`resolve` in goyaml.v2/resolve.go, then
/// `decoder.scalar` in decode.go): `!!str` keeps the text; `!!binary` is
/// its base64 decoded; `!!int`, `!!float`, `!!bool`, `!!null` and
/// `!!timestamp` read the text, quoted or not, as an untagged plain scalar
/// is read and must find that type (an integer is a float too), else
/// `cannot decode !!str `x` as a !!int`; every other tag (a local `!foo`,
/// the non-specific `!`, `!!seq` on a scalar) leaves the text, a string,
/// as `resolvableTag` refuses it.
fn tagged_scalar(tag: &str, text: &str) -> Result<Tagged, String> {
    let Some(name) = tag.strip_prefix(CORE_TAG) else { return Ok(Tagged::Unknown) };
    let wanted = match name {
        "str" => return Ok(Tagged::Resolved(Value::Str(text.to_string()))),
        "binary" => {
            let bytes =
                base64_std(text).ok_or_else(|| "!!binary value contains invalid base64 data".to_string())?;
            return Ok(Tagged::Resolved(Value::Str(go_json_string(&bytes))));
        }
        "int" | "float" | "bool" | "null" | "timestamp" => name,
        _ => return Ok(Tagged::Unknown),
    };
    // The type go-yaml finds for the text, and the value kubectl gets.
    let (found, value) = match resolve_plain(text) {
        // A date is a timestamp only under its tag (untagged, it stays text).
        Value::Str(s) if wanted == "timestamp" && go_timestamp(&s) => ("timestamp", Value::Str(s)),
        Value::Str(s) => ("str", Value::Str(s)),
        Value::Null => ("null", Value::Null),
        Value::Bool(b) => ("bool", Value::Bool(b)),
        // `resolve_plain` makes a whole float an integer, as JSON writes
        // it; go-yaml's own type is in the text's shape.
        Value::Int(n) if go_int(&text.replace('_', "")).is_some() => ("int", Value::Int(n)),
        value @ (Value::Int(_) | Value::Float(_)) => {
            let plain = text.replace('_', "");
            let int = go_uint(plain.strip_prefix('+').unwrap_or(&plain)).is_some();
            (if int { "int" } else { "float" }, value)
        }
        value @ (Value::Seq(_) | Value::Map(_)) => ("str", value),
    };
    if found == wanted || (wanted == "float" && found == "int") {
        Ok(Tagged::Resolved(value))
    } else {
        Err(format!("cannot decode !!{found} `{text}` as a !!{wanted}"))
    }
}

/// Go's `base64.StdEncoding.DecodeString`: the standard alphabet with
/// `=` padding, line breaks ignored; `None` if the text is not that.
fn base64_std(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !symbols.len().is_multiple_of(4) {
        return None;
    }
    let sextet = |b: u8| -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let quanta = symbols.len() / 4;
    for (i, quantum) in symbols.chunks(4).enumerate() {
        // Padding only ends the last quantum: `xx==` or `xxx=`.
        let padding = quantum.iter().rev().take_while(|b| **b == b'=').count();
        if padding > 2 || (padding > 0 && i + 1 != quanta) {
            return None;
        }
        let mut bits = 0u32;
        for &b in &quantum[..4 - padding] {
            bits = bits << 6 | sextet(b)?;
        }
        bits <<= 6 * padding as u32;
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

/// Bytes as Go's JSON encoder writes a string of them: each byte of no
/// valid UTF-8 sequence becomes U+FFFD.
fn go_json_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                break;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                // Checked by `from_utf8` up to `valid`.
                out.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                let bad = error.error_len().unwrap_or(rest.len() - valid);
                out.extend(std::iter::repeat_n('\u{fffd}', bad));
                rest = &rest[valid + bad..];
            }
        }
    }
    out
}

/// Whether go-yaml's `parseTimestamp` reads `text`: `2006-1-2`, then
/// optionally a time `15:4:5` (with a fraction of up to nine digits)
/// after `T` or `t` with a zone (`Z` or `+07:00`), or after a space
/// without one, each number in its range (Go's `time.Parse` checks the
/// day against the month).
fn go_timestamp(text: &str) -> bool {
    // A number of `min..=max` digits at the start, and what follows.
    fn number(text: &str, min: usize, max: usize) -> Option<(u32, &str)> {
        let len = text.bytes().take(max).take_while(u8::is_ascii_digit).count();
        (len >= min).then(|| (text[..len].parse().unwrap_or(0), &text[len..]))
    }
    let date = || -> Option<(&str, bool)> {
        let (year, rest) = number(text, 4, 4)?;
        let (month, rest) = number(rest.strip_prefix('-')?, 1, 2)?;
        let (day, rest) = number(rest.strip_prefix('-')?, 1, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        Some((rest, (1..=days).contains(&day)))
    };
    let Some((rest, true)) = date() else { return false };
    let (zoned, rest) = match rest.chars().next() {
        None => return true,
        Some('T' | 't') => (true, &rest[1..]),
        Some(' ') => (false, &rest[1..]),
        Some(_) => return false,
    };
    let time = || -> Option<&str> {
        let (hour, rest) = number(rest, 1, 2)?;
        let (minute, rest) = number(rest.strip_prefix(':')?, 1, 2)?;
        let (second, mut rest) = number(rest.strip_prefix(':')?, 1, 2)?;
        if let Some(fraction) = rest.strip_prefix('.') {
            rest = number(fraction, 1, 9)?.1;
        }
        (hour < 24 && minute < 60 && second < 60).then_some(rest)
    };
    let Some(rest) = time() else { return false };
    if !zoned {
        return rest.is_empty();
    }
    if rest == "Z" {
        return true;
    }
    let Some(offset) = rest.strip_prefix(['+', '-']) else { return false };
    matches!(number(offset, 2, 2), Some((h, tail)) if h < 24
        && matches!(number(tail.strip_prefix(':').unwrap_or("x"), 2, 2), Some((m, "")) if m < 60))
}

/// The anchor an alias names: what follows its `*`, up to white space or
/// a flow indicator.
fn alias_name(text: &str) -> String {
    let name = text.strip_prefix('*').unwrap_or(text);
    name.chars().take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}')).collect()
}

/// The tab that a scan error about tabs at `marker` is about: the first
/// in the indentation of a line with content, from the marker's line on
/// (at or before the marker on that line), as (line, 0-based column).
/// saphyr places some of these errors at the token before the tab (a
/// plain scalar continued on a line indented with one, a block scalar
/// whose content starts with one), others just past it; kubectl's go-yaml
/// names the tab's own line (libyaml's scanner: `found a tab character
/// that violate indentation`, or `found character that cannot start any
/// token` where a line starts with one).
/// The last line with content (not blank, not a comment) before the
/// marker (its own line counts if the marker is past its start), with
/// where that content begins: (1-based line, 0-based column).
fn last_content_before(text: &str, marker: &Marker) -> (usize, usize) {
    let upto = if marker.col() == 0 { marker.line().saturating_sub(1) } else { marker.line() };
    let mut found = None;
    for (index, line) in lines(text).enumerate().take(upto) {
        let line = line.trim_end_matches(['\n', '\r']);
        let indent = line.find(|c| c != ' ').unwrap_or(line.len());
        if indent < line.len() && !line[indent..].starts_with('#') {
            found = Some((index + 1, indent));
        }
    }
    found.unwrap_or_else(|| within_text(text, marker))
}

/// The marker, or the end of the text's last line when it points past it
/// (saphyr's end of stream is on the line after the last).
fn within_text(text: &str, marker: &Marker) -> (usize, usize) {
    let count = lines(text).count();
    if count > 0 && marker.line() > count {
        let last = lines(text).last().unwrap_or_default().trim_end_matches(['\n', '\r']);
        return (count, last.chars().count());
    }
    (marker.line(), marker.col())
}

fn indenting_tab(text: &str, marker: &Marker) -> Option<(usize, usize)> {
    let first = marker.line().max(1);
    for (offset, line) in lines(text).skip(first - 1).enumerate() {
        // Indentation is ASCII: its byte offsets are its columns.
        let indent = line.find(|c| c != ' ' && c != '\t').unwrap_or(line.len());
        let content = line[indent..].trim_end_matches(['\n', '\r']);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(tab) = line[..indent].find('\t')
            && (offset > 0 || tab <= marker.col())
        {
            return Some((first + offset, tab));
        }
    }
    None
}

/// The column (0-based, in the padded text) of the innermost block
/// collection read so far: a frame whose first character is no `[` or `{`.
fn innermost_block(stack: &[Frame], text: &str) -> Option<usize> {
    stack.iter().rev().map(Frame::start).find_map(|start| {
        let first = rest_from(text, start.line().max(1), start.col()).and_then(|rest| rest.chars().next());
        (!matches!(first, Some('[' | '{'))).then_some(start.col())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_stream(text, "t.yaml").unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    fn values(text: &str) -> Vec<Value> {
        let Value::Map(entries) = one(text).value else { panic!("a mapping") };
        entries.into_iter().map(|e| e.2.value).collect()
    }

    #[test]
    fn scalars_resolve_as_kubectl_reads_them() {
        let text = "a: 1\nb: \"1\"\nc: true\nd: ~\ne: 1.5\nf: 500m\ng: 0x1f\nh: !!str 3\ni: 2024-01-02\n";
        assert_eq!(
            values(text),
            vec![
                Value::Int(1),
                Value::Str("1".into()),
                Value::Bool(true),
                Value::Null,
                Value::Float(1.5),
                Value::Str("500m".into()),
                Value::Int(31),
                Value::Str("3".into()),
                Value::Str("2024-01-02".into()),
            ]
        );
    }

    /// go-yaml v2's YAML 1.1 words, and its integers: Go's `ParseInt` with
    /// base 0 once `_`s are dropped (a leading 0 is octal), then unsigned,
    /// then a float of the right shape and a finite value.
    #[test]
    fn yaml_1_1_booleans_octals_and_separators() {
        let truths = [
            (true, ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"]),
            (false, ["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"]),
        ];
        for (truth, words) in truths {
            for word in words {
                assert_eq!(values(&format!("a: {word}\n")), vec![Value::Bool(truth)], "{word}");
            }
        }
        for (text, value) in [
            ("010", Value::Int(8)),
            ("-010", Value::Int(-8)),
            ("08", Value::Int(8)),
            ("0", Value::Int(0)),
            ("0o17", Value::Int(15)),
            ("0O17", Value::Int(15)),
            ("0b101", Value::Int(5)),
            ("-0b101", Value::Int(-5)),
            ("0X1F", Value::Int(31)),
            ("+0x10", Value::Int(16)),
            ("1_000", Value::Int(1000)),
            ("+3", Value::Int(3)),
            ("9223372036854775807", Value::Int(i64::MAX)),
            ("-9223372036854775808", Value::Int(i64::MIN)),
            ("18446744073709551615", Value::Float(18446744073709551615.0)),
            ("0x", Value::Str("0x".into())),
            ("0b", Value::Str("0b".into())),
            ("0b2", Value::Str("0b2".into())),
            ("1e", Value::Str("1e".into())),
            ("12:30", Value::Str("12:30".into())),
            ("-x", Value::Str("-x".into())),
            ("-\u{bd0}", Value::Str("-\u{bd0}".into())),
            ("0\u{bd0}", Value::Str("0\u{bd0}".into())),
            ("_1", Value::Str("_1".into())),
            ("1e400", Value::Str("1e400".into())),
            ("Yes please", Value::Str("Yes please".into())),
            ("NaN", Value::Str("NaN".into())),
        ] {
            assert_eq!(values(&format!("a: {text}\n")), vec![value], "{text}");
        }
    }

    /// A whole float goes to JSON without a point (`3.0` is `3`), so an
    /// integer field takes it; others stay floats.
    #[test]
    fn whole_floats_are_integers_as_json_writes_them() {
        for (text, value) in [
            ("3.0", Value::Int(3)),
            ("1e3", Value::Int(1000)),
            ("1.", Value::Int(1)),
            ("-0.0", Value::Int(0)),
            ("1_0.0", Value::Int(10)),
            ("2.5", Value::Float(2.5)),
            (".5", Value::Float(0.5)),
            ("+.5", Value::Float(0.5)),
            ("1e19", Value::Float(1e19)),
            (".inf", Value::Float(f64::INFINITY)),
        ] {
            assert_eq!(values(&format!("a: {text}\n")), vec![value], "{text}");
        }
    }

    /// A stream that starts with `{` is JSON to kubectl: its literals as
    /// written, numbers integers only when written as such.
    #[test]
    fn a_json_stream_keeps_json_literals() {
        let json = values(
            r#" {"a": 3.0, "b": 1e3, "c": 3, "d": true, "e": null, "f": -0, "g": "x", "h": 99999999999999999999}"#,
        );
        assert_eq!(
            json,
            vec![
                Value::Float(3.0),
                Value::Float(1000.0),
                Value::Int(3),
                Value::Bool(true),
                Value::Null,
                Value::Int(0),
                Value::Str("x".into()),
                Value::Float(99999999999999999999.0),
            ]
        );
        // YAML words are not JSON's.
        assert_eq!(
            values(r#"{"a": yes, "b": 010, "c": .5}"#),
            vec![Value::Str("yes".into()), Value::Str("010".into()), Value::Str(".5".into()),]
        );
    }

    #[test]
    fn places_are_one_based() {
        let root = one("kind: Service\nspec:\n  clusterIP: None\n");
        let Value::Map(entries) = root.value else { panic!() };
        let (_, key_place, spec) = &entries[1];
        assert_eq!((key_place.line, key_place.column), (2, 1));
        let Value::Map(inner) = &spec.value else { panic!() };
        assert_eq!((inner[0].2.place.line, inner[0].2.place.column, inner[0].2.place.length), (3, 14, 4));
    }

    #[test]
    fn empty_documents_are_skipped_and_json_reads() {
        let docs = parse_stream("---\n# Source: x\n---\na: 1\n---\n---\n{\"b\": [1, 2]}\n", "t").unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_are_located() {
        let error = parse_stream("a: 1\nb: 2\na: 3\n", "t.yaml").unwrap_err();
        assert_eq!((error.line, error.column, error.code), (3, 1, "yaml-duplicate-key"));
        let error = parse_stream("a: [1, 2\nb: 3\n", "t.yaml").unwrap_err();
        assert_eq!(error.code, "yaml-syntax");
        assert!(error.line >= 1);
    }

    /// A key without its ':' is named at its own line, in go-yaml's words,
    /// wherever saphyr noticed (the next line, or past the end of a file
    /// cut short); no error points past the last line.
    #[test]
    fn a_key_without_its_colon_is_named_at_its_line() {
        for (text, line, column) in [
            ("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  clusterIP: None\n  ports", 7, 3),
            ("metadata:\n  name: x\n  labels\nspec:\n  a: b\n", 3, 3),
            ("a: 1\nb\n# a comment\n\n", 2, 1),
        ] {
            let error = parse_stream(text, "t.yaml").unwrap_err();
            assert_eq!((error.line, error.column), (line, column), "{text:?}: {error:?}");
            assert_eq!(error.message, "invalid YAML: could not find expected ':'", "{text:?}");
        }
        let error = parse_stream("a: \"unclosed\n", "t.yaml").unwrap_err();
        assert!(error.line <= 1, "{error:?}");
    }

    /// A tab in a line's indentation is refused at the tab, wherever
    /// saphyr noticed it: at a plain or block scalar before it, or past it.
    #[test]
    fn a_tab_indenting_a_line_is_refused_where_it_is() {
        for (text, line, column) in [
            ("kind: Service\nspec:\n  clusterIP: None\n\tselector: {}\n", 4, 1),
            ("spec:\n  ports: []\n\tselector: {}\n", 3, 1),
            ("a:\n  b: c\n\t\n\td: e\n", 4, 1),
            ("a: |\n\tx\n", 2, 1),
            ("a:\n  b: 1\n  \t# a comment\n\t\tc: 2\n", 4, 1),
        ] {
            let error = parse_stream(text, "t.yaml").unwrap_err();
            assert_eq!((error.line, error.column), (line, column), "{text:?}: {error:?}");
            assert_eq!(error.message, "invalid YAML: a tab indents this line, and tabs cannot indent YAML");
        }
        // A tab between a key and its value separates them, as in go-yaml.
        assert_eq!(values("a: \tb\n"), vec![Value::Str("b".into())]);
    }

    /// Tags as go-yaml v2 applies them to an untyped value (goyaml.v2
    /// `resolve` and `decoder.scalar`), which is what kubectl gets.
    #[test]
    fn tags_are_applied_as_go_yaml_applies_them() {
        let text = "a: !!int \"3\"\nb: !!float 3\nc: !!bool \"yes\"\nd: !!str 3\ne: !!binary cmVkaXM6Ny4w\n\
                    f: !foo 3\ng: ! 3\nh: !!null ''\ni: !!timestamp 2024-02-29T10:00:00Z\nj: !!seq 3\n\
                    k: !!float \"1.5\"\nl: !<tag:yaml.org,2002:int> \"0x10\"\nm: !!binary |\n  cmVk\n  aXM=\n";
        assert_eq!(
            values(text),
            vec![
                Value::Int(3),
                Value::Int(3),
                Value::Bool(true),
                Value::Str("3".into()),
                Value::Str("redis:7.0".into()),
                Value::Str("3".into()),
                Value::Str("3".into()),
                Value::Null,
                Value::Str("2024-02-29T10:00:00Z".into()),
                Value::Str("3".into()),
                Value::Float(1.5),
                Value::Int(16),
                Value::Str("redis".into()),
            ]
        );
        let docs = parse_stream("a: !foo 3\nb: !!str 4\n", "t.yaml").unwrap();
        let tagged: Vec<(usize, usize, &str)> =
            docs[0].tagged.iter().map(|(p, t)| (p.line, p.column, t.as_str())).collect();
        assert_eq!(tagged, [(1, 4, "!foo")], "only tags go-yaml does not resolve are kept");
        for (text, message) in [
            ("a: !!int abc\n", "invalid YAML: cannot decode !!str `abc` as a !!int"),
            ("a: !!int 1.5\n", "invalid YAML: cannot decode !!float `1.5` as a !!int"),
            ("a: !!int 1e3\n", "invalid YAML: cannot decode !!float `1e3` as a !!int"),
            ("a: !!bool 1\n", "invalid YAML: cannot decode !!int `1` as a !!bool"),
            ("a: !!null x\n", "invalid YAML: cannot decode !!str `x` as a !!null"),
            (
                "a: !!timestamp 2023-02-29\n",
                "invalid YAML: cannot decode !!str `2023-02-29` as a !!timestamp",
            ),
            ("a: !!binary cmVkaXM6Ny4\n", "invalid YAML: !!binary value contains invalid base64 data"),
            ("a: !!binary cm=kaXM6\n", "invalid YAML: !!binary value contains invalid base64 data"),
        ] {
            let error = parse_stream(text, "t.yaml").unwrap_err();
            assert_eq!((error.line, error.column, error.message.as_str()), (1, 4, message), "{text:?}");
        }
        let error = parse_stream("{\"a\": !!int \"3\"}\n", "t.json").unwrap_err();
        assert!(error.message.starts_with("a YAML tag in a JSON manifest"), "{error:?}");
    }

    #[test]
    fn base64_and_timestamps_as_go_reads_them() {
        assert_eq!(base64_std(""), Some(Vec::new()));
        assert_eq!(base64_std("YQ=="), Some(b"a".to_vec()));
        assert_eq!(base64_std("YWI="), Some(b"ab".to_vec()));
        assert_eq!(base64_std("YWJj\r\nZA=="), Some(b"abcd".to_vec()));
        for bad in ["YQ", "Y===", "YQ==YQ==", "YW J", "YW-_"] {
            assert_eq!(base64_std(bad), None, "{bad}");
        }
        // Go's JSON encoder: one U+FFFD per byte of no valid sequence.
        assert_eq!(go_json_string(&[b'a', 0xE2, 0x82, b'b', 0xFF]), "a\u{fffd}\u{fffd}b\u{fffd}");
        for good in
            ["2024-01-02", "2024-1-2", "2024-02-29", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10"]
        {
            assert!(go_timestamp(good), "{good}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-02",
            "2024-01-02T10:00:00",
            "2024-01-02 10:00:00Z",
            "2024-01-02x",
        ] {
            assert!(!go_timestamp(bad), "{bad}");
        }
    }

    /// kubectl decodes each document on its own: an alias to an anchor of
    /// another document is refused at the alias; within one, it is read.
    #[test]
    fn an_alias_to_another_documents_anchor_is_refused() {
        let error = parse_stream("a: &x redis\n---\nb: [1, *x]\n", "t.yaml").unwrap_err();
        assert_eq!((error.line, error.column, error.length), (3, 8, 2));
        assert_eq!(
            error.message,
            "unknown anchor 'x' referenced: `&x` anchors a value of another document (line 1), and kubectl \
             reads each document on its own"
        );
        let docs = parse_stream("a: &x redis\nb: *x\n---\nc: &x 2\nd: *x\n", "t.yaml").unwrap();
        let Value::Map(entries) = &docs[1].root.value else { panic!("a mapping") };
        assert_eq!(entries[1].2.value, Value::Int(2), "the same name anchored again in this document");
        let error = parse_stream("a: &s {b: [*s]}\n", "t.yaml").unwrap_err();
        assert_eq!(
            (error.line, error.column, error.message.as_str()),
            (1, 12, "anchor 's' value contains itself")
        );
    }

    /// kubectl (go-yaml v2) checks no indentation inside a flow collection:
    /// the vault chart's `command: [` closes its list under the key, after
    /// quoted items.
    #[test]
    fn flow_collections_close_at_any_indentation() {
        let root = one("c: [\n  \"x\"\n]\n");
        let Value::Map(entries) = root.value else { panic!("a mapping") };
        let Value::Seq(items) = &entries[0].2.value else { panic!("a list") };
        assert_eq!(items[0].value, Value::Str("x".into()));
        assert_eq!((items[0].place.line, items[0].place.column, items[0].place.length), (2, 3, 3));
        let text = "a:\n  b:\n    c: [ \"x\",\n\"y\", {k: 'v'\n}, [ \"z\"\n]\n]\n    d: 1\n";
        let Value::Map(a) = one(text).value else { panic!("a mapping") };
        let Value::Map(b) = &a[0].2.value else { panic!("a mapping") };
        let Value::Map(inner) = &b[0].2.value else { panic!("a mapping") };
        let Value::Seq(items) = &inner[0].2.value else { panic!("a list") };
        let values: Vec<&Value> = items.iter().map(|n| &n.value).collect();
        assert_eq!(values[..2], [&Value::Str("x".into()), &Value::Str("y".into())]);
        // Places on a padded line are those of the text as written.
        assert_eq!((items[1].place.line, items[1].place.column), (4, 1));
        let Value::Map(flow) = &items[2].value else { panic!("a mapping") };
        assert_eq!((flow[0].1.line, flow[0].1.column), (4, 7));
        assert_eq!((flow[0].2.place.line, flow[0].2.place.column, flow[0].2.place.length), (4, 10, 3));
        assert_eq!((inner[1].0.as_str(), &inner[1].2.value), ("d", &Value::Int(1)));
        // An error on a padded line points where it is written.
        let error = parse_stream("c: [\n{a: 1, a: 2}\n]\n", "t.yaml").unwrap_err();
        assert_eq!((error.code, error.line, error.column), ("yaml-duplicate-key", 2, 8));
        let error = parse_stream("a:\n  c: [\n\"x\", ]]\n", "t.yaml").unwrap_err();
        assert_eq!((error.code, error.line), ("yaml-syntax", 3));
        // A block still has its indentation, and an unclosed list is refused.
        assert!(parse_stream("a:\n  b: 1\n c: 2\n", "t.yaml").is_err());
        assert!(parse_stream("a:\n  c: [\n\"x\",\n", "t.yaml").is_err());
    }

    /// A quoted scalar's continuation lines are folded, their leading
    /// spaces dropped: kubectl reads them at any indentation.
    #[test]
    fn quoted_scalars_continue_at_any_indentation() {
        let text = "a:\n  b: \"one\ntwo \\\"q\\\"\n\n  three\"\n  c: 'it''s\nfour'\n  d: [\"x\ny\"]\n";
        let Value::Map(a) = one(text).value else { panic!("a mapping") };
        let Value::Map(b) = &a[0].2.value else { panic!("a mapping") };
        assert_eq!(b[0].2.value, Value::Str("one two \"q\"\nthree".into()));
        assert_eq!(b[1].2.value, Value::Str("it's four".into()));
        assert_eq!((b[1].1.line, b[1].1.column), (6, 3));
        let Value::Seq(items) = &b[2].2.value else { panic!("a list") };
        assert_eq!(items[0].value, Value::Str("x y".into()));
    }

    #[test]
    fn aliases_expand() {
        let root = one("a: &x {k: v}\nb: *x\n");
        let Value::Map(entries) = root.value else { panic!() };
        assert_eq!(entries[0].2.value, entries[1].2.value);
    }
}
