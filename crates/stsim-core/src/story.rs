//! The story of a run in plain words, event by event, for teaching
//! (`stsim explain`).
//!
//! Owns the sentence for each kind of trace record and which records a
//! reader can do without (status bookkeeping, revision numbers). Reads the
//! finished run; decides nothing. The cause chains of application verdicts
//! come from the verdicts themselves.

use crate::image_ref::invalid_image_message;
use crate::objects::*;
use crate::sim::Simulation;
use crate::trace::{Actor, Event, owner_name};
use serde::Serialize;

/// One sentence of the story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub at_ms: u64,
    /// Who acted, in words (`the StatefulSet controller`, `you`, ...).
    pub who: String,
    pub text: String,
}

fn who(sim: &Simulation, actor: Actor) -> String {
    match actor {
        Actor::User => "you".into(),
        Actor::StatefulSetController => "the StatefulSet controller".into(),
        Actor::Scheduler => "the scheduler".into(),
        Actor::Kubelet(node) => format!("the kubelet on {}", sim.world.node(node).name),
        Actor::VolumeController => "the PV controller".into(),
        Actor::Dns => "cluster DNS".into(),
        Actor::GarbageCollector => "the garbage collector".into(),
        Actor::Application => "the application".into(),
        Actor::Infrastructure => "the infrastructure".into(),
        Actor::CostReport => "the stsim cost report".into(),
        Actor::Machine(node) => format!("the machine behind {}", sim.world.node(node).name),
        Actor::NodeLifecycleController => "the node lifecycle controller".into(),
        Actor::TaintEvictionController => "the taint eviction controller".into(),
        Actor::PodGarbageCollector => "pod garbage collection".into(),
        Actor::AttachDetachController => "the attach/detach controller".into(),
        Actor::Operator(n) => {
            format!("the operator {}", sim.world.operator_names.get(n as usize).map_or("?", String::as_str))
        }
    }
}

/// Who made `record`: its actor, but for the volume controller the
/// component behind the record. The external provisioner makes a class's
/// volumes (and refuses what its driver cannot make) and deletes the
/// volumes it made; the PV controller does the rest: it binds, releases,
/// waits, fails, and deletes a `/tmp/` hostPath volume with its in-tree
/// plugin.
fn who_did(sim: &Simulation, record: &crate::trace::Record) -> String {
    let world = &sim.world;
    let provisioner = record.actor == Actor::VolumeController
        && match &record.event {
            Event::PvcBound { pv, .. } => world.pv(*pv).origin == PvOrigin::ProvisionedByClass,
            Event::PvDeleted { pv } => {
                matches!(world.pv(*pv).origin, PvOrigin::ProvisionedByClass | PvOrigin::Provisioned(_))
            }
            Event::PvcWaiting { message, .. } => message.starts_with("failed to provision volume"),
            _ => false,
        };
    if provisioner { "the volume provisioner".into() } else { who(sim, record.actor) }
}

