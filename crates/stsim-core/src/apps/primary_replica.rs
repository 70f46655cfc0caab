//! Primary/replica databases with a bootstrap rule: PostgreSQL with
//! Patroni, MySQL, MongoDB-style replica sets.
//!
//! Owns the kind's rules (shared/failure-modes.md F02, F18, F25, section 2.2):
//! - a member that starts with data resumes the role its data gives it;
//! - a member with an empty volume looks for a primary at its peers' DNS
//!   names (the StatefulSet's pod names under its subdomain). If one
//!   answers, it joins as a replica and stores the primary's address (the
//!   name, or the IP it resolved to). If none does, it initialises a new
//!   cluster as primary (`bootstrap: AnyMember`), or waits if only the first
//!   ordinal may (`OrdinalZero`);
//! - a replica follows the primary at the address it stored, and refuses a
//!   primary of another cluster (PostgreSQL: "database system identifier
//!   differs").
//!
//! Verdict: BROKEN with several primaries (split brain), with no primary,
//! when no replica follows the primary (replication has stopped: with
//! synchronous replication writes block, and in majority-based groups the
//! primary steps down), or when the cluster's data is no longer served.
//! DEGRADED when some replica does not follow, catches up, or is missing.
//! Failover is not automatic: a lost primary stays lost until it returns,
//! or until an operator promotes a replica (`promote`, the `Promote`
//! action, e.g. the built-in `Failover` operator). Promotion fences the old
//! primary's data, so it comes back as a replica of the new one; replicas
//! that were not running at the promotion still follow the old primary.

use super::explain::{self, Why};
use super::*;
use crate::config::{Addressing, Bootstrap};
use crate::trace::Kind;

fn is_primary(app: &App, pod: PodId) -> bool {
    let process = &app.processes[&pod];
    matches!(process.state, ProcessState::Member { .. })
        && app.data_of(process).is_some_and(|data| data.role == Role::Primary)
}

/// A member's process started.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let now = api.now;
    let (catch_up, stale_after) = (app.config().catch_up, app.config().stale_after);
    let formed = app.formed;
    let volume = app.processes[&pod].volume;
    let words = volume_words(api.world(), volume);
    let what = match app.volumes.get(&volume).cloned() {
        Some(data) => {
            let process = app.processes.get_mut(&pod).expect("booting");
            process.state = ProcessState::Member { cluster: data.cluster };
            let mut what = match (data.role, data.peers.iter().next()) {
                (Role::Replica, Some((primary, address))) => format!(
                    "started with its data on {words}: a replica in {} that follows {primary} at {address}",
                    data.cluster
                ),
                _ => format!("started with its data on {words}: the primary of {}", data.cluster),
            };
            let lag = now.since(data.synced_at);
            if formed && lag >= stale_after {
                process.catching_up = Some((now + catch_up, format!("came back with data {} old", ago(lag))));
                what.push_str(&format!("; the data is {} old, so it catches up first", ago(lag)));
            }
            what
        }
        None => {
            let process = app.processes.get_mut(&pod).expect("booting");
            process.state =
                ProcessState::Waiting { why: "its volume is empty: it looks for a primary".into() };
            format!("started with an empty {words}: it looks for a primary among its peers")
        }
    };
    member_event(api, index, pod, what);
}

/// Members with an empty volume look for a primary, join it or initialise.
pub(super) fn progress(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let AppKind::PrimaryReplica { bootstrap } = *app.kind() else { return };
    let waiting = app.waiting();
    if waiting.is_empty() {
        return;
    }
    let expected = app.expected(api.world());
    let first_ordinal = app.current_set(api.world()).start_ordinal();
    for pod in waiting {
        let process = app.processes[&pod].clone();
        let subdomain = api.world().pod(pod).subdomain.clone();
        let mut tried: Vec<String> = Vec::new();
        let mut why_not: Option<Why> = None;
        let mut found = None;
        if app.config().discovery == crate::config::Discovery::Service {
            found = through_service(api, app, &process, &subdomain, &mut tried, wake);
        }
        let by_pods = app.config().discovery == crate::config::Discovery::Pods;
        for (member, _) in expected.iter().filter(|(m, _)| by_pods && *m != process.member) {
            let name = dns_name(api.world(), member, &subdomain);
            match reach(api, app, process.node, member, &Address::Dns(name.as_str().into()), wake) {
                Reach::Ok(target) if is_primary(app, target) => {
                    found = Some((member.clone(), name, target));
                    break;
                }
                Reach::Ok(_) => tried.push(format!("{member} answers but is no primary")),
                Reach::Unresolvable { cached, .. } => {
                    tried.push(format!("{name} does not resolve"));
                    if why_not.is_none() {
                        why_not = Some(explain::unresolvable(
                            api.world(),
                            &api.trace.records,
                            &name,
                            member,
                            cached,
                        ));
                    }
                }
                Reach::NotRunning => tried.push(format!("{member} is not running")),
                Reach::WrongAddress { .. } => tried.push(format!("{name} answers with an old address")),
                Reach::Cut { node } => tried
                    .push(format!("{member} is cut off ({} is partitioned)", api.world().node(node).name)),
            }
        }
        if let Some((primary, name, target)) = found {
            join(api, app, index, pod, &primary, name, target);
        } else if bootstrap == Bootstrap::AnyMember || process.ordinal == first_ordinal {
            initialise(api, app, index, pod, &tried, why_not);
        } else {
            let why = format!(
                "no primary found ({}); only {} may initialise a cluster",
                tried.join("; "),
                pod_name(&app.current_set(api.world()).name, first_ordinal)
            );
            let process = app.processes.get_mut(&pod).expect("waiting");
            if process.state != (ProcessState::Waiting { why: why.clone() }) {
                process.state = ProcessState::Waiting { why: why.clone() };
                member_event(api, index, pod, format!("waits: {why}"));
            }
        }
    }
}

