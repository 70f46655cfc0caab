//! Clustered applications: what runs inside a StatefulSet's pods, and
//! whether it still works.
//!
//! Owns the application models (one module per kind), what each member
//! keeps on its volume (cluster id, member identity, the peer addresses it
//! stored, how current it is), the member processes, and the verdict engine.
//! After a change to an application's pods, to a machine one of its members
//! runs on or to a DNS name it looked up, and when a cached DNS answer or a
//! timer of its own runs out ([`Apps`] keeps which are due), members start,
//! look for their peers, join or are refused, and each application is judged HEALTHY,
//! DEGRADED or BROKEN with the reason, the cause chain and the fix
//! (shared/failure-modes.md section 2, whose rules the kinds follow). Each
//! change of verdict is a trace record, so the report can give intervals.
//!
//! A member's data lives on its claim ([`VolumeKey::Claim`]): a pod re-created
//! with the same claim finds its data again; a claim deleted and made again
//! is a new, empty volume. Behind a hostPath volume of no node affinity it
//! lives in that node's directory ([`VolumeKey::HostDir`]): the claim follows
//! a pod moved to another node, the data does not. A set without claims
//! keeps data in the pod, which is lost with it (emptyDir).
//!
//! Peers are reached at the address a member stored: a DNS name works while
//! it resolves (through CoreDNS's cache, `dns::resolve`) to the member's
//! current pod; an IP only while the pod keeps it. A name that does not
//! resolve is looked up again after the app's `lookup_retry`, as members'
//! own retry loops do: each lookup after the cached NXDOMAIN expires caches
//! a new one, so the denial runs from the last failed lookup.
//!
//! Operators see the applications through [`views`] (each member's role as
//! its process reports it) and may [`promote`] a replica of a primary/replica
//! application, through the API server.
//!
//! Does not change Kubernetes objects, except the readiness probe result of
//! a member whose probe passes only once it has joined (`readiness: Joined`),
//! and a container whose process exits of its own accord (an etcd member
//! that fails its DNS discovery, a member its database refuses in a way the
//! program does not survive: `exits_when_refused`), through the kubelet.

pub mod breakage;
mod cassandra;
mod explain;
mod gossip;
mod kafka;
mod primary_replica;
mod quorum;
mod redis_cluster;
pub mod replication;
mod sentinel;

use gossip::{Links, components, links, spread_addresses};

use crate::api::{Api, Change};
use crate::config::{AppConfig, AppKind, AppReadiness};
use crate::events::EventKey;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::trace::Event;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// A cluster some member initialised, numbered in the order they appeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClusterId(pub u32);

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cluster-{}", self.0)
    }
}

/// How a member stored a peer.
#[derive(Debug, Clone, Eq, PartialOrd, Ord, Serialize)]
pub enum Address {
    /// A DNS name: shared, so that copies of one member's name compare
    /// equal at a glance (see `PartialEq`).
    Dns(Arc<str>),
    Ip(Ipv4),
}

/// Equal as the derived equality is, but two copies of one DNS name are
/// equal at the pointer: `Arc<str>`'s own equality always compares the
/// text (the standard library's pointer shortcut is for sized values), and
/// a look at a large ring compares a stored address per pair of members.
impl PartialEq for Address {
    fn eq(&self, other: &Address) -> bool {
        match (self, other) {
            (Address::Dns(a), Address::Dns(b)) => same_text(a, b),
            (Address::Ip(a), Address::Ip(b)) => a == b,
            _ => false,
        }
    }
}

/// Hashed as the derived hash would: the kind, then the name or the IP.
impl std::hash::Hash for Address {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Address::Dns(name) => name.hash(state),
            Address::Ip(ip) => ip.hash(state),
        }
    }
}

/// Two shared strings are equal: the same one, or the same text.
pub(crate) fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Dns(name) => f.write_str(name),
            Address::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// What a member is in its cluster, as its data says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    Primary,
    Replica,
    /// A voting member of a quorum system.
    Voter,
}

/// Where a member's data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VolumeKey {
    /// On a claim: survives the pod, not the claim.
    Claim(PvcId),
    /// In the pod itself (no claim templates): lost with the pod.
    Pod(PodId),
    /// In a node's directory behind hostPath volume `pv`, which has no node
    /// affinity: the claim follows the pod to any node, the data stays on
    /// the node it was written on. (Two volumes of one path share the
    /// directory on a node; the model keeps each volume's apart.)
    HostDir { pv: PvId, node: NodeId },
}

impl VolumeKey {
    /// Where the member of `pod`, on `node`, keeps its data: the directory
    /// of a hostPath volume of no node affinity on that node, else its
    /// first claim, else the pod.
    fn of(world: &crate::world::World, pod: PodId, node: NodeId) -> VolumeKey {
        let Some(claim) = world.pod(pod).claims.first().and_then(|c| world.pvc_named(c)) else {
            return VolumeKey::Pod(pod);
        };
        match world.pvc(claim).volume.map(|v| world.pv(v)) {
            Some(pv) if pv.host_dir().is_some() => VolumeKey::HostDir { pv: pv.id, node },
            _ => VolumeKey::Claim(claim),
        }
    }
}

/// What a member keeps on its volume.
#[derive(Debug, Clone)]
pub struct MemberData {
    pub cluster: ClusterId,
    /// The identity the data was written as (the pod name).
    pub member: String,
    pub role: Role,
    /// Peers by member name, at the address stored when they were learned.
    /// The names are the processes' own (`Process::name`), shared by every
    /// member that stores them: a look compares them pair by pair.
    pub peers: BTreeMap<Arc<str>, Address>,
    /// Until when the data is known to be current with its cluster.
    pub synced_at: SimTime,
    /// Primary/replica kinds: how far the data goes, and the lease it believes it holds.
    pub repl: Replication,
}

/// A member's replication state, on its volume (primary/replica kinds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replication {
    /// The writes its data holds, counted in milliseconds of the primary's
    /// writing (the write rate turns them into a number of writes): its WAL
    /// position, as `pg_last_wal_replay_lsn()` reports it.
    pub position_ms: u64,
    /// The timeline its data is on (PostgreSQL's timeline ID): 1 from the
    /// initialisation, a new one at each promotion.
    pub timeline: u32,
    /// A primary cut off from the DCS: until when it still believes it
    /// holds the leader lease (its last renewal plus the `ttl`).
    pub lease_until: Option<SimTime>,
    /// Since when it has held the leader key, as it believes.
    pub held_since: Option<SimTime>,
}

/// One line of a primary/replica cluster's history: a PostgreSQL timeline.
/// The first starts at initialisation; each promotion starts a new one,
/// branching from the promoted member's position on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub id: u32,
    /// The member whose writes it holds: the initialiser or the promoted one.
    pub primary: String,
    pub started_at: SimTime,
    /// The timeline it branched from, and the position it branched at.
    pub parent: Option<u32>,
    pub branch_ms: u64,
    /// The furthest position written on it.
    pub high_ms: u64,
    /// The stretches in which its primary took writes: from, to, position at `from`.
    pub writing: Vec<(SimTime, SimTime, u64)>,
    /// How it started, for cause chains (`operator/failover promoted pg-1 at 10m45s`).
    pub how: String,
    /// What had happened to the old primary when it started, from the root
    /// (`worker-2 partitioned at 10m`, `pg-0 unreachable`).
    pub before: Vec<String>,
}

impl Timeline {
    /// When position `at` was written on it, if it was.
    pub fn time_of(&self, at: u64) -> Option<SimTime> {
        self.writing.iter().find_map(|&(from, to, start)| {
            let span = to.since(from).as_millis();
            (start <= at && at <= start + span).then(|| from + SimDuration::from_millis(at - start))
        })
    }
    /// The position written on it by `at` (its branch point before any write).
    pub fn position_at(&self, at: SimTime) -> u64 {
        self.writing
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= at)
            .map_or(self.branch_ms, |&(from, to, start)| start + at.min(to).since(from).as_millis())
    }
    /// Milliseconds of writing on it after `after`.
    pub fn written_after(&self, after: SimTime) -> u64 {
        self.writing.iter().map(|&(from, to, _)| to.since(from.max(after).min(to)).as_millis()).sum()
    }
}

/// What a running member process is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessState {
    /// In its cluster (initialised it, joined it, or restarted with its data).
    Member { cluster: ClusterId },
    /// Up, but not in a cluster yet: looking for a primary or a majority.
    Waiting { why: String },
    /// Refused: it will not serve as a member with the data it has.
    Rejected { why: String, code: &'static str },
}

/// A member's process: one container run.
#[derive(Debug, Clone)]
pub struct Process {
    pub pod: PodId,
    /// The identity it runs as: the pod name.
    pub member: String,
    /// `member`, shared: the key under which peers store it.
    pub name: Arc<str>,
    pub ordinal: u32,
    pub ip: Ipv4,
    /// Its name in DNS, `<member>.<subdomain>.<namespace>.svc.<domain>`:
    /// made once, and shared by every peer that stores it.
    pub dns_name: Arc<str>,
    pub node: NodeId,
    pub started_at: SimTime,
    /// Which start of its pod's container it is (`Runtime::starts`): a
    /// container started again in the instant it exited is a new process.
    pub start: u32,
    pub volume: VolumeKey,
    pub state: ProcessState,
    /// Set when its pod object was removed while the container still ran (a
    /// force delete): the process lives on until its node's kubelet kills it
    /// (`Runtime::running`, kept by the kubelet model).
    pub ghost_since: Option<SimTime>,
    /// While it copies data from its peers after joining, and why.
    pub catching_up: Option<(SimTime, String)>,
    /// Whether the last verdict found it current with its cluster.
    pub in_sync: bool,
    /// Sentinel: the preStop hook of its container has run (once per kill,
    /// as the kubelet runs it).
    pub pre_stop_ran: bool,
}

