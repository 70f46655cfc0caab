//! Protocol 2 through the Rust trait: Kubernetes-shaped objects, the API
//! server's answers to every verb, custom resources, a stale cache that
//! the list and the watch share, crash points and restarts that take time.

use crate::support::{parse, t};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;
use stsim_core::kube::WriteResult;
use stsim_core::operators::{Operator, OperatorAction, Preconditions, Reconciled, View, WatchEvent};
use stsim_core::trace::Event;

/// At a time, the actions to answer (computed from the view then).
type Step = (u64, Box<dyn Fn(&View) -> Vec<OperatorAction>>);

/// What a scripted operator saw at each reconcile.
#[derive(Debug, Clone)]
struct Seen {
    time_ms: u64,
    results: Vec<WriteResult>,
    events: Vec<WatchEvent>,
    view: View,
}

/// Answers with `script`'s actions at its first reconcile at or after each
/// time, and records what it sees.
struct Scripted {
    script: Vec<Step>,
    seen: Rc<RefCell<Vec<Seen>>>,
    restarts: Rc<RefCell<u32>>,
    requeue_ms: Option<u64>,
}

impl Operator for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn reconcile(&mut self, view: &View, events: &[WatchEvent]) -> Result<Reconciled, String> {
        self.seen.borrow_mut().push(Seen {
            time_ms: view.time_ms,
            results: view.results.clone(),
            events: events.to_vec(),
            view: view.clone(),
        });
        let mut actions = Vec::new();
        while let Some((at, _)) = self.script.first()
            && *at <= view.time_ms
        {
            let (_, step) = self.script.remove(0);
            actions.extend(step(view));
        }
        let next = self.script.first().map(|(at, _)| at - view.time_ms);
        Ok(Reconciled { actions, requeue_after_ms: next.or(self.requeue_ms) })
    }
    fn restart(&mut self) {
        *self.restarts.borrow_mut() += 1;
    }
}

const SCENARIO: &str = r#"Scenario(
    name: "verbs",
    seed: 7,
    duration: "10m",
    images: [(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "5s")],
    services: [(name: "redis-svc", selector: {"app": "redis"})],
    statefulsets: [(
        name: "redis",
        serviceName: "redis-svc",
        replicas: 3,
        template: (labels: {"app": "redis"}, image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "10Gi")],
    )],
    podDisruptionBudgets: [(name: "redis", selector: {"app": "redis"}, minAvailable: 3)],
    customResourceDefinitions: [(
        group: "cache.example.com", version: "v1", kind: "RedisCluster",
        schema: {"type": "object", "properties": {"spec": {"type": "object", "required": ["size"],
                 "properties": {"size": {"type": "integer", "minimum": 1}}}}},
    )],
    customResources: [(kind: "RedisCluster", name: "redis", spec: {"size": 3})],
    operators: [(operator: PvcCleanup(after: "1h"), reconcileDelay: "1s", protocol: 2 FAULTS)],
)"#;

fn run(faults: &str, script: Vec<Step>, requeue_ms: Option<u64>) -> (stsim_core::Simulation, Vec<Seen>, u32) {
    run_source(&SCENARIO.replace(" FAULTS", faults), script, requeue_ms)
}

/// `run` of another scenario.
fn run_source(
    source: &str,
    script: Vec<Step>,
    requeue_ms: Option<u64>,
) -> (stsim_core::Simulation, Vec<Seen>, u32) {
    let config = parse(source);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let restarts = Rc::new(RefCell::new(0));
    let operator = Scripted { script, seen: seen.clone(), restarts: restarts.clone(), requeue_ms };
    let mut sim = stsim_core::Simulation::with_operators(config, vec![Box::new(operator)]);
    // As the CLI runs operators: templates are read as manifests are.
    sim.read_templates_with(stsim_scenario::read_pod_template);
    sim.run();
    let seen = seen.borrow().clone();
    let restarts = *restarts.borrow();
    (sim, seen, restarts)
}

fn object<'v>(items: &'v [Value], name: &str) -> &'v Value {
    items.iter().find(|o| o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

fn answers(seen: &[Seen], at_ms: u64) -> Vec<(u16, Option<&'static str>, String)> {
    let next = seen
        .iter()
        .find(|s| s.time_ms > at_ms && !s.results.is_empty())
        .expect("a reconcile after the writes");
    next.results.iter().map(|r| (r.code, r.reason, r.message.clone().unwrap_or_default())).collect()
}

/// The view is Kubernetes JSON: uids, resourceVersions, owner references, status.
#[test]
fn the_view_is_kubernetes_json() {
    let (_, seen, _) = run("", vec![(120_000, Box::new(|_: &View| vec![]))], None);
    let view = &seen.iter().find(|s| s.time_ms >= 120_000).unwrap().view;
    let pod = object(&view.objects.pods, "redis-1");
    let sts = object(&view.objects.stateful_sets, "redis");
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["uid"], sts["metadata"]["uid"]);
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
    assert_eq!(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], "data-redis-1");
    assert_eq!(sts["status"]["readyReplicas"], 3);
    assert_eq!(sts["metadata"]["generation"], 1);
    let claim = object(&view.objects.persistent_volume_claims, "data-redis-1");
    assert_eq!(claim["metadata"]["finalizers"], json!(["kubernetes.io/pvc-protection"]));
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "10Gi");
    assert_eq!(claim["status"]["phase"], "Bound");
    let cr = object(&view.objects.custom_resources, "redis");
    assert_eq!(cr["apiVersion"], "cache.example.com/v1");
    assert_eq!(cr["spec"]["size"], 3);
    // resourceVersions are distinct numbers, and a change moves one.
    let version = |o: &Value| o["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().unwrap();
    assert!(version(pod) > 1 && version(sts) > 1 && version(pod) != version(sts));
    assert_eq!(view.objects.pod_disruption_budgets[0]["status"]["disruptionsAllowed"], 0);
}

fn pvc_delete(name: &str, uid: &str) -> OperatorAction {
    OperatorAction::Delete {
        kind: "PersistentVolumeClaim".into(),
        name: name.into(),
        preconditions: Some(Preconditions { uid: Some(uid.into()), resource_version: None }),
        grace_period_seconds: None,
        propagation_policy: None,
    }
}

/// Every verb is answered as the API server would, and only allowed writes happen.
#[test]
fn writes_get_the_api_servers_answers() {
    let script: Vec<Step> = vec![(
        120_000,
        Box::new(|view: &View| {
            let sts = object(&view.objects.stateful_sets, "redis").clone();
            let mut stale = sts.clone();
            stale["metadata"]["resourceVersion"] = json!("1");
            stale["spec"]["replicas"] = json!(5);
            let cr = object(&view.objects.custom_resources, "redis").clone();
            let mut no_version = cr.clone();
            no_version["metadata"].as_object_mut().unwrap().remove("resourceVersion");
            let mut status = cr.clone();
            status["status"] = json!({"phase": "Running"});
            vec![
                // 0: 404
                pvc_delete("data-nope-0", "x"),
                // 1: 409 AlreadyExists
                OperatorAction::Create {
                    object: json!({"apiVersion": "cache.example.com/v1", "kind": "RedisCluster",
                    "metadata": {"name": "redis"}, "spec": {"size": 1}}),
                },
                // 2: 422 schema
                OperatorAction::Create {
                    object: json!({"apiVersion": "cache.example.com/v1", "kind": "RedisCluster",
                    "metadata": {"name": "other"}, "spec": {"size": "big"}}),
                },
                // 3: 422 custom resources need a resourceVersion to update
                OperatorAction::Update { object: no_version },
                // 4: 200 a merge patch of replicas
                OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "StatefulSet".into(),
                    name: "redis".into(),
                    patch: json!({"spec": {"replicas": 4}}),
                    subresource: None,
                },
                // 5: 409 Conflict: a stale resourceVersion
                OperatorAction::Update { object: stale },
                // 6: 422 an immutable field
                OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "StatefulSet".into(),
                    name: "redis".into(),
                    patch: json!({"spec": {"serviceName": "other"}}),
                    subresource: None,
                },
                // 7: 405 not modelled
                OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "Pod".into(),
                    name: "redis-2".into(),
                    patch: json!({"spec": {"initContainers": [{"name": "init", "image": "busybox"}]}}),
                    subresource: None,
                },
                // 8: 409 a delete precondition that fails
                pvc_delete("data-redis-0", "00000000-0000-4000-8000-000000000999"),
                // 9: 429 the budget holds
                OperatorAction::Evict { name: "redis-0".into() },
                // 10: 200 the status subresource
                OperatorAction::UpdateStatus { object: status },
                // 11: 201 a claim
                OperatorAction::Create {
                    object: json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "scratch"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}),
                },
                // 12: 200 annotations are kept for clients
                OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "StatefulSet".into(),
                    name: "redis".into(),
                    patch: json!({"metadata": {"annotations": {"example.com/phase": "scaling"}}}),
                    subresource: None,
                },
            ]
        }),
    )];
    let (sim, seen, _) = run("", script, None);
    let got = answers(&seen, 120_000);
    let codes: Vec<(u16, Option<&str>)> = got.iter().map(|(c, r, _)| (*c, *r)).collect();
    assert_eq!(
        codes,
        [
            (404, Some("NotFound")),
            (409, Some("AlreadyExists")),
            (422, Some("Invalid")),
            (422, Some("Invalid")),
            (200, None),
            (409, Some("Conflict")),
            (422, Some("Invalid")),
            (405, Some("MethodNotAllowed")),
            (409, Some("Conflict")),
            (429, Some("TooManyRequests")),
            (200, None),
            (201, None),
            (200, None),
        ]
    );
    assert_eq!(got[7].2, "stsim does not model changes to the images of a pod's init containers (redis-2)");
    assert_eq!(got[0].2, "persistentvolumeclaims \"data-nope-0\" not found");
    assert_eq!(got[1].2, "redisclusters.cache.example.com \"redis\" already exists");
    assert_eq!(
        got[2].2,
        "RedisCluster.cache.example.com \"other\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""
    );
    assert!(
        got[3].2.ends_with("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update")
    );
    assert_eq!(
        got[5].2,
        "Operation cannot be fulfilled on statefulsets.apps \"redis\": the object has been modified; please apply your changes to the latest version and try again"
    );
    assert!(
        got[6].2.starts_with(
            "StatefulSet.apps \"redis\" is invalid: spec: Forbidden: updates to statefulset spec"
        )
    );
    assert!(got[8].2.contains(
        "Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000999, UID in object meta:"
    ));
    assert!(got[9].2.starts_with("Cannot evict pod as it would violate the pod's disruption budget."));
    // Only the allowed writes happened: 4 replicas (not 5), the status, the claim; redis-0 and its claim stay.
    let world = &sim.world;
    assert_eq!(world.sts(world.sts_named("redis").unwrap()).spec.replicas, 4);
    let cr = &world.custom.objects[0];
    assert_eq!((cr.status["phase"].as_str(), cr.generation), (Some("Running"), 1));
    assert!(world.pvc_named("scratch").is_some() && world.pvc_named("data-redis-0").is_some());
    assert!(world.custom.objects.iter().all(|o| o.name != "other"));
    let later = seen.iter().rev().find(|s| s.time_ms > 121_000).unwrap();
    let sts = object(&later.view.objects.stateful_sets, "redis");
    assert_eq!(sts["metadata"]["annotations"]["example.com/phase"], "scaling");
    let refused = sim.trace.records.iter().filter(|r| matches!(r.event, Event::WriteRefused { .. })).count();
    assert_eq!(refused, 9, "every refusal is in the trace");
}

/// Finalizers hold a deleted custom resource until the last one is removed;
/// none may be added meanwhile; generation moves with the spec only.
#[test]
fn custom_resources_follow_the_api_servers_rules() {
    let with_finalizer = |view: &View| {
        let mut cr = object(&view.objects.custom_resources, "redis").clone();
        cr["metadata"]["finalizers"] = json!(["example.com/cleanup"]);
        cr["spec"]["size"] = json!(5);
        vec![OperatorAction::Update { object: cr }]
    };
    let delete = |_: &View| vec![delete("RedisCluster", "redis", None)];
    let add_another = |view: &View| {
        let mut cr = object(&view.objects.custom_resources, "redis").clone();
        cr["metadata"]["finalizers"] = json!(["example.com/cleanup", "example.com/more"]);
        vec![OperatorAction::Update { object: cr }]
    };
    let release = |_: &View| {
        vec![OperatorAction::Patch {
            patch_type: Default::default(),
            kind: "RedisCluster".into(),
            name: "redis".into(),
            patch: json!({"metadata": {"finalizers": null}}),
            subresource: None,
        }]
    };
    let script: Vec<Step> = vec![
        (60_000, Box::new(with_finalizer)),
        (70_000, Box::new(delete)),
        (80_000, Box::new(add_another)),
        (90_000, Box::new(release)),
    ];
    let (sim, seen, _) = run("", script, None);
    let at = |ms: u64| seen.iter().find(|s| s.time_ms >= ms).unwrap();
    let cr_at = |ms: u64| at(ms).view.objects.custom_resources.first().cloned();
    assert_eq!(cr_at(70_000).unwrap()["metadata"]["generation"], 2, "the spec changed");
    let deleting = cr_at(80_000).unwrap();
    assert!(deleting["metadata"]["deletionTimestamp"].is_string(), "held by its finalizer: {deleting}");
    let refused = &answers(&seen, 80_000)[0];
    assert_eq!((refused.0, refused.1), (422, Some("Invalid")), "no new finalizer on an object being deleted");
    assert!(
        refused.2.contains("metadata.finalizers: Forbidden: no new finalizers can be added"),
        "{}",
        refused.2
    );
    let last = seen.last().unwrap();
    assert!(
        last.time_ms > 90_000 && last.view.objects.custom_resources.is_empty(),
        "gone once its finalizer is removed"
    );
    assert!(sim.world.custom.objects[0].removed_at.is_some());
}

