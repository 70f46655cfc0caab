//! Databases that can lose data: replication positions, the leader lease,
//! fencing that needs reachability, and the network's reachability rule,
//! checked across seeds and against cases beyond the shipped scenarios.

use crate::support::{parse, run, run_file, t};
use stsim_core::apps::Health;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

fn failed(sim: &stsim_core::Simulation, report: &stsim_core::Report) -> Vec<String> {
    stsim_core::expect::check(sim, report).into_iter().filter(|v| !v.passed).map(|v| v.description).collect()
}

/// A 3-member database on 3 nodes, one member per node (the requests leave
/// room for one). At 15m pg-1's claim and pod are deleted: it rejoins empty
/// and copies the database for 10 minutes, so at 20m it is far behind pg-2.
/// At 20m the primary's node fails (`{FAULT}`), and is back at 30m.
const TEMPLATE: &str = r#"Scenario(
    name: "failover-seeds",
    seed: {SEED},
    duration: "40m",
    images: [(name: "postgres:16", pull: "2s", startup: "3s", shutdown: "5s")],
    services: [(name: "pg-svc", clusterIP: "None", selector: {"app": "pg"}, ports: [(name: "postgres", port: 5432)])],
    statefulsets: [(
        name: "pg",
        app: PrimaryReplica(addressing: Dns, catchUp: "10m", synchronous: {SYNC}),
        serviceName: "pg-svc",
        replicas: 3,
        template: (
            labels: {"app": "pg"},
            image: "postgres:16",
            resources: (requests: (cpu: "1500m", memory: "1Gi")),
            readinessProbe: (initialDelaySeconds: 5),
        ),
        volumeClaimTemplates: [(name: "data", storage: "10Gi")],
    )],
    cluster: (nodePools: [(name: "worker", count: 3, cpu: "2", memory: "8Gi")]),
    operators: [(operator: {OPERATOR}, reconcileDelay: "1s")],
    timeline: [
        (at: "15m", do: DeletePvc(pvc: "data-pg-1")),
        (at: "15m", do: DeletePod(pod: "pg-1")),
        {FAULTS}
    ],
    expect: [NoWritesLost(app: "pg"), NeverSplitBrain(app: "pg")],
)"#;

const NAIVE: &str = r#"Failover(after: "10s", checkEvery: "5s")"#;
const CAREFUL: &str =
    r#"Failover(after: "10s", checkEvery: "5s", pick: MostCaughtUp, fencing: WaitForLease)"#;

fn scenario(seed: u64, operator: &str, sync: bool, faults: &str) -> String {
    TEMPLATE
        .replace("{SEED}", &seed.to_string())
        .replace("{SYNC}", if sync { "true" } else { "false" })
        .replace("{OPERATOR}", operator)
        .replace("{FAULTS}", faults)
}

/// The node pg-0 runs on at 20m for this seed: the run up to then is the
/// same whatever comes after (same seed, same prefix).
fn primary_node(seed: u64) -> String {
    let mut config = parse(&scenario(seed, NAIVE, false, ""));
    config.duration = stsim_core::time::SimDuration::from_mins(20);
    let (sim, _) = stsim_core::run(config);
    let pod = sim.world.pod_named("pg-0").expect("pg-0 runs");
    sim.world.node(sim.world.pod(pod).node.expect("scheduled")).name.clone()
}

fn outcome(seed: u64, operator: &str, fault: &str, sync: bool) -> Vec<String> {
    let node = primary_node(seed);
    let faults = format!(
        "(at: \"20m\", do: {fault}(node: \"{node}\")),\n        (at: \"30m\", do: RecoverNode(node: \"{node}\")),"
    );
    let (sim, report) = run(&scenario(seed, operator, sync, &faults));
    // Someone was promoted in every case: the operator acted.
    assert!(
        sim.trace
            .records
            .iter()
            .any(|r| matches!(&r.event, Event::AppMember { what, .. } if what.starts_with("promoted"))),
        "seed {seed}: nobody was promoted"
    );
    failed(&sim, &report)
}

