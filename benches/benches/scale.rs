//! How cost grows: the event queue against a plain `BinaryHeap` baseline
//! (the same design written with the standard library's map), a month
//! of random node failures on 100, 1,000 and 10,000 nodes (one pod per
//! node), and a sweep of 1,000 seeds of `benches/scenarios/redis-month.ron`.
//!
//! `cargo bench -p stsim-benches --bench scale` runs them (minutes: the
//! 10,000-node month takes seconds an iteration); add a filter such as
//! `-- queue` to run one group. Figures are in criterion's `thrpt` lines:
//! events per second for the queue and the scale series, runs per second
//! for the sweep. See the README's "Numbers" and docs/performance.md for measured values.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hint::black_box;
use stsim_core::queue::{EventQueue, Phase};
use stsim_core::time::SimTime;

/// A workload shaped like a run: keys re-armed (moved) and woken
/// (deduplicated) at pseudo-random later times, one pop per three pushes.
fn operations(n: u64) -> Vec<(u32, u64)> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            state = stsim_core::hash::splitmix64(state);
            ((state % 5_000) as u32, (state >> 32) % 60_000)
        })
        .collect()
}

fn run_event_queue(ops: &[(u32, u64)]) -> u64 {
    let mut queue: EventQueue<u32> = EventQueue::new();
    let mut popped = 0;
    for (i, (key, delay)) in ops.iter().enumerate() {
        let at = SimTime::from_millis(queue.now().as_millis() + delay);
        if i % 2 == 0 {
            queue.arm(*key, at, Phase::Controller);
        } else {
            queue.wake(*key, at, Phase::Controller);
        }
        if i % 3 == 2 && queue.pop().is_some() {
            popped += 1;
        }
    }
    while queue.pop().is_some() {
        popped += 1;
    }
    popped
}

/// The baseline: a binary heap with lazy cancellation (stale entries are
/// skipped when popped) and std's SipHash map of live slots, keeping the
/// same arm/wake semantics: `EventQueue`'s design, written plainly.
fn run_binary_heap(ops: &[(u32, u64)]) -> u64 {
    let mut heap: BinaryHeap<Reverse<(u64, Phase, u64, u32)>> = BinaryHeap::new();
    let mut current: HashMap<u32, (u64, u64)> = HashMap::new();
    let (mut now, mut sequence, mut popped) = (0u64, 0u64, 0u64);
    let pop = |heap: &mut BinaryHeap<Reverse<(u64, Phase, u64, u32)>>,
               current: &mut HashMap<u32, (u64, u64)>,
               now: &mut u64| {
        while let Some(Reverse((at, _, seq, key))) = heap.pop() {
            if current.get(&key).is_some_and(|(_, s)| *s == seq) {
                current.remove(&key);
                *now = at;
                return true;
            }
        }
        false
    };
    for (i, (key, delay)) in ops.iter().enumerate() {
        let at = now + delay;
        let skip = i % 2 == 1 && current.get(key).is_some_and(|(queued, _)| *queued <= at);
        if !skip {
            sequence += 1;
            current.insert(*key, (at, sequence));
            heap.push(Reverse((at, Phase::Controller, sequence, *key)));
        }
        if i % 3 == 2 && pop(&mut heap, &mut current, &mut now) {
            popped += 1;
        }
    }
    while pop(&mut heap, &mut current, &mut now) {
        popped += 1;
    }
    popped
}

fn queue(c: &mut Criterion) {
    let ops = operations(100_000);
    assert_eq!(run_event_queue(&ops), run_binary_heap(&ops), "the baseline pops the same events");
    let mut group = c.benchmark_group("queue: 100,000 arms and wakes over 5,000 keys");
    group.throughput(Throughput::Elements(ops.len() as u64));
    group.bench_function("EventQueue", |b| b.iter(|| run_event_queue(black_box(&ops))));
    group.bench_function("BinaryHeap, lazy cancellation, std HashMap", |b| {
        b.iter(|| run_binary_heap(black_box(&ops)))
    });
    group.finish();
}

fn scale_series(c: &mut Criterion) {
    let mut group = c.benchmark_group("a month of node failures, one pod per node");
    group.sample_size(10);
    for nodes in [100u32, 1_000, 10_000] {
        let config = stsim_benches::scale_month(nodes);
        let (sim, _) = stsim_core::run(config.clone());
        group.throughput(Throughput::Elements(sim.events));
        group.bench_with_input(BenchmarkId::new("events per second", nodes), &config, |b, config| {
            b.iter(|| black_box(stsim_core::run(black_box(config.clone()))))
        });
    }
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/redis-month.ron");
    let source = std::fs::read_to_string(file).expect("the bench scenario");
    let request = stsim_cli::sweep::Request {
        file: file.to_string(),
        seeds: 1_000,
        first_seed: 1,
        vary: Vec::new(),
        shard: None,
        jobs: None,
        progress: false,
        manifests_outside_root: false,
    };
    // The bench scenario runs no external operator: nothing to allow.
    let exec = stsim_cli::consent::ExecPolicy::default();
    let mut group = c.benchmark_group("sweep: 1,000 seeds of redis-month, all cores");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("runs per second", |b| {
        b.iter(|| {
            black_box(stsim_cli::sweep::run(&request, &source, &exec, &|_| None).expect("the sweep runs"))
        })
    });
    group.finish();
}

criterion_group!(benches, queue, scale_series, sweep);
criterion_main!(benches);
