//! The text rendering of a report: what `stsim run` prints for people.
//!
//! A header, the timeline (pod rows in the shape of `kubectl get pods -w`,
//! other changes as `*` lines, scripted actions as `>` lines), then the
//! final state as `kubectl get` would list it, and the trace digest.

use std::fmt::Write;
use stsim_core::report::{Report, TimelineRow};
use stsim_core::time::{SimDuration, SimTime};

pub fn time(ms: u64) -> String {
    SimTime::from_millis(ms).to_string()
}

pub use stsim_render::cells::age;

/// Bytes as a Kubernetes quantity with a binary suffix, when exact.
pub fn bytes(n: u64) -> String {
    for (suffix, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{}{suffix}", n >> shift);
        }
    }
    n.to_string()
}

/// The widest a column is padded to; a longer cell runs past it (padding
/// widths are bounded, and a huge one would make `format!` panic).
const MAX_COLUMN: usize = 120;

/// Lays rows out in columns separated by three spaces, like kubectl.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count()).min(MAX_COLUMN);
        }
    }
    let line = |out: &mut String, cells: Vec<&str>| {
        let last = cells.len() - 1;
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}   ", width = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(out, header.to_vec());
    for row in rows {
        line(out, row.iter().map(String::as_str).collect());
    }
}

/// The timeline's lines, each given to `line` with its newline (a long
/// run's timeline is most of the report: a caller may write each line out
/// rather than hold them all).
fn timeline_rows(rows: &[TimelineRow], line: &mut dyn FnMut(&str)) {
    let pods = rows.iter().filter_map(|r| r.pod.as_ref().map(|p| (r, p)));
    let name_width = pods.clone().map(|(r, _)| r.name.len()).max().unwrap_or(4).clamp(4, MAX_COLUMN);
    let node_width = pods
        .clone()
        .filter_map(|(_, p)| p.node.as_deref().map(str::len))
        .max()
        .unwrap_or(6)
        .clamp(6, MAX_COLUMN);
    // As wide as the widest status (`Init:CrashLoopBackOff`), as kubectl's columns are.
    let status_width = pods.map(|(_, p)| p.status.len()).max().unwrap_or(17).clamp(17, MAX_COLUMN);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<11} {:<name_width$}   {:<5}   {:<status_width$}   {:<8}   {:<13}   {:<node_width$}   EVENT",
        "TIME", "POD", "READY", "STATUS", "RESTARTS", "IP", "NODE"
    );
    line(&out);
    for row in rows {
        out.clear();
        let at = time(row.at_ms);
        match (&row.pod, &*row.kind) {
            (Some(pod), _) => {
                let ip = pod.ip.as_deref().unwrap_or("<none>");
                let node = pod.node.as_deref().unwrap_or("<none>");
                let _ = writeln!(
                    out,
                    "{at:<11} {:<name_width$}   {:<5}   {:<status_width$}   {:<8}   {:<13}   {node:<node_width$}   {}",
                    row.name, pod.ready, pod.status, pod.restarts, ip, row.what
                );
            }
            // An action written in no file (a story's, `line 0`) has no line to show.
            (None, "script") if row.name == "line 0" => {
                let _ = writeln!(out, "{at:<11} > {}", row.what);
            }
            (None, "script") => {
                let _ = writeln!(out, "{at:<11} > {} ({})", row.what, row.name);
            }
            (None, "identity") => {
                let _ = writeln!(out, "{at:<11} ! identity/{} {}", row.name, row.what);
            }
            (None, "run") => {
                let _ = writeln!(out, "{at:<11} = {}", row.what);
            }
            (None, kind) => {
                let _ = writeln!(out, "{at:<11} * {kind}/{} {}", row.name, row.what);
            }
        }
        line(&out);
    }
}

/// The whole report as one text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    write(report, &mut |part| out.push_str(part));
    out
}

/// The report in parts, in order, each ending with a newline: the
/// header, each line of the timeline, then the rest (for `stsim run` to
/// write as it goes; `render` joins them).
pub fn write(report: &Report, part: &mut dyn FnMut(&str)) {
    part(&head(report));
    timeline_rows(&report.timeline, part);
    part(&tail(report));
}

