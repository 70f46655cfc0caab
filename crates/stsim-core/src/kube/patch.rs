//! The API server's patch types, by the request's content type: a JSON
//! merge patch (RFC 7386, `application/merge-patch+json`), a strategic
//! merge patch (`application/strategic-merge-patch+json`, what `kubectl
//! patch` and `kubectl set image` send, for built-in kinds only) and a JSON
//! patch (RFC 6902, `application/json-patch+json`).
//!
//! Owns applying a patch to an object as served, and the API server's
//! answers when a patch is malformed (400) or cannot apply (422). Does not
//! know what the object means: the verbs write the result as an update.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a `PATCH` request's body is read (its `Content-Type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchType {
    /// `application/merge-patch+json` (controller-runtime's `MergeFrom`):
    /// objects merge key by key, `null` removes, a list is replaced whole.
    #[default]
    Merge,
    /// `application/strategic-merge-patch+json` (kubectl's default,
    /// client-go's `types.StrategicMergePatchType`): as a merge patch, but
    /// the lists whose Go type names a merge key (containers by `name`,
    /// ports by number, ...) merge element by element, with the `$patch`,
    /// `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList`
    /// directives. Built-in kinds only.
    Strategic,
    /// `application/json-patch+json`: a list of operations (`add`,
    /// `remove`, `replace`, `move`, `copy`, `test`) at JSON pointers.
    Json,
}

/// Why a patch was not applied: the API server's status code, reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
}

impl PatchError {
    fn bad_request(message: String) -> PatchError {
        PatchError { code: 400, reason: "BadRequest", message }
    }
    fn unprocessable(message: String) -> PatchError {
        PatchError { code: 422, reason: "Invalid", message }
    }
}

/// Applies `patch` of type `kind` to `target`. `custom` is whether the
/// object is a custom resource, for which the API server has no strategic
/// merge (its Go type, with the merge keys, is not known to it): `415`.
pub fn apply(kind: PatchType, target: &mut Value, patch: &Value, custom: bool) -> Result<(), PatchError> {
    match kind {
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(PatchError::bad_request(format!(
                    "the merge patch is not a JSON object: {patch}"
                )));
            }
            merge(target, patch);
            Ok(())
        }
        PatchType::Strategic if custom => Err(PatchError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: \
                      application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                .to_string(),
        }),
        PatchType::Strategic => {
            let Value::Object(patch) = patch else {
                return Err(PatchError::bad_request(format!(
                    "the strategic merge patch is not a JSON object: {patch}"
                )));
            };
            // On a copy: a patch refused halfway leaves the object as it was.
            let mut fields = match target {
                Value::Object(fields) => fields.clone(),
                _ => Map::new(),
            };
            match strategic_map(&mut fields, patch, &mut Vec::new())? {
                MapOutcome::Kept => {
                    *target = Value::Object(fields);
                    Ok(())
                }
                MapOutcome::Delete => Err(PatchError::bad_request(
                    "a strategic merge patch cannot delete the whole object ($patch: delete at its top)"
                        .into(),
                )),
            }
        }
        PatchType::Json => json_patch(target, patch),
    }
}

