//! The `timeline` section: actions at times or on triggers, their references to
//! nodes, StatefulSets, pods and applications, and the node names a run can have.

use super::*;

impl Checker<'_, '_> {
    /// Resolves the `node` field of an action to the node's id.
    pub(super) fn node(&mut self, do_path: &str, name: &str, names: &NodeNames) -> Option<usize> {
        self.node_at(&format!("{do_path}.node"), name, names)
    }

    /// Resolves a node name at `path` to the node's id.
    pub(super) fn node_at(&mut self, path: &str, name: &str, names: &NodeNames) -> Option<usize> {
        if let Some(index) = names.resolve(name) {
            return Some(index);
        }
        let sample = names.sample(64);
        let known: Vec<&str> = sample.iter().map(String::as_str).collect();
        let help = match suggest(name, &known) {
            _ if known.is_empty() => "the cluster has no nodes; declare `cluster.nodePools`".to_string(),
            Some(close) => format!("did you mean `{close}`? nodes: {}", list_names(&known)),
            None => format!(
                "nodes are named `<pool>-<n>` from 1, and `AddNode` adds the next of its pool; nodes: {}",
                list_names(&known)
            ),
        };
        let message = format!("Not found: {name:?}: no node has this name");
        self.report("unknown-reference", path, message, Some(help));
        None
    }

