//! `stsim import` run as a user runs it, from a working directory: the
//! scenario it writes names each manifest by a path relative to where the
//! scenario is saved (a scenario's manifest paths are relative to its own
//! file), so it runs from there, whatever directory `stsim run` is then
//! started in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary, run in `dir`, with `stdin` on standard input: exit code,
/// standard output, standard error.
fn stsim(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stsim runs");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A fresh directory of the test's own, holding `files` (path, text).
fn workdir(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-import-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn redis() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/manifests/redis.yaml"))
        .unwrap()
}

/// The same Service and StatefulSet, named `cache`.
fn cache() -> String {
    redis().replace("redis", "cache")
}

/// The `manifests: [...]` line of a scenario.
fn manifests_line(scenario: &str) -> &str {
    scenario.lines().find(|l| l.trim_start().starts_with("manifests:")).unwrap_or_default().trim()
}

/// `stsim run FILE` from `dir` succeeds, and simulated the sets named. A
/// scenario whose manifests are outside its directory (`..`, an absolute
/// path) is first refused, as a scenario reads only the files beside it by
/// default, then runs with `--load-restrictor LoadRestrictionsNone`.
fn runs(dir: &Path, file: &str, sets: &[&str]) {
    let scenario = std::fs::read_to_string(dir.join(file)).unwrap();
    let line = manifests_line(&scenario);
    let outside = line.contains("\"/") || line.contains("..");
    let mut args = vec!["run", file];
    if outside {
        let (code, _, err) = stsim(dir, &args, "");
        assert_eq!(code, 2, "{file}: {line} read without consent");
        assert!(err.contains("security: it is not in or below the scenario's directory"), "{err}");
        args.extend(["--load-restrictor", "LoadRestrictionsNone"]);
    }
    let (code, out, err) = stsim(dir, &args, "");
    assert_eq!(code, 0, "stsim run {file} in {}:\n{err}", dir.display());
    for set in sets {
        assert!(out.contains(&format!("{set}-0")), "{file}: no pod of {set}:\n{out}");
    }
}

/// The help's own example: a directory's manifests on standard output,
/// saved in the current directory. The paths are as given, with the
/// directory, so the scenario runs.
#[test]
fn a_directory_imported_to_standard_output_runs_from_the_current_directory() {
    let dir = workdir("stdout-dir", &[("manifests/sts.yaml", &redis())]);
    for args in [
        &["import", "-f", "manifests/", "--story", "start"][..],
        &["import", "manifests", "--story", "start"],
    ] {
        let (code, scenario, err) = stsim(&dir, args, "");
        assert_eq!(code, 0, "{err}");
        assert_eq!(manifests_line(&scenario), "manifests: [\"manifests/sts.yaml\"],");
        std::fs::write(dir.join("db.ron"), &scenario).unwrap();
        runs(&dir, "db.ron", &["redis"]);
    }
    // A file in a subdirectory, too.
    let (code, scenario, _) = stsim(&dir, &["import", "manifests/sts.yaml", "--story", "start"], "");
    assert_eq!(code, 0);
    assert_eq!(manifests_line(&scenario), "manifests: [\"manifests/sts.yaml\"],");
    // And piped to `stsim run -`: a scenario on standard input names its
    // manifests relative to the current directory.
    let (code, out, err) = stsim(&dir, &["run", "-"], &scenario);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("redis-0"), "{out}");
}

