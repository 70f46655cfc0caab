//! Volumes: binding claims to volumes, and dynamic provisioning.
//!
//! Owns the PV controller's `syncUnboundClaim` for a new claim: a claim that
//! names its volume (`spec.volumeName`) gets that one if it is free and
//! satisfies the claim; any other claim gets the best matching existing
//! volume (`find_match`) before anything is provisioned, unless its class
//! binds on first consumer, in which case the scheduler's VolumeBinding
//! plugin matches on the chosen node (`find_match` with a node).
//!
//! Owns what the external provisioner and the PV controller do when a
//! claim's volume is due: create a PersistentVolume of the claim's size and
//! class, in the zone of the node the scheduler selected
//! (`WaitForFirstConsumer`) or, for `Immediate` claims, in the zone the
//! provisioner prefers among those where nodes are, by a hash of the
//! claim's name that sends a StatefulSet's volumes round the zones by
//! ordinal (`immediate_zone`), without knowing where the pod will run;
//! then bind claim and volume. The API server starts
//! provisioning (`Api::create_pvc`, `Api::select_node_for_claim`) after
//! `timings.provisioning`.
//!
//! A local class (`local: true`) provisions on the selected node itself:
//! the volume's node affinity names that node, for good.
//!
//! A class of `kubernetes.io/no-provisioner` (static local volumes)
//! provisions nothing: its claims bind only volumes made beforehand. An
//! `Immediate` claim with none to bind waits with `ProvisioningFailed`; a
//! `WaitForFirstConsumer` claim's pod goes only where a volume matches
//! (the scheduler's VolumeBinding filter).
//!
//! The CSI drivers of block storage (EBS, Persistent Disk, Azure Disk)
//! refuse to create a volume that several nodes would write to
//! (`ReadWriteMany`, and `ReadOnlyMany` but on Persistent Disk) as a
//! filesystem: `CreateVolume` fails with `InvalidArgument`, a final error,
//! and the claim stays Pending with the provisioner's `ProvisioningFailed`
//! (`driver_refuses`). Any other driver is taken to serve what it is asked.
//!
//! Does not own attach and detach, or what happens to a volume whose claim
//! is deleted.

use crate::api::Api;
use crate::config::{AccessMode, VolumeBindingMode};
use crate::objects::*;
use crate::trace::Actor;

/// How long the external resizer takes to expand a volume
/// (ControllerExpandVolume; the file system of a mounted volume is then
/// grown online by the kubelet). Cloud disks accept a modification within
/// seconds (an EBS volume is usable at its new size once "optimizing").
pub const RESIZE_TIME: crate::time::SimDuration = crate::time::SimDuration::from_secs(10);

/// The PV controller's first sync of a new claim, and the external
/// provisioner's watch (pkg/controller/volume/persistentvolume/pv_controller.go
/// `syncUnboundClaim`):
/// - a claim naming its volume binds it if the volume is free (or kept for
///   this claim) and satisfies it; one bound to another claim leaves it
///   Pending with `FailedBinding`;
/// - otherwise, unless its class waits for the first consumer, the best
///   matching Available volume is bound;
/// - otherwise an `Immediate` class provisions now, without knowing where
///   the pod will run, and a claim with no usable class waits, with the
///   controller's event.
pub fn claim_created(api: &mut Api, pvc: PvcId) {
    // The PV controller acts on the claim, whoever wrote it: the writer
    // only created it (`syncUnboundClaim` runs in the controller's worker).
    let writer = std::mem::replace(&mut api.actor, Actor::VolumeController);
    sync_new_claim(api, pvc);
    api.actor = writer;
}

