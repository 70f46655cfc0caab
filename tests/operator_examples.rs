//! The example operators (`examples/operators/*/`): each reproduces a
//! documented class of operator bug. Over a range of seeds the buggy one
//! fails `stsim test` with an explanation that names the cause, and the
//! fixed one passes. They speak protocol 2 (Kubernetes-shaped JSON) from
//! Python.

use crate::support::repo_root;
use stsim_cli::ExitStatus;

fn stsim_test(path: &str, seeds: &str) -> (ExitStatus, String) {
    let file = repo_root().join(path).display().to_string();
    let args: Vec<String> =
        ["test", "--allow-exec", "--seeds", seeds, &file].iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    (status, String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap())
}

/// `buggy.ron` fails on every seed, saying `cause`; `fixed.ron` passes on every seed.
fn pair(dir: &str, cause: &[&str]) {
    let seeds = "1..5";
    let (status, out) = stsim_test(&format!("examples/operators/{dir}/fixed.ron"), seeds);
    assert_eq!(status, ExitStatus::Success, "{dir}/fixed.ron:\n{out}");
    assert!(out.contains("(seeds 1..5, all passed)"), "{out}");
    let (status, out) = stsim_test(&format!("examples/operators/{dir}/buggy.ron"), seeds);
    assert_eq!(status, ExitStatus::Failure, "{dir}/buggy.ron:\n{out}");
    assert!(out.contains("(seeds 1..5, all 5 runs failed)"), "{dir}/buggy.ron fails on every seed:\n{out}");
    assert!(
        out.contains("re-run:   stsim run --allow-exec "),
        "the re-run command starts the operator too:\n{out}"
    );
    for needle in cause {
        assert!(out.contains(needle), "{dir}/buggy.ron should say {needle:?}:\n{out}");
    }
}

#[test]
fn pvc_cleanup_by_pod_health_deletes_claims_still_needed() {
    pair("pvc-cleanup", &["operator/pvc-cleaner deleted data-redis-1", "while redis-1 used it"]);
}

#[test]
fn a_delete_by_name_from_a_stale_cache_hits_the_newer_object() {
    // The new redis-2 was still waiting for its volume (not scheduled, so
    // pvc-protection did not hold its claim): the claim goes at once, the
    // set makes it again, and the cleaner, still behind, deletes that too.
    pair(
        "stale-delete",
        &[
            "operator/pvc-cleaner deleted data-redis-2 at 5m36s while redis-2 waited for it",
            "operator/pvc-cleaner deleted data-redis-2 at 5m41s while redis-2 waited for it",
            "operator/pvc-cleaner deleted data-redis-2 at 5m46s while redis-2 waited for it",
        ],
    );
    // A NoFinding that fails shows the findings it is about, not every finding.
    // An operator's timeline rows name it once, by its own name.
    let file = repo_root().join("examples/operators/stale-delete/fixed.ron").display().to_string();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stsim_cli::run(&["run".into(), "--allow-exec".into(), file], &mut out, &mut err);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("* operator/pvc-cleaner delete PersistentVolumeClaim/data-redis-2 refused (409)"),
        "{text}"
    );
    assert!(!text.contains("operator/operator/"), "{text}");
    let (_, out) = stsim_test("examples/operators/stale-delete/buggy.ron", "1..1");
    let happened =
        out.lines().find(|l| l.contains("happened: findings: claim-deleted-while-needed")).unwrap();
    assert!(!happened.contains("volume-data-deleted"), "{happened}");
}

#[test]
fn an_unconditional_update_from_a_stale_copy_loses_the_users_change() {
    pair(
        "lost-update",
        &[
            "spec.template.spec.containers.0.image is \"redis:7.0\"",
            "operator/redis-operator\tstatefulset/redis\tupdated\toperator update of spec.template.spec.containers",
        ],
    );
}

#[test]
fn a_crash_between_two_writes_leaves_an_edge_triggered_status_wrong() {
    pair(
        "crash-status",
        &["status.replicas is 3", "operator/zookeeper-operator\toperator\trestarted\tlost_actions=1"],
    );
}

#[test]
fn a_restart_by_deletes_ignores_the_budget_and_loses_quorum() {
    pair(
        "unsafe-restart",
        &["etcd BROKEN at 5m1s: quorum lost", "etcd-1 deleted by operator/etcd-operator at 5m1s"],
    );
}

#[test]
fn recreating_a_statefulset_with_a_background_delete_takes_every_member_down() {
    pair(
        "recreate-statefulset",
        &["etcd BROKEN at", "after operator/etcd-operator deleted statefulset etcd"],
    );
}