fn head(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {} (seed {}), ended at {} ({})",
        report.scenario,
        report.seed,
        time(report.ended_at_ms),
        report.end_reason
    );
    for line in report.description.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
    out.push_str("TIMELINE\n");
    out
}

fn tail(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("\nFINDINGS\n");
    if report.findings.is_empty() {
        out.push_str("none\n");
    }
    for finding in &report.findings {
        let _ = writeln!(out, "{}: {} (since {})", finding.id, finding.subject, time(finding.since_ms));
        wrap(&mut out, "  ", &finding.summary);
        wrap(&mut out, "  why: ", &finding.explanation);
        wrap(&mut out, "  fix: ", &finding.fix);
    }

    out.push_str("\nNODES\n");
    let rows: Vec<Vec<String>> = report
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                n.status.clone(),
                n.zone.clone(),
                n.pods.to_string(),
                age(n.age_ms),
                n.machine.clone(),
                if n.taints.is_empty() { "<none>".into() } else { n.taints.join(",") },
            ]
        })
        .collect();
    table(&mut out, &["NAME", "STATUS", "ZONE", "PODS", "AGE", "MACHINE", "TAINTS"], &rows);
    if !report.pod_disruption_budgets.is_empty() {
        out.push_str("\nPODDISRUPTIONBUDGETS\n");
        let rows: Vec<Vec<String>> = report
            .pod_disruption_budgets
            .iter()
            .map(|b| {
                vec![
                    b.name.clone(),
                    b.budget.clone(),
                    b.status.disruptions_allowed.to_string(),
                    format!("{}/{}", b.status.current_healthy, b.status.desired_healthy),
                ]
            })
            .collect();
        table(&mut out, &["NAME", "BUDGET", "ALLOWED DISRUPTIONS", "HEALTHY/NEEDED"], &rows);
    }
    breakage(&mut out, report);

    out.push_str("\nPODS\n");
    let rows: Vec<Vec<String>> = report
        .pods
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.state.ready.to_string(),
                p.state.status.to_string(),
                stsim_render::cells::restarts(p, report.ended_at_ms),
                age(p.age_ms),
                p.state.ip.as_deref().unwrap_or("<none>").to_string(),
                p.state.node.as_deref().unwrap_or("<none>").to_string(),
                p.revision.clone(),
            ]
        })
        .collect();
    table(&mut out, &["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "REVISION"], &rows);
    for pod in &report.pods {
        if let Some(message) = &pod.unschedulable {
            let _ = writeln!(out, "  {} is Pending: {message}", pod.name);
        }
    }

    out.push_str("\nPERSISTENTVOLUMECLAIMS\n");
    let rows: Vec<Vec<String>> = report
        .pvcs
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.status.clone(),
                c.volume.clone().unwrap_or_default(),
                if c.status == "Bound" { bytes(c.capacity_bytes) } else { String::new() },
                c.access_modes.iter().map(|m| access_mode_short(m)).collect::<Vec<_>>().join(","),
                c.storage_class.clone().unwrap_or_default(),
                age(c.age_ms),
            ]
        })
        .collect();
    table(&mut out, &["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"], &rows);

    out.push_str("\nPERSISTENTVOLUMES\n");
    let rows: Vec<Vec<String>> = report
        .pvs
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                bytes(v.capacity_bytes),
                v.reclaim_policy.clone(),
                v.status.clone(),
                v.claim.clone().unwrap_or_default(),
                v.storage_class.clone(),
                v.zone.clone().unwrap_or_else(|| "-".into()),
                age(v.age_ms),
            ]
        })
        .collect();
    table(
        &mut out,
        &["NAME", "CAPACITY", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "ZONE", "AGE"],
        &rows,
    );

    out.push_str("\nDNS RECORDS\n");
    let rows: Vec<Vec<String>> = report
        .dns
        .iter()
        .map(|r| vec![r.name.clone(), r.record_type.clone(), r.value.clone(), r.pod.clone()])
        .collect();
    table(&mut out, &["NAME", "TYPE", "VALUE", "POD"], &rows);

    out.push_str("\nSTATEFULSETS\n");
    let rows: Vec<Vec<String>> = report
        .statefulsets
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                format!("{}/{}", s.status.ready_replicas, s.desired_replicas),
                s.service_name.clone(),
                s.pod_management_policy.clone(),
                s.status.current_revision.clone(),
                s.status.update_revision.clone(),
            ]
        })
        .collect();
    table(&mut out, &["NAME", "READY", "SERVICE", "POLICY", "CURRENT REVISION", "UPDATE REVISION"], &rows);

    storage(&mut out, report);

    let _ = writeln!(
        out,
        "\n{} events, {} trace records, trace digest {}",
        report.events, report.trace_records, report.trace_digest
    );
    out
}

