//! stsim-cli: the `stsim` command. Reads scenario files, runs them through
//! `stsim-core`, and renders what happened for people or machines.
//!
//! Owns arguments, file reading, exit codes and rendering. The engine and
//! the scenario format live in their crates; nothing here decides anything
//! about the simulated cluster.

pub mod examples;
pub mod export;
pub mod external_operator;
pub mod input;
pub mod render;
pub mod test_command;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;

/// `-o`: how `stsim run` prints the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The report as JSON (`apiVersion: stsim.io/v1alpha1`, `kind: Report`, camelCase keys).
    Json,
    /// The same document as YAML.
    Yaml,
    /// The text report with the events table (`kubectl events`) after it.
    Wide,
}

/// The names `--story` takes, for help and completions.
fn story_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(stsim_scenario::STORIES.iter().map(|(name, _)| *name))
}

/// `stsim schema WHAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The scenario file format (from the Rust types that read it).
    Scenario,
    /// The report `stsim run -o json` prints.
    Report,
}

/// The report's JSON Schema, as shipped in `docs/`.
pub const REPORT_SCHEMA: &str = include_str!("../../../docs/report.schema.json");

/// `stsim completions SHELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

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
stsim run -f redis.yaml                    simulate your manifests\n  \
stsim run my.ron -o json > report.json\n  \
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
    /// Run a scenario, or Kubernetes manifests, and print the report.
    #[command(after_help = "Examples:\n  \
stsim run                                   the built-in Redis example\n  \
stsim run scenarios/rolling-update.ron      a scenario file\n  \
stsim run -f redis.yaml                     your manifests, in the default story\n  \
stsim run -f redis.yaml --story node-crash  ...in another story (see `stsim stories`)\n  \
helm template my ./chart | stsim run -f -   manifests from standard input\n\n\
Exit status: 0 when the run completed, 2 when the input is invalid.")]
    Run {
        /// The scenario file (RON), a manifest (.yaml, .json), `-` for standard
        /// input, or the name of a built-in example. Without it (and without
        /// `-f`), runs the built-in `redis-ordered-startup`.
        #[arg(conflicts_with = "filename")]
        file: Option<String>,
        /// Kubernetes manifests to simulate (YAML or JSON, multi-document,
        /// `kind: List`), like `kubectl apply -f`; `-` reads standard input.
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        filename: Vec<String>,
        /// The story to tell around manifests: the cluster and the timeline
        /// (see `stsim stories`).
        #[arg(long, default_value = "default", value_parser = story_names())]
        story: String,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Output format: json, yaml (the report as a Kubernetes-style
        /// document, schema docs/report.schema.json) or wide (text and events).
        #[arg(short = 'o', long = "output", value_enum, conflicts_with_all = ["trace", "json"])]
        output: Option<OutputFormat>,
        /// The same as `-o json`.
        #[arg(long, conflicts_with = "trace")]
        json: bool,
        /// Print the raw trace, one tab-separated change a line.
        #[arg(long)]
        trace: bool,
        /// Show event times as RFC 3339, the run starting at this time
        /// (like 2026-01-02T15:04:05Z), instead of times since the start.
        #[arg(long, value_name = "TIME")]
        start_time: Option<String>,
    },
    /// Run a scenario or manifests and print what happened as Kubernetes events.
    #[command(after_help = "Examples:\n  \
stsim events -f redis.yaml --story node-crash\n  \
stsim events scenarios/drain-pdb-multi-attach.ron --start-time 2026-01-02T15:04:05Z\n\n\
Columns as `kubectl events` prints them; times are since the start of the run unless \
--start-time is given.")]
    Events {
        /// The scenario file, a manifest, `-`, or a built-in example.
        #[arg(conflicts_with = "filename")]
        file: Option<String>,
        /// Kubernetes manifests to simulate; `-` reads standard input.
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        filename: Vec<String>,
        /// The story to tell around manifests (see `stsim stories`).
        #[arg(long, default_value = "default", value_parser = story_names())]
        story: String,
        /// Show times as RFC 3339 after this start time.
        #[arg(long, value_name = "TIME")]
        start_time: Option<String>,
        /// Only Warning events (like `kubectl events --types=Warning`).
        #[arg(long)]
        warnings: bool,
    },
    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
stsim completions bash > /etc/bash_completion.d/stsim\n  \
stsim completions zsh > \"${fpath[1]}/_stsim\"\n  \
stsim completions fish > ~/.config/fish/completions/stsim.fish")]
    Completions { shell: Shell },
    /// Run a scenario and tell its story in plain words, event by event.
    #[command(after_help = "Examples:\n  \