    /// A node action's target: a node by name (`node`), or the node that
    /// runs a pod when the action runs (`nodeOf`); exactly one of them.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn node_target(
        &mut self,
        do_path: &str,
        node: &Option<String>,
        node_of: &Option<String>,
        names: &NodeNames,
        sets: &[raw::StatefulSet],
        action: NodeAction,
    ) -> Option<Action> {
        match (node, node_of) {
            (Some(node), None) => self.node(do_path, node, names).map(|node| action.on(node)),
            (None, Some(pod)) => {
                self.pod(&format!("{do_path}.nodeOf"), pod, sets).map(|pod| Action::OnNodeOf { pod, action })
            }
            _ => {
                let message = "Required value: name the node with `node`, or the pod whose node it is with `nodeOf`, not both";
                let help =
                    "like `CrashNode(node: \"worker-2\")` or `CrashNode(nodeOf: \"redis-1\")`".to_string();
                self.report("invalid-value", do_path, message, Some(help));
                None
            }
        }
    }

    /// Finalizers are qualified names like `example.com/hold`; the system's
    /// own are the controllers' to manage, but for `system` (a claim's
    /// `kubernetes.io/pvc-protection`, which a list may keep or leave out).
    fn finalizer_names(&mut self, do_path: &str, finalizers: &Option<Vec<String>>, system: Option<&str>) {
        for (j, name) in finalizers.iter().flatten().enumerate() {
            let qualified = name.split_once('/').is_some_and(|(prefix, rest)| {
                prefix.contains('.') && !rest.is_empty() && !prefix.ends_with("kubernetes.io")
            });
            if !qualified && system != Some(name.as_str()) {
                let but = system.map_or(String::new(), |s| format!(" (but {s:?})"));
                let message = format!(
                    "Invalid value: {name:?}: a finalizer here is a domain-qualified name like \"example.com/hold\", not a kubernetes.io one{but}"
                );
                self.report("invalid-value", &format!("{do_path}.finalizers[{j}]"), message, None);
            }
        }
    }

    /// A Service's ports, each numbered 1 to 65535, under `base`.
    pub(super) fn service_ports(&mut self, base: &str, ports: &[raw::ServicePort]) -> Vec<ServicePort> {
        let mut out = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (j, port) in ports.iter().enumerate() {
            // `ValidateServicePort`: a name is required once there are two
            // ports; one given is a DNS label, unique in the Service.
            let at = format!("{base}.ports[{j}].name");
            match port.name.as_deref().filter(|n| !n.is_empty()) {
                None if ports.len() > 1 => self.report("invalid-value", &at, "Required value", None),
                None => {}
                Some(name) => {
                    self.dns_label(&at, name);
                    if is_dns_label(name) && names.contains(&name) {
                        self.report("duplicate-name", &at, format!("Duplicate value: {name:?}"), None);
                    }
                    names.push(name);
                }
            }
            let number = match u16::try_from(port.port) {
                Ok(number) if number >= 1 => number,
                _ => {
                    let message =
                        format!("Invalid value: {}: must be between 1 and 65535, inclusive", port.port);
                    self.report("invalid-value", &format!("{base}.ports[{j}].port"), message, None);
                    1
                }
            };
            // `targetPort` defaults to the port when missing, 0 or empty.
            let target_at = format!("{base}.ports[{j}].targetPort");
            let target_port = match &port.target_port {
                None => TargetPort::Number(number),
                Some(raw::IntOrString::Int(0)) => TargetPort::Number(number),
                Some(raw::IntOrString::String(name)) if name.is_empty() => TargetPort::Number(number),
                Some(raw::IntOrString::Int(n)) => match u16::try_from(*n) {
                    Ok(n) => TargetPort::Number(n),
                    Err(_) => {
                        let message = format!("Invalid value: {n}: must be between 1 and 65535, inclusive");
                        self.report("invalid-value", &target_at, message, None);
                        TargetPort::Number(number)
                    }
                },
                Some(raw::IntOrString::String(name)) => {
                    let problems = stsim_core::api::validation::port_name_errors(name);
                    for problem in &problems {
                        let message = format!("Invalid value: {name:?}: {problem}");
                        self.report("invalid-value", &target_at, message, None);
                    }
                    TargetPort::Name(name.clone())
                }
            };
            out.push(ServicePort { name: port.name.clone().unwrap_or_default(), port: number, target_port });
        }
        out
    }

    /// Label keys set or removed by hand must be label keys, and not both.
    fn label_edits(&mut self, do_path: &str, labels: &Option<raw::RawLabels>, remove: &Option<Vec<String>>) {
        self.label_map(&format!("{do_path}.labels"), labels.as_ref());
        for (j, key) in remove.iter().flatten().enumerate() {
            self.label_key(&format!("{do_path}.removeLabels[{j}]"), key);
            if labels.as_ref().is_some_and(|l| l.contains_key(key)) {
                let message = format!("Invalid value: {key:?}: the label is both set and removed");
                self.report("invalid-value", &format!("{do_path}.removeLabels[{j}]"), message, None);
            }
        }
    }

    /// A zone of `cluster.zones`, by name.
    pub(super) fn zone(&mut self, do_path: &str, name: &str, zones: &[String]) -> Option<usize> {
        if let Some(index) = zones.iter().position(|z| z == name) {
            return Some(index);
        }
        let known: Vec<&str> = zones.iter().map(String::as_str).collect();
        let help = match suggest(name, &known) {
            Some(close) => format!("did you mean `{close}`? cluster zones: {}", list_names(&known)),
            None => format!("cluster zones: {}", list_names(&known)),
        };
        let message = format!("Not found: {name:?}: not one of `cluster.zones`");
        self.report("unknown-reference", &format!("{do_path}.zone"), message, Some(help));
        None
    }

    /// The pod of a probe override (`SetReady`, `SetLive`): its set's
    /// template must have that `probe`, which the action makes pass or fail.
    fn probed_pod(
        &mut self,
        do_path: &str,
        name: &str,
        sets: &[raw::StatefulSet],
        action: &str,
        probe: &str,
        has_probe: fn(&raw::PodTemplate) -> bool,
    ) -> Option<PodRef> {
        let pod = self.pod(&format!("{do_path}.pod"), name, sets)?;
        let set = &sets[pod.statefulset];
        if !has_probe(&set.template) {
            let message = format!(
                "Invalid value: {name:?}: {action} needs a {probe}, and StatefulSet `{}` has none",
                set.name
            );
            let help = format!(
                "add a {probe} to the template of `{}`; {action} makes the probe pass or fail",
                set.name
            );
            self.report("invalid-value", do_path, message, Some(help));
        }
        Some(pod)
    }

    /// The sidecar `name` of `set`'s template whose `probe` (which `has`
    /// tells) `SetReady` or `SetLive` turns: its index among the init
    /// containers.
    fn probed_sidecar(
        &mut self,
        do_path: &str,
        name: &str,
        set: &raw::StatefulSet,
        probe: &str,
        has: fn(&raw::InitContainer) -> bool,
    ) -> Option<usize> {
        let inits = set.template.init_containers.as_deref().unwrap_or_default();
        let found = inits.iter().position(|c| c.name == name);
        let probed =
            found.filter(|i| inits[*i].restart_policy.as_deref() == Some("Always") && has(&inits[*i]));
        if probed.is_none() {
            let what = match found {
                Some(_) => format!("not a sidecar with a {probe}"),
                None => "no such init container".to_string(),
            };
            let message =
                format!("Invalid value: {name:?}: {what} in the template of StatefulSet `{}`", set.name);
            let help = format!(
                "name a sidecar (`restartPolicy: \"Always\"`) with a `{probe}`, or leave `container` out to turn the first container's probe"
            );
            self.report("invalid-value", &format!("{do_path}.container"), message, Some(help));
        }
        probed
    }

    /// An application, named by its StatefulSet, which must declare an `app`.
    pub(super) fn app_reference(
        &mut self,
        path: &str,
        name: &str,
        sets: &[raw::StatefulSet],
    ) -> Option<usize> {
        let index = self.statefulset_reference(path, name, sets, name)?;
        if sets[index].app.is_none() {
            let message = format!("Invalid value: {name:?}: StatefulSet `{name}` runs no application model");
            let help = "give the StatefulSet an `app: ...`; only applications have verdicts".to_string();
            self.report("invalid-value", path, message, Some(help));
            return None;
        }
        Some(index)
    }

    /// Resolves the `statefulset` field of an action.
    pub(super) fn set_index(
        &mut self,
        do_path: &str,
        name: &str,
        sets: &[raw::StatefulSet],
    ) -> Option<usize> {
        self.statefulset_reference(&format!("{do_path}.statefulset"), name, sets, name)
    }

    pub(super) fn timeline(
        &mut self,
        entries: &[raw::TimelineEntry],
        sets: &[raw::StatefulSet],
        horizon: Option<SimDuration>,
        cluster: &ClusterConfig,
    ) -> Vec<TimelineEntry> {
        let node_names = node_names(entries, cluster);
        let bare_pods = bare_pods(entries);
        let mut out = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let base = format!("timeline[{i}]");
            let at_path = format!("{base}.at");
            let when = match (&entry.at, &entry.when) {
                (Some(text), None) => {
                    if entry.after.is_some() {
                        let message = "Invalid value: `after` goes with `when`, not with `at`";
                        let help = "add the delay to `at`, or wait for an event with `when`".to_string();
                        self.report("invalid-value", &format!("{base}.after"), message, Some(help));
                    }
                    self.duration(&at_path, text).map(When::At)
                }
                (None, Some(trigger)) => {
                    let pod =
                        |checker: &mut Self, pod: &str| checker.pod(&format!("{base}.when.pod"), pod, sets);
                    let trigger = match trigger {
                        raw::Trigger::PodCreated { pod: p } => {
                            pod(self, p).map(|pod| Trigger::PodCreated { pod })
                        }
                        raw::Trigger::PodReady { pod: p } => {
                            pod(self, p).map(|pod| Trigger::PodReady { pod })
                        }
                        raw::Trigger::PodNotReady { pod: p } => {
                            pod(self, p).map(|pod| Trigger::PodNotReady { pod })
                        }
                        raw::Trigger::PodDeleted { pod: p } => {
                            pod(self, p).map(|pod| Trigger::PodDeleted { pod })
                        }
                        raw::Trigger::NodeNotReady { node } => self
                            .node(&format!("{base}.when"), node, &node_names)
                            .map(|node| Trigger::NodeNotReady { node }),
                        raw::Trigger::AppBroken { app } => self
                            .app_reference(&format!("{base}.when.app"), app, sets)
                            .map(|app| Trigger::AppBroken { app }),
                    };
                    let after =
                        self.duration_or(&format!("{base}.after"), entry.after.as_deref(), SimDuration::ZERO);
                    trigger.map(|trigger| When::On(trigger, after))
                }
                (Some(_), Some(_)) | (None, None) => {
                    let message =
                        "Required value: an entry runs either `at` a time or `when` something happens";
                    let help =
                        "write `at: \"30s\"`, or `when: PodReady(pod: \"redis-2\")` with an optional `after`";
                    self.report("invalid-value", &base, message, Some(help.to_string()));
                    None
                }
            };
            let at = match when {
                Some(When::At(at)) => Some(at),
                _ => None,
            };
            if let (Some(at), Some(horizon)) = (at, horizon.filter(|h| at.is_some_and(|at| at > *h))) {
                let message = format!(
                    "Invalid value: {:?}: this action would never run: the run ends at {horizon} (`duration`)",
                    entry.at.as_deref().unwrap_or_default()
                );
                let help = format!("raise `duration` to at least {at}, or move this action earlier");
                self.report("invalid-value", &at_path, message, Some(help));
            }
            let do_path = format!("{base}.do");
            let action = match &entry.action {
                raw::Action::Scale { statefulset, replicas } => {
                    let index = self.statefulset_reference(
                        &format!("{do_path}.statefulset"),
                        statefulset,
                        sets,
                        statefulset,
                    );
                    let help = Some("replicas is the desired number of pods; use 0 to stop them all");
                    let replicas = self.int(&format!("{do_path}.replicas"), Some(*replicas), 0, 0, help);
                    index.map(|statefulset| Action::Scale { statefulset, replicas })
                }
                // A pod made by `CreatePod` is deleted by its name.
                raw::Action::DeletePod { pod } | raw::Action::ForceDeletePod { pod }
                    if bare_pods.contains(pod.as_str()) =>
                {
                    let force = matches!(entry.action, raw::Action::ForceDeletePod { .. });
                    Some(Action::DeleteBarePod { name: pod.clone(), force })
                }
                raw::Action::DeletePod { pod } => {
                    self.pod(&format!("{do_path}.pod"), pod, sets).map(|pod| Action::DeletePod { pod })
                }
                raw::Action::ForceDeletePod { pod } => {
                    self.pod(&format!("{do_path}.pod"), pod, sets).map(|pod| Action::ForceDeletePod { pod })
                }
                raw::Action::CrashNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Crash)
                }
                raw::Action::PartitionNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Partition)
                }
                raw::Action::RecoverNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Recover)
                }
                raw::Action::ShutdownNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Shutdown)
                }
                raw::Action::RemoveMember { pod } | raw::Action::AddMember { pod } => {
                    let path = format!("{do_path}.pod");
                    let pod_ref = self.pod(&path, pod, sets);
                    let pod_ref = pod_ref.filter(|p| {
                        let runs_app = sets[p.statefulset].app.is_some();
                        if !runs_app {
                            let message = format!("Invalid value: {pod:?}: its StatefulSet runs no application model");
                            let help = "membership changes go through an application: give the StatefulSet an `app: ...`";
                            self.report("invalid-value", &path, message, Some(help.to_string()));
                        }
                        runs_app
                    });
                    pod_ref.map(|pod| match &entry.action {
                        raw::Action::RemoveMember { .. } => Action::RemoveMember { pod },
                        _ => Action::AddMember { pod },
                    })
                }
                raw::Action::PartitionZone { zone } => {
                    self.zone(&do_path, zone, &cluster.zones).map(|zone| Action::PartitionZone { zone })
                }
                raw::Action::RecoverZone { zone } => {
                    self.zone(&do_path, zone, &cluster.zones).map(|zone| Action::RecoverZone { zone })
                }
                raw::Action::DrainNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Drain)
                }
                raw::Action::Cordon { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Cordon)
                }
                raw::Action::Uncordon { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Uncordon)
                }
                raw::Action::DeleteNode { node, node_of } => {
                    self.node_target(&do_path, node, node_of, &node_names, sets, NodeAction::Delete)
                }
                raw::Action::TaintOutOfService { node, node_of } => self.node_target(
                    &do_path,
                    node,
                    node_of,
                    &node_names,
                    sets,
                    NodeAction::TaintOutOfService,
                ),
                raw::Action::UntaintOutOfService { node, node_of } => self.node_target(
                    &do_path,
                    node,
                    node_of,
                    &node_names,
                    sets,
                    NodeAction::UntaintOutOfService,
                ),
                raw::Action::AddNode { pool, zone } => {
                    let pools: Vec<&str> = cluster.node_pools.iter().map(|p| p.name.as_str()).collect();
                    let pool_index = pools.iter().position(|p| p == pool);
                    if pool_index.is_none() {
                        let help = match suggest(pool, &pools) {
                            Some(close) => {
                                format!("did you mean `{close}`? node pools: {}", list_names(&pools))
                            }
                            None => format!("node pools: {}", list_names(&pools)),
                        };
                        let message = format!("Not found: {pool:?}: no node pool has this name");
                        self.report("unknown-reference", &format!("{do_path}.pool"), message, Some(help));
                    }
                    let zone_index = match zone {
                        None => Some(None),
                        Some(zone) => match cluster.zones.iter().position(|z| z == zone) {
                            Some(index) => Some(Some(index)),
                            None => {
                                let zones: Vec<&str> = cluster.zones.iter().map(String::as_str).collect();
                                let help = format!("cluster zones: {}", list_names(&zones));
                                let message = format!("Not found: {zone:?}: not one of `cluster.zones`");
                                self.report(
                                    "unknown-reference",
                                    &format!("{do_path}.zone"),
                                    message,
                                    Some(help),
                                );
                                None
                            }
                        },
                    };
                    pool_index.zip(zone_index).map(|(pool, zone)| Action::AddNode { pool, zone })
                }
                raw::Action::SetReady { pod: name, ready, container: None } => self
                    .probed_pod(&do_path, name, sets, "SetReady", "readinessProbe", |t| {
                        t.readiness_probe.is_some()
                    })
                    .map(|pod| Action::SetReady { pod, ready: *ready, container: None }),
                raw::Action::SetReady { pod: name, ready, container: Some(container) } => {
                    let pod = self.pod(&format!("{do_path}.pod"), name, sets);
                    let has = |c: &raw::InitContainer| c.readiness_probe.is_some();
                    let index = pod.and_then(|pod| {
                        self.probed_sidecar(
                            &do_path,
                            container,
                            &sets[pod.statefulset],
                            "readinessProbe",
                            has,
                        )
                    });
                    pod.zip(index).map(|(pod, index)| Action::SetReady {
                        pod,
                        ready: *ready,
                        container: Some(index),
                    })
                }
                raw::Action::SetLive { pod: name, live, container: Some(container) } => {
                    let pod = self.pod(&format!("{do_path}.pod"), name, sets);
                    let has = |c: &raw::InitContainer| c.liveness_probe.is_some();
                    let index = pod.and_then(|pod| {
                        self.probed_sidecar(&do_path, container, &sets[pod.statefulset], "livenessProbe", has)
                    });
                    pod.zip(index).map(|(pod, index)| Action::SetLive {
                        pod,
                        live: *live,
                        container: Some(index),
                    })
                }
                raw::Action::SetLive { pod: name, live, container: None } => self
                    .probed_pod(&do_path, name, sets, "SetLive", "livenessProbe", |t| {
                        t.liveness_probe.is_some()
                    })
                    .map(|pod| Action::SetLive { pod, live: *live, container: None }),
                raw::Action::Stop => Some(Action::Stop),
                raw::Action::SetImage { statefulset, image } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    if image.is_empty() {
                        let help = "name the container image, like \"redis:7.2\"".to_string();
                        let message = "Required value: an image is required";
                        self.report("invalid-value", &format!("{do_path}.image"), message, Some(help));
                    }
                    index.map(|statefulset| Action::SetImage { statefulset, image: image.clone() })
                }
                raw::Action::RolloutRestart { statefulset } => self
                    .set_index(&do_path, statefulset, sets)
                    .map(|statefulset| Action::RolloutRestart { statefulset }),
                raw::Action::PatchTemplate { statefulset, template } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let path = format!("{do_path}.template");
                    let patch = TemplatePatch {
                        image: template.image.clone(),
                        labels: self.label_map(&format!("{path}.labels"), template.labels.as_ref()),
                        requests: template
                            .resources
                            .as_ref()
                            .map(|r| self.requests(&format!("{path}.resources.requests"), Some(r))),
                        scoring_requests: (template.resources.as_ref())
                            .map(|r| Self::scoring_requests(r.requests.as_ref())),
                        readiness_probe: template
                            .readiness_probe
                            .as_ref()
                            .map(|p| Some(self.probe(&format!("{path}.readinessProbe"), p))),
                        extra_containers: template.extra_containers.as_ref().map(|list| {
                            let path = format!("{path}.extraContainers");
                            let names: Vec<(String, &str)> = (list.iter().enumerate())
                                .map(|(i, c)| (format!("{path}[{i}].name"), c.name.as_str()))
                                .collect();
                            self.unique("container", &names);
                            self.extra_containers(&path, list)
                        }),
                        termination_grace_period: template.termination_grace_period_seconds.map(|g| {
                            seconds(self.int(
                                &format!("{path}.terminationGracePeriodSeconds"),
                                Some(g),
                                30,
                                0,
                                None,
                            ))
                        }),
                        set_hostname_as_fqdn: template.set_hostname_as_fqdn,
                    };
                    index.map(|statefulset| Action::PatchTemplate { statefulset, patch })
                }
                raw::Action::SetPartition { statefulset, partition } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let partition = self.int(&format!("{do_path}.partition"), Some(*partition), 0, 0, None);
                    index.map(|statefulset| Action::SetPartition { statefulset, partition })
                }
                raw::Action::SetMaxUnavailable { statefulset, max_unavailable } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let value = self.int_or_percent(&format!("{do_path}.maxUnavailable"), max_unavailable);
                    index.zip(value).map(|(statefulset, max_unavailable)| Action::SetMaxUnavailable {
                        statefulset,
                        max_unavailable,
                    })
                }
                raw::Action::SetUpdateStrategy { statefulset, strategy } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let strategy = self.update_strategy(&format!("{do_path}.strategy"), strategy);
                    index.map(|statefulset| Action::SetUpdateStrategy { statefulset, strategy })
                }
                raw::Action::DeleteStatefulSet { statefulset, cascade } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let cascade = match cascade.unwrap_or(raw::Cascade::Background) {
                        raw::Cascade::Background => stsim_core::objects::Cascade::Background,
                        raw::Cascade::Orphan => stsim_core::objects::Cascade::Orphan,
                        raw::Cascade::Foreground => stsim_core::objects::Cascade::Foreground,
                    };
                    index.map(|statefulset| Action::DeleteStatefulSet { statefulset, cascade })
                }
                raw::Action::ApplyCustomResource { kind, name, spec } => {
                    let index = self.custom_kind(&format!("{do_path}.kind"), kind);
                    self.dns_subdomain(&format!("{do_path}.name"), name);
                    let spec = self.json(&format!("{do_path}.spec"), spec);
                    if let Some(k) = index {
                        self.custom_schema(&do_path, k, &serde_json::json!({"spec": spec}));
                    }
                    index.map(|kind| Action::ApplyCustomResource { kind, name: name.clone(), spec })
                }
                raw::Action::PatchCustomResource { kind, name, patch, subresource } => {
                    let index = self.custom_kind(&format!("{do_path}.kind"), kind);
                    let patch = self.json(&format!("{do_path}.patch"), patch);
                    let status = match subresource.as_deref() {
                        None => false,
                        Some("status") => true,
                        Some(other) => {
                            let message =
                                format!("Unsupported value: {other:?}: supported values: \"status\"");
                            let help = "kubectl patch --subresource=status patches the status; without it the main resource is patched, and its status is ignored";
                            self.report(
                                "invalid-value",
                                &format!("{do_path}.subresource"),
                                message,
                                Some(help.to_string()),
                            );
                            false
                        }
                    };
                    index.map(|kind| Action::PatchCustomResource { kind, name: name.clone(), patch, status })
                }
                raw::Action::DeleteCustomResource { kind, name } => self
                    .custom_kind(&format!("{do_path}.kind"), kind)
                    .map(|kind| Action::DeleteCustomResource { kind, name: name.clone() }),
                raw::Action::DeletePvc { pvc } => {
                    self.dns_subdomain(&format!("{do_path}.pvc"), pvc);
                    Some(Action::DeletePvc { claim: pvc.clone() })
                }
                raw::Action::RenameStatefulSet { statefulset, to } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let to_path = format!("{do_path}.to");
                    self.dns_label(&to_path, to);
                    if sets.iter().any(|s| &s.name == to) {
                        let message =
                            format!("Invalid value: {to:?}: a StatefulSet with this name already exists");
                        self.report("duplicate-name", &to_path, message, None);
                    }
                    index.map(|statefulset| Action::RenameStatefulSet { statefulset, to: to.clone() })
                }
                raw::Action::RenameService { from, to } => {
                    self.dns_label(&format!("{do_path}.from"), from);
                    self.dns_label(&format!("{do_path}.to"), to);
                    Some(Action::RenameService { from: from.clone(), to: to.clone() })
                }
                raw::Action::PatchPod { pod, labels, remove_labels, owner_references, finalizers, image } => {
                    self.finalizer_names(&do_path, finalizers, None);
                    // An image with white space around it (`"  "` among
                    // them) is the API server's to refuse, in its words.
                    if image.as_deref().is_some_and(str::is_empty) {
                        self.report(
                            "invalid-value",
                            &format!("{do_path}.image"),
                            "Required value: an image name, like \"nginx:1.27\"",
                            None,
                        );
                    }
                    let orphan = match owner_references.as_deref() {
                        None => false,
                        Some([]) => true,
                        Some(_) => {
                            let message = "Invalid value: a pod's owner references can only be removed (`ownerReferences: []`)";
                            let help = "a StatefulSet adopts a matching orphan by itself; remove the references and let it";
                            self.report(
                                "invalid-value",
                                &format!("{do_path}.ownerReferences"),
                                message,
                                Some(help.to_string()),
                            );
                            false
                        }
                    };
                    self.label_edits(&do_path, labels, remove_labels);
                    Some(Action::PatchPod {
                        pod: pod.clone(),
                        labels: labels.clone().map(Labels::from).unwrap_or_default(),
                        remove_labels: remove_labels.clone().unwrap_or_default(),
                        orphan,
                        finalizers: finalizers.clone(),
                        image: image.clone(),
                    })
                }
                raw::Action::PatchPvc { pvc, labels, remove_labels, owner_references, finalizers } => {
                    // The claim's whole list, as `kubectl patch` writes it.
                    self.finalizer_names(&do_path, finalizers, Some(stsim_core::objects::PVC_PROTECTION));
                    for (j, owner) in owner_references.iter().flatten().enumerate() {
                        let valid = owner.split_once('/').is_some_and(|(kind, name)| {
                            matches!(kind, "StatefulSet" | "Pod") && !name.is_empty()
                        });
                        if !valid {
                            let message = format!(
                                "Invalid value: {owner:?}: an owner is `StatefulSet/<name>` or `Pod/<name>`"
                            );
                            self.report(
                                "invalid-value",
                                &format!("{do_path}.ownerReferences[{j}]"),
                                message,
                                None,
                            );
                        }
                    }
                    self.label_edits(&do_path, labels, remove_labels);
                    Some(Action::PatchPvc {
                        pvc: pvc.clone(),
                        labels: labels.clone().map(Labels::from).unwrap_or_default(),
                        remove_labels: remove_labels.clone().unwrap_or_default(),
                        owners: owner_references.clone(),
                        finalizers: finalizers.clone(),
                    })
                }
                raw::Action::CreatePod { name, template, hostname, subdomain } => {
                    self.dns_label(&format!("{do_path}.name"), name);
                    if let Some(hostname) = hostname {
                        self.dns_label(&format!("{do_path}.hostname"), hostname);
                    }
                    if let Some(subdomain) = subdomain {
                        self.dns_label(&format!("{do_path}.subdomain"), subdomain);
                    }
                    let template = self.template(&format!("{do_path}.template"), name, template);
                    Some(Action::CreatePod {
                        name: name.clone(),
                        template: Box::new(template),
                        hostname: hostname.clone().unwrap_or_else(|| name.clone()),
                        subdomain: subdomain.clone().unwrap_or_default(),
                    })
                }
                raw::Action::CreatePvc { name, storage, storage_class_name, access_modes, labels } => {
                    self.dns_label(&format!("{do_path}.name"), name);
                    let storage_bytes = self.size(&format!("{do_path}.storage"), storage);
                    let access_modes =
                        self.access_modes(&format!("{do_path}.accessModes"), access_modes.as_deref());
                    let labels = self.label_map(&format!("{do_path}.labels"), labels.as_ref());
                    Some(Action::CreatePvc {
                        name: name.clone(),
                        labels: labels.unwrap_or_default(),
                        storage_bytes,
                        storage_class: storage_class_name.clone(),
                        access_modes,
                    })
                }
                raw::Action::ResizePvc { pvc, storage } => {
                    let path = format!("{do_path}.storage");
                    let storage_bytes = self.memory(&path, Some(storage), 1);
                    Some(Action::ResizePvc { claim: pvc.clone(), storage_bytes })
                }
                raw::Action::DeleteService { service } => {
                    self.dns_label(&format!("{do_path}.service"), service);
                    Some(Action::DeleteService { service: service.clone() })
                }
                raw::Action::UpdateService { service, selector, ports, publish_not_ready_addresses } => {
                    self.dns_label(&format!("{do_path}.service"), service);
                    // `selector: {}` removes the selector, as the API server allows.
                    let ports = ports.as_ref().map(|ports| self.service_ports(&do_path, ports));
                    let selector = self.label_map(&format!("{do_path}.selector"), selector.as_ref());
                    Some(Action::UpdateService {
                        service: service.clone(),
                        selector,
                        ports,
                        publish_not_ready_addresses: *publish_not_ready_addresses,
                    })
                }
                raw::Action::UpdateStatefulSet {
                    statefulset,
                    replicas,
                    service_name,
                    selector,
                    pod_management_policy,
                    volume_claim_templates,
                    min_ready_seconds,
                    ordinals,
                    revision_history_limit,
                    persistent_volume_claim_retention_policy,
                }
                | raw::Action::RecreateStatefulSet {
                    statefulset,
                    replicas,
                    service_name,
                    selector,
                    pod_management_policy,
                    volume_claim_templates,
                    min_ready_seconds,
                    ordinals,
                    revision_history_limit,
                    persistent_volume_claim_retention_policy,
                } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let int = |checker: &mut Self, field: &str, value: Option<i64>| {
                        value.map(|v| checker.int(&format!("{do_path}.{field}"), Some(v), 0, 0, None))
                    };
                    let retention = persistent_volume_claim_retention_policy.as_ref().map(|r| {
                        let action = |a: Option<raw::RetentionAction>| match a
                            .unwrap_or(raw::RetentionAction::Retain)
                        {
                            raw::RetentionAction::Retain => RetentionAction::Retain,
                            raw::RetentionAction::Delete => RetentionAction::Delete,
                        };
                        RetentionPolicy {
                            when_deleted: action(r.when_deleted),
                            when_scaled: action(r.when_scaled),
                        }
                    });
                    let patch = SpecPatch {
                        replicas: int(self, "replicas", *replicas),
                        min_ready_seconds: int(self, "minReadySeconds", *min_ready_seconds),
                        ordinals_start: int(self, "ordinals.start", ordinals.as_ref().and_then(|o| o.start)),
                        revision_history_limit: int(self, "revisionHistoryLimit", *revision_history_limit),
                        retention,
                        service_name: service_name.clone(),
                        selector: self
                            .label_map(&format!("{do_path}.selector"), selector.as_ref())
                            .map(LabelSelector::from_labels),
                        pod_management_policy: pod_management_policy.map(|p| match p {
                            raw::PodManagementPolicy::OrderedReady => PodManagementPolicy::OrderedReady,
                            raw::PodManagementPolicy::Parallel => PodManagementPolicy::Parallel,
                        }),
                        volume_claim_templates: volume_claim_templates
                            .as_ref()
                            .map(|claims| self.claims(&format!("{do_path}.volumeClaimTemplates"), claims)),
                    };
                    match entry.action {
                        raw::Action::RecreateStatefulSet { .. } => {
                            index.map(|statefulset| Action::RecreateStatefulSet { statefulset, patch })
                        }
                        _ => index.map(|statefulset| Action::UpdateSpec { statefulset, patch }),
                    }
                }
            };
            let line = u32::try_from(self.locator.find(&base).line).unwrap_or(u32::MAX);
            match (when, action) {
                (Some(When::At(at)), Some(action)) => {
                    out.push(TimelineEntry { at: SimTime::from_millis(at.as_millis()), action, line })
                }
                (Some(When::On(trigger, after)), Some(action)) => {
                    self.triggers.push(TriggerEntry { trigger, after, action, line })
                }
                _ => {}
            }
        }
        out.sort_by_key(|entry| entry.at);
        out
    }
}

