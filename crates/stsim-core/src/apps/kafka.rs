//! Kafka in KRaft mode: a controller quorum, brokers whose volumes name
//! their cluster, and partitions that need enough replicas in sync.
//!
//! Owns the kind's rules (shared/failure-modes.md F08, F09, F20, section 2.2):
//! - every pod is a broker; the first `controllers` ordinals also vote in
//!   the controller quorum, found at their DNS names
//!   (`controller.quorum.voters`), a majority of them needed. The voters are
//!   configuration, fixed when the cluster is made: scaling the set adds or
//!   removes brokers, never voters (`voters`);
//! - a broker's volume holds `meta.properties`: its node id and the cluster
//!   id it was formatted with. An empty volume is formatted with the
//!   install's cluster id; a volume formatted for another cluster id stops
//!   the broker ("Invalid cluster.id in: .../meta.properties"). An install generates its
//!   cluster id unless the chart fixes it (`fixedClusterId`), so a reinstall
//!   over retained volumes breaks every broker that restarts;
//! - brokers register with the quorum at each start, with their current
//!   address, so pod IPs changing does not matter to Kafka itself;
//! - partitions are spread evenly when the topic is created, once the
//!   cluster has an active controller and at least replicationFactor
//!   brokers registered (until then InvalidReplicationFactorException):
//!   partition p has its replicas on the p-th and following brokers
//!   registered then (replicationFactor of them), and keeps them:
//!   Kafka never reassigns partitions by itself, so a broker scaled away
//!   keeps its replicas (out of the ISR) and one added holds none
//!   (`partitions`). A replica is in
//!   sync (ISR) while its broker is registered and not catching up, and
//!   rejoins the ISR only from a live leader: the last member of an ISR
//!   stays in it, and with no live ISR member the partition is offline
//!   (unclean leader election off, Kafka's default). A partition takes
//!   `acks=all` writes while its ISR has at least min.insync.replicas.
//!
//! Verdict: BROKEN when the controller quorum is lost, the topic cannot be
//! created, some partition is offline, or some partition has fewer in-sync replicas than
//! min.insync.replicas (NotEnoughReplicas);
//! DEGRADED when a partition is under-replicated; HEALTHY otherwise.

use super::explain::Why;
use super::*;
use crate::config::AppKind;

struct Settings {
    controllers: usize,
    replication_factor: usize,
    min_insync: usize,
    fixed_cluster_id: bool,
}

fn settings(app: &App) -> Settings {
    match app.kind() {
        AppKind::Kafka { controllers, replication_factor, min_insync_replicas, fixed_cluster_id } => {
            Settings {
                controllers: *controllers as usize,
                replication_factor: *replication_factor as usize,
                min_insync: *min_insync_replicas as usize,
                fixed_cluster_id: *fixed_cluster_id,
            }
        }
        _ => unreachable!("the Kafka model runs Kafka applications"),
    }
}

/// Where a broker keeps meta.properties: the Bitnami chart's default
/// `log.dirs` (`/bitnami/kafka/data`), stsim having no model of mount paths.
const KAFKA_META_PROPERTIES: &str = "/bitnami/kafka/data/meta.properties";

/// The cluster id the pod's install formats with, made on first use.
fn install_cluster(api: &Api, app: &mut App, pod: PodId) -> ClusterId {
    let set = api.world().pod(pod).owner.unwrap_or_else(|| app.current_set(api.world()).id);
    if let Some(id) = app.install_cluster.get(&set) {
        return *id;
    }
    let id = match (settings(app).fixed_cluster_id, app.clusters.first()) {
        (true, Some(first)) => first.id,
        _ => {
            // The install is the StatefulSet's creation (time zero for the first).
            let installed = api
                .trace
                .records
                .iter()
                .find_map(|r| {
                    matches!(r.event, Event::StatefulSetCreated { sts } if sts == set).then_some(r.at)
                })
                .unwrap_or(SimTime::ZERO);
            let by = api.world().sts(set).name.clone();
            let id = app.new_cluster(&by, installed);
            app.cluster_mut(id).origin = vec![format!(
                "the install of StatefulSet {by} at {installed} generated its own cluster id, {id}"
            )];
            // controller.quorum.voters, written into every server's
            // configuration when the cluster is made: the first
            // `controllers` ordinals of the set it was installed as.
            let first = api.world().sts(set).start_ordinal();
            let controllers = settings(app).controllers.max(1) as u32;
            app.cluster_mut(id).members = (first..first + controllers).map(|o| pod_name(&by, o)).collect();
            id
        }
    };
    app.install_cluster.insert(set, id);
    id
}

