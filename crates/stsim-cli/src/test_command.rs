//! `stsim test`: every scenario's expectations, like a test suite.
//!
//! Owns finding scenario files under the given paths, running them in
//! parallel across cores, and reporting: one line per scenario in path
//! order (so the output does not depend on thread timing), the details of
//! each failed expectation with the command that re-runs it, a closing
//! `N passed, N failed` line, and optionally a JUnit XML file for CI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use stsim_core::expect::Verdict;

/// What happened to one scenario file.
pub struct Outcome {
    pub path: String,
    pub seed: u64,
    /// `Err` holds the rendered diagnostics of an invalid file.
    pub verdicts: Result<Vec<Verdict>, String>,
    /// The scenario starts programs: re-running it needs `--allow-exec`.
    pub starts_programs: bool,
    /// What the user should know of a run that passed or failed alike:
    /// writes an operator made that stsim does not model (answered 405),
    /// where the run may part from a cluster's.
    pub notes: Vec<String>,
}

impl Outcome {
    /// A scenario that could not be run (unreadable, invalid, refused): why.
    pub fn not_run(path: String, seed: u64, why: String) -> Outcome {
        Outcome { path, seed, verdicts: Err(why), starts_programs: false, notes: Vec::new() }
    }

    pub fn passed(&self) -> bool {
        self.verdicts.as_ref().is_ok_and(|v| v.iter().all(|v| v.passed))
    }
}

/// Scenario files under `paths`: files as given, directories searched
/// recursively for `*.ron` (not through symlinked directories), in sorted
/// order, each once.
pub fn collect(paths: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path == "-" {
            return Err("error: stsim test runs scenario files and directories, not standard input (`-`): each \
                        result names its file, and the command that re-runs it\n  = help: save the scenario to a \
                        file and test that, or run it from standard input with `stsim run -`\n"
                .to_string());
        }
        let path = Path::new(path);
        if path.is_dir() {
            walk(path, &mut files).map_err(|e| format!("error: cannot read {}: {e}\n", path.display()))?;
        } else if path.is_file() {
            files.push(path.to_path_buf());
        } else {
            return Err(format!("error: no such file or directory: {}\n", path.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // A symlinked directory is not followed: a link loop cannot recurse without end.
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
    Ok(())
}

/// How every scenario of a `stsim test` runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run every scenario with this seed instead of its own.
    pub seed: Option<u64>,
    pub limits: stsim_scenario::Limits,
    pub exec: crate::consent::ExecPolicy,
    pub budget: crate::RunBudget,
}

/// Runs one scenario file and checks its expectations. A panic inside
/// stsim is caught and reported as this scenario's failure, so that one
/// scenario cannot take the others' results with it.
pub fn run_one(path: &Path, options: &Options) -> Outcome {
    let name = path.display().to_string();
    guarded(&name, options.seed.unwrap_or(0), || run_checked(path, &name, options))
}

/// Runs `scenario`; a panic becomes the scenario's failed verdict.
pub fn guarded(name: &str, seed: u64, scenario: impl FnOnce() -> Outcome) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(scenario)) {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".to_string());
            Outcome {
                path: name.to_string(),
                seed,
                verdicts: Ok(vec![Verdict {
                    line: 0,
                    description: "stsim runs the scenario without an internal error".to_string(),
                    passed: false,
                    expected: "the run completes".to_string(),
                    actual: format!(
                        "stsim panicked: {message} (a bug in stsim: please report it with this file)"
                    ),
                    context: Vec::new(),
                }]),
                starts_programs: false,
                notes: Vec::new(),
            }
        }
    }
}

fn run_checked(path: &Path, name: &str, options: &Options) -> Outcome {
    let name = name.to_string();
    let source = match crate::input::read_bounded(path, options.limits.input_bytes) {
        Ok(source) => source,
        Err(e) => {
            return Outcome::not_run(
                name.clone(),
                0,
                format!("error: cannot read {}: {}\n", crate::input::shown(&name), e.message()),
            );
        }
    };
    let mut config = match crate::parse(&name, &source, &options.limits) {
        Ok(config) => config,
        Err(text) => {
            return Outcome::not_run(name, 0, text);
        }
    };
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    let seed = config.seed;
    if let Err(text) = options.exec.check(&name, &config) {
        return Outcome::not_run(name, seed, text);
    }
    let starts_programs =
        config.operators.iter().any(|o| matches!(o.kind, stsim_core::config::OperatorKind::External { .. }));
    let (sim, report) = match crate::simulate_with(config, &options.exec, &options.budget) {
        Ok(run) => run,
        Err(message) => {
            return Outcome::not_run(name, seed, format!("{message}\n"));
        }
    };
    let mut verdicts = stsim_core::expect::check(&sim, &report);
    if let Some(message) = crate::budget_exhausted(&sim) {
        verdicts.insert(
            0,
            Verdict {
                line: 0,
                description: "the run ends within its budget".to_string(),
                passed: false,
                expected: "the run reaches its horizon".to_string(),
                actual: message,
                context: Vec::new(),
            },
        );
    }
    if let Some(message) = crate::operator_failure(&sim) {
        verdicts.insert(
            0,
            Verdict {
                line: 0,
                description: "the operators run to the end".to_string(),
                passed: false,
                expected: "every operator answers for the whole run".to_string(),
                actual: message,
                context: Vec::new(),
            },
        );
    }
    let notes = unmodelled_writes(&sim);
    Outcome { path: name, seed, verdicts: Ok(verdicts), starts_programs, notes }
}

