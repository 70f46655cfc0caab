//! The events of a claim's provisioning: the PV controller's
//! `ExternalProvisioning` and the external provisioner's `Provisioning`
//! when a claim goes to its class's provisioner, and the provisioner's
//! later attempts at a claim it refused, with csi-provisioner's back-off.
//! Owns which `ProvisioningFailed` is the provisioner's; the PV
//! controller's repeats at each resync are `resync`'s.

use super::{Involved, K8sEvent, PROVISIONER, PV_CONTROLLER, Source};
use stsim_core::config::Timings;
use stsim_core::controllers::reclaim::retry_delay;
use stsim_core::features::Version;
use stsim_core::sim::Simulation;
use stsim_core::time::SimTime;
use stsim_core::trace::Event;

/// Whether a claim's `ProvisioningFailed` is the external provisioner's
/// (its `CreateVolume` refused), not the PV controller's.
pub(super) fn refused_by_provisioner(reason: &str, message: &str) -> bool {
    reason == "ProvisioningFailed" && message.starts_with("failed to provision volume with StorageClass")
}

/// The provisioner's attempts listed one by one before the rest, at its
/// longest wait apart, are counted at the last (with the default 5
/// minutes, about an hour and a quarter of them).
const RETRIES_LISTED: u32 = 24;

/// The external provisioner's later attempts at a claim it refused. The
/// refusal is a final error (`InvalidArgument`: `checkError` does not ask
/// the scheduler to reschedule), so the library requeues the claim with
/// csi-provisioner's exponential back-off, 1 s doubling to 5 minutes, and
/// retries for as long as the claim is unbound (no failure threshold).
/// Each attempt is a `Provisioning` and, the claim and class being
/// unchangeable, the same `ProvisioningFailed`; they stop when the claim is
/// bound or deleted, or the run ends; past two dozen attempts (5 minutes
/// apart by then) the rest are counted at the last (`K8sEvent::also`).
/// A claim the provisioner binds after all (a regional class refused for
/// want of a second zone, retried once a node joined another: the run
/// retries these, `volumes::provision`) was bound `timings.provisioning`
/// after the attempt that succeeded: that one is its `Provisioning`, and
/// the failures listed are those before it.
pub(super) fn retries(sim: &Simulation) -> Vec<K8sEvent> {
    let world = &sim.world;
    let mut refused: Vec<Option<(SimTime, &str)>> = vec![None; world.pvcs.len()];
    let mut out = Vec::new();
    // How long a volume takes to make (CreateVolume): a bound claim's last attempt was this long before.
    let create_time = world.timings.provisioning;
    let retry = |pvc: stsim_core::objects::PvcId,
                 from: SimTime,
                 until: SimTime,
                 succeeded: Option<SimTime>,
                 message: &str,
                 out: &mut Vec<K8sEvent>| {
        let claim = world.pvc(pvc);
        let provisioning = format!(
            "External provisioner is provisioning volume for claim \"{}/{}\"",
            sim.config.namespace, claim.name
        );
        let attempt = |at: SimTime, also: u32, out: &mut Vec<K8sEvent>| {
            for (warning, reason, message) in [
                (false, "Provisioning", provisioning.clone()),
                (true, "ProvisioningFailed", message.to_string()),
            ] {
                let involved = Involved::claim(claim);
                out.push(K8sEvent {
                    at_ms: at.as_millis(),
                    source: PROVISIONER,
                    warning,
                    reason,
                    involved,
                    message: message.into(),
                    also,
                });
            }
        };
        // The failures: those before the attempt that succeeded, if one did.
        let until = match succeeded {
            Some(start) => SimTime::from_millis(until.as_millis().min(start.as_millis().saturating_sub(1))),
            None => until,
        };
        for (at, also) in attempts(&world.timings, from, until) {
            attempt(at, also, out);
        }
        if let Some(start) = succeeded {
            let involved = Involved::claim(claim);
            let (reason, also) = ("Provisioning", 0);
            out.push(K8sEvent {
                at_ms: start.as_millis(),
                source: PROVISIONER,
                warning: false,
                reason,
                involved,
                message: provisioning.into(),
                also,
            });
        }
    };
    for record in &sim.trace.records {
        match &record.event {
            Event::PvcWaiting { pvc, reason, message, .. } if refused_by_provisioner(reason, message) => {
                refused[pvc.index()] = Some((record.at, message));
            }
            Event::PvcBound { pvc, .. } | Event::PvcDeleting { pvc } | Event::PvcRemoved { pvc } => {
                if let Some((from, message)) = refused[pvc.index()].take() {
                    // Bound by the provisioner: its last attempt, `provisioning` before, made the volume.
                    let made = matches!(record.event, Event::PvcBound { .. })
                        && record.actor == stsim_core::trace::Actor::VolumeController;
                    let start = made
                        .then(|| {
                            SimTime::from_millis(
                                record.at.as_millis().saturating_sub(create_time.as_millis()),
                            )
                        })
                        .filter(|start| *start > from);
                    // Up to the instant before: the attempt at it would find the claim bound or going.
                    let until = SimTime::from_millis(record.at.as_millis().saturating_sub(1));
                    retry(*pvc, from, until, start, message, &mut out);
                }
            }
            _ => {}
        }
    }
    for (index, open) in refused.iter().enumerate() {
        if let Some((from, message)) = open {
            retry(stsim_core::objects::PvcId(index as u32), *from, sim.now(), None, message, &mut out);
        }
    }
    out
}