/// A broker's process started: it reads meta.properties, or formats.
pub(super) fn boot(api: &mut Api, app: &mut App, index: usize, pod: PodId) {
    let now = api.now;
    let process = app.processes[&pod].clone();
    let words = volume_words(api.world(), process.volume);
    let install = install_cluster(api, app, pod);
    let (catch_up, stale_after, formed) = (app.config().catch_up, app.config().stale_after, app.formed);
    let mut catching_up = None;
    let (state, what) = match app.volumes.get(&process.volume).cloned() {
        Some(data) if data.cluster != install => {
            // In KRaft the start's `kafka-storage format` with the install's
            // cluster id checks meta.properties in `MetaPropertiesEnsemble.verify`
            // (apache/kafka metadata/src/main/java/org/apache/kafka/metadata/
            // properties/MetaPropertiesEnsemble.java, called from
            // `Formatter.doFormat`): "Invalid cluster.id in: " + path +
            // ". Expected " + expected + ", but read " + stored, a
            // RuntimeException that ends the process. (InconsistentClusterIdException
            // is ZooKeeper mode's, from KafkaServer.) The path is the Bitnami
            // chart's default log.dirs (`KAFKA_META_PROPERTIES`).
            let why = format!(
                "java.lang.RuntimeException: Invalid cluster.id in: {KAFKA_META_PROPERTIES}. Expected {install}, but \
                 read {} (on {words})",
                data.cluster
            );
            (ProcessState::Rejected { why: why.clone(), code: "foreign-data" }, format!("stops: {why}"))
        }
        Some(data) => {
            let lag = now.since(data.synced_at);
            let mut what = format!("started with its log on {words}: node {} of {install}", process.ordinal);
            if formed && lag >= stale_after {
                catching_up = Some((now + catch_up, format!("came back with a log {} old", ago(lag))));
                what.push_str(&format!(
                    "; its log is {} old, so it fetches before it rejoins the ISR",
                    ago(lag)
                ));
            }
            (ProcessState::Member { cluster: install }, what)
        }
        None => {
            app.volumes.insert(
                process.volume,
                MemberData {
                    cluster: install,
                    member: process.member.clone(),
                    role: Role::Replica,
                    peers: BTreeMap::new(),
                    synced_at: now,
                    repl: Replication::default(),
                },
            );
            if formed {
                catching_up = Some((now + catch_up, "joined with an empty log and re-replicates".into()));
            }
            (
                ProcessState::Member { cluster: install },
                format!("formatted the empty {words} with cluster id {install} (kafka-storage format)"),
            )
        }
    };
    if matches!(state, ProcessState::Member { .. }) {
        app.joined.insert(process.member.clone());
    }
    let process = app.processes.get_mut(&pod).expect("booting");
    process.state = state;
    process.catching_up = catching_up;
    member_event(api, index, pod, what);
}

