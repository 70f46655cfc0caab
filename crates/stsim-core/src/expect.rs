//! Expectations: checking a finished run against what the scenario says.
//!
//! Owns the evaluation of each [`Expectation`] over the trace, the world
//! and the report of a run, and the verdict it gives: passed or failed,
//! what was expected, what happened, and the trace records around it, so a
//! failure can be understood without re-running. Pure: no I/O.
//!
//! Does not run anything; `stsim test` runs scenarios and calls [`check`].

use crate::config::{Config, Expectation};
use crate::objects::parse_pod_name;
use crate::pricing::Money;
use crate::report::Report;
use crate::sim::Simulation;
use crate::time::SimTime;
use crate::trace::{Event, Record, render_into};
use serde::Serialize;
use std::collections::BTreeSet;

mod state;

/// How one expectation fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Its line in the scenario file.
    pub line: u32,
    /// The expectation, as written.
    pub description: String,
    pub passed: bool,
    pub expected: String,
    pub actual: String,
    /// Trace records around what went wrong (empty when it passed).
    pub context: Vec<String>,
}

/// The most trace records a failure shows.
const CONTEXT_LINES: usize = 12;

/// Checks every expectation of the config against the finished run.
///
/// Each is judged without the trace context first; only one that failed
/// is judged again to show the records around what went wrong. The trace
/// is rendered to text for that at most once, however many failed (a
/// thousand expectations over a month's trace would otherwise render it a
/// thousand times).
pub fn check(sim: &Simulation, report: &Report) -> Vec<Verdict> {
    let lines = Lines::new(sim);
    sim.config
        .expect
        .iter()
        .map(|entry| {
            let mut verdict = evaluate(sim, report, &entry.expectation, None);
            if !verdict.passed {
                verdict = evaluate(sim, report, &entry.expectation, Some(&lines));
            }
            verdict.line = entry.line;
            verdict
        })
        .collect()
}

/// Whether each expectation held, without the trace context a failure
/// shows (for sweeps, which only count).
pub fn passed(sim: &Simulation, report: &Report) -> Vec<bool> {
    sim.config.expect.iter().map(|entry| evaluate(sim, report, &entry.expectation, None).passed).collect()
}

/// The trace's records as text (`trace::render_into`), rendered on first
/// use and shared by every failed expectation of one check.
struct Lines<'a> {
    sim: &'a Simulation,
    text: std::cell::OnceCell<Vec<Box<str>>>,
}

impl<'a> Lines<'a> {
    fn new(sim: &'a Simulation) -> Self {
        Lines { sim, text: std::cell::OnceCell::new() }
    }

    fn get(&self) -> &[Box<str>] {
        self.text.get_or_init(|| {
            self.sim
                .trace
                .records
                .iter()
                .map(|record| {
                    let mut line = String::new();
                    render_into(&mut line, &self.sim.world, record);
                    line.into_boxed_str()
                })
                .collect()
        })
    }
}

/// The trace context to show, if any: `None` when only the outcome counts.
type Detail<'a, 'b> = Option<&'b Lines<'a>>;

