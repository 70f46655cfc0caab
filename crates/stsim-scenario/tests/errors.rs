//! Scenarios that fail: each error's code, place and wording.

use stsim_scenario::{Diagnostic, parse_scenario};

const MINIMAL: &str = r#"Scenario(
    name: "demo",
    services: [(name: "web-svc", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web-svc",
        template: (image: "nginx:1.25"),
    )],
)
"#;

/// `MINIMAL` with `old` replaced by `new` (which must be there).
fn edit(old: &str, new: &str) -> String {
    assert!(MINIMAL.contains(old), "{old:?} is not in the minimal scenario");
    MINIMAL.replacen(old, new, 1)
}

/// 1-based line and column (in characters) of the first `needle` in `source`.
fn position(source: &str, needle: &str) -> (usize, usize) {
    let offset = source.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

fn errors(source: &str) -> Vec<Diagnostic> {
    match parse_scenario(source, "test.ron") {
        Ok(config) => panic!("expected errors, got {config:#?}"),
        Err(diagnostics) => diagnostics,
    }
}

fn only_error(source: &str) -> Diagnostic {
    let diagnostics = errors(source);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    diagnostics.into_iter().next().unwrap()
}

/// Checks code, place (at the first `needle`), length and a phrase of the message.
fn check(d: &Diagnostic, code: &str, source: &str, needle: &str, length: usize, phrase: &str) {
    assert_eq!(d.code, code, "{d:#?}");
    assert_eq!((d.line, d.column), position(source, needle), "{d:#?}");
    assert_eq!(d.length, length, "{d:#?}");
    assert!(d.message.contains(phrase), "{:?} does not contain {phrase:?}", d.message);
    assert_eq!(d.file, "test.ron");
}

#[test]
fn unknown_field() {
    let source = edit("serviceName: \"web-svc\",", "serviceName: \"web-svc\",\n        replica: 3,");
    let d = only_error(&source);
    check(&d, "unknown-field", &source, "replica:", 7, "statefulsets[0]: unknown field `replica`");
    assert!(d.message.contains("`name`, `serviceName`, `replicas`, `selector`"), "{}", d.message);
    assert_eq!(d.help.as_deref(), Some("did you mean `replicas`?"));
}

#[test]
fn wrong_type() {
    let source = edit("serviceName: \"web-svc\",", "serviceName: \"web-svc\",\n        replicas: \"three\",");
    let d = only_error(&source);
    check(
        &d,
        "invalid-type",
        &source,
        "\"three\"",
        7,
        "statefulsets[0].replicas: expected a whole number, found the string \"three\"",
    );
}

#[test]
fn bad_duration() {
    let source = edit("name: \"demo\",", "name: \"demo\",\n    duration: \"5x\",");
    let d = only_error(&source);
    check(
        &d,
        "invalid-duration",
        &source,
        "\"5x\"",
        4,
        "duration: invalid duration \"5x\": unknown unit `x` (expected d, h, m, s or ms)",
    );
    assert!(d.help.is_some());
}

#[test]
fn zero_duration() {
    let source = edit("name: \"demo\",", "name: \"demo\",\n    duration: \"0s\",");
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"0s\"",
        4,
        "duration: Invalid value: \"0s\": must be greater than 0",
    );
}

/// A `serviceName` naming no Service is accepted, as the API server
/// accepts it: the pods then have no DNS names (a finding says so).
#[test]
fn service_name_naming_no_service_is_accepted() {
    let source = edit("serviceName: \"web-svc\"", "serviceName: \"web-sv\"");
    let config = parse_scenario(&source, "test.ron").expect("accepted");
    assert_eq!(config.statefulsets[0].spec.service_name, "web-sv");
    let bad = edit("serviceName: \"web-svc\"", "serviceName: \"Web_Svc\"");
    let d = only_error(&bad);
    check(&d, "invalid-value", &bad, "\"Web_Svc\"", 9, "statefulsets[0].serviceName: Invalid value");
}

