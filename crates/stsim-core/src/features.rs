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
//! (KEP-4247), GA and locked on in 1.34. With it on, an assigned pod's add
//! or label update asks the queueing hints of the plugins that rejected
//! each waiting pod; with it off, the scheduling queue's own pre-filter
//! picks the pods to move (`AssignedPodAdded`). Early 1.28 patches are
//! modelled as off.
//!
//! `PDBUnhealthyPodEvictionPolicy` (KEP-3017): a budget's
//! `unhealthyPodEvictionPolicy`; alpha and off in 1.26, beta and on from
//! 1.27, stable (locked on) in 1.31, removed in 1.33. With it off the API
//! server drops the field.
//!
//! `SchedulerPopFromBackoffQ`: introduced as beta, and on, in 1.33.
//!
//! `PodReadyToStartContainersCondition` (KEP-3085): the kubelet's
//! `PodReadyToStartContainers` pod condition; alpha and off in 1.28 (named
//! `PodHasNetworkCondition` in 1.25-1.27), beta and on from 1.29, GA and
//! locked on in 1.37.
//!
//! `RelaxedServiceNameValidation` (KEP-5311): a Service's name may be any
//! RFC 1123 label, a leading digit included, instead of an RFC 1035 one;
//! alpha and off in 1.34, beta and on in 1.36, stable in 1.37.
//!
//! `HonorPVReclaimPolicy` (KEP-2644): alpha and off in 1.23, beta and on
//! in 1.31, GA and locked on in 1.33, removed in 1.36. With it on, the PV
//! controller leaves the delete of a released CSI volume to the external
//! provisioner (which deletes only volumes it made) instead of looking for
//! an in-tree plugin, finding none and marking the volume Failed.
//!
//! `RecoverVolumeExpansionFailure` (KEP-1790): alpha and off in 1.23,
//! beta and on in 1.32 (k/k PR #128342), GA and locked on in 1.34 (PR
//! #132662; its removal, PR #139079, is not in any release modelled).
//! With it on, the API server lets a claim's storage request be lowered,
//! so that a user can recover from an expansion that fails, as long as
//! the new request stays above the claim's `status.capacity`
//! (`ValidatePersistentVolumeClaimUpdate`); with it off, never.
//!
//! `StatefulSetAutoDeletePVC` (KEP-1847): alpha and off from 1.23, beta
//! and on in 1.27, GA and locked in 1.32. With it off the API server drops
//! a set's `persistentVolumeClaimRetentionPolicy` (unless the stored set
//! already has one: `dropStatefulSetDisabledFields`), and the controller
//! neither owns claims by policy nor checks for stale ones.
//!
//! `StatefulSetStartOrdinal` (KEP-3335): alpha and off in 1.26, beta and
//! on in 1.27, GA and locked in 1.31. With it off the API server drops
//! `ordinals`, so the first pod is `<set>-0`.
//!
//! `NodeOutOfServiceVolumeDetach` (KEP-2268): alpha and off in 1.24, beta
//! and on in 1.26, GA and locked in 1.28. With it off the
//! `node.kubernetes.io/out-of-service` taint is an ordinary NoExecute
//! taint: the taint manager deletes the node's pods gracefully, but pod GC
//! does not force-delete them and the attach-detach controller does not
//! detach their volumes without an unmount (`gc_controller.go`,
//! `reconciler.go`).
//!
//! `PodDisruptionConditions` (KEP-3329): alpha and off in 1.25, beta and
//! on from 1.26, GA and locked in 1.31, removed in 1.33. With it on, the
//! pod garbage collector marks a pod Failed (with the `DisruptionTarget`
//! condition) before it deletes it; with it off it only deletes it, grace
//! 0 (pkg/controller/podgc `markFailedAndDeletePodWithCondition`).
//!
//! `PodIndexLabel` (KEP-4017): beta and on from 1.28, GA and locked in
//! 1.32: the StatefulSet controller labels each pod
//! `apps.kubernetes.io/pod-index`.
//!
//! `PodTopologyLabelsAdmission` (KEP-4742): the API server's
//! PodTopologyLabels admission plugin copies a node's zone and region
//! labels onto each pod bound to it (`api::topology_labels`); alpha and off
//! in 1.33 and 1.34, beta and on from 1.35 (k/k PR #135158).
//!
//! Removed some releases after GA, as the components then refuse the name
//! (`unrecognized feature gate`): `NodeOutOfServiceVolumeDetach` in 1.32
//! (k/k PR #127019), `StatefulSetStartOrdinal` in 1.34 (#132119),
//! `StatefulSetAutoDeletePVC` and `PodIndexLabel` in 1.35 (#133684,
//! #133687), `SchedulerQueueingHints` in 1.37 (#138420). Their behaviour
//! stays on.
//!
//! A release refuses a gate it does not have, before it came or after it
//! was removed, and a locked gate set off, as its components refuse such
//! `--feature-gates` ([`check_gate`]).

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

    /// The API server validates a StatefulSet's pod template spec (and its
    /// `volumeClaimTemplates`) when the set is created, from 1.34: k/k PR
    /// #131790 ("Add podSpec validation for create StatefulSet", in the
    /// v1.34.0-alpha.3 changelog) calls `ValidatePodTemplateSpec` with a
    /// volume for each claim template added, and PR #132212 validates each
    /// claim template's spec. An update runs them too, but skips either
    /// check when the stored set already fails it
    /// (`SkipValidatePodTemplateSpec`, `SkipValidateVolumeClaimTemplates`;
    /// `api::validation::statefulset_template_refusal`), which a run under
    /// one release never stores. Before 1.34 the set is accepted and
    /// each pod create is refused instead (kubernetes/kubernetes#81147;
    /// #137728 on a 1.33 server).
    pub const fn validates_statefulset_pod_template(self) -> bool {
        self.minor >= 34
    }

    /// Whether the StatefulSet controller, having deleted a finished
    /// (Failed or Succeeded) pod, makes its replacement at a later sync,
    /// once the old object is gone, and records no `RecreatingFailedPod` or
    /// `RecreatingTerminatedPod` event: k/k PR #123809 (in 1.31.0),
    /// cherry-picked to 1.30.2, 1.29.6 and 1.28.11 (#124563, #124564,
    /// #124565). Before it, the controller recorded the event, deleted the
    /// pod and created the replacement in the same pass.
    pub const fn recreates_finished_pod_next_sync(self) -> bool {
        match self.minor {
            28 => self.patch >= 11,
            29 => self.patch >= 6,
            30 => self.patch >= 2,
            minor => minor >= 31,
        }
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

/// A gate's life across releases, as a component of each release sees
/// `--feature-gates` (k8s.io/component-base/featuregate): before the
/// release that brought it, and from the one that dropped it, the name is
/// `unrecognized feature gate` and the component does not start; from its
/// GA release it is locked to its default (`LockToDefault`), and setting
/// the other value is refused. Releases are minor versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateLife {
    pub name: &'static str,
    /// The first release with the gate.
    pub since: u32,
    /// From this release on (GA) the gate is locked on.
    pub locked_from: Option<u32>,
    /// The first release without the gate again.
    pub removed_in: Option<u32>,
}

