//! Independent members with seeds: Cassandra.
//!
//! Owns the kind's rules (shared/failure-modes.md F02, F25, section 2.2):
//! - every node is equal; the seeds (a list of ordinals, configured as DNS
//!   names, or as the IPs they had when the ring started with addressing
//!   `Ip`) are only how a node finds the ring when it starts;
//! - a node with an empty volume contacts the seeds in order and joins the
//!   ring of the first one that answers, streaming its share of the data. A
//!   seed that reaches no other seed starts a ring of its own, so several
//!   seeds starting together each start one (casskop#384);
//! - a node keeps the addresses it learned by gossip (the peers table, by
//!   IP) on its volume. Nodes in contact keep each other's addresses
//!   current; a node back with a new IP is found again through a seed or a
//!   peer still at the address it lists;
//! - a node with an empty volume that replaces one the ring already holds
//!   needs `-Dcassandra.replace_address_first_boot`; without it, it exits.
//!   Cassandra knows nodes by address: at the old node's address it
//!   collides with it ("A node with address ... already exists"); at a new
//!   one it bootstraps as a new node, and the consistent range movement
//!   fails on the old node, down ("A node required to move the data
//!   consistently is down").
//!
//! - the ring is every node that joined it and was not decommissioned: a
//!   pod scaled away without `nodetool decommission` stays in it, down,
//!   and keeps its token ranges (`ring_nodes`).
//!
//! Verdict: each token range has `replicationFactor` replicas on
//! neighbouring nodes and needs a quorum of them up for QUORUM reads and
//! writes: BROKEN when a range has fewer, or with two rings; DEGRADED while a
//! range is below its replication factor or a node catches up.

use super::explain::{self, Why};
use super::*;

fn settings(app: &App) -> (Vec<u32>, usize) {
    match app.kind() {
        AppKind::Cassandra { seeds, replication_factor } => (seeds.clone(), *replication_factor as usize),
        _ => unreachable!("the Cassandra model runs Cassandra applications"),
    }
}

/// The seeds by member name.
fn seeds(api: &Api, app: &App) -> Vec<String> {
    let set = app.current_set(api.world());
    settings(app).0.into_iter().map(|o| pod_name(&set.name, o)).collect()
}

/// How node `from` addresses seed `seed`: its DNS name, or the IP recorded
/// when the ring started.
fn seed_address(api: &Api, app: &App, from: PodId, seed: &str) -> Address {
    if app.config().addressing == crate::config::Addressing::Ip
        && let Some(address) = app.clusters.first().and_then(|c| c.peers.get(seed))
    {
        return address.clone();
    }
    Address::Dns(dns_name(api.world(), seed, &api.world().pod(from).subdomain).into())
}

