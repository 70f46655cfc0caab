//! Reclaiming a volume whose claim is gone: the PV controller's
//! `reclaimVolume` and the external provisioner's delete.
//!
//! Owns what happens to a bound volume once its claim leaves the API
//! server: it is `Released`, and then, by its `persistentVolumeReclaimPolicy`,
//! kept (`Retain`: the disk stays, and is billed, until someone deletes it)
//! or deleted with its disk (`Delete`). A cloud disk cannot be deleted while
//! a node has it attached (EBS answers `VolumeInUse`, Persistent Disk
//! `resourceInUseByAnotherResource`, and the CSI external-attacher's
//! finalizer holds the PV object meanwhile), so a `Delete` volume still
//! attached waits: the attach-detach controller detaches it once its node
//! has unmounted it (or force-detaches it after six minutes on a node that
//! stopped answering), and the provisioner's delete, retried with its
//! exponential back-off (`--retry-interval-start` 1 s doubling to
//! `--retry-interval-max` 5 min, csi-provisioner; `timings`), succeeds at
//! the first try after that. A detached volume is deleted at once.
//!
//! Only the provisioner that made a volume deletes its disk. A volume made
//! by hand (no `pv.kubernetes.io/provisioned-by`) under `Delete` is Failed
//! when the PV controller finds no in-tree plugin to delete it (a local
//! disk, NFS, a hostPath outside `/tmp/`, and a CSI volume before
//! `HonorPVReclaimPolicy`), or stays Released, left to an external
//! provisioner that will not touch it (a CSI volume from 1.31): either way
//! the disk stays, and is billed, until someone deletes it (`Pv::deleter`).
//!
//! Does not own attach and detach (`attach_detach`) nor provisioning
//! (`volumes`).

use crate::api::Api;
use crate::config::{ReclaimPolicy, Timings};
use crate::events::EventKey;
use crate::objects::{Deleter, PvId};
use crate::time::SimDuration;

/// The wait before the provisioner's next try after `failures`
/// consecutive failures at one object (its rate limiter's exponential
/// back-off, client-go's `ItemExponentialFailureRateLimiter`):
/// `--retry-interval-start`, doubled with each failure, at most
/// `--retry-interval-max` (`timings.provisioner_retry_start` and `_max`).
/// Deletes and creates (`volumes::provision`) alike.
pub fn retry_delay(timings: &Timings, failures: u32) -> SimDuration {
    let doubled = timings
        .provisioner_retry_start
        .as_millis()
        .saturating_mul(1u64 << failures.saturating_sub(1).min(40));
    SimDuration::from_millis(doubled.min(timings.provisioner_retry_max.as_millis()))
}

/// The volume's claim is gone (`Change::VolumeReleased`).
pub fn released(api: &mut Api, pv: PvId) {
    let volume = api.world().pv(pv);
    if volume.reclaim_policy == ReclaimPolicy::Retain {
        api.release_pv(pv);
        return;
    }
    match volume.deleter(api.world().features.honor_pv_reclaim_policy) {
        Deleter::Found if volume.attachments.is_empty() => api.delete_pv(pv),
        Deleter::Found => {
            api.release_pv(pv);
            failed(api, pv);
        }
        Deleter::NoneExternal => api.release_pv(pv),
        Deleter::Missing(message) => {
            api.release_pv(pv);
            api.fail_pv(pv, message);
        }
    }
}

/// The provisioner's next try at deleting a released volume's disk.
pub fn retry(api: &mut Api, pv: PvId) {
    let volume = api.world().pv(pv);
    if volume.removed_at.is_some() || volume.reclaim_policy != ReclaimPolicy::Delete {
        return;
    }
    if volume.attachments.is_empty() {
        api.delete_pv(pv);
    } else {
        failed(api, pv);
    }
}

/// A delete failed because the disk is attached: tried again after the
/// back-off, which doubles with each failure up to its maximum.
fn failed(api: &mut Api, pv: PvId) {
    let failures = api.pv_delete_failed(pv);
    api.wake_after(EventKey::Reclaim(pv), retry_delay(&api.world().timings, failures));
}
