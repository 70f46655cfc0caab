//! Redis Cluster: slots over masters, replicas that take over, and
//! `nodes.conf` on every node's volume.
//!
//! Owns the kind's rules (shared/failure-modes.md F26, F09, section 2.2):
//! - the cluster is created once every initial node is up and resolvable
//!   (`redis-cli --cluster create`, as the charts' jobs do): the first
//!   nodes / (1 + replicasPerMaster) ordinals are masters, each with the
//!   following ordinals as replicas. Each node writes `nodes.conf`: every
//!   other node's ID and address, the pod IP by default or the hostname
//!   with `cluster-announce-hostname` (addressing `Dns`);
//! - nodes talk at the addresses in their own `nodes.conf`. When a node
//!   reaches another, each learns the other's current address, and gossip
//!   spreads it through everyone they reach: a node back with a new IP
//!   is found again as long as one of the peers it lists is still where
//!   it says. If every node has a new IP, nobody finds anybody;
//! - a master out of the majority of masters for `cluster-node-timeout`
//!   (15 s) is failed over to a replica in the majority; it comes back as a
//!   replica;
//! - a node with an empty `nodes.conf` is a new node, outside the cluster.
//!
//! Verdict: BROKEN when a slot range has no master in the majority after
//! the node timeout (`cluster-require-full-coverage yes`: CLUSTERDOWN), or
//! no majority of masters exists; DEGRADED while nodes are missing or
//! unreachable, or a master has no replica; HEALTHY otherwise.

use super::explain::{self, Why};
use super::*;

fn settings(app: &App) -> (u32, SimDuration) {
    match app.kind() {
        AppKind::RedisCluster { replicas_per_master, node_timeout } => (*replicas_per_master, *node_timeout),
        _ => unreachable!("the Redis Cluster model runs Redis Cluster applications"),
    }
}

/// A node's process started.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let process = app.processes[&pod].clone();
    let words = volume_words(api.world(), process.volume);
    let (state, what) = match (app.volumes.get(&process.volume), app.clusters.first()) {
        (Some(data), _) => (
            ProcessState::Member { cluster: data.cluster },
            format!(
                "started with its nodes.conf on {words}: {} peers, at {}",
                data.peers.len(),
                list(&data.peers.values().map(|a| a.to_string()).collect::<Vec<_>>())
            ),
        ),
        (None, Some(cluster)) => {
            let why = format!(
                "it started with an empty nodes.conf on {words}: a new node with a new ID, outside {}, which \
                 still lists {}'s old ID as failing",
                cluster.id, process.member
            );
            (ProcessState::Rejected { why: why.clone(), code: "empty-data" }, format!("is on its own: {why}"))
        }
        (None, None) => (
            ProcessState::Waiting {
                why: "waits for every node to be up so the cluster can be created".into(),
            },
            format!("started with an empty {words}: it waits for the cluster to be created"),
        ),
    };
    app.processes.get_mut(&pod).expect("booting").state = state;
    member_event(api, index, pod, what);
}

/// Creation, gossip of addresses, failure detection and failover.
pub(super) fn progress(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    if app.clusters.is_empty() {
        create(api, app, index, wake);
    }
    let Some(cluster) = app.clusters.first().map(|c| c.id) else { return };
    gossip(api, app, index, cluster, wake);
    failover(api, app, index, cluster, wake);
}

