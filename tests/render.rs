//! The pictures of a run (`stsim-render`): the lanes replayed from the
//! trace, the HTML report, the SVG picture, the Perfetto trace, and the size
//! budget that keeps a long run's page small.

use crate::support::run_file;
use stsim_core::config::NodeFailureConfig;
use stsim_core::config::PodManagementPolicy;
use stsim_core::time::SimDuration;
use stsim_render::lanes::{Lane, Timeline};

fn lane<'a>(timeline: &'a Timeline, group: &str, name: &str) -> &'a Lane {
    let group = timeline.groups.iter().find(|g| g.id == group).unwrap_or_else(|| panic!("no group {group}"));
    group.lanes.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no lane {name}"))
}

/// `(from, to, class)` of each span, times in seconds.
fn spans(lane: &Lane) -> Vec<(u64, u64, &'static str)> {
    lane.spans.iter().map(|s| (s.from_ms / 1000, s.to_ms / 1000, s.class)).collect()
}

#[test]
fn the_rename_shows_dns_withdrawn_and_the_app_broken_while_pods_stay_ready() {
    let (sim, report) = run_file("headless-service-renamed");
    let timeline = stsim_render::picture_lanes(&sim, &report);
    // pg-0: created at 0, on worker-1 at 5s, Running at 17s, Ready at 22s, to the end.
    let pg0 = lane(&timeline, "pods", "pg-0");
    assert_eq!(
        spans(pg0),
        vec![(0, 5, "pending"), (5, 17, "creating"), (17, 22, "running"), (22, 2700, "ready")]
    );
    assert_eq!(pg0.spans[3].node.as_deref(), Some("worker-1"));
    assert!(pg0.spans[3].title.contains("pod/pg-0  ready  ready=true"), "{}", pg0.spans[3].title);
    // The record is published when pg-0 is Ready and withdrawn with the Service.
    let dns = lane(&timeline, "dns", "pg-0.pg-svc.default.svc.cluster.local");
    assert_eq!(spans(dns), vec![(22, 1800, "dns")]);
    // The replicas look the name up again every loop_wait (10 s), and each
    // look is denied (kubeadm's CoreDNS from 1.32 caches no denial of the
    // cluster domain), to the end.
    assert_eq!(
        dns.overlays.iter().map(|o| (o.from_ms / 1000, o.class)).collect::<Vec<_>>(),
        (1800..2700).step_by(10).map(|at| (at, "nxdomain")).collect::<Vec<_>>()
    );
    let app = lane(&timeline, "apps", "pg");
    let last: Vec<_> = spans(app).into_iter().rev().take(3).collect();
    assert_eq!(last, vec![(1830, 2700, "broken"), (1800, 1830, "degraded"), (61, 1800, "healthy")]);
    assert!(app.spans.last().unwrap().title.contains("cause: `rename service pg-svc"));
    assert_eq!(timeline.actions.len(), 1);
    assert_eq!(timeline.actions[0].at_ms, 1_800_000);
    // One lane per pod identity, node and volume.
    let group = |id: &str| timeline.groups.iter().find(|g| g.id == id).unwrap().lanes.len();
    assert_eq!((group("pods"), group("nodes"), group("volumes"), group("dns")), (3, 3, 3, 3));
}

#[test]
fn a_crashed_node_and_the_pod_stuck_terminating_on_it() {
    let (sim, report) = run_file("node-crash-stuck-terminating");
    let timeline = stsim_render::lanes::build(
        &sim.world,
        &sim.trace.records,
        &report,
        stsim_render::lanes::Detail::FULL,
    );
    let crashed: Vec<&Lane> = timeline
        .groups
        .iter()
        .find(|g| g.id == "nodes")
        .unwrap()
        .lanes
        .iter()
        .filter(|l| l.spans.iter().any(|s| s.class == "crashed"))
        .collect();
    assert_eq!(crashed.len(), 1, "one node crashes");
    let node = &crashed[0].name;
    // A pod on that node is Terminating and stays on it until the end.
    let pods = &timeline.groups.iter().find(|g| g.id == "pods").unwrap().lanes;
    let stuck = pods
        .iter()
        .filter_map(|l| l.spans.last())
        .find(|s| s.class == "terminating" && s.node.as_ref() == Some(node));
    assert!(stuck.is_some_and(|s| s.to_ms == report.ended_at_ms), "a pod stays Terminating on {node}");
    // The node goes NotReady after the crash, as the API sees it.
    let states: Vec<&str> = crashed[0].spans.iter().map(|s| s.state.as_str()).collect();
    assert!(states.iter().any(|s| s.contains("NotReady (Unknown)")), "{states:?}");
}

