//! The scheduler end to end: filters in kube-scheduler's order with its
//! exact messages (by release), zonal and local volumes, binding modes,
//! spreading, anti-affinity, taints, selectors, and retries when the
//! cluster changes. Each test states the rule it checks.

use crate::support::{Log, run, run_file, scenario_file, t};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// Every scheduler message given to the named pod, in order, with the time.
fn messages(sim: &Simulation, pod: &str) -> Vec<(SimTime, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodUnschedulable { pod: p, message } if sim.world.pod(*p).name == pod => {
                Some((r.at, message.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The node each live pod is bound to, and its zone.
fn placement(sim: &Simulation, pod: &str) -> Option<(String, String)> {
    let pod = sim.world.pod(sim.world.pod_named(pod)?);
    let node = sim.world.node(pod.node?);
    Some((node.name.clone(), node.zone.clone()))
}

/// A scenario with `pools`, `classes`, a StatefulSet `web` whose template
/// ends with `template`, and `timeline`.
fn scenario(pools: &str, replicas: u32, template: &str, claims: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "sched",
    duration: "5m",
    cluster: (
        zones: ["zone-a", "zone-b", "zone-c"],
        nodePools: [{pools}],
        storageClasses: [
            (name: "wait", volumeBindingMode: WaitForFirstConsumer, default: true),
            (name: "now", volumeBindingMode: Immediate),
        ],
    ),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: {replicas},
        podManagementPolicy: Parallel,
        template: (image: "nginx", {template}),
        volumeClaimTemplates: [{claims}],
    )],
    timeline: [{timeline}],
)"#
    )
}

/// A zonal volume pins its pod to its zone. Each node reports the first
/// filter it fails, in plugin order (NodeResourcesFit before VolumeBinding),
/// and the reasons are counted and sorted; the preemption PostFilter adds
/// its own verdict; from 1.34 the DRA PostFilter speaks first.
#[test]
fn a_zonal_volume_with_no_room_in_its_zone_gives_kube_schedulers_message() {
    let (sim, _) = run_file("zonal-volume-no-room");
    assert_eq!(
        messages(&sim, "redis-3"),
        [(
            t("3m40s"),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match PersistentVolume's node affinity. \
             no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption victims found for \
             incoming pod, 2 Preemption is not helpful for scheduling."
                .to_string()
        )]
    );
}

/// Before 1.33 the volume conflict read "had volume node affinity conflict"
/// (k/k #129887), and before 1.34 DRA's PostFilter was off.
#[test]
fn scheduler_messages_follow_the_release() {
    let old = scenario_file("zonal-volume-no-room").replacen(
        "seed: 5,",
        "seed: 5,\n    kubernetesVersion: \"1.32\",",
        1,
    );
    let (sim, _) = run(&old);
    assert_eq!(
        messages(&sim, "redis-3").last().unwrap().1,
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had volume node affinity conflict. preemption: \
         0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for \
         scheduling."
    );
    // Taints: named before 1.34.2 (k/k #134740), not after.
    let tainted = |version: &str| {
        let source = scenario(
            r#"(name: "worker", count: 1, taints: [(key: "dedicated", value: "db", effect: NoSchedule)])"#,
            1,
            "",
            "",
            "",
        )
        .replacen(
            "duration: \"5m\",",
            &format!("duration: \"5m\",\n    kubernetesVersion: \"{version}\","),
            1,
        );
        let (sim, _) = run(&source);
        messages(&sim, "web-0").last().unwrap().1.clone()
    };
    assert_eq!(
        tainted("1.33.5"),
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/1 nodes are \
         available: 1 Preemption is not helpful for scheduling."
    );
    assert_eq!(
        tainted("1.36"),
        "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to deallocate, preemption: \
         0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    );
}

/// From 1.34 a request larger than a node's whole allocatable amount is
/// unresolvable there (`fitsRequest`'s `Unresolvable`, k/k #131345): no
/// victim could make room, so preemption is "not helpful" on that node,
/// while a node only short for now keeps "No preemption victims". Before
/// 1.30 `FitError.Error` ended the PostFilter part with a second period
/// (k/k #123301).
#[test]
fn a_request_above_a_nodes_allocatable_is_unresolvable_from_1_34() {
    let big = |version: &str| {
        let source = scenario(
            r#"(name: "small", count: 2, cpu: "2", memory: "8Gi"), (name: "big", count: 1, cpu: "4", memory: "8Gi")"#,
            2,
            r#"resources: (requests: (cpu: "3", memory: "1Gi"))"#,
            "",
            "",
        )
        .replacen("duration: \"5m\",", &format!("duration: \"5m\",\n    kubernetesVersion: \"{version}\","), 1);
        let (sim, _) = run(&source);
        messages(&sim, "web-1").last().expect("web-1 waits").1.clone()
    };
    assert_eq!(
        big("1.36"),
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are \
         available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    );
    assert_eq!(
        big("1.33"),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption \
         victims found for incoming pod."
    );
    assert_eq!(
        big("1.29"),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption \
         victims found for incoming pod.."
    );
}

/// InterPodAffinity checks the pod's required affinity first, then its
/// anti-affinity, then the existing pods' (`InterPodAffinity.Filter`):
/// a node failing both is counted for affinity, which preemption cannot
/// help.
#[test]
fn required_pod_affinity_is_checked_before_anti_affinity() {
    let (sim, _) = run(include_str!("fixtures/affinity-order.ron"));
    assert_eq!(
        messages(&sim, "web-0").last().expect("web-0 waits").1,
        "0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 2 node(s) didn't match pod \
         affinity rules. no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption victims \
         found for incoming pod, 2 Preemption is not helpful for scheduling."
    );
}

/// Cordoned, tainted and full nodes each give their own reason; only a
/// shortage of resources is something preemption could ever address.
#[test]
fn cordon_taints_and_pod_limits_are_separate_reasons() {
    let source = scenario(
        r#"(name: "tainted", count: 1, taints: [(key: "gpu", effect: NoSchedule)]),
           (name: "plain", count: 2, maxPods: 1)"#,
        2,
        "",
        "",
        r#"(at: "1m", do: Cordon(node: "plain-1")), (at: "1m", do: DeletePod(pod: "web-0")), (at: "1m", do: DeletePod(pod: "web-1"))"#,
    );
    let (sim, _) = run(&source);
    let last = messages(&sim, "web-0")
        .into_iter()
        .chain(messages(&sim, "web-1"))
        .map(|(_, m)| m)
        .collect::<Vec<_>>();
    assert!(
        last.contains(
            &"0/3 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint(s), 1 node(s) were \
              unschedulable. no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption \
              victims found for incoming pod, 2 Preemption is not helpful for scheduling."
                .to_string()
        ),
        "{last:#?}"
    );
}

/// A pod is retried when the cluster changes: uncordoning a node places it at once.
#[test]
fn an_unschedulable_pod_is_retried_when_a_node_is_uncordoned() {
    let source = scenario(
        r#"(name: "worker", count: 1)"#,
        1,
        "",
        "",
        r#"(at: "30s", do: DeletePod(pod: "web-0")), (at: "30s", do: Cordon(node: "worker-1")),
           (at: "2m", do: Uncordon(node: "worker-1"))"#,
    );
    let (sim, _) = run(&source);
    let scheduled: Vec<SimTime> = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::PodScheduled { .. }))
        .map(|r| r.at)
        .collect();
    assert_eq!(scheduled.last(), Some(&t("2m")));
    assert!(messages(&sim, "web-0").iter().any(|(_, m)| m.contains("1 node(s) were unschedulable")));
}

