//! The node lifecycle controller: noticing that a node went silent.
//!
//! Owns what `pkg/controller/nodelifecycle/node_lifecycle_controller.go`
//! does: `monitorNodeHealth` every `--node-monitor-period` (5 s) compares
//! each node's last observed heartbeat (lease renewal, every 10 s from the
//! kubelet) with `--node-monitor-grace-period` (50 s); once it is older the
//! Ready condition becomes Unknown ("Kubelet stopped posting node status."),
//! the node's pods are marked not Ready (`MarkPodsNotReady`), and the node
//! gets the `node.kubernetes.io/unreachable:NoSchedule` taint
//! (`doNoScheduleTaintingPass`). On the next pass, which sees the Unknown
//! condition as observed, the node is queued for the
//! `node.kubernetes.io/unreachable:NoExecute` taint, which a per-zone rate
//! limiter applies (`doNoExecuteTaintingPass`, 0.1 nodes/s, a burst of 1,
//! passes every 100 ms). Zone health changes the rate (`handleDisruption`,
//! `ComputeZoneState`): a zone with more than 2 and at least 55 % of its
//! nodes not Ready is partially disrupted and tainted at 0.01 nodes/s if it
//! has more than 50 nodes, not at all otherwise; if every zone is fully
//! disrupted the controller removes the NoExecute taints and stops
//! ("master disruption mode"). When the kubelet posts Ready again, the
//! NoSchedule taint goes at once and the NoExecute taint on the next pass.
//!
//! Heartbeats are computed, not ticked: lease renewals fall on fixed
//! instants from the kubelet's start, so the pass that first sees a stale
//! lease is known the moment the machine goes silent.
//!
//! Does not evict pods (the taint eviction controller does) nor decide what
//! machines do (the script and `cluster.nodeFailures` do).

use crate::api::{Api, Change};
use crate::config::{Taint, TaintEffect};
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::trace::Actor;
use crate::world::World;

/// The kubelet renews its node lease every `0.25 * nodeLeaseDurationSeconds` (40 s).
pub const LEASE_RENEW_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `--node-eviction-rate` 0.1 nodes per second: one token every 10 s.
pub const EVICTION_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `--secondary-node-eviction-rate` 0.01 nodes per second.
pub const SECONDARY_EVICTION_INTERVAL: SimDuration = SimDuration::from_secs(100);
/// `--large-cluster-size-threshold`.
pub const LARGE_CLUSTER_SIZE_THRESHOLD: usize = 50;
/// `NodeEvictionPeriod`: how often the tainting pass runs.
pub const TAINTING_PASS_PERIOD: SimDuration = SimDuration::from_millis(100);
/// Nodes labelled so are left out of zone health (`isNodeExcludedFromDisruptionChecks`).
pub const EXCLUDE_DISRUPTION_LABEL: &str = "node.kubernetes.io/exclude-disruption";

/// A zone's health, as `ComputeZoneState` classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ZoneHealth {
    Normal,
    PartialDisruption,
    FullDisruption,
}

/// One zone's NoExecute tainter: a queue behind a token bucket.
#[derive(Debug, Clone)]
pub struct ZoneTainter {
    pub health: ZoneHealth,
    /// Nodes waiting for their NoExecute taint, first come first served.
    pub queue: Vec<NodeId>,
    /// One token per interval; `None` stops tainting.
    pub interval: Option<SimDuration>,
    /// When the next token is available.
    pub token_at: SimTime,
}

/// The controller's own memory.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Per zone, in the order of `World::zones`.
    pub zones: Vec<ZoneTainter>,
    /// Every zone is fully disrupted: no NoExecute taints at all.
    pub master_disruption: bool,
    /// Per zone, the live nodes that count for zone health: (Ready, not Ready).
    /// Kept as nodes come, go and change condition, so that a change costs
    /// the same on 10 or 10,000 nodes.
    pub counts: Vec<(usize, usize)>,
}

impl State {
    pub fn new(world: &World) -> State {
        let zone = ZoneTainter {
            health: ZoneHealth::Normal,
            queue: Vec::new(),
            interval: Some(EVICTION_INTERVAL),
            token_at: SimTime::ZERO,
        };
        let mut state = State {
            zones: vec![zone; world.zones.len()],
            master_disruption: false,
            counts: vec![(0, 0); world.zones.len()],
        };
        for node in world.live_nodes() {
            state.count(counted_zone(world, node.id), node.condition, 1);
        }
        state
    }

