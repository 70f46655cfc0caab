//! `stsim run -f`: Kubernetes manifests through the command line, and the
//! fixtures in `examples/manifests/`, each simulated.

use crate::support::repo_root;
use stsim_cli::ExitStatus;
use stsim_core::config::StorageClassConfig;
use stsim_core::trace::Event;

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn stsim(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run(&args, &mut out, &mut err);
    Output { status, stdout: String::from_utf8(out).unwrap(), stderr: String::from_utf8(err).unwrap() }
}

fn example(name: &str) -> String {
    repo_root().join("examples/manifests").join(name).display().to_string()
}

fn temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stsim-manifest-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn digest(args: &[&str]) -> String {
    let output = stsim(args);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    json["traceDigest"].as_str().unwrap().to_string()
}

#[test]
fn the_seed_manifest_runs_like_the_ron_scenario() {
    let ron = repo_root().join("scenarios/redis-ordered-startup.ron").display().to_string();
    let with_manifest = example("redis-ordered-startup.ron");
    assert_eq!(digest(&["run", &ron, "--json"]), digest(&["run", &with_manifest, "--json"]));
}

#[test]
fn run_f_simulates_a_manifest_and_warns_once_about_what_it_ignored() {
    let output = stsim(&["run", "-f", &example("redis.yaml")]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stdout.contains("The `default` story around redis"), "{}", output.stdout);
    assert!(output.stdout.contains("kubectl set image statefulset/redis"), "{}", output.stdout);
    assert!(!output.stdout.contains("(line "), "a story's actions are in no file: {}", output.stdout);
    assert_eq!(output.stderr.matches("warning:").count(), 1, "{}", output.stderr);
    assert!(
        output.stderr.contains(
            "redis.yaml:47:11: StatefulSet \"redis\" spec.template.spec.containers[0].volumeMounts"
        )
    );
    // A manifest named without -f is recognised too.
    let positional = stsim(&["run", &example("redis.yaml"), "--json"]);
    assert_eq!(positional.status, ExitStatus::Success);
}

#[test]
fn stories_change_what_happens() {
    let crash = stsim(&["run", "-f", &example("redis.yaml"), "--story", "node-crash"]);
    // The node of the set's first pod, wherever it runs.
    assert!(crash.stdout.contains("crash the node that runs redis-0"), "{}", crash.stdout);
    assert!(
        crash.stdout.contains("redis-0 ") && crash.stdout.contains("DeletionByTaintManager"),
        "{}",
        crash.stdout
    );
    assert!(!crash.stdout.contains("kubectl scale"), "{}", crash.stdout);
    let unknown = stsim(&["run", "-f", &example("redis.yaml"), "--story", "meteor"]);
    assert_eq!(unknown.status, ExitStatus::Error);
    assert!(
        unknown.stderr.contains("invalid value 'meteor'") && unknown.stderr.contains("node-crash"),
        "{}",
        unknown.stderr
    );
    let ron = stsim(&["run", "redis-ordered-startup", "--story", "node-crash"]);
    assert_eq!(ron.status, ExitStatus::Error);
    assert!(ron.stderr.contains("--story node-crash applies to manifests"), "{}", ron.stderr);
    let list = stsim(&["stories"]);
    assert!(list.stdout.contains("node-crash") && list.stdout.contains("rolling-update"));
}

#[test]
fn a_bad_manifest_exits_2_with_file_line_and_column() {
    let path = temp("bad.yaml", "apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata:\n  name: x\n");
    let output = stsim(&["run", "-f", &path]);
    assert_eq!(output.status, ExitStatus::Error);
    assert!(output.stderr.contains(&format!("{path}:1:13")), "{}", output.stderr);
    assert!(output.stderr.contains("no matches for kind \"StatefulSet\" in version \"apps/v1beta1\""));
    let check = stsim(&["check", &path]);
    assert_eq!(check.status, ExitStatus::Error);
}

#[test]
fn check_accepts_manifests() {
    let output = stsim(&["check", &example("redis.yaml")]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stdout.contains("1 statefulset(s)"), "{}", output.stdout);
}

/// Manifests split over files: a Service in one, its StatefulSet in the
/// other. Named without `-f`, `check` takes each file on its own (the
/// Service alone has no set to simulate) and says how to check them
/// together; with `-f`, it reads them as `stsim run -f` does. `import -f`
/// is the same as naming the files.
#[test]
fn check_and_import_take_manifests_split_over_files_with_f() {
    let text = std::fs::read_to_string(example("redis.yaml")).unwrap();
    let (service, set) = text.split_once("\n---\n").unwrap();
    let service = temp("split-service.yaml", service);
    let set = temp("split-set.yaml", set);
    let each = stsim(&["check", &service, &set]);
    assert_eq!(each.status, ExitStatus::Error);
    assert!(each.stderr.contains("no StatefulSet in the manifests"), "{}", each.stderr);
    assert!(each.stderr.contains(&format!("stsim check -f {service} -f {set}")), "{}", each.stderr);
    assert!(each.stderr.contains("names the service \"redis-svc\", which the manifests do not define"));
    let together = stsim(&["check", "-f", &service, "-f", &set]);
    assert_eq!(together.status, ExitStatus::Success, "{}", together.stderr);
    assert!(
        together.stdout.contains(&format!("ok: {service}, {set}: scenario redis")),
        "{}",
        together.stdout
    );
    assert!(!together.stderr.contains("do not define"), "{}", together.stderr);
    // The same set, as `run -f` reads it.
    assert_eq!(
        digest(&["run", "-f", &service, "-f", &set, "-o", "json"]),
        digest(&["run", "-f", &example("redis.yaml"), "-o", "json"])
    );
    let named = stsim(&["import", &service, &set]);
    assert_eq!(named.status, ExitStatus::Success, "{}", named.stderr);
    assert_eq!(stsim(&["import", "-f", &service, "-f", &set]).stdout, named.stdout);
    assert_eq!(stsim(&["import", &service, "-f", &set]).stdout, named.stdout);
    // A directory, as `kubectl apply -f DIR` reads it: its files in name order.
    let dir = std::path::Path::new(&service).parent().unwrap().join("split-dir");
    std::fs::create_dir_all(&dir).unwrap();
    for (from, name) in [(&service, "split-service.yaml"), (&set, "split-set.yaml")] {
        std::fs::copy(from, dir.join(name)).unwrap();
    }
    let in_dir = |name: &str| dir.join(name).display().to_string();
    let (service_in_dir, set_in_dir) = (in_dir("split-service.yaml"), in_dir("split-set.yaml"));
    let dir = dir.display().to_string();
    let from_dir = stsim(&["import", "-f", &dir]);
    assert_eq!(from_dir.status, ExitStatus::Success, "{}", from_dir.stderr);
    // Its files, each named by its path in the directory.
    assert_eq!(from_dir.stdout, stsim(&["import", &service_in_dir, &set_in_dir]).stdout);
    assert!(from_dir.stdout.contains(&format!("manifests: [{service_in_dir:?}, {set_in_dir:?}]")));
    assert_eq!(stsim(&["check", "-f", &dir]).status, ExitStatus::Success);
}

