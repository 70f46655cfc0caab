//! Overrides: a value of a scenario replaced by its path, in the text,
//! before the text is parsed (`stsim sweep --vary`, `stsim run --set`).
//!
//! Owns finding the value (or the struct a missing field goes in) through
//! the locator and splicing the new text in, so that the result is parsed
//! and validated like any scenario and a bad value gets the usual located
//! error. A path names a value as error messages do
//! (`statefulsets[0].replicas`, `cluster.nodeFailures.meanTimeToRepair`);
//! a path that is no top-level field of a scenario applies to every
//! StatefulSet (`replicas`, `podManagementPolicy`). Does not parse or
//! validate values itself.

use crate::locate::{Key, Locator, Tok, format_path, parse_path};

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
];

/// The scenario text with the value at `path` replaced by `value` (RON
/// text; a bare word where the scenario has a string is quoted). A missing
/// last field is added to its struct. Errors say what was not found.
pub fn set(source: &str, path: &str, value: &str) -> Result<String, String> {
    let keys = parse_path(path);
    let Some(Key::Field(first)) = keys.first() else {
        return Err(format!("`{path}` is not a path to a scenario value (like `statefulsets[0].replicas`)"));
    };
    if TOP_LEVEL.contains(&first.as_str()) {
        return set_one(source, &keys, value);
    }
    // A StatefulSet field, for every StatefulSet.
    let mut text = source.to_string();
    let mut index = 0;
    loop {
        let prefix = format!("statefulsets[{index}]");
        if Locator::new(&text).exact_span(&prefix).is_none() {
            break;
        }
        let mut full = vec![Key::Field("statefulsets".into()), Key::Index(index)];
        full.extend(keys.iter().cloned());
        text = set_one(&text, &full, value)?;
        index += 1;
    }
    if index == 0 {
        return Err(format!(
            "`{path}` is no top-level field of a scenario, and the scenario has no StatefulSet to set it in"
        ));
    }
    Ok(text)
}

fn set_one(source: &str, keys: &[Key], value: &str) -> Result<String, String> {
    let locator = Locator::new(source);
    let path = format_path(keys);
    if let Some((start, end, string)) = locator.exact_span(&path) {
        let quoted = string && !value.trim_start().starts_with(['"', 'r']);
        let value = if quoted { format!("{value:?}") } else { value.to_string() };
        return Ok(format!("{}{value}{}", &source[..start], &source[end..]));
    }
    // A missing field: add it at the start of its struct.
    let (Some(Key::Field(field)), parent) = (keys.last(), &keys[..keys.len() - 1]) else {
        return Err(format!("the scenario has no `{path}`"));
    };
    let parent_path = format_path(parent);
    let Some((start, end, _)) = locator.exact_span(&parent_path) else {
        return Err(format!(
            "the scenario has no `{}` to set `{field}` in; write that section first",
            if parent_path.is_empty() { "Scenario(...)" } else { &parent_path }
        ));
    };
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
    Ok(format!("{}{field}: {value}, {}", &source[..open], &source[open..]))
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

    #[test]
    fn a_missing_section_is_an_error() {
        let error = set(SOURCE, "cluster.nodeFailures.meanTimeToRepair", "\"1h\"").unwrap_err();
        assert!(error.contains("no `cluster.nodeFailures`"), "{error}");
        let error = set("Scenario(name: \"x\")", "replicas", "3").unwrap_err();
        assert!(error.contains("no StatefulSet"), "{error}");
    }
}