    /// Adds (`sign` 1) or takes away (-1) a node with this condition from its zone's counts.
    fn count(&mut self, zone: Option<usize>, condition: ConditionStatus, sign: isize) {
        let Some(zone) = zone else { return };
        let (ready, not_ready) = &mut self.counts[zone];
        let slot = if condition == ConditionStatus::True { ready } else { not_ready };
        *slot = slot.checked_add_signed(sign).expect("zone counts stay consistent");
    }
}

/// The zone whose health the node counts in, unless it is excluded.
fn counted_zone(world: &World, node: NodeId) -> Option<usize> {
    match world.node(node).labels.contains_key(EXCLUDE_DISRUPTION_LABEL) {
        true => None,
        false => Some(zone_index(world, node)),
    }
}

/// The controller's event handlers: a node came, went or changed its Ready
/// condition (zone health may change), or its lease stopped (the pass that
/// will notice is computed now).
pub fn on_change(api: &mut Api, change: &Change) {
    match *change {
        Change::NodeAdded(node) => {
            let (zone, condition) = (counted_zone(api.world, node), api.world.node(node).condition);
            api.world.node_lifecycle.count(zone, condition, 1);
            zones_changed(api);
        }
        Change::NodeRemoved(node) => {
            api.cancel(EventKey::NodeMonitor(node));
            forget_node(api, node);
            let (zone, condition) = (counted_zone(api.world, node), api.world.node(node).condition);
            api.world.node_lifecycle.count(zone, condition, -1);
            zones_changed(api);
        }
        Change::NodeCondition { node, was } => {
            if api.world.node(node).exists() {
                let (zone, now) = (counted_zone(api.world, node), api.world.node(node).condition);
                api.world.node_lifecycle.count(zone, was, -1);
                api.world.node_lifecycle.count(zone, now, 1);
                // A kubelet reported its node not Ready: the next pass sees it.
                if now == ConditionStatus::False {
                    let at = next_pass(api.world, api.now);
                    api.wake_at(EventKey::NodeMonitor(node), at);
                }
            }
            zones_changed(api);
        }
        Change::LeaseStopped(node) => {
            let at = unknown_at(api.world, node);
            api.wake_at(EventKey::NodeMonitor(node), at);
        }
        _ => {}
    }
}

fn zone_index(world: &World, node: NodeId) -> usize {
    let zone = &world.node(node).zone;
    world.zones.iter().position(|z| z == zone).expect("a node's zone is a cluster zone")
}

fn round_up(at: SimTime, period: SimDuration) -> SimTime {
    let period = period.as_millis().max(1);
    SimTime::from_millis(at.as_millis().div_ceil(period) * period)
}

/// The monitor pass that first finds the node's lease older than the grace
/// period, given that the machine went silent at `silent_since`.
///
/// The last renewal is the last one before the machine went silent; the
/// controller records it (`probeTimestamp`) at its first pass at or after
/// it, and sets Unknown at the first pass strictly after that plus the grace
/// period (`nc.now().After(probeTimestamp.Add(gracePeriod))`).
pub fn unknown_at(world: &World, node: NodeId) -> SimTime {
    let n = world.node(node);
    let period = world.timings.node_monitor_period;
    let grace = world.timings.node_monitor_grace_period;
    let anchor = n.heartbeat_anchor;
    let silent = n.silent_since.unwrap_or(n.machine_since);
    let renewals = silent.since(anchor).as_millis().saturating_sub(1) / LEASE_RENEW_INTERVAL.as_millis();
    let last_renewal = if silent > anchor {
        anchor + SimDuration::from_millis(renewals * LEASE_RENEW_INTERVAL.as_millis())
    } else {
        anchor
    };
    let observed = round_up(last_renewal, period);
    let deadline = observed + grace;
    let period_ms = period.as_millis().max(1);
    SimTime::from_millis((deadline.as_millis() / period_ms + 1) * period_ms)
}

/// The next monitor pass at or after now.
pub fn next_pass(world: &World, now: SimTime) -> SimTime {
    round_up(now, world.timings.node_monitor_period)
}