#[test]
fn output_flags_follow_kubectl() {
    let json = stsim(&["run", "-o", "json"]);
    let alias = stsim(&["run", "--json"]);
    assert_eq!(json.stdout, alias.stdout);
    let yaml = stsim(&["run", "-o", "yaml"]);
    assert!(yaml.stdout.starts_with("apiVersion: stsim.io/v1alpha1\nkind: Report\n"), "{}", yaml.stdout);
    let wide = stsim(&["run", "-o", "wide"]);
    assert!(wide.stdout.contains("\nEVENTS\nSINCE START "), "{}", wide.stdout);
    let header = wide.stdout.split("\nEVENTS\n").nth(1).and_then(|t| t.lines().next()).unwrap_or_default();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["SINCE", "START", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    let bad = stsim(&["run", "-o", "xml"]);
    assert_eq!(bad.status, ExitStatus::Error);
}

#[test]
fn events_have_kubernetes_reasons_types_and_times() {
    let path = repo_root().join("scenarios/drain-pdb-multi-attach.ron").display().to_string();
    let output = stsim(&["events", &path]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(lines[0].starts_with("SINCE START"));
    let row = |reason: &str| lines.iter().find(|l| l.contains(reason)).copied().unwrap_or_default();
    assert!(row(" SuccessfulCreate ").contains("Normal"), "{}", output.stdout);
    assert!(row(" FailedAttachVolume ").contains("Warning"), "{}", output.stdout);
    assert!(row(" Multi-Attach error").contains("Pod/"), "{}", output.stdout);
    assert!(row(" Killing ").contains("Stopping container"), "{}", output.stdout);
    // The drain's evictions are no event of their own: only the kubelet's Killing shows them.
    assert!(!output.stdout.contains("Evict"), "{}", output.stdout);
    // RFC 3339 after a given start.
    let absolute = stsim(&["events", &path, "--start-time", "2026-01-02T15:04:05Z"]);
    assert!(
        absolute.stdout.lines().nth(1).unwrap().starts_with("2026-01-02T15:04:05Z"),
        "{}",
        absolute.stdout
    );
    let bad = stsim(&["events", &path, "--start-time", "noon"]);
    assert_eq!(bad.status, ExitStatus::Error);
    // Only warnings, and colour only when asked for (a terminal without NO_COLOR).
    let warnings = stsim(&["events", &path, "--warnings"]);
    assert!(warnings.stdout.lines().skip(1).all(|l| l.contains("Warning")), "{}", warnings.stdout);
    assert!(!warnings.stdout.contains('\u{1b}'));
    let args: Vec<String> = ["events", path.as_str(), "--warnings"].iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stsim_cli::run_with(&args, &mut out, &mut err, true);
    assert!(String::from_utf8(out).unwrap().contains("\u{1b}[33m"));
}

/// An event's `firstTimestamp` and `lastTimestamp` are `metav1.Time`s,
/// which the API server keeps and writes in whole seconds (RFC 3339, no
/// fraction); the scheduler's `eventTime` is a `MicroTime`, with six
/// digits. The table shows every time in whole seconds too, as kubectl
/// does. In liveness-restarts the kubelet's last kept `Created` is at
/// 3m39.466s (a restart at the pod worker's sync): 15:07:44 after a start
/// at 15:04:05, 15:07:45 after one at 15:04:05.6.
#[test]
fn event_times_are_kept_in_whole_seconds_as_the_api_server_keeps_them() {
    let path = repo_root().join("scenarios/liveness-restarts.ron").display().to_string();
    let json = stsim(&["events", &path, "-o", "json", "--start-time", "2026-01-02T15:04:05Z"]);
    let list: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let items = list["items"].as_array().unwrap();
    let whole = |t: &str| t.len() == "2026-01-02T15:04:05Z".len() && t.ends_with('Z') && !t.contains('.');
    let micro = |t: &str| t.len() == "2026-01-02T15:04:05.000000Z".len() && t.split('.').nth(1).is_some();
    let (mut legacy, mut scheduler) = (0, 0);
    for item in items {
        for key in ["firstTimestamp", "lastTimestamp"] {
            if let Some(at) = item[key].as_str() {
                assert!(whole(at), "{key} {at}");
                legacy += 1;
            }
        }
        if let Some(at) = item["eventTime"].as_str() {
            assert!(micro(at), "eventTime {at}");
            scheduler += 1;
        }
    }
    assert!(legacy > 10 && scheduler > 0, "{legacy} {scheduler}");
    let created = items.iter().find(|e| e["reason"] == "Created").expect("a Created event");
    assert_eq!(created["firstTimestamp"], "2026-01-02T15:04:07Z");
    assert_eq!(created["lastTimestamp"], "2026-01-02T15:07:44Z");
    // A start with a fraction moves the second kept: 15:04:05.6 + 3m39.466s.
    let later = stsim(&["events", &path, "-o", "json", "--start-time", "2026-01-02T15:04:05.600Z"]);
    assert!(later.stdout.contains("\"lastTimestamp\": \"2026-01-02T15:07:45Z\""), "{}", later.stdout);
    // The table: whole seconds since the start, or RFC 3339 without a fraction.
    let row = |output: &str| {
        output.lines().find(|l| l.contains(" Created ")).map(|l| l.split("   ").next().unwrap().to_string())
    };
    assert_eq!(row(&stsim(&["events", &path]).stdout).as_deref(), Some("3m39s (x6 over 3m37s)"));
    let at = stsim(&["events", &path, "--start-time", "2026-01-02T15:04:05Z"]).stdout;
    assert_eq!(row(&at).as_deref(), Some("2026-01-02T15:07:44Z (x6 over 3m37s)"));
    assert!(!stsim(&["events", &path]).stdout.contains("ms "), "no milliseconds");
}

#[test]
fn events_for_one_object_and_of_some_types_as_kubectl_filters_them() {
    let path = repo_root().join("scenarios/liveness-restarts.ron").display().to_string();
    let all = stsim(&["events", &path]);
    // Rows with their columns' padding taken out (the widths follow the rows shown).
    let rows = |output: &str| {
        output.lines().skip(1).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>()
    };
    // `--for` takes kubectl's resource names, plurals and short names, in any case.
    for object in ["pod/web-0", "pods/web-0", "po/web-0", "Pod/web-0"] {
        let mine = stsim(&["events", &path, "--for", object]);
        assert_eq!(mine.status, ExitStatus::Success, "{}", mine.stderr);
        let expected: Vec<String> =
            rows(&all.stdout).into_iter().filter(|r| r.contains(" Pod/web-0 ")).collect();
        assert_eq!(rows(&mine.stdout), expected, "{object}");
    }
    let set = stsim(&["events", &path, "--for", "sts/web"]);
    assert_eq!(rows(&set.stdout).len(), 1, "{}", set.stdout);
    assert!(set.stdout.contains("SuccessfulCreate"));
    // With the API group, and its version, as kubectl reads `resource.group`.
    for object in
        ["statefulset.apps/web", "statefulsets.apps/web", "sts.apps/web", "statefulsets.v1.apps/web"]
    {
        let grouped = stsim(&["events", &path, "--for", object]);
        assert_eq!(grouped.status, ExitStatus::Success, "{object}: {}", grouped.stderr);
        assert_eq!(grouped.stdout, set.stdout, "{object}");
    }
    let core = stsim(&["events", &path, "--for", "pods.v1./web-0"]);
    assert_eq!(core.stdout, stsim(&["events", &path, "--for", "pod/web-0"]).stdout);
    // `--types`, without case; both types are every event.
    let warnings = stsim(&["events", &path, "--types", "warning"]);
    assert_eq!(rows(&warnings.stdout), rows(&stsim(&["events", &path, "--warnings"]).stdout));
    assert!(rows(&warnings.stdout).iter().all(|r| r.contains(" Warning ")), "{}", warnings.stdout);
    let normal = stsim(&["events", &path, "--types", "Normal"]);
    assert!(rows(&normal.stdout).iter().all(|r| r.contains(" Normal ")), "{}", normal.stdout);
    assert_eq!(rows(&normal.stdout).len() + rows(&warnings.stdout).len(), rows(&all.stdout).len());
    assert_eq!(stsim(&["events", &path, "--types", "Normal,Warning"]).stdout, all.stdout);
    // Nothing left: kubectl's words on standard error, nothing on standard output, in any format.
    for format in [None, Some("json")] {
        let mut args = vec!["events", path.as_str(), "--for", "pod/web-7"];
        args.extend(format.map(|f| ["-o", f]).into_iter().flatten());
        let none = stsim(&args);
        assert_eq!(none.status, ExitStatus::Success);
        assert_eq!(
            (none.stdout.as_str(), none.stderr.as_str()),
            ("", "No events found in default namespace.\n")
        );
    }
    // Bad filters are refused before the run, naming what is wrong.
    let refused = |args: &[&str], says: &str| {
        let output = stsim(&[&["events", path.as_str()], args].concat());
        assert_eq!(output.status, ExitStatus::Error, "{args:?}");
        assert!(output.stderr.contains(says), "{args:?}: {}", output.stderr);
    };
    refused(&["--types", "Info"], "--types `Info`: valid --types are Normal or Warning");
    refused(&["--for", "web-0"], "--for `web-0`: give the object in resource/name form");
    refused(&["--for", "deployment/web"], "no resource type `deployment` has events here");
    refused(&["--for", "statefulset.batch/web"], "no resource type `statefulset.batch` has events here");
    refused(&["--for", "deployment.apps/web"], "with its API group as kubectl takes it: statefulset.apps");
    refused(&["--for", "pod/"], "resource/name form");
    refused(&["--for", "pod/web-0/x"], "resource/name form");
}

/// At the end of a long run the API server holds only the events written
/// in the last `--event-ttl` (kube-apiserver's, 1 h): a week of node
/// failures ends with the last hour's events, and a note on standard
/// error counts the rest; `--event-ttl 0` keeps them all (the table the
/// run made before TTLs), a day keeps the last day's. With `--raw` (what
/// was emitted, not what is kept) a TTL is refused, and so is a TTL that
/// is no duration.
#[test]
fn events_older_than_the_api_servers_ttl_are_gone_at_the_end_of_a_long_run() {
    let path = repo_root().join("scenarios/node-failures-week.ron").display().to_string();
    // Rows with their columns' padding taken out (the widths follow the rows shown).
    let rows = |output: &str| {
        output.lines().skip(1).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>()
    };
    let since =
        |rows: &[String], prefix: &[&str]| rows.iter().all(|r| prefix.iter().any(|p| r.starts_with(p)));
    let all = stsim(&["events", &path, "--event-ttl", "0"]);
    assert_eq!(all.stderr, "", "nothing deleted, nothing to say");
    let hour = stsim(&["events", &path]);
    assert_eq!(hour.status, ExitStatus::Success, "{}", hour.stderr);
    let (all, hour_rows) = (rows(&all.stdout), rows(&hour.stdout));
    assert!(!hour_rows.is_empty() && hour_rows.len() < all.len() / 10, "{}", hour.stdout);
    assert!(since(&hour_rows, &["6d23h", "7d "]), "{}", hour.stdout);
    let deleted = all.len() - hour_rows.len();
    assert!(
        hour.stderr.starts_with(&format!("note: {deleted} events were deleted before the run ended")),
        "{}",
        hour.stderr
    );
    assert!(hour.stderr.contains("1h after its last write") && hour.stderr.contains("--event-ttl 0"));
    let day = rows(&stsim(&["events", &path, "--event-ttl", "1d"]).stdout);
    assert!(
        day.len() > hour_rows.len() && day.len() < all.len(),
        "{} {} {}",
        day.len(),
        hour_rows.len(),
        all.len()
    );
    assert!(since(&day, &["6d", "7d "]), "{day:#?}");
    // The longer a TTL keeps, the more of the same table's last rows.
    assert!(all.ends_with(&day) && day.ends_with(&hour_rows));
    let refused = stsim(&["events", &path, "--raw", "--event-ttl", "2h"]);
    assert_eq!(refused.status, ExitStatus::Error);
    assert!(refused.stderr.contains("'--raw' cannot be used with '--event-ttl"), "{}", refused.stderr);
    let refused = stsim(&["events", &path, "--event-ttl", "soon"]);
    assert_eq!(refused.status, ExitStatus::Error);
    assert!(refused.stderr.contains("`soon` is not a duration"), "{}", refused.stderr);
}

#[test]
fn completions_for_three_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let output = stsim(&["completions", shell]);
        assert_eq!(output.status, ExitStatus::Success);
        assert!(output.stdout.contains("story") && output.stdout.contains("completions"), "{shell}");
    }
}

#[test]
fn every_subcommand_help_has_examples() {
    for command in [
        "run",
        "events",
        "explain",
        "check",
        "test",
        "examples",
        "stories",
        "completions",
        "export",
        "import",
        "schema",
    ] {
        let output = stsim(&[command, "--help"]);
        assert!(output.stdout.contains("Examples:"), "{command}: {}", output.stdout);
    }
}

/// The workloads of a config, as the manifests carry them: every field of
/// every StorageClass, Service, StatefulSet (its application included),
/// PodDisruptionBudget, volume and claim, and the namespace.
fn workloads(config: &stsim_core::Config) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{}\n{:#?}\n{:#?}",
        config.cluster.storage_classes,
        config.services,
        config.statefulsets,
        config.pod_disruption_budgets,
        config.namespace,
        config.persistent_volumes,
        config.persistent_volume_claims
    )
}

