//! Findings about nodes, volumes and identity: why a pod is stuck and what
//! would free it, and every time two copies of one identity ran.
//!
//! Owns the explanations of: a pod stuck Terminating on a silent node, a
//! pod left on a node that stopped reporting, a pod no node will take, a
//! pod waiting for its volume to be detached elsewhere (Multi-Attach), a
//! container whose image reference the kubelet cannot read, one that may
//! not pull an image its node lacks (`Never`) or that
//! the registry refuses while other nodes run it from their copies, a
//! drain held up by a PodDisruptionBudget, and a broken "at most one running
//! pod per StatefulSet identity". Reads the world as it is at the end of the
//! run; changes nothing.

use super::Finding;
use crate::config::{PodManagementPolicy, UpdateStrategy};
use crate::controllers::{attach_detach, disruption, scheduler, volumes};
use crate::objects::*;
use crate::time::SimTime;
use crate::world::World;

pub fn all(world: &World, end: SimTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    for violation in &world.identity_violations {
        findings.push(identity_duplicated(world, violation, end));
    }
    for pod in world.live_pods() {
        let node = pod.node.map(|n| world.node(n));
        let node_silent = node.is_some_and(|n| !n.exists() || n.condition != ConditionStatus::True);
        if pod.is_terminating() && node_silent {
            findings.push(stuck_terminating(world, pod));
        } else if !pod.is_terminating() && node_silent {
            findings.push(on_silent_node(world, pod));
        } else if let Some(finding) = volume_not_provisioned(world, pod) {
            findings.push(finding);
        } else if pod.node.is_none() && pod.status.unschedulable.is_some() {
            findings.push(unschedulable(world, pod));
        } else if pod.waits.attach_error.is_some()
            && pod.status.container == ContainerState::ContainerCreating
        {
            findings.push(multi_attach(world, pod));
        } else if let Some(finding) = image_name_invalid(world, pod) {
            findings.push(finding);
        } else if let Some(finding) = image_not_on_node(world, pod) {
            findings.push(finding);
        } else if let Some(finding) = image_gone_from_registry(world, pod, end) {
            findings.push(finding);
        }
    }
    for (node, drain) in &world.drains {
        if drain.finished_at.is_none() && !drain.failed.is_empty() {
            findings.push(drain_failed(world, *node, drain));
        } else if drain.finished_at.is_none() && !drain.refused.is_empty() {
            findings.push(drain_blocked(world, *node, drain));
        }
    }
    findings
}

/// The fix for a claim whose class's driver refuses its access modes.
const ACCESS_MODE_FIX: &str = "A StatefulSet gives each pod a claim of its own: ask ReadWriteOnce (or ReadWriteOncePod) \
     in the volumeClaimTemplates (a new StatefulSet, since the field is immutable). For one volume several pods \
     share, use a file-storage class (EFS, Filestore, Azure Files, NFS).";

/// Whether the claim's class's CSI driver refuses its access modes.
fn refused_access(world: &World, claim: &Pvc) -> bool {
    claim
        .storage_class
        .is_some_and(|c| volumes::driver_refuses(world.class(c), &claim.access_modes).is_some())
}

/// A pod the scheduler placed (VolumeBinding's PreBind) whose claim's
/// volume the provisioner fails to create: it waits for a volume that
/// never comes, in PreBind or, between two binding cycles, in the queue
/// (the claim keeps its selected node, and the pod goes only there).
fn volume_not_provisioned(world: &World, pod: &Pod) -> Option<Finding> {
    if pod.node.is_some() {
        return None;
    }
    let (claim, node) = pod
        .claims
        .iter()
        .filter_map(|claim| world.pvc_named(claim).map(|c| world.pvc(c)))
        .filter(|c| c.volume.is_none() && c.waiting.is_some())
        .find_map(|c| Some((c, pod.assumed_node.or(c.selected_node)?)))?;
    let node = world.node(node);
    let (reason, message) = claim.waiting.as_ref()?;
    let class = claim.storage_class.map(|c| world.class(c));
    let mut explanation = format!(
        "The scheduler chose {} for {} and asked for claim {}'s volume to be made there (WaitForFirstConsumer), \
         but the provisioner reports {reason}: \"{message}\". The claim stays Pending and {} with it: the scheduler \
         waits for the volume up to its bind timeout ({}), then tries the pod again, on the same node since the \
         claim keeps it, and the provisioner fails the same way.",
        node.name, pod.name, claim.name, pod.name, world.timings.bind_timeout
    );
    let refused = class.and_then(|c| volumes::driver_refuses(c, &claim.access_modes).map(|_| c));
    let fix = match refused {
        Some(class) => {
            explanation.push_str(&format!(
                " {} is block storage ({}): a volume attaches to one node at a time, and its CSI driver refuses to \
                 create one that several nodes would use ({}).",
                class.name,
                class.provisioner,
                claim.access_modes.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ")
            ));
            format!("{ACCESS_MODE_FIX} Then delete the Pending claim {}.", claim.name)
        }
        None => "Fix what the provisioner reports, then delete the Pending claim so the StatefulSet makes it again."
            .to_string(),
    };
    explanation.push_str(&blocks(world, pod));
    Some(Finding {
        id: "volume-not-provisioned",
        subject: format!("pod/{}", pod.name),
        since_ms: claim.created_at.as_millis(),
        summary: format!(
            "{} waits for a volume that claim {} will never get: {reason}",
            pod.name, claim.name
        ),
        explanation,
        fix,
    })
}