/// The feature gates the model knows, by their Kubernetes names in
/// alphabetical order, each with its life (the kubernetes/website
/// feature-gate pages and `pkg/features/kube_features.go`).
pub const GATE_LIVES: &[GateLife] = &[
    // Alpha 1.23, beta 1.31, GA and locked 1.33, marked for removal in
    // 1.36 (pkg/features/kube_features.go).
    GateLife { name: "HonorPVReclaimPolicy", since: 23, locked_from: Some(33), removed_in: Some(36) },
    // Alpha in 1.24; beta, and never locked, through 1.37.
    GateLife { name: "MaxUnavailableStatefulSet", since: 24, locked_from: None, removed_in: None },
    // Alpha 1.24, beta 1.26, GA and locked 1.28, removed in 1.32 (k/k PR
    // #127019, "GA in 1.28, remove in 1.32").
    GateLife { name: "NodeOutOfServiceVolumeDetach", since: 24, locked_from: Some(28), removed_in: Some(32) },
    // Alpha 1.26, beta 1.27, GA and locked 1.31, removed in 1.33.
    GateLife {
        name: "PDBUnhealthyPodEvictionPolicy",
        since: 26,
        locked_from: Some(31),
        removed_in: Some(33),
    },
    // Alpha 1.25, beta 1.26, GA and locked 1.31, "remove in 1.33"
    // (pkg/features/kube_features.go).
    GateLife { name: "PodDisruptionConditions", since: 25, locked_from: Some(31), removed_in: Some(33) },
    // Beta (and on) 1.28, GA and locked 1.32, removed in 1.35 (k/k PR
    // #133687, merged after 1.34.0).
    GateLife { name: "PodIndexLabel", since: 28, locked_from: Some(32), removed_in: Some(35) },
    // Alpha 1.28 (renamed from 1.25's PodHasNetworkCondition, which stsim
    // does not model), beta and on 1.29, GA and locked in 1.37 (KEP-3085,
    // k/k PR #140488).
    GateLife {
        name: "PodReadyToStartContainersCondition",
        since: 28,
        locked_from: Some(37),
        removed_in: None,
    },
    // Alpha 1.33, beta and on 1.35 (KEP-4742, k/k PR #135158); not GA in
    // any modelled release.
    GateLife { name: "PodTopologyLabelsAdmission", since: 33, locked_from: None, removed_in: None },
    // Alpha 1.23, beta and on 1.32, GA and locked 1.34 (KEP-1790); marked
    // for removal in 1.37 in kube_features.go, but the removal (k/k PR
    // #139079) is not merged, so the gate is kept.
    GateLife { name: "RecoverVolumeExpansionFailure", since: 23, locked_from: Some(34), removed_in: None },
    // Alpha 1.34, beta 1.36, GA in 1.37 (KEP-5311), locked as GA gates are.
    GateLife { name: "RelaxedServiceNameValidation", since: 34, locked_from: Some(37), removed_in: None },
    // Introduced as beta in 1.33.
    GateLife { name: "SchedulerPopFromBackoffQ", since: 33, locked_from: None, removed_in: None },
    // Beta 1.28 (off 1.29-1.31), GA and locked in 1.34, removed in 1.37
    // (k/k PR #138420, merged after 1.36.0; issue #138373).
    GateLife { name: "SchedulerQueueingHints", since: 28, locked_from: Some(34), removed_in: Some(37) },
    // Alpha 1.23, beta 1.27, GA and locked 1.32, removed in 1.35 (k/k PR
    // #133684, merged after 1.34.0).
    GateLife { name: "StatefulSetAutoDeletePVC", since: 23, locked_from: Some(32), removed_in: Some(35) },
    // Alpha 1.26, beta 1.27, GA and locked 1.31, removed in 1.34 (k/k PR
    // #132119, KEP-3335).
    GateLife { name: "StatefulSetStartOrdinal", since: 26, locked_from: Some(31), removed_in: Some(34) },
];

