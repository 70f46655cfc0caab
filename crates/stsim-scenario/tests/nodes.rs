//! The node, scheduling and disruption parts of the format: what they
//! become in the `Config`, and each error's code, place and wording.

use stsim_core::config::*;
use stsim_core::time::SimDuration;
use stsim_scenario::{Diagnostic, parse_scenario};

const BASE: &str = r#"Scenario(
    name: "demo",
    cluster: (
        zones: ["zone-a", "zone-b"],
        nodePools: [(name: "worker", count: 3)],
        storageClasses: [(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)],
    ),
    services: [(name: "web-svc", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web-svc",
        template: (image: "nginx:1.25"),
    )],
    timeline: [],
)
"#;

fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old:?} is not in the base scenario");
    BASE.replacen(old, new, 1)
}

fn position(source: &str, needle: &str) -> (usize, usize) {
    let offset = source.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &source[..offset];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap_or("").chars().count() + 1)
}

fn only_error(source: &str) -> Diagnostic {
    match parse_scenario(source, "test.ron") {
        Ok(config) => panic!("expected an error, got {config:#?}"),
        Err(mut diagnostics) => {
            assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
            diagnostics.remove(0)
        }
    }
}

/// Checks code, place (at the first `needle`) and a phrase of the message.
fn check(d: &Diagnostic, code: &str, source: &str, needle: &str, phrase: &str) {
    assert_eq!(d.code, code, "{d:#?}");
    assert_eq!((d.line, d.column), position(source, needle), "{d:#?}");
    assert!(d.message.contains(phrase), "{:?} does not contain {phrase:?}", d.message);
}

#[test]
fn node_fields_become_config() {
    let source = edit(
        r#"nodePools: [(name: "worker", count: 3)],"#,
        r#"nodeFailures: (meanTimeBetweenFailures: "30d", meanTimeToRepair: "1h"),
        nodePools: [
            (name: "worker", count: 3),
            (name: "db", count: 2, zones: ["zone-b"], taints: [(key: "dedicated", value: "db", effect: NoSchedule)]),
        ],"#,
    )
    .replacen(
        r#"template: (image: "nginx:1.25"),"#,
        r#"template: (
            image: "nginx:1.25",
            nodeSelector: {"pool": "db"},
            tolerations: [(key: "dedicated", operator: Equal, value: "db", effect: NoSchedule),
                          (key: "node.kubernetes.io/unreachable", operator: Exists, effect: NoExecute, tolerationSeconds: 30)],
            affinity: (
                nodeAffinity: (
                    requiredDuringSchedulingIgnoredDuringExecution: (nodeSelectorTerms: [
                        (matchExpressions: [(key: "topology.kubernetes.io/zone", operator: In, values: ["zone-b"])]),
                    ]),
                ),
                podAntiAffinity: (
                    requiredDuringSchedulingIgnoredDuringExecution: [
                        (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "kubernetes.io/hostname"),
                    ],
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        (weight: 50, podAffinityTerm: (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "topology.kubernetes.io/zone")),
                    ],
                ),
            ),
        ),"#,
        1,
    )
    .replacen(
        "timeline: [],",
        r#"podDisruptionBudgets: [(name: "web-pdb", selector: {"app": "web"}, maxUnavailable: "50%")],
    timings: (nodeMonitorGracePeriod: "40s", defaultTolerationSeconds: 60, volumeAttach: "30s", volumeDetach: "1m"),
    timeline: [
        (at: "1m", do: AddNode(pool: "db")),
        (at: "2m", do: CrashNode(node: "db-3")),
        (at: "3m", do: PartitionNode(node: "worker-1")),
        (at: "4m", do: TaintOutOfService(node: "db-3")),
        (at: "5m", do: DrainNode(node: "worker-2")),
        (at: "6m", do: AddNode(pool: "worker", zone: "zone-a")),
        (at: "7m", do: RecoverNode(node: "worker-4")),
    ],"#,
        1,
    );
    let config = parse_scenario(&source, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let failures = config.cluster.node_failures.expect("declared");
    assert_eq!(failures.mean_time_between_failures, SimDuration::from_mins(30 * 24 * 60));
    assert_eq!(failures.mean_time_to_repair, SimDuration::from_mins(60));
    let db = &config.cluster.node_pools[1];
    assert_eq!(db.zones, ["zone-b"]);
    assert_eq!(
        db.taints,
        [Taint { key: "dedicated".into(), value: "db".into(), effect: TaintEffect::NoSchedule }]
    );
    let template = &config.statefulsets[0].spec.template;
    assert_eq!(template.node_selector.get("pool").map(String::as_str), Some("db"));
    assert_eq!(template.tolerations.len(), 2);
    assert_eq!(template.tolerations[1].toleration_seconds, Some(30));
    assert_eq!(template.affinity.node_required.len(), 1);
    assert_eq!(template.affinity.anti_required[0].topology_key, "kubernetes.io/hostname");
    assert_eq!(template.affinity.anti_preferred[0].weight, 50);
    assert_eq!(
        config.pod_disruption_budgets[0].budget,
        DisruptionBudget::MaxUnavailable(IntOrPercent::Percent(50))
    );
    assert_eq!(config.timings.node_monitor_grace_period, SimDuration::from_secs(40));
    assert_eq!(config.timings.default_toleration, SimDuration::from_secs(60));
    assert_eq!(config.timings.volume_attach, SimDuration::from_secs(30));
    // Nodes are named by id: worker-1..3 (0-2), db-1..2 (3-4), then AddNode in time order.
    let actions: Vec<Action> = config.timeline.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        actions,
        [
            Action::AddNode { pool: 1, zone: None },
            Action::CrashNode { node: 5 },
            Action::PartitionNode { node: 0 },
            Action::TaintOutOfService { node: 5 },
            Action::DrainNode { node: 1 },
            Action::AddNode { pool: 0, zone: Some(0) },
            Action::RecoverNode { node: 6 },
        ]
    );
}

