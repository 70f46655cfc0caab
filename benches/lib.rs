//! Workloads for stsim's benches, built in code so that their size is a
//! parameter. See `benches/engine.rs`.
//!
//! Every bench and example links this library, so they all measure with
//! the allocator the `stsim` binary uses; `--features system-allocator`
//! measures with the system's instead, for comparison.

#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use stsim_core::config::{Action, Config, NodeFailureConfig, PodManagementPolicy, PodRef, TimelineEntry};
use stsim_core::fixtures;
use stsim_core::time::{SimDuration, SimTime};

/// `sets` StatefulSets of `replicas` pods each, brought up under
/// OrderedReady, then churned for an hour: a pod of every set deleted at
/// 10m, every set scaled down by two at 20m and back up at 30m.
pub fn churn(sets: u32, replicas: u32) -> Config {
    let mut config = fixtures::scenario(
        "bench-churn",
        sets,
        replicas,
        PodManagementPolicy::OrderedReady,
        SimDuration::from_mins(60),
    );
    let at = |minutes: u64| SimTime::ZERO + SimDuration::from_mins(minutes);
    for set in 0..sets as usize {
        let mut push =
            |minutes, action| config.timeline.push(TimelineEntry { at: at(minutes), action, line: 0 });
        push(10, Action::DeletePod { pod: PodRef { statefulset: set, ordinal: 1 } });
        push(20, Action::Scale { statefulset: set, replicas: replicas.saturating_sub(2) });
        push(30, Action::Scale { statefulset: set, replicas });
    }
    config.timeline.sort_by_key(|entry| entry.at);
    config
}

/// `sets` StatefulSets of `replicas` pods each on `nodes` nodes over three
/// zones, run for `days` with random node crashes and repairs: each node
/// fails after a mean of `mean_time_between_failures` and is repaired after
/// a mean of `mean_time_to_repair`, both drawn from the seeded
/// `node-failures` stream.
pub fn node_failures(
    nodes: u32,
    sets: u32,
    replicas: u32,
    days: u64,
    mean_time_between_failures: SimDuration,
    mean_time_to_repair: SimDuration,
) -> Config {
    let mut config = fixtures::scenario(
        "bench-node-failures",
        sets,
        replicas,
        PodManagementPolicy::OrderedReady,
        SimDuration::from_mins(days * 24 * 60),
    );
    config.cluster.node_pools[0].count = nodes;
    config.cluster.node_failures =
        Some(NodeFailureConfig::crashes(mean_time_between_failures, mean_time_to_repair));
    config
}

/// The scale series: `nodes` nodes over three zones running `nodes / 5`
/// StatefulSets of 5 (one pod per node), a month of random node crashes
/// (each node every 30 days on average) repaired after an hour on average.
pub fn scale_month(nodes: u32) -> Config {
    node_failures(
        nodes,
        (nodes / 5).max(1),
        5,
        30,
        SimDuration::from_mins(30 * 24 * 60),
        SimDuration::from_mins(60),
    )
}

/// One `Parallel` StatefulSet of `replicas` pods (nodes for all of them),
/// scaled to zero and back `cycles` times, two minutes apart: the cost of
/// a large set, each of whose syncs and scheduling attempts looks at all
/// its pods (as Kubernetes' do).
pub fn big_set(replicas: u32, cycles: u64) -> Config {
    let mut config = fixtures::scenario(
        "bench-big-set",
        1,
        replicas,
        PodManagementPolicy::Parallel,
        SimDuration::from_mins(cycles * 4 + 2),
    );
    let at = |minutes: u64| SimTime::ZERO + SimDuration::from_mins(minutes);
    for cycle in 0..cycles {
        let down = Action::Scale { statefulset: 0, replicas: 0 };
        config.timeline.push(TimelineEntry { at: at(cycle * 4 + 2), action: down, line: 0 });
        let up = Action::Scale { statefulset: 0, replicas };
        config.timeline.push(TimelineEntry { at: at(cycle * 4 + 4), action: up, line: 0 });
    }
    config
}