/// `discovery: Service`: the member looks the governing Service's name up
/// (through the cache; its ready endpoints only, unless the Service
/// publishes not-ready addresses) and asks each address whether it is the
/// primary. Returns the primary found: its member name, the name a joiner
/// stores for it, its pod.
fn through_service(
    api: &mut Api,
    app: &App,
    process: &Process,
    service: &str,
    tried: &mut Vec<String>,
    wake: &mut Wake,
) -> Option<(String, String, PodId)> {
    let name = api.world().service_fqdn(service);
    super::watch(api, wake, &name);
    let lookup = crate::controllers::dns::resolve_service(api, service);
    if let Some(until) = lookup.stale_until {
        wake.at(until);
    }
    if lookup.answers.is_empty() {
        tried.push(format!("{name} answers no address"));
        // Looked up again on the member's retry loop, once the denial expires.
        wake.lookup_retry(lookup.expires_at, app.config().lookup_retry);
        return None;
    }
    for ip in &lookup.answers {
        let Some(other) = app.processes.values().find(|p| p.ip == *ip && p.pod != process.pod) else {
            continue;
        };
        if crate::network::cut_by(api.world(), process.node, other.node).is_some() {
            tried.push(format!("{} ({ip}) is cut off", other.member));
            continue;
        }
        if is_primary(app, other.pod) {
            let stored = dns_name(api.world(), &other.member, &api.world().pod(other.pod).subdomain);
            return Some((other.member.clone(), stored, other.pod));
        }
        tried.push(format!("{} ({ip}) answers but is no primary", other.member));
    }
    None
}

fn join(api: &mut Api, app: &mut App, index: usize, pod: PodId, primary: &str, name: String, target: PodId) {
    let now = api.now;
    let stored = match app.config().addressing {
        Addressing::Dns => Address::Dns(name.into()),
        Addressing::Ip => Address::Ip(app.processes[&target].ip),
    };
    let cluster = app.cluster_of(&app.processes[&target]).expect("a primary is a member");
    let timeline = app.data_of(&app.processes[&target]).map_or(0, |d| d.repl.timeline);
    let catch_up = app.config().catch_up;
    let formed = app.formed;
    let process = app.processes.get_mut(&pod).expect("joining");
    process.state = ProcessState::Member { cluster };
    if formed {
        process.catching_up =
            Some((now + catch_up, format!("copies all data from {primary} (it joined empty)")));
    }
    let (volume, member) = (process.volume, process.member.clone());
    app.volumes.insert(
        volume,
        MemberData {
            cluster,
            member: member.clone(),
            role: Role::Replica,
            peers: [(Arc::<str>::from(primary), stored.clone())].into(),
            synced_at: now,
            repl: Replication { timeline, ..Replication::default() },
        },
    );
    app.joined.insert(member);
    member_event(api, index, pod, format!("joined {cluster} as a replica of {primary}, stored as {stored}"));
}

fn initialise(
    api: &mut Api,
    app: &mut App,
    index: usize,
    pod: PodId,
    tried: &[String],
    why_not: Option<Why>,
) {
    let now = api.now;
    let process = app.processes[&pod].clone();
    let cluster = app.new_cluster(&process.member, now);
    let mut origin = why_not.map(|w| w.steps).unwrap_or_default();
    origin.push(format!("{} found no primary and initialised {cluster} at {now}", process.member));
    app.cluster_mut(cluster).origin = origin;
    app.volumes.insert(
        process.volume,
        MemberData {
            cluster,
            member: process.member.clone(),
            role: Role::Primary,
            peers: BTreeMap::new(),
            synced_at: now,
            repl: Replication { timeline: 1, held_since: Some(now), ..Replication::default() },
        },
    );
    replication::initialised(app, cluster, &process.member, now);
    app.processes.get_mut(&pod).expect("initialising").state = ProcessState::Member { cluster };
    app.joined.insert(process.member.clone());
    let looked = if tried.is_empty() { "it has no peers".to_string() } else { tried.join("; ") };
    member_event(
        api,
        index,
        pod,
        format!("found no primary ({looked}) and initialised a new cluster, {cluster}, as its primary"),
    );
}

