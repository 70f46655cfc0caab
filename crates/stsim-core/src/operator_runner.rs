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
use crate::kube::{ObjRef, WriteResult};
use crate::operators::{Operator, Reconciled, View, WatchEvent, watch_event, watch_event_v2};
use crate::rng::{RngExt, Stream};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Event, Slice};
use crate::world::World;
use std::collections::{BTreeSet, VecDeque};

/// The most changed objects a live cache keeps track of between two
/// reconciles; past it, the next reconcile lists everything afresh.
const MAX_CHANGES: usize = 4096;

/// The shortest requeue an operator gets: a shorter `requeue_after_ms`
/// (including 0) is raised to this, as a work queue's rate limiter would.
pub const MIN_REQUEUE: SimDuration = SimDuration::from_millis(100);

/// The most reconciles one operator may do within one simulated second; more
/// is a loop (an operator requeueing or waking itself without end), and the
/// run stops with an error naming it instead of spinning.
pub const MAX_RECONCILES_PER_SECOND: u32 = 50;

/// The most reconciles in a row an operator may be woken by nothing but
/// the watch events of its own writes while rewriting an object it wrote
/// earlier in that run: the update-status, watch-event, reconcile,
/// update-status loop. A real controller's work queue hands the key back
/// as soon as the event arrives (rate limiting applies to requeues after
/// an error, not to event handlers), so such a loop spins as fast as the
/// API server answers whatever `reconcileDelay` says; past this many the
/// run stops with an error naming it. An operator that makes one object a
/// reconcile, each wake its own last create's event, never rewrites one and
/// is not counted.
pub const MAX_SELF_WOKEN_REWRITES: u32 = 20;

/// The most the results of one answer's writes may carry of objects, in
/// bytes of their JSON. The API server answers each write with the object
/// as written, and its watch sends it again, so an answer of a thousand
/// small patches to an object with a 250 kB annotation asks for half a
/// gigabyte in the next request, which stsim, unlike a real client's
/// stream, holds whole. Past this the run stops with an error that says so.
pub const MAX_RESULT_BYTES: usize = 32 << 20;

/// The length of `value`'s JSON, counted without writing it anywhere.
fn json_len(value: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // invariant: a JSON value always serializes, and Count never fails.
    serde_json::to_writer(&mut count, value).expect("a JSON value serializes");
    count.0
}

/// One operator and its mailbox.
pub struct Slot {
    pub operator: Box<dyn Operator>,
    pub config: OperatorConfig,
    /// Watch events received and not yet handed over; with `lag`, those
    /// newer than the cache wait until the cache has caught up with them.
    pending: Vec<WatchEvent>,
    rng: Stream,
    /// Views of the cluster in the past, for the lag fault: the informer
    /// cache the list and the watch both come from.
    history: VecDeque<(SimTime, View)>,
    /// Without the lag fault, the cache as of the last reconcile, brought
    /// up to date in place at the next (`View::refresh`).
    live: View,
    /// The objects changed since `live` was refreshed (`kube::touched` of
    /// each record delivered); `None` until the first refresh, and when
    /// so many changed that listing afresh is cheaper.
    changed: Option<Vec<ObjRef>>,
    /// The instant whose final state `history` is still to take (`snapshot`).
    snapshot_at: Option<SimTime>,
    /// The API server's answers to the writes of the last reconcile.
    results: Vec<WriteResult>,
    /// Reconciles that wrote so far, for `crashAt`.
    reconciles: u32,
    crashed_at_point: bool,
    /// While the operator restarts: when it is back.
    down_until: Option<SimTime>,
    /// The simulated second of the last reconcile, and how many it held.
    pace: (u64, u32),
    /// The warnings the API server gave this operator so far: each is
    /// recorded in the trace once.
    warned: BTreeSet<String>,
    /// Whether every watch event delivered since the last reconcile came
    /// from the operator's own writes (none from another writer, nor a
    /// fresh list).
    own_events_only: bool,
    /// The reconciles in a row woken only by its own writes' events that
    /// rewrote an object written earlier in the row, and the objects the
    /// row wrote (`MAX_SELF_WOKEN_REWRITES`).
    self_woken: (u32, BTreeSet<ObjRef>),
}

