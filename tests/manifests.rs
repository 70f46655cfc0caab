//! `stsim run -f`: Kubernetes manifests through the command line, and the
//! fixtures in `examples/manifests/`, each simulated.

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

fn example(name: &str) -> String {
    repo_root().join("examples/manifests").join(name).display().to_string()
}

fn temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stsim-manifest-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn digest(args: &[&str]) -> String {
    let output = stsim(args);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    json["traceDigest"].as_str().unwrap().to_string()
}

#[test]
fn the_seed_manifest_runs_like_the_ron_scenario() {
    let ron = repo_root().join("scenarios/redis-ordered-startup.ron").display().to_string();
    let with_manifest = example("redis-ordered-startup.ron");
    assert_eq!(digest(&["run", &ron, "--json"]), digest(&["run", &with_manifest, "--json"]));
}

#[test]
fn run_f_simulates_a_manifest_and_warns_once_about_what_it_ignored() {
    let output = stsim(&["run", "-f", &example("redis.yaml")]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stdout.contains("The `default` story around redis"), "{}", output.stdout);
    assert!(output.stdout.contains("kubectl set image statefulset/redis"), "{}", output.stdout);
    assert_eq!(output.stderr.matches("warning:").count(), 1, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("redis.yaml:35:11: StatefulSet \"redis\" spec.template.spec.containers[0].ports")
    );
    // A manifest named without -f is recognised too.
    let positional = stsim(&["run", &example("redis.yaml"), "--json"]);
    assert_eq!(positional.status, ExitStatus::Success);
}

#[test]
fn stories_change_what_happens() {
    let crash = stsim(&["run", "-f", &example("redis.yaml"), "--story", "node-crash"]);
    assert!(crash.stdout.contains("node worker-1 crashes"), "{}", crash.stdout);
    assert!(!crash.stdout.contains("kubectl scale"), "{}", crash.stdout);
    let unknown = stsim(&["run", "-f", &example("redis.yaml"), "--story", "meteor"]);
    assert_eq!(unknown.status, ExitStatus::Error);
    assert!(unknown.stderr.contains("no story named \"meteor\""), "{}", unknown.stderr);
    let list = stsim(&["stories"]);
    assert!(list.stdout.contains("node-crash") && list.stdout.contains("rolling-update"));
}

#[test]
fn a_bad_manifest_exits_2_with_file_line_and_column() {
    let path = temp("bad.yaml", "apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata:\n  name: x\n");
    let output = stsim(&["run", "-f", &path]);
    assert_eq!(output.status, ExitStatus::Error);
    assert!(output.stderr.contains(&format!("{path}:1:13")), "{}", output.stderr);
    assert!(output.stderr.contains("no matches for kind \"StatefulSet\" in version \"apps/v1beta1\""));
    let check = stsim(&["check", &path]);
    assert_eq!(check.status, ExitStatus::Error);
}

#[test]
fn check_accepts_manifests() {
    let output = stsim(&["check", &example("redis.yaml")]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stdout.contains("1 statefulset(s)"), "{}", output.stdout);
}

#[test]
fn output_flags_follow_kubectl() {
    let json = stsim(&["run", "-o", "json"]);
    let alias = stsim(&["run", "--json"]);
    assert_eq!(json.stdout, alias.stdout);
    let yaml = stsim(&["run", "-o", "yaml"]);
    assert!(yaml.stdout.starts_with("apiVersion: stsim.io/v1alpha1\nkind: Report\n"), "{}", yaml.stdout);
    let wide = stsim(&["run", "-o", "wide"]);
    assert!(wide.stdout.contains("\nEVENTS\nSINCE START   TYPE     REASON"), "{}", wide.stdout);
    let bad = stsim(&["run", "-o", "xml"]);
    assert_eq!(bad.status, ExitStatus::Error);
}

#[test]
fn events_have_kubernetes_reasons_types_and_times() {
    let path = repo_root().join("scenarios/drain-pdb-multi-attach.ron").display().to_string();
    let output = stsim(&["events", &path]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(lines[0].starts_with("SINCE START"));
    let row = |reason: &str| lines.iter().find(|l| l.contains(reason)).copied().unwrap_or_default();
    assert!(row(" SuccessfulCreate ").contains("Normal"), "{}", output.stdout);
    assert!(row(" FailedAttachVolume ").contains("Warning"), "{}", output.stdout);
    assert!(row(" Multi-Attach error").contains("pod/"), "{}", output.stdout);
    assert!(row(" Killing ").contains("Stopping container"), "{}", output.stdout);
    // RFC 3339 after a given start.
    let absolute = stsim(&["events", &path, "--start-time", "2026-01-02T15:04:05Z"]);
    assert!(
        absolute.stdout.lines().nth(1).unwrap().starts_with("2026-01-02T15:04:05Z"),
        "{}",
        absolute.stdout
    );
    let bad = stsim(&["events", &path, "--start-time", "noon"]);
    assert_eq!(bad.status, ExitStatus::Error);
    // Only warnings, and colour only when asked for (a terminal without NO_COLOR).
    let warnings = stsim(&["events", &path, "--warnings"]);
    assert!(warnings.stdout.lines().skip(1).all(|l| l.contains("Warning")), "{}", warnings.stdout);
    assert!(!warnings.stdout.contains('\u{1b}'));
    let args: Vec<String> = ["events", path.as_str(), "--warnings"].iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stsim_cli::run_with(&args, &mut out, &mut err, true);
    assert!(String::from_utf8(out).unwrap().contains("\u{1b}[33m"));
}

#[test]
fn completions_for_three_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let output = stsim(&["completions", shell]);
        assert_eq!(output.status, ExitStatus::Success);
        assert!(output.stdout.contains("story") && output.stdout.contains("completions"), "{shell}");
    }
}

#[test]
fn every_subcommand_help_has_examples() {
    for command in ["run", "events", "explain", "check", "test", "examples", "stories", "completions"] {
        let output = stsim(&[command, "--help"]);
        assert!(output.stdout.contains("Examples:"), "{command}: {}", output.stdout);
    }
}
