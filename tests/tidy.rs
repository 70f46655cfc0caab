//! Checks on the shape of the repository itself, run with the tests:
//! every module says what it owns, CI runs the README's test command,
//! every oracle fixture matches shared/ when it is there, and the Indexed
//! Job of docs/sweeps parses and has what docs/sweeps.md says it has.

use crate::support::repo_root;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n == "snapshots") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_opens_with_a_doc_comment_saying_what_it_owns() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a `//!` header: {missing:?}");
}

#[test]
fn ci_runs_the_readme_test_command() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let command = "cargo test --workspace";
    assert!(readme.contains(command), "the README gives `{command}`");
    assert!(ci.contains(command), ".ci/run runs `{command}`");
}

#[test]
fn oracle_fixtures_are_copies_of_shared() {
    let shared = repo_root().parent().unwrap().join("shared/oracle");
    let Ok(entries) = std::fs::read_dir(&shared) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let ours = repo_root().join("tests/fixtures/oracle").join(name);
        let theirs = std::fs::read_to_string(&path).unwrap();
        let copy = std::fs::read_to_string(&ours).unwrap_or_default();
        assert_eq!(copy, theirs, "tests/fixtures/oracle/{} differs from shared/", name.to_string_lossy());
    }
}

#[test]
fn every_shipped_scenario_has_expectations() {
    let mut missing = Vec::new();
    for name in crate::support::shipped_scenarios() {
        let path = repo_root().join("scenarios").join(format!("{name}.ron"));
        let source = std::fs::read_to_string(&path).unwrap();
        let config = crate::support::parse(&source);
        if config.expect.is_empty() {
            missing.push(path.file_name().unwrap().to_string_lossy().to_string());
        }
        assert!(
            source.trim_start().starts_with("//"),
            "{} opens with a comment on what it teaches",
            path.display()
        );
    }
    assert!(missing.is_empty(), "scenarios without expectations: {missing:?}");
}

