//! Quorum systems with static membership: etcd and ZooKeeper.
//!
//! Owns the kind's rules (shared/failure-modes.md F03, F04, F07, F20, F24,
//! F27, section 2.2):
//! - the cluster forms once a majority of the initial members (the set's
//!   pods when the first ones start) can reach each other at their DNS
//!   names; the membership, with each member's address (name or IP), is
//!   kept in the replicated log, so on every member's volume;
//! - writes need a majority of the configured members able to reach each
//!   other, both ways, at the addresses the membership records; members
//!   that are down still count in the majority's denominator;
//! - a member with data rejoins; one whose data says it was removed from
//!   the cluster is refused (etcd: "the member has been permanently removed
//!   from the cluster"); with an empty volume, an etcd member the cluster
//!   already had panics at the leader's first heartbeat (its raft log is
//!   behind the commit index) until removed and added again, while a
//!   ZooKeeper server syncs from the
//!   leader; a member outside the static membership is refused (ZooKeeper:
//!   "My id N not in the peer list"; etcd needs `member add`);
//! - with etcd's DNS discovery (`discovery: Srv`, `--discovery-srv`), the
//!   initial cluster is not every pod name but what each member found in
//!   the SRV records of its Service when it started (through the DNS
//!   cache); a member that does not find itself exits (the kubelet restarts
//!   it), and members form or join only with those that bootstrapped the
//!   same list (the same cluster ID);
//! - with `remove_on_scale_down`, a pre-stop hook removes a member from the
//!   membership when its pod is scaled away (`etcdctl member remove`), and
//!   a member that comes back empty is added again; one that comes back
//!   with its old data is refused, as etcd refuses it. (Bitnami's etcd
//!   chart's start script would wipe such a member's data and add it
//!   again, `libetcd.sh` `is_node_still_a_member`: not modelled.)
//!
//! Verdict: BROKEN when fewer than a majority can reach each other, or with
//! two clusters; DEGRADED when some member is down, unreachable, refused or
//! catching up; HEALTHY otherwise.

use super::explain::{self, Why};
use super::*;
use crate::config::{Discovery, QuorumSystem};
use crate::controllers::dns;

fn system(app: &App) -> QuorumSystem {
    match app.kind() {
        AppKind::Quorum { system, .. } => *system,
        _ => unreachable!("the quorum model runs quorum applications"),
    }
}

/// A member's process started.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let now = api.now;
    let system = system(app);
    let process = app.processes[&pod].clone();
    let member = process.member.clone();
    let words = volume_words(api.world(), process.volume);
    let (catch_up, stale_after, formed) = (app.config().catch_up, app.config().stale_after, app.formed);
    let mut catching_up = None;
    let (state, what) = match app.volumes.get(&process.volume).cloned() {
        Some(data) => {
            let cluster = app.cluster(data.cluster);
            if cluster.removed.contains_key(&member) {
                let why = match system {
                    QuorumSystem::Etcd => format!(
                        "its data on {words} says it is a member of {}, but it was removed from the cluster: \
                         \"the member has been permanently removed from the cluster\"",
                        data.cluster
                    ),
                    QuorumSystem::ZooKeeper => format!(
                        "its data on {words} holds a dynamic configuration of {} from before it was removed",
                        data.cluster
                    ),
                };
                (
                    ProcessState::Rejected { why: why.clone(), code: "stale-data" },
                    format!("is refused: {why}"),
                )
            } else {
                let lag = now.since(data.synced_at);
                let mut what = format!("started with its data on {words}: a member of {}", data.cluster);
                if formed && lag >= stale_after {
                    catching_up = Some((now + catch_up, format!("came back with data {} old", ago(lag))));
                    what.push_str(&format!("; the data is {} old, so it catches up first", ago(lag)));
                }
                (ProcessState::Member { cluster: data.cluster }, what)
            }
        }
        None => {
            let srv = app.config().discovery == Discovery::Srv;
            match app.bootstrapped.get(&process.volume).cloned() {
                _ if !srv => empty_volume(app, system, &process, &words),
                Some(initial) => bootstrapped(app, system, &process, &words, &initial),
                None => (
                    ProcessState::Waiting { why: "it looks up its initial cluster in SRV records".into() },
                    format!(
                        "started with an empty {words}: it takes its initial cluster from the SRV records of its \
                         Service (etcd's DNS discovery)"
                    ),
                ),
            }
        }
    };
    let process = app.processes.get_mut(&pod).expect("booting");
    process.state = state;
    process.catching_up = catching_up;
    member_event(api, index, pod, what);
}

/// What a member with an empty volume does once it knows its initial
/// cluster: wait to form one, join the one formed, or be refused.
fn empty_volume(app: &App, system: QuorumSystem, process: &Process, words: &str) -> (ProcessState, String) {
    let member = process.member.clone();
    match app.clusters.first() {
        None => (
            ProcessState::Waiting {
                why: "waits for a majority of the initial members to form the cluster".into(),
            },
            format!(
                "started with an empty {words}: it waits for a majority of its peers to form the cluster"
            ),
        ),
        Some(cluster) => {
            let id = cluster.id;
            if cluster.removed.contains_key(&member) {
                (
                    ProcessState::Waiting { why: format!("it is added back to {id} and joins") },
                    format!("started with an empty {words}: it is added back to {id}"),
                )
            } else if !cluster.members.contains(&member) {
                let why = match system {
                    QuorumSystem::Etcd => format!(
                        "it is not a member of {id} (its static membership is {}): `etcdctl member add` is needed",
                        list(&cluster.members.iter().cloned().collect::<Vec<_>>())
                    ),
                    QuorumSystem::ZooKeeper => format!(
                        "\"My id {} not in the peer list\": {id}'s configuration lists {}",
                        process.ordinal + 1,
                        list(&cluster.members.iter().cloned().collect::<Vec<_>>())
                    ),
                };
                (
                    ProcessState::Rejected { why: why.clone(), code: "not-in-membership" },
                    format!("is refused: {why}"),
                )
            } else if app.joined.contains(&member) && system == QuorumSystem::Etcd {
                let why = format!(
                    "it started with an empty {words}, but {id} already has a member {member} with data: the \
                     leader's commit index is past its empty log, and etcd panics (\"tocommit(N) is out of range \
                     [lastIndex(0)]. Was the raft log corrupted, truncated, or lost?\") until it is removed and \
                     added again"
                );
                (
                    ProcessState::Rejected { why: why.clone(), code: "empty-data" },
                    format!("is refused: {why}"),
                )
            } else {
                (
                    ProcessState::Waiting {
                        why: format!("its volume is empty: it joins {id} and copies the data"),
                    },
                    format!("started with an empty {words}: it joins {id} and copies the data"),
                )
            }
        }
    }
}

