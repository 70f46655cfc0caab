//! stsim-cli: the `stsim` command. Reads scenario files, runs them through
//! `stsim-core`, and renders what happened for people or machines.
//!
//! Owns arguments, file reading, exit codes and rendering. The engine and
//! the scenario format live in their crates; nothing here decides anything
//! about the simulated cluster.

pub mod examples;
pub mod external_operator;
pub mod render;
pub mod sweep;
pub mod test_command;

use clap::{Parser, Subcommand};
use std::io::Write;

/// How `stsim` ends: 0 ok, 1 expectations failed, 2 bad input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    Error = 2,
}

#[derive(Debug, Parser)]
#[command(
    name = "stsim",
    version,
    about = "Deterministic simulator of Kubernetes StatefulSets",
    long_about = "stsim replays a scenario (a cluster, its StatefulSets and a timeline of \
actions) through models of the StatefulSet controller, scheduler, kubelet, volume \
provisioning and DNS, and reports what happened: which pod was created when, why one \
waited, which volume it got, which DNS names resolved.\n\n\
The same scenario and seed give the same output, byte for byte, on every machine.",
    after_help = "Examples:\n  stsim run                                  run the built-in Redis example\n  \
stsim run scenarios/redis-parallel-startup.ron\n  \
stsim run my.ron --json > report.json\n  \
stsim explain scenarios/headless-service-renamed.ron   the story, in words\n  \
stsim check my.ron                         validate only\n  \
stsim test scenarios/                      check every scenario's expectations\n  \
stsim sweep my.ron --seeds 1000 --vary podManagementPolicy=OrderedReady,Parallel\n  \
stsim examples                             list built-in scenarios"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print its report.
    #[command(after_help = "Exit status: 0 when the run completed, 2 when the scenario is invalid.")]
    Run {
        /// The scenario file (RON), or the name of a built-in example.
        /// Without it, runs the built-in `redis-ordered-startup`.
        file: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Replace a value of the scenario, by path: `replicas=5`,
        /// `statefulsets[0].podManagementPolicy=Parallel` (repeatable).
        #[arg(long, value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Print the report as JSON (schema: the `stsim_core::report` docs).
        #[arg(long, conflicts_with = "trace")]
        json: bool,
        /// Print the raw trace, one tab-separated change a line.
        #[arg(long)]
        trace: bool,
    },
    /// Run a scenario and tell its story in plain words, event by event.
    #[command(after_help = "Exit status: 0 when the run completed, 2 when the scenario is invalid.")]
    Explain {
        /// The scenario file (RON), or the name of a built-in example.
        file: String,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Replace a value of the scenario, by path (repeatable; see `stsim run --help`).
        #[arg(long, value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Run scenarios and check their expectations, like a test suite.
    #[command(
        after_help = "Prints one line per scenario and `N passed, N failed`; each failure says what was \
expected, what happened, the trace around it, and the command that re-runs it.\n\
Exit status: 0 when every expectation holds, 1 when one fails, 2 on bad arguments."
    )]
    Test {
        /// Scenario files, or directories searched for `*.ron` (default: scenarios).
        paths: Vec<String>,
        /// Run every scenario with this seed instead of its own.
        #[arg(long)]
        seed: Option<u64>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// How many scenarios run at once (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Run a scenario over many seeds (and variants) and report distributions.
    #[command(after_help = "Runs seeds FIRST..FIRST+N-1 of every variant on all cores and reports, per \
variant: the share of runs in which each application was BROKEN, time broken, degraded and to \
recover, time each StatefulSet was short of pods, orphaned-volume cost, findings and expectations \
(mean, p50, p95, p99, max), with the worst seeds and the command that replays one. The result does \
not depend on the number of threads.\n\
--shard K/N runs the K-th (from 0) of N slices of the seed range; with --shard N, K comes from \
JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID. Save each shard with -o json \
and combine them with `stsim merge`. See docs/sweeps.md.\n\
Exit status: 0 when the sweep ran, 2 on bad input.")]
    Sweep {
        /// The scenario file (RON), or the name of a built-in example.
        file: String,
        /// How many seeds.
        #[arg(long)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// Compare variants: `podManagementPolicy=OrderedReady,Parallel`, `replicas=3,5`
        /// (repeatable: every combination runs).
        #[arg(long, value_name = "PATH=V1,V2,...")]
        vary: Vec<String>,
        /// Run only slice K of N of the seeds (`K/N`), or `N` with K from the environment.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// `text` or `json` (JSON holds every run's numbers, for `stsim merge`).
        #[arg(short = 'o', long, default_value = "text", value_parser = ["text", "json"])]
        output: String,
        /// Also write one JSON line per run to this file.
        #[arg(long, value_name = "FILE")]
        runs_out: Option<String>,
        /// How many runs at once (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Combine the JSON outputs of sweep shards into the report of the whole sweep.
    #[command(
        after_help = "Exit status: 0 when merged, 2 when an input is unreadable or from another sweep."
    )]
    Merge {
        /// Outputs of `stsim sweep ... --shard K/N -o json`.
        #[arg(required = true)]
        files: Vec<String>,
        /// `text` or `json`.
        #[arg(short = 'o', long, default_value = "text", value_parser = ["text", "json"])]
        output: String,
    },
    /// List the built-in scenarios, or print one of them.
    Examples {
        /// Print this example's source (save it to start your own).
        name: Option<String>,
    },
}

