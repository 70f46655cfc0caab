//! `stsim merge`: shard outputs, read back from files, checked and combined.
//!
//! Owns what a shard must hold to be merged (its slices inside its seed
//! range, one run per seed of them in each variant, runs that name the same
//! applications, StatefulSets and expectations), the seeds no input holds,
//! and the combination, whose distributions are those one process running
//! every seed would give. Does not read files (the caller does) nor render.

use super::{Sweep, shown, summarize};
use stsim_core::summary::RunSummary;

/// What a shard's runs name, in order, for one variant: applications,
/// StatefulSets and (by count) expectations. Every run of a variant, in
/// every shard, names the same; the distributions are built on that.
#[derive(PartialEq)]
struct Shape<'a> {
    apps: Vec<&'a str>,
    statefulsets: Vec<&'a str>,
    expectations: usize,
}

impl<'a> Shape<'a> {
    fn of(run: &'a RunSummary) -> Shape<'a> {
        Shape {
            apps: run.apps.iter().map(|a| a.app.as_str()).collect(),
            statefulsets: run.statefulsets.iter().map(|s| s.statefulset.as_str()).collect(),
            expectations: run.expectations.len(),
        }
    }
}

/// Checks that a shard read from `name` holds what `stsim sweep` writes:
/// its slices inside its seed range, sorted and apart; in each variant one
/// run for each seed of the slices, in seed order; and runs that name the
/// same applications, StatefulSets and expectations as `shapes` (the first
/// run seen of each variant, over every shard). A file edited by hand or cut
/// short is refused here rather than merged into numbers that look right.
fn check_part<'a>(name: &str, part: &'a Sweep, shapes: &mut Vec<Option<Shape<'a>>>) -> Result<(), String> {
    let refuse = |what: String| {
        Err(format!("error: {name}: {what}; is it the JSON output of `stsim sweep -o json`?\n"))
    };
    if part.seeds == 0 {
        return refuse("its seed range is empty".to_string());
    }
    if part.variants.is_empty() {
        return refuse("it has no variants".to_string());
    }
    let Some(end) = part.first_seed.checked_add(part.seeds) else {
        return refuse(format!(
            "its seed range {}+{} runs past the largest seed",
            part.first_seed, part.seeds
        ));
    };
    let mut count = 0u64;
    let mut previous_end = part.first_seed;
    for (i, &(from, to)) in part.covered.iter().enumerate() {
        if from < previous_end || to <= from || to > end {
            return refuse(format!(
                "covered[{i}] is {from}..{to}, which is not a slice of {}..{end} after the slices before it",
                part.first_seed
            ));
        }
        previous_end = to;
        count += to - from;
    }
    shapes.resize_with(shapes.len().max(part.variants.len()), || None);
    for (v, variant) in part.variants.iter().enumerate() {
        if variant.runs.len() as u64 != count {
            return refuse(format!(
                "variant {v} ({}) has {} runs for the {count} seeds it covers",
                shown(&variant.name),
                variant.runs.len()
            ));
        }
        // Runs and slices are both in seed order: walked together, each
        // run is checked against the slice it must be in, in one pass.
        let mut previous: Option<u64> = None;
        let mut slices = part.covered.iter().peekable();
        for (r, run) in variant.runs.iter().enumerate() {
            while slices.next_if(|&&(_, to)| run.seed >= to).is_some() {}
            let covered = slices.peek().is_some_and(|&&(from, _)| run.seed >= from);
            if previous.is_some_and(|p| run.seed <= p) || !covered {
                return refuse(format!(
                    "variants[{v}].runs[{r}] is seed {}, which is out of seed order or outside the slices it covers",
                    run.seed
                ));
            }
            previous = Some(run.seed);
            if !stsim_core::sim::EndReason::ALL.iter().any(|e| e.as_str() == run.end) {
                let known: Vec<&str> = stsim_core::sim::EndReason::ALL.iter().map(|e| e.as_str()).collect();
                return refuse(format!(
                    "variants[{v}].runs[{r}] (seed {}) ended {:?}, which is none of {}",
                    run.seed,
                    shown(&run.end),
                    known.join(", ")
                ));
            }
            // An application never BROKEN has no time broken and no recovery.
            if let Some(app) =
                run.apps.iter().find(|a| !a.broke && (a.broken_ms > 0 || !a.recoveries_ms.is_empty()))
            {
                return refuse(format!(
                    "variants[{v}].runs[{r}] (seed {}) says {} never broke, yet gives it {} ms broken and {} \
                     recoveries",
                    run.seed,
                    shown(&app.app),
                    app.broken_ms,
                    app.recoveries_ms.len()
                ));
            }
            let shape = Shape::of(run);
            if shape.expectations != part.expectations.len() {
                return refuse(format!(
                    "variants[{v}].runs[{r}] (seed {}) has {} expectation results for the sweep's {}",
                    run.seed,
                    shape.expectations,
                    part.expectations.len()
                ));
            }
            match &shapes[v] {
                None => shapes[v] = Some(shape),
                Some(first) if *first == shape => {}
                Some(first) => {
                    return refuse(format!(
                        "variants[{v}].runs[{r}] (seed {}) names applications {:?} and StatefulSets {:?} where \
                         the other runs name {:?} and {:?}",
                        run.seed, shape.apps, shape.statefulsets, first.apps, first.statefulsets
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The seeds of the whole range that no slice of `sweep` covers, `[from, to)`.
pub fn missing(sweep: &Sweep) -> Vec<(u64, u64)> {
    let mut gaps = Vec::new();
    let mut at = sweep.first_seed;
    for &(from, to) in &sweep.covered {
        if from > at {
            gaps.push((at, from));
        }
        at = at.max(to);
    }
    let end = sweep.first_seed.saturating_add(sweep.seeds);
    if at < end {
        gaps.push((at, end));
    }
    gaps
}

/// How `b` is not of `a`'s sweep, if it is not: another stsim, scenario
/// name, seed range, expectations or variants, and only then what it ran
/// (the digest: the file was edited between the shards), since other
/// variants also run something else.
fn differs(a: &Sweep, b: &Sweep) -> Option<String> {
    let variants = |s: &Sweep| s.variants.iter().map(|v| shown(&v.name).into_owned()).collect::<Vec<_>>();
    if a.stsim != b.stsim {
        Some(format!("it was run by stsim {}, the first by stsim {}", shown(&b.stsim), shown(&a.stsim)))
    } else if a.scenario != b.scenario {
        Some(format!("its scenario is {}, the first's {}", shown(&b.scenario), shown(&a.scenario)))
    } else if (a.first_seed, a.seeds) != (b.first_seed, b.seeds) {
        Some(format!(
            "its seed range is {}+{}, the first's {}+{}",
            b.first_seed, b.seeds, a.first_seed, a.seeds
        ))
    } else if a.expectations != b.expectations {
        Some("its expectations differ from the first's".to_string())
    } else if a.variants.len() != b.variants.len()
        || a.variants.iter().zip(&b.variants).any(|(a, b)| a.set != b.set)
    {
        Some(format!("its variants are {:?}, the first's {:?}", variants(b), variants(a)))
    } else if a.digest != b.digest {
        Some(format!(
            "its scenario {} ran as something else (digest {}, the first's {}): was the file, or a manifest it \
             names, changed between the shards?",
            shown(&b.scenario),
            shown(&b.digest),
            shown(&a.digest)
        ))
    } else {
        None
    }
}

/// Combines shard results of one sweep into the result of the whole.
pub fn merge(parts: Vec<(String, Sweep)>) -> Result<Sweep, String> {
    // Each part is of the first one's sweep, before the runs of one are
    // compared with another's: a shard of another scenario is named as
    // such, not as a damaged file.
    if let Some((first_name, first)) = parts.first() {
        for (name, part) in &parts[1..] {
            if let Some(how) = differs(first, part) {
                return Err(format!("error: {name} is not of {first_name}'s sweep: {how}\n"));
            }
        }
    }
    let mut shapes = Vec::new();
    for (name, part) in &parts {
        check_part(name, part, &mut shapes)?;
    }
    drop(shapes);
    // Every slice with the input it came from, in seed order: two that
    // overlap are named by their files.
    let mut slices: Vec<(u64, u64, usize)> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, (_, part))| part.covered.iter().map(move |&(from, to)| (from, to, i)))
        .collect();
    slices.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    let mut last_owner = 0;
    for (from, to, owner) in slices {
        match merged.last_mut() {
            Some(last) if from < last.1 => {
                let (a, b) = (&parts[last_owner].0, &parts[owner].0);
                let also = if a == b { ", given twice".to_string() } else { format!(" and {b}") };
                return Err(format!(
                    "error: seeds {from}..{} are in {a}{also}: each seed may be in one input only\n",
                    to.min(last.1) - 1
                ));
            }
            Some(last) if from == last.1 => last.1 = to,
            _ => merged.push((from, to)),
        }
        last_owner = owner;
    }
    // Shards run from different directories name the file differently
    // (their digests say it is the same): the smallest name is kept, so
    // that the merge does not depend on the order of its inputs.
    let file = parts.iter().map(|(_, part)| &part.file).min().cloned();
    let mut parts = parts.into_iter();
    let Some((_, mut whole)) = parts.next() else {
        return Err("error: nothing to merge\n".to_string());
    };
    whole.file = file.unwrap_or_default();
    for (_, part) in parts {
        // A shard that needed the restrictor lifted read its manifests
        // from outside: the replay commands need it too.
        whole.manifests_outside_root |= part.manifests_outside_root;
        for (into, from) in whole.variants.iter_mut().zip(part.variants) {
            into.runs.extend(from.runs);
        }
    }
    whole.covered = merged;
    let expectations = whole.expectations.len();
    for variant in &mut whole.variants {
        variant.runs.sort_by_key(|r| r.seed);
        variant.summary = summarize(&variant.runs, expectations);
    }
    Ok(whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Variant, render_text};

    /// A shard of seeds 1..=4 of 1..=6, one variant, one app, one expectation.
    fn shard() -> Sweep {
        let run = |seed| RunSummary {
            seed,
            end: "horizon".to_string(),
            events: 10,
            apps: vec![stsim_core::summary::AppRun {
                app: "redis".to_string(),
                broke: false,
                broken_ms: 0,
                degraded_ms: 0,
                recoveries_ms: Vec::new(),
            }],
            statefulsets: Vec::new(),
            orphaned_accrued: 0,
            findings: Default::default(),
            expectations: vec![true],
        };
        let runs: Vec<RunSummary> = (1..5).map(run).collect();
        Sweep {
            format: crate::sweep::FORMAT,
            stsim: "0.1.0".to_string(),
            scenario: "s".to_string(),
            digest: "0123456789abcdef".to_string(),
            file: "s.ron".to_string(),
            first_seed: 1,
            seeds: 6,
            covered: vec![(1, 5)],
            expectations: vec!["NeverBroken(redis)".to_string()],
            variants: vec![Variant {
                name: "as written".to_string(),
                set: Vec::new(),
                summary: summarize(&runs, 1),
                runs,
            }],
            manifests_outside_root: false,
        }
    }

    #[test]
    fn a_shard_that_sweep_did_not_write_is_refused() {
        let merged = |part: Sweep| merge(vec![("part.json".to_string(), part)]);
        let whole = merged(shard()).unwrap();
        assert_eq!(missing(&whole), vec![(5, 7)]);
        /// What each edit breaks, as the error says it.
        type Edit = (&'static str, fn(&mut Sweep));
        let edits: [Edit; 14] = [
            ("ended \"horizon2\", which is none of horizon", |s| {
                s.variants[0].runs[1].end = "horizon2".into()
            }),
            ("says redis never broke, yet gives it 5 ms broken", |s| {
                s.variants[0].runs[2].apps[0].broken_ms = 5
            }),
            ("0 ms broken and 1 recoveries", |s| s.variants[0].runs[0].apps[0].recoveries_ms.push(7)),
            ("app", |s| s.variants[0].runs[2].apps.clear()),
            ("expectation", |s| s.variants[0].runs[1].expectations.clear()),
            ("seed order", |s| s.variants[0].runs.swap(0, 1)),
            ("outside", |s| s.variants[0].runs[3].seed = 6),
            ("runs for", |s| drop(s.variants[0].runs.pop())),
            ("slice", |s| s.covered = vec![(3, 2)]),
            ("slice", |s| s.covered = vec![(1, 9)]),
            ("slice", |s| s.covered = vec![(1, 3), (2, 5)]),
            ("largest seed", |s| s.first_seed = u64::MAX - 2),
            ("empty", |s| s.seeds = 0),
            ("no variants", |s| s.variants.clear()),
        ];
        for (what, edit) in edits {
            let mut part = shard();
            edit(&mut part);
            let error = merged(part).unwrap_err();
            assert!(error.contains("part.json") && error.contains(what), "{what}: {error}");
        }
        // Two shards whose runs name different applications.
        let mut other = shard();
        other.covered = vec![(5, 7)];
        for (run, seed) in other.variants[0].runs.iter_mut().zip(5..) {
            run.seed = seed;
            run.apps[0].app = "etcd".to_string();
        }
        other.variants[0].runs.truncate(2);
        let error = merge(vec![("a.json".to_string(), shard()), ("b.json".to_string(), other)]).unwrap_err();
        assert!(error.contains("b.json") && error.contains("etcd"), "{error}");
    }

    /// Shards of different sweeps are refused, saying how they differ;
    /// overlapping shards are refused naming both files and the seeds
    /// (inclusive, as every range printed).
    #[test]
    fn shards_of_other_sweeps_or_overlapping_are_named() {
        let second = || {
            let mut other = shard();
            other.covered = vec![(5, 7)];
            for (run, seed) in other.variants[0].runs.iter_mut().zip(5..) {
                run.seed = seed;
            }
            other.variants[0].runs.truncate(2);
            other
        };
        merge(vec![("a.json".to_string(), shard()), ("b.json".to_string(), second())]).unwrap();
        // The file as each shard named it may differ (run from elsewhere):
        // the smallest name is kept, whatever the order.
        let mut elsewhere = second();
        elsewhere.file = "../s.ron".to_string();
        for order in [[0, 1], [1, 0]] {
            let parts = [("a.json".to_string(), shard()), ("b.json".to_string(), elsewhere.clone())];
            let merged = merge(order.iter().map(|&i| parts[i].clone()).collect()).unwrap();
            assert_eq!(merged.file, "../s.ron");
        }
        type Edit = (&'static str, fn(&mut Sweep));
        let edits: [Edit; 7] = [
            ("stsim 0.0.9", |s| s.stsim = "0.0.9".to_string()),
            ("its scenario is t", |s| s.scenario = "t".to_string()),
            ("changed between the shards", |s| s.digest = "fedcba9876543210".to_string()),
            ("seed range is 1+7", |s| s.seeds = 7),
            ("expectations differ", |s| s.expectations.clear()),
            ("variants are", |s| s.variants[0].set.push("replicas=5".to_string())),
            // Other values run another scenario too: the variants are named, not the file.
            ("variants are", |s| {
                s.variants[0].set.push("replicas=5".to_string());
                s.digest = "fedcba9876543210".to_string();
            }),
        ];
        for (what, edit) in edits {
            let mut other = second();
            edit(&mut other);
            let error =
                merge(vec![("a.json".to_string(), shard()), ("b.json".to_string(), other)]).unwrap_err();
            assert!(
                error.contains("b.json is not of a.json's sweep") && error.contains(what),
                "{what}: {error}"
            );
        }
        let mut overlapping = second();
        overlapping.covered = vec![(3, 5)];
        for (run, seed) in overlapping.variants[0].runs.iter_mut().zip(3..) {
            run.seed = seed;
        }
        let error =
            merge(vec![("a.json".to_string(), shard()), ("b.json".to_string(), overlapping)]).unwrap_err();
        assert!(error.contains("seeds 3..4 are in a.json and b.json"), "{error}");
        let error =
            merge(vec![("a.json".to_string(), shard()), ("a.json".to_string(), shard())]).unwrap_err();
        assert!(error.contains("seeds 1..4 are in a.json, given twice"), "{error}");
    }

    /// A shard written as 100,000 one-seed slices, every other seed, is
    /// read in one pass over its runs and slices together (a search of the
    /// slices for each run took 5 * 10^9 steps), and merges.
    #[test]
    fn a_shard_of_many_slices_is_checked_in_one_pass() {
        let mut part = shard();
        let template = part.variants[0].runs[0].clone();
        part.seeds = 200_000;
        part.covered = (0..100_000).map(|i| (1 + 2 * i, 2 + 2 * i)).collect();
        part.variants[0].runs =
            (0..100_000).map(|i| RunSummary { seed: 1 + 2 * i, ..template.clone() }).collect();
        let merged = merge(vec![("many.json".to_string(), part)]).unwrap();
        assert_eq!(merged.covered.len(), 100_000, "slices apart stay apart");
        assert_eq!(missing(&merged).len(), 100_000);
        let first = render_text(&merged).lines().next().unwrap().to_string();
        assert!(
            first.contains("seeds 1..1, 3..3,") && first.contains("and 99990 more ranges of 1..200000"),
            "{first}"
        );
    }

    proptest::proptest! {
        /// Whatever a shard file says, merging two of them and printing the
        /// result answers or refuses; it never panics. Each shard is a valid
        /// one with its numbers, slices and lists changed at random.
        #[test]
        fn merging_edited_shards_never_panics(
            edits in proptest::collection::vec((0u8..10, proptest::prelude::any::<u64>(), 0usize..6), 0..6),
        ) {
            let mut first = shard();
            let mut second = shard();
            second.covered = vec![(5, 7)];
            second.variants[0].runs.truncate(2);
            for (run, seed) in second.variants[0].runs.iter_mut().zip(5..) {
                run.seed = seed;
            }
            for (n, (what, value, at)) in edits.into_iter().enumerate() {
                let part = if n % 2 == 0 { &mut first } else { &mut second };
                match what {
                    0 => part.first_seed = value,
                    1 => part.seeds = value,
                    2 => part.covered.push((value, value.wrapping_add(at as u64))),
                    3 => part.covered.clear(),
                    8 => part.expectations.truncate(at % 2),
                    9 => part.variants.truncate(at % 2),
                    _ => {
                        let Some(variant) = part.variants.first_mut() else { continue };
                        let runs = &mut variant.runs;
                        let run = at % runs.len().max(1);
                        match what {
                            4 => runs.truncate(at),
                            5 if !runs.is_empty() => runs[run].seed = value,
                            6 if !runs.is_empty() => runs[run].apps.truncate(at % 2),
                            7 if !runs.is_empty() => runs[run].expectations.truncate(at % 2),
                            _ => {}
                        }
                    }
                }
            }
            let parts = vec![("a.json".to_string(), first), ("b.json".to_string(), second)];
            if let Ok(merged) = merge(parts) {
                let _ = missing(&merged);
                let _ = render_text(&merged);
            }
        }
    }
}
