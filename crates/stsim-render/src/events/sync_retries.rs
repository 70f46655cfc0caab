//! The kubelet's words on a container that cannot start, said again at
//! each retry of its pod's sync.
//!
//! A sync that leaves a container not started fails, and the pod worker
//! syncs the pod again after `backOffPeriod` (10 s), jittered by half
//! (`wait.Jitter(10s, 0.5)`: 10 to 15 s; pkg/kubelet/pod_workers.go
//! `completeWork`), until something changes. Each retry records the
//! container's words again: `BackOff` (`Back-off restarting failed
//! container`, the runtime manager's `doBackOff`) while it waits out its
//! restart back-off; `Back-off pulling image` and `Error:
//! ImagePullBackOff` during the pull back-off; `InspectFailed` and `Error:
//! InvalidImageName` for a reference the kubelet cannot read;
//! `ErrImageNeverPull` and its `Error:`. So a pod in CrashLoopBackOff for
//! ten minutes shows `BackOff (x45 over 10m)` in `kubectl describe`, not
//! one event a restart.
//!
//! From Kubernetes 1.35 a sync that fails on a restart back-off carries
//! the back-off's end (`BackoffError`, kubernetes#133066), and the pod
//! worker waits until then instead, at most its resync interval (1 min),
//! jittered the same way; the pull back-off and the other failures carry
//! none and keep the 10 s retry. A pod with several failing containers is
//! retried by the earliest end among its restart back-offs, if it has any
//! (`MinBackoffExpiration`).
//!
//! The retries are the pod worker's alone: each trace record about the
//! pod's containers is a sync, from which the next retry is counted anew;
//! a retry draws its jitter from the pod's own seeded stream
//! (`pod-worker/<uid>`), so the events are a function of the scenario and
//! its seed. A pod being deleted is no longer started (its worker
//! terminates it), and a kubelet that is down or cut off writes nothing.
//!
//! Not modelled: the kubelet starts a container again at the first retry
//! after its back-off ends (up to 15 s later, or half the back-off from
//! 1.35); the core restarts it when the back-off ends, and the retries
//! stop there.
//!
//! A container that waits for hours is said again thousands of times:
//! past [`LISTED`] retries in one wait, the rest are counted into one
//! event at the last of them (`K8sEvent::also`), as the PV controller's
//! resyncs are (`resync`).

use super::states::{Reader, Said};
use super::{Involved, K8sEvent, Source, container_events, name_and_image};
use std::collections::{BTreeMap, BTreeSet};
use stsim_core::features::Version;
use stsim_core::objects::{ContainerRef, ContainerState, Machine, PodId};
use stsim_core::rng::{RngExt, Stream, stream};
use stsim_core::sim::Simulation;
use stsim_core::time::{SimDuration, SimTime};
use stsim_core::trace::Event;

/// The pod worker's `backOffPeriod`.
const RETRY: SimDuration = SimDuration::from_secs(10);
/// The kubelet's `--sync-frequency` (`resyncInterval`): the longest a
/// pod worker waits for a back-off's end from 1.35.
const RESYNC: SimDuration = SimDuration::from_secs(60);
/// `workerBackOffPeriodJitterFactor`.
const JITTER: f64 = 0.5;
/// The retries of one wait listed one by one (about forty minutes of them).
const LISTED: u32 = 200;

/// One container that cannot start: in which state, when its restart
/// back-off ends (a `CrashLoopBackOff` ended by a restart), how often its
/// pod's retries have said so, what each retry says (worded once, at the
/// first), and the retries past [`LISTED`] not yet written: when the last
/// was and how many.
struct Waiting {
    container: ContainerRef,
    state: ContainerState,
    until: Option<SimTime>,
    retries: u32,
    words: Option<Vec<K8sEvent>>,
    held: Option<(u64, u32)>,
}

/// One pod's worker as the walk knows it.
#[derive(Default)]
struct Worker {
    waiting: Vec<Waiting>,
    next: Option<SimTime>,
    rng: Option<Stream>,
}

