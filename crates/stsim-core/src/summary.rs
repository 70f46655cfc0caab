//! The numbers of one finished run, for sweeps over many seeds: how long
//! each application was broken and took to recover, how long each
//! StatefulSet had fewer available pods than it wanted, what orphaned
//! volumes cost, which findings appeared, which expectations held.
//!
//! Built from the typed trace and [`crate::report::build_summary`]; renders
//! no text (no timeline, no digest). Does not aggregate runs: the CLI's
//! sweep does that.

use crate::apps::breakage::AppBreakage;
use crate::sim::{EndReason, Simulation};
use crate::trace::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One run, in numbers. Times in ms, money in micro-dollars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSummary {
    pub seed: u64,
    /// Why the run ended (`EndReason::as_str`): `budget-exhausted` and
    /// `operator-failed` are runs cut short, whose numbers cover less than
    /// the scenario's duration.
    pub end: String,
    pub events: u64,
    pub apps: Vec<AppRun>,
    pub statefulsets: Vec<SetRun>,
    /// What volumes cost while orphaned, over the run.
    pub orphaned_accrued: u64,
    /// Finding ids and how many of each.
    pub findings: BTreeMap<String, u32>,
    /// For each expectation of the scenario, in order: whether it held.
    pub expectations: Vec<bool>,
}

impl RunSummary {
    /// Whether the run stopped before its horizon for want of budget or
    /// because an operator failed: its numbers cover less than the
    /// scenario's duration.
    pub fn cut_short(&self) -> bool {
        self.end == EndReason::BudgetExhausted.as_str() || self.end == EndReason::OperatorFailed.as_str()
    }
}

/// One application over one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRun {
    pub app: String,
    /// Whether it was ever BROKEN.
    pub broke: bool,
    /// Time spent BROKEN.
    pub broken_ms: u64,
    /// Time spent DEGRADED.
    pub degraded_ms: u64,
    /// For each outage that ended HEALTHY: from its first BROKEN verdict to
    /// HEALTHY again, whatever reasons came between (one per outage, not per
    /// reason: `AppBreakage::outages`).
    pub recoveries_ms: Vec<u64>,
}

/// One StatefulSet over one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRun {
    pub statefulset: String,
    /// Time with fewer available replicas (`status.availableReplicas`) than
    /// `spec.replicas` asked for, from the first time it had them all.
    pub unavailable_ms: u64,
}

/// The summary of a finished run.
pub fn build(sim: &Simulation) -> RunSummary {
    let report = crate::report::build_summary(sim);
    let end = report.ended_at_ms;
    let expectations = crate::expect::passed(sim, &report);
    let mut findings: BTreeMap<String, u32> = BTreeMap::new();
    for finding in &report.findings {
        *findings.entry(finding.id.to_string()).or_default() += 1;
    }
    RunSummary {
        seed: sim.config.seed,
        end: sim.ended.map_or("running", |(_, reason)| reason.as_str()).to_string(),
        events: sim.events,
        apps: report.breakage.iter().map(|app| app_run(app, end)).collect(),
        statefulsets: unavailability(sim, end),
        orphaned_accrued: report.storage.orphaned_accrued.0,
        findings,
        expectations,
    }
}

fn app_run(app: &AppBreakage, end: u64) -> AppRun {
    let mut run = AppRun {
        app: app.app.clone(),
        broke: false,
        broken_ms: 0,
        degraded_ms: 0,
        recoveries_ms: Vec::new(),
    };
    for interval in &app.intervals {
        let length = interval.to_ms.unwrap_or(end).saturating_sub(interval.from_ms);
        if interval.health == "BROKEN" {
            run.broke = true;
            run.broken_ms += length;
        } else {
            run.degraded_ms += length;
        }
    }
    run.recoveries_ms = app.outages.iter().filter_map(|o| o.time_to_recover_ms).collect();
    run
}

