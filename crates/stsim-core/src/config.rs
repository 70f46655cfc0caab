//! The validated configuration of a run: plain data, no strings to parse.
//!
//! Owns the contract between the scenario format and the engine. Everything
//! here is already checked: durations are [`SimDuration`]s, quantities are
//! integers in base units, names given in the timeline are resolved to the
//! index of what they name, and every default is filled in. `stsim-scenario`
//! builds a `Config` from a file; tests and benches may build one in code.
//! The engine never sees unvalidated input.

use crate::time::{SimDuration, SimTime};

/// Labels and selectors: ordered, so iteration is deterministic.
pub use crate::label_map::Labels;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub name: String,
    /// What the scenario teaches, from its file (may be empty).
    pub description: String,
    pub seed: u64,
    /// The horizon: the run stops here unless a `Stop` action stops it earlier.
    pub duration: SimDuration,
    pub namespace: String,
    /// The cluster DNS domain (`cluster.local` by default).
    pub cluster_domain: String,
    /// How cluster DNS caches answers (CoreDNS `cache`, the `kubernetes` plugin's `ttl`).
    pub dns: DnsConfig,
    pub cluster: ClusterConfig,
    /// How each image behaves when run; images not listed use `default_image`.
    pub images: Vec<ImageConfig>,
    pub default_image: ImageBehaviour,
    pub services: Vec<ServiceConfig>,
    pub statefulsets: Vec<StatefulSetConfig>,
    /// PodDisruptionBudgets, honoured by evictions (`DrainNode`).
    pub pod_disruption_budgets: Vec<PodDisruptionBudgetConfig>,
    /// Sorted by time; entries at the same time keep their file order.
    pub timeline: Vec<TimelineEntry>,
    pub timings: Timings,
    /// The Kubernetes release whose behaviour is modelled where releases differ.
    pub kubernetes: crate::features::Version,
    /// Behaviours switched on or off, from the version and the scenario's feature gates.
    pub features: crate::features::Features,
    /// What must hold when the run is over; `stsim test` checks them.
    pub expect: Vec<ExpectEntry>,
    /// Actions that run when something happens, rather than at a time.
    pub triggers: Vec<TriggerEntry>,
    /// Operator logic run alongside the cluster's controllers.
    pub operators: Vec<OperatorConfig>,
    /// Custom resource kinds, as CustomResourceDefinitions declare them.
    pub custom_kinds: Vec<crate::kube::custom::CustomKind>,
    /// Custom resources that exist from the start.
    pub custom_resources: Vec<crate::kube::custom::NewCustom>,
    /// PersistentVolumes that exist from the start (static provisioning,
    /// or volumes left by an earlier install).
    pub persistent_volumes: Vec<PersistentVolumeConfig>,
    /// PersistentVolumeClaims that exist from the start; a StatefulSet's
    /// pod uses the claim named after its template and ordinal if it exists.
    pub persistent_volume_claims: Vec<PersistentVolumeClaimConfig>,
}

/// A PersistentVolume that exists from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistentVolumeConfig {
    pub name: String,
    pub capacity_bytes: u64,
    /// `spec.storageClassName`; empty for a volume of no class, which only
    /// claims of no class bind. It may name a class the cluster does not
    /// have: such a volume is not priced.
    pub storage_class_name: String,
    pub reclaim_policy: ReclaimPolicy,
    pub access_modes: Vec<AccessMode>,
    /// The zone of its node affinity (`topology.kubernetes.io/zone`).
    pub zone: Option<String>,
    /// A regional volume's other zones: its node affinity names `zone`
    /// and these, and a node in any of them may use it.
    pub other_zones: Vec<String>,
    /// The node of its node affinity (`kubernetes.io/hostname`): a local disk.
    pub node: Option<String>,
    /// `spec.claimRef`: the claim it is bound or reserved to.
    pub claim_ref: Option<ClaimRefConfig>,
    /// Who made it: a provisioner, or someone by hand with which source.
    pub origin: crate::objects::PvOrigin,
    /// `spec.hostPath.path`, for a hostPath volume (made by hand or by a
    /// provisioner).
    pub host_path: Option<String>,
}

/// A volume's `spec.claimRef`: a claim's name, and its uid once bound.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRefConfig {
    pub name: String,
    pub uid: Option<String>,
}

/// A PersistentVolumeClaim that exists from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistentVolumeClaimConfig {
    pub name: String,
    /// `metadata.uid` as written (from `kubectl get -o yaml`), matched
    /// against volumes' `claimRef.uid`.
    pub uid: Option<String>,
    pub labels: Labels,
    /// After the DefaultStorageClass admission: `None` for no class
    /// (`storageClassName: ""`, or none named and no default class).
    pub storage_class_name: Option<String>,
    pub request_bytes: u64,
    pub access_modes: Vec<AccessMode>,
    /// `spec.volumeName`: the volume it asks for by name.
    pub volume_name: Option<String>,
}

/// An operator to run, how quickly it reacts, and the faults injected into it.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorConfig {
    pub kind: OperatorKind,
    /// How long after a change the operator reconciles (its work-queue delay).
    pub reconcile_delay: SimDuration,
    pub faults: OperatorFaults,
    /// The protocol version it speaks: 1 (summaries) or 2 (Kubernetes-shaped
    /// objects, every kind's watch events, the verbs' answers).
    pub protocol: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperatorKind {
    /// Deletes claims a scale-down left behind, `after` they were left.
    PvcCleanup { after: SimDuration },
    /// A subtly wrong cleaner: deletes the claim of any pod not Ready for `after`.
    NaivePvcCleanup { after: SimDuration },
    /// Force-deletes pods terminating for `after` on a node that is not Ready.
    ForceDeleteUnreachable { after: SimDuration },
    /// Promotes a Ready replica of a primary/replica application whose
    /// primary has been lost for `after`: the one `pick` says, after the
    /// `fencing` step; with `check_every`, it also checks on its own
    /// schedule (a health check), not only when a watch event comes.
    Failover { after: SimDuration, pick: FailoverPick, fencing: Fencing, check_every: Option<SimDuration> },
    /// A program speaking the JSON-lines protocol (docs/operator-protocol.md).
    External {
        name: String,
        command: Vec<String>,
        /// How long (real time) it may take to answer before it counts as hung.
        timeout: SimDuration,
        /// The directory it runs in (the scenario file's), if known.
        workdir: Option<String>,
    },
}

/// Faults injected into an operator, each drawn from its seeded stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorFaults {
    /// Each watch event is lost with this probability, in parts per million.
    pub drop_events_ppm: u32,
    /// Only the last event per object reaches the operator: intermediate states are missed.
    pub coalesce: bool,
    /// The operator reads the cluster as it was this long ago.
    pub lag: SimDuration,
    /// With this probability (ppm), the operator restarts between two of its
    /// writes: later writes are lost, and it relists everything.
    pub restart_between_writes_ppm: u32,
    /// A one-shot crash at an exact point, as Sieve's test plans inject.
    pub crash_at: Option<CrashAt>,
    /// How long a restart takes (a pod's restart: process start and cache
    /// sync); the world moves on meanwhile.
    pub restart_time: SimDuration,
}

/// The operator crashes in its `reconcile`-th reconcile that writes
/// (counting from 1 the reconciles that answer with at least one action)
/// after `after_write` of its writes (0: before any): the rest are lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashAt {
    pub reconcile: u32,
    pub after_write: u32,
}

/// The default operator restart: the kubelet restarts the container at
/// once the first time, the process starts and its informers list again;
/// a few seconds (leader election adds the lease duration, 15 s in
/// controller-runtime, when the old leader did not release its lease).
pub const DEFAULT_RESTART_TIME: SimDuration = SimDuration::from_secs(5);

impl Default for OperatorFaults {
    fn default() -> Self {
        OperatorFaults {
            drop_events_ppm: 0,
            coalesce: false,
            lag: SimDuration::ZERO,
            restart_between_writes_ppm: 0,
            crash_at: None,
            restart_time: DEFAULT_RESTART_TIME,
        }
    }
}

/// Something that happens in the run, which a timeline entry can wait for.
/// (Named as the scenario spells them; node and app events are to come.)
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// The pod is created.
    PodCreated { pod: PodRef },
    /// The pod becomes Ready.
    PodReady { pod: PodRef },
    /// The pod stops being Ready.
    PodNotReady { pod: PodRef },
    /// The pod's object is gone.
    PodDeleted { pod: PodRef },
    /// The node's Ready condition turns Unknown or False (by index, as node actions).
    NodeNotReady { node: usize },
    /// The application of StatefulSet `app` (its config index) turns BROKEN.
    AppBroken { app: usize },
}

/// `(when: <trigger>, after: <delay>, do: <action>)`: runs once, `after`
/// the first time the trigger happens.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerEntry {
    pub trigger: Trigger,
    pub after: SimDuration,
    pub action: Action,
    /// 1-based line in the scenario file (0 if built in code).
    pub line: u32,
}

/// One expectation, with where it stands in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectEntry {
    pub expectation: Expectation,
    /// 1-based line in the scenario file (0 if built in code).
    pub line: u32,
}

/// A statement about a run that `stsim test` checks after it.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// The pod (a name, `<set>-<ordinal>`) is Running and Ready at `at`
    /// (`ready: true`), or is not (`ready: false`: missing or not Ready).
    PodReady { pod: String, at: SimTime, ready: bool },
    /// The StatefulSet's pods are created in this order (every creation, re-creations included).
    CreationOrder { statefulset: usize, pods: Vec<String> },
    /// The StatefulSet's pods are deleted in this order (graceful and forced).
    DeletionOrder { statefulset: usize, pods: Vec<String> },
    /// At the end, exactly these claims are orphaned.
    OrphanedPvcs { claims: Vec<String> },
    /// At the end, orphaned volumes cost at most this much per month.
    OrphanedCostAtMost { per_month: crate::pricing::Money },
    /// At the end, orphaned volumes cost at least this much per month.
    OrphanedCostAtLeast { per_month: crate::pricing::Money },
    /// At `at`, the DNS name resolves (`true`) or does not (`false`).
    DnsResolves { name: String, at: SimTime, resolves: bool },
    /// The report has no findings at all.
    NoFindings,
    /// The report has a finding with this id (like `rollout-stuck`).
    Finding { id: String },
    /// The report has no finding with this id.
    NoFinding { id: String },
    /// After the last timeline action, the StatefulSet reaches its desired
    /// replicas, all Running, Ready and at the update revision, within `within`.
    Settled { statefulset: usize, within: SimDuration },
    /// The application of StatefulSet `app` has this health at `at`.
    AppHealth { app: usize, at: SimTime, health: crate::apps::Health },
    /// At the end, the field at `field` (a dotted path like
    /// `status.readyReplicas` or `spec.template.spec.containers.0.image`)
    /// of object `kind`/`name` (any kind, custom ones included, as the API
    /// server serves it) equals `equals`.
    ObjectField { kind: String, name: String, field: String, equals: serde_json::Value },
    /// The application is never BROKEN.
    NeverBroken { app: usize },
    /// The application loses no acknowledged write (primary/replica): no
    /// promotion leaves writes behind, and no old primary's writes diverge.
    NoWritesLost { app: usize },
    /// Never do two members take writes at once (the `split-brain` verdict).
    NeverSplitBrain { app: usize },
    /// The application is BROKEN at some point within `within` after `after`.
    BrokenWithin { app: usize, after: SimTime, within: SimDuration },
    /// After the last timeline action, the application is HEALTHY within
    /// `within`, and stays so to the end.
    RecoveredWithin { app: usize, within: SimDuration },
    /// The pod (by name) is as described at `at`: each field given must hold.
    PodState { pod: String, at: SimTime, state: PodStateExpect },
    /// The StatefulSet's status at `at` has the fields given.
    StatefulSetStatus { statefulset: usize, at: SimTime, status: StatusExpect },
    /// The claim (by name) is as described at `at`.
    ClaimState { claim: String, at: SimTime, state: ClaimExpect },
    /// No pod of this name is created (nor re-created) from `from` to `to`, inclusive.
    PodNotCreated { pod: String, from: SimTime, to: SimTime },
    /// An update of the StatefulSet is refused, with a message containing `message`.
    UpdateRefused { statefulset: usize, message: String },
    /// A client looking `name` up at `at` through the cluster DNS cache gets
    /// an answer (`resolves`), and, if `ip` is given, that address among
    /// its answers; if `answers` is given, exactly those (in any order:
    /// addresses, or `<target>:<port>` for an SRV name).
    DnsAnswer { name: String, at: SimTime, resolves: bool, ip: Option<String>, answers: Option<Vec<String>> },
}

/// What `PodState` checks; `None` fields are not checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodStateExpect {
    /// Whether a pod object of that name exists.
    pub exists: Option<bool>,
    /// `status.phase`: `Pending`, `Running`, `Succeeded` or `Failed`.
    pub phase: Option<String>,
    /// The Ready condition.
    pub ready: Option<bool>,
    /// `spec.nodeName`; `""` means not scheduled.
    pub node: Option<String>,
    /// The zone of its node.
    pub zone: Option<String>,
    /// `status.podIP`; `""` means none.
    pub ip: Option<String>,
    pub image: Option<String>,
    /// Its `controller-revision-hash` label.
    pub revision: Option<String>,
    /// Whether its revision is its StatefulSet's `updateRevision` at that time.
    pub updated: Option<bool>,
    /// The container's restart count.
    pub restarts: Option<u32>,
    /// Its controller: `StatefulSet/<name>`, or `""` for none (an orphan).
    pub owner: Option<String>,
}

/// What `StatefulSetStatus` checks; `None` fields are not checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusExpect {
    pub replicas: Option<u32>,
    pub ready_replicas: Option<u32>,
    pub available_replicas: Option<u32>,
    pub current_replicas: Option<u32>,
    pub updated_replicas: Option<u32>,
    /// Whether `currentRevision == updateRevision`.
    pub current_is_update_revision: Option<bool>,
}

