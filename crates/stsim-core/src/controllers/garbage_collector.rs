//! The garbage collector: dependents whose owners are gone are deleted.
//!
//! Owns owner-reference cleanup as Kubernetes' garbage collector does it:
//! a claim whose owning pod or StatefulSet no longer exists is deleted (the
//! retention policy put those references there: `whenScaled: Delete` makes
//! a condemned pod own its claims, `whenDeleted: Delete` makes the set own
//! them), and after a background-cascade delete of a StatefulSet its pods
//! are deleted, gracefully and in no particular order; a custom resource
//! none of whose owners is left is deleted (its finalizers hold it). In-use protection of
//! claims is the API server's (`Api::delete_pvc`).
//!
//! Does not decide who owns what: the StatefulSet controller sets the references.

use crate::api::Api;
use crate::objects::*;

/// Deletes every object whose owner is gone.
pub fn collect(api: &mut Api) {
    let world = api.world();
    let owner_gone = |r: &OwnerRef| match r.owner {
        Owner::Pod(pod) => {
            let pod = world.pod(pod);
            !pod.exists() || pod.uid != r.uid
        }
        Owner::StatefulSet(set) => world.sts(set).removed_at.is_some(),
    };
    let claims: Vec<PvcId> = world
        .live_pvcs()
        .filter(|c| c.deletion_timestamp.is_none() && c.owner_refs.iter().any(owner_gone))
        .map(|c| c.id)
        .collect();
    let pods: Vec<PodId> = world
        .live_pods()
        .filter(|p| !p.is_terminating() && p.owner.is_some_and(|set| world.sts(set).removed_at.is_some()))
        .map(|p| p.id)
        .collect();
    // Custom resources go when none of their owners is left (any kind, by uid).
    let live_uids: std::collections::BTreeSet<String> = world
        .statefulsets
        .iter()
        .filter(|s| s.removed_at.is_none())
        .map(|s| s.uid)
        .chain(world.live_pods().map(|p| p.uid))
        .chain(world.live_pvcs().map(|c| c.uid))
        .chain(world.custom.live().map(|o| o.uid))
        .map(crate::kube::uid)
        .collect();
    let orphaned_custom: Vec<u32> = world
        .custom
        .live()
        .filter(|o| o.deletion_timestamp.is_none() && !o.owner_references.is_empty())
        .filter(|o| {
            o.owner_references.iter().all(|r| !r["uid"].as_str().is_some_and(|u| live_uids.contains(u)))
        })
        .map(|o| o.id)
        .collect();
    for claim in claims {
        api.delete_pvc(claim);
    }
    for object in orphaned_custom {
        api.delete_custom(object);
    }
    for pod in pods {
        api.delete_pod(pod, None);
    }
}
