//! A real operator's pod templates: an operator (protocol 2, through the
//! Rust trait) creates a Bitnami-like PostgreSQL StatefulSet, with `env`,
//! `command`, `volumeMounts`, ports, a readiness probe, a required
//! podAntiAffinity on the hostname and a metrics sidecar. The API server
//! reads its template as a manifest's (`stsim_scenario::read_pod_template`,
//! as the CLI gives it): what the model uses is applied, what it does not
//! is accepted with warnings, invalid values get the manifest path's
//! messages, and template updates roll the pods by revision.

use crate::support::parse;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;
use stsim_core::kube::WriteResult;
use stsim_core::operators::{Operator, OperatorAction, Reconciled, View, WatchEvent};
use stsim_core::trace::Event;

/// At a time, the actions to answer (computed from the view then).
type Step = (u64, Box<dyn Fn(&View) -> Vec<OperatorAction>>);

/// The API server's answers, by the time the operator saw them.
type Answers = Rc<RefCell<Vec<(u64, Vec<WriteResult>)>>>;

/// Answers with each step's actions at its first reconcile at or after its
/// time, and keeps the API server's answers by the time they were seen.
struct Scripted {
    script: Vec<Step>,
    answers: Answers,
}

impl Operator for Scripted {
    fn name(&self) -> &str {
        "pg-operator"
    }
    fn reconcile(&mut self, view: &View, _: &[WatchEvent]) -> Result<Reconciled, String> {
        if !view.results.is_empty() {
            self.answers.borrow_mut().push((view.time_ms, view.results.clone()));
        }
        let mut actions = Vec::new();
        while let Some((at, _)) = self.script.first()
            && *at <= view.time_ms
        {
            let (_, step) = self.script.remove(0);
            actions.extend(step(view));
        }
        let next = self.script.first().map(|(at, _)| at - view.time_ms).unwrap_or(30_000);
        Ok(Reconciled { actions, requeue_after_ms: Some(next) })
    }
    fn restart(&mut self) {}
}

const SCENARIO: &str = r#"Scenario(
    name: "operator-templates",
    seed: 3,
    duration: "DURATION",
    cluster: (nodePools: [(name: "worker", count: NODES, cpu: "4", memory: "16Gi")]),
    images: [
        (name: "bitnami/postgresql:16.4.0", pull: "2s", startup: "4s", shutdown: "5s"),
        (name: "bitnami/postgresql:16.5.0", pull: "2s", startup: "4s", shutdown: "5s"),
    ],
    // An application of the scenario's own, beside what the operator creates.
    statefulsets: [(name: "app", serviceName: "app", replicas: 1, template: (labels: {"app": "app"}, image: "bitnami/postgresql:16.4.0"))],
    operators: [(operator: PvcCleanup(after: "1h"), reconcileDelay: "1s", protocol: 2)],
)"#;

/// Runs the script on `nodes` nodes; the simulation and every answer.
fn run(
    nodes: u32,
    duration: &str,
    script: Vec<Step>,
) -> (stsim_core::Simulation, Vec<(u64, Vec<WriteResult>)>) {
    run_with(nodes, duration, script, Some(stsim_scenario::read_pod_template))
}

/// [`run`] under the Kubernetes `release`.
fn run_under(
    release: &str,
    nodes: u32,
    duration: &str,
    script: Vec<Step>,
) -> (stsim_core::Simulation, Vec<(u64, Vec<WriteResult>)>) {
    let scenario =
        SCENARIO.replace("    seed: 3,\n", &format!("    seed: 3,\n    kubernetesVersion: {release:?},\n"));
    assert_ne!(scenario, SCENARIO);
    run_scenario(&scenario, nodes, duration, script, Some(stsim_scenario::read_pod_template))
}

/// [`run`] with `reader`, or the core's own when `None`.
fn run_with(
    nodes: u32,
    duration: &str,
    script: Vec<Step>,
    reader: Option<stsim_core::kube::template::TemplateReader>,
) -> (stsim_core::Simulation, Vec<(u64, Vec<WriteResult>)>) {
    run_scenario(SCENARIO, nodes, duration, script, reader)
}

