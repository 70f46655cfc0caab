//! Kubernetes-shaped objects: the cluster's API objects as the API server
//! serves them (`apiVersion`, `kind`, `metadata`, `spec`, `status`, in
//! camelCase JSON), their `resourceVersion`s, and the answers it gives to
//! writes (`Status` with `code`, `reason`, `message`).
//!
//! Owns the rendering of Pods, PersistentVolumeClaims, PersistentVolumes,
//! StatefulSets, Services, Nodes, PodDisruptionBudgets and custom resources
//! into JSON, the etcd-style revision counter that gives every change a
//! `resourceVersion`, and the custom resource store (`custom`). The verbs an
//! operator may use (`verbs`) turn JSON requests into `Api` writes, so they
//! obey the same rules as every other write.
//!
//! Does not own the objects themselves (`objects`, `world`) nor decide
//! anything about them. Serialized maps are `serde_json`'s sorted maps, so
//! the JSON of an object is deterministic.

mod create;
pub mod custom;
pub mod patch;
pub mod pod_template;
pub mod template;
pub mod verbs;

use crate::config::{AccessMode, ContainerPort, IntOrPercent, PodManagementPolicy, UpdateStrategy};
use crate::objects::*;
use crate::time::SimTime;
use crate::trace::Event;
use crate::world::World;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// An object as the API server serves it.
pub type Object = Value;

/// The finalizer the pvc-protection controller keeps on every live claim.
pub use crate::objects::PVC_PROTECTION;

/// Simulated time zero is this instant (2025-01-01T00:00:00Z), so that
/// timestamps look like Kubernetes' RFC 3339 ones and are reproducible.
pub const EPOCH_UNIX_SECONDS: u64 = 1_735_689_600;

/// Which object a change touched, for its `resourceVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum ObjRef {
    Node(NodeId),
    Pod(PodId),
    Pvc(PvcId),
    Pv(PvId),
    Service(ServiceId),
    Sts(StsId),
    /// A PodDisruptionBudget, by index into `World::pdbs`.
    Pdb(u32),
    /// A custom resource, by index into `CustomResources::objects`.
    Custom(u32),
}

/// `resourceVersion`s: as etcd's revision, one counter for the whole
/// cluster, moved by every change; each object carries the revision of its
/// last change. Objects never changed since the world was built have 1.
///
/// Also keeps the annotations clients put on built-in objects: inert data
/// (nothing in the model reads it) that the API server stores and serves.
#[derive(Debug, Clone)]
pub struct Versions {
    /// Whether versions are kept: only runs that show them (with operators
    /// or custom resources) pay for them.
    pub enabled: bool,
    pub revision: u64,
    last: BTreeMap<ObjRef, u64>,
    annotations: BTreeMap<ObjRef, BTreeMap<String, String>>,
}

impl Default for Versions {
    fn default() -> Self {
        Versions { enabled: false, revision: 1, last: BTreeMap::new(), annotations: BTreeMap::new() }
    }
}

impl Versions {
    /// The annotations clients set on `obj`.
    pub fn annotations(&self, obj: ObjRef) -> BTreeMap<String, String> {
        self.annotations.get(&obj).cloned().unwrap_or_default()
    }

    pub fn set_annotations(&mut self, obj: ObjRef, annotations: BTreeMap<String, String>) {
        if annotations.is_empty() {
            self.annotations.remove(&obj);
        } else {
            self.annotations.insert(obj, annotations);
        }
    }

    pub fn of(&self, obj: ObjRef) -> u64 {
        self.last.get(&obj).copied().unwrap_or(1)
    }

    pub fn touch(&mut self, obj: ObjRef) {
        self.revision += 1;
        self.last.insert(obj, self.revision);
    }

    /// Moves the versions of the objects a trace record changed.
    pub fn record(&mut self, event: &Event) {
        if !self.enabled {
            return;
        }
        let (a, b) = touched(event);
        for obj in [a, b].into_iter().flatten() {
            self.touch(obj);
        }
    }
}

/// The API objects a trace record changed (at most two).
pub fn touched(event: &Event) -> (Option<ObjRef>, Option<ObjRef>) {
    use ObjRef::*;
    let one = |o| (Some(o), None);
    match event {
        Event::NodeAdded { node }
        | Event::NodeRemoved { node }
        | Event::NodeCondition { node, .. }
        | Event::NodeTaintAdded { node, .. }
        | Event::NodeTaintRemoved { node, .. }
        | Event::NodeUnschedulable { node, .. } => one(Node(*node)),
        Event::PodEvicted { pod, .. }
        | Event::PodCreated { pod, .. }
        | Event::PodUnschedulable { pod, .. }
        | Event::PodScheduled { pod, .. }
        | Event::PodStatus { pod, .. }
        | Event::PodReady { pod, .. }
        | Event::PodDeleting { pod, .. }
        | Event::PodRemoved { pod, .. }
        | Event::PodOrphaned { pod }
        | Event::PodAdopted { pod, .. }
        // Writes of the pod's metadata (labels, finalizers, by hand or by
        // a controller) and the kubelet's status writes of one container:
        // each is a new version of the object, which a watch sees and an
        // update with the old `resourceVersion` conflicts with.
        | Event::PodPatched { pod, .. }
        | Event::ContainerStatus { pod, .. }
        | Event::SidecarStatus { pod, .. } => one(Pod(*pod)),
        Event::PvcCreated { pvc }
        | Event::PvcOwnersUpdated { pvc, .. }
        | Event::PvcRemoved { pvc }
        | Event::PvcDeleting { pvc }
        | Event::PvcSelectedNode { pvc, .. }
        | Event::PvcNodeUnselected { pvc, .. }
        | Event::PvcPatched { pvc, .. }
        | Event::PvcResizeRequested { pvc, .. } => one(Pvc(*pvc)),
        Event::PvcBound { pvc, pv } => (Some(Pvc(*pvc)), Some(Pv(*pv))),
        Event::PvReleased { pv }
        | Event::PvDeleted { pv }
        | Event::PvFailed { pv, .. }
        | Event::PvResized { pv, .. } => one(Pv(*pv)),
        Event::StatefulSetDeleted { sts, .. }
        | Event::StatefulSetCreated { sts }
        | Event::StatefulSetUpdated { sts, .. }
        | Event::StatefulSetScaled { sts, .. }
        | Event::StatefulSetStatus { sts, .. } => one(Sts(*sts)),
        Event::ServiceCreated { service }
        | Event::ServiceDeleted { service }
        | Event::ServiceUpdated { service, .. } => one(Service(*service)),
        Event::CustomResourceChanged { object, .. } => one(Custom(*object)),
        Event::Annotated { object, .. }
        | Event::MetadataPatched { object, .. }
        | Event::DeleteHeld { object, .. } => one(*object),
        _ => (None, None),
    }
}

