//! Updates end to end: rolling updates, partitions, OnDelete, revisions,
//! maxUnavailable by release, the stuck rollout and its ways out, and the
//! API server's immutable fields. Each test states the rule it checks.

use crate::support::{Log, parse, run, run_file, scenario_file, t};
use stsim_core::trace::Event;

fn names(list: &[(stsim_core::time::SimTime, String)]) -> Vec<&str> {
    list.iter().map(|(_, name)| name.as_str()).collect()
}

/// The revision label of every live pod, by name.
fn revisions(sim: &stsim_core::Simulation) -> Vec<(String, String)> {
    sim.world.live_pods().map(|p| (p.name.clone(), p.revision().to_string())).collect()
}

/// Highest ordinal first, one at a time, each new pod Ready before the next
/// old one is deleted; at the end the update revision is current.
#[test]
fn rolling_update_goes_in_reverse_one_pod_at_a_time() {
    let (sim, report) = run_file("rolling-update");
    let log = Log(&sim);
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-1", "redis-0"]);
    assert_eq!(deleted[0].0, t("2m"), "the update starts when the template changes");
    for pair in deleted.windows(2) {
        let replaced = &pair[0].1;
        let back_ready = log.ready_after(replaced, pair[0].0).expect("the new pod became Ready");
        assert_eq!(pair[1].0, back_ready, "{} waits for the new {replaced} to be Ready", pair[1].1);
    }
    let status = &report.statefulsets[0].status;
    assert_eq!(status.current_revision, status.update_revision);
    assert_eq!((status.updated_replicas, status.current_replicas, status.ready_replicas), (3, 3, 3));
    assert!(revisions(&sim).iter().all(|(_, rev)| *rev == status.update_revision));
    assert!(sim.world.live_pods().all(|p| p.image == "redis:7.2"));
}

/// `kubectl rollout restart` sets the template's restartedAt annotation to
/// now: a new template, so a new revision and the same ordered roll as an
/// image change, with nothing else changed; a second restart is another
/// revision. The annotation is served in the set's template.
#[test]
fn rollout_restart_rolls_every_pod_through_a_new_revision() {
    let source = scenario_file("rolling-update").replace(
        r#"(at: "2m", do: SetImage(statefulset: "redis", image: "redis:7.2")),"#,
        r#"(at: "2m", do: RolloutRestart(statefulset: "redis")),
        (at: "8m", do: RolloutRestart(statefulset: "redis")),"#,
    );
    let (sim, report) = run(&source.replace(r#"duration: "10m""#, r#"duration: "15m""#));
    let log = Log(&sim);
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-1", "redis-0", "redis-2", "redis-1", "redis-0"]);
    assert_eq!((deleted[0].0, deleted[3].0), (t("2m"), t("8m")));
    let set = sim.world.sts(sim.world.sts_named("redis").unwrap());
    assert_eq!(set.revisions.len(), 3, "the first template and one per restart");
    assert!(sim.world.live_pods().all(|p| p.image == "redis:7.0"), "nothing else changed");
    let status = &report.statefulsets[0].status;
    assert_eq!(status.current_revision, status.update_revision);
    let served = stsim_core::kube::render(&sim.world, stsim_core::kube::ObjRef::Sts(set.id));
    let restarted =
        &served["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"];
    assert_eq!(restarted, "2025-01-01T00:08:00Z");
    assert!(sim.trace.render(&sim.world).contains("kubectl rollout restart statefulset/redis"));
}

/// Revision names depend only on the template: stable across runs and
/// machines (pinned here), and a revert reuses the earlier revision.
#[test]
fn revision_names_are_stable_and_a_revert_reuses_the_old_one() {
    let (sim, _) = run_file("forced-rollback");
    let created: Vec<(String, u64)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::RevisionCreated { name, revision, .. } => Some((name.clone(), *revision)),
            _ => None,
        })
        .collect();
    // 1: the first template; 2: the broken image; 3: the revert rolls 1 forward.
    assert_eq!(
        created,
        [
            ("redis-5b948994d8".to_string(), 1),
            ("redis-748b645965".to_string(), 2),
            ("redis-5b948994d8".to_string(), 3)
        ]
    );
    assert_eq!(sim.world.statefulsets[0].revisions.len(), 2, "no duplicate revision for the revert");
}

/// A partition holds pods below it back, even when they are re-created.
#[test]
fn partition_updates_only_pods_at_or_above_it() {
    let (sim, _) = run_file("canary-partition");
    let log = Log(&sim);
    let revision_of = |name: &str, nth: usize| {
        sim.world.pods.iter().filter(|p| p.name == name).nth(nth).map(|p| p.revision().to_string()).unwrap()
    };
    let (old, new) = (revision_of("redis-0", 0), revision_of("redis-2", 1));
    assert_ne!(old, new);
    // redis-0, deleted at 4m while the partition is 2, comes back at the old revision.
    assert_eq!(revision_of("redis-0", 1), old);
    // Between 2m and 8m only redis-2 was updated.
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-0", "redis-1", "redis-0"]);
    assert!(deleted[2].0 >= t("8m"), "the rest waits for the partition to drop");
    assert!(revisions(&sim).iter().all(|(_, rev)| *rev == new));
}

