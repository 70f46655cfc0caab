//! Pods of more than one regular container (`spec.containers[1..]`: a
//! metrics exporter beside a database). Each test states the Kubernetes
//! rule it checks: the kubelet starts a pod's containers in spec order in
//! one sync, each after the image check of the one before it, and goes on
//! when one fails (pkg/kubelet/kuberuntime `SyncPod`); a container never
//! started keeps the pod `Pending` (`getPhase`); the pod is Ready only when
//! every container is; kubectl's READY counts the ready containers over all
//! of them, and its STATUS is the first not-running container's reason
//! (`printPod`).

use crate::support::{Log, run, t};
use stsim_core::objects::{ContainerRef, ContainerState, FailedProbe, PodPhase, StatusColumn};
use stsim_core::report::Report;
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// One node, one StatefulSet `db` of `replicas` (OrderedReady) running
/// `db:1` with a readiness probe and the exporter image `exporter`, the
/// images `images` beside `db:1` (pull 2 s, startup 3 s), the timeline
/// `timeline`.
fn scenario(replicas: u32, exporter: &str, images: &str, timeline: &str) -> String {
    let exporter = format!(r#"(name: "exporter", image: "{exporter}")"#);
    with_containers(replicas, &exporter, images, timeline)
}

/// `scenario` with the other containers `containers` (the entries of
/// `extraContainers`; none if empty).
fn with_containers(replicas: u32, containers: &str, images: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "containers",
    duration: "20m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "2s", startup: "3s", shutdown: "1s"){images}],
    statefulsets: [(
        name: "db", serviceName: "db", replicas: {replicas},
        template: (labels: {{"app": "db"}}, image: "db:1",
            readinessProbe: (initialDelaySeconds: 5, periodSeconds: 5),
            extraContainers: [{containers}]),
    )],
    timeline: [{timeline}],
)"#
    )
}

/// An exporter whose `imagePullPolicy` is `Never`.
const NEVER: &str = r#"(name: "exporter", image: "exporter:1", imagePullPolicy: Never)"#;

/// The named pod's (READY, STATUS) after each change the timeline shows.
fn columns(report: &Report, name: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for row in report.timeline.iter().filter(|r| &*r.name == name) {
        let Some(pod) = &row.pod else { continue };
        let shown = format!("{} {}", pod.ready, pod.status);
        if seen.last() != Some(&shown) {
            seen.push(shown);
        }
    }
    seen
}

/// The states the kubelet reported for the named pod's container `index`,
/// with when.
fn container_states(sim: &Simulation, name: &str, index: u32) -> Vec<(SimTime, ContainerState, bool)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::ContainerStatus { pod, container, state, ready }
                if container == index && sim.world.pod(pod).name == name =>
            {
                Some((r.at, state, ready))
            }
            _ => None,
        })
        .collect()
}

/// The exporter's image is checked once the database's has started (the
/// node pulls one image at a time), so it starts 2 s after it; READY counts
/// each container as it becomes ready, and the pod is Ready, in its DNS
/// record, only once both are. Until the exporter has started the pod is
/// `Pending` and kubectl shows the exporter's `ContainerCreating`.
#[test]
fn the_second_container_starts_after_the_first_and_readiness_needs_both() {
    let images = r#", (name: "exporter:1", pull: "2s", startup: "1s", shutdown: "1s")"#;
    let (sim, report) = run(&scenario(1, "exporter:1", images, ""));
    let first = container_states(&sim, "db-0", 0);
    let exporter = container_states(&sim, "db-0", 1);
    assert_eq!(exporter, [(t("4s"), ContainerState::Running, true)], "{exporter:?}");
    // The database started at 2 s (its pull), and its probe passes from
    // its 5 s initial delay on once the application is up (3 s startup).
    assert_eq!(
        first,
        [(t("2s"), ContainerState::Running, false), (t("7s"), ContainerState::Running, true)],
        "{first:?}"
    );
    assert_eq!(Log(&sim).readiness("db-0"), [(t("7s"), true)]);
    let phases = &sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0").history.phases;
    assert_eq!(phases, &[(t("4s"), PodPhase::Running)], "Pending until the exporter has started");
    assert_eq!(
        columns(&report, "db-0"),
        // (The exporter's own row comes first in the instant it starts.)
        ["0/2 Pending", "0/2 ContainerCreating", "1/2 ContainerCreating", "1/2 Running", "2/2 Running"],
        "the exporter is ready first, then the database"
    );
}

/// An exporter whose image cannot be pulled holds the pod: the database
/// runs and is ready (`1/2`), kubectl shows the exporter's
/// `ImagePullBackOff`, the pod never becomes Ready, and an OrderedReady set
/// never creates its next pod. The pulls back off 10 s, 20 s, 40 s...
#[test]
fn an_exporter_that_cannot_be_pulled_keeps_the_pod_unready_and_stalls_the_set() {
    let images = r#", (name: "exporter:typo", behaviour: PullFails, pull: "1s")"#;
    let (sim, report) = run(&scenario(2, "exporter:typo", images, ""));
    assert!(Log(&sim).readiness("db-0").is_empty(), "never Ready");
    assert!(!sim.world.pods.iter().any(|p| p.name == "db-1"), "OrderedReady waits for db-0");
    let states = container_states(&sim, "db-0", 1);
    let pulls: Vec<SimTime> =
        states.iter().filter(|(_, s, _)| *s == ContainerState::ErrImagePull).map(|(at, _, _)| *at).collect();
    // Checked at 2 s (after the database's start), each failing 1 s later;
    // then again after 10 s, 20 s, 40 s of back-off, each at the pod
    // worker's first sync (every 10 to 15 s) after its end.
    assert_eq!(pulls[0], t("3s"), "{pulls:?}");
    for (i, window) in [10_000, 20_000, 40_000].into_iter().enumerate() {
        let waited = pulls[i + 1].since(pulls[i]).as_millis() - 1_000;
        assert!((window..window + 15_000).contains(&waited), "{window}: {pulls:?}");
    }
    // The pod worker counts its retries from the pod's last status write
    // about its containers: the database's start (ready at 5 s, during the
    // first back-off) moves them, and the exporter's pull comes at the
    // first retry after the back-off counted from there.
    let pod = sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    let written: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::PodStatus { pod: p, .. } | Event::ContainerStatus { pod: p, .. } if p == pod.id))
        .map(|r| r.at)
        .collect();
    let mut moved = 0;
    for (i, window) in [10_000u64, 20_000, 40_000].into_iter().enumerate() {
        let pulled =
            SimTime::ZERO + stsim_core::time::SimDuration::from_millis(pulls[i + 1].as_millis() - 1_000);
        let end = SimTime::ZERO + stsim_core::time::SimDuration::from_millis(pulls[i].as_millis() + window);
        let from = *written.iter().filter(|at| **at < pulled).max().expect("written");
        moved += usize::from(from > pulls[i]);
        let sync = stsim_core::controllers::kubelet::pod_worker::first_sync(
            sim.config.seed,
            pod.uid,
            sim.config.kubernetes,
            from,
            end,
            None,
        );
        assert_eq!(pulled, sync, "{i}: from {from:?}");
    }
    assert_eq!(moved, 1, "the database's readiness moved the first wait's retries");
    let seen = columns(&report, "db-0");
    assert!(seen.contains(&"1/2 ImagePullBackOff".to_string()), "{seen:?}");
    assert!(!seen.iter().any(|s| s.starts_with("2/2")), "{seen:?}");
    let pod = sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    assert_eq!(pod.status.phase, PodPhase::Pending, "a container never started keeps the pod Pending");
    assert!(pod.status.container_ready && !pod.status.ready, "the database is ready, the pod is not");
}

/// The kubelet goes on to the next container when one fails: with the
/// database's image refused, the exporter still starts (`1/2`), and
/// kubectl shows the database's `ImagePullBackOff` (the first container's
/// reason comes first).
#[test]
fn the_next_container_starts_when_the_first_cannot_be_pulled() {
    let source = scenario(1, "exporter:1", "", "")
        .replace(r#"(name: "db:1", pull: "2s""#, r#"(name: "db:1", behaviour: PullFails, pull: "2s""#);
    let (sim, report) = run(&source);
    let exporter = container_states(&sim, "db-0", 1);
    assert_eq!(exporter.first(), Some(&(t("4s"), ContainerState::Running, true)), "{exporter:?}");
    let seen = columns(&report, "db-0");
    assert!(seen.contains(&"1/2 ImagePullBackOff".to_string()), "{seen:?}");
    assert!(Log(&sim).readiness("db-0").is_empty());
}

/// A crashing exporter is restarted with the kubelet's back-off, its
/// restarts counted in the pod's RESTARTS, and each crash takes the pod out
/// of Ready while the database stays ready.
#[test]
fn a_crashing_exporter_restarts_with_back_off_and_flaps_the_pods_readiness() {
    let images = r#", (name: "exporter:bad", behaviour: CrashLoop, pull: "2s", startup: "5s")"#;
    let (sim, report) = run(&scenario(1, "exporter:bad", images, ""));
    let crashes: Vec<SimTime> = container_states(&sim, "db-0", 1)
        .iter()
        .filter(|(_, s, _)| *s == ContainerState::Exited { exit_code: 1 })
        .map(|(at, _, _)| *at)
        .collect();
    // Started at 4 s, exits 5 s later and starts again at once; then
    // back-offs of 10 s, 20 s, 40 s, each ended at the pod worker's next
    // sync, which from 1.35 waits for the end jittered by up to half.
    assert_eq!(crashes[..2], [t("9s"), t("14s")], "{crashes:?}");
    for (i, window) in [10, 20, 40].into_iter().enumerate() {
        let waited = crashes[i + 2].since(crashes[i + 1]).as_millis() - 5_000;
        assert!((window * 1000..window * 1500).contains(&waited), "{window}: {crashes:?}");
    }
    // Each restart is the pod worker's sync after the back-off, its retries
    // counted from the pod's last status write about its containers.
    let pod = sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    let written: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::PodStatus { pod: p, .. } | Event::ContainerStatus { pod: p, .. } if p == pod.id))
        .map(|r| r.at)
        .collect();
    let waits: Vec<_> =
        pod.history.restart_waits.iter().filter(|w| w.container == ContainerRef::Regular(1)).collect();
    assert!(waits.len() >= 5, "{waits:?}");
    for wait in waits {
        // It crashes 5 s after each start.
        let Some(crash) = crashes.iter().find(|at| **at > wait.from) else { continue };
        let restart = SimTime::ZERO + stsim_core::time::SimDuration::from_millis(crash.as_millis() - 5_000);
        let from = *written.iter().filter(|at| **at < restart).max().expect("written");
        let release = sim.config.kubernetes;
        let sync = stsim_core::controllers::kubelet::pod_worker::first_sync(
            sim.config.seed,
            pod.uid,
            release,
            from,
            wait.until,
            Some(wait.until),
        );
        assert_eq!(restart, sync, "{wait:?} from {from:?}");
    }
    let states = container_states(&sim, "db-0", 1);
    let after_first: Vec<ContainerState> =
        states.iter().filter(|(at, ..)| *at == t("9s")).map(|(_, s, _)| *s).collect();
    assert_eq!(
        after_first,
        [ContainerState::Exited { exit_code: 1 }, ContainerState::Running],
        "no back-off the first time"
    );
    let seen = columns(&report, "db-0");
    assert!(seen.contains(&"1/2 CrashLoopBackOff".to_string()), "{seen:?}");
    assert!(seen.contains(&"2/2 Running".to_string()), "ready between crashes: {seen:?}");
    let pod = sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    assert!(pod.status.restarts >= 4, "the exporter's restarts are the pod's: {}", pod.status.restarts);
    // The API serves the exporter's last exit, a crash (exit 1, `Error`),
    // as its `lastState`; the database never exited.
    let served = stsim_core::kube::pod(&sim.world, pod);
    let statuses = &served["status"]["containerStatuses"];
    assert_eq!(
        statuses[1]["lastState"],
        serde_json::json!({"terminated": {"reason": "Error", "exitCode": 1}})
    );
    assert_eq!(statuses[0]["lastState"], serde_json::json!({}));
    assert_eq!(pod.status.phase, PodPhase::Running, "both have started");
}

