//! The API server's writes of objects' metadata, by a person's hand edit
//! or an operator's update alike: labels and finalizers of pods, claims,
//! StatefulSets and Services, a pod's owner references removed, a claim's
//! replaced.
//!
//! Owns what changes, reported as `Change`s: a pod's labels replaced
//! (`PodRelabelled`: the Services and StatefulSets that select it hear of
//! it; its own set may release it, another may adopt it), a pod's owner
//! reference removed, a claim's or an object's owners replaced
//! (`OwnershipChanged`: the garbage collector's). Decides nothing on its own.

use super::{Api, Change, Claims, ImageUpdateRefusal, validation};
use crate::config::Labels;
use crate::kube::ObjRef;
use crate::objects::*;
use crate::time::SimTime;
use crate::trace::Event;

/// `ValidateNoNewFinalizers` (apimachinery `ValidateObjectMetaUpdate`): an
/// object being deleted may lose finalizers but gain none.
pub fn no_new_finalizers(deleting: Option<SimTime>, old: &[String], new: &[String]) -> Option<String> {
    deleting?;
    let extra: Vec<String> = new.iter().filter(|f| !old.contains(f)).map(|f| format!("{f:?}")).collect();
    (!extra.is_empty()).then(|| {
        format!(
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
            extra.join(", ")
        )
    })
}