fn sync_new_claim(api: &mut Api, pvc: PvcId) {
    let claim = api.world.pvc(pvc);
    if let Some(volume) = claim.volume_name.clone() {
        match api.world.pv_named(&volume) {
            Some(pv) if usable_by(api.world.pv(pv), claim) && satisfies(api.world.pv(pv), claim) => {
                api.bind_volume(pvc, pv)
            }
            Some(pv) if !usable_by(api.world.pv(pv), claim) => {
                let message = format!("volume \"{volume}\" already bound to a different claim.");
                api.claim_waits(pvc, "FailedBinding", message);
            }
            Some(_) => {
                let message = format!(
                    "Cannot bind to requested volume \"{volume}\": requested PV is too small, \
                     or its class or access modes do not match"
                );
                api.claim_waits(pvc, "VolumeMismatch", message);
            }
            // The volume may be created later; the claim waits without an event.
            None => {}
        }
        return;
    }
    let class = claim.storage_class.map(|c| api.world.class(c));
    let delayed = class.is_some_and(|c| c.binding_mode == VolumeBindingMode::WaitForFirstConsumer);
    if !delayed && let Some(pv) = find_match(api.world, pvc, None) {
        api.bind_volume(pvc, pv);
        return;
    }
    match class {
        // The external provisioner watches claims: an Immediate class
        // provisions now, without knowing where the pod will run.
        Some(class) if class.binding_mode == VolumeBindingMode::Immediate && class.provisions() => {
            start_provisioning(api, pvc)
        }
        // `provisionClaim`: no plugin provisions for this class. The
        // controller says so at each sync of the claim; a volume made
        // beforehand is its only way to bind.
        Some(class) if class.binding_mode == VolumeBindingMode::Immediate => {
            let message = format!("no volume plugin matched name: {}", class.provisioner);
            api.claim_waits(pvc, "ProvisioningFailed", message);
        }
        Some(_) => {}
        None => api.claim_cannot_be_provisioned(pvc),
    }
}

/// Whether `pv` may go to `claim`: Available and kept for no other claim.
fn usable_by(pv: &Pv, claim: &Pvc) -> bool {
    pv.removed_at.is_none()
        && pv.phase == PvPhase::Available
        && pv.reserved_for.as_ref().is_none_or(|name| *name == claim.name)
}

/// `checkVolumeSatisfyClaim`: the class names match (no class matches no
/// class), the volume holds at least the request, and it offers every
/// access mode the claim asks for.
fn satisfies(pv: &Pv, claim: &Pvc) -> bool {
    pv.class_name == claim.storage_class_name.as_deref().unwrap_or("")
        && pv.capacity_bytes >= claim.request_bytes
        && claim.access_modes.iter().all(|m: &AccessMode| pv.access_modes.contains(m))
}

/// The best existing volume for a claim (`FindMatchingVolume` in
/// k8s.io/component-helpers/storage/volume): among the usable volumes that
/// satisfy it and, given a node, whose node affinity admits that node, one
/// kept for this claim first, else the smallest; ties go to the older.
pub fn find_match(world: &crate::world::World, pvc: PvcId, node: Option<NodeId>) -> Option<PvId> {
    find_match_besides(world, pvc, node, &[])
}

/// The zone the driver makes an `Immediate` claim's volume in, knowing
/// nothing of where its pod will run: the first the external provisioner
/// prefers. Its requisite topology is the zones where nodes are, sorted
/// by name; it prefers them rotated by a hash of the claim's name, so that
/// a StatefulSet's volumes go round the zones by ordinal
/// (`GenerateAccessibilityRequirements` and `getPVCNameHashAndIndexOffset`
/// in external-provisioner's `pkg/controller/topology.go`, the in-tree
/// volume util's rule before it), and the drivers (EBS, Persistent Disk,
/// Azure Disk) take the first zone preferred. A class's `allowedTopologies`
/// that name zones are the requisite instead, whether nodes are there or
/// not (`flatten(allowedTopologies)`). `None` with no zone: no topology to
/// ask for.
fn immediate_zone<'w>(
    world: &'w crate::world::World,
    class: &'w StorageClass,
    claim: &str,
) -> Option<&'w str> {
    let zones = requisite_zones(world, class);
    let count = u32::try_from(zones.len()).ok().filter(|n| *n > 0)?;
    let (hash, index) = spread_hash(claim);
    Some(zones[(hash.wrapping_add(index) % count) as usize])
}

/// The zones the external provisioner asks the driver to choose from, in
/// name order: those its class's `allowedTopologies` names, else those
/// where nodes are.
fn requisite_zones<'w>(world: &'w crate::world::World, class: &'w StorageClass) -> Vec<&'w str> {
    if let Some(zones) = crate::config::topology_zones(&class.allowed_topologies) {
        return zones;
    }
    let mut zones: Vec<&str> = (0..world.zones.len())
        .filter(|z| world.zone_has_nodes(*z))
        .map(|z| world.zones[z].as_str())
        .collect();
    zones.sort_unstable();
    zones.dedup();
    zones
}

