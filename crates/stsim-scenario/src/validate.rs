//! From the file as written to the validated `Config`: meaning and rules.
//!
//! Owns everything serde cannot check: parsing durations and quantities,
//! integer ranges, DNS-label names and their uniqueness, references between
//! objects (a StatefulSet's service, a claim's storage class, the timeline's
//! StatefulSets and pods), the selector/labels rule, and every default. Each
//! problem becomes a `Diagnostic` named by the path of the offending value
//! and placed by `locate`; checking goes on after an error so that one run
//! reports them all. Messages follow Kubernetes' wording where Kubernetes has
//! the same rule (`Invalid value: -1: must be greater than or equal to 0`).
//! Does not own the file's syntax or shape: that is `raw` and ron.

use crate::diagnostic::Diagnostic;
use crate::locate::Locator;
use crate::quantity::{parse_cpu, parse_quantity};
use crate::raw;
use std::collections::BTreeMap;
use stsim_core::config::*;
use stsim_core::features::{Features, KNOWN_GATES, Version};
use stsim_core::pricing;
use stsim_core::time::{SimDuration, SimTime};

/// Kubernetes' int32 fields top out here.
const INT32_MAX: i64 = i32::MAX as i64;

const DURATION_HELP: &str = "a duration is whole numbers with units d, h, m, s or ms, largest first, like \"90s\", \"1m30s\" or \"500ms\"";
const MEMORY_HELP: &str =
    "memory and storage are bytes with an optional suffix, like \"512Mi\", \"10Gi\" or \"1G\"";
const CPU_HELP: &str = "CPU is in cores, like \"2\" or \"0.5\", or in millicores, like \"500m\"";
const DNS_LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', \
     and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', \
     regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
     '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', \
     regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Checks `raw` and builds the `Config`, or returns every problem found,
/// sorted by line and column.
pub(crate) fn validate(
    raw: &raw::Scenario,
    locator: &Locator<'_>,
    file: &str,
) -> Result<Config, Vec<Diagnostic>> {
    let mut checker = Checker { locator, file, diagnostics: Vec::new(), triggers: Vec::new() };
    let config = checker.scenario(raw);
    if checker.diagnostics.is_empty() {
        Ok(config)
    } else {
        let mut diagnostics = checker.diagnostics;
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(diagnostics)
    }
}

fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
}