/// RFC 3339 in UTC, to the second, as `metav1.Time` serializes.
pub fn timestamp(at: SimTime) -> String {
    let secs = EPOCH_UNIX_SECONDS + at.as_millis() / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to a civil date (year, month, day) in the
/// proleptic Gregorian calendar.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A uid in the UUID form Kubernetes uses, from the run's uid counter.
pub fn uid(uid: Uid) -> String {
    format!("00000000-0000-4000-8000-{:012x}", uid.0)
}

/// A byte count as the API server prints a quantity (`10Gi`, `512Mi`, `1000`).
pub fn quantity(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

fn access_mode(mode: &AccessMode) -> &'static str {
    match mode {
        AccessMode::ReadWriteOnce => "ReadWriteOnce",
        AccessMode::ReadOnlyMany => "ReadOnlyMany",
        AccessMode::ReadWriteMany => "ReadWriteMany",
        AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
    }
}

fn labels<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Object(labels.into_iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// `metadata`, with the fields every object has.
struct Meta<'a> {
    name: &'a str,
    uid: Uid,
    obj: ObjRef,
    created: SimTime,
    deleted: Option<SimTime>,
}

fn metadata(world: &World, meta: Meta<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(meta.name));
    m.insert("namespace".into(), json!(world.namespace));
    m.insert("uid".into(), json!(uid(meta.uid)));
    m.insert("resourceVersion".into(), json!(world.versions.of(meta.obj).to_string()));
    m.insert("creationTimestamp".into(), json!(timestamp(meta.created)));
    if let Some(at) = meta.deleted {
        m.insert("deletionTimestamp".into(), json!(timestamp(at)));
    }
    let annotations = world.versions.annotations(meta.obj);
    if !annotations.is_empty() {
        m.insert("annotations".into(), labels(&annotations));
    }
    m
}

fn owner_reference(world: &World, owner: &OwnerRef) -> Value {
    let (api_version, kind, name) = match owner.owner {
        Owner::StatefulSet(id) => ("apps/v1", "StatefulSet", world.sts(id).name.as_str()),
        Owner::Pod(id) => ("v1", "Pod", world.pod(id).name.as_str()),
    };
    json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": uid(owner.uid),
           "controller": true, "blockOwnerDeletion": true})
}

