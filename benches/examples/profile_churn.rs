//! Runs the bench workload in a loop, for a profiler to watch.
fn main() {
    let config = stsim_benches::churn(100, 5);
    for _ in 0..20 {
        std::hint::black_box(stsim_core::run(config.clone()));
    }
}
