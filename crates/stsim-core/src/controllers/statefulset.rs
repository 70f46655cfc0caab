//! The StatefulSet controller: one sync of one set, as `updateStatefulSet`.
//!
//! Owns pod identity (names, hostname and subdomain, the pod-name, pod-index
//! and revision labels), claim creation from `volumeClaimTemplates`, the
//! OrderedReady and Parallel scaling rules, the classic rolling update and
//! OnDelete, ControllerRevisions, claim owner references for the retention
//! policy, and the status. It follows the Kubernetes v1.28 controller
//! (`pkg/controller/statefulset/stateful_set_control.go`), whose decisions
//! `shared/oracle/` recorded; the oracle test replays them against [`sync`].
//!
//! Does not own what happens to a pod after it is created or deleted (the
//! scheduler, kubelet and API server do), nor garbage collection of claims.
//! It reads the world and writes through [`Api`]; it is level-triggered and
//! never told why it runs.

use crate::api::{Api, ApiError, NewPod, NewPvc};
use crate::config::{PodManagementPolicy, RetentionAction, UpdateStrategy};
use crate::events::EventKey;
use crate::hash::{fnv32, safe_encode};
use crate::objects::*;
use crate::time::SimDuration;

/// The named steps of one sync, in order. A sync that stops early says
/// where, so traces, tests and explanations share the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Creating, replacing or waiting on in-range pods (`processReplica`).
    Replicas,
    /// Bringing condemned pods' claim owners in line with the retention policy.
    CondemnedClaims,
    /// Deleting out-of-range pods (`processCondemned`).
    Condemned,
    /// Replacing pods of an old revision (`RollingUpdate`).
    RollingUpdate,
    /// Nothing left to do.
    Done,
}

/// What one sync achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// The step the sync stopped in.
    pub stopped_in: Step,
    /// A write the API server refused; the work queue retries with back-off.
    pub error: Option<ApiError>,
    /// The pod the sync could not get past, and why.
    pub waiting: Option<(PodId, WaitReason)>,
}

impl SyncOutcome {
    fn done() -> SyncOutcome {
        SyncOutcome { stopped_in: Step::Done, error: None, waiting: None }
    }
    fn stopped(step: Step, waiting: Option<(PodId, WaitReason)>) -> SyncOutcome {
        SyncOutcome { stopped_in: step, error: None, waiting }
    }
    fn failed(step: Step, error: ApiError) -> SyncOutcome {
        SyncOutcome { stopped_in: step, error: Some(error), waiting: None }
    }
}

/// A slot of the in-range sequence: an existing pod, or one to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Pod(PodId),
    /// Created in this pass: the controller's copy of it has no status yet.
    Created(PodId),
    /// Not created yet: will be made at this revision (index into the set's revisions).
    Missing {
        revision: usize,
    },
    /// A finished pod deleted in this pass, gone from the API server: the
    /// controller's copy still shows it, unhealthy, and its replacement is
    /// made at a later sync.
    Deleted(PodId),
}

/// The revisions a sync works with, as indexes into `StatefulSet::revisions`.
struct Revisions {
    current: usize,
    update: usize,
    /// Their names' numbers (`ControllerRevision::name_number`), to
    /// compare with each pod's.
    current_number: u32,
    update_number: u32,
}

// ----- event handlers ------------------------------------------------------
// What the controller's informers enqueue when the API server reports a
// change (`controllers::react`).

/// A pod changed: its owner syncs (`updatePod`, `deletePod`).
pub fn pod_changed(api: &mut Api, pod: PodId) {
    if let Some(owner) = api.world.pod(pod).owner {
        api.wake(EventKey::StatefulSetSync(owner));
    }
}

/// A pod without an owner was created, or its labels changed: the informer
/// hands it to every live set whose selector matches it, to see if one
/// adopts it (pkg/controller/statefulset/stateful_set.go `addPod` and
/// `updatePod`: "Otherwise, it's an orphan. Get a list of all matching
/// controllers and sync them", through `getStatefulSetsForPod`). The sync's `ClaimPods` adopts it if
/// its name is `<set>-<ordinal>`, and deletes it if that ordinal is out of
/// range.
pub fn orphan_seen(api: &mut Api, pod: PodId) {
    let labels = &api.world.pod(pod).labels;
    let sets: Vec<StsId> = (api.world.statefulsets.iter())
        .filter(|s| s.removed_at.is_none() && s.spec.selector.matches(labels))
        .map(|s| s.id)
        .collect();
    for set in sets {
        api.wake(EventKey::StatefulSetSync(set));
    }
}

/// A pod's labels changed. `updatePod`: "If it has a ControllerRef,
/// that's all that matters": its owner is synced (`pod_changed`, which
/// hears of every change to the pod), and releases it if its selector no
/// longer matches. An orphan's labels changed: the sets its new labels
/// match are synced, to see if one adopts it (the old labels' sets are
/// not: `getStatefulSetsForPod(curPod)`).
pub fn pod_relabelled(api: &mut Api, pod: PodId) {
    if api.world.pod(pod).owner.is_none() {
        orphan_seen(api, pod);
    }
}

/// A pod's controller reference to `owner` was removed. `updatePod`: the
/// ControllerRef changed, so the old controller is synced if it still
/// exists (`resolveControllerRef`); the pod is an orphan now, so the sets
/// its labels match are synced too.
pub fn owner_reference_removed(api: &mut Api, pod: PodId, owner: StsId) {
    if api.world.sts(owner).removed_at.is_none() {
        api.wake(EventKey::StatefulSetSync(owner));
    }
    orphan_seen(api, pod);
}