#[test]
fn force_deleting_on_not_ready_runs_two_copies_through_a_partition() {
    pair("force-delete", &["identity-duplicated", "ran at the same time"]);
}

fn stsim(args: &[&str]) -> (ExitStatus, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    (status, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// The command `stsim test` prints to re-run a failure reproduces it:
/// `stsim run` checks the expectations and exits 1.
#[test]
fn the_re_run_command_reproduces_the_failure() {
    let buggy = repo_root().join("examples/operators/crash-status/buggy.ron").display().to_string();
    let (status, out, err) = stsim(&["run", "--allow-exec", &buggy, "--seed", "3"]);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert!(out.contains("scenario crash-status-buggy (seed 3)"), "the report is printed first: {out}");
    assert!(err.contains("error: expectations failed: 1 of 2"), "{err}");
    assert!(err.contains("status.replicas is 3"), "{err}");
    let fixed = buggy.replace("buggy.ron", "fixed.ron");
    let (status, _, err) = stsim(&["run", "--allow-exec", &fixed, "--seed", "3"]);
    assert_eq!(status, ExitStatus::Success, "{err}");
}

/// `stsim explain` runs external operators and tells their refused writes.
#[test]
fn explain_tells_an_external_operators_story() {
    let fixed = repo_root().join("examples/operators/lost-update/fixed.ron").display().to_string();
    let (status, out, err) = stsim(&["explain", "--allow-exec", &fixed]);
    assert_eq!(status, ExitStatus::Success, "{err}");
    let story = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        story.contains("The API server refuses the operator's `update StatefulSet/redis`: 409 Conflict"),
        "{out}"
    );
}

/// A request of protocol 2 names the run and the scenario and carries
/// Kubernetes-shaped objects; the fixture exits if it does not.
#[test]
fn requests_of_protocol_2_name_the_run() {
    let source = std::fs::read_to_string(repo_root().join("examples/operators/pvc-cleanup/fixed.ron"))
        .unwrap()
        .replace("name: \"pvc-cleanup-fixed\"", "name: \"checks\"")
        .replace("seed: 7", "seed: 11")
        .replace("[\"python3\", \"fixed.py\"]", "[\"python3\", \"checks_request.py\"]");
    let dir = repo_root().join("tests/fixtures/operators");
    let file = dir.join("checks.generated.ron");
    std::fs::write(&file, source).unwrap();
    let (status, _, err) = stsim(&["run", "--allow-exec", &file.display().to_string()]);
    std::fs::remove_file(&file).unwrap();
    // Its expectations fail (it deletes nothing), but it answered every request.
    assert!(!err.contains("instead of answering"), "{err}");
    assert_eq!(status, ExitStatus::Failure);
}

/// A program speaking protocol 2 creates a Redis StatefulSet as a chart
/// renders it (env, volumeMounts, a metrics sidecar, anti-affinity): the
/// answer warns of what stsim ignored (the program exits 4 if not), `stsim
/// run` shows the warnings once, and its env change rolls the pods to a
/// new revision.
#[test]
fn a_chart_like_statefulset_from_a_program_is_read_with_warnings() {
    let file = repo_root().join("tests/fixtures/operators/creates_redis.ron");
    let (status, out, err) = stsim(&["run", "--allow-exec", &file.display().to_string()]);
    assert_eq!(status, ExitStatus::Success, "{out}\n{err}");
    let warned = "create StatefulSet/redis taken with warnings: \
                  stsim does not model spec.template.spec.containers[0].env, and ignored it; \
                  stsim does not model spec.template.spec.containers[0].volumeMounts, and ignored it";
    assert_eq!(out.matches(warned).count(), 1, "{out}");
    assert!(out.contains("statefulset/redis operator update of spec.template.spec.containers"), "{out}");
    let revisions: std::collections::BTreeSet<&str> = out
        .lines()
        .filter(|l| l.contains(" redis-") && l.contains("created at revision "))
        .filter_map(|l| l.split("created at revision ").nth(1))
        .collect();
    assert_eq!(revisions.len(), 2, "the env change made a second revision: {revisions:?}");
}

#[test]
fn a_health_check_on_containers_ready_misses_a_dead_node() {
    pair(
        "containers-ready",
        &[
            "etcd-0 deleted by operator/etcd-operator at 5m1s",
            "etcd-2 is not running (the machine behind worker-1 crashed at 4m; the API shows the pod Running)",
        ],
    );
}
