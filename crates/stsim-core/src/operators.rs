//! Operators: the seam for operator logic under test.
//!
//! Owns the [`Operator`] trait, what an operator is shown (watch events and
//! a [`View`] of the API objects, both plain serializable data, the same
//! for Rust operators and for external processes), what it may do
//! ([`OperatorAction`]), the built-in operators, and the faults that
//! studies of real operators found most: missed events, coalesced events
//! (intermediate states never seen), stale reads, and crashes between two
//! writes. The engine delivers events after each operator's reconcile delay
//! and applies its actions through the API server, so operators obey the
//! same rules as everyone else (pvc-protection, AlreadyExists, ...).
//!
//! Does no I/O: an operator in another process implements the trait
//! outside the core (the CLI's `external_operator`).

use crate::kube::ObjRef;
use crate::objects::*;
use crate::time::SimDuration;
use crate::world::World;
use serde::{Deserialize, Serialize};

/// A change, as a Kubernetes watch reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchEvent {
    pub time_ms: u64,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The object's kind: `Pod`, `PersistentVolumeClaim`, `StatefulSet`
    /// (protocol 1 and 2), and with protocol 2 also `Node`, `Service`,
    /// `PersistentVolume` and custom kinds.
    pub object: String,
    pub name: String,
    /// Protocol 2: the whole object as the watch delivers it (for
    /// `DELETED`, its last state).
    #[serde(skip)]
    pub manifest: Option<crate::kube::Object>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodView {
    pub name: String,
    /// `Pending`, `Running`, `Succeeded` or `Failed`.
    pub phase: String,
    pub ready: bool,
    pub terminating: bool,
    pub node: Option<String>,
    /// Whether the pod's node is Ready.
    pub node_ready: bool,
    pub statefulset: Option<String>,
    pub claims: Vec<String>,
    /// Since when the pod has been terminating, in ms.
    pub deletion_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PvcView {
    pub name: String,
    /// `Pending`, `Bound` or `Lost`.
    pub phase: String,
    pub terminating: bool,
    pub labels: crate::config::Labels,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatefulSetView {
    pub name: String,
    pub replicas: u32,
    pub ordinals_start: u32,
    pub ready_replicas: u32,
    /// The names of its volume claim templates.
    pub claim_templates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeView {
    pub name: String,
    pub ready: bool,
}

/// A clustered application as its members report themselves, what a real
/// operator learns from the database (Patroni's REST API,
/// `pg_is_in_recovery()`), not from Kubernetes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppView {
    /// The name of its StatefulSet.
    pub name: String,
    /// As the scenario writes it: `PrimaryReplica`, `Quorum(etcd)`, `RedisCluster`, ...
    pub kind: &'static str,
    /// The members the set wants, then any other that still runs, by ordinal.
    pub members: Vec<MemberView>,
    /// Primary/replica: the member the DCS leader key names (Patroni's
    /// leader key, which everyone can read through the API server).
    pub leader: Option<String>,
    /// When the leader key expires unless renewed again, in ms: its last
    /// renewal plus the `ttl`. Until then the leader may still take writes,
    /// even if nobody reaches it.
    pub leader_lease_expires_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    /// The pod name.
    pub name: String,
    /// `primary` or `replica` as its running process reports it; `None`
    /// when it does not run or is not in a cluster (or its kind has no roles).
    pub role: Option<&'static str>,
    /// Whether a process of this member runs.
    pub running: bool,
    /// Whether the operator reaches it (a health check through the
    /// network, like Patroni's REST API): it runs on a node that reaches the
    /// control plane.
    pub reachable: bool,
    /// Primary/replica: the writes its data holds, as it reports its WAL
    /// position (`pg_last_wal_replay_lsn()` on a replica,
    /// `pg_current_wal_lsn()` on the primary); `None` when it does not run.
    pub position: Option<u64>,
    /// Primary/replica: how many writes it is behind the leader's position.
    pub lag: Option<u64>,
    /// Primary/replica: the timeline its data is on.
    pub timeline: Option<u32>,
}

/// What an operator sees of the cluster: its API objects, as listed now
/// (or, with the lag fault, as they were a while ago).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct View {
    pub time_ms: u64,
    /// The live pods, in name order (the API server lists by name).
    pub pods: Vec<PodView>,
    pub pvcs: Vec<PvcView>,
    pub statefulsets: Vec<StatefulSetView>,
    pub nodes: Vec<NodeView>,
    /// The clustered applications, as their members report themselves.
    pub apps: Vec<AppView>,
    /// Protocol 2: every API object as the API server serves it
    /// (Kubernetes JSON: `apiVersion`, `kind`, `metadata`, `spec`, `status`).
    #[serde(skip)]
    pub objects: crate::kube::Objects,
    /// The API server's answers to the writes of the operator's previous
    /// reconcile, in order (`action` is the index in that answer).
    #[serde(skip)]
    pub results: Vec<crate::kube::WriteResult>,
}

impl View {
    /// The view of protocol `protocol`: version 2 adds the Kubernetes-shaped objects.
    pub fn for_protocol(world: &World, time_ms: u64, protocol: u32) -> View {
        let mut view = View::of(world, time_ms);
        if protocol >= 2 {
            view.objects = crate::kube::Objects::of(world);
        }
        view
    }

    /// The summaries of protocol 1 (`objects` left empty).
    pub fn of(world: &World, time_ms: u64) -> View {
        let mut view = View::default();
        view.refresh_summaries(world, time_ms);
        view
    }

    /// Brings this view up to date with `world` at `time_ms`, as
    /// [`View::for_protocol`] would make it, changing only what changed (an
    /// informer's store updated in place rather than a new list each
    /// reconcile: a fleet's operator reconciles about as often as the fleet
    /// is large, and each new list copied every name in it). `results` is
    /// left as it is.
    pub fn refresh(&mut self, world: &World, time_ms: u64, protocol: u32) {
        self.refresh_summaries(world, time_ms);
        if protocol >= 2 {
            self.objects = crate::kube::Objects::of(world);
        }
    }

    /// [`View::refresh`] when only the objects `changed` (the trace's
    /// records since the last refresh say which, `kube::touched`) may
    /// differ: each is looked at, and the pods on a changed node (their
    /// `node_ready`); the applications are worked out afresh, as their
    /// members' positions move with time.
    pub fn refresh_changed(&mut self, world: &World, time_ms: u64, protocol: u32, changed: &[ObjRef]) {
        let (mut sets, mut nodes) = (false, Vec::new());
        for object in changed {
            match *object {
                ObjRef::Pod(id) => {
                    let live = world.pod_named(&world.pod(id).name).map(|id| world.pod(id));
                    refresh_named(
                        &mut self.pods,
                        &world.pod(id).name,
                        live,
                        |v| &v.name,
                        |v, p| refresh_pod(v, p, world),
                    );
                }
                ObjRef::Pvc(id) => {
                    let live = world.pvc_named(&world.pvc(id).name).map(|id| world.pvc(id));
                    refresh_named(&mut self.pvcs, &world.pvc(id).name, live, |v| &v.name, refresh_pvc);
                }
                ObjRef::Sts(_) => sets = true,
                ObjRef::Node(id) => nodes.push(id),
                _ => {}
            }
        }
        if sets {
            let live = world.statefulsets.iter().filter(|s| s.removed_at.is_none());
            update_in_order(&mut self.statefulsets, live, |v| &v.name, |s| &s.name, refresh_set);
        }
        if !nodes.is_empty() {
            // Every node is listed, by id: a changed one is at its index,
            // unless nodes were added since.
            let in_place = self.nodes.len() == world.nodes.len()
                && nodes.iter().all(|id| self.nodes[id.index()].name == world.node(*id).name);
            if in_place {
                for id in &nodes {
                    self.nodes[id.index()].ready = world.node(*id).ready;
                }
            } else {
                let all = world.nodes.iter();
                update_in_order(&mut self.nodes, all, |v| &v.name, |n| &n.name, |v, n| v.ready = n.ready);
            }
            let names: Vec<&str> = nodes.iter().map(|id| world.node(*id).name.as_str()).collect();
            for view in &mut self.pods {
                // A pod view is kept only for a live pod of its name (the
                // runner's debug assertion holds it to a fresh list).
                let on_changed_node = view.node.as_deref().is_some_and(|node| names.contains(&node));
                if on_changed_node && let Some(pod) = world.pod_named(&view.name).map(|id| world.pod(id)) {
                    refresh_pod(view, pod, world);
                }
            }
        }
        self.time_ms = time_ms;
        crate::apps::refresh_views(world, crate::time::SimTime::from_millis(time_ms), &mut self.apps);
        if protocol >= 2 {
            self.objects = crate::kube::Objects::of(world);
        }
    }

    /// The summaries of protocol 1, refreshed in place. Pods and claims
    /// are listed by name (the API server's order), sets and nodes by id.
    fn refresh_summaries(&mut self, world: &World, time_ms: u64) {
        self.time_ms = time_ms;
        merge_by_name(
            &mut self.pods,
            world.live_pods(),
            |v| &v.name,
            |p| &p.name,
            |v, p| refresh_pod(v, p, world),
        );
        merge_by_name(&mut self.pvcs, world.live_pvcs(), |v| &v.name, |c| &c.name, refresh_pvc);
        let sets = world.statefulsets.iter().filter(|s| s.removed_at.is_none());
        update_in_order(&mut self.statefulsets, sets, |v| &v.name, |s| &s.name, refresh_set);
        update_in_order(
            &mut self.nodes,
            world.nodes.iter(),
            |v| &v.name,
            |n| &n.name,
            |v, n| v.ready = n.ready,
        );
        crate::apps::refresh_views(world, crate::time::SimTime::from_millis(time_ms), &mut self.apps);
    }
}

/// What a view shows of an object, and how it is brought up to date.
trait Summary<T>: Sized {
    fn new(object: &T) -> Self;
}

impl Summary<Pod> for PodView {
    fn new(pod: &Pod) -> PodView {
        PodView {
            name: pod.name.clone(),
            phase: String::new(),
            ready: false,
            terminating: false,
            node: None,
            node_ready: false,
            statefulset: None,
            claims: Vec::new(),
            deletion_ms: None,
        }
    }
}

impl Summary<Pvc> for PvcView {
    fn new(claim: &Pvc) -> PvcView {
        PvcView {
            name: claim.name.clone(),
            phase: String::new(),
            terminating: false,
            labels: Default::default(),
        }
    }
}

impl Summary<StatefulSet> for StatefulSetView {
    fn new(set: &StatefulSet) -> StatefulSetView {
        StatefulSetView {
            name: set.name.clone(),
            replicas: 0,
            ordinals_start: 0,
            ready_replicas: 0,
            claim_templates: Vec::new(),
        }
    }
}

impl Summary<Node> for NodeView {
    fn new(node: &Node) -> NodeView {
        NodeView { name: node.name.clone(), ready: false }
    }
}

/// Sets `slot` to `value` unless it holds it already (no allocation then).
fn assign(slot: &mut String, value: &str) {
    if slot != value {
        value.clone_into(slot);
    }
}

fn assign_name(slot: &mut Option<String>, value: Option<&str>) {
    if slot.as_deref() != value {
        *slot = value.map(str::to_string);
    }
}

fn refresh_pod(v: &mut PodView, p: &Pod, world: &World) {
    assign(&mut v.phase, phase_name(p.status.phase));
    v.ready = p.status.ready;
    v.terminating = p.is_terminating();
    assign_name(&mut v.node, p.node.map(|n| world.node(n).name.as_str()));
    v.node_ready = p.node.is_some_and(|n| world.node(n).ready);
    assign_name(&mut v.statefulset, p.owner.map(|s| world.sts(s).name.as_str()));
    if v.claims != p.claims {
        v.claims.clone_from(&p.claims);
    }
    v.deletion_ms = p.deletion_timestamp.map(|t| t.as_millis());
}

fn refresh_pvc(v: &mut PvcView, c: &Pvc) {
    assign(
        &mut v.phase,
        match c.phase {
            PvcPhase::Pending => "Pending",
            PvcPhase::Bound => "Bound",
            PvcPhase::Lost => "Lost",
        },
    );
    v.terminating = c.deletion_timestamp.is_some();
    if v.labels != c.labels {
        v.labels.clone_from(&c.labels);
    }
}

fn refresh_set(v: &mut StatefulSetView, s: &StatefulSet) {
    v.replicas = s.spec.replicas;
    v.ordinals_start = s.spec.ordinals_start;
    v.ready_replicas = s.status.ready_replicas;
    let templates = &s.spec.volume_claim_templates;
    if !v.claim_templates.iter().map(String::as_str).eq(templates.iter().map(|t| t.name.as_str())) {
        v.claim_templates = templates.iter().map(|t| t.name.clone()).collect();
    }
}

fn phase_name(phase: PodPhase) -> &'static str {
    match phase {
        PodPhase::Pending => "Pending",
        PodPhase::Running => "Running",
        PodPhase::Succeeded => "Succeeded",
        PodPhase::Failed => "Failed",
    }
}

