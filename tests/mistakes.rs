//! Mistakes the API server accepts are modelled, not refused: what the
//! cluster then does, and how the report explains it.

use crate::support::{run, run_file, scenario_file, t};
use stsim_core::trace::Event;

/// The PV controller's events on the claims of `storage-class-mistakes`.
fn claim_events(sim: &stsim_core::Simulation) -> Vec<(String, &'static str, String)> {
    sim.trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PvcWaiting { pvc, reason, message, .. } => {
                Some((sim.world.pvc(*pvc).name.clone(), *reason, message.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_missing_or_absent_storage_class_leaves_the_claim_pending_with_the_pv_controllers_event() {
    let (sim, report) = run_file("storage-class-mistakes");
    assert_eq!(
        claim_events(&sim),
        [
            (
                "data-db-0".to_string(),
                "ProvisioningFailed",
                "storageclass.storage.k8s.io \"fast-ssd\" not found".to_string()
            ),
            (
                "data-cache-0".to_string(),
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set".to_string()
            ),
        ]
    );
    for name in ["data-db-0", "data-cache-0"] {
        let claim = sim.world.pvc(sim.world.pvc_named(name).unwrap());
        assert_eq!(claim.phase, stsim_core::objects::PvcPhase::Pending, "{name}");
        assert!(claim.volume.is_none(), "{name}");
    }
    let db = sim.world.pvc(sim.world.pvc_named("data-db-0").unwrap());
    assert_eq!(db.storage_class_name.as_deref(), Some("fast-ssd"), "the name is kept as written");
    let pod = sim.world.pod(sim.world.pod_named("db-0").unwrap());
    assert!(pod.node.is_none());
    assert!(
        pod.status
            .unschedulable
            .as_deref()
            .unwrap()
            .contains("pod has unbound immediate PersistentVolumeClaims"),
        "{:?}",
        pod.status.unschedulable
    );
    let finding = report.findings.iter().find(|f| f.subject == "pod/db-0").expect("a finding for db-0");
    assert!(
        finding.explanation.contains("storageclass.storage.k8s.io \"fast-ssd\" not found"),
        "{finding:?}"
    );
    assert!(finding.fix.contains("data-db-0"), "{}", finding.fix);
    // The class that exists works as before.
    assert!(sim.world.pod(sim.world.pod_named("web-0").unwrap()).is_running_and_ready());
}

/// A claim that leaves its class out could get a default class (the fix
/// says so); one that writes `storageClassName: ""` asks for none, which no
/// default class changes: its fix says to make a volume of no class.
#[test]
fn the_fix_for_a_claim_of_no_class_depends_on_whether_it_asked_for_none() {
    let fix = |source: &str| {
        let (_, report) = run(source);
        report
            .findings
            .iter()
            .find(|f| f.subject == "pod/cache-0")
            .expect("a finding for cache-0")
            .fix
            .clone()
    };
    let source = scenario_file("storage-class-mistakes");
    let left_out = fix(&source);
    assert!(left_out.contains("mark one class default"), "{left_out}");
    let cache = source.find("name: \"cache\",").unwrap();
    let claim = cache + source[cache..].find("(name: \"data\", storage: \"1Gi\")").unwrap();
    let none = format!(
        "{}(name: \"data\", storage: \"1Gi\", storageClassName: \"\"){}",
        &source[..claim],
        &source[claim + "(name: \"data\", storage: \"1Gi\")".len()..]
    );
    let asked_none = fix(&none);
    assert!(asked_none.contains("storageClassName: \"\""), "{asked_none}");
    assert!(!asked_none.contains("mark one class default"), "{asked_none}");
}

/// With a default class, a claim naming none gets it (DefaultStorageClass
/// admission) and no event.
#[test]
fn a_default_class_is_filled_in_and_no_event_is_given() {
    let source = crate::support::scenario_file("storage-class-mistakes").replace(
        "volumeBindingMode: WaitForFirstConsumer)",
        "volumeBindingMode: WaitForFirstConsumer, default: true)",
    );
    let (sim, _) = run(&source);
    let events = claim_events(&sim);
    assert_eq!(events.len(), 1, "only the missing class: {events:?}");
    let cache = sim.world.pvc(sim.world.pvc_named("data-cache-0").unwrap());
    assert_eq!(cache.storage_class_name.as_deref(), Some("standard"));
    assert!(sim.world.pod(sim.world.pod_named("cache-0").unwrap()).is_running_and_ready());
}

#[test]
fn a_service_name_naming_no_service_leaves_the_pods_without_dns_names() {
    let (sim, report) = run_file("service-name-missing");
    assert!(sim.trace.records.iter().all(|r| !matches!(r.event, Event::DnsAdded { .. })), "no records ever");
    let pod = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!(pod.subdomain, "web-headless");
    assert!(pod.is_running_and_ready());
    let finding = report.findings.iter().find(|f| f.id == "service-missing").expect("the finding");
    assert_eq!(finding.subject, "statefulset/web");
    assert!(finding.fix.contains("headless Service named web-headless"), "{}", finding.fix);
    // With the Service, records and no finding.
    let source = crate::support::scenario_file("service-name-missing").replace(
        "statefulsets: [(",
        "services: [(name: \"web-headless\", selector: {\"app\": \"web\"})],\n    statefulsets: [(",
    );
    let (sim, report) = run(&source);
    assert!(sim.trace.records.iter().any(|r| matches!(r.event, Event::DnsAdded { .. })));
    assert!(report.findings.iter().all(|f| f.id != "service-missing"));
}

/// `service-name-missing` with `service` given and `timeline` as its timeline.
fn with_service(service: &str, timeline: &str) -> String {
    crate::support::scenario_file("service-name-missing")
        .replace("statefulsets: [(", &format!("services: [{service}],\n    statefulsets: [("))
        .replace("expect: [", &format!("timeline: [{timeline}],\n    expect: ["))
}

/// The Service exists but does not publish the pods as it should: its
/// selector misses their labels (a typo), and the pods run and are Ready
/// without DNS names; or it has a cluster IP (under CoreDNS the names
/// resolve anyway, `dns_rules` has both servers). `service-mismatch` says
/// which and why, also for a selector changed later to one that misses.
#[test]
fn a_service_that_does_not_publish_the_pods_is_reported() {
    let (sim, report) = run(&with_service(r#"(name: "web-headless", selector: {"app": "wbe"})"#, ""));
    assert!(sim.trace.records.iter().all(|r| !matches!(r.event, Event::DnsAdded { .. })), "no records ever");
    let finding = report.findings.iter().find(|f| f.id == "service-mismatch").expect("the finding");
    assert_eq!((finding.subject.as_str(), finding.since_ms), ("statefulset/web", 0));
    assert!(finding.summary.contains("does not select 2 of its 2 pods"), "{}", finding.summary);
    assert!(
        finding.explanation.starts_with("web-headless selects app=wbe, but web-0 has app=web, so"),
        "{}",
        finding.explanation
    );
    assert!(report.findings.iter().all(|f| f.id != "service-missing"));

    let (_, report) = run(&with_service(
        r#"(name: "web-headless", clusterIP: "10.96.0.20", selector: {"app": "web"}, ports: [(port: 80)])"#,
        "",
    ));
    let finding = report.findings.iter().find(|f| f.id == "service-mismatch").expect("the finding");
    assert!(finding.summary.contains("is not headless"), "{}", finding.summary);
    assert_eq!(finding.since_ms, 0, "since the set's first pod");

    let (_, report) = run(&with_service(
        r#"(name: "web-headless", selector: {"app": "web"})"#,
        r#"(at: "3m", do: UpdateService(service: "web-headless", selector: {"app": "web", "tier": "db"}))"#,
    ));
    let finding = report.findings.iter().find(|f| f.id == "service-mismatch").expect("the finding");
    assert!(finding.explanation.contains("but web-0 has no tier label"), "{}", finding.explanation);

    let (_, report) = run(&with_service(r#"(name: "web-headless", selector: {"app": "web"})"#, ""));
    assert!(report.findings.iter().all(|f| f.id != "service-mismatch"), "a matching headless Service");
}

/// A Service deleted under a running set is the same mistake made later:
/// the finding dates from the deletion.
#[test]
fn a_deleted_service_is_reported_from_when_it_went() {
    let source = crate::support::scenario_file("service-name-missing")
        .replace(
            "statefulsets: [(",
            "services: [(name: \"web-headless\", selector: {\"app\": \"web\"})],\n    statefulsets: [(",
        )
        .replace(
            "expect: [",
            "timeline: [(at: \"3m\", do: DeleteService(service: \"web-headless\"))],\n    expect: [",
        );
    let (_, report) = run(&source);
    let finding = report.findings.iter().find(|f| f.id == "service-missing").expect("the finding");
    assert_eq!(finding.since_ms, 180_000);
}

/// The times pod `name` was deleted by the pod GC.
fn gc_deletions(sim: &stsim_core::Simulation, name: &str) -> Vec<String> {
    sim.trace
        .records
        .iter()
        .filter(|r| {
            matches!(&r.event, Event::PodEvicted { pod, reason: "DeletionByPodGC", .. }
                if sim.world.pod(*pod).name == name)
        })
        .map(|r| r.at.to_string())
        .collect()
}

/// The API server accepts any `spec.nodeName`. A pod naming no Node never
/// runs: the pod GC's orphan pass (`gcOrphaned`, every 20 s) quarantines the
/// name for 40 s and then marks the pod Failed and deletes it; the
/// StatefulSet makes it again with the same name, and the loop repeats
/// every minute. A Node that joins under the name within the quarantine
/// takes the pod, and the GC leaves it alone; without it, that pod goes the
/// same way.
#[test]
fn a_pod_whose_node_name_names_no_node_is_deleted_by_the_pod_gc_after_its_quarantine() {
    let (sim, report) = run_file("node-name-missing-node");
    assert_eq!(gc_deletions(&sim, "ghost-0"), ["1m", "2m", "3m", "4m"]);
    assert!(gc_deletions(&sim, "late-0").is_empty());
    let late = sim.world.live_pods().find(|p| p.name == "late-0").expect("late-0");
    assert!(late.status.ready && late.node.is_some_and(|n| sim.world.node(n).name == "worker-3"));
    let finding = report.findings.iter().find(|f| f.id == "node-name-unknown").expect("a finding");
    assert_eq!(finding.subject, "pod/ghost-0");
    assert!(finding.explanation.contains("deleted it 4 time(s)"), "{}", finding.explanation);
    assert!(report.findings.iter().all(|f| f.subject != "pod/late-0"));

    // Without the node joining, late-0 is deleted on the same schedule.
    let source = crate::support::scenario_file("node-name-missing-node")
        .replace("(at: \"30s\", do: AddNode(pool: \"worker\")),", "");
    let (sim, _) = run(&source.replace(
        "PodState(pod: \"late-0\", at: \"1m\", phase: Running, ready: true, node: \"worker-3\"),",
        "",
    ));
    assert_eq!(gc_deletions(&sim, "late-0"), ["1m", "2m", "3m", "4m"]);
}

/// A StatefulSet's name is checked as a name only, but its controller puts
/// it in each pod's labels: `controller-revision-hash` is `<set>-<hash>`
/// and `statefulset.kubernetes.io/pod-name` the pod's name, which is also
/// its hostname, each at most 63 characters (kubernetes/kubernetes#64023).
/// The rule, over every length of name: a set gets pods exactly when its
/// revision's name and its pods' names fit; otherwise every create is
/// refused as invalid, retried with the work queue's back-off, and a
/// finding names the longest name that fits.
#[test]
fn a_statefulset_whose_name_leaves_no_room_for_its_pods_labels_never_gets_a_pod() {
    let (sim, report) = run_file("statefulset-name-too-long");
    let failed: Vec<_> = stsim_core::expect::check(&sim, &report).into_iter().filter(|v| !v.passed).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let long = "payments-ledger-reconciliation-postgres-primary-replicas";
    let refusals: Vec<(u64, &str)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodCreateInvalid { name, message } if name == &format!("{long}-0") => {
                Some((r.at.as_millis(), message.as_str()))
            }
            _ => None,
        })
        .collect();
    let times: Vec<u64> = refusals.iter().take(5).map(|(at, _)| *at).collect();
    assert_eq!(times, [0, 5, 15, 35, 75], "the work queue's back-off: 5 ms doubling");
    assert!(
        refusals[0]
            .1
            .starts_with(&format!("Pod \"{long}-0\" is invalid: metadata.labels: Invalid value: \"{long}-"))
    );
    assert!(refusals[0].1.ends_with("\": must be no more than 63 characters"), "{}", refusals[0].1);
    assert!(sim.world.pods.iter().all(|p| !p.name.starts_with(long)), "no pod of the long set exists");
    let finding = report.findings.iter().find(|f| f.id == "pod-invalid").expect("a finding");
    assert_eq!(finding.subject, format!("statefulset/{long}"));
    assert!(finding.fix.contains("at most 52 characters"), "{}", finding.fix);

    // Every length from 40 to 63: pods exactly when everything fits.
    for length in 40..=63usize {
        let name: String = "s".repeat(length);
        let source = format!(
            r#"Scenario(name: "n{length}", duration: "1m",
  services: [(name: "svc", clusterIP: "None", selector: {{"app": "x"}})],
  statefulsets: [(name: "{name}", serviceName: "svc", replicas: 1, template: (labels: {{"app": "x"}}, image: "nginx"))],
)"#
        );
        let (sim, report) = run(&source);
        let set = &sim.world.statefulsets[0];
        let revision = &set.revisions.last().expect("a revision").name;
        let fits = revision.len() <= 63 && length + 2 <= 63;
        let created = sim.world.pods.iter().any(|p| p.name == format!("{name}-0"));
        assert_eq!(created, fits, "{length} characters, revision {revision}");
        assert_eq!(report.findings.iter().any(|f| f.id == "pod-invalid"), !fits, "{length}");
    }
}

/// A pod's images are checked as a template's are not
/// (`validateContainersOnlyForPod`, on create and on update): a StatefulSet
/// whose template has an image with white space around it is accepted, and
/// each pod create refused in the API server's words, whichever container
/// has it (the first, another, an init container), retried with the work
/// queue's back-off; the set gets its pods once its template is mended. A
/// running pod's image changed to such an image is refused too.
#[test]
fn an_image_with_white_space_around_it_is_refused_in_each_pod_not_in_the_template() {
    let set = |containers: &str| {
        format!(
            r#"Scenario(name: "ws", duration: "2m",
  services: [(name: "svc", clusterIP: "None", selector: {{"app": "x"}})],
  statefulsets: [(name: "web", serviceName: "svc", replicas: 1,
    template: (labels: {{"app": "x"}}, {containers}))],
  timeline: [(at: "1m", do: SetImage(statefulset: "web", image: "nginx:1.27"))],
)"#
        )
    };
    let cases = [
        (r#"image: "nginx:1.27 ""#, r#"spec.containers[0].image: Invalid value: "nginx:1.27 ""#),
        (r#"image: "\tnginx""#, r#"spec.containers[0].image: Invalid value: "\tnginx""#),
        (r#"image: "\u{a0}nginx""#, r#"spec.containers[0].image: Invalid value: "\u00a0nginx""#),
        (
            r#"image: "nginx", extraContainers: [(name: "metrics", image: " exporter:1")]"#,
            r#"spec.containers[1].image: Invalid value: " exporter:1""#,
        ),
        (
            r#"image: "nginx", initContainers: [(name: "a", image: "busybox"), (name: "b", image: "busybox ")]"#,
            r#"spec.initContainers[1].image: Invalid value: "busybox ""#,
        ),
    ];
    for (containers, field) in cases {
        let (sim, report) = run(&set(containers));
        let refusals: Vec<(u64, &str)> = (sim.trace.records.iter())
            .filter_map(|r| match &r.event {
                Event::PodCreateInvalid { name, message } if name == "web-0" => {
                    Some((r.at.as_millis(), message.as_str()))
                }
                _ => None,
            })
            .collect();
        let expected =
            format!("Pod \"web-0\" is invalid: {field}: must not have leading or trailing whitespace");
        assert!(refusals.iter().all(|(_, m)| *m == expected), "{containers}: {refusals:?}");
        let times: Vec<u64> = refusals.iter().take(4).map(|(at, _)| *at).collect();
        assert_eq!(times, [0, 5, 15, 35], "{containers}: the work queue's back-off");
        let first = sim.world.pods.iter().find(|p| p.name == "web-0").map(|p| p.created_at.as_millis());
        let mended = (field.starts_with("spec.containers[0]")).then_some(60_000);
        assert_eq!(first, mended, "{containers}: web-0 exists once the template is mended, and only then");
        let finding = report.findings.iter().find(|f| f.id == "pod-invalid").expect("a finding");
        assert!(finding.explanation.contains("a pod's images for white space"), "{}", finding.explanation);
        assert!(!finding.explanation.contains("63 characters"), "{}", finding.explanation);
        assert!(finding.fix.starts_with("Write the image without the white space"), "{}", finding.fix);
    }

    // A running pod's image changed in place is checked as a created pod's.
    let (sim, _) = run(r#"Scenario(name: "ws", duration: "2m",
  services: [(name: "svc", clusterIP: "None", selector: {"app": "x"})],
  statefulsets: [(name: "web", serviceName: "svc", replicas: 1, template: (labels: {"app": "x"}, image: "nginx"))],
  timeline: [(at: "1m", do: PatchPod(pod: "web-0", image: " nginx:1.27")), (at: "1m30s", do: PatchPod(pod: "web-0", image: "  "))],
)"#);
    let refused: Vec<&str> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            Event::ActionRefused { why, .. } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        [
            r#"Pod "web-0" is invalid: spec.containers[0].image: Invalid value: " nginx:1.27": must not have leading or trailing whitespace"#,
            r#"Pod "web-0" is invalid: spec.containers[0].image: Invalid value: "  ": must not have leading or trailing whitespace"#,
        ]
    );
    let pod = sim.world.pods.iter().find(|p| p.name == "web-0").expect("web-0");
    assert_eq!((pod.image.as_str(), pod.status.restarts), ("nginx", 0), "the pod kept its image");
}

/// A ReadWriteMany claim on block storage: the EBS driver refuses to create
/// the volume, the claim stays Pending with the provisioner's error, the
/// pod the scheduler placed waits for ever (OrderedReady: no shared-1), and
/// the same claim on an EFS class is provisioned.
#[test]
fn read_write_many_on_block_storage_is_never_provisioned() {
    let (sim, report) = run_file("read-write-many-on-block-storage");
    assert_eq!(
        claim_events(&sim),
        [(
            "data-shared-0".to_string(),
            "ProvisioningFailed",
            "failed to provision volume with StorageClass \"gp3\": rpc error: code = InvalidArgument desc = Volume capabilities not supported"
                .to_string()
        )]
    );
    let claim = sim.world.pvc(sim.world.pvc_named("data-shared-0").unwrap());
    assert!(claim.volume.is_none() && claim.selected_node.is_some(), "provisioning was asked, and failed");
    let pod = sim.world.live_pods().find(|p| p.name == "shared-0").unwrap();
    assert!(pod.node.is_none() && pod.assumed_node.is_some() && !pod.status.ready);
    assert!(sim.world.live_pods().all(|p| p.name != "shared-1"), "OrderedReady waits on shared-0");
    assert!(sim.world.live_pods().filter(|p| p.name.starts_with("files-")).all(|p| p.status.ready));
    let finding = report.findings.iter().find(|f| f.id == "volume-not-provisioned").expect("explained");
    assert_eq!(finding.subject, "pod/shared-0");
    assert!(finding.explanation.contains("ebs.csi.aws.com"), "{}", finding.explanation);
    assert!(
        finding.fix.contains("ReadWriteOnce") && finding.fix.contains("data-shared-0"),
        "{}",
        finding.fix
    );

    // An Immediate class: provisioned at once, refused at once; the pod is
    // unschedulable ("unbound immediate PersistentVolumeClaims").
    let immediate = crate::support::scenario_file("read-write-many-on-block-storage")
        .replace("volumeBindingMode: WaitForFirstConsumer, default: true", "default: true");
    let (sim, report) = run(&immediate);
    assert_eq!(claim_events(&sim).len(), 1);
    let finding = report.findings.iter().find(|f| f.id == "pod-unschedulable").expect("explained");
    assert!(finding.explanation.contains("Volume capabilities not supported"), "{}", finding.explanation);
    assert!(finding.fix.contains("ReadWriteOnce"), "{}", finding.fix);

    // ReadWriteOnce on the same class runs.
    let once = crate::support::scenario_file("read-write-many-on-block-storage")
        .replace(r#"storage: "10Gi", accessModes: [ReadWriteMany])"#, r#"storage: "10Gi")"#);
    let (sim, _) = run(&once);
    assert!(claim_events(&sim).is_empty());
    assert!(sim.world.live_pods().filter(|p| p.name.starts_with("shared-")).count() == 2);
}

/// The refusal is a final error: the external provisioner retries the
/// claim with csi-provisioner's back-off (1 s, doubling to 5 minutes) for
/// as long as it is unbound, each attempt a `Provisioning` and the same
/// `ProvisioningFailed`, which the provisioner's recorder counts into one
/// event, as `kubectl describe pvc` shows it; the attempts stop when the
/// claim goes.
#[test]
fn a_refused_claim_is_retried_with_back_off_until_it_goes() {
    let failed = |sim: &stsim_core::Simulation| {
        let events = stsim_render::events::recorded(sim).events;
        let on_claim = |reason: &str| {
            events
                .iter()
                .find(|e| e.reason == reason && e.involved.name == "data-shared-0")
                .map(|e| (e.count, e.first_ms, e.last_ms, e.source))
        };
        (on_claim("ProvisioningFailed"), on_claim("Provisioning"))
    };
    let (sim, _) = run_file("read-write-many-on-block-storage");
    let provisioner = stsim_render::events::Source::Controller("external-provisioner");
    // Refused at 5 s, then at 6, 8, 12, 20, 36, 68, 132, 260, 516 and 816 s;
    // the next, at 1,116 s, is after the run's 15 minutes.
    assert_eq!(sim.now().as_millis(), 900_000);
    let (refusals, attempts) = failed(&sim);
    assert_eq!(refusals, Some((11, 5_000, 816_000, provisioner)));
    assert_eq!(attempts, Some((11, 0, 816_000, provisioner)), "one Provisioning an attempt");
    // Deleted at 3 minutes: the attempts stop there.
    let deleted = crate::support::scenario_file("read-write-many-on-block-storage").replace(
        r#"duration: "15m","#,
        r#"duration: "15m", timeline: [(at: "3m", do: DeleteStatefulSet(statefulset: "shared")), (at: "3m", do: DeletePvc(pvc: "data-shared-0"))],"#,
    );
    assert!(deleted.contains("DeletePvc"));
    let (sim, _) = run(&deleted);
    assert_eq!(failed(&sim).0, Some((8, 5_000, 132_000, provisioner)));
    // 400 days: nine doubling waits to 516 s, then one every 5 minutes,
    // 115,198 of them; past two dozen attempts they are counted, not listed.
    let long = crate::support::scenario_file("read-write-many-on-block-storage")
        .replace(r#"duration: "15m","#, r#"duration: "400d","#);
    let (sim, _) = run(&long);
    let last = 516_000 + 115_198 * 300_000;
    assert_eq!(failed(&sim).0, Some((1 + 9 + 115_198, 5_000, last, provisioner)));
    let listed =
        stsim_render::events::emitted(&sim).iter().filter(|e| e.reason == "ProvisioningFailed").count();
    assert_eq!(listed, 1 + 24 + 1, "the refusal, two dozen attempts, the rest as one");
}

/// A `Delete` volume released while a node still has it attached: the
/// external provisioner refuses to delete a disk a VolumeAttachment names,
/// says so on the volume (`VolumeFailedDelete`, a Warning), and retries
/// with its back-off until the first attempt after the detach deletes it.
/// In pvc-protection-removed the claim goes at 15m while its pod runs: the
/// attempts at 15m, 15m1s, 15m3s, ... 19m15s are refused (nine), the
/// detach ends at 20m11.1s and the attempt at 23m31s deletes the disk. A
/// volume detached before its claim goes is deleted at once: no refusal.
#[test]
fn a_released_volume_still_attached_is_refused_deletion_until_detached() {
    let provisioner = stsim_render::events::Source::Controller("external-provisioner");
    let refused = |sim: &stsim_core::Simulation| {
        let events = stsim_render::events::recorded(sim).events;
        events
            .iter()
            .filter(|e| e.reason == "VolumeFailedDelete")
            .map(|e| (e.object(), e.count, e.first_ms, e.last_ms, e.source, e.warning, e.message.to_string()))
            .collect::<Vec<_>>()
    };
    let (sim, _) = run_file("pvc-protection-removed");
    let deleted = sim.trace.records.iter().find_map(|r| match r.event {
        stsim_core::trace::Event::PvDeleted { pv } if sim.world.pv(pv).name == "pvc-00000003" => Some(r.at),
        _ => None,
    });
    assert_eq!(deleted, Some(t("23m31s")));
    let message = "persistentvolume pvc-00000003 is still attached to node worker-1".to_string();
    assert_eq!(
        refused(&sim),
        [("PersistentVolume/pvc-00000003".to_string(), 9, 900_000, 1_155_000, provisioner, true, message)]
    );
    // Scaled down with `whenScaled: Delete`: the claim goes with the pod,
    // before the detach (which waits for the kubelet's next status sync to
    // report the volume unmounted); five refusals over 15 s, deleted at
    // the sixth try.
    let (sim, _) = run_file("scale-down-when-scaled-delete");
    let rows = refused(&sim);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].1, rows[0].3 - rows[0].2), (5, 15_000), "{rows:?}");
    // A claim deleted after its pod is gone and its volume detached (the
    // operator's clean-up): the disk is deleted at once, with no refusal.
    let (sim, _) = run_file("operators/pvc-cleanup");
    assert!(sim.trace.records.iter().any(|r| matches!(r.event, stsim_core::trace::Event::PvDeleted { .. })));
    assert!(refused(&sim).is_empty());
}

/// The PV controller says why a claim waits at its first sync and again
/// at every resync (15 s): a claim whose class does not exist shows
/// `ProvisioningFailed (x41 over 10m)` after ten minutes. Past an hour of
/// repeats the rest are counted, not listed, so a run of 400 days costs no
/// more than a day's.
#[test]
fn a_waiting_claim_is_said_again_at_every_resync() {
    let waited = |duration: &str| {
        let source = crate::support::scenario_file("storage-class-mistakes")
            .replace(r#"duration: "10m""#, &format!(r#"duration: "{duration}""#));
        assert!(source.contains(duration));
        let (sim, _) = run(&source);
        let emitted = stsim_render::events::emitted(&sim);
        let on_claim = emitted.iter().filter(|e| e.involved.name == "data-db-0").count();
        let kept = stsim_render::events::recorded(&sim).events;
        let failed = kept
            .iter()
            .find(|e| e.involved.name == "data-db-0" && e.reason == "ProvisioningFailed")
            .map(|e| (e.count, e.first_ms, e.last_ms));
        (failed, on_claim)
    };
    let (failed, _) = waited("10m");
    assert_eq!(failed, Some((41, 0, 600_000)));
    // Three hours: 721 syncs, an hour of them listed, the rest counted at the last.
    let (failed, listed) = waited("3h");
    assert_eq!(failed, Some((721, 0, 10_800_000)));
    assert_eq!(listed, 1 + 240 + 1, "the first sync, an hour of resyncs, the rest as one");
    let (failed, listed) = waited("400d");
    assert_eq!(failed, Some((2_304_001, 0, 400 * 86_400_000)));
    assert_eq!(listed, 242);
}

/// Which drivers refuse which access modes for a filesystem volume.
#[test]
fn block_storage_drivers_refuse_multi_node_access_modes() {
    let source = |provisioner: &str, modes: &str| {
        crate::support::scenario_file("read-write-many-on-block-storage")
            .replace(r#"provisioner: "ebs.csi.aws.com""#, &format!("provisioner: {provisioner:?}"))
            .replace("default: true", "default: true, usdPerGibMonth: 0.1")
            .replace("accessModes: [ReadWriteMany])", &format!("accessModes: [{modes}])"))
    };
    let refused = |provisioner: &str, modes: &str| {
        let (sim, _) = run(&source(provisioner, modes));
        claim_events(&sim).into_iter().map(|(_, _, message)| message).find(|m| m.contains("gp3"))
    };
    assert!(
        refused("ebs.csi.aws.com", "ReadOnlyMany")
            .is_some_and(|m| m.ends_with("Volume capabilities not supported"))
    );
    assert!(
        refused("kubernetes.io/aws-ebs", "ReadWriteMany").is_some(),
        "the in-tree name migrates to the driver"
    );
    assert!(
        refused("pd.csi.storage.gke.io", "ReadWriteMany")
            .is_some_and(|m| m.ends_with("specified multi writer with mount access type"))
    );
    assert_eq!(refused("pd.csi.storage.gke.io", "ReadOnlyMany"), None, "Persistent Disk serves ReadOnlyMany");
    assert!(
        refused("disk.csi.azure.com", "ReadWriteOnce, ReadWriteMany")
            .is_some_and(|m| m.ends_with("Volume capability not supported"))
    );
    assert_eq!(refused("ebs.csi.aws.com", "ReadWriteOncePod"), None);
    assert_eq!(refused("efs.csi.aws.com", "ReadWriteMany"), None);
    assert_eq!(
        refused("example.com/unknown", "ReadWriteMany"),
        None,
        "an unknown driver is taken at its word"
    );
}

/// A network file system's volume (EFS here) is mounted straight from the
/// node: its CSIDriver says `attachRequired: false`, so no attach comes
/// first (and none to wait for when its pod moves), where an EBS volume is
/// attached for 10 s before the pod can start.
#[test]
fn a_file_storage_volume_is_mounted_without_an_attach() {
    let source = crate::support::scenario_file("read-write-many-on-block-storage")
        .replace(r#"storage: "10Gi", accessModes: [ReadWriteMany])"#, r#"storage: "10Gi")"#);
    let (sim, _) = run(&source);
    let attached: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::VolumeAttaching { pv, .. } => {
                sim.world.pv(pv).claim.map(|c| sim.world.pvc(c).name.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(attached, ["data-shared-0", "data-shared-1"], "only the EBS volumes attach");
    let log = crate::support::Log(&sim);
    // Provisioned at 5 s, then the 2 s pull: Ready without a probe.
    assert_eq!(log.ready_after("files-0", crate::support::t("0s")), Some(crate::support::t("7s")));
    assert_eq!(
        log.ready_after("shared-0", crate::support::t("0s")),
        Some(crate::support::t("17s")),
        "a 10 s attach first"
    );
}

/// A mount naming no volume of the pod: before 1.34 the API server takes
/// the StatefulSet (it does not check a set's template against its volumes)
/// and refuses each pod the controller makes from it, with the field's
/// path (`validateVolumeMounts`); the claim template's own volume and the
/// template's `volumes` are fine, in every kind of container. Fixed by
/// naming the claim template, the pods run. From 1.34 (the default) the
/// set itself is refused (k/k PR #131790).
#[test]
fn a_mount_naming_no_volume_gets_every_pod_create_refused() {
    let scenario_at = |release: &str, mounts: &str, init_mounts: &str| {
        format!(
            r#"Scenario(
            name: "mounts", duration: "2m", kubernetesVersion: "{release}",
            cluster: (nodePools: [(name: "worker", count: 2)]),
            services: [(name: "db", clusterIP: "None", selector: {{"app": "db"}})],
            statefulsets: [(
                name: "db", serviceName: "db", replicas: 2,
                template: (
                    labels: {{"app": "db"}}, image: "postgres:16",
                    volumes: ["config"], volumeMounts: [{mounts}],
                    initContainers: [(name: "init", image: "busybox:1", volumeMounts: [{init_mounts}])],
                    extraContainers: [(name: "exporter", image: "exporter:1", volumeMounts: ["config"])],
                ),
                volumeClaimTemplates: [(name: "data", storage: "1Gi")],
            )],
        )"#
        )
    };
    let refused =
        stsim_scenario::parse_scenario(&scenario_at("1.36", r#""data", "config""#, r#""dta""#), "m.ron")
            .expect_err("refused from 1.34");
    assert_eq!(
        refused[0].message,
        r#"statefulsets[0].template: spec.initContainers[0].volumeMounts[0].name: Not found: "dta""#
    );
    let scenario = |mounts: &str, init_mounts: &str| scenario_at("1.33", mounts, init_mounts);
    let (sim, report) = run(&scenario(r#""data", "config""#, r#""dta""#));
    assert!(sim.world.pods.is_empty(), "no pod is ever made");
    let refused: Vec<&str> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            Event::PodCreateInvalid { message, .. } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(refused.len() > 5, "retried with back-off: {}", refused.len());
    assert_eq!(
        refused[0],
        r#"Pod "db-0" is invalid: spec.initContainers[0].volumeMounts[0].name: Not found: "dta""#
    );
    let finding = report.findings.iter().find(|f| f.id == "pod-invalid").expect("pod-invalid");
    assert!(finding.fix.contains("volumeClaimTemplate (data)"), "{}", finding.fix);
    let events = stsim_render::events::collect(&sim);
    assert!(events.iter().any(|e| e.reason == "FailedCreate"
        && e.message.starts_with("create Pod db-0 in StatefulSet db failed error: Pod \"db-0\" is invalid")));

    let (sim, report) = run(&scenario(r#""data", "config""#, r#""data""#));
    assert_eq!(sim.world.pods.iter().filter(|p| p.exists()).count(), 2, "both pods made");
    assert!(report.findings.iter().all(|f| f.id != "pod-invalid"));
}

/// A timeline patch that adds a container mounting no volume: from 1.34
/// the update is checked as the set's create is (`ValidateStatefulSetUpdate`
/// runs the pod-spec validation of k/k PR #131790, skipped only when the
/// stored set already fails it), so it is refused like the timeline's other
/// invalid updates and the set runs on unchanged. Before 1.34 it is
/// accepted and each pod of the new revision is refused at its create.
#[test]
fn a_patch_mounting_no_volume_is_refused_from_1_34_and_each_new_pod_before() {
    let scenario = |release: &str| {
        format!(
            r#"Scenario(
            name: "mounts", duration: "3m", kubernetesVersion: "{release}",
            cluster: (nodePools: [(name: "worker", count: 2)]),
            services: [(name: "db", clusterIP: "None", selector: {{"app": "db"}})],
            statefulsets: [(
                name: "db", serviceName: "db", replicas: 2,
                template: (labels: {{"app": "db"}}, image: "postgres:16", volumeMounts: ["data"]),
                volumeClaimTemplates: [(name: "data", storage: "1Gi")],
            )],
            timeline: [(at: "1m", do: PatchTemplate(statefulset: "db", template: (
                extraContainers: [(name: "exporter", image: "exporter:1", volumeMounts: ["dta"])],
            )))],
        )"#
        )
    };
    let rejected = |sim: &stsim_core::Simulation| -> Vec<String> {
        (sim.trace.records.iter())
            .filter_map(|r| match &r.event {
                Event::StatefulSetUpdateRejected { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    };
    let (sim, _) = run(&scenario("1.34"));
    assert_eq!(
        rejected(&sim),
        [
            r#"StatefulSet.apps "db" is invalid: spec.template.spec.containers[1].volumeMounts[0].name: Not found: "dta""#
        ]
    );
    assert!(sim.world.statefulsets[0].spec.template.extra_containers.is_empty(), "the template is kept");
    assert_eq!(sim.world.live_pods().filter(|p| p.status.ready).count(), 2, "the set runs on");
    assert!(!sim.trace.records.iter().any(|r| matches!(r.event, Event::PodCreateInvalid { .. })));

    let (sim, _) = run(&scenario("1.33"));
    assert!(rejected(&sim).is_empty(), "accepted before 1.34");
    let refused = (sim.trace.records.iter()).any(|r| {
        matches!(&r.event, Event::PodCreateInvalid { name, message }
            if name == "db-1" && message.contains(r#"spec.containers[1].volumeMounts[0].name: Not found: "dta""#))
    });
    assert!(refused, "the new revision's pod is refused before 1.34");
}

/// A Service without a selector is valid, as the API server has it (its
/// EndpointSlices are written by hand, which stsim does not model): it
/// selects no pods, so the StatefulSet it governs gets no DNS names, and
/// the finding says the Service exists but lists no pods, not that it is
/// missing. In RON and in manifests alike; removing the selector later
/// (`UpdateService(selector: {})`) does the same from then.
#[test]
fn a_service_without_a_selector_lists_no_pods() {
    let finding = |report: &stsim_core::Report| {
        assert!(report.findings.iter().all(|f| f.id != "service-missing"));
        let f = report.findings.iter().find(|f| f.id == "service-mismatch").expect("the finding");
        (f.since_ms, f.summary.clone(), f.explanation.clone())
    };
    for service in [r#"(name: "web-headless")"#, r#"(name: "web-headless", selector: {})"#] {
        let (sim, report) = run(&with_service(service, ""));
        assert!(sim.trace.records.iter().all(|r| !matches!(r.event, Event::DnsAdded { .. })), "no records");
        let (since, summary, explanation) = finding(&report);
        assert_eq!(since, 0);
        assert!(summary.contains("does not select 2 of its 2 pods"), "{summary}");
        assert!(explanation.contains("no selector"), "{explanation}");
    }
    let (sim, report) = run(&with_service(
        r#"(name: "web-headless", selector: {"app": "web"})"#,
        r#"(at: "3m", do: UpdateService(service: "web-headless", selector: {}))"#,
    ));
    let withdrawn: Vec<_> = (sim.trace.records.iter())
        .filter(|r| matches!(r.event, Event::DnsRemoved { .. }))
        .map(|r| r.at)
        .collect();
    assert_eq!(withdrawn, [crate::support::t("3m"); 2]);
    assert!(finding(&report).1.contains("does not select 2 of its 2 pods"));
    // From manifests: kept, with a note rather than left out.
    let manifest = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: None\n---\n\
         apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: web\n  \
         replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      \
         labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
    let loaded = stsim_scenario::parse_manifests(&[("web.yaml".into(), manifest.into())], "start")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let warning = loaded.warning.unwrap_or_default();
    assert!(warning.contains("Service \"web\": no selector: it selects no pods"), "{warning}");
    assert!(!warning.contains("which has no selector"), "{warning}");
    let (_, report) = stsim_core::run(loaded.config);
    assert!(finding(&report).1.contains("does not select 2 of its 2 pods"));
}