/// Reads a scenario named on the command line: a file, or a built-in example.
fn load(name: &str) -> Result<(String, String), String> {
    match std::fs::read_to_string(name) {
        Ok(source) => Ok((name.to_string(), source)),
        Err(error) => match examples::find(name) {
            Some(example) => Ok((example.path.to_string(), example.source.to_string())),
            None => Err(format!(
                "error: cannot read scenario `{name}`: {error}\n  = help: give a path to a .ron file, \
or the name of a built-in scenario (see `stsim examples`)\n"
            )),
        },
    }
}

fn test(
    paths: &[String],
    seed: Option<u64>,
    junit: Option<&str>,
    jobs: Option<usize>,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let default = ["scenarios".to_string()];
    let files = test_command::collect(if paths.is_empty() { &default } else { paths })?;
    if files.is_empty() {
        return Err("error: no scenario files (*.ron) under the given paths\n".to_string());
    }
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let outcomes = test_command::run_all(&files, seed, jobs);
    if let Some(path) = junit {
        std::fs::write(path, test_command::junit(&outcomes))
            .map_err(|e| format!("error: cannot write {path}: {e}\n"))?;
    }
    write_out(out, &test_command::render(&outcomes))?;
    Ok(if outcomes.iter().all(test_command::Outcome::passed) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

pub(crate) fn parse(file: &str, source: &str) -> Result<stsim_core::Config, String> {
    stsim_scenario::parse_scenario(source, file).map_err(|diagnostics| {
        let mut text = String::new();
        for diagnostic in &diagnostics {
            text.push_str(&diagnostic.render(source));
            text.push('\n');
        }
        let count = diagnostics.len();
        text.push_str(&format!(
            "error: {file} is not a valid scenario ({count} error{})\n",
            if count == 1 { "" } else { "s" }
        ));
        text
    })
}

/// Runs `stsim` with `args` (without the program name), writing to `out` and `err`.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let cli = match Cli::try_parse_from(std::iter::once("stsim".to_string()).chain(args.iter().cloned())) {
        Ok(cli) => cli,
        Err(error) => {
            let status = if error.use_stderr() { ExitStatus::Error } else { ExitStatus::Success };
            let text = error.render().to_string();
            let _ = if error.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return status;
        }
    };
    let result = match cli.command {
        Command::Run { file, seed, set, json, trace } => {
            run_command(file.as_deref().unwrap_or(examples::EXAMPLES[0].name), seed, &set, json, trace, out)
        }
        Command::Explain { file, seed, set } => explain_command(&file, seed, &set, out),
        Command::Sweep { file, seeds, first_seed, vary, shard, output, runs_out, jobs } => {
            let request = sweep::Request { file, seeds, first_seed, vary, shard, jobs, progress: false };
            sweep_command(request, &output, runs_out.as_deref(), out)
        }
        Command::Merge { files, output } => merge_command(&files, &output, out),
        Command::Check { files } => check_command(&files, out),
        Command::Examples { name } => examples_command(name.as_deref(), out),
        Command::Test { paths, seed, junit, jobs } => test(&paths, seed, junit.as_deref(), jobs, out),
    };
    match result {
        Ok(status) => status,
        Err(message) if message.starts_with("error: the run stopped") => {
            let _ = err.write_all(message.as_bytes());
            ExitStatus::Failure
        }
        Err(message) => {
            let _ = err.write_all(message.as_bytes());
            ExitStatus::Error
        }
    }
}

/// `path=value` pairs of `--set`.
fn overrides(set: &[String]) -> Result<Vec<(String, String)>, String> {
    set.iter()
        .map(|s| match s.split_once('=') {
            Some((path, value)) => Ok((path.trim().to_string(), value.trim().to_string())),
            None => Err(format!("error: --set {s}: expected path=value\n")),
        })
        .collect()
}

/// Loads and parses a scenario with `--set` overrides applied.
fn load_config(name: &str, set: &[String]) -> Result<stsim_core::Config, String> {
    let (file, source) = load(name)?;
    sweep::configure(&file, &source, &overrides(set)?)
}

fn sweep_command(
    mut request: sweep::Request,
    output: &str,
    runs_out: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    use std::io::IsTerminal;
    let (file, source) = load(&request.file)?;
    request.file = file;
    request.progress = std::io::stderr().is_terminal();
    let result = sweep::run(&request, &source, &|name| std::env::var(name).ok())?;
    if let Some(path) = runs_out {
        std::fs::write(path, sweep::runs_lines(&result))
            .map_err(|e| format!("error: cannot write {path}: {e}\n"))?;
    }
    write_sweep(&result, output, out)
}

