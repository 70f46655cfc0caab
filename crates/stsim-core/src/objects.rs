//! The API objects of the modelled cluster, with Kubernetes' field names.
//!
//! Owns the shape of Nodes, Pods, PersistentVolumeClaims, PersistentVolumes,
//! Services, StatefulSets (with their ControllerRevisions) and
//! StorageClasses, and the small predicates Kubernetes defines on them
//! (`isRunningAndReady`, `isTerminating`, ...). Objects refer to each other
//! by dense ids. Does not own where objects are stored (`world`) nor how
//! they change (`api`).

use crate::config::{
    AccessMode, Affinity, Labels, PodTemplate, ReclaimPolicy, Resources, StatefulSetSpec, Taint, Toleration,
    VolumeBindingMode,
};
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A node, by index into `World::nodes`.
    NodeId
);
id_type!(
    /// A pod object, by index into `World::pods`. A re-created pod is a new object with a new id.
    PodId
);
id_type!(
    /// A claim, by index into `World::pvcs`.
    PvcId
);
id_type!(
    /// A volume, by index into `World::pvs`.
    PvId
);
id_type!(
    /// A service, by index into `World::services`.
    ServiceId
);
id_type!(
    /// A StatefulSet, by index into `World::statefulsets`.
    StsId
);
id_type!(
    /// A storage class, by index into `World::storage_classes`.
    ClassId
);

/// `metadata.uid`: unique across every object ever created in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Uid(pub u64);

/// An IPv4 address, kept as a number; printed dotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4(pub u32);

impl Ipv4 {
    /// The dotted text, written into `buf` without the formatting machinery
    /// (reports write an address on many rows).
    fn render(self, buf: &mut [u8; 15]) -> &str {
        let mut len = 0;
        for (i, octet) in self.0.to_be_bytes().into_iter().enumerate() {
            if i > 0 {
                buf[len] = b'.';
                len += 1;
            }
            if octet >= 100 {
                buf[len] = b'0' + octet / 100;
                len += 1;
            }
            if octet >= 10 {
                buf[len] = b'0' + octet / 10 % 10;
                len += 1;
            }
            buf[len] = b'0' + octet % 10;
            len += 1;
        }
        std::str::from_utf8(&buf[..len]).expect("digits and dots are ASCII")
    }

    /// Appends the dotted text to `out`, as `Display` writes it.
    pub fn push_to(self, out: &mut String) {
        out.push_str(self.render(&mut [0; 15]));
    }
}

impl fmt::Display for Ipv4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0; 15];
        let text = self.render(&mut buf);
        if f.width().is_none() {
            return f.write_str(text);
        }
        f.pad(text)
    }
}

impl Serialize for Ipv4 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Well-known label keys the StatefulSet controller sets on its pods.
pub mod labels {
    pub const POD_NAME: &str = "statefulset.kubernetes.io/pod-name";
    pub const POD_INDEX: &str = "apps.kubernetes.io/pod-index";
    pub const REVISION: &str = "controller-revision-hash";
    pub const HOSTNAME: &str = "kubernetes.io/hostname";
    pub const OS: &str = "kubernetes.io/os";
    pub const ARCH: &str = "kubernetes.io/arch";
    pub const ZONE: &str = "topology.kubernetes.io/zone";
}

/// Well-known taint keys (k/api `core/v1/well_known_taints.go`).
pub mod taints {
    pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
    pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
    pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
    pub const OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";
}

/// What the machine behind a node is doing: the real world, which the
/// control plane only sees through the kubelet's heartbeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Machine {
    /// Up and reachable: the kubelet posts status and renews its lease.
    Running,
    /// Stopped (power loss, kernel panic): containers are gone, the kubelet is silent.
    Crashed,
    /// Up but cut off from the control plane: containers keep running,
    /// the kubelet can neither report nor hear of deletions.
    Partitioned,
}

impl Machine {
    pub fn as_str(self) -> &'static str {
        match self {
            Machine::Running => "running",
            Machine::Crashed => "crashed",
            Machine::Partitioned => "partitioned",
        }
    }
}

/// A node condition's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

impl ConditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
}

/// A taint on a node and when it was added (`timeAdded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeTaint {
    pub taint: Taint,
    pub added_at: SimTime,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    pub zone: String,
    pub labels: Labels,
    pub allocatable: Resources,
    pub max_pods: u32,
    /// The node's Ready condition as the control plane sees it.
    pub ready: bool,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// Requests of the pods assigned to the node (bound or assumed by the
    /// scheduler) that have not finished: the scheduler cache's count.
    pub requested: Resources,
    /// The same pods' requests as the scoring counts them (`NodeInfo`'s
    /// `NonZeroRequested`; `Pod::scoring_requests`).
    pub scoring_requested: Resources,
    /// Number of pods assigned to the node (bound or assumed) that have not finished.
    pub pod_count: u32,
    /// Host ports of the node's bound pods that have not finished, with how
    /// many pods claim each: the scheduler cache's `UsedPorts`.
    pub used_ports: BTreeMap<crate::config::HostPort, u32>,
    /// The node's pod CIDR, a /24 of 10.0.0.0/8 (`PodCidr::of`).
    pub pod_cidr: PodCidr,
    /// Host parts of pod IPs in use on this node.
    pub ips_in_use: std::collections::BTreeSet<u8>,
    pub next_ip: u8,
    /// The node pool the node came from (index into `cluster.node_pools`).
    pub pool: usize,
    /// `spec.taints`, in the order they were added.
    pub taints: Vec<NodeTaint>,
    /// The Ready condition: `ready` is `condition == True`.
    pub condition: ConditionStatus,
    /// When the Ready condition last changed.
    pub condition_since: SimTime,
    /// What the machine is really doing, and since when.
    pub machine: Machine,
    pub machine_since: SimTime,
    /// While partitioned with others (a whole zone cut off), the island it
    /// shares with them: they still reach each other. `None`: alone.
    pub island: Option<String>,
    /// When the kubelet (re)started renewing its lease: renewals fall on
    /// this instant plus whole lease renew intervals.
    pub heartbeat_anchor: SimTime,
    /// When the lease renewals stopped, while they are stopped.
    pub silent_since: Option<SimTime>,
    /// When the present Node object was created.
    pub created_at: SimTime,
    /// When the Node object was deleted.
    pub removed_at: Option<SimTime>,
    /// The node's earlier objects, each created and deleted, oldest first:
    /// a kubelet that starts again after its Node was deleted registers a
    /// new one of the same name (`Api::register_node`).
    pub earlier: Vec<(SimTime, SimTime)>,
    /// Live pods bound to the node.
    pub pods: BTreeSet<PodId>,
    /// Pods whose objects are gone while their containers still run here
    /// (a force delete the kubelet could not hear of).
    pub orphans: BTreeSet<PodId>,
    /// Volumes attached (or attaching, or detaching) to the node.
    pub attached: BTreeSet<PvId>,
    /// Volumes its kubelet has unmounted that the Node's `volumesInUse`
    /// still lists: its next node status sync removes them.
    pub unmounts_unreported: Vec<PvId>,
    /// Its kubelet's graceful node shutdown settings (from its pool).
    pub shutdown: crate::config::ShutdownGrace,
    /// While the kubelet shuts the node down gracefully: when it began
    /// (cleared when the machine runs again).
    pub shutting_down: Option<SimTime>,
    /// When the kubelet began stopping the critical pods, after the
    /// regular ones (cleared with `shutting_down`).
    pub critical_shutdown: Option<SimTime>,
    /// Volumes of each CSI driver the node can attach (its CSINode's
    /// `allocatable.count`, from its pool), by driver; empty: no limit.
    pub volume_attach_limits: Vec<(String, u32)>,
    /// With attach limits: the pods the scheduler counts on the node
    /// (assigned, bound or assumed, and not finished; `pod_count`'s pods),
    /// whose volumes NodeVolumeLimits counts. Kept only for such nodes.
    pub volume_pods: BTreeSet<PodId>,
    /// The images pulled to the node's disk (the container runtime's image
    /// store; its pool's preloaded ones are `World::preloaded_images`), by
    /// normalized reference (`config::normalized_image`), each with when it
    /// is there: a pull still running has the time it will finish. Kept
    /// across a reboot; a pull the crash cut short is lost. Image garbage
    /// collection is not modelled. Read through `World::image_on_node`.
    pub images: BTreeMap<String, SimTime>,
    /// When the kubelet's image puller is free: it takes one pull at a
    /// time (`serializeImagePulls`, true by default), in the order asked.
    pub puller_free_at: SimTime,
}

impl Node {
    pub fn exists(&self) -> bool {
        self.removed_at.is_none()
    }
    /// Whether a Node object of this name existed at `at`.
    pub fn existed_at(&self, at: SimTime) -> bool {
        let present = self.created_at <= at && self.removed_at.is_none_or(|gone| at < gone);
        present || self.earlier.iter().any(|(made, gone)| *made <= at && at < *gone)
    }
    /// When the node's first object was created.
    pub fn first_created_at(&self) -> SimTime {
        self.earlier.first().map_or(self.created_at, |(made, _)| *made)
    }
    pub fn has_taint(&self, key: &str) -> bool {
        self.taints.iter().any(|t| t.taint.key == key)
    }
    /// The kubelet can act: the machine runs and reaches the API server.
    pub fn kubelet_connected(&self) -> bool {
        self.machine == Machine::Running
    }
    /// `kubectl get nodes` STATUS.
    pub fn display_status(&self) -> String {
        let mut status = match self.condition {
            ConditionStatus::True => "Ready".to_string(),
            _ => "NotReady".to_string(),
        };
        if self.unschedulable {
            status.push_str(",SchedulingDisabled");
        }
        status
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl PodPhase {
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Failed | PodPhase::Succeeded)
    }
}

/// What the single application container is doing, as the kubelet reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContainerState {
    /// No node yet.
    Unscheduled,
    /// On a node, waiting for volumes, the sandbox or the image.
    ContainerCreating,
    /// The last pull failed.
    ErrImagePull,
    /// The policy is `Never` and the node does not have the image.
    ErrImageNeverPull,
    /// The kubelet cannot read the image's reference (`image_ref`): it is
    /// never pulled, and the container waits until its image changes.
    InvalidImageName,
    /// Waiting out the back-off before the next pull.
    ImagePullBackOff,
    Running,
    /// The container exited a moment ago, with `exit_code`, and the kubelet
    /// restarts it (at once, or after its back-off): it crashed
    /// (`CRASH_EXIT_CODE`), or the kubelet killed it for a failed probe
    /// (its image's code on SIGTERM, or 137). Its reason is the runtime's,
    /// as for `Terminated`: `Error`, or `Completed` for 0 (a liveness kill
    /// the application exits cleanly from).
    Exited {
        exit_code: u8,
    },
    /// Waiting out the back-off before the next restart.
    CrashLoopBackOff,
    /// The container exited after the kubelet stopped it (SIGTERM, or
    /// SIGKILL at the end of the grace period: 137), with `exit_code`. Its
    /// terminated reason is `Completed` for 0 and `Error` for any other
    /// code, as the runtime reports it (containerd's CRI status:
    /// `completeExitReason`, `errorExitReason`).
    Terminated {
        exit_code: u8,
    },
    /// The pod was stopped before this container ran again (it waited to
    /// be created, for its image or in a back-off): the kubelet's last
    /// status gives it the terminated reason `ContainerStatusUnknown`, exit
    /// code 137, since it cannot know how it ended (the status manager's
    /// `TerminatePod`).
    StatusUnknown,
}

impl ContainerState {
    /// Held by a back-off (a restart's or a pull's), until the pod
    /// worker's sync after its end (`kubelet::pod_worker`).
    pub fn backing_off(self) -> bool {
        matches!(self, ContainerState::CrashLoopBackOff | ContainerState::ImagePullBackOff)
    }

