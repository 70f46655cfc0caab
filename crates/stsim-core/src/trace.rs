//! The trace: every change to the world, in order, as typed records.
//!
//! Owns the record types, their one-line text form (the `--trace` output and
//! the input of the digest) and the digest itself; `records` stores them. A record names objects
//! by id; the text form resolves ids to names through the world, which keeps
//! every object it ever held. Does not decide what is recorded: `api`
//! writes a record for each change it makes.
//!
//! # Text format
//! One record a line, tab-separated: `TIME  ACTOR  OBJECT  WHAT  DETAIL`.
//! `TIME` is the simulated time since the start (`1m30s500ms`); `ACTOR` who
//! made the change (`statefulset-controller`, `kubelet/worker-2`, `user`, ...);
//! `OBJECT` is `kind/name`; `WHAT` one word; `DETAIL` is `key=value` pairs.

mod records;
pub use records::{Iter, Kind, Records, Slice};

use crate::hash::Fnv64;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::world::World;
use serde::Serialize;
use std::fmt::Write;

/// Who made a change: the component of the cluster, the scenario's script,
/// or stsim's own cost analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Actor {
    /// A scripted action from the scenario's timeline (a person with kubectl).
    User,
    StatefulSetController,
    Scheduler,
    Kubelet(NodeId),
    /// The machine behind a node: crashes, partitions, repairs (the world, not the API).
    Machine(NodeId),
    NodeLifecycleController,
    /// The taint eviction controller (the "taint manager").
    TaintEvictionController,
    PodGarbageCollector,
    AttachDetachController,
    /// The external provisioner and the PV controller.
    VolumeController,
    /// The EndpointSlice controller together with cluster DNS.
    Dns,
    GarbageCollector,
    /// Operator `n` of the scenario.
    Operator(u32),
    /// The clustered application running in the pods (its members' processes).
    Application,
    /// What the machines stand on: racks, power, the network between them
    /// (a failure domain's outage; the world, not the API).
    Infrastructure,
    /// stsim's cost analysis (`cost::check_usage`), which marks a claim no
    /// pod uses orphaned and in use again: no Kubernetes component does.
    CostReport,
}