/// Brings `views`, in name order, to the `objects` (in name order): an
/// object whose name has a view keeps it, refreshed; a new name gets a new
/// view; the views of names gone are dropped.
fn merge_by_name<'w, T: 'w, V: Summary<T>>(
    views: &mut Vec<V>,
    objects: impl Iterator<Item = &'w T>,
    view_name: impl Fn(&V) -> &String,
    name: impl Fn(&T) -> &String,
    refresh: impl Fn(&mut V, &T),
) {
    let old = std::mem::take(views);
    views.reserve(old.len());
    let mut old = old.into_iter().peekable();
    for object in objects {
        let name = name(object);
        while old.next_if(|v| view_name(v) < name).is_some() {}
        let mut view = old.next_if(|v| view_name(v) == name).unwrap_or_else(|| V::new(object));
        refresh(&mut view, object);
        views.push(view);
    }
}

/// Brings the view of `name` in `views` (in name order) to `live`, the
/// live object of that name if there is one: refreshed, made, or dropped.
fn refresh_named<T, V: Summary<T>>(
    views: &mut Vec<V>,
    name: &str,
    live: Option<&T>,
    view_name: impl Fn(&V) -> &String,
    refresh: impl Fn(&mut V, &T),
) {
    let at = views.binary_search_by(|v| view_name(v).as_str().cmp(name));
    match (at, live) {
        (Ok(at), Some(object)) => refresh(&mut views[at], object),
        (Ok(at), None) => {
            views.remove(at);
        }
        (Err(at), Some(object)) => {
            let mut view = V::new(object);
            refresh(&mut view, object);
            views.insert(at, view);
        }
        (Err(_), None) => {}
    }
}