/// `getPVCNameHashAndIndexOffset`: a claim named like a StatefulSet's,
/// `<template>-<set>-<ordinal>`, hashes only the last dash-separated part
/// before the ordinal (so that a member's claims share a zone) and is
/// offset by the ordinal (so that the members go round the zones); any
/// other name hashes whole, offset 0. The hash is 32-bit FNV-1 (Go's
/// `fnv.New32`), the ordinal decimal digits that fit in 32 bits
/// (`strconv.ParseUint(s, 10, 32)`: no sign).
fn spread_hash(claim: &str) -> (u32, u32) {
    let ordinal = claim.rsplit_once('-').and_then(|(prefix, last)| {
        let digits = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
        let index = last.parse::<u32>().ok().filter(|_| digits)?;
        Some((prefix.rsplit_once('-').map_or(prefix, |(_, set)| set), index))
    });
    let (hashed, index) = ordinal.unwrap_or((claim, 0));
    let hash = hashed.bytes().fold(2_166_136_261u32, |h, b| h.wrapping_mul(16_777_619) ^ u32::from(b));
    (hash, index)
}

/// A regional volume's second zone, after `first`: the external
/// provisioner prefers the zones of the cluster's nodes in name order,
/// starting at the selected node's (`GenerateAccessibilityRequirements`,
/// without strict topology), and GCE PD's driver takes the first two it
/// prefers (`pickZonesFromTopology`): the next zone by name that has
/// nodes (or that the class's `allowedTopologies` names), after the last
/// the first. `None` when there is no other.
fn second_zone(world: &crate::world::World, class: &StorageClass, first: &str) -> Option<String> {
    let zones: std::collections::BTreeSet<&str> =
        requisite_zones(world, class).into_iter().filter(|zone| *zone != first).collect();
    let next = zones.range::<str, _>((std::ops::Bound::Excluded(first), std::ops::Bound::Unbounded)).next();
    next.or(zones.first()).map(|zone| zone.to_string())
}

/// `find_match` among the volumes not in `taken` (the scheduler's
/// `findMatchingVolumes`: each claim of a pod gets a volume of its own).
pub fn find_match_besides(
    world: &crate::world::World,
    pvc: PvcId,
    node: Option<NodeId>,
    taken: &[PvId],
) -> Option<PvId> {
    let claim = world.pvc(pvc);
    let fits = |pv: &Pv| match node {
        None => true,
        Some(node) => pv.node.is_none_or(|n| n == node) && pv.in_zone(&world.node(node).zone),
    };
    world
        .available_pvs
        .iter()
        .map(|id| world.pv(*id))
        .filter(|pv| usable_by(pv, claim) && satisfies(pv, claim) && fits(pv) && !taken.contains(&pv.id))
        .min_by_key(|pv| (pv.reserved_for.is_none(), pv.capacity_bytes, pv.id))
        .map(|pv| pv.id)
}

/// What the class's CSI driver answers `CreateVolume` for a filesystem
/// volume with these access modes, when it refuses: the block-storage
/// drivers attach a volume to one node at a time (`ReadWriteOncePod` is
/// passed to them as single-node too). Persistent Disk also serves
/// `ReadOnlyMany`. The messages are the drivers' own (aws-ebs-csi-driver,
/// gcp-compute-persistent-disk-csi-driver, azuredisk-csi-driver).
pub fn driver_refuses(class: &StorageClass, modes: &[AccessMode]) -> Option<&'static str> {
    let driver = class.csi_driver()?;
    modes.iter().find_map(|mode| match (driver, mode) {
        (_, AccessMode::ReadWriteOnce | AccessMode::ReadWriteOncePod) => None,
        ("ebs.csi.aws.com", _) => Some("Volume capabilities not supported"),
        ("pd.csi.storage.gke.io", AccessMode::ReadWriteMany) => {
            Some("VolumeCapabilities is invalid: specified multi writer with mount access type")
        }
        ("disk.csi.azure.com", _) => Some("Volume capability not supported"),
        _ => None,
    })
}

