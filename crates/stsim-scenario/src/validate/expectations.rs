//! The `expect` section: every expectation's names resolve and its times fall
//! inside the run.

use super::*;

impl Checker<'_, '_> {
    /// A pod named in an expectation: of a declared StatefulSet, or of the
    /// new name a `RenameStatefulSet` gives one.
    pub(super) fn expected_pod(
        &mut self,
        path: &str,
        pod: &str,
        sets: &[raw::StatefulSet],
        renamed: &[&str],
    ) -> bool {
        if let Some((parent, ordinal)) = pod.rsplit_once('-')
            && renamed.contains(&parent)
            && ordinal.parse::<u32>().is_ok()
        {
            return true;
        }
        self.pod(path, pod, sets).is_some()
    }

    /// Validates `expect`: names resolve, times fall inside the run.
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
                    const BUILTIN: [&str; 6] = [
                        "Pod",
                        "PersistentVolumeClaim",
                        "StatefulSet",
                        "Service",
                        "Node",
                        "PersistentVolume",
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
}