impl Api<'_> {
    /// `metadata.labels` of a pod replaced: its owner looks at it again (and
    /// releases it if its selector no longer matches); an orphan is looked
    /// at by the sets its new labels match (`Change::PodRelabelled`).
    pub fn set_pod_labels(&mut self, pod: PodId, labels: Labels, change: String) {
        if self.world.pod(pod).labels == labels {
            return;
        }
        let old = self.world.pod(pod).labels.clone();
        self.world.set_pod_labels(pod, labels);
        self.record(Event::PodPatched { pod, change });
        self.pod_changed(pod);
        self.notify(Change::PodRelabelled { pod, old: &old });
        // The scheduler's informer sees an assigned pod's labels change
        // (a finished pod is gone from its view).
        let p = self.world.pod(pod);
        if p.node.is_some() && !p.is_terminal() {
            self.notify(Change::AssignedPodRelabelled { pod, old });
        } else {
            self.waiting_pod_updated(pod, Some(old));
        }
    }

    /// `metadata.ownerReferences` of a pod removed: it runs on, unowned,
    /// until a StatefulSet whose name and selector match adopts it.
    pub fn remove_pod_owner(&mut self, pod: PodId) {
        self.orphan_pod(pod);
    }

    /// A pod's container image updated in place (`spec.containers[*].image`
    /// is mutable: `ValidatePodUpdate`). The kubelet hears of it
    /// (`Change::ContainerImageChanged`, with the image replaced) and
    /// restarts the container with the new one in the same sandbox, so the
    /// pod keeps its name, IP and node (`kubelet::image_changed`). A pod
    /// terminating or finished is not modelled changing (`Err` says so). An
    /// image with white space around it is refused as on create
    /// (`validateContainersOnlyForPod`).
    pub fn update_pod_image(&mut self, pod: PodId, image: String) -> Result<(), ImageUpdateRefusal> {
        let p = self.world.pod(pod);
        if p.image == image {
            return Ok(());
        }
        if let Some(error) = validation::image_error("spec.containers[0].image", &image) {
            return Err(ImageUpdateRefusal::Invalid(validation::invalid("Pod", &p.name, &[error])));
        }
        if p.is_terminating() || p.is_terminal() {
            let what = format!("changes to the image of a terminating or finished pod ({})", p.name);
            return Err(ImageUpdateRefusal::NotModelled(what));
        }
        let change = format!("image {image}");
        let old = std::mem::replace(&mut self.world.pod_mut(pod).image, image);
        self.record(Event::PodPatched { pod, change });
        self.pod_changed(pod);
        self.notify(Change::ContainerImageChanged { pod, old: &old });
        self.waiting_pod_updated(pod, None);
        Ok(())
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
        self.notify(Change::OwnershipChanged(&[]));
        self.notify(Change::ClaimUsageChanged(Claims::These(&[pvc])));
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
        let finalizers = first.then(|| p.finalizers.clone());
        self.world.refresh_pod_brief(pod);
        if let Some(finalizers) = finalizers {
            self.record(Event::PodHeld { pod, finalizers });
            self.pod_changed(pod);
            self.notify(Change::PodTerminating(pod));
        }
    }

    /// A claim due to leave is held by its finalizers, Terminating. No
    /// scheduled pod uses it now, so the pvc-protection controller has
    /// removed its own finalizer (`removeFinalizer` of a deleted claim not
    /// in use): only the clients' remain, and a stale copy that sends it
    /// again is refused (no new finalizers on an object being deleted).
    pub(super) fn hold_pvc(&mut self, pvc: PvcId) {
        let now = self.now;
        let claim = self.world.pvc_mut(pvc);
        claim.protection_removed = true;
        claim.deletion_timestamp.get_or_insert(now);
        if !claim.removal_held {
            claim.removal_held = true;
            let finalizers = claim.finalizers.clone();
            self.record(Event::PvcHeld { pvc, finalizers });
        }
    }

    /// `metadata.finalizers` of a pod replaced (a merge patch). A finalizer
    /// cannot be added to a pod being deleted (the API server's
    /// `ValidateNoNewFinalizers`); the last one removed lets a held pod go.
    /// A refusal is recorded and answered with the API server's message.
    pub fn set_pod_finalizers(&mut self, pod: PodId, finalizers: Vec<String>) -> Result<(), String> {
        let p = self.world.pod(pod);
        if p.finalizers == finalizers {
            return Ok(());
        }
        if let Some(message) = no_new_finalizers(p.deletion_timestamp, &p.finalizers, &finalizers) {
            let change = "refused: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted";
            self.record(Event::PodPatched { pod, change: change.to_string() });
            return Err(format!("Pod \"{}\" is invalid: {message}", self.world.pod(pod).name));
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
        Ok(())
    }

    /// `metadata.finalizers` of a claim replaced by a client, the whole
    /// list as a merge patch or an update writes it. Any client may remove
    /// `kubernetes.io/pvc-protection` (`kubectl patch pvc x -p
    /// '{"metadata":{"finalizers":null}}'`, the well-known "fix" of a claim
    /// stuck Terminating): from then on nothing holds the claim for the pods
    /// that use it. A claim being deleted goes as soon as its other
    /// finalizers are gone, though a pod still runs on it, and its volume
    /// is reclaimed as its policy says; on a claim not being deleted the
    /// pvc-protection controller puts the finalizer back (its work key is
    /// woken). No finalizer may be added to a claim being deleted.
    pub fn set_pvc_finalizers(&mut self, pvc: PvcId, finalizers: Vec<String>) -> Result<(), String> {
        let claim = self.world.pvc(pvc);
        let old = claim.finalizer_list();
        if old == finalizers {
            return Ok(());
        }
        if let Some(message) = no_new_finalizers(claim.deletion_timestamp, &old, &finalizers) {
            let change = "refused: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted";
            self.record(Event::PvcPatched { pvc, change: change.to_string() });
            let name = &self.world.pvc(pvc).name;
            return Err(format!("PersistentVolumeClaim \"{name}\" is invalid: {message}"));
        }
        let change = format!("finalizers [{}]", finalizers.join(", "));
        let protected = finalizers.iter().any(|f| f == PVC_PROTECTION);
        let claim = self.world.pvc_mut(pvc);
        let unprotected_now = !protected && !claim.protection_removed;
        claim.protection_removed = !protected;
        claim.finalizers = finalizers.into_iter().filter(|f| f != PVC_PROTECTION).collect();
        let release = claim.deletion_timestamp.is_some() && claim.finalizers.is_empty();
        let deleting = claim.deletion_timestamp.is_some();
        let name = claim.name.clone();
        self.record(Event::PvcPatched { pvc, change });
        if unprotected_now && !deleting {
            self.notify(Change::ClaimUnprotected(pvc));
        }
        if release && !self.world.claim_protected_by_pod(&name) {
            self.remove_pvc(pvc);
        }
        Ok(())
    }

    /// The pvc-protection controller puts its finalizer back on a claim
    /// that lost it and is not being deleted.
    pub fn restore_pvc_protection(&mut self, pvc: PvcId) {
        let claim = self.world.pvc_mut(pvc);
        if !claim.exists() || claim.deletion_timestamp.is_some() || !claim.protection_removed {
            return;
        }
        claim.protection_removed = false;
        let change = format!("finalizers [{}]", claim.finalizer_list().join(", "));
        self.record(Event::PvcPatched { pvc, change });
    }

    /// `metadata.labels` of a StatefulSet or a Service replaced: kept and
    /// served; nothing in the model selects these objects by label.
    pub fn set_object_labels(&mut self, obj: ObjRef, labels: Labels) {
        let slot = match obj {
            ObjRef::Sts(id) => &mut self.world.sts_mut(id).labels,
            ObjRef::Service(id) => &mut self.world.service_mut(id).labels,
            _ => unreachable!("pods and claims have their own label writes"),
        };
        if *slot == labels {
            return;
        }
        let words: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        *slot = labels;
        self.record(Event::MetadataPatched { object: obj, change: format!("labels [{}]", words.join(", ")) });
    }

    /// `metadata.ownerReferences` of a StatefulSet, a Service or a claim to
    /// custom resources replaced: the garbage collector looks again (an object
    /// none of whose owners is live is deleted).
    pub fn set_custom_owners(&mut self, obj: ObjRef, refs: Vec<serde_json::Value>) {
        let slot = match obj {
            ObjRef::Sts(id) => &mut self.world.sts_mut(id).owner_references,
            ObjRef::Service(id) => &mut self.world.service_mut(id).owner_references,
            ObjRef::Pvc(id) => &mut self.world.pvc_mut(id).owner_references,
            _ => unreachable!("pods have their own owner writes"),
        };
        if *slot == refs {
            return;
        }
        let names: Vec<String> = refs
            .iter()
            .map(|r| format!("{}/{}", r["kind"].as_str().unwrap_or("?"), r["name"].as_str().unwrap_or("?")))
            .collect();
        *slot = refs;
        self.record(Event::MetadataPatched {
            object: obj,
            change: format!("ownerReferences [{}]", names.join(", ")),
        });
        self.notify(Change::OwnershipChanged(&[]));
    }

    /// `metadata.finalizers` of a StatefulSet or a Service replaced, under
    /// the same rule as every object's (no new finalizer once deleting); the
    /// last one removed from a deleted object lets it go, as it was deleted.
    pub fn set_object_finalizers(&mut self, obj: ObjRef, finalizers: Vec<String>) -> Result<(), String> {
        let (deleting, old, kind, name) = match obj {
            ObjRef::Sts(id) => {
                let s = self.world.sts(id);
                (s.deletion_timestamp, &s.finalizers, "StatefulSet.apps", &s.name)
            }
            ObjRef::Service(id) => {
                let s = self.world.service(id);
                (s.deletion_timestamp, &s.finalizers, "Service", &s.name)
            }
            _ => unreachable!("pods and claims have their own finalizer writes"),
        };
        if *old == finalizers {
            return Ok(());
        }
        if let Some(message) = no_new_finalizers(deleting, old, &finalizers) {
            return Err(format!("{kind} \"{name}\" is invalid: {message}"));
        }
        let change = format!("finalizers [{}]", finalizers.join(", "));
        let release = deleting.is_some() && finalizers.is_empty();
        match obj {
            ObjRef::Sts(id) => self.world.sts_mut(id).finalizers = finalizers,
            ObjRef::Service(id) => self.world.service_mut(id).finalizers = finalizers,
            _ => unreachable!(),
        }
        self.record(Event::MetadataPatched { object: obj, change });
        if release {
            match obj {
                ObjRef::Sts(id) => {
                    let cascade = self.world.sts(id).pending_cascade.unwrap_or(Cascade::Background);
                    self.remove_statefulset(id, cascade);
                }
                ObjRef::Service(id) => self.remove_service(id),
                _ => unreachable!(),
            }
        }
        Ok(())
    }

    /// `kubectl patch pvc` of `spec.resources.requests.storage`. The API
    /// server refuses it for a claim not yet bound (the spec is immutable
    /// then) and for a smaller size: always before
    /// `RecoverVolumeExpansionFailure` (on from 1.32), and with it only for
    /// a size not above the claim's `status.capacity`, its volume's
    /// capacity, so that an expansion not yet done may be asked again
    /// smaller (the volume never shrinks). The
    /// PersistentVolumeClaimResize admission plugin, which lets a lowered
    /// request through, refuses any other unless the claim's class sets
    /// `allowVolumeExpansion`. Accepted, the
    /// external resizer (which hears of it as a `Change`) expands the
    /// volume to the request it then finds
    /// (pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate,
    /// plugin/pkg/admission/storage/persistentvolume/resize).
    pub fn resize_pvc(&mut self, pvc: PvcId, bytes: u64) -> Result<(), String> {
        let claim = self.world.pvc(pvc);
        // The same size changes nothing: no rule refuses it, and the
        // admission plugin lets any request not larger through.
        if bytes == claim.request_bytes {
            return Ok(());
        }
        let invalid = format!("PersistentVolumeClaim {:?} is invalid: ", claim.name);
        // `status.capacity`: the bound volume's capacity.
        let capacity = claim.volume.map_or(0, |pv| self.world.pv(pv).capacity_bytes);
        let refusal = if claim.phase != PvcPhase::Bound {
            Some(format!(
                "{invalid}spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
            ))
        } else if bytes < claim.request_bytes && !self.world.features.recover_volume_expansion_failure {
            Some(format!(
                "{invalid}spec.resources.requests.storage: Forbidden: field can not be less than previous value"
            ))
        } else if bytes < claim.request_bytes && bytes <= capacity {
            Some(format!(
                "{invalid}spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
            ))
        } else if bytes > claim.request_bytes
            && !claim.storage_class.is_some_and(|c| self.world.class(c).allow_volume_expansion)
        {
            Some(format!(
                "persistentvolumeclaims {:?} is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
                claim.name
            ))
        } else {
            None
        };
        if let Some(message) = refusal {
            self.record(Event::PvcUpdateRejected { pvc, message: message.clone() });
            return Err(message);
        }
        let claim = self.world.pvc_mut(pvc);
        let raised = bytes > claim.request_bytes;
        if raised {
            claim.allocated_bytes = claim.allocated_bytes.max(bytes);
        }
        claim.request_bytes = bytes;
        self.record(Event::PvcResizeRequested { pvc, bytes });
        // A lowered request (only ever above the volume, so while an
        // expansion is under way) leaves the resizer to finish that one.
        if raised {
            self.notify(Change::ResizeRequested(pvc));
        }
        Ok(())
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
}
