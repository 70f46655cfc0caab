//! Redis with Sentinel: a master and replicas, and a sentinel in every pod
//! that knows where the master is.
//!
//! Owns the kind's rules (as the common Helm charts run it; sentinel
//! defaults from sentinel.conf; shared/failure-modes.md F25, section 2.2):
//! - the sentinels record the master's address and the replicas' (pod IPs,
//!   or hostnames with `resolve-hostnames`/`announce-hostnames`: addressing
//!   `Dns`). They learn a replica's current address when it replicates from
//!   the master; they keep the master's until a failover;
//! - a starting node asks the sentinels (at its peers' DNS names) where the
//!   master is. If they answer, it is the master when that address is its
//!   own, and otherwise a replica of that address, which it stores. If no
//!   sentinel answers, the first ordinal starts as master (a new cluster if
//!   its volume is empty) and the others wait;
//! - when nobody answers at the master's recorded address for `down_after`
//!   (60 s, the Bitnami chart's default) and the sentinels that reach each
//!   other are a majority of those ever known and at least `quorum`, they
//!   promote a replica they can reach and point every node they can reach
//!   at it (`SLAVEOF`);
//! - a node they cannot reach at the address they recorded is not
//!   reconfigured: a former master back at a new IP keeps following its
//!   stale answer;
//! - with `pre_stop_failover` (the Bitnami chart's default), the master's
//!   pod stopped gracefully on a machine that runs (a delete, an eviction,
//!   a rolling update, a graceful node shutdown) runs its preStop hook:
//!   writes pause and a sentinel it reaches promotes a replica at once, with
//!   no `down_after` and no vote (`pre_stop_failover` below). A crashed or
//!   cut-off machine runs no hook.
//!
//! The verdict is the primary/replica one (`primary_replica::evaluate`):
//! several masters are split brain, no master or replicas all cut off are
//! BROKEN after the peer timeout.

use super::*;

fn down_after(app: &App) -> SimDuration {
    match app.kind() {
        AppKind::RedisSentinel { down_after, .. } => *down_after,
        _ => unreachable!("the Sentinel model runs Sentinel applications"),
    }
}

fn quorum(app: &App) -> usize {
    match app.kind() {
        AppKind::RedisSentinel { quorum, .. } => *quorum as usize,
        _ => unreachable!("the Sentinel model runs Sentinel applications"),
    }
}

/// When the kubelet began to kill `pod`'s container gracefully, which it
/// does by running the container's preStop hook first (`killContainer`,
/// pkg/kubelet/kuberuntime/kuberuntime_container.go): once it learned of
/// the pod's deletion (`term_started_at`), or when its graceful node
/// shutdown began for the pod's group. `None` on a machine that is not
/// running and connected: a crashed one runs nothing, a cut-off kubelet
/// has not heard of the deletion. (A force-deleted pod's container, killed
/// with the kubelet's own short grace period, is left out.)
fn graceful_kill_began(world: &crate::world::World, pod: PodId) -> Option<SimTime> {
    let pod = world.pod(pod);
    let node = world.node(pod.node?);
    if !node.kubelet_connected() || !pod.exists() {
        return None;
    }
    if pod.is_terminating() {
        return pod.runtime.term_started_at;
    }
    if pod.critical() { node.critical_shutdown } else { node.shutting_down }
}

/// Whether the master in `pod` has its writes paused by the chart's
/// preStop hook (`CLIENT PAUSE <ms> WRITE`): it runs and its hook ran.
/// Clients wait rather than fail, and the pause outlasts the container.
pub(super) fn writes_paused(app: &App, pod: PodId) -> bool {
    app.processes.get(&pod).is_some_and(|p| p.pre_stop_ran && p.ghost_since.is_none())
}

/// Where the sentinels say the master is, asked at the peers' DNS names:
/// `None` if no sentinel answers.
fn ask_sentinels(api: &mut Api, app: &App, pod: PodId, wake: &mut Wake) -> Option<(String, Address)> {
    let member = app.processes[&pod].member.clone();
    let subdomain = api.world().pod(pod).subdomain.clone();
    let cluster = app.clusters.first()?;
    let master = cluster.slots.first()?.clone();
    let address = cluster.peers.get(&master)?.clone();
    for (peer, _) in app.expected(api.world()) {
        if peer == member {
            continue;
        }
        let name = Address::Dns(dns_name(api.world(), &peer, &subdomain).into());
        if let Reach::Ok(answer) = reach(api, app, app.processes[&pod].node, &peer, &name, wake)
            && matches!(app.processes[&answer].state, ProcessState::Member { .. })
        {
            return Some((master, address));
        }
    }
    None
}