/// A node's process started.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let now = api.now;
    let process = app.processes[&pod].clone();
    let words = volume_words(api.world(), process.volume);
    let (catch_up, stale_after, formed) = (app.config().catch_up, app.config().stale_after, app.formed);
    let mut catching_up = None;
    let (state, what) = match app.volumes.get(&process.volume) {
        Some(data) if decommissioned(app, &process.member) => {
            let why = format!(
                "its data on {words} says it was decommissioned from {}: \"This node was decommissioned and will \
                 not rejoin the ring unless cassandra.override_decommission=true has been set, or all existing data \
                 is removed and the node is bootstrapped again\"",
                data.cluster
            );
            (ProcessState::Rejected { why: why.clone(), code: "stale-data" }, format!("is refused: {why}"))
        }
        Some(data) => {
            let lag = now.since(data.synced_at);
            let mut what = format!("started with its data on {words}: a node of the ring {}", data.cluster);
            if formed && lag >= stale_after {
                catching_up = Some((now + catch_up, format!("came back with data {} old", ago(lag))));
                what.push_str(&format!("; the data is {} old, so it needs a repair", ago(lag)));
            }
            (ProcessState::Member { cluster: data.cluster }, what)
        }
        None if app.joined.contains(&process.member) && !decommissioned(app, &process.member) => {
            // Cassandra knows its nodes by address, not by pod name: the ring
            // holds the old node (by the address the other nodes gossiped
            // with), down. At the same address the new one collides with it
            // (`checkForEndpointCollision`); at another it bootstraps as a
            // new node, and the consistent range movement it needs must
            // stream from the old one, which is down (RangeStreamer). Either
            // way it exits.
            let member = process.member.as_str();
            let why = match app.last_ip.get(member).copied() {
                Some(old) if old != process.ip => format!(
                    "it started with an empty {words} at a new address, {}, so it bootstraps as a new node while \
                     the ring still holds {member}'s old node at {old}, down: \"A node required to move the data \
                     consistently is down ({old})\"; it needs -Dcassandra.replace_address_first_boot={old}",
                    process.ip
                ),
                _ => format!(
                    "it started with an empty {words} at the address the ring knows for {member}, which already \
                     has tokens: \"A node with address {} already exists, cancelling join\"; it needs \
                     -Dcassandra.replace_address_first_boot",
                    process.ip
                ),
            };
            (ProcessState::Rejected { why: why.clone(), code: "empty-data" }, format!("is refused: {why}"))
        }
        None => (
            ProcessState::Waiting { why: "its volume is empty: it contacts the seeds".into() },
            format!("started with an empty {words}: it contacts the seeds"),
        ),
    };
    let process = app.processes.get_mut(&pod).expect("booting");
    process.state = state;
    process.catching_up = catching_up;
    member_event(api, index, pod, what);
}

/// Nodes with an empty volume join through a seed or start a ring; nodes in
/// contact keep each other's addresses current.
pub(super) fn progress(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let seeds = seeds(api, app);
    let waiting = app.waiting();
    for pod in waiting {
        join(api, app, index, pod, &seeds, wake);
    }
    let clusters: BTreeSet<ClusterId> = app.processes.values().filter_map(|p| app.cluster_of(p)).collect();
    for cluster in clusters {
        let nodes = nodes_of(app, cluster);
        let links = ring_links(api, app, &nodes, &seeds, wake);
        for component in components(&nodes, &links) {
            spread_addresses(api, app, index, &component);
        }
    }
}