/// A machine off after a graceful node shutdown is drawn as a stopped
/// machine, and its words say it was shut down; one without the feature
/// crashed.
#[test]
fn a_graceful_shutdown_is_told_apart_from_a_crash() {
    let (sim, report) = run_file("node-shutdown-graceful");
    let timeline = stsim_render::picture_lanes(&sim, &report);
    let last = |name: &str| lane(&timeline, "nodes", name).spans.last().unwrap().clone();
    let (graceful, plain) = (last("graceful-3"), last("plain-6"));
    assert_eq!((graceful.class, plain.class), ("crashed", "crashed"));
    assert!(graceful.state.starts_with("machine shut down (graceful node shutdown)"), "{}", graceful.state);
    assert!(plain.state.starts_with("machine crashed"), "{}", plain.state);
}

#[test]
fn an_orphaned_volume_shows_its_monthly_cost() {
    let (sim, report) = run_file("scale-down-orphans-volume");
    let timeline = stsim_render::picture_lanes(&sim, &report);
    let orphan = &report.storage.orphaned[0];
    assert_eq!(lane(&timeline, "volumes", &orphan.pv).detail, format!("ORPHANED {}/month", orphan.monthly));
    let full = stsim_render::lanes::build(
        &sim.world,
        &sim.trace.records,
        &report,
        stsim_render::lanes::Detail::FULL,
    );
    let lane = lane(&full, "volumes", &orphan.pv);
    // Orphaned from the moment the claim was, to the end (while it detaches, then detached).
    let orphaned: Vec<_> = lane.spans.iter().skip_while(|s| s.class != "orphaned").collect();
    assert_eq!(orphaned.first().unwrap().from_ms, orphan.orphaned_since_ms);
    assert_eq!(orphaned.last().unwrap().to_ms, report.ended_at_ms);
    assert!(orphaned.windows(2).all(|w| w[0].to_ms == w[1].from_ms));
    for span in orphaned {
        assert_eq!(span.class, "orphaned");
        assert!(span.title.contains("cost while orphaned"), "{}", span.title);
    }
}