/// A fleet of `clusters` etcd clusters of `members` members each (`Quorum(system:
/// Etcd)`, addressed by DNS, each behind its own headless Service) on
/// `nodes` nodes over 3 zones, each node failing every 10 days on average
/// for an hour, for `days`: the question "how often does one of our etcd
/// clusters lose quorum" asked of a whole fleet. Every look of the
/// applications evaluates every cluster (who reaches whom, through the
/// DNS cache), so this measures the applications' model as much as the
/// cluster's.
pub fn etcd_fleet(clusters: u32, members: u32, nodes: u32, days: u64) -> Config {
    let services: Vec<String> = (0..clusters)
        .map(|i| {
            format!(
                r#"(name: "etcd-{i}", clusterIP: "None", selector: {{"app": "etcd-{i}"}}, publishNotReadyAddresses: true, ports: [(name: "peer", port: 2380)])"#
            )
        })
        .collect();
    let sets: Vec<String> = (0..clusters)
        .map(|i| {
            format!(
                r#"(name: "etcd-{i}", serviceName: "etcd-{i}", replicas: {members}, podManagementPolicy: Parallel,
                    app: Quorum(system: Etcd),
                    template: (labels: {{"app": "etcd-{i}"}}, image: "etcd:3.5",
                               resources: (requests: (cpu: "100m", memory: "256Mi")), readinessProbe: (periodSeconds: 5)),
                    volumeClaimTemplates: [(name: "data", storage: "1Gi")])"#
            )
        })
        .collect();
    let source = format!(
        r#"Scenario(
            name: "bench-etcd-fleet", seed: 5, duration: "{days}d",
            cluster: (
                zones: ["zone-a", "zone-b", "zone-c"],
                nodeFailures: (meanTimeBetweenFailures: "10d", meanTimeToRepair: "1h"),
                nodePools: [(name: "worker", count: {nodes}, cpu: "8", memory: "32Gi")],
                storageClasses: [(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)],
            ),
            images: [(name: "etcd:3.5", pull: "2s", startup: "3s", shutdown: "1s")],
            services: [{}],
            statefulsets: [{}],
        )"#,
        services.join(",\n"),
        sets.join(",\n")
    );
    // invariant: the text above is a valid scenario for any counts within the default limits.
    stsim_scenario::parse_scenario(&source, "bench-etcd-fleet.ron").expect("the fleet scenario parses")
}

/// A fleet of `sets` PostgreSQL-like primary/replica sets of 3 (addressed
/// by DNS) on five nodes a set, each node failing every 10 days on average
/// for an hour, for `days`, watched by one built-in `Failover` operator:
/// an operator that looks at the whole fleet at every reconcile, the shape
/// a user regression-testing a fleet-wide operator writes.
pub fn failover_fleet(sets: u32, days: u64) -> Config {
    let services: Vec<String> = (0..sets)
        .map(|i| {
            format!(
                r#"(name: "pg{i}-svc", clusterIP: "None", selector: {{"app": "pg{i}"}}, ports: [(name: "postgres", port: 5432)])"#
            )
        })
        .collect();
    let statefulsets: Vec<String> = (0..sets)
        .map(|i| {
            format!(
                r#"(name: "pg{i}", app: PrimaryReplica(addressing: Dns), serviceName: "pg{i}-svc", replicas: 3,
                    template: (labels: {{"app": "pg{i}"}}, image: "postgres:16", readinessProbe: (initialDelaySeconds: 5)),
                    volumeClaimTemplates: [(name: "data", storage: "10Gi")])"#
            )
        })
        .collect();
    let source = format!(
        r#"Scenario(
            name: "bench-failover-fleet", seed: 7, duration: "{days}d",
            cluster: (
                nodeFailures: (meanTimeBetweenFailures: "10d", meanTimeToRepair: "1h"),
                nodePools: [(name: "worker", count: {nodes})],
            ),
            images: [(name: "postgres:16", pull: "2s", startup: "3s", shutdown: "5s")],
            services: [{}],
            statefulsets: [{}],
            operators: [(operator: Failover(after: "30s"), reconcileDelay: "1s")],
        )"#,
        services.join(",\n"),
        statefulsets.join(",\n"),
        nodes = sets * 5
    );
    // invariant: the text above is a valid scenario for any counts within the default limits.
    stsim_scenario::parse_scenario(&source, "bench-failover-fleet.ron").expect("the fleet scenario parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fleet the bench measures is a fleet: every cluster is an etcd
    /// application that forms (no failures in a day this short are likely
    /// to matter; the seed is fixed).
    #[test]
    fn the_etcd_fleet_is_one_etcd_application_per_set_and_each_forms() {
        let (_, report) = stsim_core::run(etcd_fleet(4, 3, 12, 1));
        assert_eq!(report.breakage.len(), 4);
        for app in &report.breakage {
            assert!(app.kind.contains("etcd"), "{}: {}", app.app, app.kind);
            assert!(app.first_healthy_ms.is_some(), "{} never formed: {}", app.app, app.reason);
        }
    }

    /// The Failover fleet is one primary/replica application per set, and
    /// its operator runs: a week of failures on 60 nodes crashes some
    /// primary's node, and the operator promotes a replica.
    #[test]
    fn the_failover_fleet_has_an_operator_that_promotes() {
        let (sim, report) = stsim_core::run(failover_fleet(12, 7));
        assert_eq!(report.breakage.len(), 12);
        let by_operator =
            sim.trace.records.iter().filter(|r| r.actor == stsim_core::trace::Actor::Operator(0));
        assert!(by_operator.count() > 0, "the operator never acted in a week of failures");
    }
}