/// Every custom kind has the status subresource: a merge patch of the main
/// resource that writes `status` is answered 200 and the status stays as
/// it was (the common `Patch` where `Status().Patch` was meant); the same
/// patch of the `status` subresource writes it, and ignores the spec it
/// carries. A built-in kind's status is not an operator's to write (405),
/// and a subresource the API server has no route for is 404.
#[test]
fn a_custom_resources_status_is_patched_through_its_subresource_only() {
    let patch = |patch: Value, subresource: Option<&str>| OperatorAction::Patch {
        patch_type: Default::default(),
        kind: "RedisCluster".into(),
        name: "redis".into(),
        patch,
        subresource: subresource.map(str::to_string),
    };
    let main = move |_: &View| vec![patch(json!({"status": {"phase": "Ready"}}), None)];
    let status = move |_: &View| {
        vec![
            patch(json!({"status": {"phase": "Ready"}, "spec": {"size": 7}}), Some("status")),
            OperatorAction::Patch {
                patch_type: Default::default(),
                kind: "StatefulSet".into(),
                name: "redis".into(),
                patch: json!({"status": {"replicas": 9}}),
                subresource: Some("status".into()),
            },
            patch(json!({"spec": {"size": 7}}), Some("statuss")),
        ]
    };
    let script: Vec<Step> = vec![(60_000, Box::new(main)), (70_000, Box::new(status))];
    let (_, seen, _) = run("", script, None);
    let at = |ms: u64| seen.iter().find(|s| s.time_ms >= ms).unwrap();
    let cr_at = |ms: u64| at(ms).view.objects.custom_resources.first().cloned().unwrap();
    assert_eq!(answers(&seen, 60_000)[0].0, 200);
    assert_eq!(cr_at(61_000)["status"]["phase"], Value::Null, "the main resource's status is ignored");
    let answered: Vec<u16> = answers(&seen, 70_000).iter().map(|a| a.0).collect();
    assert_eq!(answered, [200, 405, 404]);
    let cr = cr_at(71_000);
    assert_eq!(cr["status"]["phase"], "Ready", "the status subresource writes it");
    assert_ne!(cr["spec"]["size"], 7, "and nothing else: {cr}");
    assert_eq!(cr["metadata"]["generation"], 1);
}

/// With `lag`, the events and the view come from the same stale cache: an
/// event arrives `lag` late, with a view that already shows it.
#[test]
fn a_lagging_cache_delays_events_and_view_alike() {
    let (_, seen, _) = run(", faults: (lag: \"20s\")", vec![], Some(7_000));
    let mut checked = 0;
    for s in &seen {
        for e in &s.events {
            assert!(e.time_ms + 20_000 <= s.time_ms, "event at {} seen at {}", e.time_ms, s.time_ms);
            // The view includes the change the event reports.
            let manifest = e.manifest.as_ref().expect("protocol 2 events carry the object");
            if e.kind == "MODIFIED" && e.object == "Pod" {
                let name = manifest["metadata"]["name"].as_str().unwrap();
                let listed = s.view.objects.pods.iter().find(|p| p["metadata"]["name"] == name);
                let version =
                    |o: &Value| o["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().unwrap();
                if let Some(listed) = listed {
                    assert!(
                        version(listed) >= version(manifest),
                        "the cache is at least as new as its events"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0);
}

/// `crashAt` cuts one answer after K writes, once; the restart takes
/// `restartTime`, then the operator relists.
#[test]
fn a_crash_point_cuts_one_answer_and_the_restart_takes_time() {
    let three = |_: &View| {
        ["a", "b", "c"].iter().map(|n| OperatorAction::DeletePod { name: format!("nope-{n}") }).collect()
    };
    let script: Vec<Step> =
        vec![(60_000, Box::new(three)), (120_000, Box::new(three)), (180_000, Box::new(three))];
    let faults = ", faults: (crashAt: (reconcile: 2, afterWrite: 1), restartTime: \"8s\")";
    let (sim, seen, restarts) = run(faults, script, None);
    assert_eq!(restarts, 1);
    let crash: Vec<_> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::OperatorRestarted { lost_actions } => Some((r.at, lost_actions)),
            _ => None,
        })
        .collect();
    assert_eq!(crash, [(t("2m"), 2)]);
    let not_found = sim.trace.records.iter().filter(|r| matches!(r.event, Event::NotFound { .. })).count();
    assert_eq!(not_found, 3 + 1 + 3, "the first answer whole, one write of the second, the third whole");
    let back = seen.iter().find(|s| s.time_ms > 120_000).unwrap();
    assert_eq!(back.time_ms, 128_000, "down for restartTime while the world moves on");
    assert!(back.events.iter().all(|e| e.kind == "ADDED") && back.events.len() > 5, "a fresh list");
}

const HONEST: &str = r#"Scenario(
    name: "honest",
    seed: 7,
    duration: "10m",
    images: [(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "20s")],
    services: [(name: "redis-svc", selector: {"app": "redis"})],
    statefulsets: [(
        name: "redis",
        serviceName: "redis-svc",
        replicas: 3,
        template: (labels: {"app": "redis"}, image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),
        volumeClaimTemplates: [(name: "data", storage: "10Gi")],
    )],
    timeline: [
        (at: "2m", do: Scale(statefulset: "redis", replicas: 2)),
        (at: "2m5s", do: DeletePvc(pvc: "data-redis-2")),
        SCALE_BACK
    ],
)"#;

/// Deleting the claim of a pod the set scaled away is what a correct
/// cleaner does; deleting it when the set wants the ordinal back while the
/// claim still exists is a finding.
#[test]
fn the_claim_of_a_pod_scaled_away_is_not_needed() {
    let ids = |source: &str| -> Vec<&'static str> {
        let (_, report) = stsim_core::run(parse(source));
        report.findings.iter().map(|f| f.id).collect()
    };
    // redis-2 takes 20 s to stop: its claim is deleted while it terminates.
    assert!(!ids(&HONEST.replace("SCALE_BACK", "")).contains(&"claim-deleted-while-needed"));
    let back = "(at: \"2m10s\", do: Scale(statefulset: \"redis\", replicas: 3)),";
    assert!(ids(&HONEST.replace("SCALE_BACK", back)).contains(&"claim-deleted-while-needed"));
}

/// A claim deleted while its pod waits in the scheduler's PreBind for the
/// volume to be provisioned (WaitForFirstConsumer): pvc-protection does not
/// hold it (the pod is not scheduled), so it goes at once; the binding
/// fails, the set makes the claim again for its Pending pod, and the pod
/// runs. Nothing was stored in it, so no data is said to be lost.
#[test]
fn a_claim_deleted_while_its_volume_is_provisioned_is_made_again() {
    let source = r#"Scenario(
        name: "early-delete",
        seed: 7,
        duration: "10m",
        images: [(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "1s")],
        services: [(name: "redis-svc", selector: {"app": "redis"})],
        statefulsets: [(
            name: "redis",
            serviceName: "redis-svc",
            replicas: 1,
            template: (labels: {"app": "redis"}, image: "redis:7.0"),
            volumeClaimTemplates: [(name: "data", storage: "10Gi")],
        )],
        timeline: [(at: "4s", do: DeletePvc(pvc: "data-redis-0"))],
    )"#;
    let (sim, report) = stsim_core::run(parse(source));
    let pod = report.pods.iter().find(|p| p.name == "redis-0").expect("redis-0 stands");
    assert!(pod.unschedulable.is_none(), "redis-0 found a node again: {:?}", pod.unschedulable);
    let trace = sim.trace.render(&sim.world);
    assert!(trace.contains("4s\tstatefulset-controller\tpvc/data-redis-0\tcreated"), "{trace}");
    assert!(trace.contains("kubelet/worker-3\tpod/redis-0\tready\tready=true"), "{trace}");
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&"claim-deleted-while-needed"), "{ids:?}");
    assert!(!ids.contains(&"volume-data-deleted"), "the claim never held data: {ids:?}");
    let finding = report.findings.iter().find(|f| f.id == "claim-deleted-while-needed").unwrap();
    assert!(
        finding.explanation.contains("No pod that named it was scheduled yet"),
        "{}",
        finding.explanation
    );
}

/// A claim an operator creates with an owner reference to a pod goes with
/// the pod (the garbage collector); the retention policy is mutable.
#[test]
fn created_claims_follow_their_owners_and_retention_is_mutable() {
    let create = |view: &View| {
        let pod = object(&view.objects.pods, "redis-2");
        vec![
            OperatorAction::Create {
                object: json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "cache-redis-2", "ownerReferences": [{"apiVersion": "v1", "kind": "Pod",
                        "name": "redis-2", "uid": pod["metadata"]["uid"]}]},
                    "spec": {"resources": {"requests": {"storage": "1Gi"}}}}),
            },
            OperatorAction::Patch {
                patch_type: Default::default(),
                kind: "StatefulSet".into(),
                name: "redis".into(),
                patch: json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}}}),
                subresource: None,
            },
            OperatorAction::Patch {
                patch_type: Default::default(),
                kind: "StatefulSet".into(),
                name: "redis".into(),
                patch: json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Sometimes"}}}),
                subresource: None,
            },
        ]
    };
    let scale = |_: &View| {
        vec![OperatorAction::Patch {
            patch_type: Default::default(),
            kind: "StatefulSet".into(),
            name: "redis".into(),
            patch: json!({"spec": {"replicas": 2}}),
            subresource: None,
        }]
    };
    let (sim, seen, _) = run("", vec![(60_000, Box::new(create)), (90_000, Box::new(scale))], None);
    let codes: Vec<u16> = answers(&seen, 60_000).iter().map(|a| a.0).collect();
    assert_eq!(codes, [201, 200, 422]);
    let world = &sim.world;
    let set = world.sts(world.sts_named("redis").unwrap());
    assert_eq!(set.spec.retention.when_scaled, stsim_core::config::RetentionAction::Delete);
    let cache = world.pvcs.iter().find(|c| c.name == "cache-redis-2").unwrap();
    assert!(cache.removed_at.is_some(), "deleted with its pod");
    // whenScaled: Delete took the scaled-away claim too.
    assert!(world.pvc_named("data-redis-2").is_none());
}

/// The stale-delete example's cleaner in Rust, on the same types as the
/// process protocol: Kubernetes JSON in `View::objects`, verbs out.
struct RustCleaner {
    uid_precondition: bool,
    first_seen: std::collections::BTreeMap<String, u64>,
}

impl Operator for RustCleaner {
    fn name(&self) -> &str {
        "pvc-cleaner"
    }
    fn reconcile(&mut self, view: &View, _: &[WatchEvent]) -> Result<Reconciled, String> {
        let o = &view.objects;
        let mounted: Vec<&Value> = o
            .pods
            .iter()
            .flat_map(|p| p["spec"]["volumes"].as_array().into_iter().flatten())
            .map(|v| &v["persistentVolumeClaim"]["claimName"])
            .collect();
        let mut actions = Vec::new();
        let mut seen = std::collections::BTreeMap::new();
        for claim in &o.persistent_volume_claims {
            let (name, uid) =
                (claim["metadata"]["name"].as_str().unwrap(), claim["metadata"]["uid"].as_str().unwrap());
            if mounted.contains(&&claim["metadata"]["name"])
                || claim["metadata"]["deletionTimestamp"].is_string()
            {
                continue;
            }
            let scaled_away = o.stateful_sets.iter().any(|sts| {
                let set = sts["metadata"]["name"].as_str().unwrap();
                sts["spec"]["volumeClaimTemplates"].as_array().unwrap().iter().any(|t| {
                    let prefix = format!("{}-{set}-", t["metadata"]["name"].as_str().unwrap());
                    name.strip_prefix(&prefix)
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_some_and(|ordinal| ordinal >= sts["spec"]["replicas"].as_u64().unwrap())
                })
            });
            if !scaled_away {
                continue;
            }
            let first = *self.first_seen.get(uid).unwrap_or(&view.time_ms);
            seen.insert(uid.to_string(), first);
            if view.time_ms >= first + 10_000 {
                let preconditions = self
                    .uid_precondition
                    .then(|| Preconditions { uid: Some(uid.to_string()), resource_version: None });
                actions.push(OperatorAction::Delete {
                    kind: "PersistentVolumeClaim".into(),
                    name: name.to_string(),
                    preconditions,
                    grace_period_seconds: None,
                    propagation_policy: None,
                });
            }
        }
        self.first_seen = seen;
        Ok(Reconciled { actions, requeue_after_ms: Some(5_000) })
    }
}

#[test]
fn a_rust_operator_on_kubernetes_json_is_caught_and_fixed_alike() {
    let source = std::fs::read_to_string(
        crate::support::repo_root().join("examples/operators/stale-delete/fixed.ron"),
    )
    .unwrap();
    let findings = |uid_precondition: bool| -> Vec<String> {
        let operator = RustCleaner { uid_precondition, first_seen: Default::default() };
        let sim = stsim_core::Simulation::with_operators(parse(&source), vec![Box::new(operator)]);
        let (_, report) = stsim_core::finish(sim);
        report
            .findings
            .iter()
            .filter(|f| f.id == "claim-deleted-while-needed")
            .map(|f| f.summary.clone())
            .collect()
    };
    assert_eq!(
        findings(false),
        [
            "operator/pvc-cleaner deleted data-redis-2 at 5m36s while redis-2 waited for it",
            "operator/pvc-cleaner deleted data-redis-2 at 5m41s while redis-2 waited for it",
            "operator/pvc-cleaner deleted data-redis-2 at 5m46s while redis-2 waited for it",
        ]
    );
    assert!(findings(true).is_empty());
}

/// A custom resource owned by another goes with it (the garbage collector).
#[test]
fn custom_resources_are_collected_with_their_owner() {
    let child = |view: &View| {
        let parent = object(&view.objects.custom_resources, "redis");
        vec![OperatorAction::Create {
            object: json!({"apiVersion": "cache.example.com/v1", "kind": "RedisCluster",
                "metadata": {"name": "redis-shard", "ownerReferences": [{"apiVersion": "cache.example.com/v1",
                    "kind": "RedisCluster", "name": "redis", "uid": parent["metadata"]["uid"]}]},
                "spec": {"size": 1}}),
        }]
    };
    let delete_parent = |_: &View| {
        vec![OperatorAction::Delete {
            kind: "RedisCluster".into(),
            name: "redis".into(),
            preconditions: None,
            grace_period_seconds: None,
            propagation_policy: None,
        }]
    };
    let (sim, seen, _) = run("", vec![(60_000, Box::new(child)), (90_000, Box::new(delete_parent))], None);
    let names = |ms: u64| -> Vec<String> {
        let s = seen.iter().find(|s| s.time_ms >= ms).unwrap();
        s.view
            .objects
            .custom_resources
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(61_000), ["redis", "redis-shard"]);
    assert!(
        sim.world.custom.objects.iter().all(|o| o.removed_at.is_some()),
        "the child went with its parent"
    );
}