/// The writes operators made that stsim answered 405 (it does not model
/// them; Kubernetes would have taken them): the count, and the first.
fn unmodelled_writes(sim: &stsim_core::Simulation) -> Vec<String> {
    let refused: Vec<(&str, &str)> = (sim.trace.records.iter())
        .filter_map(|r| match &r.event {
            stsim_core::trace::Event::WriteRefused { action, code: 405, message, .. } => {
                Some((&**action, &**message))
            }
            _ => None,
        })
        .collect();
    let Some((action, message)) = refused.first() else { return Vec::new() };
    vec![format!(
        "{} operator write(s) answered 405, which stsim does not model, so this run may part from a \
         cluster's there; the first: {action}: {message}",
        refused.len()
    )]
}

/// The exit status of a test run: 2 if a scenario is invalid (or refused),
/// else 1 if an expectation failed, else 0.
pub fn status(outcomes: &[Outcome]) -> crate::ExitStatus {
    if outcomes.iter().any(|o| o.verdicts.is_err()) {
        crate::ExitStatus::Error
    } else if outcomes.iter().all(Outcome::passed) {
        crate::ExitStatus::Success
    } else {
        crate::ExitStatus::Failure
    }
}

/// Runs every file with every seed (`None`: the options' or its own) on
/// `jobs` threads; results come back in file order, then seed order.
pub fn run_all(files: &[PathBuf], options: &Options, seeds: &[Option<u64>], jobs: usize) -> Vec<Outcome> {
    let runs: Vec<(&PathBuf, Options)> = files
        .iter()
        .flat_map(|f| {
            seeds.iter().map(move |seed| {
                let mut options = options.clone();
                if seed.is_some() {
                    options.seed = *seed;
                }
                (f, options)
            })
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Outcome>>> =
        runs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(runs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((file, options)) = runs.get(i) else { break };
                    let outcome = run_one(file, options);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .zip(&runs)
        .map(|(r, (file, options))| {
            r.into_inner().ok().flatten().unwrap_or_else(|| {
                Outcome::not_run(
                    file.display().to_string(),
                    options.seed.unwrap_or(0),
                    "error: this scenario was not run\n".to_string(),
                )
            })
        })
        .collect()
}

/// The report for people. Runs of one file with several seeds make one
/// line, naming the seeds that failed; the details are those of the first.
pub fn render(outcomes: &[Outcome]) -> String {
    let mut groups: Vec<&[Outcome]> = Vec::new();
    let mut rest = outcomes;
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|o| o.path == first.path).count();
        groups.push(&rest[..n]);
        rest = &rest[n..];
    }
    if groups.iter().all(|g| g.len() == 1) {
        return render_runs(outcomes);
    }
    let mut out = String::new();
    for group in &groups {
        let failed: Vec<u64> = group.iter().filter(|o| !o.passed()).map(|o| o.seed).collect();
        let seeds = format!("seeds {}..{}", group[0].seed, group[group.len() - 1].seed);
        if failed.is_empty() {
            let _ = writeln!(out, "ok     {} ({seeds}, all passed)", group[0].path);
        } else if failed.len() == group.len() {
            let _ = writeln!(out, "FAILED {} ({seeds}, all {} runs failed)", group[0].path, group.len());
        } else {
            let list: Vec<String> = failed.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "FAILED {} ({} of {} runs failed, {seeds}: seed {})",
                group[0].path,
                failed.len(),
                group.len(),
                list.join(", ")
            );
        }
        if let Some(first) = group.iter().find(|o| !o.notes.is_empty()) {
            for note in &first.notes {
                let _ = writeln!(out, "       note (seed {}): {note}", first.seed);
            }
        }
    }
    let firsts: Vec<&Outcome> = groups.iter().filter_map(|g| g.iter().find(|o| !o.passed())).collect();
    for outcome in firsts {
        out.push('\n');
        details(&mut out, outcome);
    }
    let passed = groups.iter().filter(|g| g.iter().all(Outcome::passed)).count();
    let _ = writeln!(out, "\n{passed} passed, {} failed", groups.len() - passed);
    out
}

