//! Voluntary disruptions: PodDisruptionBudgets, the eviction API and
//! `kubectl drain`.
//!
//! Owns the disruption controller's arithmetic (`pkg/controller/disruption`:
//! `expectedCount`, `desiredHealthy`, `currentHealthy` counts Ready pods
//! not being deleted, `disruptionsAllowed = currentHealthy - desiredHealthy`),
//! the eviction subresource's rules (`pkg/registry/core/pod/storage/eviction.go`:
//! a pending, finished or terminating pod is deleted without looking at
//! budgets; more than one matching budget is an error; a running pod that
//! is not Ready may go always under `unhealthyPodEvictionPolicy:
//! AlwaysAllow`, and while the budget is met under `IfHealthyBudget`, the
//! default; otherwise no allowed disruption means 429
//! "Cannot evict pod as it would violate the pod's disruption budget."),
//! and `kubectl drain`: cordon, then evict every pod on the node, each
//! refused eviction retried every 5 s, until no pod is left, or until a
//! timeout aborts it (`abort_drain`, as `kubectl drain --timeout` gives up).
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
    pub message: String,
}

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
        return Err(Refused {
            message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
                .to_string(),
        });
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
    /// Pods whose eviction is being refused, with the message and since when.
    pub refused: BTreeMap<PodId, (String, SimTime)>,
    pub finished_at: Option<SimTime>,
}

/// `kubectl drain NODE` begins: cordon, then the eviction loop.
pub fn start_drain(api: &mut Api, node: NodeId) {
    api.set_unschedulable(node, true);
    let now = api.now;
    let drain = api.world.drains.entry(node).or_insert(Drain {
        started_at: now,
        refused: BTreeMap::new(),
        finished_at: None,
    });
    if drain.finished_at.is_some() {
        *drain = Drain { started_at: now, refused: BTreeMap::new(), finished_at: None };
    }
    api.wake(EventKey::Drain(node));
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
    if drain.finished_at.is_some() {
        return;
    }
    let pods: Vec<PodId> = api.world.node(node).pods.iter().copied().collect();
    if pods.is_empty() {
        api.world.drains.get_mut(&node).expect("a drain").finished_at = Some(api.now);
        api.record_drained(node);
        return;
    }
    let actor = api.actor;
    api.actor = Actor::User;
    let mut retry = false;
    let name = api.world.node(node).name.clone();
    for pod in pods {
        if api.world.pod(pod).is_terminating() {
            continue;
        }
        match evict(api, pod, &format!("kubectl drain {name}")) {
            Ok(()) => {
                api.world.drains.get_mut(&node).expect("a drain").refused.remove(&pod);
            }
            Err(refused) => {
                retry = true;
                let now = api.now;
                let drain = api.world.drains.get_mut(&node).expect("a drain");
                let new = drain.refused.get(&pod).is_none_or(|(message, _)| *message != refused.message);
                if new {
                    drain.refused.insert(pod, (refused.message.clone(), now));
                    api.refuse_eviction(pod, refused.message);
                }
            }
        }
    }
    api.actor = actor;
    if retry {
        api.wake_after(EventKey::Drain(node), EVICTION_RETRY);
    }
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