/// The crates that read what users write (scenario files, arguments,
/// operator output) never `unwrap`, `expect` or panic on it: each such call
/// outside tests states the invariant that makes it safe, in an
/// `// invariant:` comment on the line or the one before. The engine gets
/// only validated configurations; its invariants are checked by the fuzzer
/// and the property tests instead.
#[test]
fn input_handling_code_does_not_panic_on_what_users_write() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["crates/stsim-scenario/src", "crates/stsim-cli/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let forbidden = [".unwrap()", ".expect(", "panic!(", "unreachable!(", "todo!(", "unimplemented!("];
    let mut offending = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        // Test modules come last in a file.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code_part = line.split("//").next().unwrap_or("");
            if !forbidden.iter().any(|f| code_part.contains(f)) {
                continue;
            }
            let justified = line.contains("// invariant:")
                || i.checked_sub(1).is_some_and(|j| lines[j].trim_start().starts_with("// invariant:"));
            if !justified {
                offending.push(format!(
                    "{}:{}: {}",
                    path.strip_prefix(&root).unwrap().display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "panics on user input (or say why not, `// invariant: ...`):\n{}",
        offending.join("\n")
    );
}

/// The lints that keep the engine deterministic stay configured: no hash
/// containers, no wall clock, no threads in `stsim-core`, and `rand` without
/// its thread-local (unseeded) generator.
#[test]
fn the_engine_determinism_lints_stay_enforced() {
    let root = repo_root();
    let clippy = std::fs::read_to_string(root.join("crates/stsim-core/clippy.toml")).unwrap();
    for banned in [
        "std::collections::HashMap",
        "std::collections::HashSet",
        "std::time::Instant",
        "std::time::SystemTime",
        "std::thread::spawn",
    ] {
        assert!(clippy.contains(&format!("\"{banned}\"")), "clippy.toml no longer bans {banned}");
    }
    let lib = std::fs::read_to_string(root.join("crates/stsim-core/src/lib.rs")).unwrap();
    assert!(
        lib.contains("clippy::disallowed_methods, clippy::disallowed_types"),
        "the core's lib.rs turns the bans on"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let rand = manifest.lines().find(|l| l.starts_with("rand ")).unwrap_or("");
    assert!(rand.contains("default-features = false"), "rand keeps its unseeded generator out: {rand}");
}

/// Asserts that no line of code (comments aside) in `files` names any of
/// `words`, saying `why` it may not.
fn assert_code_names_none(files: Vec<PathBuf>, words: &[&str], why: &str) {
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code: String =
            text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for word in words {
            assert!(!code.contains(word), "{} names {word}: {why}", file.display());
        }
    }
}

/// The API server knows no controller: it reports changes (`api::Change`)
/// and the handler the simulation passes reacts. It neither calls into a
/// controller nor wakes one's work (a controller's key in the event queue),
/// nor makes an application due: who reacts to a change, and how, lives
/// with the reacting side (`controllers::react`, `cost::react`,
/// `apps::react`, composed by `sim::watch`).
#[test]
fn the_api_server_names_no_controller() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates/stsim-core/src/api"), &mut files);
    files.push(repo_root().join("crates/stsim-core/src/api.rs"));
    let forbidden =
        ["controllers::", "EventKey::", "apps.touch", "dirty_claims", "all_claims_dirty", "gc_owners"];
    assert_code_names_none(files, &forbidden, "a reaction to a change, not the API server's");
}

/// The controllers know no application model: the applications' event
/// handlers are composed with theirs by the simulation (`sim::watch`).
#[test]
fn the_controllers_name_no_application_model() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates/stsim-core/src/controllers"), &mut files);
    let forbidden = ["crate::apps", "EventKey::Apps", "apps.touch"];
    assert_code_names_none(files, &forbidden, "the applications' reaction, not a controller's");
}

/// Dependencies point one way (ARCHITECTURE.md, "Crates"): each crate may
/// use only the stsim crates listed for it here. The core knows no format,
/// picture or terminal; the playground never builds the CLI.
#[test]
fn crate_dependencies_point_one_way() {
    let allowed: &[(&str, &[&str])] = &[
        ("stsim-core", &[]),
        ("stsim-scenario", &["stsim-core"]),
        ("stsim-render", &["stsim-core"]),
        ("stsim-examples", &["stsim-scenario"]),
        ("stsim-cli", &["stsim-core", "stsim-scenario", "stsim-render", "stsim-examples"]),
        ("stsim-wasm", &["stsim-core", "stsim-scenario", "stsim-render", "stsim-examples"]),
    ];
    let crates = repo_root().join("crates");
    let mut found: Vec<String> = std::fs::read_dir(&crates)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| crates.join(name).join("Cargo.toml").is_file())
        .collect();
    found.sort();
    let mut listed: Vec<String> = allowed.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "every crate under crates/ is listed here with what it may use");
    for (name, may_use) in allowed {
        let manifest = std::fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap();
        // Only the dependency tables: a crate's own `name = ...` is not a use.
        let mut in_dependencies = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_dependencies = line.contains("dependencies");
                continue;
            }
            let Some(dependency) = line.split(['=', '.', ' ']).next().filter(|d| d.starts_with("stsim-"))
            else {
                continue;
            };
            assert!(
                !in_dependencies || may_use.contains(&dependency),
                "{name} depends on {dependency}, which ARCHITECTURE.md does not allow"
            );
        }
    }
}

/// docs/sweeps/indexed-job.yaml is a Job the API server takes as
/// docs/sweeps.md describes it: Indexed with per-index back-off limits, bad
/// input (exit 2) failing its index at once, a shard kept on exit 0 or 3,
/// one sweep thread per requested CPU, and a vary whose arms differ.
#[test]
fn the_indexed_job_example_has_what_the_docs_say() {
    let text = std::fs::read_to_string(repo_root().join("docs/sweeps/indexed-job.yaml")).unwrap();
    let job = crate::report_schema::yaml_to_json(&text);
    assert_eq!((job["apiVersion"].as_str(), job["kind"].as_str()), (Some("batch/v1"), Some("Job")));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert!(spec["backoffLimitPerIndex"].as_u64().is_some() && spec["maxFailedIndexes"].as_u64().is_some());
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never", "podFailurePolicy and backoffLimitPerIndex need Never");
    let container = &pod["containers"][0];
    let rules = spec["podFailurePolicy"]["rules"].as_array().expect("a podFailurePolicy");
    let fail_index = rules.iter().find(|r| r["action"] == "FailIndex").expect("a FailIndex rule");
    let codes = &fail_index["onExitCodes"];
    assert_eq!((&codes["operator"], &codes["values"]), (&"In".into(), &serde_json::json!([2])));
    assert_eq!(codes["containerName"], container["name"]);
    // The shell command as the folded scalar joins it.
    let command = container["command"][2].as_str().unwrap();
    assert!(command.contains("if [ $rc -eq 0 ] || [ $rc -eq 3 ]; then mv $out.tmp $out"), "{command}");
    let cpu = container["resources"]["requests"]["cpu"].as_str().unwrap();
    assert!(command.contains(&format!("--jobs {cpu} ")), "--jobs matches the CPU request {cpu}: {command}");
    assert!(command.contains("--shard 100 ") && spec["completions"] == 100, "{command}");
    assert!(!command.contains("podManagementPolicy"), "redis-month's Parallel arm is BROKEN in every seed");
    // The sweep the pod runs is one stsim accepts.
    let vary = command.split("--vary '").nth(1).and_then(|v| v.split('\'').next()).unwrap();
    let scenario = repo_root().join("benches/scenarios/redis-month.ron").display().to_string();
    let args: Vec<String> = ["sweep", &scenario, "--seeds", "2", "--jobs", "1", "--vary", vary]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    assert_eq!(status, stsim_cli::ExitStatus::Success, "{}", String::from_utf8_lossy(&err));
    assert!(String::from_utf8_lossy(&out).contains("2 variant(s)"));
}
