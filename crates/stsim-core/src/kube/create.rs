//! An operator's `create` of a built-in object: a bare Pod, a Service, a
//! StatefulSet, read from the JSON the API server would be sent and made
//! through the same `Api` writes a person's `kubectl create` uses, so that
//! what follows is the controllers' business (a StatefulSet adopts a bare
//! pod whose name and labels match it; a headless Service publishes the DNS
//! records of the pods whose subdomain names it).
//!
//! Owns reading those objects, the API server's validation of them (with
//! its messages), and the list of fields stsim does not model: a create
//! that sets one is refused (`405`) naming it, never half done. A pod
//! template (a set's `spec.template`, a bare pod's labels and spec) is read
//! by the embedding's reader (`template`), which may ignore fields the model
//! does not need, and the answer warns of them.

// A refusal is the API server's answer, returned as it is.
#![allow(clippy::result_large_err)]

use super::template::{TemplateReader, TemplateRequest};
use super::verbs::{not_modelled, owner_refs, parse_quantity};
use super::{ObjRef, WriteResult, render};
use crate::api::{Api, NewPod};
use crate::config::{
    AccessMode, IntOrPercent, Labels, PodManagementPolicy, RetentionAction, RetentionPolicy, StatefulSetSpec,
    TargetPort, UpdateStrategy, VolumeClaimTemplate,
};
use crate::objects::*;
use serde_json::Value;

/// Reads fields of a request by path and remembers which it read, so that
/// the ones left over (not modelled) can be named.
pub(super) struct Reader<'a> {
    object: &'a Value,
    read: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(object: &'a Value) -> Reader<'a> {
        let read =
            ["apiVersion", "kind", "status", "metadata.name", "metadata.generateName", "metadata.namespace"]
                .iter()
                .chain(super::verbs::SERVER_FIELDS.iter().map(|f| match *f {
                    "resourceVersion" => &"metadata.resourceVersion",
                    "uid" => &"metadata.uid",
                    "creationTimestamp" => &"metadata.creationTimestamp",
                    "generation" => &"metadata.generation",
                    _ => &"metadata.deletionTimestamp",
                }))
                .map(|p| p.to_string())
                .collect();
        Reader { object, read }
    }

    pub(super) fn get(&mut self, path: &str) -> &'a Value {
        self.read.push(path.to_string());
        super::field(self.object, path).unwrap_or(&Value::Null)
    }

    /// The fields set in the request that nothing read.
    pub(super) fn unread(&self) -> Vec<String> {
        let mut out = Vec::new();
        leaves("", self.object, &mut out);
        out.retain(|p| !self.read.iter().any(|r| p == r || p.starts_with(&format!("{r}."))));
        out
    }
}

fn leaves(path: &str, value: &Value, out: &mut Vec<String>) {
    let sub = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                leaves(&sub(key), v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(&sub(&i.to_string()), v, out);
            }
        }
        Value::Null => {}
        _ => out.push(path.to_string()),
    }
}

fn invalid(kind: &str, name: &str, message: String) -> WriteResult {
    WriteResult::failure(422, "Invalid", format!("{kind} \"{name}\" is invalid: {message}"))
}

/// A map of strings at `path` (`null` or absent: empty), or the API
/// server's answer to anything else.
pub(super) fn string_map(kind: &str, name: &str, path: &str, value: &Value) -> Result<Labels, WriteResult> {
    if !value.is_null() && !value.is_object() {
        return Err(invalid(kind, name, format!("{path}: Invalid value: {value}: must be an object")));
    }
    let mut out = Vec::new();
    for (key, v) in value.as_object().into_iter().flatten() {
        let Some(v) = v.as_str() else {
            return Err(invalid(kind, name, format!("{path}: Invalid value: {v}: values must be strings")));
        };
        out.push((key.clone(), v.to_string()));
    }
    Ok(out.into_iter().collect())
}

fn strings(kind: &str, name: &str, path: &str, value: &Value) -> Result<Vec<String>, WriteResult> {
    let mut out = Vec::new();
    for v in value.as_array().into_iter().flatten() {
        let Some(v) = v.as_str() else {
            return Err(invalid(kind, name, format!("{path}: Invalid value: {v}: must be a string")));
        };
        out.push(v.to_string());
    }
    Ok(out)
}

