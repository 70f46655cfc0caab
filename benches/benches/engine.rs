//! Engine throughput, reported by criterion as events per second and as
//! simulated seconds (or days) per wall-clock second.
//!
//! `cargo bench -p stsim-benches` runs them; the figures are in criterion's
//! `thrpt` lines (`elem/s`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use stsim_benches::{big_set, churn, etcd_fleet, failover_fleet, node_failures};
use stsim_core::time::SimDuration;

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

/// 1,000 nodes over 3 zones, 200 StatefulSets of 5 replicas, a month of
/// random node crashes (each node every 30 days on average) and repairs
/// (after an hour on average).
fn node_failures_month(c: &mut Criterion) {
    let days = 30;
    let config =
        node_failures(1000, 200, 5, days, SimDuration::from_mins(30 * 24 * 60), SimDuration::from_mins(60));
    let (sim, _) = stsim_core::run(config.clone());
    let events = sim.events;

    let mut group = c.benchmark_group("1000 nodes, 200 statefulsets x 5, 30 days of node failures");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("events per second", |b| {
        b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
    });
    // Read as simulated days per wall second; its inverse is the wall time per simulated day.
    group.throughput(Throughput::Elements(days));
    group.bench_function("simulated days per second", |b| {
        b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
    });
    group.finish();
}

/// One Parallel StatefulSet of 2,000 pods scaled to zero and back five
/// times: a large set, each of whose syncs and scheduling attempts looks
/// at all its pods.
fn big_set_2000(c: &mut Criterion) {
    let config = big_set(2000, 5);
    let (sim, _) = stsim_core::run(config.clone());
    let mut group = c.benchmark_group("1 statefulset x 2000 replicas, scaled 0 <-> 2000 five times");
    group.sample_size(10);
    group.throughput(Throughput::Elements(sim.events));
    group.bench_function("events per second", |b| {
        b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
    });
    group.finish();
}

/// Fleets of etcd clusters of 5, five nodes a cluster, a week of node
/// failures: a look at the applications evaluates only those a change
/// concerns, so the events per second of 100 and 400 clusters compare
/// (they fell fourfold from one to the other when every look evaluated
/// every cluster).
fn etcd_fleets(c: &mut Criterion) {
    for clusters in [100, 400] {
        let config = etcd_fleet(clusters, 5, clusters * 5, 7);
        let (sim, _) = stsim_core::run(config.clone());
        let mut group = c.benchmark_group(format!(
            "{clusters} etcd clusters x 5 on {} nodes, 7 days of node failures",
            clusters * 5
        ));
        group.sample_size(10);
        group.throughput(Throughput::Elements(sim.events));
        group.bench_function("events per second", |b| {
            b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
        });
        group.finish();
    }
}

/// Fleets of primary/replica sets watched by one `Failover` operator, a
/// week of node failures: the operator's view is refreshed in place from
/// the objects that changed, so only the applications' part of it (their
/// members' positions move with time) and the operator's own look at every
/// set grow with the fleet at each reconcile.
fn failover_fleets(c: &mut Criterion) {
    for sets in [100, 400] {
        let config = failover_fleet(sets, 7);
        let (sim, _) = stsim_core::run(config.clone());
        let mut group = c.benchmark_group(format!(
            "{sets} primary/replica sets x 3 on {} nodes with Failover, 7 days of node failures",
            sets * 5
        ));
        group.sample_size(10);
        group.throughput(Throughput::Elements(sim.events));
        group.bench_function("events per second", |b| {
            b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
        });
        group.finish();
    }
}

criterion_group!(
    benches,
    statefulsets_100x5,
    node_failures_month,
    big_set_2000,
    etcd_fleets,
    failover_fleets
);
criterion_main!(benches);
