//! StatefulSet behaviour end to end, through the scenarios users run:
//! ordering, halting, parallelism, identity across re-creation, DNS.
//! Each test states the Kubernetes rule it checks.

use crate::support::{Log, run, run_file, t};
use stsim_core::objects::PodPhase;

fn names(list: &[(stsim_core::time::SimTime, String)]) -> Vec<&str> {
    list.iter().map(|(_, name)| name.as_str()).collect()
}

/// OrderedReady: pods are created 0, 1, 2, each only once the one before it
/// is Running and Ready.
#[test]
fn ordered_ready_creates_in_order_after_each_predecessor_is_ready() {
    let (sim, report) = run_file("redis-ordered-startup");
    let log = Log(&sim);
    let created = log.creations();
    assert_eq!(names(&created), ["redis-0", "redis-1", "redis-2"]);
    for pair in created.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        let ready = log.ready_after(&previous.1, previous.0).expect("the predecessor became Ready");
        assert_eq!(next.0, ready, "{} is created the instant {} is Ready", next.1, previous.1);
    }
    assert_eq!(log.claims_created(), ["data-redis-0", "data-redis-1", "data-redis-2"]);
    assert!(report.pvcs.iter().all(|c| c.status == "Bound"), "{:?}", report.pvcs);
    assert_eq!(
        report.dns.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        [
            "redis-0.redis-svc.default.svc.cluster.local",
            "redis-1.redis-svc.default.svc.cluster.local",
            "redis-2.redis-svc.default.svc.cluster.local",
        ]
    );
}

/// Parallel: every pod is created at once; nobody waits for Ready.
#[test]
fn parallel_creates_every_pod_at_once() {
    let (sim, report) = run_file("redis-parallel-startup");
    let created = Log(&sim).creations();
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|(at, _)| *at == t("0s")), "{created:?}");
    assert!(report.pods.iter().all(|p| p.state.ready == "1/1"));
    // Three times faster than OrderedReady with the same timings.
    let (ordered, _) = run_file("redis-ordered-startup");
    let last_ready = |sim| {
        let log = Log(sim);
        ["redis-0", "redis-1", "redis-2"].iter().filter_map(|p| log.ready_after(p, t("0s"))).max().unwrap()
    };
    assert!(last_ready(&sim).as_millis() * 2 < last_ready(&ordered).as_millis());
}

/// OrderedReady halts while a lower ordinal is not Ready, and resumes when
/// it is; scale-down removes the highest ordinal first, each once the one
/// above it is gone.
#[test]
fn ordered_ready_halts_while_a_pod_is_unready_and_scales_down_in_reverse() {
    let (sim, _) = run_file("ordered-ready-halts-on-unready-pod");
    let log = Log(&sim);
    // The probe fails from 1m: three failures, 10 s apart, mark it not Ready.
    let readiness = log.readiness("redis-0");
    let unready_at = readiness.iter().find(|(_, ready)| !ready).expect("redis-0 stops being Ready").0;
    assert!(unready_at > t("1m") && unready_at <= t("1m30s"), "not Ready at {unready_at}");
    let ready_again = log.ready_after("redis-0", t("4m")).expect("redis-0 is Ready again");
    assert!(ready_again <= t("4m10s"), "Ready again at {ready_again}");

    let created = log.creations();
    assert_eq!(names(&created), ["redis-0", "redis-1", "redis-2"]);
    // Scaled to 3 at 2m, but redis-1 waits for redis-0.
    assert_eq!(created[1].0, ready_again, "redis-1 is created when redis-0 is Ready again, not at 2m");

    // Scale to 0 at 7m: 2, then 1, then 0, each after the one above is gone.
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-1", "redis-0"]);
    assert!(deleted[0].0 >= t("7m"));
    for pair in deleted.windows(2) {
        let gone = *log.removals(&pair[0].1).last().expect("removed");
        assert_eq!(pair[1].0, gone, "{} is deleted the instant {} is gone", pair[1].1, pair[0].1);
    }
    assert_eq!(sim.world.live_pvcs().count(), 3, "scale-down keeps the claims");
}

