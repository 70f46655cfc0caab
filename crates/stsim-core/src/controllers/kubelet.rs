//! The kubelet: one pod's life on its node.
//!
//! Owns what happens between binding and removal: admission (the verdict
//! is `admission`'s; a rejected pod is reported `Failed`), waiting for volumes,
//! the sandbox and its IP, the init containers (each step reported, as
//! kubectl's `Init:<n>/<all>` then `PodInitializing`; one that crashes or
//! cannot be pulled holds the pod in `Init:CrashLoopBackOff` or
//! `Init:ImagePullBackOff`), the image check before each container (the
//! decision and the node's images are `images`', the image manager's; a
//! failed pull ends in ErrImagePull, then ImagePullBackOff), container start, an application's own exit, crashes and restarts (with
//! CrashLoopBackOff), the readiness probe, and graceful termination
//! (SIGTERM, exit within `terminationGracePeriodSeconds`, then the object's
//! removal). Each call of [`step`] looks at the pod as it is now, makes the
//! change that is due, and arms the pod's one kubelet timer for the next.
//!
//! Back-offs double from 10 s to at most 5 min, for restarts and pulls alike
//! (`pkg/kubelet/kubelet.go`: `initialCrashLoopBackOff`, `MaxContainerBackOff`,
//! `MaxImageBackOff`). A pull's is counted from each failed pull
//! ([`pull_backoff`]); a restart's is the submodule `backoff`'s: a first
//! exit, or one after ten minutes without a back-off, starts the container
//! again at once. A container held by either starts (or pulls) again at the
//! pod worker's first sync after the back-off's end (the submodule
//! `pod_worker`), its retries counted from the pod's last status write
//! about its containers (`worker_sync`).
//!
//! Probes are not simulated tick by tick. A probe's result only changes when
//! the application becomes ready or a script overrides it, so the kubelet
//! computes the tick at which the Ready condition flips (the
//! `successThreshold`-th passing or `failureThreshold`-th failing tick,
//! with ticks at `initialDelaySeconds + k * periodSeconds` after the start)
//! and sleeps until then. The outcome is the same as probing every period.
//!
//! The kubelet acts only while its machine runs and reaches the API server.
//! A crash stops every container of the node; a partition freezes what the
//! API server sees of the node's pods while their containers keep running,
//! and the kubelet cannot hear of deletions: a pod deleted meanwhile is
//! stopped only when the node is reachable again, and a force-deleted pod's
//! container runs on as an orphan until then. Volumes that attach must be
//! attached to the node before the kubelet mounts them; it reports mounts
//! and unmounts to the attach-detach controller (`volumesInUse`).
//!
//! The pod's other regular containers (`spec.containers[1..]`) are its
//! submodule `extras`': they start once the first container's image check
//! is over, keep the pod `Pending` until each has started, hold its Ready
//! condition until each is ready, and stop with it (termination waits for
//! the slowest).
//!
//! Does not own scheduling, attach and detach, or deletion decisions.

use super::admission;
use crate::api::Api;
use crate::config::ImageBehaviour;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use images::ensure_image;

mod backoff;
pub mod extras;
mod images;
pub mod pod_worker;
pub mod sidecars;

/// The least time the kubelet gives a container to exit when it kills it
/// (`minimumGracePeriodInSeconds`).
pub const MINIMUM_KILL_GRACE: SimDuration = SimDuration::from_secs(2);

/// Why the kubelet stopped a container whose liveness probe failed
/// `failureThreshold` times in a row (the trace's `container-stopped`; it
/// began the kill at `container-killing`).
pub const KILLED_BY_LIVENESS: &str = "killed by the kubelet: its liveness probe failed";
/// Why the kubelet stopped a container whose startup probe failed
/// `failureThreshold` times.
pub const KILLED_BY_STARTUP: &str = "killed by the kubelet: its startup probe failed";

impl FailedProbe {
    /// Why its kill stopped the container (the trace's `container-stopped`).
    pub fn killed(self) -> &'static str {
        match self {
            FailedProbe::Liveness => KILLED_BY_LIVENESS,
            FailedProbe::Startup => KILLED_BY_STARTUP,
        }
    }
}

/// The image pull back-off after the `failures`-th failed pull in a row
/// (the image manager's `Next` at each failure): 10 s, doubling, at most 5
/// min. Failed pulls come at most 5 min apart, so the entry never expires.
pub fn pull_backoff(failures: u32) -> SimDuration {
    let seconds = 10u64 << failures.saturating_sub(1).min(5);
    SimDuration::from_secs(seconds.min(300))
}

// ----- event handlers ------------------------------------------------------
// What wakes a pod's kubelet when the API server reports a change
// (`controllers::react`).

/// The pod object left: its pending steps go; if its process still runs on
/// a node, the kubelet there (if it can hear) kills the container.
pub fn pod_removed(api: &mut Api, pod: PodId) {
    api.cancel(EventKey::Kubelet(pod));
    api.cancel(EventKey::Extras(pod));
    api.cancel(EventKey::Sidecars(pod));
    let p = api.world.pod(pod);
    if p.node.is_some() && p.runtime.running {
        api.wake(EventKey::Kubelet(pod));
    }
}

/// A claim was bound: the kubelets of the pods on nodes that mount it may
/// mount it now.
pub fn claim_bound(api: &mut Api, pvc: PvcId) {
    let name = api.world.pvc(pvc).name.clone();
    let users: Vec<PodId> = api.world.claim_users(&name).to_vec();
    for user in users {
        if api.world.pod(user).node.is_some() {
            api.wake(EventKey::Kubelet(user));
        }
    }
}

/// Advances pod `id` as far as the present allows.
pub fn step(api: &mut Api, id: PodId) {
    advance(api, id);
    report_starts(api, id);
    worker_synced(api, id);
}

/// The status writes that report a start no other change carries: the
/// first with the address of the pod's sandbox, and the one saying the
/// init container the kubelet is at has started (both once its image
/// check is over): now, or woken for them.
fn report_starts(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    // A stopped or cut-off kubelet writes nothing.
    if !pod.exists() || !pod.node.is_some_and(|node| api.world().node(node).kubelet_connected()) {
        return;
    }
    let (now, runtime) = (api.now, &pod.runtime);
    let sandbox = (pod.status.pod_ip != runtime.sandbox_ip).then_some(runtime.sandbox_reported_at).flatten();
    let init = (pod.status.init_progress.is_some() && !pod.status.init_started)
        .then_some(runtime.init_starts_at)
        .flatten();
    if sandbox.is_some_and(|at| at <= now) {
        api.report_sandbox(id);
    }
    if init.is_some_and(|at| at <= now) {
        api.set_init_started(id);
    }
    if let Some(next) = [sandbox, init].into_iter().flatten().filter(|at| *at > now).min() {
        api.wake_at(EventKey::Kubelet(id), next);
    }
}

/// [`step`]'s work on the pod's containers.
fn advance(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    let Some(node) = pod.node else { return };
    if !api.world().node(node).kubelet_connected() {
        // A stopped machine does nothing; a cut-off one cannot report.
        return;
    }
    if !pod.exists() {
        // The object is gone but the container runs: kill it. A force
        // delete carries no grace period, and the kubelet then gives the
        // container `minimumGracePeriodInSeconds` (2 s) to exit after
        // SIGTERM (pkg/kubelet/kuberuntime/kuberuntime_container.go).
        if pod.runtime.running {
            let grace = api.world().image(&pod.image).shutdown.min(MINIMUM_KILL_GRACE);
            let killed_by = *api.world.pod_mut(id).runtime.killed_by.get_or_insert(api.now + grace);
            if api.now < killed_by {
                api.arm(EventKey::Kubelet(id), killed_by);
                return;
            }
            api.set_process(id, false, Some("killed by the kubelet: its pod object is gone"));
            extras::stopped(api, id);
            sidecars::stopped(api, id);
            release_volumes(api, id, node);
        }
        return;
    }
    if let Some(began) = api.world().node(node).shutting_down
        && !pod.is_terminating()
        && !pod.is_terminal()
        && pod.status.container != ContainerState::Unscheduled
    {
        // Regular pods first, within their share; critical pods once the
        // kubelet turns to them, within theirs.
        let n = api.world().node(node);
        match (pod.critical(), n.critical_shutdown) {
            (false, _) => shutdown_pod(api, id, node, began, n.shutdown.regular()),
            (true, Some(began)) => shutdown_pod(api, id, node, began, n.shutdown.critical),
            (true, None) => {}
        }
        return;
    }
    if pod.is_terminating() {
        // Deleted before the kubelet admitted it: its pod worker still has
        // to take the pod up and confirm, which takes the same round trip as
        // a rejection (a controller that re-creates the pod at once, while a
        // NoExecute taint has the taint manager delete each copy, does not
        // loop in no time).
        if pod.status.container == ContainerState::Unscheduled && pod.runtime.term_started_at.is_none() {
            api.world.pod_mut(id).runtime.term_started_at = Some(api.now + admission::STATUS_WRITE_DELAY);
        }
        terminate(api, id);
        return;
    }
    match pod.status.container {
        ContainerState::Unscheduled => {
            // Admission first: a pod the node cannot take is rejected, and
            // the kubelet's status write of `Failed` lands a moment later.
            if let Some((reason, message, due)) = pod.runtime.rejected.clone() {
                if api.now < due {
                    api.arm(EventKey::Kubelet(id), due);
                } else {
                    api.reject_pod(id, reason, message);
                }
                return;
            }
            if let Err((reason, message)) = admission::admit(api.world(), pod, api.world().node(node)) {
                let due = api.now + admission::STATUS_WRITE_DELAY;
                api.world.pod_mut(id).runtime.rejected = Some((reason, message, due));
                api.arm(EventKey::Kubelet(id), due);
                return;
            }
            // The first status the kubelet writes lists the init
            // containers, none done yet (`Init:0/<n>`).
            let p = api.world.pod_mut(id);
            p.status.init_progress = (!p.init_containers.is_empty()).then_some(0);
            api.set_pod_state(id, PodPhase::Pending, ContainerState::ContainerCreating);
            create_container(api, id);
        }
        ContainerState::ContainerCreating
        | ContainerState::ErrImagePull
        | ContainerState::ErrImageNeverPull
        | ContainerState::InvalidImageName
        | ContainerState::ImagePullBackOff => create_container(api, id),
        ContainerState::Running | ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff
            if pod.runtime.image_change_due.is_some() =>
        {
            change_image(api, id)
        }
        ContainerState::Running | ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff => {
            run_container(api, id)
        }
        ContainerState::Terminated { .. } | ContainerState::StatusUnknown => {}
    }
}

