//! When a Pending pod is tried again: kube-scheduler's scheduling queue.
//! An assigned pod added or relabelled moves the waiting pods the
//! rejecting plugins' queueing hints say it could help (InterPodAffinity,
//! PodTopologySpread), by release; a pod no event moves is retried by the
//! leftover flush once it has waited longer than
//! `podMaxInUnschedulablePodsDuration`, on the flush's 30 s grid. Each test
//! states the rule it checks (pkg/scheduler/backend/queue).

use crate::support::{run, t};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// When the named pod was bound, if it was.
fn scheduled(sim: &Simulation, name: &str) -> Option<SimTime> {
    let pod = sim.world.pod_named(name)?;
    sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodScheduled { pod: p, .. } if p == pod => Some(r.at),
        _ => None,
    })
}

/// `web` (one replica) must share a node with a pod labelled
/// `app: cache` (required pod affinity by hostname). `cache` has
/// `replicas` pods labelled `cache_labels`; `timeline` follows.
fn affinity_scenario(version: &str, replicas: u32, cache_labels: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "affinity-retry",
    duration: "3m",
    kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "pool", count: 2, zones: ["zone-a"])]),
    services: [(name: "web", selector: {{"app": "web"}}), (name: "cache", selector: {{"role": "cache"}})],
    statefulsets: [
        (name: "web", serviceName: "web", replicas: 1,
            template: (image: "nginx", labels: {{"app": "web"}},
                affinity: (podAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {{"app": "cache"}}), topologyKey: "kubernetes.io/hostname"),
                ])))),
        (name: "cache", serviceName: "cache", replicas: {replicas},
            template: (image: "redis", labels: {cache_labels})),
    ],
    timeline: [{timeline}],
)"#
    )
}

/// InterPodAffinity's queueing hint for an assigned pod's add: the pod
/// that matches all of `web-0`'s required affinity terms is bound, and
/// `web-0` is tried again in that instant (with the hints, 1.36; and
/// through the queue's pre-filter on a required term, 1.31). Before,
/// nothing moved it: no room, volume or node changed.
#[test]
fn a_pod_waiting_for_its_affinity_peer_goes_in_when_the_peer_is_placed() {
    for version in ["1.36", "1.31"] {
        let timeline = r#"(at: "1m", do: Scale(statefulset: "cache", replicas: 1))"#;
        let source = affinity_scenario(version, 0, r#"{"role": "cache", "app": "cache"}"#, timeline);
        let (sim, _) = run(&source);
        let cache = scheduled(&sim, "cache-0").expect("cache-0 is placed");
        assert!(cache >= t("1m"), "{version}");
        assert_eq!(scheduled(&sim, "web-0"), Some(cache), "{version}: web-0 goes in with cache-0");
        let web = sim.world.pod(sim.world.pod_named("web-0").unwrap());
        let cache = sim.world.pod(sim.world.pod_named("cache-0").unwrap());
        assert_eq!(web.node, cache.node, "{version}: on cache-0's node");
    }
}

/// The hint for a label update: `cache-0` runs from the start without the
/// label `web-0` needs; `kubectl label pod cache-0 app=cache` at 1m makes
/// it match all of `web-0`'s required terms, and `web-0` goes in at once.
#[test]
fn a_peer_relabelled_to_match_lets_the_waiting_pod_in() {
    let timeline = r#"(at: "1m", do: PatchPod(pod: "cache-0", labels: {"app": "cache"}))"#;
    let (sim, _) = run(&affinity_scenario("1.36", 1, r#"{"role": "cache"}"#, timeline));
    assert!(scheduled(&sim, "cache-0").is_some_and(|at| at < t("1m")));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("1m")), "web-0 goes in when cache-0 is relabelled");
}

/// A zone spread that only a terminating pod's departure can satisfy:
/// `db-2` waits (zones a and b hold one each, zone c counts and holds
/// none). At 1m `db-0` is deleted; its preStop hook keeps it terminating
/// for 10 minutes. A terminating pod stops counting at once, but turning
/// terminating is a plain Pod/Update that PodTopologySpread does not
/// register, so no event moves `db-2`: the leftover flush does, at the
/// first 30 s tick after it has waited longer than
/// `podMaxInUnschedulablePodsDuration` since its last attempt.
fn spread_scenario(timings: &str) -> String {
    format!(
        r#"Scenario(
    name: "flush",
    duration: "8m",
    cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [
        (name: "ab", count: 2, zones: ["zone-a", "zone-b"], labels: {{"tier": "ab"}}),
        (name: "c", count: 1, zones: ["zone-c"], labels: {{"tier": "c"}}),
    ]),
    timings: ({timings}),
    services: [(name: "db", selector: {{"app": "db"}})],
    statefulsets: [
        (name: "db", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (image: "postgres", labels: {{"app": "db"}}, nodeSelector: {{"tier": "ab"}},
                terminationGracePeriodSeconds: 900,
                lifecycle: (preStop: (sleep: (seconds: 600))),
                topologySpreadConstraints: [(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Ignore,
                    labelSelector: (matchLabels: {{"app": "db"}}))])),
    ],
    timeline: [(at: "1m", do: DeletePod(pod: "db-0"))],
)"#
    )
}

