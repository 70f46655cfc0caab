//! Runs the month of random node failures on N nodes once and prints the
//! events, the wall time (and how much of it the report took), events per
//! second and the trace digest, for a profiler (`perf record -g`) or
//! `valgrind --tool=callgrind` to watch.
//!
//! `cargo run --release -p stsim-benches --example scale -- 1000 [repeats]`
fn main() {
    let nodes: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let repeat: u32 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let config = stsim_benches::scale_month(nodes);
    for _ in 0..repeat {
        let start = std::time::Instant::now();
        let mut sim = stsim_core::Simulation::new(config.clone());
        sim.run();
        let ran = start.elapsed().as_secs_f64();
        let report = stsim_core::report::build(&sim);
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{nodes} nodes: {} events in {wall:.3} s (report {:.3} s), {:.0} events/s, digest {}",
            sim.events,
            wall - ran,
            sim.events as f64 / wall,
            report.trace_digest
        );
    }
}