/// A deleted pod is gone when its slowest container has exited: the
/// kubelet sends every container SIGTERM at once.
#[test]
fn termination_waits_for_the_slowest_container() {
    let images = r#", (name: "exporter:1", pull: "2s", startup: "1s", shutdown: "20s")"#;
    let timeline = r#"(at: "1m", do: DeletePod(pod: "db-0"))"#;
    let (sim, _) = run(&scenario(1, "exporter:1", images, timeline));
    let removed = sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodRemoved { pod, .. } if sim.world.pod(pod).name == "db-0" => Some(r.at),
        _ => None,
    });
    assert_eq!(removed, Some(t("80s")), "the database exits in 1 s, the exporter in 20 s");
}

/// After a reboot the pod's new sandbox starts every container again, in
/// order: the exporter waits again, and READY falls to 0/2 then climbs;
/// the phase stays Running.
#[test]
fn a_reboot_starts_every_container_again() {
    let images = r#", (name: "exporter:1", pull: "2s", startup: "1s", shutdown: "1s")"#;
    let timeline =
        r#"(at: "1m", do: CrashNode(node: "worker-1")), (at: "70s", do: RecoverNode(node: "worker-1"))"#;
    let (sim, _) = run(&scenario(1, "exporter:1", images, timeline));
    let exporter = container_states(&sim, "db-0", 1);
    let after: Vec<(SimTime, ContainerState, bool)> =
        exporter.into_iter().filter(|(at, _, _)| *at >= t("70s")).collect();
    // Reset to waiting at the reboot, started again once the database's
    // image check (now from the node's copy) is over.
    assert_eq!(after[0], (t("70s"), ContainerState::ContainerCreating, false), "{after:?}");
    assert_eq!(after[1].1, ContainerState::Running, "{after:?}");
    assert!(Log(&sim).ready_after("db-0", t("70s")).is_some());
    // Containers that ran before count as stopped, not waiting: the pod
    // stays Running through the new sandbox (`getPhase`).
    let phases = &sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0").history.phases;
    assert_eq!(phases, &[(t("4s"), PodPhase::Running)], "{phases:?}");
}

/// One-container pods keep their trace as it was: no container records.
#[test]
fn one_container_pods_record_no_container_status() {
    let source = with_containers(1, "", "", "");
    let (sim, report) = run(&source);
    assert!(!sim.trace.records.iter().any(|r| matches!(r.event, Event::ContainerStatus { .. })));
    assert_eq!(
        columns(&report, "db-0"),
        ["0/1 Pending", "0/1 ContainerCreating", "0/1 Running", "1/1 Running"]
    );
}

/// Served to clients as the kubelet writes it: one status per container,
/// each with its own state, readiness and restarts.
#[test]
fn each_container_is_served_with_its_own_status() {
    let images = r#", (name: "exporter:typo", behaviour: PullFails, pull: "1s")"#;
    let (sim, _) = run(&scenario(1, "exporter:typo", images, ""));
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("status.containerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("status.containerStatuses.1.name").as_deref(), Some("\"exporter\""));
    assert_eq!(field("status.containerStatuses.1.ready").as_deref(), Some("false"));
    assert_eq!(
        field("status.containerStatuses.1.state.waiting.reason").as_deref(),
        Some("\"ImagePullBackOff\"")
    );
    assert_eq!(field("status.phase").as_deref(), Some("\"Pending\""));
    assert_eq!(field("spec.containers.1.image").as_deref(), Some("\"exporter:typo\""));
    // The set's template is served with both containers.
    let set = stsim_core::kube::find(&sim.world, "StatefulSet", "db").expect("served");
    let set = stsim_core::kube::render(&sim.world, set);
    let name = stsim_core::kube::field(&set, "spec.template.spec.containers.1.name").map(|v| v.to_string());
    assert_eq!(name.as_deref(), Some("\"exporter\""));
}

/// `imagePullPolicy: Never`: the exporter starts from an image the node
/// has, and waits in `ErrImageNeverPull` (the pod unready) on a node
/// without it.
#[test]
fn a_never_pulled_exporter_needs_the_image_on_the_node() {
    let source = with_containers(1, NEVER, "", "");
    let (sim, report) = run(&source);
    assert_eq!(container_states(&sim, "db-0", 1), [(t("2s"), ContainerState::ErrImageNeverPull, false)]);
    assert!(columns(&report, "db-0").contains(&"1/2 ErrImageNeverPull".to_string()));
    let field = served_pod(&sim, "db-0");
    assert_eq!(
        field("status.containerStatuses.1.state.waiting.message").as_deref(),
        Some(r#""Container image \"exporter:1\" is not present with pull policy of Never""#)
    );
    let preloaded = source.replace(r#"count: 1)"#, r#"count: 1, preloadedImages: ["exporter:1"])"#);
    let (sim, _) = run(&preloaded);
    let states = container_states(&sim, "db-0", 1);
    assert_eq!(states.first().map(|s| s.1), Some(ContainerState::Running), "{states:?}");
    assert!(!Log(&sim).readiness("db-0").is_empty());
}

/// The shipped scenario without its fix: the stuck rollout's finding names
/// the container that holds the pod, and says the first one is ready.
#[test]
fn a_stalled_rollout_names_the_container_that_holds_the_pod() {
    let source = crate::support::scenario_file("exporter-image-typo");
    let without_delete: String =
        source.lines().filter(|l| !l.contains("DeletePod")).map(|l| format!("{l}\n")).collect();
    let without_delete = without_delete.replace("        NoFindings,\n", "");
    let (_, report) = run(&without_delete);
    let stuck = report.findings.iter().find(|f| f.id == "rollout-stuck").expect("rollout-stuck");
    assert!(
        stuck.explanation.starts_with(
            "redis-2's container metrics (image oliver006/redis_exporter:1.62.0) cannot pull its image \
             (ImagePullBackOff): its first container is ready"
        ),
        "{}",
        stuck.explanation
    );
}

/// A `Never` exporter without its image on the node is the
/// `image-not-on-node` finding, naming the exporter's image.
#[test]
fn a_never_pulled_exporter_without_its_image_is_a_finding() {
    let source = with_containers(1, NEVER, "", "");
    let (_, report) = run(&source);
    let finding = report.findings.iter().find(|f| f.id == "image-not-on-node").expect("image-not-on-node");
    assert_eq!(
        finding.summary,
        "db-0's container exporter cannot start: worker-1 does not have exporter:1, and that container's imagePullPolicy is Never"
    );
}

/// `stsim events` gives each container's kubelet events: the exporter's
/// failed pulls and back-offs, and for each start the image manager's
/// `Pulled` (the pull's time, with the wait for the node's puller), then
/// the runtime's `Created` and `Started`, worded as the release words them:
/// by name until 1.34, `Container created`/`Container started` from 1.35
/// (the name being the event's field path). As emitted (`--raw`).
#[test]
fn events_name_each_container() {
    let source =
        std::fs::read_to_string(crate::support::repo_root().join("scenarios/exporter-image-typo.ron"))
            .unwrap();
    let events = |version: &str| {
        let source = source.replacen("Scenario(", &format!("Scenario(kubernetesVersion: \"{version}\", "), 1);
        let path = std::env::temp_dir().join(format!("stsim-events-{version}-{}.ron", std::process::id()));
        std::fs::write(&path, source).unwrap();
        let args: Vec<String> =
            ["events", "--raw", path.to_str().unwrap()].iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        stsim_cli::run(&args, &mut out, &mut err);
        std::fs::remove_file(&path).ok();
        let out = String::from_utf8(out).unwrap();
        out.lines()
            .filter(|l| l.contains("Pod/redis-2"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<String>>()
    };
    let at = |lines: &[String], time: &str| -> Vec<String> {
        lines.iter().filter(|l| l.starts_with(&format!("{time} "))).cloned().collect()
    };
    let redis_2 = events("1.36");
    assert_eq!(
        at(&redis_2, "2m4s"),
        [
            "2m4s Warning Failed Pod/redis-2 Failed to pull image \"oliver006/redis_exporter:1.62.0\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/oliver006/redis_exporter:1.62.0\": failed to resolve reference \"docker.io/oliver006/redis_exporter:1.62.0\": docker.io/oliver006/redis_exporter:1.62.0: not found",
            "2m4s Warning Failed Pod/redis-2 Error: ErrImagePull",
            "2m4s Normal BackOff Pod/redis-2 Back-off pulling image \"oliver006/redis_exporter:1.62.0\"",
            "2m4s Warning Failed Pod/redis-2 Error: ImagePullBackOff",
        ]
    );
    // After the reboot at 12m: redis from the node's copy, then the fixed
    // exporter's 3 s pull.
    assert_eq!(
        at(&redis_2, "12m3s"),
        [
            "12m3s Normal Pulled Pod/redis-2 Container image \"redis:7.0\" already present on machine",
            "12m3s Normal Created Pod/redis-2 Container created",
            "12m3s Normal Started Pod/redis-2 Container started",
            "12m3s Normal Pulling Pod/redis-2 Pulling image \"oliver006/redis_exporter:v1.62.0\"",
        ],
        "{redis_2:#?}"
    );
    assert_eq!(
        at(&redis_2, "12m6s"),
        [
            "12m6s Normal Pulled Pod/redis-2 Successfully pulled image \"oliver006/redis_exporter:v1.62.0\" in 3s (3s including waiting)",
            "12m6s Normal Created Pod/redis-2 Container created",
            "12m6s Normal Started Pod/redis-2 Container started",
        ]
    );
    // Before 1.26 the pull's time is the time since it was asked alone.
    assert_eq!(
        at(&events("1.25"), "12m6s")[0],
        "12m6s Normal Pulled Pod/redis-2 Successfully pulled image \"oliver006/redis_exporter:v1.62.0\" in 3s"
    );
    let named = |version: &str| at(&events(version), "12m6s")[1..].to_vec();
    assert_eq!(
        named("1.34"),
        [
            "12m6s Normal Created Pod/redis-2 Created container: metrics",
            "12m6s Normal Started Pod/redis-2 Started container metrics"
        ]
    );
    assert_eq!(
        named("1.32"),
        [
            "12m6s Normal Created Pod/redis-2 Created container metrics",
            "12m6s Normal Started Pod/redis-2 Started container metrics"
        ]
    );
}

/// `stsim export` writes the other containers as `containers[1..]`, and
/// reading the manifest back gives the same template.
#[test]
fn export_writes_the_other_containers_and_reads_them_back() {
    let always = r#"(name: "exporter", image: "exporter:1", imagePullPolicy: Always)"#;
    // A sidecar with a preStop hook, which the manifest keeps.
    let source = with_containers(1, always, "", "").replace(
        "extraContainers:",
        r#"initContainers: [(name: "proxy", image: "proxy:1", restartPolicy: "Always",
            lifecycle: (preStop: (sleep: (seconds: 5))),
            startupProbe: (periodSeconds: 2, failureThreshold: 10, terminationGracePeriodSeconds: 4))],
            extraContainers:"#,
    );
    let path = std::env::temp_dir().join(format!("stsim-containers-{}.ron", std::process::id()));
    std::fs::write(&path, &source).unwrap();
    let args: Vec<String> = vec!["export".into(), path.display().to_string()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stsim_cli::run(&args, &mut out, &mut err);
    std::fs::remove_file(&path).ok();
    let yaml = String::from_utf8(out).unwrap();
    assert!(yaml.contains("name: exporter"), "{yaml}\n{}", String::from_utf8_lossy(&err));
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), yaml)], "start").expect("reads back");
    let original = crate::support::parse(&source);
    assert_eq!(
        back.config.statefulsets[0].spec.template.extra_containers,
        original.statefulsets[0].spec.template.extra_containers
    );
    let (back, original) =
        (&back.config.statefulsets[0].spec.template, &original.statefulsets[0].spec.template);
    // The sidecar's startup probe too, with the check the scenario's was
    // given at load (it names none), which the export writes.
    assert!(original.init_containers[0].startup_check.is_some());
    assert_eq!(back.init_containers, original.init_containers);
    assert_eq!(original.init_containers[0].pre_stop, Some(stsim_core::time::SimDuration::from_secs(5)));
    assert!(original.init_containers[0].startup_probe.is_some());
    // The same template, the same revision.
    assert_eq!(back.canonical(), original.canonical());
}