fn join(api: &mut Api, app: &mut App, index: usize, pod: PodId, seeds: &[String], wake: &mut Wake) {
    let now = api.now;
    let member = app.processes[&pod].member.clone();
    let mut tried = Vec::new();
    let mut why_not = None;
    for seed in seeds.iter().filter(|s| **s != member) {
        let address = seed_address(api, app, pod, seed);
        match reach(api, app, app.processes[&pod].node, seed, &address, wake) {
            Reach::Ok(target) => {
                if let Some(cluster) = app.cluster_of(&app.processes[&target]) {
                    let peers: BTreeMap<Arc<str>, Address> = nodes_of(app, cluster)
                        .iter()
                        .map(|p| (app.processes[p].name.clone(), Address::Ip(app.processes[p].ip)))
                        .collect();
                    let (catch_up, formed) = (app.config().catch_up, app.formed);
                    let process = app.processes.get_mut(&pod).expect("joining");
                    process.state = ProcessState::Member { cluster };
                    if formed {
                        process.catching_up = Some((now + catch_up, "streams its share of the data".into()));
                    }
                    let volume = process.volume;
                    app.volumes.insert(
                        volume,
                        MemberData {
                            cluster,
                            member: member.clone(),
                            role: Role::Voter,
                            peers,
                            synced_at: now,
                            repl: Replication::default(),
                        },
                    );
                    app.joined.insert(member.clone());
                    app.cluster_mut(cluster).members.insert(member.clone());
                    // Bootstrapped again with an empty volume: a new node of the ring.
                    app.cluster_mut(cluster).removed.remove(&member);
                    app.cluster_mut(cluster).removed_how.remove(&member);
                    member_event(
                        api,
                        index,
                        pod,
                        format!("joined the ring {cluster} through the seed {seed} at {address}"),
                    );
                    return;
                }
                tried.push(format!("{seed} is not in a ring yet"));
            }
            Reach::Unresolvable { name, cached } => {
                tried.push(format!("{name} does not resolve"));
                if why_not.is_none() {
                    why_not =
                        Some(explain::unresolvable(api.world(), &api.trace.records, &name, seed, cached));
                }
            }
            Reach::NotRunning => tried.push(format!("{seed} is not running")),
            Reach::Cut { node } => {
                tried.push(format!("{seed} is cut off ({} is partitioned)", api.world().node(node).name))
            }
            Reach::WrongAddress { address, .. } => {
                tried.push(format!("nothing answers at {address} for {seed}"))
            }
        }
    }
    if seeds.contains(&member) {
        let cluster = app.new_cluster(&member, now);
        let mut origin = why_not.map(|w: Why| w.steps).unwrap_or_default();
        origin.push(format!("{member}, a seed, reached no other seed and started {cluster} at {now}"));
        let record = app.cluster_mut(cluster);
        record.origin = origin;
        let process = app.processes.get_mut(&pod).expect("starting a ring");
        process.state = ProcessState::Member { cluster };
        let volume = process.volume;
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
        app.joined.insert(member.clone());
        app.cluster_mut(cluster).members.insert(member.clone());
        // With addressing Ip, the seed list is written down with the seeds' IPs now.
        let running: Vec<(String, Ipv4)> = app
            .processes
            .values()
            .filter(|p| seeds.contains(&p.member))
            .map(|p| (p.member.clone(), p.ip))
            .collect();
        for (seed, ip) in running {
            app.cluster_mut(cluster).peers.entry(seed).or_insert(Address::Ip(ip));
        }
        let looked = if tried.is_empty() { "it is the only seed".to_string() } else { tried.join("; ") };
        member_event(
            api,
            index,
            pod,
            format!("reached no other seed ({looked}) and started a new ring, {cluster}"),
        );
        return;
    }
    let why = format!("no seed answers ({})", tried.join("; "));
    let process = app.processes.get_mut(&pod).expect("waiting");
    if process.state != (ProcessState::Waiting { why: why.clone() }) {
        process.state = ProcessState::Waiting { why: why.clone() };
        member_event(api, index, pod, format!("waits: {why}"));
    }
}

fn nodes_of(app: &App, cluster: ClusterId) -> Vec<PodId> {
    app.processes_in_order()
        .into_iter()
        .filter(|p| {
            app.processes[p].ghost_since.is_none() && app.cluster_of(&app.processes[p]) == Some(cluster)
        })
        .collect()
}

/// Contacts through the peers each node stored, and through the seeds.
fn ring_links(api: &mut Api, app: &App, nodes: &[PodId], seeds: &[String], wake: &mut Wake) -> Links {
    let mut links = links(api, app, nodes, wake);
    for &from in nodes {
        for seed in seeds {
            let address = seed_address(api, app, from, seed);
            if let Reach::Ok(to) = reach(api, app, app.processes[&from].node, seed, &address, wake)
                && to != from
                && links.contains(to)
            {
                links.link(from, to);
            }
        }
    }
    links
}

