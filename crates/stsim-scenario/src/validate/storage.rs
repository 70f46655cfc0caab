//! The storage that exists from the start: `persistentVolumes` and
//! `persistentVolumeClaims` (static provisioning, volumes kept from an
//! earlier install, claims a StatefulSet will find by name).
//!
//! Owns their names, sizes, access modes, the zone or node of a volume's
//! node affinity, and the DefaultStorageClass admission of a claim that
//! names no class. Accepts what the API server accepts: a volume or claim
//! naming a class the cluster does not have, a claim naming a volume that
//! does not exist or is bound elsewhere (the claim waits, modelled in the
//! core). Does not own binding: that is the PV controller in the core.
//! The checks every claim shares (its size, its access modes) live here and
//! serve claim templates and `CreatePvc` too.

use super::timeline::node_names;
use super::*;
use stsim_core::objects::PvOrigin;

impl Checker<'_, '_> {
    /// `accessModes`: `[ReadWriteOnce]` when left out, at least one when given.
    pub(super) fn access_modes(&mut self, path: &str, modes: Option<&[raw::AccessMode]>) -> Vec<AccessMode> {
        match modes {
            None => vec![AccessMode::ReadWriteOnce],
            Some(modes) => {
                if modes.is_empty() {
                    let message = "Required value: at least 1 access mode is required";
                    self.report("invalid-value", path, message, None);
                }
                modes
                    .iter()
                    .map(|m| match m {
                        raw::AccessMode::ReadWriteOnce => AccessMode::ReadWriteOnce,
                        raw::AccessMode::ReadOnlyMany => AccessMode::ReadOnlyMany,
                        raw::AccessMode::ReadWriteMany => AccessMode::ReadWriteMany,
                        raw::AccessMode::ReadWriteOncePod => AccessMode::ReadWriteOncePod,
                    })
                    .collect()
            }
        }
    }

    /// A storage size: a memory quantity greater than zero.
    pub(super) fn size(&mut self, path: &str, text: &str) -> u64 {
        let bytes = self.memory(path, Some(text), 1);
        if bytes == 0 {
            let message = format!("Invalid value: {text:?}: must be greater than zero");
            self.report("invalid-value", path, message, Some(MEMORY_HELP.to_string()));
        }
        bytes
    }

    pub(super) fn persistent_volumes(
        &mut self,
        volumes: &[raw::PersistentVolume],
        cluster: &ClusterConfig,
    ) -> Vec<PersistentVolumeConfig> {
        let nodes = node_names(&[], cluster);
        let mut names = Vec::new();
        let mut out = Vec::new();
        for (i, volume) in volumes.iter().enumerate() {
            let path = format!("persistentVolumes[{i}]");
            self.dns_subdomain(&format!("{path}.name"), &volume.name);
            names.push((format!("{path}.name"), volume.name.as_str()));
            let capacity_bytes = self.size(&format!("{path}.storage"), &volume.storage);
            let access_modes =
                self.access_modes(&format!("{path}.accessModes"), volume.access_modes.as_deref());
            let zones = self.volume_zones(&path, volume, &cluster.zones);
            if let Some(node) = &volume.node {
                if !zones.is_empty() {
                    let field = if volume.zone.is_some() { "zone" } else { "zones" };
                    let message = "Forbidden: give the node or the zone of its node affinity, not both: \
                                   a node's volume lives in the node's zone";
                    self.report("invalid-value", &format!("{path}.{field}"), message, None);
                }
                self.node(&path, node, &nodes);
            }
            if let Some(claim) = &volume.claim_ref {
                self.dns_subdomain(&format!("{path}.claimRef.name"), &claim.name);
            }
            if volume.provisioned_by.as_deref() == Some("") {
                let message =
                    "Invalid value: \"\": a provisioner's name; leave it out for a volume made by hand";
                self.report("invalid-value", &format!("{path}.provisionedBy"), message, None);
            }
            if let Some(raw::VolumeSource::HostPath(host_path)) = &volume.source
                && host_path.is_empty()
            {
                let message = "Required value: the host path";
                self.report("invalid-value", &format!("{path}.source"), message, None);
            }
            match &volume.source {
                Some(raw::VolumeSource::InTree(name)) if !crate::manifest::is_in_tree_source(name) => {
                    let known: Vec<&str> = crate::manifest::in_tree_sources().collect();
                    let message = format!(
                        "Unsupported value: {name:?}: supported values: {}",
                        known.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
                    );
                    self.report("invalid-value", &format!("{path}.source"), &message, None);
                }
                Some(raw::VolumeSource::Local) if volume.node.is_none() => {
                    let message = "Required value: a local volume lives on one node: set `node` (the API server's \"Local volume requires node affinity\")";
                    self.report("invalid-value", &format!("{path}.node"), message, None);
                }
                _ => {}
            }
            let origin = match (&volume.provisioned_by, &volume.source) {
                (Some(name), _) => PvOrigin::Provisioned(name.clone()),
                (None, Some(raw::VolumeSource::Csi)) => PvOrigin::Csi,
                (None, Some(raw::VolumeSource::HostPath(_))) => PvOrigin::HostPath,
                (
                    None,
                    Some(raw::VolumeSource::Local | raw::VolumeSource::Nfs | raw::VolumeSource::InTree(_)),
                ) => PvOrigin::NoDeleter,
                (None, None) if volume.node.is_some() => PvOrigin::NoDeleter,
                (None, None) => PvOrigin::Csi,
            };
            out.push(PersistentVolumeConfig {
                origin,
                name: volume.name.clone(),
                capacity_bytes,
                storage_class_name: volume.storage_class_name.clone().unwrap_or_default(),
                reclaim_policy: match volume.persistent_volume_reclaim_policy {
                    Some(raw::ReclaimPolicy::Delete) => ReclaimPolicy::Delete,
                    Some(raw::ReclaimPolicy::Retain) | None => ReclaimPolicy::Retain,
                },
                access_modes,
                zone: zones.first().cloned(),
                other_zones: zones.iter().skip(1).cloned().collect(),
                node: volume.node.clone(),
                claim_ref: volume
                    .claim_ref
                    .as_ref()
                    .map(|c| ClaimRefConfig { name: c.name.clone(), uid: c.uid.clone() }),
                host_path: match &volume.source {
                    Some(raw::VolumeSource::HostPath(path)) => Some(path.clone()),
                    _ => None,
                },
            });
        }
        self.unique("persistent volume", &names);
        out
    }

