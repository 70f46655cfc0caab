//! stsim-cli: the `stsim` command. Reads scenario files, runs them through
//! `stsim-core`, and renders what happened for people or machines.
//!
//! Owns arguments, file reading, exit codes and rendering. The engine and
//! the scenario format live in their crates; nothing here decides anything
//! about the simulated cluster.

pub mod consent;
pub mod external_operator;
mod import;
pub mod input;
pub mod render;
pub mod sweep;
pub mod teach;
pub mod test_command;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use consent::ExecPolicy;
use std::io::Write;
use std::path::{Path, PathBuf};
use stsim_examples as examples;
use stsim_scenario::Limits;

/// `-o` of `stsim events`: the events as a list object instead of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    /// A `v1` `EventList`, as `kubectl events -o json` prints it.
    Json,
    /// The same list as YAML.
    Yaml,
}

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
stsim run -f redis.yaml                    simulate your manifests\n  \
stsim run my.ron -o json > report.json\n  \
stsim run my.ron --html report.html         the timeline picture and report, in a browser\n  \
stsim explain scenarios/headless-service-renamed.ron   the story, in words\n  \
stsim check my.ron                         validate only\n  \
stsim test scenarios/                      check every scenario's expectations\n  \
stsim sweep my.ron --seeds 1000 --vary podManagementPolicy=OrderedReady,Parallel\n  \
stsim examples --tag node-failure          list built-in scenarios by theme\n  \
stsim quiz servicename-changed             predict what happens, then see"
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
    /// Which files a scenario's `manifests` may name, as kustomize's flag
    /// says: `LoadRestrictionsRootOnly`, files in or below the scenario's
    /// own directory; `LoadRestrictionsNone`, any file (absolute paths,
    /// `..`). A scenario is data, and a manifest it names is quoted in
    /// diagnostics.
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
    pub load_restrictor: LoadRestrictor,
}

/// `--load-restrictor`: whether a scenario may read manifests outside its directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadRestrictor {
    RootOnly,
    None,
}

impl LoadRestrictor {
    /// The limits of a command with this flag (and `--allow-large`).
    fn limits(self, allow_large: bool) -> Limits {
        Limits { manifests_outside_root: self == LoadRestrictor::None, ..Limits::new(allow_large) }
    }
}

fn parse_load_restrictor(text: &str) -> Result<LoadRestrictor, String> {
    match text {
        "LoadRestrictionsRootOnly" | "rootOnly" => Ok(LoadRestrictor::RootOnly),
        "LoadRestrictionsNone" | "none" => Ok(LoadRestrictor::None),
        _ => Err(format!(
            "`{}` is not a load restrictor: LoadRestrictionsRootOnly (the default) or LoadRestrictionsNone",
            input::escape(text)
        )),
    }
}

impl Default for Allow {
    fn default() -> Allow {
        Allow {
            allow_exec: false,
            allow_large: false,
            time_limit: stsim_core::time::SimDuration::from_mins(10),
            load_restrictor: LoadRestrictor::RootOnly,
        }
    }
}

fn parse_event_ttl(text: &str) -> Result<stsim_core::time::SimDuration, String> {
    text.parse::<stsim_core::time::SimDuration>()
        .map_err(|error| format!("`{}` is not a duration: {error}", input::escape(text)))
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
        self.load_restrictor.limits(self.allow_large)
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
/// `--jobs`: at least one thread, and no more than a machine can start
/// (each takes a stack; thousands take seconds to start and gain nothing).
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(jobs @ 1..=sweep::MAX_JOBS) => Ok(jobs),
        _ => Err(format!("expected a number of threads from 1 to {}", sweep::MAX_JOBS)),
    }
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| {
        format!("`{}` is not a seed: a seed is a whole number from 0 to {}", input::escape(text), u64::MAX)
    })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario, or Kubernetes manifests, and print the report; check its expectations, if it has any.
    #[command(after_help = "Examples:\n  \
stsim run                                   the built-in Redis example\n  \
stsim run scenarios/rolling-update.ron      a scenario file\n  \
stsim run -f redis.yaml                     your manifests, in the default story\n  \
stsim run -f redis.yaml --story node-crash  ...in another story (see `stsim stories`)\n  \
helm template my ./chart | stsim run -f -   manifests from standard input\n\n\
Exit status: 0 when the run completed and its expectations hold, 1 when one fails \
(they are listed on stderr) or an operator stopped the run, 2 when the input is invalid, 3 when the run \
ran out of its budget.")]
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
        /// The namespace, as `kubectl apply -n` takes it: manifests' objects
        /// that name none go there (else in `default`), and one naming
        /// another is refused.
        #[arg(short = 'n', long, value_name = "NAMESPACE")]
        namespace: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Replace a value of the scenario, by path: `replicas=5`,
        /// `statefulsets[0].podManagementPolicy=Parallel` (repeatable).
        #[arg(long, value_name = "PATH=VALUE")]
        set: Vec<String>,
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
        /// Run the scenario twice, on this thread and on another, and fail
        /// (exit 1) unless both runs give the same trace, report and digest.
        #[arg(long)]
        check_determinism: bool,
        /// Also write the report as one self-contained HTML page with the timeline picture.
        #[arg(long, value_name = "FILE")]
        html: Option<String>,
        /// Also write the timeline picture alone, as SVG.
        #[arg(long, value_name = "FILE")]
        svg: Option<String>,
        /// Also write the run as Chrome trace-event JSON (open it in Perfetto or chrome://tracing).
        #[arg(long, value_name = "FILE")]
        perfetto: Option<String>,
        /// Show event times as RFC 3339, the run starting at this time
        /// (like 2026-01-02T15:04:05Z), instead of times since the start.
        #[arg(long, value_name = "TIME")]
        start_time: Option<String>,
        #[command(flatten)]
        allow: Allow,
    },
    /// Run a scenario or manifests and print what happened as Kubernetes events.
    #[command(after_help = "Examples:\n  \
stsim events -f redis.yaml --story node-crash\n  \
stsim events scenarios/drain-pdb-multi-attach.ron --start-time 2026-01-02T15:04:05Z\n  \
stsim events scenarios/init-container-crash-loop.ron --raw   every event as emitted, none counted\n  \
stsim events scenarios/liveness-restarts.ron --for pod/web-0 --types Warning\n  \
stsim events scenarios/node-failures-week.ron --event-ttl 0   the whole week, none deleted\n\n\
Columns as `kubectl events` prints them, and the events as the API server keeps them: \
each component's recorder counts repeats of an event into one, shown as `5m (x4 over 3m)` \
(last seen at 5m, 4 times over 3 minutes), combines ten similar ones within 10 minutes into \
`(combined from similar events): ...`, and writes at most 25 events about one object, then \
one every 5 minutes. The API server deletes an event an hour after its last write \
(`--event-ttl`): at the end of a longer run only the last hour's are left, as `kubectl events` \
would find them (`--event-ttl 0` keeps all). `--raw` lists every event as emitted instead. \
Times are in whole seconds, as the API server keeps an event's, since the start of the run \
unless --start-time is given.\n\
Exit status: 0 when the run completed, 1 when an operator stopped the run, 2 when the input is \
invalid, 3 when the run ran out of its budget (the events listed stop where it stopped).")]
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
        /// The namespace, as `kubectl apply -n` takes it: manifests' objects
        /// that name none go there (else in `default`), and one naming
        /// another is refused.
        #[arg(short = 'n', long, value_name = "NAMESPACE")]
        namespace: Option<String>,
        /// Show times as RFC 3339 after this start time.
        #[arg(long, value_name = "TIME")]
        start_time: Option<String>,
        /// Only Warning events (`--types Warning`).
        #[arg(long, conflicts_with = "types")]
        warnings: bool,
        /// Only events of these types, as `kubectl events --types`:
        /// `Normal`, `Warning` or both, comma-separated.
        #[arg(long, value_name = "TYPES", value_delimiter = ',')]
        types: Vec<String>,
        /// Only the events about one object, as `kubectl events --for`:
        /// `pod/web-0`, `statefulset/web` (`sts`, `statefulset.apps`),
        /// `pvc/data-web-0`, `pv/NAME`, `node/NAME` (`no`).
        #[arg(long = "for", value_name = "TYPE/NAME")]
        for_object: Option<String>,
        /// Every event as its component emitted it, in time order, before
        /// its recorder counts repeats into one (`x4 over 5m`), combines
        /// similar ones and drops spam: what a watch on the recorders would
        /// see, not what the API server keeps.
        #[arg(long)]
        raw: bool,
        /// How long the API server keeps an event after its last write, as
        /// kube-apiserver's `--event-ttl` (1h): at the end of a longer run,
        /// the events not written in its last hour are gone, as `kubectl
        /// events` would find them. `0` keeps every event (no lease).
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_event_ttl, conflicts_with = "raw")]
        event_ttl: stsim_core::time::SimDuration,
        /// Output format: json or yaml, a `v1` `EventList` as `kubectl
        /// events -o json` prints it (times after --start-time, else the
        /// Unix epoch).
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<EventsFormat>,
        #[command(flatten)]
        allow: Allow,
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
stsim explain redis.yaml                    a manifest, in the default story\n  \
stsim explain -f redis.yaml --story rollout-restart   ...in another story (see `stsim stories`)\n\n\
Exit status: 0 when the run completed, 1 when an operator stopped the run, 2 when the scenario \
is invalid, 3 when the run ran out of its budget (the story stops where it stopped).")]
    Explain {
        /// The scenario file (RON), a manifest, `-`, or the name of a built-in example.
        #[arg(conflicts_with = "filename", required_unless_present = "filename")]
        file: Option<String>,
        /// Kubernetes manifests to simulate; `-` reads standard input.
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        filename: Vec<String>,
        /// The story to tell around manifests (see `stsim stories`).
        #[arg(long, default_value = "default", value_parser = story_names())]
        story: String,
        /// The namespace, as `kubectl apply -n` takes it: manifests' objects
        /// that name none go there (else in `default`), and one naming
        /// another is refused.
        #[arg(short = 'n', long, value_name = "NAMESPACE")]
        namespace: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Replace a value of the scenario, by path (repeatable; see `stsim run --help`).
        #[arg(long, value_name = "PATH=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        allow: Allow,
    },
    /// Validate scenario files and manifests without running them; list the programs each would start.
    #[command(after_help = "Examples:\n  \