/// Judges the application as it is now.
pub(super) fn evaluate(api: &mut Api, app: &mut App, wake: &mut Wake) -> Verdict {
    let now = api.now;
    for process in app.processes.values_mut() {
        process.in_sync = false;
    }
    let seeds = seeds(api, app);
    let (_, rf) = settings(app);
    let rings: BTreeSet<ClusterId> = app
        .processes
        .values()
        .filter(|p| p.ghost_since.is_none())
        .filter_map(|p| app.cluster_of(p))
        .collect();
    if rings.len() > 1 {
        let named: Vec<String> = rings
            .iter()
            .map(|c| {
                let members: Vec<String> =
                    nodes_of(app, *c).iter().map(|p| app.processes[p].member.clone()).collect();
                format!("{c} ({})", list(&members))
            })
            .collect();
        let second = app.cluster(*rings.iter().nth(1).expect("two rings"));
        let mut chain = Chain::root(
            format!(
                "{} lists several seeds, and they started together with empty volumes",
                app.current_set(api.world()).name
            ),
            app.first_start,
        );
        for step in &second.origin {
            chain = chain.then(step.clone());
        }
        return Verdict::broken(
            "split-brain",
            format!("split brain: {} rings, {}", rings.len(), list(&named)),
        )
        .because(chain.then("each ring takes writes for every key"))
        .fix(format!(
            "Start one seed first (or list a single seed for the first start), so the others join its ring; \
                 then rebuild the other rings' nodes into it (their data is lost). Seeds: {}.",
            list(&seeds)
        ));
    }
    let Some(ring) = rings.first().copied().or(app.clusters.first().map(|c| c.id)) else {
        return Verdict::broken("not-formed", "no ring has started: no seed is up".into())
            .fix(format!("Start a seed ({}).", list(&seeds)));
    };
    let nodes = nodes_of(app, ring);
    let links = ring_links(api, app, &nodes, &seeds, wake);
    let main: BTreeSet<String> = components(&nodes, &links)
        .into_iter()
        .max_by_key(|c| c.len())
        .unwrap_or_default()
        .iter()
        .map(|p| app.processes[p].member.clone())
        .collect();
    let up = app.settle_caught_up(&main, now);
    // The ring: every node that joined it, less those decommissioned (their
    // ranges streamed away), with the set's nodes still to join.
    let expected = ring_nodes(api, app, ring);
    let n = expected.len().max(1);
    let rf = rf.max(1);
    // QUORUM counts from the keyspace's replication factor, not from the
    // nodes the ring has: apache/cassandra db/ConsistencyLevel.java,
    // `quorumFor` = `getReplicationFactor().allReplicas / 2 + 1`. A range's
    // replicas are distinct nodes (SimpleStrategy's `calculateNaturalReplicas`
    // walks the ring and adds each endpoint once), so a ring smaller than
    // the replication factor holds fewer than `rf` replicas of every range;
    // Cassandra only warns when the keyspace is made ("Your replication
    // factor 3 for keyspace ks is higher than the number of nodes 1",
    // SimpleStrategy.maybeWarnOnOptions), and QUORUM then fails with
    // UnavailableException when fewer than `quorum` replicas are alive.
    let held = rf.min(n);
    let quorum = rf / 2 + 1;
    let mut failing: Vec<(usize, Vec<String>)> = Vec::new();
    let mut weak = 0;
    for r in 0..expected.len() {
        let replicas: Vec<String> = (0..held).map(|k| expected[(r + k) % n].0.clone()).collect();
        let live = replicas.iter().filter(|m| up.contains(*m)).count();
        if live < quorum {
            failing.push((r, replicas));
        } else if live < rf {
            weak += 1;
        }
    }
    let absent: Vec<String> = expected.iter().map(|(m, _)| m.clone()).filter(|m| !up.contains(m)).collect();
    // Nodes the set runs that are outside the ring: decommissioned, and refused
    // with their old data when they started again (one decommissioned while it
    // ran only waits to be scaled away).
    let outside: Vec<String> = app
        .expected(api.world())
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| decommissioned(app, m))
        .filter_map(|m| {
            // Running, or restarting in CrashLoopBackOff: Cassandra exits on it.
            let process = app
                .processes_of(&m)
                .into_iter()
                .find(|p| p.ghost_since.is_none())
                .or_else(|| app.crash_looping.get(&m))?;
            match &process.state {
                ProcessState::Rejected { why, code: "stale-data" } => Some(format!("{m} is refused: {why}")),
                _ => None,
            }
        })
        .collect();
    // The ring is smaller than the replication factor: every range is short.
    let short = (held < rf).then(|| {
        format!(
            "a ring of {} holds {held} of the {rf} replicas of each token range (replicationFactor {rf}), and \
             QUORUM needs {quorum}",
            count(expected.len(), "node")
        )
    });
    if absent.is_empty()
        && let Some(short) = &short
    {
        let set = app.current_set(api.world()).name.clone();
        let chain = Chain::root(
            format!("the keyspace's replicationFactor is {rf}, and the ring has {}", count(expected.len(), "node")),
            app.first_start,
        )
        .then(format!(
            "a range's replicas are distinct nodes (SimpleStrategy and NetworkTopologyStrategy place at most one \
             on a node): each range has {held}"
        ))
        .then(format!("QUORUM needs {quorum} replicas alive, from the replication factor ({rf} / 2 + 1)"));
        let fix = format!(
            "Scale {set} to at least {rf} nodes, so each range gets its {rf} replicas, or lower the keyspace's \
             replication factor to {} (ALTER KEYSPACE).",
            expected.len()
        );
        if let Some((range, _)) = failing.first() {
            return Verdict::broken(
                "ring-too-small",
                format!(
                    "QUORUM fails for {} of {} token ranges (UnavailableException: Cannot achieve consistency \
                     level QUORUM, {quorum} required, {held} alive): {short}",
                    failing.len(),
                    expected.len()
                ),
            )
            .because(chain.then(format!("token range {range} has {held} of the {quorum} replicas QUORUM needs")))
            .fix(fix);
        }
        if outside.is_empty() {
            return Verdict::degraded(
                "ring-too-small",
                format!("{weak} token ranges below replication factor {rf}: {short}"),
            )
            .because(chain.then(format!("{weak} token ranges have fewer than {rf} replicas")))
            .fix(fix);
        }
    }
    if absent.is_empty()
        && let Some(first) = outside.first()
    {
        let member = first.split(' ').next().unwrap_or_default().to_string();
        let at = app.clusters.iter().find_map(|c| c.removed.get(&member)).copied();
        let how = app.clusters.iter().find_map(|c| c.removed_how.get(&member)).cloned().unwrap_or_default();
        let chain = Chain::root(format!("{how} on {member}"), at).then(first.clone());
        return Verdict::degraded("stale-data", outside.join("; ")).because(chain).fix(format!(
            "Remove {member}'s data (delete its claim, then its pod) so it bootstraps again as a new node, or \
             keep the set scaled below it."
        ));
    }
    let Some(first) = absent.first() else {
        return Verdict::healthy(format!(
            "{} nodes up in {ring}, every token range fully replicated",
            expected.len()
        ));
    };
    let why = absent_why(api, app, first, &seeds);
    let mut chain = Chain::root(why.steps[0].clone(), why.at);
    for step in &why.steps[1..] {
        chain = chain.then(step.clone());
    }
    let texts: Vec<String> = absent.iter().map(|m| format!("{m} is down")).collect();
    let short = short.map(|s| format!("; {s}")).unwrap_or_default();
    if let Some((range, replicas)) = failing.first() {
        return Verdict::broken(
            "quorum-lost",
            format!(
                "QUORUM fails for {} of {} token ranges: range {range} (replicas {}) has fewer than {quorum} up: \
                 {}{short}",
                failing.len(),
                expected.len(),
                list(replicas),
                why.steps.last().cloned().unwrap_or_default()
            ),
        )
        .because(chain.then(format!("token range {range} has fewer than {quorum} of its {rf} replicas up")))
        .fix(why.fix);
    }
    Verdict::degraded(
        why.code,
        format!("{weak} token ranges below replication factor {rf}: {}{short}", texts.join("; ")),
    )
    .because(chain.then(format!("{weak} token ranges have fewer than {rf} replicas up")))
    .fix(why.fix)
}