/// OnDelete: the controller deletes nothing; a deleted pod returns at the
/// update revision; current and updated counts show both revisions.
#[test]
fn ondelete_replaces_only_deleted_pods() {
    let (sim, report) = run_file("ondelete-update");
    let log = Log(&sim);
    let by_controller = sim.trace.records.iter().any(|r| {
        matches!(r.event, Event::PodDeleting { .. })
            && r.actor == stsim_core::trace::Actor::StatefulSetController
    });
    assert!(!by_controller, "OnDelete never deletes for an update");
    assert_eq!(names(&log.deletions()), ["redis-2"]);
    let status = &report.statefulsets[0].status;
    assert_ne!(status.current_revision, status.update_revision);
    assert_eq!((status.current_replicas, status.updated_replicas), (2, 1));
    let new_pod = sim.world.live_pods().find(|p| p.name == "redis-2").unwrap();
    assert_eq!(new_pod.revision(), status.update_revision);
}

/// OrderedReady: a broken pod blocks everything, its own replacement
/// included; reverting alone leaves the rollout stuck, and the report says
/// which pod, since when, and that deleting it is the way out.
#[test]
fn reverting_alone_does_not_unstick_an_ordered_rollout() {
    let (sim, report) = run_file("stuck-rollout-revert-only");
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let finding = &report.findings[0];
    assert_eq!(finding.id, "rollout-stuck");
    assert_eq!(finding.subject, "statefulset/redis");
    let broken = sim.world.live_pods().find(|p| p.name == "redis-2").unwrap();
    assert_eq!(finding.since_ms, broken.created_at.as_millis());
    assert!(finding.summary.contains("redis-2"));
    assert!(finding.explanation.contains("CrashLoopBackOff"), "{}", finding.explanation);
    assert!(finding.fix.starts_with("Delete redis-2"), "{}", finding.fix);
    assert_eq!(broken.image, "redis:7.2-rc1", "the broken pod was never replaced");
    assert!(broken.status.restarts >= 5);
    assert_eq!(names(&Log(&sim).deletions()), ["redis-2"], "nothing after the first deletion");
}

/// Revert and delete the broken pod: recovered, nothing stuck.
#[test]
fn forced_rollback_recovers() {
    let (sim, report) = run_file("forced-rollback");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.pods.iter().all(|p| p.state.ready == "1/1"));
    assert!(sim.world.live_pods().all(|p| p.image == "redis:7.0"));
    let status = &report.statefulsets[0].status;
    assert_eq!(status.current_revision, status.update_revision);
}

/// Under Parallel (1.36, classic update) a revert is enough.
#[test]
fn parallel_rollout_recovers_by_reverting() {
    let (sim, report) = run_file("stuck-rollout-parallel");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let replaced = Log(&sim).deletions();
    assert_eq!(names(&replaced), ["redis-2", "redis-2"]);
    assert_eq!(replaced[1].0, t("5m"), "replaced by the controller as soon as the template is reverted");
    assert!(sim.world.live_pods().all(|p| p.image == "redis:7.0"));
}

/// 1.35.0-1.35.3 with Parallel: the broken pod uses the maxUnavailable
/// budget and is never replaced; 1.36 (gate off) and 1.37 (fixed) recover.
#[test]
fn the_1_35_parallel_regression_depends_on_the_release() {
    let source = scenario_file("parallel-rollout-1-35-regression");
    let (_, report) = run(&source);
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].explanation.contains("#137409"));
    for version in ["1.35.4", "1.36", "1.37"] {
        let patched =
            source.replace("kubernetesVersion: \"1.35.2\"", &format!("kubernetesVersion: \"{version}\""));
        let (sim, report) = run(&patched);
        assert!(report.findings.is_empty(), "{version}: {:#?}", report.findings);
        assert!(sim.world.live_pods().all(|p| p.image == "redis:7.0"), "{version}");
    }
    // Turning the gate on by hand in 1.36 brings the regression back: no fix there.
    let gated = source.replace(
        "kubernetesVersion: \"1.35.2\"",
        "kubernetesVersion: \"1.36\", featureGates: {\"MaxUnavailableStatefulSet\": true}",
    );
    let (_, report) = run(&gated);
    assert_eq!(report.findings.len(), 1);
}

