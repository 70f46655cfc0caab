//! A scenario's workloads as Kubernetes objects: the way back from a
//! validated `Config` to manifests (`stsim export`).
//!
//! Owns writing the `Config`'s StorageClasses, PersistentVolumes and claims
//! that exist from the start, Services, StatefulSets and
//! PodDisruptionBudgets as the objects `kubectl apply` takes, with every
//! default written out (but a spread constraint's node inclusion policies,
//! left out at the scheduler's defaults as `kubectl get -o yaml` shows
//! them), as JSON values in the order `kubectl apply` wants them. Each is
//! the exact inverse of this module's sibling reader (`manifest::objects`):
//! a class's every field in Kubernetes' own fields where they exist (the
//! driver's disk type for its price preset) and in stsim's annotations
//! where they do not, a set's application in `stsim.io/app`. The model
//! does not run probe checks, so a probe gets a TCP check on the first port
//! of the set's service (or `exec: [true]` without one).
//! Reading them back through the front end (`parse_manifests`) gives the
//! same workloads; a test holds every shipped scenario to that, field by
//! field. Does not own the YAML text (the CLI prints it) or the cluster's
//! nodes, which are not workloads.

use serde_json::{Map, Value, json};
use stsim_core::Config;
use stsim_core::config::*;
use stsim_core::objects::PvOrigin;