/// A Pod: its spec as a client wrote it (a bare pod an operator created, or
/// its revision's template when an operator wrote the set's), else with the
/// one application container stsim models (named `main`).
pub fn pod(world: &World, pod: &Pod) -> Object {
    let mut meta = metadata(
        world,
        Meta {
            name: &pod.name,
            uid: pod.uid,
            obj: ObjRef::Pod(pod.id),
            created: pod.created_at,
            deleted: pod.deletion_timestamp,
        },
    );
    meta.insert("labels".into(), labels(&pod.labels));
    if !pod.finalizers.is_empty() {
        meta.insert("finalizers".into(), json!(pod.finalizers));
    }
    if let Some(grace) = pod.deletion_grace {
        meta.insert("deletionGracePeriodSeconds".into(), json!(grace.as_millis() / 1000));
    }
    if let Some(owner) = pod.owner {
        let set = world.sts(owner);
        let reference = OwnerRef { owner: Owner::StatefulSet(owner), uid: set.uid };
        meta.insert("ownerReferences".into(), json!([owner_reference(world, &reference)]));
    }
    let volumes: Vec<Value> = pod
        .claims
        .iter()
        .map(|claim| {
            let template = pod.owner.and_then(|s| {
                let set = world.sts(s);
                set.spec.volume_claim_templates.iter().find(|t| claim.starts_with(&format!("{}-", t.name)))
            });
            json!({"name": template.map_or(claim.as_str(), |t| t.name.as_str()),
                   "persistentVolumeClaim": {"claimName": claim}})
        })
        .collect();
    // A set's pod: its revision's template's spec, as a client wrote it or
    // as the model holds it (written out whole, as the set's is served),
    // with what the controller gives each pod (`newStatefulSetPod`:
    // hostname, subdomain, the claims' volumes).
    let revision = pod.owner.and_then(|s| world.sts(s).revisions.iter().find(|r| r.name == pod.revision()));
    let revision_object = revision.map(|r| match r.object.as_deref() {
        Some(written) => std::borrow::Cow::Borrowed(written),
        None => std::borrow::Cow::Owned(pod_template::object(&r.template, probe_port(&r.template))),
    });
    let from_template =
        revision_object.as_deref().map(|o| &o["spec"]).filter(|s| s.is_object()).map(|written| {
            let mut spec = written.clone();
            let mut all = spec["volumes"].as_array().cloned().unwrap_or_default();
            all.extend(volumes.iter().cloned());
            spec["volumes"] = Value::Array(all);
            spec["hostname"] = json!(pod.hostname);
            spec["subdomain"] = json!(pod.subdomain);
            spec
        });
    // A bare pod a client created: as written.
    let written = pod.spec_object.as_deref().filter(|s| s.is_object()).cloned().or(from_template);
    let mut spec = match written {
        Some(mut spec) => {
            // The image its container runs now (an update may have changed
            // it), and its policy as the API server defaulted it.
            if let Some(container) =
                spec.get_mut("containers").and_then(|c| c.get_mut(0)).and_then(Value::as_object_mut)
            {
                container.insert("image".into(), json!(pod.image));
                container.insert("imagePullPolicy".into(), json!(pod.pull_policy.as_str()));
            }
            spec
        }
        None => json!({
            "hostname": pod.hostname,
            "subdomain": pod.subdomain,
            "containers": served_containers(
                json!({"name": pod.container_name(), "image": pod.image,
                       "imagePullPolicy": pod.pull_policy.as_str()}),
                &pod.extra_containers,
                pod.container_ports(),
            ),
            "volumes": volumes,
            "terminationGracePeriodSeconds": pod.termination_grace_period.as_millis() / 1000,
        }),
    };
    if !pod.init_containers.is_empty() && spec.get("initContainers").is_none() {
        let policy = |i: usize| pod.init_pull_policies.get(i).copied();
        spec["initContainers"] =
            served_init_containers(&pod.init_containers, &pod.sidecars, policy, pod.container_ports()).into();
    }
    if let Some(node) = pod.node {
        spec["nodeName"] = json!(world.node(node).name);
    }
    if let Some(class) = &pod.priority_class_name {
        spec["priorityClassName"] = json!(class);
    }
    let ready = if pod.status.ready { "True" } else { "False" };
    let mut ready_condition = json!({"type": "Ready", "status": ready});
    if let Some(since) = pod.status.ready_since {
        ready_condition["lastTransitionTime"] = json!(timestamp(since));
    }
    // ContainersReady is the kubelet's own: every container ready as it
    // last reported. The node lifecycle controller writes only the Ready
    // condition (`MarkPodsNotReady`), so on an unreachable node
    // ContainersReady stays True while Ready is False. Both carry the
    // kubelet's reason when it reports a container unready
    // (`GenerateContainersReadyCondition`: the names in brackets).
    // The sidecars count first, then the regular containers (`Pod::unready_containers`).
    let unready: Vec<&str> = pod.unready_containers().collect();
    let mut containers_ready =
        json!({"type": "ContainersReady", "status": if unready.is_empty() { "True" } else { "False" }});
    // Written by the kubelet of the pod's node, from its first status on; a
    // pod its admission rejected ran nothing (one it stopped for the node's
    // shutdown had run, and keeps what the kubelet wrote of it).
    let by_kubelet = pod.node.is_some()
        && !pod.rejected_at_admission()
        && pod.status.container != ContainerState::Unscheduled;
    if !unready.is_empty() {
        let why = json!({"reason": "ContainersNotReady",
                         "message": format!("containers with unready status: [{}]", unready.join(" "))});
        let why = why.as_object().expect("an object");
        containers_ready.as_object_mut().expect("an object").extend(why.clone());
        if !pod.status.ready {
            ready_condition.as_object_mut().expect("an object").extend(why.clone());
        }
    }
    let state = |state: ContainerState, image: &str| match state {
        ContainerState::Running => json!({"running": {}}),
        // `exitCode` is required in a terminated state (k8s.io/api
        // `ContainerStateTerminated`); the reason is the runtime's.
        ContainerState::Terminated { exit_code } | ContainerState::Exited { exit_code } => {
            json!({"terminated": {"reason": ContainerState::exit_reason(exit_code), "exitCode": exit_code}})
        }
        ContainerState::StatusUnknown => json!({"terminated": {"reason": "ContainerStatusUnknown",
            "message": "The container could not be located when the pod was terminated", "exitCode": 137}}),
        // The kubelet's default waiting reason for a pod with init
        // containers (`convertToAPIContainerStatuses`).
        ContainerState::ContainerCreating if !pod.init_containers.is_empty() => {
            json!({"waiting": {"reason": "PodInitializing"}})
        }
        other => waiting(world, other.as_str(), image),
    };
    // Each container's `ready` is the kubelet's report (the node lifecycle
    // controller writes only the pod's condition). The other containers'
    // restarts are their own; the first's are the rest of the regular
    // containers' (the init containers count theirs apart).
    let others: u32 = pod.runtime.extras.iter().map(|extra| extra.restarts).sum();
    // How the run before ended; `{}` before any (a struct, not a pointer,
    // in k8s.io/api: always written).
    let last_state = |exits: &LastExits, state: ContainerState| match exits.last_state(state) {
        Some(exit) => json!({"terminated": {"reason": exit.reason(), "exitCode": exit.exit_code}}),
        None => json!({}),
    };
    let mut container_statuses = vec![json!({"name": spec["containers"][0]["name"], "image": pod.image,
        "ready": pod.status.container_ready, "restartCount": pod.status.restarts.saturating_sub(others),
        "state": state(pod.status.container, &pod.image),
        "lastState": last_state(&pod.status.exits, pod.status.container)})];
    let extras = pod.extra_containers.iter().zip(&pod.status.extras).zip(&pod.runtime.extras);
    for ((extra, status), runtime) in extras {
        container_statuses.push(json!({"name": extra.name, "image": extra.image, "ready": status.ready,
            "restartCount": runtime.restarts, "state": state(status.state, &extra.image),
            "lastState": last_state(&runtime.exits, status.state)}));
    }
    // The kubelet's conditions, then the scheduler's, in the order
    // Kubernetes lists them. A pod the scheduler has not placed has only
    // PodScheduled, and only once an attempt failed (its reason and the
    // scheduler's message); a bound one has it True.
    let mut conditions = Vec::new();
    if by_kubelet {
        // The pod's sandbox is up with its network: it has its address,
        // which a new sandbox (after a reboot) gets anew, until the pod
        // finished and its sandbox was stopped
        // (`GeneratePodReadyToStartContainersCondition`).
        if world.features.pod_ready_to_start_containers {
            let status = if pod.sandbox_ready() { "True" } else { "False" };
            conditions.push(json!({"type": "PodReadyToStartContainers", "status": status}));
        }
        conditions.extend([initialized_condition(pod), ready_condition, containers_ready]);
        // Each of the kubelet's own conditions changed last when the
        // status it was written with did (`Ready` has its own, above).
        if let Some(written) = pod.status.kubelet_conditions {
            let since = |kind: &str| match kind {
                "PodReadyToStartContainers" => Some(written[0].1),
                "Initialized" => Some(written[1].1),
                "ContainersReady" => Some(written[2].1),
                _ => None,
            };
            for condition in &mut conditions {
                if let Some(at) = condition["type"].as_str().and_then(since) {
                    condition["lastTransitionTime"] = json!(timestamp(at));
                }
            }
        }
    }
    let scheduled = match (pod.node, &pod.status.unschedulable) {
        (Some(_), _) => Some(json!({"type": "PodScheduled", "status": "True"})),
        (None, Some(message)) => Some(json!({"type": "PodScheduled", "status": "False",
            "reason": pod.status.unschedulable_reason, "message": message})),
        (None, None) => None,
    };
    if let Some(mut scheduled) = scheduled {
        if let Some(since) = pod.status.pod_scheduled_since {
            scheduled["lastTransitionTime"] = json!(timestamp(since));
        }
        conditions.push(scheduled);
    }
    // Written by whoever deleted or stopped the pod for a disruption: the
    // API server appends it, last. The kubelet's next status write puts the
    // conditions it does not own first and its own after them
    // (`mergePodStatus`, kept in that order by its patch's
    // `$setElementOrder`), as does its own write of the condition when it
    // stops the pod for its node's shutdown (`generateAPIPodStatus`).
    if let Some(disruption) = pod.status.disruption.as_deref() {
        let condition = json!({"type": "DisruptionTarget", "status": "True", "reason": disruption.reason,
            "message": disruption.message, "lastTransitionTime": timestamp(disruption.since)});
        // Its writes since: a container's state or the pod's STATUS, or one
        // of its conditions turned.
        let kubelet_conditions = pod.status.kubelet_conditions.iter().flatten().map(|(_, at)| *at);
        let kubelet_wrote = kubelet_conditions.chain([pod.status.containers_written_at]).max();
        let kubelet_wrote_since = disruption.reason == Disruption::BY_KUBELET
            || (by_kubelet && kubelet_wrote.is_some_and(|at| at > disruption.since));
        let at = if kubelet_wrote_since { 0 } else { conditions.len() };
        conditions.insert(at, condition);
    }
    let mut status = json!({
        "phase": format!("{:?}", pod.status.phase),
        "conditions": conditions,
    });
    // The kubelet's first status lists every container; before it, a pod
    // has none.
    if pod.status.container != ContainerState::Unscheduled {
        if !pod.init_containers.is_empty() {
            let init: Vec<Value> =
                (0..pod.init_containers.len()).map(|i| init_container_status(world, pod, i)).collect();
            status["initContainerStatuses"] = init.into();
        }
        status["containerStatuses"] = container_statuses.into();
    }
    if let Some(ip) = pod.status.pod_ip {
        status["podIP"] = json!(ip.to_string());
        status["podIPs"] = json!([{"ip": ip.to_string()}]);
    }
    // The kubelet's: its node's address, and when it acknowledged the pod.
    if let (true, Some(node)) = (by_kubelet, pod.node) {
        let host = crate::objects::node_address(node.0).to_string();
        status["hostIP"] = json!(host);
        status["hostIPs"] = json!([{"ip": host}]);
    }
    if let Some(since) = pod.status.start_time {
        status["startTime"] = json!(timestamp(since));
    }
    if let Some((reason, message)) = pod.status.rejected.as_deref() {
        status["reason"] = json!(reason);
        status["message"] = json!(message);
    }
    if pod.rejected_at_admission() {
        // The kubelet's rejection writes the phase, reason and message
        // alone (`rejectPod`): no container ran, and none has a status.
        let status = status.as_object_mut().expect("an object");
        status.remove("containerStatuses");
        status.remove("initContainerStatuses");
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status})
}