/// Brings `views` to the `objects`, position by position: a view whose
/// name matches its object's is refreshed; from the first that does not,
/// the rest are made anew.
fn update_in_order<'w, T: 'w, V: Summary<T>>(
    views: &mut Vec<V>,
    objects: impl Iterator<Item = &'w T>,
    view_name: impl Fn(&V) -> &String,
    name: impl Fn(&T) -> &String,
    refresh: impl Fn(&mut V, &T),
) {
    let mut count = 0;
    for object in objects {
        if views.get(count).is_none_or(|v| view_name(v) != name(object)) {
            views.truncate(count);
            views.push(V::new(object));
        }
        refresh(&mut views[count], object);
        count += 1;
    }
    views.truncate(count);
}

/// `DeleteOptions.preconditions`: the delete (or update) happens only if
/// the object still has this uid and resourceVersion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preconditions {
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub resource_version: Option<String>,
}

/// What an operator may do, through the API server. The first five are the
/// summary actions of protocol 1; the verbs after them (protocol 2) are the
/// API server's, on Kubernetes-shaped objects, and each gets its answer
/// (`View::results`) in the next reconcile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "PascalCase", deny_unknown_fields)]
pub enum OperatorAction {
    DeletePvc {
        name: String,
    },
    DeletePod {
        name: String,
    },
    ForceDeletePod {
        name: String,
    },
    Scale {
        statefulset: String,
        replicas: u32,
    },
    /// Makes the replica running in pod `name` the primary of its cluster
    /// (a primary/replica application): its peers follow it, and the old
    /// primary is fenced as far as the API server reaches it, to rejoin as
    /// a replica.
    Promote {
        name: String,
    },
    /// Removes the member running as pod `name` from its application's
    /// membership, through the database (etcd `member remove`, ZooKeeper
    /// `reconfig -remove`), by the application's rules.
    RemoveMember {
        name: String,
    },
    /// Adds the member `name` to its application's membership (etcd
    /// `member add`, ZooKeeper `reconfig -add`).
    AddMember {
        name: String,
    },
    /// STONITH: powers the node's machine off through the cloud provider and
    /// deletes its Node object, so nothing on it runs any more.
    PowerOffNode {
        name: String,
    },
    /// `POST`: creates the object: a custom resource, a PersistentVolumeClaim,
    /// a Service, a StatefulSet or a bare Pod (fields stsim does not model
    /// are refused with `405`, named by path).
    Create {
        object: crate::kube::Object,
    },
    /// `PUT`: replaces the object; `metadata.resourceVersion`, if given,
    /// must be the current one (optimistic concurrency), and custom
    /// resources require it. Labels, annotations, finalizers and owner
    /// references change through the same writes as a person's edit;
    /// immutable fields are refused with the API server's `422`.
    Update {
        object: crate::kube::Object,
    },
    /// `PATCH`: a JSON merge patch (`application/merge-patch+json`) unless
    /// `patchType` says `strategic` (`application/strategic-merge-patch+json`,
    /// built-in kinds only) or `json` (a JSON patch's list of operations,
    /// `application/json-patch+json`). A `metadata.resourceVersion` (or
    /// `uid`) the patched object carries is checked like an update's.
    #[serde(rename_all = "camelCase")]
    Patch {
        kind: String,
        name: String,
        patch: crate::kube::Object,
        #[serde(default)]
        patch_type: crate::kube::patch::PatchType,
        /// `"status"`: `PATCH .../status`, as client-go's `Patch(..., "status")`
        /// and controller-runtime's `Status().Patch`: only the status
        /// changes. Without it the main resource is patched, and a custom
        /// resource's `status` in the patch is ignored, as the API server
        /// ignores it for a kind with the status subresource.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subresource: Option<String>,
    },
    /// `DELETE` with `DeleteOptions`.
    #[serde(rename_all = "camelCase")]
    Delete {
        kind: String,
        name: String,
        #[serde(default)]
        preconditions: Option<Preconditions>,
        #[serde(default)]
        /// An `int64`, as in `DeleteOptions`: a negative one counts as 1 s
        /// (the pod strategy's `CheckGracefulDelete`).
        grace_period_seconds: Option<i64>,
        /// `Background` (the default), `Orphan` or `Foreground` (the owner
        /// stays, `foregroundDeletion`, until its dependents are gone).
        #[serde(default)]
        propagation_policy: Option<String>,
    },
    /// `PUT .../status`: replaces the status of a custom resource.
    UpdateStatus {
        object: crate::kube::Object,
    },
    /// `POST .../pods/NAME/eviction`: honours PodDisruptionBudgets (429 when one refuses).
    Evict {
        name: String,
    },
}

