//! `stsim sweep` and `stsim merge`: one scenario over many seeds (and
//! variants), summarized as distributions.
//!
//! Owns the seed range and its shards (`--shard K/N`, or K from
//! `JOB_COMPLETION_INDEX` / `SLURM_ARRAY_TASK_ID`), the variants
//! (`--vary path=v1,v2`, applied to the text by `stsim_scenario::overrides`),
//! running the runs on a rayon pool, the progress bar (on a terminal only),
//! the aggregation (shares, mean, p50/p95/p99/max, the worst seeds and the
//! command that replays one), the text and JSON renderings, the JSON lines
//! of `--runs-out`, and merging shard outputs. Each run is summarized by
//! `stsim_core::summary`; results are collected in seed order and
//! aggregated after, so they do not depend on the number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use stsim_core::summary::RunSummary;

/// How many worst runs each distribution names.
const WORST: usize = 3;

/// The most variants one sweep compares: each is a scenario of its own, parsed and kept.
pub const MAX_VARIANTS: usize = 1000;

/// The most `--vary` options (paths) one sweep takes.
pub const MAX_VARY: usize = 64;

/// The most threads `--jobs` asks for.
pub const MAX_JOBS: usize = 1024;

/// The most runs (variants times seeds) one process makes. A sweep keeps
/// every run's numbers, for the exact percentiles and for `stsim merge`:
/// about a kilobyte each, so a million is a gigabyte. Bigger sweeps are
/// split with `--shard` and merged.
pub const MAX_RUNS: u64 = 1_000_000;

/// What `stsim sweep` was asked.
pub struct Request {
    pub file: String,
    pub seeds: u64,
    pub first_seed: u64,
    pub vary: Vec<String>,
    pub shard: Option<String>,
    pub jobs: Option<usize>,
    /// Show a progress bar (the caller checks for a terminal).
    pub progress: bool,
}

/// A sweep's result: every run's numbers and their distributions. The JSON
/// form of a shard is what `stsim merge` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub scenario: String,
    /// The file as named on the command line.
    pub file: String,
    pub first_seed: u64,
    /// The whole seed range: `first_seed .. first_seed + seeds`.
    pub seeds: u64,
    /// The slices of the range this result holds, `[from, to)`, merged and sorted.
    pub covered: Vec<(u64, u64)>,
    /// The scenario's expectations, as written.
    pub expectations: Vec<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// `podManagementPolicy=Parallel, replicas=5`, or `as written`.
    pub name: String,
    /// The `path=value` overrides, in order.
    pub set: Vec<String>,
    pub summary: VariantSummary,
    /// Every run, in seed order.
    pub runs: Vec<RunSummary>,
}