/// A node's process started; it asks the sentinels in `progress`.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let process = app.processes[&pod].clone();
    let words = volume_words(api.world(), process.volume);
    let what = match app.volumes.get(&process.volume) {
        Some(data) => format!(
            "started with its data on {words} ({:?} of {}): it asks the sentinels",
            data.role, data.cluster
        ),
        None => format!("started with an empty {words}: it asks the sentinels where the master is"),
    };
    app.processes.get_mut(&pod).expect("booting").state =
        ProcessState::Waiting { why: "asks the sentinels where the master is".into() };
    member_event(api, index, pod, what);
}

/// Starting nodes ask the sentinels; the sentinels learn addresses, fail
/// over and reconfigure the nodes they can reach.
pub(super) fn progress(api: &mut Api, app: &mut App, index: usize, wake: &mut Wake) {
    let waiting = app.waiting();
    for pod in waiting {
        start(api, app, index, pod, wake);
    }
    let Some(cluster) = app.clusters.first().map(|c| c.id) else { return };
    // The sentinels running now become known to the others, for good.
    let running: Vec<String> =
        app.processes.values().filter(|p| p.ghost_since.is_none()).map(|p| p.member.clone()).collect();
    app.cluster_mut(cluster).members.extend(running);
    learn(api, app, cluster, wake);
    pre_stop_failover(api, app, index, cluster, wake);
    failover(api, app, index, cluster, wake);
    reconfigure(api, app, index, cluster, wake);
}

fn start(api: &mut Api, app: &mut App, index: usize, pod: PodId, wake: &mut Wake) {
    let now = api.now;
    let process = app.processes[&pod].clone();
    let own = address_of(app, &process);
    let first = app.current_set(api.world()).start_ordinal();
    let data = app.volumes.get(&process.volume).cloned();
    let answer = ask_sentinels(api, app, pod, wake);
    let (role, peers, cluster, what) = match (answer, &data) {
        (Some((_, address)), _) if address == own => {
            let cluster = app.clusters[0].id;
            (
                Role::Primary,
                BTreeMap::new(),
                cluster,
                format!("the sentinels name it the master, at {address}"),
            )
        }
        (Some((master, address)), _) => {
            let cluster = app.clusters[0].id;
            let what = if master == process.member {
                format!(
                    "the sentinels still give the master's address as {address}, its old one, so it follows \
                     that address as a replica"
                )
            } else {
                format!("the sentinels say the master is {master} at {address}: it replicates from there")
            };
            (Role::Replica, [(Arc::<str>::from(master), address)].into(), cluster, what)
        }
        (None, Some(data)) => (
            data.role,
            data.peers.clone(),
            data.cluster,
            "no sentinel answers: it resumes the role its data gives it".into(),
        ),
        (None, None) if process.ordinal == first && app.clusters.is_empty() => {
            let cluster = app.new_cluster(&process.member, now);
            let record = app.cluster_mut(cluster);
            record.slots = vec![process.member.clone()];
            record.peers.insert(process.member.clone(), own.clone());
            record.origin = vec![format!("{} started as the first master at {now}", process.member)];
            (
                Role::Primary,
                BTreeMap::new(),
                cluster,
                format!(
                    "no sentinel answers: as the first ordinal it is the master of a new cluster, {cluster}"
                ),
            )
        }
        (None, None) => {
            let why = "no sentinel answers yet, and only the first ordinal may start as master".to_string();
            let process = app.processes.get_mut(&pod).expect("waiting");
            if process.state != (ProcessState::Waiting { why: why.clone() }) {
                process.state = ProcessState::Waiting { why: why.clone() };
                member_event(api, index, pod, format!("waits: {why}"));
            }
            return;
        }
    };
    let formed = app.formed;
    let catch_up = app.config().catch_up;
    let state = ProcessState::Member { cluster };
    let process = app.processes.get_mut(&pod).expect("starting");
    process.state = state;
    if data.is_none() && role == Role::Replica && formed {
        process.catching_up =
            Some((now + catch_up, "copies all data from the master (it joined empty)".into()));
    }
    let member = process.member.clone();
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
    member_event(api, index, pod, what);
}

