//! Overrides: a value of a scenario replaced by its path, in the text,
//! before the text is parsed (`stsim sweep --vary`, `stsim run --set`).
//!
//! Owns finding the value (or the struct a missing field goes in) through
//! the locator and splicing the new text in, so that the result is parsed
//! and validated like any scenario and a bad value gets the usual located
//! error. A path names a value as error messages do
//! (`statefulsets[0].replicas`, `cluster.nodeFailures.meanTimeToRepair`);
//! a path that is no top-level field of a scenario applies to every
//! StatefulSet (`replicas`, `podManagementPolicy`). A value must be one
//! RON value (a bare word for a string is quoted), so that it can change
//! nothing but its own place; otherwise it is not parsed or validated here.

use crate::locate::{Key, Locator, Tok, format_path, parse_path, tokenize};

/// The top-level fields of a scenario (`raw::Scenario`, camelCase).
const TOP_LEVEL: &[&str] = &[
    "name",
    "description",
    "seed",
    "duration",
    "namespace",
    "clusterDomain",
    "dns",
    "cluster",
    "images",
    "services",
    "statefulsets",
    "podDisruptionBudgets",
    "timeline",
    "timings",
    "kubernetesVersion",
    "featureGates",
    "expect",
    "operators",
    "manifests",
    "tags",
    "mirrors",
    "lesson",
    "quiz",
    "hint",
    "customResourceDefinitions",
    "persistentVolumes",
    "persistentVolumeClaims",
    "customResources",
];

/// Whether a string token (`"..."`, `r#"..."#`, `b"..."`) ends with its
/// closing quote and as many `#` as it opened with.
fn string_closed(text: &str) -> bool {
    let body = text.trim_start_matches(['b', 'r']);
    let hashes = body.len() - body.trim_start_matches('#').len();
    let body = &body[hashes..];
    let raw = text.trim_start_matches('b').starts_with('r');
    // In a plain string, a quote after an odd run of backslashes is escaped.
    let escaped = !raw
        && body.len() >= 2
        && (body[..body.len() - 1].len() - body[..body.len() - 1].trim_end_matches('\\').len()) % 2 == 1;
    body.len() >= 2 + hashes && body.ends_with(&format!("\"{}", "#".repeat(hashes))) && !escaped
}

/// Refuses a `value` that is not one RON value and nothing more: text that
/// would close its place and open others (`1), (name: "x"`), add fields
/// (`3, podManagementPolicy: Parallel`) or comment out the rest of its
/// line (`3 //`).
fn one_value(value: &str) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("`{value}` is not one value: {why}"));
    let tokens = tokenize(value);
    // Anything between tokens but whitespace is a comment.
    let mut at = 0;
    for token in &tokens {
        if !value[at..token.start].trim().is_empty() {
            return refuse("a value cannot hold a comment");
        }
        at = token.end;
    }
    if !value[at..].trim().is_empty() {
        return refuse("a value cannot hold a comment");
    }
    let mut open: Vec<char> = Vec::new();
    // Whether a whole value has been read, and whether it was a name
    // (which a `(` may follow: `Some(3)`, `Parallel`, `(a: 1)`).
    let (mut whole, mut named, mut signed) = (false, false, false);
    for token in &tokens {
        let text = &value[token.start..token.end];
        match token.kind {
            Tok::Punct(c @ ('(' | '[' | '{')) => {
                if open.is_empty() && whole && !(named && c == '(') {
                    return refuse(&format!("`{text}` after the value"));
                }
                open.push(match c {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                });
            }
            Tok::Punct(c @ (')' | ']' | '}')) => {
                if open.pop() != Some(c) {
                    return refuse(&format!("`{c}` closes nothing it opened"));
                }
                if open.is_empty() {
                    (whole, named, signed) = (true, false, false);
                }
            }
            _ if !open.is_empty() => {}
            Tok::Punct('-' | '+') if !whole && !signed => signed = true,
            Tok::Str if !string_closed(text) => return refuse("the string is not closed"),
            Tok::Ident | Tok::Str | Tok::Number | Tok::Char if !whole => {
                (whole, named, signed) = (true, token.kind == Tok::Ident, false);
            }
            _ => {
                return refuse(&format!(
                    "`{text}` after the value (one value per path; repeat the option for another)"
                ));
            }
        }
    }
    if let Some(close) = open.last() {
        return refuse(&format!("`{close}` is missing"));
    }
    if !whole {
        return refuse("there is no value");
    }
    Ok(())
}