/// With two other containers, each waits for the one before it, in the
/// first sandbox and again after a reboot.
#[test]
fn several_other_containers_start_in_order_in_every_sandbox() {
    let two = r#"(name: "exporter", image: "exporter:1"), (name: "shipper", image: "shipper:1")"#;
    let images = r#", (name: "exporter:1", pull: "2s", startup: "1s"), (name: "shipper:1", pull: "5s", startup: "1s")"#;
    let timeline =
        r#"(at: "1m", do: CrashNode(node: "worker-1")), (at: "70s", do: RecoverNode(node: "worker-1"))"#;
    let source = with_containers(1, two, images, timeline);
    let (sim, report) = run(&source);
    let started = |index: u32| -> Vec<SimTime> {
        container_states(&sim, "db-0", index)
            .into_iter()
            .filter(|(_, s, _)| *s == ContainerState::Running)
            .map(|(at, _, _)| at)
            .collect()
    };
    // db at 2 s, the exporter's pull then, the shipper's after it; after
    // the reboot the images are on the node (the cached check, 2 s each).
    assert_eq!(started(1), [t("4s"), t("74s")]);
    assert_eq!(started(2), [t("9s"), t("76s")]);
    let seen = columns(&report, "db-0");
    assert!(seen.contains(&"3/3 Running".to_string()), "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("3/3 Running"), "{seen:?}");
}

/// `stsim explain` tells each container's change in words.
#[test]
fn the_story_tells_each_containers_change() {
    let images = r#", (name: "exporter:typo", behaviour: PullFails, pull: "1s")"#;
    let (sim, _) = run(&scenario(1, "exporter:typo", images, ""));
    let lines: Vec<String> = stsim_core::story::tell(&sim).into_iter().map(|l| l.text).collect();
    for said in [
        "db-0's first container runs, not ready yet.",
        "db-0's container exporter is ImagePullBackOff.",
        "db-0's first container runs and is ready.",
    ] {
        assert!(lines.iter().any(|l| l == said), "{said:?} in {lines:#?}");
    }
}

/// A scenario's `containerName` names the first container: served to
/// clients, in `stsim events`, and written by `stsim export`, whose
/// manifest reads back to the same template.
#[test]
fn the_first_container_has_the_templates_name() {
    // (Events name the container in their message until 1.34.)
    let source = with_containers(1, "", "", "")
        .replace(r#"image: "db:1","#, r#"containerName: "postgres", image: "db:1","#)
        .replacen("Scenario(", r#"Scenario(kubernetesVersion: "1.34","#, 1);
    let (sim, _) = run(&source);
    let served = stsim_core::kube::find(&sim.world, "Pod", "db-0").expect("served");
    let served = stsim_core::kube::render(&sim.world, served);
    let name = stsim_core::kube::field(&served, "spec.containers.0.name").map(|v| v.to_string());
    assert_eq!(name.as_deref(), Some("\"postgres\""));
    let path = std::env::temp_dir().join(format!("stsim-container-name-{}.ron", std::process::id()));
    std::fs::write(&path, &source).unwrap();
    let cli = |command: &str| {
        let args: Vec<String> = vec![command.into(), path.display().to_string()];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        stsim_cli::run(&args, &mut out, &mut err);
        String::from_utf8(out).unwrap()
    };
    let (events, yaml) = (cli("events"), cli("export"));
    std::fs::remove_file(&path).ok();
    assert!(events.contains("Started container postgres"), "{events}");
    assert!(yaml.contains("name: postgres"), "{yaml}");
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), yaml)], "start").expect("reads back");
    let original = crate::support::parse(&source);
    assert_eq!(back.config.statefulsets[0].spec.template, original.statefulsets[0].spec.template);
}

/// The conditions of the kubelet and of the node lifecycle controller:
/// ContainersReady is the kubelet's report, with its reason and the
/// unready containers' names; on a node that stopped answering, the
/// controller turns only Ready to False (`MarkPodsNotReady`), so
/// ContainersReady stays True: an operator that reads it, not Ready,
/// takes the pod for healthy.
#[test]
fn containers_ready_is_the_kubelets_and_survives_an_unreachable_node() {
    let condition = |sim: &Simulation, kind: &str| {
        let served = stsim_core::kube::find(&sim.world, "Pod", "db-0").expect("served");
        let served = stsim_core::kube::render(&sim.world, served);
        let conditions = served["status"]["conditions"].as_array().cloned().unwrap_or_default();
        conditions.into_iter().find(|c| c["type"] == kind).unwrap_or_else(|| panic!("no {kind}: {served:#}"))
    };
    let images = r#", (name: "exporter:typo", behaviour: PullFails, pull: "1s")"#;
    let (sim, _) = run(&scenario(1, "exporter:typo", images, ""));
    for kind in ["Ready", "ContainersReady"] {
        let c = condition(&sim, kind);
        assert_eq!(
            (c["status"].as_str(), c["reason"].as_str()),
            (Some("False"), Some("ContainersNotReady")),
            "{c}"
        );
        assert_eq!(c["message"], "containers with unready status: [exporter]");
    }
    let crash = r#"(at: "2m", do: CrashNode(nodeOf: "db-0"))"#;
    let (sim, _) =
        run(&scenario(1, "exporter:1", r#", (name: "exporter:1")"#, crash).replace("\"20m\"", "\"4m\""));
    let (ready, containers) = (condition(&sim, "Ready"), condition(&sim, "ContainersReady"));
    assert_eq!((ready["status"].as_str(), ready.get("reason")), (Some("False"), None), "{ready}");
    assert_eq!(
        (containers["status"].as_str(), containers.get("reason")),
        (Some("True"), None),
        "{containers}"
    );
}

/// The served pod `name` at the end of `source`, as a field reader; a
/// path `condition:<Type>.<field>` reads the condition of that type.
fn served_pod(sim: &Simulation, name: &str) -> impl Fn(&str) -> Option<String> {
    let served = stsim_core::kube::find(&sim.world, "Pod", name).expect("served");
    let served = stsim_core::kube::render(&sim.world, served);
    move |path: &str| {
        let path = match path.strip_prefix("condition:").and_then(|p| p.split_once('.')) {
            Some((kind, field)) => {
                let conditions = served["status"]["conditions"].as_array()?;
                let index = conditions.iter().position(|c| c["type"] == kind)?;
                format!("status.conditions.{index}.{field}")
            }
            None => path.to_string(),
        };
        stsim_core::kube::field(&served, &path).map(|v| v.to_string())
    }
}

/// `init-containers-delay-start` cut at `at`, without its expectations
/// (and its reboot, when `at` is before it).
fn init_delay_until(at: &str) -> Simulation {
    let mut source = crate::support::scenario_file("init-containers-delay-start")
        .replace(r#"duration: "8m""#, &format!(r#"duration: "{at}""#));
    let (expect, _) = source.split_once("    expect: [").expect("expectations");
    source = format!("{expect})");
    if !at.contains('m') {
        let (before, after) = source.split_once("    timeline: [").expect("a timeline");
        let (_, after) = after.split_once("    ],\n").expect("the timeline's end");
        source = format!("{before}{after}");
    }
    run(&source).0
}

/// Init containers are served by name, as the kubelet writes them
/// (`convertToAPIContainerStatuses`, the prober manager's readiness, and
/// `GeneratePodInitializedCondition`): one done is terminated with exit
/// code 0 and ready; the one the kubelet is at waits (`PodInitializing`)
/// while its image is pulled, since the sync that pulls it writes the
/// status it began with, and runs from its start on; the pod is not
/// `Initialized` until all are done, naming those that are not; its
/// container waits in `PodInitializing`.
#[test]
fn init_containers_are_served_by_name_with_the_initialized_condition() {
    // migrate ran 2 s + 5 s; restore is pulled from 7 s and runs from 9 s to 29 s.
    let early = init_delay_until("8s");
    let pulling = served_pod(&early, "db-0");
    assert_eq!(
        pulling("status.initContainerStatuses.1.state.waiting.reason").as_deref(),
        Some("\"PodInitializing\"")
    );
    assert_eq!(pulling("status.initContainerStatuses.1.started").as_deref(), Some("false"));
    let sim = init_delay_until("10s");
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("spec.initContainers.0.name").as_deref(), Some("\"migrate\""));
    assert_eq!(field("spec.initContainers.1.image").as_deref(), Some("\"restore:1\""));
    assert_eq!(field("status.initContainerStatuses.0.name").as_deref(), Some("\"migrate\""));
    assert_eq!(
        field("status.initContainerStatuses.0.state.terminated.reason").as_deref(),
        Some("\"Completed\"")
    );
    assert_eq!(field("status.initContainerStatuses.0.state.terminated.exitCode").as_deref(), Some("0"));
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("status.initContainerStatuses.1.state.running").as_deref(), Some("{}"));
    assert_eq!(field("status.initContainerStatuses.1.ready").as_deref(), Some("false"));
    assert_eq!(field("status.conditions.1.type").as_deref(), Some("\"Initialized\""));
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"False\""));
    assert_eq!(field("condition:Initialized.reason").as_deref(), Some("\"ContainersNotInitialized\""));
    assert_eq!(
        field("condition:Initialized.message").as_deref(),
        Some("\"containers with incomplete status: [restore]\"")
    );
    assert_eq!(
        field("status.containerStatuses.0.state.waiting.reason").as_deref(),
        Some("\"PodInitializing\"")
    );
    // The set's template is served with them, so that an operator's write
    // of what it read keeps the template.
    let set = stsim_core::kube::find(&sim.world, "StatefulSet", "db").expect("served");
    let set = stsim_core::kube::render(&sim.world, set);
    let name = stsim_core::kube::field(&set, "spec.template.spec.initContainers.1.name");
    assert_eq!(name.map(|v| v.to_string()).as_deref(), Some("\"restore\""));

    // Both done, the container running: Initialized.
    let sim = init_delay_until("35s");
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"True\""));
    assert_eq!(
        field("status.initContainerStatuses.1.state.terminated.reason").as_deref(),
        Some("\"Completed\"")
    );
    assert_eq!(field("status.containerStatuses.0.state.running").as_deref(), Some("{}"));

    // The reboot at 4m: the new sandbox checks migrate's image again (2 s).
    let rebooted = init_delay_until("4m1s");
    let again = served_pod(&rebooted, "db-0");
    assert_eq!(
        again("status.initContainerStatuses.0.state.waiting.reason").as_deref(),
        Some("\"PodInitializing\""),
        "not the last sandbox's start"
    );
    // Its run in the sandbox gone with the machine completed: its last
    // state, as the runtime still reports it.
    let completed = Some("{\"terminated\":{\"reason\":\"Completed\",\"exitCode\":0}}");
    assert_eq!(again("status.initContainerStatuses.0.lastState").as_deref(), completed);
    let started = init_delay_until("4m3s");
    assert_eq!(
        served_pod(&started, "db-0")("status.initContainerStatuses.0.state.running").as_deref(),
        Some("{}")
    );
    // After the reboot the new sandbox runs them again, but a regular
    // container started before: the pod stays Initialized, and RESTARTS
    // counts the regular container's restart, not the init containers'.
    let sim = init_delay_until("4m10s");
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("status.initContainerStatuses.1.state.running").as_deref(), Some("{}"));
    assert_eq!(field("status.initContainerStatuses.1.lastState").as_deref(), completed);
    assert_eq!(field("status.initContainerStatuses.0.lastState").as_deref(), completed);
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"True\""));
    let pod = sim.world.live_pods().find(|p| p.name == "db-0").expect("db-0");
    assert_eq!(pod.display_status(sim.world.kubectl()), "Init:1/2");
    assert_eq!(pod.restarts_column(), 1);
}

