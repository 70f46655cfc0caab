//! Determinism is the product: the same scenario and seed must give
//! byte-identical output, run after run.

use crate::support::{parse, scenario_file};

fn outputs(name: &str) -> (String, String, String) {
    let (sim, report) = stsim_core::run(parse(&scenario_file(name)));
    (
        stsim_cli::render::text::render(&report),
        stsim_cli::render::json::render(&report),
        sim.trace.render(&sim.world),
    )
}

#[test]
fn same_scenario_same_seed_same_bytes() {
    for name in ["redis-ordered-startup", "redis-parallel-startup", "pod-deleted-comes-back"] {
        let first = outputs(name);
        for _ in 0..3 {
            assert_eq!(outputs(name), first, "{name} changed between runs");
        }
    }
}

#[test]
fn the_digest_tracks_the_trace() {
    let config = parse(&scenario_file("redis-ordered-startup"));
    let (_, a) = stsim_core::run(config.clone());
    let (_, b) = stsim_core::run(config.clone());
    assert_eq!(a.trace_digest, b.trace_digest);
    // A different seed changes the scheduler's tie-breaks, and so the trace.
    let digests: std::collections::BTreeSet<String> = (0..8)
        .map(|seed| {
            let mut config = config.clone();
            config.seed = seed;
            stsim_core::run(config).1.trace_digest
        })
        .collect();
    assert!(digests.len() > 1, "seeds must matter somewhere: {digests:?}");
}

/// Every shipped scenario (node failures, applications, operators and all)
/// gives the same text, JSON and trace twice over.
#[test]
fn every_shipped_scenario_is_deterministic() {
    for name in crate::support::shipped_scenarios() {
        let source = crate::support::scenario_file(&name);
        let mut config = parse(&source);
        // External operators run from the scenario's directory.
        for operator in &mut config.operators {
            if let stsim_core::config::OperatorKind::External { workdir, .. } = &mut operator.kind {
                let dir = crate::support::repo_root().join("scenarios").join(&name);
                *workdir = dir.parent().map(|d| d.display().to_string());
            }
        }
        let render = |config: stsim_core::Config| {
            let (sim, report) = stsim_cli::simulate(config, &stsim_cli::consent::ExecPolicy::allow_all())
                .expect("the scenario runs");
            (
                stsim_cli::render::text::render(&report),
                stsim_cli::render::json::render(&report),
                sim.trace.render(&sim.world),
            )
        };
        assert_eq!(render(config.clone()), render(config), "{name} changed between runs");
    }
}