/// Init container `index`'s status as the kubelet writes it: done (a
/// sidecar running, ready once started as it has no readiness probe modelled, or
/// exited since and not started again: `Error`, then `CrashLoopBackOff`;
/// stopped with the finished pod, with its exit code; any other terminated
/// with exit code 0, which is its `ready`), the one the kubelet is at
/// (running, its pull not told apart, or failing as `Init:<reason>` shows;
/// a sidecar there has not started), or waiting in `PodInitializing`.
/// `lastState` is how the run before ended: the one before the exit its
/// state shows, if it shows a kept one (`convertToAPIContainerStatuses`;
/// readiness: the prober manager's `UpdatePodStatus`).
fn init_container_status(world: &World, pod: &Pod, index: usize) -> Value {
    let init = &pod.init_containers[index];
    let sidecar = pod.sidecars.contains(&index);
    let at = pod.status.init_progress.is_some_and(|done| done as usize == index);
    let exited = pod.sidecar_failure_of(index);
    let status = pod.status.inits.get(index).copied().unwrap_or_default();
    let terminated =
        |exit: LastExit| json!({"terminated": {"reason": exit.reason(), "exitCode": exit.exit_code}});
    let waiting_in = |reason: &str| json!({"waiting": {"reason": reason}});
    // Its latest exit, which its state shows.
    let latest = || terminated(status.exits.latest().unwrap_or(LastExit::exited(0)));
    let ((state, ready, started), shows_latest) = match (pod.init_done(index), sidecar) {
        // A finished pod's containers have all stopped, if its kubelet
        // stopped them; one pod GC marked Failed keeps what its kubelet
        // last reported (`Pod::stopped_by_kubelet`).
        (true, true) if pod.stopped_by_kubelet() => ((latest(), false, false), true),
        // A sidecar that exited since it started: neither started nor ready
        // until it runs again.
        (true, true) if exited.is_some() => match exited {
            Some(InitFailure::Error) => ((latest(), false, false), true),
            _ => ((waiting_in("CrashLoopBackOff"), false, false), false),
        },
        // Started, and ready unless its readiness probe has not passed
        // since it last started.
        (true, true) => ((json!({"running": {}}), !pod.sidecar_unready(index), true), false),
        (true, false) => ((terminated(LastExit::exited(0)), true, false), false),
        // A sidecar is done once started: the one the kubelet is at has
        // not started yet. It waits while its image is checked, then runs
        // until its startup probe passes (if it has one), neither started
        // nor ready; a run its probe killed (or that crashed) shows its
        // exit, then its back-off.
        (false, true) if at && pod.status.init_failure.is_none() => match exited {
            Some(InitFailure::Error) => ((latest(), false, false), true),
            Some(InitFailure::CrashLoopBackOff) => ((waiting_in("CrashLoopBackOff"), false, false), false),
            Some(failure) => ((waiting(world, failure.as_str(), &init.image), false, false), false),
            None if pod.status.init_started => ((json!({"running": {}}), false, false), false),
            None => ((waiting_in("PodInitializing"), false, false), false),
        },
        // Waiting while its image is checked (pulled), then running.
        (false, _) if at => match pod.status.init_failure {
            None if pod.status.init_started => ((json!({"running": {}}), false, true), false),
            None => ((waiting_in("PodInitializing"), false, false), false),
            Some(InitFailure::Error) => ((latest(), false, false), true),
            Some(failure) => ((waiting(world, failure.as_str(), &init.image), false, false), false),
        },
        (false, _) => ((waiting_in("PodInitializing"), false, false), false),
    };
    let before = if shows_latest { status.exits.before_latest() } else { status.exits.latest() };
    json!({"name": init.name, "image": init.image, "ready": ready, "started": started,
           "restartCount": status.restarts, "state": state,
           "lastState": before.map_or_else(|| json!({}), terminated)})
}

