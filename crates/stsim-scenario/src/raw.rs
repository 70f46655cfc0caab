//! The scenario file exactly as written: serde structs that mirror the RON text.
//!
//! Owns the shape of the file: field names (Kubernetes' camelCase), which
//! fields are optional, and the spelling of enum variants. Rejects unknown
//! fields. Does not own meaning: durations and quantities stay strings,
//! integers stay wide and signed so that `validate` can report a negative or
//! out-of-range value in its own words, and no name is resolved here.
//! Defaults are filled in by `validate`, not here, so `None` means "not written".

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A label map as written (`{"app": "redis"}`).
pub type RawLabels = BTreeMap<String, String>;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Scenario", deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub cluster_domain: Option<String>,
    /// Cluster DNS caching (CoreDNS `cache` and the `kubernetes` plugin's `ttl`).
    #[serde(default)]
    pub dns: Option<Dns>,
    #[serde(default)]
    pub cluster: Option<Cluster>,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
    #[serde(default)]
    pub services: Option<Vec<Service>>,
    #[serde(default)]
    pub statefulsets: Option<Vec<StatefulSet>>,
    #[serde(default)]
    pub pod_disruption_budgets: Option<Vec<PodDisruptionBudget>>,
    #[serde(default)]
    pub timeline: Option<Vec<TimelineEntry>>,
    #[serde(default)]
    pub timings: Option<Timings>,
    /// The Kubernetes release to model, like `"1.36"` or `"1.35.2"`.
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    /// Feature gates to force on or off, by their Kubernetes names.
    #[serde(default)]
    pub feature_gates: Option<BTreeMap<String, bool>>,
    /// What must hold after the run (`stsim test`).
    #[serde(default)]
    pub expect: Option<Vec<Expect>>,
    /// Operator logic to run alongside the controllers.
    #[serde(default)]
    pub operators: Option<Vec<OperatorEntry>>,
    /// Kubernetes manifest files (YAML or JSON) whose objects join the
    /// scenario's, relative to the scenario file.
    #[serde(default)]
    pub manifests: Option<Vec<String>>,
    /// Teaching metadata (`crate::teaching`): themes, sources, the lesson.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub mirrors: Option<Vec<Mirror>>,
    #[serde(default)]
    pub lesson: Option<String>,
    #[serde(default)]
    pub quiz: Option<Quiz>,
    /// For an exercise: a nudge towards the fix.
    #[serde(default)]
    pub hint: Option<String>,
    /// The operators' own kinds, as CustomResourceDefinitions declare them.
    #[serde(default)]
    pub custom_resource_definitions: Option<Vec<CustomResourceDefinition>>,
    /// PersistentVolumes that exist from the start.
    #[serde(default)]
    pub persistent_volumes: Option<Vec<PersistentVolume>>,
    /// PersistentVolumeClaims that exist from the start.
    #[serde(default)]
    pub persistent_volume_claims: Option<Vec<PersistentVolumeClaim>>,
    /// Custom resources that exist from the start.
    #[serde(default)]
    pub custom_resources: Option<Vec<CustomResource>>,
}

/// What real thing a scenario mirrors.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Mirror", deny_unknown_fields)]
pub enum Mirror {
    Incident(String),
    Issue(String),
    Doc(String),
    FailureMode(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Quiz", deny_unknown_fields, rename_all = "camelCase")]
pub struct Quiz {
    pub question: String,
    pub choices: Vec<String>,
    pub answer: String,
    pub explanation: String,
    #[serde(default)]
    pub evidence: Option<Vec<String>>,
}

/// A custom resource kind; `schema` is an OpenAPI v3 schema of the whole
/// object, written as a RON map (`{"type": "object", ...}`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "CustomResourceDefinition", deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomResourceDefinition {
    pub group: String,
    pub version: String,
    pub kind: String,
    #[serde(default)]
    pub plural: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub schema: Option<ron::Value>,
}

/// A custom resource; `spec` and `status` are free-form RON maps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "CustomResource", deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomResource {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub labels: Option<RawLabels>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub spec: Option<ron::Value>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<ron::Value>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Operator", deny_unknown_fields, rename_all = "camelCase")]
pub struct OperatorEntry {
    pub operator: OperatorKind,
    #[serde(default)]
    pub reconcile_delay: Option<String>,
    #[serde(default)]
    pub faults: Option<OperatorFaults>,
    /// The protocol version it speaks: 1 (the default) or 2.
    #[serde(default)]
    pub protocol: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "OperatorKind", deny_unknown_fields)]
pub enum OperatorKind {
    PvcCleanup {
        after: String,
    },
    NaivePvcCleanup {
        after: String,
    },
    ForceDeleteUnreachable {
        after: String,
    },
    Failover {
        after: String,
        #[serde(default)]
        pick: Option<FailoverPick>,
        #[serde(default)]
        fencing: Option<Fencing>,
        #[serde(default, rename = "checkEvery")]
        check_every: Option<String>,
    },
    External {
        name: String,
        command: Vec<String>,
        #[serde(default)]
        timeout: Option<String>,
    },
}

/// Which replica the built-in failover promotes.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum FailoverPick {
    LowestOrdinal,
    MostCaughtUp,
}

/// How the built-in failover fences the old primary.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum Fencing {
    None,
    WaitForLease,
    PowerOffNode,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Faults", deny_unknown_fields, rename_all = "camelCase")]
pub struct OperatorFaults {
    #[serde(default)]
    pub drop_events: Option<f64>,
    #[serde(default)]
    pub coalesce: Option<bool>,
    #[serde(default)]
    pub lag: Option<String>,
    #[serde(default)]
    pub restart_between_writes: Option<f64>,
    /// A one-shot crash: `(reconcile: N, afterWrite: K)`.
    #[serde(default)]
    pub crash_at: Option<CrashAt>,
    /// How long a restart takes, like `"5s"`.
    #[serde(default)]
    pub restart_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "CrashAt", deny_unknown_fields, rename_all = "camelCase")]
pub struct CrashAt {
    pub reconcile: i64,
    pub after_write: i64,
}

