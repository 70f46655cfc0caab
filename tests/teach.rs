//! Teaching modes: scenario metadata, `stsim examples` by theme and filter,
//! `stsim quiz`, and the fix-it exercises of `exercises/`.

use crate::support::{repo_root, scenario_file, shipped_scenarios};
use stsim_cli::ExitStatus;
use stsim_examples::THEMES;

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn stsim_with_input(args: &[&str], input: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = stsim_cli::run_with_input(&args, &mut input.as_bytes(), &mut out, &mut err);
    Output { status, stdout: String::from_utf8(out).unwrap(), stderr: String::from_utf8(err).unwrap() }
}

fn stsim(args: &[&str]) -> Output {
    stsim_with_input(args, "")
}

#[test]
fn every_shipped_scenario_has_a_theme_a_source_and_a_lesson() {
    for name in shipped_scenarios() {
        let source = scenario_file(&name);
        let teaching =
            stsim_scenario::parse_teaching(&source, &name).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        let theme = teaching.tags.first().unwrap_or_else(|| panic!("{name} has no tags"));
        assert!(THEMES.iter().any(|(id, _)| id == theme), "{name}: first tag {theme} is no theme");
        assert!(!teaching.mirrors.is_empty(), "{name} mirrors nothing");
        assert!(teaching.lesson.as_deref().is_some_and(|l| l.len() > 20), "{name} has no lesson");
    }
}

/// Each scenario and exercise of the library says what it does in words of
/// its own: no two share a description, nor the first sentence that
/// `stsim examples` lists.
#[test]
fn no_two_library_scenarios_share_a_description() {
    let mut descriptions: std::collections::BTreeMap<String, &str> = Default::default();
    let mut summaries: std::collections::BTreeMap<String, &str> = Default::default();
    for example in stsim_examples::EXAMPLES.iter().chain(stsim_examples::EXERCISES) {
        let config = stsim_scenario::parse_scenario(example.source, example.path).unwrap();
        assert!(!config.description.is_empty(), "{} has no description", example.name);
        if let Some(other) = descriptions.insert(config.description.clone(), example.name) {
            panic!("{} and {other} share the description {:?}", example.name, config.description);
        }
        let summary = stsim_examples::summary(example);
        if let Some(other) = summaries.insert(summary.clone(), example.name) {
            panic!("{} and {other} are listed alike: {summary:?}", example.name);
        }
    }
    assert_eq!(descriptions.len(), stsim_examples::EXAMPLES.len() + stsim_examples::EXERCISES.len());
}

#[test]
fn examples_group_by_theme_and_filter() {
    let all = stsim(&["examples"]);
    assert_eq!(all.status, ExitStatus::Success);
    // Themes in their order, each a heading.
    let positions: Vec<usize> =
        ["Identity and DNS", "Ordering", "Node failure", "Volumes and zones", "Updates", "Cost", "Operators"]
            .iter()
            .map(|t| all.stdout.find(&format!("\n{t}\n")).unwrap_or_else(|| panic!("no heading {t}")))
            .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(all.stdout.contains("\nExercises"));
    let node = stsim(&["examples", "--tag", "node-failure"]);
    assert!(node.stdout.contains("node-crash-stuck-terminating"));
    assert!(!node.stdout.contains("rolling-update"), "{}", node.stdout);
    let f01 = stsim(&["examples", "--search", "F01"]);
    let listed: Vec<&str> =
        f01.stdout.lines().filter(|l| l.starts_with("  ") && !l.starts_with("   ")).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(f01.stdout.contains("headless-service-renamed") && f01.stdout.contains("servicename-changed"));
    let none = stsim(&["examples", "--tag", "no-such-tag"]);
    assert!(none.stdout.contains("no scenario matches; the tags are:"), "{}", none.stdout);
    // An exercise prints like a scenario.
    let exercise = stsim(&["examples", "fix-drain-without-budget"]);
    assert!(exercise.stdout.contains("DrainNode"));
}