/// What one reconcile decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconciled {
    #[serde(default)]
    pub actions: Vec<OperatorAction>,
    /// Run again after this long even if nothing changes (a timer).
    #[serde(default, alias = "requeueAfterMs")]
    pub requeue_after_ms: Option<u64>,
}

/// Operator logic under test.
pub trait Operator {
    fn name(&self) -> &str;
    /// Sees the events since its last run and the cluster now; decides.
    /// An `Err` is the operator failing (it crashed, hung, or spoke
    /// nonsense): the run stops and says so.
    fn reconcile(&mut self, view: &View, events: &[WatchEvent]) -> Result<Reconciled, String>;
    /// The operator process restarted: whatever it kept in memory is gone.
    fn restart(&mut self) {}
    /// The run ended (at its horizon, a `Stop`, or with nothing left to
    /// happen): the operator is done. An `Err` is a fault found only now (an
    /// external process whose answers were out of step with the requests),
    /// and the run ends as an operator failure.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The ordinal of a claim `<template>-<set>-<ordinal>` of a StatefulSet in the view.
fn claim_of_set<'v>(view: &'v View, claim: &str) -> Option<(&'v StatefulSetView, u32)> {
    view.statefulsets.iter().find_map(|set| {
        set.claim_templates
            .iter()
            .find_map(|t| Some((set, crate::objects::claim_ordinal(claim, t, &set.name)?)))
    })
}

