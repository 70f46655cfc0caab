//! Clustered applications end to end: what members store on their volumes,
//! how they find each other through DNS, and the verdict the report gives.
//! Each test states the application or Kubernetes rule it checks, and runs
//! a shipped scenario or a variant changed in one place.

use crate::support::{Log, parse, run, scenario_file, t};
use stsim_core::apps::breakage::AppBreakage;
use stsim_core::config::{Addressing, AppKind, Bootstrap, PodManagementPolicy};
use stsim_core::sim::Simulation;
use stsim_core::trace::Event;
use stsim_core::{Config, Report};

fn config(name: &str) -> Config {
    parse(&scenario_file(name))
}

fn run_config(config: Config) -> (Simulation, Report) {
    stsim_core::run(config)
}

fn app(report: &Report) -> &AppBreakage {
    assert_eq!(report.breakage.len(), 1, "one application");
    &report.breakage[0]
}

/// The intervals as (health, code, from) for compact assertions.
fn intervals(report: &Report) -> Vec<(String, String, String)> {
    app(report)
        .intervals
        .iter()
        .map(|i| {
            (i.health.clone(), i.code.clone(), stsim_core::time::SimTime::from_millis(i.from_ms).to_string())
        })
        .collect()
}

/// The breakage of the application of set `name`, in a report of several.
fn by_name(report: &Report, name: &str) -> AppBreakage {
    report.breakage.iter().find(|b| b.app == name).expect("an application").clone()
}

/// What members said (`AppMember` records) that `matches`, in order.
fn member_events(sim: &Simulation, matches: impl Fn(&str) -> bool) -> Vec<&str> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::AppMember { what, .. } if matches(what) => Some(what.as_str()),
            _ => None,
        })
        .collect()
}

/// The reason code the run ends with (that of its last interval).
fn last_code(app: &AppBreakage) -> &str {
    app.intervals.last().map_or("healthy", |i| i.code.as_str())
}

fn codes(report: &Report) -> Vec<String> {
    app(report).intervals.iter().map(|i| i.code.clone()).collect()
}

fn set_addressing(config: &mut Config, addressing: Addressing) {
    config.statefulsets[0].app.as_mut().expect("an app").addressing = addressing;
}

