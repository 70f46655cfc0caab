//! The largest scenario stsim simulates: limits that are part of the format.
//!
//! Owns the numbers (input size, replicas, nodes, members of an
//! application, timeline length, horizon,
//! every duration, string lengths, the expected number of random node
//! failures in the horizon, a pod template's spread constraints, diagnostics
//! shown) and the two sets of them:
//! [`Limits::DEFAULT`], chosen from what the engine does in seconds on a
//! laptop, and [`Limits::LARGE`] (`--allow-large`), for a user who means a
//! big run and accepts minutes and gigabytes. Even the large limits keep
//! every user number far from where time arithmetic or `int32` would
//! overflow. Checked at validation (`validate`) and by readers of input
//! (the CLI reads at most `input_bytes`); documented in
//! `docs/scenario-format.md` ("Limits"). Front ends other than RON reuse
//! these, so one scenario has one answer. Does not own a run's budget: the
//! engine's `sim::Budget` stops a run that grows in ways validation cannot
//! see (an operator scaling up).

/// One set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of scenario text.
    pub input_bytes: u64,
    /// Characters of any one string in the file (a description, an image, a label).
    pub string_chars: usize,
    /// `replicas` of a StatefulSet, and of each `Scale`/`UpdateStatefulSet`.
    pub replicas: u32,
    /// Pods over all StatefulSets, each at the most replicas the file gives
    /// it: a thousand sets may not each reach the per-set limit.
    pub pods: u64,
    /// Nodes over all pools plus every `AddNode`.
    pub nodes: u64,
    /// Members of one clustered application (`app` on a StatefulSet): the
    /// most replicas the file gives its set. Each look at an application
    /// asks, for every member, about every peer it knows, and a set started
    /// `OrderedReady` is looked at several times a member: forming a ring
    /// grows with the cube of its members.
    pub app_members: u32,
    /// Entries of the timeline.
    pub timeline: usize,
    /// Entries of every other list (StatefulSets, services, pools, zones, expectations, ...).
    pub list: usize,
    /// The run's `duration`, in milliseconds.
    pub horizon_ms: u64,
    /// Any duration in the file, in milliseconds.
    pub duration_ms: u64,
    /// Expected random node failures in the horizon (`nodes * duration / meanTimeBetweenFailures`).
    pub expected_failures: u64,
    /// The smallest `meanTimeBetweenFailures` and `meanTimeToRepair`, in milliseconds.
    pub min_failure_interval_ms: u64,
    /// `External` operators: each is a process started at the beginning of the run.
    pub external_operators: usize,
    /// `topologySpreadConstraints` of one pod template. Kubernetes sets no
    /// bound; every constraint is counted for every node in every
    /// scheduling cycle, and a real pod has a few.
    pub spread_constraints: usize,
    /// Whether the scenario's `manifests` may name files outside the
    /// directory of the scenario file (absolute paths, `..`, symbolic links
    /// that lead out). Off by default, as kustomize's load restrictor is: a
    /// scenario is data, and a manifest it names is echoed in diagnostics.
    pub manifests_outside_root: bool,
}

const DAY_MS: u64 = 24 * 60 * 60 * 1_000;

impl Limits {
    /// What stsim simulates without being asked (a run of seconds, well under 1 GiB).
    pub const DEFAULT: Limits = Limits {
        input_bytes: 4 << 20,
        string_chars: 4_096,
        replicas: 2_000,
        pods: 20_000,
        nodes: 2_000,
        app_members: 400,
        timeline: 10_000,
        list: 1_000,
        horizon_ms: 400 * DAY_MS,
        duration_ms: 400 * DAY_MS,
        expected_failures: 20_000,
        min_failure_interval_ms: 1_000,
        external_operators: 8,
        spread_constraints: 100,
        manifests_outside_root: false,
    };

    /// With `--allow-large`: minutes and gigabytes, but never unbounded.
    pub const LARGE: Limits = Limits {
        input_bytes: 64 << 20,
        string_chars: 65_536,
        replicas: 100_000,
        pods: 1_000_000,
        nodes: 100_000,
        app_members: 2_000,
        timeline: 1_000_000,
        list: 100_000,
        horizon_ms: 100 * 366 * DAY_MS,
        duration_ms: 100 * 366 * DAY_MS,
        expected_failures: 2_000_000,
        min_failure_interval_ms: 1,
        external_operators: 64,
        spread_constraints: 10_000,
        manifests_outside_root: false,
    };

    /// The limits for a run, with or without `--allow-large`.
    pub const fn new(allow_large: bool) -> Limits {
        if allow_large { Limits::LARGE } else { Limits::DEFAULT }
    }

    /// The hint appended to a limit's diagnostic.
    pub fn help(&self) -> &'static str {
        if *self == Limits::LARGE {
            "this is beyond what stsim simulates even with `--allow-large` (see Limits in docs/scenario-format.md)"
        } else {
            "this is beyond what stsim simulates by default (see Limits in docs/scenario-format.md); \
             pass `--allow-large` if you mean it"
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// Diagnostics shown for one file; the rest are counted.
pub const MAX_DIAGNOSTICS: usize = 50;
