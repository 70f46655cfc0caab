//! Storage cost and orphaned volumes.
//!
//! Owns two things. During the run, [`check_usage`] marks each claim
//! orphaned the moment no pod uses it and no live StatefulSet would (a pod
//! that is only being replaced does not orphan its claim), saying why: a
//! scale-down, a deleted or renamed StatefulSet. The marks are stsim's own
//! bookkeeping, recorded as `Actor::CostReport`: no Kubernetes component
//! marks a claim, and a claim kept by a scale-down is kept so that a
//! scale-up mounts it again. After the run, [`account`]
//! prices every volume from its creation to its deletion, and the time it
//! spent orphaned (an unmounted claim, or a Released PV whose claim is
//! gone), in exact micro-dollars, in the spirit of OpenCost's unmounted
//! volumes and Kubecost's unclaimed volumes.
//!
//! Does not delete anything.

use crate::api::{Api, Change, Claims};
use crate::events::EventKey;
use crate::objects::*;
use crate::pricing::{Money, accrued};
use crate::time::SimTime;
use crate::trace::{Event, Kind, Trace};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why no pod uses a claim and no live StatefulSet wants it at its present
/// size, or `None` if it is in use or wanted.
fn orphan_reason(world: &World, claim: &Pvc) -> Option<String> {
    if !world.claim_users(&claim.name).is_empty() || claim.deletion_timestamp.is_some() {
        return None;
    }
    let ordinal = |set: &StatefulSet| {
        set.spec.volume_claim_templates.iter().find_map(|t| claim_ordinal(&claim.name, &t.name, &set.name))
    };
    let wanted =
        |set: &StatefulSet| set.removed_at.is_none() && ordinal(set).is_some_and(|o| set.in_range(o));
    let own = claim.statefulset.map(|s| world.sts(s));
    // The claim's own StatefulSet first; another live one of the same name
    // (a set deleted and created again) wants it too.
    if own.is_some_and(wanted) || world.statefulsets.iter().any(wanted) {
        return None;
    }
    Some(match own {
        Some(set) if set.removed_at.is_none() => {
            let ordinal = ordinal(set).unwrap_or(0);
            let pod = pod_name(&set.name, ordinal);
            let start = set.start_ordinal();
            if ordinal < start {
                format!(
                    "{}'s ordinals start at {start}, so no pod {pod} exists; \
                     ordinals that include {ordinal} again would mount it",
                    set.name
                )
            } else {
                let replicas =
                    |n: u32| if n == 1 { "1 replica".to_string() } else { format!("{n} replicas") };
                format!(
                    "{} has {}, so no pod {pod} exists; a scale-up to {} would mount it again",
                    set.name,
                    replicas(set.spec.replicas),
                    replicas((ordinal - start).saturating_add(1))
                )
            }
        }
        Some(set) => match set.renamed_to {
            Some(new) => {
                let new = &world.sts(new).name;
                let ordinal = ordinal(set).unwrap_or(0);
                let template =
                    set.spec.volume_claim_templates.iter().find(|t| claim.name.starts_with(&t.name));
                let new_claim = template.map(|t| claim_name(&t.name, new, ordinal)).unwrap_or_default();
                format!(
                    "StatefulSet {} was renamed to {new}, and {} uses a new claim, {new_claim}",
                    set.name,
                    pod_name(new, ordinal)
                )
            }
            None => format!("StatefulSet {} was deleted and its claims were retained", set.name),
        },
        None => "no pod uses it and no StatefulSet wants it".to_string(),
    })
}

/// The cost report's event handler (the simulation's watch, `sim::watch`,
/// calls it after the controllers'): a change to which pods use a claim,
/// or which StatefulSets would, has [`check_usage`] look again.
pub fn react(api: &mut Api, change: &Change) {
    if let Change::ClaimUsageChanged(claims) = change {
        match claims {
            Claims::These(claims) => api.world.dirty_claims.extend(claims.iter().copied()),
            Claims::All => api.world.all_claims_dirty = true,
        }
        api.wake(EventKey::VolumeUsage);
    }
}