/// Every node name a run can have, by id: the pools' nodes, then one per
/// `AddNode` in the order the timeline runs them.
impl Checker<'_, '_> {
    /// `RenameService` and `DeleteService` name a service the scenario
    /// declares or a rename makes.
    pub(super) fn service_references(&mut self, entries: &[raw::TimelineEntry], services: &[ServiceConfig]) {
        let mut known: std::collections::BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
        for entry in entries {
            if let raw::Action::RenameService { to, .. } = &entry.action {
                known.insert(to);
            }
        }
        for (i, entry) in entries.iter().enumerate() {
            let (field, name) = match &entry.action {
                raw::Action::RenameService { from, .. } => ("from", from),
                raw::Action::DeleteService { service } | raw::Action::UpdateService { service, .. } => {
                    ("service", service)
                }
                _ => continue,
            };
            if !known.contains(name.as_str()) && is_dns_label(name) {
                let names: Vec<&str> = known.iter().copied().collect();
                let help = match suggest(name, &names) {
                    Some(close) => format!("did you mean `{close}`? services: {}", list_names(&names)),
                    None if names.is_empty() => "the scenario declares no `services`".to_string(),
                    None => format!("services: {}", list_names(&names)),
                };
                let message = format!("Not found: {name:?}: no service has this name");
                self.report("unknown-reference", &format!("timeline[{i}].do.{field}"), message, Some(help));
            }
        }
    }
}