/// Where the sentinels act from: the node of the first running sentinel
/// (by ordinal) with the most sentinels reachable from it, itself included,
/// and how many those are. A sentinel cut off by a partition sees only its
/// own side, so only the side with a majority can agree on a failover.
fn vantage(api: &Api, app: &App) -> Option<(NodeId, usize)> {
    let live: Vec<NodeId> = app
        .processes_in_order()
        .into_iter()
        .map(|p| &app.processes[&p])
        .filter(|p| p.ghost_since.is_none())
        .map(|p| p.node)
        .collect();
    let mut best: Option<(NodeId, usize)> = None;
    for &node in &live {
        let count = live.iter().filter(|other| crate::network::reachable(api.world(), node, **other)).count();
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((node, count));
        }
    }
    best
}

/// The sentinels learn the current address of each replica that
/// replicates from the master (the master's INFO lists it).
fn learn(api: &mut Api, app: &mut App, cluster: ClusterId, wake: &mut Wake) {
    let Some(master) = app.cluster(cluster).slots.first().cloned() else { return };
    let Some((from, _)) = vantage(api, app) else { return };
    let order = app.processes_in_order();
    for pod in order {
        let process = &app.processes[&pod];
        if process.ghost_since.is_some() || process.member == master {
            continue;
        }
        let Some(data) = app.data_of(process) else { continue };
        let Some((followed, address)) = data.peers.iter().next().map(|(m, a)| (m.to_string(), a.clone()))
        else {
            continue;
        };
        if followed != master {
            continue;
        }
        if let Reach::Ok(target) = reach(api, app, from, &followed, &address, wake)
            && app.processes[&target].member == master
        {
            let current = address_of(app, &app.processes[&pod]);
            let member = app.processes[&pod].member.clone();
            app.cluster_mut(cluster).peers.insert(member, current);
        }
    }
}

/// The master's pod is being stopped gracefully: its preStop hook fails it
/// over at once.
///
/// The Bitnami chart (bitnami/charts, bitnami/redis/templates/
/// sentinel/statefulset.yaml) gives the redis container `lifecycle.preStop`
/// running prestop-redis.sh unless `replica.lifecycleHooks` replaces it,
/// and the pod `terminationGracePeriodSeconds:
/// {{ .Values.sentinel.terminationGracePeriodSeconds }}`, 30 by default
/// (the chart's README). The script (templates/scripts-configmap.yaml):
/// `if is_master && ! sentinel_failover_finished` (the local ROLE is
/// master and the sentinels, asked through the chart's Service, still give
/// this pod's address) it runs `CLIENT PAUSE 22000 WRITE`, then `SENTINEL
/// FAILOVER mymaster` once, then polls `get-master-addr-by-name` every
/// second for up to 20 s. (Earlier chart versions send the same command
/// from the sentinel container's prestop-sentinel.sh and have the redis
/// container wait for its role to change, without the pause.)
///
/// `SENTINEL FAILOVER` (sentinel.c, `sentinelCommand`) answers
/// `-NOGOODSLAVE No suitable replica to promote` when
/// `sentinelSelectSlave` finds no replica, else starts the failover with
/// `SRI_FORCE_FAILOVER`: `sentinelFailoverWaitStart` goes on without being
/// elected leader, so neither down-after-milliseconds nor the other
/// sentinels' votes are needed. The sentinel's timer (ten times a second)
/// sends `SLAVEOF NO ONE` to the replica, reads its new role at its next
/// INFO (every second during a failover) and from then gives the new
/// address (`sentinelGetCurrentMasterAddress`); the other replicas get
/// `SLAVEOF` the new master. About a second, which the model makes an
/// instant: once sent, the command needs nothing more from the hook, so a
/// grace period that cuts the hook short (the kubelet gives it at least
/// 2 s) does not stop the failover. The old master stays master, writes
/// paused, until its container stops: the sentinels turn a former master
/// into a replica only once it has reported itself master for 8 s
/// (`SENTINEL_PUBLISH_PERIOD*4`, `sentinelRefreshInstanceInfo`), so
/// `reconfigure` leaves it be; back, it asks the sentinels and replicates
/// from the new master (`start`). The sentinel it reaches is one in another
/// ready pod whose machine its own reaches (the Service's endpoints); the
/// replica, one that sentinel reaches, ranked as `failover` ranks them.
fn pre_stop_failover(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, wake: &mut Wake) {
    if !matches!(app.kind(), AppKind::RedisSentinel { pre_stop_failover: true, .. }) {
        return;
    }
    let now = api.now;
    let Some(master) = app.cluster(cluster).slots.first().cloned() else { return };
    let Some(address) = app.cluster(cluster).peers.get(&master).cloned() else { return };
    let stopping = app.processes_named(&master).find(|p| {
        p.ghost_since.is_none()
            && !p.pre_stop_ran
            && address_of(app, p) == address
            && app.data_of(p).is_some_and(|d| d.role == Role::Primary)
            && graceful_kill_began(api.world(), p.pod).is_some_and(|began| began <= now)
    });
    let Some(stopping) = stopping.map(|p| (p.pod, p.node)) else { return };
    let (pod, node) = stopping;
    app.processes.get_mut(&pod).expect("the stopping master").pre_stop_ran = true;
    let world = api.world();
    let sentinel = app.processes_in_order().into_iter().map(|p| &app.processes[&p]).find(|p| {
        let other = world.pod(p.pod);
        p.pod != pod
            && p.ghost_since.is_none()
            && other.exists()
            && !other.is_terminating()
            && other.is_running_and_ready()
            && crate::network::reachable(world, node, p.node)
    });
    let hook = "its pod is being stopped, so the kubelet runs its preStop hook (the Bitnami chart's prestop-redis.sh): \
                as the master it pauses writes (CLIENT PAUSE WRITE) and sends SENTINEL FAILOVER"
        .to_string();
    let Some(from) = sentinel.map(|p| p.node) else {
        member_event(api, index, pod, format!("{hook}, but reaches no sentinel: writes stay paused"));
        return;
    };
    let Some((promoted_pod, promoted, passed)) = select_replica(api, app, cluster, from, &master, wake)
    else {
        member_event(
            api,
            index,
            pod,
            format!("{hook}: -NOGOODSLAVE No suitable replica to promote, so writes stay paused"),
        );
        return;
    };
    member_event(api, index, pod, hook);
    promote(
        api,
        app,
        index,
        cluster,
        promoted_pod,
        &master,
        format!(
            "failover: {master}'s preStop hook sent SENTINEL FAILOVER, which needs neither \
             down-after-milliseconds nor a vote, so the sentinels promote {promoted}{passed} at once"
        ),
    );
}