/// Applies a JSON merge patch (RFC 7386) to `target`: objects merge key by
/// key, `null` removes a key, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(fields) = target else { unreachable!("made an object above") };
    for (key, value) in patch {
        if value.is_null() {
            fields.remove(key);
        } else {
            merge(fields.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

// ----- strategic merge --------------------------------------------------------

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// How a list merges, from its field's Go struct tags (`patchStrategy`,
/// `patchMergeKey` in k8s.io/api).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    /// No strategy: the patch's list replaces the object's.
    Replace,
    /// Objects merged by the value of this key.
    ByKey(&'static str),
    /// Strings kept as a set (`metadata.finalizers`): the patch's are added.
    Primitive,
}

/// The strategy of list `field`, inside the fields `path` (which tells a
/// container's `ports`, by `containerPort`, from a Service's, by `port`).
fn list_strategy(path: &[String], field: &str) -> ListStrategy {
    let in_container =
        || path.iter().any(|p| matches!(p.as_str(), "containers" | "initContainers" | "ephemeralContainers"));
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => ListStrategy::ByKey("name"),
        "volumeMounts" => ListStrategy::ByKey("mountPath"),
        "volumeDevices" => ListStrategy::ByKey("devicePath"),
        "ports" if in_container() => ListStrategy::ByKey("containerPort"),
        "ports" => ListStrategy::ByKey("port"),
        "hostAliases" => ListStrategy::ByKey("ip"),
        "topologySpreadConstraints" => ListStrategy::ByKey("topologyKey"),
        "ownerReferences" => ListStrategy::ByKey("uid"),
        "conditions" => ListStrategy::ByKey("type"),
        "finalizers" => ListStrategy::Primitive,
        _ => ListStrategy::Replace,
    }
}

/// What a map's `$patch` directive asks of the map itself.
enum MapOutcome {
    Kept,
    /// `$patch: delete`: the parent removes it.
    Delete,
}

fn strategic_map(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<MapOutcome, PatchError> {
    match patch.get(PATCH) {
        None => {}
        Some(Value::String(d)) if d == "replace" => {
            *target = without_directives(patch);
            return Ok(MapOutcome::Kept);
        }
        Some(Value::String(d)) if d == "delete" => return Ok(MapOutcome::Delete),
        Some(other) => {
            return Err(PatchError::bad_request(format!(
                "Unsupported strategic merge patch format: $patch: {other} at {}",
                shown(path)
            )));
        }
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            let Value::Array(gone) = value else {
                return Err(PatchError::bad_request(format!("{key} at {} is not a list", shown(path))));
            };
            if let Some(Value::Array(list)) = target.get_mut(field) {
                list.retain(|item| !gone.contains(item));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        path.push(key.clone());
        let result = strategic_field(target, key, value, path);
        path.pop();
        result?;
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
            order_list(target, field, value, path)?;
        }
    }
    if let Some(retain) = patch.get(RETAIN_KEYS) {
        let Value::Array(keys) = retain else {
            return Err(PatchError::bad_request(format!("$retainKeys at {} is not a list", shown(path))));
        };
        for key in keys {
            if !key.is_string() {
                return Err(PatchError::bad_request(format!("$retainKeys at {} lists {key}", shown(path))));
            }
        }
        target.retain(|key, _| keys.iter().any(|k| k == key));
    }
    Ok(MapOutcome::Kept)
}

fn strategic_field(
    target: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    match value {
        Value::Null => {
            target.remove(key);
        }
        Value::Object(patch) => {
            let slot = target.entry(key.to_string()).or_insert(Value::Null);
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(fields) = slot else { unreachable!("made an object above") };
            if let MapOutcome::Delete = strategic_map(fields, patch, path)? {
                target.remove(key);
            }
        }
        Value::Array(items) => {
            let strategy = list_strategy(&path[..path.len() - 1], key);
            let slot = target.entry(key.to_string()).or_insert(Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(list) = slot else { unreachable!("made a list above") };
            strategic_list(list, items, strategy, path)?;
        }
        scalar => {
            target.insert(key.to_string(), scalar.clone());
        }
    }
    Ok(())
}

fn strategic_list(
    list: &mut Vec<Value>,
    items: &[Value],
    strategy: ListStrategy,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    // `{"$patch": "replace"}` among the items: the others replace the list.
    let replace = items.iter().any(|item| item.get(PATCH).is_some_and(|d| d == "replace"));
    if replace {
        *list = items.iter().filter(|item| item.get(PATCH).is_none()).cloned().collect();
        return Ok(());
    }
    match strategy {
        ListStrategy::Replace => *list = items.to_vec(),
        ListStrategy::Primitive => {
            for item in items {
                if item.is_object() || item.is_array() {
                    return Err(PatchError::bad_request(format!(
                        "{} is a list of values, not of {item}",
                        shown(path)
                    )));
                }
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        }
        ListStrategy::ByKey(merge_key) => {
            for item in items {
                let Value::Object(fields) = item else {
                    return Err(PatchError::bad_request(format!(
                        "{} merges its items by {merge_key}, but {item} is not an object",
                        shown(path)
                    )));
                };
                let Some(key) = fields.get(merge_key) else {
                    return Err(PatchError::bad_request(format!(
                        "an item of {} has no {merge_key}, its merge key: {item}",
                        shown(path)
                    )));
                };
                let at = list.iter().position(|old| old.get(merge_key) == Some(key));
                let delete = fields.get(PATCH).is_some_and(|d| d == "delete");
                match (at, delete) {
                    (Some(at), true) => {
                        list.remove(at);
                    }
                    (None, true) => {}
                    (Some(at), false) => {
                        let Value::Object(old) = &mut list[at] else {
                            unreachable!("matched a key of an object")
                        };
                        if let MapOutcome::Delete = strategic_map(old, fields, path)? {
                            list.remove(at);
                        }
                    }
                    (None, false) => {
                        let mut new = Map::new();
                        if let MapOutcome::Kept = strategic_map(&mut new, fields, path)? {
                            list.push(Value::Object(new));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `$setElementOrder/<field>`: the list's items in the order given (by
/// merge key, or by value for a list of values); the others after them.
fn order_list(
    target: &mut Map<String, Value>,
    field: &str,
    order: &Value,
    path: &[String],
) -> Result<(), PatchError> {
    let Value::Array(order) = order else {
        return Err(PatchError::bad_request(format!(
            "$setElementOrder/{field} at {} is not a list",
            shown(path)
        )));
    };
    let Some(Value::Array(list)) = target.get_mut(field) else { return Ok(()) };
    let strategy = list_strategy(path, field);
    let rank = |item: &Value| {
        order.iter().position(|wanted| match strategy {
            ListStrategy::ByKey(key) => wanted.get(key).is_some_and(|k| item.get(key) == Some(k)),
            _ => wanted == item,
        })
    };
    // Stable: the items the order does not name keep theirs, after it.
    list.sort_by_key(|item| rank(item).unwrap_or(usize::MAX));
    Ok(())
}

fn without_directives(patch: &Map<String, Value>) -> Map<String, Value> {
    patch.iter().filter(|(key, _)| !key.starts_with('$')).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn shown(path: &[String]) -> String {
    if path.is_empty() { "the top".to_string() } else { path.join(".") }
}

// ----- JSON patch --------------------------------------------------------------

/// Applies a JSON patch (RFC 6902). A body that is not a list of
/// operations is a bad request (400); an operation that cannot apply (a
/// path that is not there, a failed `test`) leaves the object as it was
/// and is refused with 422, as the API server does.
fn json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Array(ops) = patch else {
        return Err(PatchError::bad_request(format!("a JSON patch is a list of operations, not {patch}")));
    };
    let mut doc = target.clone();
    for (index, op) in ops.iter().enumerate() {
        let bad = |what: &str| PatchError::bad_request(format!("JSON patch operation {index}: {what}: {op}"));
        let name = op.get("op").and_then(Value::as_str).ok_or_else(|| bad("no \"op\""))?;
        let path = op.get("path").and_then(Value::as_str).ok_or_else(|| bad("no \"path\""))?;
        let path = pointer(path).map_err(|why| bad(&why))?;
        let value = || op.get("value").cloned().ok_or_else(|| bad("no \"value\""));
        let from = || -> Result<Vec<String>, PatchError> {
            let from = op.get("from").and_then(Value::as_str).ok_or_else(|| bad("no \"from\""))?;
            pointer(from).map_err(|why| bad(&why))
        };
        let failed =
            |why: String| PatchError::unprocessable(format!("JSON patch operation {index} ({name}): {why}"));
        match name {
            "add" => add(&mut doc, &path, value()?).map_err(failed)?,
            "remove" => {
                remove(&mut doc, &path).map_err(failed)?;
            }
            "replace" => {
                remove(&mut doc, &path).map_err(failed)?;
                add(&mut doc, &path, value()?).map_err(failed)?;
            }
            "move" => {
                let from = from()?;
                if path.len() > from.len() && path[..from.len()] == from[..] {
                    return Err(failed("cannot move a value into itself".into()));
                }
                let moved = remove(&mut doc, &from).map_err(failed)?;
                add(&mut doc, &path, moved).map_err(failed)?;
            }
            "copy" => {
                let copied = get(&doc, &from()?).cloned().map_err(failed)?;
                add(&mut doc, &path, copied).map_err(failed)?;
            }
            "test" => {
                let want = value()?;
                let have = get(&doc, &path).map_err(failed)?;
                if *have != want {
                    return Err(failed(format!("{} is {have}, not {want}", joined(&path))));
                }
            }
            other => return Err(bad(&format!("unknown op \"{other}\""))),
        }
    }
    *target = doc;
    Ok(())
}

/// A JSON pointer (RFC 6901) as its reference tokens.
fn pointer(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Err(format!("the path \"{text}\" does not start with /"));
    };
    Ok(rest.split('/').map(|token| token.replace("~1", "/").replace("~0", "~")).collect())
}

fn joined(path: &[String]) -> String {
    path.iter().map(|token| format!("/{}", token.replace('~', "~0").replace('/', "~1"))).collect()
}

fn get<'a>(doc: &'a Value, path: &[String]) -> Result<&'a Value, String> {
    let mut at = doc;
    for (depth, token) in path.iter().enumerate() {
        at = match at {
            Value::Object(fields) => fields.get(token),
            Value::Array(items) => index(token, items.len()).ok().and_then(|i| items.get(i)),
            _ => None,
        }
        .ok_or_else(|| format!("{} is not there", joined(&path[..=depth])))?;
    }
    Ok(at)
}

/// The parent of the value at `path` (which must not be the root), and the last token.
fn parent<'a>(doc: &'a mut Value, path: &'a [String]) -> Result<(&'a mut Value, &'a str), String> {
    let (last, up) = path.split_last().expect("a path below the root");
    let mut at = doc;
    for (depth, token) in up.iter().enumerate() {
        at = match at {
            Value::Object(fields) => fields.get_mut(token),
            Value::Array(items) => {
                let len = items.len();
                index(token, len).ok().and_then(move |i| items.get_mut(i))
            }
            _ => None,
        }
        .ok_or_else(|| format!("{} is not there", joined(&up[..=depth])))?;
    }
    Ok((at, last))
}

fn index(token: &str, len: usize) -> Result<usize, String> {
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    match token.parse::<usize>() {
        Ok(i) if valid && i < len => Ok(i),
        _ => Err(format!("{token} is not an index of a list of {len}")),
    }
}

fn add(doc: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let shown = joined(path);
    let (parent, last) = parent(doc, path)?;
    match parent {
        Value::Object(fields) => {
            fields.insert(last.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let at = if last == "-" {
                items.len()
            } else {
                index(last, items.len() + 1).map_err(|why| format!("{shown}: {why}"))?
            };
            items.insert(at, value);
            Ok(())
        }
        _ => Err(format!("{shown}: its parent is neither an object nor a list")),
    }
}

fn remove(doc: &mut Value, path: &[String]) -> Result<Value, String> {
    if path.is_empty() {
        return Ok(std::mem::take(doc));
    }
    let shown = joined(path);
    let (parent, last) = parent(doc, path)?;
    match parent {
        Value::Object(fields) => fields.remove(last).ok_or_else(|| format!("{shown} is not there")),
        Value::Array(items) => {
            let at = index(last, items.len()).map_err(|why| format!("{shown}: {why}"))?;
            Ok(items.remove(at))
        }
        _ => Err(format!("{shown} is not there")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON values of a few levels, with keys that the strategic merge
    /// knows (lists by merge key, directives) among others.
    fn value() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("name".to_string()),
            Just("containers".to_string()),
            Just("ports".to_string()),
            Just("finalizers".to_string()),
            Just("$patch".to_string()),
            Just("$retainKeys".to_string()),
            Just("$setElementOrder/containers".to_string()),
            Just("$deleteFromPrimitiveList/finalizers".to_string()),
            "[a-z]{1,3}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..3).prop_map(Value::from),
            prop_oneof![Just("replace"), Just("delete"), Just("merge"), Just("a"), Just("-"), Just("/a/0")]
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// JSON patch operations over short paths.
    fn operations() -> impl Strategy<Value = Value> {
        let path =
            prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("0"), Just("1"), Just("-")], 0..3)
                .prop_map(|tokens| tokens.iter().map(|t| format!("/{t}")).collect::<String>());
        let op = prop_oneof![
            Just("add"),
            Just("remove"),
            Just("replace"),
            Just("move"),
            Just("copy"),
            Just("test")
        ];
        let operation = (op, path.clone(), path, value()).prop_map(
            |(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}),
        );
        prop::collection::vec(operation, 0..5).prop_map(Value::Array)
    }

    proptest! {
        /// Any patch of any type gets an answer, never a panic; a refused
        /// one leaves the object as it was.
        #[test]
        fn every_patch_applies_or_is_refused_leaving_the_object(doc in value(), patch in value(), ops in operations()) {
            for (kind, patch) in [(PatchType::Merge, &patch), (PatchType::Strategic, &patch), (PatchType::Json, &ops)] {
                let mut target = doc.clone();
                if apply(kind, &mut target, patch, false).is_err() {
                    prop_assert_eq!(&target, &doc);
                }
            }
        }

        /// A merge patch applied twice gives what it gave once (RFC 7386).
        #[test]
        fn a_merge_patch_is_idempotent(
            doc in value(),
            patch in prop::collection::vec(("[a-c]", value()), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ) {
            let mut once = doc.clone();
            merge(&mut once, &patch);
            let mut twice = once.clone();
            merge(&mut twice, &patch);
            prop_assert_eq!(once, twice);
        }
    }

    fn strategic(mut doc: Value, patch: Value) -> Value {
        apply(PatchType::Strategic, &mut doc, &patch, false).expect("the patch applies");
        doc
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}, "l": [1, 2]}));
        merge(&mut doc, &json!({"a": [3], "n": {"x": 1}}));
        assert_eq!(doc, json!({"a": [3], "c": {"d": "e"}, "l": [1, 2], "n": {"x": 1}}));
    }

    #[test]
    fn containers_merge_by_name_and_keep_what_the_patch_does_not_name() {
        let doc = json!({"spec": {"containers": [
            {"name": "db", "image": "redis:7.0", "ports": [{"containerPort": 6379, "name": "redis"}]},
            {"name": "exporter", "image": "exporter:1"},
        ]}});
        let patched = strategic(doc, json!({"spec": {"containers": [{"name": "db", "image": "redis:7.2"}]}}));
        assert_eq!(
            patched,
            json!({"spec": {"containers": [
                {"name": "db", "image": "redis:7.2", "ports": [{"containerPort": 6379, "name": "redis"}]},
                {"name": "exporter", "image": "exporter:1"},
            ]}})
        );
    }

    #[test]
    fn a_new_item_is_appended_and_a_deleted_one_goes() {
        let doc = json!({"spec": {"containers": [{"name": "db"}, {"name": "exporter"}]}});
        let patched = strategic(
            doc,
            json!({"spec": {"containers": [{"name": "exporter", "$patch": "delete"}, {"name": "backup", "image": "b:1"}]}}),
        );
        assert_eq!(
            patched,
            json!({"spec": {"containers": [{"name": "db"}, {"name": "backup", "image": "b:1"}]}})
        );
    }

    #[test]
    fn ports_merge_by_container_port_in_a_container_and_by_port_in_a_service() {
        let pod = json!({"containers": [{"name": "db", "ports": [{"containerPort": 1, "name": "a"}]}]});
        let patched = strategic(
            pod,
            json!({"containers": [{"name": "db", "ports": [{"containerPort": 2, "name": "b"}]}]}),
        );
        assert_eq!(
            patched["containers"][0]["ports"],
            json!([{"containerPort": 1, "name": "a"}, {"containerPort": 2, "name": "b"}])
        );
        let service = json!({"spec": {"ports": [{"port": 80, "name": "http"}]}});
        let patched = strategic(service, json!({"spec": {"ports": [{"port": 80, "name": "web"}]}}));
        assert_eq!(patched["spec"]["ports"], json!([{"port": 80, "name": "web"}]));
    }

    #[test]
    fn a_list_without_a_merge_key_is_replaced_and_finalizers_are_a_set() {
        let doc = json!({"metadata": {"finalizers": ["a"]}, "spec": {"tolerations": [{"key": "x"}]}});
        let patched = strategic(
            doc,
            json!({"metadata": {"finalizers": ["b", "a"]}, "spec": {"tolerations": [{"key": "y"}]}}),
        );
        assert_eq!(
            patched,
            json!({"metadata": {"finalizers": ["a", "b"]}, "spec": {"tolerations": [{"key": "y"}]}})
        );
        let gone = strategic(patched, json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}));
        assert_eq!(gone["metadata"]["finalizers"], json!(["b"]));
    }

    #[test]
    fn directives_replace_retain_and_order() {
        let doc =
            json!({"spec": {"selector": {"a": "1", "b": "2"}, "containers": [{"name": "a"}, {"name": "b"}]}});
        let replaced = strategic(doc.clone(), json!({"spec": {"selector": {"$patch": "replace", "c": "3"}}}));
        assert_eq!(replaced["spec"]["selector"], json!({"c": "3"}));
        let listed =
            strategic(doc.clone(), json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "c"}]}}));
        assert_eq!(listed["spec"]["containers"], json!([{"name": "c"}]));
        let retained =
            strategic(doc.clone(), json!({"spec": {"$retainKeys": ["containers"], "containers": []}}));
        assert_eq!(retained["spec"], json!({"containers": [{"name": "a"}, {"name": "b"}]}));
        let ordered =
            strategic(doc, json!({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}));
        assert_eq!(ordered["spec"]["containers"], json!([{"name": "b"}, {"name": "a"}]));
    }

    #[test]
    fn malformed_strategic_patches_are_bad_requests_and_custom_kinds_have_none() {
        let mut doc = json!({"spec": {"containers": [{"name": "a"}]}});
        for patch in [
            json!([1]),
            json!({"spec": {"containers": ["a"]}}),
            json!({"spec": {"containers": [{"image": "x"}]}}),
            json!({"spec": {"$patch": "merge"}}),
        ] {
            let e = apply(PatchType::Strategic, &mut doc, &patch, false).expect_err("malformed");
            assert_eq!(e.code, 400, "{patch}: {e:?}");
        }
        assert_eq!(doc, json!({"spec": {"containers": [{"name": "a"}]}}));
        let e = apply(PatchType::Strategic, &mut doc, &json!({"spec": {}}), true)
            .expect_err("no strategic merge");
        assert_eq!(e.code, 415);
    }

    #[test]
    fn json_patch_follows_rfc_6902() {
        let mut doc = json!({"spec": {"replicas": 3, "list": ["a", "c"], "x~y/z": 1}});
        let patch = json!([
            {"op": "test", "path": "/spec/replicas", "value": 3},
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "add", "path": "/spec/list/1", "value": "b"},
            {"op": "add", "path": "/spec/list/-", "value": "d"},
            {"op": "remove", "path": "/spec/x~0y~1z"},
            {"op": "copy", "from": "/spec/replicas", "path": "/spec/copied"},
            {"op": "move", "from": "/spec/copied", "path": "/spec/moved"},
        ]);
        apply(PatchType::Json, &mut doc, &patch, true).expect("applies");
        assert_eq!(doc, json!({"spec": {"replicas": 5, "list": ["a", "b", "c", "d"], "moved": 5}}));
    }

    #[test]
    fn a_json_patch_that_cannot_apply_changes_nothing() {
        let before = json!({"spec": {"replicas": 3, "list": []}});
        for (patch, code) in [
            (
                json!([{"op": "replace", "path": "/spec/replicas", "value": 4}, {"op": "test", "path": "/spec/replicas", "value": 3}]),
                422,
            ),
            (json!([{"op": "remove", "path": "/spec/missing"}]), 422),
            (json!([{"op": "add", "path": "/spec/list/1", "value": 1}]), 422),
            (json!([{"op": "add", "path": "/spec/list/01", "value": 1}]), 422),
            (json!([{"op": "move", "from": "/spec", "path": "/spec/inner"}]), 422),
            (json!([{"op": "frobnicate", "path": "/spec"}]), 400),
            (json!([{"op": "add", "path": "spec", "value": 1}]), 400),
            (json!([{"op": "add", "path": "/spec/x"}]), 400),
            (json!({"op": "add"}), 400),
        ] {
            let mut doc = before.clone();
            let e = apply(PatchType::Json, &mut doc, &patch, false).expect_err("refused");
            assert_eq!(e.code, code, "{patch}: {e:?}");
            assert_eq!(doc, before, "{patch}");
        }
    }
}