/// The kubelet's `Initialized` condition: True once every init container
/// is done (a sidecar started), and from the first start of a regular
/// container on; otherwise False, naming those not done
/// (`GeneratePodInitializedCondition`, pkg/kubelet/status/generate.go).
fn initialized_condition(pod: &Pod) -> Value {
    if pod.initialized() {
        return json!({"type": "Initialized", "status": "True"});
    }
    // A sidecar that has exited since it started is not `started`.
    let incomplete: Vec<&str> = (pod.init_containers.iter().enumerate())
        .filter(|(i, _)| !pod.init_done(*i) || pod.sidecar_failure_of(*i).is_some())
        .map(|(_, c)| c.name.as_str())
        .collect();
    json!({"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
           "message": format!("containers with incomplete status: [{}]", incomplete.join(" "))})
}

/// The init containers of a scenario's template, or of a pod made from
/// one, as served: names and images, each policy where the API server has
/// defaulted it (`policy`), and `restartPolicy: Always` on the sidecars.
fn served_init_containers(
    inits: &[crate::config::InitContainer],
    sidecars: &[usize],
    policy: impl Fn(usize) -> Option<crate::config::ImagePullPolicy>,
    ports: &[ContainerPort],
) -> Vec<Value> {
    (inits.iter().enumerate())
        .map(|(i, init)| {
            let mut container = json!({"name": init.name, "image": init.image});
            if let Some(policy) = policy(i) {
                container["imagePullPolicy"] = json!(policy.as_str());
            }
            if sidecars.contains(&i) {
                container["restartPolicy"] = json!("Always");
            }
            with_ports(&mut container, ports, true, i);
            container
        })
        .collect()
}

/// The containers of a scenario's template, or of a pod made from one, as
/// served: `first` (the first container), then the others by their names, each
/// with its policy where the API server has defaulted it, and each with
/// its ports.
fn served_containers(
    first: Value,
    extras: &[crate::config::ExtraContainer],
    ports: &[ContainerPort],
) -> Vec<Value> {
    let others = extras.iter().map(|extra| {
        let mut container = json!({"name": extra.name, "image": extra.image});
        if let Some(policy) = extra.pull_policy {
            container["imagePullPolicy"] = json!(policy.as_str());
        }
        container
    });
    let mut containers: Vec<Value> = std::iter::once(first).chain(others).collect();
    for (i, container) in containers.iter_mut().enumerate() {
        with_ports(container, ports, false, i);
    }
    containers
}

/// Adds the `ports` of container `index` (an init container's with
/// `init`) to `container`, as the API server serves them.
fn with_ports(container: &mut Value, ports: &[ContainerPort], init: bool, index: usize) {
    let own: Vec<Value> =
        ports.iter().filter(|p| p.init == init && p.container == index).map(ContainerPort::served).collect();
    if !own.is_empty() {
        container["ports"] = Value::Array(own);
    }
}

/// A PersistentVolumeClaim; live claims carry the `kubernetes.io/pvc-protection`
/// finalizer unless a client removed it (and the controller has not put it back yet).
pub fn pvc(world: &World, claim: &Pvc) -> Object {
    let mut meta = metadata(
        world,
        Meta {
            name: &claim.name,
            uid: claim.uid,
            obj: ObjRef::Pvc(claim.id),
            created: claim.created_at,
            deleted: claim.deletion_timestamp,
        },
    );
    meta.insert("labels".into(), labels(&claim.labels));
    let finalizers = claim.finalizer_list();
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), json!(finalizers));
    }
    if !claim.owner_refs.is_empty() || !claim.owner_references.is_empty() {
        let owners: Vec<Value> = claim
            .owner_refs
            .iter()
            .map(|o| owner_reference(world, o))
            .chain(claim.owner_references.iter().cloned())
            .collect();
        meta.insert("ownerReferences".into(), Value::Array(owners));
    }
    if let Some(node) = claim.selected_node {
        let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
        annotations["volume.kubernetes.io/selected-node"] = json!(world.node(node).name);
    }
    let modes: Vec<&str> = claim.access_modes.iter().map(access_mode).collect();
    let mut spec =
        json!({"accessModes": modes, "resources": {"requests": {"storage": quantity(claim.request_bytes)}}});
    if let Some(class) = &claim.storage_class_name {
        spec["storageClassName"] = json!(class);
    }
    let mut status = json!({"phase": format!("{:?}", claim.phase)});
    if let Some(pv) = claim.volume {
        let volume = world.pv(pv);
        spec["volumeName"] = json!(volume.name);
        status["capacity"] = json!({"storage": quantity(volume.capacity_bytes)});
        status["accessModes"] = json!(modes);
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec, "status": status})
}

