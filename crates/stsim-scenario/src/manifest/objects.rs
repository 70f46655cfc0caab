//! One function per modelled kind: a Kubernetes object to its raw struct.
//!
//! Reads the fields the model uses (with the API server's decoding and
//! defaulting where it differs from the scenario format's), records where
//! each raw value came from, and leaves every other field to `Obj::finish`,
//! which lists it as unused. Semantic checks (ranges, names, selector against
//! labels) are left to `validate`, which sees the same raw structs as for RON.
//! Also owns stsim's own annotations and the mapping, both ways, between a
//! cloud driver's disk types and the price presets, which `export` shares.

use super::{Cx, Loc, Obj, Unused, is_empty_string};
use crate::raw;
use crate::validate::{DNS_SUBDOMAIN_MESSAGE, is_dns_subdomain};
use crate::yaml::{Node, Value};

/// Metadata the API server sets, or that labels an object without changing
/// what controllers do with it: read without a warning.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "labels",
    "annotations",
];

/// Checks that the `keys` of `meta` (at `path`: its labels, annotations)
/// are mappings of strings, in file order, as the API server decodes them
/// (`map[string]string`: `prometheus.io/scrape: true` unquoted is refused,
/// `json: cannot unmarshal bool into Go struct field
/// ObjectMeta.metadata.annotations of type string`); what they say is read
/// elsewhere or not modelled.
pub(super) fn check_string_maps(cx: &mut Cx<'_>, meta: &Obj<'_>, path: &str, keys: &[&str]) {
    for (key, _, node) in meta.entries.iter() {
        if keys.contains(&key.as_str()) && node.value != Value::Null {
            cx.labels(node, &format!("{path}.{key}"));
        }
    }
}

/// Checks the labels (`labels`: where nothing else reads them) and
/// annotations of `meta` (at `path`) as the API server validates every
/// object's metadata (apimachinery `api/validation/objectmeta.go`,
/// `validateObjectMetaAccessorWithOptsCommon`: `v1validation.ValidateLabels`,
/// each key a qualified name and each value a label value; then
/// `ValidateAnnotations`, each key a qualified name once lower-cased and
/// all of them within `TotalAnnotationSizeLimitB`, 256 KiB), and a
/// StatefulSet's pod template's (`ValidatePodTemplateSpecForStatefulSet`
/// calls the same two). Each error is at the key or value written, in the
/// words of `stsim_core::api::validation`, which checks what operators write.
pub(super) fn check_metadata_maps(cx: &mut Cx<'_>, meta: &Obj<'_>, path: &str, labels: bool) {
    use stsim_core::api::validation as api;
    let keys: &[&str] = if labels { &["labels", "annotations"] } else { &["annotations"] };
    check_string_maps(cx, meta, path, keys);
    for (key, key_place, node) in meta.entries.iter() {
        let Value::Map(entries) = &node.value else { continue };
        let strings = || {
            entries.iter().filter_map(|(k, _, v)| match &v.value {
                Value::Str(s) => Some((k.as_str(), s.as_str())),
                Value::Null => Some((k.as_str(), "")),
                _ => None,
            })
        };
        let field = format!("{path}.{key}");
        match key.as_str() {
            "labels" if labels => {
                for (k, k_place, v) in entries {
                    for detail in api::label_key_errors(k) {
                        cx.invalid(*k_place, &field, format!("Invalid value: {k:?}: {detail}"), None);
                    }
                    if let Value::Str(text) = &v.value {
                        for detail in api::label_value_errors(text) {
                            cx.invalid(v.place, &field, format!("Invalid value: {text:?}: {detail}"), None);
                        }
                    }
                }
            }
            "annotations" => {
                for (k, k_place, _) in entries {
                    for detail in api::annotation_key_errors(k) {
                        cx.invalid(*k_place, &field, format!("Invalid value: {k:?}: {detail}"), None);
                    }
                }
                if api::annotations_too_long(strings()) {
                    let total: usize = strings().map(|(k, v)| k.len() + v.len()).sum();
                    let help = format!(
                        "its annotations hold {total} bytes, keys and values together; keep large data in a ConfigMap"
                    );
                    cx.invalid(*key_place, &field, api::ANNOTATIONS_TOO_LONG, Some(help));
                }
            }
            _ => {}
        }
    }
}

/// The annotation that prices a StorageClass's volumes for stsim, in US dollars per GiB-month.
pub(crate) const PRICE_ANNOTATION: &str = "stsim.io/usd-per-gib-month";

/// The annotation that marks a StorageClass's volumes as disks of one node.
pub(crate) const LOCAL_ANNOTATION: &str = "stsim.io/local";

/// The annotation that says whether a StorageClass's volumes live in one
/// zone, where its provisioner would say otherwise (`"false"`: a disk
/// reachable from every zone).
pub(crate) const ZONAL_ANNOTATION: &str = "stsim.io/zonal";

/// The annotation that names the price preset of a StorageClass's volumes
/// (`aws-io2`), where no disk type of its provisioner names it.
pub(crate) const PRICING_ANNOTATION: &str = "stsim.io/pricing";

/// The parameter that names the disk type of a class of `provisioner`'s:
/// Azure Disk's `skuName`, every other cloud disk's `type`.
pub(crate) fn disk_type_parameter(provisioner: &str) -> &'static str {
    if azure_disk(provisioner) { "skuName" } else { "type" }
}

fn azure_disk(provisioner: &str) -> bool {
    matches!(provisioner, "disk.csi.azure.com" | "kubernetes.io/azure-disk")
}

/// The price preset of a disk of type `disk_type` made by `provisioner`,
/// regional or not, if stsim has prices for it.
pub(crate) fn preset_of_disk_type(provisioner: &str, disk_type: &str, regional: bool) -> Option<String> {
    match (provisioner, disk_type) {
        ("ebs.csi.aws.com" | "kubernetes.io/aws-ebs", t) => Some(format!("aws-{t}")),
        ("pd.csi.storage.gke.io" | "kubernetes.io/gce-pd", t) if regional => {
            Some(format!("gcp-regional-{t}"))
        }
        ("pd.csi.storage.gke.io" | "kubernetes.io/gce-pd", t) => Some(format!("gcp-{t}")),
        (p, "StandardSSD_LRS") if azure_disk(p) => Some("azure-standard-ssd".to_string()),
        (p, "Premium_LRS") if azure_disk(p) => Some("azure-premium-ssd".to_string()),
        _ => None,
    }
}

/// The disk type of `provisioner` that `preset_of_disk_type` reads as
/// `preset`, if the preset is one of that provisioner's disks (a disk type
/// its driver knows).
pub(crate) fn disk_type_of_preset(provisioner: &str, preset: &str, regional: bool) -> Option<&'static str> {
    const AWS: &[&str] = &["gp3", "gp2", "io1", "io2", "st1", "sc1"];
    const GCP: &[&str] = &["pd-standard", "pd-balanced", "pd-ssd"];
    const AZURE: &[&str] = &["StandardSSD_LRS", "Premium_LRS"];
    // (Only GCE PD's disks are regional; the validator refuses others.)
    if regional && !stsim_core::objects::makes_regional_disks(provisioner) {
        return None;
    }
    let types = match provisioner {
        "ebs.csi.aws.com" | "kubernetes.io/aws-ebs" => AWS,
        "pd.csi.storage.gke.io" | "kubernetes.io/gce-pd" => GCP,
        p if azure_disk(p) => AZURE,
        _ => return None,
    };
    types.iter().copied().find(|t| preset_of_disk_type(provisioner, t, regional).as_deref() == Some(preset))
}

/// A string annotation of an object, with where it is written.
fn annotation(obj: &Obj<'_>, key: &str) -> Option<(crate::locate::Place, String)> {
    let place = obj.nested_place(&["metadata", "annotations", key])?;
    let value = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", key]))?;
    Some((place, value))
}

/// The annotation that names the clustered application a StatefulSet's pods
/// run, in the scenario format's words (`Quorum(system: Etcd)`).
pub(crate) const APP_ANNOTATION: &str = "stsim.io/app";

/// Whether a kind's objects live in a namespace (`kubectl api-resources
/// --namespaced`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// StatefulSet, Service, PodDisruptionBudget, PersistentVolumeClaim.
    Namespaced,
    /// Node, CSINode, StorageClass, PersistentVolume: the API server clears
    /// a `metadata.namespace` written on one (`EnsureObjectNamespaceMatchesRequestNamespace`
    /// in k8s.io/apiserver's `endpoints/handlers/rest.go`), so it is listed as unused.
    Cluster,
}

/// Reads `metadata` of a top-level object: its name (required) and, for a
/// namespaced kind, the namespace `kubectl apply` would put it in.
pub(super) fn metadata(cx: &mut Cx<'_>, obj: &mut Obj<'_>, raw_name: &str, scope: Scope) -> Option<String> {
    let Some(meta) = obj.take("metadata") else {
        cx.invalid(obj.place, "metadata.name", "Required value: name or generateName is required", None);
        return None;
    };
    let mut meta = cx.obj(meta, "metadata")?;
    // A claim's labels, and a Node's, are read (and checked) with the object.
    let labels_read = matches!(cx.kind(), "PersistentVolumeClaim" | "Node");
    check_metadata_maps(cx, &meta, "metadata", !labels_read);
    meta.skip(SERVER_METADATA);
    // kubectl reads an empty namespace as none given (cli-runtime's
    // `SetNamespace` fills it when its length is 0).
    let namespace = meta.take("namespace").filter(|node| !is_empty_string(node));
    let name_node = meta.take("name");
    let name = match name_node {
        Some(node) => {
            let name = cx.string(node, "metadata.name");
            cx.at(raw_name.to_string(), node.place, "metadata.name");
            name
        }
        None => {
            let message = "Required value: name or generateName is required";
            cx.invalid(meta.place, "metadata.name", message, None);
            None
        }
    };
    match (scope, namespace) {
        (Scope::Cluster, Some(node)) => cx.collected.unused.push(Unused {
            file: cx.file.to_string(),
            place: node.place,
            object: cx.object.clone(),
            path: "metadata.namespace".to_string(),
        }),
        (Scope::Cluster, None) => {}
        (Scope::Namespaced, Some(node)) => {
            if let Some(text) = cx.string(node, "metadata.namespace") {
                given_namespace(cx, &text, node.place);
            }
        }
        (Scope::Namespaced, None) => {
            // `kubectl apply` puts an object that names no namespace in the
            // one `-n` gives, or in the current context's (cli-runtime's
            // `resource.SetNamespace`): `default` in a fresh kubeconfig.
            let namespace = cx.collected.apply_namespace.clone().unwrap_or_else(|| "default".to_string());
            let place = name_node.map_or(meta.place, |n| n.place);
            namespace_seen(cx, &namespace, place, "");
        }
    }
    meta.finish(cx);
    name
}

/// A namespace an object names. With `-n` given, a different one is
/// refused as kubectl refuses it (cli-runtime's `resource.RequireNamespace`).
fn given_namespace(cx: &mut Cx<'_>, name: &str, place: crate::locate::Place) {
    if cx.collected.enforce_namespace
        && let Some(flag) = cx.collected.apply_namespace.clone()
        && flag != name
    {
        let message = format!(
            "{}: the namespace from the provided object {name:?} does not match the namespace {flag:?}. You must pass '--namespace={name}' to perform this operation.",
            cx.object
        );
        cx.error("invalid-value", place, message, None);
        return;
    }
    namespace_seen(cx, name, place, "metadata.namespace");
}

/// The simulation has one namespace; objects in two are refused. `path`
/// is `metadata.namespace` where the object names it, empty where it names
/// none and goes in the one `kubectl apply` gives it.
fn namespace_seen(cx: &mut Cx<'_>, name: &str, place: crate::locate::Place, path: &str) {
    match &cx.collected.namespace {
        Some((first, loc)) if first != name => {
            let where_first = if loc.path.is_empty() {
                format!(
                    "{} at {}:{} names none, so it goes in {first:?}",
                    loc.object, loc.file, loc.place.line
                )
            } else {
                format!("{} at {}:{} is in {first:?}", loc.object, loc.file, loc.place.line)
            };
            let fix = if path.is_empty() {
                format!("give this object `namespace: {first}` too")
            } else {
                format!("give every object `namespace: {name}`, or none and pass `-n {name}`")
            };
            let help = Some(format!(
                "stsim simulates one namespace, and {where_first}: {fix}. kubectl apply puts an object without metadata.namespace in the namespace -n names, or the current context's (`default` unless set)"
            ));
            let message = if path.is_empty() {
                format!(
                    "{}: metadata.namespace: none given, so kubectl apply puts it in {name:?}, a second namespace",
                    cx.object
                )
            } else {
                format!("{}: {path}: {name:?} is a second namespace", cx.object)
            };
            cx.error("invalid-value", place, message, help);
        }
        Some(_) => {}
        None => {
            // Written: the scenario's `namespace` came from here, for the
            // validator's messages about it.
            if !path.is_empty() {
                cx.at("namespace".to_string(), place, path);
            }
            let loc =
                Loc { file: cx.file.to_string(), place, object: cx.object.clone(), path: path.to_string() };
            cx.collected.namespace = Some((name.to_string(), loc));
        }
    }
}

/// Removes what an earlier object of the same name recorded, for apply's "configured".
fn forget(cx: &mut Cx<'_>, raw_base: &str) {
    let dot = format!("{raw_base}.");
    cx.collected.spans.map.retain(|k, _| k != raw_base && !k.starts_with(&dot));
}

pub(super) fn spec_of<'n>(cx: &mut Cx<'_>, obj: &mut Obj<'n>) -> Option<Obj<'n>> {
    match obj.take("spec") {
        Some(spec) => cx.obj(spec, "spec"),
        None => {
            cx.invalid(obj.place, "spec", "Required value", None);
            None
        }
    }
}

fn int_field(cx: &mut Cx<'_>, obj: &mut Obj<'_>, key: &str, raw_path: String) -> Option<i64> {
    let node = obj.take(key)?;
    let path = obj.child(key);
    cx.at(raw_path, node.place, &path);
    cx.int(node, &path)
}

pub(super) fn namespace(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    // A Namespace object makes a namespace; it puts no other object in it.
    if let Some(meta) = obj.take("metadata")
        && let Some(mut meta) = cx.obj(meta, "metadata")
    {
        check_metadata_maps(cx, &meta, "metadata", true);
        meta.skip(SERVER_METADATA);
        if let Some(name) = meta.take("name")
            && let Some(text) = cx.string(name, "metadata.name")
        {
            // A namespace's name is a DNS label, as the API server checks it.
            if text.chars().count() > 63 {
                let message = format!("Invalid value: {text:?}: must be no more than 63 characters");
                cx.invalid(name.place, "metadata.name", message, None);
            } else if !crate::validate::is_dns_label(&text) {
                let message = format!("Invalid value: {text:?}: {}", crate::validate::DNS_LABEL_MESSAGE);
                cx.invalid(name.place, "metadata.name", message, None);
            }
            let loc = cx.loc(name.place, "metadata.name");
            cx.collected.namespaces_made.push((text, loc));
        }
        meta.finish(cx);
    }
    obj.finish(cx);
}

/// An object's own `metadata.labels`, the entries that are strings (or
/// null, an empty value): `metadata` checks them and says what is wrong
/// with the rest.
fn metadata_labels(obj: &Obj<'_>) -> Option<raw::RawLabels> {
    let meta =
        obj.entries.iter().find(|(k, _, _)| k == "metadata").and_then(|(_, _, m)| Obj::new(m, "metadata"))?;
    let (_, _, node) = meta.entries.iter().find(|(k, _, _)| k == "labels")?;
    let Value::Map(entries) = &node.value else { return None };
    let labels: raw::RawLabels = (entries.iter())
        .filter_map(|(k, _, v)| match &v.value {
            Value::Str(s) => Some((k.clone(), s.clone())),
            Value::Null => Some((k.clone(), String::new())),
            _ => None,
        })
        .collect();
    Some(labels)
}

