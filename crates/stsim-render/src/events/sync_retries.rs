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
//! The retries are the pod worker's (`kubelet::pod_worker` in the core,
//! whose rule and seeded streams this walk shares): each trace record about
//! the pod's containers is a sync, from which the next retries are counted
//! anew, as the core's kubelet counts them (`PodStatus::containers_written_at`).
//! The kubelet starts a container out of `CrashLoopBackOff`, or pulls an
//! image again out of `ImagePullBackOff`, at the first retry at or after
//! the back-off's end (a restart back-off's end is kept in the pod's
//! history, `PodHistory::restart_waits`, for the wait from 1.35), so each
//! restart or pull is the retry after the last one listed. The worker
//! pulls within a sync, so no retry is said while a pull of the pod's is
//! under way (`PodHistory::image_checks`). A pod being deleted is no
//! longer started (its worker terminates it), and a kubelet that is down
//! or cut off writes nothing.
//!
//! A container that waits for hours is said again thousands of times:
//! past [`LISTED`] retries in one wait, the rest are counted into one
//! event at the last of them (`K8sEvent::also`), as the PV controller's
//! resyncs are (`resync`).

use super::states::Reader;
use super::{Involved, K8sEvent, Source, container_events, name_and_image};
use std::collections::BTreeSet;
use stsim_core::controllers::kubelet::pod_worker::{self, Retries};
use stsim_core::features::Version;
use stsim_core::objects::{ContainerRef, ContainerState, Machine, PodId};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;
/// The retries of one wait listed one by one (about forty minutes of them).
const LISTED: u32 = 200;

/// One container that cannot start: in which state, when its restart
/// back-off ends (a `CrashLoopBackOff`), how often its
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

/// One pod's worker as the walk knows it: its retries since its last sync.
#[derive(Default)]
struct Worker {
    waiting: Vec<Waiting>,
    next: Option<SimTime>,
    retries: Option<Retries>,
    /// The first of the pod's image checks (`PodHistory::image_checks`, in
    /// the order asked) not over by the last retry.
    checks: usize,
}

/// The repeats, in time order.
pub(super) fn repeats(sim: &Simulation, release: Version) -> Vec<K8sEvent> {
    let world = &sim.world;
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
                    // The pod's waits, in the order they began.
                    let waits = &world.pod(pod).history.restart_waits;
                    let here = &waits[waits.partition_point(|w| w.from < record.at)..];
                    let wait = (here.iter().take_while(|w| w.from == record.at))
                        .find(|w| w.container == new.container);
                    new.until = wait.map(|w| w.until);
                }
                worker.waiting.push(new);
            }
        }
        worker.waiting.extend(kept);
        worker.waiting.sort_by_key(|w| w.container);
        if !worker.waiting.is_empty() {
            let uid = world.pod(pod).uid;
            worker.retries = Some(Retries::after(sim.config.seed, uid, record.at));
            let at = walk.next_retry(worker, record.at);
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

/// Whether one of `checks` (in the order asked) is pulling at `at`, from
/// `cursor` on, which moves past the checks over by then (retries come in
/// time order).
fn pulling(checks: &[stsim_core::objects::ImageCheck], cursor: &mut usize, at: SimTime) -> bool {
    while checks.get(*cursor).is_some_and(|check| check.done <= at) {
        *cursor += 1;
    }
    (checks[*cursor..].iter())
        .take_while(|check| check.asked <= at)
        .any(|check| check.pulled && !check.cut && at < check.done)
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
    /// The worker's next retry after its sync at `now` failed again.
    fn next_retry(&self, worker: &mut Worker, now: SimTime) -> SimTime {
        let wait = pod_worker::wait(self.release, now, self.back_off_end(worker));
        // A worker with containers waiting has its retries, made at the
        // record that began them.
        worker.retries.as_mut().map_or(now + wait, |retries| retries.next(wait))
    }

    /// The earliest end of a restart back-off among the pod's waiting
    /// containers (`MinBackoffExpiration`, which the worker waits for from
    /// 1.35), if one waits in one.
    fn back_off_end(&self, worker: &Worker) -> Option<SimTime> {
        let crash_looping = worker.waiting.iter().filter(|w| w.state == ContainerState::CrashLoopBackOff);
        crash_looping.filter_map(|w| w.until).min()
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
            let next = self.next_retry(worker, at);
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
        // A sync that pulls an image is under way (the worker pulls within
        // it, the next due when it ends): this retry is not one.
        if pulling(&p.history.image_checks, &mut worker.checks, at) {
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
                        message: message.into(),
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
