//! Replication of primary/replica databases: write positions, the leader
//! lease, timelines and the writes a failover loses.
//!
//! Owns the rules (docs/databases.md, with their sources):
//! - clients send `write_rate` writes per second to every primary that
//!   takes writes: one that holds the leader lease as it believes. Clients
//!   run beside every member, so a primary cut off by a partition still has
//!   clients on its side;
//! - the leader lease is the DCS leader key (Patroni on Kubernetes keeps it
//!   in an API object): its holder renews it every `lease_renew`
//!   (`loop_wait`) while its node reaches the API server. A primary cut off
//!   from it keeps taking writes until `lease_ttl` (`ttl`) after its last
//!   renewal, then demotes itself; it learns of a new leader only when it
//!   reaches the API server again, and then steps down and rewinds
//!   (`pg_rewind`), discarding what it wrote after the new leader's branch;
//! - a replica applies the writes of the primary it follows while it
//!   reaches it and has caught up, `replication_lag` behind (0 by default:
//!   streaming replication keeps up with the modelled load); while it
//!   catches up or is cut off, its position stays where it was;
//! - with `synchronous`, a primary takes writes only while a replica
//!   receives them (`synchronous_mode_strict`);
//! - a promotion starts a new timeline at the promoted member's position.
//!   Writes of the old timeline past that point are lost once the new one
//!   wins: the ones the promoted member had not received, and those its old
//!   primary kept taking until its lease ran out (divergent writes).
//!
//! Positions are kept in milliseconds of writing and brought forward at
//! every look at the application (`advance`), from what was writing and
//! replicating since the last look, so no event is spent on writes.

use super::*;
use crate::config::AppConfig;
use crate::network;

/// Whether the application keeps replication positions (PostgreSQL-like).
pub(super) fn tracked(app: &App) -> bool {
    matches!(app.kind(), AppKind::PrimaryReplica { .. })
}

/// The number of writes in `ms` of writing at the configured rate.
pub fn writes(config: &AppConfig, ms: u64) -> u64 {
    ms * u64::from(config.write_rate) / 1000
}

/// The last renewal of the leader key by the process in `pod` on the
/// `lease_renew` grid since it took the key at `since`: now while its node
/// reaches the API server, else the last one before it was cut off; `None`
/// if it could never renew it (it started cut off).
pub(super) fn last_renewal(
    world: &crate::world::World,
    app: &App,
    pod: PodId,
    since: SimTime,
    now: SimTime,
) -> Option<SimTime> {
    let process = &app.processes[&pod];
    let node = world.node(process.node);
    let until = if network::reaches_control_plane(world, process.node) { now } else { node.machine_since };
    let start = since.max(process.started_at);
    if until < start {
        return None;
    }
    let period = app.config().lease_renew.as_millis().max(1);
    let steps = until.since(start).as_millis() / period;
    Some(start + SimDuration::from_millis(steps * period))
}

/// Whether the primary in `pod` holds the leader lease as it believes:
/// while it reaches the API server, if the key names it; cut off, until its
/// lease runs out. Kinds without a lease (Sentinel) do unless `min-replicas-to-write`
/// or a preStop hook's pause stops their writes.
pub(super) fn holds_lease(api: &Api, app: &App, pod: PodId) -> bool {
    if let AppKind::RedisSentinel { min_replicas_to_write, .. } = *app.kind() {
        // Paused by the preStop hook (`CLIENT PAUSE ... WRITE`): it takes none.
        if super::sentinel::writes_paused(app, pod) {
            return false;
        }
        return min_replicas_to_write == 0 || followers(api, app, pod) >= min_replicas_to_write as usize;
    }
    if !tracked(app) {
        return true;
    }
    let process = &app.processes[&pod];
    let Some(data) = app.data_of(process) else { return false };
    if network::reaches_control_plane(api.world(), process.node) {
        let cluster = app.cluster(data.cluster);
        cluster.leader.as_ref().is_some_and(|(leader, _)| *leader == process.member)
    } else {
        data.repl.lease_until.is_some_and(|until| api.now < until)
    }
}

