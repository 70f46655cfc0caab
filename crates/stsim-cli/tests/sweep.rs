//! `stsim sweep` and `stsim merge` as separate processes: the result does
//! not depend on the number of threads, and shards run apart and merged
//! give exactly the result of one run.

use std::path::PathBuf;
use std::process::{Command, Output};

fn scenario() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/scenarios/redis-month.ron");
    root.display().to_string()
}

/// The sweep of the tests: 12 seeds, two policies, a week each.
fn sweep_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        ["sweep", &scenario(), "--seeds", "12", "--first-seed", "5"].iter().map(|s| s.to_string()).collect();
    args.extend(
        ["--vary", "duration=7d", "--vary", "podManagementPolicy=OrderedReady,Parallel"].map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn stsim(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stsim"));
    command.args(args).env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_ARRAY_TASK_ID");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("stsim runs");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-sweep-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn one_thread_or_two_give_the_same_result() {
    let one = stsim(&sweep_args(&["-o", "json", "--jobs", "1"]), &[]);
    let two = stsim(&sweep_args(&["-o", "json", "--jobs", "2"]), &[]);
    assert_eq!(one.stdout, two.stdout);
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(json["variants"].as_array().unwrap().len(), 2);
    assert_eq!(json["variants"][0]["runs"].as_array().unwrap().len(), 12);
}

#[test]
fn shards_run_apart_and_merged_equal_one_run() {
    let whole = stsim(&sweep_args(&["-o", "json"]), &[]);
    // Three shards in three processes at once; the last takes K from an Indexed Job's index.
    let mut children = Vec::new();
    let mut files = Vec::new();
    for k in 0..3 {
        let file = temp(&format!("shard-{k}.json"));
        let shard = if k == 2 { "3".to_string() } else { format!("{k}/3") };
        let mut command = Command::new(env!("CARGO_BIN_EXE_stsim"));
        command.args(sweep_args(&["-o", "json", "--shard", &shard])).env_remove("SLURM_ARRAY_TASK_ID");
        command.env("JOB_COMPLETION_INDEX", "2");
        command.stdout(std::fs::File::create(&file).unwrap());
        children.push(command.spawn().unwrap());
        files.push(file.display().to_string());
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let mut merge = vec!["merge".to_string(), "-o".to_string(), "json".to_string()];
    // In any order.
    merge.extend(files.iter().rev().cloned());
    let merged = stsim(&merge, &[]);
    assert_eq!(String::from_utf8_lossy(&merged.stdout), String::from_utf8_lossy(&whole.stdout));
    // The text report of the merge is that of the whole sweep too.
    let text = stsim(&sweep_args(&[]), &[]);
    let merged_text =
        stsim(&["merge".to_string()].into_iter().chain(files.iter().cloned()).collect::<Vec<_>>(), &[]);
    assert_eq!(merged_text.stdout, text.stdout);
    assert!(String::from_utf8_lossy(&text.stdout).contains("--seed"), "names a replay command");
    // `-` reads one shard from standard input, as every command takes `-` (probe S11).
    let from_stdin = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["merge", "-o", "json", "-", &files[1], &files[2]])
        .stdin(std::fs::File::open(&files[0]).unwrap())
        .output()
        .unwrap();
    assert!(from_stdin.status.success(), "{}", String::from_utf8_lossy(&from_stdin.stderr));
    assert_eq!(String::from_utf8_lossy(&from_stdin.stdout), String::from_utf8_lossy(&whole.stdout));
}

#[test]
fn a_seed_in_two_inputs_is_refused() {
    let file = temp("twice.json");
    std::fs::write(&file, stsim(&sweep_args(&["-o", "json", "--shard", "0/2"]), &[]).stdout).unwrap();
    let path = file.display().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_stsim")).args(["merge", &path, &path]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("seeds 5..10 are in") && error.contains("twice.json, given twice"), "{error}");
}

#[test]
fn a_shard_of_another_scenario_is_named_so() {
    let ours = temp("ours.json");
    std::fs::write(&ours, stsim(&sweep_args(&["-o", "json", "--shard", "0/2"]), &[]).stdout).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/etcd-quorum-lost.ron");
    let args: Vec<String> = ["sweep", &root.display().to_string(), "--seeds", "12", "--first-seed", "5"]
        .iter()
        .map(|s| s.to_string())
        .chain(["-o", "json", "--shard", "1/2"].map(String::from))
        .collect();
    let theirs = temp("theirs.json");
    std::fs::write(&theirs, stsim(&args, &[]).stdout).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["merge", &ours.display().to_string(), &theirs.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("theirs.json is not of") && error.contains("its scenario is etcd-quorum-lost"),
        "{error}"
    );
}

#[test]
fn a_missing_shard_is_named_and_a_damaged_one_refused() {
    let file = temp("first-of-two.json");
    std::fs::write(&file, stsim(&sweep_args(&["-o", "json", "--shard", "0/2"]), &[]).stdout).unwrap();
    let path = file.display().to_string();
    let partial = stsim(&["merge".to_string(), path.clone()], &[]);
    let warning = String::from_utf8_lossy(&partial.stderr);
    assert!(warning.contains("seeds 11..16 (6 of 12) are in no input"), "{warning}");
    // A run that lost its application: refused, not merged into numbers that look right.
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    json["variants"][1]["runs"][3]["apps"] = serde_json::json!([]);
    let damaged = temp("damaged.json");
    std::fs::write(&damaged, serde_json::to_vec(&json).unwrap()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["merge", &damaged.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("damaged.json: variants[1].runs[3] (seed 8)"), "{error}");
}

#[test]
fn limits_are_errors_that_say_what_to_do() {
    let refused = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_stsim")).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let file = scenario();
    // Two million runs are refused at once, before any runs (or memory for them), with the shards to use.
    let error = refused(&[
        "sweep",
        &file,
        "--seeds",
        "1000000",
        "--vary",
        "podManagementPolicy=OrderedReady,Parallel",
    ]);
    assert!(error.contains("2000000 runs") && error.contains("--shard K/2"), "{error}");
    assert!(refused(&["sweep", &file, "--seeds", "2", "--jobs", "0"]).contains("from 1 to 1024"));
    assert!(refused(&["sweep", &file, "--seeds", "2", "--jobs", "5000"]).contains("from 1 to 1024"));
}

#[test]
fn runs_out_writes_a_json_line_per_run() {
    let file = temp("runs.jsonl");
    let path = file.display().to_string();
    stsim(&sweep_args(&["--runs-out", &path]), &[]);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 24);
    assert_eq!(lines[0]["seed"], 5);
    assert_eq!(lines[12]["variant"], "duration=7d, podManagementPolicy=Parallel");
}

/// A `--runs-out` path that cannot be written is refused before the first
/// run: here a million seeds of the Redis month (minutes of work) end at
/// once with exit 2 and nothing on stdout.
#[test]
fn an_unwritable_runs_out_is_refused_before_any_run() {
    let missing = temp("no-such-directory").join("runs.jsonl").display().to_string();
    let args: Vec<String> = ["sweep", &scenario(), "--seeds", "1000000", "--runs-out", &missing]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let output = Command::new(env!("CARGO_BIN_EXE_stsim")).args(&args).output().expect("stsim runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: cannot write ") && stderr.contains("runs.jsonl"), "{stderr}");
}