    /// The zones of a volume's node affinity: its `zone`, or its `zones`
    /// (a regional volume's), each a zone of the cluster, none twice.
    fn volume_zones(&mut self, path: &str, volume: &raw::PersistentVolume, known: &[String]) -> Vec<String> {
        let listed: Vec<(String, &String)> = match (&volume.zone, &volume.zones) {
            (Some(_), Some(_)) => {
                let message = "Forbidden: give `zone` or `zones`, not both";
                let help = "`zones` lists every zone of a regional volume, the first included".to_string();
                self.report("invalid-value", &format!("{path}.zones"), message, Some(help));
                return Vec::new();
            }
            (Some(zone), None) => vec![(format!("{path}.zone"), zone)],
            (None, Some(zones)) if zones.is_empty() => {
                let message = "Required value: at least one zone; leave `zones` out for a volume of no zone";
                self.report("invalid-value", &format!("{path}.zones"), message, None);
                return Vec::new();
            }
            (None, Some(zones)) => {
                zones.iter().enumerate().map(|(k, z)| (format!("{path}.zones[{k}]"), z)).collect()
            }
            (None, None) => return Vec::new(),
        };
        let mut zones: Vec<String> = Vec::new();
        for (at, zone) in listed {
            if !known.contains(zone) {
                let message = format!("Not found: {zone:?}: the cluster has no such zone");
                let help = format!(
                    "the cluster's zones are: {}",
                    list_names(&known.iter().map(String::as_str).collect::<Vec<_>>())
                );
                self.report("unknown-reference", &at, message, Some(help));
            } else if zones.contains(zone) {
                self.report("invalid-value", &at, format!("Duplicate value: {zone:?}"), None);
            } else {
                zones.push(zone.clone());
            }
        }
        zones
    }

    pub(super) fn persistent_volume_claims(
        &mut self,
        claims: &[raw::PersistentVolumeClaim],
        cluster: &ClusterConfig,
    ) -> Vec<PersistentVolumeClaimConfig> {
        let default_class = cluster.storage_classes.iter().find(|c| c.is_default).map(|c| c.name.clone());
        let mut names = Vec::new();
        let mut out = Vec::new();
        for (i, claim) in claims.iter().enumerate() {
            let path = format!("persistentVolumeClaims[{i}]");
            self.dns_subdomain(&format!("{path}.name"), &claim.name);
            names.push((format!("{path}.name"), claim.name.as_str()));
            let request_bytes = self.size(&format!("{path}.storage"), &claim.storage);
            let access_modes =
                self.access_modes(&format!("{path}.accessModes"), claim.access_modes.as_deref());
            out.push(PersistentVolumeClaimConfig {
                name: claim.name.clone(),
                uid: claim.uid.clone(),
                labels: self.label_map(&format!("{path}.labels"), claim.labels.as_ref()).unwrap_or_default(),
                // The DefaultStorageClass admission plugin fills in the
                // default class when none is named; `""` asks for none.
                storage_class_name: match claim.storage_class_name.as_deref() {
                    None => default_class.clone(),
                    Some("") => None,
                    Some(name) => Some(name.to_string()),
                },
                request_bytes,
                access_modes,
                volume_name: claim.volume_name.clone(),
            });
        }
        self.unique("persistent volume claim", &names);
        out
    }
}