/// Brings positions forward to now from what was writing and replicating
/// since the last look. Runs first at every look and before a promotion.
pub(super) fn advance(api: &Api, app: &mut App) {
    if !tracked(app) {
        return;
    }
    let now = api.now;
    if let Some(pod) = leader_pod(app) {
        let since = app.clusters.iter().rev().find_map(|c| c.leader.as_ref().map(|(_, since)| *since));
        let cluster = app.data_of(&app.processes[&pod]).map(|d| d.cluster);
        if let (Some(since), Some(cluster)) = (since, cluster) {
            let renewed = last_renewal(api.world(), app, pod, since, now);
            app.cluster_mut(cluster).lease_renewed = renewed;
        }
    }
    let from = app.advanced_at.replace(now).unwrap_or(now);
    if now > from {
        // The fields apart, so the writers are read as the data is written.
        let App { writing, processes, volumes, clusters, .. } = &mut *app;
        for (pod, until) in writing.iter() {
            let Some(process) = processes.get(pod) else { continue };
            let end = until.map_or(now, |until| until.min(now));
            if end <= from {
                continue;
            }
            let volume = process.volume;
            let Some(data) = volumes.get_mut(&volume) else { continue };
            let start = data.repl.position_ms;
            data.repl.position_ms += end.since(from).as_millis();
            let (cluster, timeline, high) = (data.cluster, data.repl.timeline, data.repl.position_ms);
            let Some(line) = clusters[cluster.0 as usize - 1].timelines.iter_mut().find(|t| t.id == timeline)
            else {
                continue;
            };
            line.high_ms = line.high_ms.max(high);
            match line.writing.last_mut() {
                Some((f, t, s)) if *t == from && *s + t.since(*f).as_millis() == start => *t = end,
                _ => line.writing.push((from, end, start)),
            }
        }
    }
    copy_positions(app, api.now);
}

/// Replicas that receive their primary's writes hold what it holds.
/// With a steady `replicationLag`, what the primary had written that long ago.
fn copy_positions(app: &mut App, now: SimTime) {
    let lag = steady_lag(app);
    // The fields apart, so the pairs are read as the data is written.
    let App { replicating, processes, volumes, clusters, .. } = &mut *app;
    for (replica, primary) in replicating.iter() {
        let (Some(r), Some(p)) = (processes.get(replica), processes.get(primary)) else { continue };
        let Some(source) = volumes.get(&p.volume).map(|d| (d.cluster, d.repl.clone())) else { continue };
        let (cluster, source) = source;
        let mut position = source.position_ms;
        if !lag.is_zero()
            && let Some(line) =
                clusters[cluster.0 as usize - 1].timelines.iter().find(|t| t.id == source.timeline)
        {
            let then = SimTime::from_millis(now.as_millis().saturating_sub(lag.as_millis()));
            position = line.position_at(then).min(position);
        }
        if let Some(data) = volumes.get_mut(&r.volume) {
            if data.repl.timeline == source.timeline {
                position = position.max(data.repl.position_ms);
            }
            data.repl.position_ms = position;
            data.repl.timeline = source.timeline;
        }
    }
}

/// How far behind its primary a replica that receives its writes applies
/// them: the configured `replicationLag`, none with synchronous replication.
fn steady_lag(app: &App) -> SimDuration {
    let config = app.config();
    if config.synchronous { SimDuration::ZERO } else { config.replication_lag }
}