fn count(kind: &str, name: &str, path: &str, value: &Value, default: u32) -> Result<u32, WriteResult> {
    if value.is_null() {
        return Ok(default);
    }
    value.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
        invalid(kind, name, format!("{path}: Invalid value: {value}: must be greater than or equal to 0"))
    })
}

/// A CPU quantity in millicores (`500m`, `2`, `0.5`).
pub(super) fn cpu_millis(text: &str) -> Option<u64> {
    if let Some(m) = text.strip_suffix('m') {
        return m.parse().ok();
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<3}").parse().ok()? };
    Some(whole * 1000 + fraction)
}

impl<'a> Reader<'a> {
    /// A value, without counting it as read (its parts are read one by one).
    pub(super) fn object_at(&self, path: &str) -> &'a Value {
        super::field(self.object, path).unwrap_or(&Value::Null)
    }
}

/// Refuses a request that sets fields stsim does not model.
fn check_unread(kind: &str, name: &str, r: &Reader) -> Result<(), WriteResult> {
    let unread = r.unread();
    if unread.is_empty() {
        return Ok(());
    }
    Err(not_modelled(format!("the fields {} of a {kind} ({name})", unread.join(", "))))
}

/// Metadata every created object may carry: labels, annotations, finalizers.
struct Meta {
    labels: Labels,
    annotations: Labels,
    finalizers: Vec<String>,
    /// Owner references to custom resources (StatefulSets and Services).
    owners: Vec<Value>,
}

fn meta(kind: &str, name: &str, r: &mut Reader) -> Result<Meta, WriteResult> {
    Ok(Meta {
        labels: string_map(kind, name, "metadata.labels", r.get("metadata.labels"))?,
        annotations: string_map(kind, name, "metadata.annotations", r.get("metadata.annotations"))?,
        finalizers: strings(kind, name, "metadata.finalizers", r.get("metadata.finalizers"))?,
        owners: Vec::new(),
    })
}

/// Gives a new object its annotations and finalizers, through the writes
/// an update uses.
fn finish(api: &mut Api, obj: ObjRef, meta: Meta) -> WriteResult {
    if !meta.annotations.is_empty() {
        api.annotate(obj, meta.annotations.into_iter().collect());
    }
    // Part of the object from its creation (no change of its own).
    match obj {
        ObjRef::Pod(id) => api.world.pod_mut(id).finalizers = meta.finalizers,
        ObjRef::Service(id) => {
            let service = api.world.service_mut(id);
            service.finalizers = meta.finalizers;
            service.owner_references = meta.owners;
        }
        ObjRef::Sts(id) => {
            let set = api.world.sts_mut(id);
            set.finalizers = meta.finalizers;
            set.labels = meta.labels;
            set.owner_references = meta.owners;
        }
        _ => {}
    }
    WriteResult::ok(201, Some(render(api.world(), obj)))
}

/// How the API server checks a kind's `metadata.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRule {
    /// `IsDNS1035Label`: a Service's, before `RelaxedServiceNameValidation`.
    Dns1035Label,
    /// `IsDNS1123Label`: a StatefulSet's from 1.27 (k/k #114172: its pods'
    /// hostnames are its name), a Service's with the relaxed rule.
    Dns1123Label,
    /// `IsDNS1123Subdomain`: the other kinds'.
    Subdomain,
}

/// The rule for `kind`'s names under the run's release and gates.
pub(super) fn name_rule(api: &Api, kind: &str) -> NameRule {
    let world = api.world();
    match kind {
        "Service" if world.features.relaxed_service_name_validation => NameRule::Dns1123Label,
        "Service" => NameRule::Dns1035Label,
        "StatefulSet" if world.kubernetes.minor >= 27 => NameRule::Dns1123Label,
        _ => NameRule::Subdomain,
    }
}

