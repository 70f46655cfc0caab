//! PodTopologySpread with a pod's own `topologySpreadConstraints`, end to
//! end: `DoNotSchedule` filters with kube-scheduler's skew rule and words,
//! `minDomains`, the node inclusion policies, and `ScheduleAnyway` scoring
//! that replaces the system defaults. Each test states the rule it checks
//! (pkg/scheduler/framework/plugins/podtopologyspread).

use crate::support::run;
use stsim_core::sim::Simulation;

/// A StatefulSet `web` of `replicas` (Parallel, 100m each) on `pools` over
/// zones a, b and c, its template given `constraints` and `extra` fields.
fn spread_scenario(pools: &str, replicas: u32, constraints: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "spread",
    duration: "3m",
    cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [{pools}]),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: {replicas},
        podManagementPolicy: Parallel,
        template: (
            image: "nginx",
            resources: (requests: (cpu: "100m")),
            topologySpreadConstraints: [{constraints}],
            {extra}
        ),
    )],
)"#
    )
}

/// The zone of each placed replica, and the unschedulable message of each
/// Pending one, by ordinal.
fn outcome(sim: &Simulation, replicas: u32) -> Vec<Result<String, String>> {
    (0..replicas)
        .map(|i| {
            let pod = sim.world.pod(sim.world.pod_named(&format!("web-{i}")).expect("created"));
            match pod.node {
                Some(node) => Ok(sim.world.node(node).zone.clone()),
                None => Err(pod.status.unschedulable.clone().unwrap_or_default()),
            }
        })
        .collect()
}

fn zone_counts(result: &[Result<String, String>]) -> [usize; 3] {
    let count = |zone: &str| result.iter().filter(|o| o.as_deref() == Ok(zone)).count();
    [count("zone-a"), count("zone-b"), count("zone-c")]
}

const ZONE_HARD: &str = r#"(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: DoNotSchedule, labelSelector: (matchLabels: {"app": "web"}))"#;

/// A preferred node affinity pulls every replica to zone-a; a
/// `DoNotSchedule` zone constraint with maxSkew 1 still keeps the zones
/// within one pod of each other, for every seed.
#[test]
fn do_not_schedule_keeps_zones_within_max_skew() {
    let pull = r#"affinity: (nodeAffinity: (preferredDuringSchedulingIgnoredDuringExecution: [
        (weight: 100, preference: (matchExpressions: [
            (key: "topology.kubernetes.io/zone", operator: In, values: ["zone-a"])]))]))"#;
    for seed in 0..6 {
        let pulled = |constraints: &str| {
            let source = spread_scenario(r#"(name: "worker", count: 9)"#, 7, constraints, pull).replacen(
                "name: \"spread\",",
                &format!("name: \"spread\",\n    seed: {seed},"),
                1,
            );
            zone_counts(&outcome(&run(&source).0, 7))
        };
        let counts = pulled(ZONE_HARD);
        assert_eq!(counts.iter().sum::<usize>(), 7, "seed {seed}: every replica placed");
        assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "seed {seed}: {counts:?}");
        // The same set without the constraint: the affinity wins.
        assert!(pulled("")[0] > 3, "seed {seed}: the pull is real without the constraint");
    }
}

/// Zone c has no room. The first two replicas go to a and b; the third
/// would make a or b hold 2 against c's 0, a skew of 2: it stays Pending
/// with kube-scheduler's FitError. A full zone is still a domain: only the
/// inclusion policies (node affinity, taints), not resources, leave a node
/// out of the count. The skew is `Unschedulable` (preemption could help);
/// the tiny node's shortfall is not: the pod asks more than all it has
/// (from 1.34, k/k #131345).
#[test]
fn a_full_zone_still_counts_and_blocks_the_next_replica() {
    let pools = r#"(name: "big", count: 2, cpu: "2", zones: ["zone-a", "zone-b"]),
        (name: "tiny", count: 1, cpu: "50m", zones: ["zone-c"])"#;
    let (sim, _) = run(&spread_scenario(pools, 3, ZONE_HARD, ""));
    let result = outcome(&sim, 3);
    assert_eq!(zone_counts(&result), [1, 1, 0], "{result:?}");
    let pending: Vec<&String> = result.iter().filter_map(|o| o.as_ref().err()).collect();
    assert_eq!(
        pending,
        [
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match pod topology spread constraints. \
          no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for \
          scheduling, 2 No preemption victims found for incoming pod."
        ]
    );
}

