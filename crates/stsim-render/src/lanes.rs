//! The run as lanes: what each pod identity, node, volume, DNS name and
//! application was doing over time, replayed from the typed trace records.
//!
//! Owns the replay and the aggregation that keeps a long run readable and
//! small (short spans merged to the picture's resolution, the quietest
//! lanes of a crowded group folded into one count lane, as its lanes
//! come). While replaying, a hover text is kept as what to word it from
//! (`Words`: most quote a trace record, which the run keeps anyway), and
//! worded lane by lane (`Wording`), so a run of millions of records is
//! replayed in a few tens of bytes a span. Knows no output format: `svg`
//! and `perfetto` draw what this builds.

use std::collections::{BTreeMap, BTreeSet};
use stsim_core::apps::Health;
use stsim_core::objects::{ConditionStatus, Machine, PodId, PvId, StatusColumn};
use stsim_core::report::Report;
use stsim_core::trace::{Actor, Event, Record, Records, render_into};
use stsim_core::world::World;

/// A stretch of time in one state. `T` is its hover text: written out
/// (`String`, what every picture reads), or, while a run is replayed,
/// [`Words`] to word it from when it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Span<T = String> {
    pub from_ms: u64,
    pub to_ms: u64,
    /// The state's CSS class (`ready`, `crashed`, `broken`, ...).
    pub class: &'static str,
    /// The state in a few words (`Ready`, `NotReady (Unknown)`).
    pub state: String,
    /// Where: the node of a pod, the node a volume is attached to.
    pub node: Option<String>,
    /// The hover text: the state and the trace record(s) that began it.
    pub title: T,
    /// How many states this span stands for (more than 1 once merged).
    pub merged: u32,
}

/// One instant worth marking: an action, a restart, an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark<T = String> {
    pub at_ms: u64,
    pub class: &'static str,
    pub title: T,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lane<T = String> {
    pub name: String,
    /// A short note after the name: nodes a pod ran on, restarts, cost.
    pub detail: String,
    pub spans: Vec<Span<T>>,
    /// Thin bars over the lane: two copies of an identity, cached NXDOMAIN.
    pub overlays: Vec<Span<T>>,
    pub marks: Vec<Mark<T>>,
}

impl<T> Default for Lane<T> {
    fn default() -> Lane<T> {
        Lane {
            name: String::new(),
            detail: String::new(),
            spans: Vec::new(),
            overlays: Vec::new(),
            marks: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group<T = String> {
    /// `apps`, `actions`, `pods`, `nodes`, `volumes`, `dns`.
    pub id: &'static str,
    pub title: String,
    pub lanes: Vec<Lane<T>>,
}

/// Every lane of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline<T = String> {
    pub end_ms: u64,
    pub groups: Vec<Group<T>>,
    /// The scripted actions, drawn across every lane.
    pub actions: Vec<Mark>,
}

/// The hover text of a span or mark while a run is replayed: what to word
/// it from once it is shown. Most hover texts quote the trace record that
/// began the state or made the mark, and a run keeps its records anyway,
/// so the replay of millions of them holds a few bytes each instead of
/// their words ([`Wording`] words them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Words {
    /// A state: `{lane}: {state}{ on node}\n{from} to {to} ({how long})\n{cause}`,
    /// then `note`.
    State { cause: Cause, note: Option<Box<str>> },
    /// An NXDOMAIN cached, by its record: `{name}: NXDOMAIN, cached by
    /// CoreDNS until {until}\n{cause}`.
    Nxdomain(usize),
    /// Two copies of an identity: `{lane}: two copies of this identity run
    /// at once\n{cause}`.
    Duplicate(Cause),
    /// A mark: its cause.
    Mark(Cause),
    /// A container's restart, by its record: `restart #{n}\n{cause}`.
    Restart(usize),
}

/// Why a state began or a mark was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cause {
    /// A node of the scenario's cluster, there from the start.
    Start,
    /// The trace record at this index: its time and words.
    Record(usize),
    /// An application's verdict, the record at this index: its time and
    /// words, then the verdict's cause chain and fix.
    Verdict(usize),
}

/// Words the hover texts of a replay ([`Words`]) from the run.
pub(crate) struct Wording<'a> {
    pub world: &'a World,
    pub records: &'a Records,
    pub end_ms: u64,
}