/// A cluster as the members' data describes it.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub id: ClusterId,
    pub created_at: SimTime,
    pub created_by: String,
    /// The configured members (quorum systems): the static membership.
    /// Sentinel: every member whose sentinel ran, which the others never forget.
    /// Kafka: the controller quorum's voters (`controller.quorum.voters`).
    /// Cassandra: every node that joined the ring (it leaves by decommission).
    pub members: BTreeSet<String>,
    /// Quorum systems: the membership it was formed with, whatever changed
    /// since (etcd derives the cluster ID from it and the token).
    pub initial: BTreeSet<String>,
    /// Members removed from the membership (a pre-stop hook on scale-down), and when.
    pub removed: BTreeMap<String, SimTime>,
    /// How each removal was made, when not by the pre-stop hook (`etcdctl member remove`).
    pub removed_how: BTreeMap<String, String>,
    /// The address of each member as the cluster's membership records it
    /// (quorum systems keep it in the replicated log, so on every volume).
    pub peers: BTreeMap<String, Address>,
    /// How it came to be, step by step, for cause chains.
    pub origin: Vec<String>,
    /// Redis Cluster: the master serving each slot range, in range order.
    pub slots: Vec<String>,
    /// Redis Cluster: the master each replica follows.
    pub follows: BTreeMap<String, String>,
    /// Redis Cluster: since when each master has been out of the majority.
    pub down_since: BTreeMap<String, SimTime>,
    /// Primary/replica: the member the DCS leader key names, and since when
    /// (Patroni's leader key, renewed every `loop_wait` while its holder
    /// reaches the DCS, which on Kubernetes is the API server).
    pub leader: Option<(String, SimTime)>,
    /// Primary/replica: the leader's last renewal of the key, as of the last look.
    pub lease_renewed: Option<SimTime>,
    /// Primary/replica: the timelines of its history, in order.
    pub timelines: Vec<Timeline>,
}

/// HEALTHY, DEGRADED or BROKEN, or still forming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Health {
    /// Members are still starting and joining; nothing is wrong yet.
    Forming,
    Healthy,
    /// Serving, with less redundancy than configured, or members lagging.
    Degraded,
    /// Not serving writes, or split brain (several authorities).
    Broken,
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Health::Forming => "FORMING",
            Health::Healthy => "HEALTHY",
            Health::Degraded => "DEGRADED",
            Health::Broken => "BROKEN",
        })
    }
}

/// The judgement on one application at one time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub health: Health,
    /// A stable identifier of the reason, like `peers-unreachable`.
    pub code: &'static str,
    pub reason: String,
    /// From the root cause to the verdict, one step each.
    pub cause: Vec<String>,
    /// When the root cause happened, if known.
    pub cause_at: Option<SimTime>,
    /// What would fix it, in one sentence.
    pub fix: String,
    /// A cause chain and fix not worked out yet: most looks give the verdict
    /// already recorded, which is then not recorded again, so the
    /// explanation (a search of the trace) is worked out only when the
    /// verdict is recorded. Always `None` on a recorded verdict.
    #[serde(skip)]
    pub(crate) deferred: Option<Deferred>,
}

/// An explanation a verdict carries until it is recorded: the same world and
/// trace give the same words then (nothing between the evaluation and the
/// recording changes what it reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Deferred {
    /// No primary: `primary` is not running (`primary_replica::no_primary`).
    NoPrimary { primary: String },
}

impl Deferred {
    /// Works the cause chain and fix out into the verdict.
    fn resolve(self, api: &Api, verdict: &mut Verdict) {
        match self {
            Deferred::NoPrimary { primary } => primary_replica::no_primary_why(api, &primary, verdict),
        }
    }
}

impl Verdict {
    fn new(health: Health, code: &'static str, reason: String) -> Verdict {
        Verdict {
            health,
            code,
            reason,
            cause: Vec::new(),
            cause_at: None,
            fix: String::new(),
            deferred: None,
        }
    }
    pub(crate) fn healthy(reason: String) -> Verdict {
        Verdict::new(Health::Healthy, "healthy", reason)
    }
    pub(crate) fn degraded(code: &'static str, reason: String) -> Verdict {
        Verdict::new(Health::Degraded, code, reason)
    }
    pub(crate) fn broken(code: &'static str, reason: String) -> Verdict {
        Verdict::new(Health::Broken, code, reason)
    }
    pub(crate) fn because(mut self, chain: Chain) -> Verdict {
        self.cause = chain.steps;
        self.cause_at = chain.at;
        self
    }
    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Verdict {
        self.fix = fix.into();
        self
    }
    /// Faults that no amount of waiting undoes: reported even while forming.
    /// A replication factor above the nodes the StatefulSet runs (Cassandra's
    /// ring, Kafka's brokers) is one: only scaling or a lower factor helps.
    fn definitive(&self) -> bool {
        // A phantom member is written into every member's initial cluster:
        // no pod will ever take its name.
        matches!(
            self.code,
            "split-brain"
                | "duplicate-identity"
                | "foreign-data"
                | "data-lost"
                | "phantom-member"
                | "ring-too-small"
                | "too-few-brokers"
        )
    }
}

/// Every reason code a verdict can give, for scenarios that expect one.
pub const CODES: &[&str] = &[
    "healthy",
    "forming",
    "catching-up",
    "cluster-id-mismatch",
    "data-lost",
    "discovery-failed",
    "dns-negative-cache",
    "duplicate-identity",
    "empty-data",
    "foreign-data",
    "master-down",
    "member-down",
    "member-waiting",
    "no-primary",
    "no-replica",
    "node-unreachable",
    "not-created",
    "not-enough-replicas",
    "not-formed",
    "not-in-membership",
    "partition-offline",
    "peers-unreachable",
    "phantom-member",
    "quorum-lost",
    "ring-too-small",
    "service-missing",
    "service-not-headless",
    "slots-uncovered",
    "split-brain",
    "stale-data",
    "stale-ip",
    "subdomain-changed",
    "too-few-brokers",
    "unresolvable-until-ready",
];

/// A cause chain under construction: steps from the root, and the root's time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    pub steps: Vec<String>,
    pub at: Option<SimTime>,
}

impl Chain {
    pub fn root(step: String, at: Option<SimTime>) -> Chain {
        Chain { steps: vec![step], at }
    }
    pub fn then(mut self, step: impl Into<String>) -> Chain {
        self.steps.push(step.into());
        self
    }
}

/// One application: the members of one StatefulSet of the scenario,
/// whatever the set object is called after a rename or re-creation.
#[derive(Debug, Clone, Default)]
pub struct App {
    /// The name of the StatefulSet in the scenario.
    pub name: String,
    /// Index of the StatefulSet in the config.
    pub config_index: usize,
    pub config: Option<AppConfig>,
    /// The StatefulSet objects the application has run under, oldest first.
    pub sets: Vec<StsId>,
    /// Live pods that run (or will run) a member.
    pub pods: BTreeSet<PodId>,
    /// Added and removed through `add_process` and `remove_process`,
    /// which keep `by_member`.
    pub processes: BTreeMap<PodId, Process>,
    /// The pods of `processes` by member name: a member is looked for by
    /// name at every lookup of a peer, and a look of a forming cluster of
    /// n members makes n² of them (a scan of every process for each made
    /// a 300-member etcd's start run for minutes).
    by_member: BTreeMap<String, BTreeSet<PodId>>,
    /// The processes in ordinal order, ghosts after the live incarnation
    /// (`processes_in_order`), kept by `add_process`, `remove_process` and
    /// `set_ghost`: every look of every model walks them in this order,
    /// several times, and sorting them afresh each time was a tenth of a
    /// look of a three-member Redis.
    order: Vec<(u32, bool, PodId)>,
    pub volumes: BTreeMap<VolumeKey, MemberData>,
    pub clusters: Vec<Cluster>,
    /// Members that have held data in a cluster.
    pub joined: BTreeSet<String>,
    pub verdict: Option<Verdict>,
    pub first_start: Option<SimTime>,
    /// Whether the application has finished forming (or given up on it).
    pub formed: bool,
    /// Since when the primary has been unreachable for every replica, or absent.
    pub cut_off_since: Option<SimTime>,
    /// The readiness result set for each pod (`readiness: Joined`).
    overrides: BTreeMap<PodId, bool>,
    /// Kafka: the cluster id each install (StatefulSet object) formats with.
    pub install_cluster: BTreeMap<StsId, ClusterId>,
    /// Primary/replica: until when the positions were last brought forward.
    pub advanced_at: Option<SimTime>,
    /// Primary/replica: the primaries taking writes since the last look, and
    /// until when their lease lets them (`None`: they renew it).
    pub writing: BTreeMap<PodId, Option<SimTime>>,
    /// Primary/replica: the replicas receiving a primary's writes since the
    /// last look, and from which primary.
    pub replicating: BTreeMap<PodId, PodId>,
    /// etcd with DNS discovery: the initial cluster each volume was
    /// bootstrapped with, from the SRV records its member found at start
    /// (etcd writes it, with the cluster ID it gives, to the data directory
    /// before the cluster has formed).
    pub bootstrapped: BTreeMap<VolumeKey, BTreeSet<String>>,
    /// Members whose program exits at each start because it is refused
    /// (`exits_when_refused`), each with its last refused process: while it
    /// restarts in CrashLoopBackOff, the verdict still gives the refusal as
    /// the reason, not just a member down. Cleared when the member starts
    /// and is not refused, or its pod is gone.
    pub crash_looping: BTreeMap<String, Process>,
    /// Kafka: each partition's replicas and its in-sync replica set (ISR),
    /// as the controller of the cluster it belongs to keeps it
    /// (`kafka::evaluate`): a reinstall's new cluster starts its own. The
    /// replicas are placed once, when the topic is created, and kept
    /// whatever the set's size (`kafka::partitions`).
    pub isr: BTreeMap<(ClusterId, usize), (Vec<String>, Vec<String>)>,
    /// The address each member's last process that stopped had: where
    /// peers that know members by address (Cassandra's gossip) last saw it.
    pub last_ip: BTreeMap<String, Ipv4>,
}

