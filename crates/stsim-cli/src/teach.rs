//! Teaching modes: the scenario library grouped by theme and filtered by
//! tag or word (`stsim examples`), and predict-then-reveal (`stsim quiz`):
//! ask a scenario's question, run it, and show the answer with the run's
//! own evidence.
//!
//! Owns the words on the terminal only; the library and its themes come
//! from `stsim-examples`, the metadata from `stsim_scenario::teaching`, the
//! evidence from the core's report.

use std::fmt::Write as _;
use stsim_examples::{self as examples, Example, THEMES, theme_title};
use stsim_scenario::teaching::{Quiz, Teaching, letter};

/// The pseudo-tag of the scenarios that have a quiz (`--tag quiz`), which
/// `--search quiz` finds too.
pub const QUIZ_TAG: &str = "quiz";

/// Whether a scenario matches a `--tag` and a `--search` word. A scenario
/// with a quiz has the tag `quiz` besides its own.
pub fn matches(example: &Example, teaching: &Teaching, tag: Option<&str>, word: Option<&str>) -> bool {
    let quiz = teaching.quiz.is_some().then_some(QUIZ_TAG);
    let tag_ok = tag.is_none_or(|tag| teaching.tags.iter().map(String::as_str).chain(quiz).any(|t| t == tag));
    let word_ok = word.is_none_or(|word| {
        let word = word.to_lowercase();
        let mut text = format!("{} {} ", example.name, examples::summary(example));
        text.push_str(&teaching.tags.join(" "));
        if let Some(quiz) = quiz {
            let _ = write!(text, " {quiz}");
        }
        for mirror in &teaching.mirrors {
            let _ = write!(text, " {mirror}");
        }
        text.push(' ');
        text.push_str(teaching.lesson.as_deref().unwrap_or(""));
        text.to_lowercase().contains(&word)
    });
    tag_ok && word_ok
}