impl Slot {
    pub fn new(operator: Box<dyn Operator>, config: OperatorConfig, seed: u64, index: usize) -> Slot {
        let rng = crate::rng::stream(seed, &format!("operator/{index}"));
        Slot {
            operator,
            config,
            pending: Vec::new(),
            rng,
            history: VecDeque::new(),
            live: View::default(),
            changed: None,
            snapshot_at: None,
            results: Vec::new(),
            reconciles: 0,
            crashed_at_point: false,
            down_until: None,
            pace: (0, 0),
            warned: BTreeSet::new(),
            own_events_only: false,
            self_woken: (0, BTreeSet::new()),
        }
    }

    fn draw(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.rng.random_range(0..1_000_000u32) < ppm
    }

    fn lag(&self) -> SimDuration {
        self.config.faults.lag
    }

    /// The cluster as the operator's cache holds it at `now`.
    fn cache(&self, world: &World, now: SimTime) -> View {
        if self.lag().is_zero() {
            return View::for_protocol(world, now.as_millis(), self.config.protocol);
        }
        let cutoff = now.as_millis().saturating_sub(self.lag().as_millis());
        let stale = self
            .history
            .iter()
            .rev()
            .find(|(at, _)| at.as_millis() <= cutoff)
            .map(|(_, view)| view.clone())
            .unwrap_or_else(|| View::of(&World::empty("", ""), 0));
        // An informer cache lags; the operator's clock does not.
        View { time_ms: now.as_millis(), ..stale }
    }
}

/// Starts every operator as controller-runtime starts a manager: its
/// informers list what exists (every object as ADDED) and it reconciles
/// once its reconcile delay (and any `lag`) is up, whether or not anything changes later.
/// Without this an operator that only reacts (creating a StatefulSet for a
/// custom resource that exists from the start) would never run. Returns
/// when each operator first wakes.
pub fn start(slots: &mut [Slot], world: &World, now: SimTime) -> Vec<(usize, SimTime)> {
    let mut wakes = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        let view = View::for_protocol(world, now.as_millis(), slot.config.protocol);
        slot.pending = relist(&view, slot.config.protocol, now);
        if !slot.lag().is_zero() {
            // The lagging cache starts from the list, not from nothing.
            slot.history.push_back((now, view));
        }
        // With `lag`, the cache has the list `lag` late, as it has every event.
        wakes.push((index, now + slot.lag() + slot.config.reconcile_delay));
    }
    wakes
}

/// Hands the new trace records to every operator as watch events.
pub fn deliver(
    slots: &mut [Slot],
    world: &World,
    records: Slice<'_>,
    api_now: SimTime,
) -> Vec<(usize, SimTime)> {
    let mut wakes = Vec::new();
    for (index, slot) in slots.iter_mut().enumerate() {
        if let Some(changed) = &mut slot.changed {
            // Whatever the watch loses, the cache is a list of what is.
            for record in records {
                let (a, b) = crate::kube::touched(&record.event);
                changed.extend(a.into_iter().chain(b));
            }
            if changed.len() > MAX_CHANGES {
                slot.changed = None;
            }
        }
        let before = slot.pending.len();
        // A restarting operator has no watch: it lists afresh when it is back.
        if slot.down_until.is_none() {
            for record in records {
                let events = if slot.config.protocol >= 2 {
                    watch_event_v2(world, record)
                } else {
                    watch_event(world, record).into_iter().collect()
                };
                if !events.is_empty() && record.actor != crate::trace::Actor::Operator(index as u32) {
                    slot.own_events_only = false;
                }
                for event in events {
                    let dropped = slot.draw(slot.config.faults.drop_events_ppm);
                    if !dropped {
                        slot.pending.push(event);
                    }
                }
            }
        }
        if !slot.lag().is_zero() && !records.is_empty() {
            // The cache takes the instant's last state, once time moves on.
            slot.snapshot_at = Some(api_now);
        }
        if slot.pending.len() > before {
            // An event reaches the operator once its cache has caught up with it.
            wakes.push((index, api_now + slot.lag() + slot.config.reconcile_delay));
        }
    }
    wakes
}