/// maxUnavailable 2: outdated pods are deleted two at a time, highest first.
#[test]
fn max_unavailable_updates_pods_in_batches() {
    let (sim, report) = run_file("max-unavailable-rollout");
    let deleted = Log(&sim).deletions();
    assert_eq!(names(&deleted), ["redis-4", "redis-3", "redis-2", "redis-1", "redis-0"]);
    assert_eq!(deleted[0].0, deleted[1].0, "4 and 3 together");
    assert_eq!(deleted[2].0, deleted[3].0, "2 and 1 together");
    assert!(deleted[2].0 > deleted[1].0 && deleted[4].0 > deleted[3].0);
    let status = &report.statefulsets[0].status;
    assert_eq!(status.updated_replicas, 5);
    // The same scenario on 1.36 (gate off) goes one at a time.
    let source = scenario_file("max-unavailable-rollout").replace("\"1.37\"", "\"1.36\"");
    let (sim, _) = run(&source);
    let deleted = Log(&sim).deletions();
    assert!(deleted.windows(2).all(|w| w[0].0 < w[1].0), "one at a time: {deleted:?}");
}

/// The API server refuses changes to immutable fields, whole; the set runs on.
#[test]
fn immutable_fields_are_refused_with_the_api_servers_message() {
    let (sim, report) = run_file("immutable-fields");
    let refusals: Vec<&String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::StatefulSetUpdateRejected { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(refusals.len(), 2);
    assert!(refusals[0].starts_with(
        "StatefulSet.apps \"redis\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas'"
    ));
    let set = &sim.world.statefulsets[0];
    assert_eq!(set.spec.service_name, "redis-svc");
    assert_eq!(set.spec.volume_claim_templates[0].storage_bytes, 10 << 30);
    assert_eq!(set.spec.replicas, 3, "the replicas-only update went through");
    assert_eq!(report.pods.len(), 3);
    // The mutable fields the message lists, by release: `ordinals` from
    // 1.26, `revisionHistoryLimit` from 1.35.
    let listed = |release: &str| {
        let source = scenario_file("immutable-fields").replacen(
            "Scenario(\n",
            &format!("Scenario(\n    kubernetesVersion: {release:?},\n"),
            1,
        );
        let (sim, _) = run(&source);
        (sim.trace.records.iter())
            .find_map(|r| match &r.event {
                Event::StatefulSetUpdateRejected { message, .. } => Some(message.clone()),
                _ => None,
            })
            .expect("refused")
    };
    let fields = |message: String| message.split("other than ").nth(1).unwrap_or_default().to_string();
    assert_eq!(
        fields(listed("1.25")),
        "'replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );
    assert_eq!(
        fields(listed("1.26")),
        "'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );
    assert_eq!(
        fields(listed("1.35")),
        "'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );
}

/// Scaling takes precedence over updates: scaled down and updated at once,
/// the condemned pod goes first and is not updated.
#[test]
fn scaling_takes_precedence_over_updates() {
    let source = scenario_file("rolling-update").replace(
        "(at: \"2m\", do: SetImage(statefulset: \"redis\", image: \"redis:7.2\")),",
        "(at: \"2m\", do: SetImage(statefulset: \"redis\", image: \"redis:7.2\")),\n        (at: \"2m\", do: Scale(statefulset: \"redis\", replicas: 2)),",
    );
    let config = parse(&source);
    assert_eq!(config.timeline.len(), 2);
    let (sim, _) = stsim_core::run(config);
    let log = Log(&sim);
    assert_eq!(names(&log.deletions()), ["redis-2", "redis-1", "redis-0"]);
    let recreated: Vec<String> =
        log.creations().into_iter().filter(|(at, _)| *at >= t("2m")).map(|(_, n)| n).collect();
    assert_eq!(recreated, ["redis-1", "redis-0"], "redis-2 is scaled away, not updated");
}

/// The kubelet's back-off: the first crash restarts at once (no back-off
/// entry yet), then 10 s, 20 s, 40 s ... after each crash; `restartCount`
/// counts the restarts done, so a pod first shows `CrashLoopBackOff` with 1;
/// a pod whose image cannot be pulled stays Pending.
#[test]
fn crash_loops_and_pull_failures_back_off() {
    let source = r#"Scenario(
        name: "backoff",
        duration: "10m",
        images: [(name: "bad:1", behaviour: CrashLoop, pull: "1s", startup: "5s"), (name: "gone:1", behaviour: PullFails, pull: "1s")],
        services: [(name: "svc", selector: {"app": "a"}), (name: "svc2", selector: {"app": "b"})],
        statefulsets: [
            (name: "a", serviceName: "svc", replicas: 1, template: (labels: {"app": "a"}, image: "bad:1")),
            (name: "b", serviceName: "svc2", replicas: 1, template: (labels: {"app": "b"}, image: "gone:1")),
        ],
    )"#;
    let (sim, _) = run(source);
    let starts: Vec<u64> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodStatus {
                pod, status: stsim_core::objects::StatusColumn::Reason("Running"), ..
            } if sim.world.pod(pod).name == "a-0" => Some(r.at.as_millis()),
            _ => None,
        })
        .collect();
    // Started at 1s (pull), crashes 5 s later and restarts at once, then
    // at the pod worker's sync after 10, 20, 40, 80 s of back-off.
    assert_eq!(&starts[..2], &[1_000, 6_000]);
    let waits: Vec<(u64, u64)> = starts[1..6].windows(2).map(|w| (w[0] + 5_000, w[1])).collect();
    crate::support::restarted_at_workers_syncs(&waits);
    let first_back_off = sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodStatus {
            pod,
            status: stsim_core::objects::StatusColumn::Reason("CrashLoopBackOff"),
            restarts,
            ..
        } if sim.world.pod(pod).name == "a-0" => Some((r.at.as_millis(), restarts)),
        _ => None,
    });
    assert_eq!(first_back_off, Some((11_000, 1)), "the second crash, after one restart");
    // The story says why it waits, and counts one restart as one.
    let story: Vec<String> = stsim_core::story::tell(&sim).into_iter().map(|l| l.text).collect();
    let waits = story.iter().find(|l| l.starts_with("a-0 is CrashLoopBackOff")).expect("told");
    assert!(waits.contains("(1 restart): its container exited again"), "{waits}");
    assert!(
        waits.contains("a first exit, or one ten minutes after the last back-off, is started again at once")
    );
    let a = sim.world.live_pods().find(|p| p.name == "a-0").unwrap();
    assert_eq!(a.status.phase, stsim_core::objects::PodPhase::Running);
    assert!(!a.status.ready);
    let b = sim.world.live_pods().find(|p| p.name == "b-0").unwrap();
    assert_eq!(b.status.phase, stsim_core::objects::PodPhase::Pending);
    assert_eq!(b.display_status(sim.world.kubectl()), "ImagePullBackOff");
}

