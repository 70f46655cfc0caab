//! Cause chains: from what a member sees back to what started it.
//!
//! Owns the search through the trace and the world for the root of a
//! symptom (a name that does not resolve, a peer at a new IP, a volume that
//! came back empty) and the words for each step. Does not judge: the
//! application kinds decide what is wrong and call these to say why.

use crate::objects::*;
use crate::time::SimTime;
use crate::trace::{Actor, Event, Kind, Records, Slice};
use crate::world::World;

/// The steps from a root cause to a symptom, the root's time, and the fix.
#[derive(Debug, Clone)]
pub(crate) struct Why {
    pub steps: Vec<String>,
    pub at: Option<SimTime>,
    pub fix: String,
    /// A stable code for the mechanism.
    pub code: &'static str,
}

/// The description of the last scripted action at exactly `at`.
pub(crate) fn script_at(records: &Records, at: SimTime) -> Option<&str> {
    let end = records.partition_point(|r| r.at <= at);
    records.slice(..end).iter().rev().take_while(|r| r.at == at).find_map(|r| match &r.event {
        Event::Script { description, .. } => Some(description.as_str()),
        _ => None,
    })
}

/// What started a chain at `at`: the scripted action at that instant in
/// backquotes; else an operator's write at that instant, naming the
/// operator and what it did (`etcd-2 scaled away at 10m3s, after
/// operator/etcd-operator scaled etcd 3 -> 2`); else `fallback`, with the time.
pub(crate) fn blame(world: &World, records: &Records, at: SimTime, fallback: &str) -> String {
    if let Some(description) = script_at(records, at) {
        return format!("`{description}` at {at}");
    }
    let end = records.partition_point(|r| r.at <= at);
    operator_blame(world, records.slice(..end), at, fallback)
}

/// `fallback` at `at`, naming the operator whose write in the same instant,
/// among `records` (which end at the symptom), started it, if one did.
fn operator_blame(world: &World, records: Slice<'_>, at: SimTime, fallback: &str) -> String {
    let start = records.partition_point(|r| r.at < at);
    let deed = records
        .slice(start..)
        .iter()
        .filter(|r| matches!(r.actor, Actor::Operator(_)))
        .find_map(|r| operator_deed(world, &r.event).map(|deed| (r.actor, deed)));
    match deed {
        Some((actor, Deed::Itself)) => {
            format!("{fallback} by {} at {at}", crate::trace::actor_name(world, actor))
        }
        Some((actor, Deed::Other(what))) => {
            format!("{fallback} at {at}, after {} {what}", crate::trace::actor_name(world, actor))
        }
        None => format!("{fallback} at {at}"),
    }
}

/// An operator's write, as a chain names it.
enum Deed {
    /// A pod deleted or evicted: the symptom's own cause.
    Itself,
    Other(String),
}

fn operator_deed(world: &World, event: &Event) -> Option<Deed> {
    Some(match event {
        Event::PodDeleting { .. } | Event::PodRemoved { .. } | Event::PodEvicted { .. } => Deed::Itself,
        Event::StatefulSetScaled { sts, from, to } => {
            Deed::Other(format!("scaled {} {from} -> {to}", world.sts(*sts).name))
        }
        Event::StatefulSetUpdated { sts, change } => {
            Deed::Other(format!("updated {} ({change})", world.sts(*sts).name))
        }
        Event::StatefulSetDeleted { sts, .. } => {
            Deed::Other(format!("deleted statefulset {}", world.sts(*sts).name))
        }
        Event::DeleteHeld { object, .. } => {
            Deed::Other(format!("deleted {}", crate::kube::display(world, *object)))
        }
        Event::PvcDeleting { pvc } | Event::PvcRemoved { pvc } => {
            Deed::Other(format!("deleted claim {}", world.pvc(*pvc).name))
        }
        Event::PodPatched { pod, change } => {
            Deed::Other(format!("edited {} ({change})", world.pod(*pod).name))
        }
        Event::PodCreated { pod, .. } => Deed::Other(format!("created pod {}", world.pod(*pod).name)),
        Event::AppMember { pod, what, .. } => Deed::Other(format!("{what} ({})", world.pod(*pod).name)),
        _ => return None,
    })
}