/// Time is about to move on from the instant of the last delivery: each
/// lagging operator's cache history takes the cluster as that instant left
/// it. A lagging cache is read only at least `lag` after the instant, so
/// one view an instant is all it can see, however many steps the instant
/// had (each step's view, built on every delivery, made a fleet with a
/// lagging operator cost the square of its size).
pub fn snapshot(slots: &mut [Slot], world: &World) {
    for slot in slots.iter_mut() {
        let Some(at) = slot.snapshot_at.take() else { continue };
        slot.history.push_back((at, View::for_protocol(world, at.as_millis(), slot.config.protocol)));
        // Keep one view older than the lag, and everything since.
        let cutoff = SimTime::from_millis(at.as_millis().saturating_sub(slot.lag().as_millis()));
        while slot.history.len() > 1 && slot.history[1].0 <= cutoff {
            slot.history.pop_front();
        }
    }
}

/// Operator `index` reconciles: sees its events (with the faults), decides,
/// and its actions are applied. `Err` is the operator failing.
pub fn reconcile(
    slot: &mut Slot,
    index: usize,
    api: &mut Api,
    templates: crate::kube::template::TemplateReader,
) -> Result<(), String> {
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
    let key = EventKey::Operator(index as u32);
    if let Some(until) = slot.down_until {
        if now < until {
            api.arm(key, until);
            return Ok(());
        }
        // Back: a fresh list of everything in its (possibly stale) cache.
        slot.down_until = None;
        slot.own_events_only = false;
        slot.pending = relist(&slot.cache(api.world(), now), slot.config.protocol, now);
    }
    // With lag, only the events the cache has caught up with are seen.
    let lag = slot.lag().as_millis();
    let (mut events, later): (Vec<WatchEvent>, Vec<WatchEvent>) = std::mem::take(&mut slot.pending)
        .into_iter()
        .partition(|e| e.time_ms.saturating_add(lag) <= now.as_millis());
    if let Some(first) = later.iter().map(|e| e.time_ms).min() {
        api.arm(key, SimTime::from_millis(first) + slot.lag());
    }
    slot.pending = later;
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
    let mut stale;
    // Woken by its own writes alone: the next events show whether again.
    let self_woken = !events.is_empty() && std::mem::replace(&mut slot.own_events_only, true);
    let view = if slot.lag().is_zero() {
        let (world, now_ms, protocol) = (api.world(), now.as_millis(), slot.config.protocol);
        match slot.changed.as_mut() {
            Some(changed) => {
                changed.sort_unstable();
                changed.dedup();
                slot.live.refresh_changed(world, now_ms, protocol, changed);
                changed.clear();
            }
            None => {
                slot.live.refresh(world, now_ms, protocol);
                slot.changed = Some(Vec::new());
            }
        }
        debug_assert!(
            slot.live == View { results: Vec::new(), ..slot.cache(api.world(), now) },
            "a view refreshed in place is the view listed afresh"
        );
        &mut slot.live
    } else {
        stale = slot.cache(api.world(), now);
        &mut stale
    };
    view.results = std::mem::take(&mut slot.results);
    let reconciled = slot.operator.reconcile(view, &events);
    view.results.clear();
    let Reconciled { actions, requeue_after_ms } = reconciled?;
    // A crash at the configured point, or a random restart between two writes:
    // only the first `keep` actions happen.
    // `crashAt` counts the reconciles that write (answer with an action):
    // the points where a crash can leave the cluster half-changed.
    if !actions.is_empty() {
        slot.reconciles += 1;
    }
    let crash_point = slot
        .config
        .faults
        .crash_at
        .filter(|c| !actions.is_empty() && !slot.crashed_at_point && c.reconcile == slot.reconciles);
    let keep = if let Some(point) = crash_point {
        slot.crashed_at_point = true;
        Some((point.after_write as usize).min(actions.len()))
    } else if actions.len() >= 2 && slot.draw(slot.config.faults.restart_between_writes_ppm) {
        Some(slot.rng.random_range(1..actions.len()))
    } else {
        None
    };
    let applied = keep.unwrap_or(actions.len());
    let written_from = api.trace.records.len();
    let mut carried = slot.results.iter().filter_map(|r| r.object.as_ref()).map(json_len).sum::<usize>();
    for (i, action) in actions[..applied].iter().enumerate() {
        let mut result = crate::kube::verbs::apply(api, action, templates);
        result.action = i;
        carried = carried.saturating_add(result.object.as_ref().map_or(0, json_len));
        if carried > MAX_RESULT_BYTES {
            return Err(format!(
                "operator {}'s answer made {} writes (of {}) whose results carry more than {} MiB of objects, and \
                 its watch events as much again, for its next request: the API server answers each write with \
                 the object written, and stsim holds a request whole. Write less in one answer (requeue for the \
                 rest), or keep the objects smaller",
                slot.operator.name(),
                i + 1,
                actions.len(),
                MAX_RESULT_BYTES >> 20
            ));
        }
        let new: Vec<String> =
            result.warnings.iter().filter(|w| !slot.warned.contains(*w)).cloned().collect();
        if !new.is_empty() {
            slot.warned.extend(new.iter().cloned());
            api.record(Event::WriteWarned { action: crate::kube::verbs::describe(action), warnings: new });
        }
        // The answer carries the object only with protocol 2.
        slot.results.push(result);
    }
    if !events.is_empty() {
        hot_loop_check(slot, api, written_from, self_woken)?;
    }
    if keep.is_some() {
        api.record(Event::OperatorRestarted { lost_actions: (actions.len() - applied) as u32 });
        slot.operator.restart();
        slot.pending.clear();
        slot.results.clear();
        let back = now + slot.config.faults.restart_time;
        slot.down_until = Some(back);
        api.arm(key, back);
        return Ok(());
    }
    if let Some(ms) = requeue_after_ms {
        api.wake_after(key, SimDuration::from_millis(ms).max(MIN_REQUEUE));
    }
    Ok(())
}

