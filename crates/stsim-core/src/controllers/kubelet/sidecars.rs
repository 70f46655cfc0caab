//! The kubelet's work on a pod's sidecars (init containers with
//! `restartPolicy: Always`) once each has started in its sandbox.
//!
//! Owns what happens to a started sidecar until the pod's end. The kubelet
//! keeps a restartable init container running beside the regular ones: at
//! each sync, one that has exited is started again, whatever was started
//! after it (`computeInitContainerActions`, pkg/kubelet/kuberuntime). So a
//! sidecar whose image crashes exits `startup` after each start (`Error`),
//! waits out the restart back-off (`CrashLoopBackOff`, the one every
//! container has, `backoff`) and starts again, its own `restartCount` going
//! up. The containers after it do not wait: they were started once it first
//! was. While it is not running it is neither `started` nor ready, so the
//! pod is not Ready (`GenerateContainersReadyCondition` counts the
//! sidecars), and kubectl shows `Init:CrashLoopBackOff` over a running
//! container (`printPod` stops at the first init container neither done nor
//! started). Without a readiness probe it is ready while it runs.
//!
//! A sidecar with a `readinessProbe` is not ready after each start (nor
//! from the pod's creation, nor in a new sandbox), and so neither is the
//! pod, until the probe passes: its `successThreshold`-th tick from the
//! first at or after its image's `startup`, not before its startup probe
//! has passed (the prober keeps a container's initial Failure until then).
//! The prober, not the pod worker, reports it, whatever the worker is
//! busy with. A script may turn the probe's result from a time on
//! ([`override_readiness`]): the readiness turns at the probe's
//! `failureThreshold`-th failing tick, or `successThreshold`-th passing
//! one, and the override holds for the sidecar's later runs. It holds
//! nothing else: the next init container and the regular containers start
//! as they would.
//!
//! A sidecar's `livenessProbe` passes while it runs unless a script makes
//! it fail ([`override_liveness`]); then, not before its startup probe has
//! passed, the kubelet kills it at the probe's `failureThreshold`-th
//! failing tick ("Init container ... failed liveness probe") and starts it
//! again as after a startup probe's kill, each new run killed in turn
//! while the probe fails (`computeInitContainerActions`).
//!
//! A sidecar with a `startupProbe` is started only once the probe passes:
//! its first tick (`initialDelaySeconds`, then every `periodSeconds`) at
//! or after its image's `startup`; only then does the kubelet start the
//! next init container, and the regular containers after the last
//! (`computeInitContainerActions`: a restartable init container whose
//! startup result is not yet Success holds the walk). Until then it runs,
//! neither started nor ready, and kubectl shows `Init:<n>/<all>`. If the
//! application is not up by the `failureThreshold`-th tick (an image that
//! never answers, or crashes), the kubelet kills it there ("Init container
//! ... failed startup probe": its preStop hook, SIGTERM, within the
//! probe's `terminationGracePeriodSeconds` or the pod's) and starts it
//! again in the same sync, its back-off judged by the run before, as the
//! first container's probe kills are (`backoff::killed`); the walk waits
//! until a run passes. After the pod has initialized, a sidecar started again
//! is counted ready from its start: the probe's hold on a later restart is
//! not modelled, its kill is.
//!
//! At the pod's end the kubelet stops its sidecars last: each runs its
//! preStop hook from the start, then waits for every regular container to
//! exit, and for the sidecars after it in spec order, the last one first,
//! within the grace period, then gets SIGTERM with the whole seconds of
//! grace left, at least 2 s (`killContainer`, `newTerminationOrdering` and
//! `waitForTurn`, pkg/kubelet/kuberuntime, from 1.29, the first release
//! with sidecars). [`stop`] says when, and
//! how each exits: its image's exit code on SIGTERM if it is done within
//! that time, else SIGKILL's 137.
//!
//! Does not own the sidecar's first start in a sandbox (the kubelet's walk
//! over the init containers, with its image check), or the rest of the
//! pod's termination (the kubelet's).

use super::{backoff, init_backoff};
use crate::api::Api;
use crate::config::ImageBehaviour;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};

