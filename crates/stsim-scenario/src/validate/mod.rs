//! From the file as written to the validated `Config`: meaning and rules.
//!
//! Owns everything serde cannot check: parsing durations and quantities,
//! integer ranges, DNS-label names and their uniqueness, references between
//! objects (the timeline's StatefulSets, pods and nodes; a service or storage
//! class named by a StatefulSet is not required to exist, as the API server
//! does not require it), keys repeated in a map, the selector/labels rule,
//! and every default. Each
//! problem becomes a `Diagnostic` named by the path of the offending value
//! and placed by `locate`; checking goes on after an error so that one run
//! reports them all. Messages follow Kubernetes' wording where Kubernetes has
//! the same rule (`Invalid value: -1: must be greater than or equal to 0`).
//! Does not own the file's syntax or shape: that is `raw` and ron.
//!
//! The modules follow the input's sections: `cluster`, `workloads` (with the
//! pod template in `pod` and a set's application in `apps`), `timeline`,
//! `expectations` and `operators`, with the storage that exists from the
//! start in `storage`. This module holds the shared checks (names,
//! durations, quantities, integers) and the scenario as a whole.

mod apps;
mod cluster;
mod custom;
mod expectations;
mod limits;
mod operators;
mod pod;
mod storage;
mod teaching;
mod timeline;
mod workloads;

use crate::diagnostic::Diagnostic;
use crate::limits::Limits;
use crate::locate::{Locator, Place};
use crate::quantity::{parse_cpu, parse_quantity};
use crate::raw;
pub(crate) use limits::at_most_shown;
use std::collections::BTreeMap;
use stsim_core::config::*;
use stsim_core::features::{Features, GATE_LIVES, GateRefusal, Version, check_gate};
use stsim_core::pricing;
use stsim_core::time::{SimDuration, SimTime};

/// Kubernetes' int32 fields top out here.
const INT32_MAX: i64 = i32::MAX as i64;

const DURATION_HELP: &str = "a duration is whole numbers with units d, h, m, s or ms, largest first, like \"90s\", \"1m30s\" or \"500ms\"";
const MEMORY_HELP: &str =
    "memory and storage are bytes with an optional suffix, like \"512Mi\", \"10Gi\" or \"1G\"";
const CPU_HELP: &str = "CPU is in cores, like \"2\" or \"0.5\", or in millicores, like \"500m\"";
pub(crate) const DNS_LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', \
     and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', \
     regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/// What to do about a Service with a cluster IP and no ports
/// (`ValidateService`'s `spec.ports: Required value`).
pub(crate) const PORTS_HELP: &str = "list the ports it forwards (`ports: [{port: 5432}]`), or make it headless \
     (`clusterIP: None`) as a StatefulSet's governing Service usually is";

pub(crate) const DNS_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
     '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', \
     regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Where the values of a `raw::Scenario` were written: the RON scenario's
/// `Locator`, or the manifest front end's map from paths to YAML places.
pub(crate) trait Find {
    /// The place of the value at `path` (or of its nearest written parent).
    fn find(&self, path: &str) -> Place;
    /// The file the value at `path` is in, when not the scenario file itself.
    fn file_of(&self, _path: &str) -> Option<String> {
        None
    }
    /// How the value at `path` is named in messages.
    fn show(&self, path: &str) -> String {
        path.to_string()
    }
    /// The field at `path` as its file names it (a manifest's
    /// `spec.template.spec.containers[0].name`), without its object.
    fn field(&self, path: &str) -> String {
        path.to_string()
    }
    /// The object a manifest's value at `path` is in (`StatefulSet "redis"`).
    fn object(&self, _path: &str) -> Option<String> {
        None
    }
    /// Keys written twice in one map: the map's path, the key, where the
    /// repeat is and where the first is. A manifest's YAML parser refuses
    /// these itself, so only the RON locator finds any.
    fn repeated_map_keys(&self) -> Vec<(String, String, Place, Place)> {
        Vec::new()
    }
}

impl Find for Locator<'_> {
    fn find(&self, path: &str) -> Place {
        Locator::find(self, path)
    }
    fn repeated_map_keys(&self) -> Vec<(String, String, Place, Place)> {
        Locator::repeated_map_keys(self)
    }
}