/// Grace periods an operator keeps in memory: when it first saw each
/// candidate, so it acts only once one has been a candidate for long enough.
#[derive(Debug, Default)]
struct Graces {
    first_seen: std::collections::BTreeMap<String, u64>,
    candidates: std::collections::BTreeSet<String>,
}

impl Graces {
    /// Notes `name` as a candidate now; whether its grace is over.
    fn due(&mut self, name: &str, now_ms: u64, grace: SimDuration, out: &mut Reconciled) -> bool {
        self.candidates.insert(name.to_string());
        let due = *self.first_seen.entry(name.to_string()).or_insert(now_ms) + grace.as_millis();
        if now_ms >= due {
            return true;
        }
        let wait = due - now_ms;
        out.requeue_after_ms = Some(out.requeue_after_ms.map_or(wait, |r| r.min(wait)));
        false
    }

    /// Forgets everything that was not a candidate in this pass.
    fn end_pass(&mut self) {
        let candidates = std::mem::take(&mut self.candidates);
        self.first_seen.retain(|name, _| candidates.contains(name));
    }
}

/// Deletes the claims a scale-down left behind: a claim whose ordinal is
/// out of its StatefulSet's range and that no pod uses, once it has been so
/// for `after`. The correct way: it asks the StatefulSet, not the pods.
pub struct PvcCleanup {
    pub after: SimDuration,
    graces: Graces,
}