/// "claim a" or "claims a, b".
fn claims_named(names: &[&str]) -> String {
    match names {
        [one] => format!("claim {one}"),
        _ => format!("claims {}", names.join(", ")),
    }
}

/// What else waits on this pod: an OrderedReady set stops at it.
fn blocks(world: &World, pod: &Pod) -> String {
    let Some(set) = pod.owner.map(|s| world.sts(s)) else { return String::new() };
    if set.spec.pod_management_policy != PodManagementPolicy::OrderedReady {
        return String::new();
    }
    format!(
        " Because {} uses OrderedReady, the controller also waits on {} before it creates, deletes or updates any pod of a higher ordinal.",
        set.name, pod.name
    )
}

fn machine_now(node: &Node) -> String {
    match node.machine {
        // A crash and a shutdown the kubelet does not handle look the same
        // here; for the planned one, graceful node shutdown is the fix
        // (pkg/kubelet/nodeshutdown fails the pods before power-off).
        Machine::Crashed if !node.shutdown.enabled() => format!(
            "In this run the machine went down at {}: it is off. If that was a planned shutdown, the kubelet's \
             shutdownGracePeriod (graceful node shutdown, off by default) would have stopped and failed the pods \
             first, so their controllers replace them.",
            node.machine_since
        ),
        Machine::Crashed => format!("In this run the machine crashed at {}: it is off.", node.machine_since),
        Machine::Partitioned => format!(
            "In this run the machine was only cut off at {}: its containers still run, so a force delete would start a second copy.",
            node.machine_since
        ),
        Machine::Running => "In this run the machine is running again.".to_string(),
    }
}

fn stuck_terminating(world: &World, pod: &Pod) -> Finding {
    let node = world.node(pod.node.expect("a stuck pod is bound"));
    let since = pod.deletion_timestamp.expect("terminating");
    let who = pod.waits.deleted_by.clone().unwrap_or_else(|| "a user".to_string());
    let silence = if node.exists() {
        format!(
            "the kubelet on {} has not been heard from since its node went NotReady at {} (no heartbeat for the node-monitor grace period)",
            node.name, node.condition_since
        )
    } else {
        format!("the Node object {} is gone", node.name)
    };
    let explanation = format!(
        "{} was deleted at {since} by {who}. A graceful delete only sets a deletion timestamp and asks the pod's kubelet to stop \
         the containers and confirm; the object is removed when it does. But {silence}, so nobody can confirm that {} stopped, \
         and the object stays Terminating. The StatefulSet controller never creates a pod under a name that is taken, so {} \
         is not replaced (at most one pod per identity).{}",
        pod.name,
        pod.name,
        pod.name,
        blocks(world, pod)
    );
    let fix = format!(
        "If {node} is really shut down, add the out-of-service taint (kubectl taint node {node} \
         node.kubernetes.io/out-of-service=nodeshutdown:NoExecute): the pod garbage collector force-deletes its terminating \
         pods within 20 s and its volumes are detached at once; or delete the Node object (kubectl delete node {node}): the pod \
         garbage collector removes its pods after a 40 s quarantine. If it may still be running, bring it back and its kubelet \
         finishes the deletion; do not force-delete {pod} while the machine may run it. {}",
        machine_now(node),
        node = node.name,
        pod = pod.name
    );
    Finding {
        id: "pod-stuck-terminating",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!("{} has been Terminating since {since} and cannot be replaced", pod.name),
        explanation,
        fix,
    }
}

fn on_silent_node(world: &World, pod: &Pod) -> Finding {
    let node = world.node(pod.node.expect("bound"));
    let since = node.condition_since;
    let eviction = match &pod.waits.taint_eviction {
        Some((_, due, why)) => format!(
            " The taint eviction controller will delete it at {due}, because {why}; on a node that cannot answer it will then \
             stay Terminating."
        ),
        None if node.has_taint(taints::UNREACHABLE) || node.has_taint(taints::NOT_READY) => String::new(),
        None => " The node has no NoExecute taint yet (the taint is rate-limited per zone, and held back entirely when a \
                  zone or the whole cluster looks disrupted), so no eviction is scheduled."
            .to_string(),
    };
    Finding {
        id: "pod-on-lost-node",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!("{} is on {}, which has been NotReady since {since}", pod.name, node.name),
        explanation: format!(
            "{} stopped renewing its heartbeat, so after the node-monitor grace period the node lifecycle controller set its \
             Ready condition to Unknown and marked {} not Ready: it gets no traffic and its StatefulSet counts it as unavailable, \
             but its object stays, with the same name.{eviction}{}",
            node.name,
            pod.name,
            blocks(world, pod)
        ),
        fix: format!(
            "Bring {} back; if it is gone for good, add the out-of-service taint or delete the Node object so the pod can be \
             replaced elsewhere. {}",
            node.name,
            machine_now(node)
        ),
    }
}

