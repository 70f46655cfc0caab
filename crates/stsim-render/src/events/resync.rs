//! The PV controller's word on each unbound claim, said again at every
//! resync.
//!
//! The controller enqueues every claim each `--pvclaimbinder-sync-period`
//! (15 s, from its start) and `syncUnboundClaim` records an event at each
//! sync of a claim it cannot bind: `WaitForFirstConsumer`, or
//! `WaitForPodScheduled` while a pod using the claim has no node
//! (`emitEventForUnboundDelayBindingClaim`); `ExternalProvisioning` once
//! the claim went to its class's provisioner (`provisionClaim`); its
//! `FailedBinding`, `VolumeMismatch` or `ProvisioningFailed` otherwise. So
//! a claim pending for ten minutes shows `(x41 over 10m)` in `kubectl
//! describe pvc`. Owns those repeats only; each claim's first sync, and
//! the syncs its own changes cause, are `collect`'s.
//!
//! A claim that waits for hours is said again thousands of times: past
//! [`LISTED`] repeats of one word, the rest are counted into one event at
//! the last of them (`K8sEvent::also`), so a run of any length costs
//! memory in proportion to its changes, not its duration.

use super::{Involved, K8sEvent, PV_CONTROLLER};
use std::collections::{BTreeMap, BTreeSet};
use stsim_core::config::VolumeBindingMode;
use stsim_core::objects::{PodId, PvcId};
use stsim_core::sim::Simulation;
use stsim_core::time::{SimDuration, SimTime};
use stsim_core::trace::Event;

/// `--pvclaimbinder-sync-period`'s default.
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// The repeats of one word listed one by one: an hour of resyncs.
pub const LISTED: u32 = 240;

/// What the PV controller says of an unbound claim at a sync.
#[derive(Clone)]
enum Word {
    /// `WaitForFirstConsumer`, or `WaitForPodScheduled` naming the pods
    /// using the claim that have no node at the time.
    Consumer,
    /// An event said as it was last said.
    Said { reason: &'static str, message: String, warning: bool },
}

/// One claim's word, since when it holds, how many resyncs have said it,
/// and the repeats past [`LISTED`] not yet written: the last one and how
/// many it stands for.
#[derive(Clone)]
struct Saying {
    word: Word,
    since: SimTime,
    said: u32,
    held: Option<(K8sEvent, u32)>,
}

/// What the walk knows at a time.
struct State<'w> {
    sayings: Vec<Option<Saying>>,
    pending: BTreeSet<PvcId>,
    /// Each pod: created and not removed; with a node.
    live: Vec<bool>,
    placed: Vec<bool>,
    /// The pods using each claim, by claim name.
    users: BTreeMap<&'w str, Vec<PodId>>,
}

impl State<'_> {
    /// The event claim `id` gets at a resync at `at`, if any: none when its
    /// word was said at this very instant (by the sync its change caused).
    fn word(&self, sim: &Simulation, id: PvcId, at: SimTime) -> Option<K8sEvent> {
        let world = &sim.world;
        let saying = self.sayings[id.index()].as_ref()?;
        if saying.since >= at {
            return None;
        }
        let claim = world.pvc(id);
        let (reason, message, warning) = match &saying.word {
            Word::Consumer => {
                let mut waiting: Vec<&str> = (self.users.get(claim.name.as_str()).into_iter().flatten())
                    .filter(|pod| self.live[pod.index()] && !self.placed[pod.index()])
                    .map(|pod| world.pod(*pod).name.as_str())
                    .collect();
                waiting.sort_unstable();
                let (reason, message) = match waiting.as_slice() {
                    [] => (
                        "WaitForFirstConsumer",
                        "waiting for first consumer to be created before binding".into(),
                    ),
                    [one] => ("WaitForPodScheduled", format!("waiting for pod {one} to be scheduled")),
                    many => (
                        "WaitForPodScheduled",
                        format!("waiting for pods {} to be scheduled", many.join(",")),
                    ),
                };
                (reason, message, false)
            }
            Word::Said { reason, message, warning } => (*reason, message.clone(), *warning),
        };
        let involved = Involved::claim(claim);
        Some(K8sEvent {
            at_ms: at.as_millis(),
            source: PV_CONTROLLER,
            warning,
            reason,
            involved,
            message: message.into(),
            also: 0,
        })
    }

    /// The resync at `at`: each pending claim's word, listed or held.
    fn resync(&mut self, sim: &Simulation, at: SimTime, out: &mut Vec<K8sEvent>) {
        let pending: Vec<PvcId> = self.pending.iter().copied().collect();
        for id in pending {
            let Some(event) = self.word(sim, id, at) else { continue };
            let Some(saying) = self.sayings[id.index()].as_mut() else { continue };
            saying.said = saying.said.saturating_add(1);
            if saying.said <= LISTED {
                out.push(event);
                continue;
            }
            match &mut saying.held {
                Some((last, count)) if last.reason == event.reason && last.message == event.message => {
                    *last = event;
                    *count = count.saturating_add(1);
                }
                held => {
                    if let Some(before) = held.replace((event, 1)) {
                        flush(before, out);
                    }
                }
            }
        }
    }

    /// Whether every pending claim's repeats are held: then the resyncs
    /// up to the next change can be counted rather than walked.
    fn all_held(&self) -> bool {
        self.pending.iter().all(|id| self.sayings[id.index()].as_ref().is_some_and(|s| s.said >= LISTED))
    }

    /// `n` more resyncs, the last at `at`, of claims whose repeats are all
    /// held and whose words do not change meanwhile.
    fn count(&mut self, sim: &Simulation, n: u32, at: SimTime, out: &mut Vec<K8sEvent>) {
        if n == 0 {
            return;
        }
        self.resync(sim, at, out);
        for id in &self.pending {
            if let Some(Saying { held: Some((_, count)), said, .. }) = self.sayings[id.index()].as_mut() {
                *count = count.saturating_add(n - 1);
                *said = said.saturating_add(n - 1);
            }
        }
    }

    /// Claim `id` says `word` from `at` on (or nothing: bound or gone).
    fn set(&mut self, id: PvcId, word: Option<Word>, at: SimTime, out: &mut Vec<K8sEvent>) {
        if let Some(Saying { held: Some(held), .. }) = self.sayings[id.index()].take() {
            flush(held, out);
        }
        match word {
            Some(word) => {
                self.pending.insert(id);
                self.sayings[id.index()] = Some(Saying { word, since: at, said: 0, held: None });
            }
            None => {
                self.pending.remove(&id);
            }
        }
    }
}