impl PvcCleanup {
    pub fn new(after: SimDuration) -> PvcCleanup {
        PvcCleanup { after, graces: Graces::default() }
    }
}

impl Operator for PvcCleanup {
    fn name(&self) -> &str {
        "pvc-cleanup"
    }
    fn reconcile(&mut self, view: &View, _events: &[WatchEvent]) -> Result<Reconciled, String> {
        let used = |claim: &str| view.pods.iter().any(|p| p.claims.iter().any(|c| c == claim));
        let mut out = Reconciled::default();
        for claim in view.pvcs.iter().filter(|c| !c.terminating) {
            let Some((set, ordinal)) = claim_of_set(view, &claim.name) else { continue };
            let in_range = ordinal >= set.ordinals_start && ordinal < set.ordinals_start + set.replicas;
            if !in_range
                && !used(&claim.name)
                && self.graces.due(&claim.name, view.time_ms, self.after, &mut out)
            {
                out.actions.push(OperatorAction::DeletePvc { name: claim.name.clone() });
            }
        }
        self.graces.end_pass();
        Ok(out)
    }
    fn restart(&mut self) {
        self.graces = Graces::default();
    }
}

/// A subtly wrong cleaner, as found in the wild: it deletes the claim of a
/// StatefulSet pod that has not been Ready for `after`, taking "not
/// running" for "gone". A pod that is only being rescheduled loses its
/// data, or, held by pvc-protection, loses it at its next restart.
pub struct NaivePvcCleanup {
    pub after: SimDuration,
    graces: Graces,
}

impl NaivePvcCleanup {
    pub fn new(after: SimDuration) -> NaivePvcCleanup {
        NaivePvcCleanup { after, graces: Graces::default() }
    }
}

impl Operator for NaivePvcCleanup {
    fn name(&self) -> &str {
        "naive-pvc-cleanup"
    }
    fn reconcile(&mut self, view: &View, _events: &[WatchEvent]) -> Result<Reconciled, String> {
        let mut out = Reconciled::default();
        for claim in view.pvcs.iter().filter(|c| !c.terminating) {
            let Some((set, ordinal)) = claim_of_set(view, &claim.name) else { continue };
            let pod = pod_name(&set.name, ordinal);
            let ready = view.pods.iter().any(|p| p.name == pod && p.ready);
            if !ready && self.graces.due(&claim.name, view.time_ms, self.after, &mut out) {
                out.actions.push(OperatorAction::DeletePvc { name: claim.name.clone() });
            }
        }
        self.graces.end_pass();
        Ok(out)
    }
    fn restart(&mut self) {
        self.graces = Graces::default();
    }
}

/// Force-deletes StatefulSet pods that have been terminating for `after` on
/// a node that is not Ready: the manual step of the force-delete runbook,
/// automated. Safe only if the node really is down.
pub struct ForceDeleteUnreachable {
    pub after: SimDuration,
}

impl Operator for ForceDeleteUnreachable {
    fn name(&self) -> &str {
        "force-delete-unreachable"
    }
    fn reconcile(&mut self, view: &View, _events: &[WatchEvent]) -> Result<Reconciled, String> {
        let mut out = Reconciled::default();
        for pod in view.pods.iter().filter(|p| p.terminating && p.node.is_some() && !p.node_ready) {
            let due = pod.deletion_ms.unwrap_or(view.time_ms) + self.after.as_millis();
            if view.time_ms >= due {
                out.actions.push(OperatorAction::ForceDeletePod { name: pod.name.clone() });
            } else {
                out.requeue_after_ms =
                    Some(out.requeue_after_ms.map_or(due - view.time_ms, |r| r.min(due - view.time_ms)));
            }
        }
        Ok(out)
    }
}