/// The time of the last record matching `matches`.
/// Only records of `kind` are read: the trace keeps their positions.
fn last(records: &Records, kind: Kind, matches: impl Fn(&Event) -> bool) -> Option<SimTime> {
    last_index(records, kind, matches).map(|i| records[i].at)
}

/// The index of the last record of `kind` matching `matches`.
fn last_index(records: &Records, kind: Kind, matches: impl Fn(&Event) -> bool) -> Option<usize> {
    records.last_of(kind, |r| matches(&r.event))
}

/// What caused record `index`: the scripted action that ran just before it
/// in the same instant, in backquotes, or `fallback`, with the time; an
/// operator's action names the operator, and so does a controller's that
/// followed an operator's write in the same instant.
pub(crate) fn blame_record(world: &World, records: &Records, index: usize, fallback: &str) -> String {
    let at = records[index].at;
    let script =
        records.slice(..=index).iter().rev().take_while(|r| r.at == at).find_map(|r| match &r.event {
            Event::Script { description, .. } => Some(description.as_str()),
            _ => None,
        });
    match (script, records[index].actor) {
        (Some(description), _) => format!("`{description}` at {at}"),
        (None, actor @ crate::trace::Actor::Operator(_)) => {
            format!("{fallback} by {} at {at}", crate::trace::actor_name(world, actor))
        }
        // A controller's write in the instant of an operator's (the garbage
        // collector deleting the pods of the set the operator deleted).
        (None, _) => operator_blame(world, records.slice(..index), at, fallback),
    }
}

/// What a member's pod is doing when its process is not running, as a
/// person would put it: the machine under it first (the API may not know
/// yet: a crashed node's pods show Running until the node is marked
/// NotReady), then what the API shows. The time is when the machine failed.
pub(crate) fn down_status(world: &World, member: &str) -> (String, Option<SimTime>) {
    let Some(id) = world.pod_named(member) else { return ("gone".to_string(), None) };
    let pod = world.pod(id);
    if let Some(node) = pod.node.map(|n| world.node(n)) {
        match node.machine {
            crate::objects::Machine::Crashed => {
                return (
                    format!(
                        "the machine behind {} crashed at {}; the API shows the pod {}",
                        node.name,
                        node.machine_since,
                        pod.display_status(world.kubectl())
                    ),
                    Some(node.machine_since),
                );
            }
            crate::objects::Machine::Partitioned | crate::objects::Machine::Running => {}
        }
    }
    (pod.display_status(world.kubectl()).to_string(), None)
}

/// The service part of `<host>.<service>.<namespace>.svc.<domain>`.
fn service_of(name: &str) -> &str {
    name.split('.').nth(1).unwrap_or("")
}

