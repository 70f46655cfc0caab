//! The seam through which the API server reads a pod template a client
//! writes: a StatefulSet's `spec.template` on create, update and patch, and
//! a bare Pod's labels and spec.
//!
//! The embedding supplies the reader (a plain `fn`, [`TemplateReader`]):
//! the CLI's is the scenario crate's manifest reader, so that an operator's
//! objects and a user's manifests are read by one piece of code, with the
//! same fields, validation, messages and defaults. The core cannot call
//! that reader itself (`stsim-core` does not depend on `stsim-scenario`), so
//! it keeps [`minimal`] for embeddings that supply none: the container's
//! image and requests, the grace period, `nodeSelector` and `nodeName`, and
//! a `405` for anything else.
//!
//! Owns the request and answer types and the fallback; not the reading of
//! a set's own fields (`create`, `verbs`) nor what the controllers do with
//! the template.

// A refusal is the API server's answer, returned as it is.
#![allow(clippy::result_large_err)]

use super::WriteResult;
use crate::config::{ImagePullPolicy, Labels, PodTemplate, PullPolicies, Resources};
use crate::time::SimDuration;
use serde_json::Value;

/// A pod template to read.
#[derive(Debug, Clone, Copy)]
pub struct TemplateRequest<'a> {
    /// `StatefulSet` (paths under `spec.template`) or `Pod` (paths from the
    /// pod's root: `metadata.labels`, `spec.containers[0].image`).
    pub kind: &'a str,
    /// The object's name, for messages.
    pub name: &'a str,
    /// `{"metadata": {...}, "spec": {...}}`: the set's `spec.template`, or
    /// the pod's labels and the part of its spec the core does not read
    /// itself (it reads claim volumes, `hostname` and `subdomain`).
    pub template: &'a Value,
    /// The modelled Kubernetes release, for readers whose rules differ by release.
    pub version: crate::features::Version,
}

/// A template read: what the model uses, the field paths it ignored
/// (`spec.template.spec.containers[0].env`), which the client is warned
/// of, and the API server's own warnings on what it accepted
/// (`GetWarningsForPodTemplate`: a negative grace period), said as they are.
#[derive(Debug, Clone)]
pub struct ReadTemplate {
    pub template: PodTemplate,
    pub ignored: Vec<String>,
    pub warnings: Vec<String>,
}

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateRefusal {
    /// The API server's field errors, each `path: message`
    /// (`spec.template.spec.containers[0].image: Required value`): a `422`.
    Invalid(Vec<String>),
    /// What the model would get wrong, in words after `stsim does not
    /// model ` (`pods with more than one container (Pod web-0)`): a `405`.
    NotModelled(String),
}

/// The annotation `kubectl rollout restart` sets on a pod template, to the
/// time of the restart (kubectl's `objectrestarter`).
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// `kubectl rollout restart` of a template a client wrote (`template`, as
/// served): the annotation set to `at` in the template as written, read
/// again as the write would be. The new template and the object to serve.
pub(crate) fn restarted(
    reader: TemplateReader,
    template: &Value,
    name: &str,
    version: crate::features::Version,
    at: &str,
) -> Result<(PodTemplate, Value), WriteResult> {
    let mut object = template.clone();
    if !object.get("metadata").is_none_or(|m| m.is_object() || m.is_null()) {
        return Err(WriteResult::failure(422, "Invalid", "spec.template.metadata: not an object".into()));
    }
    match object.pointer_mut("/metadata/annotations").filter(|a| a.is_object()) {
        Some(annotations) => annotations[RESTARTED_AT] = Value::from(at),
        None => object["metadata"]["annotations"] = serde_json::json!({ RESTARTED_AT: at }),
    }
    let request = TemplateRequest { kind: "StatefulSet", name, template: &object, version };
    let read = read(reader, &request, "StatefulSet.apps")?;
    Ok((read.template, object))
}