/// An operator promotes the replica running in `pod` (Patroni's failover,
/// `pg_ctl promote`), through the API server (an exec into its pod): it
/// becomes the primary of its cluster on a new timeline, takes the leader
/// key, and the replicas that reach it follow it. Fencing reaches only what
/// the operator reaches: an old primary whose node reaches the API server
/// steps down now and rewinds; a stopped one's data is fenced, so it
/// follows the new primary when it starts again; a running one on a node
/// cut off from the API server cannot be told, and keeps its role (and its
/// writes, until its lease runs out) until it reaches the API server again.
/// `Err` says why not; then nothing changed.
pub(super) fn promote(api: &mut Api, app: &mut App, index: usize, pod: PodId) -> Result<(), String> {
    let name = api.world().pod(pod).name.clone();
    let Some(process) = app.processes.get(&pod).filter(|p| p.ghost_since.is_none()).cloned() else {
        return Err(format!("{name} runs no member process"));
    };
    let ProcessState::Member { cluster } = process.state else {
        return Err(format!("{name} is not in a cluster"));
    };
    let Some(data) = app.data_of(&process).cloned() else {
        return Err(format!("{name} holds no data"));
    };
    if data.role != Role::Replica {
        return Err(format!("{name} is not a replica: it is the primary of {cluster}"));
    }
    if !crate::network::reaches_control_plane(api.world(), process.node) {
        let node = &api.world().node(process.node).name;
        return Err(format!("{name} runs on {node}, which is cut off: the API server cannot reach it"));
    }
    replication::advance(api, app);
    // What was replicating and writing changes now; the next look recomputes it.
    app.replicating.clear();
    app.writing.clear();
    let followed = data.peers.keys().next().cloned();
    let address = address_of(app, &process);
    let who = crate::trace::actor_name(api.world(), api.actor);
    let lease_note = app
        .cluster(cluster)
        .leader
        .as_ref()
        .filter(|(leader, _)| *leader != name)
        .and_then(|(leader, since)| {
            let holder = app
                .processes_of(leader)
                .into_iter()
                .find(|p| app.data_of(p).is_some_and(|d| d.role == Role::Primary))?;
            let renewed = replication::last_renewal(api.world(), app, holder.pod, *since, api.now)?;
            let until = renewed + app.config().lease_ttl;
            (until > api.now).then(|| format!(", while {leader}'s leader lease ran until {until}"))
        })
        .unwrap_or_default();
    // What had happened to the old primary: its node's state, or its process gone.
    let mut before = Vec::new();
    if let Some((old, _)) = app.cluster(cluster).leader.clone().filter(|(leader, _)| *leader != name) {
        let world = api.world();
        let pod = world.pod_named(&old).map(|id| world.pod(id));
        match pod.and_then(|p| p.node).map(|n| world.node(n)) {
            Some(node) if node.machine != crate::objects::Machine::Running => {
                before.push(format!("{} {} at {}", node.name, node.machine.as_str(), node.machine_since));
                before.push(format!("{old} unreachable"));
            }
            _ if app.processes_of(&old).is_empty() => before.push(format!("{old} not running")),
            _ => {}
        }
    }
    let how = format!("{who} promoted {name} at {}{lease_note}", api.now);
    replication::promoted(app, process.volume, how, before, api.now);
    let promoted = app.volumes.get_mut(&process.volume).expect("checked above");
    promoted.role = Role::Primary;
    promoted.peers.clear();
    app.processes.get_mut(&pod).expect("checked above").catching_up = None;
    member_event(
        api,
        index,
        pod,
        format!(
            "promoted to primary of {cluster}{}",
            followed.map_or(String::new(), |old| format!(" in place of {old}"))
        ),
    );
    // Fencing: the other primaries of this cluster, as far as the operator reaches.
    let fenced: Vec<VolumeKey> = app
        .volumes
        .iter()
        .filter(|(volume, d)| **volume != process.volume && d.cluster == cluster && d.role == Role::Primary)
        .map(|(volume, _)| *volume)
        .collect();
    for volume in fenced {
        let words = volume_words(api.world(), volume);
        let old = app.volumes[&volume].member.clone();
        let running: Vec<(PodId, NodeId)> = app
            .processes_of(&old)
            .iter()
            .filter(|p| p.volume == volume && api.world().pod(p.pod).runtime.running)
            .map(|p| (p.pod, p.node))
            .collect();
        let cut_off =
            running.iter().find(|(_, node)| !crate::network::reaches_control_plane(api.world(), *node));
        if let Some((old_pod, node)) = cut_off {
            let node = api.world().node(*node).name.clone();
            let until = app.volumes[&volume].repl.lease_until;
            let lease = match until {
                Some(until) if until > api.now => {
                    format!("it keeps taking writes until its lease expires at {until}")
                }
                Some(_) => {
                    "its lease has expired, so it takes no writes, but it still believes it is the primary"
                        .into()
                }
                None => "it keeps taking writes until its lease expires".into(),
            };
            member_event(
                api,
                index,
                *old_pod,
                format!(
                    "cannot be fenced: it runs on {node}, which is cut off, so it is not told of {name}'s \
                     promotion; {lease}, and steps down only when it reaches the API server again"
                ),
            );
            continue;
        }
        if let Some((old_pod, _)) = running.first() {
            replication::step_down(
                api,
                app,
                index,
                *old_pod,
                &name,
                "fenced by the promotion: it is told of",
            );
            continue;
        }
        let branch = app.volumes[&process.volume].repl.clone();
        let tracked = replication::tracked(app);
        let data = app.volumes.get_mut(&volume).expect("listed above");
        data.role = Role::Replica;
        data.peers = [(Arc::<str>::from(name.as_str()), address.clone())].into();
        if tracked {
            data.repl.position_ms = data.repl.position_ms.min(branch.position_ms);
            data.repl.timeline = branch.timeline;
        }
        member_event(
            api,
            index,
            pod,
            format!(
                "fenced {old}: its data on {words} now says replica of {name} at {address}; when it starts again \
                 it follows {name}"
            ),
        );
    }
    // The replicas that reach the new primary follow it.
    let mut wake = Wake::new(api.now, index);
    let replicas: Vec<PodId> = app
        .processes_in_order()
        .into_iter()
        .filter(|p| *p != pod && app.cluster_of(&app.processes[p]) == Some(cluster))
        .filter(|p| is_replica(app, &app.processes[p]))
        .collect();
    for replica in replicas {
        let volume = app.processes[&replica].volume;
        if app.volumes[&volume].peers.get(name.as_str()) == Some(&address) {
            continue;
        }
        let member = app.processes[&replica].member.clone();
        let from = app.processes[&replica].node;
        match reach(api, app, from, &name, &address, &mut wake) {
            Reach::Ok(target) if target == pod => {
                app.volumes.get_mut(&volume).expect("a replica's data").peers =
                    [(Arc::<str>::from(name.as_str()), address.clone())].into();
                member_event(api, index, replica, format!("follows the new primary {name} at {address}"));
            }
            _ => member_event(
                api,
                index,
                pod,
                format!("{member} cannot reach it at {address} and keeps following its old primary"),
            ),
        }
    }
    Ok(())
}

