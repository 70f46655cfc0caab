//! stsim-scenario: the scenario file format, from RON text to a validated
//! `stsim_core::config::Config`, with errors that say where and why.
//!
//! Owns the entry point, `parse_scenario`, and the translation of ron's
//! errors (syntax, unknown fields, wrong types, unknown enum variants) into
//! located `Diagnostic`s. A RON error stops parsing at the first one; once
//! the file has the right shape, `validate` reports every semantic problem.
//! Does not own the engine or any I/O: callers read the file and print the
//! diagnostics (`Diagnostic::render`).
//!
//! The format is documented in `docs/scenario-format.md`.

mod diagnostic;
pub mod limits;
mod locate;
mod manifest;
pub mod overrides;
mod quantity;
mod raw;
pub mod teaching;
mod validate;
mod yaml;

pub use diagnostic::{Diagnostic, is_printable, printable};
pub use limits::Limits;
pub use quantity::{parse_cpu, parse_quantity};
/// "Did you mean": the closest of some names to a mistyped one.
pub use validate::{edit_distance, suggest};

use locate::{Locator, Tok, Token};
use ron::error::{Error, SpannedError};
use stsim_core::config::Config;

pub use manifest::export;
pub use manifest::story::STORIES;
pub use manifest::template::read_pod_template;

/// Reads a scenario. `file` is only used to label diagnostics.
///
/// On failure returns at least one diagnostic: the first RON error if the
/// text is not a well-formed scenario, or else every validation error,
/// sorted by line and column. Never panics. A scenario that lists
/// `manifests` needs `parse_scenario_with`, which can read them.
pub fn parse_scenario(source: &str, file: &str) -> Result<Config, Vec<Diagnostic>> {
    let mut no_files = |_: &str| Err("this reader reads no files".to_string());
    parse_scenario_with(source, file, &mut no_files).map(|loaded| loaded.config)
}

/// The JSON Schema of the scenario format, generated from the raw types
/// (shipped as `docs/scenario.schema.json`).
pub fn scenario_schema() -> String {
    let schema = schemars::schema_for!(raw::Scenario);
    // A schema is plain JSON values, which always serialize; `{}` if not.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// A validated scenario, and the one warning about what its manifests hold
/// that the model does not use (if anything).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warning: Option<String>,
}

/// Reads a file named in a scenario: from its name as written, the label to
/// put in diagnostics and the text, or why it cannot be read.
pub type ReadFile<'r> = dyn FnMut(&str) -> Result<(String, String), String> + 'r;

/// Reads a scenario whose `manifests` are read with `read`, within the
/// default limits. Diagnostics about a manifest name that manifest's file
/// (its label from `read`).
pub fn parse_scenario_with(
    source: &str,
    file: &str,
    read: &mut ReadFile<'_>,
) -> Result<Loaded, Vec<Diagnostic>> {
    parse_scenario_within(source, file, read, &Limits::DEFAULT)
}

