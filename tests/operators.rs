//! Operators under test: the Rust API, the process protocol, operators
//! that misbehave, and the injected faults.

use crate::support::{parse, repo_root, run_file};
use stsim_cli::ExitStatus;

fn failed_expectations(sim: &stsim_core::Simulation, report: &stsim_core::Report) -> Vec<String> {
    stsim_core::expect::check(sim, report).into_iter().filter(|v| !v.passed).map(|v| v.description).collect()
}

fn file(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

/// The correct cleaner deletes only what a scale-down left behind.
#[test]
fn a_correct_operator_passes() {
    let (sim, report) = run_file("operators/pvc-cleanup");
    assert!(failed_expectations(&sim, &report).is_empty());
    let deleted: Vec<String> =
        sim.world.pvcs.iter().filter(|c| !c.exists()).map(|c| c.name.clone()).collect();
    assert_eq!(deleted, ["data-redis-2"]);
    let removal = sim.world.pvcs.iter().find(|c| c.name == "data-redis-2").unwrap().removed_at.unwrap();
    let scaled_away = crate::support::Log(&sim).removals("redis-2")[0];
    // Seen left behind at the first reconcile (1 s delay), deleted 30 s later.
    assert!(removal >= scaled_away + stsim_core::time::SimDuration::from_secs(30));
}

/// The naive cleaner is caught through the Rust API, naming what broke.
#[test]
fn a_broken_operator_is_caught_in_the_rust_api() {
    let config = parse(&file("examples/operators/naive-pvc-cleanup.ron"));
    let (sim, report) = stsim_core::run(config);
    assert_eq!(
        failed_expectations(&sim, &report),
        ["NoFinding(claim-deleted-while-needed)", "NoFinding(volume-data-deleted)"]
    );
    let finding = report.findings.iter().find(|f| f.id == "volume-data-deleted").unwrap();
    assert_eq!(finding.subject, "pvc/data-redis-1");
    assert!(
        finding.explanation.contains("operator/naive-pvc-cleanup deleted data-redis-1"),
        "{}",
        finding.explanation
    );
}

fn stsim(args: &[&str]) -> (ExitStatus, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    (status, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// Over the process protocol, the correct Python operator passes and the
/// naive one is caught with the same message.
#[test]
fn operators_in_python_are_tested_through_the_protocol() {
    let good = repo_root().join("scenarios/operators/external-pvc-cleaner.ron").display().to_string();
    let (status, out, _) = stsim(&["test", &good]);
    assert_eq!(status, ExitStatus::Success, "{out}");
    let bad = repo_root().join("examples/operators/external-naive-pvc-cleaner.ron").display().to_string();
    let (status, out, _) = stsim(&["test", &bad]);
    assert_eq!(status, ExitStatus::Failure, "{out}");
    assert!(out.contains("NoFinding(volume-data-deleted)"), "{out}");
    assert!(out.contains("volume-data-deleted (pvc/data-redis-1)"), "{out}");
    // Same decisions as the Rust version: the traces agree but for the actor's name.
    let rust = parse(&file("examples/operators/naive-pvc-cleanup.ron"));
    let (rust_sim, _) = stsim_core::run(rust);
    let python = parse(&file("examples/operators/external-naive-pvc-cleaner.ron"));
    let mut python = python;
    if let stsim_core::config::OperatorKind::External { workdir, .. } = &mut python.operators[0].kind {
        *workdir = Some(repo_root().join("examples/operators").display().to_string());
    }
    let (python_sim, _) = stsim_cli::simulate(python).unwrap();
    let text = |sim: &stsim_core::Simulation| {
        sim.trace.render(&sim.world).replace("operator/naive-pvc-cleanup", "operator/naive-pvc-cleaner")
    };
    assert_eq!(text(&rust_sim), text(&python_sim));
}

fn bad_operator(script: &str) -> (ExitStatus, String, std::time::Duration) {
    let source = file("scenarios/operators/pvc-cleanup.ron").replace(
        "(operator: PvcCleanup(after: \"30s\"), reconcileDelay: \"1s\")",
        &format!(
            "(operator: External(name: \"bad\", command: [\"python3\", \"{}\"], timeout: \"1s\"))",
            repo_root().join("tests/fixtures/operators").join(script).display()
        ),
    );
    let dir = std::env::temp_dir().join(format!("stsim-bad-operator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{script}.ron"));
    std::fs::write(&path, source).unwrap();
    let started = std::time::Instant::now();
    let (status, _, err) = stsim(&["run", &path.display().to_string()]);
    (status, err, started.elapsed())
}

/// An operator that exits, hangs, or prints nonsense stops the run with a
/// clear error, within its timeout, never a hang.
#[test]
fn misbehaving_operators_get_a_clear_error_and_never_hang() {
    let (status, err, _) = bad_operator("exits.py");
    assert_eq!(status, ExitStatus::Failure);
    assert!(err.contains("operator/bad at 0s: operator bad exited with exit status: 3"), "{err}");
    assert!(err.contains("giving up"), "its stderr is shown: {err}");

    let (status, err, took) = bad_operator("hangs.py");
    assert_eq!(status, ExitStatus::Failure);
    assert!(err.contains("did not answer within 1s and was killed"), "{err}");
    assert!(took < std::time::Duration::from_secs(20), "bounded by the timeout: {took:?}");

    let (status, err, _) = bad_operator("garbage.py");
    assert_eq!(status, ExitStatus::Failure);
    assert!(err.contains("answered with something that is not the protocol"), "{err}");
    assert!(err.contains("hello, stsim"), "quotes what it said: {err}");
}

/// A missing program is a clear error before the run.
#[test]
fn an_operator_that_cannot_start_is_a_clear_error() {
    let mut config = parse(&file("scenarios/operators/external-pvc-cleaner.ron"));
    if let stsim_core::config::OperatorKind::External { command, .. } = &mut config.operators[0].kind {
        command[0] = "no-such-program-stsim".into();
    }
    let error = stsim_cli::simulate(config).err().expect("cannot start");
    assert!(error.contains("cannot start `no-such-program-stsim"), "{error}");
}

/// Faults: a stale view turns the correct cleaner into a data-losing one
/// (it deletes a claim whose pod is coming back); a dropped event stream
/// leaves it blind; a restart between writes loses writes, then relists.
#[test]
fn injected_faults_reveal_what_an_operator_depends_on() {
    // Scaled down at 10m, redis-0 restarted at 10m25s, scaled back up at
    // 10m50s. Reading the cluster as it is, the cleaner deletes the claim
    // left behind 30 s after it saw it (10m32s), while it is orphaned: the
    // later scale-up makes a new, empty one, as the cleanup policy implies.
    // Reading it 20 s late, it first sees the claim left behind at 10m26s
    // and, when that is due at 10m56s, still sees 2 replicas: it deletes a
    // claim the set wants again since 10m50s.
    let base = file("scenarios/operators/pvc-cleanup.ron")
        .replace(
            "(at: \"15m\", do: DeletePod(pod: \"redis-1\")),",
            "(at: \"10m25s\", do: DeletePod(pod: \"redis-0\")),\n        (at: \"10m50s\", do: Scale(statefulset: \"redis\", replicas: 3)),",
        )
        .replace("        NoFinding(id: \"volume-data-deleted\"),\n", "");
    let with_faults = |faults: &str| {
        parse(
            &base.replace("reconcileDelay: \"1s\")", &format!("reconcileDelay: \"1s\", faults: ({faults}))")),
        )
    };
    let (sim, report) = stsim_core::run(parse(&base));
    assert!(failed_expectations(&sim, &report).is_empty(), "{:?}", failed_expectations(&sim, &report));
    let (sim, report) = stsim_core::run(with_faults("lag: \"20s\""));
    assert_eq!(failed_expectations(&sim, &report), ["NoFinding(claim-deleted-while-needed)"]);
    let finding = report.findings.iter().find(|f| f.id == "claim-deleted-while-needed").unwrap();
    assert_eq!(
        finding.summary,
        "operator/pvc-cleanup deleted data-redis-2 at 10m56s while redis still wanted it"
    );

    // Every event dropped: the operator never runs, the claim stays.
    let dropped = file("scenarios/operators/pvc-cleanup.ron")
        .replace("reconcileDelay: \"1s\")", "reconcileDelay: \"1s\", faults: (dropEvents: 1.0))");
    let (sim, report) = stsim_core::run(parse(&dropped));
    assert_eq!(failed_expectations(&sim, &report), ["OrphanedPvcs([])"]);

    // Three claims to delete in one answer (Parallel scale-down to 0),
    // restarting between writes every time.
    let scaled_to_zero = file("scenarios/scale-down-orphans-volume.ron")
        .replace("replicas: 2)", "replicas: 0)")
        .replace("replicas: 3,", "replicas: 3,\n        podManagementPolicy: Parallel,")
        .replace("expect: [", "operators: [(operator: PvcCleanup(after: \"1m\"), faults: (restartBetweenWrites: 1.0))],\n    expect: [");
    let (sim, report) = stsim_core::run(parse(&scaled_to_zero));
    let restarts = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, stsim_core::trace::Event::OperatorRestarted { .. }))
        .count();
    assert!(restarts >= 1, "a restart was injected");
    assert!(
        report.storage.orphaned.is_empty(),
        "after relisting, the cleaner finishes: {:?}",
        report.storage.orphaned
    );
}

/// The force-delete operator acts only on pods terminating on a NotReady node.
#[test]
fn force_delete_unreachable_acts_only_on_unreachable_nodes() {
    use stsim_core::operators::*;
    let pod = |name: &str, node_ready: bool, deletion_ms: Option<u64>| PodView {
        name: name.into(),
        phase: "Running".into(),
        ready: false,
        terminating: deletion_ms.is_some(),
        node: Some("worker-1".into()),
        node_ready,
        statefulset: Some("redis".into()),
        claims: vec![],
        deletion_ms,
    };
    let view = View {
        time_ms: 400_000,
        pods: vec![
            pod("redis-0", false, Some(300_000)),
            pod("redis-1", true, Some(300_000)),
            pod("redis-2", false, Some(390_000)),
        ],
        pvcs: vec![],
        statefulsets: vec![],
        nodes: vec![],
        apps: vec![],
    };
    let mut operator = ForceDeleteUnreachable { after: stsim_core::time::SimDuration::from_secs(60) };
    let out = operator.reconcile(&view, &[]).unwrap();
    assert_eq!(out.actions, [OperatorAction::ForceDeletePod { name: "redis-0".into() }]);
    assert_eq!(out.requeue_after_ms, Some(50_000), "redis-2 is due in 50 s");
}