/// Whether `metadata.annotations` has `key`.
fn has_annotation(obj: &Obj<'_>, key: &str) -> bool {
    let meta =
        obj.entries.iter().find(|(k, _, _)| k == "metadata").and_then(|(_, _, m)| Obj::new(m, "metadata"));
    let annotations =
        meta.and_then(|m| m.entries.iter().find(|(k, _, _)| k == "annotations").map(|e| &e.2.value));
    matches!(annotations, Some(Value::Map(entries)) if entries.iter().any(|(k, _, _)| k == key))
}

/// The annotation that published a Service's unready pods before
/// `publishNotReadyAddresses`: deprecated in 1.11, and read by nothing in
/// any release modelled (the Endpoints controller stopped in 1.24, k/k
/// PR #108020; the EndpointSlice controller, whose slices CoreDNS serves,
/// never read it). Old charts still carry it and expect it to work.
const TOLERATE_UNREADY: &str = "service.alpha.kubernetes.io/tolerate-unready-endpoints";

pub(super) fn service(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let labels = metadata_labels(&obj);
    let existing = |cx: &Cx<'_>, name: &str| cx.collected.services.iter().position(|s| s.name == name);
    let provisional = cx.base.services + cx.collected.services.len();
    let mut raw_base = format!("services[{provisional}]");
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Namespaced) else { return };
    if has_annotation(&obj, TOLERATE_UNREADY) {
        cx.collected.notes.push(format!(
            "{}: annotation {TOLERATE_UNREADY} has no effect (Kubernetes stopped reading it in 1.24, and \
             EndpointSlices never did): set spec.publishNotReadyAddresses: true for the pods' names to \
             resolve before they are Ready",
            cx.object
        ));
    }
    let index = existing(cx, &name);
    if let Some(i) = index {
        forget(cx, &format!("services[{}]", cx.base.services + i));
        raw_base = format!("services[{}]", cx.base.services + i);
        metadata_again(cx, &raw_base, &obj);
    }
    cx.at(raw_base.clone(), obj.place, "");
    let Some(mut spec) = spec_of(cx, &mut obj) else { return };
    let (cluster_ip, ip_place) = match spec.take("clusterIP") {
        Some(node) => {
            // The API server copies it into `clusterIPs` and checks that.
            cx.at(format!("{raw_base}.clusterIP"), node.place, "spec.clusterIPs[0]");
            (cx.string(node, "spec.clusterIP"), Some(node.place))
        }
        // The API server allocates an address: the service is not headless.
        None => (Some(String::new()), None),
    };
    let mut external = false;
    if let Some(kind) = spec.take("type") {
        let kind = cx.defaulted_one_of(
            kind,
            "spec.type",
            &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
        );
        external = kind.as_deref() == Some("ExternalName");
        // `ValidateService`: a node port or a load balancer needs a cluster IP.
        if let (Some(kind @ ("NodePort" | "LoadBalancer")), Some("None"), Some(place)) =
            (kind.as_deref(), cluster_ip.as_deref(), ip_place)
        {
            let message = format!("Invalid value: \"None\": may not be set to 'None' for {kind} services");
            let help =
                "a headless Service (clusterIP: None) is of type ClusterIP: leave `type` out, or give \
                        the node port its own Service"
                    .to_string();
            cx.invalid(place, "spec.clusterIPs[0]", message, Some(help));
        }
        if kind.as_deref().is_some_and(|k| k != "ClusterIP" && k != "ExternalName") {
            spec.used_again("type", false);
        }
    }
    if external {
        drop_replaced(cx, index);
        external_name(cx, name, obj, spec, cluster_ip.as_deref().zip(ip_place));
        return;
    }
    // Where a missing `ports` is reported (the validator's
    // `services[i].ports`, for a Service with a cluster IP).
    if !spec.has_items("ports") {
        let place = spec.nested_place(&["ports"]).unwrap_or(spec.place);
        cx.at(format!("{raw_base}.ports"), place, "spec.ports");
    }
    let selector = match spec.take("selector") {
        Some(node) => {
            cx.at(format!("{raw_base}.selector"), node.place, "spec.selector");
            cx.labels(node, "spec.selector")
        }
        None => None,
    };
    // A Service without a selector is valid: the EndpointSlice controller
    // lists no pods for it (its slices are written by hand, which stsim
    // does not model), so it gives the pods no DNS names.
    let selector = selector.unwrap_or_default();
    if selector.is_empty() {
        cx.collected.notes.push(format!(
            "{}: no selector: it selects no pods, and stsim does not model EndpointSlices written by hand",
            cx.object
        ));
    }
    let publish = match spec.take("publishNotReadyAddresses") {
        Some(node) => {
            cx.at(
                format!("{raw_base}.publishNotReadyAddresses"),
                node.place,
                "spec.publishNotReadyAddresses",
            );
            cx.boolean(node, "spec.publishNotReadyAddresses")
        }
        None => None,
    };
    let mut ports = Vec::new();
    if let Some(list) = spec.take("ports")
        && let Some(items) = cx.list(list, "spec.ports")
    {
        for (j, item) in items.iter().enumerate() {
            let path = format!("spec.ports[{j}]");
            let Some(mut port) = cx.obj(item, &path) else { continue };
            let name = match port.take("name") {
                Some(node) => {
                    cx.at(format!("{raw_base}.ports[{j}].name"), node.place, &format!("{path}.name"));
                    cx.string(node, &format!("{path}.name"))
                }
                None => {
                    cx.at(format!("{raw_base}.ports[{j}].name"), item.place, &format!("{path}.name"));
                    None
                }
            };
            let number = int_field(cx, &mut port, "port", format!("{raw_base}.ports[{j}].port"));
            // `validateServicePort`: `ValidatePortNumOrName` of the target
            // port, once 0 or "" is defaulted to the port.
            let mut target_port = None;
            if let Some(target) = port.take("targetPort") {
                let defaulted = matches!(&target.value, Value::Int(0) | Value::Null)
                    || matches!(&target.value, Value::Str(name) if name.is_empty());
                if !defaulted {
                    let at = format!("{path}.targetPort");
                    cx.at(format!("{raw_base}.ports[{j}].targetPort"), target.place, &at);
                    port_num_or_name(cx, target, &at, false);
                    // Kept when valid; an error above has been said.
                    target_port = match &target.value {
                        Value::Int(n) if (1..=65_535).contains(n) => Some(raw::IntOrString::Int(*n)),
                        Value::Str(name)
                            if stsim_core::api::validation::port_name_errors(name).is_empty() =>
                        {
                            Some(raw::IntOrString::String(name.clone()))
                        }
                        _ => None,
                    };
                }
            }
            if number.is_none() && port.entries_value("port").is_none() {
                cx.invalid(item.place, &format!("{path}.port"), "Required value", None);
            }
            port.finish(cx);
            ports.push(raw::ServicePort { name, port: number.unwrap_or(1), target_port });
        }
    }
    spec.finish(cx);
    obj.finish(cx);
    let service = raw::Service {
        name,
        labels,
        cluster_ip,
        selector,
        publish_not_ready_addresses: publish,
        ports: Some(ports),
    };
    match index {
        Some(i) => cx.collected.services[i] = service,
        None => cx.collected.services.push(service),
    }
}

/// An `ExternalName` Service: a DNS alias (a CNAME) of the name it gives,
/// with no cluster IP, no endpoints and no records of pods, whatever its
/// selector says (the EndpointSlice controller passes it by). Checked as
/// `ValidateService` checks it, then left out of the run with a note.
fn external_name(
    cx: &mut Cx<'_>,
    name: String,
    obj: Obj<'_>,
    mut spec: Obj<'_>,
    cluster_ip: Option<(&str, crate::locate::Place)>,
) {
    if let Some((ip, place)) = cluster_ip.filter(|(ip, _)| !ip.is_empty()) {
        let help = format!(
            "an ExternalName Service is only a DNS alias: leave `clusterIP` ({ip:?}) out, or make it a \
             ClusterIP Service (a headless one with `clusterIP: None`) to give the pods DNS records"
        );
        cx.invalid(
            place,
            "spec.clusterIPs",
            "Forbidden: may not be set for ExternalName services",
            Some(help),
        );
    }
    let target = match spec.take("externalName") {
        Some(node) => {
            let place = node.place;
            let name = cx.string(node, "spec.externalName");
            // The CNAME may end in a dot, fully qualified.
            let bare = name.as_deref().map(|n| n.strip_suffix('.').unwrap_or(n));
            match bare {
                Some("") => cx.invalid(place, "spec.externalName", "Required value", None),
                Some(bare) if !is_dns_subdomain(bare) => {
                    let message = format!("Invalid value: {bare:?}: {DNS_SUBDOMAIN_MESSAGE}");
                    cx.invalid(place, "spec.externalName", message, None);
                }
                _ => {}
            }
            name
        }
        None => {
            cx.invalid(spec.place, "spec.externalName", "Required value", None);
            None
        }
    };
    // What an ExternalName Service ignores.
    spec.skip(&["selector", "ports", "publishNotReadyAddresses", "sessionAffinity"]);
    spec.finish(cx);
    let place = obj.place;
    obj.finish(cx);
    let alias = target.map_or(String::new(), |t| format!(" of {t:?}"));
    cx.collected.skipped.push(Unused {
        file: cx.file.to_string(),
        place,
        object: cx.object.clone(),
        path: format!("type ExternalName: a DNS alias{alias}, with no endpoints and no records of pods"),
    });
    cx.collected.services_left_out.push((name, "is an ExternalName Service (a DNS alias)"));
}

/// A Service applied again under the name of one read before (`kubectl
/// apply`'s "configured"), in a form left out of the run (no selector, an
/// ExternalName alias): the earlier one is gone from the cluster too, and
/// from the run.
fn drop_replaced(cx: &mut Cx<'_>, index: Option<usize>) {
    if let Some(i) = index {
        cx.collected.services.remove(i);
        cx.collected.spans.remove_index("services", cx.base.services + i);
    }
}

/// Records the name again under the index of the object it replaces.
fn metadata_again(cx: &mut Cx<'_>, raw_base: &str, obj: &Obj<'_>) {
    if let Some(place) = obj.nested_place(&["metadata", "name"]) {
        cx.at(format!("{raw_base}.name"), place, "metadata.name");
    }
}

impl<'n> Obj<'n> {
    /// The node under `key`, if written, without marking it used.
    pub(super) fn peek(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _, _)| k == key).map(|(_, _, n)| n)
    }

    /// The string under `key`, without marking it used.
    pub(super) fn entries_value(&self, key: &str) -> Option<String> {
        self.entries.iter().find(|(k, _, _)| k == key).and_then(|(_, _, n)| match &n.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        })
    }

    /// Marks `key` used or not.
    pub(super) fn used_again(&mut self, key: &str, used: bool) {
        if let Some(i) = self.entries.iter().position(|(k, _, _)| k == key) {
            self.used[i] = used;
        }
    }

    /// Whether `key` holds a list with at least one item.
    pub(super) fn has_items(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _, n)| k == key && matches!(&n.value, Value::Seq(items) if !items.is_empty()))
    }

    /// The place of a value under nested keys.
    pub(super) fn nested_place(&self, keys: &[&str]) -> Option<crate::locate::Place> {
        let (first, rest) = keys.split_first()?;
        let mut node = &self.entries.iter().find(|(k, _, _)| k == first)?.2;
        for key in rest {
            let Value::Map(entries) = &node.value else { return None };
            node = &entries.iter().find(|(k, _, _)| k == key)?.2;
        }
        Some(node.place)
    }
}