impl App {
    pub fn config(&self) -> &AppConfig {
        self.config.as_ref().expect("an application has a config")
    }
    fn kind(&self) -> &AppKind {
        &self.config().kind
    }
    /// The set the application runs under now: the newest live one, else the newest.
    pub fn current_set<'w>(&self, world: &'w crate::world::World) -> &'w StatefulSet {
        let live = self.sets.iter().rev().find(|s| world.sts(**s).removed_at.is_none());
        world.sts(*live.or(self.sets.last()).expect("an application has a set"))
    }
    /// The members the current set wants, by name, with their ordinals.
    pub fn expected(&self, world: &crate::world::World) -> Vec<(String, u32)> {
        let set = self.current_set(world);
        if set.removed_at.is_some() {
            return Vec::new();
        }
        (set.start_ordinal()..set.end_ordinal_exclusive()).map(|o| (pod_name(&set.name, o), o)).collect()
    }
    pub fn data_of(&self, process: &Process) -> Option<&MemberData> {
        self.volumes.get(&process.volume)
    }
    /// The cluster a process is a member of, if it is one.
    pub fn cluster_of(&self, process: &Process) -> Option<ClusterId> {
        match process.state {
            ProcessState::Member { cluster } => Some(cluster),
            _ => None,
        }
    }
    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.0 as usize - 1]
    }
    fn cluster_mut(&mut self, id: ClusterId) -> &mut Cluster {
        &mut self.clusters[id.0 as usize - 1]
    }
    /// Starts a new cluster record.
    fn new_cluster(&mut self, by: &str, at: SimTime) -> ClusterId {
        let id = ClusterId(self.clusters.len() as u32 + 1);
        self.clusters.push(Cluster {
            id,
            created_at: at,
            created_by: by.to_string(),
            members: BTreeSet::new(),
            initial: BTreeSet::new(),
            removed: BTreeMap::new(),
            removed_how: BTreeMap::new(),
            peers: BTreeMap::new(),
            origin: Vec::new(),
            slots: Vec::new(),
            follows: BTreeMap::new(),
            down_since: BTreeMap::new(),
            leader: None,
            lease_renewed: None,
            timelines: Vec::new(),
        });
        id
    }
    /// Processes in ordinal order (ghosts after the live incarnation).
    pub fn processes_in_order(&self) -> Vec<PodId> {
        debug_assert!(
            self.order.iter().copied().eq(self.processes.values().map(order_key).collect::<BTreeSet<_>>())
        );
        self.order.iter().map(|&(_, _, pod)| pod).collect()
    }
    /// Live processes that wait for their application to let them in, in
    /// ordinal order: what every model's `progress` step works through.
    pub fn waiting(&self) -> Vec<PodId> {
        self.processes_in_order()
            .into_iter()
            .filter(|p| {
                let process = &self.processes[p];
                process.ghost_since.is_none() && matches!(process.state, ProcessState::Waiting { .. })
            })
            .collect()
    }
    /// Of `members` (which the model found connected), those whose live
    /// incarnation has finished catching up by `now`; they are marked in sync
    /// and their catch-up is over.
    pub fn settle_caught_up<'a>(
        &mut self,
        members: impl IntoIterator<Item = &'a String>,
        now: SimTime,
    ) -> BTreeSet<String> {
        let settled: BTreeSet<String> = members
            .into_iter()
            .filter(|m| {
                let process = self.processes_of(m).into_iter().find(|p| p.ghost_since.is_none());
                process.is_some_and(|p| p.catching_up.as_ref().is_none_or(|(until, _)| *until <= now))
            })
            .cloned()
            .collect();
        for process in self.processes.values_mut() {
            if settled.contains(&process.member) && process.ghost_since.is_none() {
                process.catching_up = None;
                process.in_sync = true;
            }
        }
        settled
    }
    /// The running processes of a member, live incarnation first.
    pub fn processes_of(&self, member: &str) -> Vec<&Process> {
        let mut found: Vec<&Process> = self.processes_named(member).collect();
        found.sort_by_key(|p| (p.ghost_since.is_some(), p.pod));
        found
    }
    /// The first of `processes_of(member)`, without collecting them.
    pub fn first_process_of(&self, member: &str) -> Option<&Process> {
        self.processes_named(member).min_by_key(|p| (p.ghost_since.is_some(), p.pod))
    }
    /// The processes of `member`, by pod.
    pub fn processes_named(&self, member: &str) -> impl Iterator<Item = &Process> {
        self.by_member.get(member).into_iter().flatten().map(|pod| &self.processes[pod])
    }
    /// A process starts at `pod`.
    pub fn add_process(&mut self, process: Process) {
        self.by_member.entry(process.member.clone()).or_default().insert(process.pod);
        let key = order_key(&process);
        if let Some(old) = self.processes.insert(process.pod, process) {
            self.unorder(order_key(&old));
        }
        self.reorder(key);
    }
    /// The process at `pod` keeps running after its pod object was
    /// removed (since `since`): a ghost, ordered after its member's live
    /// incarnation.
    pub fn set_ghost(&mut self, pod: PodId, since: Option<SimTime>) {
        let Some(process) = self.processes.get_mut(&pod) else { return };
        let old = order_key(process);
        process.ghost_since = since;
        let key = order_key(process);
        self.unorder(old);
        self.reorder(key);
    }
    /// `key` leaves `order`.
    fn unorder(&mut self, key: (u32, bool, PodId)) {
        if let Ok(at) = self.order.binary_search(&key) {
            self.order.remove(at);
        }
    }
    /// `key` takes its place in `order`.
    fn reorder(&mut self, key: (u32, bool, PodId)) {
        let at = self.order.partition_point(|k| *k < key);
        self.order.insert(at, key);
    }
    /// The process at `pod` is gone, if there was one.
    pub fn remove_process(&mut self, pod: PodId) -> Option<Process> {
        let process = self.processes.remove(&pod)?;
        self.unorder(order_key(&process));
        if let Some(pods) = self.by_member.get_mut(&process.member) {
            pods.remove(&pod);
            if pods.is_empty() {
                self.by_member.remove(&process.member);
            }
        }
        Some(process)
    }
}

/// Where a process goes in `App::order`: by ordinal, the live incarnation
/// before its ghosts, then by pod (pods are unique, so this is one order).
fn order_key(process: &Process) -> (u32, bool, PodId) {
    (process.ordinal, process.ghost_since.is_some(), process.pod)
}

/// Every application of the run, and which of them the next look must
/// look at.
///
/// A look evaluates an application only when something it depends on
/// changed since its own last look, or a deadline of its own came: its
/// members' pods and containers ([`Apps::touch`]), a machine one of its
/// processes runs on ([`Apps::touch_node`]), a DNS name it looked up or a
/// record under a Service it looked up ([`Apps::touch_name`]), an
/// operator's change to it, or the time its last look asked to be woken
/// at. So one application's story does not depend on another's changes
/// (each member resolves names and retries on its own clock, as real
/// members do), and a fleet of applications costs in proportion to its
/// size rather than its square.
#[derive(Debug, Clone, Default)]
pub struct Apps {
    /// Boxed, so that a look moves the application out of the list and
    /// back as a pointer (`observe`).
    pub list: Vec<Box<App>>,
    set_app: BTreeMap<StsId, usize>,
    pod_app: BTreeMap<PodId, usize>,
    /// Applications with a change of their own since their last look.
    due: BTreeSet<usize>,
    /// When each application asked to be looked at again, in time order,
    /// and the same by application.
    timers: BTreeSet<(SimTime, usize)>,
    timer_of: Vec<Option<SimTime>>,
    /// The applications that looked a name up: by the exact name (a
    /// member's A record) or by a Service's own name (its Service-level and
    /// SRV answers, which change with any record under it). Only looked
    /// up, never listed, so the hash order is not observed.
    watchers: rustc_hash::FxHashMap<String, Vec<usize>>,
    /// The Services one of whose Service-level names (its own name, an SRV
    /// name, an endpoint's dashed name) some application looked up: only a
    /// change to a pod that one of these selects concerns the applications
    /// (`selected_pod_changed`). Only looked up.
    services_watched: BTreeSet<String>,
    /// By node: the applications with processes there, and how many.
    on_node: BTreeMap<NodeId, BTreeMap<usize, u32>>,
    /// An empty application that stands in the list for the one being
    /// looked at (`observe`).
    spare: Option<Box<App>>,
}

