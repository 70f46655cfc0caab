//! Node failures end to end: detection, taints, eviction, the ways out of a
//! pod stuck Terminating, force deletes during a partition, volume attach
//! and detach, drains and budgets, zone disruption and random failures.
//! Each test states the Kubernetes rule it checks, with default timings.

use crate::support::{Log, run, run_file, scenario_file, t};
use stsim_core::objects::{ConditionStatus, Machine};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::{Actor, Event};

/// Times of the trace records that `matches` picks.
fn times(sim: &Simulation, matches: impl Fn(&Event) -> bool) -> Vec<SimTime> {
    sim.trace.records.iter().filter(|r| matches(&r.event)).map(|r| r.at).collect()
}

fn node_name(sim: &Simulation, node: stsim_core::objects::NodeId) -> &str {
    &sim.world.node(node).name
}

fn pod_name(sim: &Simulation, pod: stsim_core::objects::PodId) -> &str {
    &sim.world.pod(pod).name
}

/// When the named node's Ready condition became `status`.
fn condition(sim: &Simulation, node: &str, status: ConditionStatus) -> Vec<SimTime> {
    times(
        sim,
        |e| matches!(e, Event::NodeCondition { node: n, status: s } if node_name(sim, *n) == node && *s == status),
    )
}

/// When a taint with this key and effect was added to the named node.
fn tainted(sim: &Simulation, node: &str, key: &str, effect: &str) -> Vec<SimTime> {
    times(sim, |e| match e {
        Event::NodeTaintAdded { node: n, taint } => {
            node_name(sim, *n) == node && taint.key == key && taint.effect.as_str() == effect
        }
        _ => false,
    })
}

/// Evictions of the named pod, with their reasons.
fn evictions(sim: &Simulation, pod: &str) -> Vec<(SimTime, &'static str)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodEvicted { pod: p, reason, .. } if pod_name(sim, p) == pod => Some((r.at, reason)),
            _ => None,
        })
        .collect()
}

/// Detaches of any volume from the named node: when, and whether forced and why.
fn detaches(sim: &Simulation, node: &str) -> Vec<(SimTime, Option<&'static str>)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::VolumeDetaching { node: n, forced, .. } if node_name(sim, n) == node => {
                Some((r.at, forced))
            }
            _ => None,
        })
        .collect()
}

fn running_at(sim: &Simulation, pod: &str, after: SimTime) -> Option<SimTime> {
    sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodStatus { pod: p, status: stsim_core::objects::StatusColumn::Reason("Running"), .. }
            if r.at >= after && pod_name(sim, p) == pod =>
        {
            Some(r.at)
        }
        _ => None,
    })
}

fn multi_attach(sim: &Simulation, pod: &str) -> Vec<(SimTime, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::VolumeMultiAttach { pod: p, message, .. } if pod_name(sim, *p) == pod => {
                Some((r.at, message.clone()))
            }
            _ => None,
        })
        .collect()
}

fn with_timeline(scenario: &str, old: &str, new: &str) -> String {
    let source = scenario_file(scenario);
    assert!(source.contains(old), "{old:?} is not in {scenario}");
    source.replacen(old, new, 1)
}

/// The node lifecycle controller sets Ready=Unknown on its first 5 s pass
/// more than `--node-monitor-grace-period` (50 s) after the last lease
/// renewal it saw (renewals every 10 s), marks the pods not Ready and adds
/// the unreachable NoSchedule taint then, and queues the NoExecute taint on
/// the next pass, which sees Unknown as the observed condition.
#[test]
fn a_silent_node_goes_not_ready_after_the_grace_period() {
    let (sim, _) = run_file("node-crash-stuck-terminating");
    // Crash at 2m5s; last renewal at 2m0s; 2m0s + 50 s = 2m50s; first pass after: 2m55s.
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::Unknown), [t("2m55s")]);
    assert_eq!(tainted(&sim, "worker-2", "node.kubernetes.io/unreachable", "NoSchedule"), [t("2m55s")]);
    assert_eq!(tainted(&sim, "worker-2", "node.kubernetes.io/unreachable", "NoExecute"), [t("3m")]);
    let log = Log(&sim);
    assert_eq!(log.readiness("redis-0").last(), Some(&(t("2m55s"), false)));
    let fqdn = "redis-0.redis-svc.default.svc.cluster.local";
    assert_eq!(log.dns(fqdn).last().map(|(at, added, _)| (*at, *added)), Some((t("2m55s"), false)));
    // The other nodes stay Ready; the pods there keep running.
    assert!(condition(&sim, "worker-6", ConditionStatus::Unknown).is_empty());
}

/// The grace period was 40 s before 1.32, and is configurable.
#[test]
fn the_grace_period_follows_the_release_and_the_scenario() {
    let old = scenario_file("node-crash-stuck-terminating").replacen(
        "seed: 3,",
        "seed: 3,\n    kubernetesVersion: \"1.31\",",
        1,
    );
    let (sim, _) = run(&old);
    // 2m0s + 40 s = 2m40s; first pass after: 2m45s.
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::Unknown), [t("2m45s")]);
    let custom = scenario_file("node-crash-stuck-terminating").replacen(
        "seed: 3,",
        "seed: 3,\n    timings: (nodeMonitorGracePeriod: \"20s\"),",
        1,
    );
    let (sim, _) = run(&custom);
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::Unknown), [t("2m25s")]);
}