/// A quantity of bytes in the largest binary unit that divides it.
pub fn bytes_quantity(bytes: u64) -> String {
    for (shift, unit) in [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// CPU in cores when whole, else millicores.
pub fn cpu_quantity(millis: u64) -> String {
    if millis.is_multiple_of(1_000) { (millis / 1_000).to_string() } else { format!("{millis}m") }
}

fn labels(labels: &Labels) -> Value {
    Value::Object(labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn metadata(name: &str, namespace: &str) -> Value {
    let mut meta = Map::new();
    meta.insert("name".into(), name.into());
    if namespace != "default" {
        meta.insert("namespace".into(), namespace.into());
    }
    Value::Object(meta)
}

fn int_or_percent(value: IntOrPercent) -> Value {
    match value {
        IntOrPercent::Int(n) => n.into(),
        IntOrPercent::Percent(p) => format!("{p}%").into(),
    }
}

/// A class as `run -f` reads it back: Kubernetes' own fields where they
/// say it (`allowVolumeExpansion`, the disk type and the other parameters
/// of its driver, the default-class annotation), stsim's annotations where
/// nothing in Kubernetes does: the volumes' kind where the provisioner
/// would say another (`stsim.io/local`, `stsim.io/zonal`), a price preset
/// that is no disk type of the provisioner (`stsim.io/pricing`), a price
/// per GiB (`stsim.io/usd-per-gib-month`).
fn storage_class(class: &StorageClassConfig) -> Value {
    use super::objects::{
        LOCAL_ANNOTATION, PRICE_ANNOTATION, PRICING_ANNOTATION, ZONAL_ANNOTATION, disk_type_of_preset,
        disk_type_parameter,
    };
    use stsim_core::objects::{NO_PROVISIONER, makes_local_volumes, makes_zonal_volumes};
    let provisioner = class.provisioner.as_str();
    let mut meta = Map::new();
    meta.insert("name".into(), class.name.clone().into());
    let mut annotations = Map::new();
    if class.is_default {
        annotations.insert("storageclass.kubernetes.io/is-default-class".into(), "true".into());
    }
    // The reader takes a local provisioner's volumes, and those a
    // no-provisioner class holds, for one node's; a cloud's for one zone's.
    let local_by_provisioner = makes_local_volumes(provisioner) || provisioner == NO_PROVISIONER;
    if class.local != local_by_provisioner {
        annotations.insert(LOCAL_ANNOTATION.into(), class.local.to_string().into());
    }
    if class.zonal != makes_zonal_volumes(provisioner) {
        annotations.insert(ZONAL_ANNOTATION.into(), class.zonal.to_string().into());
    }
    // The preset named: the provisioner's disk type where it is one.
    let disk_type = class
        .price_preset
        .as_deref()
        .map(|preset| (preset, disk_type_of_preset(provisioner, preset, class.regional)));
    if let Some((preset, None)) = disk_type {
        annotations.insert(PRICING_ANNOTATION.into(), preset.into());
    }
    if let Some(price) = class.price_per_gib {
        annotations.insert(PRICE_ANNOTATION.into(), price.to_string().trim_start_matches('$').into());
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    let mut object = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": meta,
        "provisioner": provisioner,
        "reclaimPolicy": match class.reclaim_policy { ReclaimPolicy::Delete => "Delete", ReclaimPolicy::Retain => "Retain" },
        "volumeBindingMode": match class.binding_mode {
            VolumeBindingMode::Immediate => "Immediate",
            VolumeBindingMode::WaitForFirstConsumer => "WaitForFirstConsumer",
        },
        "allowVolumeExpansion": class.allow_volume_expansion,
    });
    let mut parameters = Map::new();
    if let Some((_, Some(disk_type))) = disk_type {
        parameters.insert(disk_type_parameter(provisioner).into(), disk_type.into());
    }
    for (key, value) in
        [("iops", class.iops), ("iopsPerGB", class.iops_per_gib), ("throughput", class.throughput_mibps)]
    {
        if let Some(value) = value {
            parameters.insert(key.into(), value.to_string().into());
        }
    }
    if class.regional {
        parameters.insert("replication-type".into(), "regional-pd".into());
    }
    if !parameters.is_empty() {
        object["parameters"] = Value::Object(parameters);
    }
    if !class.allowed_topologies.is_empty() {
        let terms: Vec<Value> = (class.allowed_topologies.iter())
            .map(|term| {
                let expressions: Vec<Value> = (term.requirements.iter())
                    .map(|(key, values)| json!({"key": key, "values": values}))
                    .collect();
                json!({"matchLabelExpressions": expressions})
            })
            .collect();
        object["allowedTopologies"] = Value::Array(terms);
    }
    object
}

fn service(service: &ServiceConfig, namespace: &str) -> Value {
    let mut spec = Map::new();
    if service.headless {
        spec.insert("clusterIP".into(), "None".into());
    }
    // None is written as none: a Service without a selector.
    if !service.selector.is_empty() {
        spec.insert("selector".into(), labels(&service.selector));
    }
    if service.publish_not_ready_addresses {
        spec.insert("publishNotReadyAddresses".into(), true.into());
    }
    if !service.ports.is_empty() {
        let ports: Vec<Value> = service
            .ports
            .iter()
            .map(|p| {
                let mut port = json!({"port": p.port});
                if !p.name.is_empty() {
                    port["name"] = p.name.clone().into();
                }
                // Written only when not the port's own number, its default.
                match &p.target_port {
                    TargetPort::Number(n) if *n == p.port => {}
                    TargetPort::Number(n) => port["targetPort"] = (*n).into(),
                    TargetPort::Name(name) => port["targetPort"] = name.clone().into(),
                }
                port
            })
            .collect();
        spec.insert("ports".into(), ports.into());
    }
    let mut meta = metadata(&service.name, namespace);
    if !service.labels.is_empty() {
        meta["labels"] = labels(&service.labels);
    }
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec})
}

fn term(term: &NodeSelectorTerm) -> Value {
    let expressions: Vec<Value> = term.match_expressions.iter().map(requirement).collect();
    let mut out = json!({"matchExpressions": expressions});
    if !term.match_fields.is_empty() {
        out["matchFields"] = term.match_fields.iter().map(requirement).collect::<Vec<_>>().into();
    }
    out
}

fn operator(operator: NodeSelectorOperator) -> &'static str {
    match operator {
        NodeSelectorOperator::In => "In",
        NodeSelectorOperator::NotIn => "NotIn",
        NodeSelectorOperator::Exists => "Exists",
        NodeSelectorOperator::DoesNotExist => "DoesNotExist",
        NodeSelectorOperator::Gt => "Gt",
        NodeSelectorOperator::Lt => "Lt",
    }
}