impl Wording<'_> {
    fn cause(&self, cause: Cause) -> String {
        let (Cause::Record(index) | Cause::Verdict(index)) = cause else {
            return "in the scenario's cluster from the start".to_string();
        };
        // invariant: a replay names only records of its own trace.
        let Some(record) = self.records.get(index) else { return String::new() };
        let text = record_text(self.world, record);
        let at = record.at.as_millis();
        let mut line =
            format!("{}  {}", ms(at), text.split_once("  ").map_or(text.as_str(), |(_, rest)| rest));
        if let (Cause::Verdict(_), Event::AppVerdict { verdict, .. }) = (cause, &record.event) {
            if !verdict.cause.is_empty() {
                line.push_str(&format!("\ncause: {}", verdict.cause.join(" -> ")));
            }
            if !verdict.fix.is_empty() {
                line.push_str(&format!("\nfix: {}", verdict.fix));
            }
        }
        line
    }

    /// The hover text of `span`, of the lane named `lane`.
    pub(crate) fn span(&self, lane: &str, span: &Span<Words>) -> String {
        match &span.title {
            Words::State { cause, note } => {
                let place = span.node.as_deref().map(|n| format!(" on {n}")).unwrap_or_default();
                format!(
                    "{lane}: {}{place}\n{} to {} ({})\n{}{}",
                    span.state,
                    ms(span.from_ms),
                    ms(span.to_ms),
                    stsim_core::time::SimDuration::from_millis(span.to_ms - span.from_ms),
                    self.cause(*cause),
                    note.as_deref().unwrap_or_default()
                )
            }
            Words::Nxdomain(index) => {
                let (name, until) = match self.records.get(*index).map(|r| &r.event) {
                    Some(Event::DnsNegativeCached { name, until }) => (name.as_str(), until.as_millis()),
                    _ => (lane, span.to_ms),
                };
                let cause = self.cause(Cause::Record(*index));
                format!("{name}: NXDOMAIN, cached by CoreDNS until {}\n{cause}", ms(until.min(self.end_ms)))
            }
            Words::Duplicate(cause) => {
                format!("{lane}: two copies of this identity run at once\n{}", self.cause(*cause))
            }
            Words::Mark(cause) => self.cause(*cause),
            Words::Restart(index) => self.restart(*index),
        }
    }

    /// The hover text of `mark`.
    pub(crate) fn mark(&self, mark: &Mark<Words>) -> String {
        match &mark.title {
            Words::Restart(index) => self.restart(*index),
            // Marks are made of causes and restarts only.
            Words::Mark(cause) | Words::State { cause, .. } | Words::Duplicate(cause) => self.cause(*cause),
            Words::Nxdomain(index) => self.cause(Cause::Record(*index)),
        }
    }

    fn restart(&self, index: usize) -> String {
        let restarts = match self.records.get(index).map(|r| &r.event) {
            Some(Event::PodStatus { restarts, .. }) => *restarts,
            _ => 0,
        };
        format!("restart #{restarts}\n{}", self.cause(Cause::Record(index)))
    }

    /// `lane` with its hover texts worded.
    fn lane(&self, lane: Lane<Words>) -> Lane {
        let name = lane.name;
        let span = |span: Span<Words>| Span {
            title: self.span(&name, &span),
            from_ms: span.from_ms,
            to_ms: span.to_ms,
            class: span.class,
            state: span.state,
            node: span.node,
            merged: span.merged,
        };
        let spans = lane.spans.into_iter().map(span).collect();
        let overlays = lane.overlays.into_iter().map(span).collect();
        let marks = (lane.marks.into_iter())
            .map(|mark| Mark { title: self.mark(&mark), at_ms: mark.at_ms, class: mark.class })
            .collect();
        Lane { name, detail: lane.detail, spans, overlays, marks }
    }
}

/// How much detail to keep.
#[derive(Debug, Clone, Copy)]
pub struct Detail {
    /// Spans shorter than this are merged with their neighbours (0: keep all).
    pub min_span_ms: u64,
    /// Lanes a group shows before folding the rest into a count lane (0: no limit).
    pub max_lanes: usize,
    /// Marks kept per lane within one `min_span_ms` window (0: keep all).
    pub marks_per_window: usize,
    /// The most spans and marks in all (0: no limit): past it, spans merge
    /// over windows twice as long, and again, until they fit.
    pub max_elements: usize,
}

impl Detail {
    /// Everything, for a trace viewer.
    pub const FULL: Detail = Detail { min_span_ms: 0, max_lanes: 0, marks_per_window: 0, max_elements: 0 };

    /// For a picture `width` pixels wide of a run `end_ms` long: nothing
    /// shorter than two pixels on its own, at most 40 lanes a group and
    /// 4,000 spans and marks (about 1.6 MB of SVG with their hover text).
    pub fn picture(end_ms: u64, width: u64) -> Detail {
        Detail {
            min_span_ms: (end_ms / width.max(1)) * 2,
            max_lanes: 40,
            marks_per_window: 1,
            max_elements: 4000,
        }
    }
}

/// Replays the trace into lanes.
pub fn build(world: &World, records: &Records, report: &Report, detail: Detail) -> Timeline {
    let replayed = replay(world, records, report);
    let end_ms = replayed.end_ms;
    let wording = Wording { world, records, end_ms };
    // Each lane worded and merged to the detail in turn, and a crowded
    // group folded as its lanes come: only the lanes kept are held worded.
    let groups = (replayed.groups.into_iter())
        .map(|group| {
            let lanes = group.lanes.into_iter().map(|lane| {
                let mut lane = wording.lane(lane);
                compact(&mut lane, detail);
                lane
            });
            let lanes = match detail.max_lanes {
                0 => lanes.collect(),
                _ => fold(group.id, lanes, detail, end_ms),
            };
            Group { id: group.id, title: group.title, lanes }
        })
        .collect();
    let mut timeline = Timeline { end_ms, groups, actions: replayed.actions };
    let mut coarser = detail;
    while detail.max_elements > 0 && elements(&timeline) > detail.max_elements && coarser.min_span_ms < end_ms
    {
        coarser.min_span_ms = (coarser.min_span_ms * 2).max(1);
        for lane in timeline.groups.iter_mut().flat_map(|g| g.lanes.iter_mut()) {
            compact(lane, coarser);
        }
    }
    timeline
}

/// The lanes of the trace as replayed, their hover texts still to be
/// worded ([`Wording`]): every span and mark, unmerged.
pub(crate) fn replay(world: &World, records: &Records, report: &Report) -> Timeline<Words> {
    let end_ms = report.ended_at_ms.max(records.last().map_or(0, |r| r.at.as_millis()));
    let mut replay = Replay::new(world, report, end_ms);
    for (index, record) in records.iter().enumerate() {
        replay.record(index, record);
    }
    replay.finish()
}

/// Spans, overlays and marks of every lane.
pub fn elements(timeline: &Timeline) -> usize {
    timeline
        .groups
        .iter()
        .flat_map(|g| &g.lanes)
        .map(|l| l.spans.len() + l.overlays.len() + l.marks.len())
        .sum()
}