/// Why a node is not up in the ring.
fn absent_why(api: &Api, app: &App, member: &str, seeds: &[String]) -> Why {
    let world = api.world();
    let records = &api.trace.records;
    let Some(process) = app
        .processes_of(member)
        .into_iter()
        .find(|p| p.ghost_since.is_none())
        .or_else(|| app.crash_looping.get(member))
    else {
        let why = super::primary_replica::member_down(world, records, member);
        if !app.expected(world).iter().any(|(m, _)| m == member) {
            // Scaled away without a decommission: still in the ring, down.
            let set = &app.current_set(world).name;
            return Why {
                fix: format!(
                    "Scale {set} back so that {member} runs again: it still owns its token ranges, since it left \
                     without `nodetool decommission`. To shrink the ring, decommission a node (RemoveMember) \
                     before scaling it away, one at a time."
                ),
                ..why
            };
        }
        return Why { fix: format!("Bring {member} back."), ..why };
    };
    match &process.state {
        ProcessState::Rejected { why, code } => {
            let mut steps = Vec::new();
            let (mut at, mut volume_fix) = (None, String::new());
            if let Some(emptied) = explain::volume_emptied(world, records, process) {
                at = emptied.at;
                steps.extend(emptied.steps);
                volume_fix = emptied.fix;
            }
            steps.push(format!("{member} is refused: {why}"));
            Why {
                steps,
                at,
                fix: explain::and_volume_fix(
                    format!(
                        "Start {member} once with -Dcassandra.replace_address_first_boot=<its old address>, or \
                         `nodetool removenode` its old host ID first."
                    ),
                    &volume_fix,
                ),
                code,
            }
        }
        ProcessState::Waiting { why } => Why {
            steps: vec![format!("{member} waits: {why}")],
            at: None,
            fix: format!("Let {member} reach a seed ({}).", list(seeds)),
            code: "member-waiting",
        },
        ProcessState::Member { .. } => {
            if let Some((_, reason)) = &process.catching_up {
                return Why {
                    steps: vec![format!("{member} {reason}")],
                    at: Some(process.started_at),
                    fix: "Wait for it to finish; avoid taking another node down meanwhile.".into(),
                    code: "catching-up",
                };
            }
            let stored = app
                .processes
                .values()
                .filter(|p| p.member != member)
                .find_map(|p| app.data_of(p).and_then(|d| d.peers.get(member)).cloned());
            if let Some(Address::Dns(name)) = &stored {
                return explain::unresolvable(world, records, name, member, world.dns.contains_key(&**name));
            }
            let stored = stored.map_or("?".to_string(), |a| a.to_string());
            let moved = explain::moved(world, records, member, &stored, Some(process.ip));
            Why {
                steps: vec![
                    moved.steps[0].clone(),
                    format!(
                        "{member} came back with IP {}; its peers know it at {stored}, and neither the seeds as \
                         configured ({}) nor any peer it stored is still where it was",
                        process.ip,
                        list(seeds)
                    ),
                ],
                at: moved.at,
                fix: "Configure the seeds by DNS name (<pod>.<service>), so a node always finds the ring when it \
                      starts, whatever the pods' IPs."
                    .into(),
                code: "stale-ip",
            }
        }
    }
}

