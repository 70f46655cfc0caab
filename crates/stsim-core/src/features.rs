//! Which Kubernetes behaviours are on: by release, then by feature gate.
//!
//! Owns the modelled Kubernetes version and the behaviours that changed
//! between releases. Each behaviour states when it changed and why, so a
//! scenario can pin a release (`kubernetesVersion: "1.35.2"`) and see that
//! release's behaviour, or flip a gate (`featureGates: {...}`).
//!
//! `MaxUnavailableStatefulSet` (`rollingUpdate.maxUnavailable`): alpha and
//! off from 1.24; beta and on in 1.35.0 (k/k PR #133153); a regression under
//! `Parallel` (k/k issue #137409: a pod of a never-Ready revision is never
//! replaced) turned it off again from 1.35.4 and in 1.36 (PRs #137926,
//! #137904); fixed (PR #137666) and on again in 1.37 (PR #139466).
//!
//! `SchedulerQueueingHints`: beta and on in 1.28.0, off by default again
//! from 1.29 (k/k PR #122289, cherry-picked to 1.28), on from 1.32
//! (KEP-4247). With it on, an assigned pod's add or label update asks the
//! queueing hints of the plugins that rejected each waiting pod; with it
//! off, the scheduling queue's own pre-filter picks the pods to move
//! (`AssignedPodAdded`). Early 1.28 patches are modelled as off.
//!
//! `PDBUnhealthyPodEvictionPolicy` (KEP-3017): a budget's
//! `unhealthyPodEvictionPolicy`; alpha and off in 1.26, beta and on from
//! 1.27, stable in 1.31. With it off the API server drops the field.
//!
//! `RelaxedServiceNameValidation` (KEP-5311): a Service's name may be any
//! RFC 1123 label, a leading digit included, instead of an RFC 1035 one;
//! alpha and off in 1.34, beta and on in 1.36, stable in 1.37.

use serde::Serialize;
use std::fmt;

/// A Kubernetes release, `1.<minor>.<patch>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Version {
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// The release modelled unless a scenario says otherwise.
    pub const DEFAULT: Version = Version { minor: 36, patch: 0 };
    /// The oldest and newest releases a scenario may name: the range whose
    /// differences the model knows (StatefulSet `maxUnavailable` appeared as
    /// alpha in 1.24; 1.37 is the newest behaviour modelled).
    pub const OLDEST: Version = Version { minor: 24, patch: 0 };
    pub const NEWEST: Version = Version { minor: 37, patch: u32::MAX };

    pub const fn new(minor: u32, patch: u32) -> Version {
        Version { minor, patch }
    }

    /// Reads `1.36`, `1.35.2` or `v1.28.7`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.split('.');
        if parts.next()? != "1" {
            return None;
        }
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(patch) => patch.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Version { minor, patch })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}.{}", self.minor, self.patch)
    }
}

/// Feature gates the model knows, by their Kubernetes names.
pub const KNOWN_GATES: &[&str] = &[
    "MaxUnavailableStatefulSet",
    "PDBUnhealthyPodEvictionPolicy",
    "RelaxedServiceNameValidation",
    "SchedulerPopFromBackoffQ",
    "SchedulerQueueingHints",
];

/// The behaviours in force for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Features {
    /// `MaxUnavailableStatefulSet`: rolling updates honour `maxUnavailable`.
    pub max_unavailable_statefulset: bool,
    /// The 1.37 fix for `Parallel` sets under maxUnavailable: outdated pods
    /// that are already unavailable are replaced first.
    pub max_unavailable_parallel_fix: bool,
    /// `SchedulerQueueingHints`: plugins' queueing hints decide which
    /// waiting pods an event moves (`controllers::scheduler::queueing`).
    pub scheduler_queueing_hints: bool,
    /// `SchedulerPopFromBackoffQ`: with the active queue empty, the
    /// scheduler pops pods still backing off (`world::Waiting::retry_at`).
    pub scheduler_pop_from_backoff_q: bool,
    /// `RelaxedServiceNameValidation`: a Service's name may start with a digit.
    pub relaxed_service_name_validation: bool,
    /// `PDBUnhealthyPodEvictionPolicy`: a budget's `unhealthyPodEvictionPolicy` is kept.
    pub pdb_unhealthy_pod_eviction_policy: bool,
}

