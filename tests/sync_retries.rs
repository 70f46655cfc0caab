//! The kubelet's words on a container that cannot start, said again at each
//! retry of its pod's sync (`stsim_render::events`' `sync_retries`): every
//! 10 to 15 s, by the pod's seeded stream; from 1.35 a restart back-off is
//! waited out instead, at most a minute at a time. The kubelet starts a
//! crash-looping container again at one of those retries
//! (`kubelet::pod_worker`), not at its back-off's end.

use crate::support::run;
use stsim_core::Simulation;

/// A one-pod scenario of `image` (its behaviour and startup given) on
/// release `release`, for `duration`, with `timeline`.
fn scenario(release: &str, image: &str, duration: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
        name: "retries",
        duration: "{duration}",
        kubernetesVersion: "{release}",
        cluster: (nodePools: [(name: "worker", count: 1)]),
        images: [{image}],
        services: [(name: "svc", selector: {{"app": "a"}})],
        statefulsets: [(name: "a", serviceName: "svc", replicas: 1, template: (labels: {{"app": "a"}}, image: "app:1"))],
        timeline: [{timeline}],
    )"#
    )
}

/// When each event of `reason` about a-0 was emitted, in ms.
fn emitted(sim: &Simulation, reason: &str) -> Vec<u64> {
    let events = stsim_render::events::collect(sim).into_iter().filter(|e| e.reason == reason);
    events.filter(|e| e.involved.name == "a-0").map(|e| e.at_ms).collect()
}

/// The gaps between consecutive times.
fn gaps(times: &[u64]) -> Vec<u64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

const CRASHING: &str = r#"(name: "app:1", behaviour: CrashLoop, pull: "1s", startup: "5s")"#;

/// Each wait of a crash loop (run 1.34 or 1.35 for 9 minutes): when the
/// container exited and when it started again, from the kubelet's
/// `Started` events (the image crashes 5 s after each start; the first
/// exit starts it again at once, without a back-off).
fn waits(sim: &Simulation) -> Vec<(u64, u64)> {
    let starts = emitted(sim, "Started");
    assert!(starts.len() >= 7, "{starts:?}");
    assert_eq!(starts[1], starts[0] + 5_000, "the first exit is started again at once: {starts:?}");
    starts[1..].windows(2).map(|w| (w[0] + 5_000, w[1])).collect()
}

/// The back-off windows of the waits, in order.
const WINDOWS: [u64; 5] = [10_000, 20_000, 40_000, 80_000, 160_000];

/// Before 1.35 a pod in `CrashLoopBackOff` is synced again every 10 to
/// 15 s, each sync saying `BackOff` again, and the sync that finds the
/// back-off over starts the container: each restart is 10 to 15 s after
/// the sync before it, and 0 to 15 s after the back-off's end.
#[test]
fn before_1_35_a_crash_loop_says_back_off_at_every_retry_and_restarts_at_one() {
    let (sim, _) = run(&scenario("1.34", CRASHING, "9m", ""));
    let back_offs = emitted(&sim, "BackOff");
    let waits = waits(&sim);
    for ((exit, restart), window) in waits.iter().zip(WINDOWS) {
        // The exit's own sync says it, then each retry until the restart.
        let said: Vec<u64> = back_offs.iter().copied().filter(|at| exit <= at && at < restart).collect();
        assert_eq!(said[0], *exit, "{exit}: {back_offs:?}");
        let syncs: Vec<u64> = said.iter().copied().chain([*restart]).collect();
        assert!(gaps(&syncs).iter().all(|g| (10_000..15_000).contains(g)), "{syncs:?}");
        assert!(*restart >= exit + window && *restart < exit + window + 15_000, "{exit} -> {restart}");
        // Every retry before the end says it; none after.
        assert!(said.iter().all(|at| *at < exit + window), "{said:?}");
    }
    // 20 s: one retry; 40 s: two or three; 80 s: five to seven; 160 s: ten to fifteen.
    let retries = |i: usize| back_offs.iter().filter(|at| waits[i].0 < **at && **at < waits[i].1).count();
    assert_eq!(retries(0), 0);
    assert!((1..=1).contains(&retries(1)));
    assert!((2..=3).contains(&retries(2)), "{back_offs:?}");
    assert!((5..=7).contains(&retries(3)), "{back_offs:?}");
    assert!((10..=15).contains(&retries(4)), "{back_offs:?}");
}