#[test]
fn export_then_run_f_gives_the_same_workloads_for_every_shipped_scenario() {
    let (mut with_apps, mut without_default) = (0, 0);
    for name in crate::support::shipped_scenarios() {
        let path = repo_root().join("scenarios").join(format!("{name}.ron")).display().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        let mut config = stsim_scenario::parse_scenario(&source, &path).unwrap();
        let exported = stsim(&["export", &path]);
        assert_eq!(exported.status, ExitStatus::Success, "{name}: {}", exported.stderr);
        let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), exported.stdout.clone())], "start")
            .unwrap_or_else(|e| panic!("{name}: {e:#?}\n{}", exported.stdout));
        // Nothing exported is skipped; a scenario whose set names no Service
        // (modelled, not refused) is told so again, and nothing else.
        let names_no_service = config
            .statefulsets
            .iter()
            .any(|s| !config.services.iter().any(|v| v.name == s.spec.service_name));
        // Manifests cannot say that a cluster has no default StorageClass
        // (a mistake modelled on purpose): the story adds one, and says so
        // where a claim names no class. A class the claims name that the
        // scenario does not define is not made up, and that is said too.
        let has_default = config.cluster.storage_classes.iter().any(|c| c.is_default);
        // A set whose rollout's maxUnavailable its own release honours is
        // told that the manifests' default release (the newest) drops it.
        // A volume's source is written with the fields the API server
        // requires (a CSI driver and handle, a local path, an NFS export),
        // which the model reads only the kind of: listed as unused.
        let source_field = |line: &str| {
            line.starts_with("warning: stsim does not model these")
                || line.contains(": PersistentVolume \"")
                    && [".csi.driver", ".csi.volumeHandle", ".local.path", ".nfs.server", ".nfs.path"]
                        .iter()
                        .any(|field| line.ends_with(field))
        };
        let told = |w: &str| {
            w.lines().all(|line| {
                source_field(line)
                    || (names_no_service && line.contains("which the manifests do not define"))
                    || (config.features.max_unavailable_statefulset
                        && line.contains("drops updateStrategy.rollingUpdate.maxUnavailable"))
                    || (!has_default && line.contains("a gp3-like default the story adds"))
                    || line.contains("is not among the StorageClasses the manifests define")
            })
        };
        match &back.warning {
            None => {}
            Some(w) if told(w) => {}
            Some(w) => panic!("{name}: {w}"),
        }
        let mut back_config = back.config;
        // The classes the scenario takes the cluster to have (`assumed`:
        // its implicit default) are not exported; reading the export back,
        // the story takes the cluster to have a default class again (named
        // `stsim-default` where an object names `gp3` without a claim
        // asking for it to be made), unless the export wrote one.
        let written_default = config.cluster.storage_classes.iter().any(|c| c.is_default && !c.assumed);
        let added: Vec<&StorageClassConfig> =
            back_config.cluster.storage_classes.iter().filter(|c| c.assumed).collect();
        if !written_default {
            assert!(
                added.iter().any(|c| c.is_default && ["gp3", "stsim-default"].contains(&c.name.as_str())),
                "{name}: {added:?}"
            );
        }
        without_default += usize::from(!has_default);
        for c in [&mut back_config, &mut config] {
            c.cluster.storage_classes.retain(|class| !class.assumed);
        }
        with_apps += usize::from(config.statefulsets.iter().any(|s| s.app.is_some()));
        assert_eq!(workloads(&back_config), workloads(&config), "{name}");
    }
    // The shipped scenarios with applications, and the one without a default class.
    assert!(with_apps >= 26, "{with_apps}");
    assert!(without_default >= 1, "{without_default}");
}

#[test]
fn import_writes_a_scenario_that_runs_like_the_manifest() {
    let imported = stsim(&["import", &example("redis.yaml"), "--story", "node-crash"]);
    assert_eq!(imported.status, ExitStatus::Success, "{}", imported.stderr);
    let ron = temp("redis-imported.ron", &imported.stdout);
    std::fs::copy(example("redis.yaml"), std::path::Path::new(&ron).with_file_name("redis.yaml")).unwrap();
    // The manifest is named by its absolute path, outside the scenario's directory.
    let (from_ron, from_manifest) = (
        stsim(&["run", &ron, "--load-restrictor", "LoadRestrictionsNone"]),
        stsim(&["run", "-f", &example("redis.yaml"), "--story", "node-crash"]),
    );
    assert_eq!(from_ron.status, ExitStatus::Success, "{}", from_ron.stderr);
    // The same run, but for the scenario lines the actions are on.
    let strip = |text: &str| {
        text.lines()
            .filter(|l| !l.contains("trace digest"))
            .map(|l| l.split(" (line ").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&from_ron.stdout), strip(&from_manifest.stdout));
    assert!(imported.stdout.contains("expect: [],"));
}