/// [`parse_scenario_with`] within `limits` (`Limits::LARGE` for
/// `--allow-large`). A file beyond a limit of its size, strings or lists is
/// refused before it is parsed; other limits are checked with the rest of
/// validation.
pub fn parse_scenario_within(
    source: &str,
    file: &str,
    read: &mut ReadFile<'_>,
    limits: &Limits,
) -> Result<Loaded, Vec<Diagnostic>> {
    if let Some(diagnostic) = input_too_large(source, file, limits) {
        return Err(vec![diagnostic]);
    }
    // A byte-order mark (as editors on Windows write) is no character of
    // the text: lines and columns count from what follows it.
    let text = without_bom(source);
    let locator = Locator::new(text);
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let over = validate::over_limits(&locator, file, limits);
    if !over.is_empty() {
        return Err(over);
    }
    let mut scenario = match options.from_str::<raw::Scenario>(text) {
        Ok(scenario) => scenario,
        Err(error) => return Err(vec![ron_diagnostic(&error, &locator, file)]),
    };
    let Some(names) = scenario.manifests.clone() else {
        return validate::validate(&scenario, &locator, file, limits)
            .map(|(config, _)| Loaded { config, warning: None });
    };
    let base = manifest::Base::of(&scenario);
    // The scenario's namespace is where its manifests' objects that name
    // none go, as `kubectl apply -n` would put them.
    let mut collected =
        manifest::Collected { apply_namespace: scenario.namespace.clone(), ..manifest::Collected::default() };
    for (i, name) in names.iter().enumerate() {
        match read(name) {
            Ok((label, source)) => manifest::read_file(&source, &label, base, &mut collected),
            Err(why) => {
                let place = locator.find(&format!("manifests[{i}]"));
                collected.errors.push(Diagnostic {
                    code: "unreadable-manifest",
                    message: format!("manifests[{i}]: cannot read {name:?}: {why}"),
                    file: file.to_string(),
                    line: place.line,
                    column: place.column,
                    length: place.length,
                    help: Some("manifest paths are relative to the scenario file".to_string()),
                });
            }
        }
    }
    manifest::finish(&mut collected, base);
    manifest::settle(&mut collected, scenario.release());
    if let (Some(own), Some((theirs, loc))) = (&scenario.namespace, &collected.namespace)
        && own != theirs
    {
        collected.errors.push(Diagnostic {
            code: "invalid-value",
            message: format!(
                "{}: {}: {theirs:?} is not the scenario's namespace {own:?}",
                loc.object, loc.path
            ),
            file: loc.file.clone(),
            line: loc.place.line,
            column: loc.place.column,
            length: loc.place.length,
            help: Some("stsim simulates one namespace".to_string()),
        });
    }
    if !collected.errors.is_empty() {
        return Err(collected.errors);
    }
    merge(&mut scenario, &collected);
    let layered =
        manifest::Layered { base: Some(&locator), spans: &collected.spans, fallback_file: file.to_string() };
    let (config, deferred) = validate::validate(&scenario, &layered, file, limits)?;
    collected.deferred.extend(deferred);
    dropped_by_release(&config, &mut collected);
    Ok(Loaded { config, warning: manifest::warning(&collected) })
}

/// What the release's API server drops from the objects as it stores them,
/// said rather than left silent: a rollout's `maxUnavailable` without
/// `MaxUnavailableStatefulSet` (`dropStatefulSetDisabledFields` in
/// pkg/registry/apps/statefulset/strategy.go).
fn dropped_by_release(config: &Config, collected: &mut manifest::Collected) {
    if config.features.max_unavailable_statefulset {
        return;
    }
    for set in &config.statefulsets {
        if let stsim_core::config::UpdateStrategy::RollingUpdate { max_unavailable: Some(max), .. } =
            set.spec.update_strategy
        {
            collected.notes.push(format!(
                "StatefulSet {:?}: Kubernetes {} drops updateStrategy.rollingUpdate.maxUnavailable ({max}) as it stores the set (MaxUnavailableStatefulSet is off there), so a rollout replaces one pod at a time; the gate is on by default in 1.35.0 to 1.35.3 and from 1.37",
                set.name, config.kubernetes
            ));
        }
    }
}

/// Appends what the manifests hold to the scenario's own objects.
fn merge(scenario: &mut raw::Scenario, collected: &manifest::Collected) {
    scenario.services.get_or_insert_default().extend(collected.services.iter().cloned());
    scenario.statefulsets.get_or_insert_default().extend(collected.statefulsets.iter().cloned());
    scenario
        .pod_disruption_budgets
        .get_or_insert_default()
        .extend(collected.pod_disruption_budgets.iter().cloned());
    if !collected.persistent_volumes.is_empty() {
        scenario
            .persistent_volumes
            .get_or_insert_default()
            .extend(collected.persistent_volumes.iter().cloned());
    }
    if !collected.persistent_volume_claims.is_empty() {
        scenario
            .persistent_volume_claims
            .get_or_insert_default()
            .extend(collected.persistent_volume_claims.iter().cloned());
    }
    if scenario.namespace.is_none() {
        scenario.namespace = collected.namespace.as_ref().map(|(n, _)| n.clone());
    }
    if !collected.storage_classes.is_empty() || !collected.node_pools.is_empty() {
        let cluster = scenario.cluster.get_or_insert(raw::Cluster {
            zones: None,
            node_failures: None,
            zone_outages: None,
            domain_outages: None,
            node_pools: None,
            storage_classes: None,
        });
        if !collected.storage_classes.is_empty() {
            cluster.storage_classes.get_or_insert_default().extend(collected.storage_classes.iter().cloned());
        }
        if !collected.node_pools.is_empty() {
            cluster.node_pools.get_or_insert_default().extend(collected.node_pools.iter().cloned());
            let zones = cluster.zones.get_or_insert_default();
            for zone in &collected.zones {
                if !zones.contains(zone) {
                    zones.push(zone.clone());
                }
            }
        }
    }
}

