//! The run in Chrome's trace-event JSON format, which Perfetto and
//! `chrome://tracing` open: nodes are processes, pod identities threads of
//! the node they ran on, phases slices; node states, volumes, DNS names and
//! application verdicts get processes of their own; the scenario's actions
//! and verdict changes are instants.
//!
//! Owns the mapping to the format only; the lanes come from `lanes` at full
//! detail (a trace viewer zooms, so nothing is merged). Written an event at
//! a time, the processes' and threads' names first (a first walk finds
//! them), each hover text worded as it is written: the events are as many
//! as the run's records.

use crate::lanes::{Lane, Mark, Span, Timeline, Wording, Words};
use serde_json::{Value, json};
use std::borrow::Cow;
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

/// A lane's overlays (an NXDOMAIN cached beside the record, two copies of
/// a pod running) overlap its spans without nesting in them, and slices on
/// one thread must nest: they get a thread of their own, this far from the
/// lane's.
const OVERLAY_TID: u64 = 1 << 32;

/// The name of the thread of a lane's overlays: the lane's, with what the
/// first of them shows.
fn overlay_thread<T>(lane: &Lane<T>) -> String {
    match lane.overlays.first() {
        Some(first) => format!("{}: {}", lane.name, first.state),
        None => lane.name.clone(),
    }
}

/// What a walk over the timeline gives: the names of the processes and
/// threads (the first walk), or the events, written as they are made (the
/// second; the names come first in the file, and are only known once
/// every lane has been walked).
struct Out<'w> {
    /// Where the events go: none on the walk that only names.
    writer: Option<&'w mut dyn std::io::Write>,
    written: std::io::Result<()>,
    processes: BTreeMap<u64, String>,
    threads: BTreeSet<(u64, u64)>,
    thread_names: BTreeMap<(u64, u64), String>,
}

impl Out<'_> {
    fn thread(&mut self, pid: u64, tid: u64, name: &str) {
        if self.writer.is_none() && self.threads.insert((pid, tid)) {
            self.thread_names.insert((pid, tid), name.to_string());
        }
    }

    fn process(&mut self, pid: u64, name: impl FnOnce() -> String) {
        if self.writer.is_none() {
            self.processes.insert(pid, name());
        }
    }

    /// One event (after the names, so after a comma), made only when written.
    fn event(&mut self, event: impl FnOnce() -> Value) {
        if let (Some(writer), Ok(())) = (&mut self.writer, &self.written) {
            self.written = writer
                .write_all(b",")
                .and_then(|()| serde_json::to_writer(&mut **writer, &event()).map_err(std::io::Error::from));
        }
    }

    fn slice<T>(&mut self, pid: u64, tid: u64, span: &Span<T>, title: impl FnOnce() -> String) {
        self.event(|| {
            json!({
                "name": span.state,
                "cat": span.class,
                "ph": "X",
                "ts": us(span.from_ms),
                "dur": us(span.to_ms - span.from_ms),
                "pid": pid,
                "tid": tid,
                "args": {"detail": title()},
            })
        });
    }

    fn marks<'m, T: 'm>(
        &mut self,
        pid: u64,
        tid: u64,
        marks: impl IntoIterator<Item = &'m Mark<T>>,
        titles: &dyn Titles<T>,
    ) {
        for mark in marks {
            self.event(|| {
                json!({
                    "name": mark.class,
                    "cat": mark.class,
                    "ph": "i",
                    "s": "t",
                    "ts": us(mark.at_ms),
                    "pid": pid,
                    "tid": tid,
                    "args": {"detail": titles.mark(mark)},
                })
            });
        }
    }

    /// A lane as one thread of one process, and its overlays as another.
    fn lane<T>(&mut self, pid: u64, tid: u64, lane: &Lane<T>, titles: &dyn Titles<T>) {
        self.thread(pid, tid, &lane.name);
        for span in &lane.spans {
            self.slice(pid, tid, span, || titles.span(lane, span).into_owned());
        }
        if !lane.overlays.is_empty() {
            self.thread(pid, tid + OVERLAY_TID, &overlay_thread(lane));
        }
        for span in &lane.overlays {
            self.slice(pid, tid + OVERLAY_TID, span, || titles.span(lane, span).into_owned());
        }
        self.marks(pid, tid, &lane.marks, titles);
    }
}

/// The hover texts of a timeline's spans and marks: written out, or
/// worded as they are written.
trait Titles<T> {
    fn span<'s>(&'s self, lane: &'s Lane<T>, span: &'s Span<T>) -> Cow<'s, str>;
    fn mark<'s>(&'s self, mark: &'s Mark<T>) -> Cow<'s, str>;
}

/// A built timeline's: written out.
struct Written;

impl Titles<String> for Written {
    fn span<'s>(&'s self, _: &'s Lane, span: &'s Span) -> Cow<'s, str> {
        Cow::Borrowed(&span.title)
    }
    fn mark<'s>(&'s self, mark: &'s Mark) -> Cow<'s, str> {
        Cow::Borrowed(&mark.title)
    }
}

impl Titles<Words> for Wording<'_> {
    fn span<'s>(&'s self, lane: &'s Lane<Words>, span: &'s Span<Words>) -> Cow<'s, str> {
        Cow::Owned(Wording::span(self, &lane.name, span))
    }
    fn mark<'s>(&'s self, mark: &'s Mark<Words>) -> Cow<'s, str> {
        Cow::Owned(Wording::mark(self, mark))
    }
}