/// One change to the world.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    /// A scripted action began; `line` is its line in the scenario file.
    Script {
        description: String,
        line: u32,
    },
    /// A scripted action named an object that does not exist (kubectl's NotFound).
    NotFound {
        name: String,
    },
    /// A Node object was created (`AddNode`).
    NodeAdded {
        node: NodeId,
    },
    /// The Node object was deleted.
    NodeRemoved {
        node: NodeId,
    },
    /// The machine behind a node changed: crashed, partitioned, or running
    /// again. Nobody in the cluster sees this directly.
    NodeMachine {
        node: NodeId,
        state: Machine,
    },
    /// A failure domain's outage: every live node whose label `key` is
    /// `value` went down at once (`state` crashed or partitioned), or the
    /// outage ended (`running`) for the nodes it held.
    DomainOutage {
        key: Box<str>,
        value: Box<str>,
        state: Machine,
        nodes: Box<[NodeId]>,
    },
    /// The machine is being shut down. With graceful node shutdown its
    /// kubelet first stops the pods, each within `pods_grace` at most
    /// (`shutdownGracePeriod - shutdownGracePeriodCriticalPods`); with the
    /// feature off (`pods_grace` zero) the pods stop with the machine.
    NodeShuttingDown {
        node: NodeId,
        pods_grace: SimDuration,
    },
    /// The node's Ready condition changed.
    NodeCondition {
        node: NodeId,
        status: ConditionStatus,
    },
    NodeTaintAdded {
        node: NodeId,
        taint: Box<crate::config::Taint>,
    },
    NodeTaintRemoved {
        node: NodeId,
        taint: Box<crate::config::Taint>,
    },
    /// `spec.unschedulable` changed (cordon, uncordon).
    NodeUnschedulable {
        node: NodeId,
        unschedulable: bool,
    },
    /// `kubectl drain` finished: no pods are left on the node.
    NodeDrained {
        node: NodeId,
    },
    /// A drain gave up at its timeout (a maintenance's `drainTimeout`),
    /// with `left` pods still on the node: it evicts nothing more.
    NodeDrainAborted {
        node: NodeId,
        left: u32,
    },
    /// `kubectl drain` failed: an eviction was refused with an error it does
    /// not retry (a 500), and nothing else is left to wait for; `left` pods
    /// stay on the cordoned node.
    NodeDrainFailed {
        node: NodeId,
        left: u32,
    },
    /// A pod is deleted by a controller or the eviction API, with the
    /// `DisruptionTarget` reason (`DeletionByTaintManager`,
    /// `EvictionByEvictionAPI`, `DeletionByPodGC`) and why.
    PodEvicted {
        pod: PodId,
        reason: &'static str,
        message: String,
    },
    /// The eviction API refused, with its HTTP status (429: a budget allows
    /// no disruption now; 500: more than one budget selects the pod) and
    /// its message.
    EvictionRefused {
        pod: PodId,
        code: u16,
        message: String,
    },
    /// The kubelet begins killing a container whose `probe` failed
    /// `failureThreshold` times: its preStop hook, then SIGTERM;
    /// `ContainerStopped` follows when it exits. `init`: a sidecar's (the
    /// init container's index), whose startup probe failed; its exit is a
    /// `SidecarStatus`.
    ContainerKilling {
        pod: PodId,
        node: NodeId,
        probe: crate::objects::FailedProbe,
        init: Option<u32>,
    },
    /// A container process stopped on its machine, and why: the machine
    /// crashed or shut down, the application exited, or the kubelet killed
    /// it (an orphan whose object is gone, an image changed, a probe that
    /// failed). A crash of the image's own (`CrashLoop`) records none: its
    /// pod's status says it.
    ContainerStopped {
        pod: PodId,
        node: NodeId,
        reason: &'static str,
    },
    /// Two container processes run as one StatefulSet identity.
    IdentityDuplicated {
        sts: StsId,
        ordinal: u32,
        pods: Vec<PodId>,
    },
    /// One process is left for an identity that had two.
    IdentityRestored {
        sts: StsId,
        ordinal: u32,
    },
    VolumeAttaching {
        pv: PvId,
        node: NodeId,
    },
    VolumeAttached {
        pv: PvId,
        node: NodeId,
    },
    /// `forced` says why the controller did not wait for an unmount.
    VolumeDetaching {
        pv: PvId,
        node: NodeId,
        forced: Option<&'static str>,
    },
    VolumeDetached {
        pv: PvId,
        node: NodeId,
    },
    /// `FailedAttachVolume`: the volume is attached elsewhere.
    VolumeMultiAttach {
        pod: PodId,
        pv: PvId,
        message: String,
    },
    /// A pod object was created.
    PodCreated {
        pod: PodId,
        revision: String,
    },
    /// A create was refused because a live object has that name.
    PodCreateRejected {
        name: String,
    },
    /// A create was refused because the pod is invalid: the API server's
    /// message (`Pod "web-0" is invalid: ...`).
    PodCreateInvalid {
        name: String,
        message: String,
    },
    /// A claim's create was refused because it is invalid: the API
    /// server's message (`PersistentVolumeClaim "data-web-0" is invalid:
    /// ...`).
    PvcCreateInvalid {
        name: String,
        message: String,
    },
    /// The kubelet's admission refused the pod, which is now `Failed`:
    /// the admit handler's reason (`OutOfcpu`, `NodePorts`, ...) and the
    /// status message.
    PodRejected {
        pod: PodId,
        reason: &'static str,
        message: String,
    },
    /// The kubelet could not make the pod's sandbox: its sync failed
    /// before any container (`FailedCreatePodSandBox`), and the pod stays
    /// `ContainerCreating`. `message` is the error's.
    PodSandboxFailed {
        pod: PodId,
        message: String,
    },
    /// The kubelet stopped the pod's containers for its node's graceful
    /// shutdown: the pod is `Failed`, reason `Terminated`.
    PodShutdown {
        pod: PodId,
    },
    /// The scheduler could not place the pod; `message` is kube-scheduler's.
    PodUnschedulable {
        pod: PodId,
        message: String,
    },
    /// The pod was bound to a node.
    PodScheduled {
        pod: PodId,
        node: NodeId,
    },
    /// The pod's phase or container state changed (see `Pod::display_status`).
    PodStatus {
        pod: PodId,
        status: StatusColumn,
        ip: Option<Ipv4>,
        restarts: u32,
    },
    /// The kubelet reported a change to one container of a pod with more
    /// than one regular container (`spec.containers[container]`): its state
    /// or its readiness. Not written for one-container pods, whose
    /// `PodStatus` and `PodReady` say it all.
    ContainerStatus {
        pod: PodId,
        container: u32,
        state: ContainerState,
        ready: bool,
    },
    /// The kubelet reported a change to a sidecar (init container `init`,
    /// `restartPolicy: Always`) after its start: exited (`Error`), held by
    /// its back-off (`CrashLoopBackOff`), or running again (`None`):
    /// `started` unless it is the one the kubelet's walk over the init
    /// containers waits for, whose startup probe has not passed;
    /// `unready` while its readiness probe, if it has one, has not passed
    /// since it last started (the change to ready is recorded too).
    SidecarStatus {
        pod: PodId,
        init: u32,
        failure: Option<InitFailure>,
        started: bool,
        unready: bool,
    },
    /// The Ready condition changed.
    PodReady {
        pod: PodId,
        ready: bool,
    },
    /// A graceful delete set `deletionTimestamp`.
    PodDeleting {
        pod: PodId,
        grace: SimDuration,
    },
    /// The object left the API server. `force` for a deletion with grace 0
    /// that nobody on the node confirmed.
    PodRemoved {
        pod: PodId,
        force: bool,
    },
    PvcCreated {
        pvc: PvcId,
    },
    PvcOwnersUpdated {
        pvc: PvcId,
        owners: Vec<OwnerRef>,
    },
    PvcRemoved {
        pvc: PvcId,
    },
    /// The API server refused an update of a claim, with its message.
    PvcUpdateRejected {
        pvc: PvcId,
        message: String,
    },
    /// A claim's requested size was raised, or lowered while still above
    /// its volume's capacity (`RecoverVolumeExpansionFailure`): a volume
    /// expansion is asked for.
    PvcResizeRequested {
        pvc: PvcId,
        bytes: u64,
    },
    /// The resizer expanded the volume (ControllerExpandVolume, and the
    /// file system, online, where it is mounted).
    PvResized {
        pv: PvId,
        bytes: u64,
    },
    /// A deleted pod's object stays: its finalizers hold it.
    PodHeld {
        pod: PodId,
        finalizers: Vec<String>,
    },
    /// A deleted claim stays Terminating: its finalizers hold it.
    PvcHeld {
        pvc: PvcId,
        finalizers: Vec<String>,
    },
    /// A person edited a pod's metadata by hand (labels), as said in `change`.
    PodPatched {
        pod: PodId,
        change: String,
    },
    /// A person edited a claim's metadata by hand (labels), as said in `change`.
    PvcPatched {
        pvc: PvcId,
        change: String,
    },
    /// The PV controller cannot get the claim a volume, with its event's
    /// reason and message (`ProvisioningFailed`, `FailedBinding`) and
    /// whether the event is a Warning (not part of the trace's text).
    PvcWaiting {
        pvc: PvcId,
        reason: &'static str,
        message: String,
        warning: bool,
    },
    /// A delete of a claim in use: `kubernetes.io/pvc-protection` holds it
    /// until no pod uses it.
    PvcDeleting {
        pvc: PvcId,
    },
    /// No pod uses the claim and no StatefulSet wants it at its present size:
    /// stsim counts it orphaned (its cost report, `Actor::CostReport`).
    PvcOrphaned {
        pvc: PvcId,
        reason: String,
    },
    /// An orphaned claim is in use (or wanted) again.
    PvcInUse {
        pvc: PvcId,
    },
    /// The PV's claim went away and the reclaim policy is `Retain`.
    PvReleased {
        pv: PvId,
    },
    /// The PV and its disk were deleted (reclaim policy `Delete`).
    PvDeleted {
        pv: PvId,
    },
    /// A released volume's `Delete` found nothing to delete its disk: it is
    /// Failed (`VolumeFailedDelete`, with the PV controller's message).
    PvFailed {
        pv: PvId,
        message: String,
    },
    /// The StatefulSet object was deleted.
    StatefulSetDeleted {
        sts: StsId,
        cascade: Cascade,
    },
    /// A StatefulSet object was created (after a rename).
    StatefulSetCreated {
        sts: StsId,
    },
    /// A pod lost its owner (`--cascade=orphan`).
    PodOrphaned {
        pod: PodId,
    },
    /// A volume was provisioned and bound to the claim.
    PvcBound {
        pvc: PvcId,
        pv: PvId,
    },
    /// The scheduler picked a node for a `WaitForFirstConsumer` claim.
    PvcSelectedNode {
        pvc: PvcId,
        node: NodeId,
    },
    /// The external provisioner removed the claim's selected node (it no
    /// longer exists), so that the scheduler chooses again.
    PvcNodeUnselected {
        pvc: PvcId,
        node: NodeId,
    },
    DnsAdded {
        name: String,
        ip: Ipv4,
    },
    DnsRemoved {
        name: String,
        ip: Ipv4,
    },
    /// The StatefulSet's spec was updated; `change` says how, in kubectl's terms.
    StatefulSetUpdated {
        sts: StsId,
        change: String,
    },
    /// The API server refused an update of the StatefulSet, with its message.
    StatefulSetUpdateRejected {
        sts: StsId,
        message: String,
    },
    /// The StatefulSet's `spec.replicas` changed.
    StatefulSetScaled {
        sts: StsId,
        from: u32,
        to: u32,
    },
    /// The StatefulSet's status changed.
    StatefulSetStatus {
        sts: StsId,
        status: Box<StatefulSetStatus>,
    },
    /// A sync stopped before creating a pod: the pod's claim is still owned
    /// by an earlier pod of its name (`whenScaled: Delete` made it so), and
    /// the garbage collector has yet to delete it (`PodClaimIsStale`).
    /// Recorded when the set starts waiting on it, not at every sync.
    StatefulSetClaimStale {
        sts: StsId,
        claim: PvcId,
        owner: PodId,
    },
    /// The informer's periodic resync delivered a set whose last sync had
    /// stopped on something the controller does not watch (a stale claim):
    /// the first sync since. Resyncs of other sets change nothing to see.
    StatefulSetResync {
        sts: StsId,
    },
    /// A ControllerRevision was created (or an old one rolled forward).
    RevisionCreated {
        sts: StsId,
        name: String,
        revision: u64,
    },
    /// An operator failed (exited, hung, answered nonsense); the run stops.
    OperatorFailed {
        message: String,
    },
    /// An operator's action did not apply (a `Promote` of a pod that runs
    /// no replica); nothing changed.
    ActionRefused {
        action: String,
        why: String,
    },
    /// An operator restarted between two writes (an injected fault).
    OperatorRestarted {
        lost_actions: u32,
    },
    /// The run ended (horizon reached or `Stop`).
    End {
        reason: &'static str,
    },
    /// A Service was created (a rename's second half).
    ServiceCreated {
        service: ServiceId,
    },
    /// A Service was deleted; the per-pod records it published go with it.
    ServiceDeleted {
        service: ServiceId,
    },
    /// A StatefulSet adopted an orphaned pod whose name and labels match it.
    PodAdopted {
        pod: PodId,
        sts: StsId,
    },
    /// Cluster DNS answered NXDOMAIN and caches the denial until `until`.
    DnsNegativeCached {
        name: String,
        until: SimTime,
    },
    /// A member of application `app` (index into `World::apps`) did something
    /// of its own: started, initialised a cluster, joined, was refused.
    AppMember {
        app: usize,
        pod: PodId,
        what: String,
    },
    /// The verdict on application `app` changed. Boxed: a verdict is the
    /// largest payload, and rare; inline it would size every record.
    AppVerdict {
        app: usize,
        verdict: Box<crate::apps::Verdict>,
    },
    /// A custom resource was `created`, `updated` (spec or metadata),
    /// its `status` written, marked `deleting` (finalizers), or `removed`.
    CustomResourceChanged {
        object: u32,
        what: &'static str,
        generation: u64,
    },
    /// A client changed a Service's spec (selector, ports,
    /// publishNotReadyAddresses), as said in `change`: endpoints and DNS follow.
    ServiceUpdated {
        service: crate::objects::ServiceId,
        change: String,
    },
    /// A client edited the metadata of a StatefulSet or a Service (labels,
    /// finalizers), as said in `change`.
    MetadataPatched {
        object: crate::kube::ObjRef,
        change: String,
    },
    /// A deleted StatefulSet or Service stays, with its `deletionTimestamp`:
    /// its finalizers hold it (`foregroundDeletion`: until its dependents are gone).
    DeleteHeld {
        object: crate::kube::ObjRef,
        finalizers: Vec<String>,
    },
    /// A client set the annotations of a built-in object (now `keys`).
    Annotated {
        object: crate::kube::ObjRef,
        keys: Vec<String>,
    },
    /// The API server took an operator's write with warnings (the fields
    /// of a pod template stsim does not model and ignored), each the first
    /// time that operator gets it.
    WriteWarned {
        action: String,
        warnings: Vec<String>,
    },
    /// The API server refused an operator's write (the answer it gets).
    WriteRefused {
        action: Box<str>,
        code: u16,
        reason: &'static str,
        message: Box<str>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub at: SimTime,
    pub actor: Actor,
    pub event: Event,
}