/// The nodes of `ring` that own token ranges, in ordinal order: every node
/// that joined it and was not decommissioned since, whether the set still
/// runs it or not, and the nodes the set runs that will join it.
///
/// A node leaves the ring only by `nodetool decommission` (run on it while
/// it is up) or `nodetool removenode` (for a node that is down); until then
/// it keeps its tokens and shows as DN. The Cassandra docs ("Removing a
/// node", DataStax): "If the node is up, run nodetool decommission. This
/// assigns the ranges that the node was responsible for to other nodes and
/// replicates the data appropriately ... If the node is down ... remove the
/// node using the nodetool removenode command"; and `nodetool removenode`:
/// "When the node is down and nodetool decommission cannot be used, use
/// nodetool removenode". Scaling the StatefulSet down does neither: the
/// pods scaled away stay in the ring, down.
fn ring_nodes(api: &Api, app: &App, ring: ClusterId) -> Vec<(String, u32)> {
    let mut nodes: Vec<(String, u32)> =
        app.expected(api.world()).into_iter().filter(|(m, _)| !decommissioned(app, m)).collect();
    for member in &app.cluster(ring).members {
        if !decommissioned(app, member)
            && !nodes.iter().any(|(m, _)| m == member)
            && let Some((_, ordinal)) = crate::objects::parse_pod_name(member)
        {
            nodes.push((member.clone(), ordinal));
        }
    }
    nodes.sort_by_key(|(_, ordinal)| *ordinal);
    nodes
}