/// The trace record in its text form, one line, for hover text.
pub fn record_text(world: &World, record: &Record) -> String {
    let mut line = String::new();
    render_into(&mut line, world, record);
    line.replace('\t', "  ")
}

/// `text` cut to at most `chars` characters, with an ellipsis.
fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars - 1).collect::<String>())
    }
}

fn ms(at: u64) -> String {
    stsim_core::time::SimTime::from_millis(at).to_string()
}

/// One lane's current state while replaying.
struct Open {
    from_ms: u64,
    class: &'static str,
    state: String,
    node: Option<String>,
    cause: Cause,
}

#[derive(Default)]
struct LaneBuilder {
    lane: Lane<Words>,
    open: Option<Open>,
}

impl LaneBuilder {
    /// The lane enters a state (or leaves every state, with `None`) at `at`.
    fn set(&mut self, at: u64, next: Option<(&'static str, String, Option<String>)>, cause: Cause) {
        if let (Some(open), Some((class, state, node))) = (&self.open, &next)
            && open.class == *class
            && open.state == *state
            && open.node == *node
        {
            return;
        }
        self.close(at);
        if let Some((class, state, node)) = next {
            self.open = Some(Open { from_ms: at, class, state, node, cause });
        }
    }

    fn close(&mut self, at: u64) {
        if let Some(open) = self.open.take()
            && at > open.from_ms
        {
            self.lane.spans.push(Span {
                from_ms: open.from_ms,
                to_ms: at,
                class: open.class,
                state: open.state,
                node: open.node,
                title: Words::State { cause: open.cause, note: None },
                merged: 1,
            });
        }
    }

    fn mark(&mut self, at: u64, class: &'static str, title: Words) {
        self.lane.marks.push(Mark { at_ms: at, class, title });
    }
}

#[derive(Clone)]
struct PodState {
    status: StatusColumn,
    ready: bool,
    deleting: bool,
    node: Option<String>,
    restarts: u32,
}

impl PodState {
    fn class_and_state(&self) -> (&'static str, String) {
        if self.deleting {
            return ("terminating", "Terminating".into());
        }
        let Some(reason) = self.status.reason() else {
            // `Init:<n>/<all>`: the init containers run.
            return ("creating", self.status.to_string());
        };
        match reason {
            "Running" if self.ready => ("ready", "Running, Ready".into()),
            "Running" => ("running", "Running, not Ready".into()),
            "Pending" => ("pending", "Pending".into()),
            "ContainerCreating" | "PodInitializing" => ("creating", reason.into()),
            "Completed" => ("completed", "Completed".into()),
            "Terminating" => ("terminating", "Terminating".into()),
            other => ("failed", other.to_string()),
        }
    }
}

#[derive(Clone)]
struct NodeState {
    machine: Machine,
    condition: ConditionStatus,
    cordoned: bool,
    /// Its kubelet is shutting it down gracefully (until it runs again).
    shutting_down: bool,
}

impl NodeState {
    fn class_and_state(&self) -> (&'static str, String) {
        let api = match self.condition {
            ConditionStatus::True => "Ready",
            ConditionStatus::False => "NotReady (False)",
            ConditionStatus::Unknown => "NotReady (Unknown)",
        };
        let cordon = if self.cordoned { ", cordoned" } else { "" };
        match self.machine {
            // Off as a crash is, drawn alike; the words say it was planned.
            Machine::Crashed if self.shutting_down => {
                ("crashed", format!("machine shut down (graceful node shutdown); API says {api}{cordon}"))
            }
            Machine::Crashed => ("crashed", format!("machine crashed; API says {api}{cordon}")),
            Machine::Partitioned => ("partitioned", format!("machine partitioned; API says {api}{cordon}")),
            Machine::Running if self.condition != ConditionStatus::True => {
                ("notready", format!("{api}{cordon}"))
            }
            Machine::Running if self.cordoned => ("cordoned", "Ready, cordoned (SchedulingDisabled)".into()),
            Machine::Running => ("node-ready", "Ready".into()),
        }
    }
}

#[derive(Clone, Default)]
struct VolumeState {
    attached: BTreeSet<String>,
    attaching: BTreeSet<String>,
    detaching: BTreeSet<String>,
    orphaned: Option<String>,
    released: bool,
    /// Its `Delete` found nothing to delete the disk.
    failed: bool,
}

impl VolumeState {
    fn class_and_state(&self) -> (&'static str, String, Option<String>) {
        let nodes = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
        if self.failed {
            return ("released", "Failed: nothing deletes the disk, still billed".into(), None);
        }
        if self.released {
            return ("released", "Released: claim gone, disk retained and billed".into(), None);
        }
        let attach = if self.attached.len() > 1 {
            Some(("multi", format!("attached to {} nodes", self.attached.len()), Some(nodes(&self.attached))))
        } else if !self.attaching.is_empty() {
            Some(("attaching", "attaching".into(), Some(nodes(&self.attaching))))
        } else if !self.detaching.is_empty() {
            Some(("detaching", "detaching".into(), Some(nodes(&self.detaching))))
        } else if !self.attached.is_empty() {
            Some(("attached", "attached".into(), Some(nodes(&self.attached))))
        } else {
            None
        };
        if let Some(why) = &self.orphaned {
            let node = attach.and_then(|a| a.2);
            return ("orphaned", format!("orphaned ({why})"), node);
        }
        attach.unwrap_or(("bound", "bound, not attached".into(), None))
    }
}

struct Replay<'a> {
    world: &'a World,
    report: &'a Report,
    end_ms: u64,
    pods: BTreeMap<String, LaneBuilder>,
    pod_states: BTreeMap<PodId, PodState>,
    pod_nodes: BTreeMap<String, BTreeSet<String>>,
    pod_restarts: BTreeMap<String, u32>,
    duplicated: BTreeMap<String, (u64, Cause)>,
    nodes: BTreeMap<String, LaneBuilder>,
    node_states: BTreeMap<String, NodeState>,
    volumes: BTreeMap<String, LaneBuilder>,
    volume_states: BTreeMap<PvId, VolumeState>,
    pvc_volume: BTreeMap<usize, PvId>,
    dns: BTreeMap<String, LaneBuilder>,
    apps: BTreeMap<String, LaneBuilder>,
    operators: BTreeMap<String, LaneBuilder>,
    actions: Vec<Mark>,
}