/// The `rollout-restart` story: every pod of the first set replaced, from
/// the highest ordinal, through one new revision; the image stays. Its
/// import writes the action back as RON that runs the same.
#[test]
fn the_rollout_restart_story_replaces_every_pod_through_a_new_revision() {
    let files = vec![("redis.yaml".to_string(), std::fs::read_to_string(example("redis.yaml")).unwrap())];
    let loaded =
        stsim_scenario::parse_manifests(&files, "rollout-restart").unwrap_or_else(|e| panic!("{e:#?}"));
    let (sim, report) = stsim_cli::simulate(loaded.config, &Default::default()).unwrap();
    let deleted: Vec<String> = crate::support::Log(&sim).deletions().into_iter().map(|(_, n)| n).collect();
    assert_eq!(deleted, ["redis-2", "redis-1", "redis-0"]);
    let set = sim.world.sts(sim.world.sts_named("redis").unwrap());
    assert_eq!(set.revisions.len(), 2);
    let status = &report.statefulsets[0].status;
    assert_eq!(
        (status.current_revision.as_str(), status.updated_replicas),
        (status.update_revision.as_str(), 3)
    );
    assert!(sim.world.live_pods().all(|p| p.image == set.spec.template.image));
    let imported = stsim(&["import", &example("redis.yaml"), "--story", "rollout-restart"]);
    assert!(imported.stdout.contains(r#"RolloutRestart(statefulset: "redis")"#), "{}", imported.stdout);
    // explain takes manifests and stories as run and events do.
    let told = stsim(&["explain", "-f", &example("redis.yaml"), "--story", "rollout-restart"]);
    assert_eq!(told.status, ExitStatus::Success, "{}", told.stderr);
    assert!(told.stdout.contains("You run `kubectl rollout restart statefulset/redis`"), "{}", told.stdout);
}

/// The `drain` story drains the node of the first set's first pod,
/// wherever the scheduler put it (a fixed node could hold none of the
/// set's pods), and its uncordon names the node drained, which the pod has
/// left. Its import writes both actions back as RON.
#[test]
fn the_drain_story_drains_the_first_pods_node_and_uncordons_that_node() {
    let files = vec![("redis.yaml".to_string(), std::fs::read_to_string(example("redis.yaml")).unwrap())];
    for seed in [1, 2, 3] {
        let mut loaded =
            stsim_scenario::parse_manifests(&files, "drain").unwrap_or_else(|e| panic!("{e:#?}"));
        loaded.config.seed = seed;
        let (sim, _) = stsim_cli::simulate(loaded.config, &Default::default()).unwrap();
        let first = sim.world.pods.iter().find(|p| p.name == "redis-0").unwrap();
        let toggled: Vec<(stsim_core::objects::NodeId, bool)> = (sim.trace.records.iter())
            .filter_map(|r| match r.event {
                Event::NodeUnschedulable { node, unschedulable } => Some((node, unschedulable)),
                _ => None,
            })
            .collect();
        let drained = first.node.unwrap();
        assert_eq!(toggled, [(drained, true), (drained, false)], "seed {seed}");
        let evicted = (sim.trace.records.iter())
            .any(|r| matches!(r.event, Event::PodEvicted { pod, .. } if pod == first.id));
        assert!(evicted, "seed {seed}: redis-0 is evicted");
    }
    let imported = stsim(&["import", &example("redis.yaml"), "--story", "drain"]);
    assert!(imported.stdout.contains(r#"DrainNode(nodeOf: "redis-0")"#), "{}", imported.stdout);
    assert!(imported.stdout.contains(r#"Uncordon(nodeOf: "redis-0")"#), "{}", imported.stdout);
}

#[test]
fn schemas_print_as_shipped() {
    let scenario = stsim(&["schema", "scenario"]);
    let shipped = std::fs::read_to_string(repo_root().join("docs/scenario.schema.json")).unwrap();
    assert_eq!(scenario.stdout, shipped);
    let report = stsim(&["schema", "report"]);
    assert!(report.stdout.contains("\"const\": \"stsim.io/v1alpha1\""));
}

/// Runs manifests in a story through the library and returns the report and warning.
fn simulate(files: &[&str], story: &str) -> (stsim_core::Report, Option<String>) {
    let files: Vec<(String, String)> =
        files.iter().map(|f| (f.to_string(), std::fs::read_to_string(example(f)).unwrap())).collect();
    let loaded = stsim_scenario::parse_manifests(&files, story).unwrap_or_else(|e| panic!("{e:#?}"));
    let (_, report) = stsim_cli::simulate(loaded.config, &Default::default()).unwrap();
    (report, loaded.warning)
}

#[test]
fn chart_style_fixtures_start_every_pod_and_survive_the_default_story() {
    let charts = [
        ("charts/redis.yaml", &[("cache-redis", 3)][..]),
        ("charts/postgresql.yaml", &[("db-postgresql-primary", 1), ("db-postgresql-read", 2)][..]),
        ("charts/kafka.yaml", &[("events-kafka-controller", 3)][..]),
        ("charts/etcd.yaml", &[("kv-etcd", 3)][..]),
        ("charts/zookeeper.yaml", &[("coord-zookeeper", 3)][..]),
    ];
    for (file, sets) in charts {
        let (report, warning) = simulate(&[file], "start");
        for (name, replicas) in sets {
            let set = report
                .statefulsets
                .iter()
                .find(|s| s.name == *name)
                .unwrap_or_else(|| panic!("{file}: {name}"));
            assert_eq!(set.status.ready_replicas, *replicas, "{file}: {name}");
        }
        assert!(report.pods.iter().all(|p| p.state.status == "Running"), "{file}");
        assert!(warning.map_or(0, |w| w.matches("warning: stsim does not model").count()) <= 1, "{file}");
        let (report, _) = simulate(&[file], "default");
        assert_eq!(report.end_reason, "horizon", "{file}");
        assert!(report.timeline.iter().any(|r| r.what.contains("crash the node that runs")), "{file}");
    }
}

#[test]
fn a_helm_template_stream_runs_and_names_what_it_skipped() {
    let (report, warning) = simulate(&["helm-template.yaml"], "start");
    assert_eq!(report.statefulsets[0].status.ready_replicas, 2);
    let warning = warning.unwrap();
    assert_eq!(warning.matches("warning:").count(), 1, "{warning}");
    for skipped in ["ServiceAccount \"web\"", "NetworkPolicy \"web\"", "Pod \"web-test-connection\""] {
        assert!(warning.contains(&format!("{skipped} (the kind is not modelled)")), "{warning}");
    }
    // The claim names a class the manifests do not define: the story adds it, gp3-like.
    assert!(
        report.pvcs.iter().all(|c| c.status == "Bound" && c.storage_class.as_deref() == Some("standard"))
    );
}

/// A CSINode's `allocatable.count` is its Node's attach limit for that
/// driver (a driver without a count has none); a CSINode must have its Node.
#[test]
fn a_csinode_limits_the_volumes_its_node_attaches() {
    let (report, warning) = simulate(&["csinode-attach-limit.yaml"], "start");
    assert_eq!(warning, None, "nodeID and topologyKeys say nothing the model uses");
    assert_eq!(report.statefulsets[0].status.ready_replicas, 2);
    let pending: Vec<&str> =
        report.pods.iter().filter(|p| p.state.status == "Pending").map(|p| p.name.as_str()).collect();
    assert_eq!(pending, ["db-2"]);
    let source = std::fs::read_to_string(example("csinode-attach-limit.yaml")).unwrap();
    let orphan = source.replacen("name: aks-nodepool1-0\nspec:", "name: aks-nodepool1-9\nspec:", 1);
    assert_ne!(orphan, source);
    let errors = stsim_scenario::parse_manifests(&[("c.yaml".into(), orphan)], "start").err().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("no Node named \"aks-nodepool1-9\""), "{}", errors[0].message);
    assert_eq!(errors[0].line, 19);
}

#[test]
fn a_kubectl_get_list_reads_as_the_objects_it_holds() {
    let (report, warning) = simulate(&["kubectl-get-list.yaml"], "start");
    assert_eq!(warning, None, "server-set and defaulted fields say nothing");
    assert_eq!(report.statefulsets[0].status.ready_replicas, 3);
    assert!(report.dns.iter().any(|d| d.name == "web-0.web.shop.svc.cluster.local"), "{:?}", report.dns);
}

#[test]
fn a_directory_stands_for_its_manifests() {
    let dir = std::env::temp_dir().join(format!("stsim-manifest-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README"), "not read").unwrap();
    let redis = std::fs::read_to_string(example("redis.yaml")).unwrap();
    let (service, set) = redis.split_once("---\n").unwrap();
    std::fs::write(dir.join("a-service.yaml"), service).unwrap();
    std::fs::write(dir.join("b-statefulset.yml"), set).unwrap();
    let dir = dir.display().to_string();
    let output = stsim(&["run", "-f", &dir, "--story", "start", "-o", "json"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["dns"].as_array().unwrap().len(), 3);
}

#[test]
fn the_app_annotation_brings_the_application_model() {
    let (report, _) = simulate(&["charts/etcd.yaml"], "node-crash");
    let etcd = report.breakage.iter().find(|b| b.app == "kv-etcd").expect("the etcd application is modelled");
    assert!(etcd.intervals.iter().any(|i| i.health == "DEGRADED"), "{:?}", etcd.intervals);
    assert!(report.timeline.iter().any(|r| r.what.contains("all 3 members of cluster-1 are in quorum")));
}

/// `kubectl get pv,pvc -o yaml` beside the StatefulSet: the kept claim is
/// bound to its volume (the claimRef uid matches the claim's), redis-0 goes
/// back to that volume's zone, the volume whose claim is gone is Released
/// and billed, who made each volume is read from its annotation, and what
/// its source says of the disk is named in the warning.
#[test]
fn pre_existing_volumes_and_claims_from_kubectl_get() {
    let files: Vec<(String, String)> = ["redis.yaml", "kept-volumes.yaml"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read_to_string(example(f)).unwrap()))
        .collect();
    let loaded = stsim_scenario::parse_manifests(&files, "start").unwrap();
    let warning = loaded.warning.unwrap();
    assert!(
        warning.contains("kept-volumes.yaml:42:7: PersistentVolume \"pvc-6b1c0c7e\" spec.csi.driver"),
        "{warning}"
    );
    assert_eq!(loaded.config.persistent_volumes.len(), 2);
    let origins: Vec<&stsim_core::objects::PvOrigin> =
        loaded.config.persistent_volumes.iter().map(|pv| &pv.origin).collect();
    let ebs = stsim_core::objects::PvOrigin::Provisioned("ebs.csi.aws.com".to_string());
    assert_eq!(origins, [&ebs, &ebs]);
    let claim = &loaded.config.persistent_volume_claims[0];
    assert_eq!(claim.volume_name.as_deref(), Some("pvc-6b1c0c7e"));
    assert_eq!(loaded.config.persistent_volumes[0].zone.as_deref(), Some("us-east-1c"));
    let mut sim = stsim_core::Simulation::new(loaded.config);
    sim.run();
    let redis0 = sim.world.pod(sim.world.pod_named("redis-0").unwrap());
    assert_eq!(sim.world.node(redis0.node.unwrap()).zone, "us-east-1c");
    let pvc = sim.world.pvc(sim.world.pvc_named("data-redis-0").unwrap());
    assert_eq!(sim.world.pv(pvc.volume.unwrap()).name, "pvc-6b1c0c7e");
    let released = sim.world.pvs.iter().find(|pv| pv.name == "pvc-9f00aa11").unwrap();
    assert_eq!(released.phase, stsim_core::objects::PvPhase::Released);
    let run = stsim(&[
        "run",
        "-f",
        &example("redis.yaml"),
        "-f",
        &example("kept-volumes.yaml"),
        "--story",
        "start",
    ]);
    assert_eq!(run.status, ExitStatus::Success, "{}", run.stderr);
    assert!(run.stdout.contains("released-volumes"), "{}", run.stdout);
}

/// `stsim export` writes a template's `topologySpreadConstraints`, and
/// reading the export back (`run -f`'s front end) gives the same constraints.
#[test]
fn export_then_import_keeps_topology_spread_constraints() {
    let ron = r#"Scenario(
    name: "spread",
    cluster: (zones: ["a", "b", "c"], nodePools: [(name: "worker", count: 3)],
              storageClasses: [(name: "gp3", default: true)]),
    services: [(name: "web", selector: {"app": "web"})],
    statefulsets: [(
        name: "web",
        serviceName: "web",
        replicas: 3,
        template: (
            image: "nginx:1.25",
            topologySpreadConstraints: [
                (maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: DoNotSchedule,
                 labelSelector: (matchLabels: {"app": "web"}), minDomains: 3,
                 nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, matchLabelKeys: ["controller-revision-hash"]),
                (maxSkew: 2, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: ScheduleAnyway,
                 labelSelector: (matchExpressions: [(key: "app", operator: In, values: ["web"])])),
            ],
        ),
    )],
)"#;
    let path = temp("spread.ron", ron);
    let config = stsim_scenario::parse_scenario(ron, &path).unwrap_or_else(|d| panic!("{d:#?}"));
    let exported = stsim(&["export", &path]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    assert!(exported.stdout.contains("topologySpreadConstraints:"), "{}", exported.stdout);
    // The policies at the scheduler's defaults are not written.
    assert_eq!(exported.stdout.matches("nodeAffinityPolicy").count(), 1, "{}", exported.stdout);
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), exported.stdout.clone())], "start")
        .unwrap_or_else(|e| panic!("{e:#?}\n{}", exported.stdout));
    assert!(back.warning.is_none(), "{:?}", back.warning);
    let spread = |c: &stsim_core::Config| c.statefulsets[0].spec.template.topology_spread.clone();
    assert_eq!(spread(&back.config).len(), 2);
    assert_eq!(spread(&back.config), spread(&config));
    assert_eq!(workloads(&back.config), workloads(&config));
}

/// Found by the manifest fuzzer: requests as large as a quantity allows
/// overflowed the story's node sizing. Every story now runs (the nodes are
/// sized as large as a u64 holds), with no panic.
#[test]
fn huge_requests_size_the_story_nodes_without_overflow() {
    let yaml = r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 8
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: postgres:16
        resources: {requests: {cpu: 16397105843297378992m, memory: 16000Pi}}
"#;
    let path = temp("huge-requests.yaml", yaml);
    for story in stsim_scenario::STORIES.iter().map(|(name, _)| *name) {
        let output = stsim(&["run", "-f", &path, "--story", story]);
        assert!(!output.stderr.contains("panicked"), "{story}: {}", output.stderr);
        assert_ne!(output.status, ExitStatus::Failure, "{story}: {}", output.stderr);
    }
}

/// `priorityClassName` is read (not warned of as ignored): the built-in
/// critical classes matter to graceful node shutdown, any other name is
/// accepted as the API server accepts it once the class exists.
#[test]
fn a_priority_class_name_is_read_from_a_manifest() {
    let source = std::fs::read_to_string(example("redis.yaml")).unwrap();
    assert!(source.contains("      containers:\n"), "the fixture's pod spec");
    for class in ["system-node-critical", "high-priority"] {
        let yaml = source.replacen(
            "      containers:\n",
            &format!("      priorityClassName: {class}\n      containers:\n"),
            1,
        );
        let loaded = stsim_scenario::parse_manifests(&[("redis.yaml".to_string(), yaml)], "start")
            .unwrap_or_else(|e| panic!("{e:#?}"));
        assert!(
            loaded.warning.as_deref().is_none_or(|w| !w.contains("priorityClassName")),
            "{:?}",
            loaded.warning
        );
        let template = &loaded.config.statefulsets[0].spec.template;
        assert_eq!(template.priority_class_name.as_deref(), Some(class));
        assert_eq!(
            stsim_core::config::is_critical(template.priority_class_name.as_deref()),
            class == "system-node-critical"
        );
    }
}

/// `-n` is kubectl apply's: objects that name no namespace go there (the
/// DNS names and events say so), an object naming another is refused in
/// kubectl's words, and a scenario file, which names its own, refuses it.
/// `stsim import -n` writes the namespace into the scenario, so the
/// manifests it lists load in the same namespace.
#[test]
fn minus_n_places_manifests_as_kubectl_apply_does() {
    let redis = example("redis.yaml");
    let output = stsim(&["run", "-f", &redis, "-n", "shop", "--json"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(output.stdout.contains("redis-0.redis-svc.shop.svc.cluster.local"), "{}", output.stdout);
    let events = stsim(&["events", "-f", &redis, "--namespace", "shop"]);
    assert!(events.stdout.contains("Successfully assigned shop/redis-0"), "{}", events.stdout);
    let text = std::fs::read_to_string(&redis).unwrap();
    let named = temp("named.yaml", &text.replacen("  name: redis\n", "  name: redis\n  namespace: db\n", 1));
    let refused = stsim(&["run", "-f", &named, "-n", "shop"]);
    assert_eq!(refused.status, ExitStatus::Error);
    assert!(
        refused.stderr.contains("does not match the namespace \"shop\". You must pass '--namespace=db'"),
        "{}",
        refused.stderr
    );
    // Without -n, its Service (no namespace) would go in `default`.
    let split = stsim(&["check", &named]);
    assert_eq!(split.status, ExitStatus::Error);
    assert!(split.stderr.contains("\"db\" is a second namespace"), "{}", split.stderr);
    assert_eq!(stsim(&["check", &named, "-n", "db"]).status, ExitStatus::Success);
    let scenario = repo_root().join("scenarios/rolling-update.ron").display().to_string();
    let on_ron = stsim(&["run", &scenario, "-n", "shop"]);
    assert_eq!(on_ron.status, ExitStatus::Error);
    assert!(on_ron.stderr.contains("-n shop applies to manifests"), "{}", on_ron.stderr);
    let imported = stsim(&["import", &redis, "-n", "shop"]);
    assert_eq!(imported.status, ExitStatus::Success, "{}", imported.stderr);
    assert!(imported.stdout.contains("    namespace: \"shop\",\n"), "{}", imported.stdout);
    let copy = temp("redis.yaml", &text);
    let ron = temp("imported.ron", &imported.stdout);
    assert_eq!(copy.rsplit_once('/').map(|(d, _)| d), ron.rsplit_once('/').map(|(d, _)| d));
    let back = stsim(&["run", &ron, "--json", "--load-restrictor", "LoadRestrictionsNone"]);
    assert_eq!(back.status, ExitStatus::Success, "{}", back.stderr);
    assert!(back.stdout.contains("redis-0.redis-svc.shop.svc.cluster.local"), "{}", back.stdout);
}

/// `storageClassName: ""` asks for no class: no default class is filled in,
/// nothing is provisioned (the PV controller's Normal FailedBinding, not a
/// class "" that is not found), and a pre-made volume without a class binds.
#[test]
fn an_empty_storage_class_name_binds_only_a_volume_without_one() {
    let set = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: d}\nspec:\n  serviceName: d\n  replicas: 1\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: c, image: \"busybox:1.36\"}]}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {storageClassName: \"\", accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
    let alone = stsim(&["run", "-f", &temp("classless.yaml", set), "--story", "start"]);
    assert_eq!(alone.status, ExitStatus::Success, "{}", alone.stderr);
    assert!(
        alone.stdout.contains("stays Pending: FailedBinding: no persistent volumes available for this claim and no storage class is set"),
        "{}",
        alone.stdout
    );
    let volume = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: disk-a}\nspec: {capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], csi: {driver: ebs.csi.aws.com, volumeHandle: vol-a}}\n";
    let with_volume =
        stsim(&["run", "-f", &temp("classless-pv.yaml", &format!("{set}{volume}")), "--story", "start"]);
    assert_eq!(with_volume.status, ExitStatus::Success, "{}", with_volume.stderr);
    assert!(with_volume.stdout.contains("pvc/data-d-0 Bound to disk-a"), "{}", with_volume.stdout);
    assert!(with_volume.stdout.contains("became Ready"), "{}", with_volume.stdout);
}