/// The teaching metadata of `raw`, or every problem found in it.
pub(crate) fn teaching(
    raw: &raw::Scenario,
    locator: &Locator<'_>,
    file: &str,
) -> Result<crate::teaching::Teaching, Vec<Diagnostic>> {
    let mut checker = Checker::new(locator, file, Limits::DEFAULT);
    let teaching = checker.teaching(raw);
    if checker.diagnostics.is_empty() { Ok(teaching) } else { Err(checker.diagnostics) }
}

pub(crate) use limits::over_limits;
pub(crate) use pod::pod_template;

/// Checks `raw` and builds the `Config`, or returns every problem found,
/// sorted by line and column. With the config come the errors of
/// manifests' StatefulSets' pod templates that each pod's create meets
/// instead, under a release before 1.34 (`Checker::deferred`).
pub(crate) fn validate(
    raw: &raw::Scenario,
    locator: &dyn Find,
    file: &str,
    limits: &Limits,
) -> Result<(Config, Vec<crate::manifest::Deferred>), Vec<Diagnostic>> {
    let mut checker = Checker::new(locator, file, *limits);
    let config = checker.scenario(raw);
    checker.within_limits(raw, &config);
    checker.failure_domains(&config);
    checker.repeated_map_keys();
    if checker.diagnostics.is_empty() {
        Ok((config, checker.deferred))
    } else {
        let mut diagnostics = checker.diagnostics;
        // A story around manifests (`manifest::story`) writes values in no
        // file (line 0), each derived from one the manifests wrote: a scale
        // back to the set's replicas, its first pod's name, the scenario's
        // name. When a value written in a file is refused too, those are
        // its echoes ("timeline[2].do.replicas: 99999" for `replicas:
        // 2147483648`), and are left out; alone, they are shown.
        if diagnostics.iter().any(|d| d.line > 0) {
            diagnostics.retain(|d| d.line > 0);
        }
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Err(limits::at_most_shown(diagnostics))
    }
}

/// `IsDNS1123Subdomain`: dot-separated lowercase RFC 1123 labels, 253
/// characters at most.
pub(crate) fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_dns_label)
}

pub(crate) fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
}

/// What is wrong with a label value, in the API server's words
/// (apimachinery `IsValidLabelValue`, as `stsim_core::api::validation`
/// words it for the API server's own checks), or `None`.
fn label_value_problem(value: &str) -> Option<String> {
    let errors = stsim_core::api::validation::label_value_errors(value);
    (!errors.is_empty()).then(|| errors.join(", "))
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
pub fn edit_distance(a: &str, b: &str) -> usize {
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
/// Names longer than `MAX_SUGGESTED` characters get no suggestion: nobody
/// mistypes one, and comparing long names costs the square of their length.
pub fn suggest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    const MAX_SUGGESTED: usize = 64;
    let length = name.chars().count();
    if length > MAX_SUGGESTED {
        return None;
    }
    let limit = (length / 3).max(1);
    candidates
        .iter()
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
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

fn seconds(value: u32) -> SimDuration {
    SimDuration::from_millis(u64::from(value) * 1_000)
}

struct Checker<'s, 'l> {
    locator: &'l (dyn Find + 's),
    file: &'l str,
    diagnostics: Vec<Diagnostic>,
    /// Timeline entries that wait for an event, gathered with the timeline.
    triggers: Vec<TriggerEntry>,
    limits: Limits,
    /// The declared custom resource kinds, for the timeline and expectations to name.
    custom_kinds: Vec<stsim_core::kube::custom::CustomKind>,
    /// The nodes a run can have, for pod templates' `nodeName`; known once
    /// the cluster is read.
    node_names: Option<timeline::NodeNames>,
    /// The paths of the sidecar init containers' `restartPolicy` in every
    /// pod template read, checked against the release once it is known.
    sidecar_paths: Vec<String>,
    /// The release's API server leaves a StatefulSet's pod spec to each
    /// pod's create (before 1.34): set from the scenario's release.
    defers_pod_specs: bool,
    /// While a StatefulSet's pod template is checked under such a release:
    /// its field errors that the set's own validation does not look for go
    /// to `deferred`, not to `diagnostics` (`manifest::pod_spec_path`). Only
    /// a manifest's paths are such; a scenario's templates are checked whole.
    deferring: bool,
    deferred: Vec<crate::manifest::Deferred>,
}

impl<'s, 'l> Checker<'s, 'l> {
    /// A checker with nothing found yet, reporting through `locator`.
    fn new(locator: &'l (dyn Find + 's), file: &'l str, limits: Limits) -> Self {
        Checker {
            locator,
            file,
            diagnostics: Vec::new(),
            triggers: Vec::new(),
            limits,
            custom_kinds: Vec::new(),
            node_names: None,
            sidecar_paths: Vec::new(),
            defers_pod_specs: false,
            deferring: false,
            deferred: Vec::new(),
        }
    }
}