/// WaitForFirstConsumer: the volume is provisioned in the zone of the node
/// chosen for the pod. Immediate: provisioned first, in the zone the
/// provisioner prefers among those with nodes (round the zones by
/// ordinal), without knowing the pod's constraints, and the pod must
/// follow it; before it is bound the pod
/// waits with "pod has unbound immediate PersistentVolumeClaims", and a pod
/// whose node selector excludes the volume's zone is never placed.
#[test]
fn binding_modes_decide_who_follows_whom() {
    let nodes_in_zone_a = r#"(name: "worker", count: 2, zones: ["zone-a"])"#;
    for seed in 0..6 {
        let wait = scenario(nodes_in_zone_a, 1, "", r#"(name: "data", storage: "1Gi")"#, "").replacen(
            "name: \"sched\",",
            &format!("name: \"sched\",\n    seed: {seed},"),
            1,
        );
        let (sim, _) = run(&wait);
        assert_eq!(placement(&sim, "web-0").map(|(_, zone)| zone).as_deref(), Some("zone-a"), "seed {seed}");
        assert!(sim.world.pvs.iter().all(|pv| pv.zone.as_deref() == Some("zone-a")));
    }
    for seed in 0..6 {
        // The cluster's zones listed in another order: sorted all the same.
        let order = if seed % 2 == 0 {
            r#"["zone-a", "zone-b", "zone-c"]"#
        } else {
            r#"["zone-c", "zone-a", "zone-b"]"#
        };
        let now = scenario(
            r#"(name: "worker", count: 3)"#,
            3,
            r#"nodeSelector: {"topology.kubernetes.io/zone": "zone-a"}"#,
            r#"(name: "data", storage: "1Gi", storageClassName: "now"), (name: "logs", storage: "1Gi", storageClassName: "now")"#,
            "",
        )
        .replacen("name: \"sched\",", &format!("name: \"sched\",\n    seed: {seed},"), 1)
        .replacen(r#"zones: ["zone-a", "zone-b", "zone-c"]"#, &format!("zones: {order}"), 1);
        let (sim, _) = run(&now);
        // The provisioner's preferred zone: the zones sorted by name,
        // rotated by the hash of the set's name (FNV-1 of "web" is 0 mod 3)
        // plus the ordinal. Both claims of a member share its zone; the
        // seed plays no part.
        let zone_of = |claim: &str| {
            let claim = sim.world.pvcs.iter().find(|c| c.name == claim).unwrap();
            sim.world.pv(claim.volume.unwrap()).zone.clone().unwrap()
        };
        for (ordinal, zone) in ["zone-a", "zone-b", "zone-c"].into_iter().enumerate() {
            assert_eq!(zone_of(&format!("data-web-{ordinal}")), zone, "seed {seed}");
            assert_eq!(zone_of(&format!("logs-web-{ordinal}")), zone, "seed {seed}");
        }
        for pod in ["web-0", "web-1", "web-2"] {
            let said = messages(&sim, pod);
            assert!(
                said[0].1.starts_with(
                    "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
                ),
                "{said:?}"
            );
        }
        assert_eq!(placement(&sim, "web-0").map(|(_, zone)| zone).as_deref(), Some("zone-a"));
        for pod in ["web-1", "web-2"] {
            assert_eq!(placement(&sim, pod), None, "seed {seed}: {pod}'s volume is outside zone-a");
            let last = messages(&sim, pod).pop().unwrap().1;
            assert!(last.contains("1 node(s) didn't match PersistentVolume's node affinity"), "{last}");
        }
    }
}

/// The default topology spread constraints spread a StatefulSet's pods over
/// zones and nodes, whatever the seed.
#[test]
fn replicas_spread_over_zones_by_default() {
    for seed in 0..8 {
        let source =
            scenario(r#"(name: "worker", count: 6)"#, 3, "resources: (requests: (cpu: \"100m\"))", "", "")
                .replacen("name: \"sched\",", &format!("name: \"sched\",\n    seed: {seed},"), 1);
        let (sim, _) = run(&source);
        let mut zones: Vec<String> =
            (0..3).map(|i| placement(&sim, &format!("web-{i}")).unwrap().1).collect();
        zones.sort();
        assert_eq!(zones, ["zone-a", "zone-b", "zone-c"], "seed {seed}");
    }
}

/// Required anti-affinity on the hostname: one pod per node, the rest Pending.
#[test]
fn required_anti_affinity_leaves_extra_replicas_pending() {
    let anti = r#"affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
        (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "kubernetes.io/hostname")]))"#;
    let (sim, report) = run(&scenario(r#"(name: "worker", count: 2)"#, 3, anti, "", ""));
    let placed: Vec<String> =
        (0..3).filter_map(|i| placement(&sim, &format!("web-{i}")).map(|p| p.0)).collect();
    assert_eq!(placed.len(), 2);
    assert_ne!(placed[0], placed[1]);
    let pending = report.pods.iter().find(|p| p.state.node.is_none()).unwrap();
    assert_eq!(
        pending.unschedulable.as_deref(),
        Some(
            "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. no new claims to deallocate, \
             preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
        )
    );
}

/// Existing pods' required anti-affinity keeps other pods away too.
#[test]
fn existing_pods_anti_affinity_is_honoured() {
    let source = r#"Scenario(
    name: "sched",
    duration: "2m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    services: [(name: "db", selector: {"app": "db"}), (name: "noisy", selector: {"app": "noisy"})],
    statefulsets: [
        (name: "db", serviceName: "db", template: (image: "postgres", labels: {"app": "db"},
            affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                (labelSelector: (matchLabels: {"app": "noisy"}), topologyKey: "kubernetes.io/hostname")])))),
        (name: "noisy", serviceName: "noisy", template: (image: "stress", labels: {"app": "noisy"})),
    ],
)"#;
    let (sim, _) = run(source);
    assert!(placement(&sim, "db-0").is_some());
    assert_eq!(
        messages(&sim, "noisy-0").last().unwrap().1,
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. no new claims to \
         deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

/// Node selectors, tolerations and zone anti-affinity together: postgres on
/// the db pool one per zone, the fourth nowhere; the cache, which tolerates
/// nothing, never on the tainted db nodes, and on distinct nodes.
#[test]
fn selectors_taints_and_zone_anti_affinity_place_postgres() {
    let (sim, _) = run_file("scheduling-constraints");
    let mut zones = Vec::new();
    for i in 0..3 {
        let (node, zone) = placement(&sim, &format!("postgres-{i}")).unwrap();
        assert!(node.starts_with("db-"), "{node}");
        zones.push(zone);
    }
    zones.sort();
    assert_eq!(zones, ["zone-a", "zone-b", "zone-c"]);
    assert_eq!(
        messages(&sim, "postgres-3").last().unwrap().1,
        "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod \
         anti-affinity rules. no new claims to deallocate, preemption: 0/6 nodes are available: 3 No preemption \
         victims found for incoming pod, 3 Preemption is not helpful for scheduling."
    );
    let mut cache: Vec<String> = (0..3).map(|i| placement(&sim, &format!("cache-{i}")).unwrap().0).collect();
    assert!(cache.iter().all(|n| n.starts_with("general-")), "{cache:?}");
    cache.sort();
    cache.dedup();
    assert_eq!(cache.len(), 3, "preferred anti-affinity spreads the cache");
}

/// Preferred node affinity is followed while the preferred nodes have room.
#[test]
fn preferred_node_affinity_is_followed_when_possible() {
    let prefer = r#"resources: (requests: (cpu: "1")),
        affinity: (nodeAffinity: (preferredDuringSchedulingIgnoredDuringExecution: [
            (weight: 100, preference: (matchExpressions: [(key: "disk", operator: In, values: ["ssd"])]))]))"#;
    let pools =
        r#"(name: "ssd", count: 1, cpu: "2", labels: {"disk": "ssd"}), (name: "hdd", count: 2, cpu: "2")"#;
    let (sim, _) = run(&scenario(pools, 3, prefer, "", ""));
    let on_ssd = (0..3).filter(|i| placement(&sim, &format!("web-{i}")).unwrap().0 == "ssd-1").count();
    assert_eq!(on_ssd, 2, "the ssd node takes as many as fit");
}

/// The kubelet's rejections of the named pod: (when, reason, message).
fn rejections(sim: &Simulation, pod: &str) -> Vec<(SimTime, &'static str, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodRejected { pod: p, reason, message } if sim.world.pod(*p).name == pod => {
                Some((r.at, *reason, message.clone()))
            }
            _ => None,
        })
        .collect()
}

