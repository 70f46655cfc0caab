//! The report of a run: plain, resolved data for people and machines.
//!
//! Owns what a finished run says: a timeline of what happened to each
//! object (pods in the shape of `kubectl get pods -w`), the final pods,
//! claims, volumes, DNS records and StatefulSets, and the trace digest.
//! Everything is resolved to names, so a renderer needs nothing else.
//!
//! # JSON schema
//! `stsim run --json` prints a [`Report`] as JSON. Times are integers in
//! milliseconds since the start of the run (`*_ms` fields are named so);
//! every other field is as documented on its struct. Fields are only ever
//! added, never renamed, within a major version.
//!
//! Does not print anything: the CLI renders the report.

use crate::objects::*;
use crate::sim::Simulation;
use crate::trace::{Event, actor_name, owner_name};
use crate::world::World;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    /// When the run ended, in ms.
    pub ended_at_ms: u64,
    /// `horizon`, `stopped` or `quiescent`.
    pub end_reason: String,
    /// Events the engine handled.
    pub events: u64,
    /// Records in the trace.
    pub trace_records: usize,
    /// FNV-1a 64 of the trace's text form: equal digests, equal runs.
    pub trace_digest: String,
    pub timeline: Vec<TimelineRow>,
    /// Problems of the modelled cluster at the end of the run, explained.
    pub findings: Vec<crate::findings::Finding>,
    /// Each clustered application: when it was DEGRADED or BROKEN, and why.
    pub breakage: Vec<crate::apps::breakage::AppBreakage>,
    /// What storage cost, and which volumes are orphaned.
    pub storage: crate::cost::StorageCost,
    /// Node objects at the end of the run, and what their machines do.
    pub nodes: Vec<NodeRow>,
    /// PodDisruptionBudgets and their status at the end of the run.
    pub pod_disruption_budgets: Vec<PdbRow>,
    pub pods: Vec<PodRow>,
    pub pvcs: Vec<PvcRow>,
    pub pvs: Vec<PvRow>,
    pub dns: Vec<DnsRow>,
    pub statefulsets: Vec<StatefulSetRow>,
}

