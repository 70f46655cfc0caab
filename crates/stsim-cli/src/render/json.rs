//! The JSON rendering of a report: `stsim run -o json` (and `--json`).
//!
//! The document is the serde form of `stsim_core::report::Report` in
//! Kubernetes' conventions: camelCase keys (`traceDigest`, `endedAtMs`),
//! led by `apiVersion: stsim.io/v1alpha1` and `kind: Report`. Its schema is
//! `docs/report.schema.json`. Output is pretty-printed, key order fixed by
//! the struct order.

use serde_json::{Map, Value};
use stsim_core::Report;

/// The report's API version.
pub const API_VERSION: &str = "stsim.io/v1alpha1";

/// `snake_case` to `camelCase`; other keys are left as they are.
pub fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Renames every object key to camelCase. The report serializes no maps with
/// data as keys (only struct fields and enum variants), so every key renamed
/// is a field name.
fn camel_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (camel(&k), camel_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

/// The report as a Kubernetes-style document.
pub fn document(report: &Report) -> Value {
    let body = camel_keys(serde_json::to_value(report).expect("a report always serializes"));
    let mut map = Map::new();
    map.insert("apiVersion".into(), Value::String(API_VERSION.into()));
    map.insert("kind".into(), Value::String("Report".into()));
    if let Value::Object(fields) = body {
        map.extend(fields);
    }
    Value::Object(map)
}

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&document(report)).expect("JSON always prints");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel_case() {
        assert_eq!(super::camel("trace_digest"), "traceDigest");
        assert_eq!(super::camel("ended_at_ms"), "endedAtMs");
        assert_eq!(super::camel("name"), "name");
        assert_eq!(super::camel("PodReady"), "PodReady");
    }
}