/// `nodeName` skips the scheduler; the kubelet's admission judges the pod
/// (pkg/kubelet/lifecycle/predicate.go): the first failing check is the
/// reason, `OutOf<resource>` for a resource, the plugin's name otherwise,
/// and the StatefulSet re-creates each rejected pod a status write later.
#[test]
fn kubelet_admission_rejects_pods_pinned_by_node_name() {
    let (sim, _) = run_file("node-name-skips-scheduler");
    let seen = rejections(&sim, "web-1");
    assert_eq!(seen.first().map(|r| r.0), Some(t("3s")), "bound at 2s, rejected a second later");
    assert_eq!(seen.len(), 58, "one a second until the scale-down at 1m");
    assert!(seen.iter().all(|(_, reason, message)| *reason == "OutOfcpu"
        && message == "Pod was rejected: Node didn't have enough resource: cpu, requested: 1500, used: 1500, capacity: 2000"));
    assert!(rejections(&sim, "pin-0").is_empty(), "the scheduler kept it Pending instead");
    assert!(messages(&sim, "pin-0")[0].1.contains("1 Insufficient cpu"));
    let source = scenario_file("node-name-skips-scheduler");
    let web = r#"resources: (requests: (cpu: "1500m")), nodeName: "worker-1")"#;
    assert!(source.contains(web));
    // Memory: the same loop, `OutOfmemory`.
    let (sim, _) =
        run(&source.replace(web, r#"resources: (requests: (memory: "5Gi")), nodeName: "worker-1")"#));
    let seen = rejections(&sim, "web-1");
    assert_eq!(seen[0].1, "OutOfmemory");
    assert!(
        seen[0].2.ends_with("memory, requested: 5368709120, used: 5368709120, capacity: 8589934592"),
        "{}",
        seen[0].2
    );
    // Pods come first: with room for one pod only, `OutOfpods` though the CPU is short too.
    let (sim, _) =
        run(&source.replace(r#"cpu: "2", memory: "8Gi")"#, r#"cpu: "2", memory: "8Gi", maxPods: 1)"#));
    let seen = rejections(&sim, "web-1");
    assert_eq!(
        (seen[0].1, seen[0].2.as_str()),
        (
            "OutOfpods",
            "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1"
        )
    );
    // A node the pod's selector does not match: every web-0 is rejected.
    let (sim, _) = run(&source
        .replace(web, r#"nodeSelector: {"kubernetes.io/hostname": "worker-2"}, nodeName: "worker-1")"#));
    let seen = rejections(&sim, "web-0");
    assert!(seen.len() > 50);
    assert_eq!(
        (seen[0].1, seen[0].2.as_str()),
        ("NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed")
    );
    assert!(sim.world.pod_named("web-1").is_none(), "OrderedReady: web-1 waits for web-0");
    // An untolerated NoExecute taint: the taint manager deletes each copy
    // as it is bound, before the kubelet has taken it up; the kubelet's
    // confirmation takes its round trip, so the loop turns once a second.
    let tainted = source.replace(
        r#"cpu: "2", memory: "8Gi")"#,
        r#"cpu: "2", memory: "8Gi", taints: [(key: "dedicated", value: "db", effect: NoExecute)])"#,
    );
    let (sim, _) = run(&tainted);
    let evicted: Vec<SimTime> = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::PodEvicted { .. }))
        .map(|r| r.at)
        .collect();
    assert_eq!(evicted.len(), 60, "one a second until the scale-down at 1m");
    assert!(
        evicted.windows(2).all(|w| w[1] == w[0] + stsim_core::controllers::admission::STATUS_WRITE_DELAY)
    );
    // A NoSchedule taint is the scheduler's to judge: web-0 runs there.
    let (sim, _) = run(&tainted.replace("NoExecute", "NoSchedule"));
    assert!(rejections(&sim, "web-0").is_empty());
    assert!(Log(&sim).ready_after("web-0", t("0s")).is_some());
}

/// One node; `first`'s pod on it is given a finalizer at 30s, deleted at
/// 1m, and exits with code 1: Failed, and Terminating while the finalizer
/// holds it. `second`'s pod cannot start beside it before. Runs the two
/// StatefulSets (templates completed by `first` and `second`, each with
/// its own `app` label and Service) and checks what every such case shows:
/// `second-0` waited with `why`, `first-0` finished and is held, and
/// `second-0` was placed on the node with no refusal after `first-0`
/// finished. Returns the run and when `first-0` finished.
fn beside_a_finished_pod(pool: &str, first: &str, second: &str, why: &str) -> (Simulation, SimTime) {
    let source = format!(
        r#"Scenario(
    name: "beside-a-finished-pod",
    duration: "5m",
    images: [(name: "app", pull: "1s", startup: "1s", shutdown: "1s", exitCodeOnSigterm: 1)],
    cluster: (nodePools: [(name: "worker", count: 1{pool})]),
    services: [
        (name: "first", clusterIP: "None", selector: {{"app": "first"}}),
        (name: "second", clusterIP: "None", selector: {{"app": "second"}}),
    ],
    statefulsets: [
        (name: "first", serviceName: "first", replicas: 1,
         template: (labels: {{"app": "first"}}, image: "app"{first})),
        (name: "second", serviceName: "second", replicas: 1,
         template: (labels: {{"app": "second"}}, image: "app"{second})),
    ],
    timeline: [
        (at: "30s", do: PatchPod(pod: "first-0", finalizers: ["example.com/hold"])),
        (at: "1m", do: DeletePod(pod: "first-0")),
    ],
)"#
    );
    let (sim, _) = run(&source);
    let waited = messages(&sim, "second-0");
    assert!(!waited.is_empty() && waited[0].1.contains(why), "{waited:?}");
    let world = &sim.world;
    let held = world.pod(world.pod_named("first-0").expect("held by its finalizer"));
    assert!(
        held.is_terminal() && held.is_terminating(),
        "first-0 finished and is held: {:?}",
        held.status.phase
    );
    let finished = held.history.phases.last().expect("a phase").0;
    assert_eq!(placement(&sim, "second-0").map(|p| p.0), Some("worker-1".to_string()));
    assert!(
        messages(&sim, "second-0").iter().all(|(at, _)| *at < finished),
        "no scheduling failure after first-0 finished"
    );
    (sim, finished)
}

/// A finished pod leaves the scheduler's count of its node at once, even
/// while a finalizer keeps its object: kube-scheduler's pod informer
/// watches only pods not `Succeeded` or `Failed`, so to the scheduler cache
/// a pod that finishes is a deleted one, and the pods waiting for room are
/// tried again. The kubelet's admission counts only pods that have not
/// finished either. Here first-0 holds the only node's CPU; once it has
/// finished (held), second-0, Pending for want of CPU, is placed and runs.
#[test]
fn a_finished_pod_held_by_a_finalizer_frees_its_nodes_room() {
    let cpu = r#", resources: (requests: (cpu: "600m"))"#;
    let (sim, finished) =
        beside_a_finished_pod(r#", cpu: "1", memory: "4Gi""#, cpu, cpu, "1 Insufficient cpu");
    assert!(finished > t("1m") && finished < t("2m"), "finished at {finished}");
    let second = sim.world.pod(sim.world.pod_named("second-0").unwrap());
    assert!(second.is_running_and_ready(), "second-0 runs beside the finished first-0");
}

/// The same rule for inter-pod anti-affinity: a finished pod is not in the
/// scheduler cache, so it repels no one. second-0 will not share a node
/// with an `app: first` pod; once first-0 has finished (held), it no
/// longer keeps second-0 off the only node.
#[test]
fn a_finished_pod_held_by_a_finalizer_repels_no_pod() {
    let away = r#", affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
        (labelSelector: (matchLabels: {"app": "first"}), topologyKey: "kubernetes.io/hostname"),
    ]))"#;
    beside_a_finished_pod("", "", away, "anti-affinity");
}

/// One node with `limits` (a pool's `volumeAttachLimits`), a class of
/// `provisioner`, and the sets of `sets` (name, replicas, claims per pod),
/// each pod asking little CPU so that only volumes can run out.
fn attach_scenario(limits: &str, provisioner: &str, sets: &[(&str, u32, u32)], timeline: &str) -> String {
    let sets: Vec<String> = sets
        .iter()
        .map(|(name, replicas, claims)| {
            let claims: Vec<String> =
                (0..*claims).map(|i| format!(r#"(name: "d{i}", storage: "1Gi")"#)).collect();
            format!(
                r#"(name: "{name}", serviceName: "{name}", replicas: {replicas}, podManagementPolicy: Parallel,
                    template: (labels: {{"app": "{name}"}}, image: "nginx", resources: (requests: (cpu: "100m"))),
                    volumeClaimTemplates: [{}])"#,
                claims.join(", ")
            )
        })
        .collect();
    format!(
        r#"Scenario(
    name: "attach",
    duration: "10m",
    cluster: (
        zones: ["zone-a"],
        nodePools: [(name: "worker", count: 1, cpu: "16", memory: "64Gi", volumeAttachLimits: [{limits}])],
        storageClasses: [(name: "disk", provisioner: "{provisioner}", volumeBindingMode: WaitForFirstConsumer, default: true)],
    ),
    statefulsets: [{}],
    timeline: [{timeline}],
)"#,
        sets.join(", ")
    )
}

/// The pods of the run bound to a node at its end.
fn bound_pods(sim: &Simulation) -> usize {
    sim.world.live_pods().filter(|p| p.node.is_some()).count()
}

/// NodeVolumeLimits: a node takes pods until the volumes of its driver it
/// would attach pass its CSINode's count; every other pod stays Pending
/// with kube-scheduler's reason. Over every limit from 0 to 5, with one
/// and two claims a pod.
#[test]
fn a_node_attaches_no_more_volumes_of_a_driver_than_its_limit() {
    for limit in 0..=5u32 {
        for claims in [1u32, 2] {
            let limits = format!(r#"(driver: "disk.csi.azure.com", count: {limit})"#);
            let (sim, report) =
                run(&attach_scenario(&limits, "disk.csi.azure.com", &[("db", 4, claims)], ""));
            let fit = (limit / claims).min(4) as usize;
            assert_eq!(bound_pods(&sim), fit, "limit {limit}, {claims} claims a pod");
            if fit < 4 {
                let pending = format!("db-{}", 3);
                let said = messages(&sim, &pending);
                assert!(
                    said.iter()
                        .any(|(_, m)| m
                            .starts_with("0/1 nodes are available: 1 node(s) exceed max volume count.")),
                    "limit {limit}: {said:?}"
                );
                // The finding counts the node's volumes against its limit.
                let used = fit as u32 * claims;
                let stuck = report.findings.iter().find(|f| f.id == "pod-unschedulable").expect("a finding");
                assert!(
                    stuck.explanation.contains(&format!("worker-1 {used} of {limit} disk.csi.azure.com")),
                    "{}",
                    stuck.explanation
                );
            }
        }
    }
}

/// A limit counts its own driver's volumes only, in-tree provisioners by
/// the CSI driver they migrated to (`kubernetes.io/aws-ebs` is
/// `ebs.csi.aws.com`'s), and a driver no limit names is never counted.
#[test]
fn attach_limits_count_their_own_drivers_volumes() {
    let limits = r#"(driver: "ebs.csi.aws.com", count: 2)"#;
    for (provisioner, fit) in [
        ("ebs.csi.aws.com", 2),
        ("kubernetes.io/aws-ebs", 2),
        ("pd.csi.storage.gke.io", 4),
        ("disk.csi.azure.com", 4),
    ] {
        let (sim, _) = run(&attach_scenario(limits, provisioner, &[("db", 4, 1)], ""));
        assert_eq!(bound_pods(&sim), fit, "{provisioner}");
    }
}

/// A pod NodeVolumeLimits rejected is tried again when what it counts
/// goes, at once, not at the leftover flush minutes later. Before 1.32 it
/// counts the pods' volumes only: the slot is free when the pod using it
/// goes (the plugin's hint for pod deletes), while its volume is still
/// being detached, and the node passes its limit for a while (k/k #126502).
/// From 1.32 it also counts the node's VolumeAttachments (k/k #127757): the
/// slot is free when the detach is done, and that delete moves the pod.
#[test]
fn a_pod_rejected_for_attach_limits_is_retried_when_its_slot_is_free() {
    let limits = r#"(driver: "disk.csi.azure.com", count: 2)"#;
    // db fills the node's two slots; web-0 waits; at 1m one db pod goes.
    let sets = [("db", 2, 1), ("web", 1, 1)];
    let scaled = r#"(at: "1m", do: Scale(statefulset: "db", replicas: 1))"#;
    let soon = stsim_core::time::SimDuration::from_secs(15);
    for (version, counts_attachments) in [("1.31.4", false), ("1.32.0", true), ("1.35.0", true)] {
        let source = attach_scenario(limits, "disk.csi.azure.com", &sets, scaled).replacen(
            r#"name: "attach","#,
            &format!(r#"name: "attach", kubernetesVersion: "{version}","#),
            1,
        );
        let (sim, _) = run(&source);
        let removed = Log(&sim).removals("db-1")[0];
        let detached = sim
            .trace
            .records
            .iter()
            .find(|r| r.at >= removed && matches!(r.event, Event::VolumeDetached { .. }))
            .map(|r| r.at)
            .expect("db-1's volume is detached");
        let web = sim.world.pod(sim.world.pod_named("web-0").unwrap());
        assert!(web.node.is_some(), "{version}: web-0 took db-1's slot");
        let scheduled = sim
            .trace
            .records
            .iter()
            .find(|r| matches!(r.event, Event::PodScheduled { pod, .. } if pod == web.id))
            .map(|r| r.at)
            .unwrap();
        let free = if counts_attachments { detached } else { removed };
        assert!(scheduled >= free && scheduled < free + soon, "{version}: {scheduled} against {free}");
        assert_eq!(scheduled < detached, !counts_attachments, "{version}");
    }
}

/// A pod's PodScheduled condition as the scheduler writes it: False with
/// reason `Unschedulable` and the FitError when nodes reject it,
/// `SchedulerError` when there are no nodes at all (not a rejection:
/// `handleSchedulingFailure`), True once bound. A pod no kubelet has has
/// no Ready condition; a bound one has the kubelet's Ready and
/// ContainersReady.
#[test]
fn pod_scheduled_carries_the_schedulers_reason_and_message() {
    let conditions = |sim: &Simulation, pod: &str| {
        let served = stsim_core::kube::find(&sim.world, "Pod", pod).expect("served");
        let served = stsim_core::kube::render(&sim.world, served);
        served["status"]["conditions"].as_array().cloned().unwrap_or_default()
    };
    let anti = r#"affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
        (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "kubernetes.io/hostname")]))"#;
    let (sim, report) = run(&scenario(r#"(name: "worker", count: 2)"#, 3, anti, "", ""));
    let pending = report.pods.iter().find(|p| p.state.node.is_none()).unwrap();
    let served = conditions(&sim, &pending.name);
    assert_eq!(served.len(), 1, "{served:#?}");
    assert_eq!(
        (served[0]["type"].as_str(), served[0]["status"].as_str()),
        (Some("PodScheduled"), Some("False"))
    );
    assert_eq!(served[0]["reason"], "Unschedulable");
    assert_eq!(served[0]["message"].as_str(), pending.unschedulable.as_deref());
    // Its transition time is the first failure's; a bound pod's, the binding's.
    let first_failure = messages(&sim, &pending.name)[0].0;
    assert_eq!(served[0]["lastTransitionTime"], stsim_core::kube::timestamp(first_failure));
    let placed = report.pods.iter().find(|p| p.state.node.is_some()).unwrap();
    let served = conditions(&sim, &placed.name);
    let kinds: Vec<_> = served.iter().map(|c| format!("{} {}", c["type"], c["status"])).collect();
    assert_eq!(
        kinds,
        [
            "\"PodReadyToStartContainers\" \"True\"",
            "\"Initialized\" \"True\"",
            "\"Ready\" \"True\"",
            "\"ContainersReady\" \"True\"",
            "\"PodScheduled\" \"True\""
        ]
    );
    let bound = sim.trace.records.iter().find_map(|r| match &r.event {
        Event::PodScheduled { pod, .. } if sim.world.pod(*pod).name == placed.name => Some(r.at),
        _ => None,
    });
    assert_eq!(served[4]["lastTransitionTime"], stsim_core::kube::timestamp(bound.unwrap()));
    let (sim, _) = run(&scenario(r#"(name: "worker", count: 0)"#, 1, "", "", ""));
    let served = conditions(&sim, "web-0");
    assert_eq!(served[0]["reason"], "SchedulerError", "{served:#?}");
    assert_eq!(served[0]["message"], "no nodes available to schedule pods");
}

/// Two sets of pods that request nothing, made one after the other: kube-
/// scheduler's scoring counts each container that requests no CPU or
/// memory as asking 100m and 200 MiB (pkg/scheduler/util/non_zero.go), so
/// LeastAllocated sends the second set's pod to the node with no pod, for
/// every seed. Counted as written (nothing), every node would look empty
/// and the pod would land beside another one in two seeds of three.
#[test]
fn pods_that_request_nothing_still_weigh_on_the_scoring() {
    for seed in 0..12 {
        let source = format!(
            r#"Scenario(
    name: "nonzero",
    seed: {seed},
    duration: "3m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 3, cpu: "4", memory: "8Gi")]),
    services: [(name: "a", selector: {{"app": "a"}}), (name: "b", selector: {{"app": "b"}})],
    statefulsets: [
        (name: "a", serviceName: "a", replicas: 2, podManagementPolicy: Parallel,
         template: (labels: {{"app": "a"}}, image: "nginx")),
        (name: "b", serviceName: "b", replicas: 0, template: (labels: {{"app": "b"}}, image: "nginx")),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "b", replicas: 1))],
)"#
        );
        let (sim, _) = run(&source);
        let nodes: std::collections::BTreeSet<String> =
            ["a-0", "a-1", "b-0"].iter().map(|p| placement(&sim, p).unwrap().0).collect();
        assert_eq!(nodes.len(), 3, "seed {seed}: a-0, a-1 and b-0 on {nodes:?}");
    }
}

/// BalancedAllocation leaves out a pod that requests no CPU and no memory
/// from 1.33 (k/k #130260; it had packed such pods onto one node, #129138).
/// worker-1 runs a pod asking 1 CPU (and no memory), worker-2 one asking
/// 500m and 2 GiB. For a pod that asks nothing, LeastAllocated (requests
/// counted with the 100m/200 MiB defaults) gives worker-1 83 and worker-2
/// 78; BalancedAllocation (requests as written) 87 and 93. Up to 1.32 the
/// sums are 170 and 171: worker-2. From 1.33 only LeastAllocated counts:
/// worker-1.
#[test]
fn balanced_allocation_skips_pods_that_request_nothing_from_1_33() {
    for (version, node) in [("1.32", "worker-2"), ("1.33", "worker-1"), ("1.36", "worker-1")] {
        for seed in 0..4 {
            let source = format!(
                r#"Scenario(
    name: "balanced",
    seed: {seed},
    kubernetesVersion: "{version}",
    duration: "3m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 2, cpu: "4", memory: "8Gi")]),
    services: [(name: "q", selector: {{"app": "q"}})],
    statefulsets: [
        (name: "cpu", serviceName: "q", replicas: 1,
         template: (labels: {{"app": "cpu"}}, image: "nginx", resources: (requests: (cpu: "1")), nodeName: "worker-1")),
        (name: "mixed", serviceName: "q", replicas: 1,
         template: (labels: {{"app": "mixed"}}, image: "nginx",
                    resources: (requests: (cpu: "500m", memory: "2Gi")), nodeName: "worker-2")),
        (name: "q", serviceName: "q", replicas: 0, template: (labels: {{"app": "q"}}, image: "nginx")),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "q", replicas: 1))],
)"#
            );
            let (sim, _) = run(&source);
            assert_eq!(placement(&sim, "q-0").unwrap().0, node, "{version}, seed {seed}");
        }
    }
}