/// One expectation as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Expect", deny_unknown_fields, rename_all_fields = "camelCase")]
pub enum Expect {
    PodReadyBy {
        pod: String,
        by: String,
    },
    PodReady {
        pod: String,
        at: String,
        ready: bool,
    },
    CreationOrder {
        statefulset: String,
        pods: Vec<String>,
    },
    DeletionOrder {
        statefulset: String,
        pods: Vec<String>,
    },
    OrphanedPvcs {
        claims: Vec<String>,
    },
    OrphanedCostAtMost {
        usd_per_month: f64,
    },
    OrphanedCostAtLeast {
        usd_per_month: f64,
    },
    DnsResolves {
        name: String,
        at: String,
        resolves: bool,
    },
    NoFindings,
    Finding {
        id: String,
    },
    NoFinding {
        id: String,
    },
    Settled {
        statefulset: String,
        within: String,
    },
    AppVerdict {
        app: String,
        at: String,
        verdict: Health,
    },
    NeverBroken {
        app: String,
    },
    NoWritesLost {
        app: String,
    },
    NeverSplitBrain {
        app: String,
    },
    ObjectField {
        kind: String,
        name: String,
        field: String,
        #[schemars(with = "serde_json::Value")]
        equals: ron::Value,
    },
    BrokenWithin {
        app: String,
        within: String,
        #[serde(default)]
        after: Option<String>,
    },
    RecoveredWithin {
        app: String,
        within: String,
    },
    PodState {
        pod: String,
        at: String,
        #[serde(default)]
        exists: Option<bool>,
        #[serde(default)]
        phase: Option<PodPhase>,
        #[serde(default)]
        ready: Option<bool>,
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        zone: Option<String>,
        #[serde(default)]
        ip: Option<String>,
        #[serde(default)]
        image: Option<String>,
        #[serde(default)]
        revision: Option<String>,
        #[serde(default)]
        updated: Option<bool>,
        #[serde(default)]
        restarts: Option<i64>,
        #[serde(default)]
        owner: Option<String>,
    },
    StatefulSetStatus {
        statefulset: String,
        at: String,
        #[serde(default)]
        replicas: Option<i64>,
        #[serde(default)]
        ready_replicas: Option<i64>,
        #[serde(default)]
        available_replicas: Option<i64>,
        #[serde(default)]
        current_replicas: Option<i64>,
        #[serde(default)]
        updated_replicas: Option<i64>,
        #[serde(default)]
        current_revision_is_update_revision: Option<bool>,
    },
    ClaimState {
        claim: String,
        at: String,
        #[serde(default)]
        exists: Option<bool>,
        #[serde(default)]
        bound: Option<bool>,
        #[serde(default)]
        volume: Option<String>,
        #[serde(default)]
        owners: Option<Vec<String>>,
        #[serde(default)]
        terminating: Option<bool>,
        #[serde(default)]
        capacity: Option<String>,
    },
    PodNotCreated {
        pod: String,
        from: String,
        to: String,
    },
    UpdateRefused {
        statefulset: String,
        message: String,
    },
    DnsAnswer {
        name: String,
        at: String,
        #[serde(default)]
        resolves: Option<bool>,
        #[serde(default)]
        ip: Option<String>,
        /// Exactly these answers, in any order: addresses, or
        /// `<target>:<port>` for an SRV name; `[]` is NXDOMAIN.
        #[serde(default)]
        answers: Option<Vec<String>>,
    },
}

/// A pod's `status.phase`, as expectations name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "PodPhase")]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