pub(super) fn storage_class(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let base = cx.base.storage_classes;
    let provisional = base + cx.collected.storage_classes.len();
    let mut raw_base = format!("cluster.storageClasses[{provisional}]");
    // The default-class annotation is read before `metadata` skips annotations.
    let default =
        obj.nested_place(&["metadata", "annotations", "storageclass.kubernetes.io/is-default-class"]);
    // stsim's own annotation: the class's price, which Kubernetes does not know.
    let price_place = obj.nested_place(&["metadata", "annotations", PRICE_ANNOTATION]);
    let price_value = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", PRICE_ANNOTATION]));
    let default_value = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", "storageclass.kubernetes.io/is-default-class"]));
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Cluster) else { return };
    let index = cx.collected.storage_classes.iter().position(|c| c.name == name);
    if let Some(i) = index {
        raw_base = format!("cluster.storageClasses[{}]", base + i);
        forget(cx, &raw_base);
        metadata_again(cx, &raw_base, &obj);
    }
    cx.at(raw_base.clone(), obj.place, "");
    let is_default = match (default, default_value) {
        (Some(place), Some(value)) => {
            cx.at(
                format!("{raw_base}.default"),
                place,
                "metadata.annotations[storageclass.kubernetes.io/is-default-class]",
            );
            Some(value == "true")
        }
        _ => None,
    };
    // stsim's own annotation: volumes are disks of one node (local PVs).
    let local_place = obj.nested_place(&["metadata", "annotations", LOCAL_ANNOTATION]);
    let local_value = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", LOCAL_ANNOTATION]));
    let usd_per_gib_month = match (price_place, price_value) {
        (Some(place), Some(text)) => {
            let path = format!("metadata.annotations[{PRICE_ANNOTATION}]");
            cx.at(format!("{raw_base}.usdPerGibMonth"), place, &path);
            match text.parse::<f64>() {
                Ok(price) if price.is_finite() && price >= 0.0 => Some(price),
                _ => {
                    let message =
                        format!("Invalid value: {text:?}: expected a price in US dollars, like \"0.08\"");
                    cx.invalid(place, &path, message, None);
                    None
                }
            }
        }
        _ => None,
    };
    let provisioner = match obj.take("provisioner") {
        Some(node) => {
            cx.at(format!("{raw_base}.provisioner"), node.place, "provisioner");
            cx.string(node, "provisioner")
        }
        None => {
            cx.invalid(obj.place, "provisioner", "Required value", None);
            None
        }
    };
    let binding = obj.take("volumeBindingMode").and_then(|node| {
        cx.at(format!("{raw_base}.volumeBindingMode"), node.place, "volumeBindingMode");
        cx.one_of(node, "volumeBindingMode", &["Immediate", "WaitForFirstConsumer"])
    });
    let reclaim = obj.take("reclaimPolicy").and_then(|node| {
        cx.at(format!("{raw_base}.reclaimPolicy"), node.place, "reclaimPolicy");
        cx.one_of(node, "reclaimPolicy", &["Delete", "Retain"])
    });
    let allow_volume_expansion = obj.take("allowVolumeExpansion").and_then(|node| {
        cx.at(format!("{raw_base}.allowVolumeExpansion"), node.place, "allowVolumeExpansion");
        cx.boolean(node, "allowVolumeExpansion")
    });
    let allowed_topologies = obj.take("allowedTopologies").and_then(|node| {
        cx.at(format!("{raw_base}.allowedTopologies"), node.place, "allowedTopologies");
        let terms = cx.list(node, "allowedTopologies")?;
        Some(
            (terms.iter().enumerate())
                .filter_map(|(i, term)| allowed_topology(cx, term, i, &raw_base))
                .collect::<Vec<_>>(),
        )
    });
    let provisioner_name = provisioner.clone().unwrap_or_default();
    let mut iops = None;
    let mut iops_per_gb = None;
    let mut throughput = None;
    let mut disk_type = None;
    let mut regional = None;
    let gce = stsim_core::objects::makes_regional_disks(&provisioner_name);
    if let Some(parameters) = obj.take("parameters")
        && let Some(mut parameters) = cx.obj(parameters, "parameters")
    {
        let number = |cx: &mut Cx<'_>, parameters: &mut Obj<'_>, key: &str| {
            let node = parameters.take(key)?;
            let path = format!("parameters.{key}");
            cx.at(format!("{raw_base}.{key}"), node.place, &path);
            match &node.value {
                Value::Str(s) => s.parse::<i64>().ok().or_else(|| {
                    cx.invalid(
                        node.place,
                        &path,
                        format!("Invalid value: {s:?}: expected a whole number"),
                        None,
                    );
                    None
                }),
                _ => cx.string(node, &path).and(None),
            }
        };
        iops = number(cx, &mut parameters, "iops");
        iops_per_gb = number(cx, &mut parameters, "iopsPerGB");
        throughput = number(cx, &mut parameters, "throughput");
        // Azure Disk's driver names the disk type `skuName` (or its alias
        // `storageAccountType`), in any case; stsim reads `type` too.
        let sku_key = (parameters.entries.iter())
            .map(|(k, _, _)| k.as_str())
            .find(|k| {
                azure_disk(&provisioner_name)
                    && ["skuname", "storageaccounttype"].contains(&k.to_ascii_lowercase().as_str())
            })
            .map(str::to_string);
        for key in sku_key.iter().map(String::as_str).chain(["type"]) {
            if disk_type.is_none()
                && let Some(node) = parameters.take(key)
            {
                let path = format!("parameters.{key}");
                cx.at(format!("{raw_base}.pricing"), node.place, &path);
                disk_type = cx.string(node, &path).map(|t| (t, path));
            }
        }
        // GCE PD's `replication-type`: `regional-pd` keeps each disk in two
        // zones; `none` (the default), in one.
        if gce && let Some(node) = parameters.take("replication-type") {
            cx.at(format!("{raw_base}.regional"), node.place, "parameters.replication-type");
            match cx.string(node, "parameters.replication-type").as_deref() {
                Some("regional-pd") => regional = Some(true),
                Some("none") | None => {}
                Some(other) => cx.invalid(
                    node.place,
                    "parameters.replication-type",
                    format!("Unsupported value: {other:?}: supported values: \"none\", \"regional-pd\""),
                    None,
                ),
            }
        }
        parameters.finish(cx);
    }
    let mut pricing = disk_type
        .as_ref()
        .and_then(|(t, _)| preset_of_disk_type(&provisioner_name, t, regional == Some(true)));
    if let Some((_, path)) = &disk_type
        && pricing.is_none()
    {
        cx.collected.spans.map.remove(&format!("{raw_base}.pricing"));
        let key = path.trim_start_matches("parameters.");
        if let Some(place) = obj.nested_place(&["parameters", key]) {
            cx.collected.unused.push(Unused {
                file: cx.file.to_string(),
                place,
                object: cx.object.clone(),
                path: path.clone(),
            });
        }
    }
    // stsim's own annotation: a price preset no disk type of the
    // provisioner names (the validator refuses a name that is no preset).
    if let Some((place, preset)) = annotation(&obj, PRICING_ANNOTATION) {
        cx.at(format!("{raw_base}.pricing"), place, &format!("metadata.annotations[{PRICING_ANNOTATION}]"));
        pricing = Some(preset);
    }
    // A local provisioner's volumes are one node's, and so, as a rule, are
    // those made by hand that a no-provisioner class holds. (Whether a class
    // is zonal is the validator's default, by provisioner.)
    let local = stsim_core::objects::makes_local_volumes(&provisioner_name)
        || provisioner_name == stsim_core::objects::NO_PROVISIONER;
    let local = local.then_some(true);
    // stsim's own annotation: volumes in one zone or in none, whatever the
    // provisioner (else the validator's default, by provisioner).
    let zonal = match annotation(&obj, ZONAL_ANNOTATION) {
        Some((place, text)) => {
            let path = format!("metadata.annotations[{ZONAL_ANNOTATION}]");
            cx.at(format!("{raw_base}.zonal"), place, &path);
            match text.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => {
                    let message = format!("Invalid value: {text:?}: expected \"true\" or \"false\"");
                    cx.invalid(place, &path, message, None);
                    None
                }
            }
        }
        None => None,
    };
    let local = match (local_place, local_value) {
        (Some(place), Some(text)) => {
            cx.at(format!("{raw_base}.local"), place, &format!("metadata.annotations[{LOCAL_ANNOTATION}]"));
            Some(text == "true")
        }
        _ => local,
    };
    // A class of a provisioner stsim has no prices for costs nothing, and
    // says so; a node's own disk (a local class's, a hostPath
    // provisioner's) is paid for with the node, as the validator prices it.
    let known = stsim_core::pricing::default_preset(&provisioner_name).is_some()
        || local == Some(true)
        || stsim_core::objects::host_path_dir_of(&provisioner_name).is_some();
    let usd_per_gib_month = match usd_per_gib_month {
        None if pricing.is_none() && !known => {
            cx.collected.notes.push(format!(
                "{} has no price for provisioner {provisioner_name:?}; its volumes cost $0 (annotate it with {PRICE_ANNOTATION}: \"0.08\")",
                cx.object
            ));
            Some(0.0)
        }
        price => price,
    };
    obj.finish(cx);
    let class = raw::StorageClass {
        name,
        provisioner,
        volume_binding_mode: binding.map(|b| match b.as_str() {
            "WaitForFirstConsumer" => raw::VolumeBindingMode::WaitForFirstConsumer,
            _ => raw::VolumeBindingMode::Immediate,
        }),
        reclaim_policy: reclaim.map(|r| match r.as_str() {
            "Retain" => raw::ReclaimPolicy::Retain,
            _ => raw::ReclaimPolicy::Delete,
        }),
        zonal,
        regional,
        local,
        usd_per_gib_month,
        pricing,
        iops,
        iops_per_gb,
        throughput,
        default: is_default,
        allow_volume_expansion,
        assumed: None,
        allowed_topologies,
    };
    match index {
        Some(i) => cx.collected.storage_classes[i] = class,
        None => cx.collected.storage_classes.push(class),
    }
}

/// One term of a StorageClass's `allowedTopologies`: its
/// `matchLabelExpressions`, each a `key` and its `values`.
fn allowed_topology(
    cx: &mut Cx<'_>,
    term: &Node,
    i: usize,
    raw_base: &str,
) -> Option<raw::TopologySelectorTerm> {
    let at = format!("allowedTopologies[{i}]");
    let raw_at = format!("{raw_base}.allowedTopologies[{i}]");
    let mut term = cx.obj(term, &at)?;
    cx.at(raw_at.clone(), term.place, &at);
    let expressions_path = format!("{at}.matchLabelExpressions");
    let list = term.take("matchLabelExpressions");
    if let Some(node) = list {
        cx.at(format!("{raw_at}.matchLabelExpressions"), node.place, &expressions_path);
    }
    let expressions = list.and_then(|node| cx.list(node, &expressions_path)).unwrap_or_default();
    let mut match_label_expressions = Vec::new();
    for (j, expression) in expressions.iter().enumerate() {
        let here = format!("{expressions_path}[{j}]");
        let raw_here = format!("{raw_at}.matchLabelExpressions[{j}]");
        let Some(mut expression) = cx.obj(expression, &here) else { continue };
        cx.at(raw_here.clone(), expression.place, &here);
        let key = match expression.take("key") {
            Some(node) => {
                cx.at(format!("{raw_here}.key"), node.place, &format!("{here}.key"));
                cx.string(node, &format!("{here}.key"))
            }
            None => {
                cx.invalid(expression.place, &format!("{here}.key"), "Required value", None);
                None
            }
        };
        let mut values = Vec::new();
        if let Some(node) = expression.take("values") {
            cx.at(format!("{raw_here}.values"), node.place, &format!("{here}.values"));
            for (k, value) in cx.list(node, &format!("{here}.values")).unwrap_or_default().iter().enumerate()
            {
                let path = format!("{here}.values[{k}]");
                cx.at(format!("{raw_here}.values[{k}]"), value.place, &path);
                values.extend(cx.string(value, &path));
            }
        }
        expression.finish(cx);
        if let Some(key) = key {
            match_label_expressions.push(raw::TopologySelectorRequirement { key, values });
        }
    }
    term.finish(cx);
    Some(raw::TopologySelectorTerm { match_label_expressions })
}

impl Obj<'_> {
    pub(super) fn nested_value(&self, keys: &[&str]) -> Option<String> {
        let (first, rest) = keys.split_first()?;
        let mut node = &self.entries.iter().find(|(k, _, _)| k == first)?.2;
        for key in rest {
            let Value::Map(entries) = &node.value else { return None };
            node = &entries.iter().find(|(k, _, _)| k == key)?.2;
        }
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// A label selector: its `matchLabels` (at `raw_path`) and its
/// `matchExpressions` (at `raw_expressions`).
fn label_selector(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: String,
    raw_expressions: &str,
) -> Option<(raw::RawLabels, Option<Vec<raw::NodeSelectorRequirement>>)> {
    let mut selector = cx.obj(node, path)?;
    let labels = match selector.take("matchLabels") {
        Some(labels) => {
            cx.at(raw_path, labels.place, &format!("{path}.matchLabels"));
            cx.labels(labels, &format!("{path}.matchLabels"))
        }
        None => {
            cx.at(raw_path, node.place, path);
            Some(raw::RawLabels::new())
        }
    };
    let expressions = selector.take("matchExpressions").map(|list| {
        cx.at(raw_expressions.to_string(), list.place, &format!("{path}.matchExpressions"));
        requirements(cx, list, &format!("{path}.matchExpressions"), raw_expressions)
    });
    selector.finish(cx);
    Some((labels?, expressions))
}

pub(super) fn pod_disruption_budget(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let base = cx.base.pod_disruption_budgets;
    let provisional = base + cx.collected.pod_disruption_budgets.len();
    let mut raw_base = format!("podDisruptionBudgets[{provisional}]");
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Namespaced) else { return };
    let index = cx.collected.pod_disruption_budgets.iter().position(|b| b.name == name);
    if let Some(i) = index {
        raw_base = format!("podDisruptionBudgets[{}]", base + i);
        forget(cx, &raw_base);
        metadata_again(cx, &raw_base, &obj);
    }
    cx.at(raw_base.clone(), obj.place, "spec");
    let Some(mut spec) = spec_of(cx, &mut obj) else { return };
    // In policy/v1 a budget without a selector selects no pod (an empty
    // one, every pod of the namespace): it protects nothing, and is left
    // out, replacing one applied before under its name.
    let selects_none = spec.peek("selector").is_none_or(|node| node.value == Value::Null);
    let selector = spec
        .take("selector")
        .and_then(|node| {
            let expressions = format!("{raw_base}.selectorExpressions");
            label_selector(cx, node, "spec.selector", format!("{raw_base}.selector"), &expressions)
        })
        .unwrap_or_default();
    let (selector, selector_expressions) = selector;
    let all_pods =
        !selects_none && selector.is_empty() && selector_expressions.as_ref().is_none_or(|e| e.is_empty());
    if all_pods {
        cx.collected.notes.push(format!(
            "{}: spec.selector is empty: in policy/v1 it selects every pod of the namespace",
            cx.object
        ));
    }
    let value = |cx: &mut Cx<'_>, spec: &mut Obj<'_>, key: &str| {
        let node = spec.take(key)?;
        cx.at(format!("{raw_base}.{key}"), node.place, &format!("spec.{key}"));
        cx.int_or_string(node, &format!("spec.{key}"))
    };
    let mut min_available = value(cx, &mut spec, "minAvailable");
    let max_unavailable = value(cx, &mut spec, "maxUnavailable");
    // Neither given: policy/v1 defaults neither and requires neither, and
    // the disruption controller then wants no pod healthy
    // (`getExpectedPodCount`): every eviction is allowed, as minAvailable 0.
    if min_available.is_none() && max_unavailable.is_none() && spec.peek("minAvailable").is_none() {
        cx.collected.notes.push(format!(
            "{}: neither spec.minAvailable nor spec.maxUnavailable is set: the budget allows every eviction",
            cx.object
        ));
        min_available = Some(raw::IntOrString::Int(0));
    }
    let unhealthy_pod_eviction_policy = spec.take("unhealthyPodEvictionPolicy").and_then(|node| {
        let path = "spec.unhealthyPodEvictionPolicy";
        cx.at(format!("{raw_base}.unhealthyPodEvictionPolicy"), node.place, path);
        let policy = cx.one_of(node, path, &["IfHealthyBudget", "AlwaysAllow"])?;
        Some(match policy.as_str() {
            "AlwaysAllow" => raw::UnhealthyPodEvictionPolicy::AlwaysAllow,
            _ => raw::UnhealthyPodEvictionPolicy::IfHealthyBudget,
        })
    });
    spec.finish(cx);
    obj.finish(cx);
    if selects_none {
        cx.collected.notes.push(format!(
            "{}: spec.selector is not set: in policy/v1 a budget without a selector selects no pod and \
             protects none (left out)",
            cx.object
        ));
        match index {
            Some(i) => {
                cx.collected.pod_disruption_budgets.remove(i);
                cx.collected.spans.remove_index("podDisruptionBudgets", base + i);
            }
            // The places recorded for it go with it.
            None => cx.collected.spans.remove_index("podDisruptionBudgets", provisional),
        }
        return;
    }
    let budget = raw::PodDisruptionBudget {
        name,
        selector,
        selector_expressions,
        min_available,
        max_unavailable,
        unhealthy_pod_eviction_policy,
        all_pods,
    };
    match index {
        Some(i) => cx.collected.pod_disruption_budgets[i] = budget,
        None => cx.collected.pod_disruption_budgets.push(budget),
    }
}