impl Apps {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    /// Registers the application of config StatefulSet `index`; the next
    /// look looks at it.
    pub fn add(&mut self, index: usize, name: &str, config: AppConfig, set: StsId) {
        self.due.insert(self.list.len());
        self.timer_of.push(None);
        self.set_app.insert(set, self.list.len());
        self.list.push(Box::new(App {
            name: name.to_string(),
            config_index: index,
            config: Some(config),
            sets: vec![set],
            ..App::default()
        }));
    }
    /// The application of a config StatefulSet now runs under a new set object.
    pub fn statefulset_recreated(&mut self, old: StsId, new: StsId) {
        if let Some(&app) = self.set_app.get(&old) {
            self.set_app.insert(new, app);
            self.list[app].sets.push(new);
            self.due.insert(app);
        }
    }
    /// Something application `app` depends on changed: the next look looks at it.
    pub fn touch(&mut self, app: usize) {
        self.due.insert(app);
    }
    /// The machine behind `node` changed: the applications with a process
    /// there (a ghost's included) are reached, or cut off, differently.
    pub fn touch_node(&mut self, node: NodeId) {
        // Machines change between looks, when every application is in the list.
        debug_assert!(
            self.list.iter().enumerate().all(|(index, app)| {
                let here = app.processes.values().filter(|p| p.node == node).count() as u32;
                self.on_node.get(&node).and_then(|apps| apps.get(&index)).copied().unwrap_or(0) == here
            }),
            "the node index of processes agrees with the processes"
        );
        if let Some(apps) = self.on_node.get(&node) {
            self.due.extend(apps.keys().copied());
        }
    }
    /// A process of application `app` started on `node` (`true`) or ended.
    fn process_on(&mut self, node: NodeId, app: usize, started: bool) {
        let apps = self.on_node.entry(node).or_default();
        let count = apps.entry(app).or_default();
        if started {
            *count += 1;
        } else {
            *count -= 1;
            if *count == 0 {
                apps.remove(&app);
                if apps.is_empty() {
                    self.on_node.remove(&node);
                }
            }
        }
    }
    /// The DNS record `name` appeared or went, or the Service whose own name
    /// is `name` changed: the applications that looked the name up, or a
    /// Service-level name of the Service it is under.
    /// Whether any application had looked either up.
    #[must_use]
    pub fn touch_name(&mut self, name: &str) -> bool {
        let parent = name.split_once('.').map(|(_, parent)| parent);
        let mut touched = false;
        for key in std::iter::once(name).chain(parent) {
            if let Some(apps) = self.watchers.get(key) {
                self.due.extend(apps.iter().copied());
                touched = true;
            }
        }
        touched
    }
    /// Whether application `app` is to be looked at in the next look for a
    /// change of its own (its timer aside).
    pub fn is_due(&self, app: usize) -> bool {
        self.due.contains(&app)
    }
    /// Whether any application looked a Service-level name up yet.
    pub fn watches_services(&self) -> bool {
        !self.services_watched.is_empty()
    }
    /// Whether any application looked up a Service-level name of `service`.
    pub fn watches_service(&self, service: &str) -> bool {
        self.services_watched.contains(service)
    }
    /// Application `app` looked `key` up (see `watchers`); whether that
    /// is new.
    fn watch(&mut self, key: &str, app: usize) -> bool {
        match self.watchers.get_mut(key) {
            Some(apps) if apps.contains(&app) => false,
            Some(apps) => {
                apps.push(app);
                true
            }
            None => {
                self.watchers.insert(key.to_string(), vec![app]);
                true
            }
        }
    }
    /// The first application at or after `from` due for a look at `now`
    /// (changed, or its timer run out), taken off the due list.
    fn take_due(&mut self, from: usize, now: SimTime) -> Option<usize> {
        while let Some(&(at, app)) = self.timers.first()
            && at <= now
        {
            self.timers.pop_first();
            self.timer_of[app] = None;
            self.due.insert(app);
        }
        let app = self.due.range(from..).next().copied()?;
        self.due.remove(&app);
        Some(app)
    }
    /// Application `app`'s look asks to be looked at again at `at`.
    fn set_timer(&mut self, app: usize, at: Option<SimTime>) {
        if let Some(old) = std::mem::replace(&mut self.timer_of[app], at) {
            self.timers.remove(&(old, app));
        }
        if let Some(at) = at {
            self.timers.insert((at, app));
        }
    }
    /// A pod was created by `owner`: if the set runs an application, the pod is a member.
    pub fn pod_created(&mut self, pod: PodId, owner: StsId) {
        if let Some(&app) = self.set_app.get(&owner) {
            self.pod_app.insert(pod, app);
            self.list[app].pods.insert(pod);
        }
    }
    /// The application's name, for the trace.
    pub fn name(&self, app: usize) -> &str {
        &self.list[app].name
    }
    /// The application a pod runs a member of.
    pub fn app_of_pod(&self, pod: PodId) -> Option<usize> {
        self.pod_app.get(&pod).copied()
    }
}

/// Every application as its members report themselves, for operators.
pub fn views(world: &crate::world::World, now: SimTime) -> Vec<crate::operators::AppView> {
    let mut views = Vec::new();
    refresh_views(world, now, &mut views);
    views
}

/// [`views`] written over `views`, as an operator's view keeps them from one
/// reconcile to the next: the names and lists already there are reused,
/// so a fleet's applications cost no allocation at a reconcile where their
/// members are the same (a fleet-wide operator reconciles about as often
/// as the fleet is large, and every reconcile reports every application).
pub fn refresh_views(world: &crate::world::World, now: SimTime, views: &mut Vec<crate::operators::AppView>) {
    use crate::operators::AppView;
    views.truncate(world.apps.list.len());
    let mut name = String::new();
    for (index, app) in world.apps.list.iter().enumerate() {
        if index == views.len() {
            let empty = AppView {
                name: String::new(),
                kind: "",
                members: Vec::new(),
                leader: None,
                leader_lease_expires_ms: None,
            };
            views.push(empty);
        }
        refresh_view(world, now, app, &mut views[index], &mut name);
    }
}

/// One application's view (see [`refresh_views`]); `name` is scratch.
fn refresh_view(
    world: &crate::world::World,
    now: SimTime,
    app: &App,
    view: &mut crate::operators::AppView,
    name: &mut String,
) {
    use crate::operators::MemberView;
    let set = app.current_set(world);
    assign(&mut view.name, &set.name);
    view.kind = app.kind().name();
    // The members the set wants (none once it is deleted), then any other
    // member still running (of a set renamed or scaled down), by ordinal
    // then name, each once.
    let wanted =
        if set.removed_at.is_some() { 0..0 } else { set.start_ordinal()..set.end_ordinal_exclusive() };
    let is_wanted = |p: &Process| wanted.contains(&p.ordinal) && is_pod_name(&p.member, &set.name, p.ordinal);
    let mut others: Vec<(u32, &str)> =
        app.processes.values().filter(|p| !is_wanted(p)).map(|p| (p.ordinal, p.member.as_str())).collect();
    others.sort_unstable();
    others.dedup();
    let mut others = others.into_iter().peekable();
    let leader_position = replication::leader_pod(app).map(|pod| replication::live_position(app, pod, now));
    let mut count = 0;
    let mut member = |view: &mut crate::operators::AppView, member: &str| {
        let state = member_state(world, now, app, leader_position, app.first_process_of(member));
        if count == view.members.len() {
            view.members.push(state);
        } else {
            let out = &mut view.members[count];
            *out = MemberView { name: std::mem::take(&mut out.name), ..state };
        }
        assign(&mut view.members[count].name, member);
        count += 1;
    };
    for ordinal in wanted {
        write_pod_name(&set.name, ordinal, name);
        // Others of lower ordinals first; at an equal ordinal, in name order.
        while let Some((_, other)) = others.next_if(|(o, n)| (*o, *n) < (ordinal, name.as_str())) {
            member(view, other);
        }
        member(view, name);
    }
    for (_, other) in others {
        member(view, other);
    }
    view.members.truncate(count);
    let (leader, expires) = match replication::lease_view(world, app, now) {
        Some((leader, expires)) => (Some(leader), expires.map(|t| t.as_millis())),
        None => (None, None),
    };
    (view.leader, view.leader_lease_expires_ms) = (leader, expires);
    // Debug builds (the test suite) check the view against one made from
    // scratch, by the rule written plainly.
    #[cfg(debug_assertions)]
    {
        let fresh = view_from_scratch(world, now, app);
        assert_eq!(*view, fresh, "{}: the view refreshed in place differs from a fresh one", set.name);
    }
}

/// An application's view made from scratch: the members the set wants by
/// name, then any other member with a process, each once, sorted by
/// ordinal and name; each member's first process tells its state.
#[cfg(debug_assertions)]
fn view_from_scratch(world: &crate::world::World, now: SimTime, app: &App) -> crate::operators::AppView {
    use crate::operators::{AppView, MemberView};
    let mut names: Vec<(u32, String)> =
        app.expected(world).into_iter().map(|(name, ordinal)| (ordinal, name)).collect();
    for process in app.processes.values() {
        if !names.iter().any(|(_, name)| *name == process.member) {
            names.push((process.ordinal, process.member.clone()));
        }
    }
    names.sort();
    let leader_position = replication::leader_pod(app).map(|pod| replication::live_position(app, pod, now));
    let members = names
        .into_iter()
        .map(|(_, name)| {
            let running = app.processes_of(&name).first().copied();
            MemberView { name, ..member_state(world, now, app, leader_position, running) }
        })
        .collect();
    let (leader, leader_lease_expires_ms) = match replication::lease_view(world, app, now) {
        Some((leader, expires)) => (Some(leader), expires.map(|t| t.as_millis())),
        None => (None, None),
    };
    AppView {
        name: app.current_set(world).name.clone(),
        kind: app.kind().name(),
        members,
        leader,
        leader_lease_expires_ms,
    }
}

/// What a member reports of itself, from its first process (`running`:
/// `None` when none runs); the name left empty.
fn member_state(
    world: &crate::world::World,
    now: SimTime,
    app: &App,
    leader_position: Option<u64>,
    running: Option<&Process>,
) -> crate::operators::MemberView {
    let role = running
        .filter(|p| matches!(p.state, ProcessState::Member { .. }))
        .and_then(|p| app.data_of(p))
        .and_then(|data| match data.role {
            Role::Primary => Some("primary"),
            Role::Replica => Some("replica"),
            Role::Voter => None,
        });
    let reachable = running.is_some_and(|p| crate::network::reaches_control_plane(world, p.node));
    let (position, lag, timeline) = match running {
        Some(p) if replication::tracked(app) => {
            let at = replication::live_position(app, p.pod, now);
            let behind = leader_position.map(|l| replication::writes(app.config(), l.saturating_sub(at)));
            let line = app.data_of(p).map(|d| d.repl.timeline);
            (Some(replication::writes(app.config(), at)), behind, line)
        }
        _ => (None, None, None),
    };
    crate::operators::MemberView {
        name: String::new(),
        role,
        running: running.is_some(),
        reachable,
        position,
        lag,
        timeline,
    }
}

/// Sets `to` to `text`, keeping its buffer when it is already that.
fn assign(to: &mut String, text: &str) {
    if to != text {
        to.clear();
        to.push_str(text);
    }
}

/// Writes `<set>-<ordinal>` (`objects::pod_name`) over `name`.
fn write_pod_name(set: &str, ordinal: u32, name: &mut String) {
    name.clear();
    name.push_str(set);
    name.push('-');
    crate::objects::push_decimal(name, u64::from(ordinal));
}