/// From 1.35 the sync that finds a restart back-off carries its end, and
/// the pod worker waits for it (a minute at most, jittered by half): a
/// back-off of a minute or less is said once, at the exit, and the
/// container starts up to half the back-off after its end; one of 160 s
/// is said once or twice more.
#[test]
fn from_1_35_the_pod_worker_waits_for_the_back_off_to_end() {
    let (sim, _) = run(&scenario("1.35", CRASHING, "9m", ""));
    let back_offs = emitted(&sim, "BackOff");
    let waits = waits(&sim);
    for ((exit, restart), window) in waits.iter().zip(WINDOWS) {
        let said = back_offs.iter().filter(|at| *exit <= **at && **at < *restart).count();
        // The last wait's jitter puts the restart after the end.
        assert!(*restart > exit + window, "{exit} -> {restart}");
        if window <= 60_000 {
            assert_eq!(said, 1, "{exit}: {back_offs:?}");
            assert!(*restart < exit + window * 3 / 2, "{exit} -> {restart}");
        } else {
            // A minute (and its jitter) at a time, then what is left.
            let most = if window > 120_000 { 3 } else { 2 };
            assert!((1..=most).contains(&said), "the exit and a retry or two: {back_offs:?}");
            assert!(*restart < exit + window + 30_000, "{exit} -> {restart}");
        }
    }
    let (old, _) = run(&scenario("1.34", CRASHING, "9m", ""));
    assert!(emitted(&old, "BackOff").len() > back_offs.len() + 10);
}

