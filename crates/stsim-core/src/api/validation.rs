//! The API server's validation of a pod it is asked to create, for the
//! checks a controller's create can fail although the object it was made
//! from passed: the values of the labels a controller adds, and the
//! hostname it sets (`ValidatePodCreate`: `ValidateObjectMeta`'s labels,
//! then `spec.hostname` as an RFC 1123 label), and the label values a
//! client writes on any object.
//!
//! A pod's images are checked as a template's are not
//! (`validateContainersOnlyForPod`, on create and update): none may start or
//! end with white space. Templates kept the old leniency for backward
//! compatibility (an image of `" "` was a placeholder some tools wrote), so
//! a StatefulSet with `image: " nginx"` is accepted and each of its pod
//! creates refused.
//!
//! A pod's volume mounts must each name one of its volumes
//! (`validateVolumeMounts`). Before 1.34 a StatefulSet's template is not
//! checked so (`ValidatePodTemplateSpecForStatefulSet` leaves the pod spec
//! out, as the controller adds a volume per claim template to each pod), so
//! a set whose mount names neither a volume of its template nor a claim
//! template is accepted and each of its pod creates refused; from 1.34 the
//! set's create and update are refused instead
//! ([`statefulset_template_refusal`]).
//!
//! The StatefulSet controller labels each pod `controller-revision-hash:
//! <set>-<hash>` (its ControllerRevision's name) and
//! `statefulset.kubernetes.io/pod-name: <pod>`, and sets its hostname to the
//! pod's name. The set's own name is checked only as a name, so a set
//! named with more than about 52 characters gets every pod create refused
//! (kubernetes/kubernetes#64023, still open).
//!
//! Owns the rules and the API server's words for them: label keys
//! (`IsQualifiedName`) and values (`IsValidLabelValue`) are also what the
//! scenario validator (stsim-scenario) checks a scenario's labels with, so a
//! label reads the same wherever it is refused. Does not decide what a
//! scenario may say, nor write anything.

use crate::config::{ExtraContainer, InitContainer, Labels};

/// The longest label value and RFC 1123 label (`validation.LabelValueMaxLength`,
/// `DNS1123LabelMaxLength`).
const MAX_LABEL: usize = 63;

const LABEL_VALUE_FORMAT: &str = "a valid label value must be an empty string or consist of alphanumeric \
     characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or \
     'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const QUALIFIED_NAME_FORMAT: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must \
     start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for \
     validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const DNS_SUBDOMAIN_FORMAT: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
     characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex \
     used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const DNS_LABEL_FORMAT: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters \
     or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used \
     for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// A pod's volumes and what its containers mount, by name.
pub struct Mounts<'p> {
    /// The pod's volumes: its template's and, for a StatefulSet's pod, one
    /// per claim template (the controller's `updateStorage`).
    pub volumes: &'p [String],
    /// What the first container mounts.
    pub first: &'p [String],
    pub extras: &'p [ExtraContainer],
    pub inits: &'p [InitContainer],
}

/// The field errors of a pod with these labels, mounts and hostname, in
/// the order the API server finds them (`ValidatePodCreate`: labels by key,
/// as the API server walks a map, whose order Go leaves open; then
/// `ValidatePodSpec`'s containers' and init containers' volume mounts, each
/// naming one of the pod's volumes, `validateVolumeMounts`; then the
/// hostname).
pub fn pod_errors(labels: &Labels, mounts: &Mounts<'_>, hostname: &str, subdomain: &str) -> Vec<String> {
    let mut errors = label_errors(labels);
    errors.extend(mount_errors(mounts));
    // `ValidatePodSpec`: both become DNS names, each an RFC 1123 label.
    for (field, value) in [("spec.hostname", hostname), ("spec.subdomain", subdomain)] {
        if !value.is_empty() {
            for detail in dns_label_errors(value) {
                errors.push(format!("{field}: Invalid value: {value:?}: {detail}"));
            }
        }
    }
    errors
}

/// The most an object's annotations may hold, keys and values together
/// (`TotalAnnotationSizeLimitB`, 256 KiB).
pub const ANNOTATIONS_MAX_BYTES: usize = 256 << 10;