/// When a timeline entry runs.
enum When {
    At(SimDuration),
    On(Trigger, SimDuration),
}

impl Checker<'_, '_> {
    /// A key written twice in one map (labels, selectors, feature gates) is
    /// an error, not a silent last-wins, as the API server's strict field
    /// validation refuses it (`duplicate field`).
    fn repeated_map_keys(&mut self) {
        for (path, key, here, first) in self.locator.repeated_map_keys() {
            let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
            self.diagnostics.push(Diagnostic {
                code: "duplicate-field",
                message: format!("{prefix}duplicate field {key:?}: this map already has it"),
                file: self.file.to_string(),
                line: here.line,
                column: here.column,
                length: here.length,
                help: Some(format!(
                    "the first {key:?} is at line {}, column {}; keep one of them",
                    first.line, first.column
                )),
            });
        }
    }

    fn report(&mut self, code: &'static str, path: &str, message: impl AsRef<str>, help: Option<String>) {
        let place = self.locator.find(path);
        let diagnostic = Diagnostic {
            code,
            message: format!("{}: {}", self.locator.show(path), message.as_ref()),
            file: self.locator.file_of(path).unwrap_or_else(|| self.file.to_string()),
            line: place.line,
            column: place.column,
            length: place.length,
            help,
        };
        // An error in a manifest's StatefulSet's pod spec is each pod's.
        let field = self.locator.field(path);
        if self.deferring
            && matches!(code, "invalid-value" | "duplicate-name")
            && crate::manifest::left_to_creates(&field)
            && let Some(object) = self.locator.object(path)
        {
            self.deferred.push(crate::manifest::Deferred {
                file: diagnostic.file,
                place,
                object,
                path: field,
                message: message.as_ref().to_string(),
                help: diagnostic.help,
            });
        } else {
            self.diagnostics.push(diagnostic);
        }
    }

