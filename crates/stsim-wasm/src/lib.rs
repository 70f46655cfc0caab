//! stsim-wasm: what the browser playground (`web/`) calls. Parses a
//! scenario, runs it with the same engine as the CLI (so the trace digest is
//! the CLI's, byte for byte), and returns the report as the HTML the CLI's
//! `--html` writes (picture, sections and the run's Kubernetes events), all
//! as JSON strings.
//!
//! Owns the JavaScript-facing functions only; the library of scenarios and
//! their teaching metadata come from `stsim-cli`'s built-in examples.
//! External operators (child processes) cannot run in a browser: a scenario
//! that has one gets an error.

use serde_json::json;
use wasm_bindgen::prelude::wasm_bindgen;

/// The built-in scenarios and exercises, as a JSON array of
/// `{name, path, source, theme, tags, lesson, hint, summary, exercise, quiz}`
/// (`quiz`: `{question, choices, answer (an index), explanation}` or null).
#[wasm_bindgen]
pub fn library() -> String {
    let entry = |example: &stsim_examples::Example, exercise: bool| {
        let teaching = stsim_examples::teaching(example);
        json!({
            "name": example.name,
            "path": example.path,
            "source": example.source,
            "theme": stsim_examples::theme_title(teaching.tags.first().map(String::as_str)),
            "tags": teaching.tags,
            "lesson": teaching.lesson,
            "hint": teaching.hint,
            "summary": stsim_examples::summary(example),
            "exercise": exercise,
            "quiz": teaching.quiz.as_ref().map(|q| json!({
                "question": q.question,
                "choices": q.choices,
                "answer": q.answer,
                "explanation": q.explanation,
            })),
        })
    };
    let all: Vec<serde_json::Value> = stsim_examples::EXAMPLES
        .iter()
        .map(|e| entry(e, false))
        .chain(stsim_examples::EXERCISES.iter().map(|e| entry(e, true)))
        .collect();
    serde_json::Value::Array(all).to_string()
}

/// The report page's style and zoom script, for the page to install once.
#[wasm_bindgen]
pub fn report_assets() -> String {
    json!({"style": stsim_render::html::style(), "script": stsim_render::html::script()}).to_string()
}

/// Runs a scenario given as text. Returns JSON: `{"ok": true, "digest",
/// "records", "exhausted", "html", "expectations": [...]}`, or `{"ok":
/// false, "error"}` with the diagnostics as the CLI prints them.
/// `exhausted` says why a run stopped early ([`BUDGET`], [`TIME_LIMIT_MS`]),
/// or is null; the report then covers the run up to there.
#[wasm_bindgen]
pub fn run(source: &str, file: &str) -> String {
    match run_inner(source, file) {
        Ok(value) => value.to_string(),
        Err(error) => json!({"ok": false, "error": error}).to_string(),
    }
}

/// The trace digest of a scenario alone (for tests against the CLI).
#[wasm_bindgen]
pub fn digest(source: &str, file: &str) -> String {
    match simulate(source, file) {
        Ok((_, report)) => report.trace_digest,
        Err(error) => format!("error: {error}"),
    }
}

fn simulate(source: &str, file: &str) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    simulate_within(source, file, BUDGET)
}

fn simulate_within(
    source: &str,
    file: &str,
    budget: stsim_core::sim::Budget,
) -> Result<(stsim_core::Simulation, stsim_core::Report), String> {
    let config = stsim_scenario::parse_scenario(source, file)
        .map_err(|diagnostics| diagnostics.iter().map(|d| d.render(source)).collect::<Vec<_>>().join("\n"))?;
    let mut operators: Vec<Box<dyn stsim_core::operators::Operator>> = Vec::new();
    for operator in &config.operators {
        match stsim_core::operators::builtin(&operator.kind) {
            Some(built) => operators.push(built),
            None => {
                return Err("this scenario runs an external operator (a program): use the CLI".to_string());
            }
        }
    }
    let mut sim = stsim_core::Simulation::with_operators(config, operators);
    sim.read_templates_with(stsim_scenario::read_pod_template);
    sim.budget = budget;
    let started = clock::now_ms();
    while sim.step() {
        if sim.events.is_multiple_of(256) && clock::now_ms() - started > TIME_LIMIT_MS {
            sim.exhaust(format!("{} s of real time, the playground's limit", TIME_LIMIT_MS / 1000.0));
        }
    }
    Ok(stsim_core::finish(sim))
}

