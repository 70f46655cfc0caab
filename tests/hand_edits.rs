//! Objects edited by hand (labels, owner references, bare pods and claims)
//! and node actions aimed at the node that runs a pod.

use crate::support::{Log, run, t};
use stsim_core::trace::Event;

const BASE: &str = r#"Scenario(
    name: "hand",
    seed: SEED,
    duration: "6m",
    cluster: (nodePools: [(name: "worker", count: 4)]),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: 3,
        podManagementPolicy: Parallel,
        template: (labels: {"app": "web"}, image: "nginx"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
    timeline: [TIMELINE],
)
"#;

fn scenario(seed: u64, timeline: &str) -> String {
    BASE.replace("SEED", &seed.to_string()).replace("TIMELINE", timeline)
}

/// `CrashNode(nodeOf: ...)` crashes whichever node runs the pod under any
/// seed, where a node name would mean a different pod per seed.
#[test]
fn node_of_follows_the_pod_under_every_seed() {
    let mut nodes = std::collections::BTreeSet::new();
    for seed in 0..6 {
        let (sim, _) = run(&scenario(seed, r#"(at: "1m", do: CrashNode(nodeOf: "web-1"))"#));
        let crashed: Vec<_> = sim
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::NodeMachine { node, state: stsim_core::objects::Machine::Crashed } => Some(node),
                _ => None,
            })
            .collect();
        let pod = sim.world.pods.iter().find(|p| p.name == "web-1").unwrap();
        assert_eq!(crashed, [pod.node.unwrap()], "seed {seed}");
        nodes.insert(pod.node.unwrap());
    }
    assert!(nodes.len() > 1, "the seeds place web-1 on different nodes: {nodes:?}");
}

/// The base scenario without volumes: a pod that leaves its node can run
/// on any other.
fn stateless(seed: u64, timeline: &str) -> String {
    let source = scenario(seed, timeline);
    let claims = "        volumeClaimTemplates: [(name: \"data\", storage: \"1Gi\")],\n";
    assert!(source.contains(claims));
    source.replace(claims, "")
}

/// The nodes whose `spec.unschedulable` a run set to `to`, in order.
fn unschedulable_set(sim: &stsim_core::Simulation, to: bool) -> Vec<stsim_core::objects::NodeId> {
    (sim.trace.records.iter())
        .filter_map(|r| match r.event {
            Event::NodeUnschedulable { node, unschedulable } if unschedulable == to => Some(node),
            _ => None,
        })
        .collect()
}

/// A drain evicts the pod it was aimed through, and its set makes the pod
/// again on another node: the uncordon aimed through the same pod means
/// the node drained, not the one the pod runs on now.
#[test]
fn an_uncordon_through_a_pod_means_the_node_its_drain_hit() {
    let timeline = r#"(at: "1m", do: DrainNode(nodeOf: "web-1")), (at: "4m", do: Uncordon(nodeOf: "web-1"))"#;
    for seed in 0..4 {
        let (sim, _) = run(&stateless(seed, timeline));
        let drained = unschedulable_set(&sim, true);
        assert_eq!(drained.len(), 1, "seed {seed}");
        assert_eq!(unschedulable_set(&sim, false), drained, "seed {seed}: the drained node is uncordoned");
        let now = sim.world.pods.iter().rev().find(|p| p.name == "web-1").unwrap().node;
        assert!(now.is_some_and(|n| n != drained[0]), "seed {seed}: web-1 moved ({now:?})");
        assert!(sim.world.nodes.iter().all(|n| !n.unschedulable), "seed {seed}: no node is left cordoned");
    }
}

/// An uncordon undoes its drain once: a second uncordon through the same
/// pod means the node the pod runs on now (here cordoned by name).
#[test]
fn an_undo_through_a_pod_undoes_its_action_once() {
    let first = r#"(at: "1m", do: DrainNode(nodeOf: "web-1")), (at: "3m", do: Uncordon(nodeOf: "web-1"))"#;
    let (sim, _) = run(&stateless(1, first));
    let drained = unschedulable_set(&sim, true)[0];
    let now = sim.world.pods.iter().rev().find(|p| p.name == "web-1").unwrap().node.unwrap();
    assert_ne!(now, drained);
    let name = &sim.world.node(now).name;
    let timeline = format!(
        r#"{first}, (at: "4m", do: Cordon(node: "{name}")), (at: "5m", do: Uncordon(nodeOf: "web-1"))"#
    );
    let (sim, _) = run(&stateless(1, &timeline));
    assert_eq!(unschedulable_set(&sim, true), [drained, now]);
    assert_eq!(unschedulable_set(&sim, false), [drained, now], "the second uncordon is of web-1's node now");
}

/// A graceful shutdown ends the pod, and its set makes it again elsewhere:
/// the recovery aimed through it brings back the node shut down.
#[test]
fn a_recovery_through_a_pod_means_the_node_its_shutdown_hit() {
    let timeline =
        r#"(at: "1m", do: ShutdownNode(nodeOf: "web-0")), (at: "4m", do: RecoverNode(nodeOf: "web-0"))"#;
    let pool = r#"(name: "worker", count: 4)"#;
    let graceful = r#"(name: "worker", count: 4, shutdownGracePeriod: "30s")"#;
    let source = stateless(1, timeline);
    assert!(source.contains(pool));
    let (sim, _) = run(&source.replace(pool, graceful));
    let machines: Vec<_> = (sim.trace.records.iter())
        .filter_map(|r| match r.event {
            Event::NodeMachine { node, state } => Some((node, state)),
            _ => None,
        })
        .collect();
    use stsim_core::objects::Machine;
    assert_eq!(machines.len(), 2, "{machines:?}");
    assert_eq!(machines[1], (machines[0].0, Machine::Running), "{machines:?}");
    let now = sim.world.pods.iter().rev().find(|p| p.name == "web-0").unwrap().node;
    assert!(now.is_some_and(|n| n != machines[0].0), "web-0 moved ({now:?})");
}