/// A map of tens of thousands of keys (as `--allow-large` admits) is
/// checked for repeats in `n log n`: a key written twice among them is
/// found at its place, without a scan of every key before it for each.
#[test]
fn a_repeat_in_a_map_of_many_keys_is_found_at_its_place() {
    let keys: Vec<String> = (0..60_000).map(|i| format!("\"k{i}\": \"v\"")).collect();
    let labels = format!("{{\"app\": \"web\", {}, \"k123\": \"again\"}}", keys.join(", "));
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        &format!("template: (image: \"nginx:1.25\", labels: {labels}),"),
    );
    let errors = stsim_scenario::parse_scenario_within(
        &source,
        "test.ron",
        &mut |_| Err("no files".to_string()),
        &stsim_scenario::limits::Limits::LARGE,
    )
    .map(|_| ())
    .expect_err("a repeated key");
    let repeats: Vec<_> = errors.iter().filter(|d| d.code == "duplicate-field").collect();
    assert_eq!(repeats.len(), 1, "{errors:#?}");
    let (line, column) = position(&source, "\"k123\": \"again\"");
    assert_eq!((repeats[0].line, repeats[0].column), (line, column));
    let (_, first) = position(&source, "\"k123\": \"v\"");
    let help = repeats[0].help.as_deref().unwrap_or_default();
    assert!(help.ends_with(&format!("line {line}, column {first}; keep one of them")), "{help}");
}

/// A key written twice in a label map is an error naming both places,
/// not a silent last-wins.
#[test]
fn duplicate_label_keys() {
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\", labels: {\"app\": \"web\", \"app\": \"db\"}),",
    );
    let d = only_error(&source);
    let (line, column) = position(&source, "{\"app\": \"web\", \"app\"");
    let column = column + 1;
    assert_eq!(d.code, "duplicate-field");
    assert_eq!((d.line, d.column, d.length), (line, column + 14, 5), "{d:#?}");
    assert!(
        d.message.starts_with("statefulsets[0].template.labels: duplicate field \"app\""),
        "{}",
        d.message
    );
    assert_eq!(
        d.help,
        Some(format!("the first \"app\" is at line {line}, column {column}; keep one of them"))
    );
    // Selectors and node selectors are maps too.
    let source = edit("selector: {\"app\": \"web\"}", "selector: {\"app\": \"web\", \"app\": \"web\"}");
    assert_eq!(only_error(&source).code, "duplicate-field");
}

#[test]
fn negative_replicas() {
    let source = edit("serviceName: \"web-svc\",", "serviceName: \"web-svc\",\n        replicas: -1,");
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "-1",
        2,
        "statefulsets[0].replicas: Invalid value: -1: must be greater than or equal to 0",
    );
    assert_eq!(d.help.as_deref(), Some("replicas is the desired number of pods; use 0 to stop them all"));
}

#[test]
fn unknown_enum_variant() {
    let source = edit(
        "serviceName: \"web-svc\",",
        "serviceName: \"web-svc\",\n        podManagementPolicy: Sequential,",
    );
    let d = only_error(&source);
    check(
        &d,
        "unknown-variant",
        &source,
        "Sequential",
        10,
        "unknown variant `Sequential` of PodManagementPolicy, expected `OrderedReady` or `Parallel`",
    );
    assert!(d.message.starts_with("statefulsets[0].podManagementPolicy: "), "{}", d.message);
}

#[test]
fn missing_field() {
    // `serviceName` is optional, as in Kubernetes; `name` is not.
    let source = edit("        name: \"web\",\n", "");
    let d = only_error(&source);
    check(
        &d,
        "missing-field",
        &source,
        "(\n        serviceName: \"web-svc\"",
        1,
        "statefulsets[0]: missing field `name` in StatefulSet",
    );
}

#[test]
fn unknown_statefulset_in_the_timeline() {
    let source = edit(
        "    )],\n)",
        "    )],\n    timeline: [(at: \"1s\", do: Scale(statefulset: \"db\", replicas: 2))],\n)",
    );
    let d = only_error(&source);
    check(
        &d,
        "unknown-reference",
        &source,
        "\"db\"",
        4,
        "timeline[0].do.statefulset: Not found: \"db\": no StatefulSet named `db`",
    );
    assert_eq!(d.help.as_deref(), Some("declared StatefulSets: `web`"));
}

