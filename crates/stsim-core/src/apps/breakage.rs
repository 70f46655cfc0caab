//! The breakage section of the report: for each clustered application,
//! when it was DEGRADED or BROKEN, why, the cause chain, how long the
//! verdict took after its cause, how long until it was HEALTHY again, and
//! the fix; and its outages (from a first BROKEN to HEALTHY again,
//! whatever reasons came between), whose recoveries sweeps count.
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
    /// Each outage: from the first BROKEN verdict since the application
    /// was last HEALTHY (or since the run began) to its next HEALTHY
    /// verdict, whatever reasons, BROKEN or DEGRADED, came between. One
    /// outage may span several intervals (a new reason code starts a new
    /// interval, not a new outage).
    pub outages: Vec<Outage>,
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
    /// From the start of the interval to HEALTHY again. An interval that
    /// continues an outage (see [`Outage`]) counts from its own start, not
    /// the outage's.
    pub time_to_recover_ms: Option<u64>,
    /// Other reasons given while in the same state, in order.
    pub later_reasons: Vec<String>,
}

/// One outage of an application: BROKEN at `from_ms`, and not HEALTHY
/// again until `healthy_again_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    /// The first BROKEN verdict since the application was last HEALTHY.
    pub from_ms: u64,
    /// When the application was next HEALTHY; `None` if it was not by the
    /// end of the run.
    pub healthy_again_ms: Option<u64>,
    /// From `from_ms` to HEALTHY again: the time to recover.
    pub time_to_recover_ms: Option<u64>,
    /// The reason codes of its BROKEN verdicts, each once, in order.
    pub codes: Vec<String>,
}

/// The breakage of every application of a run; an interval still open at
/// the end has no `to_ms`.
pub fn build(world: &World, trace: &Trace) -> Vec<AppBreakage> {
    // Each application's verdicts in order, from the trace's verdicts.
    let mut by_app: Vec<Vec<(SimTime, &super::Verdict)>> = vec![Vec::new(); world.apps.list.len()];
    for record in trace.records.of_kinds(&[crate::trace::Kind::AppVerdict]) {
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
            let (intervals, outages) = intervals_and_outages(&verdicts);
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
                outages,
                writes_lost: super::replication::lost_writes(app),
            }
        })
        .collect()
}

/// An application's intervals and outages from its verdicts in order.
fn intervals_and_outages(verdicts: &[(SimTime, &super::Verdict)]) -> (Vec<Interval>, Vec<Outage>) {
    let mut intervals: Vec<Interval> = Vec::new();
    let mut outages: Vec<Outage> = Vec::new();
    // Whether the last outage is still going (not HEALTHY since it began).
    let mut in_outage = false;
    let mut open: Option<usize> = None;
    let mut last_health = Health::Forming;
    let mut last_code = "";
    for (at, verdict) in verdicts {
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
            if let Some(outage) = outages.last_mut().filter(|_| in_outage) {
                outage.healthy_again_ms = Some(at_ms);
                outage.time_to_recover_ms = Some(at_ms - outage.from_ms);
            }
            in_outage = false;
        }
        if verdict.health == Health::Broken {
            if !in_outage {
                outages.push(Outage {
                    from_ms: at_ms,
                    healthy_again_ms: None,
                    time_to_recover_ms: None,
                    codes: Vec::new(),
                });
                in_outage = true;
            }
            let codes = &mut outages.last_mut().expect("an outage is open").codes;
            if !codes.iter().any(|c| c == verdict.code) {
                codes.push(verdict.code.to_string());
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
    (intervals, outages)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::apps::Verdict;

    /// Verdicts at the given seconds, each `(health, code)`.
    pub(crate) fn verdicts(list: &[(u64, Health, &'static str)]) -> Vec<(SimTime, Verdict)> {
        (list.iter())
            .map(|(s, health, code)| {
                (SimTime::from_millis(s * 1000), Verdict::new(*health, code, code.to_string()))
            })
            .collect()
    }

    pub(crate) fn split(list: &[(u64, Health, &'static str)]) -> (Vec<Interval>, Vec<Outage>) {
        let owned = verdicts(list);
        let refs: Vec<(SimTime, &Verdict)> = owned.iter().map(|(at, v)| (*at, v)).collect();
        intervals_and_outages(&refs)
    }

    /// A new reason code inside an outage starts a new interval, not a new
    /// outage: one recovery, from the first BROKEN to HEALTHY.
    #[test]
    fn a_new_reason_inside_an_outage_is_one_outage() {
        use Health::*;
        let (intervals, outages) = split(&[
            (0, Healthy, "ok"),
            (100, Broken, "no-primary"),
            (1060, Broken, "member-down"),
            (1065, Healthy, "ok"),
        ]);
        assert_eq!(intervals.len(), 2);
        assert_eq!(intervals[1].time_to_recover_ms, Some(5_000), "each interval counts from its own start");
        assert_eq!(
            outages,
            [Outage {
                from_ms: 100_000,
                healthy_again_ms: Some(1_065_000),
                time_to_recover_ms: Some(965_000),
                codes: vec!["no-primary".into(), "member-down".into()],
            }]
        );
    }

    /// DEGRADED before the first BROKEN is no outage; DEGRADED after it,
    /// before HEALTHY, is part of it; an outage open at the end has no
    /// recovery; the run's first verdicts (FORMING) start none.
    #[test]
    fn an_outage_runs_from_the_first_broken_to_healthy() {
        use Health::*;
        let (intervals, outages) = split(&[
            (0, Forming, "forming"),
            (10, Degraded, "slow"),
            (20, Broken, "a"),
            (30, Degraded, "slow"),
            (35, Broken, "a"),
            (40, Healthy, "ok"),
            (50, Degraded, "slow"),
            (60, Healthy, "ok"),
            (70, Broken, "b"),
        ]);
        assert_eq!(intervals.len(), 6);
        let spans: Vec<(u64, Option<u64>, Vec<String>)> =
            outages.iter().map(|o| (o.from_ms, o.time_to_recover_ms, o.codes.clone())).collect();
        assert_eq!(
            spans,
            [(20_000, Some(20_000), vec!["a".to_string()]), (70_000, None, vec!["b".to_string()])]
        );
        // From run start, BROKEN while forming opens an outage too.
        let (_, outages) = split(&[(0, Forming, "forming"), (5, Broken, "a"), (9, Healthy, "ok")]);
        assert_eq!(outages.iter().map(|o| o.time_to_recover_ms).collect::<Vec<_>>(), [Some(4_000)]);
    }
}
