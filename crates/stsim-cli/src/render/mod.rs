//! Renderers of a run's report: text for people, JSON for machines.
//!
//! Owns presentation only; the report's content is `stsim_core::report`.

pub mod json;
pub mod text;
pub mod yaml;
