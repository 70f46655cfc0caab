//! The scheduling queue: when a pod that did not fit is tried again.
//!
//! Owns kube-scheduler's moves out of the unschedulable pod pool
//! (`pkg/scheduler/backend/queue/scheduling_queue.go`) that follow pods
//! and time: an assigned pod added, relabelled or removed, and a waiting
//! pod's own update, ask the queueing hints of the plugins that rejected
//! each waiting pod (by release: `SchedulerQueueingHints`, and the queue's
//! pre-filter before it); the leftover flush retries a pod that no event
//! moved once it has waited longer than `podMaxInUnschedulablePodsDuration`.
//!
//! It also owns the queue's other reactions to writes, which the API
//! server reports as `api::Change`s: a pod without a node added (its first
//! attempt) or removed (dropped), a claim created (VolumeBinding's hint),
//! removed (a pod waiting for it in PreBind) or bound, and the broader
//! retries when volumes or nodes change (`move_all`: every waiting pod, a
//! superset of what the plugins' hints for those events would move; a pod
//! that fails again records nothing new).
//!
//! Does not own the attempt itself (`scheduler::schedule`).
//!
//! Backoff (`podInitialBackoffSeconds` 1 s, doubled per failed attempt up
//! to `podMaxBackoffSeconds` 10 s, from the last failure) applies to every
//! move, the broad retries included (`World::retry_at`): a
//! pod still backing off waits for the backoff queue's next one-second
//! flush after its backoff ends, before 1.33; from 1.33
//! (`SchedulerPopFromBackoffQ`) the idle scheduler pops it at once.

use crate::api::Api;
use crate::config::{Labels, PodAffinityTerm, WhenUnsatisfiable};
use crate::events::EventKey;
use crate::objects::{Pod, PodId, PvcId};
use crate::time::{SimDuration, SimTime};
use crate::world::{Plugins, World};

/// How often the leftover flush runs: `wait.Until(..., 30*time.Second)` in
/// the queue's `Run`, not configurable.
pub const FLUSH_PERIOD: SimDuration = SimDuration::from_secs(30);

/// Sends the waiting `pod` to be tried again, now or once its backoff
/// allows (`World::retry_at`).
fn requeue(api: &mut Api, pod: PodId) {
    let at = api.world().retry_at(pod, api.now);
    let key = EventKey::Schedule(pod);
    api.queue.wake(key, at, key.phase());
}

/// A pod without a node was created: the queue takes it for its first
/// attempt, now (`addPodToSchedulingQueue`).
pub fn unassigned_pod_added(api: &mut Api, pod: PodId) {
    api.wake(EventKey::Schedule(pod));
}

/// A pod object left the API server: whatever attempt the queue held for
/// it is dropped (`deletePodFromSchedulingQueue`).
pub fn pod_removed(api: &mut Api, pod: PodId) {
    api.cancel(EventKey::Schedule(pod));
}

/// A claim was created: VolumeBinding requeues the unschedulable pods that
/// name it (its queueing hint for a claim added,
/// `isSchedulableAfterPersistentVolumeClaimChange`).
pub fn claim_created(api: &mut Api, pvc: PvcId) {
    let world = api.world();
    let name = &world.pvc(pvc).name;
    // A pod in the error backoff queue is not in the pool: no event moves it.
    let waiting: Vec<PodId> = (world.claim_users(name).iter().copied())
        .filter(|p| world.unschedulable.get(p).is_some_and(|w| !w.error))
        .collect();
    for pod in waiting {
        api.wake(EventKey::Schedule(pod));
    }
}

/// A claim left the API server. A pod the scheduler assumed onto a node
/// while it waits in PreBind for this claim's volume fails its binding:
/// the volume binder's `checkBindings` cannot get the claim any more
/// ("failed to check provisioning pvc"), so the binding cycle ends with an
/// error at its next check, once a second (`scheduler::schedule` works
/// out when), and the pod is tried again after its backoff
/// (pkg/scheduler/framework/plugins/volumebinding/binder.go). The pod's
/// status update wakes its StatefulSet, which makes the claim again for
/// the Pending pod.
pub fn claim_removed(api: &mut Api, pvc: PvcId) {
    let world = api.world();
    let name = &world.pvc(pvc).name;
    let waiting: Vec<PodId> = (world.claim_users(name).iter().copied())
        .filter(|&p| world.pod(p).node.is_none() && world.pod(p).assumed_node.is_some())
        .collect();
    for pod in waiting {
        api.wake(EventKey::Schedule(pod));
    }
}