#[test]
fn malformed_pod_names() {
    for (pod, phrase) in [
        ("web_0", "Invalid value: \"web_0\": a pod name ends in `-<ordinal>`"),
        ("web-x", "Invalid value: \"web-x\": the ordinal after the last `-` must be a non-negative integer"),
        ("web-", "Invalid value: \"web-\": the ordinal after the last `-` must be a non-negative integer"),
    ] {
        let action = format!("    )],\n    timeline: [(at: \"1s\", do: DeletePod(pod: \"{pod}\"))],\n)");
        let source = edit("    )],\n)", &action);
        let d = only_error(&source);
        let quoted = format!("\"{pod}\"");
        check(&d, "invalid-value", &source, &quoted, quoted.chars().count(), phrase);
        assert!(d.message.starts_with("timeline[0].do.pod: "), "{}", d.message);
    }
    let source =
        edit("    )],\n)", "    )],\n    timeline: [(at: \"1s\", do: ForceDeletePod(pod: \"api-0\"))],\n)");
    let d = only_error(&source);
    check(
        &d,
        "unknown-reference",
        &source,
        "\"api-0\"",
        7,
        "Not found: \"api-0\": no StatefulSet named `api`",
    );
}

#[test]
fn set_ready_without_a_probe() {
    let source = edit(
        "    )],\n)",
        "    )],\n    timeline: [(at: \"1s\", do: SetReady(pod: \"web-0\", ready: true))],\n)",
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "SetReady(",
        35,
        "SetReady needs a readinessProbe, and StatefulSet `web` has none",
    );
    assert!(d.help.as_deref().unwrap_or("").contains("add a readinessProbe"), "{d:#?}");
}

#[test]
fn an_action_after_the_end() {
    let source = edit(
        "    )],\n)",
        "    )],\n    duration: \"1m\",\n    timeline: [(at: \"1m\", do: Stop), (at: \"90s\", do: Stop)],\n)",
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"90s\"",
        5,
        "timeline[1].at: Invalid value: \"90s\": this action would never run",
    );
}

#[test]
fn duplicate_names() {
    let source = edit(
        "services: [(name: \"web-svc\", selector: {\"app\": \"web\"})],",
        "services: [(name: \"web-svc\", selector: {\"app\": \"web\"}), (name: \"web-svc\", selector: {\"app\": \"x\"})],",
    );
    let d = only_error(&source);
    let (line, _) = position(&source, "services");
    assert_eq!(d.code, "duplicate-name");
    assert_eq!((d.line, d.column), (line, 68));
    assert_eq!(d.message, "services[1].name: Duplicate value: \"web-svc\"");
    assert_eq!(
        d.help.as_deref(),
        Some("services[0].name (line 3) already has this name; service names must be unique")
    );
}

#[test]
fn selector_not_matching_labels() {
    // `ValidatePodTemplateSpecForStatefulSet`: at the template's labels,
    // printed as Go's `%#v` of a `map[string]string`.
    let source = edit(
        "serviceName: \"web-svc\",\n        template: (",
        "serviceName: \"web-svc\",\n        selector: {\"app\": \"db\"},\n        template: (labels: {\"app\": \"web\"}, ",
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "{\"app\": \"web\"}, image",
        14,
        "statefulsets[0].template.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
    );
}

#[test]
fn names_must_be_dns_labels() {
    let source = edit("name: \"web\",", "name: \"Web_1\",");
    let diagnostics = errors(&source);
    let d = &diagnostics[0];
    check(
        d,
        "invalid-value",
        &source,
        "\"Web_1\"",
        7,
        "statefulsets[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of",
    );
    assert_eq!(d.help.as_deref(), Some("try \"web-1\""));
}

#[test]
fn bad_quantities() {
    let source = edit(
        "template: (image: \"nginx:1.25\")",
        "template: (image: \"nginx:1.25\", resources: (requests: (cpu: \"half\", memory: \"1GB\")))",
    );
    let diagnostics = errors(&source);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
    check(
        &diagnostics[0],
        "invalid-quantity",
        &source,
        "\"half\"",
        6,
        "statefulsets[0].template.resources.requests.cpu: invalid quantity \"half\"",
    );
    check(&diagnostics[1], "invalid-quantity", &source, "\"1GB\"", 5, "unknown suffix `GB`");
}

