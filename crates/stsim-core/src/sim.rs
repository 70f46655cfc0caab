//! The run loop: from a config to a finished world and its trace.
//!
//! Owns the simulation clock, the event queue, the dispatch of each event
//! to the component that handles it, who hears of each change the API
//! server reports ([`watch`]), the scripted timeline, and the work
//! queue's retry back-off for failed syncs. Within one instant work runs in
//! the order of [`crate::queue::Phase`]: scripted actions, kubelets,
//! volumes, controllers, scheduler.
//!
//! Does not decide anything about the cluster: the controllers do.

use crate::api::{Api, Change, Streams};
use crate::config::{Action, Config, NodeAction, PodRef, StatefulSetSpec, Trigger, UpdateStrategy};
use crate::controllers::{
    attach_detach, disruption, dns, garbage_collector, kubelet, node_lifecycle, pod_gc, reclaim, scheduler,
    statefulset, taint_eviction, volumes,
};
use crate::events::EventKey;
use crate::objects::{Machine, NodeId, PodId, StsId, pod_name};
use crate::queue::EventQueue;
use crate::time::{SimDuration, SimTime};
use crate::trace::{Actor, Event, Trace};
use crate::world::World;

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EndReason {
    /// The scenario's `duration` was reached.
    Horizon,
    /// A `Stop` action ran.
    Stopped,
    /// Nothing was left to happen before the horizon.
    Quiescent,
    /// An operator failed (exited, hung, or answered nonsense).
    OperatorFailed,
    /// The run's budget ran out (`Simulation::exhausted` says which part).
    BudgetExhausted,
}

impl EndReason {
    pub const ALL: [EndReason; 5] = [
        EndReason::Horizon,
        EndReason::Stopped,
        EndReason::Quiescent,
        EndReason::OperatorFailed,
        EndReason::BudgetExhausted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Horizon => "horizon",
            EndReason::Stopped => "stopped",
            EndReason::Quiescent => "quiescent",
            EndReason::OperatorFailed => "operator-failed",
            EndReason::BudgetExhausted => "budget-exhausted",
        }
    }
}

/// How much a run may do before it is stopped as a runaway: events
/// handled, trace records and API objects ever made (pods, claims, volumes,
/// nodes). Validation keeps a scenario's own numbers within the format's
/// limits; the budget catches what only the run shows (an operator scaling
/// up, a loop of failures). Wall time is the caller's to bound (the core has
/// no clock): see `Simulation::exhaust`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub events: u64,
    pub trace_records: usize,
    pub objects: usize,
    /// Events within one instant of simulated time: more is a loop that
    /// makes no progress (something re-arming itself at the same time).
    pub events_per_instant: u64,
}

impl Budget {
    /// Far beyond every shipped scenario, and about four times the records
    /// of the heaviest scenario the default limits allow that we know of;
    /// a run stopped at 2 million records has used about 1 GB (see the
    /// format's Limits, where this is measured).
    pub const DEFAULT: Budget = Budget {
        events: 20_000_000,
        trace_records: 2_000_000,
        objects: 1_000_000,
        events_per_instant: 1_000_000,
    };
    /// For `--allow-large` runs.
    pub const LARGE: Budget = Budget {
        events: 500_000_000,
        trace_records: 50_000_000,
        objects: 10_000_000,
        events_per_instant: 10_000_000,
    };
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::DEFAULT
    }
}

/// The most replicas the engine accepts from any writer (an operator's
/// `Scale`): the format's large limit. A larger request is refused.
pub const MAX_REPLICAS: u32 = 100_000;

/// A simulation in progress, or finished.
pub struct Simulation {
    pub config: Config,
    pub world: World,
    pub trace: Trace,
    queue: EventQueue<EventKey>,
    streams: Streams,
    /// Consecutive failed syncs per set, for the work queue's back-off.
    sync_failures: Vec<u32>,
    /// Events handled so far.
    pub events: u64,
    /// The live object of each StatefulSet of the config, following renames.
    statefulset_ids: Vec<StsId>,
    /// Triggers not yet fired, by index into `Config::triggers`.
    armed: Vec<usize>,
    /// Trace records already checked against the armed triggers.
    checked: usize,
    /// The scenario's operators, by index.
    operators: Vec<crate::operator_runner::Slot>,
    /// Trace records already delivered to the operators.
    delivered: usize,
    /// How the API server reads the pod templates operators write; see
    /// [`Simulation::read_templates_with`].
    templates: crate::kube::template::TemplateReader,
    pub ended: Option<(SimTime, EndReason)>,
    /// What this run may do; see [`Budget`].
    pub budget: Budget,
    /// Which part of the budget ran out, in words, when one did.
    pub exhausted: Option<String>,
    /// The random failure processes' own memory.
    failures: failures::State,
    /// Each pool's scheduled maintenance in progress.
    maintenance: Vec<maintenance::Rolling>,
    /// The instant of the last event, and how many events it has held.
    instant: (SimTime, u64),
    /// `RecreateStatefulSet`s waiting for the old set to go (`kubectl
    /// delete --cascade=orphan --wait`, then `kubectl apply`).
    recreations: Vec<Recreation>,
    /// The node actions aimed through a pod (`OnNodeOf`) that another may
    /// undo and none has yet, in order: the pod's name, the action, and the
    /// node it hit.
    node_of_actions: Vec<(String, NodeAction, NodeId)>,
    /// How often the StatefulSet controller's informer re-delivers every
    /// set: drawn once, as kube-controller-manager draws it at start.
    resync_period: SimDuration,
}

/// A StatefulSet to create again once the set it replaces is gone.
#[derive(Debug)]
struct Recreation {
    /// The index of the set in the config.
    statefulset: usize,
    old: StsId,
    spec: crate::config::StatefulSetSpec,
}

mod failures;
mod maintenance;

/// Who hears of each change the API server reports (`Api::watch`): the
/// controllers' event handlers, then the cost report's, then the
/// applications'. The API server knows none of them; each knows what it
/// reacts to. The controllers know no application model, so the
/// applications' handlers are composed here, not among theirs.
pub fn watch(api: &mut Api, change: &Change) {
    crate::controllers::react(api, change);
    crate::cost::react(api, change);
    crate::apps::react(api, change);
}

/// kube-controller-manager's informer resync period: `--min-resync-period`
/// times a factor drawn once in [1, 2) (`ResyncPeriod`,
/// cmd/kube-controller-manager/app/controllermanager.go), so that its
/// informers do not resync in lock-step. From a stream of its own, so the
/// draw shifts no other.
fn resync_period(seed: u64, min: SimDuration) -> SimDuration {
    use crate::rng::RngExt;
    let factor: f64 = crate::rng::stream(seed, "informer-resync").random::<f64>() + 1.0;
    SimDuration::from_millis((min.as_millis() as f64 * factor) as u64)
}

/// The work queue's per-item back-off: 5 ms doubling to 1000 s
/// (client-go `DefaultTypedControllerRateLimiter`).
fn retry_delay(failures: u32) -> SimDuration {
    let ms = 5u64.saturating_mul(1u64 << failures.saturating_sub(1).min(30));
    SimDuration::from_millis(ms.min(1_000_000))
}

impl Simulation {
    /// A simulation whose operators are all built in; an external operator
    /// needs the CLI, which provides it through [`Simulation::with_operators`].
    pub fn new(config: Config) -> Simulation {
        let operators = config
            .operators
            .iter()
            .map(|o| crate::operators::builtin(&o.kind).unwrap_or_else(|| Box::new(Unavailable)))
            .collect();
        Simulation::with_operators(config, operators)
    }

    /// Reads the pod templates operators write (StatefulSets' and bare
    /// Pods') with `reader`: the CLI gives the scenario crate's manifest
    /// reader, so that they are read as manifests are. Without it the core's
    /// own [`crate::kube::template::minimal`] reads them.
    pub fn read_templates_with(&mut self, reader: crate::kube::template::TemplateReader) {
        self.templates = reader;
    }

