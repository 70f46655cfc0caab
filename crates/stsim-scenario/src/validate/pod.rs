//! A pod template: containers' requests, probes, scheduling constraints (node
//! affinity, pod (anti-)affinity, tolerations, topology spread constraints),
//! with the API server's rules.

use super::*;

/// The pod template `raw` as a scenario's: checked with the same rules
/// (`Checker::template`), its problems reported through `locator`. Under a
/// release before 1.34, a StatefulSet's (`set`) errors in its spec are each
/// pod create's to meet (`create_errors`), returned apart, as the set's
/// checks do.
pub(crate) fn pod_template(
    raw: &raw::PodTemplate,
    locator: &dyn Find,
    file: &str,
    (base, name): (&str, &str),
    set: bool,
    release: stsim_core::features::Version,
) -> Result<(PodTemplate, Vec<crate::manifest::Deferred>), Vec<Diagnostic>> {
    let mut checker = Checker::new(locator, file, Limits::DEFAULT);
    checker.deferring = set && !release.validates_statefulset_pod_template();
    let mut template = checker.template(base, name, raw);
    if template.create_errors.is_empty() {
        template.create_errors = checker.deferred.iter().map(|d| d.pod_error()).collect();
    } else {
        checker.deferred.clear();
    }
    if checker.diagnostics.is_empty() { Ok((template, checker.deferred)) } else { Err(checker.diagnostics) }
}

impl Checker<'_, '_> {
    pub(super) fn requests(&mut self, path: &str, resources: Option<&raw::Resources>) -> Resources {
        let requests = resources.and_then(|r| r.requests.as_ref());
        Resources {
            cpu_millis: self.cpu(&format!("{path}.cpu"), requests.and_then(|r| r.cpu.as_deref()), 0),
            memory_bytes: self.memory(
                &format!("{path}.memory"),
                requests.and_then(|r| r.memory.as_deref()),
                0,
            ),
        }
    }

    /// Requests as the scheduler's scoring counts them: what `list` writes,
    /// each resource it leaves out at its default (`Resources::for_scoring`).
    /// A value that does not parse counts as left out: it is refused where
    /// the requests themselves are read.
    pub(super) fn scoring_requests(list: Option<&raw::ResourceList>) -> Resources {
        let cpu = list.and_then(|l| l.cpu.as_deref()).and_then(|v| crate::parse_cpu(v).ok());
        let memory = list.and_then(|l| l.memory.as_deref()).and_then(|v| crate::parse_quantity(v).ok());
        Resources::for_scoring(cpu, memory)
    }

    pub(super) fn probe(&mut self, path: &str, probe: &raw::Probe) -> Probe {
        let defaults = Probe::default();
        Probe {
            initial_delay: seconds(self.int(
                &format!("{path}.initialDelaySeconds"),
                probe.initial_delay_seconds,
                0,
                0,
                None,
            )),
            period: seconds(self.int(&format!("{path}.periodSeconds"), probe.period_seconds, 10, 1, None)),
            success_threshold: self.int(
                &format!("{path}.successThreshold"),
                probe.success_threshold,
                defaults.success_threshold,
                1,
                None,
            ),
            failure_threshold: self.int(
                &format!("{path}.failureThreshold"),
                probe.failure_threshold,
                defaults.failure_threshold,
                1,
                None,
            ),
            termination_grace_period: self.probe_grace(path, probe.termination_grace_period_seconds),
        }
    }

    /// A probe's `terminationGracePeriodSeconds`: more than 0, and for
    /// liveness and startup probes only (the API server's `validateProbe`
    /// and its readiness rule).
    fn probe_grace(&mut self, path: &str, seconds: Option<i64>) -> Option<SimDuration> {
        let value = seconds?;
        let field = format!("{path}.terminationGracePeriodSeconds");
        if path.ends_with("readinessProbe") {
            let message = format!("Invalid value: {value}: must not be set for readinessProbes");
            self.report("invalid-value", &field, message, None);
            return None;
        }
        if value <= 0 {
            let message = format!("Invalid value: {value}: must be greater than 0");
            self.report("invalid-value", &field, message, None);
            return None;
        }
        Some(SimDuration::from_secs(u64::try_from(value).ok()?))
    }

    /// The other regular containers at `path`: each name a DNS label, each
    /// image given (their names' uniqueness is the caller's, with the pod's
    /// other containers).
    pub(super) fn extra_containers(
        &mut self,
        path: &str,
        list: &[raw::ExtraContainer],
    ) -> Vec<ExtraContainer> {
        (list.iter().enumerate())
            .map(|(i, c)| {
                let path = format!("{path}[{i}]");
                self.dns_label(&format!("{path}.name"), &c.name);
                if c.image.is_empty() {
                    let message = "Required value: an image is required";
                    self.report("invalid-value", &format!("{path}.image"), message, None);
                }
                ExtraContainer {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    pull_policy: c.image_pull_policy.map(pull_policy),
                    volume_mounts: c.volume_mounts.clone().unwrap_or_default(),
                    scoring_requests: Self::scoring_requests(c.requests.as_ref()),
                }
            })
            .collect()
    }