/// A claim without a class when no class is the default, and a claim
/// naming a class that does not exist, are accepted as the API server
/// accepts them: the claim stays Pending (modelled in the core).
#[test]
fn claims_without_a_usable_class_are_accepted() {
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        volumeClaimTemplates: [(name: \"data\", storage: \"1Gi\"), (name: \"logs\", storage: \"1Gi\", storageClassName: \"fast\")],",
    )
    .replacen("name: \"demo\",", "name: \"demo\",\n    cluster: (storageClasses: [(name: \"slow\")]),", 1);
    let config = parse_scenario(&source, "test.ron").expect("accepted");
    let claims = &config.statefulsets[0].spec.volume_claim_templates;
    assert_eq!(claims[0].storage_class, None);
    assert_eq!(claims[1].storage_class.as_deref(), Some("fast"));
}

#[test]
fn validation_errors_are_all_reported_in_order() {
    let source = edit("serviceName: \"web-svc\",", "serviceName: \"No\",\n        replicas: -3,").replacen(
        "name: \"demo\",",
        "name: \"Demo\",\n    duration: \"2h30\",",
        1,
    );
    let diagnostics = errors(&source);
    let summary: Vec<(&str, usize)> = diagnostics.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(
        summary,
        [("invalid-value", 2), ("invalid-duration", 3), ("invalid-value", 7), ("invalid-value", 8)]
    );
}

#[test]
fn syntax_error_missing_comma() {
    let source = edit("name: \"web\",", "name: \"web\"");
    let d = only_error(&source);
    assert_eq!(d.code, "syntax");
    // Just after `"web"`.
    let (line, column) = position(&source, "\"web\"\n");
    assert_eq!((d.line, d.column, d.length), (line, column + 5, 1));
    assert!(d.message.contains("expected `,` or `)` after this value, found `serviceName`"), "{}", d.message);
}

#[test]
fn syntax_error_unclosed_paren() {
    let source = edit("template: (image: \"nginx:1.25\"),", "template: (image: \"nginx:1.25\",");
    let d = only_error(&source);
    assert_eq!(d.code, "syntax");
    let (line, column) = position(&source, ")],\n)");
    assert_eq!((d.line, d.column), (line, column + 1));
    assert!(d.message.contains("expected `,` or `)`, found `]`"), "{}", d.message);
    // The template's `)` is read as closing it, so the StatefulSet's `(` is the one left open.
    let (line, column) = position(&source, "[(\n        name: \"web\"");
    assert_eq!(d.help, Some(format!("the `(` at line {line}, column {} is not closed", column + 1)));
}

#[test]
fn syntax_error_at_the_end_of_the_file() {
    let source = "Scenario(\n    name: \"demo\",\n";
    let d = only_error(source);
    assert_eq!((d.code, d.line, d.column), ("syntax", 2, 18));
    assert_eq!(d.message, "unexpected end of file");
    assert_eq!(d.help.as_deref(), Some("the `(` at line 1, column 9 is not closed"));

    let source = "Scenario(\n    name: \"demo\"";
    let d = only_error(source);
    assert_eq!((d.code, d.line, d.column), ("syntax", 2, 17));
    assert_eq!(d.message, "expected `,` or `)`, found the end of the file");
    assert_eq!(d.help.as_deref(), Some("the `(` at line 1, column 9 is not closed"));
}

#[test]
fn wrong_struct_name_and_empty_file() {
    let d = only_error("Scenery(name: \"x\")");
    assert_eq!((d.code, d.line, d.column, d.length), ("invalid-type", 1, 1, 7));
    assert!(d.message.contains("expected `Scenario(...)` or `(...)`, found `Scenery`"), "{}", d.message);
    let d = only_error("");
    assert_eq!((d.code, d.line, d.column), ("invalid-type", 1, 1));
}

#[test]
fn rolling_update_needs_parentheses() {
    let source = edit(
        "serviceName: \"web-svc\",",
        "serviceName: \"web-svc\",\n        updateStrategy: RollingUpdate,",
    );
    let d = only_error(&source);
    check(&d, "invalid-type", &source, "RollingUpdate", 13, "statefulsets[0].updateStrategy: expected `(`");
    assert_eq!(
        d.help.as_deref(),
        Some("write `RollingUpdate()` or give its fields, like `RollingUpdate(...)`")
    );
}

#[test]
fn a_rendered_diagnostic() {
    let source = edit("serviceName: \"web-svc\",", "serviceName: \"web-svc\",\n        replicas: -1,");
    let d = only_error(&source);
    let expected = "\
error[invalid-value]: statefulsets[0].replicas: Invalid value: -1: must be greater than or equal to 0
 --> test.ron:7:19
  |
7 |         replicas: -1,
  |                   ^^
  = help: replicas is the desired number of pods; use 0 to stop them all
";
    assert_eq!(d.render(&source), expected);
}

#[test]
fn a_rendered_syntax_error() {
    let source = "Scenario(\n\tname: \"demo\",\n\tseed: 1.5,\n)";
    let d = only_error(source);
    let expected = "\
error[invalid-type]: seed: expected a whole number, found the number `1.5`
 --> scenario.ron:3:8
  |
3 |     seed: 1.5,
  |           ^^^
";
    let d = Diagnostic { file: "scenario.ron".into(), ..d };
    assert_eq!(d.render(source), expected);
}

#[test]
fn unclosed_strings_and_comments() {
    let d = only_error("Scenario(name: \"x\", /* unclosed\n");
    assert_eq!((d.code, d.line, d.column, d.length), ("syntax", 1, 21, 2));
    assert_eq!(d.message, "this block comment is not closed");
    let d = only_error("Scenario(name: \"x\", description: \"unclosed)");
    assert_eq!((d.code, d.line, d.column), ("syntax", 1, 34));
    assert_eq!(d.message, "this string is not closed");
}

#[test]
fn unit_variants_take_no_parentheses() {
    let source = edit("    )],\n)", "    )],\n    timeline: [(at: \"1s\", do: Stop())],\n)");
    let d = only_error(&source);
    let (line, column) = position(&source, "Stop(");
    assert_eq!((d.code, d.line, d.column), ("syntax", line, column + 4));
    assert_eq!(d.help.as_deref(), Some("`Stop` takes no parentheses"));
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark() {
    let source = format!(
        "\u{feff}{}",
        edit("serviceName: \"web-svc\",", "serviceName: \"web-svc\",\n        replicas: -1,")
            .replace('\n', "\r\n")
    );
    let d = only_error(&source);
    assert_eq!((d.code, d.line, d.column, d.length), ("invalid-value", 7, 19, 2));
    assert!(d.render(&source).contains("7 |         replicas: -1,\n  |                   ^^\n"));
}

/// A byte-order mark is no column: an error on the first line points at
/// the column an editor shows (it was one to the right, the mark read as
/// a space), and the frame drops the mark.
#[test]
fn a_byte_order_mark_is_no_column() {
    let source = "\u{feff}Scenario(nme: \"x\")\n";
    let d = only_error(source);
    assert_eq!((d.code, d.line, d.column, d.length), ("unknown-field", 1, 10, 3));
    assert!(
        d.render(source).contains("1 | Scenario(nme: \"x\")\n  |          ^^^\n"),
        "{}",
        d.render(source)
    );
}

/// A template's `nodeName` naming no Node is accepted, as the API server
/// accepts it: the pod never runs and the pod GC deletes it after its
/// quarantine (a finding names the nearest node). Its form is checked.
#[test]
fn node_name_naming_no_node_is_accepted() {
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\", nodeName: \"wroker-1\"),",
    );
    let config = parse_scenario(&source, "test.ron").expect("accepted");
    assert_eq!(config.statefulsets[0].spec.template.node_name.as_deref(), Some("wroker-1"));
    let bad = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\", nodeName: \"Worker_1\"),",
    );
    let d = only_error(&bad);
    check(&d, "invalid-value", &bad, "\"Worker_1\"", 10, "statefulsets[0].template.nodeName: Invalid value");
}

