//! DNS and addresses as the EndpointSlice controller, CoreDNS and the
//! kubelet's sandboxes have them: terminating endpoints, and a new pod IP
//! after the node reboots.

use crate::support::{Log, run_file, t};
use stsim_core::time::{SimDuration, SimTime};

#[test]
fn a_terminating_pod_keeps_its_record_only_with_publish_not_ready_addresses() {
    let (sim, _) = run_file("terminating-endpoints");
    let log = Log(&sim);
    let keep = log.dns("keep-0.keep.default.svc.cluster.local");
    let drop = log.dns("drop-0.drop.default.svc.cluster.local");
    // Removed when the pod object goes (1m20s, after its 20 s shutdown)...
    assert_eq!(keep[1], (t("1m20s"), false, "10.244.2.2".to_string()), "{keep:?}");
    assert_eq!(log.removals("keep-0")[0], t("1m20s"));
    // ...against the moment it is deleted.
    assert_eq!(drop[1].0, t("1m"), "{drop:?}");
    assert!(!drop[1].1);
}

#[test]
fn a_rebooted_node_gives_its_pods_new_ips() {
    let (sim, _) = run_file("pod-ip-after-reboot");
    let records = Log(&sim).dns("web-0.web.default.svc.cluster.local");
    let ips: Vec<&str> =
        records.iter().filter(|(_, added, _)| *added).map(|(_, _, ip)| ip.as_str()).collect();
    assert_eq!(ips, ["10.244.1.2", "10.244.1.3"], "the record follows the new sandbox's address");
    let pod = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!(pod.status.restarts, 1);
    // The old address went back to the node's range.
    let node = sim.world.node(pod.node.unwrap());
    assert_eq!(node.ips_in_use.len(), 1);
}

/// The answers of the Service-level names a run logged for `name`.
fn answers_over_time(
    sim: &stsim_core::Simulation,
    name: &str,
) -> Vec<(stsim_core::time::SimTime, Vec<String>)> {
    let log = sim.world.dns_answer_log.as_ref().expect("logged for expectations");
    log.entries.iter().filter(|(_, n, _)| n == name).map(|(at, _, a)| (*at, a.clone())).collect()
}

/// A headless Service's own name and SRV names (`service-dns-names`), and
/// the rule beyond the case: whatever the seed, the Service name answers
/// exactly the addresses of the per-pod records of the Service's ready
/// pods, its SRV name targets exactly their names, and a Service that
/// publishes not-ready addresses answers every pod with an address.
#[test]
fn a_headless_service_name_answers_its_ready_endpoints() {
    use stsim_core::controllers::dns::service_answers;
    let source = crate::support::scenario_file("service-dns-names");
    for seed in [1, 2, 3] {
        let (sim, report) = crate::support::run(&source.replace("seed: 1,", &format!("seed: {seed},")));
        if seed == 1 {
            let failed: Vec<_> =
                stsim_core::expect::check(&sim, &report).into_iter().filter(|v| !v.passed).collect();
            assert!(failed.is_empty(), "{failed:?}");
        }
        let world = &sim.world;
        let suffix = ".web.default.svc.cluster.local";
        let mut records: Vec<(String, String)> = world
            .dns
            .iter()
            .filter(|(n, _)| n.ends_with(suffix))
            .map(|(n, r)| (n.clone(), r.ip.to_string()))
            .collect();
        records.sort();
        let mut ips: Vec<String> = records.iter().map(|(_, ip)| ip.clone()).collect();
        ips.sort();
        assert_eq!(service_answers(world, "web.default.svc.cluster.local"), Some(ips), "seed {seed}");
        let mut targets: Vec<String> = records.iter().map(|(n, _)| format!("{n}:80")).collect();
        targets.sort();
        assert_eq!(service_answers(world, "_http._tcp.web.default.svc.cluster.local"), Some(targets));
        let all = service_answers(world, "peers.default.svc.cluster.local").unwrap();
        let with_ip = world.live_pods().filter(|p| p.status.pod_ip.is_some()).count();
        assert_eq!(all.len(), with_ip);
        assert_eq!(service_answers(world, "_http._udp.web.default.svc.cluster.local"), Some(vec![]));
        assert_eq!(service_answers(world, "nope.default.svc.cluster.local"), Some(vec![]));
        assert_eq!(service_answers(world, "web-0.web.default.svc.cluster.local"), None, "a pod's name");
        // An endpoint with no hostname under the Service is named by its
        // dashed address, which answers it (CoreDNS's `endpointHostname`);
        // one with a hostname there is named by it, not by its address.
        for pod in world.live_pods() {
            let Some(ip) = pod.status.pod_ip else { continue };
            let dashed = ip.to_string().replace('.', "-");
            let peers = service_answers(world, &format!("{dashed}.peers.default.svc.cluster.local"));
            assert_eq!(peers, Some(vec![ip.to_string()]), "{} under peers", pod.name);
            let web = service_answers(world, &format!("{dashed}.web.default.svc.cluster.local"));
            assert_eq!(web, Some(vec![]), "{} has its own name under web", pod.name);
        }
        for not_an_address in ["10-244-1", "10-244-1-2-3", "10-244-01-2", "10-244-256-2", "a-b-c-d"] {
            let name = format!("{not_an_address}.peers.default.svc.cluster.local");
            assert_eq!(service_answers(world, &name), None, "{name} is a pod's name, not an address");
        }
    }
    // Over time: nothing before the pods are Ready, all three, then web-1 out.
    let (sim, _) = run_file("service-dns-names");
    let seen = answers_over_time(&sim, "web.default.svc.cluster.local");
    let sizes: Vec<(String, usize)> = seen.iter().map(|(at, a)| (at.to_string(), a.len())).collect();
    assert_eq!(sizes.first().map(|s| s.1), Some(0));
    assert_eq!(sizes.last(), Some(&("1m2s".to_string(), 2)));
    assert!(sizes.iter().any(|s| s.1 == 3));
}

