//! The object store: the simulator's API server storage.
//!
//! Owns every object of the run, live or gone, in dense vectors indexed by
//! id, plus the by-name indexes of live objects that the API server needs
//! to refuse a duplicate name. Objects that leave the API server stay in
//! their vector with `removed_at` set, so the trace and report can still
//! name them. Iteration is always in id or name order. Also keeps state
//! derived from the objects, in step with the writes that change them
//! (label indexes, revision numbers, each node's `NodeFit` for the
//! scheduler, open identity violations).
//!
//! Does not decide anything: `api` changes objects, controllers read them.

use crate::config::{Config, Resources, TaintEffect};
use crate::name_index::NameIndex;
use crate::objects::*;
use crate::time::SimTime;
use compact_str::CompactString;
use std::collections::{BTreeMap, BTreeSet};

/// Two container processes ran as one StatefulSet identity: the
/// modelled-world invariant "at most one running pod per identity" broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityViolation {
    pub sts: StsId,
    pub ordinal: u32,
    /// The copies, oldest first.
    pub pods: Vec<PodId>,
    pub since: SimTime,
    /// When only one copy was left, if that happened.
    pub until: Option<SimTime>,
    /// How it came about, in words, as the trace told it at the time.
    pub how: String,
}

/// An answer in the cluster DNS cache (CoreDNS `cache`): `None` is NXDOMAIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachedAnswer {
    pub answer: Option<Ipv4>,
    pub expires_at: SimTime,
}

/// Service-level DNS answers over time, for the names expectations ask about.
#[derive(Debug, Clone, Default)]
pub struct DnsAnswerLog {
    /// The names asked about, each once, sorted.
    pub names: Vec<String>,
    /// When a name's answer changed, and to what (sorted; empty: NXDOMAIN).
    pub entries: Vec<(SimTime, String, Vec<String>)>,
    /// Each name's last entry's answers, to compare with.
    pub last: BTreeMap<String, Vec<String>>,
    /// Answers of Service names put in CoreDNS's cache: when, the name, the
    /// addresses, and until when.
    pub cached: Vec<(SimTime, String, Vec<String>, SimTime)>,
}

/// A DNS A record published for a pod through a headless Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    pub ip: Ipv4,
    pub pod: PodId,
    pub service: ServiceId,
}

/// Live objects by label key, then value, then id: looked up, never
/// iterated but for the ids, which are in order.
/// Keys and values are `CompactString`s (see `name_index`): their bytes sit
/// in the table up to 24 of them, so a lookup reads no other allocation.
type LabelIndex<I> = rustc_hash::FxHashMap<CompactString, rustc_hash::FxHashMap<CompactString, BTreeSet<I>>>;

/// A pod in the scheduler's unschedulable pool: kube-scheduler's
/// `QueuedPodInfo` for a pod that did not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// When its last attempt failed (`Timestamp`, refreshed by every
    /// failure): the leftover flush counts from here.
    pub failed_at: crate::time::SimTime,
    /// How many attempts failed (`UnschedulableCount`): its backoff.
    pub attempts: u32,
    /// The plugins that rejected it on the last attempt
    /// (`UnschedulablePlugins`): only their queueing hints can move it.
    pub rejected_by: Plugins,
    /// Its last attempt ended with an error, not a rejection (a binding
    /// cycle's PreBind failed): it waits in the error backoff queue, which
    /// no event moves and the active queue never pops early
    /// (`podErrorBackoffQ`), until its backoff is over (`error_retry_at`).
    pub error: bool,
}

/// `podInitialBackoffSeconds` and `podMaxBackoffSeconds`, the
/// KubeSchedulerConfiguration defaults.
const INITIAL_BACKOFF: crate::time::SimDuration = crate::time::SimDuration::from_secs(1);
const MAX_BACKOFF: crate::time::SimDuration = crate::time::SimDuration::from_secs(10);

/// How often the scheduling queue moves pods whose backoff is over to the
/// active queue (`flushBackoffQCompleted`, `wait.Until(..., 1*time.Second)`).
const BACKOFF_FLUSH_PERIOD: crate::time::SimDuration = crate::time::SimDuration::from_secs(1);

impl Waiting {
    /// `calculateBackoffDuration`: 1 s doubled per failed attempt after the
    /// first, at most 10 s.
    pub fn backoff(attempts: u32) -> crate::time::SimDuration {
        let mut backoff = INITIAL_BACKOFF;
        for _ in 1..attempts {
            backoff = crate::time::SimDuration::from_millis(backoff.as_millis() * 2);
            if backoff >= MAX_BACKOFF {
                return MAX_BACKOFF;
            }
        }
        backoff
    }

    /// When a pod an event (or the leftover flush) moves out of the
    /// unschedulable pool at `now` is tried: at once, unless it is still
    /// backing off from its last failure (`isPodBackingoff`); then it waits
    /// in the backoff queue for the first flush after its backoff ends.
    /// With `SchedulerPopFromBackoffQ` (on from 1.33) the scheduler pops
    /// the backoff queue whenever the active queue is empty, as it is at a
    /// move in stsim (attempts take no time): at once again.
    pub fn retry_at(&self, now: crate::time::SimTime, pop_from_backoff: bool) -> crate::time::SimTime {
        if self.error {
            return self.error_retry_at(pop_from_backoff).max(now);
        }
        let ends = self.failed_at + Self::backoff(self.attempts);
        if pop_from_backoff || ends <= now {
            return now;
        }
        let period = BACKOFF_FLUSH_PERIOD.as_millis();
        crate::time::SimTime::from_millis(ends.as_millis().div_ceil(period) * period)
    }

    /// When a pod whose last attempt ended in an error is tried again: it
    /// waits in `podErrorBackoffQ` (pkg/scheduler/backend/queue/
    /// backoff_queue.go: `add` puts a pod with no unschedulable or pending
    /// plugins there, and `popBackoff`, the active queue's early pop,
    /// "doesn't pop the pods from the podErrorBackoffQ"), so only the
    /// backoff queue's one-second flush (`popEachBackoffCompleted`) takes
    /// it, at the first flush its backoff is over. With
    /// `SchedulerPopFromBackoffQ` the backoff's end is truncated to its
    /// one-second ordering window and the flushes fall on the windows'
    /// edges; a pod still counts as backing off in its own window
    /// (`isPodBackingoff`: `!boTime.Before(alignToWindow(now))`), so it goes
    /// at the edge after that window. Before, the first flush at or after
    /// the end (`BackoffExpiration.After(now)`).
    pub fn error_retry_at(&self, pop_from_backoff: bool) -> crate::time::SimTime {
        let ends = (self.failed_at + Self::backoff(self.attempts)).as_millis();
        let period = BACKOFF_FLUSH_PERIOD.as_millis();
        let at = if pop_from_backoff { (ends / period + 1) * period } else { ends.div_ceil(period) * period };
        crate::time::SimTime::from_millis(at)
    }
}

/// What the scheduler's VolumeBinding PreBind waits for, for a pod it
/// assumed onto a node: when the binding cycle's PreBind began, and the
/// claims it asked to be provisioned there (`PodVolumes.DynamicProvisions`),
/// in the order `checkBindings` reads them. The scheduler's own memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreBind {
    pub since: crate::time::SimTime,
    pub claims: Vec<PvcId>,
}

/// A set of kube-scheduler's filter plugins, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plugins(u16);

impl Plugins {
    pub const NONE: Plugins = Plugins(0);
    pub const NODE_UNSCHEDULABLE: Plugins = Plugins(1);
    pub const TAINT_TOLERATION: Plugins = Plugins(1 << 1);
    pub const NODE_AFFINITY: Plugins = Plugins(1 << 2);
    pub const NODE_PORTS: Plugins = Plugins(1 << 3);
    pub const NODE_RESOURCES_FIT: Plugins = Plugins(1 << 4);
    pub const VOLUME_BINDING: Plugins = Plugins(1 << 5);
    pub const POD_TOPOLOGY_SPREAD: Plugins = Plugins(1 << 6);
    pub const INTER_POD_AFFINITY: Plugins = Plugins(1 << 7);
    pub const NODE_VOLUME_LIMITS: Plugins = Plugins(1 << 8);

