//! Scheduled maintenance: an in-place reboot rolling through a pool's
//! nodes, as kured does with `--drain-timeout` and `--force-reboot` (not a
//! managed upgrade that re-creates nodes).
//!
//! Owns the schedule of each pool's `maintenance` and its progress: from
//! `start`, every `every`, the pool's live nodes one at a time, in name
//! order, are drained as `kubectl drain` does (cordon, evictions that
//! respect PodDisruptionBudgets, retried) until no pod is left or
//! `drainTimeout` has passed; at the timeout the drain is aborted
//! (`disruption::abort_drain`: it evicts nothing more) and the pods left
//! stay bound. Then the machine reboots for `downtime` (unless it is
//! already down), and the node is uncordoned; then the next node. The
//! reboot is one more holder of the machine beside the random failure
//! processes' (`sim/failures.rs` keeps the holders): the machine comes
//! back at the downtime's end only if its own failure and every outage
//! have let go too, and a failure of its own during the reboot is not cut
//! short by the reboot's end. The progress is this module's own memory.
//! Does not decide what a drain or a reboot does to pods (the disruption
//! controller and the kubelet model do).

use super::Simulation;
use crate::controllers::disruption;
use crate::events::EventKey;
use crate::objects::{Machine, NodeId};
use crate::time::{SimDuration, SimTime};
use crate::trace::Actor;

/// How often the upgrade looks whether a drain is done.
const POLL: SimDuration = SimDuration::from_secs(10);

/// One pool's upgrade in progress.
#[derive(Debug, Clone, Default)]
pub struct Rolling {
    /// Nodes still to do this round, next first.
    queue: std::collections::VecDeque<NodeId>,
    current: Option<(NodeId, Step)>,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Draining {
        since: SimTime,
    },
    /// `took_down`: the upgrade stopped the machine (it was running).
    Rebooting {
        took_down: bool,
    },
}

impl Simulation {
    /// Arms the first round of every pool with maintenance.
    pub(super) fn arm_maintenance(&mut self) {
        self.maintenance = vec![Rolling::default(); self.config.cluster.node_pools.len()];
        for (index, pool) in self.config.cluster.node_pools.iter().enumerate() {
            if let Some(maintenance) = pool.maintenance {
                let key = EventKey::Maintenance(index as u32);
                self.queue.arm(key, SimTime::ZERO + maintenance.start, key.phase());
            }
        }
    }

    /// The next step of a pool's upgrade.
    pub(super) fn maintenance_step(&mut self, pool: u32) {
        let index = pool as usize;
        let Some(config) = self.config.cluster.node_pools[index].maintenance else { return };
        let key = EventKey::Maintenance(pool);
        let now = self.now();
        match self.maintenance[index].current.take() {
            None => {
                let nodes = self.world.live_nodes().filter(|n| n.pool == index).map(|n| n.id).collect();
                self.maintenance[index].queue = nodes;
                self.next_node(index, config.every, config.start);
            }
            Some((node, Step::Draining { since })) => {
                let exists = self.world.node(node).exists();
                let drained = self.world.drains.get(&node).is_some_and(|d| d.finished_at.is_some());
                if !exists || drained || now >= since + config.drain_timeout {
                    if exists && !drained {
                        // At the timeout the drain is aborted: it evicts
                        // nothing more, and the reboot stops what is left.
                        disruption::abort_drain(&mut self.api(Actor::User), node);
                    }
                    let took_down = exists && self.world.node(node).machine == Machine::Running;
                    if took_down {
                        self.maintenance_reboot(node);
                    }
                    self.maintenance[index].current = Some((node, Step::Rebooting { took_down }));
                    self.queue.arm(key, now + config.downtime, key.phase());
                } else {
                    self.maintenance[index].current = Some((node, Step::Draining { since }));
                    let at = (now + POLL).min(since + config.drain_timeout);
                    self.queue.arm(key, at, key.phase());
                }
            }
            Some((node, Step::Rebooting { took_down })) => {
                if took_down {
                    self.maintenance_reboot_done(node);
                }
                if self.world.node(node).exists() {
                    self.api(Actor::User).set_unschedulable(node, false);
                }
                self.next_node(index, config.every, config.start);
            }
        }
    }

    /// Drains the next node of the round, or arms the next round.
    fn next_node(&mut self, index: usize, every: SimDuration, start: SimDuration) {
        let key = EventKey::Maintenance(index as u32);
        let now = self.now();
        while let Some(node) = self.maintenance[index].queue.pop_front() {
            if !self.world.node(node).exists() {
                continue;
            }
            disruption::start_drain(&mut self.api(Actor::User), node);
            self.maintenance[index].current = Some((node, Step::Draining { since: now }));
            self.queue.arm(key, now + POLL, key.phase());
            return;
        }
        // The round is over: the next starts on the schedule.
        let since_start = now.since(SimTime::ZERO + start).as_millis();
        let rounds = since_start / every.as_millis().max(1) + 1;
        let at = SimTime::ZERO + start + SimDuration::from_millis(rounds * every.as_millis());
        self.queue.arm(key, at, key.phase());
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{MaintenanceConfig, PodManagementPolicy};
    use crate::objects::Machine;
    use crate::time::SimDuration;
    use crate::trace::Event;

    /// Six nodes, an upgrade every 2 days from day 1: each round drains and
    /// reboots every node once, one at a time, and the set keeps running.
    #[test]
    fn an_upgrade_rolls_through_the_pool_one_node_at_a_time() {
        let mut config = crate::fixtures::scenario(
            "m",
            1,
            3,
            PodManagementPolicy::Parallel,
            SimDuration::from_mins(4 * 24 * 60),
        );
        config.cluster.node_pools[0].count = 6;
        config.cluster.node_pools[0].maintenance = Some(MaintenanceConfig {
            start: SimDuration::from_mins(24 * 60),
            every: SimDuration::from_mins(2 * 24 * 60),
            downtime: SimDuration::from_mins(5),
            drain_timeout: SimDuration::from_mins(60),
        });
        let (sim, _) = crate::run(config);
        let records = &sim.trace.records;
        let drained = records.iter().filter(|r| matches!(r.event, Event::NodeDrained { .. })).count();
        assert_eq!(drained, 12, "two rounds of six nodes");
        // One machine down at a time, each for the downtime.
        let mut down: Option<(crate::objects::NodeId, crate::time::SimTime)> = None;
        for record in records {
            if let Event::NodeMachine { node, state } = record.event {
                match (state, down) {
                    (Machine::Crashed, None) => down = Some((node, record.at)),
                    (Machine::Running, Some((n, at))) if n == node => {
                        assert_eq!(record.at.since(at), SimDuration::from_mins(5));
                        down = None;
                    }
                    _ => panic!("two machines down at once at {}", record.at),
                }
            }
        }
        let first = records.iter().find(|r| matches!(r.event, Event::NodeMachine { .. })).unwrap();
        assert!(first.at >= crate::time::SimTime::ZERO + SimDuration::from_mins(24 * 60));
        assert!(sim.world.live_nodes().all(|n| !n.unschedulable && n.machine == Machine::Running));
    }
}