/// `stsim examples --tag quiz`, which `stsim quiz --help` and its error
/// name, lists every scenario with a quiz and no other; `--search quiz`
/// finds each of them too; docs/teaching.md names each.
#[test]
fn the_quiz_tag_lists_every_scenario_with_a_quiz() {
    let mut with_quiz: Vec<&str> = stsim_examples::EXAMPLES
        .iter()
        .chain(stsim_examples::EXERCISES)
        .filter(|e| stsim_examples::teaching(e).quiz.is_some())
        .map(|e| e.name)
        .collect();
    with_quiz.sort_unstable();
    assert!(with_quiz.len() >= 8, "{with_quiz:?}");
    let listed = |args: &[&str]| -> Vec<String> {
        let out = stsim(args);
        assert_eq!(out.status, ExitStatus::Success, "{}", out.stderr);
        let mut names: Vec<String> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        names.sort_unstable();
        names
    };
    assert_eq!(listed(&["examples", "--tag", "quiz"]), with_quiz);
    let found = listed(&["examples", "--search", "quiz"]);
    assert!(with_quiz.iter().all(|name| found.iter().any(|f| f == name)), "{found:?}");
    let docs = std::fs::read_to_string(repo_root().join("docs/teaching.md")).unwrap();
    for name in &with_quiz {
        assert!(docs.contains(&format!("`{name}`")), "docs/teaching.md does not name {name}");
    }
    let help = stsim(&["quiz", "--help"]);
    assert!(help.stdout.contains("`stsim examples --tag quiz`"), "{}", help.stdout);
    let none = stsim(&["quiz", "rolling-update", "--answer", "A"]);
    assert!(none.stderr.contains("help: `stsim examples --tag quiz` lists the scenarios that have one"));
}

#[test]
fn the_article_quiz_gives_the_right_answer_with_the_runs_evidence() {
    let right = stsim(&["quiz", "servicename-changed", "--answer", "c"]);
    assert_eq!(right.status, ExitStatus::Success, "{}", right.stderr);
    assert!(right.stdout.starts_with("QUIZ (servicename-changed)\n"));
    assert!(right.stdout.contains("C is right."));
    // The evidence is the run's: the record withdrawn, the verdict, the
    // restarts the answer speaks of, the replicas following the old name
    // after them while the new records are published, the cause.
    for evidence in [
        "dns/pg-0.pg-svc.default.svc.cluster.local: A 10.244.0.2 withdrawn",
        "app/pg: BROKEN: pg-1 and pg-2 cannot reach their primary pg-0",
        "25m       script/line 53: kubectl delete pod pg-2\n",
        "29m       script/line 55: kubectl delete pod pg-0\n",
        "app/pg: pg-1: started with its data on volume data-pg-1: a replica in cluster-1 that follows pg-0 at \
         pg-0.pg-svc.default.svc.cluster.local",
        "29m8s     dns/pg-0.pg-headless.default.svc.cluster.local: A 10.244.0.3 published\n",
        "cause: `rename service pg-svc to pg-headless",
        "holds  AppVerdict(pg at 40m: BROKEN)",
        "LESSON: ",
    ] {
        assert!(right.stdout.contains(evidence), "no {evidence:?} in\n{}", right.stdout);
    }
    assert!(!right.stdout.contains("not shown"), "all of its evidence fits:\n{}", right.stdout);
    let wrong = stsim(&["quiz", "servicename-changed", "--answer", "B"]);
    assert_eq!(wrong.status, ExitStatus::Failure);
    assert!(wrong.stdout.contains("Not quite: you answered B; the answer is C) The replicas cannot connect"));
}