    pub fn with(self, other: Plugins) -> Plugins {
        Plugins(self.0 | other.0)
    }

    /// Whether any plugin of `other` is in the set.
    pub fn any_of(self, other: Plugins) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The scheduler's memo of the FitErrors its attempts found since what
/// they read last changed (`World::fit_errors`). Every write of an API
/// object is a trace record, and every pod taking or giving back room on a
/// node counts in `World::room_changes` (an assumption, or a terminating
/// pod that finishes, is no record of its own): while the trace's length and that count
/// are what they were after an attempt failed, the same pod's next attempt
/// from the same start node would find the same: the same message, the
/// same plugins, the same next start. A run with thousands of pods that
/// fit nowhere would otherwise filter every node for each of them at every
/// retry, for as long as it runs.
#[derive(Debug, Clone, Default)]
pub struct FitErrors {
    /// The trace's length and `room_changes` the entries hold for.
    at: (usize, u64),
    /// By pod: the start node's position, the message, the rejecting
    /// plugins and the next start. Looked up, never listed.
    by_pod: rustc_hash::FxHashMap<PodId, (usize, String, Plugins, usize)>,
}

impl FitErrors {
    /// What the pod's last attempt found, if nothing it read has changed
    /// since and it starts from the same node.
    pub fn find(&self, at: (usize, u64), pod: PodId, start: usize) -> Option<(String, Plugins, usize)> {
        if self.at != at {
            return None;
        }
        let (from, message, plugins, next) = self.by_pod.get(&pod)?;
        (*from == start).then(|| (message.clone(), *plugins, *next))
    }

    /// Remembers a FitError, as of `at`; entries of another time are dropped.
    pub fn remember(&mut self, at: (usize, u64), pod: PodId, found: (usize, String, Plugins, usize)) {
        if self.at != at {
            self.at = at;
            self.by_pod.clear();
        }
        self.by_pod.insert(pod, found);
    }
}

/// What the scheduler reads of a node on every attempt, as plain numbers
/// in 72 bytes: the scheduler cache's `NodeInfo` (allocatable, requested
/// as the filter and as the scoring count them, pod count) and flags saying whether the node needs a closer look (a
/// cordon or taints; a pod asking for ports or labels always looks
/// closer). The world keeps one per node, by index, rewritten whenever one
/// of these changes (`World::node_fit`), so that a scheduling attempt at
/// 100,000 nodes scans 5,000 of these instead of 5,000 whole `Node`s.
///
/// One cache line each (64 bytes, so aligned): a scheduling attempt reads
/// hundreds of them, spread over the list, and at 10,000 nodes they no
/// longer fit the processor's first caches. The node's id is where the
/// fit is (`World::node_fit`), not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(align(64))]
pub struct NodeFit {
    pub allocatable: Resources,
    pub requested: Resources,
    /// `Node::scoring_requested`.
    pub scoring_requested: Resources,
    pub pod_count: u32,
    pub max_pods: u32,
    /// Any of the `NodeFit::*` flags.
    pub flags: u32,
    /// A hash of allocatable and requested CPU and memory, worked out when
    /// they change rather than on every score (the scheduler's memo of
    /// resource scores is indexed by it).
    pub resources_hash: u32,
}

impl NodeFit {
    /// `spec.unschedulable`.
    pub const UNSCHEDULABLE: u32 = 1;
    /// A `NoSchedule` or `NoExecute` taint: the filter must look at them.
    pub const FILTER_TAINTS: u32 = 2;
    /// Any taint: the score must look for `PreferNoSchedule` ones.
    pub const TAINTS: u32 = 4;
    /// CSI attach limits: NodeVolumeLimits must count the node's volumes.
    pub const VOLUME_LIMITS: u32 = 8;

    pub fn of(node: &Node) -> NodeFit {
        let filter_taints = node
            .taints
            .iter()
            .any(|t| matches!(t.taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute));
        let flags = [
            (node.unschedulable, NodeFit::UNSCHEDULABLE),
            (filter_taints, NodeFit::FILTER_TAINTS),
            (!node.taints.is_empty(), NodeFit::TAINTS),
            (!node.volume_attach_limits.is_empty(), NodeFit::VOLUME_LIMITS),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |flags, (_, flag)| flags | flag);
        NodeFit {
            allocatable: node.allocatable,
            requested: node.requested,
            scoring_requested: node.scoring_requested,
            pod_count: node.pod_count,
            max_pods: node.max_pods,
            flags,
            resources_hash: NodeFit::resources_hash(node.allocatable, node.requested, node.scoring_requested),
        }
    }