/// Judges the application as it is now.
pub(super) fn evaluate(api: &mut Api, app: &mut App, wake: &mut Wake) -> Verdict {
    let now = api.now;
    for process in app.processes.values_mut() {
        process.in_sync = false;
    }
    let settings = settings(app);
    let expected = app.expected(api.world());
    if expected.is_empty() {
        return Verdict::broken("member-down", "no brokers are wanted".into());
    }
    // The cluster the running brokers form: a broker re-reads the cluster id
    // only when it starts, so adopted brokers of an old install keep theirs.
    let mut counts: BTreeMap<ClusterId, usize> = BTreeMap::new();
    for process in app.processes.values().filter(|p| p.ghost_since.is_none()) {
        if let Some(cluster) = app.cluster_of(process) {
            *counts.entry(cluster).or_default() += 1;
        }
    }
    let install =
        counts.iter().max_by_key(|(id, count)| (**count, std::cmp::Reverse(**id))).map(|(id, _)| *id);
    // A broker counts when it runs as a member of the current install's cluster.
    let live = |app: &App, member: &str| -> Option<PodId> {
        let install = install?;
        app.processes_of(member)
            .into_iter()
            .find(|p| p.ghost_since.is_none() && p.state == ProcessState::Member { cluster: install })
            .map(|p| p.pod)
    };
    // The controller quorum: the voters, reaching each other by name.
    let voters = voters(api, app, install, &expected, &settings);
    let majority = voters.len() / 2 + 1;
    let running: Vec<(String, PodId)> =
        voters.iter().filter_map(|m| live(app, m).map(|p| (m.clone(), p))).collect();
    let mut best: Vec<String> = Vec::new();
    let mut failure: Option<(String, Reach)> = None;
    for (voter, pod) in &running {
        let subdomain = api.world().pod(*pod).subdomain.clone();
        let mut group = vec![voter.clone()];
        for (other, other_pod) in &running {
            if other == voter {
                continue;
            }
            let to = Address::Dns(dns_name(api.world(), other, &subdomain).into());
            let back = Address::Dns(
                dns_name(api.world(), voter, &api.world().pod(*other_pod).subdomain.clone()).into(),
            );
            let (node, other_node) = (app.processes[pod].node, app.processes[other_pod].node);
            let there = reach(api, app, node, other, &to, wake);
            let here = reach(api, app, other_node, voter, &back, wake);
            if there == Reach::Ok(*other_pod) && here == Reach::Ok(*pod) {
                group.push(other.clone());
            } else if failure.is_none() {
                failure = Some(if there != Reach::Ok(*other_pod) {
                    (other.clone(), there)
                } else {
                    (voter.clone(), here)
                });
            }
        }
        if group.len() > best.len() {
            best = group;
        }
    }
    if best.len() < majority {
        let missing: Vec<String> = voters.iter().filter(|v| !best.contains(v)).cloned().collect();
        let why = absent_why(
            api,
            app,
            &missing[0],
            failure.as_ref().filter(|(m, _)| *m == missing[0]).map(|(_, r)| r),
        );
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        return Verdict::broken(
            "quorum-lost",
            format!(
                "the controller quorum is lost: {} of {} controllers reach each other, and a majority is {majority}: {}",
                best.len(),
                voters.len(),
                why.steps.last().cloned().unwrap_or_default()
            ),
        )
        .because(chain.then("no active controller: no leader elections, no metadata changes, no new writes"))
        .fix(match missing.iter().filter(|m| scaled_away(&expected, m)).cloned().collect::<Vec<_>>() {
            gone if gone.is_empty() => {
                format!("{} Keep a majority of the controllers running (a PodDisruptionBudget).", why.fix)
            }
            gone => format!(
                "Scale {} back so that {} run{} again: controller.quorum.voters ({}) was fixed when the cluster \
                 was made, and a scale-down does not change it; a voter leaves a static quorum only when every \
                 server is reconfigured and restarted.",
                app.current_set(api.world()).name,
                list(&gone),
                if gone.len() == 1 { "s" } else { "" },
                list(&voters)
            ),
        });
    }
    let cluster = install.expect("a controller quorum runs in the current install");
    // The brokers: those the set runs and those holding replicas (a broker
    // scaled away keeps its replicas, and runs until its pod is gone).
    let mut brokers: Vec<String> = expected.iter().map(|(m, _)| m.clone()).collect();
    for (replicas, _) in app.isr.range((cluster, 0)..=(cluster, usize::MAX)).map(|(_, entry)| entry) {
        for member in replicas {
            if !brokers.contains(member) {
                brokers.push(member.clone());
            }
        }
    }
    brokers.sort_by_key(|m| crate::objects::parse_pod_name(m).map(|(_, o)| o));
    // Registered brokers: running members that reach an active controller.
    let quorum_pod = live(app, &best[0]).expect("a voter in the quorum runs");
    let mut registered: BTreeSet<String> = BTreeSet::new();
    for member in &brokers {
        let Some(pod) = live(app, member) else { continue };
        if best.contains(member) {
            registered.insert(member.clone());
            continue;
        }
        let subdomain = api.world().pod(pod).subdomain.clone();
        let name = dns_name(api.world(), &best[0], &subdomain);
        let from = app.processes[&pod].node;
        if reach(api, app, from, &best[0], &Address::Dns(name.into()), wake) == Reach::Ok(quorum_pod) {
            registered.insert(member.clone());
        }
    }
    let Some(partitions) = partitions(app, cluster, &expected, &registered, &settings) else {
        return not_created(api, app, &expected, &registered, &settings);
    };
    let in_sync = app.settle_caught_up(&registered, now);
    let rf = settings.replication_factor;
    let min_isr = settings.min_insync.min(rf).max(1);
    let n = partitions.len();
    let mut not_enough: Vec<(usize, Vec<String>)> = Vec::new();
    let mut under: Vec<usize> = Vec::new();
    // Partitions with no live replica in their ISR, with that ISR.
    let mut offline: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
    for (p, replicas) in partitions {
        // The ISR as the controller keeps it: a replica leaves it when its
        // broker is fenced or falls behind, but the last member stays (the
        // partition keeps it as its last leader), and a replica rejoins
        // only by fetching from the partition's leader, a live ISR member.
        // With `unclean.leader.election.enable=false`, Kafka's default
        // since 0.11 (KIP-106), no replica outside the ISR may lead: a
        // partition whose ISR has no live member is offline until one
        // returns, whoever else is back (KIP-966's ELR keeps this rule).
        let entry = app.isr.get_mut(&(cluster, p)).expect("placed above");
        if entry.1.iter().any(|m| in_sync.contains(m)) {
            entry.1 = replicas.iter().filter(|m| in_sync.contains(*m)).cloned().collect();
        } else {
            offline.push((p, replicas.clone(), entry.1.clone()));
            continue;
        }
        let isr = entry.1.len();
        if isr < min_isr {
            not_enough.push((p, replicas));
        } else if isr < replicas.len() {
            under.push(p);
        }
    }
    if let Some((partition, replicas, last)) = offline.first() {
        let why = absent_why(api, app, &last[0], None);
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        let partitions: Vec<String> = offline.iter().map(|(p, _, _)| format!("p{p}")).collect();
        let back: Vec<String> = replicas.iter().filter(|m| in_sync.contains(*m)).cloned().collect();
        let others = match back.as_slice() {
            [] => String::new(),
            [one] => format!("; {one} is back but was not in it, and may not lead"),
            many => format!("; {} are back but were not in it, and may not lead", list(many)),
        };
        return Verdict::broken(
            "partition-offline",
            format!(
                "partition p{partition} (replicas {}) is offline: no replica of its last ISR ({}) runs{others} \
                 (unclean.leader.election.enable=false); {} of {n} partitions have no leader: {}",
                list(replicas),
                list(last),
                offline.len(),
                why.steps.last().cloned().unwrap_or_default()
            ),
        )
        .because(chain.then(format!("{} have no in-sync replica left to lead", list(&partitions))))
        .fix(format!(
            "Bring {} back: only a replica of the last ISR may lead without losing acknowledged writes (enabling \
             unclean leader election elects another replica and loses what only the last ISR had).",
            list(last)
        ));
    }
    // Brokers out of the ISR of some partition they hold a replica of.
    let assigned: BTreeSet<&String> = app
        .isr
        .range((cluster, 0)..=(cluster, usize::MAX))
        .flat_map(|(_, (replicas, _))| replicas.iter())
        .collect();
    let absent: Vec<String> =
        brokers.iter().filter(|m| assigned.contains(m) && !in_sync.contains(*m)).cloned().collect();
    if let Some((partition, replicas)) = not_enough.first() {
        let down: Vec<String> = replicas.iter().filter(|m| !in_sync.contains(*m)).cloned().collect();
        let why = absent_why(api, app, &down[0], None);
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        let partitions: Vec<String> = not_enough.iter().map(|(p, _)| format!("p{p}")).collect();
        let reason = format!(
            "NotEnoughReplicas: partition p{partition} (replicas {}) has {} in sync, fewer than \
                 min.insync.replicas={min_isr}; {} of {n} partitions refuse acks=all writes: {}",
            list(replicas),
            replicas.len() - down.len(),
            not_enough.len(),
            why.steps.last().cloned().unwrap_or_default()
        );
        let mut gone: Vec<String> = not_enough
            .iter()
            .flat_map(|(_, replicas)| replicas.iter())
            .filter(|m| !in_sync.contains(*m) && scaled_away(&expected, m))
            .cloned()
            .collect();
        gone.sort_by_key(|m| crate::objects::parse_pod_name(m).map(|(_, o)| o));
        gone.dedup();
        let fix = if gone.is_empty() {
            format!(
                "{} Keep at most replicationFactor - min.insync.replicas ({}) brokers down at a time.",
                why.fix,
                rf - min_isr
            )
        } else {
            scaled_away_fix(&app.current_set(api.world()).name, &gone)
        };
        return Verdict::broken("not-enough-replicas", reason)
            .because(chain.then(format!("{} lose their in-sync replicas", list(&partitions))))
            .fix(fix);
    }
    if let Some(first) = absent.first() {
        let why = absent_why(api, app, first, None);
        let mut chain = Chain::root(why.steps[0].clone(), why.at);
        for step in &why.steps[1..] {
            chain = chain.then(step.clone());
        }
        let texts: Vec<String> = absent.iter().map(|m| format!("{m} is out of the ISR")).collect();
        return Verdict::degraded(
            why.code,
            format!("{} of {n} partitions under-replicated: {}", under.len(), texts.join("; ")),
        )
        .because(chain.then(format!("{} partitions have fewer in-sync replicas than {rf}", under.len())))
        .fix(why.fix);
    }
    let running = brokers.iter().filter(|m| in_sync.contains(*m)).count();
    let idle: Vec<String> = brokers.iter().filter(|m| !assigned.contains(m)).cloned().collect();
    let idle = match idle.as_slice() {
        [] => String::new(),
        [one] => {
            format!("; {one} holds no partition (a new broker gets none until partitions are reassigned)")
        }
        many => format!(
            "; {} hold no partition (a new broker gets none until partitions are reassigned)",
            list(many)
        ),
    };
    Verdict::healthy(format!("{running} brokers in sync, controller quorum of {}{idle}", voters.len()))
}

