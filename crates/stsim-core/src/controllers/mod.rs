//! The control loops, one module each, as in Kubernetes.
//!
//! Each reads the world and writes through [`crate::api::Api`]; none reads
//! another's state. Each is level-triggered: it is told what to look at
//! (a set, a pod, a claim), never why.
//!
//! Owns the controllers' event handlers ([`react`]): which work each
//! queues when the API server reports a [`Change`], as an informer's
//! handler enqueues keys. The API server says what changed; the reacting
//! controller says what it looks at. Knows no application model: the
//! simulation composes the applications' handlers after these
//! (`sim::watch`).

pub mod admission;
pub mod attach_detach;
pub mod disruption;
pub mod dns;
pub mod garbage_collector;
pub mod kubelet;
pub mod node_lifecycle;
pub mod pod_gc;
pub mod pvc_protection;
pub mod reclaim;
pub mod scheduler;
pub mod statefulset;
pub mod taint_eviction;
pub mod volumes;

use crate::api::{Api, Change};
use crate::events::EventKey;

/// The controllers' event handlers: what each does at once when the API
/// server reports a change (the simulation's watch, `sim::watch`, calls
/// this first). Where several react to one change, they react in this
/// order, which is part of the simulation's determinism: work queued at
/// the same instant and phase runs in the order it was queued.
pub fn react(api: &mut Api, change: &Change) {
    match *change {
        Change::VolumeReleased(pv) => reclaim::released(api, pv),
        Change::LeaseStopped(_) => node_lifecycle::on_change(api, change),
        Change::NodeAdded(node) => {
            node_lifecycle::on_change(api, change);
            // A Node registered again: its pods and volumes are the
            // controllers' to look at anew (a new node has none).
            attach_detach::node_changed(api, node);
            taint_eviction::node_changed(api, node);
        }
        Change::NodeRemoved(node) => {
            node_lifecycle::on_change(api, change);
            pod_gc::node_removed(api, node);
            attach_detach::node_changed(api, node);
        }
        Change::NodeCondition { node, .. } => {
            node_lifecycle::node_updated(api, node);
            attach_detach::node_changed(api, node);
            pod_gc::node_condition_changed(api, node);
            node_lifecycle::on_change(api, change);
        }
        Change::NodeTainted { node, taint } => {
            taint_eviction::node_tainted(api, node, taint);
            pod_gc::node_tainted(api, taint);
            attach_detach::node_tainted(api, node, taint);
        }
        Change::NodeUntainted { node, taint } => {
            taint_eviction::node_tainted(api, node, taint);
            attach_detach::node_tainted(api, node, taint);
        }
        Change::NodeUnschedulableChanged(node) => node_lifecycle::node_updated(api, node),
        Change::VolumeInUseCleared { pv, .. } => attach_detach::volume_changed(api, pv),
        Change::ClaimUnprotected(pvc) => pvc_protection::claim_unprotected(api, pvc),
        Change::ClaimNodeSelected(pvc) => volumes::node_selected(api, pvc),
        Change::ClaimNodeUnselected(pvc) => scheduler::queueing::claim_node_unselected(api, pvc),
        Change::PodOnUnknownNode => pod_gc::pod_on_unknown_node(api),
        Change::ResizeRequested(pvc) => volumes::resize_requested(api, pvc),
        Change::ClaimCreated(pvc) => {
            garbage_collector::claim_owners_seen(api, pvc);
            scheduler::queueing::claim_created(api, pvc);
            volumes::claim_created(api, pvc)
        }
        Change::ClaimRemoved(pvc) => {
            scheduler::queueing::claim_removed(api, pvc);
            volumes::claim_removed(api, pvc)
        }
        Change::ClaimBound(pvc) => {
            kubelet::claim_bound(api, pvc);
            scheduler::queueing::claim_bound(api, pvc)
        }
        Change::UnassignedPodAdded(pod) => scheduler::queueing::unassigned_pod_added(api, pod),
        Change::PodRemoved(pod) => {
            kubelet::pod_removed(api, pod);
            scheduler::queueing::pod_removed(api, pod);
            attach_detach::pod_changed(api, pod);
            disruption::pod_removed(api, pod)
        }
        Change::NodeSchedulable(_) => scheduler::queueing::move_all(api),
        Change::AssignedPodAdded(pod) => scheduler::queueing::assigned_pod_changed(api, pod, None),
        Change::AssignedPodRemoved(pod) => scheduler::queueing::assigned_pod_removed(api, pod),
        Change::UnscheduledPodUpdated { pod, ref old_labels } => {
            scheduler::queueing::unscheduled_pod_updated(api, pod, old_labels.as_ref())
        }
        Change::AssignedPodRelabelled { pod, ref old } => {
            scheduler::queueing::assigned_pod_changed(api, pod, Some(old))
        }
        Change::VolumeDetached(pv) => {
            attach_detach::volume_changed(api, pv);
            scheduler::queueing::volume_attachment_deleted(api)
        }
        Change::PodChanged(pod) => {
            statefulset::pod_changed(api, pod);
            dns::pod_changed(api, pod)
        }
        Change::UnownedPodCreated(pod) => statefulset::orphan_seen(api, pod),
        Change::PodRelabelled { pod, .. } => statefulset::pod_relabelled(api, pod),
        // The owner heard of the pod's change; an orphan's labels changed,
        // so the sets that select it now look at it (`updatePod`).
        Change::PodLabelsAdmitted { pod, .. } => {
            if api.world().pod(pod).owner.is_none() {
                statefulset::orphan_seen(api, pod)
            }
        }
        Change::PodOwnerReferenceRemoved { pod, owner } => {
            statefulset::owner_reference_removed(api, pod, owner)
        }
        Change::PodScheduledConditionChanged(pod) => statefulset::pod_changed(api, pod),
        Change::PodTerminating(pod) => {
            api.wake(EventKey::Kubelet(pod));
            attach_detach::pod_changed(api, pod);
            pod_gc::pod_terminating(api, pod)
        }
        Change::PodBound(pod) => {
            api.wake(EventKey::Kubelet(pod));
            attach_detach::pod_changed(api, pod);
            taint_eviction::pod_bound(api, pod);
            pod_gc::pod_bound(api, pod)
        }
        Change::ContainerImageChanged { pod, old } => kubelet::image_changed(api, pod, old),
        Change::VolumeAttached { users, .. } => {
            for &pod in users {
                api.wake(EventKey::Kubelet(pod));
            }
        }
        Change::StatefulSetChanged(sts) => api.wake(EventKey::StatefulSetSync(sts)),
        Change::OwnershipChanged(owners) => garbage_collector::graph_changed(api, owners),
        Change::ClaimOwnersChanged(pvc) => garbage_collector::claim_owners_seen(api, pvc),
        Change::ServiceChanged(service) => dns::service_changed(api, service),
        Change::ProcessChanged(_)
        | Change::MachineChanged(_)
        | Change::ClaimUsageChanged(_)
        | Change::DnsRecordChanged(_) => {}
    }
}
