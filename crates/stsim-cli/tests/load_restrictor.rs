//! A scenario is data: the manifests it names are read only in or below its
//! own directory unless the user says otherwise (`--load-restrictor`, as
//! kustomize's), so that a contributed scenario run in CI cannot make stsim
//! read the machine's other files and quote them in its diagnostics.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary, run in `dir`: exit code, standard output and error together.
fn stsim(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_stsim")).args(args).current_dir(dir).output().unwrap();
    let text =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

fn workdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-restrictor-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios/deep")).unwrap();
    // A file that is no manifest, with a secret in it, above the scenarios.
    std::fs::write(dir.join("credentials"), "[default]\naws_secret_access_key = SECRET-VALUE\n").unwrap();
    let redis =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/manifests/redis.yaml"))
            .unwrap();
    std::fs::write(dir.join("redis.yaml"), &redis).unwrap();
    std::fs::write(dir.join("scenarios/deep/redis.yaml"), &redis).unwrap();
    dir
}

fn scenario(dir: &Path, manifest: &str) {
    let text = format!("Scenario(name: \"x\", duration: \"1m\", manifests: [{manifest:?}])\n");
    std::fs::write(dir.join("scenarios/x.ron"), text).unwrap();
}

#[test]
fn manifests_outside_the_scenarios_directory_are_refused_unquoted() {
    let dir = workdir("outside");
    let absolute = dir.join("credentials").display().to_string();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("credentials"), dir.join("scenarios/link.yaml")).unwrap();
    let mut names = vec!["../credentials", absolute.as_str(), "deep/../../credentials"];
    if cfg!(unix) {
        names.push("link.yaml");
    }
    for name in names {
        scenario(&dir, name);
        for command in ["check", "run"] {
            let (code, text) = stsim(&dir, &[command, "scenarios/x.ron"]);
            assert_eq!(code, 2, "{command} {name}: {text}");
            assert!(text.contains("security: it is not in or below the scenario's directory"), "{text}");
            assert!(!text.contains("SECRET-VALUE") && !text.contains("aws_secret"), "{name} quoted: {text}");
        }
        // With consent the file is read (and, being no manifest, refused as such).
        let (code, text) =
            stsim(&dir, &["check", "scenarios/x.ron", "--load-restrictor", "LoadRestrictionsNone"]);
        assert_eq!(code, 2);
        assert!(!text.contains("security:"), "{text}");
    }
    // Manifests outside, with consent, run; inside, without.
    scenario(&dir, "../redis.yaml");
    let (code, text) = stsim(&dir, &["run", "scenarios/x.ron", "--load-restrictor", "LoadRestrictionsNone"]);
    assert_eq!(code, 0, "{text}");
    scenario(&dir, "deep/redis.yaml");
    let (code, text) = stsim(&dir, &["run", "scenarios/x.ron"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = stsim(&dir, &["run", "scenarios/x.ron", "--load-restrictor", "Bogus"]);
    assert_eq!(code, 2);
    assert!(text.contains("LoadRestrictionsRootOnly (the default) or LoadRestrictionsNone"), "{text}");
}

/// Every command that reads a scenario's manifests takes the flag:
/// `sweep` (whose replay commands then repeat it, through a merge too),
/// `export`, `quiz`, `explain`, `events`, `test`.
#[test]
fn every_command_that_reads_a_scenario_takes_the_flag() {
    let dir = workdir("commands");
    scenario(&dir, "../redis.yaml");
    let none = ["--load-restrictor", "LoadRestrictionsNone"];
    let commands: [&[&str]; 6] = [
        &["sweep", "scenarios/x.ron", "--seeds", "2", "--jobs", "1"],
        &["export", "scenarios/x.ron"],
        &["quiz", "scenarios/x.ron", "--answer", "a"],
        &["explain", "scenarios/x.ron"],
        &["events", "scenarios/x.ron"],
        &["test", "scenarios/x.ron"],
    ];
    for args in commands {
        let (code, text) = stsim(&dir, args);
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(
            text.contains("security: it is not in or below the scenario's directory"),
            "{args:?}: {text}"
        );
        let (_, text) = stsim(&dir, &[args, &none[..]].concat());
        assert!(!text.contains("security:"), "{args:?} with the flag: {text}");
    }
    // The scenario has no quiz: with the flag the quiz gets as far as saying so.
    let (code, text) = stsim(&dir, &["quiz", "scenarios/x.ron", "--answer", "a", none[0], none[1]]);
    assert_eq!(code, 2);
    assert!(text.contains("has no quiz"), "{text}");

    // A sweep's result says the restrictor was lifted (its replay commands
    // then repeat the flag: `sweep::render`'s tests), and so does a merge
    // of its shards; a sweep within the directory's does not.
    let (code, text) =
        stsim(&dir, &["sweep", "scenarios/x.ron", "--seeds", "2", "--jobs", "1", none[0], none[1]]);
    assert_eq!(code, 0, "{text}");
    for k in 0..2 {
        let shard = format!("{k}/2");
        let (code, json) = stsim(
            &dir,
            &[
                "sweep",
                "scenarios/x.ron",
                "--seeds",
                "2",
                "--jobs",
                "1",
                "--shard",
                &shard,
                "-o",
                "json",
                none[0],
                none[1],
            ],
        );
        assert_eq!(code, 0, "{json}");
        assert!(json.contains("\"manifests_outside_root\":true"), "{json}");
        std::fs::write(dir.join(format!("shard-{k}.json")), json).unwrap();
    }
    let (code, merged) = stsim(&dir, &["merge", "shard-0.json", "shard-1.json"]);
    assert_eq!(code, 0, "{merged}");
    assert_eq!(merged, text, "the merge is the sweep");
    let (code, merged) = stsim(&dir, &["merge", "shard-0.json", "shard-1.json", "-o", "json"]);
    assert_eq!(code, 0, "{merged}");
    assert!(merged.contains("\"manifests_outside_root\":true"), "{merged}");
    scenario(&dir, "deep/redis.yaml");
    let (code, text) =
        stsim(&dir, &["sweep", "scenarios/x.ron", "--seeds", "2", "--jobs", "1", "-o", "json"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("manifests_outside_root"), "{text}");
}