fn unschedulable(world: &World, pod: &Pod) -> Finding {
    let message = pod.status.unschedulable.clone().unwrap_or_default();
    let since = pod.waits.unschedulable_since.unwrap_or(pod.created_at);
    // Where its bound volumes let it run.
    let mut pinned = Vec::new();
    let mut gone_node = None;
    // Claims the PV controller cannot get a volume for (a class that does
    // not exist, or none at all): the pod waits on them, not on nodes.
    let waiting_claims: Vec<(&Pvc, &str, &str)> = pod
        .claims
        .iter()
        .filter_map(|claim| world.pvc_named(claim).map(|c| world.pvc(c)))
        .filter_map(|c| c.waiting.as_ref().map(|(reason, message)| (c, *reason, message.as_str())))
        .collect();
    for claim in &pod.claims {
        let Some(pv) = world.pvc_named(claim).and_then(|c| world.pvc(c).volume) else { continue };
        let pv = world.pv(pv);
        if let Some(node) = pv.node {
            let node = world.node(node);
            if !node.exists() {
                gone_node = Some((claim.clone(), pv.name.clone(), node.name.clone()));
            }
            pinned.push(format!("its local volume {} lives on the disk of {}", pv.name, node.name));
        } else if let Some(zone) = &pv.zone {
            pinned.push(match pv.other_zones.as_slice() {
                [] => format!(
                    "its volume {} (claim {claim}) lives in zone {zone} and can be attached only there",
                    pv.name
                ),
                _ => format!(
                    "its regional volume {} (claim {claim}) lives in zones {} and can be attached only there",
                    pv.name,
                    list(&pv.zones().collect::<Vec<_>>())
                ),
            });
        }
    }
    let verdicts = scheduler::node_verdicts(world, pod);
    let rejected: Vec<String> = verdicts
        .iter()
        .filter(|(_, reasons)| !reasons.is_empty())
        .take(8)
        .map(|(node, reasons)| {
            let node = world.node(*node);
            format!("{} ({}): {}", node.name, node.zone, reasons.join(", "))
        })
        .collect();
    let mut explanation = format!("The scheduler says: \"{message}\"");
    for (claim, reason, said) in &waiting_claims {
        explanation.push_str(&format!(
            " Claim {} stays Pending: the PV controller reports {reason}: \"{said}\".",
            claim.name
        ));
    }
    if !pinned.is_empty() {
        explanation.push_str(&format!(
            " A StatefulSet pod always gets its own claims back, and {}.",
            pinned.join("; ")
        ));
    }
    if !rejected.is_empty() {
        explanation.push_str(&format!(" Node by node: {}.", rejected.join("; ")));
    }
    if message.contains(scheduler::MAX_VOLUME_COUNT) {
        let usage: Vec<String> = world
            .nodes
            .iter()
            .filter(|n| n.exists() && !n.volume_attach_limits.is_empty())
            .take(8)
            .flat_map(|n| {
                scheduler::attach_usage(world, n)
                    .into_iter()
                    .map(move |(driver, used, limit)| format!("{} {used} of {limit} {driver}", n.name))
            })
            .collect();
        explanation.push_str(&format!(
            " A node attaches only so many volumes of a CSI driver (the count its CSINode reports, set by the machine \
             type), and kube-scheduler counts the volumes of the pods already on it against that, whatever CPU and \
             memory are free: {}.",
            usage.join(", ")
        ));
    }
    explanation.push_str(" The pod stays Pending and is tried again whenever nodes or pods change.");
    explanation.push_str(&blocks(world, pod));
    let fix = match gone_node {
        _ if waiting_claims.iter().any(|(c, _, _)| refused_access(world, c)) => {
            let names: Vec<&str> = waiting_claims.iter().map(|(c, _, _)| c.name.as_str()).collect();
            format!(
                "{} Then delete the Pending {}.",
                ACCESS_MODE_FIX,
                claims_named(&names)
            )
        }
        _ if waiting_claims
            .iter()
            .any(|(c, _, _)| c.storage_class.is_some_and(|class| !world.class(class).provisions())) =>
        {
            let names: Vec<&str> = waiting_claims.iter().map(|(c, _, _)| c.name.as_str()).collect();
            format!(
                "The claim's class makes no volume (kubernetes.io/no-provisioner) and no Available volume fits it: \
                 create a PersistentVolume of that class that holds the request and offers its access modes (the \
                 local static provisioner makes one for each disk it finds), or give the volumeClaimTemplates a class \
                 with a provisioner (a new StatefulSet, since the field is immutable) and delete the Pending {}.",
                claims_named(&names)
            )
        }
        // A class no StorageClass defines that volumes made by hand name
        // (the tutorial's `manual`): static binding, one volume a claim.
        _ if waiting_claims.iter().any(|(c, _, _)| static_class_of(world, c).is_some()) => {
            let names: Vec<&str> = waiting_claims.iter().map(|(c, _, _)| c.name.as_str()).collect();
            let class = waiting_claims.iter().find_map(|(c, _, _)| static_class_of(world, c)).unwrap_or_default();
            format!(
                "No StorageClass {class:?} exists, but existing volumes carry that class: only such a volume binds \
                 the claim, one claim each, and none is Available that holds the request and offers its access modes. \
                 Create one more PersistentVolume of class {class:?} for each claim (one a replica), or give the \
                 volumeClaimTemplates a class with a provisioner (a new StatefulSet, since the field is immutable) and \
                 delete the Pending {}.",
                claims_named(&names)
            )
        }
        // `storageClassName: ""` asks for no class: the DefaultStorageClass
        // admission plugin and the retroactive default assignment fill in
        // only a class left out, so a default class changes nothing.
        _ if waiting_claims.iter().any(|(c, _, _)| c.storage_class_name.as_deref() == Some("")) => {
            let names: Vec<&str> = waiting_claims.iter().map(|(c, _, _)| c.name.as_str()).collect();
            format!(
                "The claim asks for no class (storageClassName: \"\"), which keeps it from the default class and from \
                 any provisioner: only a PersistentVolume of no class binds it. Create one that holds the request and \
                 offers its access modes (one a replica), or give the volumeClaimTemplates a class with a provisioner \
                 (a new StatefulSet, since the field is immutable) and delete the Pending {}.",
                claims_named(&names)
            )
        }
        _ if !waiting_claims.is_empty() => {
            let names: Vec<&str> = waiting_claims.iter().map(|(c, _, _)| c.name.as_str()).collect();
            format!(
                "Create the StorageClass the claim names (or mark one class default), or correct storageClassName in the \
                 volumeClaimTemplates (a new StatefulSet, since the field is immutable) and delete the Pending {}.",
                claims_named(&names)
            )
        }
        Some((claim, pv, node)) => format!(
            "Nothing brings {node} back: delete the claim {claim} (and the volume {pv}) so the StatefulSet makes a new, empty \
             one where the pod can run; the data on {node} is lost, and the member must be rebuilt from its peers."
        ),
        None if message.contains("pod topology spread constraints") => format!(
            "A DoNotSchedule topologySpreadConstraint refuses the nodes that have room: placing {} there would leave \
             its domain more than maxSkew pods above the emptiest domain. A domain with no room still counts as the \
             emptiest, and so does one the pod may not use when nodeAffinityPolicy is Ignore, or one whose nodes are \
             cordoned or tainted against it when nodeTaintsPolicy is Ignore (the default); a node without the \
             topologyKey label never qualifies. Add room in the emptiest domain, uncordon it, set nodeTaintsPolicy: \
             Honor so that tainted and cordoned nodes are left out of the count, raise maxSkew, or make the \
             constraint whenUnsatisfiable: ScheduleAnyway.",
            pod.name
        ),
        None if message.contains(scheduler::MAX_VOLUME_COUNT) => "Add nodes, use a machine type that takes more disks, \
             free a slot (scale down or move a workload whose pods have claims), or give each pod fewer claims."
            .to_string(),
        None if message.contains(scheduler::BIND_CONFLICT) => "The pod's claim is of a class whose provisioner \
             (kubernetes.io/no-provisioner) makes no volume, and no node that could take the pod holds an Available \
             PersistentVolume that fits it. Create one where the pod can run (a local volume on a node with room; the \
             local static provisioner makes one for each disk it finds), or give the claims a class with a \
             provisioner. A Released or Failed volume is not bound again until an administrator frees it."
            .to_string(),
        None if !pinned.is_empty() => "Make room where the volume is: add a node in that zone, uncordon one, or free CPU and \
             memory there. A zonal disk never moves to another zone; to run elsewhere the data must be restored into a new \
             volume."
            .to_string(),
        None => "Add a node that fits (resources, labels, taints and anti-affinity allow it), or relax the pod's constraints."
            .to_string(),
    };
    Finding {
        id: "pod-unschedulable",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!("{} has been Pending since {since}: no node can take it", pod.name),
        explanation,
        fix,
    }
}

