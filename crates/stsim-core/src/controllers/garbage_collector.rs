//! The garbage collector: dependents whose owners are gone are deleted.
//!
//! Owns owner-reference cleanup as Kubernetes' garbage collector does it:
//! a claim whose owning pod or StatefulSet no longer exists is deleted (the
//! retention policy put those references there: `whenScaled: Delete` makes
//! a condemned pod own its claims, `whenDeleted: Delete` makes the set own
//! them), and after a background-cascade delete of a StatefulSet its pods
//! are deleted, gracefully and in no particular order; a custom resource
//! none of whose owners is left is deleted (its finalizers hold it), and so
//! is a StatefulSet (in the background) or Service a gone custom resource owned. A
//! StatefulSet deleted in the foreground (`foregroundDeletion` finalizer)
//! has its pods and the claims it owns deleted while it stays; once the
//! last is gone from the API server the collector removes the finalizer,
//! and the set goes (`processDeletingDependentsItem`: every dependent of
//! ours blocks, `blockOwnerDeletion: true`). A StatefulSet deleted with
//! `propagationPolicy: Orphan` (`orphan` finalizer) has its pods and claims
//! taken out of its owner references, then the finalizer removed, and goes
//! (`orphanDependents`): until that pass, after the writes of the instant
//! that deleted it, its name is still taken. In-use protection of
//! claims is the API server's (`Api::delete_pvc`).
//!
//! Like the real collector it works from a queue, not a scan: its reactions
//! to the API server's changes queue an owner (`World::gc_owners`) when it
//! goes away or gains a dependent, and a pass looks only at the claims and
//! pods of those owners.
//!
//! Does not decide who owns what: the StatefulSet controller sets the references.

use crate::api::Api;
use crate::events::EventKey;
use crate::objects::*;

/// The graph of owners changed (an owner or a dependent came or went, or
/// owner references were replaced): the collector queues `owners` and
/// looks again.
pub fn graph_changed(api: &mut Api, owners: &[Owner]) {
    api.world.gc_owners.extend(owners.iter().copied());
    api.wake(EventKey::GarbageCollect);
}

/// A claim was created, or its owner references replaced: its owners are
/// queued for the collector's next pass (the graph builder's `processGraphChanges`
/// adds the dependent to each owner's node).
pub fn claim_owners_seen(api: &mut Api, pvc: PvcId) {
    let claim = api.world.pvc(pvc);
    if claim.exists() {
        let owners: Vec<Owner> = claim.owner_refs.iter().map(|r| r.owner).collect();
        api.world.gc_owners.extend(owners);
    }
}

