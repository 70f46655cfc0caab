//! What can be scheduled: the keys of the event queue.
//!
//! Owns the list of event kinds and the phase each runs in. A key names
//! what an event is about, so the queue keeps at most one event per key:
//! a StatefulSet is synced once however many pod changes asked for it, and
//! a pod has one pending kubelet step. Does not own what an event does
//! (the engine dispatches each kind to its controller).

use crate::objects::{NodeId, PodId, PvId, PvcId, ServiceId, StsId};
use crate::queue::Phase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKey {
    /// Timeline entry `n` of the scenario.
    Script(u32),
    /// The end of the run.
    Horizon,
    /// A triggered timeline entry `n` (of `Config::triggers`) is due.
    Triggered(u32),
    /// A random crash or repair of a node's machine (`cluster.nodeFailures`).
    NodeChaos(NodeId),
    /// `kubectl drain`'s eviction loop for a node (retried every 5 s).
    Drain(NodeId),
    /// The node lifecycle controller looks at one node (`monitorNodeHealth`).
    NodeMonitor(NodeId),
    /// The node lifecycle controller syncs a node's NoSchedule condition
    /// taints (`doNoScheduleTaintingPass`).
    NodeUpdate(NodeId),
    /// The rate-limited NoExecute tainting pass of one zone (index into the zones).
    NoExecuteTainting(u32),
    /// The taint eviction controller reacts to a node's NoExecute taints.
    TaintEvictionNode(NodeId),
    /// A pod's scheduled taint eviction is due.
    TaintEvictionPod(PodId),
    /// The pod garbage collector's pass.
    PodGc,
    /// The attach-detach controller reconciles one volume.
    AttachDetach(PvId),
    /// The kubelet's next step for a pod: start, probe result, exit.
    Kubelet(PodId),
    /// The provisioner finishes creating the volume of a claim.
    Provision(PvcId),
    /// The StatefulSet controller syncs a set (its work-queue key).
    StatefulSetSync(StsId),
    /// Endpoints and DNS records of one pod are brought up to date.
    DnsPod(PodId),
    /// Endpoints and DNS records of every pod of one Service.
    DnsService(ServiceId),
    /// The scheduler tries to place a pod.
    Schedule(PodId),
    /// The scheduling queue's leftover flush (`flushUnschedulablePodsLeftover`).
    SchedulerFlush,
    /// The garbage collector deletes objects whose owners are gone.
    GarbageCollect,
    /// The pvc-protection controller looks at a claim that lost its finalizer.
    PvcProtection(PvcId),
    /// Operator `n` reconciles.
    Operator(u32),
    /// Claims are checked for being orphaned (no pod uses them, none will).
    VolumeUsage,
    /// The clustered applications look at the world: members start, join,
    /// resolve their peers, and each application's verdict is brought up to date.
    Apps,
    /// A zone's random outage starts or ends (`cluster.zoneOutages`).
    ZoneOutage(u32),
    /// The next step of a pool's scheduled maintenance (index into the pools).
    Maintenance(u32),
    /// A failure domain's random outage starts or ends (`cluster.domainOutages`;
    /// index into the domains the failure processes know).
    DomainOutage(u32),
    /// A node's graceful shutdown is over: the machine powers off.
    NodeShutdown(NodeId),
}

impl EventKey {
    pub fn phase(self) -> Phase {
        match self {
            EventKey::Script(_) | EventKey::Horizon | EventKey::Triggered(_) => Phase::Script,
            EventKey::NodeChaos(_)
            | EventKey::ZoneOutage(_)
            | EventKey::DomainOutage(_)
            | EventKey::Maintenance(_)
            | EventKey::Drain(_) => Phase::Script,
            // After the kubelet's steps of that instant: the kills that end
            // with the period are reported before the machine goes off.
            EventKey::NodeShutdown(_) => Phase::Volume,
            EventKey::NodeMonitor(_)
            | EventKey::NodeUpdate(_)
            | EventKey::NoExecuteTainting(_)
            | EventKey::TaintEvictionNode(_)
            | EventKey::TaintEvictionPod(_)
            | EventKey::PodGc => Phase::Controller,
            EventKey::AttachDetach(_) => Phase::Volume,
            EventKey::Kubelet(_) => Phase::Kubelet,
            EventKey::Provision(_) => Phase::Volume,
            EventKey::StatefulSetSync(_)
            | EventKey::DnsPod(_)
            | EventKey::DnsService(_)
            | EventKey::GarbageCollect
            | EventKey::PvcProtection(_)
            | EventKey::VolumeUsage
            | EventKey::Operator(_) => Phase::Controller,
            EventKey::Schedule(_) | EventKey::SchedulerFlush => Phase::Scheduler,
            EventKey::Apps => Phase::Observe,
        }
    }
}
