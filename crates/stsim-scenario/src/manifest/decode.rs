//! The types of what a manifest says that stsim does not model but the API
//! server decodes before anything else, whatever the field validation asked:
//! a value of the wrong type refuses the whole object (`json: cannot
//! unmarshal number into Go struct field EnvVar.spec.template.spec.
//! containers.env.value of type string`). Owns the checks of the fields
//! charts get wrong most (a container's `env`, `command`, `args`, the ids
//! and switches of a `securityContext`, volume sources' modes); does not
//! keep their values (they stay in the warning of ignored fields) nor read
//! what the model uses (`objects`).

use super::{Cx, Obj};
use crate::yaml::{Node, Value};

/// What a container says that stsim does not model but the API server
/// decodes with its types before anything else, whatever the field
/// validation asked: a value of the wrong type refuses the whole object
/// (`json: cannot unmarshal number into Go struct field EnvVar.spec.template.
/// spec.containers.env.value of type string`, the classic unquoted `value:
/// 6379` or `value: yes`). Checked for the fields charts get wrong most:
/// `command` and `args` (lists of strings) and `env` (a name, required, and
/// a string `value` or a `valueFrom`). The fields stay in the warning.
pub(super) fn container(cx: &mut Cx<'_>, container: &Obj<'_>, path: &str) {
    security_context(cx, container, path, false);
    for key in ["command", "args"] {
        let Some(node) = container.peek(key).filter(|n| n.value != Value::Null) else { continue };
        if let Some(items) = cx.list(node, &format!("{path}.{key}")) {
            for (i, item) in items.iter().enumerate().filter(|(_, item)| item.value != Value::Null) {
                cx.string(item, &format!("{path}.{key}[{i}]"));
            }
        }
    }
    let Some(env) = container.peek("env").filter(|n| n.value != Value::Null) else { return };
    let Some(items) = cx.list(env, &format!("{path}.env")) else { return };
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}.env[{i}]");
        let Some(mut var) = cx.obj(item, &at) else { continue };
        // `ValidateEnv`: a variable needs its name.
        match var.take("name").map(|name| cx.string(name, &format!("{at}.name"))) {
            Some(Some(name)) if !name.is_empty() => {}
            Some(None) => {}
            _ => cx.invalid(item.place, &format!("{at}.name"), "Required value", None),
        }
        if let Some(value) = var.take("value") {
            cx.string(value, &format!("{at}.value"));
        }
        if let Some(from) = var.take("valueFrom") {
            cx.obj(from, &format!("{at}.valueFrom"));
        }
        var.finish(cx);
    }
}

/// The typed fields of a container's or a pod's `securityContext` that
/// charts write most (`runAsUser: "1001"` quoted is a classic), decoded as
/// the API server decodes them: the ids integers (int64), the switches
/// booleans, `supplementalGroups` a list of integers. The rest of it is
/// not looked into; the whole stays in the warning.
pub(super) fn security_context(cx: &mut Cx<'_>, obj: &Obj<'_>, path: &str, pod: bool) {
    let Some(context) = obj.peek("securityContext") else { return };
    let Value::Map(entries) = &context.value else {
        if context.value != Value::Null {
            cx.obj(context, &format!("{path}.securityContext"));
        }
        return;
    };
    let ints: &[&str] =
        if pod { &["runAsUser", "runAsGroup", "fsGroup"] } else { &["runAsUser", "runAsGroup"] };
    let booleans: &[&str] = if pod {
        &["runAsNonRoot"]
    } else {
        &["runAsNonRoot", "privileged", "readOnlyRootFilesystem", "allowPrivilegeEscalation"]
    };
    for (key, _, node) in entries.iter().filter(|(_, _, n)| n.value != Value::Null) {
        let at = format!("{path}.securityContext.{key}");
        if ints.contains(&key.as_str()) {
            cx.int(node, &at);
        } else if booleans.contains(&key.as_str()) {
            cx.boolean(node, &at);
        } else if pod && key == "supplementalGroups" {
            for (i, group) in cx.list(node, &at).unwrap_or_default().iter().enumerate() {
                cx.int(group, &format!("{at}[{i}]"));
            }
        }
    }
}

/// The typed fields of a pod's volumes that charts get wrong most, decoded
/// as the API server decodes them: the file modes of `configMap`, `secret`
/// and `projected` sources (`defaultMode: "0755"` quoted is a string where
/// an int32 goes; unquoted, YAML 1.1 reads 0755 as octal, 493, as the API
/// expects) and of their `items`, a source's `readOnly`, and a claim's
/// `claimName`. The volumes stay in the warning.
pub(super) fn volume_sources(cx: &mut Cx<'_>, spec: &Obj<'_>, path: &str) {
    let Some(list) = spec.peek("volumes") else { return };
    let Value::Seq(volumes) = &list.value else { return };
    let field = |entries: &[(String, crate::locate::Place, Node)], key: &str| {
        entries.iter().find(|(k, _, n)| k == key && n.value != Value::Null).map(|(_, _, n)| n.clone())
    };
    for (i, volume) in volumes.iter().enumerate() {
        let Value::Map(sources) = &volume.value else { continue };
        for (kind, _, source) in sources.iter().filter(|(k, _, _)| k != "name") {
            let Value::Map(entries) = &source.value else { continue };
            let at = format!("{path}.volumes[{i}].{kind}");
            if let Some(mode) = field(entries, "defaultMode") {
                cx.int(&mode, &format!("{at}.defaultMode"));
            }
            if let Some(read_only) = field(entries, "readOnly") {
                cx.boolean(&read_only, &format!("{at}.readOnly"));
            }
            if kind == "persistentVolumeClaim"
                && let Some(claim) = field(entries, "claimName")
            {
                cx.string(&claim, &format!("{at}.claimName"));
            }
            if let Some(items) = field(entries, "items")
                && let Value::Seq(items) = &items.value
            {
                for (j, item) in items.iter().enumerate() {
                    if let Value::Map(item) = &item.value
                        && let Some(mode) = field(item, "mode")
                    {
                        cx.int(&mode, &format!("{at}.items[{j}].mode"));
                    }
                }
            }
        }
    }
}
