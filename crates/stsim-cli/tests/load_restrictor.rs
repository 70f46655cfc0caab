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