/// An application's health, as expectations name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Health")]
pub enum Health {
    Forming,
    Healthy,
    Degraded,
    Broken,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Dns", deny_unknown_fields, rename_all = "camelCase")]
pub struct Dns {
    /// The cache's cap on any answer, positive or NXDOMAIN (`cache 30`).
    #[serde(default)]
    pub cache: Option<String>,
    /// The TTL of the records the `kubernetes` plugin serves (`ttl 30`).
    #[serde(default)]
    pub ttl: Option<String>,
    /// Whether the cache keeps answers about the cluster domain (kubeadm
    /// before 1.32; from 1.32 its Corefile disables that).
    #[serde(default)]
    pub cache_cluster_domain: Option<bool>,
    /// A cap for positive answers alone (`success CAPACITY TTL` in the
    /// cache block).
    #[serde(default)]
    pub success_cache: Option<String>,
    /// The cluster's DNS server: `CoreDns` (kubeadm's, the default) or
    /// `KubeDns` (GKE's default). Under kube-dns only a headless Service
    /// gives its pods names.
    #[serde(default)]
    pub server: Option<DnsServer>,
}

/// The cluster's DNS server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "DnsServer")]
pub enum DnsServer {
    CoreDns,
    KubeDns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Discovery")]
pub enum Discovery {
    Pods,
    Service,
    Srv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Addressing")]
pub enum Addressing {
    Dns,
    Ip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "AppReadiness")]
pub enum AppReadiness {
    Process,
    Joined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Bootstrap")]
pub enum Bootstrap {
    AnyMember,
    OrdinalZero,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "QuorumSystem")]
pub enum QuorumSystem {
    Etcd,
    ZooKeeper,
}

impl Scenario {
    /// The release the scenario models: its `kubernetesVersion`, or the
    /// default when it names none, or one that does not parse or is not
    /// modelled (which validation reports).
    pub fn release(&self) -> stsim_core::features::Version {
        use stsim_core::features::Version;
        let named = self.kubernetes_version.as_deref().and_then(Version::parse);
        named.filter(|v| (Version::OLDEST..=Version::NEWEST).contains(v)).unwrap_or(Version::DEFAULT)
    }
}

impl App {
    /// `lookupRetry`, whatever the kind.
    pub fn lookup_retry(&self) -> Option<&str> {
        match self {
            App::PrimaryReplica { lookup_retry, .. }
            | App::RedisSentinel { lookup_retry, .. }
            | App::Cassandra { lookup_retry, .. }
            | App::Kafka { lookup_retry, .. }
            | App::RedisCluster { lookup_retry, .. }
            | App::Quorum { lookup_retry, .. } => lookup_retry.as_deref(),
        }
    }
}

/// The clustered application a StatefulSet runs: `PrimaryReplica(addressing: Dns)`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "App", deny_unknown_fields, rename_all_fields = "camelCase")]
pub enum App {
    PrimaryReplica {
        #[serde(default)]
        addressing: Option<Addressing>,
        #[serde(default)]
        bootstrap: Option<Bootstrap>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
        #[serde(default)]
        peer_timeout: Option<String>,
        /// Writes per second clients send to the primary.
        #[serde(default)]
        write_rate: Option<u32>,
        /// Patroni `ttl`.
        #[serde(default)]
        lease_ttl: Option<String>,
        /// Patroni `loop_wait`.
        #[serde(default)]
        lease_renew: Option<String>,
        /// Patroni `synchronous_mode_strict`.
        #[serde(default)]
        synchronous: Option<bool>,
        /// The primary steps down without a majority for this long.
        #[serde(default)]
        step_down_without_majority: Option<String>,
        /// How far behind replicas apply the primary's writes.
        #[serde(default)]
        replication_lag: Option<String>,
        /// Where a member with an empty volume looks for a primary.
        #[serde(default)]
        discovery: Option<Discovery>,
    },
    RedisSentinel {
        #[serde(default)]
        addressing: Option<Addressing>,
        #[serde(default)]
        down_after: Option<String>,
        #[serde(default)]
        min_replicas_to_write: Option<u32>,
        /// The redis container's preStop hook runs `SENTINEL FAILOVER` when
        /// the master's pod is stopped gracefully (the Bitnami chart's
        /// prestop-redis.sh). Default true.
        #[serde(default)]
        pre_stop_failover: Option<bool>,
        /// The `sentinel monitor` quorum: how many sentinels must see the
        /// master down, and the fewest votes a failover needs. Default 2.
        #[serde(default)]
        quorum: Option<i64>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
        #[serde(default)]
        peer_timeout: Option<String>,
    },
    Cassandra {
        #[serde(default)]
        seeds: Option<Vec<i64>>,
        #[serde(default)]
        replication_factor: Option<i64>,
        #[serde(default)]
        addressing: Option<Addressing>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
    },
    Kafka {
        #[serde(default)]
        controllers: Option<i64>,
        #[serde(default)]
        replication_factor: Option<i64>,
        #[serde(default)]
        min_insync_replicas: Option<i64>,
        #[serde(default)]
        fixed_cluster_id: Option<bool>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
    },
    RedisCluster {
        #[serde(default)]
        addressing: Option<Addressing>,
        #[serde(default)]
        replicas_per_master: Option<i64>,
        #[serde(default)]
        node_timeout: Option<String>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
    },
    Quorum {
        #[serde(default)]
        system: Option<QuorumSystem>,
        /// etcd: `Srv` bootstraps from the Service's SRV records (`--discovery-srv`).
        #[serde(default)]
        discovery: Option<Discovery>,
        #[serde(default)]
        addressing: Option<Addressing>,
        #[serde(default)]
        remove_on_scale_down: Option<bool>,
        #[serde(default)]
        readiness: Option<AppReadiness>,
        #[serde(default)]
        catch_up: Option<String>,
        #[serde(default)]
        stale_after: Option<String>,
        #[serde(default)]
        form_timeout: Option<String>,
        /// How often a member that cannot resolve a peer looks it up again.
        #[serde(default)]
        lookup_retry: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Cluster", deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub node_failures: Option<NodeFailures>,
    #[serde(default)]
    pub zone_outages: Option<ZoneOutages>,
    /// Outages of the failure domains of other topology keys (racks, rows), one entry per key.
    #[serde(default)]
    pub domain_outages: Option<Vec<DomainOutages>>,
    #[serde(default)]
    pub node_pools: Option<Vec<NodePool>>,
    #[serde(default)]
    pub storage_classes: Option<Vec<StorageClass>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodePool", deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePool {
    pub name: String,
    #[serde(default)]
    pub count: Option<i64>,
    /// The nodes' own names, in order (as `kubectl get nodes` lists them);
    /// `count` is their number unless given.
    #[serde(default)]
    pub names: Option<Vec<String>>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub max_pods: Option<i64>,
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub taints: Option<Vec<Taint>>,
    #[serde(default)]
    pub labels: Option<RawLabels>,
    /// Racks per zone the nodes are spread over, round-robin within each zone.
    #[serde(default)]
    pub racks: Option<i64>,
    /// The node label that names a node's rack (`topology.rook.io/rack` unless set).
    #[serde(default)]
    pub rack_label: Option<String>,
    #[serde(default)]
    pub failures: Option<NodeFailures>,
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
    /// The kubelet's `shutdownGracePeriod` (graceful node shutdown; 0s: off).
    #[serde(default)]
    pub shutdown_grace_period: Option<String>,
    /// The kubelet's `shutdownGracePeriodCriticalPods`.
    #[serde(default)]
    pub shutdown_grace_period_critical_pods: Option<String>,
    /// How many volumes of each CSI driver one node can attach (its
    /// CSINode's `spec.drivers[].allocatable.count`); unlisted drivers: no limit.
    #[serde(default)]
    pub volume_attach_limits: Option<Vec<VolumeAttachLimit>>,
    /// Images on the pool's nodes from the start (in the machine image, or
    /// pre-pulled), written as the pods name them: a container of one
    /// starts without downloading it (`Always` still asks the registry).
    #[serde(default)]
    pub preloaded_images: Option<Vec<String>>,
}

/// One CSI driver's attach limit on each node of a pool.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "VolumeAttachLimit", deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeAttachLimit {
    /// The CSI driver's name, as a StorageClass's `provisioner` names it (`ebs.csi.aws.com`).
    pub driver: String,
    /// How many of its volumes one node can attach at once.
    pub count: i64,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Maintenance", deny_unknown_fields, rename_all = "camelCase")]
pub struct Maintenance {
    pub every: String,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub downtime: Option<String>,
    #[serde(default)]
    pub drain_timeout: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodeFailures", deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeFailures {
    pub mean_time_between_failures: String,
    pub mean_time_to_repair: String,
    #[serde(default)]
    pub mix: Option<FailureMix>,
    #[serde(default)]
    pub repair: Option<RepairDistribution>,
    #[serde(default)]
    pub reboot_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "FailureMix", deny_unknown_fields, rename_all = "camelCase")]
pub struct FailureMix {
    #[serde(default)]
    pub crash: Option<i64>,
    #[serde(default)]
    pub partition: Option<i64>,
    #[serde(default)]
    pub reboot: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "RepairDistribution")]
pub enum RepairDistribution {
    Exponential,
    Fixed,
    LogNormal { sigma: f64 },
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "ZoneOutages", deny_unknown_fields, rename_all = "camelCase")]
pub struct ZoneOutages {
    pub mean_time_between: String,
    pub mean_duration: String,
    #[serde(default)]
    pub kind: Option<OutageKind>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "DomainOutages", deny_unknown_fields, rename_all = "camelCase")]
pub struct DomainOutages {
    /// The node label whose values are the failure domains.
    pub topology_key: String,
    pub mean_time_between: String,
    pub mean_duration: String,
    #[serde(default)]
    pub kind: Option<OutageKind>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename = "OutageKind")]
pub enum OutageKind {
    Crash,
    Partition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "TaintEffect")]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Taint", deny_unknown_fields, rename_all = "camelCase")]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    pub effect: TaintEffect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "TolerationOperator")]
pub enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Toleration", deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub operator: Option<TolerationOperator>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub effect: Option<TaintEffect>,
    #[serde(default)]
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "NodeSelectorOperator")]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// Node selectors only: the label, an integer, above the one value.
    Gt,
    /// Node selectors only: the label, an integer, below the one value.
    Lt,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodeSelectorRequirement", deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodeSelectorTerm", deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorTerm {
    #[serde(default)]
    pub match_expressions: Option<Vec<NodeSelectorRequirement>>,
    /// The node's `metadata.name`, `In` or `NotIn` one value.
    #[serde(default)]
    pub match_fields: Option<Vec<NodeSelectorRequirement>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodeSelector", deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelector {
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PreferredSchedulingTerm", deny_unknown_fields, rename_all = "camelCase")]
pub struct PreferredSchedulingTerm {
    pub weight: i64,
    pub preference: NodeSelectorTerm,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "NodeAffinity", deny_unknown_fields)]
