//! Every reference trace of the real StatefulSet controller, replayed.
//!
//! The fixtures are copies of `shared/oracle/`: scripts that drove the
//! Kubernetes v1.28.7 controller and the actions it took. Set
//! `STSIM_ORACLE_DIR` to replay another directory of `*.script` and
//! `*.trace` pairs as well, without a code change.

use crate::oracle::check;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracle")
}

fn replay(dir: &Path, name: &str) {
    let script = std::fs::read_to_string(dir.join(format!("{name}.script"))).expect("script");
    let trace = std::fs::read_to_string(dir.join(format!("{name}.trace"))).expect("trace");
    if let Err(diff) = check(&script, &trace) {
        panic!("{name}: stsim's controller differs from Kubernetes v1.28.7:\n{diff}");
    }
}

macro_rules! oracle_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                replay(&fixture_dir(), $name);
            }
        )*

        /// Every fixture has a test above, so none is silently skipped.
        #[test]
        fn every_fixture_is_replayed() {
            let named: Vec<&str> = vec![$($name),*];
            for entry in std::fs::read_dir(fixture_dir()).expect("fixtures") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "script") {
                    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                    assert!(named.contains(&stem.as_str()), "fixture {stem} has no test");
                }
            }
        }
    };
}

oracle_tests! {
    ordered_create => "o01-ordered-create",
    ordered_scaledown => "o03-ordered-scaledown",
    parallel_burst => "o06-parallel-burst",
    rolling_update => "o09-rolling-update",
    rolling_update_stepwise => "o10-rolling-update-stepwise",
    ondelete => "o12-ondelete",
    rollback => "o13-rollback",
    broken_rollout_ordered => "o14-broken-rollout-ordered",
    retention_when_scaled_delete => "o16-retention-whenscaled-delete",
    failed_pod => "o18-failed-pod",
    terminating_blocks_parallel => "o20-terminating-blocks-parallel",
    force_delete => "o22-force-delete",
}

#[test]
fn extra_reference_directory() {
    let Ok(dir) = std::env::var("STSIM_ORACLE_DIR") else { return };
    let dir = PathBuf::from(dir);
    let mut count = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("STSIM_ORACLE_DIR is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().is_some_and(|e| e == "script") {
            replay(&dir, &path.file_stem().unwrap().to_string_lossy());
            count += 1;
        }
    }
    assert!(count > 0, "STSIM_ORACLE_DIR={} holds no .script files", dir.display());
}

#[test]
fn a_wrong_controller_decision_is_caught() {
    // The comparison itself must be able to fail: swap two creations.
    let script = "create web 2 OrderedReady\nsettle\n";
    let wrong = "1\tstep\tcreate web 2 OrderedReady\n2\tstep\tsettle\n2.1\tcreate\tpvc\tdatadir-web-1\n";
    assert!(check(script, wrong).is_err());
}

/// `deletepvc` is a user's delete, recorded as `user-delete pvc NAME` as
/// the README documents for every kind. The controller does not re-create
/// the claim of a running pod (v1.28 makes missing claims only when it
/// creates a pod or while the pod is Pending).
#[test]
fn a_users_claim_delete_is_recorded_as_documented() {
    let script = "create web 1 OrderedReady\nsettle\ndeletepvc datadir-web-0\nsync\n";
    let ours = crate::oracle::interpret(script).expect("the script runs");
    let lines: Vec<String> =
        ours.iter().filter(|l| l.step == "3" || l.step == "4").map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["3\tstep\tdeletepvc datadir-web-0\t", "3\tuser-delete\tpvc\tdatadir-web-0", "4\tstep\tsync\t",]
    );
    let reference = "1\tstep\tcreate web 1 OrderedReady\n2\tstep\tsettle\n2.1\tcreate\tpvc\tdatadir-web-0\n\
        2.1\tcreate\tpod\tweb-0\n3\tstep\tdeletepvc datadir-web-0\n3\tuser-delete\tpvc\tdatadir-web-0\n\
        4\tstep\tsync\n";
    if let Err(diff) = check(script, reference) {
        panic!("{diff}");
    }
}
