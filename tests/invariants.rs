//! Random valid scenarios run to completion, with the engine's invariants
//! checked after every event: time never goes backwards, no id dangles, a
//! claim is bound to at most one volume (and a volume to at most one
//! claim), every running pod is on a node of the world, there is at most
//! one pod object per identity, every pod's revision number is its
//! revision label's, a pod showing restarts has a last termination, and
//! the index of open identity violations is true.
//! `PROPTEST_CASES=2000 cargo test -p stsim-tests --lib invariants` runs it
//! longer.

use proptest::prelude::*;
use std::collections::BTreeMap;
use stsim_core::objects::PodPhase;
use stsim_core::operators::{Operator, OperatorAction, Reconciled, View, WatchEvent};
use stsim_core::sim::Simulation;

/// One timeline action, before it is written as RON.
#[derive(Debug, Clone)]
enum Act {
    Scale(u32),
    DeletePod(u32),
    ForceDeletePod(u32),
    Crash(u32),
    Partition(u32),
    Recover(u32),
    Drain(u32),
    Cordon(u32),
    DeleteNode(u32),
    AddNode,
    SetImage(bool),
    DeleteStatefulSet,
    DeletePvc(u32),
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        (0u32..7).prop_map(Act::Scale),
        (0u32..6).prop_map(Act::DeletePod),
        (0u32..6).prop_map(Act::ForceDeletePod),
        (1u32..5).prop_map(Act::Crash),
        (1u32..5).prop_map(Act::Partition),
        (1u32..5).prop_map(Act::Recover),
        (1u32..5).prop_map(Act::Drain),
        (1u32..5).prop_map(Act::Cordon),
        (1u32..5).prop_map(Act::DeleteNode),
        Just(Act::AddNode),
        any::<bool>().prop_map(Act::SetImage),
        Just(Act::DeleteStatefulSet),
        (0u32..6).prop_map(Act::DeletePvc),
    ]
}

#[derive(Debug, Clone)]
struct Shape {
    seed: u64,
    nodes: u32,
    replicas: u32,
    parallel: bool,
    retention_delete: bool,
    failures: bool,
    local: bool,
    timeline: Vec<(u32, Act)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<u64>(),
        4u32..6,
        0u32..6,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((1u32..1_800, act()), 0..12),
    )
        .prop_map(|(seed, nodes, replicas, parallel, retention_delete, failures, local, timeline)| {
            Shape { seed, nodes, replicas, parallel, retention_delete, failures, local, timeline }
        })
}