pub struct NodeAffinity {
    #[serde(default, rename = "requiredDuringSchedulingIgnoredDuringExecution")]
    pub required: Option<NodeSelector>,
    #[serde(default, rename = "preferredDuringSchedulingIgnoredDuringExecution")]
    pub preferred: Option<Vec<PreferredSchedulingTerm>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "LabelSelector", deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: Option<RawLabels>,
    #[serde(default)]
    pub match_expressions: Option<Vec<NodeSelectorRequirement>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PodAffinityTerm", deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinityTerm {
    pub label_selector: LabelSelector,
    pub topology_key: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "WeightedPodAffinityTerm", deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedPodAffinityTerm {
    pub weight: i64,
    pub pod_affinity_term: PodAffinityTerm,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PodAntiAffinity", deny_unknown_fields)]
pub struct PodAntiAffinity {
    #[serde(default, rename = "requiredDuringSchedulingIgnoredDuringExecution")]
    pub required: Option<Vec<PodAffinityTerm>>,
    #[serde(default, rename = "preferredDuringSchedulingIgnoredDuringExecution")]
    pub preferred: Option<Vec<WeightedPodAffinityTerm>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Affinity", deny_unknown_fields, rename_all = "camelCase")]
pub struct Affinity {
    #[serde(default)]
    pub node_affinity: Option<NodeAffinity>,
    #[serde(default)]
    pub pod_anti_affinity: Option<PodAntiAffinity>,
    /// Same shape as `podAntiAffinity`.
    #[serde(default)]
    pub pod_affinity: Option<PodAntiAffinity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "WhenUnsatisfiable")]
pub enum WhenUnsatisfiable {
    DoNotSchedule,
    ScheduleAnyway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "NodeInclusionPolicy")]
pub enum NodeInclusionPolicy {
    Honor,
    Ignore,
}

/// One of a pod template's `topologySpreadConstraints` (core/v1
/// `TopologySpreadConstraint`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "TopologySpreadConstraint", deny_unknown_fields, rename_all = "camelCase")]
pub struct TopologySpreadConstraint {
    pub max_skew: i64,
    pub topology_key: String,
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// The pods counted; without one, none is.
    #[serde(default)]
    pub label_selector: Option<LabelSelector>,
    #[serde(default)]
    pub min_domains: Option<i64>,
    /// `Honor` when not given.
    #[serde(default)]
    pub node_affinity_policy: Option<NodeInclusionPolicy>,
    /// `Ignore` when not given.
    #[serde(default)]
    pub node_taints_policy: Option<NodeInclusionPolicy>,
    #[serde(default)]
    pub match_label_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PodDisruptionBudget", deny_unknown_fields, rename_all = "camelCase")]
pub struct PodDisruptionBudget {
    pub name: String,
    /// `selector.matchLabels`.
    #[serde(default)]
    pub selector: RawLabels,
    /// `selector.matchExpressions`.
    #[serde(default)]
    pub selector_expressions: Option<Vec<NodeSelectorRequirement>>,
    #[serde(default)]
    pub min_available: Option<IntOrString>,
    #[serde(default)]
    pub max_unavailable: Option<IntOrString>,
    /// When a running pod that is not Ready may be evicted: `IfHealthyBudget`
    /// (the default: only while the budget holds) or `AlwaysAllow`.
    #[serde(default)]
    pub unhealthy_pod_eviction_policy: Option<UnhealthyPodEvictionPolicy>,
    /// A manifest's empty `selector: {}`, which in policy/v1 selects every
    /// pod of the namespace; a scenario's budget names its labels.
    #[serde(skip)]
    pub all_pods: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "UnhealthyPodEvictionPolicy")]
pub enum UnhealthyPodEvictionPolicy {
    IfHealthyBudget,
    AlwaysAllow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "VolumeBindingMode")]
pub enum VolumeBindingMode {
    Immediate,
    WaitForFirstConsumer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "ReclaimPolicy")]
pub enum ReclaimPolicy {
    Delete,
    Retain,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "StorageClass", deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageClass {
    pub name: String,
    #[serde(default)]
    pub provisioner: Option<String>,
    #[serde(default)]
    pub volume_binding_mode: Option<VolumeBindingMode>,
    #[serde(default)]
    pub reclaim_policy: Option<ReclaimPolicy>,
    #[serde(default)]
    pub zonal: Option<bool>,
    /// Volumes replicated in two zones (GCE PD's `replication-type:
    /// regional-pd`): the zone of the pod's node and the next zone by name
    /// that has nodes. A pod may use one from either zone.
    #[serde(default)]
    pub regional: Option<bool>,
    #[serde(default)]
    pub local: Option<bool>,
    #[serde(default)]
    pub usd_per_gib_month: Option<f64>,
    /// A built-in price preset, like `"aws-gp3"` or `"gcp-pd-ssd"`.
    #[serde(default)]
    pub pricing: Option<String>,
    /// Provisioned IOPS per volume (the `iops` StorageClass parameter).
    #[serde(default)]
    pub iops: Option<i64>,
    /// Provisioned IOPS per GiB (io1/io2's `iopsPerGB`).
    #[serde(default, rename = "iopsPerGB")]
    pub iops_per_gb: Option<i64>,
    /// Provisioned throughput per volume in MiB/s.
    #[serde(default)]
    pub throughput: Option<i64>,
    #[serde(default)]
    pub default: Option<bool>,
    #[serde(default)]
    pub allow_volume_expansion: Option<bool>,
    /// A class the cluster is taken to have, not one the scenario defines
    /// (what `stsim import`'s story makes up for manifests that name a
    /// class without defining it, or define no default): simulated as
    /// given, but not exported (`stsim export`), since a real cluster has
    /// its own.
    #[serde(default)]
    pub assumed: Option<bool>,
    /// `allowedTopologies`: the node labels the class's volumes may be made
    /// under; a node of none of the terms gets no new volume of the class.
    #[serde(default)]
    pub allowed_topologies: Option<Vec<TopologySelectorTerm>>,
}

/// One term of `allowedTopologies`: every expression holds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "TopologySelectorTerm", deny_unknown_fields, rename_all = "camelCase")]
pub struct TopologySelectorTerm {
    #[serde(default)]
    pub match_label_expressions: Vec<TopologySelectorRequirement>,
}

/// The label `key` has one of `values`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "TopologySelectorRequirement", deny_unknown_fields)]
pub struct TopologySelectorRequirement {
    pub key: String,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "ImageBehaviour")]
