//! The run in Chrome's trace-event JSON format, which Perfetto and
//! `chrome://tracing` open: nodes are processes, pod identities threads of
//! the node they ran on, phases slices; node states, volumes, DNS names and
//! application verdicts get processes of their own; the scenario's actions
//! and verdict changes are instants.
//!
//! Owns the mapping to the format only; the lanes come from `lanes` at full
//! detail (a trace viewer zooms, so nothing is merged).

use crate::lanes::{Lane, Span, Timeline};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const CLUSTER: u64 = 1;
const UNSCHEDULED: u64 = 2;
const VOLUMES: u64 = 3;
const DNS: u64 = 4;
const APPS: u64 = 5;
const OPERATORS: u64 = 6;
const FIRST_NODE: u64 = 10;

fn us(ms: u64) -> u64 {
    ms * 1000
}

struct Out {
    events: Vec<Value>,
    threads: BTreeSet<(u64, u64)>,
    thread_names: BTreeMap<(u64, u64), String>,
}

impl Out {
    fn thread(&mut self, pid: u64, tid: u64, name: &str) {
        if self.threads.insert((pid, tid)) {
            self.thread_names.insert((pid, tid), name.to_string());
        }
    }

    fn slice(&mut self, pid: u64, tid: u64, span: &Span) {
        self.events.push(json!({
            "name": span.state,
            "cat": span.class,
            "ph": "X",
            "ts": us(span.from_ms),
            "dur": us(span.to_ms - span.from_ms),
            "pid": pid,
            "tid": tid,
            "args": {"detail": span.title},
        }));
    }

    fn marks(&mut self, pid: u64, tid: u64, lane: &Lane) {
        for mark in &lane.marks {
            self.events.push(json!({
                "name": mark.class,
                "cat": mark.class,
                "ph": "i",
                "s": "t",
                "ts": us(mark.at_ms),
                "pid": pid,
                "tid": tid,
                "args": {"detail": mark.title},
            }));
        }
    }

    /// A lane as one thread of one process.
    fn lane(&mut self, pid: u64, tid: u64, lane: &Lane) {
        self.thread(pid, tid, &lane.name);
        for span in lane.spans.iter().chain(&lane.overlays) {
            self.slice(pid, tid, span);
        }
        self.marks(pid, tid, lane);
    }
}

/// The timeline (built with `Detail::FULL`) as trace-event JSON.
pub fn render(timeline: &Timeline, title: &str) -> String {
    let mut out = Out { events: Vec::new(), threads: BTreeSet::new(), thread_names: BTreeMap::new() };
    let mut processes: BTreeMap<u64, String> = BTreeMap::new();
    processes.insert(CLUSTER, format!("scenario {title}"));
    let group = |id: &str| timeline.groups.iter().find(|g| g.id == id);
    let nodes: Vec<&Lane> = group("nodes").map(|g| g.lanes.iter().collect()).unwrap_or_default();
    let node_pid: BTreeMap<&str, u64> =
        nodes.iter().enumerate().map(|(i, lane)| (lane.name.as_str(), FIRST_NODE + i as u64)).collect();
    for lane in &nodes {
        let pid = node_pid[lane.name.as_str()];
        processes.insert(pid, format!("node {}", lane.name));
        out.lane(pid, 0, lane);
        out.thread_names.insert((pid, 0), "node state".into());
    }
    if let Some(pods) = group("pods") {
        for (i, lane) in pods.lanes.iter().enumerate() {
            let tid = 1000 + i as u64;
            for span in lane.spans.iter().chain(&lane.overlays) {
                let pid = match span.node.as_deref().and_then(|n| node_pid.get(n)) {
                    Some(&pid) => pid,
                    None => {
                        processes.insert(UNSCHEDULED, "not on a node".into());
                        UNSCHEDULED
                    }
                };
                out.thread(pid, tid, &lane.name);
                out.slice(pid, tid, span);
            }
            // Marks go with the node the pod was on at the time, if any.
            for mark in &lane.marks {
                let pid = lane
                    .spans
                    .iter()
                    .rev()
                    .find(|s| s.from_ms <= mark.at_ms)
                    .and_then(|s| s.node.as_deref())
                    .and_then(|n| node_pid.get(n).copied())
                    .unwrap_or(UNSCHEDULED);
                if pid == UNSCHEDULED {
                    processes.insert(UNSCHEDULED, "not on a node".into());
                }
                out.thread(pid, tid, &lane.name);
                out.marks(pid, tid, &Lane { marks: vec![mark.clone()], ..Lane::default() });
            }
        }
    }
    for (id, pid, name) in [
        ("volumes", VOLUMES, "volumes"),
        ("dns", DNS, "DNS records"),
        ("apps", APPS, "application verdicts"),
        ("operators", OPERATORS, "operators"),
    ] {
        if let Some(group) = group(id) {
            processes.insert(pid, name.into());
            for (i, lane) in group.lanes.iter().enumerate() {
                out.lane(pid, 1 + i as u64, lane);
                if id == "apps" {
                    for span in &lane.spans {
                        out.events.push(json!({
                            "name": format!("{} {}", lane.name, span.state),
                            "cat": "verdict",
                            "ph": "i",
                            "s": "p",
                            "ts": us(span.from_ms),
                            "pid": pid,
                            "tid": 1 + i as u64,
                            "args": {"detail": span.title},
                        }));
                    }
                }
            }
        }
    }
    out.thread(CLUSTER, 1, "actions");
    for action in &timeline.actions {
        out.events.push(json!({
            "name": action.title,
            "cat": "action",
            "ph": "i",
            "s": "g",
            "ts": us(action.at_ms),
            "pid": CLUSTER,
            "tid": 1,
        }));
    }
    let mut events: Vec<Value> = Vec::new();
    for (pid, name) in &processes {
        events.push(json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}));
        events.push(json!({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0, "args": {"sort_index": pid}}));
    }
    for ((pid, tid), name) in &out.thread_names {
        events
            .push(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}));
    }
    events.extend(out.events);
    let document = json!({"displayTimeUnit": "ms", "traceEvents": events});
    let mut text = serde_json::to_string(&document).expect("JSON values serialize");
    text.push('\n');
    text
}