/// Deletes every object whose owner is gone.
pub fn collect(api: &mut Api) {
    let queued = std::mem::take(&mut api.world.gc_owners);
    let world = api.world();
    let owner_gone = |r: &OwnerRef| match r.owner {
        Owner::Pod(pod) => {
            let pod = world.pod(pod);
            !pod.exists() || pod.uid != r.uid
        }
        Owner::StatefulSet(set) => world.sts(set).removed_at.is_some(),
    };
    let mut claims: Vec<PvcId> = queued
        .iter()
        .flat_map(|owner| world.claims_owned_by(*owner))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|c| {
            let c = world.pvc(*c);
            c.deletion_timestamp.is_none() && c.owner_refs.iter().any(owner_gone)
        })
        .collect();
    claims.sort_by(|a, b| world.pvc(*a).name.cmp(&world.pvc(*b).name));
    let mut pods: Vec<PodId> = queued
        .iter()
        .filter_map(|owner| match owner {
            Owner::StatefulSet(set) if world.sts(*set).removed_at.is_some() => Some(world.sts(*set)),
            _ => None,
        })
        .flat_map(|set| set.pods.values().copied())
        .filter(|p| !world.pod(*p).is_terminating())
        .collect();
    pods.sort_by(|a, b| world.pod(*a).name.cmp(&world.pod(*b).name));
    // Custom resources go when none of their owners is left (any kind, by
    // uid); a run without any pays nothing for this.
    let live_uids: std::collections::BTreeSet<String> = if world.custom.objects.is_empty() {
        Default::default()
    } else {
        world
            .statefulsets
            .iter()
            .filter(|s| s.removed_at.is_none())
            .map(|s| s.uid)
            .chain(world.live_pods().map(|p| p.uid))
            .chain(world.live_pvcs().map(|c| c.uid))
            .chain(world.custom.live().map(|o| o.uid))
            .map(crate::kube::uid)
            .collect()
    };
    let orphaned_custom: Vec<u32> = world
        .custom
        .live()
        .filter(|o| o.deletion_timestamp.is_none() && !o.owner_references.is_empty())
        .filter(|o| {
            o.owner_references.iter().all(|r| !r["uid"].as_str().is_some_and(|u| live_uids.contains(u)))
        })
        .map(|o| o.id)
        .collect();
    // StatefulSets and Services an operator's custom resource owns.
    let owned_by_gone = |refs: &[serde_json::Value]| {
        !refs.is_empty() && refs.iter().all(|r| !r["uid"].as_str().is_some_and(|u| live_uids.contains(u)))
    };
    let orphans: (Vec<StsId>, Vec<ServiceId>, Vec<PvcId>) = if world.custom.objects.is_empty() {
        Default::default()
    } else {
        // Claims a custom resource owns, with no StatefulSet or Pod owner.
        let claims = world
            .live_pvcs()
            .filter(|c| c.deletion_timestamp.is_none() && c.owner_refs.is_empty())
            .filter(|c| owned_by_gone(&c.owner_references))
            .map(|c| c.id)
            .collect();
        let sets = world
            .statefulsets
            .iter()
            .filter(|s| s.removed_at.is_none() && s.deletion_timestamp.is_none())
            .filter(|s| owned_by_gone(&s.owner_references))
            .map(|s| s.id)
            .collect();
        let services = world
            .services
            .iter()
            .filter(|s| s.exists() && s.deletion_timestamp.is_none() && owned_by_gone(&s.owner_references))
            .map(|s| s.id)
            .collect();
        (sets, services, claims)
    };
    let (orphaned_sets, orphaned_services, orphaned_claims) = orphans;
    for claim in claims {
        api.delete_pvc(claim);
    }
    for claim in orphaned_claims {
        api.delete_pvc(claim);
    }
    for set in orphaned_sets {
        api.delete_statefulset(set, Cascade::Background);
    }
    for service in orphaned_services {
        api.delete_service(service);
    }
    for object in orphaned_custom {
        api.delete_custom(object);
    }
    for pod in pods {
        api.delete_pod(pod, None);
    }
    for set in sets_held_by(api, &queued, FOREGROUND_DELETION) {
        delete_dependents(api, set);
    }
    for set in sets_held_by(api, &queued, ORPHAN_DEPENDENTS) {
        api.orphan_dependents(set);
        let finalizers: Vec<String> =
            api.world().sts(set).finalizers.iter().filter(|f| *f != ORPHAN_DEPENDENTS).cloned().collect();
        // Removing a finalizer is always allowed; the last one lets the set go.
        let _ = api.set_object_finalizers(crate::kube::ObjRef::Sts(set), finalizers);
    }
}

/// One pass over a StatefulSet deleted in the foreground: its dependents
/// not yet deleting are deleted; when none is left, its finalizer goes.
fn delete_dependents(api: &mut Api, sts: StsId) {
    let world = api.world();
    let pods: Vec<PodId> = world.sts(sts).pods.values().copied().collect();
    let mut claims: Vec<PvcId> = world.claims_owned_by(Owner::StatefulSet(sts)).collect();
    claims.sort_by(|a, b| world.pvc(*a).name.cmp(&world.pvc(*b).name));
    if pods.is_empty() && claims.is_empty() {
        let finalizers: Vec<String> =
            world.sts(sts).finalizers.iter().filter(|f| *f != FOREGROUND_DELETION).cloned().collect();
        // Removing a finalizer is always allowed.
        let _ = api.set_object_finalizers(crate::kube::ObjRef::Sts(sts), finalizers);
        return;
    }
    for pod in pods {
        if !api.world().pod(pod).is_terminating() {
            api.delete_pod(pod, None);
        }
    }
    for claim in claims {
        if api.world().pvc(claim).deletion_timestamp.is_none() {
            api.delete_pvc(claim);
        }
    }
    // Looked at again when a dependent goes (every removal wakes the collector).
    api.world.gc_owners.insert(Owner::StatefulSet(sts));
}

/// The live StatefulSets among the queued owners that the garbage
/// collector's finalizer `finalizer` holds (`foregroundDeletion`, `orphan`).
fn sets_held_by(api: &Api, queued: &std::collections::BTreeSet<Owner>, finalizer: &str) -> Vec<StsId> {
    queued
        .iter()
        .filter_map(|owner| match owner {
            Owner::StatefulSet(set) => Some(*set),
            Owner::Pod(_) => None,
        })
        .filter(|set| {
            let set = api.world().sts(*set);
            set.removed_at.is_none() && set.finalizers.iter().any(|f| f == finalizer)
        })
        .collect()
}
