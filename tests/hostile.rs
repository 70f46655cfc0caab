//! The bad-input corpus: every file of `tests/hostile/` is a malformed or
//! hostile scenario (RON) or manifest (YAML) (each finding of issue 16 among them) run through the
//! `stsim` command as its `// args:` line says; its exit status and stderr
//! are kept as a snapshot (`tests/hostile/snapshots/`). Inputs that cannot
//! live in a file of the repository (a device, a FIFO, a directory, files of
//! megabytes) are made here and snapshotted the same way. A change to any
//! diagnostic shows up as a snapshot diff to review (`cargo insta review`).

use crate::support::repo_root;
use stsim_cli::ExitStatus;

/// Runs `stsim` and renders what a user sees on stderr, with the exit status.
fn outcome(args: &[String]) -> (ExitStatus, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(args, &mut out, &mut err);
    (status, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// Machine-specific parts of messages made stable.
fn normalize(text: &str) -> String {
    let root = repo_root().display().to_string();
    let mut text = text.replace(&format!("{root}/"), "").replace(&root, ".");
    if let Some(file) = stsim_cli::consent::trusted_commands_file() {
        text = text.replace(&file.display().to_string(), "<trusted-commands>");
    }
    text = text.replace(&std::env::temp_dir().display().to_string(), "<tmp>");
    text.replace(&format!("stsim-hostile-{}", std::process::id()), "stsim-hostile")
}

fn snapshot(name: &str, what: &str, args: &[String]) {
    let (status, out, err) = outcome(args);
    let mut text = format!("args: {}\nexit: {}\n--- stderr\n{}", args[1..].join(" "), status as i32, err);
    if args.iter().any(|a| a == "--trace") {
        // The trace lines that say what was refused or not found.
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("not-found") || l.contains("refused") || l.contains("\tend"))
            .collect();
        text.push_str(&format!("--- stdout (refusals)\n{}\n", lines.join("\n")));
    }
    if !["check", "examples"].contains(&args[0].as_str()) && args.iter().all(|a| a != "--trace") {
        let first = out.lines().next().unwrap_or("");
        text.push_str(&format!("--- stdout (first line)\n{first}\n"));
    }
    let text = normalize(&text);
    insta::with_settings!({
        snapshot_path => repo_root().join("tests/hostile/snapshots"),
        prepend_module_to_snapshot => false,
        description => what,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The `// what` and `// args:` lines at the top of a corpus file.
fn header(path: &std::path::Path) -> (String, Vec<String>) {
    let bytes = std::fs::read(path).unwrap();
    // Read as stsim reads it (a byte-order mark dropped, UTF-16 converted).
    let text = stsim_cli::input::decode(bytes.clone(), u64::MAX).unwrap_or_else(|_| match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => {
            let units: Vec<u16> = rest.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(&bytes).replace('\0', ""),
    });
    let mut lines = text.lines();
    // `// ` in RON, `# ` in YAML.
    let what = lines.next().unwrap_or("").trim_start_matches("// ").trim_start_matches("# ").to_string();
    let args = lines
        .next()
        .and_then(|l| l.strip_prefix("// args: ").or_else(|| l.strip_prefix("# args: ")))
        .unwrap_or("check");
    (what, args.split_whitespace().map(String::from).collect())
}

#[test]
fn every_hostile_file_gets_its_diagnostic() {
    let dir = repo_root().join("tests/hostile");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 80, "the corpus has {} files", files.len());
    for path in files {
        let (what, words) = header(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut args = vec![words[0].clone(), path.display().to_string()];
        args.extend(words[1..].iter().cloned());
        let started = std::time::Instant::now();
        snapshot(&name, &what, &args);
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(60), "{name} took {took:?}");
    }
    assert!(!std::path::Path::new("/tmp/stsim-hostile-touched").exists(), "a program ran without consent");
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// What cannot be a file in the repository: devices, FIFOs, directories,
/// missing files and files of megabytes.
#[test]
fn special_and_huge_inputs_are_refused_without_reading_them() {
    snapshot("dev-zero", "stsim run /dev/zero grew to 18 GB", &args(&["run", "/dev/zero"]));
    snapshot("directory", "a directory", &args(&["check", "/"]));
    let missing = temp("missing.ron").display().to_string();
    snapshot("missing-file", "a file that does not exist", &args(&["check", &missing]));
    #[cfg(unix)]
    {
        let fifo = temp("fifo.ron");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if made {
            // A FIFO with no writer blocked forever.
            snapshot(
                "fifo",
                "a FIFO with no writer blocked forever",
                &args(&["run", &fifo.display().to_string()]),
            );
        }
    }
    // A 50 MB token took 3.4 GiB and was echoed whole; anything past the input limit is refused unread.
    let token = temp("token.ron");
    let limit = stsim_scenario::Limits::DEFAULT.input_bytes as usize;
    std::fs::write(&token, format!("Scenario(name: \"{}\")", "x".repeat(limit))).unwrap();
    snapshot(
        "huge-token",
        "a token larger than the input limit",
        &args(&["check", &token.display().to_string()]),
    );
    // Within --allow-large's input limit, the string limit still holds, and the message does not echo it.
    snapshot(
        "huge-token-allow-large",
        "a token of megabytes with --allow-large",
        &args(&["check", "--allow-large", &token.display().to_string()]),
    );
    // 100,000 timeline actions validated in 75 s (quadratic): now linear, and over the default limit.
    let mut timeline = String::from(
        "Scenario(name: \"long\", duration: \"2d\", services: [(name: \"s\", selector: {\"app\": \"a\"})],\n\
         statefulsets: [(name: \"a\", serviceName: \"s\", template: (labels: {\"app\": \"a\"}, image: \"i\"))],\ntimeline: [\n",
    );
    for i in 0..100_000 {
        timeline.push_str(&format!("(at: \"{i}s\", do: DeletePod(pod: \"a-0\")),\n"));
    }
    timeline.push_str("])\n");
    let long = temp("long.ron");
    std::fs::write(&long, &timeline).unwrap();
    let path = long.display().to_string();
    snapshot("timeline-100k", "100,000 timeline actions", &args(&["check", &path]));
    let started = std::time::Instant::now();
    let (status, out, err) = outcome(&args(&["check", "--allow-large", &path]));
    assert_eq!(status, ExitStatus::Success, "{err}");
    assert!(out.contains("100000 timeline action(s)"), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "linear: {:?}", started.elapsed());
}

/// Annotations of 256 KiB and one byte more (keys and values together): the
/// API server takes the first and refuses the second
/// (`TotalAnnotationSizeLimitB`), on the object and on its pod template.
/// Made here, as a file of a quarter of a megabyte would burden the corpus.
#[test]
fn annotations_over_256_kib_are_refused() {
    let manifest = |at: &str, bytes: usize| {
        // `note` and its value: the key's 4 bytes count too.
        let value = "x".repeat(bytes - "note".len());
        let (top, template) = if at == "top" { (value.as_str(), "z") } else { ("z", value.as_str()) };
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  clusterIP: None\n  selector:\n    app: a\n---\n\
             apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: a\n  annotations:\n    note: {top}\n\
             spec:\n  serviceName: s\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n\
             \x20     labels:\n        app: a\n      annotations:\n        note: {template}\n    spec:\n\
             \x20     containers:\n      - name: c\n        image: i\n"
        )
    };
    let limit = stsim_core::api::validation::ANNOTATIONS_MAX_BYTES;
    for at in ["top", "template"] {
        let path = temp(&format!("annotations-{at}.yaml"));
        std::fs::write(&path, manifest(at, limit)).unwrap();
        let (status, _, err) = outcome(&args(&["check", &path.display().to_string()]));
        assert_eq!(status, ExitStatus::Success, "{at}: exactly the limit is taken: {err}");
        std::fs::write(&path, manifest(at, limit + 1)).unwrap();
        snapshot(
            &format!("annotations-over-256-kib-{at}"),
            "annotations one byte over 256 KiB",
            &args(&["check", &path.display().to_string()]),
        );
    }
}

/// Slow paths within the limits: every error on a long name among many
/// candidates (suggestions cost the square of the lengths) stays fast.
#[test]
fn long_names_among_many_candidates_are_checked_quickly() {
    let mut source = String::from(
        "Scenario(name: \"many\", services: [(name: \"s\", selector: {\"app\": \"a\"})],\nstatefulsets: [\n",
    );
    for i in 0..1000 {
        source.push_str(&format!(
            "(name: \"set-{i}\", serviceName: \"s\", replicas: 0, template: (labels: {{\"app\": \"a\"}}, image: \"i\")),\n"
        ));
    }
    source.push_str("],\ntimeline: [\n");
    let long = "set-1".repeat(800);
    for _ in 0..800 {
        source.push_str(&format!("(at: \"1s\", do: DeletePod(pod: \"{long}-0\")),\n"));
    }
    source.push_str("])\n");
    assert!(source.len() < stsim_scenario::Limits::DEFAULT.input_bytes as usize);
    let path = temp("many.ron");
    std::fs::write(&path, &source).unwrap();
    let started = std::time::Instant::now();
    let (status, _, err) = outcome(&args(&["check", &path.display().to_string()]));
    assert_eq!(status, ExitStatus::Error);
    assert!(
        err.contains("50 more errors not shown") || err.contains("more errors not shown"),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// `stsim test` on a directory with a symlink loop finds each file once and ends.
#[cfg(unix)]
#[test]
fn a_symlink_loop_does_not_trap_stsim_test() {
    let dir = temp("loop");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("self");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    std::fs::copy(repo_root().join("scenarios/rolling-update.ron"), dir.join("rolling-update.ron")).unwrap();
    let (status, out, err) = outcome(&args(&["test", &dir.display().to_string()]));
    assert_eq!(status, ExitStatus::Success, "{out}{err}");
    assert!(out.ends_with("\n1 passed, 0 failed\n"), "{out}");
}

/// A run that outgrows its budget stops with its own exit status.
#[test]
fn a_runaway_run_stops_at_its_budget() {
    let source = std::fs::read_to_string(repo_root().join("scenarios/node-failures-week.ron")).unwrap();
    let path = temp("budget.ron");
    std::fs::write(&path, source).unwrap();
    // A month on 200 nodes takes tens of milliseconds even in a release
    // build, so 1 ms of real time cannot be enough on any machine.
    let (status, out, err) = outcome(&args(&[
        "run",
        &path.display().to_string(),
        "--set",
        "cluster.nodePools[0].count=200",
        "--set",
        "duration=\"30d\"",
        "--time-limit",
        "1ms",
    ]));
    assert_eq!(status, ExitStatus::Budget, "{err}");
    assert!(err.starts_with("error: the run ran out of budget: 1ms of real time, the --time-limit"), "{err}");
    assert!(
        out.contains("(budget-exhausted)"),
        "the report says why it ended: {}",
        out.lines().next().unwrap_or("")
    );
}

/// A loop that makes no progress (events without time moving on) ends the
/// run with a message that says so, whatever re-arms itself.
#[test]
fn events_without_time_moving_on_end_the_run() {
    let config = crate::support::parse(&crate::support::scenario_file("redis-parallel-startup"));
    let mut sim = stsim_core::Simulation::new(config);
    sim.budget.events_per_instant = 5;
    sim.run();
    assert_eq!(sim.ended.map(|(_, reason)| reason), Some(stsim_core::sim::EndReason::BudgetExhausted));
    let what = sim.exhausted.clone().unwrap_or_default();
    assert!(what.starts_with("5 events at 0s without time moving on"), "{what}");
}