#[test]
fn node_and_node_of_are_exclusive() {
    let source = scenario(1, r#"(at: "1m", do: CrashNode(node: "worker-1", nodeOf: "web-1"))"#);
    let errors = stsim_scenario::parse_scenario(&source, "x.ron").unwrap_err();
    assert!(
        errors[0].message.contains("name the node with `node`, or the pod whose node it is with `nodeOf`")
    );
}

/// A claim created by hand before the set needs it is used as it is.
#[test]
fn a_claim_created_by_hand_is_used_by_the_set() {
    let source = scenario(
        1,
        r#"(at: "0s", do: CreatePvc(name: "data-web-1", storage: "5Gi", labels: {"made": "by-hand"}))"#,
    );
    let (sim, _) = run(&source);
    let claims: Vec<_> = sim.world.pvcs.iter().filter(|c| c.name == "data-web-1").collect();
    assert_eq!(claims.len(), 1, "not made again");
    assert_eq!(claims[0].request_bytes, 5 << 30);
    assert_eq!(claims[0].labels.get("made").map(String::as_str), Some("by-hand"));
    assert!(Log(&sim).ready_after("web-1", t("0s")).is_some());
}

/// Owner references put on a claim by hand are the garbage collector's to
/// follow: with its owner set deleted, the claim goes too.
#[test]
fn owner_references_set_by_hand_are_followed_by_the_garbage_collector() {
    let source = scenario(
        1,
        r#"(at: "1m", do: PatchPvc(pvc: "data-web-0", ownerReferences: ["StatefulSet/web"])),
           (at: "2m", do: DeleteStatefulSet(statefulset: "web"))"#,
    );
    let (sim, _) = run(&source);
    let live: Vec<String> = sim.world.live_pvcs().map(|c| c.name.clone()).collect();
    assert_eq!(live, ["data-web-1", "data-web-2"], "only the claim given an owner went");
}

/// A bare pod named like a set's pod, with matching labels, is adopted
/// rather than refused; it carries no revision label, so the rolling update
/// replaces it with a pod of the update revision (and its claims). With no
/// replica for it, the adopted pod is condemned and deleted at once.
#[test]
fn a_bare_pod_named_like_the_sets_is_adopted() {
    let bare =
        r#"(at: "0s", do: CreatePod(name: "web-0", template: (labels: {"app": "web"}, image: "nginx")))"#;
    let source = BASE.replace("SEED", "1").replace("replicas: 3,", "replicas: 1,").replace("TIMELINE", bare);
    let (sim, _) = run(&source);
    let adopted = sim.trace.records.iter().find(|r| matches!(r.event, Event::PodAdopted { .. }));
    assert_eq!(adopted.map(|r| r.at), Some(t("0s")));
    let pods: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "web-0").collect();
    assert_eq!(pods.len(), 2, "the bare pod, then its replacement at the update revision");
    assert_eq!(pods[0].revision(), "");
    assert!(!pods[1].revision().is_empty());
    assert_eq!(pods[1].claims, ["data-web-0"]);
    let source = BASE.replace("SEED", "1").replace("replicas: 3,", "replicas: 0,").replace("TIMELINE", bare);
    let (sim, _) = run(&source);
    let pod = sim.world.pods.iter().find(|p| p.name == "web-0").unwrap();
    assert_eq!(pod.removed_at, Some(t("0s")), "condemned: out of the replica range");
}

