//! The pod garbage collector: force-deleting pods nobody else will finish.
//!
//! Owns two of the passes of `pkg/controller/podgc/gc_controller.go`, run
//! every `gcCheckPeriod` (20 s):
//!
//! - `gcOrphaned`: a pod bound to a node whose Node object no longer exists
//!   puts that node in quarantine for `quarantineTime` (40 s); if the node
//!   is still gone on the pass after that, its pods are marked Failed
//!   (`DisruptionTarget`, reason `DeletionByPodGC`) and deleted with grace
//!   0, which removes the objects without waiting for a kubelet.
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
pub fn work_queued(api: &mut Api) {
    let at = next_pass(api.now);
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
        .filter(|n| n.condition != ConditionStatus::True && n.has_taint(taints::OUT_OF_SERVICE))
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
    if let Some(next) = api.world.gc_quarantine.values().min().copied() {
        api.wake_at(EventKey::PodGc, next_pass(next));
    }
}
