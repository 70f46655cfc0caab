//! The pod garbage collector: force-deleting pods nobody else will finish.
//!
//! Owns two of the passes of `pkg/controller/podgc/gc_controller.go`, run
//! every `gcCheckPeriod` (20 s):
//!
//! - `gcOrphaned`: a pod whose `spec.nodeName` names no Node (its node was
//!   deleted, or never existed: a `nodeName` written by hand) puts that name
//!   in quarantine for `quarantineTime` (40 s), during which the Node may
//!   appear; if it is still missing on the pass after that, its pods are
//!   marked Failed (`DisruptionTarget`, reason `DeletionByPodGC`) and
//!   deleted with grace 0, which removes the objects without waiting for a
//!   kubelet. A StatefulSet then makes the pod again with the same
//!   `nodeName`, and the pass deletes it again: a loop at about the
//!   quarantine plus a pass (a pod created now is first seen by the next
//!   pass after this instant).
//! - `gcTerminating`: a terminating pod on a node that is not Ready and has
//!   the `node.kubernetes.io/out-of-service` taint is force-deleted the same
//!   way (non-graceful node shutdown, GA in 1.28).
//!
//! The pass only runs while there is something for it to find, on the same
//! 20 s grid as the real loop.

use crate::api::Api;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// `gcCheckPeriod`.
pub const GC_CHECK_PERIOD: SimDuration = SimDuration::from_secs(20);
/// `quarantineTime`.
pub const QUARANTINE: SimDuration = SimDuration::from_secs(40);

/// The first pass at or after `now`.
pub fn next_pass(now: SimTime) -> SimTime {
    let period = GC_CHECK_PERIOD.as_millis();
    SimTime::from_millis(now.as_millis().div_ceil(period) * period)
}

/// Something for a pass to find: wake the next pass on the 20 s grid.
/// The real controller lists every pod and node each period; the model
/// runs a pass only when one may act, on the same grid.
fn work_queued(api: &mut Api) {
    let at = next_pass(api.now);
    api.wake_at(EventKey::PodGc, at);
}

/// A node with the out-of-service taint: its terminating pods are the
/// first pass's (`gcTerminating`).
fn out_of_service(api: &Api, node: NodeId) -> bool {
    api.world.node(node).has_taint(taints::OUT_OF_SERVICE)
}

/// A pod began terminating: on an out-of-service node, a pass deletes it.
pub fn pod_terminating(api: &mut Api, pod: PodId) {
    if let Some(node) = api.world.pod(pod).node
        && out_of_service(api, node)
    {
        work_queued(api);
    }
}

/// A pod was bound: to a deleted Node (created with its `nodeName`), the
/// orphan pass deletes it (`gcOrphaned`).
pub fn pod_bound(api: &mut Api, pod: PodId) {
    if let Some(node) = api.world.pod(pod).node
        && !api.world.node(node).exists()
    {
        work_queued(api);
    }
}

/// A Node was deleted: the orphan pass deletes its pods.
pub fn node_removed(api: &mut Api, node: NodeId) {
    if !api.world.node(node).pods.is_empty() {
        work_queued(api);
    }
}

/// A node's Ready condition changed: on an out-of-service node it may now
/// be not Ready, which `gcTerminating` asks.
pub fn node_condition_changed(api: &mut Api, node: NodeId) {
    if out_of_service(api, node) {
        work_queued(api);
    }
}

/// A node was tainted out of service: its terminating pods are a pass's.
pub fn node_tainted(api: &mut Api, taint: &crate::config::Taint) {
    if taint.key == taints::OUT_OF_SERVICE {
        work_queued(api);
    }
}

/// A pod was created with a `nodeName` no Node has: the first pass after
/// this instant lists it (a pass running now has listed the pods already).
pub fn pod_on_unknown_node(api: &mut Api) {
    let at = next_pass(api.now + SimDuration::from_millis(1));
    api.wake_at(EventKey::PodGc, at);
}

/// One pass.
pub fn gc(api: &mut Api) {
    gc_terminating(api);
    gc_orphaned(api);
}

