//! Fuzz target: any bytes through what `stsim run` does with a file: UTF-8,
//! parse and validate (default limits), then a short run within a small
//! budget, the report, its text and JSON renderings, the story, the
//! expectations, and what `stsim events` and the pictures make of the run
//! (the HTML report, with its events, and the Perfetto trace). Any panic,
//! hang or unbounded growth is a finding.
//! Run it as `fuzz/README.md` says.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = stsim_scenario::parse_scenario(text, "fuzz.ron") else { return };
    // External operators never start here: `Simulation::new` stands in a
    // built-in that fails the run, as a missing consent would.
    let mut sim = stsim_core::Simulation::new(config);
    sim.budget = stsim_core::sim::Budget {
        events: 100_000,
        trace_records: 100_000,
        objects: 20_000,
        ..stsim_core::sim::Budget::DEFAULT
    };
    sim.run();
    let report = stsim_core::report::build(&sim);
    let _ = stsim_cli::render::text::render(&report);
    let _ = stsim_cli::render::json::render(&report);
    let _ = sim.trace.render(&sim.world);
    let _ = stsim_core::story::tell(&sim);
    let _ = stsim_core::expect::check(&sim, &report);
    let _ = stsim_render::events::emitted(&sim);
    let _ = stsim_render::html(&sim, &report);
    let _ = stsim_render::perfetto(&sim, &report);
});
