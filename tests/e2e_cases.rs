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

/// Runs a shipped e2e scenario and asserts every expectation holds.
fn passes(name: &str) -> stsim_core::Simulation {
    let (sim, report) = run_file(name);
    assert_eq!(failed(&sim, &report), Vec::<String>::new(), "{name}");
    sim
}

/// "should adopt matching orphans and release non-matching pods".
#[test]
fn e2e_adopt_matching_orphans_and_release_non_matching_pods() {
    let sim = passes("e2e/adopt-and-release-orphans");
    let owners: Vec<(String, bool)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodOrphaned { .. } => Some((r.at.to_string(), false)),
            Event::PodAdopted { .. } => Some((r.at.to_string(), true)),
            _ => None,
        })
        .collect();
    let expected = [("1m", false), ("1m", true), ("2m", false), ("3m", true)];
    let expected: Vec<(String, bool)> = expected.iter().map(|(t, o)| (t.to_string(), *o)).collect();
    assert_eq!(owners, expected);
    // Released, the pod keeps its name: the replacement is refused, not made.
    let refused =
        sim.trace.records.iter().filter(|r| matches!(r.event, Event::PodCreateRejected { .. })).count();
    assert!(refused > 1, "retried with back-off");
    assert_eq!(Log(&sim).creations().len(), 1);
}

/// "should delete PVCs after adopting pod (WhenDeleted)" and "(WhenScaled)".
#[test]
fn e2e_delete_pvcs_after_adopting_pod() {
    let sim = passes("e2e/retention-after-adoption");
    let live: Vec<String> = sim.world.live_pvcs().map(|c| c.name.clone()).collect();
    assert_eq!(live, ["datadir-scl-0"]);
}

/// "should provide DNS for pods for Hostname" and StatefulSet pod names.
#[test]
fn e2e_hostname_and_subdomain_dns() {
    let sim = passes("e2e/hostname-subdomain-dns");
    let pod = sim.world.pod(sim.world.pod_named("querier-0").unwrap());
    assert_eq!((pod.hostname.as_str(), pod.subdomain.as_str()), ("querier", "dns-test"));
    assert!(pod.owner.is_none());
}

/// "AvailableReplicas should get updated accordingly when MinReadySeconds is enabled".
#[test]
fn e2e_available_replicas_follow_min_ready_seconds() {
    passes("e2e/min-ready-seconds-available");
}

/// The nodes of a set's pods in a finished run, by ordinal.
fn nodes_of(sim: &stsim_core::Simulation, set: &str) -> Vec<String> {
    (0..3)
        .map(|i| {
            let pod = sim.world.pod(sim.world.pod_named(&format!("{set}-{i}")).expect("the pod"));
            sim.world.node(pod.node.expect("scheduled")).name.clone()
        })
        .collect()
}

/// "StatefulSet with pod affinity: should use volumes on one node when pod
/// has affinity" / "spread across nodes when pod has anti-affinity", and the
/// rule beyond the case: under every seed, affinity gathers, anti-affinity
/// spreads, and each local volume lives on its pod's node.
#[test]
fn e2e_local_volumes_follow_pod_affinity_and_anti_affinity() {
    passes("e2e/local-volume-pod-affinity");
    let source = crate::support::scenario_file("e2e/local-volume-pod-affinity");
    let mut gathered_on = std::collections::BTreeSet::new();
    for seed in 0..6 {
        let (sim, _) = run(&source.replace("seed: 3,", &format!("seed: {seed},")));
        let near = nodes_of(&sim, "near");
        assert!(near.iter().all(|n| *n == near[0]), "seed {seed}: {near:?}");
        gathered_on.insert(near[0].clone());
        let mut far = nodes_of(&sim, "far");
        far.sort();
        far.dedup();
        assert_eq!(far.len(), 3, "seed {seed}");
        for pvc in sim.world.live_pvcs() {
            let pv = sim.world.pv(pvc.volume.expect("bound"));
            let user = sim.world.pod(sim.world.claim_users(&pvc.name)[0]);
            assert_eq!(pv.node, user.node, "{} lives on its pod's node", pvc.name);
        }
    }
    assert!(gathered_on.len() > 1, "the first pod goes anywhere: {gathered_on:?}");
    // Without the affinity the same pods spread (the default topology spread).
    let plain = source.replacen(
        r#"podAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {"app": "near"}), topologyKey: "kubernetes.io/hostname"),
                ]),"#,
        "",
        1,
    );
    assert_ne!(plain, source);
    let (sim, _) = run(&plain);
    let mut spread = nodes_of(&sim, "near");
    spread.dedup();
    assert!(spread.len() > 1, "{spread:?}");
}

