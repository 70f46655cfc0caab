//! `v1` PersistentVolume and PersistentVolumeClaim manifests: the storage
//! that exists before the workloads (`kubectl get pv,pvc -o yaml`, disks
//! made by hand, claims kept from an earlier install).
//!
//! Owns reading them into `raw::PersistentVolume` and
//! `raw::PersistentVolumeClaim`: a volume's size, class, access modes,
//! reclaim policy, `claimRef` and the zone or node of its node affinity; a
//! claim's uid (which a volume's `claimRef.uid` must match), labels, size,
//! class and `volumeName`; who made a volume (its
//! `pv.kubernetes.io/provisioned-by` annotation) and the kind of its source
//! (`csi`, `local`, `nfs`, `hostPath`, the in-tree cloud disks), which
//! decide what deletes it. What a source says of the disk behind it is not
//! modelled. Does not own binding; that is the PV controller in the core.

use super::objects::{Scope, ZONE_LABELS, access_modes, metadata, node_selector_term, spec_of};
use super::{Cx, Obj, Unused};
use crate::raw;
use crate::yaml::Node;

const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// The annotation a provisioner puts on the volumes it makes.
const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

/// A string under `metadata` of a top-level object, before `metadata` reads it.
fn peek_metadata<'n>(obj: &Obj<'n>, key: &str) -> Option<&'n Node> {
    obj.entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|mut m| m.take(key))
}

