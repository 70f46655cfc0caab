//! The `customResourceDefinitions` and `customResources` sections: the
//! operators' own kinds and their first objects, free-form RON maps turned
//! into JSON and checked against the kind's schema.

use super::*;
use stsim_core::kube::custom::{CustomKind, NewCustom, validate};

impl Checker<'_, '_> {
    /// A free-form RON value as JSON; maps need string keys.
    pub(super) fn json(&mut self, path: &str, value: &ron::Value) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or_else(|e| {
            let message =
                format!("Invalid value: {e}: expected a map with string keys, like {{\"replicas\": 3}}");
            self.report("invalid-value", path, message, None);
            serde_json::Value::Null
        })
    }

    /// The index of the declared kind `kind`, or a located error.
    pub(super) fn custom_kind(&mut self, path: &str, kind: &str) -> Option<usize> {
        let found = self.custom_kinds.iter().position(|k| k.kind == kind);
        if found.is_none() {
            let declared: Vec<&str> = self.custom_kinds.iter().map(|k| k.kind.as_str()).collect();
            let help = if declared.is_empty() {
                "declare it in `customResourceDefinitions: [(group: ..., version: ..., kind: ...)]`"
                    .to_string()
            } else {
                format!("the declared kinds are: {}", declared.join(", "))
            };
            self.report(
                "unknown-reference",
                path,
                format!("Not found: no custom resource kind {kind:?}"),
                Some(help),
            );
        }
        found
    }

    /// Checks `object` against `kind`'s schema, reporting at `path`.
    pub(super) fn custom_schema(&mut self, path: &str, kind: usize, object: &serde_json::Value) {
        let Some(schema) = self.custom_kinds[kind].schema.clone() else { return };
        let mut errors = Vec::new();
        validate(&schema, object, "", &mut errors);
        for error in errors {
            self.report("invalid-value", path, format!("Invalid: {error} (the kind's schema)"), None);
        }
    }

    pub(super) fn custom_kinds(&mut self, entries: &[raw::CustomResourceDefinition]) -> Vec<CustomKind> {
        let mut out: Vec<CustomKind> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("customResourceDefinitions[{i}]");
            self.dns_subdomain(&format!("{path}.group"), &entry.group);
            if out.iter().any(|k| k.kind == entry.kind) {
                let message = format!("Duplicate value: {:?}: each kind is declared once", entry.kind);
                self.report("duplicate", &format!("{path}.kind"), message, None);
            }
            let schema = entry.schema.as_ref().map(|s| self.json(&format!("{path}.schema"), s));
            out.push(CustomKind {
                group: entry.group.clone(),
                version: entry.version.clone(),
                kind: entry.kind.clone(),
                plural: entry.plural.clone().unwrap_or_else(|| format!("{}s", entry.kind.to_lowercase())),
                schema,
            });
        }
        out
    }

    pub(super) fn custom_resources(&mut self, entries: &[raw::CustomResource]) -> Vec<NewCustom> {
        let mut out: Vec<NewCustom> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("customResources[{i}]");
            let Some(kind) = self.custom_kind(&format!("{path}.kind"), &entry.kind) else { continue };
            self.dns_subdomain(&format!("{path}.name"), &entry.name);
            if out.iter().any(|o| o.kind == kind && o.name == entry.name) {
                let message = format!("Duplicate value: {:?}", entry.name);
                self.report("duplicate", &format!("{path}.name"), message, None);
            }
            let spec = entry
                .spec
                .as_ref()
                .map_or(serde_json::Value::Null, |v| self.json(&format!("{path}.spec"), v));
            let status = entry
                .status
                .as_ref()
                .map_or(serde_json::Value::Null, |v| self.json(&format!("{path}.status"), v));
            self.custom_schema(&path, kind, &serde_json::json!({"spec": spec, "status": status}));
            // Its metadata is checked as every object's (`ValidateObjectMeta`).
            self.label_map(&format!("{path}.labels"), entry.labels.as_ref());
            let labels = entry
                .labels
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            out.push(NewCustom { kind, name: entry.name.clone(), labels, spec, status });
        }
        out
    }
}