/// Rule: promoting the most caught-up replica only once the old primary's
/// lease has expired loses no write and never has two primaries; promoting
/// the lowest ordinal at once loses the writes it lacked, and under a
/// partition runs two primaries. Across seeds (placement differs), under
/// crash and under partition (synchronous replication, without which the
/// writes clients make on the cut-off side are lost whatever the operator does).
#[test]
fn careful_failover_passes_and_naive_failover_fails_across_seeds() {
    for seed in 1..=20 {
        assert_eq!(
            outcome(seed, CAREFUL, "CrashNode", false),
            Vec::<String>::new(),
            "careful, crash, seed {seed}"
        );
        assert_eq!(
            outcome(seed, NAIVE, "CrashNode", false),
            ["NoWritesLost(pg)"],
            "naive, crash, seed {seed}: a crashed primary takes no writes, so no split brain"
        );
        assert_eq!(
            outcome(seed, CAREFUL, "PartitionNode", true),
            Vec::<String>::new(),
            "careful, partition, seed {seed}"
        );
        assert_eq!(
            outcome(seed, NAIVE, "PartitionNode", true),
            ["NoWritesLost(pg)", "NeverSplitBrain(pg)"],
            "naive, partition, seed {seed}"
        );
    }
}

/// Rule: with asynchronous replication, a primary cut off by a partition
/// takes writes from the clients on its side until its lease runs out, and
/// no failover keeps them: even the careful operator loses them.
#[test]
fn asynchronous_replication_loses_the_cut_off_side_writes_even_with_a_careful_failover() {
    let seed = 3;
    assert_eq!(outcome(seed, CAREFUL, "PartitionNode", false), ["NoWritesLost(pg)"]);
}

/// The lost writes are counted from the positions: at 100 writes/s, the
/// unfenced failover loses what pg-0 took from the partition (10m) until its
/// lease ran out, and the finding names who, since when and why.
#[test]
fn the_lost_writes_are_counted_and_explained() {
    let (sim, report) = run_file("databases/failover-partition-unfenced");
    let lost = stsim_core::apps::replication::lost_writes(&sim.world.apps.list[0]);
    assert_eq!(lost.len(), 1, "{lost:?}");
    let lost = &lost[0];
    assert_eq!(lost.member, "pg-0");
    assert_eq!(lost.promoted, "pg-1");
    assert_eq!(SimTime::from_millis(lost.from_ms), t("10m"), "the first write pg-1 never got");
    // pg-0 took writes until its lease expired: its last renewal on the
    // 10 s grid before 10m, plus the 30 s ttl.
    let until = SimTime::from_millis(lost.to_ms);
    assert!(until > SimTime::from_millis(lost.promoted_at_ms), "it kept writing after the promotion");
    assert_eq!(lost.writes, (lost.to_ms - lost.from_ms) / 10, "100 writes/s");
    assert_eq!(lost.divergent_writes, (lost.to_ms - lost.promoted_at_ms) / 10);
    let chain = lost.cause.join(" -> ");
    assert!(chain.contains("promoted pg-1") && chain.contains("lease"), "{chain}");
    let finding = report.findings.iter().find(|f| f.id == "writes-lost").expect("a writes-lost finding");
    assert!(finding.summary.contains(&format!("{} writes", lost.writes)), "{}", finding.summary);
    // The split-brain interval is the promotion to the lease's expiry.
    let split: Vec<(SimTime, String)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::AppVerdict { verdict, .. } => Some((r.at, verdict.code.to_string())),
            _ => None,
        })
        .collect();
    let start = split.iter().position(|(_, code)| code == "split-brain").expect("split brain");
    assert_eq!(split[start].0, SimTime::from_millis(lost.promoted_at_ms));
    assert_eq!(split[start + 1].0, until, "split brain ends when pg-0's lease expires");
}

