//! Runs the month of random node failures on N nodes once and prints the
//! time an event costs in each phase of the month: the start (the first
//! ten minutes, every pod created, scheduled and started), the first day,
//! then each week of failures and recoveries. Compared across sizes, it
//! tells whether a growth in cost comes from the start or from the
//! steady state (docs/performance.md, twenty-first round).
//!
//! `cargo run --release -p stsim-benches --example phase -- 10000`
fn main() {
    let nodes: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let config = stsim_benches::scale_month(nodes);
    let start = std::time::Instant::now();
    let mut sim = stsim_core::Simulation::new(config);
    let made = start.elapsed().as_secs_f64();
    println!("{nodes} nodes: world made in {made:.4} s");
    const DAY: u64 = 86_400_000;
    let phases = [
        ("10 minutes", 600_000),
        ("day 1", DAY),
        ("week 1", 7 * DAY),
        ("week 2", 14 * DAY),
        ("week 3", 21 * DAY),
    ];
    let (mut phase, mut events, mut since) = (0, 0, made);
    let report = |name: &str, now_events: u64, at: f64, events: &mut u64, since: &mut f64| {
        let (n, took) = (now_events - *events, at - *since);
        println!("{name:>10}: {n:>8} events in {took:.4} s, {:.0} ns an event", took * 1e9 / n.max(1) as f64);
        (*events, *since) = (now_events, at);
    };
    while sim.step() {
        if phase < phases.len() && sim.now().as_millis() >= phases[phase].1 {
            report(phases[phase].0, sim.events, start.elapsed().as_secs_f64(), &mut events, &mut since);
            phase += 1;
        }
    }
    report("the rest", sim.events, start.elapsed().as_secs_f64(), &mut events, &mut since);
}
