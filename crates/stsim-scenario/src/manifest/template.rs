//! The pod template an operator writes (a StatefulSet's `spec.template`, a
//! bare Pod's labels and spec), read by the manifest reader: the
//! [`stsim_core::kube::template::TemplateReader`] the CLI gives the engine.
//!
//! Owns turning the JSON of the request into the YAML tree the manifest
//! reader reads (JSON is YAML), and its diagnostics into the API server's
//! field errors (`spec.template.spec.containers[0].image: Required value`)
//! and ignored paths. The fields read, their validation, messages and
//! defaults are those of a manifest (`objects::template`,
//! `validate::pod_template`): one reader for both.

use super::{Base, Collected, Cx, Layered};
use crate::diagnostic::Diagnostic;
use stsim_core::kube::template::{ReadTemplate, TemplateRefusal, TemplateRequest};

/// Where the template's values are recorded while reading.
const RAW_BASE: &str = "statefulsets[0].template";

/// Reads an operator's pod template as a manifest's. A bare Pod's paths are
/// its own (`spec.containers[0].image`, `metadata.labels`); a set's are
/// under `spec.template`. The release decides whether a set's pod spec
/// errors refuse the set (from 1.34) or each of its pods (before).
pub fn read_pod_template(request: &TemplateRequest<'_>) -> Result<ReadTemplate, TemplateRefusal> {
    let pod = request.kind == "Pod";
    if request.template.is_null() {
        let path = if pod { "spec" } else { "spec.template" };
        return Err(TemplateRefusal::Invalid(vec![format!("{path}: Required value")]));
    }
    let file = "request";
    let text = request.template.to_string();
    let object = format!("{} {:?}", request.kind, request.name);
    let errors = |diagnostics: Vec<Diagnostic>| {
        let messages = diagnostics.iter().map(|d| field_error(&d.message, &object, pod)).collect();
        TemplateRefusal::Invalid(messages)
    };
    let documents = crate::yaml::parse_stream(&text, file).map_err(|d| errors(vec![d]))?;
    let Some(root) = documents.first().map(|d| &d.root) else {
        return Err(TemplateRefusal::Invalid(vec!["spec.template: Required value".into()]));
    };
    let mut collected = Collected::default();
    let mut cx = Cx { file, object: object.clone(), collected: &mut collected, base: Base::default() };
    let raw = super::objects::template(&mut cx, root, RAW_BASE, !pod);
    super::settle(&mut collected, request.version);
    if !collected.errors.is_empty() {
        return Err(errors(std::mem::take(&mut collected.errors)));
    }
    let Some(raw) = raw else {
        return Err(TemplateRefusal::Invalid(vec!["spec.template: Required value".into()]));
    };
    let layered = Layered { base: None, spans: &collected.spans, fallback_file: file.to_string() };
    let (template, checked) =
        crate::validate::pod_template(&raw, &layered, file, (RAW_BASE, request.name), !pod, request.version)
            .map_err(errors)?;
    collected.deferred.extend(checked);
    let mut unused: Vec<&super::Unused> = collected.unused.iter().collect();
    unused.sort_by_key(|u| (u.place.line, u.place.column));
    let ignored = unused.iter().map(|u| own_path(&u.path, pod)).collect();
    // The API server's warnings on what it accepts (a negative grace
    // period), with the kind's own paths.
    let typed = format!("{object}: ");
    // A client that asks for no field validation gets the API server's
    // default, `Warn`: an unknown field is dropped with a warning.
    let unknown = (collected.unknown.iter()).map(|u| format!("unknown field {:?}", own_path(&u.path, pod)));
    // Before 1.34 a set's pod template is not checked by the API server:
    // what is wrong in it refuses each pod create instead (`create_errors`).
    let refused = (collected.deferred.iter()).map(|d| {
        format!(
            "each pod will be refused (a StatefulSet's pod template is not validated before 1.34): {}: {}",
            d.path, d.message
        )
    });
    let warnings = (collected.notes.iter())
        .map(|note| own_path(note.strip_prefix(&typed).unwrap_or(note), pod))
        .chain(unknown)
        .chain(refused)
        .collect();
    Ok(ReadTemplate { template, ignored, warnings })
}