/// A RON scenario around manifests: `story`'s cluster and timeline, with
/// `manifests` (the names to write in the file) in place of their objects.
/// `files` are the manifests' (label, text), read to check them and to size the story.
pub fn import_manifests(
    files: &[(String, String)],
    manifests: &[String],
    story: &str,
    namespace: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let mut collected = applied(namespace);
    for (label, source) in files {
        manifest::read_file(source, label, manifest::Base::default(), &mut collected);
    }
    manifest::finish(&mut collected, manifest::Base::default());
    // The same checks as simulating them.
    parse_manifests_within(files, story, namespace, &Limits::DEFAULT)?;
    let name = collected.statefulsets.first().map_or_else(|| "manifests".to_string(), |s| s.name.clone());
    let Some((scenario, _)) = manifest::story::build(story, &collected, &name) else {
        // `parse_manifests` above refused an unknown story already.
        return parse_manifests_within(files, story, namespace, &Limits::DEFAULT).map(|_| String::new());
    };
    Ok(manifest::story::ron(&scenario, &collected, manifests, story))
}

/// Simulates manifests on their own: `story` (one of `STORIES`) supplies the
/// cluster and the timeline. `files` are (label, text) pairs.
pub fn parse_manifests(files: &[(String, String)], story: &str) -> Result<Loaded, Vec<Diagnostic>> {
    parse_manifests_within(files, story, None, &Limits::DEFAULT)
}

/// What the manifests are read into, applied as `kubectl apply -n
/// NAMESPACE` (or without `-n`) would apply them.
fn applied(namespace: Option<&str>) -> manifest::Collected {
    manifest::Collected {
        apply_namespace: namespace.map(str::to_string),
        enforce_namespace: namespace.is_some(),
        ..manifest::Collected::default()
    }
}

