//! The `stsim` command as users see it: output, errors, exit codes.
//! Snapshots are in `tests/snapshots/`; review their diffs like code.

use crate::support::repo_root;
use stsim_cli::ExitStatus;

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn stsim(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    Output { status, stdout: String::from_utf8(out).unwrap(), stderr: String::from_utf8(err).unwrap() }
}

fn scenario_path(name: &str) -> String {
    repo_root().join("scenarios").join(format!("{name}.ron")).display().to_string()
}

/// Writes `source` to a temporary scenario file and returns its path.
fn temp_scenario(name: &str, source: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stsim-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

#[test]
fn run_without_a_file_runs_the_redis_example() {
    let output = stsim(&["run"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    insta::assert_snapshot!("run_default", output.stdout);
}

#[test]
fn run_json_is_the_same_report() {
    let output = stsim(&["run", &scenario_path("redis-parallel-startup"), "--json"]);
    assert_eq!(output.status, ExitStatus::Success);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("valid JSON");
    assert_eq!(json["scenario"], "redis-parallel-startup");
    assert_eq!(json["pods"].as_array().unwrap().len(), 3);
    assert_eq!(json["dns"][0]["name"], "redis-0.redis-svc.default.svc.cluster.local");
    assert_eq!(json["traceDigest"].as_str().unwrap().len(), 16);
}

/// The text report is written a part at a time and escaped part by part:
/// what a scenario says reaches the terminal escaped (an escape sequence,
/// a bidirectional override, a word longer than any real one), in every
/// text format, as when the report was escaped whole.
#[test]
fn run_output_is_escaped_however_it_is_written() {
    let source = std::fs::read_to_string(scenario_path("redis-ordered-startup")).unwrap();
    let long = "x".repeat(300);
    let needle = "description: \"";
    let at = source.find(needle).expect("the scenario has a description") + needle.len();
    let source = format!("{}\\u{{1b}}[31mred \\u{{202e}}turned {long} {}", &source[..at], &source[at..]);
    let path = temp_scenario("escaped.ron", &source);
    for extra in [&[][..], &["-o", "wide"][..]] {
        let output = stsim(&[&["run", path.as_str()][..], extra].concat());
        assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
        assert!(!output.stdout.contains(['\u{1b}', '\u{202e}']), "{extra:?}");
        assert!(output.stdout.contains("\\u{1b}[31mred \\u{202e}turned"), "{extra:?}");
        // Cut once in its middle: 176 shown, 108 left out, the last 16 shown.
        let cut = format!(" {}...(108 more characters)...{} ", "x".repeat(176), "x".repeat(16));
        assert!(output.stdout.contains(&cut), "{extra:?}");
        assert!(
            output.stdout.contains("\nTIMELINE\n") && output.stdout.contains(" trace records, trace digest ")
        );
    }
}

#[test]
fn run_trace_prints_one_change_a_line() {
    let output = stsim(&["run", "redis-ordered-startup", "--trace"]);
    assert_eq!(output.status, ExitStatus::Success);
    let first = output.stdout.lines().find(|l| l.contains("pod/redis-0\tcreated")).unwrap();
    assert_eq!(first.split('\t').count(), 5, "TIME ACTOR OBJECT WHAT DETAIL: {first}");
    assert!(output.stdout.ends_with("run\tend\treason=horizon\n"));
}

#[test]
fn seed_flag_overrides_the_scenario_seed() {
    let output = stsim(&["run", "redis-ordered-startup", "--seed", "99", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["seed"], 99);
}

#[test]
fn check_accepts_every_shipped_scenario() {
    let paths: Vec<String> =
        crate::support::shipped_scenarios().iter().map(|name| scenario_path(name)).collect();
    assert!(paths.len() >= 4);
    let args: Vec<&str> = std::iter::once("check").chain(paths.iter().map(String::as_str)).collect();
    let output = stsim(&args);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert_eq!(output.stdout.lines().filter(|l| l.starts_with("ok: ")).count(), paths.len());
}

#[test]
fn every_shipped_scenario_is_built_in() {
    for name in crate::support::shipped_scenarios() {
        // External operators run from the scenario's directory: not built in.
        if crate::support::scenario_file(&name).contains("External(") {
            continue;
        }
        assert!(stsim_examples::find(&name).is_some(), "scenarios/{name}.ron is not in examples.rs");
    }
}

fn broken(file: &str, source: &str) -> Output {
    let path = temp_scenario(file, source);
    let output = stsim(&["check", &path]);
    assert_eq!(output.status, ExitStatus::Error, "bad input exits 2");
    assert!(output.stdout.is_empty());
    assert!(output.stderr.contains(&format!("{path}:")), "names the file: {}", output.stderr);
    output
}

const BASE: &str = r#"Scenario(
    name: "bad",
    services: [(name: "svc", selector: {"app": "db"})],
    statefulsets: [(
        name: "db",
        serviceName: "svc",
        replicas: 3,
        template: (labels: {"app": "db"}, image: "postgres:16"),
    )],
)
"#;

#[test]
fn bad_input_names_file_line_and_column_and_exits_2() {
    let cases = [
        ("unknown-field.ron", BASE.replace("replicas: 3", "replica: 3"), ":7:9", "replica"),
        ("wrong-type.ron", BASE.replace("replicas: 3", "replicas: \"three\""), ":7:", "replicas"),
        ("bad-duration.ron", BASE.replace("name: \"bad\",", "name: \"bad\", duration: \"5x\","), ":2:", "5x"),
        ("bad-service.ron", BASE.replace("serviceName: \"svc\"", "serviceName: \"Sv\""), ":6:", "Sv"),
        ("negative.ron", BASE.replace("replicas: 3", "replicas: -1"), ":7:19", "-1"),
    ];
    for (file, source, position, mention) in cases {
        let output = broken(file, &source);
        assert!(output.stderr.contains(position), "{file}: expected {position} in:\n{}", output.stderr);
        assert!(output.stderr.contains(mention), "{file}: expected `{mention}` in:\n{}", output.stderr);
        assert!(output.stderr.lines().count() < 25, "{file}: one screen:\n{}", output.stderr);
    }
}

#[test]
fn bad_input_errors_read_well() {
    let output = broken("negative-replicas.ron", &BASE.replace("replicas: 3", "replicas: -1"));
    let dir = std::path::Path::new(&temp_scenario("x", "")).parent().unwrap().display().to_string();
    insta::assert_snapshot!("check_negative_replicas", output.stderr.replace(&dir, "<tmp>"));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let output = stsim(&["run", "no/such/file.ron"]);
    assert_eq!(output.status, ExitStatus::Error);
    assert!(output.stderr.contains("cannot read scenario `no/such/file.ron`"));
    assert!(output.stderr.contains("stsim examples"));
}

#[test]
fn examples_lists_and_prints() {
    let output = stsim(&["examples"]);
    assert_eq!(output.status, ExitStatus::Success);
    assert!(output.stdout.contains("redis-ordered-startup"));
    assert!(!output.stdout.contains("does not parse"), "{}", output.stdout);
    let output = stsim(&["examples", "redis-parallel-startup"]);
    assert!(output.stdout.contains("podManagementPolicy: Parallel"));
    let output = stsim(&["examples", "nope"]);
    assert_eq!(output.status, ExitStatus::Error);
    // Nothing close: where to find them, not all of them on one line.
    assert!(output.stderr.contains("`stsim examples` lists the built-in scenarios"), "{}", output.stderr);
    assert!(output.stderr.lines().count() == 2, "{}", output.stderr);
}

#[test]
fn help_teaches() {
    let output = stsim(&["--help"]);
    assert_eq!(output.status, ExitStatus::Success);
    for word in ["run", "check", "examples", "Examples:"] {
        assert!(output.stdout.contains(word), "--help mentions {word}");
    }
    let output = stsim(&["run", "--help"]);
    assert!(output.stdout.contains("--seed") && output.stdout.contains("--json"));
}

#[test]
fn unknown_arguments_exit_2() {
    let output = stsim(&["run", "--frobnicate"]);
    assert_eq!(output.status, ExitStatus::Error);
}

#[test]
fn test_runs_every_shipped_scenario_and_writes_junit() {
    let dir = repo_root().join("scenarios").display().to_string();
    let junit = std::env::temp_dir().join(format!("stsim-junit-{}.xml", std::process::id()));
    let output = stsim(&["test", &dir, "--allow-exec", "--junit", &junit.display().to_string()]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stdout);
    let count = crate::support::shipped_scenarios().len();
    assert!(output.stdout.ends_with(&format!("\n{count} passed, 0 failed\n")), "{}", output.stdout);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"stsim\"") && xml.contains("failures=\"0\""), "{xml}");
}

#[test]
fn a_failed_expectation_says_what_why_and_how_to_rerun() {
    // OrderedReady's expectations on a Parallel set: redis-1 is Ready too early.
    let source = std::fs::read_to_string(scenario_path("redis-ordered-startup"))
        .unwrap()
        .replace("replicas: 3,", "replicas: 3,\n        podManagementPolicy: Parallel,");
    let path = temp_scenario("parallel-breaks-order.ron", &source);
    let output = stsim(&["test", &path]);
    assert_eq!(output.status, ExitStatus::Failure, "expectations failed: exit 1");
    let text = &output.stdout;
    assert!(text.contains(&format!("FAILED {path}")), "{text}");
    assert!(text.contains("PodReady(redis-1 at 30s: false)"), "{text}");
    assert!(text.contains("    expected: redis-1 not Ready (or not there) at 30s"), "{text}");
    assert!(text.contains("    happened: redis-1 Ready since 22s"), "{text}");
    assert!(text.contains("pod/redis-1\tready\tready=true"), "the trace around it: {text}");
    assert!(text.contains(&format!("    re-run:   stsim run {path} --seed 7")), "{text}");
    assert!(text.ends_with("\n0 passed, 1 failed\n"), "{text}");
}

#[test]
fn an_invalid_scenario_fails_the_test_run_with_its_error() {
    let path = temp_scenario("invalid-for-test.ron", &BASE.replace("replicas: 3", "replicas: -3"));
    let output = stsim(&["test", &path]);
    assert_eq!(output.status, ExitStatus::Error, "an invalid scenario exits 2, as the README says");
    assert!(output.stdout.contains("invalid scenario") && output.stdout.contains("Invalid value: -3"));
    // It did not run, so it is no failed test: counted apart, and a JUnit
    // <error>, not a <failure>.
    assert!(
        output.stdout.ends_with("\n0 passed, 0 failed, 1 not run (not a valid scenario)\n"),
        "{}",
        output.stdout
    );
    let junit = std::env::temp_dir().join(format!("stsim-junit-invalid-{}.xml", std::process::id()));
    stsim(&["test", &path, "--junit", &junit.display().to_string()]);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"1\" failures=\"0\" errors=\"1\""), "{xml}");
    assert!(xml.contains("<error message=\"invalid scenario\">") && !xml.contains("<failure"), "{xml}");
}