/// A diagnostic's message as the API server's field error: without the
/// object it names (`The StatefulSet "web" is invalid: `), with the path
/// the kind has.
fn field_error(message: &str, object: &str, pod: bool) -> String {
    let invalid = format!("The {object} is invalid: ");
    let typed = format!("{object}: ");
    let bare = message.strip_prefix(&invalid).or_else(|| message.strip_prefix(&typed)).unwrap_or(message);
    own_path(bare, pod)
}

/// A path (or a message that starts with one) of a set's template, as a
/// bare pod's: `spec.template.spec.x` is `spec.x`, `spec.template.metadata.x`
/// is `metadata.x`.
fn own_path(text: &str, pod: bool) -> String {
    if !pod {
        return text.to_string();
    }
    match text.strip_prefix("spec.template.") {
        Some(rest) => rest.to_string(),
        None => match text.strip_prefix("spec.template") {
            Some(rest) => format!("spec{rest}"),
            None => text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stsim_core::features::Version;

    fn read(kind: &str, template: &serde_json::Value) -> Result<ReadTemplate, TemplateRefusal> {
        read_pod_template(&TemplateRequest { kind, name: "web", template, version: Version::DEFAULT })
    }

    #[test]
    fn a_template_is_read_as_a_manifests_and_ignored_fields_are_named() {
        let template = json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [
                {"name": "db", "image": "postgres:16", "env": [{"name": "A", "value": "1"}],
                 "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                 "readinessProbe": {"exec": {"command": ["pg_isready"]}, "periodSeconds": 5}},
                {"name": "metrics", "image": "exporter:1", "resources": {"requests": {"cpu": "100m"}}}]}});
        let set = read("StatefulSet", &template).unwrap();
        assert_eq!(set.template.image, "postgres:16");
        assert_eq!(set.template.requests.cpu_millis, 600, "containers' requests are summed");
        assert_eq!(set.template.readiness_probe.unwrap().period.as_millis(), 5_000);
        // The second container is read as one: its name, image and policy.
        let extras = &set.template.extra_containers;
        assert_eq!(extras.len(), 1);
        assert_eq!((extras[0].name.as_str(), extras[0].image.as_str()), ("metrics", "exporter:1"));
        assert_eq!(set.ignored, ["spec.template.spec.containers[0].env"]);
        let pod = read("Pod", &template).unwrap();
        assert_eq!(pod.ignored, ["spec.containers[0].env"]);
    }

    /// The scheduler's scoring counts each container's requests as written,
    /// and 100m of CPU or 200 MiB of memory for a container that writes
    /// none of it (`NonMissingContainerRequests`): a written `0` stays 0, a
    /// limit written alone is the request, and init containers count by
    /// `resource.PodRequests` (their peak beside the sidecars started
    /// before them, when larger than the running containers' sum).
    #[test]
    fn the_scoring_counts_what_a_container_leaves_out_at_its_default() {
        const MI: u64 = 1 << 20;
        let template = json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "initContainers": [
                    {"name": "proxy", "image": "proxy:1", "restartPolicy": "Always",
                     "resources": {"requests": {"memory": "0"}}},
                    {"name": "migrate", "image": "migrate:1", "resources": {"limits": {"cpu": "2"}}}],
                "containers": [
                    {"name": "db", "image": "postgres:16", "resources": {"requests": {"cpu": "500m"}}},
                    {"name": "metrics", "image": "exporter:1"}]}});
        let read = read("StatefulSet", &template).unwrap().template;
        assert_eq!((read.requests.cpu_millis, read.requests.memory_bytes), (2_000, 0));
        let scoring = read.pod_scoring_requests();
        // CPU: the migration's 2 (its limit) beside the proxy's 100m beats
        // 500m + 100m + 100m; memory: 200 MiB (db) + 200 MiB (metrics) + 0
        // (the proxy wrote 0) beats 200 MiB (migrate) + 0.
        assert_eq!((scoring.cpu_millis, scoring.memory_bytes), (2_100, 400 * MI));
    }

    /// `ValidateStatefulSetSpec` allows only `restartPolicy: Always`; a Pod
    /// may say `Never` (stsim ignores it, and says so). A request above its
    /// limit is refused for both (`ValidateResourceRequirements`).
    #[test]
    fn a_sets_pods_restart_always_and_ask_no_more_than_their_limits() {
        let never = json!({"metadata": {"labels": {"app": "web"}},
                           "spec": {"restartPolicy": "Never", "containers": [{"name": "db", "image": "x"}]}});
        let TemplateRefusal::Invalid(errors) = read("StatefulSet", &never).unwrap_err() else {
            panic!("a 422")
        };
        assert_eq!(
            errors,
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]
        );
        assert_eq!(read("Pod", &never).unwrap().ignored, ["spec.restartPolicy"]);
        // `ValidateStatefulSetSpec` forbids `activeDeadlineSeconds` in a set's
        // template; a Pod may have one (ignored, and said).
        let deadline = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"activeDeadlineSeconds": 30, "containers": [{"name": "db", "image": "x"}]}});
        let TemplateRefusal::Invalid(errors) = read("StatefulSet", &deadline).unwrap_err() else {
            panic!("a 422")
        };
        assert_eq!(
            errors,
            [
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"
            ]
        );
        assert_eq!(read("Pod", &deadline).unwrap().ignored, ["spec.activeDeadlineSeconds"]);
        let greedy = json!({"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "db", "image": "x",
                                     "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}}]}});
        let TemplateRefusal::Invalid(errors) = read("Pod", &greedy).unwrap_err() else { panic!("a 422") };
        assert_eq!(
            errors,
            [
                "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi"
            ]
        );
        let even = json!({"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "db", "image": "x",
                                   "resources": {"requests": {"cpu": "1000m"}, "limits": {"cpu": "1"}}}]}});
        assert!(read("StatefulSet", &even).is_ok());
    }

    #[test]
    fn odd_shapes_are_refused_not_panicked_on() {
        for template in [
            json!("text"),
            json!([1, 2]),
            json!({"spec": []}),
            json!({"spec": {"containers": "x"}}),
            json!({"spec": {"containers": [null, 7]}}),
            json!({"metadata": {"labels": {"a": 1}}, "spec": {"containers": [{"name": "c", "image": 5}]}}),
            json!({"spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "lots"}}}]}}),
            json!({"spec": {"containers": [{"name": "c", "image": "i\u{2028}\n\"x"}], "affinity": {"podAntiAffinity": 3}}}),
        ] {
            for kind in ["StatefulSet", "Pod"] {
                match read(kind, &template) {
                    Err(TemplateRefusal::Invalid(errors)) => assert!(!errors.is_empty(), "{template}"),
                    other => panic!("{kind} {template}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn invalid_values_get_the_manifest_paths_messages() {
        let template = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "db"}], "terminationGracePeriodSeconds": -1}});
        // A bare pod is refused (422), and so is a set from 1.34, with the
        // set's path; before 1.34 a set is accepted, as the API server does
        // not check its pod template, and each of its pods is refused.
        let TemplateRefusal::Invalid(errors) = read("Pod", &template).unwrap_err() else { panic!("a 422") };
        assert_eq!(errors, ["spec.containers[0].image: Required value"]);
        for minor in [34, 36, 37] {
            let request = TemplateRequest {
                kind: "StatefulSet",
                name: "web",
                template: &template,
                version: Version::new(minor, 0),
            };
            let TemplateRefusal::Invalid(errors) = read_pod_template(&request).unwrap_err() else {
                panic!("a 422")
            };
            assert_eq!(errors, ["spec.template.spec.containers[0].image: Required value"], "1.{minor}");
        }
        for minor in [24, 33] {
            let request = TemplateRequest {
                kind: "StatefulSet",
                name: "web",
                template: &template,
                version: Version::new(minor, 9),
            };
            let set = read_pod_template(&request).unwrap();
            assert_eq!(set.template.create_errors, ["spec.containers[0].image: Required value"]);
            assert!(
                set.warnings.iter().any(|w| w.starts_with("each pod will be refused")
                    && w.ends_with("spec.template.spec.containers[0].image: Required value")),
                "{:?}",
                set.warnings
            );
        }
        // A negative grace period is taken with the API server's warning,
        // and treated as 1 s (`GetWarningsForPodTemplate`).
        let template = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "db", "image": "x"}], "terminationGracePeriodSeconds": -1}});
        let pod = read("Pod", &template).unwrap();
        assert_eq!(pod.template.termination_grace_period.as_millis(), 1_000);
        assert_eq!(
            pod.warnings,
            [
                "spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1 \
              (the API server's warning; stsim gives the pods 1 s)"
            ]
        );
        let set = read("StatefulSet", &template).unwrap();
        assert!(
            set.warnings[0].starts_with("spec.template.spec.terminationGracePeriodSeconds: must be >= 0")
        );
    }
}
