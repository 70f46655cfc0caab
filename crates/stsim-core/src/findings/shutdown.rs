//! Findings about how pods stopped: containers the kubelet killed at the
//! end of their grace period.
//!
//! Owns the explanation of a container that did not finish its shutdown:
//! when a pod stops (a deletion, a drain, an eviction, its node's graceful
//! shutdown), the kubelet runs each container's preStop hook, sends
//! SIGTERM and waits out the grace period; a container still running then
//! gets SIGKILL and exits 137 (`killContainer`, pkg/kubelet/kuberuntime). A
//! sidecar is stopped only after the regular containers have exited, with
//! what is left of the grace period. Reads every pod object of the run,
//! those since removed too; changes nothing.

use super::Finding;
use crate::objects::*;
use crate::world::World;
use std::collections::BTreeMap;

/// One finding per pod name whose stops killed a container: when the first
/// such stop began, how many there were, and the last one's pod.
pub fn killed(world: &World) -> Vec<Finding> {
    let mut seen: BTreeMap<&str, (crate::time::SimTime, u32, PodId)> = BTreeMap::new();
    for pod in world.pods.iter().filter(|pod| !killed_containers(world, pod).is_empty()) {
        let began = pod.runtime.term_started_at.or(pod.deletion_timestamp).or(pod.removed_at);
        let began = began.or(pod.status.finished_at).unwrap_or(pod.created_at);
        let entry = seen.entry(pod.name.as_str()).or_insert((began, 0, pod.id));
        entry.1 += 1;
        entry.2 = pod.id;
    }
    seen.into_iter().map(|(name, (since, count, id))| finding(world, name, since, count, id)).collect()
}

/// The containers of `pod` that SIGKILL ended when it stopped, by name, with
/// how long each one's image takes to exit after SIGTERM and whether it is a
/// sidecar. An image whose own exit code on SIGTERM is 137 is not told
/// apart from a kill, so it is left out.
fn killed_containers<'w>(world: &'w World, pod: &'w Pod) -> Vec<(&'w str, &'w str, bool)> {
    if pod.rejected_at_admission() {
        return Vec::new();
    }
    let killed = |image: &str, state: ContainerState| {
        state == ContainerState::Terminated { exit_code: SIGKILL_EXIT_CODE }
            && world.image(image).exit_code_on_sigterm != SIGKILL_EXIT_CODE
    };
    let mut out = Vec::new();
    if killed(&pod.image, pod.status.container) {
        out.push((pod.container_name(), pod.image.as_str(), false));
    }
    for (extra, status) in pod.extra_containers.iter().zip(&pod.status.extras) {
        if killed(&extra.image, status.state) {
            out.push((extra.name.as_str(), extra.image.as_str(), false));
        }
    }
    // A sidecar's exit at the pod's end is its latest; a crash's code is 1.
    // (Sidecars are 1.29's: its kubelet gives every pod it stops a terminal
    // phase.)
    for &index in pod.sidecars.iter().filter(|_| pod.stopped_by_kubelet()) {
        let init = &pod.init_containers[index];
        let exit = pod.status.inits.get(index).and_then(|status| status.exits.latest());
        if exit.is_some_and(|exit| !exit.unknown && exit.exit_code == SIGKILL_EXIT_CODE)
            && world.image(&init.image).exit_code_on_sigterm != SIGKILL_EXIT_CODE
        {
            out.push((init.name.as_str(), init.image.as_str(), true));
        }
    }
    out
}

fn finding(world: &World, name: &str, since: crate::time::SimTime, count: u32, id: PodId) -> Finding {
    let pod = world.pod(id);
    let killed = killed_containers(world, pod);
    // A delete may give its own grace period (`--grace-period`).
    let grace = pod.deletion_grace.unwrap_or(pod.termination_grace_period);
    let listed: Vec<String> = (killed.iter())
        .map(|(container, image, sidecar)| {
            let what = if *sidecar { "sidecar" } else { "container" };
            format!(
                "{what} {container} (image {image}, {} to exit after SIGTERM)",
                world.image(image).shutdown
            )
        })
        .collect();
    let hook = pod.pre_stop.map(|sleep| format!(", after its preStop hook's {sleep}")).unwrap_or_default();
    let sidecars = if killed.iter().any(|(.., sidecar)| *sidecar) {
        " A sidecar is stopped only after every regular container has exited (and the sidecars after it, the \
         last first), with the whole seconds of the grace period left, at least 2 s: a slow application leaves \
         its sidecars little or nothing."
    } else {
        ""
    };
    let times = if count == 1 { String::new() } else { format!(" ({count} times)") };
    Finding {
        id: "killed-at-grace-end",
        subject: format!("pod/{name}"),
        since_ms: since.as_millis(),
        summary: format!(
            "{name}: the kubelet killed {} at the end of the grace period{times}",
            killed.iter().map(|(container, ..)| *container).collect::<Vec<_>>().join(", ")
        ),
        explanation: format!(
            "When a pod stops (a deletion, a drain, an eviction, its node's graceful shutdown), the kubelet sends \
             SIGTERM{hook} and waits out the grace period ({grace}: the delete's, else terminationGracePeriodSeconds, or the \
             pod's share of the node's shutdownGracePeriod when that is shorter); a container still running then gets \
             SIGKILL and exits 137. {name}'s {} did not exit in time.{sidecars} A process killed this way does \
             not finish its shutdown: what it had not flushed is lost, and a database starts with crash recovery.",
            listed.join("; ")
        ),
        fix: "Raise terminationGracePeriodSeconds above the slowest stop: each container's preStop hook and shutdown, \
              and for the sidecars the regular containers' shutdown before their own; or make the application \
              stop faster on SIGTERM."
            .to_string(),
    }
}