pub(super) fn persistent_volume(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let index = cx.base.persistent_volumes + cx.collected.persistent_volumes.len();
    let raw_base = format!("persistentVolumes[{index}]");
    // Who made it, read before `metadata` skips annotations: the
    // provisioner deletes what it made; empty is as absent (the PV
    // controller's `findDeletablePlugin`).
    let provisioned_by = obj
        .entries
        .iter()
        .find(|(k, _, _)| k == "metadata")
        .and_then(|(_, _, m)| Obj::new(m, "metadata"))
        .and_then(|m| m.nested_value(&["annotations", PROVISIONED_BY]))
        .filter(|name| !name.is_empty());
    if let Some(place) = obj.nested_place(&["metadata", "annotations", PROVISIONED_BY])
        && provisioned_by.is_some()
    {
        cx.at(format!("{raw_base}.provisionedBy"), place, &format!("metadata.annotations[{PROVISIONED_BY}]"));
    }
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Cluster) else { return };
    cx.at(raw_base.clone(), obj.place, "spec");
    let Some(mut spec) = spec_of(cx, &mut obj) else { return };
    let mut storage = None;
    match spec.take("capacity").and_then(|c| cx.obj(c, "spec.capacity")) {
        Some(mut capacity) => {
            match capacity.take("storage") {
                Some(node) => {
                    cx.at(format!("{raw_base}.storage"), node.place, "spec.capacity.storage");
                    storage = cx.quantity(node, "spec.capacity.storage");
                }
                None => cx.invalid(capacity.place, "spec.capacity.storage", "Required value", None),
            }
            capacity.finish(cx);
        }
        None => cx.invalid(spec.place, "spec.capacity", "Required value", None),
    }
    let modes = spec
        .take("accessModes")
        .and_then(|m| access_modes(cx, m, "spec.accessModes", &format!("{raw_base}.accessModes")));
    let class = spec.take("storageClassName").and_then(|c| {
        cx.at(format!("{raw_base}.storageClassName"), c.place, "spec.storageClassName");
        cx.string(c, "spec.storageClassName")
    });
    // `Recycle` is deprecated and not modelled: it stays in the warning.
    let reclaim = match spec.entries_value("persistentVolumeReclaimPolicy").as_deref() {
        Some("Recycle") => None,
        _ => spec.take("persistentVolumeReclaimPolicy").and_then(|p| {
            cx.at(
                format!("{raw_base}.persistentVolumeReclaimPolicy"),
                p.place,
                "spec.persistentVolumeReclaimPolicy",
            );
            cx.defaulted_one_of(p, "spec.persistentVolumeReclaimPolicy", &["Retain", "Delete", "Recycle"])
        }),
    };
    let claim_ref = spec.take("claimRef").and_then(|node| {
        let mut r = cx.obj(node, "spec.claimRef")?;
        cx.at(format!("{raw_base}.claimRef"), node.place, "spec.claimRef");
        r.skip(&["kind", "apiVersion", "resourceVersion"]);
        // The claim it is bound or reserved to is named by namespace and
        // name: checked against the simulated namespace once it is known.
        if let Some(namespace) = r.take("namespace")
            && let Some(text) = cx.string(namespace, "spec.claimRef.namespace")
        {
            let loc = cx.loc(namespace.place, "spec.claimRef.namespace");
            cx.collected.claim_ref_namespaces.push((text, loc));
        }
        let name = r.take("name").and_then(|n| {
            cx.at(format!("{raw_base}.claimRef.name"), n.place, "spec.claimRef.name");
            cx.string(n, "spec.claimRef.name")
        });
        let uid = r.take("uid").and_then(|u| cx.string(u, "spec.claimRef.uid"));
        r.finish(cx);
        Some(raw::ClaimRef { name: name?, uid })
    });
    let (mut zones, mut host) = (Vec::new(), None);
    if spec.entries_value("volumeMode").is_some_and(|v| v == "Filesystem") {
        spec.skip(&["volumeMode"]);
    }
    let affinity = spec.take("nodeAffinity");
    if let Some(affinity) = affinity {
        (zones, host) = node_affinity(cx, affinity, &raw_base);
    }
    // `nodeAffinitySpecified` of the API's check: a `required` selector.
    let required = affinity.is_some_and(|a| match &a.value {
        crate::yaml::Value::Map(entries) => {
            entries.iter().any(|(k, _, v)| k == "required" && v.value != crate::yaml::Value::Null)
        }
        _ => false,
    });
    let source = volume_source(cx, &mut spec, &raw_base, required);
    spec.finish(cx);
    obj.finish(cx);
    let Some(storage) = storage else { return };
    cx.collected.persistent_volumes.push(raw::PersistentVolume {
        name,
        storage,
        storage_class_name: class,
        access_modes: modes,
        persistent_volume_reclaim_policy: reclaim.map(|p| match p.as_str() {
            "Delete" => raw::ReclaimPolicy::Delete,
            _ => raw::ReclaimPolicy::Retain,
        }),
        // One zone as `zone`; a regional volume's as `zones`.
        zone: (zones.len() == 1).then(|| zones[0].clone()),
        zones: (zones.len() > 1).then_some(zones),
        node: host,
        claim_ref,
        provisioned_by,
        source,
    });
}

/// How the model reads a volume source's kind.
#[derive(Clone, Copy)]
enum Kind {
    /// A CSI driver's volume: `csi`, and the in-tree cloud disks, which
    /// CSI migration hands to their drivers.
    Csi,
    Local,
    Nfs,
    HostPath,
    /// An in-tree plugin with no deleter and no attach in the model.
    InTree,
}

/// Whether `name` is the field of an in-tree source of no deleter and no
/// attach in the model: what a scenario's `InTree(..)` may name.
pub(crate) fn is_in_tree_source(name: &str) -> bool {
    in_tree_sources().any(|key| key == name)
}

/// The fields of the in-tree sources of no deleter, in the API's order.
pub(crate) fn in_tree_sources() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().filter(|(_, _, kind)| matches!(kind, Kind::InTree)).map(|&(key, _, _)| key)
}