/// The denials cached for `name`: (when, until).
fn denials(
    sim: &stsim_core::Simulation,
    name: &str,
) -> Vec<(stsim_core::time::SimTime, stsim_core::time::SimTime)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::DnsNegativeCached { name: n, until } if n == name => {
                Some((r.at, *until))
            }
            _ => None,
        })
        .collect()
}

/// When the named member did something whose words contain `what`.
fn member_event(sim: &stsim_core::Simulation, what: &str) -> Option<stsim_core::time::SimTime> {
    sim.trace.records.iter().find_map(|r| match &r.event {
        stsim_core::trace::Event::AppMember { what: w, .. } if w.contains(what) => Some(r.at),
        _ => None,
    })
}

/// Members retry their peers' names (`peers-retry-negative-cache`), and
/// the rule beyond the case, for several retry periods: a member looking a
/// peer up again caches a new NXDOMAIN within one period of the last one
/// expiring, so while the peer is unpublished the denial never lapses; once
/// it is published, the cluster forms when the denial cached by the last
/// failed lookup before then expires.
#[test]
fn members_retry_peer_lookups_and_the_denial_runs_from_the_last_failure() {
    let source = crate::support::scenario_file("peers-retry-negative-cache");
    let app = "app: Quorum(system: Etcd, addressing: Dns),";
    assert!(source.contains(app));
    let etcd1 = "etcd-1.etcd.default.svc.cluster.local";
    let etcd2 = "etcd-2.etcd.default.svc.cluster.local";
    for retry in ["1s", "7s", "10s"] {
        let text = source
            .replace(app, &format!("app: Quorum(system: Etcd, addressing: Dns, lookupRetry: \"{retry}\"),"));
        let (sim, _) = crate::support::run(&text);
        let period: stsim_core::time::SimDuration = retry.parse().unwrap();
        // etcd-2 is never placed: while the members look for it (until the
        // cluster forms without it), its denial is refreshed, never lapsing.
        let never = denials(&sim, etcd2);
        assert!(never.len() >= 3, "{retry}: {never:?}");
        for pair in never.windows(2) {
            let (expired, again) = (pair[0].1, pair[1].0);
            assert!(again >= expired && again <= expired + period, "{retry}: {pair:?}");
        }
        // etcd-1 is published at 1m2s; the last denial before that decides.
        let published = Log(&sim).dns(etcd1).first().map(|d| d.0).expect("published");
        assert_eq!(published, t("1m2s"));
        let last = denials(&sim, etcd1).into_iter().rfind(|(at, _)| *at < published).expect("denied before");
        assert!(last.1 > published, "{retry}: the denial outlives the publication");
        let formed = member_event(&sim, "formed cluster-1").expect("forms");
        assert!(
            formed >= last.1 && formed <= last.1 + period,
            "{retry}: formed {formed}, denial until {}",
            last.1
        );
    }
    crate::support::run_file("peers-retry-negative-cache");
}

/// A primary/replica member looking for its primary at the Service's name
/// (`primary-found-through-service`): it sees ready endpoints only, through
/// the cache. The denial pg-0's own lookup cached makes pg-1 initialise a
/// second cluster; with denials cached 5 s, or with the per-pod names
/// (`discovery: Pods`, whose names nobody had looked up), pg-1 finds pg-0.
#[test]
fn members_find_their_primary_through_the_service_name_as_the_cache_answers() {
    use stsim_core::apps::Health;
    let verdict_at = |sim: &stsim_core::Simulation, app: &str| {
        sim.trace
            .records
            .iter()
            .filter_map(|r| match &r.event {
                stsim_core::trace::Event::AppVerdict { app: a, verdict }
                    if sim.world.apps.name(*a) == app =>
                {
                    Some(verdict.health)
                }
                _ => None,
            })
            .next_back()
    };
    let (sim, _) = run_file("primary-found-through-service");
    assert_eq!(verdict_at(&sim, "pg"), Some(Health::Broken));
    assert_eq!(verdict_at(&sim, "safe"), Some(Health::Healthy));
    let joined = sim.trace.records.iter().find_map(|r| match &r.event {
        stsim_core::trace::Event::AppMember { what, .. } if what.starts_with("joined") => Some(r.at),
        _ => None,
    });
    assert_eq!(joined, Some(t("47s")), "safe-1, on its first retry once the denial expired");
    let source = crate::support::scenario_file("primary-found-through-service");
    let cached = "dns: (cacheClusterDomain: true),";
    assert!(source.contains(cached), "the scenario caches the cluster domain");
    let (sim, _) =
        crate::support::run(&source.replace(cached, "dns: (cacheClusterDomain: true, cache: \"5s\"),"));
    assert_eq!(verdict_at(&sim, "pg"), Some(Health::Healthy));
    // kubeadm's CoreDNS from 1.32 caches nothing of the cluster domain:
    // pg-1 finds pg-0 too.
    let (sim, _) = crate::support::run(&source.replace(cached, ""));
    assert_eq!(verdict_at(&sim, "pg"), Some(Health::Healthy));
    let (sim, _) =
        crate::support::run(&source.replace("PrimaryReplica(discovery: Service)", "PrimaryReplica()"));
    assert_eq!(verdict_at(&sim, "pg"), Some(Health::Healthy));
}