impl<'a> Replay<'a> {
    fn new(world: &'a World, report: &'a Report, end_ms: u64) -> Replay<'a> {
        let mut replay = Replay {
            world,
            report,
            end_ms,
            pods: BTreeMap::new(),
            pod_states: BTreeMap::new(),
            pod_nodes: BTreeMap::new(),
            pod_restarts: BTreeMap::new(),
            duplicated: BTreeMap::new(),
            nodes: BTreeMap::new(),
            node_states: BTreeMap::new(),
            volumes: BTreeMap::new(),
            volume_states: BTreeMap::new(),
            pvc_volume: BTreeMap::new(),
            dns: BTreeMap::new(),
            apps: BTreeMap::new(),
            operators: BTreeMap::new(),
            actions: Vec::new(),
        };
        // Nodes of the config exist from their creation without a record.
        for node in &world.nodes {
            let state = NodeState {
                machine: Machine::Running,
                condition: ConditionStatus::True,
                cordoned: false,
                shutting_down: false,
            };
            let (class, text) = state.class_and_state();
            let lane = replay.nodes.entry(node.name.clone()).or_default();
            lane.lane.name = node.name.clone();
            lane.lane.detail = node.zone.clone();
            lane.set(node.first_created_at().as_millis(), Some((class, text, None)), Cause::Start);
            replay.node_states.insert(node.name.clone(), state);
        }
        replay
    }

    fn pod_lane(&mut self, name: &str) -> &mut LaneBuilder {
        let lane = self.pods.entry(name.to_string()).or_default();
        lane.lane.name = name.to_string();
        lane
    }

    fn update_pod(&mut self, at: u64, id: PodId, cause: Cause, change: impl FnOnce(&mut PodState)) {
        let name = self.world.pod(id).name.clone();
        // Only a pod object between its creation and its removal has a
        // state; a record about one already removed (its name may belong to
        // a successor by then) changes nothing here.
        let Some(state) = self.pod_states.get_mut(&id) else { return };
        change(state);
        let state = state.clone();
        if let Some(node) = &state.node {
            self.pod_nodes.entry(name.clone()).or_default().insert(node.clone());
        }
        let (class, text) = state.class_and_state();
        self.pod_lane(&name).set(at, Some((class, text, state.node.clone())), cause);
    }

    fn node_lane(&mut self, at: u64, name: &str, cause: Cause, change: impl FnOnce(&mut NodeState)) {
        let state = self.node_states.entry(name.to_string()).or_insert(NodeState {
            machine: Machine::Running,
            condition: ConditionStatus::True,
            cordoned: false,
            shutting_down: false,
        });
        change(state);
        let (class, text) = state.class_and_state();
        let lane = self.nodes.entry(name.to_string()).or_default();
        lane.lane.name = name.to_string();
        lane.set(at, Some((class, text, None)), cause);
    }

    fn volume(&mut self, at: u64, pv: PvId, cause: Cause, change: impl FnOnce(&mut VolumeState)) {
        let state = self.volume_states.entry(pv).or_default();
        change(state);
        let (class, text, node) = state.class_and_state();
        let name = self.world.pv(pv).name.clone();
        let lane = self.volumes.entry(name.clone()).or_default();
        lane.lane.name = name;
        lane.set(at, Some((class, text, node)), cause);
    }

    fn volume_mark(&mut self, at: u64, pv: PvId, class: &'static str, title: Words) {
        let name = self.world.pv(pv).name.clone();
        let lane = self.volumes.entry(name.clone()).or_default();
        lane.lane.name = name;
        lane.mark(at, class, title);
    }

    fn record(&mut self, index: usize, record: &Record) {
        let world = self.world;
        let at = record.at.as_millis();
        let cause = Cause::Record(index);
        if let Actor::Operator(_) = record.actor {
            let name = stsim_core::trace::actor_name(world, record.actor);
            let lane = self.operators.entry(name.clone()).or_default();
            lane.lane.name = name;
            lane.mark(at, "operator", Words::Mark(cause));
        }
        match &record.event {
            Event::Script { description, .. } => {
                self.actions.push(Mark {
                    at_ms: at,
                    class: "action",
                    title: format!("{}: {description}", ms(at)),
                });
            }
            Event::NodeAdded { node } => {
                let node = world.node(*node);
                self.nodes.entry(node.name.clone()).or_default().lane.detail = node.zone.clone();
                // A Node registered again is a new object: Ready, not cordoned.
                self.node_lane(at, &node.name.clone(), cause, |s| {
                    s.condition = ConditionStatus::True;
                    s.cordoned = false;
                });
            }
            Event::NodeRemoved { node } => {
                let name = world.node(*node).name.clone();
                if let Some(lane) = self.nodes.get_mut(&name) {
                    lane.set(at, None, cause);
                    lane.mark(at, "removed", Words::Mark(cause));
                }
            }
            Event::NodeMachine { node, state } => {
                let state = *state;
                self.node_lane(at, &world.node(*node).name.clone(), cause, |s| {
                    s.machine = state;
                    s.shutting_down &= state != Machine::Running;
                })
            }
            Event::NodeShuttingDown { node, pods_grace } if !pods_grace.is_zero() => {
                self.node_lane(at, &world.node(*node).name.clone(), cause, |s| s.shutting_down = true)
            }
            Event::NodeCondition { node, status } => {
                let status = *status;
                self.node_lane(at, &world.node(*node).name.clone(), cause, |s| s.condition = status)
            }
            Event::NodeUnschedulable { node, unschedulable } => {
                let cordoned = *unschedulable;
                self.node_lane(at, &world.node(*node).name.clone(), cause, |s| s.cordoned = cordoned)
            }
            Event::NodeTaintAdded { node, .. } | Event::NodeTaintRemoved { node, .. } => {
                let name = world.node(*node).name.clone();
                self.nodes.entry(name).or_default().mark(at, "taint", Words::Mark(cause));
            }
            Event::NodeDrained { node } => {
                let name = world.node(*node).name.clone();
                self.nodes.entry(name).or_default().mark(at, "drained", Words::Mark(cause));
            }
            Event::NodeDrainAborted { node, .. } => {
                let name = world.node(*node).name.clone();
                self.nodes.entry(name).or_default().mark(at, "drain aborted", Words::Mark(cause));
            }
            Event::NodeDrainFailed { node, .. } => {
                let name = world.node(*node).name.clone();
                self.nodes.entry(name).or_default().mark(at, "drain failed", Words::Mark(cause));
            }
            Event::PodCreated { pod, .. } => {
                self.pod_states.insert(
                    *pod,
                    PodState {
                        status: StatusColumn::Reason("Pending"),
                        ready: false,
                        deleting: false,
                        node: None,
                        restarts: 0,
                    },
                );
                self.update_pod(at, *pod, cause, |_| {});
            }
            Event::PodScheduled { pod, node } => {
                let node = world.node(*node).name.clone();
                self.update_pod(at, *pod, cause, |s| s.node = Some(node));
            }
            Event::PodStatus { pod, status, restarts, .. } => {
                let name = world.pod(*pod).name.clone();
                let before = self.pod_states.get(pod).map_or(0, |s| s.restarts);
                if *restarts > before {
                    self.pod_lane(&name).mark(at, "restart", Words::Restart(index));
                    *self.pod_restarts.entry(name.clone()).or_default() += restarts - before;
                }
                let (status, restarts) = (*status, *restarts);
                self.update_pod(at, *pod, cause, |s| {
                    s.status = status;
                    s.restarts = restarts;
                });
            }
            Event::PodReady { pod, ready } => {
                let ready = *ready;
                self.update_pod(at, *pod, cause, |s| s.ready = ready);
            }
            Event::PodDeleting { pod, .. } => self.update_pod(at, *pod, cause, |s| s.deleting = true),
            Event::PodRemoved { pod, .. } => {
                self.pod_states.remove(pod);
                let name = world.pod(*pod).name.clone();
                self.pod_lane(&name).set(at, None, cause);
            }
            Event::PodEvicted { pod, .. }
            | Event::EvictionRefused { pod, .. }
            | Event::PodUnschedulable { pod, .. } => {
                let name = world.pod(*pod).name.clone();
                let class =
                    if matches!(record.event, Event::PodEvicted { .. }) { "evicted" } else { "warning" };
                self.pod_lane(&name).mark(at, class, Words::Mark(cause));
            }
            Event::VolumeMultiAttach { pod, pv, .. } => {
                let name = world.pod(*pod).name.clone();
                self.pod_lane(&name).mark(at, "error", Words::Mark(cause));
                self.volume_mark(at, *pv, "error", Words::Mark(cause));
            }
            Event::ContainerKilling { pod, .. } | Event::ContainerStopped { pod, .. } => {
                let name = world.pod(*pod).name.clone();
                self.pod_lane(&name).mark(at, "warning", Words::Mark(cause));
            }
            Event::IdentityDuplicated { sts, ordinal, .. } => {
                let name = stsim_core::objects::pod_name(&world.sts(*sts).name, *ordinal);
                self.duplicated.entry(name.clone()).or_insert((at, cause));
                self.pod_lane(&name).mark(at, "error", Words::Mark(cause));
            }
            Event::IdentityRestored { sts, ordinal } => {
                let name = stsim_core::objects::pod_name(&world.sts(*sts).name, *ordinal);
                if let Some((from, why)) = self.duplicated.remove(&name) {
                    self.push_duplicate(&name, from, at, why);
                }
            }
            Event::PvcBound { pvc, pv } => {
                self.pvc_volume.insert(pvc.index(), *pv);
                self.volume(at, *pv, cause, |_| {});
            }
            Event::VolumeAttaching { pv, node } => {
                let node = world.node(*node).name.clone();
                self.volume(at, *pv, cause, |s| {
                    s.detaching.remove(&node);
                    s.attaching.insert(node);
                });
            }
            Event::VolumeAttached { pv, node } => {
                let node = world.node(*node).name.clone();
                self.volume(at, *pv, cause, |s| {
                    s.attaching.remove(&node);
                    s.attached.insert(node);
                });
            }
            Event::VolumeDetaching { pv, node, .. } => {
                let node = world.node(*node).name.clone();
                self.volume(at, *pv, cause, |s| {
                    s.attached.remove(&node);
                    s.attaching.remove(&node);
                    s.detaching.insert(node);
                });
            }
            Event::VolumeDetached { pv, node } => {
                let node = world.node(*node).name.clone();
                self.volume(at, *pv, cause, |s| {
                    s.attached.remove(&node);
                    s.attaching.remove(&node);
                    s.detaching.remove(&node);
                });
            }
            Event::PvcOrphaned { pvc, reason } => {
                if let Some(pv) = self.claim_volume(pvc.index()) {
                    let reason = reason.clone();
                    self.volume(at, pv, cause, |s| s.orphaned = Some(reason));
                }
            }
            Event::PvcInUse { pvc } => {
                if let Some(pv) = self.claim_volume(pvc.index()) {
                    self.volume(at, pv, cause, |s| s.orphaned = None);
                }
            }
            Event::PvReleased { pv } => self.volume(at, *pv, cause, |s| s.released = true),
            Event::PvFailed { pv, .. } => self.volume(at, *pv, cause, |s| s.failed = true),
            Event::PvDeleted { pv } => {
                let name = world.pv(*pv).name.clone();
                if let Some(lane) = self.volumes.get_mut(&name) {
                    lane.set(at, None, cause);
                    lane.mark(at, "removed", Words::Mark(cause));
                }
            }
            Event::DnsAdded { name, ip } => {
                let lane = self.dns_lane(name);
                lane.set(at, Some(("dns", format!("A {ip}"), None)), cause);
            }
            Event::DnsRemoved { name, .. } => {
                let lane = self.dns_lane(name);
                lane.set(at, None, cause);
                lane.mark(at, "removed", Words::Mark(cause));
            }
            Event::DnsNegativeCached { name, until } => {
                let until = until.as_millis().min(self.end_ms);
                let lane = self.dns_lane(name);
                lane.lane.overlays.push(Span {
                    from_ms: at,
                    to_ms: until.max(at + 1),
                    class: "nxdomain",
                    state: "NXDOMAIN cached".into(),
                    node: None,
                    title: Words::Nxdomain(index),
                    merged: 1,
                });
            }
            Event::AppVerdict { app, verdict } => {
                let name = world.apps.name(*app).to_string();
                let lane = self.apps.entry(name.clone()).or_default();
                lane.lane.name = name;
                let class = match verdict.health {
                    Health::Forming => "forming",
                    Health::Healthy => "healthy",
                    Health::Degraded => "degraded",
                    Health::Broken => "broken",
                };
                let why = Cause::Verdict(index);
                lane.set(at, Some((class, format!("{}: {}", verdict.health, verdict.reason), None)), why);
            }
            Event::AppMember { app, .. } => {
                let name = world.apps.name(*app).to_string();
                let lane = self.apps.entry(name.clone()).or_default();
                lane.lane.name = name;
                lane.mark(at, "member", Words::Mark(cause));
            }
            _ => {}
        }
    }

    fn claim_volume(&self, pvc: usize) -> Option<PvId> {
        self.pvc_volume.get(&pvc).copied().or_else(|| self.world.pvcs.get(pvc).and_then(|c| c.volume))
    }

    fn dns_lane(&mut self, name: &str) -> &mut LaneBuilder {
        let lane = self.dns.entry(name.to_string()).or_default();
        lane.lane.name = name.to_string();
        lane
    }

    fn push_duplicate(&mut self, name: &str, from: u64, to: u64, why: Cause) {
        let lane = self.pod_lane(name);
        lane.lane.overlays.push(Span {
            from_ms: from,
            to_ms: to.max(from + 1),
            class: "duplicate",
            state: "TWO COPIES RUNNING".into(),
            node: None,
            title: Words::Duplicate(why),
            merged: 1,
        });
    }

    fn finish(mut self) -> Timeline<Words> {
        let end = self.end_ms;
        for (name, (from, why)) in std::mem::take(&mut self.duplicated) {
            self.push_duplicate(&name, from, end, why);
        }
        let close = |lanes: BTreeMap<String, LaneBuilder>| -> Vec<Lane<Words>> {
            lanes
                .into_values()
                .map(|mut b| {
                    b.close(end);
                    b.lane
                })
                .filter(|l| !l.spans.is_empty() || !l.marks.is_empty() || !l.overlays.is_empty())
                .collect()
        };
        let mut pods = close(std::mem::take(&mut self.pods));
        for lane in &mut pods {
            let nodes: Vec<String> = self.pod_nodes.get(&lane.name).into_iter().flatten().cloned().collect();
            let mut detail = Vec::new();
            if !nodes.is_empty() {
                detail.push(format!("on {}", nodes.join(", ")));
            }
            match self.pod_restarts.get(&lane.name).copied().unwrap_or(0) {
                0 => {}
                1 => detail.push("1 restart".into()),
                n => detail.push(format!("{n} restarts")),
            }
            lane.detail = detail.join(" · ");
        }
        let mut volumes = close(std::mem::take(&mut self.volumes));
        for lane in &mut volumes {
            let storage = &self.report.storage;
            if let Some(volume) = storage.volumes.iter().find(|v| v.pv == lane.name) {
                lane.detail = volume.pvc.clone().unwrap_or_default();
            }
            if let Some(orphan) = storage.orphaned.iter().find(|o| o.pv == lane.name) {
                lane.detail = format!("ORPHANED {}/month", orphan.monthly);
                let note = format!(
                    "\ncost while orphaned during the run: {}; from now on: {} a month",
                    orphan.accrued_while_orphaned, orphan.monthly
                );
                for span in lane.spans.iter_mut().filter(|s| s.class == "orphaned" || s.class == "released") {
                    if let Words::State { note: kept, .. } = &mut span.title {
                        *kept = Some(note.as_str().into());
                    }
                }
            }
        }
        let mut groups = Vec::new();
        let apps = close(std::mem::take(&mut self.apps));
        if !apps.is_empty() {
            groups.push(Group { id: "apps", title: "Application verdict".into(), lanes: apps });
        }
        groups.push(Group { id: "pods", title: "Pods (one lane per identity)".into(), lanes: pods });
        groups.push(Group {
            id: "nodes",
            title: "Nodes".into(),
            lanes: close(std::mem::take(&mut self.nodes)),
        });
        groups.push(Group { id: "volumes", title: "Volumes".into(), lanes: volumes });
        let dns = close(std::mem::take(&mut self.dns));
        if !dns.is_empty() {
            groups.push(Group { id: "dns", title: "DNS records".into(), lanes: dns });
        }
        let operators = close(std::mem::take(&mut self.operators));
        if !operators.is_empty() {
            groups.push(Group { id: "operators", title: "Operators".into(), lanes: operators });
        }
        groups.retain(|g| !g.lanes.is_empty());
        Timeline { end_ms: end, groups, actions: self.actions }
    }
}