/// What `ValidateAnnotations` says of annotations whose keys and values
/// together hold more than [`ANNOTATIONS_MAX_BYTES`] (`field.TooLong`).
pub const ANNOTATIONS_TOO_LONG: &str = "Too long: may not be more than 262144 bytes";

/// The problems of one annotation key (`ValidateAnnotations`: the rule of
/// a label key, `IsQualifiedName`, but checked once lower-cased, so
/// `Example.com/Name` is a valid annotation key and no valid label key).
pub fn annotation_key_errors(key: &str) -> Vec<String> {
    let lower = key.to_lowercase();
    if is_qualified_name(&lower) { Vec::new() } else { label_key_errors(&lower) }
}

/// Whether annotations hold more than [`ANNOTATIONS_MAX_BYTES`], keys and
/// values together, in bytes (`ValidateAnnotationsSize`).
pub fn annotations_too_long<'a>(annotations: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    let total = annotations.fold(0usize, |sum, (k, v)| sum.saturating_add(k.len()).saturating_add(v.len()));
    total > ANNOTATIONS_MAX_BYTES
}

/// The field errors of an object's annotations and finalizers
/// (`ValidateObjectMeta`: `ValidateAnnotations`, each key a qualified name
/// once lower-cased and all of them at most [`ANNOTATIONS_MAX_BYTES`];
/// `ValidateFinalizers`, each a qualified name), as the API server checks
/// them on every create and update. Labels are [`label_errors`].
pub fn annotation_and_finalizer_errors<'a>(
    annotations: impl Iterator<Item = (&'a str, &'a str)>,
    finalizers: &[String],
) -> Vec<String> {
    let mut errors = Vec::new();
    let mut total = 0usize;
    for (key, value) in annotations {
        total = total.saturating_add(key.len() + value.len());
        for detail in annotation_key_errors(key) {
            errors.push(format!("metadata.annotations: Invalid value: {key:?}: {detail}"));
        }
    }
    if total > ANNOTATIONS_MAX_BYTES {
        errors.push(format!("metadata.annotations: {ANNOTATIONS_TOO_LONG}"));
    }
    for finalizer in finalizers {
        for detail in label_key_errors(finalizer) {
            errors.push(format!("metadata.finalizers: Invalid value: {finalizer:?}: {detail}"));
        }
    }
    errors
}

/// What only a pod's spec shows of a StatefulSet's `template`, as the pod's
/// field errors (`spec.containers[0].volumeMounts[0].name: Not found:
/// "dta"`): its volumes (the template's, then one per claim template not
/// among them, as the controller's `updateStorage` adds them) and the
/// mounts naming none. Before 1.34 each pod's create meets them; from 1.34
/// the set's create does (`ValidatePodTemplateSpec` with the claim
/// templates' volumes, k/k PR #131790), under `spec.template.`. An image's
/// white space is not among them: `validateContainersOnlyForPod` checks it
/// in a pod, never in a template.
pub fn statefulset_pod_spec_errors(
    template: &crate::config::PodTemplate,
    claim_templates: &[&str],
) -> Vec<String> {
    let mut volumes = template.volumes.clone();
    for claim in claim_templates {
        if !volumes.iter().any(|v| v == claim) {
            volumes.push((*claim).to_string());
        }
    }
    let mounts = Mounts {
        volumes: &volumes,
        first: &template.volume_mounts,
        extras: &template.extra_containers,
        inits: &template.init_containers,
    };
    mount_errors(&mounts)
}

