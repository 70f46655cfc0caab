//! Retention, reclaim and cost end to end: which claims survive each
//! action, which volumes are orphaned and why, and what they cost, checked
//! against hand calculations in integer micro-dollars.

use crate::support::{Log, run, run_file, t};
use stsim_core::objects::PodPhase;
use stsim_core::pricing::Money;
use stsim_core::time::SimTime;

/// A month of 730 hours in milliseconds, and 10 GiB of gp3 per month.
const MONTH_MS: u64 = 730 * 3_600_000;
const GP3_10GI: u64 = 800_000;

fn claim_names(sim: &stsim_core::Simulation) -> Vec<String> {
    sim.world.live_pvcs().map(|c| c.name.clone()).collect()
}

/// The article's case: 3 -> 2 keeps data-redis-2, which costs $0.80 a month.
#[test]
fn scale_down_orphans_the_claim_and_its_cost_is_exact() {
    let (sim, report) = run_file("scale-down-orphans-volume");
    assert_eq!(claim_names(&sim), ["data-redis-0", "data-redis-1", "data-redis-2"], "nothing is deleted");
    let storage = &report.storage;
    assert_eq!(storage.orphaned.len(), 1);
    let orphan = &storage.orphaned[0];
    assert_eq!(orphan.kind, "UnmountedPVC");
    assert_eq!(orphan.pvc.as_deref(), Some("data-redis-2"));
    assert_eq!(orphan.size_bytes, 10 << 30);
    assert_eq!(orphan.monthly, Money(GP3_10GI), "10 GiB x $0.08");
    // Orphaned from the moment redis-2 is gone: scaled at 10m, exits 1 s later.
    let since = Log(&sim).removals("redis-2")[0];
    assert_eq!(since, t("10m1s"));
    assert_eq!(orphan.orphaned_since_ms, since.as_millis());
    // 800,000 x (730 h - 10m1s) / 730 h, rounded down: 799,817.047...
    let orphaned_ms = MONTH_MS - 601_000;
    assert_eq!(orphaned_ms, 2_627_399_000);
    assert_eq!(orphan.accrued_while_orphaned, Money(799_817));
    assert_eq!(storage.orphaned_monthly, Money(GP3_10GI));
    assert_eq!(
        orphan.why,
        "redis has 2 replicas, so no pod redis-2 exists; a scale-up to 3 replicas would mount it again"
    );
    assert_eq!(orphan.cleanup, "kubectl delete pvc data-redis-2");
    // Every volume accrues from its provisioning to the end of the run.
    let accrued: Vec<u64> = storage.volumes.iter().map(|v| v.accrued.micro_dollars()).collect();
    let created: Vec<u64> = storage.volumes.iter().map(|v| v.created_ms).collect();
    let expected: Vec<u64> = created.iter().map(|c| GP3_10GI * (MONTH_MS - c) / MONTH_MS).collect();
    assert_eq!(accrued, expected);
    assert_eq!(storage.total_accrued.micro_dollars(), expected.iter().sum::<u64>());
    assert_eq!(storage.per_statefulset[0].monthly, Money(3 * GP3_10GI));
    let finding = report.findings.iter().find(|f| f.id == "orphaned-volumes").expect("a finding");
    assert!(finding.summary.contains("$0.80 per month"));
    // A provisioned volume is served with its provisioner's mark.
    let served = stsim_core::kube::pv(&sim.world, &sim.world.pvs[0]);
    assert_eq!(served["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"], "ebs.csi.aws.com");
}

/// A claim is marked orphaned and in use again by stsim's cost report, not
/// by a Kubernetes component (none marks it; the PV controller does nothing
/// on a scale-down), and the reason says a scale-up mounts the claim again,
/// as it does. A claim left below a raised `ordinals.start` says so.
#[test]
fn orphaned_claims_are_the_cost_reports_words_and_a_scale_up_mounts_them_again() {
    let (sim, _) = run(r#"Scenario(
        name: "orphan-words", seed: 1, duration: "12m",
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        statefulsets: [(name: "redis", serviceName: "redis-svc", replicas: 3,
            template: (labels: {"app": "redis"}, image: "redis:7.2"),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
        timeline: [
            (at: "3m", do: Scale(statefulset: "redis", replicas: 1)),
            (at: "6m", do: Scale(statefulset: "redis", replicas: 3)),
            (at: "9m", do: UpdateStatefulSet(statefulset: "redis", ordinals: (start: 1), replicas: 2)),
        ],
    )"#);
    use stsim_core::trace::{Event, actor_name};
    let marks: Vec<(String, &Event)> = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::PvcOrphaned { .. } | Event::PvcInUse { .. }))
        .map(|r| (actor_name(&sim.world, r.actor), &r.event))
        .collect();
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|(actor, _)| actor == "stsim-cost"), "{marks:#?}");
    let story: Vec<(String, String)> = stsim_core::story::tell(&sim)
        .into_iter()
        .filter(|l| l.text.starts_with("Claim data-redis-") && !l.text.contains("created"))
        .map(|l| (l.who, l.text))
        .collect();
    let said = |text: &str| story.iter().any(|(who, t)| who == "the stsim cost report" && t == text);
    for text in [
        "Claim data-redis-1 is unused and still billed: redis has 1 replica, so no pod redis-1 exists; \
         a scale-up to 2 replicas would mount it again.",
        "Claim data-redis-2 is unused and still billed: redis has 1 replica, so no pod redis-2 exists; \
         a scale-up to 3 replicas would mount it again.",
        "Claim data-redis-1 is in use again, so no longer counted as orphaned.",
        "Claim data-redis-2 is in use again, so no longer counted as orphaned.",
        "Claim data-redis-0 is unused and still billed: redis's ordinals start at 1, so no pod redis-0 \
         exists; ordinals that include 0 again would mount it.",
    ] {
        assert!(said(text), "no {text:?} in {story:#?}");
    }
}

/// whenScaled: Delete: the claim goes with the pod (after it), nothing is
/// orphaned, and scaling up again makes a new, empty claim.
#[test]
fn when_scaled_delete_deletes_the_claim_and_scale_up_starts_empty() {
    let (sim, report) = run_file("scale-down-when-scaled-delete");
    assert!(report.storage.orphaned.is_empty());
    let incarnations: Vec<_> = sim.world.pvcs.iter().filter(|c| c.name == "data-redis-2").collect();
    assert_eq!(incarnations.len(), 2);
    let removed = incarnations[0].removed_at.expect("deleted on scale-down");
    assert_eq!(removed, Log(&sim).removals("redis-2")[0], "deleted once its pod is gone, not before");
    assert_eq!(incarnations[1].created_at, t("1h"));
    assert_ne!(incarnations[0].volume, incarnations[1].volume, "a new volume");
    // The old volume was released with its claim (reclaim Delete), and its
    // disk deleted once detached: the provisioner's delete fails on an
    // attached disk, and its retries (1 s, 2 s, 4 s, 8 s, 16 s after the
    // first) find it detached at the fifth (the kubelet reports the volume
    // unmounted at its next 10 s status sync; the detach takes 10 s).
    let old = sim.world.pv(incarnations[0].volume.unwrap());
    assert_eq!(old.released_at, Some(removed));
    assert_eq!(old.removed_at, Some(removed + stsim_core::time::SimDuration::from_secs(31)));
    assert!(old.attachments.is_empty());
    assert!(sim.world.nodes.iter().all(|n| !n.attached.contains(&old.id)), "no node keeps it attached");
    let finding = report.findings.iter().find(|f| f.id == "volume-data-deleted").expect("a finding");
    assert_eq!(finding.subject, "pvc/data-redis-2");
}