/// A member's process stopped: with `remove_on_scale_down`, a scaled-away
/// member's pre-stop hook removes it from the membership.
pub(super) fn stopped(api: &mut Api, app: &mut App, index: usize, process: &Process) {
    let AppKind::Quorum { remove_on_scale_down: true, .. } = *app.kind() else { return };
    let Some(cluster) = app.cluster_of(process) else { return };
    if process.ghost_since.is_some() {
        return;
    }
    let set = app.current_set(api.world());
    if set.removed_at.is_some() || set.in_range(process.ordinal) {
        return;
    }
    let member = process.member.clone();
    if !app.cluster_mut(cluster).members.remove(&member) {
        return;
    }
    // The hook runs when the pod is deleted, not when its container has stopped.
    let deleted_at = api.world().pod(process.pod).deletion_timestamp.unwrap_or(api.now);
    let record = app.cluster_mut(cluster);
    record.removed.insert(member.clone(), deleted_at);
    record.peers.remove(&member);
    member_event(
        api,
        index,
        process.pod,
        format!("scaled away: its pre-stop hook removed it from {cluster} (`etcdctl member remove`)"),
    );
}

/// The cluster forms, and members with an empty volume join it.
pub(super) fn progress(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let srv = app.config().discovery == Discovery::Srv;
    if srv {
        discover(api, app, index, wake);
    }
    if app.clusters.is_empty() {
        form(api, app, index, wake);
    }
    let Some(cluster) = app.clusters.first().map(|c| c.id) else { return };
    if srv {
        refuse_mismatched(api, app, index);
    }
    let waiting = app.waiting();
    for pod in waiting {
        join(api, app, index, cluster, pod, wake);
    }
}

/// The SRV name etcd's DNS discovery looks up for a member under `service`
/// (`--discovery-srv <service>.<namespace>.svc.<domain>`; without TLS,
/// `_etcd-server._tcp.` before it: `GetSRVService` in client/pkg/srv).
fn srv_name(world: &crate::world::World, service: &str) -> String {
    format!("_etcd-server._tcp.{}", world.service_fqdn(service))
}

/// A member whose volume was bootstrapped with the initial cluster
/// `initial` (from SRV records): it waits to form that cluster, is refused
/// by a cluster formed with another initial membership (the cluster ID
/// differs), or follows the rules of an empty volume in the same one.
fn bootstrapped(
    app: &App,
    system: QuorumSystem,
    process: &Process,
    words: &str,
    initial: &BTreeSet<String>,
) -> (ProcessState, String) {
    let names = |set: &BTreeSet<String>| list(&set.iter().cloned().collect::<Vec<_>>());
    match app.clusters.first() {
        Some(cluster) if cluster.initial != *initial => {
            let why = format!(
                "its initial cluster from the SRV records is {}, but {} was formed with {}: the cluster IDs \
                 differ, so each side drops the other's messages (\"request cluster ID mismatch\")",
                names(initial),
                cluster.id,
                names(&cluster.initial)
            );
            (
                ProcessState::Rejected { why: why.clone(), code: "cluster-id-mismatch" },
                format!("is refused: {why}"),
            )
        }
        Some(_) => empty_volume(app, system, process, words),
        None => {
            let why = format!("its initial cluster is {}: it waits for a majority of it", names(initial));
            let what = format!(
                "bootstrapped with the initial cluster {}: it waits for a majority of it",
                names(initial)
            );
            (ProcessState::Waiting { why }, what)
        }
    }
}

/// etcd's DNS discovery (`--discovery-srv`), run by each member with an
/// empty data directory when it starts (client/pkg/srv `GetCluster`,
/// server/embed `PeerURLsMapAndToken`): it resolves its own peer URL, looks
/// up the SRV name through the cluster DNS cache, resolves each target (a
/// target that does not resolve is skipped), and takes the targets as its
/// initial cluster, itself among them matched by address. If its own name
/// does not resolve, the SRV name answers nothing, or it is not among the
/// targets ("cannot find local etcd member in SRV records"), etcd exits:
/// the kubelet restarts it after the back-off, and it looks again.
fn discover(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    for pod in app.waiting() {
        let process = app.processes[&pod].clone();
        if app.volumes.contains_key(&process.volume) || app.bootstrapped.contains_key(&process.volume) {
            continue;
        }
        let subdomain = api.world().pod(pod).subdomain.clone();
        let srv = srv_name(api.world(), &subdomain);
        let own = dns_name(api.world(), &process.member, &subdomain);
        super::watch(api, wake, &own);
        let own_lookup = dns::resolve(api, &own);
        if let Some(until) = own_lookup.stale_until {
            wake.at(until);
        }
        let found = match own_lookup.answer {
            None => Err(format!(
                "its own peer URL's host {own} does not resolve{}",
                if own_lookup.cached { " (a cached NXDOMAIN)" } else { "" }
            )),
            Some(own_ip) => {
                // The SRV answers change with the records under its Service.
                let service = api.world().service_fqdn(&subdomain);
                super::watch(api, wake, &service);
                let lookup = dns::resolve_srv(api, &srv);
                if let Some(until) = lookup.stale_until {
                    wake.at(until);
                }
                let cached = if lookup.cached { " from the cache" } else { "" };
                let mut initial = BTreeSet::new();
                let mut itself = false;
                for answer in &lookup.answers {
                    let host = answer.rsplit_once(':').map_or(answer.as_str(), |(host, _)| host);
                    super::watch(api, wake, host);
                    let target = dns::resolve(api, host);
                    if let Some(until) = target.stale_until {
                        wake.at(until);
                    }
                    let Some(ip) = target.answer else { continue };
                    if ip == own_ip {
                        itself = true;
                        initial.insert(process.member.clone());
                    } else {
                        initial.insert(host.split('.').next().unwrap_or(host).to_string());
                    }
                }
                if lookup.answers.is_empty() {
                    Err(format!("{srv} answers NXDOMAIN{cached}"))
                } else if !itself {
                    Err(format!(
                        "cannot find local etcd member \"{}\" in SRV records: {srv} answers {}{cached}",
                        process.member,
                        lookup.answers.join(", ")
                    ))
                } else {
                    Ok((initial, format!("{srv} answers {}{cached}", lookup.answers.join(", "))))
                }
            }
        };
        match found {
            Ok((initial, how)) => {
                app.bootstrapped.insert(process.volume, initial.clone());
                let words = volume_words(api.world(), process.volume);
                let (state, what) = bootstrapped(app, system(app), &process, &words, &initial);
                app.processes.get_mut(&pod).expect("discovering").state = state;
                member_event(api, index, pod, format!("DNS discovery: {how}; {what}"));
            }
            Err(why) => {
                if crate::controllers::kubelet::container_exited(api, pod) {
                    let what = format!(
                        "DNS discovery failed: {why}; etcd exits, and the kubelet restarts it (at once the first time, then after a back-off)"
                    );
                    app.processes.get_mut(&pod).expect("discovering").state = ProcessState::Rejected {
                        why: format!("DNS discovery failed: {why}"),
                        code: "discovery-failed",
                    };
                    member_event(api, index, pod, what);
                } else {
                    // Its node's kubelet cannot report the exit: look again on the member's loop.
                    wake.at(api.now + app.config().lookup_retry);
                }
            }
        }
    }
}

/// etcd with DNS discovery: a waiting member whose initial cluster differs
/// from the one that formed is refused.
fn refuse_mismatched(api: &mut Api, app: &mut App, index: usize) {
    for pod in app.waiting() {
        let process = app.processes[&pod].clone();
        if app.volumes.contains_key(&process.volume) {
            continue;
        }
        let Some(initial) = app.bootstrapped.get(&process.volume).cloned() else { continue };
        let words = volume_words(api.world(), process.volume);
        let (state, what) = bootstrapped(app, system(app), &process, &words, &initial);
        if matches!(state, ProcessState::Rejected { .. }) {
            app.processes.get_mut(&pod).expect("waiting").state = state;
            member_event(api, index, pod, what);
        }
    }
}