/// Preferred pod affinity pulls pods together without forbidding anything:
/// a node with room wins over one without a match only by score.
#[test]
fn preferred_pod_affinity_gathers_by_score() {
    let source = crate::support::scenario_file("e2e/local-volume-pod-affinity").replace(
        r#"podAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {"app": "near"}), topologyKey: "kubernetes.io/hostname"),
                ]),"#,
        r#"podAffinity: (preferredDuringSchedulingIgnoredDuringExecution: [
                    (weight: 100, podAffinityTerm: (labelSelector: (matchLabels: {"app": "near"}), topologyKey: "kubernetes.io/hostname")),
                ]),"#,
    );
    assert!(source.contains("weight: 100"));
    let mut together = 0;
    for seed in 0..6 {
        let (sim, _) = run(&source.replace("seed: 3,", &format!("seed: {seed},")));
        let near = nodes_of(&sim, "near");
        if near.iter().all(|n| *n == near[0]) {
            together += 1;
        }
    }
    assert!(together >= 4, "mostly together: {together} of 6");
}

/// "should perform canary updates and phased rolling updates of template
/// modifications for partiton1 and delete pod-0 with failing container".
#[test]
fn e2e_partition_with_a_failing_container_held_by_a_finalizer() {
    let sim = passes("e2e/partition-failing-container");
    let pods: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "ss3-0").collect();
    assert_eq!(pods.len(), 2);
    assert_eq!(pods[0].removed_at, Some(t("4m")), "held until the finalizer went");
    assert_eq!(pods[0].history.phase_at(t("3m1s")), stsim_core::objects::PodPhase::Failed);
    assert_eq!(pods[1].image, "httpd:1", "made again below the partition: the current revision");
    // Exit code 0 on SIGTERM: Succeeded instead, the rest the same.
    let clean = crate::support::scenario_file("e2e/partition-failing-container")
        .replace(r#"(name: "httpd:1", exitCodeOnSigterm: 1)"#, r#"(name: "httpd:1", exitCodeOnSigterm: 0)"#);
    let (sim, _) = run(&clean);
    let held = sim.world.pods.iter().find(|p| p.name == "ss3-0" && p.removed_at == Some(t("4m"))).unwrap();
    assert_eq!(held.history.phase_at(t("3m1s")), stsim_core::objects::PodPhase::Succeeded);
}

/// The watch row of the hold shows the pod Terminating (the delete gave it
/// a deletion timestamp, and it had not finished), not the status it had
/// before. Once its container is stopped, the kubelet gives it a terminal
/// phase from 1.27 (k/k #115331): Failed here, the image exiting 1 on
/// SIGTERM. kubectl shows that as `Error` from 1.31 (k/k #122038), and
/// `Terminating` before; before 1.27 the phase stays Running.
#[test]
fn a_held_pod_is_terminating_until_the_kubelet_reports_it_finished() {
    use stsim_core::objects::PodPhase;
    for (version, phase, after) in [
        ("1.36", PodPhase::Failed, "Error"),
        ("1.31", PodPhase::Failed, "Error"),
        ("1.30", PodPhase::Failed, "Terminating"),
        ("1.27", PodPhase::Failed, "Terminating"),
        ("1.26", PodPhase::Running, "Terminating"),
    ] {
        let source = crate::support::scenario_file("e2e/partition-failing-container").replacen(
            "    seed: ",
            &format!("    kubernetesVersion: \"{version}\",\n    seed: "),
            1,
        );
        let (sim, report) = run(&source);
        let held =
            sim.world.pods.iter().find(|p| p.name == "ss3-0" && p.removed_at == Some(t("4m"))).unwrap();
        assert_eq!(held.history.phase_at(t("3m1s")), phase, "{version}");
        let rows: Vec<_> = (report.timeline.iter())
            .filter(|r| &*r.name == "ss3-0" && r.at_ms >= 180_000 && r.at_ms <= 240_000)
            .collect();
        let status = |r: &&stsim_core::report::TimelineRow| r.pod.as_ref().unwrap().status.to_string();
        let hold = rows.iter().find(|r| r.what.starts_with("held by finalizers")).expect("the hold's row");
        assert_eq!(status(hold), "Terminating", "{version}");
        // The container exits 1 s after SIGTERM; from then on, until the
        // object goes at 4m (its removal's row included), one status.
        let gone = rows.iter().position(|r| r.what.starts_with("removed")).expect("the removal's row");
        let later: Vec<String> = rows[..=gone].iter().filter(|r| r.at_ms >= 181_000).map(status).collect();
        assert!(!later.is_empty() && later.iter().all(|s| s == after), "{version}: {later:?}");
    }
}