#[test]
fn test_refuses_to_start_programs_without_consent() {
    let dir = repo_root().join("scenarios").display().to_string();
    let output = stsim(&["test", &dir]);
    assert_eq!(output.status, ExitStatus::Error, "{}", output.stdout);
    assert!(output.stdout.contains("external-pvc-cleaner.ron would run a program"), "{}", output.stdout);
    assert!(
        output.stdout.contains("runs `python3 ../../examples/operators/pvc_cleaner.py`"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("--allow-exec"), "{}", output.stdout);
}

#[test]
fn check_determinism_runs_twice_and_compares() {
    let output = stsim(&["run", &scenario_path("node-failures-week"), "--check-determinism", "--json"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stderr.contains("2 runs (2 threads) gave the same trace, digest"), "{}", output.stderr);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).expect("the first run's report");
    assert!(output.stderr.contains(json["traceDigest"].as_str().unwrap()), "{}", output.stderr);
}

#[test]
fn ci_checks_determinism_of_every_shipped_scenario() {
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(ci.contains("--check-determinism") && ci.contains("find scenarios -name '*.ron'"), "{ci}");
}

/// `stsim events` gives a one-container pod's kubelet events for failed
/// pulls and crash loops, with the kubelet's reasons and messages (as
/// emitted, `--raw`).
#[test]
fn events_give_the_kubelets_pull_and_back_off_events() {
    let squeezed = |name: &str| -> Vec<String> {
        let output = stsim(&["events", "--raw", &scenario_path(name)]);
        output.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    };
    let pulls = squeezed("image-gone-from-registry");
    for line in [
        "17s Warning Failed Pod/sessions-0 Error: ErrImagePull",
        "17s Normal BackOff Pod/sessions-0 Back-off pulling image \"registry.example.com/shop/db:1.4\"",
        "17s Warning Failed Pod/sessions-0 Error: ImagePullBackOff",
    ] {
        assert!(pulls.iter().any(|l| l == line), "{line:?} in {pulls:#?}");
    }
    let crashes = squeezed("stuck-rollout-revert-only");
    let back_off = crashes
        .iter()
        .find(|l| l.contains("Back-off restarting failed container"))
        .unwrap_or_else(|| panic!("{crashes:#?}"));
    assert!(
        back_off.ends_with(
            "Warning BackOff Pod/redis-2 Back-off restarting failed container main in pod \
             redis-2_default(00000000-0000-4000-8000-00000000000c)"
        ),
        "{back_off}"
    );
    // `Never` without the image on the node.
    let never = temp_scenario(
        "never.ron",
        r#"Scenario(name: "never", duration: "1m", cluster: (nodePools: [(name: "worker", count: 1)]),
            statefulsets: [(name: "db", serviceName: "db", replicas: 1,
                template: (labels: {"app": "db"}, image: "db:1", imagePullPolicy: Never))])"#,
    );
    let output = stsim(&["events", &never]);
    let never: Vec<String> =
        output.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    // Said at the first sync and again at each retry, 10 to 15 s apart.
    for line in [
        "59s (x6 over 59s) Warning ErrImageNeverPull Pod/db-0 Container image \"db:1\" is not present with \
         pull policy of Never",
        "59s (x6 over 59s) Warning Failed Pod/db-0 Error: ErrImageNeverPull",
    ] {
        assert!(never.iter().any(|l| l == line), "{line:?} in {never:#?}");
    }
    // The PV controller's: "no storage class is set" is a Normal event,
    // a class that does not exist a Warning; each said again at every
    // resync (15 s) of the minute.
    let claims = temp_scenario(
        "claims.ron",
        r#"Scenario(name: "claims", duration: "1m",
            persistentVolumeClaims: [(name: "scratch", storage: "1Gi", storageClassName: ""),
                                     (name: "fast", storage: "1Gi", storageClassName: "nope")],
            statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (image: "db:1"))])"#,
    );
    let output = stsim(&["events", &claims]);
    let claims: Vec<String> =
        output.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    for line in [
        "1m (x5 over 60s) Normal FailedBinding PersistentVolumeClaim/scratch no persistent volumes available for \
         this claim and no storage class is set",
        "1m (x5 over 60s) Warning ProvisioningFailed PersistentVolumeClaim/fast storageclass.storage.k8s.io \"nope\" \
         not found",
    ] {
        assert!(claims.iter().any(|l| l == line), "{line:?} in {claims:#?}");
    }
    // An init container's, by its name and image, the one the kubelet is at.
    let init = squeezed("init-container-crash-loop");
    for line in [
        "2s Normal BackOff Pod/cache-0 Back-off pulling image \"warm:1\"",
        // Its first exit (13s) restarts it at once; the back-off holds it
        // from the second (17s) on.
        "17s Warning BackOff Pod/web-0 Back-off restarting failed container check in pod \
         web-0_default(00000000-0000-4000-8000-000000000005)",
    ] {
        assert!(init.iter().any(|l| l == line), "{line:?} in {init:#?}");
    }
}