fn run_scenario(
    scenario: &str,
    nodes: u32,
    duration: &str,
    script: Vec<Step>,
    reader: Option<stsim_core::kube::template::TemplateReader>,
) -> (stsim_core::Simulation, Vec<(u64, Vec<WriteResult>)>) {
    let config = parse(&scenario.replace("NODES", &nodes.to_string()).replace("DURATION", duration));
    let answers = Rc::new(RefCell::new(Vec::new()));
    let operator = Scripted { script, answers: answers.clone() };
    let mut sim = stsim_core::Simulation::with_operators(config, vec![Box::new(operator)]);
    if let Some(reader) = reader {
        sim.read_templates_with(reader);
    }
    sim.run();
    let answers = answers.borrow().clone();
    (sim, answers)
}

/// The answers to the writes made at `at_ms`: those of the next reconcile after it.
fn answers_to(answers: &[(u64, Vec<WriteResult>)], at_ms: u64) -> Vec<WriteResult> {
    answers.iter().find(|(t, _)| *t > at_ms).map(|(_, r)| r.clone()).expect("answers after the writes")
}

/// A StatefulSet as the Bitnami PostgreSQL chart renders it, trimmed.
fn postgresql(replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "pg", "labels": {"app.kubernetes.io/name": "postgresql"}},
        "spec": {
            "replicas": replicas, "serviceName": "pg-hl",
            "selector": {"matchLabels": {"app.kubernetes.io/name": "postgresql"}},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "postgresql"},
                             "annotations": {"checksum/config": "abc"}},
                "spec": {
                    "securityContext": {"fsGroup": 1001},
                    "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                        {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "postgresql"}},
                         "topologyKey": "kubernetes.io/hostname"}]}},
                    "containers": [
                        {"name": "postgresql", "image": "bitnami/postgresql:16.4.0",
                         "imagePullPolicy": "IfNotPresent",
                         "command": ["/opt/bitnami/scripts/postgresql/entrypoint.sh"],
                         "args": ["/opt/bitnami/scripts/postgresql/run.sh"],
                         "env": [{"name": "POSTGRESQL_PORT_NUMBER", "value": "5432"},
                                 {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pg", "key": "password"}}}],
                         "ports": [{"name": "tcp-postgresql", "containerPort": 5432}],
                         "readinessProbe": {"exec": {"command": ["/bin/sh", "-c", "pg_isready"]},
                                            "initialDelaySeconds": 15, "periodSeconds": 10,
                                            "timeoutSeconds": 5, "failureThreshold": 6},
                         "resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                                       "limits": {"cpu": "2", "memory": "4Gi"}},
                         "volumeMounts": [{"name": "data", "mountPath": "/bitnami/postgresql"}]},
                        {"name": "metrics", "image": "bitnami/postgres-exporter:0.15.0",
                         "env": [{"name": "DATA_SOURCE_URI", "value": "127.0.0.1:5432/postgres"}],
                         "ports": [{"name": "http-metrics", "containerPort": 9187}],
                         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
                    "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]}},
            "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}}}}]}
    })
}

fn create(object: Value) -> OperatorAction {
    OperatorAction::Create { object }
}

fn headless() -> OperatorAction {
    create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pg-hl"},
                  "spec": {"clusterIP": "None", "selector": {"app.kubernetes.io/name": "postgresql"},
                           "ports": [{"name": "tcp-postgresql", "port": 5432}]}}))
}

/// The set as the view serves it, changed by `edit`, as an update.
fn update(view: &View, edit: impl Fn(&mut Value)) -> OperatorAction {
    let mut object = view
        .objects
        .stateful_sets
        .iter()
        .find(|s| s.pointer("/metadata/name") == Some(&json!("pg")))
        .unwrap()
        .clone();
    edit(&mut object);
    OperatorAction::Update { object }
}

fn pod<'w>(sim: &'w stsim_core::Simulation, name: &str) -> &'w stsim_core::objects::Pod {
    let world = &sim.world;
    world.pod(world.pod_named(name).unwrap_or_else(|| panic!("no pod {name}")))
}