/// The initial members that are up look for each other by DNS name; once a
/// majority of them can reach each other, the cluster forms.
fn form(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let now = api.now;
    let expected = app.expected(api.world());
    let names: BTreeSet<String> = expected.iter().map(|(m, _)| m.clone()).collect();
    // Each member's initial cluster: every pod name (the static
    // `--initial-cluster`), or, with DNS discovery, what its SRV lookup found.
    let srv = app.config().discovery == Discovery::Srv;
    // Borrowed, not copied: every candidate compares its initial cluster
    // with each peer's, and a cluster of thousands would otherwise copy
    // thousands of names for each pair.
    let reader: &App = app;
    let initial_of = |pod: PodId| -> Option<&BTreeSet<String>> {
        if srv { reader.bootstrapped.get(&reader.processes[&pod].volume) } else { Some(&names) }
    };
    let same = |a: &BTreeSet<String>, b: &BTreeSet<String>| std::ptr::eq(a, b) || a == b;
    let waiting: Vec<PodId> = app
        .waiting()
        .into_iter()
        .filter(|p| names.contains(&app.processes[p].member) && initial_of(*p).is_some())
        .collect();
    // A look tries every candidate with every member of its initial
    // cluster: each name, subdomain and initial cluster is numbered once,
    // and each name under each subdomain resolved once.
    // The members' names: the set's first, then others from initial clusters.
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut all: Vec<&str> = Vec::new();
    for (member, _) in &expected {
        ids.entry(member.as_str()).or_insert_with(|| {
            all.push(member.as_str());
            all.len() - 1
        });
    }
    // The distinct initial clusters of the waiting pods, and each one's
    // members in order (the set's order first, then the others by name).
    let mut classes: Vec<(&BTreeSet<String>, Vec<usize>)> = Vec::new();
    // Each waiting pod's initial cluster, subdomain and name, by number.
    let mut seat: BTreeMap<PodId, (usize, usize, usize)> = BTreeMap::new();
    let mut subdomains: Vec<String> = Vec::new();
    for &pod in &waiting {
        let initial = initial_of(pod).expect("filtered");
        let class = classes.iter().position(|(c, _)| same(c, initial)).unwrap_or_else(|| {
            let mut order: Vec<usize> =
                expected.iter().filter(|(m, _)| initial.contains(m)).map(|(m, _)| ids[m.as_str()]).collect();
            for extra in initial.iter().filter(|m| !names.contains(*m)) {
                let id = *ids.entry(extra.as_str()).or_insert_with(|| {
                    all.push(extra.as_str());
                    all.len() - 1
                });
                order.push(id);
            }
            classes.push((initial, order));
            classes.len() - 1
        });
        let subdomain = &api.world().pod(pod).subdomain;
        let place = subdomains.iter().position(|s| s == subdomain).unwrap_or_else(|| {
            subdomains.push(subdomain.clone());
            subdomains.len() - 1
        });
        seat.insert(pod, (class, place, ids[app.processes[&pod].member.as_str()]));
    }
    // The peer a member counts for each name: the first waiting pod of that
    // name with the same initial cluster (so the same cluster ID).
    let mut peer_of: Vec<Vec<Option<PodId>>> = vec![vec![None; all.len()]; classes.len()];
    for &pod in &waiting {
        let (class, _, id) = seat[&pod];
        peer_of[class][id].get_or_insert(pod);
    }
    let name_under = |api: &Api, id: usize, place: usize| {
        Address::Dns(dns_name(api.world(), all[id], &subdomains[place]).into())
    };
    let mut slots: Vec<Vec<Option<(Address, super::Target)>>> = vec![vec![None; all.len()]; subdomains.len()];
    let mut group: Vec<PodId> = Vec::new();
    let mut group_initial = &names;
    for &candidate in &waiting {
        let (class, own_place, own_id) = seat[&candidate];
        let (initial, members) = (&classes[class].0, &classes[class].1);
        let majority = initial.len() / 2 + 1;
        let own_node = app.processes[&candidate].node;
        // Every member looks up every peer, up or not (this fills the cache);
        // only peers with the same initial cluster count, and only those
        // that reach it back under their own subdomain.
        let mut reachable = vec![candidate];
        for &id in members {
            if id == own_id {
                continue;
            }
            let there = reach_once(
                &mut slots[own_place][id],
                api,
                app,
                own_node,
                all[id],
                |api| name_under(api, id, own_place),
                wake,
            );
            let Some(peer) = peer_of[class][id] else { continue };
            if there != Reach::Ok(peer) {
                continue;
            }
            let (_, peer_place, _) = seat[&peer];
            let back = reach_once(
                &mut slots[peer_place][own_id],
                api,
                app,
                app.processes[&peer].node,
                all[own_id],
                |api| name_under(api, own_id, peer_place),
                wake,
            );
            if back == Reach::Ok(candidate) {
                reachable.push(peer);
            }
        }
        if reachable.len() >= majority && group.is_empty() {
            group = reachable;
            group_initial = initial;
        }
    }
    if group.is_empty() {
        return;
    }
    let group_initial = group_initial.clone();
    let founder = app.processes[&group[0]].member.clone();
    let cluster = app.new_cluster(&founder, now);
    let addressing = app.config().addressing;
    let subdomain = api.world().pod(group[0]).subdomain.clone();
    let mut peers = BTreeMap::new();
    for &member in &ordered(&expected, &names, &group_initial) {
        let address = match addressing {
            crate::config::Addressing::Dns => {
                Some(Address::Dns(dns_name(api.world(), member, &subdomain).into()))
            }
            crate::config::Addressing::Ip => group
                .iter()
                .find(|p| app.processes[p].member == member)
                .map(|p| Address::Ip(app.processes[p].ip)),
        };
        if let Some(address) = address {
            peers.insert(member.to_string(), address);
        }
    }
    let founders: Vec<String> = group.iter().map(|p| app.processes[p].member.clone()).collect();
    {
        let record = app.cluster_mut(cluster);
        record.members = group_initial.clone();
        record.initial = group_initial.clone();
        record.peers = peers;
        record.origin = vec![format!("{} formed {cluster} at {now}", list(&founders))];
    }
    for pod in &group {
        let process = app.processes.get_mut(pod).expect("forming");
        process.state = ProcessState::Member { cluster };
        let (volume, member) = (process.volume, process.member.clone());
        app.volumes.insert(
            volume,
            MemberData {
                cluster,
                member: member.clone(),
                role: Role::Voter,
                peers: BTreeMap::new(),
                synced_at: now,
                repl: Replication::default(),
            },
        );
        app.joined.insert(member);
    }
    for pod in group {
        member_event(
            api,
            index,
            pod,
            format!(
                "formed {cluster} with {} ({} of {} initial members)",
                list(&founders),
                founders.len(),
                group_initial.len()
            ),
        );
    }
}

/// The members of an initial cluster, the set's order (`expected`, whose
/// names are `names`) first, then the others by name.
fn ordered<'a>(
    expected: &'a [(String, u32)],
    names: &BTreeSet<String>,
    initial: &'a BTreeSet<String>,
) -> Vec<&'a str> {
    let mut order: Vec<&str> =
        expected.iter().map(|(m, _)| m.as_str()).filter(|m| initial.contains(*m)).collect();
    order.extend(initial.iter().filter(|m| !names.contains(*m)).map(String::as_str));
    order
}