    /// The high 32 bits of a multiplicative hash of the six quantities.
    fn resources_hash(allocatable: Resources, requested: Resources, scoring: Resources) -> u32 {
        let mixed = requested.cpu_millis
            ^ requested.memory_bytes.rotate_left(29)
            ^ allocatable.cpu_millis.rotate_left(7)
            ^ allocatable.memory_bytes
            ^ scoring.cpu_millis.rotate_left(43)
            ^ scoring.memory_bytes.rotate_left(17);
        (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32
    }
}

#[derive(Debug, Clone)]
pub struct World {
    pub namespace: String,
    /// The cluster's zones, in the order the scenario lists them.
    pub zones: Vec<String>,
    pub cluster_domain: String,
    pub nodes: Vec<Node>,
    pub storage_classes: Vec<StorageClass>,
    pub services: Vec<Service>,
    pub statefulsets: Vec<StatefulSet>,
    /// Boxed: a pod is over a kilobyte and a long run makes tens of
    /// thousands, so growing this vector moves pointers, not pods.
    pub pods: Vec<Box<Pod>>,
    pub pvcs: Vec<Pvc>,
    pub pvs: Vec<Pv>,
    /// The Available volumes (made before the run and not yet bound): what
    /// the PV controller may bind, so that a new claim looks at these and
    /// not at every volume.
    pub available_pvs: BTreeSet<PvId>,
    /// Per-pod A records of headless Services, by fully qualified name.
    /// Looked up by name; whoever lists them sorts them by name.
    pub dns: rustc_hash::FxHashMap<String, DnsRecord>,
    /// How cluster DNS caches answers.
    pub dns_config: crate::config::DnsConfig,
    /// CoreDNS's cache, shared by every client: answers by name until they expire.
    pub dns_cache: rustc_hash::FxHashMap<String, CachedAnswer>,
    /// Every answer put in the cache, with when (`Some` only when a
    /// scenario asks what a client got at a time: `DnsAnswer`).
    pub dns_cache_log: Option<Vec<(SimTime, String, CachedAnswer)>>,
    /// The answers of the Service-level names (a Service's own name, its
    /// SRV names) that expectations ask about, each time they change.
    pub dns_answer_log: Option<DnsAnswerLog>,
    /// CoreDNS's cache of Service names' answers (every address): the
    /// addresses and when they expire.
    pub dns_set_cache: rustc_hash::FxHashMap<String, (Vec<Ipv4>, SimTime)>,
    /// CoreDNS's cache of SRV names' answers (`<target>:<port>`, sorted)
    /// and when they expire.
    pub dns_srv_cache: rustc_hash::FxHashMap<String, (Vec<String>, SimTime)>,
    /// The clustered applications and what their members keep on their volumes.
    pub apps: crate::apps::Apps,
    /// How each image behaves when run (the container runtime's view).
    pub images: BTreeMap<String, crate::config::ImageConfig>,
    /// How an image not described by the scenario behaves.
    pub fallback_image: crate::config::ImageConfig,
    pub timings: crate::config::Timings,
    /// The Kubernetes release modelled, where releases differ.
    pub kubernetes: crate::features::Version,
    pub features: crate::features::Features,
    /// The cost report's: claims whose orphan status may have changed since
    /// it was last checked (`cost::react` marks them, `cost::check_usage`
    /// checks them); `all_claims_dirty` when a StatefulSet changed.
    pub dirty_claims: std::collections::BTreeSet<PvcId>,
    pub all_claims_dirty: bool,
    /// The names of the scenario's operators, by index.
    pub operator_names: Vec<String>,
    /// Live pods that the scheduler could not place yet: kube-scheduler's
    /// unschedulable pod pool, with what each one's last attempt left.
    pub unschedulable: BTreeMap<PodId, Waiting>,
    /// Pods the scheduler assumed onto a node whose binding cycle waits in
    /// VolumeBinding's PreBind, with what it waits for.
    pub prebind: BTreeMap<PodId, PreBind>,
    /// When the scheduler's leftover flush is next due, while it is armed
    /// (`controllers::scheduler::queueing`).
    pub scheduler_flush_at: Option<crate::time::SimTime>,
    /// PodDisruptionBudgets.
    pub pdbs: Vec<crate::controllers::disruption::PodDisruptionBudget>,
    /// `kubectl drain` runs, by node.
    pub drains: BTreeMap<NodeId, crate::controllers::disruption::Drain>,
    /// The node lifecycle controller's own state (zone tainting queues).
    pub node_lifecycle: crate::controllers::node_lifecycle::State,
    /// Pod GC: Node objects found missing, and when their quarantine ends.
    pub gc_quarantine: BTreeMap<NodeId, SimTime>,
    /// Pod GC: names that `spec.nodeName`s give but no Node has, and when
    /// their quarantine ends.
    pub gc_quarantine_names: BTreeMap<String, SimTime>,
    /// Pods created with a `spec.nodeName` that no Node had, so left
    /// unbound: what pod GC's orphan pass and a Node joining under that name
    /// look at (pods since bound or gone are dropped when next looked at).
    pub pods_on_unknown_nodes: BTreeSet<PodId>,
    /// What the scheduler reads of each node, by index (`NodeFit`):
    /// rewritten by `refresh_node_fit` whenever a field it copies changes.
    node_fits: Vec<NodeFit>,
    /// What the StatefulSet controller reads of each pod, by index
    /// (`PodBrief`): rewritten by `refresh_pod_brief` whenever a field it
    /// copies changes.
    pod_briefs: Vec<crate::objects::PodBrief>,
    /// kube-scheduler's `nextStartNodeIndex` into its zone-interleaved node list.
    pub scheduler_next_start: usize,
    /// The FitErrors of the scheduler's last attempts, while still true.
    pub(crate) fit_errors: FitErrors,
    /// Counts every pod taking or giving back room on a node (bound,
    /// assumed, forgotten, finished, removed), as the scheduler cache sees
    /// it; some are no API write, so not in the trace: see `FitErrors`.
    pub(crate) room_changes: u64,
    /// kube-scheduler's zone-interleaved node list (`nodeTree`), and the
    /// `node_set_version` it was built for.
    pub scheduler_tree: crate::controllers::scheduler::NodeTree,
    /// Bumped whenever a Node object is created or deleted.
    pub node_set_version: u64,
    /// Live Node objects per zone, by index into `zones` (a node in a zone
    /// not listed there is not counted): which zones a CSI provisioner's
    /// topology offers (`zone_has_nodes`).
    zone_live_nodes: Vec<u32>,
    /// Whether any node ever had CSI attach limits: only then does the
    /// scheduler work out which of a pod's volumes count against them.
    pub volume_limits: bool,
    /// The images each node pool's nodes have from the start (its
    /// `preloadedImages`, normalized), by pool index: shared by the pool's
    /// nodes rather than copied into each (`World::image_on_node`).
    pub preloaded_images: Vec<BTreeSet<String>>,
    /// Running container processes of each StatefulSet identity (set, ordinal).
    pub identity_processes: BTreeMap<(StsId, u32), Vec<PodId>>,
    /// Every time two processes ran as one identity.
    pub identity_violations: Vec<IdentityViolation>,
    /// The violation still open for an identity (set, ordinal), by index
    /// into `identity_violations`: at most one is open for each.
    open_violations: BTreeMap<(StsId, u32), usize>,
    /// Live pods with pod anti-affinity terms, required or preferred.
    pub anti_affinity_pods: BTreeSet<PodId>,
    /// Pods, by owning StatefulSet, whose labels have not been compared
    /// with the set's selector since the pod was created, adopted or
    /// relabelled. A selector never changes (the API server refuses it), so
    /// only these can be pods to release; the StatefulSet controller takes
    /// a set's entries out when it has looked (an entry whose pod has left
    /// the set since is dropped then).
    pub(crate) owned_labels_unchecked: BTreeSet<(StsId, PodId)>,
    /// For each StatefulSet, the generation at which the controller last
    /// found its template equal to revision `index` of its history: while
    /// neither changes, the controller need not compare the templates
    /// again. Any change to the history forgets it.
    pub(crate) template_revision: BTreeMap<StsId, (u64, usize)>,
    /// Counts every claim marked for deletion or removed, from 1: a claim
    /// seen present and alive at one count is still so at the same count
    /// (claims are renamed never). See `Pod::claims_present_at`.
    pub(crate) claim_losses: u64,
    /// Every value a pod's revision label has had, numbered in the order
    /// first seen (`Pod::revision_number`). Looked up, never listed.
    revision_numbers: rustc_hash::FxHashMap<CompactString, u32>,
    /// Live pods by label: key, then value (looked up with borrowed strings,
    /// so a lookup allocates nothing). Only ever looked up, never iterated.
    pods_by_label: LabelIndex<PodId>,
    /// Live Services by name.
    service_names: NameIndex<ServiceId>,
    /// Live Services by the first label of their selector (key, then value).
    services_by_label: LabelIndex<ServiceId>,
    pod_names: NameIndex<PodId>,
    /// Every pod by name, live or gone (`pods_ever_named`); only looked up.
    incarnations: rustc_hash::FxHashMap<CompactString, Vec<PodId>>,
    pub(crate) pvc_names: NameIndex<PvcId>,
    /// Live pods by the claim names they mount.
    claim_users: rustc_hash::FxHashMap<CompactString, Vec<PodId>>,
    /// Live claims by the owners their references name.
    claims_by_owner: BTreeMap<Owner, BTreeSet<PvcId>>,
    /// The garbage collector's work queue: owners that went away or gained
    /// dependents since its last pass (`attemptToDelete`'s input), filled
    /// by its reactions to changes (`garbage_collector::graph_changed`,
    /// `claim_owners_seen`).
    pub gc_owners: BTreeSet<Owner>,
    /// Live pods a StatefulSet let go of (`--cascade=orphan`), for adoption.
    orphans: std::collections::BTreeSet<PodId>,
    next_uid: u64,
    /// Every object's `resourceVersion` (the API server's revision counter).
    pub versions: crate::kube::Versions,
    /// Custom resources: the declared kinds and their objects.
    pub custom: crate::kube::custom::CustomResources,
}

impl World {
    /// An empty world: no nodes, no workloads.
    pub fn empty(namespace: &str, cluster_domain: &str) -> World {
        World {
            namespace: namespace.to_string(),
            zones: Vec::new(),
            cluster_domain: cluster_domain.to_string(),
            nodes: Vec::new(),
            storage_classes: Vec::new(),
            services: Vec::new(),
            statefulsets: Vec::new(),
            pods: Vec::new(),
            pvcs: Vec::new(),
            pvs: Vec::new(),
            available_pvs: BTreeSet::new(),
            dns: Default::default(),
            dns_config: crate::config::DnsConfig::default(),
            dns_cache: Default::default(),
            dns_cache_log: None,
            dns_answer_log: None,
            dns_set_cache: Default::default(),
            dns_srv_cache: Default::default(),
            apps: crate::apps::Apps::default(),
            images: BTreeMap::new(),
            fallback_image: crate::config::ImageConfig::default_for(
                "",
                crate::config::ImageBehaviour::Healthy,
            ),
            timings: crate::config::Timings::default(),
            kubernetes: crate::features::Version::DEFAULT,
            features: crate::features::Features::default(),
            unschedulable: Default::default(),
            prebind: Default::default(),
            operator_names: Vec::new(),
            dirty_claims: Default::default(),
            all_claims_dirty: false,
            pdbs: Vec::new(),
            drains: BTreeMap::new(),
            node_lifecycle: Default::default(),
            gc_quarantine: BTreeMap::new(),
            gc_quarantine_names: BTreeMap::new(),
            pods_on_unknown_nodes: BTreeSet::new(),
            node_fits: Vec::new(),
            pod_briefs: Vec::new(),
            scheduler_flush_at: None,
            scheduler_next_start: 0,
            fit_errors: FitErrors::default(),
            room_changes: 0,
            scheduler_tree: Default::default(),
            node_set_version: 1,
            zone_live_nodes: Vec::new(),
            volume_limits: false,
            preloaded_images: Vec::new(),
            identity_processes: BTreeMap::new(),
            identity_violations: Vec::new(),
            open_violations: BTreeMap::new(),
            anti_affinity_pods: BTreeSet::new(),
            owned_labels_unchecked: BTreeSet::new(),
            template_revision: BTreeMap::new(),
            claim_losses: 1,
            revision_numbers: Default::default(),
            pods_by_label: LabelIndex::default(),
            service_names: NameIndex::new(),
            services_by_label: LabelIndex::default(),
            pod_names: NameIndex::new(),
            incarnations: Default::default(),
            pvc_names: NameIndex::new(),
            claim_users: Default::default(),
            claims_by_owner: BTreeMap::new(),
            gc_owners: BTreeSet::new(),
            orphans: Default::default(),
            next_uid: 1,
            versions: Default::default(),
            custom: Default::default(),
        }
    }