/// An operator that adds a finalizer to its custom resource and never
/// removes it: the delete only marks the object, which stays Terminating to
/// the end, and the `finalizer-held` finding names the finalizer. Removed
/// in time, the object goes and nothing is found; held for less than a
/// minute at the end, the controller may still be cleaning up.
#[test]
fn a_finalizer_never_removed_holds_the_object_and_is_found() {
    let add = |_: &View| {
        vec![patch(
            "RedisCluster",
            "redis",
            json!({"metadata": {"finalizers": ["cache.example.com/cleanup"]}}),
        )]
    };
    let delete_it = |_: &View| vec![delete("RedisCluster", "redis", None)];
    let release = |_: &View| vec![patch("RedisCluster", "redis", json!({"metadata": {"finalizers": null}}))];
    let held = |report: &stsim_core::report::Report| -> Vec<String> {
        report.findings.iter().filter(|f| f.id == "finalizer-held").map(|f| f.summary.clone()).collect()
    };
    let (sim, _, _) = run("", vec![(60_000, Box::new(add)), (180_000, Box::new(delete_it))], None);
    let (_, report) = stsim_core::finish(sim);
    assert_eq!(
        held(&report),
        [
            "RedisCluster redis was deleted at 3m and is still Terminating, held by \"cache.example.com/cleanup\""
        ]
    );
    let finding = report.findings.iter().find(|f| f.id == "finalizer-held").unwrap();
    assert!(finding.fix.contains("kubectl patch redisclusters.cache.example.com redis"), "{}", finding.fix);
    let steps: Vec<Step> =
        vec![(60_000, Box::new(add)), (180_000, Box::new(delete_it)), (240_000, Box::new(release))];
    let (sim, _, _) = run("", steps, None);
    assert!(sim.world.custom.objects.iter().all(|o| o.removed_at.is_some()), "released, it went");
    assert!(held(&stsim_core::finish(sim).1).is_empty());
    // Deleted 30 s before the end: within the grace, not yet held.
    let (sim, _, _) = run("", vec![(60_000, Box::new(add)), (569_000, Box::new(delete_it))], None);
    assert!(held(&stsim_core::finish(sim).1).is_empty());
}

/// A merge patch of pod `pod`'s containers as served, with the first
/// ones' images replaced by `images`: what a client that patches from the
/// object it read sends (a JSON merge patch replaces a list whole, so a
/// patch naming only the image would drop the rest of the container).
fn containers_with_images(view: &View, pod: &str, images: &[&str]) -> Value {
    let mut containers = object(&view.objects.pods, pod)["spec"]["containers"].clone();
    for (container, image) in containers.as_array_mut().unwrap().iter_mut().zip(images) {
        container["image"] = json!(image);
    }
    json!({"spec": {"containers": containers}})
}

fn patch(kind: &str, name: &str, patch: Value) -> OperatorAction {
    OperatorAction::Patch {
        patch_type: Default::default(),
        kind: kind.into(),
        name: name.into(),
        patch,
        subresource: None,
    }
}

fn delete(kind: &str, name: &str, propagation: Option<&str>) -> OperatorAction {
    OperatorAction::Delete {
        kind: kind.into(),
        name: name.into(),
        preconditions: None,
        grace_period_seconds: None,
        propagation_policy: propagation.map(String::from),
    }
}

/// Labels, finalizers and owner references of every built-in kind change
/// through the writes a person's kubectl edit makes, under the same rules:
/// a pod relabelled out of its set's selector is released; finalizers hold
/// a delete and none may be added meanwhile; immutable specs are refused
/// with the API server's words.
#[test]
fn metadata_writes_follow_the_rules_of_every_kind() {
    let script: Vec<Step> = vec![
        (
            120_000,
            Box::new(|_: &View| {
                vec![
                    // 0: the pod leaves its set's selector: released.
                    patch("Pod", "redis-1", json!({"metadata": {"labels": {"app": null, "role": "debug"}}})),
                    // 1: labels of a set are kept and served.
                    patch("StatefulSet", "redis", json!({"metadata": {"labels": {"team": "cache"}}})),
                    // 2: a finalizer on the Service, which then holds its delete.
                    patch("Service", "redis-svc", json!({"metadata": {"finalizers": ["example.com/keep"]}})),
                    // 3
                    delete("Service", "redis-svc", None),
                    // 4: the claim's own finalizer beside pvc-protection.
                    patch(
                        "PersistentVolumeClaim",
                        "data-redis-0",
                        json!({"metadata": {"finalizers": ["kubernetes.io/pvc-protection", "example.com/backup"]}}),
                    ),
                    // 5: any client may remove pvc-protection; its controller puts it back.
                    patch("PersistentVolumeClaim", "data-redis-2", json!({"metadata": {"finalizers": []}})),
                    // 6: a bound claim's spec is immutable but for its size.
                    patch(
                        "PersistentVolumeClaim",
                        "data-redis-2",
                        json!({"spec": {"storageClassName": "other"}}),
                    ),
                    // 7: so is a pod's.
                    patch("Pod", "redis-2", json!({"spec": {"nodeName": "elsewhere"}})),
                    // 8: a finalizer on a pod, then its delete is held.
                    patch("Pod", "redis-0", json!({"metadata": {"finalizers": ["example.com/drain"]}})),
                    // 9: delete redis-0 (held by its finalizer, once its containers stop).
                    delete("Pod", "redis-0", None),
                    // 10: no new finalizer on a pod being deleted.
                    patch(
                        "Pod",
                        "redis-0",
                        json!({"metadata": {"finalizers": ["example.com/drain", "x/y"]}}),
                    ),
                    // 11: metadata stsim does not keep is refused, not dropped.
                    patch("Service", "redis-svc", json!({"metadata": {"generateName": "redis-"}})),
                    // 12: a cluster IP may not change once set.
                    patch("Service", "redis-svc", json!({"spec": {"clusterIP": "10.96.0.10"}})),
                    // 13: a label value has at most 63 characters, of any kind.
                    patch("StatefulSet", "redis", json!({"metadata": {"labels": {"team": "c".repeat(64)}}})),
                    // 14: a label key is a qualified name: one '/' at most.
                    patch("Service", "redis-svc", json!({"metadata": {"labels": {"a/b/c": "x"}}})),
                ]
            }),
        ),
        (
            200_000,
            Box::new(|_: &View| {
                vec![
                    patch("Service", "redis-svc", json!({"metadata": {"finalizers": null}})),
                    patch("Pod", "redis-0", json!({"metadata": {"finalizers": []}})),
                ]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 120_000);
    let codes: Vec<u16> = got.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(
        codes,
        [200, 200, 200, 200, 200, 200, 422, 422, 200, 200, 422, 405, 422, 422, 422],
        "{got:#?}"
    );
    assert!(
        got[14].2.starts_with(
            "Service \"redis-svc\" is invalid: metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of"
        ),
        "{}",
        got[14].2
    );
    assert_eq!(
        got[13].2,
        format!(
            "StatefulSet.apps \"redis\" is invalid: metadata.labels: Invalid value: \"{}\": must be no more than 63 characters",
            "c".repeat(64)
        )
    );
    assert_eq!(
        got[12].2,
        "Service \"redis-svc\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.10\"}: may not change once set"
    );
    assert_eq!(got[11].2, "stsim does not model changes to metadata.generateName of a Service (redis-svc)");
    assert_eq!(
        got[6].2,
        "PersistentVolumeClaim \"data-redis-2\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
    );
    assert!(
        got[7]
            .2
            .starts_with("Pod \"redis-2\" is invalid: spec: Forbidden: pod updates may not change fields")
    );
    assert_eq!(
        got[10].2,
        "Pod \"redis-0\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"x/y\"}"
    );
    let results = &seen.iter().find(|s| s.time_ms > 120_000 && !s.results.is_empty()).unwrap().results;
    let unprotected = results[5].object.as_ref().expect("the claim is answered");
    assert!(unprotected["metadata"]["finalizers"].is_null(), "{unprotected}");
    let service = results[3].object.as_ref().expect("the held Service is answered");
    assert!(service["metadata"]["deletionTimestamp"].is_string());
    let view = &seen.iter().find(|s| s.time_ms >= 150_000).unwrap().view;
    let released = object(&view.objects.pods, "redis-1");
    assert!(released["metadata"]["ownerReferences"].is_null(), "released: {released}");
    assert_eq!(object(&view.objects.stateful_sets, "redis")["metadata"]["labels"]["team"], "cache");
    assert_eq!(
        object(&view.objects.persistent_volume_claims, "data-redis-0")["metadata"]["finalizers"],
        json!(["kubernetes.io/pvc-protection", "example.com/backup"])
    );
    assert_eq!(
        object(&view.objects.persistent_volume_claims, "data-redis-2")["metadata"]["finalizers"],
        json!(["kubernetes.io/pvc-protection"]),
        "the pvc-protection controller put it back"
    );
    // Held until 200 s: the Service still publishes, the pod keeps its name.
    assert!(object(&view.objects.services, "redis-svc")["metadata"]["deletionTimestamp"].is_string());
    let held = object(&view.objects.pods, "redis-0");
    assert_eq!(held["metadata"]["finalizers"], json!(["example.com/drain"]));
    let world = &sim.world;
    let at = |matches: &dyn Fn(&Event) -> bool| {
        sim.trace.records.iter().find(|r| matches(&r.event)).map(|r| r.at).expect("the record")
    };
    let svc_gone = at(&|e| matches!(e, Event::ServiceDeleted { .. }));
    assert_eq!(svc_gone, t("200s"));
    assert!(world.service_named("redis-svc").is_none());
    let first_pod = world.pods.iter().find(|p| p.name == "redis-0").unwrap().id;
    let pod_gone = at(&|e| matches!(e, Event::PodRemoved { pod, .. } if *pod == first_pod));
    assert_eq!(pod_gone, t("200s"), "the finalizer held the pod");
    // The operator's writes and a person's edits are one kind of record.
    assert!(sim.trace.records.iter().any(|r| matches!(r.actor, stsim_core::trace::Actor::Operator(0))
        && matches!(&r.event, Event::PodPatched { change, .. } if change.contains("role=debug"))));
}

/// An operator creates a headless Service and a StatefulSet (which gives
/// its pods DNS names), and a bare pod; the API server validates them as
/// it would and refuses fields stsim does not model, naming them.
#[test]
fn operators_create_services_statefulsets_and_pods() {
    let script: Vec<Step> = vec![(
        60_000,
        Box::new(|view: &View| {
            let redis = object(&view.objects.stateful_sets, "redis");
            let owned = |name: &str| {
                json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "labels": {"app": "redis"}, "ownerReferences": [
                        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "redis",
                         "uid": redis["metadata"]["uid"], "controller": true}]},
                    "spec": {"containers": [{"name": "main", "image": "redis:7.0"}]}})
            };
            let sts = |labels: Value, extra: Value| {
                let mut object = json!({
                    "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
                    "spec": {"replicas": 2, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": labels},
                                          "spec": {"containers": [{"name": "nginx", "image": "redis:7.0"}]}},
                             "volumeClaimTemplates": [{"metadata": {"name": "www"},
                                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}
                });
                stsim_core::kube::patch::merge(&mut object, &extra);
                OperatorAction::Create { object }
            };
            vec![
                // 0: 422 the selector does not match the template.
                sts(json!({"app": "other"}), json!({})),
                // 1: 405 a field of the set stsim does not model (a pod
                // template's are read as a manifest's: tests/operator_templates.rs).
                sts(
                    json!({"app": "web"}),
                    json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "www"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                                 "dataSource": {"kind": "VolumeSnapshot", "name": "snap"}}}]}}),
                ),
                // 2: 201 the headless Service.
                OperatorAction::Create {
                    object: json!({"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": "web", "labels": {"app": "web"}},
                    "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}}),
                },
                // 3: 201 the set.
                sts(json!({"app": "web"}), json!({"metadata": {"labels": {"team": "web"}}})),
                // 4: 409 again.
                sts(json!({"app": "web"}), json!({})),
                // 5: 201 a bare pod.
                OperatorAction::Create {
                    object: json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "debug", "labels": {"app": "debug"}},
                    "spec": {"containers": [{"name": "sh", "image": "redis:7.0",
                             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}),
                },
                // 6: 405 a set only owns pods named as its members.
                OperatorAction::Create { object: owned("cache-0") },
                // 7: 201 a member, out of range: the controller deletes it.
                OperatorAction::Create { object: owned("redis-7") },
                // 8: 405 nor may a pod that is no member be given to it.
                patch(
                    "Pod",
                    "debug",
                    json!({"metadata": {"ownerReferences": owned("x")["metadata"]["ownerReferences"]}}),
                ),
            ]
        }),
    )];
    let (sim, seen, _) = run("", script, None);
    let got = answers(&seen, 60_000);
    let codes: Vec<u16> = got.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(codes, [422, 405, 201, 201, 409, 201, 405, 201, 405], "{got:#?}");
    assert_eq!(
        got[6].2,
        "stsim does not model pods owned by a StatefulSet they are not members of (cache-0 is not named redis-<ordinal>)"
    );
    let condemned = sim.world.pods.iter().find(|p| p.name == "redis-7").expect("made");
    assert_eq!((condemned.owner.is_some(), condemned.exists()), (true, false), "owned, then condemned");
    assert!(got[0].2.ends_with("`selector` does not match template `labels`"), "{}", got[0].2);
    assert_eq!(
        got[1].2,
        "stsim does not model the fields spec.volumeClaimTemplates.0.spec.dataSource.kind, spec.volumeClaimTemplates.0.spec.dataSource.name of a StatefulSet.apps (web)"
    );
    assert_eq!(got[4].2, "statefulsets.apps \"web\" already exists");
    let world = &sim.world;
    let web = world.sts_named("web").expect("the set");
    assert_eq!(world.sts(web).spec.template.labels["app"], "web");
    for pod in ["web-0", "web-1"] {
        let id = world.pod_named(pod).expect("the controller made the pod");
        assert!(world.pod(id).is_running_and_ready(), "{pod}");
        assert!(world.pvc_named(&format!("www-{pod}")).is_some());
        assert!(world.dns.keys().any(|n| n.starts_with(&format!("{pod}.web."))), "{pod} has its DNS name");
    }
    let debug = world.pod(world.pod_named("debug").unwrap());
    assert!(debug.owner.is_none() && debug.is_running_and_ready());
    assert_eq!((debug.requests.cpu_millis, debug.requests.memory_bytes), (100, 64 << 20));
    let view = &seen.last().unwrap().view;
    assert_eq!(object(&view.objects.stateful_sets, "web")["metadata"]["labels"]["team"], "web");
}

