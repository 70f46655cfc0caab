//! The attach-detach controller: which node a volume is attached to.
//!
//! Owns the reconciler of `pkg/controller/volume/attachdetach`: the desired
//! state is every (volume, node) where a pod that is not terminated
//! (`IsPodTerminated`: finished, or deleted with no container running as
//! far as the API server knows) is bound to the node and uses the
//! volume; the actual state is the attachments. Detaches come first. A
//! volume no longer desired on a node is detached once that node's kubelet
//! reports it unmounted; if the node still reports it mounted, the
//! controller waits, and force-detaches only after `maxWaitForUnmountDuration`
//! (6 min from the first detach request) and only if the node is unhealthy
//! at that moment (Ready is not True, or the Node is gone), or at once if
//! the node has the `node.kubernetes.io/out-of-service` taint
//! (`reconciler.go`). An attach to a second node of a volume that cannot be
//! attached to several (anything but ReadWriteMany and ReadOnlyMany) waits
//! without a word while an attach or detach of it is under way, and is
//! refused with a `Multi-Attach error` event on the waiting pods, reported
//! once, while it stays attached elsewhere (the kubelet there has not yet
//! reported it unmounted, at its next status sync, or cannot).
//!
//! Attach and detach take `timings.volumeAttach` and `timings.volumeDetach`.
//! Local volumes are never attached, nor those of a driver that needs no
//! attach (`Pv::attaches`: EFS, Filestore, Azure Files, NFS). Does not own
//! mounting (the kubelet).

use crate::api::Api;
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeSet;

/// `reconcilerMaxWaitForUnmountDuration`.
pub const MAX_WAIT_FOR_UNMOUNT: SimDuration = SimDuration::from_mins(6);
/// `reconcilerLoopPeriod`: the reconciler looks every 100 ms.
pub const LOOP_PERIOD: SimDuration = SimDuration::from_millis(100);

/// `IsPodTerminated` as the controller sees the pod object.
fn terminated(pod: &Pod) -> bool {
    pod.is_terminal() || (pod.is_terminating() && pod.status.container != ContainerState::Running)
}

/// The nodes where the volume is wanted, with the pods that want it there.
fn desired(api: &Api, pv: PvId) -> Vec<(NodeId, Vec<PodId>)> {
    let world = api.world();
    let Some(claim) = world.pv(pv).claim else { return Vec::new() };
    // A released volume is no pod's: its claim is gone, and a new claim of
    // the same name has a volume of its own.
    if world.pvc(claim).removed_at.is_some() || world.pvc(claim).volume != Some(pv) {
        return Vec::new();
    }
    let mut out: Vec<(NodeId, Vec<PodId>)> = Vec::new();
    for pod in world.claim_users(&world.pvc(claim).name) {
        let p = world.pod(*pod);
        let Some(node) = p.node else { continue };
        // A deleted Node stays in the desired state while pods are bound to
        // it (`DeleteNode` refuses a node with volumes to attach).
        if terminated(p) {
            continue;
        }
        match out.iter_mut().find(|(n, _)| *n == node) {
            Some((_, pods)) => pods.push(*pod),
            None => out.push((node, vec![*pod])),
        }
    }
    out
}