/// The pod's container image was updated in place, from `old`: the kubelet
/// sees the container's spec changed (`computePodActions`: "Container main
/// definition changed, will be restarted"). A container that runs is
/// killed as for a deletion, within the pod's grace period: its preStop
/// hook, then SIGTERM with what is left, at least the 2 s minimum
/// (`killContainer`, no grace override for a spec change); it ends with
/// the old image's exit (`change_image` takes it up then). A pull under
/// way starts again with the new image; a container that has not started
/// yet just has it.
pub fn image_changed(api: &mut Api, id: PodId, old: &str) {
    let now = api.now;
    let pod = api.world().pod(id);
    let state = pod.status.container;
    let kill = Kill::with_grace(pod, pod.termination_grace_period);
    let old = api.world().image(old);
    let old_exit = (now + kill.exit_after(old.shutdown), Some(LastExit::exited(kill.exit_code(old))));
    let p = api.world.pod_mut(id);
    match state {
        ContainerState::Running | ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff => {
            let due = if p.runtime.running { old_exit } else { (now, None) };
            p.runtime.image_change_due.get_or_insert(due);
        }
        ContainerState::ContainerCreating
        | ContainerState::ErrImagePull
        | ContainerState::ErrImageNeverPull
        | ContainerState::InvalidImageName
        | ContainerState::ImagePullBackOff
            if p.runtime.pull_started_at.is_some_and(|at| at <= now) =>
        {
            p.runtime.pull_started_at = Some(now);
            p.runtime.pull = None;
            p.runtime.backoff_until = None;
            p.runtime.pull_failures = 0;
        }
        _ => {}
    }
    api.wake(EventKey::Kubelet(id));
}

/// The container's image changed in the pod's spec: once the old container
/// has exited (its kill, as `image_changed` timed it), the new image is
/// pulled and started in the same sandbox; the restart count goes up by one
/// (`Api::update_pod_image`).
fn change_image(api: &mut Api, id: PodId) {
    let now = api.now;
    let (due, exit) = api.world().pod(id).runtime.image_change_due.expect("an image change is due");
    if now < due {
        api.arm(EventKey::Kubelet(id), due);
        return;
    }
    // The old container exited when its shutdown ended.
    terminated(api, id, ContainerRef::Regular(0), due);
    let p = api.world.pod_mut(id);
    if let Some(exit) = exit {
        p.status.exits.record(exit);
    }
    p.status.restarts += 1;
    p.runtime.image_change_due = None;
    p.runtime.probe_kill = None;
    p.runtime.started_at = None;
    p.runtime.app_ready_at = None;
    p.runtime.backoff_until = None;
    // The new spec's hash is another back-off key.
    p.runtime.crash_backoff = CrashBackOff::default();
    p.runtime.pull_failures = 0;
    p.runtime.pull_started_at = Some(now);
    p.runtime.pull = None;
    api.set_process(id, false, Some("killed by the kubelet: its container's image changed"));
    api.set_pod_ready(id, false);
    let phase = running_phase(api.world().pod(id));
    api.set_pod_state(id, phase, ContainerState::ContainerCreating);
    pull_and_start(api, id);
}

/// The init containers from `first` on, in order from now: each has its
/// image checked (and pulled if need be) when the one before it is done,
/// then runs for its image's `startup` to completion; a sidecar
/// (`restartPolicy: Always`) is done once started, and the next one starts
/// then, as the kubelet's `computeInitContainerActions` starts the next
/// init container once a restartable one is started: without a startup
/// probe, its process running; with one, once the probe passes. The first
/// that crashes, cannot be pulled or cannot start without a pull holds the
/// pod there (`init_due`), as does a sidecar whose startup probe fails
/// (`SidecarRuntime::holds_init`: `sidecars` restarts it, and goes on
/// once the probe passes); one not due yet, or the end of the last, is
/// taken up when it is (`init_next`): `None` either way. Otherwise, now,
/// when they are all done. Each step is reported as it is reached.
fn run_init_containers(api: &mut Api, id: PodId, node: NodeId, first: usize) -> Option<SimTime> {
    let mut at = api.now;
    let count = api.world().pod(id).init_containers.len();
    // Up to the last one's end: the kubelet reports each step
    // (`Init:<n>/<all>`, then `PodInitializing`).
    for index in first..=count {
        if at > api.now {
            // Its image is checked when the one before it is done: the
            // node's puller takes pulls in the order they are asked for.
            api.world.pod_mut(id).runtime.init_next = Some((index, at));
            api.arm(EventKey::Kubelet(id), at);
            return None;
        }
        if count > 0 {
            // Those before it are done by now.
            api.set_init_progress(id, Some(index as u32));
        }
        if index == count {
            break;
        }
        let pod = api.world().pod(id);
        let (image, policy) = (pod.init_containers[index].image.clone(), pod.init_pull_policies[index]);
        let (behaviour, startup) = {
            let config = api.world().image(&image);
            (config.behaviour, config.startup)
        };
        api.world.pod_mut(id).runtime.init_starts_at = None;
        let Ok(pull) = ensure_image(api, id, ContainerRef::Init(index as u32), node, &image, policy, at)
        else {
            let runtime = &mut api.world.pod_mut(id).runtime;
            runtime.sandbox_reported_at.get_or_insert(at);
            runtime.init_due = Some((index, at));
            runtime.init_held = true;
            api.arm(EventKey::Kubelet(id), at);
            return None;
        };
        // The sync that made the sandbox ends with the first container's
        // image check; each init container starts once its own is over.
        let refused = pull.asks_registry && behaviour == ImageBehaviour::PullFails;
        let runtime = &mut api.world.pod_mut(id).runtime;
        runtime.sandbox_reported_at.get_or_insert(pull.done);
        runtime.init_starts_at = (!refused).then_some(pull.done);
        let sidecar = api.world().pod(id).sidecars.contains(&index);
        let due = match behaviour {
            ImageBehaviour::PullFails if pull.asks_registry => pull.done,
            // A sidecar is done once started (its startup probe passed,
            // if it has one), whatever its image does next: the next one
            // starts, and `sidecars` keeps it running beside them (one
            // that crashes exits and restarts there). One whose startup
            // probe fails holds the walk until `sidecars` finds it passed.
            _ if sidecar => match sidecars::started(api, id, index, pull.done) {
                Some(started) => {
                    at = started;
                    continue;
                }
                None => return None,
            },
            ImageBehaviour::CrashLoop => pull.done + startup,
            // An init container has no readiness probe: it completes. One
            // whose registry refuses it runs from the node's copy.
            ImageBehaviour::Healthy | ImageBehaviour::NeverReady | ImageBehaviour::PullFails => {
                at = pull.done + startup;
                continue;
            }
        };
        api.world.pod_mut(id).runtime.init_due = Some((index, due));
        api.arm(EventKey::Kubelet(id), due);
        return None;
    }
    Some(at)
}

/// The init containers from `first` on, then, once they are done, the
/// container's image check and start.
fn init_then_start(api: &mut Api, id: PodId, node: NodeId, first: usize) {
    let Some(done) = run_init_containers(api, id, node, first) else { return };
    let runtime = &mut api.world.pod_mut(id).runtime;
    runtime.pull_started_at = Some(done);
    runtime.pull = None;
    pull_and_start(api, id);
}

/// The container's image check, once the init containers are done
/// (`pull_started_at`), then its start: decided when that time comes, so
/// an image another container brought meanwhile is found.
fn pull_and_start(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    let node = pod.node.expect("a stepped pod is bound");
    let since = pod.runtime.pull_started_at.expect("the pull is planned");
    if now < since {
        api.arm(EventKey::Kubelet(id), since);
        return;
    }
    let pull = match pod.runtime.pull {
        Some(pull) => pull,
        None => {
            let (image, policy) = (pod.image.clone(), pod.pull_policy);
            match ensure_image(api, id, ContainerRef::Regular(0), node, &image, policy, now) {
                Ok(pull) => {
                    let runtime = &mut api.world.pod_mut(id).runtime;
                    runtime.pull = Some(pull);
                    // Without init containers, the sync that made the
                    // sandbox ends with this image check.
                    runtime.sandbox_reported_at.get_or_insert(pull.done);
                    pull
                }
                Err(no_image) => {
                    api.world.pod_mut(id).runtime.sandbox_reported_at.get_or_insert(now);
                    // Woken when a pull brings the image to the node, or
                    // when the image changes.
                    api.set_pod_state(id, PodPhase::Pending, no_image.state());
                    extras::launch(api, id, now);
                    return;
                }
            }
        }
    };
    if now < pull.done {
        api.arm(EventKey::Kubelet(id), pull.done);
        return;
    }
    let image = api.world().image(&api.world().pod(id).image);
    let (behaviour, startup) = (image.behaviour, image.startup);
    if pull.asks_registry && behaviour == ImageBehaviour::PullFails {
        let runtime = &mut api.world.pod_mut(id).runtime;
        runtime.pull_failures += 1;
        runtime.backoff_until = Some(now + pull_backoff(runtime.pull_failures));
        api.set_pod_state(id, PodPhase::Pending, ContainerState::ErrImagePull);
        // The kubelet's next look shows the back-off.
        api.arm(EventKey::Kubelet(id), now);
        extras::launch(api, id, now);
        return;
    }
    let app_ready_at = behaviour.comes_up().then(|| now + startup);
    start(api, id, app_ready_at);
    extras::launch(api, id, now);
}

