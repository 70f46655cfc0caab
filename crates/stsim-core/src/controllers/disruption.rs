//! Voluntary disruptions: PodDisruptionBudgets, the eviction API and
//! `kubectl drain`.
//!
//! Owns the disruption controller's arithmetic (`pkg/controller/disruption`:
//! `expectedCount`, `desiredHealthy`, `currentHealthy` counts Ready pods
//! not being deleted, `disruptionsAllowed = currentHealthy - desiredHealthy`),
//! the eviction subresource's rules (`pkg/registry/core/pod/storage/eviction.go`:
//! a pending, finished or terminating pod is deleted without looking at
//! budgets; more than one matching budget is an error, a 500 that no client
//! retries; a running pod that
//! is not Ready may go always under `unhealthyPodEvictionPolicy:
//! AlwaysAllow`, and while the budget is met under `IfHealthyBudget`, the
//! default; otherwise no allowed disruption means 429
//! "Cannot evict pod as it would violate the pod's disruption budget."),
//! and `kubectl drain`: cordon, then evict every pod on the node, each
//! eviction refused with 429 retried every 5 s, until no pod is left, or
//! until a timeout aborts it (`abort_drain`, as `kubectl drain --timeout`
//! gives up). Any other refusal (the 500 of a pod two budgets select) is
//! not retried: kubectl's `evictPods` (k8s.io/kubectl/pkg/drain/drain.go)
//! retries only `apierrors.IsTooManyRequests`, and returns `error when
//! evicting pods/...` for anything else, so the drain fails once the other
//! pods are done, leaving the node cordoned.
//!
//! Budgets are computed from the world when an eviction asks, which is what
//! the controller's status plus the eviction handler's `DisruptedPods`
//! bookkeeping amount to.

use crate::api::Api;
use crate::config::{DisruptionBudget, IntOrPercent, Labels, PodDisruptionBudgetConfig};
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::trace::Actor;
use crate::world::World;
use std::collections::BTreeMap;

/// kubectl drain waits this long before retrying a refused eviction.
pub const EVICTION_RETRY: SimDuration = SimDuration::from_secs(5);

#[derive(Debug, Clone)]
pub struct PodDisruptionBudget {
    pub name: String,
    pub selector: crate::config::LabelSelector,
    pub budget: DisruptionBudget,
    pub unhealthy_pod_eviction_policy: crate::config::UnhealthyPodEvictionPolicy,
}

impl PodDisruptionBudget {
    pub fn new(config: &PodDisruptionBudgetConfig) -> PodDisruptionBudget {
        PodDisruptionBudget {
            name: config.name.clone(),
            selector: config.selector.clone(),
            budget: config.budget,
            unhealthy_pod_eviction_policy: config.unhealthy_pod_eviction_policy,
        }
    }
    pub fn selects(&self, labels: &Labels) -> bool {
        self.selector.matches(labels)
    }
}

/// A budget's status, as the disruption controller computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BudgetStatus {
    pub expected_pods: u32,
    pub current_healthy: u32,
    pub desired_healthy: u32,
    pub disruptions_allowed: u32,
}

/// A percentage of `total`, rounded up (`GetScaledValueFromIntOrPercent(..., true)`).
fn scaled(value: IntOrPercent, total: u32) -> u32 {
    match value {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => (u64::from(p) * u64::from(total)).div_ceil(100) as u32,
    }
}

/// `getExpectedPodCount` and `countHealthyPods`.
pub fn status(world: &World, pdb: &PodDisruptionBudget) -> BudgetStatus {
    let pods = world.pods_matching(&pdb.selector);
    let current_healthy =
        pods.iter().map(|p| world.pod(*p)).filter(|p| !p.is_terminating() && p.status.ready).count() as u32;
    // The scale of the controllers of the selected pods (their StatefulSets' replicas).
    let scale = || {
        let mut sets: Vec<StsId> = pods.iter().filter_map(|p| world.pod(*p).owner).collect();
        sets.sort();
        sets.dedup();
        sets.iter().map(|s| world.sts(*s).spec.replicas).sum::<u32>()
    };
    let (expected_pods, desired_healthy) = match pdb.budget {
        DisruptionBudget::MinAvailable(IntOrPercent::Int(n)) => (pods.len() as u32, n),
        DisruptionBudget::MinAvailable(percent) => {
            let expected = scale();
            (expected, scaled(percent, expected))
        }
        DisruptionBudget::MaxUnavailable(value) => {
            let expected = scale();
            (expected, expected.saturating_sub(scaled(value, expected)))
        }
    };
    BudgetStatus {
        expected_pods,
        current_healthy,
        desired_healthy,
        disruptions_allowed: current_healthy.saturating_sub(desired_healthy),
    }
}

/// Why the eviction API said no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The HTTP status: 429 (TooManyRequests, a budget allows no
    /// disruption now: retry later) or 500 (the pod has more than one
    /// budget: no retry helps).
    pub code: u16,
    pub message: String,
}