#[test]
fn defaults_are_kubernetes_defaults() {
    let config = parse_scenario(BASE, "test.ron").unwrap();
    assert_eq!(config.timings.node_monitor_grace_period, SimDuration::from_secs(50));
    assert_eq!(config.timings.node_monitor_period, SimDuration::from_secs(5));
    assert_eq!(config.timings.default_toleration, SimDuration::from_secs(300));
    assert!(config.cluster.node_failures.is_none());
    let old =
        parse_scenario(&edit("name: \"demo\",", "name: \"demo\",\n    kubernetesVersion: \"1.31\","), "t")
            .unwrap();
    assert_eq!(old.timings.node_monitor_grace_period, SimDuration::from_secs(40));
}

#[test]
fn unknown_node_in_the_timeline() {
    let source = edit("timeline: [],", r#"timeline: [(at: "1m", do: CrashNode(node: "worker-7"))],"#);
    let d = only_error(&source);
    check(&d, "unknown-reference", &source, "\"worker-7\"", "timeline[0].do.node: Not found: \"worker-7\"");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("`worker-1`")), "{d:#?}");
}

#[test]
fn unknown_pool_and_zone_in_add_node() {
    let source =
        edit("timeline: [],", r#"timeline: [(at: "1m", do: AddNode(pool: "wroker", zone: "zone-z"))],"#);
    let diagnostics = parse_scenario(&source, "test.ron").unwrap_err();
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
    check(&diagnostics[0], "unknown-reference", &source, "\"wroker\"", "no node pool has this name");
    assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `worker`? node pools: `worker`"));
    check(&diagnostics[1], "unknown-reference", &source, "\"zone-z\"", "not one of `cluster.zones`");
}

#[test]
fn a_pool_zone_must_be_a_cluster_zone() {
    let source = edit(r#"(name: "worker", count: 3)"#, r#"(name: "worker", count: 3, zones: ["zone-c"])"#);
    let d = only_error(&source);
    check(&d, "unknown-reference", &source, "\"zone-c\"", "cluster.nodePools[0].zones[0]: Not found");
}

#[test]
fn a_local_class_needs_wait_for_first_consumer() {
    let source = edit(
        r#"(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)"#,
        r#"(name: "local", local: true, default: true)"#,
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "true, default",
        "a local class needs volumeBindingMode WaitForFirstConsumer",
    );
}

/// Unless written, a class is zonal and local as its provisioner's volumes
/// are: a cloud's disks one zone's, a local provisioner's one node's (free,
/// and only with WaitForFirstConsumer), a distributed block store's and a
/// network file system's every node's, an unknown driver's taken for a
/// cloud's; what is written wins.
#[test]
fn a_class_is_zonal_and_local_by_its_provisioner_unless_written() {
    let class = |fields: &str| {
        let source = edit(r#"(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)"#, fields);
        let config = parse_scenario(&source, "test.ron").unwrap_or_else(|e| panic!("{e:#?}"));
        let class = config.cluster.storage_classes[0].clone();
        (class.zonal, class.local)
    };
    let with = |provisioner: &str| {
        class(&format!(
            r#"(name: "c", provisioner: "{provisioner}", volumeBindingMode: WaitForFirstConsumer, usdPerGibMonth: 0.1, default: true)"#
        ))
    };
    assert_eq!(with("ebs.csi.aws.com"), (true, false));
    assert_eq!(with("example.com/disks"), (true, false));
    assert_eq!(with("driver.longhorn.io"), (false, false));
    assert_eq!(with("rbd.csi.ceph.com"), (false, false));
    assert_eq!(with("cephfs.csi.ceph.com"), (false, false));
    assert_eq!(with("efs.csi.aws.com"), (false, false));
    assert_eq!(with("rancher.io/local-path"), (false, true));
    assert_eq!(
        class(
            r#"(name: "c", provisioner: "driver.longhorn.io", zonal: true, usdPerGibMonth: 0.1, default: true)"#
        ),
        (true, false)
    );
    // Free without a price, as a node's disk.
    let free = class(
        r#"(name: "c", provisioner: "rancher.io/local-path", volumeBindingMode: WaitForFirstConsumer, default: true)"#,
    );
    assert_eq!(free, (false, true));
    let source = edit(
        r#"(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)"#,
        r#"(name: "c", provisioner: "rancher.io/local-path", default: true)"#,
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"rancher.io/local-path\"",
        "a local provisioner's class needs volumeBindingMode WaitForFirstConsumer",
    );
}

#[test]
fn a_hostpath_provisioner_class_is_neither_zonal_nor_local() {
    let source = edit(
        r#"(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)"#,
        r#"(name: "standard", provisioner: "k8s.io/minikube-hostpath", zonal: true, default: true)"#,
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "true, default",
        "\"k8s.io/minikube-hostpath\" makes hostPath volumes of no node affinity, neither zonal nor local",
    );
    assert!(d.message.contains("cluster.storageClasses[0].zonal"), "{}", d.message);
    // `local: true` alone: that error, not also a local class's binding mode.
    let local = source.replace("zonal: true", "local: true");
    let d = only_error(&local);
    assert!(d.message.contains("cluster.storageClasses[0].local"), "{}", d.message);
}

#[test]
fn budgets_need_exactly_one_bound() {
    let both = edit(
        "timeline: [],",
        r#"podDisruptionBudgets: [(name: "pdb", selector: {"app": "web"}, minAvailable: 1, maxUnavailable: 1)],
    timeline: [],"#,
    );
    let d = only_error(&both);
    check(&d, "invalid-value", &both, "(name: \"pdb\"", "minAvailable and maxUnavailable cannot be both set");
    let bad = edit(
        "timeline: [],",
        r#"podDisruptionBudgets: [(name: "pdb", selector: {"app": "web"}, maxUnavailable: "150%")],
    timeline: [],"#,
    );
    let d = only_error(&bad);
    check(&d, "invalid-value", &bad, "\"150%\"", "podDisruptionBudgets[0].maxUnavailable");
}

#[test]
fn tolerations_follow_the_api_server_rules() {
    let with = |toleration: &str| {
        edit(
            r#"template: (image: "nginx:1.25"),"#,
            &format!(r#"template: (image: "nginx:1.25", tolerations: [{toleration}]),"#),
        )
    };
    let source = with(r#"(key: "a", operator: Exists, value: "b")"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"b\"", "value must be empty when `operator` is 'Exists'");
    let source = with(r#"(key: "a", operator: Exists, effect: NoSchedule, tolerationSeconds: 5)"#);
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "NoSchedule",
        "effect must be 'NoExecute' when `tolerationSeconds` is set",
    );
    let source = with(r#"(operator: Equal, value: "b")"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "Equal", "operator must be Exists when `key` is empty");
}

#[test]
fn affinity_terms_are_checked() {
    let with = |affinity: &str| {
        edit(
            r#"template: (image: "nginx:1.25"),"#,
            &format!(r#"template: (image: "nginx:1.25", affinity: ({affinity})),"#),
        )
    };
    let source = with(
        r#"podAntiAffinity: (preferredDuringSchedulingIgnoredDuringExecution: [
            (weight: 0, podAffinityTerm: (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "kubernetes.io/hostname"))])"#,
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "0, podAffinityTerm", "must be in the range 1-100");
    let source = with(
        r#"podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
            (labelSelector: (matchLabels: {"app": "web"}), topologyKey: "")])"#,
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"\")", "topologyKey: Required value");
    let source = with(
        r#"nodeAffinity: (requiredDuringSchedulingIgnoredDuringExecution: (nodeSelectorTerms: [
            (matchExpressions: [(key: "disk", operator: In)])]))"#,
    );
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "(key: \"disk\"",
        "must be specified when `operator` is 'In' or 'NotIn'",
    );
}

