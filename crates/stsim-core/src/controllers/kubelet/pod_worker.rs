//! The kubelet's pod worker: when a pod whose sync failed is synced again,
//! and so when a container its restart back-off holds starts again.
//!
//! A sync that leaves a container not started fails, and the pod worker
//! syncs the pod again after `backOffPeriod` (10 s), jittered by half
//! (`wait.Jitter(10s, 0.5)`: 10 to 15 s; pkg/kubelet/pod_workers.go
//! `completeWork`). From Kubernetes 1.35 a sync that fails on a restart
//! back-off carries the back-off's end (`BackoffError`,
//! kubernetes#133066), and the worker waits until then instead, at most
//! its resync interval (1 min), jittered the same way; other failures
//! keep the 10 s retry. A pod with several containers in restart back-off
//! waits for the earliest end (`MinBackoffExpiration`).
//!
//! The runtime manager asks at each sync whether a container's back-off
//! is over (`doBackOff`), so a container in `CrashLoopBackOff` starts again
//! at the first retry at or after its back-off's end, not at the end
//! itself: before 1.35 up to 15 s later, from 1.35 up to half the last
//! wait later. The image manager asks the same of a pull back-off
//! (`EnsureImageExists`), whose error carries no end: an image in
//! `ImagePullBackOff` is pulled again at the first 10-15 s retry after it.
//!
//! The retries after one failed sync are a function of the scenario's seed,
//! the pod's uid and the instant of that sync (their own seeded stream,
//! `pod-worker/<uid>/<ms>`), so the kubelet, which starts the container at
//! one of them, and `stsim events`, which says `BackOff` at the others,
//! agree without sharing state.
//!
//! Owns the retry rule; the back-off windows are the submodule
//! `backoff`'s, the containers' states the kubelet's.

use crate::features::Version;
use crate::objects::Uid;
use crate::rng::{RngExt, Stream, stream};
use crate::time::{SimDuration, SimTime};

/// The pod worker's `backOffPeriod`.
pub const RETRY: SimDuration = SimDuration::from_secs(10);
/// The kubelet's `--sync-frequency` (`resyncInterval`): the longest a pod
/// worker waits for a back-off's end from 1.35.
pub const RESYNC: SimDuration = SimDuration::from_secs(60);
/// `workerBackOffPeriodJitterFactor`.
const JITTER: f64 = 0.5;

/// The retries of one pod's worker after a sync that failed at `from`.
#[derive(Debug, Clone)]
pub struct Retries {
    at: SimTime,
    rng: Stream,
}

impl Retries {
    /// The retries after pod `uid`'s sync failed at `from`, under scenario
    /// seed `seed`.
    pub fn after(seed: u64, uid: Uid, from: SimTime) -> Retries {
        let rng = stream(seed, &format!("pod-worker/{}/{}", uid.0, from.as_millis()));
        Retries { at: from, rng }
    }

    /// The next retry: `base` after the last, plus up to half of it more
    /// (`wait.Jitter`).
    pub fn next(&mut self, base: SimDuration) -> SimTime {
        let extra = (base.as_millis() as f64 * JITTER * self.rng.random::<f64>()) as u64;
        self.at = self.at + SimDuration::from_millis(base.as_millis() + extra);
        self.at
    }
}

/// How long the worker waits after a failed sync at `at`, before jitter:
/// from 1.35, until `restart_ends` (the earliest end of a restart back-off
/// among the pod's waiting containers) when there is one still ahead, at
/// most [`RESYNC`]; otherwise [`RETRY`].
pub fn wait(release: Version, at: SimTime, restart_ends: Option<SimTime>) -> SimDuration {
    match restart_ends.filter(|end| *end > at) {
        Some(end) if release >= Version::new(35, 0) => end.since(at).min(RESYNC),
        _ => RETRY,
    }
}

