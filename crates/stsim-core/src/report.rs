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
use crate::trace::{Actor, Event, actor_parts, owner_name};
use crate::world::World;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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
    pub name: Text,
    /// Who made the change (`statefulset-controller`, `kubelet/worker-1`, `user`, ...).
    pub actor: Text,
    /// For pods, the state after the change, as `kubectl get pods -w` prints it.
    pub pod: Option<PodState>,
    /// What happened, in a few words.
    pub what: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodState {
    /// `READY`: ready containers over containers, `0/1` or `1/1`.
    pub ready: Cow<'static, str>,
    /// `STATUS`: Pending, ContainerCreating, Running, Terminating, ...
    pub status: Cow<'static, str>,
    pub restarts: u32,
    pub ip: Option<Text>,
    pub node: Option<Text>,
}

/// A string of the report: fixed, of its own, or shared by every row that
/// shows it (a pod's or a node's name: counted, not copied). Derefs,
/// compares, prints and serializes as the string it holds.
#[derive(Clone)]
pub enum Text {
    Static(&'static str),
    Owned(String),
    Shared(Arc<str>),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Static(text) => text,
            Text::Owned(text) => text,
            Text::Shared(text) => text,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// As the strings compare, whatever holds them.
impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl From<&'static str> for Text {
    fn from(text: &'static str) -> Text {
        Text::Static(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::Owned(text)
    }
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
    /// `running`, `crashed`, `partitioned`, or `shutdown` (off after a
    /// graceful node shutdown): the machine, which the API does not show.
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
    /// When (ms into the run) a container the RESTARTS column counts last
    /// terminated (kubectl's `lastRestartDate`, the latest
    /// `lastState.terminated.finishedAt`): kubectl prints `3 (5m ago)`.
    pub last_termination_ms: Option<u64>,
    /// The scheduler's message while the pod waits for a node.
    pub unschedulable: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PvcRow {
    pub name: String,
    /// `Pending`, `Bound` or `Lost`.
    pub status: String,
    pub volume: Option<String>,
    /// The bound volume's capacity (the claim's `status.capacity`), or
    /// the size asked for while the claim is unbound.
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

/// A pod's READY parts, as the kubelet last reported them: whether its
/// first container counts (running, and reported ready), how many of its
/// sidecars run, and whether each of its other regular containers counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ReadyParts {
    first: bool,
    sidecars_up: usize,
    /// Which sidecars (by position) have exited since they started and
    /// not started again, or have a readiness probe that has not passed
    /// since they last started: not counted among those up.
    sidecars_down: Vec<bool>,
    extras: Vec<bool>,
}

impl ReadyParts {
    /// Nothing counts (before the kubelet's first report, or after the
    /// pod); a sidecar with a readiness probe is not ready until a report
    /// says it passed.
    fn none(pod: &Pod) -> ReadyParts {
        let probed = |index: &usize| pod.init_containers[*index].readiness_probe.is_some();
        let sidecars_down = match pod.sidecars.iter().any(probed) {
            true => pod.sidecars.iter().map(probed).collect(),
            false => Vec::new(),
        };
        ReadyParts {
            first: false,
            sidecars_up: 0,
            sidecars_down,
            extras: vec![false; pod.extra_containers.len()],
        }
    }

    /// Whether a sidecar has exited and not started again.
    fn sidecar_down(&self) -> bool {
        self.sidecars_down.contains(&true)
    }

    /// `READY` as kubectl counts it (`printPod`): the regular containers
    /// the kubelet last reported running and ready, and the sidecars
    /// started and ready (a restartable init container counts; one without
    /// a readiness probe is ready once started, one with it once the probe
    /// has passed), over the regular containers and the sidecars.
    fn column(&self, sidecars: usize) -> Cow<'static, str> {
        if sidecars == 0 && self.extras.is_empty() {
            return ready_column(self.first);
        }
        let extras_up = self.extras.iter().filter(|up| **up).count();
        // The sidecars up are the first `sidecars_up` (those before the
        // init container the pod is at): one of them that exited is not;
        // one at or after it (held by its startup probe) was not counted.
        let down = self.sidecars_down.iter().take(self.sidecars_up).filter(|down| **down).count();
        let up = usize::from(self.first) + self.sidecars_up.saturating_sub(down) + extras_up;
        Cow::Owned(format!("{up}/{}", 1 + sidecars + self.extras.len()))
    }
}

/// How many of the pod's sidecars run, by its STATUS column: those before
/// the init container it is at, all of them once the init containers are
/// done, none before the sandbox or after the pod finished. A failing init
/// container's status (`Init:Error`) and `Terminating` leave the count as it
/// was (`unchanged`).
fn sidecars_up(pod: &Pod, status: StatusColumn, finished: bool, unchanged: usize) -> usize {
    if finished {
        return 0;
    }
    match status {
        StatusColumn::Init { done, .. } => pod.sidecars.iter().filter(|i| (**i as u32) < done).count(),
        StatusColumn::Reason("Terminating") => unchanged,
        StatusColumn::Reason(reason) if reason.starts_with("Init:") => unchanged,
        StatusColumn::Reason("Pending" | "ContainerCreating" | "Completed") => 0,
        StatusColumn::Reason(_) => pod.sidecars.len(),
    }
}

fn pod_state(world: &World, pod: &Pod) -> PodState {
    let counts = |state: ContainerState, ready: bool| ready && state == ContainerState::Running;
    let parts = ReadyParts {
        first: counts(pod.status.container, pod.status.container_ready),
        sidecars_up: sidecars_up(
            pod,
            pod.display_status(world.kubectl()),
            pod.is_terminal(),
            pod.sidecars.len(),
        ),
        sidecars_down: (pod.status.sidecar_failures.iter().zip(pod.sidecars.iter()))
            .map(|(failure, index)| failure.is_some() || pod.sidecar_unready(*index))
            .collect(),
        extras: pod.status.extras.iter().map(|extra| counts(extra.state, extra.ready)).collect(),
    };
    PodState {
        ready: parts.column(pod.sidecars.len()),
        status: status_text(pod.display_status(world.kubectl())),
        restarts: pod.restarts_column(),
        ip: pod.status.pod_ip.map(|ip| ip.to_string().into()),
        node: pod.node.map(|n| world.node(n).name.clone().into()),
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
                taints: node.taints.iter().map(|t| t.taint.pieces().concat()).collect(),
                pods: node.pods.len(),
                machine: match node.machine {
                    // Off, but by its kubelet's graceful shutdown, not a crash.
                    Machine::Crashed if node.shutting_down.is_some() => "shutdown".to_string(),
                    machine => machine.as_str().to_string(),
                },
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
                last_termination_ms: pod.last_restart_column().map(|at| at.as_millis()),
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
                // `status.capacity`, what `kubectl get pvc` shows: the bound
                // volume's (its driver may round the request up).
                capacity_bytes: pvc.volume.map_or(pvc.request_bytes, |pv| world.pv(pv).capacity_bytes),
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
                zone: pv.zones_text(),
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

/// Names the timeline shows on many rows (pods, nodes, volumes, claims,
/// kubelets), each written once and shared by its rows.
struct Names<'w> {
    world: &'w World,
    pods: Vec<Option<Arc<str>>>,
    nodes: Vec<Option<Arc<str>>>,
    pvcs: Vec<Option<Arc<str>>>,
    pvs: Vec<Option<Arc<str>>>,
    kubelets: Vec<Option<Arc<str>>>,
    machines: Vec<Option<Arc<str>>>,
    /// Each pod's last address and its text.
    ips: Vec<Option<(Ipv4, Arc<str>)>>,
    /// `now <status>` of each status seen.
    now: Vec<(StatusColumn, Arc<str>)>,
    /// `taint <taint> added` (`true`) or `removed` of each taint seen.
    taints: Vec<(crate::config::Taint, bool, Arc<str>)>,
    /// Each pod's state after the last change replayed.
    states: Vec<Option<PodState>>,
    /// Each pod's READY parts, as its kubelet last reported them.
    readiness: Vec<ReadyParts>,
}

/// The text in `slot`, made by `make` the first time.
fn shared(slots: &mut [Option<Arc<str>>], index: usize, make: impl FnOnce() -> Arc<str>) -> Text {
    Text::Shared(slots[index].get_or_insert_with(make).clone())
}

impl<'w> Names<'w> {
    fn new(world: &'w World) -> Names<'w> {
        Names {
            world,
            pods: vec![None; world.pods.len()],
            nodes: vec![None; world.nodes.len()],
            pvcs: vec![None; world.pvcs.len()],
            pvs: vec![None; world.pvs.len()],
            kubelets: vec![None; world.nodes.len()],
            machines: vec![None; world.nodes.len()],
            now: Vec::new(),
            ips: vec![None; world.pods.len()],
            taints: Vec::new(),
            states: vec![None; world.pods.len()],
            readiness: world.pods.iter().map(|pod| ReadyParts::none(pod)).collect(),
        }
    }
    /// The row of a change to pod `id`'s READY parts (`ReadyParts`), which
    /// `readiness` makes.
    fn readiness_row(
        &mut self,
        at_ms: u64,
        id: PodId,
        what: Text,
        readiness: impl FnOnce(&mut ReadyParts),
        change: &dyn Fn(&mut PodState),
    ) -> TimelineRow {
        let parts = &mut self.readiness[id.index()];
        readiness(parts);
        let ready = parts.column(self.world.pod(id).sidecars.len());
        self.pod_row(at_ms, id, what, &|s| {
            s.ready = ready.clone();
            change(s);
        })
    }
    /// The row of a change to pod `id`, which `change` makes to its state.
    fn pod_row(&mut self, at_ms: u64, id: PodId, what: Text, change: &dyn Fn(&mut PodState)) -> TimelineRow {
        let pod = self.world.pod(id);
        let state = self.states[id.index()].get_or_insert_with(|| PodState {
            ready: ReadyParts::none(pod).column(pod.sidecars.len()),
            status: Cow::Borrowed("Pending"),
            restarts: 0,
            ip: None,
            node: None,
        });
        change(state);
        let pod = Some(state.clone());
        TimelineRow {
            at_ms,
            kind: Cow::Borrowed("pod"),
            name: self.pod(id),
            actor: Text::Static(""),
            pod,
            what,
        }
    }
    fn pod(&mut self, id: PodId) -> Text {
        shared(&mut self.pods, id.index(), || self.world.pod(id).name.as_str().into())
    }
    fn node(&mut self, id: NodeId) -> Text {
        shared(&mut self.nodes, id.index(), || self.world.node(id).name.as_str().into())
    }
    fn pvc(&mut self, id: PvcId) -> Text {
        shared(&mut self.pvcs, id.index(), || self.world.pvc(id).name.as_str().into())
    }
    fn pv(&mut self, id: PvId) -> Text {
        shared(&mut self.pvs, id.index(), || self.world.pv(id).name.as_str().into())
    }
    /// An operator's row names it by its own name (the row's kind says
    /// `operator`); another actor's, by its full name.
    fn operator(&mut self, actor: Actor) -> Text {
        match actor {
            Actor::Operator(_) => cat(&[actor_parts(self.world, actor).1]),
            _ => self.actor(actor),
        }
    }
    fn actor(&mut self, actor: Actor) -> Text {
        let slots = match actor {
            Actor::Kubelet(node) => Some((&mut self.kubelets, node)),
            Actor::Machine(node) => Some((&mut self.machines, node)),
            _ => None,
        };
        let (kind, name) = actor_parts(self.world, actor);
        match slots {
            _ if name.is_empty() => Text::Static(kind),
            Some((slots, node)) => shared(slots, node.index(), || joined(&[kind, name]).into()),
            None => cat(&[kind, name]),
        }
    }
    /// `taint <taint> added` or `removed`.
    fn taint(&mut self, taint: &crate::config::Taint, added: bool) -> Text {
        // The cheap fields first: most taints seen differ from this one in
        // the effect or the direction, and a key is a long string.
        let same = |(t, a, _): &&(crate::config::Taint, bool, Arc<str>)| {
            *a == added && t.effect == taint.effect && t.key == taint.key && t.value == taint.value
        };
        if let Some((.., text)) = self.taints.iter().find(same) {
            return Text::Shared(text.clone());
        }
        let [a, b, c, d, e] = taint.pieces();
        let text: Arc<str> =
            joined(&["taint ", a, b, c, d, e, if added { " added" } else { " removed" }]).into();
        self.taints.push((taint.clone(), added, text.clone()));
        Text::Shared(text)
    }
    /// Pod `pod`'s address `ip`, written again only when it changes.
    fn ip(&mut self, pod: PodId, ip: Ipv4) -> Text {
        let slot = &mut self.ips[pod.index()];
        if let Some((known, text)) = slot
            && *known == ip
        {
            return Text::Shared(text.clone());
        }
        let mut text = String::with_capacity(15);
        ip.push_to(&mut text);
        let text: Arc<str> = text.into();
        *slot = Some((ip, text.clone()));
        Text::Shared(text)
    }
    /// `now <status>`.
    fn now(&mut self, status: StatusColumn) -> Text {
        if let Some((_, text)) = self.now.iter().find(|(s, _)| *s == status) {
            return Text::Shared(text.clone());
        }
        let mut text = String::from("now ");
        status.push_to(&mut text);
        let text: Arc<str> = text.into();
        self.now.push((status, text.clone()));
        Text::Shared(text)
    }
}

/// The STATUS column's text: borrowed when it is a word.
fn status_text(status: StatusColumn) -> Cow<'static, str> {
    match status.reason() {
        Some(reason) => Cow::Borrowed(reason),
        None => Cow::Owned(status.to_string()),
    }
}

/// `parts` written one after the other.
fn cat(parts: &[&str]) -> Text {
    Text::Owned(joined(parts))
}

/// `parts` written one after the other, in one allocation.
fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| text.push_str(part));
    text
}

/// Replays the trace into watch rows. Pod rows carry the pod's state as it
/// was right after the change, which the replay keeps per pod.
fn timeline(sim: &Simulation) -> Vec<TimelineRow> {
    let world = &sim.world;
    let mut names = Names::new(world);
    // At most one row a record: reserved once rather than grown by copying.
    let mut rows = Vec::with_capacity(sim.trace.records.len());
    for record in &sim.trace.records {
        let at_ms = record.at.as_millis();
        let other = |kind: &'static str, name: Text, what: Text| TimelineRow {
            at_ms,
            kind: Cow::Borrowed(kind),
            name,
            actor: Text::Static(""),
            pod: None,
            what,
        };
        let n = &mut names;
        let row = match &record.event {
            Event::Script { description, line } => {
                other("script", format!("line {line}").into(), description.clone().into())
            }
            Event::NotFound { name } => other("script", name.clone().into(), "not found".into()),
            Event::NodeAdded { node } if matches!(record.actor, Actor::Kubelet(_)) => {
                let what = "registered again by its kubelet: a new Node object, Ready and schedulable";
                other("node", n.node(*node), what.into())
            }
            Event::NodeAdded { node } => {
                let what = cat(&["joined the cluster in ", &world.node(*node).zone]);
                other("node", n.node(*node), what)
            }
            Event::NodeRemoved { node } => other("node", n.node(*node), "Node object deleted".into()),
            Event::NodeMachine { node, state } => {
                let what = match state {
                    Machine::Crashed => "the machine stopped: its containers are gone, its kubelet is silent",
                    Machine::Partitioned => {
                        "the machine is cut off from the control plane: its containers keep running"
                    }
                    Machine::Running => "the machine runs and reaches the control plane again",
                };
                other("machine", n.node(*node), what.into())
            }
            Event::NodeShuttingDown { node, pods_grace } if pods_grace.is_zero() => other(
                "machine",
                n.node(*node),
                "shut down without graceful node shutdown (its kubelet's shutdownGracePeriod is 0): the pods stop with the machine"
                    .into(),
            ),
            Event::NodeShuttingDown { node, pods_grace } => {
                let what = format!(
                    "shutting down: the kubelet reports the node NotReady (\"node is shutting down\") and stops its pods, each within {pods_grace}, before the machine powers off"
                );
                other("machine", n.node(*node), what.into())
            }
            Event::DomainOutage { key, value, state, nodes } => {
                let names: Vec<&str> = nodes.iter().map(|n| world.node(*n).name.as_str()).collect();
                let what = match state {
                    Machine::Crashed => "outage: its machines stop at once",
                    Machine::Partitioned => "outage: its machines are cut off together",
                    Machine::Running => "outage over: its machines come back",
                };
                other(
                    "domain",
                    format!("{key}={value}").into(),
                    format!("{what} ({})", names.join(", ")).into(),
                )
            }
            Event::NodeCondition { node, status } => {
                let what = match status {
                    ConditionStatus::True => "Ready",
                    ConditionStatus::Unknown => {
                        "NotReady: Ready is Unknown (\"Kubelet stopped posting node status.\")"
                    }
                    ConditionStatus::False => "NotReady: Ready is False",
                };
                other("node", n.node(*node), what.into())
            }
            Event::NodeTaintAdded { node, taint } => other("node", n.node(*node), n.taint(taint, true)),
            Event::NodeTaintRemoved { node, taint } => other("node", n.node(*node), n.taint(taint, false)),
            Event::NodeUnschedulable { node, unschedulable } => {
                let what = if *unschedulable { "cordoned (SchedulingDisabled)" } else { "uncordoned" };
                other("node", n.node(*node), what.into())
            }
            Event::NodeDrained { node } => other("node", n.node(*node), "drained: no pods left".into()),
            Event::NodeDrainAborted { node, left } => {
                other("node", n.node(*node), format!("drain aborted at its timeout: {left} pod(s) left").into())
            }
            Event::NodeDrainFailed { node, left } => other(
                "node",
                n.node(*node),
                format!("drain failed: an eviction error kubectl does not retry, {left} pod(s) left").into(),
            ),
            Event::PodEvicted { pod, reason, message } => {
                n.pod_row(at_ms, *pod, cat(&[reason, ": ", message]), &|_| {})
            }
            Event::EvictionRefused { pod, code, message } => {
                let what = cat(&["eviction refused (", &code.to_string(), "): ", message]);
                n.pod_row(at_ms, *pod, what, &|_| {})
            }
            Event::ContainerKilling { pod, node, probe, init } => {
                let container = match init {
                    Some(init) => {
                        let name = world.pod(*pod).init_containers.get(*init as usize).map_or("?", |c| c.name.as_str());
                        joined(&["sidecar ", name])
                    }
                    None => "container".to_string(),
                };
                let what = cat(&["the kubelet kills the ", &container, " on ", &world.node(*node).name, ": it failed its ", probe.as_str(), " probe"]);
                other("container", n.pod(*pod), what)
            }
            Event::ContainerStopped { pod, node, reason } => {
                let what = cat(&["container on ", &world.node(*node).name, " stopped: ", reason]);
                other("container", n.pod(*pod), what)
            }
            Event::IdentityDuplicated { sts, ordinal, pods } => {
                let copies: Vec<String> = pods
                    .iter()
                    .map(|p| {
                        let p = world.pod(*p);
                        let node = p.node.map(|n| world.node(n).name.clone()).unwrap_or_default();
                        format!("uid {} on {node}", p.uid.0)
                    })
                    .collect();
                let what = format!("TWO COPIES RUNNING: {}", copies.join(" and "));
                other("identity", pod_name(&world.sts(*sts).name, *ordinal).into(), what.into())
            }
            Event::IdentityRestored { sts, ordinal } => other(
                "identity",
                pod_name(&world.sts(*sts).name, *ordinal).into(),
                "one copy running again".into(),
            ),
            Event::VolumeAttaching { pv, node } => {
                other("pv", n.pv(*pv), cat(&["attaching to ", &world.node(*node).name]))
            }
            Event::VolumeAttached { pv, node } => {
                other("pv", n.pv(*pv), cat(&["attached to ", &world.node(*node).name]))
            }
            Event::VolumeDetaching { pv, node, forced } => {
                let what = match forced {
                    None => cat(&["detaching from ", &world.node(*node).name]),
                    Some(reason) => cat(&[
                        "detaching from ",
                        &world.node(*node).name,
                        " (forced: ",
                        reason,
                        ", without waiting for an unmount)",
                    ]),
                };
                other("pv", n.pv(*pv), what)
            }
            Event::VolumeDetached { pv, node } => {
                other("pv", n.pv(*pv), cat(&["detached from ", &world.node(*node).name]))
            }
            Event::VolumeMultiAttach { pod, message, .. } => {
                n.pod_row(at_ms, *pod, cat(&["FailedAttachVolume: ", message]), &|_| {})
            }
            Event::PodCreated { pod, revision } => {
                n.pod_row(at_ms, *pod, cat(&["created at revision ", revision]), &|_| {})
            }
            Event::PodCreateInvalid { name, message } => {
                other("pod", name.clone().into(), cat(&["create refused (Invalid): ", message]))
            }
            Event::PvcCreateInvalid { name, message } => {
                other("pvc", name.clone().into(), cat(&["create refused (Invalid): ", message]))
            }
            Event::PodCreateRejected { name } => other(
                "pod",
                name.clone().into(),
                "create refused: a pod with this name still exists (AlreadyExists)".into(),
            ),
            Event::PodUnschedulable { pod, message } => {
                n.pod_row(at_ms, *pod, message.clone().into(), &|_| {})
            }
            Event::PodRejected { pod, reason, message } => {
                n.pod_row(at_ms, *pod, cat(&["rejected by the kubelet (", reason, "): ", message]), &|_| {})
            }
            Event::PodSandboxFailed { pod, message } => n.pod_row(
                at_ms,
                *pod,
                cat(&["the kubelet cannot make its sandbox (FailedCreatePodSandBox): ", message]),
                &|_| {},
            ),
            Event::PodShutdown { pod } => n.pod_row(
                at_ms,
                *pod,
                "stopped by the kubelet for the node's shutdown: Failed (Terminated), \"Pod was terminated in response to imminent node shutdown.\"".into(),
                &|_| {},
            ),
            Event::PodScheduled { pod, node } => {
                let what = cat(&["scheduled to ", &world.node(*node).name]);
                let node = n.node(*node);
                n.pod_row(at_ms, *pod, what, &|s| s.node = Some(node.clone()))
            }
            Event::PodStatus { pod, status, ip, restarts } => {
                let shown = n.states[pod.index()].as_ref().map(|s| (s.status.clone(), s.ip.is_some()));
                let what = match shown {
                    // The column stays: the kubelet's status carries the
                    // new sandbox's address.
                    Some((was, false)) if ip.is_some() && was == status_text(*status) => {
                        Text::Static("its sandbox's address reported")
                    }
                    _ => n.now(*status),
                };
                let ip = ip.map(|ip| n.ip(*pod, ip));
                // kubectl counts only a running container: any other
                // status but Terminating (which hides the container's) or
                // a bare phase (pod GC's Failed, over a container never
                // reported stopped) means it is not running, whatever it
                // last reported.
                let running = matches!(status.reason(), Some("Running" | "Terminating" | "Failed" | "Succeeded"));
                let p = world.pod(*pod);
                let finished = p.history.phase_at(record.at).is_terminal();
                let status = *status;
                // (A pod with other regular containers has each one's
                // state reported on its own.)
                let one_container = p.extra_containers.is_empty();
                // (A sidecar's `Init:` reason over the container's while
                // it waits to restart says nothing of the container.)
                let sidecar = status.reason().is_some_and(|r| r.starts_with("Init:"));
                let readiness = |parts: &mut ReadyParts| {
                    parts.first &= running || !one_container || (sidecar && parts.sidecar_down());
                    parts.sidecars_up = sidecars_up(p, status, finished, parts.sidecars_up);
                };
                n.readiness_row(at_ms, *pod, what, readiness, &|s| {
                    s.status = status_text(status);
                    s.ip = ip.clone();
                    s.restarts = *restarts;
                })
            }
            // `MarkPodsNotReady` (the node lifecycle controller's only write
            // of Ready) sets the condition alone: READY counts the
            // containers the kubelet last reported ready, and stays.
            Event::PodReady { pod, ready: false } if record.actor == Actor::NodeLifecycleController => {
                let what = "stopped being Ready (node not Ready; READY is its kubelet's last report)";
                n.pod_row(at_ms, *pod, what.into(), &|_| {})
            }
            // A pod with other regular containers: the condition is all
            // of theirs, each reported on its own.
            Event::PodReady { pod, ready } if !world.pod(*pod).extra_containers.is_empty() => {
                let what = if *ready { "became Ready (all of its containers are)" } else { "stopped being Ready" };
                n.pod_row(at_ms, *pod, what.into(), &|_| {})
            }
            // The condition of a pod with one container is that container's
            // readiness, and its sidecars' (a sidecar down makes it False).
            Event::PodReady { pod, ready } => {
                let what = if *ready { "became Ready" } else { "stopped being Ready" };
                let readiness = |parts: &mut ReadyParts| {
                    if *ready || !parts.sidecar_down() {
                        parts.first = *ready;
                    }
                };
                n.readiness_row(at_ms, *pod, what.into(), readiness, &|_| {})
            }
            Event::SidecarStatus { pod, init, failure, started, unready } => {
                let p = world.pod(*pod);
                let position = p.sidecar_position(*init as usize).unwrap_or(0);
                let readiness = |parts: &mut ReadyParts| {
                    if parts.sidecars_down.len() <= position {
                        parts.sidecars_down.resize(position + 1, false);
                    }
                    parts.sidecars_down[position] = failure.is_some() || *unready;
                };
                let init = p.init_containers.get(*init as usize);
                let name = init.map_or("", |c| c.name.as_str());
                let probed = init.is_some_and(|c| c.startup_probe.is_some());
                let what = match failure {
                    // Held by its startup probe; or, without one, cleared
                    // for a new sandbox whose walk has not reached it.
                    None if !started && probed => {
                        cat(&["sidecar ", name, ": Running, not started (its startup probe has not passed)"])
                    }
                    None if !started => cat(&["sidecar ", name, ": not started"]),
                    None if *unready => {
                        cat(&["sidecar ", name, ": Running, not ready (its readiness probe fails)"])
                    }
                    None => cat(&["sidecar ", name, ": Running, ready"]),
                    Some(failure) => cat(&["sidecar ", name, ": ", failure.as_str(), ", not ready"]),
                };
                n.readiness_row(at_ms, *pod, what, readiness, &|_| {})
            }
            Event::ContainerStatus { pod, container, state, ready } => {
                let p = world.pod(*pod);
                let counts = *ready && *state == ContainerState::Running;
                let readiness = |parts: &mut ReadyParts| match (*container as usize).checked_sub(1) {
                    None => parts.first = counts,
                    Some(index) => parts.extras[index] = counts,
                };
                let ready = if *ready { "ready" } else { "not ready" };
                let what = cat(&[&p.container_label(*container), ": ", state.as_str(), ", ", ready]);
                n.readiness_row(at_ms, *pod, what, readiness, &|_| {})
            }
            Event::PodDeleting { pod, grace } => {
                let mut what = String::with_capacity(48);
                what.push_str("deleted gracefully (");
                grace.push_to(&mut what);
                what.push_str(" grace period)");
                n.pod_row(at_ms, *pod, what.into(), &|s| s.status = Cow::Borrowed("Terminating"))
            }
            // A forced removal deletes the object as it was: the watch's
            // last sight of it shows what its kubelet last reported.
            Event::PodRemoved { pod, force: true } => {
                n.pod_row(at_ms, *pod, "removed at once (not confirmed by its node)".into(), &|_| {})
            }
            Event::PodRemoved { pod, force: false } => {
                let none = ReadyParts::none(world.pod(*pod));
                n.readiness_row(at_ms, *pod, "removed".into(), |parts| *parts = none, &|_| {})
            }
            Event::PvcCreated { pvc } => other("pvc", n.pvc(*pvc), "created (Pending)".into()),
            Event::PvcOwnersUpdated { pvc, owners } => {
                let owners: Vec<String> = owners.iter().map(|o| owner_name(world, o)).collect();
                let owners = if owners.is_empty() { "none".to_string() } else { owners.join(", ") };
                other("pvc", n.pvc(*pvc), cat(&["owners now ", &owners]))
            }
            Event::PvcRemoved { pvc } => other("pvc", n.pvc(*pvc), "removed".into()),
            Event::PvcBound { pvc, pv } => {
                let pv = world.pv(*pv);
                let what = match (pv.zone.as_deref(), pv.other_zones.is_empty()) {
                    (Some(zone), true) => cat(&["Bound to ", &pv.name, " in ", zone]),
                    (Some(_), false) => cat(&["Bound to ", &pv.name, " in ", &pv.zones().collect::<Vec<_>>().join(",")]),
                    (None, _) => cat(&["Bound to ", &pv.name]),
                };
                other("pvc", n.pvc(*pvc), what)
            }
            Event::PvcSelectedNode { pvc, node } => {
                let what = cat(&["waiting for first consumer: provisioning for ", &world.node(*node).name]);
                other("pvc", n.pvc(*pvc), what)
            }
            Event::PvcNodeUnselected { pvc, node } => {
                let what = cat(&["selected node ", &world.node(*node).name, " gone: back to the scheduler"]);
                other("pvc", n.pvc(*pvc), what)
            }
            Event::DnsAdded { name, ip } => {
                let mut what = String::with_capacity(28);
                what.push_str("A ");
                ip.push_to(&mut what);
                what.push_str(" published");
                other("dns", name.clone().into(), what.into())
            }
            Event::DnsRemoved { name, ip } => {
                let mut what = String::with_capacity(28);
                what.push_str("A ");
                ip.push_to(&mut what);
                what.push_str(" withdrawn");
                other("dns", name.clone().into(), what.into())
            }
            Event::StatefulSetUpdated { sts, change } => {
                other("statefulset", world.sts(*sts).name.clone().into(), change.clone().into())
            }
            Event::StatefulSetUpdateRejected { sts, message } => {
                other("statefulset", world.sts(*sts).name.clone().into(), cat(&["update refused: ", message]))
            }
            Event::StatefulSetScaled { sts, from, to } => other(
                "statefulset",
                world.sts(*sts).name.clone().into(),
                format!("replicas {from} -> {to}").into(),
            ),
            Event::StatefulSetClaimStale { sts, claim, owner } => other(
                "statefulset",
                world.sts(*sts).name.clone().into(),
                format!(
                    "{} not created: claim {} still belongs to the earlier {} (stale)",
                    n.pod(*owner),
                    n.pvc(*claim),
                    n.pod(*owner)
                )
                .into(),
            ),
            Event::StatefulSetResync { sts } => {
                other("statefulset", world.sts(*sts).name.clone().into(), "synced again by the informer's resync".into())
            }
            // Status and revisions are in the trace; the timeline shows their effects.
            Event::StatefulSetStatus { .. } | Event::RevisionCreated { .. } => continue,
            Event::PvcDeleting { pvc } => other(
                "pvc",
                n.pvc(*pvc),
                "deleted, but a pod still uses it: kept until the pod is gone (pvc-protection)".into(),
            ),
            Event::PodPatched { pod, change } => n.pod_row(at_ms, *pod, cat(&["edited: ", change]), &|_| {}),
            Event::PvcUpdateRejected { pvc, message } => {
                other("pvc", n.pvc(*pvc), cat(&["update refused: ", message]))
            }
            Event::PvcResizeRequested { pvc, bytes } => {
                other("pvc", n.pvc(*pvc), format!("resize to {bytes} bytes asked").into())
            }
            Event::PvResized { pv, bytes } => {
                other("pv", n.pv(*pv), format!("expanded to {bytes} bytes").into())
            }
            Event::PodHeld { pod, finalizers } => {
                // The hold gave the pod a deletion timestamp: kubectl shows
                // it Terminating, but from 1.31 not a pod already finished,
                // whose finished status stays (`printPod`, k/k PR #122038).
                let finished = world.pod(*pod).history.phase_at(record.at).is_terminal();
                let what = cat(&["held by finalizers ", &finalizers.join(", ")]);
                if world.kubectl().shows_terminating(finished) {
                    n.pod_row(at_ms, *pod, what, &|s| s.status = Cow::Borrowed("Terminating"))
                } else {
                    n.pod_row(at_ms, *pod, what, &|_| {})
                }
            }
            Event::PvcHeld { pvc, finalizers } => {
                other("pvc", n.pvc(*pvc), cat(&["deleted, held by finalizers ", &finalizers.join(", ")]))
            }
            Event::PvcPatched { pvc, change } => other("pvc", n.pvc(*pvc), cat(&["edited: ", change])),
            Event::PvcWaiting { pvc, reason, message, .. } => {
                other("pvc", n.pvc(*pvc), cat(&["stays Pending: ", reason, ": ", message]))
            }
            Event::PvcOrphaned { pvc, reason } => other("pvc", n.pvc(*pvc), cat(&["orphaned: ", reason])),
            Event::PvcInUse { pvc } => other("pvc", n.pvc(*pvc), "in use again".into()),
            Event::PvReleased { pv } => {
                let volume = world.pv(*pv);
                let what = match volume.reclaim_policy {
                    crate::config::ReclaimPolicy::Retain => "Released: its claim is gone, the disk is retained (and billed)",
                    crate::config::ReclaimPolicy::Delete => match volume.deleter(world.features.honor_pv_reclaim_policy) {
                        crate::objects::Deleter::Found => {
                            "Released: its claim is gone; the disk is deleted once no node has it attached"
                        }
                        crate::objects::Deleter::NoneExternal => {
                            "Released: its claim is gone; reclaimPolicy Delete, but no provisioner made it, so none deletes the disk (kept, and billed)"
                        }
                        crate::objects::Deleter::Missing(_) => "Released: its claim is gone",
                    },
                };
                other("pv", n.pv(*pv), what.into())
            }
            Event::PvDeleted { pv } => other("pv", n.pv(*pv), "deleted with its disk".into()),
            Event::PvFailed { pv, message } => other("pv", n.pv(*pv), cat(&["Failed: ", message])),
            Event::StatefulSetDeleted { sts, cascade } => other(
                "statefulset",
                world.sts(*sts).name.clone().into(),
                format!("deleted (cascade {})", format!("{cascade:?}").to_lowercase()).into(),
            ),
            Event::StatefulSetCreated { sts } => {
                other("statefulset", world.sts(*sts).name.clone().into(), "created".into())
            }
            Event::PodOrphaned { pod } => {
                n.pod_row(at_ms, *pod, "no longer owned by its StatefulSet".into(), &|_| {})
            }
            Event::OperatorFailed { message } => {
                let actor = n.operator(record.actor);
                other("operator", actor, cat(&["failed: ", message]))
            }
            Event::ActionRefused { action, why } => {
                // A scripted action (a membership change) is the user's, not an operator's.
                let kind = if record.actor == Actor::User { "action" } else { "operator" };
                let actor = n.operator(record.actor);
                other(kind, actor, cat(&[action, " refused: ", why]))
            }
            Event::CustomResourceChanged { object, what, .. } => {
                let o = &world.custom.objects[*object as usize];
                TimelineRow {
                    kind: world.custom.kinds[o.kind].kind.to_lowercase().into(),
                    ..other("", o.name.clone().into(), Text::Static(what))
                }
            }
            Event::Annotated { object, keys } => {
                let o = crate::kube::render(world, *object);
                TimelineRow {
                    kind: crate::kube::kind_of(world, *object).to_lowercase().into(),
                    ..other(
                        "",
                        o["metadata"]["name"].as_str().unwrap_or("?").to_string().into(),
                        format!("annotated ({})", keys.join(", ")).into(),
                    )
                }
            }
            Event::MetadataPatched { object, change } => {
                let shown = crate::kube::display(world, *object);
                let (kind, name) = shown.split_once('/').unwrap_or(("?", "?"));
                TimelineRow {
                    kind: Cow::Owned(kind.to_string()),
                    ..other("", name.to_string().into(), cat(&["edited: ", change]))
                }
            }
            Event::DeleteHeld { object, finalizers } => {
                let shown = crate::kube::display(world, *object);
                let (kind, name) = shown.split_once('/').unwrap_or(("?", "?"));
                TimelineRow {
                    kind: Cow::Owned(kind.to_string()),
                    ..other(
                        "",
                        name.to_string().into(),
                        format!("deleted, held by finalizers ({})", finalizers.join(", ")).into(),
                    )
                }
            }
            Event::WriteWarned { action, warnings } => {
                let actor = n.operator(record.actor);
                other(
                    "operator",
                    actor,
                    format!("{action} taken with warnings: {}", warnings.join("; ")).into(),
                )
            }
            Event::WriteRefused { action, code, message, .. } => {
                let actor = n.operator(record.actor);
                other("operator", actor, format!("{action} refused ({code}): {message}").into())
            }
            Event::OperatorRestarted { lost_actions } => {
                let actor = n.operator(record.actor);
                let what =
                    format!("restarted between two writes (injected fault); {lost_actions} action(s) lost");
                other("operator", actor, what.into())
            }
            Event::End { reason } => other("run", "end".into(), cat(&["run ended (", reason, ")"])),
            Event::ServiceCreated { service } => {
                other("service", world.service(*service).name.clone().into(), "created".into())
            }
            Event::ServiceUpdated { service, change } => {
                other("service", world.service(*service).name.clone().into(), cat(&["changed: ", change]))
            }
            Event::ServiceDeleted { service } => other(
                "service",
                world.service(*service).name.clone().into(),
                "deleted: the per-pod DNS records it published go with it".into(),
            ),
            Event::PodAdopted { pod, sts } => {
                n.pod_row(at_ms, *pod, cat(&["adopted by StatefulSet ", &world.sts(*sts).name]), &|_| {})
            }
            // Not cached when CoreDNS leaves the cluster domain alone.
            Event::DnsNegativeCached { name, until } if until.as_millis() <= at_ms => {
                other("dns", name.clone().into(), "NXDOMAIN (not cached)".into())
            }
            Event::DnsNegativeCached { name, until } => {
                let mut what = String::from("NXDOMAIN, cached until ");
                until.push_to(&mut what);
                other("dns", name.clone().into(), what.into())
            }
            Event::AppMember { app, pod, what } => other(
                "app",
                world.apps.name(*app).to_string().into(),
                cat(&[&world.pod(*pod).name, ": ", what]),
            ),
            Event::AppVerdict { app, verdict } => other(
                "app",
                world.apps.name(*app).to_string().into(),
                format!("{}: {}", verdict.health, verdict.reason).into(),
            ),
        };
        rows.push(TimelineRow { actor: names.actor(record.actor), ..row });
    }
    rows
}

