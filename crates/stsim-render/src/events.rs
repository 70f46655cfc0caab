//! A run's trace as Kubernetes events, in the shape of `kubectl events`.
//!
//! Owns the mapping from trace records to the events the real components
//! would have recorded: their object, `type` (Normal or Warning), `reason`
//! (`SuccessfulCreate`, `FailedScheduling`, `Killing`, `FailedAttachVolume`,
//! ...) and message, and the table with times since the start (like
//! `--since-start`) or as RFC 3339 after a given start time. Reasons and
//! messages follow the components' event recorders (statefulset
//! `stateful_pod_control.go`, its `FailedCreate` for a pod the API server
//! refused too and for a claim it refused (with its pod's), its
//! `SuccessfulDelete` for every pod it deletes (gone at once or not), its
//! `SuccessfulUpdate` (`pod_updates`), and
//! `RecreatingFailedPod` before it deletes a finished pod in range to make
//! it again, in releases before k/k PR #123809,
//! kube-scheduler's `FailedScheduling`/`Scheduled`,
//! the kubelet's `Killing` (a deleted pod's containers stopped; one
//! restarted for its failed liveness or startup probe or changed image),
//! `Pulling`/`Pulled` (from each pod's image
//! checks, `PodHistory::image_checks`), `Created`/`Started` (worded per
//! release), its image and back-off `Failed`,
//! `BackOff`, `ErrImageNeverPull` and `InvalidImageName`'s `InspectFailed`,
//! `FailedCreatePodSandBox` at each sync of a pod whose sandbox it cannot
//! make (`sandbox`)
//! (for an init container too, by its
//! name: the one its pod's `Init:<done>/<all>` was at), the attach-detach controller's
//! `SuccessfulAttachVolume`/`FailedAttachVolume`, the PV controller's
//! `WaitForFirstConsumer`/`ExternalProvisioning` and the external
//! provisioner's `Provisioning`/`ProvisioningSucceeded` (and its
//! `VolumeFailedDelete` for a disk still attached: `deletion`), the node's
//! `NodeNotReady`/`NodeReady` (Normal, from its kubelet or node lifecycle) and
//! node lifecycle's Warning `NodeNotReady` on each pod it marks not Ready),
//! each with the component whose recorder writes it.
//! Records no component would announce are left out. What the API server
//! keeps of them is `correlate`'s; the PV controller's words said again at
//! each resync are `resync`'s, the kubelet's said again at each retry of a
//! pod's failed sync `sync_retries`'.

pub mod correlate;
mod deletion;
pub mod list;
mod pod_updates;
mod provisioning;
pub mod resync;
mod sandbox;
mod states;
mod sync_retries;

pub use correlate::{Correlated, Recorded};
use states::{Reader, Said};
use std::fmt::Write;
use stsim_core::config::VolumeBindingMode;
use stsim_core::features::Version;
use stsim_core::objects::{
    ContainerRef, ContainerState, ImageCheck, Machine, NodeId, Pod, PodId, PodPhase, StatusColumn,
    image_manager_message,
};
use stsim_core::report::Text;
use stsim_core::sim::Simulation;
use stsim_core::time::{SimDuration, SimTime};
use stsim_core::trace::{Actor, Event};

/// The controllers' recorders, by their components' names.
const STATEFULSET: Source = Source::Controller("statefulset-controller");
const PV_CONTROLLER: Source = Source::Controller("persistentvolume-controller");
const ATTACH_DETACH: Source = Source::Controller("attachdetach-controller");
const NODE_CONTROLLER: Source = Source::Controller("node-controller");
const TAINT_EVICTION: Source = Source::Controller("taint-eviction-controller");
/// The external provisioner (a CSI driver's sidecar).
const PROVISIONER: Source = Source::Controller("external-provisioner");

/// One event, as its component emitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sEvent {
    pub at_ms: u64,
    /// Whose recorder wrote it.
    pub source: Source,
    pub warning: bool,
    pub reason: &'static str,
    pub involved: Involved,
    pub message: Text,
    /// How many more emissions, the same as this one, it stands for: the
    /// PV controller's resyncs of a claim waiting for hours are counted
    /// at their last, not listed (`resync`). 0 for an event on its own.
    pub also: u32,
}

/// Who records an event: its `source` (component and host). Each
/// component has its own recorder, and so its own counts and spam budget
/// (`correlate`); a kubelet's start anew begins them afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The kubelet of a node (`source.host` is the node).
    Kubelet(NodeId),
    /// A controller that records through client-go's `tools/record`, by
    /// its component name (`statefulset-controller`,
    /// `persistentvolume-controller`, ...).
    Controller(&'static str),
    /// kube-scheduler, which records through `events.k8s.io/v1`
    /// (`tools/events`), with event series instead of counts.
    Scheduler,
}

impl Source {
    /// The kubelet of the node `pod` is bound to: the one that records its
    /// container events. (Only a bound pod has any; an unbound one would
    /// be given a kubelet of no node.)
    fn kubelet_of(pod: &Pod) -> Source {
        pod.node.map_or(Source::Controller("kubelet"), Source::Kubelet)
    }
}

/// The object an event is about (`involvedObject`): its kind and name, its
/// identity (a pod made anew under the same name is another object, and
/// its events are counted apart), and for a container's event the
/// container (`fieldPath`, `spec.containers{main}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Involved {
    /// The resource, in lower case as `--for` names it: `pod` (its
    /// `Kind` is [`Involved::kind_name`]).
    pub kind: &'static str,
    pub name: Text,
    /// The object's identity: its uid (a node's index: nodes carry none in
    /// the model, and are then served without one).
    pub uid: u64,
    pub container: Option<ContainerRef>,
    /// The container as `involvedObject.fieldPath` names it:
    /// `spec.containers{main}`, `spec.initContainers{migrate}`.
    pub field_path: Option<Text>,
}