/// The zone label of a node, current or deprecated.
pub(super) const ZONE_LABELS: &[&str] =
    &["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];

pub(super) fn node(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let index = cx.base.node_pools + cx.collected.node_pools.len();
    let raw_base = format!("cluster.nodePools[{index}]");
    let labels = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|mut m| m.take("labels"))
        .and_then(|l| cx.labels(l, "metadata.labels"));
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Cluster) else { return };
    cx.at(raw_base.clone(), obj.place, "");
    let labels = labels.unwrap_or_default();
    let zone = ZONE_LABELS.iter().find_map(|key| labels.get(*key)).cloned();
    if let Some(zone) = &zone
        && !cx.collected.zones.contains(zone)
    {
        cx.collected.zones.push(zone.clone());
    }
    let mut taints = Vec::new();
    if let Some(mut spec) = obj.take("spec").and_then(|s| cx.obj(s, "spec")) {
        if let Some(list) = spec.take("taints")
            && let Some(items) = cx.list(list, "spec.taints")
        {
            for (j, item) in items.iter().enumerate() {
                let path = format!("spec.taints[{j}]");
                let Some(mut taint) = cx.obj(item, &path) else { continue };
                cx.at(format!("{raw_base}.taints[{j}]"), item.place, &path);
                let key = taint.take("key").and_then(|k| cx.string(k, &format!("{path}.key")));
                let value = taint.take("value").and_then(|v| cx.string(v, &format!("{path}.value")));
                let effect = taint.take("effect").and_then(|e| {
                    cx.one_of(e, &format!("{path}.effect"), &["NoSchedule", "PreferNoSchedule", "NoExecute"])
                });
                taint.skip(&["timeAdded"]);
                taint.finish(cx);
                if let (Some(key), Some(effect)) = (key, effect) {
                    taints.push(raw::Taint { key, value, effect: taint_effect(&effect) });
                }
            }
        }
        spec.skip(&["podCIDR", "podCIDRs", "providerID"]);
        spec.finish(cx);
    }
    // A node's size is in its status: what the kubelet reports as allocatable.
    let (mut cpu, mut memory, mut max_pods) = (None, None, None);
    if let Some(status) =
        obj.nested_place(&["status", "allocatable"]).and(obj.entries.iter().find(|(k, _, _)| k == "status"))
        && let Some(mut status) = Obj::new(&status.2, "status")
        && let Some(mut allocatable) =
            status.take("allocatable").and_then(|a| cx.obj(a, "status.allocatable"))
    {
        if let Some(node) = allocatable.take("cpu") {
            cx.at(format!("{raw_base}.cpu"), node.place, "status.allocatable.cpu");
            cpu = cx.quantity(node, "status.allocatable.cpu");
        }
        if let Some(node) = allocatable.take("memory") {
            cx.at(format!("{raw_base}.memory"), node.place, "status.allocatable.memory");
            memory = cx.quantity(node, "status.allocatable.memory");
        }
        if let Some(node) = allocatable.take("pods") {
            cx.at(format!("{raw_base}.maxPods"), node.place, "status.allocatable.pods");
            max_pods = match &node.value {
                Value::Str(s) => s.parse::<i64>().ok(),
                Value::Int(n) => Some(*n),
                _ => None,
            };
        }
    }
    // The images the node's runtime holds (`status.images[].names`, a tag
    // and a digest each): a container of one starts without a pull.
    let mut preloaded = Vec::new();
    if let Some((_, _, status)) = obj.entries.iter().find(|(k, _, _)| k == "status")
        && let Some(mut status) = Obj::new(status, "status")
        && let Some(list) = status.take("images")
        && let Some(items) = cx.list(list, "status.images")
    {
        for (j, item) in items.iter().enumerate() {
            let path = format!("status.images[{j}]");
            let Some(mut image) = cx.obj(item, &path) else { continue };
            if let Some(names) = image.take("names")
                && let Some(names) = cx.list(names, &format!("{path}.names"))
            {
                for (k, node) in names.iter().enumerate() {
                    let name_path = format!("{path}.names[{k}]");
                    if let Some(name) = cx.string(node, &name_path) {
                        cx.at(
                            format!("{raw_base}.preloadedImages[{}]", preloaded.len()),
                            node.place,
                            &name_path,
                        );
                        preloaded.push(name);
                    }
                }
            }
            image.skip(&["sizeBytes"]);
            image.finish(cx);
        }
    }
    obj.finish(cx);
    cx.collected.node_pools.push(raw::NodePool {
        names: Some(vec![name.clone()]),
        name,
        count: Some(1),
        cpu,
        memory,
        max_pods,
        zones: zone.map(|z| vec![z]),
        taints: Some(taints),
        labels: Some(labels),
        racks: None,
        rack_label: None,
        failures: None,
        maintenance: None,
        shutdown_grace_period: None,
        shutdown_grace_period_critical_pods: None,
        volume_attach_limits: None,
        preloaded_images: (!preloaded.is_empty()).then_some(preloaded),
    });
}

/// A CSINode (`kubectl get csinodes -o yaml`): for each driver whose
/// `allocatable.count` is given, how many of its volumes the node of the
/// same name can attach. Joined to that Node's pool once every file is read
/// (`manifest::finish`).
pub(super) fn csi_node(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let index = cx.collected.csi_nodes.len();
    let Some(name) = metadata(cx, &mut obj, &format!("csiNodes[{index}].name"), Scope::Cluster) else {
        return;
    };
    let name_at = match obj.nested_place(&["metadata", "name"]) {
        Some(place) => cx.loc(place, "metadata.name"),
        None => cx.loc(obj.place, ""),
    };
    let mut drivers = Vec::new();
    if let Some(mut spec) = obj.take("spec").and_then(|s| cx.obj(s, "spec")) {
        if let Some(list) = spec.take("drivers")
            && let Some(items) = cx.list(list, "spec.drivers")
        {
            for (j, item) in items.iter().enumerate() {
                let path = format!("spec.drivers[{j}]");
                let Some(mut driver) = cx.obj(item, &path) else { continue };
                let name_node = driver.take("name");
                let driver_name = name_node.and_then(|n| cx.string(n, &format!("{path}.name")));
                let mut count = None;
                if let Some(mut allocatable) =
                    driver.take("allocatable").and_then(|a| cx.obj(a, &format!("{path}.allocatable")))
                {
                    if let Some(node) = allocatable.take("count") {
                        count = cx.int(node, &format!("{path}.allocatable.count")).map(|n| (n, node.place));
                    }
                    allocatable.finish(cx);
                }
                driver.skip(&["nodeID", "topologyKeys"]);
                driver.finish(cx);
                match (driver_name, name_node, count) {
                    (Some(driver), Some(name_node), Some((count, count_place))) => drivers.push((
                        raw::VolumeAttachLimit { driver, count },
                        cx.loc(name_node.place, &format!("{path}.name")),
                        cx.loc(count_place, &format!("{path}.allocatable.count")),
                    )),
                    (None, None, _) => {
                        cx.invalid(item.place, &format!("{path}.name"), "Required value", None)
                    }
                    // No count: the driver reports no limit.
                    _ => {}
                }
            }
        }
        spec.finish(cx);
    }
    obj.finish(cx);
    cx.collected.csi_nodes.push(crate::manifest::CsiNode { node: name, name_at, drivers });
}

fn taint_effect(text: &str) -> raw::TaintEffect {
    match text {
        "NoSchedule" => raw::TaintEffect::NoSchedule,
        "PreferNoSchedule" => raw::TaintEffect::PreferNoSchedule,
        _ => raw::TaintEffect::NoExecute,
    }
}

pub(super) fn statefulset(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let labels = metadata_labels(&obj);
    let base = cx.base.statefulsets;
    let provisional = base + cx.collected.statefulsets.len();
    let mut raw_base = format!("statefulsets[{provisional}]");
    // stsim's own annotation: the clustered application the pods run.
    let app_place = obj.nested_place(&["metadata", "annotations", APP_ANNOTATION]);
    let app_text = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", APP_ANNOTATION]));
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Namespaced) else { return };
    let index = cx.collected.statefulsets.iter().position(|s| s.name == name);
    if let Some(i) = index {
        raw_base = format!("statefulsets[{}]", base + i);
        forget(cx, &raw_base);
        metadata_again(cx, &raw_base, &obj);
    }
    cx.at(raw_base.clone(), obj.place, "");
    let Some(mut spec) = spec_of(cx, &mut obj) else { return };
    let r = |field: &str| format!("{raw_base}.{field}");
    let app = match (app_place, app_text) {
        (Some(place), Some(text)) => {
            let path = format!("metadata.annotations[{APP_ANNOTATION}]");
            cx.at(r("app"), place, &path);
            let options =
                ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
            match options.from_str::<raw::App>(&text) {
                Ok(app) => Some(app),
                Err(error) => {
                    let message = format!("Invalid value: {text:?}: {}", error.code);
                    let help = Some(
                        "the application as the scenario format writes it (docs/scenario-format.md, `app`), \
                         like \"Quorum(system: Etcd)\" or \"PrimaryReplica()\""
                            .to_string(),
                    );
                    cx.invalid(place, &path, message, help);
                    None
                }
            }
        }
        _ => None,
    };
    let replicas = int_field(cx, &mut spec, "replicas", r("replicas"));
    let (selector, selector_expressions) = match spec.take("selector") {
        Some(node) => {
            match label_selector(cx, node, "spec.selector", r("selector"), &r("selectorExpressions")) {
                Some((labels, expressions)) => (Some(labels), expressions),
                None => (None, None),
            }
        }
        None => {
            cx.invalid(spec.place, "spec.selector", "Required value", None);
            (None, None)
        }
    };
    let service_name = match spec.take("serviceName") {
        Some(node) => {
            cx.at(r("serviceName"), node.place, "spec.serviceName");
            cx.string(node, "spec.serviceName").unwrap_or_default()
        }
        None => String::new(),
    };
    let pod_management_policy = spec.take("podManagementPolicy").and_then(|node| {
        cx.at(r("podManagementPolicy"), node.place, "spec.podManagementPolicy");
        // `ValidateStatefulSetSpec` words this one as field.Invalid, not
        // NotSupported: `must be 'OrderedReady' or 'Parallel'`.
        let detail = |text: &str| format!("Invalid value: {text:?}: must be 'OrderedReady' or 'Parallel'");
        let allowed = ["OrderedReady", "Parallel"];
        let path = "spec.podManagementPolicy";
        let policy = if is_empty_string(node) { None } else { cx.one_of_as(node, path, &allowed, detail) };
        policy.map(|p| match p.as_str() {
            "Parallel" => raw::PodManagementPolicy::Parallel,
            _ => raw::PodManagementPolicy::OrderedReady,
        })
    });
    let update_strategy =
        spec.take("updateStrategy").and_then(|node| update_strategy(cx, node, &r("updateStrategy")));
    let revision_history_limit = int_field(cx, &mut spec, "revisionHistoryLimit", r("revisionHistoryLimit"));
    let min_ready_seconds = int_field(cx, &mut spec, "minReadySeconds", r("minReadySeconds"));
    let ordinals = spec.take("ordinals").and_then(|node| cx.obj(node, "spec.ordinals")).map(|mut o| {
        let start = int_field(cx, &mut o, "start", r("ordinals.start"));
        o.finish(cx);
        raw::Ordinals { start }
    });
    let retention = spec
        .take("persistentVolumeClaimRetentionPolicy")
        .and_then(|node| cx.obj(node, "spec.persistentVolumeClaimRetentionPolicy"))
        .map(|mut policy| {
            let action = |cx: &mut Cx<'_>, policy: &mut Obj<'_>, key: &str| {
                let node = policy.take(key)?;
                let path = policy.child(key);
                cx.at(r(&format!("persistentVolumeClaimRetentionPolicy.{key}")), node.place, &path);
                cx.defaulted_one_of(node, &path, &["Retain", "Delete"]).map(|a| match a.as_str() {
                    "Delete" => raw::RetentionAction::Delete,
                    _ => raw::RetentionAction::Retain,
                })
            };
            let when_deleted = action(cx, &mut policy, "whenDeleted");
            let when_scaled = action(cx, &mut policy, "whenScaled");
            policy.finish(cx);
            raw::RetentionPolicy { when_deleted, when_scaled }
        });
    let template = match spec.take("template") {
        Some(node) => template(cx, node, &r("template"), true),
        None => {
            cx.invalid(spec.place, "spec.template", "Required value", None);
            None
        }
    };
    let claims =
        spec.take("volumeClaimTemplates").and_then(|node| claims(cx, node, &r("volumeClaimTemplates")));
    spec.finish(cx);
    let object_place = obj.place;
    obj.finish(cx);
    let Some(template) = template else { return };
    let set = raw::StatefulSet {
        name,
        labels,
        service_name,
        replicas,
        selector,
        selector_expressions,
        pod_management_policy,
        update_strategy,
        revision_history_limit,
        min_ready_seconds,
        ordinals,
        persistent_volume_claim_retention_policy: retention,
        template,
        volume_claim_templates: claims,
        app,
    };
    match index {
        Some(i) => {
            let old = &cx.collected.statefulsets[i];
            // ValidateStatefulSetUpdate: only replicas, ordinals, template,
            // updateStrategy, revisionHistoryLimit (1.35+), the retention
            // policy and minReadySeconds may change.
            let immutable = |s: &raw::StatefulSet| {
                format!(
                    "{:?}{:?}{:?}{:?}",
                    s.selector, s.service_name, s.pod_management_policy, s.volume_claim_templates
                )
            };
            if immutable(old) != immutable(&set) {
                let message = format!(
                    "StatefulSet.apps {:?} is invalid: spec: Forbidden: updates to statefulset spec for fields \
                     other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', \
                     'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                    set.name
                );
                let help = Some(
                    "an object given twice is applied twice, like `kubectl apply`; selector, serviceName, \
                     podManagementPolicy and volumeClaimTemplates cannot change"
                        .to_string(),
                );
                cx.error("immutable-field", object_place, message, help);
            }
            cx.collected.statefulsets[i] = set;
        }
        None => cx.collected.statefulsets.push(set),
    }
}

fn update_strategy(cx: &mut Cx<'_>, node: &Node, raw_path: &str) -> Option<raw::UpdateStrategy> {
    let mut strategy = cx.obj(node, "spec.updateStrategy")?;
    cx.at(raw_path.to_string(), node.place, "spec.updateStrategy");
    // `ValidateStatefulSetSpec`: an unknown type is field.Invalid on the
    // whole `spec.updateStrategy`, printed as Go's `%#v` of the internal
    // struct. Its `RollingUpdate` is a pointer: `(nil)` when not given,
    // else an address, which stsim cannot know and writes as `0xc…`.
    let rolling_given = strategy.peek("rollingUpdate").is_some_and(|n| !matches!(n.value, Value::Null));
    let type_given = strategy.peek("type").is_some_and(|t| !is_empty_string(t));
    let kind = match strategy.take("type") {
        Some(t) if !is_empty_string(t) => {
            cx.string(t, "spec.updateStrategy.type")?;
            let detail = |text: &str| {
                format!(
                    "Invalid value: apps.StatefulSetUpdateStrategy{{Type:{text:?}, \
                     RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)({})}}: must be 'RollingUpdate' or 'OnDelete'",
                    if rolling_given { "0xc…" } else { "nil" }
                )
            };
            cx.one_of_as(t, "spec.updateStrategy", &["RollingUpdate", "OnDelete"], detail)?
        }
        _ => "RollingUpdate".to_string(),
    };
    let rolling = strategy.take("rollingUpdate");
    let result = match (kind.as_str(), rolling) {
        ("OnDelete", Some(rolling)) => {
            let message = "Invalid value: only allowed for updateStrategy 'RollingUpdate'";
            cx.invalid(rolling.place, "spec.updateStrategy.rollingUpdate", message, None);
            None
        }
        ("OnDelete", None) => Some(raw::UpdateStrategy::OnDelete),
        (_, rolling) => {
            // The API server defaults the block only when `type` is omitted.
            let nil = type_given && !rolling_given;
            let (mut partition, mut max_unavailable) = (None, None);
            if let Some(mut rolling) = rolling.and_then(|r| cx.obj(r, "spec.updateStrategy.rollingUpdate")) {
                partition = int_field(cx, &mut rolling, "partition", format!("{raw_path}.partition"));
                if let Some(node) = rolling.take("maxUnavailable") {
                    let path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                    cx.at(format!("{raw_path}.maxUnavailable"), node.place, path);
                    max_unavailable = cx.int_or_string(node, path);
                }
                rolling.finish(cx);
            }
            Some(raw::UpdateStrategy::RollingUpdate { partition, max_unavailable, nil })
        }
    };
    strategy.finish(cx);
    result
}

type Read = Option<(String, crate::locate::Place, String)>;

/// `resources.requests` or `resources.limits`: the list, and its cpu and memory.
/// With `raw_base`, records their places as the template's requests.
fn read_list<'n>(
    cx: &mut Cx<'_>,
    resources: &mut Obj<'n>,
    which: &str,
    path: &str,
    raw_base: Option<&str>,
) -> (Option<Obj<'n>>, (Read, Read)) {
    let mut list = resources.take(which).and_then(|l| cx.obj(l, &format!("{path}.resources.{which}")));
    let mut values = (None, None);
    if let Some(list) = &mut list {
        for (slot, key) in [(&mut values.0, "cpu"), (&mut values.1, "memory")] {
            if let Some(node) = list.take(key) {
                let at = format!("{path}.resources.{which}.{key}");
                if let Some(raw_base) = raw_base {
                    cx.at(format!("{raw_base}.resources.requests.{key}"), node.place, &at);
                }
                *slot = cx.quantity(node, &at).map(|q| (q, node.place, at));
            }
        }
    }
    (list, values)
}