    /// The world at time zero: nodes, storage classes, services and
    /// StatefulSets from the config. Pods and claims come from the controllers.
    pub fn from_config(config: &Config) -> World {
        let mut world = World::empty(&config.namespace, &config.cluster_domain);
        world.custom.kinds = config.custom_kinds.clone();
        for new in &config.custom_resources {
            let uid = world.new_uid();
            let id = world.custom.objects.len() as u32;
            world.custom.objects.push(crate::kube::custom::CustomObject {
                id,
                kind: new.kind,
                name: new.name.clone(),
                uid,
                generation: 1,
                labels: new.labels.clone(),
                annotations: Default::default(),
                finalizers: Vec::new(),
                owner_references: Vec::new(),
                spec: new.spec.clone(),
                status: new.status.clone(),
                created_at: SimTime::ZERO,
                deletion_timestamp: None,
                removed_at: None,
            });
        }
        world.zones = config.cluster.zones.clone();
        world.kubernetes = config.kubernetes;
        world.features = config.features;
        world.images = config.images.iter().map(|i| (i.name.clone(), i.clone())).collect();
        world.fallback_image = crate::config::ImageConfig::default_for("", config.default_image);
        world.timings = config.timings.clone();
        if config.expect.iter().any(|e| {
            matches!(
                e.expectation,
                crate::config::Expectation::DnsAnswer { .. } | crate::config::Expectation::DnsResolves { .. }
            )
        }) {
            world.dns_cache_log = Some(Vec::new());
            let names: Vec<String> = config
                .expect
                .iter()
                .filter_map(|e| match &e.expectation {
                    crate::config::Expectation::DnsAnswer { name, .. }
                    | crate::config::Expectation::DnsResolves { name, .. } => Some(name.clone()),
                    _ => None,
                })
                .filter(|name| {
                    crate::controllers::dns::service_name(name, &config.namespace, &config.cluster_domain)
                        .is_some()
                })
                .collect();
            let mut names = names;
            names.sort();
            names.dedup();
            world.dns_answer_log = Some(DnsAnswerLog { names, ..DnsAnswerLog::default() });
        }
        world.preloaded_images = (config.cluster.node_pools.iter())
            .map(|pool| {
                pool.preloaded_images.iter().map(|image| crate::config::normalized_image(image)).collect()
            })
            .collect();
        for placement in config.cluster.placements() {
            let pool = &config.cluster.node_pools[placement.pool];
            let name = crate::sim::pool_node_name(pool, placement.n);
            let id = world.add_node(&name, placement.zone, placement.rack, pool);
            world.nodes[id.index()].pool = placement.pool;
        }
        world.node_lifecycle = crate::controllers::node_lifecycle::State::new(&world);
        for pdb in &config.pod_disruption_budgets {
            world.pdbs.push(crate::controllers::disruption::PodDisruptionBudget::new(pdb));
        }
        for class in &config.cluster.storage_classes {
            let id = ClassId(world.storage_classes.len() as u32);
            world.storage_classes.push(StorageClass {
                id,
                name: class.name.clone(),
                provisioner: class.provisioner.clone(),
                binding_mode: class.binding_mode,
                reclaim_policy: class.reclaim_policy,
                zonal: class.zonal,
                regional: class.regional,
                pricing: class.pricing.clone(),
                iops: class.iops,
                iops_per_gib: class.iops_per_gib,
                throughput_mibps: class.throughput_mibps,
                local: class.local,
                is_default: class.is_default,
                allow_volume_expansion: class.allow_volume_expansion,
                allowed_topologies: class.allowed_topologies.clone(),
            });
        }
        for service in &config.services {
            let uid = world.new_uid();
            world.insert_service(Service {
                id: ServiceId(0),
                uid,
                name: service.name.clone(),
                headless: service.headless,
                selector: service.selector.clone(),
                publish_not_ready_addresses: service.publish_not_ready_addresses,
                ports: service.ports.clone(),
                labels: service.labels.clone(),
                finalizers: Vec::new(),
                owner_references: Vec::new(),
                deletion_timestamp: None,
                removed_at: None,
            });
        }
        world.add_volumes(config);
        world.dns_config = config.dns;
        for (index, set) in config.statefulsets.iter().enumerate() {
            let id = world.add_statefulset(&set.name, set.spec.clone());
            world.sts_mut(id).labels = set.labels.clone();
            if let Some(app) = &set.app {
                world.apps.add(index, &set.name, app.clone(), id);
            }
        }
        world
    }

    /// The PersistentVolumes that exist from the start. A `claimRef` that
    /// names a claim by uid binds it only to that very claim: when no
    /// claim of the scenario has that name and uid, the claim it was bound
    /// to is gone and the volume is Released (the PV controller's
    /// `syncVolume`), kept and billed, and binds no new claim of the same
    /// name. A `claimRef` without a uid keeps the volume for the claim of
    /// that name (pre-binding).
    fn add_volumes(&mut self, config: &Config) {
        for volume in &config.persistent_volumes {
            let uid = self.new_uid();
            let class = self.class_named(&volume.storage_class_name);
            let (phase, reserved_for) = match &volume.claim_ref {
                None => (PvPhase::Available, None),
                Some(r) => {
                    let claim = config.persistent_volume_claims.iter().find(|c| c.name == r.name);
                    match (&r.uid, claim) {
                        (None, _) => (PvPhase::Available, Some(r.name.clone())),
                        (Some(uid), Some(claim)) if claim.uid.as_ref() == Some(uid) => {
                            (PvPhase::Available, Some(r.name.clone()))
                        }
                        (Some(_), _) => (PvPhase::Released, None),
                    }
                }
            };
            let node = volume.node.as_ref().and_then(|name| self.nodes.iter().find(|n| n.name == *name));
            let (node, zone, other_zones) = match node {
                Some(node) => (Some(node.id), Some(node.zone.clone()), Vec::new()),
                None => (None, volume.zone.clone(), volume.other_zones.clone()),
            };
            let id = PvId(self.pvs.len() as u32);
            if phase == PvPhase::Available {
                self.available_pvs.insert(id);
            }
            self.pvs.push(Pv {
                id,
                uid,
                name: volume.name.clone(),
                capacity_bytes: volume.capacity_bytes,
                storage_class: class,
                class_name: volume.storage_class_name.clone(),
                reserved_for,
                reclaim_policy: volume.reclaim_policy,
                access_modes: volume.access_modes.clone(),
                phase,
                claim: None,
                zone,
                other_zones,
                iops: 0,
                throughput_mibps: 0,
                released_at: (phase == PvPhase::Released).then_some(SimTime::ZERO),
                delete_failures: 0,
                node,
                host_path: volume.host_path.clone(),
                attachments: Vec::new(),
                in_use_on: Default::default(),
                resized: Vec::new(),
                origin: volume.origin.clone(),
                created_at: SimTime::ZERO,
                removed_at: None,
            });
        }
    }