/// Sidecar `index` (of the init containers) starts at `at`, in its turn
/// of the kubelet's walk: when the walk goes on to the next init
/// container (at once without a startup probe, when it passes with one),
/// or `None` if the probe fails in this run: the walk waits for a run of
/// it that passes (`holds_init`, taken up by [`restart`]).
pub(super) fn started(api: &mut Api, id: PodId, index: usize, at: SimTime) -> Option<SimTime> {
    let pod = api.world().pod(id);
    let Some(position) = pod.sidecar_position(index) else { return Some(at) };
    let probed = pod.init_containers[index].readiness_probe.is_some();
    let before = pod.runtime.sidecars[position];
    let (runtime, passes) = run(api.world(), pod, index, at, &before);
    api.world.pod_mut(id).runtime.sidecars[position] =
        SidecarRuntime { holds_init: passes.is_none(), ..runtime };
    // Not ready until its readiness probe passes in this run (it was not
    // since the pod's creation or its new sandbox: nothing to report).
    if probed {
        api.set_sidecar_ready(id, position, false);
    }
    rearm(api, id);
    passes
}

/// A run of sidecar `index` started at `at` (with the scripts' overrides
/// of its probes kept from `before`, the run before): what is due in it
/// (an image that crashes exits `startup` later; a startup probe that
/// fails kills it at its last failing tick, a failing liveness probe at
/// its `failureThreshold`-th, unless it crashed before; a readiness probe
/// passes), and when its startup probe passes, if it does (at once without
/// one).
fn run(
    world: &crate::world::World,
    pod: &Pod,
    index: usize,
    at: SimTime,
    before: &SidecarRuntime,
) -> (SidecarRuntime, Option<SimTime>) {
    let init = &pod.init_containers[index];
    let image = world.image(&init.image);
    let crash = (image.behaviour == ImageBehaviour::CrashLoop).then(|| at + image.startup);
    let up = image.behaviour.comes_up().then(|| at + image.startup);
    let runtime = SidecarRuntime {
        due: crash,
        run_started: Some(at),
        probe_override: before.probe_override,
        liveness_failing_since: before.liveness_failing_since,
        ..SidecarRuntime::default()
    };
    match (super::startup_verdict(init.startup_probe.as_ref(), at, up), &init.startup_probe) {
        (Ok(passed), _) => {
            let runtime = SidecarRuntime { startup_passed: Some(passed), ..runtime };
            // A new run is not ready until its readiness probe passes.
            let readiness_flip = readiness_flip(world, pod, index, &runtime, false);
            let runtime = SidecarRuntime { readiness_flip, ..runtime };
            // Killed for its liveness probe unless it crashes first.
            match liveness_kill(world, pod, index, &runtime) {
                Some((begins, kill)) if crash.is_none_or(|crash| crash > begins) => {
                    (SidecarRuntime { due: Some(begins), probe_kill: Some(kill), ..runtime }, Some(passed))
                }
                _ => (runtime, Some(passed)),
            }
        }
        (Err(last), Some(probe)) if crash.is_none_or(|crash| crash > last) => {
            // The probe's own grace period, else the pod's
            // (`ProbeTerminationGracePeriod`), after its preStop hook.
            let grace = probe.termination_grace_period.unwrap_or(pod.termination_grace_period);
            let kill = super::Kill::of(init.pre_stop, grace);
            let probe_kill = ProbeKill {
                probe: FailedProbe::Startup,
                exits: last + kill.exit_after(image.shutdown),
                exit_code: kill.exit_code(image),
                begun: false,
            };
            (SidecarRuntime { due: Some(last), probe_kill: Some(probe_kill), ..runtime }, None)
        }
        (Err(_), _) => (runtime, None),
    }
}

/// When sidecar `index`'s readiness, `ready` now, next turns in its run
/// `runtime`, and to what: its readiness probe's result is the script's
/// override from when it was given, else whether its application is up
/// (its image's `startup` after the run's start; never for one that does
/// not come up). It is not probed before its startup probe has passed (the
/// prober's worker keeps its initial Failure until then), so it is not
/// ready before either.
fn readiness_flip(
    world: &crate::world::World,
    pod: &Pod,
    index: usize,
    runtime: &SidecarRuntime,
    ready: bool,
) -> Option<(SimTime, bool)> {
    let init = &pod.init_containers[index];
    let probe = init.readiness_probe.as_ref()?;
    let (start, passed) = (runtime.run_started?, runtime.startup_passed?);
    let image = world.image(&init.image);
    let up = image.behaviour.comes_up().then(|| start + image.startup);
    // The result from now on, and since when it has held.
    let (passes, since) = match runtime.probe_override {
        Some((passes, since)) => (passes, since.max(start)),
        None => (up.is_some(), up.unwrap_or(start)),
    };
    if passes == ready {
        return None;
    }
    let at = super::readiness_turns(probe, start, since, passes);
    Some(if passes { (at.max(passed), true) } else { (at, false) })
}