/// The template is read as a manifest's: the anti-affinity keeps the third
/// replica off two nodes, the probe's delay holds readiness, the sidecar's
/// requests are added to the database's, and the fields stsim does not
/// model are accepted with warnings, recorded once in the trace.
#[test]
fn a_bitnami_postgresql_statefulset_is_read_as_a_manifest() {
    let script: Vec<Step> = vec![
        (
            10_000,
            Box::new(|_: &View| {
                vec![
                    headless(),
                    create(postgresql(3)),
                    create(
                        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "psql", "labels": {"app": "psql"}},
                              "spec": {"containers": [{"name": "psql", "image": "bitnami/postgresql:16.4.0",
                                                       "env": [{"name": "PGHOST", "value": "pg-0.pg-hl"}]}]}}),
                    ),
                    // A client that asks for no field validation gets the
                    // API server's default, `Warn`: the typo is dropped.
                    create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typo"},
                                  "spec": {"containers": [{"name": "c", "image": "busybox:1.37",
                                                           "imagePullPolicyy": "Always"}]}})),
                ]
            }),
        ),
        // The bare pod as served, with a new image (allowed) or a new env (not).
        (
            120_000,
            Box::new(|view: &View| {
                let served = view.objects.pods.iter().find(|p| p["metadata"]["name"] == "psql").unwrap();
                let with = |field: &str, value: Value| {
                    let mut object = served.clone();
                    object["spec"]["containers"][0][field] = value;
                    OperatorAction::Update { object }
                };
                vec![
                    with("env", json!([{"name": "PGHOST", "value": "pg-1.pg-hl"}])),
                    with("image", json!("bitnami/postgresql:16.5.0")),
                ]
            }),
        ),
    ];
    let (sim, answers) = run(2, "5m", script);
    let got = answers_to(&answers, 10_000);
    let codes: Vec<u16> = got.iter().map(|r| r.code).collect();
    assert_eq!(codes, [201, 201, 201, 201], "{got:#?}");
    assert_eq!(got[3].warnings, ["unknown field \"spec.containers[0].imagePullPolicyy\""]);
    let warnings = &got[1].warnings;
    for path in [
        "spec.template.metadata.annotations",
        "spec.template.spec.securityContext",
        "spec.template.spec.containers[0].command",
        "spec.template.spec.containers[0].env",
        "spec.template.spec.containers[0].volumeMounts",
        "spec.template.spec.volumes",
    ] {
        let warning = format!("stsim does not model {path}, and ignored it");
        assert!(warnings.contains(&warning), "{warning:?} in {warnings:#?}");
    }
    // What the model reads is not among them (the probe's timeout is: stsim runs no check).
    for read in [
        "containers[0].readinessProbe,",
        "containers[0].ports",
        "containers[1].resources",
        "containers[1].image",
        "affinity",
    ] {
        assert!(!warnings.iter().any(|w| w.contains(read)), "{read}: {warnings:#?}");
    }
    assert_eq!(got[2].warnings, ["stsim does not model spec.containers[0].env, and ignored it"]);
    // The bare pod is served as written: its image may change, its env not.
    let updated = answers_to(&answers, 120_000);
    assert_eq!(updated.iter().map(|r| r.code).collect::<Vec<_>>(), [422, 200], "{updated:#?}");
    assert!(updated[0].message.as_deref().is_some_and(|m| m.contains("pod updates may not change fields")));
    assert_eq!(updated[1].object.as_ref().unwrap()["spec"]["containers"][0]["env"][0]["value"], "pg-0.pg-hl");
    assert_eq!(pod(&sim, "psql").image, "bitnami/postgresql:16.5.0");

    // Scheduling by the anti-affinity: one replica per node, the third waits.
    let (pg0, pg1) = (pod(&sim, "pg-0"), pod(&sim, "pg-1"));
    assert!(pg0.is_running_and_ready() && pg1.is_running_and_ready());
    assert_ne!(pg0.node, pg1.node, "required anti-affinity on the hostname");
    let pg2 = pod(&sim, "pg-2");
    assert_eq!(pg2.node, None);
    let refused = sim.trace.records.iter().rev().find_map(|r| match &r.event {
        Event::PodUnschedulable { pod, message } if *pod == pg2.id => Some(message.clone()),
        _ => None,
    });
    assert!(
        refused.as_deref().is_some_and(|m| m.contains("didn't match pod anti-affinity rules")),
        "{refused:?}"
    );
    // Requests summed over the containers (resource.PodRequests).
    assert_eq!((pg0.requests.cpu_millis, pg0.requests.memory_bytes), (1_100, (2 << 30) + (128 << 20)));
    // The probe's initial delay holds readiness after the first container
    // runs (the pod has a second, the metrics exporter).
    let at = |pod: stsim_core::objects::PodId, running: bool| {
        sim.trace.records.iter().find_map(|r| match &r.event {
            Event::ContainerStatus {
                pod: p,
                container: 0,
                state: stsim_core::objects::ContainerState::Running,
                ..
            } if *p == pod && running => Some(r.at),
            Event::PodReady { pod: p, ready: true } if *p == pod && !running => Some(r.at),
            _ => None,
        })
    };
    let (running, ready) = (at(pg0.id, true).unwrap(), at(pg0.id, false).unwrap());
    assert!(ready.as_millis() >= running.as_millis() + 15_000, "ready at {ready}, running at {running}");

    // Each warning is recorded once for the operator, however often it writes.
    let warned: Vec<&Vec<String>> = sim
        .trace
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::WriteWarned { warnings, .. } => Some(warnings),
            _ => None,
        })
        .collect();
    assert_eq!(warned.len(), 3, "{warned:#?}");
    let text = sim.trace.render(&sim.world);
    assert!(text.contains("write-warned\taction=\"create StatefulSet/pg\""), "{text}");
}

