//! The API server's verbs on Kubernetes-shaped objects, as an operator
//! uses them: each request becomes `Api` writes (so the same rules hold
//! as for every other write: immutable fields, pvc-protection, eviction
//! budgets, finalizers, garbage collection) and gets the answer the API
//! server would give, with its code, reason and message:
//!
//! - `404 NotFound`: `persistentvolumeclaims "data-web-2" not found`;
//! - `409 AlreadyExists`: `persistentvolumeclaims "data-web-2" already exists`;
//! - `409 Conflict`, a stale `resourceVersion` (optimistic concurrency):
//!   `Operation cannot be fulfilled on statefulsets.apps "web": the object
//!   has been modified; please apply your changes to the latest version and
//!   try again` (apiserver `registry/generic/registry/store.go`,
//!   `OptimisticLockErrorMsg`);
//! - `409 Conflict`, a failed delete precondition: `... Precondition failed:
//!   UID in precondition: X, UID in object meta: Y` (apiserver
//!   `storage/interfaces.go`, `Preconditions.Check`);
//! - `422 Invalid`: the validation message (`StatefulSet.apps "web" is
//!   invalid: spec: Forbidden: updates to statefulset spec for fields other
//!   than ...`), or a custom resource's schema;
//! - `429 TooManyRequests`: an eviction a PodDisruptionBudget refuses
//!   (`Cannot evict pod as it would violate the pod's disruption budget.`);
//! - `500` with no reason (client-go's `IsInternalError` is true): the
//!   eviction of a pod more than one budget selects (`This pod has more
//!   than one PodDisruptionBudget, ...`), a create whose
//!   `metadata.resourceVersion` is set (`resourceVersion should not be set
//!   on objects to be created`).
//!
//! What stsim does not model is said so, never silently ignored:
//! `405 MethodNotAllowed` with a message that starts `stsim does not model`,
//! or, for the fields of a pod template the reader ignores (`template`), a
//! success with a warning naming each (`WriteResult::warnings`).

// A refusal is the API server's answer, returned as it is (it is what the
// operator gets); boxing it would only move the allocation.
#![allow(clippy::result_large_err)]

use super::template::TemplateReader;
use super::{ObjRef, Object, WriteResult, render};
use crate::api::{Api, ImageUpdateRefusal};
use crate::objects::*;
use crate::operators::{OperatorAction, Preconditions};
use crate::time::SimDuration;
use crate::trace::Event;
use serde_json::Value;

/// The plural resource name as errors name it (`statefulsets.apps`).
fn resource(api: &Api, kind: &str) -> String {
    match kind {
        "Pod" => "pods".into(),
        "PersistentVolumeClaim" => "persistentvolumeclaims".into(),
        "PersistentVolume" => "persistentvolumes".into(),
        "StatefulSet" => "statefulsets.apps".into(),
        "Service" => "services".into(),
        "Node" => "nodes".into(),
        "PodDisruptionBudget" => "poddisruptionbudgets.policy".into(),
        other => api
            .world()
            .custom
            .kind_named(other, None)
            .map_or_else(|| other.to_lowercase(), |k| api.world().custom.kinds[k].resource()),
    }
}

fn not_found(api: &Api, kind: &str, name: &str) -> WriteResult {
    WriteResult::failure(404, "NotFound", format!("{} \"{name}\" not found", resource(api, kind)))
}

pub(super) fn not_modelled(what: String) -> WriteResult {
    WriteResult::failure(405, "MethodNotAllowed", format!("stsim does not model {what}"))
}

/// The live object `kind`/`name`.
fn find(api: &Api, kind: &str, name: &str) -> Result<ObjRef, WriteResult> {
    let builtin = ["Pod", "PersistentVolumeClaim", "StatefulSet", "Service", "Node", "PersistentVolume"];
    if !builtin.contains(&kind) && api.world().custom.kind_named(kind, None).is_none() {
        let message = format!("the server could not find the requested resource (kind {kind})");
        return Err(WriteResult::failure(404, "NotFound", message));
    }
    super::find(api.world(), kind, name).ok_or_else(|| not_found(api, kind, name))
}

fn conflict(api: &Api, kind: &str, name: &str, why: &str) -> WriteResult {
    let message = format!("Operation cannot be fulfilled on {} \"{name}\": {why}", resource(api, kind));
    WriteResult::failure(409, "Conflict", message)
}

/// The uid and resourceVersion an object has now.
fn identity(api: &Api, obj: ObjRef) -> (String, String) {
    let object = render(api.world(), obj);
    let meta = &object["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (text(&meta["uid"]), text(&meta["resourceVersion"]))
}

fn check_preconditions(
    api: &Api,
    kind: &str,
    name: &str,
    obj: ObjRef,
    pre: &Preconditions,
) -> Result<(), WriteResult> {
    let (uid, version) = identity(api, obj);
    if let Some(want) = &pre.uid
        && *want != uid
    {
        let why = format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}");
        return Err(conflict(api, kind, name, &why));
    }
    if let Some(want) = &pre.resource_version
        && *want != version
    {
        let why = format!(
            "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {version}"
        );
        return Err(conflict(api, kind, name, &why));
    }
    Ok(())
}

/// An update's optimistic concurrency: a given `resourceVersion` must be the current one.
fn check_version(api: &Api, kind: &str, name: &str, obj: ObjRef, object: &Value) -> Result<(), WriteResult> {
    let (uid, version) = identity(api, obj);
    let meta = &object["metadata"];
    if let Some(want) = meta["uid"].as_str()
        && want != uid
    {
        let why = format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}");
        return Err(conflict(api, kind, name, &why));
    }
    if let Some(want) = meta["resourceVersion"].as_str()
        && want != version
    {
        let why =
            "the object has been modified; please apply your changes to the latest version and try again";
        return Err(conflict(api, kind, name, why));
    }
    Ok(())
}

/// The kind as the API server's errors name it (`StatefulSet.apps`,
/// `Cache.example.com`), for the kinds an operator may create; `None` for
/// any other (refused as not modelled).
fn shown_kind(api: &Api, object: &Value) -> Option<String> {
    let kind = object["kind"].as_str()?;
    if let Some(k) = api.world().custom.kind_named(kind, object["apiVersion"].as_str()) {
        let k = &api.world().custom.kinds[k];
        return Some(format!("{}.{}", k.kind, k.group));
    }
    match kind {
        "StatefulSet" => Some("StatefulSet.apps".to_string()),
        "Pod" | "Service" | "PersistentVolumeClaim" => Some(kind.to_string()),
        _ => None,
    }
}