/// A bare pod whose name and labels match a StatefulSet is adopted by its
/// controller (not by the API server), as one a person creates would be.
#[test]
fn a_bare_pod_an_operator_creates_is_adopted_by_its_set() {
    let script: Vec<Step> = vec![
        (60_000, Box::new(|_: &View| vec![patch("StatefulSet", "redis", json!({"spec": {"replicas": 2}}))])),
        (
            120_000,
            Box::new(|_: &View| {
                vec![
                    patch("StatefulSet", "redis", json!({"spec": {"replicas": 3}})),
                    OperatorAction::Create {
                        object: json!({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "redis-2", "labels": {"app": "redis"}},
                        "spec": {"containers": [{"name": "main", "image": "redis:7.0"}]}}),
                    },
                ]
            }),
        ),
    ];
    // The scale back up comes first, but the controller only syncs after
    // this write: the pod exists by then, and is adopted, not replaced.
    let (sim, seen, _) = run("", script, None);
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [200, 201], "{got:#?}");
    let adopted =
        sim.trace.records.iter().any(
            |r| matches!(&r.event, Event::PodAdopted { pod, .. } if sim.world.pod(*pod).name == "redis-2"),
        );
    assert!(adopted, "the set's controller adopts the operator's pod");
}

/// `propagationPolicy: Foreground`: the set stays, with its
/// deletionTimestamp and the `foregroundDeletion` finalizer, until the
/// garbage collector has deleted its pods and the claims it owns; an
/// unknown policy is refused as the API server refuses it.
#[test]
fn a_foreground_delete_waits_for_the_dependents() {
    let script: Vec<Step> = vec![
        (
            60_000,
            Box::new(|_: &View| {
                vec![patch(
                    "StatefulSet",
                    "redis",
                    json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete"}}}),
                )]
            }),
        ),
        (
            120_000,
            Box::new(|_: &View| {
                vec![
                    delete("StatefulSet", "redis", Some("Sideways")),
                    delete("StatefulSet", "redis", Some("Foreground")),
                ]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(5_000));
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [422, 200], "{got:#?}");
    assert!(got[0].2.contains("propagationPolicy: Unsupported value: \"Sideways\""));
    let results = &seen.iter().find(|s| s.time_ms > 120_000 && !s.results.is_empty()).unwrap().results;
    let held = results[1].object.as_ref().expect("the set is still there");
    assert_eq!(held["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    assert!(held["metadata"]["deletionTimestamp"].is_string());
    let records = &sim.trace.records;
    let world = &sim.world;
    let deleted = records
        .iter()
        .find(|r| {
            matches!(
                r.event,
                Event::StatefulSetDeleted { cascade: stsim_core::objects::Cascade::Foreground, .. }
            )
        })
        .expect("the set goes in the end");
    let last_pod = records
        .iter()
        .filter(|r| matches!(&r.event, Event::PodRemoved { pod, .. } if world.pod(*pod).name.starts_with("redis-")))
        .map(|r| r.at)
        .max()
        .unwrap();
    let last_claim = records
        .iter()
        .filter(|r| matches!(&r.event, Event::PvcRemoved { pvc } if world.pvc(*pvc).name.starts_with("data-redis-")))
        .map(|r| r.at)
        .max()
        .expect("the claims it owns are deleted");
    assert!(
        deleted.at > t("120s") + stsim_core::time::SimDuration::from_secs(1),
        "pods take their grace period"
    );
    assert!(deleted.at >= last_pod && deleted.at >= last_claim);
    assert_eq!(world.pods.iter().filter(|p| p.exists() && p.name.starts_with("redis-")).count(), 0);
    // While it waited, no replacement pod was made.
    let recreated = records.iter().any(|r| r.at > t("120s") && matches!(r.event, Event::PodCreated { .. }));
    assert!(!recreated, "a set being deleted changes nothing but status");
    // Meanwhile the operator saw it with its deletionTimestamp.
    let during = seen
        .iter()
        .find(|s| s.time_ms >= 121_000 && s.time_ms < deleted.at.as_millis())
        .expect("a reconcile while it waits");
    assert!(object(&during.view.objects.stateful_sets, "redis")["metadata"]["deletionTimestamp"].is_string());
}

/// What an operator creates with its custom resource as owner goes with
/// it: the garbage collector deletes the StatefulSet (and so its pods) and
/// the Service once the custom resource is gone. Owners that are not live
/// custom resources are refused.
#[test]
fn objects_owned_by_a_custom_resource_go_with_it() {
    let script: Vec<Step> = vec![
        (
            60_000,
            Box::new(|view: &View| {
                let cr = object(&view.objects.custom_resources, "redis");
                let owner = json!([{"apiVersion": "cache.example.com/v1", "kind": "RedisCluster", "name": "redis",
                                    "uid": cr["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]);
                vec![
                    OperatorAction::Create {
                        object: json!({"apiVersion": "v1", "kind": "Service",
                            "metadata": {"name": "cache", "ownerReferences": owner},
                            "spec": {"clusterIP": "None", "selector": {"app": "cache"}}}),
                    },
                    OperatorAction::Create {
                        object: json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                            "metadata": {"name": "cache", "ownerReferences": owner},
                            "spec": {"replicas": 2, "serviceName": "cache", "selector": {"matchLabels": {"app": "cache"}},
                                     "template": {"metadata": {"labels": {"app": "cache"}},
                                                  "spec": {"containers": [{"name": "c", "image": "redis:7.0"}]}}}}),
                    },
                    OperatorAction::Create {
                        object: json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                            "metadata": {"name": "scratch", "ownerReferences": owner},
                            "spec": {"resources": {"requests": {"storage": "1Gi"}}}}),
                    },
                    // The existing set, now owned too, by a patch.
                    patch("StatefulSet", "redis", json!({"metadata": {"ownerReferences": owner}})),
                    // A pod is no owner of a set here.
                    patch(
                        "StatefulSet",
                        "redis",
                        json!({"metadata": {"ownerReferences": [
                        {"apiVersion": "v1", "kind": "Pod", "name": "redis-0", "uid": "x"}]}}),
                    ),
                ]
            }),
        ),
        (180_000, Box::new(|_: &View| vec![delete("RedisCluster", "redis", None)])),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 60_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [201, 201, 201, 200, 405], "{got:#?}");
    let world = &sim.world;
    let view = &seen.iter().find(|s| s.time_ms >= 120_000).unwrap().view;
    assert_eq!(
        object(&view.objects.stateful_sets, "cache")["metadata"]["ownerReferences"][0]["kind"],
        "RedisCluster"
    );
    assert!(view.objects.pods.iter().any(|p| p["metadata"]["name"] == "cache-1"), "the set ran its pods");
    let claim = object(&view.objects.persistent_volume_claims, "scratch");
    assert_eq!(claim["metadata"]["ownerReferences"][0]["kind"], "RedisCluster");
    let claim_gone = sim.trace.records.iter().find_map(|r| match r.event {
        Event::PvcRemoved { pvc } if world.pvc(pvc).name == "scratch" => Some(r.at),
        _ => None,
    });
    assert_eq!(claim_gone, Some(t("180s")), "the claim it owned goes with it");
    // After the custom resource goes at 180 s, so do its set, their pods and its Service.
    let gone_at = |name: &str| {
        sim.trace.records.iter().find_map(|r| match r.event {
            Event::StatefulSetDeleted { sts, .. } if world.sts(sts).name == name => Some(r.at),
            _ => None,
        })
    };
    assert_eq!(gone_at("cache"), Some(t("180s")));
    assert_eq!(gone_at("redis"), Some(t("180s")));
    assert!(world.service_named("cache").is_none() && world.service_named("redis-svc").is_some());
    assert_eq!(world.live_pods().count(), 0, "the garbage collector deleted the sets' pods");
    assert_eq!(world.live_pvcs().count(), 3, "claims are retained (whenDeleted: Retain)");
}

/// An operator that "unsticks" a Terminating claim by removing its
/// pvc-protection finalizer, or removes it and deletes in one batch of
/// writes (before the controller can put it back), deletes the claim under
/// its running pod: the volume goes with it (reclaim policy Delete), the pod
/// runs on, and the finding names the write. One that only deletes waits.
#[test]
fn removing_pvc_protection_deletes_a_claim_in_use() {
    let unprotect =
        || patch("PersistentVolumeClaim", "data-redis-1", json!({"metadata": {"finalizers": null}}));
    let script: Vec<Step> = vec![
        (
            120_000,
            Box::new(|_: &View| {
                vec![
                    delete("PersistentVolumeClaim", "data-redis-2", None),
                    patch("PersistentVolumeClaim", "data-redis-2", json!({"metadata": {"finalizers": null}})),
                ]
            }),
        ),
        (
            130_000,
            Box::new(move |_: &View| {
                vec![unprotect(), delete("PersistentVolumeClaim", "data-redis-1", None)]
            }),
        ),
        // Putting pvc-protection back on a claim being deleted is refused.
        (
            140_000,
            Box::new(|_: &View| {
                vec![
                    delete("PersistentVolumeClaim", "data-redis-0", None),
                    patch(
                        "PersistentVolumeClaim",
                        "data-redis-0",
                        json!({"metadata": {"finalizers": ["kubernetes.io/pvc-protection", "example.com/x"]}}),
                    ),
                ]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|a| a.0).collect::<Vec<_>>(), [200, 200], "{got:#?}");
    let claim = |name: &str| sim.world.pvcs.iter().find(|c| c.name == name).unwrap();
    for (name, at) in [("data-redis-2", "120s"), ("data-redis-1", "130s")] {
        let c = claim(name);
        assert_eq!(c.removed_at, Some(t(at)), "{name}");
        // Its volume is released at once; the disk, still attached to the
        // running pod's node, cannot be deleted yet.
        let volume = sim.world.pv(c.volume.unwrap());
        assert_eq!(volume.released_at, Some(t(at)), "{name}: its volume");
        assert!(volume.removed_at.is_none_or(|gone| gone > t(at)), "{name}: its disk");
        let pod = sim.world.pods.iter().find(|p| c.name.ends_with(&p.name)).unwrap();
        assert_eq!(pod.history.phase_at(t(at)), stsim_core::objects::PodPhase::Running, "{name}");
    }
    let got = answers(&seen, 140_000);
    assert_eq!(got[1].0, 422, "{got:#?}");
    assert!(got[1].2.contains("no new finalizers can be added"), "{}", got[1].2);
    assert!(claim("data-redis-0").exists(), "held by pvc-protection while redis-0 runs");
    let findings = stsim_core::findings::all(&sim.world, &sim.trace, t("10m"));
    let subjects: Vec<&str> = findings
        .iter()
        .filter(|f| f.id == "claim-removed-while-in-use")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(subjects, ["pvc/data-redis-2", "pvc/data-redis-1"]);
    assert!(
        findings.iter().any(|f| f.summary.contains("operator/scripted removed its pvc-protection finalizer"))
    );
}

/// The set as the operator would create it again: its served object
/// without the fields the API server sets.
fn recreated_set(view: &View) -> Value {
    let mut set = object(&view.objects.stateful_sets, "redis").clone();
    set.as_object_mut().unwrap().remove("status");
    let meta = set["metadata"].as_object_mut().unwrap();
    meta.retain(|k, _| k == "name" || k == "labels");
    set
}

/// `propagationPolicy: Orphan` holds the set, with its deletionTimestamp
/// and the `orphan` finalizer, until the garbage collector has taken it out
/// of its pods' owner references: a create of the same name in the same
/// batch of writes is refused (`409 AlreadyExists`, "object is being
/// deleted"), the classic recreate-in-one-reconcile bug; the next
/// reconcile's create succeeds and the new set adopts the running pods.
#[test]
fn an_orphan_delete_holds_the_name_until_the_dependents_are_orphaned() {
    // The set as read at 120 s, made again at 125 s.
    let remembered: Rc<RefCell<Option<Value>>> = Rc::default();
    let (first, keep) = (remembered.clone(), remembered);
    let script: Vec<Step> = vec![
        (
            120_000,
            Box::new(move |view: &View| {
                *first.borrow_mut() = Some(recreated_set(view));
                vec![
                    delete("StatefulSet", "redis", Some("Orphan")),
                    OperatorAction::Create { object: recreated_set(view) },
                ]
            }),
        ),
        (
            125_000,
            Box::new(move |view: &View| {
                assert!(
                    view.objects.stateful_sets.iter().all(|s| s["metadata"]["name"] != "redis"),
                    "gone by now"
                );
                vec![OperatorAction::Create { object: keep.borrow().clone().unwrap() }]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(5_000));
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [200, 409], "{got:#?}");
    assert_eq!(got[1].1, Some("AlreadyExists"));
    assert_eq!(got[1].2, "object is being deleted: statefulsets.apps \"redis\" already exists");
    let results = &seen.iter().find(|s| s.time_ms > 120_000 && !s.results.is_empty()).unwrap().results;
    let held = results[0].object.as_ref().expect("the set is still there when answered");
    assert_eq!(held["metadata"]["finalizers"], json!(["orphan"]));
    assert!(held["metadata"]["deletionTimestamp"].is_string());
    let world = &sim.world;
    let deleted = sim
        .trace
        .records
        .iter()
        .find(|r| {
            matches!(r.event, Event::StatefulSetDeleted { cascade: stsim_core::objects::Cascade::Orphan, .. })
        })
        .expect("the set goes");
    assert_eq!(deleted.at, t("120s"), "in the same instant, after the operator's writes");
    assert_eq!(deleted.actor, stsim_core::trace::Actor::GarbageCollector);
    assert_eq!(answers(&seen, 125_000)[0].0, 201, "created once the old one is gone");
    // The pods ran through the hand-over: orphaned in the same instant, then
    // adopted by the new set (which may roll them to its own template).
    let sets: Vec<_> = world.statefulsets.iter().filter(|s| s.name == "redis").collect();
    assert_eq!(sets.len(), 2);
    let adopted: Vec<String> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::PodAdopted { pod, sts } if sts == sets[1].id && r.at == t("125s") => {
                Some(world.pod(pod).name.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(adopted, ["redis-0", "redis-1", "redis-2"]);
}

/// A Service's selector, ports and publishNotReadyAddresses are mutable
/// (`ValidateServiceUpdate`): endpoints and DNS follow a selector that
/// stops (and starts again) selecting the pods, and SRV names follow the
/// named ports and their target ports. Its cluster IP and what stsim does
/// not model are refused.
#[test]
fn a_services_selector_and_ports_change_and_dns_follows() {
    let script: Vec<Step> = vec![
        (
            120_000,
            Box::new(|_: &View| {
                vec![
                    patch("Service", "redis-svc", json!({"spec": {"selector": {"app": "cache"}}})),
                    patch(
                        "Service",
                        "redis-svc",
                        json!({"spec": {"ports": [{"name": "x", "port": 1, "appProtocol": "x"}]}}),
                    ),
                    patch("Service", "redis-svc", json!({"spec": {"ports": [{"name": "x", "port": 0}]}})),
                ]
            }),
        ),
        (
            180_000,
            Box::new(|_: &View| {
                vec![patch(
                    "Service",
                    "redis-svc",
                    json!({"spec": {"selector": {"app": "redis"}, "ports": [{"name": "redis", "port": 6379, "protocol": "TCP", "targetPort": 7000}]}}),
                )]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [200, 405, 422], "{got:#?}");
    assert_eq!(got[1].2, "stsim does not model spec.ports[0].appProtocol of a Service (redis-svc)");
    assert!(got[2].2.contains("spec.ports[0].port: Invalid value: 0"), "{}", got[2].2);
    let log = crate::support::Log(&sim);
    let fqdn = "redis-0.redis-svc.default.svc.cluster.local";
    let changes: Vec<(stsim_core::time::SimTime, bool)> =
        log.dns(fqdn).into_iter().map(|(at, added, _)| (at, added)).collect();
    let n = changes.len();
    assert!(n >= 3, "{changes:?}");
    assert_eq!(changes[n - 2..], [(t("120s"), false), (t("180s"), true)], "{changes:?}");
    let srv = "_redis._tcp.redis-svc.default.svc.cluster.local";
    let answers = stsim_core::controllers::dns::service_answers(&sim.world, srv).unwrap();
    assert_eq!(answers.len(), 3, "one SRV target per ready endpoint: {answers:?}");
    // The port each endpoint lists: the targetPort, not the Service's port.
    assert!(answers.iter().all(|a| a.ends_with(":7000")), "{answers:?}");
    let served = &seen.iter().find(|s| s.time_ms >= 190_000).unwrap().view;
    assert_eq!(object(&served.objects.services, "redis-svc")["spec"]["ports"][0]["targetPort"], json!(7000));
    let view = &seen.iter().find(|s| s.time_ms >= 130_000).unwrap().view;
    assert_eq!(object(&view.objects.services, "redis-svc")["spec"]["selector"], json!({"app": "cache"}));
    // The operator heard of the change like any other.
    let heard = seen
        .iter()
        .filter(|s| s.time_ms >= 120_000)
        .flat_map(|s| &s.events)
        .any(|e| e.kind == "MODIFIED" && e.object == "Service" && e.name == "redis-svc");
    assert!(heard);
}

/// A pod's container image is mutable: the kubelet kills the container
/// (SIGTERM, the old image's shutdown) and starts the new image in the same
/// sandbox. The pod keeps its name, uid, IP and node; its restart count
/// goes up by one; it is not Ready while the new container starts.
#[test]
fn a_pods_image_is_changed_in_place() {
    let script: Vec<Step> = vec![(
        120_000,
        Box::new(move |view: &View| {
            let mut two = containers_with_images(view, "redis-2", &["x"]);
            two["spec"]["containers"].as_array_mut().unwrap().push(json!({"name": "side", "image": "y"}));
            vec![
                patch("Pod", "redis-1", containers_with_images(view, "redis-1", &["redis:7.2"])),
                patch("Pod", "redis-2", containers_with_images(view, "redis-2", &[""])),
                patch("Pod", "redis-2", two),
                patch(
                    "Pod",
                    "redis-2",
                    json!({"spec": {"initContainers": [{"name": "init", "image": "y"}]}}),
                ),
                delete("Pod", "redis-2", None),
                patch("Pod", "redis-2", containers_with_images(view, "redis-2", &["redis:7.2"])),
            ]
        }),
    )];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 120_000);
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [200, 422, 422, 405, 200, 405], "{got:#?}");
    assert_eq!(
        got[5].2,
        "stsim does not model changes to the image of a terminating or finished pod (redis-2)"
    );
    assert_eq!(got[1].2, "Pod \"redis-2\" is invalid: spec.containers[0].image: Required value");
    let pods: Vec<_> = sim.world.pods.iter().filter(|p| p.name == "redis-1").collect();
    assert_eq!(pods.len(), 1, "the same pod object");
    let pod = pods[0];
    assert_eq!(pod.image, "redis:7.2");
    assert_eq!(pod.status.restarts, 1);
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let old = object(&before.objects.pods, "redis-1");
    assert_eq!(old["status"]["podIP"], json!(pod.status.pod_ip.map(|ip| ip.to_string())), "same IP");
    assert_eq!(old["spec"]["nodeName"], json!(sim.world.node(pod.node.unwrap()).name), "same node");
    let log = crate::support::Log(&sim);
    let readiness: Vec<_> = log.readiness("redis-1").into_iter().filter(|(at, _)| *at >= t("120s")).collect();
    // redis:7.0 shuts down in 5 s; the new image (defaults) pulls and starts.
    assert_eq!(readiness.first(), Some(&(t("125s"), false)), "{readiness:?}");
    assert!(matches!(readiness.get(1), Some((at, true)) if *at > t("125s")), "{readiness:?}");
    let stopped = sim.trace.records.iter().any(|r| {
        r.at == t("125s")
            && matches!(&r.event, Event::ContainerStopped { reason, .. } if reason.contains("image changed"))
    });
    assert!(stopped);
    // The old container exited 0 on SIGTERM: the new one's `lastState`.
    let served = stsim_core::kube::pod(&sim.world, pod);
    let status = &served["status"]["containerStatuses"][0];
    assert_eq!(
        status["lastState"],
        json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
        "{status}"
    );
}

/// The kill for an image changed in place is the kubelet's kill of any
/// other spec change (`killContainer` without a grace override): the
/// preStop hook first, its time counted against the pod's grace period,
/// then SIGTERM with what is left, at least the kubelet's 2 s.
#[test]
fn a_pods_image_change_kills_its_container_as_a_deletion_would() {
    let change = || -> Vec<Step> {
        vec![(
            120_000,
            Box::new(|view: &View| {
                vec![patch("Pod", "redis-1", containers_with_images(view, "redis-1", &["redis:7.2"]))]
            }),
        )]
    };
    // (template fields, when the old container exits, its last state)
    let cases = [
        // The 10 s hook, then redis:7.0's 5 s shutdown, well within 30 s.
        (
            "lifecycle: (preStop: (sleep: (seconds: 10))),",
            "135s",
            json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
        ),
        // A grace period of 1 s is raised to 2 s, which the 5 s shutdown
        // outlasts: SIGKILL at 2 s.
        (
            "terminationGracePeriodSeconds: 1,",
            "122s",
            json!({"terminated": {"reason": "Error", "exitCode": 137}}),
        ),
        // A hook of 25 s leaves 5 s of the 30: the shutdown fits.
        (
            "lifecycle: (preStop: (sleep: (seconds: 25))),",
            "150s",
            json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
        ),
    ];
    for (fields, exit, last_state) in cases {
        let source = SCENARIO.replace(" FAULTS", "").replace(
            "image: \"redis:7.0\", readinessProbe",
            &format!("image: \"redis:7.0\", {fields} readinessProbe"),
        );
        assert!(source.contains(fields));
        let (sim, seen, _) = run_source(&source, change(), Some(10_000));
        assert_eq!(answers(&seen, 120_000).iter().map(|a| a.0).collect::<Vec<_>>(), [200], "{fields}");
        let stopped: Vec<_> = sim
            .trace
            .records
            .iter()
            .filter(|r| matches!(&r.event, Event::ContainerStopped { reason, .. } if reason.contains("image changed")))
            .map(|r| r.at)
            .collect();
        assert_eq!(stopped, [t(exit)], "{fields}");
        let pod = sim.world.pods.iter().find(|p| p.name == "redis-1").unwrap();
        assert_eq!(pod.status.restarts, 1, "{fields}");
        let served = stsim_core::kube::pod(&sim.world, pod);
        assert_eq!(served["status"]["containerStatuses"][0]["lastState"], last_state, "{fields}");
    }
}

/// An operator's `kubectl rollout restart` of a set the scenario defines:
/// a merge patch of the template's restartedAt annotation is accepted, is
/// served back, and rolls the pods through a new revision; the same patch
/// again changes nothing; annotations that are not an object are the API
/// server's 422.
#[test]
fn an_operator_restarts_a_scenario_set_through_its_template_annotation() {
    let restart = |at: &'static str| {
        move |_: &View| {
            vec![patch(
                "StatefulSet",
                "redis",
                json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}}),
            )]
        }
    };
    let script: Vec<Step> = vec![
        (120_000, Box::new(restart("2025-01-01T00:02:00Z"))),
        (300_000, Box::new(restart("2025-01-01T00:02:00Z"))),
        (
            320_000,
            Box::new(|_: &View| {
                vec![patch(
                    "StatefulSet",
                    "redis",
                    json!({"spec": {"template": {"metadata": {"annotations": "x"}}}}),
                )]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    assert_eq!(answers(&seen, 120_000).iter().map(|a| a.0).collect::<Vec<_>>(), [200]);
    assert_eq!(answers(&seen, 300_000).iter().map(|a| a.0).collect::<Vec<_>>(), [200]);
    let invalid = &answers(&seen, 320_000)[0];
    assert_eq!(invalid.0, 422, "{invalid:?}");
    assert!(
        invalid.2.ends_with("spec.template.metadata.annotations: Invalid value: \"x\": must be an object"),
        "{}",
        invalid.2
    );
    let set = sim.world.sts(sim.world.sts_named("redis").unwrap());
    assert_eq!(set.revisions.len(), 2, "one new revision; the same patch again is the same template");
    let deleted: Vec<String> = crate::support::Log(&sim).deletions().into_iter().map(|(_, n)| n).collect();
    assert_eq!(deleted, ["redis-2", "redis-1", "redis-0"]);
    let view = &seen.last().unwrap().view;
    let served = object(&view.objects.stateful_sets, "redis");
    assert_eq!(
        served["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2025-01-01T00:02:00Z"
    );
}

/// A pod an operator creates is validated as any create is: a label value
/// over 63 characters is refused with the API server's 422 (and a refusal
/// by the API server's own pod validation is a 422 too, not taken for a
/// name already in use).
#[test]
fn an_operator_creating_an_invalid_pod_gets_the_api_servers_422() {
    let long = "v".repeat(64);
    let create = move |_: &View| {
        vec![
            OperatorAction::Create {
                object: json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "debug", "labels": {"team": long.clone()}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
            },
            OperatorAction::Create {
                object: json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "debug-2"},
                "spec": {"hostname": "h".repeat(64), "containers": [{"name": "c", "image": "busybox"}]}}),
            },
        ]
    };
    let (sim, seen, _) = run("", vec![(60_000, Box::new(create))], None);
    let got = answers(&seen, 60_000);
    assert_eq!(got[0].0, 422, "{got:?}");
    let refused =
        format!("Pod \"debug\" is invalid: metadata.labels: Invalid value: \"{}\": ", "v".repeat(64));
    assert!(got[0].2.starts_with(&refused), "{}", got[0].2);
    assert_eq!(got[1].0, 422, "{got:?}");
    assert_eq!(
        got[1].2,
        format!(
            "Pod \"debug-2\" is invalid: spec.hostname: Invalid value: \"{}\": must be no more than 63 characters",
            "h".repeat(64)
        )
    );
    assert!(sim.world.pods.iter().all(|p| !p.name.starts_with("debug")));
}

/// A pod's other containers' images in place are not modelled: a write
/// that changes one is refused as such (405), never dropped; its first
/// container's image still changes in place beside them.
#[test]
fn another_containers_image_in_place_is_refused_as_not_modelled() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"image: "redis:7.0", readinessProbe"#,
        r#"image: "redis:7.0", extraContainers: [(name: "exporter", image: "exporter:1")], readinessProbe"#,
    );
    let patch = |patch: Value| OperatorAction::Patch {
        patch_type: Default::default(),
        kind: "Pod".into(),
        name: "redis-2".into(),
        patch,
        subresource: None,
    };
    let script: Vec<Step> = vec![(
        120_000,
        Box::new(move |view: &View| {
            vec![
                patch(containers_with_images(view, "redis-2", &["redis:7.0", "exporter:2"])),
                patch(containers_with_images(view, "redis-2", &["redis:7.2", "exporter:1"])),
            ]
        }),
    )];
    let (sim, seen, _) = run_source(&source, script, None);
    let got = answers(&seen, 120_000);
    assert_eq!(got[0].0, 405, "{got:?}");
    assert_eq!(got[0].2, "stsim does not model changes to the images of a pod's other containers (redis-2)");
    assert_eq!(got[1].0, 200, "{got:?}");
    let pod = sim.world.live_pods().find(|p| p.name == "redis-2").expect("redis-2");
    assert_eq!((pod.image.as_str(), pod.extra_containers[0].image.as_str()), ("redis:7.2", "exporter:1"));
}

/// A container the kubelet kills for its failed liveness probe exits with
/// its image's code on SIGTERM: the watch event of its exit serves it
/// `terminated` with that `exitCode` and the runtime's reason, `Completed`
/// for 0 (though it was killed, and restarts), else `Error`. From then on
/// `lastState` serves that exit (the exit before it while the state is
/// the new exit; `{}` before the first), and `restartCount` counts it.
#[test]
fn a_liveness_kill_is_served_with_the_exit_code_of_the_image() {
    let image = r#"(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "5s")"#;
    for (image_now, reason, exit_code) in
        [(image.to_string(), "Completed", 0), (image.replace(")", ", exitCodeOnSigterm: 143)"), "Error", 143)]
    {
        let source = SCENARIO
            .replace(" FAULTS", "")
            .replace(image, &image_now)
            .replace(
                "readinessProbe: (initialDelaySeconds: 5)),",
                "readinessProbe: (initialDelaySeconds: 5), livenessProbe: ()),",
            )
            .replacen(
                "    operators: [",
                "    timeline: [(at: \"60s\", do: SetLive(pod: \"redis-0\", live: false))],\n    operators: [",
                1,
            );
        assert!(source.contains("SetLive") && source.contains(&image_now));
        let (_, seen, _) = run_source(&source, vec![], Some(10_000));
        let statuses: Vec<Value> = (seen.iter().flat_map(|s| &s.events))
            .filter(|e| e.object == "Pod" && e.name == "redis-0")
            .map(|e| e.manifest.as_ref().unwrap()["status"]["containerStatuses"][0].clone())
            .filter(|status| !status.is_null())
            .collect();
        let exit = json!({"terminated": {"reason": reason, "exitCode": exit_code}});
        // Each exit's first event (its write may make more than one).
        let exits: Vec<usize> = (0..statuses.len())
            .filter(|i| statuses[*i]["state"] == exit && (*i == 0 || statuses[i - 1]["state"] != exit))
            .collect();
        assert!(exits.len() >= 2, "{image_now}: the kills' exits are watched: {statuses:?}");
        assert_eq!(statuses[exits[0]]["lastState"], json!({}), "the first exit has none before it");
        assert_eq!(statuses[exits[1]]["lastState"], exit, "the second exit's lastState is the first");
        for status in &statuses[..exits[0]] {
            assert_eq!(status["lastState"], json!({}), "before the first exit: {status}");
        }
        for status in statuses[exits[0]..].iter().filter(|s| s["state"] != exit) {
            assert_eq!(status["lastState"], exit, "after the first exit: {status}");
            if status["state"]["running"].is_object() {
                assert!(status["restartCount"].as_u64().unwrap() >= 1, "{status}");
            }
        }
    }
}

/// A container lost with its machine: the runtime, started again, finds
/// no task behind it and reports it exited with 255, reason `Unknown`
/// (containerd's CRI); the kubelet starts a new one in a new sandbox, and
/// serves that exit as its `lastState`.
#[test]
fn a_container_lost_with_its_machine_is_served_as_its_last_state() {
    let source = SCENARIO.replace(" FAULTS", "").replacen(
        "    operators: [",
        "    timeline: [(at: \"60s\", do: CrashNode(nodeOf: \"redis-0\")), (at: \"90s\", do: RecoverNode(nodeOf: \"redis-0\"))],\n    operators: [",
        1,
    );
    assert!(source.contains("CrashNode"));
    let (sim, seen, _) = run_source(&source, vec![], Some(10_000));
    let pod = sim.world.live_pods().find(|p| p.name == "redis-0").expect("redis-0");
    assert_eq!(pod.status.restarts, 1, "the same pod, its container started again");
    let last = &seen.last().unwrap().view;
    let status = &object(&last.objects.pods, "redis-0")["status"]["containerStatuses"][0];
    assert_eq!(
        status["lastState"],
        json!({"terminated": {"reason": "Unknown", "exitCode": 255}}),
        "{status}"
    );
    assert_eq!(status["restartCount"], 1, "{status}");
    assert!(status["state"]["running"].is_object(), "{status}");
}

/// A probe a timeline `PatchTemplate` adds names no check, as a scenario's
/// do: it is given the same made-up check they are (a TCP check on the
/// Service's first port) and kept in the template, so the template an
/// operator reads is the one stored, and writing it back unchanged makes
/// no new revision.
#[test]
fn a_probe_added_by_a_timeline_patch_is_served_as_stored() {
    let source = SCENARIO
        .replace(" FAULTS", "")
        .replace(
            r#"readinessProbe: (initialDelaySeconds: 5)),"#,
            r#"),"#,
        )
        .replace(
            r#"(name: "redis-svc", selector: {"app": "redis"})"#,
            r#"(name: "redis-svc", selector: {"app": "redis"}, ports: [(name: "redis", port: 6379)])"#,
        )
        .replacen(
            "    operators: [",
            "    timeline: [(at: \"60s\", do: PatchTemplate(statefulset: \"redis\", template: (readinessProbe: (periodSeconds: 5))))],\n    operators: [",
            1,
        );
    assert!(
        source.contains("port: 6379")
            && source.contains("PatchTemplate")
            && !source.contains("initialDelaySeconds")
    );
    let echo = |view: &View| {
        let set = object(&view.objects.stateful_sets, "redis");
        vec![patch("StatefulSet", "redis", json!({"spec": {"template": set["spec"]["template"].clone()}}))]
    };
    let (sim, seen, _) = run_source(&source, vec![(120_000, Box::new(echo))], Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let set = object(&before.objects.stateful_sets, "redis");
    let probe = &set["spec"]["template"]["spec"]["containers"][0]["readinessProbe"];
    assert_eq!(probe["tcpSocket"], json!({"port": 6379}), "{probe}");
    assert_eq!(probe["periodSeconds"], 5, "{probe}");
    let revision = set["status"]["updateRevision"].clone();
    assert_eq!(answers(&seen, 120_000)[0].0, 200, "{:?}", answers(&seen, 120_000));
    let set = sim.world.statefulsets.iter().find(|s| s.name == "redis").unwrap();
    assert_eq!(json!(set.status.update_revision), revision, "the same template: no new revision");
}

/// The first container is served with its template's name (here the
/// scenario's `containerName`), not a name of stsim's: an operator that
/// finds its container by name finds it, and the template written back
/// unchanged is the same revision. A rename is another template: a new
/// revision, and the pods are replaced with the new name.
#[test]
fn the_first_container_is_served_and_compared_by_its_own_name() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"template: (labels: {"app": "redis"}, image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),"#,
        r#"template: (labels: {"app": "redis"}, containerName: "server", image: "redis:7.0"),"#,
    );
    let template = |name: &str| json!({"spec": {"template": {"spec": {"containers": [{"name": name, "image": "redis:7.0"}]}}}});
    let script: Vec<Step> = vec![
        (120_000, Box::new(move |_: &View| vec![patch("StatefulSet", "redis", template("server"))])),
        (200_000, Box::new(move |_: &View| vec![patch("StatefulSet", "redis", template("cache"))])),
    ];
    let (sim, seen, _) = run_source(&source, script, Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    assert_eq!(object(&before.objects.pods, "redis-0")["spec"]["containers"][0]["name"], "server");
    let set = object(&before.objects.stateful_sets, "redis");
    assert_eq!(set["spec"]["template"]["spec"]["containers"][0]["name"], "server");
    let revision = set["status"]["updateRevision"].clone();
    assert_eq!(answers(&seen, 120_000)[0].0, 200, "{:?}", answers(&seen, 120_000));
    let after = &seen.iter().find(|s| s.time_ms > 120_000 && s.time_ms < 200_000).unwrap().view;
    let set = object(&after.objects.stateful_sets, "redis");
    assert_eq!(set["status"]["updateRevision"], revision, "the same template: no new revision");
    assert_eq!(answers(&seen, 200_000)[0].0, 200, "{:?}", answers(&seen, 200_000));
    let set = sim.world.statefulsets.iter().find(|s| s.name == "redis").unwrap();
    assert_ne!(json!(set.status.update_revision), revision, "a renamed container: a new revision");
    for pod in sim.world.live_pods() {
        assert_eq!(pod.container_name(), "cache", "{}", pod.name);
    }
}

/// A scenario's set is served with its whole template, as `stsim export`
/// writes it: an operator sees its requests and probes, and may change any
/// of them. Written back with only the CPU request changed (a replace, as
/// an operator's `update` does), the template is read whole: the request
/// is the new one, the probe is kept, a new revision rolls the pods, and
/// the set is served as written from then on.
#[test]
fn an_operator_changes_any_field_of_a_scenario_sets_template() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),"#,
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5),
            resources: (requests: (cpu: "100m", memory: "64Mi"))),"#,
    );
    let resize = |view: &View| {
        let mut set = object(&view.objects.stateful_sets, "redis").clone();
        set.as_object_mut().unwrap().remove("status");
        set["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = json!("250m");
        vec![OperatorAction::Update { object: set }]
    };
    let (sim, seen, _) = run_source(&source, vec![(120_000, Box::new(resize))], Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let served = object(&before.objects.stateful_sets, "redis");
    let container = &served["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["requests"], json!({"cpu": "100m", "memory": "64Mi"}));
    assert_eq!(container["readinessProbe"]["initialDelaySeconds"], 5);
    // Its pods are served with the same spec: an operator that compares a
    // pod's requests with its set's finds them equal.
    let pod = &object(&before.objects.pods, "redis-0")["spec"]["containers"][0];
    assert_eq!(pod["resources"], container["resources"]);
    assert_eq!(pod["readinessProbe"], container["readinessProbe"]);
    let answer = &answers(&seen, 120_000)[0];
    assert_eq!(answer.0, 200, "{answer:?}");
    let set = sim.world.statefulsets.iter().find(|s| s.name == "redis").unwrap();
    assert_eq!(set.spec.template.requests.cpu_millis, 250);
    assert_eq!(set.spec.template.requests.memory_bytes, 64 << 20);
    let probe = set.spec.template.readiness_probe.as_ref().expect("the probe is kept");
    assert_eq!(probe.initial_delay.as_millis(), 5_000);
    assert_eq!(set.revisions.len(), 2, "a new revision");
    assert!(set.template_object.is_some(), "kept as written from then on");
    for pod in sim.world.live_pods().filter(|p| p.owner.is_some()) {
        assert_eq!(pod.requests.cpu_millis, 250, "{} rolled to the new template", pod.name);
    }
    let after = &seen.last().unwrap().view;
    let pod = &object(&after.objects.pods, "redis-0")["spec"]["containers"][0];
    assert_eq!(pod["resources"]["requests"]["cpu"], "250m");
}

/// At `at_ms`, the set `redis` written back as read (a replace, as an
/// operator's `update` does), without its status.
fn written_back_at(at_ms: u64) -> Vec<Step> {
    vec![(
        at_ms,
        Box::new(|view: &View| {
            let mut set = object(&view.objects.stateful_sets, "redis").clone();
            set.as_object_mut().unwrap().remove("status");
            vec![OperatorAction::Update { object: set }]
        }),
    )]
}

/// A scenario's init containers are served by name in its set's template,
/// so that the set written back as read (a replace, as an operator's
/// `update` does) is the same template, the same revision; and they are
/// part of the template Kubernetes hashes, so renaming one is a new
/// revision.
#[test]
fn init_containers_are_served_in_the_template_and_written_back_unchanged() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),"#,
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5),
            initContainers: [(name: "config", image: "redis:7.0")]),"#,
    );
    let (sim, seen, _) = run_source(&source, written_back_at(120_000), Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let set = object(&before.objects.stateful_sets, "redis");
    assert_eq!(set["spec"]["template"]["spec"]["initContainers"][0]["name"], "config");
    let revision = set["status"]["updateRevision"].clone();
    assert_eq!(answers(&seen, 120_000)[0].0, 200, "{:?}", answers(&seen, 120_000));
    let set = sim.world.statefulsets.iter().find(|s| s.name == "redis").unwrap();
    assert_eq!(json!(set.status.update_revision), revision, "the same template: no new revision");
    assert_eq!(set.revisions.len(), 1);

    let mut renamed = set.spec.template.clone();
    renamed.init_containers[0].name = "setup".into();
    assert_ne!(
        stsim_core::controllers::statefulset::revision_name("redis", &renamed, 0),
        stsim_core::controllers::statefulset::revision_name("redis", &set.spec.template, 0),
        "a renamed init container is another template"
    );
}

/// A scenario's container ports are served in its set's template and in
/// its pods, the protocol defaulted, so that the set written back as read
/// is the same template, the same revision.
#[test]
fn container_ports_are_served_and_written_back_unchanged() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5)),"#,
        r#"image: "redis:7.0", readinessProbe: (initialDelaySeconds: 5),
            ports: [(containerPort: 6379, name: "redis"), (containerPort: 16379, hostPort: 16379)],
            initContainers: [(name: "proxy", image: "redis:7.0", restartPolicy: "Always",
                ports: [(containerPort: 9901, name: "admin", protocol: UDP)])]),"#,
    );
    let (sim, seen, _) = run_source(&source, written_back_at(120_000), Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let first = json!([
        {"containerPort": 6379, "name": "redis", "protocol": "TCP"},
        {"containerPort": 16379, "hostPort": 16379, "protocol": "TCP"},
    ]);
    let sidecar = json!([{"containerPort": 9901, "name": "admin", "protocol": "UDP"}]);
    let set = object(&before.objects.stateful_sets, "redis");
    assert_eq!(set["spec"]["template"]["spec"]["containers"][0]["ports"], first);
    assert_eq!(set["spec"]["template"]["spec"]["initContainers"][0]["ports"], sidecar);
    let pod = object(&before.objects.pods, "redis-0");
    assert_eq!(pod["spec"]["containers"][0]["ports"], first);
    assert_eq!(pod["spec"]["initContainers"][0]["ports"], sidecar);
    let revision = set["status"]["updateRevision"].clone();
    assert_eq!(answers(&seen, 120_000)[0].0, 200, "{:?}", answers(&seen, 120_000));
    let set = sim.world.statefulsets.iter().find(|s| s.name == "redis").unwrap();
    assert_eq!(json!(set.status.update_revision), revision, "the same template: no new revision");
    assert_eq!(set.revisions.len(), 1);
}

