//! Fuzz target: any bytes as Kubernetes manifests (YAML or JSON) through
//! `parse_manifests` (default limits) in a story picked by the first byte,
//! then a short run within a small budget and the report. Any panic, hang
//! or unbounded growth is a finding. Run it as `fuzz/README.md` says.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let stories = stsim_scenario::STORIES;
    let story = stories[usize::from(pick) % stories.len()].0;
    let files = [("fuzz.yaml".to_string(), text.to_string())];
    let Ok(loaded) = stsim_scenario::parse_manifests(&files, story) else { return };
    let mut sim = stsim_core::Simulation::new(loaded.config);
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
    let _ = stsim_core::story::tell(&sim);
});