    /// A node of `pool` in `zone`, in rack `rack` (from 0) of that zone if its pool has racks.
    pub fn add_node(
        &mut self,
        name: &str,
        zone: &str,
        rack: Option<u32>,
        pool: &crate::config::NodePoolConfig,
    ) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let labels = pool.node_labels(name, zone, rack);
        self.nodes.push(Node {
            id,
            name: name.to_string(),
            zone: zone.to_string(),
            labels,
            allocatable: crate::config::Resources {
                cpu_millis: pool.cpu_millis,
                memory_bytes: pool.memory_bytes,
            },
            max_pods: pool.max_pods,
            ready: true,
            unschedulable: false,
            requested: Default::default(),
            scoring_requested: Default::default(),
            pod_count: 0,
            used_ports: Default::default(),
            pod_cidr: PodCidr::of(id.0),
            ips_in_use: Default::default(),
            next_ip: 2,
            pool: 0,
            taints: pool
                .taints
                .iter()
                .map(|taint| NodeTaint { taint: taint.clone(), added_at: SimTime::ZERO })
                .collect(),
            condition: ConditionStatus::True,
            condition_since: SimTime::ZERO,
            machine: Machine::Running,
            island: None,
            machine_since: SimTime::ZERO,
            heartbeat_anchor: SimTime::ZERO,
            silent_since: None,
            created_at: SimTime::ZERO,
            removed_at: None,
            earlier: Vec::new(),
            pods: BTreeSet::new(),
            orphans: BTreeSet::new(),
            attached: BTreeSet::new(),
            unmounts_unreported: Vec::new(),
            shutdown: pool.shutdown,
            shutting_down: None,
            critical_shutdown: None,
            volume_attach_limits: pool.volume_attach_limits.iter().map(|(d, n)| (d.clone(), *n)).collect(),
            volume_pods: BTreeSet::new(),
            images: BTreeMap::new(),
            puller_free_at: SimTime::ZERO,
        });
        self.volume_limits |= !pool.volume_attach_limits.is_empty();
        self.refresh_node_fit(id);
        self.node_set_version += 1;
        self.count_zone_node(id, 1);
        id
    }

    /// The Node object is deleted; it stays for the record.
    pub(crate) fn remove_node(&mut self, id: NodeId, at: SimTime) {
        self.nodes[id.index()].removed_at = Some(at);
        self.node_set_version += 1;
        self.count_zone_node(id, -1);
    }

    /// A deleted Node is registered again by its kubelet: a new object of
    /// the same name, made as its pool makes a node (labels, taints),
    /// Ready and schedulable. What was written on the old object (a
    /// cordon, a taint someone added, a condition) went with it.
    pub(crate) fn reregister_node(&mut self, id: NodeId, at: SimTime, pool: &crate::config::NodePoolConfig) {
        let node = &mut self.nodes[id.index()];
        let Some(removed) = node.removed_at.take() else { return };
        node.earlier.push((node.created_at, removed));
        node.created_at = at;
        node.condition = ConditionStatus::True;
        node.ready = true;
        node.condition_since = at;
        node.unschedulable = false;
        node.taints =
            pool.taints.iter().map(|taint| NodeTaint { taint: taint.clone(), added_at: at }).collect();
        self.refresh_node_fit(id);
        self.node_set_version += 1;
        self.count_zone_node(id, 1);
    }

    fn count_zone_node(&mut self, id: NodeId, by: i32) {
        let zone = &self.nodes[id.index()].zone;
        if let Some(index) = self.zones.iter().position(|z| z == zone) {
            if self.zone_live_nodes.len() < self.zones.len() {
                self.zone_live_nodes.resize(self.zones.len(), 0);
            }
            self.zone_live_nodes[index] = self.zone_live_nodes[index].saturating_add_signed(by);
        }
    }

    /// Whether zone `index` (into `zones`) holds a live Node object.
    pub fn zone_has_nodes(&self, index: usize) -> bool {
        let has = self.zone_live_nodes.get(index).is_some_and(|n| *n > 0);
        debug_assert_eq!(
            has,
            self.live_nodes().any(|n| Some(&n.zone) == self.zones.get(index)),
            "zone {index}"
        );
        has
    }

    pub fn add_statefulset(&mut self, name: &str, mut spec: crate::config::StatefulSetSpec) -> StsId {
        spec.template.default_pull_policies();
        spec.drop_disabled_fields(&self.features, None);
        let uid = self.new_uid();
        let id = StsId(self.statefulsets.len() as u32);
        self.statefulsets.push(StatefulSet {
            id,
            uid,
            name: name.to_string(),
            generation: 1,
            spec,
            status: StatefulSetStatus::default(),
            revisions: Vec::new(),
            pods: BTreeMap::new(),
            waiting: None,
            labels: Default::default(),
            finalizers: Vec::new(),
            owner_references: Vec::new(),
            deletion_timestamp: None,
            pending_cascade: None,
            removed_at: None,
            renamed_to: None,
            template_object: None,
            status_revision_numbers: [None, None],
        });
        id
    }

    /// The uid the next object will get: a different value after each
    /// object made, for draws made per object.
    pub fn next_uid(&self) -> u64 {
        self.next_uid
    }