/// A three-member quorum whose member etcd-0 comes back (its node crashed
/// for 2 m) with stale data, so it catches up for 30 s, while its two peers
/// are deleted and come back: etcd-0 looks their names up before they are
/// Ready and caches NXDOMAIN for both until 12m37s. Its catch-up ends at
/// 12m32s, while it still reaches no majority.
const CATCH_UP_THEN_DENIAL: &str = r#"Scenario(
    name: "catch-up-then-denial",
    seed: 1,
    duration: "20m",
    // Denials cached 30 s and positive answers 5 s: `cache 30 { success 9984 5 }`.
    dns: (cacheClusterDomain: true, successCache: "5s"),
    cluster: (nodePools: [(name: "worker", count: 3)]),
    images: [(name: "etcd:3.5", pull: "2s", startup: "3s", shutdown: "1s")],
    services: [(name: "etcd", clusterIP: "None", selector: {"app": "etcd"}, ports: [(name: "peer", port: 2380)])],
    statefulsets: [(
        name: "etcd",
        app: APP,
        serviceName: "etcd",
        replicas: 3,
        podManagementPolicy: Parallel,
        template: (
            labels: {"app": "etcd"},
            image: "etcd:3.5",
            readinessProbe: (initialDelaySeconds: 5),
            affinity: (podAntiAffinity: (requiredDuringSchedulingIgnoredDuringExecution: [
                (labelSelector: (matchLabels: {"app": "etcd"}), topologyKey: "kubernetes.io/hostname"),
            ])),
        ),
        volumeClaimTemplates: [(name: "data", storage: "8Gi")],
    )],
    timeline: [
        (at: "10m", do: CrashNode(node: "worker-3")),
        (at: "12m", do: RecoverNode(node: "worker-3")),
        (at: "12m7s", do: DeletePod(pod: "etcd-1")),
        (at: "12m7s", do: DeletePod(pod: "etcd-2")),
    ],
)"#;

/// A deadline that passed while its member was still cut off (a catch-up
/// that ended before the member reached a majority) must not hide a later
/// one: the members' retry of a peer's name once its cached NXDOMAIN
/// expires. Every kind that waits on its peers' names this way is whole
/// again at the expiry, whichever kind (the look again is shared by all),
/// not whenever something unrelated next wakes the applications.
#[test]
fn a_catch_up_that_ended_does_not_hide_the_retry_after_a_cached_denial() {
    use stsim_core::apps::Health;
    let etcd1 = "etcd-1.etcd.default.svc.cluster.local";
    for app in [
        r#"Quorum(system: Etcd, addressing: Dns, staleAfter: "1m")"#,
        r#"Quorum(system: ZooKeeper, addressing: Dns, staleAfter: "1m")"#,
        r#"Kafka(staleAfter: "1m")"#,
        // Without the chart's preStop hook: with it, deleting etcd-1 (the
        // master since the failover at 11m) moves the master to etcd-0 at
        // once, and nothing waits on etcd-1's name (tests/apps.rs).
        r#"RedisSentinel(addressing: Dns, staleAfter: "1m", preStopFailover: false)"#,
    ] {
        let (sim, _) = crate::support::run(&CATCH_UP_THEN_DENIAL.replace("APP", app));
        // The premise: etcd-0 caught up from 12m2s to 12m32s, etcd-1 was
        // published at 12m15s, and the denial cached before that runs to 12m37s.
        let caught_up = member_event(&sim, "catches up first").map(|at| at + SimDuration::from_secs(30));
        let published = Log(&sim).dns(etcd1).into_iter().rfind(|d| d.1).map(|d| d.0);
        let denied = denials(&sim, etcd1).into_iter().rfind(|(at, _)| Some(*at) < published).map(|d| d.1);
        if app.starts_with("Quorum") {
            assert_eq!(caught_up, Some(t("12m32s")), "{app}");
        }
        assert_eq!((published, denied), (Some(t("12m15s")), Some(t("12m37s"))), "{app}");
        let verdicts: Vec<(stsim_core::time::SimTime, Health)> = sim
            .trace
            .records
            .iter()
            .filter_map(|r| match &r.event {
                stsim_core::trace::Event::AppVerdict { verdict, .. } => Some((r.at, verdict.health)),
                _ => None,
            })
            .collect();
        assert_eq!(verdicts.last(), Some(&(t("12m37s"), Health::Healthy)), "{app}: {verdicts:?}");
    }
}

