//! stsim's integration tests: the engine against the real controller's
//! recorded decisions, every shipped scenario, determinism, and the CLI.
//!
//! `oracle` is the interpreter for the reference scripts; the test modules
//! below use it and the public APIs of the three crates, never internals.

pub mod oracle;

#[cfg(test)]
mod api_verbs;
#[cfg(test)]
mod apps;
#[cfg(test)]
mod behaviour;
#[cfg(test)]
mod browser;
#[cfg(test)]
mod cli;
#[cfg(test)]
mod containers;
#[cfg(test)]
mod databases;
#[cfg(test)]
mod determinism;
#[cfg(test)]
mod dns_rules;
#[cfg(test)]
mod e2e_cases;
#[cfg(test)]
mod expectations;
#[cfg(test)]
mod hand_edits;
#[cfg(test)]
mod hostile;
#[cfg(test)]
mod images;
#[cfg(test)]
mod invariants;
#[cfg(test)]
mod manifests;
#[cfg(test)]
mod mistakes;
#[cfg(test)]
mod node_shutdown;
#[cfg(test)]
mod nodes;
#[cfg(test)]
mod operator_examples;
#[cfg(test)]
mod operator_templates;
#[cfg(test)]
mod operators;
#[cfg(test)]
mod oracle_traces;
#[cfg(test)]
mod render;
#[cfg(test)]
mod report_schema;
#[cfg(test)]
mod scheduling;
#[cfg(test)]
mod scheduling_queue;
#[cfg(test)]
mod storage;
#[cfg(test)]
mod support;
#[cfg(test)]
mod sync_retries;
#[cfg(test)]
mod teach;
#[cfg(test)]
mod tidy;
#[cfg(test)]
mod topology_spread;
#[cfg(test)]
mod updates;