/// The repeats, in time order.
pub(super) fn repeats(sim: &Simulation, release: Version) -> Vec<K8sEvent> {
    let world = &sim.world;
    let restarted = restart_times(sim);
    let mut workers: Vec<Worker> = (0..world.pods.len()).map(|_| Worker::default()).collect();
    let mut machine = vec![Machine::Running; world.nodes.len()];
    let mut states = Reader::new(world);
    // Pods with a retry due, by when.
    let mut due: BTreeSet<(SimTime, PodId)> = BTreeSet::new();
    let mut out = Vec::new();
    let mut walk = Walk { sim, release, out: &mut out, machine: &mut machine };
    for record in &sim.trace.records {
        walk.retries_before(record.at, false, &mut workers, &mut due);
        let (pod, waiting) = match &record.event {
            Event::NodeMachine { node, state } => {
                walk.machine[node.index()] = *state;
                continue;
            }
            // The pod worker terminates the pod: it starts nothing more.
            Event::PodDeleting { pod, .. } | Event::PodRemoved { pod, .. } => (*pod, Vec::new()),
            event => {
                let Some(said) = states.read(event) else { continue };
                let stated = |c: ContainerRef| said.container.is_some_and(|(at, _)| at == c);
                let others = without(&workers[said.pod.index()].waiting, |c| {
                    (said.inits_settled && is_init(c)) || stated(c)
                });
                match said.container {
                    Some((container, state)) => (said.pod, with(others, container, state)),
                    None => (said.pod, others),
                }
            }
        };
        let worker = &mut workers[pod.index()];
        if let Some(next) = worker.next.take() {
            due.remove(&(next, pod));
        }
        // The containers that stopped waiting: their held repeats are written.
        let (kept, ended): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut worker.waiting)
            .into_iter()
            .partition(|w| waiting.iter().any(|n| n.container == w.container && n.state == w.state));
        for w in ended {
            flush(w, walk.out);
        }
        for mut new in waiting {
            if kept.iter().all(|w| w.container != new.container) {
                if new.state == ContainerState::CrashLoopBackOff {
                    let ends = restarted.get(&(pod, new.container));
                    new.until = ends.and_then(|ends| next_after(ends, record.at));
                }
                worker.waiting.push(new);
            }
        }
        worker.waiting.extend(kept);
        worker.waiting.sort_by_key(|w| w.container);
        if !worker.waiting.is_empty() {
            let at = record.at + walk.delay(pod, worker, record.at);
            worker.next = Some(at);
            due.insert((at, pod));
        }
    }
    walk.retries_before(sim.now(), true, &mut workers, &mut due);
    for worker in &mut workers {
        for w in worker.waiting.drain(..) {
            flush(w, &mut out);
        }
    }
    out.sort_by_key(|e| e.at_ms);
    out
}

/// A container now waiting in `state`, from the walk's point of view.
fn waiting(container: ContainerRef, state: ContainerState) -> Waiting {
    Waiting { container, state, until: None, retries: 0, words: None, held: None }
}

/// `others` and `container`, if `state` is a failure the kubelet retries.
fn with(mut others: Vec<Waiting>, container: ContainerRef, state: Option<ContainerState>) -> Vec<Waiting> {
    others.extend(state.filter(|s| retried(*s)).map(|state| waiting(container, state)));
    others
}

/// The waiting containers (as fresh entries) but those `drop` names.
fn without(now: &[Waiting], drop: impl Fn(ContainerRef) -> bool) -> Vec<Waiting> {
    now.iter().filter(|w| !drop(w.container)).map(|w| waiting(w.container, w.state)).collect()
}

fn is_init(container: ContainerRef) -> bool {
    matches!(container, ContainerRef::Init(_))
}

/// Whether the kubelet's sync fails, and is retried, while a container
/// waits in `state` (`ErrImagePull` and `Error` last only until the sync
/// that shows their back-off).
fn retried(state: ContainerState) -> bool {
    matches!(
        state,
        ContainerState::CrashLoopBackOff
            | ContainerState::ImagePullBackOff
            | ContainerState::InvalidImageName
            | ContainerState::ErrImageNeverPull
    )
}

/// When each container left a `CrashLoopBackOff`, by pod and container: the
/// back-off's end when it started again. A wait ended otherwise (the pod
/// deleted) is also kept: from 1.35 it bounds the next retry there rather
/// than a minute on, and a retry at or after that end says nothing, so the
/// events are the same either way.
fn restart_times(sim: &Simulation) -> BTreeMap<(PodId, ContainerRef), Vec<SimTime>> {
    let mut ends: BTreeMap<(PodId, ContainerRef), Vec<SimTime>> = BTreeMap::new();
    let mut states = Reader::new(&sim.world);
    let mut backing_off: BTreeMap<(PodId, ContainerRef), bool> = BTreeMap::new();
    for record in &sim.trace.records {
        let Some(Said { pod, container: Some((container, state)), .. }) = states.read(&record.event) else {
            continue;
        };
        let now = state == Some(ContainerState::CrashLoopBackOff);
        let was = backing_off.insert((pod, container), now).unwrap_or(false);
        if was && !now {
            ends.entry((pod, container)).or_default().push(record.at);
        }
    }
    ends
}