/// OrderedReady does not scale down while any pod is unhealthy (except
/// that the first unhealthy pod itself may go).
#[test]
fn ordered_ready_scale_down_waits_for_an_unhealthy_pod() {
    let source = r#"Scenario(
        name: "scale-down-blocked",
        duration: "10m",
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        statefulsets: [(
            name: "redis", serviceName: "redis-svc", replicas: 3,
            template: (labels: {"app": "redis"}, image: "redis:7.0", readinessProbe: ()),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")],
        )],
        timeline: [
            (at: "2m", do: SetReady(pod: "redis-0", ready: false)),
            (at: "3m", do: Scale(statefulset: "redis", replicas: 1)),
            (at: "5m", do: SetReady(pod: "redis-0", ready: true)),
        ],
    )"#;
    let (sim, _) = run(source);
    let log = Log(&sim);
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-1"]);
    let ready_again = log.ready_after("redis-0", t("5m")).expect("ready again");
    assert_eq!(deleted[0].0, ready_again, "nothing is deleted while redis-0 is unhealthy");
}

/// A deleted pod comes back with the same name and claim but a new IP;
/// a force-deleted one is replaced at once.
#[test]
fn a_deleted_pod_returns_with_its_name_and_claim_but_a_new_ip() {
    let (sim, report) = run_file("pod-deleted-comes-back");
    let log = Log(&sim);
    let incarnations: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "redis-1").collect();
    assert_eq!(incarnations.len(), 2, "redis-1 was re-created once");
    let (old, new) = (incarnations[0], incarnations[1]);
    assert_ne!(old.uid, new.uid);
    assert_eq!(old.claims, new.claims);
    assert_eq!(old.claims, ["data-redis-1"]);
    assert_ne!(old.status.pod_ip, new.status.pod_ip, "the new pod has a new IP");
    assert_eq!(sim.world.pvcs.iter().filter(|c| c.name == "data-redis-1").count(), 1, "one claim, reused");
    // Graceful: the replacement waits for the old object to go (5 s shutdown).
    let removed = log.removals("redis-1")[0];
    assert_eq!(removed, t("2m5s"));
    let recreated = log.creations().into_iter().filter(|(_, n)| n == "redis-1").nth(1).unwrap().0;
    assert_eq!(recreated, removed);
    // Forced: replaced in the same instant.
    let recreated = log.creations().into_iter().filter(|(_, n)| n == "redis-2").nth(1).unwrap().0;
    assert_eq!(recreated, t("3m"));
    assert!(report.pods.iter().all(|p| p.state.ready == "1/1"));
    assert_eq!(new.status.phase, PodPhase::Running);
}

/// A pod's DNS record exists only while it is Ready and not terminating.
#[test]
fn dns_records_follow_readiness() {
    let (sim, _) = run_file("ordered-ready-halts-on-unready-pod");
    let log = Log(&sim);
    let fqdn = "redis-0.redis-svc.default.svc.cluster.local";
    let dns = log.dns(fqdn);
    let readiness = log.readiness("redis-0");
    let changes: Vec<(stsim_core::time::SimTime, bool)> = dns.iter().map(|(at, up, _)| (*at, *up)).collect();
    // Published when Ready, withdrawn when not, again when Ready, withdrawn on deletion.
    assert_eq!(changes.len(), 4, "{dns:?}");
    assert_eq!(&changes[..3], &readiness[..3], "records follow the Ready condition exactly");
    let deleted = log.deletions().into_iter().find(|(_, n)| n == "redis-0").unwrap().0;
    assert_eq!(changes[3], (deleted, false), "withdrawn as soon as the pod terminates");

    let (sim, _) = run_file("pod-deleted-comes-back");
    let dns = Log(&sim).dns("redis-1.redis-svc.default.svc.cluster.local");
    let ips: Vec<&str> = dns.iter().filter(|(_, up, _)| *up).map(|(_, _, ip)| ip.as_str()).collect();
    assert_eq!(ips.len(), 2);
    assert_ne!(ips[0], ips[1], "the record comes back with the new IP");
}

/// Without a readiness probe a pod is Ready once its container runs;
/// with `publishNotReadyAddresses` its record appears before it is Ready.
#[test]
fn publish_not_ready_addresses_publishes_before_ready() {
    let source = |publish: bool| {
        format!(
            r#"Scenario(
            name: "pnra",
            duration: "2m",
            services: [(name: "db", selector: {{"app": "db"}}, publishNotReadyAddresses: {publish})],
            statefulsets: [(
                name: "db", serviceName: "db", replicas: 1,
                template: (labels: {{"app": "db"}}, image: "postgres:16", readinessProbe: (initialDelaySeconds: 30)),
            )],
        )"#
        )
    };
    let fqdn = "db-0.db.default.svc.cluster.local";
    let (sim, _) = run(&source(false));
    let log = Log(&sim);
    let ready = log.ready_after("db-0", t("0s")).unwrap();
    assert_eq!(log.dns(fqdn)[0].0, ready);
    let (sim, _) = run(&source(true));
    let log = Log(&sim);
    let published = log.dns(fqdn)[0].0;
    assert!(published < log.ready_after("db-0", t("0s")).unwrap(), "published before Ready");
}