/// Whether `name` is `<set>-<ordinal>` (`objects::pod_name`), without making it.
fn is_pod_name(name: &str, set: &str, ordinal: u32) -> bool {
    let Some(digits) = name.strip_prefix(set).and_then(|rest| rest.strip_prefix('-')) else { return false };
    digits.as_bytes() == crate::objects::decimal(u64::from(ordinal), &mut [0; 20])
}

/// An operator asks to promote the member running in pod `name`: applied
/// to its application's model, and the verdicts are looked at again. `Err`
/// says why it does not apply; then nothing changed.
pub fn promote(api: &mut Api, name: &str) -> Result<(), String> {
    let Some(pod) = api.world().pod_named(name) else {
        return Err(format!("no pod {name} exists"));
    };
    let Some(index) = api.world().apps.app_of_pod(pod) else {
        return Err(format!("{name} runs no member of a clustered application"));
    };
    if !matches!(api.world().apps.list[index].kind(), AppKind::PrimaryReplica { .. }) {
        let kind = api.world().apps.list[index].kind().name();
        return Err(format!("{name} runs a member of a {kind} application, which has no promotion"));
    }
    let mut app = std::mem::take(&mut api.world.apps.list[index]);
    let result = primary_replica::promote(api, &mut app, index, pod);
    api.world.apps.list[index] = app;
    if result.is_ok() {
        api.world.apps.touch(index);
        api.wake(EventKey::Apps);
    }
    result
}

/// A change of an application's membership, as an operator (or a person)
/// runs it through the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// etcd `member remove`, ZooKeeper `reconfig -remove`, Redis Cluster
    /// `CLUSTER FORGET` on every node (`redis-cli --cluster del-node`).
    Remove,
    /// etcd `member add`, ZooKeeper `reconfig -add`, Redis Cluster
    /// `CLUSTER MEET` (`redis-cli --cluster add-node`, as a replica).
    Add,
}

/// Applies a membership change for `member` (a pod name) to its
/// application, by the application's own rules, and the verdicts are looked
/// at again. `Err` says why it does not apply; then nothing changed.
pub fn change_member(api: &mut Api, member: &str, change: MemberChange) -> Result<(), String> {
    let Some((set, _)) = crate::objects::parse_pod_name(member) else {
        return Err(format!("{member} is not a StatefulSet pod name"));
    };
    let world = api.world();
    let Some(index) =
        world.apps.list.iter().position(|a| {
            a.current_set(world).name == set || a.sets.iter().any(|s| world.sts(*s).name == set)
        })
    else {
        return Err(format!("no clustered application runs as StatefulSet {set}"));
    };
    let kind = world.apps.list[index].kind().clone();
    let mut app = std::mem::take(&mut api.world.apps.list[index]);
    let result = match (&kind, change) {
        (AppKind::Quorum { .. }, MemberChange::Remove) => quorum::remove_member(api, &mut app, index, member),
        (AppKind::Quorum { .. }, MemberChange::Add) => quorum::add_member(api, &mut app, index, member),
        (AppKind::RedisCluster { .. }, MemberChange::Remove) => {
            redis_cluster::forget(api, &mut app, index, member)
        }
        (AppKind::RedisCluster { .. }, MemberChange::Add) => {
            redis_cluster::meet(api, &mut app, index, member)
        }
        (AppKind::Cassandra { .. }, MemberChange::Remove) => {
            cassandra::decommission(api, &mut app, index, member)
        }
        (AppKind::Cassandra { .. }, MemberChange::Add) => Err(format!(
            "a Cassandra node joins by bootstrapping from the seeds when it starts with an empty volume; there is \
             no member add for {member}"
        )),
        (kind, _) => Err(format!(
            "{member} runs a member of a {} application: its membership follows its own rules, not member add/remove",
            kind.name()
        )),
    };
    api.world.apps.list[index] = app;
    if result.is_ok() {
        api.world.apps.touch(index);
        api.wake(EventKey::Apps);
    }
    result
}

/// The earliest time after the look that something must be looked at again.
///
/// Only times after `now` count: a deadline at or before the look (a
/// catch-up that ended while its member was still cut off, a lease that
/// ran out) was handled by the look itself, and must not hide a later one,
/// such as the expiry of a cached NXDOMAIN that some member is waiting out.
#[derive(Debug)]
pub(crate) struct Wake {
    now: SimTime,
    next: Option<SimTime>,
    /// The application being looked at, whose lookups are noted (`watch`).
    app: usize,
}

impl Wake {
    /// Nothing to look at again yet in application `app`, as of `now`.
    pub fn new(now: SimTime, app: usize) -> Wake {
        Wake { now, next: None, app }
    }
    /// Something changes at `at`: look again then, unless that has passed.
    pub fn at(&mut self, at: SimTime) {
        if at > self.now {
            self.next = Some(self.next.map_or(at, |current| current.min(at)));
        }
    }
    /// A member's lookup was denied, with the denial cached until
    /// `expires_at`: its own retry loop looks the name up again every
    /// `retry`. Until the denial leaves the cache its lookups change nothing
    /// (a record published meanwhile wakes the applications anyway), so the
    /// next one that matters is the first at or after the expiry, at least
    /// one period away: it caches a new denial, or finds the record.
    pub fn lookup_retry(&mut self, expires_at: SimTime, retry: SimDuration) {
        let period = retry.as_millis().max(1);
        let retries = expires_at.since(self.now).as_millis().div_ceil(period).max(1);
        self.at(self.now + SimDuration::from_millis(retries.saturating_mul(period)));
    }
    /// When to look again, if ever.
    pub fn next(&self) -> Option<SimTime> {
        self.next
    }
}

/// The applications' event handlers: which of them a change the API
/// server reports makes due (the simulation's watch, `sim::watch`, calls
/// this after the controllers'). A member's pod or process, the machine it
/// runs on, and the DNS names it looked up are what reach an application.
pub fn react(api: &mut Api, change: &Change) {
    match *change {
        Change::PodChanged(pod) => {
            member_changed(api, pod);
            selected_pod_changed(api, pod, None);
        }
        // The Services of the old labels may have lost it.
        Change::PodRelabelled { pod, old } => selected_pod_changed(api, pod, Some(old)),
        // Labels only added keep every Service that selected the pod.
        Change::PodLabelsAdmitted { pod, overwritten: Some(old) } => {
            selected_pod_changed(api, pod, Some(old))
        }
        // A member's process starting or stopping matters to its application.
        Change::ProcessChanged(pod) => member_changed(api, pod),
        // Who reaches whom changed: the applications look again.
        Change::MachineChanged(node) if !api.world.apps.is_empty() => {
            api.world.apps.touch_node(node);
            api.wake(EventKey::Apps);
        }
        // Its own name's and SRV names' answers may change without a record
        // of a pod's (a pod it selects whose subdomain is another's has
        // none), so the applications that looked them up are due at their
        // next look. Records that do change wake them (`DnsRecordChanged`).
        Change::ServiceChanged(service) if !api.world.apps.is_empty() => {
            let s = api.world.service(service);
            let name = api.world.service_fqdn(&s.name);
            let _ = api.world.apps.touch_name(&name);
        }
        // Applications resolve their peers: a record change may reach them.
        Change::DnsRecordChanged(name) if !api.world.apps.is_empty() => {
            let _ = api.world.apps.touch_name(name);
            api.wake(EventKey::Apps);
        }
        _ => {}
    }
}

/// The pod of a member changed: its application looks again.
fn member_changed(api: &mut Api, pod: PodId) {
    if let Some(app) = api.world.apps.app_of_pod(pod) {
        api.world.apps.touch(app);
        api.wake(EventKey::Apps);
    }
}

/// A pod that Services select changed (or, with `old`, stopped being
/// selected by those labels): their own names', SRV names' and dashed
/// endpoint names' answers are worked out from the pods they select, so
/// they may change without any record changing, as when a terminating
/// pod whose subdomain is another Service's finishes while this one
/// publishes not-ready addresses. The applications that looked those
/// names up are looked at again, on their own clock: a cached answer
/// then tells them when it expires (`Lookup::stale_until`).
fn selected_pod_changed(api: &mut Api, pod: PodId, old: Option<&crate::config::Labels>) {
    if !api.world.apps.watches_services() {
        return;
    }
    let world = &*api.world;
    let labels = old.unwrap_or(&world.pod(pod).labels);
    // Whoever looked up one of its SRV or endpoint names watches the
    // Service's own name too (`watch`).
    let names: Vec<String> = world
        .services_selecting(labels)
        .into_iter()
        .map(|service| &world.service(service).name)
        .filter(|service| world.apps.watches_service(service))
        .map(|service| world.service_fqdn(service))
        .collect();
    let mut touched = false;
    for name in names {
        touched |= api.world.apps.touch_name(&name);
    }
    if touched {
        api.wake(EventKey::Apps);
    }
}

/// The application being looked at through `wake` looked `name` up: a
/// change to its record looks at the application again.
pub(crate) fn watch(api: &mut Api, wake: &Wake, name: &str) {
    if !api.world.apps.watch(name, wake.app) {
        return;
    }
    // A Service-level name changes with the pods its Service selects: the
    // application watches the Service's own name too, which such a change
    // touches (`selected_pod_changed`).
    use crate::controllers::dns::ServiceName;
    let world = &*api.world;
    let (service, own_name) =
        match crate::controllers::dns::service_name(name, &world.namespace, &world.cluster_domain) {
            None => return,
            Some(ServiceName::Service { service }) => (service, None),
            Some(ServiceName::Srv { service, .. } | ServiceName::Endpoint { service, .. }) => {
                (service, Some(world.service_fqdn(service)))
            }
        };
    let service = service.to_string();
    if let Some(own_name) = own_name {
        api.world.apps.watch(&own_name, wake.app);
    }
    api.world.apps.services_watched.insert(service);
}

