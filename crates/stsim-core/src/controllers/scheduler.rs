//! The scheduler: which node a pod runs on, or why none will do.
//!
//! Owns a filter-then-score model of kube-scheduler. A pod's claims are
//! checked first (a missing claim, or an unbound claim of an `Immediate`
//! class, stops it before any node is looked at); then each node is
//! filtered (cordoned, pod count, CPU and memory requests, the zone of a
//! bound zonal volume) and the survivors are scored by how much they would
//! have left (LeastAllocated), ties broken by the seeded `scheduler`
//! stream. A pod that fits nowhere stays Pending with kube-scheduler's own
//! message, and is tried again when room or volumes appear.
//!
//! For a `WaitForFirstConsumer` claim the scheduler records its choice on
//! the claim and waits, with the node reserved, until the volume is
//! provisioned there; then it binds. Does not own provisioning.

use crate::api::Api;
use crate::config::VolumeBindingMode;
use crate::objects::*;
use crate::rng::RngExt;
use std::collections::BTreeMap;

/// Node filters' reasons, in kube-scheduler's words.
mod reason {
    pub const UNSCHEDULABLE: &str = "node(s) were unschedulable";
    pub const NOT_READY: &str = "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
    pub const TOO_MANY_PODS: &str = "Too many pods";
    pub const CPU: &str = "Insufficient cpu";
    pub const MEMORY: &str = "Insufficient memory";
    pub const VOLUME_AFFINITY: &str = "node(s) had volume node affinity conflict";
}

/// Tries to place pod `id`.
pub fn schedule(api: &mut Api, id: PodId) {
    let pod = api.world().pod(id);
    if !pod.exists() || pod.node.is_some() || pod.is_terminating() {
        return;
    }
    if pod.assumed_node.is_some() {
        // Waiting in PreBind for WaitForFirstConsumer volumes.
        if claims_bound(api, pod) {
            api.bind_pod(id);
        }
        return;
    }
    let world = api.world();
    let total = world.nodes.len();

    // PreFilter: the pod's claims must exist, and Immediate ones be bound.
    let mut volume_zones: Vec<&str> = Vec::new();
    for claim in &pod.claims {
        let Some(pvc) = world.pvc_named(claim) else {
            let message =
                format!("0/{total} nodes are available: persistentvolumeclaim \"{claim}\" not found.");
            api.mark_unschedulable(id, message);
            return;
        };
        let pvc = world.pvc(pvc);
        if pvc.deletion_timestamp.is_some() {
            let message =
                format!("0/{total} nodes are available: persistentvolumeclaim \"{claim}\" is being deleted.");
            api.mark_unschedulable(id, message);
            return;
        }
        match pvc.volume {
            Some(pv) => volume_zones.extend(world.pv(pv).zone.as_deref()),
            None => {
                let delayed = pvc
                    .storage_class
                    .is_some_and(|c| world.class(c).binding_mode == VolumeBindingMode::WaitForFirstConsumer);
                if !delayed {
                    let message = format!(
                        "0/{total} nodes are available: pod has unbound immediate PersistentVolumeClaims."
                    );
                    api.mark_unschedulable(id, message);
                    return;
                }
            }
        }
    }

    // Filter.
    let mut reasons: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut feasible: Vec<(NodeId, u64)> = Vec::new();
    for node in &world.nodes {
        let mut fits = true;
        let mut reject = |why: &'static str| {
            *reasons.entry(why).or_default() += 1;
            fits = false;
        };
        if !node.ready {
            reject(reason::NOT_READY);
        } else if node.unschedulable {
            reject(reason::UNSCHEDULABLE);
        } else {
            if node.pod_count >= node.max_pods {
                reject(reason::TOO_MANY_PODS);
            }
            if node.requested.cpu_millis + pod.requests.cpu_millis > node.allocatable.cpu_millis {
                reject(reason::CPU);
            }
            if node.requested.memory_bytes + pod.requests.memory_bytes > node.allocatable.memory_bytes {
                reject(reason::MEMORY);
            }
            if volume_zones.iter().any(|zone| *zone != node.zone) {
                reject(reason::VOLUME_AFFINITY);
            }
        }
        if fits {
            feasible.push((node.id, least_allocated_score(node, pod)));
        }
    }
    if feasible.is_empty() {
        // FitError: "0/N nodes are available: " and the sorted reason histogram.
        let mut parts: Vec<String> = reasons.iter().map(|(why, count)| format!("{count} {why}")).collect();
        parts.sort();
        let message = format!("0/{total} nodes are available: {}.", parts.join(", "));
        api.mark_unschedulable(id, message);
        return;
    }

    // Score, then pick among the best at random (selectHost's reservoir sampling).
    let best = feasible.iter().map(|(_, score)| *score).max().expect("feasible is not empty");
    let ties: Vec<NodeId> = feasible.iter().filter(|(_, s)| *s == best).map(|(n, _)| *n).collect();
    let chosen = ties[api.streams.scheduler.random_range(0..ties.len())];

    api.assume_pod(id, chosen);
    let pod = api.world().pod(id);
    let unbound: Vec<PvcId> = pod
        .claims
        .iter()
        .filter_map(|claim| api.world().pvc_named(claim))
        .filter(|pvc| api.world().pvc(*pvc).volume.is_none())
        .collect();
    if unbound.is_empty() {
        api.bind_pod(id);
        return;
    }
    for pvc in unbound {
        api.select_node_for_claim(pvc, chosen);
    }
}

fn claims_bound(api: &Api, pod: &Pod) -> bool {
    pod.claims
        .iter()
        .all(|claim| api.world().pvc_named(claim).is_some_and(|pvc| api.world().pvc(pvc).volume.is_some()))
}

/// LeastAllocated: the mean share of CPU and memory left after placing the
/// pod, 0 to 100 (`noderesources/least_allocated.go`).
fn least_allocated_score(node: &Node, pod: &Pod) -> u64 {
    let share_left = |allocatable: u64, requested: u64| {
        if allocatable == 0 {
            return 0;
        }
        allocatable.saturating_sub(requested) * 100 / allocatable
    };
    let cpu = share_left(node.allocatable.cpu_millis, node.requested.cpu_millis + pod.requests.cpu_millis);
    let memory =
        share_left(node.allocatable.memory_bytes, node.requested.memory_bytes + pod.requests.memory_bytes);
    (cpu + memory) / 2
}