/// From 1.36 BalancedAllocation scores the change a pod makes to a node's
/// balance (k/k #135573), so the node choice can differ from 1.35's.
/// worker-1 runs a pod asking 1 CPU and 2 GiB (25% and 25%: balanced),
/// worker-2 one asking 2 CPU and no memory (50% and 0%). The new pod asks
/// 500m and 2 GiB. LeastAllocated (the defaults fill worker-2's unwritten
/// memory, 200 MiB) gives worker-1 (62 + 50) / 2 = 56 and worker-2
/// (37 + 72) / 2 = 54. BalancedAllocation's balances without and with the
/// pod are 100 -> 93 on worker-1 and 75 -> 81 on worker-2. Up to 1.35 the
/// score is the balance with the pod: 56 + 93 = 149 against 54 + 81 = 135,
/// worker-1. From 1.36 it is 50 + (50 + with - without) / 2: worker-1
/// 50 + 43 / 2 = 71, worker-2 50 + 56 / 2 = 78; 127 against 132, worker-2.
#[test]
fn balanced_allocation_scores_the_change_in_balance_from_1_36() {
    for (version, node) in
        [("1.33", "worker-1"), ("1.35", "worker-1"), ("1.36", "worker-2"), ("1.37", "worker-2")]
    {
        for seed in 0..4 {
            let source = format!(
                r#"Scenario(
    name: "balance-change",
    seed: {seed},
    kubernetesVersion: "{version}",
    duration: "3m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 2, cpu: "4", memory: "8Gi")]),
    services: [(name: "q", selector: {{"app": "q"}})],
    statefulsets: [
        (name: "even", serviceName: "q", replicas: 1,
         template: (labels: {{"app": "even"}}, image: "nginx",
                    resources: (requests: (cpu: "1", memory: "2Gi")), nodeName: "worker-1")),
        (name: "cpu", serviceName: "q", replicas: 1,
         template: (labels: {{"app": "cpu"}}, image: "nginx", resources: (requests: (cpu: "2")), nodeName: "worker-2")),
        (name: "q", serviceName: "q", replicas: 0,
         template: (labels: {{"app": "q"}}, image: "nginx", resources: (requests: (cpu: "500m", memory: "2Gi")))),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "q", replicas: 1))],
)"#
            );
            let (sim, _) = run(&source);
            assert_eq!(placement(&sim, "q-0").unwrap().0, node, "{version}, seed {seed}");
        }
    }
}

