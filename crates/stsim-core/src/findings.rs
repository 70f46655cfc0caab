//! Findings: problems of the modelled cluster, explained.
//!
//! Owns the checks that turn a finished run into statements a person can act
//! on: what is wrong, since when, why (cause and effect, in plain words),
//! and what would fix it. Findings are about the simulated cluster, never
//! about the engine: engine bugs are assertions.
//!
//! Does not change the world; reads the world and the trace.

use crate::config::{ImageBehaviour, PodManagementPolicy, UpdateStrategy};
use crate::objects::*;
use crate::pricing::Money;
use crate::time::SimTime;
use crate::trace::{Actor, Event, Kind, Trace};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// The ids of every kind of finding, for scenarios that expect one.
pub const IDS: &[&str] = &[
    "rollout-stuck",
    "orphaned-volumes",
    "released-volumes",
    "volume-data-deleted",
    "claim-deleted-while-needed",
    "claim-removed-while-in-use",
    "pod-stuck-terminating",
    "pod-on-lost-node",
    "pod-unschedulable",
    "volume-multi-attach",
    "volume-not-provisioned",
    "drain-blocked",
    "identity-duplicated",
    "service-missing",
    "service-mismatch",
    "writes-lost",
    "pod-rejected",
    "node-name-unknown",
    "pod-invalid",
    "image-not-on-node",
    "image-gone-from-registry",
    "image-name-invalid",
    "pod-not-recreated",
    "pod-name-taken",
    "finalizer-held",
    "pod-sandbox-failed",
    "killed-at-grace-end",
    "startup-probe-failed",
    "ordered-start-stuck",
];

mod probes;
mod shutdown;
mod stuck;

/// One problem, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// A stable identifier of the kind of problem, like `rollout-stuck`.
    pub id: &'static str,
    /// The object concerned, `kind/name`.
    pub subject: String,
    /// When the problem began, in ms.
    pub since_ms: u64,
    /// One line.
    pub summary: String,
    /// Cause and effect, in plain words.
    pub explanation: String,
    /// What would fix it.
    pub fix: String,
}

/// Every finding of a run that ended at `end`.
pub fn all(world: &World, trace: &Trace, end: SimTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(stuck::all(world, end));
    let refused = names_refused(world, trace);
    for set in world.statefulsets.iter().filter(|s| s.removed_at.is_none()) {
        findings.extend(rollout_stuck(world, set, end));
        findings.extend(ordered_start_stuck(world, set, end));
        findings.extend(pod_not_recreated(world, set));
        findings.extend(pod_names_taken(world, set, refused.get(&set.id).map_or(&[], Vec::as_slice)));
    }
    findings.extend(orphaned_volumes(world, end));
    findings.extend(data_deleted_then_recreated(world, trace));
    findings.extend(claims_deleted_while_needed(world, trace));
    findings.extend(claims_removed_while_in_use(world, trace));
    findings.extend(services_missing(world));
    findings.extend(services_mismatched(world));
    findings.extend(writes_lost(world));
    findings.extend(pods_rejected(world, trace));
    findings.extend(sandboxes_failed(world, trace));
    findings.extend(node_names_unknown(world, trace, end));
    findings.extend(pods_invalid(world, trace));
    findings.extend(claims_invalid(world, trace));
    findings.extend(finalizers_held(world, end));
    findings.extend(shutdown::killed(world));
    findings.extend(probes::startup_failed(world, trace));
    findings
}

/// How long a deleted object may wait for its finalizers before a run's end
/// calls it held: the controller that owns a finalizer removes it once its
/// cleanup is done, which takes it seconds, not minutes.
const FINALIZER_GRACE: crate::time::SimDuration = crate::time::SimDuration::from_secs(60);

/// Custom resources deleted and still there at the end, held by finalizers
/// for more than [`FINALIZER_GRACE`]. A delete of an object with finalizers
/// only sets its deletion timestamp; the API server removes it once the
/// last finalizer is gone (k8s.io/apiserver registry/generic/registry
/// `store.go`, `updateForGracefulDeletionAndFinalizers`), and removing one
/// is the job of the controller that added it: an operator that adds a
/// finalizer and never removes it (it ignores deletions, or its cleanup
/// keeps failing) leaves the object Terminating for ever.
fn finalizers_held(world: &World, end: SimTime) -> Vec<Finding> {
    let custom = &world.custom;
    (custom.live())
        .filter_map(|object| {
            let since = object.deletion_timestamp?;
            if object.finalizers.is_empty() || end.since(since) < FINALIZER_GRACE {
                return None;
            }
            let kind = &custom.kinds[object.kind];
            let held_by: Vec<String> = object.finalizers.iter().map(|f| format!("{f:?}")).collect();
            let held_by = held_by.join(", ");
            let resource = format!("{}.{}", kind.plural, kind.group);
            Some(Finding {
                id: "finalizer-held",
                subject: format!("{}/{}", kind.kind.to_lowercase(), object.name),
                since_ms: since.as_millis(),
                summary: format!(
                    "{} {} was deleted at {since} and is still Terminating, held by {held_by}",
                    kind.kind, object.name
                ),
                explanation: format!(
                    "A delete of an object with finalizers only marks it (its deletionTimestamp); the API server removes it \
                     once the last finalizer is removed, which is the job of the controller that added it. {} is still \
                     there {} later: nothing removed {held_by}, so {} {} stays Terminating, its name taken, and whatever \
                     waits for it to go (its owner deleted in the foreground, its namespace) waits too.",
                    object.name,
                    end.since(since),
                    kind.kind,
                    object.name
                ),
                fix: format!(
                    "Have the controller that adds {held_by} remove it when it sees the deletionTimestamp, once its cleanup is \
                     done (and make that cleanup idempotent, so a retry can finish it). By hand, once the cleanup is known \
                     done: kubectl patch {resource} {} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'",
                    object.name
                ),
            })
        })
        .collect()
}

/// Pods whose creates the API server refused as invalid (each name once),
/// explained by the fields its last answer names. A StatefulSet's pods get
/// labels and a hostname from its name that nothing checked when the set
/// was created: `controller-revision-hash` (`<set>-<hash>`),
/// `statefulset.kubernetes.io/pod-name` and the hostname (`<set>-<ordinal>`),
/// each at most 63 characters, so a set whose name leaves no room for them
/// never gets a pod (kubernetes/kubernetes#64023). And a pod's images are
/// checked as the set's template was not: one with white space around it
/// is refused (`validateContainersOnlyForPod`), and so is one whose
/// template's spec the API server would refuse in any pod (it does not
/// validate a set's pod template: `PodTemplate::create_errors`). Either way
/// the controller retries with back-off for ever.
fn pods_invalid(world: &World, trace: &Trace) -> Vec<Finding> {
    refused_as_invalid(trace, Kind::PodCreateInvalid)
        .into_iter()
        .map(|(name, (since, count, message))| {
            let set = parse_pod_name(name).and_then(|(set, _)| {
                world.statefulsets.iter().find(|s| s.removed_at.is_none() && s.name == set)
            });
            // The API server's answer names the fields it refused
            // (`api::validation`): labels and hostname, images, volumes
            // and mounts.
            let names = message.contains("metadata.labels: ") || message.contains("spec.hostname: ");
            let images = message.contains("].image: Invalid value: ");
            let mounts = message.contains("].volumeMounts[") || message.contains("spec.volumes[");
            let mut why = String::new();
            let mut fixes = Vec::new();
            match set {
                Some(set) => {
                    if names {
                        let revision = set.revisions.last().map_or("", |r| r.name.as_str());
                        // The longest value the set's name puts in a pod: its
                        // revision's name, or the pod's own (ordinals grow).
                        let longest = revision.len().max(name.len());
                        let shorter = set.name.len().saturating_sub(longest.saturating_sub(63));
                        why.push_str(&format!(
                            " StatefulSet {} labels each pod controller-revision-hash={revision} (its \
                             ControllerRevision's name: the set's name, a dash and a hash) and \
                             statefulset.kubernetes.io/pod-name={name}, and makes the pod's name its hostname; \
                             each is limited to 63 characters, and the set's own name ({} characters) was \
                             never checked against that.",
                            set.name,
                            set.name.len()
                        ));
                        fixes.push(format!(
                            "Name the StatefulSet with at most {shorter} characters (a set's name cannot be \
                             changed: create it anew under the shorter name and delete this one), so that its \
                             revision label and its pods' names fit in 63 characters."
                        ));
                    }
                    if images {
                        why.push_str(&format!(
                            " StatefulSet {}'s template was accepted with that image: the API server checks \
                             a pod's images for white space around them, not a template's, so it refuses each \
                             pod the controller makes from the template.",
                            set.name
                        ));
                        fixes.push(format!(
                            "Write the image without the white space around it (kubectl set image \
                             statefulset/{} <container>=<image>); the controller then makes the pods at the new \
                             revision.",
                            set.name
                        ));
                    }
                    if mounts {
                        let claims: Vec<&str> =
                            set.spec.volume_claim_templates.iter().map(|c| c.name.as_str()).collect();
                        let claims = match claims.as_slice() {
                            [] => "none".to_string(),
                            names => names.join(", "),
                        };
                        why.push_str(&format!(
                            " StatefulSet {}'s template was accepted with those volumes and mounts: the API \
                             server does not check a set's pod template against its volumes (the controller \
                             adds one per volumeClaimTemplate to each pod it makes), so it checks each pod, and \
                             a pod's mount must name one of its volumes: the template's own and the claim \
                             templates' ({claims}).",
                            set.name
                        ));
                        fixes.push(format!(
                            "Make each volumeMount name a volume the pod has: one of the template's `volumes` or \
                             a volumeClaimTemplate ({claims}); the template can be changed in place (kubectl \
                             apply), and the controller then makes the pods at the new revision."
                        ));
                    }
                    why.push_str(match names {
                        true => " Every retry is refused the same way, so the set never has a pod.",
                        false => " Every retry is refused the same way while the template stays so.",
                    });
                }
                None => {
                    if names {
                        fixes.push(
                            "Make the pod's labels and hostname valid: label values and hostnames are at most 63 \
                             characters of the allowed form."
                                .to_string(),
                        );
                    }
                    if images {
                        fixes.push("Write the pod's images without white space around them.".to_string());
                    }
                    if mounts {
                        fixes.push("Make each volumeMount name one of the pod's volumes.".to_string());
                    }
                }
            }
            Finding {
                id: "pod-invalid",
                subject: set.map_or_else(|| format!("pod/{name}"), |set| format!("statefulset/{}", set.name)),
                since_ms: since.as_millis(),
                summary: format!("{name} cannot be created: the API server refused it as invalid {count} time(s)"),
                explanation: format!("The API server answers: {message}.{why}"),
                fix: fixes.join(" "),
            }
        })
        .collect()
}

