//! The PVC protection controller (pkg/controller/volume/pvcprotection):
//! keeps the `kubernetes.io/pvc-protection` finalizer on every claim not
//! being deleted.
//!
//! Any client may remove the finalizer (`kubectl patch pvc x -p
//! '{"metadata":{"finalizers":null}}'`); the controller's watch sees the
//! claim without it and adds it back (`needToAddFinalizer`: no deletion
//! timestamp and no finalizer). A claim already being deleted is left as
//! it is: nothing holds it any longer for the pods that use it. The
//! controller acts on its work queue, after the writes of the instant that
//! removed the finalizer: a delete in the same batch of writes finds the
//! claim unprotected.
//!
//! Does not own the hold itself: a deleted claim kept while a scheduled pod
//! uses it, and let go when the last such pod is gone, is the API server's
//! (`Api::delete_pvc`, `Api::remove_pod`), as the model keeps it.

use crate::api::Api;
use crate::objects::PvcId;

/// A client removed the finalizer of a claim not being deleted: the
/// controller's claim informer queues it.
pub fn claim_unprotected(api: &mut Api, pvc: PvcId) {
    api.wake(crate::events::EventKey::PvcProtection(pvc));
}

/// Puts the finalizer back on `pvc` if it lacks it and is not being deleted.
pub fn sync(api: &mut Api, pvc: PvcId) {
    api.restore_pvc_protection(pvc);
}