/// The last time the scheduler tried `name` and failed before `before`:
/// the flush counts from there. Failed attempts that repeat the message
/// record nothing, so this is the first record of the last message.
fn pending_since(sim: &Simulation, name: &str) -> SimTime {
    let pod = sim.world.pod_named(name).unwrap();
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodUnschedulable { pod: p, .. } if *p == pod => Some(r.at),
            _ => None,
        })
        .next_back()
        .expect("it waited")
}

#[test]
fn a_pod_no_event_moves_is_retried_by_the_flush() {
    let (sim, _) = run(&spread_scenario(""));
    let waited = pending_since(&sim, "db-2");
    assert!(waited < t("1m"), "db-2 waits from the start");
    // 5 min after its last failed attempt, on the 30 s grid: 5m30s.
    assert_eq!(scheduled(&sim, "db-2"), Some(t("5m30s")), "the flush retries db-2");
    // db-0 still terminates (its preStop hook runs 10 minutes).
    let db0 = sim.world.pod(sim.world.pod_named("db-0").unwrap());
    assert!(db0.deletion_timestamp.is_some() && db0.removed_at.is_none());

    // The limit is a timing a scenario may set.
    let (sim, _) = run(&spread_scenario(r#"podMaxInUnschedulablePodsDuration: "2m""#));
    assert_eq!(scheduled(&sim, "db-2"), Some(t("2m30s")), "2m after its last attempt, on the grid");
}

/// The hint for a label update by release: `web-0` may not share a node
/// with an `app: cache` pod (required anti-affinity), and the one node
/// runs `cache-0`. At 1m `cache-0` loses the label. With the queueing
/// hints (1.36) InterPodAffinity moves `web-0` at once. Without them
/// (1.31) the queue's pre-filter passes only pods with an affinity term
/// matching the updated pod (or rejected by PodTopologySpread), so
/// `web-0` waits for the leftover flush: 5m30s.
#[test]
fn an_anti_affinity_peer_relabelled_moves_the_waiting_pod_by_release() {
    let source = |version: &str| {
        format!(
            r#"Scenario(
    name: "anti-retry",
    duration: "7m",
    kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "pool", count: 1, zones: ["zone-a"])]),
    services: [(name: "web", selector: {{"app": "web"}}), (name: "cache", selector: {{"role": "cache"}})],
    statefulsets: [
        (name: "cache", serviceName: "cache", replicas: 1,
            template: (image: "redis", labels: {{"role": "cache", "app": "cache"}})),
        (name: "web", serviceName: "web", replicas: 1,
            template: (image: "nginx", labels: {{"app": "web"}},
                affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {{"app": "cache"}}), topologyKey: "kubernetes.io/hostname"),
                ])))),
    ],
    timeline: [(at: "1m", do: PatchPod(pod: "cache-0", removeLabels: ["app"]))],
)"#
        )
    };
    let (sim, _) = run(&source("1.36"));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("1m")), "1.36: the hint moves web-0");
    let (sim, _) = run(&source("1.31"));
    assert!(pending_since(&sim, "web-0") < t("30s"));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("5m30s")), "1.31: the flush moves web-0");
    // The gate, not the release number, decides: 1.33 (the last release
    // before it was locked on) with it off is 1.31.
    let (sim, _) = run(&source("1.33"));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("1m")), "1.33: the hint moves web-0");
    let gated = source("1.33").replace(
        r#"kubernetesVersion: "1.33","#,
        r#"kubernetesVersion: "1.33", featureGates: {"SchedulerQueueingHints": false},"#,
    );
    let (sim, _) = run(&gated);
    assert_eq!(scheduled(&sim, "web-0"), Some(t("5m30s")), "1.33 without the hints");
}