fn gc_terminating(api: &mut Api) {
    let doomed: Vec<(PodId, String)> = api
        .world
        .live_nodes()
        .filter(|n| {
            // `gcTerminating` runs only with `NodeOutOfServiceVolumeDetach` (`gc`).
            api.world.features.node_out_of_service_volume_detach
                && n.condition != ConditionStatus::True
                && n.has_taint(taints::OUT_OF_SERVICE)
        })
        .flat_map(|n| {
            n.pods
                .iter()
                .filter(|p| {
                    let pod = api.world.pod(**p);
                    pod.is_terminating() && !pod.is_terminal()
                })
                .map(move |p| (*p, n.name.clone()))
        })
        .collect();
    for (pod, node) in doomed {
        api.gc_pod(
            pod,
            "PodGC: node is out of service".to_string(),
            format!(
                "the pod garbage collector, because {node} is not Ready and has the out-of-service taint"
            ),
        );
    }
}

fn gc_orphaned(api: &mut Api) {
    let now = api.now;
    let missing: Vec<NodeId> =
        api.world.nodes.iter().filter(|n| !n.exists() && !n.pods.is_empty()).map(|n| n.id).collect();
    for node in &missing {
        // nodeQueue.AddAfter(node, quarantineTime): the earliest time is kept.
        api.world.gc_quarantine.entry(*node).or_insert(now + QUARANTINE);
    }
    let due: Vec<NodeId> =
        api.world.gc_quarantine.iter().filter(|(_, until)| **until <= now).map(|(node, _)| *node).collect();
    for node in due {
        api.world.gc_quarantine.remove(&node);
        if api.world.node(node).exists() {
            continue;
        }
        let name = api.world.node(node).name.clone();
        let pods: Vec<PodId> = api.world.node(node).pods.iter().copied().collect();
        for pod in pods {
            api.gc_pod(
                pod,
                "PodGC: node no longer exists".to_string(),
                format!("the pod garbage collector, because the Node object {name} was deleted"),
            );
        }
    }
    gc_unknown_names(api);
    let next = api.world.gc_quarantine.values().chain(api.world.gc_quarantine_names.values()).min().copied();
    if let Some(next) = next {
        api.wake_at(EventKey::PodGc, next_pass(next));
    }
}

/// `gcOrphaned` for pods never bound: their `nodeName` is a name no Node
/// object has (the API server accepts any; pkg/controller/podgc
/// `gcOrphaned` checks every pod's `spec.nodeName` against the Node list).
fn gc_unknown_names(api: &mut Api) {
    let now = api.now;
    let mut waiting: BTreeMap<String, Vec<PodId>> = BTreeMap::new();
    let listed: Vec<PodId> = api.world.pods_on_unknown_nodes.iter().copied().collect();
    for pod in listed {
        let p = api.world.pod(pod);
        match (&p.node_name, p.exists() && p.node.is_none()) {
            (Some(name), true) => waiting.entry(name.clone()).or_default().push(pod),
            _ => {
                api.world.pods_on_unknown_nodes.remove(&pod);
            }
        }
    }
    let missing = |api: &Api, name: &str| !api.world.live_nodes().any(|n| n.name == name);
    for name in waiting.keys() {
        if missing(api, name) {
            // nodeQueue.AddAfter(name, quarantineTime): the earliest time is kept.
            api.world.gc_quarantine_names.entry(name.clone()).or_insert(now + QUARANTINE);
        }
    }
    let due: Vec<String> = api
        .world
        .gc_quarantine_names
        .iter()
        .filter(|(_, until)| **until <= now)
        .map(|(name, _)| name.clone())
        .collect();
    for name in due {
        api.world.gc_quarantine_names.remove(&name);
        if !missing(api, &name) {
            continue;
        }
        for pod in waiting.remove(&name).unwrap_or_default() {
            api.world.pods_on_unknown_nodes.remove(&pod);
            api.gc_pod(
                pod,
                "PodGC: node no longer exists".to_string(),
                format!("the pod garbage collector, because its spec.nodeName {name} names no Node"),
            );
        }
    }
}