#[test]
fn host_ports_out_of_range_and_repeated() {
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\", ports: [(containerPort: 0), (containerPort: 80, hostPort: 70000), (containerPort: 79, hostPort: 0), (containerPort: 81, hostPort: 8080), (containerPort: 82, hostPort: 8080, protocol: TCP), (containerPort: 83, hostPort: 8080, protocol: UDP)]),",
    );
    let diagnostics = errors(&source);
    assert_eq!(diagnostics.len(), 3, "{diagnostics:#?}");
    check(
        &diagnostics[0],
        "invalid-value",
        &source,
        "0)",
        1,
        "ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    );
    check(&diagnostics[1], "invalid-value", &source, "70000", 5, "ports[1].hostPort: Invalid value: 70000");
    check(
        &diagnostics[2],
        "duplicate-name",
        &source,
        "8080, protocol: TCP",
        4,
        "ports[4].hostPort: Duplicate value: \"8080/TCP\"",
    );
}

#[test]
fn dns_answer_for_a_cluster_ip_service_name_is_not_modelled() {
    let source = edit("selector: {\"app\": \"web\"})],", "selector: {\"app\": \"web\"}, clusterIP: \"10.0.0.1\", ports: [(port: 80)])],")
        .replace(")],\n)\n", ")],\n    expect: [DnsAnswer(name: \"web-svc.default.svc.cluster.local\", at: \"1m\", resolves: true)],\n)\n");
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"web-svc.default", 35, "is a ClusterIP Service");
}

