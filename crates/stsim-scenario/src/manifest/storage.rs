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
            cx.one_of(p, "spec.persistentVolumeReclaimPolicy", &["Retain", "Delete", "Recycle"])
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
    let (mut zone, mut host) = (None, None);
    if spec.entries_value("volumeMode").is_some_and(|v| v == "Filesystem") {
        spec.skip(&["volumeMode"]);
    }
    if let Some(affinity) = spec.take("nodeAffinity") {
        (zone, host) = node_affinity(cx, affinity, &raw_base);
    }
    let source = volume_source(cx, &mut spec, &raw_base);
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
        zone,
        node: host,
        claim_ref,
        provisioned_by,
        source,
    });
}

/// The volume source, which decides what deletes a volume made by hand:
/// `csi` and the in-tree cloud disks (migrated to their CSI drivers) are
/// a CSI driver's; `local` and `nfs` have no deleter; `hostPath` has one
/// for paths under `/tmp/`. What the source says of the disk itself
/// (driver, handle, server) is not modelled: listed as unused.
fn volume_source(cx: &mut Cx<'_>, spec: &mut Obj<'_>, raw_base: &str) -> Option<raw::VolumeSource> {
    const CLOUD: &[&str] = &[
        "csi",
        "awsElasticBlockStore",
        "gcePersistentDisk",
        "azureDisk",
        "azureFile",
        "cinder",
        "vsphereVolume",
        "portworxVolume",
    ];
    let key = spec
        .entries
        .iter()
        .map(|(k, _, _)| k.as_str())
        .find(|k| CLOUD.contains(k) || ["local", "nfs", "hostPath"].contains(k))?;
    let key = key.to_string();
    let node = spec.take(&key)?;
    cx.at(format!("{raw_base}.source"), node.place, &format!("spec.{key}"));
    // What the source says of the disk (driver, handle, server, path) is
    // listed as unused: only its kind is read.
    if key != "hostPath"
        && let Some(fields) = cx.obj(node, &format!("spec.{key}"))
    {
        fields.finish(cx);
    }
    Some(match key.as_str() {
        "local" => raw::VolumeSource::Local,
        "nfs" => raw::VolumeSource::Nfs,
        "hostPath" => {
            let mut host_path = cx.obj(node, "spec.hostPath")?;
            host_path.skip(&["type"]);
            let path = host_path.take("path").and_then(|p| cx.string(p, "spec.hostPath.path"));
            host_path.finish(cx);
            let Some(path) = path else {
                cx.invalid(node.place, "spec.hostPath.path", "Required value", None);
                return None;
            };
            raw::VolumeSource::HostPath(path)
        }
        _ => raw::VolumeSource::Csi,
    })
}

/// A volume's `nodeAffinity.required`: the zone or the node it lives on,
/// from a term of one `In` requirement on the zone or hostname label; any
/// other requirement is listed as unused.
fn node_affinity(cx: &mut Cx<'_>, node: &Node, raw_base: &str) -> (Option<String>, Option<String>) {
    let (mut zone, mut host) = (None, None);
    let Some(mut affinity) = cx.obj(node, "spec.nodeAffinity") else { return (zone, host) };
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
                for (j, requirement) in read.match_expressions.iter().flatten().enumerate() {
                    let values = requirement.values.as_deref().unwrap_or_default();
                    let one = (requirement.operator == raw::NodeSelectorOperator::In && values.len() == 1)
                        .then(|| values[0].clone());
                    let here = format!("{raw_base}.nodeAffinity[{i}].matchExpressions[{j}]");
                    let place = cx.collected.spans.lookup(&here).map_or(term.place, |loc| loc.place);
                    let value_path = format!("{at}.matchExpressions[{j}].values[0]");
                    match one {
                        Some(value) if ZONE_LABELS.contains(&requirement.key.as_str()) => {
                            cx.at(format!("{raw_base}.zone"), place, &value_path);
                            zone = Some(value)
                        }
                        Some(value) if requirement.key == HOSTNAME_LABEL => {
                            cx.at(format!("{raw_base}.node"), place, &value_path);
                            host = Some(value)
                        }
                        _ => cx.collected.unused.push(Unused {
                            file: cx.file.to_string(),
                            place: term.place,
                            object: cx.object.clone(),
                            path: format!("{at}.matchExpressions[{j}]"),
                        }),
                    }
                }
            }
        }
        required.finish(cx);
    }
    affinity.finish(cx);
    (zone, host)
}

pub(super) fn persistent_volume_claim(cx: &mut Cx<'_>, mut obj: Obj<'_>) {
    let index = cx.base.persistent_volume_claims + cx.collected.persistent_volume_claims.len();
    let raw_base = format!("persistentVolumeClaims[{index}]");
    let uid = peek_metadata(&obj, "uid").and_then(|u| cx.string(u, "metadata.uid"));
    let labels = peek_metadata(&obj, "labels").and_then(|l| {
        cx.at(format!("{raw_base}.labels"), l.place, "metadata.labels");
        cx.labels(l, "metadata.labels")
    });
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