/// The distributions of one variant's runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    pub runs: u64,
    /// Runs in which every expectation held.
    pub all_expectations_passed: u64,
    /// Per expectation, in order: runs in which it held.
    pub expectations_passed: Vec<u64>,
    pub apps: Vec<AppStats>,
    pub statefulsets: Vec<SetStats>,
    /// Micro-dollars spent on orphaned volumes over a run.
    pub orphaned_cost: Distribution,
    pub findings: Vec<FindingStats>,
    pub events: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppStats {
    pub app: String,
    /// Runs in which it was ever BROKEN.
    pub broke_runs: u64,
    pub broken_ms: Distribution,
    pub degraded_ms: Distribution,
    /// Over BROKEN intervals that ended HEALTHY: from the start to HEALTHY again.
    pub recovery_ms: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetStats {
    pub statefulset: String,
    pub unavailable_ms: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingStats {
    pub id: String,
    /// Runs with at least one.
    pub runs: u64,
    /// The first few such seeds.
    pub seeds: Vec<u64>,
}

/// Integers over runs (or intervals), nearest-rank percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub count: u64,
    /// Rounded down.
    pub mean: u64,
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
    pub max: u64,
    /// The seeds of the largest values, largest first (lower seed on a tie), with the value.
    pub worst: Vec<(u64, u64)>,
}

impl Distribution {
    /// Of `(seed, value)` pairs.
    pub fn of(mut values: Vec<(u64, u64)>) -> Distribution {
        let count = values.len() as u64;
        let sum: u128 = values.iter().map(|(_, v)| u128::from(*v)).sum();
        values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        // Each seed once, at its largest value.
        let mut worst: Vec<(u64, u64)> = Vec::new();
        for (seed, value) in values.iter().filter(|(_, v)| *v > 0) {
            if worst.len() == WORST {
                break;
            }
            if !worst.iter().any(|(s, _)| s == seed) {
                worst.push((*seed, *value));
            }
        }
        let mut sorted: Vec<u64> = values.iter().map(|(_, v)| *v).collect();
        sorted.sort_unstable();
        // Nearest rank: the smallest value with at least q of them at or below it.
        let rank = |q_percent: u64| -> u64 {
            if sorted.is_empty() {
                return 0;
            }
            let index = (count * q_percent).div_ceil(100).max(1) - 1;
            sorted[index as usize]
        };
        Distribution {
            count,
            mean: if count == 0 { 0 } else { (sum / u128::from(count)) as u64 },
            p50: rank(50),
            p95: rank(95),
            p99: rank(99),
            max: sorted.last().copied().unwrap_or(0),
            worst,
        }
    }
}

/// `K/N`, or `N` with K from the job's index.
fn shard_of(spec: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(u64, u64), String> {
    let bad = || {
        format!(
            "error: --shard {}: expected K/N (0 <= K < N), or N with K from the environment\n",
            shown(spec)
        )
    };
    let (k, n) = match spec.split_once('/') {
        Some((k, n)) => (Some(k.trim().parse::<u64>().map_err(|_| bad())?), n),
        None => (None, spec),
    };
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(bad());
    }
    let k = match k {
        Some(k) if k < n => k,
        Some(_) => return Err(bad()),
        None => {
            let parse = |name: &str, value: String| {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("error: {name}={} is not a number\n", shown(&value)))
            };
            // The index must be a shard of the N asked for: a Job's
            // completions or an array's size that disagrees with N would
            // leave seeds out or run them twice.
            let beyond = |what: String| {
                format!(
                    "error: --shard {n}: {what} is not a shard of {n} (0 to {}); the Job's completions or the \
                     array's size must be {n}\n",
                    n - 1
                )
            };
            if let Some(value) = env("JOB_COMPLETION_INDEX") {
                let k = parse("JOB_COMPLETION_INDEX", value)?;
                if k >= n {
                    return Err(beyond(format!("JOB_COMPLETION_INDEX={k}")));
                }
                k
            } else if let Some(value) = env("SLURM_ARRAY_TASK_ID") {
                let id = parse("SLURM_ARRAY_TASK_ID", value)?;
                let min = match env("SLURM_ARRAY_TASK_MIN") {
                    Some(value) => parse("SLURM_ARRAY_TASK_MIN", value)?,
                    None => 0,
                };
                match id.checked_sub(min) {
                    Some(k) if k < n => k,
                    _ => {
                        return Err(beyond(format!(
                            "SLURM_ARRAY_TASK_ID={id} (from SLURM_ARRAY_TASK_MIN={min})"
                        )));
                    }
                }
            } else {
                return Err(format!(
                    "error: --shard {} gives no K, and neither JOB_COMPLETION_INDEX nor \
SLURM_ARRAY_TASK_ID is set\n  = help: write --shard K/N\n",
                    shown(spec)
                ));
            }
        }
    };
    Ok((k, n))
}

/// The `[from, to)` seed slice of shard `k` of `n` over `seeds` seeds from `first`.
pub fn slice(first: u64, seeds: u64, k: u64, n: u64) -> (u64, u64) {
    let at = |i: u64| first + (u128::from(seeds) * u128::from(i) / u128::from(n)) as u64;
    (at(k), at(k + 1))
}