/// A pod's removal asks the rejecting plugins' hints too. `cache-0`'s
/// required anti-affinity keeps `app: web` pods off its node, the only
/// one, so `web-0` waits (InterPodAffinity, existing pods' anti-affinity).
/// At 1m `cache` is scaled to 0 and `cache-0` goes. From 1.36
/// InterPodAffinity queues a pod that the removed pod's anti-affinity
/// repelled (k/k #135325) and `web-0` goes in when `cache-0` is removed;
/// in 1.35 its hint asks only the waiting pod's own anti-affinity, so
/// `web-0` waits for the leftover flush, at 5m30s.
#[test]
fn a_repelling_pod_removed_moves_the_waiting_pod_from_1_36() {
    let source = |version: &str| {
        format!(
            r#"Scenario(
    name: "existing-anti",
    duration: "7m",
    kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "pool", count: 1, zones: ["zone-a"])]),
    services: [(name: "web", selector: {{"app": "web"}}), (name: "cache", selector: {{"app": "cache"}})],
    statefulsets: [
        (name: "cache", serviceName: "cache", replicas: 1,
            template: (image: "redis", labels: {{"app": "cache"}},
                affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {{"app": "web"}}), topologyKey: "kubernetes.io/hostname"),
                ])))),
        (name: "web", serviceName: "web", replicas: 1, template: (image: "nginx", labels: {{"app": "web"}})),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "cache", replicas: 0))],
)"#
        )
    };
    let removed = |sim: &Simulation| {
        let at = sim.trace.records.iter().find_map(|r| match r.event {
            Event::PodRemoved { pod, .. } if sim.world.pod(pod).name == "cache-0" => Some(r.at),
            _ => None,
        });
        at.expect("cache-0 is gone")
    };
    let (sim, _) = run(&source("1.36"));
    assert!(removed(&sim) > t("1m"));
    assert_eq!(scheduled(&sim, "web-0"), Some(removed(&sim)), "1.36: web-0 goes in as cache-0 goes");
    let (sim, _) = run(&source("1.35"));
    assert!(removed(&sim) < t("2m") && pending_since(&sim, "web-0") < t("30s"));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("5m30s")), "1.35: the flush moves web-0");
}

/// PodTopologySpread's move on an assigned pod's add, by release. `db-a`
/// may run only in zones a and b, yet zone c counts (`nodeAffinityPolicy:
/// Ignore`) and holds none, so `db-a-2` waits. At 1m `db-b-0`, which the
/// constraint counts, lands in zone c. From 1.31 (the queue's pre-filter
/// takes pods PodTopologySpread rejected, k/k #122627; from 1.32 its
/// hint) `db-a-2` goes in at that instant; in 1.30 only a pod with a
/// matching affinity term is passed on, and `db-a-2` waits for the flush.
#[test]
fn a_counted_pod_placed_moves_a_spread_waiter_from_1_31() {
    let source = |version: &str| {
        format!(
            r#"Scenario(
    name: "spread-retry",
    duration: "7m",
    kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [
        (name: "ab", count: 2, zones: ["zone-a", "zone-b"], labels: {{"tier": "ab"}}),
        (name: "c", count: 1, zones: ["zone-c"], labels: {{"tier": "c"}}),
    ]),
    services: [(name: "db", selector: {{"app": "db"}})],
    statefulsets: [
        (name: "db-a", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (image: "postgres", labels: {{"app": "db", "set": "a"}}, nodeSelector: {{"tier": "ab"}},
                topologySpreadConstraints: [(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Ignore,
                    labelSelector: (matchLabels: {{"app": "db"}}))])),
        (name: "db-b", serviceName: "db", replicas: 0,
            template: (image: "postgres", labels: {{"app": "db", "set": "b"}}, nodeSelector: {{"tier": "c"}})),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "db-b", replicas: 1))],
)"#
        )
    };
    for version in ["1.31", "1.36"] {
        let (sim, _) = run(&source(version));
        let b = scheduled(&sim, "db-b-0").expect("db-b-0 is placed");
        assert_eq!(scheduled(&sim, "db-a-2"), Some(b), "{version}: db-a-2 goes in with db-b-0");
    }
    let (sim, _) = run(&source("1.30"));
    assert!(pending_since(&sim, "db-a-2") < t("30s"));
    assert_eq!(scheduled(&sim, "db-a-2"), Some(t("5m30s")), "1.30: the flush moves db-a-2");
}