stsim check my.ron\n  \
stsim check redis.yaml                      a manifest, as the API server would check it\n  \
stsim check -f svc.yaml -f sts.yaml         manifests split over files, checked together\n  \
helm template my ./chart | stsim check -\n\n\
Each FILE is checked on its own; the `-f` files are checked together, as one set of \
manifests, the way `stsim run -f` reads them.\n\
Exit status: 0 when every file is valid, 2 when one is not (errors name file:line:column).")]
    Check {
        /// Scenario files or manifests to check, each on its own (`-` reads standard input).
        #[arg(required_unless_present = "filename")]
        files: Vec<String>,
        /// Manifests to check together, as `stsim run -f` reads them (like
        /// `kubectl apply -f`, repeatable; `-` reads standard input).
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        filename: Vec<String>,
        /// Check against the large limits (see Limits in docs/scenario-format.md).
        #[arg(long)]
        allow_large: bool,
        /// The namespace of the manifests, as `kubectl apply -n` takes it
        /// (see `stsim run --help`).
        #[arg(short = 'n', long, value_name = "NAMESPACE")]
        namespace: Option<String>,
        /// Which files a scenario's `manifests` may name (see `stsim run --help`).
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
        load_restrictor: LoadRestrictor,
    },
    /// Run scenarios and check their expectations, like a test suite.
    #[command(
        after_help = "Prints one line per scenario and `N passed, N failed`; each failure says what was \
expected, what happened, the trace around it, and the command that re-runs it.\n\
Exit status: 0 when every expectation holds, 1 when one fails, 2 on bad arguments or when a file is not a valid scenario (the valid ones still run and are counted).\n\n\
Examples:\n  stsim test\n  stsim test scenarios/node-crash-*.ron --seed 3\n  stsim test --junit results.xml"
    )]
    Test {
        /// Scenario files, or directories searched for `*.ron` (default: scenarios).
        paths: Vec<String>,
        /// Run every scenario with this seed instead of its own.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed, conflicts_with = "seeds")]
        seed: Option<u64>,
        /// Run every scenario once per seed in this range, like `1..50` (both ends included).
        #[arg(long, value_name = "FROM..TO", value_parser = parse_seeds)]
        seeds: Option<(u64, u64)>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// How many scenarios run at once, 1 to 1024 (default: one per core).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        #[command(flatten)]
        allow: Allow,
    },
    /// Write a scenario's workloads as Kubernetes manifests (YAML).
    #[command(after_help = "Examples:\n  \
stsim export scenarios/rolling-update.ron > rolling-update.yaml\n  \
stsim export rolling-update | kubectl apply --dry-run=client -f -\n\n\
Writes the scenario's workloads with every default filled in: its Namespace (unless \
`default`), StorageClasses (every field; stsim's `stsim.io/` annotations where Kubernetes \
has none; not those the scenario takes the cluster to have, its implicit `gp3` and the classes \
a manifest story made up, which a comment names), the PersistentVolumes and claims that exist from the start, Services, \
StatefulSets (the application in the `stsim.io/app` annotation) and PodDisruptionBudgets; \
`stsim run -f` reads them back to the same workloads. Probes get a TCP check, which stsim \
does not run.\n\nNot written: the cluster (zones, nodes, failures), images' behaviour, the timeline, \
expectations, timings, the release and feature gates, DNS settings, operators, custom \
resources, and what a manifest's pod template has that stsim does not model (env, commands, \
mounts, limits, probe handlers). \
See docs/manifests.md, \"Round trip\".")]
    Export {
        /// The scenario file, `-`, or the name of a built-in example.
        file: String,
        /// Which files the scenario's `manifests` may name (see `stsim run --help`).
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
        load_restrictor: LoadRestrictor,
    },
    /// Write a RON scenario around manifests, to add a timeline and expectations.
    #[command(after_help = "Examples:\n  \