/// Why a replica does not follow the primary.
#[derive(Debug, Clone, PartialEq)]
/// (The primary's name is shared with the replica's data, not copied: an
/// issue is made at most looks, and most are dropped unread.)
enum Issue {
    Unresolvable { primary: Arc<str>, name: String, cached: bool },
    Moved { primary: Arc<str>, stored: String, now_at: Option<Ipv4> },
    PrimaryDown { primary: Arc<str> },
    Foreign { primary: Arc<str>, theirs: ClusterId, ours: ClusterId },
    NotPrimary { primary: Arc<str> },
    Cut { primary: Arc<str>, node: NodeId },
}

/// Judges the application as it is now.
pub(super) fn evaluate(api: &mut Api, app: &mut App, wake: &mut Wake) -> Verdict {
    let now = api.now;
    for process in app.processes.values_mut() {
        process.in_sync = false;
    }
    let order = app.processes_in_order();
    let members: Vec<PodId> = order
        .iter()
        .copied()
        .filter(|p| matches!(app.processes[p].state, ProcessState::Member { .. }))
        .collect();
    app.replicating.clear();
    // Primaries that take writes (hold the leader lease as they believe), and
    // those that demoted themselves when their lease ran out.
    let (primaries, demoted): (Vec<PodId>, Vec<PodId>) = members
        .iter()
        .copied()
        .filter(|p| is_primary(app, *p))
        .partition(|p| replication::holds_lease(api, app, *p));
    // Primaries in more than one cluster (without collecting the clusters).
    let mut clusters = primaries.iter().filter_map(|p| app.cluster_of(&app.processes[p]));
    let several_clusters = clusters.next().is_some_and(|first| clusters.any(|c| c != first));
    if primaries.len() > 1 && several_clusters {
        return split_brain(api, app, &primaries);
    }
    if let Some(lost) = data_lost(api, app, &members) {
        return lost;
    }
    let replicas: Vec<PodId> =
        members.iter().copied().filter(|p| !primaries.contains(p) && !demoted.contains(p)).collect();
    // Each replica tries its primary at the address it stored.
    // How many replicas follow (only the count is told).
    let mut following = 0usize;
    let mut issues: Vec<(String, Issue)> = Vec::new();
    let mut catching_up: Vec<(String, String)> = Vec::new();
    for replica in &replicas {
        let process = &app.processes[replica];
        let Some((primary, stored)) = app.data_of(process).and_then(|d| d.peers.iter().next()) else {
            continue;
        };
        let ours = app.cluster_of(process).expect("a member");
        let mut source = None;
        // The names are copied only into an issue: most looks find none.
        let issue = match reach(api, app, process.node, primary, stored, wake) {
            Reach::Ok(target) => {
                let theirs = app.cluster_of(&app.processes[&target]);
                source = Some(target);
                match theirs {
                    Some(theirs) if theirs != ours => {
                        Some(Issue::Foreign { primary: primary.clone(), theirs, ours })
                    }
                    _ if !is_primary(app, target) || !primaries.contains(&target) => {
                        Some(Issue::NotPrimary { primary: primary.clone() })
                    }
                    _ => None,
                }
            }
            Reach::Cut { node } => Some(Issue::Cut { primary: primary.clone(), node }),
            Reach::Unresolvable { name, cached } => {
                Some(Issue::Unresolvable { primary: primary.clone(), name, cached })
            }
            Reach::WrongAddress { address, now_at } => {
                Some(Issue::Moved { primary: primary.clone(), stored: address.to_string(), now_at })
            }
            Reach::NotRunning => Some(Issue::PrimaryDown { primary: primary.clone() }),
        };
        match issue {
            Some(issue) => issues.push((process.member.clone(), issue)),
            None => {
                let process = app.processes.get_mut(replica).expect("a replica");
                match &process.catching_up {
                    Some((until, why)) if *until > now => {
                        catching_up.push((process.member.clone(), why.clone()))
                    }
                    _ => {
                        process.catching_up = None;
                        process.in_sync = true;
                        following += 1;
                        if let Some(source) = source {
                            app.replicating.insert(*replica, source);
                        }
                    }
                }
            }
        }
    }
    if primaries.len() > 1 {
        return two_leases(api, app, &primaries);
    }
    // Without a primary, or with every replica cut off from it, members
    // retry for `peer_timeout` before the cluster counts as broken.
    let cut_off = match primaries.first() {
        None => Some(no_primary(api, app, &issues)),
        Some(primary) if !replicas.is_empty() && following == 0 && catching_up.is_empty() => {
            let name = app.processes[primary].member.clone();
            Some(replicas_cut_off(api, app, &name, &issues))
        }
        Some(_) => None,
    };
    if let Some(verdict) = cut_off {
        let timeout = app.config().peer_timeout;
        let since = *app.cut_off_since.get_or_insert(now);
        if now >= since + timeout {
            return verdict;
        }
        wake.at(since + timeout);
        return Verdict {
            health: Health::Degraded,
            reason: format!("{} (members retry; BROKEN after {timeout} like this)", verdict.reason),
            ..verdict
        };
    }
    app.cut_off_since = None;
    let primary = primaries[0];
    app.processes.get_mut(&primary).expect("the primary").in_sync = true;
    let primary_name = app.processes[&primary].member.clone();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let cut = (!issues.is_empty()).then(|| replicas_cut_off(api, app, &primary_name, &issues));
    if let Some(verdict) = &cut {
        problems.push((verdict.code, verdict.reason.clone()));
    }
    for (member, why) in &catching_up {
        problems.push(("catching-up", format!("{member} catches up: {why}")));
    }
    for pod in &demoted {
        let process = &app.processes[pod];
        let until = app
            .data_of(process)
            .and_then(|d| d.repl.lease_until)
            .map_or(String::new(), |t| format!(" at {t}"));
        let (code, text) = if super::sentinel::writes_paused(app, *pod) {
            // The chart's preStop hook: writes wait (clients block) rather
            // than fail, and the member leaves with its container.
            let text = format!(
                "{} is stopping: its preStop hook paused its writes (CLIENT PAUSE WRITE) until its container exits",
                process.member
            );
            ("member-down", text)
        } else if replication::tracked(app) {
            let text = format!(
                "{} demoted itself when its leader lease ran out{until}: it is cut off on {} and still believes \
                 it was the primary",
                process.member,
                api.world().node(process.node).name
            );
            ("peers-unreachable", text)
        } else {
            let text = format!(
                "{} refuses writes: fewer replicas than min-replicas-to-write follow it and reach it",
                process.member
            );
            ("peers-unreachable", text)
        };
        problems.push((code, text));
    }
    problems.extend(missing(api, app));
    match problems.first() {
        None => Verdict::healthy(format!(
            "{primary_name} is the primary and {} follow it",
            match following {
                0 => "no replicas".to_string(),
                1 => "1 replica".to_string(),
                n => format!("{n} replicas"),
            }
        )),
        Some((code, _)) => {
            let reason: Vec<String> = problems.iter().map(|(_, r)| r.clone()).collect();
            match cut {
                // The replicas' reach problem comes first: keep its cause chain and fix.
                Some(cut) => Verdict { health: Health::Degraded, reason: reason.join("; "), ..cut },
                None => Verdict::degraded(code, reason.join("; ")).fix(
                    "Bring the missing or lagging members back in line; the cluster serves, with less redundancy.",
                ),
            }
        }
    }
}