/// `minDomains`: while fewer domains than it exist, the global minimum is
/// 0. With nodes in two zones only and minDomains 3, each zone takes at
/// most maxSkew (1) pod; without it the third pod goes beside one.
#[test]
fn min_domains_counts_missing_domains_as_empty() {
    let pools = r#"(name: "worker", count: 4, zones: ["zone-a", "zone-b"])"#;
    let with = ZONE_HARD.replace("whenUnsatisfiable", "minDomains: 3, whenUnsatisfiable");
    let (sim, _) = run(&spread_scenario(pools, 3, &with, ""));
    let result = outcome(&sim, 3);
    assert_eq!(zone_counts(&result), [1, 1, 0], "{result:?}");
    assert!(result.iter().any(|o| {
        o.as_ref().is_err_and(|m| m.contains("4 node(s) didn't match pod topology spread constraints"))
    }));
    let (sim, _) = run(&spread_scenario(pools, 3, ZONE_HARD, ""));
    assert_eq!(zone_counts(&outcome(&sim, 3)).iter().sum::<usize>(), 3, "without minDomains all are placed");
}

/// A node without the constraint's topology key can never take the pod:
/// `UnschedulableAndUnresolvable`, "(missing required label)", and
/// preemption is not helpful there. Only nodes with the key are domains:
/// rack r2's node has no room (less than the pod asks in all, so from 1.34
/// preemption is not helpful there either), so after one pod in r1 the
/// skew against r2 (2 against 0) refuses r1 too.
#[test]
fn a_node_without_the_key_is_unresolvable() {
    let pools = r#"(name: "r1", count: 1, labels: {"rack": "r1"}),
        (name: "r2", count: 1, cpu: "50m", labels: {"rack": "r2"}), (name: "plain", count: 2)"#;
    let rack = r#"(maxSkew: 1, topologyKey: "rack", whenUnsatisfiable: DoNotSchedule,
        labelSelector: (matchLabels: {"app": "web"}))"#;
    let (sim, _) = run(&spread_scenario(pools, 2, rack, ""));
    let result = outcome(&sim, 2);
    let placed: Vec<String> = (0..2)
        .filter_map(|i| sim.world.pod(sim.world.pod_named(&format!("web-{i}")).unwrap()).node)
        .map(|node| sim.world.node(node).name.clone())
        .collect();
    assert_eq!(placed, ["r1-1"], "{result:?}");
    let pending: Vec<&String> = result.iter().filter_map(|o| o.as_ref().err()).collect();
    assert_eq!(
        pending,
        [
            "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match pod topology spread constraints, \
          2 node(s) didn't match pod topology spread constraints (missing required label). no new claims to \
          deallocate, preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 \
          Preemption is not helpful for scheduling."
        ]
    );
}