/// minReadySeconds: each updated pod must stay Ready that long before the
/// next old pod is deleted (k/k PR #130909).
#[test]
fn min_ready_seconds_paces_the_rollout() {
    let source =
        scenario_file("rolling-update").replace("replicas: 3,", "replicas: 3,\n        minReadySeconds: 30,");
    let (sim, _) = run(&source);
    let log = Log(&sim);
    let deleted = log.deletions();
    assert_eq!(names(&deleted), ["redis-2", "redis-1", "redis-0"]);
    for pair in deleted.windows(2) {
        let ready = log.ready_after(&pair[0].1, pair[0].0).unwrap();
        assert_eq!(pair[1].0, ready + stsim_core::time::SimDuration::from_secs(30), "{pair:?}");
    }
}

/// Before 1.34 (k/k PR #130909) the rolling update waited for an updated
/// pod to be Ready, not available: a Parallel set moved to the next pod as
/// soon as the new one was Ready, minReadySeconds or not (#112066,
/// #119234). An OrderedReady set still waited, in processReplica.
#[test]
fn min_ready_seconds_paces_a_parallel_rollout_from_1_34() {
    let gaps = |version: &str, policy: &str| {
        let source = scenario_file("rolling-update")
            .replace(
                "replicas: 3,",
                &format!(
                    "replicas: 3,\n        minReadySeconds: 30,\n        podManagementPolicy: {policy},"
                ),
            )
            .replace("seed: ", &format!("kubernetesVersion: \"{version}\",\n    seed: "));
        let (sim, _) = run(&source);
        let log = Log(&sim);
        let deleted = log.deletions();
        assert_eq!(names(&deleted), ["redis-2", "redis-1", "redis-0"], "{version} {policy}");
        deleted
            .windows(2)
            .map(|pair| (pair[1].0.since(log.ready_after(&pair[0].1, pair[0].0).unwrap())).as_millis() / 1000)
            .collect::<Vec<_>>()
    };
    assert_eq!(gaps("1.33", "Parallel"), [0, 0], "the next pod goes when the new one is Ready");
    assert_eq!(gaps("1.34", "Parallel"), [30, 30]);
    assert_eq!(gaps("1.33", "OrderedReady"), [30, 30]);
    assert_eq!(gaps("1.34", "OrderedReady"), [30, 30]);
}