    /// The runtime's terminated reason for a container that exited with
    /// `exit_code` (containerd's CRI status: `Completed` for 0, else
    /// `Error`).
    pub fn exit_reason(exit_code: u8) -> &'static str {
        if exit_code == 0 { "Completed" } else { "Error" }
    }

    /// The state's name, as the trace writes it (an exited container's
    /// reason).
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Unscheduled => "Unscheduled",
            ContainerState::ContainerCreating => "ContainerCreating",
            ContainerState::ErrImagePull => "ErrImagePull",
            ContainerState::ErrImageNeverPull => "ErrImageNeverPull",
            ContainerState::InvalidImageName => "InvalidImageName",
            ContainerState::ImagePullBackOff => "ImagePullBackOff",
            ContainerState::Running => "Running",
            ContainerState::Exited { exit_code } => ContainerState::exit_reason(exit_code),
            ContainerState::CrashLoopBackOff => "CrashLoopBackOff",
            ContainerState::Terminated { .. } => "Terminated",
            ContainerState::StatusUnknown => "ContainerStatusUnknown",
        }
    }
}

/// The exit code of a container killed with SIGKILL (128 + 9): at the end
/// of a kill's grace period.
pub const SIGKILL_EXIT_CODE: u8 = 137;

/// The `DisruptionTarget` condition (from 1.26, `PodDisruptionConditions`):
/// written, True, by whoever is about to delete or stop the pod for a
/// disruption rather than a failure of its own, so that its controller
/// and operators can tell the two apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disruption {
    /// `DeletionByTaintManager`, `EvictionByEvictionAPI`,
    /// `DeletionByPodGC` or [`Disruption::BY_KUBELET`].
    pub reason: &'static str,
    pub message: String,
    /// Its `lastTransitionTime`.
    pub since: SimTime,
}

impl Disruption {
    /// The kubelet's own reason, for a pod it stops for its node's shutdown:
    /// it writes the condition in the same status as the pod's end.
    pub const BY_KUBELET: &'static str = "TerminationByKubelet";
}

/// How one run of a container ended, as the kubelet serves it in the next
/// run's `lastState.terminated`: its exit code, and the runtime's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastExit {
    pub exit_code: u8,
    /// The runtime found no task behind the container when it started
    /// again (a machine's reboot): containerd's CRI reports it exited with
    /// 255, reason `Unknown`.
    pub unknown: bool,
}

impl LastExit {
    /// A container's own exit.
    pub const fn exited(exit_code: u8) -> LastExit {
        LastExit { exit_code, unknown: false }
    }

    /// A container lost with its machine (exit 255, reason `Unknown`).
    pub const LOST: LastExit = LastExit { exit_code: 255, unknown: true };

    pub fn reason(self) -> &'static str {
        if self.unknown { "Unknown" } else { ContainerState::exit_reason(self.exit_code) }
    }
}

/// What the kubelet reports of one init container (a sidecar too) beyond
/// where the pod's init containers are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitContainerStatus {
    /// Its `restartCount`: how often it was started again after it exited
    /// (a crash; a sidecar's too).
    pub restarts: u32,
    /// How its latest runs ended: a crash, a sidecar's stop at the pod's
    /// end, a run cut short by its machine, a completion in a sandbox
    /// since gone. A completion in the current sandbox is its state, not
    /// kept here.
    pub exits: LastExits,
    /// A sidecar with a readiness probe whose probe has not passed since
    /// it last started (or since the pod was created, or its new sandbox):
    /// not ready, nor is the pod. Always false for a sidecar without one,
    /// which is ready while it runs.
    pub unready: bool,
}

/// How a container's latest two runs ended, the latest first: what its
/// `lastState` serves (`LastExits::last_state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastExits([Option<LastExit>; 2]);

impl LastExits {
    /// A run ended.
    pub fn record(&mut self, exit: LastExit) {
        self.0 = [Some(exit), self.0[0]];
    }

    /// The `lastState.terminated` of the container in `state`: the run
    /// before the one that has just exited, while `state` is that exit
    /// (`Exited`), else the latest run's end.
    pub fn last_state(&self, state: ContainerState) -> Option<LastExit> {
        match state {
            ContainerState::Exited { .. } => self.0[1],
            _ => self.0[0],
        }
    }

    /// The latest run's end, if one has ended.
    pub fn latest(&self) -> Option<LastExit> {
        self.0[0]
    }

    /// The run before the latest's.
    pub fn before_latest(&self) -> Option<LastExit> {
        self.0[1]
    }
}

/// The image manager's message for a container waiting with `reason`
/// (a `ContainerState` or `InitFailure` name), where the words are its own
/// and known: `ErrImageNeverPull` and `InvalidImageName`
/// (pkg/kubelet/images/image_manager.go; the parser's words are
/// `image_ref`'s). One source for the waiting state served to clients and
/// the kubelet's events.
pub fn image_manager_message(reason: &str, image: &str, release: crate::features::Version) -> Option<String> {
    match reason {
        "ErrImageNeverPull" => {
            Some(format!("Container image \"{image}\" is not present with pull policy of Never"))
        }
        "InvalidImageName" => crate::image_ref::invalid_image_message(image, release),
        _ => None,
    }
}

/// The kubelet's image check for one container start (`EnsureImageExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pull {
    /// When the image is there to start from, or the pull has failed.
    pub done: SimTime,
    /// The registry is asked (the policy pulls): an image it refuses fails.
    pub asks_registry: bool,
}

/// Who owns an object (`metadata.ownerReferences`, controller refs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Owner {
    StatefulSet(StsId),
    Pod(PodId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OwnerRef {
    pub owner: Owner,
    pub uid: Uid,
}

/// The probe whose failures make the kubelet kill a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailedProbe {
    Liveness,
    Startup,
}

impl FailedProbe {
    /// `liveness` or `startup`, as kubectl's words for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailedProbe::Liveness => "liveness",
            FailedProbe::Startup => "startup",
        }
    }
}

/// The real container process on a node: what the kubelet knows and the
/// API may not yet. Kept apart from `PodStatus`, which is what was reported.
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    /// The address the CNI plugin gave the pod's current sandbox, from the
    /// sandbox's creation on; what the pod's processes answer on. The API
    /// has it (`PodStatus::pod_ip`) from `sandbox_reported_at`.
    pub sandbox_ip: Option<Ipv4>,
    /// When the kubelet's first sync of the current sandbox ends, so that
    /// its status writes carry the sandbox's address (and
    /// `PodReadyToStartContainers`) from then on. The pod worker makes the
    /// sandbox and starts the first container in one `SyncPod`, its image
    /// pull included (pkg/kubelet/kuberuntime `SyncPod`, `startContainer`,
    /// `EnsureImageExists`); the status it writes is generated at the start
    /// of a sync (`generateAPIPodStatus`), so the address is first written
    /// by the sync after that one: once the first container (the first
    /// init container, if any) has been checked and started, or its check
    /// failed. (The next sync follows within a PLEG relist; not modelled.)
    pub sandbox_reported_at: Option<SimTime>,
    /// When the init container the kubelet is at starts: its image check
    /// is over (the kubelet's status says so from then on,
    /// `PodStatus::init_started`).
    pub init_starts_at: Option<SimTime>,
    /// When the image pull began (after the sandbox came up and the init
    /// containers ran; set ahead while they run).
    pub pull_started_at: Option<SimTime>,
    /// When that pull is over (at once when the node has the image and
    /// the policy does not pull), and whether it asks the registry.
    pub pull: Option<Pull>,
    /// When the container started running.
    pub started_at: Option<SimTime>,
    /// How many times the container has started in the pod's life: tells a
    /// new container from the one before it when the kubelet starts it
    /// again in the instant it exited.
    pub starts: u32,
    /// When the application starts answering its readiness probe.
    pub app_ready_at: Option<SimTime>,
    /// A scripted override of the probe's result (`SetReady`), if any.
    pub probe_override: Option<bool>,
    /// Since when a scripted override (`SetLive(live: false)`) has made the
    /// liveness probe fail, if it does.
    pub liveness_failing_since: Option<SimTime>,
    /// The time from which the probe has given its current result.
    pub probe_result_since: Option<SimTime>,
    /// Failed pulls in a row, for the image pull back-off.
    pub pull_failures: u32,
    /// When the current pull back-off ends, or when the pod worker's sync
    /// finds the current restart back-off over (`pod_worker`).
    pub backoff_until: Option<SimTime>,
    /// The kubelet's restart back-off for the first container.
    pub crash_backoff: CrashBackOff,
    /// The same for each init container (a sidecar too), by index: no
    /// entry until it has exited with an error.
    pub init_backoff: Box<[CrashBackOff]>,
    /// The kubelet's work on each sidecar once it has started, by position
    /// in `Pod::sidecars`.
    pub sidecars: Box<[SidecarRuntime]>,
    /// When the kubelet's kill of an orphaned container (its pod object
    /// gone) completes.
    pub killed_by: Option<SimTime>,
    /// When the kubelet's kill of the container for a new image (its pod's
    /// `spec.containers[0].image` updated in place) completes: the old
    /// container had SIGTERM and exits within the grace period, then the
    /// new image is pulled and started in the same sandbox. With how the
    /// old container ends, if it ran.
    pub image_change_due: Option<(SimTime, Option<LastExit>)>,
    /// The kubelet is killing the container for a failed probe: when it
    /// exits (its preStop hook and shutdown done), and which probe.
    pub probe_kill: Option<(SimTime, FailedProbe)>,
    /// The container process is running on its machine, whatever the API
    /// server believes. The model-world invariant (one running copy per
    /// StatefulSet identity) is checked on this.
    /// Whether the kubelet has failed to make the pod's sandbox because
    /// its config cannot be generated (`kubelet::sandbox_hostname`): a
    /// fault of the pod's spec, so every later sync fails the same way
    /// (the trace's `PodSandboxFailed` says when).
    pub sandbox_refused: bool,
    pub running: bool,
    /// When the kubelet learned of the deletion and sent SIGTERM.
    pub term_started_at: Option<SimTime>,
    /// The kubelet's admission refused the pod (reason, message), and when
    /// the status manager's write of `Failed` reaches the API server.
    pub rejected: Option<(&'static str, String, SimTime)>,
    /// A failing init container: its index, and when its next change is due
    /// (its exit, its failed pull, the end of a back-off).
    pub init_due: Option<(usize, SimTime)>,
    /// That init container's policy is `Never` and the node did not have
    /// its image when it was due (`Init:ErrImageNeverPull`).
    pub init_held: bool,
    /// The next init container to take up, and when: the one before it is
    /// done then.
    pub init_next: Option<(usize, SimTime)>,
    /// The kubelet's work on the other regular containers, by index.
    pub extras: Box<[ExtraRuntime]>,
    /// The first container's image check in this sandbox is over, so the
    /// other regular containers' turn has come (the kubelet starts them in
    /// order in the same sync).
    pub extras_launched: bool,
}

/// The kubelet's restart back-off for one container: the entry client-go's
/// `flowcontrol.Backoff` keeps under the container's key (the runtime
/// manager's `doBackOff`; the key names the pod, the container and the hash
/// of its spec, so a changed image starts afresh), which lives in the
/// kubelet's memory. The default is no entry. How the kubelet moves it is
/// `controllers::kubelet::backoff`'s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrashBackOff {
    /// The current window; zero for no entry.
    pub window: SimDuration,
    /// When the kubelet last moved the window (`lastUpdate`).
    pub updated_at: SimTime,
}

/// The kubelet's work on one sidecar (an init container with
/// `restartPolicy: Always`) after its first start in the sandbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SidecarRuntime {
    /// When its next change is due: its exit (an image that crashes), its
    /// startup probe's kill and the exit that ends it, the look after an
    /// exit, the sync that finds its back-off over.
    pub due: Option<SimTime>,
    /// When its restart back-off lets it start again, after an exit.
    pub backoff_until: Option<SimTime>,
    /// Its startup probe fails in this run: the kill, once begun (and
    /// recorded), ends with this exit.
    pub probe_kill: Option<ProbeKill>,
    /// The kubelet's walk over the init containers waits for its startup
    /// probe to pass: the next init container starts only then.
    pub holds_init: bool,
    /// When its last run in this sandbox ended: the exit a probe's kill
    /// judges its back-off by (`backoff::killed`).
    pub exited_at: Option<SimTime>,
    /// When its readiness probe's result next turns in this run, and to
    /// what (`true`: ready), if it has one that will: the kubelet then
    /// reports it.
    pub readiness_flip: Option<(SimTime, bool)>,
    /// When this run started, and when its startup probe passed (at once
    /// without one; `None` while it has not): what its readiness probe's
    /// ticks and its hold are counted from.
    pub run_started: Option<SimTime>,
    pub startup_passed: Option<SimTime>,
    /// A script's override of its readiness probe's result (`SetReady`
    /// with `container`) and since when that result has held: kept from
    /// run to run, as the first container's is.
    pub probe_override: Option<(bool, SimTime)>,
    /// Since when a script has made its liveness probe fail (`SetLive`
    /// with `container`), if it has: kept from run to run.
    pub liveness_failing_since: Option<SimTime>,
}

