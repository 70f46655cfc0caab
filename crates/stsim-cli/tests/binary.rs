//! The `stsim` binary itself (what `main.rs` adds to the library): reading
//! a scenario from standard input ends, whatever standard input holds.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with `stdin` as standard input; `None` if it had not
/// ended after 30 s (it is killed).
fn stsim(args: &[&str], stdin: Stdio, feed: Option<&[u8]>) -> Option<(i32, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = feed {
        let mut pipe = child.stdin.take().unwrap();
        let _ = pipe.write_all(bytes);
    }
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            return Some((status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned()));
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_scenario_on_standard_input_runs() {
    let source = include_bytes!("../../../scenarios/rolling-update.ron");
    let (code, out) = stsim(&["run", "-"], Stdio::piped(), Some(source)).expect("stsim run - ended");
    assert_eq!(code, 0);
    assert!(out.starts_with("scenario rolling-update"), "{out}");
}

#[cfg(unix)]
#[test]
fn endless_standard_input_is_refused_at_the_limit() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let (code, _) = stsim(&["run", "-"], Stdio::from(zero), None).expect("stsim run - < /dev/zero ended");
    assert_eq!(code, 2);
}