/// [`parse_manifests`] within `limits`: each file's size, then the scenario
/// the story builds, as a RON scenario's. `namespace` is `kubectl apply`'s
/// `-n`: where objects that name no namespace go (else `default`), and the
/// only namespace an object may name.
pub fn parse_manifests_within(
    files: &[(String, String)],
    story: &str,
    namespace: Option<&str>,
    limits: &Limits,
) -> Result<Loaded, Vec<Diagnostic>> {
    let too_large: Vec<Diagnostic> =
        files.iter().filter_map(|(label, source)| input_too_large(source, label, limits)).collect();
    if !too_large.is_empty() {
        return Err(too_large);
    }
    let mut collected = applied(namespace);
    for (label, source) in files {
        manifest::read_file(source, label, manifest::Base::default(), &mut collected);
    }
    manifest::finish(&mut collected, manifest::Base::default());
    // Manifests on their own run under the default release (a story names none).
    manifest::settle(&mut collected, stsim_core::features::Version::DEFAULT);
    let first = files.first().map_or_else(String::new, |f| f.0.clone());
    if collected.errors.is_empty() && collected.statefulsets.is_empty() {
        let help = "stsim simulates StatefulSets; give a file with `kind: StatefulSet` (apiVersion apps/v1)";
        collected.errors.push(Diagnostic {
            code: "no-statefulset",
            message: "no StatefulSet in the manifests".to_string(),
            file: first.clone(),
            line: 1,
            column: 1,
            length: 1,
            help: Some(help.to_string()),
        });
    }
    if !collected.errors.is_empty() {
        return Err(validate::at_most_shown(collected.errors));
    }
    let name = collected.statefulsets.first().map_or_else(|| "manifests".to_string(), |s| s.name.clone());
    let Some((scenario, notes)) = manifest::story::build(story, &collected, &name) else {
        let names: Vec<&str> = STORIES.iter().map(|(n, _)| *n).collect();
        return Err(vec![Diagnostic {
            code: "unknown-story",
            message: format!("no story named {story:?}"),
            file: first,
            line: 1,
            column: 1,
            length: 1,
            help: Some(format!("the stories are: {}", names.join(", "))),
        }]);
    };
    collected.notes.extend(notes);
    // One note per missing Service, naming the sets that name it (a
    // namespace's dump can hold hundreds).
    let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
    for set in &collected.statefulsets {
        let service = set.service_name.as_str();
        if service.is_empty() || collected.services.iter().any(|s| s.name == service) {
            continue;
        }
        match missing.iter_mut().find(|(name, _)| *name == service) {
            Some((_, sets)) => sets.push(&set.name),
            None => missing.push((service, vec![&set.name])),
        }
    }
    for (service, sets) in missing {
        // A Service read but left out (`services_left_out`) is there, but
        // gives the pods no records either.
        let left_out = collected.services_left_out.iter().rev().find(|(name, _)| name == service);
        let what = left_out.map_or("which the manifests do not define", |(_, why)| *why);
        let which = if left_out.is_some() { "which " } else { "" };
        let note = match sets.as_slice() {
            [set] => {
                format!(
                    "StatefulSet {set:?} names the service {service:?}, {which}{what}: its pods get no DNS names"
                )
            }
            _ => format!(
                "StatefulSets {} name the service {service:?}, {which}{what}: their pods get no DNS names",
                quoted_list(&sets)
            ),
        };
        collected.notes.push(note);
    }
    // A PriorityClass is a cluster object the manifests may not carry: one
    // a set names that they do not define is taken to be in the cluster,
    // and said, since without it the Priority admission plugin refuses
    // every pod (`no PriorityClass with name X was found`).
    let mut classes: Vec<(&str, Vec<&str>)> = Vec::new();
    for set in &collected.statefulsets {
        let Some(class) = set.template.priority_class_name.as_deref().filter(|c| !c.is_empty()) else {
            continue;
        };
        let defined = format!("PriorityClass {class:?}");
        if stsim_core::config::CRITICAL_PRIORITY_CLASSES.contains(&class)
            || collected.skipped.iter().any(|s| s.object == defined)
        {
            continue;
        }
        match classes.iter_mut().find(|(name, _)| *name == class) {
            Some((_, sets)) => sets.push(&set.name),
            None => classes.push((class, vec![&set.name])),
        }
    }
    for (class, sets) in classes {
        let who = match sets.as_slice() {
            [set] => format!("StatefulSet {set:?} names"),
            _ => format!("StatefulSets {} name", quoted_list(&sets)),
        };
        collected.notes.push(format!(
            "{who} the PriorityClass {class:?}, which the manifests do not define: stsim takes the cluster to \
             have it (without it, the Priority admission plugin refuses each pod: no PriorityClass with name \
             {class} was found)"
        ));
    }
    let layered = manifest::Layered { base: None, spans: &collected.spans, fallback_file: first.clone() };
    let (config, deferred) = validate::validate(&scenario, &layered, &first, limits)?;
    collected.deferred.extend(deferred);
    dropped_by_release(&config, &mut collected);
    Ok(Loaded { config, warning: manifest::warning(&collected) })
}

/// `"a"`, `"b"` and `"c"`; past five names, the first three and how many more.
fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [shown @ .., last] if quoted.len() <= 5 => format!("{} and {last}", shown.join(", ")),
        _ => format!("{} and {} more", quoted[..3].join(", "), quoted.len() - 3),
    }
}