/// A sidecar's kill for its failed startup probe, which begins at the
/// probe's last failing tick (the sidecar's `due` until it has begun): when
/// the sidecar is gone, and its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeKill {
    /// The probe that failed: startup or liveness.
    pub probe: FailedProbe,
    pub exits: SimTime,
    pub exit_code: u8,
    /// The kill has begun (and is in the trace).
    pub begun: bool,
}

/// The kubelet's work on one of the pod's other regular containers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtraRuntime {
    /// When its next step is due: the image check once the container
    /// before it is taken care of, the end of a pull or a back-off, an exit.
    pub due: Option<SimTime>,
    /// The image check under way, if any.
    pub pull: Option<Pull>,
    /// When it last started, while it runs.
    pub started_at: Option<SimTime>,
    /// Failed pulls in a row, and when the current pull back-off ends (or
    /// the sync that finds its restart back-off over).
    pub pull_failures: u32,
    pub backoff_until: Option<SimTime>,
    /// Its `restartCount`: how often it was started again after it exited.
    pub restarts: u32,
    /// How its latest runs ended (its `lastState`).
    pub exits: LastExits,
    /// Its restart back-off.
    pub crash_backoff: CrashBackOff,
    /// It has started at least once, in this sandbox or an earlier one (the
    /// kubelet's phase: a pod with a container never started is `Pending`).
    pub ever_started: bool,
    /// Its `Never` policy found no image on the node: it waits for a pull
    /// of it to end.
    pub held: bool,
}

/// Why a pod waits, kept for the report's explanations (not API fields).
#[derive(Debug, Clone, Default)]
pub struct Waits {
    /// Since when the scheduler has found no node for the pod.
    pub unschedulable_since: Option<SimTime>,
    /// The attach-detach controller's `FailedAttachVolume` message, and when it was given.
    pub attach_error: Option<(String, SimTime)>,
    /// Who deleted the pod, in words (`the taint manager ...`, `kubectl drain`).
    pub deleted_by: Option<String>,
    /// A taint eviction the taint manager has scheduled: since when, when
    /// it is due, and why it waits.
    pub taint_eviction: Option<(SimTime, SimTime, String)>,
}

/// What a pod went through that the trace does not spell out, kept so that
/// expectations can ask about any time after the run (not API fields).
#[derive(Debug, Clone, Default)]
pub struct PodHistory {
    /// Each `status.phase` the pod entered after Pending, with when.
    pub phases: Vec<(SimTime, PodPhase)>,
    /// Its controller (owner reference) from creation on, with when it changed.
    pub owners: Vec<(SimTime, Option<StsId>)>,
    /// Each image check the kubelet made for one of its containers, in the
    /// order asked (for the kubelet's `Pulling`/`Pulled` events).
    pub image_checks: Vec<ImageCheck>,
    /// When the scheduler failed to place it again with the message it
    /// already had (the trace records a change of message only): each
    /// attempt records a `FailedScheduling` event.
    pub scheduling_retries: Vec<SimTime>,
    /// Each time one of its containers was held by its restart back-off
    /// (`CrashLoopBackOff`), in order (for the kubelet's `BackOff` events).
    pub restart_waits: Vec<RestartWait>,
}

/// A container held by its restart back-off: from the failed sync that
/// began the wait until the back-off's end. The pod worker's retries after
/// `from` (`kubelet::pod_worker`) start it at the first at or after `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartWait {
    pub container: ContainerRef,
    pub from: SimTime,
    pub until: SimTime,
}

impl ImageCheck {
    /// When the container this check was for started from its image: once
    /// the image is there (`done`), unless the registry refused it, the
    /// machine's crash cut the pull short, or `pod` was being deleted by
    /// then (the kubelet then only stops what runs).
    pub fn start(&self, pod: &Pod) -> Option<SimTime> {
        let stopped = pod.deletion_timestamp.or(pod.removed_at);
        let started = !self.refused && !self.cut && stopped.is_none_or(|at| self.done < at);
        started.then_some(self.done)
    }
}

/// A container of a pod: `spec.initContainers[i]` or `spec.containers[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerRef {
    Init(u32),
    Regular(u32),
}

/// One image check of the kubelet's image manager (`EnsureImageExists`)
/// for a container start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageCheck {
    pub container: ContainerRef,
    /// The image, as the container named it then.
    pub image: String,
    /// When the check was asked for (the `Pulling` event's time).
    pub asked: SimTime,
    /// When the pull began, after waiting for the node's puller (or the
    /// look at the node's copy).
    pub started: SimTime,
    /// When the image was there to start from, or the pull failed.
    pub done: SimTime,
    /// The registry was asked (the policy pulls); otherwise the node's copy
    /// was used (`already present on machine`).
    pub pulled: bool,
    /// The registry refused the image (`ErrImagePull`).
    pub refused: bool,
    /// The machine crashed before `done`: the pull never finished.
    pub cut: bool,
}

impl PodHistory {
    /// The phase at `at` (Pending before any change).
    pub fn phase_at(&self, at: SimTime) -> PodPhase {
        self.phases.iter().rev().find(|(t, _)| *t <= at).map_or(PodPhase::Pending, |(_, p)| *p)
    }
    /// Its controlling StatefulSet at `at`.
    pub fn owner_at(&self, at: SimTime) -> Option<StsId> {
        self.owners.iter().rev().find(|(t, _)| *t <= at).and_then(|(_, o)| *o)
    }
}

#[derive(Debug, Clone)]
pub struct PodStatus {
    pub phase: PodPhase,
    pub container: ContainerState,
    /// The Ready condition.
    pub ready: bool,
    /// The container's `ready` as the kubelet last reported it: kubectl's
    /// READY column counts a running container so reported. The node
    /// lifecycle controller's `MarkPodsNotReady` writes only the Ready
    /// condition, so a pod on a node that stopped answering still shows
    /// `1/1` (`Running`, then `Terminating`).
    pub container_ready: bool,
    /// `lastTransitionTime` of the Ready condition.
    pub ready_since: Option<SimTime>,
    pub pod_ip: Option<Ipv4>,
    /// Restarts of the regular containers (the first's and the others'),
    /// a new sandbox's included; the init containers' are their own
    /// (`inits`).
    pub restarts: u32,
    /// How the first container's latest runs ended (its `lastState`).
    pub exits: LastExits,
    /// Each init container's restarts and ends, by index (sidecars too).
    pub inits: Box<[InitContainerStatus]>,
    /// When a regular container or a sidecar last terminated (the latest
    /// `lastState.terminated.finishedAt` among them), and when an init
    /// container did (sidecars included): what kubectl's RESTARTS column
    /// counts its `(5m ago)` from (`Pod::last_restart_column`).
    pub finished_at: Option<SimTime>,
    pub init_finished_at: Option<SimTime>,
    /// When a write last changed what the status says of the pod's
    /// containers (its STATUS column or address, or one container's state
    /// or readiness, each recorded in the trace): the kubelet's pod worker
    /// counts its retries from its last such sync (`kubelet::pod_worker`).
    pub containers_written_at: SimTime,
    /// The kubelet's `PodReadyToStartContainers`, `Initialized` and
    /// `ContainersReady` conditions as last written (`Pod::kubelet_conditions`),
    /// each with its `lastTransitionTime`; `None` before its first status.
    pub kubelet_conditions: Option<[(bool, SimTime); 3]>,
    /// `status.startTime`: when the kubelet first acknowledged the pod (its
    /// first status), kept through restarts and new sandboxes.
    pub start_time: Option<SimTime>,
    /// A regular container has started in the pod (in any sandbox): the
    /// kubelet's `Initialized` condition stays True from then on, while a
    /// new sandbox runs the init containers again
    /// (`HasAnyRegularContainerStarted`, pkg/kubelet/status/generate.go).
    pub containers_started: bool,
    /// The scheduler's last `Unschedulable` message, while the pod waits for a node.
    pub unschedulable: Option<String>,
    /// That failure's reason on the `PodScheduled` condition:
    /// `Unschedulable` when the nodes rejected the pod, `SchedulerError`
    /// when the scheduler failed on its own (`handleSchedulingFailure`: a
    /// status that is not a rejection, such as no nodes at all).
    pub unschedulable_reason: &'static str,
    /// When the `PodScheduled` condition took its status: the first
    /// failed attempt (False; a later failure with another message keeps
    /// it, as `UpdatePodCondition` keeps a transition time while the
    /// status is unchanged), then the binding (True).
    pub pod_scheduled_since: Option<SimTime>,
    /// `status.reason` and `status.message` of a pod the kubelet failed
    /// itself: rejected at admission (`OutOfcpu`, `NodePorts`, ...; `Pod was
    /// rejected: ...`) or stopped for a node shutdown (`Terminated`).
    /// Boxed: rare, and a pod stays in its size class.
    pub rejected: Option<Box<(&'static str, String)>>,
    /// Its `DisruptionTarget` condition, if a controller, the eviction API
    /// or the kubelet set one before it deleted or stopped the pod.
    pub disruption: Option<Box<Disruption>>,
    /// The state of an init container that fails (kubectl's `Init:` status),
    /// while the app container waits uncreated.
    pub init_failure: Option<InitFailure>,
    /// How many of the init containers are done (a sidecar once started),
    /// as the kubelet last reported, from the sandbox's start until the
    /// container starts; `None` for a pod without init containers and once
    /// the container has started. While the container waits to be created,
    /// kubectl shows `Init:<n>/<all>`, then `PodInitializing` once all are.
    pub init_progress: Option<u32>,
    /// The init container the kubelet is at (`init_progress`) has started,
    /// as its status written after that container's image check says
    /// (before, it is waiting: `PodInitializing`).
    pub init_started: bool,
    /// The other regular containers' states as the kubelet last reported
    /// them (`spec.containers[i + 1]`): waiting `ContainerCreating` until
    /// each is started.
    pub extras: Box<[ExtraStatus]>,
    /// Each sidecar that has exited since it started (by position in
    /// `Pod::sidecars`): `Error` a moment after, `CrashLoopBackOff` while
    /// its back-off holds it; `None` for one running (once started) or not
    /// started yet, as `init_progress` says.
    pub sidecar_failures: Box<[Option<InitFailure>]>,
}

/// What one of the pod's other regular containers is doing, as the kubelet
/// reports it: a `ContainerState` other than `Unscheduled`, and whether it
/// is ready (once running: their probes are not modelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraStatus {
    pub state: ContainerState,
    pub ready: bool,
}

impl ExtraStatus {
    pub const WAITING: ExtraStatus = ExtraStatus { state: ContainerState::ContainerCreating, ready: false };
}

/// How `kubectl get pods` prints a pod where that changed between
/// releases: the kubectl of the cluster's release (`World::kubectl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kubectl {
    /// A pod with a deletion timestamp that has finished (Failed or
    /// Succeeded) shows its finished status, not `Terminating`: from 1.31
    /// (`printPod`'s `!IsPodPhaseTerminal`, k/k PR #122038; before it, any
    /// pod with a deletion timestamp was `Terminating`).
    pub finished_shown_while_terminating: bool,
}

impl Kubectl {
    /// The first release whose kubectl shows a finished pod with a
    /// deletion timestamp by its finished status.
    pub const FINISHED_SHOWN_WHILE_TERMINATING: crate::features::Version =
        crate::features::Version::new(31, 0);

    /// The kubectl of `release`.
    pub fn of(release: crate::features::Version) -> Kubectl {
        Kubectl { finished_shown_while_terminating: release >= Kubectl::FINISHED_SHOWN_WHILE_TERMINATING }
    }

    /// Whether a pod with a deletion timestamp shows `Terminating`, by
    /// whether it had `finished` (its phase Failed or Succeeded).
    pub fn shows_terminating(self, finished: bool) -> bool {
        !(self.finished_shown_while_terminating && finished)
    }
}