/// The phase the kubelet reports for a pod whose first container has
/// started: `Running`, unless another container has never started
/// (`getPhase` counts it waiting: `Pending`).
fn running_phase(pod: &Pod) -> PodPhase {
    if extras::all_started(pod) { PodPhase::Running } else { PodPhase::Pending }
}

/// Another container started for the first time: the phase the kubelet
/// reports may be `Running` now.
fn phase_changed(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    let started = matches!(
        pod.status.container,
        ContainerState::Running | ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff
    );
    let phase = running_phase(pod);
    if started && phase != pod.status.phase {
        api.set_pod_state(id, phase, pod.status.container);
    }
}

/// Volumes, then sandbox and IP, then the image pull, then the container.
fn create_container(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    // Every claim must be bound before the volume can be mounted.
    let volumes_ready = pod.claims.iter().all(|claim| {
        api.world().pvc_named(claim).is_some_and(|c| api.world().pvc(c).phase == PvcPhase::Bound)
    });
    if !volumes_ready {
        // Woken again when a claim binds.
        return;
    }
    // Volumes that attach must be attached here; the attach-detach
    // controller wakes the kubelet when they are.
    let node = pod.node.expect("a stepped pod is bound");
    let volumes: Vec<PvId> = pod
        .claims
        .iter()
        .filter_map(|claim| api.world().pvc_named(claim))
        .filter_map(|pvc| api.world().pvc(pvc).volume)
        .collect();
    let attached = volumes.iter().all(|pv| {
        let pv = api.world().pv(*pv);
        !pv.attaches(api.world()) || pv.attachment(node).is_some_and(|a| a.state == AttachState::Attached)
    });
    if !attached {
        return;
    }
    for pv in volumes {
        // Mounted again before a status sync reported it unmounted.
        api.world.node_mut(node).unmounts_unreported.retain(|v| *v != pv);
        api.set_volume_in_use(pv, node, true);
    }
    if api.world().pod(id).runtime.init_due.is_some() {
        init_failing(api, id);
        return;
    }
    if let Some((index, at)) = api.world().pod(id).runtime.init_next {
        if now < at {
            api.arm(EventKey::Kubelet(id), at);
        } else {
            api.world.pod_mut(id).runtime.init_next = None;
            init_then_start(api, id, node, index);
        }
        return;
    }
    // The walk waits for a sidecar's startup probe: `sidecars` takes it up.
    if api.world().pod(id).runtime.sidecars.iter().any(|sidecar| sidecar.holds_init) {
        return;
    }
    let runtime = &api.world().pod(id).runtime;
    match (runtime.pull_started_at, runtime.backoff_until) {
        (None, _) => {
            // The sandbox's config comes first; one that cannot be made
            // fails every sync the same way, so the pod waits for good
            // (the pod worker's retries are the events view's to tell).
            if api.world().pod(id).set_hostname_as_fqdn
                && let Err(message) = sandbox_hostname(api.world(), api.world().pod(id))
            {
                if !api.world().pod(id).runtime.sandbox_refused {
                    api.world.pod_mut(id).runtime.sandbox_refused = true;
                    api.record(crate::trace::Event::PodSandboxFailed { pod: id, message });
                }
                return;
            }
            // The sandbox comes up with the pod's IP; the init containers
            // run in order to completion, then the container's image is
            // checked. A new sandbox runs them again; a container restart
            // does not.
            api.assign_pod_ip(id);
            init_then_start(api, id, node, 0);
        }
        (Some(_), Some(until)) => {
            if api.world().pod(id).status.container == ContainerState::ErrImagePull {
                api.set_pod_state(id, PodPhase::Pending, ContainerState::ImagePullBackOff);
            }
            // Pulled again at the pod worker's sync after the back-off.
            let sync = worker_sync(api, id, until);
            if now < sync {
                api.arm(EventKey::Kubelet(id), sync);
                return;
            }
            // The back-off is over: pull again.
            let runtime = &mut api.world.pod_mut(id).runtime;
            runtime.backoff_until = None;
            runtime.pull_started_at = Some(now);
            runtime.pull = None;
            pull_and_start(api, id);
        }
        (Some(_), None) => pull_and_start(api, id),
    }
}

/// The kernel hostname of `pod`'s sandbox, as the kubelet generates its
/// config (pkg/kubelet/kuberuntime `generatePodSandboxConfig`): its
/// `spec.hostname` (its name by default) cut to 63 characters without a
/// trailing `-` or `.` (`truncatePodHostnameIfNeeded`), and with
/// `setHostnameAsFQDN` and a subdomain, the fully qualified
/// `<hostname>.<subdomain>.<namespace>.svc.<domain>`, which must fit the
/// kernel's 64-character nodename (pkg/kubelet/util
/// `GetNodenameForKernel`). An FQDN too long is the error the sandbox's
/// creation fails with, every time: a StatefulSet's FQDN repeats the
/// set's name in the pod's and the governing Service's, so it is often
/// too long.
pub fn sandbox_hostname(world: &crate::world::World, pod: &Pod) -> Result<String, String> {
    let fqdn = pod.set_hostname_as_fqdn && !pod.subdomain.is_empty();
    let domain = fqdn.then(|| format!("{}.{}.svc.{}", pod.subdomain, world.namespace, world.cluster_domain));
    kernel_hostname(&pod.hostname, domain.as_deref())
}

/// [`sandbox_hostname`] of a pod's hostname and, when it asks for its FQDN
/// and has a subdomain, its domain.
fn kernel_hostname(hostname: &str, domain: Option<&str>) -> Result<String, String> {
    const HOSTNAME_MAX: usize = 63;
    const FQDN_MAX: usize = 64;
    let mut hostname = hostname;
    if hostname.len() > HOSTNAME_MAX {
        // Go cuts bytes; a valid name is ASCII, but a cut that would split
        // a character falls before it rather than panic.
        let cut = (0..=HOSTNAME_MAX).rev().find(|i| hostname.is_char_boundary(*i)).unwrap_or(0);
        hostname = hostname[..cut].trim_end_matches(['-', '.']);
    }
    let Some(domain) = domain else { return Ok(hostname.to_string()) };
    let fqdn = format!("{hostname}.{domain}");
    match fqdn.len() {
        n if n > FQDN_MAX => Err(format!(
            "failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long \
             ({FQDN_MAX} characters is the max, {n} characters requested)"
        )),
        _ => Ok(fqdn),
    }
}

/// A failing init container (`computeInitContainerActions` restarts a failed
/// init container of a pod whose restartPolicy is not Never, with the same
/// back-off as any container): one that crashes exits `startup` after each
/// start (`Init:Error`), then waits out the back-off (`Init:CrashLoopBackOff`)
/// and runs again; one whose image cannot be pulled fails each pull
/// (`Init:ErrImagePull`) and waits out the pull back-off
/// (`Init:ImagePullBackOff`). The pod stays Pending; the app container is
/// never created, so its probes never start.
fn init_failing(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    let Some((index, due)) = pod.runtime.init_due else { return };
    let (failure, backoff_until) = (pod.status.init_failure, pod.runtime.backoff_until);
    // Held by a back-off: until the pod worker's sync after its end, which
    // a status write since (another sync) may have moved.
    let due = match (failure, backoff_until) {
        (Some(InitFailure::CrashLoopBackOff | InitFailure::ImagePullBackOff), Some(until)) => {
            worker_sync(api, id, until)
        }
        _ => due,
    };
    if now < due {
        api.world.pod_mut(id).runtime.init_due = Some((index, due));
        api.arm(EventKey::Kubelet(id), due);
        return;
    }
    let pod = api.world().pod(id);
    let node = pod.node.expect("a stepped pod is bound");
    let policy = pod.init_pull_policies[index];
    if pod.runtime.init_held {
        // `Never`, and the node did not have the image: look again.
        let image = pod.init_containers[index].image.clone();
        if let Err(no_image) =
            ensure_image(api, id, ContainerRef::Init(index as u32), node, &image, policy, now)
        {
            // Woken when a pull brings the image to the node.
            api.set_init_failure(id, Some(no_image.init_failure()));
            return;
        }
        let runtime = &mut api.world.pod_mut(id).runtime;
        runtime.init_held = false;
        runtime.init_due = None;
        api.set_init_failure(id, None);
        init_then_start(api, id, node, index);
        return;
    }
    let image = api.world().image(&pod.init_containers[index].image);
    let (behaviour, pull, startup) = (image.behaviour, image.pull, image.startup);
    let next = match (behaviour, failure, backoff_until) {
        // The kubelet's next look after an exit: it runs again at once (a
        // first exit, or an expired back-off entry), or the back-off holds
        // it; after a failed pull, the pull back-off holds it.
        (_, Some(InitFailure::Error), Some(until)) if until <= now => {
            restart_init(api, id, index);
            now + startup
        }
        (_, Some(InitFailure::Error), Some(until)) => {
            held(api, id, ContainerRef::Init(index as u32), until);
            api.set_init_failure(id, Some(InitFailure::CrashLoopBackOff));
            worker_sync(api, id, until)
        }
        (_, Some(InitFailure::ErrImagePull), Some(until)) => {
            api.set_init_failure(id, Some(InitFailure::ImagePullBackOff));
            worker_sync(api, id, until)
        }
        // The back-off is over: run (or pull) it again.
        (ImageBehaviour::CrashLoop, _, Some(_)) => {
            backoff::waited(init_backoff(&mut api.world.pod_mut(id).runtime, index), now);
            restart_init(api, id, index);
            now + startup
        }
        (_, _, Some(_)) => {
            api.world.pod_mut(id).runtime.backoff_until = None;
            let image = api.world().pod(id).init_containers[index].image.clone();
            ensure_image(api, id, ContainerRef::Init(index as u32), node, &image, policy, now)
                .map_or(now + pull, |pull| pull.done)
        }
        // It ran for its startup time and exits with an error.
        // Its restarts are its own, and so is its back-off (the kubelet
        // keys back-offs by container).
        (ImageBehaviour::CrashLoop, _, None) => {
            let p = api.world.pod_mut(id);
            p.runtime.backoff_until = Some(backoff::exited(init_backoff(&mut p.runtime, index), now));
            p.status.inits[index].exits.record(LastExit::exited(crate::config::CRASH_EXIT_CODE));
            terminated(api, id, ContainerRef::Init(index as u32), now);
            api.set_init_failure(id, Some(InitFailure::Error));
            now
        }
        // The pull failed.
        (_, _, None) => {
            let runtime = &mut api.world.pod_mut(id).runtime;
            runtime.pull_failures += 1;
            runtime.backoff_until = Some(now + pull_backoff(runtime.pull_failures));
            api.set_init_failure(id, Some(InitFailure::ErrImagePull));
            now
        }
    };
    api.world.pod_mut(id).runtime.init_due = Some((index, next));
    api.arm(EventKey::Kubelet(id), next);
}

