//! Random failure processes: what the machines behind nodes do on their own.
//!
//! Owns each node's failures (`cluster.nodeFailures`, or its pool's
//! `failures`): after an exponentially distributed time a node crashes, is
//! partitioned or reboots, by the weights of the mix, and is repaired after
//! a time drawn from the repair distribution (a reboot takes `rebootTime`);
//! zone outages (`cluster.zoneOutages`): every node of a zone goes at
//! once and comes back together; and outages of the failure domains of
//! other topology keys (`cluster.domainOutages`): a domain is the set of
//! live nodes that share a value of a node label (a rack, a row), and its
//! outage takes them all at once, a partition keeping them on one island
//! (they still reach each other). Each node's own process decides its own
//! failures and repairs from its own memory, never from the machine's state.
//! A node is held down by every outage in progress that took it and by a
//! maintenance reboot (`sim/maintenance.rs` says when one starts and ends;
//! the machine's holders are kept here): it stays down until every holder
//! lets go, whatever its own process does meanwhile; then it returns to what
//! its own process says, so it runs only when nothing keeps it down. Draws come from the
//! seeded `node-failures` and `zone-outages` streams and one
//! `domain-outages/<key>` stream per topology key, in event order. Does not
//! decide what a crash or partition does to pods (the kubelet model does).

use super::Simulation;
use crate::config::{FailureMix, NodeFailureConfig, RepairDistribution};
use crate::events::EventKey;
use crate::objects::{Machine, NodeId};
use crate::rng::{RngExt, Stream};
use crate::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// The processes' own memory.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// By node index: the failure its own process put it in, if any.
    own: Vec<Option<Machine>>,
    /// By zone index: the nodes an outage in progress holds down.
    outages: Vec<Option<Vec<NodeId>>>,
    /// The failure domains of `cluster.domainOutages`, in the order they
    /// were first seen (`EventKey::DomainOutage` indexes this).
    domains: Vec<Domain>,
    /// By entry of `cluster.domainOutages`: its seeded stream.
    domain_streams: Vec<Stream>,
    /// The domains whose outage in progress holds a node, in the order they took it.
    holders: BTreeMap<NodeId, Vec<u32>>,
    /// The nodes a maintenance reboot holds down (crashed) until its downtime ends.
    maintained: BTreeSet<NodeId>,
}

/// One failure domain: the live nodes whose topology key has `value`.
#[derive(Debug, Clone)]
struct Domain {
    /// Its entry of `cluster.domainOutages`.
    process: usize,
    value: String,
    /// Whether an outage is in progress.
    down: bool,
}

/// An exponentially distributed duration with the given mean, to the
/// millisecond, at least 1 ms.
pub fn exponential(stream: &mut Stream, mean: SimDuration) -> SimDuration {
    let u: f64 = stream.random::<f64>();
    let ms = -(mean.as_millis() as f64) * (1.0 - u).ln();
    SimDuration::from_millis((ms.round() as u64).max(1))
}

/// A time to repair with the given mean.
fn repair_time(stream: &mut Stream, mean: SimDuration, distribution: RepairDistribution) -> SimDuration {
    match distribution {
        RepairDistribution::Exponential => exponential(stream, mean),
        RepairDistribution::Fixed => mean,
        RepairDistribution::LogNormal { sigma_milli } => {
            // Box-Muller from two uniforms; mu so that the mean is `mean`.
            let sigma = f64::from(sigma_milli) / 1000.0;
            let (u1, u2): (f64, f64) = (stream.random::<f64>(), stream.random::<f64>());
            let normal = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let mu = (mean.as_millis() as f64).ln() - sigma * sigma / 2.0;
            SimDuration::from_millis(((mu + sigma * normal).exp().round() as u64).max(1))
        }
    }
}

/// What a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Crash,
    Partition,
    Reboot,
}

/// Which kind of failure: drawn only when more than one kind has weight,
/// so that a crash-only process draws as it always did.
fn kind(stream: &mut Stream, mix: FailureMix) -> Kind {
    let weights = [(mix.crash, Kind::Crash), (mix.partition, Kind::Partition), (mix.reboot, Kind::Reboot)];
    let positive: Vec<(u32, Kind)> = weights.into_iter().filter(|(w, _)| *w > 0).collect();
    if positive.len() <= 1 {
        return positive.first().map_or(Kind::Crash, |(_, k)| *k);
    }
    let total: u32 = positive.iter().map(|(w, _)| w).sum();
    let mut pick = stream.random_range(0..total);
    for (weight, machine) in positive {
        if pick < weight {
            return machine;
        }
        pick -= weight;
    }
    unreachable!("the pick is below the total")
}

impl Simulation {
    /// The failures of a node: its pool's, or the cluster's.
    fn failures_of(&self, node: NodeId) -> Option<NodeFailureConfig> {
        let pool = self.world.node(node).pool;
        self.config
            .cluster
            .node_pools
            .get(pool)
            .and_then(|p| p.failures)
            .or(self.config.cluster.node_failures)
    }