/// Scaled down and straight back up under whenScaled: Delete: the pod's
/// claim is stale when the controller wants the pod again, the sync stops
/// without an error, and the claim's deletion wakes nothing. The set stays
/// a pod short until the informer's resync, which comes between
/// `minResyncPeriod` and twice that after the start, and then every such
/// period; a run that ends before it says why (`pod-not-recreated`).
#[test]
fn a_stale_claim_stops_the_set_until_the_informer_resyncs() {
    let source = crate::support::scenario_file("scale-bounce-stale-claim");
    let (source, _) = source.split_once("    expect: [").unwrap();
    let with = |period: &str, duration: &str, seed: u64| {
        let source = source
            .replace(r#"duration: "1d""#, &format!(r#"duration: "{duration}""#))
            .replace("seed: 7,", &format!("seed: {seed},\n    timings: (minResyncPeriod: \"{period}\"),"));
        run(&format!("{source})"))
    };
    for seed in [1, 2, 3, 4] {
        let (sim, report) = with("1h", "3h", seed);
        let incarnations: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "pg-2").collect();
        assert_eq!(incarnations.len(), 2, "seed {seed}: made again");
        let gone = Log(&sim).removals("pg-2")[0];
        assert_eq!(gone, t("10m8s"));
        let again = incarnations[1].created_at;
        // The first resync is the period itself, in [1h, 2h).
        assert!(again >= t("1h") && again < t("2h"), "seed {seed}: made again at {again:?}");
        assert!(report.findings.iter().all(|f| f.id != "pod-not-recreated"), "rescued");
        let resyncs: Vec<SimTime> = sim
            .trace
            .records
            .iter()
            .filter(|r| matches!(r.event, stsim_core::trace::Event::StatefulSetResync { .. }))
            .map(|r| r.at)
            .collect();
        assert_eq!(resyncs, [again], "seed {seed}: recorded once, for the set it rescued, when it did");
        let rendered = sim.trace.render(&sim.world);
        let claim_stale = rendered.lines().find(|l| l.contains("\tclaim-stale\t")).expect("recorded");
        assert_eq!(
            claim_stale,
            "10m8s\tstatefulset-controller\tstatefulset/pg\tclaim-stale\tclaim=data-pg-2 owner=Pod/pg-2"
        );
    }
    // Ended before the resync: one finding, since the sync that stopped.
    let (sim, report) = with("12h", "2h", 7);
    assert_eq!(sim.world.pods.iter().filter(|p| p.name == "pg-2").count(), 1, "not made again");
    let finding = report.findings.iter().find(|f| f.id == "pod-not-recreated").expect("a finding");
    assert_eq!((finding.subject.as_str(), finding.since_ms), ("statefulset/pg", t("10m8s").as_millis()));
    assert!(finding.explanation.contains("The claim has been deleted since"), "{}", finding.explanation);
    // The same bounce without the retention policy's Delete: no stale claim.
    let retain = source
        .replace("whenScaled: Delete", "whenScaled: Retain")
        .replace(r#"duration: "1d""#, r#"duration: "1h""#);
    let (sim, report) = run(&format!("{retain})"));
    assert_eq!(sim.world.pods.iter().filter(|p| p.name == "pg-2").count(), 2, "made again at once");
    assert!(report.findings.iter().all(|f| f.id != "pod-not-recreated"));
}

/// A resync of a set with nothing to do changes nothing and records
/// nothing: three days of a quiet set give the trace of the same run
/// without resyncs (a period longer than the run).
#[test]
fn resyncs_of_a_quiet_set_record_nothing() {
    let source = crate::support::scenario_file("scale-down-when-scaled-delete")
        .replace(r#"duration: "2h""#, r#"duration: "3d""#);
    let (sim, _) = run(&source);
    let never = source.replace("seed: 7,", "seed: 7, timings: (minResyncPeriod: \"1000h\"),");
    let (quiet, _) = run(&never);
    assert!(sim.events > quiet.events, "the resyncs ran");
    assert_eq!(sim.trace.render(&sim.world), quiet.trace.render(&quiet.world));
}

/// A run that ends while a Delete volume waits to be detached shows it
/// Released and billed, with nothing to clean up: it is no Retain
/// volume's `released-volumes` finding, and its provisioner deletes it.
#[test]
fn a_delete_volume_waiting_for_its_detach_is_no_retained_volume() {
    let source = crate::support::scenario_file("scale-down-when-scaled-delete")
        .replace(r#"duration: "2h""#, r#"duration: "10m10s""#)
        .replace(r#"        (at: "1h", do: Scale(statefulset: "redis", replicas: 3)),"#, "");
    let (source, _) = source.split_once("    expect: [").unwrap();
    let (sim, report) = run(&format!("{source})"));
    assert!(report.findings.iter().all(|f| f.id != "released-volumes"), "{:?}", report.findings);
    let waiting = report.storage.orphaned.iter().find(|o| o.kind == "ReleasedPV").expect("listed");
    assert!(waiting.why.contains("reclaimPolicy Delete deletes the disk, but not while it is attached"));
    assert!(waiting.cleanup.starts_with("# "), "no command: {}", waiting.cleanup);
    let volume = sim.world.pvs.iter().find(|pv| pv.name == waiting.pv).unwrap();
    assert!(volume.removed_at.is_none() && !volume.attachments.is_empty());
}

/// whenDeleted: Delete takes the claims along (after the pods); Retain leaves them.
#[test]
fn deleting_a_statefulset_follows_when_deleted() {
    let (sim, report) = run_file("delete-statefulset-retention");
    assert_eq!(claim_names(&sim), ["pgdata-db-0", "pgdata-db-1"]);
    assert_eq!(sim.world.live_pods().count(), 0, "the garbage collector deleted every pod");
    for claim in sim.world.pvcs.iter().filter(|c| c.name.starts_with("data-cache")) {
        let pod = claim.name.trim_start_matches("data-");
        assert_eq!(claim.removed_at.unwrap(), Log(&sim).removals(pod)[0], "{} waits for its pod", claim.name);
    }
    let orphaned: Vec<&str> = report.storage.orphaned.iter().filter_map(|o| o.pvc.as_deref()).collect();
    assert_eq!(orphaned, ["pgdata-db-0", "pgdata-db-1"]);
    assert_eq!(report.storage.orphaned_monthly, Money(2 * 4_000_000), "2 x 50 GiB x $0.08");
    assert!(report.storage.orphaned[0].why.contains("db was deleted"));
}

/// --cascade=orphan leaves the pods; one deleted later is not replaced.
#[test]
fn orphan_cascade_leaves_pods_running_unmanaged() {
    let (sim, report) = run_file("delete-statefulset-orphan-cascade");
    let pods: Vec<_> = sim.world.live_pods().collect();
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0].name, "db-0");
    assert!(pods[0].owner.is_none() && pods[0].status.ready);
    assert_eq!(Log(&sim).creations().len(), 2, "db-1 was never re-created");
    assert_eq!(claim_names(&sim), ["data-db-0", "data-db-1"]);
    let orphaned: Vec<&str> = report.storage.orphaned.iter().filter_map(|o| o.pvc.as_deref()).collect();
    assert_eq!(orphaned, ["data-db-1"], "data-db-0 is still in use");
    assert!(report.storage.orphaned[0].orphaned_since_ms > t("20m").as_millis());
}

/// Renaming makes new claims for every pod and orphans the old ones.
#[test]
fn renaming_orphans_every_old_claim() {
    let (sim, report) = run_file("rename-statefulset");
    let mut claims = claim_names(&sim);
    claims.sort();
    assert_eq!(
        claims,
        [
            "data-redis-0",
            "data-redis-1",
            "data-redis-2",
            "data-redis-v2-0",
            "data-redis-v2-1",
            "data-redis-v2-2"
        ]
    );
    let orphaned: Vec<&str> = report.storage.orphaned.iter().filter_map(|o| o.pvc.as_deref()).collect();
    assert_eq!(orphaned, ["data-redis-0", "data-redis-1", "data-redis-2"]);
    assert!(report.storage.orphaned[0].why.contains("renamed to redis-v2"));
    assert!(report.storage.orphaned[0].why.contains("data-redis-v2-0"));
    let pods: Vec<&str> = report.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pods, ["redis-v2-0", "redis-v2-1", "redis-v2-2"]);
    assert!(report.pods.iter().all(|p| p.state.ready == "1/1"));
}

/// reclaimPolicy Retain leaves a Released PV that keeps billing; a claim
/// in use is held by pvc-protection.
#[test]
fn retain_leaves_a_released_volume_and_protection_holds_claims_in_use() {
    let (sim, report) = run_file("retain-reclaim-released");
    let released = report.storage.orphaned.iter().find(|o| o.kind == "ReleasedPV").expect("a Released PV");
    assert_eq!(released.orphaned_since_ms, t("20m").as_millis());
    assert!(released.cleanup.starts_with("kubectl delete pv pvc-"));
    let pv = sim.world.pvs.iter().find(|pv| pv.name == released.pv).unwrap();
    assert!(pv.removed_at.is_none());
    assert_eq!(pv.phase, stsim_core::objects::PvPhase::Released);
    // Orphaned as a claim from 10m1s to 20m, then Released to 1h: one span of billing.
    let ms = (t("1h").as_millis() - t("10m1s").as_millis()) as u128;
    assert_eq!(
        released.accrued_while_orphaned,
        Money((u128::from(GP3_10GI) * ms / u128::from(MONTH_MS)) as u64)
    );
    let held = sim.world.live_pvcs().find(|c| c.name == "data-redis-0").expect("still there");
    assert_eq!(held.deletion_timestamp, Some(t("30m")));
    let row = report.pvcs.iter().find(|c| c.name == "data-redis-0").unwrap();
    assert_eq!(row.status, "Terminating");
}

/// Prices come from presets by name or provisioner, or from the file; a
/// class with no price for an unknown provisioner is an error.
#[test]
fn storage_classes_are_priced_from_presets_or_the_file() {
    let scenario = |classes: &str| {
        format!(
            r#"Scenario(name: "p", cluster: (storageClasses: [{classes}]),
            services: [(name: "s", selector: {{"app": "a"}})],
            statefulsets: [(name: "a", serviceName: "s", template: (labels: {{"app": "a"}}, image: "x"),
                volumeClaimTemplates: [(name: "d", storage: "100Gi")])])"#
        )
    };
    let monthly = |classes: &str| {
        let (_, report) = run(&scenario(classes));
        report.storage.volumes[0].monthly
    };
    assert_eq!(monthly(r#"(name: "ssd", pricing: "gcp-pd-ssd", default: true)"#), Money(17_000_000));
    assert_eq!(
        monthly(r#"(name: "d", provisioner: "pd.csi.storage.gke.io", default: true)"#),
        Money(10_000_000)
    );
    assert_eq!(monthly(r#"(name: "p", pricing: "azure-premium-ssd", default: true)"#), Money(19_710_000));
    assert_eq!(
        monthly(r#"(name: "c", provisioner: "x.example.com", usdPerGibMonth: 0.05, default: true)"#),
        Money(5_000_000)
    );
    // gp3 with 6,000 IOPS: 3,000 above the included at $0.005.
    assert_eq!(
        monthly(r#"(name: "g", pricing: "aws-gp3", iops: 6000, default: true)"#),
        Money(8_000_000 + 15_000_000)
    );
    for bad in [
        r#"(name: "c", pricing: "aws-gp9", default: true)"#,
        r#"(name: "c", provisioner: "x.example.com", default: true)"#,
    ] {
        let errors = stsim_scenario::parse_scenario(&scenario(bad), "p.ron").expect_err("no price");
        assert!(
            errors[0].message.contains("preset") || errors[0].message.contains("no price"),
            "{:?}",
            errors[0]
        );
    }
}

/// The claim and volume of `name` in `sim`, if the claim exists: (phase,
/// volume name).
fn claim_volume(sim: &stsim_core::Simulation, name: &str) -> Option<(String, Option<String>)> {
    let claim = sim.world.pvc(sim.world.pvc_named(name)?);
    Some((format!("{:?}", claim.phase), claim.volume.map(|v| sim.world.pv(v).name.clone())))
}

const STATIC: &str = r#"Scenario(
    name: "static",
    duration: "5m",
    services: [(name: "web", selector: {"app": "web"})],
    persistentVolumes: [
        (name: "big", storage: "50Gi", accessModes: [ReadWriteOnce, ReadOnlyMany]),
        (name: "small", storage: "5Gi"),
        (name: "fits", storage: "10Gi"),
        (name: "fits-too", storage: "10Gi"),
        (name: "other-class", storage: "10Gi", storageClassName: "manual"),
        (name: "kept", storage: "20Gi", storageClassName: "gp3", zone: "us-east-1b", claimRef: (name: "data-web-0")),
    ],
    persistentVolumeClaims: [
        (name: "scratch", storage: "8Gi", storageClassName: ""),
        (name: "shared", storage: "8Gi", storageClassName: "", accessModes: [ReadOnlyMany]),
        (name: "manual", storage: "1Gi", storageClassName: "manual"),
        (name: "none-left", storage: "8Gi", storageClassName: ""),
        (name: "missing", storage: "1Gi", volumeName: "no-such-volume"),
    ],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: 2,
        template: (labels: {"app": "web"}, image: "nginx"),
        volumeClaimTemplates: [(name: "data", storage: "10Gi")],
    )],
)"#;

/// The PV controller's static binding (`FindMatchingVolume`): a claim of no
/// class gets the smallest Available volume of no class that holds its
/// request and offers its access modes; classes must match by name; a
/// volume kept for a claim (claimRef without uid) goes to that claim and
/// pins its pod to the volume's zone; a claim naming a missing volume waits.
#[test]
fn pre_existing_volumes_bind_as_the_pv_controller_matches_them() {
    let (sim, report) = run(STATIC);
    // The cost table tells each volume's phase, an unclaimed one Available.
    let phases: Vec<(String, String)> =
        sim.world.pvs.iter().map(|pv| (pv.name.clone(), format!("{:?}", pv.phase))).collect();
    let statuses: Vec<(String, String)> =
        report.storage.volumes.iter().map(|v| (v.pv.clone(), v.status.clone())).collect();
    assert_eq!(statuses, phases);
    assert!(phases.iter().any(|(_, phase)| phase == "Available"), "{phases:?}");
    let bound = |name: &str| claim_volume(&sim, name).unwrap();
    assert_eq!(
        bound("scratch"),
        ("Bound".into(), Some("fits".into())),
        "the smallest that fits, the older of a tie"
    );
    assert_eq!(bound("shared"), ("Bound".into(), Some("big".into())), "only big offers ReadOnlyMany");
    assert_eq!(
        bound("manual"),
        ("Bound".into(), Some("other-class".into())),
        "a class with no object still matches by name"
    );
    assert_eq!(bound("none-left"), ("Bound".into(), Some("fits-too".into())));
    assert_eq!(bound("missing"), ("Pending".into(), None));
    // The StatefulSet's first claim gets the volume kept for it, and its
    // pod runs in that volume's zone; the second is provisioned.
    assert_eq!(bound("data-web-0"), ("Bound".into(), Some("kept".into())));
    let web0 = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!(sim.world.node(web0.node.unwrap()).zone, "us-east-1b");
    let (phase, volume) = bound("data-web-1");
    assert_eq!(phase, "Bound");
    assert!(volume.unwrap().starts_with("pvc-"), "a new volume is provisioned");
    // Without the claimRef, `kept` is just an Available gp3 volume, and the
    // WaitForFirstConsumer claim takes it only on a node of its zone.
    let (sim, _) = run(&STATIC.replace(r#", claimRef: (name: "data-web-0")"#, ""));
    let web0 = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    let zone = &sim.world.node(web0.node.unwrap()).zone;
    let expected = if zone == "us-east-1b" { Some("kept".to_string()) } else { None };
    let got = claim_volume(&sim, "data-web-0").unwrap().1.filter(|v| v == "kept");
    assert_eq!(got, expected, "web-0 ran in {zone}");
}

/// A volume whose claimRef holds another uid is Released: it binds no claim
/// of that name, and costs money from the start.
#[test]
fn a_released_volume_binds_no_new_claim_and_is_billed() {
    let (sim, report) = run_file("reinstall-with-kept-volumes");
    assert_eq!(claim_volume(&sim, "data-redis-0").unwrap().1.as_deref(), Some("pv-data-redis-0"));
    assert_eq!(claim_volume(&sim, "data-redis-2").unwrap(), ("Pending".into(), None));
    let claim = sim.world.pvc(sim.world.pvc_named("data-redis-2").unwrap());
    let (reason, message) = claim.waiting.clone().unwrap();
    assert_eq!(reason, "FailedBinding");
    assert_eq!(message, "volume \"pv-data-redis-1\" already bound to a different claim.");
    let released = report.storage.volumes.iter().find(|v| v.pv == "pv-data-redis-1").unwrap();
    assert_eq!(released.accrued.micro_dollars(), GP3_10GI * 600_000 / MONTH_MS, "10 minutes of 10Gi gp3");
    // The same claim with the uid the volume holds gets it back.
    let same = crate::support::scenario_file("reinstall-with-kept-volumes").replace(
        r#"(name: "data-redis-2", storage: "10Gi", volumeName: "pv-data-redis-1"),"#,
        r#"(name: "data-redis-1", uid: "4f00aa11-0000-4000-8000-000000000000", storage: "10Gi"),"#,
    );
    let (sim, _) = run(&same);
    assert_eq!(claim_volume(&sim, "data-redis-1").unwrap().1.as_deref(), Some("pv-data-redis-1"));
    let redis1 = sim.world.pod(sim.world.pod_named("redis-1").unwrap());
    assert_eq!(sim.world.node(redis1.node.unwrap()).zone, "us-east-1a");
}

/// `processReplica` re-creates the claims of a pending pod each sync
/// (`createMissingPersistentVolumeClaims`), however the claim went: at
/// once when nothing holds it (the pod was never scheduled), or once its
/// finalizer lets a claim being deleted go. The controller skips the
/// lookups while no claim has been lost since it last found them all, so
/// this fails if a loss went uncounted.
#[test]
fn a_pending_pods_claim_is_made_again_however_it_went() {
    let source = |deleted: &str, later: &str| {
        format!(
            r#"Scenario(
    name: "pending-claims",
    seed: 1,
    duration: "10m",
    cluster: (
        nodePools: [(name: "small", count: 1, cpu: "1", memory: "1Gi")],
        storageClasses: [(name: "ebs", volumeBindingMode: WaitForFirstConsumer, default: true)],
    ),
    statefulsets: [(
        name: "db",
        serviceName: "db",
        replicas: 1,
        template: (labels: {{"app": "db"}}, image: "postgres:16", resources: (requests: (cpu: "2"))),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
    services: [(name: "db", clusterIP: "None", selector: {{"app": "db"}})],
    timeline: [
        {deleted}
        (at: "3m", do: PatchPod(pod: "db-0", labels: {{"poke": "1"}})),
        {later}
        (at: "6m", do: PatchPod(pod: "db-0", labels: {{"poke": "2"}})),
    ],
)"#
        )
    };
    let claims = |sim: &stsim_core::Simulation| -> Vec<(SimTime, Option<SimTime>)> {
        sim.world
            .pvcs
            .iter()
            .filter(|c| c.name == "data-db-0")
            .map(|c| (c.created_at, c.removed_at))
            .collect()
    };
    // Gone at once: the next sync (the patch at 3m) makes it again.
    let (sim, _) = run(&source(r#"(at: "2m", do: DeletePvc(pvc: "data-db-0")),"#, ""));
    assert_eq!(sim.world.pod_named("db-0").map(|p| sim.world.pod(p).status.phase), Some(PodPhase::Pending));
    assert_eq!(claims(&sim), [(t("0s"), Some(t("2m"))), (t("3m"), None)]);
    // Held by a finalizer: Terminating at 2m, so the sync at 3m cannot
    // make it (an error, retried with back-off); gone at 5m, made again by
    // the first sync after.
    let (sim, _) = run(&source(
        r#"(at: "1m", do: PatchPvc(pvc: "data-db-0", finalizers: ["example.com/keep"])),
        (at: "2m", do: DeletePvc(pvc: "data-db-0")),"#,
        r#"(at: "5m", do: PatchPvc(pvc: "data-db-0", finalizers: [])),"#,
    ));
    let made = claims(&sim);
    assert_eq!(made.len(), 2, "{made:?}");
    assert_eq!(made[0], (t("0s"), Some(t("5m"))));
    assert!(made[1].0 > t("5m") && made[1].0 <= t("6m") && made[1].1.is_none(), "{made:?}");
}

/// A retention policy turned back to Retain drops the references it had
/// given the claims (`updateClaimOwnerRefForSetAndPod` at the next sync),
/// so deleting the set afterwards leaves the claims: the garbage
/// collector has nothing that says they are the set's.
#[test]
fn a_policy_turned_back_to_retain_releases_the_claims() {
    let scenario = |patch: &str| {
        format!(
            r#"Scenario(
    name: "retention-back",
    duration: "10m",
    services: [(name: "db", selector: {{"app": "db"}})],
    statefulsets: [(
        name: "db",
        serviceName: "db",
        replicas: 2,
        template: (labels: {{"app": "db"}}, image: "postgres"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
        persistentVolumeClaimRetentionPolicy: (whenDeleted: Delete),
    )],
    timeline: [
        {patch}
        (at: "4m", do: DeleteStatefulSet(statefulset: "db")),
    ],
)"#
        )
    };
    let claims_left = |patch: &str| {
        let (sim, _) = run(&scenario(patch));
        let mut names: Vec<String> = sim.world.live_pvcs().map(|c| c.name.clone()).collect();
        names.sort();
        let owned = sim.world.live_pvcs().any(|c| !c.owner_refs.is_empty());
        (names, owned)
    };
    // Kept Delete: the claims go with the set.
    assert_eq!(claims_left(""), (Vec::<String>::new(), false));
    let back = r#"(at: "2m", do: UpdateStatefulSet(statefulset: "db", persistentVolumeClaimRetentionPolicy: (whenDeleted: Retain, whenScaled: Retain))),"#;
    assert_eq!(claims_left(back), (vec!["data-db-0".to_string(), "data-db-1".to_string()], false));
}

/// Static local volumes of a `kubernetes.io/no-provisioner` class
/// (`storageClassName: local-storage`, each pinned to one node), and a set
/// of `replicas` pods asking for them.
fn no_provisioner(binding: &str, replicas: u32) -> String {
    format!(
        r#"Scenario(
    name: "no-provisioner",
    seed: 3,
    duration: "3m",
    cluster: (
        zones: ["zone-a"],
        nodePools: [(name: "worker", count: 4, cpu: "4", memory: "16Gi")],
        storageClasses: [(name: "local-storage", provisioner: "kubernetes.io/no-provisioner",
            volumeBindingMode: {binding}, local: true, zonal: false)],
    ),
    persistentVolumes: [
        (name: "local-pv-a", storage: "10Gi", storageClassName: "local-storage", node: "worker-2"),
        (name: "local-pv-b", storage: "10Gi", storageClassName: "local-storage", node: "worker-4"),
    ],
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: {replicas},
        podManagementPolicy: Parallel,
        template: (labels: {{"app": "web"}}, image: "nginx"),
        volumeClaimTemplates: [(name: "www", storage: "10Gi", storageClassName: "local-storage")],
    )],
)"#
    )
}

/// A class of `kubernetes.io/no-provisioner` makes no volume: the
/// scheduler's VolumeBinding admits only nodes holding a volume that fits
/// each claim (`checkVolumeProvisions` refuses the provisioner), so the
/// pods go to worker-2 and worker-4 whatever the scores say, and a third
/// pod, with no volume left, waits with `ErrReasonBindConflict` on every
/// node. An Immediate claim of such a class waits with the PV controller's
/// `ProvisioningFailed` (`findProvisionablePlugin`).
#[test]
fn a_class_without_a_provisioner_binds_only_the_volumes_made_beforehand() {
    let (sim, report) = run(&no_provisioner("WaitForFirstConsumer", 3));
    let fix = |report: &stsim_core::report::Report| {
        report
            .findings
            .iter()
            .find(|f| f.id == "pod-unschedulable")
            .map(|f| f.fix.clone())
            .unwrap_or_default()
    };
    assert!(fix(&report).contains("(kubernetes.io/no-provisioner) makes no volume"), "{}", fix(&report));
    let mut placed: Vec<(String, String)> = ["www-web-0", "www-web-1", "www-web-2"]
        .iter()
        .filter_map(|claim| {
            let (_, volume) = claim_volume(&sim, claim)?;
            let pod = sim.world.pod(sim.world.pod_named(&claim.replace("www-", ""))?);
            Some((volume?, sim.world.node(pod.node?).name.clone()))
        })
        .collect();
    placed.sort();
    assert_eq!(
        placed,
        [("local-pv-a".into(), "worker-2".into()), ("local-pv-b".into(), "worker-4".into())],
        "each bound pod runs on its volume's node"
    );
    assert_eq!(sim.world.pvs.len(), 2, "nothing is provisioned");
    // The story says so too: existing volumes are bound, none is provisioned.
    let story: Vec<String> = stsim_core::story::tell(&sim).into_iter().map(|l| l.text).collect();
    let bound: Vec<&String> = story.iter().filter(|t| t.contains("bound to claim")).collect();
    assert_eq!(bound.len(), 2, "{story:#?}");
    assert!(bound.iter().all(|t| t.starts_with("The existing 10 GiB volume local-pv-")), "{bound:?}");
    let waiting: Vec<&Box<stsim_core::objects::Pod>> =
        sim.world.pods.iter().filter(|p| p.exists() && p.node.is_none()).collect();
    assert_eq!(waiting.len(), 1, "one pod has no volume left");
    let message = waiting[0].status.unschedulable.clone().unwrap_or_default();
    assert!(
        message.starts_with(
            "0/4 nodes are available: 4 node(s) didn't find available persistent volumes to bind."
        ),
        "{message}"
    );
    // Immediate: the claims bind the two volumes at once, the third waits.
    let (sim, report) = run(&no_provisioner("Immediate", 3));
    assert!(fix(&report).contains("makes no volume (kubernetes.io/no-provisioner)"), "{}", fix(&report));
    assert_eq!(sim.world.pvs.len(), 2, "nothing is provisioned");
    let pending: Vec<_> = sim.world.live_pvcs().filter(|c| c.volume.is_none()).collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].waiting,
        Some((
            "ProvisioningFailed",
            "no volume plugin matched name: kubernetes.io/no-provisioner".to_string()
        ))
    );
}

/// Five released volumes under `Delete`, each made another way, their
/// claims deleted at 1m, on release `version`.
fn made_by_hand(version: &str) -> String {
    format!(
        r#"Scenario(
    name: "made-by-hand",
    seed: 1,
    duration: "3m",
    kubernetesVersion: "{version}",
    persistentVolumes: [
        (name: "provisioned", storage: "10Gi", storageClassName: "gp3", zone: "us-east-1a",
         persistentVolumeReclaimPolicy: Delete, provisionedBy: "ebs.csi.aws.com"),
        (name: "local", storage: "10Gi", node: "worker-1", persistentVolumeReclaimPolicy: Delete),
        (name: "csi", storage: "10Gi", storageClassName: "gp3", zone: "us-east-1a",
         persistentVolumeReclaimPolicy: Delete),
        (name: "tmp", storage: "10Gi", node: "worker-1", source: HostPath("/tmp/data"),
         persistentVolumeReclaimPolicy: Delete),
        (name: "mnt", storage: "10Gi", node: "worker-1", source: HostPath("/mnt/data"),
         persistentVolumeReclaimPolicy: Delete),
    ],
    persistentVolumeClaims: [
        (name: "c-provisioned", storage: "10Gi", volumeName: "provisioned"),
        (name: "c-local", storage: "10Gi", storageClassName: "", volumeName: "local"),
        (name: "c-csi", storage: "10Gi", volumeName: "csi"),
        (name: "c-tmp", storage: "10Gi", storageClassName: "", volumeName: "tmp"),
        (name: "c-mnt", storage: "10Gi", storageClassName: "", volumeName: "mnt"),
    ],
    timeline: [
        (at: "1m", do: DeletePvc(pvc: "c-provisioned")),
        (at: "1m", do: DeletePvc(pvc: "c-local")),
        (at: "1m", do: DeletePvc(pvc: "c-csi")),
        (at: "1m", do: DeletePvc(pvc: "c-tmp")),
        (at: "1m", do: DeletePvc(pvc: "c-mnt")),
    ],
)"#
    )
}

/// Only the provisioner that made a volume deletes its disk
/// (`findDeletablePlugin`): a volume made by hand under `Delete` is Failed
/// when no in-tree plugin deletes its source (a local disk; hostPath
/// outside `/tmp/`), and a CSI one is Failed before `HonorPVReclaimPolicy`
/// (1.31) and from then on stays Released, left to an external
/// provisioner that deletes only what it made. Either way the disk is
/// billed and the report says so.
#[test]
fn only_the_provisioner_that_made_a_volume_deletes_it() {
    let states = |version: &str| {
        let (sim, report) = run(&made_by_hand(version));
        let states: Vec<String> = sim
            .world
            .pvs
            .iter()
            .map(|pv| match pv.removed_at {
                Some(_) => format!("{} deleted", pv.name),
                None => format!("{} {:?}", pv.name, pv.phase),
            })
            .collect();
        (sim, report, states)
    };
    let (sim, report, now) = states("1.36");
    assert_eq!(now, ["provisioned deleted", "local Failed", "csi Released", "tmp deleted", "mnt Failed"]);
    let failed: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::PvFailed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        [
            "error getting deleter volume plugin for volume \"local\": no deletable volume plugin matched",
            "host_path deleter only supports /tmp/.+ but received provided /mnt/data",
        ]
    );
    let finding = report.findings.iter().find(|f| f.id == "volumes-not-deleted").expect("a finding");
    assert!(
        finding.summary.contains("3 volumes") && finding.summary.contains("local, csi, mnt"),
        "{}",
        finding.summary
    );
    let kinds: Vec<(&str, &str)> =
        report.storage.orphaned.iter().map(|o| (o.pv.as_str(), o.kind.as_str())).collect();
    assert_eq!(kinds, [("local", "FailedPV"), ("csi", "ReleasedPV"), ("mnt", "FailedPV")]);
    let csi = report.storage.orphaned.iter().find(|o| o.pv == "csi").unwrap();
    assert_eq!(csi.monthly, Money(GP3_10GI), "the disk is still billed");
    // Before HonorPVReclaimPolicy the PV controller looks for an in-tree
    // deleter of the CSI volume too.
    let (_, _, before) = states("1.30");
    assert_eq!(before, ["provisioned deleted", "local Failed", "csi Failed", "tmp deleted", "mnt Failed"]);
    // And the gate decides it, where the release lets it be set.
    let gated = made_by_hand("1.31")
        .replace("seed: 1,", r#"seed: 1, featureGates: {"HonorPVReclaimPolicy": false},"#);
    let (sim, _) = run(&gated);
    let csi = sim.world.pv(stsim_core::objects::PvId(2));
    assert_eq!(format!("{:?}", csi.phase), "Failed");
}

/// A hostPath or NFS volume made by hand is mounted at once: their volume
/// plugins have no attacher, so the attach-detach controller makes no
/// VolumeAttachment for them; a by-hand CSI volume is attached first.
#[test]
fn by_hand_host_path_and_nfs_volumes_are_never_attached() {
    let scenario = |source: &str| {
        format!(
            r#"Scenario(
    name: "by-hand",
    seed: 1,
    duration: "2m",
    persistentVolumes: [(name: "disk", storage: "10Gi", storageClassName: "manual"{source})],
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: 1,
        template: (labels: {{"app": "web"}}, image: "nginx"),
        volumeClaimTemplates: [(name: "www", storage: "1Gi", storageClassName: "manual")],
    )],
)"#
        )
    };
    let attached = |source: &str| {
        let (sim, _) = run(&scenario(source));
        let attaches = (sim.trace.records.iter())
            .filter(|r| matches!(r.event, stsim_core::trace::Event::VolumeAttached { .. }))
            .count();
        let web0 = sim.world.pod(sim.world.pod_named("web-0").unwrap());
        assert!(web0.status.ready, "{source}: web-0 runs on the volume");
        attaches
    };
    assert_eq!(attached(r#", source: HostPath("/mnt/data")"#), 0);
    assert_eq!(attached(", source: Nfs"), 0);
    assert_eq!(attached(""), 1, "a by-hand CSI volume is attached");
}

/// Another in-tree plugin's source (`InTree("iscsi")`) has no deleter
/// either: Failed under `Delete`, as a local volume. A name that is no
/// such plugin, and a `Local` source without a node, are refused.
#[test]
fn an_in_tree_source_has_no_deleter_and_a_local_one_needs_a_node() {
    let scenario = made_by_hand("1.36").replace(
        r#"(name: "local", storage: "10Gi", node: "worker-1","#,
        r#"(name: "local", storage: "10Gi", source: InTree("iscsi"),"#,
    );
    let (sim, _) = run(&scenario);
    let local = sim.world.pvs.iter().find(|pv| pv.name == "local").unwrap();
    assert_eq!((local.phase, local.node), (stsim_core::objects::PvPhase::Failed, None));
    let refused = |source: &str, words: &str| {
        let errors = stsim_scenario::parse_scenario(source, "s.ron").expect_err("refused");
        assert!(errors.iter().any(|e| e.message.contains(words)), "{errors:#?}");
    };
    refused(&scenario.replace(r#"InTree("iscsi")"#, r#"InTree("ceph")"#), r#"Unsupported value: "ceph""#);
    refused(&scenario.replace(r#"InTree("iscsi")"#, "Local"), "a local volume lives on one node");
}

/// The PV controller binds a claim, whoever created it: the bind of a
/// claim to the volume kept for it is the controller's in the trace, and
/// the story tells what the claim asks for, who bound it (the PV
/// controller) and who made a volume (the provisioner).
#[test]
fn the_pv_controller_binds_whoever_created_the_claim() {
    let (sim, _) = run_file("reinstall-with-kept-volumes");
    let bound: Vec<(stsim_core::trace::Actor, String)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::PvcBound { pvc, .. } => {
                Some((r.actor, sim.world.pvc(*pvc).name.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(!bound.is_empty());
    assert!(bound.iter().all(|(actor, _)| *actor == stsim_core::trace::Actor::VolumeController), "{bound:?}");
    let story: Vec<(String, String)> =
        stsim_core::story::tell(&sim).into_iter().map(|l| (l.who, l.text)).collect();
    let told = |who: &str, text: &str| story.iter().any(|(w, t)| w == who && t.starts_with(text));
    assert!(told("you", "Claim data-redis-0 is created: it asks for volume pv-data-redis-0."), "{story:#?}");
    assert!(told("the PV controller", "The existing 10 GiB volume pv-data-redis-0"), "{story:#?}");
    assert!(told("the PV controller", "Claim data-redis-2 gets no volume"), "{story:#?}");
    assert!(
        told(
            "the StatefulSet controller",
            "Claim data-redis-1 is created: it asks for 10 GiB of storage class gp3."
        ),
        "{story:#?}"
    );
    assert!(told("the volume provisioner", "A 10 GiB volume is provisioned"), "{story:#?}");
}

/// A claim of a class no StorageClass defines but volumes carry (the
/// tutorial's `manual`) binds only such a volume: one too few leaves the
/// last replica's claim Pending (`storageclass "manual" not found`), and
/// the finding says to make one more volume of that class, not the class.
#[test]
fn a_static_class_short_of_volumes_is_told_to_make_one_more() {
    let (_, report) = run(r#"Scenario(name: "manual", duration: "2m",
            persistentVolumes: [(name: "task-pv-volume", storage: "10Gi", storageClassName: "manual",
                                 source: HostPath("/mnt/data"))],
            statefulsets: [(name: "web", serviceName: "web", replicas: 2, template: (image: "nginx:1.27"),
                            volumeClaimTemplates: [(name: "www", storage: "3Gi", storageClassName: "manual")])])"#);
    let finding = report.findings.iter().find(|f| f.id == "pod-unschedulable").expect("web-1 waits");
    assert!(
        finding.explanation.contains("\"storageclass.storage.k8s.io \"manual\" not found\""),
        "{}",
        finding.explanation
    );
    assert!(
        finding.fix.contains("Create one more PersistentVolume of class \"manual\" for each claim"),
        "{}",
        finding.fix
    );
    assert!(finding.fix.contains("delete the Pending claim www-web-1."), "{}", finding.fix);
}

/// A regional class (GCE PD, `replication-type: regional-pd`) keeps each
/// disk in two zones: the zone of the node chosen for the pod, and the
/// next zone by name that has nodes, after the last the first (the
/// external provisioner prefers the nodes' zones in name order from the
/// chosen node's; the driver takes the first two). Zones without nodes are
/// skipped. Billed at the regional price, twice the zonal one.
#[test]
fn a_regional_volume_is_in_its_pods_zone_and_the_next_with_nodes() {
    let (sim, report) = run(r#"Scenario(name: "regional", duration: "5m",
        cluster: (zones: ["zone-a", "zone-b", "zone-c", "zone-d"],
                  nodePools: [(name: "w", count: 3, zones: ["zone-a", "zone-b", "zone-d"])],
                  storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                    volumeBindingMode: WaitForFirstConsumer, regional: true, default: true)]),
        statefulsets: [(name: "db", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (labels: {"app": "db"}, image: "db:1",
                topologySpreadConstraints: [(maxSkew: 1, topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: DoNotSchedule, labelSelector: (matchLabels: {"app": "db"}))]),
            volumeClaimTemplates: [(name: "data", storage: "10Gi")])])"#);
    let world = &sim.world;
    let mut seen = Vec::new();
    for pod in world.live_pods() {
        let node_zone = &world.node(pod.node.expect("scheduled")).zone;
        let claim = world.pvc_named(&format!("data-{}", pod.name)).expect("a claim");
        let pv = world.pv(world.pvc(claim).volume.expect("bound"));
        let zones: Vec<&str> = pv.zones().collect();
        let next = match node_zone.as_str() {
            "zone-a" => "zone-b",
            "zone-b" => "zone-d",
            "zone-d" => "zone-a",
            other => panic!("no node in {other}"),
        };
        assert_eq!(zones, [node_zone.as_str(), next], "{}", pod.name);
        seen.push(node_zone.clone());
    }
    seen.sort();
    assert_eq!(seen, ["zone-a", "zone-b", "zone-d"]);
    // $0.20 a GiB-month: 10 GiB is $2.00.
    assert!(
        report.storage.volumes.iter().all(|v| v.monthly == Money(2_000_000)),
        "{:?}",
        report.storage.volumes
    );
    assert!(report.pvs.iter().any(|v| v.zone.as_deref() == Some("zone-d,zone-a")), "{:?}", report.pvs);
}

/// With nodes in one zone only, the driver cannot pick two: the claim is
/// refused with its words and the pod stays Pending.
#[test]
fn a_regional_volume_needs_nodes_in_two_zones() {
    let (sim, _) = run(r#"Scenario(name: "regional-one-zone", duration: "2m",
        cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "w", count: 2, zones: ["zone-a"])],
                  storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                    volumeBindingMode: WaitForFirstConsumer, regional: true, default: true)]),
        statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (labels: {"app": "db"}, image: "db:1"),
            volumeClaimTemplates: [(name: "data", storage: "10Gi")])])"#);
    let claim = sim.world.pvc(sim.world.pvc_named("data-db-0").unwrap());
    assert!(claim.volume.is_none());
    let (reason, message) = claim.waiting.as_ref().expect("waiting");
    assert_eq!(*reason, "ProvisioningFailed");
    assert!(
        message.ends_with(
            "CreateVolume failed to pick zones for disk: failed to pick zones from topology: need 2 zones from \
             topology, only got 1 unique zones"
        ),
        "{message}"
    );
    let pod = sim.world.live_pods().find(|p| p.name == "db-0").unwrap();
    assert_eq!(pod.status.phase, PodPhase::Pending);
}