/// An update of the template that changes what the model does not use
/// (`env`) or does (requests) makes a new revision and rolls the pods, as a
/// new pod-template hash does; an image change still does; a changed
/// annotation (`kubectl rollout restart`) too.
#[test]
fn template_updates_roll_the_pods_by_revision() {
    let script: Vec<Step> = vec![
        (10_000, Box::new(|_: &View| vec![headless(), create(postgresql(2))])),
        (
            180_000,
            Box::new(|view: &View| {
                vec![update(view, |o| {
                    o["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!("5433");
                })]
            }),
        ),
        (
            360_000,
            Box::new(|view: &View| {
                vec![update(view, |o| {
                    o["spec"]["template"]["spec"]["containers"][1]["resources"]["requests"]["cpu"] =
                        json!("200m");
                })]
            }),
        ),
        (
            540_000,
            Box::new(|view: &View| {
                let set = view.objects.stateful_sets.iter().find(|s| s["metadata"]["name"] == "pg").unwrap();
                let mut containers = set["spec"]["template"]["spec"]["containers"].clone();
                containers[0]["image"] = json!("bitnami/postgresql:16.5.0");
                vec![OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "StatefulSet".into(),
                    name: "pg".into(),
                    patch: json!({"spec": {"template": {"spec": {"containers": containers}}}}),
                    subresource: None,
                }]
            }),
        ),
        (
            720_000,
            Box::new(|_: &View| {
                vec![OperatorAction::Patch {
                    patch_type: Default::default(),
                    kind: "StatefulSet".into(),
                    name: "pg".into(),
                    patch: json!({"spec": {"template": {"metadata": {"annotations": {
                        "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:12:00Z"}}}}}),
                    subresource: None,
                }]
            }),
        ),
        // The same template again: nothing to roll.
        (900_000, Box::new(|view: &View| vec![update(view, |_| {})])),
    ];
    let (sim, answers) = run(2, "20m", script);
    for at in [180_000, 360_000, 540_000, 720_000, 900_000] {
        let got = answers_to(&answers, at);
        assert_eq!(got.iter().map(|r| r.code).collect::<Vec<_>>(), [200], "at {at}: {got:#?}");
    }
    let set = sim.world.sts(sim.world.sts_named("pg").unwrap());
    // Five templates, five revisions: create, env, requests, image, annotation.
    assert_eq!(set.revisions.len(), 5, "{:#?}", set.revisions.iter().map(|r| &r.name).collect::<Vec<_>>());
    assert_eq!(set.status.current_revision, set.status.update_revision, "the last rollout finished");
    for name in ["pg-0", "pg-1"] {
        let p = pod(&sim, name);
        assert!(p.is_running_and_ready(), "{name}");
        assert_eq!(p.image, "bitnami/postgresql:16.5.0");
        assert_eq!(p.requests.cpu_millis, 1_200, "the sidecar's new request");
        assert_eq!(p.revision(), set.status.update_revision, "{name}");
        // Served with its revision's template: what the operator wrote.
        let served = stsim_core::kube::render(&sim.world, stsim_core::kube::ObjRef::Pod(p.id));
        let spec = &served["spec"];
        assert_eq!(spec["containers"][0]["env"][0]["value"], "5433", "{served:#}");
        assert_eq!(spec["containers"][0]["image"], "bitnami/postgresql:16.5.0");
        assert_eq!(spec["containers"][1]["resources"]["requests"]["cpu"], "200m");
        assert_eq!(spec["hostname"], name);
        let volumes: Vec<&str> =
            spec["volumes"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(volumes, ["dshm", "data"]);
        assert_eq!(spec["volumes"][1]["persistentVolumeClaim"]["claimName"], format!("data-{name}"));
    }
    // Each rollout replaced both pods: 2 at first, then 2 per rollout.
    let created = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(&r.event, Event::PodCreated { pod, .. } if sim.world.pod(*pod).name.starts_with("pg-")))
        .count();
    assert_eq!(created, 2 + 2 * 4);
}