pub enum ImageBehaviour {
    Healthy,
    NeverReady,
    CrashLoop,
    PullFails,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Image", deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    pub name: String,
    #[serde(default)]
    pub behaviour: Option<ImageBehaviour>,
    #[serde(default)]
    pub pull: Option<String>,
    #[serde(default)]
    pub startup: Option<String>,
    #[serde(default)]
    pub shutdown: Option<String>,
    #[serde(default)]
    pub exit_code_on_sigterm: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Service", deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    pub name: String,
    #[serde(default, rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    /// Empty or left out: the Service selects no pods (its EndpointSlices
    /// would be written by hand, which stsim does not model).
    #[serde(default)]
    pub selector: RawLabels,
    #[serde(default)]
    pub publish_not_ready_addresses: Option<bool>,
    #[serde(default)]
    pub ports: Option<Vec<ServicePort>>,
    /// The Service's own `metadata.labels` (not a selector).
    #[serde(default)]
    pub labels: Option<RawLabels>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "ServicePort", deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePort {
    #[serde(default)]
    pub name: Option<String>,
    pub port: i64,
    /// Where the endpoints take the traffic: a number, or the name of a
    /// container port of the pods (`"client"`). The port's own number when
    /// not given (or 0, or empty). A headless Service's SRV records give it.
    #[serde(default)]
    pub target_port: Option<IntOrString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "PodManagementPolicy")]
pub enum PodManagementPolicy {
    OrderedReady,
    Parallel,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "UpdateStrategy")]
pub enum UpdateStrategy {
    /// `RollingUpdate(partition: N, maxUnavailable: M)` or `RollingUpdate()`.
    RollingUpdate {
        #[serde(default)]
        partition: Option<i64>,
        #[serde(default, rename = "maxUnavailable")]
        max_unavailable: Option<IntOrString>,
        /// A manifest's `type: RollingUpdate` without a `rollingUpdate`
        /// block (`UpdateStrategy::RollingUpdate`'s `nil`); a RON scenario
        /// always has one.
        #[serde(skip)]
        #[schemars(skip)]
        nil: bool,
    },
    OnDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "RetentionAction")]
pub enum RetentionAction {
    Retain,
    Delete,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Ordinals", deny_unknown_fields, rename_all = "camelCase")]
pub struct Ordinals {
    #[serde(default)]
    pub start: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "RetentionPolicy", deny_unknown_fields, rename_all = "camelCase")]
pub struct RetentionPolicy {
    #[serde(default)]
    pub when_deleted: Option<RetentionAction>,
    #[serde(default)]
    pub when_scaled: Option<RetentionAction>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "StatefulSet", deny_unknown_fields, rename_all = "camelCase")]
pub struct StatefulSet {
    pub name: String,
    /// Optional, as in Kubernetes (k/k PR #130233 marked it so): without
    /// one, the pods get no subdomain and no DNS names of their own.
    #[serde(default)]
    pub service_name: String,
    #[serde(default)]
    pub replicas: Option<i64>,
    /// `selector.matchLabels`; the template's labels if left out.
    #[serde(default)]
    pub selector: Option<RawLabels>,
    /// `selector.matchExpressions`.
    #[serde(default)]
    pub selector_expressions: Option<Vec<NodeSelectorRequirement>>,
    #[serde(default)]
    pub pod_management_policy: Option<PodManagementPolicy>,
    #[serde(default)]
    pub update_strategy: Option<UpdateStrategy>,
    #[serde(default)]
    pub revision_history_limit: Option<i64>,
    #[serde(default)]
    pub min_ready_seconds: Option<i64>,
    #[serde(default)]
    pub ordinals: Option<Ordinals>,
    #[serde(default)]
    pub persistent_volume_claim_retention_policy: Option<RetentionPolicy>,
    pub template: PodTemplate,
    #[serde(default)]
    pub volume_claim_templates: Option<Vec<VolumeClaimTemplate>>,
    /// The clustered application the pods run, if any.
    #[serde(default)]
    pub app: Option<App>,
    /// The set's own `metadata.labels` (its pods' are the template's).
    #[serde(default)]
    pub labels: Option<RawLabels>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PodTemplate", deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplate {
    #[serde(default)]
    pub labels: Option<RawLabels>,
    /// The first container's name (`spec.containers[0].name`): the name the
    /// API serves it with (to operators), events give it, and
    /// `kubectl set image` takes. Default `main`.
    #[serde(default)]
    pub container_name: Option<String>,
    pub image: String,
    /// When the kubelet pulls the image; by default `Always` for a `latest`
    /// or missing tag, `IfNotPresent` otherwise.
    #[serde(default)]
    pub image_pull_policy: Option<ImagePullPolicy>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub readiness_probe: Option<Probe>,
    #[serde(default)]
    pub liveness_probe: Option<Probe>,
    #[serde(default)]
    pub startup_probe: Option<Probe>,
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default)]
    pub init_containers: Option<Vec<InitContainer>>,
    /// The pod's other regular containers (`spec.containers[1..]` of a
    /// manifest: a metrics exporter, a log shipper), started in order
    /// after the first; the pod is Ready when all of them are.
    #[serde(default)]
    pub extra_containers: Option<Vec<ExtraContainer>>,
    #[serde(default)]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub node_selector: Option<RawLabels>,
    #[serde(default)]
    pub affinity: Option<Affinity>,
    #[serde(default)]
    pub tolerations: Option<Vec<Toleration>>,
    /// `topologySpreadConstraints`: how the pods spread over the values of node labels.
    #[serde(default)]
    pub topology_spread_constraints: Option<Vec<TopologySpreadConstraint>>,
    /// `spec.nodeName`: bound to this node at creation, past the scheduler;
    /// the node's kubelet admits the pod or rejects it (`Failed`).
    #[serde(default)]
    pub node_name: Option<String>,
    /// `priorityClassName`: the built-in `system-node-critical` and
    /// `system-cluster-critical` make the pod critical to the kubelet's
    /// graceful node shutdown; any other name is a regular pod's.
    #[serde(default)]
    pub priority_class_name: Option<String>,
    /// `setHostnameAsFQDN`: the pod's kernel hostname is its fully
    /// qualified name, `<pod>.<serviceName>.<namespace>.svc.<domain>`,
    /// which must fit in 64 characters, or the kubelet never makes the
    /// pod's sandbox (`FailedCreatePodSandBox`) and it stays
    /// ContainerCreating.
    #[serde(default, rename = "setHostnameAsFQDN")]
    pub set_hostname_as_fqdn: Option<bool>,
    /// The container's `ports`; those with a `hostPort` take that port on the node.
    #[serde(default)]
    pub ports: Option<Vec<ContainerPort>>,
    /// The names of the pod's own volumes (`spec.volumes[].name`; a
    /// StatefulSet adds one per claim template when it makes a pod).
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// The names of the volumes the first container mounts
    /// (`volumeMounts[].name`): each must be one of the pod's, or its pod
    /// create is refused.
    #[serde(default)]
    pub volume_mounts: Option<Vec<String>>,
    /// A manifest's first container's own requests, as written (its
    /// `resources` above are then the whole pod's); `None` in a scenario,
    /// whose `resources` are the first container's. Read by the scheduler's
    /// scoring, which tells a request left out from one of `0`.
    #[serde(skip)]
    pub first_requests: Option<ResourceList>,
    /// A manifest's StatefulSet's pod template's field errors that the API
    /// server leaves to each pod's create, with the pod's paths; empty in a
    /// scenario, whose templates are checked whole.
    #[serde(skip)]
    pub create_errors: Vec<String>,
}