/// A PersistentVolume.
pub fn pv(world: &World, volume: &Pv) -> Object {
    let mut meta = metadata(
        world,
        Meta {
            name: &volume.name,
            uid: volume.uid,
            obj: ObjRef::Pv(volume.id),
            created: volume.created_at,
            deleted: None,
        },
    );
    // The provisioner marks what it made (and so will delete).
    if let Some(name) = volume.provisioned_by(world)
        && let Some(annotations) = meta.entry("annotations").or_insert_with(|| json!({})).as_object_mut()
    {
        annotations.entry("pv.kubernetes.io/provisioned-by").or_insert_with(|| json!(name));
    }
    let modes: Vec<&str> = volume.access_modes.iter().map(access_mode).collect();
    let mut spec = json!({
        "capacity": {"storage": quantity(volume.capacity_bytes)},
        "accessModes": modes,
        "persistentVolumeReclaimPolicy": format!("{:?}", volume.reclaim_policy),
        "storageClassName": volume.class_name,
    });
    if let Some(claim) = volume.claim {
        let claim = world.pvc(claim);
        spec["claimRef"] = json!({"kind": "PersistentVolumeClaim", "namespace": world.namespace,
                                  "name": claim.name, "uid": uid(claim.uid)});
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta, "spec": spec,
           "status": {"phase": format!("{:?}", volume.phase)}})
}

/// A StatefulSet, its spec as stsim models it and its status as the controller last wrote it.
pub fn statefulset(world: &World, set: &StatefulSet) -> Object {
    let mut meta = metadata(
        world,
        Meta {
            name: &set.name,
            uid: set.uid,
            obj: ObjRef::Sts(set.id),
            created: SimTime::ZERO,
            deleted: set.deletion_timestamp,
        },
    );
    meta.insert("generation".into(), json!(set.generation));
    if !set.labels.is_empty() {
        meta.insert("labels".into(), labels(&set.labels));
    }
    if !set.finalizers.is_empty() {
        meta.insert("finalizers".into(), json!(set.finalizers));
    }
    if !set.owner_references.is_empty() {
        meta.insert("ownerReferences".into(), json!(set.owner_references));
    }
    let spec = &set.spec;
    let update_strategy = match spec.update_strategy {
        UpdateStrategy::OnDelete => json!({"type": "OnDelete"}),
        UpdateStrategy::RollingUpdate { nil: true, .. } => json!({"type": "RollingUpdate"}),
        UpdateStrategy::RollingUpdate { partition, max_unavailable, .. } => {
            let mut rolling = json!({"partition": partition});
            if let Some(max) = max_unavailable {
                rolling["maxUnavailable"] = match max {
                    IntOrPercent::Int(n) => json!(n),
                    IntOrPercent::Percent(p) => json!(format!("{p}%")),
                };
            }
            json!({"type": "RollingUpdate", "rollingUpdate": rolling})
        }
    };
    let templates: Vec<Value> = spec
        .volume_claim_templates
        .iter()
        .map(|t| {
            let modes: Vec<&str> = t.access_modes.iter().map(access_mode).collect();
            let mut claim_spec =
                json!({"accessModes": modes, "resources": {"requests": {"storage": quantity(t.storage_bytes)}}});
            if let Some(class) = &t.storage_class {
                claim_spec["storageClassName"] = json!(class);
            }
            let mut metadata = json!({"name": t.name});
            if !t.labels.is_empty() {
                metadata["labels"] = labels(&t.labels);
            }
            json!({"metadata": metadata, "spec": claim_spec})
        })
        .collect();
    let retention = |a: crate::config::RetentionAction| format!("{a:?}");
    let spec_json = json!({
        "replicas": spec.replicas,
        "selector": pod_template::label_selector(&spec.selector),
        "serviceName": spec.service_name,
        "podManagementPolicy": match spec.pod_management_policy {
            PodManagementPolicy::OrderedReady => "OrderedReady",
            PodManagementPolicy::Parallel => "Parallel",
        },
        "updateStrategy": update_strategy,
        "revisionHistoryLimit": spec.revision_history_limit,
        "minReadySeconds": spec.min_ready_seconds,
        "ordinals": {"start": spec.ordinals_start},
        "persistentVolumeClaimRetentionPolicy": {
            "whenDeleted": retention(spec.retention.when_deleted),
            "whenScaled": retention(spec.retention.when_scaled),
        },
        // A template a client wrote is served as written; a scenario's with
        // every field the model holds, as `stsim export` writes it.
        "template": match &set.template_object {
            Some(object) => object.clone(),
            None => pod_template::object(&spec.template, probe_port(&spec.template)),
        },
        "volumeClaimTemplates": templates,
    });
    let s = &set.status;
    let status = json!({
        "observedGeneration": s.observed_generation,
        "replicas": s.replicas,
        "readyReplicas": s.ready_replicas,
        "availableReplicas": s.available_replicas,
        "currentReplicas": s.current_replicas,
        "updatedReplicas": s.updated_replicas,
        "currentRevision": s.current_revision,
        "updateRevision": s.update_revision,
        "collisionCount": s.collision_count,
    });
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": spec_json, "status": status})
}

/// The port a served template's probes check: the first container's first
/// port, if it has one. The model does not run the checks, so the handler
/// is made up; it comes from the template alone, so that what is served
/// changes only with the set.
fn probe_port(template: &crate::config::PodTemplate) -> Option<u16> {
    template.ports.iter().find(|p| !p.init && p.container == 0).map(|p| p.port)
}