/// Counts a reconcile woken by events into the row of self-woken rewrites
/// (`MAX_SELF_WOKEN_REWRITES`): it continues the row if only the operator's
/// own writes woke it and it rewrote an object the row wrote before; any
/// other event, or a reconcile that writes nothing, ends the row.
fn hot_loop_check(slot: &mut Slot, api: &Api, written_from: usize, self_woken: bool) -> Result<(), String> {
    let written: BTreeSet<ObjRef> = (api.trace.records.slice(written_from..))
        .into_iter()
        .filter(|r| r.actor == api.actor)
        .flat_map(|r| {
            let (a, b) = crate::kube::touched(&r.event);
            a.into_iter().chain(b)
        })
        .collect();
    let (count, objects) = &mut slot.self_woken;
    if !self_woken || written.is_empty() {
        *count = 0;
        *objects = written;
        return Ok(());
    }
    let rewrote: Vec<ObjRef> = written.intersection(objects).copied().collect();
    if rewrote.is_empty() {
        *count = 0;
    } else {
        *count += 1;
    }
    objects.extend(written);
    if *count < MAX_SELF_WOKEN_REWRITES {
        return Ok(());
    }
    let names: Vec<String> = rewrote.iter().map(|o| crate::kube::display(api.world(), *o)).collect();
    Err(format!(
        "operator {}'s own writes keep waking it: its last {MAX_SELF_WOKEN_REWRITES} reconciles were each woken \
         only by the watch events of its previous writes, and each wrote {} again. A real controller's work \
         queue hands the key back as soon as the event arrives, so this loop spins as fast as the API server \
         answers, whatever reconcileDelay says: write only what changed (compare before an update), or filter \
         the events of its own writes (controller-runtime's GenerationChangedPredicate skips status-only updates)",
        slot.operator.name(),
        names.join(", ")
    ))
}

/// Every object as ADDED, as a fresh list-and-watch delivers it.
fn relist(view: &View, protocol: u32, now: SimTime) -> Vec<WatchEvent> {
    let added = |object: &str, name: &str, manifest: Option<&crate::kube::Object>| WatchEvent {
        time_ms: now.as_millis(),
        kind: "ADDED",
        object: object.to_string(),
        name: name.to_string(),
        manifest: manifest.cloned(),
    };
    if protocol >= 2 {
        let o = &view.objects;
        return [
            &o.nodes,
            &o.services,
            &o.stateful_sets,
            &o.pods,
            &o.persistent_volume_claims,
            &o.persistent_volumes,
            &o.pod_disruption_budgets,
            &o.custom_resources,
        ]
        .into_iter()
        .flatten()
        .map(|m| {
            added(
                m["kind"].as_str().unwrap_or_default(),
                m["metadata"]["name"].as_str().unwrap_or_default(),
                Some(m),
            )
        })
        .collect();
    }
    view.pods
        .iter()
        .map(|p| added("Pod", &p.name, None))
        .chain(view.pvcs.iter().map(|c| added("PersistentVolumeClaim", &c.name, None)))
        .chain(view.statefulsets.iter().map(|s| added("StatefulSet", &s.name, None)))
        .collect()
}