/// What `ClaimState` checks; `None` fields are not checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimExpect {
    pub exists: Option<bool>,
    /// Whether it is Bound (to a volume).
    pub bound: Option<bool>,
    /// The name of the volume it is bound to.
    pub volume: Option<String>,
    /// Its owner references, as `StatefulSet/web` or `Pod/web-0`, in order.
    pub owners: Option<Vec<String>>,
    /// Whether it has a deletion timestamp (held by pvc-protection).
    pub terminating: Option<bool>,
    /// The size of its volume, in bytes (after any expansion).
    pub capacity: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    pub zones: Vec<String>,
    /// Random node crashes and repairs, if the scenario declares them.
    pub node_failures: Option<NodeFailureConfig>,
    /// Whole zones lost at random, if the scenario declares it.
    pub zone_outages: Option<ZoneOutageConfig>,
    /// Failure domains of other topology keys (racks, rows, power feeds)
    /// lost at random, one process per key.
    pub domain_outages: Vec<DomainOutageConfig>,
    pub node_pools: Vec<NodePoolConfig>,
    pub storage_classes: Vec<StorageClassConfig>,
}

/// The kubelet's default `maxPods`: the pods a node takes when its
/// configuration does not say.
pub const DEFAULT_MAX_PODS: u32 = 110;

#[derive(Debug, Clone, PartialEq)]
pub struct NodePoolConfig {
    pub name: String,
    /// Nodes are named `<pool>-<n>` from 1 and spread round-robin over the zones.
    pub count: u32,
    /// The first nodes' own names, if given (a cluster read from Node
    /// objects); the others, and nodes added later, are `<pool>-<n>`.
    pub names: Vec<String>,
    /// Allocatable CPU in millicores.
    pub cpu_millis: u64,
    /// Allocatable memory in bytes.
    pub memory_bytes: u64,
    /// Allocatable pod count (kubelet `maxPods`, [`DEFAULT_MAX_PODS`] by default).
    pub max_pods: u32,
    /// The zones this pool's nodes are spread over, round-robin; empty
    /// means every zone of the cluster.
    pub zones: Vec<String>,
    /// Taints every node of the pool carries from the start.
    pub taints: Vec<Taint>,
    pub labels: Labels,
    /// Racks per zone its nodes are spread over, round-robin within each
    /// zone (0: none); a node's rack is the value of `rack_label`.
    pub racks: u32,
    /// The node label that names a node's rack (`DEFAULT_RACK_LABEL` unless set).
    pub rack_label: String,
    /// This pool's random failures, instead of the cluster's.
    pub failures: Option<NodeFailureConfig>,
    /// A node-pool upgrade rolling through the nodes on a schedule.
    pub maintenance: Option<MaintenanceConfig>,
    /// The kubelet's graceful node shutdown settings on the pool's nodes.
    pub shutdown: ShutdownGrace,
    /// How many volumes of each CSI driver one node can attach, as the
    /// driver reports it (`CSINode.spec.drivers[].allocatable.count`), by
    /// driver name; a driver not listed has no limit. The scheduler's
    /// NodeVolumeLimits filter keeps to it.
    pub volume_attach_limits: std::collections::BTreeMap<String, u32>,
    /// Images on the pool's nodes from the start (baked into the machine
    /// image, or pre-pulled): a container of one starts without downloading
    /// it (`Always` still asks the registry), and `Never` finds it.
    pub preloaded_images: std::collections::BTreeSet<String>,
}

/// The kubelet's graceful node shutdown (`shutdownGracePeriod`,
/// `shutdownGracePeriodCriticalPods`, KubeletConfiguration). Both are 0 by
/// default, which turns the feature off: a shutdown then stops the pods
/// with the machine, as a crash does. Otherwise the kubelet first stops
/// the regular pods within `total - critical`, then the critical ones
/// within `critical` (pkg/kubelet/nodeshutdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownGrace {
    pub total: SimDuration,
    pub critical: SimDuration,
}

impl ShutdownGrace {
    /// Whether the kubelet handles a shutdown at all.
    pub fn enabled(self) -> bool {
        !self.total.is_zero()
    }
    /// The time the regular pods get: `total - critical`.
    pub fn regular(self) -> SimDuration {
        SimDuration::from_millis(self.total.as_millis().saturating_sub(self.critical.as_millis()))
    }
}

/// Where one of the nodes that exist from the start is: its pool (index),
/// its number in the pool (from 0), its zone and its rack in that zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement<'a> {
    pub pool: usize,
    pub n: u32,
    pub zone: &'a str,
    pub rack: Option<u32>,
}

impl ClusterConfig {
    /// The nodes that exist from the start, in id order: each pool's in
    /// turn. A pool that lists no zones continues the cluster-wide
    /// round-robin over the zones of the pools before it; one that lists
    /// zones spreads over those alone. Within a zone, a pool with racks
    /// puts its nodes in the zone's racks round-robin.
    pub fn placements(&self) -> Vec<Placement<'_>> {
        let mut out = Vec::new();
        let mut node_index = 0usize;
        for (pool_index, pool) in self.node_pools.iter().enumerate() {
            let mut in_zone: std::collections::BTreeMap<&str, u32> = Default::default();
            for n in 0..pool.count {
                let zone = match pool.zones.is_empty() {
                    true => self.zones[node_index % self.zones.len()].as_str(),
                    false => pool.zones[n as usize % pool.zones.len()].as_str(),
                };
                let seen = in_zone.entry(zone).or_default();
                let rack = (pool.racks > 0).then_some(*seen % pool.racks.max(1));
                *seen += 1;
                out.push(Placement { pool: pool_index, n, zone, rack });
                node_index += 1;
            }
        }
        out
    }
}

impl NodePoolConfig {
    /// The labels of a node of this pool: the pool's, `kubernetes.io/hostname`,
    /// `topology.kubernetes.io/zone`, and its rack's when it has one. The
    /// kubelet registers every node with `kubernetes.io/os` and
    /// `kubernetes.io/arch` (`InitialNode`, pkg/kubelet/nodestatus): a Linux
    /// amd64 machine unless the pool's labels say otherwise, as
    /// `--node-labels` (applied after them) may.
    pub fn node_labels(&self, name: &str, zone: &str, rack: Option<u32>) -> Labels {
        let mut labels = self.labels.clone();
        for (key, value) in [(crate::objects::labels::OS, "linux"), (crate::objects::labels::ARCH, "amd64")] {
            if !labels.contains_key(key) {
                labels.insert(key.to_string(), value.to_string());
            }
        }
        labels.insert(crate::objects::labels::HOSTNAME.to_string(), name.to_string());
        labels.insert(crate::objects::labels::ZONE.to_string(), zone.to_string());
        if let Some(rack) = rack {
            labels.insert(self.rack_label.clone(), rack_value(zone, rack));
        }
        labels
    }
}

/// Scheduled maintenance of a pool: an in-place reboot of each node, as
/// kured does (`--drain-timeout`, `--force-reboot`). From `start`, every
/// `every`, its nodes one at a time in name order are drained (evictions
/// respect PodDisruptionBudgets; at `drain_timeout` the drain is aborted
/// and evicts nothing more), rebooted for `downtime` with whatever pods
/// are left on them, and uncordoned. Managed upgrades that re-create nodes
/// are not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceConfig {
    pub start: SimDuration,
    pub every: SimDuration,
    pub downtime: SimDuration,
    pub drain_timeout: SimDuration,
}

/// Random node failures: each node fails after an exponentially
/// distributed time with the given mean, and comes back after a time to
/// repair, drawn from the seeded `node-failures` stream. A failure is a
/// crash, a partition or a reboot, by the weights of `mix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeFailureConfig {
    pub mean_time_between_failures: SimDuration,
    pub mean_time_to_repair: SimDuration,
    pub mix: FailureMix,
    /// How the time to repair a crash or a partition is distributed.
    pub repair: RepairDistribution,
    /// How long a reboot keeps the machine down.
    pub reboot_time: SimDuration,
}

impl NodeFailureConfig {
    /// Crashes only, exponential times to repair (the original process).
    pub fn crashes(mean_time_between_failures: SimDuration, mean_time_to_repair: SimDuration) -> Self {
        NodeFailureConfig {
            mean_time_between_failures,
            mean_time_to_repair,
            mix: FailureMix { crash: 1, partition: 0, reboot: 0 },
            repair: RepairDistribution::Exponential,
            reboot_time: SimDuration::from_secs(120),
        }
    }
}

/// Relative weights of the kinds of failure; at least one is positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureMix {
    /// The machine stops: its containers are gone, its kubelet is silent.
    pub crash: u32,
    /// The machine is cut off from the control plane; its containers run on.
    pub partition: u32,
    /// The machine stops for `reboot_time`, then boots.
    pub reboot: u32,
}

/// The distribution of times to repair, with the configured mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairDistribution {
    Exponential,
    /// Always the mean.
    Fixed,
    /// Log-normal with this shape (sigma, in thousandths): a long tail of slow repairs.
    LogNormal {
        sigma_milli: u32,
    },
}

/// Random outages of whole zones: each zone loses every node at once after
/// an exponentially distributed time, for an exponentially distributed
/// duration, drawn from the seeded `zone-outages` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneOutageConfig {
    pub mean_time_between: SimDuration,
    pub mean_duration: SimDuration,
    /// The zone's machines are cut off (true) or stop (false).
    pub partition: bool,
}

/// Random outages of the failure domains of one topology key: a domain is
/// the set of live nodes whose label `topology_key` has one value (a rack,
/// a row, a power feed). Each domain loses every node at once after an
/// exponentially distributed time, for an exponentially distributed
/// duration, drawn from the seeded `domain-outages/<topology_key>` stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainOutageConfig {
    pub topology_key: String,
    pub mean_time_between: SimDuration,
    pub mean_duration: SimDuration,
    /// The domain's machines are cut off together (true) or stop (false).
    pub partition: bool,
}

/// The label key `racks` writes when a pool names none. Kubernetes defines
/// no rack label: topology beyond region and zone is arbitrary (KEP-1659,
/// "Standard Topology Labels"), and keys under `kubernetes.io` are reserved
/// for Kubernetes itself, so `topology.kubernetes.io/rack` would be a key
/// Kubernetes may one day define otherwise. Rook (and OpenShift Data
/// Foundation, built on it) reads `topology.rook.io/rack` from nodes to
/// place Ceph's replicas across racks, the most widely deployed rack label.
pub const DEFAULT_RACK_LABEL: &str = "topology.rook.io/rack";

/// The value of the rack label of rack `rack` (from 0) of a zone: racks sit
/// inside zones, so the zone's name is part of it (`us-east-1a-rack-1`),
/// and no two zones share a rack.
pub fn rack_value(zone: &str, rack: u32) -> String {
    format!("{zone}-rack-{}", u64::from(rack) + 1)
}

/// What a taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum TaintEffect {
    /// New pods are not scheduled onto the node.
    NoSchedule,
    /// The scheduler avoids the node when it can.
    PreferNoSchedule,
    /// Running pods are evicted, and new ones are not scheduled.
    NoExecute,
}

impl TaintEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// A node taint, `key=value:Effect`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

impl Taint {
    /// The pieces of the text form, in order: `key`, `=` (none without a
    /// value), `value`, `:`, `Effect`.
    pub fn pieces(&self) -> [&str; 5] {
        let equals = if self.value.is_empty() { "" } else { "=" };
        [&self.key, equals, &self.value, ":", self.effect.as_str()]
    }
}

impl std::fmt::Display for Taint {
    /// As `kubectl describe node` prints it: `key=value:Effect`, or `key:Effect`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pieces().iter().try_for_each(|piece| f.write_str(piece))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

/// A pod's toleration of taints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Toleration {
    /// Empty with `Exists` tolerates every key.
    pub key: String,
    pub operator: TolerationOperator,
    pub value: String,
    /// `None` tolerates every effect.
    pub effect: Option<TaintEffect>,
    /// For `NoExecute`: how long the pod stays bound after the taint
    /// appears; `None` is forever.
    pub toleration_seconds: Option<u64>,
}

impl Toleration {
    /// `ToleratesTaint` (k/api `core/v1/toleration.go`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|effect| effect != taint.effect) {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Equal => self.value == taint.value,
            TolerationOperator::Exists => true,
        }
    }
}

/// `nodeSelectorTerms[].matchExpressions[].operator`. `Gt` and `Lt`
/// compare the label as an integer, and only node selectors have them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    pub values: Vec<String>,
}

impl NodeSelectorRequirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            NodeSelectorOperator::In => value.is_some_and(|v| self.values.contains(v)),
            NodeSelectorOperator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            NodeSelectorOperator::Exists => value.is_some(),
            NodeSelectorOperator::DoesNotExist => value.is_none(),
            // labels.Requirement: both sides parse as base-10 int64, else
            // no match (a bound that is no integer fails the whole term in
            // the scheduler's parse; it matches nothing either way).
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
                let bound = self.values.first().and_then(|v| v.parse::<i64>().ok());
                match (value.and_then(|v| v.parse::<i64>().ok()), bound) {
                    (Some(v), Some(b)) if self.operator == NodeSelectorOperator::Gt => v > b,
                    (Some(v), Some(b)) => v < b,
                    _ => false,
                }
            }
        }
    }
}

/// A label selector, as StatefulSets, PodDisruptionBudgets and pod
/// (anti-)affinity terms write it: `matchLabels` and `matchExpressions`,
/// all of which must hold (`LabelSelectorAsSelector` in apimachinery). The
/// expressions use the same four operators as node selector requirements.
/// An empty selector matches every pod.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LabelSelector {
    pub match_labels: Labels,
    pub match_expressions: Vec<NodeSelectorRequirement>,
}