/// Reads a pod template; supplied by the embedding (see the module doc).
pub type TemplateReader = fn(&TemplateRequest<'_>) -> Result<ReadTemplate, TemplateRefusal>;

/// Reads `template` with `reader`, and records the values of the fields it
/// ignored in the template (`PodTemplate::unmodelled`); a refusal becomes
/// the API server's answer for `kind` (as errors name it:
/// `StatefulSet.apps`) and `name`.
pub(super) fn read(
    reader: TemplateReader,
    request: &TemplateRequest<'_>,
    kind: &str,
) -> Result<ReadTemplate, WriteResult> {
    match reader(request) {
        Ok(mut read) => {
            let prefix = if request.kind == "StatefulSet" { "spec.template." } else { "" };
            let mut lines: Vec<String> = read
                .ignored
                .iter()
                .map(|path| {
                    let mut value = String::new();
                    match value_at(request.template, path.strip_prefix(prefix).unwrap_or(path)) {
                        Some(v) => crate::config::canonical_json(v, &mut value),
                        None => value.push('?'),
                    }
                    format!("{path}={value}")
                })
                .collect();
            lines.sort();
            read.template.unmodelled = lines.join("\n");
            Ok(read)
        }
        Err(TemplateRefusal::Invalid(errors)) => {
            // An aggregate of several field errors prints as `[a, b]`
            // (apimachinery util/errors `aggregate.Error`).
            let shown = match errors.as_slice() {
                [one] => one.clone(),
                many => format!("[{}]", many.join(", ")),
            };
            let message = format!("{kind} \"{}\" is invalid: {shown}", request.name);
            Err(WriteResult::failure(422, "Invalid", message))
        }
        Err(TemplateRefusal::NotModelled(what)) => Err(super::verbs::not_modelled(what)),
    }
}

/// The value at `path` (`spec.containers[0].env`, `metadata.annotations`)
/// of `value`. A key may hold dots (`nvidia.com/gpu`): the longest key that
/// fits is taken.
fn value_at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let (mut here, mut rest) = (value, path);
    while !rest.is_empty() {
        if let Some(index) = rest.strip_prefix('[') {
            let (n, after) = index.split_once(']')?;
            here = here.get(n.parse::<usize>().ok()?)?;
            rest = after.strip_prefix('.').unwrap_or(after);
            continue;
        }
        let fits = |k: &&String| {
            rest.strip_prefix(k.as_str()).is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
        };
        let key = here.as_object()?.keys().filter(fits).max_by_key(|k| k.len())?;
        here = &here[key.as_str()];
        rest = &rest[key.len()..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Some(here)
}

/// The warnings a write carries for the fields the reader ignored, as the
/// API server sends `Warning` headers (k8s.io/apiserver pkg/warning,
/// `AddWarning`; client-go hands them to its `WarningHandler`).
pub(super) fn warnings(read: &ReadTemplate) -> Vec<String> {
    let ignored = read.ignored.iter().map(|path| format!("stsim does not model {path}, and ignored it"));
    read.warnings.iter().cloned().chain(ignored).collect()
}

/// The core's own reader, for embeddings that supply none: the first and
/// only container's `name`, `image` and `resources.requests`,
/// `terminationGracePeriodSeconds`, `nodeSelector` and `nodeName`, and the
/// labels. Anything else set is refused (`405`, naming the fields by path),
/// so nothing goes unmodelled; it ignores nothing.
pub fn minimal(request: &TemplateRequest<'_>) -> Result<ReadTemplate, TemplateRefusal> {
    let set = request.kind == "StatefulSet";
    let (kind, prefix) = if set { ("StatefulSet.apps", "spec.template.") } else { ("Pod", "") };
    let name = request.name;
    let invalid = |message: String| TemplateRefusal::Invalid(vec![format!("{prefix}{message}")]);
    let mut r = super::create::Reader::new(request.template);
    let labels = string_map(r.get("metadata.labels"))
        .map_err(|v| invalid(format!("metadata.labels: Invalid value: {v}: values must be strings")))?;
    match r.object_at("spec.containers").as_array().map(Vec::len) {
        Some(1) => {}
        Some(0) | None => return Err(invalid("spec.containers: Required value".into())),
        Some(_) => {
            return Err(TemplateRefusal::NotModelled(format!(
                "pods with more than one container ({kind} {name})"
            )));
        }
    }
    let container_name = r.get("spec.containers.0.name").as_str().map(str::to_string);
    let Some(image) = r.get("spec.containers.0.image").as_str().filter(|i| !i.is_empty()) else {
        return Err(invalid("spec.containers.0.image: Required value".into()));
    };
    let pull_policy = match r.get("spec.containers.0.imagePullPolicy") {
        Value::Null => None,
        value => Some(pull_policy(value).ok_or_else(|| {
            invalid(format!(
                "spec.containers[0].imagePullPolicy: Unsupported value: {value}: supported values: \"Always\", \"IfNotPresent\", \"Never\""
            ))
        })?),
    };
    // Each as written, `None` where not: the scoring tells the two apart.
    let (mut cpu, mut memory) = (None, None);
    for (field, parse) in [
        ("cpu", super::create::cpu_millis as fn(&str) -> Option<u64>),
        ("memory", super::verbs::parse_quantity),
    ] {
        let value = r.get(&format!("spec.containers.0.resources.requests.{field}"));
        if value.is_null() {
            continue;
        }
        let Some(n) = value.as_str().and_then(parse) else {
            return Err(invalid(format!(
                "spec.containers.0.resources.requests[{field}]: Invalid value: {value}: must be a quantity"
            )));
        };
        match field {
            "cpu" => cpu = Some(n),
            _ => memory = Some(n),
        }
    }
    let requests = Resources { cpu_millis: cpu.unwrap_or(0), memory_bytes: memory.unwrap_or(0) };
    let grace = match r.get("spec.terminationGracePeriodSeconds") {
        Value::Null => 30,
        v => v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            invalid(format!(
                "spec.terminationGracePeriodSeconds: Invalid value: {v}: must be greater than or equal to 0"
            ))
        })?,
    };
    let node_selector = string_map(r.get("spec.nodeSelector"))
        .map_err(|v| invalid(format!("spec.nodeSelector: Invalid value: {v}: values must be strings")))?;
    let node_name = r.get("spec.nodeName").as_str().map(str::to_string);
    let set_hostname_as_fqdn = match r.get("spec.setHostnameAsFQDN") {
        Value::Null => false,
        v => v.as_bool().ok_or_else(|| {
            invalid(format!("spec.setHostnameAsFQDN: Invalid value: {v}: must be a boolean"))
        })?,
    };
    let unread = r.unread();
    if !unread.is_empty() {
        let paths: Vec<String> = unread.iter().map(|p| format!("{prefix}{p}")).collect();
        return Err(TemplateRefusal::NotModelled(format!(
            "the fields {} of a {kind} ({name})",
            paths.join(", ")
        )));
    }
    let template = PodTemplate {
        priority_class_name: None,
        set_hostname_as_fqdn,
        volumes: Vec::new(),
        volume_mounts: Vec::new(),
        annotations: Labels::new(),
        container_name: container_name.filter(|n| n != crate::config::DEFAULT_CONTAINER_NAME),
        labels,
        image: image.to_string(),
        requests,
        scoring_requests: Resources::for_scoring(cpu, memory),
        readiness_probe: None,
        liveness_probe: None,
        startup_probe: None,
        probe_checks: Default::default(),
        pre_stop: None,
        init_containers: Vec::new(),
        sidecars: Vec::new(),
        extra_containers: Vec::new(),
        pull_policies: PullPolicies { container: pull_policy, init: Default::default() },
        termination_grace_period: SimDuration::from_secs(u64::from(grace)),
        node_selector,
        affinity: Default::default(),
        tolerations: Vec::new(),
        topology_spread: Vec::new(),
        node_name,
        host_ports: Vec::new(),
        named_ports: Vec::new(),
        ports: Vec::new(),
        unmodelled: String::new(),
        create_errors: Vec::new(),
    };
    Ok(ReadTemplate { template, ignored: Vec::new(), warnings: Vec::new() })
}