/// The partitions of the cluster's topic and the brokers holding their
/// replicas, by partition: placed once, when the topic is created, on the
/// brokers registered then, and kept. `None` while the topic cannot be
/// created: fewer brokers are registered than its replication factor.
///
/// Kafka places a partition's replicas when the topic is created (or
/// partitions are added) and never moves them by itself: Kafka's docs
/// (operations, "Expanding your cluster"): new brokers "will not
/// automatically be assigned any data partitions, so unless partitions are
/// moved to them they won't be doing any work"; moving them is
/// kafka-reassign-partitions' job (or Cruise Control's). Red Hat's AMQ
/// Streams docs ("Scaling Kafka clusters"): "Before you remove a broker from
/// a cluster, you must ensure that it is not assigned to any partitions."
/// So a broker scaled away keeps its replicas, out of the ISR, and one
/// added holds none.
///
/// The controller places them on registered brokers only, each replica of a
/// partition on a different one, and refuses a topic whose replication
/// factor exceeds the brokers registered (apache/kafka, metadata
/// `StripedReplicaPlacer.place` -> `throwInvalidReplicationFactorIfTooFewBrokers`;
/// `ReplicationControlManager.createTopic` prefixes "Unable to replicate the
/// partition N time(s): "). The model's topic is created at the first look
/// with an active controller and enough brokers registered; until then it
/// does not exist (`not_created`). Placement here is the model's simple
/// striping: as many partitions as the set has brokers, p's replicas on the
/// p-th and following registered brokers.
fn partitions(
    app: &mut App,
    cluster: ClusterId,
    expected: &[(String, u32)],
    registered: &BTreeSet<String>,
    settings: &Settings,
) -> Option<Vec<(usize, Vec<String>)>> {
    let range = (cluster, 0)..=(cluster, usize::MAX);
    if app.isr.range(range.clone()).next().is_none() {
        let rf = settings.replication_factor.max(1);
        if registered.len() < rf {
            return None;
        }
        // In ordinal order (a BTreeSet of names sorts kafka-10 before kafka-2).
        let mut brokers: Vec<&String> = registered.iter().collect();
        brokers.sort_by_key(|m| crate::objects::parse_pod_name(m).map(|(_, o)| o));
        let b = brokers.len();
        for p in 0..expected.len() {
            let replicas: Vec<String> = (0..rf).map(|k| brokers[(p + k) % b].clone()).collect();
            app.isr.insert((cluster, p), (replicas.clone(), replicas));
        }
    }
    Some(app.isr.range(range).map(|((_, p), (replicas, _))| (*p, replicas.clone())).collect())
}