/// `monitorNodeHealth` for one node.
pub fn monitor(api: &mut Api, node: NodeId) {
    let n = api.world.node(node);
    if !n.exists() {
        return;
    }
    let heartbeating = n.machine == Machine::Running;
    let now = api.now;
    match (heartbeating, n.condition) {
        // A stale lease turns any condition but Unknown into Unknown
        // (`tryUpdateNodeHealth`): True, or the False a kubelet reported
        // while it shut its node down.
        (false, ConditionStatus::True | ConditionStatus::False) => {
            let due = unknown_at(api.world, node);
            if now < due {
                api.wake_at(EventKey::NodeMonitor(node), due);
                return;
            }
            // Ready -> Unknown: "Kubelet stopped posting node status." The
            // pods are marked not Ready only when the condition observed
            // was True (`monitorNodeHealth`); a kubelet that reported False
            // (shutting down) made its pods' status itself.
            let observed_true = n.condition == ConditionStatus::True;
            api.set_node_condition(node, ConditionStatus::Unknown);
            if observed_true {
                mark_pods_not_ready(api, node);
            }
            // processTaintBaseEviction ran with the observed (still True)
            // condition; the next pass queues the NoExecute taint.
            let next = now + api.world.timings.node_monitor_period;
            api.wake_at(EventKey::NodeMonitor(node), next);
        }
        (false, ConditionStatus::Unknown) | (true, ConditionStatus::False) => {
            // Not Ready: the NoExecute taint is queued. The pods are not
            // marked: `MarkPodsNotReady` runs only when the condition
            // observed was True, and a kubelet's False is observed as False
            // (pkg/controller/nodelifecycle `monitorNodeHealth`); Unknown
            // was set by this controller, which marked the pods then.
            let key =
                if n.condition == ConditionStatus::Unknown { taints::UNREACHABLE } else { taints::NOT_READY };
            let tainted =
                n.taints.iter().any(|t| t.taint.key == key && t.taint.effect == TaintEffect::NoExecute);
            if !tainted && !api.world.node_lifecycle.master_disruption {
                queue_for_tainting(api, node);
            }
        }
        (true, ConditionStatus::True) => mark_reachable(api, node),
        (true, ConditionStatus::Unknown) => {}
    }
}

/// `MarkPodsNotReady`: every pod on the node gets Ready=False (the
/// condition only; its container statuses stay as the kubelet wrote them).
fn mark_pods_not_ready(api: &mut Api, node: NodeId) {
    let pods: Vec<PodId> = api.world.node(node).pods.iter().copied().collect();
    for pod in pods {
        api.mark_pod_not_ready(pod);
    }
}

/// `markNodeForTainting`: join the zone's queue.
fn queue_for_tainting(api: &mut Api, node: NodeId) {
    let zone = zone_index(api.world, node);
    let tainter = &mut api.world.node_lifecycle.zones[zone];
    if !tainter.queue.contains(&node) {
        tainter.queue.push(node);
    }
    api.wake(EventKey::NoExecuteTainting(zone as u32));
}

/// `markNodeAsReachable`: remove the NoExecute condition taints and leave the queue.
fn mark_reachable(api: &mut Api, node: NodeId) {
    api.remove_taint(node, taints::UNREACHABLE, TaintEffect::NoExecute);
    api.remove_taint(node, taints::NOT_READY, TaintEffect::NoExecute);
    forget_node(api, node);
}

/// Takes a node out of its zone's tainting queue.
pub fn forget_node(api: &mut Api, node: NodeId) {
    let zone = zone_index(api.world, node);
    api.world.node_lifecycle.zones[zone].queue.retain(|n| *n != node);
}

/// A node's Ready condition or `spec.unschedulable` changed: its
/// NoSchedule taints are synced (the controller's node update handler).
pub fn node_updated(api: &mut Api, node: NodeId) {
    api.wake(EventKey::NodeUpdate(node));
}

