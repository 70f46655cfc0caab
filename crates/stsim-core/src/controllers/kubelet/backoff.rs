//! The kubelet's restart back-off: when a container that exited may start
//! again.
//!
//! The runtime manager asks, at each sync that would start an exited
//! container, whether it is in back-off (`doBackOff`,
//! pkg/kubelet/kuberuntime/kuberuntime_manager.go) through client-go's
//! `flowcontrol.Backoff` (`util/flowcontrol/backoff.go`), keyed by the
//! container; the kubelet builds it with 10 s initial and 5 min at most
//! (`initialCrashLoopBackOff`, `MaxContainerBackOff`, pkg/kubelet/kubelet.go)
//! and no jitter. So:
//!
//! - a container's **first exit** finds no entry: `IsInBackOffSince` says
//!   no, `Next` makes one of 10 s, and the container starts again at once
//!   (kubernetes#133472 describes it: containers crash twice before a
//!   back-off holds them);
//! - a later exit is held for the window, counted from the exit
//!   (`CrashLoopBackOff`); when the window has passed, `Next` doubles it (at
//!   most 5 min) and the container starts again: waits of 0, 10, 20, 40,
//!   80, 160, 300, 300 s ...;
//! - an entry not moved for more than twice the maximum (10 min) when the
//!   container exits has expired (`hasExpired`): the exit is treated as a
//!   first one. A container that ran ten minutes starts again at once.
//!
//! The entry lives in the kubelet's memory: a kubelet started anew (its
//! machine back from a crash) has none, and a changed image is another key.
//! Owns those rules; the entry itself is `objects::CrashBackOff`, the
//! containers' states are the kubelet's. The image pull back-off is not
//! this one (the image manager's, counted from each failed pull).

use crate::objects::CrashBackOff;
use crate::time::{SimDuration, SimTime};

/// `initialCrashLoopBackOff`.
const INITIAL: SimDuration = SimDuration::from_secs(10);
/// `MaxContainerBackOff`.
const MAX: SimDuration = SimDuration::from_secs(300);

/// The container exited at `at`, and the kubelet's sync at that instant
/// asks whether to start it again: returns when it may (`at` itself when
/// its entry is missing or expired, which `Next` starts afresh).
pub(super) fn exited(entry: &mut CrashBackOff, at: SimTime) -> SimTime {
    let expired = at.since(entry.updated_at).as_millis() > 2 * MAX.as_millis();
    if entry.window.is_zero() || expired {
        *entry = CrashBackOff { window: INITIAL, updated_at: at };
        return at;
    }
    at + entry.window
}

/// The container the kubelet killed for its failed liveness or startup
/// probe exited at `at`, and the same sync starts it again
/// (`computePodActions` lists it both to kill and to start, "will be
/// restarted"). `doBackOff` judges by the pod's status as it was read
/// before the kill, in which this container still runs: the exited
/// instance it finds is the one before (`previous`, its finish), if any
/// (k/k issue #22240; #99697 shows a startup probe's first kills restarted
/// at once). So:
///
/// - no earlier exit: not in back-off, and no entry made: at once;
/// - no entry, or one expired against that finish: `Next` makes one of
///   10 s, at once;
/// - the window not yet passed since that finish: in back-off
///   (`CrashLoopBackOff`); the syncs after it find this instance, so it is
///   held from its own exit, as a crash is;
/// - else `Next` doubles the window, at once.
///
/// With the default probe (every 10 s, three failures) a container killed
/// every half minute restarts at once four times before a window of 40 s
/// outlasts the time between kills.
pub(super) fn killed(entry: &mut CrashBackOff, at: SimTime, previous: Option<SimTime>) -> SimTime {
    let Some(previous) = previous else {
        return at;
    };
    let expired = previous.since(entry.updated_at).as_millis() > 2 * MAX.as_millis();
    if entry.window.is_zero() || expired {
        *entry = CrashBackOff { window: INITIAL, updated_at: at };
        return at;
    }
    if at.since(previous) < entry.window {
        return exited(entry, at);
    }
    waited(entry, at);
    at
}

/// The window passed and the container starts again at `at`: `Next`
/// doubles the window, up to the maximum.
pub(super) fn waited(entry: &mut CrashBackOff, at: SimTime) {
    *entry = CrashBackOff { window: entry.window.saturating_mul(2).min(MAX), updated_at: at };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each exit `running` after the last start: the waits before each restart.
    fn waits(running: &[u64]) -> Vec<u64> {
        let mut entry = CrashBackOff::default();
        let mut now = SimTime::ZERO;
        let mut out = Vec::new();
        for secs in running {
            now = now + SimDuration::from_secs(*secs);
            let until = exited(&mut entry, now);
            if until > now {
                waited(&mut entry, until);
            }
            out.push(until.since(now).as_millis() / 1000);
            now = until;
        }
        out
    }

    #[test]
    fn the_first_exit_restarts_at_once_then_the_window_doubles_to_five_minutes() {
        assert_eq!(waits(&[5; 9]), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    /// A container killed for its probe `running` after each start: the
    /// waits before each restart.
    fn kill_waits(running: &[u64]) -> Vec<u64> {
        let mut entry = CrashBackOff::default();
        let mut now = SimTime::ZERO;
        let mut previous = None;
        let mut out = Vec::new();
        for secs in running {
            now = now + SimDuration::from_secs(*secs);
            let until = killed(&mut entry, now, previous);
            if until > now {
                waited(&mut entry, until);
            }
            out.push(until.since(now).as_millis() / 1000);
            previous = Some(now);
            now = until;
        }
        out
    }

    #[test]
    fn probe_kills_are_judged_by_the_instance_before() {
        // Killed every 30 s: at once until the window (10, 20, 40 s)
        // outlasts the 30 s since the kill before; then held from each kill.
        assert_eq!(kill_waits(&[30; 8]), [0, 0, 0, 0, 40, 80, 160, 300]);
        // Killed every 5 s: the third kill, 5 s after the second, waits.
        assert_eq!(kill_waits(&[5; 4]), [0, 0, 10, 20]);
    }

    #[test]
    fn ten_minutes_without_a_move_start_the_entry_afresh() {
        // Ten minutes to the millisecond is not more than twice the maximum.
        let mut entry = CrashBackOff::default();
        assert_eq!(exited(&mut entry, SimTime::from_millis(1_000)), SimTime::from_millis(1_000));
        let at = SimTime::from_millis(601_000);
        assert_eq!(exited(&mut entry, at), at + SimDuration::from_secs(10));
        let mut entry = CrashBackOff { window: SimDuration::from_secs(300), updated_at: SimTime::ZERO };
        let later = SimTime::from_millis(600_001);
        assert_eq!(exited(&mut entry, later), later);
        assert_eq!(entry.window, SimDuration::from_secs(10));
        // A container that runs eleven minutes each time never waits.
        assert_eq!(waits(&[660; 4]), [0, 0, 0, 0]);
    }
}