/// A container port: `containerPort`, and `hostPort` to bind it on the node.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "ContainerPort", deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerPort {
    /// A name a Service's `targetPort` can use: an IANA service name (at
    /// most 15 characters, lower-case letters, digits and inner hyphens).
    #[serde(default)]
    pub name: Option<String>,
    pub container_port: i64,
    #[serde(default)]
    pub host_port: Option<i64>,
    /// TCP when not given.
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Which container of a manifest's pod the port is of (0 the first): a
    /// name is unique within its container only. 0 in a scenario, whose
    /// template has one container's ports.
    #[serde(skip)]
    pub container: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Protocol")]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    TCP,
    UDP,
    SCTP,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Resources", deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    #[serde(default)]
    pub requests: Option<ResourceList>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename = "ResourceList", deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceList {
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
}

/// An init container: its image (whose `startup` is how long it runs).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "InitContainer", deny_unknown_fields, rename_all = "camelCase")]
pub struct InitContainer {
    pub name: String,
    pub image: String,
    /// When the kubelet pulls the image; by default `Always` for a `latest`
    /// or missing tag, `IfNotPresent` otherwise.
    #[serde(default)]
    pub image_pull_policy: Option<ImagePullPolicy>,
    /// `Always` makes it a sidecar (Kubernetes 1.29+): it keeps running
    /// beside the container, and the next init container starts once it
    /// has started rather than finished.
    #[serde(default)]
    pub restart_policy: Option<String>,
    /// The names of the pod's volumes it mounts (`volumeMounts[].name`).
    #[serde(default)]
    pub volume_mounts: Option<Vec<String>>,
    /// Its ports (`(containerPort: 9901, name: "admin")`), part of the
    /// template: a change is a new revision. From 1.33 a Service's
    /// `targetPort` by name finds a sidecar's when no regular container
    /// has the name. No `hostPort`.
    #[serde(default)]
    pub ports: Option<Vec<ContainerPort>>,
    /// A sidecar's `preStop` hook (`(preStop: (sleep: (seconds: 5)))`): at
    /// the pod's end it runs before the sidecar waits for its turn, its
    /// time counted against the grace period. Refused on an init container
    /// that is not a sidecar, as the API server refuses it.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// A sidecar's startup probe (`(periodSeconds: 1, failureThreshold:
    /// 30)`): the next init container, and the regular containers, start
    /// only once it passes (its image's `startup` after each start, on the
    /// probe's ticks); failing `failureThreshold` times in a row, the
    /// sidecar is killed and started again. Refused on an init container
    /// that is not a sidecar, as the API server refuses it.
    #[serde(default)]
    pub startup_probe: Option<Probe>,
    /// A sidecar's readiness probe (`(initialDelaySeconds: 5)`): after each
    /// start the sidecar is not ready, and so neither is the pod, until
    /// the probe passes (its image's `startup` after the start, on the
    /// probe's ticks, `successThreshold` in a row); it holds nothing else.
    /// Refused on an init container that is not a sidecar, as the API
    /// server refuses it.
    #[serde(default)]
    pub readiness_probe: Option<Probe>,
    /// A sidecar's liveness probe (`(periodSeconds: 10)`, `successThreshold`
    /// 1): it passes while the sidecar runs; failing (from a `SetLive`
    /// with `container`) `failureThreshold` times in a row, the sidecar is
    /// killed and started again with the restart back-off. Refused on an
    /// init container that is not a sidecar, as the API server refuses it.
    #[serde(default)]
    pub liveness_probe: Option<Probe>,
    /// A manifest's init container's requests, as written (counted in the
    /// pod template's `resources`); a scenario's have none.
    #[serde(skip)]
    pub requests: Option<ResourceList>,
}

/// A regular container beside the first: its image (whose `behaviour`
/// says whether it pulls, crashes or runs). Ready once running: its probes
/// are not modelled.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "ExtraContainer", deny_unknown_fields, rename_all = "camelCase")]
pub struct ExtraContainer {
    pub name: String,
    pub image: String,
    /// When the kubelet pulls the image; by default `Always` for a `latest`
    /// or missing tag, `IfNotPresent` otherwise.
    #[serde(default)]
    pub image_pull_policy: Option<ImagePullPolicy>,
    /// The names of the pod's volumes it mounts (`volumeMounts[].name`).
    #[serde(default)]
    pub volume_mounts: Option<Vec<String>>,
    /// A manifest's container's requests, as written (counted in the pod
    /// template's `resources`); a scenario's have none.
    #[serde(skip)]
    pub requests: Option<ResourceList>,
}

/// `imagePullPolicy`: when the kubelet pulls a container's image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "ImagePullPolicy")]
pub enum ImagePullPolicy {
    /// Ask the registry at every start (no layer the node has is downloaded again).
    Always,
    /// Pull only when the node does not have the image.
    IfNotPresent,
    /// Never pull: the node must have the image.
    Never,
}

/// `lifecycle`: only `preStop` with a `sleep` action is modelled.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Lifecycle", deny_unknown_fields, rename_all = "camelCase")]
pub struct Lifecycle {
    #[serde(default)]
    pub pre_stop: Option<LifecycleHandler>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "LifecycleHandler", deny_unknown_fields, rename_all = "camelCase")]
pub struct LifecycleHandler {
    pub sleep: SleepAction,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "SleepAction", deny_unknown_fields, rename_all = "camelCase")]
pub struct SleepAction {
    pub seconds: i64,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Probe", deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    #[serde(default)]
    pub initial_delay_seconds: Option<i64>,
    #[serde(default)]
    pub period_seconds: Option<i64>,
    #[serde(default)]
    pub success_threshold: Option<i64>,
    #[serde(default)]
    pub failure_threshold: Option<i64>,
    /// Liveness and startup probes: the grace period of the kubelet's kill
    /// when the probe fails, instead of the pod's.
    #[serde(default)]
    pub termination_grace_period_seconds: Option<i64>,
    /// The check as a manifest wrote it (`config::ProbeChecks`): not part
    /// of the scenario format, whose probes name none.
    #[serde(skip)]
    pub check: Option<Box<serde_json::Value>>,
}