/// Whether `member` was decommissioned and has not bootstrapped again.
fn decommissioned(app: &App, member: &str) -> bool {
    app.clusters.iter().any(|c| c.removed.contains_key(member))
}

/// `nodetool decommission`, run on the node itself (an exec through the API
/// server): it streams its token ranges to the other nodes of the ring and
/// leaves it. Cassandra refuses when fewer nodes than the replication
/// factor would remain, and the streams need every other node of the ring up
/// and reachable. Its data is then marked decommissioned: the node will not
/// rejoin with it.
pub(super) fn decommission(api: &mut Api, app: &mut App, index: usize, member: &str) -> Result<(), String> {
    let now = api.now;
    let Some(process) = app.processes_of(member).into_iter().find(|p| p.ghost_since.is_none()).cloned()
    else {
        return Err(format!("{member} does not run: nodetool runs on the node itself"));
    };
    let ProcessState::Member { cluster } = process.state else {
        return Err(format!("{member} is not a node of a ring"));
    };
    if !crate::network::reaches_control_plane(api.world(), process.node) {
        return Err(format!("{member} runs on {}, which is cut off", api.world().node(process.node).name));
    }
    let (_, rf) = settings(app);
    let ring: Vec<String> = ring_nodes(api, app, cluster).into_iter().map(|(m, _)| m).collect();
    if ring.len().saturating_sub(1) < rf {
        return Err(format!(
            "only {} nodes would remain, fewer than the replication factor {rf}: Cassandra refuses (not enough \
             live nodes to maintain the replication factor)",
            ring.len().saturating_sub(1)
        ));
    }
    let down: Vec<String> = ring
        .iter()
        .filter(|m| **m != member)
        .filter(|m| {
            !app.processes_of(m).into_iter().any(|p| {
                p.ghost_since.is_none()
                    && app.cluster_of(p) == Some(cluster)
                    && crate::network::reachable(api.world(), process.node, p.node)
            })
        })
        .cloned()
        .collect();
    if !down.is_empty() {
        return Err(format!(
            "{} cannot be reached to receive {member}'s ranges: the streams fail and the decommission stops",
            list(&down)
        ));
    }
    let who = crate::trace::actor_name(api.world(), api.actor);
    {
        let record = app.cluster_mut(cluster);
        record.removed.insert(member.to_string(), now);
        record.removed_how.insert(member.to_string(), format!("{who} ran `nodetool decommission`"));
    }
    let running = app.processes.get_mut(&process.pod).expect("found above");
    running.state = ProcessState::Rejected {
        why: format!("it was decommissioned: it streamed its ranges to the other nodes and left {cluster}"),
        code: "not-in-membership",
    };
    running.catching_up = None;
    member_event(
        api,
        index,
        process.pod,
        format!(
            "decommissioned (`nodetool decommission`): its ranges streamed to the other {} nodes, and it left {cluster}",
            ring.len() - 1
        ),
    );
    Ok(())
}
