//! NodeVolumeLimits (`pkg/scheduler/framework/plugins/nodevolumelimits/csi.go`):
//! how many volumes of each CSI driver a node may attach, against its
//! CSINode's `allocatable.count` (a node's `volume_attach_limits`).
//!
//! Owns which of a pod's claims count against a limit, how the volumes on a
//! node are counted (by release), and the filter's verdict on one node.
//! Does not own the filter order or the FitError (the parent module), nor
//! when a rejected pod is retried (`queueing`).

use crate::objects::*;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// A volume as NodeVolumeLimits tells volumes apart: a bound claim by its
/// volume (two pods sharing it count it once), an unbound one by the claim
/// (the plugin's made-up handle for a volume still to be provisioned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AttachedVolume {
    Bound(PvId),
    Unbound(PvcId),
}

/// The CSI driver and identity of the volume of claim `name`, if it counts
/// against attach limits (`filterAttachableVolumes`, `getCSIDriverInfo`):
/// a bound claim by its volume's class, an unbound one by its own class; a
/// claim that does not exist, has no class or a local one does not count.
pub(super) fn attachable_volume<'a>(world: &'a World, name: &str) -> Option<(&'a str, AttachedVolume)> {
    let pvc = world.pvc(world.pvc_named(name)?);
    match pvc.volume {
        Some(pv) => {
            let class = world.pv(pv).storage_class?;
            Some((world.class(class).csi_driver()?, AttachedVolume::Bound(pv)))
        }
        None => Some((world.class(pvc.storage_class?).csi_driver()?, AttachedVolume::Unbound(pvc.id))),
    }
}

/// The volumes NodeVolumeLimits counts on a node, by driver: those of the
/// pods counted on it and, from 1.32, those its VolumeAttachments name
/// (attaching, attached or detaching: the object goes when the detach is
/// done), each once (k/k #127757, which fixed #126502: a deleted pod's volume
/// still detaching was not counted, and a new pod could pass the limit).
fn attached_volumes<'a>(world: &'a World, node: &Node) -> BTreeSet<(&'a str, AttachedVolume)> {
    let mut attached: BTreeSet<(&str, AttachedVolume)> = BTreeSet::new();
    for pod in &node.volume_pods {
        attached.extend(world.pod(*pod).claims.iter().filter_map(|claim| attachable_volume(world, claim)));
    }
    if world.kubernetes.minor >= 32 {
        for pv in &node.attached {
            let Some(class) = world.pv(*pv).storage_class else { continue };
            if let Some(driver) = world.class(class).csi_driver() {
                attached.insert((driver, AttachedVolume::Bound(*pv)));
            }
        }
    }
    attached
}

/// For each CSI driver node `node` limits: its name, the volumes of that
/// driver NodeVolumeLimits counts there (`attached_volumes`), and the
/// limit, for explanations.
pub fn attach_usage<'a>(world: &'a World, node: &'a Node) -> Vec<(&'a str, usize, u32)> {
    let attached = attached_volumes(world, node);
    node.volume_attach_limits
        .iter()
        .map(|(driver, limit)| {
            (driver.as_str(), attached.iter().filter(|(d, _)| d == driver).count(), *limit)
        })
        .collect()
}

/// NodeVolumeLimits (`nodevolumelimits/csi.go`): for each CSI driver the
/// node limits, the volumes of the pods counted on it (each once, however
/// many pods share it) plus the pod's volumes not among them must not
/// exceed the limit. A driver the node does not limit, or a node without
/// limits, fits any number. Preemption could free room: `Unschedulable`.
pub(super) fn volume_limits_fit(world: &World, node: &Node, new: &BTreeSet<(&str, AttachedVolume)>) -> bool {
    let attached = attached_volumes(world, node);
    let mut fresh: BTreeMap<&str, u32> = BTreeMap::new();
    for (driver, _) in new.iter().filter(|v| !attached.contains(*v)) {
        *fresh.entry(*driver).or_default() += 1;
    }
    fresh.iter().all(|(driver, count)| {
        node.volume_attach_limits.iter().find(|(d, _)| d == driver).is_none_or(|(_, limit)| {
            let used = attached.iter().filter(|(d, _)| d == driver).count() as u64;
            used + u64::from(*count) <= u64::from(*limit)
        })
    })
}