/// A claim expanded in place: refused where Kubernetes refuses (smaller,
/// a class without allowVolumeExpansion), and billed at each size for the
/// time it had it.
#[test]
fn an_expanded_claim_is_billed_at_each_size() {
    let (sim, report) = crate::support::run_file("claims-resized");
    let refusals: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PvcUpdateRejected { pvc, message } => {
                Some(format!("{}: {message}", sim.world.pvc(*pvc).name))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        refusals,
        [
            // 5Gi is below the volume's 10Gi: refused under 1.36's
            // RecoverVolumeExpansionFailure too, with its message.
            "data-web-1: PersistentVolumeClaim \"data-web-1\" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity",
            "data-legacy-0: persistentvolumeclaims \"data-legacy-0\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        ]
    );
    let volume = report.storage.volumes.iter().find(|v| v.pvc.as_deref() == Some("data-web-0")).unwrap();
    assert_eq!(volume.size_bytes, 20 << 30);
    let gp3 = stsim_core::pricing::preset("aws-gp3").unwrap();
    let (small, large) = (gp3.monthly(10 << 30, 0, 0), gp3.monthly(20 << 30, 0, 0));
    assert_eq!(volume.monthly, large);
    let resized = t("3m10s").as_millis();
    let expected = stsim_core::pricing::accrued(small, resized - volume.created_ms).micro_dollars()
        + stsim_core::pricing::accrued(large, t("10m").as_millis() - resized).micro_dollars();
    assert_eq!(volume.accrued.micro_dollars(), expected);
    // An unexpanded volume is billed as before.
    let other = report.storage.volumes.iter().find(|v| v.pvc.as_deref() == Some("data-web-1")).unwrap();
    assert_eq!(other.accrued, stsim_core::pricing::accrued(small, t("10m").as_millis() - other.created_ms));
}

/// A claim whose request is lowered, by release: before
/// `RecoverVolumeExpansionFailure` (1.31, or the gate forced off in 1.32 and
/// 1.33) never; from 1.32 while it stays above `status.capacity`, the
/// volume's capacity (10Gi here, its 9.5Gi request rounded up to whole GiB
/// by the EBS driver). A request lowered (20Gi) while the expansion to 30Gi
/// is under way is accepted but does not stop it: the resizer began with
/// 30Gi (`status.allocatedResources`) and tries a smaller size only after
/// a failed expansion (external-resizer `expandAndRecover`), so the volume
/// ends at 30Gi, and never shrinks (pkg/apis/core/validation
/// ValidatePersistentVolumeClaimUpdate).
#[test]
fn a_lowered_claim_request_is_validated_by_release() {
    const SOURCE: &str = r#"Scenario(
    name: "lowered", seed: 1, duration: "5m", RELEASE
    cluster: (storageClasses: [(name: "gp3", volumeBindingMode: WaitForFirstConsumer, allowVolumeExpansion: true, default: true)]),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(
        name: "web", serviceName: "web", replicas: 2, podManagementPolicy: Parallel,
        template: (labels: {"app": "web"}, image: "nginx"),
        volumeClaimTemplates: [(name: "data", storage: "9728Mi")],
    )],
    timeline: [
        (at: "1m", do: ResizePvc(pvc: "data-web-0", storage: "5Gi")),
        (at: "2m", do: ResizePvc(pvc: "data-web-1", storage: "30Gi")),
        (at: "2m2s", do: ResizePvc(pvc: "data-web-1", storage: "9984Mi")),
        (at: "2m4s", do: ResizePvc(pvc: "data-web-1", storage: "10Gi")),
        (at: "2m6s", do: ResizePvc(pvc: "data-web-1", storage: "20Gi")),
        (at: "3m", do: ResizePvc(pvc: "data-web-1", storage: "15Gi")),
    ],
)"#;
    const GIB: u64 = 1 << 30;
    let lowered = |release: &str| {
        let (sim, _) = run(&SOURCE.replace("RELEASE", release));
        let mut said = Vec::new();
        for r in &sim.trace.records {
            match &r.event {
                Event::PvcUpdateRejected { message, .. } => {
                    let why = message.rsplit("Forbidden: ").next().unwrap();
                    said.push(format!("{} refused: {why}", r.at));
                }
                Event::PvcResizeRequested { bytes, .. } => said.push(format!("{} asked {bytes}", r.at)),
                Event::PvResized { bytes, .. } => said.push(format!("{} resized {bytes}", r.at)),
                _ => {}
            }
        }
        let claim = sim.world.pvcs.iter().find(|c| c.name == "data-web-1").unwrap();
        let volume = sim.world.pv(claim.volume.unwrap());
        (said, claim.request_bytes, volume.capacity_bytes)
    };
    let previous = "field can not be less than previous value";
    let old_rule = (
        vec![
            format!("1m refused: {previous}"),
            format!("2m asked {}", 30 * GIB),
            format!("2m2s refused: {previous}"),
            format!("2m4s refused: {previous}"),
            format!("2m6s refused: {previous}"),
            format!("2m10s resized {}", 30 * GIB),
            format!("3m refused: {previous}"),
        ],
        30 * GIB,
        30 * GIB,
    );
    assert_eq!(lowered(r#"kubernetesVersion: "1.31","#), old_rule, "1.31: before the gate");
    for release in ["1.32", "1.33"] {
        let off = format!(
            r#"kubernetesVersion: "{release}", featureGates: {{"RecoverVolumeExpansionFailure": false}},"#
        );
        assert_eq!(lowered(&off), old_rule, "{release} with the gate off");
    }
    let capacity = "field can not be less than status.capacity";
    let recovered = (
        vec![
            // Below the volume's 10Gi, and at it: refused.
            format!("1m refused: {capacity}"),
            format!("2m asked {}", 30 * GIB),
            // 9.75Gi is above the 9.5Gi first asked, but not above the volume.
            format!("2m2s refused: {capacity}"),
            format!("2m4s refused: {capacity}"),
            // Above it, while the expansion to 30Gi is under way: accepted,
            // and the expansion goes on to 30Gi.
            format!("2m6s asked {}", 20 * GIB),
            format!("2m10s resized {}", 30 * GIB),
            // The volume now holds 30Gi: 15Gi is below it.
            format!("3m refused: {capacity}"),
        ],
        20 * GIB,
        30 * GIB,
    );
    assert_eq!(lowered(""), recovered, "1.36, the default release");
    assert_eq!(lowered(r#"kubernetesVersion: "1.32","#), recovered, "1.32: beta and on");
}

/// A failing liveness probe kills the container after failureThreshold
/// failed ticks (3 x 10 s): SIGTERM, and the image's 1 s shutdown before it
/// exits; the first restart is at once, each later one waits the kubelet's
/// back-off from the exit (10 s, 20 s, 40 s, 80 s); the pod object is never
/// replaced. nginx exits 0 on SIGTERM: each exit reads `Completed`, as the
/// runtime names an exit 0, though the kubelet killed it.
#[test]
fn a_failing_liveness_probe_restarts_the_container_with_back_off() {
    let (sim, _) = crate::support::run_file("liveness-restarts");
    let errors: Vec<String> =
        crate::support::status_times(&sim, "Completed").iter().map(ToString::to_string).collect();
    // Started at 2s: each third failed tick 10 s apart kills it, 21 s
    // after each start, and it exits 1 s later. The kubelet restarts a
    // probe's kill in the same sync, judging its back-off by the container
    // that exited before this one: at once four times while the window
    // grows 10, 20, 40 s; the fifth kill, 21 s after the fourth, is held
    // 40 s, the sixth (begun just before the probe passes again at 4m)
    // 80 s, each until the pod worker's sync after it.
    assert_eq!(errors[..5], ["1m23s", "1m44s", "2m5s", "2m26s", "2m47s"]);
    assert_eq!(errors.len(), 6, "{errors:?}");
    let waits = waits_to_restart(&sim, &errors);
    assert!(waits[..4].iter().all(|(exit, start)| exit == start), "{waits:?}");
    crate::support::restarted_at_workers_syncs_from(&waits[4..], 40_000);
    // The trace and `stsim events` say why: the kubelet killed it for its
    // probe (kubectl's `Killing`, when the kill begins), not a crash of its own.
    assert_eq!(kills(&sim, stsim_core::controllers::kubelet::KILLED_BY_LIVENESS), errors);
    let said = "Pod/web-0 Container main failed liveness probe, will be restarted";
    // Each kill begins the container's 1 s shutdown before its exit.
    let begun: Vec<(u64, String)> =
        errors.iter().map(|at| (t(at).as_millis() - 1_000, said.to_string())).collect();
    assert_eq!(killing(&sim), begun);
    // With a preStop hook of 5 s the kill takes the hook and then the shutdown.
    let hooked = crate::support::scenario_file("liveness-restarts")
        .replace("livenessProbe: ()", "livenessProbe: (), lifecycle: (preStop: (sleep: (seconds: 5)))");
    let (sim, _) = crate::support::run(&hooked);
    let stopped = kills(&sim, stsim_core::controllers::kubelet::KILLED_BY_LIVENESS);
    assert_eq!(stopped.first().map(String::as_str), Some("1m28s"), "killed at 1m22s, 5 s hook, 1 s shutdown");
    assert_eq!(Log(&sim).creations().len(), 1);
    // Without a livenessProbe, SetLive is refused.
    let source = crate::support::scenario_file("liveness-restarts").replace(", livenessProbe: ()", "");
    let errors = stsim_scenario::parse_scenario(&source, "x.ron").unwrap_err();
    assert!(errors[0].message.contains("SetLive needs a livenessProbe"), "{}", errors[0].message);
}

/// The failed probe's own `terminationGracePeriodSeconds` bounds the
/// kill instead of the pod's: an image that takes 20 s to shut down is
/// killed 3 s after SIGTERM with it, and exits after its 20 s within the
/// pod's 30 s without it. The API server refuses it on a readiness probe,
/// and below 1; a manifest's is read (not reported unused).
#[test]
fn a_probes_own_grace_period_bounds_its_kill() {
    let source = |probe: &str| {
        crate::support::scenario_file("liveness-restarts")
            .replace("livenessProbe: ()", &format!("livenessProbe: ({probe})"))
            .replace("image: \"nginx\", readiness", "image: \"slow-stop\", readiness")
            .replace(
                "duration: \"8m\",",
                "duration: \"8m\",\n    images: [(name: \"slow-stop\", shutdown: \"20s\")],",
            )
    };
    let first_exit = |probe: &str| {
        let (sim, _) = crate::support::run(&source(probe));
        kills(&sim, stsim_core::controllers::kubelet::KILLED_BY_LIVENESS).first().cloned()
    };
    assert_eq!(
        first_exit("terminationGracePeriodSeconds: 3").as_deref(),
        Some("1m25s"),
        "killed at 1m22s, 3 s"
    );
    assert_eq!(first_exit("").as_deref(), Some("1m42s"), "the image's 20 s within the pod's 30 s");
    // Its exit: SIGKILL's 137 at the end of the probe's 3 s (`Error`); the
    // image's own 0 within the pod's 30 s (`Completed`), or its 143.
    let exits = |probe: &str, image: &str| {
        let (sim, _) = crate::support::run(&source(probe).replace("shutdown: \"20s\")", image));
        ["Completed", "Error"].map(|s| crate::support::status_times(&sim, s).len())
    };
    assert_eq!(exits("terminationGracePeriodSeconds: 3", "shutdown: \"20s\")"), [0, 5]);
    assert_eq!(exits("", "shutdown: \"20s\")"), [4, 0]);
    assert_eq!(exits("", "shutdown: \"20s\", exitCodeOnSigterm: 143)"), [0, 4]);
    // Deleted at 1m30s, while the kubelet is killing it: the container had
    // its SIGTERM at 1m22s and exits at 1m42s, not 20 s after the deletion.
    let deleted = source("").replace(
        r#"(at: "4m", do: SetLive(pod: "web-0", live: true)),"#,
        r#"(at: "1m30s", do: DeletePod(pod: "web-0")), (at: "4m", do: SetLive(pod: "web-0", live: true)),"#,
    );
    let (sim, _) = crate::support::run(&deleted);
    assert_eq!(Log(&sim).removals("web-0").first(), Some(&t("1m42s")));
    let refused = |source: &str| {
        let errors = stsim_scenario::parse_scenario(source, "x.ron").unwrap_err();
        errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        refused(&source("terminationGracePeriodSeconds: 0")),
        [
            "statefulsets[0].template.livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"
        ]
    );
    let readiness = source("").replace(
        "readinessProbe: (periodSeconds: 5)",
        "readinessProbe: (periodSeconds: 5, terminationGracePeriodSeconds: 3)",
    );
    assert_eq!(
        refused(&readiness),
        [
            "statefulsets[0].template.readinessProbe.terminationGracePeriodSeconds: Invalid value: 3: must not be set for readinessProbes"
        ]
    );
    let manifest = r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: nginx
        livenessProbe: {tcpSocket: {port: 80}, terminationGracePeriodSeconds: 7}
"#;
    let loaded = stsim_scenario::parse_manifests(&[("web.yaml".into(), manifest.into())], "start")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let probe = loaded.config.statefulsets[0].spec.template.liveness_probe.clone().expect("a liveness probe");
    assert_eq!(probe.termination_grace_period, Some(stsim_core::time::SimDuration::from_secs(7)));
}

/// When the kubelet stopped a container for `reason` (the trace's
/// `container-stopped`).
fn kills(sim: &stsim_core::Simulation, reason: &str) -> Vec<String> {
    let stopped = sim.trace.records.iter().filter(|r| match &r.event {
        Event::ContainerStopped { reason: why, .. } => *why == reason,
        _ => false,
    });
    stopped.map(|r| r.at.to_string()).collect()
}

/// The kubelet's `Killing` events of a run (`stsim events`), each as when
/// and `pod/NAME message`.
fn killing(sim: &stsim_core::Simulation) -> Vec<(u64, String)> {
    let events = stsim_render::events::collect(sim).into_iter().filter(|e| e.reason == "Killing");
    events.map(|e| (e.at_ms, format!("{} {}", e.involved.object(), e.message))).collect()
}

/// Each of `exits` with the container's next start (its `Running` status)
/// at or after it, in ms.
fn waits_to_restart(sim: &stsim_core::Simulation, exits: &[String]) -> Vec<(u64, u64)> {
    let starts = crate::support::status_times(sim, "Running");
    (exits.iter().map(|at| t(at)))
        .map(|exit| (exit, *starts.iter().find(|s| **s >= exit).expect("started again")))
        .map(|(exit, start)| (exit.as_millis(), start.as_millis()))
        .collect()
}

/// Asserts that each exit of `exits` after the second came `running` after
/// a restart that ended a back-off of 10 s, 20 s, 40 s... from the exit
/// before it, at the pod worker's sync (these scenarios' default release
/// is 1.35 or later).
fn restarts_at_the_workers_sync(exits: &[String], running: &str) {
    let exits: Vec<u64> = exits.iter().map(|at| t(at).as_millis()).collect();
    let running = t(running).as_millis();
    let waits: Vec<(u64, u64)> = exits[1..].windows(2).map(|w| (w[0], w[1] - running)).collect();
    crate::support::restarted_at_workers_syncs(&waits);
}

/// A startup probe kills an application that is not up within
/// failureThreshold x periodSeconds (6 x 10 s < 90 s), on every start;
/// one with room passes on its first tick after the start (2 s + 90 s).
/// The image exits 0 on SIGTERM: each kill's exit reads `Completed`.
#[test]
fn a_startup_probe_shorter_than_the_start_kills_in_a_loop() {
    let (sim, _) = crate::support::run_file("startup-probe-too-short");
    assert!(crate::support::status_times(&sim, "Error").is_empty());
    let kills: Vec<String> =
        crate::support::status_times(&sim, "Completed").iter().map(ToString::to_string).collect();
    // Started at 2s, killed at its sixth tick (52s), exits 1 s later, and
    // killed 51 s after each start. A probe's kill is restarted in the same
    // sync, its back-off judged by the container that exited before: at
    // once five times while the window grows to 80 s, then held 80 s, then
    // 160 s, each until the pod worker's sync after it.
    assert_eq!(kills[..6], ["53s", "1m44s", "2m35s", "3m26s", "4m17s", "5m8s"]);
    let waits = waits_to_restart(&sim, &kills[..6]);
    assert!(waits[..5].iter().all(|(exit, start)| exit == start), "{waits:?}");
    crate::support::restarted_at_workers_syncs_from(&waits[5..], 80_000);
    let by_probe = self::kills(&sim, stsim_core::controllers::kubelet::KILLED_BY_STARTUP);
    assert_eq!(by_probe, kills);
    let messages: std::collections::BTreeSet<String> =
        killing(&sim).into_iter().map(|(_, said)| said).collect();
    assert_eq!(
        messages.into_iter().collect::<Vec<_>>(),
        ["Pod/tight-0 Container main failed startup probe, will be restarted"]
    );
    assert_eq!(Log(&sim).ready_after("roomy-0", t("0s")), Some(t("1m32s")));
    assert_eq!(Log(&sim).ready_after("tight-0", t("0s")), None);
}

/// A preStop hook runs before SIGTERM within the grace period; one that
/// takes all of it leaves the container the 2 s minimum to exit after.
#[test]
fn a_pre_stop_hook_delays_termination_within_the_grace_period() {
    let (sim, _) = crate::support::run_file("prestop-delays-termination");
    let log = Log(&sim);
    assert_eq!(log.removals("plain-0"), [t("1m1s")]);
    assert_eq!(log.removals("hook-0"), [t("1m21s")], "20 s hook, then the 1 s shutdown");
    assert_eq!(log.removals("long-0"), [t("1m31s")], "30 s hook, then SIGTERM and 1 s to exit");
}

/// Init containers run in order before the container (pull, then their
/// run time, each), and again on a new sandbox after a reboot.
#[test]
fn init_containers_run_before_the_container_and_again_after_a_reboot() {
    let (sim, _) = crate::support::run_file("init-containers-delay-start");
    let statuses: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodStatus { pod, status, ip, .. } if sim.world.pod(pod).name == "db-0" => {
                Some(format!("{} {status} {}", r.at, ip.map_or("none".into(), |ip| ip.to_string())))
            }
            _ => None,
        })
        .collect();
    // kubectl's STATUS: `Init:<done>/<all>` from the kubelet's first status,
    // `PodInitializing` while the container's image is pulled. 2 s + 5 s
    // (migrate), 2 s + 20 s (restore), then the 2 s pull; after the reboot
    // at 4m, the new sandbox runs them all again. The sandbox's address is
    // in the status written once the first init container's image is
    // checked (the sync that made the sandbox pulls it), the column the same.
    assert_eq!(
        statuses,
        [
            "0s Init:0/2 none",
            "2s Init:0/2 10.244.1.2",
            "7s Init:1/2 10.244.1.2",
            "29s PodInitializing 10.244.1.2",
            "31s Running 10.244.1.2",
            "4m Init:0/2 none",
            "4m2s Init:0/2 10.244.1.3",
            "4m7s Init:1/2 10.244.1.3",
            "4m29s PodInitializing 10.244.1.3",
            "4m31s Running 10.244.1.3"
        ]
    );
    // Without them, the container runs after its pull alone.
    let plain = crate::support::scenario_file("init-containers-delay-start").replace(
        r#",
            initContainers: [(name: "migrate", image: "migrate:1"), (name: "restore", image: "restore:1")]"#,
        "",
    );
    let (sim, _) = crate::support::run(&plain);
    let first = crate::support::status_times(&sim, "Running").first().copied();
    assert_eq!(first, Some(t("2s")));
}

/// A failing init container holds its pod (Init Containers docs; the
/// kubelet's `computeInitContainerActions` restarts a failed init container
/// of a restartPolicy Always pod with the container back-off): one that
/// crashes runs again at once after its first exit, then alternates
/// `Init:Error` and `Init:CrashLoopBackOff` (10 s, 20 s, 40 s, ...), shown
/// running again (`Init:1/2`) from each back-off's end
/// to its next exit, its restarts counted; one whose image cannot be pulled,
/// `Init:ErrImagePull` and `Init:ImagePullBackOff`. The pod stays Pending,
/// the app container and its probes never start, and OrderedReady never
/// creates the next pod. With a healthy init image the same set runs.
#[test]
fn a_failing_init_container_keeps_the_pod_in_init_states_and_the_app_never_starts() {
    let (sim, _) = crate::support::run_file("init-container-crash-loop");
    let statuses = |sim: &stsim_core::Simulation, name: &str| -> Vec<(String, String)> {
        sim.trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodStatus { pod, status, .. } if sim.world.pod(pod).name == name => {
                    Some((r.at.to_string(), status.to_string()))
                }
                _ => None,
            })
            .collect()
    };
    let web: Vec<(String, String)> =
        statuses(&sim, "web-0").into_iter().filter(|(_, s)| *s == "Init:Error").collect();
    // 2 s + 5 s (migrate), 2 s + 4 s (check), again at once, then back-offs
    // of 10, 20, 40, 80 s, each ended at the pod worker's sync, plus 4 s of
    // running.
    let exits: Vec<String> = web.iter().map(|(at, _)| at.clone()).collect();
    assert_eq!(exits[..2], ["13s", "17s"]);
    assert_eq!(exits.len(), 6, "{exits:?}");
    restarts_at_the_workers_sync(&exits, "4s");
    assert!(
        statuses(&sim, "web-0").iter().all(|(_, s)| !matches!(s.as_str(), "Running" | "CrashLoopBackOff"))
    );
    let web0 = sim.world.live_pods().find(|p| p.name == "web-0").expect("web-0");
    assert!(web0.runtime.started_at.is_none() && !web0.status.ready, "the app container never started");
    assert_eq!(web0.display_status(sim.world.kubectl()), "Init:CrashLoopBackOff");
    // Served to clients as the kubelet writes it: the app container waits
    // in `PodInitializing` (its default for a pod with init containers).
    let served = stsim_core::kube::find(&sim.world, "Pod", "web-0").expect("served");
    let served = stsim_core::kube::render(&sim.world, served);
    let reason = stsim_core::kube::field(&served, "status.containerStatuses.0.state.waiting.reason");
    assert_eq!(reason.map(|v| v.to_string()), Some("\"PodInitializing\"".to_string()));
    assert!(sim.world.live_pods().all(|p| p.name != "web-1"), "OrderedReady waits");
    let cache: Vec<(String, String)> =
        statuses(&sim, "cache-0").into_iter().filter(|(_, s)| s.starts_with("Init:")).collect();
    // On the other node (the scoring counts web-0, which requests
    // nothing, as 100m and 200 MiB), its pull starts at once and fails
    // after 2 s.
    let cache: Vec<(&str, &str)> = cache.iter().map(|(at, s)| (at.as_str(), s.as_str())).collect();
    assert_ne!(
        sim.world.live_pods().find(|p| p.name == "cache-0").and_then(|p| p.node),
        web0.node,
        "cache-0 beside web-0"
    );
    assert_eq!(cache[0], ("0s", "Init:0/1"));
    assert_eq!(cache[1], ("2s", "Init:ErrImagePull"));
    assert_eq!(cache[2], ("2s", "Init:ImagePullBackOff"));
    // A 10 s back-off, ended at the pod worker's sync 10 to 15 s after the
    // failure, then a 2 s pull.
    assert_eq!(cache[3].1, "Init:ErrImagePull");
    let failed_again = t(cache[3].0).as_millis();
    assert!((14_000..19_000).contains(&failed_again), "{cache:?}");
    // web-0's first init container completes; its second crashes.
    let progress: Vec<(String, String)> =
        statuses(&sim, "web-0").into_iter().filter(|(_, s)| s.contains('/')).collect();
    let progress: Vec<(&str, &str)> = progress.iter().map(|(at, s)| (at.as_str(), s.as_str())).collect();
    assert_eq!(
        progress[..4],
        [("0s", "Init:0/2"), ("2s", "Init:0/2"), ("7s", "Init:1/2"), ("13s", "Init:1/2")],
        "the second Init:0/2 carries the sandbox's address"
    );
    // check runs again 4 s before each later exit.
    let runs: Vec<String> = progress[4..].iter().map(|(at, _)| at.to_string()).collect();
    let exits_after: Vec<String> = exits[2..].to_vec();
    assert_eq!(runs.len(), exits_after.len());
    for (run, exit) in runs.iter().zip(&exits_after) {
        assert_eq!(t(exit).since(t(run)), t("4s").since(t("0s")), "{runs:?} {exits_after:?}");
    }

    // A rollout that waits on web-0 is stuck, and the finding names the init container.
    let rollout = crate::support::scenario_file("init-container-crash-loop")
        .replace(r#"duration: "5m""#, r#"duration: "15m""#)
        .replace("    expect: [", "    timeline: [(at: \"1m\", do: SetImage(statefulset: \"web\", image: \"web:2\"))],\n    expect: [");
    let (_, report) = crate::support::run(&rollout);
    let stuck = report.findings.iter().find(|f| f.id == "rollout-stuck").expect("stuck");
    assert!(
        stuck
            .explanation
            .contains("init container check (image check:1) crashes on start (Init:CrashLoopBackOff"),
        "{}",
        stuck.explanation
    );

    // A healthy check image: the init containers complete and both pods run.
    let healthy = crate::support::scenario_file("init-container-crash-loop").replace(
        r#"(name: "check:1", startup: "4s", behaviour: CrashLoop)"#,
        r#"(name: "check:1", startup: "4s")"#,
    );
    let (sim, _) = crate::support::run(&healthy);
    for name in ["web-0", "web-1"] {
        let pod = sim.world.live_pods().find(|p| p.name == name).expect("created");
        assert!(pod.status.ready, "{name} runs");
    }
}