/// An init container that crashes counts its own restarts: the app
/// container, never started, has none (kubectl's RESTARTS shows the init
/// containers' while the pod is not initialized).
#[test]
fn a_crashing_init_container_counts_its_own_restarts() {
    let (sim, report) = crate::support::run_file("init-container-crash-loop");
    let field = served_pod(&sim, "web-0");
    assert_eq!(field("status.initContainerStatuses.1.name").as_deref(), Some("\"check\""));
    assert_eq!(field("status.initContainerStatuses.1.restartCount").as_deref(), Some("5"));
    assert_eq!(field("status.initContainerStatuses.0.restartCount").as_deref(), Some("0"));
    assert_eq!(field("status.containerStatuses.0.restartCount").as_deref(), Some("0"));
    let reason = field("status.initContainerStatuses.1.state.waiting.reason")
        .or_else(|| field("status.initContainerStatuses.1.state.terminated.reason"));
    assert!(matches!(reason.as_deref(), Some("\"CrashLoopBackOff\"" | "\"Error\"")), "{reason:?}");
    // Each of its runs exited with a crash's code: the one before is its
    // last state; the one that never ran has none.
    assert_eq!(
        field("status.initContainerStatuses.1.lastState").as_deref(),
        Some("{\"terminated\":{\"reason\":\"Error\",\"exitCode\":1}}")
    );
    assert_eq!(field("status.initContainerStatuses.0.lastState").as_deref(), Some("{}"));
    assert_eq!(
        field("condition:Initialized.message").as_deref(),
        Some("\"containers with incomplete status: [check]\"")
    );
    let row = report.pods.iter().find(|p| p.name == "web-0").expect("web-0");
    assert_eq!(row.state.restarts, 5);
    // The pull that fails: waiting with the kubelet's reason.
    let field = served_pod(&sim, "cache-0");
    assert_eq!(
        field("status.initContainerStatuses.0.state.waiting.reason").as_deref(),
        Some("\"ImagePullBackOff\"")
    );
}

/// A pod the kubelet has not reported on has no container statuses and
/// none of the kubelet's conditions: only the scheduler's.
#[test]
fn a_pod_no_kubelet_reported_on_has_no_container_statuses() {
    let source = with_containers(1, "", "", "")
        .replace(r#"image: "db:1","#, r#"image: "db:1", nodeSelector: {"disktype": "ssd"},"#);
    let (sim, _) = run(&source);
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("status.containerStatuses"), None);
    assert_eq!(field("status.conditions.0.type").as_deref(), Some("\"PodScheduled\""));
    assert_eq!(field("status.conditions.1"), None);
}

/// A sidecar is one of the containers `ContainersReady` waits for, named
/// before the regular ones (`GenerateContainersReadyCondition`).
#[test]
fn a_sidecar_not_started_keeps_containers_ready_false() {
    let source = with_containers(1, "", r#", (name: "proxy:1", pull: "30s")"#, "")
        .replace(r#"duration: "20m""#, r#"duration: "10s""#)
        .replace(
            "extraContainers: []",
            r#"initContainers: [(name: "proxy", image: "proxy:1", restartPolicy: "Always")]"#,
        );
    let (sim, _) = run(&source);
    let field = served_pod(&sim, "db-0");
    assert_eq!(
        field("condition:ContainersReady.message").as_deref(),
        Some("\"containers with unready status: [proxy main]\"")
    );
    assert_eq!(field("spec.initContainers.0.restartPolicy").as_deref(), Some("\"Always\""));
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("false"));
    assert_eq!(
        field("status.initContainerStatuses.0.state.waiting.reason").as_deref(),
        Some("\"PodInitializing\"")
    );
    // Started, it runs beside the container, ready (no probe modelled).
    let (sim, _) = run(&source.replace(r#"duration: "10s""#, r#"duration: "1m""#));
    let field = served_pod(&sim, "db-0");
    assert_eq!(field("status.initContainerStatuses.0.state.running").as_deref(), Some("{}"));
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("true"));
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"True\""));
}

/// A sidecar is stopped last at the pod's end, with its image's exit code
/// on SIGTERM if it is done within the time it is given, else SIGKILL's
/// 137; each one's exit is its state in the stopped pod, its run before
/// (a crash) its last state. The regular container's exit is its own.
#[test]
fn stopped_sidecars_exit_with_their_images_codes() {
    let images = r#", (name: "proxy:1", shutdown: "1s", exitCodeOnSigterm: 143),
        (name: "logs:1", shutdown: "2m"), (name: "agent:1", behaviour: CrashLoop, startup: "20s")"#;
    let source = with_containers(1, "", images, r#"(at: "2m", do: ShutdownNode(node: "worker-1"))"#)
        .replace(r#"duration: "20m""#, r#"duration: "3m""#)
        .replace(r#"(name: "worker", count: 1)"#, r#"(name: "worker", count: 1, shutdownGracePeriod: "1m")"#)
        .replace(
            "extraContainers: []",
            r#"initContainers: [
                (name: "proxy", image: "proxy:1", restartPolicy: "Always"),
                (name: "logs", image: "logs:1", restartPolicy: "Always"),
                (name: "agent", image: "agent:1", restartPolicy: "Always"),
            ]"#,
        );
    let (sim, _) = run(&source);
    // The stopped pod, which its set has since replaced.
    let stopped = sim.world.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    let served = stsim_core::kube::pod(&sim.world, stopped);
    let field = |path: &str| stsim_core::kube::field(&served, path).map(|v| v.to_string());
    assert_eq!(field("status.phase").as_deref(), Some("\"Failed\""));
    let exit = |reason: &str, code: u8| {
        format!("{{\"terminated\":{{\"reason\":\"{reason}\",\"exitCode\":{code}}}}}")
    };
    let state = |i: usize| field(&format!("status.initContainerStatuses.{i}.state")).unwrap_or_default();
    let last = |i: usize| field(&format!("status.initContainerStatuses.{i}.lastState")).unwrap_or_default();
    // Within its 1 s: the image's own 143.
    assert_eq!(state(0), exit("Error", 143));
    // Its 2 m shutdown outlasts what is left of the 30 s: killed.
    assert_eq!(state(1), exit("Error", 137));
    assert_eq!(last(1), "{}");
    // The crashing one exits 1 20 s after each start (the last at 1m42s):
    // stopped first of the sidecars, at 2m1s, while running, it exits 0 on
    // SIGTERM, after the crash before it.
    assert_eq!((state(2), last(2)), (exit("Completed", 0), exit("Error", 1)));
    assert_eq!(field("status.containerStatuses.0.state").as_deref(), Some(exit("Completed", 0).as_str()));

    // A machine that crashes takes the sidecars' runs with it: the runtime,
    // started again, reports each as exited 255, `Unknown`.
    let rebooted = source.replace(r#"duration: "3m""#, r#"duration: "2m20s""#).replace(
        r#"(at: "2m", do: ShutdownNode(node: "worker-1"))"#,
        r#"(at: "2m", do: CrashNode(node: "worker-1")), (at: "2m10s", do: RecoverNode(node: "worker-1"))"#,
    );
    let (sim, _) = run(&rebooted);
    let field = served_pod(&sim, "db-0");
    let unknown = Some(exit("Unknown", 255));
    for i in 0..3 {
        assert_eq!(field(&format!("status.initContainerStatuses.{i}.lastState")), unknown, "{i}");
    }
    assert_eq!(field("status.initContainerStatuses.0.state.running").as_deref(), Some("{}"));
}

/// `PodReadyToStartContainers` (KEP-3085, on from 1.29): the kubelet's
/// condition that the pod's sandbox is up with its network, first of its
/// conditions; False while the kubelet waits for the pod's volumes to
/// attach, which comes before the sandbox; absent before 1.29 (alpha, off).
#[test]
fn pod_ready_to_start_containers_waits_for_the_volumes_and_the_sandbox() {
    let source = |version: &str, duration: &str| {
        format!(
            r#"Scenario(
    name: "sandbox",
    kubernetesVersion: "{version}",
    duration: "{duration}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    statefulsets: [(
        name: "db", serviceName: "db", replicas: 1,
        template: (labels: {{"app": "db"}}, image: "db:1"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
)"#
        )
    };
    let at = |version: &str, duration: &str| {
        let (sim, _) = run(&source(version, duration));
        let field = served_pod(&sim, "db-0");
        (field("status.conditions.0.type"), field("condition:PodReadyToStartContainers.status"))
    };
    let waiting = at("1.36", "10s");
    assert_eq!(waiting.0.as_deref(), Some("\"PodReadyToStartContainers\""));
    assert_eq!(waiting.1.as_deref(), Some("\"False\""), "the volume is still attaching");
    assert_eq!(at("1.36", "1m").1.as_deref(), Some("\"True\""));
    assert_eq!(at("1.28", "1m").1, None, "alpha and off in 1.28");
    // Locked on once GA.
    let locked = source("1.37", "1m").replace(
        r#"duration: "1m","#,
        r#"duration: "1m", featureGates: {"PodReadyToStartContainersCondition": false},"#,
    );
    assert!(stsim_scenario::parse_scenario(&locked, "s.ron").is_err());
}

/// The kubelet's status carries the pod's addresses as lists too
/// (`podIPs`), its node's address (`hostIP`, `hostIPs`: the node's
/// `InternalIP`) and `startTime`, when it first acknowledged the pod, kept
/// through a reboot's new sandbox. A pod no kubelet has reported on has
/// none of them.
#[test]
fn served_pods_carry_their_addresses_and_start_time() {
    let sim = init_delay_until("4m10s");
    let field = served_pod(&sim, "db-0");
    let pod = sim.world.live_pods().find(|p| p.name == "db-0").expect("db-0");
    assert_eq!(field("status.podIPs.0.ip"), field("status.podIP"));
    let node = stsim_core::kube::find(&sim.world, "Node", &sim.world.node(pod.node.unwrap()).name).unwrap();
    let node = stsim_core::kube::render(&sim.world, node);
    let internal = stsim_core::kube::field(&node, "status.addresses.0.address").map(|v| v.to_string());
    assert_eq!(
        stsim_core::kube::field(&node, "status.addresses.0.type").map(|v| v.to_string()).as_deref(),
        Some("\"InternalIP\"")
    );
    assert_eq!(field("status.hostIP"), internal);
    assert_eq!(field("status.hostIPs.0.ip"), internal);
    assert_ne!(field("status.hostIP"), field("status.podIP"));
    let acknowledged = format!("\"{}\"", stsim_core::kube::timestamp(t("0s")));
    assert_eq!(field("status.startTime"), Some(acknowledged), "its first status, not the reboot's");

    let source = with_containers(1, "", "", "")
        .replace(r#"image: "db:1","#, r#"image: "db:1", nodeSelector: {"disktype": "ssd"},"#);
    let (sim, _) = run(&source);
    let field = served_pod(&sim, "db-0");
    assert_eq!(
        (field("status.hostIP"), field("status.startTime"), field("status.podIPs")),
        (None, None, None)
    );
}

/// The kubelet's conditions carry their `lastTransitionTime`: when the
/// status they were written with last changed. After a reboot, the new
/// sandbox is reported with its address after its first image check, and the pod stays Initialized, while its
/// container is not ready until it starts again.
#[test]
fn the_kubelets_conditions_carry_their_transition_times() {
    let since = |field: &dyn Fn(&str) -> Option<String>, kind: &str| {
        field(&format!("condition:{kind}.lastTransitionTime")).map(|v| v.trim_matches('"').to_string())
    };
    let at = |text: &str| Some(stsim_core::kube::timestamp(t(text)));
    let sim = init_delay_until("59s");
    let field = served_pod(&sim, "db-0");
    // The sandbox came up at once; the kubelet reports it with its address,
    // once its first sync (the first init container's 2 s pull) is over.
    assert_eq!(since(&field, "PodReadyToStartContainers"), at("2s"));
    assert_eq!(since(&field, "Initialized"), at("29s"), "restore ended at 29 s");
    let ready = Log(&sim).readiness("db-0")[0].0;
    assert_eq!(since(&field, "ContainersReady"), Some(stsim_core::kube::timestamp(ready)));

    let sim = init_delay_until("4m10s");
    let field = served_pod(&sim, "db-0");
    assert_eq!(since(&field, "PodReadyToStartContainers"), at("4m2s"), "a new sandbox at the reboot");
    assert_eq!(since(&field, "Initialized"), at("29s"), "a regular container started before");
    assert_eq!(field("condition:ContainersReady.status").as_deref(), Some("\"False\""));
    assert_eq!(since(&field, "ContainersReady"), at("4m"));
}

/// kubectl's RESTARTS column counts its `(5m ago)` from the last
/// termination of a container it counts (`printPod`'s `lastRestartDate`,
/// the latest `lastState.terminated.finishedAt`): for a crash loop, its
/// last exit; for a container lost with its machine, the moment the
/// runtime, started again, finds it gone; for an exporter that crashes,
/// its own exits.
#[test]
fn restarts_count_their_ago_from_the_last_termination() {
    let crashing = r#"Scenario(
        name: "ago", duration: "6m", kubernetesVersion: "1.34",
        cluster: (nodePools: [(name: "worker", count: 1)]),
        images: [(name: "app:1", behaviour: CrashLoop, pull: "1s", startup: "5s")],
        services: [(name: "svc", selector: {"app": "a"})],
        statefulsets: [(name: "a", serviceName: "svc", replicas: 1, template: (labels: {"app": "a"}, image: "app:1"))],
    )"#;
    let (sim, report) = run(crashing);
    let pod = &report.pods[0];
    // Exits at 6s (started again at once), 11s, then 5 s after each start,
    // which is the pod worker's first retry (10 to 15 s apart) after the
    // back-off's end (10, 20, 40, 80 s); the last, at 3m22s, waits out
    // 160 s past the run's end.
    assert_eq!((pod.state.restarts, pod.last_termination_ms), (5, Some(202_049)), "{pod:?}");
    let exits: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(&r.event, Event::PodStatus { status, .. } if *status == StatusColumn::Reason("Error")))
        .map(|r| r.at)
        .collect();
    assert_eq!(exits.last().map(|at| at.as_millis()), pod.last_termination_ms, "{exits:?}");
    let text = stsim_cli::render::text::render(&report);
    assert!(text.contains("5 (2m37s ago)"), "{text}");

    // A machine that crashed at 1m and came back at 3m: the container was
    // lost, and the runtime reports it exited when the kubelet is back.
    let lost = crashing
        .replace(r#"behaviour: CrashLoop, "#, "")
        .replace(r#"duration: "6m","#, r#"duration: "6m", timeline: [(at: "1m", do: CrashNode(node: "worker-1")), (at: "3m", do: RecoverNode(node: "worker-1"))],"#);
    let (_, report) = run(&lost);
    let pod = &report.pods[0];
    assert_eq!((pod.state.restarts, pod.last_termination_ms), (1, Some(180_000)), "{pod:?}");

    // A crashing exporter beside a healthy database: its exits count.
    let images = r#", (name: "exporter:1", behaviour: CrashLoop, pull: "1s", startup: "5s")"#;
    let (sim, report) = run(&scenario(1, "exporter:1", images, ""));
    let exits: Vec<SimTime> = container_states(&sim, "db-0", 1)
        .into_iter()
        .filter(|(_, state, _)| *state == ContainerState::Exited { exit_code: 1 })
        .map(|(at, _, _)| at)
        .collect();
    let pod = report.pods.iter().find(|p| p.name == "db-0").expect("db-0");
    assert!(pod.state.restarts > 0, "{pod:?}");
    assert_eq!(exits.last().map(|at| at.as_millis()), pod.last_termination_ms, "{exits:?}");
}

/// A sidecar (an init container with `restartPolicy: Always`) whose image
/// crashes has started all the same: the containers after it start, and
/// the kubelet restarts it beside them, at once after a first exit, then
/// after its back-off (`computeInitContainerActions` restarts an exited
/// restartable init container whatever came after it). While it is down
/// the pod is not Ready (`GenerateContainersReadyCondition` counts the
/// sidecars) but stays Initialized, as a regular container has started
/// (`GeneratePodInitializedCondition`); kubectl shows `Init:Error`, then
/// `Init:CrashLoopBackOff`, over the running container, counts the running
/// container in READY, and the sidecar's restarts in RESTARTS (`printPod`).
/// A regular init container of the same image holds the pod instead.
#[test]
fn a_sidecar_that_crashes_restarts_beside_the_running_container() {
    let source = |restart: &str, duration: &str| {
        format!(
            r#"Scenario(
        name: "sidecar-crash",
        seed: 1,
        duration: "{duration}",
        kubernetesVersion: "1.33",
        cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["proxy:1", "app:1"])]),
        images: [(name: "proxy:1", startup: "30s", behaviour: CrashLoop), (name: "app:1", startup: "2s")],
        statefulsets: [(
            name: "app",
            replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1",
                initContainers: [(name: "proxy", image: "proxy:1"{restart})]),
        )],
    )"#
        )
    };
    let sidecar = source(r#", restartPolicy: "Always""#, "3m");
    let (sim, report) = run(&sidecar);
    let statuses = |sim: &Simulation| -> Vec<String> {
        (sim.trace.records.iter())
            .filter_map(|r| match r.event {
                Event::PodStatus { status, .. } => Some(format!("{} {status}", r.at)),
                _ => None,
            })
            .collect()
    };
    let seen: Vec<String> = statuses(&sim).into_iter().take(7).collect();
    // Started at 2 s; the container at 4 s. Exits at 32 s (a first exit:
    // started again at once) and at 1m2s, held 10 s by its back-off then.
    assert_eq!(
        seen,
        [
            "0s Init:0/1",
            "2s PodInitializing",
            "4s Running",
            "32s Init:Error",
            "32s Running",
            "1m2s Init:Error",
            "1m2s Init:CrashLoopBackOff"
        ]
    );
    let readiness = Log(&sim).readiness("app-0");
    let changes: Vec<(SimTime, bool)> = readiness.into_iter().take(5).collect();
    assert_eq!(&changes[..4], [(t("4s"), true), (t("32s"), false), (t("32s"), true), (t("1m2s"), false)]);
    let (back, ready) = changes[4];
    assert!(
        ready && back >= t("1m12s") && back < t("1m14s"),
        "the back-off's 10 s, then the worker's sync: {back}"
    );
    // The container itself started once and never stopped.
    assert_eq!(sim.world.pod(sim.world.pod_named("app-0").unwrap()).status.restarts, 0);
    // kubectl: the running container counts in READY; RESTARTS counts the sidecar's.
    let row = report.pods.iter().find(|p| p.name == "app-0").unwrap();
    assert_eq!((&*row.state.ready, &*row.state.status), ("1/2", "Init:CrashLoopBackOff"));
    assert_eq!(row.state.restarts, 3);
    let clbo = report
        .timeline
        .iter()
        .filter(|r| &*r.name == "app-0")
        .filter_map(|r| r.pod.as_ref())
        .find(|p| p.status == "Init:CrashLoopBackOff")
        .expect("a row in Init:CrashLoopBackOff");
    assert_eq!(&*clbo.ready, "1/2");
    // Served as the kubelet writes it: the sidecar waits, neither started
    // nor ready; the pod is Initialized but its containers are not Ready.
    let field = served_pod(&sim, "app-0");
    assert_eq!(
        field("status.initContainerStatuses.0.state.waiting.reason").as_deref(),
        Some("\"CrashLoopBackOff\"")
    );
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("false"));
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("false"));
    assert_eq!(field("status.initContainerStatuses.0.restartCount").as_deref(), Some("3"));
    assert_eq!(field("status.containerStatuses.0.state.running").as_deref(), Some("{}"));
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"True\""));
    assert_eq!(field("condition:ContainersReady.status").as_deref(), Some("\"False\""));
    // The kubelet's events (before its spam filter): the container is
    // created and started once; the sidecar after each exit, and backed
    // off by name.
    let said: Vec<(u64, String)> = (stsim_render::events::collect(&sim).into_iter())
        .filter(|e| matches!(e.reason, "Started" | "BackOff"))
        .map(|e| (e.at_ms, e.message.to_string()))
        .collect();
    let main: Vec<u64> =
        said.iter().filter(|(_, m)| m == "Started container main").map(|(at, _)| *at).collect();
    assert_eq!(main, [4_000], "{said:?}");
    let sidecar = said.iter().filter(|(_, m)| m == "Started container proxy").count();
    assert_eq!(sidecar, 4, "the first start and three restarts: {said:?}");
    assert!(
        said.iter().any(|(_, m)| m.starts_with("Back-off restarting failed container proxy")),
        "{said:?}"
    );
    // The trace and the story name the sidecar and what became of it.
    let trace = sim.trace.render(&sim.world);
    assert!(trace.contains("\tsidecar\tinit=0 name=proxy state=Error\n"), "{trace}");
    assert!(trace.contains("\tsidecar\tinit=0 name=proxy state=CrashLoopBackOff\n"), "{trace}");
    let story: Vec<(u64, String)> =
        stsim_core::story::tell(&sim).into_iter().map(|line| (line.at_ms, line.text)).collect();
    assert!(
        story.contains(&(32_000, "app-0's sidecar proxy runs again and is ready.".to_string())),
        "{story:?}"
    );
    assert!(
        story
            .iter()
            .any(|(at, text)| *at == 62_000
                && text.starts_with("app-0's sidecar proxy is in CrashLoopBackOff")),
        "{story:?}"
    );
    // Between two exits it runs: served running, started and ready.
    let (sim, _) = run(&source(r#", restartPolicy: "Always""#, "40s"));
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("true"));
    assert_eq!(field("condition:Ready.status").as_deref(), Some("\"True\""));
    // The same image as a regular init container: the container never starts.
    let (sim, _) = run(&source("", "3m"));
    let seen = statuses(&sim);
    assert!(seen.iter().all(|s| !s.ends_with(" Running")), "{seen:?}");
    assert!(seen.iter().any(|s| s.ends_with(" Init:CrashLoopBackOff")), "{seen:?}");
}