/// The names of the pods the timeline's `CreatePod`s make.
fn bare_pods(entries: &[raw::TimelineEntry]) -> std::collections::BTreeSet<&str> {
    entries
        .iter()
        .filter_map(|e| match &e.action {
            raw::Action::CreatePod { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect()
}

/// The names of the nodes a run can have, without listing them: the pools'
/// nodes `<pool>-1` .. `<pool>-<count>` in pool order, then the timed
/// `AddNode`s in time order. Resolving a name costs a map lookup, however
/// many nodes the pools declare.
pub(super) struct NodeNames {
    /// Each pool's name, node count, the id of its first node, and how
    /// many of its first nodes have their own names.
    pools: Vec<(String, u64, usize, u64)>,
    /// Nodes with their own names and nodes added by the timeline, by name.
    added: BTreeMap<String, usize>,
}

impl NodeNames {
    pub(super) fn resolve(&self, name: &str) -> Option<usize> {
        if let Some(index) = self.added.get(name) {
            return Some(*index);
        }
        let (pool, suffix) = name.rsplit_once('-')?;
        let n: u64 = suffix.parse().ok().filter(|n: &u64| *n >= 1 && n.to_string() == suffix)?;
        let (_, count, first, named) = self.pools.iter().find(|(p, _, _, _)| p == pool)?;
        (n > *named && n <= *count).then(|| first + usize::try_from(n - 1).unwrap_or(usize::MAX))
    }

    /// Up to `max` node names, for suggestions.
    pub(super) fn sample(&self, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (pool, count, _, named) in &self.pools {
            for n in (named + 1)..=(*count).min(max as u64) {
                out.push(format!("{pool}-{n}"));
            }
        }
        out.extend(self.added.keys().cloned());
        out.truncate(max);
        out
    }
}

pub(super) fn node_names(entries: &[raw::TimelineEntry], cluster: &ClusterConfig) -> NodeNames {
    let mut pools = Vec::new();
    let mut total = 0usize;
    let mut own = BTreeMap::new();
    for pool in &cluster.node_pools {
        pools.push((pool.name.clone(), u64::from(pool.count), total, pool.names.len() as u64));
        for (j, name) in pool.names.iter().enumerate() {
            own.insert(name.clone(), total + j);
        }
        total = total.saturating_add(pool.count as usize);
    }
    let mut added: Vec<(SimDuration, usize)> = entries
        .iter()
        .filter_map(|entry| match &entry.action {
            raw::Action::AddNode { pool, .. } => {
                // A triggered AddNode has no time: it is named after the timed ones.
                let at = entry.at.as_deref()?.parse::<SimDuration>().ok()?;
                let pool = cluster.node_pools.iter().position(|p| p.name == *pool)?;
                Some((at, pool))
            }
            _ => None,
        })
        .collect();
    added.sort_by_key(|(at, _)| *at);
    let mut counts: Vec<u64> = cluster.node_pools.iter().map(|p| u64::from(p.count)).collect();
    let mut names = BTreeMap::new();
    for (_, pool) in added {
        counts[pool] += 1;
        names.insert(format!("{}-{}", cluster.node_pools[pool].name, counts[pool]), total);
        total = total.saturating_add(1);
    }
    names.extend(own);
    NodeNames { pools, added: names }
}