/// `kubectl delete statefulset --cascade=foreground` takes the operator's
/// path: the set stays until the garbage collector has deleted its pods,
/// and its claims, retained, stay.
#[test]
fn a_foreground_cascade_deletes_the_pods_before_the_set() {
    let (sim, _) =
        run(&scenario(1, r#"(at: "2m", do: DeleteStatefulSet(statefulset: "web", cascade: Foreground))"#));
    let records = &sim.trace.records;
    let held = records.iter().find(|r| matches!(r.event, Event::DeleteHeld { .. })).map(|r| r.at);
    assert_eq!(held, Some(t("2m")));
    let gone = records
        .iter()
        .find(|r| matches!(r.event, Event::StatefulSetDeleted { .. }))
        .map(|r| r.at)
        .expect("the set goes");
    let last_pod = records.iter().filter(|r| matches!(r.event, Event::PodRemoved { .. })).map(|r| r.at).max();
    assert!(gone > t("2m") && Some(gone) >= last_pod, "after its pods: {gone} vs {last_pod:?}");
    assert_eq!(sim.world.live_pods().count(), 0);
    assert_eq!(sim.world.live_pvcs().count(), 3, "whenDeleted: Retain keeps the claims");
}

/// `kubectl patch pvc -p '{"metadata":{"finalizers":null}}'`, the usual
/// "fix" of a claim stuck Terminating: on a live claim the pvc-protection
/// controller puts the finalizer back at once, so a later delete is held
/// as before; on a claim being deleted nothing holds it any more, so it
/// goes under the running pod, its volume deleted (reclaim policy Delete),
/// and the pod made in place of the old one gets a new, empty claim.
#[test]
fn removing_pvc_protection_lets_a_claim_go_under_its_pod() {
    let source = scenario(
        1,
        r#"(at: "1m", do: PatchPvc(pvc: "data-web-0", finalizers: [])),
           (at: "2m", do: DeletePvc(pvc: "data-web-0")),
           (at: "3m", do: PatchPvc(pvc: "data-web-0", finalizers: [])),
           (at: "4m", do: DeletePod(pod: "web-0"))"#,
    );
    let (sim, report) = run(&source);
    let claims: Vec<_> = sim.world.pvcs.iter().filter(|c| c.name == "data-web-0").collect();
    assert_eq!(claims.len(), 2, "the new web-0 gets a new claim");
    let (old, new) = (claims[0], claims[1]);
    assert_eq!(old.deletion_timestamp, Some(t("2m")), "held at 2m: the controller had put it back");
    assert_eq!(old.removed_at, Some(t("3m")), "gone with its finalizer, under the running pod");
    // Reclaim policy Delete: the volume is released with its claim, and
    // its disk deleted once the pod is gone and the disk detached.
    let volume = sim.world.pv(old.volume.unwrap());
    assert_eq!(volume.released_at, Some(t("3m")));
    let first = sim.world.pods.iter().find(|p| p.name == "web-0").unwrap();
    assert!(volume.removed_at.expect("deleted in the end") > first.removed_at.unwrap());
    assert!(first.removed_at.unwrap() > t("4m"), "the pod ran on until deleted");
    assert_eq!(first.history.phase_at(t("3m30s")), stsim_core::objects::PodPhase::Running);
    assert!(new.created_at > t("4m") && new.exists() && new.volume != old.volume);
    // The controller's re-add is a record of its own, at the same instant.
    let restored = sim.trace.records.iter().any(|r| {
        r.at == t("1m")
            && r.actor == stsim_core::trace::Actor::VolumeController
            && matches!(&r.event, Event::PvcPatched { change, .. } if change == "finalizers [kubernetes.io/pvc-protection]")
    });
    assert!(restored, "the pvc-protection controller put its finalizer back");
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&"claim-removed-while-in-use"), "{ids:?}");
    let finding = report.findings.iter().find(|f| f.id == "claim-removed-while-in-use").unwrap();
    assert!(finding.summary.contains("web-0 ran on it"), "{}", finding.summary);
    assert!(finding.summary.contains("removed its pvc-protection finalizer at 3m"), "{}", finding.summary);
    // Without the second patch the claim waits for the pod, and no such finding.
    let held = scenario(
        1,
        r#"(at: "2m", do: DeletePvc(pvc: "data-web-0")),
           (at: "4m", do: DeletePod(pod: "web-0"))"#,
    );
    let (sim, report) = run(&held);
    let old = sim.world.pvcs.iter().find(|c| c.name == "data-web-0").unwrap();
    assert!(old.removed_at.unwrap() > t("4m"));
    assert!(report.findings.iter().all(|f| f.id != "claim-removed-while-in-use"));
}