/// Every pod tolerates the unreachable NoExecute taint for 300 s (the
/// DefaultTolerationSeconds admission plugin); then the taint manager
/// deletes it gracefully. Nobody confirms, so it stays Terminating, and the
/// StatefulSet does not replace it: the name is taken.
#[test]
fn the_taint_manager_evicts_after_300s_and_the_pod_stays_terminating() {
    let (sim, report) = run_file("node-crash-stuck-terminating");
    assert_eq!(evictions(&sim, "redis-0"), [(t("8m"), "DeletionByTaintManager")]);
    let log = Log(&sim);
    assert_eq!(log.deletions(), [(t("8m"), "redis-0".to_string())]);
    assert!(log.removals("redis-0").is_empty(), "redis-0 must never leave");
    let created: Vec<String> = log.creations().into_iter().map(|(_, name)| name).collect();
    assert_eq!(created, ["redis-0", "redis-1", "redis-2"], "no replacement is created");
    let row = report.pods.iter().find(|p| p.name == "redis-0").unwrap();
    assert_eq!(row.state.status, "Terminating");
    // `MarkPodsNotReady` writes only the Ready condition: kubectl's READY
    // still counts the container its kubelet last reported ready, so the
    // pod shows `1/1 Terminating` for as long as its node is gone.
    assert_eq!(&*row.state.ready, "1/1");
    assert!(
        !sim.world.live_pods().find(|p| p.name == "redis-0").unwrap().status.ready,
        "the condition is False"
    );
    let ready: Vec<(u64, &str)> = report
        .timeline
        .iter()
        .filter(|r| &*r.name == "redis-0")
        .filter_map(|r| r.pod.as_ref().map(|p| (r.at_ms / 1000, &*p.ready)))
        .collect();
    let after_crash: Vec<&str> = ready.iter().filter(|(at, _)| *at >= 125).map(|(_, r)| *r).collect();
    assert!(after_crash.len() >= 3 && after_crash.iter().all(|r| *r == "1/1"), "{ready:?}");
    let finding = report.findings.iter().find(|f| f.id == "pod-stuck-terminating").expect("explained");
    assert_eq!(finding.subject, "pod/redis-0");
    assert!(finding.explanation.contains("nobody can confirm"), "{}", finding.explanation);
    assert!(finding.fix.contains("out-of-service") && finding.fix.contains("delete node"), "{}", finding.fix);
    assert!(sim.world.identity_violations.is_empty());
}

/// A toleration of the pod's own replaces the default: 30 s evicts sooner;
/// no `tolerationSeconds` tolerates forever; no toleration at all is not
/// possible for the unreachable taint (admission adds it), but the
/// NoSchedule taint is never tolerated by default.
#[test]
fn tolerations_decide_when_the_taint_manager_evicts() {
    let toleration = |extra: &str| {
        scenario_file("node-crash-stuck-terminating").replacen(
            "readinessProbe: (periodSeconds: 5),",
            &format!("readinessProbe: (periodSeconds: 5),\n            tolerations: [{extra}],"),
            1,
        )
    };
    let (sim, _) = run(&toleration(
        r#"(key: "node.kubernetes.io/unreachable", operator: Exists, effect: NoExecute, tolerationSeconds: 30)"#,
    ));
    assert_eq!(evictions(&sim, "redis-0"), [(t("3m30s"), "DeletionByTaintManager")]);
    let (sim, report) =
        run(&toleration(r#"(key: "node.kubernetes.io/unreachable", operator: Exists, effect: NoExecute)"#));
    assert!(evictions(&sim, "redis-0").is_empty(), "tolerated forever");
    let finding = report.findings.iter().find(|f| f.subject == "pod/redis-0").expect("explained");
    assert_eq!(finding.id, "pod-on-lost-node");
}

/// Deleting the Node object: pod GC finds the orphan on its next 20 s pass,
/// quarantines the node for 40 s, then marks the pod Failed and deletes it
/// with grace 0. The volume still counts as mounted on the dead node, so it
/// is force-detached 6 minutes after the detach was first wanted (the node
/// is unhealthy), and the new pod waits with a Multi-Attach error meanwhile.
#[test]
fn deleting_the_node_frees_the_pod_after_the_gc_quarantine() {
    let (sim, report) = run_file("node-crash-delete-node");
    assert_eq!(
        evictions(&sim, "redis-0"),
        [(t("8m"), "DeletionByTaintManager"), (t("10m40s"), "DeletionByPodGC")]
    );
    let log = Log(&sim);
    assert_eq!(log.removals("redis-0"), [t("10m40s")]);
    let created = log.creations();
    assert_eq!(created.last(), Some(&(t("10m40s"), "redis-0".to_string())));
    let (at, message) = multi_attach(&sim, "redis-0").remove(0);
    assert_eq!(at, t("10m40s"));
    assert!(
        message.starts_with("Multi-Attach error for volume \"pvc-")
            && message.ends_with(
                "Volume is already exclusively attached to one node and can't be attached to another"
            ),
        "{message}"
    );
    assert_eq!(detaches(&sim, "worker-2"), [(t("16m40s100ms"), Some("timeout"))]);
    assert_eq!(running_at(&sim, "redis-0", t("10m40s")), Some(t("17m2s100ms")));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(sim.world.identity_violations.is_empty());
}

/// Deleting the Node object of a machine that still runs: its kubelet
/// stops the orphaned container once the pod object is gone and unmounts
/// the volume, but cannot say so: `volumesInUse` is a field of the deleted
/// Node, and a kubelet registers its Node once, at start. The
/// attach/detach controller keeps what the Node last said (its
/// `nodeDelete` handler), so the volume is detached only by force, six
/// minutes after the old pod went, as for a crashed node (k/k #116485,
/// #136029).
#[test]
fn a_deleted_node_whose_kubelet_runs_keeps_its_volume_until_the_forced_detach() {
    let source = with_timeline(
        "node-crash-delete-node",
        r#"(at: "2m5s", do: CrashNode(node: "worker-2")),
        (at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "2m5s", do: DeleteNode(node: "worker-2")),"#,
    );
    let (sim, _) = run(&source);
    // Pod GC: the next 20 s pass after the delete, then 40 s of quarantine.
    assert_eq!(Log(&sim).removals("redis-0"), [t("3m")]);
    assert_eq!(detaches(&sim, "worker-2"), [(t("9m100ms"), Some("timeout"))]);
    assert_eq!(running_at(&sim, "redis-0", t("3m")), Some(t("9m22s100ms")));
}

/// A kubelet registers its Node at every start (`registerWithAPIServer`,
/// done once per process): a machine that reboots after its Node was
/// deleted comes back as a new Node object of the same name, Ready,
/// schedulable, without what was written on the old one (a cordon, the
/// unreachable taints). Its kubelet can report its volumes again, so the
/// old volume is detached at once rather than by force.
#[test]
fn a_deleted_node_registers_again_when_its_machine_reboots() {
    let source = with_timeline(
        "node-crash-delete-node",
        r#"(at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "3m", do: Cordon(node: "worker-2")),
        (at: "4m", do: DeleteNode(node: "worker-2")),
        (at: "6m", do: RecoverNode(node: "worker-2")),"#,
    );
    let (sim, _) = run(&source);
    let added: Vec<(SimTime, Actor)> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::NodeAdded { node } if node_name(&sim, node) == "worker-2"))
        .map(|r| (r.at, r.actor))
        .collect();
    let node = sim.world.nodes.iter().find(|n| n.name == "worker-2").expect("worker-2");
    assert_eq!(added, [(t("6m"), Actor::Kubelet(node.id))]);
    assert!(node.exists() && node.ready && !node.unschedulable, "{node:?}");
    assert!(node.taints.is_empty(), "{:?}", node.taints);
    assert_eq!((node.created_at, node.earlier.clone()), (t("6m"), vec![(SimTime::ZERO, t("4m"))]));
    assert!(node.existed_at(t("3m")) && !node.existed_at(t("5m")) && node.existed_at(t("7m")));
    // The unmount is reported at the kubelet's first status sync: no force.
    assert_eq!(detaches(&sim, "worker-2"), [(t("6m10s"), None)]);
}

