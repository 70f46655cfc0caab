//! Kubernetes manifests (YAML or JSON) to the scenario's raw structs.
//!
//! Owns reading the objects people already have (`kubectl get -o yaml`,
//! `helm template`, their repository) into `raw` values, so that they go
//! through the same validation as a RON scenario and give the same `Config`:
//! which API versions and kinds are read (`objects`), the API server's
//! defaults that differ from the scenario format's, its decoding errors, the
//! apply semantics of an object given twice, and the map from each raw path
//! to the YAML file, line and column it came from (`Spans`, the `Find` the
//! validation reports through). Fields and kinds that the model does not use
//! are gathered into one warning, with their paths; so are the errors in a
//! StatefulSet's pod template's spec, which the API server leaves to each
//! pod's create (`Deferred`, kept as the template's `create_errors`). Does no I/O: callers hand
//! in the files' text. The stories around a bare manifest are `story`.

mod decode;
pub mod export;
mod objects;
mod schema;
mod storage;
pub(crate) use storage::{in_tree_sources, is_in_tree_source};
pub(crate) mod story;
pub mod template;

use crate::diagnostic::Diagnostic;
use crate::locate::Place;
use crate::raw;
use crate::validate::Find;
use crate::yaml::{self, Node, Value};
use std::collections::BTreeMap;

/// Where a raw value came from in a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Loc {
    pub file: String,
    pub place: Place,
    /// `StatefulSet "redis"`.
    pub object: String,
    /// `spec.replicas`.
    pub path: String,
}

/// Raw paths (`statefulsets[0].replicas`) to the YAML they came from.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    map: BTreeMap<String, Loc>,
}

impl Spans {
    fn insert(&mut self, raw_path: String, loc: Loc) {
        self.map.insert(raw_path, loc);
    }

    /// The object at `list[index]` is gone from the list: its places are
    /// forgotten and the later objects' move down by one.
    pub(crate) fn remove_index(&mut self, list: &str, index: usize) {
        let prefix = format!("{list}[");
        let map = std::mem::take(&mut self.map);
        for (path, loc) in map {
            let moved = path.strip_prefix(&prefix).and_then(|rest| {
                let (number, after) = rest.split_once(']')?;
                let number: usize = number.parse().ok()?;
                Some((number, after.to_string()))
            });
            match moved {
                Some((number, _)) if number == index => {}
                Some((number, after)) if number > index => {
                    self.map.insert(format!("{prefix}{}]{after}", number - 1), loc);
                }
                _ => {
                    self.map.insert(path, loc);
                }
            }
        }
    }

    /// The recorded place of `path` or of its nearest recorded parent.
    fn lookup(&self, path: &str) -> Option<&Loc> {
        let mut path = path;
        loop {
            if let Some(loc) = self.map.get(path) {
                return Some(loc);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// The scenario's own locator, with manifest spans laid over it.
pub(crate) struct Layered<'a> {
    pub base: Option<&'a dyn Find>,
    pub spans: &'a Spans,
    /// Where a path found nowhere is placed (the first manifest).
    pub fallback_file: String,
}

impl Find for Layered<'_> {
    fn find(&self, path: &str) -> Place {
        match (self.spans.lookup(path), self.base) {
            (Some(loc), _) => loc.place,
            (None, Some(base)) => base.find(path),
            // Written in no file: what a story adds (its timeline shows no line).
            (None, None) => Place { line: 0, column: 1, length: 1 },
        }
    }

    fn file_of(&self, path: &str) -> Option<String> {
        match (self.spans.lookup(path), self.base) {
            (Some(loc), _) => Some(loc.file.clone()),
            (None, Some(base)) => base.file_of(path),
            (None, None) => Some(self.fallback_file.clone()),
        }
    }

    fn field(&self, path: &str) -> String {
        match self.spans.lookup(path) {
            Some(loc) if !loc.path.is_empty() => loc.path.clone(),
            _ => self.base.map_or_else(|| path.to_string(), |b| b.field(path)),
        }
    }

    fn object(&self, path: &str) -> Option<String> {
        self.spans.lookup(path).map(|loc| loc.object.clone())
    }

    fn show(&self, path: &str) -> String {
        match self.spans.lookup(path) {
            Some(loc) if loc.path.is_empty() => format!("The {} is invalid", loc.object),
            Some(loc) => format!("The {} is invalid: {}", loc.object, loc.path),
            None => self.base.map_or_else(|| path.to_string(), |b| b.show(path)),
        }
    }
}

/// A value the model does not use, or a kind it skipped.
#[derive(Debug, Clone)]
pub(crate) struct Unused {
    pub file: String,
    pub place: Place,
    pub object: String,
    pub path: String,
}

/// Everything read from the manifests.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub services: Vec<raw::Service>,
    pub statefulsets: Vec<raw::StatefulSet>,
    pub pod_disruption_budgets: Vec<raw::PodDisruptionBudget>,
    pub persistent_volumes: Vec<raw::PersistentVolume>,
    pub persistent_volume_claims: Vec<raw::PersistentVolumeClaim>,
    pub storage_classes: Vec<raw::StorageClass>,
    pub node_pools: Vec<raw::NodePool>,
    /// CSINode objects read, joined to their Nodes by [`finish`].
    pub csi_nodes: Vec<CsiNode>,
    /// The zones of the nodes read, in order of first appearance.
    pub zones: Vec<String>,
    /// The namespace the objects are in, with where it was first named
    /// (`path` empty: the object named none and went in the apply namespace).
    pub namespace: Option<(String, Loc)>,
    /// Where `kubectl apply` puts a namespaced object that names no
    /// namespace: `-n`'s, or a RON scenario's own; `None`, `default`.
    pub apply_namespace: Option<String>,
    /// The namespace was given with `-n`: an object naming another is
    /// refused, as kubectl refuses it.
    pub enforce_namespace: bool,
    /// Namespace objects read: they make a namespace, and put nothing in it.
    pub namespaces_made: Vec<(String, Loc)>,
    /// PersistentVolumes' `spec.claimRef.namespace`, checked by [`finish`].
    pub claim_ref_namespaces: Vec<(String, Loc)>,
    pub unused: Vec<Unused>,
    /// Keys no field of their type has (`spec.replica`): kubectl's strict
    /// field validation refuses the object for each; a client that asks
    /// for none (an operator) gets a warning and the field is dropped.
    pub unknown: Vec<Unused>,
    /// Objects skipped: of a kind not modelled (`path` empty), or left out
    /// for the reason `path` gives.
    pub skipped: Vec<Unused>,
    /// Services read but left out, as they give pods no DNS records: each
    /// name and why (no selector; an ExternalName alias).
    pub services_left_out: Vec<(String, &'static str)>,
    /// Other things a user should know (a set naming a missing service).
    pub notes: Vec<String>,
    pub spans: Spans,
    pub errors: Vec<Diagnostic>,
    /// Field errors in the spec of a StatefulSet's pod template: the API
    /// server accepts the set and refuses each of its pods
    /// ([`pod_spec_path`]). Each template read keeps its own as its
    /// `create_errors`; these are what the warning lists.
    pub deferred: Vec<Deferred>,
    /// Scalars an unknown YAML tag made strings (`!foo 3`), by file and
    /// place, with the tag: said where a string will not do.
    pub tagged: Vec<(String, Place, String)>,
}

/// A field error of a StatefulSet's pod template that the set's own
/// validation does not look for before 1.34: where it is, whose it is, and
/// what it says, kept apart so that it can be worded as the set's refusal
/// (from 1.34), as the warning's line, or as what the API server says of
/// each pod made from the template (before 1.34).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Deferred {
    pub file: String,
    pub place: Place,
    /// `StatefulSet "redis"`.
    pub object: String,
    /// The set's path: `spec.template.spec.containers[0].image`.
    pub path: String,
    /// `Required value`.
    pub message: String,
    /// What a refusal advises.
    pub help: Option<String>,
}

impl Deferred {
    /// The warning's words: `StatefulSet "redis" spec.template.spec.containers[0].image: Required value`.
    pub fn what(&self) -> String {
        format!("{} {}: {}", self.object, self.path, self.message)
    }