/// Rule: reachability is the network's. A replica on the primary's own
/// partitioned node still reaches it; the others do not.
#[test]
fn members_on_one_partitioned_node_still_reach_each_other() {
    use stsim_core::network;
    let (sim, _) = run_file("databases/failover-partition-unfenced");
    let world = &sim.world;
    let node = |name: &str| {
        world
            .nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| stsim_core::objects::NodeId(i as u32))
            .unwrap()
    };
    // The run ends with every machine running again: reachable.
    assert!(network::reachable(world, node("worker-1"), node("worker-2")));
    let mut partitioned = world.clone();
    partitioned.nodes[node("worker-2").0 as usize].machine = stsim_core::objects::Machine::Partitioned;
    assert!(network::reachable(&partitioned, node("worker-2"), node("worker-2")));
    assert!(!network::reachable(&partitioned, node("worker-1"), node("worker-2")));
}

/// Rule: a failover's fencing reaches only what the API server reaches: the
/// promotion under a partition says it cannot fence pg-0, and never that it
/// steps down.
#[test]
fn fencing_under_a_partition_does_not_claim_to_reach_the_old_primary() {
    let (sim, _) = run_file("databases/failover-partition-unfenced");
    let at_promotion: Vec<&str> = sim
        .trace
        .records
        .iter()
        .filter(|r| r.at == t("10m12s"))
        .filter_map(|r| match &r.event {
            Event::AppMember { what, .. } => Some(what.as_str()),
            _ => None,
        })
        .collect();
    assert!(at_promotion.iter().any(|w| w.starts_with("cannot be fenced")), "{at_promotion:?}");
    assert!(!at_promotion.iter().any(|w| w.contains("steps down now")), "{at_promotion:?}");
    // It learns of the promotion when the network is back.
    let back = t("20m");
    assert!(sim.trace.records.iter().any(|r| r.at == back
        && matches!(&r.event, Event::AppMember { what, .. } if what.contains("steps down") && what.contains("pg_rewind"))));
    let _ = Health::Healthy;
}

/// Rule: machines partitioned together are one island. A zone holding three
/// of five etcd members keeps the quorum on its side of a partition (its
/// members still reach each other); the two members outside are the ones
/// out of it. Had each node been an island of its own, the quorum would be lost.
#[test]
fn a_zone_cut_off_with_a_majority_keeps_the_quorum_on_its_side() {
    let source = crate::support::scenario_file("databases/etcd-zone-partition")
        .replace(
            r#"(name: "a", count: 2, cpu: "2", memory: "8Gi", zones: ["zone-a"]),"#,
            r#"(name: "a", count: 3, cpu: "2", memory: "8Gi", zones: ["zone-a"]),"#,
        )
        .replace(r#"(name: "c", count: 1, cpu: "2", memory: "8Gi", zones: ["zone-c"]),"#, "");
    let mut config = parse(&source);
    config.expect.clear();
    config.duration = stsim_core::time::SimDuration::from_secs(10 * 60 + 30);
    // Only the first action: zone-a (three members) is cut off at 10m.
    config.timeline.truncate(1);
    let (sim, _) = stsim_core::run(config);
    let app = &sim.world.apps.list[0];
    let in_a = app.processes.values().filter(|p| sim.world.node(p.node).zone == "zone-a").count();
    assert_eq!(in_a, 3, "one member per node: three in zone-a");
    let verdict = app.verdict.as_ref().unwrap();
    assert_eq!(verdict.health, Health::Degraded, "{}", verdict.reason);
    // The two members in zone-b, on running nodes, are the ones out of the quorum.
    for process in app.processes.values() {
        let out = sim.world.node(process.node).zone == "zone-b";
        let said = verdict.reason.contains(&format!("{} cannot reach a majority", process.member));
        assert_eq!(said, out, "{}: {}", process.member, verdict.reason);
    }
}

/// A three-member quorum system on three nodes, one member per node.
fn quorum_scenario(system: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "members",
    seed: 5,
    duration: "20m",
    images: [(name: "etcd:3.5", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "etcd", clusterIP: "None", selector: {{"app": "etcd"}}, ports: [(name: "peer", port: 2380)])],
    statefulsets: [(
        name: "etcd",
        app: Quorum(system: {system}, addressing: Dns),
        serviceName: "etcd",
        replicas: 3,
        podManagementPolicy: Parallel,
        template: (
            labels: {{"app": "etcd"}},
            image: "etcd:3.5",
            resources: (requests: (cpu: "1500m", memory: "1Gi")),
            readinessProbe: (initialDelaySeconds: 5),
        ),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    cluster: (nodePools: [(name: "worker", count: 3, cpu: "2", memory: "8Gi")]),
    timeline: [{timeline}],
)"#
    )
}

fn health_at(sim: &stsim_core::Simulation, at: &str) -> (Health, String) {
    let at = t(at);
    sim.trace
        .records
        .iter()
        .filter(|r| r.at <= at)
        .filter_map(|r| match &r.event {
            Event::AppVerdict { verdict, .. } => Some((verdict.health, verdict.reason.clone())),
            _ => None,
        })
        .next_back()
        .expect("a verdict")
}

fn refusals(sim: &stsim_core::Simulation) -> Vec<String> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::ActionRefused { action, why } => Some(format!("{action}: {why}")),
            _ => None,
        })
        .collect()
}