/// The refusal of a regional class is a final error that the external
/// provisioner retries with its back-off, 1 s doubling to 5 minutes after
/// the first refusal (at 5 s, the provisioning time): attempts at 6 s,
/// 8 s, 12 s, 20 s, 36 s, 1m8s, 2m12s, 4m20s, 8m36s, then every 5 minutes
/// (13m36s, ...). Each asks the nodes' zones again: once a node joins
/// zone-b, the next attempt picks zone-a (the selected node's) and zone-b,
/// and the claim is bound the provisioning time later; the pod starts.
/// The refusal is said once however many attempts fail; `stsim events`
/// lists them, the last attempt as the one that provisioned.
#[test]
fn a_regional_claim_is_made_at_the_first_attempt_after_a_node_joins_another_zone() {
    let scenario = |join: &str| {
        format!(
            r#"Scenario(name: "regional-later", duration: "20m",
            cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "w", count: 2, zones: ["zone-a"])],
                      storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                        volumeBindingMode: WaitForFirstConsumer, regional: true, default: true)]),
            statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (labels: {{"app": "db"}}, image: "db:1"),
                volumeClaimTemplates: [(name: "data", storage: "10Gi")])],
            timeline: [(at: "{join}", do: AddNode(pool: "w", zone: "zone-b"))])"#
        )
    };
    for (join, attempt) in [("2m", "2m12s"), ("1m8s", "1m8s"), ("10m", "13m36s")] {
        let (sim, _) = run(&scenario(join));
        let world = &sim.world;
        let claim = world.pvc_named("data-db-0").expect("a claim");
        let waits: Vec<SimTime> = sim
            .trace
            .records
            .iter()
            .filter(|r| matches!(&r.event, stsim_core::trace::Event::PvcWaiting { pvc, .. } if *pvc == claim))
            .map(|r| r.at)
            .collect();
        assert_eq!(waits, [t("5s")], "joined at {join}: the refusal is said once");
        let bound = sim.trace.records.iter().find_map(|r| match &r.event {
            stsim_core::trace::Event::PvcBound { pvc, pv } if *pvc == claim => Some((r.at, *pv)),
            _ => None,
        });
        let (at, pv) = bound.unwrap_or_else(|| panic!("joined at {join}: never bound"));
        assert_eq!(at, t(attempt) + stsim_core::time::SimDuration::from_secs(5), "joined at {join}");
        let zones: Vec<&str> = world.pv(pv).zones().collect();
        assert_eq!(zones, ["zone-a", "zone-b"], "joined at {join}");
        let pod = world.live_pods().find(|p| p.name == "db-0").expect("db-0");
        assert_eq!(pod.status.phase, PodPhase::Running, "joined at {join}");
        let events = stsim_render::events::collect(&sim);
        let provisioning: Vec<(u64, u32)> =
            events.iter().filter(|e| e.reason == "Provisioning").map(|e| (e.at_ms, e.also)).collect();
        assert_eq!(provisioning.last().map(|(at, _)| *at), Some(t(attempt).as_millis()), "joined at {join}");
        let failed = events.iter().filter(|e| e.reason == "ProvisioningFailed").count();
        let before = [6u64, 8, 12, 20, 36, 68, 132, 260, 516, 816]
            .into_iter()
            .filter(|s| s * 1000 < t(attempt).as_millis());
        assert_eq!(failed, 1 + before.count(), "joined at {join}: the refusal and each failed attempt");
    }
}

