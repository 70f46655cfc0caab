//! Scenarios that parse: the documented full example and a minimal file with every default.

use stsim_core::config::{
    AccessMode, Action, ImageBehaviour, PodManagementPolicy, PodRef, Probe, ReclaimPolicy, RetentionAction,
    RetentionPolicy, Timings, UpdateStrategy, VolumeBindingMode,
};
use stsim_core::time::{SimDuration, SimTime};
use stsim_scenario::parse_scenario;

const FULL: &str = include_str!("fixtures/full.ron");

const MINIMAL: &str = r#"Scenario(
    name: "demo",
    services: [(name: "web-svc", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web-svc",
        template: (image: "nginx:1.25"),
    )],
)
"#;

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

#[test]
fn the_full_example_parses() {
    let config = parse_scenario(FULL, "full.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(config.name, "redis-ordered-startup");
    assert_eq!(config.description, "What this teaches.");
    assert_eq!(config.seed, 7);
    assert_eq!(config.duration, SimDuration::from_mins(10));
    assert_eq!(config.namespace, "default");
    assert_eq!(config.cluster_domain, "cluster.local");

    assert_eq!(config.cluster.zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    let pool = &config.cluster.node_pools[0];
    assert_eq!(
        (pool.name.as_str(), pool.count, pool.cpu_millis, pool.memory_bytes, pool.max_pods),
        ("worker", 3, 4000, 16 << 30, 110)
    );
    let class = &config.cluster.storage_classes[0];
    assert_eq!(class.name, "gp3");
    assert_eq!(class.provisioner, "ebs.csi.aws.com");
    assert_eq!(class.binding_mode, VolumeBindingMode::WaitForFirstConsumer);
    assert_eq!(class.reclaim_policy, ReclaimPolicy::Delete);
    assert!(class.zonal);
    assert_eq!(class.pricing.per_gib_month.micro_dollars(), 80_000);
    assert!(!class.is_default);

    assert_eq!(config.images.len(), 1);
    assert_eq!(config.images[0].name, "redis:7.0");
    assert_eq!(config.images[0].behaviour, ImageBehaviour::Healthy);
    assert_eq!(
        (config.images[0].pull, config.images[0].startup, config.images[0].shutdown),
        (secs(2), secs(3), secs(1))
    );
    assert_eq!(config.default_image, ImageBehaviour::Healthy);

    let service = &config.services[0];
    assert_eq!(service.name, "redis-svc");
    assert!(service.headless);
    assert_eq!(service.selector.get("app").map(String::as_str), Some("redis"));
    assert!(!service.publish_not_ready_addresses);
    assert_eq!((service.ports[0].name.as_str(), service.ports[0].port), ("redis", 6379));

    let set = &config.statefulsets[0];
    assert_eq!(set.name, "redis");
    let spec = &set.spec;
    assert_eq!(spec.replicas, 3);
    assert_eq!(spec.service_name, "redis-svc");
    assert_eq!(spec.selector.match_labels.get("app").map(String::as_str), Some("redis"));
    assert_eq!(spec.pod_management_policy, PodManagementPolicy::OrderedReady);
    assert_eq!(
        spec.update_strategy,
        UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false }
    );
    assert_eq!((spec.revision_history_limit, spec.min_ready_seconds, spec.ordinals_start), (10, 0, 0));
    assert_eq!(spec.retention, RetentionPolicy::default());
    assert_eq!(spec.template.image, "redis:7.0");
    assert_eq!((spec.template.requests.cpu_millis, spec.template.requests.memory_bytes), (500, 1 << 30));
    assert_eq!(
        spec.template.readiness_probe,
        Some(Probe {
            initial_delay: secs(5),
            period: secs(10),
            success_threshold: 1,
            failure_threshold: 3,
            termination_grace_period: None
        })
    );
    assert_eq!(spec.template.termination_grace_period, secs(30));
    let claim = &spec.volume_claim_templates[0];
    assert_eq!((claim.name.as_str(), claim.storage_bytes), ("data", 10 << 30));
    assert_eq!(claim.storage_class.as_deref(), Some("gp3"));
    assert_eq!(claim.access_modes, [AccessMode::ReadWriteOnce]);

    let redis = |ordinal| PodRef { statefulset: 0, ordinal };
    let actions: Vec<(u64, Action, u32)> =
        config.timeline.iter().map(|e| (e.at.as_millis(), e.action.clone(), e.line)).collect();
    assert_eq!(
        actions,
        [
            (30_000, Action::Scale { statefulset: 0, replicas: 3 }, 52),
            (60_000, Action::DeletePod { pod: redis(0) }, 53),
            (60_000, Action::ForceDeletePod { pod: redis(1) }, 54),
            (120_000, Action::SetReady { pod: redis(0), ready: false, container: None }, 55),
            (300_000, Action::Stop, 56),
        ]
    );
    assert_eq!(
        config.timings,
        Timings { provisioning: secs(5), rollout_stuck_after: secs(600), ..Timings::default() }
    );
}

#[test]
fn a_minimal_scenario_gets_every_default() {
    let config = parse_scenario(MINIMAL, "minimal.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(config.description, "");
    assert_eq!(config.seed, 0);
    assert_eq!(config.duration, SimDuration::from_mins(60));
    assert_eq!(config.namespace, "default");
    assert_eq!(config.cluster_domain, "cluster.local");
    assert_eq!(config.cluster.zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert_eq!(config.cluster.node_pools.len(), 1);
    let pool = &config.cluster.node_pools[0];
    assert_eq!(
        (pool.name.as_str(), pool.count, pool.cpu_millis, pool.memory_bytes, pool.max_pods),
        ("worker", 3, 4000, 16 << 30, 110)
    );
    assert!(pool.labels.is_empty());
    assert_eq!(config.cluster.storage_classes.len(), 1);
    let class = &config.cluster.storage_classes[0];
    assert_eq!(class.name, "gp3");
    assert_eq!(class.binding_mode, VolumeBindingMode::WaitForFirstConsumer);
    assert!(class.zonal && class.is_default);
    assert_eq!(class.pricing.per_gib_month.micro_dollars(), 80_000);
    assert!(config.images.is_empty());
    assert_eq!(config.default_image, ImageBehaviour::Healthy);

    let service = &config.services[0];
    assert!(service.headless);
    assert!(!service.publish_not_ready_addresses);
    assert!(service.ports.is_empty());

    let spec = &config.statefulsets[0].spec;
    assert_eq!(spec.replicas, 1);
    assert_eq!(spec.template.labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(spec.selector.match_labels, spec.template.labels);
    assert_eq!(spec.pod_management_policy, PodManagementPolicy::OrderedReady);
    assert_eq!(
        spec.update_strategy,
        UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false }
    );
    assert_eq!((spec.revision_history_limit, spec.min_ready_seconds, spec.ordinals_start), (10, 0, 0));
    assert_eq!(
        spec.retention,
        RetentionPolicy { when_deleted: RetentionAction::Retain, when_scaled: RetentionAction::Retain }
    );
    assert_eq!((spec.template.requests.cpu_millis, spec.template.requests.memory_bytes), (0, 0));
    assert_eq!(spec.template.readiness_probe, None);
    assert_eq!(spec.template.termination_grace_period, secs(30));
    assert!(spec.volume_claim_templates.is_empty());
    assert!(config.timeline.is_empty());
    assert_eq!(config.timings, Timings::default());
}

#[test]
fn the_timeline_is_sorted_stably_and_remembers_lines() {
    let source = r#"Scenario(
    name: "demo",
    duration: "10m",
    services: [(name: "svc", selector: {"app": "db"})],
    statefulsets: [(name: "db", serviceName: "svc", template: (image: "pg", readinessProbe: ()))],
    timeline: [
        (at: "5m", do: Stop),
        (at: "1m", do: DeletePod(pod: "db-2")),
        (at: "10m", do: SetReady(pod: "db-0", ready: true)),
        (at: "1m", do: Scale(statefulset: "db", replicas: 0)),
        (at: "0s", do: ForceDeletePod(pod: "db-12")),
    ],
)"#;
    let config = parse_scenario(source, "t.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let lines: Vec<u32> = config.timeline.iter().map(|e| e.line).collect();
    assert_eq!(lines, [11, 8, 10, 7, 9]);
    assert_eq!(config.timeline[0].at, SimTime::ZERO);
    assert_eq!(
        config.timeline[0].action,
        Action::ForceDeletePod { pod: PodRef { statefulset: 0, ordinal: 12 } }
    );
    assert_eq!(config.timeline[4].at, SimTime::from_millis(600_000));
    assert_eq!(config.statefulsets[0].spec.template.readiness_probe, Some(Probe::default()));
}

#[test]
fn optional_forms_are_accepted() {
    let source = r#"#![enable(implicit_some)]
// Explicit Some, None, RollingUpdate(), OnDelete and a hyphenated StatefulSet name.
Scenario(
    name: "forms",
    cluster: (
        nodePools: [(name: "big", count: 0), (name: "small", cpu: "500m", memory: "1.5Gi")],
        storageClasses: [(name: "standard", default: true), (name: "cheap", usdPerGibMonth: 0, volumeBindingMode: Immediate)],
    ),
    services: [(name: "svc", clusterIP: "10.0.0.1", selector: {"app": "x"}, ports: [(port: 6379)]), (name: "other", selector: {"app": "y"})],
    statefulsets: [
        (name: "redis-cache", serviceName: "svc", selector: {"app": "x"}, template: (labels: {"app": "x", "tier": "cache"}, image: "redis", readinessProbe: Some((periodSeconds: 2))), updateStrategy: RollingUpdate(),
         volumeClaimTemplates: [(name: "data", storage: "1Gi", storageClassName: None), (name: "logs", storage: "100Mi", storageClassName: Some("cheap"), accessModes: [ReadWriteOncePod])]),
        (name: "b", serviceName: "other", podManagementPolicy: Parallel, updateStrategy: OnDelete, template: (image: "busybox"),
         persistentVolumeClaimRetentionPolicy: (whenScaled: Delete), ordinals: (start: 5)),
    ],
    timeline: [(at: "1s", do: DeletePod(pod: "redis-cache-3"))],
)"#;
    let config = parse_scenario(source, "forms.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(!config.services[0].headless);
    let pools = &config.cluster.node_pools;
    assert_eq!((pools[0].count, pools[0].cpu_millis), (0, 4000));
    assert_eq!((pools[1].cpu_millis, pools[1].memory_bytes), (500, 3 << 29));
    let classes = &config.cluster.storage_classes;
    assert_eq!(classes[0].binding_mode, VolumeBindingMode::Immediate);
    assert_eq!(classes[1].pricing.per_gib_month.micro_dollars(), 0);
    let a = &config.statefulsets[0].spec;
    assert_eq!(
        a.update_strategy,
        UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false }
    );
    assert_eq!(a.template.readiness_probe.as_ref().map(|p| p.period), Some(secs(2)));
    assert_eq!(a.volume_claim_templates[0].storage_class, None);
    assert_eq!(a.volume_claim_templates[1].storage_class.as_deref(), Some("cheap"));
    assert_eq!(a.volume_claim_templates[1].access_modes, [AccessMode::ReadWriteOncePod]);
    let b = &config.statefulsets[1].spec;
    assert_eq!(b.pod_management_policy, PodManagementPolicy::Parallel);
    assert_eq!(b.update_strategy, UpdateStrategy::OnDelete);
    assert_eq!(b.retention.when_scaled, RetentionAction::Delete);
    assert_eq!(b.retention.when_deleted, RetentionAction::Retain);
    assert_eq!(b.ordinals_start, 5);
    assert_eq!(config.timeline[0].action, Action::DeletePod { pod: PodRef { statefulset: 0, ordinal: 3 } });
}