/// `container` exited into its restart back-off, which ends at `until`:
/// kept in the pod's history, for the events.
pub(super) fn held(api: &mut Api, id: PodId, container: ContainerRef, until: SimTime) {
    let from = api.now;
    api.world.pod_mut(id).history.restart_waits.push(RestartWait { container, from, until });
}

/// When the pod worker's sync finds a back-off that ends at `until` over
/// (a restart's or a pull's): the first of its retries at or after
/// `until`, counted from the pod's last status write about its containers
/// (`PodStatus::containers_written_at`: each is a sync), waiting from 1.35
/// for the earliest restart back-off's end among the pod's containers
/// (`pod_worker`). `until` itself when the last sync is not before it.
pub(super) fn worker_sync(api: &Api, id: PodId, until: SimTime) -> SimTime {
    let pod = api.world().pod(id);
    let from = pod.status.containers_written_at;
    let release = api.world().kubernetes;
    pod_worker::first_sync(api.streams.seed, pod.uid, release, from, until, restart_ends(pod))
}

/// The earliest end of a restart back-off among the pod's containers
/// held in one (`MinBackoffExpiration`).
fn restart_ends(pod: &Pod) -> Option<SimTime> {
    let first = (pod.status.container == ContainerState::CrashLoopBackOff
        || pod.status.init_failure == Some(InitFailure::CrashLoopBackOff))
    .then_some(pod.runtime.backoff_until)
    .flatten();
    let others = (pod.status.extras.iter().zip(&pod.runtime.extras))
        .filter(|(status, _)| status.state == ContainerState::CrashLoopBackOff)
        .filter_map(|(_, runtime)| runtime.backoff_until);
    first.into_iter().chain(others).chain(sidecars::backoff_ends(pod)).min()
}

/// After a step of the pod's kubelet: if a status write about its
/// containers was recorded now, the pod worker's retries count from now,
/// and each container held by a back-off is looked at again by its next
/// sync (its timer moved earlier if need be; a look that finds the sync
/// later waits on).
pub(super) fn worker_synced(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    if pod.status.containers_written_at != api.now || !pod.exists() {
        return;
    }
    let first_held = pod.status.container.backing_off()
        || matches!(
            pod.status.init_failure,
            Some(InitFailure::CrashLoopBackOff | InitFailure::ImagePullBackOff)
        );
    if let (true, Some(until)) = (first_held, pod.runtime.backoff_until) {
        let sync = worker_sync(api, id, until);
        api.wake_at(EventKey::Kubelet(id), sync);
    }
    let pod = api.world().pod(id);
    let others: Vec<SimTime> = (pod.status.extras.iter().zip(&pod.runtime.extras))
        .filter(|(status, _)| status.state.backing_off())
        .filter_map(|(_, runtime)| runtime.backoff_until)
        .collect();
    for until in others {
        let sync = worker_sync(api, id, until);
        api.wake_at(EventKey::Extras(id), sync);
    }
    let sidecars: Vec<SimTime> = sidecars::backoff_ends(api.world().pod(id)).collect();
    for until in sidecars {
        let sync = worker_sync(api, id, until);
        api.wake_at(EventKey::Sidecars(id), sync);
    }
}

/// The node whose kubelet tends the containers beside the pod's first (the
/// other regular ones, the sidecars) now: the pod exists, is neither
/// terminating nor finished, and its node's kubelet reaches the API server
/// and is not shutting down.
pub(super) fn tends(world: &crate::world::World, pod: &Pod) -> Option<NodeId> {
    let node = pod.node?;
    let active = pod.exists()
        && !pod.is_terminating()
        && !pod.is_terminal()
        && world.node(node).kubelet_connected()
        && world.node(node).shutting_down.is_none();
    active.then_some(node)
}

/// Init container `index`'s back-off entry (none until it first exits).
fn init_backoff(runtime: &mut Runtime, index: usize) -> &mut CrashBackOff {
    &mut runtime.init_backoff[index]
}

/// Init container `index`, which exited with an error, runs again from the
/// image on the node (its own `restartCount` goes up), and the kubelet says
/// so: kubectl shows `Init:<n>/<all>` until it exits (`Init:Error`) again.
fn restart_init(api: &mut Api, id: PodId, index: usize) {
    let p = api.world.pod_mut(id);
    p.runtime.backoff_until = None;
    p.status.inits[index].restarts += 1;
    let name = p.init_containers[index].image.clone();
    images::restart_finds_image(api, id, ContainerRef::Init(index as u32), &name);
    api.set_init_failure(id, None);
    api.set_init_started(id);
}

/// `container` of the pod terminated `at`: its `lastState.terminated.finishedAt`,
/// which kubectl's RESTARTS column counts its `(5m ago)` from. A sidecar is
/// an init container the column counts with the regular ones.
pub(super) fn terminated(api: &mut Api, id: PodId, container: ContainerRef, at: SimTime) {
    let pod = api.world.pod_mut(id);
    match container {
        ContainerRef::Init(index) => {
            pod.status.init_finished_at = Some(at);
            if pod.sidecars.contains(&(index as usize)) {
                pod.status.finished_at = Some(at);
            }
        }
        ContainerRef::Regular(_) => pod.status.finished_at = Some(at),
    }
}

/// The container starts (or restarts).
fn start(api: &mut Api, id: PodId, app_ready_at: Option<SimTime>) {
    let now = api.now;
    let runtime = &mut api.world.pod_mut(id).runtime;
    runtime.started_at = Some(now);
    runtime.starts += 1;
    runtime.app_ready_at = app_ready_at;
    runtime.probe_result_since = Some(now);
    runtime.backoff_until = None;
    runtime.probe_kill = None;
    api.set_process(id, true, None);
    let phase = running_phase(api.world().pod(id));
    api.set_pod_state(id, phase, ContainerState::Running);
    run_container(api, id);
}

/// The exited container starts again (a new container, in the same
/// sandbox, from the image on the node): its `restartCount` goes up. A
/// healthy application (restarted after a liveness kill) comes up again; a
/// crashing one never does.
fn restart(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world.pod_mut(id);
    pod.status.restarts += 1;
    let name = pod.image.clone();
    let image = api.world().image(&name);
    let app_ready_at = image.behaviour.comes_up().then(|| now + image.startup);
    images::restart_finds_image(api, id, ContainerRef::Regular(0), &name);
    start(api, id, app_ready_at);
}

