//! The JSON rendering of a report: `stsim run --json`.
//!
//! The schema is the serde form of `stsim_core::report::Report`, documented
//! there. Output is pretty-printed, key order fixed by the struct order.

use stsim_core::Report;

pub fn render(report: &Report) -> String {
    // invariant: a Report is plain data with string keys; serializing it cannot fail.
    let mut out = serde_json::to_string_pretty(report).expect("a report always serializes");
    out.push('\n');
    out
}