/// Nobody at the master's recorded address for `down_after`, with enough
/// sentinels reaching each other to elect a leader: a reachable replica is
/// promoted.
fn failover(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, wake: &mut Wake) {
    let now = api.now;
    let Some(master) = app.cluster(cluster).slots.first().cloned() else { return };
    let Some(address) = app.cluster(cluster).peers.get(&master).cloned() else { return };
    let Some((from, sentinels)) = vantage(api, app) else { return };
    let reached = matches!(reach(api, app, from, &master, &address, wake), Reach::Ok(_));
    if reached {
        app.cluster_mut(cluster).down_since.remove(&master);
        return;
    }
    let since = *app.cluster_mut(cluster).down_since.entry(master.clone()).or_insert(now);
    let timeout = down_after(app);
    if now < since + timeout {
        wake.at(since + timeout);
        return;
    }
    // The vote (`sentinelGetLeader`, sentinel.c): `voters =
    // dictSize(master->sentinels)+1`, every other sentinel it knows and
    // itself; the winner needs `voters/2+1` votes and at least the master's
    // `quorum`, which is also how many must see the master down for ODOWN
    // (`sentinelCheckObjectivelyDown`). Sentinels never forget one they saw
    // (redis.io, Sentinel, "Adding or removing Sentinels": only `SENTINEL
    // RESET` does). The Bitnami chart sets each sentinel's `myid` from its
    // pod name (start-sentinel.sh, `host_id`), so a pod made again is the
    // same voter, and a pod scaled away stays one.
    let known = app.cluster(cluster).members.len();
    let needed = (known / 2 + 1).max(quorum(app));
    if sentinels < needed {
        // Said once, when down-after-milliseconds runs out.
        let sentinel =
            app.processes.values().find(|p| p.node == from && p.ghost_since.is_none()).map(|p| p.pod);
        if let Some(pod) = sentinel.filter(|_| now == since + timeout) {
            let quorum = quorum(app);
            member_event(
                api,
                index,
                pod,
                format!(
                    "its sentinel sees {master} down, but no failover: {sentinels} sentinels reach each other, \
                     fewer than the {needed} votes a leader needs (a majority of the {known} sentinels they know, \
                     who are never forgotten, and at least the quorum, {quorum})"
                ),
            );
        }
        return;
    }
    let Some((pod, promoted, passed)) = select_replica(api, app, cluster, from, &master, wake) else {
        return;
    };
    promote(
        api,
        app,
        index,
        cluster,
        pod,
        &master,
        format!(
            "failover: nobody answered at {master}'s address {address} for {timeout} (down-after-milliseconds), so \
             the sentinels promote {promoted}{passed}"
        ),
    );
}