fn multi_attach(world: &World, pod: &Pod) -> Finding {
    let (message, since) = pod.waits.attach_error.clone().expect("an attach error");
    let here = pod.node.map(|n| world.node(n).name.clone()).unwrap_or_default();
    let mut state = Vec::new();
    let mut fix =
        format!("Wait for the detach; the pod starts a few seconds after the volume is attached to {here}.");
    for claim in &pod.claims {
        let Some(pv) = world.pvc_named(claim).and_then(|c| world.pvc(c).volume) else { continue };
        let pv = world.pv(pv);
        for attachment in pv.attachments.iter().filter(|a| Some(a.node) != pod.node) {
            let node = world.node(attachment.node);
            let healthy = node.exists() && node.condition == ConditionStatus::True;
            let text = match attachment.state {
                AttachState::Detaching { until, .. } => {
                    format!("{} is being detached from {}, done at {until}", pv.name, node.name)
                }
                _ => {
                    let requested = attachment.detach_requested_at;
                    let deadline = requested.map(|r| r + attach_detach::MAX_WAIT_FOR_UNMOUNT);
                    match (deadline, healthy) {
                        (Some(deadline), false) => format!(
                            "{} is still attached to {}, which still reports it mounted; {} is not healthy, so the controller \
                             will force the detach after 6 minutes, at {deadline}",
                            pv.name, node.name, node.name
                        ),
                        (Some(_), true) => format!(
                            "{} is still attached to {}, whose kubelet has not unmounted it yet",
                            pv.name, node.name
                        ),
                        (None, _) => format!(
                            "{} is still attached to {}, where a pod object still uses it, so no detach is wanted yet",
                            pv.name, node.name
                        ),
                    }
                }
            };
            if !healthy && node.exists() {
                fix = format!(
                    "If {} is shut down, add the out-of-service taint to it: the volume is then detached at once. Otherwise \
                     wait for the 6-minute force detach, or bring {} back so its kubelet unmounts the volume.",
                    node.name, node.name
                );
            }
            state.push(text);
        }
    }
    Finding {
        id: "volume-multi-attach",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!(
            "{} has been {} since {since}, waiting for its volume",
            pod.name,
            pod.display_status(world.kubectl())
        ),
        explanation: format!(
            "{} was scheduled to {here}, but \"{message}\". A ReadWriteOnce volume is attached to one node at a time, so the \
             kubelet on {here} cannot mount it until the attach-detach controller has detached it from the old node. That \
             controller detaches only once the old node reports the volume unmounted, or, after 6 minutes \
             (maxWaitForUnmountDuration), if the old node is unhealthy at that moment, or at once if it has the out-of-service \
             taint. Now: {}.",
            pod.name,
            if state.is_empty() {
                "the volume is free and about to be attached".to_string()
            } else {
                state.join("; ")
            }
        ),
        fix,
    }
}