stsim import redis.yaml -o redis.ron\n  \
stsim import manifests/redis.yaml --story node-crash -o manifests/redis-crash.ron\n  \
stsim import -f svc.yaml -f sts.yaml -o db.ron     manifests split over files\n  \
stsim import -f manifests/ -o db.ron               a directory's .yaml, .yml and .json files\n  \
stsim import redis.yaml > redis.ron                to standard output: save it in this directory\n\n\
The scenario lists the manifests, the story's cluster and timeline, and an empty `expect` list. \
Every file given, with or without `-f`, is one set of manifests; a directory stands for its files. \
A scenario names its manifests by path, relative to the scenario file, and reads only those in or \
below its own directory (see --load-restrictor). With `-o FILE` the paths are written relative to \
FILE's directory, so FILE must be beside the manifests or in a directory above them: a FILE \
elsewhere is refused (exit 2), as the scenario could not read them, unless \
`--load-restrictor LoadRestrictionsNone` is given here (and then to every command that reads the \
scenario). On standard output the paths are written as given, relative to the current directory: \
save the scenario in the current directory, or use `-o`. Standard input (`-`) cannot be \
imported, since a scenario can only name files: save the manifests first \
(`helm template my ./chart > chart.yaml`), or simulate them without a scenario (`stsim run -f -`).")]
    Import {
        /// Manifest files (YAML or JSON) or directories of them.
        #[arg(required_unless_present = "filename")]
        files: Vec<String>,
        /// Manifest files or directories, as `kubectl apply -f` takes them
        /// (repeatable; the same as naming them without `-f`).
        #[arg(short = 'f', long = "filename", value_name = "FILE")]
        filename: Vec<String>,
        /// The story whose cluster and timeline to write (see `stsim stories`).
        #[arg(long, default_value = "default", value_parser = story_names())]
        story: String,
        /// The namespace, as `kubectl apply -n` takes it: manifests' objects
        /// that name none go there (else in `default`), and one naming
        /// another is refused.
        #[arg(short = 'n', long, value_name = "NAMESPACE")]
        namespace: Option<String>,
        /// Write the scenario to this file (a `.ron`; replaced if it
        /// exists, and only once the manifests are read and valid) instead
        /// of standard output, naming the manifests by paths relative to it.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<String>,
        /// Which manifests the scenario written with `-o` may name, as `stsim run` reads it (see
        /// `stsim run --help`): with `LoadRestrictionsNone`, manifests outside FILE's directory are
        /// written too, and the scenario needs the same flag wherever it is read.
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
        load_restrictor: LoadRestrictor,
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
    /// Run a scenario over many seeds (and variants) and report distributions.
    #[command(after_help = "Runs seeds FIRST..FIRST+N-1 of every variant on all cores and reports, per \
variant: the share of runs in which each application was BROKEN, time broken, degraded and to \
recover, time each StatefulSet was short of pods, orphaned-volume cost, findings and expectations \
(mean, p50, p95, p99, max), with the worst seeds and the command that replays one. The result does \
not depend on the number of threads.\n\
--shard K/N runs the K-th (from 0) of N slices of the seed range; with --shard N, K comes from \
JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID. Save each shard with -o json \
and combine them with `stsim merge`. See docs/sweeps.md.\n\
Exit status: 0 when the sweep ran, 3 when it ran but some runs stopped before the scenario's \
duration (their budget ran out, or an operator failed; each variant counts them), 2 on bad input.")]
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
        /// How many runs at once, 1 to 1024 (default: one per core).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Let the scenario's `External` operators run (see `stsim run --help`).
        #[arg(long)]
        allow_exec: bool,
        /// Which files the scenario's `manifests` may name (see `stsim run --help`).
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
        load_restrictor: LoadRestrictor,
    },
    /// Combine the JSON outputs of sweep shards into the report of the whole sweep.
    #[command(
        after_help = "Exit status: 0 when merged, 3 when some merged runs were cut short (see `stsim sweep --help`), 2 when an input is unreadable, of another format or from another sweep."
    )]
    Merge {
        /// Outputs of `stsim sweep ... --shard K/N -o json` (`-`, once, for standard input).
        #[arg(required = true)]
        files: Vec<String>,
        /// `text` or `json`.
        #[arg(short = 'o', long, default_value = "text", value_parser = ["text", "json"])]
        output: String,
    },
    /// List the built-in scenarios by theme, or print one of them.
    #[command(
        after_help = "Examples:\n  stsim examples\n  stsim examples --tag node-failure\n  stsim examples --tag quiz\n  stsim examples rolling-update > my.ron"
    )]
    Examples {
        /// Print this example's source (save it to start your own).
        name: Option<String>,
        /// Only scenarios with this tag (a theme like `node-failure`, or `exercise`), or `quiz` for those with a quiz.
        #[arg(long)]
        tag: Option<String>,
        /// Only scenarios whose name, description, tags, sources or lesson contain this word (`quiz` also finds those with a quiz).
        #[arg(long, value_name = "WORD")]
        search: Option<String>,
    },
    /// Predict, then see: ask a scenario's question, run it, show the answer with the run's evidence.
    #[command(after_help = "Asks on the terminal (type the letter of a choice), or takes --answer.
Exit status: 0 for the right answer, 1 for a wrong one, 2 when the scenario is invalid or has no quiz, \
3 when the run ran out of its budget (the evidence shown stops where it stopped).")]
    Quiz {
        /// The scenario file (RON), or the name of a built-in example (`stsim examples --tag quiz` lists those with a quiz).
        file: String,
        /// Answer without being asked (the letter of a choice).
        #[arg(long)]
        answer: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Which files the scenario's `manifests` may name (see `stsim run --help`).
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_load_restrictor)]
        load_restrictor: LoadRestrictor,
    },
}

/// `FROM..TO`, both ends included.
fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a range of seeds like 1..50, not {}", input::escape(&format!("{text:?}")));
    let (from, to) = text.split_once("..").ok_or_else(bad)?;
    let (from, to): (u64, u64) =
        (from.trim().parse().map_err(|_| bad())?, to.trim().parse().map_err(|_| bad())?);
    if from > to || to - from >= 100_000 {
        return Err(format!(
            "{}: the range must go up, and hold at most 100000 seeds",
            input::escape(&format!("{text:?}"))
        ));
    }
    Ok((from, to))
}

fn test(
    paths: &[String],
    seed: Option<u64>,
    seeds: Option<(u64, u64)>,
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
    let seeds: Vec<Option<u64>> = match seeds {
        Some((from, to)) => (from..=to).map(Some).collect(),
        None => vec![None],
    };
    let outcomes = test_command::run_all(&files, &options, &seeds, jobs);
    if let Some(path) = junit {
        std::fs::write(path, test_command::junit(&outcomes))
            .map_err(|e| format!("error: cannot write {}: {e}\n", input::shown(path)))?;
    }
    write_out(out, &test_command::render(&outcomes))?;
    Ok(test_command::status(&outcomes))
}

/// Reads a scenario (RON, or a manifest in the default story) within
/// `limits`; the error is the rendered diagnostics.
pub fn parse(file: &str, source: &str, limits: &Limits) -> Result<stsim_core::Config, String> {
    let source = input::Source { label: file.to_string(), text: source.to_string(), builtin: false };
    input::parse(&source, input::Applied::DEFAULT, limits).map(|loaded| loaded.config)
}

/// Runs `stsim` with `args` (without the program name), writing to `out`
/// and `err`, without colour and with nothing to read (`stsim quiz` then
/// needs `--answer`).
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    run_full(args, &mut std::io::empty(), out, err, false)
}

/// `run`, colouring the output when `color`.
pub fn run_with(args: &[String], out: &mut dyn Write, err: &mut dyn Write, color: bool) -> ExitStatus {
    run_full(args, &mut std::io::empty(), out, err, color)
}

/// `run`, reading answers (`stsim quiz`) from `input`.
pub fn run_with_input(
    args: &[String],
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    run_full(args, input, out, err, false)
}