/// An expectation as a person would write it.
pub fn describe(config: &Config, expectation: &Expectation) -> String {
    let set = |index: &usize| config.statefulsets[*index].name.as_str();
    match expectation {
        Expectation::PodReady { pod, at, ready: true } => format!("PodReadyBy({pod}, {at})"),
        Expectation::PodReady { pod, at, ready: false } => format!("PodReady({pod} at {at}: false)"),
        Expectation::CreationOrder { statefulset, pods } => {
            format!("CreationOrder({}: {})", set(statefulset), pods.join(", "))
        }
        Expectation::DeletionOrder { statefulset, pods } => {
            format!("DeletionOrder({}: {})", set(statefulset), pods.join(", "))
        }
        Expectation::OrphanedPvcs { claims } => format!("OrphanedPvcs([{}])", claims.join(", ")),
        Expectation::OrphanedCostAtMost { per_month } => format!("OrphanedCostAtMost({per_month} per month)"),
        Expectation::OrphanedCostAtLeast { per_month } => {
            format!("OrphanedCostAtLeast({per_month} per month)")
        }
        Expectation::DnsResolves { name, at, resolves } => format!("DnsResolves({name} at {at}: {resolves})"),
        Expectation::NoFindings => "NoFindings".to_string(),
        Expectation::Finding { id } => format!("Finding({id})"),
        Expectation::NoFinding { id } => format!("NoFinding({id})"),
        Expectation::Settled { statefulset, within } => {
            format!("Settled({} within {within})", set(statefulset))
        }
        Expectation::AppHealth { app, at, health } => format!("AppVerdict({} at {at}: {health})", set(app)),
        Expectation::NeverBroken { app } => format!("NeverBroken({})", set(app)),
        Expectation::ObjectField { kind, name, field, equals } => {
            format!("ObjectField({kind}/{name} {field} == {equals})")
        }
        Expectation::NoWritesLost { app } => format!("NoWritesLost({})", set(app)),
        Expectation::NeverSplitBrain { app } => format!("NeverSplitBrain({})", set(app)),
        Expectation::BrokenWithin { app, after, within } => {
            format!("BrokenWithin({} within {within} after {after})", set(app))
        }
        Expectation::RecoveredWithin { app, within } => {
            format!("RecoveredWithin({} within {within})", set(app))
        }
        Expectation::PodState { .. }
        | Expectation::StatefulSetStatus { .. }
        | Expectation::ClaimState { .. }
        | Expectation::PodNotCreated { .. }
        | Expectation::UpdateRefused { .. }
        | Expectation::DnsAnswer { .. } => state::describe(config, expectation).unwrap_or_default(),
    }
}

fn verdict(
    passed: bool,
    description: String,
    expected: String,
    actual: String,
    context: Vec<String>,
) -> Verdict {
    Verdict { line: 0, description, passed, expected, actual, context }
}

/// The text form of the records that match, the last `CONTEXT_LINES` of
/// them up to `until` (or all the run); nothing without `detail` (a
/// sweep only counts, and a passed expectation shows none).
fn context(
    sim: &Simulation,
    detail: Detail,
    until: Option<SimTime>,
    matches: impl Fn(&Record, &str) -> bool,
) -> Vec<String> {
    let Some(lines) = detail else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (record, line) in sim.trace.records.iter().zip(lines.get()) {
        if until.is_some_and(|until| record.at > until) {
            break;
        }
        if matches(record, line) {
            found.push(line);
        }
    }
    let skip = found.len().saturating_sub(CONTEXT_LINES);
    found[skip..].iter().map(|line| line.to_string()).collect()
}

fn mentions(name: &str) -> impl Fn(&Record, &str) -> bool {
    let suffix = format!("/{name}");
    move |_, line| line.split('\t').nth(2).is_some_and(|object| object.ends_with(&suffix))
}