/// Splits `v1,v2,...` at commas outside quotes and brackets.
fn split_values(values: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut current) = (0i32, false, String::new());
    let mut chars = values.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                continue;
            }
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

/// Every combination of the `--vary` values, the first `--vary` outermost.
fn variants(vary: &[String]) -> Result<Vec<Vec<(String, String)>>, String> {
    if vary.len() > MAX_VARY {
        return Err(format!(
            "error: {} --vary options; at most {MAX_VARY} paths are varied in one sweep\n",
            vary.len()
        ));
    }
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    let mut paths: Vec<&str> = Vec::new();
    let mut count = 1usize;
    for spec in vary {
        let Some((path, values)) = spec.split_once('=') else {
            return Err(format!("error: --vary {spec}: expected path=value1,value2,...\n"));
        };
        let values = split_values(values);
        if path.trim().is_empty() || values.iter().any(String::is_empty) {
            return Err(format!(
                "error: --vary {spec}: expected path=value1,value2,... with no empty value\n"
            ));
        }
        if paths.contains(&path.trim()) {
            return Err(format!(
                "error: --vary {spec}: {} is varied twice; give all its values in one --vary\n",
                path.trim()
            ));
        }
        paths.push(path.trim());
        count = count.saturating_mul(values.len());
        if count > MAX_VARIANTS {
            return Err(format!(
                "error: --vary {spec}: the --vary options make more than {MAX_VARIANTS} variants (every \
                 combination of their values is one); vary fewer paths or values per sweep\n"
            ));
        }
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                values.iter().map(move |value| {
                    let mut next = combo.clone();
                    next.push((path.trim().to_string(), value.clone()));
                    next
                })
            })
            .collect();
    }
    Ok(combos)
}

/// The scenario text with the overrides applied, parsed.
pub fn configure(file: &str, source: &str, set: &[(String, String)]) -> Result<stsim_core::Config, String> {
    let text = apply(file, source, set)?;
    let label = match set.is_empty() {
        true => file.to_string(),
        false => format!("{file} (with {})", describe(set)),
    };
    crate::parse(&label, &text, &stsim_scenario::Limits::DEFAULT)
}

/// The scenario's text with `set`'s values replaced (RON scenarios only).
pub fn apply(file: &str, source: &str, set: &[(String, String)]) -> Result<String, String> {
    let mut text = source.to_string();
    for (path, value) in set {
        text = stsim_scenario::overrides::set(&text, path, value).map_err(|message| {
            crate::input::escape(&format!("error: {file}: cannot set {path}={value}: {message}\n"))
        })?;
    }
    Ok(text)
}

/// `a=1, b=2`.
pub fn describe(set: &[(String, String)]) -> String {
    set.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(", ")
}