/// The provisioner's back-off is csi-provisioner's flags, which a scenario
/// may set (`timings.provisionerRetryIntervalStart`, `...Max`): starting at
/// 10 s and capped at 30 s, the refused regional claim is tried at 15 s,
/// 35 s, 1m5s, 1m35s, ... (from the refusal at 5 s, the first attempt
/// begun at 0 s having taken the provisioning time), so a node joining at
/// 1m10s is found at 1m35s, and the claim bound 5 s later; `stsim events`
/// lists the same attempts. A zero wait would retry in a loop in no time:
/// refused.
#[test]
fn the_provisioners_back_off_is_its_flags() {
    let scenario = |timings: &str| {
        format!(
            r#"Scenario(name: "regional-later", duration: "5m",
            cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "w", count: 2, zones: ["zone-a"])],
                      storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                        volumeBindingMode: WaitForFirstConsumer, regional: true, default: true)]),
            timings: ({timings}),
            statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (labels: {{"app": "db"}}, image: "db:1"),
                volumeClaimTemplates: [(name: "data", storage: "10Gi")])],
            timeline: [(at: "1m10s", do: AddNode(pool: "w", zone: "zone-b"))])"#
        )
    };
    let (sim, _) =
        run(&scenario(r#"provisionerRetryIntervalStart: "10s", provisionerRetryIntervalMax: "30s""#));
    let bound = sim.trace.records.iter().find_map(|r| match r.event {
        stsim_core::trace::Event::PvcBound { .. } => Some(r.at),
        _ => None,
    });
    assert_eq!(bound, Some(t("1m40s")));
    let events = stsim_render::events::collect(&sim);
    let provisioning: Vec<u64> =
        events.iter().filter(|e| e.reason == "Provisioning").map(|e| e.at_ms / 1000).collect();
    assert_eq!(provisioning, [0, 15, 35, 65, 95], "the first attempt, then each retry");
    for zero in ["provisionerRetryIntervalStart", "provisionerRetryIntervalMax"] {
        let errors =
            stsim_scenario::parse_scenario(&scenario(&format!(r#"{zero}: "0s""#)), "x.ron").unwrap_err();
        assert_eq!(
            errors[0].message,
            format!(r#"timings.{zero}: Invalid value: "0s": must be greater than 0"#)
        );
    }
}

/// An `Immediate` class provisions before any pod is placed, in a zone the
/// external provisioner's topology offers: one where nodes are (their
/// CSINodes), never a listed zone without nodes, where no pod could use
/// the volume. A regional one with nodes in one zone only is refused at
/// every attempt, whatever zone it tries first, until a node joins
/// another zone; with no node at all, any class is.
#[test]
fn an_immediate_class_provisions_only_where_nodes_are() {
    let zonal = |seed: u64| {
        format!(
            r#"Scenario(name: "immediate", duration: "10m", seed: {seed},
            cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [(name: "w", count: 4, zones: ["zone-a", "zone-b"])],
                      storageClasses: [(name: "fast", volumeBindingMode: Immediate, default: true)]),
            statefulsets: [(name: "db", serviceName: "db", replicas: 6, podManagementPolicy: Parallel,
                template: (labels: {{"app": "db"}}, image: "db:1"),
                volumeClaimTemplates: [(name: "data", storage: "1Gi")])])"#
        )
    };
    for seed in 0..4 {
        let (sim, _) = run(&zonal(seed));
        let zones: Vec<&str> = sim.world.pvs.iter().filter_map(|pv| pv.zones().next()).collect();
        assert_eq!(zones.len(), 6, "seed {seed}");
        assert!(zones.iter().all(|z| *z != "zone-c"), "seed {seed}: {zones:?}");
        assert!(sim.world.live_pods().all(|p| p.status.phase == PodPhase::Running), "seed {seed}");
    }
    let regional = r#"Scenario(name: "immediate-regional", duration: "20m", seed: 1,
        cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [(name: "w", count: 2, zones: ["zone-a"])],
                  storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                    volumeBindingMode: Immediate, regional: true, default: true)]),
        statefulsets: [(name: "db", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
            template: (labels: {"app": "db"}, image: "db:1"),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
        timeline: [(at: "10m", do: AddNode(pool: "w", zone: "zone-b"))])"#;
    let (sim, _) = run(regional);
    let bound: Vec<(SimTime, Vec<&str>)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            stsim_core::trace::Event::PvcBound { pv, .. } => Some((r.at, sim.world.pv(pv).zones().collect())),
            _ => None,
        })
        .collect();
    assert_eq!(bound.len(), 3, "{bound:?}");
    for (at, mut zones) in bound {
        assert!(at > t("10m"), "bound at {at} before a second zone had nodes");
        zones.sort();
        assert_eq!(zones, ["zone-a", "zone-b"]);
    }
    // With no node at all there is no topology: refused ("no available
    // topology found") and retried with the back-off (6 s, 8 s, 12 s, 20 s,
    // 36 s, 1m8s, ...) until a node registers; made at the first attempt
    // after, in the new node's zone, the provisioning time later.
    let nodeless = r#"Scenario(name: "immediate-nodeless", duration: "5m",
        cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "w", count: 0, zones: ["zone-a", "zone-b"])],
                  storageClasses: [(name: "fast", volumeBindingMode: Immediate, default: true)]),
        statefulsets: [(name: "db", serviceName: "db", replicas: 1,
            template: (labels: {"app": "db"}, image: "db:1"),
            volumeClaimTemplates: [(name: "data", storage: "1Gi")])],
        timeline: [(at: "1m", do: AddNode(pool: "w", zone: "zone-b"))])"#;
    let (sim, _) = run(nodeless);
    let said: Vec<(SimTime, String)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::PvcWaiting { reason: "ProvisioningFailed", message, .. } => {
                Some((r.at, message.clone()))
            }
            _ => None,
        })
        .collect();
    let refusal = "failed to provision volume with StorageClass \"fast\": error generating accessibility \
                   requirements: no available topology found";
    assert_eq!(said, [(t("5s"), refusal.to_string())], "said once");
    let bound = sim.trace.records.iter().find_map(|r| match r.event {
        stsim_core::trace::Event::PvcBound { pv, .. } => {
            Some((r.at, sim.world.pv(pv).zones().collect::<Vec<_>>()))
        }
        _ => None,
    });
    assert_eq!(bound, Some((t("1m13s"), vec!["zone-b"])));
}

