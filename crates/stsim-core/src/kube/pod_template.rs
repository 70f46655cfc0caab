//! A pod template as the model holds it, written out as the Kubernetes
//! object: what the API server serves as the `spec.template` of a
//! StatefulSet that a scenario defines, and what `stsim export` writes.
//! Every field the model keeps is written, with its defaults where the
//! model has them (a spread constraint's node inclusion policies left out
//! at the scheduler's defaults, as `kubectl get -o yaml` shows them). The
//! model does not run probe checks: a probe is written with the check its
//! manifest or operator gave (`ProbeChecks`), and a scenario's probe, which
//! names none, with a made-up one: a TCP check on the port the caller
//! gives (export: the first port of the set's Service; the API server: the
//! first container's first port), or `exec: [true]` without one.
//!
//! Owns the writing only. Reading a template back is the embedding's
//! `TemplateReader` (`kube::template`); reading it gives the same template,
//! which `stsim export`'s round-trip test holds every shipped scenario to.

use super::labels;
use crate::config::*;
use serde_json::{Map, Value, json};

/// `template` as `{"metadata": {...}, "spec": {...}}`, its probes' made-up
/// checks (for those that name none) on `probe_port`.
pub fn object(template: &PodTemplate, probe_port: Option<u16>) -> Value {
    let mut container = json!({"name": template.container_name(), "image": template.image});
    if let Some(policy) = template.pull_policies.container {
        container["imagePullPolicy"] = policy.as_str().into();
    }
    let mut requests = Map::new();
    if template.requests.cpu_millis > 0 {
        requests.insert("cpu".into(), cpu_quantity(template.requests.cpu_millis).into());
    }
    if template.requests.memory_bytes > 0 {
        requests.insert("memory".into(), bytes_quantity(template.requests.memory_bytes).into());
    }
    if !requests.is_empty() {
        container["resources"] = json!({"requests": requests});
    }
    let checks = &template.probe_checks;
    for (key, probe, check) in [
        ("readinessProbe", &template.readiness_probe, &checks.readiness),
        ("livenessProbe", &template.liveness_probe, &checks.liveness),
        ("startupProbe", &template.startup_probe, &checks.startup),
    ] {
        if let Some(probe) = probe {
            container[key] = probe_object(probe, check.as_deref(), probe_port);
        }
    }
    let ports: Vec<Value> = container_ports(template, 0, false).collect();
    if !ports.is_empty() {
        container["ports"] = ports.into();
    }
    if let Some(sleep) = template.pre_stop {
        container["lifecycle"] = pre_stop_sleep(sleep);
    }
    let mut pod = Map::new();
    if !template.init_containers.is_empty() {
        let init: Vec<Value> = template
            .init_containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut init = json!({"name": c.name, "image": c.image});
                if let Some(policy) = template.pull_policies.init.get(&i) {
                    init["imagePullPolicy"] = policy.as_str().into();
                }
                if template.sidecars.contains(&i) {
                    init["restartPolicy"] = "Always".into();
                }
                let ports: Vec<Value> = container_ports(template, i, true).collect();
                if !ports.is_empty() {
                    init["ports"] = ports.into();
                }
                if let Some(sleep) = c.pre_stop {
                    init["lifecycle"] = pre_stop_sleep(sleep);
                }
                if let Some(probe) = &c.startup_probe {
                    init["startupProbe"] = probe_object(probe, c.startup_check.as_deref(), probe_port);
                }
                if let Some(probe) = &c.readiness_probe {
                    init["readinessProbe"] = probe_object(probe, c.readiness_check.as_deref(), probe_port);
                }
                if let Some(probe) = &c.liveness_probe {
                    init["livenessProbe"] = probe_object(probe, c.liveness_check.as_deref(), probe_port);
                }
                init
            })
            .collect();
        pod.insert("initContainers".into(), init.into());
    }
    let mut containers = vec![container];
    for (i, extra) in template.extra_containers.iter().enumerate() {
        let mut other = json!({"name": extra.name, "image": extra.image});
        if let Some(policy) = extra.pull_policy {
            other["imagePullPolicy"] = policy.as_str().into();
        }
        let ports: Vec<Value> = container_ports(template, i + 1, false).collect();
        if !ports.is_empty() {
            other["ports"] = ports.into();
        }
        containers.push(other);
    }
    pod.insert("containers".into(), containers.into());
    pod.insert(
        "terminationGracePeriodSeconds".into(),
        (template.termination_grace_period.as_millis() / 1_000).into(),
    );
    if let Some(node) = &template.node_name {
        pod.insert("nodeName".into(), node.clone().into());
    }
    if let Some(class) = &template.priority_class_name {
        pod.insert("priorityClassName".into(), class.clone().into());
    }
    if template.set_hostname_as_fqdn {
        pod.insert("setHostnameAsFQDN".into(), true.into());
    }
    if !template.node_selector.is_empty() {
        pod.insert("nodeSelector".into(), labels(&template.node_selector));
    }
    if !template.affinity.is_empty() {
        pod.insert("affinity".into(), affinity(&template.affinity));
    }
    if !template.tolerations.is_empty() {
        pod.insert(
            "tolerations".into(),
            template.tolerations.iter().map(toleration).collect::<Vec<_>>().into(),
        );
    }
    if !template.topology_spread.is_empty() {
        pod.insert(
            "topologySpreadConstraints".into(),
            template.topology_spread.iter().map(spread_constraint).collect::<Vec<_>>().into(),
        );
    }
    let mut metadata = json!({"labels": labels(&template.labels)});
    if !template.annotations.is_empty() {
        metadata["annotations"] = labels(&template.annotations);
    }
    json!({"metadata": metadata, "spec": pod})
}

