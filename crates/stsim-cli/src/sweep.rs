//! `stsim sweep` and `stsim merge`: one scenario over many seeds (and
//! variants), summarized as distributions.
//!
//! Owns the seed range and its shards (`--shard K/N`, or K from
//! `JOB_COMPLETION_INDEX` / `SLURM_ARRAY_TASK_ID`), the variants
//! (`--vary path=v1,v2`, applied to the text by `stsim_scenario::overrides`),
//! running the runs on a rayon pool, the progress bar (on a terminal only),
//! the aggregation (shares, mean, p50/p95/p99/max, the worst seeds), the
//! result's JSON form and the limits of one process. Each run is summarized
//! by `stsim_core::summary`; results are collected in seed order and
//! aggregated after, so they do not depend on the number of threads.
//!
//! `merge` checks and combines shard outputs read back from files;
//! `render` writes a result for people (with the commands that replay its
//! worst runs) and as the JSON lines of `--runs-out`.

mod merge;
mod render;

pub use merge::{merge, missing};
pub use render::{render_text, replay, runs_lines};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
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

/// The version of a sweep's JSON form. 2: `format`, `stsim`, `digest`,
/// each run's `end` and each variant's `cut_short`. 3: `recoveries_ms`
/// and `recovery_ms` count one recovery per outage (before, one per
/// BROKEN interval, so an outage whose reason changed counted again), so
/// shards of format 2 must not be merged with those of 3.
pub const FORMAT: u32 = 3;

/// What the variants run, as one digest: their configurations (the
/// scenario as parsed, manifests and overrides applied), the seed and
/// where the file is on this machine (an operator's directory) aside, so
/// that shards run from other checkouts agree. It hashes the configuration's
/// `Debug` text: deterministic (the configuration holds no hash maps), and
/// compared only between outputs of one stsim version (`Sweep::stsim`).
fn digest(configs: &[stsim_core::Config]) -> String {
    let mut hasher = stsim_core::hash::Fnv64::new();
    for config in configs {
        let mut config = stsim_core::Config { seed: 0, ..config.clone() };
        for operator in &mut config.operators {
            if let stsim_core::config::OperatorKind::External { workdir, .. } = &mut operator.kind {
                *workdir = None;
            }
        }
        hasher.write(format!("{config:?}").as_bytes());
    }
    format!("{:016x}", hasher.finish())
}

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
    /// `--load-restrictor LoadRestrictionsNone`: the scenario's manifests
    /// may be outside its directory.
    pub manifests_outside_root: bool,
}