    /// What the API server says of each pod's create: the pod's own path
    /// (`spec.containers[0].image: Required value`).
    pub fn pod_error(&self) -> String {
        let path = pod_spec_path(&self.path).unwrap_or_else(|| self.path.clone());
        format!("{path}: {}", self.message)
    }

    /// The index of the claim template it is in, if it is one's.
    pub fn claim(&self) -> Option<usize> {
        claim_spec_path(&self.path).map(|(index, _)| index)
    }

    /// What the API server says of the create of each claim made from its
    /// claim template: the claim's own path (`spec.accessModes: Required
    /// value: ...`).
    pub fn claim_error(&self) -> String {
        let path = claim_spec_path(&self.path).map_or_else(|| self.path.clone(), |(_, path)| path);
        format!("{path}: {}", self.message)
    }

    /// The set's refusal, as any other field error of it is worded.
    pub fn refusal(&self) -> Diagnostic {
        Diagnostic {
            code: "invalid-value",
            message: format!("The {} is invalid: {}: {}", self.object, self.path, self.message),
            file: self.file.clone(),
            line: self.place.line,
            column: self.place.column,
            length: self.place.length,
            help: self.help.clone(),
        }
    }
}

/// The pod's own path of a field of a StatefulSet's pod template's spec
/// (`spec.template.spec.containers[0].image` is the pod's
/// `spec.containers[0].image`), if a release before 1.34 leaves it to the
/// pod's create: there `ValidateStatefulSetSpec` checks the template's
/// labels and annotations, its `restartPolicy` and `activeDeadlineSeconds`,
/// and nothing else of it (`ValidatePodTemplateSpecForStatefulSet` in
/// pkg/apis/apps/validation/validation.go keeps the pod spec's validation
/// commented out), so a set whose pods cannot be made is accepted and
/// each pod create refused (kubernetes/kubernetes#81147, #137728). From
/// 1.34 the set's create validates the pod spec too
/// ([`stsim_core::features::Version::validates_statefulset_pod_template`]).
pub(crate) fn pod_spec_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("spec.template.spec.")?;
    let field = rest.split(['.', '[']).next().unwrap_or(rest);
    (!matches!(field, "restartPolicy" | "activeDeadlineSeconds")).then(|| format!("spec.{rest}"))
}

/// The index of the claim template and the claim's own path of a field of
/// a StatefulSet's claim template's spec
/// (`spec.volumeClaimTemplates[0].spec.accessModes` is claim 0's
/// `spec.accessModes`). Before 1.34 the set's validation does not look at
/// its claim templates, so each claim's create meets what is wrong in one
/// (`ValidatePersistentVolumeClaim`); from 1.34 the set's create validates
/// each template's spec (`ValidateVolumeClaimTemplates`, k/k PR #132212;
/// kubernetes/kubernetes#132211 shows a 1.32 server's `FailedCreate`).
pub(crate) fn claim_spec_path(path: &str) -> Option<(usize, String)> {
    let rest = path.strip_prefix("spec.volumeClaimTemplates[")?;
    let (index, rest) = rest.split_once("].spec")?;
    let index = index.parse().ok()?;
    (rest.starts_with(['.', '[']) || rest.is_empty()).then(|| (index, format!("spec{rest}")))
}