/// Runs a sweep (or its shard).
pub fn run(
    request: &Request,
    source: &str,
    exec: &crate::consent::ExecPolicy,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Sweep, String> {
    if request.seeds == 0 {
        return Err("error: --seeds must be at least 1\n".to_string());
    }
    if request.first_seed.checked_add(request.seeds).is_none() {
        return Err("error: --first-seed plus --seeds is beyond the largest seed\n".to_string());
    }
    let (from, to) = match &request.shard {
        Some(spec) => {
            let (k, n) = shard_of(spec, env)?;
            slice(request.first_seed, request.seeds, k, n)
        }
        None => (request.first_seed, request.first_seed + request.seeds),
    };
    let combos = variants(&request.vary)?;
    let mut configs = Vec::new();
    for set in &combos {
        configs.push(configure(&request.file, source, set)?);
    }
    let expectations: Vec<String> =
        configs[0].expect.iter().map(|e| stsim_core::expect::describe(&configs[0], &e.expectation)).collect();
    let runs = (to - from).saturating_mul(configs.len() as u64);
    if runs > MAX_RUNS {
        let shards = runs.div_ceil(MAX_RUNS);
        return Err(format!(
            "error: this sweep makes {runs} runs ({} variant(s) of {} seeds) in one process, which keeps every \
             run's numbers; at most {MAX_RUNS} fit. Split it: --shard K/{shards} (or more), each K from 0 to {}, \
             then `stsim merge` the outputs\n",
            configs.len(),
            to - from,
            shards - 1
        ));
    }
    let work: Vec<(usize, u64)> =
        (0..configs.len()).flat_map(|variant| (from..to).map(move |seed| (variant, seed))).collect();
    let bar = match request.progress {
        true => indicatif::ProgressBar::new(work.len() as u64),
        false => indicatif::ProgressBar::hidden(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} so far, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let one = |&(variant, seed): &(usize, u64)| -> Result<(usize, RunSummary), String> {
        let mut config = configs[variant].clone();
        config.seed = seed;
        let mut sim = crate::simulation(config, exec)?;
        sim.run();
        bar.inc(1);
        Ok((variant, stsim_core::summary::build(&sim)))
    };
    let jobs = request.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| format!("error: cannot start {jobs} threads: {e}\n"))?;
    let results: Vec<Result<(usize, RunSummary), String>> =
        pool.install(|| work.par_iter().map(one).collect());
    bar.finish_and_clear();
    let mut runs: Vec<Vec<RunSummary>> = vec![Vec::new(); configs.len()];
    for result in results {
        let (variant, run) = result?;
        runs[variant].push(run);
    }
    let variants = combos
        .iter()
        .zip(runs)
        .map(|(set, runs)| Variant {
            name: if set.is_empty() { "as written".to_string() } else { describe(set) },
            set: set.iter().map(|(p, v)| format!("{p}={v}")).collect(),
            summary: summarize(&runs, expectations.len()),
            runs,
        })
        .collect();
    Ok(Sweep {
        scenario: configs[0].name.clone(),
        file: request.file.clone(),
        first_seed: request.first_seed,
        seeds: request.seeds,
        covered: if from < to { vec![(from, to)] } else { Vec::new() },
        expectations,
        variants,
    })
}

/// The distributions of a variant's runs.
pub fn summarize(runs: &[RunSummary], expectations: usize) -> VariantSummary {
    let first = runs.first();
    let apps = first.map_or(0, |r| r.apps.len());
    let sets = first.map_or(0, |r| r.statefulsets.len());
    let by_seed = |value: &dyn Fn(&RunSummary) -> u64| -> Distribution {
        Distribution::of(runs.iter().map(|r| (r.seed, value(r))).collect())
    };
    let mut findings: std::collections::BTreeMap<&str, (u64, Vec<u64>)> = Default::default();
    for run in runs {
        for id in run.findings.keys() {
            let entry = findings.entry(id).or_default();
            entry.0 += 1;
            if entry.1.len() < WORST {
                entry.1.push(run.seed);
            }
        }
    }
    VariantSummary {
        runs: runs.len() as u64,
        all_expectations_passed: runs.iter().filter(|r| r.expectations.iter().all(|p| *p)).count() as u64,
        expectations_passed: (0..expectations)
            .map(|i| runs.iter().filter(|r| r.expectations.get(i).copied().unwrap_or(false)).count() as u64)
            .collect(),
        apps: (0..apps)
            .map(|i| AppStats {
                app: runs[0].apps[i].app.clone(),
                broke_runs: runs.iter().filter(|r| r.apps[i].broke).count() as u64,
                broken_ms: by_seed(&|r| r.apps[i].broken_ms),
                degraded_ms: by_seed(&|r| r.apps[i].degraded_ms),
                recovery_ms: Distribution::of(
                    runs.iter().flat_map(|r| r.apps[i].recoveries_ms.iter().map(|v| (r.seed, *v))).collect(),
                ),
            })
            .collect(),
        statefulsets: (0..sets)
            .map(|i| SetStats {
                statefulset: runs[0].statefulsets[i].statefulset.clone(),
                unavailable_ms: by_seed(&|r| r.statefulsets[i].unavailable_ms),
            })
            .collect(),
        orphaned_cost: by_seed(&|r| r.orphaned_accrued),
        findings: findings
            .into_iter()
            .map(|(id, (runs, seeds))| FindingStats { id: id.to_string(), runs, seeds })
            .collect(),
        events: by_seed(&|r| r.events),
    }
}

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

/// Combines shard results of one sweep into the result of the whole.
pub fn merge(parts: Vec<(String, Sweep)>) -> Result<Sweep, String> {
    let mut shapes = Vec::new();
    for (name, part) in &parts {
        check_part(name, part, &mut shapes)?;
    }
    drop(shapes);
    let mut parts = parts.into_iter();
    let Some((_, mut whole)) = parts.next() else {
        return Err("error: nothing to merge\n".to_string());
    };
    for (name, part) in parts {
        let same = part.scenario == whole.scenario
            && part.first_seed == whole.first_seed
            && part.seeds == whole.seeds
            && part.expectations == whole.expectations
            && part.variants.len() == whole.variants.len()
            && part.variants.iter().zip(&whole.variants).all(|(a, b)| a.set == b.set);
        if !same {
            return Err(format!(
                "error: {name} is from another sweep (its scenario, seed range or variants differ)\n"
            ));
        }
        whole.covered.extend(part.covered);
        for (into, from) in whole.variants.iter_mut().zip(part.variants) {
            into.runs.extend(from.runs);
        }
    }
    whole.covered.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (from, to) in whole.covered.drain(..) {
        match merged.last_mut() {
            Some(last) if from < last.1 => {
                return Err(format!("error: seeds {from}..{} are in more than one input\n", to.min(last.1)));
            }
            Some(last) if from == last.1 => last.1 = to,
            _ => merged.push((from, to)),
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

/// The command that replays one run of a variant, quoted for a POSIX
/// shell whatever the file name and the overrides hold (a merged shard
/// comes from a file anyone could have written).
pub fn replay(sweep: &Sweep, variant: &Variant, seed: u64) -> String {
    let mut command = format!("stsim run {} --seed {seed}", shell_word(&sweep.file));
    for set in &variant.set {
        let _ = write!(command, " --set {}", single_quoted(set));
    }
    command
}

/// `text` as one shell word: as it is when every character is one a shell
/// leaves alone, else single-quoted.
fn shell_word(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=,:@%+".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(single_quoted(text))
    }
}

/// `text` in single quotes, each quote in it written `'\''`, and control
/// characters shown escaped rather than sent to the terminal.
fn single_quoted(text: &str) -> String {
    format!("'{}'", shown(text).replace('\'', "'\\''"))
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), so that
/// names read from a file cannot move the cursor or recolour the terminal.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        std::borrow::Cow::Owned(
            text.chars()
                .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(text)
    }
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

    #[test]
    fn percentiles_are_nearest_rank() {
        let d = Distribution::of((1..=100).map(|v| (v, v * 10)).collect());
        assert_eq!((d.p50, d.p95, d.p99, d.max, d.mean), (500, 950, 990, 1000, 505));
        assert_eq!(d.worst, vec![(100, 1000), (99, 990), (98, 980)]);
        let one = Distribution::of(vec![(7, 3)]);
        assert_eq!((one.p50, one.p99, one.max), (3, 3, 3));
        let ties = Distribution::of(vec![(5, 1), (2, 1), (9, 0)]);
        assert_eq!(ties.worst, vec![(2, 1), (5, 1)], "lower seed first on a tie; zeros are not worst");
        let repeated = Distribution::of(vec![(3, 9), (3, 8), (4, 7)]);
        assert_eq!(repeated.worst, vec![(3, 9), (4, 7)], "a seed is named once");
    }

    #[test]
    fn shards_cover_the_range_once() {
        let slices: Vec<(u64, u64)> = (0..3).map(|k| slice(10, 10, k, 3)).collect();
        assert_eq!(slices, vec![(10, 13), (13, 16), (16, 20)]);
        let none = |_: &str| None;
        assert_eq!(shard_of("2/4", &none), Ok((2, 4)));
        assert!(shard_of("4/4", &none).is_err());
        assert!(shard_of("4", &none).unwrap_err().contains("JOB_COMPLETION_INDEX"));
        let job = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(shard_of("4", &job), Ok((3, 4)));
        let slurm = |name: &str| match name {
            "SLURM_ARRAY_TASK_ID" => Some("5".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            _ => None,
        };
        assert_eq!(shard_of("8", &slurm), Ok((4, 8)));
        // An index the N asked for has no shard of: the Job and N disagree.
        assert!(shard_of("3", &job).unwrap_err().contains("JOB_COMPLETION_INDEX=3 is not a shard of 3"));
        assert!(
            shard_of("4", &slurm)
                .unwrap_err()
                .contains("SLURM_ARRAY_TASK_ID=5 (from SLURM_ARRAY_TASK_MIN=1)")
        );
        let below = |name: &str| match name {
            "SLURM_ARRAY_TASK_ID" => Some("0".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            _ => None,
        };
        assert!(shard_of("4", &below).unwrap_err().contains("is not a shard of 4"));
        assert!(shard_of("0", &job).is_err());
        assert!(shard_of("2/\u{1b}[2J", &none).unwrap_err().contains("\\u{1b}"));
    }

    #[test]
    fn replay_commands_are_one_shell_word_each() {
        let mut sweep = Sweep {
            scenario: "s".to_string(),
            file: "scenarios/redis.ron".to_string(),
            first_seed: 1,
            seeds: 1,
            covered: vec![(1, 2)],
            expectations: Vec::new(),
            variants: Vec::new(),
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
    }

    /// A shard of seeds 1..=4 of 1..=6, one variant, one app, one expectation.
    fn shard() -> Sweep {
        let run = |seed| RunSummary {
            seed,
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
            scenario: "s".to_string(),
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
        }
    }

    #[test]
    fn a_shard_that_sweep_did_not_write_is_refused() {
        let merged = |part: Sweep| merge(vec![("part.json".to_string(), part)]);
        let whole = merged(shard()).unwrap();
        assert_eq!(missing(&whole), vec![(5, 7)]);
        /// What each edit breaks, as the error says it.
        type Edit = (&'static str, fn(&mut Sweep));
        let edits: [Edit; 11] = [
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

    #[test]
    fn variants_are_every_combination_in_order() {
        let combos = variants(&["a=1,2".to_string(), "b=\"x,y\",[1, 2]".to_string()]).unwrap();
        let names: Vec<String> = combos.iter().map(|c| describe(c)).collect();
        assert_eq!(names, ["a=1, b=\"x,y\"", "a=1, b=[1, 2]", "a=2, b=\"x,y\"", "a=2, b=[1, 2]"]);
        assert!(variants(&["a".to_string()]).is_err());
        assert!(variants(&["a=1,,2".to_string()]).is_err());
        assert!(variants(&["a=1,2".to_string(), " a=3".to_string()]).unwrap_err().contains("varied twice"));
        // 10 x 10 x 10 is within the limit; one more path of two values is not.
        let ten = (0..10).map(|v| v.to_string()).collect::<Vec<_>>().join(",");
        let three: Vec<String> = ["a", "b", "c"].iter().map(|p| format!("{p}={ten}")).collect();
        assert_eq!(variants(&three).unwrap().len(), 1000);
        let four: Vec<String> = three.iter().cloned().chain(["d=1,2".to_string()]).collect();
        assert!(variants(&four).unwrap_err().contains("more than 1000 variants"));
        // One value each makes one variant, however many paths: those are counted too.
        let single: Vec<String> = (0..65).map(|i| format!("p{i}=1")).collect();
        assert_eq!(variants(&single[..64]).unwrap().len(), 1);
        assert!(variants(&single).unwrap_err().contains("at most 64 paths"));
    }
}