/// With `-o FILE` the paths are relative to FILE's directory: the scenario
/// runs from its own directory, from the one it was written from, and
/// from anywhere by its absolute path. A FILE whose directory does not
/// hold the manifests is refused, as `stsim run` would refuse to read
/// them (probe S16), unless the load restrictor is lifted for the import.
#[test]
fn a_scenario_written_with_o_runs_from_where_it_is_saved() {
    let dir = workdir("output", &[("manifests/sts.yaml", &redis()), ("scenarios/.keep", "")]);
    let import = ["import", "-f", "manifests/", "--story", "start", "-o", "scenarios/db.ron"];
    let (code, out, err) = stsim(&dir, &import, "");
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains(
            "error: -o `scenarios/db.ron`: the scenario would name the manifest `manifests/sts.yaml` as \
             `../manifests/sts.yaml`, outside its own directory `scenarios`"
        ),
        "{err}"
    );
    assert!(err.contains("(like `-o manifests/db.ron`)"), "{err}");
    assert!(err.contains("copy the manifests into `scenarios`"), "{err}");
    assert!(!dir.join("scenarios/db.ron").exists(), "nothing is written");
    let lifted = [&import[..], &["--load-restrictor", "LoadRestrictionsNone"]].concat();
    let (code, out, err) = stsim(&dir, &lifted, "");
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("note: the scenario names manifests outside its own directory"), "{err}");
    let scenario = std::fs::read_to_string(dir.join("scenarios/db.ron")).unwrap();
    assert_eq!(manifests_line(&scenario), "manifests: [\"../manifests/sts.yaml\"],");
    assert!(scenario.contains("named by paths relative to this file"), "{scenario}");
    runs(&dir, "scenarios/db.ron", &["redis"]);
    runs(&dir.join("scenarios"), "db.ron", &["redis"]);
    let absolute = dir.join("scenarios/db.ron").display().to_string();
    runs(Path::new("/"), &absolute, &["redis"]);
    // Beside the manifests, and above them.
    let (code, _, err) = stsim(&dir, &["import", "manifests/sts.yaml", "-o", "manifests/db.ron"], "");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("outside"), "{err}");
    let beside = std::fs::read_to_string(dir.join("manifests/db.ron")).unwrap();
    assert_eq!(manifests_line(&beside), "manifests: [\"sts.yaml\"],");
    let (code, _, err) =
        stsim(&dir.join("scenarios"), &["import", "../manifests/sts.yaml", "-o", "../db.ron"], "");
    assert_eq!(code, 0, "{err}");
    let above = std::fs::read_to_string(dir.join("db.ron")).unwrap();
    assert_eq!(manifests_line(&above), "manifests: [\"manifests/sts.yaml\"],");
    runs(&dir, "db.ron", &["redis"]);
}

/// An absolute path stays absolute, so the scenario runs wherever it is.
#[test]
fn absolute_paths_stay_absolute() {
    let dir = workdir("absolute", &[("m/sts.yaml", &redis()), ("elsewhere/.keep", "")]);
    let manifest = dir.join("m/sts.yaml").display().to_string();
    for output in [None, Some("elsewhere/db.ron")] {
        let mut args = vec!["import", manifest.as_str(), "--story", "start"];
        // Written elsewhere, the scenario names a file outside its directory.
        args.extend(output.iter().flat_map(|o| ["-o", *o, "--load-restrictor", "LoadRestrictionsNone"]));
        let (code, stdout, err) = stsim(&dir, &args, "");
        assert_eq!(code, 0, "{err}");
        let scenario = match output {
            None => stdout,
            Some(file) => std::fs::read_to_string(dir.join(file)).unwrap(),
        };
        assert_eq!(manifests_line(&scenario), format!("manifests: [\"{manifest}\"],"));
        std::fs::write(dir.join("elsewhere/db.ron"), &scenario).unwrap();
        runs(&dir, "elsewhere/db.ron", &["redis"]);
    }
}