/// When the kubelet begins to kill sidecar `index` in its run `runtime`
/// for its liveness probe, and the kill: the probe's
/// `failureThreshold`-th failing tick (`initialDelaySeconds`, then every
/// `periodSeconds`, from the run's start) from when a script made it
/// fail, and not before its startup probe passed (the prober does not
/// probe liveness until then). The kill is as a startup probe's: its
/// preStop hook, then SIGTERM within the probe's own grace period or the
/// pod's ("Init container X failed liveness probe").
fn liveness_kill(
    world: &crate::world::World,
    pod: &Pod,
    index: usize,
    runtime: &SidecarRuntime,
) -> Option<(SimTime, ProbeKill)> {
    let init = &pod.init_containers[index];
    let probe = init.liveness_probe.as_ref()?;
    let failing = runtime.liveness_failing_since?;
    let (start, passed) = (runtime.run_started?, runtime.startup_passed?);
    let last = super::readiness_turns(probe, start, failing.max(passed), false);
    let grace = probe.termination_grace_period.unwrap_or(pod.termination_grace_period);
    let kill = super::Kill::of(init.pre_stop, grace);
    let image = world.image(&init.image);
    let probe_kill = ProbeKill {
        probe: FailedProbe::Liveness,
        exits: last + kill.exit_after(image.shutdown),
        exit_code: kill.exit_code(image),
        begun: false,
    };
    Some((last, probe_kill))
}

/// A script makes sidecar `index`'s liveness probe fail or pass from now
/// on (`SetLive` with `container`): kept for its later runs. While it
/// runs, failing, the kubelet kills it at the probe's
/// `failureThreshold`-th failing tick (unless something else ends the run
/// first); passing again before then, it is not killed.
pub fn override_liveness(api: &mut Api, id: PodId, index: usize, live: bool) {
    let now = api.now;
    let pod = api.world().pod(id);
    let Some(position) = pod.sidecar_position(index) else { return };
    let mut runtime = pod.runtime.sidecars[position];
    match (live, runtime.liveness_failing_since) {
        (false, None) => runtime.liveness_failing_since = Some(now),
        (true, Some(_)) => runtime.liveness_failing_since = None,
        _ => return,
    }
    let running = runtime.run_started.is_some() && pod.sidecar_failure_of(index).is_none();
    let pending = runtime.probe_kill.filter(|kill| kill.probe == FailedProbe::Liveness && !kill.begun);
    if running && live && pending.is_some() {
        // Not killed after all: what else was due (its image's crash).
        let image = api.world().image(&pod.init_containers[index].image);
        let start = runtime.run_started.expect("running");
        runtime.probe_kill = None;
        runtime.due = (image.behaviour == ImageBehaviour::CrashLoop).then(|| start + image.startup);
    } else if running
        && !live
        && runtime.probe_kill.is_none()
        && let Some((begins, kill)) = liveness_kill(api.world(), pod, index, &runtime)
        && runtime.due.is_none_or(|due| due > begins)
    {
        runtime.due = Some(begins);
        runtime.probe_kill = Some(kill);
    }
    api.world.pod_mut(id).runtime.sidecars[position] = runtime;
    rearm(api, id);
}