/// The evidence lines of `stsim quiz` on servicename-changed with its
/// `evidence` words replaced by `words`, and the source it ran.
fn quiz_evidence(words: &[&str]) -> (Vec<String>, String) {
    let source = scenario_file("servicename-changed");
    let line = source.lines().find(|l| l.trim_start().starts_with("evidence: [")).unwrap().trim();
    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    let source = source.replacen(line, &format!("evidence: [{}],", quoted.join(", ")), 1);
    let scratch = std::env::temp_dir().join(format!("stsim-quiz-evidence-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let file = scratch.join(format!("quiz-{}.ron", words.len()));
    std::fs::write(&file, &source).unwrap();
    let quiz = stsim(&["quiz", file.to_str().unwrap(), "--answer", "C"]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(quiz.status, ExitStatus::Success, "{}", quiz.stderr);
    let evidence = quiz.stdout.split("EVIDENCE FROM THE RUN").nth(1).unwrap().lines().skip(1);
    (evidence.take_while(|l| !l.starts_with("  pg ")).map(str::to_string).collect(), source)
}

/// The quiz's evidence folds rows that differ only in their time into one
/// line (`(×N until T)`), shows at most 24 lines, and says how many it
/// left out.
#[test]
fn quiz_evidence_folds_repeated_rows_and_counts_the_lines_left_out() {
    // The primary's old name is looked up (twice) every 10 s from 20m to
    // the end, NXDOMAIN each time: one line from one action to the next.
    let (evidence, _) = quiz_evidence(&["dns/pg-0.pg-svc", "script/"]);
    let nxdomain = "dns/pg-0.pg-svc.default.svc.cluster.local: NXDOMAIN (not cached)";
    assert_eq!(
        evidence[4..],
        [
            format!("  20m       {nxdomain} (×60 until 24m50s)"),
            "  25m       script/line 53: kubectl delete pod pg-2".to_string(),
            format!("  25m       {nxdomain} (×29 until 26m53s)"),
            "  27m       script/line 54: kubectl delete pod pg-1".to_string(),
            format!("  27m       {nxdomain} (×29 until 28m53s)"),
            "  29m       script/line 55: kubectl delete pod pg-0".to_string(),
            format!("  29m       {nxdomain} (×138 until 39m53s)"),
        ],
        "{evidence:#?}"
    );
    // Every pod and DNS row: more lines than are shown, even folded.
    let words = ["pod/", "dns/"];
    let (evidence, source) = quiz_evidence(&words);
    let (_, report) = crate::support::run(&source);
    let mut folded: Vec<String> = Vec::new();
    for row in &report.timeline {
        let text = format!("{}/{} {}", row.kind, row.name, row.what);
        if words.iter().any(|w| text.contains(w)) && folded.last() != Some(&text) {
            folded.push(text);
        }
    }
    assert!(folded.len() > 24, "{folded:#?}");
    assert_eq!(evidence.len(), 25, "24 lines and the count: {evidence:#?}");
    assert_eq!(
        evidence[24],
        format!(
            "  ... {} more rows not shown (`stsim run servicename-changed` prints the whole timeline)",
            folded.len() - 24
        )
    );
}

#[test]
fn the_quiz_asks_on_the_terminal_until_it_gets_a_letter() {
    let output = stsim_with_input(&["quiz", "headless-service-renamed"], "maybe\nZ\nA\n");
    assert_eq!(output.status, ExitStatus::Failure, "A is wrong");
    assert_eq!(output.stdout.matches("Your answer (A-C): ").count(), 3);
    assert_eq!(output.stdout.matches("Please type one letter, A-C.").count(), 2);
    assert!(output.stdout.contains("the answer is C)"));
    let eof = stsim_with_input(&["quiz", "headless-service-renamed"], "");
    assert_eq!(eof.status, ExitStatus::Error);
    assert!(eof.stderr.contains("no answer given"));
    let bad = stsim(&["quiz", "headless-service-renamed", "--answer", "E"]);
    assert_eq!(bad.status, ExitStatus::Error);
    assert!(bad.stderr.contains("answer with a letter A-C"), "{}", bad.stderr);
    let none = stsim(&["quiz", "rolling-update", "--answer", "A"]);
    assert_eq!(none.status, ExitStatus::Error);
    assert!(none.stderr.contains("has no quiz"));
}

#[test]
fn a_quiz_whose_answer_is_no_choice_is_invalid_where_it_is_written() {
    let source = scenario_file("parallel-bootstrap-split-brain").replace("answer: \"B\"", "answer: \"D\"");
    let diagnostics = stsim_scenario::parse_scenario(&source, "quiz.ron").unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let line = source.lines().position(|l| l.contains("answer: \"D\"")).unwrap() + 1;
    assert_eq!(diagnostics[0].line as usize, line);
    assert!(diagnostics[0].message.contains("quiz.answer"), "{}", diagnostics[0].message);
    assert_eq!(diagnostics[0].help.as_deref(), Some("supported values: A, B, C"));
    let source =
        scenario_file("parallel-bootstrap-split-brain").replace("tags: [\"ordering\"", "tags: [\"Ordering\"");
    let diagnostics = stsim_scenario::parse_scenario(&source, "tags.ron").unwrap_err();
    assert!(diagnostics[0].message.starts_with("tags[0]: Invalid value: \"Ordering\""), "{diagnostics:?}");
}

/// Each exercise, and the change its hint leads to.
const EXERCISES: &[(&str, &str, &str)] = &[
    ("fix-parallel-primary-replica", "        podManagementPolicy: Parallel,\n", ""),
    (
        "fix-scale-down-deletes-data",
        "        persistentVolumeClaimRetentionPolicy: (whenScaled: Delete),\n",
        "",
    ),
    (
        "fix-drain-without-budget",
        "    timeline: [",
        "    podDisruptionBudgets: [(name: \"etcd\", selector: {\"app\": \"etcd\"}, maxUnavailable: 1)],\n    timeline: [",
    ),
    (
        "fix-drain-stuck-on-broken-pod",
        "minAvailable: 1)]",
        "minAvailable: 1, unhealthyPodEvictionPolicy: AlwaysAllow)]",
    ),
    (
        "fix-image-only-on-some-nodes",
        "(name: \"extra\", count: 1)",
        "(name: \"extra\", count: 1, preloadedImages: [\"shop/api:dev\"])",
    ),
];

#[test]
fn every_exercise_fails_until_fixed_and_passes_once_fixed() {
    let dir = repo_root().join("exercises");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut listed: Vec<&str> = EXERCISES.iter().map(|e| e.0).collect();
    listed.sort();
    assert_eq!(files, listed, "every exercise is tested here");
    let scratch = std::env::temp_dir().join(format!("stsim-exercises-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    for (name, from, to) in EXERCISES {
        let path = dir.join(format!("{name}.ron"));
        let source = std::fs::read_to_string(&path).unwrap();
        let teaching = stsim_scenario::parse_teaching(&source, name).unwrap();
        assert!(teaching.hint.is_some() && teaching.tags.iter().any(|t| t == "exercise"), "{name}");
        assert!(stsim_examples::find(name).is_some(), "{name} is built in");
        let outcome = stsim_cli::test_command::run_one(&path, &stsim_cli::test_command::Options::default());
        assert!(outcome.verdicts.is_ok(), "{name} is a valid scenario");
        assert!(!outcome.passed(), "{name} must fail as shipped");
        assert!(source.contains(from), "{name}: the fix no longer applies");
        let fixed = scratch.join(format!("{name}.ron"));
        std::fs::write(&fixed, source.replacen(from, to, 1)).unwrap();
        let outcome = stsim_cli::test_command::run_one(&fixed, &stsim_cli::test_command::Options::default());
        assert!(
            outcome.passed(),
            "{name} passes once fixed: {}",
            stsim_cli::test_command::render(&[outcome])
        );
    }
}

/// A finding's words are wrapped by whoever shows them (the text report
/// reflows them; JSON keeps them): each is one run of single-spaced prose,
/// with no run of spaces a source line's continuation left behind.
#[test]
fn every_shipped_scenarios_findings_are_single_spaced_prose() {
    for name in shipped_scenarios() {
        let source = scenario_file(&name);
        // External operators run as processes: the CLI's tests run those.
        if source.contains("External(") {
            continue;
        }
        let (_, report) = crate::support::run(&source);
        for finding in &report.findings {
            for (field, text) in
                [("summary", &finding.summary), ("explanation", &finding.explanation), ("fix", &finding.fix)]
            {
                assert!(
                    !text.contains("  ") && !text.contains('\n'),
                    "{name}: {} {field}: {text:?}",
                    finding.id
                );
            }
        }
    }
}

/// `stsim explain` says "You run" only of a command one types (`kubectl`,
/// an application's tool); a happening of the script (a node crashes, the
/// node of a pod is brought back) is told as such, not as a command.
#[test]
fn explain_says_you_run_only_of_commands() {
    let told = stsim(&["explain", "node-crash-node-back"]);
    assert_eq!(told.status, ExitStatus::Success, "{}", told.stderr);
    assert!(
        told.stdout.contains("In the script: node worker-2 crashes (the machine stops)."),
        "{}",
        told.stdout
    );
    assert!(told.stdout.contains("In the script: node worker-2 is back."), "{}", told.stdout);
    let told = stsim(&["explain", "etcd-removed-member-returns"]);
    assert!(
        told.stdout.contains("You run `kubectl scale statefulset etcd --replicas=2`."),
        "{}",
        told.stdout
    );
    for output in [&told.stdout, &stsim(&["explain", "node-crash-node-back"]).stdout] {
        for line in output.lines().filter(|l| l.contains("You run `")) {
            let command = line.split("You run `").nth(1).unwrap_or_default();
            assert!(
                ["kubectl ", "etcdctl ", "zkCli.sh ", "redis-cli ", "nodetool "]
                    .iter()
                    .any(|p| command.starts_with(p)),
                "not a command: {line}"
            );
        }
    }
}