/// Whether to colour output written to standard output: only on a terminal,
/// and not when `NO_COLOR` is set (no-color.org).
pub fn color_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `run`, reading answers (`stsim quiz`) from `input` and colouring the
/// output when `color`.
pub fn run_full(
    args: &[String],
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> ExitStatus {
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
        Command::Run {
            file,
            filename,
            story,
            namespace,
            seed,
            set,
            output,
            json,
            trace,
            html,
            svg,
            perfetto,
            start_time,
            check_determinism,
            allow,
        } => {
            let input = match file {
                _ if !filename.is_empty() => Input::Manifests(filename),
                Some(file) => Input::File(file),
                None => Input::File(examples::EXAMPLES[0].name.to_string()),
            };
            let output = if json { Some(OutputFormat::Json) } else { output };
            let pictures = Pictures { html, svg, perfetto };
            let options = RunOptions { seed, set, output, trace, start_time, color, allow, pictures };
            let applied = input::Applied { story: &story, namespace: namespace.as_deref() };
            if check_determinism {
                determinism_command(&input, applied, &options, out, err)
            } else {
                run_command(&input, applied, &options, out, err)
            }
        }
        Command::Events {
            file,
            filename,
            story,
            namespace,
            start_time,
            warnings,
            types,
            for_object,
            raw,
            event_ttl,
            output,
            allow,
        } => {
            let input = match file {
                _ if !filename.is_empty() => Input::Manifests(filename),
                Some(file) => Input::File(file),
                None => Input::File(examples::EXAMPLES[0].name.to_string()),
            };
            let types = if warnings { vec!["Warning".to_string()] } else { types };
            let budget = allow.budget();
            let options =
                EventsOptions { start_time, types, for_object, raw, event_ttl, output, color, allow, budget };
            let applied = input::Applied { story: &story, namespace: namespace.as_deref() };
            events_command(&input, applied, &options, out, err)
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
        Command::Export { file, load_restrictor } => {
            export_command(&file, load_restrictor.limits(false), out, err)
        }
        Command::Import { mut files, filename, story, namespace, output, load_restrictor } => {
            files.extend(filename);
            let applied = input::Applied { story: &story, namespace: namespace.as_deref() };
            let outside = load_restrictor == LoadRestrictor::None;
            import_command(&files, applied, output.as_deref(), outside, out, err)
        }
        Command::Explain { file, filename, story, namespace, seed, set, allow } => {
            let input = match file {
                _ if !filename.is_empty() => Input::Manifests(filename),
                Some(file) => Input::File(file),
                None => Input::File(examples::EXAMPLES[0].name.to_string()),
            };
            let applied = input::Applied { story: &story, namespace: namespace.as_deref() };
            explain_command(&input, applied, seed, &set, allow, allow.budget(), out, err)
        }
        Command::Sweep {
            file,
            seeds,
            first_seed,
            vary,
            shard,
            output,
            runs_out,
            jobs,
            allow_exec,
            load_restrictor,
        } => {
            let manifests_outside_root = load_restrictor == LoadRestrictor::None;
            let request = sweep::Request {
                file,
                seeds,
                first_seed,
                vary,
                shard,
                jobs,
                progress: false,
                manifests_outside_root,
            };
            sweep_command(request, &output, runs_out.as_deref(), allow_exec, out, err)
        }
        Command::Merge { files, output } => merge_command(&files, &output, out, err),
        Command::Check { files, filename, allow_large, namespace, load_restrictor } => {
            let applied = input::Applied { story: "default", namespace: namespace.as_deref() };
            let limits = load_restrictor.limits(allow_large);
            check_command(&files, &filename, applied, limits, out, err)
        }
        Command::Examples { name, tag, search } => {
            examples_command(name.as_deref(), tag.as_deref(), search.as_deref(), out)
        }
        Command::Quiz { file, answer, seed, load_restrictor } => {
            let limits = load_restrictor.limits(false);
            quiz_command(&file, answer.as_deref(), seed, &limits, &RunBudget::default(), input, out)
        }
        Command::Test { paths, seed, seeds, junit, jobs, allow } => {
            test(&paths, seed, seeds, junit.as_deref(), jobs, allow, out)
        }
    };
    match result {
        Ok(status) => status,
        Err(message) => {
            let _ = err.write_all(input::escape(&message).as_bytes());
            status_of(&message)
        }
    }
}

/// How a command that failed with `message` ends.
fn status_of(message: &str) -> ExitStatus {
    if message.starts_with("error: the run stopped") || message.starts_with("error: expectations failed") {
        ExitStatus::Failure
    } else if message.starts_with(BUDGET_ERROR) {
        ExitStatus::Budget
    } else {
        ExitStatus::Error
    }
}

/// The files `stsim run` writes besides its output.
struct Pictures {
    html: Option<String>,
    svg: Option<String>,
    perfetto: Option<String>,
}

impl Pictures {
    /// Writes each file asked for; `page_events` are the HTML page's
    /// events if they were worked out already.
    fn write(
        &self,
        sim: &stsim_core::Simulation,
        report: &stsim_core::Report,
        lesson: Option<&str>,
        page_events: Option<stsim_render::html::PageEvents>,
    ) -> Result<(), String> {
        let write = |path: &str, text: String| {
            std::fs::write(path, text)
                .map_err(|e| format!("error: cannot write {}: {e}\n", input::shown(path)))
        };
        if let Some(path) = &self.html {
            let events = page_events.unwrap_or_else(|| stsim_render::page_events(sim));
            write(path, stsim_render::html_with_events(sim, report, &events, lesson))?;
        }
        if let Some(path) = &self.svg {
            write(path, stsim_render::svg(sim, report))?;
        }
        if let Some(path) = &self.perfetto {
            // Written as it is made: the trace can be many times the size of the run.
            let written = std::fs::File::create(path).and_then(|file| {
                let mut writer = std::io::BufWriter::with_capacity(1 << 16, file);
                stsim_render::write_perfetto(sim, report, &mut writer)?;
                writer.flush()
            });
            written.map_err(|e| format!("error: cannot write {}: {e}\n", input::shown(path)))?;
        }
        Ok(())
    }
}

/// What `stsim run` reads.
enum Input {
    File(String),
    Manifests(Vec<String>),
}

struct RunOptions {
    seed: Option<u64>,
    set: Vec<String>,
    output: Option<OutputFormat>,
    trace: bool,
    start_time: Option<String>,
    color: bool,
    allow: Allow,
    pictures: Pictures,
}

/// What a command runs, read, validated and consented to.
struct Prepared {
    /// The file (or manifests) it came from, for messages.
    label: String,
    config: stsim_core::Config,
    exec: ExecPolicy,
    /// The scenario's one-line lesson, for the HTML report.
    lesson: Option<String>,
}

/// Reads, validates and asks consent for what a command runs: a scenario
/// (built-in examples never start a process) or manifests in a story.
fn prepare(
    input: &Input,
    applied: input::Applied<'_>,
    seed: Option<u64>,
    set: &[String],
    allow: Allow,
    err: &mut dyn Write,
) -> Result<Prepared, String> {
    let limits = allow.limits();
    let mut lesson = None;
    let (label, builtin, loaded) = match input {
        Input::File(name) => {
            let mut source = input::read(name, &limits)?;
            let set = overrides(set)?;
            if !set.is_empty() {
                source.text = sweep::apply(&source.label, &source.text, &set)?;
                source.label = format!("{} (with {})", source.label, sweep::describe(&set));
            }
            let loaded = input::parse(&source, applied, &limits)?;
            if !input::is_manifest(&source.label, &source.text) {
                lesson =
                    stsim_scenario::parse_teaching(&source.text, &source.label).ok().and_then(|t| t.lesson);
            }
            (source.label, source.builtin, loaded)
        }
        Input::Manifests(names) => {
            if let (Some((path, value)), Some(file)) = (overrides(set)?.first(), names.first()) {
                return Err(sweep::manifests_not_set(file, path, value));
            }
            (names.join(", "), false, input::manifests(names, applied, &limits)?)
        }
    };
    if let Some(warning) = &loaded.warning {
        let _ = err.write_all(input::escape(warning).as_bytes());
    }
    let mut config = loaded.config;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    // Built-in examples are data shipped with stsim: they never start a process.
    let exec = if builtin { ExecPolicy::default() } else { allow.exec() };
    exec.check(&label, &config)?;
    Ok(Prepared { label, config, exec, lesson })
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

fn sweep_command(
    mut request: sweep::Request,
    output: &str,
    runs_out: Option<&str>,
    allow_exec: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    use std::io::IsTerminal;
    let source = input::read(&request.file, &Limits::DEFAULT)?;
    request.file = source.label;
    request.progress = std::io::stderr().is_terminal();
    let exec = if source.builtin { ExecPolicy::default() } else { ExecPolicy::from_user(allow_exec) };
    // A path that cannot be written is bad input: said before any run,
    // not after the whole sweep's work.
    let cannot_write =
        |path: &str, e: std::io::Error| format!("error: cannot write {}: {e}\n", input::shown(path));
    let runs_file = match runs_out {
        Some(path) => Some((path, std::fs::File::create(path).map_err(|e| cannot_write(path, e))?)),
        None => None,
    };
    let result = sweep::run(&request, &source.text, &exec, &|name| std::env::var(name).ok())?;
    // The result first: a write that fails now loses only the lines.
    let status = write_sweep(&result, output, out, err)?;
    if let Some((path, mut file)) = runs_file {
        file.write_all(sweep::runs_lines(&result).as_bytes()).map_err(|e| cannot_write(path, e))?;
    }
    Ok(status)
}

/// Writes the sweep; exit 3, with a warning, when some of its runs were
/// cut short (their numbers cover less than the scenario's duration).
fn write_sweep(
    result: &sweep::Sweep,
    output: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let text = match output {
        // invariant: plain data with string keys always serializes to JSON.
        "json" => serde_json::to_string(result).expect("a sweep serializes") + "\n",
        _ => sweep::render_text(result),
    };
    write_out(out, &text)?;
    let cut: u64 = result.variants.iter().map(|v| v.summary.cut_short).sum();
    if cut == 0 {
        return Ok(ExitStatus::Success);
    }
    let runs: u64 = result.variants.iter().map(|v| v.summary.runs).sum();
    let _ = err.write_all(
        format!(
            "warning: {cut} of {runs} runs stopped before the scenario's duration (their budget ran out, or an \
             operator failed), so their numbers cover less time; `stsim run` one of them to see why\n"
        )
        .as_bytes(),
    );
    Ok(ExitStatus::Budget)
}

fn merge_command(
    files: &[String],
    output: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    if files.iter().filter(|f| *f == "-").count() > 1 {
        return Err(
            "error: `-` (standard input) is given more than once to merge; it can hold one shard\n  \
                    = help: save the other shards to files and name them\n"
                .to_string(),
        );
    }
    let mut parts = Vec::new();
    for file in files {
        let (name, text) = read_shard(file)?;
        let part = parse_shard(&name, &text)?;
        parts.push((name, part));
    }
    let merged = sweep::merge(parts)?;
    let missing = sweep::missing(&merged);
    if !missing.is_empty() {
        let seeds: u64 = missing.iter().map(|(from, to)| to - from).sum();
        // The first few ranges, then how many more: a file of many slices
        // does not make a warning of megabytes.
        const SHOWN: usize = 10;
        let mut ranges: Vec<String> =
            missing.iter().take(SHOWN).map(|(from, to)| format!("{from}..{}", to - 1)).collect();
        if missing.len() > SHOWN {
            ranges.push(format!("and {} more ranges", missing.len() - SHOWN));
        }
        let warning = format!(
            "warning: seeds {} ({seeds} of {}) are in no input: the merged report covers only the rest\n",
            ranges.join(", "),
            merged.seeds
        );
        let _ = err.write_all(warning.as_bytes());
    }
    write_sweep(&merged, output, out, err)
}

/// A shard named on `stsim merge`'s command line, as (its name in
/// messages, its text): `-` is standard input; a directory is refused as
/// not a shard.
fn read_shard(file: &str) -> Result<(String, String), String> {
    if file == "-" {
        let source = input::read_stdin(Limits::LARGE.input_bytes)?;
        return Ok((source.label, source.text));
    }
    let name = input::shown(file);
    if Path::new(file).is_dir() {
        return Err(format!(
            "error: cannot read {name}: it is a directory, and merge reads the JSON outputs of \
             `stsim sweep -o json` (one file per shard)\n  = help: name the shards' files, like \
             `stsim merge {}`\n",
            input::shown(&Path::new(file).join("*.json").to_string_lossy())
        ));
    }
    let text = input::read_bounded(Path::new(file), Limits::LARGE.input_bytes)
        .map_err(|e| format!("error: cannot read {name}: {}\n", e.message()))?;
    Ok((name, text))
}

/// A shard's text read as a sweep of this stsim's format. What is plainly
/// something else is named as such before the JSON is read field by field:
/// a `stsim run` report, a shard of an older or a newer format, an empty
/// file.
fn parse_shard(name: &str, text: &str) -> Result<sweep::Sweep, String> {
    let not_a_sweep = "is it the JSON output of `stsim sweep -o json`?";
    if text.trim().is_empty() {
        return Err(format!(
            "error: {name} is empty; {not_a_sweep} (a shard that failed may have written nothing: run it again)\n"
        ));
    }
    let value = serde_json::from_str::<serde_json::Value>(text).ok();
    if let Some(object) = value.as_ref().and_then(serde_json::Value::as_object) {
        let kind = object.get("kind").and_then(serde_json::Value::as_str);
        if kind.is_some() || object.contains_key("apiVersion") {
            let what = match kind {
                Some("Report") => "a `stsim run` report (kind: Report)".to_string(),
                Some(kind) => format!("a document of kind {}", input::escape(&format!("{kind:?}"))),
                None => "a document with an apiVersion".to_string(),
            };
            return Err(format!(
                "error: {name} is {what}, not the output of `stsim sweep -o json`\n  = help: merge combines the \
                 shards of one sweep: `stsim sweep SCENARIO --seeds N --shard K/M -o json > shard-K.json` for \
                 each K, then `stsim merge shard-*.json`\n"
            ));
        }
        let format = object.get("format").and_then(serde_json::Value::as_u64);
        let current = u64::from(sweep::FORMAT);
        match format {
            Some(format) if format > current => {
                let by = object
                    .get("stsim")
                    .and_then(serde_json::Value::as_str)
                    .map_or(String::new(), |v| format!(" (it says stsim {} wrote it)", input::escape(v)));
                return Err(format!(
                    "error: {name}: a sweep output of format {format}, newer than the format {current} this stsim \
                     ({}) reads{by}\n  = help: upgrade stsim to the version that ran the shards, and merge them \
                     with it\n",
                    env!("CARGO_PKG_VERSION")
                ));
            }
            Some(format) if format < current => {
                return Err(format!(
                    "error: {name}: a sweep output of format {format}, written by an older stsim, and this stsim \
                     reads format {current}: run that shard again with this stsim\n"
                ));
            }
            None if object.contains_key("variants") => {
                return Err(format!(
                    "error: {name}: a sweep output of format 1 (which did not say), written by an older stsim, \
                     and this stsim reads format {current}: run that shard again with this stsim\n"
                ));
            }
            _ => {}
        }
    }
    serde_json::from_str(text).map_err(|e| {
        // serde_json counts a column 0 at the start of a line (an input
        // that ends there), and columns are 1-based everywhere else: the
        // position is given once, in front, as every error gives it.
        let message = e.to_string();
        let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
        format!(
            "error: {name}:{}:{}: not the JSON output of `stsim sweep -o json`: {message}\n",
            e.line(),
            e.column().max(1)
        )
    })
}

fn times(start_time: Option<&str>) -> Result<stsim_render::events::Times, String> {
    match start_time {
        None => Ok(stsim_render::events::Times::SinceStart),
        Some(text) => stsim_render::events::parse_rfc3339(text)
            .map(stsim_render::events::Times::At)
            .map_err(|e| format!("error: {}\n", input::escape(&e.to_string()))),
    }
}

fn run_command(
    input: &Input,
    applied: input::Applied<'_>,
    options: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let times = times(options.start_time.as_deref())?;
    let prepared = prepare(input, applied, options.seed, &options.set, options.allow, err)?;
    let sim = run_within(prepared.config, &prepared.exec, &options.allow.budget())?;
    // The events the HTML page lists are worked out before the report is
    // made: each is as large as the run, and they are not held at once.
    let page_events = options.pictures.html.as_ref().map(|_| stsim_render::page_events(&sim));
    let (sim, report) = stsim_core::finish(sim);
    options.pictures.write(&sim, &report, prepared.lesson.as_deref(), page_events)?;
    // Judged before the output is written, which lets go of the report
    // as soon as it is written (`-o wide` then works out the events).
    let held = expectations_held(&prepared.label, &sim, &report);
    write_rendered(out, &sim, report, options, times)?;
    run_ended(&sim, REPORT_STOPS)?;
    held
}

/// The scenario's expectations, checked as `stsim test` checks them, so
/// that the re-run command `stsim test` prints reproduces a failure.
fn expectations_held(
    label: &str,
    sim: &stsim_core::Simulation,
    report: &stsim_core::Report,
) -> Result<ExitStatus, String> {
    let failed: Vec<stsim_core::expect::Verdict> =
        stsim_core::expect::check(sim, report).into_iter().filter(|v| !v.passed).collect();
    if failed.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "error: expectations failed: {} of {} in {label} (seed {}):\n",
        failed.len(),
        sim.config.expect.len(),
        sim.config.seed
    );
    for v in &failed {
        text.push_str(&format!(
            "--- {label}:{}: {}\n    expected: {}\n    happened: {}\n",
            v.line, v.description, v.expected, v.actual
        ));
        for line in &v.context {
            text.push_str(&format!("      {line}\n"));
        }
    }
    Err(text)
}

/// Writes what a run prints, as `--trace` and `-o` choose. Every output
/// is written a part at a time, never held whole: on a run of millions of
/// records it would be most of its memory. The trace, the text report and
/// the events' table are escaped part by part (each part ends a line, so
/// this is the escape of the whole). The report is let go of once
/// written, before `-o wide` works out the events.
fn write_rendered(
    out: &mut dyn Write,
    sim: &stsim_core::Simulation,
    report: stsim_core::Report,
    options: &RunOptions,
    times: stsim_render::events::Times,
) -> Result<(), String> {
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    let mut failed: Option<std::io::Error> = None;
    let mut escaped = |part: &str| {
        if failed.is_none() {
            let written = if stsim_scenario::is_printable(part) {
                writer.write_all(part.as_bytes())
            } else {
                writer.write_all(input::escape(part).as_bytes())
            };
            failed = written.err();
        }
    };
    match (options.trace, options.output) {
        (true, _) => sim.trace.render_lines(&sim.world, &mut escaped),
        (false, None) => render::text::write(&report, &mut escaped),
        (false, Some(OutputFormat::Json)) => failed = render::json::write(&report, &mut writer).err(),
        (false, Some(OutputFormat::Yaml)) => {
            let document = render::json::Document::of(&report);
            failed = render::yaml::write(&document, &mut writer, render::yaml::Keys::Camel).err();
        }
        (false, Some(OutputFormat::Wide)) => {
            render::text::write(&report, &mut escaped);
            drop(report);
            escaped("\nEVENTS\n");
            let events = stsim_render::events::recorded(sim).events;
            stsim_render::events::write_table(&events, times, options.color, &mut escaped);
        }
    }
    match failed.map_or_else(|| writer.flush(), Err) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}\n")),
    }
}

