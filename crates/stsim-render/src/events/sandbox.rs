//! The kubelet's `FailedCreatePodSandBox`, said at each sync of a pod whose
//! sandbox it cannot make.
//!
//! A sandbox whose config cannot be generated (an FQDN too long for the
//! kernel's hostname, `kubelet::sandbox_hostname` in the core) fails the
//! pod's sync before any container, with the Warning `FailedCreatePodSandBox`
//! "Failed to create pod sandbox: <error>" (pkg/kubelet/kuberuntime
//! `SyncPod`). The pod worker syncs the pod again after `backOffPeriod`
//! (10 s, jittered by half: `pod_worker::RETRY`), and each sync fails the
//! same way, as the pod's spec cannot change: the event is said at the
//! trace's `PodSandboxFailed` record and at every retry after it, on the
//! pod worker's seeded stream, until the pod is being deleted or the run
//! ends. A kubelet whose machine is down says nothing; its retries resume
//! with it. Past [`LISTED`] retries the rest are counted into one event at
//! the last of them (`K8sEvent::also`), as `sync_retries` does.

use super::{Involved, K8sEvent, Source};
use stsim_core::controllers::kubelet::pod_worker::{RETRY, Retries};
use stsim_core::objects::{Machine, NodeId, PodId};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// The retries listed one by one (about forty minutes of them).
const LISTED: u32 = 200;

/// Every `FailedCreatePodSandBox` of the run, in time order.
pub(super) fn failures(sim: &Simulation) -> Vec<K8sEvent> {
    let world = &sim.world;
    // Each node's machine states as the trace changes them, and when each
    // pod's deletion began: the retries stop there.
    let mut machines: Vec<Vec<(SimTime, Machine)>> = vec![Vec::new(); world.nodes.len()];
    let mut deleting: Vec<Option<SimTime>> = vec![None; world.pods.len()];
    let mut refused: Vec<(SimTime, PodId, &str)> = Vec::new();
    for record in &sim.trace.records {
        match &record.event {
            Event::NodeMachine { node, state } => machines[node.index()].push((record.at, *state)),
            Event::PodDeleting { pod, .. } | Event::PodRemoved { pod, .. } => {
                deleting[pod.index()].get_or_insert(record.at);
            }
            Event::PodSandboxFailed { pod, message } => refused.push((record.at, *pod, message.as_str())),
            _ => {}
        }
    }
    let running = |node: NodeId, at: SimTime| {
        let states = &machines[node.index()];
        let before = states.partition_point(|(t, _)| *t <= at);
        before == 0 || states[before - 1].1 == Machine::Running
    };
    let end = sim.now();
    let mut out = Vec::new();
    for (from, pod, message) in refused {
        let p = world.pod(pod);
        let Some(node) = p.node else { continue };
        let event = K8sEvent {
            at_ms: from.as_millis(),
            source: Source::kubelet_of(p),
            warning: true,
            reason: "FailedCreatePodSandBox",
            involved: Involved::pod(p, None),
            message: format!("Failed to create pod sandbox: {message}").into(),
            also: 0,
        };
        let stop = deleting[pod.index()].map_or(end, |at| at.min(end));
        let mut retries = Retries::after(sim.config.seed, p.uid, from);
        let (mut said, mut held) = (0u32, None::<(u64, u32)>);
        out.push(event.clone());
        loop {
            let at = retries.next(RETRY);
            if at > stop || (at == stop && stop != end) {
                break;
            }
            if !running(node, at) {
                continue;
            }
            said += 1;
            match said <= LISTED {
                true => out.push(K8sEvent { at_ms: at.as_millis(), ..event.clone() }),
                false => held = Some((at.as_millis(), held.map_or(0, |(_, n)| n) + 1)),
            }
        }
        if let Some((at_ms, count)) = held {
            out.push(K8sEvent { at_ms, also: count - 1, ..event });
        }
    }
    out.sort_by_key(|e| e.at_ms);
    out
}