    /// A simulation with the given operators, one per `config.operators` entry.
    pub fn with_operators(config: Config, operators: Vec<Box<dyn crate::operators::Operator>>) -> Simulation {
        assert_eq!(operators.len(), config.operators.len(), "one operator per configured operator");
        let mut world = World::from_config(&config);
        world.operator_names = operators.iter().map(|o| o.name().to_string()).collect();
        // Any operator may write with a resourceVersion; runs without one do not pay for them.
        world.versions.enabled = !config.operators.is_empty() || !config.custom_kinds.is_empty();
        let operators = operators
            .into_iter()
            .zip(&config.operators)
            .enumerate()
            .map(|(i, (op, cfg))| crate::operator_runner::Slot::new(op, cfg.clone(), config.seed, i))
            .collect();
        let mut queue = EventQueue::new();
        for (index, entry) in config.timeline.iter().enumerate() {
            let key = EventKey::Script(index as u32);
            queue.arm(key, entry.at, key.phase());
        }
        let horizon = SimTime::ZERO + config.duration;
        queue.arm(EventKey::Horizon, horizon, EventKey::Horizon.phase());
        for set in &world.statefulsets {
            let key = EventKey::StatefulSetSync(set.id);
            queue.wake(key, SimTime::ZERO, key.phase());
        }
        let streams = Streams::new(config.seed);
        let resync_period = resync_period(config.seed, config.timings.min_resync_period);
        queue.arm(EventKey::InformerResync, SimTime::ZERO + resync_period, EventKey::InformerResync.phase());
        let sync_failures = vec![0; world.statefulsets.len()];
        let statefulset_ids = world.statefulsets.iter().map(|s| s.id).collect();
        let armed = (0..config.triggers.len()).collect();
        let mut sim = Simulation {
            config,
            world,
            trace: Trace::default(),
            queue,
            streams,
            sync_failures,
            events: 0,
            statefulset_ids,
            armed,
            checked: 0,
            operators,
            delivered: 0,
            templates: crate::kube::template::minimal,
            ended: None,
            budget: Budget::DEFAULT,
            exhausted: None,
            failures: Default::default(),
            maintenance: Vec::new(),
            instant: (SimTime::ZERO, 0),
            recreations: Vec::new(),
            node_of_actions: Vec::new(),
            resync_period,
        };
        sim.create_claims();
        for node in 0..sim.world.nodes.len() {
            sim.arm_first_failure(NodeId(node as u32));
        }
        sim.arm_zone_outages();
        sim.arm_domain_outages();
        sim.arm_maintenance();
        sim.start_operators();
        sim
    }

    /// Each operator lists the cluster as it is at time zero (the claims
    /// just created included, so their records are not delivered again)
    /// and is woken to reconcile it.
    fn start_operators(&mut self) {
        self.delivered = self.trace.records.len();
        let now = self.queue.now();
        for (index, at) in crate::operator_runner::start(&mut self.operators, &self.world, now) {
            let key = EventKey::Operator(index as u32);
            self.queue.wake(key, at, key.phase());
        }
    }