/// Looks at the applications due for a look, in order: the `Apps` event.
/// One whose look changes another (a readiness result, a container that
/// exits) has the later one looked at in the same pass, the earlier one
/// at the next look, which the change asks for at once.
pub fn observe(api: &mut Api) {
    let now = api.now;
    let mut from = 0;
    while let Some(index) = api.world.apps.take_due(from, now) {
        from = index + 1;
        let mut wake = Wake::new(now, index);
        // The application is looked at out of the world, a placeholder in
        // its place; the placeholder is kept for the next look, as making
        // and dropping one each look was a twentieth of a small run.
        let mut app = api.world.apps.spare.take().unwrap_or_default();
        std::mem::swap(&mut app, &mut api.world.apps.list[index]);
        observe_app(api, &mut app, index, &mut wake);
        std::mem::swap(&mut app, &mut api.world.apps.list[index]);
        // Nothing a look does writes to the list (a pod is made, a set
        // re-created, by the controllers' own events), so the placeholder
        // is still empty for the next.
        debug_assert!(app.pods.is_empty() && app.sets.is_empty() && app.processes.is_empty());
        api.world.apps.spare = Some(app);
        api.world.apps.set_timer(index, wake.next());
    }
    if let Some(&(at, _)) = api.world.apps.timers.first() {
        api.wake_after(EventKey::Apps, at.since(now));
    }
}

fn observe_app(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    // Writes taken and received since the last look.
    replication::advance(api, app);
    // Members found current last time were current until now.
    refresh_synced(app, api.now);
    stop_processes(api, app, index);
    start_processes(api, app, index);
    match app.kind() {
        AppKind::PrimaryReplica { .. } => {
            replication::leases(api, app, index, wake);
            primary_replica::progress(api, app, index, wake)
        }
        AppKind::Quorum { .. } => quorum::progress(api, app, index, wake),
        AppKind::RedisCluster { .. } => redis_cluster::progress(api, app, index, wake),
        AppKind::Kafka { .. } => {}
        AppKind::Cassandra { .. } => cassandra::progress(api, app, index, wake),
        AppKind::RedisSentinel { .. } => sentinel::progress(api, app, index, wake),
    }
    exit_refused(api, app, index);
    let verdict = match app.kind() {
        AppKind::PrimaryReplica { .. } => primary_replica::evaluate(api, app, wake),
        AppKind::Quorum { .. } => quorum::evaluate(api, app, wake),
        AppKind::RedisCluster { .. } => redis_cluster::evaluate(api, app, wake),
        AppKind::Kafka { .. } => kafka::evaluate(api, app, wake),
        AppKind::Cassandra { .. } => cassandra::evaluate(api, app, wake),
        AppKind::RedisSentinel { .. } => primary_replica::evaluate(api, app, wake),
    };
    replication::settle(api, app, wake);
    let verdict = match duplicate_identity(api, app) {
        Some(duplicate) => duplicate,
        None => verdict,
    };
    let verdict = forming(api, app, verdict, wake);
    refresh_synced(app, api.now);
    for process in app.processes.values() {
        if let Some((until, _)) = process.catching_up {
            wake.at(until);
        }
    }
    record_verdict(api, app, index, verdict);
    readiness(api, app);
}

/// The data of members that are current with their cluster is current as of `now`.
fn refresh_synced(app: &mut App, now: SimTime) {
    for process in app.processes.values().filter(|p| p.in_sync) {
        if let Some(data) = app.volumes.get_mut(&process.volume) {
            data.synced_at = now;
        }
    }
}

/// Records what a member did.
pub(crate) fn member_event(api: &mut Api, index: usize, pod: PodId, what: String) {
    api.record(Event::AppMember { app: index, pod, what });
}

/// Ends processes whose container stopped. A container that outlives its
/// pod object (a force delete its node did not hear of) is still a process:
/// a ghost, with the same identity and volume.
fn stop_processes(api: &mut Api, app: &mut App, index: usize) {
    let now = api.now;
    let mut stopped = Vec::new();
    let mut ghosts = Vec::new();
    let mut ghosted = Vec::new();
    for process in app.processes.values() {
        let pod = api.world.pod(process.pod);
        let alive = pod.runtime.running && pod.runtime.starts == process.start;
        if !alive {
            stopped.push(process.pod);
            continue;
        }
        if !pod.exists() && process.ghost_since.is_none() {
            ghosted.push((process.pod, pod.removed_at));
            let node = api.world.node(process.node);
            let what = if node.kubelet_connected() {
                format!(
                    "its pod object was removed, but its container still runs on {} until the kubelet kills it",
                    node.name
                )
            } else {
                format!(
                    "its pod was force-deleted, but {} cannot hear of it, so the container keeps running there with \
                     the same identity",
                    node.name
                )
            };
            ghosts.push((process.pod, what));
        }
    }
    for (pod, since) in ghosted {
        app.set_ghost(pod, since);
    }
    for (pod, what) in ghosts {
        member_event(api, index, pod, what);
    }
    for pod in stopped {
        let process = app.remove_process(pod).expect("a process that stops exists");
        api.world.apps.process_on(process.node, index, false);
        app.last_ip.insert(process.member.clone(), process.ip);
        if process.in_sync
            && let Some(data) = app.volumes.get_mut(&process.volume)
        {
            data.synced_at = now;
        }
        if let AppKind::Quorum { .. } = app.kind() {
            quorum::stopped(api, app, index, &process);
        }
    }
    // Pods whose object and container are both gone are no longer watched.
    let gone: Vec<PodId> = app
        .pods
        .iter()
        .copied()
        .filter(|p| !api.world.pod(*p).exists() && !app.processes.contains_key(p))
        .collect();
    for pod in gone {
        app.crash_looping.remove(&api.world.pod(pod).name);
        app.pods.remove(&pod);
        api.world.apps.pod_app.remove(&pod);
        app.overrides.remove(&pod);
    }
}

/// Whether the real program exits when it refuses to serve for `code`
/// (rather than staying up, refused): the kubelet then restarts its
/// container, with the back-off, and it is refused again at each start,
/// so its pod never turns Ready and a rolling update or an `OrderedReady`
/// start waits behind it.
///
/// - etcd: a member started with an empty data directory under a name the
///   cluster knows panics at its leader's first heartbeat ("tocommit(N) is
///   out of range [lastIndex(0)]. Was the raft log corrupted, truncated, or
///   lost?", etcd-io/etcd#3504, #10254, #13509); a removed member's server
///   stops on `ErrMemberRemoved` ("the member has been permanently removed
///   from the cluster") and etcd exits; a name outside the static
///   `--initial-cluster` is fatal at start. A member of another cluster ID
///   stays up and drops the other side's messages.
/// - ZooKeeper: "My id N not in the peer list" is thrown from
///   `QuorumPeer.start`, and `QuorumPeerMain` exits.
/// - Kafka (KRaft): "Invalid cluster.id in: .../meta.properties", a
///   RuntimeException thrown by `kafka-storage format` at the start
///   (`MetaPropertiesEnsemble.verify`), ends the process.
/// - Cassandra: the endpoint collision ("A node with address ... already
///   exists") and a decommissioned node's restart are exceptions at
///   start-up, and `CassandraDaemon` exits; a node decommissioned while it
///   runs stays up, in mode DECOMMISSIONED.
/// - Redis Cluster (a node on its own) and PostgreSQL (a standby of another
///   system identifier: its WAL receiver fails, the server stays up) do not exit.
fn exits_when_refused(kind: &AppKind, code: &str) -> Option<&'static str> {
    use crate::config::QuorumSystem;
    match (kind, code) {
        (
            AppKind::Quorum { system: QuorumSystem::Etcd, .. },
            "empty-data" | "stale-data" | "not-in-membership",
        ) => Some("etcd"),
        (AppKind::Quorum { system: QuorumSystem::ZooKeeper, .. }, "not-in-membership") => Some("ZooKeeper"),
        (AppKind::Kafka { .. }, "foreign-data") => Some("Kafka"),
        (AppKind::Cassandra { .. }, "empty-data" | "stale-data") => Some("Cassandra"),
        _ => None,
    }
}