/// A template patch's requests reach the scoring too: a part the patch
/// leaves out counts at its default, as a template's does. Pods made after
/// the patch carry both counts; the node's scoring count follows them.
#[test]
fn a_patched_template_s_requests_are_scored_as_written() {
    let (sim, _) = run(r#"Scenario(
    name: "patched",
    duration: "5m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1, cpu: "4", memory: "8Gi")]),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(name: "web", serviceName: "web", replicas: 1,
        template: (labels: {"app": "web"}, image: "nginx", resources: (requests: (cpu: "2", memory: "1Gi"))))],
    timeline: [(at: "1m", do: PatchTemplate(statefulset: "web", template: (resources: (requests: (cpu: "1")))))],
)"#);
    let pod = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!((pod.requests.cpu_millis, pod.requests.memory_bytes), (1_000, 0), "the patched pod");
    assert_eq!((pod.scoring_requests.cpu_millis, pod.scoring_requests.memory_bytes), (1_000, 200 << 20));
    let node = sim.world.node(pod.node.unwrap());
    assert_eq!(node.scoring_requested, pod.scoring_requests, "the node counts its one pod");
}

/// Every kubelet registers its node with `kubernetes.io/os` and
/// `kubernetes.io/arch` (`InitialNode`): charts pin their pods with
/// `nodeSelector: {kubernetes.io/os: linux}`, which every node of a Linux
/// cluster matches. A pool's own labels (`--node-labels`) may say another
/// architecture, and a selector for it then picks that pool.
#[test]
fn nodes_carry_the_kubelets_os_and_arch_labels() {
    let linux = scenario(
        r#"(name: "worker", count: 3)"#,
        3,
        r#"nodeSelector: {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}"#,
        "",
        "",
    );
    let (sim, _) = run(&linux);
    for pod in ["web-0", "web-1", "web-2"] {
        assert!(placement(&sim, pod).is_some(), "{pod} placed on a Linux amd64 node");
    }
    let node = &sim.world.nodes[0];
    assert_eq!(node.labels.get("kubernetes.io/os").map(String::as_str), Some("linux"));
    let arm = scenario(
        r#"(name: "worker", count: 2), (name: "graviton", count: 1, labels: {"kubernetes.io/arch": "arm64"})"#,
        2,
        r#"nodeSelector: {"kubernetes.io/arch": "arm64"}"#,
        "",
        "",
    );
    let (sim, _) = run(&arm);
    assert_eq!(placement(&sim, "web-0").map(|(node, _)| node).as_deref(), Some("graviton-1"));
    assert_eq!(placement(&sim, "web-1").map(|(node, _)| node).as_deref(), Some("graviton-1"));
    let windows = linux.replace(r#""kubernetes.io/os": "linux""#, r#""kubernetes.io/os": "windows""#);
    let (sim, _) = run(&windows);
    assert_eq!(placement(&sim, "web-0"), None, "no Windows node");
}

/// The PodTopologyLabels admission plugin (beta and on from 1.35): a
/// binding, or a create naming a node, copies the node's
/// `topology.kubernetes.io/zone` and `/region` labels onto the pod,
/// overwriting the pod's own; before 1.35 the gate is off, and in 1.33 it
/// copied the misspelled `topology.k8s.io/` keys (k/k PR #132462).
#[test]
fn a_bound_pod_takes_its_nodes_topology_labels_from_1_35() {
    let source = |version: &str, gates: &str| {
        format!(
            r#"Scenario(
    name: "topology-labels", duration: "2m", kubernetesVersion: "{version}", featureGates: {{{gates}}},
    cluster: (
        zones: ["zone-a", "zone-b"],
        nodePools: [(name: "worker", count: 2, labels: {{"topology.kubernetes.io/region": "eu-1", "topology.k8s.io/zone": "old-a"}})],
    ),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(
        name: "web", serviceName: "web", replicas: 2, podManagementPolicy: Parallel,
        template: (labels: {{"app": "web", "topology.kubernetes.io/zone": "mine"}}, image: "nginx"),
    )],
    timeline: [(at: "1m", do: CreatePod(name: "bare", template: (labels: {{"app": "bare"}}, image: "nginx", nodeName: "worker-2")))],
)"#
        )
    };
    let labels = |version: &str, gates: &str| {
        let (sim, _) = run(&source(version, gates));
        ["web-0", "web-1", "bare"].map(|name| {
            let pod = sim.world.pod(sim.world.pod_named(name).expect(name));
            let node = sim.world.node(pod.node.expect("bound"));
            let label = |key: &str| pod.labels.get(key).cloned().unwrap_or_default();
            (
                node.zone.clone(),
                label("topology.kubernetes.io/zone"),
                label("topology.kubernetes.io/region"),
                label("topology.k8s.io/zone"),
            )
        })
    };
    for (zone, pod_zone, region, misspelled) in labels("1.36", "") {
        assert_eq!((pod_zone, region.as_str(), misspelled.as_str()), (zone, "eu-1", ""));
    }
    for version in ["1.34", "1.33"] {
        for (name, (_, pod_zone, region, _)) in ["web-0", "web-1", "bare"].iter().zip(labels(version, "")) {
            let own = if *name == "bare" { "" } else { "mine" };
            assert_eq!((pod_zone.as_str(), region.as_str()), (own, ""), "{name} in {version}: gate off");
        }
    }
    let on = r#""PodTopologyLabelsAdmission": true"#;
    for (zone, pod_zone, region, _) in labels("1.34", on) {
        assert_eq!((pod_zone, region.as_str()), (zone, "eu-1"));
    }
    for (name, (_, pod_zone, region, misspelled)) in ["web-0", "web-1", "bare"].iter().zip(labels("1.33", on))
    {
        let own = if *name == "bare" { "" } else { "mine" };
        assert_eq!((pod_zone.as_str(), region.as_str(), misspelled.as_str()), (own, "", "old-a"), "{name}");
    }
}