/// The provisioner removed a claim's selected node. A pod waiting in
/// PreBind for the claim fails its binding at its next check
/// (`selectedNode annotation reset`); a pod in the unschedulable pool for
/// it is moved, as for any update of a claim it names (the queueing hint
/// `isSchedulableAfterPersistentVolumeClaimChange`).
pub fn claim_node_unselected(api: &mut Api, pvc: PvcId) {
    let world = api.world();
    let name = &world.pvc(pvc).name;
    let users: Vec<PodId> = (world.claim_users(name).iter().copied())
        .filter(|&p| {
            let pod = world.pod(p);
            let in_prebind = pod.node.is_none() && pod.assumed_node.is_some();
            in_prebind || world.unschedulable.get(&p).is_some_and(|w| !w.error)
        })
        .collect();
    for pod in users {
        api.wake(EventKey::Schedule(pod));
    }
}

/// A claim was bound to a volume: a pod naming it that has no node yet is
/// tried now (one waiting in PreBind binds), then every pod waiting for
/// room or volumes, as for a node that may take pods (`move_all`).
pub fn claim_bound(api: &mut Api, pvc: PvcId) {
    let world = api.world();
    let name = &world.pvc(pvc).name;
    let users: Vec<PodId> = (world.claim_users(name).iter().copied())
        .filter(|&p| world.pod(p).node.is_none() && !world.unschedulable.get(&p).is_some_and(|w| w.error))
        .collect();
    for user in users {
        api.wake(EventKey::Schedule(user));
    }
    move_all(api);
}

/// Room or volumes appeared (a node joined, turned Ready, lost a taint or
/// was uncordoned; a claim was bound): every pod waiting for a node tries
/// again, once its backoff allows. (A superset of the pods the rejecting
/// plugins' queueing hints would move: a pod that fails again records
/// nothing new.)
pub fn move_all(api: &mut Api) {
    let waiting: Vec<PodId> = api.world().unschedulable.keys().copied().collect();
    for pod in waiting {
        requeue(api, pod);
    }
}

/// An assigned pod was added (bound, or created with `spec.nodeName`:
/// the scheduler's informer sees a pod with a node), or had its labels
/// changed from `old`: the waiting pods that change could help are tried
/// again (`addAssignedPodToCache`, `updateAssignedPodInCache`).
pub fn assigned_pod_changed(api: &mut Api, pod: PodId, old: Option<&Labels>) {
    let world = api.world();
    if world.unschedulable.is_empty() {
        return;
    }
    let changed = world.pod(pod);
    let moved: Vec<PodId> = world
        .unschedulable
        .iter()
        .filter(|(id, waiting)| {
            **id != pod && worth_requeuing(world, world.pod(**id), waiting.rejected_by, changed, old)
        })
        .map(|(id, _)| *id)
        .collect();
    for id in moved {
        requeue(api, id);
    }
}

/// An assigned pod left the scheduler's view: deleted, finished (its pod
/// informer watches only pods that have not), or its assumption forgotten
/// (`deleteAssignedPodFromCache`, `handleAssumedPodDeletion`: an
/// `AssignedPodDelete` event to every waiting pod).
pub fn assigned_pod_removed(api: &mut Api, pod: PodId) {
    let world = api.world();
    if world.unschedulable.is_empty() {
        return;
    }
    let removed = world.pod(pod);
    let moved: Vec<PodId> = world
        .unschedulable
        .iter()
        .filter(|(id, waiting)| {
            **id != pod && worth_requeuing_after_removal(world, world.pod(**id), waiting.rejected_by, removed)
        })
        .map(|(id, _)| *id)
        .collect();
    for id in moved {
        requeue(api, id);
    }
}