/// A create without a name: the API server makes one from
/// `metadata.generateName` (`names.SimpleNameGenerator`: the prefix cut to
/// 58 bytes, then 5 characters of `bcdfghjklmnpqrstvwxz2456789`, drawn
/// here from a stream of the run's seed and the object's place among those
/// made), or refuses it with `name or generateName is required`. `None`
/// when the object has a name (or no kind, which `kind_and_name` refuses).
fn generated_name(api: &Api, object: &Value) -> Result<Option<Value>, WriteResult> {
    use crate::rng::RngExt;
    let meta = &object["metadata"];
    if meta["name"].as_str().is_some_and(|n| !n.is_empty()) {
        return Ok(None);
    }
    let Some(shown) = shown_kind(api, object) else { return Ok(None) };
    let Some(prefix) = meta["generateName"].as_str().filter(|p| !p.is_empty()) else {
        let message = format!(
            "{shown} \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    };
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut cut = prefix.len().min(58);
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut rng = crate::rng::stream(api.streams.seed, &format!("generate-name/{}", api.world().next_uid()));
    let suffix: String = (0..5).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    let mut named = object.clone();
    named["metadata"]["name"] = Value::String(format!("{}{suffix}", &prefix[..cut]));
    Ok(Some(named))
}

/// What `ValidateObjectMeta` checks of every create, whatever its kind:
/// the object's namespace is the request's (`rest.BeforeCreate`: `400`
/// otherwise), its name follows its kind's rule, its labels, annotations
/// and finalizers are well formed and its annotations within 256 KiB.
fn check_object_meta(
    api: &Api,
    shown: &str,
    kind: &str,
    name: &str,
    object: &Value,
) -> Result<(), WriteResult> {
    let meta = &object["metadata"];
    if let Some(namespace) = meta["namespace"].as_str()
        && !namespace.is_empty()
        && namespace != api.world().namespace
    {
        let message = "the namespace of the provided object does not match the namespace sent on the request";
        return Err(WriteResult::failure(400, "BadRequest", message.to_string()));
    }
    super::create::check_name(shown, name, super::create::name_rule(api, kind))?;
    let strings = |field: &str| -> Vec<(&str, &str)> {
        meta[field]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
            .collect()
    };
    let labels: crate::config::Labels =
        strings("labels").into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let finalizers: Vec<String> = meta["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(String::from))
        .collect();
    let mut errors = crate::api::validation::label_errors(&labels);
    errors.extend(crate::api::validation::annotation_and_finalizer_errors(
        strings("annotations").into_iter(),
        &finalizers,
    ));
    if errors.is_empty() {
        return Ok(());
    }
    Err(WriteResult::failure(422, "Invalid", crate::api::validation::invalid(shown, name, &errors)))
}

fn kind_and_name(object: &Value) -> Result<(String, String), WriteResult> {
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
    if kind.is_empty() || name.is_empty() {
        let message =
            "Object 'Kind' is missing or metadata.name is empty: an object needs kind and metadata.name";
        return Err(WriteResult::failure(400, "BadRequest", message.to_string()));
    }
    Ok((kind, name))
}

/// The paths at which two JSON values differ (`spec.replicas`).
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                differences(
                    &sub,
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push(path.to_string()),
        _ => {}
    }
}

/// Fields the API server sets itself, which a client's copy may carry stale.
pub(super) const SERVER_FIELDS: [&str; 5] =
    ["resourceVersion", "uid", "creationTimestamp", "generation", "deletionTimestamp"];

/// The metadata a write asks for, checked before anything is applied, so
/// that a refused write changes nothing.
struct MetadataWrite {
    annotations: Option<std::collections::BTreeMap<String, String>>,
    labels: Option<crate::config::Labels>,
    finalizers: Option<Vec<String>>,
    owners: Option<OwnerWrite>,
}

/// A change of `metadata.ownerReferences`.
enum OwnerWrite {
    /// A pod loses its controller: it runs on, unowned, until adopted.
    OrphanPod,
    /// A pod without a controller is given a StatefulSet as its controller.
    AdoptPod(StsId),
    /// A claim's owners replaced (StatefulSets and Pods; custom
    /// resources): the garbage collector looks again.
    Claim(Vec<OwnerRef>, Vec<Value>),
    /// A StatefulSet's or Service's custom resource owners replaced.
    Custom(Vec<Value>),
}

/// Writes `desired` (a whole object) over built-in `obj`, as far as stsim
/// models it: its metadata (labels, annotations, finalizers, owner
/// references) through the same API writes a person's hand edit uses, and
/// the spec fields the kind allows to change.
fn write_builtin(
    api: &mut Api,
    obj: ObjRef,
    kind: &str,
    name: &str,
    desired: &Value,
    reader: TemplateReader,
) -> WriteResult {
    let current = render(api.world(), obj);
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in SERVER_FIELDS.iter().chain(&["deletionGracePeriodSeconds", "namespace"]) {
                meta.remove(*field);
            }
        }
        // The status subresource: an update of the object ignores it.
        v.as_object_mut().map(|o| o.remove("status"));
        v
    };
    let mut changed = Vec::new();
    differences("", &strip(&current), &strip(desired), &mut changed);
    if changed.is_empty() {
        return WriteResult::ok(200, Some(current));
    }
    let touches = |field: &str| {
        let prefix = format!("metadata.{field}");
        changed.iter().any(|p| *p == prefix || p.starts_with(&format!("{prefix}.")))
    };
    let meta = match metadata_write(api, obj, kind, name, &current, desired, &touches) {
        Ok(meta) => meta,
        Err(e) => return e,
    };
    let known = ["annotations", "labels", "finalizers", "ownerReferences"];
    let other_metadata = changed.iter().find(|p| {
        p.strip_prefix("metadata.").is_some_and(|f| !known.contains(&f.split('.').next().unwrap_or_default()))
    });
    if let Some(path) = other_metadata {
        return not_modelled(format!("changes to {path} of a {kind} ({name})"));
    }
    let rest: Vec<String> = changed.iter().filter(|p| !p.starts_with("metadata.")).cloned().collect();
    if let Some(path) = rest.iter().find(|p| !p.starts_with("spec.")) {
        return not_modelled(format!("changes to {path} of a {kind} ({name})"));
    }
    let mut warnings = Vec::new();
    if !rest.is_empty() {
        let result = match obj {
            ObjRef::Sts(sts) => write_statefulset_spec(api, sts, name, desired, &rest, reader),
            ObjRef::Pod(pod) => write_pod_spec(api, pod, name, &current, desired, &rest).map(|()| Vec::new()),
            ObjRef::Pvc(pvc) => write_claim_spec(api, pvc, name, desired, &rest).map(|()| Vec::new()),
            ObjRef::Service(id) => write_service_spec(api, id, name, desired, &rest).map(|()| Vec::new()),
            _ => Err(not_modelled(format!("changes to {} of a {kind} ({name})", rest.join(", ")))),
        };
        match result {
            Ok(said) => warnings = said,
            Err(e) => return e,
        }
    }
    apply_metadata(api, obj, meta);
    WriteResult { warnings, ..WriteResult::ok(200, Some(render(api.world(), obj))) }
}