/// Expected members that are not in the cluster, and why.
pub(super) fn missing(api: &Api, app: &App) -> Vec<(&'static str, String)> {
    let world = api.world();
    let mut out = Vec::new();
    let set = app.current_set(world);
    if set.removed_at.is_some() {
        return out;
    }
    // The names `App::expected` gives (`pod_name`: `<set>-<ordinal>`),
    // written into one buffer without the formatting machinery.
    let mut member = String::new();
    for ordinal in set.start_ordinal()..set.end_ordinal_exclusive() {
        member.clear();
        member.push_str(&set.name);
        member.push('-');
        let mut digits = [0u8; 10];
        let mut n = 0;
        let mut rest = ordinal;
        loop {
            digits[n] = b'0' + (rest % 10) as u8;
            n += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        member.extend(digits[..n].iter().rev().map(|d| char::from(*d)));
        let member = member.as_str();
        match app.first_process_of(member).map(|p| &p.state) {
            Some(ProcessState::Member { .. }) => {}
            Some(ProcessState::Waiting { why }) => {
                out.push(("member-waiting", format!("{member} waits: {why}")))
            }
            Some(ProcessState::Rejected { why, code }) => {
                out.push((*code, format!("{member} is refused: {why}")))
            }
            None => {
                let (status, _) = explain::down_status(world, member);
                out.push(("member-down", format!("{member} is not running ({status})")))
            }
        }
    }
    out
}

/// The words and chain for replicas that do not follow their primary.
fn replicas_cut_off(api: &Api, app: &App, primary: &str, issues: &[(String, Issue)]) -> Verdict {
    let world = api.world();
    let records = &api.trace.records;
    let (_, first) = &issues[0];
    let who: Vec<String> =
        issues.iter().filter(|(_, i)| same_kind(i, first)).map(|(member, _)| member.clone()).collect();
    let who_words = list(&who);
    let all = issues.len() == app.processes.values().filter(|p| is_replica(app, p)).count();
    let verb = "cannot";
    let their = if who.len() == 1 { "its" } else { "their" };
    let make = |code: &'static str, reason: String, why: Why, effect: String| {
        let verdict = if all { Verdict::broken(code, reason) } else { Verdict::degraded(code, reason) };
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        verdict.because(chain.then(effect)).fix(why.fix)
    };
    match first {
        Issue::Unresolvable { primary: target, name, cached } => {
            let why = explain::unresolvable(world, records, name, target, *cached);
            let code = match why.code {
                "service-missing" | "subdomain-changed" | "service-not-headless" => "peers-unreachable",
                other => other,
            };
            make(
                code,
                format!("{who_words} {verb} reach {their} primary {target}: {name} does not resolve"),
                why,
                format!("{who_words} {verb} reach {their} primary {target}"),
            )
        }
        Issue::Moved { primary: target, stored, now_at } => {
            let why = explain::moved(world, records, target, stored, *now_at);
            make(
                "stale-ip",
                format!(
                    "{who_words} {verb} reach {their} primary {target}: {stored} is where they stored it, and it now has {}",
                    now_at.map_or("none".to_string(), |ip| ip.to_string())
                ),
                why,
                format!("{who_words} still dial {stored} and {verb} reach {their} primary {target}"),
            )
        }
        Issue::PrimaryDown { primary: target } => {
            let why = member_down(world, records, target);
            make(
                "no-primary",
                format!("{who_words} {verb} reach {their} primary {target}: it is not running"),
                why,
                format!("{who_words} have no primary to follow"),
            )
        }
        Issue::Foreign { primary: target, theirs, ours } => {
            let cluster = app.cluster(*theirs);
            let mut steps = Vec::new();
            let (mut at, mut volume_fix) = (Some(cluster.created_at), String::new());
            if let Some(process) = app.processes_of(target).first()
                && let Some(emptied) = explain::volume_emptied(world, records, process)
            {
                at = emptied.at;
                steps.extend(emptied.steps);
                volume_fix = emptied.fix;
            }
            steps.extend(cluster.origin.iter().cloned());
            let why = Why {
                steps,
                at,
                fix: explain::and_volume_fix(
                    format!(
                        "Never let a member with an empty volume initialise a cluster while the cluster exists: \
                         restore {target}'s data (or make a replica of {ours} the primary and rebuild {target} from \
                         it), and let only a deliberate bootstrap create a new cluster."
                    ),
                    &volume_fix,
                ),
                code: "foreign-data",
            };
            make(
                "foreign-data",
                format!(
                    "{target} runs a new cluster, {theirs}, initialised at {} from an empty volume; {who_words} hold \
                     the data of {ours} and refuse to follow it",
                    cluster.created_at
                ),
                why,
                format!("{who_words} refuse to follow {target}: its data belongs to another cluster"),
            )
        }
        Issue::Cut { primary: target, node } => {
            let why = explain::cut(world, records, target, *node);
            make(
                "peers-unreachable",
                format!(
                    "{who_words} {verb} reach {their} primary {target}: the network to {} is cut",
                    world.node(*node).name
                ),
                why,
                format!("{who_words} {verb} reach {their} primary {target}"),
            )
        }
        Issue::NotPrimary { primary: target } => {
            let why = Why {
                steps: vec![format!("{target} is no longer a primary")],
                at: None,
                fix: format!("Make one member the primary and point {who_words} at it."),
                code: "no-primary",
            };
            let _ = primary;
            make(
                "no-primary",
                format!("{who_words} follow {target}, which is not a primary"),
                why,
                format!("{who_words} have no primary to follow"),
            )
        }
    }
}