/// Whether a release before 1.34 leaves an error at `path` of a StatefulSet
/// to each pod's or claim's create ([`pod_spec_path`], [`claim_spec_path`]).
pub(crate) fn left_to_creates(path: &str) -> bool {
    pod_spec_path(path).is_some() || claim_spec_path(path).is_some()
}

/// Settles the errors of StatefulSets' pod templates that the reader kept
/// apart ([`Cx::invalid`]) once the release is known: from 1.34 the API
/// server refuses the set for them, as for any other field error of it;
/// before, the set is accepted and each pod create refused (the templates
/// carry them as `create_errors`).
pub(crate) fn settle(collected: &mut Collected, release: stsim_core::features::Version) {
    if release.validates_statefulset_pod_template() {
        let refusals = std::mem::take(&mut collected.deferred).into_iter().map(|d| d.refusal());
        collected.errors.extend(refusals);
        for set in &mut collected.statefulsets {
            set.template.create_errors.clear();
            for claim in set.volume_claim_templates.iter_mut().flatten() {
                claim.create_errors.clear();
            }
        }
    }
}

/// A CSINode as read: the Node it belongs to (its own name) and, for each
/// driver that reports a count, the driver, the count, and where each was written.
#[derive(Debug, Clone)]
pub(crate) struct CsiNode {
    pub node: String,
    pub name_at: Loc,
    pub drivers: Vec<(raw::VolumeAttachLimit, Loc, Loc)>,
}

/// After every file is read: each CSINode's attach limits go to the pool of
/// its Node (a CSINode is named after its Node). A CSINode whose Node is not
/// among the manifests, or a second one for a Node, is an error.
pub(crate) fn finish(collected: &mut Collected, base: Base) {
    claim_refs_and_namespaces(collected);
    let csi_nodes = std::mem::take(&mut collected.csi_nodes);
    let mut seen: Vec<(&str, &Loc)> = Vec::new();
    for csi in &csi_nodes {
        let error = |message: String, help: Option<String>| Diagnostic {
            code: "invalid-value",
            message,
            file: csi.name_at.file.clone(),
            line: csi.name_at.place.line,
            column: csi.name_at.place.column,
            length: csi.name_at.place.length,
            help,
        };
        if let Some((_, first)) = seen.iter().find(|(node, _)| *node == csi.node) {
            let message = format!("{}: metadata.name: Duplicate value: {:?}", csi.name_at.object, csi.node);
            let help = format!("{}:{} already gives this Node's CSINode", first.file, first.place.line);
            collected.errors.push(error(message, Some(help)));
            continue;
        }
        seen.push((&csi.node, &csi.name_at));
        let pool = collected
            .node_pools
            .iter()
            .position(|p| p.names.as_deref() == Some(std::slice::from_ref(&csi.node)));
        let Some(index) = pool else {
            let message = format!(
                "{}: metadata.name: no Node named {:?} in the manifests",
                csi.name_at.object, csi.node
            );
            let help =
                "a CSINode is named after its Node: give the Node too (kubectl get nodes,csinodes -o yaml)";
            collected.errors.push(error(message, Some(help.to_string())));
            continue;
        };
        let raw_base = format!("cluster.nodePools[{}].volumeAttachLimits", base.node_pools + index);
        for (j, (_, driver_at, count_at)) in csi.drivers.iter().enumerate() {
            collected.spans.insert(format!("{raw_base}[{j}].driver"), driver_at.clone());
            collected.spans.insert(format!("{raw_base}[{j}].count"), count_at.clone());
        }
        collected.node_pools[index].volume_attach_limits =
            Some(csi.drivers.iter().map(|(limit, _, _)| limit.clone()).collect());
    }
}

/// The namespace simulated: the objects', or where `kubectl apply` would put them.
fn simulated_namespace(collected: &Collected) -> String {
    match (&collected.namespace, &collected.apply_namespace) {
        (Some((name, _)), _) | (None, Some(name)) => name.clone(),
        (None, None) => "default".to_string(),
    }
}

/// A volume reserved for a claim of another namespace can bind none of the
/// simulated claims (the PV controller matches `claimRef` by namespace and
/// name), and stsim simulates one namespace: refused, rather than bound to
/// a claim of the same name here. A Namespace object that holds none of
/// the objects is worth a note: they went in another.
fn claim_refs_and_namespaces(collected: &mut Collected) {
    let simulated = simulated_namespace(collected);
    for (namespace, loc) in &collected.claim_ref_namespaces {
        if *namespace != simulated {
            collected.errors.push(Diagnostic {
                code: "invalid-value",
                message: format!(
                    "{}: {}: the claim is in {namespace:?}, and the objects simulated are in {simulated:?}",
                    loc.object, loc.path
                ),
                file: loc.file.clone(),
                line: loc.place.line,
                column: loc.place.column,
                length: loc.place.length,
                help: Some(
                    "stsim simulates one namespace: a volume reserved for a claim of another binds none of these; leave it out"
                        .to_string(),
                ),
            });
        }
    }
    // Objects that named none went in the apply namespace; ones that
    // named theirs are where they said.
    let implicit = collected.namespace.as_ref().map(|(_, first)| first.path.is_empty());
    for (namespace, loc) in &collected.namespaces_made {
        let why = match implicit {
            Some(true) => format!(
                "they name none, so kubectl apply puts them in the namespace -n names, or the current context's: pass `-n {namespace}`"
            ),
            Some(false) => "they name theirs".to_string(),
            None => continue,
        };
        if *namespace != simulated {
            collected.notes.push(format!(
                "Namespace {namespace:?} ({}:{}) holds none of the objects: they are in {simulated:?} ({why})",
                loc.file, loc.place.line
            ));
        }
    }
}