/// A drain that failed: an eviction refused with an error kubectl does not
/// retry (the 500 of a pod more than one budget selects). kubectl's
/// `evictPods` (k8s.io/kubectl/pkg/drain/drain.go) retries only a 429;
/// the API's answer comes from `EvictionREST.Create`
/// (pkg/registry/core/pod/storage/eviction.go), `len(pdbs) > 1`.
fn drain_failed(world: &World, node: NodeId, drain: &disruption::Drain) -> Finding {
    let node = world.node(node);
    let since = drain.failed.values().map(|(_, _, at)| *at).min().unwrap_or(drain.started_at);
    let mut failed: Vec<String> = Vec::new();
    // The budgets that select each failed pod, in the order the scenario gives them.
    let mut overlapping: Vec<&str> = Vec::new();
    for (pod, (code, message, at)) in &drain.failed {
        let pod = world.pod(*pod);
        let budgets: Vec<&str> =
            world.pdbs.iter().filter(|b| b.selects(&pod.labels)).map(|b| b.name.as_str()).collect();
        let by = if budgets.len() > 1 {
            format!(", selected by the budgets {}", budgets.join(" and "))
        } else {
            String::new()
        };
        failed.push(format!("{} ({code} at {at}{by}: {message})", pod.name));
        if budgets.len() > 1 {
            for budget in budgets {
                if !overlapping.contains(&budget) {
                    overlapping.push(budget);
                }
            }
        }
    }
    let ended = match drain.failed_at {
        Some(at) => format!(
            " It ended with that error at {at}, once the other pods were done, and left {} cordoned.",
            node.name
        ),
        None => " It ends with that error once the other pods are evicted.".to_string(),
    };
    Finding {
        id: "drain-blocked",
        subject: format!("node/{}", node.name),
        since_ms: since.as_millis(),
        summary: format!(
            "kubectl drain {} failed at {since}: an eviction error it does not retry",
            node.name
        ),
        explanation: format!(
            "kubectl drain cordoned {} at {} and evicts its pods through the eviction API. It retries only a 429 \
             (TooManyRequests, a budget that allows no disruption yet); any other answer fails the pod's eviction at \
             once (`error when evicting pods/...`), and the drain with it. Failed: {}. The eviction API answers 500 for \
             a pod that more than one PodDisruptionBudget selects: it cannot tell which budget to charge, so it evicts \
             none, and waiting does not help.{ended}",
            node.name,
            drain.started_at,
            failed.join("; "),
        ),
        fix: if overlapping.is_empty() {
            "Fix what the eviction API refuses (its message above), then drain the node again.".to_string()
        } else {
            format!(
                "The budgets {} overlap: make each pod selected by one budget at most (delete the extra one, or narrow its \
                 selector), then drain the node again.",
                overlapping.join(" and ")
            )
        },
    }
}

