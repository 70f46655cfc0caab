//! stsim-core: the engine of stsim, a deterministic discrete-event model of
//! Kubernetes StatefulSets.
//!
//! A [`config::Config`] becomes a [`world::World`]; [`sim::Simulation`] runs
//! its event loop, in which the control loops of [`controllers`] react to
//! changes they see, writing through [`api::Api`], which records every
//! change in the [`trace::Trace`]. [`report::build`] turns the finished run
//! into plain data.
//!
//! This crate does no I/O: no files, no terminal, no clock, no threads. It
//! must not depend on `stsim-scenario` or `stsim-cli`. Nothing observable
//! iterates a hash container; randomness comes only from [`rng`] streams.
#![warn(clippy::disallowed_methods, clippy::disallowed_types, clippy::print_stdout, clippy::print_stderr)]

pub mod api;
pub mod apps;
pub mod config;
pub mod controllers;
pub mod cost;
pub mod events;
pub mod expect;
pub mod features;
pub mod findings;
pub mod fixtures;
pub mod hash;
pub mod image_ref;
pub mod kube;
pub mod label_map;
pub mod name_index;
pub mod network;
pub mod objects;
pub mod operator_runner;
pub mod operators;
pub mod pricing;
pub mod queue;
pub mod report;
pub mod rng;
pub mod sim;
pub mod story;
pub mod summary;
pub mod time;
pub mod trace;
pub mod world;

pub use config::Config;
pub use report::Report;
pub use sim::Simulation;

/// Runs a scenario to its end and reports on it.
pub fn run(config: Config) -> (Simulation, Report) {
    finish(Simulation::new(config))
}

/// Runs a simulation (built with its operators) to its end and reports on it.
pub fn finish(mut sim: Simulation) -> (Simulation, Report) {
    sim.run();
    let report = report::build(&sim);
    (sim, report)
}