/// What the API server checks of every create, whatever the kind
/// (`ValidateObjectMeta`, `rest.BeforeCreate`): the namespace, the name by
/// its kind's rule (a StatefulSet's an RFC 1123 label from 1.27; a claim's
/// and a custom resource's a subdomain), labels, annotation keys and their
/// 256 KiB, finalizer names; a name made from `generateName`; a pod whose
/// subdomain (its set's serviceName) is no DNS label is refused.
#[test]
fn every_create_passes_the_object_meta_rules() {
    fn create(object: Value) -> OperatorAction {
        OperatorAction::Create { object }
    }
    fn pvc(meta: Value) -> OperatorAction {
        create(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}))
    }
    fn set(name: &str, service: &str) -> OperatorAction {
        create(json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"serviceName": service, "replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "redis:7.0"}]}}}}))
    }
    let script: Vec<Step> = vec![(
        60_000,
        Box::new(move |_: &View| {
            vec![
                pvc(json!({"name": "Bad_Name"})),
                pvc(json!({"name": "ok-1", "namespace": "kube-system"})),
                pvc(json!({"name": "ok-2", "annotations": {"bad key!": "v"}})),
                pvc(json!({"name": "ok-3", "annotations": {"example.com/big": "x".repeat(262_144)}})),
                pvc(json!({"name": "ok-4", "finalizers": ["bad finalizer"]})),
                pvc(json!({"name": "ok-5", "labels": {"Bad Label": "v"}})),
                pvc(json!({})),
                pvc(json!({"generateName": "gen-"})),
                create(json!({"apiVersion": "cache.example.com/v1", "kind": "RedisCluster",
                              "metadata": {"name": "T_2"}, "spec": {"size": 1}})),
                set("db.dotted", "redis-svc"),
                set("dbsvc", "Bad_Svc"),
                patch("Service", "redis-svc", json!({"metadata": {"annotations": {"bad key!": "v"}}})),
                patch("StatefulSet", "redis", json!({"metadata": {"finalizers": ["bad finalizer"]}})),
            ]
        }),
    )];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 60_000);
    let codes: Vec<u16> = got.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(codes, [422, 400, 422, 422, 422, 422, 422, 201, 422, 422, 201, 422, 422], "{got:#?}");
    let starts = |i: usize, text: &str| assert!(got[i].2.starts_with(text), "{i}: {}", got[i].2);
    starts(
        0,
        "PersistentVolumeClaim \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain",
    );
    starts(1, "the namespace of the provided object does not match the namespace sent on the request");
    starts(
        2,
        "PersistentVolumeClaim \"ok-2\" is invalid: metadata.annotations: Invalid value: \"bad key!\": name part must consist of",
    );
    starts(
        3,
        "PersistentVolumeClaim \"ok-3\" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes",
    );
    starts(
        4,
        "PersistentVolumeClaim \"ok-4\" is invalid: metadata.finalizers: Invalid value: \"bad finalizer\": name part must consist of",
    );
    starts(5, "PersistentVolumeClaim \"ok-5\" is invalid: metadata.labels: Invalid value: \"Bad Label\"");
    starts(
        6,
        "PersistentVolumeClaim \"\" is invalid: metadata.name: Required value: name or generateName is required",
    );
    starts(8, "RedisCluster.cache.example.com \"T_2\" is invalid: metadata.name: Invalid value: \"T_2\"");
    starts(
        9,
        "StatefulSet.apps \"db.dotted\" is invalid: metadata.name: Invalid value: \"db.dotted\": a lowercase RFC 1123 label",
    );
    starts(11, "Service \"redis-svc\" is invalid: metadata.annotations: Invalid value: \"bad key!\"");
    starts(
        12,
        "StatefulSet.apps \"redis\" is invalid: metadata.finalizers: Invalid value: \"bad finalizer\"",
    );
    // The generated name: the prefix and five of the generator's letters.
    let made = got[7].2.clone();
    let claim = sim.world.pvcs.iter().find(|c| c.name.starts_with("gen-")).expect("a claim named for it");
    assert_eq!(claim.name.len(), "gen-".len() + 5, "{made}");
    assert!(claim.name["gen-".len()..].bytes().all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)));
    // A set whose serviceName is no DNS label is made, and each pod refused.
    let refused = sim.trace.records.iter().find_map(|r| match &r.event {
        Event::PodCreateInvalid { name, message } if name == "dbsvc-0" => Some(message.to_string()),
        _ => None,
    });
    assert!(
        refused.as_deref().is_some_and(|m| m.contains("spec.subdomain: Invalid value: \"Bad_Svc\"")),
        "{refused:?}"
    );
    // Before 1.27 a StatefulSet's name was a subdomain: the dotted one is made.
    let script: Vec<Step> = vec![(60_000, Box::new(move |_: &View| vec![set("db.dotted", "redis-svc")]))];
    let (_, seen, _) = run_source(
        &SCENARIO
            .replace(" FAULTS", "")
            .replace("name: \"verbs\",", "name: \"verbs\", kubernetesVersion: \"1.26\","),
        script,
        Some(10_000),
    );
    assert_eq!(answers(&seen, 60_000)[0].0, 201);
}