/// A requirement, with `values` only where the operator takes them.
fn requirement(r: &NodeSelectorRequirement) -> Value {
    let mut out = json!({"key": r.key, "operator": operator(r.operator)});
    if !r.values.is_empty() {
        out["values"] = r.values.clone().into();
    }
    out
}

fn label_selector(selector: &LabelSelector) -> Value {
    let mut out = json!({"matchLabels": labels(&selector.match_labels)});
    if !selector.match_expressions.is_empty() {
        out["matchExpressions"] =
            selector.match_expressions.iter().map(requirement).collect::<Vec<_>>().into();
    }
    out
}

fn pod_term(term: &PodAffinityTerm) -> Value {
    json!({"labelSelector": label_selector(&term.label_selector), "topologyKey": term.topology_key})
}

fn affinity(affinity: &Affinity) -> Value {
    const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    let mut out = Map::new();
    let mut node = Map::new();
    if !affinity.node_required.is_empty() {
        let terms: Vec<Value> = affinity.node_required.iter().map(term).collect();
        node.insert(REQUIRED.into(), json!({"nodeSelectorTerms": terms}));
    }
    if !affinity.node_preferred.is_empty() {
        let terms: Vec<Value> = affinity
            .node_preferred
            .iter()
            .map(|p| json!({"weight": p.weight, "preference": term(&p.preference)}))
            .collect();
        node.insert(PREFERRED.into(), terms.into());
    }
    if !node.is_empty() {
        out.insert("nodeAffinity".into(), Value::Object(node));
    }
    // podAntiAffinity and podAffinity have one shape.
    for (key, required, preferred) in [
        ("podAntiAffinity", &affinity.anti_required, &affinity.anti_preferred),
        ("podAffinity", &affinity.affinity_required, &affinity.affinity_preferred),
    ] {
        let mut block = Map::new();
        if !required.is_empty() {
            block.insert(REQUIRED.into(), required.iter().map(pod_term).collect::<Vec<_>>().into());
        }
        if !preferred.is_empty() {
            let terms: Vec<Value> = preferred
                .iter()
                .map(|w| json!({"weight": w.weight, "podAffinityTerm": pod_term(&w.term)}))
                .collect();
            block.insert(PREFERRED.into(), terms.into());
        }
        if !block.is_empty() {
            out.insert(key.into(), Value::Object(block));
        }
    }
    Value::Object(out)
}

fn toleration(t: &Toleration) -> Value {
    let mut out = Map::new();
    if !t.key.is_empty() {
        out.insert("key".into(), t.key.clone().into());
    }
    out.insert(
        "operator".into(),
        match t.operator {
            TolerationOperator::Equal => "Equal",
            TolerationOperator::Exists => "Exists",
        }
        .into(),
    );
    if !t.value.is_empty() {
        out.insert("value".into(), t.value.clone().into());
    }
    if let Some(effect) = t.effect {
        out.insert("effect".into(), effect.as_str().into());
    }
    if let Some(seconds) = t.toleration_seconds {
        out.insert("tolerationSeconds".into(), seconds.into());
    }
    Value::Object(out)
}

/// A spread constraint as `kubectl get -o yaml` shows one: `labelSelector`,
/// `minDomains` and `matchLabelKeys` only when given, a node inclusion
/// policy only when it is not the scheduler's default.
fn spread_constraint(c: &TopologySpreadConstraint) -> Value {
    let mut out = Map::new();
    out.insert("maxSkew".into(), c.max_skew.into());
    out.insert("topologyKey".into(), c.topology_key.clone().into());
    let when = match c.when_unsatisfiable {
        WhenUnsatisfiable::DoNotSchedule => "DoNotSchedule",
        WhenUnsatisfiable::ScheduleAnyway => "ScheduleAnyway",
    };
    out.insert("whenUnsatisfiable".into(), when.into());
    if let Some(selector) = &c.label_selector {
        out.insert("labelSelector".into(), label_selector(selector));
    }
    if let Some(min_domains) = c.min_domains {
        out.insert("minDomains".into(), min_domains.into());
    }
    let policy = |p: NodeInclusionPolicy| match p {
        NodeInclusionPolicy::Honor => "Honor",
        NodeInclusionPolicy::Ignore => "Ignore",
    };
    if c.node_affinity_policy != NodeInclusionPolicy::Honor {
        out.insert("nodeAffinityPolicy".into(), policy(c.node_affinity_policy).into());
    }
    if c.node_taints_policy != NodeInclusionPolicy::Ignore {
        out.insert("nodeTaintsPolicy".into(), policy(c.node_taints_policy).into());
    }
    if !c.match_label_keys.is_empty() {
        out.insert("matchLabelKeys".into(), c.match_label_keys.clone().into());
    }
    Value::Object(out)
}