    pub fn new_uid(&mut self) -> Uid {
        let uid = Uid(self.next_uid);
        self.next_uid += 1;
        uid
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }
    /// What the scheduler reads of node `id`, as of its last refresh.
    /// How kubectl of the cluster's release prints pods.
    pub fn kubectl(&self) -> crate::objects::Kubectl {
        crate::objects::Kubectl::of(self.kubernetes)
    }
    pub fn node_fit(&self, id: NodeId) -> &NodeFit {
        const _: () = assert!(std::mem::size_of::<NodeFit>() == 64, "a NodeFit is one cache line");
        &self.node_fits[id.index()]
    }
    /// Copies node `id`'s allocatable, requested, pod count, taints and
    /// cordon into its `NodeFit`: called by every write of them.
    pub(crate) fn refresh_node_fit(&mut self, id: NodeId) {
        let fit = NodeFit::of(&self.nodes[id.index()]);
        match self.node_fits.get_mut(id.index()) {
            Some(slot) => *slot = fit,
            // Node ids are dense: a new node's fit comes next.
            None => self.node_fits.push(fit),
        }
    }
    pub fn pv_mut(&mut self, id: PvId) -> &mut Pv {
        &mut self.pvs[id.index()]
    }
    /// Nodes whose objects exist, in id order.
    pub fn live_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.exists())
    }
    /// The node a pod is on or assumed on, as the scheduler cache sees it:
    /// none for a pod that has finished, which the cache has dropped (its
    /// pod informer watches only pods not `Succeeded` or `Failed`).
    pub fn pod_node(&self, pod: &Pod) -> Option<NodeId> {
        if pod.is_terminal() {
            return None;
        }
        pod.node.or(pod.assumed_node)
    }
    /// The live pods a label selector matches (the `matchLabels` index,
    /// then the expressions); an empty selector matches every live pod.
    pub fn pods_matching(&self, selector: &crate::config::LabelSelector) -> Vec<PodId> {
        let mut pods = self.pods_selected_by(&selector.match_labels);
        if !selector.match_expressions.is_empty() {
            pods.retain(|id| selector.match_expressions.iter().all(|r| r.matches(&self.pod(*id).labels)));
        }
        pods
    }
    /// Live pods whose labels include every label of `selector`; an empty
    /// selector selects every live pod. In id order.
    pub fn pods_selected_by(&self, selector: &crate::config::Labels) -> Vec<PodId> {
        let Some((key, value)) = selector.iter().next() else {
            return self.pod_names.values().collect::<BTreeSet<_>>().into_iter().collect();
        };
        let Some(candidates) =
            self.pods_by_label.get(key.as_str()).and_then(|values| values.get(value.as_str()))
        else {
            return Vec::new();
        };
        // Every candidate has the first label (the index says so): check the rest.
        let mut rest = selector.iter().skip(1).peekable();
        if rest.peek().is_none() {
            return candidates.iter().copied().collect();
        }
        candidates
            .iter()
            .copied()
            .filter(|id| selector.iter().skip(1).all(|(k, v)| self.pod(*id).labels.get(k) == Some(v)))
            .collect()
    }
    /// The violation open for each identity, by index into
    /// `identity_violations` (kept by the API server as processes start and stop).
    pub fn open_violations(&self) -> &BTreeMap<(StsId, u32), usize> {
        &self.open_violations
    }
    /// The identity's open violation, if any.
    pub(crate) fn open_violation(&self, identity: (StsId, u32)) -> Option<usize> {
        self.open_violations.get(&identity).copied()
    }
    /// Records that `identity`'s violation at `index` opened (`Some`) or closed.
    pub(crate) fn set_open_violation(&mut self, identity: (StsId, u32), index: Option<usize>) {
        match index {
            Some(index) => self.open_violations.insert(identity, index),
            None => self.open_violations.remove(&identity),
        };
    }
    /// The number of revision label value `value`, if any pod has had it.
    pub fn revision_number(&self, value: &str) -> Option<u32> {
        self.revision_numbers.get(value).copied()
    }
    /// Writes set `sts`'s status, numbering its two revision names
    /// (`StatefulSet::status_revision_numbers`).
    pub(crate) fn set_statefulset_status(&mut self, sts: StsId, status: crate::objects::StatefulSetStatus) {
        let numbers = [&status.current_revision, &status.update_revision]
            .map(|name| (!name.is_empty()).then(|| number_value(&mut self.revision_numbers, name)));
        let set = &mut self.statefulsets[sts.index()];
        set.status = status;
        set.status_revision_numbers = numbers;
    }
    /// The numbers of set `sts`'s `status.currentRevision` and
    /// `status.updateRevision` (`None` while empty).
    pub fn status_revision_numbers(&self, sts: StsId) -> [Option<u32>; 2] {
        let set = self.sts(sts);
        debug_assert_eq!(
            set.status_revision_numbers,
            [&set.status.current_revision, &set.status.update_revision]
                .map(|name| self.revision_number(name).filter(|_| !name.is_empty())),
            "the revision numbers of {}'s status are out of date",
            set.name
        );
        set.status_revision_numbers
    }
    /// The number of these labels' revision label value, numbering a new one.
    fn number_revision(&mut self, labels: &crate::config::Labels) -> Option<u32> {
        Some(number_value(&mut self.revision_numbers, labels.get(labels::REVISION)?))
    }
    /// The number of the name of revision `index` of set `sts`, numbering
    /// it if new: given once, when the revision is stored
    /// (`ControllerRevision::name_number`).
    pub(crate) fn number_set_revision(&mut self, sts: StsId, index: usize) -> u32 {
        number_value(&mut self.revision_numbers, &self.statefulsets[sts.index()].revisions[index].name)
    }
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id.index()]
    }
    pub fn pod_mut(&mut self, id: PodId) -> &mut Pod {
        &mut self.pods[id.index()]
    }
    pub fn pvc(&self, id: PvcId) -> &Pvc {
        &self.pvcs[id.index()]
    }
    pub fn pvc_mut(&mut self, id: PvcId) -> &mut Pvc {
        &mut self.pvcs[id.index()]
    }
    pub fn pv(&self, id: PvId) -> &Pv {
        &self.pvs[id.index()]
    }
    pub fn sts(&self, id: StsId) -> &StatefulSet {
        &self.statefulsets[id.index()]
    }
    pub fn sts_mut(&mut self, id: StsId) -> &mut StatefulSet {
        &mut self.statefulsets[id.index()]
    }
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    /// A Service's metadata (labels, finalizers, deletion timestamp); its
    /// name and selector, which the indexes key on, are changed elsewhere.
    pub(crate) fn service_mut(&mut self, id: ServiceId) -> &mut Service {
        &mut self.services[id.index()]
    }
    pub fn class(&self, id: ClassId) -> &StorageClass {
        &self.storage_classes[id.index()]
    }

    /// When the waiting pod `pod`, moved by an event at `now`, is tried
    /// again (`Waiting::retry_at`); `now` if it is not waiting.
    pub fn retry_at(&self, pod: PodId, now: crate::time::SimTime) -> crate::time::SimTime {
        self.unschedulable
            .get(&pod)
            .map_or(now, |w| w.retry_at(now, self.features.scheduler_pop_from_backoff_q))
    }

    /// The live pod with this name.
    pub fn pod_named(&self, name: &str) -> Option<PodId> {
        self.pod_names.get(name)
    }
    /// Every pod that has had this name, live or gone, oldest first.
    pub fn pods_ever_named(&self, name: &str) -> &[PodId] {
        self.incarnations.get(name).map_or(&[], Vec::as_slice)
    }
    /// The live claim with this name.
    /// What a volume costs a month at its size: its class's price; a volume
    /// of no class the cluster has is not priced.
    pub fn volume_monthly(&self, pv: &Pv) -> crate::pricing::Money {
        pv.storage_class.map_or(crate::pricing::Money::ZERO, |class| {
            self.class(class).pricing.monthly(pv.capacity_bytes, pv.iops, pv.throughput_mibps)
        })
    }

    /// The volume of that name that still exists.
    pub fn pv_named(&self, name: &str) -> Option<PvId> {
        self.pvs.iter().find(|pv| pv.removed_at.is_none() && pv.name == name).map(|pv| pv.id)
    }
    pub fn pvc_named(&self, name: &str) -> Option<PvcId> {
        self.pvc_names.get(name)
    }
    pub fn sts_named(&self, name: &str) -> Option<StsId> {
        self.statefulsets.iter().find(|s| s.removed_at.is_none() && s.name == name).map(|s| s.id)
    }
    /// The live Service with this name.
    pub fn service_named(&self, name: &str) -> Option<ServiceId> {
        self.service_names.get(name)
    }
    /// Live Services whose selector selects these labels, in id order.
    pub fn services_selecting(&self, labels: &crate::config::Labels) -> BTreeSet<ServiceId> {
        let mut found = BTreeSet::new();
        for (key, value) in labels {
            let Some(services) = self.services_by_label.get(key.as_str()).and_then(|v| v.get(value.as_str()))
            else {
                continue;
            };
            found.extend(services.iter().copied().filter(|s| self.service(*s).selects(labels)));
        }
        found
    }
    /// Stores a new Service under the next id. The caller has checked the name is free.
    pub(crate) fn insert_service(&mut self, service: Service) -> ServiceId {
        let id = ServiceId(self.services.len() as u32);
        let previous = self.service_names.insert(&service.name, id);
        assert!(previous.is_none(), "two live services named {}", service.name);
        if let Some((key, value)) = service.selector.iter().next() {
            let by_value = self.services_by_label.entry(CompactString::new(key)).or_default();
            by_value.entry(CompactString::new(value)).or_default().insert(id);
        }
        self.services.push(Service { id, ..service });
        id
    }
    /// Replaces a live Service's selector, and its place in the selector index.
    pub(crate) fn set_service_selector(&mut self, id: ServiceId, selector: crate::config::Labels) {
        let service = &mut self.services[id.index()];
        if let Some((key, value)) = service.selector.iter().next()
            && let Some(set) =
                self.services_by_label.get_mut(key.as_str()).and_then(|v| v.get_mut(value.as_str()))
        {
            set.remove(&id);
        }
        if let Some((key, value)) = selector.iter().next() {
            let by_value = self.services_by_label.entry(CompactString::new(key)).or_default();
            by_value.entry(CompactString::new(value)).or_default().insert(id);
        }
        service.selector = selector;
    }
    /// Takes a Service out of the live indexes; the object stays for the record.
    pub(crate) fn remove_service(&mut self, id: ServiceId, at: SimTime) {
        let service = &mut self.services[id.index()];
        assert!(service.removed_at.is_none(), "service {} deleted twice", service.name);
        service.removed_at = Some(at);
        let removed = self.service_names.remove(&service.name);
        assert_eq!(removed, Some(id), "the service index pointed elsewhere");
        if let Some((key, value)) = service.selector.iter().next()
            && let Some(set) =
                self.services_by_label.get_mut(key.as_str()).and_then(|v| v.get_mut(value.as_str()))
        {
            set.remove(&id);
        }
    }
    pub fn class_named(&self, name: &str) -> Option<ClassId> {
        self.storage_classes.iter().find(|c| c.name == name).map(|c| c.id)
    }
    pub fn default_class(&self) -> Option<ClassId> {
        self.storage_classes.iter().find(|c| c.is_default).map(|c| c.id)
    }

    /// Live pods, in name order.
    pub fn live_pods(&self) -> impl Iterator<Item = &Pod> {
        self.pod_names.values().map(|id| self.pod(id))
    }
    /// Live claims, in name order.
    pub fn live_pvcs(&self) -> impl Iterator<Item = &Pvc> {
        self.pvc_names.values().map(|id| self.pvc(id))
    }

    /// Stores a new pod. The caller has checked the name is free.
    pub(crate) fn insert_pod(&mut self, mut pod: Pod) -> PodId {
        pod.revision_number = self.number_revision(&pod.labels);
        pod.identity_labelled = identity_labelled(&pod.name, &pod.labels);
        let id = pod.id;
        assert_eq!(id.index(), self.pods.len(), "pod ids are dense");
        let previous = self.pod_names.insert(&pod.name, id);
        assert!(previous.is_none(), "two live pods named {}", pod.name);
        self.incarnations.entry(CompactString::new(&pod.name)).or_default().push(id);
        if let (Some(owner), Some(ordinal)) = (pod.owner, pod.ordinal) {
            let previous = self.statefulsets[owner.index()].pods.insert(ordinal, id);
            assert!(previous.is_none(), "two live pods with ordinal {ordinal}");
            self.owned_labels_unchecked.insert((owner, id));
        }
        for claim in &pod.claims {
            self.claim_users.entry(CompactString::new(claim)).or_default().push(id);
        }
        for (key, value) in &pod.labels {
            index_label(&mut self.pods_by_label, key, value, id);
        }
        if pod.affinity.has_pod_terms() {
            self.anti_affinity_pods.insert(id);
        }
        // A pod created without an owner (by hand) is an orphan a StatefulSet may adopt.
        if pod.owner.is_none() && pod.ordinal.is_some() {
            self.orphans.insert(id);
        }
        self.pod_briefs.push(pod.brief());
        self.pods.push(Box::new(pod));
        id
    }

    /// What the StatefulSet controller reads of pod `id`, as of its last
    /// refresh (`PodBrief`).
    pub fn pod_brief(&self, id: PodId) -> &crate::objects::PodBrief {
        let brief = &self.pod_briefs[id.index()];
        debug_assert_eq!(
            *brief,
            self.pod(id).brief(),
            "the brief of pod {} is out of date",
            self.pod(id).name
        );
        brief
    }
    /// Copies pod `id`'s phase, readiness, deletion, revision and identity
    /// label into its `PodBrief`: called by every write of them.
    pub(crate) fn refresh_pod_brief(&mut self, id: PodId) {
        self.pod_briefs[id.index()] = self.pods[id.index()].brief();
    }

    /// Takes a pod out of the live indexes; the object stays for the record.
    pub(crate) fn remove_pod(&mut self, id: PodId, at: SimTime) {
        let pod = &mut self.pods[id.index()];
        assert!(pod.removed_at.is_none(), "pod {} removed twice", pod.name);
        pod.removed_at = Some(at);
        let owner = pod.owner.zip(pod.ordinal);
        let removed = self.pod_names.remove(pod.name.as_str());
        assert_eq!(removed, Some(id), "the name index pointed elsewhere");
        if let (Some(node), Some(ip)) = (pod.node, pod.runtime.sandbox_ip) {
            let host = ip.0.to_be_bytes()[3];
            self.nodes[node.index()].ips_in_use.remove(&host);
        }
        if let Some(node) = pod.node {
            let running = pod.runtime.running;
            let n = &mut self.nodes[node.index()];
            n.pods.remove(&id);
            // The object is gone, but nobody stopped the container.
            if running {
                n.orphans.insert(id);
            }
        }
        if let Some((set, ordinal)) = owner {
            let removed = self.statefulsets[set.index()].pods.remove(&ordinal);
            assert_eq!(removed, Some(id), "the ordinal index pointed elsewhere");
        }
        for claim in &self.pods[id.index()].claims {
            if let Some(users) = self.claim_users.get_mut(claim.as_str()) {
                users.retain(|user| *user != id);
                if users.is_empty() {
                    self.claim_users.remove(claim.as_str());
                }
            }
        }
        self.unschedulable.remove(&id);
        self.prebind.remove(&id);
        self.anti_affinity_pods.remove(&id);
        for (key, value) in &self.pods[id.index()].labels {
            unindex_label(&mut self.pods_by_label, key, value, id);
        }
        self.orphans.remove(&id);
    }

    /// Takes a pod out of its StatefulSet's index: it has no owner now.
    pub(crate) fn disown_pod(&mut self, id: PodId) {
        let pod = &mut self.pods[id.index()];
        if let (Some(set), Some(ordinal)) = (pod.owner.take(), pod.ordinal) {
            let removed = self.statefulsets[set.index()].pods.remove(&ordinal);
            assert_eq!(removed, Some(id), "the ordinal index pointed elsewhere");
        }
        if pod.removed_at.is_none() {
            self.orphans.insert(id);
        }
    }

    /// Replaces a live pod's labels, keeping the label index true.
    pub(crate) fn set_pod_labels(&mut self, id: PodId, labels: crate::config::Labels) {
        for (key, value) in &self.pods[id.index()].labels {
            unindex_label(&mut self.pods_by_label, key, value, id);
        }
        for (key, value) in &labels {
            index_label(&mut self.pods_by_label, key, value, id);
        }
        self.pods[id.index()].revision_number = self.number_revision(&labels);
        let pod = &mut self.pods[id.index()];
        pod.identity_labelled = identity_labelled(&pod.name, &labels);
        pod.labels = labels;
        self.refresh_pod_brief(id);
        if let Some(owner) = self.pods[id.index()].owner {
            self.owned_labels_unchecked.insert((owner, id));
        }
    }

    /// Sets one label of a live pod, keeping the label index true: the
    /// value it replaces, if any.
    pub(crate) fn set_pod_label(&mut self, id: PodId, key: &str, value: &str) -> Option<String> {
        let old = self.pods[id.index()].labels.insert(key.to_string(), value.to_string());
        if let Some(old) = &old {
            unindex_label(&mut self.pods_by_label, key, old, id);
        }
        index_label(&mut self.pods_by_label, key, value, id);
        if key == crate::objects::labels::REVISION {
            let labels = std::mem::take(&mut self.pods[id.index()].labels);
            self.pods[id.index()].revision_number = self.number_revision(&labels);
            self.pods[id.index()].labels = labels;
        }
        if key == crate::objects::labels::POD_NAME {
            let pod = &mut self.pods[id.index()];
            pod.identity_labelled = identity_labelled(&pod.name, &pod.labels);
        }
        self.refresh_pod_brief(id);
        if let Some(owner) = self.pods[id.index()].owner {
            self.owned_labels_unchecked.insert((owner, id));
        }
        old
    }

    /// Live pods without an owner, in id order: candidates for adoption.
    pub fn orphaned_pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.orphans.iter().copied()
    }

    /// Gives an orphaned pod to a StatefulSet (the controller's `ClaimPods`).
    pub(crate) fn adopt_pod(&mut self, id: PodId, set: StsId) {
        let removed = self.orphans.remove(&id);
        assert!(removed, "only an orphan is adopted");
        let pod = &mut self.pods[id.index()];
        assert!(pod.owner.is_none(), "pod {} adopted while owned", pod.name);
        let ordinal = pod.ordinal.expect("an adopted pod has an ordinal");
        pod.owner = Some(set);
        let previous = self.statefulsets[set.index()].pods.insert(ordinal, id);
        assert!(previous.is_none(), "two live pods with ordinal {ordinal}");
        self.owned_labels_unchecked.insert((set, id));
    }

    /// Live pods that mount the claim with this name, oldest first.
    pub fn claim_users(&self, claim: &str) -> &[PodId] {
        self.claim_users.get(claim).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether the pvc-protection controller counts the claim as in use: a
    /// live pod that names it is scheduled (`spec.nodeName` set). A pod
    /// still waiting for a node does not hold the claim, because the kubelet
    /// refuses to start a pod whose claim is being deleted (`podUsesPVC` in
    /// pkg/controller/volume/pvcprotection/pvc_protection_controller.go).
    /// A claim whose `kubernetes.io/pvc-protection` finalizer a client
    /// removed is not held at all.
    pub fn claim_protected_by_pod(&self, claim: &str) -> bool {
        let protected = self.pvc_names.get(claim).is_none_or(|id| !self.pvcs[id.index()].protection_removed);
        protected && self.claim_users(claim).iter().any(|pod| self.pod(*pod).node.is_some())
    }

    /// When `image` (normalized, `config::normalized_image`) is on the
    /// node's disk: pulled there (a future time while the pull runs), or
    /// from the start with its pool's preloaded images.
    pub fn image_on_node(&self, node: NodeId, image: &str) -> Option<SimTime> {
        let node = self.node(node);
        let preloaded = self.preloaded_images.get(node.pool).is_some_and(|images| images.contains(image));
        if preloaded { Some(SimTime::ZERO) } else { node.images.get(image).copied() }
    }

    /// How an image behaves, from the scenario or the defaults.
    pub fn image(&self, name: &str) -> &crate::config::ImageConfig {
        self.images.get(name).unwrap_or(&self.fallback_image)
    }

    pub(crate) fn insert_pvc(&mut self, pvc: Pvc) -> PvcId {
        let id = pvc.id;
        assert_eq!(id.index(), self.pvcs.len(), "claim ids are dense");
        let previous = self.pvc_names.insert(&pvc.name, id);
        assert!(previous.is_none(), "two live claims named {}", pvc.name);
        let owners: Vec<Owner> = pvc.owner_refs.iter().map(|r| r.owner).collect();
        self.pvcs.push(pvc);
        self.index_owners(id, &owners);
        id
    }

    fn index_owners(&mut self, id: PvcId, owners: &[Owner]) {
        for owner in owners {
            self.claims_by_owner.entry(*owner).or_default().insert(id);
        }
    }

    fn unindex_owners(&mut self, id: PvcId) {
        for r in &self.pvcs[id.index()].owner_refs {
            if let Some(claims) = self.claims_by_owner.get_mut(&r.owner) {
                claims.remove(&id);
                if claims.is_empty() {
                    self.claims_by_owner.remove(&r.owner);
                }
            }
        }
    }

    /// Replaces a live claim's owner references.
    pub(crate) fn set_pvc_owners(&mut self, id: PvcId, owners: Vec<OwnerRef>) {
        self.unindex_owners(id);
        let names: Vec<Owner> = owners.iter().map(|r| r.owner).collect();
        self.pvcs[id.index()].owner_refs = owners;
        if self.pvcs[id.index()].exists() {
            self.index_owners(id, &names);
        }
    }

    /// Whether any live claim has an owner reference (under the default
    /// retention policy none ever does).
    pub fn any_claim_owned(&self) -> bool {
        !self.claims_by_owner.is_empty()
    }
    /// Live claims whose references name `owner`, in id order.
    pub fn claims_owned_by(&self, owner: Owner) -> impl Iterator<Item = PvcId> + '_ {
        self.claims_by_owner.get(&owner).into_iter().flatten().copied()
    }

    /// Sets a live claim's deletion timestamp (it stays, Terminating, while
    /// a finalizer holds it).
    pub(crate) fn mark_pvc_deleting(&mut self, id: PvcId, at: SimTime) {
        self.pvcs[id.index()].deletion_timestamp = Some(at);
        self.claim_losses += 1;
    }

    pub(crate) fn remove_pvc(&mut self, id: PvcId, at: SimTime) {
        self.claim_losses += 1;
        let pvc = &mut self.pvcs[id.index()];
        assert!(pvc.removed_at.is_none(), "claim {} removed twice", pvc.name);
        pvc.removed_at = Some(at);
        let name = pvc.name.clone();
        let removed = self.pvc_names.remove(&name);
        assert_eq!(removed, Some(id), "the claim index pointed elsewhere");
        self.unindex_owners(id);
    }

    /// Fully qualified name of a headless Service itself:
    /// `<service>.<namespace>.svc.<domain>`, which its Service-level and SRV
    /// names end in, and which applications watch (`apps::Apps::touch_name`).
    pub fn service_fqdn(&self, service: &str) -> String {
        [service, ".", &self.namespace, ".svc.", &self.cluster_domain].concat()
    }

    /// Fully qualified name of a pod's record under a service:
    /// `<hostname>.<service>.<namespace>.svc.<domain>`.
    pub fn pod_fqdn(&self, pod: &Pod, service: &Service) -> String {
        [&pod.hostname, ".", &service.name, ".", &self.namespace, ".svc.", &self.cluster_domain].concat()
    }
}