/// One change, as a watch would show it.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineRow {
    pub at_ms: u64,
    /// `pod`, `pvc`, `dns`, `statefulset` or `script`.
    pub kind: Cow<'static, str>,
    pub name: String,
    /// Who made the change (`statefulset-controller`, `kubelet/worker-1`, `user`, ...).
    pub actor: String,
    /// For pods, the state after the change, as `kubectl get pods -w` prints it.
    pub pod: Option<PodState>,
    /// What happened, in a few words.
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodState {
    /// `READY`: ready containers over containers, `0/1` or `1/1`.
    pub ready: Cow<'static, str>,
    /// `STATUS`: Pending, ContainerCreating, Running, Terminating, ...
    pub status: Cow<'static, str>,
    pub restarts: u32,
    pub ip: Option<String>,
    pub node: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeRow {
    pub name: String,
    /// `Ready`, `NotReady`, with `,SchedulingDisabled` when cordoned.
    pub status: String,
    pub zone: String,
    /// `key=value:Effect` of each taint.
    pub taints: Vec<String>,
    /// Live pods bound to the node.
    pub pods: usize,
    /// `running`, `crashed` or `partitioned`: the machine, which the API does not show.
    pub machine: String,
    /// Volumes attached to the node.
    pub volumes_attached: Vec<String>,
    pub age_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PdbRow {
    pub name: String,
    /// `minAvailable: N` or `maxUnavailable: N`.
    pub budget: String,
    pub status: crate::controllers::disruption::BudgetStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct PodRow {
    pub name: String,
    pub state: PodState,
    pub revision: String,
    pub age_ms: u64,
    /// The scheduler's message while the pod waits for a node.
    pub unschedulable: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PvcRow {
    pub name: String,
    /// `Pending`, `Bound` or `Lost`.
    pub status: String,
    pub volume: Option<String>,
    pub capacity_bytes: u64,
    pub access_modes: Vec<String>,
    pub storage_class: Option<String>,
    /// `Kind/name` of each owner reference.
    pub owners: Vec<String>,
    pub age_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PvRow {
    pub name: String,
    pub capacity_bytes: u64,
    pub reclaim_policy: String,
    pub status: String,
    /// `namespace/claim`.
    pub claim: Option<String>,
    pub storage_class: String,
    pub zone: Option<String>,
    pub age_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsRow {
    pub name: String,
    pub record_type: String,
    pub value: String,
    pub pod: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatefulSetRow {
    pub name: String,
    pub service_name: String,
    pub pod_management_policy: String,
    pub desired_replicas: u32,
    pub status: StatefulSetStatus,
}

/// `READY` of a one-container pod.
fn ready_column(ready: bool) -> Cow<'static, str> {
    Cow::Borrowed(if ready { "1/1" } else { "0/1" })
}

fn pod_state(world: &World, pod: &Pod) -> PodState {
    PodState {
        ready: ready_column(pod.status.ready),
        status: pod.display_status().to_string().into(),
        restarts: pod.status.restarts,
        ip: pod.status.pod_ip.map(|ip| ip.to_string()),
        node: pod.node.map(|n| world.node(n).name.clone()),
    }
}

/// Builds the report of a finished (or stopped) simulation.
pub fn build(sim: &Simulation) -> Report {
    build_with(sim, true)
}

/// The report without what a sweep does not read of each run: the
/// timeline, the trace digest and the tables of objects at the end (left
/// empty). Findings, breakage and storage are as in [`build`], so
/// expectations check the same way against it.
pub fn build_summary(sim: &Simulation) -> Report {
    build_with(sim, false)
}

fn build_with(sim: &Simulation, full: bool) -> Report {
    if !full {
        let world = &sim.world;
        let ended_at = sim.ended.map(|(at, _)| at).unwrap_or(sim.now());
        let reason = sim.ended.map(|(_, r)| r.as_str()).unwrap_or("running");
        return Report {
            scenario: sim.config.name.clone(),
            description: String::new(),
            seed: sim.config.seed,
            ended_at_ms: ended_at.as_millis(),
            end_reason: reason.to_string(),
            events: sim.events,
            trace_records: sim.trace.records.len(),
            trace_digest: String::new(),
            timeline: Vec::new(),
            findings: crate::findings::all(world, &sim.trace, ended_at),
            breakage: crate::apps::breakage::build(world, &sim.trace),
            storage: crate::cost::account(world, &sim.trace, ended_at),
            nodes: Vec::new(),
            pod_disruption_budgets: Vec::new(),
            pods: Vec::new(),
            pvcs: Vec::new(),
            pvs: Vec::new(),
            dns: Vec::new(),
            statefulsets: Vec::new(),
        };
    }
    let world = &sim.world;
    let (ended_at, reason) = sim.ended.map(|(at, r)| (at, r.as_str())).unwrap_or((sim.now(), "running"));
    let now = ended_at;
    let age = |created: crate::time::SimTime| now.since(created).as_millis();
    Report {
        scenario: sim.config.name.clone(),
        description: sim.config.description.clone(),
        seed: sim.config.seed,
        ended_at_ms: ended_at.as_millis(),
        end_reason: reason.to_string(),
        events: sim.events,
        trace_records: sim.trace.records.len(),
        trace_digest: sim.trace.digest(world),
        timeline: timeline(sim),
        findings: crate::findings::all(world, &sim.trace, ended_at),
        breakage: crate::apps::breakage::build(world, &sim.trace),
        storage: crate::cost::account(world, &sim.trace, ended_at),
        nodes: world
            .live_nodes()
            .map(|node| NodeRow {
                name: node.name.clone(),
                status: node.display_status(),
                zone: node.zone.clone(),
                taints: node.taints.iter().map(|t| t.taint.to_string()).collect(),
                pods: node.pods.len(),
                machine: node.machine.as_str().to_string(),
                volumes_attached: node.attached.iter().map(|pv| world.pv(*pv).name.clone()).collect(),
                age_ms: age(node.created_at),
            })
            .collect(),
        pod_disruption_budgets: world
            .pdbs
            .iter()
            .map(|pdb| PdbRow {
                name: pdb.name.clone(),
                budget: pdb.budget.to_string(),
                status: crate::controllers::disruption::status(world, pdb),
            })
            .collect(),
        pods: world
            .live_pods()
            .map(|pod| PodRow {
                name: pod.name.clone(),
                state: pod_state(world, pod),
                revision: pod.revision().to_string(),
                age_ms: age(pod.created_at),
                unschedulable: pod.status.unschedulable.clone(),
            })
            .collect(),
        pvcs: world
            .live_pvcs()
            .map(|pvc| PvcRow {
                name: pvc.name.clone(),
                status: match pvc.deletion_timestamp {
                    Some(_) => "Terminating".to_string(),
                    None => format!("{:?}", pvc.phase),
                },
                volume: pvc.volume.map(|pv| world.pv(pv).name.clone()),
                capacity_bytes: pvc.request_bytes,
                access_modes: pvc.access_modes.iter().map(|m| format!("{m:?}")).collect(),
                storage_class: pvc.storage_class_name.clone(),
                owners: pvc.owner_refs.iter().map(|o| owner_name(world, o)).collect(),
                age_ms: age(pvc.created_at),
            })
            .collect(),
        pvs: world
            .pvs
            .iter()
            .filter(|pv| pv.removed_at.is_none())
            .map(|pv| PvRow {
                name: pv.name.clone(),
                capacity_bytes: pv.capacity_bytes,
                reclaim_policy: format!("{:?}", pv.reclaim_policy),
                status: format!("{:?}", pv.phase),
                claim: pv.claim.map(|c| format!("{}/{}", world.namespace, world.pvc(c).name)),
                storage_class: pv.class_name.clone(),
                zone: pv.zone.clone(),
                age_ms: age(pv.created_at),
            })
            .collect(),
        dns: dns_in_name_order(world)
            .into_iter()
            .map(|(name, record)| DnsRow {
                name: name.clone(),
                record_type: "A".to_string(),
                value: record.ip.to_string(),
                pod: world.pod(record.pod).name.clone(),
            })
            .collect(),
        statefulsets: world
            .statefulsets
            .iter()
            .filter(|s| s.removed_at.is_none())
            .map(|set| StatefulSetRow {
                name: set.name.clone(),
                service_name: set.spec.service_name.clone(),
                pod_management_policy: format!("{:?}", set.spec.pod_management_policy),
                desired_replicas: set.spec.replicas,
                status: set.status.clone(),
            })
            .collect(),
    }
}

/// Replays the trace into watch rows. Pod rows carry the pod's state as it
/// was right after the change, which the replay keeps per pod.
fn timeline(sim: &Simulation) -> Vec<TimelineRow> {
    let world = &sim.world;
    let mut states: BTreeMap<PodId, PodState> = BTreeMap::new();
    // At most one row a record: reserved once rather than grown by copying.
    let mut rows = Vec::with_capacity(sim.trace.records.len());
    for record in &sim.trace.records {
        // Each record makes at most one row: the actor is named once and
        // moved into it (rows are built with an empty one).
        let actor = actor_name(world, record.actor);
        let mut pod_row = |id: PodId, what: String, change: &dyn Fn(&mut PodState)| {
            let state = states.entry(id).or_insert_with(|| PodState {
                ready: ready_column(false),
                status: Cow::Borrowed("Pending"),
                restarts: 0,
                ip: None,
                node: None,
            });
            change(state);
            TimelineRow {
                at_ms: record.at.as_millis(),
                kind: Cow::Borrowed("pod"),
                name: world.pod(id).name.clone(),
                actor: String::new(),
                pod: Some(state.clone()),
                what,
            }
        };
        let other = |kind: Cow<'static, str>, name: String, what: String| TimelineRow {
            at_ms: record.at.as_millis(),
            kind,
            name,
            actor: String::new(),
            pod: None,
            what,
        };
        let row = match &record.event {
            Event::Script { description, line } => {
                other(Cow::Borrowed("script"), format!("line {line}"), description.clone())
            }
            Event::NotFound { name } => other(Cow::Borrowed("script"), name.clone(), "not found".into()),
            Event::NodeAdded { node } => {
                let node = world.node(*node);
                other(
                    Cow::Borrowed("node"),
                    node.name.clone(),
                    format!("joined the cluster in {}", node.zone),
                )
            }
            Event::NodeRemoved { node } => {
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), "Node object deleted".into())
            }
            Event::NodeMachine { node, state } => {
                let what = match state {
                    Machine::Crashed => "the machine stopped: its containers are gone, its kubelet is silent",
                    Machine::Partitioned => {
                        "the machine is cut off from the control plane: its containers keep running"
                    }
                    Machine::Running => "the machine runs and reaches the control plane again",
                };
                other(Cow::Borrowed("machine"), world.node(*node).name.clone(), what.into())
            }
            Event::DomainOutage { key, value, state, nodes } => {
                let names: Vec<&str> = nodes.iter().map(|n| world.node(*n).name.as_str()).collect();
                let what = match state {
                    Machine::Crashed => "outage: its machines stop at once",
                    Machine::Partitioned => "outage: its machines are cut off together",
                    Machine::Running => "outage over: its machines come back",
                };
                other(
                    Cow::Borrowed("domain"),
                    format!("{key}={value}"),
                    format!("{what} ({})", names.join(", ")),
                )
            }
            Event::NodeCondition { node, status } => {
                let what = match status {
                    ConditionStatus::True => "Ready".to_string(),
                    ConditionStatus::Unknown => {
                        "NotReady: Ready is Unknown (\"Kubelet stopped posting node status.\")".to_string()
                    }
                    ConditionStatus::False => "NotReady: Ready is False".to_string(),
                };
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), what)
            }
            Event::NodeTaintAdded { node, taint } => {
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), format!("taint {taint} added"))
            }
            Event::NodeTaintRemoved { node, taint } => {
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), format!("taint {taint} removed"))
            }
            Event::NodeUnschedulable { node, unschedulable } => {
                let what = if *unschedulable { "cordoned (SchedulingDisabled)" } else { "uncordoned" };
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), what.into())
            }
            Event::NodeDrained { node } => {
                other(Cow::Borrowed("node"), world.node(*node).name.clone(), "drained: no pods left".into())
            }
            Event::PodEvicted { pod, reason, message } => {
                pod_row(*pod, format!("{reason}: {message}"), &|_| {})
            }
            Event::EvictionRefused { pod, message } => {
                pod_row(*pod, format!("eviction refused (429): {message}"), &|_| {})
            }
            Event::ContainerStopped { pod, node, reason } => other(
                Cow::Borrowed("container"),
                world.pod(*pod).name.clone(),
                format!("container on {} stopped: {reason}", world.node(*node).name),
            ),
            Event::IdentityDuplicated { sts, ordinal, pods } => {
                let copies: Vec<String> = pods
                    .iter()
                    .map(|p| {
                        let p = world.pod(*p);
                        let node = p.node.map(|n| world.node(n).name.clone()).unwrap_or_default();
                        format!("uid {} on {node}", p.uid.0)
                    })
                    .collect();
                other(
                    Cow::Borrowed("identity"),
                    pod_name(&world.sts(*sts).name, *ordinal),
                    format!("TWO COPIES RUNNING: {}", copies.join(" and ")),
                )
            }
            Event::IdentityRestored { sts, ordinal } => other(
                Cow::Borrowed("identity"),
                pod_name(&world.sts(*sts).name, *ordinal),
                "one copy running again".into(),
            ),
            Event::VolumeAttaching { pv, node } => other(
                Cow::Borrowed("pv"),
                world.pv(*pv).name.clone(),
                format!("attaching to {}", world.node(*node).name),
            ),
            Event::VolumeAttached { pv, node } => other(
                Cow::Borrowed("pv"),
                world.pv(*pv).name.clone(),
                format!("attached to {}", world.node(*node).name),
            ),
            Event::VolumeDetaching { pv, node, forced } => {
                let how = match forced {
                    None => String::new(),
                    Some(reason) => format!(" (forced: {reason}, without waiting for an unmount)"),
                };
                other(
                    Cow::Borrowed("pv"),
                    world.pv(*pv).name.clone(),
                    format!("detaching from {}{how}", world.node(*node).name),
                )
            }
            Event::VolumeDetached { pv, node } => other(
                Cow::Borrowed("pv"),
                world.pv(*pv).name.clone(),
                format!("detached from {}", world.node(*node).name),
            ),
            Event::VolumeMultiAttach { pod, message, .. } => {
                pod_row(*pod, format!("FailedAttachVolume: {message}"), &|_| {})
            }
            Event::PodCreated { pod, revision } => {
                pod_row(*pod, format!("created at revision {revision}"), &|_| {})
            }
            Event::PodCreateRejected { name } => other(
                Cow::Borrowed("pod"),
                name.clone(),
                "create refused: a pod with this name still exists (AlreadyExists)".into(),
            ),
            Event::PodUnschedulable { pod, message } => pod_row(*pod, message.clone(), &|_| {}),
            Event::PodRejected { pod, reason, message } => {
                pod_row(*pod, format!("rejected by the kubelet ({reason}): {message}"), &|_| {})
            }
            Event::PodScheduled { pod, node } => {
                let node = world.node(*node).name.clone();
                pod_row(*pod, format!("scheduled to {node}"), &|s| s.node = Some(node.clone()))
            }
            Event::PodStatus { pod, status, ip, restarts } => {
                let ip = ip.map(|ip| ip.to_string());
                pod_row(*pod, format!("now {status}"), &|s| {
                    s.status = Cow::Borrowed(*status);
                    s.ip = ip.clone();
                    s.restarts = *restarts;
                })
            }
            Event::PodReady { pod, ready } => {
                let what = if *ready { "became Ready" } else { "stopped being Ready" };
                pod_row(*pod, what.into(), &|s| s.ready = ready_column(*ready))
            }
            Event::PodDeleting { pod, grace } => {
                pod_row(*pod, format!("deleted gracefully ({grace} grace period)"), &|s| {
                    s.status = Cow::Borrowed("Terminating")
                })
            }
            Event::PodRemoved { pod, force } => {
                let what = if *force { "removed at once (not confirmed by its node)" } else { "removed" };
                pod_row(*pod, what.into(), &|s| s.ready = ready_column(false))
            }
            Event::PvcCreated { pvc } => {
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), "created (Pending)".into())
            }
            Event::PvcOwnersUpdated { pvc, owners } => {
                let owners: Vec<String> = owners.iter().map(|o| owner_name(world, o)).collect();
                let owners = if owners.is_empty() { "none".to_string() } else { owners.join(", ") };
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), format!("owners now {owners}"))
            }
            Event::PvcRemoved { pvc } => {
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), "removed".into())
            }
            Event::PvcBound { pvc, pv } => {
                let pv = world.pv(*pv);
                let zone = pv.zone.as_deref().map(|z| format!(" in {z}")).unwrap_or_default();
                other(
                    Cow::Borrowed("pvc"),
                    world.pvc(*pvc).name.clone(),
                    format!("Bound to {}{zone}", pv.name),
                )
            }
            Event::PvcSelectedNode { pvc, node } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                format!("waiting for first consumer: provisioning for {}", world.node(*node).name),
            ),
            Event::DnsAdded { name, ip } => {
                other(Cow::Borrowed("dns"), name.clone(), format!("A {ip} published"))
            }
            Event::DnsRemoved { name, ip } => {
                other(Cow::Borrowed("dns"), name.clone(), format!("A {ip} withdrawn"))
            }
            Event::StatefulSetUpdated { sts, change } => {
                other(Cow::Borrowed("statefulset"), world.sts(*sts).name.clone(), change.clone())
            }
            Event::StatefulSetUpdateRejected { sts, message } => other(
                Cow::Borrowed("statefulset"),
                world.sts(*sts).name.clone(),
                format!("update refused: {message}"),
            ),
            Event::StatefulSetScaled { sts, from, to } => other(
                Cow::Borrowed("statefulset"),
                world.sts(*sts).name.clone(),
                format!("replicas {from} -> {to}"),
            ),
            // Status and revisions are in the trace; the timeline shows their effects.
            Event::StatefulSetStatus { .. } | Event::RevisionCreated { .. } => continue,
            Event::PvcDeleting { pvc } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                "deleted, but a pod still uses it: kept until the pod is gone (pvc-protection)".into(),
            ),
            Event::PodPatched { pod, change } => pod_row(*pod, format!("edited: {change}"), &|_| {}),
            Event::PvcUpdateRejected { pvc, message } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                format!("update refused: {message}"),
            ),
            Event::PvcResizeRequested { pvc, bytes } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                format!("resize to {bytes} bytes asked"),
            ),
            Event::PvResized { pv, bytes } => {
                other(Cow::Borrowed("pv"), world.pv(*pv).name.clone(), format!("expanded to {bytes} bytes"))
            }
            Event::PodHeld { pod, finalizers } => {
                pod_row(*pod, format!("held by finalizers {}", finalizers.join(", ")), &|_| {})
            }
            Event::PvcHeld { pvc, finalizers } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                format!("deleted, held by finalizers {}", finalizers.join(", ")),
            ),
            Event::PvcPatched { pvc, change } => {
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), format!("edited: {change}"))
            }
            Event::PvcWaiting { pvc, reason, message } => other(
                Cow::Borrowed("pvc"),
                world.pvc(*pvc).name.clone(),
                format!("stays Pending: {reason}: {message}"),
            ),
            Event::PvcOrphaned { pvc, reason } => {
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), format!("orphaned: {reason}"))
            }
            Event::PvcInUse { pvc } => {
                other(Cow::Borrowed("pvc"), world.pvc(*pvc).name.clone(), "in use again".into())
            }
            Event::PvReleased { pv } => other(
                Cow::Borrowed("pv"),
                world.pv(*pv).name.clone(),
                "Released: its claim is gone, the disk is retained (and billed)".into(),
            ),
            Event::PvDeleted { pv } => {
                other(Cow::Borrowed("pv"), world.pv(*pv).name.clone(), "deleted with its disk".into())
            }
            Event::StatefulSetDeleted { sts, cascade } => other(
                Cow::Borrowed("statefulset"),
                world.sts(*sts).name.clone(),
                format!("deleted (cascade {})", format!("{cascade:?}").to_lowercase()),
            ),
            Event::StatefulSetCreated { sts } => {
                other(Cow::Borrowed("statefulset"), world.sts(*sts).name.clone(), "created".into())
            }
            Event::PodOrphaned { pod } => pod_row(*pod, "no longer owned by its StatefulSet".into(), &|_| {}),
            Event::OperatorFailed { message } => {
                other(Cow::Borrowed("operator"), actor.clone(), format!("failed: {message}"))
            }
            Event::ActionRefused { action, why } => {
                // A scripted action (a membership change) is the user's, not an operator's.
                let kind = if record.actor == crate::trace::Actor::User { "action" } else { "operator" };
                other(Cow::Borrowed(kind), actor.clone(), format!("{action} refused: {why}"))
            }
            Event::CustomResourceChanged { object, what, .. } => {
                let o = &world.custom.objects[*object as usize];
                other(world.custom.kinds[o.kind].kind.to_lowercase().into(), o.name.clone(), (*what).into())
            }
            Event::Annotated { object, keys } => {
                let o = crate::kube::render(world, *object);
                other(
                    crate::kube::kind_of(world, *object).to_lowercase().into(),
                    o["metadata"]["name"].as_str().unwrap_or("?").to_string(),
                    format!("annotated ({})", keys.join(", ")),
                )
            }
            Event::MetadataPatched { object, change } => {
                let shown = crate::kube::display(world, *object);
                let (kind, name) = shown.split_once('/').unwrap_or(("?", "?"));
                other(Cow::Owned(kind.to_string()), name.to_string(), format!("edited: {change}"))
            }
            Event::DeleteHeld { object, finalizers } => {
                let shown = crate::kube::display(world, *object);
                let (kind, name) = shown.split_once('/').unwrap_or(("?", "?"));
                other(
                    Cow::Owned(kind.to_string()),
                    name.to_string(),
                    format!("deleted, held by finalizers ({})", finalizers.join(", ")),
                )
            }
            Event::WriteRefused { action, code, message, .. } => other(
                Cow::Borrowed("operator"),
                actor.clone(),
                format!("{action} refused ({code}): {message}"),
            ),
            Event::OperatorRestarted { lost_actions } => other(
                Cow::Borrowed("operator"),
                actor.clone(),
                format!("restarted between two writes (injected fault); {lost_actions} action(s) lost"),
            ),
            Event::End { reason } => {
                other(Cow::Borrowed("run"), "end".into(), format!("run ended ({reason})"))
            }
            Event::ServiceCreated { service } => {
                other(Cow::Borrowed("service"), world.service(*service).name.clone(), "created".into())
            }
            Event::ServiceUpdated { service, change } => other(
                Cow::Borrowed("service"),
                world.service(*service).name.clone(),
                format!("changed: {change}"),
            ),
            Event::ServiceDeleted { service } => other(
                Cow::Borrowed("service"),
                world.service(*service).name.clone(),
                "deleted: the per-pod DNS records it published go with it".into(),
            ),
            Event::PodAdopted { pod, sts } => {
                pod_row(*pod, format!("adopted by StatefulSet {}", world.sts(*sts).name), &|_| {})
            }
            Event::DnsNegativeCached { name, until } => {
                other(Cow::Borrowed("dns"), name.clone(), format!("NXDOMAIN, cached until {until}"))
            }
            Event::AppMember { app, pod, what } => other(
                Cow::Borrowed("app"),
                world.apps.name(*app).to_string(),
                format!("{}: {what}", world.pod(*pod).name),
            ),
            Event::AppVerdict { app, verdict } => other(
                Cow::Borrowed("app"),
                world.apps.name(*app).to_string(),
                format!("{}: {}", verdict.health, verdict.reason),
            ),
        };
        rows.push(TimelineRow { actor, ..row });
    }
    rows
}

/// The DNS records, sorted by name (the store keeps them by hash).
fn dns_in_name_order(world: &World) -> Vec<(&String, &crate::world::DnsRecord)> {
    let mut records: Vec<_> = world.dns.iter().collect();
    records.sort_unstable_by(|a, b| a.0.cmp(b.0));
    records
}
