//! Kubernetes' own end-to-end StatefulSet cases (test/e2e/apps/statefulset.go)
//! written as scenarios (`scenarios/e2e/`), and the rules they rest on
//! checked beyond the case: each test names the e2e case it mirrors.

use crate::support::{Log, run, run_file, t};
use stsim_core::trace::Event;

/// The expectations of a finished run that failed, in words.
fn failed(sim: &stsim_core::Simulation, report: &stsim_core::Report) -> Vec<String> {
    stsim_core::expect::check(sim, report)
        .into_iter()
        .filter(|v| !v.passed)
        .map(|v| format!("{}: {}", v.description, v.actual))
        .collect()
}

/// "PVC should be recreated when pod is pending due to missing PVC": the
/// claim of a Pending, unscheduled pod is not held by pvc-protection, the
/// controller makes it again, and the pod starts on its pinned node.
#[test]
fn e2e_pvc_recreated_when_pod_is_pending_due_to_missing_pvc() {
    let (sim, report) = run_file("e2e/pvc-recreated-for-pending-pod");
    assert_eq!(failed(&sim, &report), Vec::<String>::new());
    let claims: Vec<_> = sim.world.pvcs.iter().filter(|c| c.name == "datadir-ss-0").collect();
    assert_eq!(claims.len(), 2, "deleted and made again");
    assert_eq!(claims[0].removed_at, Some(t("2m")), "gone at once: no scheduled pod uses it");
    assert!(claims[0].deletion_timestamp.is_none(), "never held Terminating");
    assert_eq!(claims[1].created_at, t("2m10s"), "re-created once the scheduler reports it missing");
    let pod = sim.world.pod(sim.world.pod_named("ss-0").unwrap());
    assert_eq!(sim.world.node(pod.node.unwrap()).name, "worker-1");
    assert!(Log(&sim).ready_after("ss-0", t("2m10s")).is_some());
}

/// The rule beyond the case: a scheduled pod still holds its claim
/// (Terminating) until the pod is gone, even while it is not Ready.
#[test]
fn pvc_protection_holds_a_claim_a_scheduled_pod_uses() {
    let source = crate::support::scenario_file("e2e/pvc-recreated-for-pending-pod")
        .replace("(at: \"1m\", do: Cordon(node: \"worker-1\")),", "")
        .replace("(at: \"1m10s\", do: DeletePod(pod: \"ss-0\")),", "")
        .replace("(at: \"2m10s\", do: Uncordon(node: \"worker-1\")),", "");
    let (sim, _) = run(&source);
    let deleting = sim.trace.records.iter().find(|r| matches!(r.event, Event::PvcDeleting { .. }));
    assert_eq!(deleting.map(|r| r.at), Some(t("2m")), "held by pvc-protection");
    let claim = sim.world.pvcs.iter().find(|c| c.name == "datadir-ss-0").unwrap();
    assert!(claim.exists(), "the running pod keeps it to the end");
}