/// Adds a pod under one of its labels in the label index, copying the key
/// and value only when the index has no entry for them yet.
fn index_label(index: &mut LabelIndex<PodId>, key: &str, value: &str, id: PodId) {
    let values = match index.get_mut(key) {
        Some(values) => values,
        None => index.entry(CompactString::new(key)).or_default(),
    };
    match values.get_mut(value) {
        Some(pods) => {
            pods.insert(id);
        }
        None => {
            values.insert(CompactString::new(value), BTreeSet::from([id]));
        }
    }
}

/// Takes a pod out from under one of its labels in the label index, dropping
/// entries left empty.
fn unindex_label(index: &mut LabelIndex<PodId>, key: &str, value: &str, id: PodId) {
    let Some(values) = index.get_mut(key) else { return };
    if let Some(pods) = values.get_mut(value) {
        pods.remove(&id);
        if pods.is_empty() {
            values.remove(value);
        }
    }
    if values.is_empty() {
        index.remove(key);
    }
}

/// The number `numbers` gives `value`, a new one if it has none.
fn number_value(numbers: &mut rustc_hash::FxHashMap<CompactString, u32>, value: &str) -> u32 {
    if let Some(number) = numbers.get(value) {
        return *number;
    }
    let number = numbers.len() as u32;
    numbers.insert(CompactString::new(value), number);
    number
}

