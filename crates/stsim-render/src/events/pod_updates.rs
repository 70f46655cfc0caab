//! The StatefulSet controller's `SuccessfulUpdate`: which records show it
//! updating one of its pods.
//!
//! `processReplica` enforces the set's invariants on a pod in range once
//! it is running: its identity (the `statefulset.kubernetes.io/pod-name`
//! label), its storage, and its claims' owner references under the
//! retention policy. If any does not hold, `UpdateStatefulPod` fixes all of
//! them in one update and records it once (`recordPodEvent("update", ...)`,
//! stateful_pod_control.go), whether or not the pod object itself changed.
//! The run records the label written back (`PodPatched`) and each claim's
//! owners (`PvcOwnersUpdated`). Not every such write is an update of the
//! pod: `CreateStatefulPod` sets a new pod's claims' owners, and the sync's
//! pass over condemned pods gives their claims the pod as owner, both
//! through `UpdatePodClaimForRetentionPolicy` alone, with no event. Owns
//! that reading only.

use stsim_core::objects::{Owner, PodId, StsId};
use stsim_core::time::SimTime;
use stsim_core::trace::{Actor, Event, Record};
use stsim_core::world::World;

/// What the records read so far leave open: the pod the controller made
/// last, and the pod whose update was said last, each with its instant.
#[derive(Default)]
pub(super) struct Updates<'w> {
    created: Option<(SimTime, PodId)>,
    said: Option<(SimTime, &'w str)>,
}

impl<'w> Updates<'w> {
    /// The pod whose update `record` shows, by name, and its set: the first
    /// time in its instant.
    pub(super) fn read(&mut self, world: &'w World, record: &Record) -> Option<(&'w str, StsId)> {
        if record.actor != Actor::StatefulSetController {
            return None;
        }
        let (name, set) = match &record.event {
            Event::PodCreated { pod, .. } => {
                self.created = Some((record.at, *pod));
                return None;
            }
            Event::PodPatched { pod, .. } => {
                let pod = world.pod(*pod);
                (pod.name.as_str(), pod.owner?)
            }
            // A condemned pod's claims are given the pod as their owner.
            Event::PvcOwnersUpdated { owners, .. }
                if owners.iter().any(|o| matches!(o.owner, Owner::Pod(_))) =>
            {
                return None;
            }
            Event::PvcOwnersUpdated { pvc, .. } => {
                let claim = world.pvc(*pvc);
                let set = claim.statefulset?;
                // `<template>-<set>-<ordinal>`: the pod is `<set>-<ordinal>`.
                let at = claim.name.rfind(&format!("-{}-", world.sts(set).name))?;
                let pod = &claim.name[at + 1..];
                // The claims of a pod made in this instant: its creation's.
                if let Some((made_at, made)) = self.created
                    && made_at == record.at
                    && world.pod(made).name == pod
                {
                    return None;
                }
                (pod, set)
            }
            _ => return None,
        };
        if self.said == Some((record.at, name)) {
            return None;
        }
        self.said = Some((record.at, name));
        Some((name, set))
    }
}