/// k/k PR #135428 (1.36.0, and 1.35.1 by #136097): the controller looks at
/// a set again when its next Ready pod becomes available, not
/// minReadySeconds after whichever sync ran last. Here web-0 turns Ready a
/// few seconds in and a scale to 2 at 10s syncs the set while web-0 is not
/// yet available; OrderedReady makes web-1 wait for web-0's availability.
/// From 1.35.1 web-1 is created the instant web-0 has been Ready 30 s;
/// before, the 10s sync's own requeue (30 s after it) replaced the check
/// due at web-0's 30 s, so web-1 came at 40s.
#[test]
fn availability_is_checked_when_the_next_pod_becomes_available_from_1_35_1() {
    let web_1_created = |version: &str| {
        let source = format!(
            r#"Scenario(
            name: "available-on-time",
            kubernetesVersion: "{version}",
            duration: "2m",
            services: [(name: "web", selector: {{"app": "web"}})],
            statefulsets: [(name: "web", serviceName: "web", replicas: 1, minReadySeconds: 30,
                template: (labels: {{"app": "web"}}, image: "httpd", readinessProbe: (periodSeconds: 1)))],
            timeline: [(at: "10s", do: Scale(statefulset: "web", replicas: 2))],
        )"#
        );
        let (sim, report) = run(&source);
        let log = Log(&sim);
        let ready = log.ready_after("web-0", t("0s")).expect("web-0 became Ready");
        assert!(ready < t("10s"), "{version}: web-0 is Ready before the scale, at {ready:?}");
        let created = log.creations().into_iter().find(|(_, name)| name == "web-1").expect("web-1").0;
        assert_eq!(report.statefulsets[0].status.available_replicas, 2, "{version}");
        (created.since(ready).as_millis(), created.as_millis())
    };
    for version in ["1.35.1", "1.36", "1.37"] {
        assert_eq!(web_1_created(version).0, 30_000, "{version}: web-1 comes when web-0 is available");
    }
    for version in ["1.34", "1.35.0"] {
        assert_eq!(web_1_created(version).1, 40_000, "{version}: 30 s after the scale's sync");
    }
}

/// revisionHistoryLimit: old revisions beyond the limit are deleted, but
/// never the current or update revision, nor one a live pod uses.
#[test]
fn revision_history_is_truncated_to_the_limit() {
    let source = r#"Scenario(
        name: "history",
        duration: "30m",
        services: [(name: "svc", selector: {"app": "a"})],
        statefulsets: [(name: "a", serviceName: "svc", replicas: 2, revisionHistoryLimit: 1,
            template: (labels: {"app": "a"}, image: "app:1"))],
        timeline: [
            (at: "2m", do: SetImage(statefulset: "a", image: "app:2")),
            (at: "6m", do: SetImage(statefulset: "a", image: "app:3")),
            (at: "10m", do: PatchTemplate(statefulset: "a", template: (image: "app:4", terminationGracePeriodSeconds: 10))),
        ],
    )"#;
    let (sim, report) = run(source);
    let set = &sim.world.statefulsets[0];
    // Four revisions were made; current/update is the fourth, plus one of history.
    assert_eq!(set.revisions.len(), 2, "{:?}", set.revisions.iter().map(|r| &r.name).collect::<Vec<_>>());
    let newest = set.revisions.iter().max_by_key(|r| r.revision).unwrap();
    assert_eq!(newest.revision, 4);
    assert_eq!(newest.template.image, "app:4");
    assert_eq!(newest.template.termination_grace_period.as_millis(), 10_000);
    assert_eq!(report.statefulsets[0].status.update_revision, newest.name);
    assert!(sim.world.live_pods().all(|p| p.image == "app:4"));
}