/// The external resizer takes up a claim that asks for more than its
/// volume holds, and expands the volume `RESIZE_TIME` later.
///
/// A request lowered while an expansion is under way (allowed from
/// `RecoverVolumeExpansionFailure`, as long as it stays above the volume's
/// capacity) does not stop it: the resizer recorded the larger size in
/// `status.allocatedResources` when it began (`Pvc::allocated_bytes`), and
/// only a failed expansion lets it try the lowered one
/// (kubernetes-csi/external-resizer `expandAndRecover`); expansions here
/// never fail. The volume never shrinks (`Api::expand_volume`).
pub fn resize_requested(api: &mut Api, pvc: PvcId) {
    let at = api.now + RESIZE_TIME;
    api.arm(crate::events::EventKey::Provision(pvc), at);
}

/// The external provisioner takes up the claim (unless it is already at
/// work on it, or the claim has its volume) and finishes it
/// `timings.provisioning` later.
fn start_provisioning(api: &mut Api, pvc: PvcId) {
    if let Some(due) = api.start_provisioning(pvc) {
        api.arm(crate::events::EventKey::Provision(pvc), due);
    }
}

/// The scheduler chose a node for a `WaitForFirstConsumer` claim: the
/// external provisioner watches claims, and takes up one annotated with its
/// selected node (`volume.kubernetes.io/selected-node`).
pub fn node_selected(api: &mut Api, pvc: PvcId) {
    start_provisioning(api, pvc);
}

/// A claim left the API server: whatever the provisioner or the resizer
/// had under way for it stops.
pub fn claim_removed(api: &mut Api, pvc: PvcId) {
    api.cancel(crate::events::EventKey::Provision(pvc));
}