/// The leases of running primaries, as each believes: one that reaches the
/// API server renews the key if it names it; one cut off keeps the lease
/// its last renewal gave it. Then primaries that reach the API server and
/// find the key naming another member step down and follow it.
pub(super) fn leases(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    if !tracked(app) {
        return;
    }
    let now = api.now;
    let ttl = app.config().lease_ttl;
    let primaries: Vec<PodId> = app
        .processes_in_order()
        .into_iter()
        .filter(|p| {
            let process = &app.processes[p];
            matches!(process.state, ProcessState::Member { .. })
                && app.data_of(process).is_some_and(|d| d.role == Role::Primary)
        })
        .collect();
    let mut stepping_down = Vec::new();
    for pod in primaries {
        let process = &app.processes[&pod];
        let (member, volume, node) = (process.member.clone(), process.volume, process.node);
        let cluster = app.volumes[&volume].cluster;
        let leader = app.cluster(cluster).leader.clone();
        let connected = network::reaches_control_plane(api.world(), node);
        let mine = leader.as_ref().filter(|(l, _)| *l == member).map(|(_, since)| *since);
        if connected {
            match (&leader, mine) {
                (_, Some(since)) => {
                    let repl = &mut app.volumes.get_mut(&volume).expect("a primary's data").repl;
                    repl.lease_until = None;
                    repl.held_since = Some(since);
                }
                (Some((other, _)), None) => stepping_down.push((pod, other.clone())),
                (None, _) => {
                    // Nobody holds the key: the primary takes it.
                    app.cluster_mut(cluster).leader = Some((member, now));
                    let repl = &mut app.volumes.get_mut(&volume).expect("a primary's data").repl;
                    repl.lease_until = None;
                    repl.held_since = Some(now);
                }
            }
        } else if app.volumes[&volume].repl.lease_until.is_none() {
            // What it believes: the key it held, renewed until it was cut off.
            let mut until = match app.volumes[&volume].repl.held_since {
                Some(since) => last_renewal(api.world(), app, pod, since, now).map_or(now, |at| at + ttl),
                None => now,
            };
            // What stops it first: its lease running out, or (with a
            // majority check) having reached no majority for long enough.
            let mut why = format!("it keeps its leader lease until {until} ({ttl} after its last renewal)");
            if let Some(after) = app.config().step_down_without_majority {
                let members = app.expected(api.world()).len().max(1);
                let reached = app
                    .processes
                    .values()
                    .filter(|p| p.ghost_since.is_none() && app.cluster_of(p) == Some(cluster))
                    .filter(|p| network::reachable(api.world(), node, p.node))
                    .count();
                let lost_at = api.world().node(node).machine_since;
                if reached < members / 2 + 1 && lost_at + after < until {
                    let lease = until;
                    until = (lost_at + after).max(now);
                    why = format!(
                        "it reaches {reached} of {members} members, no majority, so it steps down at {until} \
                         ({after} without one), before its lease would expire at {lease}"
                    );
                }
            }
            app.volumes.get_mut(&volume).expect("a primary's data").repl.lease_until = Some(until);
            if until > now {
                let writes = if app.config().synchronous {
                    "it acts as primary, but commits nothing without a replica"
                } else {
                    "it takes writes from the clients on its side"
                };
                member_event(
                    api,
                    index,
                    pod,
                    format!("is cut off from the API server (the DCS): {why}; until then {writes}"),
                );
            }
        }
        if let Some(until) = app.volumes[&volume].repl.lease_until
            && until > now
        {
            wake.at(until);
        }
    }
    for (pod, leader) in stepping_down {
        step_down(api, app, index, pod, &leader, "it reaches the API server and finds the leader key naming");
    }
}