/// A script makes sidecar `index`'s readiness probe pass or fail from now
/// on (`SetReady` with `container`): kept for its later runs, and, while
/// it runs, its readiness turns at the probe's threshold of ticks.
pub fn override_readiness(api: &mut Api, id: PodId, index: usize, passes: bool) {
    let now = api.now;
    let pod = api.world().pod(id);
    let Some(position) = pod.sidecar_position(index) else { return };
    let mut runtime = pod.runtime.sidecars[position];
    let image = api.world().image(&pod.init_containers[index].image);
    let up = runtime.run_started.filter(|_| image.behaviour.comes_up()).map(|start| start + image.startup);
    // The result until now, and since when it has held: a result that does
    // not change keeps counting its ticks from then.
    let (before, since) = match runtime.probe_override {
        Some(given) => given,
        None => (up.is_some_and(|up| up <= now), up.filter(|up| *up <= now).unwrap_or(now)),
    };
    runtime.probe_override = Some((passes, if before == passes { since } else { now }));
    let running = runtime.run_started.is_some() && pod.sidecar_failure_of(index).is_none();
    if running {
        let ready = !pod.sidecar_unready(index);
        runtime.readiness_flip = readiness_flip(api.world(), pod, index, &runtime, ready);
    }
    api.world.pod_mut(id).runtime.sidecars[position] = runtime;
    rearm(api, id);
}

/// When the back-offs of the pod's sidecars held in `CrashLoopBackOff` end.
pub(super) fn backoff_ends(pod: &Pod) -> impl Iterator<Item = SimTime> + '_ {
    (pod.status.sidecar_failures.iter().zip(&pod.runtime.sidecars))
        .filter(|(failure, _)| **failure == Some(InitFailure::CrashLoopBackOff))
        .filter_map(|(_, runtime)| runtime.backoff_until)
}

/// How the pod's running sidecars stop, the kill having begun at `began`
/// with `grace` and the regular containers gone at `regular_gone` (the
/// pod's end, if it has none running): when the last is gone, and each
/// one's exit code by its index among the init containers. A sidecar that
/// is down has nothing to wait for.
pub(super) fn stop(
    world: &crate::world::World,
    pod: &Pod,
    began: SimTime,
    grace: SimDuration,
    regular_gone: SimTime,
) -> (SimTime, Vec<(usize, u8)>) {
    let mut gone = regular_gone;
    let mut exits = Vec::new();
    let deadline = began + grace;
    for &index in pod.sidecars.iter().rev().filter(|i| pod.sidecar_running(**i)) {
        let init = &pod.init_containers[index];
        // Its preStop hook runs first, from the kill's start, cut short at
        // the grace period's end; its time is taken off the grace period.
        let hook = init.pre_stop.unwrap_or(SimDuration::ZERO).min(grace);
        let hooked = began + hook;
        // Then its turn: those before it have exited, or the grace period
        // ran out.
        let turn = gone.max(hooked).min(deadline);
        // The grace period is whole seconds, and the wait is taken off it
        // truncated to whole seconds.
        let waited = SimDuration::from_secs(turn.since(hooked).as_millis() / 1000);
        let spent = hook.as_millis() + waited.as_millis();
        let left =
            SimDuration::from_millis(grace.as_millis().saturating_sub(spent)).max(super::MINIMUM_KILL_GRACE);
        let image = world.image(&init.image);
        gone = turn + image.shutdown.min(left);
        let exit_code = if image.shutdown <= left { image.exit_code_on_sigterm } else { SIGKILL_EXIT_CODE };
        exits.push((index, exit_code));
    }
    (gone, exits)
}

/// The sidecars stopped at the pod's end have exited with `exits` (by
/// index among the init containers, as [`stop`] gives them).
pub(super) fn exited(api: &mut Api, id: PodId, exits: &[(usize, u8)]) {
    let inits = &mut api.world.pod_mut(id).status.inits;
    for &(index, exit_code) in exits {
        inits[index].exits.record(LastExit::exited(exit_code));
    }
}

/// The kubelet catches up on the pod (its machine is back, or reachable
/// again): the sidecars' steps too, if it has any.
pub(super) fn wake(api: &mut Api, id: PodId) {
    if !api.world().pod(id).sidecars.is_empty() {
        api.wake(EventKey::Sidecars(id));
    }
}

/// The sidecars stopped with the pod's containers (its termination, a
/// kill, the machine's crash): nothing more is due.
pub(super) fn stopped(api: &mut Api, id: PodId) {
    for sidecar in &mut api.world.pod_mut(id).runtime.sidecars {
        sidecar.due = None;
        sidecar.probe_kill = None;
        sidecar.holds_init = false;
        sidecar.readiness_flip = None;
        sidecar.run_started = None;
        sidecar.startup_passed = None;
    }
    api.cancel(EventKey::Sidecars(id));
}