/// How many objects of each list the scenario already has, so manifest
/// objects are appended after them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Base {
    pub services: usize,
    pub statefulsets: usize,
    pub pod_disruption_budgets: usize,
    pub persistent_volumes: usize,
    pub persistent_volume_claims: usize,
    pub storage_classes: usize,
    pub node_pools: usize,
}

impl Base {
    pub fn of(scenario: &raw::Scenario) -> Base {
        let cluster = scenario.cluster.as_ref();
        Base {
            services: scenario.services.as_ref().map_or(0, Vec::len),
            statefulsets: scenario.statefulsets.as_ref().map_or(0, Vec::len),
            pod_disruption_budgets: scenario.pod_disruption_budgets.as_ref().map_or(0, Vec::len),
            persistent_volumes: scenario.persistent_volumes.as_ref().map_or(0, Vec::len),
            persistent_volume_claims: scenario.persistent_volume_claims.as_ref().map_or(0, Vec::len),
            storage_classes: cluster.and_then(|c| c.storage_classes.as_ref()).map_or(0, Vec::len),
            node_pools: cluster.and_then(|c| c.node_pools.as_ref()).map_or(0, Vec::len),
        }
    }
}

/// A mapping being read: which of its keys were used.
pub(crate) struct Obj<'n> {
    entries: &'n [(String, Place, Node)],
    used: Vec<bool>,
    pub place: Place,
    /// The YAML path of the mapping, like `spec.template` (empty at the root).
    pub path: String,
}

impl<'n> Obj<'n> {
    fn new(node: &'n Node, path: &str) -> Option<Obj<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Obj {
                entries,
                used: vec![false; entries.len()],
                place: node.place,
                path: path.to_string(),
            }),
            _ => None,
        }
    }

    /// The value under `key` (marked used), if written and not null.
    pub fn take(&mut self, key: &str) -> Option<&'n Node> {
        let index = self.entries.iter().position(|(k, _, _)| k == key)?;
        self.used[index] = true;
        let node = &self.entries[index].2;
        (node.value != Value::Null).then_some(node)
    }

    /// The `name` of each mapping in the list under `key`, read without
    /// marking the list used: `volumes` and `volumeMounts`, whose names the
    /// API server matches when it is asked for a pod, and whose other
    /// fields stsim does not model (the list stays in the warning, and in
    /// the template's identity). A list, item or name of another type is
    /// refused, as the API server's decoding refuses it.
    /// Each name is recorded at `{raw}.{key}[i]` (the scenario's path of
    /// the list, `raw`), so that what is said of one points at its `name:`.
    pub fn names_under(&self, cx: &mut Cx<'_>, key: &str, raw: &str) -> Option<Vec<String>> {
        let (_, _, node) = self.entries.iter().find(|(k, _, _)| k == key)?;
        if node.value == Value::Null {
            return None;
        }
        let items = cx.list(node, &self.child(key))?;
        let mut names = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.child(key));
            let Some(item) = cx.obj(item, &path) else { continue };
            let name = item.entries.iter().find(|(k, _, _)| k == "name").map(|(_, _, n)| n);
            if let Some(n) = name {
                cx.at(format!("{raw}.{key}[{i}]"), n.place, &format!("{path}.name"));
            }
            names.push(name.and_then(|n| cx.string(n, &format!("{path}.name"))).unwrap_or_default());
        }
        Some(names)
    }

    /// Marks keys as read without using them (server-set and ignored fields).
    pub fn skip(&mut self, keys: &[&str]) {
        for (i, (k, _, _)) in self.entries.iter().enumerate() {
            if keys.contains(&k.as_str()) {
                self.used[i] = true;
            }
        }
    }

    /// The path of a child.
    pub fn child(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// Lists every key not taken as unused, except those written empty or at
    /// the API server's default (as `kubectl get -o yaml` prints them), which
    /// change nothing.
    pub fn finish(self, cx: &mut Cx<'_>) {
        let known = schema::fields(cx.kind(), &self.path);
        for (i, (key, place, node)) in self.entries.iter().enumerate() {
            // The API's decoding knows a key or not whatever its value.
            if !self.used[i] && known.is_some_and(|fields| !fields.contains(&key.as_str())) {
                let unknown = Unused {
                    file: cx.file.to_string(),
                    place: *place,
                    object: cx.object.clone(),
                    path: self.child(key),
                };
                cx.collected.unknown.push(unknown);
            } else if !self.used[i] && !says_nothing(key, &node.value) {
                cx.collected.unused.push(Unused {
                    file: cx.file.to_string(),
                    place: *place,
                    object: cx.object.clone(),
                    path: self.child(key),
                });
            }
        }
    }
}

/// Fields at the value the API server defaults them to, which the model
/// assumes: `(key, value)`.
const DEFAULTED: &[(&str, &str)] = &[
    ("timeoutSeconds", "1"),
    ("sessionAffinity", "None"),
    ("internalTrafficPolicy", "Cluster"),
    ("ipFamilyPolicy", "SingleStack"),
    ("protocol", "TCP"),
    ("scheme", "HTTP"),
    ("terminationMessagePath", "/dev/termination-log"),
    ("terminationMessagePolicy", "File"),
    ("restartPolicy", "Always"),
    ("dnsPolicy", "ClusterFirst"),
    ("schedulerName", "default-scheduler"),
    ("volumeMode", "Filesystem"),
    ("creationTimestamp", "null"),
    // A pod spec's booleans at the value the API server assumes when they
    // are left out (charts such as bitnami's write them so): no host
    // namespaces, no shared process namespace, the Service environment
    // variables on (`SetDefaults_PodSpec` sets `enableServiceLinks: true`).
    ("hostNetwork", "false"),
    ("hostPID", "false"),
    ("hostIPC", "false"),
    ("shareProcessNamespace", "false"),
    ("setHostnameAsFQDN", "false"),
    ("enableServiceLinks", "true"),
];

