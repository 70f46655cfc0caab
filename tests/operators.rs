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
    let (status, out, _) = stsim(&["test", "--allow-exec", &good]);
    assert_eq!(status, ExitStatus::Success, "{out}");
    let bad = repo_root().join("examples/operators/external-naive-pvc-cleaner.ron").display().to_string();
    let (status, out, _) = stsim(&["test", "--allow-exec", &bad]);
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
    let (python_sim, _) = stsim_cli::simulate(python, &stsim_cli::consent::ExecPolicy::allow_all()).unwrap();
    let text = |sim: &stsim_core::Simulation| {
        sim.trace.render(&sim.world).replace("operator/naive-pvc-cleanup", "operator/naive-pvc-cleaner")
    };
    assert_eq!(text(&rust_sim), text(&python_sim));
}

fn bad_operator(script: &str) -> (ExitStatus, String, std::time::Duration) {
    // Only the hanging one waits out its timeout; the others get time for Python to start on a busy machine.
    let timeout = if script == "hangs.py" { "1s" } else { "20s" };
    let source = file("scenarios/operators/pvc-cleanup.ron").replace(
        "(operator: PvcCleanup(after: \"30s\"), reconcileDelay: \"1s\")",
        &format!(
            "(operator: External(name: \"bad\", command: [\"python3\", \"{}\"], timeout: \"{timeout}\"))",
            repo_root().join("tests/fixtures/operators").join(script).display()
        ),
    );
    let dir = std::env::temp_dir().join(format!("stsim-bad-operator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{script}.ron"));
    std::fs::write(&path, source).unwrap();
    let started = std::time::Instant::now();
    let (status, _, err) = stsim(&["run", "--allow-exec", &path.display().to_string()]);
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

    // An array is no answer, although serde would read a struct's fields from one.
    let (status, err, _) = bad_operator("array_answer.py");
    assert_eq!(status, ExitStatus::Failure);
    assert!(
        err.contains(
            r#"invalid type: sequence, expected an object {"actions": [...], "requeueAfterMs": ...}"#
        ),
        "{err}"
    );
    assert!(err.contains("it said: [[], 5000]"), "{err}");
}

/// A scenario run by `tests/fixtures/operators/startup_line.py` with `args`, written to a file of its own.
fn startup_line_scenario(args: &str) -> String {
    let script = repo_root().join("tests/fixtures/operators/startup_line.py").display().to_string();
    let source = format!(
        r#"Scenario(
    name: "out-of-step",
    seed: 3,
    duration: "40s",
    images: [(name: "redis:7.0", pull: "2s", startup: "1s")],
    services: [(name: "redis-svc", clusterIP: "None", selector: {{"app": "redis"}})],
    statefulsets: [(name: "redis", serviceName: "redis-svc", replicas: 1,
        template: (labels: {{"app": "redis"}}, image: "redis:7.0"))],
    operators: [(
        operator: External(name: "early", command: ["python3", "{script}"{args}], timeout: "20s"),
        reconcileDelay: "1s",
        protocol: 2,
    )],
    timeline: [],
)"#
    );
    written(&format!("out-of-step{}.ron", if args.is_empty() { "" } else { "-echo" }), &source)
}

