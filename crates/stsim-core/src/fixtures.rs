//! Configs built in code, for tests and benches that need no scenario file.
//!
//! Owns a small, realistic default cluster and StatefulSet so that tests
//! state only what they vary. Scenario files remain the user-facing way to
//! describe a run.

use crate::config::*;
use crate::time::SimDuration;

/// Three 4-CPU, 16 GiB workers over three zones, and the `gp3` class
/// (WaitForFirstConsumer, zonal, $0.08 per GiB-month).
pub fn cluster(nodes: u32) -> ClusterConfig {
    ClusterConfig {
        zones: vec!["us-east-1a".into(), "us-east-1b".into(), "us-east-1c".into()],
        node_failures: None,
        zone_outages: None,
        domain_outages: Vec::new(),
        node_pools: vec![NodePoolConfig {
            names: Vec::new(),
            name: "worker".into(),
            count: nodes,
            cpu_millis: 4_000,
            memory_bytes: 16 << 30,
            max_pods: crate::config::DEFAULT_MAX_PODS,
            zones: Vec::new(),
            taints: Vec::new(),
            labels: Labels::new(),
            racks: 0,
            rack_label: DEFAULT_RACK_LABEL.into(),
            failures: None,
            maintenance: None,
            shutdown: Default::default(),
            volume_attach_limits: Default::default(),
            preloaded_images: Default::default(),
        }],
        storage_classes: vec![StorageClassConfig {
            name: "gp3".into(),
            provisioner: "ebs.csi.aws.com".into(),
            binding_mode: VolumeBindingMode::WaitForFirstConsumer,
            reclaim_policy: ReclaimPolicy::Delete,
            zonal: true,
            regional: false,
            pricing: crate::pricing::preset("aws-gp3").expect("a built-in preset"),
            price_preset: None,
            price_per_gib: None,
            iops: None,
            iops_per_gib: None,
            throughput_mibps: None,
            local: false,
            is_default: true,
            allow_volume_expansion: false,
            assumed: true,
            allowed_topologies: Vec::new(),
        }],
    }
}

/// A StatefulSet spec with one `data` claim of 10 GiB on the default class,
/// labels `app: <name>`, and a readiness probe (5 s delay, 10 s period).
pub fn statefulset_spec(
    name: &str,
    service: &str,
    replicas: u32,
    policy: PodManagementPolicy,
) -> StatefulSetSpec {
    let labels: Labels = [("app".to_string(), name.to_string())].into();
    StatefulSetSpec {
        replicas,
        selector: crate::config::LabelSelector::from_labels(labels.clone()),
        service_name: service.into(),
        pod_management_policy: policy,
        update_strategy: UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false },
        revision_history_limit: 10,
        min_ready_seconds: 0,
        ordinals_start: 0,
        retention: RetentionPolicy::default(),
        template: PodTemplate {
            priority_class_name: None,
            set_hostname_as_fqdn: false,
            volumes: Vec::new(),
            volume_mounts: Vec::new(),
            annotations: Labels::new(),
            container_name: None,
            labels,
            image: "redis:7.0".into(),
            requests: Resources { cpu_millis: 500, memory_bytes: 1 << 30 },
            scoring_requests: Resources { cpu_millis: 500, memory_bytes: 1 << 30 },
            readiness_probe: Some(Probe { initial_delay: SimDuration::from_secs(5), ..Probe::default() }),
            liveness_probe: None,
            startup_probe: None,
            probe_checks: Default::default(),
            pre_stop: None,
            init_containers: Vec::new(),
            sidecars: Vec::new(),
            extra_containers: Vec::new(),
            pull_policies: Default::default(),
            termination_grace_period: SimDuration::from_secs(30),
            node_selector: Labels::new(),
            affinity: Affinity::default(),
            tolerations: Vec::new(),
            topology_spread: Vec::new(),
            node_name: None,
            host_ports: Vec::new(),
            named_ports: Vec::new(),
            ports: Vec::new(),
            unmodelled: String::new(),
            create_errors: Vec::new(),
        },
        volume_claim_templates: vec![VolumeClaimTemplate {
            labels: Labels::default(),
            name: "data".into(),
            storage_bytes: 10 << 30,
            storage_class: None,
            access_modes: vec![AccessMode::ReadWriteOnce],
            create_errors: Vec::new(),
        }],
    }
}

/// `sets` StatefulSets of `replicas` pods each, each with its headless
/// Service, on a cluster big enough for all of them.
pub fn scenario(
    name: &str,
    sets: u32,
    replicas: u32,
    policy: PodManagementPolicy,
    duration: SimDuration,
) -> Config {
    let mut services = Vec::new();
    let mut statefulsets = Vec::new();
    for i in 0..sets {
        let set = if sets == 1 { "redis".to_string() } else { format!("redis{i}") };
        let service = format!("{set}-svc");
        services.push(ServiceConfig {
            name: service.clone(),
            headless: true,
            selector: [("app".to_string(), set.clone())].into(),
            publish_not_ready_addresses: false,
            ports: vec![ServicePort::new("redis", 6379)],
            labels: Labels::default(),
        });
        statefulsets.push(StatefulSetConfig {
            app: None,
            labels: Labels::default(),
            spec: statefulset_spec(&set, &service, replicas, policy),
            name: set,
        });
    }
    // Room for every pod at 500m each on 4-CPU nodes, with a spare node per zone.
    let nodes = (sets * replicas).div_ceil(7) + 3;
    Config {
        name: name.into(),
        description: String::new(),
        seed: 1,
        duration,
        namespace: "default".into(),
        cluster_domain: "cluster.local".into(),
        dns: DnsConfig::default(),
        cluster: cluster(nodes),
        images: Vec::new(),
        default_image: ImageBehaviour::Healthy,
        services,
        statefulsets,
        pod_disruption_budgets: Vec::new(),
        timeline: Vec::new(),
        timings: Timings::default(),
        kubernetes: crate::features::Version::DEFAULT,
        features: crate::features::Features::default(),
        expect: Vec::new(),
        triggers: Vec::new(),
        operators: Vec::new(),
        custom_kinds: Vec::new(),
        custom_resources: Vec::new(),
        persistent_volumes: Vec::new(),
        persistent_volume_claims: Vec::new(),
    }
}