/// The API server's refusal of a StatefulSet `spec` for what only a pod's
/// spec shows of its template ([`statefulset_pod_spec_errors`], under
/// `spec.template.`), as `StatefulSet.apps "<name>" is invalid: ...`;
/// `None` if it is accepted. Only from 1.34 (k/k PR #131790); before, the
/// set is accepted and each pod create is refused instead.
///
/// On create `old` is `None`. On update it is the stored spec, and the
/// check ratchets: `ValidateStatefulSetUpdate` runs the same spec
/// validation as a create, but skips the pod template's when the stored set
/// already fails it (`StatefulSetValidationOptions.SkipValidatePodTemplateSpec`,
/// added with #131790; the claim templates' check ratchets the same way,
/// `SkipValidateVolumeClaimTemplates`, #132212), so a set stored before
/// the check may still be updated, while a valid one may not become
/// invalid. The claim templates are immutable, so `spec`'s are `old`'s.
pub fn statefulset_template_refusal(
    version: crate::features::Version,
    name: &str,
    spec: &crate::config::StatefulSetSpec,
    old: Option<&crate::config::StatefulSetSpec>,
) -> Option<String> {
    if !version.validates_statefulset_pod_template() {
        return None;
    }
    let errors_of = |spec: &crate::config::StatefulSetSpec| {
        let claims: Vec<&str> = spec.volume_claim_templates.iter().map(|c| c.name.as_str()).collect();
        statefulset_pod_spec_errors(&spec.template, &claims)
    };
    if old.is_some_and(|old| !errors_of(old).is_empty()) {
        return None;
    }
    let errors: Vec<String> = errors_of(spec).iter().map(|e| format!("spec.template.{e}")).collect();
    (!errors.is_empty()).then(|| invalid("StatefulSet.apps", name, &errors))
}

/// The pod's volumes' names (`ValidateVolumes`: each a DNS label, once),
/// then each volume mount naming no volume of the pod
/// (`spec.containers[0].volumeMounts[0].name: Not found: "dta"`).
fn mount_errors(mounts: &Mounts<'_>) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, name) in mounts.volumes.iter().enumerate() {
        let path = format!("spec.volumes[{i}].name");
        if name.is_empty() {
            errors.push(format!("{path}: Required value"));
        } else {
            for detail in dns_label_errors(name) {
                errors.push(format!("{path}: Invalid value: {}: {detail}", go_quoted(name)));
            }
        }
        if mounts.volumes[..i].contains(name) {
            errors.push(format!("{path}: Duplicate value: {}", go_quoted(name)));
        }
    }
    let containers =
        std::iter::once(mounts.first).chain(mounts.extras.iter().map(|c| c.volume_mounts.as_slice()));
    let containers = containers.enumerate().map(|(i, names)| ("containers", i, names));
    let inits =
        mounts.inits.iter().enumerate().map(|(i, c)| ("initContainers", i, c.volume_mounts.as_slice()));
    for (list, i, names) in containers.chain(inits) {
        for (j, name) in names.iter().enumerate() {
            let path = format!("spec.{list}[{i}].volumeMounts[{j}].name");
            // An empty name is both required and found nowhere.
            if name.is_empty() {
                errors.push(format!("{path}: Required value"));
            }
            if !mounts.volumes.contains(name) {
                errors.push(format!("{path}: Not found: {}", go_quoted(name)));
            }
        }
    }
    errors
}

/// The field errors of a pod's images, in the API server's order: its
/// containers (`spec.containers[0]` the first, then the others), then its
/// init containers, sidecars among them (`validateContainersOnlyForPod`).
pub fn pod_image_errors(image: &str, extras: &[ExtraContainer], inits: &[InitContainer]) -> Vec<String> {
    let containers = std::iter::once(image).chain(extras.iter().map(|c| c.image.as_str()));
    let containers = containers.enumerate().map(|(i, image)| ("containers", i, image));
    let inits = inits.iter().enumerate().map(|(i, c)| ("initContainers", i, c.image.as_str()));
    // The path is written only for an image refused (a pod create checks
    // every image).
    (containers.chain(inits))
        .filter(|(_, _, image)| surrounded_by_white_space(image))
        .filter_map(|(list, i, image)| image_error(&format!("spec.{list}[{i}].image"), image))
        .collect()
}

fn surrounded_by_white_space(image: &str) -> bool {
    image.starts_with(char::is_whitespace) || image.ends_with(char::is_whitespace)
}

/// The error of one image of a pod at `path`, if it starts or ends with
/// white space (Go's `strings.TrimSpace`: Unicode's White_Space, as Rust's
/// `trim`).
pub fn image_error(path: &str, image: &str) -> Option<String> {
    surrounded_by_white_space(image).then(|| {
        format!("{path}: Invalid value: {}: must not have leading or trailing whitespace", go_quoted(image))
    })
}