impl LabelSelector {
    /// A selector of `matchLabels` alone.
    pub fn from_labels(match_labels: Labels) -> LabelSelector {
        LabelSelector { match_labels, match_expressions: Vec::new() }
    }
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// One node selector term: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// `matchFields`: the node's `metadata.name` (the only field) `In` or
    /// `NotIn` one value.
    pub match_fields: Vec<NodeSelectorRequirement>,
}

impl NodeSelectorTerm {
    /// Whether the node named `name` with `labels` meets every requirement.
    /// An empty term matches no node, as in Kubernetes (component-helpers'
    /// `nodeSelectorTerm.match`).
    pub fn matches(&self, name: &str, labels: &Labels) -> bool {
        let field = |r: &NodeSelectorRequirement| {
            let is = r.values.first().is_some_and(|v| v == name);
            match r.operator {
                NodeSelectorOperator::In => is,
                NodeSelectorOperator::NotIn => !is,
                _ => false,
            }
        };
        !(self.match_expressions.is_empty() && self.match_fields.is_empty())
            && self.match_expressions.iter().all(|r| r.matches(labels))
            && self.match_fields.iter().all(field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PreferredSchedulingTerm {
    /// 1 to 100.
    pub weight: u32,
    pub preference: NodeSelectorTerm,
}

/// A pod (anti-)affinity term: pods matching `label_selector` in the same
/// domain of `topology_key` (a node label, like `kubernetes.io/hostname`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodAffinityTerm {
    pub label_selector: LabelSelector,
    pub topology_key: String,
}

impl PodAffinityTerm {
    pub fn selects(&self, labels: &Labels) -> bool {
        self.label_selector.matches(labels)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WeightedPodAffinityTerm {
    /// 1 to 100.
    pub weight: u32,
    pub term: PodAffinityTerm,
}

/// `affinity` of a pod template: node affinity, pod affinity and pod anti-affinity.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Affinity {
    /// `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`:
    /// one must match. Empty means no requirement.
    pub node_required: Vec<NodeSelectorTerm>,
    /// `nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`.
    pub node_preferred: Vec<PreferredSchedulingTerm>,
    /// `podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`.
    pub anti_required: Vec<PodAffinityTerm>,
    /// `podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution`.
    pub anti_preferred: Vec<WeightedPodAffinityTerm>,
    /// `podAffinity.requiredDuringSchedulingIgnoredDuringExecution`.
    pub affinity_required: Vec<PodAffinityTerm>,
    /// `podAffinity.preferredDuringSchedulingIgnoredDuringExecution`.
    pub affinity_preferred: Vec<WeightedPodAffinityTerm>,
}

impl Affinity {
    pub fn is_empty(&self) -> bool {
        self.node_required.is_empty()
            && self.node_preferred.is_empty()
            && self.anti_required.is_empty()
            && self.anti_preferred.is_empty()
            && self.affinity_required.is_empty()
            && self.affinity_preferred.is_empty()
    }
    /// Whether the pod has inter-pod terms of either kind.
    pub fn has_pod_terms(&self) -> bool {
        !(self.anti_required.is_empty()
            && self.anti_preferred.is_empty()
            && self.affinity_required.is_empty()
            && self.affinity_preferred.is_empty())
    }
}

/// Written by hand so that a template without pod affinity prints (and so
/// hashes into its revision name) exactly as before pod affinity existed.
impl std::fmt::Debug for Affinity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Affinity");
        s.field("node_required", &self.node_required)
            .field("node_preferred", &self.node_preferred)
            .field("anti_required", &self.anti_required)
            .field("anti_preferred", &self.anti_preferred);
        if !self.affinity_required.is_empty() {
            s.field("affinity_required", &self.affinity_required);
        }
        if !self.affinity_preferred.is_empty() {
            s.field("affinity_preferred", &self.affinity_preferred);
        }
        s.finish()
    }
}

/// `topologySpreadConstraints[].whenUnsatisfiable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum WhenUnsatisfiable {
    /// A hard constraint: the scheduler's PodTopologySpread filter refuses
    /// a node that would make the skew exceed `maxSkew`.
    DoNotSchedule,
    /// A soft one: only scored, never refuses a node.
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` and `nodeTaintsPolicy` of a spread constraint:
/// whether a node the pod could not run on still counts as a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum NodeInclusionPolicy {
    /// Only nodes that pass (the pod's node affinity and selector, or its
    /// tolerations of the node's taints) are counted.
    Honor,
    /// Every node is counted.
    Ignore,
}

/// One of a pod's `topologySpreadConstraints` (core/v1
/// `TopologySpreadConstraint`), with the API server's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopologySpreadConstraint {
    /// At least 1.
    pub max_skew: u32,
    /// A node label: each of its values is a domain.
    pub topology_key: String,
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// The pods counted. `None` (no `labelSelector`) counts no pod.
    pub label_selector: Option<LabelSelector>,
    /// With `DoNotSchedule` only: while fewer domains than this exist, the
    /// global minimum is taken as 0.
    pub min_domains: Option<u32>,
    /// Defaults to `Honor`.
    pub node_affinity_policy: NodeInclusionPolicy,
    /// Defaults to `Ignore`.
    pub node_taints_policy: NodeInclusionPolicy,
    /// Label keys whose values, taken from the incoming pod, are added to
    /// the selector (a key the pod does not carry is left out).
    pub match_label_keys: Vec<String>,
}

impl TopologySpreadConstraint {
    /// The selector the scheduler counts with for `pod_labels`: the
    /// `labelSelector` and the pod's values of `matchLabelKeys`
    /// (`mergeLabelSetWithSelector`); `None` counts no pod.
    pub fn selector_for(&self, pod_labels: &Labels) -> Option<LabelSelector> {
        let mut selector = self.label_selector.clone()?;
        for key in &self.match_label_keys {
            if let Some(value) = pod_labels.get(key) {
                selector.match_labels.insert(key.clone(), value.clone());
            }
        }
        Some(selector)
    }
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq)]
pub struct PodDisruptionBudgetConfig {
    pub name: String,
    pub selector: LabelSelector,
    pub budget: DisruptionBudget,
    /// `spec.unhealthyPodEvictionPolicy`.
    pub unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy,
}

/// When a PodDisruptionBudget lets a running pod that is not Ready be
/// evicted (`spec.unhealthyPodEvictionPolicy`, KEP-3017).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum UnhealthyPodEvictionPolicy {
    /// Only while the budget holds (current healthy at least desired
    /// healthy, which is more than 0): the default.
    #[default]
    IfHealthyBudget,
    /// Always: a pod that is not Ready does not count towards the budget.
    AlwaysAllow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DisruptionBudget {
    MinAvailable(IntOrPercent),
    MaxUnavailable(IntOrPercent),
}

impl std::fmt::Display for DisruptionBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DisruptionBudget::MinAvailable(v) => write!(f, "minAvailable: {v}"),
            DisruptionBudget::MaxUnavailable(v) => write!(f, "maxUnavailable: {v}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum VolumeBindingMode {
    /// Provision and bind as soon as the claim exists (the API default).
    Immediate,
    /// Provision in the zone of the node chosen for the first pod using the claim.
    WaitForFirstConsumer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ReclaimPolicy {
    Delete,
    Retain,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageClassConfig {
    pub name: String,
    pub provisioner: String,
    pub binding_mode: VolumeBindingMode,
    pub reclaim_policy: ReclaimPolicy,
    /// Whether volumes live in one zone (block storage like EBS or PD) and pin pods to it.
    pub zonal: bool,
    /// Whether volumes are regional: replicated in two zones (GCE PD's
    /// `replication-type: regional-pd`), the pod's node's and the next
    /// zone by name that has nodes; a pod may use one from either.
    pub regional: bool,
    /// How volumes of the class are billed: worked out from `price_preset`
    /// (else the provisioner's usual class), `price_per_gib`, and whether
    /// the volumes are regional or a node's own disk.
    pub pricing: crate::pricing::Pricing,
    /// The price preset the class names, as written (a scenario's
    /// `pricing`, a manifest's disk type or `stsim.io/pricing`), if it
    /// names one; `None` for the provisioner's usual class.
    pub price_preset: Option<String>,
    /// The per-GiB monthly price written for the class (`usdPerGibMonth`,
    /// a manifest's `stsim.io/usd-per-gib-month`), which replaces the
    /// preset's, if one is written.
    pub price_per_gib: Option<crate::pricing::Money>,
    /// Provisioned IOPS per volume (the `iops` parameter), if set.
    pub iops: Option<u64>,
    /// Provisioned IOPS per GiB (io1/io2's `iopsPerGB`), if set.
    pub iops_per_gib: Option<u64>,
    /// Provisioned throughput per volume in MiB/s, if set.
    pub throughput_mibps: Option<u64>,
    /// Whether volumes are disks of one node (local PVs): they are never
    /// attached or detached, and pin their pod to that node forever.
    pub local: bool,
    /// Whether the cluster's default class (used by claims that name none).
    pub is_default: bool,
    /// `allowVolumeExpansion`: whether its claims may be resized.
    pub allow_volume_expansion: bool,
    /// A class the scenario takes the cluster to have rather than one it
    /// defines: the default `gp3` of a scenario that lists no classes, and
    /// the classes a manifest story makes up (`assumed: true`). Simulated
    /// as any other; not exported (`stsim export`), as a real cluster has
    /// classes of its own.
    pub assumed: bool,
    /// `allowedTopologies`: the node labels its volumes may be made under,
    /// terms that are alternatives (empty: anywhere).
    pub allowed_topologies: Vec<TopologyTerm>,
}

/// One term of a StorageClass's `allowedTopologies`: every requirement
/// holds (`TopologySelectorTerm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyTerm {
    /// `matchLabelExpressions`: the label `key` has one of `values`.
    pub requirements: Vec<(String, Vec<String>)>,
}

/// The zone keys a node's zone answers to in a class's `allowedTopologies`:
/// the well-known label, its deprecated beta form, and the topology key
/// each cloud disk's CSI node plugin reports for its node (EBS's, GCE
/// PD's, Azure Disk's), whose value is the node's zone.
pub const ZONE_TOPOLOGY_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.ebs.csi.aws.com/zone",
    "topology.gke.io/zone",
    "topology.disk.csi.azure.com/zone",
];

/// `MatchTopologySelectorTerms` (pkg/apis/core/v1/helper): no term allows
/// every node; else a node whose labels meet every requirement of some
/// term (a term without requirements meets none). `label` reads a node's
/// label by key.
pub fn topology_allows<'a>(terms: &[TopologyTerm], label: impl Fn(&str) -> Option<&'a str>) -> bool {
    terms.is_empty()
        || terms.iter().any(|term| {
            !term.requirements.is_empty()
                && term
                    .requirements
                    .iter()
                    .all(|(key, values)| label(key).is_some_and(|v| values.iter().any(|w| w == v)))
        })
}

/// The zones a class's `allowedTopologies` names, all terms together
/// (external-provisioner's `flatten`), sorted and without repeats; `None`
/// if no term names a zone.
pub fn topology_zones(terms: &[TopologyTerm]) -> Option<Vec<&str>> {
    let mut zones: Vec<&str> = (terms.iter())
        .flat_map(|term| term.requirements.iter())
        .filter(|(key, _)| ZONE_TOPOLOGY_KEYS.contains(&key.as_str()))
        .flat_map(|(_, values)| values.iter().map(String::as_str))
        .collect();
    zones.sort_unstable();
    zones.dedup();
    (!zones.is_empty()).then_some(zones)
}

/// One of a Service's `spec.ports`. Ports are TCP here (the Service's
/// default protocol).
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    /// `targetPort`: where the endpoints take the traffic, and the port an
    /// endpoint lists (what a headless Service's SRV records give). The
    /// API server defaults it to `port`.
    pub target_port: TargetPort,
}

impl ServicePort {
    /// A port whose `targetPort` is its own number (the default).
    pub fn new(name: impl Into<String>, port: u16) -> ServicePort {
        ServicePort { name: name.into(), port, target_port: TargetPort::Number(port) }
    }
}

/// A Service port's `targetPort` (an IntOrString).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPort {
    Number(u16),
    /// The name of a container port of each endpoint's pod (`ports[].name`).
    Name(String),
}

impl TargetPort {
    /// The port a pod's endpoint lists for it (`FindPort`, in
    /// pkg/api/v1/pod/util.go and the EndpointSlice controller's copy): a
    /// number as it is; a name, the first of the pod's regular containers'
    /// ports so named with the Service port's protocol (TCP), then, with
    /// `sidecars`, of its sidecars' (the EndpointSlice controller looks
    /// there from 1.33, k/k #128850, not backported). `None` when the pod
    /// has none: the controller leaves the port out of that pod's
    /// endpoint, so no SRV record of the port names the pod. `named` lists
    /// the regular containers' ports before the sidecars'.
    pub fn resolve(&self, named: &[NamedPort], sidecars: bool) -> Option<u16> {
        match self {
            TargetPort::Number(n) => Some(*n),
            TargetPort::Name(name) => named
                .iter()
                .find(|p| p.name == *name && p.protocol == Protocol::TCP && (sidecars || !p.sidecar))
                .map(|p| p.port),
        }
    }
}

