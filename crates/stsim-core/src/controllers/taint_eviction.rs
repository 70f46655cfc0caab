//! The taint eviction controller (the "taint manager"): NoExecute taints
//! evict pods that do not tolerate them.
//!
//! Owns what `pkg/controller/tainteviction/taint_eviction.go` does when a
//! node's NoExecute taints change: for each pod on the node, every such
//! taint must be tolerated or the pod is deleted now; if all are tolerated,
//! the pod is deleted once the shortest `tolerationSeconds` of the
//! tolerations used has passed since the controller saw the taints
//! (`processPodOnNode`, `getMinTolerationTime`); a toleration without
//! seconds tolerates forever. Removing the taints cancels the pending
//! deletions. The deletion is an ordinary graceful DELETE with the
//! `DisruptionTarget` condition, reason `DeletionByTaintManager`: on a node
//! whose kubelet cannot answer, the pod then stays Terminating.
//!
//! Does not add taints (the node lifecycle controller and people do).

use crate::api::Api;
use crate::config::TaintEffect;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::SimDuration;

/// A taint was added to or removed from `node`: a NoExecute one changes
/// what its pods tolerate (the controller's node informer).
pub fn node_tainted(api: &mut Api, node: NodeId, taint: &crate::config::Taint) {
    if taint.effect == TaintEffect::NoExecute {
        api.wake(EventKey::TaintEvictionNode(node));
    }
}

/// A pod was bound to a node with NoExecute taints: the controller's pod
/// informer sees a pod it must time.
pub fn pod_bound(api: &mut Api, pod: PodId) {
    let Some(node) = api.world.pod(pod).node else { return };
    if api.world.node(node).taints.iter().any(|t| t.taint.effect == TaintEffect::NoExecute) {
        api.wake(EventKey::TaintEvictionNode(node));
    }
}

/// A node's NoExecute taints changed: look at every pod on it.
pub fn node_changed(api: &mut Api, node: NodeId) {
    let pods: Vec<PodId> = api.world.node(node).pods.iter().copied().collect();
    for pod in pods {
        process_pod(api, pod, node);
    }
}

/// `processPodOnNode`.
fn process_pod(api: &mut Api, pod: PodId, node: NodeId) {
    let n = api.world.node(node);
    let taints: Vec<&crate::config::Taint> =
        n.taints.iter().map(|t| &t.taint).filter(|t| t.effect == TaintEffect::NoExecute).collect();
    if taints.is_empty() {
        cancel(api, pod);
        return;
    }
    let p = api.world.pod(pod);
    // GetMatchingTolerations: the first toleration of each taint, or none if one is not tolerated.
    let mut used = Vec::new();
    let mut untolerated = None;
    for taint in &taints {
        match p.tolerations.iter().find(|t| t.tolerates(taint)) {
            Some(toleration) => used.push(toleration),
            None => {
                untolerated = Some((*taint).clone());
                break;
            }
        }
    }
    if let Some(taint) = untolerated {
        cancel(api, pod);
        evict(api, pod, format!("it does not tolerate the taint {taint}"));
        return;
    }
    // getMinTolerationTime: the smallest tolerationSeconds; none set is forever.
    let seconds = used.iter().filter_map(|t| t.toleration_seconds).min();
    let Some(seconds) = seconds else {
        cancel(api, pod);
        return;
    };
    let taint = taints.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    let now = api.now;
    let delay = SimDuration::from_secs(seconds);
    let p = api.world.pod_mut(pod);
    // An eviction already scheduled keeps its start time.
    let created = p.waits.taint_eviction.as_ref().map_or(now, |(created, _, _)| *created);
    let due = created + delay;
    p.waits.taint_eviction = Some((created, due, format!("it tolerates {taint} for {seconds}s")));
    api.wake_at(EventKey::TaintEvictionPod(pod), due);
}

fn cancel(api: &mut Api, pod: PodId) {
    api.world.pod_mut(pod).waits.taint_eviction = None;
    api.cancel(EventKey::TaintEvictionPod(pod));
}

/// A scheduled eviction is due.
pub fn eviction_due(api: &mut Api, pod: PodId) {
    let p = api.world.pod(pod);
    let Some((_, due, why)) = p.waits.taint_eviction.clone() else { return };
    if !p.exists() || api.now < due {
        return;
    }
    api.world.pod_mut(pod).waits.taint_eviction = None;
    evict(api, pod, why);
}

fn evict(api: &mut Api, pod: PodId, why: String) {
    let p = api.world.pod(pod);
    if !p.exists() || p.is_terminating() {
        return;
    }
    let node = p.node.map(|n| api.world.node(n).name.clone()).unwrap_or_default();
    api.evict_pod(
        pod,
        "DeletionByTaintManager",
        "Taint manager: deleting due to NoExecute taint".to_string(),
        format!("the taint eviction controller, because {node} has a NoExecute taint and {why}"),
    );
}