/// The replica the sentinels acting from `from` promote in place of
/// `master`, its name, and why it was preferred to lower ordinals (or
/// nothing).
///
/// `sentinelSelectSlave` (sentinel.c) keeps the replicas they reach and
/// ranks them by `replica-priority` (all equal here), then by replication
/// offset, highest first, then by run ID (random; here the ordinal). A
/// replica still copying the master's data in its initial sync, or one cut
/// off from it for a while, has the lower offset: the one whose data is the
/// most recent wins.
fn select_replica(
    api: &mut Api,
    app: &App,
    cluster: ClusterId,
    from: NodeId,
    master: &str,
    wake: &mut Wake,
) -> Option<(PodId, String, String)> {
    let mut ranked: Vec<PodId> = app.processes_in_order();
    ranked.sort_by_key(|pod| {
        let process = &app.processes[pod];
        let synced = app.volumes.get(&process.volume).map(|d| d.synced_at);
        (process.catching_up.is_some(), std::cmp::Reverse(synced))
    });
    let mut candidate = None;
    for pod in ranked {
        let process = &app.processes[&pod];
        if process.member == master || process.ghost_since.is_some() {
            continue;
        }
        let Some(known) = app.cluster(cluster).peers.get(&process.member).cloned() else { continue };
        let member = process.member.clone();
        if reach(api, app, from, &member, &known, wake) == Reach::Ok(pod) {
            candidate = Some((pod, member));
            break;
        }
    }
    let (pod, promoted) = candidate?;
    // Lower ordinals ranked after it for their offset: still catching up.
    let ordinal = app.processes[&pod].ordinal;
    let passed: Vec<String> = app
        .processes_in_order()
        .into_iter()
        .map(|p| &app.processes[&p])
        .filter(|p| p.ordinal < ordinal && p.member != master && p.ghost_since.is_none())
        .filter(|p| p.catching_up.is_some())
        .map(|p| p.member.clone())
        .collect();
    let passed = if passed.is_empty() {
        String::new()
    } else {
        format!(
            ", the replica with the highest replication offset ({} {} still copying the master's data)",
            list(&passed),
            if passed.len() == 1 { "is" } else { "are" }
        )
    };
    Some((pod, promoted, passed))
}

/// The sentinels make the replica in `pod` the master in place of `master`,
/// and the story says `what`.
fn promote(
    api: &mut Api,
    app: &mut App,
    index: usize,
    cluster: ClusterId,
    pod: PodId,
    master: &str,
    what: String,
) {
    let promoted = app.processes[&pod].member.clone();
    {
        let record = app.cluster_mut(cluster);
        record.slots = vec![promoted.clone()];
        record.follows.remove(&promoted);
        record.follows.insert(master.to_string(), promoted);
        record.down_since.remove(master);
    }
    let volume = app.processes[&pod].volume;
    if let Some(data) = app.volumes.get_mut(&volume) {
        data.role = Role::Primary;
        data.peers.clear();
    }
    member_event(api, index, pod, what);
}

/// The sentinels point every node they can reach at the current master.
fn reconfigure(api: &mut Api, app: &mut App, index: usize, cluster: ClusterId, wake: &mut Wake) {
    let Some(master) = app.cluster(cluster).slots.first().cloned() else { return };
    let Some(master_at) = app.cluster(cluster).peers.get(&master).cloned() else { return };
    let Some((from, _)) = vantage(api, app) else { return };
    for pod in app.processes_in_order() {
        let process = &app.processes[&pod];
        // A former master paused by its preStop hook stays master until it stops.
        if process.ghost_since.is_some() || process.member == master || process.pre_stop_ran {
            continue;
        }
        let Some(data) = app.data_of(process) else { continue };
        let right = data.role == Role::Replica && data.peers.get(master.as_str()) == Some(&master_at);
        if right {
            continue;
        }
        let member = process.member.clone();
        let Some(known) = app.cluster(cluster).peers.get(&member).cloned() else { continue };
        if reach(api, app, from, &member, &known, wake) != Reach::Ok(pod) {
            continue;
        }
        let volume = process.volume;
        if let Some(data) = app.volumes.get_mut(&volume) {
            data.role = Role::Replica;
            data.peers = [(Arc::<str>::from(master.as_str()), master_at.clone())].into();
        }
        app.cluster_mut(cluster).follows.insert(member, master.clone());
        member_event(
            api,
            index,
            pod,
            format!("the sentinels reconfigure it: SLAVEOF {master} at {master_at}"),
        );
    }
}