/// A member with an empty volume joins the formed cluster once it can
/// reach a member of it (and be reached).
fn join(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, pod: PodId, wake: &mut Wake) {
    let now = api.now;
    let process = app.processes[&pod].clone();
    let member = process.member.clone();
    let readded = app.cluster(cluster).removed.contains_key(&member);
    if !readded && !app.cluster(cluster).members.contains(&member) {
        return;
    }
    let own = app.cluster(cluster).peers.get(&member).cloned().unwrap_or_else(|| address_of(app, &process));
    let voters: Vec<PodId> = app
        .processes_in_order()
        .into_iter()
        .filter(|p| app.cluster_of(&app.processes[p]) == Some(cluster) && *p != pod)
        .collect();
    let mut contact = None;
    // The joiner's own name, which every voter tries, resolved once.
    let mut own_target = None;
    for voter in voters {
        let voter_member = app.processes[&voter].member.clone();
        let Some(at) = app.cluster(cluster).peers.get(&voter_member).cloned() else { continue };
        let voter_node = app.processes[&voter].node;
        let reaches = reach(api, app, process.node, &voter_member, &at, wake) == Reach::Ok(voter)
            && reach_once(&mut own_target, api, app, voter_node, &member, |_| own.clone(), wake)
                == Reach::Ok(pod);
        if reaches {
            contact = Some(voter_member);
            break;
        }
    }
    let Some(contact) = contact else { return };
    let catch_up = app.config().catch_up;
    let formed = app.formed;
    {
        let record = app.cluster_mut(cluster);
        record.removed.remove(&member);
        record.removed_how.remove(&member);
        record.members.insert(member.clone());
        record.peers.insert(member.clone(), own.clone());
    }
    let process = app.processes.get_mut(&pod).expect("joining");
    process.state = ProcessState::Member { cluster };
    if formed {
        process.catching_up =
            Some((now + catch_up, "joined with an empty volume and copies the data".into()));
    }
    app.volumes.insert(
        process.volume,
        MemberData {
            cluster,
            member: member.clone(),
            role: Role::Voter,
            peers: BTreeMap::new(),
            synced_at: now,
            repl: Replication::default(),
        },
    );
    app.joined.insert(member);
    let how = if readded { "was added back to" } else { "joined" };
    member_event(api, index, pod, format!("{how} {cluster} through {contact}, at {own}"));
}

/// Why a configured member is not in the majority.
struct Absent {
    member: String,
    code: &'static str,
    text: String,
    why: Why,
}

/// Judges the application as it is now.
pub(super) fn evaluate(api: &mut Api, app: &mut App, wake: &mut Wake) -> Verdict {
    for process in app.processes.values_mut() {
        process.in_sync = false;
    }
    let now = api.now;
    let order = app.processes_in_order();
    let clusters: BTreeSet<ClusterId> =
        order.iter().filter_map(|p| app.cluster_of(&app.processes[p])).collect();
    if clusters.len() > 1 {
        let named: Vec<String> = clusters.iter().map(|c| c.to_string()).collect();
        return Verdict::broken("split-brain", format!("split brain: {} run side by side", list(&named)))
            .fix("Keep one cluster; rebuild the other's members from it (their writes are lost).");
    }
    let Some(cluster) = app.clusters.first().map(|c| c.id) else {
        return not_formed(api, app, wake);
    };
    // Borrowed, not copied (a copy of every member's name and address at
    // each look was most of a look's cost in a fleet of clusters); the
    // borrow ends before the members in quorum are marked, and is taken again.
    let record = app.cluster(cluster);
    let n = record.members.len();
    let majority = n / 2 + 1;
    let voters: Vec<PodId> = order
        .iter()
        .copied()
        .filter(|p| {
            let process = &app.processes[p];
            app.cluster_of(process) == Some(cluster) && record.members.contains(&process.member)
        })
        .collect();
    // Who reaches whom, both ways, at the addresses the membership records:
    // each voter's links, by place in `voters`.
    let mut links: Vec<Vec<usize>> = vec![Vec::new(); voters.len()];
    let mut failures: BTreeMap<String, Reach> = BTreeMap::new();
    // Each voter's name, node and recorded address, read once: a look tries
    // every pair, and a cluster may have hundreds of members.
    let seats: Vec<(PodId, &String, NodeId, Option<&Address>)> = voters
        .iter()
        .map(|p| {
            let process = &app.processes[p];
            (*p, &process.member, process.node, record.peers.get(&process.member))
        })
        .collect();
    // One target for each voter, resolved at its first try.
    let mut targets: Vec<Option<(Address, super::Target)>> = vec![None; seats.len()];
    for (i, &(a, a_member, a_node, a_at)) in seats.iter().enumerate() {
        for (j, &(b, b_member, b_node, b_at)) in seats.iter().enumerate().skip(i + 1) {
            let (Some(a_at), Some(b_at)) = (a_at, b_at) else {
                continue;
            };
            let to_b = reach_once(&mut targets[j], api, app, a_node, b_member, |_| b_at.clone(), wake);
            let to_a = reach_once(&mut targets[i], api, app, b_node, a_member, |_| a_at.clone(), wake);
            if to_b == Reach::Ok(b) && to_a == Reach::Ok(a) {
                links[i].push(j);
                links[j].push(i);
            } else {
                // The first failure to reach each member is the one told.
                if to_b != Reach::Ok(b) && !failures.contains_key(b_member) {
                    failures.insert(b_member.clone(), to_b);
                }
                if to_a != Reach::Ok(a) && !failures.contains_key(a_member) {
                    failures.insert(a_member.clone(), to_a);
                }
            }
        }
    }
    let staying = |pod: &PodId| {
        let pod = api.world().pod(*pod);
        pod.exists() && !pod.is_terminating()
    };
    let component = largest_component(&voters, &links, staying);
    if component.len() >= majority {
        for pod in &component {
            let process = app.processes.get_mut(pod).expect("a voter");
            match &process.catching_up {
                Some((until, _)) if *until > now => {}
                _ => {
                    process.catching_up = None;
                    process.in_sync = true;
                }
            }
        }
    }
    let record = app.cluster(cluster);
    let in_quorum: BTreeSet<&str> = component.iter().map(|p| app.processes[p].member.as_str()).collect();
    // Everyone configured who is not in the majority, and why.
    let mut absent: Vec<Absent> = Vec::new();
    let mut members: Vec<&String> = record.members.iter().collect();
    members.sort_by_cached_key(|m| (crate::objects::parse_pod_name(m).map(|(_, o)| o), m.as_str()));
    for member in members {
        if in_quorum.contains(member.as_str()) {
            continue;
        }
        absent.push(explain_absent(api, app, member, failures.get(member)));
    }
    // Members running outside the membership, and refused ones; and those
    // whose program exits at each start for it (`crash_looping`).
    for pod in &order {
        let process = &app.processes[pod];
        if matches!(process.state, ProcessState::Rejected { .. }) && !record.members.contains(&process.member)
        {
            absent.push(explain_absent(api, app, &process.member, None));
        }
    }
    for member in app.crash_looping.keys() {
        if !record.members.contains(member) && app.processes_of(member).is_empty() {
            absent.push(explain_absent(api, app, member, None));
        }
    }
    let catching: Vec<String> = component
        .iter()
        .filter_map(|p| {
            let process = &app.processes[p];
            process
                .catching_up
                .as_ref()
                .filter(|(until, _)| *until > now)
                .map(|(_, why)| format!("{} catches up: {why}", process.member))
        })
        .collect();
    if component.len() < majority {
        let texts: Vec<String> = absent.iter().map(|a| a.text.clone()).collect();
        let first = absent.first();
        let reason = format!(
            "quorum lost: {} of {n} members of {cluster} can reach each other, and a majority is {majority}: {}",
            component.len(),
            texts.join("; ")
        );
        let mut chain = match first {
            Some(absent) => {
                let mut chain = Chain::root(absent.why.steps[0].clone(), absent.why.at);
                for step in &absent.why.steps[1..] {
                    chain = chain.then(step.clone());
                }
                chain
            }
            None => Chain::default(),
        };
        let down: Vec<String> = absent.iter().map(|a| a.member.clone()).collect();
        chain = chain.then(format!(
            "{} out of the quorum: {} of {n} left, fewer than {majority}",
            list(&down),
            component.len()
        ));
        let fix = first.map_or(String::new(), |a| a.why.fix.clone());
        let fix = format!(
            "{fix} Keep a majority ({majority} of {n}) running: a PodDisruptionBudget with minAvailable: {majority}, \
             and anti-affinity so one node or zone cannot take several members."
        );
        let code = match first.map(|a| a.code) {
            Some("unresolvable-until-ready") => "unresolvable-until-ready",
            _ => "quorum-lost",
        };
        return Verdict::broken(code, reason).because(chain).fix(fix.trim().to_string());
    }
    if let Some(first) = absent.first() {
        let mut texts: Vec<String> = absent.iter().map(|a| a.text.clone()).collect();
        texts.extend(catching);
        let mut chain = Chain::root(first.why.steps[0].clone(), first.why.at);
        for step in &first.why.steps[1..] {
            chain = chain.then(step.clone());
        }
        let chain = chain.then(format!(
            "{} of {n} members in quorum: one more failure {}",
            component.len(),
            if component.len() > majority {
                "is survivable".to_string()
            } else {
                "loses the quorum".to_string()
            }
        ));
        return Verdict::degraded(first.code, texts.join("; ")).because(chain).fix(first.why.fix.clone());
    }
    if !catching.is_empty() {
        return Verdict::degraded("catching-up", catching.join("; "))
            .fix("Wait for the member to catch up; avoid taking another member down meanwhile.");
    }
    Verdict::healthy(format!("all {n} members of {cluster} are in quorum"))
}

