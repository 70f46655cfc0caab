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
//! where they do not, a set's application in `stsim.io/app`. A set's pod
//! template is written by the core (`stsim_core::kube::pod_template`), as
//! the API server serves it: the model does not run probe checks, so a
//! probe gets a TCP check on the first port of the set's service (or
//! `exec: [true]` without one). Reading them back through the front end (`parse_manifests`) gives the
//! same workloads; a test holds every shipped scenario to that, field by
//! field. Does not own the YAML text (the CLI prints it) or the cluster's
//! nodes, which are not workloads.

use serde_json::{Map, Value, json};
use stsim_core::Config;
use stsim_core::config::*;
use stsim_core::kube::pod_template::{bytes_quantity, label_selector};
use stsim_core::objects::PvOrigin;

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

fn statefulset(set: &StatefulSetConfig, config: &Config) -> Value {
    let spec = &set.spec;
    let template = &spec.template;
    let port = config
        .services
        .iter()
        .find(|s| s.name == spec.service_name)
        .and_then(|s| s.ports.first())
        .map(|p| p.port);
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
        "template": stsim_core::kube::pod_template::object(template, port),
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