/// The volume sources of a PersistentVolume in the order the API server
/// checks them (`ValidatePersistentVolumeSpec`, pkg/apis/core/validation),
/// with the name its error gives the field (`cephfs` is checked as
/// `cephFS`) and how the model reads it.
const SOURCES: &[(&str, &str, Kind)] = &[
    ("hostPath", "hostPath", Kind::HostPath),
    ("gcePersistentDisk", "gcePersistentDisk", Kind::Csi),
    ("awsElasticBlockStore", "awsElasticBlockStore", Kind::Csi),
    ("glusterfs", "glusterfs", Kind::InTree),
    ("flocker", "flocker", Kind::InTree),
    ("nfs", "nfs", Kind::Nfs),
    ("rbd", "rbd", Kind::InTree),
    ("quobyte", "quobyte", Kind::InTree),
    ("cephfs", "cephFS", Kind::InTree),
    ("iscsi", "iscsi", Kind::InTree),
    ("cinder", "cinder", Kind::Csi),
    ("fc", "fc", Kind::InTree),
    ("flexVolume", "flexVolume", Kind::InTree),
    ("azureFile", "azureFile", Kind::Csi),
    ("vsphereVolume", "vsphereVolume", Kind::Csi),
    ("photonPersistentDisk", "photonPersistentDisk", Kind::InTree),
    ("portworxVolume", "portworxVolume", Kind::Csi),
    ("azureDisk", "azureDisk", Kind::Csi),
    ("scaleIO", "scaleIO", Kind::InTree),
    ("local", "local", Kind::Local),
    ("storageos", "storageos", Kind::InTree),
    ("csi", "csi", Kind::Csi),
];

/// The volume source, which decides what deletes a volume made by hand:
/// `csi` and the in-tree cloud disks (migrated to their CSI drivers) are
/// a CSI driver's; `local`, `nfs` and the other in-tree plugins have no
/// deleter; `hostPath` has one for paths under `/tmp/`. What the source
/// says of the disk itself (driver, handle, server) is not modelled:
/// listed as unused.
///
/// As the API server, a volume must name exactly one source: none is
/// `Required value: must specify a volume type` on `spec`, and each source
/// after the first in the API's order is `Forbidden: may not specify more
/// than 1 volume type` on its own field, but for `flexVolume`, which that
/// check counts without refusing. A `local` volume needs node affinity.
fn volume_source(
    cx: &mut Cx<'_>,
    spec: &mut Obj<'_>,
    raw_base: &str,
    has_affinity: bool,
) -> Option<raw::VolumeSource> {
    let mut first: Option<(&str, Kind, &Node)> = None;
    for &(key, field, kind) in SOURCES {
        let Some(node) = spec.take(key) else { continue };
        match first {
            None => first = Some((key, kind, node)),
            // Accepted, and not read: the first source is the volume's.
            Some(_) if key == "flexVolume" => cx.collected.unused.push(Unused {
                file: cx.file.to_string(),
                place: spec.entries.iter().find(|(k, _, _)| k == key).map_or(node.place, |(_, p, _)| *p),
                object: cx.object.clone(),
                path: "spec.flexVolume".to_string(),
            }),
            Some(_) => cx.invalid(
                node.place,
                &format!("spec.{field}"),
                "Forbidden: may not specify more than 1 volume type",
                Some("a volume has one source: keep the one that names its disk".to_string()),
            ),
        }
    }
    let Some((key, kind, node)) = first else {
        cx.invalid(
            spec.place,
            "spec",
            "Required value: must specify a volume type",
            Some("name the disk behind the volume, like `csi: {driver: ebs.csi.aws.com, volumeHandle: vol-0abc}`, `local: {path: /mnt/disks/ssd1}` or `nfs: {server: ..., path: ...}`".to_string()),
        );
        return None;
    };
    if matches!(kind, Kind::Local) && !has_affinity {
        cx.invalid(
            node.place,
            "spec.nodeAffinity",
            "Required value: Local volume requires node affinity",
            Some(
                "a local volume lives on one node: add `nodeAffinity.required` on `kubernetes.io/hostname`"
                    .to_string(),
            ),
        );
    }
    cx.at(format!("{raw_base}.source"), node.place, &format!("spec.{key}"));
    if let Kind::HostPath = kind {
        let mut host_path = cx.obj(node, "spec.hostPath")?;
        host_path.skip(&["type"]);
        let path = host_path.take("path").and_then(|p| cx.string(p, "spec.hostPath.path"));
        host_path.finish(cx);
        let Some(path) = path else {
            cx.invalid(node.place, "spec.hostPath.path", "Required value", None);
            return None;
        };
        return Some(raw::VolumeSource::HostPath(path));
    }
    // What the source says of the disk (driver, handle, server, path) is
    // listed as unused: only its kind is read.
    if let Some(fields) = cx.obj(node, &format!("spec.{key}")) {
        fields.finish(cx);
    }
    Some(match kind {
        Kind::Local => raw::VolumeSource::Local,
        Kind::Nfs => raw::VolumeSource::Nfs,
        Kind::InTree => raw::VolumeSource::InTree(key.to_string()),
        Kind::Csi | Kind::HostPath => raw::VolumeSource::Csi,
    })
}