impl Refused {
    /// Whether a client retries it: kubectl drain retries only a 429
    /// (`evictPods`: `apierrors.IsTooManyRequests(err)`).
    pub fn retryable(&self) -> bool {
        self.code == 429
    }
}

/// The message of the eviction API for a pod more than one budget selects.
pub const MULTIPLE_BUDGETS: &str =
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";

/// The eviction subresource: evicts the pod (a graceful delete with the
/// `DisruptionTarget` condition) or says why not.
pub fn evict(api: &mut Api, pod: PodId, by: &str) -> Result<(), Refused> {
    let p = api.world.pod(pod);
    let evict = |api: &mut Api| {
        api.evict_pod(pod, "EvictionByEvictionAPI", "Eviction API: evicting".to_string(), by.to_string())
    };
    // canIgnorePDB.
    if p.is_terminal() || p.status.phase == PodPhase::Pending || p.is_terminating() {
        evict(api);
        return Ok(());
    }
    let budgets: Vec<&PodDisruptionBudget> = api.world.pdbs.iter().filter(|b| b.selects(&p.labels)).collect();
    if budgets.len() > 1 {
        // EvictionREST.Create (pkg/registry/core/pod/storage/eviction.go):
        // `if len(pdbs) > 1 { rtStatus = &metav1.Status{Status: Failure,
        // Message: ..., Code: 500} }`: a status with no reason, which the
        // handler answers with HTTP 500; client-go's IsInternalError counts a
        // 500 of no known reason as one.
        return Err(Refused { code: 500, message: MULTIPLE_BUDGETS.to_string() });
    }
    let Some(budget) = budgets.first() else {
        evict(api);
        return Ok(());
    };
    let status = status(api.world, budget);
    let name = budget.name.clone();
    // A pod that is not Ready (`IsPodReady`, the eviction handler's health)
    // may go: always under AlwaysAllow; under IfHealthyBudget while the
    // application is not disrupted (pkg/registry/core/pod/storage/eviction.go).
    let unready_ok = !p.status.ready
        && match budget.unhealthy_pod_eviction_policy {
            crate::config::UnhealthyPodEvictionPolicy::AlwaysAllow => true,
            crate::config::UnhealthyPodEvictionPolicy::IfHealthyBudget => {
                status.current_healthy >= status.desired_healthy && status.desired_healthy > 0
            }
        };
    if unready_ok || status.disruptions_allowed > 0 {
        evict(api);
        return Ok(());
    }
    Err(Refused {
        code: 429,
        message: format!(
            "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget {name} needs {} healthy pods and has {} currently",
            status.desired_healthy, status.current_healthy
        ),
    })
}

/// A `kubectl drain` in progress.
#[derive(Debug, Clone)]
pub struct Drain {
    pub started_at: SimTime,
    /// Pods whose eviction is being refused with 429 (retried every 5 s),
    /// with the message and since when.
    pub refused: BTreeMap<PodId, (String, SimTime)>,
    pub finished_at: Option<SimTime>,
    /// Pods whose eviction failed with an error kubectl does not retry (a
    /// 500: more than one budget selects the pod), with its code, message
    /// and when: they are not tried again.
    pub failed: BTreeMap<PodId, (u16, String, SimTime)>,
    /// When the drain ended with an error: every pod but the failed ones
    /// gone. The node stays cordoned, the failed pods on it.
    pub failed_at: Option<SimTime>,
}

/// `kubectl drain NODE` begins: cordon, then the eviction loop.
pub fn start_drain(api: &mut Api, node: NodeId) {
    api.set_unschedulable(node, true);
    let now = api.now;
    let fresh = || Drain {
        started_at: now,
        refused: BTreeMap::new(),
        finished_at: None,
        failed: BTreeMap::new(),
        failed_at: None,
    };
    let drain = api.world.drains.entry(node).or_insert_with(fresh);
    if drain.finished_at.is_some() || drain.failed_at.is_some() {
        // A new `kubectl drain` of a node drained or failed before.
        *drain = fresh();
    }
    api.wake(EventKey::Drain(node));
}

/// A pod left the API server: a drain of its node waits for that.
pub fn pod_removed(api: &mut Api, pod: PodId) {
    if let Some(node) = api.world.pod(pod).node
        && api.world.drains.contains_key(&node)
    {
        api.wake(EventKey::Drain(node));
    }
}

/// The drain of `node` gives up (its timeout: `kubectl drain --timeout`,
/// "the length of time to wait before giving up", or kured's
/// `--drain-timeout`, "timeout after which the drain is aborted"): it
/// evicts nothing more and leaves the node cordoned, with its remaining
/// pods where they are. A drain already finished is left as it is.
pub fn abort_drain(api: &mut Api, node: NodeId) {
    if api.world.drains.get(&node).is_none_or(|d| d.finished_at.is_some()) {
        return;
    }
    api.world.drains.remove(&node);
    let left = api.world.node(node).pods.len() as u32;
    let actor = api.actor;
    api.actor = Actor::User;
    api.record_drain_aborted(node, left);
    api.actor = actor;
}

