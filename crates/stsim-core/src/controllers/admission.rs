//! The kubelet's admission of a pod bound to its node: whether the node can
//! take it, judged by the kubelet alone, before anything of the pod starts.
//!
//! Owns the rule of the predicate admit handler
//! (pkg/kubelet/lifecycle/predicate.go, `Admit` and `generalFilter`): the
//! scheduler's `AdmissionCheck` run against the pods the kubelet has already
//! admitted and that have not finished: NodeResourcesFit (pods, then CPU,
//! then memory), NodeAffinity (`nodeSelector` and required node affinity),
//! NodePorts (host ports by protocol); then the node's `NoExecute` taints
//! the pod does not tolerate; then a node shutdown in progress. The first failure is the verdict: an
//! insufficient resource reads `OutOf<resource>` with
//! `Node didn't have enough resource: ...`, any other predicate its plugin
//! name with `Predicate <name> failed`.
//!
//! A pod the scheduler placed passes: the scheduler checked the same things
//! against a view that counts at least as many pods. A pod whose
//! `spec.nodeName` was written by its creator never met the scheduler, and
//! may not. Does not own what follows a rejection (the kubelet's status
//! write, the controllers' reaction) nor the timing of it.

use crate::config::TaintEffect;
use crate::objects::*;
use crate::time::SimDuration;
use crate::world::World;

/// How long after the pod is bound its rejection reaches the API server:
/// the kubelet's watch delivering the pod, the pod worker's admission and
/// the status manager's patch. Kubernetes sets no number for this round
/// trip; a second is the order seen in clusters, and it keeps a controller
/// that re-creates a rejected pod at once from looping in no time.
pub const STATUS_WRITE_DELAY: SimDuration = SimDuration::from_secs(1);

/// The admit handler's verdict on `pod` for `node`: `Err((reason, message))`
/// when the kubelet rejects it.
pub fn admit(world: &World, pod: &Pod, node: &Node) -> Result<(), (&'static str, String)> {
    // `OtherPods`: the kubelet's active pods, those it admitted and that
    // have not finished (pkg/kubelet/kubelet.go, `filterOutInactivePods`).
    let others: Vec<&Pod> = node
        .pods
        .iter()
        .map(|id| world.pod(*id))
        .filter(|p| p.id != pod.id && p.exists() && !p.is_terminal())
        .filter(|p| p.status.container != ContainerState::Unscheduled)
        .collect();
    let short = |resource: &str, requested: u64, used: u64, capacity: u64| {
        let message = format!(
            "Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, capacity: {capacity}"
        );
        Err((resource_reason(resource), message))
    };
    // NodeResourcesFit (`noderesources.Fits`): pods, cpu, memory, in order.
    let count = others.len() as u64;
    if count + 1 > u64::from(node.max_pods) {
        return short("pods", 1, count, u64::from(node.max_pods));
    }
    let cpu: u64 = others.iter().map(|p| p.requests.cpu_millis).fold(0, u64::saturating_add);
    let want = pod.requests.cpu_millis;
    if want > 0 && want > node.allocatable.cpu_millis.saturating_sub(cpu) {
        return short("cpu", want, cpu, node.allocatable.cpu_millis);
    }
    let memory: u64 = others.iter().map(|p| p.requests.memory_bytes).fold(0, u64::saturating_add);
    let want = pod.requests.memory_bytes;
    if want > 0 && want > node.allocatable.memory_bytes.saturating_sub(memory) {
        return short("memory", want, memory, node.allocatable.memory_bytes);
    }
    let predicate = |name: &'static str| Err((name, format!("Predicate {name} failed")));
    if !super::scheduler::node_affinity_matches(pod, node) {
        return predicate("NodeAffinity");
    }
    let taken = pod.host_ports.iter().any(|port| others.iter().any(|p| p.host_ports.contains(port)));
    if taken {
        return predicate("NodePorts");
    }
    // The kubelet looks only at NoExecute taints.
    let untolerated = node.taints.iter().map(|t| &t.taint).any(|taint| {
        taint.effect == TaintEffect::NoExecute && !pod.tolerations.iter().any(|t| t.tolerates(taint))
    });
    if untolerated {
        return predicate("TaintToleration");
    }
    // The node shutdown manager's admit handler, after the predicates:
    // nothing new starts on a node that is shutting down
    // (pkg/kubelet/nodeshutdown, `Admit`).
    if node.shutting_down.is_some() {
        return Err(("NodeShutdown", "Pod was rejected as the node is shutting down.".to_string()));
    }
    Ok(())
}

/// `OutOf<resource>`, the reason the kubelet gives an insufficient resource.
fn resource_reason(resource: &str) -> &'static str {
    match resource {
        "pods" => "OutOfpods",
        "cpu" => "OutOfcpu",
        _ => "OutOfmemory",
    }
}
