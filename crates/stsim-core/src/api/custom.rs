//! Writes of custom resources, with the API server's rules for them: a
//! live name is `AlreadyExists`; the kind's schema is checked (`Invalid`);
//! the status subresource (an update ignores `status`, an `updateStatus`
//! changes nothing else); `generation` moves with `spec`; a delete of an
//! object with finalizers only marks it (`deletionTimestamp`) and it goes
//! when its last finalizer is removed; no finalizer may be added to an
//! object being deleted. A write that changes nothing does not move its
//! `resourceVersion`. Preconditions and `resourceVersion` checks are the
//! caller's (`kube::verbs`), the same for every kind.

use super::Api;
use crate::kube::custom::{CustomObject, NewCustom, validate};
use crate::kube::{ObjRef, WriteResult, render};
use crate::trace::Event;
use serde_json::{Map, Value};

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

fn map(value: Option<&Value>) -> Map<String, Value> {
    value.and_then(Value::as_object).cloned().unwrap_or_default()
}

impl Api<'_> {
    /// Sets the annotations clients keep on a built-in object (a change
    /// recorded and watched like any other).
    pub fn annotate(
        &mut self,
        obj: crate::kube::ObjRef,
        annotations: std::collections::BTreeMap<String, String>,
    ) {
        if self.world.versions.annotations(obj) == annotations {
            return;
        }
        let keys: Vec<String> = annotations.keys().cloned().collect();
        self.world.versions.set_annotations(obj, annotations);
        self.record(Event::Annotated { object: obj, keys });
    }

    fn custom_invalid(&self, kind: usize, name: &str, object: &Value) -> Option<WriteResult> {
        let kind = &self.world.custom.kinds[kind];
        let schema = kind.schema.as_ref()?;
        let mut errors = Vec::new();
        validate(schema, object, "", &mut errors);
        if errors.is_empty() {
            return None;
        }
        let message = format!("{}.{} \"{name}\" is invalid: {}", kind.kind, kind.group, errors.join(", "));
        Some(WriteResult::failure(422, "Invalid", message))
    }

    fn custom_changed(&mut self, id: u32, what: &'static str) {
        if what == "removed" || what == "created" {
            // Its dependents may be orphans now, or it may be one.
            self.notify(super::Change::OwnershipChanged(&[]));
        }
        let generation = self.world.custom.objects[id as usize].generation;
        self.record(Event::CustomResourceChanged { object: id, what, generation });
    }

    /// Creates a custom resource from a whole object (its `status` is
    /// dropped: the status subresource is written apart).
    pub fn create_custom(&mut self, kind: usize, object: &Value) -> WriteResult {
        let meta = object.get("metadata");
        let Some(name) = meta.and_then(|m| m.get("name")).and_then(Value::as_str).map(String::from) else {
            let k = &self.world.custom.kinds[kind];
            let message = format!(
                "{}.{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                k.kind, k.group
            );
            return WriteResult::failure(422, "Invalid", message);
        };
        if self.world.custom.named(kind, &name).is_some() {
            let message = format!("{} \"{name}\" already exists", self.world.custom.kinds[kind].resource());
            return WriteResult::failure(409, "AlreadyExists", message);
        }
        let mut checked = object.clone();
        checked.as_object_mut().map(|o| o.remove("status"));
        if let Some(invalid) = self.custom_invalid(kind, &name, &checked) {
            return invalid;
        }
        self.insert_custom(NewCustom {
            kind,
            name,
            labels: map(meta.and_then(|m| m.get("labels"))),
            spec: object.get("spec").cloned().unwrap_or(Value::Null),
            status: Value::Null,
        });
        let id = self.world.custom.objects.len() as u32 - 1;
        let obj = self.world.custom.objects.last_mut().expect("just inserted");
        obj.annotations = map(meta.and_then(|m| m.get("annotations")));
        obj.finalizers = strings(meta.and_then(|m| m.get("finalizers")));
        obj.owner_references = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        self.custom_changed(id, "created");
        WriteResult::ok(201, Some(render(self.world, ObjRef::Custom(id))))
    }

    /// Adds a custom resource as the scenario or a user gives it (status included).
    pub fn insert_custom(&mut self, new: NewCustom) -> u32 {
        let id = self.world.custom.objects.len() as u32;
        let uid = self.world.new_uid();
        self.world.custom.objects.push(CustomObject {
            id,
            kind: new.kind,
            name: new.name,
            uid,
            generation: 1,
            labels: new.labels,
            annotations: Map::new(),
            finalizers: Vec::new(),
            owner_references: Vec::new(),
            spec: new.spec,
            status: new.status,
            created_at: self.now,
            deletion_timestamp: None,
            removed_at: None,
        });
        id
    }

    /// An update (`status_only`: of the status subresource) to the object `desired`.
    pub fn update_custom(&mut self, id: u32, desired: &Value, status_only: bool) -> WriteResult {
        let current = self.world.custom.objects[id as usize].clone();
        let mut next = current.clone();
        let meta = desired.get("metadata");
        if status_only {
            next.status = desired.get("status").cloned().unwrap_or(Value::Null);
        } else {
            next.spec = desired.get("spec").cloned().unwrap_or(Value::Null);
            next.labels = map(meta.and_then(|m| m.get("labels")));
            next.annotations = map(meta.and_then(|m| m.get("annotations")));
            next.finalizers = strings(meta.and_then(|m| m.get("finalizers")));
            next.owner_references = meta
                .and_then(|m| m.get("ownerReferences"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let added: Vec<&String> =
                next.finalizers.iter().filter(|f| !current.finalizers.contains(f)).collect();
            if current.deletion_timestamp.is_some() && !added.is_empty() {
                // ValidateObjectMetaUpdate: a field error, so 422 Invalid.
                let kind = &self.world.custom.kinds[current.kind];
                let message = format!(
                    "{}.{} \"{}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {added:?}",
                    kind.kind, kind.group, current.name
                );
                return WriteResult::failure(422, "Invalid", message);
            }
        }
        let mut whole = self.world.custom.render(self.world, &next);
        whole.as_object_mut().map(|o| o.remove("metadata"));
        if let Some(invalid) = self.custom_invalid(current.kind, &current.name, &whole) {
            return invalid;
        }
        if next == current {
            return WriteResult::ok(200, Some(render(self.world, ObjRef::Custom(id))));
        }
        if next.spec != current.spec {
            next.generation += 1;
        }
        let gone = next.deletion_timestamp.is_some() && next.finalizers.is_empty();
        self.world.custom.objects[id as usize] = next;
        if gone {
            self.world.custom.objects[id as usize].removed_at = Some(self.now);
            self.custom_changed(id, "removed");
            return WriteResult::ok(200, None);
        }
        self.custom_changed(id, if status_only { "status" } else { "updated" });
        WriteResult::ok(200, Some(render(self.world, ObjRef::Custom(id))))
    }

    /// A delete: with finalizers the object is only marked, and goes when the last one is removed.
    pub fn delete_custom(&mut self, id: u32) -> WriteResult {
        let object = &self.world.custom.objects[id as usize];
        if object.finalizers.is_empty() {
            self.world.custom.objects[id as usize].removed_at = Some(self.now);
            self.custom_changed(id, "removed");
            return WriteResult::ok(200, None);
        }
        if object.deletion_timestamp.is_none() {
            self.world.custom.objects[id as usize].deletion_timestamp = Some(self.now);
            self.custom_changed(id, "deleting");
        }
        WriteResult::ok(200, Some(render(self.world, ObjRef::Custom(id))))
    }
}