/// Per StatefulSet (in id order), the time its available replicas fell
/// short of its desired replicas, once it had first had them all.
fn unavailability(sim: &Simulation, end: u64) -> Vec<SetRun> {
    struct Track {
        desired: u32,
        available: u32,
        /// Had every desired replica available at least once.
        up: bool,
        short_since: Option<u64>,
        total: u64,
    }
    impl Track {
        fn update(&mut self, at: u64) {
            let short = self.available < self.desired;
            if !short {
                self.up = true;
            }
            match (short && self.up, self.short_since) {
                (true, None) => self.short_since = Some(at),
                (false, Some(since)) => {
                    self.total += at - since;
                    self.short_since = None;
                }
                _ => {}
            }
        }
    }
    let world = &sim.world;
    let mut tracks: Vec<Track> = Vec::new();
    let track = |tracks: &mut Vec<Track>, index: usize| {
        while tracks.len() <= index {
            let set = &world.statefulsets[tracks.len()];
            let desired =
                sim.config.statefulsets.get(tracks.len()).map_or(set.spec.replicas, |s| s.spec.replicas);
            tracks.push(Track { desired, available: 0, up: false, short_since: None, total: 0 });
        }
    };
    let kinds = [crate::trace::Kind::StatefulSetScaled, crate::trace::Kind::StatefulSetStatus];
    for record in sim.trace.records.of_kinds(&kinds) {
        let at = record.at.as_millis();
        match &record.event {
            Event::StatefulSetScaled { sts, to, .. } => {
                track(&mut tracks, sts.index());
                tracks[sts.index()].desired = *to;
                tracks[sts.index()].update(at);
            }
            Event::StatefulSetStatus { sts, status } => {
                track(&mut tracks, sts.index());
                tracks[sts.index()].available = status.available_replicas;
                tracks[sts.index()].update(at);
            }
            _ => {}
        }
    }
    track(&mut tracks, world.statefulsets.len().saturating_sub(1));
    world
        .statefulsets
        .iter()
        .zip(tracks)
        .map(|(set, t)| SetRun {
            statefulset: set.name.clone(),
            unavailable_ms: t.total + t.short_since.map_or(0, |since| end.saturating_sub(since)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NodeFailureConfig, PodManagementPolicy};
    use crate::time::SimDuration;

    /// A week of failures on a small cluster: some pods go down, and the
    /// summary counts the time their sets were short, never more than the run.
    #[test]
    fn unavailability_counts_time_short_of_the_desired_replicas() {
        let mut config = crate::fixtures::scenario(
            "s",
            2,
            3,
            PodManagementPolicy::Parallel,
            SimDuration::from_mins(7 * 24 * 60),
        );
        config.cluster.node_pools[0].count = 3;
        config.cluster.node_failures =
            Some(NodeFailureConfig::crashes(SimDuration::from_mins(24 * 60), SimDuration::from_mins(30)));
        let (sim, _) = crate::run(config.clone());
        let summary = build(&sim);
        assert_eq!(summary.statefulsets.len(), 2);
        let total: u64 = summary.statefulsets.iter().map(|s| s.unavailable_ms).sum();
        assert!(total > 0, "nodes failed, so pods were unavailable: {summary:?}");
        for set in &summary.statefulsets {
            assert!(set.unavailable_ms < 7 * 24 * 3_600_000, "{set:?}");
        }
        // No failures: the sets come up once and stay up.
        config.cluster.node_failures = None;
        let (sim, _) = crate::run(config);
        assert!(build(&sim).statefulsets.iter().all(|s| s.unavailable_ms == 0));
    }

    /// One outage whose reason changes (BROKEN no-primary, then BROKEN
    /// member-down, then HEALTHY) is one recovery, from the first BROKEN;
    /// the time BROKEN is both intervals.
    #[test]
    fn one_outage_is_one_recovery_whatever_its_reasons() {
        use crate::apps::Health::*;
        let (intervals, outages) = crate::apps::breakage::tests::split(&[
            (0, Healthy, "ok"),
            (100, Broken, "no-primary"),
            (1060, Broken, "member-down"),
            (1065, Healthy, "ok"),
            (2000, Broken, "member-down"),
            (2030, Healthy, "ok"),
        ]);
        let app = AppBreakage {
            app: "redis".into(),
            kind: "PrimaryReplica".into(),
            addressing: "Dns".into(),
            statefulset: "redis".into(),
            first_healthy_ms: Some(0),
            health: "HEALTHY".into(),
            reason: String::new(),
            healthy_throughout: false,
            intervals,
            outages,
            writes_lost: Vec::new(),
        };
        let run = app_run(&app, 3_000_000);
        assert_eq!(run.recoveries_ms, [965_000, 30_000]);
        assert_eq!(run.broken_ms, 965_000 + 30_000);
        assert!(run.broke);
    }
}