/// `source` without the byte-order mark it may start with: the mark is no
/// character of the text, so lines and columns count from what follows
/// (and `Diagnostic::render` drops it too).
pub(crate) fn without_bom(source: &str) -> &str {
    source.strip_prefix('\u{feff}').unwrap_or(source)
}

/// The whole input is larger than the limit.
fn input_too_large(source: &str, file: &str, limits: &Limits) -> Option<Diagnostic> {
    let size = source.len() as u64;
    (size > limits.input_bytes).then(|| Diagnostic {
        code: "limit",
        message: format!(
            "the file is {size} bytes long, more than the {} bytes a scenario may be",
            limits.input_bytes
        ),
        file: file.to_string(),
        line: 1,
        column: 1,
        length: 1,
        help: Some(limits.help().to_string()),
    })
}

/// Reads a scenario's teaching metadata (`tags`, `mirrors`, `lesson`,
/// `quiz`, `hint`); the rest of the file must be well-formed too.
pub fn parse_teaching(source: &str, file: &str) -> Result<teaching::Teaching, Vec<Diagnostic>> {
    let text = without_bom(source);
    let locator = Locator::new(text);
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    match options.from_str::<raw::Scenario>(text) {
        Ok(scenario) => validate::teaching(&scenario, &locator, file),
        Err(error) => Err(vec![ron_diagnostic(&error, &locator, file)]),
    }
}

/// How a token reads in "found ..." messages.
fn describe(locator: &Locator<'_>, token: Option<Token>) -> String {
    let Some(token) = token else {
        return "the end of the file".to_string();
    };
    let text: String = locator.text_of(token).chars().take(40).collect();
    match token.kind {
        Tok::Str => format!("the string {text}"),
        Tok::Number => format!("the number `{text}`"),
        Tok::Char => format!("the character {text}"),
        Tok::Ident if text == "true" || text == "false" => format!("the boolean `{text}`"),
        Tok::Ident => format!("`{text}`"),
        Tok::Punct('(') => "a struct `(...)`".to_string(),
        Tok::Punct('[') => "a list `[...]`".to_string(),
        Tok::Punct('{') => "a map `{...}`".to_string(),
        Tok::Punct(_) | Tok::Other => format!("`{text}`"),
    }
}

/// `a`, `b` or `c`.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// What kind of value a type error expected, in words.
fn expected_kind(code: &Error) -> Option<String> {
    let text = match code {
        Error::ExpectedArray => "a list `[...]`",
        Error::ExpectedBoolean => "`true` or `false`",
        Error::ExpectedChar => "a character",
        Error::ExpectedFloat => "a number",
        Error::ExpectedInteger => "a whole number",
        Error::ExpectedOption => "an optional value",
        Error::ExpectedMap => "a map `{...}`",
        Error::ExpectedStructLike => "`(` and the fields of a struct",
        Error::ExpectedUnit => "`()`",
        Error::ExpectedString => "a string in double quotes",
        Error::ExpectedByteString => "a byte string",
        Error::ExpectedIdentifier => "a name",
        Error::ExpectedNamedStructLike("") => "`(` and the fields of a struct",
        Error::ExpectedNamedStructLike(name) => return Some(format!("`{name}(...)` or `(...)`")),
        Error::ExpectedStructName(name) => return Some(format!("`{name}(...)`")),
        Error::ExpectedDifferentStructName { expected, .. } => {
            return Some(format!("`{expected}(...)` or `(...)`"));
        }
        Error::InvalidValueForType { expected, .. } => return Some(expected.clone()),
        Error::ExpectedDifferentLength { expected, .. } => return Some(expected.clone()),
        _ => return None,
    };
    Some(text.to_string())
}