    /// The claims that exist from the start, created as `kubectl apply`
    /// would at time zero, before any StatefulSet syncs: the PV controller
    /// binds each to its volume, or to the best match, or it waits.
    fn create_claims(&mut self) {
        let claims = self.config.persistent_volume_claims.clone();
        let mut api = self.api(Actor::User);
        for claim in claims {
            let created = api.create_pvc(crate::api::NewPvc {
                name: claim.name,
                labels: claim.labels,
                storage_class_name: claim.storage_class_name,
                request_bytes: claim.request_bytes,
                access_modes: claim.access_modes,
                owner_refs: Vec::new(),
                statefulset: None,
                volume_name: claim.volume_name,
            });
            // Validation keeps claim names unique.
            debug_assert!(created.is_ok(), "pre-existing claims have unique names");
        }
    }

    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    fn api(&mut self, actor: Actor) -> Api<'_> {
        Api {
            now: self.queue.now(),
            world: &mut self.world,
            trace: &mut self.trace,
            queue: &mut self.queue,
            streams: &mut self.streams,
            actor,
            watch,
        }
    }

    /// Runs to the end.
    pub fn run(&mut self) {
        while self.step() {}
    }

    /// Handles the next event; false once the run has ended.
    pub fn step(&mut self) -> bool {
        if self.ended.is_some() {
            return false;
        }
        let before = self.queue.now();
        let Some((at, key)) = self.queue.pop() else {
            self.end(self.queue.now(), EndReason::Quiescent);
            return false;
        };
        if at > before {
            crate::operator_runner::snapshot(&mut self.operators, &self.world);
        }
        self.events += 1;
        match key {
            EventKey::Horizon => self.end(at, EndReason::Horizon),
            EventKey::Script(index) => {
                let entry = self.config.timeline[index as usize].clone();
                self.run_action(entry.action, entry.line);
            }
            EventKey::Triggered(index) => {
                let entry = self.config.triggers[index as usize].clone();
                self.run_action(entry.action, entry.line);
            }
            EventKey::Kubelet(pod) => {
                let actor = self.kubelet_actor(pod);
                kubelet::step(&mut self.api(actor), pod);
            }
            EventKey::Extras(pod) => {
                let actor = self.kubelet_actor(pod);
                kubelet::extras::step(&mut self.api(actor), pod);
            }
            EventKey::Sidecars(pod) => {
                let actor = self.kubelet_actor(pod);
                kubelet::sidecars::step(&mut self.api(actor), pod);
            }
            EventKey::Provision(pvc) => volumes::provision(&mut self.api(Actor::VolumeController), pvc),
            EventKey::StatefulSetSync(sts) => self.sync_statefulset(sts),
            EventKey::InformerResync => self.resync_statefulsets(at),
            EventKey::DnsPod(pod) => dns::sync_pod(&mut self.api(Actor::Dns), pod),
            EventKey::DnsService(service) => dns::sync_service(&mut self.api(Actor::Dns), service),
            EventKey::Schedule(pod) => scheduler::schedule(&mut self.api(Actor::Scheduler), pod),
            EventKey::SchedulerFlush => scheduler::queueing::flush_leftover(&mut self.api(Actor::Scheduler)),
            EventKey::Operator(index) => self.run_operator(index as usize),
            EventKey::NodeChaos(node) => self.node_chaos(node),
            EventKey::ZoneOutage(zone) => self.zone_outage(zone),
            EventKey::DomainOutage(domain) => self.domain_outage(domain),
            EventKey::Maintenance(pool) => self.maintenance_step(pool),
            EventKey::NodeShutdown(node) => self.power_off(node),
            EventKey::NodeStatus(node) => {
                let mut api = self.api(Actor::Kubelet(node));
                crate::controllers::kubelet::node_status_sync(&mut api, node);
            }
            EventKey::Drain(node) => disruption::drain_step(&mut self.api(Actor::User), node),
            EventKey::NodeMonitor(node) => {
                node_lifecycle::monitor(&mut self.api(Actor::NodeLifecycleController), node)
            }
            EventKey::NodeUpdate(node) => {
                node_lifecycle::sync_no_schedule_taints(&mut self.api(Actor::NodeLifecycleController), node)
            }
            EventKey::NoExecuteTainting(zone) => {
                node_lifecycle::tainting_pass(&mut self.api(Actor::NodeLifecycleController), zone as usize)
            }
            EventKey::TaintEvictionNode(node) => {
                taint_eviction::node_changed(&mut self.api(Actor::TaintEvictionController), node)
            }
            EventKey::TaintEvictionPod(pod) => {
                taint_eviction::eviction_due(&mut self.api(Actor::TaintEvictionController), pod)
            }
            EventKey::PodGc => pod_gc::gc(&mut self.api(Actor::PodGarbageCollector)),
            EventKey::AttachDetach(pv) => {
                attach_detach::reconcile(&mut self.api(Actor::AttachDetachController), pv)
            }
            EventKey::Reclaim(pv) => reclaim::retry(&mut self.api(Actor::VolumeController), pv),
            EventKey::GarbageCollect => garbage_collector::collect(&mut self.api(Actor::GarbageCollector)),
            EventKey::PvcProtection(pvc) => {
                crate::controllers::pvc_protection::sync(&mut self.api(Actor::VolumeController), pvc)
            }
            EventKey::VolumeUsage => crate::cost::check_usage(&mut self.api(Actor::CostReport)),
            EventKey::Apps => crate::apps::observe(&mut self.api(Actor::Application)),
        }
        if !self.recreations.is_empty() {
            self.finish_recreations();
        }
        if !self.armed.is_empty() {
            self.check_triggers();
        }
        if !self.operators.is_empty() {
            self.deliver_to_operators();
        }
        if self.ended.is_none() {
            self.check_budget();
        }
        self.ended.is_none()
    }

    fn check_budget(&mut self) {
        let budget = self.budget;
        let objects =
            self.world.pods.len() + self.world.pvcs.len() + self.world.pvs.len() + self.world.nodes.len();
        let now = self.queue.now();
        self.instant = if self.instant.0 == now { (now, self.instant.1 + 1) } else { (now, 1) };
        let over = if self.instant.1 > budget.events_per_instant {
            Some(format!(
                "{} events at {now} without time moving on, the budget (a loop in the model: please report it)",
                budget.events_per_instant
            ))
        } else if self.events >= budget.events {
            Some(format!("{} events handled, the budget", budget.events))
        } else if self.trace.records.len() >= budget.trace_records {
            Some(format!("{} trace records, the budget", budget.trace_records))
        } else if objects >= budget.objects {
            Some(format!(
                "{objects} API objects made (pods, claims, volumes, nodes), more than the budget of {}",
                budget.objects
            ))
        } else {
            None
        };
        if let Some(what) = over {
            self.exhaust(what);
        }
    }

    /// Ends the run now because a budget ran out (`what` says which); for
    /// the caller's wall-clock budget, which the core cannot see.
    pub fn exhaust(&mut self, what: String) {
        if self.ended.is_none() {
            self.exhausted = Some(what);
            let now = self.queue.now();
            self.end(now, EndReason::BudgetExhausted);
        }
    }

    fn deliver_to_operators(&mut self) {
        let start = self.delivered;
        self.delivered = self.trace.records.len();
        let now = self.queue.now();
        let wakes = crate::operator_runner::deliver(
            &mut self.operators,
            &self.world,
            self.trace.records.slice(start..),
            now,
        );
        for (index, at) in wakes {
            let key = EventKey::Operator(index as u32);
            self.queue.wake(key, at, key.phase());
        }
    }

    fn run_operator(&mut self, index: usize) {
        let mut api = Api {
            now: self.queue.now(),
            world: &mut self.world,
            trace: &mut self.trace,
            queue: &mut self.queue,
            streams: &mut self.streams,
            actor: Actor::Operator(index as u32),
            watch,
        };
        let slot = &mut self.operators[index];
        if let Err(message) = crate::operator_runner::reconcile(slot, index, &mut api, self.templates) {
            api.record(Event::OperatorFailed { message });
            let now = self.queue.now();
            self.end(now, EndReason::OperatorFailed);
        }
    }

    /// Creates each recreated StatefulSet whose old set is gone.
    fn finish_recreations(&mut self) {
        let (done, waiting): (Vec<Recreation>, Vec<Recreation>) = std::mem::take(&mut self.recreations)
            .into_iter()
            .partition(|r| self.world.sts(r.old).removed_at.is_some());
        self.recreations = waiting;
        for Recreation { statefulset, old, spec } in done {
            let name = self.world.sts(old).name.clone();
            let new = self.api(Actor::User).create_statefulset(&name, spec);
            self.world.apps.statefulset_recreated(old, new);
            self.statefulset_ids[statefulset] = new;
        }
    }

    /// Fires each armed trigger whose event appears in the new trace records.
    fn check_triggers(&mut self) {
        let start = self.checked;
        self.checked = self.trace.records.len();
        let mut fired = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for record in self.trace.records.slice(start..) {
            // Only these events can fire a trigger; skip the rest without
            // looking at every armed trigger (there may be thousands).
            if !matches!(
                record.event,
                Event::PodCreated { .. }
                    | Event::PodReady { .. }
                    | Event::PodRemoved { .. }
                    | Event::NodeCondition { .. }
                    | Event::AppVerdict { .. }
            ) {
                continue;
            }
            for &index in &self.armed {
                if !seen.contains(&index) && self.matches(&self.config.triggers[index].trigger, &record.event)
                {
                    seen.insert(index);
                    fired.push(index);
                }
            }
        }
        if !fired.is_empty() {
            self.armed.retain(|i| !seen.contains(i));
        }
        for index in fired {
            let key = EventKey::Triggered(index as u32);
            let at = self.queue.now() + self.config.triggers[index].after;
            self.queue.arm(key, at, key.phase());
        }
    }

    fn matches(&self, trigger: &Trigger, event: &Event) -> bool {
        let named = |pod: &PodRef, id: PodId| self.world.pod(id).name == self.live_pod(*pod).0;
        match (trigger, event) {
            (Trigger::PodCreated { pod }, Event::PodCreated { pod: id, .. }) => named(pod, *id),
            (Trigger::PodReady { pod }, Event::PodReady { pod: id, ready: true }) => named(pod, *id),
            (Trigger::PodNotReady { pod }, Event::PodReady { pod: id, ready: false }) => named(pod, *id),
            (Trigger::PodDeleted { pod }, Event::PodRemoved { pod: id, .. }) => named(pod, *id),
            (Trigger::NodeNotReady { node }, Event::NodeCondition { node: id, status }) => {
                id.index() == *node && *status != crate::objects::ConditionStatus::True
            }
            (Trigger::AppBroken { app }, Event::AppVerdict { app: id, verdict }) => {
                self.world.apps.name(*id) == self.config.statefulsets[*app].name
                    && verdict.health == crate::apps::Health::Broken
            }
            _ => false,
        }
    }

    fn end(&mut self, at: SimTime, mut reason: EndReason) {
        // Each operator is told the run is over; one that finds a fault only
        // now (an external one whose answers were out of step) fails the run.
        if matches!(reason, EndReason::Horizon | EndReason::Stopped | EndReason::Quiescent) {
            for (index, slot) in self.operators.iter_mut().enumerate() {
                if let Err(message) = slot.operator.finish() {
                    self.trace.push(at, Actor::Operator(index as u32), Event::OperatorFailed { message });
                    reason = EndReason::OperatorFailed;
                }
            }
        }
        self.trace.push(at, Actor::User, Event::End { reason: reason.as_str() });
        self.ended = Some((at, reason));
    }

    fn kubelet_actor(&self, pod: PodId) -> Actor {
        let pod = self.world.pod(pod);
        match pod.node {
            Some(node) => Actor::Kubelet(node),
            None => Actor::Scheduler,
        }
    }

    fn sync_statefulset(&mut self, sts: StsId) {
        let outcome = statefulset::sync(&mut self.api(Actor::StatefulSetController), sts);
        if self.sync_failures.len() <= sts.index() {
            self.sync_failures.resize(sts.index() + 1, 0);
        }
        let failures = &mut self.sync_failures[sts.index()];
        if outcome.error.is_some() {
            *failures += 1;
            let delay = retry_delay(*failures);
            let key = EventKey::StatefulSetSync(sts);
            let at = self.queue.now() + delay;
            self.queue.wake(key, at, key.phase());
        } else {
            *failures = 0;
        }
    }

    /// The informer's periodic resync: every set it holds is delivered as
    /// an update, and the controller's `UpdateFunc` enqueues each one
    /// (`stateful_set.go`, `NewStatefulSetController`). Nothing is recorded:
    /// a set with nothing to do syncs without a write. What it rescues is a
    /// set whose last sync stopped with no error and no event since to wake
    /// it, such as one waiting on a stale claim (`PodClaimIsStale`), since
    /// the controller does not watch claims.
    fn resync_statefulsets(&mut self, at: SimTime) {
        let sets: Vec<(StsId, bool)> = self
            .world
            .statefulsets
            .iter()
            .filter(|s| s.removed_at.is_none())
            .map(|s| (s.id, s.waiting.is_some_and(|w| !w.reason.watched())))
            .collect();
        for (sts, rescued) in sets {
            if rescued {
                self.api(Actor::StatefulSetController).record(Event::StatefulSetResync { sts });
            }
            let key = EventKey::StatefulSetSync(sts);
            self.queue.wake(key, at, key.phase());
        }
        let key = EventKey::InformerResync;
        self.queue.arm(key, at + self.resync_period, key.phase());
    }

    /// The StatefulSet object a timeline entry means by its config index.
    fn sts_id(&self, index: usize) -> StsId {
        self.statefulset_ids[index]
    }

    /// The live pod a timeline entry names, if it exists now. After a
    /// rename, the pod of the same ordinal under the new name.
    fn live_pod(&self, pod: PodRef) -> (String, Option<PodId>) {
        let set = self.world.sts(self.sts_id(pod.statefulset));
        let name = pod_name(&set.name, pod.ordinal);
        let id = self.world.pod_named(&name);
        (name, id)
    }

    /// Runs a scripted action, timed or triggered, recording where it came from.
    fn run_action(&mut self, action: Action, line: u32) {
        let description = describe(&self.config, &action);
        self.api(Actor::User).record(Event::Script { description, line });
        self.execute(action);
    }

    /// Does what a scripted action says (already recorded).
    fn execute(&mut self, action: Action) {
        match action {
            Action::Scale { statefulset, replicas } => {
                let sts = self.sts_id(statefulset);
                self.api(Actor::User).scale_statefulset(sts, replicas);
            }
            Action::DeletePod { pod } | Action::ForceDeletePod { pod } => {
                let grace = match action {
                    Action::ForceDeletePod { .. } => Some(SimDuration::ZERO),
                    _ => None,
                };
                match self.live_pod(pod) {
                    (_, Some(id)) => self.api(Actor::User).delete_pod(id, grace),
                    (name, None) => {
                        self.api(Actor::User).record(Event::NotFound { name: format!("pod/{name}") })
                    }
                }
            }
            Action::SetLive { pod, live, container } => match self.live_pod(pod) {
                (_, Some(id)) => match container {
                    None => kubelet::override_liveness(&mut self.api(Actor::User), id, live),
                    Some(index) => {
                        kubelet::sidecars::override_liveness(&mut self.api(Actor::User), id, index, live)
                    }
                },
                (name, None) => self.api(Actor::User).record(Event::NotFound { name: format!("pod/{name}") }),
            },
            Action::SetReady { pod, ready, container } => match self.live_pod(pod) {
                (_, Some(id)) => match container {
                    None => kubelet::override_probe(&mut self.api(Actor::User), id, ready),
                    Some(index) => {
                        kubelet::sidecars::override_readiness(&mut self.api(Actor::User), id, index, ready)
                    }
                },
                (name, None) => self.api(Actor::User).record(Event::NotFound { name: format!("pod/{name}") }),
            },
            Action::Stop => {
                let now = self.queue.now();
                self.end(now, EndReason::Stopped);
            }
            Action::CrashNode { node } => self.set_machine(NodeId(node as u32), Machine::Crashed),
            Action::PartitionNode { node } => self.set_machine(NodeId(node as u32), Machine::Partitioned),
            Action::RecoverNode { node } => self.set_machine(NodeId(node as u32), Machine::Running),
            Action::ShutdownNode { node } => self.shutdown_node(NodeId(node as u32)),
            Action::RemoveMember { pod } | Action::AddMember { pod } => {
                let set = &self.config.statefulsets[pod.statefulset].name;
                let member = crate::objects::pod_name(set, pod.ordinal);
                let (change, verb) = match action {
                    Action::RemoveMember { .. } => (crate::apps::MemberChange::Remove, "remove member"),
                    _ => (crate::apps::MemberChange::Add, "add member"),
                };
                let mut api = self.api(Actor::User);
                if let Err(why) = crate::apps::change_member(&mut api, &member, change) {
                    api.record(Event::ActionRefused { action: format!("{verb} {member}"), why });
                }
            }
            Action::PartitionZone { zone } => {
                let name = self.config.cluster.zones[zone].clone();
                let nodes: Vec<NodeId> = self
                    .world
                    .nodes
                    .iter()
                    .filter(|n| n.zone == name && n.machine == Machine::Running)
                    .map(|n| n.id)
                    .collect();
                for node in nodes {
                    self.world.node_mut(node).island = Some(name.clone());
                    self.set_machine(node, Machine::Partitioned);
                }
            }
            Action::RecoverZone { zone } => {
                let name = self.config.cluster.zones[zone].clone();
                let nodes: Vec<NodeId> = self
                    .world
                    .nodes
                    .iter()
                    .filter(|n| n.zone == name && n.machine == Machine::Partitioned)
                    .map(|n| n.id)
                    .collect();
                for node in nodes {
                    self.set_machine(node, Machine::Running);
                }
            }
            Action::DrainNode { node } => {
                if let Some(node) = self.live_node(node) {
                    disruption::start_drain(&mut self.api(Actor::User), node);
                }
            }
            Action::Cordon { node } | Action::Uncordon { node } => {
                let cordon = matches!(action, Action::Cordon { .. });
                if let Some(node) = self.live_node(node) {
                    self.api(Actor::User).set_unschedulable(node, cordon);
                }
            }
            Action::DeleteNode { node } => {
                if let Some(node) = self.live_node(node) {
                    self.api(Actor::User).delete_node(node);
                }
            }
            Action::AddNode { pool, zone } => self.add_node(pool, zone),
            Action::TaintOutOfService { node } => {
                if let Some(node) = self.live_node(node) {
                    self.api(Actor::User).add_taint(node, crate::api::out_of_service_taint());
                }
            }
            Action::UntaintOutOfService { node } => {
                if let Some(node) = self.live_node(node) {
                    let taint = crate::api::out_of_service_taint();
                    self.api(Actor::User).remove_taint(node, &taint.key, taint.effect);
                }
            }
            Action::SetImage { statefulset, ref image } => {
                let image = image.clone();
                self.update(statefulset, format!("template image -> {image}"), |spec| {
                    spec.template.image = image;
                    Ok(())
                });
            }
            Action::RolloutRestart { statefulset } => self.rollout_restart(statefulset),
            Action::PatchTemplate { statefulset, ref patch } => {
                let patch = patch.clone();
                let port = self.service_port(statefulset);
                self.update(statefulset, "template patched".into(), |spec| {
                    let template = &mut spec.template;
                    if let Some(image) = patch.image {
                        template.image = image;
                    }
                    if let Some(labels) = patch.labels {
                        template.labels = labels;
                    }
                    if let Some(requests) = patch.requests {
                        template.requests = requests;
                    }
                    if let Some(requests) = patch.scoring_requests {
                        template.scoring_requests = requests;
                    }
                    if let Some(probe) = patch.readiness_probe {
                        // A patch of its timings keeps the check it had;
                        // one that removes the probe removes it.
                        if probe.is_none() {
                            template.probe_checks.readiness = None;
                        }
                        template.readiness_probe = probe;
                        // A probe added names no check: the made-up one,
                        // as a scenario's probes have from the start.
                        crate::kube::pod_template::give_made_up_checks(template, port);
                    }
                    if let Some(grace) = patch.termination_grace_period {
                        template.termination_grace_period = grace;
                    }
                    if let Some(fqdn) = patch.set_hostname_as_fqdn {
                        template.set_hostname_as_fqdn = fqdn;
                    }
                    if let Some(extras) = patch.extra_containers {
                        template.extra_containers = extras;
                    }
                    Ok(())
                });
            }
            Action::SetPartition { statefulset, partition } => {
                self.update(statefulset, format!("partition -> {partition}"), |spec| {
                    match &mut spec.update_strategy {
                        UpdateStrategy::RollingUpdate { partition: p, nil, .. } => {
                            *p = partition;
                            *nil = false;
                            Ok(())
                        }
                        UpdateStrategy::OnDelete => Err(ROLLING_UPDATE_ONLY),
                    }
                });
            }
            Action::SetMaxUnavailable { statefulset, max_unavailable } => {
                let change = format!("maxUnavailable -> {max_unavailable}");
                self.update(statefulset, change, |spec| match &mut spec.update_strategy {
                    UpdateStrategy::RollingUpdate { max_unavailable: m, nil, .. } => {
                        *m = Some(max_unavailable);
                        *nil = false;
                        Ok(())
                    }
                    UpdateStrategy::OnDelete => Err(ROLLING_UPDATE_ONLY),
                });
            }
            Action::SetUpdateStrategy { statefulset, strategy } => {
                let change = format!("updateStrategy -> {}", strategy_name(strategy));
                self.update(statefulset, change, |spec| {
                    spec.update_strategy = strategy;
                    Ok(())
                });
            }
            Action::DeleteStatefulSet { statefulset, cascade } => {
                let sts = self.sts_id(statefulset);
                if self.world.sts(sts).removed_at.is_none() {
                    self.api(Actor::User).delete_statefulset(sts, cascade);
                } else {
                    let name = format!("statefulset/{}", self.world.sts(sts).name);
                    self.api(Actor::User).record(Event::NotFound { name });
                }
            }
            Action::ApplyCustomResource { kind, ref name, ref spec } => {
                let mut api = self.api(Actor::User);
                let result = match api.world.custom.named(kind, name) {
                    Some(id) => {
                        let mut desired = crate::kube::render(api.world, crate::kube::ObjRef::Custom(id));
                        desired["spec"] = spec.clone();
                        api.update_custom(id, &desired, false)
                    }
                    None => {
                        let k = &api.world.custom.kinds[kind];
                        let object = serde_json::json!({"apiVersion": k.api_version(), "kind": k.kind,
                                                        "metadata": {"name": name}, "spec": spec});
                        api.create_custom(kind, &object)
                    }
                };
                let what = format!("apply {}/{name}", api.world.custom.kinds[kind].kind);
                user_write_refused(&mut api, what, result);
            }
            Action::PatchCustomResource { kind, ref name, ref patch, status } => {
                let mut api = self.api(Actor::User);
                let result = match api.world.custom.named(kind, name) {
                    Some(id) => {
                        let mut desired = crate::kube::render(api.world, crate::kube::ObjRef::Custom(id));
                        crate::kube::patch::merge(&mut desired, patch);
                        api.update_custom(id, &desired, status)
                    }
                    None => {
                        let name = format!("{}/{name}", api.world.custom.kinds[kind].kind.to_lowercase());
                        api.record(Event::NotFound { name });
                        return;
                    }
                };
                let what = format!("patch {}/{name}", api.world.custom.kinds[kind].kind);
                user_write_refused(&mut api, what, result);
            }
            Action::DeleteCustomResource { kind, ref name } => {
                let mut api = self.api(Actor::User);
                match api.world.custom.named(kind, name) {
                    Some(id) => {
                        api.delete_custom(id);
                    }
                    None => {
                        let name = format!("{}/{name}", api.world.custom.kinds[kind].kind.to_lowercase());
                        api.record(Event::NotFound { name });
                    }
                }
            }
            Action::DeletePvc { ref claim } => match self.world.pvc_named(claim) {
                Some(pvc) => self.api(Actor::User).delete_pvc(pvc),
                None => {
                    let name = format!("pvc/{claim}");
                    self.api(Actor::User).record(Event::NotFound { name });
                }
            },
            Action::RenameStatefulSet { statefulset, ref to } => {
                let old = self.sts_id(statefulset);
                if self.world.sts(old).removed_at.is_some() {
                    let name = format!("statefulset/{}", self.world.sts(old).name);
                    self.api(Actor::User).record(Event::NotFound { name });
                    return;
                }
                let spec = self.world.sts(old).spec.clone();
                let mut api = self.api(Actor::User);
                api.delete_statefulset(old, crate::objects::Cascade::Background);
                let new = api.create_statefulset(to, spec);
                self.world.sts_mut(old).renamed_to = Some(new);
                self.world.apps.statefulset_recreated(old, new);
                self.statefulset_ids[statefulset] = new;
            }
            Action::RecreateStatefulSet { statefulset, ref patch } => {
                let old = self.sts_id(statefulset);
                if self.world.sts(old).removed_at.is_some() {
                    let name = format!("statefulset/{}", self.world.sts(old).name);
                    self.api(Actor::User).record(Event::NotFound { name });
                    return;
                }
                let spec = patched_spec(self.world.sts(old).spec.clone(), patch.clone());
                // The set stays until the garbage collector has orphaned its
                // pods; the new one is made when it is gone, as `kubectl
                // delete --cascade=orphan` waits for it by default.
                self.api(Actor::User).delete_statefulset(old, crate::objects::Cascade::Orphan);
                self.recreations.push(Recreation { statefulset, old, spec });
                self.finish_recreations();
            }
            Action::RenameService { ref from, ref to } => match self.world.service_named(from) {
                Some(id) => {
                    let renamed =
                        crate::objects::Service { name: to.clone(), ..self.world.service(id).clone() };
                    let mut api = self.api(Actor::User);
                    api.delete_service(id);
                    if let Err(error) = api.create_service(renamed) {
                        api.record(Event::NotFound { name: format!("service/{to} not created: {error}") });
                    }
                }
                None => self.api(Actor::User).record(Event::NotFound { name: format!("service/{from}") }),
            },
            Action::UpdateService { ref service, ref selector, ref ports, publish_not_ready_addresses } => {
                match self.world.service_named(service) {
                    Some(id) => {
                        let s = self.world.service(id);
                        let selector = selector.clone().unwrap_or_else(|| s.selector.clone());
                        let ports = ports.clone().unwrap_or_else(|| s.ports.clone());
                        let publish = publish_not_ready_addresses.unwrap_or(s.publish_not_ready_addresses);
                        self.api(Actor::User).update_service_spec(id, selector, ports, publish);
                    }
                    None => {
                        self.api(Actor::User).record(Event::NotFound { name: format!("service/{service}") })
                    }
                }
            }
            Action::DeleteService { ref service } => match self.world.service_named(service) {
                Some(id) => self.api(Actor::User).delete_service(id),
                None => self.api(Actor::User).record(Event::NotFound { name: format!("service/{service}") }),
            },
            Action::UpdateSpec { statefulset, ref patch } => {
                let patch = patch.clone();
                self.update(statefulset, "spec updated".into(), |spec| {
                    *spec = patched_spec(spec.clone(), patch);
                    Ok(())
                });
            }
            Action::OnNodeOf { pod, action } => {
                let (name, _) = self.live_pod(pod);
                // An undoing action takes the last action through the same
                // pod it undoes, which is then undone: a second undo means
                // the pod's node again.
                let undone = action.undoes();
                let hit = (self.node_of_actions.iter())
                    .rposition(|(p, earlier, _)| *p == name && undone.contains(earlier))
                    .map(|at| self.node_of_actions.remove(at).2);
                match hit.or_else(|| edits::node_of(&self.world, &name)) {
                    Some(node) => {
                        if action.undone_by_some() {
                            self.node_of_actions.push((name, action, node));
                        }
                        self.execute(action.on(node.index()))
                    }
                    None => self
                        .api(Actor::User)
                        .record(Event::NotFound { name: format!("pod/{name} (no node)") }),
                }
            }
            Action::PatchPod { .. }
            | Action::PatchPvc { .. }
            | Action::CreatePod { .. }
            | Action::DeleteBarePod { .. }
            | Action::CreatePvc { .. }
            | Action::ResizePvc { .. } => {
                edits::run(&mut self.api(Actor::User), action);
            }
        }
    }

    /// The Node object a timeline entry names, if it exists now (kubectl's NotFound otherwise).
    fn live_node(&mut self, node: usize) -> Option<NodeId> {
        match self.world.nodes.get(node) {
            Some(n) if n.exists() => Some(n.id),
            Some(n) => {
                let name = format!("node/{}", n.name);
                self.api(Actor::User).record(Event::NotFound { name });
                None
            }
            None => {
                // Named by a later AddNode that has not run yet.
                let name = format!("node/{}", node_name(&self.config, node));
                self.api(Actor::User).record(Event::NotFound { name });
                None
            }
        }
    }

    /// The machine behind a node crashes, is cut off, or comes back.
    fn set_machine(&mut self, node: NodeId, machine: Machine) {
        if node.index() >= self.world.nodes.len() {
            let name = format!("node/{}", node_name(&self.config, node.index()));
            self.api(Actor::User).record(Event::NotFound { name });
            return;
        }
        let before = self.world.node(node).machine;
        if before == machine {
            return;
        }
        // A kubelet that starts again registers its Node if it was deleted.
        let reregister =
            before == Machine::Crashed && machine == Machine::Running && !self.world.node(node).exists();
        let pool = reregister.then(|| self.config.cluster.node_pools[self.world.node(node).pool].clone());
        let mut api = self.api(Actor::Machine(node));
        api.set_machine(node, machine);
        match (before, machine) {
            (_, Machine::Crashed) => kubelet::node_crashed(&mut api, node),
            (Machine::Running, Machine::Partitioned) => kubelet::node_partitioned(&mut api, node),
            (Machine::Crashed, Machine::Partitioned) => {}
            (Machine::Crashed, Machine::Running) => {
                if let Some(pool) = &pool {
                    api.actor = Actor::Kubelet(node);
                    api.register_node(node, pool);
                    api.actor = Actor::Machine(node);
                }
                node_lifecycle::kubelet_back(&mut api, node);
                kubelet::node_rebooted(&mut api, node);
            }
            (Machine::Partitioned, Machine::Running) => {
                node_lifecycle::kubelet_back(&mut api, node);
                kubelet::node_reconnected(&mut api, node);
            }
            (_, Machine::Running) | (Machine::Partitioned, Machine::Partitioned) => {}
        }
        // Its own failure process ended with the object; it goes on.
        let chaos = EventKey::NodeChaos(node);
        if pool.is_some() && !self.queue.is_queued(&chaos) {
            self.set_own(node, None);
            self.arm_first_failure(node);
        }
    }

    /// `ShutdownNode`: with graceful node shutdown on (the pool's
    /// `shutdownGracePeriod`), the kubelet of a running, connected machine
    /// stops its pods first and the machine powers off when they are done,
    /// or when the regular pods' share of the period is up; otherwise the
    /// pods stop with the machine, as in a crash. A machine cut off from the
    /// control plane shuts down all the same, but its kubelet cannot report.
    fn shutdown_node(&mut self, node: NodeId) {
        if node.index() >= self.world.nodes.len() || !self.world.node(node).exists() {
            let name = format!("node/{}", node_name(&self.config, node.index()));
            self.api(Actor::User).record(Event::NotFound { name });
            return;
        }
        let n = self.world.node(node);
        if n.machine == Machine::Crashed || n.shutting_down.is_some() {
            return;
        }
        let grace = n.shutdown;
        if !grace.enabled() || n.machine != Machine::Running {
            self.api(Actor::Machine(node))
                .record(Event::NodeShuttingDown { node, pods_grace: SimDuration::ZERO });
            self.set_machine(node, Machine::Crashed);
            return;
        }
        let mut api = self.api(Actor::Kubelet(node));
        // The regular pods' group ends at the latest here; then the critical
        // pods' group, if any runs (`kubelet::critical_phase`). Armed first:
        // the kubelet wakes it sooner when the pods are done.
        let off_at = api.now + grace.regular();
        api.arm(EventKey::NodeShutdown(node), off_at);
        kubelet::node_shutting_down(&mut api, node);
    }

    /// The regular pods' share of a graceful shutdown is up, or every pod
    /// is done: the kubelet turns to the critical pods if any still run,
    /// else the machine powers off.
    fn power_off(&mut self, node: NodeId) {
        let n = self.world.node(node);
        if n.shutting_down.is_none() || n.machine == Machine::Crashed {
            return;
        }
        if kubelet::critical_phase(&mut self.api(Actor::Kubelet(node)), node) {
            return;
        }
        self.set_machine(node, Machine::Crashed);
    }

    /// `AddNode`: a new node of a pool joins, named after the pool's count.
    fn add_node(&mut self, pool: usize, zone: Option<usize>) {
        let config = self.config.cluster.node_pools[pool].clone();
        let index = self.world.nodes.iter().filter(|n| n.pool == pool).count();
        let name = format!("{}-{}", config.name, index + 1);
        let zones = if config.zones.is_empty() { self.world.zones.clone() } else { config.zones.clone() };
        let zone = match zone {
            Some(zone) => self.world.zones[zone].clone(),
            // Spread: the pool's zone with the fewest of its live nodes, first listed on a tie.
            None => zones
                .iter()
                .min_by_key(|z| self.world.live_nodes().filter(|n| n.pool == pool && n.zone == **z).count())
                .expect("a cluster has zones")
                .clone(),
        };
        // Its rack: the zone's rack with the fewest of the pool's live nodes, first on a tie.
        let rack = (config.racks > 0).then(|| {
            let mut counts = vec![0usize; config.racks as usize];
            let values: std::collections::BTreeMap<String, usize> =
                (0..config.racks).map(|r| (crate::config::rack_value(&zone, r), r as usize)).collect();
            for node in self.world.live_nodes().filter(|n| n.pool == pool) {
                if let Some(r) = node.labels.get(&config.rack_label).and_then(|v| values.get(v)) {
                    counts[*r] += 1;
                }
            }
            // invariant: racks > 0, so there is a least-filled rack.
            (0..config.racks).min_by_key(|r| counts[*r as usize]).unwrap_or(0)
        });
        let id = self.api(Actor::User).add_node(&name, &zone, rack, pool, &config);
        self.arm_first_failure(id);
        self.join_domains(id);
    }

    /// A scripted update of a StatefulSet, through the API server's checks.
    /// `kubectl rollout restart`: the template's restartedAt annotation set
    /// to now. A template a client wrote gets it as written and is read
    /// again, as that client's own update would be.
    fn rollout_restart(&mut self, statefulset: usize) {
        use crate::kube::template::RESTARTED_AT;
        let sts = self.sts_id(statefulset);
        let at = crate::kube::timestamp(self.queue.now());
        let set = self.world.sts(sts);
        let written = match &set.template_object {
            Some(object) => {
                let (name, version) = (set.name.clone(), self.world.kubernetes);
                match crate::kube::template::restarted(self.templates, object, &name, version, &at) {
                    Ok(read) => Some(read),
                    Err(refused) => {
                        let message = refused.message.unwrap_or_default();
                        self.api(Actor::User).record(Event::StatefulSetUpdateRejected { sts, message });
                        return;
                    }
                }
            }
            None => None,
        };
        let template = written.as_ref().map(|(template, _)| template.clone());
        let change = format!("restarted (kubectl rollout restart: {RESTARTED_AT}={at})");
        self.update(statefulset, change, |spec| {
            match template {
                Some(template) => spec.template = template,
                None => {
                    spec.template.annotations.insert(RESTARTED_AT.to_string(), at);
                }
            }
            Ok(())
        });
        if let Some((_, object)) = written {
            self.world.sts_mut(sts).template_object = Some(object);
        }
    }

    /// The first port of the Service that StatefulSet `statefulset` names,
    /// as it is now: where a made-up probe check points.
    fn service_port(&self, statefulset: usize) -> Option<u16> {
        let service = &self.world.sts(self.sts_id(statefulset)).spec.service_name;
        let id = self.world.service_named(service)?;
        self.world.service(id).ports.first().map(|p| p.port)
    }

    fn update(
        &mut self,
        statefulset: usize,
        change: String,
        apply: impl FnOnce(&mut StatefulSetSpec) -> Result<(), &'static str>,
    ) {
        let sts = self.sts_id(statefulset);
        let mut api = self.api(Actor::User);
        let mut invalid = None;
        let _ = api.update_statefulset(sts, change, |spec| {
            if let Err(message) = apply(spec) {
                invalid = Some(message);
            }
        });
        if let Some(message) = invalid {
            // The spec was left unchanged; say why, as the API server would.
            let name = self.world.sts(sts).name.clone();
            let message = format!("StatefulSet.apps \"{name}\" is invalid: {message}");
            self.api(Actor::User).record(Event::StatefulSetUpdateRejected { sts, message });
        }
    }
}