/// Two manifests of one name in two directories stay two files.
#[test]
fn files_of_one_name_in_two_directories_stay_apart() {
    let dir = workdir("same-name", &[("a/sts.yaml", &redis()), ("b/sts.yaml", &cache())]);
    let (code, scenario, err) =
        stsim(&dir, &["import", "a/sts.yaml", "-f", "b/sts.yaml", "--story", "start"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(manifests_line(&scenario), "manifests: [\"a/sts.yaml\", \"b/sts.yaml\"],");
    std::fs::write(dir.join("both.ron"), &scenario).unwrap();
    runs(&dir, "both.ron", &["redis", "cache"]);
    let lifted = ["--load-restrictor", "LoadRestrictionsNone"];
    let (code, _, err) = stsim(
        &dir,
        &[&["import", "a/sts.yaml", "b/sts.yaml", "--story", "start", "-o", "a/both.ron"][..], &lifted]
            .concat(),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(dir.join("a/both.ron")).unwrap();
    assert_eq!(manifests_line(&written), "manifests: [\"sts.yaml\", \"../b/sts.yaml\"],");
    runs(&dir.join("a"), "both.ron", &["redis", "cache"]);
}

/// Standard input is refused, before it is read: a scenario can only name
/// files. Nothing is written.
#[test]
fn standard_input_is_refused_with_what_to_do_instead() {
    let dir = workdir("stdin", &[("sts.yaml", &redis())]);
    for args in [&["import", "-"][..], &["import", "-f", "-", "-o", "db.ron"], &["import", "sts.yaml", "-"]] {
        let (code, out, err) = stsim(&dir, args, &redis());
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.contains("a scenario names its manifests by path, and standard input has none"), "{err}");
        assert!(err.contains("helm template my ./chart > chart.yaml"), "{err}");
        assert!(err.contains("stsim run -f -"), "{err}");
    }
    assert!(!dir.join("db.ron").exists());
}

/// `-o` names a `.ron` file in a directory that exists; other names are
/// refused before anything is read, saying what to give instead. A file
/// is written only once the manifests are valid: a failed import leaves
/// the file as it was.
#[test]
fn o_refuses_names_it_cannot_write_a_scenario_to() {
    let dir = workdir(
        "refusals",
        &[("sts.yaml", &redis()), ("bad.yaml", "kind: StatefulSet\n"), ("out/.keep", "")],
    );
    let refused = |output: &str, says: &str| {
        let (code, out, err) = stsim(&dir, &["import", "sts.yaml", "-o", output], "");
        assert_eq!((code, out.as_str()), (2, ""), "-o {output}");
        assert!(err.contains(says), "-o {output}: {err}");
    };
    refused("db.yaml", "stsim reads a .yaml file as Kubernetes manifests, and import writes a RON scenario");
    refused("db.yaml", "name it .ron, like `-o db.ron`");
    refused("db.JSON", "a .json file as Kubernetes manifests");
    refused("json", "-o names the file to write it to");
    refused("out", "-o `out` is a directory");
    refused("missing/db.ron", "there is no directory `missing` to write it in");
    assert!(!dir.join("db.yaml").exists() && !dir.join("json").exists());
    std::fs::write(dir.join("kept.ron"), "// mine\n").unwrap();
    let (code, _, err) = stsim(&dir, &["import", "bad.yaml", "-o", "kept.ron"], "");
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("kept.ron")).unwrap(), "// mine\n");
}

/// A directory reached through a symbolic link: the path is worked out
/// from the real directories, so it still leads to the manifest.
#[cfg(unix)]
#[test]
fn a_scenario_written_through_a_symbolic_link_still_finds_its_manifests() {
    let dir = workdir("symlink", &[("w/m/sts.yaml", &redis()), ("elsewhere/deep/.keep", "")]);
    std::os::unix::fs::symlink(dir.join("elsewhere/deep"), dir.join("w/link")).unwrap();
    let work = dir.join("w");
    let import = ["import", "m/sts.yaml", "--story", "start", "-o", "link/db.ron"];
    // Outside the real directory of the scenario: refused as `run` would refuse it.
    let (code, _, err) = stsim(&work, &import, "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) =
        stsim(&work, &[&import[..], &["--load-restrictor", "LoadRestrictionsNone"]].concat(), "");
    assert_eq!(code, 0, "{err}");
    let scenario = std::fs::read_to_string(dir.join("elsewhere/deep/db.ron")).unwrap();
    // By the names alone it would be `../m/sts.yaml`, which from the real
    // directory is `elsewhere/m/sts.yaml`.
    assert_eq!(manifests_line(&scenario), "manifests: [\"../../w/m/sts.yaml\"],");
    runs(&work, "link/db.ron", &["redis"]);
    runs(&dir.join("elsewhere/deep"), "db.ron", &["redis"]);
}

/// A file name with a line break, quotes or a backslash in it: the
/// scenario names it escaped, in its `manifests` list and in the comment
/// at its top, so it still reads as RON and runs.
#[test]
fn a_name_with_a_line_break_stays_in_its_comment() {
    let names = ["new\nline.yaml", "we\"ird.yaml", "back\\slash.yaml", "cr\rlf.yaml"];
    let files: Vec<(&str, String)> = names.iter().map(|name| (*name, redis())).collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    let dir = workdir("odd-names", &files);
    for name in names {
        let (code, scenario, err) = stsim(&dir, &["import", name, "--story", "start"], "");
        assert_eq!(code, 0, "{name:?}: {err}");
        let header: Vec<&str> = scenario.lines().take_while(|l| !l.starts_with("Scenario(")).collect();
        assert!(header.iter().all(|l| l.starts_with("//")), "{name:?}: the comment is broken:\n{scenario}");
        std::fs::write(dir.join("db.ron"), &scenario).unwrap();
        runs(&dir, "db.ron", &["redis"]);
    }
}
