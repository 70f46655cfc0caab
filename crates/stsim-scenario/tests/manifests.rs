//! Kubernetes manifests as input: what is read, what is refused (with the
//! file, line and column of the YAML), and what is listed as unused.

use stsim_scenario::{Diagnostic, parse_manifests, parse_scenario, parse_scenario_with};

const REDIS: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: redis-svc
spec:
  clusterIP: None
  selector:
    app: redis
  ports:
    - name: redis
      port: 6379
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
spec:
  serviceName: redis-svc
  replicas: 3
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
        - name: redis
          image: redis:7.0
          resources:
            requests:
              cpu: 500m
              memory: 1Gi
          readinessProbe:
            tcpSocket:
              port: 6379
            initialDelaySeconds: 5
            periodSeconds: 10
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        storageClassName: gp3
        resources:
          requests:
            storage: 10Gi
"#;

/// `REDIS` with `old` replaced by `new` (which must be there).
fn edit(old: &str, new: &str) -> String {
    assert!(REDIS.contains(old), "{old:?} is not in the manifest");
    REDIS.replacen(old, new, 1)
}

/// 1-based line and column of the first `needle` in `source`.
fn position(source: &str, needle: &str) -> (usize, usize) {
    let offset = source.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &source[..offset];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap_or("").chars().count() + 1)
}

fn errors(yaml: &str) -> Vec<Diagnostic> {
    match parse_manifests(&[("redis.yaml".to_string(), yaml.to_string())], "default") {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(errors) => errors,
    }
}

/// The only error of `yaml`: its code, that its message contains `words`,
/// and that it points at the first `needle`.
fn refused(yaml: &str, code: &str, words: &str, needle: &str) -> Diagnostic {
    let errors = errors(yaml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors.into_iter().next().unwrap();
    assert_eq!(error.code, code, "{error:#?}");
    assert!(error.message.contains(words), "{:?} does not contain {words:?}", error.message);
    assert_eq!(error.file, "redis.yaml");
    assert_eq!((error.line, error.column), position(yaml, needle), "{error:#?}");
    error
}

/// `yaml` in a scenario of Kubernetes 1.33, whose API server does not
/// check a StatefulSet's pod template.
fn under_1_33(yaml: &str) -> Result<stsim_scenario::Loaded, Vec<Diagnostic>> {
    let ron = "(name: \"old\", kubernetesVersion: \"1.33\", manifests: [\"redis.yaml\"])";
    parse_scenario_with(ron, "old.ron", &mut |_| Ok(("redis.yaml".to_string(), yaml.to_string())))
}

/// An error of `yaml`'s StatefulSet's pod template: from 1.34 (the
/// default release) the set is refused for it, as `refused` checks; before,
/// the set is accepted and each of its pods refused: the warning lists the
/// error (`words`, as the refusal says it) at the first `needle`, and the
/// template keeps it for each pod create, which is returned.
fn pods_refused(yaml: &str, code: &str, words: &str, needle: &str) -> Vec<String> {
    refused(yaml, code, words, needle);
    let loaded = under_1_33(yaml).unwrap_or_else(|e| panic!("{code}: accepted by 1.33, not refused: {e:#?}"));
    let errors = loaded.config.statefulsets[0].spec.template.create_errors.clone();
    assert!(!errors.is_empty(), "each pod is refused");
    let said = words.strip_prefix("The ").unwrap_or(words).replacen(" is invalid: ", " ", 1);
    let (line, column) = position(yaml, needle);
    let warning = loaded.warning.unwrap_or_default();
    let at = format!("redis.yaml:{line}:{column}: StatefulSet \"redis\" ");
    assert!(
        warning.lines().any(|l| l.contains(&at) && l.contains(&said)),
        "no line at {at:?} with {said:?}:\n{warning}"
    );
    errors
}

/// What a 1.33 API server refuses each pod of `yaml`'s StatefulSet for;
/// from 1.34 the set itself is refused (with the same errors, at the set's
/// paths).
fn pod_errors(yaml: &str) -> Vec<String> {
    let loaded = under_1_33(yaml).unwrap_or_else(|e| panic!("accepted by 1.33, not refused: {e:#?}"));
    let errors = loaded.config.statefulsets[0].spec.template.create_errors.clone();
    let refusals: Vec<String> = self::errors(yaml).into_iter().map(|d| d.message).collect();
    let at_the_sets: Vec<String> =
        errors.iter().map(|e| format!("The StatefulSet \"redis\" is invalid: spec.template.{e}")).collect();
    assert_eq!(refusals, at_the_sets);
    errors
}

#[test]
fn the_seed_manifest_gives_the_same_config_and_trace_as_the_ron_scenario() {
    let ron = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/redis-ordered-startup.ron"
    ))
    .unwrap();
    let from_ron = parse_scenario(&ron, "redis-ordered-startup.ron").unwrap();
    let start = ron.find("    services: [").unwrap();
    let end = ron.find("    expect: [").unwrap();
    let with_manifest = format!("{}    manifests: [\"redis.yaml\"],\n{}", &ron[..start], &ron[end..]);
    // With the container's port, as the seed manifest has it.
    let manifest = edit(
        "          image: redis:7.0\n",
        "          image: redis:7.0\n          ports:\n            - containerPort: 6379\n              name: redis\n",
    );
    let mut read = |name: &str| {
        assert_eq!(name, "redis.yaml");
        Ok(("redis.yaml".to_string(), manifest.clone()))
    };
    let loaded = parse_scenario_with(&with_manifest, "x.ron", &mut read).unwrap();
    assert_eq!(loaded.warning, None);
    // Equal but for the lines the expectations are on.
    let (mut a, mut b) = (from_ron.clone(), loaded.config.clone());
    for e in a.expect.iter_mut().chain(b.expect.iter_mut()) {
        e.line = 0;
    }
    assert_eq!(a, b);
    let (_, a) = stsim_core::run(from_ron);
    let (_, b) = stsim_core::run(loaded.config);
    assert_eq!(a.trace_digest, b.trace_digest);
}

#[test]
fn api_server_defaults_apply() {
    let yaml = edit("  replicas: 3\n", "");
    let config = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config;
    let spec = &config.statefulsets[0].spec;
    assert_eq!(spec.replicas, 1);
    assert_eq!(spec.revision_history_limit, 10);
    assert_eq!(spec.template.termination_grace_period.as_millis(), 30_000);
    assert_eq!(
        spec.update_strategy,
        stsim_core::config::UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false }
    );
    assert_eq!(spec.pod_management_policy, stsim_core::config::PodManagementPolicy::OrderedReady);
    let probe = spec.template.readiness_probe.as_ref().unwrap();
    assert_eq!((probe.success_threshold, probe.failure_threshold), (1, 3));
    // A service without clusterIP gets one allocated: it is not headless.
    let yaml = edit("  clusterIP: None\n", "");
    let config = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config;
    assert!(!config.services[0].headless);
}

/// `resource.PodRequests` with sidecars (init containers with
/// `restartPolicy: Always`): they add to the containers' sum, and a regular
/// init container after one runs beside it, so the request is the larger of
/// (containers + sidecars) and each init container's peak. Here the app
/// asks 1 CPU, the sidecar 1 and a migration after it 2: the peak is 3, not
/// the 2 a regular init container of 1 CPU would make.
#[test]
fn sidecars_count_beside_the_containers_and_the_init_containers_after_them() {
    let init = |restart: &str, migrate: &str| {
        edit(
            "      containers:\n",
            &format!(
                "      initContainers:\n        - name: proxy\n          image: envoy:1\n{restart}          resources: {{requests: {{cpu: \"1\", memory: 256Mi}}}}\n        \
                 - name: migrate\n          image: migrate:1\n          resources: {{requests: {{cpu: \"{migrate}\"}}}}\n      containers:\n"
            ),
        )
        .replace("cpu: 500m", "cpu: \"1\"")
    };
    let requests = |yaml: String| {
        let config =
            parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}")).config;
        let template = &config.statefulsets[0].spec.template;
        (template.requests.cpu_millis, template.requests.memory_bytes, template.sidecars.clone())
    };
    let sidecar = "          restartPolicy: Always\n";
    // Peak: migrate 2 beside the sidecar 1.
    assert_eq!(requests(init(sidecar, "2")), (3_000, (1 << 30) + (256 << 20), vec![0]));
    // Steady: app 1 + sidecar 1 is above migrate 500m beside the sidecar.
    assert_eq!(requests(init(sidecar, "500m")).0, 2_000);
    // Without the sidecar: the larger of the app and any one init container.
    assert_eq!(requests(init("", "2")), (2_000, 1 << 30, vec![]));
    assert_eq!(requests(init("", "500m")).0, 1_000);
}

#[test]
fn requests_default_to_limits_and_sum_over_containers() {
    let yaml = edit(
        "          resources:\n            requests:\n              cpu: 500m\n              memory: 1Gi\n",
        "          resources:\n            limits:\n              cpu: \"2\"\n              memory: 1Gi\n        \
         - name: sidecar\n          image: exporter:1\n          resources:\n            requests:\n              cpu: 100m\n",
    );
    let config = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config;
    let requests = config.statefulsets[0].spec.template.requests;
    assert_eq!(requests.cpu_millis, 2_100);
    assert_eq!(requests.memory_bytes, 1 << 30);
}

#[test]
fn liveness_and_startup_probes_pre_stop_sleep_and_init_containers_are_read() {
    let yaml = edit(
        "          readinessProbe:\n",
        "          livenessProbe:\n            exec:\n              command: [redis-cli, ping]\n            \
         periodSeconds: 5\n            failureThreshold: 4\n          startupProbe:\n            \
         tcpSocket:\n              port: 6379\n            failureThreshold: 30\n          lifecycle:\n            \
         preStop:\n              sleep:\n                seconds: 12\n          readinessProbe:\n",
    )
    .replacen(
        "      containers:\n",
        "      initContainers:\n        - name: config\n          image: busybox:1.36\n      containers:\n",
        1,
    );
    let loaded = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap();
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let template = &loaded.config.statefulsets[0].spec.template;
    let liveness = template.liveness_probe.as_ref().expect("the liveness probe is read");
    assert_eq!((liveness.period.as_millis(), liveness.failure_threshold), (5_000, 4));
    let startup = template.startup_probe.as_ref().expect("the startup probe is read");
    assert_eq!((startup.period.as_millis(), startup.failure_threshold), (10_000, 30));
    assert_eq!(template.pre_stop.map(|d| d.as_millis()), Some(12_000));
    let init: Vec<(&str, &str)> =
        template.init_containers.iter().map(|c| (c.name.as_str(), c.image.as_str())).collect();
    assert_eq!(init, [("config", "busybox:1.36")]);
}

#[test]
fn a_pre_stop_exec_hook_is_listed_as_unused_and_liveness_success_threshold_must_be_one() {
    let yaml = edit(
        "          readinessProbe:\n",
        "          lifecycle:\n            preStop:\n              exec:\n                command: [redis-cli, shutdown]\n          \
         readinessProbe:\n",
    );
    let warning = parse_manifests(&[("r.yaml".into(), yaml.clone())], "start").unwrap().warning.unwrap();
    let (line, column) = position(&yaml, "exec:\n                command");
    assert!(
        warning.contains(&format!(
            "r.yaml:{line}:{column}: StatefulSet \"redis\" spec.template.spec.containers[0].lifecycle.preStop.exec"
        )),
        "{warning}"
    );
    let yaml = edit(
        "          readinessProbe:\n",
        "          livenessProbe:\n            tcpSocket:\n              port: 6379\n            successThreshold: 2\n          \
         readinessProbe:\n",
    );
    let error = pods_refused(&yaml, "invalid-value", "must be 1", "2\n          readinessProbe");
    assert!(error.iter().any(|e| e.starts_with("spec.containers[0].livenessProbe")), "{error:?}");
}

#[test]
fn lists_json_and_empty_documents_are_read() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        REDIS
            .split("---\n")
            .map(|doc| {
                let mut lines = doc.lines();
                let first = format!("- {}\n", lines.next().unwrap());
                first + &lines.map(|l| format!("  {l}\n")).collect::<String>()
            })
            .collect::<String>()
    );
    let from_list = parse_manifests(&[("l.yaml".into(), list)], "start").unwrap().config;
    let from_docs = parse_manifests(&[("r.yaml".into(), REDIS.into())], "start").unwrap().config;
    assert_eq!(from_list, from_docs);
    let helm = format!("---\n# Source: chart/templates/a.yaml\n---\n{REDIS}---\n\n---\n");
    assert_eq!(parse_manifests(&[("h.yaml".into(), helm)], "start").unwrap().config, from_docs);
    let json = r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
      "spec": {"selector": {"matchLabels": {"app": "web"}}, "serviceName": "web",
      "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}"#;
    let loaded = parse_manifests(&[("w.json".into(), json.into())], "start").unwrap();
    assert_eq!(loaded.config.statefulsets[0].name, "web");
    assert!(loaded.warning.unwrap().contains("its pods get no DNS names"));
}

#[test]
fn unused_fields_and_kinds_are_listed_in_one_warning() {
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n---\n{}",
        edit(
            "          image: redis:7.0\n",
            "          image: redis:7.0\n          env:\n            - name: MODE\n              value: cluster\n"
        )
    );
    let warning = parse_manifests(&[("r.yaml".into(), yaml.clone())], "start").unwrap().warning.unwrap();
    assert_eq!(warning.matches("warning:").count(), 1, "{warning}");
    assert!(warning.contains("r.yaml:2:7: ConfigMap \"conf\" (the kind is not modelled)"), "{warning}");
    let (line, column) = position(&yaml, "env:\n            - name: MODE");
    assert!(
        warning.contains(&format!(
            "r.yaml:{line}:{column}: StatefulSet \"redis\" spec.template.spec.containers[0].env"
        )),
        "{warning}"
    );
    // status and managedFields say nothing about the desired state.
    let yaml = edit(
        "spec:\n  serviceName",
        "  managedFields: [{manager: kubectl}]\nstatus:\n  replicas: 3\nspec:\n  serviceName",
    );
    assert!(parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().warning.is_none());
}