/// A container's requests (cpu, memory), defaulted from its limits as the API
/// server does. With `raw_base` (the pod's only container), records where they are.
fn container_requests(
    cx: &mut Cx<'_>,
    container: &mut Obj<'_>,
    path: &str,
    raw_base: Option<&str>,
) -> (Option<String>, Option<String>) {
    let Some(resources) = container.take("resources") else { return (None, None) };
    let Some(mut resources) = cx.obj(resources, &format!("{path}.resources")) else { return (None, None) };
    let (requests, (cpu, memory)) = read_list(cx, &mut resources, "requests", path, raw_base);
    let (limits, (limit_cpu, limit_memory)) = read_list(cx, &mut resources, "limits", path, None);
    // "If Requests is omitted for a container, it defaults to Limits if that is
    // explicitly specified" (k/api core/v1 ResourceRequirements); limits themselves are not modelled.
    let mut limits_used = (false, false);
    if let Some(raw_base) = raw_base {
        for (request, limit, key) in [(&cpu, &limit_cpu, "cpu"), (&memory, &limit_memory, "memory")] {
            if let (None, Some((_, place, at))) = (request, limit) {
                cx.at(format!("{raw_base}.resources.requests.{key}"), *place, at);
            }
        }
    }
    // `ValidateResourceRequirements`: a request above its limit is refused
    // (the value as written; the API server prints it canonical).
    let above = |request: &Read, limit: &Read, parse: fn(&str) -> Result<u64, String>| match (request, limit)
    {
        (Some((request, place, _)), Some((limit, _, _))) => {
            let (Ok(asked), Ok(allowed)) = (parse(request), parse(limit)) else { return None };
            (asked > allowed).then(|| (request.clone(), *place, limit.clone()))
        }
        _ => None,
    };
    for (request, limit, key, parse) in [
        (&cpu, &limit_cpu, "cpu", crate::parse_cpu as fn(&str) -> Result<u64, String>),
        (&memory, &limit_memory, "memory", crate::parse_quantity),
    ] {
        if let Some((asked, place, allowed)) = above(request, limit, parse) {
            let message =
                format!("Invalid value: {asked:?}: must be less than or equal to {key} limit of {allowed}");
            let help =
                format!("a container may not ask the scheduler for more {key} than its limit lets it use");
            cx.invalid(place, &format!("{path}.resources.requests"), message, Some(help));
        }
    }
    // Memory in thousandths of a byte is valid, and almost always a slip
    // for mebibytes: said, not refused (the API server takes it silently).
    for (memory, list) in [(&memory, "requests"), (&limit_memory, "limits")] {
        if let Some((text, _, _)) = memory
            && text.ends_with('m')
            && crate::parse_quantity(text).is_ok()
        {
            cx.collected.notes.push(format!(
                "{}: {path}.resources.{list}.memory: {text:?} is thousandths of a byte (taken, and rounded up to \
                 whole bytes); did you mean \"{}Mi\"?",
                cx.object,
                text.trim_end_matches('m')
            ));
        }
    }
    let cpu = cpu.or_else(|| {
        limits_used.0 = limit_cpu.is_some();
        limit_cpu.clone()
    });
    let memory = memory.or_else(|| {
        limits_used.1 = limit_memory.is_some();
        limit_memory.clone()
    });
    if let Some(requests) = requests {
        requests.finish(cx);
    }
    if let Some(mut limits) = limits {
        limits.used_again("cpu", limits_used.0);
        limits.used_again("memory", limits_used.1);
        limits.finish(cx);
    }
    resources.finish(cx);
    (cpu.map(|c| c.0), memory.map(|m| m.0))
}

/// One resource of a pod's request, as the scheduler counts it
/// (`resource.PodRequests`, k8s.io/component-helpers): the containers' sum
/// plus the sidecars' (init containers with `restartPolicy: Always`, which
/// keep running), or, if larger, the init containers' peak: each regular
/// one beside the sidecars started before it, each sidecar beside those
/// and itself. A value that does not parse is returned as written, for the
/// validator to refuse; one that alone is the whole request, as written.
fn pod_request(
    containers: &[String],
    inits: &[(Option<String>, bool)],
    parse: fn(&str) -> Result<u64, String>,
    show: fn(u64) -> String,
) -> Option<String> {
    let written: Vec<&String> =
        containers.iter().chain(inits.iter().filter_map(|(request, _)| request.as_ref())).collect();
    if let Some(bad) = written.iter().find(|v| parse(v).is_err()) {
        return Some((*bad).clone());
    }
    let value = |text: &str| parse(text).unwrap_or(0);
    let mut steady = containers.iter().map(|c| value(c)).fold(0u64, u64::saturating_add);
    let (mut sidecars, mut peak) = (0u64, 0u64);
    for (request, sidecar) in inits {
        let own = request.as_deref().map_or(0, value);
        if *sidecar {
            sidecars = sidecars.saturating_add(own);
            steady = steady.saturating_add(own);
            peak = peak.max(sidecars);
        } else {
            peak = peak.max(own.saturating_add(sidecars));
        }
    }
    let total = steady.max(peak);
    let first = written.first()?;
    if written.len() == 1 {
        return Some((*first).clone());
    }
    Some(written.iter().find(|v| value(v) == total).map_or_else(|| show(total), |v| (*v).clone()))
}

/// A pod template: a StatefulSet's `spec.template` (`set`), or an
/// operator's Pod.
pub(super) fn template(cx: &mut Cx<'_>, node: &Node, raw_base: &str, set: bool) -> Option<raw::PodTemplate> {
    // The errors in its spec that each pod's create meets (`Cx::invalid`).
    let mark = cx.collected.deferred.len();
    match read_template(cx, node, raw_base, set) {
        Some(mut template) => {
            template.create_errors = cx.collected.deferred[mark..].iter().map(|d| d.pod_error()).collect();
            Some(template)
        }
        // Unread, it makes no set: its errors are the set's after all.
        None => {
            let refusals = cx.collected.deferred.split_off(mark).into_iter().map(|d| d.refusal());
            cx.collected.errors.extend(refusals);
            None
        }
    }
}

fn read_template(cx: &mut Cx<'_>, node: &Node, raw_base: &str, set: bool) -> Option<raw::PodTemplate> {
    let mut template = cx.obj(node, "spec.template")?;
    cx.at(raw_base.to_string(), node.place, "spec.template");
    let mut labels = raw::RawLabels::new();
    if let Some(meta) = template.take("metadata")
        && let Some(mut meta) = cx.obj(meta, "spec.template.metadata")
    {
        // (The labels are read below.)
        check_metadata_maps(cx, &meta, "spec.template.metadata", false);
        if let Some(node) = meta.take("labels") {
            cx.at(format!("{raw_base}.labels"), node.place, "spec.template.metadata.labels");
            labels = cx.labels(node, "spec.template.metadata.labels").unwrap_or_default();
        } else {
            cx.at(format!("{raw_base}.labels"), meta.place, "spec.template.metadata");
        }
        meta.skip(&["creationTimestamp", "name"]);
        meta.finish(cx);
    }
    let Some(spec) = template.take("spec") else {
        cx.invalid(template.place, "spec.template.spec", "Required value", None);
        return None;
    };
    let mut spec = cx.obj(spec, "spec.template.spec")?;
    let p = "spec.template.spec";
    let mut image = None;
    let mut probes = Probes::default();
    let mut lifecycle = None;
    let mut image_pull_policy = None;
    let mut ports: Vec<raw::ContainerPort> = Vec::new();
    let (mut cpus, mut memories) = (Vec::new(), Vec::new());
    let mut extra_containers = Vec::new();
    let mut first_name: Option<String> = None;
    let mut first_mounts: Option<Vec<String>> = None;
    let mut first_requests: Option<raw::ResourceList> = None;
    match spec.take("containers").and_then(|c| cx.list(c, &format!("{p}.containers"))) {
        Some(containers) if !containers.is_empty() => {
            for (i, node) in containers.iter().enumerate() {
                let path = format!("{p}.containers[{i}]");
                let Some(mut container) = cx.obj(node, &path) else { continue };
                let raw_extra = format!("{raw_base}.extraContainers[{}]", i.saturating_sub(1));
                let name = match container.take("name") {
                    None => {
                        cx.invalid(node.place, &format!("{path}.name"), "Required value", None);
                        None
                    }
                    Some(n) => {
                        if i > 0 {
                            cx.at(raw_extra.clone(), node.place, &path);
                            cx.at(format!("{raw_extra}.name"), n.place, &format!("{path}.name"));
                        } else {
                            cx.at(format!("{raw_base}.containerName"), n.place, &format!("{path}.name"));
                        }
                        // Every name, the first's too, is checked (a DNS
                        // label, one namespace with the init containers')
                        // as a scenario's.
                        cx.string(n, &format!("{path}.name"))
                    }
                };
                let raw_container = if i > 0 { raw_extra.as_str() } else { raw_base };
                let mounts = container.names_under(cx, "volumeMounts", raw_container);
                if i == 0 {
                    first_name = name.clone();
                    first_mounts = mounts.clone();
                }
                let one = containers.len() == 1;
                let (cpu, memory) = container_requests(cx, &mut container, &path, one.then_some(raw_base));
                // Each container's own, for the scheduler's scoring, which
                // tells a request left out from one of `0`.
                let own = raw::ResourceList { cpu: cpu.clone(), memory: memory.clone() };
                if i == 0 {
                    first_requests = Some(own.clone());
                }
                cpus.extend(cpu);
                memories.extend(memory);
                if i == 0 {
                    match container.take("image") {
                        Some(node) => {
                            cx.at(format!("{raw_base}.image"), node.place, &format!("{path}.image"));
                            image = cx.string(node, &format!("{path}.image"));
                        }
                        None => {
                            cx.at(format!("{raw_base}.image"), node.place, &format!("{path}.image"));
                            cx.invalid(node.place, &format!("{path}.image"), "Required value", None);
                        }
                    }
                    probes.read(cx, &mut container, &path, raw_base);
                    if let Some(node) = container.take("lifecycle") {
                        lifecycle = lifecycle_hooks(cx, node, &format!("{path}.lifecycle"), raw_base);
                    }
                }
                // Every container's ports: a hostPort takes the port on the node.
                if let Some(list) = container.take("ports") {
                    let raw_ports = format!("{raw_base}.ports");
                    container_ports(cx, list, &format!("{path}.ports"), &raw_ports, i, &mut ports);
                }
                container.skip(&["terminationMessagePath", "terminationMessagePolicy"]);
                super::decode::container(cx, &container, &path);
                let policy = container.take("imagePullPolicy").and_then(|node| pull_policy(cx, node, &path));
                if i == 0 {
                    image_pull_policy = policy;
                } else {
                    // Another regular container: its name, image and
                    // policy (its probes and the rest are ignored, and
                    // listed so).
                    let image = match container.take("image") {
                        Some(n) => {
                            cx.at(format!("{raw_extra}.image"), n.place, &format!("{path}.image"));
                            cx.string(n, &format!("{path}.image"))
                        }
                        None => {
                            cx.invalid(node.place, &format!("{path}.image"), "Required value", None);
                            None
                        }
                    };
                    if let (Some(name), Some(image)) = (name, image) {
                        let volume_mounts = mounts;
                        extra_containers.push(raw::ExtraContainer {
                            name,
                            image,
                            image_pull_policy: policy,
                            volume_mounts,
                            requests: Some(own),
                        });
                    }
                }
                container.finish(cx);
            }
        }
        _ => cx.invalid(spec.place, &format!("{p}.containers"), "Required value", None),
    }
    // The pod's request: see `pod_request` (resource.PodRequests).
    let mut init_containers = Vec::new();
    let (mut init_cpus, mut init_memories) = (Vec::new(), Vec::new());
    if let Some(list) = spec.take("initContainers").and_then(|c| cx.list(c, &format!("{p}.initContainers"))) {
        for (i, node) in list.iter().enumerate() {
            let path = format!("{p}.initContainers[{i}]");
            let Some(mut container) = cx.obj(node, &path) else { continue };
            let raw_init = format!("{raw_base}.initContainers[{i}]");
            cx.at(raw_init.clone(), node.place, &path);
            let name = container.take("name").and_then(|n| {
                cx.at(format!("{raw_init}.name"), n.place, &format!("{path}.name"));
                cx.string(n, &format!("{path}.name"))
            });
            let image = container.take("image").and_then(|n| {
                cx.at(format!("{raw_init}.image"), n.place, &format!("{path}.image"));
                cx.string(n, &format!("{path}.image"))
            });
            let image_pull_policy =
                container.take("imagePullPolicy").and_then(|node| pull_policy(cx, node, &path));
            let restart_policy = container.take("restartPolicy").and_then(|n| {
                cx.at(format!("{raw_init}.restartPolicy"), n.place, &format!("{path}.restartPolicy"));
                cx.string(n, &format!("{path}.restartPolicy"))
            });
            let sidecar = restart_policy.as_deref() == Some("Always");
            let volume_mounts = container.names_under(cx, "volumeMounts", &raw_init);
            // An init container's ports: part of the template, and a
            // sidecar's names are where a Service's `targetPort` finds
            // them from 1.33. A list with a host port (not modelled for
            // init containers) is left to be listed as not modelled.
            let mut ports = Vec::new();
            if container.peek("ports").is_some_and(|list| !has_host_port(list))
                && let Some(list) = container.take("ports")
            {
                container_ports(
                    cx,
                    list,
                    &format!("{path}.ports"),
                    &format!("{raw_init}.ports"),
                    i,
                    &mut ports,
                );
            }
            // `validateInitContainers`: hooks and probes only on a sidecar.
            if !sidecar {
                for key in ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] {
                    if let Some(node) = container.take(key) {
                        let message =
                            "Forbidden: may not be set for init containers without restartPolicy=Always";
                        cx.invalid(node.place, &format!("{path}.{key}"), message, None);
                    }
                }
            }
            let lifecycle = container
                .take("lifecycle")
                .and_then(|node| lifecycle_hooks(cx, node, &format!("{path}.lifecycle"), &raw_init));
            let startup_probe = container.take("startupProbe").and_then(|node| {
                probe(cx, node, &format!("{path}.startupProbe"), &format!("{raw_init}.startupProbe"))
            });
            let readiness_probe = container.take("readinessProbe").and_then(|node| {
                probe(cx, node, &format!("{path}.readinessProbe"), &format!("{raw_init}.readinessProbe"))
            });
            let liveness_probe = container.take("livenessProbe").and_then(|node| {
                probe(cx, node, &format!("{path}.livenessProbe"), &format!("{raw_init}.livenessProbe"))
            });
            container.skip(&["terminationMessagePath", "terminationMessagePolicy"]);
            super::decode::container(cx, &container, &path);
            let (cpu, memory) = container_requests(cx, &mut container, &path, None);
            let requests = Some(raw::ResourceList { cpu: cpu.clone(), memory: memory.clone() });
            match (name, image) {
                (Some(name), Some(image)) => init_containers.push(raw::InitContainer {
                    name,
                    image,
                    image_pull_policy,
                    restart_policy,
                    volume_mounts,
                    ports: (!ports.is_empty()).then_some(ports),
                    lifecycle,
                    startup_probe,
                    readiness_probe,
                    liveness_probe,
                    requests,
                }),
                (None, _) => cx.invalid(node.place, &format!("{path}.name"), "Required value", None),
                (_, None) => cx.invalid(node.place, &format!("{path}.image"), "Required value", None),
            }
            init_cpus.push((cpu, sidecar));
            init_memories.push((memory, sidecar));
            container.finish(cx);
        }
    }
    let cpu = pod_request(&cpus, &init_cpus, crate::parse_cpu, |m| format!("{m}m"));
    let memory = pod_request(&memories, &init_memories, crate::parse_quantity, |b| b.to_string());
    let resources = (cpu.is_some() || memory.is_some())
        .then_some(raw::Resources { requests: Some(raw::ResourceList { cpu, memory }) });
    super::decode::security_context(cx, &spec, p, true);
    let termination = int_field(
        cx,
        &mut spec,
        "terminationGracePeriodSeconds",
        format!("{raw_base}.terminationGracePeriodSeconds"),
    )
    .map(|grace| {
        // The API server takes a negative grace period with a warning
        // (`GetWarningsForPodTemplate`) and treats it as 1 s; kubectl prints
        // the warning.
        if grace < 0 {
            cx.collected.notes.push(format!(
                "{}: {p}.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be \
                 treated as 1 (the API server's warning; stsim gives the pods 1 s)",
                cx.object
            ));
            return 1;
        }
        grace
    });
    let node_selector = spec.take("nodeSelector").and_then(|node| {
        cx.at(format!("{raw_base}.nodeSelector"), node.place, &format!("{p}.nodeSelector"));
        cx.labels(node, &format!("{p}.nodeSelector"))
    });
    let affinity = spec.take("affinity").and_then(|node| affinity(cx, node, &format!("{raw_base}.affinity")));
    let node_name = spec.take("nodeName").and_then(|node| {
        cx.at(format!("{raw_base}.nodeName"), node.place, &format!("{p}.nodeName"));
        cx.string(node, &format!("{p}.nodeName"))
    });
    let priority_class_name = spec.take("priorityClassName").and_then(|node| {
        cx.at(format!("{raw_base}.priorityClassName"), node.place, &format!("{p}.priorityClassName"));
        cx.string(node, &format!("{p}.priorityClassName"))
    });
    let host_network = spec.peek("hostNetwork").is_some_and(|n| matches!(n.value, Value::Bool(true)));
    let mut set_hostname_as_fqdn = spec.take("setHostnameAsFQDN").and_then(|node| {
        cx.at(format!("{raw_base}.setHostnameAsFQDN"), node.place, &format!("{p}.setHostnameAsFQDN"));
        cx.boolean(node, &format!("{p}.setHostnameAsFQDN"))
    });
    // The kubelet sets no hostname for a pod on the host's network
    // (`generatePodSandboxConfig` skips it when `IsHostNetworkPod`), so
    // the FQDN's length cannot stop its sandbox there.
    if host_network && set_hostname_as_fqdn == Some(true) {
        cx.collected.notes.push(format!(
            "{}: setHostnameAsFQDN has no effect with hostNetwork: true (its pods take the node's hostname)",
            cx.object
        ));
        set_hostname_as_fqdn = Some(false);
    }
    let tolerations =
        spec.take("tolerations").and_then(|node| tolerations(cx, node, &format!("{raw_base}.tolerations")));
    let topology_spread_constraints = spec
        .take("topologySpreadConstraints")
        .and_then(|node| topology_spread(cx, node, &format!("{raw_base}.topologySpreadConstraints")));
    // `ValidateStatefulSetSpec`: a set's pods restart their containers, so
    // only `Always` is supported (a Pod of its own may say otherwise; stsim
    // then ignores it, with a warning).
    if set
        && let Some(policy) =
            spec.entries_value("restartPolicy").filter(|policy| !policy.is_empty() && policy != "Always")
        && let Some(node) = spec.take("restartPolicy")
    {
        let message = format!("Unsupported value: {policy:?}: supported values: \"Always\"");
        let help =
            "a StatefulSet's pods always restart their containers; leave `restartPolicy` out".to_string();
        cx.invalid(node.place, &format!("{p}.restartPolicy"), message, Some(help));
    }
    // `ValidateStatefulSetSpec` forbids any `activeDeadlineSeconds` in a
    // set's template (`field.Forbidden`, whatever the value; `null` is none).
    // A Pod of its own may have one: stsim ignores it, with a warning.
    if set
        && spec.peek("activeDeadlineSeconds").is_some_and(|n| !matches!(n.value, Value::Null))
        && let Some(node) = spec.take("activeDeadlineSeconds")
    {
        let message = "Forbidden: activeDeadlineSeconds in StatefulSet is not Supported";
        let help = "a StatefulSet's pods run until deleted; leave `activeDeadlineSeconds` out".to_string();
        cx.invalid(node.place, &format!("{p}.activeDeadlineSeconds"), message, Some(help));
    }
    // The pod's resolver, which stsim does not model: every member
    // resolves the cluster's names. The kubelet gives the node's resolver
    // to `dnsPolicy: Default`, and to `hostNetwork: true` under the default
    // `ClusterFirst` (pkg/kubelet/network/dns `getPodDNSType`: "Fallback to
    // DNSDefault for pod on hostnetwork"); `None` gives only `dnsConfig`'s.
    // Either way `<pod>.<service>.<namespace>.svc...` may not resolve from
    // inside the pod, which a note says where the field is also ignored.
    let resolver = match spec.entries_value("dnsPolicy").as_deref() {
        Some("Default") => Some("dnsPolicy: Default gives its pods the node's resolver"),
        Some("None") => Some("dnsPolicy: None gives its pods only the resolver its dnsConfig names"),
        None | Some("" | "ClusterFirst") if host_network => Some(
            "hostNetwork: true with dnsPolicy ClusterFirst gives its pods the node's resolver (the kubelet \
             falls back to Default; ClusterFirstWithHostNet keeps the cluster's)",
        ),
        _ => None,
    };
    if let Some(resolver) = resolver {
        cx.collected.notes.push(format!(
            "{}: {resolver}, so the cluster's names (<pod>.<serviceName>.<namespace>.svc...) may not resolve \
             from inside them; stsim models no pod's resolver, and its members resolve those names anyway",
            cx.object
        ));
    }
    for (key, default) in
        [("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"), ("schedulerName", "default-scheduler")]
    {
        if spec.entries_value(key).is_some_and(|v| v == default) {
            spec.skip(&[key]);
        }
    }
    let volumes = spec.names_under(cx, "volumes", raw_base);
    super::decode::volume_sources(cx, &spec, p);
    spec.finish(cx);
    template.finish(cx);
    Some(raw::PodTemplate {
        volumes,
        volume_mounts: first_mounts,
        first_requests,
        labels: Some(labels),
        container_name: first_name,
        // None only with an error said: refused, or (a set's template)
        // the pods' to meet.
        image: image.unwrap_or_default(),
        image_pull_policy,
        resources,
        readiness_probe: probes.readiness,
        liveness_probe: probes.liveness,
        startup_probe: probes.startup,
        lifecycle,
        init_containers: (!init_containers.is_empty()).then_some(init_containers),
        extra_containers: (!extra_containers.is_empty()).then_some(extra_containers),
        termination_grace_period_seconds: termination,
        node_selector,
        affinity,
        tolerations,
        topology_spread_constraints,
        node_name,
        priority_class_name,
        set_hostname_as_fqdn,
        ports: (!ports.is_empty()).then_some(ports),
        create_errors: Vec::new(),
    })
}