fn statefulset(set: &StatefulSetConfig, config: &Config) -> Value {
    let spec = &set.spec;
    let template = &spec.template;
    let mut container = json!({"name": template.container_name(), "image": template.image});
    if let Some(policy) = template.pull_policies.container {
        container["imagePullPolicy"] = policy.as_str().into();
    }
    let mut requests = Map::new();
    if template.requests.cpu_millis > 0 {
        requests.insert("cpu".into(), cpu_quantity(template.requests.cpu_millis).into());
    }
    if template.requests.memory_bytes > 0 {
        requests.insert("memory".into(), bytes_quantity(template.requests.memory_bytes).into());
    }
    if !requests.is_empty() {
        container["resources"] = json!({"requests": requests});
    }
    let port = config
        .services
        .iter()
        .find(|s| s.name == spec.service_name)
        .and_then(|s| s.ports.first())
        .map(|p| p.port);
    for (key, probe) in [
        ("readinessProbe", &template.readiness_probe),
        ("livenessProbe", &template.liveness_probe),
        ("startupProbe", &template.startup_probe),
    ] {
        if let Some(probe) = probe {
            container[key] = probe_object(probe, port);
        }
    }
    let ports: Vec<Value> = container_ports(template, 0, false).collect();
    if !ports.is_empty() {
        container["ports"] = ports.into();
    }
    if let Some(sleep) = template.pre_stop {
        container["lifecycle"] = json!({"preStop": {"sleep": {"seconds": sleep.as_millis() / 1_000}}});
    }
    let mut pod = Map::new();
    if !template.init_containers.is_empty() {
        let init: Vec<Value> = template
            .init_containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut init = json!({"name": c.name, "image": c.image});
                if let Some(policy) = template.pull_policies.init.get(&i) {
                    init["imagePullPolicy"] = policy.as_str().into();
                }
                if template.sidecars.contains(&i) {
                    init["restartPolicy"] = "Always".into();
                }
                let ports: Vec<Value> = container_ports(template, i, true).collect();
                if !ports.is_empty() {
                    init["ports"] = ports.into();
                }
                init
            })
            .collect();
        pod.insert("initContainers".into(), init.into());
    }
    let mut containers = vec![container];
    for (i, extra) in template.extra_containers.iter().enumerate() {
        let mut other = json!({"name": extra.name, "image": extra.image});
        if let Some(policy) = extra.pull_policy {
            other["imagePullPolicy"] = policy.as_str().into();
        }
        let ports: Vec<Value> = container_ports(template, i + 1, false).collect();
        if !ports.is_empty() {
            other["ports"] = ports.into();
        }
        containers.push(other);
    }
    pod.insert("containers".into(), containers.into());
    pod.insert(
        "terminationGracePeriodSeconds".into(),
        (template.termination_grace_period.as_millis() / 1_000).into(),
    );
    if let Some(node) = &template.node_name {
        pod.insert("nodeName".into(), node.clone().into());
    }
    if let Some(class) = &template.priority_class_name {
        pod.insert("priorityClassName".into(), class.clone().into());
    }
    if template.set_hostname_as_fqdn {
        pod.insert("setHostnameAsFQDN".into(), true.into());
    }
    if !template.node_selector.is_empty() {
        pod.insert("nodeSelector".into(), labels(&template.node_selector));
    }
    if !template.affinity.is_empty() {
        pod.insert("affinity".into(), affinity(&template.affinity));
    }
    if !template.tolerations.is_empty() {
        pod.insert(
            "tolerations".into(),
            template.tolerations.iter().map(toleration).collect::<Vec<_>>().into(),
        );
    }
    if !template.topology_spread.is_empty() {
        pod.insert(
            "topologySpreadConstraints".into(),
            template.topology_spread.iter().map(spread_constraint).collect::<Vec<_>>().into(),
        );
    }
    let strategy = match spec.update_strategy {
        UpdateStrategy::OnDelete => json!({"type": "OnDelete"}),
        UpdateStrategy::RollingUpdate { nil: true, .. } => json!({"type": "RollingUpdate"}),
        UpdateStrategy::RollingUpdate { partition, max_unavailable, .. } => {
            let mut rolling = json!({"partition": partition});
            if let Some(max) = max_unavailable {
                rolling["maxUnavailable"] = int_or_percent(max);
            }
            json!({"type": "RollingUpdate", "rollingUpdate": rolling})
        }
    };
    let action = |a: RetentionAction| match a {
        RetentionAction::Retain => "Retain",
        RetentionAction::Delete => "Delete",
    };
    let claims: Vec<Value> = spec
        .volume_claim_templates
        .iter()
        .map(|c| {
            let modes: Vec<&str> = c
                .access_modes
                .iter()
                .map(|m| match m {
                    AccessMode::ReadWriteOnce => "ReadWriteOnce",
                    AccessMode::ReadOnlyMany => "ReadOnlyMany",
                    AccessMode::ReadWriteMany => "ReadWriteMany",
                    AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
                })
                .collect();
            let mut claim_spec = json!({
                "accessModes": modes,
                "resources": {"requests": {"storage": bytes_quantity(c.storage_bytes)}},
            });
            if let Some(class) = &c.storage_class {
                claim_spec["storageClassName"] = class.clone().into();
            }
            let mut metadata = json!({"name": c.name});
            if !c.labels.is_empty() {
                metadata["labels"] = labels(&c.labels);
            }
            json!({"metadata": metadata, "spec": claim_spec})
        })
        .collect();
    let mut out_spec = json!({
        "replicas": spec.replicas,
        "selector": label_selector(&spec.selector),
        "serviceName": spec.service_name,
        "podManagementPolicy": match spec.pod_management_policy {
            PodManagementPolicy::OrderedReady => "OrderedReady",
            PodManagementPolicy::Parallel => "Parallel",
        },
        "updateStrategy": strategy,
        "revisionHistoryLimit": spec.revision_history_limit,
        "persistentVolumeClaimRetentionPolicy": {
            "whenDeleted": action(spec.retention.when_deleted),
            "whenScaled": action(spec.retention.when_scaled),
        },
        "template": {"metadata": {"labels": labels(&template.labels)}, "spec": pod},
    });
    // Optional: a set without one is written without one.
    if spec.service_name.is_empty()
        && let Some(fields) = out_spec.as_object_mut()
    {
        fields.remove("serviceName");
    }
    if spec.min_ready_seconds > 0 {
        out_spec["minReadySeconds"] = spec.min_ready_seconds.into();
    }
    if spec.ordinals_start > 0 {
        out_spec["ordinals"] = json!({"start": spec.ordinals_start});
    }
    if !claims.is_empty() {
        out_spec["volumeClaimTemplates"] = claims.into();
    }
    let mut meta = metadata(&set.name, &config.namespace);
    if !set.labels.is_empty() {
        meta["labels"] = labels(&set.labels);
    }
    if let Some(app) = &set.app {
        meta["annotations"] = json!({super::objects::APP_ANNOTATION: app_annotation(app)});
    }
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": out_spec})
}