/// `redis-cli --cluster create`, once every initial node is up and its name resolves.
fn create(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let now = api.now;
    let (per_master, _) = settings(app);
    let expected = app.expected(api.world());
    let waiting = app.waiting();
    if expected.is_empty() || waiting.len() < expected.len() {
        return;
    }
    // The job resolves every node's name to give redis-cli their addresses.
    let subdomain = api.world().pod(waiting[0]).subdomain.clone();
    let from = app.processes[&waiting[0]].node;
    for (member, _) in &expected {
        let name = dns_name(api.world(), member, &subdomain);
        if !matches!(reach(api, app, from, member, &Address::Dns(name.into()), wake), Reach::Ok(_)) {
            return;
        }
    }
    let masters = expected.len() / (1 + per_master as usize);
    let cluster = app.new_cluster(&expected[0].0, now);
    let names: Vec<String> = expected.iter().map(|(m, _)| m.clone()).collect();
    {
        let record = app.cluster_mut(cluster);
        record.members = names.iter().cloned().collect();
        record.slots = names[..masters].to_vec();
        for (i, replica) in names[masters..].iter().enumerate() {
            record.follows.insert(replica.clone(), names[i % masters].clone());
        }
        record.origin =
            vec![format!("the cluster was created at {now} with masters {}", list(&names[..masters]))];
    }
    let addresses: BTreeMap<Arc<str>, Address> =
        waiting.iter().map(|p| (app.processes[p].name.clone(), address_of(app, &app.processes[p]))).collect();
    for pod in &waiting {
        let process = app.processes.get_mut(pod).expect("creating");
        process.state = ProcessState::Member { cluster };
        let member = process.member.clone();
        let peers = addresses
            .iter()
            .filter(|(m, _)| m.as_ref() != member)
            .map(|(m, a)| (m.clone(), a.clone()))
            .collect();
        let role = if names[..masters].contains(&member) { Role::Primary } else { Role::Replica };
        app.volumes.insert(
            process.volume,
            MemberData {
                cluster,
                member: member.clone(),
                role,
                peers,
                synced_at: now,
                repl: Replication::default(),
            },
        );
        app.joined.insert(member);
    }
    for pod in waiting {
        let member = app.processes[&pod].member.clone();
        let role = match app.cluster(cluster).follows.get(&member) {
            Some(master) => format!("a replica of {master}"),
            None => "a master".to_string(),
        };
        member_event(
            api,
            index,
            pod,
            format!("joined {cluster}, created by redis-cli --cluster create, as {role}"),
        );
    }
}

/// Nodes that reach each other at the addresses in their nodes.conf learn
/// each other's current address, and gossip spreads what they know.
fn gossip(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, wake: &mut Wake) {
    let nodes = members_of(app, cluster);
    let links = links(api, app, &nodes, wake);
    for component in components(&nodes, &links) {
        spread_addresses(api, app, index, &component);
    }
}

/// Running members of the cluster, ghosts excluded.
fn members_of(app: &App, cluster: ClusterId) -> Vec<PodId> {
    app.processes_in_order()
        .into_iter()
        .filter(|p| {
            app.processes[p].ghost_since.is_none() && app.cluster_of(&app.processes[p]) == Some(cluster)
        })
        .collect()
}

/// The component that holds more than half of the masters, if any.
fn majority(app: &App, cluster: ClusterId, components: &[Vec<PodId>]) -> Option<BTreeSet<String>> {
    let masters = &app.cluster(cluster).slots;
    components.iter().find_map(|component| {
        let names: BTreeSet<String> = component.iter().map(|p| app.processes[p].member.clone()).collect();
        let held = masters.iter().filter(|m| names.contains(*m)).count();
        (held * 2 > masters.len()).then_some(names)
    })
}

/// A master out of the majority for the node timeout is replaced by one of
/// its replicas in the majority.
fn failover(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, wake: &mut Wake) {
    let now = api.now;
    let (_, timeout) = settings(app);
    let nodes = members_of(app, cluster);
    let links = links(api, app, &nodes, wake);
    let components = components(&nodes, &links);
    let Some(majority) = majority(app, cluster, &components) else { return };
    let masters: Vec<String> = app.cluster(cluster).slots.clone();
    for master in masters {
        if majority.contains(&master) {
            app.cluster_mut(cluster).down_since.remove(&master);
            continue;
        }
        let since = *app.cluster_mut(cluster).down_since.entry(master.clone()).or_insert(now);
        if now < since + timeout {
            wake.at(since + timeout);
            continue;
        }
        let record = app.cluster(cluster);
        let replica = record
            .follows
            .iter()
            .find(|(replica, of)| **of == master && majority.contains(*replica))
            .map(|(replica, _)| replica.clone());
        let Some(replica) = replica else { continue };
        let record = app.cluster_mut(cluster);
        for owner in record.slots.iter_mut().filter(|m| **m == master) {
            *owner = replica.clone();
        }
        record.follows.remove(&replica);
        record.follows.insert(master.clone(), replica.clone());
        record.down_since.remove(&master);
        if let Some(pod) = app.processes_of(&replica).first().map(|p| p.pod) {
            member_event(
                api,
                index,
                pod,
                format!(
                    "failover: {master} has been out of reach for {timeout} (cluster-node-timeout), so {replica} \
                     takes over its slots"
                ),
            );
        }
    }
}

