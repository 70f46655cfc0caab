//! stsim-cli: the `stsim` command. Reads scenario files, runs them through
//! `stsim-core`, and renders what happened for people or machines.
//!
//! Owns arguments, file reading, exit codes and rendering. The engine and
//! the scenario format live in their crates; nothing here decides anything
//! about the simulated cluster.

pub mod examples;
pub mod external_operator;
pub mod render;
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
stsim examples                             list built-in scenarios"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print its report; check its expectations, if it has any.
    #[command(
        after_help = "Exit status: 0 when the run completed and its expectations hold, 1 when one fails \
(they are listed on stderr) or an operator stopped the run, 2 when the scenario is invalid."
    )]
    Run {
        /// The scenario file (RON), or the name of a built-in example.
        /// Without it, runs the built-in `redis-ordered-startup`.
        file: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
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
        #[arg(long, conflicts_with = "seeds")]
        seed: Option<u64>,
        /// Run every scenario once per seed in this range, like `1..50` (both ends included).
        #[arg(long, value_name = "FROM..TO", value_parser = parse_seeds)]
        seeds: Option<(u64, u64)>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// How many scenarios run at once (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// List the built-in scenarios, or print one of them.
    Examples {
        /// Print this example's source (save it to start your own).
        name: Option<String>,
    },
}

/// `FROM..TO`, both ends included.
fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a range of seeds like 1..50, not {text:?}");
    let (from, to) = text.split_once("..").ok_or_else(bad)?;
    let (from, to): (u64, u64) =
        (from.trim().parse().map_err(|_| bad())?, to.trim().parse().map_err(|_| bad())?);
    if from > to || to - from >= 100_000 {
        return Err(format!("{text:?}: the range must go up, and hold at most 100000 seeds"));
    }
    Ok((from, to))
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
    seeds: Option<(u64, u64)>,
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
    let seeds: Vec<Option<u64>> = match seeds {
        Some((from, to)) => (from..=to).map(Some).collect(),
        None => vec![seed],
    };
    let outcomes = test_command::run_all(&files, &seeds, jobs);
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
        Command::Run { file, seed, json, trace } => {
            run_command(file.as_deref().unwrap_or(examples::EXAMPLES[0].name), seed, json, trace, out)
        }
        Command::Explain { file, seed } => explain_command(&file, seed, out),
        Command::Check { files } => check_command(&files, out),
        Command::Examples { name } => examples_command(name.as_deref(), out),
        Command::Test { paths, seed, seeds, junit, jobs } => {
            test(&paths, seed, seeds, junit.as_deref(), jobs, out)
        }
    };
    match result {
        Ok(status) => status,
        Err(message)
            if message.starts_with("error: the run stopped")
                || message.starts_with("error: expectations failed") =>
        {
            let _ = err.write_all(message.as_bytes());
            ExitStatus::Failure
        }
        Err(message) => {
            let _ = err.write_all(message.as_bytes());
            ExitStatus::Error
        }
    }
}

fn run_command(
    name: &str,
    seed: Option<u64>,
    json: bool,
    trace: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let (file, source) = load(name)?;
    let mut config = parse(&file, &source)?;
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
    if let Some(message) = operator_failure(&sim) {
        return Err(format!("error: the run stopped: {message}\n"));
    }
    // The expectations are checked as `stsim test` checks them, so its
    // re-run command reproduces a failure.
    let failed: Vec<stsim_core::expect::Verdict> =
        stsim_core::expect::check(&sim, &report).into_iter().filter(|v| !v.passed).collect();
    if failed.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "error: expectations failed: {} of {} in {file} (seed {}):\n",
        failed.len(),
        sim.config.expect.len(),
        sim.config.seed
    );
    for v in &failed {
        text.push_str(&format!(
            "--- {file}:{}: {}\n    expected: {}\n    happened: {}\n",
            v.line, v.description, v.expected, v.actual
        ));
        for line in &v.context {
            text.push_str(&format!("      {line}\n"));
        }
    }
    Err(text)
}

/// Builds the scenario's operators (starting external ones) and runs it.
pub fn simulate(config: stsim_core::Config) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    use stsim_core::config::OperatorKind;
    let mut operators: Vec<Box<dyn stsim_core::operators::Operator>> = Vec::new();
    for operator in &config.operators {
        operators.push(match &operator.kind {
            OperatorKind::External { name, command, timeout, workdir } => {
                let timeout = std::time::Duration::from_millis(timeout.as_millis());
                Box::new(
                    external_operator::ExternalOperator::start(name, command, workdir.as_deref(), timeout)?
                        .speaking(operator.protocol, &config.name, config.seed),
                )
            }
            kind => stsim_core::operators::builtin(kind).expect("every other kind is built in"),
        });
    }
    Ok(stsim_core::finish(stsim_core::Simulation::with_operators(config, operators)))
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

fn explain_command(name: &str, seed: Option<u64>, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let (file, source) = load(name)?;
    let mut config = parse(&file, &source)?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    // External operators run here too: the story of a run is the run's.
    let (sim, report) = simulate(config)?;
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