/// A spec with the patch's fields replaced, immutable ones included (for a
/// set deleted and created again).
fn patched_spec(mut spec: StatefulSetSpec, patch: crate::config::SpecPatch) -> StatefulSetSpec {
    if let Some(v) = patch.replicas {
        spec.replicas = v;
    }
    if let Some(v) = patch.min_ready_seconds {
        spec.min_ready_seconds = v;
    }
    if let Some(v) = patch.ordinals_start {
        spec.ordinals_start = v;
    }
    if let Some(v) = patch.revision_history_limit {
        spec.revision_history_limit = v;
    }
    if let Some(v) = patch.retention {
        spec.retention = v;
    }
    if let Some(v) = patch.service_name {
        spec.service_name = v;
    }
    if let Some(v) = patch.selector {
        spec.selector = v;
    }
    if let Some(v) = patch.pod_management_policy {
        spec.pod_management_policy = v;
    }
    if let Some(v) = patch.volume_claim_templates {
        spec.volume_claim_templates = v;
    }
    spec
}

/// The fields a spec patch sets, by their Kubernetes names.
fn patch_fields(patch: &crate::config::SpecPatch) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = |present: bool, name: &str| {
        if present {
            fields.push(name.to_string());
        }
    };
    field(patch.replicas.is_some(), "replicas");
    field(patch.min_ready_seconds.is_some(), "minReadySeconds");
    field(patch.ordinals_start.is_some(), "ordinals");
    field(patch.revision_history_limit.is_some(), "revisionHistoryLimit");
    field(patch.retention.is_some(), "persistentVolumeClaimRetentionPolicy");
    field(patch.selector.is_some(), "selector");
    field(patch.pod_management_policy.is_some(), "podManagementPolicy");
    field(patch.volume_claim_templates.is_some(), "volumeClaimTemplates");
    if let Some(service) = &patch.service_name {
        fields.push(format!("serviceName={service}"));
    }
    fields
}

