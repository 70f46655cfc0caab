//! What can be scheduled: the keys of the event queue.
//!
//! Owns the list of event kinds and the phase each runs in. A key names
//! what an event is about, so the queue keeps at most one event per key:
//! a StatefulSet is synced once however many pod changes asked for it, and
//! a pod has one pending kubelet step. Does not own what an event does
//! (the engine dispatches each kind to its controller).

use crate::objects::{PodId, PvcId, ServiceId, StsId};
use crate::queue::Phase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKey {
    /// Timeline entry `n` of the scenario.
    Script(u32),
    /// The end of the run.
    Horizon,
    /// A triggered timeline entry `n` (of `Config::triggers`) is due.
    Triggered(u32),
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
    /// The garbage collector deletes objects whose owners are gone.
    GarbageCollect,
    /// Operator `n` reconciles.
    Operator(u32),
    /// Claims are checked for being orphaned (no pod uses them, none will).
    VolumeUsage,
}

impl EventKey {
    pub fn phase(self) -> Phase {
        match self {
            EventKey::Script(_) | EventKey::Horizon | EventKey::Triggered(_) => Phase::Script,
            EventKey::Kubelet(_) => Phase::Kubelet,
            EventKey::Provision(_) => Phase::Volume,
            EventKey::StatefulSetSync(_)
            | EventKey::DnsPod(_)
            | EventKey::DnsService(_)
            | EventKey::GarbageCollect
            | EventKey::VolumeUsage
            | EventKey::Operator(_) => Phase::Controller,
            EventKey::Schedule(_) => Phase::Scheduler,
        }
    }
}