/// `stsim run --check-determinism`: two runs of the same scenario in this
/// process, the second on another thread, must agree byte for byte (trace,
/// report text and JSON); the first's output is printed as usual.
fn determinism_command(
    input: &Input,
    applied: input::Applied<'_>,
    options: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let times = times(options.start_time.as_deref())?;
    let prepared = prepare(input, applied, options.seed, &options.set, options.allow, err)?;
    let (config, exec) = (prepared.config, prepared.exec);
    let label = match input {
        Input::File(name) => name.clone(),
        Input::Manifests(names) => names.join(", "),
    };
    let budget = options.allow.budget();
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
    options.pictures.write(&sim, &report, prepared.lesson.as_deref(), None)?;
    write_rendered(out, &sim, report, options, times)?;
    let shown = input::shown(&label);
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
    run_ended(&sim, REPORT_STOPS)
}

/// How a finished run ends the command: an operator's failure, a budget
/// that ran out (`stopped` says what of the output stops where the run
/// did), or success.
fn run_ended(sim: &stsim_core::Simulation, stopped: &str) -> Result<ExitStatus, String> {
    if let Some(message) = budget_message(sim, stopped) {
        return Err(format!("{message}\n"));
    }
    match operator_failure(sim) {
        Some(message) => Err(format!("error: the run stopped: {message}\n")),
        None => Ok(ExitStatus::Success),
    }
}

