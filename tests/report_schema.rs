//! The JSON report against its documented schema (`docs/report.schema.json`),
//! and `-o yaml` read back by a YAML parser to the same document.

use crate::support::repo_root;
use serde_json::{Map, Value};
use stsim_cli::ExitStatus;

fn stsim(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    assert_eq!(status, ExitStatus::Success, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

fn schema() -> Value {
    let text = std::fs::read_to_string(repo_root().join("docs/report.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// The keywords the schema uses: type, const, properties, required,
/// additionalProperties (false) and items. Returns every violation.
fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        errors.push(format!("{path}: expected {expected}, found {value}"));
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            errors.push(format!("{path}: not a {t}: {value}"))
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| t.as_str().is_some_and(|t| type_matches(t, value))) => {
            errors.push(format!("{path}: none of {ts:?}: {value}"))
        }
        _ => {}
    }
    if let Value::Object(fields) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !fields.contains_key(required.as_str().unwrap()) {
                errors.push(format!("{path}: missing {required}"));
            }
        }
        for (key, field) in fields {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => validate(sub, field, &format!("{path}.{key}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: unknown key {key}"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(sub)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(sub, item, &format!("{path}[{i}]"), errors);
        }
    }
}

/// Every scenario file shipped: `scenarios/` (subdirectories too), the
/// fix-it `exercises/` and the `examples/`, as paths, sorted.
fn every_shipped_scenario_file() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ron") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["scenarios", "exercises", "examples"] {
        walk(&repo_root().join(dir), &mut out);
    }
    out.sort();
    out
}

/// `stsim run FILE -o json`, in this process: the report, and the exit
/// status (exercises and the operators' `buggy.ron` fail expectations on
/// purpose, and still print their report).
fn json_report(path: &std::path::Path) -> Result<Value, String> {
    let args: Vec<String> = ["run", "--allow-exec", &path.display().to_string(), "-o", "json"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    if !matches!(status, ExitStatus::Success | ExitStatus::Failure) {
        return Err(format!("exit {status:?}: {}", String::from_utf8_lossy(&err)));
    }
    serde_json::from_slice(&out).map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(&err)))
}

/// The report of every shipped scenario validates, so nothing a scenario
/// can make the report say (a volume in no zone, a claim without a class,
/// writes lost in a failover) is outside the schema. The runs are spread
/// over the machine's cores.
#[test]
fn every_shipped_json_report_validates_against_the_documented_schema() {
    let schema = schema();
    let files = every_shipped_scenario_file();
    assert!(files.len() > 100, "{} scenario files", files.len());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(files.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(path) = files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let name = path.strip_prefix(repo_root()).unwrap_or(path).display().to_string();
                    let mut errors = Vec::new();
                    match json_report(path) {
                        Ok(report) => {
                            validate(&schema, &report, &name, &mut errors);
                            if report["apiVersion"] != "stsim.io/v1alpha1" || report["kind"] != "Report" {
                                errors.push(format!("{name}: not a stsim.io/v1alpha1 Report"));
                            }
                        }
                        Err(e) => errors.push(format!("{name}: {e}")),
                    }
                    failures.lock().unwrap().extend(errors);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} violations:\n{}", failures.len(), failures.join("\n"));
}

/// Scenarios whose reports hold what the schema allows to be null or left
/// out, with those values: a test that they still do, so the test above
/// keeps covering them.
#[test]
fn the_shipped_reports_hold_the_nullable_values() {
    let report =
        |name: &str| json_report(&repo_root().join("scenarios").join(format!("{name}.ron"))).unwrap();
    let zoneless = report("volume-attach-limit");
    assert!(zoneless["storage"]["volumes"][0]["zone"].is_null(), "{}", zoneless["storage"]["volumes"][0]);
    assert!(zoneless["pvs"][0]["zone"].is_null(), "{}", zoneless["pvs"][0]);
    let kept = report("reinstall-with-kept-volumes");
    let volumes = kept["storage"]["volumes"].as_array().unwrap();
    assert!(volumes.iter().any(|v| v["pvc"].is_null() && v["statefulset"].is_null()), "{volumes:?}");
    let classless = report("storage-class-mistakes");
    assert!(classless["pvcs"].as_array().unwrap().iter().any(|c| c["storageClass"].is_null()));
    let lost = report("databases/lagging-replica-promoted");
    assert!(lost["breakage"].as_array().unwrap().iter().any(|b| b["writesLost"].is_array()));
}

#[test]
fn the_validator_catches_a_renamed_key_and_a_wrong_type() {
    let schema = schema();
    let mut report: Value = serde_json::from_str(&stsim(&["run", "--json"])).unwrap();
    let digest = report["traceDigest"].take();
    report.as_object_mut().unwrap().insert("trace_digest".into(), digest);
    report["seed"] = Value::String("7".into());
    let mut errors = Vec::new();
    validate(&schema, &report, "report", &mut errors);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

/// A YAML document to JSON, by the YAML 1.2 core schema, with saphyr-parser.
pub(crate) fn yaml_to_json(text: &str) -> Value {
    use saphyr_parser::{Event, Parser, ScalarStyle};
    enum Frame {
        Seq(Vec<Value>),
        Map(Map<String, Value>, Option<String>),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    for item in Parser::new_from_str(text) {
        let (event, _) = item.expect("valid YAML");
        let value = match event {
            Event::Scalar(s, style, ..) => Some(if style != ScalarStyle::Plain {
                Value::String(s.into_owned())
            } else if s == "null" || s == "~" {
                Value::Null
            } else if let Ok(b) = s.parse::<bool>() {
                Value::Bool(b)
            } else if let Ok(n) = s.parse::<u64>() {
                Value::from(n)
            } else if let Ok(n) = s.parse::<i64>() {
                Value::from(n)
            } else if let Ok(x) = s.parse::<f64>() {
                Value::from(x)
            } else {
                Value::String(s.into_owned())
            }),
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq(Vec::new()));
                None
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map(Map::new(), None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Some(Value::Array(items)),
                Some(Frame::Map(map, _)) => Some(Value::Object(map)),
                None => panic!("unbalanced"),
            },
            _ => None,
        };
        let Some(value) = value else { continue };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(map, key)) => match key.take() {
                None => *key = Some(value.as_str().expect("string keys").to_string()),
                Some(k) => {
                    map.insert(k, value);
                }
            },
        }
    }
    root.expect("one document")
}

#[test]
fn yaml_output_round_trips_to_the_json_document() {
    for name in ["redis-ordered-startup", "etcd-quorum-lost", "drain-pdb-multi-attach"] {
        let path = repo_root().join("scenarios").join(format!("{name}.ron")).display().to_string();
        let json: Value = serde_json::from_str(&stsim(&["run", &path, "-o", "json"])).unwrap();
        let yaml = yaml_to_json(&stsim(&["run", &path, "-o", "yaml"]));
        assert_eq!(yaml, json, "{name}");
    }
}
