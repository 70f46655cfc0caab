//! Findings: problems of the modelled cluster, explained.
//!
//! Owns the checks that turn a finished run into statements a person can act
//! on: what is wrong, since when, why (cause and effect, in plain words),
//! and what would fix it. Findings are about the simulated cluster, never
//! about the engine: engine bugs are assertions.
//!
//! Does not change the world; reads the world and the trace.

use crate::config::{ImageBehaviour, PodManagementPolicy, UpdateStrategy};
use crate::objects::*;
use crate::time::SimTime;
use crate::world::World;
use serde::Serialize;

mod stuck;

/// One problem, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// A stable identifier of the kind of problem, like `rollout-stuck`.
    pub id: &'static str,
    /// The object concerned, `kind/name`.
    pub subject: String,
    /// When the problem began, in ms.
    pub since_ms: u64,
    /// One line.
    pub summary: String,
    /// Cause and effect, in plain words.
    pub explanation: String,
    /// What would fix it.
    pub fix: String,
}

/// Every finding of a run that ended at `end`.
pub fn all(world: &World, end: SimTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(stuck::all(world, end));
    for set in world.statefulsets.iter().filter(|s| s.removed_at.is_none()) {
        findings.extend(rollout_stuck(world, set, end));
    }
    findings
}

/// What a pod's container is doing, in words.
fn pod_condition(world: &World, pod: &Pod) -> String {
    let image = world.image(&pod.image);
    let doing = match (pod.status.container, image.behaviour) {
        (ContainerState::CrashLoopBackOff | ContainerState::Error, _) | (_, ImageBehaviour::CrashLoop) => {
            format!("crashes on start (CrashLoopBackOff, {} restarts)", pod.status.restarts)
        }
        (_, ImageBehaviour::PullFails) => "cannot pull its image (ImagePullBackOff)".to_string(),
        (ContainerState::Running, ImageBehaviour::NeverReady) => {
            "runs but never passes its readiness probe".into()
        }
        _ => format!("is {} and not Ready", pod.display_status()),
    };
    format!("{} (image {}) {doing}", pod.name, pod.image)
}

/// A rolling update that has waited on the same pod for longer than the
/// progress deadline. StatefulSets have no `progressDeadlineSeconds`; stsim
/// borrows the Deployment default (600 s) as the point where waiting becomes
/// being stuck (`timings.rolloutStuckAfter`).
fn rollout_stuck(world: &World, set: &StatefulSet, end: SimTime) -> Option<Finding> {
    let UpdateStrategy::RollingUpdate { .. } = set.spec.update_strategy else { return None };
    let waiting = set.waiting?;
    if end.since(waiting.since) < world.timings.rollout_stuck_after {
        return None;
    }
    let update = set.status.update_revision.as_str();
    let outdated = set.pods.values().any(|id| world.pod(*id).revision() != update);
    if !outdated && set.status.current_revision == set.status.update_revision {
        return None;
    }
    let pod = world.pod(waiting.pod);
    if !pod.exists() {
        return None;
    }
    let ordered = set.spec.pod_management_policy == PodManagementPolicy::OrderedReady;
    let condition = pod_condition(world, pod);
    let on_update = pod.revision() == update;
    let name = &pod.name;
    let (explanation, fix) = match (waiting.reason, on_update) {
        (WaitReason::UnavailableBudgetUsed, _) => (
            format!(
                "{condition}. It counts against maxUnavailable, and with the budget used up the rolling update \
                 deletes nothing, not even {name}, whose revision is outdated. This is the Parallel regression of \
                 Kubernetes 1.35.0-1.35.3 (kubernetes/kubernetes#137409)."
            ),
            format!(
                "Delete {name} so it is re-created at the update revision, or raise maxUnavailable; Kubernetes 1.37 \
                 replaces such pods first."
            ),
        ),
        (_, true) => (
            format!(
                "{condition}, and it runs the new revision {update}. A rolling update replaces one pod at a time, \
                 highest ordinal first, and waits for each new pod to be Running and Ready before it touches the \
                 next, so the pods below {name} keep the old revision."
            ),
            if ordered {
                format!(
                    "Fix the template (for example set the image back), then delete {name}: under OrderedReady the \
                     controller waits for {name} to be Ready before it replaces anything, {name} included \
                     (\"Forced rollback\" in the StatefulSet documentation)."
                )
            } else {
                format!(
                    "Fix the template (for example set the image back); under Parallel the controller then \
                     replaces {name} by itself."
                )
            },
        ),
        (_, false) => (
            format!(
                "{condition}. The template has changed since {name} was created (update revision {update}), but \
                 under OrderedReady the controller waits for every pod, in order, to be Running and Ready before \
                 it does anything else, and that includes replacing {name}. Reverting the template alone does \
                 not help."
            ),
            format!(
                "Delete {name}; it is re-created from the current template (\"Forced rollback\" in the \
                 StatefulSet documentation)."
            ),
        ),
    };
    Some(Finding {
        id: "rollout-stuck",
        subject: format!("statefulset/{}", set.name),
        since_ms: waiting.since.as_millis(),
        summary: format!(
            "the rolling update of {} has been stuck on {name} since {}",
            set.name, waiting.since
        ),
        explanation,
        fix,
    })
}