/// Container `index`'s `ports`, appended to the pod's (`name`,
/// `containerPort`, `hostPort`, `protocol`; a name is checked as the API
/// server checks it).
fn container_ports(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
    index: usize,
    out: &mut Vec<raw::ContainerPort>,
) {
    let Some(list) = cx.list(node, path) else { return };
    // `validateContainerPorts`: each name a valid port name, unique in its container.
    let mut names: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(mut port) = cx.obj(item, &at) else { continue };
        let raw_at = format!("{raw_path}[{}]", out.len());
        cx.at(raw_at.clone(), item.place, &at);
        let mut port_name = None;
        if let Some(node) = port.take("name")
            && let Some(name) = cx.string(node, &format!("{at}.name")).filter(|n| !n.is_empty())
        {
            let problems = stsim_core::api::validation::port_name_errors(&name);
            for problem in &problems {
                let message = format!("Invalid value: {name:?}: {problem}");
                cx.invalid(node.place, &format!("{at}.name"), message, None);
            }
            let duplicate = names.contains(&name);
            if problems.is_empty() && duplicate {
                cx.invalid(node.place, &format!("{at}.name"), format!("Duplicate value: {name:?}"), None);
            }
            // Kept for a Service's `targetPort` when valid (the errors
            // above refuse the pods, or the set, otherwise).
            if problems.is_empty() && !duplicate {
                port_name = Some(name.clone());
            }
            names.push(name);
        }
        let container_port = int_field(cx, &mut port, "containerPort", format!("{raw_at}.containerPort"));
        let host_port = int_field(cx, &mut port, "hostPort", format!("{raw_at}.hostPort"));
        let protocol = port
            .take("protocol")
            .and_then(|p| cx.defaulted_one_of(p, &format!("{at}.protocol"), &["TCP", "UDP", "SCTP"]));
        port.finish(cx);
        let Some(container_port) = container_port else {
            if port_missing(cx, item) {
                cx.invalid(item.place, &format!("{at}.containerPort"), "Required value", None);
            }
            continue;
        };
        out.push(raw::ContainerPort {
            name: port_name,
            container: index,
            container_port,
            host_port,
            protocol: protocol.map(|p| match p.as_str() {
                "UDP" => raw::Protocol::UDP,
                "SCTP" => raw::Protocol::SCTP,
                _ => raw::Protocol::TCP,
            }),
        });
    }
}

/// Whether a list of ports sets a `hostPort` other than 0 on any.
fn has_host_port(list: &Node) -> bool {
    let Value::Seq(items) = &list.value else { return false };
    items.iter().any(|item| match &item.value {
        Value::Map(entries) => {
            entries.iter().any(|(k, _, v)| k == "hostPort" && !matches!(v.value, Value::Int(0) | Value::Null))
        }
        _ => false,
    })
}

/// Whether a port mapping has no `containerPort` at all (not one of the wrong type).
fn port_missing(_cx: &Cx<'_>, item: &Node) -> bool {
    match &item.value {
        Value::Map(entries) => !entries.iter().any(|(k, _, _)| k == "containerPort"),
        _ => false,
    }
}

/// The first container's probes. stsim does not run the checks: whether one
/// passes is the image's behaviour in the scenario; the timings are read.
#[derive(Default)]
struct Probes {
    readiness: Option<raw::Probe>,
    liveness: Option<raw::Probe>,
    startup: Option<raw::Probe>,
}

impl Probes {
    fn read(&mut self, cx: &mut Cx<'_>, container: &mut Obj<'_>, path: &str, raw_base: &str) {
        for (key, slot) in [
            ("readinessProbe", &mut self.readiness),
            ("livenessProbe", &mut self.liveness),
            ("startupProbe", &mut self.startup),
        ] {
            if let Some(node) = container.take(key) {
                *slot = probe(cx, node, &format!("{path}.{key}"), &format!("{raw_base}.{key}"));
            }
        }
    }
}

/// `lifecycle`: a `preStop` hook. A `sleep` action delays termination by its
/// seconds; an `exec` or `httpGet` hook runs for as long as the command or
/// request takes, which a manifest does not say, so it is listed as unused.
/// `postStart` is not modelled.
fn lifecycle_hooks(cx: &mut Cx<'_>, node: &Node, path: &str, raw_base: &str) -> Option<raw::Lifecycle> {
    let mut lifecycle = cx.obj(node, path)?;
    let mut out = None;
    // `validateLifecycleHandler`: each hook names exactly one action, even
    // the `postStart` stsim does not model.
    for key in ["postStart", "preStop"] {
        if let Some(node) = lifecycle.peek(key)
            && let Value::Map(entries) = &node.value
        {
            let given: Vec<&str> = (entries.iter())
                .map(|(k, _, _)| k.as_str())
                .filter(|k| ["exec", "httpGet", "tcpSocket", "sleep"].contains(k))
                .collect();
            let hook_path = format!("{path}.{key}");
            match given.len() {
                0 => cx.invalid(node.place, &hook_path, "Required value: must specify a handler type", None),
                1 => {}
                _ => cx.invalid(
                    node.place,
                    &format!("{hook_path}.{}", given[1]),
                    "Forbidden: may not specify more than 1 handler type",
                    None,
                ),
            }
        }
    }
    if let Some(node) = lifecycle.take("preStop") {
        let hook_path = format!("{path}.preStop");
        if let Some(mut hook) = cx.obj(node, &hook_path) {
            if let Some(sleep) = hook.take("sleep") {
                let sleep_path = format!("{hook_path}.sleep");
                cx.at(format!("{raw_base}.lifecycle.preStop.sleep"), sleep.place, &sleep_path);
                if let Some(mut sleep) = cx.obj(sleep, &sleep_path) {
                    let raw_seconds = format!("{raw_base}.lifecycle.preStop.sleep.seconds");
                    match int_field(cx, &mut sleep, "seconds", raw_seconds) {
                        Some(seconds) => {
                            out = Some(raw::LifecycleHandler { sleep: raw::SleepAction { seconds } })
                        }
                        None if sleep.entries_value("seconds").is_none() => {
                            cx.invalid(sleep.place, &format!("{sleep_path}.seconds"), "Required value", None)
                        }
                        None => {}
                    }
                    sleep.finish(cx);
                }
            }
            hook.finish(cx);
        }
    }
    lifecycle.finish(cx);
    out.map(|pre_stop| raw::Lifecycle { pre_stop: Some(pre_stop) })
}

fn probe(cx: &mut Cx<'_>, node: &Node, path: &str, raw_probe: &str) -> Option<raw::Probe> {
    let mut probe = cx.obj(node, path)?;
    let raw_probe = raw_probe.to_string();
    cx.at(raw_probe.clone(), node.place, path);
    // The model does not run the check: whether it passes is the image's behaviour.
    let handlers = ["exec", "httpGet", "tcpSocket", "grpc"];
    for handler in ["httpGet", "tcpSocket", "grpc"] {
        if let Some(action) = probe.peek(handler) {
            probe_port(cx, action, &format!("{path}.{handler}"), handler == "grpc");
        }
    }
    // The check is kept as written (served and exported so), the first
    // handler's if several are given (refused below).
    let mut check: Option<serde_json::Map<String, serde_json::Value>> = None;
    let given: Vec<&str> = (handlers.iter().copied())
        .filter(|h| match probe.take(h) {
            Some(action) => {
                check.get_or_insert_with(|| [(h.to_string(), json(action))].into_iter().collect());
                true
            }
            None => false,
        })
        .collect();
    match given.len() {
        0 => cx.invalid(node.place, path, "Required value: must specify a handler type", None),
        1 => {}
        _ => cx.invalid(
            node.place,
            &format!("{path}.{}", given[1]),
            "Forbidden: may not specify more than 1 handler type",
            None,
        ),
    }
    // `timeoutSeconds`: not modelled (a check's time is the image's), kept
    // with the check; the API server refuses a negative one and defaults 0
    // to 1 (`SetDefaults_Probe`).
    if let Some(node) = probe.peek("timeoutSeconds")
        && let Some(timeout) =
            int_field(cx, &mut probe, "timeoutSeconds", format!("{raw_probe}.timeoutSeconds"))
    {
        if timeout < 0 {
            let message = format!("Invalid value: {timeout}: must be greater than or equal to 0");
            cx.invalid(node.place, &format!("{path}.timeoutSeconds"), message, None);
        } else if let Some(check) = &mut check {
            check.insert("timeoutSeconds".into(), timeout.max(1).into());
        }
    }
    let out = raw::Probe {
        check: check.map(|check| Box::new(serde_json::Value::Object(check))),
        initial_delay_seconds: int_field(
            cx,
            &mut probe,
            "initialDelaySeconds",
            format!("{raw_probe}.initialDelaySeconds"),
        ),
        period_seconds: probe_count(cx, &mut probe, "periodSeconds", &raw_probe),
        success_threshold: probe_count(cx, &mut probe, "successThreshold", &raw_probe),
        failure_threshold: probe_count(cx, &mut probe, "failureThreshold", &raw_probe),
        termination_grace_period_seconds: int_field(
            cx,
            &mut probe,
            "terminationGracePeriodSeconds",
            format!("{raw_probe}.terminationGracePeriodSeconds"),
        ),
    };
    probe.finish(cx);
    Some(out)
}

/// A value as JSON, for what is kept as written.
fn json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(n) => (*n).into(),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into),
        Value::Str(text) => text.clone().into(),
        Value::Seq(items) => items.iter().map(json).collect(),
        Value::Map(entries) => entries.iter().map(|(key, _, value)| (key.clone(), json(value))).collect(),
    }
}