/// The creates of `kind` (pods' or claims') the API server refused as
/// invalid, by name: the first refusal, how many, the last message.
fn refused_as_invalid(trace: &Trace, kind: Kind) -> BTreeMap<&str, (SimTime, u32, &str)> {
    let mut seen: BTreeMap<&str, (SimTime, u32, &str)> = BTreeMap::new();
    for record in trace.records.of_kinds(&[kind]) {
        if let Event::PodCreateInvalid { name, message } | Event::PvcCreateInvalid { name, message } =
            &record.event
        {
            let entry = seen.entry(name.as_str()).or_insert((record.at, 0, message));
            entry.1 += 1;
            entry.2 = message;
        }
    }
    seen
}

/// Claims of a StatefulSet whose creates the API server refused as invalid
/// (each name once): before 1.34 the set's create does not validate its
/// `volumeClaimTemplates` (k/k PR #132212 added it), so the set is
/// accepted and each claim the controller makes from a template that
/// fails a claim's validation is refused; `CreateStatefulPod` makes no pod
/// before its claims, so the pod never appears (kubernetes/kubernetes#132211).
/// The controller retries with back-off for ever.
fn claims_invalid(world: &World, trace: &Trace) -> Vec<Finding> {
    refused_as_invalid(trace, Kind::PvcCreateInvalid)
        .into_iter()
        .map(|(name, (since, count, message))| {
            let set = world.statefulsets.iter().filter(|s| s.removed_at.is_none()).find(|s| {
                s.spec.volume_claim_templates.iter().any(|t| name.starts_with(&format!("{}-{}-", t.name, s.name)))
            });
            let (subject, why, fix) = match set {
                Some(set) => (
                    format!("statefulset/{}", set.name),
                    format!(
                        " StatefulSet {} was accepted with that volumeClaimTemplate: before 1.34 the API server \
                         does not check a set's claim templates, so it refuses each claim the controller makes \
                         from it, and the controller makes no pod before its claims. Every retry is refused the \
                         same way, so the pod never appears.",
                        set.name
                    ),
                    format!(
                        "Fix the volumeClaimTemplate as the message says. volumeClaimTemplates cannot be changed in \
                         place: delete StatefulSet {} (kubectl delete --cascade=orphan keeps its pods) and create it \
                         again with the template fixed; from 1.34 the API server refuses such a set outright.",
                        set.name
                    ),
                ),
                None => (
                    format!("pvc/{name}"),
                    String::new(),
                    "Make the claim valid as the message says.".to_string(),
                ),
            };
            Finding {
                id: "claim-invalid",
                subject,
                since_ms: since.as_millis(),
                summary: format!("{name} cannot be created: the API server refused it as invalid {count} time(s)"),
                explanation: format!("The API server answers: {message}.{why}"),
                fix,
            }
        })
        .collect()
}

/// Pods whose `spec.nodeName` names no Node (each pod name once): the API
/// server accepts any name, no kubelet takes the pod and the scheduler
/// never looks at it, so it stays Pending until the pod GC deletes it after
/// its quarantine; a StatefulSet then makes it again with the same name.
fn node_names_unknown(world: &World, trace: &Trace, end: SimTime) -> Vec<Finding> {
    // By pod name: since, the nodeName, the deletions by the pod GC.
    let mut seen: BTreeMap<&str, (SimTime, &str, u32)> = BTreeMap::new();
    let unbound = |pod: &Pod| pod.node.is_none() && pod.node_name.is_some();
    for pod in world.pods.iter().filter(|p| unbound(p) && p.created_at <= end) {
        let name = pod.node_name.as_deref().expect("filtered");
        if !world.live_nodes().any(|n| n.name == name) {
            seen.entry(pod.name.as_str()).or_insert((pod.created_at, name, 0));
        }
    }
    for record in trace.records.of_kinds(&[Kind::PodEvicted]) {
        if let Event::PodEvicted { pod, reason: "DeletionByPodGC", .. } = &record.event
            && let Some(entry) = seen.get_mut(world.pod(*pod).name.as_str())
        {
            entry.2 += 1;
        }
    }
    let nodes: Vec<&str> = world.live_nodes().map(|n| n.name.as_str()).collect();
    seen.into_iter()
        .map(|(pod, (since, node, deleted))| {
            let close = nodes.iter().min_by_key(|n| strsim_distance(n, node)).copied();
            let guess = close.map_or(String::new(), |n| format!(" (did you mean {n}?)"));
            let again = if deleted > 0 {
                format!(
                    " The pod garbage collector deleted it {deleted} time(s), each 40 s (its quarantine) after its \
                     next pass found the name missing; its StatefulSet made it again at once, with the same nodeName."
                )
            } else {
                String::new()
            };
            Finding {
                id: "node-name-unknown",
                subject: format!("pod/{pod}"),
                since_ms: since.as_millis(),
                summary: format!("{pod}'s spec.nodeName {node} names no Node: it never runs"),
                explanation: format!(
                    "spec.nodeName binds a pod without the scheduler, and the API server accepts any name. No Node is \
                     called {node}, so no kubelet takes {pod} and it stays Pending.{again}"
                ),
                fix: format!(
                    "Name an existing node{guess}, or pin with a nodeSelector on kubernetes.io/hostname: the scheduler \
                     then keeps the pod Pending with its reason until such a node exists."
                ),
            }
        })
        .collect()
}