/// kubectl applies with strict field validation by default: a key that no
/// field of its type has refuses the object, in the API server's strict
/// decoding words, with the path from the object's root (in a `List`, from
/// its item's), at any level stsim reads; a real field stsim ignores is
/// only listed (above). A close field name is suggested.
#[test]
fn unknown_fields_are_refused_as_kubectls_strict_validation_refuses_them() {
    let error = refused(
        &edit("  replicas: 3\n", "  replica: 3\n"),
        "unknown-field",
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.replica\"",
        "replica: 3",
    );
    assert!(error.help.unwrap().contains("did you mean `replicas`?"));
    refused(
        &edit("          readinessProbe:", "          readinessprobe:"),
        "unknown-field",
        "unknown field \"spec.template.spec.containers[0].readinessprobe\"",
        "readinessprobe",
    );
    refused(
        &edit("  clusterIP: None\n", "  clusterIP: None\n  publishNotReadyAddress: true\n"),
        "unknown-field",
        "Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.publishNotReadyAddress\"",
        "publishNotReadyAddress",
    );
    // A field one level too deep is unknown where it lands, null or not.
    refused(
        &edit("        accessModes:", "        resources: {}\n        accessModes:").replacen(
            "      spec:\n        resources: {}",
            "      spec:\n        podManagementPolicy:",
            1,
        ),
        "unknown-field",
        "unknown field \"spec.volumeClaimTemplates[0].spec.podManagementPolicy\"",
        "podManagementPolicy:",
    );
    // In a List, from the item's root.
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        edit("  replicas: 3\n", "  replicas: 3\n  serviceNme: x\n")
            .split("---\n")
            .map(|doc| format!("- {}", doc.trim_end().replace('\n', "\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    refused(&list, "unknown-field", "unknown field \"spec.serviceNme\"", "serviceNme");
    // The template and the update strategy are walked too.
    refused(
        &edit(
            "    metadata:\n      labels:\n        app: redis\n",
            "    metdata:\n      labels:\n        app: redis\n",
        ),
        "unknown-field",
        "unknown field \"spec.template.metdata\"",
        "metdata",
    );
    refused(
        &edit("  replicas: 3\n", "  replicas: 3\n  updateStrategy:\n    rollingUpdat: {partition: 1}\n"),
        "unknown-field",
        "unknown field \"spec.updateStrategy.rollingUpdat\"",
        "rollingUpdat",
    );
    // A field behind a gate is still a field of its type (1.36's schedulingGroup).
    let gated = edit("      containers:", "      schedulingGroup: {podGroupName: pg-0}\n      containers:");
    assert!(parse_manifests(&[("r.yaml".into(), gated)], "start").is_ok());
    // The data of maps is not checked: labels, resource lists, a Service's selector.
    let data =
        edit("              memory: 1Gi\n", "              memory: 1Gi\n              nvidia.com/gpu: 1\n");
    assert!(parse_manifests(&[("r.yaml".into(), data)], "start").is_ok());
}

/// Checks the API server makes of a template's hooks and probes and of a
/// Service's ports, each found refused by none before: a preStop sleep
/// past the grace period (`validateSleepAction`), a hook with no action or
/// two (`validateLifecycleHandler`), a probe's port out of range or not a
/// port name (`ValidatePortNumOrName`; gRPC's is a number), a Service's
/// `targetPort` likewise; and a successThreshold's message names its value.
#[test]
fn hooks_probe_ports_and_target_ports_are_checked_as_the_api_server_checks_them() {
    let probe = "          readinessProbe:\n            tcpSocket:\n              port: 6379\n";
    pods_refused(
        &edit(
            "          readinessProbe:",
            "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 45\n          readinessProbe:",
        ),
        "invalid-value",
        "spec.template.spec.containers[0].lifecycle.preStop.sleep: Invalid value: 45: must be non-negative and less than terminationGracePeriodSeconds (30)",
        "seconds: 45",
    );
    // An init container may have a hook only as a sidecar; a sidecar's
    // sleep is held to the grace period like the container's.
    let init = |fields: &str| {
        edit(
            "      containers:",
            &format!(
                "      initContainers:\n        - name: proxy\n          image: envoy:1\n{fields}      containers:"
            ),
        )
    };
    let hook = |seconds: u32| {
        format!(
            "          lifecycle:\n            preStop:\n              sleep:\n                seconds: {seconds}\n"
        )
    };
    pods_refused(
        &init(&hook(5)),
        "invalid-value",
        "spec.template.spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
        "preStop:\n              sleep",
    );
    pods_refused(
        &init("          startupProbe:\n            tcpSocket: {port: 9901}\n"),
        "invalid-value",
        "spec.template.spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
        "tcpSocket: {port: 9901}",
    );
    let sidecar = |seconds: u32| init(&format!("          restartPolicy: Always\n{}", hook(seconds)));
    pods_refused(
        &sidecar(31),
        "invalid-value",
        "spec.template.spec.initContainers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)",
        "seconds: 31",
    );
    let loaded = parse_manifests(&[("r.yaml".into(), sidecar(5))], "start").expect("a sidecar's hook");
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let template = &loaded.config.statefulsets[0].spec.template;
    assert_eq!(template.init_containers[0].pre_stop, Some(stsim_core::time::SimDuration::from_secs(5)));
    // A sidecar's startup, readiness and liveness probes are read, their
    // checks kept as written.
    let probed = init(
        "          restartPolicy: Always\n          startupProbe:\n            httpGet: {path: /ready, port: 15021}\n            periodSeconds: 1\n            failureThreshold: 60\n          readinessProbe:\n            tcpSocket: {port: 15021}\n            successThreshold: 2\n          livenessProbe:\n            tcpSocket: {port: 15021}\n",
    );
    let loaded = parse_manifests(&[("r.yaml".into(), probed)], "start").expect("a sidecar's probes");
    let proxy = &loaded.config.statefulsets[0].spec.template.init_containers[0];
    let startup = proxy.startup_probe.as_ref().expect("the startup probe");
    assert_eq!((startup.period.as_millis(), startup.failure_threshold), (1_000, 60));
    assert_eq!(proxy.startup_check.as_deref().map(|c| c["httpGet"]["port"].clone()), Some(15021.into()));
    let readiness = proxy.readiness_probe.as_ref().expect("the readiness probe");
    assert_eq!((readiness.period.as_millis(), readiness.success_threshold), (10_000, 2));
    assert_eq!(proxy.readiness_check.as_deref().map(|c| c["tcpSocket"]["port"].clone()), Some(15021.into()));
    let liveness = proxy.liveness_probe.as_ref().expect("the liveness probe");
    assert_eq!((liveness.period.as_millis(), liveness.failure_threshold), (10_000, 3));
    assert_eq!(proxy.liveness_check.as_deref().map(|c| c["tcpSocket"]["port"].clone()), Some(15021.into()));
    assert!(!loaded.warning.as_deref().unwrap_or_default().contains("Probe"), "{:?}", loaded.warning);
    // As for any readiness probe, the API server refuses a grace period.
    pods_refused(
        &init(
            "          restartPolicy: Always\n          readinessProbe:\n            tcpSocket: {port: 15021}\n            terminationGracePeriodSeconds: 77\n",
        ),
        "invalid-value",
        "spec.template.spec.initContainers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 77: must not be set for readinessProbes",
        "77",
    );
    // Within the grace period, or with a longer one, the sleep is taken.
    let longer = edit(
        "          readinessProbe:",
        "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 45\n          readinessProbe:",
    )
    .replace("      containers:", "      terminationGracePeriodSeconds: 60\n      containers:");
    assert!(parse_manifests(&[("r.yaml".into(), longer)], "start").is_ok());
    pods_refused(
        &edit(
            "          readinessProbe:",
            "          lifecycle:\n            postStart: {}\n          readinessProbe:",
        ),
        "invalid-value",
        "spec.template.spec.containers[0].lifecycle.postStart: Required value: must specify a handler type",
        "{}",
    );
    pods_refused(
        &edit(
            "          readinessProbe:",
            "          lifecycle:\n            preStop:\n              exec: {command: [stop]}\n              sleep: {seconds: 5}\n          readinessProbe:",
        ),
        "invalid-value",
        "lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type",
        "exec:",
    );
    for (port, words, needle) in [
        (
            "0",
            "readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "0\n            initialDelay",
        ),
        (
            "Redis_Port",
            "readinessProbe.tcpSocket.port: Invalid value: \"Redis_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "Redis_Port",
        ),
    ] {
        let yaml = edit(probe, &probe.replace("port: 6379", &format!("port: {port}")));
        pods_refused(&yaml, "invalid-value", words, needle);
    }
    let grpc = edit(probe, "          readinessProbe:\n            grpc:\n              port: redis\n");
    refused(
        &grpc,
        "invalid-type",
        "readinessProbe.grpc.port: expected an integer",
        "redis\n            initialDelay",
    );
    pods_refused(
        &edit(
            probe,
            &format!(
                "{probe}          livenessProbe:\n            exec: {{command: [true]}}\n            successThreshold: 7\n"
            ),
        ),
        "invalid-value",
        "livenessProbe.successThreshold: Invalid value: 7: must be 1",
        "7\n",
    );
    refused(
        &edit("      port: 6379\n", "      port: 6379\n      targetPort: redis_port\n"),
        "invalid-value",
        "The Service \"redis-svc\" is invalid: spec.ports[0].targetPort: Invalid value: \"redis_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "redis_port",
    );
    // A named target port, and 0 (defaulted to the port), are taken.
    for target in ["redis", "0"] {
        let yaml = edit("      port: 6379\n", &format!("      port: 6379\n      targetPort: {target}\n"));
        assert!(parse_manifests(&[("r.yaml".into(), yaml)], "start").is_ok(), "{target}");
    }
}

/// `env`, `command` and `args` are not modelled, but the API server decodes
/// them with their types before it validates anything: an unquoted number
/// or `yes` where a string goes refuses the object (`json: cannot unmarshal
/// number into Go struct field EnvVar...env.value of type string`), and a
/// variable needs its name. They stay in the warning when well typed.
#[test]
fn env_command_and_args_are_decoded_with_their_types() {
    let with =
        |fields: &str| edit("          image: redis:7.0\n", &format!("          image: redis:7.0\n{fields}"));
    refused(
        &with("          env:\n            - name: PORT\n              value: 6379\n"),
        "invalid-type",
        "spec.template.spec.containers[0].env[0].value: expected a string, found the number `6379`",
        "6379\n          resources",
    );
    refused(
        &with("          env:\n            - name: ALLOW_EMPTY_PASSWORD\n              value: yes\n"),
        "invalid-type",
        "env[0].value: expected a string, found the boolean `true`",
        "yes",
    );
    refused(
        &with("          args: [\"--port\", 6379]\n"),
        "invalid-type",
        "spec.template.spec.containers[0].args[1]: expected a string, found the number `6379`",
        "6379]",
    );
    pods_refused(
        &with("          env:\n            - value: \"1\"\n"),
        "invalid-value",
        "spec.template.spec.containers[0].env[0].name: Required value",
        "value: \"1\"",
    );
    refused(
        &with("          env:\n            - name: A\n              valu: \"1\"\n"),
        "unknown-field",
        "unknown field \"spec.template.spec.containers[0].env[0].valu\"",
        "valu:",
    );
    refused(
        &with("          securityContext:\n            runAsUser: \"1001\"\n"),
        "invalid-type",
        "spec.template.spec.containers[0].securityContext.runAsUser: expected an integer, found the string \"1001\"",
        "\"1001\"",
    );
    refused(
        &edit(
            "      containers:",
            "      securityContext:\n        fsGroup: 1001\n        runAsNonRoot: \"true\"\n      containers:",
        ),
        "invalid-type",
        "spec.template.spec.securityContext.runAsNonRoot: expected `true` or `false`, found the string",
        "\"true\"",
    );
    refused(
        &edit(
            "  volumeClaimTemplates:",
            "      volumes:\n        - {name: conf, configMap: {name: redis, defaultMode: \"0755\"}}\n  volumeClaimTemplates:",
        ),
        "invalid-type",
        "spec.template.spec.volumes[0].configMap.defaultMode: expected an integer, found the string \"0755\"",
        "\"0755\"",
    );
    // Unquoted, YAML 1.1 reads 0755 as octal: 493, as the API expects.
    let octal = edit(
        "  volumeClaimTemplates:",
        "      volumes:\n        - {name: conf, configMap: {name: redis, defaultMode: 0755}}\n  volumeClaimTemplates:",
    );
    assert!(parse_manifests(&[("r.yaml".into(), octal)], "start").is_ok());
    let fine = with(
        "          securityContext: {runAsUser: 1001, allowPrivilegeEscalation: false}\n          command: [redis-server]\n          env:\n            - name: PORT\n              value: \"6379\"\n            - name: POD\n              valueFrom: {fieldRef: {fieldPath: metadata.name}}\n",
    );
    let warning = parse_manifests(&[("r.yaml".into(), fine)], "start").unwrap().warning.unwrap();
    assert!(warning.contains("containers[0].env") && warning.contains("containers[0].command"), "{warning}");
}

/// A probe's period and thresholds written 0 are the API server's defaults
/// (`SetDefaults_Probe`: 10 s, 1, 3), and only a negative one is refused,
/// in its words (`validateProbe`: `must be greater than or equal to 0`).
#[test]
fn probe_counts_of_zero_are_defaulted_and_negative_ones_refused() {
    let zeros = edit(
        "            periodSeconds: 10\n",
        "            periodSeconds: 0\n            successThreshold: 0\n            failureThreshold: 0\n",
    );
    let config = parse_manifests(&[("r.yaml".into(), zeros)], "start").unwrap().config;
    let probe = config.statefulsets[0].spec.template.readiness_probe.clone().unwrap();
    assert_eq!((probe.period.as_millis(), probe.success_threshold, probe.failure_threshold), (10_000, 1, 3));
    pods_refused(
        &edit("            periodSeconds: 10\n", "            periodSeconds: -5\n"),
        "invalid-value",
        "readinessProbe.periodSeconds: Invalid value: -5: must be greater than or equal to 0",
        "-5",
    );
}

/// policy/v1 requires neither a selector nor a count of a budget: without
/// a selector it selects no pod (left out, with a note, and it replaces one
/// applied before under its name), with an empty one every pod; without
/// minAvailable or maxUnavailable the disruption controller wants no pod
/// healthy (every eviction allowed).
#[test]
fn budgets_without_a_selector_or_a_count_are_taken_as_policy_v1_takes_them() {
    let budget = |spec: &str| {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: redis\nspec:\n{spec}"
        )
    };
    let with_budget = |spec: &str| format!("{REDIS}{}", budget(spec));
    let read = parse_manifests(&[("r.yaml".into(), with_budget("  maxUnavailable: 1\n"))], "start").unwrap();
    assert!(read.config.pod_disruption_budgets.is_empty(), "no selector, no budget");
    assert!(read.warning.unwrap().contains("selects no pod and protects none"));
    let twice = format!(
        "{}{}",
        with_budget("  maxUnavailable: 1\n  selector: {matchLabels: {app: redis}}\n"),
        budget("  maxUnavailable: 1\n")
    );
    let read = parse_manifests(&[("r.yaml".into(), twice)], "start").unwrap();
    assert!(read.config.pod_disruption_budgets.is_empty(), "the second apply selects nothing");
    let read = parse_manifests(
        &[("r.yaml".into(), with_budget("  selector: {matchLabels: {app: redis}}\n"))],
        "start",
    )
    .unwrap();
    assert_eq!(
        read.config.pod_disruption_budgets[0].budget,
        stsim_core::config::DisruptionBudget::MinAvailable(stsim_core::config::IntOrPercent::Int(0))
    );
    assert!(read.warning.unwrap().contains("the budget allows every eviction"));
    // An empty selector selects every pod of the namespace.
    let read =
        parse_manifests(&[("r.yaml".into(), with_budget("  maxUnavailable: 1\n  selector: {}\n"))], "start")
            .unwrap();
    assert!(read.config.pod_disruption_budgets[0].selector.is_empty());
    assert!(read.warning.unwrap().contains("in policy/v1 it selects every pod of the namespace"));
}

/// A PriorityClass the manifests do not define is taken to be in the
/// cluster, and said (without it, the Priority admission plugin refuses
/// every pod); one they define, or a built-in critical class, is not.
#[test]
fn a_priority_class_not_in_the_manifests_is_said() {
    let with_class = |class: &str| {
        edit("      containers:", &format!("      priorityClassName: {class}\n      containers:"))
    };
    let warning = |yaml: String| parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().warning;
    let said = warning(with_class("db-critical")).unwrap();
    assert!(
        said.contains(
            "StatefulSet \"redis\" names the PriorityClass \"db-critical\", which the manifests do not define"
        ),
        "{said}"
    );
    assert!(said.contains("no PriorityClass with name db-critical was found"), "{said}");
    let defined = format!(
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: db-critical\nvalue: 1000000\n---\n{}",
        with_class("db-critical")
    );
    assert!(!warning(defined).unwrap_or_default().contains("names the PriorityClass"));
    assert!(
        !warning(with_class("system-cluster-critical"))
            .unwrap_or_default()
            .contains("names the PriorityClass")
    );
}

/// A fraction of a byte or of a millicore is taken and rounded up, as the
/// API server reads a quantity (`Value()`, `MilliValue()`): `memory: 500m`
/// (a slip for 500Mi) is 1 byte, not an error, with a note.
#[test]
fn fractional_quantities_round_up() {
    let yaml = edit(
        "              cpu: 500m\n              memory: 1Gi\n",
        "              cpu: 0.1m\n              memory: 500m\n",
    );
    let read = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap();
    let requests = read.config.statefulsets[0].spec.template.requests;
    assert_eq!((requests.cpu_millis, requests.memory_bytes), (1, 1));
    // Taken silently by the API server; said here, as the slip it usually is.
    let warning = read.warning.unwrap();
    assert!(warning.contains("requests.memory: \"500m\" is thousandths of a byte"), "{warning}");
    assert!(warning.contains("did you mean \"500Mi\"?"), "{warning}");
}

#[test]
fn stories_shape_the_timeline() {
    let start = parse_manifests(&[("r.yaml".into(), REDIS.into())], "start").unwrap().config;
    assert!(start.timeline.is_empty());
    assert_eq!(start.cluster.zones.len(), 3);
    let class = &start.cluster.storage_classes[0];
    assert_eq!((class.name.as_str(), class.is_default), ("gp3", true));
    assert_eq!(class.binding_mode, stsim_core::config::VolumeBindingMode::WaitForFirstConsumer);
    let default = parse_manifests(&[("r.yaml".into(), REDIS.into())], "default").unwrap().config;
    assert_eq!(default.timeline.len(), 5);
    let error = parse_manifests(&[("r.yaml".into(), REDIS.into())], "nope").unwrap_err();
    assert_eq!(error[0].code, "unknown-story");
}

/// Many small sets (a namespace's dump): the story's cluster has room for
/// all their pods under the kubelet's default `maxPods` (110), twice over,
/// where one node per replica of the largest set would give three nodes
/// for 400 pods. A Service they all name but nobody defines is one warning.
#[test]
fn many_small_sets_get_nodes_enough_and_one_note_per_missing_service() {
    let set = |i: usize, service: &str| {
        format!(
            "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s{i}\nspec:\n  serviceName: {service}\n  replicas: 2\n  selector:\n    matchLabels: {{app: s{i}}}\n  template:\n    metadata:\n      labels: {{app: s{i}}}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"
        )
    };
    let yaml: String = (0..200).map(|i| set(i, if i == 7 { "other" } else { "svc" })).collect();
    let loaded = parse_manifests(&[("many.yaml".into(), yaml)], "start").unwrap();
    let pool = &loaded.config.cluster.node_pools[0];
    assert_eq!(pool.count, 8, "400 pods, twice over, at 110 a node");
    assert!(u64::from(pool.count) * u64::from(pool.max_pods) >= 2 * 400);
    let warning = loaded.warning.unwrap();
    let notes: Vec<&str> =
        warning.lines().filter(|l| l.contains("which the manifests do not define")).collect();
    assert_eq!(
        notes,
        [
            "warning: StatefulSets \"s0\", \"s1\", \"s2\" and 196 more name the service \"svc\", which the manifests do not define: their pods get no DNS names",
            "warning: StatefulSet \"s7\" names the service \"other\", which the manifests do not define: its pods get no DNS names",
        ]
    );
}

// ---- refusals, each with its place ----

#[test]
fn bad_yaml_syntax() {
    let yaml = edit("  replicas: 3\n", "  replicas: [3\n");
    let errors = errors(&yaml);
    assert_eq!(errors[0].code, "yaml-syntax");
    assert!(errors[0].line >= position(&yaml, "replicas: [").0, "{errors:#?}");
}

#[test]
fn tabs_in_indentation() {
    let yaml = edit("  name: redis\n", "\tname: redis\n");
    let errors = errors(&yaml);
    assert_eq!(errors[0].code, "yaml-syntax");
    assert_eq!(errors[0].line, position(&yaml, "\tname: redis").0);
    assert!(errors[0].help.as_deref().unwrap().contains("tabs"));
}

#[test]
fn duplicate_keys() {
    let yaml = edit("  replicas: 3\n", "  replicas: 3\n  replicas: 4\n");
    refused(&yaml, "yaml-duplicate-key", "key \"replicas\" already set in map", "replicas: 4");
}

/// Scalars as kubectl reads them: sigs.k8s.io/yaml goes through go-yaml
/// v2 (YAML 1.1) to JSON, then into the typed object. So `010` is 8
/// replicas, `3.0` is 3 (JSON writes it `3`), `yes` is true, and an
/// unquoted `on` where a string is wanted is refused (a boolean, not text);
/// a JSON stream keeps JSON's literals, so `3.0` there is no integer.
#[test]
fn yaml_scalars_read_as_kubectl_reads_them() {
    let replicas = |yaml: String| {
        parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config.statefulsets[0].spec.replicas
    };
    assert_eq!(replicas(edit("  replicas: 3\n", "  replicas: 010\n")), 8);
    assert_eq!(replicas(edit("  replicas: 3\n", "  replicas: 3.0\n")), 3);
    assert_eq!(replicas(edit("  replicas: 3\n", "  replicas: 0b101\n")), 5);
    assert_eq!(replicas(edit("  replicas: 3\n", "  replicas: 1_0\n")), 10);
    refused(
        &edit("  replicas: 3\n", "  replicas: 2.5\n"),
        "invalid-type",
        "expected an integer, found the number `2.5`",
        "2.5",
    );
    let yes = edit("  clusterIP: None\n", "  clusterIP: None\n  publishNotReadyAddresses: yes\n");
    let services = parse_manifests(&[("r.yaml".into(), yes)], "start").unwrap().config.services;
    assert!(services[0].publish_not_ready_addresses);
    let on = edit(
        "      labels:\n        app: redis\n",
        "      labels:\n        app: redis\n        enabled: on\n",
    );
    let error = refused(&on, "invalid-type", "expected a string, found the boolean `true`", "on\n");
    assert!(error.help.unwrap().contains("quote it"));
    let json = r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
      "spec": {"replicas": 3.0, "selector": {"matchLabels": {"app": "web"}}, "serviceName": "web",
      "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}"#;
    let errors = match parse_manifests(&[("w.json".into(), json.into())], "start") {
        Ok(_) => panic!("3.0 is no integer in JSON"),
        Err(errors) => errors,
    };
    assert!(errors[0].message.contains("expected an integer, found the number `3.0`"), "{errors:#?}");
}

#[test]
fn unknown_api_version_of_a_known_kind() {
    let yaml = edit("apiVersion: apps/v1", "apiVersion: apps/v1beta2");
    refused(
        &yaml,
        "unknown-api-version",
        "no matches for kind \"StatefulSet\" in version \"apps/v1beta2\"",
        "apps/v1beta2",
    );
}

#[test]
fn kind_served_in_another_version() {
    let yaml = edit("apiVersion: apps/v1", "apiVersion: v1");
    refused(&yaml, "unknown-api-version", "in version \"v1\"", "v1\nkind: StatefulSet");
}

#[test]
fn custom_resources_are_unknown() {
    let yaml = format!(
        "{REDIS}---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: m\n"
    );
    refused(&yaml, "unknown-api-version", "ServiceMonitor", "monitoring.coreos.com/v1");
}

#[test]
fn a_kind_the_version_does_not_serve() {
    let yaml = format!("{REDIS}---\napiVersion: apps/v1\nkind: Deploymnt\nmetadata:\n  name: web\n");
    let error = refused(
        &yaml,
        "unknown-api-version",
        "no matches for kind \"Deploymnt\" in version \"apps/v1\"",
        "Deploymnt",
    );
    assert_eq!(error.help.as_deref(), Some("did you mean `kind: Deployment`?"));
}

#[test]
fn a_bad_app_annotation() {
    let yaml =
        edit("  name: redis\nspec:", "  name: redis\n  annotations:\n    stsim.io/app: \"Quorom()\"\nspec:");
    let error = refused(
        &yaml,
        "invalid-value",
        "metadata.annotations[stsim.io/app]: Invalid value: \"Quorom()\"",
        "\"Quorom()\"",
    );
    assert!(error.help.unwrap().contains("Quorum(system: Etcd)"));
    let yaml = edit(
        "  name: redis\nspec:",
        "  name: redis\n  annotations:\n    stsim.io/app: \"PrimaryReplica()\"\nspec:",
    );
    let config = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config;
    assert!(config.statefulsets[0].app.is_some());
}

#[test]
fn kind_not_set() {
    let yaml = edit("kind: Service\n", "");
    refused(&yaml, "invalid-object", "kind not set", "apiVersion: v1");
}

#[test]
fn a_document_that_is_not_an_object() {
    let yaml = format!("{REDIS}---\n- just a list\n");
    refused(&yaml, "invalid-object", "expected a Kubernetes object", "- just a list");
}

#[test]
fn replicas_of_the_wrong_type() {
    let yaml = edit("replicas: 3", "replicas: three");
    refused(&yaml, "invalid-type", "spec.replicas: expected an integer, found the string \"three\"", "three");
}

#[test]
fn negative_replicas_get_the_api_servers_words() {
    let yaml = edit("replicas: 3", "replicas: -1");
    refused(
        &yaml,
        "invalid-value",
        "The StatefulSet \"redis\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "-1",
    );
}

#[test]
fn selector_must_match_template_labels() {
    let yaml = edit("    matchLabels:\n      app: redis", "    matchLabels:\n      app: cache");
    // `ValidatePodTemplateSpecForStatefulSet`: at the template's labels,
    // printed as Go's `%#v` of a `map[string]string`.
    refused(
        &yaml,
        "invalid-value",
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"redis\"}: \
         `selector` does not match template `labels`",
        "app: redis\n    spec:",
    );
}

#[test]
fn selector_is_required() {
    let yaml = edit("  selector:\n    matchLabels:\n      app: redis\n", "");
    refused(&yaml, "invalid-value", "spec.selector: Required value", "serviceName: redis-svc");
}

#[test]
fn unsupported_pod_management_policy() {
    let yaml = edit("  replicas: 3\n", "  replicas: 3\n  podManagementPolicy: Sequential\n");
    refused(
        &yaml,
        "invalid-value",
        "spec.podManagementPolicy: Invalid value: \"Sequential\": must be 'OrderedReady' or 'Parallel'",
        "Sequential",
    );
}

#[test]
fn rolling_update_fields_with_on_delete() {
    let yaml = edit(
        "  replicas: 3\n",
        "  replicas: 3\n  updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      partition: 1\n",
    );
    refused(&yaml, "invalid-value", "only allowed for updateStrategy 'RollingUpdate'", "partition: 1");
}

#[test]
fn containers_are_required() {
    let yaml = edit(
        "      containers:\n        - name: redis\n          image: redis:7.0\n          resources:\n            requests:\n              cpu: 500m\n              memory: 1Gi\n          readinessProbe:\n            tcpSocket:\n              port: 6379\n            initialDelaySeconds: 5\n            periodSeconds: 10\n",
        "      containers: []\n",
    );
    pods_refused(&yaml, "invalid-value", "spec.template.spec.containers: Required value", "containers: []");
}

#[test]
fn image_is_required() {
    let yaml = edit("          image: redis:7.0\n", "");
    pods_refused(
        &yaml,
        "invalid-value",
        "spec.template.spec.containers[0].image: Required value",
        "name: redis\n          resources",
    );
}

#[test]
fn probe_without_a_handler() {
    let yaml = edit("            tcpSocket:\n              port: 6379\n", "");
    pods_refused(&yaml, "invalid-value", "must specify a handler type", "initialDelaySeconds: 5");
}

/// An error of `yaml`'s StatefulSet's claim template: from 1.34 (the
/// default release) the set is refused for it (`ValidateVolumeClaimTemplates`,
/// k/k PR #132212), the only error, at `line`; before, the set is accepted
/// and each claim's create refused: the warning lists the error at the same
/// place, and the claim template keeps it with the claim's path, which is
/// returned.
fn claims_refused(yaml: &str, line: usize) -> Vec<String> {
    let errors = errors(yaml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let refusal = &errors[0];
    assert_eq!((refusal.code, refusal.line), ("invalid-value", line), "{refusal:#?}");
    let loaded = under_1_33(yaml).unwrap_or_else(|e| panic!("accepted by 1.33, not refused: {e:#?}"));
    let set = &loaded.config.statefulsets[0].spec;
    let claim_errors = set.volume_claim_templates[0].create_errors.clone();
    assert!(set.template.create_errors.is_empty(), "the pods' own template is fine");
    // The same error, at the set's path then at the claim's.
    let at_the_sets: Vec<String> = (claim_errors.iter())
        .map(|e| format!("The StatefulSet \"redis\" is invalid: spec.volumeClaimTemplates[0].{e}"))
        .collect();
    assert_eq!(at_the_sets, std::slice::from_ref(&refusal.message));
    let warning = loaded.warning.unwrap_or_default();
    let at = format!(
        "redis.yaml:{line}:{}: StatefulSet \"redis\" spec.volumeClaimTemplates[0].spec.",
        refusal.column
    );
    assert!(
        warning.contains("refuses each claim made from these claim templates")
            && warning.lines().any(|l| l.starts_with(&format!("  {at}"))),
        "no line at {at:?}:\n{warning}"
    );
    claim_errors
}

#[test]
fn claim_without_storage() {
    let yaml = edit("        resources:\n          requests:\n            storage: 10Gi\n", "");
    refused(
        &yaml,
        "invalid-value",
        "spec.resources[storage]: Required value",
        "metadata:\n        name: data",
    );
    let line = position(&yaml, "metadata:\n        name: data").0;
    assert_eq!(claims_refused(&yaml, line), ["spec.resources[storage]: Required value"]);
}

#[test]
fn claim_without_access_modes() {
    let yaml = edit("        accessModes: [\"ReadWriteOnce\"]\n", "");
    let error = errors(&yaml).remove(0);
    let message =
        "spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required";
    assert!(error.message.contains(message), "{error:#?}");
    // At the claim's spec, where the modes belong.
    assert_eq!(error.line, position(&yaml, "storageClassName: gp3").0);
    assert_eq!(
        claims_refused(&yaml, error.line),
        ["spec.accessModes: Required value: at least 1 access mode is required"]
    );
}

#[test]
fn claim_with_an_unknown_access_mode() {
    let yaml =
        edit("        accessModes: [\"ReadWriteOnce\"]\n", "        accessModes: [\"ReadWriteAll\"]\n");
    let line = position(&yaml, "accessModes: [\"ReadWriteAll\"]").0;
    let errors = claims_refused(&yaml, line);
    assert_eq!(errors.len(), 1, "the reader's error, not its echo (no mode left): {errors:?}");
    assert!(errors[0].starts_with("spec.accessModes[0]: Unsupported value: \"ReadWriteAll\""), "{errors:?}");
}

/// A claim template's storage that does not parse cannot be decoded: the
/// set is refused in every release, before 1.34 too.
#[test]
fn a_claim_templates_decoding_error_refuses_the_set_in_every_release() {
    let yaml = edit("storage: 10Gi", "storage: lots");
    assert!(!errors(&yaml).is_empty());
    assert!(under_1_33(&yaml).is_err(), "a quantity that does not parse is refused before 1.34 too");
}

#[test]
fn bad_cpu_quantity() {
    let yaml = edit("cpu: 500m", "cpu: lots");
    let error = refused(
        &yaml,
        "invalid-quantity",
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        "lots",
    );
    let help = error.help.unwrap();
    assert!(help.starts_with("spec.template.spec.containers[0].resources.requests.cpu: "), "{help}");
}

/// A quantity the API server cannot decode refuses the object before any
/// validation, with the decoder's words, whatever the release (it is no
/// pod template error that 1.33 would leave to each pod's create).
#[test]
fn an_undecodable_quantity_is_the_decoders_refusal_at_every_release() {
    let yaml = edit("cpu: 500m", "cpu: 100mi");
    refused(
        &yaml,
        "invalid-quantity",
        "cannot be handled as a StatefulSet: unable to parse quantity's suffix",
        "100mi",
    );
    let Err(errors) = under_1_33(&yaml) else { panic!("refused under 1.33 too") };
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.ends_with("unable to parse quantity's suffix"), "{errors:#?}");
    // Well formed but negative: the decoder takes it, the validation refuses it.
    let yaml = edit("cpu: 500m", "cpu: \"-1\"");
    let error = refused(&yaml, "invalid-quantity", "must not be negative", "\"-1\"");
    assert!(error.message.starts_with("The StatefulSet \"redis\" is invalid"), "{error:#?}");
}

#[test]
fn unquoted_number_as_a_label() {
    let yaml =
        edit("      labels:\n        app: redis", "      labels:\n        app: redis\n        version: 1.0");
    let error = refused(&yaml, "invalid-type", "expected a string, found the number `1`", "1.0");
    assert!(error.help.unwrap().contains("quote it"));
}

#[test]
fn name_is_required() {
    let yaml = edit("metadata:\n  name: redis\n", "metadata:\n  labels: {app: redis}\n");
    refused(&yaml, "invalid-value", "metadata.name: Required value", "labels: {app: redis}");
}

#[test]
fn name_must_be_a_dns_label() {
    let yaml = edit("  name: redis\n", "  name: Redis_DB\n");
    let errors = errors(&yaml);
    assert!(
        errors.iter().any(|e| e.message.contains("Invalid value: \"Redis_DB\"")
            && (e.line, e.column) == position(&yaml, "Redis_DB")),
        "{errors:#?}"
    );
}

#[test]
fn two_namespaces() {
    let yaml = edit("  name: redis-svc\n", "  name: redis-svc\n  namespace: a\n").replacen(
        "  name: redis\n",
        "  name: redis\n  namespace: b\n",
        1,
    );
    refused(&yaml, "invalid-value", "\"b\" is a second namespace", "b\n");
}

/// `kubectl apply -f` puts an object without `metadata.namespace` in the
/// current namespace, not in the one another object names: a headless
/// Service left without one while its StatefulSet names `db` would serve
/// no pod of it. stsim simulates one namespace, so that is refused, and
/// `-n db` (kubectl's way) or naming it on every object is accepted.
#[test]
fn an_object_without_a_namespace_goes_where_kubectl_apply_puts_it() {
    let yaml = edit("  name: redis\n", "  name: redis\n  namespace: db\n");
    let error = refused(&yaml, "invalid-value", "\"db\" is a second namespace", "db\n");
    let help = error.help.unwrap_or_default();
    assert!(
        help.contains("Service \"redis-svc\" at redis.yaml:4 names none, so it goes in \"default\""),
        "{help}"
    );
    assert!(help.contains("pass `-n db`"), "{help}");
    let files = [("redis.yaml".to_string(), yaml.clone())];
    let config = stsim_scenario::parse_manifests_within(&files, "start", Some("db"), &Default::default())
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .config;
    assert_eq!(config.namespace, "db");
    // The other way round: the namespace-less object comes second.
    let yaml = edit("  name: redis-svc\n", "  name: redis-svc\n  namespace: db\n");
    let error = refused(
        &yaml,
        "invalid-value",
        "none given, so kubectl apply puts it in \"default\"",
        "redis\nspec:\n  serviceName",
    );
    assert!(error.help.unwrap_or_default().contains("give this object `namespace: db` too"));
    // Named on every object, it is the namespace.
    let yaml = yaml.replacen("  name: redis\n", "  name: redis\n  namespace: db\n", 1);
    let config = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().config;
    assert_eq!(config.namespace, "db");
}

/// With `-n`, an object naming another namespace is refused in kubectl's words.
#[test]
fn minus_n_refuses_an_object_of_another_namespace() {
    let yaml = edit("  name: redis\n", "  name: redis\n  namespace: db\n");
    let files = [("redis.yaml".to_string(), yaml.clone())];
    let Err(errors) =
        stsim_scenario::parse_manifests_within(&files, "start", Some("web"), &Default::default())
    else {
        panic!("accepted")
    };
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains(
        "the namespace from the provided object \"db\" does not match the namespace \"web\". You must pass '--namespace=db'"
    ), "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), position(&yaml, "db\n"));
    // Without one named, `-n` is where everything goes.
    let files = [("redis.yaml".to_string(), REDIS.to_string())];
    let loaded =
        stsim_scenario::parse_manifests_within(&files, "start", Some("web"), &Default::default()).unwrap();
    assert_eq!(loaded.config.namespace, "web");
}

/// Cluster-scoped kinds have no namespace: the API server clears one
/// written on them, so it decides nothing (and is listed as unused). A
/// Namespace object makes a namespace and puts nothing in it.
#[test]
fn cluster_scoped_objects_and_namespace_objects_place_nothing() {
    let yaml = format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\n  namespace: kube-system\nprovisioner: ebs.csi.aws.com\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: db\n---\n{REDIS}"
    );
    let loaded = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(loaded.config.namespace, "default");
    let warning = loaded.warning.unwrap_or_default();
    assert!(warning.contains("r.yaml:5:14: StorageClass \"gp3\" metadata.namespace"), "{warning}");
    assert!(warning.contains("Namespace \"db\" (r.yaml:11) holds none of the objects"), "{warning}");
    assert!(warning.contains("pass `-n db`"), "{warning}");
    // Objects that name their namespace are not moved by -n: no such advice.
    let named = edit("  name: redis-svc\n", "  name: redis-svc\n  namespace: shop\n").replacen(
        "  name: redis\n",
        "  name: redis\n  namespace: shop\n",
        1,
    );
    let yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: db\n---\n{named}");
    let warning = parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap().warning.unwrap_or_default();
    assert!(
        warning.contains("they are in \"shop\" (they name theirs)") && !warning.contains("-n db"),
        "{warning}"
    );
}

/// A volume reserved for a claim of another namespace binds none of the
/// simulated claims: refused rather than bound to a claim of the same name.
#[test]
fn a_volume_claimed_from_another_namespace_is_refused() {
    let volume = |namespace: &str| {
        format!(
            "{REDIS}---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-0\nspec:\n  capacity:\n    storage: 10Gi\n  accessModes: [ReadWriteOnce]\n  storageClassName: gp3\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: vol-0abc}}\n  claimRef:\n    namespace: {namespace}\n    name: data-redis-0\n"
        )
    };
    let yaml = volume("shop");
    refused(
        &yaml,
        "invalid-value",
        "the claim is in \"shop\", and the objects simulated are in \"default\"",
        "shop\n",
    );
    parse_manifests(&[("r.yaml".into(), volume("default"))], "start").unwrap_or_else(|e| panic!("{e:#?}"));
}

#[test]
fn immutable_fields_cannot_change_when_applied_again() {
    let second = REDIS.split("---\n").nth(1).unwrap().replace("serviceName: redis-svc", "serviceName: other");
    let yaml = format!("{REDIS}---\n{second}");
    let errors = errors(&yaml);
    assert_eq!(errors[0].code, "immutable-field");
    assert!(errors[0].message.contains("spec: Forbidden: updates to statefulset spec for fields other than"));
    // The mutable ones may: the later object wins, as with `kubectl apply`.
    let second = REDIS.split("---\n").nth(1).unwrap().replace("replicas: 3", "replicas: 5");
    let config =
        parse_manifests(&[("r.yaml".into(), format!("{REDIS}---\n{second}"))], "start").unwrap().config;
    assert_eq!(config.statefulsets.len(), 1);
    assert_eq!(config.statefulsets[0].spec.replicas, 5);
}

#[test]
fn unknown_binding_mode() {
    let yaml = format!(
        "{REDIS}---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: Lazy\n"
    );
    refused(&yaml, "invalid-value", "Unsupported value: \"Lazy\"", "Lazy");
}

#[test]
fn a_list_in_a_list() {
    let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n";
    refused(yaml, "invalid-object", "a List cannot hold another List", "List\n  items");
}

#[test]
fn budget_with_both_bounds() {
    let yaml = format!(
        "{REDIS}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: redis-pdb\nspec:\n  minAvailable: 2\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: redis\n"
    );
    let error = errors(&yaml).remove(0);
    assert!(error.message.contains("minAvailable and maxUnavailable cannot be both set"), "{error:#?}");
    assert!(error.message.starts_with("The PodDisruptionBudget \"redis-pdb\" is invalid"), "{error:#?}");
    assert_eq!(error.file, "redis.yaml");
}

#[test]
fn service_port_out_of_range() {
    let yaml = edit("port: 6379\n---", "port: 70000\n---");
    refused(
        &yaml,
        "invalid-value",
        "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535",
        "70000",
    );
}

#[test]
fn no_statefulset_at_all() {
    let yaml = REDIS.split("---\n").next().unwrap();
    refused(yaml, "no-statefulset", "no StatefulSet in the manifests", "apiVersion");
}

#[test]
fn scenario_manifest_errors_name_the_manifest_file() {
    let scenario = r#"Scenario(
    name: "x",
    cluster: (storageClasses: [(name: "standard", default: true)]),
    manifests: ["redis.yaml"],
)"#;
    let invalid = REDIS.replace("  replicas: 3\n", "  replicas: -1\n");
    let mut read = |_: &str| Ok(("dir/redis.yaml".to_string(), invalid.clone()));
    let errors = parse_scenario_with(scenario, "x.ron", &mut read).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "invalid-value");
    assert_eq!(errors[0].file, "dir/redis.yaml");
    assert_eq!((errors[0].line, errors[0].column), position(&invalid, "-1"));
    let mut unreadable = |_: &str| Err("No such file or directory".to_string());
    let errors = parse_scenario_with(scenario, "x.ron", &mut unreadable).unwrap_err();
    assert_eq!(
        (errors[0].code, errors[0].file.as_str(), errors[0].line),
        ("unreadable-manifest", "x.ron", 4)
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn on_any_text(text in "\\PC{0,200}") {
            let _ = parse_manifests(&[("x.yaml".into(), text)], "default");
        }

        #[test]
        fn on_a_damaged_manifest(at in 0usize..1200, len in 0usize..40, insert in "[ :\\-\\[\\]{}#\n\t'\"a-z0-9]{0,4}") {
            let mut text: Vec<char> = REDIS.chars().collect();
            let at = at.min(text.len());
            let end = (at + len).min(text.len());
            text.splice(at..end, insert.chars());
            let text: String = text.into_iter().collect();
            let _ = parse_manifests(&[("x.yaml".into(), text)], "default");
        }
    }
}