fn is_replica(app: &App, process: &Process) -> bool {
    matches!(process.state, ProcessState::Member { .. })
        && app.data_of(process).is_some_and(|data| data.role == Role::Replica)
}

fn same_kind(a: &Issue, b: &Issue) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Why a member is not running, with the action that stopped it.
pub(super) fn member_down(world: &crate::world::World, records: &crate::trace::Records, member: &str) -> Why {
    let fix = format!(
        "Bring {member} back; until then only a failover to a replica restores writes (for PrimaryReplica, \
         an operator such as the built-in Failover promotes one)."
    );
    let current = world.pod_named(member);
    // The last delete of this member: of the live pod if it is terminating, else of an earlier one.
    let incarnations = world.pods_ever_named(member).iter().copied();
    let deleting = records.last_of_pods(&[Kind::PodDeleting], incarnations.clone());
    let earlier = incarnations.filter(|pod| Some(*pod) != current);
    let removed = records.last_of_pods(&[Kind::PodRemoved], earlier);
    let index = deleting.or(removed);
    let mut steps = Vec::new();
    if let Some(index) = index {
        steps.push(explain::blame_record(world, records, index, &format!("{member} deleted")));
    }
    let mut at = index.map(|i| records[i].at);
    match current.map(|id| world.pod(id)) {
        Some(pod) if pod.is_terminating() => steps.push(format!("{member} is terminating")),
        Some(pod) => match explain::down_status(world, member) {
            (status, Some(failed)) => {
                steps.push(status);
                at = at.or(Some(failed));
            }
            _ => steps.push(format!(
                "{member} is {} (created at {})",
                pod.display_status(world.kubectl()),
                pod.created_at
            )),
        },
        None => steps.push(format!("no pod {member} exists")),
    }
    let at = at.or(current.map(|id| world.pod(id).created_at));
    Why { steps, at, fix, code: "member-down" }
}