/// A primary/replica member keeps looking its primary's name up on its
/// retry loop for as long as it does not resolve, also once the cluster is
/// BROKEN (`servicename-changed`: pg-0.pg-svc... is never published
/// again): each denial is followed by the next within one `lookupRetry`
/// (10 s) of its expiry, up to the end of the run. The deadline of the
/// BROKEN verdict, long past, must not stop the retries.
#[test]
fn replicas_keep_retrying_a_name_that_never_resolves() {
    let (sim, _) = run_file("servicename-changed");
    let never = denials(&sim, "pg-0.pg-svc.default.svc.cluster.local");
    assert!(never.len() >= 3, "{never:?}");
    for pair in never.windows(2) {
        let (expired, again) = (pair[0].1, pair[1].0);
        assert!(again >= expired && again <= expired + SimDuration::from_secs(10), "{pair:?}");
    }
    let last = never.last().expect("denied").1;
    assert!(last + SimDuration::from_secs(10) >= t("40m"), "the denials lapse at {last}");
}

/// `serviceName` is optional (k/k PR #130233 marked it so): a set without
/// one runs, its pods get no subdomain and so no DNS names of their own,
/// even beside a headless Service that selects them (a pod's record needs
/// its subdomain to name the Service), and no `service-missing` finding is
/// raised for a Service it never named. The Service's own name still
/// answers the pods' addresses, as its endpoints are the selected pods.
#[test]
fn a_set_without_a_service_name_runs_and_its_pods_have_no_names_of_their_own() {
    let source = r#"Scenario(
        name: "no-service-name",
        seed: 1,
        duration: "3m",
        cluster: (nodePools: [(name: "worker", count: 2)]),
        services: [(name: "web", selector: {"app": "web"})],
        statefulsets: [(name: "web", replicas: 2, template: (labels: {"app": "web"}, image: "nginx:1.25"))],
    )"#;
    let (sim, report) = crate::support::run(source);
    assert_eq!(sim.world.live_pods().filter(|p| p.is_running_and_ready()).count(), 2);
    assert!(sim.world.live_pods().all(|p| p.subdomain.is_empty()));
    assert!(report.dns.iter().all(|row| !row.name.starts_with("web-")), "{:?}", report.dns);
    assert!(report.findings.iter().all(|f| f.id != "service-missing"), "{:?}", report.findings);
    let service = stsim_core::controllers::dns::service_answers(&sim.world, "web.default.svc.cluster.local");
    assert_eq!(service.map(|a| a.len()), Some(2));
    // The same set naming a Service that does not exist is the mistake.
    let named = source.replace("(name: \"web\", replicas", "(name: \"web\", serviceName: \"gone\", replicas");
    let (_, report) = crate::support::run(&named);
    assert!(report.findings.iter().any(|f| f.id == "service-missing"), "{:?}", report.findings);
}