/// Reconciles one volume.
pub fn reconcile(api: &mut Api, pv: PvId) {
    let now = api.now;
    if api.world.pv(pv).removed_at.is_some() || !api.world.pv(pv).attaches(api.world) {
        return;
    }
    // Finish operations that are due.
    for attachment in api.world.pv(pv).attachments.clone() {
        match attachment.state {
            AttachState::Attaching { until } if now >= until => api.finish_attach(pv, attachment.node),
            AttachState::Detaching { until, .. } if now >= until => api.finish_detach(pv, attachment.node),
            _ => {}
        }
    }
    let desired = desired(api, pv);
    let wanted: BTreeSet<NodeId> = desired.iter().map(|(n, _)| *n).collect();
    let mut next: Option<SimTime> = None;
    let mut wake = |at: SimTime| next = Some(next.map_or(at, |n: SimTime| n.min(at)));

    // Detaches first, so a volume moving between nodes frees the old one.
    for attachment in api.world.pv(pv).attachments.clone() {
        let node = attachment.node;
        match attachment.state {
            AttachState::Attaching { until } | AttachState::Detaching { until, .. } => wake(until),
            AttachState::Attached if wanted.contains(&node) => {
                // ResetDetachRequestTime.
                if attachment.detach_requested_at.is_some() {
                    api.set_detach_requested(pv, node, None);
                }
            }
            AttachState::Attached => {
                let Some(requested) = attachment.detach_requested_at else {
                    // First seen unwanted: the reconciler acts on its next
                    // loop, 100 ms on. A replacement pod that the StatefulSet
                    // controller and the scheduler put on this same node in
                    // the meantime wants the volume again, and keeps the
                    // attachment (ResetDetachRequestTime above).
                    api.set_detach_requested(pv, node, Some(now));
                    wake(now + LOOP_PERIOD);
                    continue;
                };
                let n = api.world.node(node);
                let healthy = n.exists() && n.condition == ConditionStatus::True;
                // `hasOutOfServiceTaint` is false without `NodeOutOfServiceVolumeDetach`.
                let out_of_service = api.world.features.node_out_of_service_volume_detach
                    && n.exists()
                    && n.has_taint(taints::OUT_OF_SERVICE);
                let expired = now.since(requested) > MAX_WAIT_FOR_UNMOUNT;
                let mounted = api.world.pv(pv).in_use_on.contains(&node);
                let force = !healthy && expired;
                if mounted && !force && !out_of_service {
                    // Still mounted: wait for the kubelet, or for the timeout
                    // (looked at again by the first loop after it). Past the
                    // timeout on a healthy node the reconciler keeps looking
                    // every loop; never at an instant already past, which
                    // would run again at once, without end.
                    wake((requested + MAX_WAIT_FOR_UNMOUNT + LOOP_PERIOD).max(now + LOOP_PERIOD));
                    continue;
                }
                let forced = match (mounted, out_of_service) {
                    (false, _) => None,
                    (true, true) => Some("out-of-service"),
                    (true, false) => Some("timeout"),
                };
                let done = api.start_detach(pv, node, forced);
                api.wake_at(EventKey::AttachDetach(pv), done);
            }
        }
    }

    // Then attaches.
    let multi = api.world.pv(pv).multi_attach();
    for (node, pods) in &desired {
        if api.world.pv(pv).attachment(*node).is_some() {
            continue;
        }
        // `attachDesiredVolumes`: for a volume that cannot be attached to
        // several nodes, any operation under way on it (a detach from the
        // old node, an attach elsewhere) makes the attach wait, without an
        // error (`IsOperationPending` with no node); it starts once that
        // operation is over.
        let pending =
            (api.world.pv(pv).attachments.iter()).any(|a| !matches!(a.state, AttachState::Attached));
        if !multi && pending {
            continue;
        }
        let elsewhere: Vec<NodeId> =
            api.world.pv(pv).attachments.iter().map(|a| a.node).filter(|n| n != node).collect();
        if !multi && !elsewhere.is_empty() {
            report_multi_attach(api, pv, pods, &elsewhere, &desired);
            continue;
        }
        let done = api.start_attach(pv, *node);
        api.wake_at(EventKey::AttachDetach(pv), done);
    }
    if let Some(at) = next {
        api.wake_at(EventKey::AttachDetach(pv), at);
    }
}

/// The volumes of the pod's claims: the pod's binding, termination or
/// removal may change where they are wanted (`podAdd`, `podUpdate`,
/// `podDelete` of the controller's pod informer).
pub fn pod_changed(api: &mut Api, pod: PodId) {
    let pvs: Vec<PvId> = (api.world.pod(pod).claims.iter())
        .filter_map(|claim| api.world.pvc_named(claim))
        .filter_map(|pvc| api.world.pvc(pvc).volume)
        .collect();
    for pv in pvs {
        api.wake(EventKey::AttachDetach(pv));
    }
}