impl Involved {
    /// A pod, or one of its containers.
    fn pod(pod: &Pod, container: Option<ContainerRef>) -> Involved {
        let field_path = container.map(|c| {
            Text::from(match c {
                ContainerRef::Init(_) => format!("spec.initContainers{{{}}}", container_name_of(pod, c)),
                ContainerRef::Regular(_) => format!("spec.containers{{{}}}", container_name_of(pod, c)),
            })
        });
        Involved { kind: "pod", name: pod.name.clone().into(), uid: pod.uid.0, container, field_path }
    }
    fn node(node: &stsim_core::objects::Node) -> Involved {
        let uid = u64::from(node.id.0);
        Involved { kind: "node", name: node.name.clone().into(), uid, container: None, field_path: None }
    }
    fn statefulset(set: &stsim_core::objects::StatefulSet) -> Involved {
        Involved::whole("statefulset", &set.name, set.uid.0)
    }
    fn claim(pvc: &stsim_core::objects::Pvc) -> Involved {
        Involved::whole("persistentvolumeclaim", &pvc.name, pvc.uid.0)
    }
    fn volume(pv: &stsim_core::objects::Pv) -> Involved {
        Involved::whole("persistentvolume", &pv.name, pv.uid.0)
    }
    fn whole(kind: &'static str, name: &str, uid: u64) -> Involved {
        Involved { kind, name: name.to_string().into(), uid, container: None, field_path: None }
    }
    /// The object's `Kind` (`involvedObject.kind`): `Pod`, `StatefulSet`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            "pod" => "Pod",
            "statefulset" => "StatefulSet",
            "persistentvolumeclaim" => "PersistentVolumeClaim",
            "persistentvolume" => "PersistentVolume",
            _ => "Node",
        }
    }

    /// Whether the object lives in a namespace: events about the others
    /// (nodes, volumes) are kept in `default` (client-go `tools/record`
    /// makes an event in its object's namespace, `default` for none).
    pub fn namespaced(&self) -> bool {
        !matches!(self.kind, "node" | "persistentvolume")
    }

    /// The OBJECT column of `kubectl events`: the kind as it is, then the
    /// name, `Pod/redis-0` (kubectl/pkg/cmd/events/event_printer.go
    /// `printOneEvent`: `"%s/%s"` of `InvolvedObject.Kind` and `.Name`).
    /// (`kubectl get events` writes the kind in lower case, `pod/redis-0`;
    /// nothing here imitates that table.)
    pub fn object(&self) -> String {
        format!("{}/{}", self.kind_name(), self.name)
    }
}

/// The kubelet's `Stopping container NAME` for each container of `pod` it
/// last reported running (`states`, for a pod of several containers;
/// `running`, its STATUS, for one of a single container).
fn stopping(
    pod: &Pod,
    states: &[ContainerState],
    running: bool,
    sidecars: impl Iterator<Item = usize>,
) -> Vec<(ContainerRef, String)> {
    let first_running = first_running(states, running);
    let others = states.iter().enumerate().skip(1).filter(|(_, s)| **s == ContainerState::Running);
    let regular =
        (first_running.then_some(0).into_iter()).chain(others.map(|(index, _)| index)).map(|index| {
            (
                ContainerRef::Regular(index as u32),
                format!("Stopping container {}", container_name(pod, index)),
            )
        });
    // The sidecars are told at once too: each then waits for its turn.
    let sidecars = sidecars.map(|index| {
        let name = &pod.init_containers[index].name;
        (ContainerRef::Init(index as u32), format!("Stopping container {name}"))
    });
    regular.chain(sidecars).collect()
}

/// Whether the kubelet last reported `pod`'s first container running
/// (`states` and `running` as for `stopping`).
fn first_running(states: &[ContainerState], running: bool) -> bool {
    match states.first() {
        Some(state) => *state == ContainerState::Running,
        None => running,
    }
}

/// The kubelet's `Killing` when it restarts a running container in place:
/// kuberuntime `computePodActions` words why, and `killContainer` records
/// it with ", will be restarted".
fn restarting(pod: &Pod, why: &str) -> (ContainerRef, String) {
    let name = container_name(pod, 0);
    (ContainerRef::Regular(0), format!("Container {name} {why}, will be restarted"))
}

/// The events the API server holds at the end of the run: those of
/// `collect` through their recorders (`correlate`).
pub fn recorded(sim: &Simulation) -> Correlated {
    let starts = kubelet_starts(sim);
    let mut correlating = correlate::Correlating::new(&starts);
    collect_each(sim, &mut |event| correlating.push(event));
    correlating.finish()
}

/// Every event as its component emitted it, each on its own.
pub fn emitted(sim: &Simulation) -> Vec<Recorded> {
    let (mut out, mut strings) = (Vec::new(), correlate::Strings::default());
    collect_each(sim, &mut |event| out.push(Recorded::of(strings.event(event))));
    out
}

/// When a node's kubelet started anew, with a recorder of its own: when
/// its machine runs again after a crash (not after a partition, which the
/// kubelet lives through).
fn kubelet_starts(sim: &Simulation) -> Vec<(u64, NodeId)> {
    let mut machine = vec![Machine::Running; sim.world.nodes.len()];
    let mut starts = Vec::new();
    for record in &sim.trace.records {
        if let Event::NodeMachine { node, state } = &record.event {
            let was = std::mem::replace(&mut machine[node.index()], *state);
            if (was, *state) == (Machine::Crashed, Machine::Running) {
                starts.push((record.at.as_millis(), *node));
            }
        }
    }
    starts
}

/// The events of a run, in trace order.
pub fn collect(sim: &Simulation) -> Vec<K8sEvent> {
    let mut out = Vec::new();
    collect_each(sim, &mut |event| out.push(event));
    out
}