/// The largest set of voters connected through mutual links (`links[i]`:
/// the places in `voters` that voter `i` reaches both ways); on a tie, the
/// one with more members that are staying (not being deleted), then the
/// first by ordinal. Its voters in the order found, from the first.
fn largest_component(voters: &[PodId], links: &[Vec<usize>], staying: impl Fn(&PodId) -> bool) -> Vec<PodId> {
    let mut seen = vec![false; voters.len()];
    let mut best: Vec<usize> = Vec::new();
    let score = |c: &[usize]| (c.len(), c.iter().filter(|&&i| staying(&voters[i])).count());
    for start in 0..voters.len() {
        if seen[start] {
            continue;
        }
        let mut component = vec![start];
        seen[start] = true;
        let mut i = 0;
        while i < component.len() {
            for &next in &links[component[i]] {
                if !seen[next] {
                    seen[next] = true;
                    component.push(next);
                }
            }
            i += 1;
        }
        if best.is_empty() || score(&component) > score(&best) {
            best = component;
        }
    }
    best.into_iter().map(|i| voters[i]).collect()
}

fn fix_for(app: &App, code: &str, member: &str) -> String {
    let etcd = system(app) == QuorumSystem::Etcd;
    match code {
        "empty-data" if etcd => format!(
            "Remove {member} from the cluster (`etcdctl member remove`) and add it back (`member add`), so it \
             starts with --initial-cluster-state existing; or restore its volume."
        ),
        "stale-data" => format!(
            "Wipe {member}'s data directory before it rejoins (or delete its claim on scale-down, whenScaled: \
             Delete), so it is added back as a new member."
        ),
        "not-in-membership" if etcd => {
            format!("Add {member} to the cluster (`etcdctl member add`) before it starts.")
        }
        "cluster-id-mismatch" => format!(
            "Bootstrap every member with the same initial cluster: start them together (podManagementPolicy: \
             Parallel) behind a peer Service with publishNotReadyAddresses: true, or list them statically \
             (--initial-cluster); then wipe {member}'s data so it bootstraps again (or `etcdctl member add` it \
             to the running cluster with --initial-cluster-state existing)."
        ),
        "discovery-failed" => format!(
            "Let {member} find itself in the SRV records when it starts: give the peer Service a port named \
             etcd-server and publishNotReadyAddresses: true, so a member is listed as soon as it has an address."
        ),
        "not-in-membership" => format!(
            "List {member} in every server's configuration (or add it with dynamic reconfiguration) and restart \
             the ensemble in order."
        ),
        _ => format!("Bring {member} back."),
    }
}

/// An initial member that is no pod of the set: with DNS discovery, etcd
/// takes every SRV target that resolves as a member (etcd's `srv.GetCluster`
/// names the ones that are not itself by a counter), so a pod the peer
/// Service selects but that runs no etcd (a client or debug pod carrying
/// the label) is in every member's initial cluster and counts towards the
/// majority, and never joins. CoreDNS names its endpoint by its dashed
/// address, which is the name the member took.
fn phantom_member(world: &crate::world::World, app: &App, member: &str) -> Option<Absent> {
    let ip = phantom_address(world, app, member)?;
    let set = app.current_set(world);
    let service = set.spec.service_name.clone();
    let address = ip.to_string();
    let peers = world.service_named(&service).map(|s| world.service(s));
    let selected = peers.map(|s| world.pods_selected_by(&s.selector));
    let live = selected.into_iter().flatten().map(|id| world.pod(id)).find(|p| p.status.pod_ip == Some(ip));
    // Gone since: the last pod the Service selects that had the address (an
    // address is reused, so not any pod's; an explanation, not a hot path).
    let pod = live.or_else(|| {
        world
            .pods
            .iter()
            .rev()
            .map(|p| &**p)
            .find(|p| p.status.pod_ip == Some(ip) && peers.is_some_and(|s| s.selects(&p.labels)))
    });
    let who = match pod {
        Some(p) if p.exists() => format!("pod {} ({address})", p.name),
        Some(p) => format!("pod {} ({address}, since deleted)", p.name),
        None => format!("the endpoint {address}"),
    };
    let selector = world
        .service_named(&service)
        .map(|s| {
            world.service(s).selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
        })
        .unwrap_or_default();
    let steps = vec![
        format!(
            "the peer Service {service} selects {selector}, which {who} matches too, though it runs no etcd"
        ),
        format!(
            "its SRV records listed it as {member}.{} when the members bootstrapped, and etcd's DNS discovery took \
             every target that resolves as an initial member",
            world.service_fqdn(&service)
        ),
        format!(
            "so the cluster was bootstrapped with {member} as a member that never starts: it counts towards the \
             majority and is never in it"
        ),
    ];
    Some(Absent {
        member: member.to_string(),
        code: "phantom-member",
        text: format!(
            "{member} is an initial member that is no etcd ({who}, listed by the peer Service's SRV records)"
        ),
        why: Why {
            steps,
            at: None,
            fix: format!(
                "Give the peer Service {service} a selector that only {}'s pods match (a label of its pod template no \
                 other pod carries); then remove the phantom member from the running cluster (`etcdctl member \
                 remove`), or wipe the members' volumes and bootstrap again.",
                set.name
            ),
            code: "phantom-member",
        },
    })
}