/// The zone keys the cloud disks' CSI drivers put in the node affinity of
/// the volumes they make (the topology key each reports: EBS's, GCE PD's,
/// Azure Disk's), whose values are the zone names nodes carry in
/// `topology.kubernetes.io/zone`: a volume of `kubectl get pv` on GKE
/// or AKS is pinned by one of these.
const DRIVER_ZONE_LABELS: &[&str] =
    &["topology.ebs.csi.aws.com/zone", "topology.gke.io/zone", "topology.disk.csi.azure.com/zone"];

/// A volume's `nodeAffinity.required`: the zones or the node it lives on,
/// from `In` requirements on the zone or hostname label. A node in any of
/// the values of a term's zone requirement, or of any term's (terms are
/// alternatives), may use the volume: a regional disk's affinity names two
/// zones, in one term or two. A second zone requirement in one term that
/// names other zones (both must then hold), a second node, and any other
/// requirement are listed as unused.
fn node_affinity(cx: &mut Cx<'_>, node: &Node, raw_base: &str) -> (Vec<String>, Option<String>) {
    let (mut zones, mut host): (Vec<String>, Option<String>) = (Vec::new(), None);
    let Some(mut affinity) = cx.obj(node, "spec.nodeAffinity") else { return (zones, host) };
    if let Some(mut required) =
        affinity.take("required").and_then(|r| cx.obj(r, "spec.nodeAffinity.required"))
    {
        let path = "spec.nodeAffinity.required.nodeSelectorTerms";
        if let Some(terms) = required.take("nodeSelectorTerms").and_then(|t| cx.list(t, path)) {
            for (i, term) in terms.iter().enumerate() {
                let at = format!("{path}[{i}]");
                let Some(read) = node_selector_term(cx, term, &at, &format!("{raw_base}.nodeAffinity[{i}]"))
                else {
                    continue;
                };
                // This term's zones, from its first zone requirement.
                let mut term_zones: Option<Vec<String>> = None;
                for (j, requirement) in read.match_expressions.iter().flatten().enumerate() {
                    let values = requirement.values.as_deref().unwrap_or_default();
                    let is_in = requirement.operator == raw::NodeSelectorOperator::In && !values.is_empty();
                    let here = format!("{raw_base}.nodeAffinity[{i}].matchExpressions[{j}]");
                    let place = cx.collected.spans.lookup(&here).map_or(term.place, |loc| loc.place);
                    let value_path = |k: usize| format!("{at}.matchExpressions[{j}].values[{k}]");
                    let zonal = ZONE_LABELS.contains(&requirement.key.as_str())
                        || DRIVER_ZONE_LABELS.contains(&requirement.key.as_str());
                    // The same zones under the driver's key beside the
                    // well-known one say nothing new.
                    let same_zones =
                        |known: &Option<Vec<String>>| known.as_deref().is_none_or(|k| k == values);
                    match () {
                        _ if is_in && zonal && same_zones(&term_zones) => {
                            if term_zones.is_none() {
                                for (k, value) in values.iter().enumerate() {
                                    if !zones.contains(value) {
                                        if zones.is_empty() {
                                            cx.at(format!("{raw_base}.zone"), place, &value_path(k));
                                        }
                                        cx.at(
                                            format!("{raw_base}.zones[{}]", zones.len()),
                                            place,
                                            &value_path(k),
                                        );
                                        zones.push(value.clone());
                                    }
                                }
                                term_zones = Some(values.to_vec());
                            }
                        }
                        _ if is_in
                            && values.len() == 1
                            && requirement.key == HOSTNAME_LABEL
                            && host.as_ref().is_none_or(|h| *h == values[0]) =>
                        {
                            if host.is_none() {
                                cx.at(format!("{raw_base}.node"), place, &value_path(0));
                            }
                            host = Some(values[0].clone())
                        }
                        _ => cx.collected.unused.push(Unused {
                            file: cx.file.to_string(),
                            place: term.place,
                            object: cx.object.clone(),
                            path: format!("{at}.matchExpressions[{j}]"),
                        }),
                    }
                }
                // A volume pinned by a node's name: not read.
                if read.match_fields.is_some() {
                    cx.collected.unused.push(Unused {
                        file: cx.file.to_string(),
                        place: term.place,
                        object: cx.object.clone(),
                        path: format!("{at}.matchFields"),
                    });
                }
            }
        }
        required.finish(cx);
    }
    affinity.finish(cx);
    (zones, host)
}

