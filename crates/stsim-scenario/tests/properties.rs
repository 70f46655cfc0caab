//! Properties: parsing returns errors, never panics, whatever the input.

use proptest::prelude::*;
use stsim_scenario::{parse_cpu, parse_quantity, parse_scenario};

const FULL: &str = include_str!("fixtures/full.ron");

/// One character-level edit of `text`: delete, insert or replace at a char position.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    match *edit {
        Edit::Delete(i) => {
            chars.remove(i % len);
        }
        Edit::Insert(i, c) => chars.insert(i % (len + 1), c),
        Edit::Replace(i, c) => chars[i % len] = c,
    }
    chars.into_iter().collect()
}

/// Characters that matter to RON, plus a few awkward ones.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '(', ')', '[', ']', '{', '}', ',', ':', '"', '\'', '/', '*', '#', '!', '-', '.', '\\', '\n', ' ', '\t',
            '0', '9', 'e', 'r', 'x', 'é', '\u{0}', '\u{feff}', '中',
        ]),
        1 => any::<char>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

/// Every diagnostic is well-formed and renders.
fn check_result(source: &str) -> Result<(), TestCaseError> {
    if let Err(diagnostics) = parse_scenario(source, "fuzz.ron") {
        prop_assert!(!diagnostics.is_empty());
        for d in &diagnostics {
            prop_assert!(d.line >= 1 && d.column >= 1 && d.length >= 1, "{:?}", d);
            prop_assert!(!d.message.is_empty());
            let rendered = d.render(source);
            prop_assert!(rendered.starts_with(&format!("error[{}]", d.code)), "{}", rendered);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,300}") {
        check_result(&source)?;
    }

    #[test]
    fn ron_like_text_never_panics(source in "[(){}\\[\\],:\"'/*#!r a-zA-Z0-9_.\\-\\\\\n]{0,300}") {
        check_result(&source)?;
    }

    #[test]
    fn mutations_of_the_full_example_never_panic(edits in prop::collection::vec(edit(), 1..4)) {
        let mut source = FULL.to_string();
        for e in &edits {
            source = apply(&source, e);
        }
        check_result(&source)?;
    }

    #[test]
    fn quantity_parsing_never_panics(text in "\\PC{0,30}") {
        let _ = parse_quantity(&text);
        let _ = parse_cpu(&text);
    }

    #[test]
    fn gibibytes_are_exact(n in 0u64..=(u64::MAX >> 30)) {
        // Past 2^63 - 1 bytes, the API server caps a binary-suffixed quantity.
        prop_assert_eq!(parse_quantity(&format!("{n}Gi")), Ok((n << 30).min(i64::MAX as u64)));
    }
}

#[test]
fn the_full_example_is_valid() {
    assert!(parse_scenario(FULL, "full.ron").is_ok());
}