/// A waiting pod's own update: `db-2` waits on its zone spread, counting
/// itself (its selector matches its own labels). At 1m it is relabelled
/// out of the selector (`kubectl label pod db-2 app=other`): it no longer
/// adds to its zone's count, and PodTopologySpread's hint for the pod's
/// own label change sends it back at once (it would otherwise wait for
/// the flush, 5m30s).
#[test]
fn a_waiting_pod_relabelled_out_of_its_spread_selector_goes_in() {
    let source = r#"Scenario(
    name: "self-update",
    duration: "7m",
    cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [
        (name: "ab", count: 2, zones: ["zone-a", "zone-b"], labels: {"tier": "ab"}),
        (name: "c", count: 1, zones: ["zone-c"], labels: {"tier": "c"}),
    ]),
    services: [(name: "db", selector: {"app": "db"})],
    statefulsets: [
        (name: "db", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (image: "postgres", labels: {"app": "db"}, nodeSelector: {"tier": "ab"},
                topologySpreadConstraints: [(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Ignore,
                    labelSelector: (matchLabels: {"app": "db"}))])),
    ],
    timeline: [(at: "1m", do: PatchPod(pod: "db-2", labels: {"app": "other"}))],
)"#;
    let (sim, _) = run(source);
    assert!(pending_since(&sim, "db-2") < t("30s"));
    assert_eq!(scheduled(&sim, "db-2"), Some(t("1m")), "db-2 goes in when relabelled");
}

/// Backoff, by release. `web-0` fits only `worker-1`, cordoned at the
/// start: it fails at 0s (1 s backoff). At 10s a tainted node joins and the
/// retry fails again (2 s backoff, until 12s). At 10.5s `worker-1` is
/// uncordoned. Before 1.33 the pod is still backing off and waits in the
/// backoff queue for its one-second flush after 12s; from 1.33
/// (`SchedulerPopFromBackoffQ`) the idle scheduler pops it at once. A
/// release with the gate turned off behaves as one before it (releases
/// before 1.33 do not have the gate to turn on).
#[test]
fn a_moved_pod_still_backing_off_waits_before_1_33() {
    let scenario = |version: &str, gates: &str| {
        format!(
            r#"Scenario(
    name: "backoff",
    duration: "2m",
    kubernetesVersion: "{version}",
    featureGates: {{{gates}}},
    cluster: (nodePools: [
        (name: "worker", count: 1),
        (name: "tainted", count: 0, taints: [(key: "dedicated", value: "db", effect: NoSchedule)]),
    ]),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(name: "web", serviceName: "web", replicas: 1, template: (image: "nginx", labels: {{"app": "web"}}))],
    timeline: [
        (at: "0s", do: Cordon(node: "worker-1")),
        (at: "10s", do: AddNode(pool: "tainted")),
        (at: "10500ms", do: Uncordon(node: "worker-1")),
    ],
)"#
        )
    };
    let cases = [
        ("1.32", "", "12s"),
        ("1.36", "", "10500ms"),
        ("1.36", r#""SchedulerPopFromBackoffQ": false"#, "12s"),
        ("1.33", r#""SchedulerPopFromBackoffQ": false"#, "12s"),
    ];
    for (version, gates, at) in cases {
        let (sim, _) = run(&scenario(version, gates));
        assert_eq!(scheduled(&sim, "web-0"), Some(t(at)), "{version} {gates}");
    }
}

/// A claim deleted while its pod is assumed onto a node and waits in
/// VolumeBinding's PreBind for it to be provisioned. The volume binder
/// checks the claims once a second from the start of PreBind
/// (`BindPodVolumes`: `wait.PollUntilContextTimeout(ctx, time.Second, ...)`),
/// so the binding fails at the next check, not when the claim goes: with
/// `checkBindings`' error, written as the pod's PodScheduled condition and
/// a FailedScheduling event (`handleSchedulingFailure`). The set makes the
/// claim again on the sync that status write triggers, and the pod, in the
/// error backoff queue (which the new claim does not move), is tried again
/// once its 1 s backoff is over: at the next backoff flush before 1.33,
/// at the edge after its one-second window with `SchedulerPopFromBackoffQ`
/// (pkg/scheduler/framework/plugins/volumebinding/binder.go,
/// pkg/scheduler/schedule_one.go, pkg/scheduler/backend/queue).
#[test]
fn a_claim_deleted_during_prebind_fails_the_binding_at_the_next_poll() {
    for (version, retried) in [("1.36", "5s"), ("1.32", "4s")] {
        let source = format!(
            r#"Scenario(
    name: "prebind-claim-deleted",
    seed: 7,
    duration: "2m",
    kubernetesVersion: "{version}",
    images: [(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "redis-svc", selector: {{"app": "redis"}})],
    statefulsets: [(
        name: "redis",
        serviceName: "redis-svc",
        replicas: 1,
        template: (labels: {{"app": "redis"}}, image: "redis:7.0"),
        volumeClaimTemplates: [(name: "data", storage: "10Gi")],
    )],
    timeline: [(at: "2s500ms", do: DeletePvc(pvc: "data-redis-0"))],
)"#
        );
        let (sim, report) = run(&source);
        let pod = sim.world.pod_named("redis-0").expect("redis-0 stands");
        let failed: Vec<(SimTime, &str)> = (sim.trace.records.iter())
            .filter_map(|r| match &r.event {
                Event::PodUnschedulable { pod: p, message } if *p == pod => Some((r.at, message.as_str())),
                _ => None,
            })
            .collect();
        let message = "running PreBind plugin \"VolumeBinding\": binding volumes: failed to check \
                       provisioning pvc: could not find v1.PersistentVolumeClaim \"default/data-redis-0\"";
        assert_eq!(failed, [(t("3s"), message)], "{version}: failed at the poll after the delete");
        let event = stsim_render::events::collect(&sim)
            .into_iter()
            .find(|e| e.reason == "FailedScheduling")
            .unwrap_or_else(|| panic!("{version}: a FailedScheduling event"));
        assert_eq!((event.at_ms, event.message.as_str()), (3_000, message), "{version}");
        // The claim is made again in that instant; the pod's next attempt
        // chooses a node for it after the backoff.
        let trace = sim.trace.render(&sim.world);
        assert!(
            trace.contains("3s\tstatefulset-controller\tpvc/data-redis-0\tcreated"),
            "{version}: {trace}"
        );
        let selected: Vec<SimTime> = (sim.trace.records.iter())
            .filter_map(|r| matches!(r.event, Event::PvcSelectedNode { .. }).then_some(r.at))
            .collect();
        assert_eq!(selected, [t("0s"), t(retried)], "{version}: retried after the error backoff");
        assert!(scheduled(&sim, "redis-0").is_some_and(|at| at > t(retried)), "{version}");
        let row = report.pods.iter().find(|p| p.name == "redis-0").unwrap();
        assert!(row.unschedulable.is_none(), "{version}: {:?}", row.unschedulable);
    }
}

