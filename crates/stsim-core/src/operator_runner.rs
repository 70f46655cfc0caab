//! Running operators inside the simulation.
//!
//! Owns each operator's mailbox: turning new trace records into watch
//! events, injecting the configured faults (dropped and coalesced events,
//! a lagging view, a restart between two writes), waking the operator after
//! its reconcile delay or when it asked to be requeued, and applying its
//! actions through the API server as `operator/<name>`.
//!
//! Does not decide anything for an operator: that is the operator's job.

use crate::api::Api;
use crate::config::OperatorConfig;
use crate::events::EventKey;
use crate::operators::{Operator, OperatorAction, Reconciled, View, WatchEvent, watch_event};
use crate::rng::{RngExt, Stream};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Event, Record};
use crate::world::World;
use std::collections::VecDeque;

/// The shortest requeue an operator gets: a shorter `requeue_after_ms`
/// (including 0) is raised to this, as a work queue's rate limiter would.
pub const MIN_REQUEUE: SimDuration = SimDuration::from_millis(10);

/// The most reconciles one operator may do within one simulated second; more
/// is a loop (an operator requeueing or waking itself without end), and the
/// run stops with an error naming it instead of spinning.
pub const MAX_RECONCILES_PER_SECOND: u32 = 100;

/// One operator and its mailbox.
pub struct Slot {
    pub operator: Box<dyn Operator>,
    pub config: OperatorConfig,
    pending: Vec<WatchEvent>,
    rng: Stream,
    /// Views of the cluster in the past, for the lag fault.
    history: VecDeque<(SimTime, View)>,
    /// The simulated second of the last reconcile, and how many it held.
    pace: (u64, u32),
}

impl Slot {
    pub fn new(operator: Box<dyn Operator>, config: OperatorConfig, seed: u64, index: usize) -> Slot {
        let rng = crate::rng::stream(seed, &format!("operator/{index}"));
        Slot { operator, config, pending: Vec::new(), rng, history: VecDeque::new(), pace: (0, 0) }
    }

    fn draw(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.rng.random_range(0..1_000_000u32) < ppm
    }
}

/// Hands the new trace records to every operator as watch events.
pub fn deliver(
    slots: &mut [Slot],
    world: &World,
    records: &[Record],
    api_now: SimTime,
) -> Vec<(usize, SimTime)> {
    let mut wakes = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        let before = slot.pending.len();
        for record in records {
            if let Some(event) = watch_event(world, record) {
                let dropped = slot.draw(slot.config.faults.drop_events_ppm);
                if !dropped {
                    slot.pending.push(event);
                }
            }
        }
        if !slot.config.faults.lag.is_zero() && !records.is_empty() {
            slot.history.push_back((api_now, View::of(world, api_now.as_millis())));
            // Keep one view older than the lag, and everything since.
            let cutoff =
                SimTime::from_millis(api_now.as_millis().saturating_sub(slot.config.faults.lag.as_millis()));
            while slot.history.len() > 1 && slot.history[1].0 <= cutoff {
                slot.history.pop_front();
            }
        }
        if slot.pending.len() > before {
            wakes.push((index, api_now + slot.config.reconcile_delay));
        }
    }
    wakes
}

/// Operator `index` reconciles: sees its events (with the faults), decides,
/// and its actions are applied. `Err` is the operator failing.
pub fn reconcile(slot: &mut Slot, index: usize, api: &mut Api) -> Result<(), String> {
    let now = api.now;
    let second = now.as_millis() / 1_000;
    slot.pace = if slot.pace.0 == second { (second, slot.pace.1.saturating_add(1)) } else { (second, 1) };
    if slot.pace.1 > MAX_RECONCILES_PER_SECOND {
        return Err(format!(
            "operator {} reconciled more than {MAX_RECONCILES_PER_SECOND} times within one simulated second \
             (from {}): it requeues or wakes itself in a loop",
            slot.operator.name(),
            SimTime::from_millis(second.saturating_mul(1_000))
        ));
    }
    let mut events = std::mem::take(&mut slot.pending);
    if slot.config.faults.coalesce {
        // Only the last event per object survives: intermediate states are missed.
        let mut last: Vec<WatchEvent> = Vec::new();
        for event in events.into_iter().rev() {
            if !last.iter().any(|e| e.object == event.object && e.name == event.name) {
                last.push(event);
            }
        }
        last.reverse();
        events = last;
    }
    let view = if slot.config.faults.lag.is_zero() {
        View::of(api.world(), now.as_millis())
    } else {
        let cutoff = now.as_millis().saturating_sub(slot.config.faults.lag.as_millis());
        let stale = slot
            .history
            .iter()
            .rev()
            .find(|(at, _)| at.as_millis() <= cutoff)
            .map(|(_, view)| view.clone())
            .unwrap_or_else(|| View::of(&World::empty("", ""), 0));
        // An informer cache lags; the operator's clock does not.
        View { time_ms: now.as_millis(), ..stale }
    };
    let Reconciled { actions, requeue_after_ms } = slot.operator.reconcile(&view, &events)?;
    // A restart between two writes: only the first `keep` actions happen.
    let keep = if actions.len() >= 2 && slot.draw(slot.config.faults.restart_between_writes_ppm) {
        slot.rng.random_range(1..actions.len())
    } else {
        actions.len()
    };
    for action in &actions[..keep] {
        apply(api, action);
    }
    if keep < actions.len() {
        api.record(Event::OperatorRestarted { lost_actions: (actions.len() - keep) as u32 });
        slot.operator.restart();
        // A restarted operator lists everything again.
        slot.pending = relist(api.world(), now);
        api.wake(EventKey::Operator(index as u32));
    }
    if let Some(ms) = requeue_after_ms {
        api.wake_after(EventKey::Operator(index as u32), SimDuration::from_millis(ms).max(MIN_REQUEUE));
    }
    Ok(())
}