/// A quantity of bytes in the largest binary unit that divides it.
pub fn bytes_quantity(bytes: u64) -> String {
    for (shift, unit) in [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// CPU in cores when whole, else millicores.
pub fn cpu_quantity(millis: u64) -> String {
    if millis.is_multiple_of(1_000) { (millis / 1_000).to_string() } else { format!("{millis}m") }
}

fn term(term: &NodeSelectorTerm) -> Value {
    let expressions: Vec<Value> = term.match_expressions.iter().map(requirement).collect();
    let mut out = json!({"matchExpressions": expressions});
    if !term.match_fields.is_empty() {
        out["matchFields"] = term.match_fields.iter().map(requirement).collect::<Vec<_>>().into();
    }
    out
}

fn operator(operator: NodeSelectorOperator) -> &'static str {
    match operator {
        NodeSelectorOperator::In => "In",
        NodeSelectorOperator::NotIn => "NotIn",
        NodeSelectorOperator::Exists => "Exists",
        NodeSelectorOperator::DoesNotExist => "DoesNotExist",
        NodeSelectorOperator::Gt => "Gt",
        NodeSelectorOperator::Lt => "Lt",
    }
}

/// A requirement, with `values` only where the operator takes them.
fn requirement(r: &NodeSelectorRequirement) -> Value {
    let mut out = json!({"key": r.key, "operator": operator(r.operator)});
    if !r.values.is_empty() {
        out["values"] = r.values.clone().into();
    }
    out
}

/// A label selector as written: `matchLabels`, and `matchExpressions` when
/// it has any, each with `values` only where it has some (an `Exists`
/// has none, and the API server omits an empty list): a set's and a
/// budget's selector as served, and any in a template.
pub fn label_selector(selector: &LabelSelector) -> Value {
    let mut out = json!({"matchLabels": labels(&selector.match_labels)});
    if !selector.match_expressions.is_empty() {
        out["matchExpressions"] =
            selector.match_expressions.iter().map(requirement).collect::<Vec<_>>().into();
    }
    out
}

fn pod_term(term: &PodAffinityTerm) -> Value {
    json!({"labelSelector": label_selector(&term.label_selector), "topologyKey": term.topology_key})
}

fn affinity(affinity: &Affinity) -> Value {
    const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    let mut out = Map::new();
    let mut node = Map::new();
    if !affinity.node_required.is_empty() {
        let terms: Vec<Value> = affinity.node_required.iter().map(term).collect();
        node.insert(REQUIRED.into(), json!({"nodeSelectorTerms": terms}));
    }
    if !affinity.node_preferred.is_empty() {
        let terms: Vec<Value> = affinity
            .node_preferred
            .iter()
            .map(|p| json!({"weight": p.weight, "preference": term(&p.preference)}))
            .collect();
        node.insert(PREFERRED.into(), terms.into());
    }
    if !node.is_empty() {
        out.insert("nodeAffinity".into(), Value::Object(node));
    }
    // podAntiAffinity and podAffinity have one shape.
    for (key, required, preferred) in [
        ("podAntiAffinity", &affinity.anti_required, &affinity.anti_preferred),
        ("podAffinity", &affinity.affinity_required, &affinity.affinity_preferred),
    ] {
        let mut block = Map::new();
        if !required.is_empty() {
            block.insert(REQUIRED.into(), required.iter().map(pod_term).collect::<Vec<_>>().into());
        }
        if !preferred.is_empty() {
            let terms: Vec<Value> = preferred
                .iter()
                .map(|w| json!({"weight": w.weight, "podAffinityTerm": pod_term(&w.term)}))
                .collect();
            block.insert(PREFERRED.into(), terms.into());
        }
        if !block.is_empty() {
            out.insert(key.into(), Value::Object(block));
        }
    }
    Value::Object(out)
}

fn toleration(t: &Toleration) -> Value {
    let mut out = Map::new();
    if !t.key.is_empty() {
        out.insert("key".into(), t.key.clone().into());
    }
    out.insert(
        "operator".into(),
        match t.operator {
            TolerationOperator::Equal => "Equal",
            TolerationOperator::Exists => "Exists",
        }
        .into(),
    );
    if !t.value.is_empty() {
        out.insert("value".into(), t.value.clone().into());
    }
    if let Some(effect) = t.effect {
        out.insert("effect".into(), effect.as_str().into());
    }
    if let Some(seconds) = t.toleration_seconds {
        out.insert("tolerationSeconds".into(), seconds.into());
    }
    Value::Object(out)
}

/// A spread constraint as `kubectl get -o yaml` shows one: `labelSelector`,
/// `minDomains` and `matchLabelKeys` only when given, a node inclusion
/// policy only when it is not the scheduler's default.
fn spread_constraint(c: &TopologySpreadConstraint) -> Value {
    let mut out = Map::new();
    out.insert("maxSkew".into(), c.max_skew.into());
    out.insert("topologyKey".into(), c.topology_key.clone().into());
    let when = match c.when_unsatisfiable {
        WhenUnsatisfiable::DoNotSchedule => "DoNotSchedule",
        WhenUnsatisfiable::ScheduleAnyway => "ScheduleAnyway",
    };
    out.insert("whenUnsatisfiable".into(), when.into());
    if let Some(selector) = &c.label_selector {
        out.insert("labelSelector".into(), label_selector(selector));
    }
    if let Some(min_domains) = c.min_domains {
        out.insert("minDomains".into(), min_domains.into());
    }
    let policy = |p: NodeInclusionPolicy| match p {
        NodeInclusionPolicy::Honor => "Honor",
        NodeInclusionPolicy::Ignore => "Ignore",
    };
    if c.node_affinity_policy != NodeInclusionPolicy::Honor {
        out.insert("nodeAffinityPolicy".into(), policy(c.node_affinity_policy).into());
    }
    if c.node_taints_policy != NodeInclusionPolicy::Ignore {
        out.insert("nodeTaintsPolicy".into(), policy(c.node_taints_policy).into());
    }
    if !c.match_label_keys.is_empty() {
        out.insert("matchLabelKeys".into(), c.match_label_keys.clone().into());
    }
    Value::Object(out)
}

/// The check a probe that names none is given (stsim does not run
/// checks): a TCP check on `port`, or `exec: [true]` without one. The
/// validator gives a scenario's probes this one at load
/// (`ProbeChecks`); `object` gives it to a probe added since without one.
pub fn made_up_probe_check(port: Option<u16>) -> Value {
    match port {
        Some(port) => json!({"tcpSocket": {"port": port}}),
        None => json!({"exec": {"command": ["true"]}}),
    }
}

/// Gives each probe of `template` that names no check (a scenario's, which
/// the model does not run) the made-up check on `port`, the first port of
/// the set's Service: kept in the template, so that the template read back
/// from what was served or exported is the same template, and an operator
/// that writes back what it read makes no new revision.
pub fn give_made_up_checks(template: &mut PodTemplate, port: Option<u16>) {
    let checks = &mut template.probe_checks;
    for (probe, slot) in [
        (template.readiness_probe.is_some(), &mut checks.readiness),
        (template.liveness_probe.is_some(), &mut checks.liveness),
        (template.startup_probe.is_some(), &mut checks.startup),
    ] {
        if probe && slot.is_none() {
            *slot = Some(Box::new(made_up_probe_check(port)));
        }
    }
    // The sidecars' probes too.
    for init in &mut template.init_containers {
        if init.startup_probe.is_some() && init.startup_check.is_none() {
            init.startup_check = Some(Box::new(made_up_probe_check(port)));
        }
        if init.readiness_probe.is_some() && init.readiness_check.is_none() {
            init.readiness_check = Some(Box::new(made_up_probe_check(port)));
        }
        if init.liveness_probe.is_some() && init.liveness_check.is_none() {
            init.liveness_check = Some(Box::new(made_up_probe_check(port)));
        }
    }
}

/// A probe with its check as given, or a made-up one on `port`.
fn probe_object(probe: &Probe, check: Option<&Value>, port: Option<u16>) -> Value {
    let mut out = check.cloned().unwrap_or_else(|| made_up_probe_check(port));
    out["initialDelaySeconds"] = (probe.initial_delay.as_millis() / 1_000).into();
    out["periodSeconds"] = (probe.period.as_millis() / 1_000).into();
    out["successThreshold"] = probe.success_threshold.into();
    out["failureThreshold"] = probe.failure_threshold.into();
    if let Some(grace) = probe.termination_grace_period {
        out["terminationGracePeriodSeconds"] = (grace.as_millis() / 1_000).into();
    }
    out
}

/// Container `index`'s ports (init container `index`'s, with `init`), as
/// written.
fn container_ports(template: &PodTemplate, index: usize, init: bool) -> impl Iterator<Item = Value> + '_ {
    (template.ports.iter()).filter(move |p| p.container == index && p.init == init).map(ContainerPort::served)
}

/// A `lifecycle` whose preStop hook sleeps for `sleep`.
fn pre_stop_sleep(sleep: crate::time::SimDuration) -> Value {
    json!({"preStop": {"sleep": {"seconds": sleep.as_millis() / 1_000}}})
}