/// A Service.
pub fn service(world: &World, service: &Service) -> Object {
    let mut meta = metadata(
        world,
        Meta {
            name: &service.name,
            uid: service.uid,
            obj: ObjRef::Service(service.id),
            created: SimTime::ZERO,
            deleted: service.deletion_timestamp,
        },
    );
    if !service.labels.is_empty() {
        meta.insert("labels".into(), labels(&service.labels));
    }
    if !service.finalizers.is_empty() {
        meta.insert("finalizers".into(), json!(service.finalizers));
    }
    if !service.owner_references.is_empty() {
        meta.insert("ownerReferences".into(), json!(service.owner_references));
    }
    // `targetPort` only when it is not the port's own number, its default:
    // a Service written without one reads back as written.
    let ports: Vec<Value> = (service.ports.iter())
        .map(|p| {
            let mut port = json!({"name": p.name, "port": p.port});
            match &p.target_port {
                crate::config::TargetPort::Number(n) if *n == p.port => {}
                crate::config::TargetPort::Number(n) => port["targetPort"] = json!(n),
                crate::config::TargetPort::Name(name) => port["targetPort"] = json!(name),
            }
            port
        })
        .collect();
    let mut spec = json!({"selector": labels(&service.selector), "ports": ports,
                          "publishNotReadyAddresses": service.publish_not_ready_addresses});
    if service.headless {
        spec["clusterIP"] = json!("None");
    }
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec})
}

/// A Node; its uid is derived from its index and how many objects the node
/// had before (nodes are made before any uid is handed out).
pub fn node(world: &World, node: &Node) -> Object {
    let earlier = node.earlier.len() as u64;
    let mut meta = metadata(
        world,
        Meta {
            name: &node.name,
            uid: Uid((1 << 40) + (earlier << 32) + u64::from(node.id.0)),
            obj: ObjRef::Node(node.id),
            created: node.created_at,
            deleted: None,
        },
    );
    meta.insert("labels".into(), labels(&node.labels));
    let taints: Vec<Value> = node
        .taints
        .iter()
        .map(|t| {
            let mut taint = json!({"key": t.taint.key, "effect": t.taint.effect.as_str()});
            if !t.taint.value.is_empty() {
                taint["value"] = json!(t.taint.value);
            }
            if t.taint.effect == crate::config::TaintEffect::NoExecute {
                taint["timeAdded"] = json!(timestamp(t.added_at));
            }
            taint
        })
        .collect();
    let spec = json!({"unschedulable": node.unschedulable, "taints": taints,
                      "podCIDR": node.pod_cidr.to_string()});
    let status = json!({
        "conditions": [{"type": "Ready", "status": node.condition.as_str(),
                        "lastTransitionTime": timestamp(node.condition_since)}],
        "allocatable": {"cpu": format!("{}m", node.allocatable.cpu_millis),
                        "memory": quantity(node.allocatable.memory_bytes), "pods": node.max_pods.to_string()},
        "addresses": [{"type": "InternalIP", "address": crate::objects::node_address(node.id.0).to_string()},
                      {"type": "Hostname", "address": node.name}],
    });
    json!({"apiVersion": "v1", "kind": "Node", "metadata": meta, "spec": spec, "status": status})
}

/// A PodDisruptionBudget, with the status the disruption controller computes.
pub fn pdb(world: &World, index: usize) -> Object {
    let budget = &world.pdbs[index];
    let status = crate::controllers::disruption::status(world, budget);
    let value = |v: IntOrPercent| match v {
        IntOrPercent::Int(n) => json!(n),
        IntOrPercent::Percent(p) => json!(format!("{p}%")),
    };
    let mut spec = json!({"selector": pod_template::label_selector(&budget.selector)});
    match budget.budget {
        crate::config::DisruptionBudget::MinAvailable(v) => spec["minAvailable"] = value(v),
        crate::config::DisruptionBudget::MaxUnavailable(v) => spec["maxUnavailable"] = value(v),
    }
    if budget.unhealthy_pod_eviction_policy == crate::config::UnhealthyPodEvictionPolicy::AlwaysAllow {
        spec["unhealthyPodEvictionPolicy"] = json!("AlwaysAllow");
    }
    json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": budget.name, "namespace": world.namespace, "resourceVersion": "1",
                     "uid": uid(Uid(2 << 40 | index as u64)), "creationTimestamp": timestamp(SimTime::ZERO)},
        "spec": spec,
        "status": {"currentHealthy": status.current_healthy, "desiredHealthy": status.desired_healthy,
                   "disruptionsAllowed": status.disruptions_allowed, "expectedPods": status.expected_pods},
    })
}

/// Every API object of the cluster, as lists return them: the
/// Kubernetes-shaped part of an operator's view.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Objects {
    pub pods: Vec<Object>,
    pub persistent_volume_claims: Vec<Object>,
    pub persistent_volumes: Vec<Object>,
    pub stateful_sets: Vec<Object>,
    pub services: Vec<Object>,
    pub nodes: Vec<Object>,
    pub pod_disruption_budgets: Vec<Object>,
    /// Custom resources of every kind the scenario declares.
    pub custom_resources: Vec<Object>,
}

impl Objects {
    pub fn of(world: &World) -> Objects {
        Objects {
            pods: world.live_pods().map(|p| pod(world, p)).collect(),
            persistent_volume_claims: world.live_pvcs().map(|c| pvc(world, c)).collect(),
            persistent_volumes: world
                .pvs
                .iter()
                .filter(|v| v.removed_at.is_none())
                .map(|v| pv(world, v))
                .collect(),
            stateful_sets: world
                .statefulsets
                .iter()
                .filter(|s| s.removed_at.is_none())
                .map(|s| statefulset(world, s))
                .collect(),
            services: world.services.iter().filter(|s| s.exists()).map(|s| service(world, s)).collect(),
            nodes: world.live_nodes().map(|n| node(world, n)).collect(),
            pod_disruption_budgets: (0..world.pdbs.len()).map(|i| pdb(world, i)).collect(),
            custom_resources: world.custom.live().map(|o| world.custom.render(world, o)).collect(),
        }
    }
}

/// The object `obj` as it is now (its last state, if it is gone), if it
/// is one an operator is shown.
pub fn render(world: &World, obj: ObjRef) -> Object {
    match obj {
        ObjRef::Node(id) => node(world, world.node(id)),
        ObjRef::Pod(id) => pod(world, world.pod(id)),
        ObjRef::Pvc(id) => pvc(world, world.pvc(id)),
        ObjRef::Pv(id) => pv(world, world.pv(id)),
        ObjRef::Service(id) => service(world, world.service(id)),
        ObjRef::Sts(id) => statefulset(world, world.sts(id)),
        ObjRef::Pdb(i) => pdb(world, i as usize),
        ObjRef::Custom(i) => world.custom.render(world, &world.custom.objects[i as usize]),
    }
}