/// Runs one sync of `sts`.
pub fn sync(api: &mut Api, sts: StsId) -> SyncOutcome {
    let set = api.world().sts(sts);
    if set.removed_at.is_some() {
        return SyncOutcome::done();
    }
    adopt_orphans(api, sts);
    let revisions = resolve_revisions(api, sts);
    let mut run = Sync { sts, revisions, deleted: Vec::new() };
    let outcome = run.update(api);
    run.write_status(api);
    if outcome.error.is_none() {
        api.set_statefulset_waiting(sts, outcome.waiting);
    }
    // With minReadySeconds, availability arrives with time, not with an
    // event: look again once it may have (the controller's AddAfter).
    if let Some(delay) = availability_recheck(api, sts) {
        api.wake_after(EventKey::StatefulSetSync(sts), delay);
    }
    truncate_history(api, sts);
    outcome
}

/// The first release whose controller requeues a set at the instant its
/// next pod becomes available: k/k PR #135428 ("schedule pod availability
/// checks at the correct time in StatefulSets", in 1.36.0), cherry-picked
/// to 1.35 as PR #136097 (in 1.35.1).
const AVAILABILITY_CHECK_AT_THE_RIGHT_TIME: crate::features::Version = crate::features::Version::new(35, 1);

/// How long after this sync the controller looks at the set again for
/// availability, if it does (`syncStatefulSet`'s `AddAfter`).
///
/// Before 1.35.1 (and 1.36.0): `minReadySeconds` after every sync that
/// leaves `availableReplicas` short of `spec.replicas`. The work queue keeps
/// the earliest wake, so a pod that turned Ready after an earlier sync was
/// counted only at a later look, up to about twice `minReadySeconds` late
/// (k/k issues #113878, #119352).
///
/// From k/k PR #135428 (1.36.0; 1.35.1 by #136097): while some Ready pod
/// is not yet available (`readyReplicas != availableReplicas`), at the
/// earliest instant one becomes available, its Ready transition plus
/// `minReadySeconds` (`controller.FindMinNextPodAvailabilityCheck` over the
/// set's pods, as the ReplicaSet controller has done since PR #132121),
/// else `minReadySeconds` as a fallback. stsim's sync takes no time, so the
/// check's second read of the clock changes nothing.
fn availability_recheck(api: &Api, sts: StsId) -> Option<SimDuration> {
    let world = api.world();
    let set = world.sts(sts);
    let min_ready = set.spec.min_ready_seconds;
    if min_ready == 0 {
        return None;
    }
    let fallback = SimDuration::from_secs(u64::from(min_ready));
    if world.kubernetes < AVAILABILITY_CHECK_AT_THE_RIGHT_TIME {
        return (set.status.available_replicas != set.spec.replicas).then_some(fallback);
    }
    if set.status.ready_replicas == set.status.available_replicas {
        return None;
    }
    let next = set
        .pods
        .values()
        .map(|id| world.pod(*id))
        .filter(|pod| pod.exists() && pod.status.ready)
        .filter_map(|pod| pod.status.ready_since)
        .map(|since| since + fallback)
        .filter(|at| *at > api.now)
        .min();
    Some(next.map_or(fallback, |at| at.since(api.now)))
}

struct Sync {
    sts: StsId,
    revisions: Revisions,
    /// Finished pods this pass deleted and the API server removed at once
    /// ([`Slot::Deleted`]): the status counts the controller's copies.
    deleted: Vec<PodId>,
}

/// Whether a step may continue to the next pod or must stop the sync, and
/// if it stops because of a pod, which and why.
enum Flow {
    Continue,
    Block(Option<(PodId, WaitReason)>),
}