/// OnDelete and the status: once every pod has been deleted and recreated
/// at the update revision and is Ready, 1.37 moves currentRevision to the
/// update revision (k/k PR #136833, `completeUpdate`); up to 1.36 only a
/// RollingUpdate set completed, so an OnDelete set kept its first
/// revision as current forever (k/k issues #73492, #106055). While one
/// pod is still at the old revision, neither release completes.
#[test]
fn ondelete_completes_the_update_from_1_37() {
    let status_at = |version: &str, deleted: &[&str]| {
        let deletions: String = deleted
            .iter()
            .enumerate()
            .map(|(i, pod)| format!(r#"(at: "{}m", do: DeletePod(pod: "{pod}")),"#, 3 + i))
            .collect();
        let source = format!(
            r#"Scenario(
            name: "ondelete-complete",
            kubernetesVersion: "{version}",
            duration: "10m",
            services: [(name: "svc", selector: {{"app": "a"}})],
            statefulsets: [(name: "a", serviceName: "svc", replicas: 3, updateStrategy: OnDelete,
                template: (labels: {{"app": "a"}}, image: "app:1"))],
            timeline: [(at: "2m", do: SetImage(statefulset: "a", image: "app:2")), {deletions}],
        )"#
        );
        let (sim, report) = run(&source);
        assert!(Log(&sim).deletions().len() == deleted.len(), "{version}: OnDelete deletes nothing itself");
        let status = report.statefulsets[0].status.clone();
        (status.current_revision == status.update_revision, status.current_replicas, status.updated_replicas)
    };
    let all = ["a-0", "a-1", "a-2"];
    assert_eq!(status_at("1.36", &all), (false, 0, 3), "1.36: the old revision stays current");
    assert_eq!(status_at("1.37", &all), (true, 3, 3), "1.37: every pod updated and Ready completes it");
    assert_eq!(status_at("1.37", &all[1..]), (false, 1, 2), "1.37: a-0 still runs the old revision");
}

/// SetUpdateStrategy to OnDelete stops the controller from updating.
#[test]
fn switching_to_ondelete_stops_a_rollout() {
    let source = scenario_file("rolling-update").replace(
        "(at: \"2m\", do: SetImage(statefulset: \"redis\", image: \"redis:7.2\")),",
        "(at: \"1m\", do: SetUpdateStrategy(statefulset: \"redis\", strategy: OnDelete)),\n        (at: \"2m\", do: SetImage(statefulset: \"redis\", image: \"redis:7.2\")),\n        (at: \"3m\", do: SetPartition(statefulset: \"redis\", partition: 1)),",
    );
    let (sim, _) = run(&source);
    assert!(Log(&sim).deletions().is_empty());
    assert!(sim.world.live_pods().all(|p| p.image == "redis:7.0"));
    // A partition makes no sense for OnDelete: refused.
    assert!(sim.trace.records.iter().any(|r| matches!(&r.event,
        Event::StatefulSetUpdateRejected { message, .. } if message.contains("only allowed for updateStrategy 'RollingUpdate'"))));
}

/// The restart back-off expires: an entry the kubelet has not moved for
/// more than twice its maximum (10 min) when the container exits is
/// started afresh (`hasExpired`), so a container that runs eleven minutes
/// between exits starts again at once every time, never in
/// `CrashLoopBackOff`; one that runs nine minutes is held 10 s, then 20 s.
/// A container whose image changed in place is another back-off key: its
/// first exit after the change restarts it at once.
#[test]
fn the_restart_back_off_expires_after_ten_minutes_and_a_new_image_starts_afresh() {
    let source = |startup: &str, timeline: &str| {
        format!(
            r#"Scenario(
        name: "rare-exits",
        duration: "1h",
        images: [(name: "app:1", behaviour: CrashLoop, pull: "1s", startup: "{startup}"),
                 (name: "app:2", behaviour: CrashLoop, pull: "1s", startup: "{startup}")],
        services: [(name: "svc", selector: {{"app": "a"}})],
        statefulsets: [(name: "a", serviceName: "svc", replicas: 1, template: (labels: {{"app": "a"}}, image: "app:1"))],
        timeline: [{timeline}],
    )"#
        )
    };
    let statuses = |sim: &stsim_core::Simulation| -> Vec<(u64, &'static str, u32)> {
        sim.trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodStatus {
                    status: stsim_core::objects::StatusColumn::Reason(reason),
                    restarts,
                    ..
                } => Some((r.at.as_millis() / 1000, reason, restarts)),
                _ => None,
            })
            .collect()
    };
    let (sim, _) = run(&source("11m", ""));
    let seen = statuses(&sim);
    assert!(seen.iter().all(|(_, reason, _)| *reason != "CrashLoopBackOff"), "{seen:?}");
    let starts: Vec<(u64, u32)> =
        seen.iter().filter(|(_, reason, _)| *reason == "Running").map(|(at, _, n)| (*at, *n)).collect();
    assert_eq!(starts, [(1, 0), (661, 1), (1321, 2), (1981, 3), (2641, 4), (3301, 5)]);

    let (sim, _) = run(&source("9m", ""));
    let starts: Vec<u64> =
        statuses(&sim).iter().filter(|(_, reason, _)| *reason == "Running").map(|(at, ..)| *at).collect();
    // Exits at 9m1s (started again at once), then 9 minutes after each
    // start, held 10 s, 20 s, 40 s, 80 s, 160 s until the pod worker's sync.
    assert_eq!(starts[..2], [1, 541]);
    assert_eq!(starts.len(), 7, "{starts:?}");
    let starts_ms: Vec<u64> =
        crate::support::status_times(&sim, "Running").iter().map(|at| at.as_millis()).collect();
    let waits: Vec<(u64, u64)> = starts_ms[1..].windows(2).map(|w| (w[0] + 540_000, w[1])).collect();
    crate::support::restarted_at_workers_syncs(&waits);

    // The back-off lives in the kubelet's memory: after its machine
    // crashed and came back (a new sandbox), the first exit restarts at once.
    let (sim, _) = run(&source("5s", ""));
    let node = &sim.world.node(sim.world.pods[0].node.expect("placed")).name;
    let reboot = format!(
        r#"(at: "3m", do: CrashNode(node: "{node}")), (at: "3m20s", do: RecoverNode(node: "{node}"))"#
    );
    let (sim, _) = run(&source("5s", &reboot));
    let after = |sim: &stsim_core::Simulation, from: u64, n: usize| -> Vec<(u64, &'static str)> {
        let seen = statuses(sim).into_iter().filter(|(at, ..)| *at >= from);
        seen.map(|(at, reason, _)| (at, reason)).take(n).collect()
    };
    let expected =
        [(200, "ContainerCreating"), (201, "Running"), (206, "Error"), (206, "Running"), (211, "Error")];
    let seen = after(&sim, 200, 7);
    assert_eq!(seen[..5], expected);
    // Held 10 s, until the pod worker's sync 10 to 15 s after the exit.
    assert_eq!(seen[5], (211, "CrashLoopBackOff"));
    assert!(seen[6].1 == "Running" && (221..226).contains(&seen[6].0), "{seen:?}");

    // Crash-looping on app:1 (5 s each), patched to app:2 at 2m: its first
    // exit restarts at once, the next waits 10 s.
    let patched = source("5s", r#"(at: "2m", do: PatchPod(pod: "a-0", image: "app:2"))"#);
    let (sim, _) = run(&patched);
    let seen = after(&sim, 120, 8);
    assert_eq!(
        seen[..6],
        [
            (120, "ContainerCreating"),
            (121, "Running"),
            (126, "Error"),
            (126, "Running"),
            (131, "Error"),
            (131, "CrashLoopBackOff"),
        ],
    );
    let restart = seen[6].0;
    assert!(seen[6].1 == "Running" && (141..146).contains(&restart), "{seen:?}");
    assert_eq!(seen[7], (restart + 5, "Error"));
}