/// Members refused in a way their program does not survive exit: their
/// containers stop (the kubelet restarts them after the back-off), and
/// their processes end.
fn exit_refused(api: &mut Api, app: &mut App, index: usize) {
    let exiting: Vec<(PodId, &'static str)> = app
        .processes
        .values()
        .filter(|p| p.ghost_since.is_none())
        .filter_map(|p| match &p.state {
            ProcessState::Rejected { code, .. } => {
                exits_when_refused(app.kind(), code).map(|name| (p.pod, name))
            }
            _ => None,
        })
        .collect();
    if exiting.is_empty() {
        return;
    }
    for (pod, program) in exiting {
        // Its node's kubelet may not be able to report the exit (cut off):
        // the process is then looked at again when the node is back.
        if crate::controllers::kubelet::container_exited(api, pod) {
            let process = app.processes[&pod].clone();
            app.crash_looping.insert(process.member.clone(), process);
            member_event(
                api,
                index,
                pod,
                format!(
                    "{program} exits, and the kubelet restarts the container (at once the first time, then after a \
                     back-off: CrashLoopBackOff while it is refused)"
                ),
            );
        }
    }
    stop_processes(api, app, index);
}

/// Starts a process for each member pod whose container started.
fn start_processes(api: &mut Api, app: &mut App, index: usize) {
    let mut starting: Vec<(u32, PodId)> = app
        .pods
        .iter()
        .filter(|id| !app.processes.contains_key(id))
        .filter(|id| {
            let pod = api.world.pod(**id);
            pod.exists() && pod.runtime.running && pod.runtime.started_at.is_some()
        })
        .map(|id| (api.world.pod(*id).ordinal.unwrap_or(0), *id))
        .collect();
    starting.sort();
    for (ordinal, id) in starting {
        let pod = api.world.pod(id);
        let volume = VolumeKey::of(api.world, id, pod.node.expect("a running container has a node"));
        let process = Process {
            pod: id,
            member: pod.name.clone(),
            name: pod.name.as_str().into(),
            ordinal,
            ip: pod.runtime.sandbox_ip.expect("a running container has an address"),
            dns_name: dns_name(api.world, &pod.name, &pod.subdomain).into(),
            node: pod.node.expect("a running container has a node"),
            started_at: pod.runtime.started_at.expect("filtered"),
            start: pod.runtime.starts,
            volume,
            state: ProcessState::Waiting { why: "starting".into() },
            ghost_since: None,
            catching_up: None,
            in_sync: false,
            pre_stop_ran: false,
        };
        app.first_start.get_or_insert(api.now);
        api.world.apps.process_on(process.node, index, true);
        app.add_process(process);
        match app.kind() {
            AppKind::PrimaryReplica { .. } => primary_replica::boot(api, app, index, id),
            AppKind::Quorum { .. } => quorum::boot(api, app, index, id),
            AppKind::RedisCluster { .. } => redis_cluster::boot(api, app, index, id),
            AppKind::Kafka { .. } => kafka::boot(api, app, index, id),
            AppKind::Cassandra { .. } => cassandra::boot(api, app, index, id),
            AppKind::RedisSentinel { .. } => sentinel::boot(api, app, index, id),
        }
        let process = &app.processes[&id];
        if !matches!(process.state, ProcessState::Rejected { .. }) {
            let member = process.member.clone();
            app.crash_looping.remove(&member);
        }
    }
}

/// The outcome of trying to reach a member at an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The member's process answers there.
    Ok(PodId),
    /// The name does not resolve (NXDOMAIN, perhaps cached).
    Unresolvable { name: String, cached: bool },
    /// Something else, or nothing, is at that address; the member is elsewhere.
    WrongAddress { address: Address, now_at: Option<Ipv4> },
    /// The member has no running process.
    NotRunning,
    /// The member answers at that address, but the network between the
    /// caller and it is cut: `node` is the partitioned (or crashed) machine.
    Cut { node: NodeId },
}

/// Tries to reach `member` at `address` from a process on node `from`, as
/// its peers would: DNS names go through the cluster DNS cache, and the
/// packets through the network (`network::reachable`).
pub(crate) fn reach(
    api: &mut Api,
    app: &App,
    from: NodeId,
    member: &str,
    address: &Address,
    wake: &mut Wake,
) -> Reach {
    target(api, app, member, address, wake).reach_from(api.world(), from, address)
}

/// `member` at `address` as a look found it: the address the name
/// resolved to (through the DNS cache, with that lookup's effects: the
/// cache filled, the name watched, the look's wake-up set), and which of
/// the member's processes are there. Reaching it from a node is then the
/// network's question alone (`Target::reach_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    /// The address, or `None`: the name does not resolve.
    ip: Option<Ipv4>,
    /// Whether the DNS answer came from the cache.
    cached: bool,
    /// Whether a second lookup now would find the answer in the cache (a
    /// cache of `0s` keeps none).
    kept: bool,
    /// The member's process at `ip`, and its node.
    at_ip: Option<(PodId, NodeId)>,
    /// Where the member's first process runs, when none is at `ip`.
    first: Option<Ipv4>,
}

/// Resolves `address` as `member`'s peers would (see `Target`).
fn target(api: &mut Api, app: &App, member: &str, address: &Address, wake: &mut Wake) -> Target {
    let (ip, cached, kept) = match address {
        Address::Dns(name) => {
            watch(api, wake, name);
            let lookup = crate::controllers::dns::resolve(api, name);
            if let Some(until) = lookup.stale_until {
                wake.at(until);
            }
            if lookup.answer.is_none() {
                wake.lookup_retry(lookup.expires_at, app.config().lookup_retry);
            }
            (lookup.answer, lookup.cached, lookup.expires_at > api.now)
        }
        Address::Ip(ip) => (Some(*ip), false, true),
    };
    // The member's first process in `processes_of` order, and its first
    // at the address: one walk, nothing collected.
    let order = |p: &Process| (p.ghost_since.is_some(), p.pod);
    let earlier = |best: Option<&Process>, p: &Process| best.is_none_or(|b| order(p) < order(b));
    let (mut first, mut at_ip): (Option<&Process>, Option<&Process>) = (None, None);
    for process in app.processes_named(member) {
        if earlier(first, process) {
            first = Some(process);
        }
        if ip == Some(process.ip) && earlier(at_ip, process) {
            at_ip = Some(process);
        }
    }
    Target { ip, cached, kept, at_ip: at_ip.map(|p| (p.pod, p.node)), first: first.map(|p| p.ip) }
}

impl Target {
    /// What a process on node `from` gets when it tries the member at
    /// `address` (the address this target was resolved from).
    fn reach_from(&self, world: &crate::world::World, from: NodeId, address: &Address) -> Reach {
        if let Some((pod, node)) = self.at_ip {
            return match crate::network::cut_by(world, from, node) {
                None => Reach::Ok(pod),
                Some(node) => Reach::Cut { node },
            };
        }
        let Some(first) = self.first else {
            return Reach::NotRunning;
        };
        match (self.ip, address) {
            (None, Address::Dns(name)) => Reach::Unresolvable { name: name.to_string(), cached: self.cached },
            _ => Reach::WrongAddress { address: address.clone(), now_at: Some(first) },
        }
    }
}

/// `reach`, through a target resolved once in `slot`, so that a member
/// every peer tries is resolved once in a look, not once for each peer: a
/// cluster of hundreds of members tries every pair at each look. The
/// caller keeps one slot for each target (each name) of its pass.
///
/// Exact only while nothing but the DNS cache changes (within one pass
/// over the members): a later try of the same name would find, in the DNS
/// cache, the answer the first one left there (`cached`), and its other
/// effects (the name watched, the wake-up) are already done.
pub(crate) fn reach_once(
    slot: &mut Option<(Address, Target)>,
    api: &mut Api,
    app: &App,
    from: NodeId,
    member: &str,
    address: impl FnOnce(&Api) -> Address,
    wake: &mut Wake,
) -> Reach {
    let (address, target) = match slot {
        Some((address, target)) if target.kept => {
            // The first lookup left its answer in the cache: a second finds it there.
            let cached = target.cached || matches!(address, Address::Dns(_));
            let known = Target { cached, ..*target };
            // Debug builds (the test suite) try again, as every try did
            // before targets were kept, and check the kept one is the same.
            #[cfg(debug_assertions)]
            {
                let again = self::target(api, app, member, address, wake);
                assert_eq!(known, again, "{member} at {address}: a kept target differs from a new try");
            }
            (&*address, known)
        }
        Some((address, _)) => {
            let again = target(api, app, member, address, wake);
            (&*address, again)
        }
        None => {
            let address = address(api);
            let target = target(api, app, member, &address, wake);
            let (address, _) = slot.insert((address, target));
            (&*address, target)
        }
    };
    target.reach_from(api.world(), from, address)
}

/// The DNS name of `member` under `subdomain`:
/// `<member>.<subdomain>.<namespace>.svc.<domain>`.
pub(crate) fn dns_name(world: &crate::world::World, member: &str, subdomain: &str) -> String {
    // Joined, not formatted: members look each other up by name at every
    // look of an application, and the formatting machinery cost several
    // times the copying.
    [member, ".", subdomain, ".", &world.namespace, ".svc.", &world.cluster_domain].concat()
}

/// The address `process`'s member would store for itself, and its peers for it.
pub(crate) fn address_of(app: &App, process: &Process) -> Address {
    match app.config().addressing {
        crate::config::Addressing::Dns => Address::Dns(process.dns_name.clone()),
        crate::config::Addressing::Ip => Address::Ip(process.ip),
    }
}

/// Two running processes of one identity (a force-deleted pod's container
/// still running beside its replacement): split brain, whatever the kind
/// (shared/failure-modes.md F11, section 2.1 rule 4).
fn duplicate_identity(api: &Api, app: &App) -> Option<Verdict> {
    // The first member by name with two processes in the cluster (looked
    // at every time, so without collecting: there are a few processes).
    let members = || app.processes.values().filter(|p| matches!(p.state, ProcessState::Member { .. }));
    // Two copies of one member need a ghost (the verdict below names one):
    // without any, there is nothing to pair.
    if !members().any(|p| p.ghost_since.is_some()) {
        return None;
    }
    let member = members()
        .filter(|p| members().filter(|q| q.member == p.member).nth(1).is_some())
        .map(|p| p.member.as_str())
        .min()?;
    let copies = || members().filter(|p| p.member == member);
    let world = api.world();
    let ghost = copies().find(|p| p.ghost_since.is_some())?;
    let live = copies().find(|p| p.ghost_since.is_none())?;
    let since = ghost.ghost_since.expect("a ghost");
    let node = &world.node(ghost.node).name;
    let root = explain::script_at(&api.trace.records, since)
        .map(|s| format!("`{s}` at {since}"))
        .unwrap_or_else(|| format!("{member} was force-deleted at {since}"));
    let chain = Chain::root(root, Some(since))
        .then(format!(
            "the old container of {member} keeps running on {node} ({}), since nobody confirmed it stopped",
            ghost.ip
        ))
        .then(format!(
            "the controller created {member} again at once, on {} ({})",
            world.node(live.node).name,
            live.ip
        ))
        .then(format!("two processes claim to be {member}"));
    Some(
        Verdict::broken(
            "duplicate-identity",
            format!(
                "two live copies of {member}: the force-deleted one on {node} ({}) and its replacement ({}), \
                 both with the same identity and data",
                ghost.ip, live.ip
            ),
        )
        .because(chain)
        .fix(format!(
            "Force-delete a StatefulSet pod only once its node is known to be down for good (fenced or powered \
             off); to replace {member} now, stop the old container first, or taint the node \
             node.kubernetes.io/out-of-service."
        )),
    )
}

