//! Engine throughput, reported by criterion as events per second and as
//! simulated seconds per wall-clock second.
//!
//! `cargo bench -p stsim-benches` runs them; the figures are in criterion's
//! `thrpt` lines (`elem/s`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use stsim_benches::churn;

fn statefulsets_100x5(c: &mut Criterion) {
    let config = churn(100, 5);
    let (sim, _) = stsim_core::run(config.clone());
    let events = sim.events;
    let simulated_seconds = sim.ended.expect("the run ended").0.as_millis() / 1000;

    let mut group = c.benchmark_group("100 statefulsets x 5 replicas, 1h of churn");
    group.sample_size(20);
    group.throughput(Throughput::Elements(events));
    group.bench_function("events per second", |b| {
        b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
    });
    group.throughput(Throughput::Elements(simulated_seconds));
    group.bench_function("simulated seconds per second", |b| {
        b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
    });
    group.finish();
}

criterion_group!(benches, statefulsets_100x5);
criterion_main!(benches);