/// How many single-character edits turn `a` into `b` (Levenshtein).
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Pods whose sandbox the kubelet cannot make, still waiting at the end:
/// their spec asks for a kernel hostname the node cannot give
/// (`kubelet::sandbox_hostname`), so every sync fails the same way, and
/// a StatefulSet's `OrderedReady` start and rolling update wait behind
/// the first such pod for ever.
fn sandboxes_failed(world: &World, trace: &Trace) -> Vec<Finding> {
    let mut findings = Vec::new();
    for record in trace.records.of_kinds(&[Kind::PodSandboxFailed]) {
        let Event::PodSandboxFailed { pod: id, message } = &record.event else { continue };
        let pod = world.pod(*id);
        if !pod.exists() || pod.is_terminating() {
            continue;
        }
        let node = pod.node.map_or("its node", |n| world.node(n).name.as_str());
        // The one sandbox config the kubelet cannot make here is an FQDN
        // too long for the kernel (`kubelet::sandbox_hostname`).
        let why = "setHostnameAsFQDN: true makes the kubelet set the pod's kernel hostname to its fully qualified \
                   name, <hostname>.<subdomain>.<namespace>.svc.<domain>, and the kernel's hostname holds 64 \
                   characters.";
        let (why, fix) = match pod.owner.map(|s| world.sts(s)) {
            Some(set) => (
                format!(
                    "{why} A StatefulSet's pod name repeats the set's name ({}), and the governing Service's \
                     name ({}) often repeats it again.",
                    set.name, pod.subdomain
                ),
                format!(
                    "Drop setHostnameAsFQDN from StatefulSet {}'s template, or shorten the set's or the Service's \
                     name until the FQDN fits in 64 characters. A pod's spec cannot be changed: {}",
                    set.name,
                    // Under Parallel a rolling update replaces a pod that
                    // is not Ready, at or above the partition; OrderedReady
                    // waits on it first, and OnDelete replaces only what is
                    // deleted.
                    match (set.spec.pod_management_policy, set.spec.update_strategy) {
                        (
                            crate::config::PodManagementPolicy::Parallel,
                            crate::config::UpdateStrategy::RollingUpdate { partition, .. },
                        ) if pod.ordinal.is_some_and(|o| o >= set.start_ordinal() + partition) => {
                            format!("the rolling update replaces {} once the template changes.", pod.name)
                        }
                        _ => format!(
                            "update the template, then delete {} so that it is made again from it (the \
                             StatefulSet documentation's forced rollback).",
                            pod.name
                        ),
                    }
                ),
            ),
            None => (
                why.to_string(),
                format!(
                    "Re-create {} without setHostnameAsFQDN, or with a shorter hostname or subdomain.",
                    pod.name
                ),
            ),
        };
        findings.push(Finding {
            id: "pod-sandbox-failed",
            subject: format!("pod/{}", pod.name),
            since_ms: record.at.as_millis(),
            summary: format!("the kubelet of {node} cannot make {}'s sandbox, so it stays ContainerCreating", pod.name),
            explanation: format!(
                "Each sync of {} fails before any container starts: {message} (FailedCreatePodSandBox, retried every \
                 10-15 s). {why}",
                pod.name
            ),
            fix,
        });
    }
    findings
}