    /// Arms the first failure of a node that just joined (or exists at the start).
    pub(super) fn arm_first_failure(&mut self, node: NodeId) {
        if let Some(failures) = self.failures_of(node) {
            let at = self.now()
                + exponential(&mut self.streams.node_failures, failures.mean_time_between_failures);
            let key = EventKey::NodeChaos(node);
            self.queue.arm(key, at, key.phase());
        }
    }

    /// Arms the first outage of every zone.
    pub(super) fn arm_zone_outages(&mut self) {
        let Some(outages) = self.config.cluster.zone_outages else { return };
        self.failures.outages = vec![None; self.world.zones.len()];
        for zone in 0..self.world.zones.len() {
            let at = self.now() + exponential(&mut self.streams.zone_outages, outages.mean_time_between);
            let key = EventKey::ZoneOutage(zone as u32);
            self.queue.arm(key, at, key.phase());
        }
    }

    /// Arms the first outage of every failure domain of each topology key
    /// of `cluster.domainOutages`: the values its key has on the nodes, in
    /// order, key by key.
    pub(super) fn arm_domain_outages(&mut self) {
        let seed = self.config.seed;
        self.failures.domain_streams = (self.config.cluster.domain_outages.iter())
            .map(|o| crate::rng::stream(seed, &format!("domain-outages/{}", o.topology_key)))
            .collect();
        for process in 0..self.config.cluster.domain_outages.len() {
            let key = &self.config.cluster.domain_outages[process].topology_key;
            let values: BTreeSet<String> =
                self.world.live_nodes().filter_map(|n| n.labels.get(key).cloned()).collect();
            for value in values {
                self.new_domain(process, value);
            }
        }
    }

    /// A node that joined later: a value of a topology key that no node had
    /// before is a new domain, with its own outages from now on.
    pub(super) fn join_domains(&mut self, node: NodeId) {
        for process in 0..self.config.cluster.domain_outages.len() {
            let key = &self.config.cluster.domain_outages[process].topology_key;
            let Some(value) = self.world.node(node).labels.get(key) else { continue };
            if !self.failures.domains.iter().any(|d| d.process == process && &d.value == value) {
                let value = value.clone();
                self.new_domain(process, value);
            }
        }
    }

    fn new_domain(&mut self, process: usize, value: String) {
        let index = self.failures.domains.len() as u32;
        self.failures.domains.push(Domain { process, value, down: false });
        let mean = self.config.cluster.domain_outages[process].mean_time_between;
        let at = self.now() + exponential(&mut self.failures.domain_streams[process], mean);
        let key = EventKey::DomainOutage(index);
        self.queue.arm(key, at, key.phase());
    }

    /// Whether something other than the node's own process holds its
    /// machine: an outage in progress or a maintenance reboot.
    fn held(&self, node: NodeId) -> bool {
        self.failures.outages.iter().flatten().any(|held| held.contains(&node))
            || self.failures.holders.contains_key(&node)
            || self.failures.maintained.contains(&node)
    }

    /// A maintenance reboot takes the machine down: it is held crashed
    /// until [`Simulation::maintenance_reboot_done`], whatever its own
    /// failure process does meanwhile.
    pub(super) fn maintenance_reboot(&mut self, node: NodeId) {
        self.failures.maintained.insert(node);
        self.set_machine(node, Machine::Crashed);
    }

    /// A maintenance reboot's downtime is over: the machine is as its
    /// other holders and its own process say (running if none holds it).
    pub(super) fn maintenance_reboot_done(&mut self, node: NodeId) {
        if self.failures.maintained.remove(&node) && self.world.node(node).exists() {
            self.settle(node);
        }
    }

    pub(super) fn set_own(&mut self, node: NodeId, own: Option<Machine>) {
        if self.failures.own.len() <= node.index() {
            self.failures.own.resize(node.index() + 1, None);
        }
        self.failures.own[node.index()] = own;
    }

    /// A node's own failure, or the repair that follows it.
    pub(super) fn node_chaos(&mut self, node: NodeId) {
        let Some(failures) = self.failures_of(node) else { return };
        if !self.world.node(node).exists() {
            return;
        }
        // Its own process's memory says whether this is a failure or a
        // repair: a machine down for an outage or a maintenance reboot has
        // not failed on its own. A holder decides the machine meanwhile;
        // the node's own process goes on underneath.
        let held = self.held(node);
        let failed = self.failures.own.get(node.index()).copied().flatten().is_some();
        let stream = &mut self.streams.node_failures;
        let (own, next_in) = if failed {
            (None, exponential(stream, failures.mean_time_between_failures))
        } else {
            let repair =
                |stream: &mut Stream| repair_time(stream, failures.mean_time_to_repair, failures.repair);
            match kind(stream, failures.mix) {
                // A reboot is a crash that comes back after `rebootTime`.
                Kind::Reboot => (Some(Machine::Crashed), failures.reboot_time),
                Kind::Crash => (Some(Machine::Crashed), repair(stream)),
                Kind::Partition => (Some(Machine::Partitioned), repair(stream)),
            }
        };
        self.set_own(node, own);
        if !held {
            self.set_machine(node, own.unwrap_or(Machine::Running));
        }
        let key = EventKey::NodeChaos(node);
        self.queue.arm(key, self.now() + next_in, key.phase());
    }