/// The API server's message for rolling-update fields on an OnDelete set.
const ROLLING_UPDATE_ONLY: &str =
    "spec.updateStrategy.rollingUpdate: Invalid value: only allowed for updateStrategy 'RollingUpdate'";

fn strategy_name(strategy: UpdateStrategy) -> String {
    match strategy {
        UpdateStrategy::OnDelete => "OnDelete".into(),
        UpdateStrategy::RollingUpdate { nil: true, .. } => "RollingUpdate".into(),
        UpdateStrategy::RollingUpdate { partition, max_unavailable: None, .. } => {
            format!("RollingUpdate(partition: {partition})")
        }
        UpdateStrategy::RollingUpdate { partition, max_unavailable: Some(m), .. } => {
            format!("RollingUpdate(partition: {partition}, maxUnavailable: {m})")
        }
    }
}

/// A user's write the API server refused is a trace record, as kubectl would print it.
fn user_write_refused(api: &mut Api, action: String, result: crate::kube::WriteResult) {
    if !result.is_success() {
        api.record(Event::WriteRefused {
            action: action.into(),
            code: result.code,
            reason: result.reason.unwrap_or_default(),
            message: result.message.unwrap_or_default().into(),
        });
    }
}

/// Stands in for an external operator when none was provided: it fails at
/// once, saying where external operators run.
struct Unavailable;