/// `source` written to a scratch file named `name`; its path.
fn written(name: &str, source: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stsim-operators-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

/// An operator that writes a line before it is asked (a startup line on
/// standard output) gives the same run every time: its answers are read in
/// order, one request late each, and the line left over at the end is a
/// deterministic error. (Checking for an extra line with a non-blocking poll
/// before each request raced with the process: the run stopped at 1 s, 6 s
/// or not at all, with different traces.)
#[test]
fn a_line_written_unasked_gives_the_same_run_every_time() {
    let path = startup_line_scenario("");
    let runs: Vec<(ExitStatus, String, String)> =
        (0..20).map(|_| stsim(&["run", "--allow-exec", "--trace", &path])).collect();
    let (status, out, err) = &runs[0];
    for (i, run) in runs.iter().enumerate().skip(1) {
        assert!(run == &runs[0], "run {i} differs from run 0:\n{}\n{}\n---\n{}\n{}", run.1, run.2, out, err);
    }
    assert_eq!(*status, ExitStatus::Failure, "{out}");
    assert!(
        err.contains(
            "the run stopped: operator/early at 40s: operator early wrote a line that answers no request"
        ),
        "{err}"
    );
    // Left over: the answer to the last request (woken by its own patch's
    // event), which carries the time of the last request its requeue woke.
    assert!(err.contains(r#"after its 38 requests stsim closed its input, and its output still held {"actions": [{"action": "Patch", "kind": "StatefulSet", "name": "redis", "patch": {"metadata": {"annotations": {"example.com/seen": "38000"}}}}]"#), "{err}");
}

/// An operator that echoes each request's `seq` has a line out of step
/// caught at the first answer that carries another request's number.
#[test]
fn an_answer_carrying_another_seq_is_caught_where_it_happens() {
    let path = startup_line_scenario(r#", "--echo""#);
    let (status, _, err) = stsim(&["run", "--allow-exec", &path]);
    assert_eq!(status, ExitStatus::Failure);
    assert!(
        err.contains(r#"operator/early at 3s: operator early's answer to request 2 carries "seq": 1"#),
        "{err}"
    );
    assert!(err.contains(r#"the line taken as the answer to request 1: {"actions": []}"#), "{err}");
}

/// A write stsim does not model (answered 405; Kubernetes would take it)
/// does not fail `stsim test`, but is said under the scenario's line, with
/// the first such write: the run may part from a cluster's there.
#[test]
fn a_write_stsim_does_not_model_is_noted_by_stsim_test() {
    let script = repo_root().join("tests/fixtures/operators/unmodelled_write.py").display().to_string();
    let source = format!(
        r#"Scenario(
    name: "unmodelled",
    seed: 3,
    duration: "2m",
    images: [(name: "redis:7.0", pull: "2s", startup: "1s")],
    services: [(name: "redis-svc", clusterIP: "None", selector: {{"app": "redis"}})],
    statefulsets: [(name: "redis", serviceName: "redis-svc", replicas: 1,
        template: (labels: {{"app": "redis"}}, image: "redis:7.0"))],
    customResourceDefinitions: [(group: "cache.example.com", version: "v1", kind: "RedisCluster")],
    customResources: [(kind: "RedisCluster", name: "rc", spec: {{"size": 1}})],
    operators: [(
        operator: External(name: "stale", command: ["python3", "{script}"], timeout: "20s"),
        reconcileDelay: "1s",
        protocol: 2,
    )],
    expect: [NoFindings],
)"#
    );
    let path = written("unmodelled.ron", &source);
    let (status, out, err) = stsim(&["test", "--allow-exec", &path]);
    assert_eq!(status, ExitStatus::Success, "{out}{err}");
    assert!(
        out.contains("note: 1 operator write(s) answered 405, which stsim does not model")
            && out.contains("the first: create PersistentVolumeClaim/cache"),
        "{out}"
    );
}

/// A missing program is a clear error before the run.
#[test]
fn an_operator_that_cannot_start_is_a_clear_error() {
    let mut config = parse(&file("scenarios/operators/external-pvc-cleaner.ron"));
    if let stsim_core::config::OperatorKind::External { command, .. } = &mut config.operators[0].kind {
        command[0] = "no-such-program-stsim".into();
    }
    let error = stsim_cli::simulate(config, &stsim_cli::consent::ExecPolicy::allow_all())
        .err()
        .expect("cannot start");
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
    // Reading it 20 s late (its list and its watch from one stale cache, so
    // the scale-down's events reach it 20 s late too), it first sees the
    // claim left behind at 10m21s and, when that is due at 10m51s, still
    // sees 2 replicas: it deletes a claim the set wants again since 10m50s,
    // and that redis-2, made again at once (redis-0 is back within seconds,
    // its node having the image), already uses.
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
    assert_eq!(finding.summary, "operator/pvc-cleanup deleted data-redis-2 at 10m51s while redis-2 used it");

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
        ..Default::default()
    };
    let mut operator = ForceDeleteUnreachable { after: stsim_core::time::SimDuration::from_secs(60) };
    let out = operator.reconcile(&view, &[]).unwrap();
    assert_eq!(out.actions, [OperatorAction::ForceDeletePod { name: "redis-0".into() }]);
    assert_eq!(out.requeue_after_ms, Some(50_000), "redis-2 is due in 50 s");
}

/// The trace lines (text form) that contain `needle`.
fn trace_lines(sim: &stsim_core::Simulation, needle: &str) -> Vec<String> {
    sim.trace.render(&sim.world).lines().filter(|l| l.contains(needle)).map(String::from).collect()
}

fn health_at(sim: &stsim_core::Simulation, at: &str) -> stsim_core::apps::Health {
    let at = crate::support::t(at);
    sim.trace
        .records
        .iter()
        .filter(|r| r.at <= at)
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::AppVerdict { verdict, .. } => Some(verdict.health),
            _ => None,
        })
        .next_back()
        .expect("a verdict")
}

/// Rule: the failover operator promotes only once the primary has been
/// gone (not Ready) for `after`, never before, and picks the Ready replica
/// with the lowest ordinal.
#[test]
fn failover_promotes_the_lowest_ordinal_ready_replica_after_the_grace() {
    let (sim, report) = run_file("operators/failover");
    assert!(failed_expectations(&sim, &report).is_empty(), "{:?}", failed_expectations(&sim, &report));
    let promoted = trace_lines(&sim, "promoted to primary");
    assert_eq!(promoted.len(), 1, "one promotion per lost primary: {promoted:?}");
    assert!(promoted[0].contains("operator/failover") && promoted[0].contains("pod/pg-1"), "{}", promoted[0]);
    let at = sim
        .trace
        .records
        .iter()
        .find(|r| matches!(&r.event, stsim_core::trace::Event::AppMember { what, .. } if what.starts_with("promoted")))
        .unwrap()
        .at;
    // pg-0 turns NotReady when the node lifecycle controller notices; the
    // operator sees it 1 s later and waits 30 s more.
    let not_ready =
        crate::support::Log(&sim).readiness("pg-0").into_iter().find(|(_, ready)| !ready).unwrap().0;
    let grace = stsim_core::time::SimDuration::from_secs(30);
    assert!(at >= not_ready + grace, "not before the grace: promoted at {at}, NotReady at {not_ready}");
    assert!(at <= not_ready + grace + stsim_core::time::SimDuration::from_secs(2), "promoted at {at}");

    // In the operator's own terms: lowest-ordinal *Ready* replica, after `after`.
    use stsim_core::operators::*;
    let member = |name: &str, role: Option<&'static str>, running: bool| MemberView {
        name: name.into(),
        role,
        running,
        reachable: running,
        position: None,
        lag: None,
        timeline: None,
    };
    let pod = |name: &str, ready: bool| PodView {
        name: name.into(),
        phase: "Running".into(),
        ready,
        terminating: false,
        node: Some("worker-1".into()),
        node_ready: true,
        statefulset: Some("pg".into()),
        claims: vec![],
        deletion_ms: None,
    };
    let view = |time_ms| View {
        time_ms,
        pods: vec![pod("pg-0", false), pod("pg-1", false), pod("pg-2", true), pod("pg-3", true)],
        pvcs: vec![],
        statefulsets: vec![],
        nodes: vec![],
        apps: vec![AppView {
            name: "pg".into(),
            kind: "PrimaryReplica",
            members: vec![
                member("pg-0", None, false),
                member("pg-1", Some("replica"), true),
                member("pg-2", Some("replica"), true),
                member("pg-3", Some("replica"), true),
            ],
            leader: None,
            leader_lease_expires_ms: None,
        }],
        ..Default::default()
    };
    let mut operator = Failover::new(grace);
    let first = operator.reconcile(&view(100_000), &[]).unwrap();
    assert!(first.actions.is_empty(), "not before `after`");
    assert_eq!(first.requeue_after_ms, Some(30_000), "comes back when `after` elapses");
    let early = operator.reconcile(&view(129_999), &[]).unwrap();
    assert!(early.actions.is_empty(), "not a millisecond before");
    let due = operator.reconcile(&view(130_000), &[]).unwrap();
    assert_eq!(due.actions, [OperatorAction::Promote { name: "pg-2".into() }], "pg-1 is not Ready");
    let again = operator.reconcile(&view(200_000), &[]).unwrap();
    assert!(again.actions.is_empty(), "at most one promotion per lost primary");
}

/// Rule: without a failover, a lost primary stays lost: the same crash
/// leaves the database BROKEN until the node returns, and no one promotes.
#[test]
fn without_the_failover_operator_the_database_stays_broken() {
    let source = crate::support::scenario_file("operators/failover");
    let without: String =
        source.lines().filter(|l| !l.trim_start().starts_with("operators:")).collect::<Vec<_>>().join("\n");
    assert_ne!(source.lines().count(), without.lines().count(), "the operator line was removed");
    let (sim, report) = crate::support::run(&without);
    use stsim_core::apps::Health;
    assert_eq!(health_at(&sim, "12m"), Health::Broken);
    assert_eq!(health_at(&sim, "19m59s"), Health::Broken);
    assert!(trace_lines(&sim, "promoted").is_empty());
    assert_eq!(failed_expectations(&sim, &report), ["AppVerdict(pg at 12m: DEGRADED)"]);
}

/// Rule: promotion fences the old primary: when pg-0 comes back on its old
/// volume it rejoins as a replica of the new primary, so there is never a
/// second primary (no split brain).
#[test]
fn the_old_primary_rejoins_as_a_replica() {
    use stsim_core::apps::{Address, Health, ProcessState, Role};
    let (sim, _) = run_file("operators/failover");
    let app = &sim.world.apps.list[0];
    let roles: Vec<(String, Role)> = app
        .processes_in_order()
        .iter()
        .map(|p| &app.processes[p])
        .filter(|p| matches!(p.state, ProcessState::Member { .. }))
        .map(|p| (p.member.clone(), app.data_of(p).unwrap().role))
        .collect();
    assert_eq!(
        roles,
        [("pg-0".to_string(), Role::Replica), ("pg-1".into(), Role::Primary), ("pg-2".into(), Role::Replica)]
    );
    let pg0 = app.processes.values().find(|p| p.member == "pg-0").unwrap();
    let followed: Vec<(&str, &Address)> =
        app.data_of(pg0).unwrap().peers.iter().map(|(m, a)| (&**m, a)).collect();
    assert_eq!(followed, [("pg-1", &Address::Dns("pg-1.pg-svc.default.svc.cluster.local".into()))]);
    assert!(trace_lines(&sim, "split-brain").is_empty());
    let came_back = trace_lines(&sim, "pod/pg-0 what=\"started with its data");
    assert_eq!(came_back.len(), 1, "it started empty, then came back once: {came_back:?}");
    assert!(came_back[0].contains("a replica in cluster-1 that follows pg-1"), "{}", came_back[0]);
    assert_eq!(health_at(&sim, "30m"), Health::Healthy);
}

/// A test operator that asks for the given promotions once, at 5m.
struct PromoteAt5m(Vec<&'static str>);

impl stsim_core::operators::Operator for PromoteAt5m {
    fn name(&self) -> &str {
        "promoter"
    }
    fn reconcile(
        &mut self,
        view: &stsim_core::operators::View,
        _events: &[stsim_core::operators::WatchEvent],
    ) -> Result<stsim_core::operators::Reconciled, String> {
        use stsim_core::operators::{OperatorAction, Reconciled};
        if view.time_ms < 300_000 {
            return Ok(Reconciled { actions: vec![], requeue_after_ms: Some(300_000 - view.time_ms) });
        }
        let actions = std::mem::take(&mut self.0);
        Ok(Reconciled {
            actions: actions.into_iter().map(|name| OperatorAction::Promote { name: name.into() }).collect(),
            requeue_after_ms: None,
        })
    }
}

/// Rule: `Promote` applies only to a running replica; on the primary, a
/// pod that runs no member or a pod that does not exist it records why and
/// changes nothing (the run is otherwise identical to one without it).
#[test]
fn promote_on_a_pod_that_is_not_a_replica_changes_nothing() {
    let source = crate::support::scenario_file("operators/failover")
        .replace("Failover(after: \"30s\")", "Failover(after: \"1h\")");
    let run_with = |promotions: Vec<&'static str>| {
        let config = parse(&source);
        let sim = stsim_core::Simulation::with_operators(config, vec![Box::new(PromoteAt5m(promotions))]);
        stsim_core::finish(sim).0
    };
    let refused = run_with(vec!["pg-0", "pg-9"]);
    let lines = trace_lines(&refused, "refused");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("operator/promoter") && lines[0].contains("pg-0 is not a replica"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("no pod pg-9 exists"), "{}", lines[1]);
    assert!(trace_lines(&refused, "promoted").is_empty());
    let nothing = run_with(vec![]);
    let without_refusals = |sim: &stsim_core::Simulation| {
        sim.trace
            .render(&sim.world)
            .lines()
            .filter(|l| !l.contains("\trefused\t"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_refusals(&refused), without_refusals(&nothing));
    // A valid promotion through the same path does change things: the test can fail.
    let promoted = run_with(vec!["pg-2"]);
    assert_eq!(trace_lines(&promoted, "promoted to primary").len(), 1);
    assert_ne!(without_refusals(&promoted), without_refusals(&nothing));
}

/// A scenario file is data: an `External` operator starts only with the
/// user's consent, `stsim check` lists what it would run, and built-in
/// examples never name a program.
#[test]
fn a_scenario_runs_no_program_without_consent() {
    let dir = std::env::temp_dir().join(format!("stsim-consent-{}", std::process::id()));
    // An earlier run's directory under a reused process id would hold a
    // marker already.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("touched");
    let source = file("scenarios/operators/pvc-cleanup.ron").replace(
        "(operator: PvcCleanup(after: \"30s\"), reconcileDelay: \"1s\")",
        &format!("(operator: External(name: \"innocent\", command: [\"touch\", \"{}\"]))", marker.display()),
    );
    let path = dir.join("innocent.ron");
    std::fs::write(&path, source).unwrap();
    let path = path.display().to_string();
    for command in ["run", "explain", "test"] {
        let (status, out, err) = stsim(&[command, &path]);
        assert_eq!(status, ExitStatus::Error, "{command}: {out}{err}");
        assert!(!marker.exists(), "{command} started the program without consent");
        let text = format!("{out}{err}");
        assert!(text.contains(&format!("operator innocent runs `touch {}`", marker.display())), "{text}");
        assert!(text.contains("--allow-exec"), "{text}");
    }
    let (status, out, _) = stsim(&["check", &path]);
    assert_eq!(status, ExitStatus::Success);
    assert!(
        out.contains(&format!("runs a program: operator innocent runs `touch {}`", marker.display())),
        "{out}"
    );
    // With consent it runs (and fails the protocol: touch prints nothing and exits).
    let (status, _, err) = stsim(&["run", "--allow-exec", &path]);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert!(marker.exists(), "with --allow-exec the program ran");
    // A trusted-commands entry is consent for exactly that command in that directory.
    let config = parse(&std::fs::read_to_string(&path).unwrap().replace("\"touch\"", "\"true\""));
    let commands = stsim_cli::consent::commands(&config);
    let trusted = stsim_cli::consent::ExecPolicy {
        trusted: vec![commands[0].trust_line()],
        ..stsim_cli::consent::ExecPolicy::default()
    };
    assert!(trusted.check("x.ron", &config).is_ok());
    let mut other = config.clone();
    if let stsim_core::config::OperatorKind::External { command, .. } = &mut other.operators[0].kind {
        command.push("--and-more".into());
    }
    assert!(trusted.check("x.ron", &other).is_err(), "another command is not trusted");
    assert!(stsim_cli::simulate(other, &trusted).is_err(), "simulate asks too");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn built_in_examples_never_start_a_process() {
    for example in stsim_examples::EXAMPLES {
        let config = parse(example.source);
        assert!(stsim_cli::consent::commands(&config).is_empty(), "{} names a program", example.name);
    }
}

/// An operator that acts only on what its watch delivers, as
/// controller-runtime operators do: for each `Cache` it is told about, it
/// creates a headless Service and a StatefulSet of the custom resource's
/// size. It never asks to be requeued.
struct EventDriven {
    seen: std::rc::Rc<std::cell::RefCell<Vec<(u64, String)>>>,
}

impl stsim_core::operators::Operator for EventDriven {
    fn name(&self) -> &str {
        "cache-operator"
    }
    fn reconcile(
        &mut self,
        view: &stsim_core::operators::View,
        events: &[stsim_core::operators::WatchEvent],
    ) -> Result<stsim_core::operators::Reconciled, String> {
        use serde_json::json;
        use stsim_core::operators::OperatorAction::Create;
        let mut actions = Vec::new();
        for event in events {
            self.seen
                .borrow_mut()
                .push((event.time_ms, format!("{} {} {}", event.kind, event.object, event.name)));
            let exists =
                view.objects.stateful_sets.iter().any(|s| s["metadata"]["name"] == event.name.as_str());
            if event.object != "Cache" || exists {
                continue;
            }
            let cache =
                view.objects.custom_resources.iter().find(|c| c["metadata"]["name"] == event.name.as_str());
            let replicas = cache.and_then(|c| c["spec"]["replicas"].as_u64()).unwrap_or(1);
            let name = event.name.as_str();
            actions.push(Create {
                object: json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                               "spec": {"clusterIP": "None", "selector": {"app": name}}}),
            });
            actions.push(Create {
                object: json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
                    "spec": {"serviceName": name, "replicas": replicas,
                             "selector": {"matchLabels": {"app": name}},
                             "template": {"metadata": {"labels": {"app": name}},
                                          "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}}}),
            });
        }
        Ok(stsim_core::operators::Reconciled { actions, requeue_after_ms: None })
    }
}

/// An operator starts as controller-runtime's manager does: its informers
/// list what exists, every object arriving as ADDED, and it reconciles once
/// its reconcile delay is up, even when nothing in the cluster changes
/// after the start. Here nothing but the operator would ever write: the
/// scenario has only nodes and a custom resource, so without the initial
/// list the operator never runs and no pod ever exists.
#[test]
fn an_operator_lists_what_exists_when_it_starts() {
    let scenario = r#"Scenario(
        name: "operator-starts",
        seed: 1,
        duration: "10m",
        cluster: (nodePools: [(name: "worker", count: 3)]),
        images: [(name: "redis:7", pull: "1s", startup: "2s", shutdown: "1s")],
        customResourceDefinitions: [(group: "example.com", version: "v1", kind: "Cache",
            schema: {"type": "object", "properties": {"spec": {"type": "object",
                     "properties": {"replicas": {"type": "integer"}}}}})],
        customResources: [(kind: "Cache", name: "sessions", spec: {"replicas": 2})],
        operators: [(operator: PvcCleanup(after: "1h"), reconcileDelay: "2s", protocol: 2)],
    )"#;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let operator = EventDriven { seen: seen.clone() };
    let mut sim = stsim_core::Simulation::with_operators(parse(scenario), vec![Box::new(operator)]);
    sim.read_templates_with(stsim_scenario::read_pod_template);
    sim.run();
    let seen = seen.borrow();
    let listed: Vec<&str> = seen.iter().filter(|(at, _)| *at == 0).map(|(_, e)| e.as_str()).collect();
    assert!(listed.contains(&"ADDED Cache sessions"), "{listed:?}");
    assert!(listed.contains(&"ADDED Node worker-1"), "{listed:?}");
    let set =
        sim.world.statefulsets.iter().find(|s| s.name == "sessions").expect("the operator made its set");
    assert_eq!(set.status.ready_replicas, 2);
    // Made at the first reconcile, the reconcile delay after the start.
    let created = sim.world.pods.iter().find(|p| p.name == "sessions-0").unwrap().created_at;
    assert_eq!(created, stsim_core::time::SimTime::from_millis(2_000));
}

/// What operators see of the applications, refreshed in place from one
/// reconcile to the next (`apps::refresh_views`), is what a fresh list
/// gives, at every step of every shipped scenario with an application:
/// members renamed, scaled down and back, deleted and recreated, positions
/// moving. Debug builds also check each against the rule written plainly.
#[test]
fn application_views_kept_in_place_equal_fresh_ones_at_every_step() {
    // A set renamed to a name before its own: the new set's members and
    // the old ones still shutting down are listed by ordinal, then name.
    let renamed = r#"Scenario(name: "renamed-app", duration: "5m",
        images: [(name: "postgres:16", pull: "2s", startup: "3s", shutdown: "40s")],
        services: [(name: "pg", clusterIP: "None", selector: {"app": "pg"})],
        statefulsets: [(name: "web", serviceName: "pg", replicas: 3, podManagementPolicy: Parallel,
            app: PrimaryReplica(addressing: Dns),
            template: (labels: {"app": "pg"}, image: "postgres:16", terminationGracePeriodSeconds: 60),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
        timeline: [(at: "1m", do: RenameStatefulSet(statefulset: "web", to: "api"))])"#;
    let inputs = crate::support::shipped_scenarios()
        .into_iter()
        .map(|name| (name.clone(), crate::support::scenario_file(&name)))
        .chain([("renamed-app".to_string(), renamed.to_string())]);
    let mut looked = 0;
    for (name, source) in inputs {
        let config = parse(&source);
        if !config.statefulsets.iter().any(|s| s.app.is_some()) {
            continue;
        }
        let mut sim = stsim_core::Simulation::new(config);
        let mut kept = Vec::new();
        while sim.step() {
            let now = sim.now();
            stsim_core::apps::refresh_views(&sim.world, now, &mut kept);
            assert_eq!(kept, stsim_core::apps::views(&sim.world, now), "{name} at {now}");
            looked += 1;
        }
    }
    assert!(looked > 10_000, "{looked} steps looked at");
}

/// An operator that, once, sets a 200 kB annotation on a Service and
/// then patches it `patches` more times in the same answer.
struct Annotator {
    patches: usize,
    done: bool,
}

impl stsim_core::operators::Operator for Annotator {
    fn name(&self) -> &str {
        "annotator"
    }
    fn reconcile(
        &mut self,
        _view: &stsim_core::operators::View,
        _events: &[stsim_core::operators::WatchEvent],
    ) -> Result<stsim_core::operators::Reconciled, String> {
        use serde_json::json;
        use stsim_core::operators::OperatorAction::Patch;
        if std::mem::replace(&mut self.done, true) {
            return Ok(stsim_core::operators::Reconciled { actions: vec![], requeue_after_ms: None });
        }
        let patch = |key: &str, value: String| Patch {
            patch_type: Default::default(),
            kind: "Service".to_string(),
            name: "redis-svc".to_string(),
            patch: json!({"metadata": {"annotations": {key: value}}}),
            subresource: None,
        };
        let mut actions = vec![patch("example.com/big", "x".repeat(200_000))];
        actions.extend((0..self.patches).map(|i| patch("example.com/n", i.to_string())));
        Ok(stsim_core::operators::Reconciled { actions, requeue_after_ms: Some(1_000) })
    }
}

/// The results of one answer's writes carry each object written (and the
/// watch sends it again), so a small answer can ask for a request of
/// gigabytes: 400 patches of an object with a 200 kB annotation are 80 MB
/// of results. Past `MAX_RESULT_BYTES` the run stops with an error that
/// says so; 100 such patches (20 MB) run.
#[test]
fn an_answer_whose_results_would_outgrow_a_request_stops_the_run() {
    let scenario = r#"Scenario(name: "annotations", duration: "1m",
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        operators: [(operator: PvcCleanup(after: "1h"), reconcileDelay: "1s", protocol: 2)])"#;
    let run = |patches| {
        let operator = Annotator { patches, done: false };
        let mut sim = stsim_core::Simulation::with_operators(parse(scenario), vec![Box::new(operator)]);
        sim.run();
        sim
    };
    let failed = |sim: &stsim_core::Simulation| {
        sim.trace.records.iter().find_map(|r| match &r.event {
            stsim_core::trace::Event::OperatorFailed { message } => Some(message.to_string()),
            _ => None,
        })
    };
    let big = run(400);
    let message = failed(&big).expect("the run stops");
    assert!(
        message.contains("answer made 168 writes (of 401) whose results carry more than 32 MiB"),
        "{message}"
    );
    assert_eq!(failed(&run(100)), None);
}

/// A test operator that answers every wake by events with a status patch of
/// its custom resource: a new counter each time (`Hot`), the same status
/// each time (`Calm`), or a new custom resource each time, forty in all
/// (`Maker`), never rewriting one.
enum SelfWaking {
    Hot(u32),
    Calm,
    Maker(u32),
}

impl stsim_core::operators::Operator for SelfWaking {
    fn name(&self) -> &str {
        "self-waking"
    }
    fn reconcile(
        &mut self,
        _view: &stsim_core::operators::View,
        events: &[stsim_core::operators::WatchEvent],
    ) -> Result<stsim_core::operators::Reconciled, String> {
        use stsim_core::operators::{OperatorAction, Reconciled};
        let patch = |status: serde_json::Value| OperatorAction::Patch {
            patch_type: Default::default(),
            kind: "Cache".into(),
            name: "c".into(),
            patch: serde_json::json!({ "status": status }),
            subresource: Some("status".into()),
        };
        let actions = match self {
            _ if events.is_empty() => vec![],
            SelfWaking::Hot(n) => {
                *n += 1;
                vec![patch(serde_json::json!({ "reconciles": *n }))]
            }
            SelfWaking::Calm => vec![patch(serde_json::json!({ "ready": true }))],
            SelfWaking::Maker(n) if *n < 40 => {
                *n += 1;
                let object = serde_json::json!({
                    "apiVersion": "example.com/v1", "kind": "Cache",
                    "metadata": { "name": format!("part-{n}") }, "spec": {}
                });
                vec![OperatorAction::Create { object }]
            }
            SelfWaking::Maker(_) => vec![],
        };
        Ok(Reconciled { actions, requeue_after_ms: None })
    }
}

/// An operator whose own writes wake it, each reconcile writing its status
/// anew (the update-status, watch, reconcile loop), is a hot loop however
/// long its reconcile delay: a real work queue hands the key back as soon
/// as the event arrives. The run stops with an error that names it, after
/// `MAX_SELF_WOKEN_REWRITES` such reconciles. Writing the same status (a
/// write that changes nothing, which no watch sees) is no loop, and
/// neither is one object made a reconcile, each woken by the last create.
#[test]
fn an_operator_woken_only_by_its_own_rewrites_is_a_hot_loop() {
    let source = r#"Scenario(
    name: "self-waking",
    seed: 1,
    duration: "10m",
    cluster: (nodePools: [(name: "worker", count: 1)]),
    customResourceDefinitions: [(group: "example.com", version: "v1", kind: "Cache")],
    customResources: [(kind: "Cache", name: "c", spec: {"size": 1})],
    operators: [(operator: External(name: "self-waking", command: ["unused"]), reconcileDelay: "1s", protocol: 2)],
)"#;
    let run_with = |operator: SelfWaking| {
        let sim = stsim_core::Simulation::with_operators(parse(source), vec![Box::new(operator)]);
        stsim_core::finish(sim).0
    };
    let hot = run_with(SelfWaking::Hot(0));
    let failed = trace_lines(&hot, "own writes keep waking it");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("its last 20 reconciles") && failed[0].contains("cache/c again"),
        "{}",
        failed[0]
    );
    // Stopped at the 20th rewrite in a row: 21 writes of the counter (the
    // first starts the row), a second apart.
    let at = |line: &str| line.split('\t').next().unwrap().to_string();
    assert_eq!(at(&failed[0]), "21s", "{}", failed[0]);
    for calm in [SelfWaking::Calm, SelfWaking::Maker(0)] {
        let sim = run_with(calm);
        assert!(trace_lines(&sim, "own writes keep waking it").is_empty());
        assert!(trace_lines(&sim, "failed").is_empty());
    }
    let made = run_with(SelfWaking::Maker(0));
    assert_eq!(made.world.custom.objects.len(), 41, "forty made, one a reconcile");
}