/// Why `name`, the DNS name peers stored for `member`, does not resolve.
pub(crate) fn unresolvable(world: &World, records: &Records, name: &str, member: &str, cached: bool) -> Why {
    let service = service_of(name);
    let removed_at =
        last(records, Kind::DnsRemoved, |e| matches!(e, Event::DnsRemoved { name: n, .. } if n == name));
    let pod = world.pod_named(member).map(|id| world.pod(id));
    let publishing = world.service_named(service).map(|id| world.service(id));
    // Published now, but an NXDOMAIN from before is still served from the cache.
    if cached && world.dns.contains_key(name) {
        let cached_at = last(
            records,
            Kind::DnsNegativeCached,
            |e| matches!(e, Event::DnsNegativeCached { name: n, .. } if n == name),
        );
        let until = world.dns_cache.get(name).map(|c| c.expires_at);
        return Why {
            steps: vec![
                format!(
                    "{name} was looked up at {}, before it was published, and the NXDOMAIN answer was cached",
                    cached_at.map_or("?".to_string(), |t| t.to_string())
                ),
                format!(
                    "CoreDNS serves the cached NXDOMAIN until {} (cache 30 caps denials at 30 s), although the \
                     record exists now",
                    until.map_or("?".to_string(), |t| t.to_string())
                ),
            ],
            at: cached_at,
            fix: "Retry peer lookups for longer than the DNS negative cache (30 s with CoreDNS's default \
                  `cache 30`), or lower the denial TTL; set publishNotReadyAddresses: true so names exist \
                  before pods are Ready."
                .into(),
            code: "dns-negative-cache",
        };
    }
    if let Some(pod) = pod
        && pod.subdomain != service
    {
        let created = pod.created_at;
        let earlier = world.pods_ever_named(member).iter().copied().filter(|p| *p != pod.id);
        let previous_deleted = records
            .last_of_pods(&[Kind::PodDeleting, Kind::PodRemoved], earlier)
            .map(|i| records[i].at)
            .filter(|at| *at <= created);
        let root = match previous_deleted {
            Some(at) => blame(world, records, at, &format!("{member} deleted")),
            None => format!("{member} created at {created}"),
        };
        return Why {
            steps: vec![
                root,
                format!(
                    "{member} was created again at {created} with subdomain {} (its StatefulSet's serviceName \
                     then), so its record is {member}.{}..., and nothing publishes {name}",
                    pod.subdomain, pod.subdomain
                ),
            ],
            at: previous_deleted.or(Some(created)),
            fix: format!(
                "Members stored {name}, but a pod's subdomain is fixed when it is created and {member}'s is now \
                 {}: re-point every member at the new names ({member}.{}...), or go back to serviceName \
                 {service}; a Service named {service} would not publish {member} any more.",
                pod.subdomain, pod.subdomain
            ),
            code: "subdomain-changed",
        };
    }
    let Some(service_object) = publishing else {
        let deleted = last_index(
            records,
            Kind::ServiceDeleted,
            |e| matches!(e, Event::ServiceDeleted { service: s } if world.service(*s).name == service),
        );
        let root = match deleted {
            Some(index) => blame_record(world, records, index, &format!("service {service} deleted")),
            None => format!("no Service named {service} exists"),
        };
        let deleted = deleted.map(|index| records[index].at);
        return Why {
            steps: vec![
                root,
                format!(
                    "{name} no longer resolves: a pod's record exists only while a headless Service named like \
                     its subdomain ({service}) exists, and a StatefulSet never recreates its Service"
                ),
            ],
            at: deleted,
            fix: format!(
                "Create the headless Service {service} again (members stored their peers' names under it); to \
                 really move to another Service, recreate the StatefulSet (--cascade=orphan) with the new \
                 serviceName, restart every pod, and re-join every member under the new names."
            ),
            code: "service-missing",
        };
    };
    let Some(pod) = pod else {
        return Why {
            steps: vec![format!("no pod {member} exists, so nothing publishes {name}")],
            at: removed_at,
            fix: format!("Bring {member} back."),
            code: "member-down",
        };
    };
    if !world.dns_config.names_pods_of(service_object) {
        return Why {
            steps: vec![format!(
                "{service} is not headless (it has a cluster IP), and kube-dns publishes no per-pod records for it"
            )],
            at: None,
            fix: format!("Make {service} headless (clusterIP: None)."),
            code: "service-not-headless",
        };
    }
    // A pod's record comes from the Service's EndpointSlice, which lists
    // only the pods its selector matches (the EndpointSlice controller);
    // its hostname and subdomain alone publish nothing.
    if !service_object.selects(&pod.labels) {
        return Why {
            steps: vec![format!(
                "the Service {service} {}, so its EndpointSlice does not list {member} and no record {name} is \
                 published",
                service_object.misses(member, &pod.labels)
            )],
            at: None,
            fix: format!(
                "Make the selector of the headless Service {service} match the labels of the StatefulSet's pod \
                 template (kubectl get endpointslices -l kubernetes.io/service-name={service} shows whom it lists)."
            ),
            code: "service-selects-not",
        };
    }
    if pod.is_terminating() {
        let at = pod.deletion_timestamp.expect("terminating");
        let deleting = records.last_of_pods(&[Kind::PodDeleting], [pod.id]);
        let root = match deleting {
            Some(index) => blame_record(world, records, index, &format!("{member} deleted")),
            None => blame(world, records, at, &format!("{member} deleted")),
        };
        return Why {
            steps: vec![root, format!("{member} is terminating, so its record {name} was withdrawn")],
            at: Some(at),
            fix: format!(
                "Wait for {member} to come back; restart members one at a time, each once the others have caught up."
            ),
            code: "member-down",
        };
    }
    // A node that stopped reporting: the node lifecycle controller marks its
    // pods not Ready (MarkPodsNotReady), and their records are withdrawn.
    if let Some(node) = pod.node.map(|n| world.node(n))
        && node.condition != ConditionStatus::True
        && !pod.status.ready
    {
        let cut = last_index(
            records,
            Kind::NodeMachine,
            |e| matches!(e, Event::NodeMachine { node: n, .. } if *n == node.id),
        );
        let root = match cut {
            Some(index) => blame_record(world, records, index, &format!("{} stopped reporting", node.name)),
            None => format!("{} stopped reporting at {}", node.name, node.condition_since),
        };
        return Why {
            steps: vec![
                root,
                format!(
                    "{} is Ready={} since {}, so the node lifecycle controller marked {member} not Ready and \
                     {name} was withdrawn, although its container may still run",
                    node.name,
                    node.condition.as_str(),
                    node.condition_since
                ),
            ],
            at: cut.map(|i| records[i].at).or(Some(node.condition_since)),
            fix: format!(
                "Bring {} back. Replace {member} elsewhere only once the node is known to be down (powered off or \
                 fenced), never while it may still run.",
                node.name
            ),
            code: "node-unreachable",
        };
    }
    if !pod.status.ready && !service_object.publish_not_ready_addresses {
        let since = pod.status.ready_since.unwrap_or(pod.created_at);
        // A member that was just re-created is not Ready yet: a restart, not a design flaw.
        let earlier_pods = world.pods_ever_named(member).iter().copied().filter(|p| *p != pod.id);
        let earlier = records
            .last_of_pods(&[Kind::PodDeleting], earlier_pods.clone())
            .or_else(|| records.last_of_pods(&[Kind::PodRemoved], earlier_pods));
        if let Some(index) = earlier {
            return Why {
                steps: vec![
                    blame_record(world, records, index, &format!("{member} deleted")),
                    format!(
                        "{member} came back at {} and is not Ready yet; {service} publishes only Ready pods, so \
                         {name} does not resolve",
                        pod.created_at
                    ),
                ],
                at: Some(records[index].at),
                fix: format!(
                    "Wait for {member} to be Ready; with publishNotReadyAddresses: true on {service} its peers \
                     would find it as soon as it has an IP."
                ),
                code: "member-down",
            };
        }
        return Why {
            steps: vec![format!(
                "{member} is not Ready, and {service} publishes only Ready pods (publishNotReadyAddresses: \
                 false), so {name} does not resolve"
            )],
            at: Some(since),
            fix: format!(
                "Set publishNotReadyAddresses: true on the headless Service {service}, so members can find \
                 each other before they are Ready."
            ),
            code: "unresolvable-until-ready",
        };
    }
    Why {
        steps: vec![format!("{name} does not resolve")],
        at: removed_at,
        fix: format!("Check the headless Service {service} and the readiness of {member}."),
        code: "peers-unreachable",
    }
}

