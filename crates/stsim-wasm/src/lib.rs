//! stsim-wasm: what the browser playground (`web/`) calls. Parses a
//! scenario, runs it with the same engine as the CLI (so the trace digest is
//! the CLI's, byte for byte), and returns the report as the HTML the CLI's
//! `--html` writes, all as JSON strings.
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
/// "records", "html", "expectations": [...]}`, or `{"ok": false, "error"}`
/// with the diagnostics as the CLI prints them.
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
    Ok(stsim_core::finish(sim))
}

fn run_inner(source: &str, file: &str) -> Result<serde_json::Value, String> {
    let (sim, report) = simulate(source, file)?;
    let svg = stsim_render::svg(&sim, &report);
    let verdicts: Vec<serde_json::Value> = stsim_core::expect::check(&sim, &report)
        .iter()
        .map(|v| json!({"description": v.description, "passed": v.passed, "expected": v.expected, "actual": v.actual}))
        .collect();
    Ok(json!({
        "ok": true,
        "digest": report.trace_digest,
        "records": report.trace_records,
        "html": stsim_render::html::body(&report, &svg, None),
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
        assert!(out["html"].as_str().unwrap().contains("data-lane=\"pg-0\""));
        let bad: serde_json::Value = serde_json::from_str(&super::run("Scenario(", "x.ron")).unwrap();
        assert_eq!(bad["ok"], false);
    }
}