/// A string as Go's `%q` writes it (`strconv.Quote`), as `field.Invalid`
/// shows a string value: printable characters as they are, `\t`, `\n` and
/// the like for those with a short escape, `\xHH` for other ASCII controls,
/// `\uHHHH` (or `\UHHHHHHHH`) for other characters Go does not print.
/// Go's "printable" is Unicode's letters, marks, numbers, punctuation,
/// symbols and the ASCII space; here, every character but controls and
/// white space other than the space (the characters an image's check is
/// about), so a format character such as U+200B is written as it is.
pub fn go_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            ' ' => out.push(' '),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() || c.is_whitespace() => match c as u32 {
                code @ ..=0xffff => out.push_str(&format!("\\u{code:04x}")),
                code => out.push_str(&format!("\\U{code:08x}")),
            },
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The field errors of an object's labels (`ValidateLabels`), by key: each
/// key a qualified name, then its value a label value. A client's write of
/// labels is checked as a controller's create is.
pub fn label_errors(labels: &Labels) -> Vec<String> {
    let mut errors = Vec::new();
    for (key, value) in labels.iter() {
        // Most labels are valid (every pod a controller creates is checked):
        // those pass a byte loop, and only the others get their messages.
        if is_qualified_name(key) && is_label_value(value) {
            continue;
        }
        for detail in label_key_errors(key) {
            errors.push(format!("metadata.labels: Invalid value: {key:?}: {detail}"));
        }
        for detail in label_value_errors(value) {
            errors.push(format!("metadata.labels: Invalid value: {value:?}: {detail}"));
        }
    }
    errors
}

/// `validation.IsQualifiedName`, a label key's rule: an optional DNS
/// subdomain prefix and `/`, then a name of at most 63 characters.
pub fn label_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((prefix, name)) if !name.contains('/') => {
            if prefix.is_empty() {
                errors.push("prefix part must be non-empty".to_string());
            } else {
                errors.extend(dns_subdomain_errors(prefix).into_iter().map(|e| format!("prefix part {e}")));
            }
            name
        }
        _ => {
            errors.push(format!(
                "a qualified name {QUALIFIED_NAME_FORMAT} with an optional DNS subdomain prefix and '/' (e.g. \
                 'example.com/MyName')"
            ));
            return errors;
        }
    };
    if name.is_empty() {
        errors.push("name part must be non-empty".to_string());
    } else if name.len() > MAX_LABEL {
        errors.push("name part must be no more than 63 characters".to_string());
    }
    if !name.is_empty() && !is_label_value_shaped(name) {
        errors.push(format!("name part {QUALIFIED_NAME_FORMAT}"));
    }
    errors
}

/// Whether `key` passes [`label_key_errors`] with no error, found without
/// building any message.
fn is_qualified_name(key: &str) -> bool {
    let name = match key.split_once('/') {
        None => key,
        Some((prefix, name)) if !name.contains('/') && is_dns_subdomain(prefix) => name,
        Some(_) => return false,
    };
    !name.is_empty() && name.len() <= MAX_LABEL && is_label_value_shaped(name)
}

/// Whether `value` passes [`label_value_errors`] with no error.
fn is_label_value(value: &str) -> bool {
    value.len() <= MAX_LABEL && (value.is_empty() || is_label_value_shaped(value))
}

/// Whether `value` passes [`dns_subdomain_errors`] with no error: at most
/// 253 characters, dot-separated labels of lowercase alphanumerics and `-`,
/// each starting and ending with an alphanumeric, in one pass.
fn is_dns_subdomain(value: &str) -> bool {
    if value.len() > 253 {
        return false;
    }
    // The byte before the current one, as if a dot preceded the first.
    let mut previous = b'.';
    for &byte in value.as_bytes() {
        let fits = match byte {
            b'a'..=b'z' | b'0'..=b'9' => true,
            b'-' => previous != b'.',
            b'.' => previous != b'.' && previous != b'-',
            _ => false,
        };
        if !fits {
            return false;
        }
        previous = byte;
    }
    previous != b'.' && previous != b'-'
}

/// Whether `value` is alphanumerics, `-`, `_` and `.`, starting and ending
/// with an alphanumeric (the shape of a label value and a key's name part).
fn is_label_value_shaped(value: &str) -> bool {
    let bytes = value.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let ends = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    bytes.iter().all(inner) && ends(bytes.first()) && ends(bytes.last())
}