/// The application in the pods as the `stsim.io/app` annotation writes it:
/// the scenario format's `app`, every field its kind takes written out.
fn app_annotation(app: &AppConfig) -> String {
    let duration = |d: stsim_core::time::SimDuration| format!("{:?}", d.to_string());
    let addressing = match app.addressing {
        Addressing::Dns => "Dns",
        Addressing::Ip => "Ip",
    };
    let discovery = match app.discovery {
        Discovery::Pods => "Pods",
        Discovery::Service => "Service",
        Discovery::Srv => "Srv",
    };
    let (kind, mut fields): (&str, Vec<String>) = match &app.kind {
        AppKind::PrimaryReplica { bootstrap } => {
            let bootstrap = match bootstrap {
                Bootstrap::AnyMember => "AnyMember",
                Bootstrap::OrdinalZero => "OrdinalZero",
            };
            let mut fields = vec![
                format!("addressing: {addressing}"),
                format!("bootstrap: {bootstrap}"),
                format!("discovery: {discovery}"),
                format!("peerTimeout: {}", duration(app.peer_timeout)),
                format!("writeRate: {}", app.write_rate),
                format!("leaseTtl: {}", duration(app.lease_ttl)),
                format!("leaseRenew: {}", duration(app.lease_renew)),
                format!("synchronous: {}", app.synchronous),
            ];
            if let Some(step_down) = app.step_down_without_majority {
                fields.push(format!("stepDownWithoutMajority: {}", duration(step_down)));
            }
            fields.push(format!("replicationLag: {}", duration(app.replication_lag)));
            ("PrimaryReplica", fields)
        }
        AppKind::Quorum { system, remove_on_scale_down } => {
            let system = match system {
                QuorumSystem::Etcd => "Etcd",
                QuorumSystem::ZooKeeper => "ZooKeeper",
            };
            let fields = vec![
                format!("system: {system}"),
                format!("addressing: {addressing}"),
                format!("discovery: {discovery}"),
                format!("removeOnScaleDown: {remove_on_scale_down}"),
            ];
            ("Quorum", fields)
        }
        AppKind::RedisCluster { replicas_per_master, node_timeout } => {
            let fields = vec![
                format!("addressing: {addressing}"),
                format!("replicasPerMaster: {replicas_per_master}"),
                format!("nodeTimeout: {}", duration(*node_timeout)),
            ];
            ("RedisCluster", fields)
        }
        // A broker registers its address anew at every start: no addressing.
        AppKind::Kafka { controllers, replication_factor, min_insync_replicas, fixed_cluster_id } => {
            let fields = vec![
                format!("controllers: {controllers}"),
                format!("replicationFactor: {replication_factor}"),
                format!("minInsyncReplicas: {min_insync_replicas}"),
                format!("fixedClusterId: {fixed_cluster_id}"),
            ];
            ("Kafka", fields)
        }
        AppKind::Cassandra { seeds, replication_factor } => {
            let seeds: Vec<String> = seeds.iter().map(u32::to_string).collect();
            let fields = vec![
                format!("addressing: {addressing}"),
                format!("seeds: [{}]", seeds.join(", ")),
                format!("replicationFactor: {replication_factor}"),
            ];
            ("Cassandra", fields)
        }
        AppKind::RedisSentinel { down_after, min_replicas_to_write, pre_stop_failover, quorum } => {
            let fields = vec![
                format!("addressing: {addressing}"),
                format!("downAfter: {}", duration(*down_after)),
                format!("minReplicasToWrite: {min_replicas_to_write}"),
                format!("preStopFailover: {pre_stop_failover}"),
                format!("quorum: {quorum}"),
                format!("peerTimeout: {}", duration(app.peer_timeout)),
            ];
            ("RedisSentinel", fields)
        }
    };
    let readiness = match app.readiness {
        AppReadiness::Process => "Process",
        AppReadiness::Joined => "Joined",
    };
    fields.extend([
        format!("readiness: {readiness}"),
        format!("catchUp: {}", duration(app.catch_up)),
        format!("staleAfter: {}", duration(app.stale_after)),
        format!("formTimeout: {}", duration(app.form_timeout)),
        format!("lookupRetry: {}", duration(app.lookup_retry)),
    ]);
    format!("{kind}({})", fields.join(", "))
}