/// `stsim events` lists the events as the API server keeps them, after
/// each component's recorder (client-go's `EventCorrelator`): repeats of
/// an event are one event with a count (`x5 over 4m`); the tenth similar
/// message of the StatefulSet controller within 10 minutes becomes
/// `(combined from similar events)`; a kubelet that starts anew (its
/// machine back from a crash) counts afresh; the scheduler's failed
/// retries join a series; pod GC records nothing. `--raw` lists every
/// event as emitted.
#[test]
fn events_are_listed_as_their_recorders_write_them() {
    let scenario = temp_scenario(
        "recorders.ron",
        r#"Scenario(name: "recorders", duration: "12m", cluster: (nodePools: [(name: "worker", count: 1)]),
            images: [(name: "db:typo", behaviour: PullFails)],
            statefulsets: [
                (name: "web", serviceName: "web", replicas: 8, template: (labels: {"app": "web"}, image: "web:1"),
                 volumeClaimTemplates: [(name: "data", storage: "1Gi")]),
                (name: "db", serviceName: "db", replicas: 1, template: (labels: {"app": "db"}, image: "db:typo")),
                (name: "huge", serviceName: "huge", replicas: 1,
                 template: (labels: {"app": "huge"}, image: "db:1", resources: (requests: (cpu: "500")))),
            ],
            timeline: [(at: "6m", do: CrashNode(node: "worker-1")), (at: "6m20s", do: RecoverNode(node: "worker-1"))])"#,
    );
    let lines = |raw: bool| -> (Vec<String>, String) {
        let mut args = vec!["events", &scenario];
        if raw {
            args.push("--raw");
        }
        let output = stsim(&args);
        assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
        let lines = output.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
        (lines.collect(), output.stderr)
    };
    let ((kept, note), (raw, no_note)) = (lines(false), lines(true));
    // db-0's kubelet emits five events a pull: past 25, one every 5 minutes is written.
    assert!(note.contains("emitted events were not written") && no_note.is_empty(), "{note}");
    // The pull failures, before the crash and after: each one event with its
    // count, a second one once the kubelet started anew.
    let failed: Vec<&String> = kept.iter().filter(|l| l.ends_with("Pod/db-0 Error: ErrImagePull")).collect();
    assert_eq!(failed.len(), 2, "{kept:#?}");
    let count = |line: &str| -> u32 {
        line.split_once("(x").map_or(1, |(_, rest)| rest.split(' ').next().unwrap().parse().unwrap())
    };
    let raw_failed = raw.iter().filter(|l| l.ends_with("Pod/db-0 Error: ErrImagePull")).count() as u32;
    assert!(count(failed[0]) > 1 && count(failed[1]) > 1, "{failed:#?}");
    // (Counted, but not written, after their last write got through.)
    assert!(count(failed[0]) + count(failed[1]) <= raw_failed, "{failed:#?} of {raw:#?}");
    let last_before_the_crash = failed[0].split(' ').next().unwrap();
    assert!(last_before_the_crash < "6m" && failed[0].contains(" over "), "{failed:#?}");
    // Eight pods and eight claims: the tenth message on and those after are one.
    let combined: Vec<&String> =
        kept.iter().filter(|l| l.contains("(combined from similar events)")).collect();
    assert_eq!(combined.len(), 1, "{kept:#?}");
    assert!(
        combined[0].contains("(x7 over ")
            && combined[0].ends_with("create Pod web-7 in StatefulSet web successful"),
        "{combined:#?}"
    );
    let creates = kept.iter().filter(|l| l.contains("SuccessfulCreate StatefulSet/web")).count();
    assert_eq!(creates, 10, "{kept:#?}");
    assert_eq!(raw.iter().filter(|l| l.contains("SuccessfulCreate StatefulSet/web")).count(), 16);
    assert!(raw.iter().all(|l| !l.contains("(x") && !l.contains("combined")), "{raw:#?}");
    // The scheduler's retries of a pod no node fits (as other pods come and
    // at the flush of unschedulable pods): each attempt an event, merged
    // into series; nothing dropped, so the counts add up to the attempts.
    let scheduling = |lines: &[String]| -> Vec<String> {
        lines.iter().filter(|l| l.contains("FailedScheduling Pod/huge-0")).cloned().collect()
    };
    let (series, attempts) = (scheduling(&kept), scheduling(&raw));
    assert!(attempts.len() >= 3 && series.len() < attempts.len(), "{series:#?} {attempts:#?}");
    assert_eq!(series.iter().map(|l| count(l)).sum::<u32>(), attempts.len() as u32, "{series:#?}");
    // `-o json`: the same events as a `v1` EventList, as `kubectl events -o json`.
    let output = stsim(&["events", &scenario, "-o", "json", "--start-time", "2026-01-02T15:04:05Z"]);
    let list: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON");
    assert_eq!((list["apiVersion"].as_str(), list["kind"].as_str()), (Some("v1"), Some("EventList")));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), kept.len() - 1, "a row of the table each");
    let pull = items
        .iter()
        .find(|e| e["message"] == "Error: ErrImagePull" && e["count"].as_u64() > Some(1))
        .expect("a counted pull failure");
    assert_eq!(pull["involvedObject"]["fieldPath"], "spec.containers{main}");
    assert_eq!(pull["source"], serde_json::json!({"component": "kubelet", "host": "worker-1"}));
    assert!(pull["firstTimestamp"].as_str() < pull["lastTimestamp"].as_str(), "{pull}");
    assert!(pull["firstTimestamp"].as_str().unwrap().starts_with("2026-01-02T15:0"), "{pull}");
    let series = items.iter().find(|e| e["reason"] == "FailedScheduling" && e["series"].is_object());
    let series = series.expect("the scheduler's repeats as a series");
    assert_eq!(series["involvedObject"]["name"], "huge-0");
    assert_eq!(series["reportingComponent"], "default-scheduler");
    assert!(series["series"]["count"].as_u64() > Some(1) && series.get("count").is_none(), "{series}");
    // Pod GC has no recorder: its deletion of a pod on a deleted node is not an event.
    let gc = stsim(&["events", "--raw", &scenario_path("node-crash-delete-node")]).stdout;
    assert!(gc.contains("RemovingNode") && !gc.contains("PodGC"), "{gc}");
}