/// The DNS records, sorted by name (the store keeps them by hash).
fn dns_in_name_order(world: &World) -> Vec<(&String, &crate::world::DnsRecord)> {
    let mut records: Vec<_> = world.dns.iter().collect();
    records.sort_unstable_by(|a, b| a.0.cmp(b.0));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_behaves_as_its_string_whatever_holds_it() {
        let texts = [Text::Static("redis-0"), Text::Owned("redis-0".into()), Text::Shared("redis-0".into())];
        for text in &texts {
            assert_eq!(*text, "redis-0");
            assert_eq!(text, &texts[0]);
            assert_eq!(format!("[{text:<9}]"), "[redis-0  ]");
            assert_eq!(format!("{text:?}"), "\"redis-0\"");
            assert_eq!(serde_json::to_string(text).unwrap(), "\"redis-0\"");
        }
        assert_ne!(Text::Static("a"), Text::Shared("b".into()));
    }

    #[test]
    fn pod_rows_share_the_pods_name_and_the_kubelets() {
        let config = crate::fixtures::scenario(
            "report",
            1,
            3,
            crate::config::PodManagementPolicy::Parallel,
            crate::time::SimDuration::from_millis(600_000),
        );
        let mut sim = Simulation::new(config);
        sim.run();
        let report = build(&sim);
        let rows: Vec<&TimelineRow> = report.timeline.iter().filter(|r| r.name == "redis-0").collect();
        assert!(rows.len() > 3, "{rows:?}");
        assert!(rows.iter().all(|r| matches!(r.name, Text::Shared(_))));
        let kubelet = rows.iter().find(|r| r.actor.starts_with("kubelet/")).expect("a kubelet row");
        let node = kubelet.pod.as_ref().and_then(|p| p.node.as_deref()).expect("the pod's node");
        assert_eq!(kubelet.actor, format!("kubelet/{node}"));
        assert!(matches!(kubelet.actor, Text::Shared(_)));
        let running = rows.iter().find(|r| r.what == "now Running").expect("a Running row");
        assert!(running.pod.as_ref().is_some_and(|p| p.status == "Running" && p.ip.is_some()));
    }
}