/// A new sandbox (the machine rebooted): each sidecar starts again in its
/// turn, and the kubelet, started anew, has no back-off entries; one with
/// a readiness probe is not ready until it passes again.
pub(super) fn reset(api: &mut Api, id: PodId) {
    let count = api.world().pod(id).sidecars.len();
    for position in 0..count {
        let sidecar = &mut api.world.pod_mut(id).runtime.sidecars[position];
        *sidecar = SidecarRuntime {
            probe_override: sidecar.probe_override,
            liveness_failing_since: sidecar.liveness_failing_since,
            ..SidecarRuntime::default()
        };
        api.set_sidecar_failure(id, position, None);
        let pod = api.world().pod(id);
        if pod.init_containers[pod.sidecars[position]].readiness_probe.is_some() {
            api.set_sidecar_ready(id, position, false);
        }
    }
    api.cancel(EventKey::Sidecars(id));
}

/// Advances each of pod `id`'s started sidecars as far as the present
/// allows, and arms the next step.
pub fn step(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    if super::tends(api.world(), pod).is_none() {
        return;
    }
    for position in 0..pod.sidecars.len() {
        readiness(api, id, position);
        step_one(api, id, position);
    }
    rearm(api, id);
    super::worker_synced(api, id);
}

/// Arms the pod's sidecar timer at the earliest step due, if any.
fn rearm(api: &mut Api, id: PodId) {
    let sidecars = &api.world().pod(id).runtime.sidecars;
    match sidecars.iter().flat_map(|s| [s.due, s.readiness_flip.map(|(at, _)| at)]).flatten().min() {
        Some(at) => api.arm(EventKey::Sidecars(id), at),
        None => api.cancel(EventKey::Sidecars(id)),
    }
}

/// Sidecar `position`'s readiness probe's result has turned, if that is
/// due by now: the kubelet reports it (its prober does, whatever the pod
/// worker is busy with). The result holds from then on: nothing more turns
/// it in this run but a script.
fn readiness(api: &mut Api, id: PodId, position: usize) {
    let runtime = &mut api.world.pod_mut(id).runtime.sidecars[position];
    if let Some((at, ready)) = runtime.readiness_flip
        && at <= api.now
    {
        runtime.readiness_flip = None;
        api.set_sidecar_ready(id, position, ready);
    }
}