/// The live object of kind `kind` named `name`: a built-in kind or a declared custom one.
pub fn find(world: &World, kind: &str, name: &str) -> Option<ObjRef> {
    match kind {
        "Pod" => world.pod_named(name).map(ObjRef::Pod),
        "PersistentVolumeClaim" => world.pvc_named(name).map(ObjRef::Pvc),
        "StatefulSet" => world.sts_named(name).map(ObjRef::Sts),
        "Service" => world.service_named(name).map(ObjRef::Service),
        "Node" => world.live_nodes().find(|n| n.name == name).map(|n| ObjRef::Node(n.id)),
        "PersistentVolume" => {
            world.pvs.iter().find(|v| v.removed_at.is_none() && v.name == name).map(|v| ObjRef::Pv(v.id))
        }
        "PodDisruptionBudget" => {
            world.pdbs.iter().position(|b| b.name == name).map(|i| ObjRef::Pdb(i as u32))
        }
        other => {
            world.custom.kind_named(other, None).and_then(|k| world.custom.named(k, name)).map(ObjRef::Custom)
        }
    }
}

/// The value at a dotted path (`spec.template.spec.containers.0.image`), if set.
pub fn field<'v>(object: &'v Object, path: &str) -> Option<&'v Object> {
    path.split('.').try_fold(object, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(key),
    })
}

/// An object as the trace names it: `statefulset/web`, `service/web`.
pub fn display(world: &World, obj: ObjRef) -> String {
    let name = match obj {
        ObjRef::Node(id) => world.node(id).name.clone(),
        ObjRef::Pod(id) => world.pod(id).name.clone(),
        ObjRef::Pvc(id) => world.pvc(id).name.clone(),
        ObjRef::Pv(id) => world.pv(id).name.clone(),
        ObjRef::Service(id) => world.service(id).name.clone(),
        ObjRef::Sts(id) => world.sts(id).name.clone(),
        ObjRef::Pdb(i) => world.pdbs[i as usize].name.clone(),
        ObjRef::Custom(i) => world.custom.objects[i as usize].name.clone(),
    };
    format!("{}/{name}", kind_of(world, obj).to_lowercase())
}

/// The kind of an object.
pub fn kind_of(world: &World, obj: ObjRef) -> String {
    match obj {
        ObjRef::Node(_) => "Node".into(),
        ObjRef::Pod(_) => "Pod".into(),
        ObjRef::Pvc(_) => "PersistentVolumeClaim".into(),
        ObjRef::Pv(_) => "PersistentVolume".into(),
        ObjRef::Service(_) => "Service".into(),
        ObjRef::Sts(_) => "StatefulSet".into(),
        ObjRef::Pdb(_) => "PodDisruptionBudget".into(),
        ObjRef::Custom(i) => world.custom.kinds[world.custom.objects[i as usize].kind].kind.clone(),
    }
}

/// The API server's answer to one write, as the next request shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteResult {
    /// The index of the action in the operator's answer.
    pub action: usize,
    /// The HTTP status code: 200, 201, 404, 409, 422, 429, ...
    pub code: u16,
    /// `Success` or `Failure`.
    pub status: &'static str,
    /// For failures: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`,
    /// `TooManyRequests`, `MethodNotAllowed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The object as written (for successful writes of objects that remain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<Object>,
    /// Warnings for the client, as the API server sends `Warning` headers
    /// with a successful answer (k8s.io/apiserver pkg/warning): the fields of
    /// a pod template stsim does not model and ignored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl WriteResult {
    pub fn ok(code: u16, object: Option<Object>) -> WriteResult {
        WriteResult {
            action: 0,
            code,
            status: "Success",
            reason: None,
            message: None,
            object,
            warnings: Vec::new(),
        }
    }
    pub fn failure(code: u16, reason: &'static str, message: String) -> WriteResult {
        WriteResult {
            action: 0,
            code,
            status: "Failure",
            reason: Some(reason),
            message: Some(message),
            object: None,
            warnings: Vec::new(),
        }
    }
    pub fn is_success(&self) -> bool {
        self.status == "Success"
    }
}

/// A container's `waiting` state for `reason`, with the kubelet's message
/// where its words are the image manager's own (`image_manager_message`).
fn waiting(world: &World, reason: &str, image: &str) -> Value {
    match image_manager_message(reason, image, world.kubernetes) {
        Some(message) => json!({"waiting": {"reason": reason, "message": message}}),
        None => json!({"waiting": {"reason": reason}}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_from_the_epoch() {
        assert_eq!(timestamp(SimTime::ZERO), "2025-01-01T00:00:00Z");
        assert_eq!(timestamp(SimTime::from_millis(90_061_999)), "2025-01-02T01:01:01Z");
        assert_eq!(timestamp(SimTime::from_millis(59 * 86_400_000)), "2025-03-01T00:00:00Z");
    }

    #[test]
    fn quantities_print_as_the_api_server_does() {
        assert_eq!(quantity(10 << 30), "10Gi");
        assert_eq!(quantity(512 << 20), "512Mi");
        assert_eq!(quantity(1000), "1000");
    }

    #[test]
    fn every_change_moves_the_revision() {
        let mut v = Versions { enabled: true, ..Versions::default() };
        assert_eq!(v.of(ObjRef::Pod(PodId(0))), 1);
        v.record(&Event::PvcBound { pvc: PvcId(0), pv: PvId(0) });
        assert_eq!((v.of(ObjRef::Pvc(PvcId(0))), v.of(ObjRef::Pv(PvId(0)))), (2, 3));
        v.record(&Event::PodReady { pod: PodId(0), ready: true });
        assert_eq!(v.of(ObjRef::Pod(PodId(0))), 4);
        assert_eq!(v.of(ObjRef::Pvc(PvcId(0))), 2);
    }
}