#[test]
fn lookup_retry_of_zero() {
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        app: Quorum(lookupRetry: \"0s\"),",
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"0s\"",
        4,
        "lookupRetry: Invalid value: \"0s\": must be greater than 0",
    );
}

#[test]
fn srv_discovery_is_etcd_s() {
    // ZooKeeper has no DNS discovery.
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        app: Quorum(system: ZooKeeper, discovery: Srv),",
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "Srv",
        3,
        "discovery: Invalid value: Srv: ZooKeeper has no DNS discovery",
    );
    // A primary/replica member looks for a primary, not an initial cluster.
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        app: PrimaryReplica(discovery: Srv),",
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "Srv", 3, "is etcd's DNS discovery");
    // A quorum member's peers are its initial cluster.
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        app: Quorum(discovery: Service),",
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "Service", 7, "does not look for a primary");
    // etcd's, accepted.
    let source = edit(
        "template: (image: \"nginx:1.25\"),",
        "template: (image: \"nginx:1.25\"),\n        app: Quorum(system: Etcd, discovery: Srv),",
    );
    assert!(parse_scenario(&source, "test.ron").is_ok());
}

#[test]
fn zero_unschedulable_pods_duration() {
    let source =
        edit("name: \"demo\",", "name: \"demo\",\n    timings: (podMaxInUnschedulablePodsDuration: \"0s\"),");
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"0s\"",
        4,
        "timings.podMaxInUnschedulablePodsDuration: Invalid value: \"0s\": must be greater than 0",
    );
}

/// The first container's name: a DNS label, and one namespace with the
/// other containers' names, its default `main` included.
#[test]
fn the_first_containers_name_is_checked() {
    let source = edit(
        r#"template: (image: "nginx:1.25")"#,
        r#"template: (containerName: "Web_1", image: "nginx:1.25")"#,
    );
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "\"Web_1\"",
        7,
        "template.containerName: Invalid value",
    );
    let twice = r#"template: (containerName: "web", image: "nginx:1.25", extraContainers: [(name: "web", image: "x:1")])"#;
    let source = edit(r#"template: (image: "nginx:1.25")"#, twice);
    let d = only_error(&source);
    check(&d, "duplicate-name", &source, "\"web\", image: \"x", 5, "Duplicate value: \"web\"");
    let implicit = r#"template: (image: "nginx:1.25", initContainers: [(name: "main", image: "x:1")])"#;
    let source = edit(r#"template: (image: "nginx:1.25")"#, implicit);
    let d = only_error(&source);
    check(&d, "duplicate-name", &source, "\"main\"", 6, "Duplicate value: \"main\"");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("`containerName` is not given")), "{d:#?}");
}