/// Two pods of `app` (`minReadySeconds` `min_ready`) behind the sidecar
/// `proxy` (its image `proxy:1` of `behaviour`, up after `startup`, with
/// `probe` among its fields), the image set to `app:2` at 1 m.
fn sidecar_rollout_scenario(behaviour: &str, startup: &str, min_ready: u32, probe: &str) -> String {
    format!(
        r#"Scenario(
        name: "sidecar-rollout",
        seed: 1,
        duration: "15m",
        kubernetesVersion: "1.34",
        cluster: (nodePools: [(name: "worker", count: 2, preloadedImages: ["proxy:1", "app:1", "app:2"])]),
        images: [(name: "proxy:1", startup: "{startup}", behaviour: {behaviour}), (name: "app:1", startup: "2s"), (name: "app:2", startup: "2s")],
        statefulsets: [(
            name: "app",
            replicas: 2,
            minReadySeconds: {min_ready},
            template: (labels: {{"app": "app"}}, image: "app:1",
                initContainers: [(name: "proxy", image: "proxy:1", restartPolicy: "Always"{probe})]),
        )],
        timeline: [(at: "1m", do: SetImage(statefulset: "app", image: "app:2"))],
    )"#
    )
}

/// A rollout held by a pod whose sidecar crashes names the sidecar as the
/// cause. The sidecar runs 20 s between exits, so the pod is Ready in
/// windows, but never for `minReadySeconds`: under OrderedReady the
/// controller waits at app-0 (`processReplica` blocks on a pod not
/// available), a template change cannot replace it, and the
/// `rollout-stuck` finding says what the pod is doing. Without the
/// sidecar's words the finding would describe a pod whose containers run.
#[test]
fn a_rollout_held_by_a_crashing_sidecar_names_the_sidecar() {
    let (sim, report) = run(&sidecar_rollout_scenario("CrashLoop", "20s", 60, ""));
    // app-1 was never made: the controller waits at app-0 throughout.
    assert!(sim.world.pod_named("app-1").is_none(), "app-1 made: {:?}", report.findings);
    let stuck = report.findings.iter().find(|f| f.id == "rollout-stuck").expect("a rollout-stuck finding");
    assert_eq!(stuck.subject, "statefulset/app");
    assert!(stuck.summary.contains("stuck on app-0"), "{}", stuck.summary);
    assert!(
        stuck.explanation.starts_with(
            "app-0's sidecar proxy (image proxy:1) crashes after each start (Init:CrashLoopBackOff, "
        ),
        "{}",
        stuck.explanation
    );
    assert!(
        stuck
            .explanation
            .contains("a pod is Ready only when each of its containers is, its sidecars included"),
        "{}",
        stuck.explanation
    );
    // The pod is outdated: the finding tells the forced rollback.
    assert!(
        stuck.explanation.contains("The template has changed since app-0 was created"),
        "{}",
        stuck.explanation
    );
    assert!(stuck.fix.starts_with("Delete app-0"), "{}", stuck.fix);
}