/// A probe with a handler the model does not run: a TCP check on `port`.
fn probe_object(probe: &Probe, port: Option<u16>) -> Value {
    let mut out = match port {
        Some(port) => json!({"tcpSocket": {"port": port}}),
        None => json!({"exec": {"command": ["true"]}}),
    };
    out["initialDelaySeconds"] = (probe.initial_delay.as_millis() / 1_000).into();
    out["periodSeconds"] = (probe.period.as_millis() / 1_000).into();
    out["successThreshold"] = probe.success_threshold.into();
    out["failureThreshold"] = probe.failure_threshold.into();
    if let Some(grace) = probe.termination_grace_period {
        out["terminationGracePeriodSeconds"] = (grace.as_millis() / 1_000).into();
    }
    out
}

fn budget(budget: &PodDisruptionBudgetConfig, namespace: &str) -> Value {
    let mut spec = json!({"selector": label_selector(&budget.selector)});
    match budget.budget {
        DisruptionBudget::MinAvailable(v) => spec["minAvailable"] = int_or_percent(v),
        DisruptionBudget::MaxUnavailable(v) => spec["maxUnavailable"] = int_or_percent(v),
    }
    if budget.unhealthy_pod_eviction_policy == stsim_core::config::UnhealthyPodEvictionPolicy::AlwaysAllow {
        spec["unhealthyPodEvictionPolicy"] = json!("AlwaysAllow");
    }
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": metadata(&budget.name, namespace), "spec": spec})
}