/// `nodeAffinityPolicy`: with the default `Honor`, nodes the pod's
/// nodeSelector excludes are no domain, so the pods spread over the zones
/// they may use. With `Ignore`, zone c (where the pod may not run) counts
/// as a domain holding 0, and once a and b hold one each, the third waits.
#[test]
fn node_affinity_policy_decides_whether_excluded_nodes_count() {
    let pools = r#"(name: "db", count: 4, zones: ["zone-a", "zone-b"], labels: {"pool": "db"}),
        (name: "other", count: 2, zones: ["zone-c"])"#;
    let select = r#"nodeSelector: {"pool": "db"}"#;
    let (sim, _) = run(&spread_scenario(pools, 4, ZONE_HARD, select));
    assert_eq!(zone_counts(&outcome(&sim, 4)), [2, 2, 0], "Honor: spread over a and b");
    let ignore = ZONE_HARD.replace("whenUnsatisfiable", "nodeAffinityPolicy: Ignore, whenUnsatisfiable");
    let (sim, _) = run(&spread_scenario(pools, 4, &ignore, select));
    let result = outcome(&sim, 4);
    assert_eq!(zone_counts(&result), [1, 1, 0], "Ignore: zone c's nodes count, {result:?}");
}

/// `ScheduleAnyway` never refuses a node: with zone c full, every replica
/// is placed. And the pod's own constraints replace the system defaults in
/// the score: a node lacking a soft constraint's key is ignored and scores
/// 0, so the pods go to the two nodes that carry it, where the defaults
/// would have spread them over all six.
#[test]
fn schedule_anyway_scores_and_never_blocks() {
    let soft = ZONE_HARD.replace("DoNotSchedule", "ScheduleAnyway");
    let pools = r#"(name: "big", count: 2, cpu: "2", zones: ["zone-a", "zone-b"]),
        (name: "tiny", count: 1, cpu: "50m", zones: ["zone-c"])"#;
    let (sim, _) = run(&spread_scenario(pools, 3, &soft, ""));
    assert_eq!(zone_counts(&outcome(&sim, 3)).iter().sum::<usize>(), 3);

    let pools = r#"(name: "r1", count: 1, labels: {"rack": "r1"}), (name: "r2", count: 1, labels: {"rack": "r2"}),
        (name: "plain", count: 4)"#;
    let rack = r#"(maxSkew: 1, topologyKey: "rack", whenUnsatisfiable: ScheduleAnyway,
        labelSelector: (matchLabels: {"app": "web"}))"#;
    for seed in 0..6 {
        let source = spread_scenario(pools, 3, rack, "").replacen(
            "name: \"spread\",",
            &format!("name: \"spread\",\n    seed: {seed},"),
            1,
        );
        let (sim, _) = run(&source);
        let nodes: Vec<String> = (0..3)
            .map(|i| {
                let pod = sim.world.pod(sim.world.pod_named(&format!("web-{i}")).unwrap());
                sim.world.node(pod.node.unwrap()).name.clone()
            })
            .collect();
        assert!(nodes.iter().all(|n| n == "r1-1" || n == "r2-1"), "seed {seed}: {nodes:?}");
        assert!(
            nodes.iter().any(|n| n == "r1-1") && nodes.iter().any(|n| n == "r2-1"),
            "seed {seed}: {nodes:?}"
        );
    }
}

/// A pod placed elsewhere can lift the skew that holds a pod back, and the
/// waiting pod tries again at once (PodTopologySpread's queueing hint for
/// an assigned pod). `db-a` may run only in zones a and b, yet with
/// `nodeAffinityPolicy: Ignore` zone c counts, holding 0: `db-a-2` waits.
/// At 1m `db-b-0`, which counts under the same selector, lands in zone c;
/// the least count is 1 now, and `db-a-2` is placed in that instant.
#[test]
fn a_pod_placed_elsewhere_lets_a_waiting_pod_in() {
    let source = r#"Scenario(
    name: "spread-retry",
    duration: "3m",
    cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [
        (name: "ab", count: 2, zones: ["zone-a", "zone-b"], labels: {"tier": "ab"}),
        (name: "c", count: 1, zones: ["zone-c"], labels: {"tier": "c"}),
    ]),
    services: [(name: "db", selector: {"app": "db"})],
    statefulsets: [
        (name: "db-a", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (image: "postgres", labels: {"app": "db", "set": "a"}, nodeSelector: {"tier": "ab"},
                topologySpreadConstraints: [(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Ignore,
                    labelSelector: (matchLabels: {"app": "db"}))])),
        (name: "db-b", serviceName: "db", replicas: 0,
            template: (image: "postgres", labels: {"app": "db", "set": "b"}, nodeSelector: {"tier": "c"})),
    ],
    timeline: [(at: "1m", do: Scale(statefulset: "db-b", replicas: 1))],
)"#;
    let (sim, _) = run(source);
    let scheduled = |name: &str| {
        let pod = sim.world.pod_named(name).unwrap();
        sim.trace.records.iter().find_map(|r| match r.event {
            stsim_core::trace::Event::PodScheduled { pod: p, .. } if p == pod => Some(r.at),
            _ => None,
        })
    };
    let b = scheduled("db-b-0").expect("db-b-0 is placed");
    assert!(b >= crate::support::t("1m"));
    assert_eq!(scheduled("db-a-2"), Some(b), "db-a-2 goes in as soon as db-b-0 is placed");
}

