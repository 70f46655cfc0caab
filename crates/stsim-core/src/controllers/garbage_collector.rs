//! The garbage collector: dependents whose owners are gone are deleted.
//!
//! Owns owner-reference cleanup as Kubernetes' garbage collector does it:
//! a claim whose owning pod or StatefulSet no longer exists is deleted (the
//! retention policy put those references there: `whenScaled: Delete` makes
//! a condemned pod own its claims, `whenDeleted: Delete` makes the set own
//! them), and after a background-cascade delete of a StatefulSet its pods
//! are deleted, gracefully and in no particular order. In-use protection of
//! claims is the API server's (`Api::delete_pvc`).
//!
//! Like the real collector it works from a queue, not a scan: the world
//! queues an owner (`World::gc_owners`) when it goes away or gains a
//! dependent, and a pass looks only at the claims and pods of those owners.
//!
//! Does not decide who owns what: the StatefulSet controller sets the references.

use crate::api::Api;
use crate::objects::*;

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
    for claim in claims {
        api.delete_pvc(claim);
    }
    for pod in pods {
        api.delete_pod(pod, None);
    }
}