stsim explain scenarios/headless-service-renamed.ron\n  \
stsim explain redis.yaml                    a manifest, in the default story\n\n\
Exit status: 0 when the run completed, 2 when the scenario is invalid.")]
    Explain {
        /// The scenario file (RON), a manifest, `-`, or the name of a built-in example.
        file: String,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Validate scenario files and manifests without running them.
    #[command(after_help = "Examples:\n  \
stsim check my.ron\n  \
stsim check redis.yaml                      a manifest, as the API server would check it\n  \
helm template my ./chart | stsim check -\n\n\
Exit status: 0 when every file is valid, 2 when one is not (errors name file:line:column).")]
    Check {
        /// Scenario files or manifests to check (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Run scenarios and check their expectations, like a test suite.
    #[command(
        after_help = "Prints one line per scenario and `N passed, N failed`; each failure says what was \
expected, what happened, the trace around it, and the command that re-runs it.\n\
Exit status: 0 when every expectation holds, 1 when one fails, 2 on bad arguments.\n\n\
Examples:\n  stsim test\n  stsim test scenarios/node-crash-*.ron --seed 3\n  stsim test --junit results.xml"
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
    /// Write a scenario's workloads as Kubernetes manifests (YAML).
    #[command(after_help = "Examples:\n  \
stsim export scenarios/rolling-update.ron > rolling-update.yaml\n  \
stsim export rolling-update | kubectl apply --dry-run=client -f -\n\n\
Writes StorageClasses, Services, StatefulSets and PodDisruptionBudgets with every default \
filled in; `stsim run -f` reads them back to the same workloads.")]
    Export {
        /// The scenario file, `-`, or the name of a built-in example.
        file: String,
    },
    /// Write a RON scenario around manifests, to add a timeline and expectations.
    #[command(after_help = "Examples:\n  \
stsim import redis.yaml > redis.ron\n  \
stsim import redis.yaml --story node-crash > redis-crash.ron\n\n\
The scenario lists the manifests (as named here, relative to where you save it), \
the story's cluster and timeline, and an empty `expect` list.")]
    Import {
        /// Manifest files (YAML or JSON).
        #[arg(required = true)]
        files: Vec<String>,
        /// The story whose cluster and timeline to write (see `stsim stories`).
        #[arg(long, default_value = "default", value_parser = story_names())]
        story: String,
    },
    /// Print the JSON Schema of the scenario format or of the report.
    #[command(
        after_help = "Examples:\n  stsim schema scenario > scenario.schema.json\n  stsim schema report\n\n\
The same files ship as docs/scenario.schema.json and docs/report.schema.json."
    )]
    Schema { what: SchemaKind },
    /// List the stories `stsim run -f` can tell around manifests.
    #[command(after_help = "Examples:\n  stsim stories\n  stsim run -f redis.yaml --story rolling-update")]
    Stories,
    /// List the built-in scenarios, or print one of them.
    #[command(after_help = "Examples:\n  stsim examples\n  stsim examples rolling-update > my.ron")]
    Examples {
        /// Print this example's source (save it to start your own).
        name: Option<String>,
    },
}

/// Reads a scenario named on the command line: a file, `-`, or a built-in example.
fn load(name: &str) -> Result<(String, String), String> {
    input::read(name)
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

/// Reads a scenario (RON, or a manifest in the default story), with rendered errors.
pub(crate) fn parse(file: &str, source: &str) -> Result<stsim_core::Config, String> {
    let loaded = if input::is_manifest(file, source) {
        input::from_manifests(&[(file.to_string(), source.to_string())], "default")?
    } else {
        input::scenario(file, source)?
    };
    Ok(loaded.config)
}

/// Runs `stsim` with `args` (without the program name), writing to `out` and `err`, without colour.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    run_with(args, out, err, false)
}