/// At a pod's end the kubelet stops its sidecars after its regular
/// containers: each sidecar waits for them to exit (and for the sidecars
/// after it, the last first), within the grace period, then gets SIGTERM
/// with the whole seconds of grace left, at least 2 s
/// (`newTerminationOrdering`, `waitForTurn`, `killContainer`). The pod
/// object goes when the last has exited.
#[test]
fn sidecars_stop_after_the_regular_containers_within_the_grace_period() {
    // The app exits 3 s after SIGTERM; the sidecars `outer` (first in the
    // spec) and `inner` after it; 10 s of grace; deleted at 1m.
    let run_one = |app: &str, inner: &str, outer: &str| {
        let source = format!(
            r#"Scenario(
        name: "sidecar-stop",
        seed: 1,
        duration: "3m",
        kubernetesVersion: "1.33",
        cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["outer:1", "inner:1", "app:1"])]),
        images: [(name: "outer:1", shutdown: "{outer}"), (name: "inner:1", shutdown: "{inner}"), (name: "app:1", startup: "2s", shutdown: "{app}")],
        statefulsets: [(
            name: "app",
            replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1", terminationGracePeriodSeconds: 10,
                initContainers: [
                    (name: "outer", image: "outer:1", restartPolicy: "Always"),
                    (name: "inner", image: "inner:1", restartPolicy: "Always"),
                ]),
        )],
        timeline: [(at: "1m", do: DeletePod(pod: "app-0"))],
    )"#
        );
        run(&source).0
    };
    let removed = |sim: &Simulation| Log(sim).removals("app-0")[0].since(t("1m"));
    let gone = |app: &str, inner: &str, outer: &str| removed(&run_one(app, inner, outer));
    let secs = |s: u64| stsim_core::time::SimDuration::from_secs(s);
    // 3 s, then inner's 2 s, then outer's 1 s.
    assert_eq!(gone("3s", "2s", "1s"), secs(6));
    // inner waits 3 s and has 7 s left: killed at 10 s; outer's turn comes
    // with the grace period's end, and gets the 2 s minimum.
    assert_eq!(gone("3s", "20s", "1s"), secs(11));
    assert_eq!(gone("3s", "20s", "20s"), secs(12));
    // The app is killed at 10 s, the grace period's end: both sidecars'
    // turns come then, together (outer waits no more for inner), each with
    // the 2 s minimum, and each exits in its 1 s.
    assert_eq!(gone("15s", "1s", "1s"), secs(11));
    assert_eq!(gone("15s", "1s", "5s"), secs(12));
    // Sidecars that exit at once add nothing.
    assert_eq!(gone("3s", "0s", "0s"), secs(3));
    // The kubelet says it stops each container at the deletion, the
    // sidecars too (`killContainer` records `Killing` before it waits).
    let sim = run_one("3s", "2s", "1s");
    let killing: Vec<(u64, String)> = (stsim_render::events::collect(&sim).into_iter())
        .filter(|e| e.reason == "Killing")
        .map(|e| (e.at_ms, e.message.to_string()))
        .collect();
    let said = |name: &str| (60_000, format!("Stopping container {name}"));
    assert_eq!(killing, [said("main"), said("outer"), said("inner")]);
}

/// A sidecar's preStop hook runs from the kill's start, before it waits
/// for its turn, and its time is taken off the grace period
/// (`killContainer`: the hook, then `waitForTurn`, then SIGTERM with what
/// is left, at least 2 s).
#[test]
fn a_sidecars_pre_stop_hook_runs_before_its_turn() {
    // The app exits 3 s after SIGTERM; inner exits in 2 s (its image's
    // code on SIGTERM is 143), outer in 1 s; 10 s of grace; deleted at 1m.
    let run_one = |inner_hook: u32, outer_hook: u32, inner: &str| {
        let hook = |s: u32| match s {
            0 => String::new(),
            s => format!("lifecycle: (preStop: (sleep: (seconds: {s}))),"),
        };
        let source = format!(
            r#"Scenario(
        name: "sidecar-hooks",
        seed: 1,
        duration: "3m",
        kubernetesVersion: "1.33",
        cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["outer:1", "inner:1", "app:1"])]),
        images: [(name: "outer:1", shutdown: "1s"), (name: "inner:1", shutdown: "{inner}", exitCodeOnSigterm: 143),
                 (name: "app:1", startup: "2s", shutdown: "3s")],
        statefulsets: [(
            name: "app",
            replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1", terminationGracePeriodSeconds: 10,
                initContainers: [
                    (name: "outer", image: "outer:1", restartPolicy: "Always", {}),
                    (name: "inner", image: "inner:1", restartPolicy: "Always", {}),
                ]),
        )],
        timeline: [(at: "1m", do: DeletePod(pod: "app-0"))],
    )"#,
            hook(outer_hook),
            hook(inner_hook)
        );
        run(&source).0
    };
    let gone = |sim: &Simulation| Log(sim).removals("app-0")[0].since(t("1m"));
    let secs = |s: u64| stsim_core::time::SimDuration::from_secs(s);
    // No hooks: 3 s, then inner's 2 s, then outer's 1 s.
    assert_eq!(gone(&run_one(0, 0, "2s")), secs(6));
    // inner's 5 s hook outlasts the app: its turn comes at 5 s with 5 s
    // left, it exits at 7 s; outer, having waited 7 s, exits at 8 s.
    assert_eq!(gone(&run_one(5, 0, "2s")), secs(8));
    // outer's 8 s hook: inner exits at 5 s, outer's turn at 8 s, with the
    // 2 s left, and it exits at 9 s.
    assert_eq!(gone(&run_one(0, 8, "2s")), secs(9));
    // inner's 9 s hook leaves it 1 s, raised to 2 s, which its 5 s
    // shutdown outlasts: killed at 11 s with 137. outer's turn comes with
    // the grace period's end, with its 2 s, and it exits in 1 s.
    let sim = run_one(9, 0, "5s");
    assert_eq!(gone(&sim), secs(11));
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    let exits: Vec<_> = pod.status.inits.iter().map(|i| i.exits.latest().map(|e| e.exit_code)).collect();
    assert_eq!(exits, [Some(0), Some(137)]);
    // Within its time, inner exits with its image's code.
    let sim = run_one(5, 0, "2s");
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!(pod.status.inits[1].exits.latest().map(|e| e.exit_code), Some(143));
}

/// A container still running when its pod's grace period ends is killed,
/// and a finding names it: a sidecar given what the application left, or
/// the application itself; none when every container stops in time, or
/// when the image's own exit on SIGTERM is 137.
#[test]
fn a_container_killed_at_the_grace_periods_end_is_a_finding() {
    let killed = |sim: &Simulation| -> Vec<(String, String)> {
        let findings = stsim_core::findings::all(&sim.world, &sim.trace, sim.now());
        (findings.into_iter().filter(|f| f.id == "killed-at-grace-end"))
            .map(|f| (f.subject, f.summary))
            .collect()
    };
    let (sim, _) = crate::support::run_file("sidecar-killed-at-grace-end");
    let found = killed(&sim);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "pod/db-0", "big-0's 60 s are enough");
    assert!(found[0].1.contains("killed shipper at the end"), "{}", found[0].1);
    // The application's own shutdown outlasting the grace period.
    let slow = |code: &str| {
        with_containers(1, "", "", r#"(at: "1m", do: DeletePod(pod: "db-0"))"#)
            .replace(r#"shutdown: "1s")"#, &format!(r#"shutdown: "45s", exitCodeOnSigterm: {code})"#))
            .replace(r#"duration: "20m""#, r#"duration: "3m""#)
    };
    let (sim, _) = run(&slow("0"));
    let found = killed(&sim);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("killed main at the end"), "{}", found[0].1);
    let (sim, _) = run(&slow("137"));
    assert_eq!(killed(&sim), [], "the image's own 137 is not told from a kill");
    let (sim, _) = run(&with_containers(1, "", "", r#"(at: "1m", do: DeletePod(pod: "db-0"))"#));
    assert_eq!(killed(&sim), []);
}

/// The pod worker's sync that pulls an image holds the pod until the pull
/// is over (`startContainer` waits for `EnsureImageExists`): a sidecar
/// that exits meanwhile is seen, and started again, only then.
#[test]
fn a_sidecar_exit_during_a_pull_is_seen_after_it() {
    let source = r#"Scenario(
        name: "sidecar-early-crash",
        seed: 1,
        duration: "3m",
        kubernetesVersion: "1.33",
        cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["proxy:1"])]),
        images: [(name: "proxy:1", startup: "5s", behaviour: CrashLoop), (name: "app:1", pull: "60s", startup: "2s")],
        statefulsets: [(
            name: "app",
            replicas: 1,
            template: (labels: {"app": "app"}, image: "app:1",
                initContainers: [(name: "proxy", image: "proxy:1", restartPolicy: "Always")]),
        )],
    )"#;
    let (sim, _) = run(source);
    let exits: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::SidecarStatus { failure: Some(_), .. }))
        .map(|r| r.at)
        .collect();
    // Started at 2 s, it exits at 7 s, during the app's pull (2 s to 62 s):
    // seen at 62 s, a first exit, started again at once; then at 67 s.
    assert_eq!(exits[0], t("62s"), "{exits:?}");
    assert_eq!(exits[1], t("67s"), "{exits:?}");
    // Down while a regular init container after it runs (no pull holds
    // the pod's worker then), before the app ever started: the pod is not
    // Initialized, and the sidecar is listed incomplete beside the one running.
    let early = source
        .replace(r#"preloadedImages: ["proxy:1"]"#, r#"preloadedImages: ["proxy:1", "seed:1"]"#)
        .replace(r#"(name: "app:1","#, r#"(name: "seed:1", startup: "10m"), (name: "app:1","#)
        .replace(
            r#"restartPolicy: "Always")]"#,
            r#"restartPolicy: "Always"), (name: "seed", image: "seed:1")]"#,
        )
        .replace(r#""3m""#, r#""40s""#);
    let (sim, _) = run(&early);
    let seen: Vec<String> = (sim.trace.records.iter())
        .filter_map(|r| match r.event {
            Event::PodStatus { status, .. } => Some(format!("{} {status}", r.at)),
            _ => None,
        })
        .collect();
    assert!(seen.contains(&"7s Init:Error".to_string()), "{seen:?}");
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("false"));
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"False\""));
    assert_eq!(
        field("condition:Initialized.message").as_deref(),
        Some("\"containers with incomplete status: [proxy seed]\"")
    );
}

/// A deleted pod's phase is the end of all its regular containers (from
/// 1.27, `getPhase`: Succeeded only when every one exited 0), but kubectl's
/// STATUS is the first container's own reason (`printPod`), and each
/// container's terminated state its own exit: a database that exits 0 on
/// SIGTERM beside an exporter that exits 2 leaves the pod Failed, shown
/// `Completed`.
#[test]
fn a_deleted_pods_phase_is_all_its_containers_end_and_its_status_the_firsts() {
    use ContainerState::Terminated;
    let cases = [
        // (the database's exit code, the exporter's, the phase, the STATUS)
        (0, 2, PodPhase::Failed, "Completed"),
        (0, 0, PodPhase::Succeeded, "Completed"),
        (143, 0, PodPhase::Failed, "Error"),
    ];
    for (db, exporter, phase, shown) in cases {
        let images =
            format!(r#", (name: "exporter:1", pull: "2s", startup: "1s", exitCodeOnSigterm: {exporter})"#);
        let source = scenario(1, "exporter:1", &images, r#"(at: "1m", do: DeletePod(pod: "db-0"))"#)
            .replace(r#"shutdown: "1s")"#, &format!(r#"shutdown: "1s", exitCodeOnSigterm: {db})"#));
        assert!(source.contains(&format!("exitCodeOnSigterm: {db})")));
        let (sim, report) = run(&source);
        let gone = sim.world.pods.iter().find(|p| p.name == "db-0").expect("the first db-0");
        let removed = gone.removed_at.expect("removed");
        assert_eq!(removed, t("1m1s"), "both exit 1 s after SIGTERM");
        assert_eq!(gone.history.phase_at(removed), phase, "{db} {exporter}");
        assert_eq!(gone.status.container, Terminated { exit_code: db });
        assert_eq!(gone.status.extras[0].state, Terminated { exit_code: exporter });
        let row = (report.timeline.iter())
            .find(|r| &*r.name == "db-0" && r.what.starts_with("removed"))
            .expect("the removal's row");
        assert_eq!(&*row.pod.as_ref().unwrap().status, shown, "{db} {exporter}");
    }
}

/// One node with the images preloaded; `app` runs `app:1` behind the
/// sidecar `proxy` (`proxy:1` answers its probes 7 s after it starts and
/// takes `shutdown` to exit on SIGTERM, with code 143) and the init
/// container `setup`; the proxy's `startupProbe` is `probe` (none if
/// empty). The pod's grace period is 30 s.
fn startup_probe_scenario(probe: &str, shutdown: &str, duration: &str) -> String {
    let probe = if probe.is_empty() { String::new() } else { format!(", startupProbe: ({probe})") };
    format!(
        r#"Scenario(
    name: "sidecar-startup-probe",
    seed: 1,
    duration: "{duration}",
    kubernetesVersion: "1.33",
    cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["proxy:1", "setup:1", "app:1"])]),
    images: [(name: "proxy:1", startup: "7s", shutdown: "{shutdown}", exitCodeOnSigterm: 143),
             (name: "setup:1", startup: "1s"), (name: "app:1", startup: "2s")],
    statefulsets: [(
        name: "app",
        replicas: 1,
        template: (labels: {{"app": "app"}}, image: "app:1",
            initContainers: [
                (name: "proxy", image: "proxy:1", restartPolicy: "Always"{probe}),
                (name: "setup", image: "setup:1"),
            ]),
    )],
)"#
    )
}