/// `validation.IsDNS1123Subdomain`.
fn dns_subdomain_errors(value: &str) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if value.len() > 253 {
        errors.push("must be no more than 253 characters");
    }
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        bytes.iter().all(|b| alnum(b) || *b == b'-')
            && bytes.first().is_some_and(alnum)
            && bytes.last().is_some_and(alnum)
    };
    if !value.split('.').all(label_ok) {
        errors.push(DNS_SUBDOMAIN_FORMAT);
    }
    errors
}

/// `StatusError` of an invalid object: `<Kind> "<name>" is invalid: ` and
/// the errors, bracketed when there are several (`utilerrors.NewAggregate`).
pub fn invalid(kind: &str, name: &str, errors: &[String]) -> String {
    match errors {
        [one] => format!("{kind} {name:?} is invalid: {one}"),
        _ => format!("{kind} {name:?} is invalid: [{}]", errors.join(", ")),
    }
}

/// `validation.IsValidLabelValue`.
pub fn label_value_errors(value: &str) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if value.len() > MAX_LABEL {
        errors.push("must be no more than 63 characters");
    }
    if !value.is_empty() && !is_label_value_shaped(value) {
        errors.push(LABEL_VALUE_FORMAT);
    }
    errors
}

/// `validation.IsDNS1123Label`.
fn dns_label_errors(value: &str) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if value.len() > MAX_LABEL {
        errors.push("must be no more than 63 characters");
    }
    let bytes = value.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ends = |b: Option<&u8>| b.is_some_and(alnum);
    if !(bytes.iter().all(|b| alnum(b) || *b == b'-') && ends(bytes.first()) && ends(bytes.last())) {
        errors.push(DNS_LABEL_FORMAT);
    }
    errors
}