/// The timeline (built with `Detail::FULL`) as trace-event JSON.
pub fn render(timeline: &Timeline, title: &str) -> String {
    let mut out = Vec::new();
    // invariant: writing to a Vec cannot fail.
    write(timeline, title, &mut out).expect("a Vec takes any bytes");
    // invariant: serde_json writes UTF-8.
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] written to `writer` as it is made, an event at a time: the
/// events are as many as the run's records, and the text hundreds of bytes
/// each, so neither is held. Fails only as `writer` does.
pub fn write(timeline: &Timeline, title: &str, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_with(timeline, &Written, title, writer)
}

/// [`write`] of a replay, each hover text worded as it is written: the
/// lanes of a run at full detail are as many spans as its records, and
/// their words would be most of them.
pub(crate) fn write_replayed(
    replayed: &Timeline<Words>,
    wording: &Wording<'_>,
    title: &str,
    writer: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write_with(replayed, wording, title, writer)
}

fn write_with<T>(
    timeline: &Timeline<T>,
    titles: &dyn Titles<T>,
    title: &str,
    writer: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut names = Out {
        writer: None,
        written: Ok(()),
        processes: BTreeMap::new(),
        threads: BTreeSet::new(),
        thread_names: BTreeMap::new(),
    };
    walk(timeline, titles, title, &mut names);
    writer.write_all(br#"{"displayTimeUnit":"ms","traceEvents":["#)?;
    let mut first = true;
    let mut meta = |writer: &mut dyn std::io::Write, event: Value| -> std::io::Result<()> {
        if !std::mem::take(&mut first) {
            writer.write_all(b",")?;
        }
        serde_json::to_writer(&mut *writer, &event).map_err(std::io::Error::from)
    };
    for (pid, name) in &names.processes {
        meta(
            writer,
            json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}),
        )?;
        meta(
            writer,
            json!({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0, "args": {"sort_index": pid}}),
        )?;
    }
    for ((pid, tid), name) in &names.thread_names {
        meta(
            writer,
            json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}),
        )?;
    }
    let mut events = Out {
        writer: Some(&mut *writer),
        written: Ok(()),
        processes: BTreeMap::new(),
        threads: BTreeSet::new(),
        thread_names: BTreeMap::new(),
    };
    walk(timeline, titles, title, &mut events);
    events.written?;
    writer.write_all(b"]}\n")
}

/// Every lane, in the file's order, into `out`.
fn walk<T>(timeline: &Timeline<T>, titles: &dyn Titles<T>, title: &str, out: &mut Out<'_>) {
    out.process(CLUSTER, || format!("scenario {title}"));
    let group = |id: &str| timeline.groups.iter().find(|g| g.id == id);
    let nodes: Vec<&Lane<T>> = group("nodes").map(|g| g.lanes.iter().collect()).unwrap_or_default();
    let node_pid: BTreeMap<&str, u64> =
        nodes.iter().enumerate().map(|(i, lane)| (lane.name.as_str(), FIRST_NODE + i as u64)).collect();
    for lane in &nodes {
        let pid = node_pid[lane.name.as_str()];
        out.process(pid, || format!("node {}", lane.name));
        out.lane(pid, 0, lane, titles);
        if out.writer.is_none() {
            out.thread_names.insert((pid, 0), "node state".into());
        }
    }
    if let Some(pods) = group("pods") {
        for (i, lane) in pods.lanes.iter().enumerate() {
            let tid = 1000 + i as u64;
            let spans = lane.spans.iter().map(|s| (s, tid));
            for (span, tid) in spans.chain(lane.overlays.iter().map(|s| (s, tid + OVERLAY_TID))) {
                let pid = match span.node.as_deref().and_then(|n| node_pid.get(n)) {
                    Some(&pid) => pid,
                    None => {
                        out.process(UNSCHEDULED, || "not on a node".into());
                        UNSCHEDULED
                    }
                };
                if tid >= OVERLAY_TID {
                    out.thread(pid, tid, &overlay_thread(lane));
                } else {
                    out.thread(pid, tid, &lane.name);
                }
                out.slice(pid, tid, span, || titles.span(lane, span).into_owned());
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
                    out.process(UNSCHEDULED, || "not on a node".into());
                }
                out.thread(pid, tid, &lane.name);
                out.marks(pid, tid, [mark], titles);
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
            out.process(pid, || name.into());
            for (i, lane) in group.lanes.iter().enumerate() {
                out.lane(pid, 1 + i as u64, lane, titles);
                if id == "apps" {
                    for span in &lane.spans {
                        out.event(|| {
                            json!({
                                "name": format!("{} {}", lane.name, span.state),
                                "cat": "verdict",
                                "ph": "i",
                                "s": "p",
                                "ts": us(span.from_ms),
                                "pid": pid,
                                "tid": 1 + i as u64,
                                "args": {"detail": titles.span(lane, span)},
                            })
                        });
                    }
                }
            }
        }
    }
    out.thread(CLUSTER, 1, "actions");
    for action in &timeline.actions {
        out.event(|| {
            json!({
                "name": action.title,
                "cat": "action",
                "ph": "i",
                "s": "g",
                "ts": us(action.at_ms),
                "pid": CLUSTER,
                "tid": 1,
            })
        });
    }
}