fn render_runs(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match &outcome.verdicts {
            Ok(verdicts) if verdicts.is_empty() => {
                let _ = writeln!(out, "ok     {} (no expectations)", outcome.path);
            }
            Ok(verdicts) => {
                let failed = verdicts.iter().filter(|v| !v.passed).count();
                if failed == 0 {
                    let _ = writeln!(out, "ok     {} ({} expectations)", outcome.path, verdicts.len());
                } else {
                    let _ = writeln!(
                        out,
                        "FAILED {} ({failed} of {} expectations failed)",
                        outcome.path,
                        verdicts.len()
                    );
                }
            }
            Err(_) => {
                let _ = writeln!(out, "ERROR  {} (invalid scenario, not run)", outcome.path);
            }
        }
        for note in &outcome.notes {
            let _ = writeln!(out, "       note: {note}");
        }
    }
    for outcome in outcomes.iter().filter(|o| !o.passed()) {
        out.push('\n');
        details(&mut out, outcome);
    }
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    // A file that could not run is not a failed test (JUnit's error).
    let invalid = outcomes.iter().filter(|o| o.verdicts.is_err()).count();
    let failed = outcomes.len() - passed - invalid;
    let _ = write!(out, "\n{passed} passed, {failed} failed");
    if invalid > 0 {
        let _ = write!(out, ", {invalid} not run (not a valid scenario)");
    }
    out.push('\n');
    out
}

/// What failed in one run, with the command that re-runs it.
fn details(out: &mut String, outcome: &Outcome) {
    {
        match &outcome.verdicts {
            Err(diagnostics) => {
                let _ = writeln!(out, "--- {}: not a valid scenario", outcome.path);
                out.push_str(diagnostics);
            }
            Ok(verdicts) => {
                for v in verdicts.iter().filter(|v| !v.passed) {
                    let _ = writeln!(out, "--- {}:{}: {}", outcome.path, v.line, v.description);
                    let _ = writeln!(out, "    expected: {}", v.expected);
                    let _ = writeln!(out, "    happened: {}", v.actual);
                    if !v.context.is_empty() {
                        let _ = writeln!(out, "    trace:");
                        for line in &v.context {
                            let _ = writeln!(out, "      {line}");
                        }
                    }
                }
                let exec = if outcome.starts_programs { " --allow-exec" } else { "" };
                let _ =
                    writeln!(out, "    re-run:   stsim run{exec} {} --seed {}", outcome.path, outcome.seed);
            }
        }
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// JUnit XML: one test case per expectation, or per file that could not
/// run, written as an `<error>` (the test could not run), not a
/// `<failure>` (an expectation did not hold), as CI systems tell them apart.
pub fn junit(outcomes: &[Outcome]) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for outcome in outcomes {
        let class = xml_escape(&outcome.path);
        match &outcome.verdicts {
            Err(diagnostics) => {
                tests += 1;
                errors += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{class}\" name=\"valid scenario\"><error message=\"invalid scenario\">{}</error></testcase>",
                    xml_escape(diagnostics)
                );
            }
            Ok(verdicts) => {
                for v in verdicts {
                    tests += 1;
                    let name = xml_escape(&format!("line {}: {}", v.line, v.description));
                    if v.passed {
                        let _ = writeln!(cases, "    <testcase classname=\"{class}\" name=\"{name}\"/>");
                    } else {
                        failures += 1;
                        let detail = format!(
                            "expected: {}\nhappened: {}\n{}\nre-run: stsim run{} {} --seed {}",
                            v.expected,
                            v.actual,
                            v.context.join("\n"),
                            if outcome.starts_programs { " --allow-exec" } else { "" },
                            outcome.path,
                            outcome.seed
                        );
                        let _ = writeln!(
                            cases,
                            "    <testcase classname=\"{class}\" name=\"{name}\"><failure message=\"{}\">{}</failure></testcase>",
                            xml_escape(&v.actual),
                            xml_escape(&detail)
                        );
                    }
                }
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"stsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_that_scenarios_failure_and_the_others_still_report() {
        let outcomes = vec![
            guarded("a.ron", 1, || panic!("simulated time overflowed")),
            guarded("b.ron", 2, || Outcome {
                path: "b.ron".into(),
                seed: 2,
                verdicts: Ok(Vec::new()),
                starts_programs: false,
                notes: Vec::new(),
            }),
        ];
        assert!(!outcomes[0].passed() && outcomes[1].passed());
        let text = render(&outcomes);
        assert!(text.contains("FAILED a.ron (1 of 1 expectations failed)"), "{text}");
        assert!(text.contains("stsim panicked: simulated time overflowed"), "{text}");
        assert!(text.contains("ok     b.ron (no expectations)"), "{text}");
        assert_eq!(status(&outcomes), crate::ExitStatus::Failure);
    }
}