/// `doNoScheduleTaintingPass`: the NoSchedule taints follow the Ready
/// condition and `spec.unschedulable` (TaintNodesByCondition).
pub fn sync_no_schedule_taints(api: &mut Api, node: NodeId) {
    let n = api.world.node(node);
    if !n.exists() {
        return;
    }
    let wanted = |key: &str| match key {
        taints::UNREACHABLE => n.condition == ConditionStatus::Unknown,
        taints::NOT_READY => n.condition == ConditionStatus::False,
        taints::UNSCHEDULABLE => n.unschedulable,
        _ => false,
    };
    let changes: Vec<(&str, bool, bool)> = [taints::UNREACHABLE, taints::NOT_READY, taints::UNSCHEDULABLE]
        .into_iter()
        .map(|key| {
            let present =
                n.taints.iter().any(|t| t.taint.key == key && t.taint.effect == TaintEffect::NoSchedule);
            (key, wanted(key), present)
        })
        .collect();
    for (key, want, present) in changes {
        match (want, present) {
            (true, false) => api.add_taint(
                node,
                Taint { key: key.to_string(), value: String::new(), effect: TaintEffect::NoSchedule },
            ),
            (false, true) => api.remove_taint(node, key, TaintEffect::NoSchedule),
            _ => {}
        }
    }
}

/// `doNoExecuteTaintingPass` for one zone: taint queued nodes while the
/// zone's token bucket allows, swapping `not-ready` and `unreachable` so
/// that they mirror the Ready condition.
pub fn tainting_pass(api: &mut Api, zone: usize) {
    loop {
        let tainter = &api.world.node_lifecycle.zones[zone];
        let Some(&node) = tainter.queue.first() else { return };
        let Some(interval) = tainter.interval else { return };
        if api.now < tainter.token_at {
            let at = round_up(tainter.token_at, TAINTING_PASS_PERIOD);
            api.wake_at(EventKey::NoExecuteTainting(zone as u32), at);
            return;
        }
        let tainter = &mut api.world.node_lifecycle.zones[zone];
        tainter.queue.remove(0);
        tainter.token_at = api.now + interval;
        let n = api.world.node(node);
        if !n.exists() {
            continue;
        }
        let (add, opposite) = match n.condition {
            ConditionStatus::Unknown => (taints::UNREACHABLE, taints::NOT_READY),
            ConditionStatus::False => (taints::NOT_READY, taints::UNREACHABLE),
            // Ready again: nothing to taint.
            ConditionStatus::True => continue,
        };
        api.remove_taint(node, opposite, TaintEffect::NoExecute);
        api.add_taint(
            node,
            Taint { key: add.to_string(), value: String::new(), effect: TaintEffect::NoExecute },
        );
    }
}

/// The limiter interval for a zone in a state (`setLimiterInZone`).
fn interval_for(health: ZoneHealth, zone_size: usize) -> Option<SimDuration> {
    match health {
        ZoneHealth::Normal | ZoneHealth::FullDisruption => Some(EVICTION_INTERVAL),
        // ReducedQPSFunc: slower in large zones, stopped in small ones.
        ZoneHealth::PartialDisruption if zone_size > LARGE_CLUSTER_SIZE_THRESHOLD => {
            Some(SECONDARY_EVICTION_INTERVAL)
        }
        ZoneHealth::PartialDisruption => None,
    }
}

/// `ComputeZoneState`.
fn zone_health(ready: usize, not_ready: usize) -> ZoneHealth {
    if ready == 0 && not_ready > 0 {
        ZoneHealth::FullDisruption
    } else if not_ready > 2 && not_ready as f64 / (not_ready + ready) as f64 >= 0.55 {
        ZoneHealth::PartialDisruption
    } else {
        ZoneHealth::Normal
    }
}