/// `type: RollingUpdate` without a `rollingUpdate` block (as many charts
/// write it) stays without one: the API server defaults the block only when
/// `type` is omitted (`SetDefaults_StatefulSet`). The rollout is the same,
/// but a pod lost mid-rollout below `status.currentReplicas` is made again
/// at the current revision (`newVersionedStatefulSetPod`) and rolled again
/// when its turn comes; with the block (partition 0) it comes back updated.
#[test]
fn a_pod_lost_mid_rollout_without_a_rolling_update_block_comes_back_old() {
    let manifest = |strategy: &str| {
        format!(
            "apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web}}
spec:
  replicas: 3
  serviceName: web
  updateStrategy: {strategy}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: main
        image: nginx:1.25
        readinessProbe: {{tcpSocket: {{port: 80}}, periodSeconds: 10, initialDelaySeconds: 20}}
"
        )
    };
    let scenario = r#"Scenario(name: "nil", seed: 1, duration: "10m", manifests: ["web.yaml"],
        timeline: [
            (at: "3m", do: SetImage(statefulset: "web", image: "nginx:1.26")),
            (at: "3m5s", do: DeletePod(pod: "web-0")),
        ])"#;
    let created = |strategy: &str| {
        let yaml = manifest(strategy);
        let mut read = |_: &str| Ok(("web.yaml".to_string(), yaml.clone()));
        let loaded = stsim_scenario::parse_scenario_with(scenario, "nil.ron", &mut read).expect("valid");
        let (sim, _) = stsim_core::run(loaded.config);
        let web0: Vec<String> = (sim.trace.records.iter())
            .filter_map(|r| match &r.event {
                Event::PodCreated { pod, revision } if sim.world.pod(*pod).name == "web-0" => {
                    Some(format!("{} {revision}", r.at))
                }
                _ => None,
            })
            .collect();
        let served = stsim_core::kube::statefulset(&sim.world, &sim.world.statefulsets[0]);
        (web0, served["spec"]["updateStrategy"].clone())
    };
    let (nil, served) = created("{type: RollingUpdate}");
    assert_eq!(nil, ["0s web-5488685994", "3m6s web-5488685994", "3m52s web-85d48bfff7"]);
    assert_eq!(served, serde_json::json!({"type": "RollingUpdate"}));
    let (block, served) = created("{type: RollingUpdate, rollingUpdate: {partition: 0}}");
    assert_eq!(block, ["0s web-5488685994", "3m6s web-85d48bfff7"]);
    assert_eq!(served["rollingUpdate"]["partition"], 0);
    let (omitted, _) = created("{}");
    assert_eq!(omitted, block, "the block is defaulted with the type");
}