/// The first of `times` (in order) after `at`.
fn next_after(times: &[SimTime], at: SimTime) -> Option<SimTime> {
    times.iter().copied().find(|t| *t > at)
}

/// A wait's held retries, each of its words as one event at the last of
/// them.
fn flush(waiting: Waiting, out: &mut Vec<K8sEvent>) {
    let (Some(words), Some((at_ms, count))) = (waiting.words, waiting.held) else { return };
    out.extend(words.into_iter().map(|word| K8sEvent { at_ms, also: count - 1, ..word }));
}

/// What the walk carries between records.
struct Walk<'s, 'o> {
    sim: &'s Simulation,
    release: Version,
    out: &'o mut Vec<K8sEvent>,
    machine: &'o mut Vec<Machine>,
}

impl Walk<'_, '_> {
    /// The pod worker's wait after a failed sync of `pod` at `now`.
    fn delay(&self, pod: PodId, worker: &mut Worker, now: SimTime) -> SimDuration {
        let base = match self.back_off_end(worker) {
            Some(until) => until.since(now).min(RESYNC),
            None => RETRY,
        };
        let seed = self.sim.config.seed;
        let uid = self.sim.world.pod(pod).uid.0;
        let rng = worker.rng.get_or_insert_with(|| stream(seed, &format!("pod-worker/{uid}")));
        // `wait.Jitter`: the base plus up to half of it more.
        let extra = (base.as_millis() as f64 * JITTER * rng.random::<f64>()) as u64;
        SimDuration::from_millis(base.as_millis() + extra)
    }

    /// From 1.35, the earliest end of a restart back-off among the pod's
    /// waiting containers (`MinBackoffExpiration`); none before, or when
    /// none waits in one. A back-off that no restart ends (the pod deleted,
    /// the run over) is past anything the walk will see: a minute.
    fn back_off_end(&self, worker: &Worker) -> Option<SimTime> {
        if self.release < Version::new(35, 0) {
            return None;
        }
        let crash_looping = worker.waiting.iter().filter(|w| w.state == ContainerState::CrashLoopBackOff);
        crash_looping.map(|w| w.until.unwrap_or(SimTime::MAX)).min()
    }

    /// The retries due before `until` (and at it, when `inclusive`).
    fn retries_before(
        &mut self,
        until: SimTime,
        inclusive: bool,
        workers: &mut [Worker],
        due: &mut BTreeSet<(SimTime, PodId)>,
    ) {
        while let Some(&(at, pod)) = due.first() {
            if at > until || (at == until && !inclusive) {
                return;
            }
            due.remove(&(at, pod));
            let worker = &mut workers[pod.index()];
            worker.next = None;
            self.retry(pod, worker, at);
            let next = at + self.delay(pod, worker, at);
            worker.next = Some(next);
            due.insert((next, pod));
        }
    }

    /// The pod's sync at `at` fails again: each waiting container's words.
    fn retry(&mut self, pod: PodId, worker: &mut Worker, at: SimTime) {
        let world = &self.sim.world;
        let p = world.pod(pod);
        let Some(node) = p.node else { return };
        if self.machine[node.index()] != Machine::Running {
            return;
        }
        let namespace = &self.sim.config.namespace;
        for w in &mut worker.waiting {
            if w.until.is_some_and(|until| until <= at) {
                continue;
            }
            let Some((name, image)) = name_and_image(p, w.container) else { continue };
            let words = w.words.get_or_insert_with(|| {
                let involved = Involved::pod(p, Some(w.container));
                let said = container_events(p, (name, image), w.state, self.release, namespace);
                (said.into_iter())
                    .map(|(warning, reason, message)| K8sEvent {
                        at_ms: 0,
                        source: Source::kubelet_of(p),
                        warning,
                        reason,
                        involved: involved.clone(),
                        message,
                        also: 0,
                    })
                    .collect()
            });
            w.retries = w.retries.saturating_add(1);
            if w.retries <= LISTED {
                let at_ms = at.as_millis();
                self.out.extend(words.iter().map(|word| K8sEvent { at_ms, ..word.clone() }));
            } else {
                let count = w.held.map_or(0, |(_, count)| count);
                w.held = Some((at.as_millis(), count.saturating_add(1)));
            }
        }
    }
}
