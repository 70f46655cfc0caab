//! How kubectl prints a value in a table cell, shared by every table
//! stsim writes (the text report, the HTML report, `stsim events`): ages
//! (apimachinery's `duration.HumanDuration`) and the RESTARTS column with
//! its `(5m ago)`. Formats only; what the values are is the report's.

use stsim_core::report::PodRow;

/// An age as kubectl prints it (apimachinery's `duration.HumanDuration`,
/// which `translateTimestampSince` uses for every AGE column and event
/// time): seconds up to two minutes, then two units below ten minutes,
/// minutes alone up to three hours (`150m`), two units below eight hours,
/// hours alone up to two days, two units below eight days, days alone up
/// to two years, then years and days. Whole units, rounded down.
pub fn age(ms: u64) -> String {
    let seconds = ms / 1000;
    let (minutes, hours) = (seconds / 60, seconds / 3600);
    let (days, years) = (hours / 24, hours / 24 / 365);
    let two = |big: u64, big_unit: &str, small: u64, small_unit: &str| match small {
        0 => format!("{big}{big_unit}"),
        _ => format!("{big}{big_unit}{small}{small_unit}"),
    };
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        two(minutes, "m", seconds % 60, "s")
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        two(hours, "h", minutes % 60, "m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        two(days, "d", hours % 24, "h")
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        two(years, "y", days % 365, "d")
    } else {
        format!("{years}y")
    }
}

/// The RESTARTS cell of `pod` as `kubectl get pods` prints it at the
/// run's end (`ended_at_ms`): the count and, once a container it counts has
/// terminated, how long ago the last one did: `3 (5m ago)` (`printPod`).
pub fn restarts(pod: &PodRow, ended_at_ms: u64) -> String {
    match (pod.state.restarts, pod.last_termination_ms) {
        (0, _) | (_, None) => pod.state.restarts.to_string(),
        (count, Some(at)) => format!("{count} ({} ago)", age(ended_at_ms.saturating_sub(at))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stsim_core::report::PodState;

    /// `printPod`: the count alone without restarts or without a last
    /// termination; else the count and the age of the last termination.
    #[test]
    fn restarts_read_as_kubectl_prints_them() {
        let pod = |restarts: u32, last_termination_ms: Option<u64>| PodRow {
            name: "db-0".into(),
            state: PodState { ready: "1/1".into(), status: "Running".into(), restarts, ip: None, node: None },
            revision: String::new(),
            age_ms: 0,
            last_termination_ms,
            unschedulable: None,
        };
        assert_eq!(restarts(&pod(0, None), 600_000), "0");
        assert_eq!(restarts(&pod(2, None), 600_000), "2");
        assert_eq!(restarts(&pod(3, Some(300_000)), 600_000), "3 (5m ago)");
        assert_eq!(restarts(&pod(1, Some(599_500)), 600_000), "1 (0s ago)");
    }

    /// apimachinery's `HumanDuration` at each of its boundaries.
    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let (s, m, h, d) = (1000, 60_000, 3_600_000, 86_400_000);
        let cases = [
            (0, "0s"),
            (999, "0s"),
            (90 * s, "90s"),
            (119 * s + 999, "119s"),
            (2 * m, "2m"),
            (5 * m + 30 * s, "5m30s"),
            (9 * m + 59 * s, "9m59s"),
            (10 * m + 30 * s, "10m"),
            (150 * m + 59 * s, "150m"),
            (179 * m, "179m"),
            (3 * h, "3h"),
            (7 * h + 59 * m + 59 * s, "7h59m"),
            (8 * h + 30 * m, "8h"),
            (47 * h, "47h"),
            (2 * d, "2d"),
            (2 * d + 5 * h, "2d5h"),
            (7 * d + 23 * h, "7d23h"),
            (8 * d + 23 * h, "8d"),
            (729 * d, "729d"),
            (730 * d, "2y"),
            (731 * d, "2y1d"),
            (8 * 365 * d, "8y"),
            (9 * 365 * d + 40 * d, "9y"),
        ];
        for (ms, text) in cases {
            assert_eq!(age(ms), text, "{ms} ms");
        }
    }
}
