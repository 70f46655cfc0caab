//! Graceful node shutdown (the kubelet's `shutdownGracePeriod` and
//! `shutdownGracePeriodCriticalPods`, pkg/kubelet/nodeshutdown) against a
//! shutdown the kubelet does not handle. Each test states the rule it checks.

use crate::support::{parse, run, run_file, t};
use stsim_core::objects::{ConditionStatus, Machine, PodPhase};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

fn node_of(sim: &Simulation, event: &Event) -> Option<String> {
    let node = match event {
        Event::NodeShuttingDown { node, .. }
        | Event::NodeMachine { node, .. }
        | Event::NodeCondition { node, .. } => *node,
        _ => return None,
    };
    Some(sim.world.node(node).name.clone())
}

/// When the named pod was stopped for its node's shutdown.
fn pod_shutdowns(sim: &Simulation, pod: &str) -> Vec<SimTime> {
    sim.trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::PodShutdown { pod: p } if sim.world.pod(p).name == pod))
        .map(|r| r.at)
        .collect()
}

/// The node's shutdown, machine and condition records, in order.
fn node_story(sim: &Simulation, node: &str) -> Vec<(SimTime, String)> {
    sim.trace
        .records
        .iter()
        .filter(|r| node_of(sim, &r.event).as_deref() == Some(node))
        .map(|r| {
            let what = match &r.event {
                Event::NodeShuttingDown { pods_grace, .. } => {
                    format!("shutting down, pods within {pods_grace}")
                }
                Event::NodeMachine { state, .. } => format!("machine {}", state.as_str()),
                Event::NodeCondition { status, .. } => format!("Ready={}", status.as_str()),
                _ => unreachable!(),
            };
            (r.at, what)
        })
        .collect()
}

fn running_at(sim: &Simulation, pod: &str, after: SimTime) -> Option<SimTime> {
    sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodStatus { pod: p, status: stsim_core::objects::StatusColumn::Reason("Running"), .. }
            if r.at >= after && sim.world.pod(p).name == pod =>
        {
            Some(r.at)
        }
        _ => None,
    })
}

/// With graceful node shutdown the kubelet reports the node NotReady at
/// once, stops the pod (SIGTERM; the image exits in 5 s), writes it
/// Failed with reason `Terminated`, and the machine powers off as soon as
/// its pods are done, before the 20 s it may take (30 s less the 10 s
/// kept for critical pods). The StatefulSet replaces the Failed pod at
/// once, but no status write after the pod stopped says its volume is
/// unmounted: the Node still lists it in use, so the attach/detach
/// controller detaches it only by force, six minutes (and its 100 ms
/// loop) after the old pod went (k/k #106227, #139660).
/// Without the feature the same shutdown is a crash: the pod is stuck.
#[test]
fn a_graceful_shutdown_fails_the_pod_and_frees_its_name_but_not_its_volume() {
    let (sim, report) = run_file("node-shutdown-graceful");
    let web_node = sim.world.pods.iter().rev().find(|p| p.name == "web-1").and_then(|p| p.node).unwrap();
    assert_ne!(sim.world.node(web_node).name, "graceful-3", "web-1 runs elsewhere now");
    assert_eq!(
        node_story(&sim, "graceful-3"),
        [
            (t("2m"), "shutting down, pods within 20s".to_string()),
            (t("2m"), "Ready=False".to_string()),
            (t("2m5s"), "machine crashed".to_string()),
            (t("2m55s"), "Ready=Unknown".to_string()),
        ]
    );
    assert_eq!(pod_shutdowns(&sim, "web-1"), [t("2m5s")]);
    // The kubelet's event, in its words (its log line says "new shutdown event").
    let shutdown = stsim_render::events::collect(&sim).into_iter().find(|e| e.reason == "Shutdown");
    let shutdown = shutdown.expect("the kubelet's Shutdown event");
    assert_eq!(
        (shutdown.at_ms, shutdown.message.as_str()),
        (120_000, "Shutdown manager detected shutdown event")
    );
    // Node lifecycle records NodeNotReady and marks the pods not Ready only
    // when the condition it observed was True (`monitorNodeHealth`): the
    // kubelet reported False itself, so the later Unknown is no event, and
    // no pod gets its Warning. The crashed node (True to Unknown) gets both.
    let events = stsim_render::events::collect(&sim);
    let not_ready = |kind: &str, name: &str| -> Vec<u64> {
        (events.iter())
            .filter(|e| {
                e.reason == "NodeNotReady" && e.involved.kind == kind && e.involved.name.as_str() == name
            })
            .map(|e| e.at_ms)
            .collect()
    };
    assert_eq!(not_ready("node", "graceful-3"), [120_000]);
    assert_eq!(not_ready("pod", "web-1"), Vec::<u64>::new());
    assert_eq!(not_ready("node", "plain-6"), [165_000]);
    assert_eq!(not_ready("pod", "db-1"), [165_000]);
    let old =
        sim.world.pods.iter().find(|p| p.name == "web-1" && p.status.phase == PodPhase::Failed).unwrap();
    assert_eq!(
        old.status.rejected.as_deref().map(|(r, m)| (*r, m.as_str())),
        Some(("Terminated", "Pod was terminated in response to imminent node shutdown."))
    );
    let detaches: Vec<(SimTime, Option<&str>)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::VolumeDetaching { node, forced, .. } if sim.world.node(node).name == "graceful-3" => {
                Some((r.at, forced))
            }
            _ => None,
        })
        .collect();
    assert_eq!(detaches, [(t("8m5s100ms"), Some("timeout"))], "still listed in use, so forced");
    assert_eq!(running_at(&sim, "web-1", t("2m1s")), Some(t("8m27s100ms")));
    // The plain pool's kubelet has the feature off: a crash, and F10.
    assert_eq!(
        node_story(&sim, "plain-6"),
        [
            (t("2m"), "shutting down, pods within 0s".to_string()),
            (t("2m"), "machine crashed".to_string()),
            (t("2m45s"), "Ready=Unknown".to_string()),
        ]
    );
    assert!(pod_shutdowns(&sim, "db-1").is_empty());
    let stuck = report.findings.iter().find(|f| f.id == "pod-stuck-terminating" && f.subject == "pod/db-1");
    let stuck = stuck.expect("db-1 is stuck terminating");
    // The NODES table tells the two machines apart.
    let machine = |name: &str| report.nodes.iter().find(|n| n.name == name).unwrap().machine.clone();
    assert_eq!((machine("graceful-3"), machine("plain-6")), ("shutdown".to_string(), "crashed".to_string()));
    assert!(stuck.fix.contains("shutdownGracePeriod"), "{}", stuck.fix);
}