/// `stsim events` gives the PV controller's and the external provisioner's
/// events on claims: `WaitForFirstConsumer` at a delayed claim's first
/// sync (whether or not its pod is ever scheduled), `ExternalProvisioning`
/// (worded anew in 1.28, an in-tree provisioner named by its CSI driver)
/// and `Provisioning` once the claim goes to the provisioner (at the
/// scheduler's choice of node, or at once for an Immediate class), and
/// none of them for a claim bound at once to a volume kept for it.
#[test]
fn events_give_the_claims_binding_and_provisioning_events() {
    let scenario = |version: &str| {
        temp_scenario(
            &format!("claims-{version}.ron"),
            &format!(
                r#"Scenario(name: "claims", duration: "2m", kubernetesVersion: "{version}",
            cluster: (storageClasses: [(name: "gp3", volumeBindingMode: WaitForFirstConsumer, default: true),
                                       (name: "now", provisioner: "kubernetes.io/aws-ebs", volumeBindingMode: Immediate)]),
            persistentVolumes: [(name: "kept", storage: "10Gi", storageClassName: "gp3", zone: "us-east-1a",
                                 claimRef: (name: "data-db-0"))],
            persistentVolumeClaims: [(name: "early", storage: "1Gi", storageClassName: "now")],
            statefulsets: [
                (name: "db", serviceName: "db", replicas: 2, podManagementPolicy: Parallel,
                 template: (labels: {{"app": "db"}}, image: "db:1"),
                 volumeClaimTemplates: [(name: "data", storage: "10Gi")]),
                (name: "huge", serviceName: "huge", replicas: 1,
                 template: (labels: {{"app": "huge"}}, image: "db:1", resources: (requests: (cpu: "500"))),
                 volumeClaimTemplates: [(name: "data", storage: "10Gi")]),
            ])"#
            ),
        )
    };
    let lines = |version: &str| -> Vec<String> {
        let output = stsim(&["events", &scenario(version)]);
        assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
        output
            .stdout
            .lines()
            .filter(|l| l.contains("PersistentVolumeClaim/"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let now = lines("1.36");
    let waiting = "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or \
                   manually by the system administrator. If volume creation is delayed, please verify that the \
                   provisioner is running and correctly registered.";
    let on = |claim: &str| -> Vec<String> {
        now.iter()
            .filter(|l| l.contains(&format!("PersistentVolumeClaim/{claim} ")))
            .map(|l| {
                // Without the time, its repeats (`(x8 over 1m45s)`) and the type.
                let rest = match l.split_once(") ") {
                    Some((seen, rest)) if seen.contains(" (x") => rest,
                    _ => l.split_once(' ').map_or("", |(_, rest)| rest),
                };
                rest.split_once(' ').map_or("", |(_, rest)| rest).to_string()
            })
            .collect()
    };
    let claim =
        |reason: &str, name: &str, message: &str| format!("{reason} PersistentVolumeClaim/{name} {message}");
    assert_eq!(
        on("early"),
        [
            claim("ExternalProvisioning", "early", waiting),
            claim(
                "Provisioning",
                "early",
                "External provisioner is provisioning volume for claim \"default/early\""
            ),
            claim("ProvisioningSucceeded", "early", "Successfully provisioned volume pvc-00000004"),
        ]
    );
    assert!(on("data-db-0").is_empty(), "{now:#?}");
    let db1 = on("data-db-1");
    assert_eq!(db1.len(), 4, "{db1:#?}");
    assert_eq!(
        db1[0],
        claim("WaitForFirstConsumer", "data-db-1", "waiting for first consumer to be created before binding")
    );
    assert_eq!(db1[1], claim("ExternalProvisioning", "data-db-1", waiting));
    assert!(db1[2].starts_with("Provisioning ") && db1[3].starts_with("ProvisioningSucceeded "), "{db1:#?}");
    // A pod no node can hold: its claim waits for it, and is never
    // provisioned. The PV controller says so at the claim's first sync
    // (before the pod exists) and again at each resync, every 15 s, naming
    // the pod that has no node.
    assert_eq!(
        on("data-huge-0"),
        [
            claim(
                "WaitForFirstConsumer",
                "data-huge-0",
                "waiting for first consumer to be created before binding"
            ),
            claim("WaitForPodScheduled", "data-huge-0", "waiting for pod huge-0 to be scheduled"),
        ]
    );
    assert!(now.iter().any(|l| l.starts_with("2m (x8 over 105s) Normal WaitForPodScheduled ")), "{now:#?}");
    // Provisioned at once (no provisioning delay), the claim still went
    // through the provisioner.
    let instant = temp_scenario(
        "claims-instant.ron",
        r#"Scenario(name: "instant", duration: "1m", timings: (provisioning: "0s"),
            cluster: (storageClasses: [(name: "now", volumeBindingMode: Immediate, default: true)]),
            persistentVolumeClaims: [(name: "early", storage: "1Gi")],
            statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (image: "db:1"))])"#,
    );
    let output = stsim(&["events", &instant]);
    assert!(
        output.stdout.contains("ExternalProvisioning") && output.stdout.contains("ProvisioningSucceeded"),
        "{}{}",
        output.stdout,
        output.stderr
    );
    let old = lines("1.27");
    assert!(
        old.iter().any(|l| l.ends_with(
            "ExternalProvisioning PersistentVolumeClaim/early waiting for a volume to be created, either by \
             external provisioner \"ebs.csi.aws.com\" or manually created by system administrator"
        )),
        "{old:#?}"
    );
}