/// `Stop` ends the run where it stands; the report says so.
#[test]
fn stop_ends_the_run_early() {
    let source = r#"Scenario(
        name: "stop",
        duration: "1h",
        services: [(name: "svc", selector: {"app": "db"})],
        statefulsets: [(name: "db", serviceName: "svc", replicas: 2, template: (labels: {"app": "db"}, image: "postgres:16"))],
        timeline: [(at: "90s", do: Stop)],
    )"#;
    let (sim, report) = run(source);
    assert_eq!(report.end_reason, "stopped");
    assert_eq!(report.ended_at_ms, 90_000);
    assert!(sim.trace.records.iter().all(|r| r.at <= t("90s")));
}

/// A scripted action on a pod that does not exist says so, and changes nothing.
#[test]
fn deleting_a_missing_pod_is_reported_not_fatal() {
    let source = r#"Scenario(
        name: "missing",
        duration: "2m",
        services: [(name: "svc", selector: {"app": "db"})],
        statefulsets: [(name: "db", serviceName: "svc", replicas: 1, template: (labels: {"app": "db"}, image: "postgres:16"))],
        timeline: [(at: "1m", do: DeletePod(pod: "db-5"))],
    )"#;
    let (_, report) = run(source);
    assert!(report.timeline.iter().any(|row| row.name == "pod/db-5" && row.what == "not found"));
    assert_eq!(report.pods.len(), 1);
}

/// A timeline entry can wait for an event: it runs once, `after` the first
/// time the event happens.
#[test]
fn triggered_actions_run_once_after_their_event() {
    let source = r#"Scenario(
        name: "trigger",
        duration: "10m",
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        statefulsets: [(name: "redis", serviceName: "redis-svc", replicas: 3,
            template: (labels: {"app": "redis"}, image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)))],
        timeline: [
            (when: PodReady(pod: "redis-2"), after: "10s", do: DeletePod(pod: "redis-0")),
            (when: PodDeleted(pod: "redis-0"), do: Scale(statefulset: "redis", replicas: 4)),
        ],
        expect: [Settled(statefulset: "redis", within: "2m")],
    )"#;
    let config = crate::support::parse(source);
    assert_eq!((config.timeline.len(), config.triggers.len()), (0, 2));
    let (sim, report) = stsim_core::run(config);
    let log = Log(&sim);
    let ready = log.ready_after("redis-2", t("0s")).unwrap();
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-0"], "once, although redis-2 could be Ready again");
    assert_eq!(deleted[0].0, ready + stsim_core::time::SimDuration::from_secs(10));
    // The scale fired the instant redis-0 was gone; redis-3 comes after redis-0 is back.
    let gone = log.removals("redis-0")[0];
    let scaled = sim
        .trace
        .records
        .iter()
        .find(|r| matches!(r.event, stsim_core::trace::Event::StatefulSetScaled { .. }))
        .unwrap();
    assert_eq!(scaled.at, gone);
    assert_eq!(report.pods.len(), 4);
    assert!(stsim_core::expect::check(&sim, &report).iter().all(|v| v.passed));
}

