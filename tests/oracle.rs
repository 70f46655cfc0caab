//! The oracle interpreter: replays a script of `shared/oracle/` against
//! stsim's own StatefulSet controller and prints what it asked for, in the
//! reference trace format, so the two can be compared line by line.
//!
//! Owns the script language (see `tests/fixtures/oracle/README.md`). Pod
//! readiness is set by the script, not by the kubelet model: the harness
//! plays the rest of the cluster. Pods are bound to a node as soon as they
//! are created, as the reference's store treats them, so a graceful delete
//! leaves them terminating until `finalize`.

use std::collections::BTreeSet;
use stsim_core::api::{Api, Streams};
use stsim_core::config::{PodManagementPolicy, RetentionAction, RetentionPolicy, UpdateStrategy};
use stsim_core::controllers::statefulset;
use stsim_core::events::EventKey;
use stsim_core::fixtures;
use stsim_core::objects::*;
use stsim_core::queue::EventQueue;
use stsim_core::time::SimTime;
use stsim_core::trace::{Actor, Event, Trace};
use stsim_core::world::World;

/// One line of an oracle trace: `STEP OP KIND DETAIL`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub step: String,
    pub op: String,
    pub kind: String,
    pub detail: String,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\t{}\t{}\t{}", self.step, self.op, self.kind, self.detail)
    }
}

/// Parses a reference trace.
pub fn parse_trace(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(4, '\t');
            let mut next = || parts.next().unwrap_or("").to_string();
            Line { step: next(), op: next(), kind: next(), detail: next() }
        })
        .collect()
}

struct Harness {
    world: World,
    trace: Trace,
    queue: EventQueue<EventKey>,
    streams: Streams,
    sts: Option<StsId>,
    broken: BTreeSet<String>,
    out: Vec<Line>,
    /// Trace records already translated.
    seen: usize,
    now: SimTime,
}

impl Harness {
    fn new() -> Harness {
        let mut world = World::empty("default", "cluster.local");
        // The reference traces were recorded from Kubernetes v1.28.7.
        world.kubernetes = stsim_core::features::Version::new(28, 7);
        world.features = stsim_core::features::Features::for_version(world.kubernetes);
        let cluster = fixtures::cluster(1);
        let mut pool = cluster.node_pools[0].clone();
        pool.cpu_millis = u64::MAX / 4;
        pool.memory_bytes = u64::MAX / 4;
        pool.max_pods = u32::MAX;
        world.add_node("node-0", "zone-a", None, &pool);
        Harness {
            world,
            trace: Trace::default(),
            queue: EventQueue::new(),
            streams: Streams::new(0),
            sts: None,
            broken: BTreeSet::new(),
            out: Vec::new(),
            seen: 0,
            now: SimTime::ZERO,
        }
    }