impl Features {
    /// The defaults of a release.
    pub fn for_version(version: Version) -> Features {
        let gate_on = match version.minor {
            35 => version.patch <= 3,
            minor => minor >= 37,
        };
        Features {
            max_unavailable_statefulset: gate_on,
            max_unavailable_parallel_fix: version.minor >= 37,
            scheduler_queueing_hints: version.minor >= 32,
            // Beta and on by default from 1.33 (feature-gates docs).
            scheduler_pop_from_backoff_q: version.minor >= 33,
            relaxed_service_name_validation: version.minor >= 36,
            pdb_unhealthy_pod_eviction_policy: version.minor >= 27,
        }
    }

    /// Applies `--feature-gates`-style overrides; unknown names are the caller's to reject.
    pub fn with_gate(mut self, name: &str, on: bool) -> Features {
        match name {
            "MaxUnavailableStatefulSet" => self.max_unavailable_statefulset = on,
            "SchedulerQueueingHints" => self.scheduler_queueing_hints = on,
            "SchedulerPopFromBackoffQ" => self.scheduler_pop_from_backoff_q = on,
            "RelaxedServiceNameValidation" => self.relaxed_service_name_validation = on,
            "PDBUnhealthyPodEvictionPolicy" => self.pdb_unhealthy_pod_eviction_policy = on,
            _ => {}
        }
        self
    }
}

impl Default for Features {
    fn default() -> Self {
        Features::for_version(Version::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(text: &str) -> bool {
        Features::for_version(Version::parse(text).unwrap()).max_unavailable_statefulset
    }

    #[test]
    fn max_unavailable_follows_its_release_history() {
        assert!(!gate("1.34"));
        assert!(gate("1.35.0"));
        assert!(gate("1.35.3"));
        assert!(!gate("1.35.4"));
        assert!(!gate("1.36"));
        assert!(gate("1.37.0"));
        assert!(!Features::for_version(Version::new(35, 0)).max_unavailable_parallel_fix);
        assert!(Features::for_version(Version::new(37, 0)).max_unavailable_parallel_fix);
    }

    #[test]
    fn queueing_hints_are_on_from_1_32() {
        let hints = |minor| Features::for_version(Version::new(minor, 0)).scheduler_queueing_hints;
        assert!(!hints(24) && !hints(31));
        assert!(hints(32) && hints(36));
        assert!(
            !Features::for_version(Version::new(36, 0))
                .with_gate("SchedulerQueueingHints", false)
                .scheduler_queueing_hints
        );
    }

    #[test]
    fn service_names_may_start_with_a_digit_from_1_36() {
        let relaxed = |minor| Features::for_version(Version::new(minor, 0)).relaxed_service_name_validation;
        assert!(!relaxed(24) && !relaxed(35));
        assert!(relaxed(36) && relaxed(37));
        let gated =
            Features::for_version(Version::new(34, 0)).with_gate("RelaxedServiceNameValidation", true);
        assert!(gated.relaxed_service_name_validation);
    }
    #[test]
    fn unhealthy_pod_eviction_policy_is_kept_from_1_27() {
        let kept = |minor| Features::for_version(Version::new(minor, 0)).pdb_unhealthy_pod_eviction_policy;
        assert!(!kept(24) && !kept(26));
        assert!(kept(27) && kept(31) && kept(36));
        let gated =
            Features::for_version(Version::new(26, 0)).with_gate("PDBUnhealthyPodEvictionPolicy", true);
        assert!(gated.pdb_unhealthy_pod_eviction_policy);
    }

    #[test]
    fn versions_read_like_kubectl_prints_them() {
        assert_eq!(Version::parse("v1.28.7"), Some(Version::new(28, 7)));
        assert_eq!(Version::parse("1.36"), Some(Version::new(36, 0)));
        assert_eq!(Version::parse("2.0"), None);
        assert_eq!(Version::parse("1.x"), None);
        assert_eq!(Version::new(35, 2).to_string(), "1.35.2");
    }
}