/// One round of the drain: evict what can be, retry the rest in 5 s, and
/// finish once no pod is left on the node.
pub fn drain_step(api: &mut Api, node: NodeId) {
    let Some(drain) = api.world.drains.get(&node) else { return };
    if drain.finished_at.is_some() || drain.failed_at.is_some() {
        return;
    }
    let pods: Vec<PodId> = api.world.node(node).pods.iter().copied().collect();
    if pods.is_empty() {
        api.world.drains.get_mut(&node).expect("a drain").finished_at = Some(api.now);
        api.record_drained(node);
        return;
    }
    if fail_if_done(api, node) {
        return;
    }
    let actor = api.actor;
    api.actor = Actor::User;
    let mut retry = false;
    let name = api.world.node(node).name.clone();
    for pod in pods {
        if api.world.pod(pod).is_terminating() || api.world.drains[&node].failed.contains_key(&pod) {
            continue;
        }
        match evict(api, pod, &format!("kubectl drain {name}")) {
            Ok(()) => {
                api.world.drains.get_mut(&node).expect("a drain").refused.remove(&pod);
            }
            Err(refused) if refused.retryable() => {
                retry = true;
                let now = api.now;
                let drain = api.world.drains.get_mut(&node).expect("a drain");
                let new = drain.refused.get(&pod).is_none_or(|(message, _)| *message != refused.message);
                if new {
                    drain.refused.insert(pod, (refused.message.clone(), now));
                    api.refuse_eviction(pod, refused.code, refused.message);
                }
            }
            Err(refused) => {
                // Not retried: kubectl's goroutine for this pod returns
                // `error when evicting pods/...`, and the others go on.
                let now = api.now;
                let drain = api.world.drains.get_mut(&node).expect("a drain");
                drain.refused.remove(&pod);
                drain.failed.insert(pod, (refused.code, refused.message.clone(), now));
                api.refuse_eviction(pod, refused.code, refused.message);
            }
        }
    }
    api.actor = actor;
    if retry {
        api.wake_after(EventKey::Drain(node), EVICTION_RETRY);
    } else {
        fail_if_done(api, node);
    }
}

/// A drain with a failed eviction ends, with an error, once nothing but the
/// failed pods is left on the node: kubectl waits for every other pod (each
/// evicted one to be deleted, each refused one to be evicted), then returns
/// the errors, and the node stays cordoned. Whether it ended.
fn fail_if_done(api: &mut Api, node: NodeId) -> bool {
    let drain = &api.world.drains[&node];
    let pods = &api.world.node(node).pods;
    if drain.failed.is_empty() || pods.iter().any(|p| !drain.failed.contains_key(p)) {
        return false;
    }
    let left = pods.len() as u32;
    api.world.drains.get_mut(&node).expect("a drain").failed_at = Some(api.now);
    let actor = api.actor;
    api.actor = Actor::User;
    api.record_drain_failed(node, left);
    api.actor = actor;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_up() {
        assert_eq!(scaled(IntOrPercent::Percent(50), 5), 3);
        assert_eq!(scaled(IntOrPercent::Percent(20), 5), 1);
        assert_eq!(scaled(IntOrPercent::Percent(0), 5), 0);
        assert_eq!(scaled(IntOrPercent::Int(2), 5), 2);
    }

    /// Budgets over a healthy 5-replica set, as the disruption controller computes them.
    #[test]
    fn budget_status_follows_the_disruption_controller() {
        let config = crate::fixtures::scenario(
            "pdb",
            1,
            5,
            crate::config::PodManagementPolicy::Parallel,
            SimDuration::from_mins(5),
        );
        let (sim, _) = crate::run(config);
        let world = &sim.world;
        let selector: Labels = [("app".to_string(), "redis".to_string())].into();
        let status = |budget| {
            status(
                world,
                &PodDisruptionBudget {
                    name: "b".into(),
                    selector: crate::config::LabelSelector::from_labels(selector.clone()),
                    budget,
                    unhealthy_pod_eviction_policy: Default::default(),
                },
            )
        };
        let allowed = |budget| status(budget).disruptions_allowed;
        assert_eq!(allowed(DisruptionBudget::MaxUnavailable(IntOrPercent::Int(1))), 1);
        assert_eq!(allowed(DisruptionBudget::MaxUnavailable(IntOrPercent::Percent(50))), 3);
        assert_eq!(allowed(DisruptionBudget::MinAvailable(IntOrPercent::Int(5))), 0);
        assert_eq!(allowed(DisruptionBudget::MinAvailable(IntOrPercent::Percent(50))), 2);
        let s = status(DisruptionBudget::MinAvailable(IntOrPercent::Int(3)));
        assert_eq!((s.expected_pods, s.current_healthy, s.desired_healthy), (5, 5, 3));
    }
}
