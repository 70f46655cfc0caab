//! The trace: every change to the world, in order, as typed records.
//!
//! Owns the record types, their one-line text form (the `--trace` output and
//! the input of the digest) and the digest itself. A record names objects
//! by id; the text form resolves ids to names through the world, which keeps
//! every object it ever held. Does not decide what is recorded: `api`
//! writes a record for each change it makes.
//!
//! # Text format
//! One record a line, tab-separated: `TIME  ACTOR  OBJECT  WHAT  DETAIL`.
//! `TIME` is the simulated time since the start (`1m30s500ms`); `ACTOR` who
//! made the change (`statefulset-controller`, `kubelet/worker-2`, `user`, ...);
//! `OBJECT` is `kind/name`; `WHAT` one word; `DETAIL` is `key=value` pairs.

use crate::hash::Fnv64;
use crate::objects::*;
use crate::time::{SimDuration, SimTime};
use crate::world::World;
use serde::Serialize;
use std::fmt::Write;

/// Who made a change: the component of the cluster, or the scenario's script.
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
        key: String,
        value: String,
        state: Machine,
        nodes: Vec<NodeId>,
    },
    /// The node's Ready condition changed.
    NodeCondition {
        node: NodeId,
        status: ConditionStatus,
    },
    NodeTaintAdded {
        node: NodeId,
        taint: crate::config::Taint,
    },
    NodeTaintRemoved {
        node: NodeId,
        taint: crate::config::Taint,
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
    /// A pod is deleted by a controller or the eviction API, with the
    /// `DisruptionTarget` reason (`DeletionByTaintManager`,
    /// `EvictionByEvictionAPI`, `DeletionByPodGC`) and why.
    PodEvicted {
        pod: PodId,
        reason: &'static str,
        message: String,
    },
    /// The eviction API refused (HTTP 429), with its message.
    EvictionRefused {
        pod: PodId,
        message: String,
    },
    /// A container process stopped on its machine without the API knowing
    /// (the machine crashed) or after the object was gone (the kubelet
    /// killed an orphan).
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
    /// The kubelet's admission refused the pod, which is now `Failed`:
    /// the admit handler's reason (`OutOfcpu`, `NodePorts`, ...) and the
    /// status message.
    PodRejected {
        pod: PodId,
        reason: &'static str,
        message: String,
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
        status: &'static str,
        ip: Option<Ipv4>,
        restarts: u32,
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
    /// A claim's requested size was raised: a volume expansion is asked for.
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
    /// reason and message (`ProvisioningFailed`, `FailedBinding`).
    PvcWaiting {
        pvc: PvcId,
        reason: &'static str,
        message: String,
    },
    /// A delete of a claim in use: `kubernetes.io/pvc-protection` holds it
    /// until no pod uses it.
    PvcDeleting {
        pvc: PvcId,
    },
    /// No pod uses the claim and no StatefulSet will: it is orphaned.
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
        status: StatefulSetStatus,
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
    /// The API server refused an operator's write (the answer it gets).
    WriteRefused {
        action: String,
        code: u16,
        reason: &'static str,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub at: SimTime,
    pub actor: Actor,
    pub event: Event,
}

#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub records: Vec<Record>,
}

impl Trace {
    pub fn push(&mut self, at: SimTime, actor: Actor, event: Event) {
        if let Some(last) = self.records.last() {
            assert!(at >= last.at, "trace time went backwards");
        }
        self.records.push(Record { at, actor, event });
    }

    /// FNV-1a 64 over the text form of every record, as 16 hex digits.
    /// The text is fed to the hash as it is written, never held.
    pub fn digest(&self, world: &World) -> String {
        let mut hasher = HashWriter(Fnv64::new());
        for record in &self.records {
            render_into(&mut hasher, world, record);
            hasher.0.write(b"\n");
        }
        format!("{:016x}", hasher.0.finish())
    }

    /// The whole trace in its text form.
    pub fn render(&self, world: &World) -> String {
        let mut out = String::new();
        for record in &self.records {
            render_into(&mut out, world, record);
            out.push('\n');
        }
        out
    }
}

/// A `fmt::Write` that hashes what is written to it.
struct HashWriter(Fnv64);

impl Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// `kind/name` of an object, written without building a string.
struct Named<'a>(&'static str, &'a str);

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)?;
        f.write_str(self.1)
    }
}

/// A pod's IP, or `none`.
struct IpOrNone(Option<Ipv4>);

impl std::fmt::Display for IpOrNone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("none"),
        }
    }
}

pub fn actor_name(world: &World, actor: Actor) -> String {
    let mut out = String::new();
    write_actor(&mut out, world, actor);
    out
}

