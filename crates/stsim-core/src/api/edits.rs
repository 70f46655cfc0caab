//! The API server's writes for objects a person edits by hand: labels of
//! pods and claims, a pod's owner references removed, a claim's replaced.
//!
//! Owns what changes and who hears of it: a pod's new labels reach the
//! Services and StatefulSets that select it (its own set may release it,
//! another may adopt it), a claim's owners reach the garbage collector.
//! Decides nothing on its own.

use super::{Api, Change};
use crate::config::Labels;
use crate::events::EventKey;
use crate::objects::*;
use crate::trace::Event;

impl Api<'_> {
    /// `metadata.labels` of a pod replaced. Every live StatefulSet may now
    /// select (or stop selecting) it, as the controller's `updatePod`
    /// enqueues the sets of the old and the new labels.
    pub fn set_pod_labels(&mut self, pod: PodId, labels: Labels, change: String) {
        if self.world.pod(pod).labels == labels {
            return;
        }
        self.world.set_pod_labels(pod, labels);
        self.record(Event::PodPatched { pod, change });
        self.pod_changed(pod);
        self.wake_every_statefulset();
    }

    /// `metadata.ownerReferences` of a pod removed: it runs on, unowned,
    /// until a StatefulSet whose name and selector match adopts it.
    pub fn remove_pod_owner(&mut self, pod: PodId) {
        if self.world.pod(pod).owner.is_none() {
            return;
        }
        let owner = self.world.pod(pod).owner;
        self.orphan_pod(pod);
        if let Some(owner) = owner {
            self.wake(EventKey::StatefulSetSync(owner));
        }
        self.wake_every_statefulset();
    }

    /// `metadata.labels` of a claim replaced.
    pub fn set_pvc_labels(&mut self, pvc: PvcId, labels: Labels, change: String) {
        let claim = self.world.pvc_mut(pvc);
        if claim.labels == labels {
            return;
        }
        claim.labels = labels;
        self.record(Event::PvcPatched { pvc, change });
    }

    /// A claim's owner references replaced by hand: the garbage collector
    /// looks at it again (a claim whose owners are all gone is deleted).
    pub fn replace_pvc_owners(&mut self, pvc: PvcId, owners: Vec<OwnerRef>) {
        self.set_pvc_owners(pvc, owners);
        self.wake(EventKey::GarbageCollect);
        self.world.dirty_claims.insert(pvc);
        self.wake(EventKey::VolumeUsage);
    }

    /// A pod due to leave (its containers stopped, or deleted by force) is
    /// held by its finalizers: it keeps its name, with its deletion
    /// timestamp, until they are removed (`kubectl delete` of an object with
    /// finalizers). A force delete still has its containers stopped at once.
    pub(super) fn hold_pod(&mut self, pod: PodId, force: bool) {
        let now = self.now;
        let p = self.world.pod_mut(pod);
        let first = p.removal_held.is_none();
        p.removal_held = Some(force || p.removal_held == Some(true));
        p.deletion_timestamp.get_or_insert(now);
        p.deletion_grace.get_or_insert(crate::time::SimDuration::ZERO);
        if first {
            let finalizers = p.finalizers.clone();
            self.record(Event::PodHeld { pod, finalizers });
            self.pod_changed(pod);
            self.wake(EventKey::Kubelet(pod));
            self.pod_deleting(pod);
        }
    }

    /// A claim due to leave is held by its finalizers, Terminating.
    pub(super) fn hold_pvc(&mut self, pvc: PvcId) {
        let now = self.now;
        let claim = self.world.pvc_mut(pvc);
        claim.deletion_timestamp.get_or_insert(now);
        if !claim.removal_held {
            claim.removal_held = true;
            let finalizers = claim.finalizers.clone();
            self.record(Event::PvcHeld { pvc, finalizers });
        }
    }

    /// `metadata.finalizers` of a pod replaced (a merge patch). A finalizer
    /// cannot be added to a pod being deleted (the API server's
    /// `Forbidden: no new finalizers can be added if the object is being
    /// deleted`); the last one removed lets a held pod go.
    pub fn set_pod_finalizers(&mut self, pod: PodId, finalizers: Vec<String>) {
        let p = self.world.pod(pod);
        if p.finalizers == finalizers {
            return;
        }
        if p.deletion_timestamp.is_some() && finalizers.iter().any(|f| !p.finalizers.contains(f)) {
            let change = "refused: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted";
            self.record(Event::PodPatched { pod, change: change.to_string() });
            return;
        }
        let change = format!("finalizers [{}]", finalizers.join(", "));
        let p = self.world.pod_mut(pod);
        p.finalizers = finalizers;
        let release = p.finalizers.is_empty().then_some(p.removal_held).flatten();
        self.record(Event::PodPatched { pod, change });
        self.pod_changed(pod);
        if let Some(force) = release {
            self.remove_pod(pod, force);
        }
    }

    /// `metadata.finalizers` of a claim replaced; the last one removed lets
    /// a deleted claim go, unless a scheduled pod still uses it.
    pub fn set_pvc_finalizers(&mut self, pvc: PvcId, finalizers: Vec<String>) {
        let claim = self.world.pvc(pvc);
        if claim.finalizers == finalizers {
            return;
        }
        if claim.deletion_timestamp.is_some() && finalizers.iter().any(|f| !claim.finalizers.contains(f)) {
            let change = "refused: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted";
            self.record(Event::PvcPatched { pvc, change: change.to_string() });
            return;
        }
        let change = format!("finalizers [{}]", finalizers.join(", "));
        let claim = self.world.pvc_mut(pvc);
        claim.finalizers = finalizers;
        let deleting = claim.finalizers.is_empty() && claim.removal_held;
        let name = claim.name.clone();
        self.record(Event::PvcPatched { pvc, change });
        if deleting && !self.world.claim_protected_by_pod(&name) {
            self.remove_pvc(pvc);
        }
    }

    /// `kubectl patch pvc` raising `spec.resources.requests.storage`. The
    /// API server refuses it for a claim not yet bound (the spec is
    /// immutable then) and for a smaller size; the
    /// PersistentVolumeClaimResize admission plugin refuses it unless the
    /// claim's class sets `allowVolumeExpansion`. Accepted, the external
    /// resizer (which hears of it as a `Change`) expands the volume later
    /// (pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate,
    /// plugin/pkg/admission/storage/persistentvolume/resize).
    pub fn resize_pvc(&mut self, pvc: PvcId, bytes: u64) {
        let claim = self.world.pvc(pvc);
        let invalid = format!("PersistentVolumeClaim {:?} is invalid: ", claim.name);
        let refusal = if claim.phase != PvcPhase::Bound {
            Some(format!(
                "{invalid}spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
            ))
        } else if bytes < claim.request_bytes {
            Some(format!(
                "{invalid}spec.resources.requests.storage: Forbidden: field can not be less than previous value"
            ))
        } else if !claim.storage_class.is_some_and(|c| self.world.class(c).allow_volume_expansion) {
            Some(format!(
                "persistentvolumeclaims {:?} is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
                claim.name
            ))
        } else {
            None
        };
        if let Some(message) = refusal {
            self.record(Event::PvcUpdateRejected { pvc, message });
            return;
        }
        if bytes == claim.request_bytes {
            return;
        }
        self.world.pvc_mut(pvc).request_bytes = bytes;
        self.record(Event::PvcResizeRequested { pvc, bytes });
        self.notify(Change::ResizeRequested(pvc));
    }

    /// The resizer's work is done: the volume has the claim's size, billed
    /// from now on.
    pub fn expand_volume(&mut self, pv: PvId, bytes: u64) {
        let now = self.now;
        let volume = self.world.pv_mut(pv);
        if volume.capacity_bytes >= bytes {
            return;
        }
        volume.resized.push((now, volume.capacity_bytes));
        volume.capacity_bytes = bytes;
        self.record(Event::PvResized { pv, bytes });
    }

    fn wake_every_statefulset(&mut self) {
        let sets: Vec<StsId> =
            self.world.statefulsets.iter().filter(|s| s.removed_at.is_none()).map(|s| s.id).collect();
        for set in sets {
            self.wake(EventKey::StatefulSetSync(set));
        }
    }
}