/// The STATUS column of `kubectl get pods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusColumn {
    /// A reason or phase: `Running`, `ContainerCreating`, `Init:Error`, ...
    Reason(&'static str),
    /// `Init:<done>/<of>`: the init containers before `done` are done (a
    /// sidecar once started), of `of` in all.
    Init { done: u32, of: u32 },
}

impl StatusColumn {
    /// The word, when it is one (not `Init:<done>/<of>`).
    pub fn reason(self) -> Option<&'static str> {
        match self {
            StatusColumn::Reason(reason) => Some(reason),
            StatusColumn::Init { .. } => None,
        }
    }

    /// Appends the column's text.
    pub fn push_to(self, out: &mut String) {
        match self {
            StatusColumn::Reason(reason) => out.push_str(reason),
            StatusColumn::Init { done, of } => {
                out.push_str("Init:");
                push_decimal(out, u64::from(done));
                out.push('/');
                push_decimal(out, u64::from(of));
            }
        }
    }
}

impl PartialEq<&str> for StatusColumn {
    fn eq(&self, other: &&str) -> bool {
        match self {
            StatusColumn::Reason(reason) => reason == other,
            StatusColumn::Init { .. } => {
                let mut text = String::new();
                self.push_to(&mut text);
                text == *other
            }
        }
    }
}

/// As its text, as kubectl prints it.
impl Serialize for StatusColumn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StatusColumn::Reason(reason) => serializer.serialize_str(reason),
            StatusColumn::Init { .. } => serializer.collect_str(self),
        }
    }
}

impl std::fmt::Display for StatusColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusColumn::Reason(reason) => f.write_str(reason),
            StatusColumn::Init { done, of } => write!(f, "Init:{done}/{of}"),
        }
    }
}

/// A failing init container, as the kubelet reports it: the pod stays
/// Pending and its app container is never created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InitFailure {
    /// It exited with an error a moment ago (`Init:Error`).
    Error,
    /// Waiting out the restart back-off, or running again after it
    /// (`Init:CrashLoopBackOff`).
    CrashLoopBackOff,
    /// Its image's last pull failed (`Init:ErrImagePull`).
    ErrImagePull,
    /// Waiting out the pull back-off, or pulling again (`Init:ImagePullBackOff`).
    ImagePullBackOff,
    /// Its policy is `Never` and the node does not have its image
    /// (`Init:ErrImageNeverPull`).
    ErrImageNeverPull,
    /// The kubelet cannot read its image's reference (`Init:InvalidImageName`).
    InvalidImageName,
}

impl InitFailure {
    /// kubectl's STATUS for it: `Init:` and the reason.
    pub fn status(self) -> &'static str {
        match self {
            InitFailure::Error => "Init:Error",
            InitFailure::CrashLoopBackOff => "Init:CrashLoopBackOff",
            InitFailure::ErrImagePull => "Init:ErrImagePull",
            InitFailure::ImagePullBackOff => "Init:ImagePullBackOff",
            InitFailure::ErrImageNeverPull => "Init:ErrImageNeverPull",
            InitFailure::InvalidImageName => "Init:InvalidImageName",
        }
    }

    /// The reason the kubelet reports in the init container's state (kubectl
    /// shows it after `Init:`).
    pub fn as_str(self) -> &'static str {
        match self {
            InitFailure::Error => "Error",
            InitFailure::CrashLoopBackOff => "CrashLoopBackOff",
            InitFailure::ErrImagePull => "ErrImagePull",
            InitFailure::ImagePullBackOff => "ImagePullBackOff",
            InitFailure::ErrImageNeverPull => "ErrImageNeverPull",
            InitFailure::InvalidImageName => "InvalidImageName",
        }
    }
}

/// The node numbered `n`'s `InternalIP`: an address of a /16 subnet
/// (172.31.0.0/16, AWS's default VPC), from 172.31.0.10 on, apart from
/// every pod CIDR (10.0.0.0/8). Past 65,526 nodes they would repeat.
pub fn node_address(n: u32) -> Ipv4 {
    Ipv4(u32::from_be_bytes([172, 31, 0, 0]) + 10 + n % 65_526)
}

/// A node's pod CIDR: the `n`-th /24 of the cluster CIDR, 10.0.0.0/8 from
/// 10.244.0.0 on, so the first 256 nodes get `10.244.<n>.0/24` (kubeadm's
/// and flannel's 10.244.0.0/16) and larger clusters go on to 10.245.0.0
/// and beyond, as a cluster CIDR sized for them does. Node IPAM hands each
/// node its own range: past 65,536 nodes (far beyond Kubernetes' 5,000) the
/// ranges would repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodCidr(u16);

impl PodCidr {
    /// The range of the node numbered `n`.
    pub fn of(n: u32) -> PodCidr {
        // The 16 bits of a /24's place in 10.0.0.0/8, wrapping past 10.255.255.0.
        PodCidr((244u16 << 8).wrapping_add(n as u16))
    }
    /// The address `host` of the range.
    pub fn address(self, host: u8) -> Ipv4 {
        let [second, third] = self.0.to_be_bytes();
        Ipv4(u32::from_be_bytes([10, second, third, host]))
    }
}

impl fmt::Display for PodCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [second, third] = self.0.to_be_bytes();
        write!(f, "10.{second}.{third}.0/24")
    }
}

// A long run makes tens of thousands of pods, each in a box of its own:
// past 1,792 bytes a box takes mimalloc's next size class, 2,048 bytes
// (about 5 MB more at 10,000 nodes, measured when a field pushed it to
// 1,800).
/// A pod's container ports, as its template had them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodPorts {
    /// Every port of every container (`PodTemplate::ports`).
    pub all: Vec<crate::config::ContainerPort>,
    /// The named ones (`PodTemplate::named_ports`).
    pub named: Vec<crate::config::NamedPort>,
}

const _: () = assert!(std::mem::size_of::<Pod>() <= 1792, "a pod grew past mimalloc's 1,792-byte size class");

/// What the StatefulSet controller reads of a pod at every sync of its set
/// (health, availability, revision, identity label), copied out of the pod
/// into a record of 32 bytes that the world keeps by pod id
/// (`World::pod_brief`). A set's sync looks at each of its pods several
/// times; a pod is some 1,800 bytes with these fields on different cache
/// lines, and with thousands of pods each look missed the cache. The
/// briefs of 30,000 pods fit in a megabyte. The world rewrites a pod's
/// brief at every write of a field it copies, and checks it against the
/// pod at every read in debug builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodBrief {
    /// When the Ready condition last changed (`lastTransitionTime`).
    pub ready_since: Option<SimTime>,
    /// The revision label's value as the world numbers it.
    pub revision_number: Option<u32>,
    pub phase: PodPhase,
    /// The Ready condition.
    pub ready: bool,
    /// Has a deletion timestamp.
    pub terminating: bool,
    /// The identity label is the pod's name.
    pub identity_labelled: bool,
}

const _: () = assert!(std::mem::size_of::<PodBrief>() == 32, "a pod brief is two to a cache line");

impl PodBrief {
    pub fn is_running_and_ready(&self) -> bool {
        self.phase == PodPhase::Running && self.ready
    }
    /// `isHealthy` in the StatefulSet controller: running, ready and not terminating.
    pub fn is_healthy(&self) -> bool {
        self.is_running_and_ready() && !self.terminating
    }
    pub fn is_terminal(&self) -> bool {
        matches!(self.phase, PodPhase::Failed | PodPhase::Succeeded)
    }
    /// See [`Pod::is_available`].
    pub fn is_available(&self, min_ready_seconds: u32, now: SimTime) -> bool {
        if !self.is_running_and_ready() {
            return false;
        }
        if min_ready_seconds == 0 {
            return true;
        }
        let since = self.ready_since.unwrap_or(now);
        now.since(since) >= SimDuration::from_secs(u64::from(min_ready_seconds))
    }
    /// See [`Pod::at_revision`].
    pub fn at_revision(&self, number: Option<u32>) -> bool {
        self.revision_number.is_some() && self.revision_number == number
    }
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub id: PodId,
    pub uid: Uid,
    pub name: String,
    pub labels: Labels,
    /// The revision label's value as a number the world gives each value
    /// it sees (`World::revision_number`), kept with the labels: the
    /// StatefulSet controller counts a set's pods at a revision every sync,
    /// and compares numbers rather than reading each pod's labels.
    pub(crate) revision_number: Option<u32>,
    /// Whether the `statefulset.kubernetes.io/pod-name` label is the pod's
    /// name, kept with the labels by the world: the StatefulSet
    /// controller checks every pod's identity every sync, and reads the
    /// labels only to restore them.
    pub(crate) identity_labelled: bool,
    /// The StatefulSet controller's memo: the world's `claim_losses` when
    /// it last found every claim of this pod's ordinal present and not
    /// being deleted (0: never). While no claim has been lost since, they
    /// still are, and a sync of a pending pod need not look them up again.
    pub(crate) claims_present_at: u64,
    /// The controlling StatefulSet, if any.
    pub owner: Option<StsId>,
    /// The ordinal parsed from the name, if the pod belongs to a StatefulSet.
    pub ordinal: Option<u32>,
    /// `spec.hostname`, set once at creation.
    pub hostname: String,
    /// `spec.subdomain`, set once at creation from the StatefulSet's `serviceName`.
    pub subdomain: String,
    /// `spec.setHostnameAsFQDN`: its kernel hostname is its fully qualified
    /// name, which must fit in 64 characters (`kubelet::sandbox_hostname`).
    pub set_hostname_as_fqdn: bool,
    /// `spec.containers[0].name`, when not the default (`config::DEFAULT_CONTAINER_NAME`).
    pub container_name: Option<String>,
    pub image: String,
    pub requests: Resources,
    /// Its requests as the scheduler's scoring counts them
    /// (`PodTemplate::pod_scoring_requests`).
    pub scoring_requests: Resources,
    pub readiness_probe: Option<crate::config::Probe>,
    pub liveness_probe: Option<crate::config::Probe>,
    pub startup_probe: Option<crate::config::Probe>,
    /// The preStop hook's sleep, run before SIGTERM.
    pub pre_stop: Option<SimDuration>,
    /// The init containers, run in order before the container.
    pub init_containers: Vec<crate::config::InitContainer>,
    /// Which init containers are sidecars (`restartPolicy: Always`), by index.
    /// (Boxed slices, not vectors: fixed at creation, and 8 bytes less each
    /// keep a pod within 1,792 bytes, mimalloc's size class below 2,048.)
    pub sidecars: Box<[usize]>,
    /// The `imagePullPolicy` of the container and of each init container,
    /// as the API server defaulted them at creation: an image changed
    /// later keeps its container's policy.
    pub pull_policy: crate::config::ImagePullPolicy,
    pub init_pull_policies: Box<[crate::config::ImagePullPolicy]>,
    /// The other regular containers (`spec.containers[1..]`), each with
    /// its policy as the API server defaulted it.
    pub extra_containers: Vec<crate::config::ExtraContainer>,
    pub termination_grace_period: SimDuration,
    /// `nodeSelector`, `affinity` and `tolerations` (with the API server's
    /// default NoExecute tolerations added).
    pub node_selector: Labels,
    pub affinity: Affinity,
    pub tolerations: Vec<Toleration>,
    /// `topologySpreadConstraints`.
    pub topology_spread: Vec<crate::config::TopologySpreadConstraint>,
    /// Claim names of the pod's `persistentVolumeClaim` volumes, in template order.
    pub claims: Vec<String>,
    /// The container's host ports.
    pub host_ports: Vec<crate::config::HostPort>,
    /// The containers' ports, behind one thin pointer, `None` for none:
    /// most pods have none, and a pod stays in its size class. Read
    /// through [`Pod::named_ports`] and [`Pod::container_ports`].
    pub ports: Option<Box<PodPorts>>,
    /// `spec.priorityClassName`; `critical()` when a built-in critical one.
    pub priority_class_name: Option<String>,
    /// `spec.nodeName` as the pod was created with: bound by its writer,
    /// never by the scheduler. `None`: the scheduler's to choose.
    pub node_name: Option<String>,
    /// `spec.nodeName`.
    pub node: Option<NodeId>,
    /// The node the scheduler assumed for the pod while its
    /// `WaitForFirstConsumer` volumes are provisioned (the scheduler cache).
    pub assumed_node: Option<NodeId>,
    pub status: PodStatus,
    pub runtime: Runtime,
    pub waits: Waits,
    pub history: PodHistory,
    pub created_at: SimTime,
    /// `metadata.deletionTimestamp`: set by a graceful delete.
    pub deletion_timestamp: Option<SimTime>,
    /// The grace period of the pending graceful deletion.
    pub deletion_grace: Option<SimDuration>,
    /// `metadata.finalizers` a person or an operator put on the pod.
    pub finalizers: Vec<String>,
    /// The object was due to go (after its containers stopped, or by
    /// force: the flag) but its finalizers hold it.
    pub removal_held: Option<bool>,
    /// When the object left the API server; `None` while it exists.
    pub removed_at: Option<SimTime>,
    /// `spec` as a client wrote it, for a bare pod an operator created: the
    /// API server serves it (with the container's current image and the
    /// node it is bound to), so an update starts from what was written.
    pub spec_object: Option<Box<serde_json::Value>>,
}

