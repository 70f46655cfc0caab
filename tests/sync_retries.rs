//! The kubelet's words on a container that cannot start, said again at each
//! retry of its pod's sync (`stsim_render::events`' `sync_retries`): every
//! 10 to 15 s, by the pod's seeded stream; from 1.35 a restart back-off is
//! waited out instead, at most a minute at a time.

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

/// Before 1.35 a pod in `CrashLoopBackOff` is synced again every 10 to
/// 15 s, each sync saying `BackOff` again, until the restart: none while a
/// back-off of 10 s lasts, one or more in the longer ones.
#[test]
fn before_1_35_a_crash_loop_says_back_off_at_every_retry() {
    let (sim, _) = run(&scenario("1.34", CRASHING, "6m", ""));
    let back_offs = emitted(&sim, "BackOff");
    // Exits at 11s (10 s back-off), 26s (20 s), 51s (40 s), 1m36s (80 s),
    // 3m1s (160 s), 5m46s (300 s); each exit's own sync says it once.
    let exits = [11_000, 26_000, 51_000, 96_000, 181_000, 346_000];
    for exit in exits {
        assert!(back_offs.contains(&exit), "{exit} in {back_offs:?}");
    }
    let retries: Vec<u64> = back_offs.iter().copied().filter(|at| !exits.contains(at)).collect();
    // Between the exits and the restarts (21s, 46s, 1m31s, 2m56s, 5m41s,
    // and 10m46s, after the run).
    let restarts = [21_000, 46_000, 91_000, 176_000, 341_000, 646_000];
    for at in &retries {
        let (exit, restart) =
            exits.iter().zip(&restarts).find(|(e, r)| **e < *at && *at < **r).expect("in a back-off");
        assert!(at - exit >= 10_000, "{at} after {exit}, before {restart}");
    }
    // Every gap within a back-off is the pod worker's 10 to 15 s.
    for window in back_offs.windows(2) {
        if restarts.iter().any(|r| window[0] < *r && *r < window[1]) {
            continue;
        }
        let gap = window[1] - window[0];
        assert!((10_000..15_000).contains(&gap), "{window:?}");
    }
    // 20 s: one retry; 40 s: two or three; 80 s: five to seven; 160 s: ten to fifteen.
    let within = |from: u64, to: u64| retries.iter().filter(|at| from < **at && **at < to).count();
    assert_eq!(within(26_000, 46_000), 1);
    assert!((2..=3).contains(&within(51_000, 91_000)), "{retries:?}");
    assert!((5..=7).contains(&within(96_000, 176_000)), "{retries:?}");
    assert!((10..=15).contains(&within(181_000, 341_000)), "{retries:?}");
}

/// From 1.35 the sync that finds a restart back-off carries its end, and
/// the pod worker waits for it (a minute at most, jittered by half): a
/// back-off of a minute or less is said once, at the exit; one of 160 s
/// once or twice more.
#[test]
fn from_1_35_the_pod_worker_waits_for_the_back_off_to_end() {
    let (sim, _) = run(&scenario("1.35", CRASHING, "6m", ""));
    let back_offs = emitted(&sim, "BackOff");
    assert_eq!(back_offs[..4], [11_000, 26_000, 51_000, 96_000], "{back_offs:?}");
    let long = back_offs.iter().filter(|at| (181_000..341_000).contains(*at)).count();
    assert!((2..=3).contains(&long), "the exit at 3m1s and a retry or two: {back_offs:?}");
    let (old, _) = run(&scenario("1.34", CRASHING, "6m", ""));
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