/// The primary in `pod` learns that `leader` holds the key: it becomes its
/// replica and rewinds to the point where the leader's timeline branched
/// from its own, discarding its writes past it.
pub(super) fn step_down(api: &mut Api, app: &mut App, index: usize, pod: PodId, leader: &str, why: &str) {
    let process = app.processes[&pod].clone();
    let Some(data) = app.data_of(&process).cloned() else { return };
    let cluster = data.cluster;
    let leader_line = app
        .volumes
        .values()
        .find(|d| d.cluster == cluster && d.member == leader && d.role == Role::Primary)
        .map(|d| d.repl.timeline)
        .unwrap_or(data.repl.timeline);
    let branch = branch_point(app.cluster(cluster), data.repl.timeline, leader_line);
    let address = match app.processes_of(leader).into_iter().find(|p| p.ghost_since.is_none()) {
        Some(p) => address_of(app, p),
        None => Address::Dns(
            dns_name(api.world(), leader, &api.world().pod(process.pod).subdomain.clone()).into(),
        ),
    };
    let before = data.repl.position_ms;
    let after = branch.map_or(before, |b| before.min(b));
    let discarded = writes(app.config(), before) - writes(app.config(), after);
    let volume = app.volumes.get_mut(&process.volume).expect("checked above");
    volume.role = Role::Replica;
    volume.peers = [(Arc::<str>::from(leader), address.clone())].into();
    volume.repl =
        Replication { position_ms: after, timeline: leader_line, lease_until: None, held_since: None };
    let rewound = if discarded > 0 {
        format!(
            "; it rewinds (pg_rewind), discarding {discarded} writes it took that {leader} never received"
        )
    } else {
        String::new()
    };
    member_event(
        api,
        index,
        pod,
        format!("{why} {leader}: it steps down and follows {leader} at {address}{rewound}"),
    );
}

/// The position at which timeline `to` (or its ancestor) branched off
/// `from`: what of `from` the newer history keeps. `None` when `to` is
/// `from` or does not descend from it.
fn branch_point(cluster: &Cluster, from: u32, to: u32) -> Option<u64> {
    let mut line = cluster.timelines.iter().find(|t| t.id == to)?;
    loop {
        let parent = line.parent?;
        if parent == from {
            return Some(line.branch_ms);
        }
        line = cluster.timelines.iter().find(|t| t.id == parent)?;
    }
}

/// After the verdict: who takes writes and who receives them until the
/// next look, the replicas brought level, and a look when a lease runs out.
pub(super) fn settle(api: &Api, app: &mut App, wake: &mut Wake) {
    if !tracked(app) {
        return;
    }
    let primaries: Vec<PodId> = app
        .processes_in_order()
        .into_iter()
        .filter(|p| {
            let process = &app.processes[p];
            matches!(process.state, ProcessState::Member { .. })
                && app.data_of(process).is_some_and(|d| d.role == Role::Primary)
                && holds_lease(api, app, *p)
        })
        .collect();
    let synchronous = app.config().synchronous;
    app.writing.clear();
    for pod in primaries {
        if synchronous && !app.replicating.values().any(|p| *p == pod) {
            continue;
        }
        let until = app.data_of(&app.processes[&pod]).and_then(|d| d.repl.lease_until);
        if let Some(until) = until {
            wake.at(until);
        }
        app.writing.insert(pod, until);
    }
    copy_positions(app, api.now);
}

/// Starts the first timeline of a cluster its initialiser created.
pub(super) fn initialised(app: &mut App, cluster: ClusterId, member: &str, at: SimTime) {
    if !tracked(app) {
        return;
    }
    let record = app.cluster_mut(cluster);
    record.leader = Some((member.to_string(), at));
    record.timelines.push(Timeline {
        id: 1,
        primary: member.to_string(),
        started_at: at,
        parent: None,
        branch_ms: 0,
        high_ms: 0,
        writing: Vec::new(),
        how: format!("{member} initialised {cluster} at {at}"),
        before: Vec::new(),
    });
}