/// `metadata.name` as the API server validates it (apimachinery
/// `validation.IsDNS1035Label`, `IsDNS1123Label`, `IsDNS1123Subdomain`),
/// in its words; `kind` as errors name it (`StatefulSet.apps`).
pub(super) fn check_name(kind: &str, name: &str, rule: NameRule) -> Result<(), WriteResult> {
    // The shape, length aside; each label of a subdomain alike.
    let shaped = |part: &str, dns1035: bool| {
        let bytes = part.as_bytes();
        !bytes.is_empty()
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && (if dns1035 { bytes[0].is_ascii_lowercase() } else { bytes[0] != b'-' })
            && bytes[bytes.len() - 1] != b'-'
    };
    let (shape_ok, max, format) = match rule {
        NameRule::Dns1035Label => (
            shaped(name, true),
            63,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an \
             alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex \
             used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
        NameRule::Dns1123Label => (
            shaped(name, false),
            63,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must \
             start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for \
             validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
        NameRule::Subdomain => (
            name.split('.').all(|part| shaped(part, false)),
            253,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and \
             must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
    };
    let mut errors = Vec::new();
    if name.len() > max {
        errors.push(format!("metadata.name: Invalid value: {name:?}: must be no more than {max} characters"));
    }
    if !shape_ok {
        errors.push(format!("metadata.name: Invalid value: {name:?}: {format}"));
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(WriteResult::failure(422, "Invalid", crate::api::validation::invalid(kind, name, &errors)))
}

fn already_exists(resource: &str, name: &str) -> WriteResult {
    WriteResult::failure(409, "AlreadyExists", format!("{resource} \"{name}\" already exists"))
}

/// A bare pod (`kind: Pod`). Its owner references may name a live
/// StatefulSet as its controller; a pod with none that a StatefulSet's
/// name and selector match is adopted by that set's controller.
pub fn pod(api: &mut Api, object: &Value, name: &str, reader: TemplateReader) -> WriteResult {
    let kind = "Pod";
    if api.world().pod_named(name).is_some() {
        return already_exists("pods", name);
    }
    let mut r = Reader::new(object);
    let result = (|| {
        let meta = meta(kind, name, &mut r)?;
        let owners = owner_refs(api, r.get("metadata.ownerReferences"))?;
        let owner = match owners.as_slice() {
            [] => None,
            [OwnerRef { owner: Owner::StatefulSet(set), .. }] => {
                super::verbs::member_of(api, name, *set)?;
                Some(*set)
            }
            _ => return Err(not_modelled("pods owned by anything but one StatefulSet".into())),
        };
        // Claim volumes, the hostname and the subdomain are the pod's own;
        // the rest of the spec is the template the reader reads.
        let written = r.get("spec").clone();
        let mut spec = written.clone();
        let mut claims = Vec::new();
        if let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
            volumes.retain(|v| match v["persistentVolumeClaim"]["claimName"].as_str() {
                Some(claim) => {
                    claims.push(claim.to_string());
                    false
                }
                None => true,
            });
        }
        let hostname = spec["hostname"].as_str().unwrap_or(name).to_string();
        let subdomain = spec["subdomain"].as_str().unwrap_or_default().to_string();
        if let Some(fields) = spec.as_object_mut() {
            fields.remove("hostname");
            fields.remove("subdomain");
            if fields.get("volumes").and_then(Value::as_array).is_some_and(Vec::is_empty) {
                fields.remove("volumes");
            }
        }
        let mut labels = serde_json::Map::new();
        labels.insert("labels".into(), r.get("metadata.labels").clone());
        let template = serde_json::json!({"metadata": labels, "spec": spec});
        let request = TemplateRequest { kind, name, template: &template, version: api.world().kubernetes };
        let read = super::template::read(reader, &request, kind)?;
        check_unread(kind, name, &r)?;
        let new = NewPod {
            owner,
            ordinal: parse_pod_name(name).map(|(_, ordinal)| ordinal),
            hostname,
            subdomain,
            claims,
            ..NewPod::from_template(name.to_string(), &read.template)
        };
        Ok((new, meta, super::template::warnings(&read), written))
    })();
    let (new, meta, said, written) = match result {
        Ok(x) => x,
        Err(e) => return e,
    };
    match api.create_pod(new) {
        Ok(id) => {
            // Part of the object from its creation.
            api.world.pod_mut(id).spec_object = Some(Box::new(written));
            warned(finish(api, ObjRef::Pod(id), meta), said)
        }
        Err(crate::api::ApiError::Invalid(message)) => WriteResult::failure(422, "Invalid", message),
        Err(_) => already_exists("pods", name),
    }
}

/// A successful answer with the template's warnings (`template::warnings`).
fn warned(mut result: WriteResult, said: Vec<String>) -> WriteResult {
    result.warnings = said;
    result
}

/// A Service; `clusterIP: None` makes it headless: it publishes a record
/// per pod whose `subdomain` names it.
pub fn service(api: &mut Api, object: &Value, name: &str) -> WriteResult {
    let kind = "Service";
    if api.world().service_named(name).is_some() {
        return already_exists("services", name);
    }
    let mut r = Reader::new(object);
    let result = (|| {
        let mut meta = meta(kind, name, &mut r)?;
        meta.owners = super::verbs::custom_owner_refs(api, r.get("metadata.ownerReferences"), kind)?;
        match r.get("spec.type") {
            Value::Null => {}
            Value::String(t) if t == "ClusterIP" => {}
            other => return Err(not_modelled(format!("Services of type {other}"))),
        }
        let headless = match r.get("spec.clusterIP") {
            Value::Null => false,
            Value::String(ip) if ip == "None" => true,
            other => return Err(not_modelled(format!("a chosen clusterIP ({other})"))),
        };
        let selector = string_map(kind, name, "spec.selector", r.get("spec.selector"))?;
        let n = r.object_at("spec.ports").as_array().map_or(0, Vec::len);
        for i in 0..n {
            r.get(&format!("spec.ports.{i}.port"));
            r.get(&format!("spec.ports.{i}.name"));
            r.get(&format!("spec.ports.{i}.targetPort"));
        }
        let ports = service_ports(name, r.object_at("spec.ports"))?;
        if ports.is_empty() && !headless {
            return Err(invalid(kind, name, "spec.ports: Required value".into()));
        }
        let publish = r.get("spec.publishNotReadyAddresses").as_bool().unwrap_or(false);
        check_unread(kind, name, &r)?;
        let service = Service {
            id: ServiceId(0),
            uid: Uid(0),
            name: name.to_string(),
            headless,
            selector,
            publish_not_ready_addresses: publish,
            ports,
            labels: meta.labels.clone(),
            finalizers: Vec::new(),
            owner_references: Vec::new(),
            deletion_timestamp: None,
            removed_at: None,
        };
        Ok((service, meta))
    })();
    let (service, meta) = match result {
        Ok(x) => x,
        Err(e) => return e,
    };
    match api.create_service(service) {
        Ok(id) => finish(api, ObjRef::Service(id), meta),
        Err(_) => already_exists("services", name),
    }
}

/// A Service's `spec.ports` (each a `port`, 1 to 65535, an optional
/// `name` and an optional `targetPort`, a number or a port name, which
/// the API server defaults to the port when 0 or empty), on create and on
/// update alike.
pub(super) fn service_ports(
    name: &str,
    ports: &Value,
) -> Result<Vec<crate::config::ServicePort>, WriteResult> {
    let mut out = Vec::new();
    for (i, item) in ports.as_array().into_iter().flatten().enumerate() {
        let port = &item["port"];
        let Some(port) = port.as_u64().and_then(|p| u16::try_from(p).ok()).filter(|p| *p > 0) else {
            let message = format!(
                "spec.ports[{i}].port: Invalid value: {port}: must be between 1 and 65535, inclusive"
            );
            return Err(invalid("Service", name, message));
        };
        let port_name = item["name"].as_str().unwrap_or_default().to_string();
        let target = &item["targetPort"];
        let target_port = match target {
            Value::Null => TargetPort::Number(port),
            Value::Number(n) if n.as_u64() == Some(0) => TargetPort::Number(port),
            Value::String(s) if s.is_empty() => TargetPort::Number(port),
            Value::Number(n) => match n.as_u64().and_then(|p| u16::try_from(p).ok()) {
                Some(n) => TargetPort::Number(n),
                None => {
                    let message = format!(
                        "spec.ports[{i}].targetPort: Invalid value: {n}: must be between 1 and 65535, inclusive"
                    );
                    return Err(invalid("Service", name, message));
                }
            },
            Value::String(s) => match crate::api::validation::port_name_errors(s).first() {
                None => TargetPort::Name(s.clone()),
                Some(problem) => {
                    let message = format!("spec.ports[{i}].targetPort: Invalid value: {s:?}: {problem}");
                    return Err(invalid("Service", name, message));
                }
            },
            other => {
                let message = format!(
                    "spec.ports[{i}].targetPort: Invalid value: {other}: must be a port number or a port name"
                );
                return Err(invalid("Service", name, message));
            }
        };
        out.push(crate::config::ServicePort { name: port_name, port, target_port });
    }
    Ok(out)
}

/// A StatefulSet, with the API server's defaults (`replicas: 1`,
/// `OrderedReady`, `RollingUpdate`, `revisionHistoryLimit: 10`, claims
/// retained) and its validation: the selector must match the template's labels.
pub fn statefulset(api: &mut Api, object: &Value, name: &str, reader: TemplateReader) -> WriteResult {
    let kind = "StatefulSet.apps";
    if api.world().sts_named(name).is_some() {
        return already_exists("statefulsets.apps", name);
    }
    let mut r = Reader::new(object);
    let result = (|| {
        let mut meta = meta(kind, name, &mut r)?;
        meta.owners = super::verbs::custom_owner_refs(api, r.get("metadata.ownerReferences"), "StatefulSet")?;
        let replicas = count(kind, name, "spec.replicas", r.get("spec.replicas"), 1)?;
        if replicas > crate::sim::MAX_REPLICAS {
            let message = format!(
                "spec.replicas: Invalid value: {replicas}: stsim simulates at most {} replicas",
                crate::sim::MAX_REPLICAS
            );
            return Err(invalid(kind, name, message));
        }
        let selector =
            string_map(kind, name, "spec.selector.matchLabels", r.get("spec.selector.matchLabels"))?;
        if selector.is_empty() {
            return Err(invalid(kind, name, "spec.selector: Required value".into()));
        }
        let template = r.get("spec.template");
        let written = template.clone();
        let request =
            TemplateRequest { kind: "StatefulSet", name, template, version: api.world().kubernetes };
        let read = super::template::read(reader, &request, kind)?;
        let said = super::template::warnings(&read);
        let selector = crate::config::LabelSelector::from_labels(selector);
        selector_matches(name, &selector, &read.template.labels)?;
        let service_name = r.get("spec.serviceName").as_str().unwrap_or_default().to_string();
        let pod_management_policy = match r.get("spec.podManagementPolicy") {
            Value::Null => PodManagementPolicy::OrderedReady,
            Value::String(p) if p == "OrderedReady" => PodManagementPolicy::OrderedReady,
            Value::String(p) if p == "Parallel" => PodManagementPolicy::Parallel,
            // `ValidateStatefulSetSpec` words it as field.Invalid.
            other => {
                let message = format!(
                    "spec.podManagementPolicy: Invalid value: {other}: must be 'OrderedReady' or 'Parallel'"
                );
                return Err(invalid(kind, name, message));
            }
        };
        let partition = count(
            kind,
            name,
            "spec.updateStrategy.rollingUpdate.partition",
            r.get("spec.updateStrategy.rollingUpdate.partition"),
            0,
        )?;
        let max_unavailable = match r.get("spec.updateStrategy.rollingUpdate.maxUnavailable") {
            Value::Null => None,
            Value::Number(n) => n.as_u64().map(|n| IntOrPercent::Int(n as u32)),
            Value::String(p) => p.strip_suffix('%').and_then(|p| p.parse().ok()).map(IntOrPercent::Percent),
            _ => None,
        };
        // The block is defaulted only with the type (`SetDefaults_StatefulSet`).
        let update_strategy = match r.get("spec.updateStrategy.type") {
            Value::Null => UpdateStrategy::RollingUpdate { partition, max_unavailable, nil: false },
            Value::String(t) if t == "RollingUpdate" => {
                let nil = r.get("spec.updateStrategy.rollingUpdate") == &Value::Null;
                UpdateStrategy::RollingUpdate { partition, max_unavailable, nil }
            }
            Value::String(t) if t == "OnDelete" => UpdateStrategy::OnDelete,
            // `ValidateStatefulSetSpec`: field.Invalid on the whole
            // `spec.updateStrategy`, Go's `%#v` of the internal struct (its
            // `RollingUpdate` pointer `nil`, or an address stsim writes `0xc…`).
            other => {
                let rolling = match r.get("spec.updateStrategy.rollingUpdate") {
                    Value::Null => "nil",
                    _ => "0xc…",
                };
                let message = format!(
                    "spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{{Type:{other}, \
                     RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)({rolling})}}: must be 'RollingUpdate' or 'OnDelete'"
                );
                return Err(invalid(kind, name, message));
            }
        };
        let revision_history_limit =
            count(kind, name, "spec.revisionHistoryLimit", r.get("spec.revisionHistoryLimit"), 10)?;
        let min_ready_seconds = count(kind, name, "spec.minReadySeconds", r.get("spec.minReadySeconds"), 0)?;
        let ordinals_start = count(kind, name, "spec.ordinals.start", r.get("spec.ordinals.start"), 0)?;
        let mut retention = RetentionPolicy::default();
        for (field, slot) in
            [("whenDeleted", &mut retention.when_deleted), ("whenScaled", &mut retention.when_scaled)]
        {
            *slot = match r.get(&format!("spec.persistentVolumeClaimRetentionPolicy.{field}")) {
                Value::Null => RetentionAction::Retain,
                Value::String(a) if a == "Retain" => RetentionAction::Retain,
                Value::String(a) if a == "Delete" => RetentionAction::Delete,
                other => {
                    let message = format!(
                        "spec.persistentVolumeClaimRetentionPolicy.{field}: Unsupported value: {other}: supported values: \"Retain\", \"Delete\""
                    );
                    return Err(invalid(kind, name, message));
                }
            };
        }
        let mut volume_claim_templates = Vec::new();
        // What is wrong in a claim template's spec: the set's 422 from 1.34
        // (`ValidateVolumeClaimTemplates`, k/k PR #132212); before, the set
        // is made and each claim's create refused (the template keeps them
        // as `create_errors`, with the claim's paths), said in a warning.
        let version = api.world().kubernetes;
        let mut claim_errors = Vec::new();
        let mut said = said;
        let n = r.object_at("spec.volumeClaimTemplates").as_array().map_or(0, Vec::len);
        for i in 0..n {
            let at = format!("spec.volumeClaimTemplates.{i}");
            // Read silently, as a manifest's are: the embedded object's
            // type and annotations, the default volume mode.
            for field in ["apiVersion", "kind", "status", "metadata.annotations"] {
                r.get(&format!("{at}.{field}"));
            }
            let labels = string_map(
                kind,
                name,
                &format!("{at}.metadata.labels"),
                r.get(&format!("{at}.metadata.labels")),
            )?;
            if r.object_at(&format!("{at}.spec.volumeMode")) == "Filesystem" {
                r.get(&format!("{at}.spec.volumeMode"));
            }
            let Some(claim) = r.get(&format!("{at}.metadata.name")).as_str() else {
                return Err(invalid(kind, name, format!("{at}.metadata.name: Required value")));
            };
            let mut create_errors = Vec::new();
            let storage = r.get(&format!("{at}.spec.resources.requests.storage"));
            let storage_bytes = match storage {
                Value::Null => {
                    create_errors.push("spec.resources[storage]: Required value".to_string());
                    0
                }
                storage => match storage.as_str().and_then(parse_quantity) {
                    Some(bytes) => bytes,
                    // Not a quantity: refused in any release, as before.
                    None => {
                        return Err(invalid(
                            kind,
                            name,
                            format!("{at}.spec.resources[storage]: Required value"),
                        ));
                    }
                },
            };
            let mut access_modes = Vec::new();
            for mode in strings(
                kind,
                name,
                &format!("{at}.spec.accessModes"),
                r.get(&format!("{at}.spec.accessModes")),
            )? {
                access_modes.push(match mode.as_str() {
                    "ReadWriteOnce" => AccessMode::ReadWriteOnce,
                    "ReadOnlyMany" => AccessMode::ReadOnlyMany,
                    "ReadWriteMany" => AccessMode::ReadWriteMany,
                    "ReadWriteOncePod" => AccessMode::ReadWriteOncePod,
                    other => {
                        create_errors.push(format!("spec.accessModes: Unsupported value: {other:?}"));
                        continue;
                    }
                });
            }
            if access_modes.is_empty() && create_errors.iter().all(|e| !e.starts_with("spec.accessModes")) {
                create_errors
                    .push("spec.accessModes: Required value: at least 1 access mode is required".into());
            }
            for error in &create_errors {
                let error = format!("spec.volumeClaimTemplates[{i}].{error}");
                if !version.validates_statefulset_pod_template() {
                    said.push(format!(
                        "each claim of this template will be refused, and its pods never made (a StatefulSet's volumeClaimTemplates are not validated before 1.34): {error}"
                    ));
                }
                claim_errors.push(error);
            }
            let storage_class = r.get(&format!("{at}.spec.storageClassName")).as_str().map(String::from);
            volume_claim_templates.push(VolumeClaimTemplate {
                name: claim.to_string(),
                labels,
                storage_bytes,
                storage_class,
                access_modes,
                create_errors,
            });
        }
        if version.validates_statefulset_pod_template() && !claim_errors.is_empty() {
            let message = match claim_errors.as_slice() {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            return Err(invalid(kind, name, message));
        }
        check_unread(kind, name, &r)?;
        let spec = StatefulSetSpec {
            replicas,
            selector,
            service_name,
            pod_management_policy,
            update_strategy,
            revision_history_limit,
            min_ready_seconds,
            ordinals_start,
            retention,
            template: read.template,
            volume_claim_templates,
        };
        // From 1.34 the set's create checks its template as a pod's spec,
        // with a volume per claim template (k/k PR #131790): what only a
        // pod shows (its mounts) refuses the set here; before,
        // each pod's create.
        let version = api.world().kubernetes;
        if let Some(message) =
            crate::api::validation::statefulset_template_refusal(version, name, &spec, None)
        {
            return Err(WriteResult::failure(422, "Invalid", message));
        }
        Ok((spec, meta, said, written))
    })();
    let (spec, meta, said, written) = match result {
        Ok(x) => x,
        Err(e) => return e,
    };
    let sts = api.create_statefulset(name, spec);
    // Part of the object from its creation.
    api.world.sts_mut(sts).template_object = Some(written);
    // The application runs in the pods: a set made again under the name of
    // one that ran it (delete, then create: the way to change an immutable
    // field) carries it on, as the timeline's RecreateStatefulSet does.
    let previous =
        api.world().statefulsets.iter().rev().find(|s| s.id != sts && s.name == name).map(|s| s.id);
    if let Some(old) = previous {
        api.world.apps.statefulset_recreated(old, sts);
    }
    warned(finish(api, ObjRef::Sts(sts), meta), said)
}

/// `ValidateStatefulSetSpec`: the selector must match the template's
/// labels, on create and update alike.
pub(super) fn selector_matches(
    name: &str,
    selector: &crate::config::LabelSelector,
    template_labels: &Labels,
) -> Result<(), WriteResult> {
    if selector.matches(template_labels) {
        return Ok(());
    }
    let message = format!(
        "spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`",
        template_labels.go_syntax()
    );
    Err(invalid("StatefulSet.apps", name, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_as_the_api_server_does() {
        use NameRule::*;
        assert!(check_name("Service", "web-1", Dns1035Label).is_ok());
        assert!(
            check_name("Service", "1web", Dns1035Label).is_err(),
            "a DNS-1035 label starts with a letter"
        );
        assert!(check_name("Service", "1web", Dns1123Label).is_ok(), "an RFC 1123 label may not");
        assert!(check_name("Pod", "1web.a", Subdomain).is_ok());
        let refused = check_name("Pod", "Web_0", Subdomain).unwrap_err();
        assert!(refused.message.unwrap().starts_with(
            "Pod \"Web_0\" is invalid: metadata.name: Invalid value: \"Web_0\": a lowercase RFC 1123 subdomain"
        ));
        assert!(check_name("Service", &"a".repeat(64), Dns1035Label).is_err());
        assert!(check_name("StatefulSet.apps", &"a".repeat(64), Subdomain).is_ok());
        assert!(check_name("StatefulSet.apps", &"a".repeat(254), Subdomain).is_err());
        let dotted = check_name("StatefulSet.apps", "db.dotted", Dns1123Label).unwrap_err();
        assert!(dotted.message.unwrap().contains("\"db.dotted\": a lowercase RFC 1123 label must"));
        let long = check_name("StatefulSet.apps", &"a".repeat(64), Dns1123Label).unwrap_err();
        assert!(long.message.unwrap().ends_with("must be no more than 63 characters"));
        let both = check_name("Pod", &"A".repeat(254), Subdomain).unwrap_err().message.unwrap();
        assert!(
            both.contains(": [metadata.name: ")
                && both.contains("no more than 253 characters, metadata.name")
        );
    }

    #[test]
    fn cpu_quantities_are_millicores() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.25"), Some(250));
        assert_eq!(cpu_millis("x"), None);
    }

    #[test]
    fn unread_fields_are_named_with_their_paths() {
        let object = serde_json::json!({"kind": "Pod", "metadata": {"name": "a"},
                                        "spec": {"containers": [{"image": "i", "ports": [{"containerPort": 80}]}]}});
        let mut r = Reader::new(&object);
        r.get("spec.containers.0.image");
        assert_eq!(r.unread(), vec!["spec.containers.0.ports.0.containerPort".to_string()]);
    }
}