/// Checks the metadata fields a write changes; `touches` says which.
fn metadata_write(
    api: &Api,
    obj: ObjRef,
    kind: &str,
    name: &str,
    current: &Value,
    desired: &Value,
    touches: &dyn Fn(&str) -> bool,
) -> Result<MetadataWrite, WriteResult> {
    // As the API server's errors name the kind: with its group, but for the core's.
    let shown = if kind == "StatefulSet" { "StatefulSet.apps" } else { kind };
    let invalid = |message: String| {
        WriteResult::failure(422, "Invalid", format!("{shown} \"{name}\" is invalid: {message}"))
    };
    let meta = &desired["metadata"];
    let annotations = if touches("annotations") {
        Some(client_annotations(api, obj, kind, name, current, desired)?)
    } else {
        None
    };
    let labels = if touches("labels") {
        if matches!(obj, ObjRef::Node(_) | ObjRef::Pv(_)) {
            return Err(not_modelled(format!("clients changing the labels of a {kind}")));
        }
        let mut labels = Vec::new();
        for (key, value) in meta["labels"].as_object().into_iter().flatten() {
            let Some(value) = value.as_str() else {
                return Err(invalid(format!(
                    "metadata.labels: Invalid value: {value}: label values must be strings"
                )));
            };
            labels.push((key.clone(), value.to_string()));
        }
        let labels: crate::config::Labels = labels.into_iter().collect();
        let errors = crate::api::validation::label_errors(&labels);
        if !errors.is_empty() {
            return Err(WriteResult::failure(
                422,
                "Invalid",
                crate::api::validation::invalid(shown, name, &errors),
            ));
        }
        Some(labels)
    } else {
        None
    };
    let finalizers = if touches("finalizers") {
        let mut list = Vec::new();
        for f in meta["finalizers"].as_array().into_iter().flatten() {
            let Some(f) = f.as_str() else {
                return Err(invalid(format!(
                    "metadata.finalizers: Invalid value: {f}: finalizers must be strings"
                )));
            };
            list.push(f.to_string());
        }
        let (deleting, old) = match obj {
            ObjRef::Pod(id) => {
                (api.world().pod(id).deletion_timestamp, api.world().pod(id).finalizers.clone())
            }
            // The whole list, `kubernetes.io/pvc-protection` included: a
            // client may remove it (`Api::set_pvc_finalizers`).
            ObjRef::Pvc(id) => (api.world().pvc(id).deletion_timestamp, api.world().pvc(id).finalizer_list()),
            ObjRef::Sts(id) => {
                (api.world().sts(id).deletion_timestamp, api.world().sts(id).finalizers.clone())
            }
            ObjRef::Service(id) => {
                (api.world().service(id).deletion_timestamp, api.world().service(id).finalizers.clone())
            }
            _ => return Err(not_modelled(format!("clients changing the finalizers of a {kind}"))),
        };
        if let Some(message) = crate::api::no_new_finalizers(deleting, &old, &list) {
            return Err(invalid(message));
        }
        Some(list)
    } else {
        None
    };
    // The annotations and finalizers written, as a create's are checked
    // (`ValidateObjectMetaUpdate` checks the whole metadata; what was not
    // written was checked when it was).
    let written: Vec<(&str, &str)> = match touches("annotations") {
        true => meta["annotations"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
            .collect(),
        false => Vec::new(),
    };
    let errors = crate::api::validation::annotation_and_finalizer_errors(
        written.into_iter(),
        finalizers.as_deref().unwrap_or_default(),
    );
    if !errors.is_empty() {
        return Err(WriteResult::failure(
            422,
            "Invalid",
            crate::api::validation::invalid(shown, name, &errors),
        ));
    }
    let owners = if touches("ownerReferences") {
        if matches!(obj, ObjRef::Sts(_) | ObjRef::Service(_)) {
            return Ok(MetadataWrite {
                annotations,
                labels,
                finalizers,
                owners: Some(OwnerWrite::Custom(custom_owner_refs(api, &meta["ownerReferences"], kind)?)),
            });
        }
        let wanted = match obj {
            ObjRef::Pvc(_) => Vec::new(),
            _ => owner_refs(api, &meta["ownerReferences"])?,
        };
        match obj {
            ObjRef::Pod(id) => {
                let now = api.world().pod(id).owner;
                match (now, wanted.as_slice()) {
                    (_, []) if now.is_some() => Some(OwnerWrite::OrphanPod),
                    (None, [OwnerRef { owner: Owner::StatefulSet(set), .. }]) => {
                        member_of(api, name, *set)?;
                        Some(OwnerWrite::AdoptPod(*set))
                    }
                    (Some(set), [OwnerRef { owner: Owner::StatefulSet(same), .. }]) if set == *same => None,
                    _ => {
                        return Err(not_modelled(
                            "owner references of a pod other than none or one StatefulSet as its controller, set while it has none".into(),
                        ));
                    }
                }
            }
            ObjRef::Pvc(_) => {
                let (builtin, custom) = claim_owner_refs(api, &meta["ownerReferences"])?;
                Some(OwnerWrite::Claim(builtin, custom))
            }
            _ => return Err(not_modelled(format!("clients changing the owner references of a {kind}"))),
        }
    } else {
        None
    };
    Ok(MetadataWrite { annotations, labels, finalizers, owners })
}

/// Whether a pod named `pod` may have StatefulSet `set` as its controller:
/// the set only looks at pods its name makes members (`isMemberOf`:
/// `<set>-<ordinal>`), and holds one pod per ordinal.
pub(super) fn member_of(api: &Api, pod: &str, set: StsId) -> Result<(), WriteResult> {
    let world = api.world();
    let set = world.sts(set);
    match parse_pod_name(pod) {
        Some((parent, ordinal)) if parent == set.name && !set.pods.contains_key(&ordinal) => Ok(()),
        Some((parent, ordinal)) if parent == set.name => Err(not_modelled(format!(
            "a second pod for ordinal {ordinal} of StatefulSet {} ({pod})",
            set.name
        ))),
        _ => Err(not_modelled(format!(
            "pods owned by a StatefulSet they are not members of ({pod} is not named {}-<ordinal>)",
            set.name
        ))),
    }
}

/// Owner references to live StatefulSets or Pods, matched by name and uid.
pub(super) fn owner_refs(api: &Api, refs: &Value) -> Result<Vec<OwnerRef>, WriteResult> {
    let mut out = Vec::new();
    for reference in refs.as_array().into_iter().flatten() {
        let owner_name = reference["name"].as_str().unwrap_or_default();
        let found = match reference["kind"].as_str() {
            Some("StatefulSet") => api.world().sts_named(owner_name).map(|id| {
                let set = api.world().sts(id);
                (Owner::StatefulSet(id), set.uid)
            }),
            Some("Pod") => {
                api.world().pod_named(owner_name).map(|id| (Owner::Pod(id), api.world().pod(id).uid))
            }
            _ => None,
        };
        match found {
            Some((owner, uid)) if reference["uid"].as_str() == Some(super::uid(uid).as_str()) => {
                out.push(OwnerRef { owner, uid })
            }
            _ => {
                return Err(not_modelled(format!(
                    "owner references to anything but a live StatefulSet or Pod with its uid ({} {owner_name})",
                    reference["kind"].as_str().unwrap_or("?")
                )));
            }
        }
    }
    Ok(out)
}

/// A claim's owner references: to live StatefulSets and Pods, and to live
/// custom resources.
fn claim_owner_refs(api: &Api, refs: &Value) -> Result<(Vec<OwnerRef>, Vec<Value>), WriteResult> {
    let all = refs.as_array().cloned().unwrap_or_default();
    let (builtin, custom): (Vec<Value>, Vec<Value>) =
        all.into_iter().partition(|r| matches!(r["kind"].as_str(), Some("StatefulSet" | "Pod")));
    Ok((owner_refs(api, &Value::Array(builtin))?, custom_owner_refs(api, &Value::Array(custom), "claim")?))
}

/// Owner references to live custom resources (an operator's own kinds),
/// matched by kind, name and uid, as the garbage collector follows them.
pub(super) fn custom_owner_refs(api: &Api, refs: &Value, kind: &str) -> Result<Vec<Value>, WriteResult> {
    let mut out = Vec::new();
    for reference in refs.as_array().into_iter().flatten() {
        let world = api.world();
        let owner_kind = reference["kind"].as_str().unwrap_or_default();
        let owner_name = reference["name"].as_str().unwrap_or_default();
        let live = world
            .custom
            .kind_named(owner_kind, None)
            .and_then(|k| world.custom.named(k, owner_name))
            .map(|id| &world.custom.objects[id as usize])
            .filter(|o| reference["uid"].as_str() == Some(super::uid(o.uid).as_str()));
        if live.is_none() {
            return Err(not_modelled(format!(
                "owner references of a {kind} to anything but a live custom resource with its uid ({owner_kind} {owner_name})"
            )));
        }
        out.push(reference.clone());
    }
    Ok(out)
}

/// Applies checked metadata, through the writes a hand edit uses.
fn apply_metadata(api: &mut Api, obj: ObjRef, meta: MetadataWrite) {
    if let Some(annotations) = meta.annotations {
        api.annotate(obj, annotations);
    }
    if let Some(labels) = meta.labels {
        let change = format!(
            "labels [{}]",
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
        );
        match obj {
            ObjRef::Pod(id) => api.set_pod_labels(id, labels, change),
            ObjRef::Pvc(id) => api.set_pvc_labels(id, labels, change),
            _ => api.set_object_labels(obj, labels),
        }
    }
    if let Some(owners) = meta.owners {
        match (obj, owners) {
            (ObjRef::Pod(id), OwnerWrite::OrphanPod) => api.remove_pod_owner(id),
            (ObjRef::Pod(id), OwnerWrite::AdoptPod(set)) => api.adopt_pod(id, set),
            (ObjRef::Pvc(id), OwnerWrite::Claim(refs, custom)) => {
                if api.world().pvc(id).owner_refs != refs {
                    api.replace_pvc_owners(id, refs);
                }
                api.set_custom_owners(obj, custom);
            }
            (_, OwnerWrite::Custom(refs)) => api.set_custom_owners(obj, refs),
            _ => unreachable!("owner writes are checked per kind"),
        }
    }
    // Last: removing the last finalizer of a deleted object lets it go.
    // The rule was checked above, so these do not refuse.
    if let Some(finalizers) = meta.finalizers {
        let _ = match obj {
            ObjRef::Pod(id) => api.set_pod_finalizers(id, finalizers),
            ObjRef::Pvc(id) => api.set_pvc_finalizers(id, finalizers),
            _ => api.set_object_finalizers(obj, finalizers),
        };
    }
}

/// `ValidatePodUpdate`: a pod's spec is immutable but for a few fields,
/// the containers' images among them. A new image of its first container
/// is applied in place (`Api::update_pod_image`: the kubelet restarts the
/// container with it); the images of its init containers and other
/// containers are not modelled, and their changes refused as such.
fn write_pod_spec(
    api: &mut Api,
    pod: PodId,
    name: &str,
    current: &Value,
    desired: &Value,
    changed: &[String],
) -> Result<(), WriteResult> {
    let image_only = |p: &String| p == "spec.containers" || p == "spec.initContainers";
    if !changed.iter().all(image_only) {
        let message = format!(
            "Pod \"{name}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    if changed.iter().any(|p| p == "spec.initContainers") {
        return Err(not_modelled(format!("changes to the images of a pod's init containers ({name})")));
    }
    // Everything but `image` of each container must stay as it is, once
    // defaulted: a container written without `imagePullPolicy` gets the
    // default for its image, as the API server defaults the merged pod.
    let without_images = |v: &Value| {
        let mut v = v["spec"]["containers"].clone();
        for c in v.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
            if !c.contains_key("imagePullPolicy") {
                let image = c.get("image").and_then(Value::as_str).unwrap_or("");
                let policy = crate::config::ImagePullPolicy::default_for(image);
                c.insert("imagePullPolicy".into(), policy.as_str().into());
            }
            c.remove("image");
        }
        v
    };
    if without_images(current) != without_images(desired) {
        let message = format!(
            "Pod \"{name}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    // The other containers' images in place are not modelled: said so,
    // never dropped.
    let others = |v: &Value| -> Vec<Value> {
        let containers = v["spec"]["containers"].as_array().cloned().unwrap_or_default();
        containers.iter().skip(1).map(|c| c["image"].clone()).collect()
    };
    if others(current) != others(desired) {
        return Err(not_modelled(format!("changes to the images of a pod's other containers ({name})")));
    }
    let image = &desired["spec"]["containers"][0]["image"];
    match image.as_str() {
        Some(image) if !image.is_empty() => {
            api.update_pod_image(pod, image.to_string()).map_err(|r| match r {
                ImageUpdateRefusal::Invalid(message) => WriteResult::failure(422, "Invalid", message),
                ImageUpdateRefusal::NotModelled(what) => not_modelled(what),
            })
        }
        _ => Err(WriteResult::failure(
            422,
            "Invalid",
            format!("Pod \"{name}\" is invalid: spec.containers[0].image: Required value"),
        )),
    }
}

/// `ValidatePersistentVolumeClaimUpdate`: only `resources.requests` of a
/// bound claim may change (an expansion, or a lowered request the release
/// allows, through the resize path: `Api::resize_pvc`).
fn write_claim_spec(
    api: &mut Api,
    pvc: PvcId,
    name: &str,
    desired: &Value,
    changed: &[String],
) -> Result<(), WriteResult> {
    if changed.iter().any(|p| p != "spec.resources.requests.storage") {
        let message = format!(
            "PersistentVolumeClaim \"{name}\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    let requested = &desired["spec"]["resources"]["requests"]["storage"];
    let Some(bytes) = requested.as_str().and_then(parse_quantity) else {
        let message = format!(
            "PersistentVolumeClaim \"{name}\" is invalid: spec.resources.requests.storage: Invalid value: {requested}: must be a quantity"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    };
    api.resize_pvc(pvc, bytes).map_err(|message| {
        let code = if message.contains("is forbidden") { (403, "Forbidden") } else { (422, "Invalid") };
        WriteResult::failure(code.0, code.1, message)
    })
}

/// `ValidateServiceUpdate`: a Service's cluster IP (`None` for a headless
/// one) may not change; an update that leaves it out keeps it (the
/// strategy copies the allocated value). Its `selector`, `ports` and
/// `publishNotReadyAddresses` may: endpoints and DNS follow
/// (`Api::update_service_spec`). Its type and the ports' other fields
/// (`targetPort`, `protocol` other than TCP) are not modelled.
fn write_service_spec(
    api: &mut Api,
    service: ServiceId,
    name: &str,
    desired: &Value,
    changed: &[String],
) -> Result<(), WriteResult> {
    let ip = &desired["spec"]["clusterIP"];
    let changed: Vec<&String> =
        changed.iter().filter(|p| !(*p == "spec.clusterIP" && ip.is_null())).collect();
    if changed.is_empty() {
        return Ok(());
    }
    if changed.iter().any(|p| *p == "spec.clusterIP") {
        let message = format!(
            "Service \"{name}\" is invalid: spec.clusterIPs[0]: Invalid value: []string{{{ip}}}: may not change once set"
        );
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    let mutable = |p: &str| {
        p == "spec.ports"
            || p == "spec.selector"
            || p.starts_with("spec.selector.")
            || p == "spec.publishNotReadyAddresses"
    };
    let other: Vec<&str> = changed.iter().map(|p| p.as_str()).filter(|p| !mutable(p)).collect();
    if !other.is_empty() {
        return Err(not_modelled(format!("changes to {} of a Service ({name})", other.join(", "))));
    }
    let spec = &desired["spec"];
    let selector = super::create::string_map("Service", name, "spec.selector", &spec["selector"])?;
    for (i, port) in spec["ports"].as_array().into_iter().flatten().enumerate() {
        let extra: Vec<&String> = port
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| {
                !(matches!(k.as_str(), "name" | "port" | "targetPort") || (*k == "protocol" && *v == "TCP"))
            })
            .map(|(k, _)| k)
            .collect();
        if let Some(field) = extra.first() {
            return Err(not_modelled(format!("spec.ports[{i}].{field} of a Service ({name})")));
        }
    }
    let ports = super::create::service_ports(name, &spec["ports"])?;
    let headless = api.world().service(service).headless;
    if ports.is_empty() && !headless {
        let message = format!("Service \"{name}\" is invalid: spec.ports: Required value");
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    let publish = match &spec["publishNotReadyAddresses"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        other => {
            let message = format!(
                "Service \"{name}\" is invalid: spec.publishNotReadyAddresses: Invalid value: {other}: must be a boolean"
            );
            return Err(WriteResult::failure(422, "Invalid", message));
        }
    };
    api.update_service_spec(service, selector, ports, publish);
    Ok(())
}

/// `spec` changes of a StatefulSet: those `ValidateStatefulSetUpdate`
/// allows and stsim models, applied; immutable ones refused with its message.
/// A template a client wrote (on create or an earlier update) is read
/// again whole by `reader`, as on create: any change it can read is applied,
/// and the controller makes a new revision and rolls the pods. A template
/// the scenario defines is served whole (`pod_template`): a change of its
/// image or annotations alone is made in place, any other is read whole
/// and kept as written from then on. The answer is the template's fields
/// the reader ignored.
fn write_statefulset_spec(
    api: &mut Api,
    sts: StsId,
    name: &str,
    desired: &Value,
    changed: &[String],
    reader: TemplateReader,
) -> Result<Vec<String>, WriteResult> {
    let spec = &desired["spec"];
    let mut immutable = Vec::new();
    let mut unmodelled = Vec::new();
    for path in changed {
        let field = path.strip_prefix("spec.").unwrap_or(path);
        let top = field.split('.').next().unwrap_or_default();
        match top {
            "replicas" | "minReadySeconds" => {}
            "template" => {}
            "updateStrategy" if field == "updateStrategy.rollingUpdate.partition" => {}
            // Mutable since StatefulSetAutoDeletePVC (1.27 beta, 1.32 GA).
            "persistentVolumeClaimRetentionPolicy" => {}
            "serviceName" | "selector" | "podManagementPolicy" | "volumeClaimTemplates" => {
                immutable.push(path)
            }
            _ => unmodelled.push(path.clone()),
        }
    }
    if !unmodelled.is_empty() {
        return Err(not_modelled(format!("changes to {} of a StatefulSet", unmodelled.join(", "))));
    }
    if !immutable.is_empty() {
        let message = crate::api::statefulset_forbidden(api.world(), sts);
        api.record(Event::StatefulSetUpdateRejected { sts, message: message.clone() });
        return Err(WriteResult::failure(422, "Invalid", message));
    }
    let int = |v: &Value, field: &str| -> Result<u32, WriteResult> {
        v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            WriteResult::failure(
                422,
                "Invalid",
                format!("StatefulSet.apps \"{name}\" is invalid: {field}: Invalid value: {v}: must be greater than or equal to 0"),
            )
        })
    };
    let replicas = match int(&spec["replicas"], "spec.replicas") {
        Ok(n) if n > crate::sim::MAX_REPLICAS => {
            let message = format!(
                "StatefulSet.apps \"{name}\" is invalid: spec.replicas: Invalid value: {n}: stsim simulates at most {} replicas",
                crate::sim::MAX_REPLICAS
            );
            return Err(WriteResult::failure(422, "Invalid", message));
        }
        Ok(n) => n,
        Err(e) => return Err(e),
    };
    let min_ready = int(&spec["minReadySeconds"], "spec.minReadySeconds")?;
    let partition = spec["updateStrategy"]["rollingUpdate"]["partition"].as_u64().map(|p| p as u32);
    let retention = |field: &str| -> Result<Option<crate::config::RetentionAction>, WriteResult> {
        match spec["persistentVolumeClaimRetentionPolicy"][field].as_str() {
            None => Ok(None),
            Some("Retain") => Ok(Some(crate::config::RetentionAction::Retain)),
            Some("Delete") => Ok(Some(crate::config::RetentionAction::Delete)),
            Some(other) => Err(WriteResult::failure(
                422,
                "Invalid",
                format!(
                    "StatefulSet.apps \"{name}\" is invalid: spec.persistentVolumeClaimRetentionPolicy.{field}: Unsupported value: \"{other}\": supported values: \"Retain\", \"Delete\""
                ),
            )),
        }
    };
    let (when_deleted, when_scaled) = (retention("whenDeleted")?, retention("whenScaled")?);
    let template = if changed.iter().any(|p| p.starts_with("spec.template")) {
        Some(statefulset_template(api, sts, name, &spec["template"], reader)?)
    } else {
        None
    };
    let said = template.as_ref().map(|t| super::template::warnings(&t.0)).unwrap_or_default();
    let generation = api.world().sts(sts).generation;
    let written = template.as_ref().and_then(|t| t.1.then(|| spec["template"].clone()));
    let result = api.update_statefulset(sts, format!("operator update of {}", changed.join(", ")), |s| {
        s.replicas = replicas;
        s.min_ready_seconds = min_ready;
        if let Some((read, _)) = template {
            s.template = read.template;
        }
        if let (Some(p), crate::config::UpdateStrategy::RollingUpdate { partition, nil, .. }) =
            (partition, &mut s.update_strategy)
        {
            *partition = p;
            *nil = false;
        }
        if let Some(action) = when_deleted {
            s.retention.when_deleted = action;
        }
        if let Some(action) = when_scaled {
            s.retention.when_scaled = action;
        }
    });
    result.map_err(|message| WriteResult::failure(422, "Invalid", message))?;
    if let Some(object) = written {
        if api.world().sts(sts).generation == generation {
            // Only what the model does not hold changed (a container's name).
            api.set_template_object(sts, object, format!("operator update of {}", changed.join(", ")));
        } else {
            api.world.sts_mut(sts).template_object = Some(object);
        }
    }
    Ok(said)
}

/// The template an update of StatefulSet `sts` asks for, and whether it is
/// kept as written.
fn statefulset_template(
    api: &Api,
    sts: StsId,
    name: &str,
    desired: &Value,
    reader: TemplateReader,
) -> Result<(super::template::ReadTemplate, bool), WriteResult> {
    let set = api.world().sts(sts);
    // A scenario's template (not kept as written) whose image or
    // annotations alone change (`kubectl set image`, `kubectl rollout
    // restart`) is changed in place, and stays the scenario's.
    if set.template_object.is_none() {
        let rendered = render(api.world(), ObjRef::Sts(sts));
        let without_image = |t: &Value| {
            let mut t = t.clone();
            t["spec"]["containers"][0].as_object_mut().map(|c| c.remove("image"));
            t.get_mut("metadata").and_then(Value::as_object_mut).map(|m| m.remove("annotations"));
            t
        };
        let image = desired["spec"]["containers"][0]["image"].as_str().filter(|i| !i.trim().is_empty());
        if let Some(image) = image
            && without_image(&rendered["spec"]["template"]) == without_image(desired)
        {
            return scenario_template_with(api, sts, name, image, desired);
        }
    }
    // Any other change, or a template a client wrote: read whole, as on
    // create, and kept as written from then on.
    let request = super::template::TemplateRequest {
        kind: "StatefulSet",
        name,
        template: desired,
        version: api.world().kubernetes,
    };
    let read = super::template::read(reader, &request, "StatefulSet.apps")?;
    super::create::selector_matches(name, &set.spec.selector, &read.template.labels)?;
    Ok((read, true))
}

/// A scenario's template with a new image and the annotations `desired` has.
fn scenario_template_with(
    api: &Api,
    sts: StsId,
    name: &str,
    image: &str,
    desired: &Value,
) -> Result<(super::template::ReadTemplate, bool), WriteResult> {
    let set = api.world().sts(sts);
    let mut template = set.spec.template.clone();
    template.image = image.to_string();
    let annotations = desired.pointer("/metadata/annotations").unwrap_or(&Value::Null);
    template.annotations = super::create::string_map(
        "StatefulSet.apps",
        name,
        "spec.template.metadata.annotations",
        annotations,
    )?;
    Ok((super::template::ReadTemplate { template, ignored: Vec::new(), warnings: Vec::new() }, false))
}

/// The annotations a write asks for that the model does not set itself, or why not.
fn client_annotations(
    api: &Api,
    obj: ObjRef,
    kind: &str,
    name: &str,
    current: &Value,
    desired: &Value,
) -> Result<std::collections::BTreeMap<String, String>, WriteResult> {
    let mine = api.world().versions.annotations(obj);
    let theirs = &current["metadata"]["annotations"];
    let mut out = std::collections::BTreeMap::new();
    let wanted = desired["metadata"]["annotations"].as_object().cloned().unwrap_or_default();
    for (key, value) in &wanted {
        let Some(value) = value.as_str() else {
            let message = format!(
                "{kind} \"{name}\" is invalid: metadata.annotations: Invalid value: {value}: annotation values must be strings"
            );
            return Err(WriteResult::failure(422, "Invalid", message));
        };
        let model_set = theirs.get(key).is_some() && !mine.contains_key(key);
        if model_set {
            if theirs[key] != value {
                return Err(not_modelled(format!("clients changing the annotation {key} of a {kind}")));
            }
            continue;
        }
        out.insert(key.clone(), value.to_string());
    }
    let removed = theirs
        .as_object()
        .and_then(|t| t.keys().find(|k| !mine.contains_key(*k) && !wanted.contains_key(*k)));
    if let Some(key) = removed {
        return Err(not_modelled(format!("clients removing the annotation {key} of a {kind}")));
    }
    Ok(out)
}

/// A quantity of bytes as a claim's request gives it (`10Gi`, `500M`, `1000`).
pub(super) fn parse_quantity(text: &str) -> Option<u64> {
    let units: [(&str, u64); 8] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
    ];
    for (suffix, size) in units {
        if let Some(n) = text.strip_suffix(suffix) {
            return n.parse::<u64>().ok()?.checked_mul(size);
        }
    }
    text.parse().ok()
}

/// A create refused because the name is taken by an object being deleted
/// (held by its finalizers, `orphan` and `foregroundDeletion` included)
/// says so, as the API server's store does (`object is being deleted:
/// statefulsets.apps "web" already exists`, apiserver
/// registry/generic/registry/store.go `Create`).
fn being_deleted(api: &Api, object: &Value, mut result: WriteResult) -> WriteResult {
    if result.code != 409 || result.reason != Some("AlreadyExists") {
        return result;
    }
    let (Some(kind), Some(name)) = (object["kind"].as_str(), object["metadata"]["name"].as_str()) else {
        return result;
    };
    let deleting = super::find(api.world(), kind, name)
        .is_some_and(|obj| render(api.world(), obj)["metadata"]["deletionTimestamp"].is_string());
    if deleting && let Some(message) = &mut result.message {
        *message = format!("object is being deleted: {message}");
    }
    result
}

/// A create whose `metadata.resourceVersion` is a revision: the storage
/// refuses it (k8s.io/apiserver pkg/storage/etcd3/store.go `Create`: `if
/// version, err := s.versioner.ObjectResourceVersion(obj); err == nil &&
/// version != 0 { return storage.ErrResourceVersionSetOnCreate }`, "resourceVersion
/// should not be set on objects to be created", pkg/storage/errors.go). The
/// versioner parses with `strconv.ParseUint(rv, 10, 64)` and takes "" and
/// "0" as 0, so only decimal digits that make a non-zero u64 are refused:
/// "-1", "+3", "abc" or a number past u64 pass (kubernetes/kubernetes#113847
/// keeps "-1" working). The error is a plain one, which the handler answers
/// as 500 with reason Unknown, which is none (`ErrorToAPIStatus`'s default).
/// The storage sees a create after the metadata and the object are
/// validated; stsim checks the resourceVersion after the metadata and
/// before the kind's own checks (its spec's 422, a name's 409 AlreadyExists,
/// which the storage finds after this check).
fn resource_version_set_on_create(object: &Value) -> Option<WriteResult> {
    let rv = object["metadata"]["resourceVersion"].as_str()?;
    let revision = rv.bytes().all(|b| b.is_ascii_digit()) && rv.parse::<u64>().is_ok_and(|v| v != 0);
    revision.then(|| WriteResult {
        reason: None,
        ..WriteResult::failure(
            500,
            "",
            "resourceVersion should not be set on objects to be created".to_string(),
        )
    })
}

fn create(api: &mut Api, object: &Value, reader: TemplateReader) -> WriteResult {
    let named;
    let object = match generated_name(api, object) {
        Ok(Some(with_name)) => {
            named = with_name;
            &named
        }
        Ok(None) => object,
        Err(refused) => return refused,
    };
    let (kind, name) = match kind_and_name(object) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if let Some(shown) = shown_kind(api, object)
        && let Err(refused) = check_object_meta(api, &shown, &kind, &name, object)
    {
        return refused;
    }
    if let Some(refused) = resource_version_set_on_create(object) {
        return refused;
    }
    if let Some(k) = api.world().custom.kind_named(&kind, object["apiVersion"].as_str()) {
        return api.create_custom(k, object);
    }
    match kind.as_str() {
        "Pod" => return super::create::pod(api, object, &name, reader),
        "Service" => return super::create::service(api, object, &name),
        "StatefulSet" => return super::create::statefulset(api, object, &name, reader),
        "PersistentVolumeClaim" => {}
        other => {
            return not_modelled(format!(
                "operators creating a {other} (they may create pods, claims, StatefulSets, Services and custom resources)"
            ));
        }
    }
    if api.world().pvc_named(&name).is_some() {
        return WriteResult::failure(
            409,
            "AlreadyExists",
            format!("persistentvolumeclaims \"{name}\" already exists"),
        );
    }
    let spec = &object["spec"];
    let Some(bytes) = spec["resources"]["requests"]["storage"].as_str().and_then(parse_quantity) else {
        let message =
            format!("PersistentVolumeClaim \"{name}\" is invalid: spec.resources[storage]: Required value");
        return WriteResult::failure(422, "Invalid", message);
    };
    // The DefaultStorageClass admission plugin fills in a missing class.
    let storage_class_name = match spec["storageClassName"].as_str() {
        Some(class) => Some(class.to_string()),
        None => api.world().default_class().map(|c| api.world().class(c).name.clone()),
    };
    let labels = object["metadata"]["labels"]
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    // Owner references to a live StatefulSet or Pod (matched by name and
    // uid) make the claim theirs: the garbage collector deletes it with them.
    let (owner_refs, custom_owners) = match claim_owner_refs(api, &object["metadata"]["ownerReferences"]) {
        Ok(refs) => refs,
        Err(e) => return e,
    };
    let new = crate::api::NewPvc {
        name,
        labels,
        storage_class_name,
        request_bytes: bytes,
        access_modes: vec![crate::config::AccessMode::ReadWriteOnce],
        owner_refs,
        statefulset: None,
        volume_name: None,
    };
    match api.create_pvc(new) {
        Ok(id) => {
            // Part of the object from its creation.
            api.world.pvc_mut(id).owner_references = custom_owners;
            WriteResult::ok(201, Some(render(api.world(), ObjRef::Pvc(id))))
        }
        Err(e) => WriteResult::failure(409, "AlreadyExists", e.to_string()),
    }
}

fn update(api: &mut Api, object: &Value, status_only: bool, reader: TemplateReader) -> WriteResult {
    let (kind, name) = match kind_and_name(object) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let obj = match find(api, &kind, &name) {
        Ok(obj) => obj,
        Err(e) => return e,
    };
    if let ObjRef::Custom(id) = obj {
        // Custom resources do not allow unconditional updates (apiextensions'
        // strategy: `AllowUnconditionalUpdate` is false).
        if object["metadata"]["resourceVersion"].as_str().is_none() {
            let k = &api.world().custom.kinds[api.world().custom.objects[id as usize].kind];
            let message = format!(
                "{}.{} \"{name}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
                k.kind, k.group
            );
            return WriteResult::failure(422, "Invalid", message);
        }
        if let Err(e) = check_version(api, &kind, &name, obj, object) {
            return e;
        }
        return api.update_custom(id, object, status_only);
    }
    if let Err(e) = check_version(api, &kind, &name, obj, object) {
        return e;
    }
    if status_only {
        return not_modelled(format!(
            "operators writing the status of a {kind}: its controller or kubelet does"
        ));
    }
    write_builtin(api, obj, &kind, &name, object, reader)
}

/// Which part of an object a write goes to: the main resource, or its
/// `status` subresource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Main,
    Status,
}

/// The part a patch's `subresource` names, or the API server's answer to
/// one it does not serve.
fn part(kind: &str, subresource: Option<&str>) -> Result<Part, WriteResult> {
    match subresource {
        None | Some("") => Ok(Part::Main),
        Some("status") => Ok(Part::Status),
        Some("scale") => {
            Err(not_modelled(format!("the scale subresource of a {kind}: patch its spec.replicas")))
        }
        // An unknown subresource's path is no route of the API server.
        Some(_) => Err(WriteResult::failure(
            404,
            "NotFound",
            "the server could not find the requested resource".to_string(),
        )),
    }
}

fn patch(
    api: &mut Api,
    (kind, name): (&str, &str),
    (patch, patch_type): (&Value, super::patch::PatchType),
    subresource: Option<&str>,
    reader: TemplateReader,
) -> WriteResult {
    let part = match part(kind, subresource) {
        Ok(part) => part,
        Err(e) => return e,
    };
    let obj = match find(api, kind, name) {
        Ok(obj) => obj,
        Err(e) => return e,
    };
    let mut desired = render(api.world(), obj);
    let custom = matches!(obj, ObjRef::Custom(_));
    if let Err(e) = super::patch::apply(patch_type, &mut desired, patch, custom) {
        return WriteResult::failure(e.code, e.reason, e.message);
    }
    // The patched object's uid and resourceVersion, as a patch may set
    // them, are the update's preconditions (the patch verbs of every type
    // alike).
    if let Err(e) = check_version(api, kind, name, obj, &desired) {
        return e;
    }
    if desired["metadata"]["name"] != name || desired["kind"] != kind {
        let message = format!(
            "the name of the object ({}/{}) does not match the name on the URL ({kind}/{name})",
            desired["kind"].as_str().unwrap_or("?"),
            desired["metadata"]["name"].as_str().unwrap_or("?")
        );
        return WriteResult::failure(400, "BadRequest", message);
    }
    match (obj, part) {
        // Every custom kind has the status subresource: a patch of the main
        // resource leaves the status as it was (the custom resource
        // strategy's `PrepareForUpdate` copies the old status), and one of
        // the status subresource changes nothing else. An operator that
        // patches `status` on the main resource (`Patch` where it meant
        // `Status().Patch`) is answered 200 and its status never moves.
        (ObjRef::Custom(id), part) => api.update_custom(id, &desired, part == Part::Status),
        (_, Part::Status) => {
            not_modelled(format!("operators writing the status of a {kind}: its controller or kubelet does"))
        }
        (_, Part::Main) => write_builtin(api, obj, kind, name, &desired, reader),
    }
}

fn delete(
    api: &mut Api,
    kind: &str,
    name: &str,
    pre: Option<&Preconditions>,
    grace: Option<u64>,
    propagation: Option<&str>,
) -> WriteResult {
    let obj = match find(api, kind, name) {
        Ok(obj) => obj,
        Err(e) => return e,
    };
    if let Some(pre) = pre
        && let Err(e) = check_preconditions(api, kind, name, obj, pre)
    {
        return e;
    }
    let after = |api: &Api, obj: ObjRef| {
        let still = match obj {
            ObjRef::Pod(id) => api.world().pod(id).exists(),
            ObjRef::Pvc(id) => api.world().pvc(id).exists(),
            ObjRef::Sts(id) => api.world().sts(id).removed_at.is_none(),
            ObjRef::Service(id) => api.world().service(id).exists(),
            _ => false,
        };
        WriteResult::ok(200, still.then(|| render(api.world(), obj)))
    };
    // Every kind takes the three policies (`DeletionPropagation`); for the
    // pods and claims stsim models, nothing depends on them but what the
    // garbage collector already follows.
    let cascade = match propagation {
        None | Some("Background") => Cascade::Background,
        Some("Orphan") => Cascade::Orphan,
        Some("Foreground") => Cascade::Foreground,
        Some(other) => {
            let message = format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            );
            return WriteResult::failure(422, "Invalid", message);
        }
    };
    match obj {
        ObjRef::Pod(id) => {
            if cascade != Cascade::Background && api.world().claims_owned_by(Owner::Pod(id)).next().is_some()
            {
                return not_modelled(format!(
                    "propagationPolicy {} for a pod that owns claims",
                    propagation.unwrap_or_default()
                ));
            }
            api.delete_pod(id, grace.map(SimDuration::from_secs));
            after(api, obj)
        }
        ObjRef::Pvc(id) => {
            api.delete_pvc(id);
            after(api, obj)
        }
        ObjRef::Sts(id) => {
            api.delete_statefulset(id, cascade);
            after(api, obj)
        }
        ObjRef::Service(id) => {
            api.delete_service(id);
            after(api, obj)
        }
        ObjRef::Custom(id) => api.delete_custom(id),
        ObjRef::Node(_) | ObjRef::Pv(_) | ObjRef::Pdb(_) => {
            not_modelled(format!("operators deleting a {kind}"))
        }
    }
}

fn evict(api: &mut Api, name: &str) -> WriteResult {
    let Some(pod) = api.world().pod_named(name) else { return not_found(api, "Pod", name) };
    let by = crate::trace::actor_name(api.world(), api.actor);
    match crate::controllers::disruption::evict(api, pod, &by) {
        // The eviction subresource answers a create: 201.
        Ok(()) => WriteResult::ok(201, None),
        Err(refused) if refused.retryable() => {
            api.refuse_eviction(pod, refused.code, refused.message.clone());
            WriteResult::failure(429, "TooManyRequests", refused.message)
        }
        // More than one budget: a 500 whose status has no reason (eviction.go
        // returns `metav1.Status{Status: Failure, Message, Code: 500}`).
        Err(refused) => {
            api.refuse_eviction(pod, refused.code, refused.message.clone());
            WriteResult { reason: None, ..WriteResult::failure(refused.code, "", refused.message) }
        }
    }
}

/// Applies one action through the API server and says how it answered.
/// The summary actions of protocol 1 keep their trace records (a missing
/// object is a `not-found` line); a refused verb is a `write-refused` line.
pub fn apply(api: &mut Api, action: &OperatorAction, reader: TemplateReader) -> WriteResult {
    let legacy_not_found = |api: &mut Api, kind: &str, short: &str, name: &str| {
        api.record(Event::NotFound { name: format!("{short}/{name}") });
        not_found(api, kind, name)
    };
    let result = match action {
        OperatorAction::DeletePvc { name } => match api.world().pvc_named(name) {
            Some(pvc) => {
                api.delete_pvc(pvc);
                return WriteResult::ok(200, None);
            }
            None => return legacy_not_found(api, "PersistentVolumeClaim", "pvc", name),
        },
        OperatorAction::DeletePod { name } | OperatorAction::ForceDeletePod { name } => {
            let grace = matches!(action, OperatorAction::ForceDeletePod { .. }).then_some(SimDuration::ZERO);
            match api.world().pod_named(name) {
                Some(pod) => {
                    api.delete_pod(pod, grace);
                    return WriteResult::ok(200, None);
                }
                None => return legacy_not_found(api, "Pod", "pod", name),
            }
        }
        OperatorAction::Scale { statefulset, replicas } => match api.world().sts_named(statefulset) {
            Some(_) if *replicas > crate::sim::MAX_REPLICAS => {
                let why = format!(
                    "Invalid value: {replicas}: stsim simulates at most {} replicas",
                    crate::sim::MAX_REPLICAS
                );
                api.record(Event::ActionRefused {
                    action: format!("scale {statefulset} to {replicas}"),
                    why: why.clone(),
                });
                return WriteResult::failure(422, "Invalid", why);
            }
            Some(sts) => {
                api.scale_statefulset(sts, *replicas);
                return WriteResult::ok(200, None);
            }
            None => return legacy_not_found(api, "StatefulSet", "statefulset", statefulset),
        },
        OperatorAction::PowerOffNode { name } => {
            return match api.world().nodes.iter().position(|n| n.name == *name && n.exists()) {
                Some(index) => {
                    let node = crate::objects::NodeId(index as u32);
                    // The cloud provider stops the machine, then the Node object goes.
                    let actor = api.actor;
                    api.actor = crate::trace::Actor::Machine(node);
                    if api.world().node(node).machine != crate::objects::Machine::Crashed {
                        api.set_machine(node, crate::objects::Machine::Crashed);
                        crate::controllers::kubelet::node_crashed(api, node);
                    }
                    api.actor = actor;
                    api.delete_node(node);
                    WriteResult::ok(200, None)
                }
                None => legacy_not_found(api, "Node", "node", name),
            };
        }
        OperatorAction::RemoveMember { name } | OperatorAction::AddMember { name } => {
            let (change, verb) = match action {
                OperatorAction::RemoveMember { .. } => (crate::apps::MemberChange::Remove, "remove member"),
                _ => (crate::apps::MemberChange::Add, "add member"),
            };
            return match crate::apps::change_member(api, name, change) {
                Ok(()) => WriteResult::ok(200, None),
                Err(why) => {
                    api.record(Event::ActionRefused { action: format!("{verb} {name}"), why: why.clone() });
                    WriteResult::failure(422, "Invalid", why)
                }
            };
        }
        OperatorAction::Promote { name } => {
            return match crate::apps::promote(api, name) {
                Ok(()) => WriteResult::ok(200, None),
                Err(why) => {
                    api.record(Event::ActionRefused { action: format!("promote {name}"), why: why.clone() });
                    WriteResult::failure(422, "Invalid", why)
                }
            };
        }
        OperatorAction::Create { object } => {
            let result = create(api, object, reader);
            being_deleted(api, object, result)
        }
        OperatorAction::Update { object } => update(api, object, false, reader),
        OperatorAction::UpdateStatus { object } => update(api, object, true, reader),
        OperatorAction::Patch { kind, name, patch: p, patch_type, subresource } => {
            patch(api, (kind, name), (p, *patch_type), subresource.as_deref(), reader)
        }
        OperatorAction::Delete { kind, name, preconditions, grace_period_seconds, propagation_policy } => {
            delete(
                api,
                kind,
                name,
                preconditions.as_ref(),
                // `CheckGracefulDelete` (pkg/registry/core/pod/strategy.go):
                // a negative period is taken as 1 s.
                grace_period_seconds.map(|g| u64::try_from(g).unwrap_or(1)),
                propagation_policy.as_deref(),
            )
        }
        OperatorAction::Evict { name } => evict(api, name),
    };
    if !result.is_success() {
        api.record(Event::WriteRefused {
            action: describe(action).into(),
            code: result.code,
            reason: result.reason.unwrap_or_default(),
            message: result.message.as_deref().unwrap_or_default().into(),
        });
    }
    result
}

/// An action in a few words, for the trace: `delete PersistentVolumeClaim/data-web-2`.
pub fn describe(action: &OperatorAction) -> String {
    let of = |object: &Object| {
        format!(
            "{}/{}",
            object["kind"].as_str().unwrap_or("?"),
            object["metadata"]["name"].as_str().unwrap_or("?")
        )
    };
    match action {
        OperatorAction::DeletePvc { name } => format!("delete pvc/{name}"),
        OperatorAction::DeletePod { name } => format!("delete pod/{name}"),
        OperatorAction::ForceDeletePod { name } => format!("force-delete pod/{name}"),
        OperatorAction::Scale { statefulset, replicas } => {
            format!("scale statefulset/{statefulset} to {replicas}")
        }
        OperatorAction::Promote { name } => format!("promote {name}"),
        OperatorAction::PowerOffNode { name } => format!("power off node/{name}"),
        OperatorAction::RemoveMember { name } => format!("remove member {name}"),
        OperatorAction::AddMember { name } => format!("add member {name}"),
        OperatorAction::Create { object } => format!("create {}", of(object)),
        OperatorAction::Update { object } => format!("update {}", of(object)),
        OperatorAction::UpdateStatus { object } => format!("update status of {}", of(object)),
        OperatorAction::Patch { kind, name, subresource: Some(sub), .. } if !sub.is_empty() => {
            format!("patch {kind}/{name}/{sub}")
        }
        OperatorAction::Patch { kind, name, .. } => format!("patch {kind}/{name}"),
        OperatorAction::Delete { kind, name, .. } => format!("delete {kind}/{name}"),
        OperatorAction::Evict { name } => format!("evict pod/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_like_the_api_servers() {
        assert_eq!(parse_quantity("10Gi"), Some(10 << 30));
        assert_eq!(parse_quantity("500M"), Some(500_000_000));
        assert_eq!(parse_quantity("42"), Some(42));
        assert_eq!(parse_quantity("x"), None);
    }
}
