//! What can be scheduled: the keys of the event queue.
//!
//! Owns the list of event kinds, the phase each runs in and each key's
//! dense number for the queue's table of live slots. A key names
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
    /// The kubelet's next step for a pod's other regular containers
    /// (`spec.containers[1..]`): an image check, a start, an exit, the end
    /// of a back-off.
    Extras(PodId),
    /// The kubelet's next step for a pod's sidecars once started: an
    /// exit, the look after it, the end of a back-off.
    Sidecars(PodId),
    /// The provisioner finishes creating the volume of a claim.
    Provision(PvcId),
    /// The StatefulSet controller syncs a set (its work-queue key).
    StatefulSetSync(StsId),
    /// The StatefulSet controller's informer re-delivers every set it holds
    /// (`--min-resync-period`), and each is enqueued for a sync.
    InformerResync,
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
    /// A kubelet's node status sync: it reports the volumes it unmounted.
    NodeStatus(NodeId),
    /// The next step of a pool's scheduled maintenance (index into the pools).
    Maintenance(u32),
    /// A failure domain's random outage starts or ends (`cluster.domainOutages`;
    /// index into the domains the failure processes know).
    DomainOutage(u32),
    /// A node's graceful shutdown is over: the machine powers off.
    NodeShutdown(NodeId),
    /// The provisioner tries again to delete a released volume's disk.
    Reclaim(PvId),
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
            EventKey::AttachDetach(_) | EventKey::Reclaim(_) => Phase::Volume,
            EventKey::Kubelet(_) | EventKey::Extras(_) | EventKey::Sidecars(_) | EventKey::NodeStatus(_) => {
                Phase::Kubelet
            }
            EventKey::Provision(_) => Phase::Volume,
            EventKey::StatefulSetSync(_)
            | EventKey::InformerResync
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

/// Every key is a small number within its kind (an object's index, an entry
/// of the scenario or of its domains), so the queue keeps live slots in a
/// table by kind and index rather than hashing them.
impl crate::queue::QueueKey for EventKey {
    fn dense(&self) -> Option<(usize, usize)> {
        Some(match *self {
            EventKey::Script(n) => (0, n as usize),
            EventKey::Horizon => (1, 0),
            EventKey::Triggered(n) => (2, n as usize),
            EventKey::NodeChaos(id) => (3, id.index()),
            EventKey::Drain(id) => (4, id.index()),
            EventKey::NodeMonitor(id) => (5, id.index()),
            EventKey::NodeUpdate(id) => (6, id.index()),
            EventKey::NoExecuteTainting(n) => (7, n as usize),
            EventKey::TaintEvictionNode(id) => (8, id.index()),
            EventKey::TaintEvictionPod(id) => (9, id.index()),
            EventKey::PodGc => (10, 0),
            EventKey::AttachDetach(id) => (11, id.index()),
            EventKey::Kubelet(id) => (12, id.index()),
            EventKey::Provision(id) => (13, id.index()),
            EventKey::StatefulSetSync(id) => (14, id.index()),
            EventKey::DnsPod(id) => (15, id.index()),
            EventKey::DnsService(id) => (16, id.index()),
            EventKey::Schedule(id) => (17, id.index()),
            EventKey::SchedulerFlush => (18, 0),
            EventKey::GarbageCollect => (19, 0),
            EventKey::PvcProtection(id) => (20, id.index()),
            EventKey::Operator(n) => (21, n as usize),
            EventKey::VolumeUsage => (22, 0),
            EventKey::Apps => (23, 0),
            EventKey::ZoneOutage(n) => (24, n as usize),
            EventKey::Maintenance(n) => (25, n as usize),
            EventKey::DomainOutage(n) => (26, n as usize),
            EventKey::NodeShutdown(id) => (27, id.index()),
            EventKey::Extras(id) => (28, id.index()),
            EventKey::Reclaim(id) => (29, id.index()),
            EventKey::InformerResync => (30, 0),
            EventKey::NodeStatus(id) => (31, id.index()),
            EventKey::Sidecars(id) => (32, id.index()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::QueueKey;

    /// Two kinds sharing a number would share the queue's table: a
    /// StatefulSet's sync and a pod's scheduling attempt of the same index
    /// would replace each other's slot. One key of every variant (a new
    /// variant belongs here too): their kinds are distinct and number
    /// 0, 1, 2, ... without a gap, and the index is the key's own.
    #[test]
    fn every_kind_has_its_own_dense_number() {
        let keys = [
            EventKey::Script(7),
            EventKey::Horizon,
            EventKey::Triggered(7),
            EventKey::NodeChaos(NodeId(7)),
            EventKey::Drain(NodeId(7)),
            EventKey::NodeMonitor(NodeId(7)),
            EventKey::NodeUpdate(NodeId(7)),
            EventKey::NoExecuteTainting(7),
            EventKey::TaintEvictionNode(NodeId(7)),
            EventKey::TaintEvictionPod(PodId(7)),
            EventKey::PodGc,
            EventKey::AttachDetach(PvId(7)),
            EventKey::Kubelet(PodId(7)),
            EventKey::Provision(PvcId(7)),
            EventKey::StatefulSetSync(StsId(7)),
            EventKey::DnsPod(PodId(7)),
            EventKey::DnsService(ServiceId(7)),
            EventKey::Schedule(PodId(7)),
            EventKey::SchedulerFlush,
            EventKey::GarbageCollect,
            EventKey::PvcProtection(PvcId(7)),
            EventKey::Operator(7),
            EventKey::VolumeUsage,
            EventKey::Apps,
            EventKey::ZoneOutage(7),
            EventKey::Maintenance(7),
            EventKey::DomainOutage(7),
            EventKey::NodeShutdown(NodeId(7)),
            EventKey::Extras(PodId(7)),
            EventKey::Reclaim(PvId(7)),
            EventKey::InformerResync,
            EventKey::NodeStatus(NodeId(7)),
            EventKey::Sidecars(PodId(7)),
        ];
        let mut kinds: Vec<usize> = keys.iter().map(|k| k.dense().expect("every key is dense").0).collect();
        for key in keys {
            let (_, index) = key.dense().expect("every key is dense");
            assert!(index == 7 || index == 0, "{key:?} is numbered by its own index");
        }
        kinds.sort_unstable();
        assert_eq!(kinds, (0..keys.len()).collect::<Vec<_>>());
    }
}