/// `kubectl events --types`: which of Normal and Warning to list (both
/// when none is given), compared without case as kubectl does.
fn event_types(types: &[String]) -> Result<(bool, bool), String> {
    if types.is_empty() {
        return Ok((true, true));
    }
    let mut wanted = (false, false);
    for name in types {
        if name.eq_ignore_ascii_case("Normal") {
            wanted.0 = true;
        } else if name.eq_ignore_ascii_case("Warning") {
            wanted.1 = true;
        } else {
            return Err(format!(
                "error: --types `{}`: valid --types are Normal or Warning\n",
                input::escape(name)
            ));
        }
    }
    Ok(wanted)
}

/// `kubectl events --for TYPE/NAME`: the kind of object events name and
/// the object's name. The types are those that have events here, by the
/// names, plurals and short names kubectl knows them by, with or without
/// their API group (`statefulset.apps`).
fn for_object(text: &str) -> Result<(&'static str, String), String> {
    let shown = input::escape(text);
    let Some((resource, name)) =
        text.split_once('/').filter(|(r, n)| !r.is_empty() && !n.is_empty() && !n.contains('/'))
    else {
        return Err(format!(
            "error: --for `{shown}`: give the object in resource/name form, like pod/web-0\n"
        ));
    };
    let kind = stsim_render::events::kind_of_resource(resource).ok_or_else(|| {
        format!(
            "error: --for `{shown}`: no resource type `{}` has events here\n  = help: one of pod (po), \
             statefulset (sts), persistentvolumeclaim (pvc), persistentvolume (pv), node (no), in any case, \
             alone or with its API group as kubectl takes it: statefulset.apps, statefulsets.v1.apps\n",
            input::escape(resource)
        )
    })?;
    Ok((kind, name.to_string()))
}

struct EventsOptions {
    start_time: Option<String>,
    /// `--types`: empty for every type.
    types: Vec<String>,
    /// `--for TYPE/NAME`.
    for_object: Option<String>,
    raw: bool,
    /// `--event-ttl`: zero keeps every event.
    event_ttl: stsim_core::time::SimDuration,
    output: Option<EventsFormat>,
    color: bool,
    allow: Allow,
    /// The run's budget (`allow`'s).
    budget: RunBudget,
}

fn events_command(
    input: &Input,
    applied: input::Applied<'_>,
    options: &EventsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let times = times(options.start_time.as_deref())?;
    let (normal, warning) = event_types(&options.types)?;
    let about = options.for_object.as_deref().map(for_object).transpose()?;
    let prepared = prepare(input, applied, None, &[], options.allow, err)?;
    // No report: the events are worked out from the run alone.
    let sim = run_within(prepared.config, &prepared.exec, &options.budget)?;
    let (mut events, filtered) = match options.raw {
        true => (stsim_render::events::emitted(&sim), 0),
        false => {
            let correlated = stsim_render::events::recorded(&sim);
            (correlated.events, correlated.filtered)
        }
    };
    events.retain(|e| if e.warning { warning } else { normal });
    // `kubectl events -n NS` lists the events kept in NS (events.go `Run`:
    // `Events(namespace).List`); those about nodes and volumes are kept in
    // `default` (client-go `tools/record`), so another namespace has none.
    let namespace = sim.config.namespace.as_str();
    let elsewhere = match namespace {
        "default" => 0,
        _ => {
            let before = events.len();
            events.retain(|e| e.involved.namespaced());
            before - events.len()
        }
    };
    if let Some((kind, name)) = &about {
        events.retain(|e| e.involved.kind == *kind && e.involved.name == *name);
    }
    // What the API server still holds at the end (not for `--raw`: emitted, not kept).
    let (end_ms, ttl_ms) = (sim.now().as_millis(), options.event_ttl.as_millis());
    let asked = events.len();
    if !options.raw {
        events.retain(|e| e.kept_at(end_ms, ttl_ms));
    }
    let expired = asked - events.len();
    let expired_note = || {
        let (events, were, them) =
            if expired == 1 { ("event", "was", "it") } else { ("events", "were", "them") };
        format!(
            "note: {expired} {events} {were} deleted before the run ended: the API server keeps an event {} \
             after its last write (kube-apiserver's --event-ttl). `--event-ttl 0` lists {them} too.\n",
            options.event_ttl
        )
    };
    let elsewhere_note = || {
        let (events, are) = if elsewhere == 1 { ("event", "is") } else { ("events", "are") };
        format!(
            "note: {elsewhere} {events} about nodes or volumes {are} kept in the `default` namespace, \
             which `kubectl events -n {namespace}` does not list.\n"
        )
    };
    if events.is_empty() {
        // As kubectl says it, whatever the output format.
        let _ = err.write_all(format!("No events found in {namespace} namespace.\n").as_bytes());
        if expired > 0 {
            let _ = err.write_all(expired_note().as_bytes());
        }
        if elsewhere > 0 {
            let _ = err.write_all(elsewhere_note().as_bytes());
        }
        return run_ended(&sim, "the events listed stop there");
    }
    let start_ms = match times {
        stsim_render::events::Times::At(start) => start,
        stsim_render::events::Times::SinceStart => 0,
    };
    // Written as they are made: the list can be the size of the run.
    let list = stsim_render::events::list::EventList {
        events: &events,
        world: &sim.world,
        namespace: &sim.config.namespace,
        start_ms,
    };
    write_streamed(out, |writer| match options.output {
        None => {
            let mut failed = Ok(());
            stsim_render::events::write_table(&events, times, options.color, &mut |line| {
                if failed.is_ok() {
                    failed = writer.write_all(line.as_bytes());
                }
            });
            failed
        }
        Some(EventsFormat::Json) => {
            serde_json::to_writer_pretty(&mut *writer, &list).map_err(std::io::Error::from)?;
            writer.write_all(b"\n")
        }
        Some(EventsFormat::Yaml) => render::yaml::write(&list, writer, render::yaml::Keys::AsTheyAre),
    })?;
    if expired > 0 {
        let _ = err.write_all(expired_note().as_bytes());
    }
    if elsewhere > 0 {
        let _ = err.write_all(elsewhere_note().as_bytes());
    }
    if filtered > 0 {
        let _ = err.write_all(
            format!(
                "note: {filtered} emitted events were not written: a component's recorder writes 25 events \
                 about one object, then one every 5 minutes (client-go's spam filter); the counts shown \
                 include them when a later write got through. `--raw` lists every event as emitted.\n"
            )
            .as_bytes(),
        );
    }
    run_ended(&sim, "the events listed stop there")
}