/// While the application forms, only definitive faults are reported; it has
/// formed once it is first HEALTHY, or gives up forming after `form_timeout`.
fn forming(api: &Api, app: &mut App, verdict: Verdict, wake: &mut Wake) -> Verdict {
    if app.formed {
        return verdict;
    }
    if verdict.health == Health::Healthy {
        app.formed = true;
        return verdict;
    }
    let Some(first) = app.first_start else {
        return Verdict::new(Health::Forming, "forming", "no member has started yet".into());
    };
    let deadline = first + app.config().form_timeout;
    if api.now >= deadline {
        app.formed = true;
        return verdict;
    }
    if verdict.definitive() {
        return verdict;
    }
    wake.at(deadline);
    let joined = app.processes.values().filter(|p| matches!(p.state, ProcessState::Member { .. })).count();
    let expected = app.expected(api.world()).len();
    Verdict::new(Health::Forming, "forming", format!("{joined} of {expected} members are in the cluster"))
}

fn record_verdict(api: &mut Api, app: &mut App, index: usize, mut verdict: Verdict) {
    if let Some(current) = &app.verdict
        && current.health == verdict.health
        && current.code == verdict.code
        && current.reason == verdict.reason
    {
        return;
    }
    if let Some(deferred) = verdict.deferred.take() {
        deferred.resolve(api, &mut verdict);
    }
    if verdict.health != Health::Forming {
        verdict.cause.push(format!("{} at {}", verdict.health, api.now));
    }
    app.verdict = Some(verdict.clone());
    api.record(Event::AppVerdict { app: index, verdict: Box::new(verdict) });
}

/// `readiness: Joined`: the probe passes only while the member is in its cluster.
fn readiness(api: &mut Api, app: &mut App) {
    if app.config().readiness != AppReadiness::Joined {
        return;
    }
    let wanted: Vec<(PodId, bool)> = app
        .pods
        .iter()
        .filter_map(|pod| {
            let process = app.processes.get(pod)?;
            Some((*pod, matches!(process.state, ProcessState::Member { .. })))
        })
        .collect();
    for (pod, joined) in wanted {
        if app.overrides.get(&pod) != Some(&joined) {
            app.overrides.insert(pod, joined);
            crate::controllers::kubelet::override_probe(api, pod, joined);
        }
    }
}

/// How a member's volume reads in sentences.
pub(crate) fn volume_words(world: &crate::world::World, volume: VolumeKey) -> String {
    match volume {
        VolumeKey::Claim(claim) => format!("volume {}", world.pvc(claim).name),
        VolumeKey::Pod(_) => "pod-local storage".to_string(),
        VolumeKey::HostDir { pv, node } => {
            let path = world.pv(pv).host_path.as_deref().unwrap_or("?");
            format!("directory {path} on {} (volume {})", world.node(node).name, world.pv(pv).name)
        }
    }
}

/// Lists names: `a`, `a and b`, `a, b and c`.
pub(crate) fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `n` things: `1 node`, `3 nodes`.
pub(crate) fn count(n: usize, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{n} {thing}s") }
}

/// A duration in the trace's format.
pub(crate) fn ago(duration: SimDuration) -> String {
    duration.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> SimTime {
        SimTime::ZERO + text.parse::<SimDuration>().expect("a duration")
    }

    /// Addresses are equal as their text is, shared or not; equal ones hash
    /// equal; the kinds never equal each other.
    #[test]
    fn addresses_compare_by_text_whether_shared_or_not() {
        use std::hash::BuildHasher;
        let hash = |a: &Address| rustc_hash::FxBuildHasher.hash_one(a);
        let name: Arc<str> = "db-0.db.default.svc.cluster.local".into();
        let shared = Address::Dns(name.clone());
        let copy = Address::Dns(name.to_string().into());
        assert_eq!(shared, Address::Dns(name.clone()));
        assert_eq!(shared, copy);
        assert_eq!(copy, shared);
        assert_eq!(hash(&shared), hash(&copy));
        assert!(shared != Address::Dns("db-1.db.default.svc.cluster.local".into()));
        assert!(Address::Ip(Ipv4(7)) == Address::Ip(Ipv4(7)) && Address::Ip(Ipv4(7)) != Address::Ip(Ipv4(8)));
        assert!(shared != Address::Ip(Ipv4(7)) && Address::Ip(Ipv4(7)) != shared);
        assert!(same_text(&name, &name.to_string().into()) && !same_text(&name, &"db-1".into()));
    }

    /// A member's processes are found by name as a scan of every process
    /// finds them, through starts and stops, a ghost beside its
    /// replacement included, and the ghost first only when it is not one.
    #[test]
    fn processes_are_found_by_member_as_they_start_and_stop() {
        let process = |pod: usize, member: &str, ghost: bool| Process {
            pod: PodId(pod as u32),
            member: member.to_string(),
            name: member.into(),
            ordinal: 0,
            ip: Ipv4(pod as u32),
            dns_name: format!("{member}.db").into(),
            node: NodeId(0),
            started_at: SimTime::ZERO,
            start: 0,
            volume: VolumeKey::Pod(PodId(pod as u32)),
            state: ProcessState::Waiting { why: "starting".into() },
            ghost_since: ghost.then_some(SimTime::ZERO),
            catching_up: None,
            in_sync: false,
            pre_stop_ran: false,
        };
        let mut app = App::default();
        let pods =
            |app: &App, member: &str| app.processes_of(member).iter().map(|p| p.pod.0).collect::<Vec<_>>();
        app.add_process(process(3, "db-0", true));
        app.add_process(process(1, "db-1", false));
        app.add_process(process(5, "db-0", false));
        assert_eq!(pods(&app, "db-0"), [5, 3], "the ghost last");
        assert_eq!(app.first_process_of("db-1").map(|p| p.pod.0), Some(1));
        assert_eq!(app.remove_process(PodId(5)).map(|p| p.pod.0), Some(5));
        assert_eq!(pods(&app, "db-0"), [3]);
        assert!(app.remove_process(PodId(5)).is_none());
        app.remove_process(PodId(3));
        assert!(app.processes_of("db-0").is_empty() && app.first_process_of("db-0").is_none());
        assert_eq!(pods(&app, "db-1"), [1]);
        assert!(app.by_member.keys().eq(["db-1"]), "no name is kept without a process");
    }

    /// Which applications a change makes due: a record's own name, or the
    /// Service it sits under, for those that looked either up; a Service's
    /// own name for those that looked it up; a machine for those with a
    /// process on it, as long as they have one. A timer that has run out
    /// makes its application due; one still ahead does not.
    #[test]
    fn a_change_makes_due_only_the_applications_it_concerns() {
        let mut apps = Apps { timer_of: vec![None; 4], ..Apps::default() };
        let due = |apps: &mut Apps, now: SimTime| {
            let mut found = Vec::new();
            while let Some(app) = apps.take_due(0, now) {
                found.push(app);
            }
            found
        };
        apps.watch("db-0.db.ns.svc.local", 0);
        apps.watch("db.ns.svc.local", 1);
        apps.watch("db-0.db.ns.svc.local", 2);
        apps.watch("db-0.db.ns.svc.local", 2);
        let _ = apps.touch_name("db-0.db.ns.svc.local");
        assert_eq!(due(&mut apps, t("1s")), [0, 1, 2]);
        let _ = apps.touch_name("db-1.db.ns.svc.local");
        assert_eq!(due(&mut apps, t("1s")), [1]);
        let _ = apps.touch_name("db.ns.svc.local");
        assert_eq!(due(&mut apps, t("1s")), [1]);
        let _ = apps.touch_name("other-0.other.ns.svc.local");
        assert!(due(&mut apps, t("1s")).is_empty());

        apps.process_on(NodeId(7), 3, true);
        apps.process_on(NodeId(7), 3, true);
        apps.process_on(NodeId(7), 3, false);
        apps.touch_node(NodeId(7));
        assert_eq!(due(&mut apps, t("1s")), [3]);
        apps.process_on(NodeId(7), 3, false);
        apps.touch_node(NodeId(7));
        assert!(due(&mut apps, t("1s")).is_empty());

        apps.set_timer(2, Some(t("1m")));
        apps.set_timer(1, Some(t("30s")));
        apps.set_timer(1, Some(t("2m")));
        assert!(due(&mut apps, t("59s")).is_empty());
        assert_eq!(due(&mut apps, t("1m")), [2]);
        assert_eq!(due(&mut apps, t("5m")), [1]);
        assert!(due(&mut apps, t("10m")).is_empty());
    }

    /// A deadline that has passed by the look (a catch-up that ended, a
    /// timeout already reported) was dealt with by it: it must not hide a
    /// later one, whatever order the models give them in.
    #[test]
    fn a_passed_deadline_does_not_hide_a_later_one() {
        for passed in [t("12m32s"), t("12m"), SimTime::ZERO] {
            let mut wake = Wake::new(t("12m32s"), 0);
            wake.at(t("12m37s"));
            wake.at(passed);
            assert_eq!(wake.next(), Some(t("12m37s")));
            let mut wake = Wake::new(t("12m32s"), 0);
            wake.at(passed);
            assert_eq!(wake.next(), None);
            wake.at(t("13m"));
            wake.at(t("12m40s"));
            assert_eq!(wake.next(), Some(t("12m40s")));
        }
    }

    /// A denied lookup is tried again on the member's loop: the first retry
    /// at or after the cached denial expires, at least one period on.
    #[test]
    fn a_denied_lookup_is_retried_at_the_first_loop_after_the_expiry() {
        let retry = "10s".parse().unwrap();
        let mut wake = Wake::new(t("1m"), 0);
        wake.lookup_retry(t("1m25s"), retry);
        assert_eq!(wake.next(), Some(t("1m30s")));
        let mut wake = Wake::new(t("1m"), 0);
        wake.lookup_retry(t("1m"), retry);
        assert_eq!(wake.next(), Some(t("1m10s")));
        let mut wake = Wake::new(t("1m"), 0);
        wake.lookup_retry(t("1m30s"), retry);
        assert_eq!(wake.next(), Some(t("1m30s")));
    }
}