#[test]
fn nodes_from_kubectl_get_nodes_make_the_cluster() {
    let node = |name: &str, zone: &str, taint: &str| {
        format!(
            "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: {name}\n    labels:\n      kubernetes.io/hostname: {name}\n      topology.kubernetes.io/zone: {zone}\n  spec:\n    providerID: aws:///{zone}/i-0\n{taint}  status:\n    allocatable:\n      cpu: 3920m\n      memory: 15Gi\n      pods: \"58\"\n    capacity:\n      cpu: \"4\"\n"
        )
    };
    let taint = "    taints:\n    - key: dedicated\n      value: db\n      effect: NoSchedule\n";
    let nodes = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}{}{}",
        node("ip-10-0-1-5", "eu-west-1a", ""),
        node("ip-10-0-2-5", "eu-west-1b", ""),
        node("ip-10-0-3-5", "eu-west-1c", taint)
    );
    let nodes_text = nodes.clone();
    let loaded =
        parse_manifests(&[("nodes.yaml".into(), nodes), ("redis.yaml".into(), REDIS.into())], "start")
            .unwrap();
    let cluster = &loaded.config.cluster;
    assert_eq!(cluster.zones, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert_eq!(cluster.node_pools.len(), 3);
    let last = &cluster.node_pools[2];
    assert_eq!((last.cpu_millis, last.memory_bytes, last.max_pods), (3_920, 15 << 30, 58));
    assert_eq!(last.zones, ["eu-west-1c"]);
    assert_eq!(last.taints.len(), 1);
    assert_eq!(last.labels.get("kubernetes.io/hostname").map(String::as_str), Some("ip-10-0-3-5"));
    // Status is read only for the allocatable resources; the rest is ignored, like every status.
    assert_eq!(loaded.warning, None);
    // A drain and a crash act on the node of the set's first pod, wherever
    // it runs among these nodes; the uncordon on the node drained.
    let files = [("nodes.yaml".to_string(), nodes_text), ("redis.yaml".to_string(), REDIS.to_string())];
    let story = parse_manifests(&files, "drain").unwrap().config;
    let (drain, uncordon) =
        (format!("{:?}", story.timeline[0].action), format!("{:?}", story.timeline[1].action));
    assert!(drain.contains("OnNodeOf") && drain.contains("ordinal: 0") && drain.contains("Drain"), "{drain}");
    assert!(uncordon.contains("OnNodeOf") && uncordon.contains("Uncordon"), "{uncordon}");
    let story = parse_manifests(&files, "node-crash").unwrap().config;
    let crash = format!("{:?}", story.timeline[0].action);
    assert!(crash.contains("OnNodeOf") && crash.contains("ordinal: 0") && crash.contains("Crash"), "{crash}");
}