/// Whether a scripted action's words are a command one types (`kubectl`,
/// or an application's own tool) rather than a happening told in words
/// ("node worker-1 crashes", "crash the node that runs pg-0").
fn is_command(description: &str) -> bool {
    const PROGRAMS: [&str; 5] = ["kubectl", "etcdctl", "zkCli.sh", "redis-cli", "nodetool"];
    description.split_whitespace().next().is_some_and(|program| PROGRAMS.contains(&program))
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// Every line of the story of a finished run.
pub fn tell(sim: &Simulation) -> Vec<Line> {
    let mut lines = Vec::new();
    tell_each(sim, &mut |line| lines.push(line));
    lines
}

/// The lines of [`tell`], each given to `each` as it is told: the story of
/// a run of millions of records need not be held.
pub fn tell_each(sim: &Simulation, each: &mut dyn FnMut(Line)) {
    let world = &sim.world;
    let pod = |id: PodId| world.pod(id).name.clone();
    let pvc = |id: PvcId| world.pvc(id).name.clone();
    // Each pod's STATUS and address as last told.
    let mut told: Vec<Option<(StatusColumn, bool)>> = vec![None; world.pods.len()];
    for record in &sim.trace.records {
        // The kubelet reports an address while the column stays.
        let address_only = match &record.event {
            Event::PodStatus { pod, status, ip, .. } => {
                let was = told[pod.index()].replace((*status, ip.is_some()));
                ip.is_some() && was == Some((*status, false))
            }
            _ => false,
        };
        let text = match &record.event {
            Event::Script { description, .. } if is_command(description) => {
                format!("You run `{description}`.")
            }
            Event::Script { description, .. } => format!("In the script: {description}."),
            Event::NotFound { name } => format!("kubectl answers that {name} is not found."),
            Event::PodCreated { pod: id, .. } => {
                let p = world.pod(*id);
                let claims = if p.claims.is_empty() {
                    String::new()
                } else {
                    format!(", mounting claim {}", p.claims.join(" and "))
                };
                format!(
                    "Pod {} is created (hostname {}, subdomain {}{claims}).",
                    p.name, p.hostname, p.subdomain
                )
            }
            Event::PodCreateInvalid { name: _, message } => format!(
                "The API server refuses the pod: {message}. The controller retries with back-off, and every retry \
                 is refused the same way."
            ),
            Event::PvcCreateInvalid { name: _, message } => format!(
                "The API server refuses the claim: {message}. The controller makes no pod before its claims, and \
                 retries with back-off; every retry is refused the same way."
            ),
            Event::PodCreateRejected { name } => format!(
                "The controller cannot create {name}: a pod with that name still exists, and a StatefulSet runs \
                 at most one pod per identity."
            ),
            Event::PodUnschedulable { pod: id, message } => {
                format!("{} cannot be scheduled: {}.", pod(*id), message.trim_end_matches('.'))
            }
            Event::PodRejected { pod: id, reason, message } => {
                format!("The kubelet rejects {} ({reason}): {message}; the pod is Failed.", pod(*id))
            }
            Event::PodSandboxFailed { pod: id, message } => format!(
                "The kubelet cannot make {}'s sandbox: {message}. The pod stays ContainerCreating, and every \
                 retry fails the same way until its spec changes.",
                pod(*id)
            ),
            Event::PodShutdown { pod: id } => format!(
                "The kubelet has stopped {} for the node's shutdown: the pod is Failed (Terminated). The machine powers off before the node's status says its volumes are unmounted, so they stay listed in use.",
                pod(*id)
            ),
            Event::PodScheduled { pod: id, node } => {
                format!("{} is placed on {}.", pod(*id), world.node(*node).name)
            }
            // A rejected pod's status is the rejection's reason, told just before.
            Event::PodStatus { pod: id, status, .. }
                if world
                    .pod(*id)
                    .status
                    .rejected
                    .as_deref()
                    .is_some_and(|(reason, _)| *status == StatusColumn::Reason(reason)) =>
            {
                format!("kubectl shows {} as {status}.", pod(*id))
            }
            Event::PodStatus { pod: id, ip: Some(ip), .. } if address_only => {
                format!(
                    "{}'s sandbox is up: the kubelet reports its address, {ip}, in the first status it writes after the first container's image check.",
                    pod(*id)
                )
            }
            Event::PodStatus { pod: id, status, ip, restarts } => {
                let ip = ip.map(|ip| format!(" with IP {ip}")).unwrap_or_default();
                let restarts = match *restarts {
                    0 => String::new(),
                    1 => " (1 restart)".to_string(),
                    n => format!(" ({n} restarts)"),
                };
                match status {
                    StatusColumn::Init { done, of } => format!(
                        "{} runs its init containers, {done} of {of} done ({status}){ip}{restarts}.",
                        pod(*id)
                    ),
                    StatusColumn::Reason("PodInitializing") => format!(
                        "{}'s init containers are done; its container is being created (PodInitializing){ip}{restarts}.",
                        pod(*id)
                    ),
                    // Why, in the kubelet's words (the image as it is at the
                    // end: one changed since is told without them).
                    StatusColumn::Reason(reason @ ("InvalidImageName" | "Init:InvalidImageName")) => {
                        let p = world.pod(*id);
                        let image = match *reason {
                            "InvalidImageName" => Some(p.image.as_str()),
                            _ => p.runtime.init_due.map(|(index, _)| p.init_containers[index].image.as_str()),
                        };
                        let words =
                            image.and_then(|i| Some((i, invalid_image_message(i, world.kubernetes)?)));
                        match words {
                            Some((image, message)) => format!(
                                "{} is {status}{ip}{restarts}: the kubelet cannot read the image {image} ({message}), \
                                 so it pulls nothing, and the pod waits until its image changes.",
                                pod(*id)
                            ),
                            None => format!("{} is {status}{ip}{restarts}.", pod(*id)),
                        }
                    }
                    StatusColumn::Reason(reason @ ("CrashLoopBackOff" | "Init:CrashLoopBackOff")) => format!(
                        "{} is {reason}{ip}{restarts}: its container exited again, and the kubelet waits out \
                         its back-off before starting it (10 s from the second exit, doubling to 5 minutes; a \
                         first exit, or one ten minutes after the last back-off, is started again at once), \
                         at the first sync of the pod after the back-off's end.",
                        pod(*id)
                    ),
                    _ => format!("{} is {status}{ip}{restarts}.", pod(*id)),
                }
            }
            Event::SidecarStatus { pod: id, init, failure, started, unready } => {
                let p = world.pod(*id);
                let init = p.init_containers.get(*init as usize);
                let name = init.map_or("", |c| c.name.as_str());
                let probed = init.is_some_and(|c| c.startup_probe.is_some());
                let readiness = init.and_then(|c| c.readiness_probe.as_ref());
                match failure {
                    None if !started && !probed => format!(
                        "{}'s sidecar {name} is not started: the kubelet's walk over the init containers has not \
                         reached it in the pod's new sandbox.",
                        p.name
                    ),
                    None if !started => format!(
                        "{}'s sidecar {name} runs again, neither started nor ready until its startup probe \
                         passes; the next init container, and the application, wait for it.",
                        p.name
                    ),
                    None if *unready => format!(
                        "{}'s sidecar {name} runs and is not ready: its readiness probe fails, and must pass{} \
                         before it is. The pod is not Ready meanwhile, though the containers started after it go \
                         on running.",
                        p.name,
                        readiness.map(probe_needs).unwrap_or_default()
                    ),
                    // (A run of a sidecar with a readiness probe is reported
                    // unready first: this is the probe passing.)
                    None if readiness.is_some() => format!(
                        "{}'s sidecar {name} passed its readiness probe and is ready: the pod is Ready once \
                         all of its containers are.",
                        p.name
                    ),
                    None => format!("{}'s sidecar {name} runs again and is ready.", p.name),
                    Some(InitFailure::Error) => format!(
                        "{}'s sidecar {name} exited: it is not ready, and neither is the pod. The kubelet starts \
                         it again (at once after a first exit, later after its back-off); the containers \
                         started after it go on running.",
                        p.name
                    ),
                    Some(failure) => format!(
                        "{}'s sidecar {name} is in {}: the kubelet waits out its back-off before starting it \
                         again, and the pod is not Ready meanwhile.",
                        p.name,
                        failure.as_str()
                    ),
                }
            }
            Event::ContainerStatus { pod: id, container, state, ready } => {
                let p = world.pod(*id);
                let label = p.container_label(*container);
                match (state, ready) {
                    (ContainerState::Running, true) => format!("{}'s {label} runs and is ready.", p.name),
                    (ContainerState::Running, false) => format!("{}'s {label} runs, not ready yet.", p.name),
                    (state, _) => format!("{}'s {label} is {}.", p.name, state.as_str()),
                }
            }
            Event::PodReady { pod: id, ready: true }
                if !world.pod(*id).extra_containers.is_empty()
                    || world.pod(*id).has_sidecar_readiness_probe() =>
            {
                format!("{} is Ready: each of its containers is.", pod(*id))
            }
            Event::PodReady { pod: id, ready: true } => {
                format!("{} passes its readiness probe: Ready.", pod(*id))
            }
            Event::PodReady { pod: id, ready: false } => format!("{} is no longer Ready.", pod(*id)),
            Event::PodDeleting { pod: id, grace } => {
                format!("{} is told to stop and has {grace} to do so; it is Terminating.", pod(*id))
            }
            Event::PodRemoved { pod: id, force: true } => format!(
                "{} is removed from the API server at once, without waiting for its node to confirm the \
                 container stopped.",
                pod(*id)
            ),
            Event::PodRemoved { pod: id, force: false } => format!("{} has stopped and is gone.", pod(*id)),
            Event::PvcCreated { pvc: id } => {
                let claim = world.pvc(*id);
                let asks = match (&claim.volume_name, claim.storage_class_name.as_deref()) {
                    (Some(volume), _) => format!("volume {volume}"),
                    (None, Some(class)) if !class.is_empty() => {
                        format!("{} of storage class {class}", size(claim.request_bytes))
                    }
                    (None, _) => format!("{}, of no storage class", size(claim.request_bytes)),
                };
                format!("Claim {} is created: it asks for {asks}.", claim.name)
            }
            Event::PvcOwnersUpdated { pvc: id, owners } if !owners.is_empty() => {
                let owners: Vec<String> = owners.iter().map(|o| owner_name(world, o)).collect();
                format!(
                    "Claim {} is now owned by {}: it is deleted when they are (retention policy).",
                    pvc(*id),
                    owners.join(" and ")
                )
            }
            Event::PvcOwnersUpdated { .. } => continue,
            Event::PvcRemoved { pvc: id } => {
                format!("Claim {} is gone, and the data on it with it.", pvc(*id))
            }
            Event::PvcDeleting { pvc: id } => format!(
                "Claim {} is deleted, but a pod still uses it: pvc-protection keeps it until that pod is gone.",
                pvc(*id)
            ),
            Event::PodPatched { pod: id, change } => format!("{} is edited by hand: {change}.", pod(*id)),
            Event::PvcUpdateRejected { pvc: id, message } => {
                format!("The API server refuses the change to claim {}: {message}.", pvc(*id))
            }
            Event::PvcResizeRequested { pvc: id, bytes } => {
                format!("Claim {} asks for {} bytes: its volume is to be expanded.", pvc(*id), bytes)
            }
            Event::PvResized { pv, bytes } => {
                format!(
                    "Volume {} is expanded to {bytes} bytes, and billed for it from now on.",
                    world.pv(*pv).name
                )
            }
            Event::PodHeld { pod: id, finalizers } => format!(
                "{} is deleted, but its finalizers ({}) keep the object, and its name, until they are removed.",
                pod(*id),
                finalizers.join(", ")
            ),
            Event::PvcHeld { pvc: id, finalizers } => format!(
                "Claim {} is deleted, but its finalizers ({}) keep it Terminating until they are removed.",
                pvc(*id),
                finalizers.join(", ")
            ),
            Event::PvcPatched { pvc: id, change } => {
                format!("Claim {} is edited by hand: {change}.", pvc(*id))
            }
            Event::PvcWaiting { pvc: id, reason, message, .. } => format!(
                "Claim {} gets no volume and stays Pending ({reason}: {message}); its pod cannot be scheduled.",
                pvc(*id)
            ),
            Event::PvcOrphaned { pvc: id, reason } => {
                format!("Claim {} is unused and still billed: {reason}.", pvc(*id))
            }
            Event::PvcInUse { pvc: id } => {
                format!("Claim {} is in use again, so no longer counted as orphaned.", pvc(*id))
            }
            Event::PvReleased { pv } => match world.pv(*pv).reclaim_policy {
                crate::config::ReclaimPolicy::Retain => format!(
                    "Volume {} is Released: its claim is gone, and reclaimPolicy Retain keeps the disk.",
                    world.pv(*pv).name
                ),
                crate::config::ReclaimPolicy::Delete => {
                    let volume = world.pv(*pv);
                    match volume.deleter(world.features.honor_pv_reclaim_policy) {
                        crate::objects::Deleter::Found => format!(
                            "Volume {} is Released: its claim is gone, and reclaimPolicy Delete deletes the disk, \
                             but not while a node has it attached; the provisioner retries until it is detached.",
                            volume.name
                        ),
                        crate::objects::Deleter::NoneExternal => format!(
                            "Volume {} is Released: its claim is gone and its reclaimPolicy is Delete, but no \
                             provisioner made it (it has no pv.kubernetes.io/provisioned-by annotation), and the \
                             external provisioner deletes only what it made: the disk stays, and is billed.",
                            volume.name
                        ),
                        crate::objects::Deleter::Missing(_) => {
                            format!("Volume {} is Released: its claim is gone.", volume.name)
                        }
                    }
                }
            },
            Event::PvDeleted { pv } => format!("Volume {} and its disk are deleted.", world.pv(*pv).name),
            Event::PvFailed { pv, message } => format!(
                "Volume {} is Failed: its reclaimPolicy is Delete, but the PV controller found nothing to delete \
                 it ({message}). The disk stays, and is billed, until someone deletes the PV and the disk by hand.",
                world.pv(*pv).name
            ),
            Event::StatefulSetDeleted { sts, cascade } => match cascade {
                Cascade::Orphan => format!(
                    "StatefulSet {} is deleted; its pods keep running, unowned (--cascade=orphan).",
                    world.sts(*sts).name
                ),
                Cascade::Background => format!(
                    "StatefulSet {} is deleted; the garbage collector deletes its pods after it.",
                    world.sts(*sts).name
                ),
                Cascade::Foreground => format!(
                    "StatefulSet {} is deleted, its dependents gone before it (--cascade=foreground).",
                    world.sts(*sts).name
                ),
            },
            Event::StatefulSetCreated { sts } => {
                let set = world.sts(*sts);
                format!("StatefulSet {} is created with serviceName {}.", set.name, set.spec.service_name)
            }
            Event::PodOrphaned { pod: id } => format!("{} keeps running without an owner.", pod(*id)),
            Event::PvcBound { pvc: id, pv } => {
                let volume = world.pv(*pv);
                let zone = match volume.other_zones.is_empty() {
                    true => volume.zone.as_deref().map(|z| format!(" in {z}")).unwrap_or_default(),
                    false => {
                        let zones: Vec<&str> = volume.zones().collect();
                        format!(" in {} (a regional disk)", zones.join(" and "))
                    }
                };
                if volume.origin == PvOrigin::ProvisionedByClass {
                    format!(
                        "A {} volume is provisioned{zone} and bound to claim {}.",
                        size(volume.capacity_bytes),
                        pvc(*id)
                    )
                } else {
                    let place = match volume.node {
                        Some(node) => format!(" on {}", world.node(node).name),
                        None => zone,
                    };
                    format!(
                        "The existing {} volume {}{place} is bound to claim {}.",
                        size(volume.capacity_bytes),
                        volume.name,
                        pvc(*id)
                    )
                }
            }
            Event::PvcSelectedNode { .. } => continue,
            Event::PvcNodeUnselected { pvc: id, node } => format!(
                "Node {} is gone, so the provisioner gives claim {} back to the scheduler to choose another.",
                world.node(*node).name,
                pvc(*id)
            ),
            Event::DnsAdded { name, ip } => format!("{name} now resolves to {ip}."),
            Event::DnsRemoved { name, .. } => format!("{name} no longer resolves."),
            Event::StatefulSetUpdated { sts, change } => {
                format!("StatefulSet {} is updated: {change}.", world.sts(*sts).name)
            }
            Event::StatefulSetUpdateRejected { message, .. } => format!("The API server refuses: {message}."),
            Event::StatefulSetScaled { sts, from, to } => {
                format!("StatefulSet {} now wants {to} pods instead of {from}.", world.sts(*sts).name)
            }
            Event::StatefulSetClaimStale { sts, claim, owner } => {
                let (pod, claim) = (&world.pod(*owner).name, &world.pvc(*claim).name);
                format!(
                    "StatefulSet {} needs {pod} again, but claim {claim} still belongs to the {pod} that was \
                     scaled away (whenScaled: Delete), and the garbage collector has yet to delete it. The \
                     controller creates nothing and ends its sync without an error, so nothing retries it; and \
                     it does not watch claims, so the claim's deletion will not wake it either.",
                    world.sts(*sts).name
                )
            }
            Event::StatefulSetResync { sts } => format!(
                "The controller's informer re-delivers every StatefulSet once a period (kube-controller-manager's \
                 --min-resync-period, 12 h, times a factor between 1 and 2), and StatefulSet {} is synced again: \
                 the first sync since it stopped on a stale claim.",
                world.sts(*sts).name
            ),
            Event::StatefulSetStatus { .. } | Event::RevisionCreated { .. } => continue,
            Event::NodeAdded { node } if matches!(record.actor, Actor::Kubelet(_)) => format!(
                "The kubelet of {} started again and found its Node object deleted, so it registers a new one \
                 (it does at every start): Ready, schedulable, with only the taints of its flags.",
                world.node(*node).name
            ),
            Event::NodeAdded { node } => {
                format!("Node {} joins the cluster in {}.", world.node(*node).name, world.node(*node).zone)
            }
            Event::NodeRemoved { node } => format!("The Node object {} is deleted.", world.node(*node).name),
            Event::NodeMachine { node, state } => {
                format!("The machine behind {} is now {}.", world.node(*node).name, state.as_str())
            }
            Event::NodeShuttingDown { node, pods_grace } if pods_grace.is_zero() => format!(
                "The machine behind {} shuts down. Its kubelet has graceful node shutdown off (shutdownGracePeriod 0), so nothing stops the pods first: to the control plane this is a crash.",
                world.node(*node).name
            ),
            Event::NodeShuttingDown { node, pods_grace } => format!(
                "The machine behind {} shuts down. Its kubelet holds the shutdown back: it reports the node NotReady (\"node is shutting down\"), refuses new pods and stops each running pod within {pods_grace}, marking it Failed, so that its controller can replace it elsewhere.",
                world.node(*node).name
            ),
            Event::DomainOutage { key, value, state, nodes } => match state {
                Machine::Running => {
                    format!("The outage of {key}={value} is over for its {} machine(s).", nodes.len())
                }
                _ => format!(
                    "Every machine of {key}={value} ({} of them) goes down at once: {}.",
                    nodes.len(),
                    state.as_str()
                ),
            },
            Event::NodeCondition { node, status } => format!(
                "Node {}'s Ready condition turns {}: {}.",
                world.node(*node).name,
                status.as_str(),
                match status {
                    ConditionStatus::Unknown =>
                        "its kubelet has not posted its status within the grace period",
                    ConditionStatus::True => "its kubelet posts its status again",
                    ConditionStatus::False => "its kubelet reports the node not ready",
                }
            ),
            Event::NodeTaintAdded { node, taint } => {
                format!("Node {} is tainted {taint}.", world.node(*node).name)
            }
            Event::NodeTaintRemoved { node, taint } => {
                format!("The taint {taint} is removed from node {}.", world.node(*node).name)
            }
            Event::NodeUnschedulable { node, unschedulable: true } => {
                format!("Node {} is cordoned: no new pods go there.", world.node(*node).name)
            }
            Event::NodeUnschedulable { node, unschedulable: false } => {
                format!("Node {} is uncordoned.", world.node(*node).name)
            }
            Event::NodeDrained { node } => {
                format!("Node {} is drained: no pods are left on it.", world.node(*node).name)
            }
            Event::NodeDrainAborted { node, left } => format!(
                "The drain of node {} gives up at its timeout with {left} pod(s) still on it: it evicts nothing more.",
                world.node(*node).name
            ),
            Event::NodeDrainFailed { node, left } => format!(
                "kubectl drain {} fails with {left} pod(s) still on it: an eviction was refused with an error kubectl \
                 does not retry. The node stays cordoned.",
                world.node(*node).name
            ),
            Event::PodEvicted { pod: id, reason, message } => {
                let p = world.pod(*id);
                match (&p.node_name, p.node) {
                    // Never bound: its nodeName names no Node (pod GC's gcOrphaned).
                    (Some(node), None) if *reason == "DeletionByPodGC" => {
                        let again = if p.owner.is_some() {
                            "; its StatefulSet makes it again with the same nodeName, so this repeats about every \
                             minute (the 40 s quarantine after the next 20 s pass)"
                        } else {
                            ""
                        };
                        format!(
                            "{} is evicted ({reason}): {message}: its spec.nodeName, {node}, names no Node, so it \
                             never ran{again}.",
                            pod(*id)
                        )
                    }
                    _ => format!("{} is evicted ({reason}): {message}.", pod(*id)),
                }
            }
            Event::EvictionRefused { pod: id, code: 429, message } => {
                format!("The eviction of {} is refused: {message}.", pod(*id))
            }
            Event::EvictionRefused { pod: id, code, message } => {
                format!("The eviction of {} fails ({code}), and no retry helps: {message}", pod(*id))
            }
            Event::ContainerKilling { pod: id, node, probe, init: Some(init) } => format!(
                "The kubelet kills the sidecar {} of {} on {} (its preStop hook, then SIGTERM): it failed its {} probe, and it will be started again; the next init container waits for a run whose probe passes.",
                world.pod(*id).init_containers.get(*init as usize).map_or("?", |c| c.name.as_str()),
                pod(*id),
                world.node(*node).name,
                probe.as_str()
            ),
            Event::ContainerKilling { pod: id, node, probe, init: None } => format!(
                "The kubelet kills the container of {} on {} (its preStop hook, then SIGTERM): it failed its {} probe.",
                pod(*id),
                world.node(*node).name,
                probe.as_str()
            ),
            Event::ContainerStopped { pod: id, node, reason } => {
                format!("The container of {} on {} stops: {reason}.", pod(*id), world.node(*node).name)
            }
            Event::IdentityDuplicated { sts, ordinal, .. } => format!(
                "Two containers now run as {}: one identity, two processes (split brain).",
                pod_name(&world.sts(*sts).name, *ordinal)
            ),
            Event::IdentityRestored { sts, ordinal } => {
                format!("Only one container runs as {} again.", pod_name(&world.sts(*sts).name, *ordinal))
            }
            Event::VolumeAttaching { pv, node } => {
                format!("Volume {} starts attaching to {}.", world.pv(*pv).name, world.node(*node).name)
            }
            Event::VolumeAttached { pv, node } => {
                format!("Volume {} is attached to {}.", world.pv(*pv).name, world.node(*node).name)
            }
            // A forced detach starts here and ends with `VolumeDetached`,
            // the plugin's detach time later. The attach/detach
            // controller's reconciler forces it on an unhealthy node once
            // `ReconcilerMaxWaitForUnmountDuration` (6 minutes by default,
            // DefaultTimerConfig in k/k pkg/controller/volume/attachdetach)
            // has passed since the detach was requested, or at once on a
            // node with the out-of-service taint.
            Event::VolumeDetaching { pv, node, forced } => match forced {
                Some(why) => format!(
                    "Volume {} starts detaching from {} without waiting for an unmount (a forced detach): {}.",
                    world.pv(*pv).name,
                    world.node(*node).name,
                    match *why {
                        "out-of-service" => "the node has the out-of-service taint".to_string(),
                        _ => format!(
                            "more than {} minutes have passed since its detach was requested, and the node {}",
                            crate::controllers::attach_detach::MAX_WAIT_FOR_UNMOUNT.as_millis() / 60_000,
                            match world.node(*node).existed_at(record.at) {
                                false => "has been deleted",
                                true => "is not Ready",
                            }
                        ),
                    }
                ),
                None => {
                    format!("Volume {} starts detaching from {}.", world.pv(*pv).name, world.node(*node).name)
                }
            },
            Event::VolumeDetached { pv, node } => {
                format!("Volume {} is detached from {}.", world.pv(*pv).name, world.node(*node).name)
            }
            Event::VolumeMultiAttach { pod: id, message, .. } => {
                format!("{} waits: {message}.", pod(*id))
            }
            Event::OperatorFailed { message } => format!("The operator fails, and the run stops: {message}."),
            Event::ActionRefused { action, why } if record.actor == crate::trace::Actor::User => {
                format!("Your action `{action}` does not apply, and changes nothing: {why}.")
            }
            Event::ActionRefused { action, why } => {
                format!("The operator's action `{action}` does not apply, and changes nothing: {why}.")
            }
            Event::CustomResourceChanged { object, what, .. } => {
                let o = &world.custom.objects[*object as usize];
                let kind = &world.custom.kinds[o.kind].kind;
                match *what {
                    "created" => format!("{kind} {} is created.", o.name),
                    "updated" => format!("{kind} {} is updated (generation {}).", o.name, o.generation),
                    "status" => format!("The status of {kind} {} is written.", o.name),
                    "deleting" => {
                        format!("{kind} {} is marked for deletion; its finalizers hold it.", o.name)
                    }
                    _ => format!("{kind} {} is deleted.", o.name),
                }
            }
            Event::Annotated { object, keys } => {
                let o = crate::kube::render(world, *object);
                format!(
                    "The annotations of {} {} are set: {}.",
                    crate::kube::kind_of(world, *object),
                    o["metadata"]["name"].as_str().unwrap_or("?"),
                    keys.join(", ")
                )
            }
            Event::MetadataPatched { object, change } => {
                format!("{} is edited: {change}.", crate::kube::display(world, *object))
            }
            Event::ServiceUpdated { service, change } => format!(
                "Service {} is changed: {change}; its endpoints and DNS records follow.",
                world.service(*service).name
            ),
            Event::DeleteHeld { object, finalizers } => {
                let gc = match finalizers.iter().map(String::as_str).find(|f| {
                    [crate::objects::ORPHAN_DEPENDENTS, crate::objects::FOREGROUND_DELETION].contains(f)
                }) {
                    Some(crate::objects::ORPHAN_DEPENDENTS) => {
                        "; the garbage collector removes `orphan` once its pods and claims no longer name it as their owner"
                    }
                    Some(_) => {
                        "; the garbage collector removes `foregroundDeletion` once its dependents are gone"
                    }
                    None => "",
                };
                format!(
                    "{} is deleted, but its finalizers ({}) keep it, with its deletionTimestamp, until they are removed{gc}.",
                    crate::kube::display(world, *object),
                    finalizers.join(", ")
                )
            }
            Event::WriteWarned { action, warnings } => {
                format!(
                    "The API server takes the operator's `{action}` with warnings: {}.",
                    warnings.join("; ")
                )
            }
            Event::WriteRefused { action, code, reason, message } => {
                format!("The API server refuses the operator's `{action}`: {code} {reason}: {message}.")
            }
            Event::OperatorRestarted { lost_actions } => {
                format!("The operator restarts between two writes; {lost_actions} of its actions are lost.")
            }
            Event::End { reason } => format!("The run ends ({reason})."),
            Event::ServiceCreated { service } => {
                let s = world.service(*service);
                format!(
                    "Service {} is created; it publishes records only for pods whose subdomain is {}.",
                    s.name, s.name
                )
            }
            Event::ServiceDeleted { service } => format!(
                "Service {} is deleted, and every per-pod record it published with it.",
                world.service(*service).name
            ),
            Event::PodAdopted { pod: id, sts } => format!(
                "StatefulSet {} adopts {}: its name and labels match, and it has no owner.",
                world.sts(*sts).name,
                pod(*id)
            ),
            Event::DnsNegativeCached { name, until } if *until <= record.at => format!(
                "A lookup of {name} gets NXDOMAIN. CoreDNS keeps no answer about the cluster domain, so the next \
                 lookup sees the name as soon as it is published."
            ),
            Event::DnsNegativeCached { name, until } => format!(
                "A lookup of {name} gets NXDOMAIN, and CoreDNS will give that answer until {until}, even if the \
                 name appears meanwhile."
            ),
            Event::AppMember { pod: id, what, .. } => format!("{}: {what}.", pod(*id)),
            Event::AppVerdict { app, verdict } => {
                let mut text =
                    format!("{} is {}: {}.", world.apps.name(*app), verdict.health, verdict.reason);
                if verdict.cause.len() > 1 {
                    text.push_str(&format!(" How it came to this: {}.", verdict.cause.join(" -> ")));
                }
                if !verdict.fix.is_empty() {
                    text.push_str(&format!(" Fix: {}", verdict.fix));
                }
                text
            }
        };
        each(Line { at_ms: record.at.as_millis(), who: who_did(sim, record), text });
    }
}

/// What a sidecar's readiness probe needs to pass, in a few words.
fn probe_needs(probe: &crate::config::Probe) -> String {
    let checks = if probe.success_threshold == 1 {
        "a check".to_string()
    } else {
        format!("{} checks in a row", probe.success_threshold)
    };
    format!(" ({checks} passing, every {} from {} after its start)", probe.period, probe.initial_delay)
}