fn write_actor<W: Write>(out: &mut W, world: &World, actor: Actor) {
    let _ = match actor {
        Actor::User => out.write_str("user"),
        Actor::StatefulSetController => out.write_str("statefulset-controller"),
        Actor::Scheduler => out.write_str("scheduler"),
        Actor::Kubelet(node) => write!(out, "kubelet/{}", world.node(node).name),
        Actor::Machine(node) => write!(out, "machine/{}", world.node(node).name),
        Actor::NodeLifecycleController => out.write_str("node-lifecycle-controller"),
        Actor::TaintEvictionController => out.write_str("taint-eviction-controller"),
        Actor::PodGarbageCollector => out.write_str("pod-garbage-collector"),
        Actor::AttachDetachController => out.write_str("attachdetach-controller"),
        Actor::VolumeController => out.write_str("volume-controller"),
        Actor::Dns => out.write_str("dns"),
        Actor::GarbageCollector => out.write_str("garbage-collector"),
        Actor::Application => out.write_str("application"),
        Actor::Infrastructure => out.write_str("infrastructure"),
        Actor::Operator(n) => {
            write!(out, "operator/{}", world.operator_names.get(n as usize).map_or("?", String::as_str))
        }
    };
}

pub fn owner_name(world: &World, owner: &OwnerRef) -> String {
    match owner.owner {
        Owner::StatefulSet(id) => format!("StatefulSet/{}", world.sts(id).name),
        Owner::Pod(id) => format!("Pod/{}", world.pod(id).name),
    }
}

