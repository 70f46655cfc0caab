//! The `expect` section: every expectation's names resolve and its times fall
//! inside the run.

use super::*;

impl Checker<'_, '_> {
    /// A pod named in an expectation: of a declared StatefulSet, of the
    /// new name a `RenameStatefulSet` gives one, or a bare pod the timeline
    /// creates (`renamed` holds the new set names and the created pod names).
    pub(super) fn expected_pod(
        &mut self,
        path: &str,
        pod: &str,
        sets: &[raw::StatefulSet],
        renamed: &[&str],
    ) -> bool {
        if renamed.contains(&pod) {
            return true;
        }
        if let Some((parent, ordinal)) = pod.rsplit_once('-')
            && renamed.contains(&parent)
            && ordinal.parse::<u32>().is_ok()
        {
            return true;
        }
        self.pod(path, pod, sets).is_some()
    }

    /// A dotted IPv4 address, like `10.244.1.2`; `""` (no address) is allowed.
    fn ip_address(&mut self, path: &str, ip: &str) {
        let parts: Vec<&str> = ip.split('.').collect();
        let valid = ip.is_empty()
            || (parts.len() == 4
                && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok()));
        if !valid {
            let message = format!(
                "Invalid value: {ip:?}: must be a dotted IPv4 address like \"10.244.1.2\", or \"\" for none"
            );
            self.report("invalid-value", path, message, None);
        }
    }

    /// Validates `expect`: names resolve, times fall inside the run.
    /// A `DnsAnswer` for a Service's own name (or its SRV names) asks about
    /// a headless Service: a ClusterIP Service's name answers its cluster
    /// IP, which is not modelled.
    pub(super) fn service_dns_names(
        &mut self,
        entries: &[raw::Expect],
        services: &[stsim_core::config::ServiceConfig],
        namespace: &str,
        domain: &str,
    ) {
        use stsim_core::controllers::dns::{ServiceName, service_name};
        for (i, entry) in entries.iter().enumerate() {
            let raw::Expect::DnsAnswer { name, .. } = entry else { continue };
            let service = match service_name(name, namespace, domain) {
                Some(ServiceName::Service { service } | ServiceName::Srv { service, .. }) => service,
                // A ClusterIP Service has no endpoint names: NXDOMAIN, as CoreDNS answers.
                Some(ServiceName::Endpoint { .. }) | None => continue,
            };
            if services.iter().any(|s| s.name == service && !s.headless) {
                let message = format!(
                    "Invalid value: {name:?}: {service:?} is a ClusterIP Service, whose name answers its cluster IP (not modelled)"
                );
                let help =
                    "ask about a headless Service (`clusterIP: \"None\"`), or a pod's own name".to_string();
                self.report("invalid-value", &format!("expect[{i}].name"), message, Some(help));
            }
        }
    }

    pub(super) fn expectations(
        &mut self,
        entries: &[raw::Expect],
        sets: &[raw::StatefulSet],
        horizon: Option<SimDuration>,
        timeline: &[raw::TimelineEntry],
    ) -> Vec<ExpectEntry> {
        let renamed: &[&str] = &timeline
            .iter()
            .filter_map(|e| match &e.action {
                raw::Action::RenameStatefulSet { to, .. } => Some(to.as_str()),
                raw::Action::CreatePod { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>();
        let mut out = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("expect[{i}]");
            let time = |checker: &mut Self, field: &str, text: &str| {
                let at = checker.duration(&format!("{path}.{field}"), text)?;
                if horizon.is_some_and(|h| at > h) {
                    let message = format!("Invalid value: {text:?}: after the end of the run (`duration`)");
                    checker.report("invalid-value", &format!("{path}.{field}"), message, None);
                }
                Some(SimTime::from_millis(at.as_millis()))
            };
            let set = |checker: &mut Self, name: &str| {
                checker.statefulset_reference(&format!("{path}.statefulset"), name, sets, name)
            };
            let pods = |checker: &mut Self, names: &[String]| {
                for (j, name) in names.iter().enumerate() {
                    checker.expected_pod(&format!("{path}.pods[{j}]"), name, sets, renamed);
                }
                names.to_vec()
            };
            let money = |checker: &mut Self, value: f64| {
                let money = pricing::Money::from_dollars(&value.to_string());
                if money.is_none() {
                    let message = format!(
                        "Invalid value: {value}: must be a dollar amount, 0 or more, with at most 6 decimals"
                    );
                    checker.report("invalid-value", &format!("{path}.usdPerMonth"), message, None);
                }
                money
            };
            let expectation = match entry {
                raw::Expect::PodReadyBy { pod, by } => {
                    let known = self.expected_pod(&format!("{path}.pod"), pod, sets, renamed);
                    let by = time(self, "by", by);
                    by.filter(|_| known).map(|at| Expectation::PodReady { pod: pod.clone(), at, ready: true })
                }
                raw::Expect::PodReady { pod, at, ready } => {
                    let known = self.expected_pod(&format!("{path}.pod"), pod, sets, renamed);
                    let at = time(self, "at", at);
                    at.filter(|_| known).map(|at| Expectation::PodReady {
                        pod: pod.clone(),
                        at,
                        ready: *ready,
                    })
                }
                raw::Expect::CreationOrder { statefulset, pods: names } => {
                    let index = set(self, statefulset);
                    let names = pods(self, names);
                    index.map(|statefulset| Expectation::CreationOrder { statefulset, pods: names })
                }
                raw::Expect::DeletionOrder { statefulset, pods: names } => {
                    let index = set(self, statefulset);
                    let names = pods(self, names);
                    index.map(|statefulset| Expectation::DeletionOrder { statefulset, pods: names })
                }
                raw::Expect::OrphanedPvcs { claims } => {
                    Some(Expectation::OrphanedPvcs { claims: claims.clone() })
                }
                raw::Expect::OrphanedCostAtMost { usd_per_month } => {
                    money(self, *usd_per_month).map(|per_month| Expectation::OrphanedCostAtMost { per_month })
                }
                raw::Expect::OrphanedCostAtLeast { usd_per_month } => money(self, *usd_per_month)
                    .map(|per_month| Expectation::OrphanedCostAtLeast { per_month }),
                raw::Expect::DnsResolves { name, at, resolves } => time(self, "at", at)
                    .map(|at| Expectation::DnsResolves { name: name.clone(), at, resolves: *resolves }),
                raw::Expect::NoFindings => Some(Expectation::NoFindings),
                raw::Expect::Finding { id } | raw::Expect::NoFinding { id } => {
                    if !stsim_core::findings::IDS.contains(&id.as_str()) {
                        let message = format!("Invalid value: {id:?}: no finding has this id");
                        let help = format!("the finding ids are: {}", list_names(stsim_core::findings::IDS));
                        self.report("invalid-value", &format!("{path}.id"), message, Some(help));
                    }
                    Some(match entry {
                        raw::Expect::Finding { .. } => Expectation::Finding { id: id.clone() },
                        _ => Expectation::NoFinding { id: id.clone() },
                    })
                }
                raw::Expect::AppVerdict { app, at, verdict } => {
                    let index = self.app_reference(&format!("{path}.app"), app, sets);
                    let at = time(self, "at", at);
                    let health = match verdict {
                        raw::Health::Forming => stsim_core::apps::Health::Forming,
                        raw::Health::Healthy => stsim_core::apps::Health::Healthy,
                        raw::Health::Degraded => stsim_core::apps::Health::Degraded,
                        raw::Health::Broken => stsim_core::apps::Health::Broken,
                    };
                    index.zip(at).map(|(app, at)| Expectation::AppHealth { app, at, health })
                }
                raw::Expect::ObjectField { kind, name, field, equals } => {
                    let equals = self.json(&format!("{path}.equals"), equals);
                    const BUILTIN: [&str; 7] = [
                        "Pod",
                        "PersistentVolumeClaim",
                        "StatefulSet",
                        "Service",
                        "Node",
                        "PersistentVolume",
                        "PodDisruptionBudget",
                    ];
                    let known = BUILTIN.contains(&kind.as_str())
                        || self.custom_kind(&format!("{path}.kind"), kind).is_some();
                    known.then(|| Expectation::ObjectField {
                        kind: kind.clone(),
                        name: name.clone(),
                        field: field.clone(),
                        equals,
                    })
                }
                raw::Expect::NeverBroken { app } => self
                    .app_reference(&format!("{path}.app"), app, sets)
                    .map(|app| Expectation::NeverBroken { app }),
                raw::Expect::NoWritesLost { app } => {
                    let field = format!("{path}.app");
                    let index = self.app_reference(&field, app, sets);
                    let index = index.filter(|i| {
                        let tracked = matches!(sets[*i].app, Some(raw::App::PrimaryReplica { .. }));
                        if !tracked {
                            let message = format!(
                                "Invalid value: {app:?}: NoWritesLost needs a PrimaryReplica application, whose \
                                 members' write positions stsim tracks"
                            );
                            // Other kinds lose writes too (a Redis master partitioned away and
                            // made a replica drops what it took alone), but stsim does not
                            // track their positions: not judged, rather than judged lossless.
                            let help = "stsim does not track the write positions of the other kinds, so it cannot \
                                        tell whether they lose writes; use NeverBroken or NeverSplitBrain";
                            self.report("invalid-value", &field, message, Some(help.to_string()));
                        }
                        tracked
                    });
                    index.map(|app| Expectation::NoWritesLost { app })
                }
                raw::Expect::NeverSplitBrain { app } => self
                    .app_reference(&format!("{path}.app"), app, sets)
                    .map(|app| Expectation::NeverSplitBrain { app }),
                raw::Expect::BrokenWithin { app, within, after } => {
                    let index = self.app_reference(&format!("{path}.app"), app, sets);
                    let within = self.duration(&format!("{path}.within"), within);
                    // By default, from the first timed action: the fault the scenario scripts.
                    let first = timeline
                        .iter()
                        .filter_map(|e| e.at.as_deref())
                        .filter_map(|t| t.parse::<SimDuration>().ok())
                        .min()
                        .unwrap_or(SimDuration::ZERO);
                    let after = match after {
                        Some(text) => time(self, "after", text),
                        None => Some(SimTime::from_millis(first.as_millis())),
                    };
                    match (index, within, after) {
                        (Some(app), Some(within), Some(after)) => {
                            Some(Expectation::BrokenWithin { app, after, within })
                        }
                        _ => None,
                    }
                }
                raw::Expect::RecoveredWithin { app, within } => {
                    let index = self.app_reference(&format!("{path}.app"), app, sets);
                    let within = self.duration(&format!("{path}.within"), within);
                    index.zip(within).map(|(app, within)| Expectation::RecoveredWithin { app, within })
                }
                raw::Expect::PodState {
                    pod,
                    at,
                    exists,
                    phase,
                    ready,
                    node,
                    zone,
                    ip,
                    image,
                    revision,
                    updated,
                    restarts,
                    owner,
                } => {
                    let known = self.expected_pod(&format!("{path}.pod"), pod, sets, renamed);
                    let at = time(self, "at", at);
                    if let Some(ip) = ip {
                        self.ip_address(&format!("{path}.ip"), ip);
                    }
                    let restarts =
                        restarts.map(|r| self.int(&format!("{path}.restarts"), Some(r), 0, 0, None));
                    if let Some(owner) = owner
                        && !owner.is_empty()
                        && owner.strip_prefix("StatefulSet/").is_none_or(str::is_empty)
                    {
                        let message = format!(
                            "Invalid value: {owner:?}: a pod's owner is `StatefulSet/<name>`, or \"\" for none"
                        );
                        self.report("invalid-value", &format!("{path}.owner"), message, None);
                    }
                    let state = PodStateExpect {
                        exists: *exists,
                        phase: phase.map(|p| format!("{p:?}")),
                        ready: *ready,
                        node: node.clone(),
                        zone: zone.clone(),
                        ip: ip.clone(),
                        image: image.clone(),
                        revision: revision.clone(),
                        updated: *updated,
                        restarts,
                        owner: owner.clone(),
                    };
                    at.filter(|_| known).map(|at| Expectation::PodState { pod: pod.clone(), at, state })
                }
                raw::Expect::StatefulSetStatus {
                    statefulset,
                    at,
                    replicas,
                    ready_replicas,
                    available_replicas,
                    current_replicas,
                    updated_replicas,
                    current_revision_is_update_revision,
                } => {
                    let index = set(self, statefulset);
                    let at = time(self, "at", at);
                    let count = |checker: &mut Self, field: &str, value: &Option<i64>| {
                        value.map(|v| checker.int(&format!("{path}.{field}"), Some(v), 0, 0, None))
                    };
                    let status = StatusExpect {
                        replicas: count(self, "replicas", replicas),
                        ready_replicas: count(self, "readyReplicas", ready_replicas),
                        available_replicas: count(self, "availableReplicas", available_replicas),
                        current_replicas: count(self, "currentReplicas", current_replicas),
                        updated_replicas: count(self, "updatedReplicas", updated_replicas),
                        current_is_update_revision: *current_revision_is_update_revision,
                    };
                    index.zip(at).map(|(statefulset, at)| Expectation::StatefulSetStatus {
                        statefulset,
                        at,
                        status,
                    })
                }
                raw::Expect::ClaimState {
                    claim,
                    at,
                    exists,
                    bound,
                    volume,
                    owners,
                    terminating,
                    capacity,
                } => {
                    let capacity =
                        capacity.as_deref().map(|c| self.memory(&format!("{path}.capacity"), Some(c), 0));
                    let at = time(self, "at", at);
                    for (j, owner) in owners.iter().flatten().enumerate() {
                        let valid = owner.split_once('/').is_some_and(|(kind, name)| {
                            matches!(kind, "StatefulSet" | "Pod") && !name.is_empty()
                        });
                        if !valid {
                            let message = format!(
                                "Invalid value: {owner:?}: an owner is `StatefulSet/<name>` or `Pod/<name>`"
                            );
                            self.report("invalid-value", &format!("{path}.owners[{j}]"), message, None);
                        }
                    }
                    let state = ClaimExpect {
                        exists: *exists,
                        bound: *bound,
                        volume: volume.clone(),
                        owners: owners.clone(),
                        terminating: *terminating,
                        capacity,
                    };
                    at.map(|at| Expectation::ClaimState { claim: claim.clone(), at, state })
                }
                raw::Expect::PodNotCreated { pod, from, to } => {
                    let known = self.expected_pod(&format!("{path}.pod"), pod, sets, renamed);
                    let from_at = time(self, "from", from);
                    let to_at = time(self, "to", to);
                    if let (Some(f), Some(t)) = (from_at, to_at)
                        && t < f
                    {
                        let message = format!("Invalid value: {to:?}: must not be before `from` ({from:?})");
                        self.report("invalid-value", &format!("{path}.to"), message, None);
                    }
                    from_at.zip(to_at).filter(|_| known).map(|(from, to)| Expectation::PodNotCreated {
                        pod: pod.clone(),
                        from,
                        to,
                    })
                }
                raw::Expect::UpdateRefused { statefulset, message } => set(self, statefulset)
                    .map(|statefulset| Expectation::UpdateRefused { statefulset, message: message.clone() }),
                raw::Expect::DnsAnswer { name, at, resolves, ip, answers } => {
                    let at = time(self, "at", at);
                    if let Some(ip) = ip {
                        self.ip_address(&format!("{path}.ip"), ip);
                    }
                    let some_answer = ip.is_some() || answers.as_ref().is_some_and(|a| !a.is_empty());
                    let resolves = match (resolves, ip, answers) {
                        (Some(false), _, _) if some_answer => {
                            let message = "Invalid value: an answer with an `ip` or `answers` resolves; leave out `resolves: false`";
                            self.report("invalid-value", &format!("{path}.resolves"), message, None);
                            None
                        }
                        (Some(true), _, Some(answers)) if answers.is_empty() => {
                            let message =
                                "Invalid value: `answers: []` is NXDOMAIN; leave out `resolves: true`";
                            self.report("invalid-value", &format!("{path}.resolves"), message, None);
                            None
                        }
                        (None, None, None) => {
                            let message = "Required value: give `resolves`, `ip` or `answers`";
                            self.report("missing-field", &path, message, None);
                            None
                        }
                        (resolves, _, _) => Some(resolves.unwrap_or(some_answer)),
                    };
                    at.zip(resolves).map(|(at, resolves)| Expectation::DnsAnswer {
                        name: name.clone(),
                        at,
                        resolves,
                        ip: ip.clone(),
                        answers: answers.clone(),
                    })
                }
                raw::Expect::Settled { statefulset, within } => {
                    let index = set(self, statefulset);
                    let within = self.duration(&format!("{path}.within"), within);
                    index
                        .zip(within)
                        .map(|(statefulset, within)| Expectation::Settled { statefulset, within })
                }
            };
            let line = u32::try_from(self.locator.find(&path).line).unwrap_or(u32::MAX);
            if let Some(expectation) = expectation {
                out.push(ExpectEntry { expectation, line });
            }
        }
        out
    }
}