/// A written template's ports are read into the model, defaulted as the
/// API server stores them: the same ports with their protocol written out
/// (TCP) are the same template, so no new revision; a port changed is a
/// new revision, and its pods are served with it.
#[test]
fn written_ports_are_the_templates_at_their_defaults() {
    let script: Vec<Step> = vec![
        (10_000, Box::new(|_: &View| vec![headless(), create(postgresql(2))])),
        (
            180_000,
            Box::new(|view: &View| {
                vec![update(view, |o| {
                    o["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = json!("TCP");
                })]
            }),
        ),
        (
            360_000,
            Box::new(|view: &View| {
                vec![update(view, |o| {
                    o["spec"]["template"]["spec"]["containers"][1]["ports"][0]["containerPort"] = json!(9188);
                })]
            }),
        ),
    ];
    let (sim, answers) = run(2, "12m", script);
    for at in [180_000, 360_000] {
        let got = answers_to(&answers, at);
        assert_eq!(got.iter().map(|r| r.code).collect::<Vec<_>>(), [200], "at {at}: {got:#?}");
    }
    let set = sim.world.sts(sim.world.sts_named("pg").unwrap());
    let names: Vec<&String> = set.revisions.iter().map(|r| &r.name).collect();
    assert_eq!(names.len(), 2, "created, then the metrics port moved: {names:#?}");
    let ports = &set.spec.template.ports;
    assert_eq!(ports.iter().map(|p| (p.container, p.port)).collect::<Vec<_>>(), [(0, 5432), (1, 9188)]);
    assert!(
        set.spec.template.unmodelled.lines().all(|l| !l.contains("ports")),
        "{}",
        set.spec.template.unmodelled
    );
    let served = stsim_core::kube::render(&sim.world, stsim_core::kube::ObjRef::Pod(pod(&sim, "pg-0").id));
    assert_eq!(served["spec"]["containers"][1]["ports"][0]["containerPort"], 9188, "{served:#}");
}

/// A set whose pod template's spec the API server would refuse in a pod:
/// from 1.34 the set's create is refused (422) with the set's path; before,
/// it is accepted (201, with a warning), as `ValidatePodTemplateSpecForStatefulSet`
/// leaves the pod spec unchecked there, so each pod create is refused
/// instead, with the pod's path, and no pod ever runs.
#[test]
fn a_set_whose_pods_are_invalid_is_refused_from_1_34_and_accepted_before() {
    let script = || -> Vec<Step> {
        vec![(
            10_000,
            Box::new(|_: &View| {
                let mut object = postgresql(2);
                object["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSeconds"] =
                    json!(-1);
                vec![headless(), create(object)]
            }),
        )]
    };
    let error = "spec.template.spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0";
    for release in ["1.34", "1.36.1"] {
        let (sim, answers) = run_under(release, 2, "1m", script());
        let created = answers_to(&answers, 10_000);
        assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 422], "{release}: {created:#?}");
        assert!(
            created[1].message.as_deref().unwrap_or("").contains(error),
            "{release}: {:?}",
            created[1].message
        );
        assert!(sim.world.statefulsets.iter().all(|s| s.name != "pg"), "{release}: no set was made");
    }
    let (sim, answers) = run_under("1.33", 2, "2m", script());
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 201], "{created:#?}");
    assert!(created[1].warnings.iter().any(|w| w.contains(error)), "{:?}", created[1].warnings);
    let refusals: Vec<&str> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            Event::PodCreateInvalid { name, message } if name == "pg-0" => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(refusals.len() > 3, "refused and retried with back-off: {refusals:?}");
    assert!(
        refusals.iter().all(|m| m.contains(
            "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"
        )),
        "{refusals:?}"
    );
    assert!(sim.world.pod_named("pg-0").is_none(), "no pod was made");
}