/// The address an initial member's name writes, if it is a phantom: with
/// DNS discovery, a name that is an endpoint's dashed address and not one
/// of the set's own members (a set may be named like an address's start).
fn phantom_address(world: &crate::world::World, app: &App, member: &str) -> Option<crate::objects::Ipv4> {
    if app.config().discovery != Discovery::Srv {
        return None;
    }
    let set = app.current_set(world);
    let own = crate::objects::parse_pod_name(member)
        .is_some_and(|(name, ordinal)| name == set.name && set.removed_at.is_none() && set.in_range(ordinal));
    if own {
        return None;
    }
    dns::dashed_address(member)
}

/// Why a configured member is not in the majority.
fn explain_absent(api: &Api, app: &App, member: &str, failure: Option<&Reach>) -> Absent {
    let world = api.world();
    let records = &api.trace.records;
    let processes = app.processes_of(member);
    if processes.is_empty()
        && let Some(phantom) = phantom_member(world, app, member)
    {
        return phantom;
    }
    let Some(process) = processes.first().copied().or_else(|| app.crash_looping.get(member)) else {
        let why = super::primary_replica::member_down(world, records, member);
        let (status, _) = super::explain::down_status(world, member);
        return Absent {
            member: member.to_string(),
            code: "member-down",
            text: format!("{member} is not running ({status})"),
            why: Why { fix: format!("Bring {member} back."), ..why },
        };
    };
    match &process.state {
        ProcessState::Rejected { why, code } => {
            let mut steps = Vec::new();
            let (mut at, mut volume_fix) = (None, String::new());
            if *code == "empty-data"
                && let Some(emptied) = explain::volume_emptied(world, records, process)
            {
                at = emptied.at;
                steps.extend(emptied.steps);
                volume_fix = emptied.fix;
            }
            let removed = app.clusters.first().and_then(|c| c.removed.get(member).map(|at| (c.id, *at)));
            if *code == "stale-data"
                && let Some((cluster, removed_at)) = removed
            {
                at = Some(removed_at);
                let how = app.clusters.first().and_then(|c| c.removed_how.get(member));
                steps.push(match how {
                    Some(how) => format!(
                        "{}: {how}, removing {member} from {cluster}; its claim kept the data",
                        explain::blame(world, records, removed_at, &format!("{member} removed"))
                    ),
                    None => format!(
                        "{}: its pre-stop hook removed {member} from {cluster}, and its claim kept the data",
                        explain::blame(world, records, removed_at, &format!("{member} scaled away"))
                    ),
                });
                let created = world.pod(process.pod).created_at;
                if created > removed_at {
                    steps.push(format!(
                        "{}: {member} came back on its old volume",
                        explain::blame(world, records, created, &format!("{member} created"))
                    ));
                }
            }
            steps.push(format!("{member} is refused: {why}"));
            Absent {
                member: member.to_string(),
                code,
                text: format!("{member} is refused: {why}"),
                why: Why {
                    steps,
                    at,
                    fix: explain::and_volume_fix(fix_for(app, code, member), &volume_fix),
                    code,
                },
            }
        }
        ProcessState::Waiting { why } => Absent {
            member: member.to_string(),
            code: "member-waiting",
            text: format!("{member} has not joined: {why}"),
            why: Why {
                steps: vec![format!("{member} has not joined: {why}")],
                at: None,
                fix: format!("Let {member} reach the other members."),
                code: "member-waiting",
            },
        },
        ProcessState::Member { .. } => match failure {
            Some(Reach::Unresolvable { name, cached }) => {
                let why = explain::unresolvable(world, records, name, member, *cached);
                Absent {
                    member: member.to_string(),
                    code: if why.code == "unresolvable-until-ready" { why.code } else { "peers-unreachable" },
                    text: format!("{member} cannot be reached: {name} does not resolve"),
                    why,
                }
            }
            Some(Reach::WrongAddress { address, now_at }) => {
                let why = explain::moved(world, records, member, &address.to_string(), *now_at);
                Absent {
                    member: member.to_string(),
                    code: "stale-ip",
                    text: format!(
                        "{member} cannot be reached: the membership has its IP {address}, and it now has {}",
                        now_at.map_or("none".to_string(), |ip| ip.to_string())
                    ),
                    why,
                }
            }
            _ if !crate::network::reaches_control_plane(world, process.node) => {
                let why = explain::cut(world, records, member, process.node);
                Absent {
                    member: member.to_string(),
                    code: "peers-unreachable",
                    text: format!(
                        "{member} is cut off: the network to {} is down",
                        world.node(process.node).name
                    ),
                    why,
                }
            }
            _ => Absent {
                member: member.to_string(),
                code: "peers-unreachable",
                text: format!("{member} cannot reach a majority"),
                why: Why {
                    steps: vec![format!("{member} cannot reach a majority")],
                    at: None,
                    fix: format!("Let {member} reach the other members."),
                    code: "peers-unreachable",
                },
            },
        },
    }
}

/// Before the cluster forms: who is up, and why they do not find each other.
fn not_formed(api: &mut Api, app: &App, wake: &mut Wake) -> Verdict {
    let expected = app.expected(api.world());
    let n = expected.len();
    let majority = n / 2 + 1;
    if app.config().discovery == Discovery::Srv {
        return srv_not_formed(api, app, n, majority);
    }
    let up: Vec<&Process> = app.processes.values().filter(|p| p.ghost_since.is_none()).collect();
    // The first peer a member cannot resolve says why nobody forms.
    let mut why: Option<Why> = None;
    // Each name under each subdomain resolved once in the pass.
    let mut targets: BTreeMap<Address, Option<(Address, super::Target)>> = BTreeMap::new();
    'outer: for process in &up {
        let subdomain = api.world().pod(process.pod).subdomain.clone();
        for (member, _) in &expected {
            if *member == process.member {
                continue;
            }
            let address = Address::Dns(dns_name(api.world(), member, &subdomain).into());
            if let Reach::Unresolvable { name, cached } = reach_once(
                targets.entry(address.clone()).or_default(),
                api,
                app,
                process.node,
                member,
                |_| address,
                wake,
            ) {
                why = Some(explain::unresolvable(api.world(), &api.trace.records, &name, member, cached));
                break 'outer;
            }
        }
    }
    let reason = format!(
        "the cluster has not formed: {} of {n} initial members are up, and a majority ({majority}) must reach each other",
        up.len()
    );
    let Some(why) = why else {
        return Verdict::broken("quorum-lost", reason)
            .fix(format!("Start at least {majority} of the {n} members."));
    };
    let mut chain = Chain::root(why.steps[0].clone(), why.at);
    for step in &why.steps[1..] {
        chain = chain.then(step.clone());
    }
    if app.config().readiness == AppReadiness::Joined {
        chain = chain.then("the readiness probe passes only once a member has joined (readiness: Joined)");
    }
    let chain = chain.then("no member can reach a majority, so the cluster never forms");
    let code = if why.code == "unresolvable-until-ready" { why.code } else { "quorum-lost" };
    Verdict::broken(code, format!("{reason}: peers cannot resolve each other")).because(chain).fix(why.fix)
}