    /// A zone's outage starts, or ends.
    pub(super) fn zone_outage(&mut self, zone: u32) {
        let Some(outages) = self.config.cluster.zone_outages else { return };
        let index = zone as usize;
        let key = EventKey::ZoneOutage(zone);
        match self.failures.outages[index].take() {
            None => {
                let name = self.world.zones[index].clone();
                let nodes: Vec<NodeId> =
                    self.world.live_nodes().filter(|n| n.zone == name).map(|n| n.id).collect();
                let down = if outages.partition { Machine::Partitioned } else { Machine::Crashed };
                for node in &nodes {
                    // A node already crashed stays crashed; one already cut
                    // off on its own stays alone. A zone cut off from the
                    // control plane is one island, as `PartitionZone` makes.
                    let machine = self.world.node(*node).machine;
                    if down == Machine::Partitioned && machine == Machine::Running {
                        self.world.node_mut(*node).island = Some(name.clone());
                    }
                    if machine != Machine::Crashed {
                        self.set_machine(*node, down);
                    }
                }
                self.failures.outages[index] = Some(nodes);
                let at = self.now() + exponential(&mut self.streams.zone_outages, outages.mean_duration);
                self.queue.arm(key, at, key.phase());
            }
            Some(held) => {
                for node in held {
                    if self.world.node(node).exists() {
                        self.settle(node);
                    }
                }
                let at: SimTime =
                    self.now() + exponential(&mut self.streams.zone_outages, outages.mean_time_between);
                self.queue.arm(key, at, key.phase());
            }
        }
    }

    /// A failure domain's outage starts, or ends. It takes the live nodes
    /// of the domain when it starts; nodes that join the domain during the
    /// outage are not held by it.
    pub(super) fn domain_outage(&mut self, index: u32) {
        let domain = &self.failures.domains[index as usize];
        let process = self.config.cluster.domain_outages[domain.process].clone();
        let stream = domain.process;
        let key = EventKey::DomainOutage(index);
        if !domain.down {
            let value = domain.value.clone();
            let nodes: Vec<NodeId> = (self.world.live_nodes())
                .filter(|n| n.labels.get(&process.topology_key) == Some(&value))
                .map(|n| n.id)
                .collect();
            let island = format!("{}={value}", process.topology_key);
            let state = if process.partition { Machine::Partitioned } else { Machine::Crashed };
            self.api(crate::trace::Actor::Infrastructure).record(crate::trace::Event::DomainOutage {
                key: process.topology_key.as_str().into(),
                value: value.as_str().into(),
                state,
                nodes: nodes.as_slice().into(),
            });
            for node in nodes {
                self.failures.holders.entry(node).or_default().push(index);
                match (self.world.node(node).machine, process.partition) {
                    // Cut off together: the domain's machines still reach each other.
                    (Machine::Running, true) => {
                        self.world.node_mut(node).island = Some(island.clone());
                        self.set_machine(node, Machine::Partitioned);
                    }
                    // A machine already down stays as it is; a crash takes a partitioned one.
                    (Machine::Crashed, _) | (Machine::Partitioned, true) => {}
                    (_, false) => self.set_machine(node, Machine::Crashed),
                }
            }
            self.failures.domains[index as usize].down = true;
            let at =
                self.now() + exponential(&mut self.failures.domain_streams[stream], process.mean_duration);
            self.queue.arm(key, at, key.phase());
        } else {
            self.failures.domains[index as usize].down = false;
            let held: Vec<NodeId> = (self.failures.holders.iter())
                .filter(|(_, domains)| domains.contains(&index))
                .map(|(node, _)| *node)
                .collect();
            let value = self.failures.domains[index as usize].value.clone();
            self.api(crate::trace::Actor::Infrastructure).record(crate::trace::Event::DomainOutage {
                key: process.topology_key.as_str().into(),
                value: value.into(),
                state: Machine::Running,
                nodes: held.as_slice().into(),
            });
            for node in held {
                if let Some(domains) = self.failures.holders.get_mut(&node) {
                    domains.retain(|d| *d != index);
                    if domains.is_empty() {
                        self.failures.holders.remove(&node);
                    }
                }
                if self.world.node(node).exists() {
                    self.settle(node);
                }
            }
            let at = (self.now())
                + exponential(&mut self.failures.domain_streams[stream], process.mean_time_between);
            self.queue.arm(key, at, key.phase());
        }
    }