/// The scenario text with the value at `path` replaced by `value` (RON
/// text; a bare word where the scenario has a string is quoted). A missing
/// last field is added to its struct. Errors say what was not found.
pub fn set(source: &str, path: &str, value: &str) -> Result<String, String> {
    let keys = parse_path(path);
    let Some(Key::Field(first)) = keys.first() else {
        return Err(format!("`{path}` is not a path to a scenario value (like `statefulsets[0].replicas`)"));
    };
    // `a..b`, `.a`, `a.`: a name left out, which the path's reading would
    // otherwise skip (`cluster..zones` as `cluster.zones`).
    if path.starts_with('.') || path.ends_with('.') || path.contains("..") || path.contains(".[") {
        return Err(format!("`{path}` leaves a name out between its dots (like `cluster.zones`)"));
    }
    // `[-1]`: read as a map key, which no list has; said as an index.
    if let Some(Key::Field(index)) =
        keys.iter().find(|k| matches!(k, Key::Field(f) if f.trim().parse::<i64>().is_ok()))
    {
        return Err(format!(
            "`{path}`: `[{}]` is no index: a list's first element is `[0]`, and an index counts up from there \
             (no negative index counts from the end)",
            index.trim()
        ));
    }
    if TOP_LEVEL.contains(&first.as_str()) {
        return set_one(source, &keys, value);
    }
    // A StatefulSet field, for every StatefulSet of the scenario as written.
    let locator = Locator::new(source);
    let sets =
        (0..).take_while(|index| locator.exact_span(&format!("statefulsets[{index}]")).is_some()).count();
    let mut text = source.to_string();
    for index in 0..sets {
        let mut full = vec![Key::Field("statefulsets".into()), Key::Index(index)];
        full.extend(keys.iter().cloned());
        text = set_one(&text, &full, value)?;
    }
    if sets == 0 {
        return Err(format!(
            "`{path}` is no top-level field of a scenario, and the scenario has no StatefulSet to set it in"
        ));
    }
    Ok(text)
}

/// Whether `path` names a StatefulSet's field (`replicas`,
/// `statefulsets[1].replicas`) that the scenario's text does not hold
/// because its StatefulSets come from the manifests it lists: a value
/// there is set in the manifests, not in the scenario.
pub fn in_manifests(source: &str, path: &str) -> bool {
    let keys = parse_path(path);
    let index = match keys.as_slice() {
        [Key::Field(first), Key::Index(index), ..] if first == "statefulsets" => *index,
        [Key::Field(first), ..] if !TOP_LEVEL.contains(&first.as_str()) => 0,
        _ => return false,
    };
    let locator = Locator::new(source);
    locator.exact_span("manifests[0]").is_some()
        && locator.exact_span(&format!("statefulsets[{index}]")).is_none()
}