/// Whether `labels` name the pod `name` by its identity label
/// (`Pod::identity_labelled`).
fn identity_labelled(name: &str, labels: &crate::config::Labels) -> bool {
    labels.get(crate::objects::labels::POD_NAME).is_some_and(|v| v == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembered FitError holds only for the same trace length and
    /// room changes, and the same start node; a new time drops every entry.
    #[test]
    fn a_fit_error_is_remembered_only_while_nothing_changed() {
        let mut memo = FitErrors::default();
        let (a, b) = (PodId(1), PodId(2));
        let found = |next| ("0/3 nodes are available".to_string(), Plugins::NODE_RESOURCES_FIT, next);
        memo.remember((10, 0), a, (1, found(1).0, found(1).1, 1));
        memo.remember((10, 0), b, (1, found(1).0, found(1).1, 1));
        assert_eq!(memo.find((10, 0), a, 1), Some(found(1)));
        assert_eq!(memo.find((10, 0), a, 2), None, "another start node");
        assert_eq!(memo.find((11, 0), a, 1), None, "a record since");
        assert_eq!(memo.find((10, 1), a, 1), None, "a pod took or gave back room since");
        memo.remember((12, 0), a, (1, found(2).0, found(2).1, 2));
        assert_eq!(memo.find((12, 0), a, 1), Some(found(2)));
        assert_eq!(memo.find((12, 0), b, 1), None, "b's entry was of another time");
    }
}