/// Before an etcd cluster that bootstraps from SRV records forms: what the
/// SRV name lists, and why that gives no majority the same initial cluster.
fn srv_not_formed(api: &Api, app: &App, n: usize, majority: usize) -> Verdict {
    let world = api.world();
    if let Some(verdict) = outnumbered_by_phantoms(world, app, n) {
        return verdict;
    }
    let service = &app.current_set(world).spec.service_name;
    let srv = srv_name(world, service);
    let publishes = world.service_named(service).map(|s| world.service(s).publish_not_ready_addresses);
    let reason = format!(
        "the cluster has not formed: members take their initial cluster from {srv} when they start, and no \
         majority ({majority} of {n}) of them found the same one"
    );
    let mut chain = Chain::root(
        match publishes {
            None => format!("no Service {service} exists, so {srv} answers NXDOMAIN"),
            Some(false) => format!(
                "{srv} lists only Ready endpoints (publishNotReadyAddresses: false), and a member is Ready only \
                 once it runs, after it has found itself there"
            ),
            Some(true) => {
                format!("{srv} lists every member with an address (publishNotReadyAddresses: true)")
            }
        },
        None,
    );
    let failed =
        app.processes_in_order().into_iter().map(|p| &app.processes[&p]).find_map(|p| match &p.state {
            ProcessState::Rejected { why, code: "discovery-failed" } => Some(format!("{}: {why}", p.member)),
            _ => None,
        });
    if let Some(failed) = failed {
        chain = chain.then(format!(
            "{failed}; etcd exits and the kubelet restarts it, with a back-off from its second exit"
        ));
    }
    let chain =
        chain.then("no majority bootstraps with the same initial cluster, so the cluster never forms");
    let member = expected_first(app, world);
    Verdict::broken("discovery-failed", reason).because(chain).fix(fix_for(app, "discovery-failed", &member))
}

/// Members that bootstrapped with phantom members (`phantom_member`) in
/// their initial cluster so many that the set's own members, all of them,
/// are no majority of it: the cluster can never form.
fn outnumbered_by_phantoms(world: &crate::world::World, app: &App, n: usize) -> Option<Verdict> {
    let initial = app.bootstrapped.values().max_by_key(|initial| initial.len())?;
    let majority = initial.len() / 2 + 1;
    if n >= majority {
        return None;
    }
    let phantoms: Vec<&String> = initial
        .iter()
        .filter(|m| phantom_address(world, app, m).is_some() && app.processes_of(m).is_empty())
        .collect();
    if phantoms.is_empty() {
        return None;
    }
    let first = phantom_member(world, app, phantoms[0])?;
    let names: Vec<String> = phantoms.iter().map(|m| m.to_string()).collect();
    let reason = format!(
        "the cluster has not formed: its members bootstrapped with {} initial members, {} of them no etcd ({}), \
         and a majority is {majority}, more than the {n} the set runs",
        initial.len(),
        phantoms.len(),
        list(&names)
    );
    let mut chain = Chain::root(first.why.steps[0].clone(), None);
    for step in &first.why.steps[1..] {
        chain = chain.then(step.clone());
    }
    let chain = chain.then(format!(
        "only the set's {n} members can ever start, fewer than a majority ({majority}) of {}, so the cluster never forms",
        initial.len()
    ));
    let service = &app.current_set(world).spec.service_name;
    let fix = format!(
        "Give the peer Service {service} a selector that only {}'s pods match (a label of its pod template no \
         other pod carries); the initial cluster is on the members' volumes, so wipe them and let the members \
         bootstrap again.",
        app.current_set(world).name
    );
    Some(Verdict::broken("phantom-member", reason).because(chain).fix(fix))
}

/// The first member the set wants, for fixes that name one.
fn expected_first(app: &App, world: &crate::world::World) -> String {
    app.expected(world).first().map_or_else(|| "a member".to_string(), |(m, _)| m.clone())
}

/// Whether the cluster can commit a membership change now: it is formed
/// and its last verdict found a majority (a change is a log entry, which
/// needs a quorum: etcd `member remove`/`member add`, ZooKeeper `reconfig`).
fn can_commit(app: &App) -> Result<ClusterId, String> {
    let Some(cluster) = app.clusters.first().map(|c| c.id) else {
        return Err("the cluster has not formed".into());
    };
    match &app.verdict {
        Some(v)
            if v.health == Health::Broken && matches!(v.code, "quorum-lost" | "unresolvable-until-ready") =>
        {
            Err(format!("{cluster} has no quorum, so it cannot commit a membership change: {}", v.reason))
        }
        _ => Ok(cluster),
    }
}

/// `etcdctl member remove` / `reconfig -remove`, run in a member the
/// operator reaches: the member leaves the membership (the majority's
/// denominator shrinks); a running process of it stops serving, and its
/// data is tombstoned: it is refused if it comes back with it.
pub(super) fn remove_member(api: &mut Api, app: &mut App, index: usize, member: &str) -> Result<(), String> {
    let cluster = can_commit(app)?;
    let target = exec_target(api, app, cluster)?;
    if !app.cluster(cluster).members.contains(member) {
        return Err(format!("{member} is not a member of {cluster}"));
    }
    if system(app) == QuorumSystem::Etcd {
        may_remove(api, app, cluster, target, member)?;
    }
    let now = api.now;
    let system = system(app);
    {
        let record = app.cluster_mut(cluster);
        record.members.remove(member);
        record.removed.insert(member.to_string(), now);
        record.peers.remove(member);
    }
    let command = match system {
        QuorumSystem::Etcd => "`etcdctl member remove`",
        QuorumSystem::ZooKeeper => "`reconfig -remove`",
    };
    let who = crate::trace::actor_name(api.world(), api.actor);
    app.cluster_mut(cluster).removed_how.insert(member.to_string(), format!("{who} ran {command}"));
    let running: Vec<PodId> = app.processes_of(member).iter().map(|p| p.pod).collect();
    for pod in &running {
        let process = app.processes.get_mut(pod).expect("listed above");
        if app.volumes.get(&process.volume).is_some_and(|d| d.cluster == cluster) {
            let why = match system {
                QuorumSystem::Etcd => format!(
                    "it was removed from {cluster}: \"the member has been permanently removed from the cluster\""
                ),
                QuorumSystem::ZooKeeper => {
                    format!("it was removed from {cluster}'s configuration and is no longer a participant")
                }
            };
            process.state = ProcessState::Rejected { why, code: "stale-data" };
            process.catching_up = None;
        }
    }
    let n = app.cluster(cluster).members.len();
    let what = format!(
        "removed from {cluster} ({command}): the membership has {n} members, so a majority is {}",
        n / 2 + 1
    );
    match running.first() {
        Some(pod) => member_event(api, index, *pod, what),
        None => {
            let target = exec_target(api, app, cluster)?;
            member_event(api, index, target, format!("{member} {what}"));
        }
    }
    Ok(())
}