#[test]
fn node_failure_means_must_be_positive() {
    let source = edit(
        r#"nodePools: [(name: "worker", count: 3)],"#,
        r#"nodeFailures: (meanTimeBetweenFailures: "0s", meanTimeToRepair: "1h"),
        nodePools: [(name: "worker", count: 3)],"#,
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"0s\"", "must be greater than 0");
}

#[test]
fn racks_and_domain_outages_become_config() {
    let source = edit(
        r#"nodePools: [(name: "worker", count: 3)],"#,
        r#"domainOutages: [
            (topologyKey: "topology.rook.io/rack", meanTimeBetween: "60d", meanDuration: "1h", kind: Partition),
            (topologyKey: "example.com/row", meanTimeBetween: "1y", meanDuration: "30m"),
        ],
        nodePools: [
            (name: "worker", count: 6, racks: 3),
            (name: "db", count: 2, racks: 1, rackLabel: "example.com/cabinet", labels: {"example.com/row": "r1"}),
        ],"#,
    )
    .replace("\"1y\"", "\"365d\"");
    let config = parse_scenario(&source, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let outages = &config.cluster.domain_outages;
    assert_eq!(outages.len(), 2);
    assert_eq!(outages[0].topology_key, "topology.rook.io/rack");
    assert_eq!(outages[0].mean_time_between, SimDuration::from_mins(60 * 24 * 60));
    assert_eq!(outages[0].mean_duration, SimDuration::from_mins(60));
    assert!(outages[0].partition);
    assert!(!outages[1].partition, "Crash is the default kind");
    let (worker, db) = (&config.cluster.node_pools[0], &config.cluster.node_pools[1]);
    assert_eq!((worker.racks, worker.rack_label.as_str()), (3, DEFAULT_RACK_LABEL));
    assert_eq!((db.racks, db.rack_label.as_str()), (1, "example.com/cabinet"));
    assert_eq!(config.cluster.node_pools.len(), 2);
    // Without racks, a pool's nodes carry no rack label.
    let plain = parse_scenario(BASE, "test.ron").unwrap();
    assert_eq!(plain.cluster.node_pools[0].racks, 0);
    assert!(plain.cluster.domain_outages.is_empty());
}