/// Every object as ADDED, as a fresh list-and-watch delivers it.
fn relist(world: &World, now: SimTime) -> Vec<WatchEvent> {
    let view = View::of(world, now.as_millis());
    let added = |object, name: &String| WatchEvent {
        time_ms: now.as_millis(),
        kind: "ADDED",
        object,
        name: name.clone(),
    };
    view.pods
        .iter()
        .map(|p| added("Pod", &p.name))
        .chain(view.pvcs.iter().map(|c| added("PersistentVolumeClaim", &c.name)))
        .chain(view.statefulsets.iter().map(|s| added("StatefulSet", &s.name)))
        .collect()
}

/// Applies one action through the API server; a missing object is
/// NotFound. A promotion goes to the application's model; one that does
/// not apply is recorded with the reason, and changes nothing.
fn apply(api: &mut Api, action: &OperatorAction) {
    let not_found = |api: &mut Api, kind: &str, name: &str| {
        api.record(Event::NotFound { name: format!("{kind}/{name}") });
    };
    match action {
        OperatorAction::DeletePvc { name } => match api.world().pvc_named(name) {
            Some(pvc) => api.delete_pvc(pvc),
            None => not_found(api, "pvc", name),
        },
        OperatorAction::DeletePod { name } | OperatorAction::ForceDeletePod { name } => {
            let grace = matches!(action, OperatorAction::ForceDeletePod { .. }).then_some(SimDuration::ZERO);
            match api.world().pod_named(name) {
                Some(pod) => api.delete_pod(pod, grace),
                None => not_found(api, "pod", name),
            }
        }
        OperatorAction::Scale { statefulset, replicas } => match api.world().sts_named(statefulset) {
            Some(_) if *replicas > crate::sim::MAX_REPLICAS => api.record(Event::ActionRefused {
                action: format!("scale {statefulset} to {replicas}"),
                why: format!(
                    "Invalid value: {replicas}: stsim simulates at most {} replicas",
                    crate::sim::MAX_REPLICAS
                ),
            }),
            Some(sts) => api.scale_statefulset(sts, *replicas),
            None => not_found(api, "statefulset", statefulset),
        },
        OperatorAction::PowerOffNode { name } => {
            match api.world().nodes.iter().position(|n| n.name == *name && n.exists()) {
                Some(index) => {
                    let node = crate::objects::NodeId(index as u32);
                    // The cloud provider stops the machine, then the Node object goes.
                    let actor = api.actor;
                    api.actor = crate::trace::Actor::Machine(node);
                    if api.world().node(node).machine != crate::objects::Machine::Crashed {
                        api.set_machine(node, crate::objects::Machine::Crashed);
                        crate::controllers::kubelet::node_crashed(api, node);
                    }
                    api.actor = actor;
                    api.delete_node(node);
                }
                None => not_found(api, "node", name),
            }
        }
        OperatorAction::RemoveMember { name } | OperatorAction::AddMember { name } => {
            let (change, verb) = match action {
                OperatorAction::RemoveMember { .. } => (crate::apps::MemberChange::Remove, "remove member"),
                _ => (crate::apps::MemberChange::Add, "add member"),
            };
            if let Err(why) = crate::apps::change_member(api, name, change) {
                api.record(Event::ActionRefused { action: format!("{verb} {name}"), why });
            }
        }
        OperatorAction::Promote { name } => {
            if let Err(why) = crate::apps::promote(api, name) {
                api.record(Event::ActionRefused { action: format!("promote {name}"), why });
            }
        }
    }
}