/// Back before the pod GC's quarantine was over, the Node exists again:
/// the pod bound to it is not collected, and its kubelet starts its
/// container again, on the same node.
#[test]
fn a_node_registered_again_in_time_keeps_its_pods() {
    let source = with_timeline(
        "node-crash-delete-node",
        r#"(at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "4m", do: DeleteNode(node: "worker-2")),
        (at: "4m10s", do: RecoverNode(node: "worker-2")),"#,
    );
    let (sim, report) = run(&source);
    assert!(Log(&sim).removals("redis-0").is_empty());
    let pod = sim.world.pods.iter().find(|p| p.name == "redis-0" && p.exists()).expect("redis-0");
    assert_eq!(sim.world.node(pod.node.expect("bound")).name, "worker-2");
    assert_eq!(running_at(&sim, "redis-0", t("4m10s")).map(|at| at > t("4m10s")), Some(true));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A kubelet that only lost the control plane never restarted: it has
/// registered already, and does not again. Its deleted Node stays gone.
#[test]
fn a_deleted_node_cut_off_does_not_register_again() {
    let source = with_timeline(
        "node-crash-delete-node",
        r#"(at: "2m5s", do: CrashNode(node: "worker-2")),
        (at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "2m5s", do: PartitionNode(node: "worker-2")),
        (at: "4m", do: DeleteNode(node: "worker-2")),
        (at: "6m", do: RecoverNode(node: "worker-2")),"#,
    );
    let (sim, _) = run(&source);
    let node = sim.world.nodes.iter().find(|n| n.name == "worker-2").expect("worker-2");
    assert!(!node.exists() && node.earlier.is_empty());
    let added = (sim.trace.records.iter()).filter(|r| matches!(r.event, Event::NodeAdded { .. })).count();
    assert_eq!(added, 0);
}

/// The pod GC marks an orphaned pod Failed before it deletes it only with
/// `PodDisruptionConditions` (on by default from 1.26,
/// `markFailedAndDeletePodWithCondition`); before, it only deletes it.
#[test]
fn the_pod_gc_marks_the_pod_failed_only_with_pod_disruption_conditions() {
    for (version, gates, marked) in [
        ("1.25", "", false),
        ("1.25", r#"featureGates: {"PodDisruptionConditions": true},"#, true),
        ("1.26", "", true),
        ("1.36", "", true),
    ] {
        // The Node deleted at 4m, before the taint manager's eviction at 8m:
        // the pod is still Running as far as the API server knows.
        let source = with_timeline(
            "node-crash-delete-node",
            r#"(at: "10m", do: DeleteNode(node: "worker-2")),"#,
            r#"(at: "4m", do: DeleteNode(node: "worker-2")),"#,
        )
        .replacen(
            "    seed: ",
            &format!("    kubernetesVersion: \"{version}\",\n    {gates}\n    seed: "),
            1,
        );
        let (sim, _) = run(&source);
        let trace = sim.trace.render(&sim.world);
        // Failed, over a container its kubelet never reported stopped:
        // kubectl shows the phase.
        let line = "4m40s\tpod-garbage-collector\tpod/redis-0\tstatus\tstatus=Failed";
        assert_eq!(trace.contains(line), marked, "{version} {gates}");
        assert_eq!(Log(&sim).removals("redis-0"), [t("4m40s")], "{version} {gates}");
    }
}

/// A pod that pod GC marks Failed keeps the container states its kubelet
/// last reported: the phase alone is written (`markFailedAndDeletePod`), so
/// its sidecar, like its container, is served running, not stopped, and
/// its sandbox ready.
#[test]
fn a_pod_gc_failed_pods_sidecar_is_served_as_last_reported() {
    let source = with_timeline(
        "node-crash-delete-node",
        r#"(at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "4m", do: DeleteNode(node: "worker-2")),"#,
    )
    .replacen("    seed: ", "    kubernetesVersion: \"1.36\",\n    seed: ", 1)
    .replace(
        r#"readinessProbe: (periodSeconds: 5),"#,
        r#"readinessProbe: (periodSeconds: 5),
            initContainers: [(name: "proxy", image: "redis:7.0", restartPolicy: "Always")],"#,
    );
    assert!(source.contains("initContainers"));
    let (sim, _) = run(&source);
    assert_eq!(Log(&sim).removals("redis-0"), [t("4m40s")]);
    let gone = sim.world.pods.iter().find(|p| p.name == "redis-0").expect("the first redis-0");
    let served = stsim_core::kube::pod(&sim.world, gone);
    let status = &served["status"];
    assert_eq!(status["phase"], "Failed", "{status}");
    assert_eq!(status["containerStatuses"][0]["state"], serde_json::json!({"running": {}}), "{status}");
    assert_eq!(status["initContainerStatuses"][0]["state"], serde_json::json!({"running": {}}), "{status}");
    // Its kubelet's conditions too: the sandbox as last reported.
    let sandbox = &status["conditions"][0];
    assert_eq!(sandbox["type"], "PodReadyToStartContainers", "{status}");
    assert_eq!(sandbox["status"], "True", "{status}");
}

/// The out-of-service taint on a node that is not Ready: pod GC force-deletes
/// its terminating pods on its next pass and the attach-detach controller
/// detaches without waiting for an unmount.
#[test]
fn the_out_of_service_taint_force_deletes_and_detaches_at_once() {
    let (sim, report) = run_file("node-crash-out-of-service");
    assert_eq!(evictions(&sim, "redis-0").last(), Some(&(t("10m"), "DeletionByPodGC")));
    assert_eq!(detaches(&sim, "worker-2"), [(t("10m"), Some("out-of-service"))]);
    // The replacement's attach waits for that detach without a Multi-Attach
    // error: an operation under way on the volume (`attachDesiredVolumes`).
    assert!(multi_attach(&sim, "redis-0").is_empty(), "{:?}", multi_attach(&sim, "redis-0"));
    assert_eq!(running_at(&sim, "redis-0", t("10m")), Some(t("10m22s")));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(sim.world.identity_violations.is_empty());
}

/// The story tells a forced detach as it starts (without waiting for an
/// unmount, and why: the 6-minute wait on a node that is not Ready or gone,
/// or the out-of-service taint), and as done when the trace says it is.
#[test]
fn the_story_tells_a_forced_detach_starting_then_done() {
    let cases = [
        (
            "node-crash-force-delete",
            "more than 6 minutes have passed since its detach was requested, and the node is not Ready",
            (t("16m100ms"), t("16m10s100ms")),
        ),
        (
            "node-crash-delete-node",
            "more than 6 minutes have passed since its detach was requested, and the node has been deleted",
            (t("16m40s100ms"), t("16m50s100ms")),
        ),
        ("node-crash-out-of-service", "the node has the out-of-service taint", (t("10m"), t("10m10s"))),
    ];
    for (name, why, (starts, done)) in cases {
        let (sim, _) = run_file(name);
        let detach: Vec<(SimTime, String)> = stsim_core::story::tell(&sim)
            .into_iter()
            .filter(|l| l.who == "the attach/detach controller" && l.text.contains("detach"))
            .filter(|l| l.text.contains("from worker-2"))
            .map(|l| (SimTime::from_millis(l.at_ms), l.text))
            .collect();
        assert_eq!(
            detach,
            [
                (
                    starts,
                    format!(
                        "Volume pvc-00000003 starts detaching from worker-2 without waiting for an unmount \
                         (a forced detach): {why}."
                    )
                ),
                (done, "Volume pvc-00000003 is detached from worker-2.".to_string()),
            ],
            "{name}"
        );
    }
}

/// The out-of-service taint on a Ready node does not force anything: pod GC
/// acts only on nodes that are not Ready. The taint manager evicts the pods
/// that do not tolerate it, gracefully, and their kubelet finishes normally.
#[test]
fn the_out_of_service_taint_on_a_ready_node_only_evicts() {
    let source = with_timeline(
        "node-crash-stuck-terminating",
        r#"(at: "2m5s", do: CrashNode(node: "worker-2")),"#,
        r#"(at: "2m5s", do: TaintOutOfService(node: "worker-2")),"#,
    );
    let (sim, _) = run(&source);
    assert_eq!(evictions(&sim, "redis-0"), [(t("2m5s"), "DeletionByTaintManager")]);
    let removed = times(
        &sim,
        |e| matches!(e, Event::PodRemoved { pod, force } if pod_name(&sim, *pod) == "redis-0" && !force),
    );
    assert_eq!(removed, [t("2m10s")], "the kubelet confirms after the 5 s shutdown");
}

/// Force-deleting the pod of a crashed node frees the name at once; the
/// volume waits for the 6-minute forced detach.
#[test]
fn force_deleting_on_a_crashed_node_frees_the_name_not_the_volume() {
    let (sim, report) = run_file("node-crash-force-delete");
    let log = Log(&sim);
    assert_eq!(log.removals("redis-0"), [t("10m")]);
    assert_eq!(log.creations().last(), Some(&(t("10m"), "redis-0".to_string())));
    assert_eq!(detaches(&sim, "worker-2"), [(t("16m100ms"), Some("timeout"))]);
    assert_eq!(running_at(&sim, "redis-0", t("10m")), Some(t("16m22s100ms")));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(sim.world.identity_violations.is_empty(), "the machine is off: one copy");
}

/// The node comes back: its kubelet posts Ready, confirms the deletion of
/// the pod whose container died with the machine, unmounts, reports it at
/// its next node status sync (10 s after its start), and the volume is
/// detached normally; the unreachable taints go.
#[test]
fn a_node_back_finishes_the_deletion() {
    let (sim, report) = run_file("node-crash-node-back");
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::True), [t("10m")]);
    let removed = times(
        &sim,
        |e| matches!(e, Event::PodRemoved { pod, force: false } if pod_name(&sim, *pod) == "redis-0"),
    );
    assert_eq!(removed, [t("10m")]);
    assert_eq!(detaches(&sim, "worker-2"), [(t("10m10s"), None)]);
    let untainted = times(
        &sim,
        |e| matches!(e, Event::NodeTaintRemoved { node, .. } if node_name(&sim, *node) == "worker-2"),
    );
    assert_eq!(untainted.len(), 2);
    assert_eq!(running_at(&sim, "redis-0", t("10m")), Some(t("10m32s")));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A partition looks like a crash to the cluster, but the containers keep
/// running: a force delete then lets a second copy start, here once the
/// volume has been force-detached. The invariant check reports when and
/// how; the copy on the partitioned node dies when its kubelet reconnects.
#[test]
fn a_force_delete_during_a_partition_runs_two_copies() {
    let (sim, report) = run_file("partition-force-delete-two-copies");
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::Unknown), [t("2m55s")]);
    // The old container is never stopped while the node is cut off; when
    // the node is back at 20m its kubelet kills it, with the 2 s minimum grace.
    let stopped = times(&sim, |e| matches!(e, Event::ContainerStopped { .. }));
    assert_eq!(stopped, [t("20m2s")]);
    assert_eq!(multi_attach(&sim, "redis-0").len(), 1);
    assert_eq!(detaches(&sim, "worker-2"), [(t("15m100ms"), Some("timeout"))]);
    let [violation] = sim.world.identity_violations.as_slice() else {
        panic!("{:#?}", sim.world.identity_violations)
    };
    assert_eq!((violation.since, violation.until), (t("15m22s100ms"), Some(t("20m2s"))));
    assert_eq!(violation.pods.len(), 2);
    assert_eq!(times(&sim, |e| matches!(e, Event::IdentityDuplicated { .. })), [t("15m22s100ms")]);
    let finding = report.findings.iter().find(|f| f.id == "identity-duplicated").expect("reported");
    assert!(finding.summary.contains("from 15m22s100ms to 20m2s"), "{}", finding.summary);
    assert!(finding.explanation.contains("force-deleted by user at 9m"), "{}", finding.explanation);
    assert!(
        finding.explanation.contains("cut off from the control plane since 2m5s"),
        "{}",
        finding.explanation
    );
}

