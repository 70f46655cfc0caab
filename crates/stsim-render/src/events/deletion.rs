//! The external provisioner's attempts at deleting the disk of a released
//! volume that a node still has attached.
//!
//! A `Delete` volume whose claim is gone goes to the provisioner that made
//! it. csi-provisioner refuses to delete a disk while a VolumeAttachment
//! names it (`canDeleteVolume`: `persistentvolume <pv> is still attached
//! to node <node>`), and its library records each refusal as a Warning
//! `VolumeFailedDelete` on the volume and retries with its back-off (1 s
//! doubling to 5 minutes by default, the run's own `reclaim::retry_delay`), until the
//! first attempt after the detach deletes it. The run makes those attempts
//! and records the release and the deletion; this module lists the
//! refused ones. Owns those events only.

use super::provisioning::attempts;
use super::{Involved, K8sEvent, PROVISIONER};
use stsim_core::config::ReclaimPolicy;
use stsim_core::objects::{Deleter, NodeId, PvId};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// A volume's VolumeAttachment: its node, from the attach's start to the
/// detach's end (`None`: still there at the end).
type Attachment = (NodeId, SimTime, Option<SimTime>);

/// Each refused attempt at deleting a released volume's disk, from its
/// release (the first attempt) to the attempt that deleted it, or the end
/// of the run.
pub(super) fn refused_deletes(sim: &Simulation) -> Vec<K8sEvent> {
    let world = &sim.world;
    let mut attachments: Vec<Vec<Attachment>> = vec![Vec::new(); world.pvs.len()];
    // Volumes released while attached, whose disk their provisioner deletes: when, and until when tried.
    let mut deleting: Vec<(PvId, SimTime, Option<SimTime>)> = Vec::new();
    // Each volume's entry in `deleting`, while its deletion is tried.
    let mut tried: Vec<Option<usize>> = vec![None; world.pvs.len()];
    for record in &sim.trace.records {
        match &record.event {
            Event::VolumeAttaching { pv, node } => attachments[pv.index()].push((*node, record.at, None)),
            Event::VolumeDetached { pv, node } => {
                let open =
                    attachments[pv.index()].iter_mut().rev().find(|(n, _, to)| n == node && to.is_none());
                if let Some((_, _, to)) = open {
                    *to = Some(record.at);
                }
            }
            Event::PvReleased { pv } => {
                let volume = world.pv(*pv);
                let provisioner_deletes = volume.reclaim_policy == ReclaimPolicy::Delete
                    && volume.deleter(world.features.honor_pv_reclaim_policy) == Deleter::Found;
                let attached = attachments[pv.index()].iter().any(|(_, _, to)| to.is_none());
                if provisioner_deletes && attached {
                    tried[pv.index()] = Some(deleting.len());
                    deleting.push((*pv, record.at, None));
                }
            }
            Event::PvDeleted { pv } => {
                if let Some(index) = tried[pv.index()].take() {
                    deleting[index].2 = Some(record.at);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (pv, released, deleted) in deleting {
        let volume = world.pv(pv);
        // Up to the instant before the deletion: the attempt then deleted it.
        let until = deleted.map_or(sim.now(), |at| SimTime::from_millis(at.as_millis().saturating_sub(1)));
        let mut named = None;
        for (at, also) in std::iter::once((released, 0)).chain(attempts(&world.timings, released, until)) {
            // The node of a VolumeAttachment there at the attempt (the first by
            // name), else the one named before: a detach in the attempt's instant.
            let there = attachments[pv.index()]
                .iter()
                .filter(|(_, from, to)| *from <= at && to.is_none_or(|to| at < to))
                .map(|(node, _, _)| &world.node(*node).name)
                .min();
            named = there.or(named);
            let Some(node) = named else { continue };
            out.push(K8sEvent {
                at_ms: at.as_millis(),
                source: PROVISIONER,
                warning: true,
                reason: "VolumeFailedDelete",
                involved: Involved::volume(volume),
                message: format!("persistentvolume {} is still attached to node {node}", volume.name).into(),
                also,
            });
        }
    }
    out
}