/// A pod's DNS record exists only while a headless Service named like its
/// subdomain exists (k8s-facts 4.2-4.3). Renaming the Service withdraws the
/// name the replicas stored for their primary: they retry for the
/// primary/replica timeout (30 s), then the cluster is BROKEN, with the
/// rename at the root of the cause chain and "create pg-svc again" as the fix.
#[test]
fn renaming_the_headless_service_cuts_the_replicas_off_from_their_primary() {
    let (_, report) = run_config(config("headless-service-renamed"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    assert_eq!(
        intervals(&report),
        [
            ("DEGRADED".into(), "peers-unreachable".into(), "30m".into()),
            ("BROKEN".into(), "peers-unreachable".into(), "30m30s".into()),
        ]
    );
    let broken = &app.intervals[1];
    assert_eq!(
        broken.reason,
        "pg-1 and pg-2 cannot reach their primary pg-0: pg-0.pg-svc.default.svc.cluster.local does not resolve"
    );
    assert!(broken.cause[0].starts_with("`rename service pg-svc to pg-headless"), "{:?}", broken.cause);
    assert!(broken.cause[1].starts_with("pg-0.pg-svc.default.svc.cluster.local no longer resolves"));
    assert_eq!(broken.cause[2], "pg-1 and pg-2 cannot reach their primary pg-0");
    assert_eq!(broken.cause[3], "BROKEN at 30m30s");
    assert_eq!(broken.time_to_detect_ms, Some(30_000));
    assert!(broken.fix.starts_with("Create the headless Service pg-svc again"), "{}", broken.fix);
    assert_eq!(broken.time_to_recover_ms, None);
}

/// The control: the same scenario without the rename stays HEALTHY from the
/// moment the cluster has formed to the end.
#[test]
fn without_the_rename_the_same_cluster_is_healthy_throughout() {
    let mut config = config("headless-service-renamed");
    config.timeline.clear();
    let (_, report) = run_config(config);
    let app = app(&report);
    assert!(app.healthy_throughout, "{:?}", app.intervals);
    assert_eq!(app.health, "HEALTHY");
    assert_eq!(app.reason, "pg-0 is the primary and 2 replicas follow it");
    // OrderedReady: pg-2 joins last, at 1m1s (each member waits 10 s for
    // its volume to attach), and the cluster is whole then.
    assert_eq!(app.first_healthy_ms, Some(t("1m1s").as_millis()));
}

/// A member with an empty volume that finds no primary initialises a new
/// cluster (F02). Under Parallel nobody is Ready when the others look, and
/// the Service publishes only Ready pods, so every member becomes a primary.
/// Under OrderedReady pg-1 starts only once pg-0 is Ready and resolvable.
#[test]
fn parallel_bootstrap_gives_several_primaries_and_ordered_ready_does_not() {
    let (sim, report) = run_config(config("parallel-bootstrap-split-brain"));
    assert_eq!(app(&report).health, "BROKEN");
    assert_eq!(codes(&report), ["split-brain"]);
    let interval = &app(&report).intervals[0];
    assert!(interval.reason.contains("3 primaries"), "{}", interval.reason);
    assert!(interval.cause[0].contains("podManagementPolicy: Parallel"), "{:?}", interval.cause);
    assert!(
        interval.cause.iter().any(|c| c.contains("publishNotReadyAddresses: false")),
        "{:?}",
        interval.cause
    );
    assert_eq!(sim.world.apps.list[0].clusters.len(), 3, "each member initialised its own cluster");

    let mut ordered = config("parallel-bootstrap-split-brain");
    ordered.statefulsets[0].spec.pod_management_policy = PodManagementPolicy::OrderedReady;
    let (sim, report) = run_config(ordered);
    assert!(app(&report).healthy_throughout, "{:?}", app(&report).intervals);
    assert_eq!(sim.world.apps.list[0].clusters.len(), 1);
}

/// The fix for F02 without giving up Parallel: only the first ordinal may
/// initialise; the others wait for a primary. They find it once its name
/// resolves: at once under kubeadm's CoreDNS from 1.32, which caches
/// nothing of the cluster domain; where it does (before 1.32), once their
/// own NXDOMAIN answers have left the cache, 30 s after they first looked.
#[test]
fn bootstrapping_only_from_ordinal_zero_keeps_one_cluster_under_parallel() {
    let mut config = config("parallel-bootstrap-split-brain");
    config.statefulsets[0].app.as_mut().unwrap().kind =
        AppKind::PrimaryReplica { bootstrap: Bootstrap::OrdinalZero };
    let mut cached = config.clone();
    cached.dns.cache_cluster_domain = true;
    let (sim, report) = run_config(config);
    assert!(app(&report).healthy_throughout, "{:?}", app(&report).intervals);
    assert_eq!(sim.world.apps.list[0].clusters.len(), 1);
    let first_lookup =
        sim.trace.records.iter().find(|r| matches!(r.event, Event::DnsNegativeCached { .. })).unwrap();
    assert_eq!(first_lookup.at, t("17s"));
    assert_eq!(app(&report).first_healthy_ms, Some(t("22s").as_millis()), "as soon as pg-0 is published");
    // The replicas first looked at 17s and were told NXDOMAIN for 30 s.
    let (sim, report) = run_config(cached);
    assert_eq!(sim.world.apps.list[0].clusters.len(), 1);
    assert_eq!(app(&report).first_healthy_ms, Some(t("47s").as_millis()));
}

/// StatefulSets keep a pod's name across re-creation, not its IP (F25).
/// Deleting the primary re-creates it with its data and a new IP: replicas
/// that stored the IP never find it again; replicas that stored its DNS
/// name find it once it is Ready and the cached NXDOMAIN has expired.
/// Only `addressing` differs between the two runs.
#[test]
fn a_rescheduled_primary_breaks_ip_addressed_replicas_but_not_dns_addressed_ones() {
    let (_, report) = run_config(config("ip-addressed-primary-rescheduled"));
    assert_eq!(app(&report).health, "BROKEN");
    let broken = app(&report).intervals.iter().find(|i| i.health == "BROKEN").expect("BROKEN");
    assert_eq!(broken.code, "stale-ip");
    assert!(
        broken.reason.contains("10.244.0.2 is where they stored it, and it now has 10.244.0.3"),
        "{}",
        broken.reason
    );
    assert_eq!(broken.cause[0], "`kubectl delete pod pg-0` at 10m");
    assert!(broken.fix.contains("DNS names"), "{}", broken.fix);

    let mut dns = config("ip-addressed-primary-rescheduled");
    set_addressing(&mut dns, Addressing::Dns);
    let mut cached = dns.clone();
    cached.dns.cache_cluster_domain = true;
    for (config, healthy_again) in [(dns, "10m8s"), (cached, "10m30s")] {
        let (_, report) = run_config(config);
        let app = app(&report);
        assert_eq!(app.health, "HEALTHY");
        assert!(app.intervals.iter().all(|i| i.health == "DEGRADED"), "never BROKEN: {:?}", app.intervals);
        assert!(app.intervals.iter().all(|i| i.code != "stale-ip"));
        // pg-0 is Ready again at 10m8s; the replicas were told NXDOMAIN at
        // 10m, which a CoreDNS that caches the cluster domain serves until 10m30s.
        assert_eq!(app.intervals.last().unwrap().healthy_again_ms, Some(t(healthy_again).as_millis()));
    }
}

/// The same rule for a quorum system: etcd's membership records each
/// member's peer address. Two pods re-created one after the other leave two
/// of three members at IPs the membership does not have: quorum lost. With
/// DNS names each restart costs a DEGRADED spell, never the quorum.
#[test]
fn two_reschedules_break_an_ip_addressed_etcd_but_not_a_dns_addressed_one() {
    let mut config = config("etcd-quorum-lost");
    config.timeline[1].at = t("15m");
    let mut ip = config.clone();
    set_addressing(&mut ip, Addressing::Ip);
    let (_, report) = run_config(ip);
    assert_eq!(
        intervals(&report),
        [
            ("DEGRADED".into(), "member-down".into(), "10m1s".into()),
            ("DEGRADED".into(), "stale-ip".into(), "10m3s".into()),
            ("BROKEN".into(), "quorum-lost".into(), "15m1s".into()),
        ]
    );
    assert_eq!(app(&report).health, "BROKEN");

    let (_, report) = run_config(config);
    let app = app(&report);
    assert_eq!(app.health, "HEALTHY");
    assert!(app.intervals.iter().all(|i| i.health == "DEGRADED"), "{:?}", app.intervals);
}

/// etcd needs a majority of its configured members (2 of 3) able to reach
/// each other (F27). Two pods deleted at once leave one: BROKEN until both
/// are back and resolvable again.
#[test]
fn losing_two_of_three_etcd_members_at_once_loses_the_quorum_until_they_return() {
    let (sim, report) = run_config(config("etcd-quorum-lost"));
    let app = app(&report);
    assert_eq!(app.health, "HEALTHY");
    let lost = &app.intervals[0];
    assert_eq!(
        (lost.health.as_str(), lost.code.as_str(), lost.from_ms),
        ("BROKEN", "quorum-lost", t("10m").as_millis())
    );
    assert!(
        lost.reason.starts_with("quorum lost: 1 of 3 members of cluster-1 can reach each other"),
        "{}",
        lost.reason
    );
    assert!(lost.fix.contains("PodDisruptionBudget with minAvailable: 2"), "{}", lost.fix);
    // Whole again once both pods are Ready (10m8s): kubeadm's CoreDNS from
    // 1.32 keeps no NXDOMAIN of the cluster domain.
    let log = Log(&sim);
    let ready = log.ready_after("etcd-1", t("10m")).unwrap();
    assert_eq!(lost.healthy_again_ms, Some(ready.as_millis()));
    // Where it does, the pods are Ready before the cached denials expire.
    let mut cached = config("etcd-quorum-lost");
    cached.dns.cache_cluster_domain = true;
    let (_, report) = run_config(cached);
    assert!(ready < t("10m30s"), "{ready}");
    assert_eq!(report.breakage[0].intervals[0].healthy_again_ms, Some(t("10m30s").as_millis()));
}

/// The DNS cache is part of the model: with CoreDNS's cache cut to 5 s the
/// same cluster is whole again as soon as its pods are Ready and cached
/// denials have run out (F20).
#[test]
fn a_shorter_dns_cache_shortens_the_outage() {
    let mut config = config("etcd-quorum-lost");
    config.dns.cache_cluster_domain = true;
    config.dns.cache_max_ttl = stsim_core::time::SimDuration::from_secs(5);
    let (sim, report) = run_config(config);
    let app = app(&report);
    let log = Log(&sim);
    let ready =
        log.ready_after("etcd-0", t("10m")).unwrap().max(log.ready_after("etcd-1", t("10m")).unwrap());
    let healthy = stsim_core::time::SimTime::from_millis(app.intervals[0].healthy_again_ms.unwrap());
    assert!(healthy < t("10m30s") && healthy >= ready, "healthy again at {healthy}, Ready at {ready}");
}

/// etcd forms once a majority of its initial members reach each other by
/// name: 13 of 25 started one at a time (OrderedReady) form it, and the 12
/// started later join it, with CoreDNS's cache or without one (`0s`: every
/// lookup asks again). Each look tries every pair of members and resolves
/// each name once; debug builds (this suite) check every kept answer
/// against a new lookup, so a kept answer that differs fails here.
#[test]
fn a_large_etcd_forms_with_a_majority_and_the_rest_join_it() {
    for cache in [None, Some(stsim_core::time::SimDuration::ZERO)] {
        let mut config = config("etcd-quorum-lost");
        config.dns.cache_cluster_domain = true;
        config.statefulsets[0].spec.replicas = 25;
        config.statefulsets[0].spec.pod_management_policy = PodManagementPolicy::OrderedReady;
        config.timeline.clear();
        config.expect.clear();
        config.duration = stsim_core::time::SimDuration::from_secs(3600);
        if let Some(cache) = cache {
            config.dns.cache_max_ttl = cache;
        }
        let (sim, report) = run_config(config);
        let formed = member_events(&sim, |what| what.starts_with("formed "));
        assert_eq!(formed.len(), 13, "{cache:?}: {formed:?}");
        assert!(formed[0].ends_with("and etcd-12 (13 of 25 initial members)"), "{cache:?}: {}", formed[0]);
        let app = app(&report);
        assert_eq!(app.health, "HEALTHY", "{cache:?}: {}", app.reason);
        assert!(
            app.reason.contains("all 25 members of cluster-1 are in quorum"),
            "{cache:?}: {}",
            app.reason
        );
    }
}

/// F24: members whose readiness needs a joined cluster, behind a Service
/// that publishes only Ready pods, never find each other. The report calls
/// the cluster BROKEN when stsim stops waiting for it to form, with
/// publishNotReadyAddresses as the fix; with it set, the cluster forms.
#[test]
fn peers_that_must_join_before_they_are_ready_never_find_each_other() {
    let (sim, report) = run_config(config("peers-unresolvable-until-ready"));
    let app = app(&report);
    assert_eq!(codes(&report), ["unresolvable-until-ready"]);
    let interval = &app.intervals[0];
    assert_eq!(interval.health, "BROKEN");
    assert!(interval.cause.iter().any(|c| c.contains("readiness: Joined")), "{:?}", interval.cause);
    assert!(interval.fix.starts_with("Set publishNotReadyAddresses: true"), "{}", interval.fix);
    assert!(sim.world.live_pods().all(|p| !p.status.ready), "nobody became Ready");

    let mut fixed = config("peers-unresolvable-until-ready");
    fixed.services[0].publish_not_ready_addresses = true;
    let (sim, report) = run_config(fixed);
    assert!(crate::apps::app(&report).healthy_throughout);
    assert!(sim.world.live_pods().all(|p| p.status.ready));
}

/// A member's DNS record comes from its headless Service's EndpointSlice,
/// which lists only the pods the Service's selector matches: a selector
/// that differs from the pod template's labels (a typo) publishes no
/// member, so the cluster never forms, and the cause names the selector
/// and the label that differs rather than a generic "does not resolve".
#[test]
fn a_service_selector_that_misses_the_pods_publishes_no_member() {
    let mut config = config("etcd-quorum-lost");
    let mut selector = stsim_core::config::Labels::new();
    selector.insert("app".to_string(), "etcd-cluster".to_string());
    config.services[0].selector = selector;
    let (sim, report) = run_config(config);
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    assert!(
        sim.world.dns.keys().all(|name| !name.ends_with(".etcd.default.svc.cluster.local")),
        "nothing published"
    );
    let interval = &app.intervals[0];
    let cause = interval.cause.join(" -> ");
    assert!(
        cause.contains("the Service etcd selects app=etcd-cluster, but etcd-")
            && cause.contains(" has app=etcd, so its EndpointSlice does not list etcd-"),
        "{cause}"
    );
    assert!(
        interval.fix.starts_with("Make the selector of the headless Service etcd match"),
        "{}",
        interval.fix
    );
}

/// whenScaled: Delete makes a new, empty claim on scale-up (F28); etcd
/// refuses a member the cluster knows that comes back with an empty data
/// directory (F03). The cause chain starts at the deleted claim.
#[test]
fn an_etcd_member_back_with_an_empty_volume_is_refused() {
    let (_, report) = run_config(config("etcd-member-back-empty"));
    let app = app(&report);
    assert_eq!(app.health, "DEGRADED");
    let refused = app.intervals.iter().find(|i| i.code == "empty-data").expect("refused");
    assert!(refused.reason.contains("etcd-2 is refused"), "{}", refused.reason);
    assert!(refused.cause[0].contains("the garbage collector deleted data-etcd-2"), "{:?}", refused.cause);
    assert!(refused.fix.contains("etcdctl member remove"), "{}", refused.fix);
}

/// A member removed from the cluster on scale-down, back with its old data
/// on a retained claim, is refused: "the member has been permanently
/// removed from the cluster" (F07).
#[test]
fn a_removed_member_back_with_its_old_data_is_refused() {
    let (sim, report) = run_config(config("etcd-removed-member-returns"));
    let app = app(&report);
    assert_eq!(app.health, "DEGRADED");
    let stale = app.intervals.last().unwrap();
    assert_eq!(stale.code, "stale-data");
    assert!(stale.reason.contains("permanently removed"), "{}", stale.reason);
    // While scaled down, the membership shrank to 2: HEALTHY again.
    assert_eq!(app.intervals[0].healthy_again_ms, Some(t("10m1s").as_millis()));
    assert_eq!(sim.world.apps.list[0].clusters[0].members.len(), 2);
}

/// A claim deleted while its pod runs is held by pvc-protection, then
/// re-created empty for the next pod (F18). The primary comes back empty,
/// finds no primary and initialises a new cluster; its replicas reach it and
/// refuse it: foreign data, BROKEN.
#[test]
fn a_primary_back_with_an_empty_volume_starts_a_cluster_its_replicas_refuse() {
    let (sim, report) = run_config(config("primary-claim-recreated"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    let foreign = app.intervals.last().unwrap();
    assert_eq!(foreign.code, "foreign-data");
    assert_eq!(foreign.cause[0], "`kubectl delete pvc data-pg-0` at 10m");
    assert!(foreign.reason.contains("pg-1 and pg-2 hold the data of cluster-1 and refuse to follow it"));
    assert_eq!(sim.world.apps.list[0].clusters.len(), 2);
}

/// The same claim "unstuck" by removing its pvc-protection finalizer: it
/// goes at once, its disk deleted under the running primary, which runs on
/// until it is deleted and comes back empty. The cause chain names both
/// the delete and the patch that removed the finalizer.
#[test]
fn a_claim_unstuck_by_removing_its_finalizer_loses_the_primarys_data() {
    let (sim, report) = run_config(config("pvc-protection-removed"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    let foreign = app.intervals.last().unwrap();
    assert_eq!(foreign.code, "foreign-data");
    assert_eq!(foreign.cause[0], "`kubectl delete pvc data-pg-0` at 10m");
    assert_eq!(
        foreign.cause[1],
        "`kubectl patch pvc data-pg-0: finalizers []` at 15m: it went at once under the pod using it, releasing its volume"
    );
    // Released at once; its disk is deleted only once pg-0 is gone and
    // the disk detached (a cloud disk cannot be deleted while attached).
    let old = sim.world.pvcs.iter().find(|c| c.name == "data-pg-0").unwrap();
    let volume = sim.world.pv(old.volume.unwrap());
    assert_eq!(volume.released_at, Some(stsim_core::time::SimTime::from_millis(900_000)));
    let gone = volume.removed_at.expect("deleted in the end");
    assert!(gone > stsim_core::time::SimTime::from_millis(1_200_000), "after pg-0 went at 20m: {gone}");
}

/// A force delete frees the name at once; the old container lives on until
/// the kubelet kills it, at least 2 s later (F11). A replacement that starts
/// within that window is a second live copy of the same identity: BROKEN
/// while both run. A graceful delete waits for the container to stop.
#[test]
fn a_force_delete_runs_two_copies_of_one_identity_and_a_graceful_one_does_not() {
    // Partitioned at 10m, force-deleted at 18m; the volume is force-detached
    // from the unhealthy node 6 min (and one reconciler pass) later, and the
    // replacement starts beside the old copy, which runs on to the end.
    let (_, report) = run_config(config("force-delete-two-copies"));
    let duplicate = app(&report).intervals.last().unwrap();
    assert_eq!(
        (duplicate.code.as_str(), duplicate.from_ms, duplicate.to_ms),
        ("duplicate-identity", t("24m20s100ms").as_millis(), None)
    );
    assert!(duplicate.reason.starts_with("two live copies of pg-0"), "{}", duplicate.reason);

    let mut graceful = config("force-delete-two-copies");
    graceful.timeline[1].action = stsim_core::config::Action::DeletePod {
        pod: stsim_core::config::PodRef { statefulset: 0, ordinal: 0 },
    };
    let (_, report) = run_config(graceful);
    assert!(!codes(&report).contains(&"duplicate-identity".to_string()), "{:?}", codes(&report));
}

/// On a node that does not answer, nobody kills the old container: the two
/// copies last as long as the node is away.
#[test]
fn a_force_deleted_pod_on_an_unreachable_node_keeps_running_beside_its_replacement() {
    let mut config = config("force-delete-two-copies");
    // Two nodes per zone, so the replacement can go next to its zonal volume.
    config.cluster.node_pools[0].count = 6;
    let mut sim = Simulation::new(config);
    // Up to the force delete: the node stops answering just before it.
    while !sim.trace.records.iter().any(|r| matches!(r.event, Event::Script { .. })) {
        assert!(sim.step());
    }
    let old = Log(&sim).creations();
    assert_eq!(old.len(), 3, "the action has not run yet: {old:?}");
    let pod = sim.world.pod(sim.world.pods.iter().find(|p| p.name == "pg-0").unwrap().id);
    let node = pod.node.unwrap();
    sim.world.nodes[node.index()].ready = false;
    sim.run();
    let report = stsim_core::report::build(&sim);
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    assert_eq!(app.intervals.last().unwrap().code, "duplicate-identity");
    assert_eq!(app.intervals.last().unwrap().to_ms, None, "the copies run to the end");
}

/// `serviceName` is immutable: the set is deleted with --cascade=orphan and
/// created again, and adopts the running pods (same name prefix, matching
/// selector), which keep their subdomain. Pods re-created afterwards get the
/// new subdomain, but the replicas' volumes still hold the old names
/// (primary_conninfo in postgresql.auto.conf).
#[test]
fn recreating_the_statefulset_with_a_new_service_name_adopts_the_pods_and_keeps_old_names() {
    let (sim, report) = run_config(config("servicename-changed"));
    let adopted: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodAdopted { pod, .. } => Some(sim.world.pod(pod).name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(adopted, ["pg-0", "pg-1", "pg-2"]);
    // Nothing was re-created by the re-creation of the set itself.
    let created = Log(&sim).creations();
    assert!(created.iter().all(|(at, _)| *at < t("20m") || *at > t("25m")), "{created:?}");
    let subdomains: Vec<&str> = sim.world.live_pods().map(|p| p.subdomain.as_str()).collect();
    assert_eq!(subdomains, ["pg-headless"; 3]);
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    let last = app.intervals.last().unwrap();
    assert!(last.cause.iter().any(|c| c.contains("subdomain pg-headless")), "{:?}", last.cause);
    assert!(last.fix.contains("re-point every member at the new names"), "{}", last.fix);
    assert!(report.storage.orphaned.is_empty(), "the new set uses the same claims");
}

/// Verdicts are part of the trace, so they are deterministic like the rest.
#[test]
fn application_runs_are_byte_identical() {
    for name in ["headless-service-renamed", "etcd-quorum-lost", "parallel-bootstrap-split-brain"] {
        let render = || {
            let (sim, report) = run(&scenario_file(name));
            (stsim_cli::render::json::render(&report), sim.trace.render(&sim.world))
        };
        assert_eq!(render(), render(), "{name}");
    }
}

/// `stsim explain` tells the run in words: each member's decisions, the
/// verdicts with their cause chains, and the breakage at the end.
#[test]
fn explain_tells_the_story_of_the_rename() {
    let args: Vec<String> = ["explain", "headless-service-renamed"].iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    assert_eq!(status, stsim_cli::ExitStatus::Success, "{}", String::from_utf8_lossy(&err));
    let text = String::from_utf8(out).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for phrase in [
        "At 30m:",
        "In the script: rename service pg-svc to pg-headless",
        "Service pg-svc is deleted, and every per-pod record it published with it.",
        "pg-0.pg-svc.default.svc.cluster.local no longer resolves.",
        "pg-1: joined cluster-1 as a replica of pg-0, stored as pg-0.pg-svc.default.svc.cluster.local.",
        "pg is BROKEN: pg-1 and pg-2 cannot reach their primary pg-0",
        "Fix: Create the headless Service pg-svc again",
        "BREAKAGE",
    ] {
        assert!(flat.contains(phrase), "missing {phrase:?} in:\n{text}");
    }
    let args: Vec<String> = ["explain", "no-such-scenario"].iter().map(|a| a.to_string()).collect();
    let status = stsim_cli::run(&args, &mut Vec::new(), &mut Vec::new());
    assert_eq!(status, stsim_cli::ExitStatus::Error);
}

/// Redis Cluster keeps pod IPs in nodes.conf (F26). One node back with a
/// new IP is found again through gossip, because the peers it lists are
/// still where it says; when every node restarts at once, every address is
/// stale and the cluster is down for good. With hostnames it comes back.
#[test]
fn redis_cluster_survives_one_new_ip_through_gossip_but_not_all_of_them() {
    let (_, report) = run_config(config("redis-cluster-full-restart"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    let down = app.intervals.last().unwrap();
    assert_eq!(down.code, "quorum-lost");
    assert!(
        down.later_reasons.iter().any(|r| r.contains("nodes.conf still say")),
        "{:?}",
        down.later_reasons
    );
    assert_eq!(down.to_ms, None);

    let mut one = config("redis-cluster-full-restart");
    one.timeline.truncate(1);
    let (sim, report) = run_config(one);
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "HEALTHY");
    assert!(app.intervals.iter().all(|i| i.health == "DEGRADED"), "{:?}", app.intervals);
    let gossip = sim.trace.records.iter().any(|r| matches!(&r.event, Event::AppMember { what, .. } if what.starts_with("learned by gossip: redis-cluster-0 at")));
    assert!(gossip, "the others learn redis-cluster-0's new IP by gossip");

    let mut hostnames = config("redis-cluster-full-restart");
    set_addressing(&mut hostnames, Addressing::Dns);
    let (_, report) = run_config(hostnames);
    assert_eq!(crate::apps::app(&report).health, "HEALTHY");
}

/// A master out of reach for cluster-node-timeout (15 s) is replaced by its
/// replica. Here the master's pod is re-created with an image that no
/// longer pulls (OnDelete, then a delete), so it stays down; its replica
/// takes its slots 15 s after the old container stopped, and the cluster
/// serves again, DEGRADED (a master without a replica).
#[test]
fn a_master_down_longer_than_the_node_timeout_fails_over_to_its_replica() {
    use stsim_core::config::{Action, ImageBehaviour, ImageConfig, PodRef, TimelineEntry, UpdateStrategy};
    let mut config = config("redis-cluster-full-restart");
    config.images.push(ImageConfig::default_for("redis:broken", ImageBehaviour::PullFails));
    config.statefulsets[0].spec.update_strategy = UpdateStrategy::OnDelete;
    config.timeline = vec![
        TimelineEntry {
            at: t("10m"),
            action: Action::SetImage { statefulset: 0, image: "redis:broken".into() },
            line: 0,
        },
        TimelineEntry {
            at: t("10m"),
            action: Action::DeletePod { pod: PodRef { statefulset: 0, ordinal: 2 } },
            line: 0,
        },
    ];
    let (sim, report) = run_config(config);
    let app = app(&report);
    let cluster = &sim.world.apps.list[0].clusters[0];
    assert_eq!(cluster.slots[2], "redis-cluster-5", "the replica of redis-cluster-2 took over");
    assert_eq!(cluster.follows.get("redis-cluster-2").map(String::as_str), Some("redis-cluster-5"));
    let waited = app.intervals.iter().find(|i| i.code == "master-down").expect("a wait for the node timeout");
    assert_eq!(waited.health, "DEGRADED");
    let stopped = Log(&sim).removals("redis-cluster-2")[0];
    let failover = sim
        .trace
        .records
        .iter()
        .find(|r| matches!(&r.event, Event::AppMember { what, .. } if what.starts_with("failover")))
        .expect("a failover");
    assert_eq!(failover.at, stopped + stsim_core::time::SimDuration::from_secs(15));
    assert_eq!(app.health, "DEGRADED", "{}", app.reason);
    assert!(app.reason.contains("redis-cluster-2 is out of the cluster"), "{}", app.reason);
}

/// A broker's volume names the cluster it was formatted for (F09). After a
/// reinstall that generated a new cluster id, every broker that restarts
/// stops with KRaft's meta.properties check (`MetaPropertiesEnsemble.verify`:
/// "Invalid cluster.id in: <log dir>/meta.properties. Expected <new>, but
/// read <old>", not ZooKeeper mode's InconsistentClusterIdException):
/// under-replicated first, then no controller quorum. With the id fixed in
/// the chart, restarts are harmless; and nothing happens to brokers that do
/// not restart.
#[test]
fn kafka_brokers_refuse_a_reinstall_with_another_cluster_id() {
    let (sim, report) = run_config(config("kafka-reinstall-cluster-id"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    let refused = app.intervals.iter().find(|i| i.code == "foreign-data").expect("a refused broker");
    let kraft = "java.lang.RuntimeException: Invalid cluster.id in: /bitnami/kafka/data/meta.properties. \
                 Expected cluster-2, but read cluster-1";
    assert!(refused.cause.iter().any(|c| c.contains(kraft)), "{:?}", refused.cause);
    assert!(
        refused.cause.iter().all(|c| !c.contains("InconsistentClusterIdException")),
        "ZooKeeper mode's exception: {:?}",
        refused.cause
    );
    assert!(refused.cause[0].contains("generated its own cluster id, cluster-2"), "{:?}", refused.cause);
    assert_eq!(refused.from_ms, t("15m3s").as_millis(), "not before a broker restarts");
    assert!(app.intervals.iter().any(|i| i.health == "BROKEN" && i.code == "quorum-lost"));
    // Nothing at 10m: the adopted brokers keep running with their id.
    assert!(app.intervals.iter().all(|i| i.from_ms >= t("15m").as_millis()));
    assert_eq!(sim.world.apps.list[0].clusters.len(), 2);

    let mut fixed = config("kafka-reinstall-cluster-id");
    if let Some(AppKind::Kafka { fixed_cluster_id, .. }) =
        fixed.statefulsets[0].app.as_mut().map(|a| &mut a.kind)
    {
        *fixed_cluster_id = true;
    }
    let (sim, report) = run_config(fixed);
    assert_eq!(crate::apps::app(&report).health, "HEALTHY");
    assert!(!codes(&report).contains(&"foreign-data".to_string()));
    assert_eq!(sim.world.apps.list[0].clusters.len(), 1);
}

/// A refused member whose program exits on the refusal (Kafka's "Invalid
/// cluster.id in: ..." is a RuntimeException out of the start's format
/// step) is a container that exits: the kubelet restarts it with the
/// back-off, its pod is never Ready, and a rolling update waits behind it.
/// So a `kubectl rollout restart` after the reinstall stops at the first
/// broker, DEGRADED, where letting it on would lose the controller quorum;
/// the verdict keeps the refusal as its reason while the pod crash-loops.
#[test]
fn a_refused_member_that_exits_crash_loops_and_holds_the_rollout() {
    let source = scenario_file("kafka-reinstall-cluster-id");
    let timeline = &source[source.find("(at: \"15m\"").expect("the restarts")
        ..source.find("    ],\n    expect").expect("expect")];
    let source = source.replace(timeline, "(at: \"15m\", do: RolloutRestart(statefulset: \"kafka\")),\n");
    let expect = &source[source.find("    expect: [").expect("expect")..source.rfind(')').expect("the end")];
    let source = source.replace(expect, "");
    let (sim, report) = run(&source);
    let kafka2 = sim.world.pod(sim.world.pod_named("kafka-2").expect("kafka-2"));
    assert!(!kafka2.status.ready, "kafka-2 is never Ready");
    assert!(kafka2.restarts_column() >= 5, "it crash-loops: {} restarts", kafka2.restarts_column());
    assert_eq!(kafka2.display_status(sim.world.kubectl()).to_string(), "CrashLoopBackOff");
    // The rollout deleted kafka-2 only: kafka-1 and kafka-0 keep running
    // their first containers with their data.
    let deleted: Vec<String> = Log(&sim).deletions().into_iter().map(|(_, name)| name).collect();
    assert_eq!(deleted, ["kafka-2"], "the rollout waits behind kafka-2");
    let app = app(&report);
    assert_eq!(app.health, "DEGRADED", "{}", app.reason);
    assert!(app.reason.contains("kafka-2"), "{}", app.reason);
    assert!(app.intervals.iter().all(|i| i.health != "BROKEN"), "{:?}", intervals(&report));
    let last = app.intervals.last().expect("an interval");
    assert!(last.cause.iter().any(|c| c.contains("Invalid cluster.id in: ")), "{:?}", last.cause);
}

/// A partition takes acks=all writes while min.insync.replicas of its
/// replicas are in sync. Two neighbouring brokers down leave some
/// partitions with one: BROKEN (NotEnoughReplicas), though the controller
/// quorum holds. One broker down is only DEGRADED.
#[test]
fn kafka_partitions_below_min_insync_replicas_refuse_writes() {
    let (_, report) = run_config(config("kafka-not-enough-replicas"));
    let app = app(&report);
    let broken = app.intervals.iter().find(|i| i.health == "BROKEN").expect("BROKEN");
    assert_eq!(broken.code, "not-enough-replicas");
    assert!(
        broken.reason.starts_with(
            "NotEnoughReplicas: partition p2 (replicas kafka-2, kafka-3 and kafka-4) has 1 in sync"
        ),
        "{}",
        broken.reason
    );
    assert!(broken.reason.contains("2 of 5 partitions"), "{}", broken.reason);
    assert_eq!(app.health, "HEALTHY", "both come back");

    let mut one = config("kafka-not-enough-replicas");
    one.timeline.truncate(1);
    let (_, report) = run_config(one);
    let app = crate::apps::app(&report);
    assert!(app.intervals.iter().all(|i| i.health == "DEGRADED"), "{:?}", app.intervals);
    assert!(app.intervals[0].reason.contains("under-replicated"), "{}", app.intervals[0].reason);
}

/// A Cassandra seed that reaches no other seed starts a ring (F02): with
/// every node a seed, started together before anyone is resolvable, each
/// starts its own. With one seed, the others wait for it and join its ring.
#[test]
fn cassandra_nodes_that_are_all_seeds_start_one_ring_each() {
    let (sim, report) = run_config(config("cassandra-every-node-a-seed"));
    assert_eq!(codes(&report), ["split-brain"]);
    assert!(app(&report).reason.starts_with("split brain: 4 rings"), "{}", app(&report).reason);
    assert_eq!(sim.world.apps.list[0].clusters.len(), 4);

    let mut one_seed = config("cassandra-every-node-a-seed");
    if let Some(AppKind::Cassandra { seeds, .. }) = one_seed.statefulsets[0].app.as_mut().map(|a| &mut a.kind)
    {
        *seeds = vec![0];
    }
    let (sim, report) = run_config(one_seed);
    assert!(crate::apps::app(&report).healthy_throughout, "{:?}", crate::apps::app(&report).intervals);
    assert_eq!(sim.world.apps.list[0].clusters.len(), 1);
}

/// Cassandra finds the ring through seeds and the peers it keeps, here all
/// by IP (F25): a full restart leaves every address stale and QUORUM fails
/// for good. The same restart with seeds by DNS name recovers; and one node
/// at a time is fine even with IPs, since the others are still in place.
#[test]
fn cassandra_with_ip_seeds_never_recovers_from_a_full_restart() {
    let (_, report) = run_config(config("cassandra-ip-seeds-full-restart"));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN");
    assert_eq!(codes(&report), ["quorum-lost"]);
    assert!(app.reason.contains("neither the seeds as configured"), "{}", app.reason);

    let mut dns = config("cassandra-ip-seeds-full-restart");
    set_addressing(&mut dns, Addressing::Dns);
    let (_, report) = run_config(dns);
    assert_eq!(crate::apps::app(&report).health, "HEALTHY");

    let mut rolling = config("cassandra-ip-seeds-full-restart");
    for (i, entry) in rolling.timeline.iter_mut().enumerate() {
        entry.at = t("10m") + stsim_core::time::SimDuration::from_mins(2 * i as u64);
    }
    let (_, report) = run_config(rolling);
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "HEALTHY");
    assert!(app.intervals.iter().all(|i| i.health == "DEGRADED"), "{:?}", app.intervals);
}

/// Token ranges live on neighbouring nodes (replication factor 3) and QUORUM
/// needs 2 of 3: two neighbours down at once fail QUORUM for the ranges they
/// share; a claim re-created empty leaves a node the ring refuses.
#[test]
fn cassandra_quorum_needs_two_of_three_replicas_of_each_range() {
    use stsim_core::config::{Action, PodRef, TimelineEntry};
    let mut config = config("cassandra-ip-seeds-full-restart");
    config.timeline = vec![
        TimelineEntry {
            at: t("10m"),
            action: Action::DeletePod { pod: PodRef { statefulset: 0, ordinal: 1 } },
            line: 0,
        },
        TimelineEntry {
            at: t("10m"),
            action: Action::DeletePod { pod: PodRef { statefulset: 0, ordinal: 2 } },
            line: 0,
        },
    ];
    let (_, report) = run_config(config.clone());
    let app = app(&report);
    let broken = &app.intervals[0];
    assert_eq!((broken.health.as_str(), broken.code.as_str()), ("BROKEN", "quorum-lost"));
    assert!(broken.reason.starts_with("QUORUM fails for 2 of 4 token ranges"), "{}", broken.reason);
    assert_eq!(app.health, "HEALTHY");

    config.timeline = vec![
        TimelineEntry {
            at: t("10m"),
            action: Action::DeletePvc { claim: "data-cassandra-3".into() },
            line: 0,
        },
        TimelineEntry {
            at: t("10m"),
            action: Action::DeletePod { pod: PodRef { statefulset: 0, ordinal: 3 } },
            line: 0,
        },
    ];
    let (_, report) = run_config(config);
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "DEGRADED");
    let refused = app.intervals.last().unwrap();
    assert_eq!(refused.code, "empty-data");
    assert!(refused.fix.contains("replace_address_first_boot"), "{}", refused.fix);
}

/// Sentinels keep the master's address and fail over after
/// down-after-milliseconds (60 s) when nobody answers there; they repoint
/// only the nodes they can reach at the addresses they recorded. By IP, the
/// re-created master follows its own stale address and is never repointed;
/// by hostname it is the master again once its name resolves, and no
/// failover happens.
#[test]
fn sentinels_tracking_ips_fail_over_and_leave_the_old_master_out() {
    let (sim, report) = run_config(config("redis-sentinel-master-rescheduled"));
    let app = app(&report);
    assert_eq!(app.health, "DEGRADED");
    assert_eq!(sim.world.apps.list[0].clusters[0].slots, ["redis-1"], "redis-1 was promoted");
    // Nobody has answered at redis-0's old IP since its container stopped at 10m1s.
    assert_eq!(first_failover(&sim).0, t("11m1s"));
    assert!(app.reason.contains("redis-0 cannot reach its primary redis-0"), "{}", app.reason);
    // No master from the peer timeout (30 s) to the failover (60 s), then writes resume.
    let broken: Vec<_> = app.intervals.iter().filter(|i| i.health == "BROKEN").collect();
    assert_eq!(broken.len(), 1);
    assert_eq!((broken[0].from_ms, broken[0].to_ms), (t("10m31s").as_millis(), Some(t("11m1s").as_millis())));
    assert!(
        app.intervals.last().unwrap().cause.iter().any(|c| c.contains("came back at 10m1s with a new IP"))
    );

    assert!(
        member_events(&sim, |what| what.contains("preStop")).is_empty(),
        "no hook: preStopFailover: false"
    );

    let mut dns = config("redis-sentinel-master-rescheduled");
    set_addressing(&mut dns, Addressing::Dns);
    let (sim, report) = run_config(dns);
    assert_eq!(crate::apps::app(&report).health, "HEALTHY");
    assert_eq!(sim.world.apps.list[0].clusters[0].slots, ["redis-0"], "no failover");
}

/// When the sentinels first failed over, and what the story said.
fn first_failover(sim: &Simulation) -> (stsim_core::time::SimTime, &str) {
    sim.trace
        .records
        .iter()
        .find_map(|r| match &r.event {
            Event::AppMember { what, .. } if what.starts_with("failover") => Some((r.at, what.as_str())),
            _ => None,
        })
        .expect("a failover")
}

/// Three pods of Redis with Sentinel, peers by hostname, on `images` (the
/// first is the template's), through `timeline`.
fn sentinel_source(images: &[&str], timeline: &str) -> String {
    let images: Vec<String> = images
        .iter()
        .map(|i| format!("(name: \"{i}\", pull: \"2s\", startup: \"3s\", shutdown: \"1s\")"))
        .collect();
    format!(
        r#"Scenario(
    name: "sentinel",
    seed: 7,
    duration: "15m",
    images: [{images}],
    services: [(name: "redis-headless", clusterIP: "None", selector: {{"app": "redis"}}, ports: [(name: "redis", port: 6379), (name: "sentinel", port: 26379)])],
    statefulsets: [(
        name: "redis",
        app: RedisSentinel(addressing: Dns),
        serviceName: "redis-headless",
        replicas: 3,
        template: (labels: {{"app": "redis"}}, image: "redis:7.2", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [{timeline}],
)"#,
        images = images.join(", ")
    )
}

fn set_pre_stop_failover(config: &mut Config, on: bool) {
    match &mut config.statefulsets[0].app.as_mut().expect("an app").kind {
        AppKind::RedisSentinel { pre_stop_failover, .. } => *pre_stop_failover = on,
        kind => panic!("not Sentinel: {kind:?}"),
    }
}

/// The Bitnami chart's preStop hook (prestop-redis.sh): the kubelet runs it
/// when it stops the master's container gracefully, and it pauses writes
/// and sends `SENTINEL FAILOVER`, a forced failover that waits for neither
/// down-after-milliseconds nor a vote. The same `kubectl delete pod` of the
/// master that costs a minute without the hook (above) moves the master to
/// redis-1 at once: no BROKEN, only the paused old master as DEGRADED until
/// it stops, and redis-0, back with a new IP, asks the sentinels and
/// replicates from redis-1.
#[test]
fn the_charts_pre_stop_hook_fails_a_deleted_master_over_at_once() {
    let mut config = config("redis-sentinel-master-rescheduled");
    set_pre_stop_failover(&mut config, true);
    let (sim, report) = run_config(config);
    let app = app(&report);
    assert_eq!(app.health, "HEALTHY", "{}", app.reason);
    assert_eq!(sim.world.apps.list[0].clusters[0].slots, ["redis-1"], "redis-1 was promoted");
    let (at, what) = first_failover(&sim);
    assert_eq!(at, t("10m"), "in the hook, not after down-after-milliseconds");
    assert!(what.contains("preStop hook sent SENTINEL FAILOVER"), "{what}");
    assert_eq!(member_events(&sim, |what| what.starts_with("failover")).len(), 1);
    assert!(app.intervals.iter().all(|i| i.health != "BROKEN"), "{:?}", intervals(&report));
    assert_eq!(
        intervals(&report)[0],
        ("DEGRADED".to_string(), "member-down".to_string(), "10m".to_string()),
        "writes paused on the stopping master"
    );
    assert!(app.intervals[0].reason.contains("CLIENT PAUSE WRITE"), "{}", app.intervals[0].reason);
    // The old master stays master (paused) until it stops: not reconfigured.
    assert!(member_events(&sim, |what| what.contains("SLAVEOF")).iter().all(|w| !w.contains("redis-0")));
    let back = member_events(&sim, |what| what.contains("the sentinels say the master is redis-1"));
    assert_eq!(back.len(), 1, "redis-0 comes back as redis-1's replica: {back:?}");
}

/// The hook runs only when the kubelet stops the container: a crashed
/// machine runs nothing, so the sentinels wait for down-after-milliseconds
/// (60 s) as before, with the chart's hook in place; a partition (a
/// kubelet that cannot hear of the deletion) is the same.
#[test]
fn a_crashed_masters_node_runs_no_pre_stop_hook() {
    let faults = [
        r#"(at: "5m", do: CrashNode(nodeOf: "redis-0"))"#,
        r#"(at: "5m", do: PartitionNode(node: "worker-1")), (at: "5m10s", do: DeletePod(pod: "redis-0"))"#,
    ];
    for fault in faults {
        let source = sentinel_source(&["redis:7.2"], fault);
        let (sim, _) = run(&source);
        assert!(member_events(&sim, |what| what.contains("preStop")).is_empty(), "{fault}");
        assert_eq!(first_failover(&sim).0, t("6m"), "{fault}: after down-after-milliseconds");
    }
}

/// A rolling update reaches the master last (ordinal 0): the kubelet stops
/// it with the hook, which moves the master before the pod goes, so writes
/// never fail (DEGRADED only: each pod away, and the paused instant).
#[test]
fn a_rolling_update_moves_the_master_in_its_pre_stop_hook() {
    let source = sentinel_source(
        &["redis:7.2", "redis:7.4"],
        r#"(at: "5m", do: SetImage(statefulset: "redis", image: "redis:7.4"))"#,
    );
    let (sim, report) = run(&source);
    let app = app(&report);
    assert_eq!(app.health, "HEALTHY", "{}", app.reason);
    let failovers = member_events(&sim, |what| what.starts_with("failover"));
    assert_eq!(failovers.len(), 1, "{failovers:?}");
    assert!(failovers[0].contains("preStop hook sent SENTINEL FAILOVER"), "{failovers:?}");
    assert!(app.intervals.iter().all(|i| i.health != "BROKEN"), "{:?}", intervals(&report));
    assert!(!codes(&report).contains(&"no-primary".to_string()), "{:?}", intervals(&report));

    // Without the hook the master just goes: writes fail until redis-0,
    // back under its name, is the master again (no failover by DNS name).
    let off = source
        .replace("RedisSentinel(addressing: Dns)", "RedisSentinel(addressing: Dns, preStopFailover: false)");
    let (sim, report) = run(&off);
    assert!(member_events(&sim, |what| what.starts_with("failover")).is_empty());
    assert!(codes(&report).contains(&"no-primary".to_string()), "{:?}", intervals(&report));
}

/// ZooKeeper syncs a server with an empty data directory from the leader,
/// where etcd refuses the same member (F03 vs section 2.2); and a server
/// beyond the static ensemble is refused: "My id N not in the peer list" (F04).
#[test]
fn zookeeper_resyncs_an_empty_member_and_refuses_one_outside_the_ensemble() {
    let mut config = config("etcd-member-back-empty");
    if let Some(AppKind::Quorum { system, .. }) = config.statefulsets[0].app.as_mut().map(|a| &mut a.kind) {
        *system = stsim_core::config::QuorumSystem::ZooKeeper;
    }
    let (_, report) = run_config(config.clone());
    let app = app(&report);
    assert_eq!(app.health, "HEALTHY");
    assert!(app.intervals.iter().any(|i| i.code == "catching-up"), "{:?}", app.intervals);

    config.statefulsets[0].spec.retention = Default::default();
    config.timeline = vec![stsim_core::config::TimelineEntry {
        at: t("10m"),
        action: stsim_core::config::Action::Scale { statefulset: 0, replicas: 4 },
        line: 0,
    }];
    let (_, report) = run_config(config);
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "DEGRADED");
    assert_eq!(app.intervals.last().unwrap().code, "not-in-membership");
    assert!(app.reason.contains("My id 4 not in the peer list"), "{}", app.reason);
}

/// The scenario format checks what an application needs, with the path of
/// the offending value: Redis Cluster's three masters, Kafka's
/// min.insync.replicas, seeds inside the set, a probe for `readiness: Joined`.
#[test]
fn application_settings_are_validated_with_their_path() {
    let base = scenario_file("headless-service-renamed");
    let cases = [
        ("RedisCluster(replicasPerMaster: 1)", "statefulsets[0].app.replicasPerMaster", "at least 3 masters"),
        (
            "Kafka(replicationFactor: 2, minInsyncReplicas: 3)",
            "statefulsets[0].app.minInsyncReplicas",
            "cannot exceed",
        ),
        ("Cassandra(seeds: [7])", "statefulsets[0].app.seeds[0]", "a seed is an ordinal"),
        ("Quorum(catchUp: \"soon\")", "statefulsets[0].app.catchUp", "invalid duration"),
        ("RedisSentinel(quorum: 0)", "statefulsets[0].app.quorum", "greater than or equal to 1"),
    ];
    for (app, path, phrase) in cases {
        let source = base.replace("PrimaryReplica(addressing: Dns)", app);
        let errors = stsim_scenario::parse_scenario(&source, "test.ron").expect_err(app);
        assert!(
            errors.iter().any(|d| d.message.starts_with(path) && d.message.contains(phrase)),
            "{app}: {errors:#?}"
        );
    }
    let no_probe = base
        .replace("PrimaryReplica(addressing: Dns)", "Quorum(readiness: Joined)")
        .replace(", readinessProbe: (initialDelaySeconds: 5)", "");
    let errors = stsim_scenario::parse_scenario(&no_probe, "test.ron").expect_err("no probe");
    assert!(errors.iter().any(|d| d.message.starts_with("statefulsets[0].app.readiness")), "{errors:#?}");
}

/// Deleting the headless Service withdraws the records just as a rename
/// does; and the JSON report carries the same breakage as the text one.
#[test]
fn deleting_the_service_breaks_the_same_way_and_the_json_report_says_so() {
    let source = scenario_file("headless-service-renamed").replace(
        "RenameService(from: \"pg-svc\", to: \"pg-headless\")",
        "DeleteService(service: \"pg-svc\")",
    );
    let (_, report) = run(&source);
    let broken = app(&report).intervals.last().unwrap();
    assert_eq!((broken.health.as_str(), broken.code.as_str()), ("BROKEN", "peers-unreachable"));
    assert_eq!(broken.cause[0], "`kubectl delete service pg-svc` at 30m");
    let json: serde_json::Value = serde_json::from_str(&stsim_cli::render::json::render(&report)).unwrap();
    let breakage = &json["breakage"][0];
    assert_eq!(breakage["app"], "pg");
    assert_eq!(breakage["health"], "BROKEN");
    assert_eq!(breakage["intervals"][1]["health"], "BROKEN");
    assert_eq!(breakage["intervals"][1]["timeToDetectMs"], 30_000);
    assert!(breakage["intervals"][1]["cause"].as_array().unwrap().len() >= 3);
    // Scenarios without applications keep their report as it was.
    let (_, report) = run(&scenario_file("redis-ordered-startup"));
    assert!(report.breakage.is_empty());
}

/// etcd's DNS discovery (`--discovery-srv`, etcd's clustering guide): a
/// member with an empty data directory takes its initial cluster from the
/// SRV records `_etcd-server._tcp.<service>...` it gets through the cache
/// when it starts, must find itself there or exit, and a cluster ID follows
/// from that list. Started one by one (OrderedReady), each member sees only
/// its predecessors: ordered-0 forms a cluster of one, the others are
/// refused for a cluster ID mismatch. Behind a Service that lists only Ready
/// pods, nobody finds itself and every member crash-loops. Started together
/// and listed before Ready, they form one cluster. Changing only the pod
/// management policy, or only publishNotReadyAddresses, changes the outcome.
#[test]
fn etcd_members_bootstrap_from_the_srv_records_they_see_when_they_start() {
    let (sim, report) = run_config(config("etcd-srv-discovery"));
    let ordered = by_name(&report, "ordered");
    assert_eq!(ordered.health, "DEGRADED");
    let refused = ordered.intervals.last().expect("a verdict");
    assert_eq!(refused.code, "cluster-id-mismatch");
    assert!(refused.reason.contains("ordered-1 is refused"), "{}", refused.reason);
    let refusals = member_events(&sim, |what| what.contains("cluster IDs differ"));
    assert_eq!(refusals.len(), 2, "ordered-1 and ordered-2 are refused: {refusals:?}");
    assert!(refusals[1].contains("ordered-0, ordered-1 and ordered-2"), "{}", refusals[1]);
    let hidden = by_name(&report, "hidden");
    assert_eq!(hidden.health, "BROKEN");
    assert_eq!(hidden.intervals.last().expect("a verdict").code, "discovery-failed");
    assert!(hidden.intervals.last().unwrap().fix.contains("publishNotReadyAddresses: true"));
    for pod in sim.world.live_pods().filter(|p| p.name.starts_with("hidden-")) {
        assert!(!pod.status.ready && pod.status.restarts >= 3, "{} crash-loops", pod.name);
    }
    assert!(by_name(&report, "together").healthy_throughout);
    // The member exits on its own discovery: the kubelet counts the restarts.
    assert!(sim.trace.records.iter().any(|r| matches!(&r.event,
        Event::AppMember { what, .. } if what.contains("cannot find local etcd member") || what.contains("does not resolve"))));

    // Started together, the same members find all three and form one cluster.
    let mut parallel = config("etcd-srv-discovery");
    parallel.statefulsets[0].spec.pod_management_policy = PodManagementPolicy::Parallel;
    let (_, report) = run_config(parallel);
    assert_eq!(by_name(&report, "ordered").health, "HEALTHY");

    // Without a readiness probe a pod is Ready as soon as its container
    // runs, so even a Service that lists only Ready pods lists it before
    // etcd looks: the hidden members find themselves and each other.
    let unprobed = crate::support::scenario_file("etcd-srv-discovery").replace(
        r#"template: (labels: {"app": "hidden"}, image: "etcd:3.5", readinessProbe: (periodSeconds: 1)),"#,
        r#"template: (labels: {"app": "hidden"}, image: "etcd:3.5"),"#,
    );
    let (_, report) = crate::support::run(&unprobed);
    assert_eq!(by_name(&report, "hidden").health, "HEALTHY");

    // Listed before they are Ready, the hidden members find themselves.
    let mut published = config("etcd-srv-discovery");
    published.services[1].publish_not_ready_addresses = true;
    let (_, report) = run_config(published);
    assert_eq!(by_name(&report, "hidden").health, "HEALTHY");
}

/// etcd's DNS discovery takes every SRV target that resolves as an initial
/// member (`srv.GetCluster`), and CoreDNS answers an endpoint with no
/// hostname under the Service by its dashed address. So a client pod that
/// carries the members' label is in every member's initial cluster and
/// never starts: the three members run a cluster of four, DEGRADED from the
/// start, and one node crash loses the quorum, where the same members
/// behind a Service that selects only them lose one of three. With as many
/// such pods as members, the cluster never forms. Without the label, the
/// cluster is the set's own.
#[test]
fn a_client_pod_with_the_members_label_is_an_etcd_member_that_never_starts() {
    let source = scenario_file("etcd-srv-phantom-member");
    let (sim, report) = run(&source);
    let failed: Vec<_> = stsim_core::expect::check(&sim, &report).into_iter().filter(|v| !v.passed).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let client = sim.world.pods.iter().find(|p| p.name == "etcd-client").expect("the client");
    let dashed = client.status.pod_ip.expect("an address").to_string().replace('.', "-");
    let bootstrapped: Vec<&str> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::AppMember { what, .. } if what.starts_with("DNS discovery") => Some(what.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(bootstrapped.len(), 6, "{bootstrapped:?}");
    for what in &bootstrapped[..3] {
        assert!(what.contains(&format!("initial cluster {dashed}, etcd-0, etcd-1 and etcd-2")), "{what}");
    }
    let etcd = by_name(&report, "etcd");
    let codes: Vec<(&str, &str, u64)> =
        etcd.intervals.iter().map(|i| (i.health.as_str(), i.code.as_str(), i.from_ms)).collect();
    assert_eq!(codes[0], ("DEGRADED", "phantom-member", t("17s").as_millis()), "{codes:?}");
    assert_eq!(codes[1], ("BROKEN", "quorum-lost", t("8m").as_millis()), "{codes:?}");
    assert!(etcd.intervals[0].fix.contains("selector that only etcd's pods match"));
    assert_eq!(by_name(&report, "clean").health, "DEGRADED");

    // Without the label the client is no endpoint: three members, and the
    // crash leaves two of them, a majority.
    let unlabelled = source.replace(
        r#"template: (labels: {"app": "etcd"}, image: "etcd-client:3.5""#,
        r#"template: (labels: {"app": "etcd-client"}, image: "etcd-client:3.5""#,
    );
    assert_ne!(unlabelled, source);
    let (_, report) = run(&unlabelled);
    let etcd = by_name(&report, "etcd");
    assert_eq!(etcd.health, "DEGRADED");
    assert!(etcd.intervals.iter().all(|i| i.code != "phantom-member"));

    // Three such pods: six initial members, a majority of four, never formed.
    let line = r#"(at: "0s", do: CreatePod(name: "etcd-client", template: (labels: {"app": "etcd"}, image: "etcd-client:3.5", nodeSelector: {"pool": "e"}))),"#;
    let three = source
        .replace(
            line,
            &[
                line,
                &line.replace("etcd-client\"", "etcd-client-2\""),
                &line.replace("etcd-client\"", "etcd-client-3\""),
            ]
            .join("\n"),
        )
        .replace(r#"(name: "e", count: 4"#, r#"(name: "e", count: 6"#);
    let (_, report) = run(&three);
    let etcd = by_name(&report, "etcd");
    assert_eq!(etcd.health, "BROKEN");
    let last = etcd.intervals.last().expect("a verdict");
    assert_eq!(last.code, "phantom-member");
    assert!(last.reason.contains("6 initial members, 3 of them no etcd"), "{}", last.reason);
}

/// A Service-level name's answer is worked out from the pods its Service
/// selects, so a change to such a pod that is no member of the application
/// (and has no record of its own under the Service) still concerns the
/// applications that looked the name up: they are due for a look.
#[test]
fn a_change_to_a_pod_a_looked_up_service_selects_makes_its_readers_due() {
    let mut sim = Simulation::new(parse(&scenario_file("etcd-srv-phantom-member")));
    let etcd = sim.world.apps.list.iter().position(|a| a.name == "etcd").expect("etcd");
    let mut seen = 0;
    let mut checked = false;
    while sim.step() {
        let client = sim.world.pods.iter().find(|p| p.name == "etcd-client").map(|p| p.id);
        let records = &sim.trace.records;
        let client_changed = records.slice(seen..).iter().any(|r| {
            matches!(r.event, Event::PodDeleting { pod, .. } | Event::PodRemoved { pod, .. } if Some(pod) == client)
        });
        seen = records.len();
        if client_changed {
            assert!(sim.world.apps.is_due(etcd), "the client's change at {} concerns etcd", sim.now());
            checked = true;
        }
    }
    assert!(checked, "the client was deleted and removed");
}

/// One application's story does not depend on another's: the members of a
/// ZooKeeper ensemble that can never form (it lists only Ready pods, and its
/// pods are Ready only once they joined) look their peers up on their own
/// clock, the denial cached for 30 s each time, whatever happens to a
/// PostgreSQL set on other nodes. A look at the applications used to look
/// at every one of them, so the neighbour's crashes moved the ensemble's
/// lookups (and every cache refill) to the neighbour's times.
#[test]
fn an_application_looks_its_peers_up_on_its_own_clock_whatever_its_neighbours_do() {
    let scenario = |neighbour: &str, timeline: &str| {
        format!(
            r#"Scenario(
    name: "zk-and-neighbour", seed: 3, duration: "20m",
    cluster: (nodePools: [
        (name: "x", count: 3, labels: {{"pool": "x"}}),
        (name: "y", count: 3, labels: {{"pool": "y"}}),
    ]),
    images: [(name: "zk:3.9", pull: "2s", startup: "3s", shutdown: "1s"),
             (name: "pg:16", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [
        (name: "zk", clusterIP: "None", selector: {{"app": "zk"}}, ports: [(name: "peer", port: 2888)]),
        (name: "pg", clusterIP: "None", selector: {{"app": "pg"}}, ports: [(name: "pg", port: 5432)]),
    ],
    statefulsets: [
        (name: "zk", serviceName: "zk", replicas: 3, podManagementPolicy: Parallel,
         app: Quorum(system: ZooKeeper, addressing: Dns, readiness: Joined),
         template: (labels: {{"app": "zk"}}, image: "zk:3.9", nodeSelector: {{"pool": "x"}},
                    readinessProbe: (periodSeconds: 5)),
         volumeClaimTemplates: [(name: "data", storage: "1Gi")]),
        {neighbour}
    ],
    timeline: [{timeline}],
)"#
        )
    };
    let zk_lines = |source: &str| {
        let (sim, _) = run(source);
        let mut lines = Vec::new();
        sim.trace.render_lines(&sim.world, &mut |line: &str| {
            if line.contains("app/zk") || line.contains("dns/zk") {
                lines.push(line.to_string());
            }
        });
        let neighbour =
            sim.trace.records.iter().filter(|r| matches!(r.event, Event::NodeMachine { .. })).count();
        (lines, neighbour)
    };
    let (alone, machines) = zk_lines(&scenario("", ""));
    assert_eq!(machines, 0);
    let pg = r#"(name: "pg", serviceName: "pg", replicas: 3, app: PrimaryReplica(),
         template: (labels: {"app": "pg"}, image: "pg:16", nodeSelector: {"pool": "y"}, readinessProbe: (periodSeconds: 5)),
         volumeClaimTemplates: [(name: "data", storage: "1Gi")]),"#;
    let odd_times = r#"(at: "2m7s137ms", do: CrashNode(nodeOf: "pg-1")), (at: "3m1s411ms", do: RecoverNode(nodeOf: "pg-1")),
        (at: "5m13s3ms", do: PartitionNode(nodeOf: "pg-0")), (at: "6m2s707ms", do: RecoverNode(nodeOf: "pg-0"))"#;
    let (beside, machines) = zk_lines(&scenario(pg, odd_times));
    assert_eq!(machines, 4, "the neighbour's machines crashed and were cut off, and came back");
    let denials = alone.iter().filter(|l| l.contains("\tnegative-cached\t")).count();
    assert!(denials >= 100, "the ensemble retries its peers all along: {denials} denials");
    assert_eq!(alone, beside, "the ensemble's story is its own");
}

/// A hostPath volume without node affinity is a directory on whichever node
/// the pod runs on: the claim follows etcd-1 to another node, its data
/// stays behind, and its cluster refuses it; the cause chain names the
/// volume and the node. The same volumes pinned to their nodes keep etcd-1
/// Pending for its node instead (F23), and a member back on its own node
/// finds its data.
#[test]
fn a_host_path_volume_without_node_affinity_leaves_the_data_on_the_node() {
    let (sim, report) = run_config(config("etcd-hostpath-data-stays-on-the-node"));
    let etcd = app(&report);
    assert_eq!(etcd.health, "DEGRADED");
    let refused = etcd.intervals.iter().find(|i| i.code == "empty-data").expect("refused");
    let etcd1 = sim.world.pod(sim.world.pod_named("etcd-1").unwrap());
    let node = &sim.world.node(etcd1.node.unwrap()).name;
    let first = sim.world.pods.iter().find(|p| p.name == "etcd-1").unwrap();
    assert_ne!(first.id, etcd1.id, "etcd-1 was made again");
    assert_ne!(first.node, etcd1.node, "on another node");
    assert!(
        refused.reason.contains(&format!(
            "etcd-1 is refused: it started with an empty directory /mnt/data on {node} (volume data-1)"
        )),
        "{}",
        refused.reason
    );
    assert!(
        refused.cause[0].contains("volume data-1 is the hostPath /mnt/data with no node affinity"),
        "{:?}",
        refused.cause
    );
    assert!(refused.fix.contains("Pin the volume to the node that holds its data"), "{}", refused.fix);
    // Pinned where the pods first ran: etcd-1 waits for worker-3.
    let mut pinned = config("etcd-hostpath-data-stays-on-the-node");
    for (volume, node) in pinned.persistent_volumes.iter_mut().zip(["worker-4", "worker-3", "worker-1"]) {
        volume.node = Some(node.to_string());
    }
    let (sim, report) = run_config(pinned);
    let etcd1 = sim.world.pod(sim.world.pod_named("etcd-1").unwrap());
    assert_eq!(etcd1.node, None, "etcd-1 waits for its node");
    assert!(app(&report).intervals.iter().all(|i| i.code != "empty-data"), "{:?}", app(&report).intervals);
    // The machine back instead of the Node deleted: etcd-1 restarts on
    // its node and finds its directory there.
    let back = scenario_file("etcd-hostpath-data-stays-on-the-node")
        .replace("DeleteNode(nodeOf: \"etcd-1\")", "RecoverNode(nodeOf: \"etcd-1\")");
    let (_, report) = run(&back);
    assert_eq!(app(&report).health, "HEALTHY", "{:?}", app(&report).intervals);
    // A primary on such a volume, moved: it starts empty, initialises a new
    // cluster, and its replicas refuse to follow it; the cause names the
    // hostPath volume.
    let primary = scenario_file("etcd-hostpath-data-stays-on-the-node")
        .replace("app: Quorum(system: Etcd, addressing: Dns)", "app: PrimaryReplica(addressing: Dns)")
        .replace("podManagementPolicy: Parallel,", "")
        .replace("nodeOf: \"etcd-1\"", "nodeOf: \"etcd-0\"");
    let (_, report) = run(&primary);
    let foreign =
        app(&report).intervals.iter().find(|i| i.code == "foreign-data").expect("a foreign primary");
    assert!(
        foreign.cause[0].contains("volume data-0 is the hostPath /mnt/data with no node affinity"),
        "{:?}",
        foreign.cause
    );
    assert!(foreign.fix.contains("Pin the volume to the node that holds its data"), "{}", foreign.fix);
}

/// minikube's provisioner makes each volume a hostPath directory of no node
/// affinity: no zone, no attach, and a primary drained to another node
/// finds its directory there empty, starts a new cluster, and its replicas
/// refuse it; the cause names the provisioner and the fix another class.
/// With kind's local-path provisioner instead, the volume pins pg-0 to
/// its node: it waits there (cordoned), and no cluster is started anew.
#[test]
fn a_minikube_hostpath_volume_does_not_follow_its_pod_to_another_node() {
    let (sim, report) = run_config(config("minikube-hostpath-multinode"));
    let world = &sim.world;
    let claim = world.pvc(world.pvc_named("data-pg-0").unwrap());
    let volume = world.pv(claim.volume.unwrap());
    assert_eq!(volume.host_path.as_deref(), Some("/tmp/hostpath-provisioner/default/data-pg-0"));
    assert_eq!((volume.zone.as_deref(), volume.node), (None, None));
    let attached = sim.trace.records.iter().any(|r| matches!(r.event, Event::VolumeAttaching { .. }));
    assert!(!attached, "a hostPath volume is never attached");
    let pg = app(&report);
    assert_eq!(pg.health, "BROKEN");
    let foreign = pg.intervals.iter().find(|i| i.code == "foreign-data").expect("a foreign primary");
    assert!(
        foreign.cause[0].contains(&format!(
            "volume {}, made by provisioner k8s.io/minikube-hostpath, is the hostPath \
             /tmp/hostpath-provisioner/default/data-pg-0 with no node affinity",
            volume.name
        )),
        "{:?}",
        foreign.cause
    );
    assert!(foreign.fix.contains("rancher.io/local-path"), "{}", foreign.fix);
    assert!(
        report.storage.volumes.iter().all(|v| v.monthly == stsim_core::pricing::Money::ZERO),
        "paid for with the node"
    );

    let local = scenario_file("minikube-hostpath-multinode").replace(
        r#"provisioner: "k8s.io/minikube-hostpath","#,
        r#"provisioner: "rancher.io/local-path", volumeBindingMode: WaitForFirstConsumer, local: true,"#,
    );
    let (sim, report) = run(&local);
    let pg0 = sim.world.pod(sim.world.pod_named("pg-0").unwrap());
    assert_eq!(pg0.node, None, "pg-0 waits for its cordoned node");
    let pg = app(&report);
    assert!(pg.intervals.iter().all(|i| i.code != "foreign-data"), "{:?}", pg.intervals);
}

/// etcd's `--strict-reconfig-check`, on by default: with etcd-2's machine
/// down, removing a healthy member (which would leave one of two members
/// reachable) and adding one (only while every member is connected) are
/// refused with "etcdserver: unhealthy cluster", and the cluster stays
/// DEGRADED; removing the member that is down is allowed and leaves a
/// healthy cluster of two.
#[test]
fn etcd_refuses_membership_changes_that_would_break_its_active_quorum() {
    let scenario = |change: &str| {
        format!(
            r#"Scenario(
    name: "etcd-reconfig",
    seed: 7,
    duration: "30m",
    images: [(name: "etcd:3.5", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "etcd", clusterIP: "None", selector: {{"app": "etcd"}}, publishNotReadyAddresses: true, ports: [(name: "peer", port: 2380)])],
    statefulsets: [(
        name: "etcd",
        app: Quorum(system: Etcd, addressing: Dns),
        serviceName: "etcd",
        replicas: 3,
        podManagementPolicy: Parallel,
        template: (labels: {{"app": "etcd"}}, image: "etcd:3.5", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [
        (at: "10m", do: CrashNode(nodeOf: "etcd-2")),
        (at: "12m", do: {change}),
    ],
)"#
        )
    };
    let refusals = |sim: &Simulation| -> Vec<String> {
        sim.trace
            .records
            .iter()
            .filter_map(|r| match &r.event {
                Event::ActionRefused { why, .. } => Some(why.to_string()),
                _ => None,
            })
            .collect()
    };
    for change in [r#"RemoveMember(pod: "etcd-1")"#, r#"AddMember(pod: "etcd-3")"#] {
        let (sim, report) = run(&scenario(change));
        let refused = refusals(&sim);
        assert_eq!(refused.len(), 1, "{change}: {refused:?}");
        assert!(refused[0].contains("\"etcdserver: unhealthy cluster\""), "{change}: {refused:?}");
        assert!(refused[0].contains("etcd-2 cannot be reached"), "{change}: {refused:?}");
        assert_eq!(
            sim.world.apps.list[0].clusters[0].members.len(),
            3,
            "{change}: the membership is unchanged"
        );
        assert!(
            app(&report).intervals.iter().all(|i| i.health != "BROKEN"),
            "{change}: {:?}",
            intervals(&report)
        );
    }
    let (sim, report) = run(&scenario(r#"RemoveMember(pod: "etcd-2")"#));
    assert!(refusals(&sim).is_empty(), "{:?}", refusals(&sim));
    assert_eq!(sim.world.apps.list[0].clusters[0].members.len(), 2);
    assert_eq!(app(&report).health, "HEALTHY", "{}", app(&report).reason);
}

/// Sentinel promotes the reachable replica with the highest replication
/// offset (`sentinelSelectSlave`, `compareSlavesForPromotion` in
/// sentinel.c), not the lowest ordinal: redis-1, made again on an empty
/// volume and still in its initial full sync when the master's machine
/// crashes, is passed over for redis-2, and is then pointed at it.
#[test]
fn sentinel_promotes_the_replica_with_the_most_data() {
    let source = r#"Scenario(
    name: "sentinel-pick",
    seed: 7,
    duration: "30m",
    images: [(name: "redis:7.2", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "redis-headless", clusterIP: "None", selector: {"app": "redis"}, ports: [(name: "redis", port: 6379), (name: "sentinel", port: 26379)])],
    statefulsets: [(
        name: "redis",
        app: RedisSentinel(addressing: Dns, catchUp: "15m"),
        serviceName: "redis-headless",
        replicas: 3,
        template: (labels: {"app": "redis"}, image: "redis:7.2", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [
        (at: "5m", do: DeletePvc(pvc: "data-redis-1")),
        (at: "5m", do: DeletePod(pod: "redis-1")),
        (at: "8m", do: CrashNode(nodeOf: "redis-0")),
    ],
)"#;
    let (sim, _) = run(source);
    let failovers = member_events(&sim, |what| what.starts_with("failover:"));
    assert_eq!(failovers.len(), 1, "{failovers:?}");
    assert!(
        failovers[0].contains("promote redis-2, the replica with the highest replication offset"),
        "{failovers:?}"
    );
    assert!(failovers[0].contains("redis-1 is still copying"), "{failovers:?}");
    let reconfigured = member_events(&sim, |what| what.contains("SLAVEOF redis-2"));
    assert!(!reconfigured.is_empty(), "redis-1 follows the new master");
}

/// Sentinel's leader election (`sentinelGetLeader`, sentinel.c) counts
/// every sentinel it ever knew (`voters = dictSize(master->sentinels)+1`)
/// and needs a majority of them and at least the `quorum`. Five pods scaled
/// to three leave two voters that never come back (the Bitnami chart's
/// sentinel myid is its pod name's hash; nothing runs `SENTINEL RESET`): when
/// the master's machine then crashes, two sentinels cannot reach the three
/// votes, and no failover comes. Without the scale-down, four of five can.
/// And with `quorum: 3`, two of three sentinels are not enough either.
#[test]
fn sentinels_elect_a_failover_leader_by_every_sentinel_they_knew_and_the_quorum() {
    let source = r#"Scenario(
    name: "sentinel-vote",
    seed: 7,
    duration: "20m",
    cluster: (zones: ["us-east-1a"], nodePools: [(name: "worker", count: 5, cpu: "2", memory: "8Gi")]),
    images: [(name: "redis:7.2", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "redis-headless", clusterIP: "None", selector: {"app": "redis"}, ports: [(name: "redis", port: 6379), (name: "sentinel", port: 26379)])],
    statefulsets: [(
        name: "redis",
        app: RedisSentinel(addressing: Dns),
        serviceName: "redis-headless",
        replicas: 5,
        template: (labels: {"app": "redis"}, image: "redis:7.2", readinessProbe: (initialDelaySeconds: 5), resources: (requests: (cpu: "1500m", memory: "1Gi"))),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [
        (at: "5m", do: Scale(statefulset: "redis", replicas: 3)),
        (at: "10m", do: CrashNode(nodeOf: "redis-0")),
    ],
)"#;
    let failovers = |source: &str| {
        let (sim, report) = run(source);
        let n = member_events(&sim, |what| what.starts_with("failover")).len();
        (n, crate::apps::app(&report).health.clone())
    };
    assert_eq!(failovers(source), (0, "BROKEN".to_string()), "2 of 5 known sentinels");
    let (sim, _) = run(source);
    let why = member_events(&sim, |what| what.contains("no failover"));
    assert_eq!(why.len(), 1, "{why:?}");
    assert!(
        why[0].contains("fewer than the 3 votes a leader needs (a majority of the 5 sentinels"),
        "{why:?}"
    );
    let kept = source.replace("        (at: \"5m\", do: Scale(statefulset: \"redis\", replicas: 3)),\n", "");
    assert_eq!(failovers(&kept).0, 1, "4 of 5");
    let three = source
        .replace("replicas: 5,", "replicas: 3,")
        .replace("        (at: \"5m\", do: Scale(statefulset: \"redis\", replicas: 3)),\n", "");
    assert_eq!(failovers(&three).0, 1, "2 of 3, quorum 2");
    let strict = three.replace("RedisSentinel(addressing: Dns)", "RedisSentinel(addressing: Dns, quorum: 3)");
    assert_eq!(failovers(&strict), (0, "BROKEN".to_string()), "2 of 3, quorum 3");
}

/// Kafka elects a partition leader only from its ISR
/// (`unclean.leader.election.enable=false`, the default): p3's replicas are
/// kafka-3, kafka-4 and kafka-0; kafka-3 and kafka-4 go down first, so the
/// ISR shrinks to kafka-0, which then goes down too and stays in it as the
/// last member. kafka-3 coming back cannot lead or fetch: p3 stays offline
/// (BROKEN, and the fix names kafka-0) until kafka-0 is back.
#[test]
fn a_kafka_partition_is_offline_until_its_last_in_sync_replica_returns() {
    let source = r#"Scenario(
    name: "kafka-last-isr",
    seed: 7,
    duration: "40m",
    cluster: (zones: ["us-east-1a"], nodePools: [(name: "worker", count: 5, cpu: "2", memory: "8Gi")]),
    images: [(name: "kafka:3.7", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "kafka-headless", clusterIP: "None", selector: {"app": "kafka"}, ports: [(name: "controller", port: 9093), (name: "broker", port: 9092)])],
    statefulsets: [(
        name: "kafka",
        app: Kafka(controllers: 3, replicationFactor: 3, minInsyncReplicas: 1),
        serviceName: "kafka-headless",
        replicas: 5,
        podManagementPolicy: Parallel,
        template: (labels: {"app": "kafka"}, image: "kafka:3.7", readinessProbe: (initialDelaySeconds: 5), resources: (requests: (cpu: "1500m", memory: "1Gi"))),
        volumeClaimTemplates: [(name: "data", storage: "50Gi")],
    )],
    timeline: [
        (at: "10m", do: CrashNode(nodeOf: "kafka-3")),
        (at: "10m", do: CrashNode(nodeOf: "kafka-4")),
        (at: "12m", do: CrashNode(nodeOf: "kafka-0")),
        (at: "20m", do: RecoverNode(node: "worker-4")),
        (at: "20m", do: RecoverNode(node: "worker-5")),
        (at: "30m", do: RecoverNode(node: "worker-2")),
    ],
)"#;
    // Without kafka-0 back, p3 ends offline although kafka-3 is back.
    let stays = source.replace("        (at: \"30m\", do: RecoverNode(node: \"worker-2\")),\n", "");
    let (_, report) = run(&stays);
    let app = app(&report);
    let offline: Vec<_> = app.intervals.iter().filter(|i| i.code == "partition-offline").collect();
    assert_eq!(offline.len(), 1, "{:?}", intervals(&report));
    assert_eq!(offline[0].from_ms, t("12m").as_millis(), "{:?}", intervals(&report));
    assert_eq!(app.health, "BROKEN");
    assert!(
        app.reason.contains("no replica of its last ISR (kafka-0) runs; kafka-3 is back"),
        "{}",
        app.reason
    );
    assert!(offline[0].fix.starts_with("Bring kafka-0 back"), "{}", offline[0].fix);
    // Once kafka-0 is back, the partition has a leader again.
    let (_, report) = run(source);
    let app = crate::apps::app(&report);
    assert!(app.intervals.iter().any(|i| i.code == "partition-offline"), "{:?}", intervals(&report));
    assert_ne!(
        app.intervals.last().expect("an interval").code,
        "partition-offline",
        "{:?}",
        intervals(&report)
    );
}

/// Cassandra knows its nodes by address, not by pod name: cassandra-3,
/// made again on an empty volume, comes back with a new pod IP, so it
/// bootstraps as a new node while the ring still holds its old node, down,
/// and the consistent range movement fails on it; the program exits, and
/// the pod crash-loops. The fix names the old address.
#[test]
fn a_cassandra_node_back_empty_at_a_new_address_fails_its_bootstrap_and_exits() {
    let source = r#"Scenario(
    name: "cass-empty",
    seed: 7,
    duration: "30m",
    images: [(name: "cassandra:4.1", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "cassandra", clusterIP: "None", selector: {"app": "cassandra"}, publishNotReadyAddresses: true, ports: [(name: "intra", port: 7000)])],
    statefulsets: [(
        name: "cassandra",
        app: Cassandra(seeds: [0], replicationFactor: 3),
        serviceName: "cassandra",
        replicas: 4,
        template: (labels: {"app": "cassandra"}, image: "cassandra:4.1", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [
        (at: "10m", do: DeletePvc(pvc: "data-cassandra-3")),
        (at: "10m", do: DeletePod(pod: "cassandra-3")),
    ],
)"#;
    let (sim, report) = run(source);
    let refused = member_events(&sim, |what| what.starts_with("is refused:"));
    assert!(!refused.is_empty());
    let pod = sim.world.pod(sim.world.pod_named("cassandra-3").expect("cassandra-3"));
    let new_ip = pod.status.pod_ip.expect("an address").to_string();
    assert!(refused[0].contains(&format!("at a new address, {new_ip}")), "{refused:?}");
    assert!(refused[0].contains("\"A node required to move the data consistently is down ("), "{refused:?}");
    assert!(
        !refused[0].contains(&format!("replace_address_first_boot={new_ip}")),
        "the old address: {refused:?}"
    );
    assert_eq!(pod.display_status(sim.world.kubectl()).to_string(), "CrashLoopBackOff");
    assert_eq!(app(&report).health, "DEGRADED", "{}", app(&report).reason);
}

/// A Kafka cluster of `replicas` brokers with `app`'s settings, scaled to
/// `to` at 10m; the run ends at 20m.
fn kafka_scaled(replicas: u32, app: &str, to: u32) -> String {
    format!(
        r#"Scenario(
    name: "kafka-scaled",
    seed: 7,
    duration: "20m",
    images: [(name: "kafka:3.7", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "kafka-headless", clusterIP: "None", selector: {{"app": "kafka"}}, ports: [(name: "controller", port: 9093), (name: "broker", port: 9092)])],
    statefulsets: [(
        name: "kafka",
        app: {app},
        serviceName: "kafka-headless",
        replicas: {replicas},
        podManagementPolicy: Parallel,
        template: (labels: {{"app": "kafka"}}, image: "kafka:3.7", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "50Gi")],
    )],
    timeline: [(at: "10m", do: Scale(statefulset: "kafka", replicas: {to}))],
)"#
    )
}

/// KRaft's controller quorum is `controller.quorum.voters`, written into
/// every server's configuration when the cluster is made; scaling the
/// StatefulSet does not change it. Scaled from 3 brokers to 1, the cluster
/// keeps three voters of which one runs: no majority, no active controller
/// (BROKEN), and the fix is to scale back, not a PodDisruptionBudget.
#[test]
fn scaling_kafka_down_keeps_its_controller_voters() {
    let (sim, report) =
        run(&kafka_scaled(3, "Kafka(controllers: 3, replicationFactor: 1, minInsyncReplicas: 1)", 1));
    let app = app(&report);
    let lost = app.intervals.iter().find(|i| i.code == "quorum-lost").expect("the quorum is lost");
    assert_eq!(lost.health, "BROKEN");
    assert!(
        lost.from_ms >= t("10m").as_millis() && lost.from_ms < t("10m30s").as_millis(),
        "{:?}",
        intervals(&report)
    );
    assert!(
        lost.reason.contains("1 of 3 controllers reach each other, and a majority is 2"),
        "{}",
        lost.reason
    );
    assert!(lost.fix.starts_with("Scale kafka back so that kafka-1 and kafka-2 run again"), "{}", lost.fix);
    assert!(lost.fix.contains("controller.quorum.voters (kafka-0, kafka-1 and kafka-2)"), "{}", lost.fix);
    assert_eq!(app.health, "BROKEN", "it stays lost: {}", app.reason);
    let voters = &sim.world.apps.list[0].clusters[0].members;
    assert_eq!(voters.len(), 3, "{voters:?}");

    // Scaling up adds brokers, not voters: still a quorum of 3.
    let (sim, report) =
        run(&kafka_scaled(3, "Kafka(controllers: 3, replicationFactor: 1, minInsyncReplicas: 1)", 5));
    assert_eq!(crate::apps::app(&report).health, "HEALTHY", "{}", crate::apps::app(&report).reason);
    assert!(
        crate::apps::app(&report).reason.contains("controller quorum of 3"),
        "{}",
        crate::apps::app(&report).reason
    );
    assert_eq!(sim.world.apps.list[0].clusters[0].members.len(), 3);
}

/// Kafka keeps each partition's replicas where the topic placed them until
/// someone reassigns them (kafka-reassign-partitions, Cruise Control).
/// Scaled from 5 brokers to 3 without that, the partitions with replicas on
/// kafka-3 and kafka-4 lose them from their ISR: p2 (kafka-2, kafka-3,
/// kafka-4) and p3 (kafka-3, kafka-4, kafka-0) keep one in sync, below
/// min.insync.replicas 2: BROKEN for good, and the fix is to scale back or
/// move the replicas first. With replicationFactor 2, p3 (kafka-3, kafka-4)
/// has no replica left at all: offline. Scaled up, the new brokers hold
/// no partition and the cluster is as healthy as before.
#[test]
fn scaling_kafka_keeps_each_partitions_replicas_where_the_topic_placed_them() {
    let (_, report) =
        run(&kafka_scaled(5, "Kafka(controllers: 3, replicationFactor: 3, minInsyncReplicas: 2)", 3));
    let app = app(&report);
    let broken = app.intervals.iter().find(|i| i.health == "BROKEN").expect("BROKEN");
    assert_eq!(broken.code, "not-enough-replicas", "{:?}", intervals(&report));
    assert!(broken.from_ms >= t("10m").as_millis() && broken.from_ms < t("10m30s").as_millis());
    assert!(
        broken.reason.starts_with(
            "NotEnoughReplicas: partition p2 (replicas kafka-2, kafka-3 and kafka-4) has 1 in sync"
        ),
        "{}",
        broken.reason
    );
    assert!(broken.reason.contains("2 of 5 partitions"), "{}", broken.reason);
    assert!(
        broken.fix.starts_with("Scale kafka back so that kafka-3 and kafka-4 run again"),
        "{}",
        broken.fix
    );
    assert!(broken.fix.contains("kafka-reassign-partitions"), "{}", broken.fix);
    assert_eq!(app.health, "BROKEN", "no broker takes the replicas over: {}", app.reason);

    let (_, report) =
        run(&kafka_scaled(5, "Kafka(controllers: 3, replicationFactor: 2, minInsyncReplicas: 1)", 3));
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "BROKEN", "{}", app.reason);
    assert_eq!(
        app.intervals.last().expect("an interval").code,
        "partition-offline",
        "{:?}",
        intervals(&report)
    );
    assert!(
        app.reason.starts_with("partition p3 (replicas kafka-3 and kafka-4) is offline"),
        "{}",
        app.reason
    );

    let (_, report) =
        run(&kafka_scaled(3, "Kafka(controllers: 3, replicationFactor: 3, minInsyncReplicas: 2)", 5));
    let app = crate::apps::app(&report);
    assert!(app.healthy_throughout, "{:?}", intervals(&report));
    assert_eq!(app.health, "HEALTHY");
    assert!(
        app.reason
            .starts_with("5 brokers in sync, controller quorum of 3; kafka-3 and kafka-4 hold no partition"),
        "{}",
        app.reason
    );
}

/// A Cassandra ring of `replicas` nodes with `app`'s settings, scaled to
/// `to` at 10m; the run ends at 20m.
fn cassandra_scaled(replicas: u32, app: &str, to: u32) -> String {
    format!(
        r#"Scenario(
    name: "cassandra-scaled",
    seed: 7,
    duration: "20m",
    images: [(name: "cassandra:4.1", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "cassandra", clusterIP: "None", selector: {{"app": "cassandra"}}, ports: [(name: "gossip", port: 7000)])],
    statefulsets: [(
        name: "cassandra",
        app: {app},
        serviceName: "cassandra",
        replicas: {replicas},
        template: (labels: {{"app": "cassandra"}}, image: "cassandra:4.1", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "50Gi")],
    )],
    timeline: [(at: "10m", do: Scale(statefulset: "cassandra", replicas: {to}))],
)"#
    )
}

/// A Cassandra node leaves the ring only by `nodetool decommission` (or
/// `removenode` once it is down); a pod scaled away without either stays
/// in the ring, down, and keeps its token ranges. Five nodes with
/// replicationFactor 3 scaled to three: ranges 2 (cassandra-2, -3, -4) and
/// 3 (cassandra-3, -4, -0) have one replica up, fewer than QUORUM's two:
/// BROKEN, with the fix to scale back and decommission first.
#[test]
fn a_cassandra_node_scaled_away_without_decommission_stays_in_the_ring_down() {
    let (sim, report) = run(&cassandra_scaled(5, "Cassandra(seeds: [0], replicationFactor: 3)", 3));
    let app = app(&report);
    assert_eq!(app.health, "BROKEN", "{:?}", intervals(&report));
    let broken = app.intervals.iter().find(|i| i.health == "BROKEN").expect("BROKEN");
    assert_eq!(broken.code, "quorum-lost");
    assert!(broken.from_ms >= t("10m").as_millis() && broken.from_ms < t("10m30s").as_millis());
    assert!(
        broken.reason.starts_with(
            "QUORUM fails for 2 of 5 token ranges: range 2 (replicas cassandra-2, cassandra-3 and cassandra-4)"
        ),
        "{}",
        broken.reason
    );
    assert!(broken.fix.starts_with("Scale cassandra back so that cassandra-3 runs again"), "{}", broken.fix);
    assert!(broken.fix.contains("nodetool decommission"), "{}", broken.fix);
    let ring = &sim.world.apps.list[0].clusters[0].members;
    assert_eq!(ring.len(), 5, "the ring keeps the nodes scaled away: {ring:?}");

    // One node scaled away: every range keeps a quorum, three are below RF.
    let (_, report) = run(&cassandra_scaled(5, "Cassandra(seeds: [0], replicationFactor: 3)", 4));
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "DEGRADED", "{:?}", intervals(&report));
    assert!(
        app.reason.starts_with("3 token ranges below replication factor 3: cassandra-4 is down"),
        "{}",
        app.reason
    );
}

/// QUORUM counts from the keyspace's replication factor, not from the ring
/// (`ConsistencyLevel.quorumFor` = RF / 2 + 1), and a range's replicas are
/// distinct nodes (SimpleStrategy): a ring smaller than the replication
/// factor holds fewer replicas of every range. RF 3 on one node: QUORUM
/// needs 2 and has 1, BROKEN at once (no waiting makes the ring bigger);
/// on two nodes QUORUM holds, DEGRADED. The ring keeps nodes scaled away
/// without a decommission, so a ring of two scaled to one is still two
/// nodes, one down. Scaled up to RF, it is healthy; RF within the ring is
/// unchanged.
#[test]
fn a_cassandra_ring_smaller_than_its_replication_factor_is_short_of_replicas() {
    let rf3 = "Cassandra(seeds: [0], replicationFactor: 3)";
    let (_, report) = run(&cassandra_scaled(1, rf3, 1));
    let app = app(&report);
    assert_eq!((app.health.as_str(), last_code(app)), ("BROKEN", "ring-too-small"), "{}", app.reason);
    assert!(
        app.reason.contains(
            "a ring of 1 node holds 1 of the 3 replicas of each token range (replicationFactor 3), and QUORUM needs 2"
        ),
        "{}",
        app.reason
    );
    assert!(app.reason.contains("Cannot achieve consistency level QUORUM"), "{}", app.reason);
    assert!(
        app.intervals[0].from_ms < t("1m").as_millis(),
        "not after the form timeout: {:?}",
        intervals(&report)
    );
    assert!(!app.healthy_throughout);

    let (_, report) = run(&cassandra_scaled(2, rf3, 2));
    let app = crate::apps::app(&report);
    assert_eq!((app.health.as_str(), last_code(app)), ("DEGRADED", "ring-too-small"), "{}", app.reason);
    assert!(
        app.reason
            .starts_with("2 token ranges below replication factor 3: a ring of 2 nodes holds 2 of the 3"),
        "{}",
        app.reason
    );

    // Scaled away without a decommission: still a ring of two, one down.
    let (_, report) = run(&cassandra_scaled(2, rf3, 1));
    let app = crate::apps::app(&report);
    assert_eq!((app.health.as_str(), last_code(app)), ("BROKEN", "quorum-lost"), "{}", app.reason);
    assert!(app.reason.contains("has fewer than 2 up"), "{}", app.reason);
    assert!(app.reason.contains("a ring of 2 nodes holds 2 of the 3"), "{}", app.reason);

    let (_, report) = run(&cassandra_scaled(1, rf3, 3));
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "HEALTHY", "{:?}", intervals(&report));
    assert_eq!(app.reason, "3 nodes up in cluster-1, every token range fully replicated");

    for (nodes, rf) in [(3, rf3), (1, "Cassandra(seeds: [0], replicationFactor: 1)")] {
        let (_, report) = run(&cassandra_scaled(nodes, rf, nodes));
        let app = crate::apps::app(&report);
        assert!(app.healthy_throughout, "{rf} on {nodes}: {:?}", intervals(&report));
        assert!(app.reason.ends_with("every token range fully replicated"), "{}", app.reason);
    }
}

/// The KRaft controller refuses a topic with more replicas than registered
/// brokers (`StripedReplicaPlacer`: "The target replication factor of 3
/// cannot be reached because only 1 broker(s) are registered.", prefixed by
/// `ReplicationControlManager.createTopic`), and places a partition's
/// replicas only on brokers registered then. One broker with RF 3: BROKEN at
/// once with that text; scaled to three, the topic is created on them. In
/// an OrderedReady start of five, the topic is created as soon as three have
/// registered, and the two that come later hold none. RF within the brokers
/// started together is unchanged.
#[test]
fn a_kafka_topic_needs_as_many_registered_brokers_as_its_replication_factor() {
    let rf3 = "Kafka(controllers: 1, replicationFactor: 3, minInsyncReplicas: 2)";
    let (_, report) = run(&kafka_scaled(1, rf3, 1));
    let app = app(&report);
    assert_eq!((app.health.as_str(), last_code(app)), ("BROKEN", "too-few-brokers"), "{}", app.reason);
    assert!(
        app.reason.contains(
            "InvalidReplicationFactorException: Unable to replicate the partition 3 time(s): The target \
             replication factor of 3 cannot be reached because only 1 broker(s) are registered."
        ),
        "{}",
        app.reason
    );
    assert!(
        app.intervals[0].from_ms < t("1m").as_millis(),
        "not after the form timeout: {:?}",
        intervals(&report)
    );
    let fix = &app.intervals.last().expect("an interval").fix;
    assert!(fix.starts_with("Scale kafka to at least 3 brokers"), "{fix}");

    let (sim, report) = run(&kafka_scaled(1, rf3, 3));
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "HEALTHY", "{:?}", intervals(&report));
    let placed: Vec<&Vec<String>> =
        sim.world.apps.list[0].isr.values().map(|(replicas, _)| replicas).collect();
    assert_eq!(placed.len(), 3, "{placed:?}");
    assert!(placed.iter().all(|r| r.len() == 3), "{placed:?}");

    let ordered = kafka_scaled(5, "Kafka(controllers: 3, replicationFactor: 3, minInsyncReplicas: 2)", 5)
        .replace("podManagementPolicy: Parallel", "podManagementPolicy: OrderedReady");
    let (sim, report) = run(&ordered);
    let app = crate::apps::app(&report);
    assert_eq!(app.health, "HEALTHY", "{:?}", intervals(&report));
    assert!(app.reason.contains("kafka-3 and kafka-4 hold no partition"), "{}", app.reason);
    let holders: std::collections::BTreeSet<&String> =
        sim.world.apps.list[0].isr.values().flat_map(|(replicas, _)| replicas).collect();
    assert_eq!(holders.into_iter().cloned().collect::<Vec<_>>(), ["kafka-0", "kafka-1", "kafka-2"]);

    let (_, report) =
        run(&kafka_scaled(3, "Kafka(controllers: 3, replicationFactor: 3, minInsyncReplicas: 2)", 3));
    let app = crate::apps::app(&report);
    assert!(app.healthy_throughout, "{:?}", intervals(&report));
    assert_eq!(app.reason, "3 brokers in sync, controller quorum of 3");
}
