//! The breakage section of the report: for each clustered application,
//! when it was DEGRADED or BROKEN, why, the cause chain, how long the
//! verdict took after its cause, how long until it was HEALTHY again, and
//! the fix.
//!
//! Built after the run from the verdict records in the trace; owns nothing
//! else.

use super::Health;
use crate::time::SimTime;
use crate::trace::{Event, Trace};
use crate::world::World;
use serde::Serialize;

/// One application over the whole run.
#[derive(Debug, Clone, Serialize)]
pub struct AppBreakage {
    /// The StatefulSet's name in the scenario.
    pub app: String,
    /// `PrimaryReplica`, `Quorum(etcd)`, ...
    pub kind: String,
    /// `Dns` or `Ip`: how members store their peers.
    pub addressing: String,
    /// The StatefulSet the application runs under at the end.
    pub statefulset: String,
    /// When it was first HEALTHY, if ever.
    pub first_healthy_ms: Option<u64>,
    /// `HEALTHY`, `DEGRADED`, `BROKEN` or `FORMING` at the end of the run.
    pub health: String,
    pub reason: String,
    /// Whether it became HEALTHY and never left it.
    pub healthy_throughout: bool,
    pub intervals: Vec<Interval>,
    /// Writes it acknowledged and lost in failovers (primary/replica), with
    /// who took them, when, and the cause chain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes_lost: Vec<super::replication::LostWrites>,
}

/// A stretch of DEGRADED or BROKEN for one reason (a new reason code starts a new interval).
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    /// `DEGRADED` or `BROKEN`.
    pub health: String,
    pub from_ms: u64,
    /// When the state ended; `None` if it lasted to the end of the run.
    pub to_ms: Option<u64>,
    /// A stable identifier of the reason, like `peers-unreachable`.
    pub code: String,
    pub reason: String,
    /// From the root cause to the verdict.
    pub cause: Vec<String>,
    pub fix: String,
    /// When the root cause happened, if known.
    pub cause_at_ms: Option<u64>,
    /// From the root cause to the verdict.
    pub time_to_detect_ms: Option<u64>,
    /// When the application was next HEALTHY, if it was.
    pub healthy_again_ms: Option<u64>,
    /// From the start of the interval to HEALTHY again.
    pub time_to_recover_ms: Option<u64>,
    /// Other reasons given while in the same state, in order.
    pub later_reasons: Vec<String>,
}

/// The breakage of every application of a run; an interval still open at
/// the end has no `to_ms`.
pub fn build(world: &World, trace: &Trace) -> Vec<AppBreakage> {
    // Each application's verdicts in order, from one pass over the trace.
    let mut by_app: Vec<Vec<(SimTime, &super::Verdict)>> = vec![Vec::new(); world.apps.list.len()];
    for record in trace.records.iter() {
        if let Event::AppVerdict { app, verdict } = &record.event {
            by_app[*app].push((record.at, &**verdict));
        }
    }
    world
        .apps
        .list
        .iter()
        .zip(by_app)
        .map(|(app, verdicts)| {
            let mut intervals: Vec<Interval> = Vec::new();
            let mut open: Option<usize> = None;
            let mut last_health = Health::Forming;
            let mut last_code = "";
            for (at, verdict) in &verdicts {
                let at_ms = at.as_millis();
                if verdict.health == last_health && verdict.code == last_code {
                    if let Some(i) = open
                        && intervals[i].reason != verdict.reason
                        && !intervals[i].later_reasons.contains(&verdict.reason)
                    {
                        intervals[i].later_reasons.push(verdict.reason.clone());
                    }
                    continue;
                }
                if let Some(i) = open.take() {
                    intervals[i].to_ms = Some(at_ms);
                }
                if verdict.health == Health::Healthy {
                    for interval in intervals.iter_mut().filter(|i| i.healthy_again_ms.is_none()) {
                        interval.healthy_again_ms = Some(at_ms);
                        interval.time_to_recover_ms = Some(at_ms - interval.from_ms);
                    }
                }
                if matches!(verdict.health, Health::Degraded | Health::Broken) {
                    let cause_at_ms = verdict.cause_at.map(SimTime::as_millis);
                    intervals.push(Interval {
                        health: verdict.health.to_string(),
                        from_ms: at_ms,
                        to_ms: None,
                        code: verdict.code.to_string(),
                        reason: verdict.reason.clone(),
                        cause: verdict.cause.clone(),
                        fix: verdict.fix.clone(),
                        cause_at_ms,
                        time_to_detect_ms: cause_at_ms.map(|c| at_ms.saturating_sub(c)),
                        healthy_again_ms: None,
                        time_to_recover_ms: None,
                        later_reasons: Vec::new(),
                    });
                    open = Some(intervals.len() - 1);
                }
                last_health = verdict.health;
                last_code = verdict.code;
            }
            let first_healthy_ms =
                verdicts.iter().find(|(_, v)| v.health == Health::Healthy).map(|(at, _)| at.as_millis());
            let last = verdicts.last().map(|(_, v)| *v);
            let config = app.config();
            AppBreakage {
                app: app.name.clone(),
                kind: config.kind.name().to_string(),
                addressing: format!("{:?}", config.addressing),
                statefulset: app.current_set(world).name.clone(),
                first_healthy_ms,
                health: last.map_or(Health::Forming, |v| v.health).to_string(),
                reason: last.map_or(String::new(), |v| v.reason.clone()),
                healthy_throughout: first_healthy_ms.is_some() && intervals.is_empty(),
                intervals,
                writes_lost: super::replication::lost_writes(app),
            }
        })
        .collect()
}
