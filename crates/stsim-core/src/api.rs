//! The API server: the only way the world changes.
//!
//! Owns the rules the real API server enforces on writes (a live name is
//! never reused: `AlreadyExists`; an unscheduled or terminal pod is deleted
//! at once, others gracefully), the trace record of each change, and the
//! report of what changed: each write tells the watch the simulation passes
//! (`Api::watch`, `sim::watch`) a [`Change`], a fact about an object (a pod
//! changed, a pod without an owner was created, a Service changed, a claim's
//! users may have changed...). Who reacts, and which work it queues, is the
//! reacting side's: the controllers' informer handlers
//! (`controllers::react`), the cost report's, the applications'. The API
//! server knows none of them (`tests/tidy.rs` keeps it so). Controllers read
//! the world through `Api::world` and write through its methods; none of
//! them touches another's state.
//!
//! The queue primitives (`wake`, `wake_after`, `wake_at`, `arm`, `cancel`)
//! are the reactors' tools; the API server names no key of the event queue
//! (`tests/tidy.rs`). Where a write starts work that ends later (an attach
//! or a detach, the external provisioner's volume), it returns when the
//! work is due, and the controller that asked arms its own timer.
//!
//! Does not decide anything on its own: it does what it is asked, or refuses.

use crate::config::{AccessMode, ImagePullPolicy, Resources};
use crate::events::EventKey;
use crate::objects::*;
use crate::queue::EventQueue;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::trace::{Actor, Event, Trace};
use crate::world::{DnsRecord, World};

mod custom;
mod edits;
mod nodes;
pub mod topology_labels;
pub mod validation;
pub use edits::no_new_finalizers;
pub use nodes::{out_of_service_taint, with_default_tolerations};

/// Why the API server refused a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// An object with that name exists (possibly terminating).
    AlreadyExists(String),
    /// The object fails validation: the API server's whole message.
    Invalid(String),
    /// The claim exists but is being deleted.
    ClaimBeingDeleted(String),
}

/// Why a change to a pod's image was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUpdateRefusal {
    /// The API server refuses it (`ValidatePodUpdate`): its whole message.
    Invalid(String),
    /// A change stsim does not model: what it is.
    NotModelled(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::AlreadyExists(name) => write!(f, "object \"{name}\" already exists"),
            ApiError::Invalid(message) => f.write_str(message),
            ApiError::ClaimBeingDeleted(name) => write!(f, "pvc {name} is being deleted"),
        }
    }
}

/// `ValidateStatefulSetUpdate`'s refusal of a change to an immutable field
/// of the set's spec, in the modelled release's words: `ordinals` joined
/// the mutable fields with `StatefulSetStartOrdinal` in 1.26 (k/k PR
/// #112744), `revisionHistoryLimit` in 1.35.
pub fn statefulset_forbidden(world: &World, sts: StsId) -> String {
    let fields = match world.kubernetes.minor {
        35.. => {
            "'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', \
             'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'"
        }
        26.. => {
            "'replicas', 'ordinals', 'template', 'updateStrategy', \
             'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'"
        }
        _ => {
            "'replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'"
        }
    };
    format!(
        "StatefulSet.apps \"{}\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than {fields} are forbidden",
        world.sts(sts).name
    )
}

/// The seeded random streams of the subsystems that draw.
#[derive(Debug, Clone)]
pub struct Streams {
    /// The scenario's seed, for streams made per object (a pod worker's
    /// retries, `kubelet::pod_worker`).
    pub seed: u64,
    pub scheduler: Stream,
    /// Random node crashes and repairs (`cluster.nodeFailures`).
    pub node_failures: Stream,
    /// Random zone outages (`cluster.zoneOutages`).
    pub zone_outages: Stream,
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams {
            seed,
            scheduler: crate::rng::stream(seed, "scheduler"),
            node_failures: crate::rng::stream(seed, "node-failures"),
            zone_outages: crate::rng::stream(seed, "zone-outages"),
        }
    }
}

/// A pod to create: what the controller fills in; the API server adds the rest.
#[derive(Debug, Clone)]
pub struct NewPod {
    pub name: String,
    pub labels: crate::config::Labels,
    pub owner: Option<StsId>,
    pub ordinal: Option<u32>,
    pub hostname: String,
    pub subdomain: String,
    /// `spec.containers[0].name`, when not the default.
    pub container_name: Option<String>,
    pub image: String,
    pub requests: Resources,
    /// The pod's requests as the scheduler's scoring counts them
    /// (`PodTemplate::pod_scoring_requests`).
    pub scoring_requests: Resources,
    pub readiness_probe: Option<crate::config::Probe>,
    pub liveness_probe: Option<crate::config::Probe>,
    pub startup_probe: Option<crate::config::Probe>,
    pub pre_stop: Option<SimDuration>,
    pub init_containers: Vec<crate::config::InitContainer>,
    /// Which init containers are sidecars, by index.
    pub sidecars: Vec<usize>,
    /// `spec.containers[1..]`.
    pub extra_containers: Vec<crate::config::ExtraContainer>,
    pub pull_policies: crate::config::PullPolicies,
    pub termination_grace_period: SimDuration,
    pub node_selector: crate::config::Labels,
    pub affinity: crate::config::Affinity,
    /// As written in the template; the API server adds the default NoExecute ones.
    pub tolerations: Vec<crate::config::Toleration>,
    pub topology_spread: Vec<crate::config::TopologySpreadConstraint>,
    pub claims: Vec<String>,
    /// The names of the pod's volumes (its template's and, for a
    /// StatefulSet's pod, one per claim template) and of those its first
    /// container mounts; the others' mounts are in their containers.
    pub volumes: Vec<String>,
    pub volume_mounts: Vec<String>,
    /// `spec.nodeName` as written: the pod is bound at creation, without the scheduler.
    pub node_name: Option<String>,
    pub host_ports: Vec<crate::config::HostPort>,
    pub named_ports: Vec<crate::config::NamedPort>,
    /// Every port of every container (`PodTemplate::ports`).
    pub ports: Vec<crate::config::ContainerPort>,
    pub priority_class_name: Option<String>,
    /// `spec.setHostnameAsFQDN`.
    pub set_hostname_as_fqdn: bool,
    /// What the API server refuses in the template's spec, with a pod's
    /// paths (`PodTemplate::create_errors`): every create of it is refused.
    pub template_errors: Vec<String>,
}

impl NewPod {
    /// A pod named `name` whose spec and labels are `template`'s, bound to
    /// no set, with no claims, its hostname its name: callers set what
    /// their pod has besides (`NewPod { owner, claims, ..from_template }`).
    pub fn from_template(name: String, template: &crate::config::PodTemplate) -> NewPod {
        NewPod {
            hostname: name.clone(),
            name,
            subdomain: String::new(),
            labels: template.labels.clone(),
            owner: None,
            ordinal: None,
            container_name: template.container_name.clone(),
            image: template.image.clone(),
            requests: template.requests,
            scoring_requests: template.pod_scoring_requests(),
            readiness_probe: template.readiness_probe.clone(),
            liveness_probe: template.liveness_probe.clone(),
            startup_probe: template.startup_probe.clone(),
            pre_stop: template.pre_stop,
            init_containers: template.init_containers.clone(),
            sidecars: template.sidecars.clone(),
            extra_containers: template.extra_containers.clone(),
            pull_policies: template.pull_policies.clone(),
            termination_grace_period: template.termination_grace_period,
            node_selector: template.node_selector.clone(),
            affinity: template.affinity.clone(),
            tolerations: template.tolerations.clone(),
            topology_spread: template.topology_spread.clone(),
            claims: Vec::new(),
            volumes: template.volumes.clone(),
            volume_mounts: template.volume_mounts.clone(),
            node_name: template.node_name.clone(),
            host_ports: template.host_ports.clone(),
            named_ports: template.named_ports.clone(),
            ports: template.ports.clone(),
            priority_class_name: template.priority_class_name.clone(),
            set_hostname_as_fqdn: template.set_hostname_as_fqdn,
            template_errors: template.create_errors.clone(),
        }
    }
}

/// A claim to create.
#[derive(Debug, Clone)]
pub struct NewPvc {
    pub name: String,
    pub labels: crate::config::Labels,
    /// `spec.storageClassName` after admission; `None` when no class is
    /// named and none is the default.
    pub storage_class_name: Option<String>,
    pub request_bytes: u64,
    pub access_modes: Vec<AccessMode>,
    pub owner_refs: Vec<OwnerRef>,
    /// The StatefulSet whose template this claim comes from.
    pub statefulset: Option<StsId>,
    /// `spec.volumeName`: a volume asked for by name.
    pub volume_name: Option<String>,
}