// A long run keeps hundreds of thousands of records, and the report reads
// them all in several passes: the few events whose fields would make every
// record larger (a StatefulSet's status, a taint, an outage's nodes, a
// refused write's message) keep them boxed. Grown past 72 bytes, a record
// costs every pass over the trace.
const _: () = assert!(std::mem::size_of::<Record>() <= 72, "a trace record grew past 72 bytes");

#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub records: Records,
}

impl Trace {
    pub fn push(&mut self, at: SimTime, actor: Actor, event: Event) {
        if let Some(last) = self.records.last() {
            assert!(at >= last.at, "trace time went backwards");
        }
        self.records.push(Record { at, actor, event });
    }

    /// FNV-1a 64 over the text form of every record, as 16 hex digits.
    /// Each line is written into one reused buffer and hashed at once: the
    /// text is never held whole, and the processor writes the next line
    /// while the hash (one long chain of multiplications) finishes.
    pub fn digest(&self, world: &World) -> String {
        let names = NameTable::new(world);
        let mut hasher = Fnv64::new();
        let mut line = String::with_capacity(256);
        let mut lines = Lines::default();
        for record in &self.records {
            line.clear();
            lines.write(&mut line, world, &names, record);
            hasher.write(line.as_bytes());
        }
        format!("{:016x}", hasher.finish())
    }