/// Kubernetes' own names, hence the common prefix.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "AccessMode")]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "VolumeClaimTemplate", deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeClaimTemplate {
    pub name: String,
    /// `metadata.labels`: each claim made from the template has them, with
    /// the set's selector's `matchLabels` over them.
    #[serde(default)]
    pub labels: Option<RawLabels>,
    pub storage: String,
    #[serde(default)]
    pub storage_class_name: Option<String>,
    #[serde(default)]
    pub access_modes: Option<Vec<AccessMode>>,
    /// A manifest's StatefulSet's claim template's field errors that the
    /// API server leaves to each claim's create before 1.34, with the
    /// claim's paths; empty in a scenario, whose claim templates are
    /// checked whole.
    #[serde(skip)]
    pub create_errors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "TimelineEntry", deny_unknown_fields)]
pub struct TimelineEntry {
    /// When, from the start: `at: "30s"`. Either this or `when`.
    #[serde(default)]
    pub at: Option<String>,
    /// Or on an event: `when: PodReady(pod: "redis-2")`.
    #[serde(default)]
    pub when: Option<Trigger>,
    /// With `when`: how long after the event.
    #[serde(default)]
    pub after: Option<String>,
    #[serde(rename = "do")]
    pub action: Action,
}

/// An event a timeline entry can wait for.
/// (Named as the scenario spells them; node and app events are to come.)
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Trigger", deny_unknown_fields)]
pub enum Trigger {
    PodCreated { pod: String },
    PodReady { pod: String },
    PodNotReady { pod: String },
    PodDeleted { pod: String },
    NodeNotReady { node: String },
    AppBroken { app: String },
}

/// `maxUnavailable: 2` or `maxUnavailable: "50%"`, as Kubernetes' IntOrString.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

// Read by hand rather than as an untagged enum, so that anything else is
// told as what it is and what was expected.
impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IntOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is too large a number")))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<IntOrString, E> {
                i64::try_from(v).map(IntOrString::Int).map_err(|_| E::custom(format!("{v} is out of range")))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<IntOrString, E> {
                i64::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is too large a number")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Action", deny_unknown_fields, rename_all_fields = "camelCase")]
