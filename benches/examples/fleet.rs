//! Runs the Failover fleet (`stsim_benches::failover_fleet`: SETS
//! primary/replica sets of 3 watched by one built-in `Failover` operator,
//! a week of node failures) once and prints the events, the wall time,
//! events per second and the trace digest, for a profiler to watch.
//!
//! `cargo run --release -p stsim-benches --example fleet -- 400 [days]`
fn main() {
    let sets: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let days: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(7);
    let config = stsim_benches::failover_fleet(sets, days);
    let start = std::time::Instant::now();
    let mut sim = stsim_core::Simulation::new(config);
    sim.run();
    let ran = start.elapsed().as_secs_f64();
    let report = stsim_core::report::build(&sim);
    let wall = start.elapsed().as_secs_f64();
    println!(
        "{sets} sets: {} events in {wall:.3} s (report {:.3} s), {:.0} events/s, digest {}",
        sim.events,
        wall - ran,
        sim.events as f64 / wall,
        report.trace_digest
    );
}