/// Sidecar `position`'s change that is due now, if one is.
fn step_one(api: &mut Api, id: PodId, position: usize) {
    let now = api.now;
    let pod = api.world().pod(id);
    let index = pod.sidecars[position];
    let runtime = pod.runtime.sidecars[position];
    let failure = pod.status.sidecar_failures[position];
    // Held by its back-off: until the pod worker's sync after its end,
    // which a sync for another container may have moved.
    let due = match (failure, runtime.backoff_until) {
        (Some(InitFailure::CrashLoopBackOff), Some(until)) => super::worker_sync(api, id, until),
        _ => match runtime.due {
            Some(due) => due,
            None => return,
        },
    };
    // The pod worker finds out only once the sync under way is over.
    let due = worker_busy_until(pod, now).map_or(due, |busy| busy.max(due));
    if now < due {
        api.world.pod_mut(id).runtime.sidecars[position].due = Some(due);
        return;
    }
    let container = ContainerRef::Init(index as u32);
    match failure {
        // Its startup probe failed: the kubelet kills it (recorded as the
        // kill begins), and it exits when the kill ends.
        None if runtime.probe_kill.is_some_and(|kill| !kill.begun || now < kill.exits) => {
            let mut kill = runtime.probe_kill.expect("a kill");
            if !kill.begun {
                kill.begun = true;
                let node = pod.node.expect("a started sidecar's pod is bound");
                let probe = kill.probe;
                api.record(crate::trace::Event::ContainerKilling {
                    pod: id,
                    node,
                    probe,
                    init: Some(index as u32),
                });
            }
            let sidecar = &mut api.world.pod_mut(id).runtime.sidecars[position];
            sidecar.probe_kill = Some(kill);
            if now < kill.exits {
                sidecar.due = Some(kill.exits);
                return;
            }
            step_one(api, id, position);
        }
        // It exits (its image crashed, or the kill for its startup probe
        // ended): the kubelet's look at it, at once, starts it again or
        // finds it held by its back-off.
        None => {
            let p = api.world.pod_mut(id);
            // A probe's kill is started again in the same sync, its back-off
            // judged by the run before (`backoff::killed`), as the first
            // container's is; a crash by its own exit.
            let entry = init_backoff(&mut p.runtime, index);
            let until = match runtime.probe_kill {
                Some(_) => backoff::killed(entry, now, runtime.exited_at),
                None => backoff::exited(entry, now),
            };
            let exit_code = runtime.probe_kill.map_or(crate::config::CRASH_EXIT_CODE, |kill| kill.exit_code);
            p.runtime.sidecars[position] = SidecarRuntime {
                due: Some(now),
                backoff_until: Some(until),
                probe_kill: None,
                holds_init: runtime.holds_init,
                exited_at: Some(now),
                probe_override: runtime.probe_override,
                liveness_failing_since: runtime.liveness_failing_since,
                ..SidecarRuntime::default()
            };
            p.status.inits[index].exits.record(LastExit::exited(exit_code));
            super::terminated(api, id, container, now);
            api.set_sidecar_failure(id, position, Some(InitFailure::Error));
        }
        // A first exit, or one after an expired back-off: started again at once.
        Some(InitFailure::Error) if runtime.backoff_until.is_some_and(|until| until <= now) => {
            restart(api, id, position);
        }
        Some(InitFailure::Error) => {
            let until = runtime.backoff_until.unwrap_or(now);
            super::held(api, id, container, until);
            api.set_sidecar_failure(id, position, Some(InitFailure::CrashLoopBackOff));
            let sync = super::worker_sync(api, id, until);
            api.world.pod_mut(id).runtime.sidecars[position].due = Some(sync);
        }
        Some(_) => {
            backoff::waited(init_backoff(&mut api.world.pod_mut(id).runtime, index), now);
            restart(api, id, position);
        }
    }
}

/// Until when the pod's worker is in a sync that waits for an image: the
/// runtime manager's `startContainer` waits for `EnsureImageExists`, so a
/// pull holds the whole `SyncPod` (the first container's, another's, or
/// the next init container's), and a sidecar's exit meanwhile is seen,
/// and acted on, only after it.
fn worker_busy_until(pod: &Pod, now: SimTime) -> Option<SimTime> {
    let runtime = &pod.runtime;
    let first = runtime.pull.map(|pull| pull.done);
    let others = runtime.extras.iter().filter_map(|extra| extra.pull.map(|pull| pull.done));
    let checks = first.into_iter().chain(runtime.init_starts_at).chain(others);
    checks.filter(|done| *done > now).max()
}

/// Sidecar `position`, which exited, starts again: a new container from the
/// image on the node, whose `restartCount` goes up. If the kubelet's walk
/// waits for it and this run's startup probe passes, the walk goes on to
/// the next init container then.
fn restart(api: &mut Api, id: PodId, position: usize) {
    let now = api.now;
    let p = api.world.pod_mut(id);
    let index = p.sidecars[position];
    p.status.inits[index].restarts += 1;
    let image = p.init_containers[index].image.clone();
    super::images::restart_finds_image(api, id, ContainerRef::Init(index as u32), &image);
    let before = api.world().pod(id).runtime.sidecars[position];
    let holds = before.holds_init;
    let (runtime, passes) = run(api.world(), api.world().pod(id), index, now, &before);
    let p = api.world.pod_mut(id);
    p.runtime.sidecars[position] =
        SidecarRuntime { holds_init: holds && passes.is_none(), exited_at: before.exited_at, ..runtime };
    // A new run is not ready until its readiness probe passes, if it has
    // one: the status that reports it running again says so.
    p.status.inits[index].unready = p.init_containers[index].readiness_probe.is_some();
    api.set_sidecar_failure(id, position, None);
    if let (true, Some(passed)) = (holds, passes) {
        api.world.pod_mut(id).runtime.init_next = Some((index + 1, passed));
        api.arm(EventKey::Kubelet(id), passed);
    }
}