/// Turns ron's first error into a located diagnostic.
fn ron_diagnostic(error: &SpannedError, locator: &Locator<'_>, file: &str) -> Diagnostic {
    // ron's span starts before the whitespace it skipped, and for a missing
    // comma it may cover the previous value: use its end there.
    let at = match error.code {
        Error::ExpectedComma => &error.span.end,
        _ => &error.span.start,
    };
    let mut start = locator.offset_of(at.line, at.col);
    if locator.token_at(start).is_none() {
        start = locator.token_at_or_after(start).map_or(start, |next| next.start);
    }
    let token = locator.token_at(start);
    // A file cut short in the middle of a word reads as that word: `(nam`
    // is an unknown field `nam`, `Del` an unknown variant. Where the error
    // is at the file's last token and a bracket is still open, the end of
    // the file is what went wrong, and is said so.
    let end = locator.source().len();
    let last = locator.token_before(end);
    if !matches!(error.code, Error::Eof | Error::ExpectedStringEnd | Error::UnclosedBlockComment)
        && let (Some(last), Some((open_char, at))) = (last, locator.open_bracket_at(end))
        && token.is_some_and(|t| t.start == last.start)
    {
        let (line, column) = locator.line_col(last.start);
        let (open_line, open_column) = locator.line_col(at);
        return Diagnostic {
            code: "syntax",
            message: format!(
                "unexpected end of file after {} (is the file cut short?)",
                describe(locator, Some(last))
            ),
            file: file.to_string(),
            line,
            column,
            length: locator.token_length(last),
            help: Some(format!("the `{open_char}` at line {open_line}, column {open_column} is not closed")),
        };
    }
    let path = locator.path_at(start);
    let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
    // By default, underline the token at the error, or one character.
    let (mut line, mut column) = locator.line_col(start);
    let mut length = token.filter(|t| t.start == start).map_or(1, |t| locator.token_length(t));
    let mut help = None;
    let (code, message) = match &error.code {
        Error::NoSuchStructField { expected, found, outer } => {
            if let Some(close) = validate::suggest(found, expected) {
                help = Some(format!("did you mean `{close}`?"));
            }
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            let message =
                format!("{prefix}unknown field `{found}`{within}, expected one of {}", one_of(expected));
            ("unknown-field", message)
        }
        Error::NoSuchEnumVariant { expected, found, outer } => {
            if let Some(close) = validate::suggest(found, expected) {
                help = Some(format!("did you mean `{close}`?"));
            }
            let of = outer.as_ref().map_or(String::new(), |o| format!(" of {o}"));
            let message = format!("{prefix}unknown variant `{found}`{of}, expected {}", one_of(expected));
            ("unknown-variant", message)
        }
        Error::MissingStructField { field, outer } => {
            // ron points at the closing `)`; point at the struct instead.
            if let Some(place) = locator.place_of_value_at(start) {
                (line, column, length) = (place.line, place.column, place.length);
            }
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            help = Some(format!("add `{field}: ...` to this struct"));
            ("missing-field", format!("{prefix}missing field `{field}`{within}"))
        }
        Error::DuplicateStructField { field, outer } => {
            let within = outer.as_ref().map_or(String::new(), |o| format!(" in {o}"));
            help = Some("each field may be given once; remove one of them".to_string());
            ("duplicate-field", format!("{prefix}duplicate field `{field}`{within}"))
        }
        Error::IntegerOutOfBounds => {
            let text = token.map_or("", |t| locator.text_of(t));
            if let Some(t) = token {
                (line, column) = locator.line_col(t.start);
                length = locator.token_length(t);
            }
            let message = if text.starts_with('-') {
                format!("{prefix}Invalid value: {text}: must be greater than or equal to 0")
            } else {
                format!("{prefix}the number `{text}` is out of range")
            };
            ("invalid-value", message)
        }
        code @ Error::ExpectedStructLike
            if token.is_none_or(|t| matches!(t.kind, Tok::Punct(',' | ')' | ']' | '}')))
                && locator.token_before(start).is_some_and(|t| t.kind == Tok::Ident) =>
        {
            // A struct variant written without parentheses, like `RollingUpdate`.
            let mut prefix = prefix;
            if let Some(before) = locator.token_before(start) {
                (line, column) = locator.line_col(before.start);
                length = locator.token_length(before);
                let name = locator.text_of(before);
                help = Some(format!("write `{name}()` or give its fields, like `{name}(...)`"));
                let path = locator.path_at(before.start);
                prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
            }
            let what = expected_kind(code).unwrap_or_default();
            ("invalid-type", format!("{prefix}expected {what}"))
        }
        Error::ExpectedComma if token.is_some_and(|t| t.kind == Tok::Number && t.start < start) => {
            // ron read a whole number from the front of something like `1.5`.
            let number = token.map_or("", |t| locator.text_of(t));
            if let Some(t) = token {
                (line, column) = locator.line_col(t.start);
                length = locator.token_length(t);
            }
            ("invalid-type", format!("{prefix}expected a whole number, found the number `{number}`"))
        }
        code if expected_kind(code).is_some() => {
            let what = expected_kind(code).unwrap_or_default();
            let found = match code {
                Error::InvalidValueForType { found, .. } => found.clone(),
                Error::ExpectedDifferentStructName { found, .. } => format!("`{found}`"),
                _ => describe(locator, token),
            };
            ("invalid-type", format!("{prefix}expected {what}, found {found}"))
        }
        Error::ExpectedComma => {
            let open = locator.open_bracket_at(start);
            let close = open.map_or(')', |(c, _)| closer(c));
            let found_closer = token.is_some_and(|t| matches!(t.kind, Tok::Punct(')' | ']' | '}')));
            if found_closer || token.is_none() {
                if let Some((open_char, at)) = open {
                    let (open_line, open_column) = locator.line_col(at);
                    help = Some(format!(
                        "the `{open_char}` at line {open_line}, column {open_column} is not closed"
                    ));
                }
                let found = describe(locator, token);
                ("syntax", format!("expected `,` or `{close}`, found {found}"))
            } else {
                // Two values in a row: point just after the first one.
                let before = locator.token_before(start);
                if let Some(before) = before {
                    (line, column) = locator.line_col(before.end);
                    length = 1;
                }
                let unit_variant = before
                    .filter(|b| b.kind == Tok::Ident && token.is_some_and(|t| t.kind == Tok::Punct('(')));
                help = Some(match unit_variant {
                    Some(name) => format!("`{}` takes no parentheses", locator.text_of(name)),
                    None => "fields and list items are separated by commas".to_string(),
                });
                (
                    "syntax",
                    format!("expected `,` or `{close}` after this value, found {}", describe(locator, token)),
                )
            }
        }
        Error::Eof
        | Error::ExpectedArrayEnd
        | Error::ExpectedMapEnd
        | Error::ExpectedStructLikeEnd
        | Error::ExpectedOptionEnd => {
            if let Some((open_char, at)) = locator.open_bracket_at(start) {
                let (open_line, open_column) = locator.line_col(at);
                help = Some(format!(
                    "the `{open_char}` at line {open_line}, column {open_column} is not closed"
                ));
            }
            let message = match &error.code {
                Error::Eof => "unexpected end of file".to_string(),
                other => {
                    format!("{}, found {}", lowercase_first(&other.to_string()), describe(locator, token))
                }
            };
            ("syntax", message)
        }
        Error::ExpectedStringEnd => {
            help = Some("add the closing `\"`".to_string());
            ("syntax", "this string is not closed".to_string())
        }
        Error::UnclosedBlockComment => {
            // ron points inside the comment; point at its `/*`.
            if let Some(opening) = locator.source().get(..start.saturating_add(2)).and_then(|s| s.rfind("/*"))
            {
                (line, column) = locator.line_col(opening);
                length = 2;
            }
            help = Some("a `/*` comment ends with `*/`".to_string());
            ("syntax", "this block comment is not closed".to_string())
        }
        Error::TrailingCharacters => {
            help = Some("a scenario file holds one `Scenario(...)`; remove what follows it".to_string());
            ("syntax", format!("unexpected {} after the scenario", describe(locator, token)))
        }
        other => ("syntax", lowercase_first(&other.to_string())),
    };
    Diagnostic { code, message, file: file.to_string(), line, column, length: length.max(1), help }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