/// Judges the application as it is now.
pub(super) fn evaluate(api: &mut Api, app: &mut App, wake: &mut Wake) -> Verdict {
    let now = api.now;
    for process in app.processes.values_mut() {
        process.in_sync = false;
    }
    let (_, timeout) = settings(app);
    let clusters: BTreeSet<ClusterId> = app.processes.values().filter_map(|p| app.cluster_of(p)).collect();
    if clusters.len() > 1 {
        let named: Vec<String> = clusters.iter().map(|c| c.to_string()).collect();
        return Verdict::broken("split-brain", format!("split brain: {} run side by side", list(&named)))
            .fix("Keep one cluster; move the other's nodes into it (their data is lost).");
    }
    let Some(cluster) = app.clusters.first().map(|c| c.id) else {
        let up = app.processes.len();
        let expected = app.expected(api.world()).len();
        return Verdict::broken(
            "not-created",
            format!("the cluster has not been created: {up} of {expected} nodes are up and resolvable"),
        )
        .fix("Start every node, with names that resolve, so redis-cli --cluster create can run.");
    };
    let nodes = members_of(app, cluster);
    let links = links(api, app, &nodes, wake);
    let components = components(&nodes, &links);
    let record = app.cluster(cluster).clone();
    let Some(majority) = majority(app, cluster, &components) else {
        let why = unreachable_why(api, app, &record, &nodes);
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        return Verdict::broken(
            "quorum-lost",
            format!(
                "CLUSTERDOWN: no group of nodes that reach each other holds a majority of the {} masters: {}",
                record.slots.len(),
                why.steps.last().cloned().unwrap_or_default()
            ),
        )
        .because(chain.then("no majority of masters: the cluster stops serving"))
        .fix(why.fix);
    };
    for pod in &nodes {
        let process = app.processes.get_mut(pod).expect("a node");
        if majority.contains(&process.member) {
            process.in_sync = true;
        }
    }
    // Slot ranges whose master is not in the majority.
    let mut uncovered: Vec<String> =
        record.slots.iter().filter(|m| !majority.contains(*m)).cloned().collect();
    uncovered.dedup();
    if let Some(master) = uncovered.first() {
        let since = record.down_since.get(master).copied().unwrap_or(now);
        let why = absent_why(api, app, &record, master);
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        let has_replica = record.follows.iter().any(|(r, of)| of == master && majority.contains(r));
        if now < since + timeout {
            wake.at(since + timeout);
            return Verdict::degraded(
                "master-down",
                format!(
                    "{} cannot be reached; its slots wait for cluster-node-timeout ({timeout}) before a failover",
                    list(&uncovered)
                ),
            )
            .because(chain.then(format!("the slots of {} are not served meanwhile", list(&uncovered))))
            .fix(why.fix);
        }
        let reason = if has_replica {
            format!("CLUSTERDOWN: the slots of {} have no reachable master", list(&uncovered))
        } else {
            format!(
                "CLUSTERDOWN: the slots of {} have no reachable master and no replica to take over \
                 (cluster-require-full-coverage yes)",
                list(&uncovered)
            )
        };
        return Verdict::broken("slots-uncovered", reason)
            .because(chain.then(format!("the slots of {} have no master", list(&uncovered))))
            .fix(why.fix);
    }
    // Everything serves; what is missing?
    let mut problems: Vec<(&'static str, String, Why)> = Vec::new();
    // Nodes the set runs that the cluster does not list (removed, or never added).
    for (member, _) in app.expected(api.world()) {
        if record.members.contains(&member) {
            continue;
        }
        if let Some(process) = app.processes_of(&member).into_iter().find(|p| p.ghost_since.is_none())
            && let ProcessState::Rejected { why, .. } = &process.state
        {
            problems.push((
                "not-in-membership",
                format!("{member} runs outside the cluster: {why}"),
                Why {
                    steps: vec![format!("{member} runs outside the cluster: {why}")],
                    at: None,
                    fix: format!("Add {member} to the cluster (redis-cli --cluster add-node), as a replica."),
                    code: "not-in-membership",
                },
            ));
        }
    }
    let mut members: Vec<&String> = record.members.iter().collect();
    members.sort_by_cached_key(|m| (crate::objects::parse_pod_name(m).map(|(_, o)| o), m.as_str()));
    for member in members {
        if majority.contains(member) {
            continue;
        }
        let why = absent_why(api, app, &record, member);
        problems.push((
            why.code,
            format!("{member} is out of the cluster: {}", why.steps.last().cloned().unwrap_or_default()),
            why,
        ));
    }
    for master in &record.slots {
        if !record.follows.iter().any(|(r, of)| of == master && majority.contains(r)) && !problems.is_empty()
        {
            problems.push((
                "no-replica",
                format!("{master} has no replica left: one more failure takes its slots down"),
                Why {
                    steps: vec![format!("{master} has no replica")],
                    at: None,
                    fix: String::new(),
                    code: "no-replica",
                },
            ));
        }
    }
    if let Some((code, _, why)) = problems.first() {
        let texts: Vec<String> = problems.iter().map(|(_, t, _)| t.clone()).collect();
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        return Verdict::degraded(code, texts.join("; ")).because(chain).fix(why.fix.clone());
    }
    Verdict::healthy(format!(
        "{} masters serve every slot, {} replicas follow them",
        record.slots.len(),
        record.follows.len()
    ))
}

/// Why a node is not in the majority.
fn absent_why(api: &Api, app: &App, record: &Cluster, member: &str) -> Why {
    let world = api.world();
    let records = &api.trace.records;
    let Some(process) = app.processes_of(member).into_iter().find(|p| p.ghost_since.is_none()) else {
        let why = super::primary_replica::member_down(world, records, member);
        return Why { fix: format!("Bring {member} back."), ..why };
    };
    if let ProcessState::Rejected { why, .. } = &process.state {
        let mut steps = Vec::new();
        let (mut at, mut volume_fix) = (None, String::new());
        if let Some(emptied) = explain::volume_emptied(world, records, process) {
            at = emptied.at;
            steps.extend(emptied.steps);
            volume_fix = emptied.fix;
        }
        steps.push(format!("{member} is on its own: {why}"));
        return Why {
            steps,
            at,
            fix: explain::and_volume_fix(
                format!(
                    "Forget {member}'s old node ID (CLUSTER FORGET on every node) and add it again with redis-cli \
                     --cluster add-node, or restore its nodes.conf."
                ),
                &volume_fix,
            ),
            code: "empty-data",
        };
    }
    // Running, but nobody finds it at the address they keep for it.
    let stored: Option<Address> = app
        .processes
        .values()
        .filter(|p| p.member != member)
        .find_map(|p| app.data_of(p).and_then(|d| d.peers.get(member)).cloned());
    let _ = record;
    if let Some(Address::Dns(name)) = &stored {
        let cached = world.dns.contains_key(&**name);
        return explain::unresolvable(world, records, name, member, cached);
    }
    let stored = stored.map_or("?".to_string(), |a| a.to_string());
    let why = explain::moved(world, records, member, &stored, Some(process.ip));
    Why {
        steps: vec![
            why.steps[0].clone(),
            format!(
                "{member} came back with IP {}, but the other nodes' nodes.conf still say {stored}, and none of \
                 the peers in its own nodes.conf is still at the address it lists, so gossip cannot bring them \
                 together",
                process.ip
            ),
        ],
        at: why.at,
        fix: "Announce nodes by hostname (cluster-announce-hostname, cluster-preferred-endpoint-type hostname, \
              Redis 7), or rewrite each node's own IP in nodes.conf at start and restart nodes one at a time."
            .into(),
        code: "stale-ip",
    }
}

/// Why no majority of masters can reach each other.
fn unreachable_why(api: &Api, app: &App, record: &Cluster, nodes: &[PodId]) -> Why {
    let absent = record.slots.iter().find(|m| !nodes.iter().any(|p| app.processes[p].member == **m));
    match absent {
        Some(master) => absent_why(api, app, record, master),
        None => absent_why(api, app, record, &record.slots[0]),
    }
}

/// A running node of the cluster on a node the API server reaches: where an
/// operator runs `redis-cli` (an exec goes through the API server).
fn exec_target(api: &Api, app: &App, cluster: ClusterId) -> Result<PodId, String> {
    members_of(app, cluster)
        .into_iter()
        .find(|p| crate::network::reaches_control_plane(api.world(), app.processes[p].node))
        .ok_or_else(|| {
            format!("no node of {cluster} runs where the API server reaches it (an exec needs one)")
        })
}

/// `redis-cli --cluster del-node`: `CLUSTER FORGET` of the member's node ID
/// on every node, then the node is reset (its nodes.conf emptied). A master
/// that still serves slots cannot be removed ("is not empty! Reshard data
/// away and try again").
pub(super) fn forget(api: &mut Api, app: &mut App, index: usize, member: &str) -> Result<(), String> {
    let Some(cluster) = app.clusters.first().map(|c| c.id) else {
        return Err("the cluster has not been created".into());
    };
    let target = exec_target(api, app, cluster)?;
    if !app.cluster(cluster).members.contains(member) {
        return Err(format!("{member} is not a node of {cluster}"));
    }
    if app.cluster(cluster).slots.iter().any(|m| m == member) {
        return Err(format!(
            "{member} serves slots of {cluster}: it is not empty; reshard its slots away first"
        ));
    }
    {
        let record = app.cluster_mut(cluster);
        record.members.remove(member);
        record.follows.remove(member);
        record.down_since.remove(member);
    }
    for data in app.volumes.values_mut().filter(|d| d.cluster == cluster) {
        data.peers.remove(member);
    }
    // The node itself is reset: a new, empty node outside the cluster.
    let own: Vec<(PodId, VolumeKey)> = app.processes_of(member).iter().map(|p| (p.pod, p.volume)).collect();
    for (pod, volume) in own {
        app.volumes.remove(&volume);
        app.processes.get_mut(&pod).expect("listed above").state = ProcessState::Rejected {
            why: format!(
                "it was removed from {cluster} (redis-cli --cluster del-node) and reset: a new, empty node"
            ),
            code: "not-in-membership",
        };
    }
    member_event(
        api,
        index,
        target,
        format!(
            "{member} removed from {cluster}: CLUSTER FORGET on every node (redis-cli --cluster del-node)"
        ),
    );
    Ok(())
}

/// `redis-cli --cluster add-node --cluster-slave`: `CLUSTER MEET` of a node
/// with an empty nodes.conf, which becomes a replica of the master with the
/// fewest replicas. Its old node ID must have been forgotten first: a node
/// the cluster still lists (failing) cannot come back under a new ID.
pub(super) fn meet(api: &mut Api, app: &mut App, index: usize, member: &str) -> Result<(), String> {
    let now = api.now;
    let Some(cluster) = app.clusters.first().map(|c| c.id) else {
        return Err("the cluster has not been created".into());
    };
    let target = exec_target(api, app, cluster)?;
    if app.cluster(cluster).members.contains(member) {
        return Err(format!(
            "{cluster} still lists {member}'s node ID; CLUSTER FORGET it first (redis-cli --cluster del-node)"
        ));
    }
    let Some(process) = app.processes_of(member).into_iter().find(|p| p.ghost_since.is_none()).cloned()
    else {
        return Err(format!("{member} does not run"));
    };
    if app.volumes.contains_key(&process.volume) {
        return Err(format!("{member}'s nodes.conf is not empty: only an empty node can be added"));
    }
    let from = app.processes[&target].node;
    if !crate::network::reachable(api.world(), from, process.node) {
        return Err(format!("{member} cannot be reached from {}", app.processes[&target].member));
    }
    let record = app.cluster(cluster);
    let master = record
        .slots
        .iter()
        .min_by_key(|m| record.follows.values().filter(|of| of == m).count())
        .cloned()
        .expect("a cluster has masters");
    let peers: BTreeMap<Arc<str>, Address> = members_of(app, cluster)
        .iter()
        .map(|p| (app.processes[p].name.clone(), address_of(app, &app.processes[p])))
        .collect();
    {
        let record = app.cluster_mut(cluster);
        record.members.insert(member.to_string());
        record.follows.insert(member.to_string(), master.clone());
    }
    app.volumes.insert(
        process.volume,
        MemberData {
            cluster,
            member: member.to_string(),
            role: Role::Replica,
            peers,
            synced_at: now,
            repl: Replication::default(),
        },
    );
    app.processes.get_mut(&process.pod).expect("found above").state = ProcessState::Member { cluster };
    app.joined.insert(member.to_string());
    member_event(
        api,
        index,
        target,
        format!(
            "{member} added to {cluster} as a replica of {master}: CLUSTER MEET (redis-cli --cluster add-node)"
        ),
    );
    Ok(())
}