/// An entry runs at a time or on an event, not both; `after` needs `when`.
#[test]
fn timeline_entries_need_at_or_when() {
    let base = |entry: &str| {
        format!(
            r#"Scenario(name: "t", services: [(name: "s", selector: {{"app": "a"}})],
            statefulsets: [(name: "a", serviceName: "s", template: (labels: {{"app": "a"}}, image: "x"))],
            timeline: [{entry}])"#
        )
    };
    for (entry, phrase) in [
        (r#"(do: Stop)"#, "either `at` a time or `when`"),
        (r#"(at: "1m", when: PodReady(pod: "a-0"), do: Stop)"#, "either `at` a time or `when`"),
        (r#"(at: "1m", after: "5s", do: Stop)"#, "`after` goes with `when`"),
        (r#"(when: PodReady(pod: "b-0"), do: Stop)"#, "no StatefulSet named `b`"),
    ] {
        let errors = stsim_scenario::parse_scenario(&base(entry), "t.ron").expect_err(entry);
        assert!(errors.iter().any(|e| e.message.contains(phrase)), "{entry}: {errors:?}");
    }
}

/// A node turning NotReady can trigger an action: here the operator's
/// runbook step, delete the Node object, 1 minute after it happens.
#[test]
fn a_node_going_not_ready_can_trigger_an_action() {
    let source = r#"Scenario(
        name: "node-trigger",
        duration: "20m",
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        statefulsets: [(name: "redis", serviceName: "redis-svc", replicas: 1,
            template: (labels: {"app": "redis"}, image: "redis:7.0"),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
        timeline: [
            (at: "2m", do: CrashNode(node: "worker-1")),
            (when: NodeNotReady(node: "worker-1"), after: "1m", do: DeleteNode(node: "worker-1")),
        ],
    )"#;
    let config = crate::support::parse(source);
    let (sim, _) = stsim_core::run(config);
    let not_ready = sim
        .trace
        .records
        .iter()
        .find(|r| matches!(r.event, stsim_core::trace::Event::NodeCondition { .. }))
        .expect("the node's condition changed")
        .at;
    let deleted = sim
        .trace
        .records
        .iter()
        .find(|r| matches!(r.event, stsim_core::trace::Event::NodeRemoved { .. }))
        .expect("the node was deleted")
        .at;
    assert_eq!(deleted, not_ready + stsim_core::time::SimDuration::from_mins(1));
}

/// A pod re-created on the node that still has its volume attached keeps
/// the attachment: the attach/detach reconciler looks again a loop (100 ms)
/// after the old pod goes, by when the replacement wants the volume there.
#[test]
fn a_replacement_on_the_same_node_keeps_its_volume_attached() {
    let (sim, _) = run_file("pod-deleted-comes-back");
    let log = Log(&sim);
    let old = sim.world.pods.iter().find(|p| p.name == "redis-1").unwrap();
    let new = sim.world.pods.iter().filter(|p| p.name == "redis-1").nth(1).unwrap();
    assert_eq!(old.node, new.node, "the scheduler put it back on the same node");
    let detached = sim
        .trace
        .records
        .iter()
        .any(|r| r.at >= t("2m") && matches!(r.event, stsim_core::trace::Event::VolumeDetaching { .. }));
    assert!(!detached, "no detach and re-attach for a pod that comes back to the same node");
    // Back Ready soon after it is re-created: the pull and the probe, no attach.
    let recreated = log.removals("redis-1")[0];
    assert!(
        log.ready_after("redis-1", recreated).unwrap()
            <= recreated + stsim_core::time::SimDuration::from_secs(10)
    );
}

/// A pod the set does not own, holding one of its pods' names, blocks that
/// pod: the API server refuses the create (AlreadyExists), no event says
/// so, and the controller retries on its back-off. The report names the
/// holder; once the holder is gone it says the set waits for its retry,
/// and once the set has its pod, nothing.
#[test]
fn a_pod_holding_a_sets_pod_name_is_a_finding() {
    let scenario = |duration: &str, delete: &str| {
        format!(
            r#"Scenario(name: "taken", seed: 1, duration: "{duration}",
            services: [(name: "web", clusterIP: "None", selector: {{"app": "web"}})],
            statefulsets: [(name: "web", serviceName: "web", replicas: 1,
                template: (labels: {{"app": "web"}}, image: "nginx"))],
            timeline: [
                (at: "10s", do: CreatePod(name: "web-1", template: (labels: {{"app": "other"}}, image: "nginx"))),
                (at: "20s", do: Scale(statefulset: "web", replicas: 3)),
                {delete}
            ])"#
        )
    };
    let taken = |duration: &str, delete: &str| {
        let (sim, report) = run(&scenario(duration, delete));
        let found: Vec<(String, u64, String)> = (report.findings.iter())
            .filter(|f| f.id == "pod-name-taken")
            .map(|f| (f.subject.clone(), f.since_ms, f.explanation.clone()))
            .collect();
        (sim, found)
    };
    let (sim, found) = taken("20m", "");
    assert_eq!(sim.world.live_pods().filter(|p| p.owner.is_some()).count(), 1, "web-1 and web-2 never made");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("statefulset/web", 20_000));
    assert!(found[0].2.contains("Pod web-1 (labels app=other"), "{}", found[0].2);
    // Deleted at 10m (gone 30 s later): nothing wakes the controller until
    // its back-off is up, at 11m15s.
    let (_, found) = taken("11m", r#"(at: "10m", do: DeletePod(pod: "web-1")),"#);
    assert!(found[0].2.contains("The pod that held the name is gone"), "{found:?}");
    let (sim, found) = taken("40m", r#"(at: "10m", do: DeletePod(pod: "web-1")),"#);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(sim.world.live_pods().filter(|p| p.owner.is_some()).count(), 3);
}

/// The controller keeps each pod's identity label: a pod whose
/// `statefulset.kubernetes.io/pod-name` label someone removed or changed
/// gets it back at the set's next sync (`identityMatches`,
/// `updateIdentity`), so a per-pod Service that selects on it keeps its
/// endpoint.
#[test]
fn the_pod_name_label_is_restored() {
    for patch in [
        r#"removeLabels: ["statefulset.kubernetes.io/pod-name"]"#,
        r#"labels: {"statefulset.kubernetes.io/pod-name": "bogus"}"#,
    ] {
        let source = format!(
            r#"Scenario(name: "identity", seed: 1, duration: "3m",
            services: [
                (name: "web", clusterIP: "None", selector: {{"app": "web"}}),
                (name: "web-1-only", clusterIP: "None", selector: {{"statefulset.kubernetes.io/pod-name": "web-1"}}),
            ],
            statefulsets: [(name: "web", serviceName: "web", replicas: 2,
                template: (labels: {{"app": "web"}}, image: "nginx"))],
            timeline: [(at: "1m", do: PatchPod(pod: "web-1", {patch}))],
            expect: [DnsResolves(name: "web-1-only.default.svc.cluster.local", at: "2m", resolves: true)])"#
        );
        let (sim, report) = run(&source);
        let pod = sim.world.pod(sim.world.pod_named("web-1").expect("web-1"));
        assert_eq!(pod.labels.get("statefulset.kubernetes.io/pod-name").map(String::as_str), Some("web-1"));
        assert_eq!(pod.labels.get("apps.kubernetes.io/pod-index").map(String::as_str), Some("1"), "{patch}");
        let checked = stsim_core::expect::check(&sim, &report);
        assert!(
            checked.iter().all(|e| e.passed),
            "{patch}: {:?}",
            checked.iter().map(|e| &e.actual).collect::<Vec<_>>()
        );
        // `UpdateStatefulPod` says so, once.
        assert_eq!(
            successful_updates(&sim),
            [(60_000, "update Pod web-1 in StatefulSet web successful".to_string())],
            "{patch}"
        );
    }
}

/// The StatefulSet controller's `SuccessfulUpdate` events: when, and what.
fn successful_updates(sim: &stsim_core::Simulation) -> Vec<(u64, String)> {
    (stsim_render::events::collect(sim).into_iter())
        .filter(|e| e.reason == "SuccessfulUpdate")
        .map(|e| (e.at_ms, e.message.to_string()))
        .collect()
}

/// A retention policy changed under running pods: `processReplica` finds
/// each in-range pod's claims at odds with it and updates the pod (one
/// `SuccessfulUpdate` each, however many claims). Claims given owners when
/// their pod is made, or a condemned pod's claims given the pod as owner,
/// are not updates of a pod (`UpdatePodClaimForRetentionPolicy` alone).
#[test]
fn a_retention_policy_change_updates_each_pod_once() {
    let source = |policy: &str, change: &str| {
        format!(
            r#"Scenario(name: "retention", seed: 1, duration: "30m",
            services: [(name: "web", clusterIP: "None", selector: {{"app": "web"}})],
            statefulsets: [(name: "web", serviceName: "web", replicas: 3, {policy}
                template: (labels: {{"app": "web"}}, image: "nginx"),
                volumeClaimTemplates: [(name: "data", storage: "1Gi"), (name: "logs", storage: "1Gi")])],
            timeline: [{change}(at: "20m", do: Scale(statefulset: "web", replicas: 2))])"#
        )
    };
    // From the start, then scaled down: no update of a pod.
    let policy = "persistentVolumeClaimRetentionPolicy: (whenDeleted: Delete, whenScaled: Delete),";
    let (sim, _) = run(&source(policy, ""));
    assert!(
        sim.trace
            .records
            .iter()
            .any(|r| matches!(r.event, stsim_core::trace::Event::PvcOwnersUpdated { .. }))
    );
    assert_eq!(successful_updates(&sim), []);
    // Set at 10m: each of the three pods, once, though each has two claims.
    let change = r#"(at: "10m", do: UpdateStatefulSet(statefulset: "web",
        persistentVolumeClaimRetentionPolicy: (whenDeleted: Delete, whenScaled: Delete))),"#;
    let (sim, _) = run(&source("", change));
    let said = |pod: &str| (600_000, format!("update Pod {pod} in StatefulSet web successful"));
    assert_eq!(successful_updates(&sim), [said("web-0"), said("web-1"), said("web-2")]);
}