    /// The whole trace in its text form.
    pub fn render(&self, world: &World) -> String {
        let mut out = String::new();
        self.render_lines(world, &mut |line| out.push_str(line));
        out
    }

    /// The text form a line at a time, each given to `line` with its
    /// newline: for a caller that writes the lines out rather than hold
    /// them all (a long run's trace is hundreds of megabytes of text).
    pub fn render_lines(&self, world: &World, line: &mut dyn FnMut(&str)) {
        let names = NameTable::new(world);
        let mut out = String::with_capacity(256);
        let mut lines = Lines::default();
        for record in &self.records {
            out.clear();
            lines.write(&mut out, world, &names, record);
            line(&out);
        }
    }
}

/// Writes records one a line, in order. Most records share the time of the
/// one before (a change and what it causes at once), whose text is kept.
#[derive(Default)]
struct Lines {
    /// The time of the last record written, if any.
    at: Option<SimTime>,
    /// Its text, with the tab after it.
    time: String,
}

impl Lines {
    fn write(&mut self, out: &mut String, world: &World, names: &impl Names, record: &Record) {
        if self.at != Some(record.at) {
            self.at = Some(record.at);
            self.time.clear();
            self.time.duration(record.at.since(SimTime::ZERO)).put("\t");
        }
        out.push_str(&self.time);
        render_after_time(out, world, names, record);
        out.push('\n');
    }
}

/// Where a record's text finds the names of the pods, claims and nodes it
/// refers to (most records name one): the world itself, or a
/// [`NameTable`] copied from it for a pass over a whole trace.
trait Names {
    fn pod(&self, id: PodId) -> &str;
    fn pvc(&self, id: PvcId) -> &str;
    fn node(&self, id: NodeId) -> &str;
}

impl Names for World {
    fn pod(&self, id: PodId) -> &str {
        &World::pod(self, id).name
    }
    fn pvc(&self, id: PvcId) -> &str {
        &World::pvc(self, id).name
    }
    fn node(&self, id: NodeId) -> &str {
        &World::node(self, id).name
    }
}

/// Every pod's, claim's and node's name, copied once into tables by id,
/// inline up to 24 bytes: a pass over hundreds of thousands of records then
/// reads names from a few hundred kilobytes, not from each object's own
/// allocations (names never change, so the copy stays true).
struct NameTable {
    pods: Vec<compact_str::CompactString>,
    pvcs: Vec<compact_str::CompactString>,
    nodes: Vec<compact_str::CompactString>,
}

impl NameTable {
    fn new(world: &World) -> NameTable {
        let copy = |name: &String| compact_str::CompactString::new(name);
        NameTable {
            pods: world.pods.iter().map(|p| copy(&p.name)).collect(),
            pvcs: world.pvcs.iter().map(|c| copy(&c.name)).collect(),
            nodes: world.nodes.iter().map(|n| copy(&n.name)).collect(),
        }
    }
}

impl Names for NameTable {
    fn pod(&self, id: PodId) -> &str {
        &self.pods[id.index()]
    }
    fn pvc(&self, id: PvcId) -> &str {
        &self.pvcs[id.index()]
    }
    fn node(&self, id: NodeId) -> &str {
        &self.nodes[id.index()]
    }
}

/// Appending the pieces of a record's text without the formatting
/// machinery: a trace holds hundreds of thousands of records, and each is
/// written for the digest of every report.
trait Put {
    fn put(&mut self, text: &str) -> &mut Self;
    /// A decimal number.
    fn num(&mut self, n: impl Into<u64>) -> &mut Self;
    /// `true` or `false`.
    fn flag(&mut self, flag: bool) -> &mut Self;
    /// A string as `{:?}` writes it, quoted and escaped.
    fn quoted(&mut self, text: &str) -> &mut Self;
    /// A dotted IPv4 address.
    fn ip(&mut self, ip: Ipv4) -> &mut Self;
    fn duration(&mut self, d: SimDuration) -> &mut Self;
}

