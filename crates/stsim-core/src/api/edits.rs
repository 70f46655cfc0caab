//! The API server's writes for objects a person edits by hand: labels of
//! pods and claims, a pod's owner references removed, a claim's replaced.
//!
//! Owns what changes and who hears of it: a pod's new labels reach the
//! Services and StatefulSets that select it (its own set may release it,
//! another may adopt it), a claim's owners reach the garbage collector.
//! Decides nothing on its own.

use super::Api;
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

    fn wake_every_statefulset(&mut self) {
        let sets: Vec<StsId> =
            self.world.statefulsets.iter().filter(|s| s.removed_at.is_none()).map(|s| s.id).collect();
        for set in sets {
            self.wake(EventKey::StatefulSetSync(set));
        }
    }
}