/// Whether to colour output written to standard output: only on a terminal,
/// and not when `NO_COLOR` is set (no-color.org).
pub fn color_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `run`, colouring the output when `color`.
pub fn run_with(args: &[String], out: &mut dyn Write, err: &mut dyn Write, color: bool) -> ExitStatus {
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
        Command::Run { file, filename, story, seed, output, json, trace, start_time } => {
            let input = match file {
                _ if !filename.is_empty() => Input::Manifests(filename),
                Some(file) => Input::File(file),
                None => Input::File(examples::EXAMPLES[0].name.to_string()),
            };
            let output = if json { Some(OutputFormat::Json) } else { output };
            let options = RunOptions { seed, output, trace, start_time, color };
            run_command(&input, &story, &options, out, err)
        }
        Command::Events { file, filename, story, start_time, warnings } => {
            let input = match file {
                _ if !filename.is_empty() => Input::Manifests(filename),
                Some(file) => Input::File(file),
                None => Input::File(examples::EXAMPLES[0].name.to_string()),
            };
            let options = EventsOptions { start_time, only_warnings: warnings, color };
            events_command(&input, &story, &options, out, err)
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            let generator = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(generator, &mut command, "stsim", &mut script);
            write_out(out, &String::from_utf8_lossy(&script)).map(|()| ExitStatus::Success)
        }
        Command::Stories => stories_command(out),
        Command::Schema { what } => {
            let text = match what {
                SchemaKind::Scenario => stsim_scenario::scenario_schema(),
                SchemaKind::Report => REPORT_SCHEMA.to_string(),
            };
            write_out(out, &text).map(|()| ExitStatus::Success)
        }
        Command::Export { file } => export_command(&file, out),
        Command::Import { files, story } => import_command(&files, &story, out),
        Command::Explain { file, seed } => explain_command(&file, seed, out),
        Command::Check { files } => check_command(&files, out, err),
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

/// What `stsim run` reads.
enum Input {
    File(String),
    Manifests(Vec<String>),
}

struct RunOptions {
    seed: Option<u64>,
    output: Option<OutputFormat>,
    trace: bool,
    start_time: Option<String>,
    color: bool,
}

fn read_input(input: &Input, story: &str, err: &mut dyn Write) -> Result<stsim_core::Config, String> {
    let loaded = match input {
        Input::File(name) => input::load(name, story)?.1,
        Input::Manifests(names) => input::manifests(names, story)?,
    };
    if let Some(warning) = &loaded.warning {
        let _ = err.write_all(warning.as_bytes());
    }
    Ok(loaded.config)
}

fn times(start_time: Option<&str>) -> Result<render::events::Times, String> {
    match start_time {
        None => Ok(render::events::Times::SinceStart),
        Some(text) => render::events::parse_rfc3339(text)
            .map(render::events::Times::At)
            .map_err(|e| format!("error: {e}\n")),
    }
}

fn run_command(
    input: &Input,
    story: &str,
    options: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let times = times(options.start_time.as_deref())?;
    let mut config = read_input(input, story, err)?;
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    let (sim, report) = simulate(config)?;
    let text = if options.trace {
        sim.trace.render(&sim.world)
    } else {
        match options.output {
            Some(OutputFormat::Json) => render::json::render(&report),
            Some(OutputFormat::Yaml) => render::yaml::to_yaml(&render::json::document(&report)),
            Some(OutputFormat::Wide) => {
                let events = render::events::collect(&sim);
                format!(
                    "{}\nEVENTS\n{}",
                    render::text::render(&report),
                    render::events::table(&events, times, options.color)
                )
            }
            None => render::text::render(&report),
        }
    };
    write_out(out, &text)?;
    match operator_failure(&sim) {
        Some(message) => Err(format!("error: the run stopped: {message}\n")),
        None => Ok(ExitStatus::Success),
    }
}

struct EventsOptions {
    start_time: Option<String>,
    only_warnings: bool,
    color: bool,
}

fn events_command(
    input: &Input,
    story: &str,
    options: &EventsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let times = times(options.start_time.as_deref())?;
    let config = read_input(input, story, err)?;
    let (sim, _) = simulate(config)?;
    let mut events = render::events::collect(&sim);
    if options.only_warnings {
        events.retain(|e| e.warning);
    }
    write_out(out, &render::events::table(&events, times, options.color))?;
    Ok(ExitStatus::Success)
}

fn export_command(name: &str, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let (file, source) = load(name)?;
    let config = parse(&file, &source)?;
    write_out(out, &export::render(&config))?;
    Ok(ExitStatus::Success)
}

fn import_command(names: &[String], story: &str, out: &mut dyn Write) -> Result<ExitStatus, String> {
    let mut files = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(name)
            .map_err(|e| format!("error: cannot read manifest `{name}`: {e}\n"))?;
        files.push((name.clone(), text));
    }
    let sources: std::collections::BTreeMap<String, String> = files.iter().cloned().collect();
    let written: Vec<String> = names
        .iter()
        .map(|n| {
            std::path::Path::new(n)
                .file_name()
                .map_or_else(|| n.clone(), |f| f.to_string_lossy().into_owned())
        })
        .collect();
    let text = stsim_scenario::import_manifests(&files, &written, story)
        .map_err(|d| input::render(&d, &sources, &format!("{} cannot be imported", names.join(", "))))?;
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

fn stories_command(out: &mut dyn Write) -> Result<ExitStatus, String> {
    let width = stsim_scenario::STORIES.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut text = String::from("Stories for `stsim run -f MANIFEST --story NAME`:\n");
    for (name, summary) in stsim_scenario::STORIES {
        text.push_str(&format!("  {name:<width$}   {summary}\n"));
    }
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

/// Builds the scenario's operators (starting external ones) and runs it.
pub fn simulate(config: stsim_core::Config) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
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
    let (sim, report) = stsim_core::run(config);
    let story = stsim_core::story::tell(&sim);
    write_out(out, &render::text::story(&report, &story))?;
    Ok(ExitStatus::Success)
}

fn check_command(files: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus, String> {
    let mut errors = String::new();
    for name in files {
        match input::load(name, "default") {
            Ok((file, loaded)) => {
                if let Some(warning) = &loaded.warning {
                    let _ = err.write_all(warning.as_bytes());
                }
                let config = loaded.config;
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