impl crate::operators::Operator for Unavailable {
    fn name(&self) -> &str {
        "external"
    }
    fn reconcile(
        &mut self,
        _: &crate::operators::View,
        _: &[crate::operators::WatchEvent],
    ) -> Result<crate::operators::Reconciled, String> {
        Err("external operators run through the stsim command (stsim run, stsim test)".to_string())
    }
}

/// The name of a pool's node `n` (from 0): its own name if the pool gives
/// one, else `<pool>-<n + 1>`.
pub fn pool_node_name(pool: &crate::config::NodePoolConfig, n: u32) -> String {
    match pool.names.get(n as usize) {
        Some(name) => name.clone(),
        None => format!("{}-{}", pool.name, n + 1),
    }
}

/// The name node id `node` has or will have: the pools' nodes in order,
/// then one per `AddNode` in timeline order.
pub fn node_name(config: &Config, node: usize) -> String {
    let mut index = 0;
    for pool in &config.cluster.node_pools {
        for n in 0..pool.count {
            if index == node {
                return pool_node_name(pool, n);
            }
            index += 1;
        }
    }
    let mut added: Vec<u32> = config.cluster.node_pools.iter().map(|p| p.count).collect();
    for entry in &config.timeline {
        if let Action::AddNode { pool, .. } = entry.action {
            added[pool] += 1;
            if index == node {
                return format!("{}-{}", config.cluster.node_pools[pool].name, added[pool]);
            }
            index += 1;
        }
    }
    format!("#{node}")
}

