//! A sweep's result for people, and one JSON line per run for `--runs-out`.
//!
//! Owns the text report (per variant: shares, distributions, the worst
//! seeds and the command that replays one, quoted for a POSIX shell) and
//! the JSON lines. Names that came from shard files are printed with their
//! control characters escaped. Does not compute distributions.

use super::{Distribution, Sweep, Variant, WORST, shown};
use crate::input::{shell_word, single_quoted};
use serde::Serialize;
use std::fmt::Write as _;
use stsim_core::summary::RunSummary;

/// The command that replays one run of a variant, quoted for a POSIX
/// shell whatever the file name and the overrides hold (a merged shard
/// comes from a file anyone could have written).
///
/// A scenario read from standard input is replayed from standard input
/// (`stsim run - ...`, given the same scenario again).
pub fn replay(sweep: &Sweep, variant: &Variant, seed: u64) -> String {
    let file = if sweep.file == crate::input::STDIN { "-".into() } else { shell_word(&sweep.file) };
    let mut command = format!("stsim run {file} --seed {seed}");
    for set in &variant.set {
        let _ = write!(command, " --set {}", single_quoted(set));
    }
    if sweep.manifests_outside_root {
        command.push_str(" --load-restrictor LoadRestrictionsNone");
    }
    command
}

/// A duration to the second (to the millisecond under a second).
fn ms(value: u64) -> String {
    let value = if value >= 1000 { value / 1000 * 1000 } else { value };
    stsim_core::time::SimDuration::from_millis(value).to_string()
}

fn money(value: u64) -> String {
    stsim_core::pricing::Money(value).to_string()
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn line(out: &mut String, label: &str, d: &Distribution, show: &dyn Fn(u64) -> String) {
    let _ = write!(
        out,
        "    {label:<16} mean {:<9} p50 {:<9} p95 {:<9} p99 {:<9} max {}",
        show(d.mean),
        show(d.p50),
        show(d.p95),
        show(d.p99),
        show(d.max)
    );
    if !d.worst.is_empty() {
        let worst: Vec<String> = d.worst.iter().map(|(seed, v)| format!("{seed} ({})", show(*v))).collect();
        let _ = write!(out, "   worst seeds: {}", worst.join(", "));
    }
    out.push('\n');
}

/// The sweep for people.
pub fn render_text(sweep: &Sweep) -> String {
    let mut out = String::new();
    // The first few slices, then how many more (a merge of shards with
    // some missing can leave many).
    const SHOWN: usize = 10;
    let mut ranges: Vec<String> =
        sweep.covered.iter().take(SHOWN).map(|(a, b)| format!("{a}..{}", b - 1)).collect();
    if sweep.covered.len() > SHOWN {
        ranges.push(format!("and {} more ranges", sweep.covered.len() - SHOWN));
    }
    if ranges.is_empty() {
        ranges.push("none".to_string());
    }
    let _ = writeln!(
        out,
        "sweep of {} ({}): seeds {} of {}..{}, {} variant(s)",
        shown(&sweep.scenario),
        shown(&sweep.file),
        ranges.join(", "),
        sweep.first_seed,
        sweep.first_seed + sweep.seeds - 1,
        sweep.variants.len()
    );
    for variant in &sweep.variants {
        let s = &variant.summary;
        let _ = writeln!(out, "\nvariant {} ({} runs)", shown(&variant.name), s.runs);
        if s.runs == 0 {
            // A shard whose slice holds no seed: no distribution to show.
            let _ =
                writeln!(out, "  no runs: this shard holds no seed of the range (merge it with the others)");
            continue;
        }
        if s.cut_short > 0 {
            let seeds: Vec<String> = variant
                .runs
                .iter()
                .filter(|r| r.cut_short())
                .take(WORST)
                .map(|r| r.seed.to_string())
                .collect();
            let _ = writeln!(
                out,
                "  cut short: {} of {} runs stopped before the scenario's duration (budget or operator), seeds {}{}",
                s.cut_short,
                s.runs,
                seeds.join(", "),
                if s.cut_short > seeds.len() as u64 { ", ..." } else { "" }
            );
        }
        if !sweep.expectations.is_empty() {
            let _ = writeln!(
                out,
                "  expectations: all held in {} of {} runs ({})",
                s.all_expectations_passed,
                s.runs,
                percent(s.all_expectations_passed, s.runs)
            );
            for (expectation, passed) in sweep.expectations.iter().zip(&s.expectations_passed) {
                let _ = writeln!(out, "    {}: held in {passed} runs", shown(expectation));
            }
        }
        for app in &s.apps {
            let _ = writeln!(
                out,
                "  app {}: BROKEN in {} of {} runs ({})",
                shown(&app.app),
                app.broke_runs,
                s.runs,
                percent(app.broke_runs, s.runs)
            );
            line(&mut out, "time broken", &app.broken_ms, &ms);
            line(&mut out, "time degraded", &app.degraded_ms, &ms);
            if app.recovery_ms.count > 0 {
                line(&mut out, "time to recover", &app.recovery_ms, &ms);
            }
            if let Some((seed, _)) = app.broken_ms.worst.first() {
                let _ = writeln!(out, "    replay the worst: {}", replay(sweep, variant, *seed));
            }
        }
        for set in &s.statefulsets {
            let _ = writeln!(
                out,
                "  statefulset {}: pods short of the desired replicas",
                shown(&set.statefulset)
            );
            line(&mut out, "time short", &set.unavailable_ms, &ms);
            // A sweep with no application to judge still names how to see
            // its worst run: the one with the set short longest.
            if s.apps.is_empty()
                && let Some(&(seed, short)) = set.unavailable_ms.worst.first()
                && short > 0
            {
                let _ = writeln!(out, "    replay the worst: {}", replay(sweep, variant, seed));
            }
        }
        let _ = writeln!(out, "  orphaned volumes");
        line(&mut out, "cost", &s.orphaned_cost, &money);
        if s.findings.is_empty() {
            let _ = writeln!(out, "  findings: none");
        }
        for finding in &s.findings {
            let seeds: Vec<String> = finding.seeds.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "  finding {}: in {} runs ({}), seeds {}",
                shown(&finding.id),
                finding.runs,
                percent(finding.runs, s.runs),
                seeds.join(", ")
            );
        }
        let _ = writeln!(out, "  events per run: mean {}, max {}", s.events.mean, s.events.max);
    }
    out
}