/// The times of csi-provisioner's attempts after a failure at `from`, up
/// to `until`, with the run's back-off (`reclaim::retry_delay`: 1 s later,
/// then each wait doubled up to 5 minutes, by default). Past
/// [`RETRIES_LISTED`] attempts at the longest wait the rest are one, at the
/// last of them, with the count of the others (`K8sEvent::also`);
/// otherwise 0.
pub(super) fn attempts(timings: &Timings, from: SimTime, until: SimTime) -> Vec<(SimTime, u32)> {
    let longest = retry_delay(timings, u32::MAX);
    let (mut at, mut failures, mut out) = (from, 1, Vec::new());
    loop {
        let wait = retry_delay(timings, failures);
        if at + wait > until {
            break;
        }
        if wait == longest && out.len() >= RETRIES_LISTED as usize {
            // The longest wait from here on: counted at the last attempt, not listed.
            let n = (until.as_millis() - at.as_millis()) / longest.as_millis();
            let last = SimTime::from_millis(at.as_millis() + n * longest.as_millis());
            out.push((last, u32::try_from(n - 1).unwrap_or(u32::MAX)));
            break;
        }
        at = at + wait;
        out.push((at, 0));
        failures = failures.saturating_add(1);
    }
    out
}

/// The events of a claim taken up by its class's provisioner: the PV
/// controller's `ExternalProvisioning` (`provisionClaim`, worded anew in
/// 1.28 by k/k #118262; an in-tree provisioner is named by the CSI driver
/// it migrated to) and the external provisioner's `Provisioning`. None
/// for a class whose provisioner makes no volume.
pub(super) fn provisioning(
    class: &stsim_core::objects::StorageClass,
    claim: &str,
    namespace: &str,
    release: Version,
) -> Vec<(Source, &'static str, String)> {
    if !class.provisions() {
        return Vec::new();
    }
    let name = class.csi_driver().unwrap_or(&class.provisioner);
    let waiting = if release >= Version::new(28, 0) {
        format!(
            "Waiting for a volume to be created either by the external provisioner '{name}' or manually by \
             the system administrator. If volume creation is delayed, please verify that the provisioner is \
             running and correctly registered."
        )
    } else {
        format!(
            "waiting for a volume to be created, either by external provisioner \"{name}\" or manually \
             created by system administrator"
        )
    };
    vec![
        (PV_CONTROLLER, "ExternalProvisioning", waiting),
        (
            PROVISIONER,
            "Provisioning",
            format!("External provisioner is provisioning volume for claim \"{namespace}/{claim}\""),
        ),
    ]
}