impl std::fmt::Display for TargetPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetPort::Number(n) => write!(f, "{n}"),
            TargetPort::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    pub name: String,
    /// `clusterIP: None`: the service publishes one DNS record per pod.
    pub headless: bool,
    pub selector: Labels,
    pub publish_not_ready_addresses: bool,
    pub ports: Vec<ServicePort>,
    /// The Service's own `metadata.labels`: served to operators and
    /// exported; nothing in the model selects Services by them.
    pub labels: Labels,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PodManagementPolicy {
    OrderedReady,
    Parallel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum UpdateStrategy {
    /// `partition` is `updateStrategy.rollingUpdate.partition` (0 by default);
    /// `max_unavailable` is `rollingUpdate.maxUnavailable`, honoured only when
    /// the `MaxUnavailableStatefulSet` gate is on (1 if unset).
    ///
    /// `nil`: the `rollingUpdate` block is absent, as when `type:
    /// RollingUpdate` is written without it (many charts do): the API server
    /// defaults the block only when `type` is omitted (`SetDefaults_
    /// StatefulSet`). The rolling update then runs from ordinal 0, one pod
    /// at a time, but a pod lost below `status.currentReplicas` is made
    /// again at the current revision (`newVersionedStatefulSetPod`), and
    /// rolled again when its turn comes. `partition` is 0 and
    /// `max_unavailable` `None` then.
    RollingUpdate {
        partition: u32,
        max_unavailable: Option<IntOrPercent>,
        nil: bool,
    },
    OnDelete,
}

/// A count or a percentage of `spec.replicas`, as Kubernetes' `IntOrString`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// `getStatefulSetMaxUnavailable`: a percentage is rounded down, and the
    /// result is at least 1 (the API doc says "rounding up"; the code floors).
    pub fn max_unavailable(self, replicas: u32) -> u32 {
        let value = match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(p) * u64::from(replicas) / 100) as u32,
        };
        value.max(1)
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RetentionAction {
    Retain,
    Delete,
}

/// `persistentVolumeClaimRetentionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RetentionPolicy {
    pub when_deleted: RetentionAction,
    pub when_scaled: RetentionAction,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { when_deleted: RetentionAction::Retain, when_scaled: RetentionAction::Retain }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Probe {
    pub initial_delay: SimDuration,
    pub period: SimDuration,
    pub success_threshold: u32,
    pub failure_threshold: u32,
    /// The probe's own `terminationGracePeriodSeconds` (liveness and
    /// startup probes): the grace period of the kubelet's kill when it
    /// fails, instead of the pod's (`ProbeTerminationGracePeriod`, on by
    /// default from 1.22, GA in 1.28).
    pub termination_grace_period: Option<SimDuration>,
}

impl Default for Probe {
    /// Kubernetes' probe defaults: no initial delay, every 10 s, one success
    /// to pass, three failures to fail (k/api `core/v1/types.go` `Probe`).
    fn default() -> Self {
        Probe {
            initial_delay: SimDuration::ZERO,
            period: SimDuration::from_secs(10),
            success_threshold: 1,
            failure_threshold: 3,
            termination_grace_period: None,
        }
    }
}

/// The checks of a template's probes as a manifest or an operator wrote
/// them: each its one handler (`{"httpGet": {"path": "/healthz", "port":
/// 8080}}`, `exec`, `tcpSocket`, `grpc`) and its `timeoutSeconds` if given.
/// The model does not run them (whether a probe passes is the image's
/// behaviour); they are kept so that the probes are served and exported as
/// given, and a change of one is a change of the template. A scenario's
/// probes name no check: `None`, and a made-up one is served
/// (`kube::pod_template`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProbeChecks {
    pub readiness: Option<Box<serde_json::Value>>,
    pub liveness: Option<Box<serde_json::Value>>,
    pub startup: Option<Box<serde_json::Value>>,
}

impl ProbeChecks {
    pub fn is_empty(&self) -> bool {
        self.readiness.is_none() && self.liveness.is_none() && self.startup.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

impl Resources {
    /// What kube-scheduler's scoring takes a container to request of a
    /// resource it requests none of: 100m of CPU and 200 MiB of memory
    /// (pkg/scheduler/util/non_zero.go, `DefaultMilliCPURequest` and
    /// `DefaultMemoryRequest`), so that pods without requests do not all
    /// land on the node that looks emptiest.
    pub const SCORING_DEFAULTS: Resources = Resources { cpu_millis: 100, memory_bytes: 200 * 1024 * 1024 };

    /// A container's requests as written (`None`: the resource is not
    /// written, not even as `0`) as the scoring counts them: each missing
    /// one at its default (`resource.PodResourcesOptions`'
    /// `NonMissingContainerRequests`, which fills a key only where the
    /// container's request list lacks it).
    pub fn for_scoring(cpu_millis: Option<u64>, memory_bytes: Option<u64>) -> Resources {
        Resources {
            cpu_millis: cpu_millis.unwrap_or(Resources::SCORING_DEFAULTS.cpu_millis),
            memory_bytes: memory_bytes.unwrap_or(Resources::SCORING_DEFAULTS.memory_bytes),
        }
    }

    fn plus(self, other: Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.saturating_add(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
        }
    }

    fn max(self, other: Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.max(other.cpu_millis),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    /// A pod's request from its containers' (`resource.PodRequests`,
    /// k8s.io/component-helpers): the regular containers' sum plus the
    /// sidecars' (init containers that keep running), or, where larger,
    /// the init containers' peak: each regular init container beside the
    /// sidecars started before it, each sidecar beside those and itself.
    /// `inits` are in order, each with whether it is a sidecar.
    pub fn of_pod(
        containers: impl IntoIterator<Item = Resources>,
        inits: impl IntoIterator<Item = (Resources, bool)>,
    ) -> Resources {
        let mut steady = containers.into_iter().fold(Resources::default(), Resources::plus);
        let (mut sidecars, mut peak) = (Resources::default(), Resources::default());
        for (own, sidecar) in inits {
            if sidecar {
                sidecars = sidecars.plus(own);
                steady = steady.plus(own);
                peak = peak.max(sidecars);
            } else {
                peak = peak.max(own.plus(sidecars));
            }
        }
        steady.max(peak)
    }
}

/// The pod template: everything that makes a ControllerRevision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodTemplate {
    pub labels: Labels,
    /// `metadata.annotations` of a scenario's template: none at first;
    /// `kubectl rollout restart` adds `kubectl.kubernetes.io/restartedAt`.
    /// (A written template's annotations are among its `unmodelled` values.)
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub annotations: Labels,
    /// `spec.containers[0].name` as written (a manifest's, an operator's);
    /// `None` for a scenario's template, whose first container the API
    /// server serves as [`DEFAULT_CONTAINER_NAME`], and for one written
    /// with that name. See [`PodTemplate::container_name`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    pub image: String,
    pub requests: Resources,
    /// The first container's requests as kube-scheduler's scoring counts
    /// them ([`Resources::for_scoring`]); `requests` is the whole pod's as
    /// the filter counts them. Kept apart because a container that writes
    /// no request of a resource and one that writes `0` differ here only.
    #[serde(skip)]
    pub scoring_requests: Resources,
    pub readiness_probe: Option<Probe>,
    /// The liveness probe: failing `failure_threshold` times in a row, the
    /// kubelet kills the container and restarts it (with its back-off).
    pub liveness_probe: Option<Probe>,
    /// The startup probe: liveness and readiness wait for it; failing
    /// `failure_threshold` times, the container is killed and restarted.
    pub startup_probe: Option<Probe>,
    /// The probes' checks as a manifest or an operator wrote them.
    #[serde(skip_serializing_if = "ProbeChecks::is_empty")]
    pub probe_checks: ProbeChecks,
    /// `lifecycle.preStop.sleep.seconds`: the hook runs before SIGTERM, within the grace period.
    pub pre_stop: Option<SimDuration>,
    /// The init containers, run in order to completion (each pulled, then
    /// running for its image's `startup`) before the container.
    pub init_containers: Vec<InitContainer>,
    /// The `imagePullPolicy` of the containers, where written.
    #[serde(skip_serializing_if = "PullPolicies::is_empty")]
    pub pull_policies: PullPolicies,
    /// The init containers that are sidecars (`restartPolicy: Always`,
    /// Kubernetes 1.29+), by index: the next one starts once a sidecar has
    /// started, not finished, and it runs beside the container.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<usize>,
    /// The pod's other regular containers (`spec.containers[1..]`: a
    /// metrics exporter, a log shipper, a proxy), started in order after
    /// the first. Each is Ready once running (their probes are not
    /// modelled), and the pod is Ready only when all of its containers are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_containers: Vec<ExtraContainer>,
    pub termination_grace_period: SimDuration,
    /// `nodeSelector`.
    pub node_selector: Labels,
    pub affinity: Affinity,
    pub tolerations: Vec<Toleration>,
    /// `topologySpreadConstraints`: when any is given, the scheduler's
    /// system default spreading does not apply to the pod.
    pub topology_spread: Vec<TopologySpreadConstraint>,
    /// `spec.nodeName`: the pod is bound to this node at creation and never
    /// meets the scheduler; the node's kubelet admits or rejects it.
    pub node_name: Option<String>,
    /// The container's ports that take a port on the node (`hostPort`).
    pub host_ports: Vec<HostPort>,
    /// The regular containers' named ports, in the containers' order
    /// then each one's, then the sidecars' likewise: where a Service's
    /// `targetPort` by name leads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub named_ports: Vec<NamedPort>,
    /// Every port of every container, as the template has them: what the
    /// template is (part of the revision's hash: a port added, renamed or
    /// moved is a new revision, as Kubernetes hashes the whole template),
    /// and what is served and exported. `host_ports` and `named_ports`
    /// are the model's views of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    /// `priorityClassName` (see `PodTemplate::critical`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// `setHostnameAsFQDN`: the kubelet makes the pod's kernel hostname
    /// its fully qualified name (`<hostname>.<subdomain>.<namespace>.svc.
    /// <domain>`), which must fit in 64 characters or the pod's sandbox is
    /// never made (`kubelet::sandbox_hostname`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub set_hostname_as_fqdn: bool,
    /// The names of the pod's own volumes (`spec.volumes[].name`), and of
    /// those the first container mounts (`volumeMounts[].name`). A pod's
    /// volumes are these and, for a StatefulSet's, one per claim template;
    /// a mount of any other name gets the pod create refused. Not part of
    /// the revision's hash here: a written template's mounts and volumes
    /// are in `unmodelled` whole, and a scenario cannot change them.
    #[serde(skip)]
    pub volumes: Vec<String>,
    #[serde(skip)]
    pub volume_mounts: Vec<String>,
    /// The fields of a template a client wrote that stsim does not model
    /// (`env`, `command`, annotations), with their values: one
    /// `path=json` line each, sorted. Kubernetes hashes the whole template
    /// into the revision (the StatefulSet controller's `getPatch` holds
    /// `spec.template`; pkg/controller/history `HashControllerRevision` is
    /// FNV-32 of it), so a change of one of
    /// them makes a new revision and a rolling update; they are part of
    /// the template's identity here for that reason. Empty for a
    /// scenario's templates, and for a written one that sets none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unmodelled: String,
    /// The field errors the API server finds in each pod made from this
    /// template, with a pod's paths (`spec.containers[0].image: Required
    /// value`). A StatefulSet's own validation leaves its pod template's
    /// spec unchecked (`ValidatePodTemplateSpecForStatefulSet` in
    /// pkg/apis/apps/validation/validation.go: "TODO: Add validation for
    /// PodSpec"), so the set is accepted and every pod create refused with
    /// these. Empty for a valid template.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub create_errors: Vec<String>,
}

/// An init container (`spec.initContainers[i]`): its name, which its
/// status and the pod's `Initialized` condition report it by, and its image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InitContainer {
    pub name: String,
    pub image: String,
    /// A sidecar's `lifecycle.preStop.sleep.seconds` (the API server
    /// forbids hooks on the other init containers): at the pod's end the
    /// hook runs first, then the sidecar waits for its turn, within the
    /// grace period (`kubelet::sidecars::stop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<SimDuration>,
    /// A sidecar's startup probe (the API server forbids probes on the
    /// other init containers): the kubelet starts the next init container,
    /// and the regular containers, only once it passes; failing
    /// `failure_threshold` times, the sidecar is killed and started again
    /// (`computeInitContainerActions`, `kubelet::sidecars`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    /// Its startup probe's check as a manifest or an operator wrote it,
    /// kept so that the probe is served and exported as written.
    #[serde(skip)]
    pub startup_check: Option<Box<serde_json::Value>>,
    /// A sidecar's readiness probe: after each start the sidecar is not
    /// ready, and so neither is the pod, until the probe has passed
    /// `success_threshold` ticks in a row with its image up
    /// (`GenerateContainersReadyCondition` counts the sidecars; the prober
    /// runs for restartable init containers). It holds nothing else: the
    /// next init container waits only for a startup probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Its readiness probe's check as written (see `startup_check`).
    #[serde(skip)]
    pub readiness_check: Option<Box<serde_json::Value>>,
    /// A sidecar's liveness probe: failing `failure_threshold` times in a
    /// row (from when a script makes it fail), the kubelet kills the
    /// sidecar ("Init container X failed liveness probe") and starts it
    /// again with the restart back-off (`computeInitContainerActions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    /// Its liveness probe's check as written (see `startup_check`).
    #[serde(skip)]
    pub liveness_check: Option<Box<serde_json::Value>>,
    /// The names of the pod's volumes it mounts (see `PodTemplate::volumes`).
    #[serde(skip)]
    pub volume_mounts: Vec<String>,
    /// Its requests as the scoring counts them (see `PodTemplate::scoring_requests`).
    #[serde(skip)]
    pub scoring_requests: Resources,
}

/// A regular container after the first (`spec.containers[i]`, i > 0).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExtraContainer {
    pub name: String,
    pub image: String,
    /// `imagePullPolicy` as written; `None`: the default for the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<ImagePullPolicy>,
    /// The names of the pod's volumes it mounts (see `PodTemplate::volumes`).
    #[serde(skip)]
    pub volume_mounts: Vec<String>,
    /// Its requests as the scoring counts them (see `PodTemplate::scoring_requests`).
    #[serde(skip)]
    pub scoring_requests: Resources,
}

/// A container port with a name (`ports[].name`, `containerPort`,
/// `protocol`): what a Service's `targetPort` may name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NamedPort {
    pub name: String,
    pub port: u16,
    pub protocol: Protocol,
    /// The container it is of, by index in `spec.containers` (0 the
    /// first), or in `spec.initContainers` for a sidecar's: a name is
    /// unique within its container only.
    pub container: usize,
    /// A sidecar's (an init container with `restartPolicy: Always`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sidecar: bool,
}