fn drain_blocked(world: &World, node: NodeId, drain: &disruption::Drain) -> Finding {
    let node = world.node(node);
    let refused: Vec<String> = drain
        .refused
        .iter()
        .filter(|(pod, _)| world.pod(**pod).exists())
        .map(|(pod, (message, since))| format!("{} (refused since {since}: {message})", world.pod(*pod).name))
        .collect();
    let since = drain.refused.values().map(|(_, at)| *at).min().unwrap_or(drain.started_at);
    // Budgets that can never allow a voluntary disruption as they stand,
    // and broken pods a budget short of healthy pods protects
    // (`unhealthyPodEvictionPolicy: IfHealthyBudget`, the default).
    let mut never: Vec<String> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    let mut broken_budgets: Vec<&str> = Vec::new();
    for pod in drain.refused.keys().map(|p| world.pod(*p)).filter(|p| p.exists()) {
        for budget in world.pdbs.iter().filter(|b| b.selects(&pod.labels)) {
            let status = disruption::status(world, budget);
            let text = format!(
                " The budget {} needs {} healthy pods out of the {} it expects, so it allows no disruption even when \
                 every pod is healthy: this drain cannot finish.",
                budget.name, status.desired_healthy, status.expected_pods
            );
            if status.desired_healthy >= status.expected_pods && !never.contains(&text) {
                never.push(text);
            }
            if !pod.status.ready
                && budget.unhealthy_pod_eviction_policy
                    == crate::config::UnhealthyPodEvictionPolicy::IfHealthyBudget
            {
                broken.push(format!(
                    " {} is not Ready, so it is no healthy pod of {}; but under the budget's unhealthyPodEvictionPolicy, \
                     IfHealthyBudget (the default), a pod that is not Ready may be evicted only while the budget holds, and it \
                     has {} healthy pods of the {} it needs: it protects a pod that serves nothing.",
                    pod.name, budget.name, status.current_healthy, status.desired_healthy
                ));
                if !broken_budgets.contains(&budget.name.as_str()) {
                    broken_budgets.push(&budget.name);
                }
            }
        }
    }
    Finding {
        id: "drain-blocked",
        subject: format!("node/{}", node.name),
        since_ms: since.as_millis(),
        summary: format!("kubectl drain {} has been waiting since {since}", node.name),
        explanation: format!(
            "kubectl drain cordoned {} at {} and evicts its pods through the eviction API, which refuses an eviction that \
             would leave a PodDisruptionBudget with fewer healthy pods than it needs; kubectl retries every 5 s. A pod counts \
             as healthy while it is Ready and not being deleted, so each eviction must wait until the pod evicted before it \
             has been replaced and is Ready again somewhere else. Refused: {}.{}",
            node.name,
            drain.started_at,
            refused.join("; "),
            never.concat() + &broken.concat()
        ),
        fix: if !broken_budgets.is_empty() {
            format!(
                "Set unhealthyPodEvictionPolicy: AlwaysAllow on the budget {} (Kubernetes 1.27 and later), so that a pod \
                 that is not Ready can always be evicted, or repair the broken pods; the budget still protects the Ready ones.",
                broken_budgets.join(", ")
            )
        } else if never.is_empty() {
            "Wait for the replacements to become Ready (check they can be scheduled and their volumes attached), or fix \
             what keeps the other pods unhealthy; loosen the budget only if the application tolerates it."
                .to_string()
        } else {
            "A budget that equals the replica count blocks every drain: allow one disruption (for a quorum of 3, \
             minAvailable: 2 or maxUnavailable: 1), or scale the set up first so a member can move."
                .to_string()
        },
    }
}

fn identity_duplicated(world: &World, violation: &crate::world::IdentityViolation, end: SimTime) -> Finding {
    let name = pod_name(&world.sts(violation.sts).name, violation.ordinal);
    let period = match violation.until {
        Some(until) => format!("from {} to {until}", violation.since),
        None => format!("from {} until the end of the run at {end}", violation.since),
    };
    Finding {
        id: "identity-duplicated",
        subject: format!("statefulset/{}", world.sts(violation.sts).name),
        since_ms: violation.since.as_millis(),
        summary: format!("two copies of {name} ran at the same time, {period}"),
        explanation: format!(
            "A StatefulSet promises at most one running pod per identity; that is why it waits for a deleted pod's kubelet to \
             confirm. Here: {}. Both copies use the name {name}, its DNS identity and, wherever both can reach it, its data: \
             a replicated database now has two members claiming one seat (split brain).",
            violation.how
        ),
        fix: "Never force-delete a StatefulSet pod while its node may still run it. Once the machine is confirmed off, use the \
              out-of-service taint or delete the Node object instead; a network partition is waited out. To end it here, \
              stop the old copy: when its node reaches the control plane again, its kubelet kills it."
            .to_string(),
    }
}