    fn api(&mut self, actor: Actor) -> Api<'_> {
        Api {
            world: &mut self.world,
            trace: &mut self.trace,
            queue: &mut self.queue,
            streams: &mut self.streams,
            now: self.now,
            actor,
            watch: stsim_core::sim::watch,
        }
    }

    fn sts(&self) -> StsId {
        self.sts.expect("the script creates its StatefulSet first")
    }

    fn pod(&self, ordinal: &str) -> Option<PodId> {
        let set = self.world.sts(self.sts());
        self.world.pod_named(&pod_name(&set.name, ordinal.parse().expect("an ordinal")))
    }

    fn emit(&mut self, step: &str, op: &str, kind: &str, detail: String) {
        self.out.push(Line { step: step.into(), op: op.into(), kind: kind.into(), detail });
    }

    /// Translates the trace records written since the last call.
    fn collect(&mut self, step: &str) {
        let records: Vec<_> = self.trace.records.slice(self.seen..).iter().cloned().collect();
        self.seen = self.trace.records.len();
        for record in records {
            let user = record.actor == Actor::User;
            let gc = record.actor == Actor::GarbageCollector;
            let (op, kind, detail) = match &record.event {
                Event::PodCreated { pod, .. } => ("create", "pod", self.world.pod(*pod).name.clone()),
                Event::PodCreateRejected { name } => ("create", "pod", name.clone()),
                Event::PvcCreated { pvc } => ("create", "pvc", self.world.pvc(*pvc).name.clone()),
                Event::PodDeleting { pod, .. } => {
                    (if user { "user-delete" } else { "delete" }, "pod", self.world.pod(*pod).name.clone())
                }
                Event::PodRemoved { pod, force: true } if !gc => (
                    if user { "user-forcedelete" } else { "delete" },
                    "pod",
                    self.world.pod(*pod).name.clone(),
                ),
                Event::PvcRemoved { pvc } if gc => ("gc-delete", "pvc", self.world.pvc(*pvc).name.clone()),
                // A user's delete of a claim, as of any kind (the README's
                // `user-delete`): recorded when asked, whether the claim goes
                // at once or waits on pvc-protection.
                Event::PvcDeleting { pvc } if user => {
                    ("user-delete", "pvc", self.world.pvc(*pvc).name.clone())
                }
                Event::PvcRemoved { pvc } if user => {
                    ("user-delete", "pvc", self.world.pvc(*pvc).name.clone())
                }
                Event::PvcOwnersUpdated { pvc, owners } => {
                    let owners: Vec<String> =
                        owners.iter().map(|o| stsim_core::trace::owner_name(&self.world, o)).collect();
                    ("update", "pvc", format!("{} owners={}", self.world.pvc(*pvc).name, owners.join(",")))
                }
                _ => continue,
            };
            self.emit(step, op, kind, detail);
        }
    }

    fn sync(&mut self, step: &str) -> bool {
        let before = self.trace.records.len();
        let sts = self.sts();
        statefulset::sync(&mut self.api(Actor::StatefulSetController), sts);
        // The harness plays the scheduler: new pods are bound at once.
        let unbound: Vec<PodId> = self.world.live_pods().filter(|p| p.node.is_none()).map(|p| p.id).collect();
        for pod in unbound {
            let mut api = self.api(Actor::Scheduler);
            api.assume_pod(pod, NodeId(0));
            api.bind_pod(pod);
        }
        let acted = self.trace.records.slice(before..).iter().any(|r| {
            r.actor == Actor::StatefulSetController
                && !matches!(r.event, Event::StatefulSetStatus { .. } | Event::RevisionCreated { .. })
        });
        self.collect(step);
        acted
    }

    fn set_ready(&mut self, id: PodId, ready: bool) {
        let mut api = self.api(Actor::Kubelet(NodeId(0)));
        api.set_pod_state(id, PodPhase::Running, ContainerState::Running);
        api.set_pod_ready(id, ready);
    }

    /// Deletes claims whose owning pod (name and uid) no longer exists.
    fn gc(&mut self, step: &str) -> bool {
        let doomed: Vec<PvcId> = self
            .world
            .live_pvcs()
            .filter(|pvc| {
                pvc.owner_refs.iter().any(|r| match r.owner {
                    Owner::Pod(pod) => !self.world.pod(pod).exists(),
                    Owner::StatefulSet(set) => self.world.sts(set).removed_at.is_some(),
                })
            })
            .map(|pvc| pvc.id)
            .collect();
        for pvc in &doomed {
            self.api(Actor::GarbageCollector).remove_pvc(*pvc);
        }
        self.collect(step);
        !doomed.is_empty()
    }

    /// The world moves: terminating pods finish, healthy images become
    /// Running and Ready, the garbage collector runs.
    fn world_moves(&mut self, step: &str) -> bool {
        let mut changed = false;
        let pods: Vec<PodId> = self.world.live_pods().map(|p| p.id).collect();
        for id in pods {
            let pod = self.world.pod(id);
            if pod.is_terminating() {
                self.api(Actor::Kubelet(NodeId(0))).remove_pod(id, false);
                changed = true;
            } else if !self.broken.contains(&pod.image) && !pod.is_running_and_ready() && !pod.is_terminal() {
                self.set_ready(id, true);
                changed = true;
            }
        }
        changed |= self.gc(step);
        changed
    }

    fn print_status(&mut self, step: &str) {
        let s = &self.world.sts(self.sts()).status;
        let detail = format!(
            "replicas={} ready={} current={} updated={} currentRev={} updateRev={}",
            s.replicas,
            s.ready_replicas,
            s.current_replicas,
            s.updated_replicas,
            s.current_revision,
            s.update_revision
        );
        self.emit(step, "status", "", detail);
    }

    fn print_pods(&mut self, step: &str) {
        let set = self.world.sts(self.sts());
        let lines: Vec<String> = set
            .pods
            .values()
            .map(|id| {
                let p = self.world.pod(*id);
                format!(
                    "{} phase={:?} ready={} terminating={} image={} rev={}",
                    p.name,
                    p.status.phase,
                    p.status.ready,
                    p.is_terminating(),
                    p.image,
                    p.revision()
                )
            })
            .collect();
        for line in lines {
            self.emit(step, "pod", "", line);
        }
    }

    fn print_pvcs(&mut self, step: &str) {
        let lines: Vec<String> = self
            .world
            .live_pvcs()
            .map(|c| {
                let owners: Vec<String> =
                    c.owner_refs.iter().map(|o| stsim_core::trace::owner_name(&self.world, o)).collect();
                format!("{} owners={}", c.name, owners.join(","))
            })
            .collect();
        for line in lines {
            self.emit(step, "pvc", "", line);
        }
    }

    fn run_line(&mut self, step: &str, words: &[&str]) -> Result<(), String> {
        let arg = |i: usize| words.get(i).copied().ok_or_else(|| format!("`{}` needs an argument", words[0]));
        match words[0] {
            "create" => {
                let name = arg(1)?;
                let replicas: u32 = arg(2)?.parse().map_err(|e| format!("replicas: {e}"))?;
                let policy = match arg(3)? {
                    "OrderedReady" => PodManagementPolicy::OrderedReady,
                    "Parallel" => PodManagementPolicy::Parallel,
                    other => return Err(format!("unknown policy {other}")),
                };
                let retention_action = |w: Option<&&str>| match w.copied() {
                    Some("Delete") => RetentionAction::Delete,
                    _ => RetentionAction::Retain,
                };
                let mut spec = fixtures::statefulset_spec(name, name, replicas, policy);
                spec.template.image = "nginx".into();
                spec.template.readiness_probe = None;
                spec.volume_claim_templates[0].name = "datadir".into();
                spec.retention = RetentionPolicy {
                    when_scaled: retention_action(words.get(4)),
                    when_deleted: retention_action(words.get(5)),
                };
                self.sts = Some(self.world.add_statefulset(name, spec));
            }
            "sync" => {
                self.sync(step);
            }
            "ready" | "unready" | "running" | "fail" | "delete" | "forcedelete" | "finalize" => {
                let id = self.pod(arg(1)?);
                let Some(id) = id else {
                    return if words[0] == "finalize" { Ok(()) } else { Err(format!("no pod {}", arg(1)?)) };
                };
                match words[0] {
                    "ready" => self.set_ready(id, true),
                    "unready" => self.set_ready(id, false),
                    "running" => self.set_ready(id, false),
                    "fail" => self.api(Actor::Kubelet(NodeId(0))).set_pod_state(
                        id,
                        PodPhase::Failed,
                        ContainerState::Terminated { exit_code: 1 },
                    ),
                    "delete" => self.api(Actor::User).delete_pod(id, None),
                    "forcedelete" => {
                        self.api(Actor::User).delete_pod(id, Some(stsim_core::time::SimDuration::ZERO))
                    }
                    _ => self.api(Actor::Kubelet(NodeId(0))).remove_pod(id, false),
                }
                self.collect(step);
            }
            "deletepvc" => {
                if let Some(pvc) = self.world.pvc_named(arg(1)?) {
                    self.api(Actor::User).remove_pvc(pvc);
                }
                self.collect(step);
            }
            "gc" => {
                self.gc(step);
            }
            "scale" => {
                let replicas = arg(1)?.parse().map_err(|e| format!("scale: {e}"))?;
                let sts = self.sts();
                self.api(Actor::User).scale_statefulset(sts, replicas);
            }
            // Spec edits, each a new generation as the API server makes it.
            "image" => {
                let image = arg(1)?.to_string();
                let set = self.world.sts_mut(self.sts());
                set.spec.template.image = image;
                set.generation += 1;
            }
            "partition" => {
                let partition = arg(1)?.parse().map_err(|e| format!("partition: {e}"))?;
                let set = self.world.sts_mut(self.sts());
                set.spec.update_strategy =
                    UpdateStrategy::RollingUpdate { partition, max_unavailable: None, nil: false };
                set.generation += 1;
            }
            "start" => {
                let set = self.world.sts_mut(self.sts());
                set.spec.ordinals_start = arg(1)?.parse().map_err(|e| format!("start: {e}"))?;
                set.generation += 1;
            }
            "ondelete" => {
                let set = self.world.sts_mut(self.sts());
                set.spec.update_strategy = UpdateStrategy::OnDelete;
                set.generation += 1;
            }
            "broken" => {
                self.broken.insert(arg(1)?.to_string());
            }
            "settle" => {
                for round in 1..=1000 {
                    let step = format!("{step}.{round}");
                    let acted = self.sync(&step);
                    let moved = self.world_moves(&step);
                    if !acted && !moved {
                        return Ok(());
                    }
                }
                return Err("settle did not converge in 1000 rounds".into());
            }
            "status" => self.print_status(step),
            "pods" => self.print_pods(step),
            "pvcs" => self.print_pvcs(step),
            other => return Err(format!("unknown command {other}")),
        }
        Ok(())
    }
}

