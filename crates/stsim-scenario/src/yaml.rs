//! YAML (and JSON) text to a tree of values that remember where they were.
//!
//! Owns reading a multi-document YAML stream with `saphyr-parser` into
//! `Node`s: scalars resolved by the YAML 1.2 core schema (as JSON is read
//! too), mappings as ordered key/value lists, aliases expanded, duplicate keys
//! refused, every value and key with its place (line, column, length). Syntax
//! errors become located `Diagnostic`s. Builds the tree without recursion and
//! never panics. Does not know what a Kubernetes object is: that is `manifest`.

use crate::diagnostic::Diagnostic;
use crate::locate::Place;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::BTreeMap;

/// How deep collections may nest before the input is refused.
const MAX_DEPTH: usize = 200;
/// How many nodes aliases may expand to in one stream (a guard against "billion laughs").
const MAX_NODES: usize = 1_000_000;

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
            Value::Float(x) => format!("the number `{x}`"),
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
}

fn place_of(span: &Span) -> Place {
    let start = span.start;
    let end = span.end;
    let length = if end.line() == start.line() { end.col().saturating_sub(start.col()) } else { 1 };
    Place { line: start.line().max(1), column: start.col() + 1, length: length.max(1) }
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = text.strip_prefix("0x")
        && digits(hex, 16)
    {
        return i64::from_str_radix(hex, 16).map_or_else(|_| Value::Str(text.to_string()), Value::Int);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && digits(oct, 8)
    {
        return i64::from_str_radix(oct, 8).map_or_else(|_| Value::Str(text.to_string()), Value::Int);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        return text.parse::<i64>().map_or_else(|_| Value::Str(text.to_string()), Value::Int);
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let looks_float = !unsigned.is_empty()
        && unsigned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && bytes.iter().any(u8::is_ascii_digit);
    if looks_float && let Ok(x) = text.parse::<f64>() {
        return Value::Float(x);
    }
    Value::Str(text.to_string())
}

enum Frame {
    Seq { items: Vec<Node>, place: Place, anchor: usize },
    Map { entries: Vec<(String, Place, Node)>, key: Option<(String, Place)>, place: Place, anchor: usize },
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
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut expanded = 0usize;
    for item in Parser::new_from_str(source) {
        let (event, span) = match item {
            Ok(item) => item,
            Err(scan) => {
                let marker = scan.marker();
                let place = Place { line: marker.line().max(1), column: marker.col() + 1, length: 1 };
                let help = if scan.info().contains("tab") {
                    Some("YAML indents with spaces; replace the tabs")
                } else {
                    None
                };
                return Err(error(file, place, format!("invalid YAML: {}", scan.info()), help));
            }
        };
        let place = place_of(&span);
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                stack.clear();
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => {
                    expanded += count_nodes(node);
                    if expanded > MAX_NODES {
                        return Err(error(file, place, "aliases expand to too many values", None));
                    }
                    Some((Node { value: node.value.clone(), place }, 0))
                }
                None => return Err(error(file, place, "unknown alias", None)),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !tagged_str {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                Some((Node { value, place }, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(file, place, "values nest too deeply", None));
                }
                stack.push(Frame::Seq { items: Vec::new(), place, anchor });
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(file, place, "values nest too deeply", None));
                }
                stack.push(Frame::Map { entries: Vec::new(), key: None, place, anchor });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, place, anchor }) => {
                    Some((Node { value: Value::Seq(items), place }, anchor))
                }
                _ => return Err(error(file, place, "unbalanced sequence", None)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { entries, place, anchor, .. }) => {
                    Some((Node { value: Value::Map(entries), place }, anchor))
                }
                _ => return Err(error(file, place, "unbalanced mapping", None)),
            },
        };
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => documents.push(Document { root: node }),
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
                            return Err(error(
                                file,
                                node.place,
                                "a mapping key must be a scalar",
                                Some("Kubernetes objects have string keys"),
                            ));
                        }
                    };
                    if name == "<<" {
                        return Err(error(
                            file,
                            node.place,
                            "merge keys (`<<`) are not supported",
                            Some("write the merged fields out, as `helm template` does"),
                        ));
                    }
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == name) {
                        // sigs.k8s.io/yaml (and so kubectl) refuses duplicate keys.
                        return Err(Diagnostic {
                            code: "yaml-duplicate-key",
                            message: format!("key {name:?} already set in map"),
                            file: file.to_string(),
                            line: node.place.line,
                            column: node.place.column,
                            length: node.place.length,
                            help: Some(format!("the first {name:?} is at line {}", first.line)),
                        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_stream(text, "t.yaml").unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let root = one("a: 1\nb: \"1\"\nc: true\nd: ~\ne: 1.5\nf: 500m\ng: 0x1f\nh: !!str 3\n");
        let Value::Map(entries) = root.value else { panic!() };
        let values: Vec<Value> = entries.into_iter().map(|e| e.2.value).collect();
        assert_eq!(
            values,
            vec![
                Value::Int(1),
                Value::Str("1".into()),
                Value::Bool(true),
                Value::Null,
                Value::Float(1.5),
                Value::Str("500m".into()),
                Value::Int(31),
                Value::Str("3".into()),
            ]
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

    #[test]
    fn aliases_expand() {
        let root = one("a: &x {k: v}\nb: *x\n");
        let Value::Map(entries) = root.value else { panic!() };
        assert_eq!(entries[0].2.value, entries[1].2.value);
    }
}