/// When the pod's STATUS first showed `status`, in ms.
fn first_shown(report: &Report, status: &str) -> Option<u64> {
    (report.timeline.iter())
        .find(|row| row.name.as_str() == "app-0" && row.pod.as_ref().is_some_and(|p| p.status == status))
        .map(|row| row.at_ms)
}

/// A sidecar with a startup probe is started only once the probe passes,
/// and only then does the kubelet start the next init container
/// (`computeInitContainerActions`: a restartable init container whose
/// startup result is not Success holds the walk): its first tick at or
/// after the application is up. Until then it runs, neither started nor
/// ready, and the pod shows `Init:0/2`.
#[test]
fn a_sidecars_startup_probe_holds_the_next_init_container_until_it_passes() {
    let (_, report) = run(&startup_probe_scenario("", "1s", "1m"));
    // Without a probe the walk goes on once the proxy runs.
    let started = first_shown(&report, "Init:1/2").expect("setup's turn");
    let after = |probe: &str| {
        let (_, report) = run(&startup_probe_scenario(probe, "1s", "1m"));
        first_shown(&report, "Init:1/2").expect("setup's turn") - started
    };
    // Ticks at 0, 5 and 10 s: up at 7 s, it passes at 10 s.
    assert_eq!(after("periodSeconds: 5"), 10_000);
    // Ticks at 3 and 8 s.
    assert_eq!(after("initialDelaySeconds: 3, periodSeconds: 5"), 8_000);
    // Every second: at 7 s.
    assert_eq!(after("periodSeconds: 1, failureThreshold: 30"), 7_000);
    // The pod becomes Ready later by as much.
    let (_, report) = run(&startup_probe_scenario("periodSeconds: 5", "1s", "1m"));
    assert!(first_shown(&report, "Running").is_some());
    // While the probe has not passed, the proxy runs, neither started nor ready.
    let (sim, report) =
        run(&startup_probe_scenario("periodSeconds: 5", "1s", &format!("{}ms", started + 6_000)));
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.state.running").as_deref(), Some("{}"));
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("false"));
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("false"));
    assert_eq!(
        field("status.initContainerStatuses.1.state.waiting.reason").as_deref(),
        Some("\"PodInitializing\"")
    );
    assert_eq!(field("spec.initContainers.0.startupProbe.periodSeconds").as_deref(), Some("5"));
    assert_eq!(field("condition:Initialized.status").as_deref(), Some("\"False\""));
    let last = report.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!((last.state.ready.as_ref(), last.state.status.as_ref()), ("0/2", "Init:0/2"));
    // Deleted then, the running proxy is stopped as any running sidecar:
    // SIGTERM, and it exits 1 s later with its code.
    let deleted = started + 6_000;
    let source = startup_probe_scenario("periodSeconds: 5", "1s", "1m").replace(
        "    )],\n)",
        &format!("    )],\n    timeline: [(at: \"{deleted}ms\", do: DeletePod(pod: \"app-0\"))],\n)"),
    );
    let (sim, _) = run(&source);
    let first = sim.world.pods.iter().find(|p| p.name == "app-0").expect("the first app-0");
    assert_eq!(first.status.inits[0].exits.latest().map(|exit| exit.exit_code), Some(143));
    let removed = Log(&sim).removals("app-0")[0];
    assert_eq!(removed.as_millis(), deleted + 1_000);
}

/// A sidecar whose application is not up by its startup probe's last
/// failing tick is killed there ("Init container proxy failed startup
/// probe": SIGTERM within the probe's grace period, or the pod's) and
/// started again with the restart back-off; the next init container never
/// starts. Its exit is its image's code on SIGTERM if it stops in time,
/// else 137.
#[test]
fn a_sidecar_failing_its_startup_probe_is_killed_and_the_pod_never_initializes() {
    // Ticks at 0 and 5 s: not up by 5 s.
    let (sim, report) = run(&startup_probe_scenario("periodSeconds: 5, failureThreshold: 2", "1s", "5m"));
    assert_eq!(first_shown(&report, "Init:1/2"), None, "setup never starts");
    let kills: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::ContainerKilling { init: Some(0), .. }))
        .map(|r| r.at)
        .collect();
    assert!(kills.len() >= 4, "killed and restarted again and again: {kills:?}");
    // Each run is killed 5 s after its start and exits 1 s later. A
    // probe's kill is started again in the same sync, its back-off judged
    // by the run before, as the first container's is: the first two at
    // once, then the 10 s window outlasts the 6 s between exits, and the
    // third is held (`CrashLoopBackOff`).
    assert_eq!(kills[1].since(kills[0]).as_millis(), 6_000);
    assert_eq!(kills[2].since(kills[1]).as_millis(), 6_000);
    assert!(kills[3].since(kills[2]).as_millis() > 16_000, "{kills:?}");
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.lastState.terminated.exitCode").as_deref(), Some("143"));
    let restarts: u64 =
        field("status.initContainerStatuses.0.restartCount").expect("counted").parse().unwrap();
    assert!(restarts >= 3, "{restarts}");
    // The probe's own grace period (1 s, raised to the kubelet's 2 s
    // minimum) is shorter than the proxy's 5 s shutdown: SIGKILL at 2 s.
    let (sim, _) = run(&startup_probe_scenario(
        "periodSeconds: 5, failureThreshold: 2, terminationGracePeriodSeconds: 1",
        "5s",
        "5m",
    ));
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.lastState.terminated.exitCode").as_deref(), Some("137"));
    let kills: Vec<SimTime> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::ContainerKilling { init: Some(0), .. }))
        .map(|r| r.at)
        .collect();
    assert_eq!(kills[1].since(kills[0]).as_millis(), 7_000, "5 s of probe, 2 s of kill");
    // A finding names the kills and the budget; the threshold that would do
    // is 3 with a 5 s period (ticks at 0, 5 and 10 s, up at 7 s).
    let findings = stsim_core::findings::all(&sim.world, &sim.trace, sim.now());
    let found: Vec<_> = findings.iter().filter(|f| f.id == "startup-probe-failed").collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].summary.contains("killed sidecar proxy"), "{}", found[0].summary);
    assert!(found[0].explanation.contains("never initializes"), "{}", found[0].explanation);
    assert!(found[0].fix.contains("failureThreshold 3 or more with periodSeconds 5"), "{}", found[0].fix);
    // None when the probe gives it time.
    let (passing, _) = run(&startup_probe_scenario("periodSeconds: 5", "1s", "5m"));
    let findings = stsim_core::findings::all(&passing.world, &passing.trace, passing.now());
    assert!(findings.iter().all(|f| f.id != "startup-probe-failed"), "{findings:?}");
    // The events name the init container, in the kubelet's words.
    let events = stsim_render::events::recorded(&sim);
    let killing = format!("{events:?}");
    assert!(killing.contains("Init container proxy failed startup probe"), "{killing}");
}

/// `startup_probe_scenario` with the sidecar `log` (`setup:1`, up at once)
/// before the proxy, and the timeline `timeline`.
fn logged_probe_scenario(probe: &str, duration: &str, timeline: &str) -> String {
    startup_probe_scenario(probe, "1s", duration)
        .replace(
            r#"(name: "proxy","#,
            r#"(name: "log", image: "setup:1", restartPolicy: "Always"),
                (name: "proxy","#,
        )
        .replace("    )],\n)", &format!("    )],\n    timeline: [{timeline}],\n)"))
}

/// A sidecar held by its startup probe is not counted among those up, and
/// its exits take nothing from the started sidecars before it: READY
/// counts `log` while the proxy is down. When the machine dies, the held
/// proxy's run is lost with it as a started sidecar's is (255, `Unknown`,
/// as the runtime reports it on the reboot), and the new sandbox holds
/// the walk at it again.
#[test]
fn a_sidecar_held_by_its_startup_probe_counts_and_is_lost_as_a_running_one() {
    let (_, report) = run(&logged_probe_scenario("periodSeconds: 5, failureThreshold: 2", "2m", ""));
    let held: Vec<&str> = (report.timeline.iter())
        .filter(|row| row.name.as_str() == "app-0")
        .filter_map(|row| row.pod.as_ref())
        .filter(|pod| pod.status == "Init:CrashLoopBackOff")
        .map(|pod| pod.ready.as_ref())
        .collect();
    assert!(!held.is_empty());
    assert!(held.iter().all(|ready| *ready == "1/3"), "{held:?}");
    // The proxy passes 10 s after its start; the machine dies before.
    let timeline =
        r#"(at: "6s", do: CrashNode(nodeOf: "app-0")), (at: "30s", do: RecoverNode(nodeOf: "app-0"))"#;
    let (sim, report) = run(&logged_probe_scenario("periodSeconds: 5", "40s", timeline));
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    let lost = |index: usize| pod.status.inits[index].exits.latest();
    assert_eq!(lost(0), Some(stsim_core::objects::LastExit::LOST), "log ran");
    assert_eq!(lost(1), Some(stsim_core::objects::LastExit::LOST), "the held proxy ran");
    let last = report.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!(last.state.status.as_ref(), "Init:1/3", "held at the proxy again");
}

/// `startup_probe_scenario` with the proxy's `readinessProbe` `readiness`
/// (and its startup probe `startup`, none if empty), the timeline
/// `timeline`.
fn readiness_probe_scenario(readiness: &str, startup: &str, duration: &str, timeline: &str) -> String {
    startup_probe_scenario(startup, "1s", duration)
        .replace(
            r#"restartPolicy: "Always""#,
            &format!(r#"restartPolicy: "Always", readinessProbe: ({readiness})"#),
        )
        .replace("    )],\n)", &format!("    )],\n    timeline: [{timeline}],\n)"))
}

/// When app-0's Ready condition went `ready`, each time, in ms.
fn ready_changes(sim: &Simulation, ready: bool) -> Vec<u64> {
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0").id;
    (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::PodReady { pod: p, ready: r } if p == pod && r == ready))
        .map(|r| r.at.as_millis())
        .collect()
}

/// A sidecar with a readiness probe is not ready after it starts, and so
/// neither is the pod (`GenerateContainersReadyCondition` counts the
/// sidecars), until the probe passes: the `successThreshold`-th tick from
/// the first at or after its application is up, and not before its
/// startup probe has passed. It holds nothing else: the next init
/// container and the application start as they would without it.
#[test]
fn a_sidecars_readiness_probe_holds_the_pods_readiness_until_it_passes() {
    let (sim, report) = run(&startup_probe_scenario("", "1s", "1m"));
    // The proxy starts, and the walk goes on, at `started`; it is up 7 s later.
    let started = first_shown(&report, "Init:1/2").expect("setup's turn");
    let ready_without = ready_changes(&sim, true);
    assert!(ready_without[0] < started + 7_000, "ready before the proxy is up: {ready_without:?}");
    let ready_at = |readiness: &str, startup: &str| {
        let (sim, report) = run(&readiness_probe_scenario(readiness, startup, "1m", ""));
        // It holds neither setup nor the application.
        if startup.is_empty() {
            assert_eq!(first_shown(&report, "Init:1/2"), Some(started), "{readiness}");
            assert_eq!(
                first_shown(&report, "Running"),
                first_shown(&run(&startup_probe_scenario("", "1s", "1m")).1, "Running")
            );
        }
        ready_changes(&sim, true)[0] - started
    };
    // Ticks at 0, 5 and 10 s: up at 7 s, ready at 10 s.
    assert_eq!(ready_at("periodSeconds: 5", ""), 10_000);
    // Ticks at 3 and 8 s.
    assert_eq!(ready_at("initialDelaySeconds: 3, periodSeconds: 5", ""), 8_000);
    // Two passing ticks in a row: 10 and 15 s.
    assert_eq!(ready_at("periodSeconds: 5, successThreshold: 2", ""), 15_000);
    // Every second: 7 s.
    assert_eq!(ready_at("periodSeconds: 1", ""), 7_000);
    // Not before the startup probe has passed (ticks at 0, 4 and 8 s):
    // readiness would pass at 7 s, waits for 8 s. The walk was held until
    // then, setup ran for a second and the application starts 2 s later.
    let (sim, _) = run(&readiness_probe_scenario(
        "periodSeconds: 1",
        "periodSeconds: 4, failureThreshold: 10",
        "1m",
        "",
    ));
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0").id;
    let sidecar_ready: Vec<u64> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::SidecarStatus { pod: p, failure: None, unready: false, .. } if p == pod))
        .map(|r| r.at.as_millis())
        .collect();
    assert_eq!(sidecar_ready, vec![started + 8_000]);
    // While the probe has not passed, the proxy is started but not ready,
    // the application runs and is ready, and the pod is not Ready: 1/2.
    let (sim, report) =
        run(&readiness_probe_scenario("periodSeconds: 5", "", &format!("{}ms", started + 9_000), ""));
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.started").as_deref(), Some("true"));
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("false"));
    assert_eq!(field("status.containerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("condition:Ready.status").as_deref(), Some("\"False\""));
    assert_eq!(field("condition:ContainersReady.status").as_deref(), Some("\"False\""));
    assert_eq!(field("spec.initContainers.0.readinessProbe.periodSeconds").as_deref(), Some("5"));
    let last = report.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!((last.state.ready.as_ref(), last.state.status.as_ref()), ("1/2", "Running"));
    // The timeline showed the application's readiness on its own row.
    assert!(
        report.timeline.iter().any(|row| row.name.as_str() == "app-0"
            && row.what.as_str() == "first container: Running, ready"
            && row.pod.as_ref().is_some_and(|p| p.ready == "1/2")),
        "{:#?}",
        report.timeline
    );
    // Then ready: 2/2, served ready.
    let (sim, report) =
        run(&readiness_probe_scenario("periodSeconds: 5", "", &format!("{}ms", started + 11_000), ""));
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("condition:Ready.status").as_deref(), Some("\"True\""));
    let last = report.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!(last.state.ready.as_ref(), "2/2");
    // The probe is part of the template: a new revision.
    let (without, _) = run(&startup_probe_scenario("", "1s", "1m"));
    assert_ne!(sim.world.pods[0].revision(), without.world.pods[0].revision());
}