/// The story of a run (`stsim explain`): what happened at each instant, in
/// words, then how each clustered application fared.
pub fn story(report: &Report, lines: &[stsim_core::story::Line]) -> String {
    let mut story = Story::start(report);
    for line in lines {
        story.line(line);
    }
    story.end(report)
}

/// [`story`] written a part at a time: [`Story::start`], each line as it
/// is told ([`Story::line`]), then [`Story::end`]; each part is what it
/// adds to the text, taken with [`Story::take`], and ends a line.
pub struct Story {
    out: String,
    /// The instant of the last line told.
    current: Option<u64>,
}

impl Story {
    /// The title and the scenario's description.
    pub fn start(report: &Report) -> Story {
        let mut out = String::new();
        let _ = writeln!(out, "The story of {} (seed {}).", report.scenario, report.seed);
        for line in report.description.lines() {
            wrap(&mut out, "", line);
        }
        Story { out, current: None }
    }

    /// One line, under its instant's heading.
    pub fn line(&mut self, line: &stsim_core::story::Line) {
        if self.current != Some(line.at_ms) {
            self.current = Some(line.at_ms);
            let _ = writeln!(self.out, "\nAt {}:", time(line.at_ms));
        }
        let mut who = line.who.clone();
        if let Some(first) = who.get(..1) {
            who.replace_range(..1, &first.to_uppercase());
        }
        wrap(&mut self.out, "  - ", &format!("[{who}] {}", line.text));
    }

    /// The text written since the last take.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// The breakage of the clustered applications, after the lines: the
    /// rest of the text.
    pub fn end(mut self, report: &Report) -> String {
        breakage(&mut self.out, report);
        self.out
    }
}

/// Clustered applications: when each was DEGRADED or BROKEN, why, and the
/// fix. Only written when the scenario models an application.
fn breakage(out: &mut String, report: &Report) {
    if report.breakage.is_empty() {
        return;
    }
    out.push_str("\nBREAKAGE\n");
    for app in &report.breakage {
        let _ = writeln!(
            out,
            "{} ({}, peers stored by {}, statefulset {}): {} at the end",
            app.app, app.kind, app.addressing, app.statefulset, app.health
        );
        for lost in &app.writes_lost {
            let divergent = match lost.divergent_writes {
                0 => String::new(),
                n => format!(", {n} of them after the promotion (split brain)"),
            };
            let what = format!(
                "{} taken by {} from {} to {}, gone when {} was promoted at {}{divergent}",
                lost.writes,
                lost.member,
                time(lost.from_ms),
                time(lost.to_ms),
                lost.promoted,
                time(lost.promoted_at_ms)
            );
            wrap(out, "  WRITES LOST: ", &what);
            wrap(out, "    cause: ", &lost.cause.join(" -> "));
        }
        if app.healthy_throughout {
            let since = app.first_healthy_ms.map(time).unwrap_or_default();
            let _ = writeln!(out, "  HEALTHY throughout (formed at {since})");
            continue;
        }
        if app.intervals.is_empty() {
            wrap(out, "  ", &app.reason);
        }
        for interval in &app.intervals {
            let until = interval.to_ms.map_or("the end".to_string(), time);
            let mut timing = Vec::new();
            if let Some(detect) = interval.time_to_detect_ms {
                timing.push(format!("{} after its cause", SimDuration::from_millis(detect)));
            }
            match interval.time_to_recover_ms {
                Some(recover) => {
                    timing.push(format!("HEALTHY again {} later", SimDuration::from_millis(recover)))
                }
                None => timing.push("not HEALTHY again".to_string()),
            }
            // An interval that continues an outage begun earlier: the time
            // to recover is the outage's, from its first BROKEN.
            let outage = app.outages.iter().find(|o| {
                o.from_ms < interval.from_ms
                    && o.healthy_again_ms.is_none_or(|again| interval.from_ms < again)
            });
            if let Some(outage) = outage {
                timing.push(format!("in the outage since {}", time(outage.from_ms)));
            }
            let _ = writeln!(
                out,
                "  {} from {} to {} ({})",
                interval.health,
                time(interval.from_ms),
                until,
                timing.join(", ")
            );
            wrap(out, "    why: ", &interval.reason);
            for later in &interval.later_reasons {
                wrap(out, "    then: ", later);
            }
            if !interval.cause.is_empty() {
                wrap(out, "    cause: ", &interval.cause.join(" -> "));
            }
            if !interval.fix.is_empty() {
                wrap(out, "    fix: ", &interval.fix);
            }
        }
    }
}