pub(super) fn node_selector_term(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
) -> Option<raw::NodeSelectorTerm> {
    let mut term = cx.obj(node, path)?;
    cx.at(raw_path.to_string(), node.place, path);
    let mut read = |cx: &mut Cx<'_>, key: &str| match term.take(key) {
        Some(list) => node_requirements(cx, list, &format!("{path}.{key}"), &format!("{raw_path}.{key}")),
        None => Vec::new(),
    };
    let expressions = read(cx, "matchExpressions");
    let fields = read(cx, "matchFields");
    term.finish(cx);
    Some(raw::NodeSelectorTerm {
        match_expressions: Some(expressions),
        match_fields: (!fields.is_empty()).then_some(fields),
    })
}

fn pod_affinity_term(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
) -> Option<raw::PodAffinityTerm> {
    let mut term = cx.obj(node, path)?;
    cx.at(raw_path.to_string(), node.place, path);
    // A term without a labelSelector selects no pod (core/v1 PodAffinityTerm):
    // it constrains nothing, and is left out with a note.
    let Some(selector) = term.take("labelSelector") else {
        term.skip(&["topologyKey", "namespaces", "namespaceSelector"]);
        term.finish(cx);
        let note =
            format!("{}: {path} has no labelSelector, so it selects no pod and is left out", cx.object);
        cx.collected.notes.push(note);
        return None;
    };
    let (labels, expressions) = label_selector(
        cx,
        selector,
        &format!("{path}.labelSelector"),
        format!("{raw_path}.labelSelector"),
        &format!("{raw_path}.labelSelector.matchExpressions"),
    )?;
    let topology_key = term.take("topologyKey").and_then(|k| {
        cx.at(format!("{raw_path}.topologyKey"), k.place, &format!("{path}.topologyKey"));
        cx.string(k, &format!("{path}.topologyKey"))
    });
    if topology_key.is_none() && term.entries_value("topologyKey").is_none() {
        cx.invalid(node.place, &format!("{path}.topologyKey"), "Required value: can not be empty", None);
    }
    term.finish(cx);
    Some(raw::PodAffinityTerm {
        label_selector: raw::LabelSelector { match_labels: Some(labels), match_expressions: expressions },
        topology_key: topology_key.unwrap_or_default(),
    })
}

fn affinity(cx: &mut Cx<'_>, node: &Node, raw_base: &str) -> Option<raw::Affinity> {
    let p = "spec.template.spec.affinity";
    let mut affinity = cx.obj(node, p)?;
    const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    let node_affinity =
        affinity.take("nodeAffinity").and_then(|n| cx.obj(n, &format!("{p}.nodeAffinity"))).map(|mut na| {
            let at = format!("{p}.nodeAffinity");
            let required =
                na.take(REQUIRED).and_then(|r| cx.obj(r, &format!("{at}.{REQUIRED}"))).map(|mut r| {
                    let terms = r
                        .take("nodeSelectorTerms")
                        .and_then(|t| cx.list(t, &format!("{at}.{REQUIRED}.nodeSelectorTerms")))
                        .map(|terms| {
                            terms
                                .iter()
                                .enumerate()
                                .filter_map(|(i, t)| {
                                    node_selector_term(
                                        cx,
                                        t,
                                        &format!("{at}.{REQUIRED}.nodeSelectorTerms[{i}]"),
                                        &format!("{raw_base}.nodeAffinity.{REQUIRED}.nodeSelectorTerms[{i}]"),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    r.finish(cx);
                    raw::NodeSelector { node_selector_terms: terms }
                });
            let preferred =
                na.take(PREFERRED).and_then(|l| cx.list(l, &format!("{at}.{PREFERRED}"))).map(|list| {
                    list.iter()
                        .enumerate()
                        .filter_map(|(i, item)| {
                            let here = format!("{at}.{PREFERRED}[{i}]");
                            let raw_here = format!("{raw_base}.nodeAffinity.{PREFERRED}[{i}]");
                            let mut weighted = cx.obj(item, &here)?;
                            let weight = int_field(cx, &mut weighted, "weight", format!("{raw_here}.weight"));
                            let preference = weighted.take("preference").and_then(|pref| {
                                node_selector_term(
                                    cx,
                                    pref,
                                    &format!("{here}.preference"),
                                    &format!("{raw_here}.preference"),
                                )
                            });
                            weighted.finish(cx);
                            Some(raw::PreferredSchedulingTerm {
                                weight: weight.unwrap_or(1),
                                preference: preference?,
                            })
                        })
                        .collect()
                });
            na.finish(cx);
            raw::NodeAffinity { required, preferred }
        });
    let pod_affinity = pod_affinity_block(cx, &mut affinity, "podAffinity", "podAffinity", p, raw_base);
    let anti = pod_affinity_block(cx, &mut affinity, "podAntiAffinity", "podAntiAffinity", p, raw_base);
    affinity.finish(cx);
    Some(raw::Affinity { node_affinity, pod_affinity, pod_anti_affinity: anti })
}

/// `podAffinity` or `podAntiAffinity` (`key`): required and preferred terms.
fn pod_affinity_block(
    cx: &mut Cx<'_>,
    affinity: &mut Obj<'_>,
    key: &str,
    raw_key: &str,
    p: &str,
    raw_base: &str,
) -> Option<raw::PodAntiAffinity> {
    const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    let taken = affinity.take(key)?;
    cx.obj(taken, &format!("{p}.{key}")).map(|mut pa| {
        let at = format!("{p}.{key}");
        let required = pa.take(REQUIRED).and_then(|l| cx.list(l, &format!("{at}.{REQUIRED}"))).map(|list| {
            list.iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    pod_affinity_term(
                        cx,
                        t,
                        &format!("{at}.{REQUIRED}[{i}]"),
                        &format!("{raw_base}.{raw_key}.{REQUIRED}[{i}]"),
                    )
                })
                .collect()
        });
        let preferred =
            pa.take(PREFERRED).and_then(|l| cx.list(l, &format!("{at}.{PREFERRED}"))).map(|list| {
                list.iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        let here = format!("{at}.{PREFERRED}[{i}]");
                        let raw_here = format!("{raw_base}.{raw_key}.{PREFERRED}[{i}]");
                        let mut weighted = cx.obj(item, &here)?;
                        let weight = int_field(cx, &mut weighted, "weight", format!("{raw_here}.weight"));
                        let term = weighted.take("podAffinityTerm").and_then(|t| {
                            pod_affinity_term(
                                cx,
                                t,
                                &format!("{here}.podAffinityTerm"),
                                &format!("{raw_here}.podAffinityTerm"),
                            )
                        });
                        weighted.finish(cx);
                        Some(raw::WeightedPodAffinityTerm {
                            weight: weight.unwrap_or(1),
                            pod_affinity_term: term?,
                        })
                    })
                    .collect()
            });
        pa.finish(cx);
        raw::PodAntiAffinity { required, preferred }
    })
}

fn tolerations(cx: &mut Cx<'_>, node: &Node, raw_base: &str) -> Option<Vec<raw::Toleration>> {
    let p = "spec.template.spec.tolerations";
    let list = cx.list(node, p)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{p}[{i}]");
        let raw_at = format!("{raw_base}[{i}]");
        let Some(mut toleration) = cx.obj(item, &at) else { continue };
        cx.at(raw_at.clone(), item.place, &at);
        let key = toleration.take("key").and_then(|k| cx.string(k, &format!("{at}.key")));
        let operator = toleration.take("operator").and_then(|o| {
            cx.defaulted_one_of(o, &format!("{at}.operator"), &["Equal", "Exists"]).map(|o| {
                match o.as_str() {
                    "Exists" => raw::TolerationOperator::Exists,
                    _ => raw::TolerationOperator::Equal,
                }
            })
        });
        let value = toleration.take("value").and_then(|v| cx.string(v, &format!("{at}.value")));
        let effect = toleration.take("effect").and_then(|e| match &e.value {
            Value::Str(s) if s.is_empty() => None,
            _ => cx
                .one_of(e, &format!("{at}.effect"), &["NoSchedule", "PreferNoSchedule", "NoExecute"])
                .map(|e| taint_effect(&e)),
        });
        let seconds =
            int_field(cx, &mut toleration, "tolerationSeconds", format!("{raw_at}.tolerationSeconds"));
        toleration.finish(cx);
        out.push(raw::Toleration { key, operator, value, effect, toleration_seconds: seconds });
    }
    Some(out)
}

/// `topologySpreadConstraints`. The API server reads a missing `maxSkew`
/// as 0 and a missing `topologyKey` as "", which validation refuses in its
/// words; a missing `whenUnsatisfiable` is its "Unsupported value".
fn topology_spread(
    cx: &mut Cx<'_>,
    node: &Node,
    raw_base: &str,
) -> Option<Vec<raw::TopologySpreadConstraint>> {
    let p = "spec.template.spec.topologySpreadConstraints";
    cx.at(raw_base.to_string(), node.place, p);
    let list = cx.list(node, p)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{p}[{i}]");
        let raw_at = format!("{raw_base}[{i}]");
        let Some(mut constraint) = cx.obj(item, &at) else { continue };
        cx.at(raw_at.clone(), item.place, &at);
        // Duplicates are named by the pair, as the API server names them.
        let pair = "{topologyKey, whenUnsatisfiable}";
        cx.at(format!("{raw_at}.{pair}"), item.place, &format!("{at}.{pair}"));
        // Where validation places a value left out: the constraint, under the field's name.
        let absent = |cx: &mut Cx<'_>, constraint: &Obj<'_>, key: &str| {
            let written = constraint.entries.iter().any(|(k, _, n)| k == key && n.value != Value::Null);
            if !written {
                cx.at(format!("{raw_at}.{key}"), item.place, &format!("{at}.{key}"));
            }
        };
        absent(cx, &constraint, "maxSkew");
        let max_skew = int_field(cx, &mut constraint, "maxSkew", format!("{raw_at}.maxSkew"));
        absent(cx, &constraint, "topologyKey");
        let topology_key = constraint.take("topologyKey").and_then(|k| {
            cx.at(format!("{raw_at}.topologyKey"), k.place, &format!("{at}.topologyKey"));
            cx.string(k, &format!("{at}.topologyKey"))
        });
        let when = match constraint.take("whenUnsatisfiable") {
            Some(w) => cx.one_of(w, &format!("{at}.whenUnsatisfiable"), &["DoNotSchedule", "ScheduleAnyway"]),
            None => {
                let message =
                    "Unsupported value: \"\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"";
                let help = "DoNotSchedule keeps a pod off nodes that would break maxSkew; \
                            ScheduleAnyway only prefers the nodes that keep it";
                let help = help.to_string();
                cx.invalid(item.place, &format!("{at}.whenUnsatisfiable"), message, Some(help));
                None
            }
        };
        let label_selector = constraint.take("labelSelector").and_then(|selector| {
            let (labels, expressions) = label_selector(
                cx,
                selector,
                &format!("{at}.labelSelector"),
                format!("{raw_at}.labelSelector"),
                &format!("{raw_at}.labelSelector.matchExpressions"),
            )?;
            Some(raw::LabelSelector { match_labels: Some(labels), match_expressions: expressions })
        });
        let min_domains = int_field(cx, &mut constraint, "minDomains", format!("{raw_at}.minDomains"));
        let policy = |cx: &mut Cx<'_>, constraint: &mut Obj<'_>, key: &str| {
            let node = constraint.take(key)?;
            cx.at(format!("{raw_at}.{key}"), node.place, &format!("{at}.{key}"));
            cx.one_of(node, &format!("{at}.{key}"), &["Honor", "Ignore"]).map(|p| match p.as_str() {
                "Ignore" => raw::NodeInclusionPolicy::Ignore,
                _ => raw::NodeInclusionPolicy::Honor,
            })
        };
        let node_affinity_policy = policy(cx, &mut constraint, "nodeAffinityPolicy");
        let node_taints_policy = policy(cx, &mut constraint, "nodeTaintsPolicy");
        let match_label_keys = constraint.take("matchLabelKeys").and_then(|keys| {
            let path = format!("{at}.matchLabelKeys");
            cx.at(format!("{raw_at}.matchLabelKeys"), keys.place, &path);
            let list = cx.list(keys, &path)?;
            let keys = list
                .iter()
                .enumerate()
                .filter_map(|(j, key)| {
                    let here = format!("{path}[{j}]");
                    cx.at(format!("{raw_at}.matchLabelKeys[{j}]"), key.place, &here);
                    cx.string(key, &here)
                })
                .collect();
            Some(keys)
        });
        constraint.finish(cx);
        let Some(when) = when else { continue };
        out.push(raw::TopologySpreadConstraint {
            max_skew: max_skew.unwrap_or(0),
            topology_key: topology_key.unwrap_or_default(),
            when_unsatisfiable: match when.as_str() {
                "ScheduleAnyway" => raw::WhenUnsatisfiable::ScheduleAnyway,
                _ => raw::WhenUnsatisfiable::DoNotSchedule,
            },
            label_selector,
            min_domains,
            node_affinity_policy,
            node_taints_policy,
            match_label_keys,
        });
    }
    Some(out)
}

/// The deprecated `volume.beta.kubernetes.io/storage-class` annotation of a
/// claim (older charts write it), which Kubernetes still honours.
pub(super) const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// A claim's `volume.beta.kubernetes.io/storage-class` annotation, with its
/// place, read before `metadata` skips annotations.
pub(super) fn beta_class(claim: &Obj<'_>) -> Option<(String, crate::locate::Place)> {
    let place = claim.nested_place(&["metadata", "annotations", BETA_CLASS])?;
    let meta =
        claim.entries.iter().find(|(k, _, _)| k == "metadata").and_then(|(_, _, m)| Obj::new(m, "metadata"));
    Some((meta?.nested_value(&["annotations", BETA_CLASS])?, place))
}

/// A claim's class: its beta annotation when it has one, which the PV
/// controller, the scheduler's volume binding and the DefaultStorageClass
/// admission read before `spec.storageClassName`
/// (`storagehelpers.GetPersistentVolumeClaimClass`), else `spec_class`. A
/// note says so where both are given and differ. `at` is the claim's path
/// in the object (empty for a claim of its own).
pub(super) fn claim_class(
    cx: &mut Cx<'_>,
    spec_class: Option<String>,
    beta: Option<(String, crate::locate::Place)>,
    raw_path: &str,
    at: &str,
) -> Option<String> {
    let Some((beta, place)) = beta else { return spec_class };
    let prefix = if at.is_empty() { String::new() } else { format!("{at}.") };
    cx.at(raw_path.to_string(), place, &format!("{prefix}metadata.annotations[{BETA_CLASS}]"));
    if let Some(spec_class) = spec_class.filter(|class| *class != beta) {
        cx.collected.notes.push(format!(
            "{}: {prefix}metadata.annotations[{BETA_CLASS}] names class {beta:?} and {prefix}spec.storageClassName \
             {spec_class:?}: Kubernetes reads the deprecated annotation first, so the claim's class is {beta:?}",
            cx.object
        ));
    }
    Some(beta)
}

