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