/// A change the API server made, which those who watch react to within the
/// same write, as an informer's event handler would before the next change
/// is seen. The API server says what changed, to which object; it does not
/// know who listens (the simulation passes the listener, `sim::watch`: the
/// controllers' handlers, the cost report's, the applications').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    /// A volume's claim is gone: the PV controller reclaims it as its
    /// policy says (`phase` is still what it was bound as).
    VolumeReleased(PvId),
    /// A Node object was created.
    NodeAdded(NodeId),
    /// A Node object was deleted (`removed_at` is set).
    NodeRemoved(NodeId),
    /// A node's Ready condition changed; `was` is the old status.
    NodeCondition { node: NodeId, was: ConditionStatus },
    /// The machine behind a live node stopped renewing its lease.
    LeaseStopped(NodeId),
    /// A pod was created with a `spec.nodeName` no Node has: the pod
    /// garbage collector's next pass after this instant sees it.
    PodOnUnknownNode,
    /// A bound claim asks for more than its volume holds: the resizer's work.
    ResizeRequested(PvcId),
    /// A claim was created: the PV controller and the provisioner's work,
    /// and the scheduling queue's (a waiting pod that names it).
    ClaimCreated(PvcId),
    /// A claim left the API server: a pod the scheduler assumed onto a node
    /// waits for it in PreBind.
    ClaimRemoved(PvcId),
    /// A claim was bound to a volume: the pods naming it that have no node
    /// yet, and the pods waiting for room or volumes, are the scheduling
    /// queue's.
    ClaimBound(PvcId),
    /// A pod without a node was created: the scheduling queue takes it.
    UnassignedPodAdded(PodId),
    /// A pod object left the API server: the scheduling queue drops it.
    PodRemoved(PodId),
    /// A node may take pods it could not before: it joined, turned Ready,
    /// lost a taint or was uncordoned (the scheduler's node add and update
    /// cluster events).
    NodeSchedulable(NodeId),
    /// A pod with a node appeared to the scheduler's informer (bound, or
    /// created with `spec.nodeName`): the scheduling queue's work.
    AssignedPodAdded(PodId),
    /// A pod with a node left the scheduler's view: deleted, finished, or
    /// its assumption forgotten.
    AssignedPodRemoved(PodId),
    /// A pod waiting in the scheduler's unschedulable pool was updated: its
    /// labels changed from `old_labels`, or (`None`) another field of its
    /// metadata or spec (owner references, image).
    UnscheduledPodUpdated { pod: PodId, old_labels: Option<crate::config::Labels> },
    /// The labels of a pod with a node changed from `old`.
    AssignedPodRelabelled { pod: PodId, old: crate::config::Labels },
    /// A volume's detach from a node finished: its VolumeAttachment object
    /// is deleted.
    VolumeDetached(PvId),
    /// A node's kubelet no longer lists the volume in `volumesInUse` (it
    /// unmounted it, or gave up on the pod that used it).
    VolumeInUseCleared { pv: PvId, node: NodeId },
    /// A taint was added to a node.
    NodeTainted { node: NodeId, taint: &'a crate::config::Taint },
    /// A taint was removed from a node.
    NodeUntainted { node: NodeId, taint: &'a crate::config::Taint },
    /// A node's `spec.unschedulable` changed (cordon, uncordon).
    NodeUnschedulableChanged(NodeId),
    /// A client removed `kubernetes.io/pvc-protection` from a claim that is
    /// not being deleted.
    ClaimUnprotected(PvcId),
    /// The scheduler wrote the `volume.kubernetes.io/selected-node`
    /// annotation of a `WaitForFirstConsumer` claim.
    ClaimNodeSelected(PvcId),
    /// The external provisioner removed that annotation: the claim is the
    /// scheduler's again.
    ClaimNodeUnselected(PvcId),
    /// A pod object or its status was written (created, bound, adopted,
    /// relabelled, deleting, removed, a container's state...).
    PodChanged(PodId),
    /// A pod without an owner reference was created.
    UnownedPodCreated(PodId),
    /// A pod's labels were replaced; `old` are the labels it had.
    PodRelabelled { pod: PodId, old: &'a crate::config::Labels },
    /// An admission plugin added labels to a pod as it was bound
    /// (`topology_labels`); `overwritten` holds the labels it had when a
    /// value was replaced, not only added.
    PodLabelsAdmitted { pod: PodId, overwritten: Option<&'a crate::config::Labels> },
    /// A pod's controller reference to `owner` was removed: by a client, by
    /// its owner releasing a pod its selector no longer matches, or by the
    /// garbage collector orphaning the pods of a set deleted with
    /// `--cascade=orphan`.
    PodOwnerReferenceRemoved { pod: PodId, owner: StsId },
    /// The scheduler wrote a pod's PodScheduled condition (no node fits).
    PodScheduledConditionChanged(PodId),
    /// A pod on a node got its deletion timestamp (a graceful delete, or a
    /// removal its finalizers hold).
    PodTerminating(PodId),
    /// A pod was bound to a node (`spec.nodeName` set).
    PodBound(PodId),
    /// A pod's container image was updated in place; `old` is the image it
    /// replaced.
    ContainerImageChanged { pod: PodId, old: &'a str },
    /// A pod's container process started or stopped on its machine.
    ProcessChanged(PodId),
    /// What a node's machine does changed (crashed, cut off, running).
    MachineChanged(NodeId),
    /// A volume's attach to `node` finished; `users` are the pods on that
    /// node that mount it.
    VolumeAttached { pv: PvId, node: NodeId, users: &'a [PodId] },
    /// A StatefulSet was created, or its spec changed (replicas, template,
    /// the template as written), or it got its deletion timestamp.
    StatefulSetChanged(StsId),
    /// An object that may own others or be owned came or went, or its owner
    /// references or deletion changed: the graph of owners changed. `owners`
    /// are those whose dependents may need looking at now (a pod or a
    /// StatefulSet that went or is going; none when only a dependent
    /// changed).
    OwnershipChanged(&'a [Owner]),
    /// A claim's owner references were replaced.
    ClaimOwnersChanged(PvcId),
    /// Which pods use these claims, or which StatefulSets would, may have
    /// changed.
    ClaimUsageChanged(Claims<'a>),
    /// A Service was created, updated or removed.
    ServiceChanged(ServiceId),
    /// A DNS record of this name was added or removed.
    DnsRecordChanged(&'a str),
}

/// The claims a [`Change::ClaimUsageChanged`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claims<'a> {
    /// These claims (none, when a pod that used no claim changed).
    These(&'a [PvcId]),
    /// Every claim (a StatefulSet changed: any claim may now be one it
    /// would use).
    All,
}

/// Who hears of each [`Change`].
pub type Watch = fn(&mut Api<'_>, &Change<'_>);

/// A watch that nobody listens to, for tests that drive one controller.
pub fn unwatched(_: &mut Api<'_>, _: &Change<'_>) {}

/// A handle on the world for one unit of work, by one actor, at one instant.
pub struct Api<'a> {
    pub world: &'a mut World,
    pub trace: &'a mut Trace,
    pub queue: &'a mut EventQueue<EventKey>,
    pub streams: &'a mut Streams,
    pub now: SimTime,
    pub actor: Actor,
    /// Who hears of each change: the controllers', the cost report's and
    /// the applications' event handlers (`sim::watch`).
    pub watch: Watch,
}

impl<'a> Api<'a> {
    pub fn world(&self) -> &World {
        self.world
    }

    pub fn record(&mut self, event: Event) {
        self.world.versions.record(&event);
        self.trace.push(self.now, self.actor, event);
    }

    /// Tells those who watch of a change, now.
    pub fn notify(&mut self, change: Change<'_>) {
        (self.watch)(self, &change);
    }

    /// Wakes `key` now (deduplicated, like a work queue).
    pub fn wake(&mut self, key: EventKey) {
        self.queue.wake(key, self.now, key.phase());
    }

    /// Wakes `key` after `delay` unless it is due earlier.
    pub fn wake_after(&mut self, key: EventKey, delay: SimDuration) {
        self.queue.wake(key, self.now + delay, key.phase());
    }

    /// Wakes `key` at `at` unless it is due earlier.
    pub fn wake_at(&mut self, key: EventKey, at: SimTime) {
        self.queue.wake(key, at.max(self.now), key.phase());
    }

    /// Arms `key` at `at`, moving it if already queued (a timer).
    pub fn arm(&mut self, key: EventKey, at: SimTime) {
        self.queue.arm(key, at, key.phase());
    }

    pub fn cancel(&mut self, key: EventKey) {
        self.queue.cancel(&key);
    }

    // ----- changes to pods ---------------------------------------------------

    /// A pod changed: the kubelet's conditions it changed take this
    /// instant, and those who watch hear of it.
    pub(crate) fn pod_changed(&mut self, pod: PodId) {
        self.kubelet_conditions_written(pod);
        self.notify(Change::PodChanged(pod));
    }

    /// After a write to a pod's status: the kubelet's conditions it changed
    /// take this instant as their `lastTransitionTime` (none before its
    /// first status).
    fn kubelet_conditions_written(&mut self, pod: PodId) {
        let now = self.now;
        let p = self.world.pod_mut(pod);
        if p.status.container == ContainerState::Unscheduled {
            return;
        }
        let current = p.kubelet_conditions();
        let written = p.status.kubelet_conditions.get_or_insert(current.map(|status| (status, now)));
        for ((status, since), now_status) in written.iter_mut().zip(current) {
            if *status != now_status {
                (*status, *since) = (now_status, now);
            }
        }
    }

    // ----- pods -----------------------------------------------------------

    /// Creates a pod, unless it is invalid (`validation`) or a live pod has the name.
    pub fn create_pod(&mut self, mut new: NewPod) -> Result<PodId, ApiError> {
        let mounts = validation::Mounts {
            volumes: &new.volumes,
            first: &new.volume_mounts,
            extras: &new.extra_containers,
            inits: &new.init_containers,
        };
        let mut errors = validation::pod_errors(&new.labels, &mounts, &new.hostname, &new.subdomain);
        // `ValidatePodSpec` checks what the template's own validation did not.
        errors.extend(new.template_errors.iter().cloned());
        errors.extend(validation::pod_image_errors(&new.image, &new.extra_containers, &new.init_containers));
        if !errors.is_empty() {
            let message = validation::invalid("Pod", &new.name, &errors);
            self.record(Event::PodCreateInvalid { name: new.name.clone(), message: message.clone() });
            return Err(ApiError::Invalid(message));
        }
        if self.world.pod_named(&new.name).is_some() {
            self.record(Event::PodCreateRejected { name: new.name.clone() });
            return Err(ApiError::AlreadyExists(new.name));
        }
        let uid = self.world.new_uid();
        let id = PodId(self.world.pods.len() as u32);
        // Created on a node: the PodTopologyLabels plugin admits the create
        // as it would the binding (`admit_topology_labels`).
        if let Some(name) = &new.node_name
            && self.world.features.pod_topology_labels
            && let Some(node) = self.world.nodes.iter().rev().find(|n| &n.name == name && n.exists())
        {
            for (key, value) in
                topology_labels::to_copy(self.world.kubernetes, node, &new.labels).into_iter().flatten()
            {
                new.labels.insert(key.to_string(), value);
            }
        }
        let revision = new.labels.get(labels::REVISION).cloned().unwrap_or_default();
        let tolerations =
            nodes::with_default_tolerations(new.tolerations, self.world.timings.default_toleration);
        // The API server defaults each container's policy by its image as
        // it stores the pod; an image changed later keeps it.
        let pull_policy = ImagePullPolicy::resolve(new.pull_policies.container, &new.image);
        let init_pull_policies = (new.init_containers.iter().enumerate())
            .map(|(i, init)| ImagePullPolicy::resolve(new.pull_policies.init.get(&i).copied(), &init.image))
            .collect();
        let extra_containers: Vec<crate::config::ExtraContainer> = (new.extra_containers.into_iter())
            .map(|extra| crate::config::ExtraContainer {
                pull_policy: Some(ImagePullPolicy::resolve(extra.pull_policy, &extra.image)),
                ..extra
            })
            .collect();
        let extras = extra_containers.len();
        // A sidecar with a readiness probe is not ready until it passes.
        let new_inits = new.init_containers.len();
        let inits: Box<[InitContainerStatus]> = (new.init_containers.iter().enumerate())
            .map(|(index, init)| InitContainerStatus {
                unready: init.readiness_probe.is_some() && new.sidecars.contains(&index),
                ..InitContainerStatus::default()
            })
            .collect();
        let sidecars = new.sidecars.len();
        self.world.insert_pod(Pod {
            id,
            uid,
            name: new.name,
            labels: new.labels,
            // The world numbers the revision label as it stores the pod.
            revision_number: None,
            identity_labelled: false,
            claims_present_at: 0,
            owner: new.owner,
            ordinal: new.ordinal,
            hostname: new.hostname,
            subdomain: new.subdomain,
            set_hostname_as_fqdn: new.set_hostname_as_fqdn,
            container_name: new.container_name,
            image: new.image,
            requests: new.requests,
            scoring_requests: new.scoring_requests,
            readiness_probe: new.readiness_probe,
            liveness_probe: new.liveness_probe,
            startup_probe: new.startup_probe,
            pre_stop: new.pre_stop,
            pull_policy,
            init_pull_policies,
            init_containers: new.init_containers,
            sidecars: new.sidecars.into_boxed_slice(),
            extra_containers,
            termination_grace_period: new.termination_grace_period,
            node_selector: new.node_selector,
            affinity: new.affinity,
            tolerations,
            topology_spread: new.topology_spread,
            claims: new.claims,
            host_ports: new.host_ports,
            ports: (!new.ports.is_empty() || !new.named_ports.is_empty())
                .then(|| Box::new(crate::objects::PodPorts { all: new.ports, named: new.named_ports })),
            priority_class_name: new.priority_class_name,
            node_name: new.node_name.clone(),
            node: None,
            assumed_node: None,
            status: PodStatus {
                phase: PodPhase::Pending,
                container: ContainerState::Unscheduled,
                ready: false,
                container_ready: false,
                ready_since: None,
                pod_ip: None,
                restarts: 0,
                exits: LastExits::default(),
                inits,
                finished_at: None,
                init_finished_at: None,
                containers_written_at: self.now,
                containers_started: false,
                start_time: None,
                kubelet_conditions: None,
                unschedulable: None,
                unschedulable_reason: "",
                pod_scheduled_since: None,
                rejected: None,
                disruption: None,
                init_failure: None,
                init_progress: None,
                init_started: false,
                extras: vec![ExtraStatus::WAITING; extras].into_boxed_slice(),
                sidecar_failures: vec![None; sidecars].into_boxed_slice(),
            },
            runtime: Runtime {
                extras: vec![ExtraRuntime::default(); extras].into_boxed_slice(),
                init_backoff: vec![CrashBackOff::default(); new_inits].into_boxed_slice(),
                sidecars: vec![SidecarRuntime::default(); sidecars].into_boxed_slice(),
                ..Runtime::default()
            },
            waits: Waits::default(),
            history: PodHistory { owners: vec![(self.now, new.owner)], ..PodHistory::default() },
            created_at: self.now,
            deletion_timestamp: None,
            deletion_grace: None,
            finalizers: Vec::new(),
            removal_held: None,
            removed_at: None,
            spec_object: None,
        });
        if let Some(owner) = self.world.pod(id).owner {
            self.world.apps.pod_created(id, owner);
        }
        self.record(Event::PodCreated { pod: id, revision });
        self.claims_changed_for(id);
        self.pod_changed(id);
        if self.world.pod(id).owner.is_none() {
            self.notify(Change::UnownedPodCreated(id));
        }
        match new.node_name {
            // `spec.nodeName` set by the writer: bound as created, and the
            // scheduler never sees it (its queue takes only pods without a
            // node). A name no Node has ever had leaves the pod Pending,
            // until a Node of that name joins or the pod GC deletes it.
            Some(name) => {
                let node = self.world.nodes.iter().rev().find(|n| n.name == name).map(|n| n.id);
                match node {
                    Some(node) => {
                        self.world.pod_mut(id).assumed_node = Some(node);
                        self.take_node_room(id, node);
                        self.bind_pod(id);
                    }
                    None => {
                        self.world.pods_on_unknown_nodes.insert(id);
                        self.notify(Change::PodOnUnknownNode);
                    }
                }
            }
            None => self.notify(Change::UnassignedPodAdded(id)),
        }
        Ok(id)
    }

    /// The pod's requests, one pod slot and its host ports counted on the
    /// node (the scheduler cache's NodeInfo), from assumption or binding on.
    fn take_node_room(&mut self, pod: PodId, node: NodeId) {
        self.world.room_changes += 1;
        let p = self.world.pod(pod);
        let (requests, scoring, ports) = (p.requests, p.scoring_requests, p.host_ports.clone());
        let n = &mut self.world.nodes[node.index()];
        n.pod_count += 1;
        n.requested.cpu_millis = n.requested.cpu_millis.saturating_add(requests.cpu_millis);
        n.requested.memory_bytes = n.requested.memory_bytes.saturating_add(requests.memory_bytes);
        n.scoring_requested.cpu_millis = n.scoring_requested.cpu_millis.saturating_add(scoring.cpu_millis);
        n.scoring_requested.memory_bytes =
            n.scoring_requested.memory_bytes.saturating_add(scoring.memory_bytes);
        for port in ports {
            *n.used_ports.entry(port).or_default() += 1;
        }
        if !n.volume_attach_limits.is_empty() {
            n.volume_pods.insert(pod);
        }
        self.world.refresh_node_fit(node);
    }

    /// The pod's requests, pod slot and host ports leave the node's count:
    /// the scheduler cache drops a pod when it finishes, when it is deleted
    /// and when its assumption is forgotten. Its informer watches only pods
    /// that have not finished (the field selector
    /// `status.phase!=Succeeded,status.phase!=Failed` of the scheduler's pod
    /// informer, pkg/scheduler), so a finished pod is a deleted one to it,
    /// even while a finalizer keeps the object.
    fn give_node_room(&mut self, pod: PodId, node: NodeId) {
        self.world.room_changes += 1;
        let p = self.world.pod(pod);
        let (requests, scoring, ports) = (p.requests, p.scoring_requests, p.host_ports.clone());
        let n = &mut self.world.nodes[node.index()];
        n.pod_count -= 1;
        n.requested.cpu_millis = n.requested.cpu_millis.saturating_sub(requests.cpu_millis);
        n.requested.memory_bytes = n.requested.memory_bytes.saturating_sub(requests.memory_bytes);
        n.scoring_requested.cpu_millis = n.scoring_requested.cpu_millis.saturating_sub(scoring.cpu_millis);
        n.scoring_requested.memory_bytes =
            n.scoring_requested.memory_bytes.saturating_sub(scoring.memory_bytes);
        for port in ports {
            if let Some(count) = n.used_ports.get_mut(&port) {
                *count -= 1;
                if *count == 0 {
                    n.used_ports.remove(&port);
                }
            }
        }
        n.volume_pods.remove(&pod);
        self.world.refresh_node_fit(node);
    }

    /// The kubelet's admission refused the pod (`rejectPod` in
    /// pkg/kubelet/kubelet.go): the phase is `Failed`, with the admit
    /// handler's reason and `Pod was rejected: <message>`.
    pub fn reject_pod(&mut self, pod: PodId, reason: &'static str, message: String) {
        let message = format!("Pod was rejected: {message}");
        self.world.pod_mut(pod).status.rejected = Some(Box::new((reason, message.clone())));
        self.record(Event::PodRejected { pod, reason, message });
        // No container ran, and none is served (`rejectPod` writes no
        // container statuses, `Pod::rejected_at_admission`); the model's
        // state says it is over, its code that of an end unknown.
        self.set_pod_state(
            pod,
            PodPhase::Failed,
            ContainerState::Terminated { exit_code: SIGKILL_EXIT_CODE },
        );
    }

    /// The kubelet stopped the pod for its node's graceful shutdown: it is
    /// `Failed`, reason `Terminated` (pkg/kubelet/nodeshutdown: the status
    /// it writes for each pod it kills; the object stays, for its
    /// controller to delete and replace).
    /// `container` is how its first container ended.
    pub fn fail_pod_for_shutdown(&mut self, pod: PodId, container: ContainerState) {
        let message = "Pod was terminated in response to imminent node shutdown.".to_string();
        self.world.pod_mut(pod).status.rejected = Some(Box::new(("Terminated", message.clone())));
        self.mark_disrupted(pod, Disruption::BY_KUBELET, message);
        self.record(Event::PodShutdown { pod });
        self.set_pod_state(pod, PodPhase::Failed, container);
    }

    /// A delete with the pod's own grace period, or `grace` if given.
    ///
    /// As the API server's `CheckGracefulDelete` does, a pod that was never
    /// scheduled or has already finished (Failed, Succeeded) goes at once:
    /// no kubelet has anything to stop. A grace of zero removes the object
    /// at once without asking the kubelet (a force delete). Deleting a pod
    /// that is already terminating only shortens its grace period.
    pub fn delete_pod(&mut self, pod: PodId, grace: Option<SimDuration>) {
        let p = self.world.pod(pod);
        assert!(p.exists(), "delete of a pod that is gone: {}", p.name);
        let mut grace = grace.unwrap_or(p.termination_grace_period);
        if p.node.is_none() || p.is_terminal() {
            grace = SimDuration::ZERO;
        }
        if grace.is_zero() {
            self.remove_pod(pod, true);
            return;
        }
        if let Some(existing) = p.deletion_grace
            && existing <= grace
        {
            return;
        }
        let p = self.world.pod_mut(pod);
        p.deletion_timestamp.get_or_insert(self.now);
        p.deletion_grace = Some(grace);
        self.world.refresh_pod_brief(pod);
        self.record(Event::PodDeleting { pod, grace });
        self.pod_changed(pod);
        self.notify(Change::PodTerminating(pod));
    }

    /// The object leaves the API server. `force` when nobody on the node
    /// confirmed the containers stopped (grace 0, or a force delete).
    pub fn remove_pod(&mut self, pod: PodId, force: bool) {
        if !self.world.pod(pod).finalizers.is_empty() {
            self.hold_pod(pod, force);
            return;
        }
        let p = self.world.pod(pod);
        let node = p.node.or(p.assumed_node);
        // A finished pod left the scheduler's count (and its informer's
        // view) when it finished.
        let leaves_scheduler = node.is_some() && !p.is_terminal();
        if let Some(node) = node
            && leaves_scheduler
        {
            self.give_node_room(pod, node);
        }
        self.world.remove_pod(pod, self.now);
        self.record(Event::PodRemoved { pod, force });
        self.notify(Change::PodRemoved(pod));
        self.pod_changed(pod);
        if leaves_scheduler {
            self.notify(Change::AssignedPodRemoved(pod));
        }
        // The pvc-protection controller lets go of claims no pod uses now.
        let claims = self.world.pod(pod).claims.clone();
        for claim in claims {
            if let Some(pvc) = self.world.pvc_named(&claim)
                && self.world.pvc(pvc).deletion_timestamp.is_some()
                && !self.world.claim_protected_by_pod(&claim)
            {
                self.remove_pvc(pvc);
            }
        }
        self.notify(Change::OwnershipChanged(&[Owner::Pod(pod)]));
        self.claims_changed_for(pod);
    }

    /// The claims a pod mounts may be orphaned, or no longer, now.
    fn claims_changed_for(&mut self, pod: PodId) {
        let world = &*self.world;
        let claims: Vec<PvcId> =
            world.pods[pod.index()].claims.iter().filter_map(|claim| world.pvc_names.get(claim)).collect();
        self.notify(Change::ClaimUsageChanged(Claims::These(&claims)));
    }

    /// Every claim's orphan status may have changed (a StatefulSet changed).
    fn all_claims_changed(&mut self) {
        self.notify(Change::ClaimUsageChanged(Claims::All));
    }

    /// A pod waiting for a node was updated: the scheduler's queue hears
    /// (`PriorityQueue.Update`).
    pub(crate) fn waiting_pod_updated(&mut self, pod: PodId, old_labels: Option<crate::config::Labels>) {
        if self.world.unschedulable.contains_key(&pod) {
            self.notify(Change::UnscheduledPodUpdated { pod, old_labels });
        }
    }

    /// A pod loses its owner (`--cascade=orphan`): it keeps running, unmanaged.
    pub fn orphan_pod(&mut self, pod: PodId) {
        let Some(owner) = self.world.pod(pod).owner else { return };
        self.world.disown_pod(pod);
        let now = self.now;
        self.world.pod_mut(pod).history.owners.push((now, None));
        self.record(Event::PodOrphaned { pod });
        self.notify(Change::PodOwnerReferenceRemoved { pod, owner });
        self.waiting_pod_updated(pod, None);
    }

    /// A StatefulSet adopts an orphaned pod: its controller reference is set
    /// (`ClaimPods` in the controller's `getPodsForStatefulSet`).
    pub fn adopt_pod(&mut self, pod: PodId, sts: StsId) {
        self.world.adopt_pod(pod, sts);
        let now = self.now;
        self.world.pod_mut(pod).history.owners.push((now, Some(sts)));
        self.record(Event::PodAdopted { pod, sts });
        self.pod_changed(pod);
        self.waiting_pod_updated(pod, None);
    }

    /// The scheduler's verdict that no node fits, with its message and the
    /// plugins that rejected the pod: it joins (or stays in) the pool of
    /// unschedulable pods, its failed attempts counted.
    ///
    /// A failure with the message already on the pod records nothing: the
    /// scheduler writes the PodScheduled condition only when it changes
    /// (`updatePod` skips the call when `UpdatePodCondition` finds the same
    /// status, reason and message), and the FailedScheduling Event of a
    /// repeat is folded by the event recorder into the existing one (its
    /// count and last time), not a new object. The trace records the
    /// verdict when it changes; a pod retried every five minutes by the
    /// flush, failing alike, adds nothing to it, only the attempt's time to
    /// the pod's history (for `stsim events`).
    pub fn mark_unschedulable(
        &mut self,
        pod: PodId,
        reason: &'static str,
        message: String,
        rejected_by: crate::world::Plugins,
    ) {
        let now = self.now;
        let waiting = self.world.unschedulable.entry(pod).or_insert(crate::world::Waiting {
            failed_at: now,
            attempts: 0,
            rejected_by,
            error: false,
        });
        waiting.failed_at = now;
        waiting.attempts += 1;
        waiting.rejected_by = rejected_by;
        waiting.error = false;
        let p = self.world.pod_mut(pod);
        p.waits.unschedulable_since.get_or_insert(now);
        p.status.unschedulable_reason = reason;
        p.status.pod_scheduled_since.get_or_insert(now);
        if p.status.unschedulable.as_deref() == Some(message.as_str()) {
            p.history.scheduling_retries.push(now);
            return;
        }
        p.status.unschedulable = Some(message.clone());
        self.record(Event::PodUnschedulable { pod, message });
        // The scheduler writes the pod's PodScheduled condition: an update
        // its StatefulSet's controller hears of (a pending pod whose claim
        // is missing gets it re-created on that sync).
        self.notify(Change::PodScheduledConditionChanged(pod));
    }

    /// The scheduler reserves a node for the pod (its cache), before binding.
    pub fn assume_pod(&mut self, pod: PodId, node: NodeId) {
        let p = self.world.pod_mut(pod);
        assert!(p.node.is_none() && p.assumed_node.is_none(), "pod {} assumed twice", p.name);
        p.assumed_node = Some(node);
        p.waits.unschedulable_since = None;
        self.world.unschedulable.remove(&pod);
        self.take_node_room(pod, node);
    }

    /// The scheduler forgets a node it assumed for the pod (`Unreserve`
    /// after a failed binding): the node's room is given back.
    pub fn forget_assumed_pod(&mut self, pod: PodId) {
        let Some(node) = self.world.pod(pod).assumed_node else { return };
        self.give_node_room(pod, node);
        self.world.pod_mut(pod).assumed_node = None;
        // Unreserve: the scheduler moves the waiting pods as for an
        // assigned pod's delete (`handleAssumedPodDeletion`).
        self.notify(Change::AssignedPodRemoved(pod));
    }

    /// `spec.nodeName` is set: the pod is bound to its assumed node.
    pub fn bind_pod(&mut self, pod: PodId) {
        let node = self.world.pod(pod).assumed_node.expect("a pod is assumed before it is bound");
        // The binding carries the node's topology labels onto the pod.
        let relabelled = self.admit_topology_labels(pod, node);
        let p = self.world.pod_mut(pod);
        assert!(p.node.is_none(), "pod {} bound twice", p.name);
        p.node = Some(node);
        p.status.unschedulable = None;
        p.status.pod_scheduled_since = Some(self.now);
        self.world.node_mut(node).pods.insert(pod);
        self.record(Event::PodScheduled { pod, node });
        self.pod_changed(pod);
        if let Some(overwritten) = relabelled {
            self.notify(Change::PodLabelsAdmitted { pod, overwritten: overwritten.as_ref() });
        }
        self.notify(Change::PodBound(pod));
        self.notify(Change::AssignedPodAdded(pod));
    }

    /// The PodTopologyLabels admission plugin (`topology_labels`) on a
    /// binding to `node`: `None` if it changed nothing, else the labels
    /// before if it replaced a value (`Some(None)` if it only added).
    fn admit_topology_labels(&mut self, pod: PodId, node: NodeId) -> Option<Option<crate::config::Labels>> {
        let world = &*self.world;
        let node = world.node(node);
        if !world.features.pod_topology_labels || !node.exists() {
            return None;
        }
        let labels = &world.pod(pod).labels;
        let copy = topology_labels::to_copy(world.kubernetes, node, labels);
        let overwritten = match copy.iter().flatten().any(|(key, _)| labels.contains_key(*key)) {
            true => Some(labels.clone()),
            false if copy.iter().any(Option::is_some) => None,
            false => return None,
        };
        for (key, value) in copy.into_iter().flatten() {
            self.world.set_pod_label(pod, key, &value);
        }
        Some(overwritten)
    }

    /// The kubelet reports the state of a failing init container (`None`:
    /// none fails, or a new sandbox runs them again).
    pub fn set_init_failure(&mut self, pod: PodId, failure: Option<InitFailure>) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod_mut(pod);
        let before = p.display_status(kubectl);
        p.status.init_failure = failure;
        self.status_written(pod, before);
    }

    /// The kubelet reports how many of the pod's init containers are done
    /// (`Pod::display_status`: `Init:<n>/<all>`, then `PodInitializing`).
    pub fn set_init_progress(&mut self, pod: PodId, done: Option<u32>) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod_mut(pod);
        if p.status.init_progress == done {
            return;
        }
        let before = p.display_status(kubectl);
        p.status.init_progress = done;
        p.status.init_started = false;
        self.status_written(pod, before);
    }

    /// The kubelet reports the init container it is at started (its image
    /// check is over).
    pub fn set_init_started(&mut self, pod: PodId) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod_mut(pod);
        if p.status.init_started {
            return;
        }
        let before = p.display_status(kubectl);
        p.status.init_started = true;
        self.status_written(pod, before);
    }

    /// The kubelet reports the state of the pod's other regular container
    /// `index` (`spec.containers[index + 1]`); the Ready condition follows
    /// all of the containers' readiness.
    pub fn set_extra_status(&mut self, pod: PodId, index: usize, status: ExtraStatus) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod_mut(pod);
        if p.status.extras[index] == status {
            return;
        }
        let before = p.display_status(kubectl);
        p.status.extras[index] = status;
        let ready = p.status.container_ready && p.others_ready();
        let terminating = p.is_terminating();
        let (state, container) = (status.state, index as u32 + 1);
        self.record(Event::ContainerStatus { pod, container, state, ready: status.ready });
        self.world.pod_mut(pod).status.containers_written_at = self.now;
        self.status_written(pod, before);
        // A deleted pod's containers exiting leave the condition as it was
        // (the object goes in the same instant; so for the first container).
        if !terminating {
            self.set_ready_condition(pod, ready);
        }
    }

    /// The kubelet reports sidecar `position` (of `Pod::sidecars`) exited
    /// (`Error`), held by its back-off (`CrashLoopBackOff`), or running
    /// again (`None`); the Ready condition follows all of the containers'
    /// readiness, the sidecars' among them (`GenerateContainersReadyCondition`).
    pub fn set_sidecar_failure(&mut self, pod: PodId, position: usize, failure: Option<InitFailure>) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod_mut(pod);
        if p.status.sidecar_failures[position] == failure {
            return;
        }
        let before = p.display_status(kubectl);
        p.status.sidecar_failures[position] = failure;
        let ready = p.status.container_ready && p.others_ready();
        let terminating = p.is_terminating();
        let init = p.sidecars[position] as u32;
        // Running again: started once the walk over the init containers
        // has passed it (its startup probe passed, if it has one).
        let started = failure.is_none() && p.init_done(init as usize);
        let unready = p.sidecar_unready(init as usize);
        self.record(Event::SidecarStatus { pod, init, failure, started, unready });
        self.world.pod_mut(pod).status.containers_written_at = self.now;
        self.status_written(pod, before);
        if !terminating {
            self.set_ready_condition(pod, ready);
        }
    }

    /// The kubelet reports sidecar `position`'s readiness probe passed
    /// (`ready`), or its readiness reset (not ready) for a new start or
    /// sandbox: recorded when it changes, and the Ready condition follows.
    pub fn set_sidecar_ready(&mut self, pod: PodId, position: usize, ready: bool) {
        let p = self.world.pod_mut(pod);
        let init = p.sidecars[position];
        if p.status.inits[init].unready != ready {
            return;
        }
        p.status.inits[init].unready = !ready;
        let failure = p.status.sidecar_failures[position];
        let started = failure.is_none() && p.init_done(init);
        let condition = p.status.container_ready && p.others_ready();
        let terminating = p.is_terminating();
        self.record(Event::SidecarStatus { pod, init: init as u32, failure, started, unready: !ready });
        self.world.pod_mut(pod).status.containers_written_at = self.now;
        self.pod_changed(pod);
        if !terminating {
            self.set_ready_condition(pod, condition);
        }
    }

    /// After a write to the first container's state or readiness: in a pod
    /// with other regular containers, or with a sidecar whose readiness
    /// probe can hold the Ready condition False while the first container
    /// is ready, its change (from `before`) is recorded on its own, as
    /// theirs are.
    fn first_container_written(&mut self, pod: PodId, before: (ContainerState, bool)) {
        let p = self.world.pod(pod);
        let after = (p.status.container, p.status.container_ready);
        // (The kubelet's first report, every container waiting, says
        // nothing of one.)
        let first_report = before.0 == ContainerState::Unscheduled;
        let others = !p.extra_containers.is_empty() || p.has_sidecar_readiness_probe();
        if others && after != before && !first_report {
            self.record(Event::ContainerStatus { pod, container: 0, state: after.0, ready: after.1 });
            self.world.pod_mut(pod).status.containers_written_at = self.now;
        }
    }

    /// The kubelet reports the pod's phase and container state.
    pub fn set_pod_state(&mut self, pod: PodId, phase: PodPhase, container: ContainerState) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod(pod);
        if phase.is_terminal()
            && !p.is_terminal()
            && let Some(node) = p.node.or(p.assumed_node)
        {
            self.give_node_room(pod, node);
            // The scheduler's informer, which watches only pods that have
            // not finished, sees a delete.
            self.notify(Change::AssignedPodRemoved(pod));
        }
        let p = self.world.pod_mut(pod);
        let before = p.display_status(kubectl);
        let first = (p.status.container, p.status.container_ready);
        if p.status.phase != phase {
            p.history.phases.push((self.now, phase));
        }
        // The kubelet's first status acknowledges the pod.
        if p.status.container == ContainerState::Unscheduled && container != ContainerState::Unscheduled {
            p.status.start_time.get_or_insert(self.now);
        }
        p.status.phase = phase;
        p.status.container = container;
        if container == ContainerState::Running {
            // The container has started: the init containers' progress is
            // no longer the pod's status.
            p.status.init_progress = None;
            p.status.containers_started = true;
        } else {
            // Only a running container is reported ready.
            p.status.container_ready = false;
        }
        self.world.refresh_pod_brief(pod);
        self.first_container_written(pod, first);
        self.status_written(pod, before);
    }

    /// After a write to a pod's status: the STATUS column's change, if it
    /// changed from `before`, is recorded, and the pod's watchers hear.
    /// A kubelet status write carries the address of the pod's sandbox
    /// once its first sync of that sandbox is over
    /// (`Runtime::sandbox_reported_at`); a new address is recorded with the
    /// column, even if the column stays.
    fn status_written(&mut self, pod: PodId, before: StatusColumn) {
        let kubectl = self.world.kubectl();
        let now = self.now;
        // (Only the pod's kubelet writes what its sandbox is: not pod GC's
        // write for a pod on a node whose kubelet is gone.)
        let kubelet = self.world.pod(pod).node.is_some_and(|n| self.world.node(n).kubelet_connected());
        let p = self.world.pod_mut(pod);
        let ip_before = p.status.pod_ip;
        if kubelet && p.runtime.sandbox_reported_at.is_some_and(|at| at <= now) {
            p.status.pod_ip = p.runtime.sandbox_ip;
        }
        let after = p.display_status(kubectl);
        let (ip, restarts) = (p.status.pod_ip, p.restarts_column());
        if before != after || ip != ip_before {
            self.record(Event::PodStatus { pod, status: after, ip, restarts });
            self.world.pod_mut(pod).status.containers_written_at = self.now;
        }
        self.pod_changed(pod);
    }

    /// The kubelet's first sync of the pod's sandbox is over, and nothing
    /// else it reports changed: its status write carries the address.
    pub fn report_sandbox(&mut self, pod: PodId) {
        let kubectl = self.world.kubectl();
        let p = self.world.pod(pod);
        if p.status.pod_ip == p.runtime.sandbox_ip
            || p.runtime.sandbox_reported_at.is_none_or(|at| at > self.now)
        {
            return;
        }
        let before = p.display_status(kubectl);
        self.status_written(pod, before);
    }

    /// The kubelet makes the pod's sandbox, and the CNI plugin gives it an
    /// address from its node's pod CIDR. The API has it once the kubelet's
    /// first sync of the sandbox is over (`Runtime::sandbox_reported_at`).
    pub fn assign_pod_ip(&mut self, pod: PodId) -> Ipv4 {
        let node = self.world.pod(pod).node.expect("only a bound pod gets an IP");
        let n = &mut self.world.nodes[node.index()];
        // Walk the /24 from the last address handed out, skipping those in use.
        let mut host = n.next_ip;
        for _ in 0..253 {
            if !n.ips_in_use.contains(&host) {
                break;
            }
            host = if host >= 254 { 2 } else { host + 1 };
        }
        assert!(!n.ips_in_use.contains(&host), "node {} ran out of pod IPs", n.name);
        n.ips_in_use.insert(host);
        n.next_ip = if host >= 254 { 2 } else { host + 1 };
        let ip = n.pod_cidr.address(host);
        let runtime = &mut self.world.pod_mut(pod).runtime;
        runtime.sandbox_ip = Some(ip);
        runtime.sandbox_reported_at = None;
        ip
    }

    /// The pod's sandbox is gone (its machine rebooted): its address goes
    /// back to the node's range, and the next sandbox gets a new one.
    pub fn release_pod_ip(&mut self, pod: PodId) {
        let p = self.world.pod_mut(pod);
        p.status.pod_ip = None;
        p.runtime.sandbox_reported_at = None;
        let (Some(node), Some(ip)) = (p.node, p.runtime.sandbox_ip.take()) else { return };
        let host = ip.0.to_be_bytes()[3];
        self.world.nodes[node.index()].ips_in_use.remove(&host);
        self.kubelet_conditions_written(pod);
    }

    /// The kubelet reports its container ready or not (a probe's result, or
    /// a script's override), and the Ready condition follows.
    pub fn set_pod_ready(&mut self, pod: PodId, ready: bool) {
        let p = self.world.pod_mut(pod);
        let first = (p.status.container, p.status.container_ready);
        p.status.container_ready = ready;
        // The condition is all of the containers' readiness.
        let condition = ready && p.others_ready();
        self.first_container_written(pod, first);
        self.set_ready_condition(pod, condition);
    }

    /// `MarkPodsNotReady`: the node lifecycle controller sets the pod's
    /// Ready condition to False and leaves its container statuses as the
    /// kubelet last wrote them.
    pub fn mark_pod_not_ready(&mut self, pod: PodId) {
        self.set_ready_condition(pod, false);
    }

    fn set_ready_condition(&mut self, pod: PodId, ready: bool) {
        let now = self.now;
        let p = self.world.pod_mut(pod);
        if p.status.ready == ready {
            return;
        }
        p.status.ready = ready;
        p.status.ready_since = Some(now);
        self.world.refresh_pod_brief(pod);
        self.record(Event::PodReady { pod, ready });
        self.pod_changed(pod);
    }

    // ----- claims and volumes ----------------------------------------------

    pub fn create_pvc(&mut self, new: NewPvc) -> Result<PvcId, ApiError> {
        if self.world.pvc_named(&new.name).is_some() {
            return Err(ApiError::AlreadyExists(new.name));
        }
        let uid = self.world.new_uid();
        let id = PvcId(self.world.pvcs.len() as u32);
        let class = new.storage_class_name.as_deref().and_then(|name| self.world.class_named(name));
        self.world.insert_pvc(Pvc {
            id,
            uid,
            name: new.name,
            labels: new.labels,
            storage_class: class,
            storage_class_name: new.storage_class_name,
            waiting: None,
            request_bytes: new.request_bytes,
            allocated_bytes: 0,
            access_modes: new.access_modes,
            phase: PvcPhase::Pending,
            volume: None,
            owner_refs: new.owner_refs,
            owner_references: Vec::new(),
            selected_node: None,
            provisioning: false,
            provision_failures: 0,
            statefulset: new.statefulset,
            volume_name: new.volume_name,
            orphaned: None,
            created_at: self.now,
            deletion_timestamp: None,
            removed_at: None,
            finalizers: Vec::new(),
            removal_held: false,
            protection_removed: false,
        });
        self.record(Event::PvcCreated { pvc: id });
        self.notify(Change::ClaimUsageChanged(Claims::These(&[id])));
        self.notify(Change::ClaimCreated(id));
        Ok(id)
    }

    /// The PV controller's `syncUnboundClaim` on a claim no volume can be
    /// made for, with its event: a class that does not exist fails in
    /// `provisionClaim` (`findProvisionablePlugin`: Warning
    /// ProvisioningFailed with the lister's NotFound); no class at all
    /// leaves it to static binding (Normal FailedBinding), and so does
    /// `storageClassName: ""` (`GetPersistentVolumeClaimClass` reads nil and
    /// empty alike: no class, no provisioning). The claim stays
    /// Pending, and its pods unschedulable ("pod has unbound immediate
    /// PersistentVolumeClaims", since a missing class is not
    /// WaitForFirstConsumer). pkg/controller/volume/persistentvolume/pv_controller.go.
    pub fn claim_cannot_be_provisioned(&mut self, pvc: PvcId) {
        let (reason, message, warning) = match &self.world.pvc(pvc).storage_class_name {
            Some(name) if !name.is_empty() => {
                ("ProvisioningFailed", format!("storageclass.storage.k8s.io \"{name}\" not found"), true)
            }
            _ => (
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set".into(),
                false,
            ),
        };
        self.claim_waits_with(pvc, reason, message, warning);
    }

    /// A delete of a claim. While a scheduled pod uses it, the
    /// `kubernetes.io/pvc-protection` finalizer holds it (Terminating) until
    /// the last such pod is gone; a claim only unscheduled pods name goes at once.
    pub fn delete_pvc(&mut self, pvc: PvcId) {
        let claim = self.world.pvc(pvc);
        if claim.deletion_timestamp.is_some() {
            return;
        }
        if !self.world.claim_protected_by_pod(&claim.name) {
            self.remove_pvc(pvc);
        } else {
            self.world.mark_pvc_deleting(pvc, self.now);
            self.record(Event::PvcDeleting { pvc });
        }
    }

    /// The claim leaves the API server, and its volume is reclaimed as its
    /// reclaim policy says: `Delete` deletes the PV and the disk; `Retain`
    /// leaves the PV Released, still holding (and billing) the disk.
    pub fn remove_pvc(&mut self, pvc: PvcId) {
        if !self.world.pvc(pvc).finalizers.is_empty() {
            self.hold_pvc(pvc);
            return;
        }
        // An owner deleted in the foreground waits for this claim to go.
        let blocks_owner = self.world.pvc(pvc).owner_refs.iter().any(|r| match r.owner {
            Owner::StatefulSet(set) => self.world.sts(set).deletion_timestamp.is_some(),
            Owner::Pod(_) => false,
        });
        self.world.remove_pvc(pvc, self.now);
        self.record(Event::PvcRemoved { pvc });
        self.notify(Change::ClaimRemoved(pvc));
        if blocks_owner {
            self.notify(Change::OwnershipChanged(&[]));
        }
        if let Some(pv) = self.world.pvc(pvc).volume {
            self.notify(Change::VolumeReleased(pv));
        }
    }

    /// The PV controller marks a volume whose claim is gone `Released`: a
    /// `Retain` volume stays so, holding (and billing) its disk; a `Delete`
    /// one waits for its provisioner's delete.
    pub fn release_pv(&mut self, pv: PvId) {
        let now = self.now;
        let volume = &mut self.world.pvs[pv.index()];
        volume.phase = PvPhase::Released;
        volume.released_at = Some(now);
        self.record(Event::PvReleased { pv });
    }

    /// The PV controller found nothing to delete the released volume's
    /// disk: the volume is Failed (`VolumeFailedDelete`), and stays, with
    /// its disk, until someone deletes it.
    pub fn fail_pv(&mut self, pv: PvId, message: String) {
        self.world.pvs[pv.index()].phase = PvPhase::Failed;
        self.trace.push(self.now, Actor::VolumeController, Event::PvFailed { pv, message });
    }

    /// The provisioner deleted the volume's disk, and the PV object goes.
    pub fn delete_pv(&mut self, pv: PvId) {
        self.world.pvs[pv.index()].removed_at = Some(self.now);
        self.record(Event::PvDeleted { pv });
    }

    /// The provisioner's delete of the volume's disk failed (the disk is
    /// still attached); returns how many have failed.
    pub fn pv_delete_failed(&mut self, pv: PvId) -> u32 {
        let volume = &mut self.world.pvs[pv.index()];
        volume.delete_failures += 1;
        volume.delete_failures
    }

    /// The claim's orphan status changes: `Some(reason)` when no pod uses it
    /// and no StatefulSet wants it at its present size, `None` when one does
    /// again. Recorded as whoever calls: stsim's cost report.
    pub fn set_claim_orphaned(&mut self, pvc: PvcId, reason: Option<String>) {
        let now = self.now;
        let claim = self.world.pvc_mut(pvc);
        match (&claim.orphaned, reason) {
            (None, Some(reason)) => {
                claim.orphaned = Some((now, reason.clone()));
                self.record(Event::PvcOrphaned { pvc, reason });
            }
            (Some(_), None) => {
                claim.orphaned = None;
                self.record(Event::PvcInUse { pvc });
            }
            _ => {}
        }
    }

    pub fn set_pvc_owners(&mut self, pvc: PvcId, owners: Vec<OwnerRef>) {
        if self.world.pvc(pvc).owner_refs == owners {
            return;
        }
        self.world.set_pvc_owners(pvc, owners.clone());
        self.record(Event::PvcOwnersUpdated { pvc, owners });
        self.notify(Change::ClaimOwnersChanged(pvc));
    }

    /// The scheduler records its node choice on a `WaitForFirstConsumer` claim.
    pub fn select_node_for_claim(&mut self, pvc: PvcId, node: NodeId) {
        let c = self.world.pvc_mut(pvc);
        if c.selected_node == Some(node) {
            return;
        }
        c.selected_node = Some(node);
        self.record(Event::PvcSelectedNode { pvc, node });
        self.notify(Change::ClaimNodeSelected(pvc));
    }

    /// The external provisioner gives a claim back to the scheduler: it
    /// removes the `volume.kubernetes.io/selected-node` annotation and
    /// stops working on the claim until a node is chosen again.
    pub fn unselect_node_for_claim(&mut self, pvc: PvcId) {
        let c = self.world.pvc_mut(pvc);
        let Some(node) = c.selected_node.take() else { return };
        c.provisioning = false;
        self.record(Event::PvcNodeUnselected { pvc, node });
        self.notify(Change::ClaimNodeUnselected(pvc));
    }

    /// The PV controller records why a claim waits (a Warning event on it).
    pub fn claim_waits(&mut self, pvc: PvcId, reason: &'static str, message: String) {
        self.claim_waits_with(pvc, reason, message, true);
    }

    /// As `claim_waits`, the event a Warning or not: the PV controller's
    /// "no persistent volumes available for this claim and no storage
    /// class is set" is Normal (`syncUnboundClaim`).
    fn claim_waits_with(&mut self, pvc: PvcId, reason: &'static str, message: String, warning: bool) {
        self.world.pvc_mut(pvc).waiting = Some((reason, message.clone()));
        let event = Event::PvcWaiting { pvc, reason, message, warning };
        self.trace.push(self.now, Actor::VolumeController, event);
    }

    /// The external provisioner's attempt at the claim's volume failed (not
    /// an API change: its rate limiter's count, which the claim keeps
    /// here); no request is under way until the next. Returns the failures
    /// so far.
    pub fn provision_failed(&mut self, pvc: PvcId) -> u32 {
        let c = self.world.pvc_mut(pvc);
        c.provisioning = false;
        c.provision_failures += 1;
        c.provision_failures
    }

    /// A retry of the external provisioner found what its last attempt
    /// lacked: the volume is being made. Returns when it is due
    /// (`timings.provisioning` from now).
    pub fn retry_provisioning(&mut self, pvc: PvcId) -> SimTime {
        self.world.pvc_mut(pvc).provisioning = true;
        self.now + self.world.timings.provisioning
    }

    /// The external provisioner takes up the claim, unless it is at work on
    /// it or the claim has its volume. Returns when the volume is due
    /// (`timings.provisioning` from now).
    pub fn start_provisioning(&mut self, pvc: PvcId) -> Option<SimTime> {
        let c = self.world.pvc_mut(pvc);
        if c.provisioning || c.volume.is_some() {
            return None;
        }
        c.provisioning = true;
        Some(self.now + self.world.timings.provisioning)
    }

    /// The provisioner created the volume in `zones` (none, one, or a
    /// regional volume's two): a new PV, bound to the claim.
    pub fn bind_new_volume(&mut self, pvc: PvcId, zones: Vec<String>) -> PvId {
        let mut zones = zones.into_iter();
        let zone = zones.next();
        let other_zones = zones.collect();
        let uid = self.world.new_uid();
        let claim = self.world.pvc(pvc);
        let class = claim.storage_class.expect("only claims with a class are provisioned");
        let id = PvId(self.world.pvs.len() as u32);
        let class_object = self.world.class(class);
        let size_gib = claim.request_bytes.div_ceil(1 << 30);
        let iops = class_object.iops.or(class_object.iops_per_gib.map(|per| per * size_gib)).unwrap_or(0);
        let throughput_mibps = class_object.throughput_mibps.unwrap_or(0);
        let host_path =
            class_object.host_path_dir().map(|dir| format!("{dir}/{}/{}", self.world.namespace, claim.name));
        let pv = Pv {
            id,
            uid,
            iops,
            throughput_mibps,
            released_at: None,
            delete_failures: 0,
            // Dynamically provisioned volumes are named after the claim's uid.
            name: format!("pvc-{:08x}", claim.uid.0),
            capacity_bytes: crate::objects::allocated_bytes(&class_object.provisioner, claim.request_bytes),
            storage_class: Some(class),
            class_name: class_object.name.clone(),
            reserved_for: None,
            reclaim_policy: self.world.class(class).reclaim_policy,
            access_modes: claim.access_modes.clone(),
            phase: PvPhase::Bound,
            claim: Some(pvc),
            zone,
            other_zones,
            node: None,
            host_path,
            attachments: Vec::new(),
            in_use_on: Default::default(),
            resized: Vec::new(),
            origin: PvOrigin::ProvisionedByClass,
            created_at: self.now,
            removed_at: None,
        };
        self.world.pvs.push(pv);
        self.bind(pvc, id);
        id
    }

    /// The PV controller binds a claim to an existing volume that satisfies
    /// it (static provisioning, or a volume kept for the claim).
    pub fn bind_volume(&mut self, pvc: PvcId, pv: PvId) {
        self.world.available_pvs.remove(&pv);
        let volume = self.world.pv_mut(pv);
        volume.phase = PvPhase::Bound;
        volume.claim = Some(pvc);
        volume.reserved_for = None;
        self.bind(pvc, pv);
    }

    fn bind(&mut self, pvc: PvcId, id: PvId) {
        let c = self.world.pvc_mut(pvc);
        c.phase = PvcPhase::Bound;
        c.volume = Some(id);
        c.provisioning = false;
        c.provision_failures = 0;
        c.waiting = None;
        self.record(Event::PvcBound { pvc, pv: id });
        // Pods waiting on this claim: the kubelet's (to mount) and the
        // scheduler's (to bind).
        self.notify(Change::ClaimBound(pvc));
    }

    // ----- StatefulSets ------------------------------------------------------

    pub fn scale_statefulset(&mut self, sts: StsId, replicas: u32) {
        let set = self.world.sts_mut(sts);
        let from = set.spec.replicas;
        if from == replicas {
            return;
        }
        set.spec.replicas = replicas;
        set.generation += 1;
        self.record(Event::StatefulSetScaled { sts, from, to: replicas });
        self.notify(Change::StatefulSetChanged(sts));
        self.all_claims_changed();
    }

    /// Applies a change to a StatefulSet's spec, as an update through the API
    /// server. Changes to immutable fields are refused, whole, with the API
    /// server's message (`ValidateStatefulSetUpdate`); a template change bumps
    /// the generation and wakes the controller.
    pub fn update_statefulset(
        &mut self,
        sts: StsId,
        change: String,
        apply: impl FnOnce(&mut crate::config::StatefulSetSpec),
    ) -> Result<(), String> {
        let set = self.world.sts(sts);
        let mut spec = set.spec.clone();
        apply(&mut spec);
        spec.template.default_pull_policies();
        spec.drop_disabled_fields(&self.world.features, Some(&set.spec));
        if spec == set.spec {
            return Ok(());
        }
        let old = &set.spec;
        let revision_history_mutable = self.world.kubernetes.minor >= 35;
        let immutable_changed = spec.service_name != old.service_name
            || spec.selector != old.selector
            || spec.pod_management_policy != old.pod_management_policy
            || spec.volume_claim_templates != old.volume_claim_templates
            || (!revision_history_mutable && spec.revision_history_limit != old.revision_history_limit);
        if immutable_changed {
            let message = statefulset_forbidden(self.world, sts);
            self.record(Event::StatefulSetUpdateRejected { sts, message: message.clone() });
            return Err(message);
        }
        // From 1.34 the pod template is checked as a pod's spec on update
        // too, unless the stored set already fails it (the ratchet).
        let refusal =
            validation::statefulset_template_refusal(self.world.kubernetes, &set.name, &spec, Some(old));
        if let Some(message) = refusal {
            self.record(Event::StatefulSetUpdateRejected { sts, message: message.clone() });
            return Err(message);
        }
        let set = self.world.sts_mut(sts);
        let (from, to) = (set.spec.replicas, spec.replicas);
        if set.spec.template != spec.template {
            // The template as written no longer says what the set holds; an
            // operator's update sets it again (`kube::verbs`).
            set.template_object = None;
        }
        set.spec = spec;
        set.generation += 1;
        self.record(Event::StatefulSetUpdated { sts, change });
        if from != to {
            self.record(Event::StatefulSetScaled { sts, from, to });
        }
        self.notify(Change::StatefulSetChanged(sts));
        self.all_claims_changed();
        Ok(())
    }

    /// Replaces the set's template as a client wrote it (`template_object`)
    /// where the model's template stays the same (a container renamed): the
    /// spec changed all the same, so its generation moves and the change is
    /// recorded (a new `resourceVersion`), and the controller syncs to
    /// observe it.
    pub fn set_template_object(&mut self, sts: StsId, object: serde_json::Value, change: String) {
        let set = self.world.sts_mut(sts);
        if set.template_object.as_ref() == Some(&object) {
            return;
        }
        set.template_object = Some(object);
        set.generation += 1;
        self.record(Event::StatefulSetUpdated { sts, change });
        self.notify(Change::StatefulSetChanged(sts));
    }

    /// Deletes a StatefulSet. With `Background` the object goes now and the
    /// garbage collector deletes its pods and the claims it owns; with
    /// `Orphan` it stays, with its `deletionTimestamp` and the `orphan`
    /// finalizer, until the garbage collector has taken it out of its pods'
    /// and claims' owner references (they keep running, unowned) and removed
    /// the finalizer (pkg/controller/garbagecollector, `orphanDependents`):
    /// meanwhile its name is taken, and a create of it is refused; with
    /// `Foreground` it stays, with the `foregroundDeletion` finalizer, while
    /// the garbage collector deletes its dependents, and goes after the last
    /// (`processDeletingDependentsItem`).
    /// Finalizers of its own hold any delete: the set stays, its controller
    /// changing nothing but status, until they are removed. Deleting a set
    /// already being deleted changes nothing.
    pub fn delete_statefulset(&mut self, sts: StsId, cascade: Cascade) {
        let now = self.now;
        let set = self.world.sts(sts);
        assert!(set.removed_at.is_none(), "statefulset {} deleted twice", set.name);
        if set.deletion_timestamp.is_some() {
            return;
        }
        if cascade == Cascade::Background && set.finalizers.is_empty() {
            self.remove_statefulset(sts, cascade);
            return;
        }
        let set = self.world.sts_mut(sts);
        set.deletion_timestamp = Some(now);
        set.pending_cascade = Some(cascade);
        match cascade {
            Cascade::Foreground => set.finalizers.push(FOREGROUND_DELETION.to_string()),
            Cascade::Orphan => set.finalizers.push(ORPHAN_DEPENDENTS.to_string()),
            Cascade::Background => {}
        }
        let finalizers = set.finalizers.clone();
        self.record(Event::DeleteHeld { object: crate::kube::ObjRef::Sts(sts), finalizers });
        self.notify(Change::OwnershipChanged(&[Owner::StatefulSet(sts)]));
        self.notify(Change::StatefulSetChanged(sts));
    }

    /// The StatefulSet object leaves the API server.
    pub(crate) fn remove_statefulset(&mut self, sts: StsId, cascade: Cascade) {
        let now = self.now;
        let set = self.world.sts_mut(sts);
        set.removed_at = Some(now);
        self.record(Event::StatefulSetDeleted { sts, cascade });
        if cascade == Cascade::Orphan {
            self.orphan_dependents(sts);
        }
        self.notify(Change::OwnershipChanged(&[Owner::StatefulSet(sts)]));
        self.all_claims_changed();
    }

    /// The set's pods lose their owner, and its claims their reference to it.
    pub(crate) fn orphan_dependents(&mut self, sts: StsId) {
        let pods: Vec<PodId> = self.world.sts(sts).pods.values().copied().collect();
        for pod in pods {
            self.orphan_pod(pod);
        }
        let mut claims: Vec<PvcId> = self.world.claims_owned_by(Owner::StatefulSet(sts)).collect();
        claims.sort_by(|a, b| self.world.pvc(*a).name.cmp(&self.world.pvc(*b).name));
        for claim in claims {
            let owners: Vec<OwnerRef> = self
                .world
                .pvc(claim)
                .owner_refs
                .iter()
                .filter(|r| r.owner != Owner::StatefulSet(sts))
                .copied()
                .collect();
            self.set_pvc_owners(claim, owners);
        }
    }

    /// Creates a StatefulSet (the second half of a rename).
    pub fn create_statefulset(&mut self, name: &str, spec: crate::config::StatefulSetSpec) -> StsId {
        let sts = self.world.add_statefulset(name, spec);
        self.record(Event::StatefulSetCreated { sts });
        self.notify(Change::StatefulSetChanged(sts));
        self.all_claims_changed();
        sts
    }

    // ----- Services -------------------------------------------------------------

    /// Creates a Service; the DNS records of the pods it governs follow.
    pub fn create_service(&mut self, service: Service) -> Result<ServiceId, ApiError> {
        if self.world.service_named(&service.name).is_some() {
            return Err(ApiError::AlreadyExists(service.name));
        }
        let uid = self.world.new_uid();
        let id =
            self.world.insert_service(Service { uid, removed_at: None, deletion_timestamp: None, ..service });
        self.record(Event::ServiceCreated { service: id });
        self.notify(Change::ServiceChanged(id));
        Ok(id)
    }

    /// Deletes a Service: the records it published go with it. The pods are
    /// untouched; a StatefulSet never reads its Service. Finalizers hold it
    /// (still publishing) until they are removed.
    pub fn delete_service(&mut self, service: ServiceId) {
        let s = self.world.service(service);
        if s.deletion_timestamp.is_some() {
            return;
        }
        if !s.finalizers.is_empty() {
            let finalizers = s.finalizers.clone();
            self.world.service_mut(service).deletion_timestamp = Some(self.now);
            self.record(Event::DeleteHeld { object: crate::kube::ObjRef::Service(service), finalizers });
            return;
        }
        self.remove_service(service);
    }

    /// A Service's `spec.selector`, `spec.ports` or
    /// `spec.publishNotReadyAddresses` replaced (mutable, unlike its
    /// cluster IP: `ValidateServiceUpdate`). The EndpointSlice controller
    /// recomputes its endpoints from the new selector, so cluster DNS
    /// follows: pods it now selects gain their records, pods it no longer
    /// selects lose theirs, and its SRV names follow the named ports.
    pub fn update_service_spec(
        &mut self,
        service: ServiceId,
        selector: crate::config::Labels,
        ports: Vec<crate::config::ServicePort>,
        publish_not_ready_addresses: bool,
    ) {
        let s = self.world.service(service);
        let mut changes = Vec::new();
        if s.selector != selector {
            let words: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            changes.push(format!("selector [{}]", words.join(", ")));
        }
        if s.ports != ports {
            let words: Vec<String> = ports.iter().map(|p| format!("{}:{}", p.name, p.port)).collect();
            changes.push(format!("ports [{}]", words.join(", ")));
        }
        if s.publish_not_ready_addresses != publish_not_ready_addresses {
            changes.push(format!("publishNotReadyAddresses={publish_not_ready_addresses}"));
        }
        if changes.is_empty() {
            return;
        }
        if s.selector != selector {
            self.world.set_service_selector(service, selector);
        }
        let s = self.world.service_mut(service);
        s.ports = ports;
        s.publish_not_ready_addresses = publish_not_ready_addresses;
        self.record(Event::ServiceUpdated { service, change: changes.join(", ") });
        self.notify(Change::ServiceChanged(service));
    }

    /// The Service object leaves the API server.
    pub(crate) fn remove_service(&mut self, service: ServiceId) {
        self.world.remove_service(service, self.now);
        self.record(Event::ServiceDeleted { service });
        self.notify(Change::ServiceChanged(service));
    }

    /// The controller records what it waits on (not an API field; see `Waiting`).
    /// What the set's last sync waited on. A wait on something the
    /// controller does not watch (a stale claim) is recorded when it
    /// begins: nothing else in the trace would say why the set stopped.
    pub fn set_statefulset_waiting(&mut self, sts: StsId, waiting: Option<(PodId, WaitReason)>) {
        let now = self.now;
        let set = self.world.sts_mut(sts);
        let (waiting, began) = match (set.waiting, waiting) {
            (Some(old), Some((pod, reason))) if old.pod == pod && old.reason == reason => (Some(old), false),
            (_, Some((pod, reason))) => (Some(Waiting { pod, reason, since: now }), true),
            (_, None) => (None, false),
        };
        set.waiting = waiting;
        if let Some(Waiting { pod, reason: WaitReason::ClaimStale, .. }) = waiting
            && began
        {
            let ordinal = self.world.pod(pod).ordinal;
            let set = self.world.sts(sts);
            let claim = set.spec.volume_claim_templates.iter().find_map(|template| {
                let claim = self.world.pvc_named(&claim_name(&template.name, &set.name, ordinal?))?;
                self.world.pvc(claim).owner_refs.iter().any(|r| r.owner == Owner::Pod(pod)).then_some(claim)
            });
            if let Some(claim) = claim {
                self.record(Event::StatefulSetClaimStale { sts, claim, owner: pod });
            }
        }
    }

    pub fn set_statefulset_status(&mut self, sts: StsId, status: StatefulSetStatus) {
        let set = self.world.sts_mut(sts);
        if set.status == status {
            return;
        }
        self.record(Event::StatefulSetStatus { sts, status: Box::new(status.clone()) });
        self.world.set_statefulset_status(sts, status);
    }

    pub fn add_revision(&mut self, sts: StsId, revision: ControllerRevision) {
        let (name, number) = (revision.name.clone(), revision.revision);
        self.world.sts_mut(sts).revisions.push(revision);
        let index = self.world.sts(sts).revisions.len() - 1;
        self.world.sts_mut(sts).revisions[index].name_number = self.world.number_set_revision(sts, index);
        self.world.template_revision.remove(&sts);
        self.record(Event::RevisionCreated { sts, name, revision: number });
    }

    /// Rolls an older revision forward to `number` (a template revert).
    pub fn renumber_revision(&mut self, sts: StsId, index: usize, number: u64) {
        self.world.template_revision.remove(&sts);
        let set = self.world.sts_mut(sts);
        set.revisions[index].revision = number;
        let name = set.revisions[index].name.clone();
        self.record(Event::RevisionCreated { sts, name, revision: number });
    }

    pub fn delete_revisions(&mut self, sts: StsId, names: &[String]) {
        self.world.sts_mut(sts).revisions.retain(|r| !names.contains(&r.name));
        self.world.template_revision.remove(&sts);
    }

    // ----- DNS -----------------------------------------------------------------

    pub fn add_dns_record(&mut self, name: String, record: DnsRecord) {
        let ip = record.ip;
        let previous = self.world.dns.insert(name.clone(), record);
        assert!(previous.is_none(), "DNS record {name} added twice");
        self.notify(Change::DnsRecordChanged(&name));
        self.record(Event::DnsAdded { name, ip });
    }

    pub fn remove_dns_record(&mut self, name: &str) {
        let record = self.world.dns.remove(name).expect("only a present record is removed");
        self.record(Event::DnsRemoved { name: name.to_string(), ip: record.ip });
        self.notify(Change::DnsRecordChanged(name));
    }

    /// CoreDNS caches an answer it gave; NXDOMAIN is recorded in the trace,
    /// since a cached denial is what keeps a peer unresolvable after it appears.
    /// CoreDNS caches a Service name's answer, every address of it; an empty
    /// one (NXDOMAIN) is recorded in the trace like a pod name's.
    pub fn cache_dns_answers(&mut self, name: &str, answers: Vec<Ipv4>, until: SimTime) {
        let denied = answers.is_empty();
        if let Some(log) = &mut self.world.dns_answer_log {
            let words = answers.iter().map(|ip| ip.to_string()).collect();
            log.cached.push((self.now, name.to_string(), words, until));
        }
        self.world.dns_set_cache.insert(name.to_string(), (answers, until));
        if denied {
            self.record(Event::DnsNegativeCached { name: name.to_string(), until });
        }
    }

    /// CoreDNS caches an SRV name's answer, every target of it; an empty
    /// one (NXDOMAIN) is recorded in the trace like any denial.
    pub fn cache_dns_srv_answers(&mut self, name: &str, answers: Vec<String>, until: SimTime) {
        let denied = answers.is_empty();
        if let Some(log) = &mut self.world.dns_answer_log {
            log.cached.push((self.now, name.to_string(), answers.clone(), until));
        }
        self.world.dns_srv_cache.insert(name.to_string(), (answers, until));
        if denied {
            self.record(Event::DnsNegativeCached { name: name.to_string(), until });
        }
    }

    pub fn cache_dns_answer(&mut self, name: &str, answer: Option<Ipv4>, until: SimTime) {
        let entry = crate::world::CachedAnswer { answer, expires_at: until };
        if let Some(log) = &mut self.world.dns_cache_log {
            log.push((self.now, name.to_string(), entry));
        }
        // An answer that expires at once (the cache leaves the cluster
        // domain alone) is never served: it is not kept, and whatever the
        // cache holds for the name has expired too (`resolve` only asks
        // when it has). A refill of a name already cached (the common case
        // otherwise) reuses its key.
        if until <= self.now {
            return self.record_denial(name, answer, until);
        }
        match self.world.dns_cache.get_mut(name) {
            Some(cached) => *cached = entry,
            None => {
                self.world.dns_cache.insert(name.to_string(), entry);
            }
        }
        self.record_denial(name, answer, until);
    }

    /// An NXDOMAIN answer is recorded in the trace, cached or not.
    fn record_denial(&mut self, name: &str, answer: Option<Ipv4>, until: SimTime) {
        if answer.is_none() {
            self.record(Event::DnsNegativeCached { name: name.to_string(), until });
        }
    }
}