fn claims(cx: &mut Cx<'_>, node: &Node, raw_base: &str) -> Option<Vec<raw::VolumeClaimTemplate>> {
    let p = "spec.volumeClaimTemplates";
    let list = cx.list(node, p)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{p}[{i}]");
        let raw_at = format!("{raw_base}[{i}]");
        let Some(mut claim) = cx.obj(item, &at) else { continue };
        // Its spec's errors, which each claim's create meets before 1.34 (`Cx::invalid`).
        let mark = cx.collected.deferred.len();
        cx.at(raw_at.clone(), item.place, &at);
        claim.skip(&["apiVersion", "kind", "status"]);
        // The controller copies the template's annotations to each claim.
        let beta = beta_class(&claim);
        let mut labels = None;
        let name =
            claim.take("metadata").and_then(|m| cx.obj(m, &format!("{at}.metadata"))).and_then(|mut meta| {
                check_string_maps(cx, &meta, &format!("{at}.metadata"), &["labels", "annotations"]);
                if let Some(node) = meta.take("labels") {
                    cx.at(format!("{raw_at}.labels"), node.place, &format!("{at}.metadata.labels"));
                    labels = cx.labels(node, &format!("{at}.metadata.labels"));
                }
                meta.skip(&["creationTimestamp", "annotations"]);
                let name = meta.take("name").and_then(|n| {
                    cx.at(format!("{raw_at}.name"), n.place, &format!("{at}.metadata.name"));
                    cx.string(n, &format!("{at}.metadata.name"))
                });
                meta.finish(cx);
                name
            });
        if name.is_none() && !cx.collected.errors.iter().any(|e| e.line == item.place.line) {
            cx.invalid(item.place, &format!("{at}.metadata.name"), "Required value: name is required", None);
        }
        let mut class = None;
        let mut modes = None;
        let mut storage = None;
        if let Some(mut spec) = claim.take("spec").and_then(|s| cx.obj(s, &format!("{at}.spec"))) {
            class = spec.take("storageClassName").and_then(|c| {
                cx.at(format!("{raw_at}.storageClassName"), c.place, &format!("{at}.spec.storageClassName"));
                cx.string(c, &format!("{at}.spec.storageClassName"))
            });
            class = claim_class(cx, class, beta, &format!("{raw_at}.storageClassName"), &at);
            modes = spec.take("accessModes").and_then(|m| {
                access_modes(cx, m, &format!("{at}.spec.accessModes"), &format!("{raw_at}.accessModes"))
            });
            if let Some(mut resources) =
                spec.take("resources").and_then(|r| cx.obj(r, &format!("{at}.spec.resources")))
            {
                if let Some(mut requests) = resources
                    .take("requests")
                    .and_then(|r| cx.obj(r, &format!("{at}.spec.resources.requests")))
                {
                    storage = requests.take("storage").and_then(|s| {
                        let here = format!("{at}.spec.resources.requests.storage");
                        cx.at(format!("{raw_at}.storage"), s.place, &here);
                        cx.quantity(s, &here)
                    });
                    requests.finish(cx);
                }
                resources.finish(cx);
            }
            if spec.entries_value("volumeMode").is_some_and(|v| v == "Filesystem") {
                spec.skip(&["volumeMode"]);
            }
            if modes.is_none() {
                cx.at(format!("{raw_at}.accessModes"), spec.place, &format!("{at}.spec.accessModes"));
            }
            spec.finish(cx);
        }
        // The API server requires an access mode (the scenario format defaults one).
        let modes = modes.or_else(|| Some(Vec::new()));
        if storage.is_none() {
            cx.invalid(item.place, &format!("{at}.spec.resources[storage]"), "Required value", None);
        }
        claim.finish(cx);
        let create_errors: Vec<String> = (cx.collected.deferred[mark..].iter())
            .filter(|d| d.claim() == Some(i))
            .map(|d| d.claim_error())
            .collect();
        // A storage left out is such an error: the claim is never made,
        // so its size is never read.
        let storage = storage.or_else(|| (!create_errors.is_empty()).then(String::new));
        if let (Some(name), Some(storage)) = (name, storage) {
            out.push(raw::VolumeClaimTemplate {
                name,
                labels,
                storage,
                storage_class_name: class,
                access_modes: modes,
                create_errors,
            });
        }
    }
    Some(out)
}

/// A probe's period or threshold as the API server takes it: 0 is the
/// field left out (`SetDefaults_Probe` fills 10, 1 and 3 for a 0), and
/// validation asks only that it not be negative (`validateProbe`,
/// `ValidateNonnegativeField`).
fn probe_count(cx: &mut Cx<'_>, probe: &mut Obj<'_>, key: &str, raw_probe: &str) -> Option<i64> {
    let place = probe.peek(key).map(|node| node.place);
    match int_field(cx, probe, key, format!("{raw_probe}.{key}")) {
        Some(0) => None,
        Some(n) if n < 0 => {
            let message = format!("Invalid value: {n}: must be greater than or equal to 0");
            cx.invalid(place.unwrap_or(probe.place), &probe.child(key), message, None);
            None
        }
        n => n,
    }
}

/// A probe's port, as the API server checks it (`validateTCPSocketAction`,
/// `validateHTTPGetAction`: `ValidatePortNumOrName`; `validateGRPCAction`:
/// a number, `GRPCAction.Port` being an int32): a number from 1 to 65535,
/// or (not for gRPC) a port name. stsim runs no check, so the port is not
/// matched to the container's ports, as the API server does not either.
fn probe_port(cx: &mut Cx<'_>, action: &Node, path: &str, number_only: bool) {
    let Value::Map(entries) = &action.value else { return };
    let port_path = format!("{path}.port");
    match entries.iter().find(|(k, _, _)| k == "port").map(|(_, _, n)| n) {
        None => cx.invalid(action.place, &port_path, "Required value", None),
        Some(node) => port_num_or_name(cx, node, &port_path, number_only),
    }
}

/// `ValidatePortNumOrName`: a number from 1 to 65535, or (unless
/// `number_only`) a port name; any other type is a decoding error, said as
/// for other fields.
fn port_num_or_name(cx: &mut Cx<'_>, node: &Node, path: &str, number_only: bool) {
    match &node.value {
        Value::Int(n) if !(1..=65_535).contains(n) => cx.invalid(
            node.place,
            path,
            format!("Invalid value: {n}: must be between 1 and 65535, inclusive"),
            None,
        ),
        Value::Int(_) => {}
        Value::Str(name) if !number_only => {
            for problem in stsim_core::api::validation::port_name_errors(name) {
                cx.invalid(node.place, path, format!("Invalid value: {name:?}: {problem}"), None);
            }
        }
        _ if number_only => {
            cx.int(node, path);
        }
        _ => cx.type_error(node, path, "a port number or a port name"),
    }
}

/// `accessModes`: each one of Kubernetes' four.
pub(super) fn access_modes(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
) -> Option<Vec<raw::AccessMode>> {
    cx.at(raw_path.to_string(), node.place, path);
    let list = cx.list(node, path)?;
    Some(
        list.iter()
            .enumerate()
            .filter_map(|(j, mode)| {
                let here = format!("{path}[{j}]");
                cx.one_of(
                    mode,
                    &here,
                    &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
                )
            })
            .map(|mode| match mode.as_str() {
                "ReadOnlyMany" => raw::AccessMode::ReadOnlyMany,
                "ReadWriteMany" => raw::AccessMode::ReadWriteMany,
                "ReadWriteOncePod" => raw::AccessMode::ReadWriteOncePod,
                _ => raw::AccessMode::ReadWriteOnce,
            })
            .collect(),
    )
}

/// `matchExpressions` of a label selector.
fn requirements(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
) -> Vec<raw::NodeSelectorRequirement> {
    selector_requirements(cx, node, path, raw_path, &["In", "NotIn", "Exists", "DoesNotExist"])
}

/// `matchExpressions` or `matchFields` of a node selector term, whose
/// operators include `Gt` and `Lt`.
fn node_requirements(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
) -> Vec<raw::NodeSelectorRequirement> {
    selector_requirements(cx, node, path, raw_path, &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"])
}

/// Requirements whose operator is one of `operators`; another is the API
/// server's "not a valid selector operator".
fn selector_requirements(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
    raw_path: &str,
    operators: &[&str],
) -> Vec<raw::NodeSelectorRequirement> {
    let mut expressions = Vec::new();
    let Some(list) = cx.list(node, path) else { return expressions };
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(mut requirement) = cx.obj(item, &at) else { continue };
        cx.at(format!("{raw_path}[{i}]"), item.place, &at);
        let key = requirement.take("key").and_then(|k| cx.string(k, &format!("{at}.key")));
        let operator = requirement.take("operator").and_then(|o| {
            cx.one_of_as(o, &format!("{at}.operator"), operators, |text| {
                format!("Invalid value: {text:?}: not a valid selector operator")
            })
        });
        let values = requirement.take("values").and_then(|v| cx.list(v, &format!("{at}.values"))).map(|v| {
            v.iter().enumerate().filter_map(|(j, n)| cx.string(n, &format!("{at}.values[{j}]"))).collect()
        });
        requirement.finish(cx);
        if let (Some(key), Some(operator)) = (key, operator) {
            let operator = match operator.as_str() {
                "In" => raw::NodeSelectorOperator::In,
                "NotIn" => raw::NodeSelectorOperator::NotIn,
                "Exists" => raw::NodeSelectorOperator::Exists,
                "Gt" => raw::NodeSelectorOperator::Gt,
                "Lt" => raw::NodeSelectorOperator::Lt,
                _ => raw::NodeSelectorOperator::DoesNotExist,
            };
            expressions.push(raw::NodeSelectorRequirement { key, operator, values });
        }
    }
    expressions
}

/// A container's `imagePullPolicy` (`{path}.imagePullPolicy`).
fn pull_policy(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<raw::ImagePullPolicy> {
    let path = format!("{path}.imagePullPolicy");
    match cx.defaulted_one_of(node, &path, &["Always", "IfNotPresent", "Never"])?.as_str() {
        "Always" => Some(raw::ImagePullPolicy::Always),
        "Never" => Some(raw::ImagePullPolicy::Never),
        _ => Some(raw::ImagePullPolicy::IfNotPresent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cloud disk preset is a disk type of its cloud's provisioners
    /// (regional or not, as the preset is), and the type written for a
    /// preset is read back as that preset, never as another.
    #[test]
    fn disk_types_and_price_presets_are_inverses() {
        let provisioners = [
            "ebs.csi.aws.com",
            "kubernetes.io/aws-ebs",
            "pd.csi.storage.gke.io",
            "kubernetes.io/gce-pd",
            "disk.csi.azure.com",
            "kubernetes.io/azure-disk",
            "nfs.csi.k8s.io",
        ];
        for preset in stsim_core::pricing::PRESETS {
            let mut found = 0;
            for provisioner in provisioners {
                for regional in [false, true] {
                    let Some(disk_type) = disk_type_of_preset(provisioner, preset, regional) else {
                        continue;
                    };
                    found += 1;
                    let back = preset_of_disk_type(provisioner, disk_type, regional);
                    assert_eq!(back.as_deref(), Some(*preset), "{provisioner} {disk_type} {regional}");
                    assert_eq!(regional, preset.starts_with("gcp-regional-"), "{preset}");
                }
            }
            // The CSI driver and the in-tree plugin of its cloud.
            assert_eq!(found, 2, "{preset}");
        }
        assert_eq!(disk_type_of_preset("ebs.csi.aws.com", "aws-io2", false), Some("io2"));
        assert_eq!(disk_type_of_preset("pd.csi.storage.gke.io", "gcp-regional-pd-ssd", true), Some("pd-ssd"));
        assert_eq!(disk_type_of_preset("pd.csi.storage.gke.io", "gcp-regional-pd-ssd", false), None);
        assert_eq!(
            disk_type_of_preset("disk.csi.azure.com", "azure-premium-ssd", false),
            Some("Premium_LRS")
        );
        assert_eq!(disk_type_parameter("disk.csi.azure.com"), "skuName");
        assert_eq!(disk_type_parameter("ebs.csi.aws.com"), "type");
    }
}

/// What `ValidateStatefulSetSpec` (k/k pkg/apis/apps/validation/validation.go)
/// refuses of a manifest's StatefulSet, in the API server's words.
#[cfg(test)]
mod statefulset_spec_tests {
    /// A Service and a StatefulSet of Redis, with `spec` (indented for the
    /// set's spec) and `pod` (for the template's pod spec) added.
    fn manifest(spec: &str, pod: &str) -> String {
        format!(
            "apiVersion: v1
kind: Service
metadata: {{name: redis}}
spec: {{clusterIP: None, selector: {{app: redis}}, ports: [{{port: 6379}}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: redis}}
spec:
  serviceName: redis
  replicas: 3
  selector: {{matchLabels: {{app: redis}}}}
{spec}  template:
    metadata: {{labels: {{app: redis}}}}
    spec:
{pod}      containers: [{{name: redis, image: \"redis:7\"}}]
"
        )
    }

    /// The messages of the refusals, or the warning of an accepted file.
    pub(super) fn read(spec: &str, pod: &str) -> Result<Option<String>, Vec<String>> {
        crate::parse_manifests(&[("r.yaml".to_string(), manifest(spec, pod))], "start")
            .map(|loaded| loaded.warning)
            .map_err(|errors| errors.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn active_deadline_seconds_is_forbidden_in_a_set() {
        assert_eq!(
            read("", "      activeDeadlineSeconds: 60\n"),
            Err(vec![
                "The StatefulSet \"redis\" is invalid: spec.template.spec.activeDeadlineSeconds: Forbidden: \
                 activeDeadlineSeconds in StatefulSet is not Supported"
                    .to_string()
            ])
        );
        // `null` is no value: nothing to refuse, nothing ignored.
        let read = read("", "      activeDeadlineSeconds: null\n").unwrap();
        assert!(!read.unwrap_or_default().contains("activeDeadlineSeconds"));
    }

    /// Kubernetes 1.36 (the stories' release) drops `maxUnavailable` before
    /// validating it (MaxUnavailableStatefulSet is off): 0 and 150% are
    /// taken, and the note says they are dropped.
    #[test]
    fn max_unavailable_is_dropped_unvalidated_where_the_gate_is_off() {
        for (value, shown) in [("0", "(0)"), ("\"150%\"", "(150%)")] {
            let spec = format!("  updateStrategy: {{rollingUpdate: {{maxUnavailable: {value}}}}}\n");
            let warning = read(&spec, "").unwrap_or_else(|e| panic!("{value}: {e:?}")).unwrap_or_default();
            assert!(
                warning.contains(&format!("drops updateStrategy.rollingUpdate.maxUnavailable {shown}")),
                "{warning}"
            );
        }
    }

    /// The enums and the selector as `ValidateStatefulSetSpec` and
    /// `ValidatePodTemplateSpecForStatefulSet` word them: field.Invalid, at
    /// `spec.podManagementPolicy`, the whole `spec.updateStrategy` (Go's
    /// `%#v` of it) and the template's `metadata.labels`.
    #[test]
    fn enums_and_the_selector_are_refused_in_the_api_servers_words() {
        let invalid = |path: &str, said: &str| {
            format!("The StatefulSet \"redis\" is invalid: {path}: Invalid value: {said}")
        };
        assert_eq!(
            read("  podManagementPolicy: parallel\n", ""),
            Err(vec![invalid(
                "spec.podManagementPolicy",
                "\"parallel\": must be 'OrderedReady' or 'Parallel'"
            )])
        );
        assert_eq!(
            read("  updateStrategy: {type: Rolling}\n", ""),
            Err(vec![invalid(
                "spec.updateStrategy",
                "apps.StatefulSetUpdateStrategy{Type:\"Rolling\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: \
                 must be 'RollingUpdate' or 'OnDelete'"
            )])
        );
        let given =
            read("  updateStrategy: {type: Rolling, rollingUpdate: {partition: 1}}\n", "").unwrap_err();
        assert!(
            given[0].contains("RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(0xc…)}"),
            "{given:?}"
        );
        // The template says app: redis; a selector of app: redis2 does not match it.
        let text = manifest("", "")
            .replace("selector: {matchLabels: {app: redis}}", "selector: {matchLabels: {app: redis2}}");
        let errors = crate::parse_manifests(&[("r.yaml".to_string(), text)], "start").err().unwrap();
        assert_eq!(
            errors[0].message,
            invalid(
                "spec.template.metadata.labels",
                "map[string]string{\"app\":\"redis\"}: `selector` does not match template `labels`"
            )
        );
        // The caret is on the template's labels (line 14, `metadata: {labels: ...}`).
        assert_eq!((errors[0].line, errors[0].column), (14, 24), "{:?}", errors[0]);
    }
}