/// Why `member` is no longer at the IP its peers stored.
pub(crate) fn moved(
    world: &World,
    records: &Records,
    member: &str,
    stored: &str,
    now_at: Option<Ipv4>,
) -> Why {
    let current = world.pod_named(member).map(|id| world.pod(id));
    let created = current.map(|p| p.created_at);
    // The last delete of an earlier incarnation: what someone did, not the removal.
    let earlier =
        world.pods_ever_named(member).iter().copied().filter(|p| current.is_none_or(|c| c.id != *p));
    let deleted_at = records
        .last_of_pods(&[Kind::PodDeleting], earlier.clone())
        .or_else(|| records.last_of_pods(&[Kind::PodRemoved], earlier))
        .map(|i| records[i].at);
    let root = match deleted_at {
        Some(at) => blame(world, records, at, &format!("{member} deleted")),
        None => format!("{member} restarted"),
    };
    let now_at = now_at.map_or("no IP".to_string(), |ip| ip.to_string());
    Why {
        steps: vec![
            root,
            format!(
                "{member} came back{} with a new IP, {now_at}; it was {stored}",
                created.map_or(String::new(), |t| format!(" at {t}"))
            ),
        ],
        at: deleted_at,
        fix: "Store peers by their DNS names (<pod>.<service>.<namespace>.svc) instead of pod IPs: a \
              StatefulSet keeps a pod's name across re-creation, not its IP."
            .into(),
        code: "stale-ip",
    }
}

