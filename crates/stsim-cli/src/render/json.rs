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
    // invariant: a Report is plain data with string keys; serializing it cannot fail.
    let body = camel_keys(serde_json::to_value(report).expect("a report always serializes"));
    let mut map = Map::new();
    map.insert("apiVersion".into(), Value::String(API_VERSION.into()));
    map.insert("kind".into(), Value::String("Report".into()));
    if let Value::Object(fields) = body {
        map.extend(fields);
    }
    Value::Object(map)
}

/// The report as JSON text: [`document`], written as it is serialized
/// rather than built as a `Value` first, so a run of millions of records
/// needs no tree ten times the size of its text.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // invariant: writing to a Vec cannot fail.
    write(report, &mut out).expect("a Vec takes any bytes");
    // invariant: serde_json writes UTF-8 (keys are renamed char by char).
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] written to `out` as it is serialized (`stsim run -o json`:
/// no copy of the text is held). Fails only as `out` does.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, CamelKeys::default());
    serde::Serialize::serialize(&Document::of(report), &mut serializer).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// The serde form of [`document`] before its keys are renamed to
/// camelCase: the report's fields after `api_version` and `kind`, for
/// writers that serialize as they go (this module's, `render::yaml`'s).
#[derive(serde::Serialize)]
pub struct Document<'r> {
    api_version: &'static str,
    kind: &'static str,
    #[serde(flatten)]
    report: &'r Report,
}

impl Document<'_> {
    pub fn of(report: &Report) -> Document<'_> {
        Document { api_version: API_VERSION, kind: "Report", report }
    }
}

/// serde_json's pretty printer with every object key written in camelCase,
/// as [`camel`] renames it: what [`camel_keys`] does to a `Value`, done
/// while writing.
#[derive(Default)]
struct CamelKeys {
    pretty: serde_json::ser::PrettyFormatter<'static>,
    /// Within a key: whether a character was written, whether the next is upper case.
    key: Option<(bool, bool)>,
}

impl serde_json::ser::Formatter for CamelKeys {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.key = Some((false, false));
        self.pretty.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.key = None;
        self.pretty.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(w)
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let Some((mut started, mut upper)) = self.key else { return w.write_all(fragment.as_bytes()) };
        let mut out = String::with_capacity(fragment.len());
        for c in fragment.chars() {
            if c == '_' && started {
                upper = true;
                continue;
            }
            if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
            started = true;
        }
        self.key = Some((started, upper));
        w.write_all(out.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    /// Written as serialized, the document is the `Value` one, printed.
    #[test]
    fn the_streamed_document_is_the_value_document() {
        let config = stsim_scenario::parse_scenario(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../scenarios/rolling-update.ron"
            ))
            .unwrap(),
            "rolling-update.ron",
        )
        .unwrap();
        let (_, report) = stsim_core::run(config);
        let expected = serde_json::to_string_pretty(&super::document(&report)).unwrap() + "\n";
        assert_eq!(super::render(&report), expected);
    }

    #[test]
    fn camel_case() {
        assert_eq!(super::camel("trace_digest"), "traceDigest");
        assert_eq!(super::camel("ended_at_ms"), "endedAtMs");
        assert_eq!(super::camel("name"), "name");
        assert_eq!(super::camel("PodReady"), "PodReady");
    }
}
