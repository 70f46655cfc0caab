//! YAML from JSON values: `stsim run -o yaml` and `stsim export`.
//!
//! Owns a small block-style emitter in the shape `kubectl get -o yaml`
//! prints: two-space indents, list items at their key's indent, strings
//! plain when nothing could read them as another type, else double-quoted
//! with JSON escapes (which YAML's double-quoted style accepts).

use serde_json::Value;

/// A YAML document (without `---`) for `value`.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// Whether `text` reads back as this same string when written plain.
fn plain_ok(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    first.is_ascii_alphabetic()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
        && !text.ends_with('.')
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => serde_json::to_string(s).expect("strings always print"),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn key(text: &str) -> String {
    if plain_ok(text) { text.to_string() } else { serde_json::to_string(text).expect("strings always print") }
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (k, v)) in map.iter().enumerate() {
        // The first key of a list item follows its `- `.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(k));
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(inner, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(items, indent, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Object(map) if is_block(item) => mapping(map, indent + 2, out),
            Value::Array(inner) if is_block(item) => {
                out.push('\n');
                sequence(inner, indent + 2, out);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_style_like_kubectl() {
        let value = serde_json::json!({
            "apiVersion": "v1", "kind": "List", "items": [{"a": 1, "b": ["x", "true", "1.5", ""]}, []],
            "empty": {}, "s": "has: colon", "n": null
        });
        assert_eq!(
            to_yaml(&value),
            "apiVersion: v1\nkind: List\nitems:\n- a: 1\n  b:\n  - x\n  - \"true\"\n  - \"1.5\"\n  - \"\"\n- []\nempty: {}\ns: \"has: colon\"\n\"n\": null\n"
        );
    }
}