/// The kubelet makes a pod's sandbox and pulls its first container's image
/// in one sync, and writes the status it generated at the start of a sync:
/// the address reaches the API (so the EndpointSlice and DNS) with the
/// first status written after that image check, not when the sandbox is
/// made. A Service that publishes not-ready addresses answers for the pod
/// from then on; the trace records the address when it is written, even
/// where the STATUS column stays (an init container started).
#[test]
fn a_pods_address_reaches_dns_once_the_kubelet_reports_it() {
    use stsim_core::trace::Event;
    let scenario = |init: &str| {
        format!(
            r#"Scenario(
    name: "slow-pull", seed: 1, duration: "2m",
    images: [(name: "big:1", pull: "40s"), (name: "setup:1", pull: "15s", startup: "5s")],
    services: [(name: "db", selector: {{"app": "db"}}, publishNotReadyAddresses: true)],
    statefulsets: [(name: "db", serviceName: "db", replicas: 1,
        template: (labels: {{"app": "db"}}, image: "big:1"{init}))],
)"#
        )
    };
    let statuses = |sim: &stsim_core::Simulation| -> Vec<(stsim_core::time::SimTime, String, bool)> {
        (sim.trace.records.iter())
            .filter_map(|r| match r.event {
                Event::PodStatus { status, ip, .. } => Some((r.at, status.to_string(), ip.is_some())),
                _ => None,
            })
            .collect()
    };
    let (sim, _) = crate::support::run(&scenario(""));
    let record = Log(&sim).dns("db-0.db.default.svc.cluster.local");
    assert_eq!(record[0].0, t("40s"), "published with the status after the 40 s pull: {record:?}");
    assert_eq!(
        statuses(&sim),
        [(t("0s"), "ContainerCreating".into(), false), (t("40s"), "Running".into(), true)],
        "the address comes with the container's start, in one write"
    );

    let (sim, _) = crate::support::run(&scenario(r#", initContainers: [(name: "setup", image: "setup:1")]"#));
    let record = Log(&sim).dns("db-0.db.default.svc.cluster.local");
    assert_eq!(record[0].0, t("15s"), "after the init container's pull: {record:?}");
    assert_eq!(
        statuses(&sim)[..3],
        [
            (t("0s"), "Init:0/1".into(), false),
            (t("15s"), "Init:0/1".into(), true),
            (t("20s"), "PodInitializing".into(), true)
        ]
    );
    let report = stsim_core::report::build(&sim);
    let row = report.timeline.iter().find(|r| r.at_ms == 15_000 && &*r.name == "db-0").expect("a row");
    assert_eq!(&*row.what, "its sandbox's address reported");
    assert_eq!(row.pod.as_ref().and_then(|p| p.ip.as_deref()), Some(record[0].2.as_str()));
}

/// A governing Service with a cluster IP: CoreDNS (kubeadm's) answers the
/// pods' names from the endpoints whatever the Service's type, so a
/// primary/replica set finds its primary; kube-dns names the pods of a
/// headless Service only, so there the members find no one and each
/// starts its own cluster. Both say the Service is not headless, each in
/// its own words.
#[test]
fn a_service_with_a_cluster_ip_names_its_pods_under_coredns_only() {
    let source = |server: &str| {
        format!(
            r#"Scenario(name: "cluster-ip", seed: 1, duration: "5m", {server}
            services: [(name: "pg", clusterIP: "10.96.0.20", selector: {{"app": "pg"}}, ports: [(name: "postgres", port: 5432)])],
            statefulsets: [(name: "pg", app: PrimaryReplica(addressing: Dns), serviceName: "pg", replicas: 3,
                template: (labels: {{"app": "pg"}}, image: "postgres:16", readinessProbe: (initialDelaySeconds: 5)),
                volumeClaimTemplates: [(name: "data", storage: "10Gi")])],
            expect: [
                DnsResolves(name: "pg-0.pg.default.svc.cluster.local", at: "4m", resolves: true),
                AppVerdict(app: "pg", at: "4m", verdict: Healthy),
            ])"#
        )
    };
    let passed = |sim: &stsim_core::Simulation, report: &stsim_core::Report| {
        stsim_core::expect::check(sim, report).iter().map(|e| e.passed).collect::<Vec<_>>()
    };
    let finding = |report: &stsim_core::Report| {
        let f = report.findings.iter().find(|f| f.id == "service-mismatch").expect("the finding");
        (f.summary.clone(), f.explanation.clone())
    };
    for server in ["", "dns: (server: CoreDns),"] {
        let (sim, report) = crate::support::run(&source(server));
        assert_eq!(passed(&sim, &report), [true, true], "{server}");
        let records = Log(&sim).dns("pg-2.pg.default.svc.cluster.local");
        assert!(records.first().is_some_and(|(_, added, _)| *added), "{records:?}");
        let (summary, explanation) = finding(&report);
        assert_eq!(summary, "pg's Service pg is not headless: its pods' names resolve only through CoreDNS");
        assert!(explanation.contains("kube-dns, GKE's default, publishes per-pod records for a headless"));
    }
    let (sim, report) = crate::support::run(&source("dns: (server: KubeDns),"));
    assert_eq!(passed(&sim, &report), [false, false]);
    assert!(sim.world.dns.is_empty(), "no record ever");
    let (summary, _) = finding(&report);
    assert_eq!(summary, "pg's Service pg is not headless: its pods have no DNS names");
    // A headless Service names them under either server.
    let headless =
        source("dns: (server: KubeDns),").replace("clusterIP: \"10.96.0.20\"", "clusterIP: \"None\"");
    let (sim, report) = crate::support::run(&headless);
    assert_eq!(passed(&sim, &report), [true, true]);
    assert!(report.findings.iter().all(|f| f.id != "service-mismatch"));
}

/// One node and a StatefulSet `set` governed by Service `service` (OrderedReady,
/// `setHostnameAsFQDN: true`), run for `duration`.
fn fqdn_scenario(set: &str, service: &str, duration: &str) -> String {
    format!(
        r#"Scenario(
    name: "fqdn",
    duration: "{duration}",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "2s", startup: "3s")],
    services: [(name: "{service}", clusterIP: "None", selector: {{"app": "db"}})],
    statefulsets: [(
        name: "{set}", serviceName: "{service}", replicas: 2,
        template: (labels: {{"app": "db"}}, image: "db:1", setHostnameAsFQDN: true),
    )],
)"#
    )
}

/// The kubelet's `FailedCreatePodSandBox` messages a run recorded, by pod.
fn sandbox_failures(sim: &stsim_core::Simulation) -> Vec<(String, String)> {
    (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::PodSandboxFailed { pod, message } => {
                Some((sim.world.pod(*pod).name.clone(), message.clone()))
            }
            _ => None,
        })
        .collect()
}