    pub(super) fn template(
        &mut self,
        base: &str,
        set_name: &str,
        template: &raw::PodTemplate,
    ) -> PodTemplate {
        // (An image a manifest's set left out is said already, with the
        // pods' other errors: `create_errors`.)
        if template.image.is_empty() && template.create_errors.is_empty() {
            let help = "name the container image, like \"redis:7.0\"".to_string();
            self.report(
                "invalid-value",
                &format!("{base}.image"),
                "Required value: an image is required",
                Some(help),
            );
        }
        let requests = self.requests(&format!("{base}.resources.requests"), template.resources.as_ref());
        let readiness_probe = template
            .readiness_probe
            .as_ref()
            .map(|probe| self.probe(&format!("{base}.readinessProbe"), probe));
        let liveness_probe =
            template.liveness_probe.as_ref().map(|probe| self.probe(&format!("{base}.livenessProbe"), probe));
        let startup_probe =
            template.startup_probe.as_ref().map(|probe| self.probe(&format!("{base}.startupProbe"), probe));
        let mut container_names = Vec::new();
        let container_name = template.container_name.as_deref();
        if let Some(name) = container_name {
            let path = format!("{base}.containerName");
            self.dns_label(&path, name);
            container_names.push((path, name));
        }
        let mut sidecars = Vec::new();
        let mut sidecar_ports = Vec::new();
        // Every container's ports, the regular containers' first.
        let mut all_ports = container_ports(template.ports.as_deref().unwrap_or_default(), None);
        let init_containers: Vec<stsim_core::config::InitContainer> = template
            .init_containers
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                let path = format!("{base}.initContainers[{i}]");
                self.dns_label(&format!("{path}.name"), &c.name);
                container_names.push((format!("{path}.name"), c.name.as_str()));
                match c.restart_policy.as_deref() {
                    None => {}
                    Some("Always") => {
                        sidecars.push(i);
                        self.sidecar_paths.push(format!("{path}.restartPolicy"));
                    }
                    Some(other) => self.report(
                        "invalid-value",
                        &format!("{path}.restartPolicy"),
                        format!("Unsupported value: {other:?}: supported values: \"Always\""),
                        Some(
                            "only `Always` may be set on an init container: it makes it a sidecar"
                                .to_string(),
                        ),
                    ),
                }
                if c.image.is_empty() {
                    self.report(
                        "invalid-value",
                        &format!("{path}.image"),
                        "Required value: an image is required",
                        None,
                    );
                }
                // `validateInitContainers`: a hook only on a sidecar, and
                // its sleep within the grace period (checked below).
                let hook = c.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref());
                let pre_stop = hook.map(|handler| {
                    let path = format!("{path}.lifecycle.preStop.sleep.seconds");
                    seconds(self.int(&path, Some(handler.sleep.seconds), 0, 0, None))
                });
                if c.lifecycle.is_some() && c.restart_policy.as_deref() != Some("Always") {
                    self.report(
                        "invalid-value",
                        &format!("{path}.lifecycle"),
                        "Forbidden: may not be set for init containers without restartPolicy=Always",
                        Some(
                            "an init container runs to completion and is never stopped: only a sidecar (`restartPolicy: \"Always\"`) has a preStop hook".to_string(),
                        ),
                    );
                }
                // `validateInitContainers`: a probe only on a sidecar; a
                // startup probe's successThreshold is 1 (`validateProbe`).
                let startup_probe =
                    c.startup_probe.as_ref().map(|probe| self.probe(&format!("{path}.startupProbe"), probe));
                if c.startup_probe.is_some() && c.restart_policy.as_deref() != Some("Always") {
                    self.report(
                        "invalid-value",
                        &format!("{path}.startupProbe"),
                        "Forbidden: may not be set for init containers without restartPolicy=Always",
                        Some(
                            "an init container runs to completion, and the next starts when it has: only a sidecar (`restartPolicy: \"Always\"`) has a startup probe".to_string(),
                        ),
                    );
                }
                if let Some(p) = startup_probe.as_ref().filter(|p| p.success_threshold != 1) {
                    let message = format!("Invalid value: {}: must be 1", p.success_threshold);
                    self.report("invalid-value", &format!("{path}.startupProbe.successThreshold"), &message, None);
                }
                let readiness_probe =
                    c.readiness_probe.as_ref().map(|probe| self.probe(&format!("{path}.readinessProbe"), probe));
                let liveness_probe =
                    c.liveness_probe.as_ref().map(|probe| self.probe(&format!("{path}.livenessProbe"), probe));
                for (probe, field, help) in [
                    (c.readiness_probe.is_some(), "readinessProbe", "is never ready"),
                    (c.liveness_probe.is_some(), "livenessProbe", "is never restarted while it runs"),
                ] {
                    if probe && c.restart_policy.as_deref() != Some("Always") {
                        self.report(
                            "invalid-value",
                            &format!("{path}.{field}"),
                            "Forbidden: may not be set for init containers without restartPolicy=Always",
                            Some(format!(
                                "an init container runs to completion and {help}: only a sidecar (`restartPolicy: \"Always\"`) has a {field}"
                            )),
                        );
                    }
                }
                if let Some(p) = liveness_probe.as_ref().filter(|p| p.success_threshold != 1) {
                    let message = format!("Invalid value: {}: must be 1", p.success_threshold);
                    self.report("invalid-value", &format!("{path}.livenessProbe.successThreshold"), &message, None);
                }
                let ports = self.init_ports(&path, i, c.ports.as_deref().unwrap_or_default());
                all_ports.extend(container_ports(c.ports.as_deref().unwrap_or_default(), Some(i)));
                if c.restart_policy.as_deref() == Some("Always") {
                    sidecar_ports.extend(ports);
                }
                stsim_core::config::InitContainer {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    pre_stop,
                    startup_check: c.startup_probe.as_ref().and_then(|p| p.check.clone()),
                    startup_probe,
                    readiness_check: c.readiness_probe.as_ref().and_then(|p| p.check.clone()),
                    readiness_probe,
                    liveness_check: c.liveness_probe.as_ref().and_then(|p| p.check.clone()),
                    liveness_probe,
                    volume_mounts: c.volume_mounts.clone().unwrap_or_default(),
                    scoring_requests: Self::scoring_requests(c.requests.as_ref()),
                }
            })
            .collect();
        let extras = template.extra_containers.as_deref().unwrap_or_default();
        let extra_containers = self.extra_containers(&format!("{base}.extraContainers"), extras);
        for (i, c) in extras.iter().enumerate() {
            container_names.push((format!("{base}.extraContainers[{i}].name"), c.name.as_str()));
        }
        // One namespace for the names of all of a pod's containers, the
        // first's too when it has its default name.
        self.unique("container", &container_names);
        if container_name.is_none()
            && let Some((path, _)) =
                container_names.iter().find(|(_, name)| *name == stsim_core::config::DEFAULT_CONTAINER_NAME)
        {
            let message = format!("Duplicate value: {:?}", stsim_core::config::DEFAULT_CONTAINER_NAME);
            let help = format!(
                "the first container is named {:?} when `containerName` is not given: name this one otherwise, or give the first another name",
                stsim_core::config::DEFAULT_CONTAINER_NAME
            );
            self.report("duplicate-name", path, message, Some(help));
        }
        let pull_policies = PullPolicies {
            container: template.image_pull_policy.map(pull_policy),
            init: (template.init_containers.iter().flatten().enumerate())
                .filter_map(|(i, c)| Some((i, pull_policy(c.image_pull_policy?))))
                .collect(),
        };
        let pre_stop = template.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()).map(|handler| {
            let path = format!("{base}.lifecycle.preStop.sleep.seconds");
            seconds(self.int(&path, Some(handler.sleep.seconds), 0, 0, None))
        });
        for (probe, field) in [(&liveness_probe, "livenessProbe"), (&startup_probe, "startupProbe")] {
            if let Some(p) = probe.as_ref().filter(|p| p.success_threshold != 1) {
                let message = format!("Invalid value: {}: must be 1", p.success_threshold);
                self.report("invalid-value", &format!("{base}.{field}.successThreshold"), &message, None);
            }
        }
        let grace = self.int(
            &format!("{base}.terminationGracePeriodSeconds"),
            template.termination_grace_period_seconds,
            30,
            0,
            None,
        );
        // `validateSleepAction`: the sleep must end within the grace period
        // (with 1.33's PodLifecycleSleepActionAllowZero, on by default, 0 is
        // allowed); a sidecar's too.
        let hooks = std::iter::once((base.to_string(), template.lifecycle.as_ref())).chain(
            (template.init_containers.iter().flatten().enumerate())
                .map(|(i, c)| (format!("{base}.initContainers[{i}]"), c.lifecycle.as_ref())),
        );
        let sleeps: Vec<(String, i64)> = hooks
            .filter_map(|(path, lifecycle)| Some((path, lifecycle?.pre_stop.as_ref()?.sleep.seconds)))
            .collect();
        for (base, sleep) in sleeps.into_iter().filter(|(_, sleep)| *sleep > i64::from(grace)) {
            let message = format!(
                "Invalid value: {sleep}: must be non-negative and less than terminationGracePeriodSeconds ({grace})"
            );
            let help = format!(
                "the kubelet kills the container when the grace period ends, sleep or not: raise terminationGracePeriodSeconds to at least {sleep}, or sleep less"
            );
            self.report("invalid-value", &format!("{base}.lifecycle.preStop.sleep"), message, Some(help));
        }
        let labels = self
            .label_map(&format!("{base}.labels"), template.labels.as_ref())
            .unwrap_or_else(|| Labels::from([("app".to_string(), set_name.to_string())]));
        // Any nodeName is accepted, as the API server accepts it: a name no
        // Node has leaves the pod unrun until the pod GC deletes it (a
        // finding says so); only the name's form is checked.
        // An empty name is no name: `ValidatePodSpec` checks each only
        // when it is set (`len(spec.NodeName) > 0`), and charts render
        // `priorityClassName: ""` for "none".
        let node_name = template.node_name.clone().filter(|name| !name.is_empty());
        let priority_class_name = template.priority_class_name.clone().filter(|name| !name.is_empty());
        if let Some(node) = &node_name {
            self.dns_subdomain(&format!("{base}.nodeName"), node);
        }
        // Any class name is accepted (a PriorityClass is a cluster object
        // stsim does not model); only the two built-in critical ones change
        // what stsim does.
        if let Some(class) = &priority_class_name {
            self.dns_subdomain(&format!("{base}.priorityClassName"), class);
        }
        let host_ports = self.host_ports(base, template.ports.as_deref().unwrap_or_default());
        let mut named_ports = self.named_ports(base, template.ports.as_deref().unwrap_or_default());
        named_ports.extend(sidecar_ports);
        PodTemplate {
            labels,
            annotations: Labels::new(),
            container_name: container_name
                .filter(|n| *n != stsim_core::config::DEFAULT_CONTAINER_NAME)
                .map(Into::into),
            image: template.image.clone(),
            requests,
            // A manifest's first container's own; a scenario's `resources` are its first container's.
            scoring_requests: Self::scoring_requests(
                template
                    .first_requests
                    .as_ref()
                    .or_else(|| template.resources.as_ref().and_then(|r| r.requests.as_ref())),
            ),
            readiness_probe,
            liveness_probe,
            startup_probe,
            probe_checks: stsim_core::config::ProbeChecks {
                readiness: template.readiness_probe.as_ref().and_then(|p| p.check.clone()),
                liveness: template.liveness_probe.as_ref().and_then(|p| p.check.clone()),
                startup: template.startup_probe.as_ref().and_then(|p| p.check.clone()),
            },
            pre_stop,
            init_containers,
            sidecars,
            extra_containers,
            pull_policies,
            termination_grace_period: seconds(grace),
            node_selector: self
                .label_map(&format!("{base}.nodeSelector"), template.node_selector.as_ref())
                .unwrap_or_default(),
            affinity: template
                .affinity
                .as_ref()
                .map(|a| self.affinity(&format!("{base}.affinity"), a))
                .unwrap_or_default(),
            tolerations: self.tolerations(
                &format!("{base}.tolerations"),
                template.tolerations.as_deref().unwrap_or_default(),
            ),
            topology_spread: self.topology_spread(
                &format!("{base}.topologySpreadConstraints"),
                template.topology_spread_constraints.as_deref().unwrap_or_default(),
            ),
            node_name,
            priority_class_name,
            set_hostname_as_fqdn: template.set_hostname_as_fqdn.unwrap_or(false),
            host_ports,
            named_ports,
            ports: all_ports,
            // As written: the API server checks them when it is asked for a pod.
            volumes: template.volumes.clone().unwrap_or_default(),
            volume_mounts: template.volume_mounts.clone().unwrap_or_default(),
            unmodelled: String::new(),
            create_errors: template.create_errors.clone(),
        }
    }

    /// The container's ports: each a port number; those with a `hostPort`
    /// give the host ports, unique by port and protocol within the pod
    /// (`AccumulateUniqueHostPorts` in the API server's validation).
    fn host_ports(&mut self, base: &str, ports: &[raw::ContainerPort]) -> Vec<HostPort> {
        let mut out: Vec<HostPort> = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let path = format!("{base}.ports[{i}]");
            let in_range = |checker: &mut Self, field: &str, value: i64| {
                let ok = (1..=65535).contains(&value);
                if !ok {
                    let message = format!("Invalid value: {value}: must be between 1 and 65535, inclusive");
                    checker.report("invalid-value", &format!("{path}.{field}"), message, None);
                }
                ok
            };
            in_range(self, "containerPort", port.container_port);
            // `hostPort: 0` is no host port, as the API server reads it.
            let Some(host) = port.host_port.filter(|p| *p != 0) else { continue };
            if !in_range(self, "hostPort", host) {
                continue;
            }
            let protocol = protocol(port.protocol);
            let host_port = HostPort { port: host as u16, protocol };
            if out.contains(&host_port) {
                let message = format!("Duplicate value: \"{host}/{protocol:?}\"");
                let help = "a host port and protocol can be taken once per pod".to_string();
                self.report("duplicate-name", &format!("{path}.hostPort"), message, Some(help));
                continue;
            }
            out.push(host_port);
        }
        out
    }

    /// The ports with a name, in order: each name a valid port name
    /// (`IsValidPortName`), unique within its container
    /// (`validateContainerPorts`). A port with a name in error is left out.
    fn named_ports(&mut self, base: &str, ports: &[raw::ContainerPort]) -> Vec<NamedPort> {
        let mut out: Vec<NamedPort> = Vec::new();
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) else { continue };
            let path = format!("{base}.ports[{i}].name");
            let problems = stsim_core::api::validation::port_name_errors(name);
            for problem in &problems {
                self.report("invalid-value", &path, format!("Invalid value: {name:?}: {problem}"), None);
            }
            if !problems.is_empty() {
                continue;
            }
            if seen.contains(&(port.container, name)) {
                let help = "a port name can be given once per container".to_string();
                self.report("duplicate-name", &path, format!("Duplicate value: {name:?}"), Some(help));
                continue;
            }
            seen.push((port.container, name));
            let Ok(number) = u16::try_from(port.container_port) else { continue };
            if number == 0 {
                continue;
            }
            let protocol = protocol(port.protocol);
            out.push(NamedPort {
                name: name.to_string(),
                port: number,
                protocol,
                container: port.container,
                sidecar: false,
            });
        }
        out
    }

    /// Init container `index`'s ports (at `path`), its named ones, marked
    /// as a sidecar's (only a sidecar's are kept for names; every one is
    /// in `PodTemplate::ports`): each port 1 to 65535, and no host port,
    /// which stsim does not model for an init container.
    fn init_ports(&mut self, path: &str, index: usize, ports: &[raw::ContainerPort]) -> Vec<NamedPort> {
        for (i, port) in ports.iter().enumerate() {
            let at = format!("{path}.ports[{i}]");
            if !(1..=65535).contains(&port.container_port) {
                let message =
                    format!("Invalid value: {}: must be between 1 and 65535, inclusive", port.container_port);
                self.report("invalid-value", &format!("{at}.containerPort"), message, None);
            }
            if let Some(host) = port.host_port.filter(|p| *p != 0) {
                let message =
                    format!("Invalid value: {host}: stsim does not model an init container's host port");
                let help = "an init container's ports are read for their names only".to_string();
                self.report("invalid-value", &format!("{at}.hostPort"), message, Some(help));
            }
        }
        let ports: Vec<raw::ContainerPort> =
            ports.iter().map(|p| raw::ContainerPort { container: index, ..p.clone() }).collect();
        let mut named = self.named_ports(path, &ports);
        for port in &mut named {
            port.sidecar = true;
        }
        named
    }

    /// A weight of 1 to 100, as Kubernetes requires of preferred terms.
    pub(super) fn weight(&mut self, path: &str, weight: i64) -> u32 {
        if !(1..=100).contains(&weight) {
            let message = format!("Invalid value: {weight}: must be in the range 1-100");
            self.report("invalid-value", path, message, None);
            return 1;
        }
        weight as u32
    }

    pub(super) fn node_selector_term(
        &mut self,
        path: &str,
        term: &raw::NodeSelectorTerm,
    ) -> NodeSelectorTerm {
        // An empty term is valid, and matches no node (`ValidateNodeSelectorTerm`).
        let expressions = term.match_expressions.as_deref().unwrap_or_default();
        let fields = term.match_fields.as_deref().unwrap_or_default();
        let match_expressions =
            self.selector_requirements(&format!("{path}.matchExpressions"), expressions, true);
        let fields_path = format!("{path}.matchFields");
        let match_fields = self.selector_requirements(&fields_path, fields, true);
        // `ValidateNodeFieldSelectorRequirement`: `metadata.name`, In or NotIn one value.
        for (i, field) in match_fields.iter().enumerate() {
            let at = format!("{fields_path}[{i}]");
            match field.operator {
                NodeSelectorOperator::In | NodeSelectorOperator::NotIn if field.values.len() != 1 => {
                    let message = "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector";
                    self.report("invalid-value", &format!("{at}.values"), message, None);
                }
                NodeSelectorOperator::In | NodeSelectorOperator::NotIn => {}
                other => {
                    let message = format!("Invalid value: \"{other:?}\": not a valid selector operator");
                    self.report("invalid-value", &format!("{at}.operator"), message, None);
                }
            }
            if field.key != "metadata.name" {
                let message = format!("Invalid value: {:?}: not a valid field selector key", field.key);
                let help = "a node's only field a selector reads is `metadata.name`".to_string();
                self.report("invalid-value", &format!("{at}.key"), message, Some(help));
            }
        }
        NodeSelectorTerm { match_expressions, match_fields }
    }

    /// `matchExpressions` of a label selector: each with a key, and values
    /// exactly when the operator is `In` or `NotIn`; `Gt` and `Lt` are node
    /// selectors' only (`ValidateLabelSelectorRequirement`).
    pub(super) fn requirements(
        &mut self,
        path: &str,
        expressions: &[raw::NodeSelectorRequirement],
    ) -> Vec<NodeSelectorRequirement> {
        self.selector_requirements(path, expressions, false)
    }

    /// Requirements of a label selector, or of a node selector term
    /// (`node`, `ValidateNodeSelectorRequirement`: `Gt` and `Lt` with one
    /// value).
    fn selector_requirements(
        &mut self,
        path: &str,
        expressions: &[raw::NodeSelectorRequirement],
        node: bool,
    ) -> Vec<NodeSelectorRequirement> {
        let mut out = Vec::new();
        for (i, requirement) in expressions.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if requirement.key.is_empty() {
                self.report(
                    "invalid-value",
                    &format!("{at}.key"),
                    "Required value: a label key is required",
                    None,
                );
            }
            let values = requirement.values.clone().unwrap_or_default();
            let operator = match requirement.operator {
                raw::NodeSelectorOperator::In => NodeSelectorOperator::In,
                raw::NodeSelectorOperator::NotIn => NodeSelectorOperator::NotIn,
                raw::NodeSelectorOperator::Exists => NodeSelectorOperator::Exists,
                raw::NodeSelectorOperator::DoesNotExist => NodeSelectorOperator::DoesNotExist,
                raw::NodeSelectorOperator::Gt => NodeSelectorOperator::Gt,
                raw::NodeSelectorOperator::Lt => NodeSelectorOperator::Lt,
            };
            if matches!(operator, NodeSelectorOperator::Gt | NodeSelectorOperator::Lt) {
                if !node {
                    let message = format!("Invalid value: \"{operator:?}\": not a valid selector operator");
                    let help =
                        "a label selector's operators are In, NotIn, Exists and DoesNotExist".to_string();
                    self.report("invalid-value", &format!("{at}.operator"), message, Some(help));
                } else if values.len() != 1 {
                    let message =
                        "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'";
                    self.report("invalid-value", &format!("{at}.values"), message, None);
                }
                out.push(NodeSelectorRequirement { key: requirement.key.clone(), operator, values });
                continue;
            }
            let needs_values = matches!(operator, NodeSelectorOperator::In | NodeSelectorOperator::NotIn);
            if needs_values && values.is_empty() {
                let message = "Required value: must be specified when `operator` is 'In' or 'NotIn'";
                self.report("invalid-value", &format!("{at}.values"), message, None);
            }
            if !needs_values && !values.is_empty() {
                let message = "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'";
                self.report("invalid-value", &format!("{at}.values"), message, None);
            }
            out.push(NodeSelectorRequirement { key: requirement.key.clone(), operator, values });
        }
        out
    }

    pub(super) fn pod_affinity_term(&mut self, path: &str, term: &raw::PodAffinityTerm) -> PodAffinityTerm {
        if term.topology_key.is_empty() {
            let help =
                "the domain of the rule, like \"kubernetes.io/hostname\" or \"topology.kubernetes.io/zone\"";
            self.report(
                "invalid-value",
                &format!("{path}.topologyKey"),
                "Required value: can not be empty",
                Some(help.to_string()),
            );
        } else {
            // `validatePodAffinityTerm`: a label name (`ValidateLabelName`).
            self.label_key(&format!("{path}.topologyKey"), &term.topology_key);
        }
        let match_expressions = self.requirements(
            &format!("{path}.labelSelector.matchExpressions"),
            term.label_selector.match_expressions.as_deref().unwrap_or_default(),
        );
        PodAffinityTerm {
            label_selector: LabelSelector {
                match_labels: self
                    .label_map(
                        &format!("{path}.labelSelector.matchLabels"),
                        term.label_selector.match_labels.as_ref(),
                    )
                    .unwrap_or_default(),
                match_expressions,
            },
            topology_key: term.topology_key.clone(),
        }
    }

    pub(super) fn affinity(&mut self, base: &str, affinity: &raw::Affinity) -> Affinity {
        let mut out = Affinity::default();
        if let Some(node) = &affinity.node_affinity {
            let node_base = format!("{base}.nodeAffinity");
            if let Some(required) = &node.required {
                let path =
                    format!("{node_base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
                if required.node_selector_terms.is_empty() {
                    self.report(
                        "invalid-value",
                        &path,
                        "Required value: must have at least one node selector term",
                        None,
                    );
                }
                for (i, term) in required.node_selector_terms.iter().enumerate() {
                    let term = self.node_selector_term(&format!("{path}[{i}]"), term);
                    out.node_required.push(term);
                }
            }
            for (i, preferred) in node.preferred.iter().flatten().enumerate() {
                let path = format!("{node_base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                let weight = self.weight(&format!("{path}.weight"), preferred.weight);
                let preference =
                    self.node_selector_term(&format!("{path}.preference"), &preferred.preference);
                out.node_preferred.push(PreferredSchedulingTerm { weight, preference });
            }
        }
        if let Some(anti) = &affinity.pod_anti_affinity {
            let anti_base = format!("{base}.podAntiAffinity");
            for (i, term) in anti.required.iter().flatten().enumerate() {
                let path = format!("{anti_base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]");
                let term = self.pod_affinity_term(&path, term);
                out.anti_required.push(term);
            }
            for (i, weighted) in anti.preferred.iter().flatten().enumerate() {
                let path = format!("{anti_base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                let weight = self.weight(&format!("{path}.weight"), weighted.weight);
                let term =
                    self.pod_affinity_term(&format!("{path}.podAffinityTerm"), &weighted.pod_affinity_term);
                out.anti_preferred.push(WeightedPodAffinityTerm { weight, term });
            }
        }
        if let Some(attract) = &affinity.pod_affinity {
            let base = format!("{base}.podAffinity");
            for (i, term) in attract.required.iter().flatten().enumerate() {
                let path = format!("{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]");
                let term = self.pod_affinity_term(&path, term);
                out.affinity_required.push(term);
            }
            for (i, weighted) in attract.preferred.iter().flatten().enumerate() {
                let path = format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                let weight = self.weight(&format!("{path}.weight"), weighted.weight);
                let term =
                    self.pod_affinity_term(&format!("{path}.podAffinityTerm"), &weighted.pod_affinity_term);
                out.affinity_preferred.push(WeightedPodAffinityTerm { weight, term });
            }
        }
        out
    }

    /// Tolerations, with the API server's validation rules.
    pub(super) fn tolerations(&mut self, base: &str, tolerations: &[raw::Toleration]) -> Vec<Toleration> {
        let mut out = Vec::new();
        for (i, toleration) in tolerations.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let key = toleration.key.clone().unwrap_or_default();
            let value = toleration.value.clone().unwrap_or_default();
            let operator = match toleration.operator.unwrap_or(raw::TolerationOperator::Equal) {
                raw::TolerationOperator::Equal => TolerationOperator::Equal,
                raw::TolerationOperator::Exists => TolerationOperator::Exists,
            };
            // `validateTolerations`: a key is a label name; an `Equal`
            // toleration's value is a label value.
            if !key.is_empty() {
                self.label_key(&format!("{path}.key"), &key);
            }
            if operator == TolerationOperator::Equal
                && let Some(problem) = super::label_value_problem(&value)
            {
                let message = format!("Invalid value: {value:?}: {problem}");
                self.report("invalid-value", &format!("{path}.value"), message, None);
            }
            if key.is_empty() && operator != TolerationOperator::Exists {
                let message = "Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"";
                self.report("invalid-value", &format!("{path}.operator"), message, None);
            }
            if operator == TolerationOperator::Exists && !value.is_empty() {
                let message =
                    format!("Invalid value: {value:?}: value must be empty when `operator` is 'Exists'");
                self.report("invalid-value", &format!("{path}.value"), message, None);
            }
            let effect = toleration.effect.map(Self::taint_effect);
            let toleration_seconds = toleration.toleration_seconds.map(|seconds| {
                if effect != Some(TaintEffect::NoExecute) {
                    let message = "Invalid value: effect must be 'NoExecute' when `tolerationSeconds` is set";
                    self.report("invalid-value", &format!("{path}.effect"), message, None);
                }
                // A negative value means zero (evict at once), as in Kubernetes.
                seconds.max(0) as u64
            });
            out.push(Toleration { key, operator, value, effect, toleration_seconds });
        }
        out
    }

    /// `topologySpreadConstraints`, with the API server's rules
    /// (`validateTopologySpreadConstraints` in pkg/apis/core/validation) and
    /// the scheduler's defaults for the node inclusion policies (`Honor` for
    /// node affinity, `Ignore` for taints: a nil policy reads so). As the API
    /// server, any non-empty `topologyKey` is accepted (a key no node carries
    /// is the scheduler's to judge) and `matchLabelKeys` may repeat a key.
    pub(super) fn topology_spread(
        &mut self,
        base: &str,
        constraints: &[raw::TopologySpreadConstraint],
    ) -> Vec<TopologySpreadConstraint> {
        let most = self.limits.spread_constraints;
        if constraints.len() > most {
            let message =
                format!("{} constraints, more than the {most} a pod template may have", constraints.len());
            self.over(base, message);
            return Vec::new();
        }
        let mut out = Vec::new();
        // {topologyKey, whenUnsatisfiable} names one kind of constraint: the first index of each.
        let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (i, constraint) in constraints.iter().enumerate() {
            let at = format!("{base}[{i}]");
            let max_skew = self.greater_than_zero(&format!("{at}.maxSkew"), constraint.max_skew);
            if constraint.topology_key.is_empty() {
                let help = "the node label whose values are the domains, like \"topology.kubernetes.io/zone\" or \"kubernetes.io/hostname\"";
                self.report(
                    "invalid-value",
                    &format!("{at}.topologyKey"),
                    "Required value: can not be empty",
                    Some(help.to_string()),
                );
            }
            let (when, when_name) = match constraint.when_unsatisfiable {
                raw::WhenUnsatisfiable::DoNotSchedule => (WhenUnsatisfiable::DoNotSchedule, "DoNotSchedule"),
                raw::WhenUnsatisfiable::ScheduleAnyway => {
                    (WhenUnsatisfiable::ScheduleAnyway, "ScheduleAnyway")
                }
            };
            match pairs.get(&(constraint.topology_key.as_str(), when_name)) {
                Some(first) => {
                    let line = self.locator.find(&format!("{base}[{first}]")).line;
                    let help = format!(
                        "the constraint at line {line} has the same topologyKey and whenUnsatisfiable; \
                         give each pair once"
                    );
                    let pair = format!("{{{}, {when_name}}}", constraint.topology_key);
                    let message = format!("Duplicate value: {pair:?}");
                    let path = format!("{at}.{{topologyKey, whenUnsatisfiable}}");
                    self.report("duplicate-name", &path, message, Some(help));
                }
                None => {
                    pairs.insert((constraint.topology_key.as_str(), when_name), i);
                }
            }
            let min_domains = constraint.min_domains.map(|value| {
                let path = format!("{at}.minDomains");
                let min_domains = self.greater_than_zero(&path, value);
                if when != WhenUnsatisfiable::DoNotSchedule {
                    let message = format!(
                        "Invalid value: {value}: can only use minDomains if whenUnsatisfiable=DoNotSchedule, \
                         not {when_name}"
                    );
                    self.report("invalid-value", &path, message, None);
                }
                min_domains
            });
            let policy = |given: Option<raw::NodeInclusionPolicy>, default| match given {
                None => default,
                Some(raw::NodeInclusionPolicy::Honor) => NodeInclusionPolicy::Honor,
                Some(raw::NodeInclusionPolicy::Ignore) => NodeInclusionPolicy::Ignore,
            };
            let label_selector = constraint.label_selector.as_ref().map(|selector| LabelSelector {
                match_labels: self
                    .label_map(&format!("{at}.labelSelector.matchLabels"), selector.match_labels.as_ref())
                    .unwrap_or_default(),
                match_expressions: self.requirements(
                    &format!("{at}.labelSelector.matchExpressions"),
                    selector.match_expressions.as_deref().unwrap_or_default(),
                ),
            });
            let match_label_keys = constraint.match_label_keys.clone().unwrap_or_default();
            self.match_label_keys(
                &format!("{at}.matchLabelKeys"),
                &match_label_keys,
                label_selector.as_ref(),
            );
            out.push(TopologySpreadConstraint {
                max_skew,
                topology_key: constraint.topology_key.clone(),
                when_unsatisfiable: when,
                label_selector,
                min_domains,
                node_affinity_policy: policy(constraint.node_affinity_policy, NodeInclusionPolicy::Honor),
                node_taints_policy: policy(constraint.node_taints_policy, NodeInclusionPolicy::Ignore),
                match_label_keys,
            });
        }
        out
    }

    /// A spread constraint's `matchLabelKeys` (`validateMatchLabelKeysInTopologySpread`):
    /// only beside a `labelSelector`, each a label key the selector does not use.
    fn match_label_keys(&mut self, path: &str, keys: &[String], selector: Option<&LabelSelector>) {
        if keys.is_empty() {
            return;
        }
        if selector.is_none() {
            let help =
                "the keys narrow the pods a labelSelector counts; give the labelSelector too".to_string();
            let message = "Forbidden: must not be specified when labelSelector is not set";
            self.report("invalid-value", path, message, Some(help));
        }
        for (j, key) in keys.iter().enumerate() {
            let at = format!("{path}[{j}]");
            self.label_key(&at, key);
            let in_selector = selector.is_some_and(|s| {
                s.match_labels.contains_key(key) || s.match_expressions.iter().any(|e| &e.key == key)
            });
            if in_selector {
                let message =
                    format!("Invalid value: {key:?}: exists in both matchLabelKeys and labelSelector");
                let help = "a key of matchLabelKeys takes its value from the incoming pod; leave it out of \
                            the labelSelector, or drop it from matchLabelKeys"
                    .to_string();
                self.report("invalid-value", &at, message, Some(help));
            }
        }
    }

    /// An int32 field that must be greater than zero (`isNotPositiveErrorMsg`); 1 if it is not.
    fn greater_than_zero(&mut self, path: &str, value: i64) -> u32 {
        if value <= 0 {
            let message = format!("Invalid value: {value}: must be greater than zero");
            self.report("invalid-value", path, message, None);
            return 1;
        }
        if value > INT32_MAX {
            let message = format!("Invalid value: {value}: must be less than or equal to {INT32_MAX}");
            self.report("invalid-value", path, message, None);
            return 1;
        }
        u32::try_from(value).unwrap_or(1)
    }
}

fn pull_policy(policy: raw::ImagePullPolicy) -> ImagePullPolicy {
    match policy {
        raw::ImagePullPolicy::Always => ImagePullPolicy::Always,
        raw::ImagePullPolicy::IfNotPresent => ImagePullPolicy::IfNotPresent,
        raw::ImagePullPolicy::Never => ImagePullPolicy::Never,
    }
}

/// The template's `ports` as it holds them (`PodTemplate::ports`): those
/// of the regular containers (each port says which), or of init container
/// `init`; the protocol defaulted to TCP, a `hostPort` of 0 none. A port
/// out of range is left out: the checks above refuse it.
fn container_ports(
    ports: &[raw::ContainerPort],
    init: Option<usize>,
) -> Vec<stsim_core::config::ContainerPort> {
    let number = |n: i64| u16::try_from(n).ok().filter(|n| *n != 0);
    (ports.iter())
        .filter_map(|p| {
            let host_port = match p.host_port.filter(|h| *h != 0) {
                Some(host) => Some(number(host)?),
                None => None,
            };
            Some(stsim_core::config::ContainerPort {
                container: init.unwrap_or(p.container),
                init: init.is_some(),
                port: number(p.container_port)?,
                name: p.name.clone().filter(|n| !n.is_empty()),
                host_port,
                protocol: protocol(p.protocol),
            })
        })
        .collect()
}

/// A port's protocol, TCP when not given (the API server's default).
fn protocol(written: Option<raw::Protocol>) -> Protocol {
    match written.unwrap_or(raw::Protocol::TCP) {
        raw::Protocol::TCP => Protocol::TCP,
        raw::Protocol::UDP => Protocol::UDP,
        raw::Protocol::SCTP => Protocol::SCTP,
    }
}