fn no_primary(api: &Api, app: &App, issues: &[(String, Issue)]) -> Verdict {
    // The member the replicas point at, else the one that initialised the cluster.
    let expected = issues
        .iter()
        .find_map(|(_, issue)| match issue {
            Issue::PrimaryDown { primary }
            | Issue::Unresolvable { primary, .. }
            | Issue::Moved { primary, .. }
            | Issue::Cut { primary, .. } => Some(&**primary),
            _ => None,
        })
        .or_else(|| app.clusters.first().map(|c| c.created_by.as_str()));
    let Some(primary) = expected else {
        let waiting = missing(api, app);
        let reason = waiting.first().map_or("no member runs".to_string(), |(_, r)| r.clone());
        return Verdict::broken("no-primary", format!("no primary: {reason}"))
            .fix("Let a member initialise the cluster, or start ordinal 0.");
    };
    if app.first_process_of(primary).is_some() && !issues.is_empty() {
        return replicas_cut_off(api, app, primary, issues);
    }
    // Made at each look while the primary is down (a replica retries every
    // few seconds), and the last verdict again at most of them: written
    // piece by piece rather than through `format!`.
    let mut reason = String::with_capacity(primary.len() + 45);
    reason.push_str("no primary: ");
    reason.push_str(primary);
    reason.push_str(" is not running, so writes fail");
    let mut verdict = Verdict::broken("no-primary", reason);
    verdict.deferred = Some(super::Deferred::NoPrimary { primary: primary.to_string() });
    verdict
}

/// The cause chain and fix of `no_primary`'s verdict, worked out when it is recorded.
pub(super) fn no_primary_why(api: &Api, primary: &str, verdict: &mut Verdict) {
    let why = member_down(api.world(), &api.trace.records, primary);
    let mut chain = Chain::root(why.steps[0].clone(), why.at);
    for step in &why.steps[1..] {
        chain = chain.then(step.clone());
    }
    let chain = chain.then("no member takes writes");
    verdict.cause = chain.steps;
    verdict.cause_at = chain.at;
    verdict.fix = why.fix;
}

/// Several members each believe they are the primary.
fn split_brain(api: &Api, app: &App, primaries: &[PodId]) -> Verdict {
    let world = api.world();
    let named: Vec<String> = primaries
        .iter()
        .map(|p| {
            let process = &app.processes[p];
            format!("{} ({})", process.member, app.cluster_of(process).expect("a member"))
        })
        .collect();
    let clusters: BTreeSet<ClusterId> =
        primaries.iter().filter_map(|p| app.cluster_of(&app.processes[p])).collect();
    let second = clusters.iter().nth(1).map(|c| app.cluster(*c));
    let set = app.current_set(world);
    let mut chain = match set.spec.pod_management_policy {
        crate::config::PodManagementPolicy::Parallel => Chain::root(
            format!(
                "podManagementPolicy: Parallel creates every pod of {} at once, so members start together \
                 with empty volumes",
                set.name
            ),
            app.first_start,
        ),
        crate::config::PodManagementPolicy::OrderedReady => Chain::root(
            format!("{} started with an empty volume", second.map_or("a member", |c| c.created_by.as_str())),
            second.map(|c| c.created_at),
        ),
    };
    if let Some(cluster) = second {
        for step in &cluster.origin {
            chain = chain.then(step.clone());
        }
    }
    chain = chain.then(format!("several primaries take writes: {}", list(&named)));
    let first_member = pod_name(&set.name, set.start_ordinal());
    Verdict::broken(
        "split-brain",
        format!("split brain: {} primaries, {}, each with its own cluster", named.len(), list(&named)),
    )
    .because(chain)
    .fix(format!(
        "Let only {first_member} initialise a cluster while the others wait for a primary (or start with \
         OrderedReady); then rebuild the extra primaries as replicas of one cluster (their writes are lost)."
    ))
}