/// The closest DNS label to `name`, to suggest as a fix.
fn as_dns_label(name: &str) -> String {
    let mapped: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let mut out = String::new();
    for c in mapped.chars() {
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let trimmed: String = out.trim_end_matches('-').chars().take(63).collect();
    trimmed.trim_end_matches('-').to_string()
}

/// Levenshtein distance, for "did you mean" suggestions (inputs are short).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// `a`, `b` and `c`; long lists are cut short.
fn list_names(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let mut text = shown.join(", ");
    if names.len() > shown.len() {
        text.push_str(&format!(" and {} more", names.len() - shown.len()));
    }
    text
}

fn show_labels(labels: &Labels) -> String {
    let entries: Vec<String> = labels.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
    format!("{{{}}}", entries.join(", "))
}

fn seconds(value: u32) -> SimDuration {
    SimDuration::from_millis(u64::from(value) * 1_000)
}

struct Checker<'s, 'l> {
    locator: &'l Locator<'s>,
    file: &'l str,
    diagnostics: Vec<Diagnostic>,
    /// Timeline entries that wait for an event, gathered with the timeline.
    triggers: Vec<TriggerEntry>,
}

/// When a timeline entry runs.
enum When {
    At(SimDuration),
    On(Trigger, SimDuration),
}

impl Checker<'_, '_> {
    fn report(&mut self, code: &'static str, path: &str, message: impl AsRef<str>, help: Option<String>) {
        let place = self.locator.find(path);
        self.diagnostics.push(Diagnostic {
            code,
            message: format!("{path}: {}", message.as_ref()),
            file: self.file.to_string(),
            line: place.line,
            column: place.column,
            length: place.length,
            help,
        });
    }

    /// A duration, or `None` (with a diagnostic) if it does not parse.
    fn duration(&mut self, path: &str, text: &str) -> Option<SimDuration> {
        match text.parse::<SimDuration>() {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.report(
                    "invalid-duration",
                    path,
                    format!("invalid duration {text:?}: {error}"),
                    Some(DURATION_HELP.to_string()),
                );
                None
            }
        }
    }

    fn duration_or(&mut self, path: &str, text: Option<&str>, default: SimDuration) -> SimDuration {
        text.and_then(|text| self.duration(path, text)).unwrap_or(default)
    }

    fn memory(&mut self, path: &str, text: Option<&str>, default: u64) -> u64 {
        let Some(text) = text else { return default };
        parse_quantity(text).unwrap_or_else(|error| {
            self.report("invalid-quantity", path, error, Some(MEMORY_HELP.to_string()));
            default
        })
    }

    fn cpu(&mut self, path: &str, text: Option<&str>, default: u64) -> u64 {
        let Some(text) = text else { return default };
        parse_cpu(text).unwrap_or_else(|error| {
            self.report("invalid-quantity", path, error, Some(CPU_HELP.to_string()));
            default
        })
    }

    /// A Kubernetes int32 field that must be at least `min`.
    fn int(&mut self, path: &str, value: Option<i64>, default: u32, min: i64, help: Option<&str>) -> u32 {
        let Some(value) = value else { return default };
        if value < min {
            let message = format!("Invalid value: {value}: must be greater than or equal to {min}");
            self.report("invalid-value", path, message, help.map(str::to_string));
            return default;
        }
        if value > INT32_MAX {
            let message = format!("Invalid value: {value}: must be less than or equal to {INT32_MAX}");
            self.report("invalid-value", path, message, help.map(str::to_string));
            return default;
        }
        u32::try_from(value).unwrap_or(default)
    }

    fn dns_label(&mut self, path: &str, name: &str) {
        if name.is_empty() {
            self.report("invalid-value", path, "Required value: a name is required", None);
            return;
        }
        if name.chars().count() > 63 {
            let message = format!("Invalid value: {name:?}: must be no more than 63 characters");
            self.report("invalid-value", path, message, None);
        }
        if !is_dns_label(name) {
            let fixed = as_dns_label(name);
            let help = (!fixed.is_empty()).then(|| format!("try {fixed:?}"));
            self.report("invalid-value", path, format!("Invalid value: {name:?}: {DNS_LABEL_MESSAGE}"), help);
        }
    }

    fn dns_subdomain(&mut self, path: &str, name: &str) {
        let valid = !name.is_empty() && name.len() <= 253 && name.split('.').all(is_dns_label);
        if !valid {
            self.report(
                "invalid-value",
                path,
                format!("Invalid value: {name:?}: {DNS_SUBDOMAIN_MESSAGE}"),
                None,
            );
        }
    }

    /// Reports every name in `items` (path of the name, name) already used by an earlier one.
    fn unique(&mut self, what: &str, items: &[(String, &str)]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (path, name) in items {
            match seen.get(name) {
                Some(first) => {
                    let line = self.locator.find(first).line;
                    let help =
                        format!("{first} (line {line}) already has this name; {what} names must be unique");
                    self.report("duplicate-name", path, format!("Duplicate value: {name:?}"), Some(help));
                }
                None => {
                    seen.insert(name, path);
                }
            }
        }
    }

    fn scenario(&mut self, raw: &raw::Scenario) -> Config {
        self.dns_label("name", &raw.name);
        let duration = match raw.duration.as_deref() {
            None => Some(SimDuration::from_mins(60)),
            Some(text) => match self.duration("duration", text) {
                Some(duration) if duration.is_zero() => {
                    let message = format!("Invalid value: {text:?}: must be greater than 0");
                    let help = "duration is how long the run lasts, like \"10m\" or \"1h\"".to_string();
                    self.report("invalid-value", "duration", message, Some(help));
                    None
                }
                other => other,
            },
        };
        let namespace = raw.namespace.clone().unwrap_or_else(|| "default".to_string());
        self.dns_label("namespace", &namespace);
        let cluster_domain = raw.cluster_domain.clone().unwrap_or_else(|| "cluster.local".to_string());
        self.dns_subdomain("clusterDomain", &cluster_domain);
        let dns = self.dns(raw.dns.as_ref());
        let cluster = self.cluster(raw.cluster.as_ref());
        let images = self.images(raw.images.as_deref().unwrap_or_default());
        let services = self.services(raw.services.as_deref().unwrap_or_default());
        let raw_statefulsets = raw.statefulsets.as_deref().unwrap_or_default();
        let statefulsets = self.statefulsets(raw_statefulsets, &services, &cluster.storage_classes);
        let timeline = self.timeline(
            raw.timeline.as_deref().unwrap_or_default(),
            raw_statefulsets,
            duration,
            &cluster.storage_classes,
            &cluster,
        );
        let pod_disruption_budgets =
            self.pod_disruption_budgets(raw.pod_disruption_budgets.as_deref().unwrap_or_default());
        let raw_timings = raw.timings.as_ref();
        let timings = Timings {
            provisioning: self.duration_or(
                "timings.provisioning",
                raw.timings.as_ref().and_then(|t| t.provisioning.as_deref()),
                Timings::default().provisioning,
            ),
            node_monitor_grace_period: self.positive_duration(
                "timings.nodeMonitorGracePeriod",
                raw_timings.and_then(|t| t.node_monitor_grace_period.as_deref()),
                Timings::default().node_monitor_grace_period,
            ),
            node_monitor_period: self.positive_duration(
                "timings.nodeMonitorPeriod",
                raw_timings.and_then(|t| t.node_monitor_period.as_deref()),
                Timings::default().node_monitor_period,
            ),
            default_toleration: seconds(self.int(
                "timings.defaultTolerationSeconds",
                raw_timings.and_then(|t| t.default_toleration_seconds),
                300,
                0,
                None,
            )),
            volume_attach: self.duration_or(
                "timings.volumeAttach",
                raw_timings.and_then(|t| t.volume_attach.as_deref()),
                Timings::default().volume_attach,
            ),
            volume_detach: self.duration_or(
                "timings.volumeDetach",
                raw_timings.and_then(|t| t.volume_detach.as_deref()),
                Timings::default().volume_detach,
            ),
            rollout_stuck_after: self.duration_or(
                "timings.rolloutStuckAfter",
                raw.timings.as_ref().and_then(|t| t.rollout_stuck_after.as_deref()),
                Timings::default().rollout_stuck_after,
            ),
        };
        let kubernetes = match raw.kubernetes_version.as_deref() {
            None => Version::DEFAULT,
            Some(text) => Version::parse(text).unwrap_or_else(|| {
                let message = format!(
                    "Invalid value: {text:?}: expected a Kubernetes release like \"1.36\" or \"1.35.2\""
                );
                self.report("invalid-value", "kubernetesVersion", message, None);
                Version::DEFAULT
            }),
        };
        let mut timings = timings;
        if raw_timings.and_then(|t| t.node_monitor_grace_period.as_ref()).is_none() && kubernetes.minor < 32 {
            // The default grace period was 40 s before 1.32 (k/k PR #126287).
            timings.node_monitor_grace_period = SimDuration::from_secs(40);
        }
        let expect = self.expectations(
            raw.expect.as_deref().unwrap_or_default(),
            raw_statefulsets,
            duration,
            raw.timeline.as_deref().unwrap_or_default(),
        );
        let operators = self.operators(raw.operators.as_deref().unwrap_or_default());
        let mut features = Features::for_version(kubernetes);
        for (gate, on) in raw.feature_gates.iter().flatten() {
            if KNOWN_GATES.contains(&gate.as_str()) {
                features = features.with_gate(gate, *on);
            } else {
                let message = format!("Invalid value: {gate:?}: unknown feature gate");
                let help = format!("the gates stsim models are: {}", list_names(KNOWN_GATES));
                self.report("invalid-value", &format!("featureGates.{gate}"), message, Some(help));
            }
        }
        Config {
            name: raw.name.clone(),
            description: raw.description.clone().unwrap_or_default(),
            seed: raw.seed.unwrap_or(0),
            duration: duration.unwrap_or(SimDuration::from_mins(60)),
            namespace,
            cluster_domain,
            dns,
            cluster,
            images,
            default_image: ImageBehaviour::Healthy,
            services,
            statefulsets,
            pod_disruption_budgets,
            timeline,
            timings,
            kubernetes,
            features,
            expect,
            triggers: std::mem::take(&mut self.triggers),
            operators,
        }
    }

    /// A duration that must be greater than zero.
    fn positive_duration(&mut self, path: &str, text: Option<&str>, default: SimDuration) -> SimDuration {
        let Some(text) = text else { return default };
        match self.duration(path, text) {
            Some(duration) if duration.is_zero() => {
                let message = format!("Invalid value: {text:?}: must be greater than 0");
                self.report("invalid-value", path, message, None);
                default
            }
            Some(duration) => duration,
            None => default,
        }
    }

    fn taint_effect(effect: raw::TaintEffect) -> TaintEffect {
        match effect {
            raw::TaintEffect::NoSchedule => TaintEffect::NoSchedule,
            raw::TaintEffect::PreferNoSchedule => TaintEffect::PreferNoSchedule,
            raw::TaintEffect::NoExecute => TaintEffect::NoExecute,
        }
    }

    fn taints(&mut self, base: &str, taints: &[raw::Taint]) -> Vec<Taint> {
        let mut out: Vec<Taint> = Vec::new();
        for (i, taint) in taints.iter().enumerate() {
            let path = format!("{base}[{i}]");
            if taint.key.is_empty() {
                self.report(
                    "invalid-value",
                    &format!("{path}.key"),
                    "Required value: a taint needs a key",
                    None,
                );
            }
            let taint = Taint {
                key: taint.key.clone(),
                value: taint.value.clone().unwrap_or_default(),
                effect: Self::taint_effect(taint.effect),
            };
            if out.iter().any(|t| t.key == taint.key && t.effect == taint.effect) {
                let message = format!(
                    "Duplicate value: \"{}:{}\": taints must be unique by key and effect",
                    taint.key,
                    taint.effect.as_str()
                );
                self.report("duplicate-name", &path, message, None);
            }
            out.push(taint);
        }
        out
    }

    fn node_failures(&mut self, raw: &raw::NodeFailures) -> NodeFailureConfig {
        let base = "cluster.nodeFailures";
        let day = SimDuration::from_mins(24 * 60);
        NodeFailureConfig {
            mean_time_between_failures: self.positive_duration(
                &format!("{base}.meanTimeBetweenFailures"),
                Some(&raw.mean_time_between_failures),
                day,
            ),
            mean_time_to_repair: self.positive_duration(
                &format!("{base}.meanTimeToRepair"),
                Some(&raw.mean_time_to_repair),
                day,
            ),
        }
    }

    fn pod_disruption_budgets(
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
            if budget.selector.is_empty() {
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
                selector: budget.selector.clone(),
                budget: budget_value.unwrap_or(DisruptionBudget::MaxUnavailable(IntOrPercent::Int(1))),
            });
        }
        self.unique("PodDisruptionBudget", &items);
        out
    }

    fn cluster(&mut self, raw: Option<&raw::Cluster>) -> ClusterConfig {
        let zones = match raw.and_then(|c| c.zones.as_ref()) {
            None => ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec(),
            Some(zones) => {
                if zones.is_empty() {
                    let help =
                        "nodes are spread over the zones; list at least one, like [\"zone-a\"]".to_string();
                    self.report(
                        "invalid-value",
                        "cluster.zones",
                        "Required value: at least one zone",
                        Some(help),
                    );
                }
                let mut items = Vec::new();
                for (i, zone) in zones.iter().enumerate() {
                    let path = format!("cluster.zones[{i}]");
                    if zone.is_empty() {
                        self.report(
                            "invalid-value",
                            &path,
                            "Required value: a zone name cannot be empty",
                            None,
                        );
                    }
                    items.push((path, zone.as_str()));
                }
                self.unique("zone", &items);
                zones.clone()
            }
        };
        let node_pools = match raw.and_then(|c| c.node_pools.as_ref()) {
            None => vec![NodePoolConfig {
                name: "worker".to_string(),
                count: 3,
                cpu_millis: 4_000,
                memory_bytes: 16 << 30,
                max_pods: 110,
                zones: Vec::new(),
                taints: Vec::new(),
                labels: Labels::new(),
            }],
            Some(pools) => {
                let mut items = Vec::new();
                let mut out = Vec::new();
                for (i, pool) in pools.iter().enumerate() {
                    let base = format!("cluster.nodePools[{i}]");
                    let name_path = format!("{base}.name");
                    self.dns_label(&name_path, &pool.name);
                    items.push((name_path, pool.name.as_str()));
                    out.push(NodePoolConfig {
                        name: pool.name.clone(),
                        count: self.int(&format!("{base}.count"), pool.count, 3, 0, None),
                        cpu_millis: self.cpu(&format!("{base}.cpu"), pool.cpu.as_deref(), 4_000),
                        memory_bytes: self.memory(
                            &format!("{base}.memory"),
                            pool.memory.as_deref(),
                            16 << 30,
                        ),
                        max_pods: self.int(&format!("{base}.maxPods"), pool.max_pods, 110, 0, None),
                        zones: self.pool_zones(&base, pool.zones.as_deref(), &zones),
                        taints: self
                            .taints(&format!("{base}.taints"), pool.taints.as_deref().unwrap_or_default()),
                        labels: pool.labels.clone().unwrap_or_default(),
                    });
                }
                self.unique("node pool", &items);
                out
            }
        };
        let storage_classes = match raw.and_then(|c| c.storage_classes.as_ref()) {
            None => vec![StorageClassConfig {
                name: "gp3".to_string(),
                provisioner: "ebs.csi.aws.com".to_string(),
                binding_mode: VolumeBindingMode::WaitForFirstConsumer,
                reclaim_policy: ReclaimPolicy::Delete,
                zonal: true,
                local: false,
                pricing: pricing::preset("aws-gp3").expect("a built-in preset"),
                iops: None,
                iops_per_gib: None,
                throughput_mibps: None,
                is_default: true,
            }],
            Some(classes) => self.storage_classes(classes),
        };
        let node_failures = raw.and_then(|c| c.node_failures.as_ref()).map(|f| self.node_failures(f));
        ClusterConfig { zones, node_failures, node_pools, storage_classes }
    }

    /// A pool's `zones`: each must be a cluster zone.
    fn pool_zones(&mut self, base: &str, zones: Option<&[String]>, cluster: &[String]) -> Vec<String> {
        let Some(zones) = zones else { return Vec::new() };
        let path = format!("{base}.zones");
        if zones.is_empty() {
            let help = "leave `zones` out to spread the pool over every zone".to_string();
            self.report("invalid-value", &path, "Required value: at least one zone", Some(help));
        }
        let known: Vec<&str> = cluster.iter().map(String::as_str).collect();
        let mut items = Vec::new();
        for (i, zone) in zones.iter().enumerate() {
            let zone_path = format!("{path}[{i}]");
            if !cluster.contains(zone) {
                let help = match suggest(zone, &known) {
                    Some(close) => format!("did you mean `{close}`? cluster zones: {}", list_names(&known)),
                    None => format!("cluster zones: {}", list_names(&known)),
                };
                let message = format!("Not found: {zone:?}: not one of `cluster.zones`");
                self.report("unknown-reference", &zone_path, message, Some(help));
            }
            items.push((zone_path, zone.as_str()));
        }
        self.unique("zone", &items);
        zones.to_vec()
    }

    fn storage_classes(&mut self, classes: &[raw::StorageClass]) -> Vec<StorageClassConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        let mut default_class: Option<&str> = None;
        for (i, class) in classes.iter().enumerate() {
            let base = format!("cluster.storageClasses[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &class.name);
            items.push((name_path, class.name.as_str()));
            let provisioner = class.provisioner.clone().unwrap_or_else(|| "ebs.csi.aws.com".to_string());
            let pricing = self.pricing(&base, class, &provisioner);
            let is_default = class.default.unwrap_or(false);
            if is_default {
                match default_class {
                    Some(first) => {
                        let message = format!(
                            "Invalid value: true: only one storage class can be the default, and {first:?} already is"
                        );
                        let help = "claims that name no class use the default one; mark at most one class `default: true`";
                        self.report(
                            "invalid-value",
                            &format!("{base}.default"),
                            message,
                            Some(help.to_string()),
                        );
                    }
                    None => default_class = Some(class.name.as_str()),
                }
            }
            let local = class.local.unwrap_or(false);
            if local && class.volume_binding_mode != Some(raw::VolumeBindingMode::WaitForFirstConsumer) {
                let help = "local volumes are made on the node chosen for the pod; add `volumeBindingMode: WaitForFirstConsumer`"
                    .to_string();
                let message =
                    "Invalid value: true: a local class needs volumeBindingMode WaitForFirstConsumer";
                self.report("invalid-value", &format!("{base}.local"), message, Some(help));
            }
            out.push(StorageClassConfig {
                name: class.name.clone(),
                provisioner,
                binding_mode: match class.volume_binding_mode.unwrap_or(raw::VolumeBindingMode::Immediate) {
                    raw::VolumeBindingMode::Immediate => VolumeBindingMode::Immediate,
                    raw::VolumeBindingMode::WaitForFirstConsumer => VolumeBindingMode::WaitForFirstConsumer,
                },
                reclaim_policy: match class.reclaim_policy.unwrap_or(raw::ReclaimPolicy::Delete) {
                    raw::ReclaimPolicy::Delete => ReclaimPolicy::Delete,
                    raw::ReclaimPolicy::Retain => ReclaimPolicy::Retain,
                },
                zonal: class.zonal.unwrap_or(true),
                local,
                pricing,
                iops: class.iops.map(|v| u64::from(self.int(&format!("{base}.iops"), Some(v), 0, 0, None))),
                iops_per_gib: class
                    .iops_per_gb
                    .map(|v| u64::from(self.int(&format!("{base}.iopsPerGB"), Some(v), 0, 0, None))),
                throughput_mibps: class
                    .throughput
                    .map(|v| u64::from(self.int(&format!("{base}.throughput"), Some(v), 0, 0, None))),
                is_default,
            });
        }
        self.unique("storage class", &items);
        out
    }

    /// A class's prices: a named preset, else the preset of its provisioner's
    /// usual default class; `usdPerGibMonth` replaces the per-GiB price.
    fn pricing(&mut self, base: &str, class: &raw::StorageClass, provisioner: &str) -> pricing::Pricing {
        let preset_name = match &class.pricing {
            Some(name) => Some(name.as_str()),
            None => match provisioner {
                "ebs.csi.aws.com" | "kubernetes.io/aws-ebs" => Some("aws-gp3"),
                "pd.csi.storage.gke.io" | "kubernetes.io/gce-pd" => Some("gcp-pd-balanced"),
                "disk.csi.azure.com" | "kubernetes.io/azure-disk" => Some("azure-standard-ssd"),
                _ => None,
            },
        };
        let preset = preset_name.and_then(|name| {
            let found = pricing::preset(name);
            if found.is_none() {
                let message = format!("Invalid value: {name:?}: no such price preset");
                let help = format!("the presets are: {}", list_names(pricing::PRESETS));
                self.report("invalid-value", &format!("{base}.pricing"), message, Some(help));
            }
            found
        });
        let per_gib = class.usd_per_gib_month.and_then(|price| {
            // f64's Display is the shortest text that reads back as the same
            // number, so `0.08` stays exactly 0.08 here.
            let money = pricing::Money::from_dollars(&price.to_string());
            if money.is_none() {
                let message = format!(
                    "Invalid value: {price}: must be a dollar amount, 0 or more, with at most 6 decimals"
                );
                self.report("invalid-value", &format!("{base}.usdPerGibMonth"), message, None);
            }
            money
        });
        if class.local == Some(true) && class.pricing.is_none() && per_gib.is_none() {
            // A node's own disk is paid for with the node, not by the GiB.
            return pricing::Pricing {
                priced_at: "a node's local disk, paid for with the node".into(),
                ..pricing::Pricing::per_gib(pricing::Money::ZERO)
            };
        }
        match (preset, per_gib) {
            (Some(preset), Some(price)) => pricing::Pricing { per_gib_month: price, ..preset },
            (Some(preset), None) => preset,
            (None, Some(price)) => pricing::Pricing::per_gib(price),
            (None, None) => {
                if class.pricing.is_none() {
                    let message = format!("Required value: no price for provisioner {provisioner:?}");
                    let help = format!(
                        "set `usdPerGibMonth`, or `pricing` to one of: {}",
                        list_names(pricing::PRESETS)
                    );
                    self.report("invalid-value", base, message, Some(help));
                }
                pricing::Pricing::per_gib(pricing::Money::ZERO)
            }
        }
    }

    fn images(&mut self, images: &[raw::Image]) -> Vec<ImageConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let base = format!("images[{i}]");
            let name_path = format!("{base}.name");
            if image.name.is_empty() {
                self.report("invalid-value", &name_path, "Required value: an image name is required", None);
            }
            items.push((name_path, image.name.as_str()));
            let behaviour = match image.behaviour.unwrap_or(raw::ImageBehaviour::Healthy) {
                raw::ImageBehaviour::Healthy => ImageBehaviour::Healthy,
                raw::ImageBehaviour::NeverReady => ImageBehaviour::NeverReady,
                raw::ImageBehaviour::CrashLoop => ImageBehaviour::CrashLoop,
                raw::ImageBehaviour::PullFails => ImageBehaviour::PullFails,
            };
            let defaults = ImageConfig::default_for(&image.name, behaviour);
            out.push(ImageConfig {
                pull: self.duration_or(&format!("{base}.pull"), image.pull.as_deref(), defaults.pull),
                startup: self.duration_or(
                    &format!("{base}.startup"),
                    image.startup.as_deref(),
                    defaults.startup,
                ),
                shutdown: self.duration_or(
                    &format!("{base}.shutdown"),
                    image.shutdown.as_deref(),
                    defaults.shutdown,
                ),
                ..defaults
            });
        }
        self.unique("image", &items);
        out
    }

    fn services(&mut self, services: &[raw::Service]) -> Vec<ServiceConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, service) in services.iter().enumerate() {
            let base = format!("services[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &service.name);
            items.push((name_path, service.name.as_str()));
            if service.selector.is_empty() {
                let help =
                    "the selector picks the pods the service covers, like {\"app\": \"redis\"}".to_string();
                self.report(
                    "invalid-value",
                    &format!("{base}.selector"),
                    "Required value: a selector needs at least one label",
                    Some(help),
                );
            }
            let mut ports = Vec::new();
            for (j, port) in service.ports.as_deref().unwrap_or_default().iter().enumerate() {
                let number = match u16::try_from(port.port) {
                    Ok(number) if number >= 1 => number,
                    _ => {
                        let message =
                            format!("Invalid value: {}: must be between 1 and 65535, inclusive", port.port);
                        self.report("invalid-value", &format!("{base}.ports[{j}].port"), message, None);
                        1
                    }
                };
                ports.push(ServicePort { name: port.name.clone().unwrap_or_default(), port: number });
            }
            out.push(ServiceConfig {
                name: service.name.clone(),
                headless: service.cluster_ip.as_deref().unwrap_or("None") == "None",
                selector: service.selector.clone(),
                publish_not_ready_addresses: service.publish_not_ready_addresses.unwrap_or(false),
                ports,
            });
        }
        self.unique("service", &items);
        out
    }

    fn statefulsets(
        &mut self,
        sets: &[raw::StatefulSet],
        services: &[ServiceConfig],
        classes: &[StorageClassConfig],
    ) -> Vec<StatefulSetConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, set) in sets.iter().enumerate() {
            let base = format!("statefulsets[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &set.name);
            items.push((name_path, set.name.as_str()));
            self.service_reference(&format!("{base}.serviceName"), &set.service_name, services);
            let replicas_help = Some("replicas is the desired number of pods; use 0 to stop them all");
            let replicas = self.int(&format!("{base}.replicas"), set.replicas, 1, 0, replicas_help);
            let template = self.template(&format!("{base}.template"), &set.name, &set.template);
            let selector = self.selector(&base, set.selector.as_ref(), &template.labels);
            let update_strategy = match &set.update_strategy {
                None => UpdateStrategy::RollingUpdate { partition: 0, max_unavailable: None },
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
                    classes,
                ),
            };
            let app = set.app.as_ref().map(|app| self.app(&format!("{base}.app"), app, &spec));
            out.push(StatefulSetConfig { name: set.name.clone(), app, spec });
        }
        self.unique("StatefulSet", &items);
        out
    }

    /// Cluster DNS caching: `dns: (cache: "30s", ttl: "5s")`.
    fn dns(&mut self, raw: Option<&raw::Dns>) -> DnsConfig {
        let defaults = DnsConfig::default();
        DnsConfig {
            cache_max_ttl: self.duration_or(
                "dns.cache",
                raw.and_then(|d| d.cache.as_deref()),
                defaults.cache_max_ttl,
            ),
            record_ttl: self.duration_or("dns.ttl", raw.and_then(|d| d.ttl.as_deref()), defaults.record_ttl),
        }
    }

    /// A StatefulSet's application, with stsim's defaults filled in.
    fn app(&mut self, path: &str, raw: &raw::App, spec: &StatefulSetSpec) -> AppConfig {
        let mut peer_timeout = None;
        let (kind, addressing, readiness, catch_up, stale_after, form_timeout) = match raw {
            raw::App::PrimaryReplica {
                addressing,
                bootstrap,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                peer_timeout: timeout,
            } => {
                peer_timeout = timeout.as_deref();
                let bootstrap = match bootstrap.unwrap_or(raw::Bootstrap::AnyMember) {
                    raw::Bootstrap::AnyMember => Bootstrap::AnyMember,
                    raw::Bootstrap::OrdinalZero => Bootstrap::OrdinalZero,
                };
                (
                    AppKind::PrimaryReplica { bootstrap },
                    addressing,
                    readiness,
                    catch_up,
                    stale_after,
                    form_timeout,
                )
            }
            raw::App::Quorum {
                system,
                addressing,
                remove_on_scale_down,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
            } => {
                let system = match system.unwrap_or(raw::QuorumSystem::Etcd) {
                    raw::QuorumSystem::Etcd => QuorumSystem::Etcd,
                    raw::QuorumSystem::ZooKeeper => QuorumSystem::ZooKeeper,
                };
                let kind =
                    AppKind::Quorum { system, remove_on_scale_down: remove_on_scale_down.unwrap_or(false) };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::RedisSentinel {
                addressing,
                down_after,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                peer_timeout: timeout,
            } => {
                peer_timeout = timeout.as_deref();
                // The Bitnami chart's sentinel.downAfterMilliseconds (sentinel.conf's example has 30 s).
                let down_after = self.duration_or(
                    &format!("{path}.downAfter"),
                    down_after.as_deref(),
                    SimDuration::from_secs(60),
                );
                let kind = AppKind::RedisSentinel { down_after };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::Cassandra {
                seeds,
                replication_factor,
                addressing,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
            } => {
                let mut ordinals = Vec::new();
                for (i, seed) in seeds.clone().unwrap_or_else(|| vec![0]).iter().enumerate() {
                    let seed_path = format!("{path}.seeds[{i}]");
                    let ordinal = self.int(&seed_path, Some(*seed), 0, 0, None);
                    let range = spec.ordinals_start..spec.ordinals_start + spec.replicas;
                    if !range.contains(&ordinal) {
                        let message = format!(
                            "Invalid value: {seed}: a seed is an ordinal of the StatefulSet, from {} to {}",
                            range.start,
                            range.end.saturating_sub(1)
                        );
                        self.report("invalid-value", &seed_path, message, None);
                    }
                    ordinals.push(ordinal);
                }
                if ordinals.is_empty() {
                    let message = "Required value: at least one seed".to_string();
                    self.report("invalid-value", &format!("{path}.seeds"), message, None);
                }
                let replication_factor =
                    self.int(&format!("{path}.replicationFactor"), *replication_factor, 3, 1, None);
                let kind = AppKind::Cassandra { seeds: ordinals, replication_factor };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::Kafka {
                controllers,
                replication_factor,
                min_insync_replicas,
                fixed_cluster_id,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
            } => {
                let controllers = self.int(&format!("{path}.controllers"), *controllers, 3, 1, None);
                let replication_factor =
                    self.int(&format!("{path}.replicationFactor"), *replication_factor, 3, 1, None);
                let min_insync =
                    self.int(&format!("{path}.minInsyncReplicas"), *min_insync_replicas, 2, 1, None);
                if min_insync > replication_factor {
                    let message = format!(
                        "Invalid value: {min_insync}: min.insync.replicas cannot exceed replicationFactor \
                         ({replication_factor}), or no partition would ever take acks=all writes"
                    );
                    self.report("invalid-value", &format!("{path}.minInsyncReplicas"), message, None);
                }
                let kind = AppKind::Kafka {
                    controllers,
                    replication_factor,
                    min_insync_replicas: min_insync,
                    fixed_cluster_id: fixed_cluster_id.unwrap_or(false),
                };
                // Brokers register their current address at every start.
                (kind, &None, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::RedisCluster {
                addressing,
                replicas_per_master,
                node_timeout,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
            } => {
                let per_master =
                    self.int(&format!("{path}.replicasPerMaster"), *replicas_per_master, 1, 0, None);
                let masters = spec.replicas / (1 + per_master);
                if masters < 3 {
                    let message = format!(
                        "Invalid value: {per_master}: Redis Cluster needs at least 3 masters, and {} replicas with \
                         {per_master} replicas per master give {masters}",
                        spec.replicas
                    );
                    let help = format!("use at least {} replicas", 3 * (1 + per_master));
                    self.report("invalid-value", &format!("{path}.replicasPerMaster"), message, Some(help));
                }
                let node_timeout = self.duration_or(
                    &format!("{path}.nodeTimeout"),
                    node_timeout.as_deref(),
                    SimDuration::from_secs(15),
                );
                let kind = AppKind::RedisCluster { replicas_per_master: per_master, node_timeout };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
        };
        // Redis Cluster's nodes.conf and Sentinel store IPs unless told to use hostnames.
        let fallback = match raw {
            raw::App::RedisCluster { .. } | raw::App::RedisSentinel { .. } => raw::Addressing::Ip,
            _ => raw::Addressing::Dns,
        };
        let mut app = AppConfig::new(
            kind,
            match addressing.unwrap_or(fallback) {
                raw::Addressing::Dns => Addressing::Dns,
                raw::Addressing::Ip => Addressing::Ip,
            },
        );
        if readiness == &Some(raw::AppReadiness::Joined) {
            app.readiness = AppReadiness::Joined;
            if spec.template.readiness_probe.is_none() {
                let message =
                    "Invalid value: Joined: readiness Joined needs a readinessProbe in the template"
                        .to_string();
                let help =
                    "add `readinessProbe: ()` to the template; the probe passes once the member has joined";
                self.report("invalid-value", &format!("{path}.readiness"), message, Some(help.to_string()));
            }
        }
        app.catch_up = self.duration_or(&format!("{path}.catchUp"), catch_up.as_deref(), app.catch_up);
        app.stale_after =
            self.duration_or(&format!("{path}.staleAfter"), stale_after.as_deref(), app.stale_after);
        app.form_timeout =
            self.duration_or(&format!("{path}.formTimeout"), form_timeout.as_deref(), app.form_timeout);
        app.peer_timeout = self.duration_or(&format!("{path}.peerTimeout"), peer_timeout, app.peer_timeout);
        app
    }

    fn service_reference(&mut self, path: &str, name: &str, services: &[ServiceConfig]) {
        if services.iter().any(|s| s.name == name) {
            return;
        }
        let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
        let help = match (suggest(name, &names), names.is_empty()) {
            (_, true) => "no services are declared; add a headless service under `services` and name it here"
                .to_string(),
            (Some(close), _) => format!("did you mean `{close}`? declared services: {}", list_names(&names)),
            (None, _) => format!("declared services: {}", list_names(&names)),
        };
        self.report(
            "unknown-reference",
            path,
            format!("Not found: {name:?}: no service has this name"),
            Some(help),
        );
    }

    fn selector(&mut self, base: &str, selector: Option<&Labels>, labels: &Labels) -> Labels {
        let Some(selector) = selector else {
            return labels.clone();
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
            return selector.clone();
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
            let message = format!(
                "Invalid value: {}: `selector` does not match template `labels`",
                show_labels(labels)
            );
            self.report("invalid-value", &path, message, Some(help));
            break;
        }
        selector.clone()
    }

    fn requests(&mut self, path: &str, resources: Option<&raw::Resources>) -> Resources {
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

    fn probe(&mut self, path: &str, probe: &raw::Probe) -> Probe {
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
        }
    }

    fn update_strategy(&mut self, path: &str, strategy: &raw::UpdateStrategy) -> UpdateStrategy {
        match strategy {
            raw::UpdateStrategy::OnDelete => UpdateStrategy::OnDelete,
            raw::UpdateStrategy::RollingUpdate { partition, max_unavailable } => {
                let help =
                    Some("pods with an ordinal at or above the partition are updated; 0 updates them all");
                let partition = self.int(&format!("{path}.partition"), *partition, 0, 0, help);
                let max_unavailable = max_unavailable
                    .as_ref()
                    .and_then(|m| self.int_or_percent(&format!("{path}.maxUnavailable"), m));
                UpdateStrategy::RollingUpdate { partition, max_unavailable }
            }
        }
    }

    /// `maxUnavailable`: an integer of at least 1, or a percentage like "50%".
    fn int_or_percent(&mut self, path: &str, value: &raw::IntOrString) -> Option<IntOrPercent> {
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

    fn template(&mut self, base: &str, set_name: &str, template: &raw::PodTemplate) -> PodTemplate {
        if template.image.is_empty() {
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
        let grace = self.int(
            &format!("{base}.terminationGracePeriodSeconds"),
            template.termination_grace_period_seconds,
            30,
            0,
            None,
        );
        let labels = template
            .labels
            .clone()
            .unwrap_or_else(|| Labels::from([("app".to_string(), set_name.to_string())]));
        PodTemplate {
            labels,
            image: template.image.clone(),
            requests,
            readiness_probe,
            termination_grace_period: seconds(grace),
            node_selector: template.node_selector.clone().unwrap_or_default(),
            affinity: template
                .affinity
                .as_ref()
                .map(|a| self.affinity(&format!("{base}.affinity"), a))
                .unwrap_or_default(),
            tolerations: self.tolerations(
                &format!("{base}.tolerations"),
                template.tolerations.as_deref().unwrap_or_default(),
            ),
        }
    }

    /// A weight of 1 to 100, as Kubernetes requires of preferred terms.
    fn weight(&mut self, path: &str, weight: i64) -> u32 {
        if !(1..=100).contains(&weight) {
            let message = format!("Invalid value: {weight}: must be in the range 1-100");
            self.report("invalid-value", path, message, None);
            return 1;
        }
        weight as u32
    }

    fn node_selector_term(&mut self, path: &str, term: &raw::NodeSelectorTerm) -> NodeSelectorTerm {
        let expressions = term.match_expressions.as_deref().unwrap_or_default();
        if expressions.is_empty() {
            let help = "an empty term matches no node; give `matchExpressions: [(key: ..., operator: In, values: [...])]`";
            self.report(
                "invalid-value",
                path,
                "Required value: must have at least one node selector requirement",
                Some(help.to_string()),
            );
        }
        let mut out = Vec::new();
        for (i, requirement) in expressions.iter().enumerate() {
            let at = format!("{path}.matchExpressions[{i}]");
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
            };
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
        NodeSelectorTerm { match_expressions: out }
    }

    fn pod_affinity_term(&mut self, path: &str, term: &raw::PodAffinityTerm) -> PodAffinityTerm {
        if term.topology_key.is_empty() {
            let help =
                "the domain of the rule, like \"kubernetes.io/hostname\" or \"topology.kubernetes.io/zone\"";
            self.report(
                "invalid-value",
                &format!("{path}.topologyKey"),
                "Required value: can not be empty",
                Some(help.to_string()),
            );
        }
        PodAffinityTerm {
            label_selector: term.label_selector.match_labels.clone().unwrap_or_default(),
            topology_key: term.topology_key.clone(),
        }
    }

    fn affinity(&mut self, base: &str, affinity: &raw::Affinity) -> Affinity {
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
        out
    }

    /// Tolerations, with the API server's validation rules.
    fn tolerations(&mut self, base: &str, tolerations: &[raw::Toleration]) -> Vec<Toleration> {
        let mut out = Vec::new();
        for (i, toleration) in tolerations.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let key = toleration.key.clone().unwrap_or_default();
            let value = toleration.value.clone().unwrap_or_default();
            let operator = match toleration.operator.unwrap_or(raw::TolerationOperator::Equal) {
                raw::TolerationOperator::Equal => TolerationOperator::Equal,
                raw::TolerationOperator::Exists => TolerationOperator::Exists,
            };
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

    fn claims(
        &mut self,
        base: &str,
        claims: &[raw::VolumeClaimTemplate],
        classes: &[StorageClassConfig],
    ) -> Vec<VolumeClaimTemplate> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        let class_names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        for (i, claim) in claims.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let name_path = format!("{path}.name");
            self.dns_label(&name_path, &claim.name);
            items.push((name_path, claim.name.as_str()));
            let storage_path = format!("{path}.storage");
            let storage_bytes = self.memory(&storage_path, Some(&claim.storage), 1);
            if storage_bytes == 0 {
                let message = format!("Invalid value: {:?}: must be greater than zero", claim.storage);
                self.report("invalid-value", &storage_path, message, Some(MEMORY_HELP.to_string()));
            }
            match &claim.storage_class_name {
                Some(class) if !class_names.contains(&class.as_str()) => {
                    let help = match suggest(class, &class_names) {
                        _ if class_names.is_empty() => {
                            "no storage classes are declared under `cluster.storageClasses`".to_string()
                        }
                        Some(close) => format!(
                            "did you mean `{close}`? declared storage classes: {}",
                            list_names(&class_names)
                        ),
                        None => format!("declared storage classes: {}", list_names(&class_names)),
                    };
                    let message = format!("Not found: {class:?}: no storage class has this name");
                    self.report(
                        "unknown-reference",
                        &format!("{path}.storageClassName"),
                        message,
                        Some(help),
                    );
                }
                Some(_) => {}
                None if !classes.iter().any(|c| c.is_default) => {
                    let help =
                        "name a class with `storageClassName`, or mark one class `default: true`".to_string();
                    let message = "Required value: no storageClassName, and no storage class is the default";
                    self.report("unknown-reference", &path, message, Some(help));
                }
                None => {}
            }
            let access_modes = match &claim.access_modes {
                None => vec![AccessMode::ReadWriteOnce],
                Some(modes) => {
                    if modes.is_empty() {
                        let message = "Required value: at least 1 access mode is required";
                        self.report("invalid-value", &format!("{path}.accessModes"), message, None);
                    }
                    modes
                        .iter()
                        .map(|m| match m {
                            raw::AccessMode::ReadWriteOnce => AccessMode::ReadWriteOnce,
                            raw::AccessMode::ReadOnlyMany => AccessMode::ReadOnlyMany,
                            raw::AccessMode::ReadWriteMany => AccessMode::ReadWriteMany,
                            raw::AccessMode::ReadWriteOncePod => AccessMode::ReadWriteOncePod,
                        })
                        .collect()
                }
            };
            out.push(VolumeClaimTemplate {
                name: claim.name.clone(),
                storage_bytes,
                storage_class: claim.storage_class_name.clone(),
                access_modes,
            });
        }
        self.unique("volume claim template", &items);
        out
    }

    fn statefulset_reference(
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
    fn pod(&mut self, path: &str, pod: &str, sets: &[raw::StatefulSet]) -> Option<PodRef> {
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

    /// Validates `operators`.
    fn operators(&mut self, entries: &[raw::OperatorEntry]) -> Vec<OperatorConfig> {
        let mut out = Vec::new();
        let workdir = std::path::Path::new(self.file)
            .parent()
            .map(|p| p.display().to_string())
            .filter(|p| !p.is_empty());
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("operators[{i}]");
            let after = |checker: &mut Self, text: &str| {
                checker.duration(&format!("{path}.operator.after"), text).unwrap_or(SimDuration::ZERO)
            };
            let kind = match &entry.operator {
                raw::OperatorKind::PvcCleanup { after: a } => {
                    OperatorKind::PvcCleanup { after: after(self, a) }
                }
                raw::OperatorKind::NaivePvcCleanup { after: a } => {
                    OperatorKind::NaivePvcCleanup { after: after(self, a) }
                }
                raw::OperatorKind::ForceDeleteUnreachable { after: a } => {
                    OperatorKind::ForceDeleteUnreachable { after: after(self, a) }
                }
                raw::OperatorKind::Failover { after: a } => OperatorKind::Failover { after: after(self, a) },
                raw::OperatorKind::External { name, command, timeout } => {
                    if command.is_empty() {
                        let message = "Required value: the command to start, like [\"python3\", \"op.py\"]";
                        self.report("invalid-value", &format!("{path}.operator.command"), message, None);
                    }
                    self.dns_label(&format!("{path}.operator.name"), name);
                    OperatorKind::External {
                        name: name.clone(),
                        command: command.clone(),
                        timeout: self.duration_or(
                            &format!("{path}.operator.timeout"),
                            timeout.as_deref(),
                            SimDuration::from_secs(5),
                        ),
                        workdir: workdir.clone(),
                    }
                }
            };
            let probability = |checker: &mut Self, field: &str, value: Option<f64>| {
                let Some(value) = value else { return 0 };
                if !(0.0..=1.0).contains(&value) {
                    let message = format!("Invalid value: {value}: a probability from 0 to 1");
                    checker.report("invalid-value", &format!("{path}.faults.{field}"), message, None);
                    return 0;
                }
                (value * 1_000_000.0).round() as u32
            };
            let faults = entry.faults.as_ref();
            let faults = OperatorFaults {
                drop_events_ppm: probability(self, "dropEvents", faults.and_then(|f| f.drop_events)),
                coalesce: faults.and_then(|f| f.coalesce).unwrap_or(false),
                lag: self.duration_or(
                    &format!("{path}.faults.lag"),
                    faults.and_then(|f| f.lag.as_deref()),
                    SimDuration::ZERO,
                ),
                restart_between_writes_ppm: probability(
                    self,
                    "restartBetweenWrites",
                    faults.and_then(|f| f.restart_between_writes),
                ),
            };
            let reconcile_delay = self.duration_or(
                &format!("{path}.reconcileDelay"),
                entry.reconcile_delay.as_deref(),
                SimDuration::ZERO,
            );
            out.push(OperatorConfig { kind, reconcile_delay, faults });
        }
        out
    }

    /// A pod named in an expectation: of a declared StatefulSet, or of the
    /// new name a `RenameStatefulSet` gives one.
    fn expected_pod(&mut self, path: &str, pod: &str, sets: &[raw::StatefulSet], renamed: &[&str]) -> bool {
        if let Some((parent, ordinal)) = pod.rsplit_once('-')
            && renamed.contains(&parent)
            && ordinal.parse::<u32>().is_ok()
        {
            return true;
        }
        self.pod(path, pod, sets).is_some()
    }

    /// Validates `expect`: names resolve, times fall inside the run.
    fn expectations(
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
                raw::Expect::NeverBroken { app } => self
                    .app_reference(&format!("{path}.app"), app, sets)
                    .map(|app| Expectation::NeverBroken { app }),
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

    /// Resolves the `node` field of an action to the node's id.
    fn node(&mut self, do_path: &str, name: &str, names: &[String]) -> Option<usize> {
        if let Some(index) = names.iter().position(|n| n == name) {
            return Some(index);
        }
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        let help = match suggest(name, &known) {
            _ if known.is_empty() => "the cluster has no nodes; declare `cluster.nodePools`".to_string(),
            Some(close) => format!("did you mean `{close}`? nodes: {}", list_names(&known)),
            None => format!(
                "nodes are named `<pool>-<n>` from 1, and `AddNode` adds the next of its pool; nodes: {}",
                list_names(&known)
            ),
        };
        let message = format!("Not found: {name:?}: no node has this name");
        self.report("unknown-reference", &format!("{do_path}.node"), message, Some(help));
        None
    }

    /// An application, named by its StatefulSet, which must declare an `app`.
    fn app_reference(&mut self, path: &str, name: &str, sets: &[raw::StatefulSet]) -> Option<usize> {
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
    fn set_index(&mut self, do_path: &str, name: &str, sets: &[raw::StatefulSet]) -> Option<usize> {
        self.statefulset_reference(&format!("{do_path}.statefulset"), name, sets, name)
    }

    fn timeline(
        &mut self,
        entries: &[raw::TimelineEntry],
        sets: &[raw::StatefulSet],
        horizon: Option<SimDuration>,
        classes: &[StorageClassConfig],
        cluster: &ClusterConfig,
    ) -> Vec<TimelineEntry> {
        let node_names = node_names(entries, cluster);
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
                raw::Action::DeletePod { pod } => {
                    self.pod(&format!("{do_path}.pod"), pod, sets).map(|pod| Action::DeletePod { pod })
                }
                raw::Action::ForceDeletePod { pod } => {
                    self.pod(&format!("{do_path}.pod"), pod, sets).map(|pod| Action::ForceDeletePod { pod })
                }
                raw::Action::CrashNode { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::CrashNode { node })
                }
                raw::Action::PartitionNode { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::PartitionNode { node })
                }
                raw::Action::RecoverNode { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::RecoverNode { node })
                }
                raw::Action::DrainNode { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::DrainNode { node })
                }
                raw::Action::Cordon { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::Cordon { node })
                }
                raw::Action::Uncordon { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::Uncordon { node })
                }
                raw::Action::DeleteNode { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::DeleteNode { node })
                }
                raw::Action::TaintOutOfService { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::TaintOutOfService { node })
                }
                raw::Action::UntaintOutOfService { node } => {
                    self.node(&do_path, node, &node_names).map(|node| Action::UntaintOutOfService { node })
                }
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
                raw::Action::SetReady { pod: name, ready } => {
                    let pod = self.pod(&format!("{do_path}.pod"), name, sets);
                    if let Some(pod) = pod {
                        let set = &sets[pod.statefulset];
                        if set.template.readiness_probe.is_none() {
                            let message = format!(
                                "Invalid value: {name:?}: SetReady needs a readinessProbe, and StatefulSet `{}` has none",
                                set.name
                            );
                            let help = format!(
                                "add a readinessProbe to the template of `{}`; SetReady makes the probe pass or fail",
                                set.name
                            );
                            self.report("invalid-value", &do_path, message, Some(help));
                        }
                    }
                    pod.map(|pod| Action::SetReady { pod, ready: *ready })
                }
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
                raw::Action::PatchTemplate { statefulset, template } => {
                    let index = self.set_index(&do_path, statefulset, sets);
                    let path = format!("{do_path}.template");
                    let patch = TemplatePatch {
                        image: template.image.clone(),
                        labels: template.labels.clone(),
                        requests: template
                            .resources
                            .as_ref()
                            .map(|r| self.requests(&format!("{path}.resources.requests"), Some(r))),
                        readiness_probe: template
                            .readiness_probe
                            .as_ref()
                            .map(|p| Some(self.probe(&format!("{path}.readinessProbe"), p))),
                        termination_grace_period: template.termination_grace_period_seconds.map(|g| {
                            seconds(self.int(
                                &format!("{path}.terminationGracePeriodSeconds"),
                                Some(g),
                                30,
                                0,
                                None,
                            ))
                        }),
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
                    };
                    index.map(|statefulset| Action::DeleteStatefulSet { statefulset, cascade })
                }
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
                raw::Action::DeleteService { service } => {
                    self.dns_label(&format!("{do_path}.service"), service);
                    Some(Action::DeleteService { service: service.clone() })
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
                        selector: selector.clone(),
                        pod_management_policy: pod_management_policy.map(|p| match p {
                            raw::PodManagementPolicy::OrderedReady => PodManagementPolicy::OrderedReady,
                            raw::PodManagementPolicy::Parallel => PodManagementPolicy::Parallel,
                        }),
                        volume_claim_templates: volume_claim_templates.as_ref().map(|claims| {
                            self.claims(&format!("{do_path}.volumeClaimTemplates"), claims, classes)
                        }),
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
fn node_names(entries: &[raw::TimelineEntry], cluster: &ClusterConfig) -> Vec<String> {
    let mut names = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for pool in &cluster.node_pools {
        for n in 0..pool.count {
            names.push(format!("{}-{}", pool.name, n + 1));
        }
        counts.push(pool.count);
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
    for (_, pool) in added {
        counts[pool] += 1;
        names.push(format!("{}-{}", cluster.node_pools[pool].name, counts[pool]));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for good in ["a", "redis", "redis-0", "0abc", "a-b-c"] {
            assert!(is_dns_label(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Redis", "a_b", "a.b", "é"] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert_eq!(as_dns_label("My_Redis!"), "my-redis");
        assert_eq!(as_dns_label("--"), "");
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("replica", "replicas"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(suggest("redis-sv", &["redis-svc", "web"]), Some("redis-svc"));
        assert_eq!(suggest("zzz", &["redis-svc", "web"]), None);
    }
}