/// Making an init container a sidecar (`restartPolicy: Always`) changes
/// the pod template Kubernetes hashes: a new revision, so the pods roll.
#[test]
fn an_init_container_made_a_sidecar_is_a_new_revision() {
    let revision = |restart: &str| {
        let source = format!(
            r#"Scenario(
        name: "sidecar-revision",
        kubernetesVersion: "1.33",
        cluster: (nodePools: [(name: "worker", count: 1)]),
        statefulsets: [(name: "app", replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1",
                initContainers: [(name: "proxy", image: "proxy:1"{restart})]))],
    )"#
        );
        let config = stsim_scenario::parse_scenario(&source, "s.ron").expect("valid");
        stsim_core::controllers::statefulset::revision_name("app", &config.statefulsets[0].spec.template, 0)
    };
    assert_ne!(revision(""), revision(r#", restartPolicy: "Always""#));
}

/// Kubernetes hashes the whole pod template into the revision, every
/// container's ports with it: a port added, renumbered, renamed, moved to
/// another protocol or bound on the node is a new revision, while a
/// protocol written at its default (TCP) is the same template.
#[test]
fn every_container_port_is_part_of_the_revision() {
    let revision = |ports: &str, init_ports: &str| {
        let source = format!(
            r#"Scenario(
        name: "port-revision",
        cluster: (nodePools: [(name: "worker", count: 1)]),
        statefulsets: [(name: "app", replicas: 1,
            template: (labels: {{"app": "app"}}, image: "app:1", ports: [{ports}],
                initContainers: [(name: "proxy", image: "proxy:1", ports: [{init_ports}])]))],
    )"#
        );
        let config = stsim_scenario::parse_scenario(&source, "s.ron").expect("valid");
        stsim_core::controllers::statefulset::revision_name("app", &config.statefulsets[0].spec.template, 0)
    };
    let base = revision("(containerPort: 80)", "");
    assert_eq!(base, revision("(containerPort: 80, protocol: TCP)", ""), "TCP is the default");
    assert_ne!(base, revision("", ""), "a port removed");
    for other in [
        "(containerPort: 8080)",
        "(containerPort: 80, name: \"http\")",
        "(containerPort: 80, protocol: UDP)",
        "(containerPort: 80, hostPort: 80)",
        "(containerPort: 80), (containerPort: 81)",
    ] {
        assert_ne!(base, revision(other, ""), "{other}");
    }
    assert_ne!(base, revision("(containerPort: 80)", "(containerPort: 80)"), "an init container's port");
}

/// An `OrderedReady` set whose pod never gets Ready creates no more pods:
/// after ten minutes the `ordered-start-stuck` finding names the pod, why
/// it is not Ready, and the pods not created. Not under `Parallel`, not
/// before ten minutes, and not while the pods all exist.
#[test]
fn an_ordered_start_held_by_a_pod_never_ready_is_a_finding() {
    let source = |policy: &str, replicas: u32, duration: &str| {
        format!(
            r#"Scenario(
    name: "start-stuck",
    seed: 1,
    duration: "{duration}",
    cluster: (nodePools: [(name: "worker", count: 3)]),
    images: [(name: "db:1", startup: "5s", behaviour: NeverReady)],
    statefulsets: [(
        name: "db",
        replicas: {replicas},
        podManagementPolicy: {policy},
        template: (labels: {{"app": "db"}}, image: "db:1", readinessProbe: (periodSeconds: 5)),
    )],
)"#
        )
    };
    let stuck = |source: String| {
        let (_, report) = run(&source);
        report.findings.into_iter().find(|f| f.id == "ordered-start-stuck")
    };
    let finding = stuck(source("OrderedReady", 3, "15m")).expect("the finding");
    assert_eq!(finding.subject, "statefulset/db");
    assert_eq!(
        finding.summary,
        "db has been waiting for db-0 to be Ready since 0s, so db-1, db-2 have not been created"
    );
    assert!(
        finding.explanation.starts_with("db-0 (image db:1) runs but never passes its readiness probe. "),
        "{}",
        finding.explanation
    );
    assert!(finding.fix.contains("podManagementPolicy Parallel"), "{}", finding.fix);
    let many = stuck(source("OrderedReady", 10, "15m")).expect("the finding");
    assert!(
        many.summary.ends_with("so db-1, db-2, db-3, and 6 more have not been created"),
        "{}",
        many.summary
    );
    assert!(stuck(source("Parallel", 3, "15m")).is_none(), "Parallel creates them all");
    assert!(stuck(source("OrderedReady", 3, "9m")).is_none(), "not ten minutes yet");
    assert!(stuck(source("OrderedReady", 1, "15m")).is_none(), "nothing left to create");
    // An OnDelete set whose template changed has no rolling update to be
    // stuck: it is its start that is.
    let on_delete = source("OrderedReady", 3, "15m").replace(
        "    )],\n)",
        "        updateStrategy: OnDelete,\n    )],\n    timeline: [(at: \"1m\", do: SetImage(statefulset: \"db\", image: \"db:2\"))],\n)",
    );
    let on_delete = on_delete
        .replace(r#"images: [(name: "db:1""#, r#"images: [(name: "db:2", startup: "5s"), (name: "db:1""#);
    let finding = stuck(on_delete).expect("the finding under OnDelete");
    assert!(finding.summary.ends_with("so db-1, db-2 have not been created"), "{}", finding.summary);
}