#[test]
fn the_story_cluster_is_sized_from_the_requests() {
    let config = parse_manifests(&[("r.yaml".into(), REDIS.into())], "start").unwrap().config;
    let pool = &config.cluster.node_pools[0];
    assert_eq!((pool.count, pool.cpu_millis, pool.memory_bytes), (3, 4_000, 16 << 30));
    let big = edit("replicas: 3", "replicas: 120")
        .replace("cpu: 500m", "cpu: \"3\"")
        .replace("memory: 1Gi", "memory: 20Gi");
    let config = parse_manifests(&[("r.yaml".into(), big)], "start").unwrap().config;
    let pool = &config.cluster.node_pools[0];
    // 50 nodes at most, each with room for twice its share (3 pods) of 3 CPUs and 20Gi.
    assert_eq!((pool.count, pool.cpu_millis, pool.memory_bytes), (50, 18_000, 120 << 30));
}

const VOLUME: &str = "apiVersion: v1
kind: PersistentVolume
metadata:
  name: disk-1
spec:
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  storageClassName: gp3
  csi:
    driver: ebs.csi.aws.com
    volumeHandle: vol-0abc
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - key: topology.kubernetes.io/zone
          operator: In
          values: [us-east-1a]
";

/// A regional volume's node affinity names two zones, in two terms (either
/// may match: GCE PD's driver writes one a zone) or as two values of one
/// requirement: a node in either may use it. Two zone requirements of one
/// term that differ (both must hold, so no node could) keep the first and
/// list the second as unused. The same zone under the driver's key beside
/// the well-known one is the same zone.
#[test]
fn a_volume_pinned_to_two_zones_is_in_both() {
    let zones = |yaml: &str| {
        let loaded = parse_manifests(&[("r.yaml".into(), format!("{REDIS}---\n{yaml}"))], "start").unwrap();
        let volume = &loaded.config.persistent_volumes[0];
        let mut zones: Vec<String> = volume.zone.iter().cloned().collect();
        zones.extend(volume.other_zones.iter().cloned());
        (zones, loaded.warning.unwrap_or_default())
    };
    let two_terms = VOLUME.to_string()
        + "      - matchExpressions:\n        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [us-east-1b]\n";
    let (read, warning) = zones(&two_terms);
    assert_eq!(read, ["us-east-1a", "us-east-1b"]);
    assert!(!warning.contains("nodeSelectorTerms"), "{warning}");
    let one_requirement = VOLUME.replace("values: [us-east-1a]", "values: [us-east-1a, us-east-1c]");
    assert_eq!(zones(&one_requirement).0, ["us-east-1a", "us-east-1c"]);
    let both_hold = VOLUME.to_string()
        + "        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [us-east-1b]\n";
    let (read, warning) = zones(&both_hold);
    assert_eq!(read, ["us-east-1a"]);
    assert!(
        warning.contains(
            "PersistentVolume \"disk-1\" spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[1]"
        ),
        "{warning}"
    );
    let both_keys = VOLUME.to_string()
        + "        - key: topology.ebs.csi.aws.com/zone\n          operator: In\n          values: [us-east-1a]\n";
    let (read, warning) = zones(&both_keys);
    assert_eq!(read, ["us-east-1a"]);
    assert!(!warning.contains("nodeSelectorTerms"), "the same zone twice is read: {warning}");
}