/// Pods the kubelet's admission rejected (each name once: how often, the
/// first time, the last reason). A pod whose `spec.nodeName` was written
/// never met the scheduler, so its node's kubelet was the first to judge it;
/// a StatefulSet re-creates a Failed pod at once, so a pod the node cannot
/// take is made and rejected again and again.
fn pods_rejected(world: &World, trace: &Trace) -> Vec<Finding> {
    // By name: first rejection, count, last rejected pod, reason, message.
    let mut seen: BTreeMap<&str, (SimTime, u32, PodId, &'static str, &str)> = BTreeMap::new();
    for record in trace.records.of_kinds(&[Kind::PodRejected]) {
        if let Event::PodRejected { pod, reason, message } = &record.event {
            let name = world.pod(*pod).name.as_str();
            let entry = seen.entry(name).or_insert((record.at, 0, *pod, reason, message));
            entry.1 += 1;
            (entry.2, entry.3, entry.4) = (*pod, reason, message);
        }
    }
    seen.into_iter()
        .map(|(name, (since, count, id, reason, message))| {
            let pod = world.pod(id);
            let node = pod.node.map_or_else(|| "its node".to_string(), |n| world.node(n).name.clone());
            let how = match &pod.node_name {
                Some(_) => format!(
                    "Its spec.nodeName binds it to {node} without the scheduler, so nothing checked the node before \
                     its kubelet did"
                ),
                None => format!("It was bound to {node}"),
            };
            let again = match pod.owner {
                Some(set) => format!(
                    " StatefulSet {} deletes a Failed pod and makes it again at once, so while the node cannot take \
                     it a new {name} is made and rejected about once a second.",
                    world.sts(set).name
                ),
                None => String::new(),
            };
            let fix = match reason {
                "NodePorts" => format!(
                    "Free the host port on {node} (delete the pod holding it), or drop nodeName: the scheduler's \
                     NodePorts filter then places {name} on a node where the port is free."
                ),
                "NodeAffinity" => "Make nodeName agree with the pod's nodeSelector and node affinity, or drop nodeName."
                    .to_string(),
                "TaintToleration" => format!("Tolerate {node}'s NoExecute taint, or name another node."),
                _ => format!(
                    "Give {node} room, or pin with a nodeSelector on kubernetes.io/hostname instead of nodeName: the \
                     scheduler then keeps {name} Pending until it fits, and nothing churns."
                ),
            };
            Finding {
                id: "pod-rejected",
                subject: format!("pod/{name}"),
                since_ms: since.as_millis(),
                summary: format!("{name} was rejected by the kubelet of {node} {count} time(s): {reason}"),
                explanation: format!(
                    "{how}: its admission refused the pod ({message}) and reported it Failed.{again}"
                ),
                fix,
            }
        })
        .collect()
}

/// Writes a primary/replica database acknowledged and then lost in a
/// failover: the promoted replica lacked them, or the old primary took them
/// after the promotion (split brain) and discarded them when it stepped down.
fn writes_lost(world: &World) -> Vec<Finding> {
    let mut findings = Vec::new();
    for app in &world.apps.list {
        for lost in crate::apps::replication::lost_writes(app) {
            let (from, to) = (SimTime::from_millis(lost.from_ms), SimTime::from_millis(lost.to_ms));
            let promoted_at = SimTime::from_millis(lost.promoted_at_ms);
            let divergent = if lost.divergent_writes > 0 {
                format!(
                    " {} of them were taken after the promotion, while {} and {} both took writes (split brain).",
                    lost.divergent_writes, lost.member, lost.promoted
                )
            } else {
                String::new()
            };
            findings.push(Finding {
                id: "writes-lost",
                subject: format!("pod/{}", lost.member),
                since_ms: lost.from_ms,
                summary: format!(
                    "{} writes acknowledged by {} between {from} and {to} were lost when {} was promoted at {promoted_at}",
                    lost.writes, lost.member, lost.promoted
                ),
                explanation: format!("{}.{divergent}", lost.cause.join(" -> ")),
                fix: format!(
                    "Promote the most up-to-date replica (the highest reported WAL position), and only once {} is \
                     fenced: its leader lease has expired, or its node is powered off; with synchronous \
                     replication an acknowledged write is on a replica before the client hears of it.",
                    lost.member
                ),
            });
        }
    }
    findings
}

/// A live StatefulSet whose `serviceName` names no Service: the API server
/// accepts that (the field is only a name), the pods get `subdomain` set to
/// it, and no EndpointSlice publishes them, so they have no DNS names and
/// peers that look them up get NXDOMAIN.
fn services_missing(world: &World) -> Vec<Finding> {
    world
        .statefulsets
        .iter()
        // Without a serviceName (optional) the pods have no subdomain, and no
        // Service is looked for: that is the set's design, not a mistake.
        .filter(|set| {
            set.removed_at.is_none()
                && !set.spec.service_name.is_empty()
                && world.service_named(&set.spec.service_name).is_none()
        })
        .map(|set| {
            let service = &set.spec.service_name;
            let example = pod_name(&set.name, set.start_ordinal());
            Finding {
                id: "service-missing",
                subject: format!("statefulset/{}", set.name),
                // Since the last Service of that name went, or from the start.
                since_ms: world
                    .services
                    .iter()
                    .filter(|s| s.name == *service)
                    .filter_map(|s| s.removed_at)
                    .max()
                    .map_or(0, |at| at.as_millis()),
                summary: format!("{}'s serviceName {service} names no Service: its pods have no DNS names", set.name),
                explanation: format!(
                    "A StatefulSet's pods get `subdomain: {service}`, and the records `<pod>.{service}.{}.svc.{}` exist only \
                     while a headless Service named {service} selects them. No Service has that name, so {example} and its \
                     peers resolve to nothing; clients and members that find each other by name fail.",
                    world.namespace, world.cluster_domain
                ),
                fix: format!(
                    "Create a headless Service named {service} (clusterIP: None) selecting the pods' labels; the records \
                     appear as soon as it exists."
                ),
            }
        })
        .collect()
}

/// A StatefulSet whose governing Service exists but publishes no record for
/// some of its pods: the Service has a cluster IP (under kube-dns only a
/// headless one publishes `<pod>.<service>` records; CoreDNS does for
/// either, and the finding says what still goes wrong), or its selector does not match the
/// pods' labels (the EndpointSlice controller lists only the pods it
/// selects, and CoreDNS serves the per-pod records from that list).
fn services_mismatched(world: &World) -> Vec<Finding> {
    let mut findings = Vec::new();
    for set in world.statefulsets.iter().filter(|s| s.removed_at.is_none()) {
        let name = &set.spec.service_name;
        let Some(service) = world.service_named(name).map(|id| world.service(id)) else { continue };
        let pods: Vec<&Pod> =
            set.pods.values().map(|id| world.pod(*id)).filter(|p| p.removed_at.is_none()).collect();
        let records = format!("<pod>.{name}.{}.svc.{}", world.namespace, world.cluster_domain);
        let (summary, explanation, fix, since) = if !service.headless {
            let Some(first) = pods.first() else { continue };
            let (summary, explanation) = match world.dns_config.names_pods_of(service) {
                // CoreDNS answers a pod's name from the endpoints whatever
                // the Service's type (`DnsServer::CoreDns`).
                true => (
                    format!(
                        "{}'s Service {name} is not headless: its pods' names resolve only through CoreDNS",
                        set.name
                    ),
                    format!(
                        "{name} has a cluster IP. CoreDNS still answers {records} for {} and its peers (the \
                         EndpointSlice controller gives each endpoint its pod's hostname whatever the Service's \
                         type), but kube-dns, GKE's default, publishes per-pod records for a headless Service \
                         only, so the same manifests lose every pod's name there; and the Service's own name \
                         answers its one cluster IP, not the members.",
                        first.name
                    ),
                ),
                false => (
                    format!("{}'s Service {name} is not headless: its pods have no DNS names", set.name),
                    format!(
                        "{name} has a cluster IP, so kube-dns answers its name with that one address and \
                         publishes no per-pod records: {records} does not exist for {} and its peers, and \
                         members that find each other by name fail.",
                        first.name
                    ),
                ),
            };
            (
                summary,
                explanation,
                format!(
                    "Make {name} headless (clusterIP: None; the field is immutable, so delete and create it again), \
                     or point serviceName at a headless Service; keep a separate ClusterIP Service for clients."
                ),
                // Since the set's first pod: a cluster IP cannot be removed.
                world
                    .pods
                    .iter()
                    .filter(|p| p.owner == Some(set.id))
                    .map(|p| p.created_at)
                    .min()
                    .unwrap_or(SimTime::ZERO),
            )
        } else {
            let missed: Vec<&&Pod> = pods.iter().filter(|p| !service.selects(&p.labels)).collect();
            let Some(first) = missed.first() else { continue };
            // Since the first pod of the set it missed (pods of the set
            // carry the same template labels, and the selector is rarely
            // changed).
            let since = world
                .pods
                .iter()
                .filter(|p| p.owner == Some(set.id) && !service.selects(&p.labels))
                .map(|p| p.created_at)
                .min()
                .unwrap_or(SimTime::ZERO);
            (
                format!(
                    "{}'s Service {name} does not select {} of its {} pods: they have no DNS names",
                    set.name,
                    missed.len(),
                    pods.len()
                ),
                format!(
                    "{name} {}, so the Service's EndpointSlice does not list {pod} and CoreDNS publishes \
                     no record {pod}.{name}.{}.svc.{}. Its peers and clients cannot find it by name, though it may run \
                     and be Ready.",
                    service.misses(&first.name, &first.labels),
                    world.namespace,
                    world.cluster_domain,
                    pod = first.name
                ),
                format!(
                    "Make {name}'s selector match the labels of {}'s pod template (kubectl get endpointslices -l \
                     kubernetes.io/service-name={name} shows whom it lists).",
                    set.name
                ),
                since,
            )
        };
        findings.push(Finding {
            id: "service-mismatch",
            subject: format!("statefulset/{}", set.name),
            since_ms: since.as_millis(),
            summary,
            explanation,
            fix,
        });
    }
    findings
}

/// A claim deleted (by a person or an operator) while a pod used it or its
/// StatefulSet still wanted it: pvc-protection holds a claim in use until
/// the pod stops; either way the data goes, and the pod's next start finds
/// an empty volume. Whoever asked acted on a wrong or stale belief.
fn claims_deleted_while_needed(world: &World, trace: &Trace) -> Vec<Finding> {
    // Whether each claim is orphaned, as the run goes (the cost tool's marks).
    let mut orphaned: BTreeMap<PvcId, bool> = BTreeMap::new();
    let mut asked: BTreeMap<PvcId, ()> = BTreeMap::new();
    let mut findings = Vec::new();
    let kinds = [Kind::PvcOrphaned, Kind::PvcInUse, Kind::PvcDeleting, Kind::PvcRemoved];
    for record in trace.records.of_kinds(&kinds) {
        let pvc = match record.event {
            Event::PvcOrphaned { pvc, .. } => {
                orphaned.insert(pvc, true);
                continue;
            }
            Event::PvcInUse { pvc } => {
                orphaned.insert(pvc, false);
                continue;
            }
            // A retention policy's deletion waits for its pod by design.
            _ if record.actor == Actor::GarbageCollector => continue,
            Event::PvcDeleting { pvc } => {
                asked.insert(pvc, ());
                pvc
            }
            // Removed at once (unused) without a pvc-protection wait first.
            Event::PvcRemoved { pvc }
                if !asked.contains_key(&pvc) && matches!(record.actor, Actor::User | Actor::Operator(_)) =>
            {
                pvc
            }
            _ => continue,
        };
        if orphaned.get(&pvc).copied().unwrap_or(false) {
            continue;
        }
        let claim = world.pvc(pvc);
        // The claim of a pod the StatefulSet scaled away (its ordinal out of
        // range, the pod terminating or gone) is what a correct cleaner
        // deletes, unless the set wants the ordinal back while the claim
        // still exists: then a pod comes back to it.
        if scaled_away(world, trace, claim, record.at) {
            continue;
        }
        let who = crate::trace::actor_name(world, record.actor);
        let users: Vec<&str> = world
            .pods
            .iter()
            .filter(|p| p.claims.contains(&claim.name) && p.created_at <= record.at)
            .filter(|p| p.removed_at.is_none_or(|gone| gone > record.at))
            .map(|p| p.name.as_str())
            .collect();
        let needed = match users.as_slice() {
            [] => format!(
                "{} still wanted it",
                claim.statefulset.map_or("its StatefulSet", |s| world.sts(s).name.as_str())
            ),
            // Removed at once: the pods that named it were not scheduled yet.
            users if matches!(record.event, Event::PvcRemoved { .. }) => {
                format!("{} waited for it", users.join(", "))
            }
            users => format!("{} used it", users.join(", ")),
        };
        // Gone while a pod still stood: its pvc-protection finalizer was removed.
        let unheld = claim.removed_at.is_some_and(|gone| {
            world.pods.iter().any(|p| {
                p.claims.contains(&claim.name)
                    && p.created_at <= gone
                    && p.removed_at.is_none_or(|end| end > gone)
                    && p.history.phase_at(gone) == PodPhase::Running
            })
        });
        // What went with it: a claim never bound held no data yet.
        let data = if claim.volume.is_some() { "with its data" } else { "before any volume was bound to it" };
        // Removed at once although pods named it: none was scheduled, and
        // pvc-protection holds a claim only for a scheduled pod (`podUsesPVC`).
        let at_once = matches!(record.event, Event::PvcRemoved { .. });
        let fate = match (claim.removed_at, users.is_empty()) {
            (Some(_), false) if at_once => format!(
                "No pod that named it was scheduled yet, and pvc-protection holds a claim only for a scheduled \
                 pod, so it went at once, {data}."
            ),
            (Some(at), false) if unheld => format!(
                "pvc-protection held it while the pod ran, until its finalizer was removed: it went at {at}, \
                 under the running pod, with its data (see claim-removed-while-in-use)."
            ),
            (Some(at), false) => {
                format!("pvc-protection held it while the pod ran; it was removed at {at}, {data}.")
            }
            (Some(_), true) => format!("Nothing used it at that instant, so it went at once, {data}."),
            (None, _) => {
                "It is still Terminating, and goes, with its data, the next time its pod stops.".to_string()
            }
        };
        findings.push(Finding {
            id: "claim-deleted-while-needed",
            subject: format!("pvc/{}", claim.name),
            since_ms: record.at.as_millis(),
            summary: format!("{who} deleted {} at {} while {needed}", claim.name, record.at),
            explanation: format!(
                "{fate} The claim was not orphaned: a pod used it, or its StatefulSet's replicas still \
                 included its ordinal, so a pod would use it again. {who} acted on a wrong or stale picture \
                 of the cluster."
            ),
            fix: format!(
                "Delete a StatefulSet's claim only when its ordinal is outside the set's current range and no \
                 pod uses it, checked against fresh state; {who} should re-read before deleting."
            ),
        });
    }
    findings
}

/// A claim that left the API server while a pod was running on it: only
/// possible once a client removed its `kubernetes.io/pvc-protection`
/// finalizer (the well-known "fix" of a claim stuck Terminating), since
/// that finalizer holds a deleted claim until its pods are gone. Its volume
/// was reclaimed under the running pod (deleted with `Delete`, Released
/// with `Retain`), and the pod's next incarnation gets a new, empty claim.
fn claims_removed_while_in_use(world: &World, trace: &Trace) -> Vec<Finding> {
    // Who last removed the finalizer of each claim, and when.
    let mut unprotected: BTreeMap<PvcId, (SimTime, Actor)> = BTreeMap::new();
    let mut findings = Vec::new();
    for record in trace.records.of_kinds(&[Kind::PvcPatched, Kind::PvcRemoved]) {
        match &record.event {
            Event::PvcPatched { pvc, change } if change.starts_with("finalizers [") => {
                if change.contains(PVC_PROTECTION) {
                    unprotected.remove(pvc);
                } else {
                    unprotected.insert(*pvc, (record.at, record.actor));
                }
            }
            Event::PvcRemoved { pvc } => {
                let Some((when, who)) = unprotected.get(pvc).copied() else { continue };
                let claim = world.pvc(*pvc);
                let at = record.at;
                let running: Vec<&str> = world
                    .pods
                    .iter()
                    .filter(|p| p.claims.contains(&claim.name) && p.created_at <= at)
                    .filter(|p| p.removed_at.is_none_or(|gone| gone > at))
                    .filter(|p| p.history.phase_at(at) == PodPhase::Running)
                    .map(|p| p.name.as_str())
                    .collect();
                if running.is_empty() {
                    continue;
                }
                let who = crate::trace::actor_name(world, who);
                let volume = claim.volume.map(|pv| world.pv(pv));
                let fate = match volume.map(|v| v.reclaim_policy) {
                    Some(crate::config::ReclaimPolicy::Delete) => format!(
                        "its volume {} was Released for deletion (reclaim policy Delete): no claim binds it \
                         again, and its provisioner deletes the disk with its data once the disk is detached",
                        volume.map_or("", |v| v.name.as_str())
                    ),
                    Some(crate::config::ReclaimPolicy::Retain) => format!(
                        "its volume {} was Released (reclaim policy Retain): the data stays on the disk, \
                         but no claim binds it again by itself",
                        volume.map_or("", |v| v.name.as_str())
                    ),
                    None => "it had no volume yet".to_string(),
                };
                findings.push(Finding {
                    id: "claim-removed-while-in-use",
                    subject: format!("pvc/{}", claim.name),
                    since_ms: at.as_millis(),
                    summary: format!(
                        "{} went at {at} while {} ran on it: {who} removed its pvc-protection finalizer at {when}",
                        claim.name,
                        running.join(", ")
                    ),
                    explanation: format!(
                        "The kubernetes.io/pvc-protection finalizer keeps a deleted claim until no pod uses it. \
                         {who} removed it, so the deleted claim went at once, and {fate}. {} keeps running on \
                         the volume it has mounted until it stops; the pod made in its place gets a new, empty \
                         claim from its StatefulSet.",
                        running.join(", ")
                    ),
                    fix: "Never remove kubernetes.io/pvc-protection: a claim stuck Terminating is waiting for \
                          the pod that uses it. Delete (or scale away) that pod and the claim goes by itself; \
                          keep the claim (do not delete it) if the pod will come back."
                        .to_string(),
                });
            }
            _ => {}
        }
    }
    findings
}

/// The replicas of StatefulSet `sts` at `at`, from its scale records.
fn replicas_at(world: &World, trace: &Trace, sts: StsId, at: SimTime) -> u32 {
    let mut replicas = None;
    for record in trace.records.of_kinds(&[Kind::StatefulSetScaled]) {
        if let Event::StatefulSetScaled { sts: s, from, to } = record.event
            && s == sts
        {
            if record.at > at {
                return replicas.unwrap_or(from);
            }
            replicas = Some(to);
        }
    }
    replicas.unwrap_or(world.sts(sts).spec.replicas)
}

/// Whether `claim`, deleted at `at`, belonged to an ordinal its
/// StatefulSet had scaled away then, whose pods were terminating or gone,
/// and that the set did not want back while the claim existed.
fn scaled_away(world: &World, trace: &Trace, claim: &Pvc, at: SimTime) -> bool {
    let Some(sts) = claim.statefulset else { return false };
    let set = world.sts(sts);
    if set.removed_at.is_some_and(|gone| gone <= at) {
        return false;
    }
    let Some(ordinal) =
        set.spec.volume_claim_templates.iter().find_map(|t| claim_ordinal(&claim.name, &t.name, &set.name))
    else {
        return false;
    };
    let start = set.spec.ordinals_start;
    let out_of_range = |replicas: u32| ordinal < start || ordinal >= start + replicas;
    if !out_of_range(replicas_at(world, trace, sts, at)) {
        return false;
    }
    let users_leaving = world
        .pods
        .iter()
        .filter(|p| p.claims.contains(&claim.name) && p.created_at <= at)
        .filter(|p| p.removed_at.is_none_or(|gone| gone > at))
        .all(|p| p.deletion_timestamp.is_some_and(|t| t <= at) || p.owner == Some(sts));
    let held_until = claim.removed_at.unwrap_or(SimTime::MAX);
    let wanted_back = trace.records.of_kinds(&[Kind::StatefulSetScaled]).any(|r| {
        r.at > at
            && r.at < held_until
            && matches!(r.event, Event::StatefulSetScaled { sts: s, to, .. } if s == sts && !out_of_range(to))
    });
    users_leaving && !wanted_back
}

/// Volumes that cost money and serve nobody, grouped by the StatefulSet
/// that made them.
fn orphaned_volumes(world: &World, end: SimTime) -> Vec<Finding> {
    let mut groups: BTreeMap<String, Vec<&Pvc>> = BTreeMap::new();
    // A claim still waiting for a volume has no disk to bill.
    for claim in world.live_pvcs().filter(|c| c.orphaned.is_some() && c.volume.is_some()) {
        let set = claim.statefulset.map(|s| world.sts(s).name.clone()).unwrap_or_default();
        groups.entry(set).or_default().push(claim);
    }
    // Retained ones: a Delete volume still Released is on its way out, once
    // detached (`controllers::reclaim`).
    let released: Vec<&Pv> = (world.pvs.iter())
        .filter(|pv| pv.removed_at.is_none() && pv.phase == PvPhase::Released)
        .filter(|pv| pv.reclaim_policy == crate::config::ReclaimPolicy::Retain)
        .collect();
    // `Delete` ones nothing will delete: made by hand, not by a provisioner.
    let honor = world.features.honor_pv_reclaim_policy;
    let undeleted: Vec<&Pv> = world.pvs.iter().filter(|pv| pv.left_by_delete(honor)).collect();
    let monthly = |pv: &Pv| world.volume_monthly(pv);
    let mut findings = Vec::new();
    for (set, claims) in groups {
        let since = claims.iter().filter_map(|c| c.orphaned.as_ref().map(|(at, _)| *at)).min().unwrap_or(end);
        let cost: Money = claims.iter().filter_map(|c| c.volume).map(|pv| monthly(world.pv(pv))).sum();
        let names: Vec<&str> = claims.iter().map(|c| c.name.as_str()).collect();
        let reasons: Vec<String> = claims
            .iter()
            .filter_map(|c| c.orphaned.as_ref().map(|(_, why)| format!("{}: {why}", c.name)))
            .collect();
        let subject = if set.is_empty() { "namespace".to_string() } else { format!("statefulset/{set}") };
        findings.push(Finding {
            id: "orphaned-volumes",
            subject,
            since_ms: since.as_millis(),
            summary: match claims.len() {
                1 => format!("1 orphaned claim keeps costing {cost} per month: {}", names[0]),
                n => format!("{n} orphaned claims keep costing {cost} per month: {}", names.join(", ")),
            },
            explanation: format!(
                "No pod uses these claims and no StatefulSet wants them at its present size. Kubernetes \
                 keeps a StatefulSet's claims on scale-down and deletion unless its \
                 persistentVolumeClaimRetentionPolicy says Delete, and the cloud bills a disk for its \
                 provisioned size until it is deleted. {}.",
                reasons.join("; ")
            ),
            fix: format!(
                "If the data is not needed: kubectl delete pvc {}. To have Kubernetes do this on scale-down \
                 or deletion, set persistentVolumeClaimRetentionPolicy (the data goes with the claims).",
                names.join(" ")
            ),
        });
    }
    if !released.is_empty() {
        let since = released.iter().filter_map(|pv| pv.released_at).min().unwrap_or(end);
        let cost: Money = released.iter().map(|pv| monthly(pv)).sum();
        let names: Vec<&str> = released.iter().map(|pv| pv.name.as_str()).collect();
        findings.push(Finding {
            id: "released-volumes",
            subject: "persistentvolumes".to_string(),
            since_ms: since.as_millis(),
            summary: match released.len() {
                1 => format!("1 Released volume keeps costing {cost} per month: {}", names[0]),
                n => format!("{n} Released volumes keep costing {cost} per month: {}", names.join(", ")),
            },
            explanation: "Their claims were deleted, but their persistentVolumeReclaimPolicy is Retain (a \
                          provisioned volume takes it from its storage class), so each PV stays Released with \
                          its disk, which the cloud keeps billing. A Released PV is not bound again without an \
                          administrator: a new claim of the same name waits (\"already bound to a different \
                          claim\")."
                .to_string(),
            fix: format!(
                "If the data is not needed: kubectl delete pv {}, then delete the disks in the cloud (deleting a \
                 Retain PV does not delete its disk).",
                names.join(" ")
            ),
        });
    }
    if !undeleted.is_empty() {
        let since = undeleted.iter().filter_map(|pv| pv.released_at).min().unwrap_or(end);
        let cost: Money = undeleted.iter().map(|pv| monthly(pv)).sum();
        let names: Vec<&str> = undeleted.iter().map(|pv| pv.name.as_str()).collect();
        let states: Vec<String> = (undeleted.iter())
            .map(|pv| match pv.deleter(honor) {
                crate::objects::Deleter::Missing(message) => format!("{} is Failed ({message})", pv.name),
                _ => format!("{} stays Released (its CSI driver's provisioner did not make it)", pv.name),
            })
            .collect();
        findings.push(Finding {
            id: "volumes-not-deleted",
            subject: "persistentvolumes".to_string(),
            since_ms: since.as_millis(),
            summary: match undeleted.len() {
                1 => format!("1 volume with reclaimPolicy Delete was not deleted and keeps costing {cost} per month: {}", names[0]),
                n => format!(
                    "{n} volumes with reclaimPolicy Delete were not deleted and keep costing {cost} per month: {}",
                    names.join(", ")
                ),
            },
            explanation: format!(
                "Their claims were deleted and their persistentVolumeReclaimPolicy is Delete, but only the \
                 provisioner that made a volume deletes it, and these were made by hand (no \
                 pv.kubernetes.io/provisioned-by annotation): {}. The disks stay, and are billed, until someone \
                 deletes them.",
                states.join("; ")
            ),
            fix: format!(
                "If the data is not needed: kubectl delete pv {}, then delete the disks by hand. Give volumes made \
                 by hand reclaimPolicy Retain, which says what will happen, or let a StorageClass's provisioner \
                 make them.",
                names.join(" ")
            ),
        });
    }
    findings
}

/// A claim deleted (by a retention policy's garbage collection, an operator
/// or a person) and made again later under the same name: the pod came back
/// to an empty volume.
fn data_deleted_then_recreated(world: &World, trace: &Trace) -> Vec<Finding> {
    // Who asked for each claim's deletion: the removal itself may come later
    // (pvc-protection), on the kubelet's or another actor's watch.
    let mut asked: BTreeMap<PvcId, Actor> = BTreeMap::new();
    let mut deleted: BTreeMap<&str, (SimTime, Actor)> = BTreeMap::new();
    let mut findings = Vec::new();
    for record in trace.records.of_kinds(&[Kind::PvcDeleting, Kind::PvcRemoved, Kind::PvcCreated]) {
        match record.event {
            Event::PvcDeleting { pvc } => {
                asked.insert(pvc, record.actor);
            }
            // A claim removed before any volume was bound to it held no
            // data: the claim made again in its place loses nothing.
            Event::PvcRemoved { pvc } if world.pvc(pvc).volume.is_none() => {
                deleted.remove(world.pvc(pvc).name.as_str());
            }
            Event::PvcRemoved { pvc } => {
                let by = asked.get(&pvc).copied().unwrap_or(record.actor);
                deleted.insert(&world.pvc(pvc).name, (record.at, by));
            }
            Event::PvcCreated { pvc } => {
                let claim = world.pvc(pvc);
                if let Some((at, by)) = deleted.remove(claim.name.as_str()) {
                    let set = claim.statefulset.map(|s| world.sts(s));
                    let policy = set.map_or(String::new(), |s| {
                        format!(
                            " (persistentVolumeClaimRetentionPolicy whenScaled: {:?}, whenDeleted: {:?})",
                            s.spec.retention.when_scaled, s.spec.retention.when_deleted
                        )
                    });
                    let set_name = set.map_or("its StatefulSet", |s| s.name.as_str());
                    findings.push(Finding {
                        id: "volume-data-deleted",
                        subject: format!("pvc/{}", claim.name),
                        since_ms: record.at.as_millis(),
                        summary: format!(
                            "{} was deleted at {at} and made again, empty, at {}",
                            claim.name, record.at
                        ),
                        explanation: match by {
                            Actor::GarbageCollector => format!(
                                "The garbage collector deleted {} when its owner went away{policy}, and with it \
                                 the volume's data. When {set_name} needed the ordinal again, the controller \
                                 created a new, empty claim: the pod starts with none of what it stored before.",
                                claim.name
                            ),
                            by => format!(
                                "{} deleted {}, and with it the volume's data, once nothing held it any more (no pod \
                                 used it, or its pvc-protection finalizer was removed). \
                                 When {set_name} needed the ordinal again, the controller created a new, empty \
                                 claim: the pod starts with none of what it stored before.",
                                crate::trace::actor_name(world, by),
                                claim.name
                            ),
                        },
                        fix: "Keep whenScaled: Retain if members must find their data after a scale-down and up \
                              (and pay for the volumes meanwhile), or make sure the application rebuilds a member \
                              from its peers."
                            .to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    findings
}

/// What a pod's container is doing, in words.
fn pod_condition(world: &World, pod: &Pod) -> String {
    if let (Some(failure), Some((index, _))) = (pod.status.init_failure, pod.runtime.init_due) {
        let init = &pod.init_containers[index];
        let doing = match failure {
            InitFailure::Error | InitFailure::CrashLoopBackOff => format!(
                "crashes on start (Init:CrashLoopBackOff, {} restarts), so its container is never created",
                pod.status.inits[index].restarts
            ),
            InitFailure::ErrImagePull | InitFailure::ImagePullBackOff => {
                "cannot be pulled (Init:ImagePullBackOff), so its container is never created".to_string()
            }
            InitFailure::ErrImageNeverPull => never_pull(world, pod),
            InitFailure::InvalidImageName => invalid_name(world, &init.image),
        };
        return format!("{}'s init container {} (image {}) {doing}", pod.name, init.name, init.image);
    }
    // A sidecar that crashes has let the containers after it start, and
    // keeps the pod from Ready whenever it is down.
    let crashing = pod.sidecars.iter().find(|i| {
        pod.init_done(**i)
            && world.image(&pod.init_containers[**i].image).behaviour == ImageBehaviour::CrashLoop
    });
    if let Some(index) = crashing {
        let init = &pod.init_containers[*index];
        return format!(
            "{}'s sidecar {} (image {}) crashes after each start (Init:CrashLoopBackOff, {} restarts): the \
             containers after it run, but a pod is Ready only when each of its containers is, its sidecars \
             included, and the kubelet's back-off keeps it down longer after each exit",
            pod.name, init.name, init.image, pod.status.inits[*index].restarts
        );
    }
    let first_ready = pod.status.container == ContainerState::Running && pod.status.container_ready;
    // A sidecar whose readiness probe has not passed since it started
    // keeps the pod from Ready, however ready the application is.
    let unready = pod
        .sidecars
        .iter()
        .find(|i| pod.init_done(**i) && pod.sidecar_failure_of(**i).is_none() && pod.sidecar_unready(**i));
    if let (true, Some(index)) = (first_ready, unready) {
        let init = &pod.init_containers[*index];
        let answers = match world.image(&init.image).behaviour {
            ImageBehaviour::NeverReady => "its image never answers it",
            _ => "not yet",
        };
        return format!(
            "{}'s sidecar {} (image {}) runs but has not passed its readiness probe ({answers}): its first \
             container is ready, but a pod is Ready only when each of its containers is, its sidecars included",
            pod.name, init.name, init.image
        );
    }
    let unready = pod.extra_containers.iter().zip(&pod.status.extras).find(|(_, status)| !status.ready);
    if let (true, Some((extra, status))) = (first_ready, unready) {
        let doing = match (status.state, world.image(&extra.image).behaviour) {
            (ContainerState::ErrImageNeverPull, _) => never_pull(world, pod),
            (ContainerState::InvalidImageName, _) => invalid_name(world, &extra.image),
            (ContainerState::ErrImagePull | ContainerState::ImagePullBackOff, _) => {
                "cannot pull its image (ImagePullBackOff)".to_string()
            }
            (ContainerState::Exited { .. } | ContainerState::CrashLoopBackOff, _)
            | (_, ImageBehaviour::CrashLoop) => "crashes on start (CrashLoopBackOff)".to_string(),
            (state, _) => format!("is {}", state.as_str()),
        };
        return format!(
            "{}'s container {} (image {}) {doing}: its first container is ready, but a pod is Ready only when \
             each of its containers is",
            pod.name, extra.name, extra.image
        );
    }
    if pod.runtime.sandbox_refused
        && let Err(message) = crate::controllers::kubelet::sandbox_hostname(world, pod)
    {
        return format!("{} cannot start: the kubelet cannot make its sandbox ({message})", pod.name);
    }
    let image = world.image(&pod.image);
    let doing = match (pod.status.container, image.behaviour) {
        (ContainerState::ErrImageNeverPull, _) => never_pull(world, pod),
        (ContainerState::InvalidImageName, _) => invalid_name(world, &pod.image),
        (ContainerState::CrashLoopBackOff | ContainerState::Exited { .. }, _)
        | (_, ImageBehaviour::CrashLoop) => {
            format!("crashes on start (CrashLoopBackOff, {} restarts)", pod.status.restarts)
        }
        (_, ImageBehaviour::PullFails) => "cannot pull its image (ImagePullBackOff)".to_string(),
        (ContainerState::Running, ImageBehaviour::NeverReady) => {
            "runs but never passes its readiness probe".into()
        }
        _ => format!("is {} and not Ready", pod.display_status(world.kubectl())),
    };
    format!("{} (image {}) {doing}", pod.name, pod.image)
}

/// Why a container whose image the kubelet cannot read does not start.
fn invalid_name(world: &World, image: &str) -> String {
    let message = crate::image_ref::invalid_image_message(image, world.kubernetes).unwrap_or_default();
    format!("cannot start: the kubelet cannot read its image ({message}: InvalidImageName)")
}

/// Why a container whose policy is `Never` does not start, and the fixes.
fn never_pull(world: &World, pod: &Pod) -> String {
    let node = pod.node.map_or("its node", |n| world.node(n).name.as_str());
    format!(
        "cannot start: its imagePullPolicy is Never and {node} does not have the image \
         (ErrImageNeverPull); load the image onto the nodes first (a pool's preloadedImages), \
         or let the kubelet pull it (IfNotPresent)"
    )
}

/// A rolling update that has waited on the same pod for longer than the
/// progress deadline. StatefulSets have no `progressDeadlineSeconds`; stsim
/// borrows the Deployment default (600 s) as the point where waiting becomes
/// being stuck (`timings.rolloutStuckAfter`).
/// A set whose last sync stopped on a stale claim (`PodClaimIsStale`):
/// the pod's claim still belonged to the earlier pod of its name, which
/// `whenScaled: Delete` made its owner when it was scaled away, and the
/// garbage collector had yet to delete it. The sync ends without an error,
/// so the work queue does not retry it, and the controller has no claim
/// handler, so the claim's deletion does not wake it: only a change to the
/// set or one of its pods, or the informer's periodic resync, does.
fn pod_not_recreated(world: &World, set: &StatefulSet) -> Option<Finding> {
    let waiting = set.waiting.filter(|w| w.reason == WaitReason::ClaimStale)?;
    let old = world.pod(waiting.pod);
    let name = &old.name;
    let claims: Vec<&str> = world
        .live_pvcs()
        .filter(|c| c.owner_refs.iter().any(|r| r.owner == Owner::Pod(waiting.pod)))
        .map(|c| c.name.as_str())
        .collect();
    let state = if claims.is_empty() {
        "The claim has been deleted since, but nothing told the controller".to_string()
    } else {
        format!(
            "{} still {} the earlier {name}'s; the garbage collector deletes {} once that pod is gone, but that \
             will not wake the controller either",
            claims.join(", "),
            if claims.len() == 1 { "is" } else { "are" },
            if claims.len() == 1 { "it" } else { "them" }
        )
    };
    Some(Finding {
        id: "pod-not-recreated",
        subject: format!("statefulset/{}", set.name),
        since_ms: waiting.since.as_millis(),
        summary: format!(
            "{name} is not re-created: when the controller last looked, its claim still belonged to the {name} \
             that was scaled away"
        ),
        explanation: format!(
            "StatefulSet {} was scaled down with whenScaled: Delete, which makes each condemned pod the owner of \
             its claims so that they are deleted after it, and scaled up again before the garbage collector had \
             deleted them. A claim owned by an earlier pod of the same name is stale: the controller will not \
             create {name} on it, and ends its sync without an error, so the work queue does not retry. {state}. \
             The controller watches StatefulSets, pods and ControllerRevisions, not claims: the set waits until \
             one of its pods changes, the set itself does, or the informer's periodic resync delivers it again \
             (kube-controller-manager's --min-resync-period, 12 h, times a factor between 1 and 2). The set runs \
             below its replicas until then, and an application waiting for {name} waits too.",
            set.name
        ),
        fix: format!(
            "Any change to StatefulSet {} wakes the controller (for example `kubectl annotate statefulset {} \
             resync=now --overwrite`). Before scaling back up after a scale-down with whenScaled: Delete, wait \
             until the condemned pods' claims are gone (`kubectl get pvc`).",
            set.name, set.name
        ),
    })
}

/// The set's pods whose names another pod held when the controller came to
/// create them, and that the set still lacks at the end: a pod the set does
/// not own (made by hand or by another controller, its labels not the set's
/// selector, so it is not adopted) keeps the name. `CreateStatefulPod`
/// gets AlreadyExists, records no event ("sink already exists errors",
/// stateful_pod_control.go), and the sync is retried on the work queue's
/// back-off, 5 ms doubling to 1000 s; the holder's deletion does not wake
/// the controller (`deletePod` ignores a pod without a controller), so the
/// name comes back to the set only at the next retry.
fn pod_names_taken(world: &World, set: &StatefulSet, refused: &[(&str, SimTime)]) -> Vec<Finding> {
    let start = set.start_ordinal();
    let wanted = |name: &str| {
        (name.strip_prefix(set.name.as_str()))
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|ordinal| ordinal.parse::<u32>().ok())
            .is_some_and(|o| {
                o >= start && o < start + set.spec.replicas && crate::objects::pod_name(&set.name, o) == name
            })
    };
    (refused.iter())
        .filter(|(name, _)| wanted(name))
        .filter_map(|&(name, since)| {
            let holder = world.pod_named(name).map(|id| world.pod(id));
            if holder.is_some_and(|p| p.owner == Some(set.id)) {
                return None;
            }
            let (state, fix) = match holder {
                Some(pod) => {
                    let labels: Vec<String> = pod.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let owner = match pod.owner {
                        Some(other) => format!("StatefulSet {}", world.sts(other).name),
                        None => "no controller".to_string(),
                    };
                    (
                        format!(
                            "Pod {name} (labels {}; owned by {owner}) still holds the name",
                            if labels.is_empty() { "none".to_string() } else { labels.join(", ") }
                        ),
                        format!(
                            "Delete the pod that holds the name (`kubectl delete pod {name}`), or, if it is the set's \
                             own pod that lost its labels, give it back labels that StatefulSet {}'s selector matches \
                             so that the controller adopts it; then any change to the set (`kubectl annotate \
                             statefulset {} retry=now --overwrite`) makes it try again at once rather than at its \
                             next back-off.",
                            set.name, set.name
                        ),
                    )
                }
                None => (
                    "The pod that held the name is gone, but its deletion did not wake the controller, which tries \
                     again only when its back-off is up (it doubles to 1000 s)"
                        .to_string(),
                    format!(
                        "Any change to StatefulSet {} makes the controller try again at once (for example \
                         `kubectl annotate statefulset {} retry=now --overwrite`).",
                        set.name, set.name
                    ),
                ),
            };
            Some(Finding {
                id: "pod-name-taken",
                subject: format!("statefulset/{}", set.name),
                since_ms: since.as_millis(),
                summary: format!(
                    "{name} cannot be created: another pod of that name existed when StatefulSet {} came to make it",
                    set.name
                ),
                explanation: format!(
                    "A StatefulSet's pods have fixed names, and the API server refuses a create whose name is taken \
                     (AlreadyExists). A pod the set does not own, one made by hand or by another controller whose \
                     labels its selector does not match, is neither adopted nor replaced: the controller records no \
                     event and retries the sync on its work queue's back-off, 5 ms doubling to 1000 s, and an \
                     OrderedReady set makes none of the pods after it meanwhile. {state}, and StatefulSet {} runs \
                     below its {} replicas.",
                    set.name, set.spec.replicas
                ),
                fix,
            })
        })
        .collect()
}

/// The StatefulSet controller's refused creates (AlreadyExists), by the set
/// whose pod name each is (its name before the last dash), each name once
/// with its first refusal, in the order they came: from the trace's refusals.
fn names_refused<'t>(world: &World, trace: &'t Trace) -> BTreeMap<StsId, Vec<(&'t str, SimTime)>> {
    let mut out: BTreeMap<StsId, Vec<(&str, SimTime)>> = BTreeMap::new();
    for record in trace.records.of_kinds(&[crate::trace::Kind::PodCreateRejected]) {
        let Event::PodCreateRejected { name } = &record.event else { continue };
        if record.actor != crate::trace::Actor::StatefulSetController {
            continue;
        }
        let Some(set) = name.rsplit_once('-').and_then(|(set, _)| world.sts_named(set)) else { continue };
        let names = out.entry(set).or_default();
        if !names.iter().any(|(n, _)| n == name) {
            names.push((name.as_str(), record.at));
        }
    }
    out
}

/// An `OrderedReady` set that has not created all of its pods because one
/// it made is not Running and Ready: the controller makes pods one at a
/// time, in ordinal order, each only once the ones before it are Running
/// and Ready (`processReplica` under `monotonic`), so one pod that never
/// gets Ready keeps the set short for good, whatever its update strategy.
/// A rolling update held the same way is `rollout-stuck`'s.
fn ordered_start_stuck(world: &World, set: &StatefulSet, end: SimTime) -> Option<Finding> {
    if set.spec.pod_management_policy != PodManagementPolicy::OrderedReady {
        return None;
    }
    let waiting = set.waiting.filter(|w| w.reason == WaitReason::PodNotReady)?;
    if end.since(waiting.since) < world.timings.rollout_stuck_after {
        return None;
    }
    let pod = world.pod(waiting.pod);
    // A rolling update under way is `rollout-stuck`'s; an `OnDelete` set
    // has none, and still creates its missing pods in order.
    let update = set.status.update_revision.as_str();
    let updating = matches!(set.spec.update_strategy, UpdateStrategy::RollingUpdate { .. })
        && (set.pods.values().any(|id| world.pod(*id).revision() != update)
            || set.status.current_revision != set.status.update_revision);
    // The ordinals the set should have and has no pod for.
    let start = set.start_ordinal();
    let missing: Vec<String> = (start..start.saturating_add(set.spec.replicas))
        .map(|ordinal| pod_name(&set.name, ordinal))
        .filter(|name| world.pod_named(name).is_none())
        .collect();
    if !pod.exists() || updating || missing.is_empty() {
        return None;
    }
    let condition = pod_condition(world, pod);
    let name = &pod.name;
    Some(Finding {
        id: "ordered-start-stuck",
        subject: format!("statefulset/{}", set.name),
        since_ms: waiting.since.as_millis(),
        summary: format!(
            "{} has been waiting for {name} to be Ready since {}, so {} {} not been created",
            set.name,
            waiting.since,
            match missing.len() {
                0..=4 => missing.join(", "),
                more => format!("{}, and {} more", missing[..3].join(", "), more - 3),
            },
            if missing.len() == 1 { "has" } else { "have" }
        ),
        explanation: format!(
            "{condition}. Under podManagementPolicy OrderedReady the StatefulSet controller creates pods one at a \
             time, in ordinal order, and creates the next only once every pod before it is Running and Ready: \
             while {name} is not, the set stays short, however long it waits."
        ),
        fix: format!(
            "Make {name} Ready (see above). If the members can start side by side, podManagementPolicy Parallel \
             creates them all at once; the field cannot be changed on an existing StatefulSet: delete it with \
             --cascade=orphan and create it again."
        ),
    })
}

fn rollout_stuck(world: &World, set: &StatefulSet, end: SimTime) -> Option<Finding> {
    let UpdateStrategy::RollingUpdate { .. } = set.spec.update_strategy else { return None };
    let waiting = set.waiting?;
    if end.since(waiting.since) < world.timings.rollout_stuck_after {
        return None;
    }
    let update = set.status.update_revision.as_str();
    let outdated = set.pods.values().any(|id| world.pod(*id).revision() != update);
    if !outdated && set.status.current_revision == set.status.update_revision {
        return None;
    }
    let pod = world.pod(waiting.pod);
    if !pod.exists() {
        return None;
    }
    let ordered = set.spec.pod_management_policy == PodManagementPolicy::OrderedReady;
    let condition = pod_condition(world, pod);
    let on_update = pod.revision() == update;
    let name = &pod.name;
    let (explanation, fix) = match (waiting.reason, on_update) {
        (WaitReason::UnavailableBudgetUsed, _) => (
            format!(
                "{condition}. It counts against maxUnavailable, and with the budget used up the rolling update \
                 deletes nothing, not even {name}, whose revision is outdated. This is the Parallel regression of \
                 Kubernetes 1.35.0-1.35.3 (kubernetes/kubernetes#137409)."
            ),
            format!(
                "Delete {name} so it is re-created at the update revision, or raise maxUnavailable; Kubernetes 1.37 \
                 replaces such pods first."
            ),
        ),
        (_, true) => (
            format!(
                "{condition}, and it runs the new revision {update}. A rolling update replaces one pod at a time, \
                 highest ordinal first, and waits for each new pod to be Running and Ready before it touches the \
                 next, so the pods below {name} keep the old revision."
            ),
            if ordered {
                format!(
                    "Fix the template (for example set the image back), then delete {name}: under OrderedReady the \
                     controller waits for {name} to be Ready before it replaces anything, {name} included \
                     (\"Forced rollback\" in the StatefulSet documentation)."
                )
            } else {
                format!(
                    "Fix the template (for example set the image back); under Parallel the controller then \
                     replaces {name} by itself."
                )
            },
        ),
        (_, false) => (
            format!(
                "{condition}. The template has changed since {name} was created (update revision {update}), but \
                 under OrderedReady the controller waits for every pod, in order, to be Running and Ready before \
                 it does anything else, and that includes replacing {name}. Reverting the template alone does \
                 not help."
            ),
            format!(
                "Delete {name}; it is re-created from the current template (\"Forced rollback\" in the \
                 StatefulSet documentation)."
            ),
        ),
    };
    Some(Finding {
        id: "rollout-stuck",
        subject: format!("statefulset/{}", set.name),
        since_ms: waiting.since.as_millis(),
        summary: format!(
            "the rolling update of {} has been stuck on {name} since {}",
            set.name, waiting.since
        ),
        explanation,
        fix,
    })
}