/// A started container: probes, and for a crashing image, crash and restart.
fn run_container(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    let image = api.world().image(&pod.image);
    let crashes = image.behaviour == ImageBehaviour::CrashLoop;
    let crash_after = image.startup;
    match pod.status.container {
        // The kubelet's sync after the exit: started again at once (no
        // back-off entry, or an expired one), or held in CrashLoopBackOff.
        ContainerState::Exited { .. } => {
            let until = pod.runtime.backoff_until.expect("a crash sets a back-off");
            if now < until {
                held(api, id, ContainerRef::Regular(0), until);
                let phase = running_phase(api.world().pod(id));
                api.set_pod_state(id, phase, ContainerState::CrashLoopBackOff);
                api.arm(EventKey::Kubelet(id), worker_sync(api, id, until));
            } else {
                restart(api, id);
            }
        }
        ContainerState::CrashLoopBackOff => {
            let until = pod.runtime.backoff_until.expect("a crash sets a back-off");
            // Started again at the pod worker's sync after the back-off.
            let sync = worker_sync(api, id, until);
            if now < sync {
                api.arm(EventKey::Kubelet(id), sync);
            } else {
                let runtime = &mut api.world.pod_mut(id).runtime;
                backoff::waited(&mut runtime.crash_backoff, now);
                restart(api, id);
            }
        }
        _ => {
            let started = pod.runtime.started_at.expect("a running container has a start time");
            let own_crash = crashes.then(|| started + crash_after);
            // What ends the container next: the application's own crash,
            // the kubelet's kill for a failed probe (it begins, and the
            // container exits once its preStop hook and shutdown are
            // done), or the end of a kill begun. At the same instant as a
            // kill, the crash: the kubelet finds the container exited.
            let due = match pod.runtime.probe_kill {
                Some((exit, probe)) => match own_crash {
                    Some(crash) if crash < exit => Due::Crash(crash),
                    _ => Due::Killed(exit, probe),
                },
                None => {
                    let kill = match startup_result(pod, started) {
                        Ok(passed) => liveness_kill_at(pod, passed).map(|at| (at, FailedProbe::Liveness)),
                        Err(killed) => Some((killed, FailedProbe::Startup)),
                    };
                    match (own_crash, kill) {
                        (Some(crash), Some((kill, probe))) if kill < crash => Due::Kill(kill, probe),
                        (Some(crash), _) => Due::Crash(crash),
                        (None, Some((kill, probe))) => Due::Kill(kill, probe),
                        (None, None) => Due::Nothing,
                    }
                }
            };
            let crash_at = due.at();
            match due {
                Due::Kill(at, probe) if now >= at => {
                    let shutdown = api.world().image(&pod.image).shutdown;
                    let exit = now + probe_kill(pod, probe).exit_after(shutdown);
                    api.world.pod_mut(id).runtime.probe_kill = Some((exit, probe));
                    api.kill_container(id, probe);
                    // Its exit, at once if nothing delays it.
                    return run_container(api, id);
                }
                Due::Crash(at) | Due::Killed(at, _) if now >= at => {
                    // The process exits (with an error, or killed by the
                    // kubelet for its probe); the kubelet restarts it, at once or after its back-off.
                    let (killed, exit_code) = match due {
                        Due::Killed(_, probe) => {
                            let image = api.world().image(&pod.image);
                            (Some(probe.killed()), probe_kill(pod, probe).exit_code(image))
                        }
                        _ => (None, crate::config::CRASH_EXIT_CODE),
                    };
                    let pod = api.world.pod_mut(id);
                    let previous = pod.status.finished_at;
                    let runtime = &mut pod.runtime;
                    runtime.backoff_until = Some(match killed {
                        Some(_) => backoff::killed(&mut runtime.crash_backoff, now, previous),
                        None => backoff::exited(&mut runtime.crash_backoff, now),
                    });
                    runtime.probe_kill = None;
                    pod.status.exits.record(LastExit::exited(exit_code));
                    terminated(api, id, ContainerRef::Regular(0), now);
                    api.set_process(id, false, killed);
                    api.set_pod_ready(id, false);
                    let phase = running_phase(api.world().pod(id));
                    api.set_pod_state(id, phase, ContainerState::Exited { exit_code });
                    api.arm(EventKey::Kubelet(id), now);
                    return;
                }
                _ => {}
            }
            let next_probe = probe(api, id);
            let next = match (next_probe, crash_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(next) = next {
                api.arm(EventKey::Kubelet(id), next);
            }
        }
    }
}

/// What ends a running container next (`run_container`), and when.
#[derive(Debug, Clone, Copy)]
enum Due {
    Nothing,
    /// The application crashes of its own accord.
    Crash(SimTime),
    /// The kubelet begins killing it: its probe failed `failureThreshold` times.
    Kill(SimTime, FailedProbe),
    /// The container the kubelet is killing exits.
    Killed(SimTime, FailedProbe),
}

impl Due {
    fn at(self) -> Option<SimTime> {
        match self {
            Due::Nothing => None,
            Due::Crash(at) | Due::Kill(at, _) | Due::Killed(at, _) => Some(at),
        }
    }
}

/// How the kubelet kills the container for its failed `probe`: its preStop
/// hook, then SIGTERM and the image's shutdown, within the grace period
/// (what the hook leaves, at least the 2 s minimum), as for a deletion
/// (`killContainer`, pkg/kubelet/kuberuntime). The grace period is the
/// failed probe's own `terminationGracePeriodSeconds` if it has one, else
/// the pod's.
fn probe_kill(pod: &Pod, probe: FailedProbe) -> Kill {
    let failed = match probe {
        FailedProbe::Liveness => pod.liveness_probe.as_ref(),
        FailedProbe::Startup => pod.startup_probe.as_ref(),
    };
    let grace = failed.and_then(|p| p.termination_grace_period).unwrap_or(pod.termination_grace_period);
    Kill::with_grace(pod, grace)
}

/// How the kubelet kills a pod's container within a grace period
/// (`killContainer` in pkg/kubelet/kuberuntime): the preStop hook first,
/// its time counted against the grace period; then SIGTERM, with what is
/// left, at least the 2 s minimum (the one-off extension when the hook
/// outlasts the grace period). Deletions, node shutdowns and probes' kills
/// alike.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kill {
    hook: SimDuration,
    left: SimDuration,
}

impl Kill {
    /// The first container's, with `grace`, raised to the kubelet's
    /// `minimumGracePeriodInSeconds`.
    fn with_grace(pod: &Pod, grace: SimDuration) -> Kill {
        Kill::of(pod.pre_stop, grace)
    }

    /// A container's whose preStop hook sleeps `hook`, with `grace`.
    pub(super) fn of(hook: Option<SimDuration>, grace: SimDuration) -> Kill {
        let grace = grace.max(MINIMUM_KILL_GRACE);
        let hook = hook.unwrap_or(SimDuration::ZERO).min(grace);
        let left = SimDuration::from_millis(grace.as_millis() - hook.as_millis()).max(MINIMUM_KILL_GRACE);
        Kill { hook, left }
    }

    /// How long after the kill begins a container is gone whose image
    /// takes `shutdown` to exit after SIGTERM.
    pub(super) fn exit_after(self, shutdown: SimDuration) -> SimDuration {
        self.hook + shutdown.min(self.left)
    }

    /// The exit code of a container of `image`: the image's own on
    /// SIGTERM if it exits within the time left, else 137, SIGKILL's
    /// (128 + 9) at the end of the grace period.
    pub(super) fn exit_code(self, image: &crate::config::ImageConfig) -> u8 {
        if image.shutdown <= self.left { image.exit_code_on_sigterm } else { SIGKILL_EXIT_CODE }
    }
}

/// The startup probe's verdict for a container started at `started`: when
/// it passes (its first tick once the application is up; at once without a
/// probe), or, if the application is not up by its `failureThreshold`-th
/// tick, when the kubelet kills the container. Liveness and readiness
/// probes wait for it (k/api `core/v1` `Container.StartupProbe`).
fn startup_result(pod: &Pod, started: SimTime) -> Result<SimTime, SimTime> {
    startup_verdict(pod.startup_probe.as_ref(), started, pod.runtime.app_ready_at)
}

/// A startup probe's verdict for a container started at `started` whose
/// application answers from `up` (never: `None`): its first tick at or
/// after `up` if that is within its `failureThreshold` ticks, else its
/// last failing tick, when the kubelet kills the container. Without a
/// probe, the container is started at once. A sidecar's too.
pub(crate) fn startup_verdict(
    probe: Option<&crate::config::Probe>,
    started: SimTime,
    up: Option<SimTime>,
) -> Result<SimTime, SimTime> {
    let Some(probe) = probe else { return Ok(started) };
    let anchor = started + probe.initial_delay;
    let period = probe.period.as_millis().max(1);
    // Saturating: a probe's fields go to 2^31 - 1 each, whose product is
    // past the end of time (`SimTime`'s addition saturates too).
    let last =
        anchor + SimDuration::from_millis(u64::from(probe.failure_threshold - 1).saturating_mul(period));
    match up {
        Some(up) => {
            let k = if up <= anchor { 0 } else { up.since(anchor).as_millis().div_ceil(period) };
            let tick = anchor + SimDuration::from_millis(k.saturating_mul(period));
            if tick <= last { Ok(tick) } else { Err(last) }
        }
        None => Err(last),
    }
}

/// When a readiness probe of a container started at `started`, whose
/// result has been `passes` since `since`, reports it so: the
/// `successThreshold`-th (or `failureThreshold`-th) tick from the first at
/// or after `since` (the prober reports the initial Failure until
/// `initialDelaySeconds` has passed, then probes every `periodSeconds`). A
/// sidecar's; the first container's probe works the same rule out in
/// `probe`.
pub(crate) fn readiness_turns(
    probe: &crate::config::Probe,
    started: SimTime,
    since: SimTime,
    passes: bool,
) -> SimTime {
    let anchor = started + probe.initial_delay;
    let period = probe.period.as_millis().max(1);
    let first = if since <= anchor { 0 } else { since.since(anchor).as_millis().div_ceil(period) };
    let threshold = if passes { probe.success_threshold } else { probe.failure_threshold };
    let ticks = first.saturating_add(u64::from(threshold.max(1))) - 1;
    // Saturating, as the startup probe's ticks are.
    anchor + SimDuration::from_millis(ticks.saturating_mul(period))
}