impl Put for String {
    #[inline]
    fn put(&mut self, text: &str) -> &mut Self {
        self.push_str(text);
        self
    }
    #[inline]
    fn num(&mut self, n: impl Into<u64>) -> &mut Self {
        push_decimal(self, n.into());
        self
    }
    #[inline]
    fn flag(&mut self, flag: bool) -> &mut Self {
        self.put(if flag { "true" } else { "false" })
    }
    #[inline]
    fn quoted(&mut self, text: &str) -> &mut Self {
        // Printable ASCII other than `"` and `\` is written as it is by
        // `{:?}`; anything else takes the formatter's escaping.
        if text.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
            self.push('"');
            self.push_str(text);
            self.push('"');
        } else {
            let _ = write!(self, "{text:?}");
        }
        self
    }
    #[inline]
    fn ip(&mut self, ip: Ipv4) -> &mut Self {
        ip.push_to(self);
        self
    }
    #[inline]
    fn duration(&mut self, d: SimDuration) -> &mut Self {
        d.push_to(self);
        self
    }
}

pub fn actor_name(world: &World, actor: Actor) -> String {
    let mut out = String::new();
    write_actor(&mut out, world, world, actor);
    out
}

#[inline]
fn write_actor(out: &mut String, world: &World, names: &impl Names, actor: Actor) {
    match actor {
        Actor::Kubelet(node) => out.put("kubelet/").put(names.node(node)),
        Actor::Machine(node) => out.put("machine/").put(names.node(node)),
        _ => {
            let (kind, name) = actor_parts(world, actor);
            out.put(kind).put(name)
        }
    };
}

/// An actor's name in two pieces: `kubelet/` and the node's name, or the
/// whole name and nothing.
pub fn actor_parts(world: &World, actor: Actor) -> (&'static str, &str) {
    match actor {
        Actor::User => ("user", ""),
        Actor::StatefulSetController => ("statefulset-controller", ""),
        Actor::Scheduler => ("scheduler", ""),
        Actor::Kubelet(node) => ("kubelet/", &world.node(node).name),
        Actor::Machine(node) => ("machine/", &world.node(node).name),
        Actor::NodeLifecycleController => ("node-lifecycle-controller", ""),
        Actor::TaintEvictionController => ("taint-eviction-controller", ""),
        Actor::PodGarbageCollector => ("pod-garbage-collector", ""),
        Actor::AttachDetachController => ("attachdetach-controller", ""),
        Actor::VolumeController => ("volume-controller", ""),
        Actor::Dns => ("dns", ""),
        Actor::GarbageCollector => ("garbage-collector", ""),
        Actor::Application => ("application", ""),
        Actor::Infrastructure => ("infrastructure", ""),
        Actor::CostReport => ("stsim-cost", ""),
        Actor::Operator(n) => ("operator/", world.operator_names.get(n as usize).map_or("?", String::as_str)),
    }
}

pub fn owner_name(world: &World, owner: &OwnerRef) -> String {
    let mut out = String::new();
    push_owner(&mut out, world, owner);
    out
}

fn push_owner(out: &mut String, world: &World, owner: &OwnerRef) {
    match owner.owner {
        Owner::StatefulSet(id) => out.put("StatefulSet/").put(&world.sts(id).name),
        Owner::Pod(id) => out.put("Pod/").put(&world.pod(id).name),
    };
}

/// `items` joined by `separator`.
fn push_joined(out: &mut String, items: &[String], separator: &str) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(item);
    }
}

/// Writes one record's text form (without a newline).
pub fn render_into(out: &mut String, world: &World, record: &Record) {
    out.duration(record.at.since(SimTime::ZERO)).put("\t");
    render_after_time(out, world, world, record);
}

