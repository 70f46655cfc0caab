//! Services, StatefulSets and PodDisruptionBudgets: names, references between them
//! (a set's service, a claim's storage class), selectors against template labels,
//! update strategies and claim templates. The pod template is `pod`; the
//! application a set runs is `apps`.

use super::*;

impl Checker<'_, '_> {
    pub(super) fn pod_disruption_budgets(
        &mut self,
        budgets: &[raw::PodDisruptionBudget],
    ) -> Vec<PodDisruptionBudgetConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, budget) in budgets.iter().enumerate() {
            let base = format!("podDisruptionBudgets[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &budget.name);
            items.push((name_path, budget.name.as_str()));
            let expressions = budget.selector_expressions.as_deref().unwrap_or_default();
            if budget.selector.is_empty() && expressions.is_empty() && !budget.all_pods {
                let help =
                    "the selector picks the pods the budget protects, like {\"app\": \"redis\"}".to_string();
                let message = "Required value: a selector needs at least one label";
                self.report("invalid-value", &format!("{base}.selector"), message, Some(help));
            }
            let value = |checker: &mut Self, field: &str, v: &raw::IntOrString| match v {
                raw::IntOrString::Int(n) => {
                    Some(IntOrPercent::Int(checker.int(&format!("{base}.{field}"), Some(*n), 0, 0, None)))
                }
                raw::IntOrString::String(text) => {
                    let parsed =
                        text.strip_suffix('%').and_then(|p| p.parse::<u32>().ok()).filter(|p| *p <= 100);
                    if parsed.is_none() {
                        let message = format!(
                            "Invalid value: {text:?}: must be an integer or a percentage from 0% to 100%"
                        );
                        checker.report("invalid-value", &format!("{base}.{field}"), message, None);
                    }
                    parsed.map(IntOrPercent::Percent)
                }
            };
            let budget_value = match (&budget.min_available, &budget.max_unavailable) {
                (Some(min), None) => value(self, "minAvailable", min).map(DisruptionBudget::MinAvailable),
                (None, Some(max)) => value(self, "maxUnavailable", max).map(DisruptionBudget::MaxUnavailable),
                (Some(_), Some(_)) => {
                    let message = "Invalid value: minAvailable and maxUnavailable cannot be both set";
                    self.report("invalid-value", &base, message, None);
                    None
                }
                (None, None) => {
                    let help =
                        "give `minAvailable: 2` or `maxUnavailable: 1` (a count or a percentage)".to_string();
                    self.report(
                        "invalid-value",
                        &base,
                        "Required value: one of minAvailable or maxUnavailable",
                        Some(help),
                    );
                    None
                }
            };
            out.push(PodDisruptionBudgetConfig {
                name: budget.name.clone(),
                selector: LabelSelector {
                    match_labels: self
                        .label_map(&format!("{base}.selector"), Some(&budget.selector))
                        .unwrap_or_default(),
                    match_expressions: self.requirements(&format!("{base}.selectorExpressions"), expressions),
                },
                budget: budget_value.unwrap_or(DisruptionBudget::MaxUnavailable(IntOrPercent::Int(1))),
                unhealthy_pod_eviction_policy: match budget.unhealthy_pod_eviction_policy {
                    Some(raw::UnhealthyPodEvictionPolicy::AlwaysAllow) => {
                        UnhealthyPodEvictionPolicy::AlwaysAllow
                    }
                    Some(raw::UnhealthyPodEvictionPolicy::IfHealthyBudget) | None => {
                        UnhealthyPodEvictionPolicy::IfHealthyBudget
                    }
                },
            });
        }
        self.unique("PodDisruptionBudget", &items);
        out
    }

    /// Without `PDBUnhealthyPodEvictionPolicy` (before 1.27) the API server
    /// drops a budget's `unhealthyPodEvictionPolicy`: a scenario that sets
    /// it there is refused rather than run without it.
    pub(super) fn budget_policies_for_release(
        &mut self,
        budgets: &[raw::PodDisruptionBudget],
        release: stsim_core::features::Version,
        features: &stsim_core::features::Features,
    ) {
        if features.pdb_unhealthy_pod_eviction_policy {
            return;
        }
        for (i, budget) in budgets.iter().enumerate() {
            if budget.unhealthy_pod_eviction_policy.is_some() {
                let message = "Forbidden: unhealthyPodEvictionPolicy is not served by this release";
                let help = format!(
                    "the API server of Kubernetes {release} drops the field, and the budget would act as IfHealthyBudget; \
                     it is kept from 1.27 (PDBUnhealthyPodEvictionPolicy, beta; stable in 1.31), and 1.26 can turn \
                     the gate on"
                );
                let path = format!("podDisruptionBudgets[{i}].unhealthyPodEvictionPolicy");
                self.report("invalid-value", &path, message, Some(help));
            }
        }
    }

    /// Sidecar init containers (`restartPolicy: Always`, KEP-753) are on by
    /// default from 1.29 (`SidecarContainers`, beta). Before, the API server
    /// drops the field (1.28, its gate off) or does not know it, and the
    /// container would have to exit before the next one starts, which a
    /// sidecar never does: refused rather than run as something else.
    pub(super) fn sidecars_for_release(&mut self, release: stsim_core::features::Version) {
        if release.minor >= 29 {
            return;
        }
        for path in std::mem::take(&mut self.sidecar_paths) {
            let message =
                "Forbidden: sidecar init containers (restartPolicy: Always) are not served by this release";
            let help = format!(
                "Kubernetes {release} drops the field or does not know it, so the container would have to \
                 exit before the next one starts, and a sidecar never does; sidecars are on by default from \
                 1.29 (SidecarContainers): set kubernetesVersion to 1.29 or later"
            );
            self.report("invalid-value", &path, message, Some(help));
        }
    }

    /// Before `RelaxedServiceNameValidation` a Service's name is an RFC 1035
    /// label: it must start with a letter (`ValidateServiceName`).
    pub(super) fn service_names_for_release(
        &mut self,
        services: &[raw::Service],
        release: stsim_core::features::Version,
        features: &stsim_core::features::Features,
    ) {
        if features.relaxed_service_name_validation {
            return;
        }
        for (i, service) in services.iter().enumerate() {
            if service.name.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                let message = format!(
                    "Invalid value: {:?}: a DNS-1035 label must consist of lower case alphanumeric characters or \
                     '-', start with an alphabetic character, and end with an alphanumeric character (e.g. \
                     'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                    service.name
                );
                let help = format!(
                    "Kubernetes {release} wants a Service's name to start with a letter; from 1.36 it may start \
                     with a digit (RelaxedServiceNameValidation, which 1.34 and 1.35 can turn on)"
                );
                self.report("invalid-value", &format!("services[{i}].name"), message, Some(help));
            }
        }
    }

    pub(super) fn services(&mut self, services: &[raw::Service]) -> Vec<ServiceConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, service) in services.iter().enumerate() {
            let base = format!("services[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &service.name);
            items.push((name_path, service.name.as_str()));
            // No selector is valid, as the API server has it: the Service
            // selects no pods (the `service-mismatch` finding says so when
            // it governs a StatefulSet).
            if let Some(ip) = service.cluster_ip.as_deref()
                && !ip.is_empty()
                && ip != "None"
                && !is_valid_ip(ip)
            {
                // `ValidateService`: each of `clusterIPs` (defaulted from
                // `clusterIP`) is "None" (the first only) or an IP address.
                let message = format!(
                    "Invalid value: {ip:?}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
                );
                let help =
                    "\"None\" (spelt so) makes a headless Service, with a DNS record per pod; leave it out \
                            (or \"\") for an ordinary one, whose address the API server allocates"
                        .to_string();
                self.report("invalid-value", &format!("{base}.clusterIP"), &message, Some(help));
            }
            let headless = service.cluster_ip.as_deref().unwrap_or("None") == "None";
            // `ValidateService`: a Service with a cluster IP forwards ports,
            // so it names at least one; a headless one need not.
            if !headless && service.ports.as_deref().unwrap_or_default().is_empty() {
                let help = Some(PORTS_HELP.to_string());
                self.report("invalid-value", &format!("{base}.ports"), "Required value", help);
            }
            let ports = self.service_ports(&base, service.ports.as_deref().unwrap_or_default());
            out.push(ServiceConfig {
                name: service.name.clone(),
                headless,
                selector: self
                    .label_map(&format!("{base}.selector"), Some(&service.selector))
                    .unwrap_or_default(),
                publish_not_ready_addresses: service.publish_not_ready_addresses.unwrap_or(false),
                ports,
                labels: self
                    .label_map(&format!("{base}.labels"), service.labels.as_ref())
                    .unwrap_or_default(),
            });
        }
        self.unique("service", &items);
        out
    }

    pub(super) fn statefulsets(&mut self, sets: &[raw::StatefulSet]) -> Vec<StatefulSetConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, set) in sets.iter().enumerate() {
            let base = format!("statefulsets[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &set.name);
            items.push((name_path, set.name.as_str()));
            // A serviceName naming no Service is accepted, as the API server
            // accepts it: the pods get no DNS names (the `service-missing`
            // finding says so). It must still be a DNS label, where given:
            // the field is optional (k/k PR #130233), and a set without one
            // has pods without a subdomain, hence without DNS names.
            if !set.service_name.is_empty() {
                self.dns_label(&format!("{base}.serviceName"), &set.service_name);
            }
            let replicas_help = Some("replicas is the desired number of pods; use 0 to stop them all");
            let replicas = self.int(&format!("{base}.replicas"), set.replicas, 1, 0, replicas_help);
            // The spec's errors are each pod create's (a manifest's set): the
            // reader's, or else the checks' here; after the reader's, the
            // checks' are their echoes (an image left empty by its error).
            self.deferring = self.defers_pod_specs;
            let mark = self.deferred.len();
            let mut template = self.template(&format!("{base}.template"), &set.name, &set.template);
            self.deferring = false;
            if template.create_errors.is_empty() {
                template.create_errors = self.deferred[mark..].iter().map(|d| d.pod_error()).collect();
            } else {
                self.deferred.truncate(mark);
            }
            let selector = self.selector(
                &base,
                set.selector.as_ref(),
                set.selector_expressions.as_deref(),
                &template.labels,
            );
            let update_strategy = match &set.update_strategy {
                None => UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None, nil: false },
                Some(strategy) => self.update_strategy(&format!("{base}.updateStrategy"), strategy),
            };
            let retention = set.persistent_volume_claim_retention_policy.as_ref();
            let action = |a: Option<raw::RetentionAction>| match a.unwrap_or(raw::RetentionAction::Retain) {
                raw::RetentionAction::Retain => RetentionAction::Retain,
                raw::RetentionAction::Delete => RetentionAction::Delete,
            };
            let spec = StatefulSetSpec {
                replicas,
                selector,
                service_name: set.service_name.clone(),
                pod_management_policy: match set
                    .pod_management_policy
                    .unwrap_or(raw::PodManagementPolicy::OrderedReady)
                {
                    raw::PodManagementPolicy::OrderedReady => PodManagementPolicy::OrderedReady,
                    raw::PodManagementPolicy::Parallel => PodManagementPolicy::Parallel,
                },
                update_strategy,
                revision_history_limit: self.int(
                    &format!("{base}.revisionHistoryLimit"),
                    set.revision_history_limit,
                    10,
                    0,
                    None,
                ),
                min_ready_seconds: self.int(
                    &format!("{base}.minReadySeconds"),
                    set.min_ready_seconds,
                    0,
                    0,
                    None,
                ),
                ordinals_start: self.int(
                    &format!("{base}.ordinals.start"),
                    set.ordinals.as_ref().and_then(|o| o.start),
                    0,
                    0,
                    None,
                ),
                retention: RetentionPolicy {
                    when_deleted: action(retention.and_then(|r| r.when_deleted)),
                    when_scaled: action(retention.and_then(|r| r.when_scaled)),
                },
                template,
                volume_claim_templates: self.claims(
                    &format!("{base}.volumeClaimTemplates"),
                    set.volume_claim_templates.as_deref().unwrap_or_default(),
                ),
            };
            if !self.defers_pod_specs {
                self.pod_spec_at_create(&base, &spec);
            }
            if set.app.is_some() && set.service_name.is_empty() {
                let help = Some(format!(
                    "members find each other at their pods' DNS names (<pod>.<serviceName>.<namespace>.svc...), which only a set with a serviceName and its headless Service give: add serviceName: {:?} and that Service",
                    set.name
                ));
                self.report(
                    "invalid-value",
                    &format!("{base}.app"),
                    "Required value: an application's set needs a serviceName",
                    help,
                );
            }
            let app = set.app.as_ref().map(|app| self.app(&format!("{base}.app"), app, &spec));
            let labels = self.label_map(&format!("{base}.labels"), set.labels.as_ref()).unwrap_or_default();
            out.push(StatefulSetConfig { name: set.name.clone(), app, spec, labels });
        }
        self.unique("StatefulSet", &items);
        out
    }

    /// From 1.34 the set's create checks its pod template as a pod's spec
    /// (k/k PR #131790), with a volume per claim template: what stsim-core
    /// otherwise finds only at each pod's create (its mounts,
    /// `api::validation::statefulset_pod_spec_errors`) refuses
    /// the set, at its template.
    fn pod_spec_at_create(&mut self, base: &str, spec: &StatefulSetSpec) {
        let claims: Vec<&str> = spec.volume_claim_templates.iter().map(|c| c.name.as_str()).collect();
        let errors = stsim_core::api::validation::statefulset_pod_spec_errors(&spec.template, &claims);
        let path = format!("{base}.template");
        for error in errors {
            let (field, detail) = error.split_once(": ").unwrap_or((error.as_str(), ""));
            // Said of the template, placed at the volume or mount it is
            // about (its `name:`), where that was recorded.
            let at = template_path_of(&path, field).unwrap_or_else(|| path.clone());
            let message = match self.locator.object(&path) {
                // A manifest's set: the API server's words.
                Some(object) => format!("The {object} is invalid: spec.template.{field}: {detail}"),
                None => format!("{}: {error}", self.locator.show(&path)),
            };
            let place = self.locator.find(&at);
            self.diagnostics.push(Diagnostic {
                code: "invalid-value",
                message,
                file: self.locator.file_of(&at).unwrap_or_else(|| self.file.to_string()),
                line: place.line,
                column: place.column,
                length: place.length,
                help: Some(POD_SPEC_HELP.to_string()),
            });
        }
    }

    /// A set's selector: `matchLabels` (the template's labels if neither
    /// part is given) and `matchExpressions`, which must select the
    /// template's labels (`selector.Matches(template labels)` in the API
    /// server's validation).
    pub(super) fn selector(
        &mut self,
        base: &str,
        selector: Option<&raw::RawLabels>,
        expressions: Option<&[raw::NodeSelectorRequirement]>,
        labels: &Labels,
    ) -> LabelSelector {
        let selector = self.label_map(&format!("{base}.selector"), selector);
        let selector = selector.as_ref();
        let match_expressions =
            self.requirements(&format!("{base}.selectorExpressions"), expressions.unwrap_or_default());
        if !match_expressions.is_empty() {
            let selector =
                LabelSelector { match_labels: selector.cloned().unwrap_or_default(), match_expressions };
            if !selector.matches(labels) {
                let message = format!(
                    "Invalid value: {}: `selector` does not match template `labels`",
                    labels.go_syntax()
                );
                self.report("invalid-value", &format!("{base}.template.labels"), message, None);
            }
            return selector;
        }
        let Some(selector) = selector else {
            return LabelSelector::from_labels(labels.clone());
        };
        let path = format!("{base}.selector");
        if selector.is_empty() {
            let help = "leave `selector` out to use the template labels".to_string();
            self.report(
                "invalid-value",
                &path,
                "Invalid value: {}: empty selector is invalid for statefulset",
                Some(help),
            );
            return LabelSelector::from_labels(selector.clone());
        }
        for (key, value) in selector {
            if labels.get(key) == Some(value) {
                continue;
            }
            let help = match labels.get(key) {
                Some(actual) => format!(
                    "the selector wants {key:?}: {value:?}, but the template label {key:?} is {actual:?}"
                ),
                None => {
                    format!("the selector wants {key:?}: {value:?}, but the template has no {key:?} label")
                }
            };
            // `ValidatePodTemplateSpecForStatefulSet` (pkg/apis/apps/validation):
            // field.Invalid at the template's `metadata.labels`, the labels
            // printed as Go prints a `map[string]string` (`%#v`).
            let message =
                format!("Invalid value: {}: `selector` does not match template `labels`", labels.go_syntax());
            self.report("invalid-value", &format!("{base}.template.labels"), message, Some(help));
            break;
        }
        LabelSelector::from_labels(selector.clone())
    }

    pub(super) fn update_strategy(&mut self, path: &str, strategy: &raw::UpdateStrategy) -> UpdateStrategy {
        match strategy {
            raw::UpdateStrategy::OnDelete => UpdateStrategy::OnDelete,
            raw::UpdateStrategy::RollingUpdate { partition, max_unavailable, nil } => {
                let help =
                    Some("pods with an ordinal at or above the partition are updated; 0 updates them all");
                let partition = self.int(&format!("{path}.partition"), *partition, 0, 0, help);
                // Checked against the release once its gates are known
                // (`max_unavailable_for_release`); read as it is here. An
                // int past int32 does not even decode.
                let max_unavailable = max_unavailable.as_ref().and_then(|m| match m {
                    raw::IntOrString::Int(n) if *n > INT32_MAX => {
                        self.int(&format!("{path}.maxUnavailable"), Some(*n), 1, 0, None);
                        None
                    }
                    raw::IntOrString::Int(n) => u32::try_from(*n).ok().map(IntOrPercent::Int),
                    raw::IntOrString::String(text) => (text.strip_suffix('%'))
                        .filter(|digits| is_percent_digits(digits))
                        .and_then(|digits| digits.parse::<u32>().ok())
                        .map(IntOrPercent::Percent),
                });
                UpdateStrategy::RollingUpdate { partition, max_unavailable, nil: *nil }
            }
        }
    }

    /// `rollingUpdate.maxUnavailable` as the release's API server takes it.
    /// Without `MaxUnavailableStatefulSet`, `PrepareForCreate` drops the
    /// field (`dropStatefulSetDisabledFields`, pkg/registry/apps/statefulset/
    /// strategy.go) before `Validate` runs, so any value is accepted (and
    /// dropped, with a note: `dropped_by_release`). With it,
    /// `validateRollingUpdateStatefulSet` (pkg/apis/apps/validation/
    /// validation.go): `ValidatePositiveIntOrPercent`, then `cannot be 0`,
    /// then `IsNotMoreThan100Percent`, each naming the value by its
    /// `String()` (a percentage unquoted, as field.Error prints a Stringer).
    pub(super) fn max_unavailable_for_release(
        &mut self,
        sets: &[raw::StatefulSet],
        features: &stsim_core::features::Features,
    ) {
        if !features.max_unavailable_statefulset {
            return;
        }
        let help = || {
            Some(
                "maxUnavailable is a number of pods (at least 1) or a percentage of replicas, like \"50%\""
                    .into(),
            )
        };
        for (i, set) in sets.iter().enumerate() {
            let Some(raw::UpdateStrategy::RollingUpdate { max_unavailable: Some(value), .. }) =
                &set.update_strategy
            else {
                continue;
            };
            let path = format!("statefulsets[{i}].updateStrategy.maxUnavailable");
            let (shown, value, percent) = match value {
                raw::IntOrString::Int(n) if *n > INT32_MAX => continue,
                raw::IntOrString::Int(n) => {
                    if *n < 0 {
                        let message = format!("Invalid value: {n}: must be greater than or equal to 0");
                        self.report("invalid-value", &path, message, help());
                    }
                    (n.to_string(), *n, false)
                }
                raw::IntOrString::String(text) => {
                    let digits = text.strip_suffix('%').filter(|d| is_percent_digits(d));
                    if digits.is_none() {
                        let message = format!(
                            "Invalid value: {text}: a valid percent string must be a numeric string followed by an \
                             ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
                        );
                        self.report("invalid-value", &path, message, help());
                    }
                    // `getIntOrPercentValue`: the percentage, or else the
                    // text read as an int (`IntValue`: Atoi, 0 when it is none).
                    (text.clone(), go_atoi(digits.unwrap_or(text)), digits.is_some())
                }
            };
            if value == 0 {
                self.report("invalid-value", &path, format!("Invalid value: {shown}: cannot be 0"), help());
            }
            if percent && value > 100 {
                let message = format!("Invalid value: {shown}: must not be greater than 100%");
                self.report("invalid-value", &path, message, help());
            }
        }
    }

    /// `maxUnavailable`: an integer of at least 1, or a percentage like "50%".
    pub(super) fn int_or_percent(&mut self, path: &str, value: &raw::IntOrString) -> Option<IntOrPercent> {
        let help =
            Some("maxUnavailable is a number of pods (at least 1) or a percentage of replicas, like \"50%\"");
        match value {
            raw::IntOrString::Int(n) => {
                let n = self.int(path, Some(*n), 1, 1, help);
                Some(IntOrPercent::Int(n))
            }
            raw::IntOrString::String(text) => {
                let parsed = text
                    .strip_suffix('%')
                    .and_then(|p| p.parse::<u32>().ok())
                    .filter(|p| (1..=100).contains(p));
                if parsed.is_none() {
                    let message = format!(
                        "Invalid value: {text:?}: must be an integer or a percentage from 1% to 100%"
                    );
                    self.report("invalid-value", path, message, help.map(String::from));
                }
                parsed.map(IntOrPercent::Percent)
            }
        }
    }

    pub(super) fn claims(
        &mut self,
        base: &str,
        claims: &[raw::VolumeClaimTemplate],
    ) -> Vec<VolumeClaimTemplate> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, claim) in claims.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let name_path = format!("{path}.name");
            self.dns_label(&name_path, &claim.name);
            items.push((name_path, claim.name.as_str()));
            // The spec's errors are each claim's create's (a manifest's set,
            // before 1.34): the reader's, or else the checks' here; after
            // the reader's, the checks' are their echoes.
            self.deferring = self.defers_pod_specs;
            let mark = self.deferred.len();
            // A storage left out (the reader's error) is none.
            let left_out = claim.storage.is_empty() && !claim.create_errors.is_empty();
            let storage_bytes =
                if left_out { 0 } else { self.size(&format!("{path}.storage"), &claim.storage) };
            // A class that does not exist, or none named when none is the
            // default, is accepted as the API server accepts it: the claim
            // stays Pending with the PV controller's event (modelled in the
            // core), rather than refused here.
            let access_modes =
                self.access_modes(&format!("{path}.accessModes"), claim.access_modes.as_deref());
            self.deferring = false;
            let mut create_errors = claim.create_errors.clone();
            if create_errors.is_empty() {
                create_errors = self.deferred[mark..].iter().map(|d| d.claim_error()).collect();
            } else {
                self.deferred.truncate(mark);
            }
            let labels = self.label_map(&format!("{path}.labels"), claim.labels.as_ref()).unwrap_or_default();
            out.push(VolumeClaimTemplate {
                name: claim.name.clone(),
                labels,
                storage_bytes,
                storage_class: claim.storage_class_name.clone(),
                access_modes,
                create_errors,
            });
        }
        self.unique("volume claim template", &items);
        out
    }

    pub(super) fn statefulset_reference(
        &mut self,
        path: &str,
        name: &str,
        sets: &[raw::StatefulSet],
        whole: &str,
    ) -> Option<usize> {
        if let Some(index) = sets.iter().position(|s| s.name == name) {
            return Some(index);
        }
        let names: Vec<&str> = sets.iter().map(|s| s.name.as_str()).collect();
        let help = match suggest(name, &names) {
            _ if names.is_empty() => "no StatefulSets are declared under `statefulsets`".to_string(),
            Some(close) => format!("did you mean `{close}`? declared StatefulSets: {}", list_names(&names)),
            None => format!("declared StatefulSets: {}", list_names(&names)),
        };
        let message = format!("Not found: {whole:?}: no StatefulSet named `{name}`");
        self.report("unknown-reference", path, message, Some(help));
        None
    }

    /// Resolves `<statefulset>-<ordinal>`.
    pub(super) fn pod(&mut self, path: &str, pod: &str, sets: &[raw::StatefulSet]) -> Option<PodRef> {
        let malformed = |checker: &mut Self, why: &str| {
            let example = sets.first().map_or("redis", |s| s.name.as_str());
            let message = format!("Invalid value: {pod:?}: {why}");
            let help = format!("a pod is named `<statefulset>-<ordinal>`, like `{example}-0`");
            checker.report("invalid-value", path, message, Some(help));
            None
        };
        let Some((set, ordinal)) = pod.rsplit_once('-') else {
            return malformed(self, "a pod name ends in `-<ordinal>`");
        };
        if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
            return malformed(self, "the ordinal after the last `-` must be a non-negative integer");
        }
        let Ok(ordinal) = ordinal.parse::<u32>() else {
            return malformed(self, "the ordinal is too large");
        };
        let index = self.statefulset_reference(path, set, sets, pod)?;
        Some(PodRef { statefulset: index, ordinal })
    }
}