/// The volumes attached to `node`: its health, its deletion or its
/// out-of-service taint may allow a detach (the controller's node
/// informer).
pub fn node_changed(api: &mut Api, node: NodeId) {
    let pvs: Vec<PvId> = api.world.node(node).attached.iter().copied().collect();
    for pv in pvs {
        api.wake(EventKey::AttachDetach(pv));
    }
}

/// A node's taint was added or removed: only the out-of-service taint
/// changes what the reconciler may do (a force detach at once).
pub fn node_tainted(api: &mut Api, node: NodeId, taint: &crate::config::Taint) {
    if taint.key == crate::objects::taints::OUT_OF_SERVICE {
        node_changed(api, node);
    }
}

/// The volume's attachment changed (a detach finished), or a node's
/// kubelet stopped listing it in `volumesInUse`: the reconciler looks at
/// it again.
pub fn volume_changed(api: &mut Api, pv: PvId) {
    api.wake(EventKey::AttachDetach(pv));
}

/// `reportMultiAttachError`: name the pods on the other nodes that use the
/// volume, or say it is exclusively attached when none is left.
fn report_multi_attach(
    api: &mut Api,
    pv: PvId,
    waiting: &[PodId],
    elsewhere: &[NodeId],
    desired: &[(NodeId, Vec<PodId>)],
) {
    let users: Vec<String> = desired
        .iter()
        .filter(|(n, _)| elsewhere.contains(n))
        .flat_map(|(_, pods)| pods.iter().map(|p| api.world.pod(*p).name.clone()))
        .collect();
    let suffix = if users.is_empty() {
        "Volume is already exclusively attached to one node and can't be attached to another".to_string()
    } else {
        format!("Volume is already used by pod(s) {}", users.join(", "))
    };
    let message = format!("Multi-Attach error for volume {:?} {suffix}", api.world.pv(pv).name);
    for pod in waiting {
        api.report_multi_attach(*pod, pv, message.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{NewPod, NewPvc, Streams};
    use crate::config::{AccessMode, PodManagementPolicy};
    use crate::queue::EventQueue;
    use crate::trace::{Actor, Trace};
    use crate::world::World;

    struct Bench {
        world: World,
        trace: Trace,
        queue: EventQueue<EventKey>,
        streams: Streams,
    }

    impl Bench {
        fn api(&mut self, now: SimTime) -> Api<'_> {
            Api {
                world: &mut self.world,
                trace: &mut self.trace,
                queue: &mut self.queue,
                streams: &mut self.streams,
                now,
                actor: Actor::AttachDetachController,
                watch: crate::sim::watch,
            }
        }
    }

    /// A pod on node 0 whose ReadWriteOnce volume is attached and mounted
    /// there, then force-deleted: the volume is no longer wanted, but the
    /// node still reports it mounted.
    fn volume_left_mounted() -> (Bench, PvId, NodeId) {
        let config = crate::fixtures::scenario(
            "ad",
            1,
            0,
            PodManagementPolicy::OrderedReady,
            SimDuration::from_mins(30),
        );
        let mut bench = Bench {
            world: World::from_config(&config),
            trace: Trace::default(),
            queue: EventQueue::new(),
            streams: Streams::new(1),
        };
        let node = NodeId(0);
        let mut api = bench.api(SimTime::ZERO);
        let class = api.world.default_class().map(|c| api.world.class(c).name.clone());
        let pvc = api
            .create_pvc(NewPvc {
                name: "data-web-0".into(),
                labels: Default::default(),
                storage_class_name: class,
                request_bytes: 1 << 30,
                access_modes: vec![AccessMode::ReadWriteOnce],
                owner_refs: Vec::new(),
                statefulset: None,
                volume_name: None,
            })
            .unwrap();
        let pv = api.bind_new_volume(pvc, vec!["us-east-1a".into()]);
        let pod = api
            .create_pod(NewPod {
                name: "web-0".into(),
                labels: Default::default(),
                owner: None,
                ordinal: None,
                hostname: "web-0".into(),
                subdomain: "web".into(),
                container_name: None,
                image: "nginx".into(),
                requests: Default::default(),
                scoring_requests: crate::config::Resources::SCORING_DEFAULTS,
                readiness_probe: None,
                liveness_probe: None,
                startup_probe: None,
                pre_stop: None,
                init_containers: Vec::new(),
                sidecars: Vec::new(),
                extra_containers: Vec::new(),
                volumes: Vec::new(),
                volume_mounts: Vec::new(),
                pull_policies: Default::default(),
                termination_grace_period: SimDuration::from_secs(30),
                node_selector: Default::default(),
                affinity: Default::default(),
                tolerations: Vec::new(),
                topology_spread: Vec::new(),
                claims: vec!["data-web-0".into()],
                node_name: None,
                host_ports: Vec::new(),
                named_ports: Vec::new(),
                ports: Vec::new(),
                priority_class_name: None,
                set_hostname_as_fqdn: false,
                template_errors: Vec::new(),
            })
            .unwrap();
        api.assume_pod(pod, node);
        api.bind_pod(pod);
        api.start_attach(pv, node);
        api.finish_attach(pv, node);
        api.set_volume_in_use(pv, node, true);
        api.delete_pod(pod, Some(SimDuration::ZERO));
        (bench, pv, node)
    }

    fn state(bench: &Bench, pv: PvId) -> Vec<AttachState> {
        bench.world.pv(pv).attachments.iter().map(|a| a.state).collect()
    }

    /// maxWaitForUnmountDuration only forces a detach from an unhealthy node.
    #[test]
    fn a_mounted_volume_is_force_detached_only_from_an_unhealthy_node_after_6_minutes() {
        let (mut bench, pv, node) = volume_left_mounted();
        let start = SimTime::from_millis(1_000);
        reconcile(&mut bench.api(start), pv);
        assert_eq!(state(&bench, pv), [AttachState::Attached], "still mounted: wait");
        let after = start + MAX_WAIT_FOR_UNMOUNT + LOOP_PERIOD;
        reconcile(&mut bench.api(after), pv);
        assert_eq!(state(&bench, pv), [AttachState::Attached], "the node is healthy: never forced");
        let mut api = bench.api(after);
        api.set_node_condition(node, ConditionStatus::Unknown);
        reconcile(&mut api, pv);
        let until = after + bench.world.timings.volume_detach;
        assert_eq!(state(&bench, pv), [AttachState::Detaching { until, forced: Some("timeout") }]);
    }

    /// Before the 6 minutes an unhealthy node's volume still waits.
    #[test]
    fn an_unhealthy_node_still_gets_its_six_minutes() {
        let (mut bench, pv, node) = volume_left_mounted();
        let start = SimTime::from_millis(1_000);
        let mut api = bench.api(start);
        api.set_node_condition(node, ConditionStatus::Unknown);
        reconcile(&mut api, pv);
        reconcile(&mut bench.api(start + MAX_WAIT_FOR_UNMOUNT), pv);
        assert_eq!(state(&bench, pv), [AttachState::Attached], "exactly 6 minutes is not more than 6");
    }

    /// The out-of-service taint skips the wait, and an unmount ends it
    /// normally: either way the detach starts on the next reconciler loop
    /// after the volume was first seen unwanted.
    #[test]
    fn out_of_service_or_an_unmount_detach_on_the_next_loop() {
        let (mut bench, pv, node) = volume_left_mounted();
        let now = SimTime::from_millis(1_000);
        let mut api = bench.api(now);
        api.add_taint(node, crate::api::out_of_service_taint());
        reconcile(&mut api, pv);
        assert_eq!(state(&bench, pv), [AttachState::Attached], "noted, not yet acted on");
        reconcile(&mut bench.api(now + LOOP_PERIOD), pv);
        let until = now + LOOP_PERIOD + bench.world.timings.volume_detach;
        assert_eq!(state(&bench, pv), [AttachState::Detaching { until, forced: Some("out-of-service") }]);

        let (mut bench, pv, node) = volume_left_mounted();
        let mut api = bench.api(now);
        api.set_volume_in_use(pv, node, false);
        reconcile(&mut api, pv);
        reconcile(&mut bench.api(now + LOOP_PERIOD), pv);
        assert_eq!(state(&bench, pv), [AttachState::Detaching { until, forced: None }]);
    }
}