/// One of a container's `ports` (`containerPort`, `name`, `hostPort`,
/// `protocol`), with the protocol the API server defaults (TCP).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContainerPort {
    /// The container it is of, by index in `spec.containers` (0 the
    /// first), or in `spec.initContainers` when `init`.
    pub container: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub init: bool,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    pub protocol: Protocol,
}

impl ContainerPort {
    /// The port as the API server serves it: the protocol defaulted, no
    /// `name` or `hostPort` when none was given.
    pub fn served(&self) -> serde_json::Value {
        let mut port =
            serde_json::json!({"containerPort": self.port, "protocol": format!("{:?}", self.protocol)});
        if let Some(name) = &self.name {
            port["name"] = serde_json::json!(name);
        }
        if let Some(host) = self.host_port {
            port["hostPort"] = serde_json::json!(host);
        }
        port
    }
}

/// A container port bound on the node (`ports[].hostPort`, its
/// `protocol`), on every host address (`hostIP` is not modelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct HostPort {
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    TCP,
    UDP,
    SCTP,
}

/// The built-in PriorityClasses whose pods the kubelet's graceful node
/// shutdown stops last, within `shutdownGracePeriodCriticalPods`: their
/// priority is at least system-cluster-critical's 2,000,000,000
/// (pkg/kubelet/nodeshutdown, `scheduling.SystemCriticalPriority`).
pub const CRITICAL_PRIORITY_CLASSES: [&str; 2] = ["system-node-critical", "system-cluster-critical"];

/// Whether a pod of this `priorityClassName` is critical to the kubelet.
pub fn is_critical(priority_class_name: Option<&str>) -> bool {
    priority_class_name.is_some_and(|c| CRITICAL_PRIORITY_CLASSES.contains(&c))
}

/// The first container's name where a template names none (a scenario's):
/// the name the API serves it with, `stsim events` shows and `stsim export`
/// writes.
pub const DEFAULT_CONTAINER_NAME: &str = "main";

impl PodTemplate {
    /// The first container's name (`spec.containers[0].name`).
    pub fn container_name(&self) -> &str {
        self.container_name.as_deref().unwrap_or(DEFAULT_CONTAINER_NAME)
    }

    /// The pod's requests as kube-scheduler's scoring counts them (the
    /// `NonZeroRequested` of its `NodeInfo`): every container's, each
    /// resource it writes no request of at its default, summed as
    /// [`Resources::of_pod`] sums them.
    pub fn pod_scoring_requests(&self) -> Resources {
        let containers = std::iter::once(self.scoring_requests)
            .chain(self.extra_containers.iter().map(|c| c.scoring_requests));
        let inits = (self.init_containers.iter().enumerate())
            .map(|(i, c)| (c.scoring_requests, self.sidecars.contains(&i)));
        Resources::of_pod(containers, inits)
    }

    /// A canonical text form: equal templates, equal text. Revision hashes
    /// are taken over it, so its format must not change without reason.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.labels {
            out.push_str(&format!("label {key}={value}\n"));
        }
        // Written only when set, so templates without any keep their revision names.
        for (key, value) in &self.annotations {
            out.push_str(&format!("annotation {key}={value}\n"));
        }
        // The name is part of the template Kubernetes hashes, so a renamed
        // container is a new revision; written only when not the default,
        // so scenarios' templates keep their revision names.
        if let Some(name) = &self.container_name {
            out.push_str(&format!("name {name}\n"));
        }
        out.push_str(&format!("image {}\n", self.image));
        out.push_str(&format!(
            "requests cpu={}m memory={}\n",
            self.requests.cpu_millis, self.requests.memory_bytes
        ));
        if let Some(probe) = &self.readiness_probe {
            out.push_str(&format!(
                "readiness initialDelay={} period={} success={} failure={}\n",
                probe.initial_delay.as_millis(),
                probe.period.as_millis(),
                probe.success_threshold,
                probe.failure_threshold
            ));
        }
        out.push_str(&format!("terminationGracePeriod {}\n", self.termination_grace_period.as_millis()));
        // Written only when set, so templates without one keep their revision names.
        // The names are part of the template Kubernetes hashes: a renamed
        // init container is a new revision.
        for (index, init) in self.init_containers.iter().enumerate() {
            // A sidecar's `restartPolicy: Always` too: making an init
            // container a sidecar is a new revision.
            let sidecar = if self.sidecars.contains(&index) { " restartPolicy=Always" } else { "" };
            // A hook, written only when set, so templates without keep
            // their revision names.
            let hook =
                init.pre_stop.map(|sleep| format!(" preStop={}", sleep.as_millis())).unwrap_or_default();
            // Its probes, likewise: a startup or liveness probe's timings,
            // failureThreshold and own grace period; a readiness probe's
            // timings and both thresholds.
            let written = |key: &str, probe: Option<&Probe>, success: bool| {
                probe
                    .map(|probe| {
                        let threshold =
                            if success { format!("{}/", probe.success_threshold) } else { String::new() };
                        let grace = probe.termination_grace_period.map(|g| format!("/{}", g.as_millis()));
                        format!(
                            " {key}={}/{}/{threshold}{}{}",
                            probe.initial_delay.as_millis(),
                            probe.period.as_millis(),
                            probe.failure_threshold,
                            grace.unwrap_or_default()
                        )
                    })
                    .unwrap_or_default()
            };
            let startup = written("startup", init.startup_probe.as_ref(), false);
            let readiness = written("readiness", init.readiness_probe.as_ref(), true);
            let liveness = written("liveness", init.liveness_probe.as_ref(), false);
            out.push_str(&format!(
                "init {} {}{sidecar}{hook}{startup}{readiness}{liveness}\n",
                init.name, init.image
            ));
        }
        if let Some(sleep) = self.pre_stop {
            out.push_str(&format!("preStop sleep={}\n", sleep.as_millis()));
        }
        // A probe's own grace period is written only when set, so that
        // templates without it keep their revision names.
        let grace = |probe: &Probe| {
            probe.termination_grace_period.map(|g| format!(" grace={}", g.as_millis())).unwrap_or_default()
        };
        if let Some(probe) = &self.startup_probe {
            out.push_str(&format!(
                "startup initialDelay={} period={} failure={}{}\n",
                probe.initial_delay.as_millis(),
                probe.period.as_millis(),
                probe.failure_threshold,
                grace(probe)
            ));
        }
        if let Some(probe) = &self.liveness_probe {
            out.push_str(&format!(
                "liveness initialDelay={} period={} success={} failure={}{}\n",
                probe.initial_delay.as_millis(),
                probe.period.as_millis(),
                probe.success_threshold,
                probe.failure_threshold,
                grace(probe)
            ));
        }
        // Scheduling fields are written only when set, so templates without
        // them keep the revision names they always had.
        for (key, value) in &self.node_selector {
            out.push_str(&format!("nodeSelector {key}={value}\n"));
        }
        if !self.affinity.is_empty() {
            out.push_str(&format!("affinity {:?}\n", self.affinity));
        }
        for toleration in &self.tolerations {
            out.push_str(&format!("toleration {toleration:?}\n"));
        }
        for constraint in &self.topology_spread {
            out.push_str(&format!("topologySpread {constraint:?}\n"));
        }
        if let Some(node) = &self.node_name {
            out.push_str(&format!("nodeName {node}\n"));
        }
        // Every container's ports, written only when there are any, so
        // templates without keep their revision names. (A host port is
        // one of them.)
        for port in &self.ports {
            let of = if port.init { "init" } else { "container" };
            out.push_str(&format!("port {of}={} {}/{:?}", port.container, port.port, port.protocol));
            if let Some(name) = &port.name {
                out.push_str(&format!(" name={name}"));
            }
            if let Some(host) = port.host_port {
                out.push_str(&format!(" hostPort={host}"));
            }
            out.push('\n');
        }
        if let Some(class) = &self.priority_class_name {
            out.push_str(&format!("priorityClassName {class}\n"));
        }
        if self.set_hostname_as_fqdn {
            out.push_str("setHostnameAsFQDN true\n");
        }
        // Written only when it is not the default for the image: Kubernetes
        // hashes the defaulted template, where a policy written at its
        // default and one left out are the same.
        if let Some(policy) = self.pull_policies.container
            && policy != ImagePullPolicy::default_for(&self.image)
        {
            out.push_str(&format!("imagePullPolicy {}\n", policy.as_str()));
        }
        for (&index, &policy) in &self.pull_policies.init {
            if self
                .init_containers
                .get(index)
                .is_some_and(|init| policy != ImagePullPolicy::default_for(&init.image))
            {
                out.push_str(&format!("init {index} imagePullPolicy {}\n", policy.as_str()));
            }
        }
        // Written only when there are any, so one-container templates keep
        // their revision names; a policy only where it is not the image's
        // default, as the first container's.
        for extra in &self.extra_containers {
            out.push_str(&format!("container {} {}\n", extra.name, extra.image));
            if let Some(policy) = extra.pull_policy
                && policy != ImagePullPolicy::default_for(&extra.image)
            {
                out.push_str(&format!("container {} imagePullPolicy {}\n", extra.name, policy.as_str()));
            }
        }
        for line in self.unmodelled.lines() {
            out.push_str(&format!("unmodelled {line}\n"));
        }
        // Written only when there are any: the invalid values behind them
        // are part of the template Kubernetes hashes.
        for error in &self.create_errors {
            out.push_str(&format!("invalid {error}\n"));
        }
        out
    }
}