/// How bad a state is, for choosing what a merged span shows.
pub fn severity(class: &str) -> u8 {
    match class {
        "broken" | "crashed" | "failed" | "multi" | "released" | "duplicate" | "nxdomain" => 5,
        "orphaned" | "partitioned" | "notready" | "degraded" | "terminating" => 4,
        "cordoned" | "creating" | "attaching" | "detaching" | "running" => 3,
        "pending" | "forming" => 2,
        _ => 1,
    }
}

/// Merges runs of spans shorter than `min_span_ms` into one span showing
/// the worst state of the run, and thins marks to a few per window.
fn compact(lane: &mut Lane, detail: Detail) {
    let min = detail.min_span_ms;
    if min > 0 && lane.spans.len() > 1 {
        let mut out: Vec<Span> = Vec::new();
        let mut run: Vec<Span> = Vec::new();
        let flush = |run: &mut Vec<Span>, out: &mut Vec<Span>| match run.len() {
            0 => {}
            1 => out.push(run.pop().expect("one span")),
            n => {
                let worst =
                    run.iter().max_by_key(|s| (severity(s.class), s.to_ms - s.from_ms)).expect("a span");
                let mut states: Vec<&str> = Vec::new();
                for span in run.iter() {
                    if !states.contains(&span.state.as_str()) {
                        states.push(&span.state);
                    }
                }
                let (from, to) = (run[0].from_ms, run[n - 1].to_ms);
                let merged: u32 = run.iter().map(|s| s.merged).sum();
                out.push(Span {
                        merged,
                        from_ms: from,
                        to_ms: to,
                        class: worst.class,
                        state: worst.state.clone(),
                        node: worst.node.clone(),
                        title: format!(
                            "{}: {merged} states from {} to {} (details: zoom in, or the --perfetto trace)\nsuch as: {}\nworst: {}{}",
                            lane.name,
                            ms(from),
                            ms(to),
                            states.iter().take(6).map(|s| cut(s, 60)).collect::<Vec<_>>().join(", "),
                            cut(&worst.state, 120),
                            worst.node.as_deref().map(|n| format!(" on {n}")).unwrap_or_default()
                        ),
                    });
                run.clear();
            }
        };
        for span in std::mem::take(&mut lane.spans) {
            let contiguous = run.last().is_none_or(|last| last.to_ms == span.from_ms);
            if !contiguous {
                flush(&mut run, &mut out);
            }
            if span.to_ms - span.from_ms < min {
                run.push(span);
            } else {
                // A long span absorbs a lone short neighbour only by ending a run.
                flush(&mut run, &mut out);
                out.push(span);
            }
        }
        flush(&mut run, &mut out);
        lane.spans = out;
    }
    if min > 0 && lane.overlays.len() > 1 {
        compact_overlays(lane, min);
    }
    if min > 0 && detail.marks_per_window > 0 && lane.marks.len() > 1 {
        let mut out: Vec<Mark> = Vec::new();
        let mut hidden = 0usize;
        for mark in std::mem::take(&mut lane.marks) {
            let window = mark.at_ms / min.max(1);
            let same = out.iter().rev().take_while(|m| m.at_ms / min.max(1) == window).count();
            if same < detail.marks_per_window {
                if hidden > 0 {
                    if let Some(last) = out.last_mut() {
                        last.title.push_str(&format!("\n(and {hidden} more nearby)"));
                    }
                    hidden = 0;
                }
                out.push(mark);
            } else {
                hidden += 1;
                if let Some(last) = out.last_mut()
                    && severity(mark.class) > severity(last.class)
                {
                    last.class = mark.class;
                }
            }
        }
        if hidden > 0
            && let Some(last) = out.last_mut()
        {
            last.title.push_str(&format!("\n(and {hidden} more nearby)"));
        }
        lane.marks = out;
    }
}