/// Once restored, a violation stays closed: the identity's process stopping
/// and starting again later (its pod deleted and made again) neither
/// reopens it nor restores it a second time.
#[test]
fn a_restored_identity_stays_restored() {
    let source = scenario_file("partition-force-delete-two-copies")
        .replace("duration: \"25m\"", "duration: \"40m\"")
        .replace(
            "(at: \"20m\", do: RecoverNode(node: \"worker-2\")),",
            "(at: \"20m\", do: RecoverNode(node: \"worker-2\")),\n        (at: \"30m\", do: DeletePod(pod: \"redis-0\")),",
        );
    assert!(source.contains("at: \"30m\""), "the scenario changed shape");
    let (sim, _) = run(&source);
    // Made again after the delete, and running: its process started anew.
    assert!(Log(&sim).creations().iter().any(|(at, name)| name == "redis-0" && *at >= t("30m")));
    assert!(running_at(&sim, "redis-0", t("30m")).is_some());
    let [violation] = sim.world.identity_violations.as_slice() else {
        panic!("{:#?}", sim.world.identity_violations)
    };
    assert_eq!(violation.until, Some(t("20m2s")));
    assert_eq!(times(&sim, |e| matches!(e, Event::IdentityRestored { .. })), [t("20m2s")]);
    assert!(sim.world.open_violations().is_empty());
}

