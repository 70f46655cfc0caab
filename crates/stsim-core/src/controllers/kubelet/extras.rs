//! The kubelet's work on a pod's other regular containers
//! (`spec.containers[1..]`: a metrics exporter, a log shipper, a proxy).
//!
//! Owns what happens to each of them between the first container's image
//! check and the pod's end: the kubelet's `SyncPod` starts a pod's
//! containers in spec order in one sync, each after the image check of the
//! one before it (pkg/kubelet/kuberuntime `SyncPod`, step 7), and goes on
//! to the next when one fails; so the first extra container's check comes
//! when the first container's is over, however it ended, and each next
//! one's when the one before it has started or failed. A check that pulls
//! waits for the node's puller (`images`). Each then lives on its own: an
//! image the registry refuses is `ErrImagePull`, then `ImagePullBackOff`
//! and pulled again after the back-off; an image that crashes exits
//! `startup` after each start (`Error`), waits out the restart back-off
//! (`CrashLoopBackOff`) and starts again, its restarts counted in the
//! pod's. Their probes are not modelled: each is Ready once running. The
//! pod is Ready only when all of its containers are (`Api::set_extra_status`).
//!
//! Does not own the first container, the sandbox, the init containers or
//! the pod's termination (the kubelet's), which stop these containers with
//! it.

use super::images::ensure_image;
use super::{backoff, pull_backoff};
use crate::api::Api;
use crate::config::{CRASH_EXIT_CODE, ImageBehaviour, ImageConfig, ImagePullPolicy};
use crate::events::EventKey;
use crate::objects::*;
use crate::time::SimTime;

/// The first container's image check in this sandbox is over at `at`
/// (started, failed, or waiting for an image it may not pull): the other
/// containers' turn comes, the first of them at once.
pub(super) fn launch(api: &mut Api, id: PodId, at: SimTime) {
    let p = api.world.pod_mut(id);
    if p.runtime.extras_launched || p.extra_containers.is_empty() {
        return;
    }
    p.runtime.extras_launched = true;
    p.runtime.extras[0].due = Some(at);
    api.arm(EventKey::Extras(id), at);
}

/// The kubelet catches up on the pod (its machine is back, or reachable
/// again): the other containers' steps too, if it has any.
pub(super) fn wake(api: &mut Api, id: PodId) {
    if !api.world().pod(id).extra_containers.is_empty() {
        api.wake(EventKey::Extras(id));
    }
}

/// A new sandbox (the machine rebooted): every other container waits to be
/// created again, after the first container's image check.
pub(super) fn reset(api: &mut Api, id: PodId) {
    let p = api.world.pod_mut(id);
    let count = p.extra_containers.len();
    // Restart counts go on (`restartCount` is the container's, across
    // sandboxes), and a container that ran before has a last termination
    // state: `getPhase` counts it stopped, not waiting, so the pod stays
    // `Running`. The kubelet started anew, with no back-off entries.
    for (extra, status) in p.runtime.extras.iter_mut().zip(&p.status.extras) {
        // One it showed running was lost with the machine.
        let mut exits = extra.exits;
        if status.state == ContainerState::Running {
            exits.record(LastExit::LOST);
        }
        let (restarts, ever_started) = (extra.restarts, extra.ever_started);
        *extra = ExtraRuntime { restarts, ever_started, exits, ..ExtraRuntime::default() };
    }
    p.runtime.extras_launched = false;
    for index in 0..count {
        api.set_extra_status(id, index, ExtraStatus::WAITING);
    }
    api.cancel(EventKey::Extras(id));
}

/// The containers stopped with the pod's (its termination, a kill, the
/// machine's crash): none runs any more, and nothing more is due.
pub(super) fn stopped(api: &mut Api, id: PodId) {
    for extra in &mut api.world.pod_mut(id).runtime.extras {
        extra.started_at = None;
        extra.due = None;
    }
    api.cancel(EventKey::Extras(id));
}

/// The pod's containers have exited after SIGTERM: the kubelet reports
/// those it showed running as terminated, each with the exit code
/// `exit_code` gives its image.
pub(super) fn exited(api: &mut Api, id: PodId, exit_code: impl Fn(&ImageConfig) -> u8) {
    for index in 0..api.world().pod(id).status.extras.len() {
        let pod = api.world().pod(id);
        if pod.status.extras[index].state == ContainerState::Running {
            let exit_code = exit_code(api.world().image(&pod.extra_containers[index].image));
            let status = ExtraStatus { state: ContainerState::Terminated { exit_code }, ready: false };
            api.set_extra_status(id, index, status);
        }
    }
}