/// A sidecar survives `stsim export` and `run -f`: the init container is
/// written with `restartPolicy: Always` and read back as a sidecar.
#[test]
fn a_sidecar_survives_export_and_back() {
    let source = r#"Scenario(
        name: "sidecar",
        seed: 1,
        services: [(name: "web", selector: {"app": "web"})],
        statefulsets: [(name: "web", serviceName: "web", replicas: 1,
            template: (labels: {"app": "web"}, image: "nginx:1.25",
                initContainers: [(name: "proxy", image: "envoy:1", restartPolicy: "Always"), (name: "migrate", image: "migrate:1")]))],
    )"#;
    let path = temp("sidecar.ron", source);
    let exported = stsim(&["export", &path]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    assert_eq!(exported.stdout.matches("restartPolicy: Always").count(), 1, "{}", exported.stdout);
    let back =
        stsim_scenario::parse_manifests(&[("x.yaml".into(), exported.stdout.clone())], "start").unwrap();
    assert_eq!(back.config.statefulsets[0].spec.template.sidecars, [0]);
}

/// The first container's name is the manifest's (`containers[0].name`):
/// the `rolling-update` story's `kubectl set
/// image` takes it (not `*=`, which would set every container's image),
/// and one the API server would refuse is refused at its line and column.
#[test]
fn the_first_containers_name_is_the_manifests() {
    let yaml = std::fs::read_to_string(example("redis.yaml")).unwrap();
    let named = |name: &str| {
        yaml.replace(
            "        - name: redis\n          image:",
            &format!("        - name: {name}\n          image:"),
        )
    };
    let path = temp("first-container-name.yaml", &named("server"));
    let events = stsim(&["events", "-f", &path]);
    assert_eq!(events.status, ExitStatus::Success, "{}", events.stderr);
    assert!(events.stdout.contains("Container started"), "1.36 names it by field path: {}", events.stdout);
    assert!(!events.stdout.contains("Started container"), "{}", events.stdout);
    let update = stsim(&["run", "-f", &path, "--story", "rolling-update"]);
    assert!(
        update.stdout.contains("kubectl set image statefulset/redis server=redis:7.0-next"),
        "{}",
        update.stdout
    );
    // A bad name refuses the set from 1.34 (the default release), at the
    // name; before, the API server does not check a set's pod template: it
    // is accepted, with a warning that each pod's create will be refused.
    let bad = temp("first-container-bad-name.yaml", &named("Server_1"));
    let checked = stsim(&["check", &bad]);
    assert_eq!(checked.status, ExitStatus::Error, "{}", checked.stderr);
    assert!(
        checked.stderr.contains(
            "The StatefulSet \"redis\" is invalid: spec.template.spec.containers[0].name: Invalid value: \"Server_1\""
        ) && checked.stderr.contains("first-container-bad-name.yaml:33:17"),
        "{}",
        checked.stderr
    );
    let old = temp(
        "first-container-bad-name.ron",
        "(name: \"old\", kubernetesVersion: \"1.33\", manifests: [\"first-container-bad-name.yaml\"])",
    );
    let checked = stsim(&["check", &old]);
    assert_eq!(checked.status, ExitStatus::Success, "{}", checked.stderr);
    assert!(
        checked.stderr.contains(
            "first-container-bad-name.yaml:33:17: StatefulSet \"redis\" spec.template.spec.containers[0].name: Invalid value: \"Server_1\""
        ),
        "{}",
        checked.stderr
    );
    // A second container of the same name: the help names the first by its
    // manifest path.
    let twice = named("server").replacen(
        "      containers:\n",
        "      containers:\n        - name: server\n          image: exporter:1\n",
        1,
    );
    let checked = stsim(&["check", &temp("first-container-twice.yaml", &twice)]);
    assert!(
        checked.stderr.contains("containers[1].name: Duplicate value: \"server\"")
            && checked.stderr.contains("help: spec.template.spec.containers[0].name (line 33) already has"),
        "{}",
        checked.stderr
    );
}

/// `--set` edits a RON scenario by path; manifests have no such paths, so
/// a `--set` with them is refused, naming the way to a scenario around
/// them, rather than silently ignored (`-f`) or misread as RON (FILE).
#[test]
fn set_is_refused_with_manifests_not_ignored() {
    let path = example("redis.yaml");
    let path = path.as_str();
    let runs: [&[&str]; 2] =
        [&["run", "-f", path, "--set", "replicas=5"], &["run", path, "--set", "replicas=5"]];
    for args in runs {
        let out = stsim(args);
        assert_ne!(out.status, ExitStatus::Success, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("--set and --vary change a RON scenario, not manifests"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(&format!("stsim import {path}")), "{}", out.stderr);
    }
    let sweep = stsim(&["sweep", path, "--seeds", "2", "--vary", "replicas=3,5"]);
    assert_ne!(sweep.status, ExitStatus::Success);
    assert!(sweep.stderr.contains("not manifests"), "{}", sweep.stderr);
}

/// minikube's default class and a volume it made, as `kubectl get sc,pv -o
/// yaml` prints them: the class reads as neither zonal nor local and costs
/// nothing without a warning; the volume keeps its hostPath path beside its
/// provisioner, is never attached, and is written back as a hostPath.
#[test]
fn minikube_hostpath_class_and_volume_read_and_export_as_hostpath() {
    let yaml = r#"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: k8s.io/minikube-hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pvc-0d6c7d3e
  annotations:
    pv.kubernetes.io/provisioned-by: k8s.io/minikube-hostpath
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: standard
  claimRef: {namespace: default, name: data-redis-0}
  hostPath: {path: /tmp/hostpath-provisioner/default/data-redis-0, type: ""}
"#;
    let redis = std::fs::read_to_string(example("redis.yaml")).unwrap().replace("storageClassName: gp3", "");
    let files = [("redis.yaml".to_string(), redis), ("minikube.yaml".to_string(), yaml.to_string())];
    let loaded = stsim_scenario::parse_manifests(&files, "start").unwrap();
    assert!(loaded.warning.as_deref().is_none_or(|w| !w.contains("no price")), "{:?}", loaded.warning);
    let class = loaded.config.cluster.storage_classes.iter().find(|c| c.name == "standard").unwrap();
    assert!(!class.zonal && !class.local, "{class:?}");
    let volume = &loaded.config.persistent_volumes[0];
    assert_eq!(volume.host_path.as_deref(), Some("/tmp/hostpath-provisioner/default/data-redis-0"));
    let mut sim = stsim_core::Simulation::new(loaded.config.clone());
    sim.run();
    let claim = sim.world.pvc(sim.world.pvc_named("data-redis-0").unwrap());
    assert_eq!(sim.world.pv(claim.volume.unwrap()).name, "pvc-0d6c7d3e", "bound to the volume kept for it");
    let new = sim.world.pv(sim.world.pvc(sim.world.pvc_named("data-redis-1").unwrap()).volume.unwrap());
    assert_eq!(new.host_path.as_deref(), Some("/tmp/hostpath-provisioner/default/data-redis-1"));
    let attached =
        sim.trace.records.iter().any(|r| matches!(r.event, stsim_core::trace::Event::VolumeAttaching { .. }));
    assert!(!attached, "no hostPath volume is attached");
    let objects = stsim_scenario::export::objects(&loaded.config);
    let pv = objects.iter().find(|o| o["kind"] == "PersistentVolume").unwrap();
    assert_eq!(pv["spec"]["hostPath"]["path"], "/tmp/hostpath-provisioner/default/data-redis-0", "{pv}");
    assert!(pv["spec"].get("csi").is_none(), "{pv}");
}

/// `kubectl get pv` of a GKE cluster, with the StatefulSet and without the
/// StorageClass: the volume's zone is read from the PD driver's own key,
/// the made-up cluster is in that zone (not us-east-1), and the class the
/// claims name is made up of the volume's provisioner, priced by its
/// cloud's preset. A class of a provisioner stsim has no price for is made
/// up free, and says so; a local provisioner's class costs nothing, and
/// needs no word.
#[test]
fn a_missing_class_is_made_up_of_the_provisioner_of_the_volumes_that_name_it() {
    let pv = |provisioner: &str, key: &str| {
        format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pvc-1111\n  annotations:\n    \
             pv.kubernetes.io/provisioned-by: {provisioner}\nspec:\n  capacity: {{storage: 10Gi}}\n  \
             accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  storageClassName: \
             standard-rwo\n  claimRef: {{namespace: default, name: data-redis-0}}\n  csi: {{driver: \
             {provisioner}, volumeHandle: disk-1}}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      \
             - matchExpressions:\n        - {{key: {key}, operator: In, values: [us-central1-a]}}\n"
        )
    };
    let redis = std::fs::read_to_string(example("redis.yaml"))
        .unwrap()
        .replace("storageClassName: gp3", "storageClassName: standard-rwo");
    let load = |volume: String| {
        let files = [("redis.yaml".to_string(), redis.clone()), ("pv.yaml".to_string(), volume)];
        stsim_scenario::parse_manifests(&files, "start").unwrap_or_else(|e| panic!("{e:#?}"))
    };
    let gke = load(pv("pd.csi.storage.gke.io", "topology.gke.io/zone"));
    assert_eq!(gke.config.cluster.zones, ["us-central1-a"]);
    assert_eq!(gke.config.persistent_volumes[0].zone.as_deref(), Some("us-central1-a"));
    let class = gke.config.cluster.storage_classes.iter().find(|c| c.name == "standard-rwo").unwrap();
    assert_eq!(class.provisioner, "pd.csi.storage.gke.io");
    assert!(class.zonal);
    assert_eq!(class.pricing, stsim_core::pricing::preset("gcp-pd-balanced").unwrap());
    assert!(gke.warning.as_deref().is_none_or(|w| !w.contains("price")), "{:?}", gke.warning);
    let mut sim = stsim_core::Simulation::new(gke.config);
    sim.run();
    let redis0 = sim.world.pod(sim.world.pod_named("redis-0").unwrap());
    assert_eq!(sim.world.node(redis0.node.unwrap()).zone, "us-central1-a");

    let unknown = load(pv("example.com/disks", "topology.kubernetes.io/zone"));
    let class = unknown.config.cluster.storage_classes.iter().find(|c| c.name == "standard-rwo").unwrap();
    assert_eq!(class.provisioner, "example.com/disks");
    let warning = unknown.warning.unwrap_or_default();
    assert!(
        warning.contains(
            "StorageClass \"standard-rwo\", made up for the volumes of provisioner \"example.com/disks\" that name it, has no price; its volumes cost $0"
        ),
        "{warning}"
    );
    // `stsim import` writes that class with its price, so the scenario is valid.
    let files = [temp("made-up-redis.yaml", &redis), temp("made-up-pv.yaml", &pv("example.com/disks", "x"))];
    let imported = stsim(&["import", &files[0], &files[1]]);
    assert!(imported.stdout.contains("usdPerGibMonth: 0.0"), "{}", imported.stdout);
    let checked = stsim(&["check", &temp("made-up.ron", &imported.stdout)]);
    assert_eq!(checked.status, ExitStatus::Success, "{}{}", checked.stdout, checked.stderr);

    let local_path = "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: standard-rwo\n\
                      provisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\n";
    let files = [("redis.yaml".to_string(), format!("{redis}{local_path}"))];
    let loaded = stsim_scenario::parse_manifests(&files, "start").unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(loaded.warning.as_deref().is_none_or(|w| !w.contains("price")), "{:?}", loaded.warning);
}