fn export_command(
    name: &str,
    limits: Limits,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let (_, loaded) = input::load(name, input::Applied::DEFAULT, &limits)?;
    if let Some(warning) = &loaded.warning {
        let _ = err.write_all(input::escape(warning).as_bytes());
    }
    let mut text = format!("# Exported by stsim from the scenario {:?}.\n", loaded.config.name);
    for note in stsim_scenario::export::not_written(&loaded.config) {
        text.push_str(&format!("# {}\n", note.replace('\n', " ")));
    }
    for object in stsim_scenario::export::objects(&loaded.config) {
        text.push_str("---\n");
        text.push_str(&render::yaml::to_yaml(&object));
    }
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

fn import_command(
    names: &[String],
    applied: input::Applied<'_>,
    output: Option<&str>,
    manifests_outside_root: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    if names.iter().any(|name| name == "-") {
        return Err("error: stsim import -: a scenario names its manifests by path, and standard input has none\n  \
             = help: save the manifests to a file first and import that (`helm template my ./chart > chart.yaml`, \
             then `stsim import chart.yaml -o chart.ron`), or simulate them without a scenario: `stsim run -f -`\n"
            .to_string());
    }
    let dir = output.map(import_output_dir).transpose()?;
    let files = input::read_manifests(names, &Limits::DEFAULT)?;
    input::check_manifests(&files)?;
    let sources: std::collections::BTreeMap<String, String> = files.iter().cloned().collect();
    // Each file as the scenario names it: relative to the file written, or
    // to the current directory for standard output, where the file it is
    // saved to is unknown.
    let written: Vec<String> = files
        .iter()
        .map(|(label, _)| match &dir {
            Some(dir) => import::path_from(dir, Path::new(label)),
            None => label.clone(),
        })
        .collect();
    let text = stsim_scenario::import_manifests(&files, &written, applied.story, applied.namespace)
        .map_err(|d| input::render(&d, &sources, &format!("{} cannot be imported", names.join(", "))))?;
    // A scenario reads only the manifests in or below its own directory
    // unless told otherwise (`--load-restrictor`). Written to a known
    // file, a scenario that could not read its manifests is not written;
    // on standard output, where it is saved is unknown: a note.
    if let (Some(file), Some(dir), false) = (output, &dir, manifests_outside_root) {
        let outside =
            files.iter().zip(&written).find(|(_, w)| input::within_root(&dir.join(w), dir).is_err());
        if let Some(((label, _), w)) = outside {
            let beside = Path::new(label).with_file_name(Path::new(file).file_name().unwrap_or_default());
            return Err(format!(
                "error: -o `{}`: the scenario would name the manifest `{}` as `{}`, outside its own directory \
                 `{}`, and a scenario reads only the manifests in or below its directory: `stsim run` would \
                 refuse it\n  = help: write the scenario beside the manifests or above them (like `-o {}`), or \
                 copy the manifests into `{}` and import the copies; for manifests you trust, pass \
                 --load-restrictor LoadRestrictionsNone here and to every command that reads the scenario\n",
                input::escape(file),
                input::escape(label),
                input::escape(w),
                input::escape(&dir.to_string_lossy()),
                input::escape(&beside.to_string_lossy()),
                input::escape(&dir.to_string_lossy()),
            ));
        }
    }
    let outside = written.iter().any(|w| {
        let path = Path::new(w);
        path.is_absolute() || path.components().any(|c| c == std::path::Component::ParentDir)
    });
    if outside {
        let _ = writeln!(
            err,
            "note: the scenario names manifests outside its own directory; run it with --load-restrictor \
             LoadRestrictionsNone, or save it beside or above the manifests"
        );
    }
    match output {
        None => write_out(out, &text)?,
        Some(file) => std::fs::write(file, &text)
            .map_err(|e| format!("error: cannot write the scenario to `{}`: {e}\n", input::escape(file)))?,
    }
    Ok(ExitStatus::Success)
}

/// The directory a scenario written to `file` (`import -o`) is in, after
/// refusing a name the scenario could not be read back from or written to.
fn import_output_dir(file: &str) -> Result<PathBuf, String> {
    let shown = input::escape(file);
    let path = Path::new(file);
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if let Some(extension @ ("yaml" | "yml" | "json")) = extension.as_deref() {
        return Err(format!(
            "error: -o `{shown}`: stsim reads a .{extension} file as Kubernetes manifests, and import writes a RON \
             scenario\n  = help: name it .ron, like `-o {}`\n",
            input::escape(&path.with_extension("ron").to_string_lossy())
        ));
    }
    if ["json", "yaml", "wide", "name", "text"].contains(&file) {
        return Err(format!(
            "error: -o `{shown}`: import writes a RON scenario, and -o names the file to write it to\n  \
             = help: like `-o db.ron`; `stsim export SCENARIO` writes a scenario's workloads as YAML\n"
        ));
    }
    if path.is_dir() {
        return Err(format!(
            "error: -o `{shown}` is a directory\n  = help: name the scenario file in it, like `-o {}`\n",
            input::escape(&path.join("db.ron").to_string_lossy())
        ));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(format!(
            "error: -o `{shown}`: there is no directory `{}` to write it in\n",
            input::escape(&dir.to_string_lossy())
        ));
    }
    Ok(dir)
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

/// The message of a run stopped by its budget, if it was.
pub fn budget_exhausted(sim: &stsim_core::Simulation) -> Option<String> {
    budget_message(sim, REPORT_STOPS)
}

/// What `stsim run`'s message says of its output.
const REPORT_STOPS: &str = "the report above stops there";

/// [`budget_exhausted`], saying `stopped` of the output.
fn budget_message(sim: &stsim_core::Simulation, stopped: &str) -> Option<String> {
    let what = sim.exhausted.as_ref()?;
    let at = sim.ended.map_or(stsim_core::time::SimTime::ZERO, |(at, _)| at);
    Some(format!(
        "{BUDGET_ERROR}: {what}, at {at} of simulated time; {stopped}\n  \
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
    run_within(config, exec, budget).map(stsim_core::finish)
}

/// [`simulate_with`] without the report: the finished run.
pub fn run_within(
    config: stsim_core::Config,
    exec: &ExecPolicy,
    budget: &RunBudget,
) -> Result<stsim_core::Simulation, String> {
    let mut sim = simulation(config, exec)?;
    sim.budget = budget.budget;
    let started = std::time::Instant::now();
    while sim.step() {
        if sim.events.is_multiple_of(64) && started.elapsed() > budget.wall {
            sim.exhaust(format!("{:?} of real time, the --time-limit", budget.wall));
        }
    }
    Ok(sim)
}

/// The simulation of a scenario with its operators (external ones started,
/// if `exec` allows every one of them), not yet run.
pub fn simulation(config: stsim_core::Config, exec: &ExecPolicy) -> Result<stsim_core::Simulation, String> {
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
                    external_operator::Speaking {
                        protocol: operator.protocol,
                        scenario: &config.name,
                        seed: config.seed,
                    },
                )?)
            }
            kind => match stsim_core::operators::builtin(kind) {
                Some(operator) => operator,
                None => return Err(format!("error: operator {kind:?} is not built in\n")),
            },
        });
    }
    let mut sim = stsim_core::Simulation::with_operators(config, operators);
    // Operators' pod templates are read as manifests are: one reader.
    sim.read_templates_with(stsim_scenario::read_pod_template);
    Ok(sim)
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