/// Whether an assigned pod's removal moves the waiting pod. The plugins
/// that register pod deletes are NodeResourcesFit, NodePorts,
/// NodeVolumeLimits, PodTopologySpread and InterPodAffinity (not
/// NodeUnschedulable, TaintToleration, NodeAffinity or VolumeBinding).
/// Without the queueing hints any of them having rejected the pod moves
/// it. With them: NodeResourcesFit on any assigned pod's delete; NodePorts
/// when the removed pod held a host port the pod asks for;
/// NodeVolumeLimits when the removed pod used a claim
/// (`isSchedulableAfterPodDeleted` in `nodevolumelimits/csi.go`); PodTopologySpread when a
/// `DoNotSchedule` selector matches the removed pod; InterPodAffinity when
/// the removed pod matches the pod's required anti-affinity or, from 1.36
/// (k/k #135325), the removed pod's required anti-affinity selects the pod
/// (all terms before 1.37, any term from 1.37, k/k #139161). A pod whose
/// required affinity only the removed pod could have satisfied otherwise
/// (a self-affinity, k/k #141354) is not moved: it waits for the flush.
fn worth_requeuing_after_removal(world: &World, waiting: &Pod, rejected_by: Plugins, removed: &Pod) -> bool {
    let registered = Plugins::NODE_RESOURCES_FIT
        .with(Plugins::NODE_PORTS)
        .with(Plugins::NODE_VOLUME_LIMITS)
        .with(Plugins::POD_TOPOLOGY_SPREAD)
        .with(Plugins::INTER_POD_AFFINITY);
    if rejected_by.is_empty() {
        return true;
    }
    if !world.features.scheduler_queueing_hints {
        return rejected_by.any_of(registered);
    }
    let ports = || removed.host_ports.iter().any(|port| waiting.host_ports.contains(port));
    let spread = || hard_selectors(waiting).any(|s| s.matches(&removed.labels));
    let affinity = || {
        anti_matches(world, &waiting.affinity.anti_required, &removed.labels)
            || (world.kubernetes.minor >= 36
                && anti_matches(world, &removed.affinity.anti_required, &waiting.labels))
    };
    rejected_by.any_of(Plugins::NODE_RESOURCES_FIT)
        || (rejected_by.any_of(Plugins::NODE_PORTS) && ports())
        || (rejected_by.any_of(Plugins::NODE_VOLUME_LIMITS) && !removed.claims.is_empty())
        || (rejected_by.any_of(Plugins::POD_TOPOLOGY_SPREAD) && spread())
        || (rejected_by.any_of(Plugins::INTER_POD_AFFINITY) && affinity())
}

/// A VolumeAttachment was deleted (a detach finished). From 1.32
/// NodeVolumeLimits counts a node's VolumeAttachments and registers their
/// deletes (k/k #127757, #128337): a pod it rejected is tried again (with the
/// queueing hints, `isSchedulableAfterVolumeAttachmentDeleted` queues a pod
/// that uses a claim, which such a pod does), and so is a pod no plugin
/// rejected, as for any registered event. Before 1.32 no plugin stsim
/// models registers the event.
pub fn volume_attachment_deleted(api: &mut Api) {
    let world = api.world();
    if world.kubernetes.minor < 32 || world.unschedulable.is_empty() {
        return;
    }
    let hints = world.features.scheduler_queueing_hints;
    let moved: Vec<PodId> = world
        .unschedulable
        .iter()
        .filter(|(id, waiting)| {
            waiting.rejected_by.is_empty()
                || (waiting.rejected_by.any_of(Plugins::NODE_VOLUME_LIMITS)
                    && (!hints || !world.pod(**id).claims.is_empty()))
        })
        .map(|(id, _)| *id)
        .collect();
    for id in moved {
        requeue(api, id);
    }
}

/// A pod in the pool was itself updated (`PriorityQueue.Update`). Without
/// the queueing hints any change that is not only status or finalizers
/// (`isPodUpdated`) sends it back. With them, the update's events
/// (`PodSchedulingPropertiesChange`: a label change, else a plain update)
/// ask the rejecting plugins: PodTopologySpread when a `DoNotSchedule`
/// selector starts or stops matching the pod itself, InterPodAffinity
/// when its labels changed from 1.36 (k/k #135394; before, its hint skipped
/// an unscheduled pod); no plugin stsim models registers a plain update. A
/// pod no plugin rejected moves on any update.
pub fn unscheduled_pod_updated(api: &mut Api, pod: PodId, old: Option<&Labels>) {
    let world = api.world();
    let Some(waiting) = world.unschedulable.get(&pod) else { return };
    let (rejected_by, p) = (waiting.rejected_by, world.pod(pod));
    let moves = !world.features.scheduler_queueing_hints
        || rejected_by.is_empty()
        || old.is_some_and(|old| {
            *old != p.labels
                && ((rejected_by.any_of(Plugins::POD_TOPOLOGY_SPREAD)
                    && hard_selectors(p).any(|s| s.matches(old) != s.matches(&p.labels)))
                    || (rejected_by.any_of(Plugins::INTER_POD_AFFINITY) && world.kubernetes.minor >= 36))
        });
    if moves {
        requeue(api, pod);
    }
}

/// The selectors of the pod's `DoNotSchedule` constraints, with
/// `matchLabelKeys` merged (a constraint without a selector matches none).
fn hard_selectors(pod: &Pod) -> impl Iterator<Item = crate::config::LabelSelector> + '_ {
    pod.topology_spread
        .iter()
        .filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
        .filter_map(|c| c.selector_for(&pod.labels))
}