#[test]
fn the_html_report_is_self_contained_with_a_lane_per_pod() {
    let (sim, report) = run_file("headless-service-renamed");
    let html = stsim_render::html(&sim, &report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched: no external script, style, image or font.
    for needle in ["<script src", "<link rel=\"stylesheet\"", "<img", "@import", "url(http", "https://"] {
        assert!(!html.contains(needle), "the page loads {needle}");
    }
    let outside: Vec<&str> =
        html.match_indices("http://").map(|(i, _)| &html[i..(i + 30).min(html.len())]).collect();
    assert!(outside.iter().all(|s| s.starts_with("http://www.w3.org/2000/svg")), "{outside:?}");
    for pod in ["pg-0", "pg-1", "pg-2"] {
        assert_eq!(html.matches(&format!("data-group=\"pods\" data-lane=\"{pod}\"")).count(), 1, "{pod}");
    }
    assert!(html.contains(&format!("<code id=\"digest\">{}</code>", report.trace_digest)));
    for section in ["<h2>Actions</h2>", "<h2>Breakage</h2>", "<h2>Findings</h2>", "<h2>Storage cost</h2>"] {
        assert!(html.contains(section), "{section}");
    }
    // The breakage section carries the cause chain and the fix.
    assert!(html.contains("fix: Create the headless Service pg-svc again"));
    // Same run, same bytes.
    let (sim2, report2) = run_file("headless-service-renamed");
    assert_eq!(html, stsim_render::html(&sim2, &report2));
}

#[test]
fn the_html_report_lists_the_events_the_api_server_keeps() {
    // web-0's liveness probe fails again and again: the kubelet's recorder
    // counts the repeats of one event rather than writing a row each.
    let (sim, report) = run_file("liveness-restarts");
    let html = stsim_render::html(&sim, &report);
    let section = &html[html.find("<h2>Events</h2>").expect("an Events section")..];
    let section = &section[..section.find("</table>").unwrap()];
    assert!(
        section.contains("<td>2m46s (x5 over 84s)</td><td>Normal</td><td>Killing</td><td>Pod/web-0</td>")
    );
    assert!(
        section
            .contains("<tr class=\"warn\"><td>2m47s</td><td>Warning</td><td>BackOff</td><td>Pod/web-0</td>")
    );
    assert!(section.contains("<td>0s</td><td>Normal</td><td>SuccessfulCreate</td><td>StatefulSet/web</td>"));
    // As many rows as `stsim events` lists, in its order.
    let kept = stsim_render::events::recorded(&sim).events;
    assert_eq!(section.matches("<tr").count(), kept.len() + 1);
    let reasons: Vec<&str> = kept.iter().map(|e| e.reason).collect();
    let shown: Vec<&str> = section.split("</td><td>").filter(|c| reasons.contains(c)).collect();
    assert_eq!(shown, reasons);
}

#[test]
fn the_svg_is_the_picture_alone() {
    let (sim, report) = run_file("headless-service-renamed");
    let svg = stsim_render::svg(&sim, &report);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(!svg.contains("<script"));
    // Hover text is the trace record.
    assert!(svg.contains("<title>pg: BROKEN"), "the verdict band has its reason");
    assert!(svg.contains("dns/pg-0.pg-svc.default.svc.cluster.local  removed  A=10.244.0.2"));
}

#[test]
fn perfetto_has_nodes_as_processes_and_pods_as_threads() {
    let (sim, report) = run_file("headless-service-renamed");
    let text = stsim_render::perfetto(&sim, &report);
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let events = json["traceEvents"].as_array().unwrap();
    let named = |kind: &str, name: &str| {
        events
            .iter()
            .filter(|e| e["name"] == kind && e["args"]["name"] == name)
            .map(|e| e["pid"].clone())
            .collect::<Vec<_>>()
    };
    let worker1 = named("process_name", "node worker-1");
    assert_eq!(worker1.len(), 1);
    // pg-0 runs on worker-1: its thread and its Ready slice are in that process.
    assert!(named("thread_name", "pg-0").contains(&worker1[0]));
    let ready = events
        .iter()
        .find(|e| e["ph"] == "X" && e["cat"] == "ready" && e["pid"] == worker1[0])
        .expect("a Ready slice on worker-1");
    assert_eq!((ready["ts"].as_u64(), ready["dur"].as_u64()), (Some(22_000_000), Some(2_678_000_000)));
    // The action and the verdict changes are instants.
    assert!(events.iter().any(|e| e["ph"] == "i" && e["s"] == "g" && e["ts"] == 1_800_000_000u64));
    assert!(events.iter().any(|e| e["ph"] == "i" && e["cat"] == "verdict" && e["ts"] == 1_830_000_000u64));
}

/// Slices on one Perfetto thread must nest (the format's rule: a viewer
/// drops or misdraws the rest). An NXDOMAIN cached while the record
/// already exists, or two copies of a pod running, overlap the lane's own
/// slices, so overlays get a thread of their own.
#[test]
fn perfetto_slices_nest_on_every_thread() {
    for name in ["peers-retry-negative-cache", "primary-claim-recreated", "force-delete-two-copies"] {
        let (sim, report) = run_file(name);
        let json: serde_json::Value = serde_json::from_str(&stsim_render::perfetto(&sim, &report)).unwrap();
        let mut threads: std::collections::BTreeMap<(u64, u64), Vec<(u64, u64)>> = Default::default();
        for e in json["traceEvents"].as_array().unwrap().iter().filter(|e| e["ph"] == "X") {
            let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
            let ts = e["ts"].as_u64().unwrap();
            threads.entry(key).or_default().push((ts, ts + e["dur"].as_u64().unwrap()));
        }
        let mut overlays = 0;
        for (thread, mut slices) in threads {
            overlays += usize::from(thread.1 >= 1 << 32);
            // Longest first among those starting together, as a viewer stacks them.
            slices.sort_by_key(|&(from, to)| (from, std::cmp::Reverse(to)));
            let mut open: Vec<u64> = Vec::new();
            for (from, to) in slices {
                while open.last().is_some_and(|&end| end <= from) {
                    open.pop();
                }
                assert!(
                    open.last().is_none_or(|&end| to <= end),
                    "{name}: {thread:?} {from}..{to} in {open:?}"
                );
                open.push(to);
            }
        }
        assert!(overlays > 0, "{name}: its overlays have threads of their own");
    }
}

/// The page of a long run on a big cluster stays within this many bytes.
const HTML_BUDGET: usize = 2_000_000;

/// `days` of random node failures on `nodes` nodes running `sets` sets of 5.
fn long_run(nodes: u32, sets: u32, days: u64) -> (stsim_core::Simulation, stsim_core::Report) {
    let mut config = stsim_core::fixtures::scenario(
        "long-run",
        sets,
        5,
        PodManagementPolicy::OrderedReady,
        SimDuration::from_mins(days * 24 * 60),
    );
    config.cluster.node_pools[0].count = nodes;
    config.cluster.node_failures =
        Some(NodeFailureConfig::crashes(SimDuration::from_mins(5 * 24 * 60), SimDuration::from_mins(60)));
    stsim_core::run(config)
}

fn check_budget(nodes: u32, sets: u32, days: u64) {
    let (sim, report) = long_run(nodes, sets, days);
    let html = stsim_render::html(&sim, &report);
    eprintln!(
        "{nodes} nodes, {sets} sets, {days} days: {} trace records, page {} bytes, svg {} bytes",
        report.trace_records,
        html.len(),
        stsim_render::svg(&sim, &report).len()
    );
    // To look at the page: STSIM_BUDGET_PAGE=/tmp/long.html cargo test ... long_run
    if let Some(path) = std::env::var_os("STSIM_BUDGET_PAGE") {
        std::fs::write(path, &html).unwrap();
    }
    assert!(html.len() <= HTML_BUDGET, "{nodes} nodes, {days} days: {} bytes", html.len());
    let timeline = stsim_render::picture_lanes(&sim, &report);
    assert!(stsim_render::lanes::elements(&timeline) <= 4000);
    // Merging keeps count of what it merged: no state is lost from the hover text.
    let full = stsim_render::lanes::build(
        &sim.world,
        &sim.trace.records,
        &report,
        stsim_render::lanes::Detail::FULL,
    );
    let shown = &timeline.groups[0].lanes[0];
    let kept = full.groups[0].lanes.iter().find(|l| l.name == shown.name).unwrap();
    assert_eq!(kept.spans.len() as u32, shown.spans.iter().map(|s| s.merged).sum::<u32>(), "{}", kept.name);
    for group in &timeline.groups {
        assert!(group.lanes.len() <= 40, "{}: {} lanes", group.id, group.lanes.len());
        for lane in &group.lanes {
            assert!(lane.spans.len() <= 500, "{}: {} spans", lane.name, lane.spans.len());
        }
    }
    // The folded lanes still count the failures: some window has a bad state.
    let nodes_group = timeline.groups.iter().find(|g| g.id == "nodes").unwrap();
    let folded = nodes_group.lanes.last().unwrap();
    assert!(folded.name.ends_with("more nodes"), "{}", folded.name);
    assert!(!folded.spans.is_empty(), "crashes among the folded nodes are counted");
}

#[test]
fn a_long_run_on_a_big_cluster_stays_within_the_page_budget() {
    check_budget(200, 100, 7);
}

/// The bench's shape, a month on 1,000 nodes: slow in a debug build, so run
/// it with `cargo test --release -p stsim-tests -- --ignored month`.
#[test]
#[ignore]
fn a_month_on_1000_nodes_stays_within_the_page_budget() {
    check_budget(1000, 200, 30);
}

#[test]
fn stsim_run_writes_the_pictures_beside_its_output() {
    let dir = std::env::temp_dir().join(format!("stsim-render-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).display().to_string();
    let args: Vec<String> =
        ["run", "headless-service-renamed", "--html", &file("r.html"), "--svg", &file("r.svg")]
            .into_iter()
            .chain(["--perfetto", &file("r.json")])
            .map(String::from)
            .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(stsim_cli::run(&args, &mut out, &mut err), stsim_cli::ExitStatus::Success);
    assert!(
        String::from_utf8(out).unwrap().starts_with("scenario headless-service-renamed"),
        "the report is printed too"
    );
    let (sim, report) = run_file("headless-service-renamed");
    let lesson = stsim_examples::teaching(stsim_examples::find("headless-service-renamed").unwrap()).lesson;
    assert!(lesson.is_some());
    let page = std::fs::read_to_string(file("r.html")).unwrap();
    assert_eq!(page, stsim_render::html_with_lesson(&sim, &report, lesson.as_deref()));
    assert!(page.contains("<b>Lesson:</b> A pod's DNS record lives only while"));
    assert_eq!(std::fs::read_to_string(file("r.svg")).unwrap(), stsim_render::svg(&sim, &report));
    assert_eq!(std::fs::read_to_string(file("r.json")).unwrap(), stsim_render::perfetto(&sim, &report));
    // A file that cannot be written is bad input, named.
    let missing = dir.join("no/such/dir/r.html").display().to_string();
    let args: Vec<String> =
        ["run", "headless-service-renamed", "--html", &missing].map(String::from).to_vec();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(stsim_cli::run(&args, &mut out, &mut err), stsim_cli::ExitStatus::Error);
    assert!(String::from_utf8(err).unwrap().contains(&format!("error: cannot write {missing}")));
}

#[test]
fn two_copies_of_an_identity_show_as_a_bar_over_its_lane() {
    let (sim, report) = run_file("partition-force-delete-two-copies");
    let full = stsim_render::lanes::build(
        &sim.world,
        &sim.trace.records,
        &report,
        stsim_render::lanes::Detail::FULL,
    );
    let redis0 = lane(&full, "pods", "redis-0");
    let (since, until) = sim
        .world
        .identity_violations
        .iter()
        .map(|v| (v.since.as_millis(), v.until.map_or(report.ended_at_ms, |t| t.as_millis())))
        .next()
        .expect("the scenario runs two copies");
    let bars: Vec<(u64, u64, &str)> = redis0.overlays.iter().map(|o| (o.from_ms, o.to_ms, o.class)).collect();
    assert_eq!(bars, vec![(since, until, "duplicate")]);
    // The lane follows the pod objects: the force-deleted one ends, the new one starts.
    assert!(redis0.spans.windows(2).all(|w| w[0].to_ms <= w[1].from_ms), "spans never overlap");
    let nodes: std::collections::BTreeSet<&str> =
        redis0.spans.iter().filter_map(|s| s.node.as_deref()).collect();
    assert!(nodes.len() >= 2, "redis-0 ran on two nodes: {nodes:?}");
}

/// A name looked up again and again while it does not resolve has its
/// NXDOMAIN cached anew every 30 s for the whole run: a week of it is
/// thousands of overlays a lane, merged to the picture's
/// resolution (found by fuzzing: the HTML report of one such month was
/// 120 MB; every trace record is still in `--perfetto`'s full detail).
#[test]
fn a_week_of_cached_denials_is_merged_in_the_picture() {
    let source = crate::support::scenario_file("rack-outage-quorum")
        .replace(r#"(name: "by-rack", clusterIP: "None","#, r#"(name: "by-rack", clusterIP: "10.96.0.10","#)
        .replace(r#"duration: "30d","#, r#"duration: "7d","#)
        // Under kube-dns a Service with a cluster IP names no pod.
        .replace("    seed: 1,\n", "    seed: 1,\n    dns: (server: KubeDns),\n");
    assert!(source.contains("KubeDns"));
    let (sim, report) = crate::support::run(&source);
    let denials = sim
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, stsim_core::trace::Event::DnsNegativeCached { .. }))
        .count();
    assert!(denials > 10_000, "{denials}");
    let timeline = stsim_render::picture_lanes(&sim, &report);
    let overlays: Vec<&stsim_render::lanes::Span> =
        timeline.groups.iter().flat_map(|g| &g.lanes).flat_map(|l| &l.overlays).collect();
    assert!(overlays.len() < 100, "{} overlays", overlays.len());
    let merged: u64 = overlays.iter().map(|o| u64::from(o.merged)).sum();
    assert!(merged as usize >= denials, "each denial is counted: {merged} of {denials}");
    let widest = overlays.iter().max_by_key(|o| o.merged).unwrap();
    assert!(
        widest.title.contains(&format!("NXDOMAIN cached {} times from", widest.merged)),
        "{}",
        widest.title
    );
    assert!(widest.title.contains("\nfirst: "), "{}", widest.title);
    let html = stsim_render::html(&sim, &report);
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
}

/// Every hover text is worded from what it quotes: a state's span names
/// its lane, state, node and times, then the record that began it (at its
/// start); a restart its count; an NXDOMAIN and two copies their own
/// words; a verdict its cause chain. Worded as the lanes are built, and
/// so as the Perfetto trace is written.
#[test]
fn hover_texts_quote_what_began_them() {
    let ms = |at: u64| stsim_core::time::SimTime::from_millis(at).to_string();
    let mut seen = std::collections::BTreeSet::new();
    for name in ["liveness-restarts", "headless-service-renamed", "force-delete-two-copies"] {
        let (sim, report) = run_file(name);
        let full = stsim_render::lanes::build(
            &sim.world,
            &sim.trace.records,
            &report,
            stsim_render::lanes::Detail::FULL,
        );
        for lane in full.groups.iter().flat_map(|g| &g.lanes) {
            for span in &lane.spans {
                let place = span.node.as_deref().map(|n| format!(" on {n}")).unwrap_or_default();
                let head = format!(
                    "{}: {}{place}\n{} to {} ({})\n",
                    lane.name,
                    span.state,
                    ms(span.from_ms),
                    ms(span.to_ms),
                    SimDuration::from_millis(span.to_ms - span.from_ms)
                );
                let cause =
                    span.title.strip_prefix(&head).unwrap_or_else(|| panic!("{head:?}: {}", span.title));
                let begun = format!("{}  ", ms(span.from_ms));
                assert!(
                    cause.starts_with(&begun) || cause == "in the scenario's cluster from the start",
                    "{}",
                    span.title
                );
                if span.class == "broken" && cause.contains("\ncause: ") {
                    seen.insert("verdict");
                }
                seen.insert("state");
            }
            for overlay in &lane.overlays {
                let words = match overlay.class {
                    "nxdomain" => format!("{}: NXDOMAIN, cached by CoreDNS until ", lane.name),
                    _ => format!("{}: two copies of this identity run at once\n", lane.name),
                };
                assert!(overlay.title.starts_with(&words), "{words:?}: {}", overlay.title);
                seen.insert(overlay.class);
            }
            for mark in &lane.marks {
                let at = format!("{}  ", ms(mark.at_ms));
                let cause = match mark.class {
                    "restart" => {
                        seen.insert("restart");
                        let (count, cause) = mark.title.split_once('\n').unwrap();
                        assert!(count.strip_prefix("restart #").is_some_and(|n| n.parse::<u32>().is_ok()));
                        cause
                    }
                    _ => mark.title.as_str(),
                };
                assert!(cause.starts_with(&at), "{at:?}: {}", mark.title);
            }
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["duplicate", "nxdomain", "restart", "state", "verdict"],
        "every kind of hover text was seen"
    );
}