fn write_sweep(result: &sweep::Sweep, output: &str, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let text = match output {
        "json" => serde_json::to_string(result).expect("a sweep serializes") + "\n",
        _ => sweep::render_text(result),
    };
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

fn merge_command(files: &[String], output: &str, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let mut parts = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("error: cannot read {file}: {e}\n"))?;
        let part: sweep::Sweep = serde_json::from_str(&text).map_err(|e| {
            format!(
                "error: {file}:{}:{}: not the JSON output of `stsim sweep -o json`: {e}\n",
                e.line(),
                e.column()
            )
        })?;
        parts.push((file.clone(), part));
    }
    write_sweep(&sweep::merge(parts)?, output, out)
}

fn run_command(
    name: &str,
    seed: Option<u64>,
    set: &[String],
    json: bool,
    trace: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let mut config = load_config(name, set)?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let (sim, report) = simulate(config)?;
    let text = if trace {
        sim.trace.render(&sim.world)
    } else if json {
        render::json::render(&report)
    } else {
        render::text::render(&report)
    };
    write_out(out, &text)?;
    match operator_failure(&sim) {
        Some(message) => Err(format!("error: the run stopped: {message}\n")),
        None => Ok(ExitStatus::Success),
    }
}

/// Builds the scenario's operators (starting external ones) and runs it.
pub fn simulate(config: stsim_core::Config) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    Ok(stsim_core::finish(simulation(config)?))
}

/// The simulation of a scenario with its operators (external ones started), not yet run.
pub fn simulation(config: stsim_core::Config) -> Result<stsim_core::Simulation, String> {
    use stsim_core::config::OperatorKind;
    let mut operators: Vec<Box<dyn stsim_core::operators::Operator>> = Vec::new();
    for operator in &config.operators {
        operators.push(match &operator.kind {
            OperatorKind::External { name, command, timeout, workdir } => {
                let timeout = std::time::Duration::from_millis(timeout.as_millis());
                Box::new(external_operator::ExternalOperator::start(
                    name,
                    command,
                    workdir.as_deref(),
                    timeout,
                )?)
            }
            kind => stsim_core::operators::builtin(kind).expect("every other kind is built in"),
        });
    }
    Ok(stsim_core::Simulation::with_operators(config, operators))
}

/// The message of an operator that stopped the run, if one did.
pub fn operator_failure(sim: &stsim_core::Simulation) -> Option<String> {
    sim.trace.records.iter().rev().find_map(|r| match &r.event {
        stsim_core::trace::Event::OperatorFailed { message } => {
            Some(format!("{} at {}: {message}", stsim_core::trace::actor_name(&sim.world, r.actor), r.at))
        }
        _ => None,
    })
}

fn explain_command(
    name: &str,
    seed: Option<u64>,
    set: &[String],
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let mut config = load_config(name, set)?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let (sim, report) = stsim_core::run(config);
    let story = stsim_core::story::tell(&sim);
    write_out(out, &render::text::story(&report, &story))?;
    Ok(ExitStatus::Success)
}

fn check_command(files: &[String], out: &mut dyn Write) -> Result<ExitStatus, String> {
    let mut errors = String::new();
    for name in files {
        match load(name).and_then(|(file, source)| parse(&file, &source).map(|config| (file, config))) {
            Ok((file, config)) => {
                let text = format!(
                    "ok: {file}: scenario {}, {} statefulset(s), {} timeline action(s), {} long\n",
                    config.name,
                    config.statefulsets.len(),
                    config.timeline.len(),
                    config.duration
                );
                write_out(out, &text)?;
            }
            Err(message) => errors.push_str(&message),
        }
    }
    if errors.is_empty() { Ok(ExitStatus::Success) } else { Err(errors) }
}

fn examples_command(name: Option<&str>, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let text = match name {
        Some(name) => match examples::find(name) {
            Some(example) => example.source.to_string(),
            None => {
                let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.name).collect();
                return Err(format!(
                    "error: no built-in scenario named `{name}`\n  = help: the built-in scenarios are: {}\n",
                    names.join(", ")
                ));
            }
        },
        None => {
            let width = examples::EXAMPLES.iter().map(|e| e.name.len()).max().unwrap_or(0);
            let mut text = String::from(
                "Built-in scenarios (run one with `stsim run NAME`, see it with `stsim examples NAME`):\n",
            );
            for example in examples::EXAMPLES {
                text.push_str(&format!("  {:<width$}   {}\n", example.name, examples::summary(example)));
            }
            text
        }
    };
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

/// Writes output; a closed pipe (`stsim run | head`) is not an error.
fn write_out(out: &mut dyn Write, text: &str) -> Result<(), String> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}\n")),
    }
}