fn evaluate(sim: &Simulation, report: &Report, expectation: &Expectation, detail: Detail) -> Verdict {
    let config = &sim.config;
    let world = &sim.world;
    let description = describe(config, expectation);
    let records = &sim.trace.records;
    match expectation {
        Expectation::PodReady { pod, at: by, ready: want } => {
            let mut ready = false;
            let mut became_ready = None;
            for record in records.iter().take_while(|r| r.at <= *by) {
                match record.event {
                    Event::PodReady { pod: id, ready: now } if world.pod(id).name == *pod => {
                        ready = now;
                        if now {
                            became_ready = Some(record.at);
                        }
                    }
                    Event::PodRemoved { pod: id, .. } if world.pod(id).name == *pod => ready = false,
                    _ => {}
                }
            }
            let actual = match (ready, became_ready) {
                (true, Some(at)) => format!("{pod} Ready since {at}"),
                (false, Some(at)) => format!("{pod} was Ready at {at} but is not at {by}"),
                (_, None) => format!("{pod} was never Ready by {by}"),
            };
            let context = context(sim, detail, Some(*by), mentions(pod));
            let expected = if *want {
                format!("{pod} Running and Ready at {by}")
            } else {
                format!("{pod} not Ready (or not there) at {by}")
            };
            verdict(ready == *want, description, expected, actual, context)
        }
        Expectation::CreationOrder { statefulset, pods }
        | Expectation::DeletionOrder { statefulset, pods } => {
            let creation = matches!(expectation, Expectation::CreationOrder { .. });
            let set = &config.statefulsets[*statefulset].name;
            let of_set = |name: &str| parse_pod_name(name).is_some_and(|(parent, _)| parent == set);
            let happened: Vec<String> = records
                .iter()
                .filter_map(|r| match (creation, &r.event) {
                    (true, Event::PodCreated { pod, .. }) => Some(&world.pod(*pod).name),
                    (false, Event::PodDeleting { pod, .. }) => Some(&world.pod(*pod).name),
                    // A force delete or an immediate delete removes without a graceful phase.
                    (false, Event::PodRemoved { pod, force: true }) => Some(&world.pod(*pod).name),
                    _ => None,
                })
                .filter(|name| of_set(name))
                .cloned()
                .collect();
            let what = if creation { "created" } else { "deleted" };
            let context = context(sim, detail, None, |r, _| match (creation, &r.event) {
                (true, Event::PodCreated { pod, .. }) | (false, Event::PodDeleting { pod, .. }) => {
                    of_set(&world.pod(*pod).name)
                }
                (false, Event::PodRemoved { pod, force: true }) => of_set(&world.pod(*pod).name),
                _ => false,
            });
            verdict(
                happened == *pods,
                description,
                format!("pods {what} in the order {}", pods.join(", ")),
                format!(
                    "pods {what} in the order {}",
                    if happened.is_empty() { "(none)".into() } else { happened.join(", ") }
                ),
                context,
            )
        }
        Expectation::OrphanedPvcs { claims } => {
            let want: BTreeSet<&str> = claims.iter().map(String::as_str).collect();
            let have: BTreeSet<&str> =
                report.storage.orphaned.iter().filter_map(|o| o.pvc.as_deref()).collect();
            let list = |set: &BTreeSet<&str>| {
                if set.is_empty() {
                    "none".to_string()
                } else {
                    set.iter().copied().collect::<Vec<_>>().join(", ")
                }
            };
            let context = context(sim, detail, None, |r, _| {
                matches!(r.event, Event::PvcOrphaned { .. } | Event::PvcInUse { .. })
            });
            verdict(
                want == have,
                description,
                format!("orphaned claims at the end: {}", list(&want)),
                format!("orphaned claims at the end: {}", list(&have)),
                context,
            )
        }
        Expectation::OrphanedCostAtMost { per_month } | Expectation::OrphanedCostAtLeast { per_month } => {
            let at_most = matches!(expectation, Expectation::OrphanedCostAtMost { .. });
            let actual: Money = report.storage.orphaned_monthly;
            let passed = if at_most { actual <= *per_month } else { actual >= *per_month };
            let bound = if at_most { "at most" } else { "at least" };
            let context = context(sim, detail, None, |r, _| {
                matches!(r.event, Event::PvcOrphaned { .. } | Event::PvReleased { .. })
            });
            verdict(
                passed,
                description,
                format!("orphaned volumes cost {bound} {per_month} per month"),
                format!("orphaned volumes cost {actual} per month"),
                context,
            )
        }
        Expectation::DnsResolves { name, at, resolves } => {
            // A pod's own name is a published record; a Service's own name,
            // its SRV names and its endpoints' dashed names are worked out
            // from the endpoints, and logged as they changed.
            let world = &sim.world;
            let answer: Option<String> =
                match crate::controllers::dns::service_name(name, &world.namespace, &world.cluster_domain) {
                    Some(_) => {
                        let answers = state::logged_answers(sim, name, *at);
                        (!answers.is_empty()).then(|| answers.join(", "))
                    }
                    None => state::published_record(sim, name, *at).map(|ip| ip.to_string()),
                };
            let actual = match &answer {
                Some(ip) => format!("{name} resolved to {ip} at {at}"),
                None => format!("{name} did not resolve (NXDOMAIN) at {at}"),
            };
            let expected = if *resolves { "resolves" } else { "does not resolve" };
            let context = context(sim, detail, Some(*at), mentions(name));
            verdict(
                answer.is_some() == *resolves,
                description,
                format!("{name} {expected} at {at}"),
                actual,
                context,
            )
        }
        Expectation::NoFindings | Expectation::Finding { .. } | Expectation::NoFinding { .. } => {
            let ids: Vec<&str> = report.findings.iter().map(|f| f.id).collect();
            let (passed, expected) = match expectation {
                Expectation::NoFindings => (ids.is_empty(), "no findings".to_string()),
                Expectation::Finding { id } => (ids.contains(&id.as_str()), format!("a finding {id}")),
                Expectation::NoFinding { id } => (!ids.contains(&id.as_str()), format!("no finding {id}")),
                _ => unreachable!("matched above"),
            };
            // A NoFinding that fails shows the findings it is about, not every finding.
            let shown: Vec<&crate::findings::Finding> = match expectation {
                Expectation::NoFinding { id } => report.findings.iter().filter(|f| f.id == id).collect(),
                _ => report.findings.iter().collect(),
            };
            let actual = if shown.is_empty() {
                "no findings".to_string()
            } else {
                let summaries: Vec<String> =
                    shown.iter().map(|f| format!("{} ({}): {}", f.id, f.subject, f.summary)).collect();
                format!("findings: {}", summaries.join("; "))
            };
            verdict(passed, description, expected, actual, Vec::new())
        }
        Expectation::Settled { statefulset, within } => {
            settled(sim, *statefulset, *within, description, detail)
        }
        Expectation::ObjectField { kind, name, field, equals } => {
            let actual = match crate::kube::find(&sim.world, kind, name) {
                None => format!("no {kind} named {name} at the end"),
                Some(obj) => {
                    let object = crate::kube::render(&sim.world, obj);
                    let value = crate::kube::field(&object, field);
                    value.map_or_else(|| format!("{field} is not set"), |v| format!("{field} is {v}"))
                }
            };
            let passed = actual == format!("{field} is {equals}");
            // Who wrote the object: people and operators, the writes that decide its fields.
            let object = format!("{}/{name}", kind.to_lowercase());
            let writes = context(sim, detail, None, |record, line| {
                let operator = matches!(record.actor, crate::trace::Actor::Operator(_));
                let restart_or_refusal =
                    matches!(record.event, Event::OperatorRestarted { .. } | Event::WriteRefused { .. });
                (operator && restart_or_refusal)
                    || (matches!(record.actor, crate::trace::Actor::User) || operator)
                        && line.split('\t').nth(2) == Some(object.as_str())
            });
            verdict(passed, description, format!("{field} is {equals}"), actual, writes)
        }
        Expectation::AppHealth { .. }
        | Expectation::NeverBroken { .. }
        | Expectation::NoWritesLost { .. }
        | Expectation::NeverSplitBrain { .. }
        | Expectation::BrokenWithin { .. }
        | Expectation::RecoveredWithin { .. } => app_expectation(sim, expectation, description, detail),
        Expectation::PodState { .. }
        | Expectation::StatefulSetStatus { .. }
        | Expectation::ClaimState { .. }
        | Expectation::PodNotCreated { .. }
        | Expectation::UpdateRefused { .. }
        | Expectation::DnsAnswer { .. } => state::evaluate(sim, expectation, description, detail),
    }
}