/// Fields the API server's defaulting fills when they are empty strings
/// as when they are left out (`SetDefaults_Service`, `SetDefaults_PodSpec`,
/// `SetDefaults_Container`, `SetDefaults_HTTPGetAction`...), which the model
/// assumes at their defaults.
const DEFAULTED_WHEN_EMPTY: &[&str] = &[
    "sessionAffinity",
    "protocol",
    "scheme",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "restartPolicy",
    "dnsPolicy",
    "schedulerName",
];

/// Whether `node` is the empty string.
pub(crate) fn is_empty_string(node: &Node) -> bool {
    matches!(&node.value, Value::Str(s) if s.is_empty())
}

/// Whether a field says nothing the model would do differently: empty, or at its default.
fn says_nothing(key: &str, value: &Value) -> bool {
    if matches!(value, Value::Str(s) if s.is_empty()) && DEFAULTED_WHEN_EMPTY.contains(&key) {
        return true;
    }
    let text = match value {
        Value::Null => return true,
        Value::Map(entries) => return entries.is_empty(),
        Value::Seq(items) => {
            // `ipFamilies: [IPv4]` and `clusterIPs: [...]` mirror single-stack defaults.
            return items.is_empty()
                || (key == "ipFamilies" && items.len() == 1 && items[0].value == Value::Str("IPv4".into()))
                || (key == "clusterIPs" && items.len() == 1);
        }
        Value::Str(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    DEFAULTED.iter().any(|(k, v)| *k == key && *v == text)
}

/// The reading of one file.
pub(crate) struct Cx<'c> {
    pub file: &'c str,
    /// `StatefulSet "redis"`, for messages.
    pub object: String,
    pub collected: &'c mut Collected,
    pub base: Base,
}

impl Cx<'_> {
    /// The kind of the object being read (`StatefulSet`).
    pub fn kind(&self) -> &str {
        kind_of(&self.object)
    }

    pub fn error(&mut self, code: &'static str, place: Place, message: String, help: Option<String>) {
        self.collected.errors.push(Diagnostic {
            code,
            message,
            file: self.file.to_string(),
            line: place.line,
            column: place.column,
            length: place.length,
            help,
        });
    }

    /// An error about the value at `path` of the current object. One in
    /// the spec of a StatefulSet's pod template is kept apart until the
    /// release is known ([`pod_spec_path`], [`settle`]): the set's refusal
    /// from 1.34, each of its pods' before.
    pub fn invalid(&mut self, place: Place, path: &str, message: impl AsRef<str>, help: Option<String>) {
        if self.kind() == "StatefulSet" && left_to_creates(path) {
            self.collected.deferred.push(Deferred {
                file: self.file.to_string(),
                place,
                object: self.object.clone(),
                path: path.to_string(),
                message: message.as_ref().to_string(),
                help,
            });
            return;
        }
        let text = format!("The {} is invalid: {path}: {}", self.object, message.as_ref());
        self.error("invalid-value", place, text, help);
    }

    pub fn type_error(&mut self, node: &Node, path: &str, expected: &str) {
        let message =
            format!("{}: {path}: expected {expected}, found {}", self.object, node.value.describe());
        let tag = (self.collected.tagged.iter())
            .find(|(file, place, _)| file == self.file && *place == node.place)
            .map(|(_, _, tag)| tag);
        let help = match &node.value {
            Value::Int(_) | Value::Float(_) | Value::Bool(_) if expected.contains("string") => {
                Some("quote it, like \"1.0\" or \"on\"; kubectl reads unquoted numbers and booleans (`yes`, `no`, `on` and `off` among them, as YAML 1.1 has them) as such".into())
            }
            // go-yaml leaves a scalar of a tag it does not resolve as text.
            Value::Str(_) if let Some(tag) = tag => Some(format!(
                "the tag `{tag}` makes it a string: kubectl reads YAML with go-yaml, which resolves only its own tags (`!!int`, `!!str`, ...); remove the tag"
            )),
            _ => None,
        };
        self.error("invalid-type", node.place, message, help);
    }

    /// Records that the raw value at `raw_path` came from `node` at `path`.
    pub fn at(&mut self, raw_path: String, place: Place, path: &str) {
        let loc = self.loc(place, path);
        self.collected.spans.insert(raw_path, loc);
    }

    /// Where the current object's field at `path` was written.
    pub fn loc(&self, place: Place, path: &str) -> Loc {
        Loc { file: self.file.to_string(), place, object: self.object.clone(), path: path.to_string() }
    }

    pub fn obj<'n>(&mut self, node: &'n Node, path: &str) -> Option<Obj<'n>> {
        let obj = Obj::new(node, path);
        if obj.is_none() {
            self.type_error(node, path, "a mapping");
        }
        obj
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    pub fn int(&mut self, node: &Node, path: &str) -> Option<i64> {
        match &node.value {
            Value::Int(n) => Some(*n),
            _ => {
                self.type_error(node, path, "an integer");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.type_error(node, path, "`true` or `false`");
                None
            }
        }
    }

    pub fn list<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.type_error(node, path, "a list");
                None
            }
        }
    }

    /// A quantity: a string like "500m" or a bare number.
    ///
    /// A string `ParseQuantity` refuses fails the object's decoding, before
    /// any validation, with the decoder's words (`StatefulSet in version
    /// "v1" cannot be handled as a StatefulSet: quantities must match the
    /// regular expression ...`, a 400 rather than a 422); the help says what
    /// is wrong in it.
    pub fn quantity(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) if let Some(error) = crate::quantity::decode_error(s) => {
                let kind = self.kind().to_string();
                let message = format!("{kind} in version \"v1\" cannot be handled as a {kind}: {error}");
                let help = crate::quantity::parse_quantity(s).err().map_or_else(
                    || format!("{path}: {s:?} is no quantity"),
                    |detail| format!("{path}: {detail}"),
                );
                self.error("invalid-quantity", node.place, message, Some(help));
                Some(s.clone())
            }
            Value::Str(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(x) if x.is_finite() => Some(x.to_string()),
            _ => {
                self.type_error(node, path, "a quantity, like \"500m\" or \"10Gi\"");
                None
            }
        }
    }

    pub fn int_or_string(&mut self, node: &Node, path: &str) -> Option<raw::IntOrString> {
        match &node.value {
            Value::Int(n) => Some(raw::IntOrString::Int(*n)),
            Value::Str(s) => Some(raw::IntOrString::String(s.clone())),
            _ => {
                self.type_error(node, path, "an integer or a percentage string");
                None
            }
        }
    }

    /// A map of strings to strings (labels, a selector, a node selector).
    pub fn labels(&mut self, node: &Node, path: &str) -> Option<raw::RawLabels> {
        let Value::Map(entries) = &node.value else {
            self.type_error(node, path, "a mapping of strings");
            return None;
        };
        let mut out = raw::RawLabels::new();
        for (key, _, value) in entries {
            let child = format!("{path}.{key}");
            match &value.value {
                Value::Str(s) => {
                    out.insert(key.clone(), s.clone());
                }
                Value::Null => {
                    out.insert(key.clone(), String::new());
                }
                _ => self.type_error(value, &child, "a string"),
            }
        }
        Some(out)
    }

    /// One of `allowed` for a field the API server defaults when it is
    /// empty as when it is left out (its `SetDefaults_*` test `== ""`: a
    /// StatefulSet's `podManagementPolicy`, a port's `protocol`, a
    /// container's `imagePullPolicy`...): `None` for `""`, so that the
    /// caller's default applies, as charts rendering `""` for "unset" expect.
    /// A field the API server keeps as a pointer (a StorageClass's
    /// `volumeBindingMode`) is read with [`Cx::one_of`]: there `""` is refused.
    pub fn defaulted_one_of(&mut self, node: &Node, path: &str, allowed: &[&str]) -> Option<String> {
        if is_empty_string(node) {
            return None;
        }
        self.one_of(node, path, allowed)
    }

    /// One of `allowed`, or the API server's "Unsupported value" error.
    pub fn one_of(&mut self, node: &Node, path: &str, allowed: &[&str]) -> Option<String> {
        let supported: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        let supported = supported.join(", ");
        self.one_of_as(node, path, allowed, |text| {
            format!("Unsupported value: {text:?}: supported values: {supported}")
        })
    }

    /// One of `allowed`, or the API server's error at `path` as `message`
    /// words it for the text given.
    pub fn one_of_as(
        &mut self,
        node: &Node,
        path: &str,
        allowed: &[&str],
        message: impl Fn(&str) -> String,
    ) -> Option<String> {
        let text = self.string(node, path)?;
        if allowed.contains(&text.as_str()) {
            return Some(text);
        }
        let help = crate::validate::suggest(&text, allowed).map(|close| format!("did you mean {close:?}?"));
        let message = message(&text);
        self.invalid(node.place, path, message, help);
        None
    }
}