/// `Killing` is the kubelet's: it stops a running container of a deleted
/// pod on a machine that runs, says nothing for a pod evicted from a
/// crashed machine, whose containers are gone and whose kubelet is silent,
/// and on a machine cut off from the API server, stops it once it is back.
#[test]
fn events_give_killing_only_from_a_kubelet_that_runs() {
    let events = |name: &str| stsim(&["events", &scenario_path(name)]).stdout;
    let crashed = events("node-crash-stuck-terminating");
    assert!(crashed.contains("TaintManagerEviction") && !crashed.contains("Killing"), "{crashed}");
    let deleted = events("pod-deleted-comes-back");
    let squeezed = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        deleted.lines().any(|l| squeezed(l).ends_with("Normal Killing Pod/redis-1 Stopping container main")),
        "{deleted}"
    );
    // A kubelet cut off from the API server hears of the deletions (graceful
    // at 8m, by force at 9m) only when it is back at 20m: it stops the
    // container then, once.
    let partitioned = events("partition-force-delete-two-copies");
    let killing: Vec<String> =
        partitioned.lines().map(squeezed).filter(|l| l.contains(" Killing ")).collect();
    assert_eq!(killing, ["20m Normal Killing Pod/redis-0 Stopping container main"], "{partitioned}");
}