#[test]
fn a_shard_with_no_seeds_says_so() {
    let args: Vec<String> = [
        "sweep",
        &scenario(),
        "--seeds",
        "2",
        "--first-seed",
        "0",
        "--shard",
        "0/3",
        "--vary",
        "duration=1h",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let output = stsim(&args, &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("seeds none of 0..1"), "{text}");
    assert!(text.contains("(0 runs)"), "{text}");
    // No distribution of nothing (a mean cost of $0.00 over no run).
    assert!(text.contains("  no runs: this shard holds no seed of the range"), "{text}");
    assert!(!text.contains("mean"), "{text}");
}

#[test]
fn a_bad_variant_is_a_located_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["sweep", &scenario(), "--seeds", "2", "--vary", "replicas=3,-1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("statefulsets[0].replicas"), "{err}");
    assert!(err.contains("(with replicas=-1)"), "names the variant: {err}");
    let missing = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["sweep", &scenario(), "--seeds", "2", "--vary", "cluster.zoneOutages.meanDuration=\"1h\""])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    // The missing section is written in, and the parser says what else it needs, where.
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("cluster.zoneOutages: missing field `meanTimeBetween`"), "{err}");
    assert!(err.contains("(with cluster.zoneOutages.meanDuration=\"1h\")"), "{err}");
}