/// Why the volume a member `process` started on holds none of its data:
/// its claim was made anew, or its hostPath volume has no node affinity
/// and the pod runs on another node than the one that holds the data.
/// `None` for pod-local storage, which is empty by nature.
pub(crate) fn volume_emptied(world: &World, records: &Records, process: &super::Process) -> Option<Why> {
    match process.volume {
        super::VolumeKey::Claim(claim) => Some(emptied(world, records, claim)),
        super::VolumeKey::HostDir { pv, node } => {
            let volume = world.pv(pv);
            let path = volume.host_path.as_deref().unwrap_or("?");
            let bound = &volume.name;
            let claim = volume.claim.map_or("?", |c| world.pvc(c).name.as_str());
            let node = &world.node(node).name;
            let made_by = match volume.provisioned_by(world) {
                Some(provisioner) => format!(", made by provisioner {provisioner},"),
                None => String::new(),
            };
            let fix = if made_by.is_empty() {
                "Pin the volume to the node that holds its data (nodeAffinity on kubernetes.io/hostname, or a \
                 local volume, which requires it), or use a StorageClass whose provisioner makes a volume per \
                 claim."
            } else {
                "On more than one node, use a StorageClass whose volumes follow the pod (a network disk's CSI \
                 driver) or pin it to its node (a local provisioner such as rancher.io/local-path, with \
                 WaitForFirstConsumer): this provisioner's volumes suit a single node."
            };
            Some(Why {
                steps: vec![
                    format!(
                        "volume {bound}{made_by} is the hostPath {path} with no node affinity: claim {claim} follows \
                         its pod to any node, and what is written stays on the node it was written on"
                    ),
                    format!(
                        "{} started on {node} at {}, where {path} holds none of its data",
                        process.member, process.started_at
                    ),
                ],
                at: Some(process.started_at),
                fix: fix.to_string(),
                code: "empty-data",
            })
        }
        super::VolumeKey::Pod(_) => None,
    }
}

/// `fix`, then the fix of how the volume came to be empty, if it has one
/// (a hostPath volume to pin to its node).
pub(crate) fn and_volume_fix(fix: String, volume_fix: &str) -> String {
    if volume_fix.is_empty() { fix } else { format!("{fix} {volume_fix}") }
}

/// Why a member's volume is empty: its claim was deleted and made again.
pub(crate) fn emptied(world: &World, records: &Records, claim: PvcId) -> Why {
    let pvc = world.pvc(claim);
    let name = &pvc.name;
    let previous = records
        .last_of(Kind::PvcRemoved, |r| match r.event {
            Event::PvcRemoved { pvc: old } => {
                old != claim && world.pvc(old).name == *name && r.at <= pvc.created_at
            }
            _ => false,
        })
        .map(|i| match records[i].event {
            Event::PvcRemoved { pvc: old } => (records[i].at, records[i].actor, old),
            _ => unreachable!("a PvcRemoved position"),
        });
    match previous {
        Some((at, actor, old)) => {
            // Gone at once, under its pod, because a client removed its
            // pvc-protection finalizer.
            let unprotected = records
                .last_of(Kind::PvcPatched, |r| match &r.event {
                    Event::PvcPatched { pvc, change } => {
                        *pvc == old
                            && r.at <= at
                            && change.starts_with("finalizers [")
                            && !change.contains(crate::objects::PVC_PROTECTION)
                    }
                    _ => false,
                })
                .filter(|i| records[*i].at == at)
                .map(|i| {
                    let who =
                        blame_record(world, records, i, "its kubernetes.io/pvc-protection finalizer removed");
                    format!("{who}: it went at once under the pod using it, releasing its volume")
                });
            let root = match actor {
                Actor::GarbageCollector => format!(
                    "the garbage collector deleted {name} at {at} (persistentVolumeClaimRetentionPolicy Delete)"
                ),
                _ => {
                    // A claim in use is removed when its last pod goes; blame the delete.
                    let deleting =
                        records.last_of_any(&[Kind::PvcDeleting, Kind::PvcRemoved], |r| match r.event {
                            Event::PvcDeleting { pvc: old } | Event::PvcRemoved { pvc: old } => {
                                world.pvc(old).name == *name && r.at <= at
                            }
                            _ => false,
                        });
                    let deleting = records
                        .last_of_within(Kind::PvcDeleting, deleting.map_or(0, |i| i + 1), |r| {
                            matches!(r.event, Event::PvcDeleting { pvc: old } if world.pvc(old).name == *name)
                        })
                        .or(deleting);
                    match deleting {
                        Some(index) => blame_record(world, records, index, &format!("{name} deleted")),
                        None => blame(world, records, at, &format!("{name} deleted")),
                    }
                }
            };
            let again = format!("{name} was created again, empty, at {}", pvc.created_at);
            Why {
                steps: std::iter::once(root).chain(unprotected).chain(std::iter::once(again)).collect(),
                at: Some(at),
                fix: String::new(),
                code: "empty-data",
            }
        }
        None => Why {
            steps: vec![format!("{name} is a new, empty claim (created at {})", pvc.created_at)],
            at: Some(pvc.created_at),
            fix: String::new(),
            code: "empty-data",
        },
    }
}