/// An ExternalName Service is a DNS alias: the API server gives it no
/// cluster IP and the EndpointSlice controller no endpoints, so a
/// StatefulSet naming it gets no per-pod records, whatever its selector;
/// the same Service headless gives each pod its record.
#[test]
fn an_external_name_service_gives_the_pods_no_records() {
    let set =
        std::fs::read_to_string(repo_root().join("tests/hostile/service-external-name-alias.yaml")).unwrap();
    let alias = temp("external-name-alias.yaml", &set);
    let headless = temp(
        "external-name-headless.yaml",
        &set.replace("  type: ExternalName\n  externalName: db.example.com.\n", "  clusterIP: None\n"),
    );
    let records = |file: &str| -> Vec<String> {
        let out = stsim(&["run", "-f", file, "-o", "json"]);
        assert_eq!(out.status, ExitStatus::Success, "{}", out.stderr);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let dns = report["dns"].as_array().unwrap();
        dns.iter().map(|row| row["name"].as_str().unwrap().to_string()).collect()
    };
    assert!(records(&headless).iter().any(|name| name.starts_with("db-0.db.")), "{:?}", records(&headless));
    assert!(!records(&alias).iter().any(|name| name.starts_with("db-0.")), "{:?}", records(&alias));
}

/// Charts render `""` for "unset": where the API server's defaulting fills
/// an empty string as it fills a field left out (a StatefulSet's
/// `podManagementPolicy`, `updateStrategy.type` and retention policy, a
/// Service's `type`, a port's `protocol`, a container's `imagePullPolicy`,
/// the pod's `restartPolicy`, `dnsPolicy`, `schedulerName`,
/// `priorityClassName` and `nodeName`, a toleration's `operator`, an
/// object's `namespace` as kubectl reads it), the run is the one without
/// the field, with nothing refused and nothing said to be ignored.
#[test]
fn empty_strings_are_the_api_servers_defaults() {
    let manifest = |empty: bool| {
        let field = |line: &str| if empty { format!("{line}\n") } else { String::new() };
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n{ns}spec:\n  clusterIP: None\n{ty}  ports:\n  - port: 80\n{proto}  selector:\n    app: web\n---\n\
             apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n{ns}spec:\n  serviceName: web\n{pmp}{us}{rp}  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n{pod}      tolerations:\n      - key: dedicated\n{op}        value: db\n      containers:\n      - name: nginx\n        image: nginx:1.25\n{pull}        ports:\n        - containerPort: 80\n{cproto}",
            ns = field("  namespace: \"\""),
            ty = field("  type: \"\""),
            proto = field("    protocol: \"\""),
            pmp = field("  podManagementPolicy: \"\""),
            us = field("  updateStrategy:\n    type: \"\""),
            rp =
                field("  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: \"\"\n    whenScaled: \"\""),
            pod = field(
                "      nodeName: \"\"\n      priorityClassName: \"\"\n      restartPolicy: \"\"\n      dnsPolicy: \"\"\n      schedulerName: \"\""
            ),
            op = field("        operator: \"\""),
            pull = field("        imagePullPolicy: \"\""),
            cproto = field("          protocol: \"\""),
        )
    };
    let read = |empty: bool| {
        stsim_scenario::parse_manifests(&[("web.yaml".into(), manifest(empty))], "start")
            .unwrap_or_else(|e| panic!("{e:#?}\n{}", manifest(empty)))
    };
    let (left_out, empty) = (read(false), read(true));
    assert_eq!(empty.warning, left_out.warning, "{}", manifest(true));
    assert_eq!(workloads(&empty.config), workloads(&left_out.config));
    assert!(manifest(true).matches("\"\"").count() >= 14, "{}", manifest(true));
}

/// Older charts name a claim's class with the deprecated
/// `volume.beta.kubernetes.io/storage-class` annotation, which Kubernetes
/// still reads before `spec.storageClassName`
/// (`GetPersistentVolumeClaimClass`): on a claim template (copied to each
/// claim) and on a claim of its own, with a note where the two disagree.
#[test]
fn the_beta_storage_class_annotation_names_the_claims_class() {
    let manifest = |annotation: &str| {
        format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: slow\nprovisioner: ebs.csi.aws.com\n---\n\
             apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\n---\n\
             apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector:\n    app: db\n---\n\
             apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: shared\n{annotation}spec:\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n---\n\
             apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 1\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: db:1\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n{template_annotation}    spec:\n      storageClassName: fast\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n",
            template_annotation = annotation.lines().map(|l| format!("    {l}\n")).collect::<String>(),
        )
    };
    let read = |annotation: &str| {
        let text = manifest(annotation);
        stsim_scenario::parse_manifests(&[("db.yaml".into(), text.clone())], "start")
            .unwrap_or_else(|e| panic!("{e:#?}\n{text}"))
    };
    let classes = |read: &stsim_scenario::Loaded| {
        let template = &read.config.statefulsets[0].spec.volume_claim_templates[0];
        let claim = read.config.persistent_volume_claims.iter().find(|c| c.name == "shared").expect("shared");
        (template.storage_class.clone(), claim.storage_class_name.clone())
    };
    let plain = read("");
    assert_eq!(classes(&plain), (Some("fast".into()), Some("fast".into())));
    assert!(plain.warning.as_deref().is_none_or(|w| !w.contains("deprecated annotation")));
    let annotated = read("  annotations:\n    volume.beta.kubernetes.io/storage-class: slow\n");
    assert_eq!(classes(&annotated), (Some("slow".into()), Some("slow".into())), "{}", manifest("x"));
    let warning = annotated.warning.expect("told");
    assert_eq!(warning.matches("Kubernetes reads the deprecated annotation first").count(), 2, "{warning}");
}

/// A Service applied again under the same name as an ExternalName alias
/// (which stsim leaves out) or without a selector (kept, selecting no
/// pods) replaces the earlier one, as `kubectl apply` configures it: the
/// set's pods get no DNS names, and the Services after it keep the places
/// of their own fields.
#[test]
fn a_service_applied_again_as_an_alias_replaces_the_earlier_one() {
    let manifest = |port_name: &str, again: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector:\n    app: db\n---\n\
             apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  clusterIP: None\n  selector:\n    app: other\n  ports:\n  - port: 80\n    name: {port_name}\n---\n\
             apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n{again}---\n\
             apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 1\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n"
        )
    };
    let alias = "  type: ExternalName\n  externalName: db.example.com\n";
    let no_selector = "  clusterIP: None\n";
    for again in [alias, no_selector] {
        let text = manifest("http", again);
        let read = stsim_scenario::parse_manifests(&[("db.yaml".into(), text.clone())], "start")
            .unwrap_or_else(|e| panic!("{e:#?}\n{text}"));
        let names: Vec<&str> = read.config.services.iter().map(|s| s.name.as_str()).collect();
        let warning = read.warning.unwrap_or_default();
        if again == alias {
            // An alias is left out: the set names a Service the run lacks.
            assert_eq!(names, ["other"], "{again}");
            assert!(warning.contains("its pods get no DNS names"), "{warning}");
        } else {
            // One without a selector replaces the first in place, selecting no pods.
            assert_eq!(names, ["db", "other"], "{again}");
            assert!(read.config.services[0].selector.is_empty());
            assert!(warning.contains("Service \"db\": no selector: it selects no pods"), "{warning}");
        }
        // The later Service's field keeps its own line.
        let text = manifest("bad_name", again);
        let errors =
            stsim_scenario::parse_manifests(&[("db.yaml".into(), text.clone())], "start").unwrap_err();
        let line = text.lines().position(|l| l.contains("bad_name")).unwrap() + 1;
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [line], "{errors:#?}");
    }
}