/// The invariant holds everywhere else: only the scenarios that force-delete
/// a pod on a partitioned node ever run two copies of an identity.
#[test]
fn only_the_partition_force_delete_scenario_breaks_the_invariant() {
    for example in stsim_examples::EXAMPLES {
        let (sim, report) = run(example.source);
        let broken = !sim.world.identity_violations.is_empty();
        let reported = report.findings.iter().any(|f| f.id == "identity-duplicated");
        assert_eq!(broken, reported, "{}", example.name);
        // Both force-delete a pod whose node is cut off: the node's view and the database's.
        let expected =
            matches!(example.name, "partition-force-delete-two-copies" | "force-delete-two-copies");
        assert_eq!(broken, expected, "{}", example.name);
    }
}

/// Waiting out the partition is safe: the pod stays Terminating while the
/// node is cut off, and when it reconnects the kubelet stops the container
/// gracefully and confirms; only then is the name reused.
#[test]
fn waiting_out_a_partition_keeps_one_copy() {
    let source = with_timeline(
        "partition-force-delete-two-copies",
        r#"(at: "9m", do: ForceDeletePod(pod: "redis-0")),"#,
        "",
    );
    let (sim, report) = run(&source);
    let log = Log(&sim);
    // SIGTERM when the kubelet hears of the deletion (20m), exit after the 5 s shutdown.
    assert_eq!(log.removals("redis-0"), [t("20m5s")]);
    assert_eq!(log.creations().last(), Some(&(t("20m5s"), "redis-0".to_string())));
    assert!(sim.world.identity_violations.is_empty());
    assert!(report.findings.iter().all(|f| f.id != "identity-duplicated"));
}

/// The attach-detach controller does not force a detach from a node that is
/// healthy again before the 6 minutes are up: the kubelet unmounts and the
/// detach is an ordinary one.
#[test]
fn no_forced_detach_once_the_old_node_is_back() {
    let source = with_timeline(
        "partition-force-delete-two-copies",
        r#"(at: "20m", do: RecoverNode(node: "worker-2")),"#,
        r#"(at: "12m", do: RecoverNode(node: "worker-2")),"#,
    );
    let (sim, _) = run(&source);
    // Back at 12m, the kubelet kills the orphan (2 s minimum grace), unmounts,
    // and reports it at its next status sync, on its 10 s grid from 12m: the
    // detach follows.
    assert_eq!(detaches(&sim, "worker-2"), [(t("12m10s"), None)]);
    assert!(sim.world.identity_violations.is_empty(), "the old copy dies before the new one starts");
}

/// The replacement follows its zonal volume and fits nowhere; when a node
/// appears in that zone, the scheduler tries again and places it there.
#[test]
fn a_new_node_in_the_volume_zone_unblocks_the_pending_pod() {
    let source = with_timeline(
        "zonal-volume-no-room",
        r#"(at: "3m", do: DeleteNode(node: "small-1")),"#,
        r#"(at: "3m", do: DeleteNode(node: "small-1")),
        (at: "5m", do: AddNode(pool: "small")),"#,
    )
    .replacen("duration: \"10m\"", "duration: \"12m\"", 1);
    let (sim, report) = run(&source);
    let scheduled: Vec<(SimTime, String)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodScheduled { pod, node } if r.at >= t("3m") => {
                Some((r.at, format!("{}@{}", pod_name(&sim, pod), node_name(&sim, node))))
            }
            _ => None,
        })
        .collect();
    assert_eq!(scheduled, [(t("5m"), "redis-3@small-3".to_string())]);
    assert_eq!(
        sim.world.node(sim.world.pod(sim.world.pod_named("redis-3").unwrap()).node.unwrap()).zone,
        "zone-b"
    );
    // The volume is still attached to the deleted node until the forced detach.
    assert_eq!(detaches(&sim, "small-1"), [(t("9m40s100ms"), Some("timeout"))]);
    assert_eq!(running_at(&sim, "redis-3", t("5m")), Some(t("10m2s100ms")));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// kubectl drain evicts through the eviction API: a PodDisruptionBudget with
/// no allowed disruption refuses (429) and kubectl retries every 5 s; a
/// budget that equals the replicas blocks the drain for good.
#[test]
fn a_drain_waits_for_budgets_and_volumes() {
    let (sim, report) = run_file("drain-pdb-multi-attach");
    assert_eq!(evictions(&sim, "redis-1"), [(t("2m"), "EvictionByEvictionAPI")]);
    let refused: Vec<(SimTime, String)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::EvictionRefused { pod, message, .. } => {
                Some((r.at, format!("{}: {message}", pod_name(&sim, *pod))))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        [
            (
                t("2m"),
                "redis-3: Cannot evict pod as it would violate the pod's disruption budget. The disruption budget \
                 redis-pdb needs 4 healthy pods and has 4 currently"
                    .to_string()
            ),
            (
                t("2m"),
                "etcd-2: Cannot evict pod as it would violate the pod's disruption budget. The disruption budget \
                 etcd-pdb needs 3 healthy pods and has 3 currently"
                    .to_string()
            ),
        ]
    );
    // redis-1's replacement waits for the volume (Multi-Attach: worker-2's
    // kubelet reports it unmounted at its next status sync, 2m10s), then
    // becomes Ready at 2m37s; the next retry, at 2m40s, may evict redis-3.
    assert_eq!(multi_attach(&sim, "redis-1").len(), 1);
    let ready = Log(&sim).ready_after("redis-1", t("2m1s")).unwrap();
    assert_eq!(ready, t("2m37s"));
    assert_eq!(evictions(&sim, "redis-3"), [(t("2m40s"), "EvictionByEvictionAPI")]);
    assert!(evictions(&sim, "etcd-2").is_empty());
    assert!(times(&sim, |e| matches!(e, Event::NodeDrained { .. })).is_empty());
    let finding = report.findings.iter().find(|f| f.id == "drain-blocked").expect("explained");
    assert!(
        finding.explanation.contains("etcd-pdb needs 3 healthy pods out of the 3"),
        "{}",
        finding.explanation
    );
    let etcd = report.pod_disruption_budgets.iter().find(|b| b.name == "etcd-pdb").unwrap();
    assert_eq!(etcd.status.disruptions_allowed, 0);
}