/// Why `member` cannot be reached: the network is cut at `node` (a
/// partitioned or crashed machine), since the last change of its machine.
pub(crate) fn cut(world: &World, records: &Records, member: &str, node: crate::objects::NodeId) -> Why {
    let name = &world.node(node).name;
    let state = world.node(node).machine.as_str();
    let since =
        last(records, Kind::NodeMachine, |e| matches!(e, Event::NodeMachine { node: n, .. } if *n == node));
    let root = match since {
        Some(at) => blame(world, records, at, &format!("{name} {state}")),
        None => format!("{name} {state}"),
    };
    Why {
        steps: vec![root, format!("{member} is cut off from its peers: the network to {name} is down")],
        at: since,
        fix: format!(
            "Restore the network to {name}, or fence {member} (stop it, or delete the node once it is known to be \
             off) before another member takes its place."
        ),
        code: "peers-unreachable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PodManagementPolicy;
    use crate::time::SimDuration;
    use crate::trace::{Actor, Record};

    fn record(at: SimTime, actor: Actor, event: Event) -> Record {
        Record { at, actor, event }
    }

    /// A chain found by time names what started it: a script, else the
    /// operator whose write came at that instant and what it did.
    #[test]
    fn time_based_blame_names_the_operator_that_started_the_chain() {
        let config =
            crate::fixtures::scenario("blame", 1, 3, PodManagementPolicy::OrderedReady, SimDuration::ZERO);
        let mut world = World::from_config(&config);
        world.operator_names = vec!["etcd-operator".into()];
        let sts = StsId(0);
        let at = SimTime::from_millis(603_000);
        let scaled = Event::StatefulSetScaled { sts, from: 3, to: 2 };
        let deleted = Event::PodDeleting { pod: PodId(0), grace: SimDuration::from_secs(30) };
        let records: Records = [
            record(SimTime::from_millis(1_000), Actor::Operator(0), scaled.clone()),
            record(at, Actor::Operator(0), scaled),
            record(at, Actor::StatefulSetController, deleted.clone()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            blame(&world, &records, at, "redis-2 deleted"),
            "redis-2 deleted at 10m3s, after operator/etcd-operator scaled redis 3 -> 2"
        );
        // The operator's own delete is the cause itself.
        let records: Records = [record(at, Actor::Operator(0), deleted.clone())].into_iter().collect();
        assert_eq!(
            blame(&world, &records, at, "redis-0 deleted"),
            "redis-0 deleted by operator/etcd-operator at 10m3s"
        );
        // A controller's own decision, with no operator write then, blames nobody.
        let records: Records =
            [record(at, Actor::StatefulSetController, deleted.clone())].into_iter().collect();
        assert_eq!(blame(&world, &records, at, "redis-0 deleted"), "redis-0 deleted at 10m3s");
        // The garbage collector's delete after the operator deleted the set.
        let records: Records = [
            record(at, Actor::Operator(0), Event::StatefulSetDeleted { sts, cascade: Cascade::Background }),
            record(at, Actor::GarbageCollector, deleted.clone()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            blame_record(&world, &records, 1, "redis-0 deleted"),
            "redis-0 deleted at 10m3s, after operator/etcd-operator deleted statefulset redis"
        );
        // An operator write after the symptom did not cause it.
        let records: Records = [
            record(at, Actor::GarbageCollector, deleted),
            record(at, Actor::Operator(0), Event::StatefulSetDeleted { sts, cascade: Cascade::Background }),
        ]
        .into_iter()
        .collect();
        assert_eq!(blame_record(&world, &records, 0, "redis-0 deleted"), "redis-0 deleted at 10m3s");
    }
}