/// `DeleteOptions.gracePeriodSeconds` is an int64: a negative one is no
/// protocol error but a delete the pod strategy gives 1 s.
#[test]
fn a_negative_grace_period_deletes_in_one_second() {
    let script: Vec<Step> = vec![(
        60_000,
        Box::new(|_: &View| {
            vec![OperatorAction::Delete {
                kind: "Pod".into(),
                name: "redis-1".into(),
                preconditions: None,
                grace_period_seconds: Some(-1),
                propagation_policy: None,
            }]
        }),
    )];
    let (sim, seen, _) = run("", script, Some(10_000));
    assert_eq!(answers(&seen, 60_000)[0].0, 200);
    let first = sim.world.pods.iter().find(|p| p.name == "redis-1").unwrap();
    let gone = first.removed_at.expect("deleted");
    assert!(gone <= t("1m1s") + stsim_core::time::SimDuration::from_secs(1), "gone at {gone}");
    let action: OperatorAction =
        serde_json::from_str(r#"{"action": "Delete", "kind": "Pod", "name": "x", "gracePeriodSeconds": -1}"#)
            .unwrap();
    assert!(matches!(action, OperatorAction::Delete { grace_period_seconds: Some(-1), .. }));
}

/// A pod that two PodDisruptionBudgets select cannot be evicted: the
/// eviction API answers 500 with no reason (pkg/registry/core/pod/storage/
/// eviction.go, `len(pdbs) > 1`), not the 429 a client retries. kubectl
/// drain retries only a 429 (k8s.io/kubectl/pkg/drain/drain.go
/// `evictPods`), so the drain fails at once, leaving the node cordoned, and
/// the finding names the overlapping budgets instead of advising to wait.
#[test]
fn two_budgets_make_an_eviction_a_500_and_a_drain_fail() {
    let source = SCENARIO
        .replace(
            r#"podDisruptionBudgets: [(name: "redis", selector: {"app": "redis"}, minAvailable: 3)],"#,
            r#"podDisruptionBudgets: [(name: "redis", selector: {"app": "redis"}, maxUnavailable: 1),
                (name: "redis-extra", selector: {"app": "redis"}, minAvailable: 1)],"#,
        )
        .replace(
            " FAULTS)],",
            r#")],
    timeline: [(at: "3m", do: DrainNode(nodeOf: "redis-1"))],"#,
        );
    let script: Vec<Step> =
        vec![(120_000, Box::new(|_: &View| vec![OperatorAction::Evict { name: "redis-0".into() }]))];
    let (sim, seen, _) = run_source(&source, script, None);
    let message = stsim_core::controllers::disruption::MULTIPLE_BUDGETS;
    assert_eq!(answers(&seen, 120_000), [(500, None, message.to_string())]);
    let result = seen.iter().flat_map(|s| &s.results).find(|r| r.code == 500).unwrap();
    let json = serde_json::to_value(result).unwrap();
    assert_eq!(json.get("reason"), None, "no reason, as the API server's status has none: {json}");
    // The drain tries redis-1 once, and does not retry it.
    let refusals: Vec<(u64, u16)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::EvictionRefused { pod, code, .. } if sim.world.pod(*pod).name == "redis-1" => {
                Some((r.at.as_millis(), *code))
            }
            _ => None,
        })
        .collect();
    assert_eq!(refusals, [(180_000, 500)]);
    let failed: Vec<(u64, u32)> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match r.event {
            Event::NodeDrainFailed { left, .. } => Some((r.at.as_millis(), left)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [(180_000, 1)]);
    assert!(!sim.trace.records.iter().any(|r| matches!(r.event, Event::NodeDrained { .. })));
    let report = stsim_core::report::build(&sim);
    let finding = report.findings.iter().find(|f| f.id == "drain-blocked").expect("drain-blocked");
    assert!(finding.summary.contains("failed at 3m"), "{}", finding.summary);
    assert!(finding.explanation.contains("retries only a 429"), "{}", finding.explanation);
    assert!(finding.fix.contains("The budgets redis and redis-extra overlap"), "{}", finding.fix);
    assert!(!finding.fix.contains("Wait for the replacements"), "{}", finding.fix);
}