/// The verdicts of application `app` (by its StatefulSet's config index), in order.
fn verdicts(sim: &Simulation, app: usize) -> Vec<(SimTime, crate::apps::Verdict)> {
    let name = &sim.config.statefulsets[app].name;
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::AppVerdict { app: id, verdict } if sim.world.apps.name(*id) == name => {
                Some((r.at, (**verdict).clone()))
            }
            _ => None,
        })
        .collect()
}

fn app_expectation(
    sim: &Simulation,
    expectation: &Expectation,
    description: String,
    detail: Detail,
) -> Verdict {
    use crate::apps::Health;
    let app = match expectation {
        Expectation::AppHealth { app, .. }
        | Expectation::NeverBroken { app }
        | Expectation::NoWritesLost { app }
        | Expectation::NeverSplitBrain { app }
        | Expectation::BrokenWithin { app, .. }
        | Expectation::RecoveredWithin { app, .. } => *app,
        _ => unreachable!("only app expectations come here"),
    };
    let name = sim.config.statefulsets[app].name.clone();
    let history = verdicts(sim, app);
    let at_time = |t: SimTime| history.iter().rev().find(|(at, _)| *at <= t).map(|(_, v)| v.clone());
    let say = |v: &Option<crate::apps::Verdict>| match v {
        Some(v) => format!("{} ({}: {})", v.health, v.code, v.reason),
        None => "without a verdict yet (not started)".to_string(),
    };
    let context =
        context(sim, detail, None, |r, _| matches!(r.event, Event::AppVerdict { .. } | Event::Script { .. }));
    let end = sim.ended.map(|(at, _)| at).unwrap_or(sim.now());
    match expectation {
        Expectation::AppHealth { at, health, .. } => {
            let v = at_time(*at);
            let passed = v.as_ref().is_some_and(|v| v.health == *health);
            let actual = format!("{name} was {} at {at}", say(&v));
            verdict(passed, description, format!("{name} {health} at {at}"), actual, context)
        }
        Expectation::NeverBroken { .. } => {
            let broken = history.iter().find(|(_, v)| v.health == Health::Broken);
            let actual = match broken {
                Some((at, v)) => {
                    format!("{name} BROKEN at {at}: {} (cause: {})", v.reason, v.cause.join(" -> "))
                }
                None => format!("{name} never BROKEN"),
            };
            verdict(broken.is_none(), description, format!("{name} never BROKEN"), actual, context)
        }
        Expectation::NoWritesLost { .. } => {
            let lost: Vec<crate::apps::replication::LostWrites> = sim
                .world
                .apps
                .list
                .iter()
                .filter(|a| a.name == name)
                .flat_map(|app| crate::apps::replication::lost_writes(app))
                .collect();
            let actual = match lost.first() {
                Some(l) => format!(
                    "{name} lost {} writes taken by {} between {} and {} ({} divergent): {}",
                    l.writes,
                    l.member,
                    SimTime::from_millis(l.from_ms),
                    SimTime::from_millis(l.to_ms),
                    l.divergent_writes,
                    l.cause.join(" -> ")
                ),
                None => format!("{name} lost no writes"),
            };
            verdict(lost.is_empty(), description, format!("{name} loses no writes"), actual, context)
        }
        Expectation::NeverSplitBrain { .. } => {
            let split = history.iter().find(|(_, v)| v.code == "split-brain");
            let actual = match split {
                Some((at, v)) => {
                    format!("{name} split brain at {at}: {} (cause: {})", v.reason, v.cause.join(" -> "))
                }
                None => format!("{name} never had two primaries taking writes"),
            };
            verdict(split.is_none(), description, format!("{name} never split brain"), actual, context)
        }
        Expectation::BrokenWithin { after, within, .. } => {
            let deadline = *after + *within;
            let already = at_time(*after).filter(|v| v.health == Health::Broken).map(|v| (*after, v));
            let broken = already.or_else(|| {
                history
                    .iter()
                    .find(|(at, v)| *at >= *after && *at <= deadline && v.health == Health::Broken)
                    .cloned()
            });
            let actual = match &broken {
                Some((at, v)) => format!("{name} BROKEN at {at}: {}", v.reason),
                None => format!("{name} was {} at {deadline}", say(&at_time(deadline))),
            };
            let expected = format!("{name} BROKEN between {after} and {deadline}");
            verdict(broken.is_some(), description, expected, actual, context)
        }
        Expectation::RecoveredWithin { within, .. } => {
            let start = sim
                .trace
                .records
                .iter()
                .filter(|r| matches!(r.event, Event::Script { .. }))
                .map(|r| r.at)
                .next_back()
                .unwrap_or(SimTime::ZERO);
            let deadline = start + *within;
            // Healthy by the deadline, and never anything else afterwards.
            let healthy_by = at_time(deadline).is_some_and(|v| v.health == Health::Healthy);
            let relapse = history.iter().find(|(at, v)| *at > deadline && v.health != Health::Healthy);
            let passed = healthy_by && relapse.is_none() && end >= deadline;
            let actual = match (healthy_by, relapse) {
                _ if end < deadline => {
                    format!("the run ended at {end}, before {deadline}: raise the duration")
                }
                (false, _) => format!("{name} was {} at {deadline}", say(&at_time(deadline))),
                (true, Some((at, v))) => {
                    format!("{name} recovered, then was {} at {at}: {}", v.health, v.reason)
                }
                (true, None) => format!("{name} HEALTHY from {deadline} on"),
            };
            verdict(passed, description, format!("{name} HEALTHY by {deadline} and after"), actual, context)
        }
        _ => unreachable!("only app expectations come here"),
    }
}

