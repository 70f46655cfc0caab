//! The expectations that say what Kubernetes' own tests assert: the state of
//! a pod, a StatefulSet's status, a claim, at a time; a pod not created; an
//! update refused; a DNS answer through the cache. Each must pass when it
//! holds and fail, saying what happened, when it does not.

use crate::support::{parse, run, scenario_file};

/// The verdicts of `source`'s expectations: (passed, expected, actual).
fn verdicts(source: &str) -> Vec<(bool, String, String)> {
    let (sim, report) = run(source);
    stsim_core::expect::check(&sim, &report).into_iter().map(|v| (v.passed, v.expected, v.actual)).collect()
}

/// `ondelete-update` with its expectations replaced by `expect`.
fn ondelete_with(expect: &str) -> String {
    let source = scenario_file("ondelete-update");
    let start = source.find("    expect: [").unwrap();
    format!("{}    expect: [{expect}],\n)\n", &source[..start])
}

#[test]
fn pod_state_checks_each_field_given_and_names_the_wrong_ones() {
    let ok = verdicts(&ondelete_with(
        r#"PodState(pod: "redis-2", at: "5m", phase: Running, ready: true, node: "worker-2", zone: "us-east-1b",
                    ip: "10.244.1.3", image: "redis:7.2", updated: true, restarts: 0)"#,
    ));
    assert!(ok[0].0, "{ok:?}");
    let wrong = verdicts(&ondelete_with(
        r#"PodState(pod: "redis-2", at: "4m5s", phase: Running, ready: true, node: "worker-2", image: "redis:7.2")"#,
    ));
    let (passed, expected, actual) = &wrong[0];
    assert!(!passed);
    assert_eq!(
        expected,
        "redis-2 at 4m5s: exists true, phase Running, ready true, node worker-2, image redis:7.2"
    );
    // The new pod exists, on its node, but is still starting.
    assert_eq!(actual, "redis-2 at 4m5s: phase Pending (expected Running), ready false (expected true)");
    // Between the old pod's removal and the new one's creation there is none.
    let gone = verdicts(&ondelete_with(r#"PodState(pod: "redis-2", at: "4m1s", exists: false)"#));
    assert!(!gone[0].0, "re-created in the same instant: {gone:?}");
    let before =
        verdicts(&ondelete_with(r#"PodState(pod: "redis-2", at: "4m", exists: true, updated: false)"#));
    assert!(before[0].0, "{before:?}");
}

#[test]
fn statefulset_status_reads_the_status_at_the_time() {
    let v = verdicts(&ondelete_with(
        r#"StatefulSetStatus(statefulset: "redis", at: "3m", replicas: 3, readyReplicas: 3, updatedReplicas: 0, currentRevisionIsUpdateRevision: false),
           StatefulSetStatus(statefulset: "redis", at: "1m", currentRevisionIsUpdateRevision: true),
           StatefulSetStatus(statefulset: "redis", at: "4m30s", updatedReplicas: 3)"#,
    ));
    assert!(v[0].0 && v[1].0, "{v:?}");
    assert!(!v[2].0);
    assert_eq!(v[2].2, "redis at 4m30s: updatedReplicas 1 (expected 3)");
}

#[test]
fn claim_state_pod_not_created_and_update_refused() {
    let v = verdicts(&ondelete_with(
        r#"ClaimState(claim: "data-redis-0", at: "1m", bound: true, owners: [], terminating: false),
           ClaimState(claim: "data-redis-9", at: "1m", exists: false),
           ClaimState(claim: "data-redis-9", at: "1m", bound: true),
           PodNotCreated(pod: "redis-2", from: "1m", to: "3m"),
           PodNotCreated(pod: "redis-2", from: "3m", to: "5m"),
           UpdateRefused(statefulset: "redis", message: "Forbidden")"#,
    ));
    assert!(v[0].0 && v[1].0 && v[3].0, "{v:?}");
    assert_eq!(v[2].2, "data-redis-9 at 1m: exists false (expected true)");
    assert!(!v[4].0);
    assert_eq!(v[4].2, "redis-2 was created at 4m1s");
    assert!(!v[5].0);
    assert_eq!(v[5].2, "no update of redis was refused");
    // With an update the API server refuses, its message.
    let source = ondelete_with(r#"UpdateRefused(statefulset: "redis", message: "updates to statefulset spec for fields other than")"#)
        .replace(
            "(at: \"4m\", do: DeletePod(pod: \"redis-2\")),",
            "(at: \"4m\", do: DeletePod(pod: \"redis-2\")),\n        (at: \"6m\", do: UpdateStatefulSet(statefulset: \"redis\", serviceName: \"other\")),",
        );
    assert!(verdicts(&source)[0].0, "{:?}", verdicts(&source));
}

/// The authoritative record and what a client gets differ while a denial
/// is cached: `primary-claim-recreated` asks both at 10m25s.
#[test]
fn dns_answer_is_what_a_client_gets_through_the_cache() {
    let source = scenario_file("primary-claim-recreated");
    let v = verdicts(&source);
    assert!(v.iter().all(|(passed, ..)| *passed), "{v:?}");
    let wrong = source.replace(
        r#"DnsAnswer(name: "pg-0.pg-svc.default.svc.cluster.local", at: "10m25s", resolves: false)"#,
        r#"DnsAnswer(name: "pg-0.pg-svc.default.svc.cluster.local", at: "10m25s", ip: "10.244.0.3")"#,
    );
    let v = verdicts(&wrong);
    let failed: Vec<_> = v.iter().filter(|(passed, ..)| !passed).collect();
    assert_eq!(failed.len(), 1, "{v:?}");
    assert_eq!(
        failed[0].2,
        "pg-0.pg-svc.default.svc.cluster.local answered NXDOMAIN at 10m25s, from the cache (cached at 10m, until 10m30s); \
         the published record: 10.244.0.3"
    );
}

#[test]
fn settled_for_on_delete_needs_ready_replicas_not_the_new_revision() {
    let v = verdicts(&ondelete_with(r#"Settled(statefulset: "redis", within: "1m")"#));
    assert!(v[0].0, "{v:?}");
    assert!(v[0].1.contains("OnDelete, so at any revision"), "{}", v[0].1);
    // ... while only one of three pods is at the update revision, and
    // currentRevision never moves: the RollingUpdate definition would fail.
    let v = verdicts(&ondelete_with(
        r#"StatefulSetStatus(statefulset: "redis", at: "10m", updatedReplicas: 1, currentRevisionIsUpdateRevision: false)"#,
    ));
    assert!(v[0].0, "{v:?}");
    let rolling = ondelete_with(r#"Settled(statefulset: "redis", within: "1m")"#)
        .replace("updateStrategy: OnDelete,", "updateStrategy: RollingUpdate(),");
    let v = verdicts(&rolling);
    assert!(v[0].1.contains("Running, Ready and updated"), "{v:?}");
}

#[test]
fn malformed_state_expectations_are_refused_with_their_place() {
    let bad = ondelete_with(
        r#"DnsAnswer(name: "x", at: "1m"), PodState(pod: "redis-0", at: "1m", ip: "10.244.1"),
           PodNotCreated(pod: "redis-0", from: "5m", to: "1m"), ClaimState(claim: "c", at: "1m", owners: ["web"])"#,
    );
    let errors = stsim_scenario::parse_scenario(&bad, "bad.ron").unwrap_err();
    let messages: Vec<String> = errors.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert!(
        messages[0]
            .starts_with("missing-field expect[0]: Required value: give `resolves`, `ip` or `answers`"),
        "{messages:?}"
    );
    assert!(messages[1].contains("expect[1].ip: Invalid value: \"10.244.1\""), "{messages:?}");
    assert!(
        messages[2].contains("expect[2].to: Invalid value: \"1m\": must not be before `from`"),
        "{messages:?}"
    );
    assert!(messages[3].contains("expect[3].owners[0]: Invalid value: \"web\""), "{messages:?}");
    let _ = parse;
}

/// A check judges each expectation without its trace context first and
/// shows the context only for those that failed: what `passed` (a sweep's
/// count) says must be what `check` says, a failure must still show the
/// records around it, and a pass none, whichever kinds are mixed.
#[test]
fn only_failed_expectations_show_context_and_sweeps_count_the_same() {
    let source = ondelete_with(
        r#"PodState(pod: "redis-2", at: "5m", phase: Running),
           PodState(pod: "redis-2", at: "4m5s", phase: Running),
           StatefulSetStatus(statefulset: "redis", at: "4m30s", updatedReplicas: 3),
           StatefulSetStatus(statefulset: "redis", at: "3m", replicas: 3),
           PodReadyBy(pod: "redis-0", by: "1m"),
           PodReadyBy(pod: "redis-0", by: "1s"),
           NoFindings"#,
    );
    let (sim, report) = run(&source);
    let checked = stsim_core::expect::check(&sim, &report);
    let counted = stsim_core::expect::passed(&sim, &report);
    let passed: Vec<bool> = checked.iter().map(|v| v.passed).collect();
    assert_eq!(passed, counted);
    assert_eq!(passed, [true, false, false, true, true, false, true], "{checked:#?}");
    for verdict in &checked {
        assert_eq!(verdict.passed, verdict.context.is_empty(), "{verdict:#?}");
    }
    // The failed pod check shows the pod's own records, up to its time.
    let context = &checked[1].context;
    assert!(context.iter().all(|line| line.contains("pod/redis-2")), "{context:#?}");
}

/// The answers of a Service's SRV name are logged as they change, once
/// per name however many expectations ask about it: the same question
/// twice gets the same answer, and a later one sees the members that
/// became endpoints since.
#[test]
fn service_answers_follow_the_endpoints_whoever_asks_and_how_often() {
    let source = scenario_file("etcd-srv-discovery");
    let start = source.find("    expect: [").unwrap();
    let srv = |set: &str| format!("_etcd-server._tcp.{set}.default.svc.cluster.local");
    let target = |pod: &str| format!("{pod}.ordered.default.svc.cluster.local:2380");
    let expect = format!(
        r#"DnsAnswer(name: "{ordered}", at: "17s", answers: ["{zero}"]),
           DnsAnswer(name: "{ordered}", at: "17s", answers: ["{zero}"]),
           DnsAnswer(name: "{ordered}", at: "5m", answers: ["{zero}", "{one}", "{two}"]),
           DnsAnswer(name: "{hidden}", at: "5m", resolves: false),
           DnsAnswer(name: "{ordered}", at: "5m", answers: ["{zero}"])"#,
        ordered = srv("ordered"),
        hidden = srv("hidden"),
        zero = target("ordered-0"),
        one = target("ordered-1"),
        two = target("ordered-2"),
    );
    let v = verdicts(&format!("{}    expect: [{expect}],\n)\n", &source[..start]));
    let passed: Vec<bool> = v.iter().map(|(passed, ..)| *passed).collect();
    assert_eq!(passed, [true, true, true, true, false], "{v:?}");
    assert_eq!(
        v[4].2,
        format!(
            "{} answered {}, {}, {} at 5m, from the endpoints published then",
            srv("ordered"),
            target("ordered-0"),
            target("ordered-1"),
            target("ordered-2")
        )
    );
}