/// A container whose image reference the kubelet cannot read
/// (`InvalidImageName`, `Init:InvalidImageName` for an init container):
/// the API server stored it, as it checks no image's form, and no pull or
/// retry can bring it.
fn image_name_invalid(world: &World, pod: &Pod) -> Option<Finding> {
    let invalid_extra = (pod.extra_containers.iter().zip(&pod.status.extras))
        .find(|(_, status)| status.state == ContainerState::InvalidImageName);
    let (image, container, since) = match (pod.status.container, pod.runtime.init_due) {
        (ContainerState::InvalidImageName, _) => {
            (&pod.image, pod.container_name(), pod.runtime.pull_started_at?)
        }
        (_, Some((index, since)))
            if pod.runtime.init_held && pod.status.init_failure == Some(InitFailure::InvalidImageName) =>
        {
            let init = &pod.init_containers[index];
            (&init.image, init.name.as_str(), since)
        }
        _ => {
            let (extra, _) = invalid_extra?;
            (&extra.image, extra.name.as_str(), pod.runtime.started_at.unwrap_or(pod.created_at))
        }
    };
    let message = crate::image_ref::invalid_image_message(image, world.kubernetes)?;
    let node = &world.node(pod.node?).name;
    let change = match pod.owner.map(|s| world.sts(s)) {
        Some(set) => {
            let template = format!(
                "in StatefulSet {}'s template (kubectl set image statefulset/{} {container}=<image>)",
                set.name, set.name
            );
            // Whether the rolling update replaces the pod by itself: under
            // Parallel, at or above the partition. OrderedReady waits on a
            // pod that is not Running and Ready before it changes any
            // other, this one included; OnDelete replaces only what is
            // deleted.
            let replaced = set.spec.pod_management_policy == PodManagementPolicy::Parallel
                && matches!(set.spec.update_strategy, UpdateStrategy::RollingUpdate { partition, .. }
                    if pod.ordinal.is_some_and(|o| o >= set.start_ordinal() + partition));
            match replaced {
                true => format!("{template}: the rolling update replaces {}.", pod.name),
                false => format!(
                    "{template}, then delete {} (the StatefulSet documentation's forced rollback): {} does not \
                     replace it by itself.",
                    pod.name,
                    match set.spec.update_strategy {
                        UpdateStrategy::OnDelete => "OnDelete",
                        UpdateStrategy::RollingUpdate { .. }
                            if set.spec.pod_management_policy == PodManagementPolicy::OrderedReady =>
                        {
                            "OrderedReady waits on a pod that is not Running and Ready, and"
                        }
                        UpdateStrategy::RollingUpdate { .. } => "below the partition the rolling update",
                    }
                ),
            }
        }
        None => format!("in the pod (kubectl set image pod/{} {container}=<image>).", pod.name),
    };
    Some(Finding {
        id: "image-name-invalid",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!(
            "{}'s container {container} cannot start: the kubelet cannot read the image {image}",
            pod.name
        ),
        explanation: format!(
            "The API server stores any image but an empty one; the kubelet on {node} reads the reference before it \
             pulls anything, and says: {message} (InvalidImageName). No pull is tried, and the pod worker's \
             retries every 10-15 s fail the same way, so the pod stays Pending until its image changes.{}",
            blocks(world, pod)
        ),
        fix: format!(
            "Write the image as the container runtime reads it: a lower-case repository name, a tag of letters, \
             digits, '_', '.' and '-' after a single ':', a digest after '@'; {change}"
        ),
    })
}