/// The first of a pod worker's retries after a sync at `from` that is at
/// or after `until` (`until` itself when `from` is not before it): the sync
/// that finds a back-off ending at `until` over. `restart_ends` is the
/// earliest end of a restart back-off among the pod's containers, which
/// the worker waits for from 1.35 (see [`wait`]).
pub fn first_sync(
    seed: u64,
    uid: Uid,
    release: Version,
    from: SimTime,
    until: SimTime,
    restart_ends: Option<SimTime>,
) -> SimTime {
    let mut retries = Retries::after(seed, uid, from);
    let mut at = from;
    while at < until {
        at = retries.next(wait(release, at, restart_ends));
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sync that starts again a container whose restart back-off, the
    /// pod's only one, ends at `until`, its pod last synced at `from`.
    fn restart_sync(seed: u64, uid: Uid, release: Version, from: SimTime, until: SimTime) -> SimTime {
        first_sync(seed, uid, release, from, until, Some(until))
    }

    /// The sync that pulls again an image whose pull back-off ends at
    /// `until`, its pod (with no restart back-off) last synced at `from`.
    fn pull_sync(seed: u64, uid: Uid, release: Version, from: SimTime, until: SimTime) -> SimTime {
        first_sync(seed, uid, release, from, until, None)
    }

    fn s(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn before_1_35_a_container_starts_at_the_first_retry_after_its_back_off() {
        let release = Version::new(34, 0);
        for seed in 0..200 {
            for (window, retries) in [(10, 1), (20, 2), (40, 3), (300, 21)] {
                let (from, until) = (s(100), s(100 + window));
                let at = restart_sync(seed, Uid(7), release, from, until);
                // Each retry 10 to 15 s after the one before.
                assert!(at >= until && at < until + SimDuration::from_secs(15), "{seed} {window}: {at:?}");
                let mut r = Retries::after(seed, Uid(7), from);
                let points: Vec<SimTime> = (0..retries * 2).map(|_| r.next(RETRY)).collect();
                assert!(points.windows(2).all(|w| {
                    let gap = w[1].since(w[0]);
                    gap >= RETRY && gap < SimDuration::from_secs(15)
                }));
                assert_eq!(points.iter().find(|p| **p >= until), Some(&at), "{seed} {window}");
            }
        }
    }

    #[test]
    fn from_1_35_the_worker_waits_for_the_back_off_at_most_a_minute_at_a_time() {
        let release = Version::new(35, 0);
        for seed in 0..200 {
            // A short back-off: one wait, jittered by up to half.
            let at = restart_sync(seed, Uid(3), release, s(0), s(40));
            assert!(at >= s(40) && at < s(60), "{seed}: {at:?}");
            // Five minutes: a minute (and jitter) at a time, then the rest.
            let at = restart_sync(seed, Uid(3), release, s(0), s(300));
            assert!(at >= s(300) && at < s(330), "{seed}: {at:?}");
        }
        assert_eq!(wait(release, s(10), Some(s(25))), SimDuration::from_secs(15));
        assert_eq!(wait(release, s(10), Some(s(500))), RESYNC);
        // A back-off already over, or none: the plain retry.
        assert_eq!(wait(release, s(10), Some(s(10))), RETRY);
        assert_eq!(wait(release, s(10), None), RETRY);
        assert_eq!(wait(Version::new(34, 0), s(10), Some(s(25))), RETRY);
    }

    #[test]
    fn a_pull_back_off_is_retried_every_10_to_15_s_in_every_release() {
        for release in [Version::new(34, 0), Version::new(36, 0)] {
            for seed in 0..100 {
                let at = pull_sync(seed, Uid(5), release, s(0), s(80));
                assert!(at >= s(80) && at < s(95), "{seed}: {at:?}");
                let mut r = Retries::after(seed, Uid(5), s(0));
                let points: Vec<SimTime> = (0..10).map(|_| r.next(RETRY)).collect();
                assert_eq!(points.iter().find(|p| **p >= s(80)), Some(&at));
            }
        }
    }

    #[test]
    fn retries_are_a_function_of_seed_pod_and_start() {
        let points = |seed, uid, from| {
            let mut r = Retries::after(seed, Uid(uid), s(from));
            (0..5).map(|_| r.next(RETRY)).collect::<Vec<_>>()
        };
        assert_eq!(points(1, 2, 3), points(1, 2, 3));
        assert_ne!(points(1, 2, 3), points(2, 2, 3));
        assert_ne!(points(1, 2, 3), points(1, 4, 3));
        let (a, b) = (points(1, 2, 3), points(1, 2, 4));
        assert_ne!(
            a.iter().map(|p| p.since(s(3))).collect::<Vec<_>>(),
            b.iter().map(|p| p.since(s(4))).collect::<Vec<_>>()
        );
        assert_eq!(restart_sync(1, Uid(2), Version::new(36, 0), s(9), s(9)), s(9));
    }
}