#[allow(clippy::too_many_arguments)]
fn explain_command(
    input: &Input,
    applied: input::Applied<'_>,
    seed: Option<u64>,
    set: &[String],
    allow: Allow,
    budget: RunBudget,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let prepared = prepare(input, applied, seed, set, allow, err)?;
    let (sim, report) = simulate_with(prepared.config, &prepared.exec, &budget)?;
    // Told and written a line at a time: the story can be the size of the run.
    write_streamed(out, |writer| {
        let mut failed = Ok(());
        let mut part = |text: &str| {
            if failed.is_ok() {
                failed = writer.write_all(input::escape(text).as_bytes());
            }
        };
        let mut story = render::text::Story::start(&report);
        part(&story.take());
        stsim_core::story::tell_each(&sim, &mut |line| {
            story.line(&line);
            part(&story.take());
        });
        part(&story.end(&report));
        failed
    })?;
    run_ended(&sim, "the story above stops there")
}

/// Checks each of `files` on its own, then the `manifests` (`-f`) together.
fn check_command(
    files: &[String],
    manifests: &[String],
    applied: input::Applied<'_>,
    limits: Limits,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let mut errors = String::new();
    let each = files
        .iter()
        .map(|name| input::load(name, applied, &limits).map(|(source, loaded)| (source.label, loaded)));
    let together = (!manifests.is_empty())
        .then(|| input::manifests(manifests, applied, &limits).map(|loaded| (manifests.join(", "), loaded)));
    for checked in each.chain(together) {
        match checked {
            Ok((file, loaded)) => {
                if let Some(warning) = &loaded.warning {
                    let _ = err.write_all(input::escape(warning).as_bytes());
                }
                let config = loaded.config;
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
    // Manifests split over files fail one by one (a Service without its
    // set, a set without its Service): say how to check them together.
    let split: Vec<&str> = files.iter().filter(|f| input::is_manifest(f, "")).map(String::as_str).collect();
    if !errors.is_empty() && manifests.is_empty() && split.len() > 1 {
        errors.push_str(&format!(
            "note: each file was checked on its own; to check manifests together, as `stsim run -f` reads them: stsim check -f {}\n",
            split.iter().map(|f| input::shell_word(f)).collect::<Vec<_>>().join(" -f ")
        ));
    }
    if errors.is_empty() { Ok(ExitStatus::Success) } else { Err(errors) }
}

fn quiz_command(
    name: &str,
    answer: Option<&str>,
    seed: Option<u64>,
    limits: &Limits,
    budget: &RunBudget,
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let source = input::read(name, limits)?;
    let mut config = input::parse(&source, input::Applied::DEFAULT, limits)?.config;
    let teaching = stsim_scenario::parse_teaching(&source.text, &source.label).unwrap_or_default();
    let Some(quiz) = &teaching.quiz else {
        return Err(format!(
            "error: {} has no quiz\n  = help: `stsim examples --tag quiz` lists the scenarios that have one\n",
            input::shown(&source.label)
        ));
    };
    write_out(out, &teach::ask(&config.name, quiz))?;
    let letters = format!(
        "{}-{}",
        stsim_scenario::teaching::letter(0),
        stsim_scenario::teaching::letter(quiz.choices.len() - 1)
    );
    let choice = match answer {
        Some(typed) => teach::read_answer(quiz, typed).ok_or_else(|| {
            format!(
                "error: --answer {} is not a choice: answer with a letter {letters}\n",
                input::escape(&format!("{typed:?}"))
            )
        })?,
        None => loop {
            write_out(out, &format!("Your answer ({letters}): "))?;
            let mut line = String::new();
            let read =
                input.read_line(&mut line).map_err(|e| format!("error: cannot read the answer: {e}\n"))?;
            if read == 0 {
                return Err(format!(
                    "error: no answer given\n  = help: type a letter {letters}, or pass --answer\n"
                ));
            }
            match teach::read_answer(quiz, &line) {
                Some(choice) => break choice,
                None => write_out(out, &format!("Please type one letter, {letters}.\n"))?,
            }
        },
    };
    if let Some(seed) = seed {
        config.seed = seed;
    }
    // A quiz is for learners: it never starts a process, whatever the file names.
    let (sim, report) = simulate_with(config, &ExecPolicy::default(), budget)?;
    write_out(out, &teach::reveal(quiz, choice, &teaching, &sim, &report))?;
    if let Some(message) = budget_message(&sim, "the evidence above stops there") {
        return Err(format!("{message}\n"));
    }
    Ok(if choice == quiz.answer { ExitStatus::Success } else { ExitStatus::Failure })
}

fn examples_command(
    name: Option<&str>,
    tag: Option<&str>,
    search: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let text = match name {
        Some(name) => match examples::find(name) {
            Some(example) => example.source.to_string(),
            None => {
                let help = input::did_you_mean(name).unwrap_or_else(|| {
                    "`stsim examples` lists the built-in scenarios by theme, and `stsim examples --search WORD` \
                     finds them by a word"
                        .to_string()
                });
                return Err(format!(
                    "error: no built-in scenario named `{}`\n  = help: {help}\n",
                    input::escape(name)
                ));
            }
        },
        None => teach::listing(tag, search),
    };
    write_out(out, &text)?;
    Ok(ExitStatus::Success)
}

/// Writes output made a part at a time by `write` (through a buffer);
/// a closed pipe is not an error, as for [`write_out`].
fn write_streamed(
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    match write(&mut writer).and_then(|()| writer.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}\n")),
    }
}

/// Writes output; a closed pipe (`stsim run | head`) is not an error.
fn write_out(out: &mut dyn Write, text: &str) -> Result<(), String> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default budget, but for a run cut short after 20 trace records
    /// (the built-in Redis example makes hundreds).
    fn small_budget() -> RunBudget {
        RunBudget {
            budget: stsim_core::sim::Budget { trace_records: 20, ..stsim_core::sim::Budget::DEFAULT },
            ..RunBudget::default()
        }
    }

    fn redis() -> Input {
        Input::File("redis-ordered-startup".to_string())
    }

    fn events(budget: RunBudget, output: Option<EventsFormat>) -> (Result<ExitStatus, String>, String) {
        let options = EventsOptions {
            start_time: None,
            types: Vec::new(),
            for_object: None,
            raw: false,
            event_ttl: stsim_core::time::SimDuration::ZERO,
            output,
            color: false,
            allow: Allow::default(),
            budget,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let result = events_command(&redis(), input::Applied::DEFAULT, &options, &mut out, &mut err);
        (result, String::from_utf8(out).unwrap())
    }

    /// A run cut short by its budget is said to be, with the exit status
    /// of `stsim run`, by every command that shows a run: the events, the
    /// story and a quiz's evidence stop where the run did.
    #[test]
    fn every_command_that_runs_says_when_the_budget_cut_the_run_short() {
        let stopped = |result: Result<ExitStatus, String>, what: &str| {
            let message = result.expect_err("a run cut short is no success");
            assert!(message.starts_with(BUDGET_ERROR), "{message}");
            assert!(message.contains("20 trace records") && message.contains(what), "{message}");
            assert_eq!(status_of(&message), ExitStatus::Budget);
        };
        for output in [None, Some(EventsFormat::Json), Some(EventsFormat::Yaml)] {
            let (result, out) = events(small_budget(), output);
            stopped(result, "the events listed stop there");
            assert!(out.contains("SuccessfulCreate"), "the events before the cut are listed: {out}");
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let applied = input::Applied::DEFAULT;
        let result = explain_command(
            &redis(),
            applied,
            None,
            &[],
            Allow::default(),
            small_budget(),
            &mut out,
            &mut err,
        );
        stopped(result, "the story above stops there");
        assert!(String::from_utf8(out).unwrap().starts_with("The story of redis-ordered-startup"));
        let mut out = Vec::new();
        let quiz = "servicename-changed";
        let result = quiz_command(
            quiz,
            Some("c"),
            None,
            &Limits::DEFAULT,
            &small_budget(),
            &mut std::io::empty(),
            &mut out,
        );
        stopped(result, "the evidence above stops there");
        assert!(!out.is_empty());
        // Within the budget, each ends as it did.
        assert_eq!(events(RunBudget::default(), None).0, Ok(ExitStatus::Success));
        let result = quiz_command(
            quiz,
            Some("c"),
            None,
            &Limits::DEFAULT,
            &RunBudget::default(),
            &mut std::io::empty(),
            &mut out,
        );
        assert_eq!(result, Ok(ExitStatus::Success));
    }
}
