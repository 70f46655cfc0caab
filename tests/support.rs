//! Helpers shared by the test modules: run a scenario, query its trace.

use stsim_core::objects::{PodId, PvcId};
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;
use stsim_core::{Config, Report};

pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package is in the repo")
        .into()
}

pub fn parse(source: &str) -> Config {
    match stsim_scenario::parse_scenario(source, "test.ron") {
        Ok(config) => config,
        Err(diagnostics) => {
            let text: Vec<String> = diagnostics.iter().map(|d| d.render(source)).collect();
            panic!("test scenario does not parse:\n{}", text.join("\n"))
        }
    }
}

/// Every shipped scenario, as paths relative to `scenarios/` without `.ron`
/// (`operators/pvc-cleanup`), sorted.
pub fn shipped_scenarios() -> Vec<String> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "ron") {
                let relative = path.strip_prefix(base).unwrap().with_extension("");
                out.push(relative.display().to_string());
            }
        }
    }
    let base = repo_root().join("scenarios");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

pub fn scenario_file(name: &str) -> String {
    let path = repo_root().join("scenarios").join(format!("{name}.ron"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn run(source: &str) -> (Simulation, Report) {
    stsim_core::run(parse(source))
}

pub fn run_file(name: &str) -> (Simulation, Report) {
    run(&scenario_file(name))
}

/// A view of a finished run's trace, by pod and claim name.
pub struct Log<'a>(pub &'a Simulation);

impl Log<'_> {
    fn pod_name(&self, id: PodId) -> &str {
        &self.0.world.pod(id).name
    }
    fn pvc_name(&self, id: PvcId) -> &str {
        &self.0.world.pvc(id).name
    }

    /// Names of pods in the order they were created, with the time.
    pub fn creations(&self) -> Vec<(SimTime, String)> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodCreated { pod, .. } => Some((r.at, self.pod_name(pod).to_string())),
                _ => None,
            })
            .collect()
    }

    /// Graceful or forced deletions by anyone, in order.
    pub fn deletions(&self) -> Vec<(SimTime, String)> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodDeleting { pod, .. } => Some((r.at, self.pod_name(pod).to_string())),
                _ => None,
            })
            .collect()
    }

    /// When each incarnation of the named pod left the API server.
    pub fn removals(&self, name: &str) -> Vec<SimTime> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodRemoved { pod, .. } if self.pod_name(pod) == name => Some(r.at),
                _ => None,
            })
            .collect()
    }

    /// Ready transitions of the named pod (any incarnation).
    pub fn readiness(&self, name: &str) -> Vec<(SimTime, bool)> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PodReady { pod, ready } if self.pod_name(pod) == name => Some((r.at, ready)),
                _ => None,
            })
            .collect()
    }

    /// The first time the named pod became Ready after `after`.
    pub fn ready_after(&self, name: &str, after: SimTime) -> Option<SimTime> {
        self.readiness(name).into_iter().find(|(at, ready)| *ready && *at >= after).map(|(at, _)| at)
    }

    /// DNS additions (`true`) and removals (`false`) of a name, with the IP.
    pub fn dns(&self, fqdn: &str) -> Vec<(SimTime, bool, String)> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match &r.event {
                Event::DnsAdded { name, ip } if name == fqdn => Some((r.at, true, ip.to_string())),
                Event::DnsRemoved { name, ip } if name == fqdn => Some((r.at, false, ip.to_string())),
                _ => None,
            })
            .collect()
    }

    /// The claims created, by name.
    pub fn claims_created(&self) -> Vec<String> {
        self.0
            .trace
            .records
            .iter()
            .filter_map(|r| match r.event {
                Event::PvcCreated { pvc } => Some(self.pvc_name(pvc).to_string()),
                _ => None,
            })
            .collect()
    }
}

pub fn t(text: &str) -> SimTime {
    SimTime::ZERO + text.parse::<stsim_core::time::SimDuration>().expect("a duration")
}

/// When the run's pods took the STATUS `reason` (`Running`, `Error`, ...),
/// in order.
pub fn status_times(sim: &Simulation, reason: &str) -> Vec<SimTime> {
    (sim.trace.records.iter())
        .filter(|r| {
            matches!(&r.event, Event::PodStatus { status: stsim_core::objects::StatusColumn::Reason(said), .. }
                if *said == reason)
        })
        .map(|r| r.at)
        .collect()
}

/// Asserts that each of `waits` (a container's exit and its restart, in
/// ms), the i-th held by a restart back-off of 10 s doubled i times, ended
/// at the pod worker's sync (release 1.35 or later, `kubelet::pod_worker`):
/// after the back-off's end, and less than half the back-off (at most
/// 30 s, half the worker's longest wait) later.
pub fn restarted_at_workers_syncs(waits: &[(u64, u64)]) {
    restarted_at_workers_syncs_from(waits, 10_000);
}

/// As [`restarted_at_workers_syncs`], the first back-off `first` ms.
pub fn restarted_at_workers_syncs_from(waits: &[(u64, u64)], first: u64) {
    for (i, (exit, restart)) in waits.iter().enumerate() {
        let window = (first << i).min(300_000);
        let waited = restart - exit;
        let late = (window / 2).min(30_000);
        assert!(waited > window && waited < window + late, "{window} ms: {waits:?}");
    }
}