fn access_modes(modes: &[AccessMode]) -> Vec<&'static str> {
    modes
        .iter()
        .map(|m| match m {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadOnlyMany => "ReadOnlyMany",
            AccessMode::ReadWriteMany => "ReadWriteMany",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
        })
        .collect()
}

/// A volume that exists from the start, with the node affinity of its
/// zone or node, the provisioner that made it and its one source, which
/// the API server requires. stsim keeps only a source's kind, so what the
/// source says of the disk is made up where the model has no value: a CSI
/// volume's driver is its provisioner's, else its class's (else the
/// default class's) and its handle the volume's name; a volume of no
/// deleter is `local` on its node (its path under `/mnt/disks/`) or, with
/// no node, an NFS export. Read back, each gives the same volume.
fn persistent_volume(volume: &PersistentVolumeConfig, config: &Config) -> Value {
    let namespace = &config.namespace;
    let mut spec = json!({
        "capacity": {"storage": bytes_quantity(volume.capacity_bytes)},
        "accessModes": access_modes(&volume.access_modes),
        "persistentVolumeReclaimPolicy": match volume.reclaim_policy {
            ReclaimPolicy::Delete => "Delete",
            ReclaimPolicy::Retain => "Retain",
        },
    });
    if !volume.storage_class_name.is_empty() {
        spec["storageClassName"] = volume.storage_class_name.clone().into();
    }
    if let Some(claim) = &volume.claim_ref {
        let mut r = json!({"kind": "PersistentVolumeClaim", "namespace": namespace, "name": claim.name});
        if let Some(uid) = &claim.uid {
            r["uid"] = uid.clone().into();
        }
        spec["claimRef"] = r;
    }
    // A regional volume's zones, all as values of one requirement.
    let affinity = match (&volume.node, &volume.zone) {
        (Some(node), _) => Some(("kubernetes.io/hostname", vec![node])),
        (None, Some(zone)) => {
            Some(("topology.kubernetes.io/zone", std::iter::once(zone).chain(&volume.other_zones).collect()))
        }
        (None, None) => None,
    };
    if let Some((key, values)) = affinity {
        spec["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": key, "operator": "In", "values": values}]}
        ]}});
    }
    match &volume.origin {
        _ if volume.host_path.is_some() => spec["hostPath"] = json!({"path": volume.host_path}),
        // (A by-hand hostPath volume has its path: the validator keeps it.)
        PvOrigin::NoDeleter | PvOrigin::HostPath if volume.node.is_some() => {
            spec["local"] = json!({"path": format!("/mnt/disks/{}", volume.name)});
        }
        PvOrigin::NoDeleter | PvOrigin::HostPath => {
            spec["nfs"] =
                json!({"server": "nfs.example.internal", "path": format!("/exports/{}", volume.name)});
        }
        PvOrigin::Csi | PvOrigin::Provisioned(_) | PvOrigin::ProvisionedByClass => {
            spec["csi"] = json!({"driver": csi_driver(volume, config), "volumeHandle": volume.name});
        }
    }
    let mut metadata = json!({"name": volume.name});
    if let PvOrigin::Provisioned(name) = &volume.origin {
        metadata["annotations"] = json!({"pv.kubernetes.io/provisioned-by": name});
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": metadata, "spec": spec})
}