/// Merges runs of overlays of one kind shorter than `min_span_ms`, each
/// less than that after the one before (or overlapping it), into one: a
/// name looked up again and again while it does not resolve has its
/// NXDOMAIN cached anew every 30 s for as long as the lookups go on,
/// tens of thousands of times in a month.
fn compact_overlays(lane: &mut Lane, min: u64) {
    let short = |span: &Span| span.to_ms - span.from_ms < min;
    let mut out: Vec<Span> = Vec::new();
    for overlay in std::mem::take(&mut lane.overlays) {
        match out.last_mut() {
            Some(last)
                if last.class == overlay.class
                    && short(&overlay)
                    && (last.merged > 1 || short(last))
                    && overlay.from_ms < last.to_ms.saturating_add(min) =>
            {
                let merged = last.merged.saturating_add(overlay.merged);
                if last.merged == 1 {
                    // The first one's own words stay, after the summary.
                    last.title = format!("\nfirst: {}", cut(&last.title, 200));
                } else if let Some(first) = last.title.find("\nfirst: ") {
                    last.title.replace_range(..first, "");
                }
                last.title.insert_str(
                    0,
                    &format!(
                        "{}: {} {merged} times from {} to {} (details: zoom in, or the --perfetto trace)",
                        lane.name,
                        last.state,
                        ms(last.from_ms),
                        ms(overlay.to_ms.max(last.to_ms))
                    ),
                );
                last.to_ms = last.to_ms.max(overlay.to_ms);
                last.merged = merged;
            }
            _ => out.push(overlay),
        }
    }
    lane.overlays = out;
}

