//! The built-in scenarios: the files of `scenarios/` and `exercises/`,
//! compiled in, so that `stsim run` works with no file at hand, `stsim
//! examples` can list them and the playground can offer them; and the
//! themes that group them.
//!
//! Owns which files ship and how they are named and grouped. Does not own
//! their format (`stsim-scenario` parses them) or any words on a terminal
//! or a page (`stsim-cli`'s `teach`, the playground).

/// A scenario shipped with stsim.
pub struct Example {
    pub name: &'static str,
    /// Its path in the repository.
    pub path: &'static str,
    pub source: &'static str,
}

macro_rules! examples {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(Example {
            name: $name,
            path: concat!($dir, "/", $name, ".ron"),
            source: include_str!(concat!("../../../", $dir, "/", $name, ".ron")),
        }),*]
    };
}

/// Every built-in scenario; the first is what `stsim run` runs by default.
pub const EXAMPLES: &[Example] = examples!["scenarios":
    "redis-ordered-startup",
    "redis-parallel-startup",
    "ordered-ready-halts-on-unready-pod",
    "pod-deleted-comes-back",
    "node-crash-stuck-terminating",
    "node-crash-delete-node",
    "node-crash-out-of-service",
    "node-crash-force-delete",
    "node-crash-node-back",
    "node-shutdown-graceful",
    "partition-force-delete-two-copies",
    "zonal-volume-no-room",
    "regional-volume-other-zone",
    "immediate-binding-volume-zone-conflict",
    "volume-attach-limit",
    "local-volume-node-gone",
    "reinstall-with-kept-volumes",
    "drain-pdb-multi-attach",
    "drain-blocked-by-broken-pod",
    "image-gone-from-registry",
    "slow-attach-drain",
    "scheduling-constraints",
    "zone-spread-cordoned-zone",
    "node-failures-week",
    "rack-outage-quorum",
    "rolling-update",
    "canary-partition",
    "ondelete-update",
    "stuck-rollout-revert-only",
    "forced-rollback",
    "exporter-image-typo",
    "image-name-uppercase",
    "stuck-rollout-parallel",
    "parallel-rollout-1-35-regression",
    "max-unavailable-rollout",
    "immutable-fields",
    "scale-down-orphans-volume",
    "scale-down-when-scaled-delete",
    "scale-bounce-stale-claim",
    "delete-statefulset-retention",
    "delete-statefulset-orphan-cascade",
    "rename-statefulset",
    "retain-reclaim-released",
    "operators/pvc-cleanup",
    "operators/failover",
    "headless-service-renamed",
    "servicename-changed",
    "parallel-bootstrap-split-brain",
    "ip-addressed-primary-rescheduled",
    "force-delete-two-copies",
    "primary-claim-recreated",
    "pvc-protection-removed",
    "etcd-quorum-lost",
    "peers-unresolvable-until-ready",
    "peers-retry-negative-cache",
    "primary-found-through-service",
    "etcd-srv-discovery",
    "etcd-srv-phantom-member",
    "ordered-ready-quorum-deadlock",
    "etcd-member-back-empty",
    "etcd-removed-member-returns",
    "etcd-hostpath-data-stays-on-the-node",
    "minikube-hostpath-multinode",
    "redis-cluster-full-restart",
    "kafka-reinstall-cluster-id",
    "kafka-not-enough-replicas",
    "cassandra-every-node-a-seed",
    "cassandra-ip-seeds-full-restart",
    "redis-sentinel-master-rescheduled",
    // Kubernetes' own e2e StatefulSet cases (test/e2e/apps/statefulset.go).
    "e2e/pvc-recreated-for-pending-pod",
    "e2e/adopt-and-release-orphans",
    "e2e/retention-after-adoption",
    "e2e/hostname-subdomain-dns",
    "e2e/min-ready-seconds-available",
    "e2e/local-volume-pod-affinity",
    "e2e/partition-failing-container",
    "e2e/recreate-evicted-pod",
    // Mistakes the API server accepts, modelled.
    "storage-class-mistakes",
    "read-write-many-on-block-storage",
    "node-name-skips-scheduler",
    "node-name-missing-node",
    "statefulset-name-too-long",
    "hostname-fqdn-too-long",
    "service-name-missing",
    "service-selector-typo",
    "pod-ip-after-reboot",
    "terminating-endpoints",
    "service-dns-names",
    "srv-target-port-mismatch",
    "databases/lagging-replica-promoted",
    "databases/failover-crash-most-caught-up",
    "databases/failover-partition-unfenced",
    "databases/failover-partition-lease",
    "databases/failover-partition-stonith",
    "databases/etcd-zone-partition",
    "databases/etcd-member-readded-stale",
    "databases/sentinel-partition-split-brain",
    "databases/redis-cluster-forget-meet",
    "databases/cassandra-decommission",
    "claims-resized",
    "liveness-restarts",
    "startup-probe-too-short",
    "prestop-delays-termination",
    "init-containers-delay-start",
    "init-container-crash-loop",
    "sidecar-crash-loop",
    "sidecar-killed-at-grace-end",
    "sidecar-startup-probe",
    "sidecar-readiness-probe",
    "databases/failover-partition-majority",
    "databases/scale-up-stale-replica",
];

/// The fix-it exercises of `exercises/`: each fails `stsim test` until the
/// learner fixes the StatefulSet.
pub const EXERCISES: &[Example] = examples!["exercises":
    "fix-parallel-primary-replica",
    "fix-drain-without-budget",
    "fix-scale-down-deletes-data",
    "fix-drain-stuck-on-broken-pod",
    "fix-image-only-on-some-nodes",
];

/// A built-in scenario or exercise by name.
pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().chain(EXERCISES).find(|e| e.name == name)
}

/// The scenario's teaching metadata (empty if it has none or does not parse).
pub fn teaching(example: &Example) -> stsim_scenario::teaching::Teaching {
    stsim_scenario::parse_teaching(example.source, example.path).unwrap_or_default()
}

/// The first sentence of the scenario's `description`, for listings.
pub fn summary(example: &Example) -> String {
    match stsim_scenario::parse_scenario(example.source, example.path) {
        Ok(config) => config.description.split(". ").next().unwrap_or("").trim_end_matches('.').to_string(),
        Err(_) => "(does not parse: run `stsim check` on it)".to_string(),
    }
}

/// The themes of the library, in the order `stsim examples` and the
/// playground show them: a scenario's first tag names its theme.
pub const THEMES: &[(&str, &str)] = &[
    ("identity-dns", "Identity and DNS"),
    ("ordering", "Ordering"),
    ("node-failure", "Node failure"),
    ("volumes-zones", "Volumes and zones"),
    ("updates", "Updates"),
    ("cost", "Cost"),
    ("operators", "Operators"),
    ("apps", "Clustered applications"),
];

/// The title of a theme, or `Other` for a tag that names none.
pub fn theme_title(tag: Option<&str>) -> &'static str {
    THEMES.iter().find(|(id, _)| Some(*id) == tag).map_or("Other", |(_, title)| title)
}