/// The verdict while the topic cannot be created: Kafka's
/// InvalidReplicationFactorException, as the controller words it
/// (`StripedReplicaPlacer.throwInvalidReplicationFactorIfTooFewBrokers`,
/// with `ReplicationControlManager.createTopic`'s prefix). Consumer groups
/// fail the same way: `__consumer_offsets` is created on first use with
/// offsets.topic.replication.factor (3 by default) and, refused, leaves the
/// group coordinator unavailable.
fn not_created(
    api: &Api,
    app: &App,
    expected: &[(String, u32)],
    registered: &BTreeSet<String>,
    settings: &Settings,
) -> Verdict {
    let rf = settings.replication_factor.max(1);
    let exception = format!(
        "InvalidReplicationFactorException: Unable to replicate the partition {rf} time(s): The target replication \
         factor of {rf} cannot be reached because only {} broker(s) are registered.",
        registered.len()
    );
    let set = app.current_set(api.world()).name.clone();
    if expected.len() < rf {
        let chain = Chain::root(
            format!("replicationFactor is {rf}, and {set} runs {}", count(expected.len(), "broker")),
            app.first_start,
        )
        .then("the controller places a partition's replicas on distinct registered brokers")
        .then(format!("creating the topic fails: {exception}"));
        return Verdict::broken(
            "too-few-brokers",
            format!(
                "the topic cannot be created: {exception} {set} runs {}, fewer than replicationFactor {rf}",
                count(expected.len(), "broker")
            ),
        )
        .because(chain)
        .fix(format!(
            "Scale {set} to at least {rf} brokers, or lower the replication factor to {} (and \
             offsets.topic.replication.factor, which consumer groups need the same way).",
            expected.len()
        ));
    }
    let waiting =
        expected.iter().map(|(m, _)| m).find(|m| !registered.contains(*m)).expect("fewer registered");
    let why = absent_why(api, app, waiting, None);
    let mut chain = Chain::root(why.steps[0].clone(), why.at);
    for step in &why.steps[1..] {
        chain = chain.then(step.clone());
    }
    Verdict::broken(
        why.code,
        format!(
            "the topic cannot be created yet: {exception} {}",
            why.steps.last().cloned().unwrap_or_default()
        ),
    )
    .because(chain.then(format!("creating the topic fails: {exception}")))
    .fix(why.fix)
}