/// A sidecar whose image never answers its readiness probe keeps the pod
/// from Ready for good, and with it an `OrderedReady` set's next pod; a
/// new sandbox (its machine rebooted) makes it unready until its probe
/// passes again in the new run.
#[test]
fn a_sidecar_never_ready_holds_the_pod_and_a_new_sandbox_probes_again() {
    let never = readiness_probe_scenario("periodSeconds: 5", "", "5m", "").replace(
        r#"(name: "proxy:1", startup: "7s""#,
        r#"(name: "proxy:1", behaviour: NeverReady, startup: "7s""#,
    );
    let (sim, report) = run(&never);
    assert!(ready_changes(&sim, true).is_empty(), "never Ready");
    let last = report.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!((last.state.ready.as_ref(), last.state.status.as_ref()), ("1/2", "Running"));
    let replicas = never.replace("replicas: 1,", "replicas: 2,");
    let (sim, _) = run(&replicas);
    assert!(sim.world.pods.iter().all(|p| p.name != "app-1"), "OrderedReady waits for app-0");
    // Rebooted at 2 m: not ready again until the new run's probe passes.
    let timeline =
        r#"(at: "2m", do: CrashNode(node: "worker-1")), (at: "2m20s", do: RecoverNode(node: "worker-1"))"#;
    let (sim, report) = run(&readiness_probe_scenario("periodSeconds: 5", "", "5m", timeline));
    let ready = ready_changes(&sim, true);
    assert_eq!(ready.len(), 2, "{ready:?}");
    // The new run's proxy starts when the walk passes it, and is ready 10 s later.
    let restarted = (report.timeline.iter())
        .filter(|row| row.name.as_str() == "app-0" && row.at_ms > 140_000)
        .find(|row| row.pod.as_ref().is_some_and(|p| p.status == "Init:1/2"))
        .map(|row| row.at_ms)
        .expect("the walk passes the proxy again");
    assert_eq!(ready[1], restarted + 10_000);
    assert!(
        report.timeline.iter().any(|row| row.name.as_str() == "app-0"
            && row.at_ms == restarted + 10_000
            && row.what.as_str() == "sidecar proxy: Running, ready"),
        "{:#?}",
        report.timeline
    );
}

/// A rollout held at a pod whose sidecar never passes its readiness probe
/// names the sidecar, not the application, which is up and ready.
#[test]
fn a_rollout_held_by_an_unready_sidecar_names_the_sidecar() {
    let (sim, report) =
        run(&sidecar_rollout_scenario("NeverReady", "2s", 0, ", readinessProbe: (periodSeconds: 5)"));
    assert!(sim.world.pod_named("app-1").is_none(), "app-1 made: {:?}", report.findings);
    let stuck = report.findings.iter().find(|f| f.id == "rollout-stuck").expect("a rollout-stuck finding");
    assert!(
        stuck.explanation.starts_with(
            "app-0's sidecar proxy (image proxy:1) runs but has not passed its readiness probe (its image never answers it): "
        ),
        "{}",
        stuck.explanation
    );
    assert!(stuck.explanation.contains("its sidecars included"), "{}", stuck.explanation);
}

/// A script turns a sidecar's readiness probe (`SetReady` with
/// `container`): failing from 2 m, the sidecar is unready at the
/// `failureThreshold`-th tick, and the pod with it; passing again from
/// 3 m, ready at the next tick. A container that is not a sidecar with a
/// readiness probe is refused where it is named.
#[test]
fn a_scripted_readiness_failure_of_a_sidecar_takes_the_pod_out_of_ready() {
    let (_, report) = run(&startup_probe_scenario("", "1s", "1m"));
    let started = first_shown(&report, "Init:1/2").expect("setup's turn");
    let timeline = r#"(at: "2m", do: SetReady(pod: "app-0", ready: false, container: "proxy")),
                      (at: "3m", do: SetReady(pod: "app-0", ready: true, container: "proxy"))"#;
    let (sim, report) =
        run(&readiness_probe_scenario("periodSeconds: 5, failureThreshold: 3", "", "5m", timeline));
    // The proxy's ticks fall at `started` + 5 s x k.
    let tick_from = |at: u64| started + (at - started).div_ceil(5_000) * 5_000;
    assert_eq!(ready_changes(&sim, true), vec![started + 10_000, tick_from(180_000)]);
    assert_eq!(ready_changes(&sim, false), vec![tick_from(120_000) + 10_000]);
    assert!(
        report.timeline.iter().any(|row| row.name.as_str() == "app-0"
            && row.at_ms == tick_from(120_000) + 10_000
            && row.what.as_str() == "sidecar proxy: Running, not ready (its readiness probe fails)"
            && row.pod.as_ref().is_some_and(|p| p.ready == "1/2")),
        "{:#?}",
        report.timeline
    );
    // The trace says so: ` ready=false` only while it is unready.
    let text = sim.trace.render(&sim.world);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("\tsidecar\tinit=0 name=proxy")).collect();
    assert!(lines.iter().any(|l| l.ends_with("state=Running ready=false")), "{lines:#?}");
    assert!(lines.iter().filter(|l| l.ends_with("state=Running")).count() >= 2, "{lines:#?}");
    // Failing from before its first pass, it never is ready; the
    // override holds for its later runs (a new sandbox) too.
    let timeline = r#"(at: "1s", do: SetReady(pod: "app-0", ready: false, container: "proxy")),
                      (at: "2m", do: CrashNode(node: "worker-1")), (at: "2m20s", do: RecoverNode(node: "worker-1"))"#;
    let (sim, _) = run(&readiness_probe_scenario("periodSeconds: 5", "", "5m", timeline));
    assert!(ready_changes(&sim, true).is_empty(), "{:?}", ready_changes(&sim, true));
    // Refused: the init container `setup`, not a sidecar; a name not there.
    for (container, words) in
        [("setup", "not a sidecar with a readinessProbe"), ("envoy", "no such init container")]
    {
        let source = readiness_probe_scenario(
            "periodSeconds: 5",
            "",
            "5m",
            &format!(r#"(at: "2m", do: SetReady(pod: "app-0", ready: false, container: "{container}"))"#),
        );
        let errors = stsim_scenario::parse_scenario(&source, "t.ron").expect_err(container);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].message.contains(words), "{}", errors[0].message);
        assert!(errors[0].message.starts_with("timeline[0].do.container: "), "{}", errors[0].message);
        let line = source.lines().nth(errors[0].line - 1).expect("the line");
        assert!(line[errors[0].column - 1..].starts_with(&format!("\"{container}\"")), "{line}");
    }
}

/// A script makes a sidecar's liveness probe fail (`SetLive` with
/// `container`): the kubelet kills it at the probe's `failureThreshold`-th
/// failing tick ("Init container proxy failed liveness probe": SIGTERM,
/// its image's 143 after 1 s) and starts it again, whose new run is killed
/// in turn, first at once and then after the restart back-off; passing
/// again, it is left running. The first container runs throughout.
#[test]
fn a_sidecars_failing_liveness_probe_kills_and_restarts_it() {
    let (_, report) = run(&startup_probe_scenario("", "1s", "1m"));
    let started = first_shown(&report, "Init:1/2").expect("setup's turn");
    let source = startup_probe_scenario("", "1s", "6m")
        .replace(
            r#"restartPolicy: "Always""#,
            r#"restartPolicy: "Always", livenessProbe: (periodSeconds: 5, failureThreshold: 3)"#,
        )
        .replace(
            "    )],\n)",
            r#"    )],
    timeline: [(at: "2m", do: SetLive(pod: "app-0", live: false, container: "proxy")),
               (at: "4m", do: SetLive(pod: "app-0", live: true, container: "proxy"))],
)"#,
        );
    let (sim, _) = run(&source);
    let kills: Vec<u64> = (sim.trace.records.iter())
        .filter(|r| {
            matches!(r.event, Event::ContainerKilling { init: Some(0), probe: FailedProbe::Liveness, .. })
        })
        .map(|r| r.at.as_millis())
        .collect();
    // Ticks at `started` + 5 s x k: failing from 2 m, the third failing
    // tick from the first at or after it.
    let first = started + (120_000 - started).div_ceil(5_000) * 5_000 + 10_000;
    assert_eq!(kills[0], first, "{kills:?}");
    // Exits 1 s later and starts again at once; its new run fails its third
    // tick 10 s after that start.
    assert_eq!(kills[1], first + 11_000, "{kills:?}");
    assert!(kills.iter().all(|k| *k < 240_000), "no kill once it passes again: {kills:?}");
    assert!(kills.windows(2).any(|w| w[1] - w[0] > 11_000), "a back-off between kills: {kills:?}");
    let field = served_pod(&sim, "app-0");
    assert_eq!(field("status.initContainerStatuses.0.lastState.terminated.exitCode").as_deref(), Some("143"));
    assert_eq!(
        field("status.initContainerStatuses.0.restartCount").as_deref(),
        Some(&*kills.len().to_string())
    );
    assert_eq!(field("status.initContainerStatuses.0.ready").as_deref(), Some("true"));
    assert_eq!(field("status.containerStatuses.0.restartCount").as_deref(), Some("0"));
    assert_eq!(field("spec.initContainers.0.livenessProbe.failureThreshold").as_deref(), Some("3"));
    let events = format!("{:?}", stsim_render::events::recorded(&sim));
    assert!(events.contains("Init container proxy failed liveness probe"), "{events}");
}