/// A create that carries a `metadata.resourceVersion` parsing as a non-zero
/// number is refused by the storage: 500 with no reason, "resourceVersion
/// should not be set on objects to be created" (k8s.io/apiserver
/// pkg/storage/etcd3/store.go `Create`). "", "0" and what does not parse
/// as an unsigned number ("-1", "+3") are accepted.
#[test]
fn a_create_with_a_resource_version_is_refused_by_the_storage() {
    let claim = |name: &str, rv: &str| OperatorAction::Create {
        object: json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "resourceVersion": rv},
            "spec": {"resources": {"requests": {"storage": "1Gi"}}}}),
    };
    let script: Vec<Step> = vec![(
        120_000,
        Box::new(move |_: &View| {
            vec![
                claim("rv-3", "3"),
                claim("rv-minus-1", "-1"),
                claim("rv-0", "0"),
                claim("rv-empty", ""),
                claim("rv-plus-3", "+3"),
                claim("rv-huge", "99999999999999999999999"),
                OperatorAction::Create {
                    object: json!({"apiVersion": "cache.example.com/v1", "kind": "RedisCluster",
                        "metadata": {"name": "copy", "resourceVersion": "999"}, "spec": {"size": 1}}),
                },
                // An existing name: the storage refuses the resourceVersion first.
                claim("data-redis-0", "12"),
            ]
        }),
    )];
    let (sim, seen, _) = run("", script, None);
    let refused = "resourceVersion should not be set on objects to be created".to_string();
    let got: Vec<(u16, Option<&str>, String)> = answers(&seen, 120_000)
        .into_iter()
        .map(|(c, r, m)| (c, r, if c == 201 { String::new() } else { m }))
        .collect();
    assert_eq!(
        got,
        [
            (500, None, refused.clone()),
            (201, None, String::new()),
            (201, None, String::new()),
            (201, None, String::new()),
            (201, None, String::new()),
            (201, None, String::new()),
            (500, None, refused.clone()),
            (500, None, refused),
        ]
    );
    assert!(sim.world.pvc_named("rv-3").is_none() && sim.world.pvc_named("rv-minus-1").is_some());
    assert!(sim.world.custom.objects.iter().all(|o| o.name != "copy"));
}

/// A bare pod whose labels match a StatefulSet's selector, created by an
/// operator or by the timeline's `CreatePod`, makes the set's controller
/// sync at once (pkg/controller/statefulset/stateful_set.go `addPod`: an
/// orphan is handed to every matching set), so one named `<set>-<ordinal>`
/// out of the set's range is adopted and deleted in the same instant, not
/// whenever something else happens to sync the set.
#[test]
fn an_orphan_pod_matching_a_set_is_adopted_and_condemned_at_once() {
    let source = SCENARIO.replace(
        " FAULTS)],",
        r#")],
    timeline: [(at: "3m", do: CreatePod(name: "redis-8", template: (labels: {"app": "redis"}, image: "redis:7.0")))],"#,
    );
    let script: Vec<Step> = vec![(
        120_000,
        Box::new(|_: &View| {
            vec![OperatorAction::Create {
                object: json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "redis-7", "labels": {"app": "redis"}},
                    "spec": {"containers": [{"name": "redis", "image": "redis:7.0"}]}}),
            }]
        }),
    )];
    let (sim, seen, _) = run_source(&source, script, None);
    assert_eq!(answers(&seen, 120_000).iter().map(|a| a.0).collect::<Vec<_>>(), [201]);
    for (name, at) in [("redis-7", t("2m")), ("redis-8", t("3m"))] {
        let pod = sim.world.pods.iter().find(|p| p.name == name).expect(name);
        let adopted: Vec<_> = sim
            .trace
            .records
            .iter()
            .filter(|r| matches!(r.event, Event::PodAdopted { pod: p, .. } if p == pod.id))
            .map(|r| r.at)
            .collect();
        assert_eq!(adopted, [at], "{name} is adopted as it is created");
        assert_eq!(pod.removed_at, Some(at), "{name}, out of range, is deleted at once");
    }
}