impl Pod {
    /// The first container's name (`spec.containers[0].name`).
    pub fn container_name(&self) -> &str {
        self.container_name.as_deref().unwrap_or(crate::config::DEFAULT_CONTAINER_NAME)
    }

    /// Of a built-in critical PriorityClass: the kubelet's graceful node
    /// shutdown stops it last (`config::is_critical`).
    pub fn critical(&self) -> bool {
        crate::config::is_critical(self.priority_class_name.as_deref())
    }

    pub fn exists(&self) -> bool {
        self.removed_at.is_none()
    }
    pub fn is_terminating(&self) -> bool {
        self.deletion_timestamp.is_some()
    }
    pub fn is_running_and_ready(&self) -> bool {
        self.brief().is_running_and_ready()
    }
    /// `isRunningAndAvailable`: ready for at least `min_ready_seconds`.
    ///
    /// `podutil.IsPodAvailable` compares the Ready condition's
    /// `lastTransitionTime` (whole seconds once read back from the API)
    /// plus `minReadySeconds` with the time of the check: strictly
    /// (`Before`) up to 1.33, `<=` from 1.34 (k/k PR #132122). Both come
    /// to `>=` here: the controller's look is the sync its own `AddAfter`
    /// requeues `minReadySeconds` after the sync that saw the pod turn
    /// Ready, and that sync ran after the flip (milliseconds, in a real
    /// cluster), so the strict comparison holds there too; stsim's sync
    /// runs in the flip's instant, where only `>=` gives the same answer.
    pub fn is_available(&self, min_ready_seconds: u32, now: SimTime) -> bool {
        self.brief().is_available(min_ready_seconds, now)
    }
    /// `isHealthy` in the StatefulSet controller: running, ready and not terminating.
    pub fn is_healthy(&self) -> bool {
        self.brief().is_healthy()
    }
    pub fn is_terminal(&self) -> bool {
        self.brief().is_terminal()
    }
    /// The revision label's value as the world numbers it (`None` without the label).
    /// Whether the pod's identity label is its name (`identityMatches`'
    /// label half), as the world last set its labels.
    pub fn identity_labelled(&self) -> bool {
        self.identity_labelled
    }
    pub fn revision_number(&self) -> Option<u32> {
        self.revision_number
    }
    /// Whether the pod's revision label is the value numbered `number`
    /// (`World::revision_number`): never when either is missing.
    pub fn at_revision(&self, number: Option<u32>) -> bool {
        self.brief().at_revision(number)
    }
    /// What the StatefulSet controller reads of this pod at every sync
    /// ([`PodBrief`]), as it is now.
    pub fn brief(&self) -> PodBrief {
        PodBrief {
            ready_since: self.status.ready_since,
            revision_number: self.revision_number,
            phase: self.status.phase,
            ready: self.status.ready,
            terminating: self.deletion_timestamp.is_some(),
            identity_labelled: self.identity_labelled,
        }
    }
    /// The named ports (`PodTemplate::named_ports`): where a Service's
    /// `targetPort` by name leads for this pod.
    pub fn named_ports(&self) -> &[crate::config::NamedPort] {
        self.ports.as_deref().map_or(&[], |p| p.named.as_slice())
    }
    /// Every port of every container (`PodTemplate::ports`), as served.
    pub fn container_ports(&self) -> &[crate::config::ContainerPort] {
        self.ports.as_deref().map_or(&[], |p| p.all.as_slice())
    }
    pub fn revision(&self) -> &str {
        self.labels.get(labels::REVISION).map(String::as_str).unwrap_or("")
    }
    /// The STATUS column of `kubectl get pods` (`printPod` in
    /// pkg/printers/internalversion/printers.go), as `kubectl` prints it.
    pub fn display_status(&self, kubectl: Kubectl) -> StatusColumn {
        let reason = self.status_reason(kubectl);
        // kubectl's walk over the init containers stops at the first that
        // is neither done nor a started sidecar: a sidecar that exited
        // shows `Init:<reason>`. The regular containers' reasons replace
        // it once the pod is initialized, if one has any (a running one
        // has none).
        if let Some(failure) = self.sidecar_failure()
            && !self.is_terminating()
            && !self.is_terminal()
            && (!self.initialized() || reason == "Running")
        {
            return StatusColumn::Reason(failure.status());
        }
        if reason == "ContainerCreating"
            && let Some(done) = self.status.init_progress
        {
            // The first init container neither done nor a started sidecar
            // (the kubelet reports them all waiting in `PodInitializing`
            // until they run); once they all are, the container waits in
            // `PodInitializing` until it is created.
            let of = self.init_containers.len() as u32;
            return if done < of {
                StatusColumn::Init { done, of }
            } else {
                StatusColumn::Reason("PodInitializing")
            };
        }
        StatusColumn::Reason(reason)
    }