/// One node, a ReadWriteMany claim on an EBS class (the driver refuses
/// it, so its volume never comes), two more nodes at 30 s, and the first
/// cordoned at 1 m; `timings` is spliced into the scenario.
fn never_provisioned(version: &str, timings: &str) -> String {
    format!(
        r#"Scenario(
    name: "bind-timeout",
    seed: 3,
    duration: "25m",
    kubernetesVersion: "{version}",
    cluster: (
        zones: ["zone-a"],
        nodePools: [(name: "pool", count: 1, zones: ["zone-a"])],
        storageClasses: [(name: "gp3", provisioner: "ebs.csi.aws.com", volumeBindingMode: WaitForFirstConsumer, default: true)],
    ),
    {timings}
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(name: "web", serviceName: "web", replicas: 1,
        template: (image: "nginx", labels: {{"app": "web"}}),
        volumeClaimTemplates: [(name: "data", storage: "1Gi", accessModes: [ReadWriteMany])])],
    timeline: [
        (at: "30s", do: AddNode(pool: "pool")),
        (at: "30s", do: AddNode(pool: "pool")),
        (at: "1m", do: Cordon(node: "pool-1")),
    ],
)"#
    )
}

/// The messages of the pod's failed scheduling attempts, with their times.
fn failures(sim: &Simulation, name: &str) -> Vec<(SimTime, String)> {
    let pod = sim.world.pod_named(name).expect("the pod stands");
    (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            Event::PodUnschedulable { pod: p, message } if *p == pod => Some((r.at, message.clone())),
            _ => None,
        })
        .collect()
}

