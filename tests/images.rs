//! The kubelet's images: a node keeps what it pulled, `imagePullPolicy`
//! decides whether it asks the registry, and a container of a `Never`
//! policy starts only from an image the node has. Each test states the
//! Kubernetes rule it checks (pkg/kubelet/images/image_manager.go).

use crate::support::{run, t};
use stsim_core::sim::Simulation;
use stsim_core::time::{SimDuration, SimTime};
use stsim_core::trace::Event;

/// A single-zone cluster of `nodes` nodes (the pool's extra fields in
/// `pool`), one StatefulSet `app` of `replicas` running `image` (with the
/// template's extra fields in `template`), the images `images` and the
/// timeline `timeline`.
fn scenario(nodes: u32, pool: &str, replicas: u32, template: &str, images: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "images",
    duration: "30m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: {nodes}{pool})]),
    images: [{images}],
    statefulsets: [(
        name: "app", serviceName: "app", replicas: {replicas}, podManagementPolicy: Parallel,
        template: (labels: {{"app": "app"}}{template}),
    )],
    timeline: [{timeline}],
)"#
    )
}

/// The statuses (`kubectl get pods` STATUS) the named pod reported, with when.
fn statuses(sim: &Simulation, name: &str) -> Vec<(SimTime, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodStatus { pod, status, .. } if sim.world.pod(pod).name == name => {
                Some((r.at, status.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// When the named pod's container started running, each time.
fn running(sim: &Simulation, name: &str) -> Vec<SimTime> {
    statuses(sim, name).into_iter().filter(|(_, s)| *s == "Running").map(|(at, _)| at).collect()
}

/// When the named pod was created, each time.
fn created(sim: &Simulation, name: &str) -> Vec<SimTime> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodCreated { pod, .. } if sim.world.pod(pod).name == name => Some(r.at),
            _ => None,
        })
        .collect()
}

fn d(text: &str) -> SimDuration {
    text.parse().expect("a duration")
}

const SLOW: &str = r#"(name: "db:1", pull: "60s", startup: "1s")"#;

/// A node keeps the images it pulled, across a reboot: a container made
/// again there (a deleted pod's replacement, a rebooted machine's new
/// sandbox) starts after the cached pull (2 s), not the image's 60 s; the
/// first start pulls. Whatever the policy: `Always` asks the registry,
/// which downloads no layer the node has.
#[test]
fn a_node_that_has_the_image_starts_the_container_without_pulling_it() {
    let timeline = r#"(at: "5m", do: DeletePod(pod: "app-0")),
                      (at: "10m", do: CrashNode(node: "worker-1")), (at: "11m", do: RecoverNode(node: "worker-1"))"#;
    for (image, policy) in [
        ("db:1", ""),
        ("db:1", ", imagePullPolicy: IfNotPresent"),
        ("db:1", ", imagePullPolicy: Always"),
        ("db:latest", ""),
    ] {
        let images = SLOW.replace("db:1", image);
        let template = format!(r#", image: "{image}"{policy}"#);
        let (sim, _) = run(&scenario(1, "", 1, &template, &images, timeline));
        let starts = running(&sim, "app-0");
        let made = created(&sim, "app-0");
        assert_eq!(starts.len(), 3, "{image}{policy}: {starts:?}");
        assert_eq!(starts[0].since(made[0]), d("60s"), "{image}{policy}: the first start pulls");
        assert_eq!(starts[1].since(made[1]), d("2s"), "{image}{policy}: the replacement's");
        assert_eq!(starts[2], t("11m2s"), "{image}{policy}: after the reboot");
    }
}

/// A pod made again on another node pulls its image there: the image is
/// the node's, not the pod's.
#[test]
fn a_pod_on_a_node_without_the_image_pulls_it() {
    let timeline = r#"(at: "5m", do: Cordon(nodeOf: "app-0")), (at: "5m", do: DeletePod(pod: "app-0"))"#;
    let (sim, _) = run(&scenario(2, "", 1, r#", image: "db:1""#, SLOW, timeline));
    let starts = running(&sim, "app-0");
    let made = created(&sim, "app-0");
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert_eq!(starts[1].since(made[1]), d("60s"));
    let nodes: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "app-0").filter_map(|p| p.node).collect();
    assert_eq!(nodes.len(), 2);
    assert_ne!(nodes[0], nodes[1]);
}

/// The kubelet pulls one image at a time (`serializeImagePulls`, on by
/// default): a pull waits for the one before it on the node, and one of an
/// image that another container is pulling finds it there when that pull
/// ends. A pull the crash cut short leaves nothing, and the image is pulled
/// again in full after the reboot.
#[test]
fn pulls_to_one_node_go_one_at_a_time_and_a_crash_loses_a_pull_in_progress() {
    let scale = r#"(at: "30s", do: Scale(statefulset: "app", replicas: 2))"#;
    let (sim, _) = run(&scenario(1, "", 1, r#", image: "db:1""#, SLOW, scale));
    assert_eq!(running(&sim, "app-0"), vec![t("60s")]);
    assert_eq!(running(&sim, "app-1"), vec![t("60s")], "app-1 waits for app-0's pull, not a pull of its own");

    // Two images: the second pull starts when the first is done.
    let source = r#"Scenario(
    name: "images",
    duration: "10m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "60s", startup: "1s"), (name: "cache:1", pull: "30s", startup: "1s")],
    statefulsets: [
        (name: "db", serviceName: "db", replicas: 1, template: (labels: {"app": "db"}, image: "db:1")),
        (name: "cache", serviceName: "cache", replicas: 1, template: (labels: {"app": "cache"}, image: "cache:1")),
    ],
)"#;
    let (sim, _) = run(source);
    let (db, cache) = (running(&sim, "db-0")[0], running(&sim, "cache-0")[0]);
    let (first, second) = if db < cache { (db, cache) } else { (cache, db) };
    assert_eq!(first, if db < cache { t("60s") } else { t("30s") });
    assert_eq!(second, t("90s"), "db at {db}, cache at {cache}");

    let crash =
        r#"(at: "30s", do: CrashNode(node: "worker-1")), (at: "40s", do: RecoverNode(node: "worker-1"))"#;
    let (sim, _) = run(&scenario(1, "", 1, r#", image: "db:1""#, SLOW, crash));
    assert_eq!(running(&sim, "app-0"), vec![t("1m40s")], "the pull starts again after the reboot");
}

/// `IfNotPresent` runs an image the node has even when the registry
/// refuses it; `Always` asks the registry and fails (ErrImagePull). A
/// pool's preloaded image matches the pods' name for it in any form.
#[test]
fn always_asks_the_registry_and_if_not_present_does_not() {
    let gone = r#"(name: "gone:1", behaviour: PullFails)"#;
    for (preloaded, policy, runs) in [
        ("gone:1", "IfNotPresent", true),
        ("docker.io/library/gone:1", "IfNotPresent", true),
        ("gone:1", "Always", false),
        ("gone:2", "IfNotPresent", false),
    ] {
        let pool = format!(r#", preloadedImages: ["{preloaded}"]"#);
        let template = format!(r#", image: "gone:1", imagePullPolicy: {policy}"#);
        let (sim, _) = run(&scenario(1, &pool, 1, &template, gone, ""));
        let all = statuses(&sim, "app-0");
        let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(seen.contains(&"Running"), runs, "{preloaded} {policy}: {seen:?}");
        assert_eq!(seen.contains(&"ErrImagePull"), !runs, "{preloaded} {policy}: {seen:?}");
    }
}

/// `Never`: a node without the image cannot start the container
/// (ErrImageNeverPull, with a finding that says why); a node with it
/// starts it; and a pull another pod makes to the node lets it start.
#[test]
fn never_starts_only_from_an_image_the_node_has() {
    let template = r#", image: "db:1", imagePullPolicy: Never"#;
    let (sim, report) = run(&scenario(1, "", 1, template, SLOW, ""));
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(seen.last(), Some(&"ErrImageNeverPull"), "{seen:?}");
    let stuck = report.findings.iter().find(|f| f.id == "image-not-on-node").expect("a finding says why");
    assert_eq!(
        stuck.summary,
        "app-0 cannot start: worker-1 does not have db:1, and its container's imagePullPolicy is Never"
    );

    let (sim, _) = run(&scenario(1, r#", preloadedImages: ["db:1"]"#, 1, template, SLOW, ""));
    assert_eq!(running(&sim, "app-0"), vec![t("2s")]);

    // Another set's init container pulls the image to the node, done at 60 s.
    let source = r#"Scenario(
    name: "images",
    duration: "10m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "60s", startup: "1s")],
    statefulsets: [(
        name: "app", serviceName: "app", replicas: 1,
        template: (labels: {"app": "app"}, image: "db:1", imagePullPolicy: Never),
    ), (
        name: "puller", serviceName: "puller", replicas: 1,
        template: (labels: {"app": "puller"}, image: "tool:1", initContainers: [(name: "fetch", image: "db:1")]),
    )],
)"#;
    let (sim, _) = run(source);
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert!(seen.contains(&"ErrImageNeverPull"), "{seen:?}");
    assert_eq!(running(&sim, "app-0"), vec![t("62s")], "it starts from the image the pull brought");
}

/// An init container whose policy is `Never` holds the pod
/// (`Init:ErrImageNeverPull`) until its node has the image, and the pod
/// then goes on from that init container.
#[test]
fn an_init_container_that_may_not_pull_holds_the_pod() {
    let template =
        r#", image: "db:1", initContainers: [(name: "seed", image: "seed:1", imagePullPolicy: Never)]"#;
    let images =
        r#"(name: "db:1", pull: "60s", startup: "1s"), (name: "seed:1", pull: "30s", startup: "5s")"#;
    let (sim, _) = run(&scenario(1, "", 1, template, images, ""));
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(seen.last(), Some(&"Init:ErrImageNeverPull"), "{seen:?}");
    assert!(running(&sim, "app-0").is_empty());

    let (sim, _) = run(&scenario(1, r#", preloadedImages: ["seed:1"]"#, 1, template, images, ""));
    // The cached pull (2 s) and run (5 s) of the init container, then db:1's pull.
    assert_eq!(running(&sim, "app-0"), vec![t("1m7s")]);
}

/// The API server defaults a template's policy when it stores it, and a
/// later image change (`kubectl set image`) keeps it: a set made with a
/// tagged image keeps `IfNotPresent` when its image becomes `:latest`,
/// while a set made with `:latest` gets `Always`. Seen with an image the
/// registry refuses and the node has.
#[test]
fn a_templates_policy_is_defaulted_when_stored_and_kept_when_its_image_changes() {
    let pool = r#", preloadedImages: ["db:latest"]"#;
    let images = r#"(name: "db:latest", behaviour: PullFails)"#;
    let set_image = r#"(at: "1m", do: SetImage(statefulset: "app", image: "db:latest"))"#;
    let (sim, _) = run(&scenario(1, pool, 1, r#", image: "db:1""#, images, set_image));
    let starts = running(&sim, "app-0");
    assert_eq!(starts.len(), 2, "{:?}", statuses(&sim, "app-0"));
    assert!(starts[1] > t("1m"), "the new revision runs from the node's copy: {starts:?}");

    let (sim, _) = run(&scenario(1, pool, 1, r#", image: "db:latest""#, images, ""));
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert!(seen.contains(&"ErrImagePull") && !seen.contains(&"Running"), "{seen:?}");
}

/// A `Never` container checked while another pod's pull of its image is
/// still running finds nothing yet, and starts once that pull is done (the
/// pod worker retries a failed sync; it is not left waiting for good).
#[test]
fn a_never_container_starts_when_a_pull_in_progress_ends() {
    let source = r#"Scenario(
    name: "images",
    duration: "10m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "60s", startup: "1s")],
    statefulsets: [(
        name: "puller", serviceName: "puller", replicas: 1,
        template: (labels: {"app": "puller"}, image: "db:1"),
    ), (
        name: "app", serviceName: "app", replicas: 0,
        template: (labels: {"app": "app"}, image: "db:1", imagePullPolicy: Never),
    )],
    timeline: [(at: "30s", do: Scale(statefulset: "app", replicas: 1))],
)"#;
    let (sim, _) = run(source);
    assert_eq!(running(&sim, "puller-0"), vec![t("60s")]);
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert!(seen.contains(&"ErrImageNeverPull"), "checked at 30 s, before the pull is done: {seen:?}");
    assert_eq!(running(&sim, "app-0"), vec![t("62s")], "{seen:?}");

    // The same for an init container: held at 30 s, it runs once the pull
    // is done (2 s cached, 1 s running), then the container's tool:1 (2 s).
    let init = source.replace(
        r#"image: "db:1", imagePullPolicy: Never)"#,
        r#"image: "tool:1", initContainers: [(name: "seed", image: "db:1", imagePullPolicy: Never)])"#,
    );
    let (sim, _) = run(&init);
    let all = statuses(&sim, "app-0");
    let seen: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    assert!(seen.contains(&"Init:ErrImageNeverPull"), "{seen:?}");
    assert_eq!(running(&sim, "app-0"), vec![t("65s")], "{seen:?}");
}

/// A sidecar (an init container with `restartPolicy: Always`) is started
/// in its turn and the next init container starts once it has started,
/// without waiting for its image's start-up, as the kubelet does; a regular
/// init container runs to completion first. Sidecars need 1.29.
#[test]
fn a_sidecar_init_container_lets_the_next_one_start_once_started() {
    let source = |restart: &str, version: &str| {
        format!(
            r#"Scenario(
        name: "sidecar",
        seed: 1,
        duration: "3m",
        kubernetesVersion: "{version}",
        cluster: (nodePools: [(name: "worker", count: 1, preloadedImages: ["proxy:1", "migrate:1", "app:1"])]),
        images: [(name: "proxy:1", startup: "40s"), (name: "migrate:1", startup: "5s"), (name: "app:1", startup: "2s")],
        statefulsets: [(
            name: "app",
            replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1",
                initContainers: [(name: "proxy", image: "proxy:1"{restart}), (name: "migrate", image: "migrate:1")]),
        )],
    )"#
        )
    };
    let ready = |source: &str| {
        let (sim, _) = run(source);
        crate::support::Log(&sim).readiness("app-0").into_iter().find(|(_, ready)| *ready).map(|(at, _)| at)
    };
    let sidecar = ready(&source(r#", restartPolicy: "Always""#, "1.33")).expect("ready");
    let regular = ready(&source("", "1.33")).expect("ready");
    // kubectl counts a started sidecar as done: `Init:1/2` once it starts,
    // not 40 s later.
    let (sim, report) = run(&source(r#", restartPolicy: "Always""#, "1.33"));
    let seen: Vec<String> = statuses(&sim, "app-0").into_iter().map(|(at, s)| format!("{at} {s}")).collect();
    assert_eq!(seen, ["0s Init:0/2", "2s Init:1/2", "9s PodInitializing", "11s Running"]);
    // kubectl's READY counts the sidecar beside the container: 1/2 once it
    // has started, 2/2 once the container is Ready too.
    let ready: Vec<String> = report
        .timeline
        .iter()
        .filter(|r| &*r.name == "app-0")
        .filter_map(|r| r.pod.as_ref().map(|p| format!("{} {}", p.ready, p.status)))
        .collect();
    assert_eq!(
        ready,
        [
            "0/2 Pending",
            "0/2 Pending",
            "0/2 Init:0/2",
            "1/2 Init:1/2",
            "1/2 PodInitializing",
            "1/2 Running",
            "2/2 Running"
        ]
    );
    let row = report.pods.iter().find(|p| p.name == "app-0").unwrap();
    assert_eq!(&*row.state.ready, "2/2");
    // 5 s of migrate and 2 s of the app, against 40 s more as a regular one.
    assert_eq!(regular.since(sidecar), SimDuration::from_secs(40), "{sidecar} {regular}");
    assert!(sidecar < t("40s"), "ready before the sidecar's own start-up would end: {sidecar}");
    let refused = stsim_scenario::parse_scenario(&source(r#", restartPolicy: "Always""#, "1.28"), "s.ron");
    let Err(errors) = refused else { panic!("a sidecar accepted on 1.28") };
    assert!(
        errors[0].message.contains("sidecar init containers (restartPolicy: Always) are not served"),
        "{errors:#?}"
    );
}

/// The release's refusal of a sidecar holds for a bare pod a timeline
/// creates, not only for a StatefulSet's template.
#[test]
fn a_bare_pod_with_a_sidecar_is_refused_before_1_29() {
    let source = |version: &str| {
        format!(
            r#"Scenario(
        name: "bare",
        kubernetesVersion: "{version}",
        timeline: [(at: "1s", do: CreatePod(name: "tool", template: (labels: {{"app": "tool"}}, image: "app:1",
            initContainers: [(name: "proxy", image: "proxy:1", restartPolicy: "Always")])))],
    )"#
        )
    };
    let Err(errors) = stsim_scenario::parse_scenario(&source("1.28"), "s.ron") else {
        panic!("a sidecar accepted on 1.28")
    };
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("sidecar init containers (restartPolicy: Always) are not served")),
        "{errors:#?}"
    );
    stsim_scenario::parse_scenario(&source("1.29"), "s.ron").unwrap_or_else(|e| panic!("{e:#?}"));
}

/// The image manager's history, as `stsim events` gives it: a check that
/// pulls is `Pulling` when asked and `Pulled` (with the pull's own time
/// and the time including the wait for the node's puller) when the image
/// is there; an init container, whose start no record carries, is
/// `Created` and `Started` then. A pull the machine's crash cut short is
/// never `Pulled`; the new sandbox after the reboot pulls again.
#[test]
fn image_checks_are_pulling_then_pulled_and_a_crash_cuts_one_short() {
    let images = r#"(name: "setup:1", pull: "60s", startup: "5s"), (name: "db:1", pull: "10s")"#;
    let template = r#", image: "db:1", initContainers: [(name: "setup", image: "setup:1")]"#;
    let crash =
        r#"(at: "30s", do: CrashNode(node: "worker-1")), (at: "40s", do: RecoverNode(node: "worker-1"))"#;
    let (sim, _) = run(&scenario(1, "", 1, template, images, crash));
    let pod = sim.world.pod(sim.world.pod_named("app-0").unwrap());
    let checks: Vec<(SimTime, SimTime, bool)> =
        pod.history.image_checks.iter().map(|c| (c.asked, c.done, c.cut)).collect();
    assert_eq!(
        checks,
        [(t("0s"), t("60s"), true), (t("40s"), t("1m40s"), false), (t("1m45s"), t("1m55s"), false)],
        "the first pull is cut by the crash at 30 s; after the reboot setup, then db"
    );
    let path = std::env::temp_dir().join(format!("stsim-image-events-{}.ron", std::process::id()));
    std::fs::write(&path, scenario(1, "", 1, template, images, crash)).unwrap();
    let args: Vec<String> = vec!["events".into(), path.display().to_string()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stsim_cli::run(&args, &mut out, &mut err);
    std::fs::remove_file(&path).ok();
    let kubelet: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| ["Pulling", "Pulled", "Created", "Started"].iter().any(|r| l.contains(&format!(" {r} "))))
        .collect();
    assert_eq!(
        kubelet,
        [
            "0s Normal Pulling Pod/app-0 Pulling image \"setup:1\"",
            "40s Normal Pulling Pod/app-0 Pulling image \"setup:1\"",
            "1m40s Normal Pulled Pod/app-0 Successfully pulled image \"setup:1\" in 1m0s (1m0s including waiting)",
            "1m40s Normal Created Pod/app-0 Container created",
            "1m40s Normal Started Pod/app-0 Container started",
            "1m45s Normal Pulling Pod/app-0 Pulling image \"db:1\"",
            "1m55s Normal Pulled Pod/app-0 Successfully pulled image \"db:1\" in 10s (10s including waiting)",
            "1m55s Normal Created Pod/app-0 Container created",
            "1m55s Normal Started Pod/app-0 Container started",
        ]
    );
}

/// An image reference the kubelet cannot read (`InvalidImageName`): the
/// API server stores it, the kubelet pulls nothing whatever the policy, and
/// the pod stays Pending with the release's words, for the first
/// container, another one and an init container alike. `Foo/bar` names a
/// registry `Foo` from 1.29 on (distribution/reference v0.5) and is
/// pulled; before, it is a repository name in capitals. A pod's image
/// mended in place is pulled and started at once.
#[test]
fn an_image_the_kubelet_cannot_read_is_never_pulled_and_the_pod_waits() {
    let source = |version: &str, template: &str, timeline: &str| {
        format!(
            r#"Scenario(
    name: "images", duration: "10m", kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "60s", startup: "1s")],
    statefulsets: [(name: "app", serviceName: "app", replicas: 1,
        template: (labels: {{"app": "app"}}{template}))],
    timeline: [{timeline}],
)"#
        )
    };
    let cases = [
        (
            "1.36",
            r#", image: "DB:1", imagePullPolicy: Always"#,
            "InvalidImageName",
            "name \"DB:1\": invalid reference format: repository name (library/DB) must be lowercase",
        ),
        (
            "1.27",
            r#", image: "DB:1""#,
            "InvalidImageName",
            "reference \"DB:1\": invalid reference format: repository name must be lowercase",
        ),
        ("1.30", r#", image: "db::1""#, "InvalidImageName", "name \"db::1\": invalid reference format"),
        (
            "1.30",
            r#", image: "db:1", initContainers: [(name: "seed", image: "Seed:1")]"#,
            "Init:InvalidImageName",
            "(library/Seed) must be lowercase",
        ),
        ("1.28", r#", image: "Foo/db:1""#, "InvalidImageName", "repository name must be lowercase"),
    ];
    for (version, template, status, words) in cases {
        let (sim, report) = run(&source(version, template, ""));
        let seen = statuses(&sim, "app-0");
        assert_eq!(seen.last().map(|(_, s)| s.as_str()), Some(status), "{version} {template}: {seen:?}");
        let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0");
        assert_eq!(pod.status.phase, stsim_core::objects::PodPhase::Pending, "{template}");
        assert!(
            pod.history.image_checks.iter().all(|c| c.image == "db:1"),
            "nothing else pulled: {template}"
        );
        let finding = report.findings.iter().find(|f| f.id == "image-name-invalid").expect("a finding");
        assert!(finding.explanation.contains(words), "{version} {template}: {}", finding.explanation);
        // An operator reads the same words in the container's waiting state.
        let served = stsim_core::kube::find(&sim.world, "Pod", "app-0").expect("served");
        let served = stsim_core::kube::render(&sim.world, served);
        let statuses =
            if status.starts_with("Init:") { "initContainerStatuses" } else { "containerStatuses" };
        let waiting = &served["status"][statuses][0]["state"]["waiting"];
        assert_eq!(waiting["reason"], "InvalidImageName", "{template}");
        let message = waiting["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Failed to apply default image tag") && message.ends_with(words),
            "{message}"
        );
        // And `stsim explain` says why, in the same words.
        let story: Vec<String> = stsim_core::story::tell(&sim).into_iter().map(|l| l.text).collect();
        let told = story.iter().find(|l| l.starts_with(&format!("app-0 is {status}"))).expect("told");
        assert!(told.contains(&format!("{words}), so it pulls nothing")), "{told}");
    }
    // The same `Foo/db:1` from 1.29 on: a registry's image, pulled and run.
    let (sim, report) = run(&source("1.29", r#", image: "Foo/db:1""#, ""));
    assert_eq!(running(&sim, "app-0").len(), 1);
    assert!(report.findings.iter().all(|f| f.id != "image-name-invalid"));

    // Another container's image: the first runs, the pod is never Ready.
    let template = r#", image: "db:1", extraContainers: [(name: "metrics", image: "-exporter")]"#;
    let (sim, report) = run(&source("1.36", template, ""));
    let pod = sim.world.pods.iter().find(|p| p.name == "app-0").expect("app-0");
    assert_eq!(pod.status.extras[0].state, stsim_core::objects::ContainerState::InvalidImageName);
    assert!(!pod.status.ready);
    let finding = report.findings.iter().find(|f| f.id == "image-name-invalid").expect("a finding");
    assert!(finding.summary.starts_with("app-0's container metrics cannot start"), "{}", finding.summary);

    // What mends it: under OrderedReady (the default) the mended template
    // alone does not replace the pod; under Parallel the rolling update does.
    let (_, report) = run(&source("1.36", r#", image: "DB:1""#, ""));
    let finding = report.findings.iter().find(|f| f.id == "image-name-invalid").expect("a finding");
    assert!(finding.fix.contains("then delete app-0"), "{}", finding.fix);
    let parallel = source("1.36", r#", image: "DB:1""#, "")
        .replace("replicas: 1,", "replicas: 1, podManagementPolicy: Parallel,");
    let (_, report) = run(&parallel);
    let finding = report.findings.iter().find(|f| f.id == "image-name-invalid").expect("a finding");
    assert!(finding.fix.ends_with("the rolling update replaces app-0."), "{}", finding.fix);

    // Mended in place at 5m: pulled (60 s), then started.
    let timeline = r#"(at: "5m", do: PatchPod(pod: "app-0", image: "db:1"))"#;
    let (sim, report) = run(&source("1.36", r#", image: "DB:1""#, timeline));
    assert_eq!(running(&sim, "app-0"), vec![t("6m")]);
    assert!(report.findings.iter().all(|f| f.id != "image-name-invalid"));
}