/// The built-in API groups and versions of the modelled Kubernetes releases,
/// with the kinds each serves; an object of any other `apiVersion` or kind
/// has no resource the API server could map (`no matches for kind`).
const BUILT_IN: &[(&str, &[&str])] = &[
    (
        "v1",
        &[
            "Binding",
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "List",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
    ),
    ("apps/v1", &["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"]),
    ("batch/v1", &["CronJob", "Job"]),
    ("policy/v1", &["Eviction", "PodDisruptionBudget"]),
    ("autoscaling/v1", &["HorizontalPodAutoscaler", "Scale"]),
    ("autoscaling/v2", &["HorizontalPodAutoscaler"]),
    (
        "storage.k8s.io/v1",
        &[
            "CSIDriver",
            "CSINode",
            "CSIStorageCapacity",
            "StorageClass",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
    ("networking.k8s.io/v1", &["IPAddress", "Ingress", "IngressClass", "NetworkPolicy", "ServiceCIDR"]),
    ("rbac.authorization.k8s.io/v1", &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
    ("scheduling.k8s.io/v1", &["PriorityClass"]),
    ("coordination.k8s.io/v1", &["Lease"]),
    ("discovery.k8s.io/v1", &["EndpointSlice"]),
    ("node.k8s.io/v1", &["RuntimeClass"]),
    ("certificates.k8s.io/v1", &["CertificateSigningRequest"]),
    ("events.k8s.io/v1", &["Event"]),
    (
        "admissionregistration.k8s.io/v1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingWebhookConfiguration",
        ],
    ),
    ("apiextensions.k8s.io/v1", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io/v1", &["APIService"]),
    ("flowcontrol.apiserver.k8s.io/v1", &["FlowSchema", "PriorityLevelConfiguration"]),
    ("resource.k8s.io/v1", &["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"]),
];

/// The modelled kinds and the one version each is read in.
pub(crate) const KINDS: &[(&str, &str)] = &[
    ("StatefulSet", "apps/v1"),
    ("Service", "v1"),
    ("StorageClass", "storage.k8s.io/v1"),
    ("PodDisruptionBudget", "policy/v1"),
    ("PersistentVolume", "v1"),
    ("PersistentVolumeClaim", "v1"),
    ("Node", "v1"),
    ("CSINode", "storage.k8s.io/v1"),
    ("Namespace", "v1"),
    ("List", "v1"),
];

/// Reads one manifest file into `collected`.
pub(crate) fn read_file(source: &str, file: &str, base: Base, collected: &mut Collected) {
    // kubectl drops a UTF-8 byte-order mark; it is no column.
    let documents = match yaml::parse_stream(crate::without_bom(source), file) {
        Ok(documents) => documents,
        Err(diagnostic) => {
            collected.errors.push(diagnostic);
            return;
        }
    };
    for document in &documents {
        collected
            .tagged
            .extend(document.tagged.iter().map(|(place, tag)| (file.to_string(), *place, tag.clone())));
    }
    let mut cx = Cx { file, object: String::new(), collected, base };
    for document in &documents {
        object(&mut cx, &document.root, "", true);
    }
    // kubectl applies with strict field validation: each unknown key
    // refuses its object.
    let mut unknown = std::mem::take(&mut collected.unknown);
    unknown.sort_by_key(|u| (u.place.line, u.place.column));
    collected.errors.extend(unknown.iter().map(unknown_field));
}

/// An unknown key as kubectl's strict field validation refuses it (the API
/// server's strict decoding, `serializer/json` with `Strict`): `StatefulSet
/// in version "v1" cannot be handled as a StatefulSet: strict decoding
/// error: unknown field "spec.replica"`, the path from the object's root
/// (every kind stsim reads is served in a `v1`).
fn unknown_field(unknown: &Unused) -> Diagnostic {
    let kind = kind_of(&unknown.object);
    let path = object_path(&unknown.path);
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (parent, key),
        None => ("", path),
    };
    let suggestion = schema::fields(kind, parent).and_then(|fields| crate::validate::suggest(key, fields));
    let help = match suggestion {
        Some(close) => format!("{}: did you mean `{close}`?", unknown.object),
        None => format!(
            "{}: no field of this name belongs here; check its spelling, and its indentation (a field \
             one level too deep or too shallow is unknown where it lands)",
            unknown.object
        ),
    };
    Diagnostic {
        code: "unknown-field",
        message: format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: strict decoding error: unknown field {path:?}"
        ),
        file: unknown.file.clone(),
        line: unknown.place.line,
        column: unknown.place.column,
        length: unknown.place.length,
        help: Some(help),
    }
}

/// The kind an object is named by (`StatefulSet "redis"`, as `Cx::object`).
fn kind_of(object: &str) -> &str {
    object.split(' ').next().unwrap_or_default()
}

/// A path within a `List`, from its item's root: `items[2].spec.x` is `spec.x`.
fn object_path(path: &str) -> &str {
    match path.strip_prefix("items[").and_then(|rest| rest.split_once("].")) {
        Some((_, rest)) => rest,
        None => path,
    }
}

/// One object (or a `kind: List` of them).
fn object(cx: &mut Cx<'_>, node: &Node, prefix: &str, list_allowed: bool) {
    let Some(mut obj) = Obj::new(node, prefix.trim_end_matches('.')) else {
        let message = format!(
            "expected a Kubernetes object (a mapping with `apiVersion` and `kind`), found {}",
            node.value.describe()
        );
        let help = Some("a manifest is one or more YAML documents, separated by `---`".to_string());
        cx.error("invalid-object", node.place, message, help);
        return;
    };
    let api_version = obj.take("apiVersion");
    let kind = obj.take("kind");
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let missing = if api_version.is_none() { "apiVersion" } else { "kind" };
        let help = Some("every object names its `apiVersion` and `kind`, like `apiVersion: apps/v1` and `kind: StatefulSet`".into());
        cx.error("invalid-object", obj.place, format!("{prefix}{missing} not set"), help);
        return;
    };
    let (Some(version), Some(kind_name)) = (cx.string(api_version, "apiVersion"), cx.string(kind, "kind"))
    else {
        return;
    };
    let name = obj.entries.iter().find(|(k, _, _)| k == "metadata").and_then(|(_, _, m)| match &m.value {
        Value::Map(entries) => {
            entries.iter().find(|(k, _, _)| k == "name").and_then(|(_, _, n)| match &n.value {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
        }
        _ => None,
    });
    cx.object = match &name {
        Some(name) => format!("{kind_name} {name:?}"),
        None => kind_name.clone(),
    };
    let served = BUILT_IN.iter().find(|(v, _)| *v == version).map(|(_, kinds)| *kinds);
    if !served.is_some_and(|kinds| kinds.contains(&kind_name.as_str())) {
        let expected =
            BUILT_IN.iter().find(|(_, kinds)| kinds.contains(&kind_name.as_str())).map(|(v, _)| *v);
        let help = match (expected, served) {
            (Some(v), _) => format!("{kind_name} is served as `apiVersion: {v}`"),
            (None, Some(kinds)) => match crate::validate::suggest(&kind_name, kinds) {
                Some(close) => format!("did you mean `kind: {close}`?"),
                None => format!("{version} serves {}", kinds.join(", ")),
            },
            (None, None) => {
                "the simulated cluster has no CustomResourceDefinitions; remove the object, or use a \
                             built-in kind"
                    .to_string()
            }
        };
        // A kind served elsewhere, or an unknown group: the version is wrong; else the kind is.
        let place = if expected.is_some() || served.is_none() { api_version.place } else { kind.place };
        cx.error(
            "unknown-api-version",
            place,
            format!("no matches for kind {kind_name:?} in version {version:?}"),
            Some(help),
        );
        return;
    }
    match KINDS.iter().find(|(k, _)| *k == kind_name) {
        Some((_, expected)) if *expected != version => {
            cx.error(
                "unknown-api-version",
                api_version.place,
                format!("no matches for kind {kind_name:?} in version {version:?}"),
                Some(format!("{kind_name} is served as `apiVersion: {expected}`")),
            );
            return;
        }
        Some(_) => {}
        None => {
            cx.collected.skipped.push(Unused {
                file: cx.file.to_string(),
                place: kind.place,
                object: cx.object.clone(),
                path: String::new(),
            });
            return;
        }
    }
    obj.skip(&["status"]);
    match kind_name.as_str() {
        "List" if list_allowed => {
            obj.skip(&["metadata"]);
            if let Some(items) = obj.take("items")
                && let Some(items) = cx.list(items, &obj.child("items"))
            {
                for (i, item) in items.iter().enumerate() {
                    object(cx, item, &format!("{prefix}items[{i}]."), false);
                }
            }
            cx.object = "List".to_string();
            obj.finish(cx);
        }
        "List" => {
            cx.error("invalid-object", kind.place, "a List cannot hold another List".to_string(), None);
        }
        "StatefulSet" => objects::statefulset(cx, obj),
        "Service" => objects::service(cx, obj),
        "StorageClass" => objects::storage_class(cx, obj),
        "PodDisruptionBudget" => objects::pod_disruption_budget(cx, obj),
        "Node" => objects::node(cx, obj),
        "CSINode" => objects::csi_node(cx, obj),
        "Namespace" => objects::namespace(cx, obj),
        "PersistentVolume" => storage::persistent_volume(cx, obj),
        "PersistentVolumeClaim" => storage::persistent_volume_claim(cx, obj),
        _ => {
            cx.collected.skipped.push(Unused {
                file: cx.file.to_string(),
                place: kind.place,
                object: cx.object.clone(),
                path: String::new(),
            });
        }
    }
}

/// The ignored objects and fields the warning lists; past them, how many more.
const MAX_IGNORED_SHOWN: usize = 100;

/// The one warning about what the model does not use, or `None`.
pub(crate) fn warning(collected: &Collected) -> Option<String> {
    if collected.unused.is_empty()
        && collected.skipped.is_empty()
        && collected.notes.is_empty()
        && collected.deferred.is_empty()
    {
        return None;
    }
    let mut text = String::new();
    if !collected.skipped.is_empty() || !collected.unused.is_empty() {
        text.push_str("warning: stsim does not model these, and ignored them:\n");
        let mut lines: Vec<(&str, usize, usize, String)> = collected
            .skipped
            .iter()
            .map(|item| {
                (
                    item.file.as_str(),
                    item.place.line,
                    item.place.column,
                    match item.path.as_str() {
                        "" => format!("{} (the kind is not modelled)", item.object),
                        why => format!("{} ({why})", item.object),
                    },
                )
            })
            .chain(collected.unused.iter().map(|item| {
                (
                    item.file.as_str(),
                    item.place.line,
                    item.place.column,
                    format!("{} {}", item.object, item.path),
                )
            }))
            .collect();
        lines.sort();
        let total = lines.len();
        for (file, line, column, what) in lines.into_iter().take(MAX_IGNORED_SHOWN) {
            text.push_str(&format!("  {file}:{line}:{column}: {what}\n"));
        }
        if total > MAX_IGNORED_SHOWN {
            text.push_str(&format!("  and {} more\n", total - MAX_IGNORED_SHOWN));
        }
    }
    for note in &collected.notes {
        text.push_str(&format!("warning: {note}\n"));
    }
    let (claims, pods): (Vec<&Deferred>, Vec<&Deferred>) =
        collected.deferred.iter().partition(|d| d.claim().is_some());
    let headings = [
        (
            pods,
            "warning: the API server accepts these StatefulSets but refuses each of their pods, as before 1.34 \
             it does not check a StatefulSet's pod template (`kubectl apply` succeeds, no pod appears, and the \
             set's events say FailedCreate; from 1.34 `kubectl apply` refuses the set):\n",
        ),
        (
            claims,
            "warning: the API server accepts these StatefulSets but refuses each claim made from these claim \
             templates, so the controller makes none of their pods, as before 1.34 it does not check a \
             StatefulSet's volumeClaimTemplates (`kubectl apply` succeeds, no claim or pod appears, and the \
             set's events say FailedCreate; from 1.34 `kubectl apply` refuses the set):\n",
        ),
    ];
    for (deferred, heading) in headings.into_iter().filter(|(d, _)| !d.is_empty()) {
        text.push_str(heading);
        let mut lines: Vec<(&str, usize, usize, String, Option<&str>)> = (deferred.iter())
            .map(|d| (d.file.as_str(), d.place.line, d.place.column, d.what(), d.help.as_deref()))
            .collect();
        lines.sort();
        lines.dedup();
        for (file, line, column, what, help) in lines {
            match help {
                Some(help) => text.push_str(&format!("  {file}:{line}:{column}: {what}; {help}\n")),
                None => text.push_str(&format!("  {file}:{line}:{column}: {what}\n")),
            }
        }
    }
    Some(text)
}

#[cfg(test)]
mod defaulted_tests {
    use super::*;

    /// A pod spec's booleans written at their defaults say nothing (read
    /// without the "ignored" warning, as docs/manifests.md promises); the
    /// other value is still reported.
    #[test]
    fn booleans_at_their_defaults_say_nothing() {
        for (key, default) in [
            ("hostNetwork", false),
            ("hostPID", false),
            ("hostIPC", false),
            ("shareProcessNamespace", false),
            ("setHostnameAsFQDN", false),
            ("enableServiceLinks", true),
        ] {
            assert!(says_nothing(key, &Value::Bool(default)), "{key}");
            assert!(!says_nothing(key, &Value::Bool(!default)), "{key}");
        }
    }
}