/// A binding cycle waits in PreBind at most `bindTimeout` (600 s by
/// default) for the volumes it provisions: `BindPodVolumes` polls with a
/// timeout, and its end fails the cycle with the poll's error, whose words
/// changed in 1.29 when the binder moved to `wait.PollUntilContextTimeout`
/// (k/k #119746). The pod goes back to the queue, and the claim keeps the
/// `volume.kubernetes.io/selected-node` annotation, so the next cycle may
/// place the pod on that node only (`FindPodVolumes`): every other node
/// "didn't find available persistent volumes to bind" (here the chosen
/// node was cordoned meanwhile, so none fits).
#[test]
fn a_binding_cycle_gives_up_after_the_bind_timeout_and_the_claim_keeps_its_node() {
    // From 1.34 DynamicResourceAllocation's PostFilter speaks before
    // preemption; before 1.30 the message ends in two periods (k/k #123301).
    let refused = |version: &str| {
        format!(
            "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't find available persistent \
             volumes to bind. {}preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.{}",
            if version == "1.36" { "no new claims to deallocate, " } else { "" },
            if version == "1.36" { "" } else { "." }
        )
    };
    let cases = [
        ("1.28", "", "10m", "timed out waiting for the condition", "10m1s"),
        ("1.29", "", "10m", "context deadline exceeded", "10m1s"),
        // With `SchedulerPopFromBackoffQ`, at the edge after the backoff's window.
        ("1.36", r#"timings: (bindTimeout: "90s"),"#, "90s", "context deadline exceeded", "92s"),
    ];
    for (version, timings, at, why, retried) in cases {
        let (sim, report) = run(&never_provisioned(version, timings));
        let failed = failures(&sim, "web-0");
        let timeout = format!("running PreBind plugin \"VolumeBinding\": binding volumes: {why}");
        assert_eq!(failed.first(), Some(&(t(at), timeout)), "{version} {timings}: {failed:?}");
        // Tried again after its one-second error backoff, on no other node.
        let again = failed.get(1).unwrap_or_else(|| panic!("{version}: tried again"));
        assert_eq!(again.0, t(retried), "{version}");
        assert_eq!(again.1, refused(version), "{version}");
        assert_eq!(scheduled(&sim, "web-0"), None, "{version}");
        let selected: Vec<SimTime> = (sim.trace.records.iter())
            .filter_map(|r| matches!(r.event, Event::PvcSelectedNode { .. }).then_some(r.at))
            .collect();
        assert_eq!(selected, [t("0s")], "{version}: the node is chosen once");
        let finding = report.findings.iter().find(|f| f.subject == "pod/web-0").expect("a finding");
        assert_eq!(finding.id, "volume-not-provisioned", "{version}");
    }
}

/// The external provisioner reads the claim's selected node before it
/// makes anything; a Node that no longer exists gives the claim back to
/// the scheduler (`ProvisioningReschedule`: the error as a
/// `ProvisioningFailed` event, then the annotation removed). The pod
/// waiting in PreBind on that node fails its binding at its next check
/// (`selectedNode annotation reset`), and its next cycle chooses a node
/// that exists, for which the volume is made.
#[test]
fn a_selected_node_deleted_gives_the_claim_back_to_the_scheduler() {
    let source = r#"Scenario(
    name: "selected-node-gone",
    seed: 3,
    duration: "5m",
    cluster: (
        zones: ["zone-a"],
        nodePools: [(name: "pool", count: 1, zones: ["zone-a"])],
    ),
    timings: (provisioning: "1m"),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(name: "web", serviceName: "web", replicas: 1,
        template: (image: "nginx", labels: {"app": "web"}),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
    timeline: [
        (at: "10s", do: AddNode(pool: "pool")),
        (at: "20s", do: DeleteNode(node: "pool-1")),
    ],
)"#;
    let (sim, report) = run(source);
    let trace = sim.trace.render(&sim.world);
    for line in [
        "1m\tvolume-controller\tpvc/data-web-0\tevent\treason=ProvisioningFailed message=\"node \\\"pool-1\\\" not found\"",
        "1m\tvolume-controller\tpvc/data-web-0\tselected-node-removed\tnode=pool-1",
        "1m2s\tscheduler\tpvc/data-web-0\tselected-node\tnode=pool-2",
    ] {
        assert!(trace.contains(line), "{line}\n{trace}");
    }
    let failed = failures(&sim, "web-0");
    let reset = "running PreBind plugin \"VolumeBinding\": binding volumes: selectedNode annotation reset for \
                 PVC \"data-web-0\"";
    assert_eq!(failed, [(t("1m"), reset.to_string())]);
    let pod = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!(pod.node.map(|n| sim.world.node(n).name.as_str()), Some("pool-2"));
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}