/// The events of a run, in trace order, each given to `sink` as it is
/// made: a run of millions of records is not held twice over.
pub fn collect_each(sim: &Simulation, sink: &mut dyn FnMut(K8sEvent)) {
    let world = &sim.world;
    let release = sim.config.kubernetes;
    // The events no trace record carries, in time order, given out among
    // the trace's: at the same instant, the trace's first (what made the
    // kubelet look at an image happened before it).
    let mut extra = image_events(sim, release);
    extra.extend(scheduling_retries(sim));
    extra.extend(provisioning::retries(sim));
    extra.extend(sync_retries::repeats(sim, release));
    extra.extend(sandbox::failures(sim));
    extra.extend(deletion::refused_deletes(sim));
    extra.extend(resync::repeats(sim, |pvc| {
        let claim = world.pvc(pvc);
        let class = world.class(claim.storage_class?);
        let said = provisioning::provisioning(class, &claim.name, &sim.config.namespace, release);
        said.into_iter().find(|(source, ..)| *source == PV_CONTROLLER).map(|(_, _, message)| message)
    }));
    extra.sort_by_key(|e| e.at_ms);
    let mut extra = extra.into_iter().peekable();
    // Each container's last state, for pods with more than one.
    let mut last_state: Vec<Vec<ContainerState>> = (world.pods.iter())
        .map(|p| {
            vec![
                ContainerState::Unscheduled;
                if p.extra_containers.is_empty() { 0 } else { 1 + p.extra_containers.len() }
            ]
        })
        .collect();
    // What each record says of its pod's containers.
    let mut states = Reader::new(world);
    // Whether each single-container pod's STATUS was last `Running`.
    let mut running: Vec<bool> = vec![false; world.pods.len()];
    // Each claim the PV controller bound at its creation to a volume that
    // existed (one kept for it, or an Available one): it never waits, so it
    // gets none of the waiting events. (A volume provisioned at once, with
    // no provisioning delay, still went through the provisioner.)
    let mut bound_at_creation = vec![false; world.pvcs.len()];
    for record in &sim.trace.records {
        if let Event::PvcBound { pvc, pv } = &record.event
            && world.pvc(*pvc).created_at == record.at
            && world.pv(*pv).origin != stsim_core::objects::PvOrigin::ProvisionedByClass
        {
            bound_at_creation[pvc.index()] = true;
        }
    }
    // Each node's machine: running and reaching the control plane, crashed,
    // or cut off from it.
    let mut machine = vec![Machine::Running; world.nodes.len()];
    // Each cut-off node's pods deleted meanwhile (gracefully or by force)
    // whose containers run on: its kubelet hears of the deletion only once
    // it reaches the API server again, and stops them then.
    let mut unheard: Vec<Vec<PodId>> = vec![Vec::new(); world.nodes.len()];
    // Each node's Ready condition as the last record left it (a node is
    // made Ready).
    let mut ready_condition = vec![stsim_core::objects::ConditionStatus::True; world.nodes.len()];
    // Who a volume attached to a node was for: the last pod made that was
    // bound there with the claim, as the run ended (looked up by each
    // attach; a run makes hundreds of thousands of pods).
    let mut users: std::collections::BTreeMap<(NodeId, &str), &Pod> = std::collections::BTreeMap::new();
    for pod in &world.pods {
        if let Some(node) = pod.node {
            for claim in &pod.claims {
                users.insert((node, claim.as_str()), pod);
            }
        }
    }
    // The StatefulSet controller's updates of its pods.
    let mut updates = pod_updates::Updates::default();
    // Before k/k PR #123809, the pods the StatefulSet controller made, by
    // instant and name: a finished pod it deleted and made again in one
    // pass was recreated (`controller_deleted`).
    let remade: std::collections::BTreeSet<(SimTime, &str)> = match release.recreates_finished_pod_next_sync()
    {
        true => Default::default(),
        false => (sim.trace.records.iter())
            .filter(|r| r.actor == Actor::StatefulSetController)
            .filter_map(|r| match r.event {
                Event::PodCreated { pod, .. } => Some((r.at, world.pod(pod).name.as_str())),
                _ => None,
            })
            .collect(),
    };
    let remade_now = |at: SimTime, pod: &Pod| remade.contains(&(at, pod.name.as_str()));
    for record in &sim.trace.records {
        let at_ms = record.at.as_millis();
        let mut reconnected = Vec::new();
        if let Event::NodeMachine { node, state } = &record.event {
            let was = std::mem::replace(&mut machine[node.index()], *state);
            let deleted = std::mem::take(&mut unheard[node.index()]);
            if (was, *state) == (Machine::Partitioned, Machine::Running) {
                reconnected = deleted;
                // (Deleted gracefully, then again with a shorter grace or by force.)
                reconnected.sort();
                reconnected.dedup();
            }
        }
        let started_anew = match &record.event {
            Event::PodStatus { pod, status, .. } => {
                // (A sidecar's `Init:<reason>` over the container leaves it running.)
                let sidecar =
                    status.reason().is_some_and(|r| r.starts_with("Init:")) && states.sidecar_down(*pod);
                let now = *status == StatusColumn::Reason("Running") || (sidecar && running[pod.index()]);
                !std::mem::replace(&mut running[pod.index()], now) && now
            }
            _ => false,
        };
        let mut push =
            |source: Source, warning: bool, reason: &'static str, involved: Involved, message: String| {
                while let Some(next) = extra.next_if(|e| e.at_ms < at_ms) {
                    sink(next);
                }
                sink(K8sEvent { at_ms, source, warning, reason, involved, message: message.into(), also: 0 });
            };
        let set_of = |owner: Option<stsim_core::objects::StsId>| owner.map(|s| world.sts(s));
        // A pod's kubelet (the node it was bound to).
        let kubelet = Source::kubelet_of;
        // A container entering a failed state (by its pod's STATUS, its
        // pod's `Init:<reason>` or its own record): the kubelet's words.
        if let Some(Said { pod, container: Some((container, Some(state))), .. }) = states.read(&record.event)
        {
            let pod = world.pod(pod);
            if let Some(name_image) = name_and_image(pod, container) {
                let involved = Involved::pod(pod, Some(container));
                for (warning, reason, message) in
                    container_events(pod, name_image, state, release, &sim.config.namespace)
                {
                    push(kubelet(pod), warning, reason, involved.clone(), message);
                }
            }
        }
        if let Some((pod, set)) = updates.read(world, record) {
            let set = world.sts(set);
            let message = format!("update Pod {pod} in StatefulSet {} successful", set.name);
            push(STATEFULSET, false, "SuccessfulUpdate", Involved::statefulset(set), message);
        }
        // The StatefulSet controller's delete of a pod that left at once, or
        // is held by its finalizers (a graceful one is its `PodDeleting`).
        if record.actor == Actor::StatefulSetController
            && let Event::PodRemoved { pod, .. } | Event::PodHeld { pod, .. } = &record.event
            && let pod = world.pod(*pod)
            && let Some(set) = set_of(pod.owner)
        {
            controller_deleted(&mut push, pod, set, remade_now(record.at, pod), &sim.config.namespace);
        }
        match &record.event {
            Event::PodCreated { pod, .. } => {
                let pod = world.pod(*pod);
                if let Some(set) = set_of(pod.owner) {
                    let message = format!("create Pod {} in StatefulSet {} successful", pod.name, set.name);
                    push(STATEFULSET, false, "SuccessfulCreate", Involved::statefulset(set), message);
                }
            }
            // A pod the API server refused: the StatefulSet controller's
            // `recordPodEvent` (stateful_pod_control.go), on the set.
            Event::PodCreateInvalid { name, message } if record.actor == Actor::StatefulSetController => {
                let alive =
                    |s: &&stsim_core::objects::StatefulSet| s.removed_at.is_none_or(|at| at > record.at);
                let set = stsim_core::objects::parse_pod_name(name)
                    .and_then(|(set, _)| world.statefulsets.iter().filter(alive).find(|s| s.name == set));
                if let Some(set) = set {
                    let message =
                        format!("create Pod {name} in StatefulSet {} failed error: {message}", set.name);
                    push(STATEFULSET, true, "FailedCreate", Involved::statefulset(set), message);
                }
            }
            // A claim the API server refused (a claim template the set's
            // validation let through before 1.34): `createPersistentVolumeClaims`'
            // `recordClaimEvent`, then `CreateStatefulPod`'s `recordPodEvent`
            // with its error, as no pod is made (stateful_pod_control.go;
            // kubernetes/kubernetes#132211 shows the pod's).
            Event::PvcCreateInvalid { name, message } if record.actor == Actor::StatefulSetController => {
                let alive =
                    |s: &&stsim_core::objects::StatefulSet| s.removed_at.is_none_or(|at| at > record.at);
                // `<template>-<set>-<ordinal>`: the set whose template makes it.
                let owner = world.statefulsets.iter().filter(alive).find_map(|set| {
                    let template = set.spec.volume_claim_templates.iter().find(|t| {
                        name.strip_prefix(&format!("{}-{}-", t.name, set.name))
                            .is_some_and(|ordinal| ordinal.bytes().all(|b| b.is_ascii_digit()))
                    })?;
                    Some((set, &name[template.name.len() + 1..]))
                });
                if let Some((set, pod)) = owner {
                    let claim = format!(
                        "create Claim {name} for Pod {pod} in StatefulSet {} failed error: {message}",
                        set.name
                    );
                    push(STATEFULSET, true, "FailedCreate", Involved::statefulset(set), claim);
                    let pod = format!(
                        "create Pod {pod} in StatefulSet {} failed error: failed to create PVC {name}: {message}",
                        set.name
                    );
                    push(STATEFULSET, true, "FailedCreate", Involved::statefulset(set), pod);
                }
            }
            Event::PvcCreated { pvc: id } => {
                let pvc = world.pvc(*id);
                if record.actor == Actor::StatefulSetController
                    && let Some(set) = set_of(pvc.statefulset)
                {
                    // The claim name is `<template>-<set>-<ordinal>`; the pod is the part after the template.
                    let pod = pvc
                        .name
                        .find(&format!("-{}-", set.name))
                        .map_or(String::new(), |i| pvc.name[i + 1..].to_string());
                    let message =
                        format!("create Claim {} Pod {pod} in StatefulSet {} success", pvc.name, set.name);
                    push(STATEFULSET, false, "SuccessfulCreate", Involved::statefulset(set), message);
                }
                // The PV controller's first sync of the claim, unless it bound
                // a volume kept for the claim at once (`syncUnboundClaim`).
                let class = pvc.storage_class.map(|c| world.class(c));
                if pvc.volume_name.is_none() && !bound_at_creation[id.index()] {
                    let object = Involved::claim(pvc);
                    match class {
                        Some(c) if c.binding_mode == VolumeBindingMode::WaitForFirstConsumer => push(
                            PV_CONTROLLER,
                            false,
                            "WaitForFirstConsumer",
                            object,
                            "waiting for first consumer to be created before binding".to_string(),
                        ),
                        Some(c) if c.provisions() => {
                            for (source, reason, message) in
                                provisioning::provisioning(c, &pvc.name, &sim.config.namespace, release)
                            {
                                push(source, false, reason, object.clone(), message);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::PodDeleting { pod, .. } => {
                let pod = world.pod(*pod);
                if record.actor == Actor::StatefulSetController
                    && let Some(set) = set_of(pod.owner)
                {
                    let message = format!("delete Pod {} in StatefulSet {} successful", pod.name, set.name);
                    push(STATEFULSET, false, "SuccessfulDelete", Involved::statefulset(set), message);
                }
                // The kubelet stops the containers it runs, if its machine
                // runs and reaches the API server: a crashed machine's
                // containers are gone, a cut-off kubelet does not see the
                // deletion (`killContainer`, pkg/kubelet/kuberuntime) until
                // it is back.
                match pod.node.map(|node| (node, machine[node.index()])) {
                    Some((node, Machine::Running)) => {
                        for (container, message) in stopping(
                            pod,
                            &last_state[pod.id.index()],
                            running[pod.id.index()],
                            states.running_sidecars(pod),
                        ) {
                            let involved = Involved::pod(pod, Some(container));
                            push(Source::Kubelet(node), false, "Killing", involved, message);
                        }
                    }
                    Some((node, Machine::Partitioned)) => unheard[node.index()].push(pod.id),
                    _ => {}
                }
            }
            // Gone at once, by force, from a cut-off node: its kubelet stops
            // the containers of the pod it no longer finds once it is back
            // (a graceful delete there is already waiting).
            Event::PodRemoved { pod, force } => {
                let pod = world.pod(*pod);
                if *force
                    && let Some(node) = pod.node
                    && machine[node.index()] == Machine::Partitioned
                {
                    unheard[node.index()].push(pod.id);
                }
            }
            Event::NodeMachine { .. } => {
                for pod in reconnected.iter().map(|p| world.pod(*p)) {
                    for (container, message) in stopping(
                        pod,
                        &last_state[pod.id.index()],
                        running[pod.id.index()],
                        states.running_sidecars(pod),
                    ) {
                        push(kubelet(pod), false, "Killing", Involved::pod(pod, Some(container)), message);
                    }
                }
            }
            // The kubelet kills a container that failed its probe, and
            // restarts it after the back-off.
            // A sidecar's failed startup probe: `computeInitContainerActions`'
            // message, without the regular containers' "will be restarted".
            Event::ContainerKilling { pod, probe, init: Some(init), .. } => {
                let pod = world.pod(*pod);
                let name = pod.init_containers.get(*init as usize).map_or("", |c| c.name.as_str());
                let message = format!("Init container {name} failed {} probe", probe.as_str());
                let container = ContainerRef::Init(*init);
                push(kubelet(pod), false, "Killing", Involved::pod(pod, Some(container)), message);
            }
            Event::ContainerKilling { pod, probe, .. } => {
                let pod = world.pod(*pod);
                let (container, message) = restarting(pod, &format!("failed {} probe", probe.as_str()));
                push(kubelet(pod), false, "Killing", Involved::pod(pod, Some(container)), message);
            }
            // The image of a running container changed in the pod's spec
            // (`Api::update_pod_image`): the kubelet kills it at once and
            // starts the new image once it has exited.
            Event::PodPatched { pod, change }
                if change.starts_with("image ")
                    && first_running(&last_state[pod.index()], running[pod.index()]) =>
            {
                let pod = world.pod(*pod);
                let (container, message) = restarting(pod, "definition changed");
                push(kubelet(pod), false, "Killing", Involved::pod(pod, Some(container)), message);
            }
            // The kubelet's node shutdown manager (pkg/kubelet/nodeshutdown):
            // the event's words, not its log line's ("detected new shutdown event").
            Event::NodeShuttingDown { node, pods_grace } if !pods_grace.is_zero() => {
                let message = "Shutdown manager detected shutdown event".to_string();
                push(Source::Kubelet(*node), false, "Shutdown", Involved::node(world.node(*node)), message);
            }
            Event::PodUnschedulable { pod, message } => {
                let involved = Involved::pod(world.pod(*pod), None);
                push(Source::Scheduler, true, "FailedScheduling", involved, message.clone());
            }
            Event::PodScheduled { pod, node } => {
                let pod = world.pod(*pod);
                let message = format!(
                    "Successfully assigned {}/{} to {}",
                    sim.config.namespace,
                    pod.name,
                    world.node(*node).name
                );
                push(Source::Scheduler, false, "Scheduled", Involved::pod(pod, None), message);
            }
            // A pod with one regular container (and a sidecar with a
            // readiness probe) has its start told by its status below.
            Event::ContainerStatus { pod, .. } if world.pod(*pod).extra_containers.is_empty() => {}
            Event::ContainerStatus { pod, container, state, .. } => {
                let pod = world.pod(*pod);
                let index = *container as usize;
                let was = std::mem::replace(&mut last_state[pod.id.index()][index], *state);
                let container = ContainerRef::Regular(index as u32);
                if *state == ContainerState::Running && was != ContainerState::Running {
                    for (reason, message) in container_start(pod, container, record.at, release) {
                        push(kubelet(pod), false, reason, Involved::pod(pod, Some(container)), message);
                    }
                }
            }
            // The container started (again, after a restart or a new sandbox).
            Event::PodStatus { pod, status: StatusColumn::Reason("Running"), .. }
                if world.pod(*pod).extra_containers.is_empty() && started_anew =>
            {
                let pod = world.pod(*pod);
                let container = ContainerRef::Regular(0);
                for (reason, message) in container_start(pod, container, record.at, release) {
                    push(kubelet(pod), false, reason, Involved::pod(pod, Some(container)), message);
                }
            }
            Event::VolumeAttached { pv, node } => {
                let pv = world.pv(*pv);
                let claim = pv.claim.map(|c| world.pvc(c).name.as_str());
                let user = claim.and_then(|claim| users.get(&(*node, claim)).copied());
                let involved = user.map_or_else(|| Involved::volume(pv), |p| Involved::pod(p, None));
                let message = format!("AttachVolume.Attach succeeded for volume \"{}\"", pv.name);
                push(ATTACH_DETACH, false, "SuccessfulAttachVolume", involved, message);
            }
            Event::VolumeMultiAttach { pod, message, .. } => {
                let involved = Involved::pod(world.pod(*pod), None);
                push(ATTACH_DETACH, true, "FailedAttachVolume", involved, message.clone());
            }
            // The scheduler's chosen node on a WaitForFirstConsumer claim:
            // the claim goes to its class's provisioner.
            Event::PvcSelectedNode { pvc, .. } => {
                let pvc = world.pvc(*pvc);
                if let Some(class) = pvc.storage_class.map(|c| world.class(c)) {
                    let object = Involved::claim(pvc);
                    for (source, reason, message) in
                        provisioning::provisioning(class, &pvc.name, &sim.config.namespace, release)
                    {
                        push(source, false, reason, object.clone(), message);
                    }
                }
            }
            // The PV controller's word on a claim it cannot bind or provision
            // (`FailedBinding`, `VolumeMismatch`, `ProvisioningFailed`).
            // A provisioner's refusal is its own event (sig-storage-lib-external-provisioner's
            // `provisionClaimOperation`); `provisioning::retries` adds its later attempts.
            Event::PvcWaiting { pvc, reason, message, warning } => {
                let source = if provisioning::refused_by_provisioner(reason, message) {
                    PROVISIONER
                } else {
                    PV_CONTROLLER
                };
                push(source, *warning, reason, Involved::claim(world.pvc(*pvc)), message.clone())
            }
            // `deleteVolumeOperation`: nothing deletes the released volume.
            Event::PvFailed { pv, message } => {
                let involved = Involved::volume(world.pv(*pv));
                push(PV_CONTROLLER, true, "VolumeFailedDelete", involved, message.clone())
            }
            Event::PvcBound { pvc, pv } if record.actor == Actor::VolumeController => {
                let message = format!("Successfully provisioned volume {}", world.pv(*pv).name);
                let involved = Involved::claim(world.pvc(*pvc));
                push(PROVISIONER, false, "ProvisioningSucceeded", involved, message);
            }
            Event::NodeCondition { node, status } => {
                use stsim_core::objects::ConditionStatus;
                let was = std::mem::replace(&mut ready_condition[node.index()], *status);
                // Node lifecycle records the change only from True
                // (`monitorNodeHealth`: "Report node event only once when
                // status changed", when the observed condition was True): a
                // kubelet's False turned Unknown is no new event.
                if *status == ConditionStatus::Unknown && was != ConditionStatus::True {
                    continue;
                }
                let node = world.node(*node);
                let ready = matches!(status, ConditionStatus::True);
                let reason = if ready { "NodeReady" } else { "NodeNotReady" };
                // The kubelet records its own report (`recordNodeStatusEvent`);
                // node lifecycle, the `Unknown` it writes for a silent kubelet.
                let source = match status {
                    stsim_core::objects::ConditionStatus::Unknown => NODE_CONTROLLER,
                    _ => Source::Kubelet(node.id),
                };
                // Normal either way: the kubelet's `recordNodeStatusEvent`
                // (pkg/kubelet/nodestatus/setters.go) and node lifecycle's
                // `RecordNodeStatusChange` (pkg/controller/util/node/
                // controller_utils.go) both record `v1.EventTypeNormal`.
                let message = format!("Node {} status is now: {reason}", node.name);
                push(source, false, reason, Involved::node(node), message);
            }
            // `MarkPodsNotReady` (controller_utils.go): node lifecycle records a
            // Warning on each pod whose Ready condition it changed
            // (`UpdatePodCondition` true), after writing it; a pod already not
            // Ready gets no event, and no record here either.
            Event::PodReady { pod, ready: false } if record.actor == Actor::NodeLifecycleController => {
                let involved = Involved::pod(world.pod(*pod), None);
                push(NODE_CONTROLLER, true, "NodeNotReady", involved, "Node is not ready".to_string());
            }
            Event::NodeUnschedulable { node, unschedulable } => {
                let node = world.node(*node);
                let reason = if *unschedulable { "NodeNotSchedulable" } else { "NodeSchedulable" };
                let message = format!("Node {} status is now: {reason}", node.name);
                push(Source::Kubelet(node.id), false, reason, Involved::node(node), message);
            }
            // Node lifecycle's first look at a Node it did not know
            // (`monitorNodeHealth`'s `added`); one registered again is Ready
            // from its creation.
            Event::NodeAdded { node } => {
                ready_condition[node.index()] = stsim_core::objects::ConditionStatus::True;
                let node = world.node(*node);
                let message =
                    format!("Node {} event: Registered Node {} in Controller", node.name, node.name);
                push(NODE_CONTROLLER, false, "RegisteredNode", Involved::node(node), message);
            }
            Event::NodeRemoved { node } => {
                let node = world.node(*node);
                let message =
                    format!("Node {} event: Removing Node {} from Controller", node.name, node.name);
                push(NODE_CONTROLLER, false, "RemovingNode", Involved::node(node), message);
            }
            Event::PodEvicted { pod, reason, message } => {
                let pod = world.pod(*pod);
                match *reason {
                    "DeletionByTaintManager" => {
                        // The taint eviction controller's event; the reason above is the pod condition's.
                        let message =
                            format!("Marking for deletion Pod {}/{}", sim.config.namespace, pod.name);
                        let involved = Involved::pod(pod, None);
                        push(TAINT_EVICTION, false, "TaintManagerEviction", involved, message);
                    }
                    // The API server's eviction subresource records no event
                    // (pkg/registry/core/pod/storage/eviction.go): the
                    // eviction shows as the DisruptionTarget condition, what
                    // `kubectl drain` prints, and the kubelet's Killing.
                    // Nor does pod GC, which has no event recorder
                    // (pkg/controller/podgc): its deletion shows as the
                    // condition and the pod gone.
                    "EvictionByEvictionAPI" | "DeletionByPodGC" => {}
                    _ => push(kubelet(pod), false, reason, Involved::pod(pod, None), message.clone()),
                }
            }
            Event::StatefulSetUpdateRejected { sts, message } => {
                let involved = Involved::statefulset(world.sts(*sts));
                push(STATEFULSET, true, "FailedUpdate", involved, message.clone());
            }
            _ => {}
        }
    }
    extra.for_each(sink);
}

/// The scheduler's `FailedScheduling` for each attempt that failed as the
/// one before (`PodHistory::scheduling_retries`, not in the trace), with
/// the message the pod had then.
fn scheduling_retries(sim: &Simulation) -> Vec<K8sEvent> {
    let mut verdicts: Vec<Vec<(SimTime, &str)>> = vec![Vec::new(); sim.world.pods.len()];
    for record in &sim.trace.records {
        if let Event::PodUnschedulable { pod, message } = &record.event {
            verdicts[pod.index()].push((record.at, message));
        }
    }
    let mut out = Vec::new();
    for pod in &sim.world.pods {
        let verdicts = &verdicts[pod.id.index()];
        for at in &pod.history.scheduling_retries {
            let Some((_, message)) = verdicts.iter().rev().find(|(when, _)| when <= at) else { continue };
            out.push(K8sEvent {
                at_ms: at.as_millis(),
                source: Source::Scheduler,
                warning: true,
                reason: "FailedScheduling",
                involved: Involved::pod(pod, None),
                message: message.to_string().into(),
                also: 0,
            });
        }
    }
    out
}

/// The StatefulSet controller's delete of a pod that left at once (never
/// scheduled, or finished) or was held by its finalizers: its
/// `SuccessfulDelete` (`recordPodEvent`, stateful_pod_control.go). A
/// finished pod in range is deleted to be made again: before k/k PR
/// #123809, `processReplica` said so first (`RecreatingFailedPod`, a
/// warning, for a Failed pod; `RecreatingTerminatedPod` for a Succeeded
/// one) and made the next in the same pass, which is how the view tells it
/// (`remade`) from a finished pod deleted by a scale-down, which says
/// nothing more. (A pass stopped by a stale claim made none: its event is
/// not shown.)
fn controller_deleted(
    push: &mut impl FnMut(Source, bool, &'static str, Involved, String),
    pod: &stsim_core::objects::Pod,
    set: &stsim_core::objects::StatefulSet,
    remade: bool,
    namespace: &str,
) {
    if pod.is_terminal() && remade {
        let (warning, reason, what) = match pod.status.phase {
            PodPhase::Failed => (true, "RecreatingFailedPod", "failed"),
            _ => (false, "RecreatingTerminatedPod", "terminated"),
        };
        let message = format!("StatefulSet {namespace}/{} is recreating {what} Pod {}", set.name, pod.name);
        push(STATEFULSET, warning, reason, Involved::statefulset(set), message);
    }
    let message = format!("delete Pod {} in StatefulSet {} successful", pod.name, set.name);
    push(STATEFULSET, false, "SuccessfulDelete", Involved::statefulset(set), message);
}

/// The image manager's events no trace record carries, from each pod's
/// image checks (`PodHistory::image_checks`): `Pulling` when a check asks
/// the registry, and for an init container, which has no record of its
/// start, `Pulled`, `Created` and `Started` once its image is there. (A
/// regular container's `Pulled` comes with its start, `container_start`.)
fn image_events(sim: &Simulation, release: Version) -> Vec<K8sEvent> {
    let mut out = Vec::new();
    for pod in &sim.world.pods {
        let source = Source::kubelet_of(pod);
        for check in &pod.history.image_checks {
            let involved = Involved::pod(pod, Some(check.container));
            if check.pulled {
                out.push(K8sEvent {
                    at_ms: check.asked.as_millis(),
                    source,
                    warning: false,
                    reason: "Pulling",
                    involved: involved.clone(),
                    message: format!("Pulling image \"{}\"", check.image).into(),
                    also: 0,
                });
            }
            let ContainerRef::Init(_) = check.container else { continue };
            if check.start(pod).is_none() {
                continue;
            }
            let name = container_name_of(pod, check.container);
            let at_ms = check.done.as_millis();
            let mut push = |reason: &'static str, message: String| {
                let involved = involved.clone();
                out.push(K8sEvent {
                    at_ms,
                    source,
                    warning: false,
                    reason,
                    involved,
                    message: message.into(),
                    also: 0,
                });
            };
            push("Pulled", pulled(check, release));
            for (reason, message) in lifecycle(release, name) {
                push(reason, message);
            }
        }
    }
    out.sort_by_key(|e| e.at_ms);
    out
}

/// The kubelet's events for a regular container's start at `at`: the image
/// check's `Pulled` (a restart finds the image on the node: `already
/// present`), then `Created` and `Started`.
fn container_start(
    pod: &Pod,
    container: ContainerRef,
    at: SimTime,
    release: Version,
) -> Vec<(&'static str, String)> {
    let check = (pod.history.image_checks.iter().rev())
        .find(|c| c.container == container && c.start(pod) == Some(at));
    let pulled = match check {
        Some(check) => pulled(check, release),
        None => present(image_of(pod, container)),
    };
    let mut events = vec![("Pulled", pulled)];
    events.extend(lifecycle(release, container_name_of(pod, container)));
    events
}

/// The image manager's `Pulled` message (pkg/kubelet/images
/// `EnsureImageExists`): from 1.26 the pull's own time and the time
/// including the wait for the node's puller (k/k #111772); before, the
/// time since the check was asked alone. (The image's size, which the
/// kubelet adds from 1.30, is not modelled.)
fn pulled(check: &ImageCheck, release: Version) -> String {
    if !check.pulled {
        return present(&check.image);
    }
    let waited = go_duration(check.done.since(check.asked));
    if release < Version::new(26, 0) {
        return format!("Successfully pulled image \"{}\" in {waited}", check.image);
    }
    let took = go_duration(check.done.since(check.started));
    format!("Successfully pulled image \"{}\" in {took} ({waited} including waiting)", check.image)
}

/// The image manager's `Failed` for a pull the registry refused: the
/// kubelet's `Failed to pull image` around the runtime's error, here
/// containerd's for a reference the registry does not have (a mistyped
/// tag, an image deleted from the registry), under the name it resolved.
fn pull_failed(image: &str) -> String {
    let reference = stsim_core::config::normalized_image(image);
    format!(
        "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
    )
}

/// `Pulled` for an image the node has and the policy does not pull.
fn present(image: &str) -> String {
    format!("Container image \"{image}\" already present on machine")
}

/// The runtime manager's `Created` and `Started` messages for container
/// `name` (pkg/kubelet/kuberuntime `startContainer`): `Created container
/// <name>` until 1.32, `Created container: <name>` in 1.33 and 1.34, and
/// from 1.35 `Container created` and `Container started`, the container
/// being the event's `fieldPath` (k/k #134043).
fn lifecycle(release: Version, name: &str) -> [(&'static str, String); 2] {
    if release >= Version::new(35, 0) {
        [("Created", "Container created".to_string()), ("Started", "Container started".to_string())]
    } else if release >= Version::new(33, 0) {
        [("Created", format!("Created container: {name}")), ("Started", format!("Started container {name}"))]
    } else {
        [("Created", format!("Created container {name}")), ("Started", format!("Started container {name}"))]
    }
}

/// Go's `time.Duration` text, as the kubelet's messages print it
/// (`500ms`, `2s`, `1.5s`, `2m0s`, `1h0m0s`).
fn go_duration(d: SimDuration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (hours, minutes, seconds, millis) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut text = String::new();
    if hours > 0 {
        let _ = write!(text, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(text, "{minutes}m");
    }
    let _ = write!(text, "{seconds}");
    if millis > 0 {
        let fraction = format!("{millis:03}");
        let _ = write!(text, ".{}", fraction.trim_end_matches('0'));
    }
    text.push('s');
    text
}

/// The name of `container` of `pod`.
fn container_name_of(pod: &Pod, container: ContainerRef) -> &str {
    match container {
        ContainerRef::Init(i) => &pod.init_containers[i as usize].name,
        ContainerRef::Regular(i) => container_name(pod, i as usize),
    }
}

/// The image `container` of `pod` names now.
fn image_of(pod: &Pod, container: ContainerRef) -> &str {
    match container {
        ContainerRef::Init(i) => &pod.init_containers[i as usize].image,
        ContainerRef::Regular(0) => &pod.image,
        ContainerRef::Regular(i) => &pod.extra_containers[i as usize - 1].image,
    }
}

/// The name and image of `container` of `pod`, if the pod has it.
fn name_and_image(pod: &Pod, container: ContainerRef) -> Option<(&str, &str)> {
    let (name, image) = match container {
        ContainerRef::Init(i) => pod.init_containers.get(i as usize).map(|c| (&c.name, &c.image))?,
        ContainerRef::Regular(0) => return Some((pod.container_name(), &pod.image)),
        ContainerRef::Regular(i) => pod.extra_containers.get(i as usize - 1).map(|c| (&c.name, &c.image))?,
    };
    Some((name, image))
}

/// The name of the pod's regular container `index`.
fn container_name(pod: &Pod, index: usize) -> &str {
    match index.checked_sub(1).and_then(|i| pod.extra_containers.get(i)) {
        Some(extra) => &extra.name,
        None => pod.container_name(),
    }
}

/// The failed state a STATUS reason (without `Init:`) names, if it is one
/// the kubelet announces.
fn failed_state(reason: &str) -> Option<ContainerState> {
    Some(match reason {
        "ErrImagePull" => ContainerState::ErrImagePull,
        "ImagePullBackOff" => ContainerState::ImagePullBackOff,
        "CrashLoopBackOff" => ContainerState::CrashLoopBackOff,
        "ErrImageNeverPull" => ContainerState::ErrImageNeverPull,
        "InvalidImageName" => ContainerState::InvalidImageName,
        _ => return None,
    })
}

/// The kubelet's events for `pod`'s container `name` (of `image`; an init
/// container or a regular one) entering `state`: the image manager's
/// (pkg/kubelet/images `Failed to pull image`, `Back-off pulling image`,
/// `ErrImageNeverPull`) and
/// the runtime manager's (`Error: ErrImagePull`, `Back-off restarting
/// failed container`).
fn container_events(
    pod: &Pod,
    (name, image): (&str, &str),
    state: ContainerState,
    release: stsim_core::features::Version,
    namespace: &str,
) -> Vec<(bool, &'static str, String)> {
    match state {
        // The image manager's words, then the runtime manager's. (An image
        // changed since is read as it is now: its words are left out.)
        ContainerState::InvalidImageName => {
            let inspect = image_manager_message(state.as_str(), image, release);
            let inspect = inspect.map(|message| (true, "InspectFailed", message));
            inspect.into_iter().chain([(true, "Failed", "Error: InvalidImageName".to_string())]).collect()
        }
        ContainerState::ErrImagePull => {
            vec![(true, "Failed", pull_failed(image)), (true, "Failed", "Error: ErrImagePull".to_string())]
        }
        ContainerState::ErrImageNeverPull => vec![
            (
                true,
                "ErrImageNeverPull",
                image_manager_message(state.as_str(), image, release).unwrap_or_default(),
            ),
            (true, "Failed", "Error: ErrImageNeverPull".to_string()),
        ],
        ContainerState::ImagePullBackOff => vec![
            (false, "BackOff", format!("Back-off pulling image \"{image}\"")),
            (true, "Failed", "Error: ImagePullBackOff".to_string()),
        ],
        ContainerState::CrashLoopBackOff => vec![(
            true,
            "BackOff",
            format!(
                "Back-off restarting failed container {name} in pod {}_{namespace}({})",
                pod.name,
                stsim_core::kube::uid(pod.uid)
            ),
        )],
        _ => Vec::new(),
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads an RFC 3339 time in UTC (`2026-01-02T15:04:05Z`), to milliseconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let bad =
        || format!("invalid start time {text:?}: expected RFC 3339 in UTC, like \"2026-01-02T15:04:05Z\"");
    let text_upper = text.to_ascii_uppercase();
    let body = text_upper.strip_suffix('Z').ok_or_else(bad)?;
    let (date, time) = body.split_once('T').ok_or_else(bad)?;
    let numbers =
        |s: &str, sep: char| -> Option<Vec<i64>> { s.split(sep).map(|p| p.parse::<i64>().ok()).collect() };
    let (time, millis) = match time.split_once('.') {
        Some((t, frac)) => {
            let digits: String = frac.chars().take(3).collect();
            let padded = format!("{digits:0<3}");
            (t, padded.parse::<i64>().map_err(|_| bad())?)
        }
        None => (time, 0),
    };
    let d = numbers(date, '-').filter(|d| d.len() == 3).ok_or_else(bad)?;
    let t = numbers(time, ':').filter(|t| t.len() == 3).ok_or_else(bad)?;
    if !(1..=12).contains(&d[1]) || !(1..=31).contains(&d[2]) || t[0] > 23 || t[1] > 59 || t[2] > 60 {
        return Err(bad());
    }
    let days = days_from_civil(d[0], d[1], d[2]);
    Ok(((days * 24 + t[0]) * 60 + t[1]) * 60_000 + t[2] * 1_000 + millis)
}

/// Formats milliseconds since the epoch as RFC 3339 in UTC.
pub fn format_rfc3339(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = stsim_core::kube::civil_from_days(days);
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1_000 % 60, rest % 1_000);
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
    }
}

/// The kind of object events name (`pod`, `statefulset`, ...) for a
/// resource type as kubectl takes it (`kubectl events --for TYPE/NAME`):
/// its name, plural or short name, in any case, alone or with its API
/// group (`statefulset.apps`, `sts.apps`; `pod.` for the core group) or
/// with its version and group (`statefulsets.v1.apps`, `pods.v1.`), as
/// apimachinery's `ParseResourceArg` reads them and the REST mapper finds
/// them. `None` for a type that has no events here, or in another group.
pub fn kind_of_resource(resource: &str) -> Option<&'static str> {
    let resource = resource.to_ascii_lowercase();
    // The kind and its group (`""`: the core group), served as `v1`.
    let kind = |name: &str| -> Option<(&'static str, &'static str)> {
        Some(match name {
            "pod" | "pods" | "po" => ("pod", ""),
            "statefulset" | "statefulsets" | "sts" => ("statefulset", "apps"),
            "persistentvolumeclaim" | "persistentvolumeclaims" | "pvc" => ("persistentvolumeclaim", ""),
            "persistentvolume" | "persistentvolumes" | "pv" => ("persistentvolume", ""),
            "node" | "nodes" | "no" => ("node", ""),
            _ => return None,
        })
    };
    // `resource.version.group` first, then `resource.group`: the group is
    // everything after the first dot.
    let mut parts = resource.splitn(3, '.');
    if let (Some(name), Some(version), Some(group)) = (parts.next(), parts.next(), parts.next())
        && let Some((kind, its_group)) = kind(name)
        && version == "v1"
        && group == its_group
    {
        return Some(kind);
    }
    match resource.split_once('.') {
        None => kind(&resource).map(|(kind, _)| kind),
        Some((name, group)) => kind(name).filter(|(_, its_group)| *its_group == group).map(|(kind, _)| kind),
    }
}

/// How times are shown.
#[derive(Debug, Clone, Copy)]
pub enum Times {
    /// Since the start of the run, like `1m30s`.
    SinceStart,
    /// RFC 3339, the run starting at this many ms since the epoch.
    At(i64),
}

impl Times {
    /// `at_ms` into the run, in ms since the epoch (the run starting at
    /// the epoch for [`Times::SinceStart`]).
    pub fn epoch_ms(self, at_ms: u64) -> i64 {
        let start = match self {
            Times::SinceStart => 0,
            Times::At(start) => start,
        };
        start.saturating_add(i64::try_from(at_ms).unwrap_or(i64::MAX))
    }

    /// `at_ms` into the run as the table shows a time: in whole seconds,
    /// as the API server keeps an event's `lastTimestamp` and as kubectl
    /// prints every time of an event (`2m56s` for 2m56.861s into the run,
    /// `2026-01-02T15:07:01Z` after `--start-time`).
    pub fn show(self, at_ms: u64) -> String {
        let whole = whole_seconds(self.epoch_ms(at_ms));
        match self {
            Times::SinceStart => SimTime::from_millis(u64::try_from(whole).unwrap_or(0)).to_string(),
            Times::At(_) => format_rfc3339(whole),
        }
    }
}

/// A time (ms since the epoch) as the API server keeps a `metav1.Time`,
/// such as an event's `firstTimestamp` and `lastTimestamp`: whole seconds,
/// the fraction dropped (its JSON is RFC 3339 without one, and its
/// protobuf form keeps no nanoseconds). A `MicroTime` (`eventTime`) keeps
/// its fraction.
pub fn whole_seconds(epoch_ms: i64) -> i64 {
    epoch_ms.div_euclid(1000).saturating_mul(1000)
}

/// The `kubectl events` table; Warning rows in yellow when `color`.
pub fn table(events: &[Recorded], times: Times, color: bool) -> String {
    let mut out = String::new();
    write_table(events, times, color, &mut |line| out.push_str(line));
    out
}

/// [`table`], given to `out` a line at a time: the columns' widths are
/// found in a first pass over the events, so no row is held.
pub fn write_table(events: &[Recorded], times: Times, color: bool, out: &mut dyn FnMut(&str)) {
    let header = match times {
        Times::SinceStart => "SINCE START",
        Times::At(_) => "TIME",
    };
    let row = |e: &Recorded| -> [String; 4] {
        [
            correlate::seen(e, times),
            if e.warning { "Warning" } else { "Normal" }.to_string(),
            e.reason.to_string(),
            e.object(),
        ]
    };
    let headers = [header, "TYPE", "REASON", "OBJECT", "MESSAGE"];
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for event in events {
        let cells = row(event);
        let cells = cells.iter().map(String::as_str).chain([event.message.as_str()]);
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &[&str], paint: bool| {
        text.clear();
        if paint {
            text.push_str("\u{1b}[33m");
        }
        let start = text.len();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}   ", width = widths[i]);
            }
        }
        text.truncate(start + text[start..].trim_end().len());
        if paint {
            text.push_str("\u{1b}[0m");
        }
        text.push('\n');
        out(&text);
    };
    line(&headers, false);
    for event in events {
        let cells = row(event);
        let [seen, kind, reason, object] = [&cells[0], &cells[1], &cells[2], &cells[3]];
        line(&[seen, kind, reason, object, &event.message], color && event.warning);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The resource types `kubectl events --for` takes, with and without
    /// their group and version; none of another group or version.
    #[test]
    fn resource_types_read_as_kubectl_reads_them() {
        for (resource, kind) in [
            ("sts", "statefulset"),
            ("StatefulSet", "statefulset"),
            ("statefulset.apps", "statefulset"),
            ("statefulsets.apps", "statefulset"),
            ("sts.apps", "statefulset"),
            ("StatefulSet.apps", "statefulset"),
            ("statefulsets.v1.apps", "statefulset"),
            ("po", "pod"),
            ("pods", "pod"),
            ("pod.", "pod"),
            ("pods.v1.", "pod"),
            ("pvc", "persistentvolumeclaim"),
            ("persistentvolumeclaims.v1.", "persistentvolumeclaim"),
            ("pv", "persistentvolume"),
            ("no", "node"),
            ("Node", "node"),
        ] {
            assert_eq!(kind_of_resource(resource), Some(kind), "{resource}");
        }
        for resource in [
            "statefulset.batch",
            "statefulset.",
            "statefulsets.v1beta1.apps",
            "statefulsets.v1",
            "pod.apps",
            "pods.v1.apps",
            "pods.v1",
            "deployment",
            "deployment.apps",
            "",
            ".apps",
        ] {
            assert_eq!(kind_of_resource(resource), None, "{resource}");
        }
    }

    #[test]
    fn rfc3339_round_trips() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2026-02-28T23:59:59Z",
            "2024-02-29T12:00:00.250Z",
            "2000-03-01T00:00:00Z",
        ] {
            assert_eq!(format_rfc3339(parse_rfc3339(text).unwrap()), text);
        }
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01Z").unwrap(), 86_401_000);
        assert!(parse_rfc3339("2026-13-01T00:00:00Z").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        let text = |ms: u64| go_duration(SimDuration::from_millis(ms));
        assert_eq!(text(0), "0s");
        assert_eq!(text(313), "313ms");
        assert_eq!(text(2_000), "2s");
        assert_eq!(text(1_594), "1.594s");
        assert_eq!(text(1_500), "1.5s");
        assert_eq!(text(120_000), "2m0s");
        assert_eq!(text(90_250), "1m30.25s");
        assert_eq!(text(3_600_000), "1h0m0s");
    }
}