/// Held repeats as one event at the last of them.
fn flush((mut last, count): (K8sEvent, u32), out: &mut Vec<K8sEvent>) {
    last.also = count - 1;
    out.push(last);
}

/// The repeats, at each resync after a claim's first sync and before its
/// binding or removal (or up to the run's end), in time order.
/// `external_provisioning` gives a claim's `ExternalProvisioning` message,
/// when its class has a provisioner.
pub fn repeats(sim: &Simulation, external_provisioning: impl Fn(PvcId) -> Option<String>) -> Vec<K8sEvent> {
    let world = &sim.world;
    let mut state = State {
        sayings: vec![None; world.pvcs.len()],
        pending: BTreeSet::new(),
        live: vec![false; world.pods.len()],
        placed: vec![false; world.pods.len()],
        users: BTreeMap::new(),
    };
    for pod in &world.pods {
        for claim in &pod.claims {
            state.users.entry(claim.as_str()).or_default().push(pod.id);
        }
    }
    let external = |pvc: PvcId| {
        let message = external_provisioning(pvc)?;
        Some(Word::Said { reason: "ExternalProvisioning", message, warning: false })
    };
    let mut out = Vec::new();
    let mut next = SimTime::ZERO + SYNC_PERIOD;
    // The resyncs before `until` (and at it, when `inclusive`).
    let catch_up =
        |until: SimTime, inclusive: bool, next: &mut SimTime, state: &mut State, out: &mut Vec<K8sEvent>| {
            let period = SYNC_PERIOD.as_millis();
            let due = |next: SimTime| next < until || (inclusive && next == until);
            if state.pending.is_empty() {
                // Nothing to say until a claim waits: on to the first resync at or after `until`.
                let periods = until.as_millis().div_ceil(period).max(1);
                *next = (*next).max(SimTime::from_millis(periods.saturating_mul(period)));
                return;
            }
            while due(*next) && !state.all_held() {
                state.resync(sim, *next, out);
                *next = *next + SYNC_PERIOD;
            }
            if due(*next) {
                // Every claim's repeats are held: count the rest at once.
                let last = if inclusive { until.as_millis() } else { until.as_millis() - 1 };
                let n = (last - next.as_millis()) / period + 1;
                let at = SimTime::from_millis(next.as_millis() + (n - 1) * period);
                state.count(sim, u32::try_from(n).unwrap_or(u32::MAX), at, out);
                *next = at + SYNC_PERIOD;
            }
        };
    for record in &sim.trace.records {
        catch_up(record.at, false, &mut next, &mut state, &mut out);
        let change = match &record.event {
            Event::PodCreated { pod, .. } => {
                state.live[pod.index()] = true;
                None
            }
            Event::PodScheduled { pod, .. } => {
                state.placed[pod.index()] = true;
                None
            }
            Event::PodRemoved { pod, .. } => {
                state.live[pod.index()] = false;
                None
            }
            Event::PvcCreated { pvc } => {
                let claim = world.pvc(*pvc);
                let word = match claim.storage_class.map(|c| world.class(c)) {
                    _ if claim.volume_name.is_some() => None,
                    Some(c) if c.binding_mode == VolumeBindingMode::WaitForFirstConsumer => {
                        Some(Word::Consumer)
                    }
                    Some(c) if c.provisions() => external(*pvc),
                    _ => None,
                };
                Some((*pvc, word))
            }
            Event::PvcSelectedNode { pvc, .. } => external(*pvc).map(|word| (*pvc, Some(word))),
            Event::PvcWaiting { pvc, reason, message, warning }
                if !super::provisioning::refused_by_provisioner(reason, message) =>
            {
                Some((*pvc, Some(Word::Said { reason, message: message.clone(), warning: *warning })))
            }
            Event::PvcBound { pvc, .. } | Event::PvcRemoved { pvc } => Some((*pvc, None)),
            _ => None,
        };
        if let Some((pvc, word)) = change {
            state.set(pvc, word, record.at, &mut out);
        }
    }
    catch_up(sim.now(), true, &mut next, &mut state, &mut out);
    let pending: Vec<PvcId> = state.pending.iter().copied().collect();
    for id in pending {
        state.set(id, None, sim.now(), &mut out);
    }
    out.sort_by_key(|e| e.at_ms);
    out
}