/// The controller quorum's voters, in ordinal order: `controller.quorum.voters`
/// as the cluster was made, whatever the StatefulSet's size now.
///
/// A static quorum's voters are configuration, not membership that follows
/// the brokers running: Kafka's KRaft docs (operations, "Controllers"): "All
/// of the servers in a Kafka cluster discover the quorum voters using the
/// controller.quorum.voters property ... All the controllers must be
/// enumerated", and "A majority of the controllers must be alive in order to
/// maintain availability". So a set scaled from 3 to 1 keeps three voters,
/// one of them running: no majority, no active controller. (A KIP-853
/// dynamic quorum loses a voter only by `kafka-metadata-quorum
/// remove-controller`, which needs an active controller; neither follows a
/// StatefulSet's `replicas`.)
fn voters(
    api: &Api,
    app: &App,
    install: Option<ClusterId>,
    expected: &[(String, u32)],
    settings: &Settings,
) -> Vec<String> {
    let cluster = install.or_else(|| app.install_cluster.get(&app.current_set(api.world()).id).copied());
    match cluster.map(|c| &app.cluster(c).members).filter(|m| !m.is_empty()) {
        Some(members) => {
            let mut voters: Vec<String> = members.iter().cloned().collect();
            voters.sort_by_key(|m| crate::objects::parse_pod_name(m).map(|(_, o)| o));
            voters
        }
        // Before any broker formatted its volume, the configuration as the set has it.
        None => expected.iter().take(settings.controllers.max(1)).map(|(m, _)| m.clone()).collect(),
    }
}

