//! The format's limits (`crate::limits`) applied to one file: the size of
//! its strings and lists before it is parsed, then the numbers that decide
//! how big a run gets (replicas, nodes, horizon, ordinals, expected random
//! failures). Durations are bounded where every duration is read
//! (`Checker::duration`), a pod template's spread constraints where they
//! are read (`Checker::topology_spread`).

use super::*;

/// Strings and lists beyond the limits, found by scanning the text, so that
/// a huge file is refused before ron builds it.
pub(crate) fn over_limits(locator: &Locator<'_>, file: &str, limits: &Limits) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (start, chars) in locator.long_strings(limits.string_chars) {
        let (line, column) = locator.line_col(start);
        out.push(Diagnostic {
            code: "limit",
            message: format!(
                "{}this value is {chars} characters long, more than the {} one value may be",
                prefix(&locator.path_at(start)),
                limits.string_chars
            ),
            file: file.to_string(),
            line,
            column,
            length: 1,
            help: Some(limits.help().to_string()),
        });
    }
    let max = |path: &str| if path == "timeline" { limits.timeline } else { limits.list };
    for (path, start, items) in locator.long_lists(max) {
        let (line, column) = locator.line_col(start);
        out.push(Diagnostic {
            code: "limit",
            message: format!("{}{items} items, more than the {} allowed", prefix(&path), max(&path)),
            file: file.to_string(),
            line,
            column,
            length: 1,
            help: Some(limits.help().to_string()),
        });
    }
    out.sort_by_key(|d| (d.line, d.column));
    at_most_shown(out)
}

fn prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

/// The first `MAX_DIAGNOSTICS`, and one more that counts the rest.
pub(crate) fn at_most_shown(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let max = crate::limits::MAX_DIAGNOSTICS;
    if diagnostics.len() > max {
        let rest = diagnostics.len() - max;
        diagnostics.truncate(max);
        let last = diagnostics.last().cloned();
        if let Some(last) = last {
            diagnostics.push(Diagnostic {
                code: "too-many-errors",
                message: format!("{rest} more errors not shown"),
                help: Some("fix these first".to_string()),
                ..last
            });
        }
    }
    diagnostics
}

impl Checker<'_, '_> {
    pub(super) fn over(&mut self, path: &str, message: String) {
        let help = self.limits.help().to_string();
        self.report("limit", path, message, Some(help));
    }