/// Runs a script; returns stsim's trace in the reference format.
pub fn interpret(script: &str) -> Result<Vec<Line>, String> {
    let mut harness = Harness::new();
    for (index, raw) in script.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let step = (index + 1).to_string();
        harness.emit(&step, "step", line, String::new());
        let words: Vec<&str> = line.split_whitespace().collect();
        harness.run_line(&step, &words).map_err(|e| format!("line {step}: {e}"))?;
        harness.now = harness.now + stsim_core::time::SimDuration::from_secs(1);
    }
    Ok(harness.out)
}

/// Normalises a trace for comparison: the `step` lines' text is the script
/// line (the reference puts it in KIND), revision names become `rev1`,
/// `rev2`, ... by first appearance, and under Parallel each round's lines
/// are sorted, since the real controller creates in concurrent batches.
pub fn normalise(lines: &[Line], parallel: bool) -> Vec<Line> {
    let mut revisions: Vec<String> = Vec::new();
    let mut out: Vec<Line> = lines
        .iter()
        .map(|line| {
            let mut line = line.clone();
            // The script line and the printouts are one text field in the
            // reference; keep it in one place on both sides.
            if line.op == "step" {
                let text = if line.kind.is_empty() { line.detail.clone() } else { line.kind.clone() };
                line.kind = text;
                line.detail = String::new();
            }
            if matches!(line.op.as_str(), "status" | "pod" | "pvc") {
                line.detail = format!("{}{}", line.kind, line.detail).trim().to_string();
                line.kind = String::new();
            }
            let words: Vec<String> = line
                .detail
                .split(' ')
                .map(|word| match word.split_once('=') {
                    Some((key, value)) if key.ends_with("Rev") || key == "rev" => {
                        let index = match revisions.iter().position(|r| r == value) {
                            Some(i) => i,
                            None => {
                                revisions.push(value.to_string());
                                revisions.len() - 1
                            }
                        };
                        format!("{key}=rev{}", index + 1)
                    }
                    _ => word.to_string(),
                })
                .collect();
            line.detail = words.join(" ");
            line
        })
        .collect();
    if parallel {
        // Sort within each run of lines sharing a step.
        let mut start = 0;
        while start < out.len() {
            let mut end = start;
            while end < out.len() && out[end].step == out[start].step {
                end += 1;
            }
            out[start..end].sort_by(|a, b| (a.op == "step").cmp(&(b.op == "step")).reverse().then(a.cmp(b)));
            start = end;
        }
    }
    out
}

/// Compares stsim's replay of `script` with `reference`; `Err` holds a diff.
pub fn check(script: &str, reference: &str) -> Result<(), String> {
    let parallel = script.lines().any(|l| l.starts_with("create") && l.contains("Parallel"));
    let ours = normalise(&interpret(script)?, parallel);
    let theirs = normalise(&parse_trace(reference), parallel);
    if ours == theirs {
        return Ok(());
    }
    let mut diff = String::new();
    for i in 0..ours.len().max(theirs.len()) {
        let a = ours.get(i).map(ToString::to_string).unwrap_or_default();
        let b = theirs.get(i).map(ToString::to_string).unwrap_or_default();
        let mark = if a == b { " " } else { "!" };
        diff.push_str(&format!("{mark} stsim: {a:<60} | kubernetes: {b}\n"));
    }
    Err(diff)
}