/// A claim of its own that names a class the manifests do not define (a
/// `kubectl get pvc -o yaml` of a cluster without its StorageClasses) gets
/// the class made up, as a claim template's does, rather than a
/// `storageclass "archive" not found` the real cluster would not say.
#[test]
fn a_claims_undefined_class_is_made_up_as_a_templates_is() {
    let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: shared\nspec:\n  storageClassName: archive\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector:\n    app: db\n---\n\
         apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 1\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: db:1\n";
    let read = stsim_scenario::parse_manifests(&[("db.yaml".into(), text.into())], "start").unwrap();
    let classes: Vec<&str> = read.config.cluster.storage_classes.iter().map(|c| c.name.as_str()).collect();
    assert!(classes.contains(&"archive"), "{classes:?}");
    let (sim, _) = stsim_core::run(read.config);
    let said = sim.trace.render(&sim.world);
    assert!(!said.contains("not found"), "{said}");
}

/// `kubectl events` writes the involved object's Kind as it is
/// (event_printer.go `printOneEvent`): `StatefulSet/redis`, `Pod/redis-0`,
/// `PersistentVolumeClaim/data-redis-0`, `Node/worker-3`. And `-n NS` lists
/// the events kept in NS: those about nodes are kept in `default`, so in
/// another namespace they are not listed (a note says how many), in the
/// table as in `-o json`.
#[test]
fn events_name_objects_by_kind_and_list_only_their_namespaces_events() {
    let path = repo_root().join("examples/manifests/redis.yaml").display().to_string();
    let objects = |output: &str| -> Vec<String> {
        let rows = output.lines().skip(1);
        let mut kinds: Vec<String> = rows
            .filter_map(|l| l.split_whitespace().find(|w| w.contains('/') && !w.contains('"')))
            .map(|o| o.split('/').next().unwrap().to_string())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    let all = stsim(&["events", "-f", &path]);
    assert_eq!(all.status, ExitStatus::Success, "{}", all.stderr);
    assert_eq!(
        objects(&all.stdout),
        ["Node", "PersistentVolumeClaim", "Pod", "StatefulSet"],
        "{}",
        all.stdout
    );
    assert!(all.stdout.contains(" StatefulSet/redis "), "{}", all.stdout);
    assert!(!all.stderr.contains("`default` namespace"), "{}", all.stderr);
    let shop = stsim(&["events", "-f", &path, "-n", "shop"]);
    assert_eq!(shop.status, ExitStatus::Success, "{}", shop.stderr);
    assert_eq!(objects(&shop.stdout), ["PersistentVolumeClaim", "Pod", "StatefulSet"], "{}", shop.stdout);
    let nodes = all.stdout.lines().filter(|l| l.contains(" Node/")).count();
    assert_eq!(shop.stdout.lines().count() + nodes, all.stdout.lines().count());
    assert!(
        shop.stderr.contains(&format!(
            "note: {nodes} events about nodes or volumes are kept in the `default` namespace, which `kubectl events -n shop` does not list."
        )),
        "{}",
        shop.stderr
    );
    let json = stsim(&["events", "-f", &path, "-n", "shop", "-o", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len() + nodes, all.stdout.lines().count() - 1);
    assert!(items.iter().all(|e| e["metadata"]["namespace"] == "shop"), "{}", json.stdout);
    // Nothing in the namespace: kubectl's words, then the note.
    let none = stsim(&["events", "-f", &path, "-n", "shop", "--for", "node/worker-1"]);
    assert_eq!(none.stdout, "");
    assert!(none.stderr.contains("No events found in shop namespace.\nnote: "), "{}", none.stderr);
}

/// A claim template without `accessModes`: from 1.34 (the default release)
/// the set is refused (`ValidateVolumeClaimTemplates`, k/k PR #132212).
/// Before, the set is accepted with a warning, and each claim's create is
/// refused with the PVC's own path; `CreateStatefulPod` makes no pod before
/// its claims, so no pod ever appears, and the set's events say
/// `FailedCreate` for the claim and for the pod (stateful_pod_control.go;
/// kubernetes/kubernetes#132211 on a 1.32 server).
#[test]
fn a_claim_template_without_access_modes_refuses_the_set_from_1_34_and_each_claim_before() {
    let yaml = std::fs::read_to_string(example("redis.yaml")).unwrap();
    let yaml = yaml.replacen("        accessModes: [\"ReadWriteOnce\"]\n", "", 1);
    let path = temp("claim-no-access-modes.yaml", &yaml);
    let checked = stsim(&["check", &path]);
    assert_eq!(checked.status, ExitStatus::Error, "{}", checked.stderr);
    assert!(
        checked.stderr.contains(
            "The StatefulSet \"redis\" is invalid: spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required"
        ),
        "{}",
        checked.stderr
    );
    let old = temp(
        "claim-no-access-modes.ron",
        "(name: \"old\", kubernetesVersion: \"1.33\", duration: \"1m\", manifests: [\"claim-no-access-modes.yaml\"])",
    );
    let events = stsim(&["events", &old]);
    assert_eq!(events.status, ExitStatus::Success, "{}", events.stderr);
    assert!(
        events.stderr.contains("refuses each claim made from these claim templates"),
        "{}",
        events.stderr
    );
    let refused = "PersistentVolumeClaim \"data-redis-0\" is invalid: spec.accessModes: Required value: at least 1 access mode is required";
    for line in [
        format!("create Claim data-redis-0 for Pod redis-0 in StatefulSet redis failed error: {refused}"),
        format!(
            "create Pod redis-0 in StatefulSet redis failed error: failed to create PVC data-redis-0: {refused}"
        ),
    ] {
        assert!(events.stdout.contains(&line), "no {line:?} in:\n{}", events.stdout);
    }
    assert!(!events.stdout.contains("SuccessfulCreate"), "no claim and no pod is made: {}", events.stdout);
    let run = stsim(&["run", &old]);
    assert!(run.stdout.contains("claim-invalid: statefulset/redis"), "{}", run.stdout);
}

/// `stsim export` writes the StorageClasses the scenario defines, not those
/// it takes the cluster to have (`assumed`): the classes a manifest story
/// makes up for claims that name a class the manifests leave out, and the
/// default it adds. Applied to a real cluster, such a class would be a
/// second default, or refused where the cluster has its own of that name.
/// A comment names each; reading the export back makes them up again.
#[test]
fn export_leaves_out_the_classes_the_story_made_up() {
    let dir = std::env::temp_dir().join(format!("stsim-assumed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let set = |class: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: pg}}\nspec:\n  serviceName: pg\n  replicas: 1\n  \
             selector: {{matchLabels: {{app: pg}}}}\n  template:\n    metadata: {{labels: {{app: pg}}}}\n    spec:\n      \
             containers: [{{name: pg, image: postgres}}]\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    \
             spec: {{accessModes: [ReadWriteOnce], storageClassName: {class}, resources: {{requests: {{storage: 1Gi}}}}}}\n"
        )
    };
    let named = dir.join("named.yaml");
    std::fs::write(&named, set("standard")).unwrap();
    let fast = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\n\
                provisioner: pd.csi.storage.gke.io\nvolumeBindingMode: WaitForFirstConsumer\n---\n";
    let defined = dir.join("defined.yaml");
    std::fs::write(&defined, format!("{fast}{}", set("fast"))).unwrap();
    let (named, defined) = (named.display().to_string(), defined.display().to_string());

    // The story made up `standard` (the default): nothing of it is written.
    let exported = stsim(&["export", &named]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    assert!(!exported.stdout.contains("kind: StorageClass"), "{}", exported.stdout);
    assert!(
        exported.stdout.contains("# StorageClass \"standard\" (ebs.csi.aws.com, the default) is not written")
    );
    // Through a scenario `stsim import` wrote, the same.
    let ron = dir.join("named.ron").display().to_string();
    assert_eq!(stsim(&["import", &named, "-o", &ron]).status, ExitStatus::Success);
    assert!(std::fs::read_to_string(&ron).unwrap().contains("default: true, assumed: true)"));
    assert_eq!(stsim(&["export", &ron]).stdout, exported.stdout);
    // Read back, the claim's class is made up again, as it was.
    let back =
        stsim_scenario::parse_manifests(&[("x.yaml".into(), exported.stdout.clone())], "start").unwrap();
    let classes = &back.config.cluster.storage_classes;
    assert!(classes.iter().any(|c| c.name == "standard" && c.assumed && c.is_default), "{classes:?}");

    // The manifests define `fast`: it is written, the default the story adds is not.
    let exported = stsim(&["export", &defined]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    assert_eq!(exported.stdout.matches("kind: StorageClass").count(), 1, "{}", exported.stdout);
    assert!(exported.stdout.contains("name: fast"), "{}", exported.stdout);
    assert!(exported.stdout.contains("# StorageClass \"gp3\" (ebs.csi.aws.com, the default) is not written"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A StatefulSet's and a Service's own `metadata.labels` (a chart's
/// `app.kubernetes.io/*`) are kept: the objects have them in the run (as
/// an operator is served them), export writes them, and reading the export
/// back gives them again. They are not the pods' labels.
#[test]
fn the_objects_own_labels_survive_the_run_and_the_round_trip() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\n\
                spec: {clusterIP: None, selector: {app: web}}\n---\napiVersion: apps/v1\nkind: StatefulSet\n\
                metadata:\n  name: web\n  labels: {app.kubernetes.io/instance: prod}\nspec:\n  serviceName: web\n  \
                replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    \
                spec: {containers: [{name: web, image: nginx}]}\n";
    let loaded = stsim_scenario::parse_manifests(&[("web.yaml".into(), yaml.into())], "start").unwrap();
    assert!(
        loaded.warning.as_ref().is_none_or(|w| !w.contains("labels")),
        "read, not ignored: {:?}",
        loaded.warning
    );
    let config = &loaded.config;
    assert_eq!(
        config.statefulsets[0].labels.get("app.kubernetes.io/instance").map(String::as_str),
        Some("prod")
    );
    assert_eq!(config.services[0].labels.get("app.kubernetes.io/name").map(String::as_str), Some("web"));
    let sim = stsim_core::Simulation::new(config.clone());
    assert_eq!(sim.world.statefulsets[0].labels, config.statefulsets[0].labels);
    assert_eq!(sim.world.services[0].labels, config.services[0].labels);
    let pod_labels = &config.statefulsets[0].spec.template.labels;
    assert!(!pod_labels.contains_key("app.kubernetes.io/instance"), "the set's labels are not its pods'");
    let exported: String = stsim_scenario::export::objects(config)
        .iter()
        .map(|o| format!("---\n{}\n", serde_json::to_string(o).unwrap()))
        .collect();
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), exported.clone())], "start").unwrap();
    assert_eq!(back.config.statefulsets[0].labels, config.statefulsets[0].labels, "{exported}");
    assert_eq!(back.config.services[0].labels, config.services[0].labels, "{exported}");
}

/// `service.alpha.kubernetes.io/tolerate-unready-endpoints` published a
/// Service's unready pods once; nothing reads it in any modelled release
/// (the Endpoints controller stopped in 1.24, k/k #108020, and
/// EndpointSlices never did). Old charts still carry it: the reader says
/// it does nothing and what does, and the pods are published when Ready.
#[test]
fn the_tolerate_unready_endpoints_annotation_is_said_to_do_nothing() {
    let manifest = |annotation: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n{annotation}spec:\n  clusterIP: None\n  \
             selector:\n    app: db\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  \
             serviceName: db\n  replicas: 1\n  selector:\n    matchLabels:\n      app: db\n  template:\n    \
             metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        \
             image: postgres:16\n"
        )
    };
    let annotated = "  annotations:\n    service.alpha.kubernetes.io/tolerate-unready-endpoints: \"true\"\n";
    let loaded = stsim_scenario::parse_manifests(&[("db.yaml".into(), manifest(annotated))], "start")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let warning = loaded.warning.expect("a warning");
    assert!(
        warning.contains(
            "warning: Service \"db\": annotation service.alpha.kubernetes.io/tolerate-unready-endpoints has no \
             effect (Kubernetes stopped reading it in 1.24, and EndpointSlices never did): set \
             spec.publishNotReadyAddresses: true"
        ),
        "{warning}"
    );
    assert!(!loaded.config.services[0].publish_not_ready_addresses);
    let plain = stsim_scenario::parse_manifests(&[("db.yaml".into(), manifest(""))], "start")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(plain.warning.is_none_or(|w| !w.contains("tolerate-unready-endpoints")));
}

/// `setHostnameAsFQDN` is read from a manifest (no "ignored" warning), and
/// the StatefulSet's long names leave its first pod without a sandbox;
/// `stsim export` writes the field back.
#[test]
fn set_hostname_as_fqdn_is_read_and_a_long_fqdn_leaves_the_pod_without_a_sandbox() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata:
  name: my-application-database-headless
spec:
  clusterIP: None
  selector:
    app: db
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: my-application-database
spec:
  serviceName: my-application-database-headless
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      setHostnameAsFQDN: true
      containers:
        - name: db
          image: postgres:16
"#;
    let path = temp("fqdn.yaml", yaml);
    let output = stsim(&["run", "-f", &path, "--json"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(!output.stderr.contains("setHostnameAsFQDN"), "{}", output.stderr);
    let report: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let ids: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(ids.contains(&"pod-sandbox-failed"), "{ids:?}");
    let events = stsim(&["events", "-f", &path]);
    assert!(events.stdout.contains("FailedCreatePodSandBox"), "{}", events.stdout);
    assert!(events.stdout.contains("84 characters requested"), "{}", events.stdout);
    let exported =
        stsim(&["export", &repo_root().join("scenarios/hostname-fqdn-too-long.ron").display().to_string()]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    assert!(exported.stdout.contains("setHostnameAsFQDN: true"), "{}", exported.stdout);
}

/// A pod's resolver is not modelled: `dnsPolicy: Default`, and
/// `hostNetwork: true` under the default `ClusterFirst` (the kubelet falls
/// back to the node's resolver), get a note saying what that changes;
/// `ClusterFirstWithHostNet` keeps the cluster's resolver and gets none.
#[test]
fn a_pod_resolver_other_than_the_clusters_is_noted() {
    let manifest = |spec: &str| {
        format!(
            r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
{spec}      containers:
        - name: web
          image: nginx:1.27
"#
        )
    };
    for (name, spec, said) in [
        ("host-net.yaml", "      hostNetwork: true\n", Some("falls back to Default")),
        (
            "default.yaml",
            "      dnsPolicy: Default\n",
            Some("dnsPolicy: Default gives its pods the node's resolver"),
        ),
        ("none.yaml", "      dnsPolicy: None\n", Some("only the resolver its dnsConfig names")),
        ("with-host-net.yaml", "      hostNetwork: true\n      dnsPolicy: ClusterFirstWithHostNet\n", None),
        ("cluster-first.yaml", "      dnsPolicy: ClusterFirst\n", None),
    ] {
        let path = temp(name, &manifest(spec));
        let output = stsim(&["check", "-f", &path]);
        assert_eq!(output.status, ExitStatus::Success, "{name}: {}", output.stderr);
        let all = format!("{}{}", output.stdout, output.stderr);
        match said {
            Some(words) => {
                assert!(all.contains(words), "{name}: {all}");
                assert!(all.contains("stsim models no pod's resolver"), "{name}: {all}");
            }
            None => assert!(!all.contains("resolver"), "{name}: {all}"),
        }
    }
}

/// On the host's network the kubelet sets no hostname (`generatePodSandboxConfig`
/// skips it), so a long FQDN does not stop the sandbox there: the pods run,
/// and a note says `setHostnameAsFQDN` has no effect.
#[test]
fn set_hostname_as_fqdn_has_no_effect_on_the_hosts_network() {
    let yaml = r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: my-application-database
spec:
  serviceName: my-application-database-headless
  replicas: 1
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      hostNetwork: true
      dnsPolicy: ClusterFirstWithHostNet
      setHostnameAsFQDN: true
      containers:
        - name: db
          image: postgres:16
"#;
    let path = temp("fqdn-host-network.yaml", yaml);
    let output = stsim(&["run", "-f", &path, "--json"]);
    assert_eq!(output.status, ExitStatus::Success, "{}", output.stderr);
    assert!(
        output.stderr.contains("setHostnameAsFQDN has no effect with hostNetwork: true"),
        "{}",
        output.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let ids: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(!ids.contains(&"pod-sandbox-failed"), "{ids:?}");
    assert_eq!(report["pods"][0]["state"]["status"], "Running", "{}", report["pods"]);
}

/// A chart's headless Service that targets its container's port by name
/// (`targetPort: redis`): the name is read on both sides, the Service's SRV
/// records give the container's port, and `export` writes both back.
#[test]
fn a_target_port_by_name_leads_to_the_containers_port() {
    use stsim_core::config::TargetPort;
    let path = example("charts/redis.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = stsim_scenario::parse_manifests(&[(path.clone(), text.clone())], "start")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let config = &loaded.config;
    let headless = config.services.iter().find(|s| s.name == "cache-redis-headless").unwrap();
    assert_eq!(headless.ports[0].target_port, TargetPort::Name("redis".into()));
    let named = &config.statefulsets[0].spec.template.named_ports;
    assert_eq!((named[0].name.as_str(), named[0].port, named[0].container), ("redis", 6379, 0));
    // The port renumbered in the container: the SRV records follow it, not
    // the Service's port.
    let moved = text.replacen("              containerPort: 6379", "              containerPort: 7379", 1);
    let mut sim = stsim_core::Simulation::new(
        stsim_scenario::parse_manifests(&[(path.clone(), moved)], "start").unwrap().config,
    );
    sim.run();
    let srv = "_tcp-redis._tcp.cache-redis-headless.default.svc.cluster.local";
    let answers = stsim_core::controllers::dns::service_answers(&sim.world, srv).unwrap();
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(answers.iter().all(|a| a.ends_with(":7379")), "{answers:?}");
    // Written back as read.
    let objects = stsim_scenario::export::objects(config);
    let text: Vec<String> = objects.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
    let exported = text.join("\n---\n");
    assert!(exported.contains(r#""targetPort":"redis""#), "{exported}");
    let back = stsim_scenario::parse_manifests(&[("x.yaml".into(), exported)], "start").unwrap();
    assert_eq!(back.config.services, config.services);
    assert_eq!(back.config.statefulsets[0].spec.template.named_ports, *named);
}

/// A probe's check is kept as the manifest wrote it (stsim does not run it,
/// whether it passes is the image's behaviour): `stsim export` writes the
/// `httpGet`, `exec` or named-port `tcpSocket` given, with its
/// `timeoutSeconds`, and reading that back gives the same template. Before,
/// every check came back as a made-up TCP check and the timeout was lost.
/// A negative timeout is refused where it is written, as the API server
/// refuses it; 0 is defaulted to 1.
#[test]
fn a_probes_check_is_kept_as_written() {
    let manifest = |readiness: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: web\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n        ports:\n        - {{name: http, containerPort: 8080}}\n        readinessProbe:\n{readiness}        livenessProbe:\n          exec:\n            command: [cat, /tmp/healthy]\n          periodSeconds: 5\n"
        )
    };
    let given = "          httpGet:\n            path: /healthz\n            port: http\n          timeoutSeconds: 3\n";
    let path = temp("probe-check.yaml", &manifest(given));
    let exported = stsim(&["export", &path]);
    assert_eq!(exported.status, ExitStatus::Success, "{}", exported.stderr);
    let out = &exported.stdout;
    assert!(
        out.contains(
            "httpGet:\n            path: \"/healthz\"\n            port: http\n          timeoutSeconds: 3"
        ),
        "{out}"
    );
    assert!(out.contains("exec:\n            command:\n            - cat"), "{out}");
    assert!(!out.contains("tcpSocket"), "no made-up check: {out}");
    let read = |text: &str| stsim_scenario::parse_manifests(&[("x.yaml".into(), text.to_string())], "start");
    let first = read(&manifest(given)).unwrap_or_else(|e| panic!("{e:#?}"));
    let back = read(out).unwrap_or_else(|e| panic!("{e:#?}\n{out}"));
    let template = |c: &stsim_core::Config| c.statefulsets[0].spec.template.clone();
    assert_eq!(template(&back.config), template(&first.config));
    let check = template(&first.config).probe_checks.readiness.expect("the readiness check");
    assert_eq!(
        *check,
        serde_json::json!({"httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 3})
    );
    // Another check is another template.
    let other = read(&manifest(&given.replace("/healthz", "/ready"))).unwrap();
    assert_ne!(template(&other.config), template(&first.config));
    // 0 is defaulted to 1; a negative timeout is refused at its place.
    let zero = read(&manifest(&given.replace("timeoutSeconds: 3", "timeoutSeconds: 0"))).unwrap();
    assert_eq!(template(&zero.config).probe_checks.readiness.unwrap()["timeoutSeconds"], 1);
    let errors = read(&manifest(&given.replace("timeoutSeconds: 3", "timeoutSeconds: -1"))).err().unwrap();
    assert!(
        errors[0].message.contains("timeoutSeconds: Invalid value: -1: must be greater than or equal to 0"),
        "{errors:?}"
    );
    assert_eq!(errors[0].line, 23, "{errors:?}");
}