/// Without the blocking budget the drain finishes once the last pod is gone.
#[test]
fn a_drain_finishes_when_no_pod_is_left() {
    let source = scenario_file("drain-pdb-multi-attach").replacen(
        r#"{"app": "etcd"}, minAvailable: 3)"#,
        r#"{"app": "etcd"}, minAvailable: 2)"#,
        1,
    );
    let (sim, report) = run(&source);
    let drained = times(&sim, |e| matches!(e, Event::NodeDrained { .. }));
    assert_eq!(drained.len(), 1);
    let node = report.nodes.iter().find(|n| n.name == "worker-2").unwrap();
    assert_eq!((node.status.as_str(), node.pods), ("Ready,SchedulingDisabled", 0));
    assert!(report.findings.iter().all(|f| f.id != "drain-blocked"), "{:#?}", report.findings);
}

/// A maintenance drain that reaches `drainTimeout` is aborted, as
/// `kubectl drain --timeout` or kured's `--drain-timeout` gives up: it
/// evicts nothing more, neither during the reboot nor after the node is
/// uncordoned and the next node is drained; the pod the budget kept stays
/// on the node through the reboot (kured's `--force-reboot`).
#[test]
fn a_maintenance_drain_stops_at_its_timeout() {
    let source = r#"Scenario(
        name: "maint", seed: 1, duration: "3h",
        cluster: (
            zones: ["zone-a"],
            nodePools: [(name: "worker", count: 4, cpu: "4", memory: "16Gi",
                maintenance: (every: "30d", start: "10m", downtime: "5m", drainTimeout: "10m"))],
            storageClasses: [(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)],
        ),
        images: [(name: "web:1", pull: "2s", startup: "3s", shutdown: "5s")],
        services: [(name: "web", clusterIP: "None", selector: {"app": "web"}, ports: [(name: "http", port: 80)])],
        podDisruptionBudgets: [(name: "web", selector: {"app": "web"}, maxUnavailable: 1)],
        statefulsets: [(
            name: "web", serviceName: "web", replicas: 3, podManagementPolicy: Parallel,
            template: (labels: {"app": "web"}, image: "web:1", readinessProbe: (periodSeconds: 5),
              affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "kubernetes.io/hostname")]))),
        )],
        timeline: [
            (at: "9m", do: SetReady(pod: "web-1", ready: false)),
            (at: "1h", do: SetReady(pod: "web-1", ready: true)),
        ],
    )"#;
    let (sim, _) = run(source);
    // web-2 is on worker-1, drained first from 10m; web-1 not Ready keeps the budget at 0.
    let aborted: Vec<(SimTime, String, u32)> = (sim.trace.records.iter())
        .filter_map(|r| match r.event {
            Event::NodeDrainAborted { node, left } => Some((r.at, node_name(&sim, node).to_string(), left)),
            _ => None,
        })
        .collect();
    assert_eq!(aborted, [(t("20m"), "worker-1".to_string(), 1)]);
    let text = sim.trace.render(&sim.world);
    assert!(text.contains("20m\tuser\tnode/worker-1\tdrain-aborted\tpods-left=1"), "{text}");
    // Nothing evicts web-2 or asks to after the timeout: no refusal during
    // the reboot, no eviction once worker-1 is back (the old drain went on
    // and evicted it at 30m25s while worker-3 was being drained).
    assert!(evictions(&sim, "web-2").is_empty(), "{:?}", evictions(&sim, "web-2"));
    let refused_late = (sim.trace.records.iter())
        .filter(|r| {
            r.at > t("20m")
                && matches!(r.event, Event::EvictionRefused { pod, .. } if pod_name(&sim, pod) == "web-2")
        })
        .count();
    assert_eq!(refused_late, 0);
    // The pod stays on worker-1 through the reboot and runs there again.
    let web2 = sim.world.pods.iter().find(|p| p.name == "web-2" && p.removed_at.is_none()).unwrap();
    assert_eq!(web2.node.map(|n| node_name(&sim, n)), Some("worker-1"));
    assert_eq!(
        times(&sim, |e| matches!(e, Event::NodeDrained { node } if node_name(&sim, *node) == "worker-1")),
        []
    );
}

/// A local volume pins its pod to the node for good: once the node is gone,
/// nothing fits, and the fix is to give up the claim.
#[test]
fn a_local_volume_pins_the_pod_to_a_node_that_is_gone() {
    let (sim, report) = run_file("local-volume-node-gone");
    assert!(
        times(&sim, |e| matches!(e, Event::VolumeAttaching { .. })).is_empty(),
        "local volumes never attach"
    );
    let pod = report.pods.iter().find(|p| p.name == "mongo-0").unwrap();
    assert_eq!(pod.state.status, "Pending");
    let finding = report.findings.iter().find(|f| f.subject == "pod/mongo-0").unwrap();
    assert!(finding.fix.contains("delete the claim data-mongo-0"), "{}", finding.fix);
}