/// One node, one pod; `kubelet` is the pool's shutdown settings, `pod` the
/// template's extra fields, `shutdown` the image's time to exit on SIGTERM.
fn one_pod(kubelet: &str, pod: &str, shutdown: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "shutdown", description: "d", seed: 1, duration: "10m",
    cluster: (nodePools: [(name: "worker", count: 2, {kubelet})]),
    images: [(name: "app:1", pull: "1s", startup: "1s", shutdown: "{shutdown}")],
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(name: "web", serviceName: "web", replicas: 1,
        template: (labels: {{"app": "web"}}, image: "app:1", {pod}))],
    timeline: [{timeline}],
)"#
    )
}

/// The kubelet kills each pod with the shorter of its own grace period and
/// the regular pods' share (`gracePeriodOverride`); the machine powers off
/// when that share is up even if a container has not exited.
#[test]
fn each_pod_gets_the_shorter_of_its_grace_and_the_kubelets_share() {
    let kubelet = r#"shutdownGracePeriod: "30s", shutdownGracePeriodCriticalPods: "10s""#;
    let timeline = r#"(at: "1m", do: ShutdownNode(nodeOf: "web-0"))"#;
    // The image would take 60 s: the kubelet's 20 s decide, then the machine is off.
    let (sim, _) = run(&one_pod(kubelet, "", "60s", timeline));
    assert_eq!(pod_shutdowns(&sim, "web-0"), [t("1m20s")]);
    let node = sim.world.nodes.iter().find(|n| n.shutting_down.is_some()).unwrap().name.clone();
    assert_eq!(node_story(&sim, &node)[2], (t("1m20s"), "machine crashed".to_string()));
    // The pod's own 8 s are shorter: killed then.
    let (sim, _) = run(&one_pod(kubelet, "terminationGracePeriodSeconds: 8", "60s", timeline));
    assert_eq!(pod_shutdowns(&sim, "web-0"), [t("1m8s")]);
    // A preStop hook runs first, within the grace period.
    let (sim, _) = run(&one_pod(kubelet, r#"lifecycle: (preStop: (sleep: (seconds: 4)))"#, "3s", timeline));
    assert_eq!(pod_shutdowns(&sim, "web-0"), [t("1m7s")]);
}

/// While its node shuts down the kubelet admits nothing: a pod bound to
/// it then (here by `nodeName`) is rejected, reason `NodeShutdown`. A node
/// that runs again is Ready and takes pods.
#[test]
fn a_shutting_down_node_rejects_new_pods_and_recovers() {
    let kubelet = r#"shutdownGracePeriod: "30s""#;
    let timeline = r#"(at: "1m", do: ShutdownNode(node: "worker-1")),
        (at: "1m1s", do: CreatePod(name: "late", template: (labels: {"app": "late"}, image: "app:1", nodeName: "worker-1"))),
        (at: "5m", do: RecoverNode(node: "worker-1"))"#;
    // A container that never exits in time keeps the node up for the whole 30 s.
    let (sim, _) =
        run(&one_pod(kubelet, r#"nodeSelector: {"kubernetes.io/hostname": "worker-1"}"#, "60s", timeline));
    let rejected: Vec<(SimTime, &str, &str)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodRejected { reason, message, .. } => Some((r.at, *reason, message.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rejected,
        [(t("1m2s"), "NodeShutdown", "Pod was rejected: Pod was rejected as the node is shutting down.")]
    );
    let story = node_story(&sim, "worker-1");
    assert_eq!(story[2], (t("1m30s"), "machine crashed".to_string()));
    assert!(story.contains(&(t("5m"), "Ready=True".to_string())), "{story:?}");
    assert_eq!(sim.world.nodes[0].machine, Machine::Running);
    assert!(sim.world.nodes[0].shutting_down.is_none());
    assert_eq!(sim.world.nodes[0].condition, ConditionStatus::True);
    // web-0 was Failed and replaced; the replacement waits for worker-1 (its
    // selector) and runs once the node is back.
    assert!(running_at(&sim, "web-0", t("5m")).is_some());
}

/// The kubelet's own rule: the critical pods' share is at most the whole.
#[test]
fn the_critical_share_is_at_most_the_whole() {
    let source =
        one_pod(r#"shutdownGracePeriod: "10s", shutdownGracePeriodCriticalPods: "30s""#, "", "1s", "");
    let errors = stsim_scenario::parse_scenario(&source, "s.ron").unwrap_err();
    let error: Vec<String> = errors.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
    assert_eq!(error.len(), 1, "{error:?}");
    assert!(
        error[0].contains(
            r#"cluster.nodePools[0].shutdownGracePeriodCriticalPods: Invalid value: "30s": must be no more than shutdownGracePeriod (10s)"#
        ),
        "{error:?}"
    );
    let _ = parse(&one_pod(r#"shutdownGracePeriod: "30s""#, "", "1s", ""));
    // An invalid whole is reported alone, not compared as if it were 0s.
    let source =
        one_pod(r#"shutdownGracePeriod: "3000d", shutdownGracePeriodCriticalPods: "30s""#, "", "1s", "");
    let errors = stsim_scenario::parse_scenario(&source, "s.ron").unwrap_err();
    let error: Vec<String> = errors.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
    assert_eq!(error.len(), 1, "{error:?}");
    assert!(
        error[0].contains("shutdownGracePeriod: Invalid value: \"3000d\": must be no more than 400d"),
        "{error:?}"
    );
}

/// A pod deleted just before the shutdown goes through its own graceful
/// termination; once it is gone, nothing holds the machine up.
#[test]
fn a_pod_already_terminating_holds_the_machine_until_it_is_gone() {
    let kubelet = r#"shutdownGracePeriod: "30s""#;
    let timeline = r#"(at: "1m", do: DeletePod(pod: "web-0")),
        (at: "1m1s", do: ShutdownNode(node: "worker-1"))"#;
    let pin = r#"nodeSelector: {"kubernetes.io/hostname": "worker-1"}"#;
    let (sim, _) = run(&one_pod(kubelet, pin, "3s", timeline));
    // SIGTERM at 1m, exit 3 s later; the machine goes off then, not at 1m31s.
    assert!(pod_shutdowns(&sim, "web-0").is_empty(), "it was deleted, not stopped for the shutdown");
    assert_eq!(node_story(&sim, "worker-1")[2], (t("1m3s"), "machine crashed".to_string()));
}

/// Pods of the built-in critical PriorityClasses are stopped last: the
/// kubelet stops the regular pods within `shutdownGracePeriod -
/// shutdownGracePeriodCriticalPods` (20 s; `app`'s image would take 25 s),
/// then the critical ones within `shutdownGracePeriodCriticalPods` (10 s;
/// `agent`'s image takes 5 s), and the machine powers off when they are
/// done. With no critical share they are not stopped: they go with the
/// machine when the regular pods are done or their share is up.
#[test]
fn critical_pods_are_stopped_after_the_regular_ones() {
    let scenario = |critical: &str| {
        format!(
            r#"Scenario(
    name: "critical", description: "d", seed: 1, duration: "10m",
    cluster: (nodePools: [(name: "worker", count: 1, shutdownGracePeriod: "30s", shutdownGracePeriodCriticalPods: "{critical}")]),
    images: [
        (name: "app:1", pull: "1s", startup: "1s", shutdown: "25s"),
        (name: "agent:1", pull: "1s", startup: "1s", shutdown: "5s"),
    ],
    services: [(name: "app", selector: {{"app": "app"}}), (name: "agent", selector: {{"app": "agent"}})],
    statefulsets: [
        (name: "app", serviceName: "app", replicas: 1, template: (labels: {{"app": "app"}}, image: "app:1")),
        (name: "agent", serviceName: "agent", replicas: 1,
            template: (labels: {{"app": "agent"}}, image: "agent:1", priorityClassName: "system-node-critical")),
    ],
    timeline: [(at: "1m", do: ShutdownNode(node: "worker-1"))],
)"#
        )
    };
    let (sim, _) = run(&scenario("10s"));
    assert_eq!(pod_shutdowns(&sim, "app-0"), [t("1m20s")]);
    assert_eq!(pod_shutdowns(&sim, "agent-0"), [t("1m25s")]);
    assert_eq!(node_story(&sim, "worker-1")[2], (t("1m25s"), "machine crashed".to_string()));

    // The whole 30 s for the regular pods (app-0 exits after its 25 s).
    let (sim, _) = run(&scenario("0s"));
    assert_eq!(pod_shutdowns(&sim, "app-0"), [t("1m25s")]);
    assert!(pod_shutdowns(&sim, "agent-0").is_empty(), "no share: it goes with the machine");
    assert_eq!(node_story(&sim, "worker-1")[2], (t("1m25s"), "machine crashed".to_string()));
}

/// As the API serves them: a pod the kubelet stopped for its node's
/// shutdown keeps what the kubelet wrote of it (its conditions, Ready
/// False; its container's exit, here SIGKILL's 137 at the end of the 30 s)
/// beside the reason
/// `Terminated`; a pod its admission rejected during the shutdown ran
/// nothing, and `rejectPod` writes the phase, reason and message alone: no
/// container statuses, no kubelet conditions.
#[test]
fn a_stopped_pod_is_served_with_its_containers_and_a_rejected_one_without() {
    use serde_json::json;
    let kubelet = r#"shutdownGracePeriod: "30s""#;
    let timeline = r#"(at: "1m", do: ShutdownNode(node: "worker-1")),
        (at: "1m1s", do: CreatePod(name: "late", template: (labels: {"app": "late"}, image: "app:1", nodeName: "worker-1")))"#;
    let (sim, _) =
        run(&one_pod(kubelet, r#"nodeSelector: {"kubernetes.io/hostname": "worker-1"}"#, "60s", timeline));
    let served = |name: &str| {
        let pod = sim.world.pods.iter().find(|p| p.name == name && p.status.phase == PodPhase::Failed);
        stsim_core::kube::pod(&sim.world, pod.unwrap_or_else(|| panic!("a Failed {name}")))
    };
    let stopped = served("web-0");
    let status = &stopped["status"];
    assert_eq!(status["reason"], "Terminated");
    let ready = status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Ready");
    assert_eq!(ready.map(|c| c["status"].clone()), Some(json!("False")), "{status}");
    let state = &status["containerStatuses"][0]["state"];
    assert_eq!(*state, json!({"terminated": {"reason": "Error", "exitCode": 137}}), "{status}");
    // From 1.26 the kubelet marks it a disruption target as it stops it.
    let target = status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "DisruptionTarget");
    let target = target.unwrap_or_else(|| panic!("{status}"));
    assert_eq!(target["reason"], "TerminationByKubelet");
    assert_eq!(target["message"], "Pod was terminated in response to imminent node shutdown.");
    // The kubelet writes it first, before its own conditions
    // (`generateAPIPodStatus`).
    assert_eq!(status["conditions"][0]["type"], "DisruptionTarget", "{status}");
    let rejected = served("late");
    let status = &rejected["status"];
    assert_eq!(status["reason"], "NodeShutdown");
    assert!(status.get("containerStatuses").is_none(), "{status}");
    let types: Vec<&str> =
        status["conditions"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    // (The taint manager deletes it later, with its own DisruptionTarget.)
    assert_eq!(types[0], "PodScheduled", "{status}");
    assert!(
        types.iter().all(|t| ["PodScheduled", "DisruptionTarget"].contains(t)),
        "none of the kubelet's: {status}"
    );
}