/// What a run in a page may do. A browser tab gives WebAssembly a 32-bit
/// address space (often less), and the page waits while the engine runs:
/// an eighth of the CLI's trace records (each costs a few hundred bytes
/// with the report), still hundreds of times what any shipped scenario makes.
pub const BUDGET: stsim_core::sim::Budget = stsim_core::sim::Budget {
    events: 2_000_000,
    trace_records: 250_000,
    objects: 100_000,
    events_per_instant: 1_000_000,
};

/// Real time a run may take before it stops with the report so far, in ms.
pub const TIME_LIMIT_MS: f64 = 15_000.0;

/// Milliseconds from some fixed moment: the page's clock in a browser,
/// the process's elsewhere (the unit tests).
mod clock {
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Date, js_name = now)]
        fn date_now() -> f64;
    }

    #[cfg(target_arch = "wasm32")]
    pub fn now_ms() -> f64 {
        date_now()
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn now_ms() -> f64 {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1000.0
    }
}

fn run_inner(source: &str, file: &str) -> Result<serde_json::Value, String> {
    let (sim, report) = simulate(source, file)?;
    let verdicts: Vec<serde_json::Value> = stsim_core::expect::check(&sim, &report)
        .iter()
        .map(|v| json!({"description": v.description, "passed": v.passed, "expected": v.expected, "actual": v.actual}))
        .collect();
    Ok(json!({
        "ok": true,
        "digest": report.trace_digest,
        "records": report.trace_records,
        // Why the run stopped before its end, when the budget above ran out.
        "exhausted": sim.exhausted,
        "html": stsim_render::html_body(&sim, &report),
        "expectations": verdicts,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_a_built_in_scenario_like_the_cli() {
        let example = stsim_examples::find("headless-service-renamed").unwrap();
        let (_, report) =
            stsim_core::run(stsim_scenario::parse_scenario(example.source, example.path).unwrap());
        assert_eq!(super::digest(example.source, example.path), report.trace_digest);
        let out: serde_json::Value = serde_json::from_str(&super::run(example.source, example.path)).unwrap();
        assert_eq!(out["ok"], true);
        let html = out["html"].as_str().unwrap();
        assert!(html.contains("data-lane=\"pg-0\""));
        // The playground shows the run's Kubernetes events too.
        assert!(html.contains("<td>Normal</td><td>SuccessfulCreate</td><td>StatefulSet/pg</td>"), "{html}");
        let bad: serde_json::Value = serde_json::from_str(&super::run("Scenario(", "x.ron")).unwrap();
        assert_eq!(bad["ok"], false);
        assert_eq!(out["exhausted"], serde_json::Value::Null);
    }

    /// A run stops at its budget with the report so far, and says why.
    /// (`tests/browser.rs` runs a scenario too big for the page's budget.)
    #[test]
    fn a_run_stops_at_its_budget() {
        let example = stsim_examples::find("node-failures-week").unwrap();
        let budget = stsim_core::sim::Budget { trace_records: 100, ..super::BUDGET };
        let (sim, report) = super::simulate_within(example.source, example.path, budget).unwrap();
        assert_eq!(sim.exhausted.as_deref(), Some("100 trace records, the budget"));
        assert_eq!(report.trace_records, 101, "and the record of the run's end");
        assert_eq!(report.end_reason, "budget-exhausted");
    }
}