/// A regional volume's `zones`: each a zone of the cluster, found at its
/// place; none twice; not beside `zone` or `node`; not empty. A regional
/// class must be GCE PD's.
#[test]
fn regional_volumes_and_classes() {
    let volume = |zones: &str| {
        edit(
            "services:",
            &format!(
                "cluster: (zones: [\"zone-b\", \"zone-a\"]),\n    persistentVolumes: [(name: \"kept\", storage: \"1Gi\", {zones})],\n    services:"
            ),
        )
    };
    let source = volume(r#"zones: ["zone-a", "zone-q"]"#);
    check(&only_error(&source), "unknown-reference", &source, "\"zone-q\"", 8, "Not found: \"zone-q\"");
    let source = volume(r#"zones: ["zone-b", "zone-b"]"#);
    let d = only_error(&source);
    assert_eq!(
        (d.code, d.message.contains("Duplicate value: \"zone-b\"")),
        ("invalid-value", true),
        "{d:#?}"
    );
    // At the second, on the volume's line.
    let second = source.rfind("\"zone-b\"").unwrap();
    let line_start = source[..second].rfind('\n').unwrap() + 1;
    let at = (source[..second].matches('\n').count() + 1, source[line_start..second].chars().count() + 1);
    assert_eq!((d.line, d.column), at, "{d:#?}");
    let source = volume(r#"zone: "zone-a", zones: ["zone-a", "zone-b"]"#);
    check(&only_error(&source), "invalid-value", &source, "[\"zone-a\", \"zone-b\"]", 20, "not both");
    let source = volume("zones: []");
    check(&only_error(&source), "invalid-value", &source, "[]", 2, "Required value: at least one zone");
    let source = edit(
        "services:",
        r#"cluster: (storageClasses: [(name: "fast", provisioner: "ebs.csi.aws.com", regional: true)]),
    services:"#,
    );
    check(&only_error(&source), "invalid-value", &source, "true", 4, "regional volumes are GCE PD's");
}

/// The example with one init container, `proxy` (`envoy:1`), with `fields`.
fn init(fields: &str) -> String {
    edit(
        r#"template: (image: "nginx:1.25"),"#,
        &format!(
            r#"template: (image: "nginx:1.25", initContainers: [(name: "proxy", image: "envoy:1", {fields})]),"#
        ),
    )
}

/// An init container's preStop hook: only a sidecar may have one, and its
/// sleep is held to the pod's grace period, as the container's is.
#[test]
fn a_hook_on_an_init_container_needs_a_sidecar_and_a_grace_period() {
    let hook = |seconds: u32| format!("lifecycle: (preStop: (sleep: (seconds: {seconds})))");
    let source = init(&hook(5));
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "(preStop",
        32,
        "statefulsets[0].template.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
    );
    let source = init(&format!(r#"restartPolicy: "Always", {}"#, hook(31)));
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "(seconds: 31)",
        13,
        "initContainers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)",
    );
    let source = init(&format!(r#"restartPolicy: "Always", {}"#, hook(5)));
    let config = parse_scenario(&source, "test.ron").expect("a sidecar's hook");
    let pre_stop = config.statefulsets[0].spec.template.init_containers[0].pre_stop;
    assert_eq!(pre_stop, Some(stsim_core::time::SimDuration::from_secs(5)));
}

/// `validateInitContainers`: only a sidecar may have a probe, and a
/// startup or liveness probe's `successThreshold` is 1 (`validateProbe`);
/// a sidecar's probes are read with their timings.
#[test]
fn a_startup_probe_on_an_init_container_needs_a_sidecar() {
    for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
        let source = init(&format!("{probe}: (periodSeconds: 1)"));
        let message = format!(
            "statefulsets[0].template.initContainers[0].{probe}: Forbidden: may not be set for init containers without restartPolicy=Always"
        );
        check(&only_error(&source), "invalid-value", &source, "(periodSeconds: 1)", 18, &message);
    }
    for probe in ["startupProbe", "livenessProbe"] {
        let source = init(&format!(r#"restartPolicy: "Always", {probe}: (successThreshold: 2)"#));
        let message = format!("initContainers[0].{probe}.successThreshold: Invalid value: 2: must be 1");
        check(&only_error(&source), "invalid-value", &source, "2)", 1, &message);
    }
    let source = init(r#"restartPolicy: "Always", readinessProbe: (periodSeconds: 3, successThreshold: 2)"#);
    let config = parse_scenario(&source, "test.ron").expect("a sidecar's readiness probe");
    let probe =
        config.statefulsets[0].spec.template.init_containers[0].readiness_probe.clone().expect("read");
    assert_eq!((probe.period, probe.success_threshold), (stsim_core::time::SimDuration::from_secs(3), 2));
    let source = init(r#"restartPolicy: "Always", startupProbe: (periodSeconds: 2, failureThreshold: 30)"#);
    let config = parse_scenario(&source, "test.ron").expect("a sidecar's startup probe");
    let probe = config.statefulsets[0].spec.template.init_containers[0].startup_probe.clone().expect("read");
    assert_eq!((probe.period, probe.failure_threshold), (stsim_core::time::SimDuration::from_secs(2), 30));
}