/// The cluster that held the data has no running member, and another one
/// runs in its place: the application serves, empty.
fn data_lost(api: &Api, app: &App, members: &[PodId]) -> Option<Verdict> {
    let original = app.clusters.first()?;
    if members.is_empty() || members.iter().any(|p| app.cluster_of(&app.processes[p]) == Some(original.id)) {
        return None;
    }
    let current = members.iter().filter_map(|p| app.cluster_of(&app.processes[p])).min()?;
    let replacement = app.cluster(current);
    let records = &api.trace.records;
    let root = records.last_of(Kind::Script, |r| r.at <= replacement.created_at).and_then(|i| match &records
        [i]
        .event
    {
        Event::Script { description, .. } => Some((records[i].at, description.clone())),
        _ => None,
    });
    let held: Vec<String> = app
        .volumes
        .iter()
        .filter(|(_, d)| d.cluster == original.id)
        .filter_map(|(volume, _)| match volume {
            VolumeKey::Claim(claim) => Some(api.world().pvc(*claim).name.clone()),
            VolumeKey::HostDir { .. } => Some(volume_words(api.world(), *volume)),
            VolumeKey::Pod(_) => None,
        })
        .collect();
    let mut chain = match root {
        Some((at, description)) => Chain::root(format!("`{description}` at {at}"), Some(at)),
        None => Chain::root(format!("{} stopped", original.id), None),
    };
    for step in &replacement.origin {
        chain = chain.then(step.clone());
    }
    let chain = chain.then(format!("no member of {} runs: its data is not served", original.id));
    Some(
        Verdict::broken(
            "data-lost",
            format!(
                "{} has no running member; the members run {}, initialised empty at {}",
                original.id, replacement.id, replacement.created_at
            ),
        )
        .because(chain)
        .fix(if held.is_empty() {
            "Restore the data from a backup: no volume holds it any more.".to_string()
        } else {
            format!(
                "Bring the members back onto the volumes that hold {}'s data ({}): keep the StatefulSet's name, \
                 or restore those volumes into the new claims.",
                original.id,
                held.join(", ")
            )
        }),
    )
}

/// Two members of one cluster take writes at once: a promotion while the
/// old primary, cut off, still held its leader lease. Its writes since the
/// promotion diverge and are lost when it steps down.
fn two_leases(api: &Api, app: &App, primaries: &[PodId]) -> Verdict {
    let world = api.world();
    let records = &api.trace.records;
    let config = app.config();
    let cluster = app.cluster_of(&app.processes[&primaries[0]]).expect("a member");
    let record = app.cluster(cluster);
    // The newest timeline's primary is the promoted one; the others are old.
    let newest = primaries
        .iter()
        .copied()
        .max_by_key(|p| app.data_of(&app.processes[p]).map_or(0, |d| d.repl.timeline))
        .expect("two primaries");
    let new = app.processes[&newest].member.clone();
    let new_line = app.data_of(&app.processes[&newest]).map_or(0, |d| d.repl.timeline);
    let timeline = record.timelines.iter().find(|t| t.id == new_line);
    let olds: Vec<&Process> = primaries.iter().filter(|p| **p != newest).map(|p| &app.processes[p]).collect();
    let old = olds[0];
    let old_line = app.data_of(old).map_or(0, |d| d.repl.timeline);
    let until = app.data_of(old).and_then(|d| d.repl.lease_until);
    let divergent = match (timeline, record.timelines.iter().find(|t| t.id == old_line)) {
        (Some(new_line), Some(old_line)) => {
            replication::writes(config, old_line.written_after(new_line.started_at))
        }
        _ => 0,
    };
    let node = old.node;
    let why = explain::cut(world, records, &old.member, node);
    let mut chain = Chain::root(why.steps[0].clone(), why.at);
    for step in &why.steps[1..] {
        chain = chain.then(step.clone());
    }
    if let Some(timeline) = timeline {
        chain = chain.then(timeline.how.clone());
    }
    let names: Vec<String> = primaries.iter().map(|p| app.processes[p].member.clone()).collect();
    let cut = world.node(node).name.clone();
    if !replication::tracked(app) {
        // Redis with Sentinel: no lease; a master cut off keeps its role until told.
        chain = chain.then(format!(
            "the sentinels on the majority side promoted {new}; nothing reaches {} to demote it, and with no \
             lease it keeps taking writes from the clients on its side",
            old.member
        ));
        return Verdict::broken(
            "split-brain",
            format!(
                "split brain: {} both take writes: {} (cut off on {cut}, still a master) and {new} (promoted)",
                list(&names),
                old.member
            ),
        )
        .because(chain)
        .fix(format!(
            "Set `min-replicas-to-write` (with `min-replicas-max-lag`) so a master cut off from its replicas stops \
             taking writes; bring {cut} back and the sentinels turn {} into a replica (its writes since are lost).",
            old.member
        ));
    }
    let until_words =
        until.map_or("until its lease expires".to_string(), |t| format!("until its lease expires at {t}"));
    chain = chain.then(format!("{} was not fenced: it keeps accepting writes {until_words}", old.member));
    chain =
        chain.then(format!("{divergent} divergent writes so far on {}, lost when it steps down", old.member));
    Verdict::broken(
        "split-brain",
        format!(
            "split brain: {} both take writes for {cluster}: {} (cut off on {cut}, {until_words}) and {new} \
             (promoted); {divergent} divergent writes so far",
            list(&names),
            old.member,
        ),
    )
    .because(chain)
    .fix(format!(
        "Fence {} before promoting: wait until its leader lease has expired ({} after its last renewal), power \
         its node off (STONITH), or promote only what a majority agrees on; Patroni's own leader race does this.",
        old.member, config.lease_ttl
    ))
}
