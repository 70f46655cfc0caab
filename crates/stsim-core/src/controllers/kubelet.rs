//! The kubelet: one pod's life on its node.
//!
//! Owns what happens between binding and removal: waiting for volumes,
//! the sandbox and its IP, the image pull, container start, the readiness
//! probe, and graceful termination (SIGTERM, exit within
//! `terminationGracePeriodSeconds`, then the object's removal). Each call of
//! [`step`] looks at the pod as it is now, makes the change that is due,
//! and arms the pod's one kubelet timer for the next.
//!
//! Probes are not simulated tick by tick. A probe's result only changes when
//! the application becomes ready or a script overrides it, so the kubelet
//! computes the tick at which the Ready condition flips (the
//! `successThreshold`-th passing or `failureThreshold`-th failing tick,
//! with ticks at `initialDelaySeconds + k * periodSeconds` after the start)
//! and sleeps until then. The outcome is the same as probing every period.
//!
//! Does not own scheduling, volumes or deletion decisions.

use crate::api::Api;
use crate::config::ImageBehaviour;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::SimTime;

/// Advances pod `id` as far as the present allows.
pub fn step(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    if !pod.exists() || pod.node.is_none() {
        return;
    }
    if pod.is_terminating() {
        terminate(api, id);
        return;
    }
    match pod.status.container {
        ContainerState::Unscheduled => {
            api.set_pod_state(id, PodPhase::Pending, ContainerState::ContainerCreating);
            create_container(api, id);
        }
        ContainerState::ContainerCreating => create_container(api, id),
        ContainerState::Running => probe(api, id),
        ContainerState::Terminated => {}
    }
}

/// Volumes, then sandbox and IP, then the image pull, then the container.
fn create_container(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    // Every claim must be bound before the volume can be mounted.
    let volumes_ready = pod.claims.iter().all(|claim| {
        api.world().pvc_named(claim).is_some_and(|c| api.world().pvc(c).phase == PvcPhase::Bound)
    });
    if !volumes_ready {
        // Woken again when a claim binds.
        return;
    }
    let pull = api.world().image(&pod.image).pull;
    match pod.runtime.pull_started_at {
        None => {
            // The sandbox comes up with the pod's IP; the pull starts.
            api.assign_pod_ip(id);
            api.world.pod_mut(id).runtime.pull_started_at = Some(api.now);
            api.arm(EventKey::Kubelet(id), api.now + pull);
        }
        Some(since) if api.now < since + pull => {
            api.arm(EventKey::Kubelet(id), since + pull);
        }
        Some(_) => {
            let image = api.world().image(&pod.image);
            let app_ready_at = match image.behaviour {
                ImageBehaviour::Healthy => Some(api.now + image.startup),
                ImageBehaviour::NeverReady => None,
            };
            let runtime = &mut api.world.pod_mut(id).runtime;
            runtime.started_at = Some(api.now);
            runtime.app_ready_at = app_ready_at;
            runtime.probe_result_since = Some(api.now);
            api.set_pod_state(id, PodPhase::Running, ContainerState::Running);
            probe(api, id);
        }
    }
}

/// Whether the readiness probe passes at `at`.
fn probe_passes(runtime: &Runtime, at: SimTime) -> bool {
    runtime.probe_override.unwrap_or_else(|| runtime.app_ready_at.is_some_and(|ready| at >= ready))
}

/// The readiness probe: flip the Ready condition when its threshold is met,
/// otherwise sleep until it will be or until the application's state changes.
fn probe(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    let Some(probe) = pod.readiness_probe.clone() else {
        // No readiness probe: Ready as soon as the container runs.
        api.set_pod_ready(id, true);
        return;
    };
    let runtime = &pod.runtime;
    let started = runtime.started_at.expect("a running container has a start time");
    let passes = probe_passes(runtime, now);
    // The result has held since the application came up or the override was set.
    let previous_since = runtime.probe_result_since.unwrap_or(started);
    let held_since = match runtime.app_ready_at {
        Some(ready) if runtime.probe_override.is_none() && passes => previous_since.max(ready),
        _ => previous_since,
    };
    if passes == pod.status.ready {
        // Nothing to flip. Wake when the application comes up, if it will.
        if !passes
            && runtime.probe_override.is_none()
            && let Some(ready) = runtime.app_ready_at
        {
            api.arm(EventKey::Kubelet(id), ready.max(now));
        }
        return;
    }
    let threshold = if passes { probe.success_threshold } else { probe.failure_threshold };
    // Probe ticks run at anchor + k * period; find the first at or after
    // `held_since`, then the threshold-th from there.
    let anchor = started + probe.initial_delay;
    let period = probe.period.as_millis().max(1);
    let first =
        if held_since <= anchor { 0 } else { (held_since.since(anchor).as_millis()).div_ceil(period) };
    let flip_at = SimTime::from_millis(anchor.as_millis() + (first + u64::from(threshold) - 1) * period);
    if flip_at <= now {
        api.set_pod_ready(id, passes);
    } else {
        api.arm(EventKey::Kubelet(id), flip_at);
    }
}

/// A script makes the probe pass or fail from now on.
pub fn override_probe(api: &mut Api, id: PodId, passes: bool) {
    let now = api.now;
    let runtime = &mut api.world.pod_mut(id).runtime;
    let before = runtime.started_at.map(|_| probe_passes(runtime, now));
    runtime.probe_override = Some(passes);
    if before != Some(passes) {
        runtime.probe_result_since = Some(now);
    }
    api.wake(EventKey::Kubelet(id));
}

/// Graceful termination: SIGTERM at the deletion timestamp; the container
/// exits after the image's shutdown time, or is killed at the end of the
/// grace period; then the kubelet confirms and the object is removed.
fn terminate(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    let deleted_at = pod.deletion_timestamp.expect("terminating");
    let grace = pod.deletion_grace.expect("a graceful delete has a grace period");
    let exit_at = match pod.status.container {
        ContainerState::Running => deleted_at + api.world().image(&pod.image).shutdown.min(grace),
        _ => deleted_at,
    };
    if api.now < exit_at {
        api.arm(EventKey::Kubelet(id), exit_at);
        return;
    }
    if pod.status.container == ContainerState::Running {
        api.set_pod_state(id, pod.status.phase, ContainerState::Terminated);
    }
    api.remove_pod(id, false);
}