/// A sweep's result: every run's numbers and their distributions. The JSON
/// form of a shard is what `stsim merge` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The version of this JSON form ([`FORMAT`]); `stsim merge` reads only its own.
    pub format: u32,
    /// The stsim that ran it (`CARGO_PKG_VERSION`).
    pub stsim: String,
    pub scenario: String,
    /// FNV-1a 64 of what each variant ran (the scenario as parsed, its
    /// manifests included, with the overrides applied), in hex: shards of
    /// a file edited between them differ here.
    pub digest: String,
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
    /// Whether the sweep read manifests from outside the scenario's
    /// directory (`--load-restrictor LoadRestrictionsNone`), which the
    /// replay commands then repeat. Absent when it did not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manifests_outside_root: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Runs stopped before the scenario's duration (their budget ran out,
    /// or an operator failed): what they count covers less time.
    pub cut_short: u64,
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
    /// Over outages that ended HEALTHY: from the first BROKEN verdict to
    /// HEALTHY again, one value per outage whatever reasons came between.
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
            // A number too large for 64 bits is still a number: beyond the
            // shards, not "not a number".
            let parse = |name: &str, value: String| {
                value.trim().parse::<u64>().map_err(|e| match e.kind() {
                    std::num::IntErrorKind::PosOverflow => beyond(format!("{name}={}", shown(value.trim()))),
                    _ => format!("error: {name}={} is not a number\n", shown(&value)),
                })
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
        if let Some(value) = values.iter().enumerate().find_map(|(i, v)| values[..i].contains(v).then_some(v))
        {
            return Err(format!(
                "error: --vary {spec}: the value {value} is given twice; two variants would be the same run\n"
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
pub fn configure(
    file: &str,
    source: &str,
    set: &[(String, String)],
    limits: &stsim_scenario::Limits,
) -> Result<stsim_core::Config, String> {
    let text = apply(file, source, set)?;
    let label = match set.is_empty() {
        true => file.to_string(),
        false => format!("{file} (with {})", describe(set)),
    };
    crate::parse(&label, &text, limits)
}

/// The scenario's text with `set`'s values replaced (RON scenarios only).
pub fn apply(file: &str, source: &str, set: &[(String, String)]) -> Result<String, String> {
    if let Some((path, value)) = set.first()
        && crate::input::is_manifest(file, source)
    {
        return Err(manifests_not_set(file, path, value));
    }
    let mut text = source.to_string();
    for (path, value) in set {
        if stsim_scenario::overrides::in_manifests(&text, path) {
            return Err(statefulsets_in_manifests(file, path, value));
        }
        text = stsim_scenario::overrides::set(&text, path, value).map_err(|message| {
            crate::input::escape(&format!("error: {file}: cannot set {path}={value}: {message}\n"))
        })?;
    }
    Ok(text)
}

/// `--set` (and `--vary`) edit a scenario's RON by path; manifests have no
/// such paths, and a value silently left unset would be a wrong run.
pub fn manifests_not_set(file: &str, path: &str, value: &str) -> String {
    crate::input::escape(&format!(
        "error: {file}: cannot set {path}={value}: --set and --vary change a RON scenario, not manifests; \
         edit the manifests for their objects, or write a scenario around them with \
         `stsim import {file} > scenario.ron` and set its own fields there (seed, duration, \
         kubernetesVersion, cluster)\n"
    ))
}

/// [`manifests_not_set`] for a RON scenario whose StatefulSets come from
/// the manifests it lists: a StatefulSet's field is in those files.
pub fn statefulsets_in_manifests(file: &str, path: &str, value: &str) -> String {
    crate::input::escape(&format!(
        "error: {file}: cannot set {path}={value}: the scenario's StatefulSets come from its `manifests`, and \
         --set and --vary change a RON scenario, not manifests; edit the manifests for their objects, and \
         set the scenario's own fields here (seed, duration, kubernetesVersion, cluster)\n"
    ))
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
        return Err(format!(
            "error: --first-seed plus --seeds is beyond the last seed a sweep reaches, {} (its range ends one past \
             its last seed); `stsim run --seed` runs any\n",
            u64::MAX - 1
        ));
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
    // Two variants that run the same scenario (`replicas=3,03`) would
    // split one variant's runs in two under different names.
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (i, set) in combos.iter().enumerate() {
        let limits = stsim_scenario::Limits {
            manifests_outside_root: request.manifests_outside_root,
            ..stsim_scenario::Limits::DEFAULT
        };
        let config = configure(&request.file, source, set, &limits)?;
        // A scenario's name and description change no run (`name=a,b`
        // would run one scenario twice, as `seed=5,6` would).
        let key = digest(&[stsim_core::Config {
            name: String::new(),
            description: String::new(),
            ..config.clone()
        }]);
        if let Some(&first) = seen.get(&key) {
            let why = match digest(std::slice::from_ref(&config))
                == digest(std::slice::from_ref(&configs[first]))
            {
                true => "",
                false => " (a scenario's name and description change nothing it runs)",
            };
            return Err(format!(
                "error: {}: the variants {} and {} run the same scenario{why}; give each value once\n",
                crate::input::escape(&request.file),
                describe(&combos[first]),
                describe(set)
            ));
        }
        seen.insert(key, i);
        configs.push(config);
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
        format: FORMAT,
        stsim: env!("CARGO_PKG_VERSION").to_string(),
        scenario: configs[0].name.clone(),
        digest: digest(&configs),
        file: request.file.clone(),
        first_seed: request.first_seed,
        seeds: request.seeds,
        covered: if from < to { vec![(from, to)] } else { Vec::new() },
        expectations,
        variants,
        manifests_outside_root: request.manifests_outside_root,
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
        cut_short: runs.iter().filter(|r| r.cut_short()).count() as u64,
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

/// `text` with its control characters escaped (`\n`, `\u{1b}`), so that
/// names read from a file cannot move the cursor or recolour the terminal.
/// Unlike `input::escape`, long words are kept whole: a file name in a
/// replay command must stay the file's name.
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
        // A number past u64 is out of range, not "not a number"; a word is not a number.
        let huge = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "99999999999999999999".to_string());
        let error = shard_of("100", &huge).unwrap_err();
        assert!(
            error.contains("JOB_COMPLETION_INDEX=99999999999999999999 is not a shard of 100 (0 to 99)"),
            "{error}"
        );
        let word = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "abc".to_string());
        assert!(shard_of("100", &word).unwrap_err().contains("JOB_COMPLETION_INDEX=abc is not a number"));
        assert!(shard_of("0", &job).is_err());
        assert!(shard_of("2/\u{1b}[2J", &none).unwrap_err().contains("\\u{1b}"));
    }

    #[test]
    fn variants_are_every_combination_in_order() {
        let combos = variants(&["a=1,2".to_string(), "b=\"x,y\",[1, 2]".to_string()]).unwrap();
        let names: Vec<String> = combos.iter().map(|c| describe(c)).collect();
        assert_eq!(names, ["a=1, b=\"x,y\"", "a=1, b=[1, 2]", "a=2, b=\"x,y\"", "a=2, b=[1, 2]"]);
        assert!(variants(&["a".to_string()]).is_err());
        assert!(variants(&["a=1,,2".to_string()]).is_err());
        assert!(variants(&["a=1,2".to_string(), " a=3".to_string()]).unwrap_err().contains("varied twice"));
        assert!(variants(&["a=3, 5,3".to_string()]).unwrap_err().contains("the value 3 is given twice"));
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