pub(super) fn persistent_volume_claim(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let index = cx.base.persistent_volume_claims + cx.collected.persistent_volume_claims.len();
    let raw_base = format!("persistentVolumeClaims[{index}]");
    let uid = peek_metadata(&obj, "uid").and_then(|u| cx.string(u, "metadata.uid"));
    let labels = peek_metadata(&obj, "labels").and_then(|l| {
        cx.at(format!("{raw_base}.labels"), l.place, "metadata.labels");
        cx.labels(l, "metadata.labels")
    });
    let beta = super::objects::beta_class(&obj);
    let Some(name) = metadata(cx, &mut obj, &format!("{raw_base}.name"), Scope::Namespaced) else { return };
    cx.at(raw_base.clone(), obj.place, "spec");
    let Some(mut spec) = spec_of(cx, &mut obj) else { return };
    let modes = spec
        .take("accessModes")
        .and_then(|m| access_modes(cx, m, "spec.accessModes", &format!("{raw_base}.accessModes")));
    let class = spec.take("storageClassName").and_then(|c| {
        cx.at(format!("{raw_base}.storageClassName"), c.place, "spec.storageClassName");
        cx.string(c, "spec.storageClassName")
    });
    let class = super::objects::claim_class(cx, class, beta, &format!("{raw_base}.storageClassName"), "");
    let volume_name = spec.take("volumeName").and_then(|v| {
        cx.at(format!("{raw_base}.volumeName"), v.place, "spec.volumeName");
        cx.string(v, "spec.volumeName")
    });
    let mut storage = None;
    if let Some(mut resources) = spec.take("resources").and_then(|r| cx.obj(r, "spec.resources")) {
        if let Some(mut requests) =
            resources.take("requests").and_then(|r| cx.obj(r, "spec.resources.requests"))
        {
            storage = requests.take("storage").and_then(|s| {
                cx.at(format!("{raw_base}.storage"), s.place, "spec.resources.requests.storage");
                cx.quantity(s, "spec.resources.requests.storage")
            });
            requests.finish(cx);
        }
        resources.finish(cx);
    }
    if storage.is_none() {
        cx.invalid(spec.place, "spec.resources.requests.storage", "Required value", None);
    }
    if spec.entries_value("volumeMode").is_some_and(|v| v == "Filesystem") {
        spec.skip(&["volumeMode"]);
    }
    spec.finish(cx);
    obj.finish(cx);
    let Some(storage) = storage else { return };
    cx.collected.persistent_volume_claims.push(raw::PersistentVolumeClaim {
        name,
        uid,
        storage,
        storage_class_name: class,
        access_modes: modes,
        labels,
        volume_name,
    });
}