/// Fails a primary/replica application over: when no member has reported
/// itself primary on a running, Ready pod the operator reaches for `after`
/// (as the operator saw it: from its first reconcile that found the primary
/// gone), it promotes a running, Ready, reachable replica: the one with the
/// lowest ordinal, or the most caught-up (`pick`). Before promoting it
/// fences as told: not at all, by waiting for the old leader's lease to
/// expire, or by powering off the old primary's node (STONITH). One
/// promotion per lost primary: it waits to see a primary again before it
/// promotes again. With `check_every` it also looks on its own schedule.
pub struct Failover {
    pub after: SimDuration,
    pub pick: crate::config::FailoverPick,
    pub fencing: crate::config::Fencing,
    pub check_every: Option<SimDuration>,
    graces: Graces,
    /// Applications it promoted a replica of, whose new primary it has not seen yet.
    promoted: std::collections::BTreeSet<String>,
}

impl Failover {
    pub fn new(after: SimDuration) -> Failover {
        Failover::with(after, Default::default(), Default::default(), None)
    }
    pub fn with(
        after: SimDuration,
        pick: crate::config::FailoverPick,
        fencing: crate::config::Fencing,
        check_every: Option<SimDuration>,
    ) -> Failover {
        Failover {
            after,
            pick,
            fencing,
            check_every,
            graces: Graces::default(),
            promoted: Default::default(),
        }
    }
}

impl Operator for Failover {
    fn name(&self) -> &str {
        "failover"
    }
    fn reconcile(&mut self, view: &View, _events: &[WatchEvent]) -> Result<Reconciled, String> {
        use crate::config::{FailoverPick, Fencing};
        // The pods are listed by name: a member's is found by a binary
        // search, not a scan (nor a set of the fleet's pods made at every
        // reconcile), and a set's members are next to each other, so the
        // pod after the last one found is tried first.
        debug_assert!(view.pods.is_sorted_by(|a, b| a.name < b.name), "the pods are listed by name");
        let next = std::cell::Cell::new(0);
        let ready = |name: &str| {
            let at = match view.pods.get(next.get()) {
                Some(pod) if pod.name == name => Some(next.get()),
                _ => view.pods.binary_search_by(|p| p.name.as_str().cmp(name)).ok(),
            };
            next.set(at.map_or(0, |at| at + 1));
            at.is_some_and(|at| view.pods[at].ready && !view.pods[at].terminating)
        };
        let mut out = Reconciled::default();
        let requeue = |out: &mut Reconciled, ms: u64| {
            out.requeue_after_ms = Some(out.requeue_after_ms.map_or(ms, |r| r.min(ms)));
        };
        if let Some(every) = self.check_every {
            requeue(&mut out, every.as_millis());
        }
        for app in view.apps.iter().filter(|a| a.kind == "PrimaryReplica") {
            let serving = |role: &'static str| {
                app.members
                    .iter()
                    .filter(move |m| m.running && m.reachable && m.role == Some(role) && ready(&m.name))
            };
            if serving("primary").next().is_some() {
                self.promoted.remove(&app.name);
                continue;
            }
            // No cluster yet (still bootstrapping), or already failed over.
            if !app.members.iter().any(|m| m.role.is_some()) || self.promoted.contains(&app.name) {
                continue;
            }
            if !self.graces.due(&app.name, view.time_ms, self.after, &mut out) {
                continue;
            }
            // Members are listed by ordinal: the first has the lowest.
            let replica = match self.pick {
                FailoverPick::LowestOrdinal => serving("replica").next(),
                FailoverPick::MostCaughtUp => {
                    serving("replica").fold(None, |best: Option<&MemberView>, m| match best {
                        Some(b) if b.position.unwrap_or(0) >= m.position.unwrap_or(0) => Some(b),
                        _ => Some(m),
                    })
                }
            };
            let Some(replica) = replica else { continue };
            match self.fencing {
                Fencing::None => {}
                Fencing::WaitForLease => {
                    if let Some(expires) = app.leader_lease_expires_ms
                        && app.leader.as_deref() != Some(replica.name.as_str())
                        && expires > view.time_ms
                    {
                        requeue(&mut out, expires - view.time_ms);
                        continue;
                    }
                }
                Fencing::PowerOffNode => {
                    let old =
                        app.leader.as_deref().and_then(|leader| view.pods.iter().find(|p| p.name == leader));
                    if let Some(node) = old.and_then(|p| p.node.clone())
                        && old.is_some_and(|p| p.name != replica.name)
                        && view.nodes.iter().any(|n| n.name == node)
                    {
                        out.actions.push(OperatorAction::PowerOffNode { name: node });
                    }
                }
            }
            out.actions.push(OperatorAction::Promote { name: replica.name.clone() });
            self.promoted.insert(app.name.clone());
        }
        self.graces.end_pass();
        Ok(out)
    }
    fn restart(&mut self) {
        self.graces = Graces::default();
        self.promoted.clear();
    }
}