/// A pod deleted gracefully in a rolling update: from 1.27 the kubelet's
/// last status gives it the phase Succeeded (its image exits 0 on SIGTERM)
/// before the object goes, and from 1.31 kubectl shows it `Completed`, not
/// `Terminating`, in the rows of that status and of the removal. One whose
/// image exits non-zero ends Failed (`Error`); one killed at the end of its
/// grace period too (exit 137).
#[test]
fn a_deleted_pod_ends_with_the_phase_its_containers_exit_with() {
    use stsim_core::objects::PodPhase;
    let base = stsim_examples::find("rolling-update").expect("the built-in rolling-update").source;
    let image = r#"(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "2s")"#;
    assert!(base.contains(image), "the scenario's old image");
    let cases = [
        ("1.36", image.to_string(), PodPhase::Succeeded, "Completed"),
        ("1.36", image.replace(")", ", exitCodeOnSigterm: 143)"), PodPhase::Failed, "Error"),
        // Past the 30 s grace period: killed.
        ("1.36", image.replace("shutdown: \"2s\"", "shutdown: \"40s\""), PodPhase::Failed, "Error"),
        ("1.30", image.to_string(), PodPhase::Succeeded, "Terminating"),
        ("1.26", image.to_string(), PodPhase::Running, "Terminating"),
    ];
    for (version, image_now, phase, removed_as) in cases {
        let source = base
            .replacen("    seed: ", &format!("    kubernetesVersion: \"{version}\",\n    seed: "), 1)
            .replace(image, &image_now);
        let (sim, report) = run(&source);
        let old = sim.world.pods.iter().find(|p| p.name == "redis-2" && p.removed_at.is_some()).unwrap();
        let gone = old.removed_at.unwrap();
        assert_eq!(old.history.phase_at(gone), phase, "{version} {image}");
        let removal = (report.timeline.iter())
            .find(|r| &*r.name == "redis-2" && r.at_ms == gone.as_millis() && r.what.starts_with("removed"))
            .expect("the removal's row");
        let shown = removal.pod.as_ref().unwrap();
        assert_eq!((&*shown.ready, &*shown.status), ("0/1", removed_as), "{version} {image}");
    }
}

/// A pod deleted before its container ran: the kubelet's last status says
/// the container's end is unknown (`ContainerStatusUnknown`, exit 137) and
/// the pod Failed, from 1.27; kubectl shows that reason from 1.31.
#[test]
fn a_pod_deleted_before_its_container_ran_ends_failed_with_its_status_unknown() {
    use stsim_core::objects::{ContainerState, PodPhase};
    let base = stsim_examples::find("rolling-update").expect("the built-in rolling-update").source;
    // redis-0 is deleted at 10 s, while its volume is still attaching.
    let source = base.replacen(
        "timeline: [",
        "timeline: [\n        (at: \"10s\", do: DeletePod(pod: \"redis-0\")),",
        1,
    );
    assert!(source.contains("DeletePod"));
    let (sim, report) = run(&source);
    let first = sim.world.pods.iter().find(|p| p.name == "redis-0").unwrap();
    let gone = first.removed_at.expect("the first redis-0 is gone");
    assert_eq!(first.history.phase_at(gone), PodPhase::Failed);
    assert_eq!(first.status.container, ContainerState::StatusUnknown);
    let removal = (report.timeline.iter())
        .find(|r| &*r.name == "redis-0" && r.what.starts_with("removed"))
        .expect("the removal's row");
    assert_eq!(&*removal.pod.as_ref().unwrap().status, "ContainerStatusUnknown");
}