/// Marks each claim that may have changed orphaned or in use, as it now is.
pub fn check_usage(api: &mut Api) {
    let all = std::mem::take(&mut api.world.all_claims_dirty);
    let dirty = std::mem::take(&mut api.world.dirty_claims);
    let world = api.world();
    let check = |claim: &Pvc| {
        let reason = orphan_reason(world, claim);
        (reason.is_some() != claim.orphaned.is_some()).then_some((claim.id, reason))
    };
    let changes: Vec<(PvcId, Option<String>)> = if all {
        world.live_pvcs().filter_map(check).collect()
    } else {
        dirty.iter().map(|id| world.pvc(*id)).filter(|c| c.exists()).filter_map(check).collect()
    };
    for (claim, reason) in changes {
        api.set_claim_orphaned(claim, reason);
    }
}

/// What one volume cost during the run.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeCost {
    pub pv: String,
    pub pvc: Option<String>,
    pub statefulset: Option<String>,
    pub size_bytes: u64,
    pub storage_class: String,
    pub zone: Option<String>,
    /// `Available`, `Bound`, `Released`, `Failed` or `Deleted`.
    pub status: String,
    pub created_ms: u64,
    pub deleted_ms: Option<u64>,
    /// What the volume costs per month while it exists.
    pub monthly: Money,
    /// What it cost from creation to deletion (or the end of the run).
    pub accrued: Money,
    /// The part of `accrued` while it was orphaned.
    pub accrued_while_orphaned: Money,
}