/// `handleDisruption`, run whenever a node's Ready condition changes or a
/// node comes or goes (the real controller runs it on every pass; zone
/// states only change with those).
fn zones_changed(api: &mut Api) {
    let counts = &api.world.node_lifecycle.counts;
    if counts.iter().all(|(ready, not_ready)| ready + not_ready == 0) {
        return;
    }
    let populated = |z: &usize| counts[*z].0 + counts[*z].1 > 0;
    let all_are_fully = (0..counts.len())
        .filter(populated)
        .all(|z| zone_health(counts[z].0, counts[z].1) == ZoneHealth::FullDisruption);
    let all_were_fully = api.world.node_lifecycle.master_disruption;
    if all_are_fully && all_were_fully {
        return;
    }
    let now = api.now;
    if all_are_fully {
        // "Controller detected that all Nodes are not-Ready. Entering master disruption mode."
        api.world.node_lifecycle.master_disruption = true;
        for zone in &mut api.world.node_lifecycle.zones {
            zone.interval = None;
            zone.health = ZoneHealth::FullDisruption;
        }
        let nodes: Vec<NodeId> = api.world.live_nodes().map(|n| n.id).collect();
        for node in nodes {
            mark_reachable(api, node);
        }
        return;
    }
    let exiting = all_were_fully;
    api.world.node_lifecycle.master_disruption = false;
    for zone in 0..api.world.node_lifecycle.zones.len() {
        let (ready, not_ready) = api.world.node_lifecycle.counts[zone];
        let size = ready + not_ready;
        if size == 0 {
            continue;
        }
        let new = zone_health(ready, not_ready);
        let tainter = &mut api.world.node_lifecycle.zones[zone];
        if !exiting && tainter.health == new {
            continue;
        }
        tainter.health = new;
        // SwapLimiter makes a fresh bucket, with its one token available.
        tainter.interval = interval_for(new, size);
        tainter.token_at = now;
        if !tainter.queue.is_empty() {
            api.wake(EventKey::NoExecuteTainting(zone as u32));
        }
    }
    if exiting {
        // Nodes still not Ready are queued again on the next pass.
        let silent: Vec<NodeId> =
            api.world.live_nodes().filter(|n| n.condition != ConditionStatus::True).map(|n| n.id).collect();
        let next = next_pass(api.world, now + SimDuration::from_millis(1));
        for node in silent {
            api.wake_at(EventKey::NodeMonitor(node), next);
        }
    }
}

/// The kubelet of a machine that runs and reaches the API server again
/// posts Ready=True at once; the controller's next pass removes the
/// NoExecute taints.
pub fn kubelet_back(api: &mut Api, node: NodeId) {
    if !api.world.node(node).exists() {
        return;
    }
    let actor = api.actor;
    api.actor = Actor::Kubelet(node);
    api.set_node_condition(node, ConditionStatus::True);
    api.actor = actor;
    let next = next_pass(api.world, api.now);
    api.wake_at(EventKey::NodeMonitor(node), next);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PodManagementPolicy;

    fn world() -> World {
        let config = crate::fixtures::scenario(
            "nl",
            1,
            1,
            PodManagementPolicy::OrderedReady,
            SimDuration::from_mins(10),
        );
        World::from_config(&config)
    }

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    /// Last renewal before the machine went silent, observed on the next
    /// 5 s pass, plus 50 s, then the first pass strictly after.
    #[test]
    fn unknown_at_follows_the_lease_and_the_passes() {
        let mut world = world();
        let node = NodeId(0);
        for (silent, unknown) in [
            (125_000, 175_000), // renewal 120 s, seen 120 s, 170 s, pass after: 175 s
            (120_000, 165_000), // renewal 110 s (none at the very instant), 160 s, 165 s
            (121_000, 175_000),
            (3_000, 55_000), // registration at 0 s counts as the last heartbeat
        ] {
            world.nodes[0].silent_since = Some(at(silent));
            assert_eq!(unknown_at(&world, node), at(unknown), "silent at {silent}");
        }
        // A kubelet restarted at 33 s renews at 33, 43, ... and is seen on the next pass.
        world.nodes[0].heartbeat_anchor = at(33_000);
        world.nodes[0].silent_since = Some(at(60_000));
        // Last renewal 53 s, seen at 55 s, + 50 s = 105 s, pass after: 110 s.
        assert_eq!(unknown_at(&world, node), at(110_000));
    }

    /// `ComputeZoneState`.
    #[test]
    fn zone_health_follows_compute_zone_state() {
        assert_eq!(zone_health(0, 1), ZoneHealth::FullDisruption);
        assert_eq!(zone_health(1, 2), ZoneHealth::Normal, "not more than 2 down");
        assert_eq!(zone_health(2, 3), ZoneHealth::PartialDisruption, "3 of 5 is 60 %");
        assert_eq!(zone_health(3, 3), ZoneHealth::Normal, "3 of 6 is 50 %");
        assert_eq!(interval_for(ZoneHealth::PartialDisruption, 50), None);
        assert_eq!(interval_for(ZoneHealth::PartialDisruption, 51), Some(SECONDARY_EVICTION_INTERVAL));
        assert_eq!(interval_for(ZoneHealth::FullDisruption, 3), Some(EVICTION_INTERVAL));
    }
}