/// Finalizers hold claims too: a claim deleted with a finalizer stays
/// Terminating until it is removed, even with no pod using it.
#[test]
fn a_finalizer_holds_a_deleted_claim() {
    let source = crate::support::scenario_file("e2e/partition-failing-container")
        .replace(
            "template: (labels: {\"app\": \"ss3\"}, image: \"httpd:1\", readinessProbe: (periodSeconds: 1)),",
            "template: (labels: {\"app\": \"ss3\"}, image: \"httpd:1\", readinessProbe: (periodSeconds: 1)),\n        volumeClaimTemplates: [(name: \"data\", storage: \"1Gi\")],",
        )
        .replace(
            "(at: \"1m\", do: PatchPod(pod: \"ss3-0\", finalizers: [\"example.com/test\"])),",
            "(at: \"1m\", do: PatchPod(pod: \"ss3-0\", finalizers: [\"example.com/test\"])),\n        (at: \"1m\", do: PatchPvc(pvc: \"data-ss3-0\", finalizers: [\"example.com/keep\"])),\n        (at: \"3m\", do: DeletePvc(pvc: \"data-ss3-0\")),\n        (at: \"5m\", do: PatchPvc(pvc: \"data-ss3-0\", finalizers: [])),",
        );
    assert!(source.contains("example.com/keep"));
    let (sim, _) = run(&source);
    let claims: Vec<_> = sim.world.pvcs.iter().filter(|c| c.name == "data-ss3-0").collect();
    // Deleted at 3m while ss3-0 still stood; pvc-protection and then the
    // finalizer held it; it went when the finalizer did.
    assert_eq!(claims[0].removed_at, Some(t("5m")), "{:?}", claims[0].removed_at);
    assert!(sim.trace.records.iter().any(|r| matches!(r.event, Event::PvcHeld { .. })));
}

/// The kubelet's rejections in a run: (when, pod name, reason, message).
fn rejections(
    sim: &stsim_core::Simulation,
) -> Vec<(stsim_core::time::SimTime, String, &'static str, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodRejected { pod, reason, message } => {
                Some((r.at, sim.world.pod(*pod).name.clone(), *reason, message.clone()))
            }
            _ => None,
        })
        .collect()
}

/// "Should recreate evicted statefulset": a pod pinned with `nodeName` to a
/// node where a bare pod holds its host port is rejected by the kubelet
/// (Failed, NodePorts), deleted and re-created under a new UID until the
/// port is free, then runs.
#[test]
fn e2e_recreate_evicted_statefulset() {
    let sim = passes("e2e/recreate-evicted-pod");
    let incarnations: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "ss-0").collect();
    let uids: std::collections::BTreeSet<_> = incarnations.iter().map(|p| p.uid).collect();
    assert_eq!(uids.len(), incarnations.len(), "each a new object");
    // One a second from 20s until test-pod goes at 1m; the last one runs.
    assert_eq!(incarnations.len(), 41);
    let (last, rejected) = incarnations.split_last().unwrap();
    assert!(last.exists() && last.status.phase == stsim_core::objects::PodPhase::Running);
    assert_eq!(last.created_at, t("1m"));
    for pod in rejected {
        assert_eq!(
            pod.removed_at,
            Some(pod.created_at + stsim_core::controllers::admission::STATUS_WRITE_DELAY)
        );
        assert_eq!(pod.history.phase_at(pod.removed_at.unwrap()), stsim_core::objects::PodPhase::Failed);
        assert_eq!(pod.status.rejected.as_ref().map(|r| r.0), Some("NodePorts"));
    }
    let seen = rejections(&sim);
    assert_eq!(seen.len(), 40);
    assert!(seen.iter().all(|(_, name, reason, message)| name == "ss-0"
        && *reason == "NodePorts"
        && message == "Pod was rejected: Predicate NodePorts failed"));
    assert!(sim.world.pod_named("test-pod").is_none());
}