/// Why a release refuses a gate setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateRefusal {
    /// The release has no gate of this name: not one stsim models.
    Unknown,
    /// The gate came in a later release.
    NotYet { since: u32 },
    /// The gate went GA and was then dropped: its behaviour is always on.
    Removed { locked_from: Option<u32>, removed_in: u32 },
    /// The gate is GA and locked to `true` in this release.
    Locked { since: u32 },
}

impl GateLife {
    pub fn of(name: &str) -> Option<&'static GateLife> {
        GATE_LIVES.iter().find(|g| g.name == name)
    }
}

/// Whether `version`'s components accept `name=on` in `--feature-gates`.
pub fn check_gate(version: Version, name: &str, on: bool) -> Result<(), GateRefusal> {
    let Some(life) = GateLife::of(name) else { return Err(GateRefusal::Unknown) };
    if version.minor < life.since {
        return Err(GateRefusal::NotYet { since: life.since });
    }
    if let Some(removed_in) = life.removed_in
        && version.minor >= removed_in
    {
        return Err(GateRefusal::Removed { locked_from: life.locked_from, removed_in });
    }
    match life.locked_from {
        Some(since) if version.minor >= since && !on => Err(GateRefusal::Locked { since }),
        _ => Ok(()),
    }
}

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
    /// `PodReadyToStartContainersCondition`: the kubelet writes the pod's
    /// `PodReadyToStartContainers` condition (its sandbox is up, with its network).
    pub pod_ready_to_start_containers: bool,
    /// `HonorPVReclaimPolicy`: a released CSI volume made by hand is left
    /// to its external provisioner rather than Failed (`Pv::deleter`).
    pub honor_pv_reclaim_policy: bool,
    /// `RecoverVolumeExpansionFailure`: a claim's storage request may be
    /// lowered while it stays above the claim's `status.capacity`
    /// (`Api::resize_pvc`).
    pub recover_volume_expansion_failure: bool,
    /// `StatefulSetAutoDeletePVC`: `persistentVolumeClaimRetentionPolicy` is kept and followed.
    pub stateful_set_auto_delete_pvc: bool,
    /// `StatefulSetStartOrdinal`: `ordinals.start` is kept.
    pub stateful_set_start_ordinal: bool,
    /// `NodeOutOfServiceVolumeDetach`: the out-of-service taint makes pod
    /// GC force-delete and the attach-detach controller detach at once.
    pub node_out_of_service_volume_detach: bool,
    /// `PodIndexLabel`: pods are labelled `apps.kubernetes.io/pod-index`.
    pub pod_index_label: bool,
    /// `PodDisruptionConditions`: the pod GC marks a pod Failed before it
    /// deletes it.
    pub pod_disruption_conditions: bool,
    /// `PodTopologyLabelsAdmission`: a pod bound to a node (or created on
    /// one) takes the node's zone and region labels (`Api::bind_pod`).
    pub pod_topology_labels: bool,
    /// `MinDomainsInPodTopologySpread`: a spread constraint's `minDomains`
    /// is kept (alpha 1.24, beta off 1.25-1.26, on from 1.27).
    pub min_domains_in_pod_topology_spread: bool,
    /// `NodeInclusionPolicyInPodTopologySpread`: `nodeAffinityPolicy` and
    /// `nodeTaintsPolicy` are kept (alpha 1.25, on from 1.26).
    pub node_inclusion_policy_in_pod_topology_spread: bool,
    /// `MatchLabelKeysInPodTopologySpread`: `matchLabelKeys` is kept
    /// (alpha 1.25-1.26, on from 1.27).
    pub match_label_keys_in_pod_topology_spread: bool,
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
            pod_ready_to_start_containers: version.minor >= 29,
            honor_pv_reclaim_policy: version.minor >= 31,
            // Beta and on by default from 1.32 (pkg/features/kube_features.go).
            recover_volume_expansion_failure: version.minor >= 32,
            stateful_set_auto_delete_pvc: version.minor >= 27,
            stateful_set_start_ordinal: version.minor >= 27,
            node_out_of_service_volume_detach: version.minor >= 26,
            pod_index_label: version.minor >= 28,
            pod_disruption_conditions: version.minor >= 26,
            // Beta and on by default from 1.35 (k/k PR #135158).
            pod_topology_labels: version.minor >= 35,
            // The kubernetes/website feature-gate pages. Not settable with
            // `featureGates` (their later lives are not in GATE_LIVES).
            min_domains_in_pod_topology_spread: version.minor >= 27,
            node_inclusion_policy_in_pod_topology_spread: version.minor >= 26,
            match_label_keys_in_pod_topology_spread: version.minor >= 27,
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
            "PodReadyToStartContainersCondition" => self.pod_ready_to_start_containers = on,
            "HonorPVReclaimPolicy" => self.honor_pv_reclaim_policy = on,
            "RecoverVolumeExpansionFailure" => self.recover_volume_expansion_failure = on,
            "StatefulSetAutoDeletePVC" => self.stateful_set_auto_delete_pvc = on,
            "StatefulSetStartOrdinal" => self.stateful_set_start_ordinal = on,
            "NodeOutOfServiceVolumeDetach" => self.node_out_of_service_volume_detach = on,
            "PodIndexLabel" => self.pod_index_label = on,
            "PodDisruptionConditions" => self.pod_disruption_conditions = on,
            "PodTopologyLabelsAdmission" => self.pod_topology_labels = on,
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
            !Features::for_version(Version::new(33, 0))
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
    fn a_claim_request_may_be_lowered_from_1_32() {
        let recover = |minor| Features::for_version(Version::new(minor, 0)).recover_volume_expansion_failure;
        assert!(!recover(24) && !recover(31));
        assert!(recover(32) && recover(34) && recover(37));
        let gated =
            Features::for_version(Version::new(31, 0)).with_gate("RecoverVolumeExpansionFailure", true);
        assert!(gated.recover_volume_expansion_failure);
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
    fn gate_lives_are_in_order_and_each_gate_flips_a_behaviour() {
        let names: Vec<&str> = GATE_LIVES.iter().map(|g| g.name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "alphabetical, each once: {names:?}");
        for life in GATE_LIVES {
            assert!(life.locked_from.is_none_or(|l| l > life.since), "{}", life.name);
            assert!(life.removed_in.is_none_or(|r| Some(r) > life.locked_from), "{}", life.name);
            // A gate `with_gate` does not know would be accepted and do nothing.
            let at = Features::for_version(Version::new(life.since, 0));
            assert_ne!(at.with_gate(life.name, true), at.with_gate(life.name, false), "{}", life.name);
        }
    }

    /// A release's default of a locked gate is the locked value: on.
    #[test]
    fn a_locked_gate_is_on_by_default() {
        for life in GATE_LIVES {
            let Some(locked) = life.locked_from else { continue };
            let last = life.removed_in.map_or(Version::NEWEST.minor, |r| r - 1);
            for minor in locked..=last {
                let defaults = Features::for_version(Version::new(minor, 0));
                assert_eq!(defaults.with_gate(life.name, true), defaults, "{} in 1.{minor}", life.name);
            }
        }
    }

    #[test]
    fn a_release_refuses_gates_it_does_not_have_or_has_locked() {
        let check = |minor, name, on| check_gate(Version::new(minor, 0), name, on);
        assert_eq!(check(32, "SchedulerPopFromBackoffQ", true), Err(GateRefusal::NotYet { since: 33 }));
        assert_eq!(check(33, "SchedulerPopFromBackoffQ", false), Ok(()));
        assert_eq!(check(25, "PDBUnhealthyPodEvictionPolicy", true), Err(GateRefusal::NotYet { since: 26 }));
        assert_eq!(check(26, "PDBUnhealthyPodEvictionPolicy", true), Ok(()));
        assert_eq!(check(30, "PDBUnhealthyPodEvictionPolicy", false), Ok(()));
        assert_eq!(check(31, "PDBUnhealthyPodEvictionPolicy", false), Err(GateRefusal::Locked { since: 31 }));
        assert_eq!(check(32, "PDBUnhealthyPodEvictionPolicy", true), Ok(()));
        let removed = Err(GateRefusal::Removed { locked_from: Some(31), removed_in: 33 });
        assert_eq!(check(33, "PDBUnhealthyPodEvictionPolicy", true), removed);
        assert_eq!(check(33, "SchedulerQueueingHints", false), Ok(()));
        assert_eq!(check(34, "SchedulerQueueingHints", false), Err(GateRefusal::Locked { since: 34 }));
        assert_eq!(check(36, "SchedulerQueueingHints", true), Ok(()));
        assert_eq!(check(27, "SchedulerQueueingHints", true), Err(GateRefusal::NotYet { since: 28 }));
        let removed =
            |locked, gone| Err(GateRefusal::Removed { locked_from: Some(locked), removed_in: gone });
        assert_eq!(check(37, "SchedulerQueueingHints", true), removed(34, 37));
        assert_eq!(check(31, "NodeOutOfServiceVolumeDetach", true), Ok(()));
        assert_eq!(check(32, "NodeOutOfServiceVolumeDetach", true), removed(28, 32));
        assert_eq!(check(33, "StatefulSetStartOrdinal", true), Ok(()));
        assert_eq!(check(34, "StatefulSetStartOrdinal", true), removed(31, 34));
        assert_eq!(check(34, "StatefulSetAutoDeletePVC", true), Ok(()));
        assert_eq!(check(35, "StatefulSetAutoDeletePVC", true), removed(32, 35));
        assert_eq!(check(32, "PodTopologyLabelsAdmission", true), Err(GateRefusal::NotYet { since: 33 }));
        assert_eq!(check(37, "PodTopologyLabelsAdmission", false), Ok(()));
        assert_eq!(check(34, "PodIndexLabel", true), Ok(()));
        assert_eq!(check(35, "PodIndexLabel", true), removed(32, 35));
        assert_eq!(check(36, "RelaxedServiceNameValidation", false), Ok(()));
        assert_eq!(check(37, "RelaxedServiceNameValidation", false), Err(GateRefusal::Locked { since: 37 }));
        assert_eq!(check(33, "RelaxedServiceNameValidation", true), Err(GateRefusal::NotYet { since: 34 }));
        assert_eq!(check(24, "MaxUnavailableStatefulSet", true), Ok(()));
        assert_eq!(check(37, "MaxUnavailableStatefulSet", false), Ok(()));
        assert_eq!(check(22, "RecoverVolumeExpansionFailure", true), Err(GateRefusal::NotYet { since: 23 }));
        assert_eq!(check(33, "RecoverVolumeExpansionFailure", false), Ok(()));
        let locked = Err(GateRefusal::Locked { since: 34 });
        assert_eq!(check(34, "RecoverVolumeExpansionFailure", false), locked);
        assert_eq!(check(37, "RecoverVolumeExpansionFailure", true), Ok(()));
        assert_eq!(check(36, "EverythingWorks", true), Err(GateRefusal::Unknown));
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