/// Whether, after the last scripted action, the set reaches its desired
/// replicas, all Running, Ready and updated, within the bound.
fn settled(
    sim: &Simulation,
    statefulset: usize,
    within: crate::time::SimDuration,
    description: String,
    detail: Detail,
) -> Verdict {
    let config = &sim.config;
    let name = &config.statefulsets[statefulset].name;
    // The timeline ends with its last action, timed or triggered.
    let start = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::Script { .. }))
        .map(|r| r.at)
        .next_back()
        .unwrap_or(SimTime::ZERO);
    let deadline = start + within;
    // With OnDelete, Kubernetes moves currentRevision to the update
    // revision only from 1.37, once every pod is at it (k/k PR #136833;
    // before, `completeRollingUpdate` was for RollingUpdate only), and
    // `kubectl rollout status` does not apply: the set is settled when its
    // desired replicas are Running and Ready, at whatever revision. Pods at
    // the new revision are asked with `PodState(updated: true)`.
    let on_delete = sim
        .world
        .statefulsets
        .iter()
        .rev()
        .find(|s| s.name == *name)
        .is_some_and(|s| s.spec.update_strategy == crate::config::UpdateStrategy::OnDelete);
    let mut desired = config.statefulsets[statefulset].spec.replicas;
    let mut state = None;
    let mut settled_at = None;
    for record in &sim.trace.records {
        if record.at > deadline {
            break;
        }
        let is_set = |sts: crate::objects::StsId| sim.world.sts(sts).name == *name;
        match &record.event {
            Event::StatefulSetScaled { sts, to, .. } if is_set(*sts) => desired = *to,
            Event::StatefulSetStatus { sts, status } if is_set(*sts) => state = Some(status.clone()),
            _ => {}
        }
        let done = state.as_ref().is_some_and(|s| {
            s.replicas == desired
                && s.ready_replicas == desired
                && (on_delete || (s.updated_replicas == desired && s.current_revision == s.update_revision))
        });
        if record.at >= start {
            match (done, settled_at) {
                (true, None) => settled_at = Some(record.at),
                (false, Some(_)) => settled_at = None,
                _ => {}
            }
        }
    }
    let end = sim.ended.map(|(at, _)| at).unwrap_or(sim.now());
    let expected = if on_delete {
        format!(
            "{name} settled ({desired} replicas Running and Ready; OnDelete, so at any revision) by {deadline}"
        )
    } else {
        format!("{name} settled ({desired} replicas Running, Ready and updated) by {deadline}")
    };
    let actual = match (settled_at, state) {
        (Some(at), _) => format!("{name} settled at {at}"),
        (None, _) if end < deadline => match sim.ended {
            Some((at, crate::sim::EndReason::OperatorFailed)) => {
                format!("an operator failed and stopped the run at {at}, before {deadline} (see its error)")
            }
            Some((at, crate::sim::EndReason::Stopped)) => {
                format!("a Stop action ended the run at {at}, before {deadline}")
            }
            _ => format!("the run ended at {end}, before {deadline}: raise the scenario's duration"),
        },
        (None, Some(s)) => format!(
            "{name} not settled by {deadline}: {} of {desired} Ready, {} updated, revision {} of {}",
            s.ready_replicas, s.updated_replicas, s.current_revision, s.update_revision
        ),
        (None, None) => format!("{name} never reported a status"),
    };
    let named = format!("/{name}");
    let context = context(sim, detail, Some(deadline), |_, line| line.contains(&named));
    verdict(settled_at.is_some(), description, expected, actual, context)
}