/// The rule beyond the case: with nothing holding the port the pinned pod
/// is admitted at once; without `nodeName` the scheduler's NodePorts
/// filter keeps it off the taken node, and pinned by `nodeSelector` it waits
/// Pending with the scheduler's reason instead of being rejected.
#[test]
fn host_ports_are_checked_by_the_scheduler_and_by_the_kubelet() {
    let source = crate::support::scenario_file("e2e/recreate-evicted-pod");
    let set_pin = "            nodeName: \"worker-1\",\n            ports: [(containerPort: 21017, hostPort: 21017)],\n        ),\n    )],";
    assert!(source.contains(set_pin));
    // A free port: admitted the first time.
    let (sim, _) =
        run(&source.replace("ports: [(containerPort: 21017, hostPort: 21017)],\n        ))),", "))),"));
    assert_eq!(rejections(&sim), []);
    assert_eq!(Log(&sim).creations().iter().filter(|(_, n)| n == "ss-0").count(), 1);
    // Another protocol does not conflict.
    let (sim, _) = run(&source.replacen(
        "ports: [(containerPort: 21017, hostPort: 21017)],\n        ))),",
        "ports: [(containerPort: 21017, hostPort: 21017, protocol: UDP)],\n        ))),",
        1,
    ));
    assert_eq!(rejections(&sim), []);
    // Through the scheduler: placed on the other node at once.
    let scheduled = source.replace(set_pin, &set_pin.replace("nodeName: \"worker-1\",\n", ""));
    let (sim, _) = run(&scheduled);
    assert_eq!(rejections(&sim), []);
    let pod = sim.world.pod(sim.world.pod_named("ss-0").unwrap());
    assert_eq!(sim.world.node(pod.node.unwrap()).name, "worker-2");
    assert_eq!(pod.created_at, t("20s"));
    // Held to the taken node by its selector: Pending, never rejected.
    let selected = source.replace(
        set_pin,
        &set_pin
            .replace("nodeName: \"worker-1\",", "nodeSelector: {\"kubernetes.io/hostname\": \"worker-1\"},"),
    );
    let (sim, _) = run(&selected);
    assert_eq!(rejections(&sim), []);
    let waited = sim.trace.records.iter().find_map(|r| match &r.event {
        Event::PodUnschedulable { message, .. } => Some(message.clone()),
        _ => None,
    });
    let waited = waited.expect("unschedulable");
    assert!(
        waited.starts_with("0/2 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match Pod's node affinity/selector."),
        "{waited}"
    );
    let pod = sim.world.pod(sim.world.pod_named("ss-0").unwrap());
    assert_eq!(sim.world.node(pod.node.unwrap()).name, "worker-1", "placed once the port is free");
}

/// The controller's records at `at`, as `(verb, pod)`: what one pass or two
/// of the StatefulSet controller did to its pods then.
fn controller_pod_writes(sim: &stsim_core::Simulation, at: stsim_core::time::SimTime) -> Vec<(&str, String)> {
    let name = |pod: &stsim_core::objects::PodId| sim.world.pod(*pod).name.clone();
    (sim.trace.records.iter())
        .filter(|r| r.at == at && r.actor == stsim_core::trace::Actor::StatefulSetController)
        .filter_map(|r| match &r.event {
            Event::PodRemoved { pod, .. } => Some(("removed", name(pod))),
            Event::PodCreated { pod, .. } => Some(("created", name(pod))),
            _ => None,
        })
        .collect()
}