/// A volume given in two zones (`zones`) may be used from a node in
/// either, and from no other: with zone-a and zone-b cordoned, the pod
/// waits although zone-c has room, and starts in zone-b once it is
/// uncordoned. A pod whose bound regional volume's zones have no room is
/// reported stuck, with both zones named.
#[test]
fn a_volume_in_two_zones_pins_its_pod_to_them() {
    let source = r#"Scenario(name: "two-zones", duration: "3m",
        cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [(name: "w", count: 3)],
                  storageClasses: [(name: "regional", provisioner: "pd.csi.storage.gke.io",
                                    volumeBindingMode: WaitForFirstConsumer, regional: true, default: true)]),
        persistentVolumes: [(name: "kept", storage: "10Gi", storageClassName: "regional",
                             zones: ["zone-a", "zone-b"], claimRef: (name: "data-db-0"))],
        statefulsets: [(name: "db", serviceName: "db", replicas: 1, template: (labels: {"app": "db"}, image: "db:1"),
            volumeClaimTemplates: [(name: "data", storage: "10Gi")])],
        timeline: [(at: "0s", do: Cordon(node: "w-1")), (at: "0s", do: Cordon(node: "w-2")),
                   (at: "1m", do: Uncordon(node: "w-2"))])"#;
    // The shipped scenario with its zone-c node cordoned: the recreated
    // pod is stuck, and the finding says where its bound volume is.
    let shipped = crate::support::scenario_file("regional-volume-other-zone").replace(
        r#"(at: "1m5s", do: CrashNode"#,
        r#"(at: "1m", do: Cordon(node: "big-2")), (at: "1m5s", do: CrashNode"#,
    );
    let (_, report) = run(&shipped);
    let stuck = report.findings.iter().find(|f| f.id == "pod-unschedulable").expect("stuck");
    let said = "its regional volume pvc-00000009 (claim data-redis-3) lives in zones zone-b and zone-c";
    assert!(stuck.explanation.contains(said), "{stuck:#?}");
    let (sim, _) = run(source);
    let world = &sim.world;
    let zone_of = |name: &str| world.nodes.iter().find(|n| n.name == name).unwrap().zone.clone();
    assert_eq!(
        (zone_of("w-1"), zone_of("w-2"), zone_of("w-3")),
        ("zone-a".into(), "zone-b".into(), "zone-c".into())
    );
    let scheduled: Vec<(SimTime, String)> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::PodScheduled { pod, node } if world.pod(*pod).name == "db-0" => {
                Some((r.at, world.node(*node).name.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(scheduled, [(t("1m"), "w-2".to_string())], "not on w-3 in zone-c");
    let text = sim.trace.render(world);
    assert!(
        text.contains(
            "1 node(s) didn't match PersistentVolume's node affinity, 2 node(s) were unschedulable"
        ),
        "{text}"
    );
}

/// A cloud driver allocates whole GiB (vSphere's whole MiB): `10G` (9.31
/// GiB) makes a 10 GiB disk, whose size the claim's status shows and the
/// bill counts; an expansion rounds up alike, and one the disk already
/// holds is no expansion. A local provisioner makes exactly what was asked.
#[test]
fn a_cloud_driver_allocates_whole_units_and_bills_them() {
    const GIB: u64 = 1 << 30;
    let scenario = |class: &str, timeline: &str| {
        format!(
            r#"Scenario(name: "p", duration: "10m", cluster: (storageClasses: [{class}]),
            services: [(name: "s", selector: {{"app": "a"}})],
            statefulsets: [(name: "a", serviceName: "s", template: (labels: {{"app": "a"}}, image: "x"),
                volumeClaimTemplates: [(name: "d", storage: "10G")])],
            timeline: [{timeline}])"#
        )
    };
    let ebs = r#"(name: "gp3", provisioner: "ebs.csi.aws.com", allowVolumeExpansion: true, default: true)"#;
    let (sim, report) = run(&scenario(ebs, ""));
    let volume = &report.storage.volumes[0];
    assert_eq!(volume.size_bytes, 10 * GIB, "10G is provisioned as 10 GiB");
    assert_eq!(volume.monthly, Money(GP3_10GI));
    assert_eq!(report.pvcs[0].capacity_bytes, 10 * GIB, "status.capacity is the volume's");
    assert_eq!(sim.world.pvcs[0].request_bytes, 10_000_000_000, "the request stays as written");

    // 15G is 13.97 GiB: the disk grows to 14 GiB. 10.5G fits in 10 GiB.
    let (_, grown) = run(&scenario(ebs, r#"(at: "3m", do: ResizePvc(pvc: "d-a-0", storage: "15G"))"#));
    assert_eq!(grown.storage.volumes[0].size_bytes, 14 * GIB);
    let (sim, held) = run(&scenario(ebs, r#"(at: "3m", do: ResizePvc(pvc: "d-a-0", storage: "10500M"))"#));
    assert_eq!(held.storage.volumes[0].size_bytes, 10 * GIB);
    assert!(
        !sim.trace.records.iter().any(|r| matches!(r.event, stsim_core::trace::Event::PvResized { .. })),
        "a request the disk already holds resizes nothing"
    );

    let sized = |class: &str| run(&scenario(class, "")).0.world.pvs[0].capacity_bytes;
    let vsphere = r#"(name: "v", provisioner: "csi.vsphere.vmware.com", usdPerGibMonth: 0.1, default: true)"#;
    assert_eq!(sized(vsphere), 9537 << 20, "10G is 9,536.7 MiB: 9,537 MiB");
    let local = r#"(name: "l", provisioner: "rancher.io/local-path", volumeBindingMode: WaitForFirstConsumer, default: true)"#;
    assert_eq!(sized(local), 10_000_000_000, "a local provisioner makes what was asked");
}

/// Features the older releases modelled had off by default, each as its
/// release's API server and controllers behave: a field the gate guards is
/// dropped when a set is written (`dropStatefulSetDisabledFields`), and
/// the controllers skip what the gate guards.
#[test]
fn statefulset_gates_follow_their_releases() {
    let set = |version: &str, gates: &str| {
        format!(
            r#"Scenario(
    name: "gates", seed: 7, duration: "10m", kubernetesVersion: "{version}", featureGates: {{{gates}}},
    statefulsets: [(
        name: "web",
        replicas: 3,
        ordinals: (start: 5),
        persistentVolumeClaimRetentionPolicy: (whenScaled: Delete, whenDeleted: Delete),
        template: (labels: {{"app": "web"}}, image: "app:1"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
    timeline: [(at: "3m", do: Scale(statefulset: "web", replicas: 1))],
)"#
        )
    };
    let outcome = |version: &str, gates: &str| {
        let (sim, _) = run(&set(version, gates));
        let first = sim.world.pods.iter().map(|p| p.name.clone()).min().unwrap();
        let claims_left = sim.world.live_pvcs().count();
        let indexed = sim.world.pods[0].labels.contains_key("apps.kubernetes.io/pod-index");
        (first, claims_left, indexed)
    };
    // 1.26: StatefulSetStartOrdinal is alpha (off), StatefulSetAutoDeletePVC
    // alpha (off), PodIndexLabel not yet: web-0 first, every claim kept.
    assert_eq!(outcome("1.26", ""), ("web-0".to_string(), 3, false));
    assert_eq!(outcome("1.26", r#""StatefulSetStartOrdinal": true"#), ("web-5".to_string(), 3, false));
    assert_eq!(outcome("1.26", r#""StatefulSetAutoDeletePVC": true"#), ("web-0".to_string(), 1, false));
    // 1.27: both beta and on; 1.28 adds the index label.
    assert_eq!(outcome("1.27", ""), ("web-5".to_string(), 1, false));
    assert_eq!(outcome("1.28", ""), ("web-5".to_string(), 1, true));
    assert_eq!(outcome("1.28", r#""PodIndexLabel": false"#), ("web-5".to_string(), 1, false));
    assert_eq!(outcome("1.31", r#""StatefulSetAutoDeletePVC": false"#), ("web-5".to_string(), 3, true));
}

/// Without `NodeOutOfServiceVolumeDetach` (off before 1.26) the
/// out-of-service taint is an ordinary NoExecute taint: the pod of the dead
/// node stays Terminating and its volume attached; with it, pod GC
/// force-deletes the pod and the volume is detached at once.
#[test]
fn the_out_of_service_taint_needs_its_gate() {
    let source = |version: &str| {
        crate::support::scenario_file("node-crash-out-of-service")
            .replace("seed: 3,", &format!(r#"seed: 3, kubernetesVersion: "{version}","#))
    };
    let (source_125, _) =
        source("1.25").split_once("    expect: [").map(|(a, b)| (a.to_string(), b.to_string())).unwrap();
    let (sim, _) = run(&format!("{source_125})"));
    let forced = |sim: &stsim_core::Simulation| {
        sim.trace.render(&sim.world).lines().filter(|l| l.contains("forced=out-of-service")).count()
    };
    assert_eq!(forced(&sim), 0, "1.25: no detach without an unmount");
    let first = sim.world.pods.iter().find(|p| p.name == "redis-0").unwrap();
    assert_eq!(
        first.removed_at,
        Some(t("13m")),
        "1.25: gone only once the machine is back and its kubelet confirms"
    );
    let (source_126, _) =
        source("1.26").split_once("    expect: [").map(|(a, b)| (a.to_string(), b.to_string())).unwrap();
    let (sim, _) = run(&format!("{source_126})"));
    assert_eq!(forced(&sim), 1, "1.26: detached at once");
    let first = sim.world.pods.iter().find(|p| p.name == "redis-0").unwrap();
    assert!(first.removed_at.unwrap() < t("13m"));
    // Force-deleted by hand on 1.25, the pod is gone but its volume is
    // still mounted on the dead node: the attach-detach controller waits
    // its 6 minutes for an unmount rather than honour the taint.
    let by_hand = source_125
        .replace(
            r#"(at: "13m", do: RecoverNode(node: "worker-2")),"#,
            r#"(at: "10m30s", do: ForceDeletePod(pod: "redis-0")),"#,
        )
        .replace(r#"(at: "14m", do: UntaintOutOfService(node: "worker-2")),"#, "")
        .replace(r#"duration: "15m""#, r#"duration: "20m""#);
    let (sim, _) = run(&format!("{by_hand})"));
    assert_eq!(forced(&sim), 0);
    let detach =
        sim.trace.render(&sim.world).lines().find(|l| l.contains("\tdetaching\t")).map(str::to_string);
    assert_eq!(
        detach.as_deref(),
        Some(
            "16m30s100ms\tattachdetach-controller\tpv/pvc-00000003\tdetaching\tnode=worker-2 forced=timeout"
        )
    );
}

/// A claim made from a claim template has the template's labels with the
/// set's selector's `matchLabels` over them, and not the pod template's
/// (`getPersistentVolumeClaims`): here `tier` is the pods' alone, and the
/// template's `app: other` gives way to the selector's `app: web`. A
/// manifest's claim template keeps its labels through `run -f` and export.
#[test]
fn a_claim_has_its_templates_labels_under_the_selectors() {
    let (sim, _) = run(r#"Scenario(
    name: "claim-labels",
    seed: 1,
    duration: "2m",
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: 1,
        selector: {"app": "web"},
        template: (labels: {"app": "web", "tier": "db"}, image: "nginx"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi", labels: {"backup": "daily", "app": "other"})],
    )],
)"#);
    let claim = sim.world.pvcs.iter().find(|c| c.name == "data-web-0").expect("the claim is made");
    let labels: Vec<(&str, &str)> = claim.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(labels, [("app", "web"), ("backup", "daily")]);

    let yaml = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  serviceName: web\n  \
                replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, tier: db}}\n    \
                spec: {containers: [{name: web, image: nginx}]}\n  volumeClaimTemplates:\n  - metadata:\n      \
                name: data\n      labels: {backup: daily}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
    let loaded = stsim_scenario::parse_manifests(&[("web.yaml".into(), yaml.into())], "start").unwrap();
    assert!(loaded.warning.is_none_or(|w| !w.contains("labels")), "the labels are read, not ignored");
    let template = &loaded.config.statefulsets[0].spec.volume_claim_templates[0];
    assert_eq!(template.labels.get("backup").map(String::as_str), Some("daily"));
    let exported = stsim_scenario::export::objects(&loaded.config);
    let set = exported.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    assert_eq!(set["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]["backup"], "daily");
}

/// A class's `allowedTopologies` bound where its volumes may be made. A
/// `WaitForFirstConsumer` claim's pod goes only to nodes that meet a term
/// (`checkVolumeProvisions`: every other node "didn't find available
/// persistent volumes to bind"); an `Immediate` claim's volume is made in
/// one of the zones the terms name, preferred by the claim's hash as
/// without them. The CSI drivers' zone keys are a node's zone too.
#[test]
fn allowed_topologies_bound_where_volumes_are_made() {
    let scenario = |mode: &str, key: &str| {
        format!(
            r#"Scenario(name: "allowed", duration: "5m", seed: 1,
            cluster: (zones: ["zone-a", "zone-b", "zone-c"], nodePools: [(name: "w", count: 6)],
                      storageClasses: [(name: "fast", volumeBindingMode: {mode}, default: true,
                          allowedTopologies: [(matchLabelExpressions: [(key: "{key}", values: ["zone-b"])])])]),
            statefulsets: [(name: "db", serviceName: "db", replicas: 3, podManagementPolicy: Parallel,
                template: (labels: {{"app": "db"}}, image: "db:1"),
                volumeClaimTemplates: [(name: "data", storage: "1Gi")])])"#
        )
    };
    for (mode, key) in [
        ("WaitForFirstConsumer", "topology.kubernetes.io/zone"),
        ("WaitForFirstConsumer", "topology.ebs.csi.aws.com/zone"),
        ("Immediate", "topology.kubernetes.io/zone"),
    ] {
        let (sim, _) = run(&scenario(mode, key));
        let zones: Vec<&str> = sim.world.pvs.iter().filter_map(|pv| pv.zones().next()).collect();
        assert_eq!(zones, ["zone-b"; 3], "{mode} {key}");
        for pod in sim.world.live_pods() {
            assert_eq!(
                sim.world.node(pod.node.expect("placed")).zone,
                "zone-b",
                "{mode} {key}: {}",
                pod.name
            );
        }
    }
    // A term no node meets leaves the pods Pending, with the binder's reason.
    let (sim, _) = run(&scenario("WaitForFirstConsumer", "example.com/rack"));
    let message = sim.trace.records.iter().find_map(|r| match &r.event {
        stsim_core::trace::Event::PodUnschedulable { message, .. } => Some(message.clone()),
        _ => None,
    });
    assert_eq!(
        message.as_deref(),
        Some(
            "0/6 nodes are available: 6 node(s) didn't find available persistent volumes to bind. no new claims \
             to deallocate, preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling."
        )
    );
}

/// `allowedTopologies` as the API server validates it
/// (`ValidateTopologySelectorTerm`): every expression has values, none
/// repeated, and a key at most once a term. From manifests, a class's
/// terms survive `stsim export` and `run -f`.
#[test]
fn allowed_topologies_are_validated_and_exported() {
    let class = |terms: &str| {
        format!(
            r#"Scenario(name: "allowed", duration: "1m",
            cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "w", count: 2)],
                      storageClasses: [(name: "fast", volumeBindingMode: WaitForFirstConsumer, default: true,
                          allowedTopologies: [{terms}])]),
            statefulsets: [(name: "db", serviceName: "db", replicas: 1,
                template: (labels: {{"app": "db"}}, image: "db:1"),
                volumeClaimTemplates: [(name: "data", storage: "1Gi")])])"#
        )
    };
    let key = "topology.kubernetes.io/zone";
    let refused = stsim_scenario::parse_scenario(
        &class(&format!(
            r#"(matchLabelExpressions: [(key: "{key}", values: []), (key: "{key}", values: ["a", "a"])])"#
        )),
        "a.ron",
    )
    .expect_err("refused");
    let messages: Vec<&str> = refused.iter().map(|d| d.message.as_str()).collect();
    let at = "cluster.storageClasses[0].allowedTopologies[0].matchLabelExpressions";
    assert_eq!(
        messages,
        [
            format!("{at}[0].values: Required value"),
            format!("{at}[1].key: Duplicate value: \"{key}\""),
            format!("{at}[1].values[1]: Duplicate value: \"a\""),
        ]
    );
    let source = class(&format!(r#"(matchLabelExpressions: [(key: "{key}", values: ["zone-b"])])"#));
    let config = stsim_scenario::parse_scenario(&source, "a.ron").expect("valid");
    let yaml: String = (stsim_scenario::export::objects(&config).iter())
        .map(|object| format!("---\n{}", stsim_cli::render::yaml::to_yaml(object)))
        .collect();
    assert!(yaml.contains("allowedTopologies:"), "{yaml}");
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), yaml)], "start").expect("read back");
    let terms = |c: &stsim_core::config::Config| c.cluster.storage_classes[0].allowed_topologies.clone();
    assert_eq!(terms(&back.config), terms(&config));
}

/// A repeated term is found among many in n log n (`--allow-large` lets a
/// class have 100,000): the last of 20,001 terms repeats the first.
#[test]
fn a_repeated_term_is_found_among_many() {
    let terms: Vec<String> = (0..20_000)
        .chain([0])
        .map(|i| format!(r#"(matchLabelExpressions: [(key: "k", values: ["v{i}"])])"#))
        .collect();
    let source = format!(
        r#"Scenario(name: "many", duration: "1m",
        cluster: (zones: ["a"], nodePools: [(name: "w", count: 1)],
                  storageClasses: [(name: "c", default: true, allowedTopologies: [{}])]))"#,
        terms.join(", ")
    );
    let mut read = |name: &str| Err(format!("no file {name}"));
    let refused =
        stsim_scenario::parse_scenario_within(&source, "m.ron", &mut read, &stsim_scenario::Limits::LARGE)
            .expect_err("a repeated term");
    let messages: Vec<&str> = refused.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["cluster.storageClasses[0].allowedTopologies[20000].matchLabelExpressions: Duplicate value: \"\""]
    );
}