/// Releases whose gates are off drop the newer spread fields when the set
/// is written (`dropDisabledTopologySpreadConstraintsFields`), and their
/// scheduler spreads as before them: `minDomains` from 1.27
/// (`MinDomainsInPodTopologySpread`), `nodeAffinityPolicy` and
/// `nodeTaintsPolicy` from 1.26 (`NodeInclusionPolicyInPodTopologySpread`),
/// `matchLabelKeys` from 1.27 (`MatchLabelKeysInPodTopologySpread`).
#[test]
fn newer_spread_fields_are_dropped_where_their_gates_are_off() {
    let pools = r#"(name: "worker", count: 4, zones: ["zone-a", "zone-b"])"#;
    let with = ZONE_HARD.replace(
        "whenUnsatisfiable",
        r#"minDomains: 3, nodeTaintsPolicy: Honor, matchLabelKeys: ["controller-revision-hash"], whenUnsatisfiable"#,
    );
    let at = |version: &str| {
        let source = spread_scenario(pools, 3, &with, "").replacen(
            "name: \"spread\",",
            &format!("name: \"spread\",\n    kubernetesVersion: \"{version}\","),
            1,
        );
        let (sim, _) = run(&source);
        let kept = sim.world.statefulsets[0].spec.template.topology_spread[0].clone();
        let placed: usize = zone_counts(&outcome(&sim, 3)).iter().sum();
        (kept.min_domains, kept.node_taints_policy, kept.match_label_keys.len(), placed)
    };
    use stsim_core::config::NodeInclusionPolicy::{Honor, Ignore};
    assert_eq!(at("1.25"), (None, Ignore, 0, 3), "every field dropped: all three placed");
    assert_eq!(at("1.26"), (None, Honor, 0, 3));
    assert_eq!(at("1.27"), (Some(3), Honor, 1, 2), "minDomains 3 over two zones holds one back");
}

/// `labelSelector: {}` (written, and empty) counts no pod from 1.27
/// through 1.36 (`countPodsMatchSelector` returns 0 for an empty selector,
/// k/k #116607; the bug k/k #141339): the constraint never holds a pod
/// back. Before 1.27 it counts every pod, so zone-a's three pods of x
/// against zone-b's none keep web-0 off the only node it may use.
#[test]
fn an_empty_label_selector_counts_no_pod_from_1_27_to_1_36() {
    let source = include_str!("fixtures/spread-empty-selector.ron");
    let placed = |version: &str| {
        let (sim, _) =
            run(&source.replace("kubernetesVersion: \"1.36\"", &format!("kubernetesVersion: \"{version}\"")));
        let pod = sim.world.pod_named("web-0").map(|id| sim.world.pod(id));
        pod.and_then(|p| p.node).map(|n| sim.world.node(n).name.clone())
    };
    assert_eq!(placed("1.36").as_deref(), Some("n-1"));
    assert_eq!(placed("1.27").as_deref(), Some("n-1"));
    assert_eq!(placed("1.26"), None);
}