/// JSON with every object's keys sorted, whatever order the client wrote
/// them in: the same value, the same text.
pub fn canonical_json(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeClaimTemplate {
    pub name: String,
    /// The template's `metadata.labels`: each claim made from it has them,
    /// with the set's selector's `matchLabels` over them.
    pub labels: Labels,
    pub storage_bytes: u64,
    /// The class by name; `None` uses the cluster's default class.
    pub storage_class: Option<String>,
    pub access_modes: Vec<AccessMode>,
    /// What the API server refuses in the template's spec, with a claim's
    /// paths (`spec.accessModes: Required value: at least 1 access mode is
    /// required`). Before 1.34 a StatefulSet's claim templates are not
    /// validated (k/k PR #132212 added it), so the set is accepted and each
    /// create of a claim from the template refused with these. Empty for a
    /// valid template.
    pub create_errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetSpec {
    pub replicas: u32,
    pub selector: LabelSelector,
    pub service_name: String,
    pub pod_management_policy: PodManagementPolicy,
    pub update_strategy: UpdateStrategy,
    pub revision_history_limit: u32,
    pub min_ready_seconds: u32,
    /// `ordinals.start`: the first ordinal (0 by default).
    pub ordinals_start: u32,
    pub retention: RetentionPolicy,
    pub template: PodTemplate,
    pub volume_claim_templates: Vec<VolumeClaimTemplate>,
}

impl StatefulSetSpec {
    /// What the API server keeps of a written set whose release has the
    /// fields' gates off (`dropStatefulSetDisabledFields`): a field is
    /// dropped unless the stored set (`old`, on an update) already uses it.
    /// A default value counts as unused.
    pub fn drop_disabled_fields(
        &mut self,
        features: &crate::features::Features,
        old: Option<&StatefulSetSpec>,
    ) {
        if !features.stateful_set_auto_delete_pvc
            && old.is_none_or(|o| o.retention == RetentionPolicy::default())
        {
            self.retention = RetentionPolicy::default();
        }
        if !features.stateful_set_start_ordinal && old.is_none_or(|o| o.ordinals_start == 0) {
            self.ordinals_start = 0;
        }
        // The pod template's spread fields (`dropDisabledTopologySpread
        // ConstraintsFields`, pkg/api/pod/util.go): the scheduler of such a
        // release then spreads as before them.
        let used = |f: fn(&TopologySpreadConstraint) -> bool| {
            old.is_some_and(|o| o.template.topology_spread.iter().any(f))
        };
        let spread = &mut self.template.topology_spread;
        if !features.min_domains_in_pod_topology_spread && !used(|c| c.min_domains.is_some()) {
            spread.iter_mut().for_each(|c| c.min_domains = None);
        }
        if !features.node_inclusion_policy_in_pod_topology_spread
            && !used(|c| c.node_affinity_policy != NodeInclusionPolicy::Honor)
            && !used(|c| c.node_taints_policy != NodeInclusionPolicy::Ignore)
        {
            for c in spread.iter_mut() {
                c.node_affinity_policy = NodeInclusionPolicy::Honor;
                c.node_taints_policy = NodeInclusionPolicy::Ignore;
            }
        }
        if !features.match_label_keys_in_pod_topology_spread && !used(|c| !c.match_label_keys.is_empty()) {
            spread.iter_mut().for_each(|c| c.match_label_keys.clear());
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetConfig {
    pub name: String,
    /// The clustered application the pods run, if the scenario models one.
    pub app: Option<AppConfig>,
    pub spec: StatefulSetSpec,
    /// The set's own `metadata.labels` (not its pods'): served to operators
    /// and exported; nothing in the model selects StatefulSets by them.
    pub labels: Labels,
}

/// Cluster DNS caching, as kubeadm sets CoreDNS up
/// (cmd/kubeadm/app/phases/addons/dns/manifests.go, `CoreDNSConfigMap`):
/// the `kubernetes` plugin answers with `ttl 30`, and `cache 30` caps what
/// is cached at 30 s. From 1.32 the cache leaves the cluster domain alone
/// (`disable success` and `disable denial` for it, k/k #128359), so a
/// record is seen the moment it changes; before, an answer about a pod was
/// served from the cache for up to 30 s, NXDOMAIN included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DnsConfig {
    /// TTL of the records the `kubernetes` plugin serves (`ttl`, 30 s);
    /// also its SOA's minimum, which bounds how long NXDOMAIN is cached.
    pub record_ttl: SimDuration,
    /// The cache's cap for any answer (`cache 30`).
    pub cache_max_ttl: SimDuration,
    /// Whether the cache keeps answers about the cluster domain at all
    /// (kubeadm before 1.32; a Corefile without the `disable` lines).
    pub cache_cluster_domain: bool,
    /// A cap for positive answers alone (the cache block's `success
    /// CAPACITY TTL`), if the Corefile sets one.
    pub success_max_ttl: Option<SimDuration>,
    /// Which cluster DNS serves the names (CoreDNS, as kubeadm installs it
    /// in every modelled release, unless a scenario says kube-dns).
    pub server: DnsServer,
}

/// The cluster's DNS server. They differ in the names a Service with a
/// cluster IP gives its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum DnsServer {
    /// CoreDNS's `kubernetes` plugin (kubeadm, kind, EKS, AKS): a query for
    /// `<name>.<service>...` is answered from the Service's endpoints
    /// whatever its type (`findServices`: "Endpoint query or headless
    /// service"), and the EndpointSlice controller gives an endpoint its
    /// pod's hostname whatever the type too (`ShouldSetHostname`). So the
    /// pods of a Service with a cluster IP have names as well.
    #[default]
    CoreDns,
    /// kube-dns (GKE's default), which follows the cluster DNS
    /// specification (kubernetes/dns `docs/specification.md`, 2.3): per-pod
    /// names for a headless Service only.
    KubeDns,
}

impl DnsConfig {
    /// Whether the pods of `service` have names under it (`<hostname>.
    /// <service>...`, and the dashed names of the endpoints without one).
    pub fn names_pods_of(&self, service: &crate::objects::Service) -> bool {
        service.headless || self.server == DnsServer::CoreDns
    }
}

impl Default for DnsConfig {
    /// kubeadm's from 1.32 (the default release's).
    fn default() -> Self {
        DnsConfig {
            record_ttl: SimDuration::from_secs(30),
            cache_max_ttl: SimDuration::from_secs(30),
            cache_cluster_domain: false,
            success_max_ttl: None,
            server: DnsServer::CoreDns,
        }
    }
}

impl DnsConfig {
    /// kubeadm's CoreDNS of `version`.
    pub fn for_version(version: crate::features::Version) -> DnsConfig {
        DnsConfig { cache_cluster_domain: version.minor < 32, ..DnsConfig::default() }
    }
    /// How long a positive answer is cached: the record's TTL, at least the
    /// cache's 5 s minimum and at most its cap for answers (the `success`
    /// line's TTL if the Corefile has one, which replaces `cache`'s for
    /// them); nothing when the cache leaves the cluster domain alone.
    pub fn positive_ttl(&self) -> SimDuration {
        self.cached_for(self.success_max_ttl.unwrap_or(self.cache_max_ttl))
    }
    /// How long NXDOMAIN is cached: the SOA's minimum (the plugin's `ttl`,
    /// coredns plugin/kubernetes `MinTTL`), at least 5 s and at most the
    /// cache's cap.
    pub fn negative_ttl(&self) -> SimDuration {
        self.cached_for(self.cache_max_ttl)
    }
    /// CoreDNS's `computeTTL` (plugin/cache): the answer's TTL raised to
    /// the cache's minimum (`MINTTL`, 5 s by default for answers and
    /// denials alike, `dnsutil.MinimalDefaultTTL`), then lowered to its cap:
    /// `ttl 2` is still cached 5 s, and `cache 2` caps it at 2 s.
    fn cached_for(&self, cap: SimDuration) -> SimDuration {
        const MIN_TTL: SimDuration = SimDuration::from_secs(5);
        match self.cache_cluster_domain {
            true => self.record_ttl.max(MIN_TTL).min(cap),
            false => SimDuration::ZERO,
        }
    }
}

/// How members store the addresses of their peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Addressing {
    /// By the pod's DNS name, `<pod>.<service>.<namespace>.svc.<domain>`: it
    /// keeps working while the name resolves to the member's current pod.
    Dns,
    /// By pod IP: it keeps working only while the pod keeps its IP.
    Ip,
}

/// Where a member with an empty volume looks for its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Discovery {
    /// At each peer's own name, `<pod>.<service>...`, one by one (for
    /// quorum systems: the static `--initial-cluster` of every pod name).
    Pods,
    /// At the governing Service's name, `<service>.<namespace>.svc...`,
    /// which answers the addresses of its ready endpoints only (all of
    /// them with `publishNotReadyAddresses`).
    Service,
    /// etcd's DNS discovery (`--discovery-srv <service>.<namespace>.svc.<domain>`):
    /// a member with an empty data directory takes its initial cluster from
    /// the SRV records `_etcd-server._tcp.<service>...`, once, at start.
    Srv,
}

/// When the application's readiness probe passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AppReadiness {
    /// When the process answers (the image's `startup`), joined or not.
    Process,
    /// Only once the member has joined its cluster (many charts' probes).
    Joined,
}

/// Who may initialise a new primary/replica cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Bootstrap {
    /// Any member with an empty volume that finds no primary.
    AnyMember,
    /// Only the first ordinal; others with an empty volume wait for a primary.
    OrdinalZero,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum QuorumSystem {
    Etcd,
    ZooKeeper,
}

/// Which replica a failover promotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailoverPick {
    /// The Ready replica with the lowest ordinal (whatever its position).
    #[default]
    LowestOrdinal,
    /// The Ready replica with the highest reported position (Patroni's
    /// leader race: the most up-to-date member wins), lowest ordinal on a tie.
    MostCaughtUp,
}

/// What a failover does about the old primary before it promotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fencing {
    /// Nothing: it promotes at once.
    #[default]
    None,
    /// Waits until the old primary's leader lease has expired (the key's
    /// last renewal plus the `ttl`, as the DCS shows it).
    WaitForLease,
    /// Powers the old primary's node off (STONITH) and deletes its Node
    /// object first, if the old primary is out of its reach.
    PowerOffNode,
}

/// The clustering behaviour of an application (shared/failure-modes.md section 2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum AppKind {
    /// PostgreSQL with Patroni, MySQL: one primary, replicas that follow it
    /// at the address they stored.
    PrimaryReplica { bootstrap: Bootstrap },
    /// etcd or ZooKeeper: static membership of DNS names, a majority of the
    /// members needed. `remove_on_scale_down`: a pre-stop hook removes a
    /// member from the cluster when its pod is scaled away (`etcdctl member
    /// remove`; Bitnami's chart also wipes and re-adds such a member on its
    /// next start, which is not modelled).
    Quorum { system: QuorumSystem, remove_on_scale_down: bool },
    /// Redis Cluster: slots split over masters, each with replicas; every
    /// node keeps `nodes.conf`, node ID to address, on its volume. A master
    /// unreachable for `node_timeout` is failed over to one of its replicas.
    RedisCluster { replicas_per_master: u32, node_timeout: SimDuration },
    /// Kafka in KRaft mode (controllers and brokers in the same pods): the
    /// first `controllers` ordinals are the controller quorum; each broker's
    /// `meta.properties` holds its node id and the cluster id it was
    /// formatted with. A partition has `replication_factor` replicas and
    /// takes `acks=all` writes while `min_insync_replicas` are in sync.
    /// `fixed_cluster_id`: the cluster id is set in the chart's values, so a
    /// reinstall keeps it; otherwise each install generates its own.
    Kafka { controllers: u32, replication_factor: u32, min_insync_replicas: u32, fixed_cluster_id: bool },
    /// Independent members with seeds (Cassandra): a node joins the ring of
    /// the first seed (by ordinal) it reaches; a seed that reaches none
    /// starts a ring of its own. Each token range has `replication_factor`
    /// replicas and needs a quorum of them for QUORUM reads and writes.
    Cassandra { seeds: Vec<u32>, replication_factor: u32 },
    /// Redis with Sentinel: a master and replicas, with a sentinel in every
    /// pod that records the master's (and replicas') address, IP by default
    /// or hostname with `announce-hostnames`, and fails the master over to a
    /// replica once it has been unreachable for `down_after`
    /// (`down-after-milliseconds`) and a majority of sentinels runs.
    /// `min_replicas_to_write` (`min-replicas-to-write`, 0 = off): a master
    /// takes writes only while that many replicas follow it and reach it.
    /// `pre_stop_failover`: the redis container has the Bitnami chart's
    /// preStop hook, which pauses writes and sends `SENTINEL FAILOVER` when
    /// the kubelet stops the master's container gracefully. `quorum` (the
    /// `sentinel monitor` quorum): how many sentinels must see the master
    /// down, and the fewest votes a failover's leader needs.
    RedisSentinel {
        down_after: SimDuration,
        min_replicas_to_write: u32,
        pre_stop_failover: bool,
        quorum: u32,
    },
}

impl AppKind {
    /// The kind's name as the scenario writes it.
    pub fn name(&self) -> &'static str {
        match self {
            AppKind::PrimaryReplica { .. } => "PrimaryReplica",
            AppKind::Quorum { system: QuorumSystem::Etcd, .. } => "Quorum(etcd)",
            AppKind::Quorum { system: QuorumSystem::ZooKeeper, .. } => "Quorum(ZooKeeper)",
            AppKind::RedisCluster { .. } => "RedisCluster",
            AppKind::Kafka { .. } => "Kafka",
            AppKind::Cassandra { .. } => "Cassandra",
            AppKind::RedisSentinel { .. } => "RedisSentinel",
        }
    }
}

/// A StatefulSet's clustered application: what its members store on their
/// volumes and what they need from each other.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppConfig {
    pub kind: AppKind,
    pub addressing: Addressing,
    pub readiness: AppReadiness,
    /// How long a member needs to copy its data from its peers when it joins
    /// with an empty volume, or with data older than `stale_after`.
    pub catch_up: SimDuration,
    /// Data older than this cannot be caught up from the log alone.
    pub stale_after: SimDuration,
    /// How long a cluster may take to form before the report calls it broken.
    pub form_timeout: SimDuration,
    /// Primary/replica: how long replicas keep retrying a primary they cannot
    /// reach (or the cluster goes without one) before it counts as BROKEN
    /// rather than DEGRADED: Patroni's leader key `ttl` (30 s) and the like.
    pub peer_timeout: SimDuration,
    /// Primary/replica: the writes per second clients send to the primary.
    /// An assumption (docs/databases.md): only the counts of lost writes
    /// depend on it, never a decision.
    pub write_rate: u32,
    /// Primary/replica: the leader key's time to live, Patroni's `ttl`
    /// (default 30 s, patroni.readthedocs.io dynamic_configuration): a primary
    /// cut off from the DCS keeps taking writes until `ttl` after its last renewal.
    pub lease_ttl: SimDuration,
    /// Primary/replica: how often the leader renews its key, Patroni's
    /// `loop_wait` (default 10 s, same page).
    pub lease_renew: SimDuration,
    /// Primary/replica: synchronous replication in strict mode (Patroni
    /// `synchronous_mode_strict`): the primary acknowledges a write only once
    /// a replica has it, and blocks writes while no replica receives them.
    pub synchronous: bool,
    /// Primary/replica: the primary steps down once it has reached no
    /// majority of the members for this long (a majority check, like
    /// MongoDB's primary after `electionTimeoutMillis`, 10 s); `None`: only
    /// its lease stops it.
    pub step_down_without_majority: Option<SimDuration>,
    /// Primary/replica, asynchronous: how far behind its primary a replica
    /// that receives its writes applies them. 0 by default (an assumption:
    /// "typical steady state replication delay is well under a second",
    /// Patroni's replication modes page); with more, a crashed primary's
    /// last writes never reach any replica.
    pub replication_lag: SimDuration,
    /// How often a member that cannot resolve a peer's name looks it up
    /// again (its own retry loop): each failed lookup after the cached
    /// NXDOMAIN expires caches a new one, so the negative-cache window runs
    /// from the last failed lookup. Patroni retries in its HA loop
    /// (`loop_wait`, 10 s); etcd resolves its peers' URLs again every second
    /// (pkg/netutil, `resolveTCPAddrs`); the other kinds' loops (gossip
    /// rounds, reconnects, Sentinel's timer) run about as often: 1 s.
    pub lookup_retry: SimDuration,
    /// Where a member with an empty volume looks for its peers: a
    /// primary/replica member for a primary, an etcd member for its initial cluster.
    pub discovery: Discovery,
}

impl AppConfig {
    /// An application of this kind with stsim's defaults.
    pub fn new(kind: AppKind, addressing: Addressing) -> AppConfig {
        AppConfig {
            addressing,
            readiness: AppReadiness::Process,
            catch_up: SimDuration::from_secs(30),
            stale_after: SimDuration::from_mins(5),
            form_timeout: SimDuration::from_mins(5),
            peer_timeout: SimDuration::from_secs(30),
            write_rate: 100,
            lease_ttl: SimDuration::from_secs(30),
            lease_renew: SimDuration::from_secs(10),
            synchronous: false,
            step_down_without_majority: None,
            replication_lag: SimDuration::ZERO,
            discovery: Discovery::Pods,
            lookup_retry: match kind {
                AppKind::PrimaryReplica { .. } => SimDuration::from_secs(10),
                _ => SimDuration::from_secs(1),
            },
            kind,
        }
    }
}

/// `imagePullPolicy`: when the kubelet pulls a container's image
/// (pkg/kubelet/images/image_manager.go, `shouldPullImage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum ImagePullPolicy {
    /// Every start asks the registry; layers the node has are not
    /// downloaded again, so a pull of an image the node has is a cached
    /// one, but it fails when the registry refuses the image.
    Always,
    /// Pulled only when the node does not have the image.
    IfNotPresent,
    /// Never pulled: a node without the image cannot start the container
    /// (`ErrImageNeverPull`).
    Never,
}