/// Zone disruption: with more than 2 and at least 55 % of a zone's nodes not
/// Ready, a small cluster (50 nodes or fewer) stops tainting that zone, so
/// nothing is evicted; if every zone is fully disrupted the controller
/// takes the NoExecute taints off altogether.
#[test]
fn zone_disruption_holds_evictions_back() {
    let cluster = |nodes: u32, zones: &str, crash: &[&str]| {
        let timeline: Vec<String> =
            crash.iter().map(|node| format!("(at: \"1m\", do: CrashNode(node: \"{node}\")),")).collect();
        format!(
            r#"Scenario(
    name: "zones",
    duration: "15m",
    cluster: (zones: [{zones}], nodePools: [(name: "worker", count: {nodes})]),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(name: "web", serviceName: "web", replicas: {nodes}, podManagementPolicy: Parallel,
        template: (image: "nginx", resources: (requests: (cpu: "3")))), ],
    timeline: [{}],
)"#,
            timeline.join("\n")
        )
    };
    // 3 of 4 nodes of the only zone down: partial disruption, no NoExecute taint, no eviction.
    let (sim, _) = run(&cluster(4, r#""zone-a""#, &["worker-1", "worker-2", "worker-3"]));
    assert_eq!(condition(&sim, "worker-1", ConditionStatus::Unknown).len(), 1);
    assert!(
        times(
            &sim,
            |e| matches!(e, Event::NodeTaintAdded { taint, .. } if taint.effect.as_str() == "NoExecute")
        )
        .is_empty()
    );
    assert!(times(&sim, |e| matches!(e, Event::PodEvicted { .. })).is_empty());
    // 2 of 4: normal, and one token every 10 s: the second node is tainted 10 s after the first.
    let (sim, _) = run(&cluster(4, r#""zone-a""#, &["worker-1", "worker-2"]));
    let first = tainted(&sim, "worker-1", "node.kubernetes.io/unreachable", "NoExecute");
    let second = tainted(&sim, "worker-2", "node.kubernetes.io/unreachable", "NoExecute");
    assert_eq!((first.len(), second.len()), (1, 1));
    assert_eq!(second[0].since(first[0]).as_millis(), 10_000);
    // The single node of the single zone down: master disruption mode, no taint.
    let (sim, _) = run(&cluster(1, r#""zone-a""#, &["worker-1"]));
    assert_eq!(condition(&sim, "worker-1", ConditionStatus::Unknown).len(), 1);
    assert!(tainted(&sim, "worker-1", "node.kubernetes.io/unreachable", "NoExecute").is_empty());
    // One zone of two fully down: that zone is tainted at the normal rate.
    let (sim, _) = run(&cluster(2, r#""zone-a", "zone-b""#, &["worker-1"]));
    assert_eq!(tainted(&sim, "worker-1", "node.kubernetes.io/unreachable", "NoExecute").len(), 1);
}

/// Random failures are drawn from the seeded node-failures stream: the same
/// seed gives the same week, another seed another; the machines crash and
/// come back, and nobody runs an identity twice.
#[test]
fn random_node_failures_are_seeded_and_keep_one_copy() {
    let (sim, report) = run_file("node-failures-week");
    let crashes = times(&sim, |e| matches!(e, Event::NodeMachine { state: Machine::Crashed, .. }));
    let repairs = times(&sim, |e| matches!(e, Event::NodeMachine { state: Machine::Running, .. }));
    // 9 nodes for 7 days with a failure every 2 days on average.
    assert!((15..=50).contains(&crashes.len()), "{} crashes", crashes.len());
    assert!(repairs.len() + 2 >= crashes.len() && repairs.len() <= crashes.len());
    assert!(sim.trace.records.iter().any(|r| matches!(r.actor, Actor::Machine(_))));
    assert!(sim.world.identity_violations.is_empty());
    let (_, again) = run_file("node-failures-week");
    assert_eq!(again.trace_digest, report.trace_digest);
    let other = scenario_file("node-failures-week").replacen("seed: 11,", "seed: 12,", 1);
    assert_ne!(run(&other).1.trace_digest, report.trace_digest);
}

/// Silence counts from the last heartbeat, whatever the machine does next;
/// a machine that crashed while cut off has lost its containers, and its
/// kubelet starts them again when it reconnects.
#[test]
fn a_crash_during_a_partition_restarts_the_containers_on_reconnection() {
    let source = with_timeline(
        "node-crash-node-back",
        r#"(at: "2m5s", do: CrashNode(node: "worker-2")),"#,
        r#"(at: "2m5s", do: PartitionNode(node: "worker-2")),
        (at: "2m30s", do: CrashNode(node: "worker-2")),
        (at: "3m", do: PartitionNode(node: "worker-2")),"#,
    )
    .replacen(
        r#"(at: "10m", do: RecoverNode(node: "worker-2")),"#,
        r#"(at: "4m", do: RecoverNode(node: "worker-2")),"#,
        1,
    );
    let (sim, report) = run(&source);
    assert_eq!(condition(&sim, "worker-2", ConditionStatus::Unknown), [t("2m55s")]);
    // A new sandbox first (a new IP, the image's 2 s pull time), then the container.
    assert_eq!(running_at(&sim, "redis-0", t("4m")), Some(t("4m2s")));
    let pod = report.pods.iter().find(|p| p.name == "redis-0").unwrap();
    assert_eq!((pod.state.restarts, &*pod.state.ready), (1, "1/1"));
    // READY: the kubelet's last report (1/1) while the node is away, then
    // 0/1 from its new sandbox (the container is not running), then 1/1.
    let ready: Vec<(String, &str, &str)> = report
        .timeline
        .iter()
        .filter(|r| &*r.name == "redis-0" && r.at_ms >= 175_000)
        .filter_map(|r| {
            r.pod
                .as_ref()
                .map(|p| (stsim_core::time::SimTime::from_millis(r.at_ms).to_string(), &*p.ready, &*p.status))
        })
        .collect();
    assert_eq!(ready.first().map(|(at, r, _)| (at.as_str(), *r)), Some(("2m55s", "1/1")), "{ready:?}");
    assert!(
        ready.iter().any(|(at, r, s)| at == "4m" && *r == "0/1" && *s == "ContainerCreating"),
        "{ready:?}"
    );
    assert_eq!(ready.last().map(|(_, r, s)| (*r, *s)), Some(("1/1", "Running")), "{ready:?}");
    assert!(evictions(&sim, "redis-0").is_empty());
    assert!(sim.world.identity_violations.is_empty());
}

/// Pod GC runs every 20 s: a node deleted between passes is found on the
/// next pass, and its pods go on the first pass once 40 s have passed.
#[test]
fn pod_gc_runs_on_its_20s_period() {
    let source = scenario_file("node-crash-delete-node").replacen(
        r#"(at: "10m", do: DeleteNode(node: "worker-2")),"#,
        r#"(at: "10m5s", do: DeleteNode(node: "worker-2")),"#,
        1,
    );
    let (sim, _) = run(&source);
    // Found at 10m20s, quarantined until 11m0s, removed on the pass at 11m0s.
    assert_eq!(Log(&sim).removals("redis-0"), [t("11m")]);
}

/// The eviction API and a pod that is not Ready (`eviction.go`): under
/// `unhealthyPodEvictionPolicy: AlwaysAllow` it is always evicted; under
/// `IfHealthyBudget`, the default, only while the budget holds (current
/// healthy at least desired healthy). One budget over two healthy pods of
/// `web` and a crash-looping `broken-0`, all on the drained node, for each
/// `minAvailable` and policy: `broken-0` is evicted exactly when the rule says.
#[test]
fn a_pod_that_is_not_ready_is_evicted_as_its_budgets_policy_says() {
    for min_available in [1u32, 2, 3] {
        for always in [false, true] {
            let policy = if always { ", unhealthyPodEvictionPolicy: AlwaysAllow" } else { "" };
            let source = format!(
                r#"Scenario(
    name: "unready-eviction",
    duration: "3m",
    cluster: (
        zones: ["zone-a"],
        nodePools: [(name: "old", count: 1, cpu: "16", memory: "64Gi"), (name: "new", count: 1, cpu: "16", memory: "64Gi")],
    ),
    images: [(name: "good", startup: "1s"), (name: "bad", behaviour: CrashLoop, startup: "1s")],
    statefulsets: [
        (name: "web", serviceName: "web", replicas: 2, podManagementPolicy: Parallel,
         template: (labels: {{"tier": "front", "app": "web"}}, image: "good", readinessProbe: (periodSeconds: 5))),
        (name: "broken", serviceName: "broken", replicas: 1,
         template: (labels: {{"tier": "front", "app": "broken"}}, image: "bad", readinessProbe: (periodSeconds: 5))),
    ],
    podDisruptionBudgets: [(name: "front", selector: {{"tier": "front"}}, minAvailable: {min_available}{policy})],
    timeline: [
        (at: "0s", do: Cordon(node: "new-1")),
        (at: "1m", do: Uncordon(node: "new-1")),
        (at: "1m", do: DrainNode(node: "old-1")),
    ],
)"#
            );
            let (sim, _) = run(&source);
            // Two healthy pods of three expected: the budget holds while it wants at most two.
            let holds = min_available <= 2;
            let evicted = evictions(&sim, "broken-0").first().map(|(at, _)| *at);
            assert_eq!(
                evicted.is_some_and(|at| at == t("1m")),
                always || holds,
                "minAvailable {min_available}, {policy}"
            );
            // The Ready pods stay under the budget's arithmetic, whatever the policy:
            // with minAvailable 3 neither may go.
            if min_available == 3 {
                assert!(evictions(&sim, "web-0").is_empty() && evictions(&sim, "web-1").is_empty());
            }
        }
    }
}

/// Node IPAM gives every node its own pod CIDR: on a cluster of more than
/// 256 nodes, no two pods share an address (they did when the 257th node
/// was given the first node's 10.244.0.0/24 again).
#[test]
fn pods_on_hundreds_of_nodes_have_distinct_addresses() {
    let source = r#"Scenario(
    name: "wide",
    duration: "2m",
    cluster: (nodePools: [(name: "worker", count: 300)]),
    statefulsets: [(
        name: "web", serviceName: "web", replicas: 300, podManagementPolicy: Parallel,
        template: (labels: {"app": "web"}, image: "web:1", resources: (requests: (cpu: "3"))),
    )],
)"#;
    let (sim, _) = run(source);
    let ips: Vec<_> = sim.world.live_pods().filter_map(|p| p.status.pod_ip).collect();
    assert_eq!(ips.len(), 300, "one pod a node, each with an address");
    let distinct: std::collections::BTreeSet<_> = ips.iter().collect();
    assert_eq!(distinct.len(), 300, "no address twice");
}

/// The story tells each Ready condition by what it means (Unknown: the
/// kubelet did not post in time; True: it posts again), and leaves DNS to
/// Cluster DNS's own lines: a Terminating pod's record stays published
/// where its Service publishes not-ready addresses, so the deletion's
/// sentence does not say it goes.
#[test]
fn the_story_tells_node_conditions_apart_and_dns_by_its_own_lines() {
    let (sim, _) = run_file("node-crash-node-back");
    let story: Vec<(String, String)> =
        stsim_core::story::tell(&sim).into_iter().map(|l| (l.who, l.text)).collect();
    let has = |text: &str| story.iter().any(|(_, t)| t.contains(text));
    assert!(
        has("Ready condition turns Unknown: its kubelet has not posted its status within the grace period."),
        "{story:#?}"
    );
    assert!(has("Ready condition turns True: its kubelet posts its status again."), "{story:#?}");
    let deletions: Vec<&String> =
        story.iter().map(|(_, t)| t).filter(|t| t.contains("is told to stop")).collect();
    assert!(!deletions.is_empty() && deletions.iter().all(|t| !t.contains("DNS")), "{deletions:#?}");
}

/// NodeNotReady as the components record it (pkg/controller/util/node/
/// controller_utils.go, pkg/kubelet/nodestatus/setters.go): on the node a
/// Normal event, from the kubelet or node lifecycle; on each pod whose
/// Ready condition node lifecycle turns False (`MarkPodsNotReady`) a
/// Warning `NodeNotReady` "Node is not ready" from `node-controller`,
/// once per change, none for a pod that was not Ready.
#[test]
fn node_not_ready_is_normal_on_the_node_and_a_warning_on_each_pod_it_marks() {
    use stsim_render::events::{Source, collect};
    let (sim, _) = run_file("node-crash-stuck-terminating");
    let events = collect(&sim);
    let on_nodes: Vec<_> =
        events.iter().filter(|e| e.involved.kind == "node" && e.reason == "NodeNotReady").collect();
    assert!(!on_nodes.is_empty());
    assert!(on_nodes.iter().all(|e| !e.warning), "{on_nodes:?}");
    let on_pods: Vec<(u64, String)> = (events.iter())
        .filter(|e| e.involved.kind == "pod" && e.reason == "NodeNotReady")
        .inspect(|e| {
            assert!(e.warning, "{e:?}");
            assert_eq!(e.source, Source::Controller("node-controller"));
            assert_eq!(e.message.as_str(), "Node is not ready");
            assert_eq!(e.involved.field_path, None);
        })
        .map(|e| (e.at_ms, e.involved.name.to_string()))
        .collect();
    let marked: Vec<(u64, String)> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            Event::PodReady { pod, ready: false } if r.actor == Actor::NodeLifecycleController => {
                Some((r.at.as_millis(), sim.world.pod(*pod).name.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(!marked.is_empty());
    assert_eq!(on_pods, marked);
}