    /// A duration, or `None` (with a diagnostic) if it does not parse.
    fn duration(&mut self, path: &str, text: &str) -> Option<SimDuration> {
        match text.parse::<SimDuration>() {
            Ok(duration) if duration.as_millis() > self.limits.duration_ms => {
                let most = SimDuration::from_millis(self.limits.duration_ms);
                let message = format!("Invalid value: {text:?}: must be no more than {most}");
                self.report("limit", path, message, Some(self.limits.help().to_string()));
                None
            }
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

    /// A label key (apimachinery `IsQualifiedName`), wherever one is written.
    fn label_key(&mut self, path: &str, key: &str) {
        let errors = stsim_core::api::validation::label_key_errors(key);
        if !errors.is_empty() {
            self.report(
                "invalid-value",
                path,
                format!("Invalid value: {key:?}: {}", errors.join(", ")),
                None,
            );
        }
    }

    /// A map of labels (or a selector's `matchLabels`) as the API server
    /// validates one (`ValidateLabels`): each key a qualified name, each
    /// value a label value. Returned as the model's labels either way.
    fn label_map(&mut self, path: &str, raw: Option<&raw::RawLabels>) -> Option<Labels> {
        let raw = raw?;
        for (key, value) in raw {
            let at = format!("{path}[{key:?}]");
            self.label_key(&at, key);
            if let Some(problem) = label_value_problem(value) {
                let message = format!("Invalid value: {value:?}: {problem}");
                self.report("invalid-value", &at, message, None);
            }
        }
        Some(Labels::from(raw.clone()))
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
        if !is_dns_subdomain(name) {
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
                    let first = self.locator.field(first);
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
        // (A release that does not parse is reported below.)
        self.defers_pod_specs = !raw.release().validates_statefulset_pod_template();
        self.dns_label("name", &raw.name);
        self.teaching(raw);
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
        let cluster = self.cluster(raw.cluster.as_ref());
        self.node_names = Some(timeline::node_names(raw.timeline.as_deref().unwrap_or_default(), &cluster));
        let images = self.images(raw.images.as_deref().unwrap_or_default());
        let services = self.services(raw.services.as_deref().unwrap_or_default());
        let raw_statefulsets = raw.statefulsets.as_deref().unwrap_or_default();
        let statefulsets = self.statefulsets(raw_statefulsets);
        self.custom_kinds = self.custom_kinds(raw.custom_resource_definitions.as_deref().unwrap_or_default());
        let custom_resources = self.custom_resources(raw.custom_resources.as_deref().unwrap_or_default());
        let persistent_volumes =
            self.persistent_volumes(raw.persistent_volumes.as_deref().unwrap_or_default(), &cluster);
        let persistent_volume_claims = self
            .persistent_volume_claims(raw.persistent_volume_claims.as_deref().unwrap_or_default(), &cluster);
        let timeline =
            self.timeline(raw.timeline.as_deref().unwrap_or_default(), raw_statefulsets, duration, &cluster);
        self.service_references(raw.timeline.as_deref().unwrap_or_default(), &services);
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
            pod_max_in_unschedulable_pods: self.positive_duration(
                "timings.podMaxInUnschedulablePodsDuration",
                raw_timings.and_then(|t| t.pod_max_in_unschedulable_pods_duration.as_deref()),
                Timings::default().pod_max_in_unschedulable_pods,
            ),
            cached_pull: self.duration_or(
                "timings.cachedPull",
                raw_timings.and_then(|t| t.cached_pull.as_deref()),
                Timings::default().cached_pull,
            ),
            provisioner_retry_start: self.positive_duration(
                "timings.provisionerRetryIntervalStart",
                raw_timings.and_then(|t| t.provisioner_retry_interval_start.as_deref()),
                Timings::default().provisioner_retry_start,
            ),
            provisioner_retry_max: self.positive_duration(
                "timings.provisionerRetryIntervalMax",
                raw_timings.and_then(|t| t.provisioner_retry_interval_max.as_deref()),
                Timings::default().provisioner_retry_max,
            ),
            min_resync_period: self.positive_duration(
                "timings.minResyncPeriod",
                raw_timings.and_then(|t| t.min_resync_period.as_deref()),
                Timings::default().min_resync_period,
            ),
            bind_timeout: self.positive_duration(
                "timings.bindTimeout",
                raw_timings.and_then(|t| t.bind_timeout.as_deref()),
                Timings::default().bind_timeout,
            ),
        };
        let kubernetes = match raw.kubernetes_version.as_deref() {
            None => Version::DEFAULT,
            Some(text) => match Version::parse(text) {
                Some(version) if (Version::OLDEST..=Version::NEWEST).contains(&version) => version,
                Some(_) => {
                    let message = format!(
                        "Invalid value: {text:?}: stsim models Kubernetes 1.{} to 1.{}",
                        Version::OLDEST.minor,
                        Version::NEWEST.minor
                    );
                    self.report("invalid-value", "kubernetesVersion", message, None);
                    Version::DEFAULT
                }
                None => {
                    let message = format!(
                        "Invalid value: {text:?}: expected a Kubernetes release like \"1.36\" or \"1.35.2\""
                    );
                    self.report("invalid-value", "kubernetesVersion", message, None);
                    Version::DEFAULT
                }
            },
        };
        let dns = self.dns(raw.dns.as_ref(), kubernetes);
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
        self.service_dns_names(
            raw.expect.as_deref().unwrap_or_default(),
            &services,
            &namespace,
            &cluster_domain,
        );
        let operators = self.operators(raw.operators.as_deref().unwrap_or_default());
        let mut features = Features::for_version(kubernetes);
        for (gate, on) in raw.feature_gates.iter().flatten() {
            let path = format!("featureGates.{gate}");
            // As the release's components read `--feature-gates`: a gate
            // the release does not have, or a locked one set the other way,
            // stops them from starting.
            let (message, help) = match check_gate(kubernetes, gate, *on) {
                Ok(()) => {
                    features = features.with_gate(gate, *on);
                    continue;
                }
                Err(GateRefusal::Unknown) => (
                    format!("Invalid value: {gate:?}: unknown feature gate"),
                    format!(
                        "the gates stsim models are: {}",
                        list_names(&GATE_LIVES.iter().map(|g| g.name).collect::<Vec<_>>())
                    ),
                ),
                Err(GateRefusal::NotYet { since }) => (
                    format!("Invalid value: {gate:?}: unrecognized feature gate in Kubernetes {kubernetes}"),
                    format!(
                        "the gate came in 1.{since}: set kubernetesVersion to 1.{since} or later, or remove it"
                    ),
                ),
                Err(GateRefusal::Removed { locked_from, removed_in }) => (
                    format!("Invalid value: {gate:?}: unrecognized feature gate in Kubernetes {kubernetes}"),
                    match locked_from {
                        Some(ga) => format!(
                            "the gate went GA in 1.{ga} and was removed in 1.{removed_in}: its behaviour is always on; remove the gate"
                        ),
                        None => format!("the gate was removed in 1.{removed_in}; remove it"),
                    },
                ),
                Err(GateRefusal::Locked { since }) => (
                    format!(
                        "Invalid value: {on}: cannot set feature gate {gate} to {on}, feature is locked to {}",
                        !on
                    ),
                    format!(
                        "the gate is GA from 1.{since}; to model it off, set kubernetesVersion to 1.{} or earlier",
                        since - 1
                    ),
                ),
            };
            self.report("invalid-value", &path, message, Some(help));
        }
        self.service_names_for_release(raw.services.as_deref().unwrap_or_default(), kubernetes, &features);
        self.budget_policies_for_release(
            raw.pod_disruption_budgets.as_deref().unwrap_or_default(),
            kubernetes,
            &features,
        );
        self.sidecars_for_release(kubernetes);
        self.max_unavailable_for_release(raw.statefulsets.as_deref().unwrap_or_default(), &features);
        let mut statefulsets = statefulsets;
        made_up_probe_checks(&mut statefulsets, &services);
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
            custom_kinds: self.custom_kinds.clone(),
            custom_resources,
            persistent_volumes,
            persistent_volume_claims,
        }
    }
}

/// A scenario's probes name no check (the model does not run one): each
/// is given a made-up one, as the API server serves it and `stsim export`
/// writes it (`kube::pod_template::give_made_up_checks`): a TCP check on
/// the first port of the set's Service, else `exec: [true]`.
fn made_up_probe_checks(
    statefulsets: &mut [stsim_core::config::StatefulSetConfig],
    services: &[ServiceConfig],
) {
    for set in statefulsets {
        let port = services
            .iter()
            .find(|s| s.name == set.spec.service_name)
            .and_then(|s| s.ports.first())
            .map(|p| p.port);
        stsim_core::kube::pod_template::give_made_up_checks(&mut set.spec.template, port);
    }
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

    /// A story's values, written in no file (line 0), are its echoes of
    /// the manifests' when one of those is refused too, and left out; alone
    /// they are shown.
    #[test]
    fn values_written_in_no_file_are_shown_only_when_nothing_written_is_refused() {
        /// The RON scenario's places, but the timeline's in no file, as a story's.
        struct Story<'a>(Locator<'a>);
        impl Find for Story<'_> {
            fn find(&self, path: &str) -> Place {
                match path.starts_with("timeline") {
                    true => Place { line: 0, column: 1, length: 1 },
                    false => self.0.find(path),
                }
            }
        }
        let errors = |replicas: i64| {
            let text = format!(
                "Scenario(name: \"s\", services: [(name: \"svc\", selector: {{\"app\": \"a\"}})],\n\
                 statefulsets: [(name: \"a\", serviceName: \"svc\", replicas: {replicas},\n\
                 template: (labels: {{\"app\": \"a\"}}, image: \"i\"))],\n\
                 timeline: [(at: \"1m\", do: Scale(statefulset: \"a\", replicas: -1))])\n"
            );
            let options =
                ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
            let raw: raw::Scenario = options.from_str(&text).unwrap();
            let story = Story(Locator::new(&text));
            let errors = validate(&raw, &story, "s.yaml", &Limits::DEFAULT).unwrap_err();
            errors.iter().map(|d| (d.line, d.message.clone())).collect::<Vec<_>>()
        };
        let alone = errors(1);
        assert_eq!(alone.len(), 1, "{alone:?}");
        assert_eq!(alone[0].0, 0, "{alone:?}");
        assert!(alone[0].1.starts_with("timeline[0].do.replicas: Invalid value: -1"), "{alone:?}");
        let with_written = errors(-1);
        assert_eq!(with_written.len(), 1, "{with_written:?}");
        assert_eq!(with_written[0].0, 2, "{with_written:?}");
        assert!(with_written[0].1.contains("replicas: Invalid value: -1"), "{with_written:?}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("replica", "replicas"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(suggest("redis-sv", &["redis-svc", "web"]), Some("redis-svc"));
        assert_eq!(suggest("zzz", &["redis-svc", "web"]), None);
    }
}
