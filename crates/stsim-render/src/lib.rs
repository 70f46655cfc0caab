//! stsim-render: pictures of a finished stsim run, for people and viewers.
//!
//! - [`lanes`]: the trace replayed into lanes (a pod identity, a node, a
//!   volume, a DNS name, an application's verdict), merged and folded so a
//!   month on 1,000 nodes stays readable and small.
//! - [`svg`]: the timeline picture (`stsim run --svg`).
//! - [`html`]: the self-contained HTML report around it (`stsim run --html`).
//! - [`perfetto`]: Chrome trace-event JSON for Perfetto (`stsim run --perfetto`).
//! - [`events`]: the run as the Kubernetes events its components record and
//!   the API server keeps (`stsim events`, and the HTML report's table).
//! - [`cells`]: kubectl's forms of a table cell (ages, RESTARTS), for every
//!   table above and the CLI's.
//!
//! Depends on `stsim-core` only, so both the CLI and the WebAssembly
//! playground draw the same pictures. Does no I/O: every function returns a
//! string, or writes into a writer it is given (what can be as large as the
//! run: the Perfetto trace, the events); output is a function of the run
//! alone (deterministic).

pub mod cells;
pub mod events;
pub mod html;
pub mod lanes;
pub mod perfetto;
pub mod svg;

use stsim_core::{Report, Simulation};

/// The picture's lanes at the picture's resolution.
pub fn picture_lanes(sim: &Simulation, report: &Report) -> lanes::Timeline {
    let end = report.ended_at_ms.max(1);
    lanes::build(&sim.world, &sim.trace.records, report, lanes::Detail::picture(end, svg::PLOT_WIDTH as u64))
}

fn title(report: &Report) -> String {
    format!(
        "{} (seed {}), {} long",
        report.scenario,
        report.seed,
        stsim_core::time::SimTime::from_millis(report.ended_at_ms)
    )
}

/// The timeline picture of a finished run, as an SVG document.
pub fn svg(sim: &Simulation, report: &Report) -> String {
    svg::render(&picture_lanes(sim, report), &title(report))
}

/// The report of a finished run as one self-contained HTML page.
pub fn html(sim: &Simulation, report: &Report) -> String {
    html_with_lesson(sim, report, None)
}

/// The same page with the scenario's lesson under its title.
pub fn html_with_lesson(sim: &Simulation, report: &Report, lesson: Option<&str>) -> String {
    html_with_events(sim, report, &page_events(sim), lesson)
}

/// The events the page lists, of a finished run: they can be worked out
/// before its report is made, so that the two, each as large as the run,
/// are not held at once.
pub fn page_events(sim: &Simulation) -> html::PageEvents {
    html::PageEvents::of(events::recorded(sim).events)
}

/// [`html_with_lesson`], listing `events` ([`page_events`]).
pub fn html_with_events(
    sim: &Simulation,
    report: &Report,
    events: &html::PageEvents,
    lesson: Option<&str>,
) -> String {
    html::render(report, &svg(sim, report), events, lesson)
}

/// The page's content without `<html>` (for the playground to embed),
/// with the picture and the events of the run.
pub fn html_body(sim: &Simulation, report: &Report) -> String {
    html::body(report, &svg(sim, report), &page_events(sim), None)
}

/// The run as Chrome trace-event JSON, at full detail.
pub fn perfetto(sim: &Simulation, report: &Report) -> String {
    let timeline = lanes::build(&sim.world, &sim.trace.records, report, lanes::Detail::FULL);
    perfetto::render(&timeline, &title(report))
}

/// [`perfetto`] written to `writer` as it is made (a run's trace events
/// are hundreds of bytes each, as many as its records). Fails only as
/// `writer` does.
pub fn write_perfetto(
    sim: &Simulation,
    report: &Report,
    writer: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // The lanes as replayed, each hover text worded as it is written.
    let replayed = lanes::replay(&sim.world, &sim.trace.records, report);
    let wording = lanes::Wording { world: &sim.world, records: &sim.trace.records, end_ms: replayed.end_ms };
    perfetto::write_replayed(&replayed, &wording, &title(report), writer)
}