/// A promotion: a new timeline branching at the promoted member's position,
/// and the leader key for it. Returns the new timeline's id.
pub(super) fn promoted(
    app: &mut App,
    volume: VolumeKey,
    how: String,
    before: Vec<String>,
    at: SimTime,
) -> Option<u32> {
    if !tracked(app) {
        return None;
    }
    let data = app.volumes.get(&volume)?.clone();
    let record = app.cluster_mut(data.cluster);
    let id = record.timelines.len() as u32 + 1;
    record.timelines.push(Timeline {
        id,
        primary: data.member.clone(),
        started_at: at,
        parent: Some(data.repl.timeline),
        branch_ms: data.repl.position_ms,
        high_ms: data.repl.position_ms,
        writing: Vec::new(),
        how,
        before,
    });
    record.leader = Some((data.member.clone(), at));
    let repl = &mut app.volumes.get_mut(&volume).expect("checked above").repl;
    repl.timeline = id;
    repl.lease_until = None;
    repl.held_since = Some(at);
    Some(id)
}

/// Writes a cluster acknowledged that its history no longer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostWrites {
    /// The application (its StatefulSet in the scenario).
    pub app: String,
    /// The member that took them.
    pub member: String,
    /// How many.
    pub writes: u64,
    /// When the first and the last of them were taken, in ms.
    pub from_ms: u64,
    pub to_ms: u64,
    /// The member promoted in its place, and when.
    pub promoted: String,
    pub promoted_at_ms: u64,
    /// Of them, those taken after the promotion, while two primaries took writes.
    pub divergent_writes: u64,
    /// From the cause to the loss.
    pub cause: Vec<String>,
}

/// The writes each cluster of the application lost: every write on a
/// timeline past the point where the history that won (the leader's
/// timeline and its ancestors) left it.
pub fn lost_writes(app: &App) -> Vec<LostWrites> {
    let Some(config) = app.config.as_ref() else { return Vec::new() };
    let mut out = Vec::new();
    for cluster in &app.clusters {
        if cluster.timelines.is_empty() {
            continue;
        }
        let winner = cluster
            .leader
            .as_ref()
            .and_then(|(leader, _)| {
                app.volumes
                    .values()
                    .find(|d| d.cluster == cluster.id && d.member == *leader && d.role == Role::Primary)
            })
            .map(|d| d.repl.timeline)
            .unwrap_or(cluster.timelines.len() as u32);
        // The winning lineage: each ancestor with the child that left it.
        let mut kept: BTreeMap<u32, Option<&Timeline>> = BTreeMap::new();
        let mut line = cluster.timelines.iter().find(|t| t.id == winner);
        let mut child: Option<&Timeline> = None;
        while let Some(current) = line {
            kept.insert(current.id, child);
            child = Some(current);
            line = current.parent.and_then(|p| cluster.timelines.iter().find(|t| t.id == p));
        }
        for timeline in &cluster.timelines {
            let (cut, successor) = match kept.get(&timeline.id) {
                Some(None) => continue,
                Some(Some(next)) => (next.branch_ms.max(timeline.branch_ms), *next),
                // Abandoned: the timeline that replaced it is the winner's branch from its parent.
                None => {
                    let next = cluster
                        .timelines
                        .iter()
                        .find(|t| t.parent == timeline.parent && kept.contains_key(&t.id))
                        .unwrap_or(&cluster.timelines[cluster.timelines.len() - 1]);
                    (timeline.branch_ms, next)
                }
            };
            if timeline.high_ms <= cut {
                continue;
            }
            let count = writes(config, timeline.high_ms) - writes(config, cut);
            if count == 0 {
                continue;
            }
            let first = timeline.time_of(cut).unwrap_or(timeline.started_at);
            let last = timeline.time_of(timeline.high_ms).unwrap_or(first);
            let divergent = writes(config, timeline.written_after(successor.started_at));
            let mut cause = successor.before.clone();
            cause.push(successor.how.clone());
            let behind = writes(config, successor.started_at_position(timeline)) - writes(config, cut);
            if behind > 0 {
                cause.push(format!(
                    "{} lacked the last {behind} writes {} had taken (since {first})",
                    successor.primary, timeline.primary
                ));
            }
            if divergent > 0 {
                let span = last.since(successor.started_at.min(last));
                cause.push(format!(
                    "{} kept accepting writes after the promotion, until {last}: {span} of divergent writes \
                     ({divergent})",
                    timeline.primary
                ));
            }
            cause.push(format!(
                "{count} writes acknowledged by {} are not in {}'s history: lost",
                timeline.primary, successor.primary
            ));
            out.push(LostWrites {
                app: app.name.clone(),
                member: timeline.primary.clone(),
                writes: count,
                from_ms: first.as_millis(),
                to_ms: last.as_millis(),
                promoted: successor.primary.clone(),
                promoted_at_ms: successor.started_at.as_millis(),
                divergent_writes: divergent,
                cause,
            });
        }
    }
    out
}