/// The provisioner finishes the volume of claim `id`; for a bound claim
/// asking for more than its volume holds, the resizer expands it.
///
/// A regional class that finds the cluster's nodes in one zone is refused
/// (`need 2 zones from topology`), and an `Immediate` zonal class that
/// finds no node at all (`no available topology found`): errors that the
/// provisioner retries with its back-off (`reclaim::retry_delay`: 1 s doubling to
/// 5 min by default) for as long as the claim is unbound; each attempt asks the
/// nodes' zones again, so once the nodes it lacked are there the next
/// attempt makes the volume (`provisioning` later). A refusal is said
/// once, at the first attempt it meets: the later ones fail alike, and are
/// `stsim events`' to list. A driver's refusal of the access modes is not retried here:
/// neither the class nor the claim's modes can change, so every attempt
/// would fail alike.
pub fn provision(api: &mut Api, id: PvcId) {
    let pvc = api.world.pvc(id);
    if !pvc.exists() {
        return;
    }
    if let Some(pv) = pvc.volume {
        // The size the resizer began with, or a larger one asked since; the
        // driver grows the volume in its allocation unit, as it made it.
        let asked = pvc.request_bytes.max(pvc.allocated_bytes);
        let bytes = match api.world.pv(pv).storage_class {
            Some(class) => crate::objects::allocated_bytes(&api.world.class(class).provisioner, asked),
            None => asked,
        };
        api.expand_volume(pv, bytes);
        return;
    }
    let Some(class) = pvc.storage_class else { return };
    // The provisioner reads the selected node before anything else; one
    // that no longer exists gives the claim back to the scheduler
    // (kubernetes-sigs/sig-storage-lib-external-provisioner
    // `provisionClaimOperation`: a NotFound node is `ProvisioningReschedule`,
    // and `provisionVolumeErrorHandling` records the error and removes the
    // annotation). It works on the claim again once a node is chosen.
    if let Some(node) = pvc.selected_node
        && !api.world.node(node).exists()
    {
        let message = format!("node \"{}\" not found", api.world.node(node).name);
        api.claim_waits(id, "ProvisioningFailed", message);
        api.unselect_node_for_claim(id);
        return;
    }
    let class = api.world.class(class);
    // An attempt after a refusal, not the end of one under way.
    let retry = pvc.provision_failures > 0 && !pvc.provisioning;
    if let Some(refusal) = driver_refuses(class, &pvc.access_modes) {
        // A final error: the provisioner retries with back-off, and each
        // attempt fails the same way, since neither the class nor the
        // claim's access modes can change.
        let message = format!(
            "failed to provision volume with StorageClass \"{}\": rpc error: code = InvalidArgument desc = {refusal}",
            class.name
        );
        api.claim_waits(id, "ProvisioningFailed", message);
        return;
    }
    let local_node =
        class.local.then(|| pvc.selected_node.expect("a local claim is provisioned for a selected node"));
    let zones = if let Some(node) = local_node {
        vec![api.world.node(node).zone.clone()]
    } else if !class.zonal {
        Vec::new()
    } else {
        let first = match class.binding_mode {
            VolumeBindingMode::WaitForFirstConsumer => {
                let node = pvc.selected_node.expect("a delayed claim is provisioned for a selected node");
                Ok(api.world.node(node).zone.clone())
            }
            // With no node at all there is no topology to ask for:
            // `GenerateAccessibilityRequirements` fails, and the
            // provisioner retries until a node registers.
            VolumeBindingMode::Immediate => immediate_zone(api.world, class, &pvc.name)
                .map(str::to_string)
                .ok_or("error generating accessibility requirements: no available topology found"),
        };
        let zones = first.and_then(|first| match class.regional {
            false => Ok(vec![first]),
            true => match second_zone(api.world, class, &first) {
                Some(second) => Ok(vec![first, second]),
                None => Err("rpc error: code = InvalidArgument desc = CreateVolume failed to pick zones for \
                             disk: failed to pick zones from topology: need 2 zones from topology, only got 1 \
                             unique zones"),
            },
        });
        match zones {
            Ok(zones) => zones,
            Err(why) => {
                let message =
                    format!("failed to provision volume with StorageClass \"{}\": {why}", class.name);
                // Each attempt fails alike until the nodes change; a new
                // refusal is said once.
                let said = pvc.waiting.as_ref().is_none_or(|(_, was)| *was != message);
                let failures = api.provision_failed(id);
                if said {
                    api.claim_waits(id, "ProvisioningFailed", message);
                }
                let wait = super::reclaim::retry_delay(&api.world.timings, failures);
                api.wake_after(crate::events::EventKey::Provision(id), wait);
                return;
            }
        }
    };
    if retry {
        // The attempt found its zones: CreateVolume takes `provisioning`,
        // and its end works the zones out again, as every end does.
        let due = api.retry_provisioning(id);
        api.arm(crate::events::EventKey::Provision(id), due);
        return;
    }
    let pv = api.bind_new_volume(id, zones);
    api.world.pv_mut(pv).node = local_node;
}

#[cfg(test)]
mod tests {
    use super::spread_hash;

    /// 32-bit FNV-1, as Go's `fnv.New32` (the FNV reference vectors).
    fn fnv1(text: &str) -> u32 {
        spread_hash(text).0
    }

    #[test]
    fn the_hash_is_fnv_1_of_32_bits() {
        assert_eq!(fnv1(""), 0x811c_9dc5);
        assert_eq!(fnv1("a"), 0x050c_5d7e);
        assert_eq!(fnv1("foobar"), 0x31f0_b262);
    }

    #[test]
    fn a_statefulset_claim_hashes_its_sets_part_offset_by_its_ordinal() {
        assert_eq!(spread_hash("data-redis-2"), (fnv1("redis"), 2));
        assert_eq!(
            spread_hash("logs-redis-2"),
            spread_hash("data-redis-2"),
            "a member's claims share a zone"
        );
        // Only the part after the last dash before the ordinal.
        assert_eq!(spread_hash("data-my-db-10"), (fnv1("db"), 10));
        // `Name-Id` goes round too; no dash before: the whole prefix.
        assert_eq!(spread_hash("cache-7"), (fnv1("cache"), 7));
        // Not an ordinal (`strconv.ParseUint(s, 10, 32)`): the whole name, offset 0.
        for name in ["data-redis-x", "data-redis-+1", "data-redis-", "data-redis-4294967296"] {
            assert_eq!(spread_hash(name), (fnv1(name), 0), "{name}");
        }
        assert_eq!(spread_hash("data-redis-4294967295"), (fnv1("redis"), u32::MAX));
    }
}