/// A volume that costs money and serves nobody at the end of the run.
#[derive(Debug, Clone, Serialize)]
pub struct OrphanedVolume {
    /// `UnmountedPVC` (a claim no pod uses), `ReleasedPV` (a volume whose
    /// claim is gone, kept by `Retain` or by no one able to delete it) or
    /// `FailedPV` (its `Delete` found nothing to delete it).
    pub kind: String,
    pub pvc: Option<String>,
    pub pv: String,
    pub size_bytes: u64,
    pub storage_class: String,
    pub orphaned_since_ms: u64,
    pub why: String,
    /// What it cost while orphaned, during the run.
    pub accrued_while_orphaned: Money,
    /// What it will cost per month from now on.
    pub monthly: Money,
    /// The command that would clean it up, or a `#` comment when there is
    /// nothing to do (a `Delete` volume its provisioner deletes once detached).
    pub cleanup: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatefulSetCost {
    pub statefulset: String,
    pub volumes: u32,
    pub accrued: Money,
    /// What its live volumes cost per month.
    pub monthly: Money,
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageCost {
    pub volumes: Vec<VolumeCost>,
    pub orphaned: Vec<OrphanedVolume>,
    pub per_statefulset: Vec<StatefulSetCost>,
    /// Every volume's cost over the run.
    pub total_accrued: Money,
    /// What volumes cost while orphaned, over the run.
    pub orphaned_accrued: Money,
    /// What the volumes orphaned at the end cost per month.
    pub orphaned_monthly: Money,
}

/// Time spent in intervals that open and close, up to `end`.
#[derive(Default)]
struct Intervals {
    open: Option<SimTime>,
    total_ms: u64,
    /// The closed intervals, for volumes whose size changed meanwhile.
    spans: Vec<(SimTime, SimTime)>,
}

impl Intervals {
    fn open(&mut self, at: SimTime) {
        self.open.get_or_insert(at);
    }
    fn close(&mut self, at: SimTime) {
        if let Some(start) = self.open.take() {
            self.total_ms += at.since(start).as_millis();
            self.spans.push((start, at));
        }
    }
    fn until(&self, end: SimTime) -> u64 {
        self.total_ms + self.open.map_or(0, |start| end.since(start).as_millis())
    }
    /// Every interval, the open one ended at `end`.
    fn spans_until(&self, end: SimTime) -> Vec<(SimTime, SimTime)> {
        let mut spans = self.spans.clone();
        spans.extend(self.open.map(|start| (start, end)));
        spans
    }
}

/// A volume's sizes over its life: `(from, to, bytes)`, in order.
fn size_segments(pv: &Pv, until: SimTime) -> Vec<(SimTime, SimTime, u64)> {
    let mut out = Vec::new();
    let mut start = pv.created_at;
    for (at, bytes) in &pv.resized {
        out.push((start, *at, *bytes));
        start = *at;
    }
    out.push((start, until, pv.capacity_bytes));
    out
}

/// What a resized volume accrued over `spans`, each size at its own price.
fn accrued_resized(
    pv: &Pv,
    pricing: &crate::pricing::Pricing,
    until: SimTime,
    spans: &[(SimTime, SimTime)],
) -> Money {
    let mut total = 0;
    for (from, to, bytes) in size_segments(pv, until) {
        let monthly = pricing.monthly(bytes, pv.iops, pv.throughput_mibps);
        let ms: u64 = spans
            .iter()
            .map(|(a, b)| {
                let (a, b) = ((*a).max(from), (*b).min(to));
                if b > a { b.since(a).as_millis() } else { 0 }
            })
            .sum();
        total += accrued(monthly, ms).micro_dollars();
    }
    Money(total)
}

/// Prices every volume of the run, ended at `end`.
pub fn account(world: &World, trace: &Trace, end: SimTime) -> StorageCost {
    // Orphaned time per claim, from the trace's records of those kinds.
    let mut orphaned: BTreeMap<PvcId, Intervals> = BTreeMap::new();
    let kinds = [Kind::PvcOrphaned, Kind::PvcInUse, Kind::PvcRemoved];
    for record in trace.records.of_kinds(&kinds) {
        match record.event {
            Event::PvcOrphaned { pvc, .. } => orphaned.entry(pvc).or_default().open(record.at),
            Event::PvcInUse { pvc } | Event::PvcRemoved { pvc } => {
                orphaned.entry(pvc).or_default().close(record.at)
            }
            _ => {}
        }
    }
    let mut volumes = Vec::new();
    let mut orphans = Vec::new();
    for pv in &world.pvs {
        let monthly = world.volume_monthly(pv);
        let until = pv.removed_at.unwrap_or(end);
        let claim = pv.claim.map(|c| world.pvc(c));
        let claim_orphaned_ms = pv.claim.and_then(|c| orphaned.get(&c)).map_or(0, |i| i.until(end));
        let released_ms = pv.released_at.map_or(0, |at| until.since(at).as_millis());
        let mut accrued_while_orphaned = accrued(monthly, claim_orphaned_ms + released_ms);
        let mut accrued_total = accrued(monthly, until.since(pv.created_at).as_millis());
        if !pv.resized.is_empty()
            && let Some(class) = pv.storage_class.map(|c| world.class(c))
        {
            // A volume expansion: each size is billed for its own time.
            let mut spans =
                pv.claim.and_then(|c| orphaned.get(&c)).map_or(Vec::new(), |i| i.spans_until(end));
            spans.extend(pv.released_at.map(|at| (at, until)));
            accrued_while_orphaned = accrued_resized(pv, &class.pricing, until, &spans);
            accrued_total = accrued_resized(pv, &class.pricing, until, &[(pv.created_at, until)]);
        }
        let status = match (pv.removed_at, pv.phase) {
            (Some(_), _) => "Deleted",
            (None, PvPhase::Released) => "Released",
            (None, PvPhase::Failed) => "Failed",
            (None, PvPhase::Available) => "Available",
            (None, PvPhase::Bound) => "Bound",
        };
        volumes.push(VolumeCost {
            pv: pv.name.clone(),
            pvc: claim.map(|c| c.name.clone()),
            statefulset: claim.and_then(|c| c.statefulset).map(|s| world.sts(s).name.clone()),
            size_bytes: pv.capacity_bytes,
            storage_class: pv.class_name.clone(),
            zone: pv.zones_text(),
            status: status.to_string(),
            created_ms: pv.created_at.as_millis(),
            deleted_ms: pv.removed_at.map(SimTime::as_millis),
            monthly,
            accrued: accrued_total,
            accrued_while_orphaned,
        });
        if pv.removed_at.is_some() {
            continue;
        }
        let claim_name = claim.map(|c| c.name.as_str()).unwrap_or("?");
        let deleter = pv.deleter(world.features.honor_pv_reclaim_policy);
        let orphan = match (pv.phase, claim) {
            (PvPhase::Failed, _) => Some((
                "FailedPV",
                pv.released_at.expect("a failed volume was released"),
                format!(
                    "its claim {claim_name} was deleted and reclaimPolicy Delete found nothing to delete the disk: {}",
                    match &deleter {
                        crate::objects::Deleter::Missing(message) => message.as_str(),
                        _ => "?",
                    }
                ),
                format!("kubectl delete pv {}   # then delete the disk by hand: nothing else will", pv.name),
            )),
            // No provisioner made it, and the external one deletes only its own.
            (PvPhase::Released, _) if pv.left_by_delete(world.features.honor_pv_reclaim_policy) => Some((
                "ReleasedPV",
                pv.released_at.expect("a released volume says when"),
                format!(
                    "its claim {claim_name} was deleted and its reclaimPolicy is Delete, but no provisioner made \
                         it (no pv.kubernetes.io/provisioned-by annotation), so none deletes the disk"
                ),
                format!("kubectl delete pv {}   # then delete the disk by hand: nothing else will", pv.name),
            )),
            // Billed until its provisioner can delete it: once detached.
            (PvPhase::Released, claim) if pv.reclaim_policy == crate::config::ReclaimPolicy::Delete => {
                let nodes: Vec<&str> =
                    pv.attachments.iter().map(|a| world.node(a.node).name.as_str()).collect();
                Some((
                    "ReleasedPV",
                    pv.released_at.expect("a released volume says when"),
                    format!(
                        "its claim {} was deleted and reclaimPolicy Delete deletes the disk, but not while it \
                         is attached (to {})",
                        claim.map(|c| c.name.as_str()).unwrap_or("?"),
                        nodes.join(", ")
                    ),
                    format!("# {}: nothing to do, its provisioner deletes it once it is detached", pv.name),
                ))
            }
            (PvPhase::Released, claim) => Some((
                "ReleasedPV",
                pv.released_at.expect("a released volume says when"),
                format!(
                    "its claim {} was deleted and {} reclaimPolicy Retain, so the disk is kept",
                    claim.map(|c| c.name.as_str()).unwrap_or("?"),
                    match pv.storage_class {
                        Some(_) => format!("the class {} has", pv.class_name),
                        None => format!("the volume {} has", pv.name),
                    }
                ),
                format!(
                    "kubectl delete pv {}   # then delete the disk in the cloud: Retain keeps it",
                    pv.name
                ),
            )),
            (_, Some(claim)) if claim.exists() => claim.orphaned.as_ref().map(|(since, why)| {
                ("UnmountedPVC", *since, why.clone(), format!("kubectl delete pvc {}", claim.name))
            }),
            _ => None,
        };
        if let Some((kind, since, why, cleanup)) = orphan {
            orphans.push(OrphanedVolume {
                kind: kind.to_string(),
                pvc: claim.filter(|c| c.exists()).map(|c| c.name.clone()),
                pv: pv.name.clone(),
                size_bytes: pv.capacity_bytes,
                storage_class: pv.class_name.clone(),
                orphaned_since_ms: since.as_millis(),
                why,
                accrued_while_orphaned,
                monthly,
                cleanup,
            });
        }
    }
    let mut per_set: BTreeMap<String, StatefulSetCost> = BTreeMap::new();
    for volume in &volumes {
        let Some(set) = &volume.statefulset else { continue };
        let entry = per_set.entry(set.clone()).or_insert(StatefulSetCost {
            statefulset: set.clone(),
            volumes: 0,
            accrued: Money::ZERO,
            monthly: Money::ZERO,
        });
        entry.volumes += 1;
        entry.accrued = entry.accrued + volume.accrued;
        if volume.status != "Deleted" {
            entry.monthly = entry.monthly + volume.monthly;
        }
    }
    StorageCost {
        total_accrued: volumes.iter().map(|v| v.accrued).sum(),
        orphaned_accrued: volumes.iter().map(|v| v.accrued_while_orphaned).sum(),
        orphaned_monthly: orphans.iter().map(|o| o.monthly).sum(),
        per_statefulset: per_set.into_values().collect(),
        volumes,
        orphaned: orphans,
    }
}