/// Only `kubernetes.io/pvc-protection` of the system's finalizers may be
/// named, and only for a claim.
#[test]
fn only_a_claims_protection_finalizer_may_be_named() {
    let ok = scenario(
        1,
        r#"(at: "1m", do: PatchPvc(pvc: "data-web-0", finalizers: ["kubernetes.io/pvc-protection", "example.com/keep"]))"#,
    );
    assert!(stsim_scenario::parse_scenario(&ok, "x.ron").is_ok());
    for bad in [
        r#"(at: "1m", do: PatchPod(pod: "web-0", finalizers: ["kubernetes.io/pvc-protection"]))"#,
        r#"(at: "1m", do: PatchPvc(pvc: "data-web-0", finalizers: ["kubernetes.io/pv-protection"]))"#,
    ] {
        let errors = stsim_scenario::parse_scenario(&scenario(1, bad), "x.ron").unwrap_err();
        assert!(errors[0].message.contains("not a kubernetes.io one"), "{}", errors[0].message);
    }
}

/// `RecreateStatefulSet` waits for the old set to go, as `kubectl delete
/// --cascade=orphan` waits: the set is held (the `orphan` finalizer) until
/// the garbage collector has orphaned its pods, in the same instant; the
/// new set is made after that, and adopts the pods.
#[test]
fn a_recreation_waits_for_the_orphaning() {
    let (sim, _) =
        run(&scenario(1, r#"(at: "2m", do: RecreateStatefulSet(statefulset: "web", minReadySeconds: 5))"#));
    let kinds: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter(|r| r.at == t("2m"))
        .filter(|r| {
            matches!(
                r.event,
                Event::DeleteHeld { .. }
                    | Event::PodOrphaned { .. }
                    | Event::StatefulSetDeleted { .. }
                    | Event::StatefulSetCreated { .. }
            )
        })
        .map(|r| {
            let event = format!("{:?}", r.event);
            format!("{:?} {}", r.actor, event.split_whitespace().next().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "User DeleteHeld",
            "GarbageCollector PodOrphaned",
            "GarbageCollector PodOrphaned",
            "GarbageCollector PodOrphaned",
            "GarbageCollector StatefulSetDeleted",
            "User StatefulSetCreated"
        ]
    );
    let sets: Vec<_> = sim.world.statefulsets.iter().filter(|s| s.name == "web").collect();
    assert_eq!(sets.len(), 2);
    assert!(
        sim.world.live_pods().filter(|p| p.name.starts_with("web-")).all(|p| p.owner == Some(sets[1].id))
    );
}

/// `kubectl patch service`: a selector that stops selecting the pods takes
/// their records away (and the Service's own name answers nothing), one
/// that selects them again brings them back; ports give SRV names.
/// `kubectl set image pod`: the container restarts in place with the new
/// image, the pod keeping its name, IP and node.
#[test]
fn a_service_and_a_pods_image_are_changed_by_hand() {
    let source = scenario(
        1,
        r#"(at: "2m", do: UpdateService(service: "web", selector: {"app": "other"})),
           (at: "3m", do: UpdateService(service: "web", selector: {"app": "web"}, ports: [(name: "http", port: 80)])),
           (at: "4m", do: PatchPod(pod: "web-1", image: "nginx:1.27"))"#,
    );
    let (sim, _) = run(&source);
    let log = Log(&sim);
    let fqdn = "web-0.web.default.svc.cluster.local";
    let late: Vec<(stsim_core::time::SimTime, bool)> = log
        .dns(fqdn)
        .into_iter()
        .filter(|(at, ..)| *at >= t("2m"))
        .map(|(at, added, _)| (at, added))
        .collect();
    assert_eq!(late, [(t("2m"), false), (t("3m"), true)]);
    let srv =
        stsim_core::controllers::dns::service_answers(&sim.world, "_http._tcp.web.default.svc.cluster.local");
    assert_eq!(srv.map(|a| a.len()), Some(3));
    let pods: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "web-1").collect();
    assert_eq!(pods.len(), 1, "changed in place");
    assert_eq!((pods[0].image.as_str(), pods[0].status.restarts), ("nginx:1.27", 1));
    assert!(log.ready_after("web-1", t("4m")).is_some(), "ready again with the new image");
    // The kubelet says so as it kills the running container (kubectl's
    // `Killing`); the other pods' containers are not touched.
    let said = "Pod/web-1 Container main definition changed, will be restarted";
    assert_eq!(killing(&sim), [(t("4m").as_millis(), said.to_string())]);
    // `selector: {}` removes the selector, as the API server allows; a
    // port of 0 is refused.
    let bad =
        scenario(1, r#"(at: "2m", do: UpdateService(service: "web", selector: {}, ports: [(port: 0)]))"#);
    let errors = stsim_scenario::parse_scenario(&bad, "x.ron").unwrap_err();
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains(".ports[0].port"), "{messages:?}");
    let ghost = scenario(1, r#"(at: "2m", do: UpdateService(service: "nope", selector: {"a": "b"}))"#);
    let errors = stsim_scenario::parse_scenario(&ghost, "x.ron").unwrap_err();
    assert!(errors[0].message.contains("no service has this name"), "{}", errors[0].message);
}

/// A deleted claim that its own finalizer holds after its pod went has
/// lost pvc-protection (the controller removes it from a deleted claim no
/// pod uses): sending it again, as a stale copy would, is refused.
#[test]
fn a_held_claim_has_only_the_clients_finalizers() {
    let source = scenario(
        1,
        r#"(at: "1m", do: PatchPvc(pvc: "data-web-0", finalizers: ["kubernetes.io/pvc-protection", "example.com/keep"])),
           (at: "2m", do: DeletePvc(pvc: "data-web-0")),
           (at: "3m", do: DeletePod(pod: "web-0")),
           (at: "4m", do: PatchPvc(pvc: "data-web-0", finalizers: ["kubernetes.io/pvc-protection", "example.com/keep"]))"#,
    );
    let (sim, _) = run(&source);
    let claim = sim.world.pvcs.iter().find(|c| c.name == "data-web-0").unwrap();
    assert!(claim.exists() && claim.deletion_timestamp == Some(t("2m")));
    assert_eq!(claim.finalizer_list(), ["example.com/keep"]);
    let refused = sim.trace.records.iter().any(|r| {
        r.at == t("4m")
            && matches!(&r.event, Event::PvcPatched { change, .. } if change.starts_with("refused: "))
    });
    assert!(refused, "no new finalizers on a claim being deleted");
}

/// A pod whose `controller-revision-hash` label is edited by hand is, to
/// the StatefulSet controller, at another revision than the set's: the
/// rolling update deletes it and makes it again at the update revision
/// (`getPodRevision` reads the label), and the status counts it as neither
/// current nor updated meanwhile.
#[test]
fn a_pod_relabelled_to_another_revision_is_replaced() {
    let (sim, _) = run(&scenario(
        1,
        r#"(at: "2m", do: PatchPod(pod: "web-1", labels: {"controller-revision-hash": "web-by-hand"}))"#,
    ));
    let log = Log(&sim);
    let made: Vec<_> =
        log.creations().into_iter().filter(|(_, name)| name == "web-1").map(|(at, _)| at).collect();
    assert_eq!(made.len(), 2, "web-1 made, then made again after the edit: {made:?}");
    assert!(made[1] >= t("2m"), "{made:?}");
    let pod = sim.world.pod(sim.world.pod_named("web-1").unwrap());
    let set = sim.world.statefulsets.iter().find(|s| s.name == "web").unwrap();
    assert_eq!(pod.revision(), set.status.update_revision);
    assert_eq!((set.status.current_replicas, set.status.updated_replicas), (3, 3));
    // Right after the edit the status counted web-1 at neither revision.
    let counted_out = sim.trace.records.iter().any(|r| {
        r.at >= t("2m")
            && matches!(&r.event, Event::StatefulSetStatus { status, .. }
                if status.replicas == 3 && status.current_replicas == 2 && status.updated_replicas == 2)
    });
    assert!(counted_out, "a status with web-1 at neither revision");
}

/// A patch to the size a claim already asks for changes nothing and is
/// refused by nothing, on a class without `allowVolumeExpansion` too (the
/// resize admission plugin lets any request not larger through); a larger
/// one there is refused.
#[test]
fn the_same_size_is_no_resize() {
    let source = r#"Scenario(name: "same", duration: "3m",
        cluster: (storageClasses: [(name: "fixed", volumeBindingMode: WaitForFirstConsumer, default: true)]),
        services: [(name: "web", selector: {"app": "web"})],
        statefulsets: [(name: "web", serviceName: "web", template: (labels: {"app": "web"}, image: "nginx"),
            volumeClaimTemplates: [(name: "data", storage: "10Gi")])],
        timeline: [
            (at: "1m", do: ResizePvc(pvc: "data-web-0", storage: "10Gi")),
            (at: "2m", do: ResizePvc(pvc: "data-web-0", storage: "11Gi")),
        ])"#;
    let (sim, _) = run(source);
    let refused: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PvcUpdateRejected { .. } => Some(r.at.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(refused, ["2m"]);
}

/// The StatefulSet controller's `updatePod` for a relabelled pod: an owned
/// pod's change syncs its owner only ("If it has a ControllerRef, that's all
/// that matters"); the owner releases a pod its selector no longer matches,
/// and that release (the controller reference removed) syncs the old owner
/// again at once; an orphan's new labels sync the sets they match, and no
/// other (`getStatefulSetsForPod(curPod)`). Here `web-1` is released at 2m
/// and its name stays taken, so each sync of `web` is refused recreating
/// it: two refusals at 2m (the releasing sync and the one its release
/// queued), and none when the orphan is relabelled to `db`'s selector at
/// 3m (that syncs `db`, which cannot adopt a pod of another name).
#[test]
fn a_relabel_syncs_the_owner_or_the_sets_an_orphan_now_matches() {
    let source = scenario(
        1,
        r#"(at: "2m", do: PatchPod(pod: "web-1", labels: {"app": "moved"})),
           (at: "3m", do: PatchPod(pod: "web-1", labels: {"app": "db"}))"#,
    )
    .replace(
        "statefulsets: [(",
        r#"statefulsets: [(name: "db", serviceName: "web", replicas: 1, template: (labels: {"app": "db"}, image: "nginx")), ("#,
    );
    let (sim, _) = run(&source);
    let refused_at = |at: &str| {
        (sim.trace.records.iter())
            .filter(|r| {
                r.at == t(at) && matches!(&r.event, Event::PodCreateRejected { name } if name == "web-1")
            })
            .count()
    };
    assert_eq!(refused_at("2m"), 2, "the releasing sync and the sync its release queued");
    assert_eq!(refused_at("3m"), 0, "an orphan's relabel syncs the sets it now matches, not its old owner");
    let web1 = sim.world.pod(sim.world.pod_named("web-1").unwrap());
    assert_eq!(web1.owner, None, "db does not adopt a pod named for another set");
}
