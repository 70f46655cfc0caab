//! stsim-cli: the `stsim` command. Reads scenario files, runs them through
//! `stsim-core`, and renders what happened for people or machines.
//!
//! Owns arguments, file reading, exit codes and rendering. The engine and
//! the scenario format live in their crates; nothing here decides anything
//! about the simulated cluster.

pub mod consent;
pub mod examples;
pub mod external_operator;
pub mod input;
pub mod render;
pub mod test_command;

use clap::{Args, Parser, Subcommand};
use consent::ExecPolicy;
use std::io::Write;
use stsim_scenario::Limits;

/// How `stsim` ends: 0 ok, 1 expectations failed (or an operator stopped
/// the run), 2 bad input, 3 the run's budget ran out (a runaway run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    Error = 2,
    Budget = 3,
}

/// How an error message about a run that ran out of budget starts.
const BUDGET_ERROR: &str = "error: the run ran out of budget";

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

/// What the user allows a scenario: running programs, and a large run.
#[derive(Debug, Clone, Copy, Args)]
pub struct Allow {
    /// Let the scenario start the programs its `External` operators name
    /// (`stsim check` lists them). Without it, only commands in your
    /// trusted-commands file run.
    #[arg(long)]
    pub allow_exec: bool,
    /// Accept scenarios beyond the default limits (up to the large ones; see
    /// Limits in docs/scenario-format.md), with a larger run budget.
    #[arg(long)]
    pub allow_large: bool,
    /// Stop a run that takes longer than this in real time (exit 3), like "30s" or "10m".
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_time_limit)]
    pub time_limit: stsim_core::time::SimDuration,
}

impl Default for Allow {
    fn default() -> Allow {
        Allow {
            allow_exec: false,
            allow_large: false,
            time_limit: stsim_core::time::SimDuration::from_mins(10),
        }
    }
}

fn parse_time_limit(text: &str) -> Result<stsim_core::time::SimDuration, String> {
    match text.parse::<stsim_core::time::SimDuration>() {
        Ok(limit) if !limit.is_zero() => Ok(limit),
        Ok(_) => Err("the time limit must be more than 0s".to_string()),
        Err(error) => Err(format!("`{}` is not a duration: {error}", input::escape(text))),
    }
}

impl Allow {
    pub fn limits(&self) -> Limits {
        Limits::new(self.allow_large)
    }
    /// The run's budget and wall-clock limit.
    pub fn budget(&self) -> RunBudget {
        RunBudget {
            budget: if self.allow_large {
                stsim_core::sim::Budget::LARGE
            } else {
                stsim_core::sim::Budget::DEFAULT
            },
            wall: std::time::Duration::from_millis(self.time_limit.as_millis()),
        }
    }
    pub fn exec(&self) -> ExecPolicy {
        ExecPolicy::from_user(self.allow_exec)
    }
}

/// A seed: any u64, with a clear message for anything else (like `-1`).
fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| {
        format!("`{}` is not a seed: a seed is a whole number from 0 to {}", input::escape(text), u64::MAX)
    })
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
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Print the report as JSON (schema: the `stsim_core::report` docs).
        #[arg(long, conflicts_with = "trace")]
        json: bool,
        /// Print the raw trace, one tab-separated change a line.
        #[arg(long)]
        trace: bool,
        /// Run the scenario twice, on this thread and on another, and fail
        /// (exit 1) unless both runs give the same trace, report and digest.
        #[arg(long)]
        check_determinism: bool,
        #[command(flatten)]
        allow: Allow,
    },
    /// Run a scenario and tell its story in plain words, event by event.
    #[command(after_help = "Exit status: 0 when the run completed, 2 when the scenario is invalid.")]
    Explain {
        /// The scenario file (RON), or the name of a built-in example.
        file: String,
        /// Use this seed instead of the scenario's.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        #[command(flatten)]
        allow: Allow,
    },
    /// Validate scenario files without running them; list the programs each would start.
    Check {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<String>,
        /// Check against the large limits (see Limits in docs/scenario-format.md).
        #[arg(long)]
        allow_large: bool,
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
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// How many scenarios run at once (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        #[command(flatten)]
        allow: Allow,
    },
    /// List the built-in scenarios, or print one of them.
    Examples {
        /// Print this example's source (save it to start your own).
        name: Option<String>,
    },
}

/// A scenario named on the command line.
pub struct Loaded {
    /// The file's path, or the built-in example's.
    pub file: String,
    pub source: String,
    /// A built-in example: it never starts a process.
    pub builtin: bool,
}

/// Reads a scenario named on the command line: a file (read within the
/// limits, see `input`), or else a built-in example.
pub fn load(name: &str, limits: &Limits) -> Result<Loaded, String> {
    let shown = input::shown(name);
    match input::read_bounded(std::path::Path::new(name), limits.input_bytes) {
        Ok(source) => Ok(Loaded { file: name.to_string(), source, builtin: false }),
        Err(input::ReadError::NotFound(error)) => match examples::find(name) {
            Some(example) => Ok(Loaded {
                file: example.path.to_string(),
                source: example.source.to_string(),
                builtin: true,
            }),
            None => Err(format!(
                "error: cannot read scenario `{shown}`: {error}\n  = help: give a path to a .ron file, \
or the name of a built-in scenario (see `stsim examples`)\n"
            )),
        },
        Err(refused) => Err(format!("error: cannot read scenario `{shown}`: {}\n", refused.message())),
    }
}

