//! When a Pending pod is tried again: kube-scheduler's scheduling queue.
//! An assigned pod added or relabelled moves the waiting pods the
//! rejecting plugins' queueing hints say it could help (InterPodAffinity,
//! PodTopologySpread), by release. Each test states the rule it checks
//! (pkg/scheduler/backend/queue).

use crate::support::{run, t};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// When the named pod was bound, if it was.
fn scheduled(sim: &Simulation, name: &str) -> Option<SimTime> {
    let pod = sim.world.pod_named(name)?;
    sim.trace.records.iter().find_map(|r| match r.event {
        Event::PodScheduled { pod: p, .. } if p == pod => Some(r.at),
        _ => None,
    })
}

/// `web` (one replica) must share a node with a pod labelled
/// `app: cache` (required pod affinity by hostname). `cache` has
/// `replicas` pods labelled `cache_labels`; `timeline` follows.
fn affinity_scenario(version: &str, replicas: u32, cache_labels: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
    name: "affinity-retry",
    duration: "3m",
    kubernetesVersion: "{version}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "pool", count: 2, zones: ["zone-a"])]),
    services: [(name: "web", selector: {{"app": "web"}}), (name: "cache", selector: {{"role": "cache"}})],
    statefulsets: [
        (name: "web", serviceName: "web", replicas: 1,
            template: (image: "nginx", labels: {{"app": "web"}},
                affinity: (podAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                    (labelSelector: (matchLabels: {{"app": "cache"}}), topologyKey: "kubernetes.io/hostname"),
                ])))),
        (name: "cache", serviceName: "cache", replicas: {replicas},
            template: (image: "redis", labels: {cache_labels})),
    ],
    timeline: [{timeline}],
)"#
    )
}

/// InterPodAffinity's queueing hint for an assigned pod's add: the pod
/// that matches all of `web-0`'s required affinity terms is bound, and
/// `web-0` is tried again in that instant (with the hints, 1.36; and
/// through the queue's pre-filter on a required term, 1.31). Before,
/// nothing moved it: no room, volume or node changed.
#[test]
fn a_pod_waiting_for_its_affinity_peer_goes_in_when_the_peer_is_placed() {
    for version in ["1.36", "1.31"] {
        let timeline = r#"(at: "1m", do: Scale(statefulset: "cache", replicas: 1))"#;
        let source = affinity_scenario(version, 0, r#"{"role": "cache", "app": "cache"}"#, timeline);
        let (sim, _) = run(&source);
        let cache = scheduled(&sim, "cache-0").expect("cache-0 is placed");
        assert!(cache >= t("1m"), "{version}");
        assert_eq!(scheduled(&sim, "web-0"), Some(cache), "{version}: web-0 goes in with cache-0");
        let web = sim.world.pod(sim.world.pod_named("web-0").unwrap());
        let cache = sim.world.pod(sim.world.pod_named("cache-0").unwrap());
        assert_eq!(web.node, cache.node, "{version}: on cache-0's node");
    }
}

/// The hint for a label update: `cache-0` runs from the start without the
/// label `web-0` needs; `kubectl label pod cache-0 app=cache` at 1m makes
/// it match all of `web-0`'s required terms, and `web-0` goes in at once.
#[test]
fn a_peer_relabelled_to_match_lets_the_waiting_pod_in() {
    let timeline = r#"(at: "1m", do: PatchPod(pod: "cache-0", labels: {"app": "cache"}))"#;
    let (sim, _) = run(&affinity_scenario("1.36", 1, r#"{"role": "cache"}"#, timeline));
    assert!(scheduled(&sim, "cache-0").is_some_and(|at| at < t("1m")));
    assert_eq!(scheduled(&sim, "web-0"), Some(t("1m")), "web-0 goes in when cache-0 is relabelled");
}