fn ron(shape: &Shape) -> String {
    let mut timeline = Vec::new();
    for (at, act) in &shape.timeline {
        let action = match act {
            Act::Scale(n) => format!("Scale(statefulset: \"db\", replicas: {n})"),
            Act::DeletePod(o) => format!("DeletePod(pod: \"db-{o}\")"),
            Act::ForceDeletePod(o) => format!("ForceDeletePod(pod: \"db-{o}\")"),
            Act::Crash(n) => format!("CrashNode(node: \"w-{n}\")"),
            Act::Partition(n) => format!("PartitionNode(node: \"w-{n}\")"),
            Act::Recover(n) => format!("RecoverNode(node: \"w-{n}\")"),
            Act::Drain(n) => format!("DrainNode(node: \"w-{n}\")"),
            Act::Cordon(n) => format!("Cordon(node: \"w-{n}\")"),
            Act::DeleteNode(n) => format!("DeleteNode(node: \"w-{n}\")"),
            Act::AddNode => "AddNode(pool: \"w\")".to_string(),
            Act::SetImage(b) => {
                format!("SetImage(statefulset: \"db\", image: \"{}\")", if *b { "db:2" } else { "db:1" })
            }
            Act::DeleteStatefulSet => "DeleteStatefulSet(statefulset: \"db\")".to_string(),
            Act::DeletePvc(o) => format!("DeletePvc(pvc: \"data-db-{o}\")"),
        };
        timeline.push(format!("(at: \"{at}s\", do: {action})"));
    }
    let failures = if shape.failures {
        "nodeFailures: (meanTimeBetweenFailures: \"10m\", meanTimeToRepair: \"3m\"),"
    } else {
        ""
    };
    let class = if shape.local {
        "storageClasses: [(name: \"local\", provisioner: \"rancher.io/local-path\", volumeBindingMode: WaitForFirstConsumer, local: true, zonal: false, default: true)],"
    } else {
        ""
    };
    // A third of the shapes each give nodes room for one or two disks of the default class.
    let attach = match shape.seed % 3 {
        0 => String::new(),
        n => format!(r#", volumeAttachLimits: [(driver: "ebs.csi.aws.com", count: {n})]"#),
    };
    format!(
        r#"Scenario(
    name: "random",
    seed: {seed},
    duration: "40m",
    cluster: ({failures} {class} nodePools: [(name: "w", count: {nodes}, cpu: "2", memory: "4Gi"{attach})]),
    images: [(name: "db:1", pull: "5s", startup: "3s", shutdown: "2s"), (name: "db:2", pull: "5s", startup: "3s", shutdown: "2s")],
    services: [(name: "svc", selector: {{"app": "db"}})],
    statefulsets: [(
        name: "db",
        serviceName: "svc",
        replicas: {replicas},
        podManagementPolicy: {policy},
        persistentVolumeClaimRetentionPolicy: (whenScaled: {retention}, whenDeleted: {retention}),
        template: (labels: {{"app": "db"}}, image: "db:1", resources: (requests: (cpu: "500m", memory: "1Gi")), readinessProbe: (periodSeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
    timeline: [{timeline}],
)"#,
        seed = shape.seed,
        nodes = shape.nodes,
        replicas = shape.replicas,
        policy = if shape.parallel { "Parallel" } else { "OrderedReady" },
        retention = if shape.retention_delete { "Delete" } else { "Retain" },
        timeline = timeline.join(",\n        "),
    )
}

/// Every invariant of the world, or what broke.
fn check(sim: &Simulation) -> Result<(), String> {
    let world = &sim.world;
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for pod in world.pods.iter().filter(|p| p.exists()) {
        *by_name.entry(pod.name.as_str()).or_default() += 1;
        if let Some(node) = pod.node
            && node.index() >= world.nodes.len()
        {
            return Err(format!("pod {} is bound to node #{} that does not exist", pod.name, node.index()));
        }
        let label = pod.labels.get(stsim_core::objects::labels::REVISION);
        if pod.revision_number() != label.and_then(|value| world.revision_number(value)) {
            return Err(format!("pod {}'s revision number disagrees with its label {label:?}", pod.name));
        }
        // kubectl's RESTARTS column: a restart counted has a last
        // termination to count its `(5m ago)` from, in the past.
        if pod.restarts_column() > 0 && pod.last_restart_column().is_none_or(|at| at > sim.now()) {
            return Err(format!(
                "pod {} shows {} restarts and its last termination at {:?}",
                pod.name,
                pod.restarts_column(),
                pod.last_restart_column()
            ));
        }
        if pod.status.phase == PodPhase::Running && pod.node.is_none() {
            return Err(format!("pod {} runs on no node", pod.name));
        }
        if let Some(sts) = pod.owner
            && sts.index() >= world.statefulsets.len()
        {
            return Err(format!("pod {} has a dangling owner", pod.name));
        }
    }
    if let Some((name, n)) = by_name.iter().find(|(_, n)| **n > 1) {
        return Err(format!("{n} pod objects named {name}"));
    }
    let open: BTreeMap<(stsim_core::objects::StsId, u32), usize> = world
        .identity_violations
        .iter()
        .enumerate()
        .filter(|(_, v)| v.until.is_none())
        .map(|(i, v)| ((v.sts, v.ordinal), i))
        .collect();
    if open != *world.open_violations() {
        return Err(format!("open identity violations {open:?}, indexed as {:?}", world.open_violations()));
    }
    // The StatefulSet controller reads pods through their PodBrief and a
    // set's status revisions by number: every write of what they copy must
    // have refreshed them (each accessor also checks itself in debug builds).
    for pod in &world.pods {
        if *world.pod_brief(pod.id) != pod.brief() {
            return Err(format!("pod {}'s PodBrief is out of date", pod.name));
        }
    }
    for set in &world.statefulsets {
        let names = [&set.status.current_revision, &set.status.update_revision];
        let numbers = names.map(|name| world.revision_number(name).filter(|_| !name.is_empty()));
        if world.status_revision_numbers(set.id) != numbers {
            return Err(format!("{}'s status revision numbers are out of date", set.name));
        }
    }
    // The scheduler reads nodes through their NodeFit: every write of what
    // it copies must have refreshed it. The node's pod count and requests
    // are what its assigned pods that have not finished ask for (the
    // scheduler cache drops a finished pod).
    for node in &world.nodes {
        if *world.node_fit(node.id) != stsim_core::world::NodeFit::of(node) {
            return Err(format!("node {}'s NodeFit is out of date", node.name));
        }
        let assigned: Vec<_> = world
            .pods
            .iter()
            .filter(|p| p.exists() && !p.is_terminal() && p.node.or(p.assumed_node) == Some(node.id))
            .collect();
        let cpu: u64 = assigned.iter().map(|p| p.requests.cpu_millis).sum();
        // NodeVolumeLimits' index: the same pods, kept only on nodes with attach limits.
        let counted: std::collections::BTreeSet<_> = if node.volume_attach_limits.is_empty() {
            Default::default()
        } else {
            assigned.iter().map(|p| p.id).collect()
        };
        if node.exists() && node.volume_pods != counted {
            return Err(format!(
                "node {} counts the pods {:?} for attach limits; {counted:?} are assigned",
                node.name, node.volume_pods
            ));
        }
        if node.exists() && (node.pod_count as usize != assigned.len() || node.requested.cpu_millis != cpu) {
            return Err(format!(
                "node {} counts {} pods and {}m of CPU; {} pods asking {cpu}m are assigned to it",
                node.name,
                node.pod_count,
                node.requested.cpu_millis,
                assigned.len()
            ));
        }
    }
    let mut claimed: BTreeMap<usize, usize> = BTreeMap::new();
    for pv in world.pvs.iter().filter(|v| v.removed_at.is_none()) {
        if let Some(claim) = pv.claim {
            if claim.index() >= world.pvcs.len() {
                return Err(format!("volume {} claims a dangling id", pv.name));
            }
            *claimed.entry(claim.index()).or_default() += 1;
        }
    }
    if let Some((claim, n)) = claimed.iter().find(|(_, n)| **n > 1) {
        return Err(format!("{n} volumes bound to claim {}", world.pvcs[*claim].name));
    }
    for pvc in world.pvcs.iter().filter(|c| c.exists()) {
        if let Some(volume) = pvc.volume {
            let Some(pv) = world.pvs.get(volume.index()) else {
                return Err(format!("claim {} names a dangling volume", pvc.name));
            };
            if pv.removed_at.is_none() && pv.claim.is_some_and(|c| c != pvc.id) {
                return Err(format!("claim {} and volume {} disagree", pvc.name, pv.name));
            }
        }
    }
    Ok(())
}

proptest! {
    // 48 cases by default (a second); PROPTEST_CASES sets more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_scenarios_keep_the_invariants_after_every_event(shape in shape()) {
        let source = ron(&shape);
        let config = match stsim_scenario::parse_scenario(&source, "random.ron") {
            Ok(config) => config,
            Err(diagnostics) => {
                // Every generated shape is valid: a refusal is a bug in the generator or the validator.
                prop_assert!(false, "{}\n{}", diagnostics[0], source);
                unreachable!()
            }
        };
        let mut sim = Simulation::new(config);
        let mut last = sim.now();
        while sim.step() {
            prop_assert!(sim.now() >= last, "time went back from {} to {}", last, sim.now());
            last = sim.now();
            if let Err(broken) = check(&sim) {
                prop_assert!(false, "at {} after event {}: {}\n{}", sim.now(), sim.events, broken, source);
            }
        }
        prop_assert!(sim.ended.is_some());
        let report = stsim_core::report::build(&sim);
        let _ = stsim_cli::render::text::render(&report);
    }
}

/// An operator that does what it is told: a script of answers, one per reconcile.
struct Scripted {
    answers: Vec<Reconciled>,
    next: usize,
}

impl Operator for Scripted {
    fn name(&self) -> &str {
        "hostile"
    }
    fn reconcile(&mut self, _: &View, _: &[WatchEvent]) -> Result<Reconciled, String> {
        let answer = self.answers.get(self.next).cloned().unwrap_or_default();
        self.next += 1;
        Ok(answer)
    }
}

fn action() -> impl Strategy<Value = OperatorAction> {
    let pod = prop_oneof![(0u32..5).prop_map(|o| format!("pg-{o}")), "[a-z0-9-]{0,12}"];
    prop_oneof![
        pod.clone().prop_map(|name| OperatorAction::DeletePod { name }),
        pod.clone().prop_map(|name| OperatorAction::ForceDeletePod { name }),
        pod.clone().prop_map(|name| OperatorAction::Promote { name }),
        (0u32..5).prop_map(|o| OperatorAction::DeletePvc { name: format!("data-pg-{o}") }),
        prop_oneof![0u32..6, Just(u32::MAX), Just(100_001)]
            .prop_map(|replicas| OperatorAction::Scale { statefulset: "pg".into(), replicas }),
    ]
}

fn answer() -> impl Strategy<Value = Reconciled> {
    (
        prop::collection::vec(action(), 0..4),
        prop_oneof![Just(None), Just(Some(0)), (1u64..120_000).prop_map(Some), Just(Some(u64::MAX))],
    )
        .prop_map(|(actions, requeue_after_ms)| Reconciled { actions, requeue_after_ms })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    /// No operator can crash the engine or break its invariants, whatever it
    /// answers: deleting, force-deleting and promoting anything, scaling
    /// to anything, requeueing after 0 or u64::MAX ms.
    #[test]
    fn no_operator_answer_breaks_the_engine(
        answers in prop::collection::vec(answer(), 1..40),
        delay in prop_oneof![Just("0s"), Just("1s"), Just("20s")],
        seed in any::<u64>(),
    ) {
        let source = format!(
            r#"Scenario(name: "operated", seed: {seed}, duration: "20m",
    cluster: (nodePools: [(name: "w", count: 4)]),
    images: [(name: "postgres:16", pull: "2s", startup: "3s", shutdown: "5s")],
    services: [(name: "pg-svc", clusterIP: "None", selector: {{"app": "pg"}})],
    statefulsets: [(name: "pg", app: PrimaryReplica(addressing: Dns), serviceName: "pg-svc", replicas: 3,
        template: (labels: {{"app": "pg"}}, image: "postgres:16", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
    operators: [(operator: PvcCleanup(after: "1m"), reconcileDelay: "{delay}")],
    timeline: [(at: "5m", do: CrashNode(node: "w-1")), (at: "8m", do: RecoverNode(node: "w-1"))],
)"#
        );
        let config = stsim_scenario::parse_scenario(&source, "operated.ron").map_err(|d| TestCaseError::fail(d[0].to_string()))?;
        let operator: Box<dyn Operator> = Box::new(Scripted { answers, next: 0 });
        let mut sim = Simulation::with_operators(config, vec![operator]);
        let mut last = sim.now();
        while sim.step() {
            prop_assert!(sim.now() >= last);
            last = sim.now();
            if let Err(broken) = check(&sim) {
                prop_assert!(false, "at {} after event {}: {}", sim.now(), sim.events, broken);
            }
        }
        let report = stsim_core::report::build(&sim);
        let _ = stsim_core::story::tell(&sim);
        let _ = stsim_core::expect::check(&sim, &report);
    }
}