/// Node selector terms as kube-scheduler reads them: `Gt` and `Lt` compare
/// the label as an integer (a label that is no integer never matches),
/// `matchFields` names a node by `metadata.name`, and an empty term is
/// valid and matches no node. Label selectors have no `Gt` or `Lt`, and a
/// field selector reads only `metadata.name`, with one value.
#[test]
fn node_terms_compare_integers_and_name_nodes() {
    let placed = |term: &str| {
        let source = scenario(
            r#"(name: "small", count: 1, labels: {"cores": "4"}), (name: "big", count: 1, labels: {"cores": "16"}),
               (name: "odd", count: 1, labels: {"cores": "many"})"#,
            1,
            &format!(
                "affinity: (nodeAffinity: (requiredDuringSchedulingIgnoredDuringExecution: (nodeSelectorTerms: [{term}])))"
            ),
            "",
            "",
        );
        let (sim, _) = run(&source);
        placement(&sim, "web-0").map(|(node, _)| node)
    };
    let expression = |op: &str, value: &str| {
        format!(r#"(matchExpressions: [(key: "cores", operator: {op}, values: ["{value}"])])"#)
    };
    assert_eq!(placed(&expression("Gt", "8")).as_deref(), Some("big-1"));
    assert_eq!(placed(&expression("Lt", "8")).as_deref(), Some("small-1"));
    assert_eq!(placed(&expression("Gt", "16")), None);
    let named = r#"(matchFields: [(key: "metadata.name", operator: In, values: ["odd-1"])])"#;
    assert_eq!(placed(named).as_deref(), Some("odd-1"));
    assert_eq!(placed("()"), None, "an empty term matches no node");
    let refused = |template: &str| {
        let source = scenario(r#"(name: "w", count: 1)"#, 1, template, "", "");
        let errors = stsim_scenario::parse_scenario(&source, "t.ron").expect_err("refused");
        errors.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    let at = "statefulsets[0].template.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]";
    let term = |t: &str| {
        format!(
            "affinity: (nodeAffinity: (requiredDuringSchedulingIgnoredDuringExecution: (nodeSelectorTerms: [{t}])))"
        )
    };
    assert_eq!(
        refused(&term(r#"(matchExpressions: [(key: "cores", operator: Gt, values: ["1", "2"])])"#)),
        [format!(
            "{at}.matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"
        )]
    );
    assert_eq!(
        refused(&term(r#"(matchFields: [(key: "metadata.labels", operator: Exists)])"#)),
        [
            format!(
                "{at}.matchFields[0].key: Invalid value: \"metadata.labels\": not a valid field selector key"
            ),
            format!("{at}.matchFields[0].operator: Invalid value: \"Exists\": not a valid selector operator"),
        ]
    );
    let anti = r#"affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
        (labelSelector: (matchExpressions: [(key: "app", operator: Gt, values: ["1"])]), topologyKey: "kubernetes.io/hostname")]))"#;
    assert_eq!(
        refused(anti),
        [
            "statefulsets[0].template.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]\
          .labelSelector.matchExpressions[0].operator: Invalid value: \"Gt\": not a valid selector operator"
        ]
    );
}
