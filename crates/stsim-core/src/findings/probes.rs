//! Findings about probes: containers the kubelet killed because their
//! startup probe failed.
//!
//! Owns the explanation of a startup probe that kills its container: the
//! kubelet probes from the container's start plus `initialDelaySeconds`,
//! every `periodSeconds`, and kills the container at the
//! `failureThreshold`-th failure in a row ("Container ... failed startup
//! probe, will be restarted"; for a sidecar, "Init container ... failed
//! startup probe"), then starts it again with the restart back-off. An
//! application slower to answer than the probe allows is killed on every
//! start: a restart loop made by the probe's size alone. A sidecar's
//! startup probe also holds the next init container and the application,
//! so its pod never initializes. Reads the trace's kills; changes nothing.

use super::Finding;
use crate::config::{ImageBehaviour, ImageConfig, Probe};
use crate::objects::FailedProbe;
use crate::time::{SimDuration, SimTime};
use crate::trace::{Event, Kind, Trace};
use crate::world::World;
use std::collections::BTreeMap;

/// One finding per pod name and container whose startup probe killed it:
/// when first, and how often.
pub fn startup_failed(world: &World, trace: &Trace) -> Vec<Finding> {
    // By (pod name, init container index or none): first kill, kills, the
    // last kill's pod.
    let mut seen: BTreeMap<(&str, Option<u32>), (SimTime, u32, crate::objects::PodId)> = BTreeMap::new();
    for record in trace.records.of_kinds(&[Kind::ContainerKilling]) {
        let Event::ContainerKilling { pod, probe: FailedProbe::Startup, init, .. } = &record.event else {
            continue;
        };
        let entry = seen.entry((world.pod(*pod).name.as_str(), *init)).or_insert((record.at, 0, *pod));
        entry.1 += 1;
        entry.2 = *pod;
    }
    (seen.into_iter())
        .filter_map(|((name, init), (since, kills, id))| {
            let pod = world.pod(id);
            let (container, probe, image, sidecar) = match init {
                Some(index) => {
                    let init = pod.init_containers.get(index as usize)?;
                    (init.name.as_str(), init.startup_probe.as_ref()?, init.image.as_str(), true)
                }
                None => (pod.container_name(), pod.startup_probe.as_ref()?, pod.image.as_str(), false),
            };
            Some(finding(name, container, sidecar, probe, world.image(image), since, kills))
        })
        .collect()
}

/// The time a startup probe gives its container from the start: its last
/// tick, `initialDelaySeconds` + (`failureThreshold` - 1) x `periodSeconds`.
fn budget(probe: &Probe) -> SimDuration {
    probe.initial_delay
        + SimDuration::from_millis(
            u64::from(probe.failure_threshold - 1).saturating_mul(probe.period.as_millis()),
        )
}

/// The least `failureThreshold` whose last tick comes at or after `startup`
/// with the probe's delay and period.
fn threshold_for(probe: &Probe, startup: SimDuration) -> u64 {
    let late = startup.as_millis().saturating_sub(probe.initial_delay.as_millis());
    late.div_ceil(probe.period.as_millis().max(1)) + 1
}

fn finding(
    pod: &str,
    container: &str,
    sidecar: bool,
    probe: &Probe,
    image: &ImageConfig,
    since: SimTime,
    kills: u32,
) -> Finding {
    let what = if sidecar { "sidecar" } else { "container" };
    let times = if kills == 1 { "once".to_string() } else { format!("{kills} times") };
    let allowed = format!(
        "{} from its start (initialDelaySeconds {} + (failureThreshold {} - 1) x periodSeconds {})",
        budget(probe),
        probe.initial_delay.as_millis() / 1000,
        probe.failure_threshold,
        probe.period.as_millis() / 1000
    );
    let (cause, fix) = match image.behaviour {
        ImageBehaviour::Healthy | ImageBehaviour::PullFails => (
            format!(
                "its image {} answers only {} after it starts, and the probe allows {allowed}: every start is \
                 killed before the application is up, a restart loop made by the probe's size alone",
                image.name, image.startup
            ),
            format!(
                "Give the probe at least the application's start-up time: failureThreshold {} or more with \
                 periodSeconds {} (a startup probe's budget is meant to be generous; liveness and readiness wait \
                 for it).",
                threshold_for(probe, image.startup),
                probe.period.as_millis() / 1000
            ),
        ),
        ImageBehaviour::NeverReady => (
            format!(
                "its image {} never answers the probe, so it fails for as long as the probe allows ({allowed})",
                image.name
            ),
            "Fix what the probe checks (its port or path) or the application: no budget helps a probe that \
             never passes."
                .to_string(),
        ),
        ImageBehaviour::CrashLoop => (
            format!(
                "its image {} never comes up: it fails the probe until it is killed ({allowed})",
                image.name
            ),
            "Fix the application's start-up; a longer probe only delays the kill.".to_string(),
        ),
    };
    let held = if sidecar {
        format!(
            " A sidecar's startup probe also holds the pod's start: the kubelet starts the next init container, \
             and the application, only once it passes, so {pod} never initializes (Init:<n>/<all>, the sidecar's \
             restarts counting up)."
        )
    } else {
        String::new()
    };
    Finding {
        id: "startup-probe-failed",
        subject: format!("pod/{pod}"),
        since_ms: since.as_millis(),
        summary: format!(
            "{pod}: the kubelet killed {what} {container} {times} for failing its startup probe"
        ),
        explanation: format!(
            "The kubelet probes a container's startup from its start plus initialDelaySeconds, every \
             periodSeconds, and kills it at the failureThreshold-th failure in a row, then starts it again with \
             the restart back-off. {pod}'s {what} {container}: {cause}.{held}"
        ),
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(delay: u64, period: u64, failures: u32) -> Probe {
        Probe {
            initial_delay: SimDuration::from_secs(delay),
            period: SimDuration::from_secs(period),
            failure_threshold: failures,
            ..Probe::default()
        }
    }

    /// The budget is the last tick's offset; the least threshold reaches
    /// the start-up time, which the model's verdict passes at that tick.
    #[test]
    fn the_budget_and_the_threshold_that_covers_a_start() {
        assert_eq!(budget(&probe(0, 5, 2)), SimDuration::from_secs(5));
        assert_eq!(budget(&probe(10, 10, 3)), SimDuration::from_secs(30));
        assert_eq!(threshold_for(&probe(0, 5, 2), SimDuration::from_secs(7)), 3);
        assert_eq!(threshold_for(&probe(0, 5, 2), SimDuration::from_secs(10)), 3);
        assert_eq!(threshold_for(&probe(3, 5, 1), SimDuration::from_secs(2)), 1);
        assert_eq!(threshold_for(&probe(0, 1, 1), SimDuration::from_secs(15)), 16);
        for (delay, period, startup) in [(0, 5, 7), (3, 5, 17), (0, 1, 15), (10, 10, 9)] {
            let p = probe(delay, period, 1);
            let needed = threshold_for(&p, SimDuration::from_secs(startup)) as u32;
            let start = SimTime::ZERO;
            let up = Some(start + SimDuration::from_secs(startup));
            let verdict = |failures| {
                crate::controllers::kubelet::startup_verdict(Some(&probe(delay, period, failures)), start, up)
            };
            assert!(verdict(needed).is_ok(), "{delay} {period} {startup}");
            if needed > 1 {
                assert!(verdict(needed - 1).is_err(), "{delay} {period} {startup}");
            }
        }
    }
}