/// `stsim examples`: the library by theme, then the exercises.
pub fn listing(tag: Option<&str>, word: Option<&str>) -> String {
    let mut groups: Vec<(&str, Vec<(&Example, Teaching)>)> =
        THEMES.iter().map(|(_, title)| (*title, Vec::new())).collect();
    groups.push(("Other", Vec::new()));
    for example in examples::EXAMPLES {
        let teaching = examples::teaching(example);
        if !matches(example, &teaching, tag, word) {
            continue;
        }
        let title = theme_title(teaching.tags.first().map(String::as_str));
        if let Some(group) = groups.iter_mut().find(|(t, _)| *t == title) {
            group.1.push((example, teaching));
        }
    }
    let exercises: Vec<(&Example, Teaching)> = examples::EXERCISES
        .iter()
        .map(|e| (e, examples::teaching(e)))
        .filter(|(e, t)| matches(e, t, tag, word))
        .collect();
    let width = examples::EXAMPLES.iter().chain(examples::EXERCISES).map(|e| e.name.len()).max().unwrap_or(0);
    let mut text = String::from(
        "Built-in scenarios by theme (run one with `stsim run NAME`, see it with `stsim examples NAME`;\n\
         filter with --tag TAG or --search WORD; `stsim quiz NAME` for the ones marked [quiz], --tag quiz):\n",
    );
    let mut shown = 0;
    let entry = |text: &mut String, example: &Example, teaching: &Teaching| {
        let quiz = if teaching.quiz.is_some() { " [quiz]" } else { "" };
        let _ = writeln!(text, "  {:<width$}   {}{quiz}", example.name, examples::summary(example));
        if let Some(lesson) = &teaching.lesson {
            let _ = writeln!(text, "  {:<width$}   lesson: {lesson}", "");
        }
        if !teaching.mirrors.is_empty() {
            let mirrors: Vec<String> = teaching.mirrors.iter().map(ToString::to_string).collect();
            let _ = writeln!(text, "  {:<width$}   mirrors: {}", "", mirrors.join("; "));
        }
    };
    for (title, members) in &groups {
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(text, "\n{title}");
        for (example, teaching) in members {
            entry(&mut text, example, teaching);
            shown += 1;
        }
    }
    if !exercises.is_empty() {
        text.push_str("\nExercises (fix-it: each fails `stsim test` until you fix its StatefulSet; `stsim examples NAME` prints it)\n");
        for (example, teaching) in &exercises {
            entry(&mut text, example, teaching);
            shown += 1;
        }
    }
    if shown == 0 {
        let mut tags: std::collections::BTreeSet<String> = examples::EXAMPLES
            .iter()
            .chain(examples::EXERCISES)
            .flat_map(|e| examples::teaching(e).tags)
            .collect();
        tags.insert(QUIZ_TAG.to_string());
        let _ = writeln!(
            text,
            "\nno scenario matches; the tags are: {}",
            tags.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    text
}

/// The question and its lettered choices.
pub fn ask(name: &str, quiz: &Quiz) -> String {
    let mut text = format!("QUIZ ({name})\n{}\n", quiz.question);
    for (i, choice) in quiz.choices.iter().enumerate() {
        let _ = writeln!(text, "  {}) {choice}", letter(i));
    }
    text
}

/// The letter a learner typed, as a choice index.
pub fn read_answer(quiz: &Quiz, typed: &str) -> Option<usize> {
    let typed = typed.trim();
    (0..quiz.choices.len()).find(|&i| typed.eq_ignore_ascii_case(&letter(i).to_string()))
}

/// The answer revealed with what the run showed.
pub fn reveal(
    quiz: &Quiz,
    answer: usize,
    teaching: &Teaching,
    sim: &stsim_core::Simulation,
    report: &stsim_core::Report,
) -> String {
    let right = letter(quiz.answer);
    let mut text = if answer == quiz.answer {
        format!("\n{right} is right.\n")
    } else {
        format!(
            "\nNot quite: you answered {}; the answer is {right}) {}\n",
            letter(answer),
            quiz.choices[quiz.answer]
        )
    };
    let _ = writeln!(text, "{}", quiz.explanation);
    let _ = writeln!(
        text,
        "\nEVIDENCE FROM THE RUN ({} with seed {}, trace digest {})",
        report.scenario, report.seed, report.trace_digest
    );
    let (rows, left_out) = evidence(quiz, report);
    for Evidence { row, times, last_ms } in rows {
        let at = stsim_core::time::SimTime::from_millis(row.at_ms);
        let _ = write!(text, "  {:<9} {}/{}: {}", at.to_string(), row.kind, row.name, row.what);
        match times {
            1 => text.push('\n'),
            _ if last_ms == row.at_ms => {
                let _ = writeln!(text, " (×{times})");
            }
            _ => {
                let until = stsim_core::time::SimTime::from_millis(last_ms);
                let _ = writeln!(text, " (×{times} until {until})");
            }
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            text,
            "  ... {left_out} more {} not shown (`stsim run {}` prints the whole timeline)",
            if left_out == 1 { "row" } else { "rows" },
            report.scenario
        );
    }
    for app in &report.breakage {
        for interval in &app.intervals {
            let to = interval
                .to_ms
                .map_or("the end".to_string(), |t| stsim_core::time::SimTime::from_millis(t).to_string());
            let _ = writeln!(
                text,
                "  {} {} from {} to {to}: {}",
                app.app,
                interval.health,
                stsim_core::time::SimTime::from_millis(interval.from_ms),
                interval.reason
            );
            if !interval.cause.is_empty() {
                let _ = writeln!(text, "    cause: {}", interval.cause.join(" -> "));
            }
        }
    }
    let verdicts = stsim_core::expect::check(sim, report);
    if !verdicts.is_empty() {
        text.push_str("\nWHAT THE SCENARIO CHECKS\n");
        for verdict in &verdicts {
            let mark = if verdict.passed { "holds " } else { "FAILS " };
            let _ = writeln!(text, "  {mark} {}", verdict.description);
        }
    }
    if let Some(lesson) = &teaching.lesson {
        let _ = writeln!(text, "\nLESSON: {lesson}");
    }
    text
}

/// One line of evidence: a timeline row, and how many times it came in a
/// row with the same words (at the same or later times), up to `last_ms`.
struct Evidence<'r> {
    row: &'r stsim_core::report::TimelineRow,
    times: usize,
    last_ms: u64,
}

/// The most lines of evidence shown; the rest are counted.
const MOST_EVIDENCE: usize = 24;

/// The timeline rows the quiz names as evidence (by default the actions
/// and the applications' verdict changes), each run of rows that differ
/// only in their time folded into one line, at most `MOST_EVIDENCE` lines,
/// and how many lines were left out.
fn evidence<'r>(quiz: &Quiz, report: &'r stsim_core::Report) -> (Vec<Evidence<'r>>, usize) {
    let mut lines: Vec<Evidence<'r>> = Vec::new();
    let picked = report.timeline.iter().filter(|row| {
        if quiz.evidence.is_empty() {
            row.kind == "script"
                || (row.kind == "app"
                    && ["FORMING", "HEALTHY", "DEGRADED", "BROKEN"].iter().any(|h| row.what.starts_with(h)))
        } else {
            let line = format!("{}/{} {}", row.kind, row.name, row.what);
            quiz.evidence.iter().any(|word| line.contains(word.as_str()))
        }
    });
    for row in picked {
        match lines.last_mut() {
            Some(last)
                if last.row.kind == row.kind && last.row.name == row.name && last.row.what == row.what =>
            {
                last.times += 1;
                last.last_ms = row.at_ms;
            }
            _ => lines.push(Evidence { row, times: 1, last_ms: row.at_ms }),
        }
    }
    let left_out = lines.len().saturating_sub(MOST_EVIDENCE);
    lines.truncate(MOST_EVIDENCE);
    (lines, left_out)
}