#[test]
fn a_volume_without_capacity() {
    let yaml = format!("{REDIS}---\n{}", VOLUME.replace("  capacity:\n    storage: 10Gi\n", ""));
    let error = refused(
        &yaml,
        "invalid-value",
        "spec.capacity: Required value",
        "accessModes: [ReadWriteOnce]\n  storageClassName",
    );
    assert!(error.message.contains("PersistentVolume \"disk-1\""), "{}", error.message);
}

/// The Nodes given make the cluster's zones: a volume in another is
/// refused. (Without Nodes, the made-up cluster is in the volumes' zones.)
#[test]
fn a_volume_in_a_zone_the_cluster_does_not_have() {
    let node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  labels:\n    topology.kubernetes.io/zone: us-east-1a\n";
    let yaml = format!("{REDIS}---\n{node}---\n{}", VOLUME.replace("[us-east-1a]", "[mars-1a]"));
    refused(
        &yaml,
        "unknown-reference",
        "no such zone",
        "key: topology.kubernetes.io/zone\n          operator: In\n          values: [mars",
    );
    // A regional volume's second zone, named by its own value.
    let yaml = format!("{REDIS}---\n{node}---\n{}", VOLUME.replace("[us-east-1a]", "[us-east-1a, mars-1a]"));
    let error = refused(
        &yaml,
        "unknown-reference",
        "no such zone",
        "key: topology.kubernetes.io/zone\n          operator: In\n          values: [us-east-1a, mars",
    );
    assert!(error.message.contains("values[1]"), "{}", error.message);
}

#[test]
fn a_claim_without_a_size() {
    let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-redis-0\nspec:\n  accessModes: [ReadWriteOnce]\n";
    let yaml = format!("{REDIS}---\n{claim}");
    let errors = errors(&yaml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("spec.resources.requests.storage: Required value"), "{errors:#?}");
    // At the claim's spec, the last document's.
    assert_eq!(errors[0].line, yaml.lines().count(), "{errors:#?}");
}

#[test]
fn nodes_keep_their_names_and_a_local_volume_names_one() {
    let node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: ip-10-0-1-5\n  labels:\n    topology.kubernetes.io/zone: us-east-1a\nstatus:\n  allocatable:\n    cpu: \"4\"\n    memory: 16Gi\n";
    let local = VOLUME
        .replace("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        .replace("[us-east-1a]", "[ip-10-0-1-5]");
    let yaml = format!("{REDIS}---\n{node}---\n{local}");
    let config = parse_manifests(&[("redis.yaml".into(), yaml.clone())], "start").unwrap().config;
    assert_eq!(config.cluster.node_pools[0].names, ["ip-10-0-1-5"]);
    assert_eq!(config.persistent_volumes[0].node.as_deref(), Some("ip-10-0-1-5"));
    let mut sim = stsim_core::Simulation::new(config);
    sim.run();
    assert_eq!(sim.world.nodes[0].name, "ip-10-0-1-5");
    let yaml = yaml.replace("[ip-10-0-1-5]", "[ip-10-0-9-9]");
    let errors = errors(&yaml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("no node has this name"), "{errors:#?}");
    let line = yaml.lines().position(|l| l.contains("- key: kubernetes.io/hostname")).unwrap() + 1;
    assert_eq!(errors[0].line, line, "{errors:#?}");
}

/// `matchExpressions` in a set's selector, a budget's and a pod
/// anti-affinity term's (as the ZooKeeper tutorial writes it) are read and
/// matched, and a selector that does not select the template is refused.
#[test]
fn selectors_with_match_expressions() {
    let yaml = edit(
        "  selector:\n    matchLabels:\n      app: redis\n",
        "  selector:\n    matchLabels:\n      app: redis\n    matchExpressions:\n      - key: tier\n        operator: NotIn\n        values: [cache]\n",
    )
    .replacen(
        "      containers:\n",
        "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            \
         - labelSelector:\n                matchExpressions:\n                  - key: app\n                    operator: In\n                    \
         values: [redis]\n              topologyKey: kubernetes.io/hostname\n      containers:\n",
        1,
    );
    let budget = "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: redis\nspec:\n  maxUnavailable: 1\n  selector:\n    matchExpressions:\n      - {key: app, operator: Exists}\n";
    let yaml = format!("{yaml}{budget}");
    let loaded = parse_manifests(&[("redis.yaml".into(), yaml.clone())], "start").unwrap();
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let config = loaded.config;
    let selector = &config.statefulsets[0].spec.selector;
    assert_eq!(selector.match_expressions.len(), 1);
    let labels = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert!(selector.matches(&labels(&[("app", "redis")])));
    assert!(!selector.matches(&labels(&[("app", "redis"), ("tier", "cache")])));
    let term = &config.statefulsets[0].spec.template.affinity.anti_required[0];
    assert!(term.selects(&labels(&[("app", "redis")])) && !term.selects(&labels(&[("app", "web")])));
    assert!(config.pod_disruption_budgets[0].selector.matches(&labels(&[("app", "anything")])));
    // Three pods, one per node: the anti-affinity by expression holds.
    let mut sim = stsim_core::Simulation::new(config);
    sim.run();
    let nodes: std::collections::BTreeSet<_> = sim.world.live_pods().filter_map(|p| p.node).collect();
    assert_eq!(nodes.len(), 3);
    // A selector whose expression the template's labels fail is refused.
    let bad =
        yaml.replacen("operator: NotIn\n        values: [cache]", "operator: In\n        values: [cache]", 1);
    let errors = errors(&bad);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("`selector` does not match template `labels`"), "{errors:#?}");
    assert!(
        errors[0].message.contains("spec.template.metadata.labels: Invalid value: map[string]string{"),
        "{errors:#?}"
    );
    // At the template's labels, as the API server reports it.
    let labels = bad.find("      labels:\n").unwrap();
    assert_eq!(errors[0].line, bad[..labels].lines().count() + 2);
}

#[test]
fn a_pod_affinity_term_without_a_label_selector_selects_nothing() {
    let yaml = edit(
        "      containers:\n",
        "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            \
         - topologyKey: kubernetes.io/hostname\n      containers:\n",
    );
    let loaded = parse_manifests(&[("redis.yaml".into(), yaml)], "start").unwrap();
    assert!(loaded.config.statefulsets[0].spec.template.affinity.anti_required.is_empty());
    assert!(loaded.warning.unwrap().contains("has no labelSelector, so it selects no pod"));
}

/// Every container's host ports and the template's nodeName are read, and
/// the API server's rules hold (a host port once per pod and protocol).
#[test]
fn host_ports_and_node_name_are_read() {
    let yaml = edit(
        "          image: redis:7.0\n",
        "          image: redis:7.0\n          ports:\n            - {name: redis, containerPort: 6379, hostPort: 6379}\n",
    )
    .replacen(
        "  volumeClaimTemplates:\n",
        "        - name: exporter\n          image: exporter:1\n          ports:\n            \
         - {containerPort: 9121, hostPort: 9121, protocol: UDP}\n  volumeClaimTemplates:\n",
        1,
    )
    .replacen("      containers:\n", "      nodeName: worker-1\n      containers:\n", 1);
    let loaded = parse_manifests(&[("redis.yaml".into(), yaml.clone())], "start").unwrap();
    // The second container runs beside the first: nothing of it is ignored.
    assert_eq!(loaded.warning, None);
    let template = &loaded.config.statefulsets[0].spec.template;
    assert_eq!(template.extra_containers[0].image, "exporter:1");
    assert_eq!(template.node_name.as_deref(), Some("worker-1"));
    let ports: Vec<String> =
        template.host_ports.iter().map(|p| format!("{}/{:?}", p.port, p.protocol)).collect();
    assert_eq!(ports, ["6379/TCP", "9121/UDP"]);
    let twice = yaml.replace("hostPort: 9121, protocol: UDP", "hostPort: 6379");
    let errors = pod_errors(&twice);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("Duplicate value: \"6379/TCP\""), "{errors:#?}");
}

/// Racks of Node objects are their labels: a scenario's `domainOutages`
/// reads whatever key the nodes carry, and fails every node of a rack at once.
#[test]
fn nodes_labelled_with_racks_fail_by_rack() {
    let node = |name: &str, rack: &str| {
        format!(
            "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: {name}\n    labels:\n      topology.kubernetes.io/zone: dc1\n      example.com/rack: {rack}\n  status:\n    allocatable:\n      cpu: \"4\"\n      memory: 16Gi\n"
        )
    };
    let nodes = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}{}{}{}",
        node("n1", "r1"),
        node("n2", "r2"),
        node("n3", "r1"),
        node("n4", "r2")
    );
    let scenario = |key: &str| {
        format!(
            r#"Scenario(
    name: "x",
    duration: "30d",
    cluster: (
        domainOutages: [(topologyKey: "{key}", meanTimeBetween: "2d", meanDuration: "1h")],
        storageClasses: [(name: "standard", default: true)],
    ),
    manifests: ["nodes.yaml", "redis.yaml"],
)"#
        )
    };
    let mut read = |name: &str| match name {
        "nodes.yaml" => Ok(("nodes.yaml".to_string(), nodes.clone())),
        _ => Ok(("redis.yaml".to_string(), REDIS.to_string())),
    };
    let config = parse_scenario_with(&scenario("example.com/rack"), "x.ron", &mut read).unwrap().config;
    let (sim, _) = stsim_core::run(config);
    let mut downs: std::collections::BTreeMap<stsim_core::time::SimTime, Vec<String>> = Default::default();
    for record in &sim.trace.records {
        if let stsim_core::trace::Event::NodeMachine { node, state: stsim_core::objects::Machine::Crashed } =
            record.event
        {
            downs.entry(record.at).or_default().push(sim.world.node(node).name.clone());
        }
    }
    assert!(downs.len() > 5, "{downs:?}");
    for nodes in downs.values() {
        assert!(nodes == &["n1", "n3"] || nodes == &["n2", "n4"], "a whole rack at once: {nodes:?}");
    }
    // A key the Node objects do not carry is an error on the scenario's line.
    let source = scenario("example.com/rak");
    let errors = parse_scenario_with(&source, "x.ron", &mut read).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].code, errors[0].file.as_str()), ("unknown-reference", "x.ron"));
    assert_eq!((errors[0].line, errors[0].column), position(&source, "\"example.com/rak\""));
    assert!(
        errors[0].help.as_deref().unwrap_or("").contains("did you mean `example.com/rack`"),
        "{errors:#?}"
    );
}