#[test]
fn a_topology_key_no_node_carries_is_an_error() {
    let source = edit(
        r#"nodePools: [(name: "worker", count: 3)],"#,
        r#"domainOutages: [(topologyKey: "topology.rook.io/rakc", meanTimeBetween: "60d", meanDuration: "1h")],
        nodePools: [(name: "worker", count: 3, racks: 2)],"#,
    );
    let d = only_error(&source);
    check(&d, "unknown-reference", &source, "\"topology.rook.io/rakc\"", "no node carries this label");
    assert!(d.help.as_deref().unwrap_or("").contains("did you mean `topology.rook.io/rack`"), "{d:#?}");
    // The zone and hostname labels are on every node; a pool's own labels on its nodes.
    for key in ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] {
        let source = edit(
            r#"nodePools: [(name: "worker", count: 3)],"#,
            &format!(
                r#"domainOutages: [(topologyKey: "{key}", meanTimeBetween: "60d", meanDuration: "1h")],
        nodePools: [(name: "worker", count: 3)],"#
            ),
        );
        parse_scenario(&source, "test.ron").unwrap_or_else(|d| panic!("{key}: {d:#?}"));
    }
    // A key only nodes added later carry still has domains.
    let source = edit(
        r#"nodePools: [(name: "worker", count: 3)],"#,
        r#"domainOutages: [(topologyKey: "example.com/rack", meanTimeBetween: "60d", meanDuration: "1h")],
        nodePools: [(name: "worker", count: 3), (name: "late", count: 0, labels: {"example.com/rack": "r9"})],"#,
    )
    .replacen("timeline: [],", r#"timeline: [(at: "1m", do: AddNode(pool: "late"))],"#, 1);
    parse_scenario(&source, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
}

#[test]
fn domain_outages_are_checked() {
    let with = |outages: &str, pools: &str| {
        edit(
            r#"nodePools: [(name: "worker", count: 3)],"#,
            &format!("domainOutages: [{outages}],\n        nodePools: [{pools}],"),
        )
    };
    let pool = r#"(name: "worker", count: 3, racks: 2)"#;
    let source =
        with(r#"(topologyKey: "topology.rook.io/rack", meanTimeBetween: "0s", meanDuration: "1h")"#, pool);
    check(&only_error(&source), "invalid-value", &source, "\"0s\"", "must be greater than 0");
    let source = with(r#"(topologyKey: "", meanTimeBetween: "1d", meanDuration: "1h")"#, pool);
    check(&only_error(&source), "invalid-value", &source, "\"\"", "Required value");
    let source = with(r#"(topologyKey: "a/b/c", meanTimeBetween: "1d", meanDuration: "1h")"#, pool);
    let errors = parse_scenario(&source, "test.ron").unwrap_err();
    assert!(
        errors.iter().any(|d| d.message.contains("\"a/b/c\": a qualified name must consist")),
        "{errors:#?}"
    );
    let twice = r#"(topologyKey: "topology.rook.io/rack", meanTimeBetween: "1d", meanDuration: "1h"),
            (topologyKey: "topology.rook.io/rack", meanTimeBetween: "2d", meanDuration: "1h")"#;
    let source = with(twice, pool);
    let d = only_error(&source);
    assert_eq!((d.code, d.line), ("duplicate-name", position(&source, "\"2d\"").0), "{d:#?}");
    // Outages a run may expect: 3 racks (two in zone-a, one in zone-b) failing every second for two hours.
    let source =
        with(r#"(topologyKey: "topology.rook.io/rack", meanTimeBetween: "1s", meanDuration: "1s")"#, pool)
            .replacen("name: \"demo\",", "name: \"demo\", duration: \"2h\",", 1);
    let d = only_error(&source);
    check(&d, "limit", &source, "\"1s\"", "3 domains of \"topology.rook.io/rack\" failing every 1s");
}

#[test]
fn racks_are_checked() {
    let pools =
        |pools: &str| edit(r#"nodePools: [(name: "worker", count: 3)],"#, &format!("nodePools: [{pools}],"));
    let source = pools(r#"(name: "worker", racks: 0)"#);
    check(&only_error(&source), "invalid-value", &source, "0)", "must be greater than or equal to 1");
    let source = pools(r#"(name: "worker", rackLabel: "example.com/rack")"#);
    check(&only_error(&source), "invalid-value", &source, "\"example.com/rack\"", "without `racks`");
    let source = pools(r#"(name: "worker", racks: 2, rackLabel: "topology.kubernetes.io/zone")"#);
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "\"topology.kubernetes.io/zone\"",
        "every node carries",
    );
    let source = pools(r#"(name: "worker", racks: 2, rackLabel: "bad key!")"#);
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "\"bad key!\"",
        "\"bad key!\": name part must consist",
    );
    let source = pools(r#"(name: "worker", racks: 2, labels: {"topology.rook.io/rack": "r1"})"#);
    check(&only_error(&source), "invalid-value", &source, "2,", "the pool's `labels` set it too");
    let source = pools(r#"(name: "worker", racks: 5000)"#);
    check(&only_error(&source), "limit", &source, "5000", "must be no more than 2000");
    // `<zone>-rack-<n>` must be a label value: at most 63 characters.
    let long = "z".repeat(60);
    let source = edit(r#"zones: ["zone-a", "zone-b"],"#, &format!(r#"zones: ["{long}"],"#)).replacen(
        r#"(name: "worker", count: 3)"#,
        r#"(name: "worker", count: 3, racks: 2)"#,
        1,
    );
    check(&only_error(&source), "invalid-value", &source, "2)", "is not a label value");
}

/// `BASE` with `constraints` as the template's `topologySpreadConstraints`.
fn with_spread(constraints: &str) -> String {
    edit(
        r#"template: (image: "nginx:1.25"),"#,
        &format!(
            r#"template: (
            image: "nginx:1.25",
            topologySpreadConstraints: [
                {constraints}
            ],
        ),"#
        ),
    )
}

#[test]
fn topology_spread_constraints_become_config() {
    let source = with_spread(
        r#"(maxSkew: 2, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: DoNotSchedule,
                 labelSelector: (matchLabels: {"app": "web"}, matchExpressions: [(key: "tier", operator: NotIn, values: ["cache"])]),
                 minDomains: 3, nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, matchLabelKeys: ["pod-template-hash"]),
                (maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: ScheduleAnyway),"#,
    );
    let config = parse_scenario(&source, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let spread = &config.statefulsets[0].spec.template.topology_spread;
    let selector = LabelSelector {
        match_labels: Labels::from([("app".to_string(), "web".to_string())]),
        match_expressions: vec![NodeSelectorRequirement {
            key: "tier".into(),
            operator: NodeSelectorOperator::NotIn,
            values: vec!["cache".into()],
        }],
    };
    assert_eq!(
        spread,
        &[
            TopologySpreadConstraint {
                max_skew: 2,
                topology_key: "topology.kubernetes.io/zone".into(),
                when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
                label_selector: Some(selector),
                min_domains: Some(3),
                node_affinity_policy: NodeInclusionPolicy::Ignore,
                node_taints_policy: NodeInclusionPolicy::Honor,
                match_label_keys: vec!["pod-template-hash".into()],
            },
            // Left out: no selector (it counts no pod), the scheduler's policies Honor and Ignore.
            TopologySpreadConstraint {
                max_skew: 1,
                topology_key: "kubernetes.io/hostname".into(),
                when_unsatisfiable: WhenUnsatisfiable::ScheduleAnyway,
                label_selector: None,
                min_domains: None,
                node_affinity_policy: NodeInclusionPolicy::Honor,
                node_taints_policy: NodeInclusionPolicy::Ignore,
                match_label_keys: Vec::new(),
            },
        ]
    );
    // A template without the field has none, as before the field existed; so has an empty list.
    let plain = parse_scenario(BASE, "test.ron").unwrap();
    assert!(plain.statefulsets[0].spec.template.topology_spread.is_empty());
    let empty = parse_scenario(&with_spread(""), "test.ron").unwrap();
    assert_eq!(empty.statefulsets[0].spec.template, plain.statefulsets[0].spec.template);
    // The same pair twice is refused, but one key with both actions is two kinds of constraint.
    let both = with_spread(
        r#"(maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: DoNotSchedule),
                (maxSkew: 3, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: ScheduleAnyway),"#,
    );
    let config = parse_scenario(&both, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(config.statefulsets[0].spec.template.topology_spread.len(), 2);
}

#[test]
fn topology_spread_constraints_follow_the_api_server_rules() {
    let zone = r#"topologyKey: "topology.kubernetes.io/zone""#;
    let selector = r#"labelSelector: (matchLabels: {"app": "web"})"#;
    // maxSkew and minDomains must be greater than zero; minDomains only with DoNotSchedule.
    let source = with_spread(&format!("(maxSkew: 0, {zone}, whenUnsatisfiable: DoNotSchedule)"));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "0,",
        "statefulsets[0].template.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
    );
    let source =
        with_spread(&format!("(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, minDomains: -2)"));
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "-2", "minDomains: Invalid value: -2: must be greater than zero");
    let source =
        with_spread(&format!("(maxSkew: 1, {zone}, whenUnsatisfiable: ScheduleAnyway, minDomains: 2)"));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "2)",
        "minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
    );
    let source = with_spread(&format!("(maxSkew: 3000000000, {zone}, whenUnsatisfiable: DoNotSchedule)"));
    check(
        &only_error(&source),
        "invalid-value",
        &source,
        "3000000000",
        "must be less than or equal to 2147483647",
    );
    // topologyKey must not be empty; any other key is the API server's to accept.
    let source = with_spread(r#"(maxSkew: 1, topologyKey: "", whenUnsatisfiable: DoNotSchedule)"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"\"", "topologyKey: Required value: can not be empty");
    parse_scenario(
        &with_spread(r#"(maxSkew: 1, topologyKey: "no such label!", whenUnsatisfiable: DoNotSchedule)"#),
        "test.ron",
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    // A {topologyKey, whenUnsatisfiable} pair is given once: the repeat is named, with the first's line.
    let source = with_spread(&format!(
        "(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule),\n                (maxSkew: 2, {zone}, whenUnsatisfiable: DoNotSchedule),"
    ));
    let d = only_error(&source);
    check(
        &d,
        "duplicate-name",
        &source,
        "(maxSkew: 2",
        "topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{topology.kubernetes.io/zone, DoNotSchedule}\"",
    );
    let first_line = position(&source, "(maxSkew: 1").0;
    assert!(d.help.as_deref().unwrap_or("").contains(&format!("line {first_line}")), "{d:#?}");
    // matchLabelKeys: only with a labelSelector, label keys, none of them in the selector.
    let source = with_spread(&format!(
        r#"(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: ["pod-template-hash"])"#
    ));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "[\"pod-template-hash\"]",
        "matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
    );
    let source = with_spread(&format!(
        r#"(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, {selector}, matchLabelKeys: ["ok", "bad key!"])"#
    ));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"bad key!\"",
        "matchLabelKeys[1]: Invalid value: \"bad key!\": name part must consist",
    );
    let source = with_spread(&format!(
        r#"(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, {selector}, matchLabelKeys: ["app"])"#
    ));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "\"app\"]",
        "matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector",
    );
    let source = with_spread(&format!(
        r#"(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule,
                 labelSelector: (matchExpressions: [(key: "tier", operator: Exists)]), matchLabelKeys: ["tier"])"#
    ));
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"tier\"]", "exists in both matchLabelKeys and labelSelector");
    // The selector's expressions follow the rules of every label selector.
    let source = with_spread(&format!(
        r#"(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, labelSelector: (matchExpressions: [(key: "tier", operator: In)]))"#
    ));
    let d = only_error(&source);
    check(
        &d,
        "invalid-value",
        &source,
        "(key: \"tier\"",
        "must be specified when `operator` is 'In' or 'NotIn'",
    );
    // Enums are checked by the format: a policy is Honor or Ignore.
    let source = with_spread(&format!(
        "(maxSkew: 1, {zone}, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: Respect)"
    ));
    let d = only_error(&source);
    assert_eq!((d.line, d.column), position(&source, "Respect"), "{d:#?}");
    assert!(d.message.contains("Honor") && d.message.contains("Ignore"), "{d:#?}");
    // Every problem of a file is reported at once.
    let source = with_spread(
        r#"(maxSkew: 0, topologyKey: "", whenUnsatisfiable: ScheduleAnyway, minDomains: 0, matchLabelKeys: ["x"])"#,
    );
    let errors = parse_scenario(&source, "test.ron").unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:#?}");
}

#[test]
fn a_pod_template_has_at_most_the_limit_of_spread_constraints() {
    let most = stsim_scenario::Limits::DEFAULT.spread_constraints;
    let constraints: Vec<String> = (0..=most)
        .map(|i| {
            format!(r#"(maxSkew: 1, topologyKey: "example.com/key-{i}", whenUnsatisfiable: DoNotSchedule),"#)
        })
        .collect();
    let source = with_spread(&constraints.join("\n"));
    let d = only_error(&source);
    check(
        &d,
        "limit",
        &source,
        "[\n                (maxSkew",
        &format!(
            "topologySpreadConstraints: {} constraints, more than the {most} a pod template may have",
            most + 1
        ),
    );
    let within = with_spread(&constraints[..most].join("\n"));
    let config = parse_scenario(&within, "test.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(config.statefulsets[0].spec.template.topology_spread.len(), most);
}