impl ImagePullPolicy {
    /// The API server's default for a container that sets none
    /// (`SetDefaults_Container`, pkg/apis/core/v1/defaults.go): `Always`
    /// when the image's tag is `latest`, which includes a reference with
    /// neither tag nor digest (the reference parser gives it `latest`);
    /// `IfNotPresent` otherwise, a digest without a tag included, and an
    /// image the parser cannot read (its error leaves no tag: `NGINX`, or
    /// a blank one that validation refuses after defaulting). Read by the
    /// newest release's parser: the releases differ only on upper-case
    /// registries, IPv6 ones and the length limit (`image_ref`).
    pub fn default_for(image: &str) -> ImagePullPolicy {
        if !crate::image_ref::readable(image) {
            return ImagePullPolicy::IfNotPresent;
        }
        match image_tag(image) {
            Some("latest") => ImagePullPolicy::Always,
            None if !image.contains('@') => ImagePullPolicy::Always,
            _ => ImagePullPolicy::IfNotPresent,
        }
    }

    /// The policy as written, or the API server's default for `image`.
    pub fn resolve(written: Option<ImagePullPolicy>, image: &str) -> ImagePullPolicy {
        written.unwrap_or_else(|| ImagePullPolicy::default_for(image))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// The tag of an image reference, if it has one: what follows the last
/// `:` of the last path component, before any `@digest` (`registry:5000/app`
/// has none; `registry:5000/app:1.2@sha256:...` has `1.2`).
pub fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, tag)| tag)
}

/// An image reference in the one form the container runtime stores it
/// under, so that `redis:7.2` and `docker.io/library/redis:7.2` are one
/// image: Docker Hub's domain and `library/` added where the reference
/// names no registry (distribution's `ParseNormalizedNamed`), and `latest`
/// where it has neither tag nor digest (the kubelet's `applyDefaultImageTag`).
pub fn normalized_image(image: &str) -> String {
    let (path, digest) = match image.split_once('@') {
        Some((path, digest)) => (path, Some(digest)),
        None => (image, None),
    };
    let (domain, rest) = match path.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => ("docker.io", path),
    };
    let domain = if domain == "index.docker.io" { "docker.io" } else { domain };
    let mut out = String::with_capacity(image.len() + 24);
    out.push_str(domain);
    out.push('/');
    if domain == "docker.io" && !rest.contains('/') {
        out.push_str("library/");
    }
    out.push_str(rest);
    let tagged = rest.rsplit('/').next().is_some_and(|last| last.contains(':'));
    match digest {
        Some(digest) => {
            out.push('@');
            out.push_str(digest);
        }
        None if !tagged => out.push_str(":latest"),
        None => {}
    }
    out
}

/// The `imagePullPolicy` a template writes for its containers; `None`
/// where it writes none (the default then follows the image's tag).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PullPolicies {
    /// `containers[0]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<ImagePullPolicy>,
    /// `initContainers[i]`, by index, where written.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub init: std::collections::BTreeMap<usize, ImagePullPolicy>,
}

impl PullPolicies {
    pub fn is_empty(&self) -> bool {
        self.container.is_none() && self.init.is_empty()
    }
}

impl PodTemplate {
    /// The API server's defaulting of the template as it stores it: each
    /// container without a policy gets the default for its image then, and
    /// keeps it when its image changes later (`kubectl set image` patches
    /// the image only). Revision names do not change: `canonical` writes a
    /// policy only where it differs from its image's default.
    pub fn default_pull_policies(&mut self) {
        self.pull_policies.container.get_or_insert_with(|| ImagePullPolicy::default_for(&self.image));
        for (index, init) in self.init_containers.iter().enumerate() {
            self.pull_policies.init.entry(index).or_insert_with(|| ImagePullPolicy::default_for(&init.image));
        }
        for extra in &mut self.extra_containers {
            extra.pull_policy.get_or_insert_with(|| ImagePullPolicy::default_for(&extra.image));
        }
    }
}

impl ImageBehaviour {
    /// A started container of it answers its readiness probe after the
    /// image's `startup`: a healthy one, or one the registry refuses that
    /// runs from the node's copy.
    pub fn comes_up(self) -> bool {
        matches!(self, ImageBehaviour::Healthy | ImageBehaviour::PullFails)
    }
}

/// What a container of an image does once started.
/// The exit code of an application that exits of its own accord on an
/// error (`ImageBehaviour::CrashLoop`, a failed discovery): 1, the usual.
pub const CRASH_EXIT_CODE: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ImageBehaviour {
    /// Starts, answers its readiness probe after `startup`, and keeps running.
    Healthy,
    /// Runs but never passes its readiness probe.
    NeverReady,
    /// Exits with an error (`CRASH_EXIT_CODE`) `startup` after each start; the kubelet restarts it
    /// with back-off (CrashLoopBackOff). The pod stays Running, never Ready.
    CrashLoop,
    /// The registry refuses the image: each pull fails (ErrImagePull, then
    /// ImagePullBackOff with back-off) and the pod stays Pending. A node
    /// that has the image (a pool's `preloadedImages`) runs it without a
    /// pull unless the policy is `Always`; it then comes up as a healthy one.
    PullFails,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageConfig {
    pub name: String,
    pub behaviour: ImageBehaviour,
    /// Time to pull the image onto a node.
    pub pull: SimDuration,
    /// Time from container start until the application answers its readiness probe.
    pub startup: SimDuration,
    /// Time the application takes to exit after SIGTERM (capped by the grace period).
    pub shutdown: SimDuration,
    /// The exit code the application gives on SIGTERM (0: a clean exit).
    pub exit_code_on_sigterm: u8,
}

impl ImageConfig {
    /// The behaviour of an image the scenario does not describe: a cached pull,
    /// a quick start and a clean exit on SIGTERM.
    pub fn default_for(name: &str, behaviour: ImageBehaviour) -> ImageConfig {
        ImageConfig {
            name: name.to_string(),
            behaviour,
            pull: SimDuration::from_secs(2),
            startup: SimDuration::from_secs(3),
            shutdown: SimDuration::from_secs(1),
            exit_code_on_sigterm: 0,
        }
    }
}

/// Timings of the machinery around the controllers, overridable per scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    /// How long dynamic provisioning (CSI CreateVolume) takes.
    pub provisioning: SimDuration,
    /// `--node-monitor-grace-period`: how long without a heartbeat before the
    /// node lifecycle controller sets Ready to Unknown (50 s since 1.32, 40 s before).
    pub node_monitor_grace_period: SimDuration,
    /// `--node-monitor-period`: how often the node lifecycle controller looks (5 s).
    pub node_monitor_period: SimDuration,
    /// `--default-unreachable-toleration-seconds` and
    /// `--default-not-ready-toleration-seconds` (300 s): the toleration the
    /// API server gives every pod that declares none for these taints.
    pub default_toleration: SimDuration,
    /// How long attaching a volume to a node takes (ControllerPublishVolume).
    pub volume_attach: SimDuration,
    /// How long detaching a volume from a node takes.
    pub volume_detach: SimDuration,
    /// How long a rolling update may wait on one pod before the report calls
    /// it stuck. StatefulSets have no progress deadline; this borrows the
    /// Deployment default `progressDeadlineSeconds: 600`.
    pub rollout_stuck_after: SimDuration,
    /// kube-scheduler's `podMaxInUnschedulablePodsDuration` (5 min; 60 s
    /// before 1.24, k/k #108761): a waiting pod that no event moved is
    /// tried again once it has waited longer than this, by the flush that
    /// runs every 30 s (`flushUnschedulablePodsLeftover`).
    pub pod_max_in_unschedulable_pods: SimDuration,
    /// How long a container's image check and creation take when the node
    /// has the image (the registry asked or not, no layer downloaded): 2 s,
    /// or the image's own `pull` when that is shorter. An image's `pull` is
    /// its pull to a node that lacks it.
    pub cached_pull: SimDuration,
    /// csi-provisioner's `--retry-interval-start` (1 s): its wait before
    /// retrying an object (a claim to provision, a volume to delete) after
    /// its first failure, doubled after each further one.
    pub provisioner_retry_start: SimDuration,
    /// csi-provisioner's `--retry-interval-max` (5 min): the longest of those waits.
    pub provisioner_retry_max: SimDuration,
    /// kube-controller-manager's `--min-resync-period` (12 h): its shared
    /// informers re-deliver every object they hold once a period, a period
    /// drawn once at start between this and twice this (`ResyncPeriod`).
    /// The StatefulSet controller enqueues each set it is told of, so a set
    /// that no event woke is synced again at the latest then.
    pub min_resync_period: SimDuration,
    /// kube-scheduler's VolumeBinding `bindTimeoutSeconds` (600 s): how long
    /// a binding cycle waits in PreBind for the volumes of its
    /// `WaitForFirstConsumer` claims before it gives up and the pod goes
    /// back to the scheduling queue.
    pub bind_timeout: SimDuration,
}

impl Default for Timings {
    fn default() -> Self {
        // CreateVolume typically takes 5-15 s on the large clouds
        // (shared/failure-modes.md section 4).
        Timings {
            provisioning: SimDuration::from_secs(5),
            node_monitor_grace_period: SimDuration::from_secs(50),
            node_monitor_period: SimDuration::from_secs(5),
            default_toleration: SimDuration::from_secs(300),
            // EBS attaches in 5-20 s typically (shared/failure-modes.md section 4).
            volume_attach: SimDuration::from_secs(10),
            volume_detach: SimDuration::from_secs(10),
            rollout_stuck_after: SimDuration::from_secs(600),
            pod_max_in_unschedulable_pods: SimDuration::from_secs(300),
            // A rolling update's pod: "image pull (cached: 2 s, cold: 30 s)"
            // (shared/failure-modes.md section 6).
            cached_pull: SimDuration::from_secs(2),
            provisioner_retry_start: SimDuration::from_secs(1),
            provisioner_retry_max: SimDuration::from_mins(5),
            min_resync_period: SimDuration::from_mins(12 * 60),
            // `DefaultBindTimeoutSeconds` in pkg/scheduler/apis/config/v1.
            bind_timeout: SimDuration::from_secs(600),
        }
    }
}

/// A pod named by its StatefulSet and ordinal, resolved from a name like `redis-0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodRef {
    /// Index into `Config::statefulsets`.
    pub statefulset: usize,
    pub ordinal: u32,
}