fn test(
    paths: &[String],
    seed: Option<u64>,
    junit: Option<&str>,
    jobs: Option<usize>,
    allow: Allow,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let default = ["scenarios".to_string()];
    let files = test_command::collect(if paths.is_empty() { &default } else { paths })?;
    if files.is_empty() {
        return Err("error: no scenario files (*.ron) under the given paths\n".to_string());
    }
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let options =
        test_command::Options { seed, limits: allow.limits(), exec: allow.exec(), budget: allow.budget() };
    let outcomes = test_command::run_all(&files, &options, jobs);
    if let Some(path) = junit {
        std::fs::write(path, test_command::junit(&outcomes))
            .map_err(|e| format!("error: cannot write {}: {e}\n", input::shown(path)))?;
    }
    write_out(out, &test_command::render(&outcomes))?;
    Ok(test_command::status(&outcomes))
}

/// Parses and validates a scenario within `limits`; the error is the
/// rendered diagnostics.
pub fn parse(file: &str, source: &str, limits: &Limits) -> Result<stsim_core::Config, String> {
    stsim_scenario::parse_scenario_with(source, file, limits).map_err(|diagnostics| {
        let mut text = String::new();
        for diagnostic in &diagnostics {
            text.push_str(&diagnostic.render(source));
            text.push('\n');
        }
        let count = diagnostics.iter().filter(|d| d.code != "too-many-errors").count();
        text.push_str(&format!(
            "error: {} is not a valid scenario ({count}{} error{})\n",
            input::shown(file),
            if diagnostics.len() > count { "+" } else { "" },
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
            let text = input::escape(&error.render().to_string());
            let _ = if error.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return status;
        }
    };
    let result = match cli.command {
        Command::Run { file, seed, json, trace, check_determinism, allow } => {
            let name = file.as_deref().unwrap_or(examples::EXAMPLES[0].name);
            if check_determinism {
                determinism_command(name, seed, json, trace, allow, out, err)
            } else {
                run_command(name, seed, json, trace, allow, out)
            }
        }
        Command::Explain { file, seed, allow } => explain_command(&file, seed, allow, out),
        Command::Check { files, allow_large } => check_command(&files, Limits::new(allow_large), out),
        Command::Examples { name } => examples_command(name.as_deref(), out),
        Command::Test { paths, seed, junit, jobs, allow } => {
            test(&paths, seed, junit.as_deref(), jobs, allow, out)
        }
    };
    match result {
        Ok(status) => status,
        Err(message) => {
            let status = if message.starts_with("error: the run stopped") {
                ExitStatus::Failure
            } else if message.starts_with(BUDGET_ERROR) {
                ExitStatus::Budget
            } else {
                ExitStatus::Error
            };
            let _ = err.write_all(input::escape(&message).as_bytes());
            status
        }
    }
}

/// Reads, validates and asks consent for a scenario named on the command line.
fn prepare(
    name: &str,
    seed: Option<u64>,
    allow: Allow,
) -> Result<(String, stsim_core::Config, ExecPolicy), String> {
    let loaded = load(name, &allow.limits())?;
    let mut config = parse(&loaded.file, &loaded.source, &allow.limits())?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let exec = if loaded.builtin {
        // Built-in examples are data shipped with stsim: they never start a process.
        ExecPolicy::default()
    } else {
        allow.exec()
    };
    exec.check(&loaded.file, &config)?;
    Ok((loaded.file, config, exec))
}

fn run_command(
    name: &str,
    seed: Option<u64>,
    json: bool,
    trace: bool,
    allow: Allow,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let (_, config, exec) = prepare(name, seed, allow)?;
    let (sim, report) = simulate_with(config, &exec, &allow.budget())?;
    write_out(out, &rendered(&sim, &report, json, trace))?;
    run_ended(&sim)
}

/// The text a run prints, as `--json` and `--trace` choose.
fn rendered(sim: &stsim_core::Simulation, report: &stsim_core::Report, json: bool, trace: bool) -> String {
    if trace {
        input::escape(&sim.trace.render(&sim.world))
    } else if json {
        render::json::render(report)
    } else {
        input::escape(&render::text::render(report))
    }
}

/// `stsim run --check-determinism`: two runs of the same scenario in this
/// process, the second on another thread, must agree byte for byte (trace,
/// report text and JSON); the first's output is printed as usual.
fn determinism_command(
    name: &str,
    seed: Option<u64>,
    json: bool,
    trace: bool,
    allow: Allow,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let (file, config, exec) = prepare(name, seed, allow)?;
    let budget = allow.budget();
    let one_run = move |config: stsim_core::Config, exec: &ExecPolicy| {
        simulate_with(config, exec, &budget).map(|(sim, report)| {
            let texts = (
                sim.trace.render(&sim.world),
                render::text::render(&report),
                render::json::render(&report),
                report.trace_digest.clone(),
            );
            (sim, report, texts)
        })
    };
    let (sim, report, first) = one_run(config.clone(), &exec)?;
    let second =
        std::thread::scope(|scope| scope.spawn(|| one_run(config, &exec).map(|(_, _, texts)| texts)).join())
            .map_err(|_| "error: the second run panicked\n".to_string())??;
    write_out(out, &rendered(&sim, &report, json, trace))?;
    let shown = input::shown(&file);
    if first != second {
        let what = if first.0 != second.0 {
            let line = first.0.lines().zip(second.0.lines()).position(|(a, b)| a != b);
            match line {
                Some(n) => format!("the traces differ from line {}", n + 1),
                None => "the traces differ in length".to_string(),
            }
        } else if first.1 != second.1 {
            "the text reports differ".to_string()
        } else {
            "the JSON reports differ".to_string()
        };
        return Err(format!(
            "error: the run stopped: {shown} is not deterministic: {what} (digests {} and {})\n",
            first.3, second.3
        ));
    }
    let _ = err.write_all(
        format!("ok: {shown}: 2 runs (2 threads) gave the same trace, digest {}\n", first.3).as_bytes(),
    );
    run_ended(&sim)
}

/// How a finished run ends the command: an operator's failure, a budget
/// that ran out, or success.
fn run_ended(sim: &stsim_core::Simulation) -> Result<ExitStatus, String> {
    if let Some(message) = budget_exhausted(sim) {
        return Err(format!("{message}\n"));
    }
    match operator_failure(sim) {
        Some(message) => Err(format!("error: the run stopped: {message}\n")),
        None => Ok(ExitStatus::Success),
    }
}

/// The message of a run stopped by its budget, if it was.
pub fn budget_exhausted(sim: &stsim_core::Simulation) -> Option<String> {
    let what = sim.exhausted.as_ref()?;
    let at = sim.ended.map_or(stsim_core::time::SimTime::ZERO, |(at, _)| at);
    Some(format!(
        "{BUDGET_ERROR}: {what}, at {at} of simulated time; the report above stops there\n  \
         = help: a run this big is usually a runaway (an operator scaling without end, failures in a loop); \
         `--allow-large` raises the budget, `--time-limit` the real time allowed"
    ))
}

/// The budget of one run: the engine's, and real time.
#[derive(Debug, Clone, Copy)]
pub struct RunBudget {
    pub budget: stsim_core::sim::Budget,
    pub wall: std::time::Duration,
}

impl Default for RunBudget {
    fn default() -> RunBudget {
        Allow::default().budget()
    }
}

/// Builds the scenario's operators (starting external ones, if `exec`
/// allows every one of them) and runs it.
pub fn simulate(
    config: stsim_core::Config,
    exec: &ExecPolicy,
) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    simulate_with(config, exec, &RunBudget::default())
}

/// [`simulate`] within a budget: the engine stops a runaway run, and this
/// stops one that takes longer than `budget.wall` in real time.
pub fn simulate_with(
    config: stsim_core::Config,
    exec: &ExecPolicy,
    budget: &RunBudget,
) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    use stsim_core::config::OperatorKind;
    exec.check(&format!("scenario {}", config.name), &config)?;
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
            kind => match stsim_core::operators::builtin(kind) {
                Some(operator) => operator,
                None => return Err(format!("error: operator {kind:?} is not built in\n")),
            },
        });
    }
    let mut sim = stsim_core::Simulation::with_operators(config, operators);
    sim.budget = budget.budget;
    let started = std::time::Instant::now();
    while sim.step() {
        if sim.events.is_multiple_of(64) && started.elapsed() > budget.wall {
            sim.exhaust(format!("{:?} of real time, the --time-limit", budget.wall));
        }
    }
    let report = stsim_core::report::build(&sim);
    Ok((sim, report))
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
    allow: Allow,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let (_, config, exec) = prepare(name, seed, allow)?;
    let (sim, report) = simulate_with(config, &exec, &allow.budget())?;
    let story = stsim_core::story::tell(&sim);
    write_out(out, &input::escape(&render::text::story(&report, &story)))?;
    run_ended(&sim)
}

fn check_command(files: &[String], limits: Limits, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let mut errors = String::new();
    for name in files {
        match load(name, &limits).and_then(|loaded| {
            parse(&loaded.file, &loaded.source, &limits).map(|config| (loaded.file, config))
        }) {
            Ok((file, config)) => {
                let mut text = format!(
                    "ok: {}: scenario {}, {} statefulset(s), {} timeline action(s), {} long\n",
                    input::shown(&file),
                    config.name,
                    config.statefulsets.len(),
                    config.timeline.len(),
                    config.duration
                );
                for command in consent::commands(&config) {
                    text.push_str(&format!(
                        "  runs a program: operator {} runs `{}` in {} (needs --allow-exec or a trusted-commands entry)\n",
                        command.operator, command.shown, command.dir
                    ));
                }
                write_out(out, &input::escape(&text))?;
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