/// A file read as one kind whose text is plainly the other (a scenario
/// given with `-f` or to `import`, manifests named `.ron`) is said to be
/// so, with what to do, rather than given the other language's first
/// syntax error.
#[test]
fn a_file_of_the_other_kind_is_named_so() {
    let scenario = scenario_path("rolling-update");
    for args in [vec!["run", "-f", scenario.as_str()], vec!["import", scenario.as_str()]] {
        let output = stsim(&args);
        assert_eq!(output.status, ExitStatus::Error, "{args:?}: {}", output.stderr);
        assert!(
            output.stderr.starts_with(&format!(
                "error: {scenario} is a stsim scenario (RON), not Kubernetes manifests"
            )),
            "{args:?}: {}",
            output.stderr
        );
    }
    let manifest = std::fs::read_to_string(repo_root().join("examples/manifests/redis.yaml")).unwrap();
    let named_ron = temp_scenario("manifests-named.ron", &manifest);
    let output = stsim(&["check", &named_ron]);
    assert_eq!(output.status, ExitStatus::Error, "{}", output.stderr);
    assert!(
        output.stderr.contains("holds Kubernetes manifests (YAML or JSON), not a stsim scenario"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains(&format!("stsim run -f {named_ron}")), "{}", output.stderr);
}

/// `stsim merge` names what it was given when that is no shard of this
/// stsim: a directory, a `stsim run` report, a shard of a newer format
/// (upgrade stsim) or an older one (run it again), an empty file; a
/// position is 1-based; `-` is standard input, once. `stsim test` says it
/// does not read standard input. (Probe S11.)
#[test]
fn merge_names_what_it_was_given_instead_of_a_shard() {
    let shard = stsim(&["sweep", &scenario_path("redis-ordered-startup"), "--seeds", "2", "-o", "json"]);
    assert_eq!(shard.status, ExitStatus::Success, "{}", shard.stderr);
    let refused = |args: &[&str], wanted: &[&str]| {
        let output = stsim(args);
        assert_eq!(output.status, ExitStatus::Error, "{args:?}: {}", output.stderr);
        for want in wanted {
            assert!(output.stderr.contains(want), "{args:?}: {}", output.stderr);
        }
        assert!(!output.stderr.contains("not a scenario file"), "{}", output.stderr);
    };
    let dir =
        std::path::Path::new(&temp_scenario("merge-shard.json", &shard.stdout)).with_file_name("merge-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.display().to_string();
    refused(
        &["merge", &dir],
        &["it is a directory", "`stsim sweep -o json`", &format!("stsim merge {dir}/*.json")],
    );

    let report = stsim(&["run", "redis-ordered-startup", "-o", "json"]);
    let report = temp_scenario("merge-report.json", &report.stdout);
    refused(
        &["merge", &report],
        &["is a `stsim run` report (kind: Report), not the output of `stsim sweep -o json`"],
    );

    let mut json: serde_json::Value = serde_json::from_str(&shard.stdout).unwrap();
    let current = json["format"].as_u64().unwrap();
    json["format"] = serde_json::json!(current + 1);
    let newer = temp_scenario("merge-newer.json", &json.to_string());
    refused(
        &["merge", &newer],
        &[&format!("format {}, newer than the format {current}", current + 1), "upgrade stsim"],
    );
    json["format"] = serde_json::json!(current - 1);
    let older = temp_scenario("merge-older.json", &json.to_string());
    refused(&["merge", &older], &["written by an older stsim", "run that shard again"]);

    let empty = temp_scenario("merge-empty.json", "");
    refused(&["merge", &empty], &[&format!("error: {empty} is empty")]);
    let open = temp_scenario("merge-open.json", "{\n");
    let output = stsim(&["merge", &open]);
    assert!(output.stderr.starts_with(&format!("error: {open}:2:1: ")), "{}", output.stderr);
    assert!(!output.stderr.contains("column 0"), "{}", output.stderr);

    refused(&["merge", "-", "-"], &["`-` (standard input) is given more than once"]);
    refused(&["test", "-"], &["not standard input (`-`)", "stsim run -"]);
}

/// A bare name that is neither a file nor a built-in scenario gets the
/// built-in names close to it, on every command that takes one; `examples`
/// names those rather than every built-in scenario. (Probe S12.)
#[test]
fn a_mistyped_built_in_name_gets_a_suggestion() {
    for args in [
        &["run", "redis-ordered-startp"][..],
        &["sweep", "redis-ordered-startp", "--seeds", "3"],
        &["check", "redis-ordered-startp"],
        &["events", "redis-ordered-startp"],
        &["explain", "redis-ordered-startp"],
    ] {
        let output = stsim(args);
        assert_eq!(output.status, ExitStatus::Error, "{args:?}: {}", output.stderr);
        assert!(
            output.stderr.contains("did you mean the built-in scenario `redis-ordered-startup`?"),
            "{args:?}: {}",
            output.stderr
        );
    }
    let output = stsim(&["examples", "rolling-updat"]);
    assert_eq!(output.status, ExitStatus::Error);
    assert_eq!(
        output.stderr,
        "error: no built-in scenario named `rolling-updat`\n  = help: did you mean the built-in scenario \
         `rolling-update`? (`stsim examples` lists them all)\n"
    );
    // A prefix names those it starts; nothing close names where to look.
    let output = stsim(&["examples", "redis"]);
    assert!(output.stderr.contains("`redis-ordered-startup`, `redis-parallel-startup`"), "{}", output.stderr);
    let output = stsim(&["examples", "zzzqqq"]);
    assert!(output.stderr.contains("stsim examples --search WORD"), "{}", output.stderr);
    assert!(!output.stderr.contains("rolling-update"), "{}", output.stderr);
    // A path gets no built-in name.
    let output = stsim(&["run", "./rolling-updat"]);
    assert!(!output.stderr.contains("did you mean"), "{}", output.stderr);
}

/// `--set` and `--vary` on a RON scenario whose StatefulSets come from its
/// `manifests` say so, as for manifests given alone; variants that differ
/// only in the scenario's name are one scenario, as for seeds; a negative
/// index or an empty name in a path is named as such. (Probe S17.)
#[test]
fn overrides_of_statefulsets_from_manifests_say_where_they_are() {
    let manifest = std::fs::read_to_string(repo_root().join("examples/manifests/redis.yaml")).unwrap();
    let yaml = temp_scenario("overrides-redis.yaml", &manifest);
    let name = std::path::Path::new(&yaml).file_name().unwrap().to_string_lossy().into_owned();
    let ron = temp_scenario(
        "overrides-from-manifests.ron",
        &format!("Scenario(name: \"m\", duration: \"10m\", manifests: [{name:?}])\n"),
    );
    for args in [
        &["sweep", ron.as_str(), "--seeds", "2", "--vary", "replicas=3,5"][..],
        &["sweep", ron.as_str(), "--seeds", "2", "--vary", "statefulsets[0].replicas=3,5"],
        &["run", ron.as_str(), "--set", "replicas=4"],
    ] {
        let output = stsim(args);
        assert_eq!(output.status, ExitStatus::Error, "{args:?}: {}", output.stderr);
        assert!(
            output.stderr.contains(
                "the scenario's StatefulSets come from its `manifests`, and --set and --vary \
                                    change a RON scenario, not manifests; edit the manifests"
            ),
            "{args:?}: {}",
            output.stderr
        );
        assert!(!output.stderr.contains("no StatefulSet"), "{}", output.stderr);
    }
    // The scenario's own fields are still set.
    let output = stsim(&["sweep", ron.as_str(), "--seeds", "1", "--vary", "duration=5m,6m"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);

    let scenario = scenario_path("rolling-update");
    let output = stsim(&["sweep", &scenario, "--seeds", "2", "--vary", "name=a,b"]);
    assert_eq!(output.status, ExitStatus::Error, "{}", output.stderr);
    assert!(
        output.stderr.contains("the variants name=a and name=b run the same scenario"),
        "{}",
        output.stderr
    );
    let output = stsim(&["sweep", &scenario, "--seeds", "2", "--vary", "statefulsets[-1].replicas=3,5"]);
    assert_eq!(output.status, ExitStatus::Error, "{}", output.stderr);
    assert!(output.stderr.contains("`[-1]` is no index"), "{}", output.stderr);
    assert!(!output.stderr.contains("\"-1\""), "{}", output.stderr);
    let output = stsim(&["run", &scenario, "--set", "cluster..zones=[\"a\"]"]);
    assert_eq!(output.status, ExitStatus::Error, "{}", output.stderr);
    assert!(output.stderr.contains("leaves a name out between its dots"), "{}", output.stderr);
}