/// A map of strings, or the first value that is not one.
fn string_map(value: &Value) -> Result<crate::config::Labels, Value> {
    let mut out = Vec::new();
    for (key, v) in value.as_object().into_iter().flatten() {
        let Some(v) = v.as_str() else { return Err(v.clone()) };
        out.push((key.clone(), v.to_string()));
    }
    Ok(out.into_iter().collect())
}

/// An `imagePullPolicy` value, if it is one.
fn pull_policy(value: &Value) -> Option<ImagePullPolicy> {
    match value.as_str()? {
        "Always" => Some(ImagePullPolicy::Always),
        "IfNotPresent" => Some(ImagePullPolicy::IfNotPresent),
        "Never" => Some(ImagePullPolicy::Never),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(template: &Value) -> TemplateRequest<'_> {
        TemplateRequest {
            kind: "StatefulSet",
            name: "web",
            template,
            version: crate::features::Version::DEFAULT,
        }
    }

    /// Reads the image and ignores the rest, as a reader that ignores fields does.
    fn ignoring(request: &TemplateRequest<'_>) -> Result<ReadTemplate, TemplateRefusal> {
        let mut template =
            crate::fixtures::statefulset_spec("x", "x", 1, crate::config::PodManagementPolicy::Parallel)
                .template;
        let container = &request.template["spec"]["containers"][0];
        template.image = container["image"].as_str().unwrap_or("").into();
        template.container_name = container["name"]
            .as_str()
            .filter(|n| *n != crate::config::DEFAULT_CONTAINER_NAME)
            .map(Into::into);
        let ignored =
            vec!["spec.template.spec.containers[0].env".into(), "spec.template.metadata.annotations".into()];
        Ok(ReadTemplate { template, ignored, warnings: Vec::new() })
    }

    #[test]
    fn ignored_values_identify_a_template_whatever_the_key_order() {
        let a = json!({"metadata": {"annotations": {"x": "1", "y": "2"}},
                       "spec": {"containers": [{"image": "i", "env": [{"name": "A", "value": "1"}]}]}});
        let b = json!({"spec": {"containers": [{"env": [{"value": "1", "name": "A"}], "image": "i"}]},
                       "metadata": {"annotations": {"y": "2", "x": "1"}}});
        let c = json!({"metadata": {"annotations": {"x": "1", "y": "2"}},
                       "spec": {"containers": [{"image": "i", "env": [{"name": "A", "value": "2"}]}]}});
        let read = |t: &Value| read(ignoring, &request(t), "StatefulSet.apps").unwrap().template;
        assert_eq!(read(&a).canonical(), read(&b).canonical());
        assert_eq!(read(&a), read(&b));
        assert_ne!(read(&a).canonical(), read(&c).canonical(), "an ignored value changed: a new revision");
        assert!(
            read(&a)
                .unmodelled
                .contains("spec.template.spec.containers[0].env=[{\"name\":\"A\",\"value\":\"1\"}]")
        );
    }

    /// The first container's name is kept, and is the template's: a
    /// rename is a new revision; the name a scenario's template is served
    /// with is its default. (Ports are the reader's to model:
    /// `PodTemplate::ports`.)
    #[test]
    fn container_names_identify_a_template() {
        let with = |name: &str| {
            let t = json!({"spec": {"containers": [{"name": name, "image": "i"}]}});
            read(ignoring, &request(&t), "StatefulSet.apps").unwrap().template
        };
        let served = with(crate::config::DEFAULT_CONTAINER_NAME);
        assert_eq!(served.container_name, None);
        let renamed = with("etcd");
        assert_eq!(renamed.container_name(), "etcd");
        assert!(!renamed.unmodelled.contains(".name"), "kept, not unmodelled: {}", renamed.unmodelled);
        assert_ne!(served.canonical(), renamed.canonical());
    }

    /// A restart of a written template keeps what was written, adds or
    /// replaces the annotation, and is a new template for each time.
    #[test]
    fn a_restart_adds_the_annotation_to_the_template_as_written() {
        let written = json!({"metadata": {"annotations": {"team": "cache"}},
                             "spec": {"containers": [{"name": "main", "image": "i"}]}});
        let version = crate::features::Version::DEFAULT;
        let (first, object) = restarted(ignoring, &written, "web", version, "2025-01-01T00:02:00Z").unwrap();
        assert_eq!(
            object["metadata"]["annotations"],
            json!({"team": "cache", RESTARTED_AT: "2025-01-01T00:02:00Z"})
        );
        let (again, _) = restarted(ignoring, &object, "web", version, "2025-01-01T00:08:00Z").unwrap();
        assert_ne!(first.canonical(), again.canonical(), "each restart is a new revision");
        let bare = json!({"spec": {"containers": [{"name": "main", "image": "i"}]}});
        let (_, object) = restarted(ignoring, &bare, "web", version, "t").unwrap();
        assert_eq!(object["metadata"]["annotations"][RESTARTED_AT], "t");
        assert!(restarted(ignoring, &json!({"metadata": [1]}), "web", version, "t").is_err());
    }

    #[test]
    fn values_are_found_by_their_paths() {
        let template = json!({"metadata": {"annotations": {"a.b/c": "1"}},
                              "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": 1}}}]}});
        assert_eq!(value_at(&template, "metadata.annotations"), Some(&json!({"a.b/c": "1"})));
        assert_eq!(
            value_at(&template, "spec.containers[0].resources.limits.nvidia.com/gpu"),
            Some(&json!(1))
        );
        assert_eq!(value_at(&template, "spec.containers[1]"), None);
    }

    #[test]
    fn the_fallback_reads_the_container_and_refuses_the_rest_by_path() {
        let template = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx",
                                                       "resources": {"requests": {"cpu": "250m"}}}]}});
        let read = minimal(&request(&template)).unwrap();
        assert_eq!(read.template.image, "nginx");
        assert_eq!(read.template.requests.cpu_millis, 250);
        assert!(read.ignored.is_empty());
        let template = json!({"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"image": "nginx", "env": [{"name": "A", "value": "1"}]}]}});
        assert_eq!(
            minimal(&request(&template)).unwrap_err(),
            TemplateRefusal::NotModelled(
                "the fields spec.template.spec.containers.0.env.0.name, spec.template.spec.containers.0.env.0.value of a StatefulSet.apps (web)".into()
            )
        );
        let template = json!({"spec": {"containers": [{"name": "c"}]}});
        assert_eq!(
            minimal(&request(&template)).unwrap_err(),
            TemplateRefusal::Invalid(vec!["spec.template.spec.containers.0.image: Required value".into()])
        );
    }
}