/// `GetNodenameForKernel`: with `setHostnameAsFQDN` the kernel hostname is
/// `<hostname>.<subdomain>.<namespace>.svc.<domain>`, and 64 characters
/// fit where 65 do not. `a-0.` (4) + `.default.svc.cluster.local` (26):
/// a Service name of 34 characters makes 64, of 35 makes 65.
#[test]
fn an_fqdn_of_64_characters_starts_and_one_of_65_never_gets_a_sandbox() {
    let fits = "s".repeat(34);
    let (sim, _) = crate::support::run(&fqdn_scenario("a", &fits, "2m"));
    assert!(sandbox_failures(&sim).is_empty());
    assert!(Log(&sim).ready_after("a-1", SimTime::ZERO).is_some(), "both pods come up");

    let long = "s".repeat(35);
    let (sim, report) = crate::support::run(&fqdn_scenario("a", &long, "2m"));
    let fqdn = format!("a-0.{long}.default.svc.cluster.local");
    assert_eq!(
        sandbox_failures(&sim),
        [(
            "a-0".to_string(),
            format!(
                "failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long (64 \
                 characters is the max, 65 characters requested)"
            )
        )],
        "said once: every retry fails the same way"
    );
    let pod = sim.world.pod(sim.world.pod_named("a-0").unwrap());
    assert_eq!(pod.display_status(sim.world.kubectl()), "ContainerCreating");
    assert_eq!(pod.status.pod_ip, None, "no sandbox, no address");
    assert!(sim.world.pod_named("a-1").is_none(), "OrderedReady waits on a-0");
    let finding = report.findings.iter().find(|f| f.id == "pod-sandbox-failed").expect("the finding");
    assert_eq!(finding.subject, "pod/a-0");
    assert!(finding.explanation.contains("65 characters requested"), "{}", finding.explanation);
}

/// Without a subdomain there is no domain to append (`GeneratePodHostNameAndDomain`),
/// so `setHostnameAsFQDN` changes nothing, however long the name.
#[test]
fn an_fqdn_needs_a_subdomain() {
    let name = "p".repeat(63);
    let scenario = |subdomain: &str| {
        format!(
            r#"Scenario(
    name: "bare",
    duration: "1m",
    cluster: (zones: ["zone-a"], nodePools: [(name: "worker", count: 1)]),
    images: [(name: "db:1", pull: "2s", startup: "3s")],
    timeline: [(at: "1s", do: CreatePod(name: "{name}", {subdomain}
        template: (labels: {{"app": "x"}}, image: "db:1", setHostnameAsFQDN: true)))],
)"#
        )
    };
    let (sim, _) = crate::support::run(&scenario(""));
    assert!(sandbox_failures(&sim).is_empty());
    assert!(Log(&sim).ready_after(&name, SimTime::ZERO).is_some());
    let (sim, _) = crate::support::run(&scenario(r#"subdomain: "x","#));
    let fqdn = format!("{name}.x.default.svc.cluster.local");
    let [(_, message)] = sandbox_failures(&sim).try_into().expect("one failure");
    assert!(message.contains(&format!("FQDN {fqdn} is too long")), "{message}");
    assert!(message.contains(&format!("{} characters requested", fqdn.len())), "{message}");
}

/// The kubelet says `FailedCreatePodSandBox` at the first sync and at each
/// retry of the pod worker, 10 to 15 s apart, until the pod is deleted.
#[test]
fn failed_create_pod_sandbox_is_said_at_each_retry_until_the_pod_is_deleted() {
    let source = fqdn_scenario("a", &"s".repeat(40), "10m").replace(
        ",\n)",
        r#",
    timeline: [(at: "3m", do: DeletePod(pod: "a-0")), (at: "3m1s", do: Scale(statefulset: "a", replicas: 0))],
)"#,
    );
    let (sim, _) = crate::support::run(&source);
    // The first a-0 (a second is made at its deletion, and scaled away).
    let a0 = sim.world.pods.iter().find(|p| p.name == "a-0").unwrap().uid;
    let said: Vec<u64> = (stsim_render::events::collect(&sim).into_iter())
        .filter(|e| e.reason == "FailedCreatePodSandBox" && e.involved.uid == a0.0)
        .inspect(|e| {
            assert!(
                e.warning && e.message.starts_with("Failed to create pod sandbox: failed to construct FQDN")
            )
        })
        .map(|e| e.at_ms)
        .collect();
    assert!(said.len() > 10, "{said:?}");
    for pair in said.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((10_000..=15_000).contains(&gap), "{said:?}");
    }
    // The first pod's events stop at its deletion at 3m.
    let after: Vec<_> = (stsim_render::events::collect(&sim).into_iter())
        .filter(|e| e.reason == "FailedCreatePodSandBox" && e.involved.uid == a0.0 && e.at_ms > 180_000)
        .collect();
    assert!(after.is_empty(), "{after:?}");
}