    /// The numbers that decide how big a run gets, against the limits.
    pub(super) fn within_limits(&mut self, raw: &raw::Scenario, config: &Config) {
        let limits = self.limits;
        // The lists manifests fill, one object each (a RON file's own lists
        // are refused by the scan of its text, before it is parsed): shown
        // at the first object past the limit.
        fn len<T>(list: Option<&Vec<T>>) -> usize {
            list.map_or(0, Vec::len)
        }
        let cluster = raw.cluster.as_ref();
        let lists = [
            ("statefulsets", len(raw.statefulsets.as_ref())),
            ("services", len(raw.services.as_ref())),
            ("podDisruptionBudgets", len(raw.pod_disruption_budgets.as_ref())),
            ("persistentVolumes", len(raw.persistent_volumes.as_ref())),
            ("persistentVolumeClaims", len(raw.persistent_volume_claims.as_ref())),
            ("cluster.nodePools", len(cluster.and_then(|c| c.node_pools.as_ref()))),
            ("cluster.storageClasses", len(cluster.and_then(|c| c.storage_classes.as_ref()))),
            ("cluster.zones", len(cluster.and_then(|c| c.zones.as_ref()))),
        ];
        for (list, items) in lists {
            if items > limits.list {
                let message = format!("{list} has {items} items, more than the {} allowed", limits.list);
                self.over(&format!("{list}[{}]", limits.list), message);
            }
        }
        if config.duration.as_millis() > limits.horizon_ms {
            let most = SimDuration::from_millis(limits.horizon_ms);
            self.over("duration", format!("Invalid value: {}: must be no more than {most}", config.duration));
        }
        // Replicas, and the highest ordinal a set can reach (it must fit int32).
        let sets = raw.statefulsets.as_deref().unwrap_or_default();
        let entries = raw.timeline.as_deref().unwrap_or_default();
        let mut highest: BTreeMap<&str, (i64, i64, String)> = BTreeMap::new();
        // The members of each application's set: its most replicas, and
        // where and what they are first given past the limit.
        type FirstPast = Option<(String, i64)>;
        let mut members: BTreeMap<&str, (i64, FirstPast)> = BTreeMap::new();
        let past_members = |replicas: i64| replicas > i64::from(limits.app_members);
        for (i, set) in sets.iter().enumerate() {
            let replicas = set.replicas.unwrap_or(1);
            let start = set.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
            self.replicas(&format!("statefulsets[{i}].replicas"), replicas);
            highest.insert(&set.name, (replicas, start, format!("statefulsets[{i}].ordinals.start")));
            if set.app.is_some() {
                let path = past_members(replicas).then(|| (format!("statefulsets[{i}].replicas"), replicas));
                members.insert(&set.name, (replicas, path));
            }
        }
        let mut added_nodes = 0u64;
        for (i, entry) in entries.iter().enumerate() {
            let (name, replicas, start) = match &entry.action {
                raw::Action::Scale { statefulset, replicas } => (statefulset, Some(*replicas), None),
                // A set made again carries the fields given as an update does.
                raw::Action::UpdateStatefulSet { statefulset, replicas, ordinals, .. }
                | raw::Action::RecreateStatefulSet { statefulset, replicas, ordinals, .. } => {
                    (statefulset, *replicas, ordinals.as_ref().and_then(|o| o.start))
                }
                raw::Action::AddNode { .. } => {
                    added_nodes += 1;
                    continue;
                }
                _ => continue,
            };
            if let Some(replicas) = replicas {
                self.replicas(&format!("timeline[{i}].do.replicas"), replicas);
                if let Some((most, path)) = members.get_mut(name.as_str()) {
                    *most = (*most).max(replicas);
                    if path.is_none() && past_members(replicas) {
                        *path = Some((format!("timeline[{i}].do.replicas"), replicas));
                    }
                }
            }
            if let Some(entry) = highest.get_mut(name.as_str()) {
                entry.0 = entry.0.max(replicas.unwrap_or(0));
                if let Some(start) = start {
                    entry.1 = entry.1.max(start);
                    entry.2 = format!("timeline[{i}].do.ordinals.start");
                }
            }
        }
        // Pods: every set at its most replicas (each within its own limit:
        // what is over it is refused above).
        // Shown at the set, in file order, whose pods pass the limit.
        let most = i64::from(limits.replicas);
        let (mut pods, mut crossed) = (0u64, None);
        for (i, set) in sets.iter().enumerate() {
            let replicas = highest.get(set.name.as_str()).map_or(0, |(replicas, _, _)| *replicas);
            pods = pods.saturating_add(u64::try_from(replicas.clamp(0, most)).unwrap_or(0));
            if pods > limits.pods && crossed.is_none() {
                crossed = Some(i);
            }
        }
        if let Some(i) = crossed {
            let message = format!(
                "the StatefulSets up to this one already hold more than the {} pods a run may hold \
                 ({pods} over all {}, each at its most replicas)",
                limits.pods,
                sets.len()
            );
            self.over(&format!("statefulsets[{i}].replicas"), message);
        }
        for (name, (replicas, start, path)) in highest {
            let last = start.saturating_add(replicas.max(1)).saturating_sub(1);
            if (0..=INT32_MAX).contains(&start) && last > INT32_MAX && replicas <= i64::from(limits.replicas)
            {
                let message = format!(
                    "Invalid value: {start}: with up to {replicas} replicas, pod {name}-{last} would have an \
                     ordinal past the int32 range (at most {INT32_MAX})"
                );
                self.report("invalid-value", &path, message, None);
            }
        }
        // Members of an application: its set at its most replicas (a count
        // over the replicas limit is refused above, once).
        for (name, (most, first_past)) in members {
            if let Some((path, value)) = first_past
                && most <= i64::from(limits.replicas)
            {
                let message = format!(
                    "Invalid value: {value}: must be no more than {}, the members one application may have \
                     (StatefulSet {name} runs one)",
                    limits.app_members
                );
                self.over(&path, message);
            }
        }
        // Nodes: every pool's, and every `AddNode`.
        let pool_nodes: u64 = config.cluster.node_pools.iter().map(|p| u64::from(p.count)).sum();
        let nodes = pool_nodes.saturating_add(added_nodes);
        if nodes > limits.nodes {
            let message = format!(
                "{nodes} nodes ({pool_nodes} in pools, {added_nodes} added), more than the {} allowed",
                limits.nodes
            );
            self.over("cluster.nodePools", message);
        }
        // Processes: each external operator is one, started with the run.
        let external =
            config.operators.iter().filter(|o| matches!(o.kind, OperatorKind::External { .. })).count();
        if external > limits.external_operators {
            let message = format!(
                "{external} external operators, more than the {} processes a run may start",
                limits.external_operators
            );
            self.over("operators", message);
        }
        // Random failures: how many the horizon is expected to hold.
        if let Some(failures) = config.cluster.node_failures {
            let base = "cluster.nodeFailures";
            for (field, value) in [
                ("meanTimeBetweenFailures", failures.mean_time_between_failures),
                ("meanTimeToRepair", failures.mean_time_to_repair),
            ] {
                if value.as_millis() < limits.min_failure_interval_ms {
                    let least = SimDuration::from_millis(limits.min_failure_interval_ms);
                    self.over(
                        &format!("{base}.{field}"),
                        format!("Invalid value: {value}: must be at least {least}"),
                    );
                }
            }
            let mtbf = u128::from(failures.mean_time_between_failures.as_millis().max(1));
            let expected = u128::from(nodes) * u128::from(config.duration.as_millis()) / mtbf;
            if expected > u128::from(limits.expected_failures) {
                let message = format!(
                    "{nodes} nodes failing every {} on average over {} make about {expected} failures, \
                     more than the {} a run may expect",
                    failures.mean_time_between_failures, config.duration, limits.expected_failures
                );
                self.over(&format!("{base}.meanTimeBetweenFailures"), message);
            }
        }
    }

    fn replicas(&mut self, path: &str, replicas: i64) {
        let most = i64::from(self.limits.replicas);
        if replicas > most && replicas <= INT32_MAX {
            self.over(path, format!("Invalid value: {replicas}: must be no more than {most}"));
        }
    }
}