/// Runs stopped before the scenario's duration (here an operator that
/// wakes itself without end, stopped at once each run) are counted and
/// named, in the report and the JSON, and the sweep exits 3, as `stsim run`
/// of one of them does; merged, they stay counted.
#[test]
fn runs_cut_short_are_counted_and_exit_3() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile/operator-loop.ron");
    let sweep = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_stsim"))
            .args(["sweep", &file.display().to_string(), "--seeds", "2", "--allow-exec"])
            .args(extra)
            .output()
            .unwrap()
    };
    let text = sweep(&[]);
    assert_eq!(text.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&text.stdout).contains("cut short: 2 of 2 runs"));
    assert!(String::from_utf8_lossy(&text.stderr).contains("warning: 2 of 2 runs stopped before"));
    let json = sweep(&["-o", "json"]);
    assert_eq!(json.status.code(), Some(3));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["variants"][0]["summary"]["cut_short"], 2);
    assert_eq!(value["variants"][0]["runs"][0]["end"], "operator-failed");
    let shard = temp("cut.json");
    std::fs::write(&shard, &json.stdout).unwrap();
    let merged = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["merge", &shard.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(3));
}

/// A shard of an older JSON form is named as such.
#[test]
fn a_shard_of_another_format_is_named_so() {
    let file = temp("old.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&stsim(&sweep_args(&["-o", "json", "--shard", "0/2"]), &[]).stdout).unwrap();
    json.as_object_mut().unwrap().remove("format");
    std::fs::write(&file, serde_json::to_vec(&json).unwrap()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["merge", &file.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains(
            "a sweep output of format 1 (which did not say), written by an older stsim, and this stsim \
                        reads format 3: run that shard again"
        ),
        "{error}"
    );
}

/// Two variants that run the same scenario (`replicas=3,03`) are refused,
/// naming both, rather than splitting one variant's runs in two.
#[test]
fn variants_that_run_the_same_scenario_are_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["sweep", &scenario(), "--seeds", "2", "--vary", "replicas=3,03"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("the variants replicas=3 and replicas=03 run the same scenario"), "{error}");
}

/// A shard's digest is of what ran, not of where the file was: the same
/// scenario named by another path, from another directory (another
/// checkout, another machine of a fleet), gives the same digest, so its
/// shards merge.
#[test]
fn the_digest_does_not_depend_on_where_the_file_is() {
    let digest = |file: &str, dir: &std::path::Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_stsim"))
            .args(["sweep", file, "--seeds", "1", "-o", "json"])
            .current_dir(dir)
            .output()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value["digest"].as_str().unwrap().to_string()
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    for name in ["benches/scenarios/redis-month.ron", "examples/manifests/redis-ordered-startup.ron"] {
        let relative = digest(name, &root);
        let absolute = digest(&root.join(name).display().to_string(), &std::env::temp_dir());
        assert_eq!(relative, absolute, "{name}");
    }
}

/// A sweep of a scenario with no application still says how to replay its
/// worst run: the one whose StatefulSet was short of pods longest.
#[test]
fn a_sweep_without_applications_names_a_replay() {
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/node-failures-week.ron");
    let args: Vec<String> =
        ["sweep", &scenario.display().to_string(), "--seeds", "4"].iter().map(|s| s.to_string()).collect();
    let text = String::from_utf8(stsim(&args, &[]).stdout).unwrap();
    assert!(!text.contains("  app "), "{text}");
    let replay = text.lines().find(|l| l.trim_start().starts_with("replay the worst: stsim run "));
    assert!(replay.is_some_and(|l| l.contains("node-failures-week.ron --seed ")), "{text}");
}