/// When a failing liveness probe has failed `failureThreshold` times in a
/// row: its ticks fall at start + `initialDelaySeconds` + k x `periodSeconds`;
/// the kubelet then kills the container, and restarts it after the same
/// back-off as a crash (`CrashLoopBackOff` when it keeps failing).
fn liveness_kill_at(pod: &Pod, started: SimTime) -> Option<SimTime> {
    let probe = pod.liveness_probe.as_ref()?;
    let failing_since = pod.runtime.liveness_failing_since?.max(started);
    let anchor = started + probe.initial_delay;
    let period = probe.period.as_millis().max(1);
    let first =
        if failing_since <= anchor { 0 } else { failing_since.since(anchor).as_millis().div_ceil(period) };
    let ticks = (first.saturating_add(u64::from(probe.failure_threshold)) - 1).saturating_mul(period);
    Some(anchor + SimDuration::from_millis(ticks))
}

/// The application in a running container exited with an error of its own
/// accord (etcd failing its DNS discovery): the kubelet sees the same as a
/// crash and restarts the container after the back-off (CrashLoopBackOff
/// when it keeps exiting). Nothing happens while the node's kubelet cannot
/// report; the caller then treats the process as still running.
/// Returns whether the container stopped.
pub fn container_exited(api: &mut Api, id: PodId) -> bool {
    let now = api.now;
    let pod = api.world().pod(id);
    let connected = pod.node.is_some_and(|node| api.world().node(node).kubelet_connected());
    if !connected
        || !pod.exists()
        || pod.is_terminating()
        || pod.status.container != ContainerState::Running
        || !pod.runtime.running
    {
        return false;
    }
    let pod = api.world.pod_mut(id);
    pod.status.exits.record(LastExit::exited(crate::config::CRASH_EXIT_CODE));
    let runtime = &mut pod.runtime;
    runtime.backoff_until = Some(backoff::exited(&mut runtime.crash_backoff, now));
    terminated(api, id, ContainerRef::Regular(0), now);
    api.set_process(id, false, Some("the application exited with an error"));
    api.set_pod_ready(id, false);
    let phase = running_phase(api.world().pod(id));
    api.set_pod_state(id, phase, ContainerState::Exited { exit_code: crate::config::CRASH_EXIT_CODE });
    api.arm(EventKey::Kubelet(id), now);
    true
}

/// A script makes the liveness probe pass or fail from now on.
pub fn override_liveness(api: &mut Api, id: PodId, live: bool) {
    let now = api.now;
    let runtime = &mut api.world.pod_mut(id).runtime;
    match (live, runtime.liveness_failing_since) {
        (false, None) => runtime.liveness_failing_since = Some(now),
        (true, Some(_)) => runtime.liveness_failing_since = None,
        _ => return,
    }
    api.wake(EventKey::Kubelet(id));
}

/// Whether the readiness probe passes at `at`.
fn probe_passes(runtime: &Runtime, at: SimTime) -> bool {
    runtime.probe_override.unwrap_or_else(|| runtime.app_ready_at.is_some_and(|ready| at >= ready))
}