/// `podMatchesAllAffinityTerms` (none: no match), or, from 1.37, any term
/// (k/k #139161): whether pods with `labels` are repelled by `terms`.
fn anti_matches(world: &World, terms: &[PodAffinityTerm], labels: &Labels) -> bool {
    if world.kubernetes.minor >= 37 {
        terms.iter().any(|t| t.selects(labels))
    } else {
        !terms.is_empty() && terms.iter().all(|t| t.selects(labels))
    }
}

/// Whether an assigned pod's add (`old` is `None`) or label update moves
/// the waiting pod, rejected by `rejected_by` on its last attempt.
///
/// With `SchedulerQueueingHints` (on from 1.32) the event goes to every
/// waiting pod (`MoveAllToActiveOrBackoffQueue`), and `isPodWorthRequeuing`
/// asks the hints of the plugins that rejected it; a pod no plugin
/// rejected moves on any event. Of the filter plugins stsim models, only
/// PodTopologySpread and InterPodAffinity register these events. Without
/// the gate, `AssignedPodAdded` and `AssignedPodUpdated` pre-filter
/// (`getUnschedulablePodsWithCrossTopologyTerm`): a pod with a required
/// affinity term matching the changed pod, or (from 1.31, k/k #122627) one
/// PodTopologySpread rejected; then any rejecting plugin that registered
/// pod events moves it. Before 1.32, an assigned pod's other updates
/// (status, readiness) also reached the pre-filter in some releases; stsim
/// does not model those moves.
fn worth_requeuing(
    world: &World,
    waiting: &Pod,
    rejected_by: Plugins,
    changed: &Pod,
    old: Option<&Labels>,
) -> bool {
    let pod_events = Plugins::POD_TOPOLOGY_SPREAD.with(Plugins::INTER_POD_AFFINITY);
    if world.features.scheduler_queueing_hints {
        if rejected_by.is_empty() {
            return true;
        }
        return (rejected_by.any_of(Plugins::POD_TOPOLOGY_SPREAD) && spread_hint(waiting, changed, old))
            || (rejected_by.any_of(Plugins::INTER_POD_AFFINITY)
                && affinity_hint(world, waiting, changed, old));
    }
    let candidate = (world.kubernetes.minor >= 31 && rejected_by.any_of(Plugins::POD_TOPOLOGY_SPREAD))
        || waiting.affinity.affinity_required.iter().any(|term| term.selects(&changed.labels));
    candidate && (rejected_by.is_empty() || rejected_by.any_of(pod_events))
}

/// PodTopologySpread's `isSchedulableAfterPodChange`: an added pod that a
/// `DoNotSchedule` constraint's selector matches, or a label update that
/// makes such a selector match or stop matching. (A pod turning
/// terminating is a plain Pod/Update, which the plugin does not register:
/// in Kubernetes as here, the pod it held back waits for the removal or
/// the flush.)
fn spread_hint(waiting: &Pod, changed: &Pod, old: Option<&Labels>) -> bool {
    let mut selectors = hard_selectors(waiting);
    match old {
        None => selectors.any(|s| s.matches(&changed.labels)),
        Some(old) => {
            *old != changed.labels && selectors.any(|s| s.matches(old) != s.matches(&changed.labels))
        }
    }
}

/// InterPodAffinity's `isSchedulableAfterPodChange`: an added pod that
/// matches all the waiting pod's required affinity terms (one pod must
/// satisfy them all), or a label update that makes the pod match them all
/// or stop matching its required anti-affinity. The anti-affinity check
/// asks all terms to match before 1.37, any term from 1.37 (k/k #139161).
fn affinity_hint(world: &World, waiting: &Pod, changed: &Pod, old: Option<&Labels>) -> bool {
    fn all(terms: &[PodAffinityTerm], labels: &Labels) -> bool {
        !terms.is_empty() && terms.iter().all(|t| t.selects(labels))
    }
    let terms = &waiting.affinity.affinity_required;
    let Some(old) = old else { return all(terms, &changed.labels) };
    let anti = &waiting.affinity.anti_required;
    (!all(terms, old) && all(terms, &changed.labels))
        || (anti_matches(world, anti, old) && !anti_matches(world, anti, &changed.labels))
}

/// The first tick of the flush's 30 s grid (from the scheduler's start,
/// time zero) after both `after` and now.
fn next_tick(now: SimTime, after: SimTime) -> SimTime {
    let period = FLUSH_PERIOD.as_millis();
    let from = after.max(now).as_millis();
    SimTime::from_millis((from / period + 1) * period)
}