/// A group of more than `max_lanes` lanes keeps the `max_lanes - 1` that
/// spent longest in bad states and folds the others into one lane whose
/// spans count how many of them were in a bad state (severity 4 or more)
/// in each window; a group of fewer keeps them all. Lanes are taken as
/// they come (in order), and held only while among the worst so far.
fn fold(id: &'static str, lanes: impl Iterator<Item = Lane>, detail: Detail, end_ms: u64) -> Vec<Lane> {
    let keep = detail.max_lanes.saturating_sub(1).max(1);
    let room = detail.max_lanes.max(keep);
    let badness = |lane: &Lane| -> u64 {
        lane.spans.iter().filter(|s| severity(s.class) >= 4).map(|s| s.to_ms - s.from_ms).sum::<u64>()
            + lane.overlays.iter().map(|s| s.to_ms - s.from_ms).sum::<u64>()
            + lane.marks.iter().filter(|m| severity(m.class) >= 4 || m.class == "error").count() as u64
    };
    let window = (detail.min_span_ms * 4).max(end_ms / 250).max(1);
    let windows = end_ms.div_ceil(window).max(1);
    let mut bad = vec![0u32; windows as usize];
    let mut folded = 0usize;
    // The lanes held, by how bad and in order; the least bad (the later of
    // two as bad) is folded first.
    let mut held: Vec<(u64, usize, Lane)> = Vec::new();
    let mut fold_one = |held: &mut Vec<(u64, usize, Lane)>| {
        let least = (held.iter().enumerate())
            .min_by(|(_, a), (_, b)| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(at, _)| at);
        let Some(least) = least else { return };
        let (_, _, lane) = held.remove(least);
        folded += 1;
        for span in lane.spans.iter().filter(|s| severity(s.class) >= 4) {
            let first = span.from_ms / window;
            let last = (span.to_ms.saturating_sub(1) / window).min(windows - 1);
            for w in first..=last {
                bad[w as usize] += 1;
            }
        }
    };
    let mut total = 0;
    for (index, lane) in lanes.enumerate() {
        total += 1;
        held.push((badness(&lane), index, lane));
        if held.len() > room {
            fold_one(&mut held);
        }
    }
    if total <= detail.max_lanes {
        return held.into_iter().map(|(_, _, lane)| lane).collect();
    }
    while held.len() > keep {
        fold_one(&mut held);
    }
    let n = folded;
    let mut lane = Lane {
        name: format!("{n} more {id}"),
        detail: format!("folded: {} of {total} shown", total - n),
        ..Lane::default()
    };
    for (w, &count) in bad.iter().enumerate() {
        let from = w as u64 * window;
        let to = (from + window).min(end_ms);
        let class = match (count as usize * 4).div_ceil(n.max(1)) {
            0 => continue,
            1 => "agg1",
            2 => "agg2",
            3 => "agg3",
            _ => "agg4",
        };
        if let Some(last) = lane.spans.last_mut()
            && last.to_ms == from
            && last.class == class
            && last.state == format!("{count}")
        {
            last.to_ms = to;
            continue;
        }
        lane.spans.push(Span {
            from_ms: from,
            to_ms: to,
            class,
            state: format!("{count}"),
            node: None,
            title: format!(
                "{count} of the {n} folded {id} in a bad state (NotReady, crashed, Terminating, orphaned...) between {} and {}",
                ms(from),
                ms(to)
            ),
            merged: 1,
        });
    }
    let mut kept: Vec<Lane> = held.into_iter().map(|(_, _, lane)| lane).collect();
    kept.push(lane);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lane named `name` with a bad span of `bad_ms` (none for 0) and a
    /// good one after it.
    fn lane(name: &str, bad_ms: u64) -> Lane {
        let span = |from_ms, to_ms, class| Span {
            from_ms,
            to_ms,
            class,
            state: class.to_string(),
            node: None,
            title: String::new(),
            merged: 1,
        };
        let mut spans = Vec::new();
        if bad_ms > 0 {
            spans.push(span(1_000, 1_000 + bad_ms, "crashed"));
        }
        spans.push(span(1_000 + bad_ms, 100_000, "ready"));
        Lane { name: name.to_string(), spans, ..Lane::default() }
    }

    /// Folded as the lanes come, a group keeps the lanes it kept when it
    /// was folded whole: the worst, the earlier of two as bad, in their
    /// order, then the count lane of the others.
    #[test]
    fn folding_as_lanes_come_keeps_the_worst_and_the_earlier() {
        let detail = Detail { min_span_ms: 100, max_lanes: 5, marks_per_window: 1, max_elements: 0 };
        let badness = [0, 30, 0, 30, 50, 0, 30, 0, 10, 30, 0];
        let lanes = || badness.iter().enumerate().map(|(i, bad)| lane(&format!("l{i}"), *bad));
        let folded = fold("pods", lanes(), detail, 100_000);
        let names: Vec<&str> = folded.iter().map(|l| l.name.as_str()).collect();
        // The four kept: 50 (l4), then the three earliest of the 30s (l1, l3, l6), in order.
        assert_eq!(names, ["l1", "l3", "l4", "l6", "7 more pods"]);
        assert_eq!(folded[4].detail, "folded: 4 of 11 shown");
        // Two of the seven folded were ever in a bad state, in one window.
        let counted: Vec<(&str, &str)> =
            folded[4].spans.iter().map(|s| (s.state.as_str(), s.class)).collect();
        assert_eq!(counted, [("2", "agg2")]);
        // A group within the limit is kept whole.
        let few = fold("pods", lanes().take(5), detail, 100_000);
        assert_eq!(few.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["l0", "l1", "l2", "l3", "l4"]);
    }
}