/// A served object never changes without a new `resourceVersion`, as
/// every write of the API server gives one: a watch sees each change, and
/// an update from a copy read before it conflicts. Checked on the pods
/// and claims of every view an operator reconciling every second gets,
/// through the writes that are easy to miss: the kubelet's status of one
/// container (a crashing sidecar, a second container starting), labels
/// and finalizers edited by hand, and a claim's labels edited.
#[test]
fn a_served_object_changes_only_with_a_new_resource_version() {
    let source = r#"Scenario(
    name: "versions",
    seed: 3,
    duration: "3m",
    kubernetesVersion: "1.33",
    images: [
        (name: "shipper:1", startup: "20s", behaviour: CrashLoop),
        (name: "metrics:1", pull: "15s"),
        (name: "web:1", startup: "3s"),
    ],
    services: [(name: "web", clusterIP: "None", selector: {"app": "web"})],
    statefulsets: [(
        name: "web", serviceName: "web", replicas: 2,
        template: (labels: {"app": "web"}, image: "web:1", readinessProbe: (periodSeconds: 1),
            initContainers: [(name: "shipper", image: "shipper:1", restartPolicy: "Always")],
            extraContainers: [(name: "metrics", image: "metrics:1")]),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    )],
    timeline: [
        (at: "70s", do: PatchPod(pod: "web-0", labels: {"tier": "cache"}, finalizers: ["example.com/hold"])),
        (at: "80s", do: PatchPod(pod: "web-1", removeLabels: ["statefulset.kubernetes.io/pod-name"])),
        (at: "90s", do: PatchPvc(pvc: "data-web-0", labels: {"backup": "daily"})),
    ],
    operators: [(operator: PvcCleanup(after: "1h"), reconcileDelay: "1s", protocol: 2)],
)"#;
    let (_, seen, _) = run_source(source, Vec::new(), Some(1_000));
    assert!(seen.len() > 150, "an operator reconciling every second: {}", seen.len());
    let strip = |o: &Value| {
        let mut o = o.clone();
        o["metadata"].as_object_mut().unwrap().remove("resourceVersion");
        o
    };
    let mut checked = 0;
    for pair in seen.windows(2) {
        let (before, after) = (&pair[0].view.objects, &pair[1].view.objects);
        for (old, new) in
            [(&before.pods, &after.pods), (&before.persistent_volume_claims, &after.persistent_volume_claims)]
        {
            for o in old.iter() {
                let Some(n) = new.iter().find(|n| n["metadata"]["uid"] == o["metadata"]["uid"]) else {
                    continue;
                };
                if strip(o) != strip(n) {
                    checked += 1;
                    assert_ne!(
                        o["metadata"]["resourceVersion"], n["metadata"]["resourceVersion"],
                        "{} changed between {} and {} ms with the same resourceVersion:\n{o:#}\n{n:#}",
                        o["metadata"]["name"], pair[0].time_ms, pair[1].time_ms
                    );
                }
            }
        }
    }
    assert!(checked > 10, "changes seen: {checked}");
}

/// A selector's `Exists` expression takes no values, and the API server
/// serves it without a `values` list (the field is omitempty): the set's
/// selector is served as a client would write it, and written back as read
/// it changes nothing.
#[test]
fn a_selector_expression_without_values_is_served_without_them() {
    let source = SCENARIO.replace(" FAULTS", "").replace(
        r#"serviceName: "redis-svc","#,
        r#"serviceName: "redis-svc", selectorExpressions: [(key: "app", operator: Exists)],"#,
    );
    let (sim, seen, _) = run_source(&source, written_back_at(120_000), Some(10_000));
    let before = &seen.iter().find(|s| s.time_ms >= 100_000).unwrap().view;
    let set = object(&before.objects.stateful_sets, "redis");
    assert_eq!(set["spec"]["selector"]["matchExpressions"], json!([{"key": "app", "operator": "Exists"}]));
    assert_eq!(answers(&seen, 120_000)[0].0, 200, "{:?}", answers(&seen, 120_000));
    let set = sim.world.sts(sim.world.sts_named("redis").unwrap());
    assert_eq!((set.generation, set.revisions.len()), (1, 1), "nothing changed");
}

/// A `PATCH` of `patch_type` (what the request's content type says).
fn patch_as(
    kind: &str,
    name: &str,
    patch: Value,
    patch_type: stsim_core::kube::patch::PatchType,
) -> OperatorAction {
    OperatorAction::Patch { patch_type, kind: kind.into(), name: name.into(), patch, subresource: None }
}

/// The three patch types, as the API server reads them. A strategic merge
/// patch naming only a container's name and image (what `kubectl set
/// image` sends) changes that image and keeps the rest of the container;
/// a JSON merge patch of the same replaces the list whole and silently
/// drops the probe (the set stays valid without one: a real bug class of
/// operators that patch with `MergeFrom` a container they built). A JSON
/// patch's `test` of the resourceVersion guards a change; a stale one
/// leaves the object as it was (422). Custom resources have no strategic
/// merge (415).
#[test]
fn patches_of_each_type_as_the_api_server_applies_them() {
    use stsim_core::kube::patch::PatchType;
    // (The first container's default name is `main`.)
    let image = |image: &str| json!({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": image}]}}}});
    let probe = |view: &View| {
        let set = object(&view.objects.stateful_sets, "redis");
        set["spec"]["template"]["spec"]["containers"][0].get("readinessProbe").cloned()
    };
    let script: Vec<Step> = vec![
        (
            120_000,
            Box::new(move |view: &View| {
                let set = object(&view.objects.stateful_sets, "redis");
                let version = set["metadata"]["resourceVersion"].clone();
                vec![
                    // 0: 200 the strategic merge patch keeps the probe.
                    patch_as("StatefulSet", "redis", image("redis:7.2"), PatchType::Strategic),
                    // 1: 422 the resourceVersion tested is the one before 0.
                    patch_as(
                        "StatefulSet",
                        "redis",
                        json!([{"op": "test", "path": "/metadata/resourceVersion", "value": version},
                               {"op": "replace", "path": "/spec/replicas", "value": 5}]),
                        PatchType::Json,
                    ),
                    // 2: 200 a JSON patch without the test.
                    patch_as(
                        "StatefulSet",
                        "redis",
                        json!([{"op": "replace", "path": "/spec/replicas", "value": 4}]),
                        PatchType::Json,
                    ),
                    // 3: 415 no strategic merge for a custom resource.
                    patch_as("RedisCluster", "redis", json!({"spec": {"size": 4}}), PatchType::Strategic),
                    // 4: 200 a JSON patch of one.
                    patch_as(
                        "RedisCluster",
                        "redis",
                        json!([{"op": "replace", "path": "/spec/size", "value": 4}]),
                        PatchType::Json,
                    ),
                    // 5: 400 a JSON patch that is not a list of operations.
                    patch_as("StatefulSet", "redis", json!({"op": "replace"}), PatchType::Json),
                ]
            }),
        ),
        // The merge patch of the same container: 200, and the probe is gone.
        (
            300_000,
            Box::new(move |_: &View| {
                vec![patch_as("StatefulSet", "redis", image("redis:7.0"), PatchType::Merge)]
            }),
        ),
    ];
    let (sim, seen, _) = run("", script, Some(10_000));
    let got = answers(&seen, 120_000);
    let codes: Vec<u16> = got.iter().map(|g| g.0).collect();
    assert_eq!(codes, [200, 422, 200, 415, 200, 400], "{got:#?}");
    let between = &seen.iter().rfind(|s| s.time_ms < 300_000).unwrap().view;
    let set = object(&between.objects.stateful_sets, "redis");
    assert_eq!(set["spec"]["template"]["spec"]["containers"][0]["image"], "redis:7.2");
    assert_eq!(set["spec"]["template"]["spec"]["containers"].as_array().map(Vec::len), Some(1));
    assert!(probe(between).is_some(), "the strategic merge kept the probe");
    assert_eq!(set["spec"]["replicas"], 4);
    let cr = object(&between.objects.custom_resources, "redis");
    assert_eq!(cr["spec"]["size"], 4);
    assert_eq!(answers(&seen, 300_000)[0].0, 200);
    // The process protocol names the type as `patchType`; `merge` when left out.
    let read = |text: &str| serde_json::from_str::<OperatorAction>(text).unwrap();
    let json =
        read(r#"{"action": "Patch", "kind": "StatefulSet", "name": "x", "patch": [], "patchType": "json"}"#);
    assert!(matches!(json, OperatorAction::Patch { patch_type: PatchType::Json, .. }));
    let merge = read(r#"{"action": "Patch", "kind": "StatefulSet", "name": "x", "patch": {}}"#);
    assert!(matches!(merge, OperatorAction::Patch { patch_type: PatchType::Merge, .. }));
    let last = &seen.last().unwrap().view;
    assert!(probe(last).is_none(), "the merge patch replaced the containers whole");
    assert!(sim.world.statefulsets[0].spec.template.readiness_probe.is_none());
}

/// From 1.27 a deleted pod's last status has a terminal phase (k/k
/// #115331): an operator watching pods gets a `MODIFIED` event with phase
/// `Succeeded` (its image exits 0 on SIGTERM) before the `DELETED`. The
/// release note warned controllers that took a `Succeeded` pod that restarts
/// its containers for impossible; an operator that reads it as a member
/// that finished, or crashed, acts on every rolling update. Before 1.27
/// the pod goes while Running. The container's terminated state carries
/// the runtime's reason and the exit code: the image's own on SIGTERM
/// (`Error` when not 0), or 137 when it was killed at the end of the grace
/// period.
#[test]
fn a_deleted_pods_last_watch_events_carry_its_terminal_phase() {
    let image = r#"(name: "redis:7.0", pull: "2s", startup: "3s", shutdown: "5s")"#;
    let cases = [
        ("1.36", image.to_string(), "Succeeded", ("Completed", 0)),
        ("1.30", image.to_string(), "Succeeded", ("Completed", 0)),
        ("1.26", image.to_string(), "Running", ("Completed", 0)),
        ("1.36", image.replace(")", ", exitCodeOnSigterm: 143)"), "Failed", ("Error", 143)),
        ("1.26", image.replace(")", ", exitCodeOnSigterm: 143)"), "Running", ("Error", 143)),
        // Past the 30 s grace period: SIGKILL.
        ("1.36", image.replace("shutdown: \"5s\"", "shutdown: \"40s\""), "Failed", ("Error", 137)),
    ];
    for (version, image_now, last_phase, (reason, exit_code)) in cases {
        let source = SCENARIO.replace(" FAULTS", "").replace(image, &image_now).replacen(
            "    seed: ",
            &format!("    kubernetesVersion: \"{version}\",\n    seed: "),
            1,
        );
        assert!(source.contains(&image_now));
        let delete = |_: &View| vec![delete("Pod", "redis-1", None)];
        let (_, seen, _) = run_source(&source, vec![(120_000, Box::new(delete))], Some(10_000));
        let events: Vec<&WatchEvent> = (seen.iter().flat_map(|s| &s.events))
            .filter(|e| e.object == "Pod" && e.name == "redis-1" && e.time_ms >= 120_000)
            .collect();
        let deleted = events.iter().position(|e| e.kind == "DELETED").expect("the pod's DELETED event");
        let phase =
            |e: &WatchEvent| e.manifest.as_ref().unwrap()["status"]["phase"].as_str().unwrap().to_string();
        assert_eq!(
            phase(events[deleted]),
            last_phase,
            "{version} {image_now}: the deleted object's last state"
        );
        let before = &events[deleted - 1];
        assert_eq!((before.kind, phase(before).as_str()), ("MODIFIED", last_phase), "{version}");
        let terminal =
            events[..deleted].iter().filter(|e| ["Succeeded", "Failed"].contains(&&*phase(e))).count();
        assert_eq!(terminal > 0, last_phase != "Running", "{version}");
        let state = &events[deleted].manifest.as_ref().unwrap()["status"]["containerStatuses"][0]["state"];
        assert_eq!(state["terminated"]["reason"], reason, "{version} {image_now}: {state}");
        assert_eq!(state["terminated"]["exitCode"], exit_code, "{version} {image_now}: {state}");
    }
}

/// From 1.26 (`PodDisruptionConditions`) a pod evicted through the eviction
/// API gets the `DisruptionTarget` condition before it is deleted (reason
/// `EvictionByEvictionAPI`): an operator watching pods sees it in the
/// pod's next events, and can tell a drain from a failure. Before 1.26 it
/// has none.
#[test]
fn an_evicted_pod_carries_its_disruption_target_condition() {
    for (version, expected) in [("1.36", true), ("1.26", true), ("1.25", false)] {
        let source = SCENARIO.replace(" FAULTS", "").replace("minAvailable: 3", "minAvailable: 2").replacen(
            "    seed: ",
            &format!("    kubernetesVersion: \"{version}\",\n    seed: "),
            1,
        );
        assert!(source.contains("minAvailable: 2"));
        let script: Vec<Step> =
            vec![(120_000, Box::new(|_: &View| vec![OperatorAction::Evict { name: "redis-0".into() }]))];
        let (_, seen, _) = run_source(&source, script, Some(10_000));
        assert_eq!(answers(&seen, 120_000)[0].0, 201, "{version}: {:?}", answers(&seen, 120_000));
        let target = |e: &&WatchEvent| {
            let conditions = e.manifest.as_ref().unwrap()["status"]["conditions"].as_array().unwrap().clone();
            conditions.into_iter().find(|c| c["type"] == "DisruptionTarget")
        };
        let events: Vec<&WatchEvent> = (seen.iter().flat_map(|s| &s.events))
            .filter(|e| e.object == "Pod" && e.name == "redis-0" && e.time_ms >= 120_000)
            .collect();
        let deleted = events.iter().find(|e| e.kind == "DELETED").expect("the evicted pod went");
        match target(deleted) {
            Some(condition) => {
                assert!(expected, "{version}: {condition}");
                assert_eq!(condition["status"], "True");
                assert_eq!(condition["reason"], "EvictionByEvictionAPI");
                assert_eq!(condition["message"], "Eviction API: evicting");
                assert_eq!(condition["lastTransitionTime"], stsim_core::kube::timestamp(t("120s")));
            }
            None => assert!(!expected, "{version}: no DisruptionTarget"),
        }
        let before = (seen.iter().flat_map(|s| &s.events))
            .filter(|e| e.object == "Pod" && e.name == "redis-0" && e.time_ms < 120_000);
        assert!(before.collect::<Vec<_>>().iter().all(|e| target(e).is_none()), "none before the eviction");
        // The API server appends it; the kubelet's write when the container
        // has stopped puts it before its own conditions (`mergePodStatus`).
        let types = |e: &WatchEvent| -> Vec<String> {
            let conditions = e.manifest.as_ref().unwrap()["status"]["conditions"].as_array().unwrap().clone();
            conditions.iter().map(|c| c["type"].as_str().unwrap().to_string()).collect()
        };
        if expected {
            let evicted = events.iter().find(|e| e.kind == "MODIFIED" && target(e).is_some()).unwrap();
            assert_eq!(types(evicted).last().map(String::as_str), Some("DisruptionTarget"), "{version}");
            assert_eq!(types(deleted).first().map(String::as_str), Some("DisruptionTarget"), "{version}");
            assert!(deleted.time_ms > evicted.time_ms, "{version}");
        }
    }
}