/// `REDIS` with `constraints` (YAML list items, indented under the field)
/// as the template's `topologySpreadConstraints`.
fn with_spread(constraints: &str) -> String {
    edit(
        "      containers:\n",
        &format!("      topologySpreadConstraints:\n{constraints}      containers:\n"),
    )
}

/// `topologySpreadConstraints` are read in full, with the scheduler's
/// defaults for what is left out; a field the model does not know is listed.
#[test]
fn topology_spread_constraints_are_read() {
    use stsim_core::config::{NodeInclusionPolicy, WhenUnsatisfiable};
    let yaml = with_spread(
        "        - maxSkew: 1\n          topologyKey: topology.kubernetes.io/zone\n          whenUnsatisfiable: DoNotSchedule\n          \
         labelSelector:\n            matchLabels:\n              app: redis\n            matchExpressions:\n              \
         - {key: tier, operator: NotIn, values: [cache]}\n          minDomains: 3\n          nodeAffinityPolicy: Ignore\n          \
         nodeTaintsPolicy: Honor\n          matchLabelKeys: [controller-revision-hash]\n        \
         - maxSkew: 2\n          topologyKey: kubernetes.io/hostname\n          whenUnsatisfiable: ScheduleAnyway\n",
    );
    let loaded = parse_manifests(&[("redis.yaml".into(), yaml.clone())], "start").unwrap();
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let spread = &loaded.config.statefulsets[0].spec.template.topology_spread;
    assert_eq!(spread.len(), 2);
    let (zone, host) = (&spread[0], &spread[1]);
    assert_eq!((zone.max_skew, zone.topology_key.as_str()), (1, "topology.kubernetes.io/zone"));
    assert_eq!(zone.when_unsatisfiable, WhenUnsatisfiable::DoNotSchedule);
    let selector = zone.label_selector.as_ref().unwrap();
    assert_eq!(selector.match_labels.get("app").map(String::as_str), Some("redis"));
    assert_eq!(selector.match_expressions[0].key, "tier");
    assert_eq!(zone.min_domains, Some(3));
    assert_eq!(
        (zone.node_affinity_policy, zone.node_taints_policy),
        (NodeInclusionPolicy::Ignore, NodeInclusionPolicy::Honor)
    );
    assert_eq!(zone.match_label_keys, ["controller-revision-hash"]);
    assert_eq!((host.max_skew, host.when_unsatisfiable), (2, WhenUnsatisfiable::ScheduleAnyway));
    assert!(host.label_selector.is_none() && host.min_domains.is_none() && host.match_label_keys.is_empty());
    assert_eq!(
        (host.node_affinity_policy, host.node_taints_policy),
        (NodeInclusionPolicy::Honor, NodeInclusionPolicy::Ignore)
    );
    // The same constraints in the RON format give the same config.
    let ron = r#"Scenario(
    name: "x",
    cluster: (storageClasses: [(name: "gp3", default: true)]),
    statefulsets: [(name: "redis", serviceName: "redis-svc", template: (image: "redis:7.0",
        topologySpreadConstraints: [
            (maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: DoNotSchedule,
             labelSelector: (matchLabels: {"app": "redis"}, matchExpressions: [(key: "tier", operator: NotIn, values: ["cache"])]),
             minDomains: 3, nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, matchLabelKeys: ["controller-revision-hash"]),
            (maxSkew: 2, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: ScheduleAnyway),
        ]))],
)"#;
    let from_ron = parse_scenario(ron, "x.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(&from_ron.statefulsets[0].spec.template.topology_spread, spread);
    // The field is no longer among those ignored; a key that is no field of
    // a constraint is refused, as kubectl's strict validation refuses it.
    let future =
        yaml.replacen("          minDomains: 3\n", "          minDomains: 3\n          futureField: x\n", 1);
    let errors = parse_manifests(&[("redis.yaml".into(), future.clone())], "start").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "unknown-field");
    assert!(
        errors[0]
            .message
            .ends_with("unknown field \"spec.template.spec.topologySpreadConstraints[0].futureField\"")
    );
    assert_eq!((errors[0].line, errors[0].column), position(&future, "futureField"));
}

/// A manifest's constraint gets the API server's words, at its YAML place.
#[test]
fn topology_spread_constraint_errors_are_located() {
    let one = |fields: &str| with_spread(&format!("        - {fields}\n"));
    let prefix = "The StatefulSet \"redis\" is invalid: spec.template.spec.topologySpreadConstraints[0]";
    let yaml = one("{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}");
    pods_refused(
        &yaml,
        "invalid-value",
        &format!("{prefix}.maxSkew: Invalid value: 0: must be greater than zero"),
        "0,",
    );
    // Left out, maxSkew is the API server's 0 and topologyKey its "": placed at the constraint.
    let yaml = one("{topologyKey: zone, whenUnsatisfiable: DoNotSchedule}");
    pods_refused(&yaml, "invalid-value", &format!("{prefix}.maxSkew: Invalid value: 0"), "{topologyKey");
    let yaml = one("{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}");
    pods_refused(
        &yaml,
        "invalid-value",
        &format!("{prefix}.topologyKey: Required value: can not be empty"),
        "{maxSkew",
    );
    let yaml = one("{maxSkew: 1, topologyKey: zone}");
    pods_refused(
        &yaml,
        "invalid-value",
        &format!(
            "{prefix}.whenUnsatisfiable: Unsupported value: \"\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""
        ),
        "{maxSkew",
    );
    let yaml = one("{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedul}");
    pods_refused(&yaml, "invalid-value", "Unsupported value: \"DoNotSchedul\"", "DoNotSchedul}");
    let warning = under_1_33(&yaml).unwrap().warning.unwrap();
    assert!(warning.contains("\"ScheduleAnyway\"; did you mean \"DoNotSchedule\"?"), "{warning}");
    let yaml =
        one("{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: honor}");
    pods_refused(
        &yaml,
        "invalid-value",
        &format!(
            "{prefix}.nodeTaintsPolicy: Unsupported value: \"honor\": supported values: \"Honor\", \"Ignore\""
        ),
        "honor",
    );
    let yaml = one("{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}");
    pods_refused(
        &yaml,
        "invalid-value",
        "minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule",
        "2}",
    );
    let yaml =
        one("{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [app]}");
    pods_refused(
        &yaml,
        "invalid-value",
        "matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
        "[app]",
    );
    let yaml = one(
        "{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: redis}}, matchLabelKeys: [app]}",
    );
    pods_refused(
        &yaml,
        "invalid-value",
        &format!(
            "{prefix}.matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"
        ),
        "app]",
    );
    let yaml = one("{maxSkew: one, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}");
    refused(&yaml, "invalid-type", "maxSkew: expected an integer", "one,");
    // The same pair twice: the repeat is named by the pair, as the API server names it.
    let yaml = with_spread(
        "        - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n        \
         - {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n",
    );
    pods_refused(
        &yaml,
        "duplicate-name",
        "topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, DoNotSchedule}\"",
        "{maxSkew: 2",
    );
}

