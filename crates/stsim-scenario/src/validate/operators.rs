//! The `operators` section: built-in and external operators, their reconcile delay
//! and injected faults.

use super::*;

/// The longest an external operator may take to answer (real time).
pub const MAX_OPERATOR_TIMEOUT: SimDuration = SimDuration::from_mins(10);

impl Checker<'_, '_> {
    /// An operator's answer timeout: more than zero, at most `MAX_OPERATOR_TIMEOUT`.
    fn operator_timeout(&mut self, path: &str, text: Option<&str>) -> SimDuration {
        let timeout = self.positive_duration(path, text, SimDuration::from_secs(5));
        if timeout > MAX_OPERATOR_TIMEOUT {
            let message = format!(
                "Invalid value: {:?}: must be no more than {MAX_OPERATOR_TIMEOUT}",
                text.unwrap_or_default()
            );
            let help = "the timeout is real time stsim waits for one answer".to_string();
            self.report("invalid-value", path, message, Some(help));
            return MAX_OPERATOR_TIMEOUT;
        }
        timeout
    }

    /// Validates `operators`.
    pub(super) fn operators(&mut self, entries: &[raw::OperatorEntry]) -> Vec<OperatorConfig> {
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
                raw::OperatorKind::Failover { after: a, pick, fencing, check_every } => {
                    OperatorKind::Failover {
                        after: after(self, a),
                        pick: match pick {
                            None | Some(raw::FailoverPick::LowestOrdinal) => FailoverPick::LowestOrdinal,
                            Some(raw::FailoverPick::MostCaughtUp) => FailoverPick::MostCaughtUp,
                        },
                        fencing: match fencing {
                            None | Some(raw::Fencing::None) => Fencing::None,
                            Some(raw::Fencing::WaitForLease) => Fencing::WaitForLease,
                            Some(raw::Fencing::PowerOffNode) => Fencing::PowerOffNode,
                        },
                        check_every: check_every.as_deref().and_then(|text| {
                            let field = format!("{path}.operator.checkEvery");
                            let every = self.duration(&field, text)?;
                            if every.is_zero() {
                                let message = "Invalid value: \"0s\": a health-check period must be positive";
                                self.report("invalid-value", &field, message, None);
                                return None;
                            }
                            Some(every)
                        }),
                    }
                }
                raw::OperatorKind::External { name, command, timeout } => {
                    if command.is_empty() {
                        let message = "Required value: the command to start, like [\"python3\", \"op.py\"]";
                        self.report("invalid-value", &format!("{path}.operator.command"), message, None);
                    }
                    self.dns_label(&format!("{path}.operator.name"), name);
                    OperatorKind::External {
                        name: name.clone(),
                        command: command.clone(),
                        timeout: self
                            .operator_timeout(&format!("{path}.operator.timeout"), timeout.as_deref()),
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
}