/// Arms the flush, unless it is armed, for the first tick at which a pod
/// that failed at `failed_at` will have waited longer than the limit. The
/// flush re-arms itself for the pods still waiting, so one timer stands
/// while the pool is not empty and none while it is.
pub fn arm_flush(api: &mut Api, failed_at: SimTime) {
    if api.world.scheduler_flush_at.is_some() {
        return;
    }
    let at = next_tick(api.now, failed_at + api.world.timings.pod_max_in_unschedulable_pods);
    api.world.scheduler_flush_at = Some(at);
    api.arm(EventKey::SchedulerFlush, at);
}

/// `flushUnschedulablePodsLeftover`: every pod that has waited longer than
/// `podMaxInUnschedulablePodsDuration` since its last failed attempt is
/// tried again, once its backoff is over.
pub fn flush_leftover(api: &mut Api) {
    api.world.scheduler_flush_at = None;
    let (now, limit) = (api.now, api.world.timings.pod_max_in_unschedulable_pods);
    let mut due: Vec<PodId> = Vec::new();
    let mut earliest: Option<SimTime> = None;
    for (&pod, waiting) in &api.world.unschedulable {
        if now.since(waiting.failed_at) > limit {
            due.push(pod);
        } else {
            earliest = Some(earliest.map_or(waiting.failed_at, |e| e.min(waiting.failed_at)));
        }
    }
    for &pod in &due {
        requeue(api, pod);
    }
    // The pods sent back re-arm it when they fail again (from now).
    if let Some(from) = earliest.or((!due.is_empty()).then_some(now)) {
        arm_flush(api, from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_ten() {
        let secs = |attempts| crate::world::Waiting::backoff(attempts).as_millis() / 1000;
        assert_eq!([secs(1), secs(2), secs(3), secs(4), secs(5), secs(40)], [1, 2, 4, 8, 10, 10]);
    }

    /// A pod moved while backing off waits for the backoff queue's next
    /// one-second flush after its backoff ends (before 1.33), or is popped
    /// at once (`SchedulerPopFromBackoffQ`); one past its backoff goes now.
    #[test]
    fn a_moved_pod_waits_for_the_flush_after_its_backoff() {
        let ms = SimTime::from_millis;
        let waiting = crate::world::Waiting {
            failed_at: ms(10_300),
            attempts: 2,
            rejected_by: Plugins::default(),
            error: false,
        };
        assert_eq!(
            waiting.retry_at(ms(10_500), false),
            ms(13_000),
            "backoff ends at 12.3 s, flushed at 13 s"
        );
        assert_eq!(waiting.retry_at(ms(10_500), true), ms(10_500));
        assert_eq!(waiting.retry_at(ms(12_300), false), ms(12_300), "its backoff is over");
        assert_eq!(waiting.retry_at(ms(20_000), false), ms(20_000));
    }

    /// A pod whose binding failed waits in the error backoff queue: no
    /// move takes it early, `SchedulerPopFromBackoffQ` or not; it goes at
    /// the first backoff flush after its backoff (before 1.33), or at the
    /// edge after the one-second window its backoff ends in (from 1.33).
    #[test]
    fn a_pod_whose_binding_failed_waits_out_its_backoff() {
        let ms = SimTime::from_millis;
        let waiting = |failed_at| crate::world::Waiting {
            failed_at: ms(failed_at),
            attempts: 1,
            rejected_by: Plugins::NONE,
            error: true,
        };
        assert_eq!(waiting(3_000).retry_at(ms(3_000), false), ms(4_000));
        assert_eq!(waiting(3_000).retry_at(ms(3_000), true), ms(5_000));
        assert_eq!(waiting(3_300).retry_at(ms(3_500), false), ms(5_000));
        assert_eq!(waiting(3_300).retry_at(ms(3_500), true), ms(5_000));
        assert_eq!(waiting(3_000).retry_at(ms(9_000), true), ms(9_000), "never in the past");
    }

    #[test]
    fn the_flush_ticks_on_the_thirty_second_grid() {
        let t = |s: u64| SimTime::from_millis(s * 1000);
        // Waited longer than the limit: strictly after 5 min.
        assert_eq!(next_tick(t(0), t(300)), t(330));
        assert_eq!(next_tick(t(0), t(301)), t(330));
        assert_eq!(next_tick(t(0), t(329)), t(330));
        // Never in the past.
        assert_eq!(next_tick(t(400), t(100)), t(420));
    }
}