/// Whether each of the other containers has ever started: until then the
/// pod is `Pending` (the kubelet's `getPhase` counts a container waiting
/// with no last termination state as not started, pkg/kubelet
/// `kubelet_pods.go`).
pub(super) fn all_started(pod: &Pod) -> bool {
    pod.runtime.extras.iter().all(|extra| extra.ever_started)
}

/// Whether one of the other containers ran and is gone while the API still
/// shows it running (its machine crashed while cut off).
pub(super) fn lost(pod: &Pod) -> bool {
    (pod.status.extras.iter().zip(&pod.runtime.extras))
        .any(|(status, runtime)| status.state == ContainerState::Running && runtime.started_at.is_none())
}

/// Advances each of pod `id`'s other containers as far as the present
/// allows, and arms the next step.
pub fn step(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    let Some(node) = super::tends(api.world(), pod) else { return };
    if !pod.runtime.extras_launched {
        return;
    }
    let mut next: Option<SimTime> = None;
    for index in 0..pod.extra_containers.len() {
        if let Some(at) = step_one(api, id, node, index) {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    if let Some(at) = next {
        api.arm(EventKey::Extras(id), at);
    }
    super::worker_synced(api, id);
}

/// One container's change that is due now, if one is; returns when its
/// next is.
fn step_one(api: &mut Api, id: PodId, node: NodeId, index: usize) -> Option<SimTime> {
    let now = api.now;
    let pod = api.world().pod(id);
    let runtime = pod.runtime.extras[index];
    let status = pod.status.extras[index];
    let extra = &pod.extra_containers[index];
    let (image, policy) = (extra.image.clone(), ImagePullPolicy::resolve(extra.pull_policy, &extra.image));
    if runtime.held {
        // `Never`, and the node did not have the image: look again (woken
        // when a pull brings it).
        let pull =
            ensure_image(api, id, ContainerRef::Regular(index as u32 + 1), node, &image, policy, now).ok()?;
        let extra = &mut api.world.pod_mut(id).runtime.extras[index];
        extra.held = false;
        extra.pull = Some(pull);
        return check(api, id, node, index);
    }
    // Held by a back-off: until the pod worker's sync after its end, which
    // a sync for another container may have moved.
    let due = match (status.state.backing_off(), runtime.backoff_until) {
        (true, Some(until)) => super::worker_sync(api, id, until),
        _ => runtime.due?,
    };
    if now < due {
        api.world.pod_mut(id).runtime.extras[index].due = Some(due);
        return Some(due);
    }
    match status.state {
        ContainerState::ContainerCreating | ContainerState::ImagePullBackOff => check(api, id, node, index),
        // The kubelet's next look after a failed pull or an exit shows the back-off.
        ContainerState::ErrImagePull => Some(back_off(api, id, index, ContainerState::ImagePullBackOff)),
        // After an exit: started again at once (a first exit, or an expired
        // back-off entry), or held in CrashLoopBackOff.
        ContainerState::Exited { .. } if runtime.backoff_until.is_some_and(|until| until <= now) => {
            restart(api, id, index)
        }
        ContainerState::Exited { .. } => {
            let until = runtime.backoff_until.unwrap_or(now);
            super::held(api, id, ContainerRef::Regular(index as u32 + 1), until);
            Some(back_off(api, id, index, ContainerState::CrashLoopBackOff))
        }
        ContainerState::Running => {
            // It crashes: the kubelet restarts it, at once or after the back-off.
            let extra = &mut api.world.pod_mut(id).runtime.extras[index];
            extra.started_at = None;
            extra.backoff_until = Some(backoff::exited(&mut extra.crash_backoff, now));
            extra.due = Some(now);
            extra.exits.record(LastExit::exited(CRASH_EXIT_CODE));
            super::terminated(api, id, ContainerRef::Regular(index as u32 + 1), now);
            api.set_extra_status(
                id,
                index,
                ExtraStatus { state: ContainerState::Exited { exit_code: CRASH_EXIT_CODE }, ready: false },
            );
            Some(now)
        }
        ContainerState::CrashLoopBackOff => {
            let extra = &mut api.world.pod_mut(id).runtime.extras[index];
            backoff::waited(&mut extra.crash_backoff, now);
            restart(api, id, index)
        }
        ContainerState::Unscheduled
        | ContainerState::ErrImageNeverPull
        | ContainerState::InvalidImageName
        | ContainerState::Terminated { .. }
        | ContainerState::StatusUnknown => None,
    }
}

/// Container `index`, which exited, starts again: a new container, whose
/// `restartCount` (and the pod's) goes up.
fn restart(api: &mut Api, id: PodId, index: usize) -> Option<SimTime> {
    let p = api.world.pod_mut(id);
    p.status.restarts += 1;
    p.runtime.extras[index].restarts += 1;
    start(api, id, index)
}

/// Container `index` waits out its back-off in `state` (`ImagePullBackOff`
/// or `CrashLoopBackOff`); returns when the pod worker's sync finds it over.
fn back_off(api: &mut Api, id: PodId, index: usize, state: ContainerState) -> SimTime {
    api.set_extra_status(id, index, ExtraStatus { state, ready: false });
    let until = api.world().pod(id).runtime.extras[index].backoff_until.unwrap_or(api.now);
    let sync = super::worker_sync(api, id, until);
    api.world.pod_mut(id).runtime.extras[index].due = Some(sync);
    sync
}

/// The container's image check, begun when it became due, then its start.
fn check(api: &mut Api, id: PodId, node: NodeId, index: usize) -> Option<SimTime> {
    let now = api.now;
    let pod = api.world().pod(id);
    let extra = &pod.extra_containers[index];
    let (image, policy) = (extra.image.clone(), ImagePullPolicy::resolve(extra.pull_policy, &extra.image));
    let runtime = pod.runtime.extras[index];
    let pull = match runtime.pull {
        Some(pull) => pull,
        None => {
            match ensure_image(api, id, ContainerRef::Regular(index as u32 + 1), node, &image, policy, now) {
                Ok(pull) => {
                    api.world.pod_mut(id).runtime.extras[index].pull = Some(pull);
                    pull
                }
                Err(no_image) => {
                    let extra = &mut api.world.pod_mut(id).runtime.extras[index];
                    extra.held = true;
                    extra.due = None;
                    let state = no_image.state();
                    api.set_extra_status(id, index, ExtraStatus { state, ready: false });
                    next_in_turn(api, id, index);
                    return None;
                }
            }
        }
    };
    if now < pull.done {
        return Some(pull.done);
    }
    let behaviour = api.world().image(&image).behaviour;
    if pull.asks_registry && behaviour == ImageBehaviour::PullFails {
        let extra = &mut api.world.pod_mut(id).runtime.extras[index];
        extra.pull = None;
        extra.pull_failures += 1;
        extra.backoff_until = Some(now + pull_backoff(extra.pull_failures));
        extra.due = Some(now);
        api.set_extra_status(id, index, ExtraStatus { state: ContainerState::ErrImagePull, ready: false });
        next_in_turn(api, id, index);
        return Some(now);
    }
    let next = start(api, id, index);
    next_in_turn(api, id, index);
    next
}

/// The container starts (or restarts after a crash): Ready once running.
/// An image that crashes exits after its `startup`.
fn start(api: &mut Api, id: PodId, index: usize) -> Option<SimTime> {
    let now = api.now;
    let image = api.world().pod(id).extra_containers[index].image.clone();
    let config = api.world().image(&image);
    let crash_at = (config.behaviour == ImageBehaviour::CrashLoop).then(|| now + config.startup);
    let extra = &mut api.world.pod_mut(id).runtime.extras[index];
    let first_start = !extra.ever_started;
    extra.pull = None;
    extra.pull_failures = 0;
    extra.backoff_until = None;
    extra.started_at = Some(now);
    extra.ever_started = true;
    extra.due = crash_at;
    api.set_extra_status(id, index, ExtraStatus { state: ContainerState::Running, ready: true });
    if first_start {
        super::phase_changed(api, id);
    }
    crash_at
}

/// Container `index`'s turn is over: the next one's image check is due now,
/// unless it has been taken up already.
fn next_in_turn(api: &mut Api, id: PodId, index: usize) {
    let now = api.now;
    let p = api.world.pod_mut(id);
    let Some(next) = p.runtime.extras.get_mut(index + 1) else { return };
    // Not taken up yet in this sandbox: waiting to be created, with nothing
    // under way.
    let waiting = p.status.extras[index + 1] == ExtraStatus::WAITING;
    if waiting && next.due.is_none() && next.pull.is_none() && !next.held && next.started_at.is_none() {
        next.due = Some(now);
    }
}
