//! The control loops, one module each, as in Kubernetes.
//!
//! Each reads the world and writes through [`crate::api::Api`]; none reads
//! another's state. Each is level-triggered: it is told what to look at
//! (a set, a pod, a claim), never why.

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

/// The controllers' event handlers: what each does at once when the API
/// server reports a change (the simulation passes this as `Api::watch`).
pub fn react(api: &mut Api, change: Change) {
    match change {
        Change::VolumeReleased(pv) => reclaim::released(api, pv),
        Change::NodeAdded(_)
        | Change::NodeRemoved(_)
        | Change::NodeCondition { .. }
        | Change::LeaseStopped(_) => node_lifecycle::on_change(api, change),
        Change::PodGcWork => pod_gc::work_queued(api),
        Change::PodOnUnknownNode => pod_gc::pod_on_unknown_node(api),
        Change::ResizeRequested(pvc) => volumes::resize_requested(api, pvc),
        Change::ClaimCreated(pvc) => {
            scheduler::queueing::claim_created(api, pvc);
            volumes::claim_created(api, pvc)
        }
        Change::ClaimRemoved(pvc) => scheduler::queueing::claim_removed(api, pvc),
        Change::ClaimBound(pvc) => scheduler::queueing::claim_bound(api, pvc),
        Change::UnassignedPodAdded(pod) => scheduler::queueing::unassigned_pod_added(api, pod),
        Change::PodRemoved(pod) => scheduler::queueing::pod_removed(api, pod),
        Change::NodeSchedulable(_) => scheduler::queueing::move_all(api),
        Change::AssignedPodAdded(pod) => scheduler::queueing::assigned_pod_changed(api, pod, None),
        Change::AssignedPodRemoved(pod) => scheduler::queueing::assigned_pod_removed(api, pod),
        Change::UnscheduledPodUpdated { pod, old_labels } => {
            scheduler::queueing::unscheduled_pod_updated(api, pod, old_labels.as_ref())
        }
        Change::AssignedPodRelabelled { pod, old } => {
            scheduler::queueing::assigned_pod_changed(api, pod, Some(&old))
        }
        Change::VolumeDetached(_) => scheduler::queueing::volume_attachment_deleted(api),
    }
}
