//! The API server's validation of a pod it is asked to create, for the
//! checks a controller's create can fail although the object it was made
//! from passed: the values of the labels a controller adds, and the
//! hostname it sets (`ValidatePodCreate`: `ValidateObjectMeta`'s labels,
//! then `spec.hostname` as an RFC 1123 label), and the label values a
//! client writes on any object.
//!
//! The StatefulSet controller labels each pod `controller-revision-hash:
//! <set>-<hash>` (its ControllerRevision's name) and
//! `statefulset.kubernetes.io/pod-name: <pod>`, and sets its hostname to the
//! pod's name. The set's own name is checked only as a name, so a set
//! named with more than about 52 characters gets every pod create refused
//! (kubernetes/kubernetes#64023, still open).
//!
//! Owns the rules and the API server's words for them. Does not validate
//! scenarios (stsim-scenario refuses bad input before a run) or write
//! anything.

use crate::config::Labels;

/// The longest label value and RFC 1123 label (`validation.LabelValueMaxLength`,
/// `DNS1123LabelMaxLength`).
const MAX_LABEL: usize = 63;

const LABEL_VALUE_FORMAT: &str = "a valid label value must be an empty string or consist of alphanumeric \
     characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or \
     'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const DNS_LABEL_FORMAT: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters \
     or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used \
     for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// The field errors of a pod with these labels and hostname, in the order
/// the API server finds them (labels by key: the API server walks a map,
/// whose order Go leaves open).
pub fn pod_errors(labels: &Labels, hostname: &str) -> Vec<String> {
    let mut errors = label_errors(labels);
    if !hostname.is_empty() {
        for detail in dns_label_errors(hostname) {
            errors.push(format!("spec.hostname: Invalid value: {hostname:?}: {detail}"));
        }
    }
    errors
}

/// The field errors of an object's label values (`ValidateObjectMeta`),
/// by key: a client's write of labels is checked as a controller's create is.
pub fn label_errors(labels: &Labels) -> Vec<String> {
    let mut errors = Vec::new();
    for (_, value) in labels.iter() {
        for detail in label_value_errors(value) {
            errors.push(format!("metadata.labels: Invalid value: {value:?}: {detail}"));
        }
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
fn label_value_errors(value: &str) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if value.len() > MAX_LABEL {
        errors.push("must be no more than 63 characters");
    }
    let bytes = value.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let ends = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let well_formed = bytes.iter().all(inner) && ends(bytes.first()) && ends(bytes.last());
    if !value.is_empty() && !well_formed {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_of_a_set_named_with_55_characters_is_invalid_for_its_revision_label_alone() {
        let set = "a".repeat(55);
        let labels: Labels = [
            ("app".to_string(), "x".to_string()),
            ("controller-revision-hash".to_string(), format!("{set}-85fd6bd44b")),
            ("statefulset.kubernetes.io/pod-name".to_string(), format!("{set}-0")),
        ]
        .into();
        let errors = pod_errors(&labels, &format!("{set}-0"));
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
        let errors = pod_errors(&labels, &format!("{set}-0"));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].starts_with("spec.hostname: Invalid value:"));
        assert!(invalid("Pod", "p", &errors).contains(": [metadata.labels: "));
        // Well-formed values pass; malformed ones say how.
        assert!(pod_errors(&[("k".to_string(), "My_value.1".to_string())].into(), "web-0").is_empty());
        assert!(pod_errors(&[("k".to_string(), String::new())].into(), "").is_empty());
        assert_eq!(pod_errors(&[("k".to_string(), "-x".to_string())].into(), "Web").len(), 2);
    }
}