/// A scripted action. Nodes are named by their id: the nodes of the pools
/// in order (as `World::from_config` makes them), then one per `AddNode`
/// in timeline order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `kubectl scale statefulset NAME --replicas=N`.
    Scale {
        statefulset: usize,
        replicas: u32,
    },
    /// `kubectl delete pod NAME`: graceful deletion.
    DeletePod {
        pod: PodRef,
    },
    /// `kubectl delete pod NAME --grace-period=0 --force`: the object goes at
    /// once; the container keeps running if its node cannot be told.
    ForceDeletePod {
        pod: PodRef,
    },
    /// `kubectl delete pod NAME` of a pod no StatefulSet names (one made by
    /// `CreatePod`); with `force`, `--grace-period=0 --force`.
    DeleteBarePod {
        name: String,
        force: bool,
    },
    /// The machine stops: its containers stop and its kubelet goes silent.
    CrashNode {
        node: usize,
    },
    /// The machine loses the control plane: its kubelet goes silent, but
    /// its containers keep running.
    PartitionNode {
        node: usize,
    },
    /// The machine is back (rebooted after a crash, or reachable again).
    RecoverNode {
        node: usize,
    },
    /// The machine is shut down (`systemctl poweroff`, a cloud stop or a
    /// spot reclaim that signals the OS): gracefully, pods first, if its
    /// kubelet has graceful node shutdown on; otherwise as a crash.
    ShutdownNode {
        node: usize,
    },
    /// A membership change run through the database of the pod's
    /// application (etcd `member remove`/`member add`, ZooKeeper `reconfig`).
    RemoveMember {
        pod: PodRef,
    },
    AddMember {
        pod: PodRef,
    },
    /// Every machine of zone `zone` (index into `cluster.zones`) loses the
    /// control plane and the other zones; they still reach each other.
    PartitionZone {
        zone: usize,
    },
    /// The partitioned machines of the zone are reachable again.
    RecoverZone {
        zone: usize,
    },
    /// `kubectl drain NODE`: cordon, then evict every pod, honouring
    /// PodDisruptionBudgets and retrying refused evictions every 5 s.
    DrainNode {
        node: usize,
    },
    /// `kubectl cordon NODE`.
    Cordon {
        node: usize,
    },
    /// `kubectl uncordon NODE`.
    Uncordon {
        node: usize,
    },
    /// `kubectl delete node NODE`: the Node object goes; the machine is untouched.
    DeleteNode {
        node: usize,
    },
    /// A new node joins from pool `pool` (index into `cluster.node_pools`),
    /// in zone `zone` (index into `cluster.zones`) or the pool's next zone.
    AddNode {
        pool: usize,
        zone: Option<usize>,
    },
    /// `kubectl taint node NODE node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`.
    TaintOutOfService {
        node: usize,
    },
    /// Removes the out-of-service taint again.
    UntaintOutOfService {
        node: usize,
    },
    /// Make the pod's readiness probe pass (`true`) or fail (`false`) from
    /// now on: its first container's, or sidecar `container`'s (an index
    /// among the init containers).
    SetReady {
        pod: PodRef,
        ready: bool,
        container: Option<usize>,
    },
    /// `kubectl set image statefulset/NAME ...`: a new pod template revision.
    SetImage {
        statefulset: usize,
        image: String,
    },
    /// `kubectl rollout restart statefulset/NAME`: the template's
    /// `kubectl.kubernetes.io/restartedAt` annotation set to now, so a new
    /// revision and a rolling update that changes nothing else.
    RolloutRestart {
        statefulset: usize,
    },
    /// A patch of the pod template: each field given replaces the template's.
    PatchTemplate {
        statefulset: usize,
        patch: TemplatePatch,
    },
    /// `updateStrategy.rollingUpdate.partition`.
    SetPartition {
        statefulset: usize,
        partition: u32,
    },
    /// `updateStrategy.rollingUpdate.maxUnavailable`.
    SetMaxUnavailable {
        statefulset: usize,
        max_unavailable: IntOrPercent,
    },
    /// `updateStrategy` as a whole.
    SetUpdateStrategy {
        statefulset: usize,
        strategy: UpdateStrategy,
    },
    /// An update of other spec fields; the API server refuses changes to
    /// immutable ones (`serviceName`, `selector`, `podManagementPolicy`,
    /// `volumeClaimTemplates`) with its own message.
    UpdateSpec {
        statefulset: usize,
        patch: SpecPatch,
    },
    /// `kubectl delete statefulset NAME --cascade=background|orphan`.
    DeleteStatefulSet {
        statefulset: usize,
        cascade: crate::objects::Cascade,
    },
    /// `kubectl delete pvc NAME`.
    DeletePvc {
        claim: String,
    },
    /// `kubectl apply` of a custom resource: creates it, or replaces its spec.
    ApplyCustomResource {
        kind: usize,
        name: String,
        spec: serde_json::Value,
    },
    /// `kubectl patch --type=merge` of a custom resource; `status`
    /// (`--subresource=status`) patches its status subresource, else the
    /// main resource, whose `status` the API server ignores.
    PatchCustomResource {
        kind: usize,
        name: String,
        patch: serde_json::Value,
        status: bool,
    },
    /// `kubectl delete` of a custom resource (its finalizers hold it).
    DeleteCustomResource {
        kind: usize,
        name: String,
    },
    /// Delete the StatefulSet (background cascade) and create it again under
    /// a new name, as a rename has to be done: every pod and claim name changes.
    RenameStatefulSet {
        statefulset: usize,
        to: String,
    },
    /// `kubectl delete statefulset NAME --cascade=orphan`, then create it
    /// again with the same name and the patch applied, immutable fields
    /// (`serviceName`, ...) included: the new set adopts the running pods.
    RecreateStatefulSet {
        statefulset: usize,
        patch: SpecPatch,
    },
    /// Delete a Service and create it again under another name, same spec.
    RenameService {
        from: String,
        to: String,
    },
    /// `kubectl delete service NAME`.
    DeleteService {
        service: String,
    },
    /// `kubectl patch service NAME`: its selector, ports or
    /// publishNotReadyAddresses replaced, each if given.
    UpdateService {
        service: String,
        selector: Option<Labels>,
        ports: Option<Vec<ServicePort>>,
        publish_not_ready_addresses: Option<bool>,
    },
    /// A node action aimed at the node that runs the pod (its live object's
    /// `spec.nodeName`, else where its last incarnation ran), resolved when
    /// the action runs, so it means the same under any seed. An action that
    /// undoes another (`NodeAction::undoes`) aimed through the same pod and
    /// not yet undone means the node that one hit.
    OnNodeOf {
        pod: PodRef,
        action: NodeAction,
    },
    /// `kubectl label pod` / `kubectl patch pod`: labels set and removed,
    /// and, with `orphan`, the owner references removed.
    PatchPod {
        pod: String,
        labels: Labels,
        remove_labels: Vec<String>,
        orphan: bool,
        /// `metadata.finalizers` replaced, if given.
        finalizers: Option<Vec<String>>,
        /// `spec.containers[0].image` changed in place, if given.
        image: Option<String>,
    },
    /// `kubectl label pvc` / `kubectl patch pvc`: labels set and removed,
    /// and the owner references replaced (`StatefulSet/<name>`, `Pod/<name>`).
    PatchPvc {
        pvc: String,
        labels: Labels,
        remove_labels: Vec<String>,
        owners: Option<Vec<String>>,
        /// `metadata.finalizers` replaced, if given.
        finalizers: Option<Vec<String>>,
    },
    /// `kubectl create` of a bare pod (no owner) from a template, with its
    /// `spec.hostname` (the name by default) and `spec.subdomain`.
    CreatePod {
        name: String,
        template: Box<PodTemplate>,
        hostname: String,
        subdomain: String,
    },
    /// `kubectl create` of a bare claim.
    CreatePvc {
        name: String,
        labels: Labels,
        storage_bytes: u64,
        storage_class: Option<String>,
        access_modes: Vec<AccessMode>,
    },
    /// A claim's `spec.resources.requests.storage` raised (`kubectl patch pvc`):
    /// a volume expansion, if the API server and the class allow it.
    ResizePvc {
        claim: String,
        storage_bytes: u64,
    },
    /// Make the pod's liveness probe pass (`true`) or fail (`false`) from now on.
    SetLive {
        pod: PodRef,
        live: bool,
        /// A sidecar's (an index among the init containers), not the
        /// first container's.
        container: Option<usize>,
    },
    /// End the run here.
    Stop,
}

/// A node action without its node, for `OnNodeOf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeAction {
    Crash,
    Shutdown,
    Partition,
    Recover,
    Drain,
    Cordon,
    Uncordon,
    Delete,
    TaintOutOfService,
    UntaintOutOfService,
}

impl NodeAction {
    /// Every node action.
    pub const ALL: [NodeAction; 10] = [
        NodeAction::Crash,
        NodeAction::Shutdown,
        NodeAction::Partition,
        NodeAction::Recover,
        NodeAction::Drain,
        NodeAction::Cordon,
        NodeAction::Uncordon,
        NodeAction::Delete,
        NodeAction::TaintOutOfService,
        NodeAction::UntaintOutOfService,
    ];

    /// The earlier actions this one undoes: `kubectl uncordon` a drain or a
    /// cordon, a recovery a crash, shutdown or partition, the taint's
    /// removal its addition. Aimed at a pod's node, an undoing action means
    /// the node the last such action through the same pod, not yet undone,
    /// hit, which the pod may have left since (a drain evicts it; a graceful shutdown or the
    /// out-of-service taint ends it and its set makes it again elsewhere).
    pub fn undoes(self) -> &'static [NodeAction] {
        match self {
            NodeAction::Uncordon => &[NodeAction::Drain, NodeAction::Cordon],
            NodeAction::Recover => &[NodeAction::Crash, NodeAction::Shutdown, NodeAction::Partition],
            NodeAction::UntaintOutOfService => &[NodeAction::TaintOutOfService],
            NodeAction::Crash
            | NodeAction::Shutdown
            | NodeAction::Partition
            | NodeAction::Drain
            | NodeAction::Cordon
            | NodeAction::Delete
            | NodeAction::TaintOutOfService => &[],
        }
    }

    /// Whether some action undoes this one (derived from `undoes`).
    pub fn undone_by_some(self) -> bool {
        NodeAction::ALL.iter().any(|undo| undo.undoes().contains(&self))
    }

    /// The action on node `node`.
    pub fn on(self, node: usize) -> Action {
        match self {
            NodeAction::Crash => Action::CrashNode { node },
            NodeAction::Shutdown => Action::ShutdownNode { node },
            NodeAction::Partition => Action::PartitionNode { node },
            NodeAction::Recover => Action::RecoverNode { node },
            NodeAction::Drain => Action::DrainNode { node },
            NodeAction::Cordon => Action::Cordon { node },
            NodeAction::Uncordon => Action::Uncordon { node },
            NodeAction::Delete => Action::DeleteNode { node },
            NodeAction::TaintOutOfService => Action::TaintOutOfService { node },
            NodeAction::UntaintOutOfService => Action::UntaintOutOfService { node },
        }
    }
}

/// Fields of a pod template to replace; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplatePatch {
    pub image: Option<String>,
    pub labels: Option<Labels>,
    pub requests: Option<Resources>,
    /// With `requests`: the same as the scoring counts them (what was
    /// left out at its default, see `PodTemplate::scoring_requests`).
    pub scoring_requests: Option<Resources>,
    /// `Some(None)` removes the probe.
    pub readiness_probe: Option<Option<Probe>>,
    pub termination_grace_period: Option<SimDuration>,
    /// `setHostnameAsFQDN`, set or cleared.
    pub set_hostname_as_fqdn: Option<bool>,
    /// The other regular containers, replacing the template's.
    pub extra_containers: Option<Vec<ExtraContainer>>,
}

/// Spec fields to replace in an update; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecPatch {
    pub replicas: Option<u32>,
    pub min_ready_seconds: Option<u32>,
    pub ordinals_start: Option<u32>,
    pub revision_history_limit: Option<u32>,
    pub retention: Option<RetentionPolicy>,
    pub service_name: Option<String>,
    pub selector: Option<LabelSelector>,
    pub pod_management_policy: Option<PodManagementPolicy>,
    pub volume_claim_templates: Option<Vec<VolumeClaimTemplate>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: SimTime,
    pub action: Action,
    /// 1-based line of the entry in its scenario file, for reports (0 if built in code).
    pub line: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CoreDNS's `computeTTL`: the record's TTL raised to 5 s, then capped
    /// by the cache (by `success` alone for answers, when given); nothing
    /// cached when the cache leaves the cluster domain alone.
    #[test]
    fn cached_answers_live_at_least_five_seconds_and_at_most_the_cap() {
        let secs = SimDuration::from_secs;
        let dns = |ttl: u64, cache: u64, success: Option<u64>| DnsConfig {
            record_ttl: secs(ttl),
            cache_max_ttl: secs(cache),
            cache_cluster_domain: true,
            success_max_ttl: success.map(secs),
            server: DnsServer::CoreDns,
        };
        let both = |d: DnsConfig| (d.positive_ttl().as_millis() / 1000, d.negative_ttl().as_millis() / 1000);
        assert_eq!(both(dns(30, 30, None)), (30, 30));
        assert_eq!(both(dns(2, 30, None)), (5, 5), "ttl 2: cached 5 s");
        assert_eq!(both(dns(0, 30, None)), (5, 5), "ttl 0 does not turn the cache off");
        assert_eq!(both(dns(30, 2, None)), (2, 2), "cache 2 caps below the minimum");
        assert_eq!(both(dns(30, 30, Some(5))), (5, 30));
        assert_eq!(both(dns(60, 30, Some(45))), (45, 30), "success replaces cache's cap for answers");
        let off = DnsConfig { cache_cluster_domain: false, ..dns(30, 30, None) };
        assert_eq!(both(off), (0, 0));
    }

    /// `ALL` lists every node action once (the match is exhaustive: a new
    /// action needs a place here, and `ALL` then fails the count until it
    /// lists it), and an action is undone by some other exactly when it is
    /// a drain or cordon, a crash, shutdown or partition, or the taint.
    #[test]
    fn every_node_action_is_listed_once_and_the_undone_ones_are_known() {
        let place = |action: NodeAction| match action {
            NodeAction::Crash => 0,
            NodeAction::Shutdown => 1,
            NodeAction::Partition => 2,
            NodeAction::Recover => 3,
            NodeAction::Drain => 4,
            NodeAction::Cordon => 5,
            NodeAction::Uncordon => 6,
            NodeAction::Delete => 7,
            NodeAction::TaintOutOfService => 8,
            NodeAction::UntaintOutOfService => 9,
        };
        let mut places: Vec<usize> = NodeAction::ALL.iter().map(|a| place(*a)).collect();
        places.sort_unstable();
        assert_eq!(places, (0..10).collect::<Vec<_>>());
        let undone: Vec<NodeAction> = NodeAction::ALL.into_iter().filter(|a| a.undone_by_some()).collect();
        assert_eq!(
            undone,
            [
                NodeAction::Crash,
                NodeAction::Shutdown,
                NodeAction::Partition,
                NodeAction::Drain,
                NodeAction::Cordon,
                NodeAction::TaintOutOfService
            ]
        );
    }

    /// `SetDefaults_Container`: `Always` for a `latest` tag or none (and no
    /// digest), `IfNotPresent` for any other tag or a digest; a registry's
    /// port is not a tag.
    #[test]
    fn the_pull_policy_defaults_by_the_images_tag() {
        for (image, policy) in [
            ("redis", ImagePullPolicy::Always),
            ("redis:latest", ImagePullPolicy::Always),
            ("localhost:5000/app", ImagePullPolicy::Always),
            ("registry.example.com:5000/team/app", ImagePullPolicy::Always),
            ("redis:7.2", ImagePullPolicy::IfNotPresent),
            ("registry.example.com:5000/team/app:1.2", ImagePullPolicy::IfNotPresent),
            (&format!("redis@sha256:{}", "0".repeat(64)), ImagePullPolicy::IfNotPresent),
            (&format!("redis:latest@sha256:{}", "0".repeat(64)), ImagePullPolicy::Always),
            // References the parser cannot read have no tag.
            ("redis:latest@sha256:0123", ImagePullPolicy::IfNotPresent),
            ("NGINX", ImagePullPolicy::IfNotPresent),
            ("", ImagePullPolicy::IfNotPresent),
        ] {
            assert_eq!(ImagePullPolicy::default_for(image), policy, "{image}");
        }
        assert_eq!(ImagePullPolicy::resolve(Some(ImagePullPolicy::Never), "redis"), ImagePullPolicy::Never);
    }

    /// Docker Hub's short names, a registry's names and digests, each in the
    /// one form the runtime stores.
    #[test]
    fn image_names_are_normalized_as_the_runtime_stores_them() {
        for (image, normal) in [
            ("redis", "docker.io/library/redis:latest"),
            ("redis:7.2", "docker.io/library/redis:7.2"),
            ("docker.io/library/redis:7.2", "docker.io/library/redis:7.2"),
            ("index.docker.io/library/redis:7.2", "docker.io/library/redis:7.2"),
            ("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2"),
            ("quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("localhost/app:1", "localhost/app:1"),
            ("redis@sha256:0123", "docker.io/library/redis@sha256:0123"),
        ] {
            assert_eq!(normalized_image(image), normal, "{image}");
        }
    }
}