/// A mount naming no volume (neither the template's nor a claim
/// template's) is seen only in a pod's spec: from 1.34 the set's create
/// checks the template as a pod's, with a volume per claim template, and
/// refuses the set; before, the set is made and each pod create refused.
/// A mount of the claim template's volume is fine in either.
#[test]
fn a_mount_naming_no_volume_refuses_the_set_from_1_34_and_each_pod_before() {
    let script = || -> Vec<Step> {
        vec![(
            10_000,
            Box::new(|_: &View| {
                let mut object = postgresql(1);
                object["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] = json!("dta");
                vec![headless(), create(object)]
            }),
        )]
    };
    let error = r#"spec.template.spec.containers[0].volumeMounts[0].name: Not found: "dta""#;
    let (sim, answers) = run_under("1.34", 2, "1m", script());
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 422], "{created:#?}");
    assert_eq!(
        created[1].message.as_deref(),
        Some(format!("StatefulSet.apps \"pg\" is invalid: {error}").as_str())
    );
    assert!(sim.world.statefulsets.iter().all(|s| s.name != "pg"), "no set was made");
    let (sim, answers) = run_under("1.33", 2, "1m", script());
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 201], "{created:#?}");
    let refused = (sim.trace.records.iter()).any(|r| {
        matches!(&r.event, Event::PodCreateInvalid { name, message }
            if name == "pg-0" && message.contains(r#"spec.containers[0].volumeMounts[0].name: Not found: "dta""#))
    });
    assert!(refused, "each pod is refused before 1.34");
}

/// The same check runs on an update from 1.34 (`ValidateStatefulSetUpdate`
/// validates the new spec as a create does, k/k PR #131790): an update
/// whose mount names no volume is refused with the same 422, and the set
/// keeps its template. Before 1.34 the update is accepted and each pod of
/// the new revision is refused at its create.
#[test]
fn an_update_mounting_no_volume_is_refused_from_1_34_and_each_new_pod_before() {
    let script = || -> Vec<Step> {
        vec![
            (10_000, Box::new(|_: &View| vec![headless(), create(postgresql(1))])),
            (
                60_000,
                Box::new(|view: &View| {
                    vec![update(view, |o| {
                        o["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] =
                            json!("dta");
                    })]
                }),
            ),
        ]
    };
    let error = r#"spec.template.spec.containers[0].volumeMounts[0].name: Not found: "dta""#;
    let rejected = |sim: &stsim_core::Simulation| {
        (sim.trace.records.iter())
            .filter_map(|r| match &r.event {
                Event::StatefulSetUpdateRejected { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let (sim, answers) = run_under("1.34", 2, "2m", script());
    let updated = answers_to(&answers, 60_000);
    assert_eq!(updated.iter().map(|r| r.code).collect::<Vec<_>>(), [422], "{updated:#?}");
    let message = format!("StatefulSet.apps \"pg\" is invalid: {error}");
    assert_eq!(updated[0].message.as_deref(), Some(message.as_str()));
    assert_eq!(rejected(&sim), [message]);
    let set = sim.world.statefulsets.iter().find(|s| s.name == "pg").unwrap();
    assert_eq!(set.spec.template.volume_mounts, ["data"], "the template is kept");
    assert!(pod(&sim, "pg-0").status.ready, "the pod stays");
    let (sim, answers) = run_under("1.33", 2, "2m", script());
    let updated = answers_to(&answers, 60_000);
    assert_eq!(updated.iter().map(|r| r.code).collect::<Vec<_>>(), [200], "{updated:#?}");
    assert!(rejected(&sim).is_empty());
    let refused = (sim.trace.records.iter()).any(|r| {
        matches!(&r.event, Event::PodCreateInvalid { name, message }
            if name == "pg-0" && message.contains(r#"spec.containers[0].volumeMounts[0].name: Not found: "dta""#))
    });
    assert!(refused, "the new revision's pod is refused before 1.34");
}

/// A claim template without `accessModes`: from 1.34 the set's create
/// validates its claim templates (k/k PR #132212) and answers 422. Before,
/// the set is made (201, with a warning), each claim's create is refused
/// (`ValidatePersistentVolumeClaim`), and so no pod is made.
#[test]
fn a_claim_template_without_access_modes_is_refused_from_1_34_and_each_claim_before() {
    let script = || -> Vec<Step> {
        vec![(
            10_000,
            Box::new(|_: &View| {
                let mut object = postgresql(1);
                object["spec"]["volumeClaimTemplates"][0]["spec"]
                    .as_object_mut()
                    .unwrap()
                    .remove("accessModes");
                vec![headless(), create(object)]
            }),
        )]
    };
    let error = "spec.accessModes: Required value: at least 1 access mode is required";
    let (sim, answers) = run_under("1.34", 2, "1m", script());
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 422], "{created:#?}");
    assert_eq!(
        created[1].message.as_deref(),
        Some(format!("StatefulSet.apps \"pg\" is invalid: spec.volumeClaimTemplates[0].{error}").as_str())
    );
    assert!(sim.world.statefulsets.iter().all(|s| s.name != "pg"), "no set was made");
    let (sim, answers) = run_under("1.33", 2, "1m", script());
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 201], "{created:#?}");
    assert!(
        created[1].warnings.iter().any(|w| w.contains("are not validated before 1.34") && w.contains(error)),
        "{:?}",
        created[1].warnings
    );
    let refused = (sim.trace.records.iter()).any(|r| {
        matches!(&r.event, Event::PvcCreateInvalid { name, message }
            if name == "data-pg-0" && message == &format!("PersistentVolumeClaim \"data-pg-0\" is invalid: {error}"))
    });
    assert!(refused, "each claim is refused before 1.34");
    assert!(sim.world.pod_named("pg-0").is_none(), "no pod without its claim");
    assert!(sim.world.pvc_named("data-pg-0").is_none());
}

/// Invalid values the set's own validation checks (its pods' restart
/// policy) get the message a manifest with the same object gets; immutable
/// fields stay refused with the API server's message, and a refused write
/// changes nothing. (What is wrong elsewhere in the pod template refuses the
/// set from 1.34 and each pod create before:
/// `a_set_whose_pods_are_invalid_is_refused_from_1_34_and_accepted_before`.)
#[test]
fn invalid_templates_get_the_manifest_paths_message_and_immutable_fields_stay() {
    let broken = |o: &mut Value| {
        o["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
    };
    let script: Vec<Step> = vec![
        (
            10_000,
            Box::new(move |_: &View| {
                let mut object = postgresql(2);
                broken(&mut object);
                vec![headless(), create(object), create(postgresql(2))]
            }),
        ),
        (
            180_000,
            Box::new(move |view: &View| {
                vec![
                    update(view, broken),
                    update(view, |o| {
                        o["spec"]["template"]["metadata"]["labels"] = json!({"app": "other"});
                    }),
                    OperatorAction::Patch {
                        patch_type: Default::default(),
                        kind: "StatefulSet".into(),
                        name: "pg".into(),
                        patch: json!({"spec": {"serviceName": "elsewhere"}}),
                        subresource: None,
                    },
                    // A container renamed: kept and served, and a new revision
                    // (the whole template is hashed, names included).
                    update(view, |o| {
                        o["spec"]["template"]["spec"]["containers"][1]["name"] = json!("exporter");
                    }),
                ]
            }),
        ),
    ];
    let (sim, answers) = run(2, "5m", script);
    let created = answers_to(&answers, 10_000);
    assert_eq!(created.iter().map(|r| r.code).collect::<Vec<_>>(), [201, 422, 201], "{created:#?}");
    let updated = answers_to(&answers, 180_000);
    assert_eq!(updated.iter().map(|r| r.code).collect::<Vec<_>>(), [422, 422, 422, 200], "{updated:#?}");

    // The manifest path, given the same object (JSON is YAML).
    let mut object = postgresql(2);
    broken(&mut object);
    let files = vec![("pg.json".to_string(), object.to_string())];
    let story = stsim_scenario::STORIES[0].0;
    let Err(diagnostics) = stsim_scenario::parse_manifests(&files, story) else { panic!("refused") };
    let manifest = diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>();
    let field_error =
        "spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"";
    assert_eq!(manifest, [format!("The StatefulSet \"pg\" is invalid: {field_error}")]);
    let message = format!("StatefulSet.apps \"pg\" is invalid: {field_error}");
    assert_eq!(created[1].message.as_deref(), Some(message.as_str()));
    assert_eq!(updated[0].message.as_deref(), Some(message.as_str()));
    assert!(
        updated[1]
            .message
            .as_deref()
            .is_some_and(|m| m.ends_with("`selector` does not match template `labels`")),
        "{:?}",
        updated[1].message
    );
    assert!(
        updated[2]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("spec: Forbidden: updates to statefulset spec")),
        "{:?}",
        updated[2].message
    );
    let id = sim.world.sts_named("pg").unwrap();
    let set = sim.world.sts(id);
    assert_eq!(
        set.revisions.len(),
        2,
        "refused updates change nothing; a renamed container is a new revision"
    );
    assert_eq!(set.spec.service_name, "pg-hl");
    let served = stsim_core::kube::render(&sim.world, stsim_core::kube::ObjRef::Sts(id));
    assert_eq!(served["spec"]["template"]["spec"]["containers"][1]["name"], "exporter");
    assert_eq!(served["metadata"]["generation"], 2, "the spec changed");
}

/// An embedding that gives no reader gets the core's: it reads the one
/// container's image and requests and refuses the rest by path (405), so a
/// chart's set is refused whole, and a plain one is taken without warnings.
#[test]
fn without_a_reader_the_core_refuses_what_it_cannot_read() {
    let script: Vec<Step> = vec![(
        10_000,
        Box::new(|_: &View| {
            let mut plain = postgresql(1);
            plain["spec"]["template"]["spec"] = json!({"containers": [{"name": "postgresql",
                "image": "bitnami/postgresql:16.4.0", "resources": {"requests": {"cpu": "1"}}}]});
            plain["spec"]["template"]["metadata"] =
                json!({"labels": {"app.kubernetes.io/name": "postgresql"}});
            vec![create(postgresql(1)), create(plain)]
        }),
    )];
    let (sim, answers) = run_with(2, "2m", script, None);
    let got = answers_to(&answers, 10_000);
    assert_eq!(got.iter().map(|r| r.code).collect::<Vec<_>>(), [405, 201], "{got:#?}");
    let message = got[0].message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("stsim does not model pods with more than one container (StatefulSet.apps pg)"),
        "{message}"
    );
    assert!(got[1].warnings.is_empty());
    assert_eq!(pod(&sim, "pg-0").requests.cpu_millis, 1_000);
}
