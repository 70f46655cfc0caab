//! Volumes: dynamic provisioning and binding of claims.
//!
//! Owns what the external provisioner and the PV controller do when a
//! claim's volume is due: create a PersistentVolume of the claim's size and
//! class, in the zone of the node the scheduler selected
//! (`WaitForFirstConsumer`) or, for `Immediate` claims, in a zone the
//! provisioner picks from the seeded `provisioner` stream without knowing
//! where the pod will run; then bind claim and volume. The API server starts
//! provisioning (`Api::create_pvc`, `Api::select_node_for_claim`) after
//! `timings.provisioning`.
//!
//! A local class (`local: true`) provisions on the selected node itself:
//! the volume's node affinity names that node, for good.
//!
//! Does not own attach and detach, or what happens to a volume whose claim
//! is deleted.

use crate::api::Api;
use crate::config::VolumeBindingMode;
use crate::objects::*;
use crate::rng::RngExt;

/// How long the external resizer takes to expand a volume
/// (ControllerExpandVolume; the file system of a mounted volume is then
/// grown online by the kubelet). Cloud disks accept a modification within
/// seconds (an EBS volume is usable at its new size once "optimizing").
pub const RESIZE_TIME: crate::time::SimDuration = crate::time::SimDuration::from_secs(10);

/// The external resizer takes up a claim that asks for more than its
/// volume holds, and expands the volume `RESIZE_TIME` later.
pub fn resize_requested(api: &mut Api, pvc: PvcId) {
    let at = api.now + RESIZE_TIME;
    api.arm(crate::events::EventKey::Provision(pvc), at);
}

/// The provisioner finishes the volume of claim `id`; for a bound claim
/// asking for more than its volume holds, the resizer expands it.
pub fn provision(api: &mut Api, id: PvcId) {
    let pvc = api.world.pvc(id);
    if !pvc.exists() {
        return;
    }
    if let Some(pv) = pvc.volume {
        let bytes = pvc.request_bytes;
        api.expand_volume(pv, bytes);
        return;
    }
    let Some(class) = pvc.storage_class else { return };
    let class = api.world.class(class);
    let local_node =
        class.local.then(|| pvc.selected_node.expect("a local claim is provisioned for a selected node"));
    let zone = if let Some(node) = local_node {
        Some(api.world.node(node).zone.clone())
    } else if !class.zonal {
        None
    } else {
        match class.binding_mode {
            VolumeBindingMode::WaitForFirstConsumer => {
                let node = pvc.selected_node.expect("a delayed claim is provisioned for a selected node");
                Some(api.world.node(node).zone.clone())
            }
            VolumeBindingMode::Immediate => {
                let zones = &api.world.zones;
                let pick = api.streams.provisioner.random_range(0..zones.len());
                Some(zones[pick].clone())
            }
        }
    };
    let pv = api.bind_new_volume(id, zone);
    api.world.pv_mut(pv).node = local_node;
}