    /// After an outage or a maintenance reboot that held a node ends: the
    /// machine as the causes still holding it say. Its own failure, a
    /// maintenance reboot, or an outage that crashes it, keeps it crashed;
    /// else its own partition keeps it cut off alone, or
    /// the first outage still partitioning it keeps it on that outage's
    /// island (its zone, for a zone outage); else it runs.
    fn settle(&mut self, node: NodeId) {
        let own = self.failures.own.get(node.index()).copied().flatten();
        let mut crashed = own == Some(Machine::Crashed) || self.failures.maintained.contains(&node);
        let mut island: Option<Option<String>> = (own == Some(Machine::Partitioned)).then_some(None);
        let zone_partition = self.config.cluster.zone_outages.map(|z| z.partition);
        if self.failures.outages.iter().flatten().any(|held| held.contains(&node)) {
            match zone_partition {
                Some(true) => island = island.or_else(|| Some(Some(self.world.node(node).zone.clone()))),
                _ => crashed = true,
            }
        }
        for index in self.failures.holders.get(&node).into_iter().flatten() {
            let domain = &self.failures.domains[*index as usize];
            let process = &self.config.cluster.domain_outages[domain.process];
            match process.partition {
                true => {
                    island =
                        island.or_else(|| Some(Some(format!("{}={}", process.topology_key, domain.value))))
                }
                false => crashed = true,
            }
        }
        match (crashed, island) {
            (true, _) => self.set_machine(node, Machine::Crashed),
            (false, Some(island)) => {
                self.world.node_mut(node).island = island;
                self.set_machine(node, Machine::Partitioned);
            }
            (false, None) => self.set_machine(node, Machine::Running),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DomainOutageConfig, PodManagementPolicy, ZoneOutageConfig};
    use crate::trace::Event;

    fn week(nodes: u32) -> Config {
        let mut config = crate::fixtures::scenario(
            "f",
            1,
            3,
            PodManagementPolicy::Parallel,
            SimDuration::from_mins(7 * 24 * 60),
        );
        config.cluster.node_pools[0].count = nodes;
        config
    }

    /// (time, node, machine) of every machine change.
    fn machines(config: Config) -> Vec<(SimTime, NodeId, Machine)> {
        let (sim, _) = crate::run(config);
        sim.trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::NodeMachine { node, state } => Some((r.at, node, state)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_mix_decides_what_a_failure_is_and_a_reboot_lasts_its_time() {
        let mut config = week(6);
        let mut failures =
            NodeFailureConfig::crashes(SimDuration::from_mins(24 * 60), SimDuration::from_mins(30));
        failures.mix = FailureMix { crash: 0, partition: 1, reboot: 0 };
        config.cluster.node_failures = Some(failures);
        let changes = machines(config.clone());
        assert!(changes.iter().any(|c| c.2 == Machine::Partitioned));
        assert!(changes.iter().all(|c| c.2 != Machine::Crashed), "partitions only");

        failures.mix = FailureMix { crash: 0, partition: 0, reboot: 1 };
        failures.reboot_time = SimDuration::from_secs(90);
        config.cluster.node_failures = Some(failures);
        let changes = machines(config);
        let downs: Vec<_> = changes.iter().filter(|c| c.2 == Machine::Crashed).collect();
        assert!(downs.len() > 3);
        for (at, node, _) in downs {
            let back = changes.iter().find(|c| c.1 == *node && c.0 > *at).expect("every reboot ends");
            assert_eq!(back.0.since(*at), SimDuration::from_secs(90));
            assert_eq!(back.2, Machine::Running);
        }
    }

    #[test]
    fn a_pool_fails_by_its_own_process_and_others_not_at_all() {
        let mut config = week(3);
        let mut quiet = config.cluster.node_pools[0].clone();
        quiet.name = "quiet".into();
        config.cluster.node_pools[0].failures =
            Some(NodeFailureConfig::crashes(SimDuration::from_mins(12 * 60), SimDuration::from_mins(30)));
        config.cluster.node_pools.push(quiet);
        let changes = machines(config);
        assert!(!changes.is_empty());
        assert!(changes.iter().all(|c| c.1.index() < 3), "only the first pool's nodes fail: {changes:?}");
    }

    #[test]
    fn a_zone_outage_takes_its_nodes_at_once_and_gives_them_back_together() {
        let mut config = week(6);
        config.cluster.zone_outages = Some(ZoneOutageConfig {
            mean_time_between: SimDuration::from_mins(2 * 24 * 60),
            mean_duration: SimDuration::from_mins(60),
            partition: true,
        });
        let changes = machines(config);
        let (first_at, first_node, state) = changes[0];
        assert_eq!(state, Machine::Partitioned);
        let together: Vec<NodeId> = changes.iter().filter(|c| c.0 == first_at).map(|c| c.1).collect();
        assert_eq!(together.len(), 2, "both nodes of the zone (6 nodes over 3 zones): {changes:?}");
        let back: Vec<&(SimTime, NodeId, Machine)> =
            changes.iter().filter(|c| c.0 > first_at && together.contains(&c.1)).take(2).collect();
        assert!(back.iter().all(|c| c.2 == Machine::Running && c.0 == back[0].0), "{back:?}");
        assert_ne!(first_node, NodeId(u32::MAX));
    }

    /// A zone cut off from the control plane is one island: its machines
    /// still reach each other, and nobody outside it.
    #[test]
    fn a_partitioned_zone_is_one_island() {
        let long = SimDuration::from_mins(365 * 24 * 60);
        let mut config = week(6);
        config.cluster.zone_outages =
            Some(ZoneOutageConfig { mean_time_between: long, mean_duration: long, partition: true });
        let mut sim = Simulation::new(config);
        // 6 nodes over 3 zones: zone 0 holds nodes 0 and 3.
        sim.zone_outage(0);
        let reach =
            |sim: &Simulation, a: u32, b: u32| crate::network::reachable(&sim.world, NodeId(a), NodeId(b));
        assert_eq!(sim.world.node(NodeId(0)).machine, Machine::Partitioned);
        assert!(reach(&sim, 0, 3), "the zone's machines reach each other");
        assert!(!reach(&sim, 0, 1) && !reach(&sim, 3, 4), "and nobody else");
        sim.zone_outage(0);
        assert!([0, 3].iter().all(|n| sim.world.node(NodeId(*n)).machine == Machine::Running));
        assert_eq!(sim.world.node(NodeId(0)).island, None);
    }

    /// A node that fails on its own during its zone's outage stays down
    /// after the outage until its own repair.
    #[test]
    fn a_node_failed_on_its_own_outlasts_the_outage() {
        let mut config = week(3);
        config.cluster.node_failures =
            Some(NodeFailureConfig::crashes(SimDuration::from_mins(6 * 60), SimDuration::from_mins(24 * 60)));
        config.cluster.zone_outages = Some(ZoneOutageConfig {
            mean_time_between: SimDuration::from_mins(12 * 60),
            mean_duration: SimDuration::from_mins(30),
            partition: false,
        });
        let (sim, _) = crate::run(config);
        // Every node's machine ends in the state its own process left it, or
        // held by an outage in progress: never up while its own process says down.
        for node in sim.world.live_nodes() {
            let own = sim.failures.own.get(node.id.index()).copied().flatten();
            if own.is_some() {
                assert_ne!(node.machine, Machine::Running, "{} is up while failed", node.name);
            }
        }
    }

    /// A maintenance reboot is one more holder of the machine: the node's
    /// own failure during it is a failure (not read as a repair of the
    /// reboot), the reboot's end leaves it down while its own failure or an
    /// outage holds it, and its own repair does not end an outage or reboot.
    #[test]
    fn a_maintenance_reboot_holds_the_machine_beside_failures_and_outages() {
        let mut config = week(6);
        let long = SimDuration::from_mins(365 * 24 * 60);
        config.cluster.node_failures =
            Some(NodeFailureConfig::crashes(SimDuration::from_mins(24 * 60), SimDuration::from_mins(120)));
        config.cluster.zone_outages =
            Some(ZoneOutageConfig { mean_time_between: long, mean_duration: long, partition: false });
        let mut sim = Simulation::new(config);
        let n = NodeId(0);
        let machine = |sim: &Simulation| sim.world.node(n).machine;
        let own = |sim: &Simulation| sim.failures.own.get(n.index()).copied().flatten();
        sim.maintenance_reboot(n);
        assert_eq!(machine(&sim), Machine::Crashed);
        // Its own process fails it during the reboot.
        sim.node_chaos(n);
        assert_eq!(own(&sim), Some(Machine::Crashed), "a failure of its own, not a repair");
        sim.maintenance_reboot_done(n);
        assert_eq!(machine(&sim), Machine::Crashed, "its own failure outlasts the reboot");
        sim.node_chaos(n);
        assert_eq!((own(&sim), machine(&sim)), (None, Machine::Running), "its own repair");
        // A zone outage (6 nodes over 3 zones: zone 0 holds nodes 0 and 3) during a reboot.
        sim.maintenance_reboot(n);
        sim.zone_outage(0);
        sim.maintenance_reboot_done(n);
        assert_eq!(machine(&sim), Machine::Crashed, "the outage still holds it");
        sim.zone_outage(0);
        assert_eq!(machine(&sim), Machine::Running);
        // And the other way round: the outage ends during the reboot.
        sim.zone_outage(0);
        sim.maintenance_reboot(n);
        sim.zone_outage(0);
        assert_eq!(machine(&sim), Machine::Crashed, "the reboot still holds it");
        assert_eq!(sim.world.node(NodeId(3)).machine, Machine::Running, "the rest of the zone is back");
        sim.maintenance_reboot_done(n);
        assert_eq!(machine(&sim), Machine::Running);
    }

    /// Maintenance every 4 hours (30-minute reboots) over failures every 3
    /// hours per node (2-hour repairs, as the probe's `interact2.ron`) and
    /// zone outages: after every event, each machine runs exactly when
    /// neither its own failure, nor an outage, nor a reboot holds it.
    #[test]
    fn a_machine_runs_only_when_no_holder_keeps_it_down() {
        let mut config = week(4);
        config.duration = SimDuration::from_mins(4 * 24 * 60);
        let mut failures =
            NodeFailureConfig::crashes(SimDuration::from_mins(3 * 60), SimDuration::from_mins(120));
        failures.repair = RepairDistribution::Fixed;
        config.cluster.node_failures = Some(failures);
        config.cluster.zone_outages = Some(ZoneOutageConfig {
            mean_time_between: SimDuration::from_mins(12 * 60),
            mean_duration: SimDuration::from_mins(3 * 60),
            partition: false,
        });
        config.cluster.node_pools[0].maintenance = Some(crate::config::MaintenanceConfig {
            start: SimDuration::from_mins(60),
            every: SimDuration::from_mins(4 * 60),
            downtime: SimDuration::from_mins(30),
            drain_timeout: SimDuration::from_mins(5),
        });
        let mut sim = Simulation::new(config);
        let (mut reboots, mut overlaps) = (0, 0);
        while sim.step() {
            for node in sim.world.live_nodes() {
                let own = sim.failures.own.get(node.id.index()).copied().flatten();
                let held = sim.held(node.id);
                assert_eq!(
                    node.machine == Machine::Running,
                    own.is_none() && !held,
                    "{} at {}: own {own:?}, held {held}",
                    node.name,
                    sim.now()
                );
                if sim.failures.maintained.contains(&node.id) {
                    reboots += 1;
                    overlaps += usize::from(
                        own.is_some() || sim.failures.outages.iter().flatten().any(|h| h.contains(&node.id)),
                    );
                }
            }
        }
        assert!(reboots > 0 && overlaps > 0, "reboots met failures or outages: {reboots} {overlaps}");
    }

    const RACK: &str = crate::config::DEFAULT_RACK_LABEL;

    /// `nodes` nodes over the three zones, `racks` racks in each zone.
    fn racked(nodes: u32, racks: u32, days: u64) -> Config {
        let mut config = week(nodes);
        config.duration = SimDuration::from_mins(days * 24 * 60);
        config.cluster.node_pools[0].racks = racks;
        config
    }

    fn rack_outages(
        mean_time_between: SimDuration,
        mean_duration: SimDuration,
        partition: bool,
    ) -> DomainOutageConfig {
        DomainOutageConfig { topology_key: RACK.into(), mean_time_between, mean_duration, partition }
    }

    fn rack_of(sim: &Simulation, node: NodeId) -> String {
        sim.world.node(node).labels[RACK].clone()
    }

    #[test]
    fn racks_sit_inside_zones_round_robin() {
        let config = racked(12, 2, 1);
        let placements = config.cluster.placements();
        // Node i is in zone i % 3; within a zone, the pool's nodes alternate racks.
        let racks: Vec<(String, Option<u32>)> =
            placements.iter().map(|p| (p.zone.to_string(), p.rack)).collect();
        assert_eq!(racks[0], ("us-east-1a".to_string(), Some(0)));
        assert_eq!(racks[3], ("us-east-1a".to_string(), Some(1)));
        assert_eq!(racks[6], ("us-east-1a".to_string(), Some(0)));
        assert_eq!(racks[4], ("us-east-1b".to_string(), Some(1)));
        let sim = Simulation::new(config);
        assert_eq!(rack_of(&sim, NodeId(0)), "us-east-1a-rack-1");
        assert_eq!(rack_of(&sim, NodeId(9)), "us-east-1a-rack-2");
        assert_eq!(rack_of(&sim, NodeId(11)), "us-east-1c-rack-2");
        let values: BTreeSet<String> = sim.world.live_nodes().map(|n| n.labels[RACK].clone()).collect();
        assert_eq!(values.len(), 6, "two racks in each of three zones: {values:?}");
        // A pool without racks labels no rack.
        let plain = Simulation::new(week(3));
        assert!(plain.world.live_nodes().all(|n| !n.labels.contains_key(RACK)));
    }

    /// Every outage takes exactly the nodes of one rack at one instant and
    /// gives them back together; durations and gaps have their means.
    #[test]
    fn a_rack_outage_takes_exactly_its_rack_and_lasts_its_time() {
        let mut config = racked(12, 2, 60);
        let (between, duration) = (SimDuration::from_mins(24 * 60), SimDuration::from_mins(2 * 60));
        config.cluster.domain_outages = vec![rack_outages(between, duration, false)];
        let (sim, _) = crate::run(config);
        let changes: Vec<(SimTime, NodeId, Machine)> = (sim.trace.records.iter())
            .filter_map(|r| match r.event {
                Event::NodeMachine { node, state } => Some((r.at, node, state)),
                _ => None,
            })
            .collect();
        let mut instants: BTreeMap<SimTime, Vec<(NodeId, Machine)>> = BTreeMap::new();
        for (at, node, state) in &changes {
            instants.entry(*at).or_default().push((*node, *state));
        }
        // By rack: (start, end) of each outage.
        let mut outages: BTreeMap<String, Vec<(SimTime, Option<SimTime>)>> = BTreeMap::new();
        for (at, nodes) in &instants {
            let racks: BTreeSet<String> = nodes.iter().map(|(n, _)| rack_of(&sim, *n)).collect();
            assert_eq!(racks.len(), 1, "one rack at a time at {at}: {nodes:?}");
            let rack = racks.into_iter().next().unwrap();
            let members: BTreeSet<NodeId> =
                sim.world.live_nodes().filter(|n| n.labels[RACK] == rack).map(|n| n.id).collect();
            let moved: BTreeSet<NodeId> = nodes.iter().map(|(n, _)| *n).collect();
            assert_eq!(moved, members, "the whole rack {rack} at {at}");
            assert_eq!(members.len(), 2);
            let state = nodes[0].1;
            assert!(nodes.iter().all(|(_, s)| *s == state), "together: {nodes:?}");
            let list = outages.entry(rack).or_default();
            match state {
                Machine::Crashed => list.push((*at, None)),
                Machine::Running => list.last_mut().expect("an outage ends after it starts").1 = Some(*at),
                Machine::Partitioned => panic!("a crash outage crashes"),
            }
        }
        assert_eq!(outages.len(), 6, "every rack has outages: {:?}", outages.keys());
        let (mut down, mut up, mut count, mut gaps) = (0u64, 0u64, 0u64, 0u64);
        for list in outages.values() {
            for pair in list.windows(2) {
                up += pair[1].0.since(pair[0].1.unwrap()).as_millis();
                gaps += 1;
            }
            for (start, end) in list {
                if let Some(end) = end {
                    down += end.since(*start).as_millis();
                    count += 1;
                }
            }
        }
        let (mean_down, mean_up) = (down / count, up / gaps);
        assert!(count > 200, "{count} outages");
        let near = |value: u64, mean: SimDuration| {
            (mean.as_millis() * 8 / 10..mean.as_millis() * 12 / 10).contains(&value)
        };
        assert!(near(mean_down, duration), "mean outage {}", SimDuration::from_millis(mean_down));
        assert!(near(mean_up, between), "mean time between {}", SimDuration::from_millis(mean_up));
    }

    /// The trace says which domain went: a record of the outage, naming its
    /// key, value and nodes, before the machines' own records.
    #[test]
    fn the_trace_names_the_domain_before_its_machines() {
        let mut config = racked(12, 2, 20);
        config.cluster.domain_outages =
            vec![rack_outages(SimDuration::from_mins(5 * 24 * 60), SimDuration::from_mins(60), true)];
        let (sim, _) = crate::run(config);
        let records = &sim.trace.records;
        let outages: Vec<usize> =
            (0..records.len()).filter(|i| matches!(records[*i].event, Event::DomainOutage { .. })).collect();
        assert!(outages.len() > 10, "{} outage records", outages.len());
        for i in outages {
            let Event::DomainOutage { key, value, state, nodes } = &records[i].event else { unreachable!() };
            assert_eq!(&**key, RACK);
            assert_eq!(records[i].actor, crate::trace::Actor::Infrastructure);
            let members: Vec<NodeId> =
                sim.world.live_nodes().filter(|n| n.labels[RACK] == **value).map(|n| n.id).collect();
            assert_eq!(&nodes[..], &members[..], "{value}");
            // The machines' records follow in the same instant.
            let moved: Vec<NodeId> = (records.slice(i + 1..).iter())
                .take_while(|r| r.at == records[i].at)
                .filter_map(|r| match r.event {
                    Event::NodeMachine { node, state: s } if s == *state => Some(node),
                    _ => None,
                })
                .collect();
            assert_eq!(&moved[..], &nodes[..], "at {}", records[i].at);
        }
        let text = sim.trace.render(&sim.world);
        assert!(
            text.lines().any(|l| l.contains("\tinfrastructure\tdomain/topology.rook.io/rack=us-east-1")
                && l.contains("\toutage\tstate=partitioned nodes=")),
            "{text}"
        );
    }

    /// A partitioned rack is one island: its machines reach each other and
    /// nobody else. A zone's crash over it leaves the rack's nodes cut off
    /// together when the zone comes back, and the rest of the zone running.
    #[test]
    fn overlapping_outages_leave_each_node_as_the_remaining_ones_say() {
        let mut config = racked(12, 2, 1);
        let long = SimDuration::from_mins(365 * 24 * 60);
        config.cluster.domain_outages = vec![rack_outages(long, long, true)];
        config.cluster.zone_outages =
            Some(ZoneOutageConfig { mean_time_between: long, mean_duration: long, partition: false });
        let mut sim = Simulation::new(config);
        let rack = |sim: &Simulation, value: &str| -> u32 {
            sim.failures.domains.iter().position(|d| d.value == value).unwrap() as u32
        };
        let a1 = rack(&sim, "us-east-1a-rack-1");
        assert_eq!(sim.failures.domains.len(), 6);
        // Zone a holds nodes 0, 3, 6, 9; its rack 1 nodes 0 and 6.
        sim.domain_outage(a1);
        let machine = |sim: &Simulation, n: u32| sim.world.node(NodeId(n)).machine;
        assert_eq!((machine(&sim, 0), machine(&sim, 6)), (Machine::Partitioned, Machine::Partitioned));
        assert_eq!(machine(&sim, 3), Machine::Running);
        let reach =
            |sim: &Simulation, a: u32, b: u32| crate::network::reachable(&sim.world, NodeId(a), NodeId(b));
        assert!(reach(&sim, 0, 6), "the rack's machines reach each other");
        assert!(!reach(&sim, 0, 3) && !reach(&sim, 3, 6), "and nobody else");
        sim.zone_outage(0);
        assert!([0, 3, 6, 9].iter().all(|n| machine(&sim, *n) == Machine::Crashed));
        sim.zone_outage(0);
        assert_eq!((machine(&sim, 3), machine(&sim, 9)), (Machine::Running, Machine::Running));
        assert_eq!((machine(&sim, 0), machine(&sim, 6)), (Machine::Partitioned, Machine::Partitioned));
        assert!(reach(&sim, 0, 6), "still one island");
        sim.domain_outage(a1);
        assert!([0, 3, 6, 9].iter().all(|n| machine(&sim, *n) == Machine::Running));
        assert!(sim.failures.holders.is_empty());
    }

    /// A process whose outages all fall after the horizon changes nothing:
    /// its own stream leaves every other draw where it was.
    #[test]
    fn a_domain_process_leaves_the_other_streams_alone() {
        let mut config = racked(9, 3, 7);
        config.cluster.node_failures =
            Some(NodeFailureConfig::crashes(SimDuration::from_mins(24 * 60), SimDuration::from_mins(30)));
        let trace = |config: Config| {
            let (sim, report) = crate::run(config);
            (sim.trace.render(&sim.world), report.trace_digest)
        };
        let before = trace(config.clone());
        let never = SimDuration::from_mins(1_000_000 * 24 * 60);
        config.cluster.domain_outages = vec![rack_outages(never, never, false)];
        assert_eq!(trace(config.clone()), before);
        config.cluster.domain_outages[0].mean_time_between = SimDuration::from_mins(24 * 60);
        let with = trace(config.clone());
        assert_ne!(with, before, "rack outages within the week change the run");
        assert_eq!(trace(config), with, "the same seed gives the same outages");
    }

    /// A node that brings a value no node had is a new domain with outages
    /// of its own; `AddNode` puts it in its zone's least filled rack.
    #[test]
    fn a_node_added_to_a_new_rack_starts_a_domain() {
        let mut config = racked(3, 2, 1);
        config.cluster.domain_outages =
            vec![rack_outages(SimDuration::from_mins(60), SimDuration::from_mins(10), false)];
        config.timeline.push(crate::config::TimelineEntry {
            at: SimTime::ZERO + SimDuration::from_mins(30),
            action: crate::config::Action::AddNode { pool: 0, zone: Some(0) },
            line: 0,
        });
        let (sim, _) = crate::run(config);
        assert_eq!(rack_of(&sim, NodeId(3)), "us-east-1a-rack-2", "the empty rack of zone a");
        let values: Vec<&str> = sim.failures.domains.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(
            values,
            ["us-east-1a-rack-1", "us-east-1b-rack-1", "us-east-1c-rack-1", "us-east-1a-rack-2"]
        );
        let downs = (sim.trace.records.iter())
            .filter(|r| matches!(r.event, Event::NodeMachine { node: NodeId(3), state: Machine::Crashed }))
            .count();
        assert!(downs > 5, "the new rack fails on its own: {downs}");
    }

    #[test]
    fn a_single_kind_draws_nothing_and_weights_pick_kinds() {
        let mut a = crate::rng::stream(1, "t");
        let mut b = crate::rng::stream(1, "t");
        assert_eq!(kind(&mut a, FailureMix { crash: 0, partition: 0, reboot: 2 }), Kind::Reboot);
        assert_eq!(a.random::<u64>(), b.random::<u64>(), "no draw for one kind");
        let mix = FailureMix { crash: 1, partition: 3, reboot: 0 };
        let partitions = (0..4000).filter(|_| kind(&mut a, mix) == Kind::Partition).count();
        assert!((2800..3200).contains(&partitions), "about 3 in 4: {partitions}");
    }

    #[test]
    fn repair_distributions_have_the_mean() {
        let mut stream = crate::rng::stream(7, "t");
        let mean = SimDuration::from_mins(30);
        assert_eq!(repair_time(&mut stream, mean, RepairDistribution::Fixed), mean);
        for distribution in
            [RepairDistribution::Exponential, RepairDistribution::LogNormal { sigma_milli: 1000 }]
        {
            let n = 20_000;
            let total: u64 = (0..n).map(|_| repair_time(&mut stream, mean, distribution).as_millis()).sum();
            let average = total / n;
            assert!(
                (mean.as_millis() * 9 / 10..mean.as_millis() * 11 / 10).contains(&average),
                "{distribution:?}: {average}"
            );
        }
    }
}