/// `etcdctl member add` / `reconfig -add`: the member joins the membership
/// at its DNS name (the majority's denominator grows at once, whether or not
/// it runs). A process of it with an empty volume then joins and copies the
/// data; one with data from before a removal stays refused until its data
/// is wiped (etcd: "the data-dir used by this member must be removed").
pub(super) fn add_member(api: &mut Api, app: &mut App, index: usize, member: &str) -> Result<(), String> {
    let cluster = can_commit(app)?;
    let target = exec_target(api, app, cluster)?;
    if app.cluster(cluster).members.contains(member) {
        return Err(format!("{member} is already a member of {cluster}"));
    }
    if system(app) == QuorumSystem::Etcd {
        may_add(api, app, cluster, target)?;
    }
    let system = system(app);
    let subdomain = api.world().pod(target).subdomain.clone();
    let address = match app.config().addressing {
        crate::config::Addressing::Dns => Address::Dns(dns_name(api.world(), member, &subdomain).into()),
        crate::config::Addressing::Ip => match app.processes_of(member).first() {
            Some(p) => Address::Ip(p.ip),
            None => return Err(format!("{member} does not run, so it has no IP to add")),
        },
    };
    {
        let record = app.cluster_mut(cluster);
        record.members.insert(member.to_string());
        record.peers.insert(member.to_string(), address.clone());
    }
    let tombstoned = app.cluster(cluster).removed.contains_key(member);
    // A refused process with an empty volume may now join.
    let refused: Vec<PodId> = app
        .processes_of(member)
        .iter()
        .filter(|p| matches!(p.state, ProcessState::Rejected { .. }) && !app.volumes.contains_key(&p.volume))
        .map(|p| p.pod)
        .collect();
    for pod in refused {
        app.processes.get_mut(&pod).expect("listed above").state =
            ProcessState::Waiting { why: format!("it was added to {cluster}: it joins and copies the data") };
    }
    let command = match system {
        QuorumSystem::Etcd => "`etcdctl member add`",
        QuorumSystem::ZooKeeper => "`reconfig -add`",
    };
    let n = app.cluster(cluster).members.len();
    let stale =
        if tombstoned { "; a copy of its old data would be refused: it must start empty" } else { "" };
    api.record(Event::AppMember {
        app: index,
        pod: target,
        what: format!(
            "{member} added to {cluster} at {address} ({command}): the membership has {n} members, so a majority \
             is {}{stale}",
            n / 2 + 1
        ),
    });
    Ok(())
}

/// The refusal etcd gives a membership change under
/// `--strict-reconfig-check`, on by default (server/embed/config.go
/// `DefaultStrictReconfigCheck`).
fn strict(error: &str, why: String) -> String {
    format!("etcd refuses it (--strict-reconfig-check, on by default): \"{error}\": {why}")
}

/// Whether `member` of `cluster` is connected to the member the command
/// runs in (`target`): it runs, in the cluster, and the network between
/// them works. The member the command runs in is connected to itself.
fn connected(api: &Api, app: &App, cluster: ClusterId, target: PodId, member: &str) -> bool {
    let from = &app.processes[&target];
    from.member == member
        || app.processes_of(member).into_iter().any(|p| {
            p.ghost_since.is_none()
                && app.cluster_of(p) == Some(cluster)
                && crate::network::reachable(api.world(), from.node, p.node)
        })
}

/// Whether a member has started once in the cluster (etcd: published its
/// attributes, `Member.IsStarted`).
fn started(app: &App, member: &str) -> bool {
    app.joined.contains(member)
}

/// etcd's `mayRemoveMember` (etcdserver/server.go): the voters left must
/// include a majority that have started (`IsReadyToRemoveVotingMember`);
/// a member the receiving member is not connected to is safe to remove;
/// otherwise the receiving member must stay connected to a majority of the
/// voters after the removal (`numConnectedSince`, within its 5 s
/// `HealthInterval`: not modelled, connected means connected now).
fn may_remove(api: &Api, app: &App, cluster: ClusterId, target: PodId, member: &str) -> Result<(), String> {
    let voters = &app.cluster(cluster).members;
    let others: Vec<&String> = voters.iter().filter(|m| *m != member).collect();
    let started_others = others.iter().filter(|m| started(app, m)).count();
    if others.is_empty() || started_others < others.len() / 2 + 1 {
        return Err(strict(
            "etcdserver: re-configuration failed due to not enough started members",
            format!(
                "{started_others} of the {} members left would have started, fewer than a majority",
                others.len()
            ),
        ));
    }
    if !connected(api, app, cluster, target, member) {
        return Ok(());
    }
    // The member the command runs in may itself be outside the voters (a
    // removed member still running where its kubelet is cut off): the
    // counts then start from nothing, never below it.
    let active = voters.iter().filter(|m| connected(api, app, cluster, target, m)).count();
    let left = active.saturating_sub(1);
    let majority_after = 1 + voters.len().saturating_sub(1) / 2;
    if left < majority_after {
        let down: Vec<String> =
            voters.iter().filter(|m| !connected(api, app, cluster, target, m)).cloned().collect();
        return Err(strict(
            "etcdserver: unhealthy cluster",
            format!(
                "{} cannot be reached, so removing {member}, which can, would leave {} of {} members reachable, \
                 fewer than a majority",
                list(&down),
                left,
                voters.len().saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

/// etcd's `mayAddMember` (etcdserver/server.go): a majority of the
/// membership with the new member must have started
/// (`IsReadyToAddVotingMember`; a second member added to a cluster of one
/// is allowed), and the receiving member must be connected to every voter
/// (`isConnectedFullySince`).
fn may_add(api: &Api, app: &App, cluster: ClusterId, target: PodId) -> Result<(), String> {
    let voters = &app.cluster(cluster).members;
    let members = voters.len() + 1;
    let started_voters = voters.iter().filter(|m| started(app, m)).count();
    if !(started_voters == 1 && members == 2) && started_voters < members / 2 + 1 {
        return Err(strict(
            "etcdserver: re-configuration failed due to not enough started members",
            format!(
                "only {started_voters} of the {members} members it would then have started, fewer than a \
                 majority: a member added before has not started yet"
            ),
        ));
    }
    let down: Vec<String> =
        voters.iter().filter(|m| !connected(api, app, cluster, target, m)).cloned().collect();
    if !down.is_empty() {
        return Err(strict(
            "etcdserver: unhealthy cluster",
            format!(
                "{} cannot be reached, and a member is added only while every member is connected",
                list(&down)
            ),
        ));
    }
    Ok(())
}

/// The member an operator runs the command in: a running member of the
/// cluster on a node the API server reaches (an exec goes through it).
fn exec_target(api: &Api, app: &App, cluster: ClusterId) -> Result<PodId, String> {
    app.processes_in_order()
        .into_iter()
        .find(|p| {
            let process = &app.processes[p];
            process.ghost_since.is_none()
                && app.cluster_of(process) == Some(cluster)
                && crate::network::reaches_control_plane(api.world(), process.node)
        })
        .ok_or_else(|| {
            format!("no member of {cluster} runs where the API server reaches it (an exec needs one)")
        })
}