/// The readiness probe: flips the Ready condition when its threshold is
/// met; otherwise returns when to look again (the flip, or the
/// application coming up), if ever.
fn probe(api: &mut Api, id: PodId) -> Option<SimTime> {
    let now = api.now;
    let pod = api.world().pod(id);
    let Some(probe) = pod.readiness_probe.clone() else {
        // No readiness probe: Ready as soon as the container runs, or, with
        // a startup probe, once it has passed.
        if pod.startup_probe.is_some() {
            let started = pod.runtime.started_at.expect("a running container has a start time");
            match startup_result(pod, started) {
                Ok(passed) if passed > now => return Some(passed),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        api.set_pod_ready(id, true);
        return None;
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
    // What the kubelet's status says of the container: its own report,
    // and the condition as it would write it (restored after the node
    // lifecycle controller set it False, once the kubelet writes again;
    // another container unready holds the condition False by itself).
    let reported = pod.status.container_ready && (pod.status.ready || !pod.others_ready());
    if passes == reported {
        // Nothing to flip. Look again when the application comes up, if it will.
        return match (passes, runtime.probe_override, runtime.app_ready_at) {
            (false, None, Some(ready)) => Some(ready.max(now)),
            _ => None,
        };
    }
    let threshold = if passes { probe.success_threshold } else { probe.failure_threshold };
    // Probe ticks run at anchor + k * period; find the first at or after
    // `held_since`, then the threshold-th from there.
    let anchor = started + probe.initial_delay;
    let period = probe.period.as_millis().max(1);
    let first = if held_since <= anchor { 0 } else { held_since.since(anchor).as_millis().div_ceil(period) };
    let ticks = first.saturating_add(u64::from(threshold)).saturating_sub(1);
    let mut flip_at = SimTime::from_millis(anchor.as_millis().saturating_add(ticks.saturating_mul(period)));
    if passes {
        // Readiness is not probed before the startup probe has passed.
        match startup_result(pod, started) {
            Ok(passed) => flip_at = flip_at.max(passed),
            Err(_) => return None,
        }
    }
    if flip_at <= now {
        api.set_pod_ready(id, passes);
        None
    } else {
        Some(flip_at)
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

/// The first release whose kubelet gives every deleted pod a terminal
/// phase, Failed or Succeeded, before the object goes (k/k PR #115331,
/// 1.27's changelog: pods that restart their containers may end Succeeded
/// on deletion).
const TERMINAL_PHASE_BEFORE_REMOVAL: crate::features::Version = crate::features::Version::new(27, 0);

/// Graceful termination: SIGTERM when the kubelet learns of the deletion
/// (at once, unless it was cut off); the container exits after the image's
/// shutdown time, or is killed at the end of the grace period; then the
/// kubelet unmounts, confirms, and the object is removed.
fn terminate(api: &mut Api, id: PodId) {
    let now = api.now;
    let pod = api.world().pod(id);
    let sigterm_at = pod.runtime.term_started_at.unwrap_or(now);
    // The kubelet gives a container at least `minimumGracePeriodInSeconds`
    // to exit (a grace-0 delete whose object finalizers hold reaches here).
    let grace = pod.deletion_grace.expect("a graceful delete has a grace period").max(MINIMUM_KILL_GRACE);
    let kill = Kill::with_grace(pod, grace);
    let (first, others) = running_shutdowns(api.world(), pod);
    // A container the kubelet is already killing for a failed probe had
    // its SIGTERM then: it exits no later than that kill would have it.
    let first = first.map(|shutdown| {
        let exit = sigterm_at + kill.exit_after(shutdown);
        pod.runtime.probe_kill.map_or(exit, |(killed, _)| exit.min(killed))
    });
    let others = others.map(|shutdown| sigterm_at + kill.exit_after(shutdown));
    let regular_gone = first.into_iter().chain(others).max().unwrap_or(sigterm_at);
    let (exit_at, sidecar_exits) = sidecars::stop(api.world(), pod, sigterm_at, grace, regular_gone);
    api.world.pod_mut(id).runtime.term_started_at = Some(sigterm_at);
    if api.now < exit_at {
        api.arm(EventKey::Kubelet(id), exit_at);
        return;
    }
    let ended = Ended::of(api.world(), api.world().pod(id), kill);
    api.set_process(id, false, None);
    extras::stopped(api, id);
    sidecars::stopped(api, id);
    sidecars::exited(api, id, &sidecar_exits);
    let pod = api.world().pod(id);
    if api.world().kubernetes >= TERMINAL_PHASE_BEFORE_REMOVAL && !pod.is_terminal() {
        // The kubelet reports a deleted pod's terminal phase before the
        // object goes (its status manager deletes only a pod whose phase
        // is terminal, `canBeDeleted`). Before 1.27 a pod that restarts its
        // containers stayed Running (`getPhase`), so the object went while
        // Running.
        let phase = if ended.all_exited_zero { PodPhase::Succeeded } else { PodPhase::Failed };
        api.set_pod_state(id, phase, ended.first);
        // Its container is not running: the Ready condition goes false.
        api.set_pod_ready(id, false);
    } else if pod.status.container == ContainerState::Running {
        api.set_pod_state(id, pod.status.phase, ended.first);
    }
    extras::exited(api, id, |image| kill.exit_code(image));
    let node = api.world().pod(id).node.expect("a terminating pod here is bound");
    api.remove_pod(id, false);
    release_volumes(api, id, node);
    if api.world().node(node).shutting_down.is_some() {
        shutdown_progress(api, node);
    }
}

/// How a stopped pod's regular containers ended, as the kubelet's last
/// status tells it: worked out before they are stopped.
struct Ended {
    /// The first container's last state: `Terminated` with its exit code
    /// if it ran until SIGTERM (exited, or was killed at the end of the
    /// grace period), as it was if it had exited before and not run again
    /// (`Exited`), else `StatusUnknown`: it never ran, or waited in a
    /// back-off (the status manager's `TerminatePod`).
    first: ContainerState,
    /// Every regular container ran until SIGTERM and exited 0 (`getPhase`:
    /// Succeeded when all stopped containers succeeded, else Failed; one
    /// killed at the end of the grace period exits 137, one that did not
    /// run is given 137).
    all_exited_zero: bool,
}

impl Ended {
    fn of(world: &crate::world::World, pod: &Pod, kill: Kill) -> Ended {
        let exit_code = |image: &str| kill.exit_code(world.image(image));
        let first = match pod.status.container {
            _ if pod.runtime.running => ContainerState::Terminated { exit_code: exit_code(&pod.image) },
            ContainerState::Exited { .. } | ContainerState::Terminated { .. } => pod.status.container,
            _ => ContainerState::StatusUnknown,
        };
        let others_zero = (pod.extra_containers.iter().zip(&pod.runtime.extras))
            .all(|(extra, runtime)| runtime.started_at.is_some() && exit_code(&extra.image) == 0);
        // `getPhase` of a terminal pod counts each terminated container by
        // its exit code, one that had exited before the deletion included.
        let first_zero = matches!(
            first,
            ContainerState::Terminated { exit_code: 0 } | ContainerState::Exited { exit_code: 0 }
        );
        let all_exited_zero = first_zero && others_zero;
        Ended { first, all_exited_zero }
    }
}

/// How long the slowest of the pod's running containers takes to exit
/// after SIGTERM (the kubelet stops them all at once, and the pod is done
/// when the last has exited); `None` when none runs.
fn slowest_shutdown(world: &crate::world::World, pod: &Pod) -> Option<SimDuration> {
    let (first, others) = running_shutdowns(world, pod);
    first.into_iter().chain(others).max()
}

/// How long each of the pod's running containers takes to exit after
/// SIGTERM (its image's `shutdown`): the first container's, if it runs,
/// and the other started ones'.
fn running_shutdowns<'a>(
    world: &'a crate::world::World,
    pod: &'a Pod,
) -> (Option<SimDuration>, impl Iterator<Item = SimDuration> + 'a) {
    let first = pod.runtime.running.then(|| world.image(&pod.image).shutdown);
    let others = (pod.extra_containers.iter().zip(&pod.runtime.extras))
        .filter(|(_, runtime)| runtime.started_at.is_some())
        .map(|(extra, _)| world.image(&extra.image).shutdown);
    (first, others)
}

/// The machine shuts down and the kubelet handles it (graceful node
/// shutdown, pkg/kubelet/nodeshutdown): it reports the node NotReady and
/// stops every pod it runs. The machine powers off when they are all done
/// (`shutdown_done`) or when their share of the period is up, whichever
/// comes first (the caller arms that).
pub fn node_shutting_down(api: &mut Api, node: NodeId) {
    api.begin_node_shutdown(node);
    let pods: Vec<PodId> = api.world().node(node).pods.iter().copied().collect();
    for pod in pods {
        api.wake(EventKey::Kubelet(pod));
    }
    shutdown_progress(api, node);
}

/// A pod of the shutting-down node is done: once the regular pods all are,
/// the kubelet turns to the critical ones; once they are too, the machine
/// may power off (the caller's `NodeShutdown` event).
fn shutdown_progress(api: &mut Api, node: NodeId) {
    if !shutdown_done(api.world(), node, Some(false)) {
        return;
    }
    // The regular group is done: on to the critical one, or, with nothing
    // to wait for there (no active critical pod, or no share for them),
    // the machine powers off now.
    let critical_pending = match api.world().node(node).critical_shutdown {
        None => critical_phase(api, node),
        Some(_) => !shutdown_done(api.world(), node, Some(true)),
    };
    if !critical_pending {
        api.wake(EventKey::NodeShutdown(node));
    }
}

/// The regular pods are done or their share is up: the kubelet stops the
/// critical pods, within their share, and the machine powers off at its
/// end at the latest. `false` when there is nothing to wait for (no active
/// critical pod, or no share for them): the machine may power off now.
pub fn critical_phase(api: &mut Api, node: NodeId) -> bool {
    let n = api.world().node(node);
    let share = n.shutdown.critical;
    if n.critical_shutdown.is_some() || share.is_zero() || shutdown_done(api.world(), node, Some(true)) {
        return false;
    }
    api.begin_critical_shutdown(node);
    api.arm(EventKey::NodeShutdown(node), api.now + share);
    let critical: Vec<PodId> =
        api.world().node(node).pods.iter().copied().filter(|p| api.world().pod(*p).critical()).collect();
    for pod in critical {
        api.wake(EventKey::Kubelet(pod));
    }
    true
}

/// Whether the kubelet has stopped every pod of its shutting-down node
/// (its active pods: those it admitted that have not finished; pods
/// deleted before the shutdown leave the node when their own termination
/// completes); with `Some(critical)`, every pod of that group.
fn shutdown_done(world: &crate::world::World, node: NodeId, critical: Option<bool>) -> bool {
    world
        .node(node)
        .pods
        .iter()
        .map(|p| world.pod(*p))
        .filter(|pod| critical.is_none_or(|c| pod.critical() == c))
        .all(|pod| pod.is_terminal() || pod.status.container == ContainerState::Unscheduled)
}

/// Graceful node shutdown, for one running pod: the kubelet kills it when
/// the shutdown began, its preStop hook first, with the regular pods'
/// period as the grace period when that is shorter than the pod's own
/// (`gracePeriodOverride`, at least `minimumGracePeriodInSeconds`). Once the
/// container is gone the pod is `Failed`, reason `Terminated`; the object
/// stays for its controller to replace.
///
/// Its volumes are unmounted, but the Node's `volumesInUse` says so only
/// at the kubelet's next status sync (`node_status_sync`), and the machine
/// powers off once the pods are stopped: if that comes first, the Node
/// keeps listing them, and the attach/detach controller detaches them only
/// by force, six minutes after the detach is wanted, from a node that is
/// not healthy (k/k #106227, #115148; the fix, k/k #139660, is not in a
/// release).
fn shutdown_pod(api: &mut Api, id: PodId, node: NodeId, began: SimTime, period: SimDuration) {
    let pod = api.world().pod(id);
    let grace = pod.termination_grace_period.min(period);
    let kill = Kill::with_grace(pod, grace);
    let regular_gone =
        slowest_shutdown(api.world(), pod).map_or(began, |shutdown| began + kill.exit_after(shutdown));
    let (exit_at, sidecar_exits) =
        sidecars::stop(api.world(), pod, began, grace.max(MINIMUM_KILL_GRACE), regular_gone);
    if api.now < exit_at {
        api.arm(EventKey::Kubelet(id), exit_at);
        return;
    }
    let ended = Ended::of(api.world(), api.world().pod(id), kill);
    api.set_process(id, false, Some("stopped by the kubelet: the node is shutting down"));
    extras::stopped(api, id);
    sidecars::stopped(api, id);
    sidecars::exited(api, id, &sidecar_exits);
    api.set_pod_ready(id, false);
    extras::exited(api, id, |image| kill.exit_code(image));
    api.fail_pod_for_shutdown(id, ended.first);
    release_volumes(api, id, node);
    shutdown_progress(api, node);
}

/// Unmounts the pod's volumes from `node` unless another pod there uses them.
/// The volumes are found through the pod's live claims and also through
/// what is mounted on the node for a claim of that name: a claim deleted in
/// the same instant as its pod is gone from the API, but its volume is still
/// mounted, and the kubelet unmounts what it mounted (its volume manager
/// works from the mounts, not from the claim objects).
fn release_volumes(api: &mut Api, id: PodId, node: NodeId) {
    let world = api.world();
    let claims = &world.pod(id).claims;
    let mut volumes: Vec<PvId> = claims
        .iter()
        .filter_map(|claim| world.pvc_named(claim))
        .filter_map(|pvc| world.pvc(pvc).volume)
        .collect();
    for pv in world.node(node).attached.iter().copied() {
        let v = world.pv(pv);
        let mounted_for_pod =
            v.in_use_on.contains(&node) && v.claim.is_some_and(|c| claims.contains(&world.pvc(c).name));
        if mounted_for_pod && !volumes.contains(&pv) {
            volumes.push(pv);
        }
    }
    for pv in volumes {
        let still_used = api.volume_users_on(pv, node).iter().any(|p| *p != id);
        if !still_used {
            volume_unmounted(api, pv, node);
        }
    }
}

/// How often the kubelet syncs its Node's status
/// (`nodeStatusUpdateFrequency`, 10 s): `go wait.Until(kl.syncNodeStatus,
/// ...)` from its start, with no jitter.
pub const NODE_STATUS_UPDATE_FREQUENCY: SimDuration = SimDuration::from_secs(10);

/// The volume manager unmounted `pv` on `node`. The Node's `volumesInUse`
/// (which the attach/detach controller reads before it detaches) drops it
/// at the kubelet's next node status sync, on its 10 s grid from the
/// kubelet's start (pkg/kubelet/kubelet_node_status.go, the `VolumesInUse`
/// setter).
fn volume_unmounted(api: &mut Api, pv: PvId, node: NodeId) {
    let n = api.world.node_mut(node);
    if !n.unmounts_unreported.contains(&pv) {
        n.unmounts_unreported.push(pv);
    }
    let period = NODE_STATUS_UPDATE_FREQUENCY.as_millis();
    let since = api.now.since(n.heartbeat_anchor).as_millis();
    let next = n.heartbeat_anchor + SimDuration::from_millis((since / period + 1) * period);
    api.wake_at(EventKey::NodeStatus(node), next);
}

/// The kubelet's node status sync: the volumes it unmounted since the last
/// leave `volumesInUse`. A kubelet whose machine is off or cut off writes
/// nothing (a reconnected one reports them again, `release_stale_mounts`).
pub fn node_status_sync(api: &mut Api, node: NodeId) {
    if api.world().node(node).machine != Machine::Running {
        return;
    }
    let unmounted = std::mem::take(&mut api.world.node_mut(node).unmounts_unreported);
    for pv in unmounted {
        api.set_volume_in_use(pv, node, false);
    }
}

/// The machine stopped: every container on it is gone, and nothing more
/// happens until it comes back.
pub fn node_crashed(api: &mut Api, node: NodeId) {
    images::machine_crashed(api, node);
    let n = api.world().node(node);
    let pods: Vec<PodId> = n.pods.iter().chain(n.orphans.iter()).copied().collect();
    for pod in pods {
        api.cancel(EventKey::Kubelet(pod));
        api.set_process(pod, false, Some("the machine crashed"));
        extras::stopped(api, pod);
        sidecars::stopped(api, pod);
    }
}

/// The machine lost the control plane: the kubelet's work is frozen.
pub fn node_partitioned(api: &mut Api, node: NodeId) {
    let pods: Vec<PodId> = api.world().node(node).pods.iter().copied().collect();
    for pod in pods {
        api.cancel(EventKey::Kubelet(pod));
        api.cancel(EventKey::Extras(pod));
        api.cancel(EventKey::Sidecars(pod));
    }
}

/// The machine runs again after a crash: the kubelet finishes the pods that
/// were deleted meanwhile (their containers are gone, so at once), starts the
/// others' containers again, and reports the volumes it no longer mounts.
pub fn node_rebooted(api: &mut Api, node: NodeId) {
    let pods: Vec<PodId> = api.world().node(node).pods.iter().copied().collect();
    for pod in pods {
        if !api.world().pod(pod).is_terminating() {
            restart_lost_container(api, pod);
        }
        api.wake(EventKey::Kubelet(pod));
        extras::wake(api, pod);
        sidecars::wake(api, pod);
    }
    release_stale_mounts(api, node);
}

/// The machine that ran the pod's sandbox rebooted: how each init
/// container's run in it ended, as the runtime reports it once started
/// again. One that had completed keeps its exit 0; one running (a sidecar
/// started and not exited since, or the init container the kubelet was
/// at) has no task behind it any more: 255, `Unknown`.
fn init_containers_lost(p: &mut Pod) {
    let at = p.status.init_progress.map(|done| done as usize);
    for index in 0..p.init_containers.len() {
        let sidecar = p.sidecar_position(index);
        let exit = match sidecar {
            Some(_) if p.sidecar_running(index) => Some(LastExit::LOST),
            None if p.init_done(index) => Some(LastExit::exited(0)),
            None if at == Some(index) && p.status.init_started && p.status.init_failure.is_none() => {
                Some(LastExit::LOST)
            }
            _ => None,
        };
        if let Some(exit) = exit {
            p.status.inits[index].exits.record(exit);
        }
    }
}

/// A container that died with its machine is started again from scratch.
/// The pod sandbox died too: the kubelet makes a new one, and the CNI
/// plugin gives it a new address from the node's range (host-local IPAM
/// hands out the next free address, not the old one), so the pod's IP
/// changes; the init containers run again and the image is checked again,
/// which pulls it only if the policy says so (`SyncPod`: a dead sandbox is
/// killed and re-created, with `createPodSandbox` and a fresh `podIPs`,
/// pkg/kubelet/kuberuntime): images outlive a reboot on the node's disk.
fn restart_lost_container(api: &mut Api, pod: PodId) {
    api.release_pod_ip(pod);
    // The runtime, started again, finds no task behind the old container
    // and reports it exited then (exit code 255, reason `Unknown`:
    // containerd's CRI `loadContainer`).
    terminated(api, pod, ContainerRef::Regular(0), api.now);
    let p = api.world.pod_mut(pod);
    if p.status.container == ContainerState::Running {
        p.status.exits.record(LastExit::LOST);
    }
    init_containers_lost(p);
    p.status.restarts += 1;
    let runtime = &mut p.runtime;
    runtime.pull_started_at = None;
    runtime.pull = None;
    runtime.init_held = false;
    runtime.init_next = None;
    runtime.pull_failures = 0;
    runtime.started_at = None;
    runtime.app_ready_at = None;
    runtime.probe_result_since = None;
    runtime.backoff_until = None;
    // The kubelet started anew, with no back-off entries.
    runtime.crash_backoff = CrashBackOff::default();
    runtime.init_backoff.fill(CrashBackOff::default());
    runtime.init_due = None;
    runtime.init_starts_at = None;
    // The new sandbox runs the init containers again.
    p.status.init_progress = (!p.init_containers.is_empty()).then_some(0);
    p.status.init_started = false;
    let phase = p.status.phase;
    api.set_pod_ready(pod, false);
    api.set_init_failure(pod, None);
    extras::reset(api, pod);
    sidecars::reset(api, pod);
    api.set_pod_state(pod, phase, ContainerState::ContainerCreating);
}

/// Reports unmounted the volumes no pod on the node uses any more.
fn release_stale_mounts(api: &mut Api, node: NodeId) {
    let mounted: Vec<PvId> = api
        .world()
        .node(node)
        .attached
        .iter()
        .copied()
        .filter(|pv| api.world().pv(*pv).in_use_on.contains(&node))
        .collect();
    for pv in mounted {
        let used = api.volume_users_on(pv, node).iter().any(|p| !api.world().pod(*p).is_terminating());
        if !used {
            volume_unmounted(api, pv, node);
        }
    }
}

/// The machine reaches the control plane again: the kubelet catches up on
/// every pod, and kills the containers of pods deleted meanwhile. If the
/// machine also crashed while cut off, the containers it reported running
/// are gone: they are started again, as after a reboot.
pub fn node_reconnected(api: &mut Api, node: NodeId) {
    let n = api.world().node(node);
    let pods: Vec<PodId> = n.pods.iter().chain(n.orphans.iter()).copied().collect();
    let mut lost_any = false;
    for pod in pods {
        let p = api.world().pod(pod);
        let lost = p.exists()
            && !p.is_terminating()
            && ((p.status.container == ContainerState::Running && !p.runtime.running) || extras::lost(p));
        if lost {
            restart_lost_container(api, pod);
            lost_any = true;
        }
        api.wake(EventKey::Kubelet(pod));
        extras::wake(api, pod);
        sidecars::wake(api, pod);
    }
    if lost_any {
        release_stale_mounts(api, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_10s_to_5m() {
        let seconds: Vec<u64> = (1..=7).map(|n| pull_backoff(n).as_millis() / 1000).collect();
        assert_eq!(seconds, [10, 20, 40, 80, 160, 300, 300]);
    }

    /// A stopped pod's first container, as `getPhase` counts it: one that
    /// ran until the kill exits with its image's code; one that had exited
    /// before and not run again keeps that exit, 0 counting as succeeded;
    /// one that never ran, or waited in a back-off, is unknown (the status
    /// manager's `TerminatePod` gives it 137).
    #[test]
    fn a_stopped_pods_first_container_ends_as_getphase_counts_it() {
        let config = crate::fixtures::scenario(
            "ended",
            1,
            1,
            crate::config::PodManagementPolicy::OrderedReady,
            SimDuration::from_secs(120),
        );
        let mut sim = crate::Simulation::new(config);
        sim.run();
        let world = &mut sim.world;
        let id = world.live_pods().next().expect("a pod").id;
        let kill = Kill::with_grace(world.pod(id), SimDuration::from_secs(30));
        assert!(world.pod(id).runtime.running);
        let ended = Ended::of(world, world.pod(id), kill);
        assert_eq!(ended.first, ContainerState::Terminated { exit_code: 0 });
        assert!(ended.all_exited_zero);
        let mut ended_as = |state: ContainerState| {
            let pod = world.pod_mut(id);
            pod.runtime.running = false;
            pod.status.container = state;
            let ended = Ended::of(world, world.pod(id), kill);
            (ended.first, ended.all_exited_zero)
        };
        let exited = |exit_code| ContainerState::Exited { exit_code };
        assert_eq!(ended_as(exited(0)), (exited(0), true));
        assert_eq!(ended_as(exited(1)), (exited(1), false));
        let unknown = (ContainerState::StatusUnknown, false);
        assert_eq!(ended_as(ContainerState::CrashLoopBackOff), unknown);
        assert_eq!(ended_as(ContainerState::ContainerCreating), unknown);
        // Each end it writes makes a finished pod one its kubelet stopped;
        // a phase written over a running container (pod GC's) does not.
        for (state, stopped) in [
            (exited(0), true),
            (ContainerState::Terminated { exit_code: 137 }, true),
            (ContainerState::StatusUnknown, true),
            (ContainerState::Running, false),
        ] {
            let pod = world.pod_mut(id);
            (pod.status.phase, pod.status.container) = (PodPhase::Failed, state);
            assert_eq!(world.pod(id).stopped_by_kubelet(), stopped, "{state:?}");
        }
    }
}

#[cfg(test)]
mod sandbox_tests {
    use super::kernel_hostname;

    /// `truncatePodHostnameIfNeeded` cuts a hostname to 63 characters and
    /// drops a trailing `-` or `.`; `GetNodenameForKernel` then appends the
    /// domain and refuses more than 64 characters.
    #[test]
    fn the_kernel_hostname_is_cut_to_63_and_the_fqdn_kept_to_64() {
        let long = format!("{}-.{}", "a".repeat(61), "b".repeat(20));
        assert_eq!(kernel_hostname(&long, None), Ok("a".repeat(61)));
        assert_eq!(kernel_hostname("web-0", None), Ok("web-0".to_string()));
        let domain = "web.default.svc.cluster.local";
        assert_eq!(kernel_hostname("web-0", Some(domain)), Ok(format!("web-0.{domain}")));
        // 34 + 1 + 29 = 64 fits; 35 + 1 + 29 = 65 does not.
        assert!(kernel_hostname(&"h".repeat(34), Some(domain)).is_ok());
        let refused = kernel_hostname(&"h".repeat(35), Some(domain)).unwrap_err();
        assert!(
            refused.ends_with("is too long (64 characters is the max, 65 characters requested)"),
            "{refused}"
        );
        // Never a panic, whatever the text.
        assert_eq!(kernel_hostname(&"é".repeat(40), None), Ok("é".repeat(31)));
        // The FQDN is made of the hostname as cut.
        let refused = kernel_hostname(&long, Some(domain)).unwrap_err();
        assert!(refused.contains(&format!("FQDN {}.{domain} is too long", "a".repeat(61))), "{refused}");
    }
}