impl Sync {
    fn set<'w>(&self, api: &'w Api) -> &'w StatefulSet {
        api.world().sts(self.sts)
    }

    fn update(&mut self, api: &mut Api) -> SyncOutcome {
        let set = self.set(api);
        let monotonic = set.spec.pod_management_policy == PodManagementPolicy::OrderedReady;
        let start = set.start_ordinal();

        // Partition pods into in-range slots and condemned pods (descending ordinal).
        // One walk of the set's pods in ordinal order, not a search per ordinal.
        let end = set.end_ordinal_exclusive();
        let mut existing = set.pods.range(start..end).peekable();
        let mut replicas: Vec<Slot> = (start..end)
            .map(|ordinal| match existing.next_if(|(at, _)| **at == ordinal) {
                Some((_, pod)) => Slot::Pod(*pod),
                None => Slot::Missing { revision: self.revision_for_new_pod(api, ordinal) },
            })
            .collect();
        let condemned: Vec<PodId> = set
            .pods
            .iter()
            .rev()
            .filter(|(ordinal, _)| !set.in_range(**ordinal))
            .map(|(_, id)| *id)
            .collect();

        // The first unhealthy pod: in-range ascending, then condemned
        // ascending. A pod yet to be created is unhealthy and matches no
        // condemned pod, so it blocks every unhealthy condemned pod.
        let min_ready = set.spec.min_ready_seconds;
        let healthy = |id: &PodId| healthy(api, api.world().pod_brief(*id), min_ready);
        let first_unhealthy = match replicas.iter().find(|slot| match slot {
            Slot::Pod(id) => !healthy(id),
            Slot::Created(_) | Slot::Missing { .. } | Slot::Deleted(_) => true,
        }) {
            Some(Slot::Pod(id)) => Some(*id),
            Some(_) => None,
            None => condemned.iter().rev().copied().find(|id| !healthy(id)),
        };

        if set.deletion_timestamp.is_some() {
            return SyncOutcome::done();
        }

        // Step 1: in-range pods, ascending.
        match self.for_all(api, replicas.len(), monotonic, |this, api, i| {
            this.process_replica(api, &mut replicas, i, monotonic)
        }) {
            Ok(Flow::Block(waiting)) => return SyncOutcome::stopped(Step::Replicas, waiting),
            Err(error) => return SyncOutcome::failed(Step::Replicas, error),
            Ok(Flow::Continue) => {}
        }

        // Step 2: claim owners of condemned pods, before they are deleted.
        match self.for_all(api, condemned.len(), monotonic, |this, api, i| {
            this.fix_claim_owners(api, condemned[i]);
            Ok(Flow::Continue)
        }) {
            Ok(Flow::Block(waiting)) => return SyncOutcome::stopped(Step::CondemnedClaims, waiting),
            Err(error) => return SyncOutcome::failed(Step::CondemnedClaims, error),
            Ok(Flow::Continue) => {}
        }

        // Step 3: condemned pods, highest ordinal first. Scaling takes
        // precedence over updates: in OrderedReady every in-range pod is
        // Running and Ready by now.
        match self.for_all(api, condemned.len(), monotonic, |this, api, i| {
            this.process_condemned(api, condemned[i], first_unhealthy, monotonic)
        }) {
            Ok(Flow::Block(waiting)) => return SyncOutcome::stopped(Step::Condemned, waiting),
            Err(error) => return SyncOutcome::failed(Step::Condemned, error),
            Ok(Flow::Continue) => {}
        }

        // Step 4: the rolling update. OnDelete leaves pods alone.
        let (partition, max_unavailable) = match self.set(api).spec.update_strategy {
            UpdateStrategy::OnDelete => return SyncOutcome::done(),
            UpdateStrategy::RollingUpdate { partition, max_unavailable, .. } => {
                (partition as usize, max_unavailable)
            }
        };
        if api.world().features.max_unavailable_statefulset {
            let replicas_wanted = self.set(api).spec.replicas;
            let budget = max_unavailable.map_or(1, |m| m.max_unavailable(replicas_wanted)) as usize;
            return self.rolling_update_max_unavailable(api, &replicas, partition, budget, monotonic);
        }
        self.rolling_update(api, &replicas, partition)
    }

    /// `runForAll`: sequential with stop-on-block when monotonic; otherwise
    /// in slow-start batches of 1, 2, 4, ... that stop after a batch with an
    /// error, per-pod blocks being ignored (`slowStartBatch`).
    fn for_all(
        &mut self,
        api: &mut Api,
        count: usize,
        monotonic: bool,
        mut each: impl FnMut(&mut Self, &mut Api, usize) -> Result<Flow, ApiError>,
    ) -> Result<Flow, ApiError> {
        if monotonic {
            for i in 0..count {
                if let Flow::Block(waiting) = each(self, api, i)? {
                    return Ok(Flow::Block(waiting));
                }
            }
            return Ok(Flow::Continue);
        }
        const MAX_BATCH_SIZE: usize = 500;
        let mut batch = 1usize;
        let mut i = 0;
        while i < count {
            let end = (i + batch).min(count);
            let mut first_error = None;
            for j in i..end {
                if let Err(error) = each(self, api, j) {
                    first_error.get_or_insert(error);
                }
            }
            if let Some(error) = first_error {
                return Err(error);
            }
            i = end;
            batch = (batch * 2).min(MAX_BATCH_SIZE);
        }
        Ok(Flow::Continue)
    }

    /// `processReplica`.
    fn process_replica(
        &mut self,
        api: &mut Api,
        replicas: &mut [Slot],
        i: usize,
        monotonic: bool,
    ) -> Result<Flow, ApiError> {
        let ordinal = self.set(api).start_ordinal() + i as u32;
        // A pod that failed or finished (`processReplica`: isFailed ||
        // isSucceeded; a pod the kubelet's admission rejected, or stopped
        // for its node's shutdown, is Failed) is deleted. The API server
        // deletes a finished pod at once (`CheckGracefulDelete`), unless
        // finalizers hold it.
        if let Slot::Pod(id) = replicas[i]
            && api.world().pod_brief(id).is_terminal()
        {
            let terminating = api.world().pod_brief(id).terminating;
            if api.world().kubernetes.recreates_finished_pod_next_sync() {
                // The replacement is made at a later sync, once the old
                // object is gone (k/k PR #123809): its removal wakes the
                // set. The pass stops here when monotonic; a Parallel set
                // goes on with the next pod.
                if !terminating {
                    api.delete_pod(id, None);
                }
                let held = api.world().pod(id).exists();
                if !held {
                    replicas[i] = Slot::Deleted(id);
                    self.deleted.push(id);
                }
                return Ok(match monotonic {
                    true => Flow::Block(held.then_some((id, WaitReason::PodTerminating))),
                    false => Flow::Continue,
                });
            }
            // Before it: the pod is deleted and its replacement asked for
            // in the same pass (with a `RecreatingFailedPod` event, which
            // the events view tells from the removal).
            if !terminating {
                api.delete_pod(id, None);
                replicas[i] = Slot::Missing { revision: self.revision_for_new_pod(api, ordinal) };
            }
        }
        if let Slot::Missing { revision } = replicas[i] {
            // A claim still owned by an earlier pod of this name will be
            // garbage-collected: stop this sync (`PodClaimIsStale`). The
            // real controller returns without an error, so nothing requeues
            // the set, and it has no claim handler: the claim's deletion
            // wakes nothing (see `Simulation`'s informer resync).
            if let Some(owner) = self.stale_claim_owner(api, ordinal) {
                return Ok(Flow::Block(Some((owner, WaitReason::ClaimStale))));
            }
            let pod = self.create_pod(api, ordinal, revision)?;
            replicas[i] = Slot::Created(pod);
            if monotonic {
                return Ok(Flow::Block(None));
            }
            // The controller's local copy of a just-created pod has no phase
            // yet: nothing more to check this pass.
            return Ok(Flow::Continue);
        }
        let Slot::Pod(id) = replicas[i] else {
            return Ok(Flow::Continue);
        };
        if api.world().pod_brief(id).phase == PodPhase::Pending
            && api.world().pod(id).claims_present_at != api.world().claim_losses
        {
            // A claim deleted while its pod was pending is made again. Had
            // every claim been present and alive with no claim lost since,
            // they still are: nothing to look up (a set of thousands of
            // pending pods would otherwise look up every claim each sync).
            self.create_missing_claims(api, ordinal)?;
            let losses = api.world().claim_losses;
            if self.claims_present(api, ordinal) {
                api.world.pod_mut(id).claims_present_at = losses;
            }
        }
        let pod = api.world().pod_brief(id);
        let min_ready = self.set(api).spec.min_ready_seconds;
        if monotonic && pod.terminating {
            return Ok(Flow::Block(Some((id, WaitReason::PodTerminating))));
        }
        if monotonic && (!pod.is_running_and_ready() || !pod.is_available(min_ready, api.now)) {
            return Ok(Flow::Block(Some((id, WaitReason::PodNotReady))));
        }
        // Enforce the invariants: the pod's identity label, then the
        // retention policy's owner references on in-range claims.
        self.restore_identity(api, id);
        self.fix_claim_owners(api, id);
        Ok(Flow::Continue)
    }

    /// `identityMatches` and `UpdateStatefulPod`'s `updateIdentity`
    /// (stateful_set_utils.go): a pod whose `statefulset.kubernetes.io/
    /// pod-name` label is not its name (removed or changed by someone) gets
    /// it back, with its `apps.kubernetes.io/pod-index` label where the
    /// release writes one, in one update of the pod.
    fn restore_identity(&self, api: &mut Api, id: PodId) {
        if api.world().pod_brief(id).identity_labelled {
            debug_assert_eq!(
                api.world().pod(id).labels.get(labels::POD_NAME),
                Some(&api.world().pod(id).name),
                "the identity flag of {} is out of date",
                api.world().pod(id).name
            );
            return;
        }
        let pod = api.world().pod(id);
        let mut restored = pod.labels.clone();
        restored.insert(labels::POD_NAME.to_string(), pod.name.clone());
        if api.world().features.pod_index_label
            && let Some(ordinal) = pod.ordinal
        {
            restored.insert(labels::POD_INDEX.to_string(), ordinal.to_string());
        }
        let change = format!("label {} restored (the pod's identity)", labels::POD_NAME);
        api.set_pod_labels(id, restored, change);
    }

    /// `processCondemned`.
    fn process_condemned(
        &mut self,
        api: &mut Api,
        id: PodId,
        first_unhealthy: Option<PodId>,
        monotonic: bool,
    ) -> Result<Flow, ApiError> {
        let pod = api.world().pod_brief(id);
        if pod.terminating {
            return Ok(if monotonic {
                Flow::Block(Some((id, WaitReason::PodTerminating)))
            } else {
                Flow::Continue
            });
        }
        let min_ready = self.set(api).spec.min_ready_seconds;
        // Only the first unhealthy pod may be deleted while unhealthy.
        let healthy = pod.is_running_and_ready() && pod.is_available(min_ready, api.now);
        if monotonic && !healthy && first_unhealthy != Some(id) {
            return Ok(Flow::Block(Some((id, WaitReason::PodNotReady))));
        }
        api.delete_pod(id, None);
        Ok(if monotonic { Flow::Block(None) } else { Flow::Continue })
    }

    /// The classic rolling update (`MaxUnavailableStatefulSet` off): from
    /// the highest slot down to the partition, delete the first pod not at
    /// the update revision, or wait on the first that is not healthy. One
    /// pod at a time. Healthy is available (`minReadySeconds`) from 1.34
    /// (k/k PR #130909), Running and Ready before (see [`healthy`]).
    fn rolling_update(&mut self, api: &mut Api, replicas: &[Slot], partition: usize) -> SyncOutcome {
        let update_number = Some(self.revisions.update_number);
        let min_ready = self.set(api).spec.min_ready_seconds;
        for target in (partition..replicas.len()).rev() {
            let id = match replicas[target] {
                Slot::Pod(id) => id,
                // Just created this pass: its local copy is not available yet.
                Slot::Created(id) => {
                    return SyncOutcome::stopped(
                        Step::RollingUpdate,
                        Some((id, WaitReason::UpdatedPodNotAvailable)),
                    );
                }
                // Deleted this pass (finished): the controller's copy is
                // not healthy, and nothing else can happen to it.
                Slot::Missing { .. } | Slot::Deleted(_) => {
                    return SyncOutcome::stopped(Step::RollingUpdate, None);
                }
            };
            let pod = api.world().pod_brief(id);
            if !pod.at_revision(update_number) && !pod.terminating {
                api.delete_pod(id, None);
                return SyncOutcome::stopped(Step::RollingUpdate, None);
            }
            if !healthy(api, api.world().pod_brief(id), min_ready) {
                return SyncOutcome::stopped(
                    Step::RollingUpdate,
                    Some((id, WaitReason::UpdatedPodNotAvailable)),
                );
            }
        }
        SyncOutcome::done()
    }

    /// The rolling update with `maxUnavailable` (`MaxUnavailableStatefulSet`
    /// on; `updateStatefulSetAfterInvariantEstablished`). Unavailable pods
    /// are counted over every in-range slot, whatever the partition; if the
    /// budget is used up nothing is deleted; otherwise up to the rest of the
    /// budget of outdated pods are deleted at once, highest ordinal first.
    ///
    /// In 1.35 a Parallel set whose only unavailable pod runs an outdated,
    /// never-Ready revision stays stuck: that pod uses the whole budget and
    /// is never replaced (k/k #137409). The 1.37 fix (#137666) first replaces
    /// outdated pods that are unavailable anyway, then spends what is left.
    fn rolling_update_max_unavailable(
        &mut self,
        api: &mut Api,
        replicas: &[Slot],
        partition: usize,
        budget: usize,
        monotonic: bool,
    ) -> SyncOutcome {
        let min_ready = self.set(api).spec.min_ready_seconds;
        let now = api.now;
        let world = api.world();
        let update_number = Some(self.revisions.update_number);
        let unavailable = |slot: &Slot| match slot {
            Slot::Pod(id) => !healthy_at(world, now, world.pod_brief(*id), min_ready),
            Slot::Created(_) | Slot::Missing { .. } | Slot::Deleted(_) => true,
        };
        let outdated = |slot: &Slot| match slot {
            Slot::Pod(id) => {
                let pod = world.pod_brief(*id);
                !pod.at_revision(update_number) && !pod.terminating
            }
            Slot::Created(_) | Slot::Missing { .. } | Slot::Deleted(_) => false,
        };
        let unavailable_count = replicas.iter().filter(|s| unavailable(s)).count();
        let first_unavailable = replicas.iter().rev().find_map(|slot| match slot {
            Slot::Pod(id) | Slot::Created(id) if unavailable(slot) => Some(*id),
            _ => None,
        });
        let fix = world.features.max_unavailable_parallel_fix && !monotonic;
        let mut doomed: Vec<PodId> = Vec::new();
        if fix {
            // Phase 1: outdated pods that are unavailable anyway go first.
            for slot in replicas[partition.min(replicas.len())..].iter().rev() {
                if let Slot::Pod(id) = slot
                    && outdated(slot)
                    && unavailable(slot)
                {
                    doomed.push(*id);
                }
            }
        }
        if unavailable_count < budget {
            // Phase 2 (the only phase before 1.37): spend the rest of the budget.
            let mut room = budget - unavailable_count;
            for slot in replicas[partition.min(replicas.len())..].iter().rev() {
                if room == 0 {
                    break;
                }
                if let Slot::Pod(id) = slot
                    && outdated(slot)
                    && !doomed.contains(id)
                {
                    doomed.push(*id);
                    room -= 1;
                }
            }
        }
        if doomed.is_empty() {
            let waiting = (unavailable_count >= budget)
                .then_some(first_unavailable)
                .flatten()
                .map(|id| (id, WaitReason::UnavailableBudgetUsed));
            return match waiting {
                Some(_) => SyncOutcome::stopped(Step::RollingUpdate, waiting),
                None => SyncOutcome::done(),
            };
        }
        for id in doomed {
            api.delete_pod(id, None);
        }
        SyncOutcome::stopped(Step::RollingUpdate, None)
    }

    /// `newVersionedStatefulSetPod`'s choice: pods below the partition are
    /// made at the current revision, all others at the update revision.
    fn revision_for_new_pod(&self, api: &Api, ordinal: u32) -> usize {
        let set = self.set(api);
        // `newVersionedStatefulSetPod`: below the partition, or without a
        // `rollingUpdate` block below the pods the status counts at the
        // current revision, the pod is made at the current revision.
        let current_below = match set.spec.update_strategy {
            UpdateStrategy::RollingUpdate { nil: true, .. } => set.status.current_replicas,
            UpdateStrategy::RollingUpdate { partition, .. } => partition,
            UpdateStrategy::OnDelete => return self.revisions.update,
        };
        match ordinal < set.start_ordinal() + current_below {
            true => self.revisions.current,
            false => self.revisions.update,
        }
    }

    /// `CreateStatefulPod`: claims first, then the pod, then the claims'
    /// owner references for the retention policy.
    fn create_pod(&mut self, api: &mut Api, ordinal: u32, revision: usize) -> Result<PodId, ApiError> {
        self.create_missing_claims(api, ordinal)?;
        let set = self.set(api);
        let template = &set.revisions[revision].template;
        let name = pod_name(&set.name, ordinal);
        let mut pod_labels = template.labels.clone();
        pod_labels.insert(labels::POD_NAME.to_string(), name.clone());
        if api.world().features.pod_index_label {
            pod_labels.insert(labels::POD_INDEX.to_string(), ordinal.to_string());
        }
        pod_labels.insert(labels::REVISION.to_string(), set.revisions[revision].name.clone());
        // `updateStorage`: a volume per claim template, named as the
        // template (replacing one of the template's own of that name). The
        // API server checks them against the pod's mounts; the claim
        // templates' names are DNS labels, once each (checked with the
        // set), so a pod that neither mounts nor has volumes of its own
        // needs no list.
        let claim_templates = &set.spec.volume_claim_templates;
        let mounts = !template.volume_mounts.is_empty()
            || template.extra_containers.iter().any(|c| !c.volume_mounts.is_empty())
            || template.init_containers.iter().any(|c| !c.volume_mounts.is_empty());
        let mut volumes = template.volumes.clone();
        if mounts || !volumes.is_empty() {
            for claim in claim_templates {
                if !volumes.contains(&claim.name) {
                    volumes.push(claim.name.clone());
                }
            }
        }
        let new = NewPod {
            subdomain: set.spec.service_name.clone(),
            labels: pod_labels,
            owner: Some(self.sts),
            ordinal: Some(ordinal),
            claims: claim_templates.iter().map(|t| claim_name(&t.name, &set.name, ordinal)).collect(),
            volumes,
            ..NewPod::from_template(name, template)
        };
        let id = api.create_pod(new)?;
        self.fix_claim_owners(api, id);
        Ok(id)
    }

    /// `createPersistentVolumeClaims`: make each template's claim for the
    /// ordinal unless it exists; an existing claim is reused as it is.
    fn create_missing_claims(&self, api: &mut Api, ordinal: u32) -> Result<(), ApiError> {
        // Usually every claim exists and is not being deleted: nothing to build.
        if self.claims_present(api, ordinal) {
            return Ok(());
        }
        let set = self.set(api);
        let mut first_error = None;
        let wanted: Vec<(NewPvc, Vec<String>)> = set
            .spec
            .volume_claim_templates
            .iter()
            .map(|template| {
                // The claim template's labels, with the selector's
                // `matchLabels` over them (`getPersistentVolumeClaims`):
                // not the pod template's.
                let mut claim_labels = template.labels.clone();
                claim_labels.extend(set.spec.selector.match_labels.clone());
                let claim = NewPvc {
                    name: claim_name(&template.name, &set.name, ordinal),
                    labels: claim_labels,
                    // The DefaultStorageClass admission plugin fills in the
                    // default class; a named class is kept even if it does
                    // not exist (the claim then waits for it).
                    storage_class_name: match &template.storage_class {
                        Some(class) => Some(class.clone()),
                        None => api.world().default_class().map(|c| api.world().class(c).name.clone()),
                    },
                    request_bytes: template.storage_bytes,
                    access_modes: template.access_modes.clone(),
                    owner_refs: Vec::new(),
                    statefulset: Some(self.sts),
                    volume_name: None,
                };
                (claim, template.create_errors.clone())
            })
            .collect();
        for (claim, errors) in wanted {
            match api.world().pvc_named(&claim.name) {
                // What the API server's validation of the claim refuses
                // (`ValidatePersistentVolumeClaim`): a template the set's
                // own validation let through before 1.34 (k/k PR #132212,
                // kubernetes/kubernetes#132211). The controller's
                // `createPersistentVolumeClaims` fails, so `CreateStatefulPod`
                // creates no pod, and the sync is retried with back-off.
                None if !errors.is_empty() => {
                    let message =
                        crate::api::validation::invalid("PersistentVolumeClaim", &claim.name, &errors);
                    api.record(crate::trace::Event::PvcCreateInvalid {
                        name: claim.name,
                        message: message.clone(),
                    });
                    first_error.get_or_insert(ApiError::Invalid(message));
                }
                None => {
                    if let Err(error) = api.create_pvc(claim) {
                        first_error.get_or_insert(error);
                    }
                }
                Some(existing) if api.world().pvc(existing).deletion_timestamp.is_some() => {
                    first_error.get_or_insert(ApiError::ClaimBeingDeleted(claim.name));
                }
                Some(_) => {}
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Whether every claim of `ordinal` exists and is not being deleted.
    fn claims_present(&self, api: &Api, ordinal: u32) -> bool {
        let set = self.set(api);
        set.spec.volume_claim_templates.iter().all(|t| {
            api.world()
                .pvc_named(&claim_name(&t.name, &set.name, ordinal))
                .is_some_and(|c| api.world().pvc(c).deletion_timestamp.is_none())
        })
    }

    /// The earlier pod of the same name (a different uid) that still owns
    /// a claim of the pod to create, if one does: only with `whenScaled:
    /// Delete`.
    fn stale_claim_owner(&self, api: &Api, ordinal: u32) -> Option<PodId> {
        let set = self.set(api);
        if !api.world().features.stateful_set_auto_delete_pvc
            || set.spec.retention.when_scaled == RetentionAction::Retain
        {
            return None;
        }
        let name = pod_name(&set.name, ordinal);
        set.spec.volume_claim_templates.iter().find_map(|template| {
            let claim = api.world().pvc_named(&claim_name(&template.name, &set.name, ordinal))?;
            api.world().pvc(claim).owner_refs.iter().find_map(|r| match r.owner {
                // The pod to create has no uid yet, so any pod reference by name is stale.
                Owner::Pod(old) if api.world().pod(old).name == name => Some(old),
                Owner::Pod(_) | Owner::StatefulSet(_) => None,
            })
        })
    }

    /// `updateClaimOwnerRefForSetAndPod`: which owners a pod's claims should
    /// have under the retention policy, applied where they differ.
    ///
    /// Every sync asks it of every pod: under the default policy (Retain,
    /// Retain) with no claim owned at all, the answer is known before
    /// anything of the pod is read.
    #[inline]
    fn fix_claim_owners(&self, api: &mut Api, pod: PodId) {
        // Every call of the real controller's is behind the gate.
        if !api.world().features.stateful_set_auto_delete_pvc {
            return;
        }
        let policy = self.set(api).spec.retention;
        if policy.when_scaled == RetentionAction::Retain
            && policy.when_deleted == RetentionAction::Retain
            && !api.world().any_claim_owned()
        {
            return;
        }
        self.write_claim_owners(api, pod);
    }

    fn write_claim_owners(&self, api: &mut Api, pod: PodId) {
        let set = self.set(api);
        let p = api.world().pod(pod);
        let scaled_down = p.ordinal.is_none_or(|ordinal| !set.in_range(ordinal));
        let set_ref = OwnerRef { owner: Owner::StatefulSet(self.sts), uid: set.uid };
        let pod_ref = OwnerRef { owner: Owner::Pod(pod), uid: p.uid };
        let policy = set.spec.retention;
        let (want_set, want_pod) = match (policy.when_scaled, policy.when_deleted) {
            (RetentionAction::Retain, RetentionAction::Retain) => (false, false),
            (RetentionAction::Retain, RetentionAction::Delete) => (true, false),
            (RetentionAction::Delete, RetentionAction::Retain) => (false, scaled_down),
            (RetentionAction::Delete, RetentionAction::Delete) => (!scaled_down, scaled_down),
        };
        // Under (Retain, Retain) the only writes would drop references to
        // this set or this pod: with no claim owned by either (the world's
        // owner index says; under the default policy no claim is owned at
        // all, known without a lookup), there is nothing to look up.
        if !want_set
            && !want_pod
            && (!api.world().any_claim_owned()
                || (api.world().claims_owned_by(Owner::StatefulSet(self.sts)).next().is_none()
                    && api.world().claims_owned_by(Owner::Pod(pod)).next().is_none()))
        {
            return;
        }
        // By position rather than collected: writing owners leaves the pod's claim names as they are.
        for i in 0..p.claims.len() {
            let Some(claim) = api.world().pvc_named(&api.world().pod(pod).claims[i]) else {
                continue;
            };
            let current = &api.world().pvc(claim).owner_refs;
            if !want_set && !want_pod && current.is_empty() {
                // The default policy (Retain, Retain) and nothing to undo.
                continue;
            }
            let mut owners: Vec<OwnerRef> = current
                .iter()
                .filter(|r| match r.owner {
                    Owner::StatefulSet(s) => s != self.sts || want_set,
                    Owner::Pod(p) => p != pod || want_pod,
                })
                .copied()
                .collect();
            if want_set && !owners.contains(&set_ref) {
                owners.push(set_ref);
            }
            if want_pod && !owners.contains(&pod_ref) {
                owners.push(pod_ref);
            }
            api.set_pvc_owners(claim, owners);
        }
    }

    /// Computes and writes the status, as `updateStatus` and
    /// `completeRollingUpdate` do, from the pods as they are after the sync.
    /// An unchanged status is neither copied nor written.
    fn write_status(&self, api: &mut Api) {
        let set = self.set(api);
        let current = &set.revisions[self.revisions.current].name;
        let update = &set.revisions[self.revisions.update].name;
        let mut counts = StatefulSetStatus {
            observed_generation: set.generation,
            collision_count: set.status.collision_count,
            ..StatefulSetStatus::default()
        };
        // Revisions as the world numbers label values: a pod's is a field,
        // not a read of its labels.
        let (current_number, update_number) =
            (Some(self.revisions.current_number), Some(self.revisions.update_number));
        // `computeReplicaStatus` counts the pods of the controller's copy:
        // a finished pod deleted in this pass is still there, created, not
        // terminating, and not ready.
        for id in set.pods.values().chain(&self.deleted) {
            let pod = api.world().pod_brief(*id);
            counts.replicas += 1;
            if pod.is_running_and_ready() {
                counts.ready_replicas += 1;
                if pod.is_available(set.spec.min_ready_seconds, api.now) {
                    counts.available_replicas += 1;
                }
            }
            if !pod.terminating {
                if pod.at_revision(current_number) {
                    counts.current_replicas += 1;
                }
                if pod.at_revision(update_number) {
                    counts.updated_replicas += 1;
                }
            }
        }
        // completeRollingUpdate: once every pod is updated and ready, the
        // update revision becomes the current one. Up to 1.36 for
        // RollingUpdate only, so an OnDelete set kept its old
        // currentRevision after every pod was recreated (k/k issues #73492,
        // #106055); from 1.37 for either strategy: k/k PR #136833 dropped
        // the strategy check and renamed the function `completeUpdate`.
        let completes = completes_update(api.world().kubernetes, &set.spec.update_strategy);
        let ((current, current_number), current_replicas) = if completes
            && counts.updated_replicas == counts.ready_replicas
            && counts.ready_replicas == counts.replicas
            && counts.replicas == set.spec.replicas
        {
            ((update, update_number), counts.updated_replicas)
        } else {
            ((current, current_number), counts.current_replicas)
        };
        // Every field, named, so that a field added to the status is compared.
        let StatefulSetStatus {
            observed_generation,
            replicas,
            ready_replicas,
            available_replicas,
            current_replicas: written_current_replicas,
            updated_replicas,
            current_revision: _,
            update_revision: _,
            collision_count,
        } = &set.status;
        // The revision names, by their numbers (one number a name).
        let revisions_unchanged =
            api.world().status_revision_numbers(self.sts) == [current_number, update_number];
        let unchanged = *observed_generation == counts.observed_generation
            && *replicas == counts.replicas
            && *ready_replicas == counts.ready_replicas
            && *available_replicas == counts.available_replicas
            && *written_current_replicas == current_replicas
            && *updated_replicas == counts.updated_replicas
            && *collision_count == counts.collision_count
            && revisions_unchanged;
        if unchanged {
            return;
        }
        let status = StatefulSetStatus {
            current_replicas,
            current_revision: current.clone(),
            update_revision: update.clone(),
            ..counts
        };
        api.set_statefulset_status(self.sts, status);
    }
}

/// `ClaimPods` in `getPodsForStatefulSet`: an orphaned pod whose name parses
/// to this set (`isMemberOf`) and whose labels match its selector is adopted,
/// unless the set or the pod is being deleted; a pod it owns whose labels
/// no longer match the selector (edited by hand) is released: its owner
/// reference is removed, unless the set is being deleted (`ClaimObject` in
/// `controller_ref_manager.go`). A released pod keeps its name, so the set
/// cannot make a replacement until it is gone or matches again.
fn adopt_orphans(api: &mut Api, sts: StsId) {
    let world = api.world();
    let set = world.sts(sts);
    if set.deletion_timestamp.is_some() {
        return;
    }
    // The selector is immutable and every owned pod matched it when last
    // looked at: only a pod created, adopted or relabelled since can be one
    // to release (`World::owned_labels_unchecked`). Released in ordinal
    // order, as a pass over the set's pods would.
    let unchecked: Vec<PodId> = world
        .owned_labels_unchecked
        .range((sts, PodId(0))..=(sts, PodId(u32::MAX)))
        .map(|(_, pod)| *pod)
        .collect();
    if !unchecked.is_empty() {
        let mut release: Vec<(u32, PodId)> = unchecked
            .iter()
            .map(|id| world.pod(*id))
            .filter(|pod| pod.exists() && pod.owner == Some(sts) && !set.spec.selector.matches(&pod.labels))
            .map(|pod| (pod.ordinal.expect("an owned pod has an ordinal"), pod.id))
            .collect();
        release.sort_unstable();
        for (_, pod) in release {
            api.orphan_pod(pod);
        }
        for pod in unchecked {
            api.world.owned_labels_unchecked.remove(&(sts, pod));
        }
    }
    let world = api.world();
    let set = world.sts(sts);
    let adopt: Vec<PodId> = world
        .orphaned_pods()
        .filter(|id| {
            let pod = world.pod(*id);
            !pod.is_terminating()
                && parse_pod_name(&pod.name).is_some_and(|(parent, _)| parent == set.name)
                && set.spec.selector.matches(&pod.labels)
        })
        .collect();
    for pod in adopt {
        api.adopt_pod(pod, sts);
    }
}

/// Whether `completeRollingUpdate` (`completeUpdate` from 1.37) applies to
/// a set of this strategy in this release: RollingUpdate only before 1.37,
/// any strategy from k/k PR #136833 (v1.37.0-alpha.1, "Fixed a bug where
/// StatefulSet with OnDelete update strategy never updated
/// Status.CurrentRevision to match Status.UpdateRevision").
fn completes_update(release: crate::features::Version, strategy: &UpdateStrategy) -> bool {
    release.minor >= 37 || matches!(strategy, UpdateStrategy::RollingUpdate { .. })
}

/// `isHealthy`: not terminating, and Running and Ready, and from 1.34
/// available too, Ready for `minReadySeconds` (k/k PR #130909, "StatefulSet
/// now respects minReadySeconds", CHANGELOG-1.34). Before it the rolling
/// update, the `maxUnavailable` count and the first unhealthy pod used
/// Ready alone, so a `Parallel` rollout moved on as soon as each new pod
/// was Ready (#112066, #119234); OrderedReady still waited, in
/// `processReplica`'s own availability check.
fn healthy(api: &Api, pod: &PodBrief, min_ready: u32) -> bool {
    healthy_at(api.world(), api.now, pod, min_ready)
}

fn healthy_at(
    world: &crate::world::World,
    now: crate::time::SimTime,
    pod: &PodBrief,
    min_ready: u32,
) -> bool {
    pod.is_healthy() && (world.kubernetes.minor < 34 || pod.is_available(min_ready, now))
}

/// The revision name for a template: `<set>-<SafeEncodeString(fnv32)>`.
pub fn revision_name(set: &str, template: &crate::config::PodTemplate, collisions: u32) -> String {
    let mut bytes = template.canonical().into_bytes();
    if collisions > 0 {
        bytes.extend_from_slice(&collisions.to_le_bytes());
    }
    format!("{set}-{}", safe_encode(&fnv32(&bytes).to_string()))
}

/// `getStatefulSetRevisions`: finds or makes the revision of the current
/// template (the update revision), rolling an equal older revision forward
/// rather than making a duplicate, and finds the current revision.
fn resolve_revisions(api: &mut Api, sts: StsId) -> Revisions {
    let set = api.world().sts(sts);
    let generation = set.generation;
    // Revisions are never made twice for one template, so at most one is
    // equal; found once, it stays the one while neither the template (the
    // generation) nor the history (the memo is forgotten) changes. It was
    // the latest when remembered (found latest, rolled forward or made),
    // and any change to the history forgets it: it still is.
    let remembered =
        api.world().template_revision.get(&sts).filter(|(g, _)| *g == generation).map(|(_, i)| *i);
    debug_assert!(
        remembered.is_none_or(|i| set.revisions[i].template == set.spec.template
            && set.revisions.iter().all(|r| r.revision <= set.revisions[i].revision)),
        "a remembered template revision that no longer matches, or is not the latest"
    );
    let update = match remembered {
        Some(i) => i,
        None => {
            let update = equal_or_new_revision(api, sts);
            api.world.template_revision.insert(sts, (generation, update));
            update
        }
    };
    let set = api.world().sts(sts);
    // The current revision is the update revision but while a rollout
    // runs. Names compare by their numbers (one number a name).
    let [status_current, _] = api.world().status_revision_numbers(sts);
    let current = if status_current == Some(set.revisions[update].name_number) {
        update
    } else {
        set.revisions.iter().position(|r| status_current == Some(r.name_number)).unwrap_or(update)
    };
    debug_assert!(
        [current, update]
            .iter()
            .all(|&i| api.world().revision_number(&set.revisions[i].name)
                == Some(set.revisions[i].name_number)),
        "a revision's name number is out of date"
    );
    let current_number = set.revisions[current].name_number;
    let update_number = set.revisions[update].name_number;
    Revisions { current, update, current_number, update_number }
}

/// The index of the revision equal to the template, rolled forward to be
/// the latest if it is not, or of a new revision made for the template.
fn equal_or_new_revision(api: &mut Api, sts: StsId) -> usize {
    let set = api.world().sts(sts);
    let newest = set.revisions.iter().map(|r| r.revision).max().unwrap_or(0);
    let latest = set.revisions.iter().enumerate().max_by_key(|(_, r)| r.revision).map(|(i, _)| i);
    let equal = set.revisions.iter().position(|r| r.template == set.spec.template);
    match (equal, latest) {
        (Some(i), Some(latest)) if i == latest => i,
        (Some(i), _) => {
            api.renumber_revision(sts, i, newest + 1);
            i
        }
        (None, _) => {
            let template = set.spec.template.clone();
            let name = revision_name(&set.name, &template, set.status.collision_count);
            let object = set.template_object.clone().map(std::sync::Arc::new);
            api.add_revision(
                sts,
                ControllerRevision { name, revision: newest + 1, template, object, name_number: 0 },
            );
            api.world().sts(sts).revisions.len() - 1
        }
    }
}

/// `truncateHistory`: keep the current and update revisions and any a live
/// pod uses; delete the oldest others beyond `revisionHistoryLimit`.
fn truncate_history(api: &mut Api, sts: StsId) {
    let set = api.world().sts(sts);
    let limit = set.spec.revision_history_limit as usize;
    // The history to trim is some of the revisions: no more of them than
    // the limit, nothing to trim (most syncs, without a pass over the pods).
    if set.revisions.len() <= limit {
        return;
    }
    let live: Vec<u32> = set.pods.values().filter_map(|id| api.world().pod(*id).revision_number).collect();
    let mut history: Vec<&ControllerRevision> = set
        .revisions
        .iter()
        .filter(|r| {
            r.name != set.status.current_revision
                && r.name != set.status.update_revision
                && !api.world().revision_number(&r.name).is_some_and(|n| live.contains(&n))
        })
        .collect();
    if history.len() <= limit {
        return;
    }
    history.sort_by_key(|r| r.revision);
    let doomed: Vec<String> = history[..history.len() - limit].iter().map(|r| r.name.clone()).collect();
    api.delete_revisions(sts, &doomed);
}