/// A container whose `imagePullPolicy` is `Never` on a node without its
/// image (`ErrImageNeverPull`, or `Init:ErrImageNeverPull` for an init
/// container): the kubelet never pulls it, and the pod waits until the
/// image is on the node by other means.
fn image_not_on_node(world: &World, pod: &Pod) -> Option<Finding> {
    let held_extra = (pod.extra_containers.iter().zip(&pod.status.extras))
        .find(|(_, status)| status.state == ContainerState::ErrImageNeverPull);
    let mut who = pod.name.clone();
    let (image, since, which) = match (pod.status.container, pod.runtime.init_due) {
        (ContainerState::ErrImageNeverPull, _) => (&pod.image, pod.runtime.pull_started_at?, "its container"),
        (ContainerState::Running | ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff, _)
            if held_extra.is_some() =>
        {
            // The first container runs: the one that cannot start is another.
            let (extra, _) = held_extra?;
            who = format!("{}'s container {}", pod.name, extra.name);
            (&extra.image, pod.runtime.started_at.unwrap_or(pod.created_at), "that container")
        }
        (_, Some((index, since)))
            if pod.runtime.init_held && pod.status.init_failure == Some(InitFailure::ErrImageNeverPull) =>
        {
            (&pod.init_containers[index].image, since, "its init container")
        }
        _ => return None,
    };
    let node = &world.node(pod.node?).name;
    Some(Finding {
        id: "image-not-on-node",
        subject: format!("pod/{}", pod.name),
        since_ms: since.as_millis(),
        summary: format!(
            "{who} cannot start: {node} does not have {image}, and {which}'s imagePullPolicy is Never"
        ),
        explanation: format!(
            "With imagePullPolicy: Never the kubelet never pulls an image: it starts the container only from one \
             already on the node, and reports ErrImageNeverPull otherwise (pkg/kubelet/images). {node} did not \
             have {image} when {which} was due at {since}, nor since, so {who} waits until something else \
             brings it there.{}",
            blocks(world, pod)
        ),
        fix: format!(
            "Put {image} on every node the pod may land on before it comes (a node pool's preloadedImages; in a \
             cluster, the machine image, a pre-pulling DaemonSet or `kind load docker-image`), or let the kubelet \
             pull it: imagePullPolicy IfNotPresent."
        ),
    })
}

/// A container that cannot pull its image (`ErrImagePull`,
/// `ImagePullBackOff`) while some node has it from an earlier pull: the
/// registry refuses it (a tag deleted or never pushed, the registry down or
/// rate-limiting), and only the containers that ask the registry see it,
/// those that land on a node without the image or whose policy is
/// `Always`. An image no node ever had is a bad reference, which the
/// rollout finding explains.
fn image_gone_from_registry(world: &World, pod: &Pod, end: SimTime) -> Option<Finding> {
    let pulling = |state: ContainerState| {
        matches!(state, ContainerState::ErrImagePull | ContainerState::ImagePullBackOff)
    };
    // The first container's, or else another's (kubectl shows the first
    // failing container's reason).
    let image = if pulling(pod.status.container) {
        &pod.image
    } else {
        let failing = pod.extra_containers.iter().zip(&pod.status.extras).find(|(_, s)| pulling(s.state));
        &failing?.0.image
    };
    let node = world.node(pod.node?);
    let key = crate::config::normalized_image(image);
    let holders: Vec<&str> = world
        .live_nodes()
        .filter(|n| world.image_on_node(n.id, &key).is_some_and(|at| at <= end))
        .map(|n| n.name.as_str())
        .collect();
    if holders.is_empty() {
        return None;
    }
    let others: Vec<&str> = holders.iter().copied().filter(|h| *h != node.name).collect();
    let (why, elsewhere) = if holders.contains(&node.name.as_str()) {
        (
            format!(
                "{} has the image, but {}'s imagePullPolicy is Always: the kubelet asks the registry at every \
                 start, and the registry refuses it",
                node.name, pod.name
            ),
            format!(" With IfNotPresent it would start from {}'s copy.", node.name),
        )
    } else {
        (
            format!(
                "{} has never had the image, so the kubelet must pull it, and the registry refuses it",
                node.name
            ),
            if others.is_empty() {
                String::new()
            } else {
                format!(
                    " Meanwhile {} {} it from earlier pulls and {} containers of it without asking the registry \
                     (IfNotPresent): the outage shows only when a pod lands on a node without the image, or asks.",
                    list(&others),
                    if others.len() == 1 { "has" } else { "have" },
                    if others.len() == 1 { "starts" } else { "start" }
                )
            },
        )
    };
    Some(Finding {
        id: "image-gone-from-registry",
        subject: format!("pod/{}", pod.name),
        since_ms: pod.created_at.as_millis(),
        summary: format!(
            "{} cannot pull {image} on {}: the registry refuses it ({})",
            pod.name,
            node.name,
            pod.display_status(world.kubectl())
        ),
        explanation: format!(
            "{why}: ErrImagePull, then ImagePullBackOff, tried again with a back-off of up to 5 minutes.{elsewhere}{}",
            blocks(world, pod)
        ),
        fix: format!(
            "Make {image} pullable again (push the tag back, fix the registry or its credentials), or move to an \
             image the registry serves; refer to images by digest so a tag cannot vanish under running pods. \
             Until then, a pod starts only on a node that has the image, and only with IfNotPresent."
        ),
    })
}

/// Names joined as English does: `a`, `a and b`, `a, b and c`.
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The class `claim` names when no StorageClass defines it but a volume
/// made before the run carries it: a name for static binding only.
fn static_class_of<'w>(world: &'w World, claim: &'w Pvc) -> Option<&'w str> {
    let name = claim.storage_class_name.as_deref().filter(|n| !n.is_empty())?;
    (claim.storage_class.is_none() && world.pvs.iter().any(|pv| pv.class_name == name)).then_some(name)
}