/// What is wrong with a port name (`validation.IsValidPortName`, an IANA
/// service name): at most 15 characters, lower-case letters, digits and
/// single hyphens inside, at least one letter. A container port's `name`
/// and a Service's `targetPort` by name are checked so.
pub fn port_name_errors(name: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if name.len() > 15 {
        problems.push("must be no more than 15 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        problems.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        problems.push("must contain at least one letter (a-z)");
    }
    if name.contains("--") {
        problems.push("must not contain consecutive hyphens");
    }
    if name.starts_with('-') || name.ends_with('-') {
        problems.push("must not begin or end with a hyphen");
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Resources;
    use proptest::prelude::*;

    const NO_MOUNTS: Mounts<'static> = Mounts { volumes: &[], first: &[], extras: &[], inits: &[] };

    /// From 1.34 a set's create and update are refused for a mount naming
    /// no volume (a claim template's counts); an update of a set stored
    /// already failing the check is not (the ratchet), and before 1.34
    /// neither is.
    #[test]
    fn a_set_mounting_no_volume_is_refused_from_1_34_unless_already_stored_so() {
        use crate::config::PodManagementPolicy;
        use crate::features::Version;
        let valid = crate::fixtures::statefulset_spec("db", "db", 1, PodManagementPolicy::OrderedReady);
        assert_eq!(valid.volume_claim_templates[0].name, "data");
        let mounting = |name: &str| {
            let mut spec = valid.clone();
            spec.template.volume_mounts = vec![name.to_string()];
            spec
        };
        let refusal = |minor, spec: &crate::config::StatefulSetSpec, old| {
            statefulset_template_refusal(Version::new(minor, 0), "db", spec, old)
        };
        let message = r#"StatefulSet.apps "db" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "dta""#;
        assert_eq!(refusal(34, &mounting("dta"), None).as_deref(), Some(message));
        assert_eq!(refusal(36, &mounting("dta"), Some(&valid)).as_deref(), Some(message));
        assert_eq!(refusal(36, &mounting("data"), Some(&valid)), None);
        assert_eq!(refusal(33, &mounting("dta"), None), None);
        assert_eq!(refusal(33, &mounting("dta"), Some(&valid)), None);
        // The ratchet: the stored set already fails, so any update is let through.
        assert_eq!(refusal(36, &mounting("dat"), Some(&mounting("dta"))), None);
    }

    /// `validateVolumeMounts`: every container's mounts, then the init
    /// containers', each naming one of the pod's volumes.
    #[test]
    fn a_mount_names_one_of_the_pods_volumes() {
        let volumes = ["data".to_string(), "config".to_string()];
        let first = ["data".to_string(), "dta".to_string()];
        let extras = [ExtraContainer {
            name: "exporter".into(),
            image: "exporter:1".into(),
            pull_policy: None,
            volume_mounts: vec!["config".into(), String::new()],
            scoring_requests: Resources::SCORING_DEFAULTS,
        }];
        let inits = [InitContainer {
            name: "init".into(),
            image: "busybox".into(),
            volume_mounts: vec!["Data".into()],
            scoring_requests: Resources::SCORING_DEFAULTS,
            pre_stop: None,
            startup_probe: None,
            startup_check: None,
            readiness_probe: None,
            readiness_check: None,
            liveness_probe: None,
            liveness_check: None,
        }];
        let mounts = Mounts { volumes: &volumes, first: &first, extras: &extras, inits: &inits };
        assert_eq!(
            pod_errors(&Labels::default(), &mounts, "db-0", "db"),
            [
                r#"spec.containers[0].volumeMounts[1].name: Not found: "dta""#,
                "spec.containers[1].volumeMounts[1].name: Required value",
                r#"spec.containers[1].volumeMounts[1].name: Not found: """#,
                r#"spec.initContainers[0].volumeMounts[0].name: Not found: "Data""#,
            ]
        );
        let fine = Mounts { volumes: &volumes, first: &first[..1], extras: &[], inits: &[] };
        assert!(pod_errors(&Labels::default(), &fine, "db-0", "db").is_empty());
    }

    proptest! {
        /// The byte loops that let a valid label through agree with the
        /// rules that word the errors: valid exactly when there is none.
        #[test]
        fn the_quick_checks_agree_with_the_errors(
            text in "[a-zA-Z0-9./_ -]{0,70}|[a-z.-]{0,260}|([a-z0-9][a-z0-9.-]{0,4}){0,4}/?[A-Za-z0-9._-]{0,66}"
        ) {
            prop_assert_eq!(is_qualified_name(&text), label_key_errors(&text).is_empty(), "key {:?}", text);
            prop_assert_eq!(is_label_value(&text), label_value_errors(&text).is_empty(), "value {:?}", text);
            prop_assert_eq!(is_dns_subdomain(&text), dns_subdomain_errors(&text).is_empty(), "subdomain {:?}", text);
        }
    }

    #[test]
    fn values_are_quoted_as_go_quotes_them() {
        let cases = [
            ("nginx:1.27 ", r#""nginx:1.27 ""#),
            ("\ta\"b\\c\n", r#""\ta\"b\\c\n""#),
            ("\u{1}\u{7f}\u{b}", r#""\x01\x7f\v""#),
            ("\u{a0}\u{85}\u{2028}\u{3000}x", r#""\u00a0\u0085\u2028\u3000x""#),
            ("ünïcode-😀", r#""ünïcode-😀""#),
        ];
        for (text, quoted) in cases {
            assert_eq!(go_quoted(text), quoted, "{text:?}");
        }
        let extras = [ExtraContainer {
            name: "m".into(),
            image: "m:1".into(),
            pull_policy: None,
            volume_mounts: Vec::new(),
            scoring_requests: Resources::SCORING_DEFAULTS,
        }];
        let inits = [InitContainer {
            name: "i".into(),
            image: "i:1\n".into(),
            volume_mounts: Vec::new(),
            scoring_requests: Resources::SCORING_DEFAULTS,
            pre_stop: None,
            startup_probe: None,
            startup_check: None,
            readiness_probe: None,
            readiness_check: None,
            liveness_probe: None,
            liveness_check: None,
        }];
        assert_eq!(
            pod_image_errors(" a", &extras, &inits),
            [
                r#"spec.containers[0].image: Invalid value: " a": must not have leading or trailing whitespace"#,
                r#"spec.initContainers[0].image: Invalid value: "i:1\n": must not have leading or trailing whitespace"#,
            ]
        );
        assert!(
            pod_image_errors("a b", &extras, &[]).is_empty(),
            "white space inside is the kubelet's to refuse"
        );
    }

    #[test]
    fn label_keys_are_qualified_names() {
        for good in ["app", "app.kubernetes.io/name", "example.com/Rack_1", "a", "x/y"] {
            assert_eq!(label_key_errors(good), Vec::<String>::new(), "{good}");
        }
        assert_eq!(label_key_errors(""), ["name part must be non-empty"]);
        assert_eq!(label_key_errors("/app"), ["prefix part must be non-empty"]);
        assert_eq!(label_key_errors("Example.com/app"), [format!("prefix part {DNS_SUBDOMAIN_FORMAT}")]);
        assert_eq!(label_key_errors("a/b/c").len(), 1);
        assert!(label_key_errors("a/b/c")[0].starts_with("a qualified name must consist"));
        assert_eq!(label_key_errors(&"k".repeat(64)), ["name part must be no more than 63 characters"]);
        assert_eq!(label_key_errors("-app"), [format!("name part {QUALIFIED_NAME_FORMAT}")]);
        let labels: Labels = [("bad key".to_string(), "ok".to_string())].into();
        assert_eq!(
            label_errors(&labels),
            [format!("metadata.labels: Invalid value: \"bad key\": name part {QUALIFIED_NAME_FORMAT}")]
        );
    }

    #[test]
    fn annotation_keys_are_qualified_names_in_any_case_and_all_within_256_kib() {
        assert_eq!(annotation_key_errors("Example.COM/Owner"), Vec::<String>::new());
        assert_eq!(annotation_key_errors("bad key"), [format!("name part {QUALIFIED_NAME_FORMAT}")]);
        let value = "v".repeat(ANNOTATIONS_MAX_BYTES - 1);
        assert!(!annotations_too_long([("k", value.as_str())].into_iter()));
        assert!(annotations_too_long([("k", value.as_str()), ("x", "")].into_iter()));
        assert!(ANNOTATIONS_TOO_LONG.ends_with(&format!(" {ANNOTATIONS_MAX_BYTES} bytes")));
        let errors = annotation_and_finalizer_errors([("k", value.as_str()), ("x", "")].into_iter(), &[]);
        assert_eq!(errors, [format!("metadata.annotations: {ANNOTATIONS_TOO_LONG}")]);
    }

    #[test]
    fn a_pod_of_a_set_named_with_55_characters_is_invalid_for_its_revision_label_alone() {
        let set = "a".repeat(55);
        let labels: Labels = [
            ("app".to_string(), "x".to_string()),
            ("controller-revision-hash".to_string(), format!("{set}-85fd6bd44b")),
            ("statefulset.kubernetes.io/pod-name".to_string(), format!("{set}-0")),
        ]
        .into();
        let errors = pod_errors(&labels, &NO_MOUNTS, &format!("{set}-0"), "");
        assert_eq!(
            errors,
            [format!(
                "metadata.labels: Invalid value: \"{set}-85fd6bd44b\": must be no more than 63 characters"
            )]
        );
        assert_eq!(invalid("Pod", "p", &errors), format!("Pod \"p\" is invalid: {}", errors[0]));
        // 62 characters: the pod name (a label and the hostname) too.
        let set = "b".repeat(62);
        let labels: Labels = [("statefulset.kubernetes.io/pod-name".to_string(), format!("{set}-0"))].into();
        let errors = pod_errors(&labels, &NO_MOUNTS, &format!("{set}-0"), "");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].starts_with("spec.hostname: Invalid value:"));
        assert!(invalid("Pod", "p", &errors).contains(": [metadata.labels: "));
        // Well-formed values pass; malformed ones say how.
        assert!(
            pod_errors(&[("k".to_string(), "My_value.1".to_string())].into(), &NO_MOUNTS, "web-0", "web")
                .is_empty()
        );
        assert!(pod_errors(&[("k".to_string(), String::new())].into(), &NO_MOUNTS, "", "").is_empty());
        assert_eq!(pod_errors(&[("k".to_string(), "-x".to_string())].into(), &NO_MOUNTS, "Web", "").len(), 2);
        // A subdomain (a StatefulSet's serviceName) is a DNS label too.
        assert_eq!(
            pod_errors(&Labels::default(), &NO_MOUNTS, "web-0", "Bad_Svc"),
            [format!("spec.subdomain: Invalid value: \"Bad_Svc\": {DNS_LABEL_FORMAT}")]
        );
    }
}