/// What the findings tell of a pod without a sandbox is what mends it.
/// Under `OrderedReady` a mended template waits on the stuck pod
/// (`rollout-stuck` names its sandbox); under `Parallel` the rolling update
/// replaces it, as `pod-sandbox-failed`'s fix says.
#[test]
fn the_findings_on_a_pod_without_a_sandbox_say_what_mends_it() {
    let long = "s".repeat(40);
    let patched = |policy: &str, end: &str| {
        fqdn_scenario("a", &long, end)
            .replace("replicas: 2,", &format!("replicas: 2, podManagementPolicy: {policy},"))
            .replace(
                ",\n)",
                r#",
    timeline: [(at: "2m", do: PatchTemplate(statefulset: "a", template: (setHostnameAsFQDN: false)))],
)"#,
            )
    };
    let (_, report) = crate::support::run(&patched("OrderedReady", "10m"));
    let stuck = report.findings.iter().find(|f| f.id == "rollout-stuck").expect("rollout-stuck");
    assert!(
        stuck.explanation.contains("a-0 cannot start: the kubelet cannot make its sandbox"),
        "{}",
        stuck.explanation
    );
    let failed = report.findings.iter().find(|f| f.id == "pod-sandbox-failed").expect("pod-sandbox-failed");
    assert!(failed.fix.contains("then delete a-0"), "{}", failed.fix);

    // Parallel, before the patch: the fix says the rolling update replaces
    // the pod...
    let (_, report) = crate::support::run(
        &fqdn_scenario("a", &long, "1m")
            .replace("replicas: 2,", "replicas: 2, podManagementPolicy: Parallel,"),
    );
    let failed = report.findings.iter().find(|f| f.id == "pod-sandbox-failed").expect("pod-sandbox-failed");
    assert!(failed.fix.contains("the rolling update replaces a-0"), "{}", failed.fix);
    // ...and so it does, once the template is mended.
    let (sim, report) = crate::support::run(&patched("Parallel", "10m"));
    assert!(report.findings.iter().all(|f| f.id != "pod-sandbox-failed"), "{:?}", report.findings);
    assert!(Log(&sim).ready_after("a-0", t("2m")).is_some());
    assert!(Log(&sim).ready_after("a-1", t("2m")).is_some());
}

/// A headless Service's SRV records give the port each endpoint lists, the
/// Service port's `targetPort` (CoreDNS's `findServices` reads the
/// endpoint's ports), not the Service's own port: a number as it is, a
/// name resolved in each pod's containers (`FindPort`), and a pod without
/// a TCP port of that name is left out of that port's records (the
/// EndpointSlice controller drops the port from its endpoint) while its
/// other records stay.
#[test]
fn srv_records_give_the_endpoints_target_port() {
    use stsim_core::controllers::dns::service_answers;
    let source = r#"Scenario(
        name: "srv-target-port", seed: 1, duration: "2m",
        services: [(name: "web", selector: {"tier": "web"}, ports: [
            (name: "http", port: 80, targetPort: "web"),
            (name: "admin", port: 9000, targetPort: 9090),
            (name: "plain", port: 7000),
        ])],
        statefulsets: [
            (name: "new", serviceName: "web", replicas: 2, podManagementPolicy: Parallel,
             template: (labels: {"tier": "web", "app": "new"}, image: "nginx",
                        ports: [(containerPort: 9100, name: "metrics"), (containerPort: 8080, name: "web")])),
            (name: "old", serviceName: "web", replicas: 1,
             template: (labels: {"tier": "web", "app": "old"}, image: "nginx",
                        ports: [(containerPort: 8080, name: "web", protocol: UDP)])),
        ],
    )"#;
    let (sim, _) = crate::support::run(source);
    let world = &sim.world;
    let srv =
        |port: &str| service_answers(world, &format!("_{port}._tcp.web.default.svc.cluster.local")).unwrap();
    let name = |pod: &str, port: u16| format!("{pod}.web.default.svc.cluster.local:{port}");
    assert_eq!(srv("http"), [name("new-0", 8080), name("new-1", 8080)], "old-0's `web` port is UDP");
    assert_eq!(srv("admin"), [name("new-0", 9090), name("new-1", 9090), name("old-0", 9090)]);
    assert_eq!(srv("plain"), [name("new-0", 7000), name("new-1", 7000), name("old-0", 7000)]);
    assert_eq!(
        service_answers(world, "web.default.svc.cluster.local").unwrap().len(),
        3,
        "all three endpoints"
    );
    // The same Service in manifests, and back out through `export`.
    let config = crate::support::parse(source);
    let ports = &config.services[0].ports;
    assert_eq!(ports[0].target_port, stsim_core::config::TargetPort::Name("web".into()));
    assert_eq!(ports[1].target_port, stsim_core::config::TargetPort::Number(9090));
    assert_eq!(ports[2].target_port, stsim_core::config::TargetPort::Number(7000));
}