/// Rule: `member add` raises the majority at once, whether or not the new
/// member runs: three healthy members plus an added etcd-3 that never
/// starts need three of four, so losing one more member loses the quorum;
/// without the add, the same loss leaves two of three.
#[test]
fn adding_a_member_that_does_not_run_raises_the_majority_at_once() {
    let loss = r#"(at: "12m", do: CrashNode(node: "worker-1")),"#;
    let (with_add, _) =
        run(&quorum_scenario("Etcd", &format!(r#"(at: "10m", do: AddMember(pod: "etcd-3")), {loss}"#)));
    let (health, reason) = health_at(&with_add, "11m");
    assert_eq!(health, Health::Degraded, "{reason}");
    let (health, reason) = health_at(&with_add, "13m");
    assert_eq!(health, Health::Broken, "{reason}");
    assert!(reason.contains("a majority is 3"), "{reason}");
    let (without, _) = run(&quorum_scenario("Etcd", loss));
    assert_eq!(health_at(&without, "13m").0, Health::Degraded);
}

/// Rule: `member remove` shrinks the majority's denominator; a removed
/// member's process stops serving.
#[test]
fn removing_a_member_shrinks_the_membership() {
    let (sim, _) = run(&quorum_scenario("ZooKeeper", r#"(at: "10m", do: RemoveMember(pod: "etcd-2")),"#));
    let app = &sim.world.apps.list[0];
    assert_eq!(app.clusters[0].members.len(), 2);
    let (health, reason) = health_at(&sim, "11m");
    assert_eq!(health, Health::Degraded, "{reason}");
    assert!(reason.contains("etcd-2 is refused") && reason.contains("no longer a participant"), "{reason}");
    assert!(refusals(&sim).is_empty(), "{:?}", refusals(&sim));
}

/// Rule: a membership change is a log entry and needs a quorum: with two
/// of three members down, `member remove` of a dead one is refused (the
/// classic trap: the dead members cannot be removed to restore a majority).
#[test]
fn a_membership_change_needs_a_quorum() {
    let (sim, _) = run(&quorum_scenario(
        "Etcd",
        r#"(at: "10m", do: CrashNode(node: "worker-1")), (at: "10m", do: CrashNode(node: "worker-2")),
           (at: "11m", do: RemoveMember(pod: "etcd-0")),"#,
    ));
    let refused = refusals(&sim);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].starts_with("remove member etcd-0: cluster-1 has no quorum"), "{refused:?}");
    assert_eq!(sim.world.apps.list[0].clusters[0].members.len(), 3, "nothing changed");
}

/// Rule: other kinds keep their membership by their own rules: a member
/// change of a primary/replica database is refused with the reason.
#[test]
fn member_changes_of_other_kinds_are_refused() {
    let source = crate::support::scenario_file("databases/lagging-replica-promoted")
        .replace("timeline: [", r#"timeline: [(at: "5m", do: RemoveMember(pod: "pg-2")),"#);
    let (sim, _) = run(&source);
    let refused = refusals(&sim);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("PrimaryReplica application"), "{refused:?}");
}

/// Rule: Redis Cluster keeps its membership by node ID: a node back with an
/// empty nodes.conf cannot be added while its old ID is listed, a master
/// serving slots cannot be forgotten, and forget then meet brings the node
/// back as a replica.
#[test]
fn redis_cluster_forget_then_meet() {
    let (sim, report) = run_file("databases/redis-cluster-forget-meet");
    assert!(failed(&sim, &report).is_empty(), "{:?}", failed(&sim, &report));
    let refused = refusals(&sim);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused[0].contains("CLUSTER FORGET it first"), "{refused:?}");
    assert!(refused[1].contains("serves slots"), "{refused:?}");
    let record = &sim.world.apps.list[0].clusters[0];
    assert!(record.members.contains("redis-cluster-4"));
    assert!(record.follows.contains_key("redis-cluster-4"), "back as a replica");
    assert!(record.slots.contains(&"redis-cluster-0".to_string()), "the refused removal changed nothing");
}

/// Rule: a Cassandra decommission keeps the replication factor: refused when
/// fewer nodes than it would remain; a decommissioned node's data is not let
/// back into the ring.
#[test]
fn cassandra_decommission_rules() {
    let (sim, report) = run_file("databases/cassandra-decommission");
    assert!(failed(&sim, &report).is_empty(), "{:?}", failed(&sim, &report));
    let refused = refusals(&sim);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("fewer than the replication factor 3"), "{refused:?}");
    let (health, reason) = health_at(&sim, "17m");
    assert_eq!(health, Health::Degraded);
    assert!(reason.contains("override_decommission"), "{reason}");
    // With a node of the ring cut off (cassandra-0's), the streams cannot run.
    let seed_node = {
        let pod = sim.world.pod(sim.world.pod_named("cassandra-0").unwrap());
        sim.world.node(pod.node.unwrap()).name.clone()
    };
    let source = crate::support::scenario_file("databases/cassandra-decommission").replace(
        r#"(at: "10m", do: RemoveMember(pod: "cassandra-3")),"#,
        &format!(
            r#"(at: "9m", do: PartitionNode(node: "{seed_node}")), (at: "10m", do: RemoveMember(pod: "cassandra-3")),"#
        ),
    );
    let mut config = parse(&source);
    config.expect.clear();
    let (sim, _) = stsim_core::run(config);
    let refused = refusals(&sim);
    assert!(
        refused[0].starts_with("remove member cassandra-3: cassandra-0 cannot be reached to receive"),
        "{refused:?}"
    );
}

/// Rule: the operator view reports each member's position and lag as the
/// database would: before the failover in `lagging-replica-promoted`,
/// pg-1 (back from a ten-minute outage, catching up) is ten minutes of
/// writes behind, pg-2 is level with the primary, and the leader key names
/// pg-0 with a lease that ends `ttl` after its last renewal.
#[test]
fn the_view_reports_positions_lag_and_the_lease() {
    let mut config = parse(&crate::support::scenario_file("databases/lagging-replica-promoted"));
    config.expect.clear();
    config.duration = stsim_core::time::SimDuration::from_secs(20 * 60 + 30);
    let (sim, _) = stsim_core::run(config);
    let view = stsim_core::operators::View::of(&sim.world, t("20m30s").as_millis());
    let app = &view.apps[0];
    let member = |name: &str| app.members.iter().find(|m| m.name == name).unwrap();
    assert_eq!(member("pg-0").role, Some("primary"));
    assert_eq!(member("pg-0").lag, Some(0));
    assert_eq!(member("pg-2").lag, Some(0), "pg-2 follows pg-0 and is level");
    assert_eq!(member("pg-2").position, member("pg-0").position);
    // pg-1's data stopped at 10m (its node crashed); it catches up until
    // 25m2s, so at 20m30s it lacks everything since 10m: 630 s at 100/s.
    assert_eq!(member("pg-1").lag, Some(63_000));
    assert!(member("pg-0").reachable && member("pg-1").reachable);
    assert_eq!(app.leader.as_deref(), Some("pg-0"));
    let expires = app.leader_lease_expires_ms.unwrap();
    assert!(expires > t("20m30s").as_millis() && expires <= t("21m").as_millis(), "{expires}");
}