fn set_one(source: &str, keys: &[Key], value: &str) -> Result<String, String> {
    let locator = Locator::new(source);
    let path = format_path(keys);
    if let Some((start, end, string)) = locator.exact_span(&path) {
        // A value already quoted (a string, or a raw string `r"..."`,
        // `r#"..."#`) is kept; any other, `redis:9` too, is quoted.
        let trimmed = value.trim_start();
        let literal = trimmed.starts_with('"') || trimmed.starts_with("r\"") || trimmed.starts_with("r#");
        let quoted = string && !literal;
        let value = if quoted {
            format!("{value:?}")
        } else {
            one_value(value)?;
            value.to_string()
        };
        return Ok(format!("{}{value}{}", &source[..start], &source[end..]));
    }
    one_value(value)?;
    // A missing field: add it at the start of its struct.
    let (Some(Key::Field(field)), parent) = (keys.last(), &keys[..keys.len() - 1]) else {
        return Err(format!("the scenario has no `{path}`"));
    };
    // The nearest enclosing struct the file has; sections missing below it
    // are written in as structs of their own, so that the parser judges
    // their names (a misspelt one is an unknown field, with the expected
    // names) and what else they need, with its usual located errors.
    let mut depth = parent.len();
    let mut value = format!("{field}: {value}");
    let (start, end, parent_path) = loop {
        let path = format_path(&keys[..depth]);
        if let Some((start, end, _)) = locator.exact_span(&path) {
            break (start, end, path);
        }
        match keys[..depth].last() {
            Some(Key::Field(section)) if section.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                value = format!("{section}: ({value})");
                depth -= 1;
            }
            _ => {
                return Err(format!(
                    "the scenario has no `{}` to set `{}` in",
                    if path.is_empty() { "Scenario(...)" } else { &path },
                    format_path(&keys[depth..])
                ));
            }
        }
    };
    let field = format_path(&keys[depth..]);
    // The struct's `(`: the value's first token, or the one after its name.
    let mut at = start;
    let open = loop {
        match locator.token_at_or_after(at) {
            Some(token) if token.start < end && token.kind == Tok::Punct('(') => break Some(token.end),
            Some(token) if token.start < end && token.kind == Tok::Ident => at = token.end,
            _ => break None,
        }
    };
    let Some(open) = open else {
        return Err(format!("`{parent_path}` is not a struct `(...)`, so `{field}` cannot be set in it"));
    };
    Ok(format!("{}{value}, {}", &source[..open], &source[open..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"Scenario(
    name: "x",
    duration: "1h",
    statefulsets: [
        (name: "a", replicas: 3, template: (image: "redis")),
        (name: "b", replicas: 1, podManagementPolicy: OrderedReady),
    ],
)"#;

    #[test]
    fn replaces_a_value_by_its_path() {
        let text = set(SOURCE, "statefulsets[1].replicas", "5").unwrap();
        assert!(text.contains(r#"(name: "b", replicas: 5,"#), "{text}");
        assert!(text.contains(r#"(name: "a", replicas: 3,"#), "{text}");
    }

    #[test]
    fn a_bare_word_for_a_string_is_quoted() {
        let text = set(SOURCE, "duration", "30d").unwrap();
        assert!(text.contains(r#"duration: "30d","#), "{text}");
        // A word that starts with `r` is no raw string.
        let text = set(SOURCE, "statefulsets[0].template.image", "redis:9").unwrap();
        assert!(text.contains(r#"template: (image: "redis:9")"#), "{text}");
        let text = set(SOURCE, "statefulsets[0].template.image", r##"r#"redis:9"#"##).unwrap();
        assert!(text.contains(r##"template: (image: r#"redis:9"#)"##), "{text}");
    }

    #[test]
    fn a_statefulset_field_applies_to_every_set_and_is_added_where_missing() {
        let text = set(SOURCE, "podManagementPolicy", "Parallel").unwrap();
        assert!(text.contains(r#"(podManagementPolicy: Parallel, name: "a""#), "{text}");
        assert!(text.contains("podManagementPolicy: Parallel)"), "{text}");
        assert!(!text.contains("OrderedReady"), "{text}");
    }

    #[test]
    fn a_missing_field_goes_into_its_struct() {
        let text = set(SOURCE, "seed", "7").unwrap();
        assert!(text.starts_with("Scenario(seed: 7, "), "{text}");
    }

    /// A value is one value: it cannot close its place and open another
    /// (which, for a path every StatefulSet takes, once added a set at each
    /// pass and never ended), add a field, or comment out the rest.
    #[test]
    fn a_value_is_one_value_and_nothing_more() {
        for bad in [
            "1), (",
            "5), (name: \"e\", replicas: 2",
            "3, podManagementPolicy: Parallel",
            "3 // the rest",
            "3 /* x */",
            "(a: 1",
            "[1)",
            "\"open",
            "\"open\\\"",
            "Some(3) 4",
            "-",
            "",
        ] {
            for path in ["replicas", "statefulsets[0].replicas", "seed", "cluster"] {
                let error = set(SOURCE, path, bad).expect_err(bad);
                assert!(error.contains("is not one value"), "{path}={bad}: {error}");
            }
        }
        for good in
            ["5", "-3", "Parallel", "Some(3)", "(a: [1, (b: 2)], c: {\"k\": \"v\"})", "\"a, b\"", "r#\"x\"#"]
        {
            set(SOURCE, "statefulsets[0].replicas", good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        // A bare word for a string is quoted whatever it holds.
        let text = set(SOURCE, "duration", "1h), (").unwrap();
        assert!(text.contains(r#"duration: "1h), (","#), "{text}");
    }

    /// Every top-level field of the format is set in the scenario, not in
    /// each StatefulSet.
    #[test]
    fn the_top_level_fields_are_the_formats() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::raw::Scenario)).unwrap();
        let mut fields: Vec<&str> =
            schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut listed = TOP_LEVEL.to_vec();
        fields.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, fields);
    }

    #[test]
    fn a_missing_section_is_written_in_for_the_parser_to_judge() {
        let text = set(SOURCE, "cluster.nodeFailures.meanTimeToRepair", "\"1h\"").unwrap();
        assert!(text.starts_with("Scenario(cluster: (nodeFailures: (meanTimeToRepair: \"1h\")), "), "{text}");
        let text = set(&text, "cluster.nodeFailures.mix.reboot", "2").unwrap();
        assert!(text.contains("nodeFailures: (mix: (reboot: 2), meanTimeToRepair"), "{text}");
        let text = set("Scenario(name: \"x\")", "cluster.nodeFailurez.meanTimeToRepair", "\"1h\"").unwrap();
        assert!(text.starts_with("Scenario(cluster: (nodeFailurez: (meanTimeToRepair: \"1h\")), "), "{text}");
        let error = set("Scenario(name: \"x\")", "replicas", "3").unwrap_err();
        assert!(error.contains("no StatefulSet"), "{error}");
        let error = set(SOURCE, "statefulsets[7].replicas", "3").unwrap_err();
        assert!(error.contains("no `statefulsets[7]`"), "{error}");
    }
}