/// k/k PR #123809 (1.31.0; 1.30.2, 1.29.6, 1.28.11): a finished pod is
/// deleted and its replacement made at a later sync, once the object is
/// gone, with no `RecreatingFailedPod` event. Before, the controller said
/// `RecreatingFailedPod`, deleted the pod and made the next one in the same
/// pass. A `Parallel` set of two pods, both rejected at once, shows the
/// order: the fixed controller goes on to the next pod before it makes any.
#[test]
fn a_finished_pod_is_replaced_at_the_next_sync_from_the_fix() {
    let source = crate::support::scenario_file("e2e/recreate-evicted-pod");
    let source = source
        .replace("        replicas: 0,\n", "        replicas: 0,\n        podManagementPolicy: Parallel,\n")
        .replace("Scale(statefulset: \"ss\", replicas: 1)", "Scale(statefulset: \"ss\", replicas: 2)")
        .replace("    seed: 1,\n", "    seed: 1,\n    kubernetesVersion: \"VERSION\",\n");
    assert!(source.contains("Parallel") && source.contains("replicas: 2)") && source.contains("VERSION"));
    for (version, fixed) in [
        ("1.28.10", false),
        ("1.28.11", true),
        ("1.29.5", false),
        ("1.29.6", true),
        ("1.30", false),
        ("1.30.2", true),
        ("1.31", true),
        ("1.36", true),
    ] {
        let (sim, _) = run(&source.replace("VERSION", version));
        let first = controller_pod_writes(&sim, t("21s"));
        let pods = |names: [(&'static str, &str); 4]| names.map(|(v, n)| (v, n.to_string())).to_vec();
        let expected = match fixed {
            true => {
                pods([("removed", "ss-0"), ("removed", "ss-1"), ("created", "ss-0"), ("created", "ss-1")])
            }
            false => {
                pods([("removed", "ss-0"), ("created", "ss-0"), ("removed", "ss-1"), ("created", "ss-1")])
            }
        };
        assert_eq!(first, expected, "{version}");
        // The status between the passes counts the controller's copies:
        // two pods, never none.
        let statuses: Vec<u32> = (sim.trace.records.iter())
            .filter(|r| r.at > t("20s") && r.at < t("1m"))
            .filter_map(|r| match &r.event {
                Event::StatefulSetStatus { status, .. } => Some(status.replicas),
                _ => None,
            })
            .collect();
        assert!(statuses.iter().all(|n| *n == 2), "{version}: {statuses:?}");
        // Each delete says so; the old controller first says why.
        let events = stsim_render::events::collect(&sim);
        let count = |reason: &str| events.iter().filter(|e| e.reason == reason).count();
        let deletes = count("SuccessfulDelete");
        assert!(deletes >= 80, "{version}: {deletes} deletes");
        let recreating: Vec<_> = events.iter().filter(|e| e.reason == "RecreatingFailedPod").collect();
        match fixed {
            true => assert!(recreating.is_empty(), "{version}"),
            false => {
                assert_eq!(recreating.len(), deletes, "{version}");
                assert!(recreating[0].warning);
                assert_eq!(&*recreating[0].message, "StatefulSet default/ss is recreating failed Pod ss-0");
            }
        }
    }
}

/// Before k/k PR #123809 only `processReplica` said `RecreatingFailedPod`:
/// a finished pod that a scale-down deletes (`processCondemned`) gets its
/// `SuccessfulDelete` alone. In recreate-evicted-pod at 1.30, the scale to
/// 0 at 30s comes as ss-0 is rejected again, so the pod deleted then is a
/// Failed pod out of range.
#[test]
fn a_finished_pod_deleted_by_a_scale_down_is_not_said_to_be_recreated() {
    let source = crate::support::scenario_file("e2e/recreate-evicted-pod")
        .replace("    seed: 1,\n", "    seed: 1,\n    kubernetesVersion: \"1.30\",\n")
        .replace(
            r#"(at: "1m", do: ForceDeletePod(pod: "test-pod")),"#,
            r#"(at: "30s", do: Scale(statefulset: "ss", replicas: 0)),"#,
        );
    let source = source.split("    expect: [").next().unwrap().to_string() + ")\n";
    let (sim, _) = run(&source);
    let last = sim.world.pods.iter().rfind(|p| p.name == "ss-0").unwrap();
    assert_eq!(last.removed_at, Some(t("30s")));
    assert_eq!(last.history.phase_at(t("30s")), stsim_core::objects::PodPhase::Failed);
    let events = stsim_render::events::collect(&sim);
    let said = |reason: &str| events.iter().filter(|e| e.reason == reason && e.at_ms == 30_000).count();
    assert_eq!((said("SuccessfulDelete"), said("RecreatingFailedPod")), (1, 0));
    // Earlier, in range, each delete was said to recreate it.
    let before = |reason: &str| events.iter().filter(|e| e.reason == reason && e.at_ms < 30_000).count();
    assert_eq!(before("RecreatingFailedPod"), before("SuccessfulDelete"));
    assert!(before("RecreatingFailedPod") >= 8);
}