/// A `targetPort` or a container port's name that is not a port name
/// (`IsValidPortName`), a `targetPort` out of range, and a name given
/// twice in one container are refused, each at its place.
#[test]
fn bad_port_names_and_target_ports_are_refused() {
    let source = |service_ports: &str, template_ports: &str| {
        format!(
            r#"Scenario(name: "bad-ports", seed: 1, duration: "1m",
                services: [(name: "web", selector: {{"app": "web"}}, ports: [{service_ports}])],
                statefulsets: [(name: "web", serviceName: "web", replicas: 1,
                    template: (labels: {{"app": "web"}}, image: "nginx", ports: [{template_ports}]))],
            )"#
        )
    };
    let errors = |text: String| -> Vec<String> {
        match stsim_scenario::parse_scenario(&text, "bad.ron") {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
        }
    };
    let fine = errors(source(
        r#"(name: "http", port: 80, targetPort: "web")"#,
        r#"(containerPort: 8080, name: "web")"#,
    ));
    assert!(fine.is_empty(), "{fine:?}");
    let defaulted = errors(source(r#"(port: 80, targetPort: 0)"#, ""));
    assert!(defaulted.is_empty(), "0 is the port's own number: {defaulted:?}");
    let bad = errors(source(r#"(port: 80, targetPort: "Web_Port")"#, ""));
    assert!(
        bad.iter().any(|e| e.contains("services[0].ports[0].targetPort") && e.contains("Web_Port")),
        "{bad:?}"
    );
    let big = errors(source(r#"(port: 80, targetPort: 70000)"#, ""));
    assert!(big.iter().any(|e| e.contains("targetPort") && e.contains("65535")), "{big:?}");
    let digits = errors(source(r#"(port: 80)"#, r#"(containerPort: 8080, name: "8080")"#));
    assert!(digits.iter().any(|e| e.contains("at least one letter")), "{digits:?}");
    let twice = errors(source(
        r#"(port: 80)"#,
        r#"(containerPort: 8080, name: "web"), (containerPort: 8081, name: "web")"#,
    ));
    assert!(twice.iter().any(|e| e.contains("ports[1].name") && e.contains("Duplicate value")), "{twice:?}");
}

/// `FindPort` looks in the sidecars' ports too, after the regular
/// containers', and the EndpointSlice controller does from 1.33 (k/k
/// #128850, not backported): before, a `targetPort` only a sidecar names
/// leaves every pod out of the port's SRV records. A name in both is the
/// regular container's port.
#[test]
fn a_target_port_by_name_finds_a_sidecars_port_from_1_33() {
    use stsim_core::controllers::dns::service_answers;
    let source = |release: &str| {
        format!(
            r#"Scenario(
            name: "sidecar-port", seed: 1, duration: "1m", kubernetesVersion: "{release}",
            services: [(name: "web", selector: {{"app": "web"}}, ports: [
                (name: "proxy", port: 443, targetPort: "envoy"),
                (name: "both", port: 80, targetPort: "http"),
            ])],
            statefulsets: [(name: "web", serviceName: "web", replicas: 1,
                template: (labels: {{"app": "web"}}, image: "nginx",
                           ports: [(containerPort: 8080, name: "http")],
                           initContainers: [
                               (name: "setup", image: "busybox", ports: [(containerPort: 7000, name: "envoy")]),
                               (name: "proxy", image: "envoy", restartPolicy: "Always",
                                ports: [(containerPort: 9443, name: "envoy"), (containerPort: 9080, name: "http")]),
                           ]))],
        )"#
        )
    };
    for (release, proxy) in
        [("1.32", vec![]), ("1.33", vec!["web-0.web.default.svc.cluster.local:9443".to_string()])]
    {
        let (sim, _) = crate::support::run(&source(release));
        let srv =
            |port: &str| service_answers(&sim.world, &format!("_{port}._tcp.web.default.svc.cluster.local"));
        assert_eq!(
            srv("proxy"),
            Some(proxy),
            "{release}: only the sidecar names `envoy` (not the plain init container)"
        );
        assert_eq!(
            srv("both"),
            Some(vec!["web-0.web.default.svc.cluster.local:8080".to_string()]),
            "{release}"
        );
    }
    // Written out and read back, the sidecar keeps its ports.
    let config = crate::support::parse(&source("1.33"));
    let objects = stsim_scenario::export::objects(&config);
    let text: Vec<String> = objects.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), text.join("\n---\n"))], "start").unwrap();
    let named = |c: &stsim_core::Config| c.statefulsets[0].spec.template.named_ports.clone();
    assert_eq!(named(&back.config), named(&config));
    assert_eq!(named(&config).iter().filter(|p| p.sidecar).count(), 2);
}

/// `srv-target-port-mismatch`: the SRV name answers nothing while the
/// Service's `targetPort` names no container port, and the patch that
/// mends it is told with its target (`name:port->target`), which a port
/// whose target is its own number does not show.
#[test]
fn a_mended_target_port_is_told_with_its_target() {
    let (sim, _) = run_file("srv-target-port-mismatch");
    let scripts: Vec<&str> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::Script { description, .. } => Some(description.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(scripts, ["kubectl patch service etcd: ports [etcd-server:2380->server]"]);
    let answers = answers_over_time(&sim, "_etcd-server._tcp.etcd.default.svc.cluster.local");
    assert!(answers.iter().filter(|(at, _)| *at < t("2m")).all(|(_, a)| a.is_empty()), "{answers:?}");
    assert_eq!(answers.last().map(|(_, a)| a.len()), Some(3), "{answers:?}");
}
