//! The teaching metadata: tags are lowercase words with dashes, a quiz has
//! two to six choices and an answer that names one of them by its letter.

use super::{Checker, is_dns_label};
use crate::raw;
use crate::teaching::{Mirror, Quiz, Teaching, letter};

impl Checker<'_, '_> {
    pub(super) fn teaching(&mut self, raw: &raw::Scenario) -> Teaching {
        let tags = raw.tags.clone().unwrap_or_default();
        for (i, tag) in tags.iter().enumerate() {
            if !is_dns_label(tag) {
                self.report(
                    "invalid-value",
                    &format!("tags[{i}]"),
                    format!("Invalid value: {tag:?}: a tag is lowercase letters, digits and '-'"),
                    Some("like \"identity-dns\" or \"node-failure\"".to_string()),
                );
            }
        }
        let mirrors = raw
            .mirrors
            .iter()
            .flatten()
            .map(|m| match m {
                raw::Mirror::Incident(t) => Mirror::Incident(t.clone()),
                raw::Mirror::Issue(t) => Mirror::Issue(t.clone()),
                raw::Mirror::Doc(t) => Mirror::Doc(t.clone()),
                raw::Mirror::FailureMode(t) => Mirror::FailureMode(t.clone()),
            })
            .collect();
        let quiz = raw.quiz.as_ref().and_then(|quiz| self.quiz(quiz));
        Teaching { tags, mirrors, lesson: raw.lesson.clone(), quiz, hint: raw.hint.clone() }
    }

    fn quiz(&mut self, quiz: &raw::Quiz) -> Option<Quiz> {
        let count = quiz.choices.len();
        if !(2..=6).contains(&count) {
            let message = format!("Invalid value: {count} choices: a quiz has 2 to 6");
            self.report("invalid-value", "quiz.choices", message, None);
            return None;
        }
        let letters: Vec<String> = (0..count).map(|i| letter(i).to_string()).collect();
        let answer = letters.iter().position(|l| l.eq_ignore_ascii_case(quiz.answer.trim()));
        if answer.is_none() {
            let message =
                format!("Unsupported value: {:?}: the answer is the letter of a choice", quiz.answer);
            let help = format!("supported values: {}", letters.join(", "));
            self.report("invalid-value", "quiz.answer", message, Some(help));
        }
        Some(Quiz {
            question: quiz.question.clone(),
            choices: quiz.choices.clone(),
            answer: answer?,
            explanation: quiz.explanation.clone(),
            evidence: quiz.evidence.clone().unwrap_or_default(),
        })
    }
}