/// One JSON line per run, for `--runs-out`.
pub fn runs_lines(sweep: &Sweep) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        variant: &'a str,
        #[serde(flatten)]
        run: &'a RunSummary,
    }
    let mut out = String::new();
    for variant in &sweep.variants {
        for run in &variant.runs {
            let line = Line { variant: &variant.name, run };
            // invariant: plain data with string keys always serializes to JSON.
            out.push_str(&serde_json::to_string(&line).expect("a run serializes"));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::summarize;

    #[test]
    fn replay_commands_are_one_shell_word_each() {
        let mut sweep = Sweep {
            format: crate::sweep::FORMAT,
            stsim: "0.1.0".to_string(),
            scenario: "s".to_string(),
            digest: String::new(),
            file: "scenarios/redis.ron".to_string(),
            first_seed: 1,
            seeds: 1,
            covered: vec![(1, 2)],
            expectations: Vec::new(),
            variants: Vec::new(),
            manifests_outside_root: false,
        };
        let variant = Variant {
            name: "v".to_string(),
            set: vec!["replicas=5".to_string(), "x=it's\u{1b}[2J".to_string()],
            summary: summarize(&[], 0),
            runs: Vec::new(),
        };
        assert_eq!(
            replay(&sweep, &variant, 7),
            "stsim run scenarios/redis.ron --seed 7 --set 'replicas=5' --set 'x=it'\\''s\\u{1b}[2J'"
        );
        sweep.file = "my scenarios/$(reboot).ron".to_string();
        assert!(replay(&sweep, &variant, 7).starts_with("stsim run 'my scenarios/$(reboot).ron' --seed 7"));
        // A sweep that read manifests from outside the scenario's
        // directory replays with the same consent.
        sweep.manifests_outside_root = true;
        assert!(
            replay(&sweep, &variant, 7)
                .ends_with("--set 'x=it'\\''s\\u{1b}[2J' --load-restrictor LoadRestrictionsNone")
        );
        // A scenario read from standard input is replayed from it.
        sweep.file = crate::input::STDIN.to_string();
        assert!(replay(&sweep, &variant, 7).starts_with("stsim run - --seed 7 "));
    }
}
