//! The API server's writes for nodes, volume attachments, evictions and
//! the container processes behind pods, and the `Change`s they report
//! (some node-side work is still queued here directly: see `api`).
//!
//! Owns what changes when a Node object or its taints, condition or
//! `spec.unschedulable` change, when a machine crashes, is cut off or comes
//! back (recorded for the report, though no API object holds it), when a
//! VolumeAttachment moves, when a pod is evicted or garbage-collected, and
//! when a container process starts or stops on its machine. That last one
//! keeps the modelled-world invariant "at most one running pod per
//! StatefulSet identity" under continuous watch: the moment a second copy
//! runs, the trace says so and the world keeps the violation for the report.
//!
//! Like the rest of `api`, decides nothing on its own.

use super::{Api, Change};
use crate::config::{Taint, TaintEffect, Toleration, TolerationOperator};
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::trace::Event;
use crate::world::IdentityViolation;

/// The DefaultTolerationSeconds admission plugin: a pod that tolerates
/// neither `not-ready` nor `unreachable` NoExecute taints gets tolerations
/// for both, for `default` (300 s unless the API server is told otherwise).
/// A toleration with an empty key (tolerate everything) counts as one.
/// (`plugin/pkg/admission/defaulttolerationseconds/admission.go`.)
pub fn with_default_tolerations(mut tolerations: Vec<Toleration>, default: SimDuration) -> Vec<Toleration> {
    let covers = |key: &str| {
        tolerations.iter().any(|t| {
            (t.key == key || t.key.is_empty()) && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        })
    };
    let missing: Vec<&str> =
        [taints::NOT_READY, taints::UNREACHABLE].into_iter().filter(|key| !covers(key)).collect();
    for key in missing {
        tolerations.push(Toleration {
            key: key.to_string(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(default.as_millis() / 1000),
        });
    }
    tolerations
}

/// The taint an operator adds to a node confirmed shut down.
pub fn out_of_service_taint() -> Taint {
    Taint {
        key: taints::OUT_OF_SERVICE.to_string(),
        value: "nodeshutdown".to_string(),
        effect: TaintEffect::NoExecute,
    }
}

impl Api<'_> {
    // ----- nodes ------------------------------------------------------------

    /// A node joins (the kubelet registers it): Ready, heartbeating.
    pub fn add_node(
        &mut self,
        name: &str,
        zone: &str,
        rack: Option<u32>,
        pool_index: usize,
        pool: &crate::config::NodePoolConfig,
    ) -> NodeId {
        let now = self.now;
        let id = self.world.add_node(name, zone, rack, pool);
        let node = self.world.node_mut(id);
        node.pool = pool_index;
        node.created_at = now;
        node.condition_since = now;
        node.machine_since = now;
        node.heartbeat_anchor = now;
        for taint in &mut node.taints {
            taint.added_at = now;
        }
        self.node_created(id);
        id
    }

    /// The kubelet of a machine that started again finds its Node deleted
    /// and registers it anew: `registerWithAPIServer` runs at every
    /// kubelet start, until it has created its Node once
    /// (`registrationCompleted`, pkg/kubelet/kubelet_node_status.go), so a
    /// kubelet that only lost the control plane for a while does not.
    /// The new object is made from the kubelet's flags (the pool's labels
    /// and `--register-with-taints`), Ready, schedulable; it has a new uid
    /// and a new age. Its first try comes 100 ms after the kubelet starts;
    /// stsim registers at the start. The node keeps its pod CIDR (node
    /// IPAM's choice of a range for the new object is not modelled).
    pub fn register_node(&mut self, node: NodeId, pool: &crate::config::NodePoolConfig) {
        self.world.reregister_node(node, self.now, pool);
        self.node_created(node);
    }

    /// A Node object was created: reported, and the pods whose
    /// `spec.nodeName` waited for its name are its kubelet's now.
    fn node_created(&mut self, id: NodeId) {
        self.record(Event::NodeAdded { node: id });
        self.notify(Change::NodeAdded(id));
        let waiting: Vec<PodId> = self.world.pods_on_unknown_nodes.iter().copied().collect();
        for pod in waiting {
            let p = self.world.pod(pod);
            if !p.exists() || p.node.is_some() {
                self.world.pods_on_unknown_nodes.remove(&pod);
            } else if p.node_name.as_deref() == Some(self.world.node(id).name.as_str())
                && !p.is_terminating()
                && !p.is_terminal()
            {
                self.world.pods_on_unknown_nodes.remove(&pod);
                self.world.pod_mut(pod).assumed_node = Some(id);
                self.take_node_room(pod, id);
                self.bind_pod(pod);
            }
        }
        self.notify(Change::NodeSchedulable(id));
    }

    /// `kubectl delete node`: the object goes; the machine is untouched.
    pub fn delete_node(&mut self, node: NodeId) {
        self.world.remove_node(node, self.now);
        self.record(Event::NodeRemoved { node });
        self.notify(Change::NodeRemoved(node));
    }

    /// What the machine behind a node does now (not an API change: the
    /// world). Lease renewals stop or restart with it.
    pub fn set_machine(&mut self, node: NodeId, machine: Machine) {
        let now = self.now;
        let n = self.world.node_mut(node);
        if n.machine == machine {
            return;
        }
        n.machine = machine;
        n.machine_since = now;
        if machine != Machine::Partitioned {
            n.island = None;
        }
        if machine == Machine::Running {
            n.heartbeat_anchor = now;
            n.silent_since = None;
            // A machine that runs again is not shutting down any more.
            n.shutting_down = None;
            n.critical_shutdown = None;
        } else {
            n.silent_since.get_or_insert(now);
        }
        self.record(Event::NodeMachine { node, state: machine });
        // Who reaches whom changed.
        self.notify(Change::MachineChanged(node));
        if machine != Machine::Running && self.world.node(node).exists() {
            // The node lifecycle controller will notice the stale lease.
            self.notify(Change::LeaseStopped(node));
        }
    }

    /// The kubelet learnt that its machine shuts down and handles it
    /// (graceful node shutdown): it reports the node NotReady, "node is
    /// shutting down", and will admit nothing new.
    pub fn begin_node_shutdown(&mut self, node: NodeId) {
        let now = self.now;
        let n = self.world.node_mut(node);
        n.shutting_down = Some(now);
        let pods_grace = n.shutdown.regular();
        self.record(Event::NodeShuttingDown { node, pods_grace });
        self.set_node_condition(node, ConditionStatus::False);
    }

    /// The kubelet of a shutting-down node begins stopping its critical
    /// pods (the regular ones are done, or their share of the period is up).
    pub fn begin_critical_shutdown(&mut self, node: NodeId) {
        let now = self.now;
        self.world.node_mut(node).critical_shutdown = Some(now);
    }

    /// The node's Ready condition: set to True by its kubelet (False while
    /// it shuts the node down), to Unknown by the node lifecycle controller.
    pub fn set_node_condition(&mut self, node: NodeId, status: ConditionStatus) {
        let now = self.now;
        let n = self.world.node_mut(node);
        if n.condition == status {
            return;
        }
        let was = n.condition;
        n.condition = status;
        n.ready = status == ConditionStatus::True;
        n.condition_since = now;
        self.record(Event::NodeCondition { node, status });
        self.notify(Change::NodeCondition { node, was });
        if status == ConditionStatus::True {
            self.notify(Change::NodeSchedulable(node));
        }
    }

    pub fn add_taint(&mut self, node: NodeId, taint: Taint) {
        let now = self.now;
        let n = self.world.node_mut(node);
        if n.taints.iter().any(|t| t.taint.key == taint.key && t.taint.effect == taint.effect) {
            return;
        }
        n.taints.push(NodeTaint { taint: taint.clone(), added_at: now });
        self.world.refresh_node_fit(node);
        self.record(Event::NodeTaintAdded { node, taint: Box::new(taint.clone()) });
        self.notify(Change::NodeTainted { node, taint: &taint });
    }

    /// Removes the taint with this key and effect, if present.
    pub fn remove_taint(&mut self, node: NodeId, key: &str, effect: TaintEffect) {
        let n = self.world.node_mut(node);
        let Some(index) = n.taints.iter().position(|t| t.taint.key == key && t.taint.effect == effect) else {
            return;
        };
        let taint = n.taints.remove(index).taint;
        self.world.refresh_node_fit(node);
        self.record(Event::NodeTaintRemoved { node, taint: Box::new(taint.clone()) });
        self.notify(Change::NodeUntainted { node, taint: &taint });
        self.notify(Change::NodeSchedulable(node));
    }

    /// `spec.unschedulable` (cordon and uncordon).
    pub fn set_unschedulable(&mut self, node: NodeId, unschedulable: bool) {
        let n = self.world.node_mut(node);
        if n.unschedulable == unschedulable {
            return;
        }
        n.unschedulable = unschedulable;
        self.world.refresh_node_fit(node);
        self.record(Event::NodeUnschedulable { node, unschedulable });
        self.notify(Change::NodeUnschedulableChanged(node));
        if !unschedulable {
            self.notify(Change::NodeSchedulable(node));
        }
    }

    // ----- evictions ------------------------------------------------------------

    /// A controller or the eviction API deletes a pod gracefully, with the
    /// `DisruptionTarget` condition's reason and message.
    pub fn evict_pod(&mut self, pod: PodId, reason: &'static str, message: String, deleted_by: String) {
        self.world.pod_mut(pod).waits.deleted_by = Some(deleted_by);
        self.mark_disrupted(pod, reason, message.clone());
        self.record(Event::PodEvicted { pod, reason, message });
        self.delete_pod(pod, None);
    }

    /// Pod GC's `markFailedAndDeletePod`: phase Failed (with
    /// `PodDisruptionConditions`, from 1.26), then a delete with grace 0,
    /// which removes the object without asking the kubelet.
    pub fn gc_pod(&mut self, pod: PodId, message: String, deleted_by: String) {
        if self.world.features.pod_disruption_conditions {
            let container = self.world.pod(pod).status.container;
            self.set_pod_state(pod, PodPhase::Failed, container);
        }
        self.world.pod_mut(pod).waits.deleted_by = Some(deleted_by);
        self.mark_disrupted(pod, "DeletionByPodGC", message.clone());
        self.record(Event::PodEvicted { pod, reason: "DeletionByPodGC", message });
        self.delete_pod(pod, Some(SimDuration::ZERO));
    }

    /// The `DisruptionTarget` condition, True with `reason` and `message`,
    /// written before the pod is deleted or stopped: from 1.26
    /// (`PodDisruptionConditions`). A later one replaces its reason and
    /// message; its `lastTransitionTime` stays, as its status does
    /// (`UpdatePodCondition`).
    pub(crate) fn mark_disrupted(&mut self, pod: PodId, reason: &'static str, message: String) {
        if !self.world.features.pod_disruption_conditions {
            return;
        }
        let since = self.world.pod(pod).status.disruption.as_ref().map_or(self.now, |d| d.since);
        self.world.pod_mut(pod).status.disruption = Some(Box::new(Disruption { reason, message, since }));
    }

    /// The eviction API refused, with its HTTP status (429 or 500).
    pub fn refuse_eviction(&mut self, pod: PodId, code: u16, message: String) {
        self.record(Event::EvictionRefused { pod, code, message });
    }

    pub fn record_drained(&mut self, node: NodeId) {
        self.record(Event::NodeDrained { node });
    }

    pub fn record_drain_aborted(&mut self, node: NodeId, left: u32) {
        self.record(Event::NodeDrainAborted { node, left });
    }

    pub fn record_drain_failed(&mut self, node: NodeId, left: u32) {
        self.record(Event::NodeDrainFailed { node, left });
    }

    // ----- container processes ------------------------------------------------

    /// The kubelet begins killing a running container whose `probe`
    /// failed: its preStop hook, then SIGTERM; the process stops when it
    /// exits (`set_process`).
    pub fn kill_container(&mut self, pod: PodId, probe: FailedProbe) {
        if let Some(node) = self.world.pod(pod).node {
            self.record(Event::ContainerKilling { pod, node, probe, init: None });
        }
    }

    /// A pod's container process starts or stops on its machine. `reason`
    /// is given when the API server cannot know (a crash, a kill of a
    /// container whose pod object is gone) and is recorded.
    pub fn set_process(&mut self, pod: PodId, running: bool, reason: Option<&'static str>) {
        let now = self.now;
        let p = self.world.pod_mut(pod);
        if p.runtime.running == running {
            return;
        }
        p.runtime.running = running;
        let (owner, ordinal, node, exists) = (p.owner, p.ordinal, p.node, p.exists());
        self.notify(Change::ProcessChanged(pod));
        if !running && let Some(node) = node {
            if !exists {
                self.world.node_mut(node).orphans.remove(&pod);
            }
            if let Some(reason) = reason {
                self.record(Event::ContainerStopped { pod, node, reason });
            }
        }
        let (Some(sts), Some(ordinal)) = (owner, ordinal) else { return };
        let identity = (sts, ordinal);
        let copies = self.world.identity_processes.entry(identity).or_default();
        if running {
            copies.push(pod);
        } else {
            copies.retain(|p| *p != pod);
        }
        let copies = copies.clone();
        if copies.is_empty() {
            self.world.identity_processes.remove(&identity);
        }
        let open = self.world.open_violation(identity);
        match (open, copies.len()) {
            (None, n) if n >= 2 => {
                let how = self.how_duplicated(&copies);
                let index = self.world.identity_violations.len();
                self.world.set_open_violation(identity, Some(index));
                self.world.identity_violations.push(IdentityViolation {
                    sts,
                    ordinal,
                    pods: copies.clone(),
                    since: now,
                    until: None,
                    how,
                });
                self.record(Event::IdentityDuplicated { sts, ordinal, pods: copies });
            }
            (Some(index), n) if n >= 2 => {
                let violation = &mut self.world.identity_violations[index];
                for copy in copies {
                    if !violation.pods.contains(&copy) {
                        violation.pods.push(copy);
                    }
                }
            }
            (Some(index), _) => {
                self.world.set_open_violation(identity, None);
                self.world.identity_violations[index].until = Some(now);
                self.record(Event::IdentityRestored { sts, ordinal });
            }
            (None, _) => {}
        }
    }

    /// Tells how two copies came to run: for each older copy, how its pod
    /// object left and what its machine was doing; then where the new one started.
    fn how_duplicated(&self, copies: &[PodId]) -> String {
        let world = &*self.world;
        let mut parts = Vec::new();
        let (newest, older) = copies.split_last().expect("two copies");
        for old in older {
            let pod = world.pod(*old);
            let node = pod.node.map(|n| world.node(n));
            let node_name = node.map_or("its node".to_string(), |n| n.name.clone());
            let removal = self.trace.records.iter().rev().find_map(|r| match r.event {
                Event::PodRemoved { pod: p, force } if p == *old => Some((r.at, r.actor, force)),
                _ => None,
            });
            let machine = node.map(|n| match n.machine {
                Machine::Partitioned => {
                    format!("{} had been cut off from the control plane since {}", n.name, n.machine_since)
                }
                Machine::Crashed => format!("{} had crashed at {}", n.name, n.machine_since),
                Machine::Running => format!("{} was running", n.name),
            });
            let text = match removal {
                Some((at, actor, true)) => format!(
                    "{} (uid {}) was force-deleted by {} at {at} while {}: the API object went at once, but \
                     nobody stopped its container, because the kubelet on {node_name} could not hear of the deletion",
                    pod.name,
                    pod.uid.0,
                    crate::trace::actor_name(world, actor),
                    machine.unwrap_or_default()
                ),
                Some((at, actor, false)) => format!(
                    "{} (uid {}) was removed by {} at {at}, yet its container on {node_name} still ran",
                    pod.name,
                    pod.uid.0,
                    crate::trace::actor_name(world, actor)
                ),
                None => format!("{} (uid {}) still runs on {node_name}", pod.name, pod.uid.0),
            };
            parts.push(text);
        }
        let new = world.pod(*newest);
        let new_node = new.node.map_or("-".to_string(), |n| world.node(n).name.clone());
        parts.push(format!(
            "the StatefulSet controller, seeing the name free, created a new {} (uid {}), whose container started on {new_node} at {}",
            new.name, new.uid.0, self.now
        ));
        parts.join("; ")
    }

    // ----- volume attachments --------------------------------------------------

    /// The attacher begins attaching the volume to `node`; returns when it
    /// is done.
    pub fn start_attach(&mut self, pv: PvId, node: NodeId) -> SimTime {
        let until = self.now + self.world.timings.volume_attach;
        self.world.pv_mut(pv).attachments.push(Attachment {
            node,
            state: AttachState::Attaching { until },
            detach_requested_at: None,
        });
        self.world.node_mut(node).attached.insert(pv);
        self.record(Event::VolumeAttaching { pv, node });
        until
    }

    /// The attach finished: kubelets waiting on the node may mount.
    pub fn finish_attach(&mut self, pv: PvId, node: NodeId) {
        if let Some(a) = self.world.pv_mut(pv).attachments.iter_mut().find(|a| a.node == node) {
            a.state = AttachState::Attached;
        }
        self.record(Event::VolumeAttached { pv, node });
        let users = self.volume_users_on(pv, node);
        for &pod in &users {
            self.world.pod_mut(pod).waits.attach_error = None;
        }
        self.notify(Change::VolumeAttached { pv, node, users: &users });
    }

    /// The attacher begins detaching the volume from `node`; returns when
    /// it is done.
    pub fn start_detach(&mut self, pv: PvId, node: NodeId, forced: Option<&'static str>) -> SimTime {
        let until = self.now + self.world.timings.volume_detach;
        if let Some(a) = self.world.pv_mut(pv).attachments.iter_mut().find(|a| a.node == node) {
            a.state = AttachState::Detaching { until, forced };
        }
        self.record(Event::VolumeDetaching { pv, node, forced });
        until
    }

    pub fn finish_detach(&mut self, pv: PvId, node: NodeId) {
        let v = self.world.pv_mut(pv);
        v.attachments.retain(|a| a.node != node);
        // A detached volume is not mounted anywhere on that node any more.
        v.in_use_on.remove(&node);
        self.world.node_mut(node).attached.remove(&pv);
        self.record(Event::VolumeDetached { pv, node });
        self.notify(Change::VolumeDetached(pv));
    }

    /// When the controller first wanted the volume off `node` (`None` resets it).
    pub fn set_detach_requested(&mut self, pv: PvId, node: NodeId, at: Option<SimTime>) {
        if let Some(a) = self.world.pv_mut(pv).attachments.iter_mut().find(|a| a.node == node) {
            a.detach_requested_at = at;
        }
    }

    /// `FailedAttachVolume` with a Multi-Attach error, once per pod.
    pub fn report_multi_attach(&mut self, pod: PodId, pv: PvId, message: String) {
        let now = self.now;
        let p = self.world.pod_mut(pod);
        if p.waits.attach_error.is_some() {
            return;
        }
        p.waits.attach_error = Some((message.clone(), now));
        self.record(Event::VolumeMultiAttach { pod, pv, message });
    }

    /// The kubelet reports the volume mounted (or not) on its node
    /// (`volumesInUse`, a field of the Node's status). A deleted Node has
    /// no status to write: the write fails (NotFound), and the kubelet,
    /// registered once, does not make the Node again while it runs, so the
    /// attach/detach controller keeps what the Node last said (its
    /// `nodeDelete` handler reads the deleted Node's `VolumesInUse`, k/k
    /// pkg/controller/volume/attachdetach/attach_detach_controller.go; k/k
    /// #116485, #136029).
    pub fn set_volume_in_use(&mut self, pv: PvId, node: NodeId, in_use: bool) {
        if !self.world.node(node).exists() {
            return;
        }
        let v = self.world.pv_mut(pv);
        let changed = if in_use { v.in_use_on.insert(node) } else { v.in_use_on.remove(&node) };
        if changed && !in_use {
            self.notify(Change::VolumeInUseCleared { pv, node });
        }
    }

    /// Pods on `node` (live or orphaned) that use the volume's claim.
    pub fn volume_users_on(&self, pv: PvId, node: NodeId) -> Vec<PodId> {
        let Some(claim) = self.world.pv(pv).claim else { return Vec::new() };
        let claim = &self.world.pvc(claim).name;
        let n = self.world.node(node);
        n.pods
            .iter()
            .chain(n.orphans.iter())
            .copied()
            .filter(|p| self.world.pod(*p).claims.contains(claim))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, effect: Option<TaintEffect>, seconds: Option<u64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect,
            toleration_seconds: seconds,
        }
    }

    /// DefaultTolerationSeconds adds 300 s tolerations for both taints unless
    /// the pod tolerates them already (an empty key or effect counts).
    #[test]
    fn default_tolerations_are_added_unless_present() {
        let five_minutes = SimDuration::from_secs(300);
        let added = with_default_tolerations(Vec::new(), five_minutes);
        let keys: Vec<(&str, Option<u64>)> =
            added.iter().map(|t| (t.key.as_str(), t.toleration_seconds)).collect();
        assert_eq!(keys, [(taints::NOT_READY, Some(300)), (taints::UNREACHABLE, Some(300))]);
        let own =
            with_default_tolerations(vec![toleration(taints::UNREACHABLE, None, Some(30))], five_minutes);
        assert_eq!(own.len(), 2, "only not-ready is added");
        assert_eq!(own[0].toleration_seconds, Some(30));
        let all = with_default_tolerations(vec![toleration("", None, None)], five_minutes);
        assert_eq!(all.len(), 1, "tolerating everything covers both");
        let no_schedule = with_default_tolerations(
            vec![toleration(taints::UNREACHABLE, Some(TaintEffect::NoSchedule), None)],
            five_minutes,
        );
        assert_eq!(no_schedule.len(), 3, "a NoSchedule toleration does not cover NoExecute");
    }
}