/// A scripted action in kubectl's words.
pub fn describe(config: &Config, action: &Action) -> String {
    let pod = |p: &PodRef| pod_name(&config.statefulsets[p.statefulset].name, p.ordinal);
    // The pod, or its sidecar `container` (by index), a probe override names.
    let whose = |p: &PodRef, container: Option<usize>| match container {
        Some(index) => {
            let inits = &config.statefulsets[p.statefulset].spec.template.init_containers;
            format!("sidecar {} of {}", inits.get(index).map_or("", |c| c.name.as_str()), pod(p))
        }
        None => pod(p),
    };
    match action {
        Action::Scale { statefulset, replicas } => format!(
            "kubectl scale statefulset {} --replicas={replicas}",
            config.statefulsets[*statefulset].name
        ),
        Action::DeletePod { pod: p } => format!("kubectl delete pod {}", pod(p)),
        Action::ForceDeletePod { pod: p } => {
            format!("kubectl delete pod {} --grace-period=0 --force", pod(p))
        }
        Action::SetLive { pod: p, live, container } => {
            let does = if *live { "passes again" } else { "starts failing" };
            format!("{}'s liveness probe {does}", whose(p, *container))
        }
        Action::SetReady { pod: p, ready, container } => {
            let does = if *ready { "passes" } else { "fails" };
            format!("readiness probe of {} {does} from now on", whose(p, *container))
        }
        Action::Stop => "stop the run".to_string(),
        Action::CrashNode { node } => {
            format!("node {} crashes (the machine stops)", node_name(config, *node))
        }
        Action::PartitionNode { node } => {
            format!(
                "node {} is cut off from the control plane (its containers keep running)",
                node_name(config, *node)
            )
        }
        Action::RecoverNode { node } => format!("node {} is back", node_name(config, *node)),
        Action::ShutdownNode { node } => {
            format!("shut down node {} (systemctl poweroff)", node_name(config, *node))
        }
        Action::DrainNode { node } => {
            format!("kubectl drain {} --ignore-daemonsets --delete-emptydir-data", node_name(config, *node))
        }
        Action::Cordon { node } => format!("kubectl cordon {}", node_name(config, *node)),
        Action::Uncordon { node } => format!("kubectl uncordon {}", node_name(config, *node)),
        Action::DeleteNode { node } => format!("kubectl delete node {}", node_name(config, *node)),
        Action::RemoveMember { pod } | Action::AddMember { pod } => {
            let set = &config.statefulsets[pod.statefulset];
            let member = crate::objects::pod_name(&set.name, pod.ordinal);
            use crate::config::{AppKind, QuorumSystem};
            let remove = matches!(action, Action::RemoveMember { .. });
            match (set.app.as_ref().map(|a| &a.kind), remove) {
                (Some(AppKind::Quorum { system: QuorumSystem::ZooKeeper, .. }), true) => {
                    format!("zkCli.sh reconfig -remove {member}")
                }
                (Some(AppKind::Quorum { system: QuorumSystem::ZooKeeper, .. }), false) => {
                    format!("zkCli.sh reconfig -add {member}")
                }
                (Some(AppKind::RedisCluster { .. }), true) => {
                    format!("redis-cli --cluster del-node {member} (CLUSTER FORGET on every node)")
                }
                (Some(AppKind::RedisCluster { .. }), false) => {
                    format!("redis-cli --cluster add-node {member} --cluster-slave (CLUSTER MEET)")
                }
                (Some(AppKind::Cassandra { .. }), true) => format!("nodetool decommission on {member}"),
                (Some(AppKind::Cassandra { .. }), false) => {
                    format!("add member {member} (Cassandra has none)")
                }
                (_, true) => format!("etcdctl member remove {member}"),
                (_, false) => format!("etcdctl member add {member}"),
            }
        }
        Action::PartitionZone { zone } => format!(
            "zone {} is cut off from the control plane and the other zones (its nodes still reach each other)",
            config.cluster.zones[*zone]
        ),
        Action::RecoverZone { zone } => format!("zone {} is reachable again", config.cluster.zones[*zone]),
        Action::AddNode { pool, zone } => {
            let pool = &config.cluster.node_pools[*pool].name;
            match zone {
                Some(zone) => format!("a node joins from pool {pool} in {}", config.cluster.zones[*zone]),
                None => format!("a node joins from pool {pool}"),
            }
        }
        Action::TaintOutOfService { node } => format!(
            "kubectl taint node {} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
            node_name(config, *node)
        ),
        Action::UntaintOutOfService { node } => format!(
            "kubectl taint node {} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute-",
            node_name(config, *node)
        ),
        // The action changes the first container's image: `*=` would set
        // every container's and init container's (kubectl's `set image`).
        Action::SetImage { statefulset, image } => {
            let set = &config.statefulsets[*statefulset];
            format!(
                "kubectl set image statefulset/{} {}={image}",
                set.name,
                set.spec.template.container_name()
            )
        }
        Action::RolloutRestart { statefulset } => {
            format!("kubectl rollout restart statefulset/{}", config.statefulsets[*statefulset].name)
        }
        Action::PatchTemplate { statefulset, patch } => {
            let mut fields = Vec::new();
            if let Some(image) = &patch.image {
                fields.push(format!("image={image}"));
            }
            if patch.labels.is_some() {
                fields.push("labels".into());
            }
            if patch.requests.is_some() {
                fields.push("resources".into());
            }
            if patch.readiness_probe.is_some() {
                fields.push("readinessProbe".into());
            }
            if let Some(grace) = patch.termination_grace_period {
                fields.push(format!("terminationGracePeriodSeconds={}", grace.as_millis() / 1000));
            }
            if let Some(fqdn) = patch.set_hostname_as_fqdn {
                fields.push(format!("setHostnameAsFQDN={fqdn}"));
            }
            if let Some(extras) = &patch.extra_containers {
                let named: Vec<String> = extras.iter().map(|c| format!("{}={}", c.name, c.image)).collect();
                fields.push(format!("containers[1..]=[{}]", named.join(",")));
            }
            format!(
                "kubectl patch statefulset {} (template: {})",
                config.statefulsets[*statefulset].name,
                fields.join(", ")
            )
        }
        Action::SetPartition { statefulset, partition } => format!(
            "kubectl patch statefulset {} -p '{{\"spec\":{{\"updateStrategy\":{{\"rollingUpdate\":{{\"partition\":{partition}}}}}}}}}'",
            config.statefulsets[*statefulset].name
        ),
        Action::SetMaxUnavailable { statefulset, max_unavailable } => format!(
            "kubectl patch statefulset {} (rollingUpdate.maxUnavailable: {max_unavailable})",
            config.statefulsets[*statefulset].name
        ),
        Action::SetUpdateStrategy { statefulset, strategy } => format!(
            "kubectl patch statefulset {} (updateStrategy: {})",
            config.statefulsets[*statefulset].name,
            strategy_name(*strategy)
        ),
        Action::DeleteStatefulSet { statefulset, cascade } => format!(
            "kubectl delete statefulset {} --cascade={}",
            config.statefulsets[*statefulset].name,
            format!("{cascade:?}").to_lowercase()
        ),
        Action::DeletePvc { claim } => format!("kubectl delete pvc {claim}"),
        Action::ApplyCustomResource { kind, name, spec } => {
            format!("kubectl apply {} {name} with spec {spec}", config.custom_kinds[*kind].kind)
        }
        Action::PatchCustomResource { kind, name, patch, status } => {
            let subresource = if *status { " --subresource=status" } else { "" };
            format!(
                "kubectl patch {} {name}{subresource} --type=merge -p '{patch}'",
                config.custom_kinds[*kind].kind
            )
        }
        Action::DeleteCustomResource { kind, name } => {
            format!("kubectl delete {} {name}", config.custom_kinds[*kind].kind)
        }
        Action::RenameStatefulSet { statefulset, to } => format!(
            "rename statefulset {} to {to}: kubectl delete statefulset {0}, then create {to} with the same spec",
            config.statefulsets[*statefulset].name
        ),
        Action::RecreateStatefulSet { statefulset, patch } => {
            let name = &config.statefulsets[*statefulset].name;
            let fields = patch_fields(patch);
            let changed =
                if fields.is_empty() { String::new() } else { format!(" with {}", fields.join(", ")) };
            format!("kubectl delete statefulset {name} --cascade=orphan, then create {name} again{changed}")
        }
        Action::RenameService { from, to } => format!(
            "rename service {from} to {to}: kubectl delete service {from}, then create {to} with the same spec"
        ),
        Action::DeleteService { service } => format!("kubectl delete service {service}"),
        Action::UpdateService { service, selector, ports, publish_not_ready_addresses } => {
            let mut parts = Vec::new();
            if let Some(selector) = selector {
                let words: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
                parts.push(format!("selector [{}]", words.join(", ")));
            }
            if let Some(ports) = ports {
                // `name:port`, and `->target` where the target port is not the port.
                let words: Vec<String> = ports
                    .iter()
                    .map(|p| match &p.target_port {
                        crate::config::TargetPort::Number(n) if *n == p.port => {
                            format!("{}:{}", p.name, p.port)
                        }
                        target => format!("{}:{}->{target}", p.name, p.port),
                    })
                    .collect();
                parts.push(format!("ports [{}]", words.join(", ")));
            }
            if let Some(publish) = publish_not_ready_addresses {
                parts.push(format!("publishNotReadyAddresses={publish}"));
            }
            format!("kubectl patch service {service}: {}", parts.join(", "))
        }
        Action::UpdateSpec { statefulset, patch } => format!(
            "kubectl apply: statefulset {} changes {}",
            config.statefulsets[*statefulset].name,
            patch_fields(patch).join(", ")
        ),
        Action::OnNodeOf { pod: p, action } => edits::describe_node_of(&pod(p), *action),
        Action::PatchPod { .. }
        | Action::PatchPvc { .. }
        | Action::CreatePod { .. }
        | Action::DeleteBarePod { .. }
        | Action::CreatePvc { .. }
        | Action::ResizePvc { .. } => edits::describe(config, action),
    }
}

mod edits;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_back_off_doubles_from_5ms_to_1000s() {
        assert_eq!(retry_delay(1).as_millis(), 5);
        assert_eq!(retry_delay(2).as_millis(), 10);
        assert_eq!(retry_delay(3).as_millis(), 20);
        assert_eq!(retry_delay(40).as_millis(), 1_000_000);
    }
}

#[cfg(test)]
mod smoke {
    use crate::config::PodManagementPolicy;
    use crate::fixtures;
    use crate::time::SimDuration;

    #[test]
    fn three_ordered_pods_come_up() {
        let config =
            fixtures::scenario("smoke", 1, 3, PodManagementPolicy::OrderedReady, SimDuration::from_mins(5));
        let (sim, report) = crate::run(config);
        let text = sim.trace.render(&sim.world);
        assert_eq!(report.pods.len(), 3, "{text}");
        assert!(report.pods.iter().all(|p| p.state.ready == "1/1"), "{text}");
        assert_eq!(report.dns.len(), 3, "{text}");
    }
}