/// Writes `text` after `prefix`, wrapped at 100 columns, continuation lines
/// indented under the text.
fn wrap(out: &mut String, prefix: &str, text: &str) {
    const WIDTH: usize = 100;
    let indent = " ".repeat(prefix.len());
    let mut line = prefix.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// Storage cost: every volume, per StatefulSet, and the orphaned ones with
/// why and how to clean them up.
fn storage(out: &mut String, report: &Report) {
    let storage = &report.storage;
    out.push_str("\nSTORAGE COST (a month is 730 hours)\n");
    let rows: Vec<Vec<String>> = storage
        .volumes
        .iter()
        .map(|v| {
            vec![
                v.pv.clone(),
                v.pvc.clone().unwrap_or_else(|| "-".into()),
                v.statefulset.clone().unwrap_or_else(|| "-".into()),
                bytes(v.size_bytes),
                v.storage_class.clone(),
                v.status.clone(),
                v.monthly.to_string(),
                v.accrued.to_string(),
                v.accrued_while_orphaned.to_string(),
            ]
        })
        .collect();
    table(
        out,
        &[
            "VOLUME",
            "CLAIM",
            "STATEFULSET",
            "SIZE",
            "CLASS",
            "STATUS",
            "PER MONTH",
            "THIS RUN",
            "WHILE ORPHANED",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = storage
        .per_statefulset
        .iter()
        .map(|s| {
            vec![s.statefulset.clone(), s.volumes.to_string(), s.accrued.to_string(), s.monthly.to_string()]
        })
        .collect();
    if !rows.is_empty() {
        out.push('\n');
        table(out, &["STATEFULSET", "VOLUMES", "THIS RUN", "PER MONTH NOW"], &rows);
    }
    let _ = writeln!(
        out,
        "total this run {}, of which {} while orphaned",
        storage.total_accrued, storage.orphaned_accrued
    );

    out.push_str("\nORPHANED VOLUMES\n");
    if storage.orphaned.is_empty() {
        out.push_str("none\n");
        return;
    }
    let rows: Vec<Vec<String>> = storage
        .orphaned
        .iter()
        .map(|o| {
            vec![
                o.kind.clone(),
                o.pvc.clone().unwrap_or_else(|| "-".into()),
                o.pv.clone(),
                bytes(o.size_bytes),
                o.storage_class.clone(),
                time(o.orphaned_since_ms),
                o.accrued_while_orphaned.to_string(),
                o.monthly.to_string(),
            ]
        })
        .collect();
    table(out, &["KIND", "CLAIM", "VOLUME", "SIZE", "CLASS", "SINCE", "THIS RUN", "PER MONTH"], &rows);
    for orphan in &storage.orphaned {
        wrap(out, &format!("  {}: ", orphan.pvc.as_deref().unwrap_or(&orphan.pv)), &orphan.why);
    }
    let _ = writeln!(
        out,
        "orphaned volumes cost {} per month from now on; to clean up:",
        storage.orphaned_monthly
    );
    for orphan in &storage.orphaned {
        let _ = writeln!(out, "  {}", orphan.cleanup);
    }
}

fn access_mode_short(mode: &str) -> &str {
    match mode {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_ages_read_like_kubectl() {
        assert_eq!(bytes(10 << 30), "10Gi");
        assert_eq!(bytes(1536 << 20), "1536Mi");
        assert_eq!(bytes(1000), "1000");
        assert_eq!(age(36_500), "36s");
        assert_eq!(age(330_000), "5m30s");
        assert_eq!(age(93_784_000), "26h");
        assert_eq!(age(200_000_000), "2d7h");
    }
}