/// A reference the kubelet cannot read is never pulled, and every retry
/// says so again: `InspectFailed` and `Error: InvalidImageName` in pairs,
/// 10 to 15 s apart, for as long as the pod lives; its deletion ends them.
/// What the API server keeps counts them (`x<n>`) under the pod's spam
/// budget: 25 events, then one every 5 minutes.
#[test]
fn an_unreadable_image_is_said_again_at_every_retry_until_the_pod_is_deleted() {
    let invalid = r#"(name: "app:1", pull: "1s")"#;
    let source = scenario("1.36", invalid, "10m", r#"(at: "5m", do: DeletePod(pod: "a-0"))"#)
        .replace(r#"image: "app:1""#, r#"image: "App:1""#)
        .replace(r#"name: "app:1""#, r#"name: "App:1""#);
    let (sim, _) = run(&source);
    assert_eq!(emitted(&sim, "InspectFailed"), emitted(&sim, "Failed"), "each retry says both");
    // By pod object: the one deleted at 5m, and the one made anew.
    let by_pod = |uid: u64| -> Vec<u64> {
        let events = stsim_render::events::collect(&sim).into_iter();
        events.filter(|e| e.reason == "InspectFailed" && e.involved.uid == uid).map(|e| e.at_ms).collect()
    };
    let mut uids: Vec<u64> = sim.world.pods.iter().map(|p| p.uid.0).collect();
    uids.sort_unstable();
    let (first, second) = (by_pod(uids[0]), by_pod(uids[1]));
    assert_eq!(first[0], 0, "the first sync");
    assert!(*first.last().unwrap() < 300_000, "none after the deletion: {first:?}");
    assert!(gaps(&first).iter().all(|g| (10_000..15_000).contains(g)), "{first:?}");
    assert!((20..=30).contains(&first.len()), "{} in 5 minutes", first.len());
    let made = sim.world.pods.iter().find(|p| p.uid.0 == uids[1]).unwrap().created_at.as_millis();
    assert!(second[0] >= made && second[0] < made + 10_000, "its own first sync: {second:?}");
    assert!(gaps(&second).iter().all(|g| (10_000..15_000).contains(g)), "{second:?}");
    let kept = stsim_render::events::recorded(&sim).events;
    let counted: Vec<u32> = (kept.iter())
        .filter(|e| e.reason == "InspectFailed" && e.involved.name == "a-0")
        .map(|e| e.count)
        .collect();
    assert!(counted.iter().any(|n| *n > 12), "{counted:?}");
}

/// The retries are a function of the scenario and its seed: the same seed
/// gives the same times, another seed others.
#[test]
fn retries_follow_the_seed() {
    let source = scenario("1.34", CRASHING, "6m", "");
    let times = |seed: u64| {
        let (sim, _) =
            run(&source.replace("name: \"retries\",", &format!("name: \"retries\", seed: {seed},")));
        emitted(&sim, "BackOff")
    };
    assert_eq!(times(7), times(7));
    assert_ne!(times(7), times(8));
}

/// A kubelet cut off from the API server writes nothing: no retry is said
/// while its node is partitioned, and they resume once it is back.
#[test]
fn a_cut_off_kubelet_says_nothing() {
    let invalid = r#"(name: "App:1", pull: "1s")"#;
    let timeline =
        r#"(at: "1m", do: PartitionNode(node: "worker-1")), (at: "3m", do: RecoverNode(node: "worker-1"))"#;
    let source = scenario("1.36", invalid, "5m", timeline).replace(r#"image: "app:1""#, r#"image: "App:1""#);
    let (sim, _) = run(&source);
    let said = emitted(&sim, "InspectFailed");
    assert!(said.iter().all(|at| !(60_000..180_000).contains(at)), "{said:?}");
    assert!(said.iter().any(|at| *at > 180_000), "{said:?}");
}

/// A pod stuck for a day is retried about 7,000 times: past the first 200
/// the repeats are counted into one event at the last of them, so memory
/// follows the changes, not the duration, and the count is whole.
#[test]
fn a_day_of_retries_is_counted_not_listed() {
    let invalid = r#"(name: "App:1", pull: "1s")"#;
    let source = scenario("1.36", invalid, "24h", "").replace(r#"image: "app:1""#, r#"image: "App:1""#);
    let (sim, _) = run(&source);
    let events: Vec<_> =
        (stsim_render::events::collect(&sim).into_iter()).filter(|e| e.reason == "InspectFailed").collect();
    assert_eq!(events.len(), 1 + 200 + 1, "the first sync, the listed retries, one count");
    let total: u64 = events.iter().map(|e| 1 + u64::from(e.also)).sum();
    assert!((5_700..=8_700).contains(&total), "{total} retries in a day, one every 10-15 s");
    let last = events.last().unwrap();
    assert!(last.at_ms > 86_400_000 - 15_000, "the last retry, at {}", last.at_ms);
    let kept = stsim_render::events::recorded(&sim).events;
    let inspect = kept.iter().find(|e| e.reason == "InspectFailed").unwrap();
    assert_eq!(u64::from(inspect.count), total);
}

/// An init container in `Init:CrashLoopBackOff` is retried like a main
/// container, but only while it waits: once it runs again (`Init:0/1`)
/// or its pod's STATUS has moved past it, no retry says `BackOff`. Every
/// `BackOff` falls in a window the trace shows the pod in
/// `Init:CrashLoopBackOff` (the init container runs 30 s before each
/// crash, time for two or three retries were it still counted as waiting).
#[test]
fn an_init_container_is_retried_only_while_it_waits() {
    use stsim_core::objects::StatusColumn;
    use stsim_core::trace::Event;
    let source = scenario(
        "1.34",
        r#"(name: "app:1", startup: "1s"), (name: "check:1", startup: "30s", behaviour: CrashLoop)"#,
        "12m",
        "",
    )
    .replace(
        r#"image: "app:1"))"#,
        r#"image: "app:1", initContainers: [(name: "check", image: "check:1")]))"#,
    );
    let (sim, _) = run(&source);
    // The windows in which a-0's STATUS is `Init:CrashLoopBackOff`.
    let mut windows: Vec<(u64, u64)> = Vec::new();
    let mut open: Option<u64> = None;
    for record in &sim.trace.records {
        let Event::PodStatus { status, .. } = &record.event else { continue };
        let at = record.at.as_millis();
        let backing_off = *status == StatusColumn::Reason("Init:CrashLoopBackOff");
        match (open, backing_off) {
            (None, true) => open = Some(at),
            (Some(from), false) => {
                windows.push((from, at));
                open = None;
            }
            _ => {}
        }
    }
    windows.extend(open.map(|from| (from, u64::MAX)));
    assert!(windows.len() >= 4, "the init container crash-loops: {windows:?}");
    let back_offs = emitted(&sim, "BackOff");
    assert!(back_offs.len() > windows.len(), "retries said again: {back_offs:?}");
    for at in &back_offs {
        assert!(
            windows.iter().any(|(from, to)| (*from..*to).contains(at)),
            "BackOff at {at} outside {windows:?}"
        );
    }
}

/// Every restart out of a `CrashLoopBackOff` in every shipped scenario is
/// the pod worker's sync (`kubelet::pod_worker::first_sync`): the first
/// retry at or after the back-off's end, its retries counted from the
/// pod's last status write about its containers before the restart. Pods
/// with one crash-looping container (several would wait, from 1.35, for
/// the earliest end among them), restarts not brought by something else
/// (a machine's crash or return, an image change).
#[test]
fn every_restart_out_of_a_back_off_is_a_pod_worker_sync() {
    use stsim_core::controllers::kubelet::pod_worker::first_sync;
    use stsim_core::objects::{ContainerRef, ContainerState, StatusColumn};
    use stsim_core::trace::Event;
    let mut checked = 0;
    for name in crate::support::shipped_scenarios() {
        let (sim, _) = crate::support::run_file(&name);
        for pod in &sim.world.pods {
            let waits = &pod.history.restart_waits;
            if waits.iter().any(|w| w.container != waits[0].container) {
                continue;
            }
            let single = pod.extra_containers.is_empty();
            // The pod's status writes about its containers, and whether
            // each starts the container of a wait again.
            let writes: Vec<_> = (sim.trace.records.iter())
                .filter(|r| match r.event {
                    Event::PodStatus { pod: p, .. } | Event::ContainerStatus { pod: p, .. } => p == pod.id,
                    _ => false,
                })
                .collect();
            let starts = |event: &Event, container: ContainerRef| match (event, container) {
                (
                    Event::PodStatus { status: StatusColumn::Reason("Running"), .. },
                    ContainerRef::Regular(0),
                ) => single,
                (
                    Event::ContainerStatus { container: c, state: ContainerState::Running, .. },
                    ContainerRef::Regular(k),
                ) => !single && *c == k,
                (Event::PodStatus { status: StatusColumn::Init { done, .. }, .. }, ContainerRef::Init(i)) => {
                    *done == i
                }
                _ => false,
            };
            // What else starts containers again.
            let disturbed = |from, to| {
                sim.trace.records.iter().any(|r| {
                    from < r.at
                        && r.at <= to
                        && match &r.event {
                            Event::NodeMachine { node, .. } => pod.node == Some(*node),
                            Event::PodDeleting { pod: p, .. } => *p == pod.id,
                            _ => matches!(
                                r.actor,
                                stsim_core::trace::Actor::User | stsim_core::trace::Actor::Operator(_)
                            ),
                        }
                })
            };
            for wait in waits {
                let Some(restart) =
                    writes.iter().find(|r| r.at > wait.from && starts(&r.event, wait.container))
                else {
                    continue;
                };
                if restart.at < wait.until || disturbed(wait.from, restart.at) {
                    continue;
                }
                let from =
                    writes.iter().map(|r| r.at).filter(|at| *at < restart.at).max().expect("the wait's own");
                let release = sim.config.kubernetes;
                let sync = first_sync(sim.config.seed, pod.uid, release, from, wait.until, Some(wait.until));
                assert_eq!(restart.at, sync, "{name}: {} {wait:?} from {from:?}", pod.name);
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked} restarts checked");
}

/// The pod worker pulls within a sync: while a pull is under way (here 30
/// s, longer than the 10-15 s between retries) no retry says `Back-off
/// pulling image`; the retries come back after the pull fails.
#[test]
fn no_retry_is_said_while_a_pull_is_under_way() {
    let slow = r#"(name: "app:1", behaviour: PullFails, pull: "30s")"#;
    let (sim, _) = run(&scenario("1.36", slow, "10m", ""));
    let pulls = emitted(&sim, "Pulling");
    let failed: Vec<u64> = stsim_render::events::collect(&sim)
        .into_iter()
        .filter(|e| {
            e.involved.name == "a-0" && e.reason == "Failed" && e.message.starts_with("Failed to pull")
        })
        .map(|e| e.at_ms)
        .collect();
    assert!(pulls.len() >= 4 && failed.len() >= 4, "{pulls:?} {failed:?}");
    let back_offs = emitted(&sim, "BackOff");
    assert!(back_offs.len() > 5, "{back_offs:?}");
    for (start, end) in pulls.iter().zip(&failed) {
        assert_eq!(end - start, 30_000);
        assert!(!back_offs.iter().any(|at| start < at && at < end), "{start}..{end}: {back_offs:?}");
    }
}
