//! Custom resources: the kinds a scenario declares (as a
//! CustomResourceDefinition would), their objects, and
//! the subset of OpenAPI v3 schema validation the API server applies
//! (`type`, `properties`, `required`, `enum`, `minimum`, `maximum`).
//!
//! Owns the store and its rendering; the writes that change it are
//! `Api` methods (`api/custom.rs`), so they are recorded and watched like
//! every other change.

use super::{ObjRef, Object, timestamp, uid};
use crate::objects::Uid;
use crate::time::SimTime;
use crate::world::World;
use serde_json::{Map, Value, json};

/// A kind of custom resource, as its CustomResourceDefinition declares it.
/// Every kind has the status subresource: `update` ignores `status`,
/// `updateStatus` changes only `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural resource name (`etcdclusters`).
    pub plural: String,
    /// An OpenAPI v3 schema of the whole object, if the scenario gives one.
    pub schema: Option<Value>,
}

impl CustomKind {
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
    /// `etcdclusters.etcd.database.coreos.com`, as error messages name it.
    pub fn resource(&self) -> String {
        format!("{}.{}", self.plural, self.group)
    }
}

/// A custom resource the scenario starts with or the timeline applies.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustom {
    /// Index into `Config::custom_kinds`.
    pub kind: usize,
    pub name: String,
    pub labels: Map<String, Value>,
    pub spec: Value,
    pub status: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomObject {
    pub id: u32,
    pub kind: usize,
    pub name: String,
    pub uid: Uid,
    /// Moves when `spec` changes.
    pub generation: u64,
    pub labels: Map<String, Value>,
    pub annotations: Map<String, Value>,
    pub finalizers: Vec<String>,
    pub owner_references: Vec<Value>,
    pub spec: Value,
    pub status: Value,
    pub created_at: SimTime,
    pub deletion_timestamp: Option<SimTime>,
    pub removed_at: Option<SimTime>,
}

/// The custom resource store.
#[derive(Debug, Clone, Default)]
pub struct CustomResources {
    pub kinds: Vec<CustomKind>,
    /// Every object ever created; removed ones keep their slot.
    pub objects: Vec<CustomObject>,
}

impl CustomResources {
    pub fn live(&self) -> impl Iterator<Item = &CustomObject> {
        self.objects.iter().filter(|o| o.removed_at.is_none())
    }

    /// The kind named `kind` (matching `apiVersion` too when one is given).
    pub fn kind_named(&self, kind: &str, api_version: Option<&str>) -> Option<usize> {
        self.kinds.iter().position(|k| k.kind == kind && api_version.is_none_or(|v| v == k.api_version()))
    }

    /// The live object of kind `kind` named `name`.
    pub fn named(&self, kind: usize, name: &str) -> Option<u32> {
        self.live().find(|o| o.kind == kind && o.name == name).map(|o| o.id)
    }

    pub fn render(&self, world: &World, object: &CustomObject) -> Object {
        let kind = &self.kinds[object.kind];
        let mut meta = Map::new();
        meta.insert("name".into(), json!(object.name));
        meta.insert("namespace".into(), json!(world.namespace));
        meta.insert("uid".into(), json!(uid(object.uid)));
        meta.insert(
            "resourceVersion".into(),
            json!(world.versions.of(ObjRef::Custom(object.id)).to_string()),
        );
        meta.insert("generation".into(), json!(object.generation));
        meta.insert("creationTimestamp".into(), json!(timestamp(object.created_at)));
        if let Some(at) = object.deletion_timestamp {
            meta.insert("deletionTimestamp".into(), json!(timestamp(at)));
        }
        meta.insert("labels".into(), Value::Object(object.labels.clone()));
        meta.insert("annotations".into(), Value::Object(object.annotations.clone()));
        meta.insert("finalizers".into(), json!(object.finalizers));
        meta.insert("ownerReferences".into(), Value::Array(object.owner_references.clone()));
        json!({"apiVersion": kind.api_version(), "kind": kind.kind, "metadata": meta,
               "spec": object.spec, "status": object.status})
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` at `path` against an OpenAPI v3 schema; each error in
/// the API server's words (`spec.replicas: Invalid value: "x": spec.replicas
/// in body must be of type integer: "string"`).
pub fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(expected) = schema.get("type").and_then(Value::as_str) {
        let actual = type_name(value);
        let fits = actual == expected || (expected == "number" && actual == "integer");
        if !fits {
            errors.push(format!(
                "{path}: Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""
            ));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        let allowed: Vec<String> = choices.iter().map(Value::to_string).collect();
        errors.push(format!("{path}: Unsupported value: {value}: supported values: {}", allowed.join(", ")));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        errors.push(format!(
            "{path}: Invalid value: {value}: {path} in body should be greater than or equal to {min}"
        ));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && n > max
    {
        errors.push(format!(
            "{path}: Invalid value: {value}: {path} in body should be less than or equal to {max}"
        ));
    }
    if let Value::Object(fields) = value {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = required.as_str()
                && !fields.contains_key(name)
            {
                errors.push(format!("{}: Required value", join(path, name)));
            }
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            // In name order, whatever order the object was written in.
            let mut names: Vec<&String> = fields.keys().collect();
            names.sort();
            for name in names {
                if let Some(sub) = properties.get(name) {
                    validate(sub, &fields[name], &join(path, name), errors);
                }
            }
        }
    }
    if let (Value::Array(items), Some(sub)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(sub, item, &format!("{path}[{i}]"), errors);
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_reject_in_the_api_servers_words() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["size"],
            "properties": {"size": {"type": "integer", "minimum": 1}, "mode": {"enum": ["a", "b"]}}}}});
        let mut errors = Vec::new();
        validate(&schema, &json!({"spec": {"size": "3", "mode": "c"}}), "", &mut errors);
        assert_eq!(
            errors,
            [
                "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
                "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"",
            ]
        );
        errors.clear();
        validate(&schema, &json!({"spec": {"size": 0}}), "", &mut errors);
        assert_eq!(
            errors,
            ["spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"]
        );
        errors.clear();
        validate(&schema, &json!({"spec": {}}), "", &mut errors);
        assert_eq!(errors, ["spec.size: Required value"]);
    }
}