    /// The reason kubectl shows for the first of the other regular
    /// containers that is not running, if one is not: the kubelet's
    /// default waiting reason for a container not created yet is
    /// `PodInitializing` in a pod with init containers
    /// (`convertToAPIContainerStatuses`).
    fn extra_reason(&self) -> Option<&'static str> {
        self.status.extras.iter().find_map(|extra| match extra.state {
            ContainerState::Running | ContainerState::Unscheduled | ContainerState::Terminated { .. } => None,
            ContainerState::ContainerCreating if !self.init_containers.is_empty() => Some("PodInitializing"),
            // The waiting and exit reasons are the states' names.
            state => Some(state.as_str()),
        })
    }

    /// How the report and the story name regular container `index` of the
    /// pod: the first (whose name is not kept), or another by its name.
    pub fn container_label(&self, index: u32) -> String {
        match (index as usize).checked_sub(1).and_then(|i| self.extra_containers.get(i)) {
            Some(extra) => format!("container {}", extra.name),
            None => "first container".to_string(),
        }
    }

    /// Whether init container `index` is done in its sandbox (a sidecar:
    /// started), as the kubelet last reported: before the one it is at, or
    /// all of them once the container has started.
    pub fn init_done(&self, index: usize) -> bool {
        match self.status.init_progress {
            Some(done) => index < done as usize,
            None => self.status.container != ContainerState::Unscheduled,
        }
    }

    /// The containers the kubelet's `ContainersReady` waits for, by name,
    /// in its order (`GenerateContainersReadyCondition`): the sidecars not
    /// started yet, exited since, or whose readiness probe has not passed
    /// since they last started (one without is ready while it runs), then
    /// the regular containers it last reported unready.
    pub fn unready_containers(&self) -> impl Iterator<Item = &str> + '_ {
        let sidecars = (self.sidecars.iter().zip(&self.status.sidecar_failures)).map(|(i, failure)| {
            let ready = self.init_done(*i) && failure.is_none() && !self.sidecar_unready(*i);
            (self.init_containers[*i].name.as_str(), ready)
        });
        let first = std::iter::once((self.container_name(), self.status.container_ready));
        let others =
            self.extra_containers.iter().zip(&self.status.extras).map(|(c, s)| (c.name.as_str(), s.ready));
        sidecars.chain(first).chain(others).filter(|(_, ready)| !ready).map(|(name, _)| name)
    }

    /// The kubelet's `ContainersReady`: no container it waits for.
    pub fn containers_ready(&self) -> bool {
        self.unready_containers().next().is_none()
    }

    /// The kubelet's `PodReadyToStartContainers`: the pod's sandbox is up
    /// with its address, until its kubelet stopped it.
    pub fn sandbox_ready(&self) -> bool {
        self.status.pod_ip.is_some() && !self.stopped_by_kubelet()
    }

    /// The pod finished with its kubelet's last status, its containers'
    /// ends written (`Terminated`; `Exited` for one that had exited before
    /// the kill and not run again; `ContainerStatusUnknown` for one it
    /// could not find: the kubelet's `Ended`). Pod GC's
    /// `markFailedAndDeletePod` writes a pod's phase alone: what its kubelet
    /// last reported stays, the sandbox and containers running as far as
    /// the API server knows.
    pub fn stopped_by_kubelet(&self) -> bool {
        self.is_terminal()
            && matches!(
                self.status.container,
                ContainerState::Terminated { .. }
                    | ContainerState::Exited { .. }
                    | ContainerState::StatusUnknown
            )
    }

    /// `PodReadyToStartContainers`, `Initialized` and `ContainersReady`, in
    /// that order (`kubelet_conditions`).
    pub fn kubelet_conditions(&self) -> [bool; 3] {
        [self.sandbox_ready(), self.initialized(), self.containers_ready()]
    }

    /// Whether an init container is still to complete (a sidecar: to
    /// start) in the current sandbox, as the kubelet last reported.
    pub fn initializing(&self) -> bool {
        self.status.init_progress.is_some_and(|done| (done as usize) < self.init_containers.len())
    }

    /// The kubelet's `Initialized` condition: no init containers, each
    /// done in this sandbox (a sidecar started, and not exited since), or a
    /// regular container started before (`GeneratePodInitializedCondition`:
    /// a sidecar waiting to restart is not `started`).
    pub fn initialized(&self) -> bool {
        (!self.initializing() && self.sidecar_failure().is_none()) || self.status.containers_started
    }

    /// The first sidecar (in spec order) that has exited since it started
    /// and not started again: how it fails.
    pub fn sidecar_failure(&self) -> Option<InitFailure> {
        self.status.sidecar_failures.iter().find_map(|failure| *failure)
    }

    /// Sidecar init container `index`'s position in `sidecars`, if it is one.
    pub fn sidecar_position(&self, index: usize) -> Option<usize> {
        self.sidecars.iter().position(|i| *i == index)
    }

    /// Whether sidecar `index` runs, as its kubelet last reported: started
    /// (done), or the one the kubelet's walk is at, running while its
    /// startup probe has not passed; and not exited since.
    pub fn sidecar_running(&self, index: usize) -> bool {
        let at = self.status.init_progress.is_some_and(|done| done as usize == index);
        self.sidecar_failure_of(index).is_none()
            && self.sidecar_position(index).is_some()
            && (self.init_done(index) || (at && self.status.init_started))
    }

    /// How init container `index` fails, if it is a sidecar that has exited
    /// since it started and not started again.
    pub fn sidecar_failure_of(&self, index: usize) -> Option<InitFailure> {
        self.sidecar_position(index).and_then(|position| self.status.sidecar_failures[position])
    }

    /// The RESTARTS column (kubectl's `printPod`): while the pod is not
    /// initialized, the init containers' restarts; then the regular
    /// containers' and the sidecars'.
    pub fn restarts_column(&self) -> u32 {
        if !self.initialized() {
            return self.status.inits.iter().map(|init| init.restarts).sum();
        }
        let sidecars: u32 =
            self.sidecars.iter().filter_map(|i| self.status.inits.get(*i)).map(|i| i.restarts).sum();
        self.status.restarts + sidecars
    }

    /// When the containers the RESTARTS column counts last terminated
    /// (kubectl's `lastRestartDate`, shown as `3 (5m ago)`): the init
    /// containers' while the pod is not initialized, then the regular
    /// containers' and the sidecars'.
    pub fn last_restart_column(&self) -> Option<SimTime> {
        if !self.initialized() { self.status.init_finished_at } else { self.status.finished_at }
    }

    /// Whether every container beside the first is ready, as its kubelet
    /// reported: the other regular containers, and the sidecars (ready
    /// unless exited since they started, or, with a readiness probe, until
    /// it passes). With the first's readiness, the pod's Ready condition.
    pub fn others_ready(&self) -> bool {
        self.status.extras.iter().all(|extra| extra.ready)
            && self.sidecar_failure().is_none()
            && !self.sidecars.iter().any(|index| self.sidecar_unready(*index))
    }

    /// Whether one of its sidecars has a readiness probe: its Ready
    /// condition can then be False while its regular containers are ready.
    pub fn has_sidecar_readiness_probe(&self) -> bool {
        self.sidecars.iter().any(|index| self.init_containers[*index].readiness_probe.is_some())
    }

    /// Whether sidecar `index` (of the init containers) has a readiness
    /// probe that has not passed since it last started.
    pub fn sidecar_unready(&self, index: usize) -> bool {
        self.status.inits.get(index).is_some_and(|init| init.unready)
    }

    /// The kubelet's admission refused the pod (`status.rejected` says why):
    /// it ran nothing there. A pod stopped for its node's shutdown has the
    /// same `status.reason` field but had run.
    pub fn rejected_at_admission(&self) -> bool {
        self.status.rejected.is_some() && self.runtime.rejected.is_some()
    }

    /// The STATUS column's word, leaving the init containers' progress aside.
    fn status_reason(&self, kubectl: Kubectl) -> &'static str {
        if self.is_terminating() && kubectl.shows_terminating(self.is_terminal()) {
            return "Terminating";
        }
        match (self.status.phase, self.status.container) {
            // kubectl shows `status.reason` when there is one.
            (PodPhase::Failed, _) if self.status.rejected.is_some() => {
                self.status.rejected.as_deref().map_or("Error", |(reason, _)| reason)
            }
            // A container the kubelet never reported stopped (pod GC marked
            // the pod Failed) gives no reason: kubectl shows the phase.
            (PodPhase::Failed, ContainerState::Running | ContainerState::Unscheduled) => "Failed",
            (PodPhase::Succeeded, ContainerState::Running | ContainerState::Unscheduled) => "Succeeded",
            (_, ContainerState::ContainerCreating) => {
                self.status.init_failure.map_or("ContainerCreating", InitFailure::status)
            }
            (_, ContainerState::Unscheduled) => "Pending",
            (_, ContainerState::ErrImagePull) => "ErrImagePull",
            (_, ContainerState::ErrImageNeverPull) => "ErrImageNeverPull",
            (_, ContainerState::InvalidImageName) => "InvalidImageName",
            (_, ContainerState::ImagePullBackOff) => "ImagePullBackOff",
            // kubectl takes the reason of the first container (in spec
            // order) that waits or has exited: with the first running, that
            // of another.
            (_, ContainerState::Running) => self.extra_reason().unwrap_or("Running"),
            (_, ContainerState::Exited { exit_code }) => ContainerState::exit_reason(exit_code),
            (_, ContainerState::CrashLoopBackOff) => "CrashLoopBackOff",
            (_, ContainerState::StatusUnknown) => "ContainerStatusUnknown",
            // The first container's own exit, whatever the phase: a pod
            // Failed through another container shows `Completed` when the
            // first exited 0 (`printPod` takes the first container's
            // reason).
            (_, ContainerState::Terminated { exit_code }) => ContainerState::exit_reason(exit_code),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PvcPhase {
    Pending,
    Bound,
    Lost,
}

#[derive(Debug, Clone)]
pub struct Pvc {
    pub id: PvcId,
    pub uid: Uid,
    pub name: String,
    pub labels: Labels,
    pub storage_class: Option<ClassId>,
    /// `spec.storageClassName` as admitted (the default class filled in by
    /// the DefaultStorageClass admission plugin). It may name a class that
    /// does not exist: the API server accepts that, and the claim waits.
    pub storage_class_name: Option<String>,
    /// The PV controller's last event on the claim while it waits for a
    /// volume it cannot get: reason and message.
    pub waiting: Option<(&'static str, String)>,
    pub request_bytes: u64,
    /// `status.allocatedResources`: the largest size the resizer was asked
    /// to expand the volume to (0 before any resize). A request lowered
    /// while that expansion is under way does not stop it.
    pub allocated_bytes: u64,
    pub access_modes: Vec<AccessMode>,
    pub phase: PvcPhase,
    pub volume: Option<PvId>,
    pub owner_refs: Vec<OwnerRef>,
    /// Owner references to custom resources (an operator's), as written:
    /// a claim with no other owner is deleted once none of them is live.
    pub owner_references: Vec<serde_json::Value>,
    /// The `volume.kubernetes.io/selected-node` annotation the scheduler sets
    /// for `WaitForFirstConsumer` claims.
    pub selected_node: Option<NodeId>,
    /// Whether a provisioning request is under way.
    pub provisioning: bool,
    /// The external provisioner's failed attempts at the claim's volume
    /// (its rate limiter's count, which sets the next attempt's back-off),
    /// while a refusal whose cause may go away is retried: a regional class
    /// that found nodes in one zone only (`controllers::volumes`).
    pub provision_failures: u32,
    /// The StatefulSet whose template made the claim, if any.
    pub statefulset: Option<StsId>,
    /// `spec.volumeName` as written at creation: the volume it asks for.
    pub volume_name: Option<String>,
    /// Since when no pod uses the claim and no StatefulSet wants it at its
    /// present size, and why.
    pub orphaned: Option<(SimTime, String)>,
    pub created_at: SimTime,
    pub deletion_timestamp: Option<SimTime>,
    pub removed_at: Option<SimTime>,
    /// `metadata.finalizers` other than `kubernetes.io/pvc-protection`
    /// (a person's or an operator's): they hold a deleted claim.
    pub finalizers: Vec<String>,
    /// Whether the claim was due to go and its finalizers hold it.
    pub removal_held: bool,
    /// Whether a client removed `kubernetes.io/pvc-protection` and the
    /// pvc-protection controller has not put it back (it does so only on
    /// a claim not being deleted): meanwhile nothing holds a deleted claim
    /// for the pods that use it.
    pub protection_removed: bool,
}

/// How a deleted StatefulSet's dependents are treated (`--cascade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cascade {
    /// The set goes at once; the garbage collector deletes its pods (and the
    /// claims the retention policy gave it) afterwards, in no order.
    Background,
    /// The set stays, with `deletionTimestamp` and the `orphan` finalizer,
    /// until the garbage collector has taken it out of its pods' and
    /// claims' owner references; then it goes, and they stay, unowned.
    Orphan,
    /// The set stays, with `deletionTimestamp` and the `foregroundDeletion`
    /// finalizer, until the garbage collector has deleted every dependent
    /// that blocks its deletion (`blockOwnerDeletion`); then it goes.
    Foreground,
}

/// The garbage collector's finalizer of an owner deleted in the foreground.
pub const FOREGROUND_DELETION: &str = "foregroundDeletion";

/// The garbage collector's finalizer of an owner deleted with
/// `propagationPolicy: Orphan` (`metav1.FinalizerOrphanDependents`): the
/// owner stays, with its deletionTimestamp, until the collector has removed
/// it from its dependents' owner references.
pub const ORPHAN_DEPENDENTS: &str = "orphan";

/// The finalizer the pvc-protection controller keeps on every claim not
/// being deleted.
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";

impl Pvc {
    pub fn exists(&self) -> bool {
        self.removed_at.is_none()
    }

    /// `metadata.finalizers` as the API server serves them: pvc-protection
    /// first (unless a client removed it), then the clients' own.
    pub fn finalizer_list(&self) -> Vec<String> {
        let protection = (!self.protection_removed).then(|| PVC_PROTECTION.to_string());
        protection.into_iter().chain(self.finalizers.iter().cloned()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PvPhase {
    Available,
    Bound,
    Released,
    /// Its reclaim failed: `Delete` found nothing that deletes the disk.
    Failed,
}

/// Where a volume came from, which decides who deletes its disk when its
/// claim is gone and its policy says `Delete` (the PV controller's
/// `findDeletablePlugin`, pkg/controller/volume/persistentvolume).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PvOrigin {
    /// Made before the run by the provisioner named, as the
    /// `pv.kubernetes.io/provisioned-by` annotation says: that provisioner
    /// deletes the disk.
    Provisioned(String),
    /// Made during the run by its class's provisioner (`Pv::provisioned_by`
    /// names it), which deletes the disk.
    ProvisionedByClass,
    /// Made by hand, of a CSI driver (`spec.csi`). The external
    /// provisioner deletes only what it made; before `HonorPVReclaimPolicy`
    /// the PV controller looks for an in-tree deleter and finds none.
    Csi,
    /// Made by hand on a node's path (`spec.hostPath`, the path in
    /// [`Pv::host_path`]): the hostPath plugin deletes only a path under
    /// `/tmp/`.
    HostPath,
    /// Made by hand of a source no in-tree plugin deletes or attaches
    /// (`spec.local`, `spec.nfs`).
    NoDeleter,
}

/// What becomes of a released volume whose policy is `Delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleter {
    /// Its disk is deleted (by its provisioner, or the hostPath plugin).
    Found,
    /// Left to an external provisioner that did not make it: it stays Released.
    NoneExternal,
    /// The PV controller finds no plugin: the volume is Failed, with this message.
    Missing(String),
}

#[derive(Debug, Clone)]
pub struct Pv {
    pub id: PvId,
    pub uid: Uid,
    pub name: String,
    pub capacity_bytes: u64,
    /// The class it is priced by; `None` for a pre-existing volume whose
    /// `storageClassName` is empty or names no class of the cluster.
    pub storage_class: Option<ClassId>,
    /// `spec.storageClassName` (empty for none): claims bind volumes of
    /// their own class name.
    pub class_name: String,
    /// `spec.claimRef` naming a claim that does not exist yet: the volume
    /// is kept for that claim alone (pre-binding).
    pub reserved_for: Option<String>,
    pub reclaim_policy: ReclaimPolicy,
    pub access_modes: Vec<AccessMode>,
    pub phase: PvPhase,
    pub claim: Option<PvcId>,
    /// The zone the volume lives in, for zonal classes (its node affinity).
    pub zone: Option<String>,
    /// A regional volume's other zones (GCE's regional PD keeps a replica
    /// in two): its node affinity names them all, and a pod may use it
    /// from a node in any. Empty for a volume of one zone.
    pub other_zones: Vec<String>,
    /// Provisioned IOPS and throughput (MiB/s), from the class parameters.
    pub iops: u64,
    pub throughput_mibps: u64,
    /// When the claim went away and the PV became Released (`Retain`).
    pub released_at: Option<SimTime>,
    /// The provisioner's failed deletes of the disk (it was still attached),
    /// for its retry back-off.
    pub delete_failures: u32,
    /// The node a local volume lives on (its node affinity on the hostname).
    pub node: Option<NodeId>,
    /// `spec.hostPath.path`, for a hostPath volume: made by hand, or by a
    /// provisioner of hostPath volumes ([`host_path_dir_of`]). Without node
    /// affinity (`node`), it is that path on whichever node runs the pod.
    pub host_path: Option<String>,
    /// VolumeAttachments: the nodes the volume is attached to, or being
    /// attached to or detached from (the attach-detach controller's actual
    /// state of the world).
    pub attachments: Vec<Attachment>,
    /// Nodes whose kubelet last reported the volume mounted (`volumesInUse`).
    pub in_use_on: BTreeSet<NodeId>,
    /// Earlier sizes, with when each began (before a volume expansion):
    /// `capacity_bytes` holds from the last change on.
    pub resized: Vec<(SimTime, u64)>,
    /// Who made it, and so who deletes its disk.
    pub origin: PvOrigin,
    pub created_at: SimTime,
    pub removed_at: Option<SimTime>,
}

impl Pv {
    /// Whether a node in `zone` may use the volume: it is in no zone, or
    /// in that one among its zones.
    pub fn in_zone(&self, zone: &str) -> bool {
        self.zone.as_deref().is_none_or(|z| z == zone || self.other_zones.iter().any(|o| o == zone))
    }

    /// Every zone the volume is in, in its node affinity's order.
    pub fn zones(&self) -> impl Iterator<Item = &str> {
        self.zone.iter().chain(&self.other_zones).map(String::as_str)
    }

    /// Its zones as one text: `us-east-1a`, `us-central1-a,us-central1-b`.
    pub fn zones_text(&self) -> Option<String> {
        self.zone.as_ref()?;
        Some(self.zones().collect::<Vec<_>>().join(","))
    }

    /// The provisioner that made the volume, if one did (its
    /// `pv.kubernetes.io/provisioned-by` annotation).
    pub fn provisioned_by<'a>(&'a self, world: &'a crate::world::World) -> Option<&'a str> {
        match &self.origin {
            PvOrigin::Provisioned(name) => Some(name),
            PvOrigin::ProvisionedByClass => self.storage_class.map(|c| world.class(c).provisioner.as_str()),
            _ => None,
        }
    }

    /// A volume whose `Delete` deleted nothing and never will: Failed, or
    /// Released and left to an external provisioner that did not make it.
    pub fn left_by_delete(&self, honor_pv_reclaim_policy: bool) -> bool {
        self.removed_at.is_none()
            && self.reclaim_policy == crate::config::ReclaimPolicy::Delete
            && (self.phase == PvPhase::Failed
                || (self.phase == PvPhase::Released
                    && self.deleter(honor_pv_reclaim_policy) == Deleter::NoneExternal))
    }

    /// Who deletes the disk once the claim is gone, under `Delete`
    /// (`findDeletablePlugin`): the provisioner that made it; for a volume
    /// made by hand, from `HonorPVReclaimPolicy` (beta and on in 1.31) a
    /// CSI volume is left to its external provisioner, which deletes only
    /// what it provisioned, and any other source needs an in-tree plugin
    /// that deletes (only hostPath's, for a path under `/tmp/`).
    pub fn deleter(&self, honor_pv_reclaim_policy: bool) -> Deleter {
        let missing = |why: &str| {
            Deleter::Missing(format!(
                "error getting deleter volume plugin for volume \"{}\": {why}",
                self.name
            ))
        };
        match &self.origin {
            PvOrigin::Provisioned(_) | PvOrigin::ProvisionedByClass => Deleter::Found,
            PvOrigin::Csi if honor_pv_reclaim_policy => Deleter::NoneExternal,
            PvOrigin::HostPath => {
                let path = self.host_path.as_deref().unwrap_or_default();
                // The plugin's check is the unanchored regexp `/tmp/.+`.
                if path.match_indices("/tmp/").any(|(at, _)| path.len() > at + 5) {
                    Deleter::Found
                } else {
                    // The hostPath plugin is found; its deleter refuses the path.
                    Deleter::Missing(format!(
                        "host_path deleter only supports /tmp/.+ but received provided {path}"
                    ))
                }
            }
            PvOrigin::Csi | PvOrigin::NoDeleter => missing("no deletable volume plugin matched"),
        }
    }

    /// Whether the volume is attached to a node before it is mounted: not a
    /// local volume, nor a hostPath one (by hand or a hostPath
    /// provisioner's) or a by-hand NFS one (their plugins have no
    /// attacher), nor one of a class whose driver needs no attach
    /// (`attach_required_by`). A volume of no known class is attached.
    pub fn attaches(&self, world: &crate::world::World) -> bool {
        self.host_path.is_none()
            && self.origin != PvOrigin::NoDeleter
            && self.node.is_none()
            && self.storage_class.is_none_or(|c| world.class(c).csi_driver().is_none_or(attach_required_by))
    }
    /// The path of a hostPath volume of no node affinity: what the pod
    /// finds there depends on the node it runs on.
    pub fn host_dir(&self) -> Option<&str> {
        self.host_path.as_deref().filter(|_| self.node.is_none())
    }
    /// Whether the volume may be attached to several nodes at once.
    pub fn multi_attach(&self) -> bool {
        self.access_modes.iter().any(|m| matches!(m, AccessMode::ReadWriteMany | AccessMode::ReadOnlyMany))
    }
    pub fn attachment(&self, node: NodeId) -> Option<&Attachment> {
        self.attachments.iter().find(|a| a.node == node)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AttachState {
    Attaching {
        until: SimTime,
    },
    Attached,
    /// `forced`: why the controller did not wait for the node to unmount.
    Detaching {
        until: SimTime,
        forced: Option<&'static str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub node: NodeId,
    pub state: AttachState,
    /// When the controller first wanted the volume off this node.
    pub detach_requested_at: Option<SimTime>,
}

#[derive(Debug, Clone)]
pub struct StorageClass {
    pub id: ClassId,
    pub name: String,
    pub provisioner: String,
    pub binding_mode: VolumeBindingMode,
    pub reclaim_policy: ReclaimPolicy,
    pub zonal: bool,
    /// Volumes in two zones (see `StorageClassConfig::regional`).
    pub regional: bool,
    pub pricing: crate::pricing::Pricing,
    pub iops: Option<u64>,
    pub iops_per_gib: Option<u64>,
    pub throughput_mibps: Option<u64>,
    pub local: bool,
    pub is_default: bool,
    pub allow_volume_expansion: bool,
    /// `allowedTopologies` (see `StorageClassConfig::allowed_topologies`).
    pub allowed_topologies: Vec<crate::config::TopologyTerm>,
}

/// The provisioner of a class that never provisions (`volume.NotSupportedProvisioner`,
/// pkg/volume/util): its claims bind only volumes made beforehand.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// Whether `provisioner` can make regional disks, kept in two zones: GCE
/// PD's CSI driver and its in-tree plugin (`replication-type: regional-pd`).
pub fn makes_regional_disks(provisioner: &str) -> bool {
    matches!(provisioner, "pd.csi.storage.gke.io" | "kubernetes.io/gce-pd")
}

impl StorageClass {
    /// Whether a claim of the class can get a new volume. Not for
    /// `kubernetes.io/no-provisioner`: no volume plugin has that name, so
    /// the PV controller's `findProvisionablePlugin` fails (a
    /// `kubernetes.io/` name is never left to an external provisioner) and
    /// the scheduler's VolumeBinding (`checkVolumeProvisions`) admits only
    /// nodes where an existing volume matches.
    pub fn provisions(&self) -> bool {
        self.provisioner != NO_PROVISIONER
    }

    /// The CSI driver whose volumes the class provisions, by which a node's
    /// attach limits count them: the provisioner, or for an in-tree
    /// provisioner the CSI driver it migrated to (CSI migration's
    /// `GetCSINameFromInTreeName`, on for all of these since 1.25 or
    /// earlier). `None` for local volumes (no CSI driver attaches them).
    pub fn csi_driver(&self) -> Option<&str> {
        if self.local || self.host_path_dir().is_some() {
            return None;
        }
        csi_driver_of(&self.provisioner)
    }

    /// The directory the class's provisioner makes hostPath volumes in,
    /// if it is such a provisioner ([`host_path_dir_of`]).
    pub fn host_path_dir(&self) -> Option<&'static str> {
        host_path_dir_of(&self.provisioner)
    }
}

/// The provisioners that make hostPath volumes of no node affinity, with
/// the directory they make each volume under (`<dir>/<namespace>/<claim>`).
/// Only minikube's `storage-provisioner` (class `standard`, the default of
/// `minikube start`): it makes the directory on its own node and gives
/// the volume no node affinity, so on a cluster of several nodes a pod
/// scheduled elsewhere mounts that path on its own node, without the data
/// (minikube#12165, #9305; the Kubernetes docs' StorageClass page: "the
/// data lives in /tmp on the node the Pod is scheduled onto and does not
/// move between nodes"). Its volumes are in no zone, never attached, and
/// counted by no CSI driver's attach limit. Provisioners of node-local
/// volumes (`rancher.io/local-path`, kind's) pin them to their node
/// instead: those are local classes.
pub fn host_path_dir_of(provisioner: &str) -> Option<&'static str> {
    match provisioner {
        "k8s.io/minikube-hostpath" => Some("/tmp/hostpath-provisioner"),
        _ => None,
    }
}

/// Whether the CSI driver serves a network file system (EFS, Filestore,
/// Azure Files, NFS, SMB, CephFS): its volumes are reachable from every
/// zone, and need no attach (their CSIDriver objects say
/// `attachRequired: false`).
pub fn network_file_system(driver: &str) -> bool {
    matches!(
        driver,
        "efs.csi.aws.com"
            | "filestore.csi.storage.gke.io"
            | "file.csi.azure.com"
            | "nfs.csi.k8s.io"
            | "smb.csi.k8s.io"
            | "cephfs.csi.ceph.com"
    )
}

/// Whether the CSI driver serves block storage replicated over the
/// cluster's own nodes (Longhorn, Ceph RBD): attached like a cloud disk,
/// but reachable from every node, so its volumes carry no topology (the
/// drivers report none unless configured to, e.g. Longhorn's strict-local
/// data locality or ceph-csi's `--domainlabels`).
pub fn distributed_block(driver: &str) -> bool {
    matches!(driver, "driver.longhorn.io" | "rbd.csi.ceph.com")
}

/// Provisioners that make local volumes: a directory or disk of the node
/// chosen for the first pod, pinned to it by node affinity on the
/// hostname (kind's and k3s' `rancher.io/local-path`, `openebs.io/local`).
/// (`kubernetes.io/no-provisioner` makes none; its classes usually hold
/// local volumes made by hand.)
pub fn makes_local_volumes(provisioner: &str) -> bool {
    matches!(provisioner, "rancher.io/local-path" | "openebs.io/local")
}

/// Whether the volumes a provisioner makes live in one zone and pin their
/// pods to it, as a cloud's block disks do (the topology its driver
/// reports for a new volume): not a local provisioner's, a hostPath
/// provisioner's, a network file system's or a distributed block store's.
/// A provisioner stsim does not know is taken for a cloud's disks.
pub fn makes_zonal_volumes(provisioner: &str) -> bool {
    !makes_local_volumes(provisioner)
        && host_path_dir_of(provisioner).is_none()
        && !csi_driver_of(provisioner).is_some_and(|d| network_file_system(d) || distributed_block(d))
}

/// Whether the CSI driver's volumes are attached to a node before they are
/// mounted (its CSIDriver object's `attachRequired`). A network file
/// system's are mounted straight from the node: no VolumeAttachment, no
/// attach or detach, no Multi-Attach.
pub fn attach_required_by(driver: &str) -> bool {
    !network_file_system(driver)
}

/// The unit in which provisioner `name`'s driver allocates a volume: a new
/// or expanded volume has the size asked for rounded up to it, and that is
/// the capacity the driver reports, so the PV's, the claim's
/// `status.capacity`, and what the volume is billed for. Cloud block disks
/// (and Azure's file shares, and Cinder's volumes) come in whole GiB:
/// `storage: 10G` (9.31 GiB) makes a 10 GiB disk; vSphere's in MiB. Any
/// other driver is taken to make exactly what was asked.
///
/// The drivers' `CreateVolume` and `ControllerExpandVolume`:
/// aws-ebs-csi-driver `util.RoundUpBytes` (pkg/driver/controller.go
/// `getVolSizeBytes`); gcp-compute-persistent-disk-csi-driver
/// `common.BytesToGbRoundUp` (at least 1 GiB); azuredisk- and
/// azurefile-csi-driver `volumehelper.RoundUpGiB` (a disk at least 1 GiB);
/// cinder-csi-plugin `util.RoundUpSize(bytes, GiB)`; vsphere-csi-driver
/// `common.RoundUpSize(bytes, common.MbInBytes)`.
pub fn allocation_unit(provisioner: &str) -> u64 {
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    match csi_driver_of(provisioner) {
        Some(
            "ebs.csi.aws.com"
            | "pd.csi.storage.gke.io"
            | "disk.csi.azure.com"
            | "file.csi.azure.com"
            | "cinder.csi.openstack.org",
        ) => GIB,
        Some("csi.vsphere.vmware.com") => MIB,
        _ => 1,
    }
}

/// The capacity provisioner `name`'s driver gives a volume asked to hold
/// `bytes`: `bytes` rounded up to its [`allocation_unit`] (kept as asked
/// where the whole unit above would not fit in 64 bits).
pub fn allocated_bytes(provisioner: &str, bytes: u64) -> u64 {
    let unit = allocation_unit(provisioner);
    bytes.div_ceil(unit).checked_mul(unit).unwrap_or(bytes)
}

/// The CSI driver of provisioner `name`: in-tree provisioners by the driver
/// they migrated to, `kubernetes.io/no-provisioner` (static local volumes)
/// none, any other as named.
pub fn csi_driver_of(name: &str) -> Option<&str> {
    Some(match name {
        NO_PROVISIONER => return None,
        "kubernetes.io/aws-ebs" => "ebs.csi.aws.com",
        "kubernetes.io/gce-pd" => "pd.csi.storage.gke.io",
        "kubernetes.io/azure-disk" => "disk.csi.azure.com",
        "kubernetes.io/azure-file" => "file.csi.azure.com",
        "kubernetes.io/cinder" => "cinder.csi.openstack.org",
        "kubernetes.io/vsphere-volume" => "csi.vsphere.vmware.com",
        "kubernetes.io/portworx-volume" => "pxd.portworx.com",
        other => other,
    })
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: ServiceId,
    pub uid: Uid,
    pub name: String,
    pub headless: bool,
    pub selector: Labels,
    pub publish_not_ready_addresses: bool,
    pub ports: Vec<crate::config::ServicePort>,
    /// `metadata.labels` (inert: nothing in the model selects Services).
    pub labels: Labels,
    /// `metadata.finalizers` a person or an operator put on it: they hold a delete.
    pub finalizers: Vec<String>,
    /// `metadata.ownerReferences` to custom resources (an operator's), as
    /// written: the garbage collector deletes the object once none is live.
    pub owner_references: Vec<serde_json::Value>,
    /// `metadata.deletionTimestamp`, while its finalizers hold a delete.
    pub deletion_timestamp: Option<SimTime>,
    pub removed_at: Option<SimTime>,
}

impl Service {
    pub fn exists(&self) -> bool {
        self.removed_at.is_none()
    }
    pub fn selects(&self, labels: &Labels) -> bool {
        !self.selector.is_empty() && self.selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    }

    /// How `labels` miss the selector, for people: `selects app=web, but
    /// web-0 has app=wbe` (`whose` names the labels' owner), or that an
    /// empty selector lists no pods.
    pub fn misses(&self, whose: &str, labels: &Labels) -> String {
        if self.selector.is_empty() {
            return "has no selector, so it lists no pods".to_string();
        }
        let selector: Vec<String> = self.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let differs: Vec<String> = self
            .selector
            .iter()
            .filter(|(k, v)| labels.get(k.as_str()) != Some(*v))
            .map(|(k, _)| match labels.get(k.as_str()) {
                Some(has) => format!("{k}={has}"),
                None => format!("no {k} label"),
            })
            .collect();
        format!("selects {}, but {whose} has {}", selector.join(","), differs.join(", "))
    }
}

/// A ControllerRevision: a snapshot of the pod template.
#[derive(Debug, Clone)]
pub struct ControllerRevision {
    /// `<set>-<hash>`.
    pub name: String,
    /// The `revision` number: higher is newer; a revert bumps an old revision's number.
    pub revision: u64,
    pub template: PodTemplate,
    /// The template as a client wrote it, when it was (the set's
    /// `template_object` when the revision was made): the pods of the
    /// revision are served with its spec.
    pub object: Option<std::sync::Arc<serde_json::Value>>,
    /// The name's number as the world numbers revision label values
    /// (`World::revision_number`), given when the revision is stored
    /// (`Api::add_revision`; 0 before): the StatefulSet controller compares
    /// it with each pod's, with no lookup of the name.
    pub(crate) name_number: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatefulSetStatus {
    pub observed_generation: u64,
    pub replicas: u32,
    pub ready_replicas: u32,
    pub available_replicas: u32,
    pub current_replicas: u32,
    pub updated_replicas: u32,
    pub current_revision: String,
    pub update_revision: String,
    pub collision_count: u32,
}

#[derive(Debug, Clone)]
pub struct StatefulSet {
    pub id: StsId,
    pub uid: Uid,
    pub name: String,
    pub generation: u64,
    pub spec: StatefulSetSpec,
    pub status: StatefulSetStatus,
    /// ControllerRevisions owned by the set.
    pub revisions: Vec<ControllerRevision>,
    /// Live pods owned by the set, by ordinal.
    pub pods: std::collections::BTreeMap<u32, PodId>,
    /// What the controller's last sync waited on, and since when. Not an
    /// API field: kept so reports can say why a rollout does not progress.
    pub waiting: Option<Waiting>,
    /// `metadata.labels` of the set itself (inert: nothing in the model reads them).
    pub labels: Labels,
    /// `metadata.finalizers`: a person's or an operator's, and the garbage
    /// collector's `foregroundDeletion` during a foreground delete.
    pub finalizers: Vec<String>,
    /// `metadata.ownerReferences` to custom resources (an operator's), as
    /// written: the garbage collector deletes the object once none is live.
    pub owner_references: Vec<serde_json::Value>,
    /// `metadata.deletionTimestamp`: set while a delete waits for its
    /// finalizers (the controller then changes nothing but status).
    pub deletion_timestamp: Option<SimTime>,
    /// How the pending delete cascades, while its finalizers hold it.
    pub pending_cascade: Option<Cascade>,
    pub removed_at: Option<SimTime>,
    /// The set this one was renamed to (deleted and created again under a new name).
    pub renamed_to: Option<StsId>,
    /// `spec.template` as a client (an operator) wrote it, which the API
    /// server keeps and serves (an update or merge patch starts from it).
    /// `None` for a scenario's set, or once a person's hand edit changed
    /// the template: then it is served as the model holds it.
    pub template_object: Option<serde_json::Value>,
    /// The numbers the world gives `status.currentRevision` and
    /// `status.updateRevision` (`World::revision_number`; `None` while
    /// empty), set with the status: a sync compares revisions by number,
    /// not by reading both names from their own allocations.
    pub(crate) status_revision_numbers: [Option<u32>; 2],
}

impl StatefulSet {
    /// `getStartOrdinal`.
    pub fn start_ordinal(&self) -> u32 {
        self.spec.ordinals_start
    }
    /// One past `getEndOrdinal`.
    pub fn end_ordinal_exclusive(&self) -> u32 {
        self.spec.ordinals_start + self.spec.replicas
    }
    pub fn in_range(&self, ordinal: u32) -> bool {
        ordinal >= self.start_ordinal() && ordinal < self.end_ordinal_exclusive()
    }
}

/// Why a sync stopped short of finishing its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WaitReason {
    /// OrderedReady: a pod is not Running and Ready (or not yet available).
    PodNotReady,
    /// OrderedReady: a pod is terminating and its name is not free yet.
    PodTerminating,
    /// The rolling update waits for an updated pod to become available.
    UpdatedPodNotAvailable,
    /// maxUnavailable: the budget of unavailable pods is used up.
    UnavailableBudgetUsed,
    /// A pod to create has a claim still owned by the earlier pod of its
    /// name (the waiting pod, gone or going): the controller creates nothing
    /// and does not look again until something wakes it (`PodClaimIsStale`).
    ClaimStale,
}

impl WaitReason {
    /// Whether what the set waits on is something the controller watches,
    /// so that its change wakes the set: pods are, claims are not (the
    /// controller has no claim event handler).
    pub fn watched(self) -> bool {
        !matches!(self, WaitReason::ClaimStale)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub pod: PodId,
    pub reason: WaitReason,
    pub since: SimTime,
}

/// `<statefulset>-<ordinal>`, as `getPodName`.
pub fn pod_name(set: &str, ordinal: u32) -> String {
    let mut name = String::with_capacity(set.len() + 11);
    name.push_str(set);
    name.push('-');
    push_decimal(&mut name, u64::from(ordinal));
    name
}

/// `<template>-<statefulset>-<ordinal>`, as `getPersistentVolumeClaimName`.
pub fn claim_name(template: &str, set: &str, ordinal: u32) -> String {
    let mut name = String::with_capacity(template.len() + set.len() + 12);
    name.push_str(template);
    name.push('-');
    name.push_str(set);
    name.push('-');
    push_decimal(&mut name, u64::from(ordinal));
    name
}

/// Appends `n` in decimal, as `{n}` would, without the formatting machinery
/// (names are built on the controllers' hot paths).
/// Appends `n` in decimal to `out`, without the formatting machinery.
pub fn push_decimal(out: &mut String, n: u64) {
    let mut buffer = [0u8; 20];
    out.extend(decimal(n, &mut buffer).iter().map(|d| char::from(*d)));
}

/// `n`'s decimal digits, written at the end of `buffer`.
pub fn decimal(n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    let mut rest = n;
    loop {
        start -= 1;
        buffer[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    &buffer[start..]
}

/// The ordinal of claim `name` if it is `<template>-<set>-<ordinal>`.
pub fn claim_ordinal(name: &str, template: &str, set: &str) -> Option<u32> {
    let rest = name.strip_prefix(template)?.strip_prefix('-')?.strip_prefix(set)?.strip_prefix('-')?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// Splits a pod name into its parent and ordinal as the controller's
/// `(.*)-([0-9]+)$` does: the parent is everything before the last `-`.
pub fn parse_pod_name(name: &str) -> Option<(&str, u32)> {
    let (parent, ordinal) = name.rsplit_once('-')?;
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parent, ordinal.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_has_its_own_pod_cidr_past_the_256th() {
        assert_eq!(PodCidr::of(0).to_string(), "10.244.0.0/24");
        assert_eq!(PodCidr::of(255).to_string(), "10.244.255.0/24");
        assert_eq!(PodCidr::of(256).to_string(), "10.245.0.0/24");
        assert_eq!(PodCidr::of(3_072).to_string(), "10.0.0.0/24");
        assert_eq!(PodCidr::of(256).address(2).to_string(), "10.245.0.2");
        let ranges: std::collections::BTreeSet<String> =
            (0..1 << 16).map(|n| PodCidr::of(n).to_string()).collect();
        assert_eq!(ranges.len(), 1 << 16);
    }

    #[test]
    fn addresses_print_dotted() {
        let ip = |a: u8, b: u8, c: u8, d: u8| Ipv4(u32::from_be_bytes([a, b, c, d]));
        assert_eq!(ip(0, 0, 0, 0).to_string(), "0.0.0.0");
        assert_eq!(ip(10, 0, 1, 5).to_string(), "10.0.1.5");
        assert_eq!(ip(192, 168, 100, 99).to_string(), "192.168.100.99");
        assert_eq!(ip(255, 255, 255, 255).to_string(), "255.255.255.255");
        assert_eq!(format!("[{:<9}]", ip(10, 0, 1, 5)), "[10.0.1.5 ]");
        for n in [0, 7, 10, 99, 100, 255] {
            let mut out = String::from(">");
            ip(n, 200, 9, n).push_to(&mut out);
            assert_eq!(out, format!(">{n}.200.9.{n}"));
        }
    }

    #[test]
    fn names_follow_the_controller() {
        assert_eq!(pod_name("web", 2), "web-2");
        assert_eq!(claim_name("www", "web", 0), "www-web-0");
        assert_eq!(parse_pod_name("my-db-12"), Some(("my-db", 12)));
        assert_eq!(parse_pod_name("web-"), None);
        assert_eq!(parse_pod_name("web-x1"), None);
        assert_eq!(parse_pod_name("web"), None);
        assert_eq!(claim_ordinal("www-web-3", "www", "web"), Some(3));
        assert_eq!(claim_ordinal("www-web-v2-3", "www", "web"), None);
        assert_eq!(claim_ordinal("www-web-", "www", "web"), None);
    }

    #[test]
    fn ordinals_print_as_decimal_does() {
        for ordinal in [0, 1, 9, 10, 99, 100, 4_294_967, 1_000_000_000, u32::MAX] {
            assert_eq!(pod_name("web", ordinal), format!("web-{ordinal}"));
            assert_eq!(claim_name("www", "web", ordinal), format!("www-web-{ordinal}"));
        }
    }

    #[test]
    fn ip_prints_dotted() {
        assert_eq!(Ipv4(0x0af4_0102).to_string(), "10.244.1.2");
    }
}