/// `export` writes the constraints as kubectl shows them (defaults left
/// out), and reading the export back gives the same constraints.
#[test]
fn topology_spread_constraints_survive_export() {
    let scenario = |spread: &str| {
        format!(
            r#"Scenario(
    name: "x",
    cluster: (storageClasses: [(name: "gp3", default: true)]),
    services: [(name: "web", selector: {{"app": "web"}})],
    statefulsets: [(name: "web", serviceName: "web", template: (image: "nginx:1.25"{spread}))],
)"#
        )
    };
    let ron = scenario(
        r#", topologySpreadConstraints: [
            (maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: DoNotSchedule,
             labelSelector: (matchLabels: {"app": "web"}, matchExpressions: [(key: "tier", operator: Exists)]),
             minDomains: 3, nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, matchLabelKeys: ["controller-revision-hash"]),
            (maxSkew: 2, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: ScheduleAnyway),
            (maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: DoNotSchedule, labelSelector: ()),
        ]"#,
    );
    let config = parse_scenario(&ron, "x.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let objects = stsim_scenario::export::objects(&config);
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    let written = &set["spec"]["template"]["spec"]["topologySpreadConstraints"];
    assert_eq!(
        written[1],
        serde_json::json!({"maxSkew": 2, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"})
    );
    assert_eq!(written[0]["nodeAffinityPolicy"], "Ignore");
    assert_eq!(written[0]["nodeTaintsPolicy"], "Honor");
    assert_eq!(written[0]["minDomains"], 3);
    // An empty selector (every pod) stays a selector, not none.
    assert_eq!(written[2]["labelSelector"], serde_json::json!({"matchLabels": {}}));
    let text: Vec<String> = objects.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
    let back = parse_manifests(&[("x.json".into(), text.join("\n---\n"))], "start").unwrap();
    assert!(back.warning.is_none(), "{:?}", back.warning);
    let spread = |c: &stsim_core::Config| c.statefulsets[0].spec.template.topology_spread.clone();
    assert_eq!(spread(&back.config), spread(&config));
    assert_eq!(spread(&config).len(), 3);
    // Without constraints, nothing is written.
    let plain = parse_scenario(&scenario(""), "x.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let objects = stsim_scenario::export::objects(&plain);
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    assert!(set["spec"]["template"]["spec"].get("topologySpreadConstraints").is_none(), "{set}");
}

/// An application's members are bounded in a manifest as in a RON file,
/// at the StatefulSet's `spec.replicas`; a set without the annotation is not.
#[test]
fn a_manifest_application_has_at_most_the_limit_of_members() {
    let most = stsim_scenario::Limits::DEFAULT.app_members;
    let annotated = |replicas: u32| {
        edit(
            "  name: redis\nspec:",
            "  name: redis\n  annotations:\n    stsim.io/app: \"PrimaryReplica()\"\nspec:",
        )
        .replacen("  replicas: 3\n", &format!("  replicas: {replicas}\n"), 1)
    };
    refused(
        &annotated(most + 1),
        "limit",
        &format!("spec.replicas: Invalid value: {}: must be no more than {most}, the members", most + 1),
        &format!("{}\n  selector", most + 1),
    );
    assert!(parse_manifests(&[("r.yaml".into(), annotated(most))], "start").is_ok());
    let plain = edit("  replicas: 3\n", &format!("  replicas: {}\n", most + 1));
    assert!(parse_manifests(&[("r.yaml".into(), plain)], "start").is_ok());
}

/// A manifest's list is not bounded before it is read, as a RON file's is:
/// the count of spread constraints is checked with the rest of validation.
#[test]
fn a_manifest_template_has_at_most_the_limit_of_spread_constraints() {
    let most = stsim_scenario::Limits::DEFAULT.spread_constraints;
    let items: String = (0..=most)
        .map(|i| {
            format!(
                "        - {{maxSkew: 1, topologyKey: example.com/k{i}, whenUnsatisfiable: DoNotSchedule}}\n"
            )
        })
        .collect();
    let yaml = with_spread(&items);
    refused(
        &yaml,
        "limit",
        &format!(
            "spec.template.spec.topologySpreadConstraints: {} constraints, more than the {most} a pod template may have",
            most + 1
        ),
        "- {maxSkew: 1, topologyKey: example.com/k0,",
    );
}

/// `imagePullPolicy` of the container and of init containers is read (a
/// value at its default included, as `kubectl get -o yaml` prints it), a
/// value the API server does not know is refused at its line, and a Node's
/// `status.images` names are the images on it from the start.
#[test]
fn image_pull_policies_and_the_images_on_a_node_are_read() {
    use stsim_core::config::ImagePullPolicy;
    let yaml = edit("          image: redis:7.0\n", "          image: redis:7.0\n          imagePullPolicy: Always\n")
        .replacen(
            "      containers:\n",
            "      initContainers:\n        - name: config\n          image: busybox:1.36\n          imagePullPolicy: IfNotPresent\n      containers:\n",
            1,
        );
    let loaded = parse_manifests(&[("r.yaml".into(), yaml.clone())], "start").unwrap();
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let policies = &loaded.config.statefulsets[0].spec.template.pull_policies;
    assert_eq!(policies.container, Some(ImagePullPolicy::Always));
    assert_eq!(policies.init.get(&0), Some(&ImagePullPolicy::IfNotPresent));

    let yaml = yaml.replace("imagePullPolicy: Always", "imagePullPolicy: Sometimes");
    pods_refused(
        &yaml,
        "invalid-value",
        "spec.template.spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
        "Sometimes",
    );

    let node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: ip-10-0-1-5\n  labels:\n    topology.kubernetes.io/zone: us-east-1a\nstatus:\n  allocatable:\n    cpu: \"4\"\n    memory: 16Gi\n  images:\n  - names:\n    - docker.io/library/redis@sha256:0123\n    - docker.io/library/redis:7.0\n    sizeBytes: 41000000\n";
    let config =
        parse_manifests(&[("r.yaml".into(), format!("{REDIS}---\n{node}"))], "start").unwrap().config;
    let preloaded: Vec<&str> =
        config.cluster.node_pools[0].preloaded_images.iter().map(String::as_str).collect();
    assert_eq!(preloaded, ["docker.io/library/redis:7.0", "docker.io/library/redis@sha256:0123"]);
    let bad = node.replace("    - docker.io/library/redis:7.0\n", "    - \"\"\n");
    let errors = errors(&format!("{REDIS}---\n{bad}"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("an image is required"), "{errors:#?}");
    let line = format!("{REDIS}---\n{bad}").lines().position(|l| l == "    - \"\"").unwrap() + 1;
    assert_eq!(errors[0].line, line, "{errors:#?}");
}

/// `serviceName` may be left out, as Kubernetes allows (k/k PR #130233); an
/// application's members find each other by name, so its set needs one.
#[test]
fn a_statefulset_without_a_service_name_is_accepted_unless_it_runs_an_application() {
    let yaml = edit("  serviceName: redis-svc\n", "");
    let loaded =
        parse_manifests(&[("r.yaml".into(), yaml.clone())], "start").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(loaded.config.statefulsets[0].spec.service_name, "");
    let with_app = yaml.replacen(
        "  name: redis\n",
        "  name: redis\n  annotations:\n    stsim.io/app: \"Quorum(system: Etcd)\"\n",
        1,
    );
    let errors = errors(&with_app);
    assert!(
        errors.iter().any(|e| e.message.contains("an application's set needs a serviceName")),
        "{errors:#?}"
    );
}

/// A namespace's name is a DNS label wherever it is written, and the error
/// points at it: a Namespace object's name, an object's metadata.namespace.
#[test]
fn a_namespace_that_is_not_a_dns_label_is_refused_where_it_is_written() {
    let namespace = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_NS\n---\n{REDIS}");
    refused(&namespace, "invalid-value", "The Namespace \"Bad_NS\" is invalid: metadata.name", "Bad_NS");
    let long = "n".repeat(64);
    let namespace = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {long}\n---\n{REDIS}");
    refused(&namespace, "invalid-value", "must be no more than 63 characters", &long);
    let named = edit("  name: redis-svc\n", "  name: redis-svc\n  namespace: Bad_NS\n").replacen(
        "  name: redis\n",
        "  name: redis\n  namespace: Bad_NS\n",
        1,
    );
    let errors = errors(&named);
    assert!(errors.iter().all(|e| e.file == "redis.yaml"), "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.message.contains("Invalid value: \"Bad_NS\"")
            && (e.line, e.column) == position(&named, "Bad_NS")),
        "{errors:#?}"
    );
}

/// A release whose `MaxUnavailableStatefulSet` is off drops a rollout's
/// `maxUnavailable` as it stores the set: said in the warning, not silent.
/// A release with the gate on keeps it, and says nothing.
#[test]
fn a_dropped_max_unavailable_is_told() {
    let yaml = edit(
        "  replicas: 3\n",
        "  replicas: 3\n  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 2\n",
    );
    let warning =
        parse_manifests(&[("r.yaml".into(), yaml.clone())], "start").unwrap().warning.unwrap_or_default();
    assert!(
        warning.contains(
            "StatefulSet \"redis\": Kubernetes 1.36.0 drops updateStrategy.rollingUpdate.maxUnavailable (2)"
        ),
        "{warning}"
    );
    let scenario =
        "Scenario(\n    name: \"r\",\n    kubernetesVersion: \"1.37\",\n    manifests: [\"redis.yaml\"],\n)";
    let mut read = |_: &str| Ok(("redis.yaml".to_string(), yaml.clone()));
    let loaded = parse_scenario_with(scenario, "x.ron", &mut read).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(loaded.warning, None);
}

/// A network file system's class (its CSI driver, or the in-tree
/// provisioner that migrated to it) and a distributed block store's are
/// reachable from every zone; a cloud's block storage class pins its
/// volumes to one.
#[test]
fn network_file_system_classes_are_not_zonal() {
    let zonal = |provisioner: &str| {
        let class = format!(
            "{REDIS}---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: shared\nprovisioner: {provisioner}\nparameters:\n  stsim.io/usd-per-gib-month: \"0.3\"\n"
        );
        let config =
            parse_manifests(&[("r.yaml".into(), class)], "start").unwrap_or_else(|e| panic!("{e:#?}")).config;
        config.cluster.storage_classes.iter().find(|c| c.name == "shared").expect("the class").zonal
    };
    assert!(!zonal("efs.csi.aws.com"));
    assert!(!zonal("file.csi.azure.com"));
    assert!(!zonal("kubernetes.io/azure-file"), "the in-tree name migrated to Azure Files' driver");
    assert!(!zonal("driver.longhorn.io"), "Longhorn's replicas serve every node");
    assert!(!zonal("rbd.csi.ceph.com"));
    assert!(zonal("ebs.csi.aws.com"));
}

/// A second regular container is read as one (its name, image and pull
/// policy), in one namespace with the first's name and the init
/// containers': the API server refuses a name twice, and an image left out.
#[test]
fn a_second_container_is_read_and_its_name_and_image_are_checked() {
    let second = "        - name: metrics\n          image: oliver006/redis_exporter:v1.62.0\n          \
                  imagePullPolicy: Always\n  volumeClaimTemplates:\n";
    let yaml = edit("  volumeClaimTemplates:\n", second);
    let loaded = parse_manifests(&[("redis.yaml".into(), yaml.clone())], "start").unwrap();
    let extras = &loaded.config.statefulsets[0].spec.template.extra_containers;
    assert_eq!(extras.len(), 1);
    assert_eq!(extras[0].name, "metrics");
    assert_eq!(extras[0].image, "oliver006/redis_exporter:v1.62.0");
    assert_eq!(extras[0].pull_policy, Some(stsim_core::config::ImagePullPolicy::Always));
    assert_eq!(loaded.warning, None, "nothing of it is ignored");
    let twice = yaml.replace("- name: metrics", "- name: redis");
    pods_refused(
        &twice,
        "duplicate-name",
        "containers[1].name: Duplicate value: \"redis\"",
        "redis\n          image: oliver",
    );
    let no_image = yaml.replace("          image: oliver006/redis_exporter:v1.62.0\n", "");
    pods_refused(&no_image, "invalid-value", "containers[1].image: Required value", "name: metrics");
    let init = yaml.replace(
        "      containers:\n",
        "      initContainers:\n        - {name: metrics, image: busybox:1}\n      containers:\n",
    );
    let error = &pod_errors(&init)[0];
    assert!(error.contains("Duplicate value: \"metrics\""), "{error:#?}");
}

/// As the API server (`ValidatePersistentVolumeSpec`): a volume names
/// exactly one source. A second is refused on its own field, found in the
/// API's order of sources rather than the file's; none is refused on
/// `spec`; `flexVolume` is counted without that check; a `local` volume
/// needs node affinity. Another in-tree plugin's source is read as one
/// without a deleter.
#[test]
fn a_volume_names_exactly_one_source() {
    let with = |source: &str| {
        format!(
            "{REDIS}---\n{}",
            VOLUME.replace("  csi:\n    driver: ebs.csi.aws.com\n    volumeHandle: vol-0abc\n", source)
        )
    };
    let two = with("  nfs: {server: 10.0.0.5, path: /a}\n  hostPath: {path: /data}\n");
    refused(&two, "invalid-value", "spec.nfs: Forbidden: may not specify more than 1 volume type", "{server");
    let none = with("");
    let error = refused(
        &none,
        "invalid-value",
        "spec: Required value: must specify a volume type",
        "capacity:\n    storage: 10Gi",
    );
    assert!(error.message.contains("PersistentVolume \"disk-1\""), "{}", error.message);
    let local = with("  local: {path: /mnt/disks/ssd1}\n").replace("  nodeAffinity:\n", "  other:\n");
    let errors = errors(&local);
    assert!(
        errors.iter().any(|e| e
            .message
            .contains("spec.nodeAffinity: Required value: Local volume requires node affinity")),
        "{errors:#?}"
    );
    let iscsi = with(
        "  iscsi: {targetPortal: \"10.0.0.9:3260\", iqn: iqn.2001-04.com.example:disk1, lun: 0}\n  flexVolume: {driver: example/flex}\n",
    );
    let read = parse_manifests(&[("redis.yaml".into(), iscsi)], "start").unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(read.config.persistent_volumes[0].origin, stsim_core::objects::PvOrigin::NoDeleter);
    let warning = read.warning.unwrap_or_default();
    assert!(warning.contains("spec.iscsi.iqn") && warning.contains("spec.flexVolume"), "{warning}");
    let csi = parse_manifests(
        &[("redis.yaml".into(), with("  csi: {driver: ebs.csi.aws.com, volumeHandle: v}\n"))],
        "start",
    )
    .unwrap();
    assert_eq!(csi.config.persistent_volumes[0].origin, stsim_core::objects::PvOrigin::Csi);
}

/// A class that only volumes made by hand name (the tutorial's `manual`)
/// is not made up by the story: static binding needs no StorageClass, and
/// a made-up provisioner would give claims volumes no cluster would. A
/// class a provisioned volume names is made up, as any missing class.
#[test]
fn a_class_only_hand_made_volumes_name_is_not_made_up() {
    let manual = edit("storageClassName: gp3", "storageClassName: manual");
    let volume = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: task-pv-volume\nspec:\n  storageClassName: manual\n  capacity: {storage: 10Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /mnt/data}\n";
    let classes = |yaml: String| -> Vec<String> {
        let read =
            parse_manifests(&[("redis.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}"));
        read.config.cluster.storage_classes.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(classes(format!("{manual}---\n{volume}")), ["gp3"], "only the default");
    assert_eq!(classes(manual.clone()), ["manual"], "a class no volume names is made up, as the default");
    let provisioned = volume.replace(
        "  name: task-pv-volume\n",
        "  name: task-pv-volume\n  annotations: {pv.kubernetes.io/provisioned-by: ebs.csi.aws.com}\n",
    );
    assert_eq!(classes(format!("{manual}---\n{provisioned}")), ["manual"]);
}

/// GCE PD's `replication-type: regional-pd` makes the class regional,
/// priced as a regional disk of its `type`; `none` leaves it zonal; other
/// values are refused as the driver refuses them; on another provisioner
/// the parameter is not read (listed as unused).
#[test]
fn a_gce_class_of_regional_disks() {
    let class = |provisioner: &str, replication: &str| {
        format!(
            "{REDIS}---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: regional\nprovisioner: {provisioner}\nvolumeBindingMode: WaitForFirstConsumer\nparameters:\n  type: pd-ssd\n  replication-type: {replication}\n"
        )
    };
    let load = |yaml: String| {
        parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}"))
    };
    let loaded = load(class("pd.csi.storage.gke.io", "regional-pd"));
    let regional = loaded.config.cluster.storage_classes.iter().find(|c| c.name == "regional").unwrap();
    assert!(regional.regional && regional.zonal);
    assert_eq!(regional.pricing.per_gib_month, stsim_core::pricing::Money(340_000));
    let loaded = load(class("kubernetes.io/gce-pd", "none"));
    let zonal = loaded.config.cluster.storage_classes.iter().find(|c| c.name == "regional").unwrap();
    assert!(!zonal.regional);
    assert_eq!(zonal.pricing.per_gib_month, stsim_core::pricing::Money(170_000));
    let yaml = class("pd.csi.storage.gke.io", "triple");
    refused(&yaml, "invalid-value", "Unsupported value: \"triple\"", "triple");
    let loaded = load(class("ebs.csi.aws.com", "regional-pd").replace("pd-ssd", "gp3"));
    assert!(!loaded.config.cluster.storage_classes.iter().any(|c| c.regional));
    assert!(loaded.warning.unwrap_or_default().contains("parameters.replication-type"));
}

/// A UTF-8 byte-order mark is dropped, as kubectl drops it: it is no
/// column. (It was read as a space, which indented the first key past the
/// second: "did not find expected <document start>" at line 2.)
#[test]
fn a_byte_order_mark_is_no_column() {
    let bom = |text: &str| format!("\u{feff}{text}");
    let from_plain = parse_manifests(&[("redis.yaml".to_string(), REDIS.to_string())], "default").unwrap();
    let from_bom = parse_manifests(&[("redis.yaml".to_string(), bom(REDIS))], "default").unwrap();
    assert_eq!(format!("{:?}", from_bom.config), format!("{:?}", from_plain.config));
    let yaml = bom(&REDIS.replacen("apiVersion: v1", "apiVersion: v2", 1));
    let errors = errors(&yaml);
    let error = &errors[0];
    assert_eq!((errors.len(), error.code, error.line, error.column), (1, "unknown-api-version", 1, 13));
    assert!(
        error.render(&yaml).contains("1 | apiVersion: v2\n  |             ^^\n"),
        "{}",
        error.render(&yaml)
    );
}

/// The hashicorp/vault chart's preStop hook: a flow list of quoted strings
/// closed under its key, which kubectl reads (go-yaml checks no
/// indentation inside `[...]`).
#[test]
fn a_flow_list_closed_under_its_key_is_read() {
    let yaml = edit(
        "          image: redis:7.0\n",
        "          image: redis:7.0\n          args: [\n            \"--save\", \"\",\n          ]\n          command: [\n\"redis-server\"\n]\n          ports: [\n{containerPort: x}]\n",
    );
    // The error on a line read padded points where the text is written.
    refused(&yaml, "invalid-type", "containerPort", "x}");
}

/// A scenario's objects as `stsim export` writes them, read back by `run -f`.
fn exported_and_read_back(config: &stsim_core::Config) -> (Vec<serde_json::Value>, stsim_scenario::Loaded) {
    let objects = stsim_scenario::export::objects(config);
    let text: Vec<String> = objects.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
    let back = parse_manifests(&[("x.json".into(), text.join("\n---\n"))], "start")
        .unwrap_or_else(|e| panic!("{e:#?}\n{}", text.join("\n")));
    (objects, back)
}

/// Every field of a StorageClass survives `stsim export` and `run -f`, in
/// Kubernetes' own fields where they exist (`allowVolumeExpansion`, the
/// driver's disk type: EBS's and PD's `type`, Azure Disk's `skuName`) and
/// stsim's annotations where they do not (volumes zonal or local against
/// what the provisioner makes, a price preset no disk type of the
/// provisioner names, a price per GiB); the shipped scenarios cover only
/// some of these (tests/manifests.rs holds them all to the same).
#[test]
fn every_storage_class_field_survives_export() {
    let ron = r#"Scenario(
    name: "classes",
    cluster: (storageClasses: [
        (name: "io2", provisioner: "ebs.csi.aws.com", pricing: "aws-io2", iops: 3000, allowVolumeExpansion: true,
         volumeBindingMode: WaitForFirstConsumer, reclaimPolicy: Retain, default: true),
        (name: "gp3-fast", provisioner: "ebs.csi.aws.com", iopsPerGB: 50, throughput: 250, usdPerGibMonth: 0.09),
        (name: "ebs-anywhere", provisioner: "ebs.csi.aws.com", zonal: false),
        (name: "ebs-priced-as-gcp", provisioner: "ebs.csi.aws.com", pricing: "gcp-pd-ssd"),
        (name: "regional-ssd", provisioner: "pd.csi.storage.gke.io", regional: true, pricing: "gcp-regional-pd-ssd"),
        (name: "regional", provisioner: "pd.csi.storage.gke.io", regional: true),
        (name: "regional-zonal-price", provisioner: "pd.csi.storage.gke.io", regional: true, pricing: "gcp-pd-ssd"),
        (name: "pd-standard", provisioner: "kubernetes.io/gce-pd", pricing: "gcp-pd-standard"),
        (name: "premium", provisioner: "disk.csi.azure.com", pricing: "azure-premium-ssd", zonal: false),
        (name: "nfs", provisioner: "nfs.csi.k8s.io", usdPerGibMonth: 0.3),
        (name: "nfs-zonal", provisioner: "nfs.csi.k8s.io", zonal: true, pricing: "aws-io1", usdPerGibMonth: 0.2),
        (name: "local-path", provisioner: "rancher.io/local-path", volumeBindingMode: WaitForFirstConsumer),
        (name: "static", provisioner: "kubernetes.io/no-provisioner", local: false, usdPerGibMonth: 0.05),
        (name: "static-local", provisioner: "kubernetes.io/no-provisioner", volumeBindingMode: WaitForFirstConsumer, local: true),
        (name: "my-local", provisioner: "example.com/disks", local: true, zonal: false,
         volumeBindingMode: WaitForFirstConsumer),
        (name: "hostpath", provisioner: "k8s.io/minikube-hostpath"),
    ]),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(name: "web", serviceName: "web", template: (image: "nginx:1.25"),
                    volumeClaimTemplates: [(name: "data", storage: "1Gi", storageClassName: "io2")])],
)"#;
    let config = parse_scenario(ron, "x.ron").unwrap_or_else(|d| panic!("{d:#?}"));
    let (objects, back) = exported_and_read_back(&config);
    assert_eq!(back.warning, None);
    assert_eq!(
        format!("{:#?}", back.config.cluster.storage_classes),
        format!("{:#?}", config.cluster.storage_classes)
    );
    let class = |name: &str| {
        objects.iter().find(|o| o["kind"] == "StorageClass" && o["metadata"]["name"] == name).unwrap().clone()
    };
    let annotation = |name: &str, key: &str| class(name)["metadata"]["annotations"][key].clone();
    // Kubernetes' fields, as the drivers read them.
    let io2 = class("io2");
    assert_eq!(io2["allowVolumeExpansion"], true, "{io2}");
    assert_eq!(io2["parameters"], serde_json::json!({"type": "io2", "iops": "3000"}), "{io2}");
    assert_eq!(
        io2["metadata"]["annotations"],
        serde_json::json!({"storageclass.kubernetes.io/is-default-class": "true"})
    );
    assert_eq!(class("gp3-fast")["allowVolumeExpansion"], false);
    assert_eq!(
        class("regional-ssd")["parameters"],
        serde_json::json!({"type": "pd-ssd", "replication-type": "regional-pd"})
    );
    assert_eq!(class("pd-standard")["parameters"], serde_json::json!({"type": "pd-standard"}));
    assert_eq!(class("premium")["parameters"], serde_json::json!({"skuName": "Premium_LRS"}));
    // stsim's, where Kubernetes has no field.
    assert_eq!(annotation("ebs-anywhere", "stsim.io/zonal"), "false");
    assert_eq!(annotation("nfs-zonal", "stsim.io/zonal"), "true");
    assert_eq!(annotation("ebs-priced-as-gcp", "stsim.io/pricing"), "gcp-pd-ssd");
    assert_eq!(annotation("regional-zonal-price", "stsim.io/pricing"), "gcp-pd-ssd");
    assert_eq!(annotation("nfs-zonal", "stsim.io/pricing"), "aws-io1");
    assert_eq!(annotation("gp3-fast", "stsim.io/usd-per-gib-month"), "0.09");
    assert_eq!(annotation("static", "stsim.io/local"), "false");
    assert_eq!(annotation("my-local", "stsim.io/local"), "true");
    // Nothing where the provisioner says it: no annotation, no parameter.
    for name in ["local-path", "static-local", "hostpath", "regional"] {
        assert!(class(name)["metadata"].get("annotations").is_none(), "{}", class(name));
    }
    assert!(class("ebs-anywhere").get("parameters").is_none());
}

/// Azure Disk's driver reads the disk type from `skuName`, or its alias
/// `storageAccountType`, in any case; stsim prices the class by it.
#[test]
fn an_azure_disk_class_is_priced_by_its_sku_name() {
    for key in ["skuName", "skuname", "storageAccountType", "type"] {
        let yaml = format!(
            "{REDIS}---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\nprovisioner: disk.csi.azure.com\nvolumeBindingMode: WaitForFirstConsumer\nparameters:\n  {key}: Premium_LRS\n"
        );
        let loaded =
            parse_manifests(&[("r.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}"));
        let class = loaded.config.cluster.storage_classes.iter().find(|c| c.name == "gp3").unwrap();
        assert_eq!(class.price_preset.as_deref(), Some("azure-premium-ssd"), "{key}");
        assert_eq!(class.pricing, stsim_core::pricing::preset("azure-premium-ssd").unwrap(), "{key}");
        assert_eq!(loaded.warning, None, "{key}");
    }
}

/// `stsim.io/zonal` is "true" or "false"; `stsim.io/pricing` names a preset.
#[test]
fn stsim_class_annotations_are_checked() {
    let class = |annotation: &str| {
        format!(
            "{REDIS}---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\n  annotations:\n    {annotation}\nprovisioner: ebs.csi.aws.com\n"
        )
    };
    refused(
        &class("stsim.io/zonal: \"no\""),
        "invalid-value",
        "Invalid value: \"no\": expected \"true\" or \"false\"",
        "\"no\"",
    );
    refused(
        &class("stsim.io/pricing: aws-gp9"),
        "invalid-value",
        "Invalid value: \"aws-gp9\": no such price preset",
        "aws-gp9",
    );
    let loaded = parse_manifests(&[("r.yaml".into(), class("stsim.io/zonal: \"false\""))], "start").unwrap();
    assert!(!loaded.config.cluster.storage_classes[0].zonal);
}

/// An application survives `stsim export` and `run -f` with every field,
/// in the `stsim.io/app` annotation, written out.
#[test]
fn an_application_survives_export_with_every_field() {
    let scenario = |app: &str| {
        format!(
            r#"Scenario(
    name: "x",
    services: [(name: "db", selector: {{"app": "db"}})],
    statefulsets: [(name: "db", serviceName: "db", replicas: 6, app: {app},
                    template: (image: "db:1", readinessProbe: ()))],
)"#
        )
    };
    for app in [
        "PrimaryReplica(addressing: Ip, bootstrap: OrdinalZero, readiness: Joined, catchUp: \"1m\", staleAfter: \"10m\", formTimeout: \"2m\", lookupRetry: \"3s\", peerTimeout: \"45s\", writeRate: 7, leaseTtl: \"40s\", leaseRenew: \"5s\", synchronous: true, stepDownWithoutMajority: \"12s\", replicationLag: \"2s\", discovery: Service)",
        "PrimaryReplica()",
        "Quorum(system: Etcd, discovery: Srv, addressing: Ip, removeOnScaleDown: true)",
        "Quorum(system: ZooKeeper)",
        "RedisSentinel(addressing: Dns, downAfter: \"20s\", minReplicasToWrite: 1, preStopFailover: false, quorum: 3, peerTimeout: \"1m\")",
        "Cassandra(seeds: [0, 2], replicationFactor: 2, addressing: Ip)",
        "Kafka(controllers: 1, replicationFactor: 2, minInsyncReplicas: 1, fixedClusterId: true)",
        "RedisCluster(addressing: Dns, replicasPerMaster: 1, nodeTimeout: \"5s\")",
    ] {
        let config = parse_scenario(&scenario(app), "x.ron").unwrap_or_else(|d| panic!("{app}: {d:#?}"));
        let (objects, back) = exported_and_read_back(&config);
        assert_eq!(back.config.statefulsets[0].app, config.statefulsets[0].app, "{app}");
        assert!(config.statefulsets[0].app.is_some());
        let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
        let written = set["metadata"]["annotations"]["stsim.io/app"].as_str().unwrap();
        assert!(written.starts_with(&app[..app.find('(').unwrap()]), "{written}");
    }
    let written = |app: &str| {
        let config = parse_scenario(&scenario(app), "x.ron").unwrap();
        let objects = stsim_scenario::export::objects(&config);
        let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap().clone();
        set["metadata"]["annotations"]["stsim.io/app"].clone()
    };
    assert_eq!(
        written("Quorum(system: Etcd)"),
        "Quorum(system: Etcd, addressing: Dns, discovery: Pods, removeOnScaleDown: false, readiness: Process, catchUp: \"30s\", staleAfter: \"5m\", formTimeout: \"5m\", lookupRetry: \"1s\")"
    );
}

/// Manifests that define StorageClasses say which classes the cluster has:
/// a class a claim names that they leave out is not made up (the claim
/// stays Pending, `storageclass.storage.k8s.io "gp3" not found`, as in
/// Kubernetes), and a note says so; the default class the story adds is
/// named as no claim names a class, and a claim of no class gets it, with
/// a note, where no class of the manifests is the default. Without
/// StorageClasses in the manifests, the class is made up (the default).
#[test]
fn a_class_the_manifests_leave_out_beside_theirs_is_not_made_up() {
    let standard = "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: standard\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\n";
    let load = |yaml: String| {
        parse_manifests(&[("redis.yaml".into(), yaml)], "start").unwrap_or_else(|e| panic!("{e:#?}"))
    };
    let claim = |config: stsim_core::Config| {
        let (sim, _) = stsim_core::run(config);
        let pvc = sim.world.pvc(sim.world.pvc_named("data-redis-0").unwrap());
        (pvc.phase, pvc.storage_class_name.clone(), sim.trace.render(&sim.world))
    };
    let names = |config: &stsim_core::Config| -> Vec<(String, bool)> {
        config.cluster.storage_classes.iter().map(|c| (c.name.clone(), c.is_default)).collect()
    };

    let missing = load(format!("{REDIS}{standard}"));
    let warning = missing.warning.clone().unwrap_or_default();
    assert!(
        warning.contains(
            "warning: StorageClass \"gp3\", which the claim template \"data\" of StatefulSet \"redis\" names, is not among the StorageClasses the manifests define (\"standard\"), and is not made up"
        ),
        "{warning}"
    );
    assert!(!warning.contains("is the default"), "{warning}");
    assert_eq!(names(&missing.config), [("standard".into(), false), ("stsim-default".into(), true)]);
    let (phase, class, trace) = claim(missing.config);
    assert_eq!((phase, class.as_deref()), (stsim_core::objects::PvcPhase::Pending, Some("gp3")));
    assert!(trace.contains(r#"message="storageclass.storage.k8s.io \"gp3\" not found""#), "{trace}");

    let classless = load(format!("{}{standard}", edit("        storageClassName: gp3\n", "")));
    let warning = classless.warning.clone().unwrap_or_default();
    assert!(
        warning.contains(
            "warning: no StorageClass the manifests define (\"standard\") is the default: the claims that name no class get \"gp3\""
        ),
        "{warning}"
    );
    assert_eq!(names(&classless.config), [("standard".into(), false), ("gp3".into(), true)]);
    let (phase, class, _) = claim(classless.config);
    assert_eq!((phase, class.as_deref()), (stsim_core::objects::PvcPhase::Bound, Some("gp3")));

    // A class only volumes made by hand name needs no object, and is no
    // name for the default the story adds.
    let volume = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: by-hand\nspec:\n  storageClassName: gp3\n  capacity: {storage: 10Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /mnt/data}\n";
    let by_hand = load(format!("{REDIS}{standard}{volume}"));
    assert!(
        by_hand.warning.as_deref().is_none_or(|w| !w.contains("\"gp3\", which")),
        "{:?}",
        by_hand.warning
    );
    assert_eq!(names(&by_hand.config), [("standard".into(), false), ("stsim-default".into(), true)]);
    let (phase, class, _) = claim(by_hand.config);
    assert_eq!((phase, class.as_deref()), (stsim_core::objects::PvcPhase::Bound, Some("gp3")));

    // A default class of theirs: no note about it.
    let default = standard.replace(
        "  name: standard\n",
        "  name: standard\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\n",
    );
    let theirs = load(format!("{}{default}", edit("        storageClassName: gp3\n", "")));
    assert_eq!(theirs.warning, None);
    assert_eq!(names(&theirs.config), [("standard".into(), true)]);

    // No StorageClass in the manifests: the class is made up, the default.
    let alone = load(REDIS.to_string());
    assert_eq!(alone.warning, None);
    assert_eq!(names(&alone.config), [("gp3".into(), true)]);
}

/// A mount naming no volume shows only in a pod's spec: from 1.34 the set's
/// create checks the template as a pod's, with a volume per claim template
/// (k/k PR #131790), so the set is refused, at its template; a 1.33 API
/// server accepts it and refuses each pod (stsim-core, at the pod's
/// create). A mount of the claim template's volume is fine.
#[test]
fn a_mount_naming_no_volume_refuses_the_set_from_1_34() {
    let mounted = |name: &str| {
        edit(
            "          readinessProbe:",
            &format!(
                "          volumeMounts:\n            - name: {name}\n              mountPath: /data\n          readinessProbe:"
            ),
        )
    };
    assert!(parse_manifests(&[("redis.yaml".to_string(), mounted("data"))], "default").is_ok());
    let yaml = mounted("dta");
    // At the mount's name, as the reader records it.
    let error = refused(
        &yaml,
        "invalid-value",
        r#"The StatefulSet "redis" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "dta""#,
        "dta",
    );
    assert_eq!(error.length, 3);
    assert!(error.help.is_some_and(|h| h.contains("from 1.34")));
    let loaded = under_1_33(&yaml).unwrap_or_else(|e| panic!("accepted by 1.33: {e:#?}"));
    assert!(
        loaded.config.statefulsets[0].spec.template.create_errors.is_empty(),
        "found at each pod's create"
    );
}

/// Each refusal of a mount naming no volume points at that mount's `name:`,
/// in whichever container (an init container's, a second container's,
/// whose mounts are listed with the name last), and a volume's at the
/// volume's.
#[test]
fn a_mount_naming_no_volume_is_refused_at_its_name() {
    let yaml = edit(
        "          readinessProbe:",
        "          volumeMounts:\n            - name: data\n              mountPath: /data\n          readinessProbe:",
    )
    .replacen(
        "      containers:\n",
        "      initContainers:\n        - name: init\n          image: busybox:1\n          volumeMounts:\n            - name: dat\n              mountPath: /d\n      containers:\n",
        1,
    )
    .replacen(
        "  volumeClaimTemplates:",
        "        - name: side\n          image: exporter:1\n          volumeMounts:\n            - mountPath: /c\n              name: cfg\n  volumeClaimTemplates:",
        1,
    );
    let found: Vec<(String, usize, usize)> = errors(&yaml)
        .into_iter()
        .map(|e| {
            (e.message.split(": spec.template.").nth(1).unwrap_or_default().to_string(), e.line, e.column)
        })
        .collect();
    let at = |needle: &str| position(&yaml, needle);
    assert_eq!(
        found,
        [
            (
                r#"spec.initContainers[0].volumeMounts[0].name: Not found: "dat""#.to_string(),
                at("dat\n").0,
                at("dat\n").1
            ),
            (
                r#"spec.containers[1].volumeMounts[0].name: Not found: "cfg""#.to_string(),
                at("cfg").0,
                at("cfg").1
            ),
        ]
    );
}
