//! The `stsim` binary as a shell pipeline sees it: standard input with `-`,
//! exit codes, and no colour when the output is not a terminal.

use std::io::Write;
use std::process::{Command, Stdio};

fn stsim(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stsim"));
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("stsim runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn redis() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/manifests/redis.yaml"))
        .unwrap()
}

#[test]
fn manifests_from_standard_input() {
    let (code, stdout, stderr) = stsim(&["run", "-f", "-", "--story", "start", "-o", "json"], &redis(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"kind\": \"Report\""));
    assert!(
        stderr.contains("<stdin>:47:11: StatefulSet \"redis\" spec.template.spec.containers[0].volumeMounts"),
        "{stderr}"
    );
    // `-` as the scenario argument reads a manifest or a RON scenario alike.
    let (code, _, _) = stsim(&["check", "-"], &redis(), &[]);
    assert_eq!(code, 0);
}

#[test]
fn bad_input_on_standard_input_exits_2_with_its_place() {
    let (code, _, stderr) = stsim(&["run", "-f", "-"], "apiVersion: apps/v1beta1\nkind: StatefulSet\n", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--> <stdin>:1:13"), "{stderr}");
}

#[test]
fn no_colour_when_piped() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/drain-pdb-multi-attach.ron");
    let (code, stdout, _) = stsim(&["events", scenario], "", &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("FailedAttachVolume") && !stdout.contains('\u{1b}'));
}