/// Writes one record's text form (without a newline).
pub fn render_into<W: Write>(out: &mut W, world: &World, record: &Record) {
    let pod = |id: PodId| Named("pod/", &world.pod(id).name);
    let pvc = |id: PvcId| Named("pvc/", &world.pvc(id).name);
    let _ = write!(out, "{}\t", record.at);
    write_actor(out, world, record.actor);
    let _ = out.write_char('\t');
    let _ = match &record.event {
        Event::Script { description, line } => write!(out, "script\tbegin\tline={line} {description}"),
        Event::NotFound { name } => write!(out, "{name}\tnot-found\t"),
        Event::NodeAdded { node } => {
            write!(out, "node/{}\tcreated\tzone={}", world.node(*node).name, world.node(*node).zone)
        }
        Event::NodeRemoved { node } => write!(out, "node/{}\tremoved\t", world.node(*node).name),
        Event::NodeMachine { node, state } => {
            write!(out, "node/{}\tmachine\tstate={}", world.node(*node).name, state.as_str())
        }
        Event::DomainOutage { key, value, state, nodes } => {
            let _ = write!(out, "domain/{key}={value}\toutage\tstate={} nodes=", state.as_str());
            for (i, node) in nodes.iter().enumerate() {
                let _ = write!(out, "{}{}", if i == 0 { "" } else { "," }, world.node(*node).name);
            }
            Ok(())
        }
        Event::NodeCondition { node, status } => {
            write!(out, "node/{}\tcondition\tReady={}", world.node(*node).name, status.as_str())
        }
        Event::NodeTaintAdded { node, taint } => {
            write!(out, "node/{}\ttainted\ttaint={taint}", world.node(*node).name)
        }
        Event::NodeTaintRemoved { node, taint } => {
            write!(out, "node/{}\tuntainted\ttaint={taint}", world.node(*node).name)
        }
        Event::NodeUnschedulable { node, unschedulable } => {
            write!(out, "node/{}\tunschedulable\tunschedulable={unschedulable}", world.node(*node).name)
        }
        Event::NodeDrained { node } => write!(out, "node/{}\tdrained\t", world.node(*node).name),
        Event::PodEvicted { pod: id, reason, message } => {
            write!(out, "{}\tevicted\treason={reason} message={message:?}", pod(*id))
        }
        Event::EvictionRefused { pod: id, message } => {
            write!(out, "{}\teviction-refused\tmessage={message:?}", pod(*id))
        }
        Event::ContainerStopped { pod: id, node, reason } => {
            write!(out, "{}\tcontainer-stopped\tnode={} reason={reason}", pod(*id), world.node(*node).name)
        }
        Event::IdentityDuplicated { sts, ordinal, pods } => {
            let copies: Vec<String> = pods
                .iter()
                .map(|p| {
                    let p = world.pod(*p);
                    let node = p.node.map(|n| world.node(n).name.as_str()).unwrap_or("-");
                    format!("uid{}@{node}", p.uid.0)
                })
                .collect();
            write!(
                out,
                "identity/{}\tduplicated\tcopies={}",
                pod_name(&world.sts(*sts).name, *ordinal),
                copies.join(",")
            )
        }
        Event::IdentityRestored { sts, ordinal } => {
            write!(out, "identity/{}\trestored\t", pod_name(&world.sts(*sts).name, *ordinal))
        }
        Event::VolumeAttaching { pv, node } => {
            write!(out, "pv/{}\tattaching\tnode={}", world.pv(*pv).name, world.node(*node).name)
        }
        Event::VolumeAttached { pv, node } => {
            write!(out, "pv/{}\tattached\tnode={}", world.pv(*pv).name, world.node(*node).name)
        }
        Event::VolumeDetaching { pv, node, forced } => write!(
            out,
            "pv/{}\tdetaching\tnode={} forced={}",
            world.pv(*pv).name,
            world.node(*node).name,
            forced.unwrap_or("no")
        ),
        Event::VolumeDetached { pv, node } => {
            write!(out, "pv/{}\tdetached\tnode={}", world.pv(*pv).name, world.node(*node).name)
        }
        Event::VolumeMultiAttach { pod: id, pv, message } => {
            write!(out, "{}\tfailed-attach\tvolume={} message={message:?}", pod(*id), world.pv(*pv).name)
        }
        Event::PodCreated { pod: id, revision } => {
            write!(out, "{}\tcreated\trevision={revision}", pod(*id))
        }
        Event::PodCreateRejected { name } => {
            write!(out, "pod/{name}\tcreate-rejected\treason=AlreadyExists")
        }
        Event::PodRejected { pod: id, reason, message } => {
            write!(out, "{}\trejected\treason={reason} message={message:?}", pod(*id))
        }
        Event::PodUnschedulable { pod: id, message } => {
            write!(out, "{}\tunschedulable\tmessage={message:?}", pod(*id))
        }
        Event::PodScheduled { pod: id, node } => {
            write!(out, "{}\tscheduled\tnode={}", pod(*id), world.node(*node).name)
        }
        Event::PodStatus { pod: id, status, ip, restarts } => {
            write!(out, "{}\tstatus\tstatus={status} ip={} restarts={restarts}", pod(*id), IpOrNone(*ip))
        }
        Event::PodReady { pod: id, ready } => write!(out, "{}\tready\tready={ready}", pod(*id)),
        Event::PodDeleting { pod: id, grace } => {
            write!(out, "{}\tdeleting\tgrace={grace}", pod(*id))
        }
        Event::PodRemoved { pod: id, force } => write!(out, "{}\tremoved\tforce={force}", pod(*id)),
        Event::PvcCreated { pvc: id } => write!(out, "{}\tcreated\t", pvc(*id)),
        Event::PvcOwnersUpdated { pvc: id, owners } => {
            let owners: Vec<String> = owners.iter().map(|o| owner_name(world, o)).collect();
            write!(out, "{}\towners\towners={}", pvc(*id), owners.join(","))
        }
        Event::PvcRemoved { pvc: id } => write!(out, "{}\tremoved\t", pvc(*id)),
        Event::PvcDeleting { pvc: id } => {
            write!(out, "{}\tdeleting\tfinalizer=kubernetes.io/pvc-protection", pvc(*id))
        }
        Event::PodPatched { pod: id, change } => write!(out, "{}\tpatched\t{change}", pod(*id)),
        Event::PvcUpdateRejected { pvc: id, message } => {
            write!(out, "{}\tupdate-rejected\tmessage={message:?}", pvc(*id))
        }
        Event::PvcResizeRequested { pvc: id, bytes } => write!(out, "{}\tresize\tstorage={bytes}", pvc(*id)),
        Event::PvResized { pv, bytes } => write!(out, "pv/{}\tresized\tcapacity={bytes}", world.pv(*pv).name),
        Event::PodHeld { pod: id, finalizers } => {
            write!(out, "{}\theld\tfinalizers={}", pod(*id), finalizers.join(","))
        }
        Event::PvcHeld { pvc: id, finalizers } => {
            write!(out, "{}\theld\tfinalizers={}", pvc(*id), finalizers.join(","))
        }
        Event::PvcPatched { pvc: id, change } => write!(out, "{}\tpatched\t{change}", pvc(*id)),
        Event::PvcWaiting { pvc: id, reason, message } => {
            write!(out, "{}\tevent\treason={reason} message={message:?}", pvc(*id))
        }
        Event::PvcOrphaned { pvc: id, reason } => write!(out, "{}\torphaned\treason={reason:?}", pvc(*id)),
        Event::PvcInUse { pvc: id } => write!(out, "{}\tin-use\t", pvc(*id)),
        Event::PvReleased { pv } => write!(out, "pv/{}\treleased\t", world.pv(*pv).name),
        Event::PvDeleted { pv } => write!(out, "pv/{}\tdeleted\t", world.pv(*pv).name),
        Event::StatefulSetDeleted { sts, cascade } => {
            write!(out, "statefulset/{}\tdeleted\tcascade={cascade:?}", world.sts(*sts).name)
        }
        Event::StatefulSetCreated { sts } => write!(out, "statefulset/{}\tcreated\t", world.sts(*sts).name),
        Event::PodOrphaned { pod: id } => write!(out, "{}\torphaned\t", pod(*id)),
        Event::PvcBound { pvc: id, pv } => {
            let pv = world.pv(*pv);
            write!(out, "{}\tbound\tvolume={} zone={}", pvc(*id), pv.name, pv.zone.as_deref().unwrap_or("-"))
        }
        Event::PvcSelectedNode { pvc: id, node } => {
            write!(out, "{}\tselected-node\tnode={}", pvc(*id), world.node(*node).name)
        }
        Event::DnsAdded { name, ip } => write!(out, "dns/{name}\tadded\tA={ip}"),
        Event::DnsRemoved { name, ip } => write!(out, "dns/{name}\tremoved\tA={ip}"),
        Event::StatefulSetUpdated { sts, change } => {
            write!(out, "statefulset/{}\tupdated\t{change}", world.sts(*sts).name)
        }
        Event::StatefulSetUpdateRejected { sts, message } => {
            write!(out, "statefulset/{}\tupdate-rejected\tmessage={message:?}", world.sts(*sts).name)
        }
        Event::StatefulSetScaled { sts, from, to } => {
            write!(out, "statefulset/{}\tscaled\treplicas={from}->{to}", world.sts(*sts).name)
        }
        Event::StatefulSetStatus { sts, status } => write!(
            out,
            "statefulset/{}\tstatus\treplicas={} ready={} available={} current={} updated={} currentRevision={} updateRevision={}",
            world.sts(*sts).name,
            status.replicas,
            status.ready_replicas,
            status.available_replicas,
            status.current_replicas,
            status.updated_replicas,
            status.current_revision,
            status.update_revision
        ),
        Event::RevisionCreated { sts, name, revision } => {
            write!(out, "statefulset/{}\trevision\tname={name} revision={revision}", world.sts(*sts).name)
        }
        Event::End { reason } => write!(out, "run\tend\treason={reason}"),
        Event::OperatorFailed { message } => write!(out, "operator\tfailed\tmessage={message:?}"),
        Event::OperatorRestarted { lost_actions } => {
            write!(out, "operator\trestarted\tlost_actions={lost_actions}")
        }
        Event::ActionRefused { action, why } => {
            write!(out, "operator\trefused\taction={action:?} why={why:?}")
        }
        Event::ServiceCreated { service } => {
            write!(out, "service/{}\tcreated\t", world.service(*service).name)
        }
        Event::ServiceDeleted { service } => {
            write!(out, "service/{}\tdeleted\t", world.service(*service).name)
        }
        Event::PodAdopted { pod: id, sts } => {
            write!(out, "{}\tadopted\tstatefulset={}", pod(*id), world.sts(*sts).name)
        }
        Event::DnsNegativeCached { name, until } => write!(out, "dns/{name}\tnegative-cached\tuntil={until}"),
        Event::AppMember { app, pod: id, what } => {
            write!(out, "app/{}\tmember\t{} what={what:?}", world.apps.name(*app), pod(*id))
        }
        Event::CustomResourceChanged { object, what, generation } => {
            let o = &world.custom.objects[*object as usize];
            write!(
                out,
                "{}/{}\t{what}\tgeneration={generation}",
                world.custom.kinds[o.kind].kind.to_lowercase(),
                o.name
            )
        }
        Event::Annotated { object, keys } => {
            let name =
                crate::kube::render(world, *object)["metadata"]["name"].as_str().unwrap_or("?").to_string();
            let kind = crate::kube::kind_of(world, *object).to_lowercase();
            write!(out, "{kind}/{name}\tannotated\tkeys={}", keys.join(","))
        }
        Event::MetadataPatched { object, change } => {
            write!(out, "{}\tpatched\t{change}", crate::kube::display(world, *object))
        }
        Event::ServiceUpdated { service, change } => {
            write!(out, "service/{}\tupdated\t{change}", world.service(*service).name)
        }
        Event::DeleteHeld { object, finalizers } => {
            write!(out, "{}\theld\tfinalizers={}", crate::kube::display(world, *object), finalizers.join(","))
        }
        Event::WriteRefused { action, code, reason, message } => {
            write!(
                out,
                "operator\twrite-refused\taction={action:?} code={code} reason={reason} message={message:?}"
            )
        }
        Event::AppVerdict { app, verdict } => write!(
            out,
            "app/{}\tverdict\thealth={} code={} reason={:?} cause={:?}",
            world.apps.name(*app),
            verdict.health,
            verdict.code,
            verdict.reason,
            verdict.cause.join(" -> ")
        ),
    };
}