/// The CSI driver of a volume: its provisioner's, else its class's, else
/// the default class's, else the model's default cloud's.
fn csi_driver<'c>(volume: &'c PersistentVolumeConfig, config: &'c Config) -> &'c str {
    let classes = &config.cluster.storage_classes;
    let class = |name: &str| classes.iter().find(|c| c.name == name).map(|c| c.provisioner.as_str());
    let provisioners = [
        match &volume.origin {
            PvOrigin::Provisioned(name) => Some(name.as_str()),
            _ => None,
        },
        class(&volume.storage_class_name),
        classes.iter().find(|c| c.is_default).map(|c| c.provisioner.as_str()),
    ];
    provisioners
        .into_iter()
        .flatten()
        .find_map(stsim_core::objects::csi_driver_of)
        .unwrap_or("ebs.csi.aws.com")
}

/// A claim that exists from the start. A claim of no class is written with
/// `storageClassName: ""`, so that the default class does not fill it in.
fn persistent_volume_claim(claim: &PersistentVolumeClaimConfig, namespace: &str) -> Value {
    let mut meta = metadata(&claim.name, namespace);
    if let Some(uid) = &claim.uid {
        meta["uid"] = uid.clone().into();
    }
    if !claim.labels.is_empty() {
        meta["labels"] = labels(&claim.labels);
    }
    let mut spec = json!({
        "accessModes": access_modes(&claim.access_modes),
        "resources": {"requests": {"storage": bytes_quantity(claim.request_bytes)}},
        "storageClassName": claim.storage_class_name.clone().unwrap_or_default(),
    });
    if let Some(volume) = &claim.volume_name {
        spec["volumeName"] = volume.clone().into();
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec})
}

/// What `objects` leaves out that a reader of the export should know: the
/// StorageClasses the scenario takes the cluster to have (`assumed`: the
/// default class of a scenario that lists none, the classes a manifest
/// story made up), which a real cluster has of its own; a comment each.
pub fn not_written(config: &Config) -> Vec<String> {
    (config.cluster.storage_classes.iter())
        .filter(|c| c.assumed)
        .map(|c| {
            let default = if c.is_default { ", the default" } else { "" };
            format!(
                "StorageClass {:?} ({}{default}) is not written: the scenario takes the cluster to have it, and a real cluster has classes of its own (a claim naming one it lacks stays Pending)",
                c.name, c.provisioner
            )
        })
        .collect()
}

/// Every workload object of `config`, in the order `kubectl apply` wants
/// them; not the classes the scenario assumes (`not_written`).
pub fn objects(config: &Config) -> Vec<Value> {
    let mut out = Vec::new();
    if config.namespace != "default" {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": config.namespace}}));
    }
    out.extend(config.cluster.storage_classes.iter().filter(|c| !c.assumed).map(storage_class));
    out.extend(config.persistent_volumes.iter().map(|v| persistent_volume(v, config)));
    out.extend(config.persistent_volume_claims.iter().map(|c| persistent_volume_claim(c, &config.namespace)));
    out.extend(config.services.iter().map(|s| service(s, &config.namespace)));
    out.extend(config.statefulsets.iter().map(|s| statefulset(s, config)));
    out.extend(config.pod_disruption_budgets.iter().map(|b| budget(b, &config.namespace)));
    out
}

/// Container `index`'s ports (init container `index`'s, with `init`), as
/// written.
fn container_ports(template: &PodTemplate, index: usize, init: bool) -> impl Iterator<Item = Value> + '_ {
    (template.ports.iter())
        .filter(move |p| p.container == index && p.init == init)
        .map(stsim_core::config::ContainerPort::served)
}