/// An IP address as the API server reads one in a Service's `clusterIP`
/// (k8s.io/utils/net `ParseIPSloppy`, Go's parser before 1.17): IPv4 in
/// four decimal parts, leading zeros allowed (read as decimal), or IPv6.
fn is_valid_ip(text: &str) -> bool {
    if text.contains(':') {
        return text.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|part| {
            let digits = part.trim_start_matches('0');
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && digits.len() <= 3
                && digits.parse::<u16>().map_or(digits.is_empty(), |n| n <= 255)
        })
}

/// Whether `digits` (a percentage without its `%`) is what `IsValidPercent`
/// takes: `[0-9]+`.
fn is_percent_digits(digits: &str) -> bool {
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Go's `strconv.Atoi` as `IntValue` uses it: an optional sign and digits,
/// clamped to the int range when too long; 0 for anything else.
fn go_atoi(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if !is_percent_digits(digits) {
        return 0;
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    if negative { -magnitude } else { magnitude }
}

/// Why a set is refused for what its pods' spec would be refused for.
const POD_SPEC_HELP: &str = "from 1.34 the API server checks a StatefulSet's pod template as a pod's when the set is \
    created: each volume mount must name one of the template's volumes or claim templates (before 1.34 the set is \
    accepted and each pod's create refused)";

/// The scenario's path, under the template at `template`, of the volume or
/// volume mount a pod's field error names by its pod path
/// (`spec.containers[1].volumeMounts[0].name` is
/// `<template>.extraContainers[0].volumeMounts[0]`: the first container's
/// are the template's own), if it names one.
fn template_path_of(template: &str, field: &str) -> Option<String> {
    let field = field.strip_suffix(".name")?.strip_prefix("spec.")?;
    if let Some(volume) = field.strip_prefix("volumes[") {
        return Some(format!("{template}.volumes[{volume}"));
    }
    let (list, rest) = field.split_once('[')?;
    let (index, mount) = rest.split_once("].")?;
    let index: usize = index.parse().ok()?;
    let container = match (list, index) {
        ("containers", 0) => template.to_string(),
        ("containers", i) => format!("{template}.extraContainers[{}]", i - 1),
        ("initContainers", i) => format!("{template}.initContainers[{i}]"),
        _ => return None,
    };
    mount.starts_with("volumeMounts[").then(|| format!("{container}.{mount}"))
}

#[cfg(test)]
mod max_unavailable_tests {
    /// A set with `maxUnavailable: value` on `release`: the messages refused, if any.
    fn refused(value: &str, release: &str) -> Vec<String> {
        let source = format!(
            r#"Scenario(name: "t", kubernetesVersion: "{release}",
            services: [(name: "s", selector: {{"app": "a"}})],
            statefulsets: [(name: "a", serviceName: "s", updateStrategy: RollingUpdate(maxUnavailable: {value}),
                template: (labels: {{"app": "a"}}, image: "x"))])"#
        );
        match crate::parse_scenario(&source, "t.ron") {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.message).collect(),
        }
    }

    /// With the gate off (1.36) the API server drops the field before
    /// validating: any value is taken. With it on (1.37), as
    /// `validateRollingUpdateStatefulSet` words it.
    #[test]
    fn max_unavailable_is_validated_only_where_the_release_keeps_it() {
        for value in ["0", "\"150%\"", "-1", "\"abc\"", "\"0%\"", "2", "\"50%\""] {
            assert_eq!(refused(value, "1.36"), Vec::<String>::new(), "{value}");
        }
        let path = "statefulsets[0].updateStrategy.maxUnavailable";
        for (value, said) in [
            ("0", vec!["Invalid value: 0: cannot be 0"]),
            ("\"0%\"", vec!["Invalid value: 0%: cannot be 0"]),
            ("\"150%\"", vec!["Invalid value: 150%: must not be greater than 100%"]),
            ("-1", vec!["Invalid value: -1: must be greater than or equal to 0"]),
            (
                "\"abc\"",
                vec![
                    "Invalid value: abc: a valid percent string must be a numeric string followed by an ending '%' \
                     (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                    "Invalid value: abc: cannot be 0",
                ],
            ),
            ("2", vec![]),
            ("\"100%\"", vec![]),
        ] {
            let expected: Vec<String> = said.iter().map(|s| format!("{path}: {s}")).collect();
            assert_eq!(refused(value, "1.37"), expected, "{value}");
        }
    }
}