/// A record's text form after its time and the tab that follows it.
fn render_after_time(out: &mut String, world: &World, names: &impl Names, record: &Record) {
    let node = |id: NodeId| names.node(id);
    let pv = |id: PvId| world.pv(id).name.as_str();
    let sts = |id: StsId| world.sts(id).name.as_str();
    write_actor(out, world, names, record.actor);
    out.put("\t");
    let pod = |out: &mut String, id: PodId| {
        out.put("pod/").put(names.pod(id));
    };
    let pvc = |out: &mut String, id: PvcId| {
        out.put("pvc/").put(names.pvc(id));
    };
    match &record.event {
        Event::Script { description, line } => {
            out.put("script\tbegin\tline=").num(*line).put(" ").put(description);
        }
        Event::NotFound { name } => {
            out.put(name).put("\tnot-found\t");
        }
        Event::DomainOutage { key, value, state, nodes } => {
            out.put("domain/").put(key).put("=").put(value).put("\toutage\tstate=").put(state.as_str());
            out.put(" nodes=");
            for (i, on) in nodes.iter().enumerate() {
                out.put(if i == 0 { "" } else { "," }).put(node(*on));
            }
        }
        Event::NodeAdded { node: id } => {
            out.put("node/").put(node(*id)).put("\tcreated\tzone=").put(&world.node(*id).zone);
        }
        Event::NodeRemoved { node: id } => {
            out.put("node/").put(node(*id)).put("\tremoved\t");
        }
        Event::NodeMachine { node: id, state } => {
            out.put("node/").put(node(*id)).put("\tmachine\tstate=").put(state.as_str());
        }
        Event::NodeShuttingDown { node: id, pods_grace } => {
            out.put("node/").put(node(*id)).put("\tshutting-down\tpods_grace=").duration(*pods_grace);
        }
        Event::NodeCondition { node: id, status } => {
            out.put("node/").put(node(*id)).put("\tcondition\tReady=").put(status.as_str());
        }
        Event::NodeTaintAdded { node: id, taint } => {
            out.put("node/").put(node(*id)).put("\ttainted\ttaint=");
            taint.pieces().iter().for_each(|piece| out.push_str(piece));
        }
        Event::NodeTaintRemoved { node: id, taint } => {
            out.put("node/").put(node(*id)).put("\tuntainted\ttaint=");
            taint.pieces().iter().for_each(|piece| out.push_str(piece));
        }
        Event::NodeUnschedulable { node: id, unschedulable } => {
            out.put("node/").put(node(*id)).put("\tunschedulable\tunschedulable=").flag(*unschedulable);
        }
        Event::NodeDrained { node: id } => {
            out.put("node/").put(node(*id)).put("\tdrained\t");
        }
        Event::NodeDrainAborted { node: id, left } => {
            out.put("node/").put(node(*id)).put("\tdrain-aborted\tpods-left=").num(*left);
        }
        Event::NodeDrainFailed { node: id, left } => {
            out.put("node/").put(node(*id)).put("\tdrain-failed\tpods-left=").num(*left);
        }
        Event::PodEvicted { pod: id, reason, message } => {
            pod(out, *id);
            out.put("\tevicted\treason=").put(reason).put(" message=").quoted(message);
        }
        Event::EvictionRefused { pod: id, code, message } => {
            pod(out, *id);
            out.put("\teviction-refused\t");
            // A 429, the common case, is written as it always was.
            if *code != 429 {
                out.put("code=").num(u32::from(*code)).put(" ");
            }
            out.put("message=").quoted(message);
        }
        Event::ContainerKilling { pod: id, node: on, probe, init } => {
            pod(out, *id);
            out.put("\tcontainer-killing\tnode=").put(node(*on)).put(" probe=").put(probe.as_str());
            if let Some(init) = init {
                out.put(" init=").num(*init);
                if let Some(container) = world.pod(*id).init_containers.get(*init as usize) {
                    out.put(" name=").put(&container.name);
                }
            }
        }
        Event::ContainerStopped { pod: id, node: on, reason } => {
            pod(out, *id);
            out.put("\tcontainer-stopped\tnode=").put(node(*on)).put(" reason=").put(reason);
        }
        Event::IdentityDuplicated { sts: set, ordinal, pods } => {
            out.put("identity/").put(sts(*set)).put("-").num(*ordinal).put("\tduplicated\tcopies=");
            for (i, p) in pods.iter().enumerate() {
                let p = world.pod(*p);
                out.put(if i > 0 { ",uid" } else { "uid" }).num(p.uid.0).put("@");
                out.put(p.node.map(node).unwrap_or("-"));
            }
        }
        Event::IdentityRestored { sts: set, ordinal } => {
            out.put("identity/").put(sts(*set)).put("-").num(*ordinal).put("\trestored\t");
        }
        Event::VolumeAttaching { pv: v, node: on } => {
            out.put("pv/").put(pv(*v)).put("\tattaching\tnode=").put(node(*on));
        }
        Event::VolumeAttached { pv: v, node: on } => {
            out.put("pv/").put(pv(*v)).put("\tattached\tnode=").put(node(*on));
        }
        Event::VolumeDetaching { pv: v, node: on, forced } => {
            out.put("pv/").put(pv(*v)).put("\tdetaching\tnode=").put(node(*on));
            out.put(" forced=").put(forced.unwrap_or("no"));
        }
        Event::VolumeDetached { pv: v, node: on } => {
            out.put("pv/").put(pv(*v)).put("\tdetached\tnode=").put(node(*on));
        }
        Event::VolumeMultiAttach { pod: id, pv: v, message } => {
            pod(out, *id);
            out.put("\tfailed-attach\tvolume=").put(pv(*v)).put(" message=").quoted(message);
        }
        Event::PodCreated { pod: id, revision } => {
            pod(out, *id);
            out.put("\tcreated\trevision=").put(revision);
        }
        Event::PodCreateRejected { name } => {
            out.put("pod/").put(name).put("\tcreate-rejected\treason=AlreadyExists");
        }
        Event::PodCreateInvalid { name, message } => {
            out.put("pod/").put(name).put("\tcreate-rejected\treason=Invalid message=").quoted(message);
        }
        Event::PvcCreateInvalid { name, message } => {
            out.put("pvc/").put(name).put("\tcreate-rejected\treason=Invalid message=").quoted(message);
        }
        Event::PodRejected { pod: id, reason, message } => {
            pod(out, *id);
            out.put("\trejected\treason=").put(reason).put(" message=").quoted(message);
        }
        Event::PodShutdown { pod: id } => {
            pod(out, *id);
            out.put("\tshutdown\treason=Terminated");
        }
        Event::PodSandboxFailed { pod: id, message } => {
            pod(out, *id);
            out.put("\tsandbox-failed\treason=FailedCreatePodSandBox message=").quoted(message);
        }
        Event::PodUnschedulable { pod: id, message } => {
            pod(out, *id);
            out.put("\tunschedulable\tmessage=").quoted(message);
        }
        Event::PodScheduled { pod: id, node: on } => {
            pod(out, *id);
            out.put("\tscheduled\tnode=").put(node(*on));
        }
        Event::PodStatus { pod: id, status, ip, restarts } => {
            pod(out, *id);
            out.put("\tstatus\tstatus=");
            match status {
                StatusColumn::Reason(reason) => out.put(reason),
                StatusColumn::Init { done, of } => out.put("Init:").num(*done).put("/").num(*of),
            };
            out.put(" ip=");
            match ip {
                Some(ip) => out.ip(*ip),
                None => out.put("none"),
            };
            out.put(" restarts=").num(*restarts);
        }
        Event::ContainerStatus { pod: id, container, state, ready } => {
            pod(out, *id);
            out.put("\tcontainer\tcontainer=").num(*container);
            if let Some(extra) =
                (*container as usize).checked_sub(1).and_then(|i| world.pod(*id).extra_containers.get(i))
            {
                out.put(" name=").put(&extra.name);
            }
            out.put(" state=").put(state.as_str()).put(" ready=").flag(*ready);
        }
        Event::SidecarStatus { pod: id, init, failure, started, unready } => {
            pod(out, *id);
            out.put("\tsidecar\tinit=").num(*init);
            if let Some(container) = world.pod(*id).init_containers.get(*init as usize) {
                out.put(" name=").put(&container.name);
            }
            out.put(" state=").put(failure.map_or("Running", InitFailure::as_str));
            if failure.is_none() && !started {
                out.put(" started=false");
            }
            // (Only a sidecar with a readiness probe is ever unready.)
            if failure.is_none() && *unready {
                out.put(" ready=false");
            }
        }
        Event::PodReady { pod: id, ready } => {
            pod(out, *id);
            out.put("\tready\tready=").flag(*ready);
        }
        Event::PodDeleting { pod: id, grace } => {
            pod(out, *id);
            out.put("\tdeleting\tgrace=").duration(*grace);
        }
        Event::PodRemoved { pod: id, force } => {
            pod(out, *id);
            out.put("\tremoved\tforce=").flag(*force);
        }
        Event::PvcCreated { pvc: id } => {
            pvc(out, *id);
            out.put("\tcreated\t");
        }
        Event::PvcOwnersUpdated { pvc: id, owners } => {
            pvc(out, *id);
            out.put("\towners\towners=");
            for (i, owner) in owners.iter().enumerate() {
                if i > 0 {
                    out.put(",");
                }
                push_owner(out, world, owner);
            }
        }
        Event::PvcRemoved { pvc: id } => {
            pvc(out, *id);
            out.put("\tremoved\t");
        }
        Event::PvcDeleting { pvc: id } => {
            pvc(out, *id);
            out.put("\tdeleting\tfinalizer=kubernetes.io/pvc-protection");
        }
        Event::PodPatched { pod: id, change } => {
            pod(out, *id);
            out.put("\tpatched\t").put(change);
        }
        Event::PvcUpdateRejected { pvc: id, message } => {
            pvc(out, *id);
            out.put("\tupdate-rejected\tmessage=").quoted(message);
        }
        Event::PvcResizeRequested { pvc: id, bytes } => {
            pvc(out, *id);
            out.put("\tresize\tstorage=").num(*bytes);
        }
        Event::PvResized { pv: v, bytes } => {
            out.put("pv/").put(pv(*v)).put("\tresized\tcapacity=").num(*bytes);
        }
        Event::PodHeld { pod: id, finalizers } => {
            pod(out, *id);
            out.put("\theld\tfinalizers=");
            push_joined(out, finalizers, ",");
        }
        Event::PvcHeld { pvc: id, finalizers } => {
            pvc(out, *id);
            out.put("\theld\tfinalizers=");
            push_joined(out, finalizers, ",");
        }
        Event::PvcPatched { pvc: id, change } => {
            pvc(out, *id);
            out.put("\tpatched\t").put(change);
        }
        Event::PvcWaiting { pvc: id, reason, message, .. } => {
            pvc(out, *id);
            out.put("\tevent\treason=").put(reason).put(" message=").quoted(message);
        }
        Event::PvcOrphaned { pvc: id, reason } => {
            pvc(out, *id);
            out.put("\torphaned\treason=").quoted(reason);
        }
        Event::PvcInUse { pvc: id } => {
            pvc(out, *id);
            out.put("\tin-use\t");
        }
        Event::PvReleased { pv: v } => {
            out.put("pv/").put(pv(*v)).put("\treleased\t");
        }
        Event::PvDeleted { pv: v } => {
            out.put("pv/").put(pv(*v)).put("\tdeleted\t");
        }
        Event::PvFailed { pv: v, message } => {
            out.put("pv/").put(pv(*v)).put("\tfailed\tmessage=").quoted(message);
        }
        Event::StatefulSetDeleted { sts: set, cascade } => {
            let _ = write!(out.put("statefulset/").put(sts(*set)), "\tdeleted\tcascade={cascade:?}");
        }
        Event::StatefulSetCreated { sts: set } => {
            out.put("statefulset/").put(sts(*set)).put("\tcreated\t");
        }
        Event::PodOrphaned { pod: id } => {
            pod(out, *id);
            out.put("\torphaned\t");
        }
        Event::PvcBound { pvc: id, pv: v } => {
            let v = world.pv(*v);
            pvc(out, *id);
            out.put("\tbound\tvolume=").put(&v.name).put(" zone=").put(v.zone.as_deref().unwrap_or("-"));
            for other in &v.other_zones {
                out.put(",").put(other);
            }
        }
        Event::PvcSelectedNode { pvc: id, node: on } => {
            pvc(out, *id);
            out.put("\tselected-node\tnode=").put(node(*on));
        }
        Event::PvcNodeUnselected { pvc: id, node: on } => {
            pvc(out, *id);
            out.put("\tselected-node-removed\tnode=").put(node(*on));
        }
        Event::DnsAdded { name, ip } => {
            out.put("dns/").put(name).put("\tadded\tA=").ip(*ip);
        }
        Event::DnsRemoved { name, ip } => {
            out.put("dns/").put(name).put("\tremoved\tA=").ip(*ip);
        }
        Event::StatefulSetUpdated { sts: set, change } => {
            out.put("statefulset/").put(sts(*set)).put("\tupdated\t").put(change);
        }
        Event::StatefulSetUpdateRejected { sts: set, message } => {
            out.put("statefulset/").put(sts(*set)).put("\tupdate-rejected\tmessage=").quoted(message);
        }
        Event::StatefulSetScaled { sts: set, from, to } => {
            out.put("statefulset/").put(sts(*set)).put("\tscaled\treplicas=").num(*from).put("->").num(*to);
        }
        Event::StatefulSetStatus { sts: set, status } => {
            out.put("statefulset/").put(sts(*set)).put("\tstatus\treplicas=").num(status.replicas);
            out.put(" ready=").num(status.ready_replicas).put(" available=").num(status.available_replicas);
            out.put(" current=").num(status.current_replicas).put(" updated=").num(status.updated_replicas);
            out.put(" currentRevision=").put(&status.current_revision);
            out.put(" updateRevision=").put(&status.update_revision);
        }
        Event::StatefulSetClaimStale { sts: set, claim, owner } => {
            out.put("statefulset/").put(sts(*set)).put("\tclaim-stale\tclaim=").put(names.pvc(*claim));
            out.put(" owner=Pod/").put(names.pod(*owner));
        }
        Event::StatefulSetResync { sts: set } => {
            out.put("statefulset/").put(sts(*set)).put("\tresync");
        }
        Event::RevisionCreated { sts: set, name, revision } => {
            out.put("statefulset/").put(sts(*set)).put("\trevision\tname=").put(name);
            out.put(" revision=").num(*revision);
        }
        Event::End { reason } => {
            out.put("run\tend\treason=").put(reason);
        }
        Event::OperatorFailed { message } => {
            out.put("operator\tfailed\tmessage=").quoted(message);
        }
        Event::OperatorRestarted { lost_actions } => {
            out.put("operator\trestarted\tlost_actions=").num(*lost_actions);
        }
        Event::ActionRefused { action, why } => {
            out.put("operator\trefused\taction=").quoted(action).put(" why=").quoted(why);
        }
        Event::ServiceCreated { service } => {
            out.put("service/").put(&world.service(*service).name).put("\tcreated\t");
        }
        Event::ServiceDeleted { service } => {
            out.put("service/").put(&world.service(*service).name).put("\tdeleted\t");
        }
        Event::PodAdopted { pod: id, sts: set } => {
            pod(out, *id);
            out.put("\tadopted\tstatefulset=").put(sts(*set));
        }
        Event::DnsNegativeCached { name, until } => {
            out.put("dns/").put(name).put("\tnegative-cached\tuntil=").duration(until.since(SimTime::ZERO));
        }
        Event::AppMember { app, pod: id, what } => {
            out.put("app/").put(world.apps.name(*app)).put("\tmember\t");
            pod(out, *id);
            out.put(" what=").quoted(what);
        }
        Event::CustomResourceChanged { object, what, generation } => {
            let o = &world.custom.objects[*object as usize];
            out.put(&world.custom.kinds[o.kind].kind.to_lowercase()).put("/").put(&o.name);
            out.put("\t").put(what).put("\tgeneration=").num(*generation);
        }
        Event::Annotated { object, keys } => {
            let name =
                crate::kube::render(world, *object)["metadata"]["name"].as_str().unwrap_or("?").to_string();
            let kind = crate::kube::kind_of(world, *object).to_lowercase();
            out.put(&kind).put("/").put(&name).put("\tannotated\tkeys=");
            push_joined(out, keys, ",");
        }
        Event::MetadataPatched { object, change } => {
            out.put(&crate::kube::display(world, *object)).put("\tpatched\t").put(change);
        }
        Event::ServiceUpdated { service, change } => {
            out.put("service/").put(&world.service(*service).name).put("\tupdated\t").put(change);
        }
        Event::DeleteHeld { object, finalizers } => {
            out.put(&crate::kube::display(world, *object)).put("\theld\tfinalizers=");
            push_joined(out, finalizers, ",");
        }
        Event::WriteWarned { action, warnings } => {
            out.put("operator\twrite-warned\taction=").quoted(action).put(" warnings=");
            push_joined(out, warnings, "; ");
        }
        Event::WriteRefused { action, code, reason, message } => {
            out.put("operator\twrite-refused\taction=").quoted(action).put(" code=").num(*code);
            out.put(" reason=").put(reason).put(" message=").quoted(message);
        }
        Event::AppVerdict { app, verdict } => {
            let _ =
                write!(out.put("app/").put(world.apps.name(*app)), "\tverdict\thealth={}", verdict.health);
            out.put(" code=").put(verdict.code).put(" reason=").quoted(&verdict.reason);
            out.put(" cause=").quoted(&verdict.cause.join(" -> "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_is_written_as_debug_writes_it() {
        for text in [
            "",
            "plain words",
            "a \"quote\"",
            "back\\slash",
            "tab\tand\nnewline",
            "it's",
            "ümlaut",
            "\u{301}e",
            "\0",
        ] {
            let mut out = String::from("=");
            out.quoted(text);
            assert_eq!(out, format!("={text:?}"));
        }
    }

    #[test]
    fn numbers_and_addresses_are_written_as_display_writes_them() {
        for n in [0u64, 7, 10, 99, 100, 65_535, u64::from(u32::MAX), u64::MAX] {
            let mut out = String::new();
            out.num(n);
            assert_eq!(out, n.to_string());
        }
        for ip in [Ipv4(0), Ipv4(0x0a00_0105), Ipv4(u32::MAX)] {
            let mut out = String::new();
            out.ip(ip);
            assert_eq!(out, ip.to_string());
        }
    }

    #[test]
    fn the_digest_hashes_the_text_form_line_by_line() {
        let config = crate::fixtures::scenario(
            "trace",
            2,
            3,
            crate::config::PodManagementPolicy::Parallel,
            SimDuration::from_millis(600_000),
        );
        let mut sim = crate::sim::Simulation::new(config);
        sim.run();
        let trace = &sim.trace;
        assert!(trace.records.len() > 50);
        // Each line as `render_into` writes it alone, without the kept times.
        let mut lines = String::new();
        for record in &trace.records {
            render_into(&mut lines, &sim.world, record);
            lines.push('\n');
        }
        assert_eq!(trace.render(&sim.world), lines);
        assert_eq!(trace.digest(&sim.world), format!("{:016x}", crate::hash::fnv64(lines.as_bytes())));
    }
}