/// Whether `member` is a broker the StatefulSet no longer runs: scaled away.
fn scaled_away(expected: &[(String, u32)], member: &str) -> bool {
    !expected.iter().any(|(m, _)| m == member)
}

/// The fix for replicas left on brokers scaled away: Kafka never moves a
/// partition by itself, so they stay assigned to them until reassigned.
fn scaled_away_fix(set: &str, gone: &[String]) -> String {
    let (run, its) = if gone.len() == 1 { ("runs", "its") } else { ("run", "their") };
    format!(
        "Scale {set} back so that {} {run} again: {its} partition replicas stay assigned until they are moved \
         (kafka-reassign-partitions, or Cruise Control); move them off a broker before scaling it away.",
        list(gone)
    )
}

/// Why a broker is not in sync.
fn absent_why(api: &Api, app: &App, member: &str, failure: Option<&Reach>) -> Why {
    let world = api.world();
    let records = &api.trace.records;
    let process = app
        .processes_of(member)
        .into_iter()
        .find(|p| p.ghost_since.is_none())
        .or_else(|| app.crash_looping.get(member));
    let Some(process) = process else {
        let why = super::primary_replica::member_down(world, records, member);
        if scaled_away(&app.expected(world), member) {
            return Why { fix: scaled_away_fix(&app.current_set(world).name, &[member.to_string()]), ..why };
        }
        return Why { fix: format!("Bring {member} back."), ..why };
    };
    match &process.state {
        ProcessState::Rejected { why, code } => {
            let cluster = app.data_of(process).map(|d| d.cluster);
            let install = world.pod(process.pod).owner.and_then(|s| app.install_cluster.get(&s)).copied();
            let mut steps = Vec::new();
            let mut at = None;
            if let Some(install) = install {
                let record = app.cluster(install);
                at = Some(record.created_at);
                steps.extend(record.origin.iter().cloned());
            }
            steps.push(format!(
                "{member} restarted on its old volume, formatted for {}",
                cluster.map_or("another cluster".to_string(), |c| c.to_string())
            ));
            steps.push(format!("{member} stops: {why}"));
            Why {
                steps,
                at,
                fix:
                    "Keep the cluster id across reinstalls (set it in the chart's values), or delete the old \
                      volumes on purpose: reinstalling over retained claims needs both halves to match."
                        .into(),
                code,
            }
        }
        ProcessState::Member { .. } => match (failure, &process.catching_up) {
            (Some(Reach::Unresolvable { name, cached }), _) => {
                super::explain::unresolvable(world, records, name, member, *cached)
            }
            (_, Some((_, reason))) => Why {
                steps: vec![format!("{member} {reason}")],
                at: Some(process.started_at),
                fix: "Wait for it to catch up; avoid taking another broker down meanwhile.".into(),
                code: "catching-up",
            },
            _ => {
                let why = super::primary_replica::member_down(world, records, member);
                Why {
                    steps: vec![why.steps[0].clone(), format!("{member} cannot reach an active controller")],
                    at: why.at,
                    fix: format!("Let {member} reach the controllers."),
                    code: "peers-unreachable",
                }
            }
        },
        ProcessState::Waiting { why } => Why {
            steps: vec![format!("{member} waits: {why}")],
            at: None,
            fix: format!("Let {member} start."),
            code: "member-waiting",
        },
    }
}