pub enum Action {
    Scale {
        statefulset: String,
        replicas: i64,
    },
    DeletePod {
        pod: String,
    },
    ForceDeletePod {
        pod: String,
    },
    CrashNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    PartitionNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    RecoverNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    ShutdownNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    PartitionZone {
        zone: String,
    },
    RemoveMember {
        pod: String,
    },
    AddMember {
        pod: String,
    },
    RecoverZone {
        zone: String,
    },
    DrainNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    Cordon {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    Uncordon {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    DeleteNode {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    AddNode {
        pool: String,
        #[serde(default)]
        zone: Option<String>,
    },
    TaintOutOfService {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    UntaintOutOfService {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        node_of: Option<String>,
    },
    SetReady {
        pod: String,
        ready: bool,
        /// A sidecar's name: its readiness probe, not the first container's.
        #[serde(default)]
        container: Option<String>,
    },
    SetLive {
        pod: String,
        live: bool,
        /// A sidecar's name: its liveness probe, not the first container's.
        #[serde(default)]
        container: Option<String>,
    },
    Stop,
    SetImage {
        statefulset: String,
        image: String,
    },
    RolloutRestart {
        statefulset: String,
    },
    PatchTemplate {
        statefulset: String,
        template: TemplatePatch,
    },
    SetPartition {
        statefulset: String,
        partition: i64,
    },
    SetMaxUnavailable {
        statefulset: String,
        max_unavailable: IntOrString,
    },
    SetUpdateStrategy {
        statefulset: String,
        strategy: UpdateStrategy,
    },
    DeleteStatefulSet {
        statefulset: String,
        #[serde(default)]
        cascade: Option<Cascade>,
    },
    DeletePvc {
        pvc: String,
    },
    ApplyCustomResource {
        kind: String,
        name: String,
        #[schemars(with = "serde_json::Value")]
        spec: ron::Value,
    },
    PatchCustomResource {
        kind: String,
        name: String,
        #[schemars(with = "serde_json::Value")]
        patch: ron::Value,
        /// `"status"`: `kubectl patch --subresource=status`.
        #[serde(default)]
        subresource: Option<String>,
    },
    DeleteCustomResource {
        kind: String,
        name: String,
    },
    RenameStatefulSet {
        statefulset: String,
        to: String,
    },
    RenameService {
        from: String,
        to: String,
    },
    DeleteService {
        service: String,
    },
    UpdateService {
        service: String,
        #[serde(default)]
        selector: Option<RawLabels>,
        #[serde(default)]
        ports: Option<Vec<ServicePort>>,
        #[serde(default)]
        publish_not_ready_addresses: Option<bool>,
    },
    PatchPod {
        pod: String,
        #[serde(default)]
        labels: Option<RawLabels>,
        #[serde(default)]
        remove_labels: Option<Vec<String>>,
        #[serde(default)]
        owner_references: Option<Vec<String>>,
        #[serde(default)]
        finalizers: Option<Vec<String>>,
        #[serde(default)]
        image: Option<String>,
    },
    PatchPvc {
        pvc: String,
        #[serde(default)]
        labels: Option<RawLabels>,
        #[serde(default)]
        remove_labels: Option<Vec<String>>,
        #[serde(default)]
        owner_references: Option<Vec<String>>,
        #[serde(default)]
        finalizers: Option<Vec<String>>,
    },
    CreatePod {
        name: String,
        template: Box<PodTemplate>,
        #[serde(default)]
        hostname: Option<String>,
        #[serde(default)]
        subdomain: Option<String>,
    },
    ResizePvc {
        pvc: String,
        storage: String,
    },
    CreatePvc {
        name: String,
        storage: String,
        #[serde(default)]
        storage_class_name: Option<String>,
        #[serde(default)]
        access_modes: Option<Vec<AccessMode>>,
        #[serde(default)]
        labels: Option<RawLabels>,
    },
    /// Delete with `--cascade=orphan` and create again with these fields changed.
    RecreateStatefulSet {
        statefulset: String,
        #[serde(default)]
        replicas: Option<i64>,
        #[serde(default)]
        service_name: Option<String>,
        #[serde(default)]
        selector: Option<RawLabels>,
        #[serde(default)]
        pod_management_policy: Option<PodManagementPolicy>,
        #[serde(default)]
        volume_claim_templates: Option<Vec<VolumeClaimTemplate>>,
        #[serde(default)]
        min_ready_seconds: Option<i64>,
        #[serde(default)]
        ordinals: Option<Ordinals>,
        #[serde(default)]
        revision_history_limit: Option<i64>,
        #[serde(default)]
        persistent_volume_claim_retention_policy: Option<RetentionPolicy>,
    },
    UpdateStatefulSet {
        statefulset: String,
        #[serde(default)]
        replicas: Option<i64>,
        #[serde(default)]
        service_name: Option<String>,
        #[serde(default)]
        selector: Option<RawLabels>,
        #[serde(default)]
        pod_management_policy: Option<PodManagementPolicy>,
        #[serde(default)]
        volume_claim_templates: Option<Vec<VolumeClaimTemplate>>,
        #[serde(default)]
        min_ready_seconds: Option<i64>,
        #[serde(default)]
        ordinals: Option<Ordinals>,
        #[serde(default)]
        revision_history_limit: Option<i64>,
        #[serde(default)]
        persistent_volume_claim_retention_policy: Option<RetentionPolicy>,
    },
}

/// `kubectl delete --cascade=...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename = "Cascade")]
pub enum Cascade {
    Background,
    Orphan,
    /// The set stays (deletionTimestamp, `foregroundDeletion` finalizer)
    /// until the garbage collector has deleted its pods and owned claims.
    Foreground,
}

/// The template fields a `PatchTemplate` may replace; all optional.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "TemplatePatch", deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplatePatch {
    #[serde(default)]
    pub labels: Option<RawLabels>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub readiness_probe: Option<Probe>,
    #[serde(default)]
    pub termination_grace_period_seconds: Option<i64>,
    /// `setHostnameAsFQDN`, set or cleared.
    #[serde(default, rename = "setHostnameAsFQDN")]
    pub set_hostname_as_fqdn: Option<bool>,
    /// The other regular containers, replacing the template's (`[]`
    /// removes them).
    #[serde(default)]
    pub extra_containers: Option<Vec<ExtraContainer>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "Timings", deny_unknown_fields, rename_all = "camelCase")]
pub struct Timings {
    #[serde(default)]
    pub provisioning: Option<String>,
    #[serde(default)]
    pub node_monitor_grace_period: Option<String>,
    #[serde(default)]
    pub node_monitor_period: Option<String>,
    #[serde(default)]
    pub default_toleration_seconds: Option<i64>,
    #[serde(default)]
    pub volume_attach: Option<String>,
    #[serde(default)]
    pub volume_detach: Option<String>,
    #[serde(default)]
    pub rollout_stuck_after: Option<String>,
    #[serde(default)]
    pub pod_max_in_unschedulable_pods_duration: Option<String>,
    /// A container's image check and creation on a node that has the image
    /// (2s; an image's `pull` is its pull to a node without it).
    #[serde(default)]
    pub cached_pull: Option<String>,
    /// csi-provisioner's `--retry-interval-start` (1s): its first wait
    /// before retrying a claim or a volume it failed at, doubled after
    /// each further failure.
    #[serde(default)]
    pub provisioner_retry_interval_start: Option<String>,
    /// csi-provisioner's `--retry-interval-max` (5m): the longest such wait.
    #[serde(default)]
    pub provisioner_retry_interval_max: Option<String>,
    /// kube-controller-manager's `--min-resync-period` (12h): its informers
    /// re-deliver every object once a period between this and twice this.
    #[serde(default)]
    pub min_resync_period: Option<String>,
    /// kube-scheduler's VolumeBinding `bindTimeoutSeconds` (10m): how long
    /// a pod waits in PreBind for its provisioned volumes before the
    /// binding cycle fails and it is scheduled again.
    #[serde(default)]
    pub bind_timeout: Option<String>,
}

/// A PersistentVolume that exists from the start: a disk made by hand
/// (static provisioning) or left by an earlier install.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PersistentVolume", deny_unknown_fields, rename_all = "camelCase")]
pub struct PersistentVolume {
    pub name: String,
    /// `spec.capacity.storage`.
    pub storage: String,
    /// Empty or absent: a volume of no class, which only claims of no class bind.
    #[serde(default)]
    pub storage_class_name: Option<String>,
    #[serde(default)]
    pub access_modes: Option<Vec<AccessMode>>,
    /// `Retain` unless given, as for any volume not made by a provisioner.
    #[serde(default)]
    pub persistent_volume_reclaim_policy: Option<ReclaimPolicy>,
    /// The zone its node affinity names.
    #[serde(default)]
    pub zone: Option<String>,
    /// The zones its node affinity names, for a regional volume (GCE's
    /// regional PD is in two): a pod may use it from a node in any.
    /// Instead of `zone`.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    /// The node its node affinity names (a local disk).
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub claim_ref: Option<ClaimRef>,
    /// The provisioner that made it (the `pv.kubernetes.io/provisioned-by`
    /// annotation, e.g. `"ebs.csi.aws.com"`), which deletes its disk under
    /// `Delete`. Absent: made by hand, and only `source` says who could.
    #[serde(default)]
    pub provisioned_by: Option<String>,
    /// The volume source of a volume made by hand: `Local` unless given
    /// for a volume on a `node`, `Csi` for any other.
    #[serde(default)]
    pub source: Option<VolumeSource>,
}

/// A PersistentVolume's source (`spec.csi`, `spec.local`, ...), which
/// decides whether anything deletes a volume made by hand.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum VolumeSource {
    /// `spec.csi`: a CSI driver's volume (a cloud disk).
    Csi,
    /// `spec.local`: a disk of one node.
    Local,
    /// `spec.nfs`: an NFS export.
    Nfs,
    /// `spec.hostPath` with its path.
    HostPath(String),
    /// The source of another in-tree plugin, by its field's name
    /// (`iscsi`, `fc`, `rbd`, `cephfs`, `glusterfs`, `flexVolume`, ...):
    /// none of them deletes a disk or attaches through a VolumeAttachment.
    InTree(String),
}

/// `spec.claimRef`: the claim a volume is bound or kept for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "ClaimRef", deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimRef {
    pub name: String,
    /// The uid of the claim it was bound to; a claim of the same name but
    /// another uid does not get the volume.
    #[serde(default)]
    pub uid: Option<String>,
}

/// A PersistentVolumeClaim that exists from the start.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename = "PersistentVolumeClaim", deny_unknown_fields, rename_all = "camelCase")]
pub struct PersistentVolumeClaim {
    pub name: String,
    #[serde(default)]
    pub uid: Option<String>,
    pub storage: String,
    /// Absent: the default class; `""`: no class (static volumes only).
    #[serde(default)]
    pub storage_class_name: Option<String>,
    #[serde(default)]
    pub access_modes: Option<Vec<AccessMode>>,
    #[serde(default)]
    pub labels: Option<RawLabels>,
    /// The volume it asks for by name.
    #[serde(default)]
    pub volume_name: Option<String>,
}