impl Timeline {
    /// The position `parent` had reached when this timeline started, as far
    /// as its record of writing tells.
    fn started_at_position(&self, parent: &Timeline) -> u64 {
        let mut position = parent.branch_ms;
        for &(from, to, start) in &parent.writing {
            if from >= self.started_at {
                break;
            }
            position = start + to.min(self.started_at).since(from).as_millis();
        }
        position.max(self.branch_ms)
    }
}

/// The running process of the member the leader key names, if it is a primary.
pub(super) fn leader_pod(app: &App) -> Option<PodId> {
    if !tracked(app) {
        return None;
    }
    let cluster = app.clusters.iter().rev().find(|c| c.leader.is_some())?;
    let (leader, _) = cluster.leader.as_ref()?;
    // The first of `processes_of(leader)` that holds the primary's data.
    app.processes
        .values()
        .filter(|p| p.member == *leader)
        .filter(|p| app.data_of(p).is_some_and(|d| d.role == Role::Primary && d.cluster == cluster.id))
        .min_by_key(|p| (p.ghost_since.is_some(), p.pod))
        .map(|p| p.pod)
}

/// The position of the member in `pod` at `now`: its data's, plus what it
/// wrote or received since the last look.
pub(super) fn live_position(app: &App, pod: PodId, now: SimTime) -> u64 {
    let Some(process) = app.processes.get(&pod) else { return 0 };
    let held = app.data_of(process).map_or(0, |d| d.repl.position_ms);
    let since = app.advanced_at.unwrap_or(now);
    if let Some(until) = app.writing.get(&pod) {
        let end = until.map_or(now, |u| u.min(now));
        return held + end.since(since.min(end)).as_millis();
    }
    if let Some(source) = app.replicating.get(&pod)
        && app.writing.contains_key(source)
    {
        let lag = steady_lag(app).as_millis();
        return live_position(app, *source, now).saturating_sub(lag).max(held);
    }
    held
}

/// The leader key as the DCS shows it: who it names and when it expires
/// unless renewed (its last renewal plus the `ttl`).
pub(super) fn lease_view(
    world: &crate::world::World,
    app: &App,
    now: SimTime,
) -> Option<(String, Option<SimTime>)> {
    if !tracked(app) {
        return None;
    }
    let cluster = app.clusters.iter().rev().find(|c| c.leader.is_some())?;
    let (leader, since) = cluster.leader.clone()?;
    let renewed = match leader_pod(app) {
        Some(pod) => last_renewal(world, app, pod, since, now),
        None => cluster.lease_renewed,
    };
    Some((leader, renewed.map(|at| at + app.config().lease_ttl)))
}

/// The running replicas that follow the member in `pod` and reach it
/// (Redis's connected slaves, which `min-replicas-to-write` counts).
fn followers(api: &Api, app: &App, pod: PodId) -> usize {
    let master = &app.processes[&pod];
    app.processes
        .values()
        .filter(|p| p.pod != pod && p.ghost_since.is_none())
        .filter(|p| matches!(p.state, ProcessState::Member { .. }))
        .filter(|p| {
            app.data_of(p).is_some_and(|d| {
                d.role == Role::Replica && d.peers.keys().next().map(|m| &**m) == Some(master.member.as_str())
            })
        })
        .filter(|p| network::reachable(api.world(), p.node, master.node))
        .count()
}