/// Builds a built-in operator; `None` for an external one, which the
/// caller (the CLI) provides.
pub fn builtin(kind: &crate::config::OperatorKind) -> Option<Box<dyn Operator>> {
    use crate::config::OperatorKind;
    match kind {
        OperatorKind::PvcCleanup { after } => Some(Box::new(PvcCleanup::new(*after))),
        OperatorKind::NaivePvcCleanup { after } => Some(Box::new(NaivePvcCleanup::new(*after))),
        OperatorKind::ForceDeleteUnreachable { after } => {
            Some(Box::new(ForceDeleteUnreachable { after: *after }))
        }
        OperatorKind::Failover { after, pick, fencing, check_every } => {
            Some(Box::new(Failover::with(*after, *pick, *fencing, *check_every)))
        }
        OperatorKind::External { .. } => None,
    }
}

/// The watch event a trace record means to an operator, if any.
pub fn watch_event(world: &World, record: &crate::trace::Record) -> Option<WatchEvent> {
    use crate::trace::Event;
    let pod = |id: PodId| world.pod(id).name.clone();
    let pvc = |id: PvcId| world.pvc(id).name.clone();
    let sts = |id: StsId| world.sts(id).name.clone();
    let (kind, object, name) = match &record.event {
        Event::PodCreated { pod: id, .. } => ("ADDED", "Pod", pod(*id)),
        Event::PodScheduled { pod: id, .. }
        | Event::PodStatus { pod: id, .. }
        | Event::PodReady { pod: id, .. }
        | Event::PodDeleting { pod: id, .. }
        | Event::PodOrphaned { pod: id } => ("MODIFIED", "Pod", pod(*id)),
        Event::PodRemoved { pod: id, .. } => ("DELETED", "Pod", pod(*id)),
        Event::PvcCreated { pvc: id } => ("ADDED", "PersistentVolumeClaim", pvc(*id)),
        Event::PvcBound { pvc: id, .. }
        | Event::PvcOwnersUpdated { pvc: id, .. }
        | Event::PvcDeleting { pvc: id } => ("MODIFIED", "PersistentVolumeClaim", pvc(*id)),
        Event::PvcRemoved { pvc: id } => ("DELETED", "PersistentVolumeClaim", pvc(*id)),
        Event::StatefulSetCreated { sts: id } => ("ADDED", "StatefulSet", sts(*id)),
        Event::StatefulSetScaled { sts: id, .. }
        | Event::StatefulSetUpdated { sts: id, .. }
        | Event::StatefulSetStatus { sts: id, .. } => ("MODIFIED", "StatefulSet", sts(*id)),
        Event::StatefulSetDeleted { sts: id, .. } => ("DELETED", "StatefulSet", sts(*id)),
        _ => return None,
    };
    Some(WatchEvent {
        time_ms: record.at.as_millis(),
        kind,
        object: object.to_string(),
        name,
        manifest: None,
    })
}

/// The watch event of protocol 2 a trace record means: every kind of
/// object, each with the object as it is after the change.
pub fn watch_event_v2(world: &World, record: &crate::trace::Record) -> Vec<WatchEvent> {
    use crate::trace::Event;
    let (a, b) = crate::kube::touched(&record.event);
    [a, b]
        .into_iter()
        .flatten()
        .map(|obj| {
            let manifest = crate::kube::render(world, obj);
            let kind = match &record.event {
                Event::PodCreated { .. }
                | Event::PvcCreated { .. }
                | Event::StatefulSetCreated { .. }
                | Event::NodeAdded { .. }
                | Event::ServiceCreated { .. }
                | Event::CustomResourceChanged { what: "created", .. } => "ADDED",
                Event::PodRemoved { .. }
                | Event::PvcRemoved { .. }
                | Event::StatefulSetDeleted { .. }
                | Event::NodeRemoved { .. }
                | Event::ServiceDeleted { .. }
                | Event::PvDeleted { .. }
                | Event::CustomResourceChanged { what: "removed", .. } => "DELETED",
                _ => "MODIFIED",
            };
            let name = manifest["metadata"]["name"].as_str().unwrap_or_default().to_string();
            WatchEvent {
                time_ms: record.at.as_millis(),
                kind,
                object: crate::kube::kind_of(world, obj),
                name,
                manifest: Some(manifest),
            }
        })
        .collect()
}
