//! External operators as processes: stsim stops what an operator started
//! (a shell's child, a forked helper) along with it, and tells an operator
//! that exited from one that did not answer.
//!
//! Each operator here is a shell script that starts `sleep 60` in the
//! background and writes its process id to `child.pid`; the tests check
//! that this process is gone once stsim has stopped the operator.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::time::Duration;
use stsim_cli::ExitStatus;

/// A fresh directory holding the scenario, with `script` as `op.sh`, run
/// by `command` (in the scenario's directory) with the given timeout and
/// protocol.
fn scenario(test: &str, script: &str, command: &str, timeout: &str, protocol: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-operator-processes-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("op.sh"), script).unwrap();
    let source = format!(
        r#"Scenario(
    name: "operator-processes",
    seed: 1,
    duration: "1m",
    images: [(name: "redis:7.0", pull: "1s", startup: "1s", shutdown: "1s")],
    services: [(name: "svc", selector: {{"app": "r"}})],
    statefulsets: [(
        name: "r",
        serviceName: "svc",
        replicas: 1,
        template: (labels: {{"app": "r"}}, image: "redis:7.0"),
    )],
    operators: [(
        operator: External(name: "op", command: {command}, timeout: "{timeout}"),
        reconcileDelay: "1s",
        protocol: {protocol},
    )],
)
"#
    );
    std::fs::write(dir.join("scenario.ron"), source).unwrap();
    dir
}

fn run(dir: &Path) -> (ExitStatus, String) {
    let args: Vec<String> =
        ["run", "--allow-exec", &dir.join("scenario.ron").display().to_string()].map(String::from).to_vec();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    (status, String::from_utf8(err).unwrap())
}

/// The process id the script wrote: its background `sleep`.
fn child_pid(dir: &Path) -> u32 {
    let text = std::fs::read_to_string(dir.join("child.pid")).expect("the operator wrote child.pid");
    text.trim().parse().expect("a process id")
}

/// Whether the process is gone: no such process, or one that has died and
/// waits to be reaped (a zombie: a container's init may not reap it).
/// Allows a moment for a SIGKILL sent just now to take effect.
fn gone(pid: u32) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) => {
                let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
                if matches!(state, Some('Z' | 'X')) {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Ends the process if a test failed and left it behind.
fn cleanup(dir: &Path, pid: u32) {
    if !gone(pid) {
        let _ =
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// An operator started through a shell (`sh -c "sh op.sh"`, as one might
/// write `sh -c "python3 op.py"`) that hangs is killed on the timeout with
/// everything it started, not only the process stsim started.
#[test]
fn a_hanging_operator_is_killed_with_what_it_started() {
    let script = "echo $$ > script.pid\nsleep 60 &\necho $! > child.pid\nread line\nsleep 60\n";
    let dir = scenario("hangs", script, r#"["sh", "-c", "sh op.sh"]"#, "1s", 1);
    let (status, err) = run(&dir);
    let pid = child_pid(&dir);
    let script_pid: u32 = std::fs::read_to_string(dir.join("script.pid")).unwrap().trim().parse().unwrap();
    let (dead, script_dead) = (gone(pid), gone(script_pid));
    if !script_dead {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(script_pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    cleanup(&dir, pid);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert!(err.contains("did not answer within 1s and was killed"), "{err}");
    assert!(
        script_dead,
        "the shell script (process {script_pid}) still runs after stsim killed the operator"
    );
    assert!(dead, "process {pid}, started by the operator, still runs after stsim killed the operator");
}

/// An operator that exits while a process it forked keeps its output open
/// is reported as exited, with its status, not as one that did not answer;
/// the process it left is killed.
#[test]
fn an_operator_that_exits_leaving_a_child_is_reported_as_exited() {
    let script = "sleep 60 &\necho $! > child.pid\nread line\necho 'leaving' >&2\nexit 0\n";
    let dir = scenario("exits", script, r#"["sh", "op.sh"]"#, "10s", 1);
    let (status, err) = run(&dir);
    let pid = child_pid(&dir);
    let dead = gone(pid);
    cleanup(&dir, pid);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert!(err.contains("operator op exited with exit status: 0 instead of answering"), "{err}");
    assert!(err.contains("a process it started, which still held its output open, was killed"), "{err}");
    assert!(err.contains("leaving"), "its stderr is shown: {err}");
    assert!(!err.contains("did not answer"), "{err}");
    assert!(dead, "process {pid}, left by the operator, still runs after the run");
}

/// A well-behaved operator's helper process does not outlive the run: at
/// the end stsim closes the operator's input, gives it a moment, and
/// stops its whole process group.
#[test]
fn a_helper_of_a_well_behaved_operator_does_not_outlive_the_run() {
    let script = "sleep 60 &\necho $! > child.pid\nwhile read line; do echo '{\"actions\": []}'; done\n";
    let dir = scenario("polite", script, r#"["sh", "op.sh"]"#, "10s", 1);
    let (status, err) = run(&dir);
    let pid = child_pid(&dir);
    let dead = gone(pid);
    cleanup(&dir, pid);
    assert_eq!(status, ExitStatus::Success, "{err}");
    assert!(dead, "process {pid}, started by the operator, still runs after the run");
}

/// An answer that is not the protocol is shown the expected shape of the
/// protocol stsim spoke: version 2's verbs and `requeueAfterMs`.
#[test]
fn the_hint_shows_an_answer_of_the_protocol_spoken() {
    let script = "sleep 60 &\necho $! > child.pid\nwhile read line; do echo '{\"nope\": 1}'; done\n";
    let dir = scenario("hint", script, r#"["sh", "op.sh"]"#, "10s", 2);
    let (status, err) = run(&dir);
    let pid = child_pid(&dir);
    cleanup(&dir, pid);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert!(err.contains("answered with something that is not the protocol"), "{err}");
    let (_, hint) = err.split_once("expected one line like").expect("a hint");
    assert!(hint.contains(r#""action": "Patch""#) && hint.contains(r#""requeueAfterMs": 30000"#), "{err}");
    assert!(hint.contains("(protocol 2: docs/operator-protocol.md)"), "{err}");
    assert!(!hint.contains("DeletePvc") && !hint.contains("requeue_after_ms"), "{err}");
}
