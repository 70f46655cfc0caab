//! What a trace record says of the state of a pod's containers, read the
//! one way every pass over the events needs it.
//!
//! The trace states a container's state in three shapes, as `kubectl get
//! pods` shows them: a pod of one container by its STATUS
//! (`CrashLoopBackOff`), an init container by its pod's `Init:<reason>`,
//! which is about the init container the last `Init:<done>/<all>` named
//! (the `done`-th, counted from 0), and each container of a pod of several
//! by its own `ContainerStatus` record; a sidecar that exited after its
//! start by its own `SidecarStatus` record, while its pod's `Init:<reason>`
//! (over a running container) repeats it. [`Reader`] turns each into one
//! [`Said`]: which container is now in which state, and whether the pod's
//! init containers are now behind it. It decides nothing about events;
//! `collect` and `sync_retries` do.

use super::failed_state;
use stsim_core::objects::{ContainerRef, ContainerState, Pod, PodId, StatusColumn};
use stsim_core::trace::Event;
use stsim_core::world::World;

/// What one record says of a pod's containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Said {
    pub pod: PodId,
    /// No init container waits now: one runs (`Init:<done>/<all>`, the
    /// earlier ones done) or all are done (a STATUS past them).
    pub inits_settled: bool,
    /// The container the record is about and its state, `None` where the
    /// STATUS names no failure the kubelet announces (a pod of one
    /// container `Running`, `Completed`, `ContainerCreating`; an init
    /// container running). A pod of several containers' STATUS past its
    /// init containers is about none of them (each has its own record).
    pub container: Option<(ContainerRef, Option<ContainerState>)>,
}

/// Reads records in trace order, remembering which init container each
/// pod's kubelet is at.
pub(super) struct Reader<'w> {
    world: &'w World,
    init_at: Vec<u32>,
    /// How many of each pod's init containers have started (or completed)
    /// in its sandbox: those before the one `Init:<done>/<all>` names, all
    /// of them once its STATUS is past them.
    inits_started: Vec<u32>,
    /// Which of each pod's sidecars are down (exited, not started again),
    /// by init container index (empty for a pod with none down yet).
    sidecars_down: Vec<Vec<bool>>,
}

impl<'w> Reader<'w> {
    pub fn new(world: &'w World) -> Self {
        let pods = world.pods.len();
        Reader {
            world,
            init_at: vec![0; pods],
            inits_started: vec![0; pods],
            sidecars_down: vec![Vec::new(); pods],
        }
    }

    /// Whether one of the pod's sidecars is down, as the records read so
    /// far say: its STATUS `Init:<reason>` is that sidecar's, over
    /// containers that run on.
    pub fn sidecar_down(&self, pod: PodId) -> bool {
        self.sidecars_down[pod.index()].contains(&true)
    }

    /// The pod's sidecars that run, as the records read so far say:
    /// started in its sandbox and not down, in spec order.
    pub fn running_sidecars<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = usize> + 'a {
        let (started, down) = (self.inits_started[pod.id.index()], &self.sidecars_down[pod.id.index()]);
        (pod.sidecars.iter().copied())
            .filter(move |i| (*i as u32) < started && !down.get(*i).copied().unwrap_or(false))
    }

    /// What `event` says of its pod's containers, if it is about them.
    pub fn read(&mut self, event: &Event) -> Option<Said> {
        match event {
            Event::PodStatus { pod, status: StatusColumn::Init { done, .. }, .. } => {
                self.init_at[pod.index()] = *done;
                self.inits_started[pod.index()] = *done;
                let container = Some((ContainerRef::Init(*done), None));
                Some(Said { pod: *pod, inits_settled: true, container })
            }
            Event::SidecarStatus { pod, init, failure, .. } => {
                let down = &mut self.sidecars_down[pod.index()];
                let at = *init as usize;
                if down.len() <= at {
                    down.resize(at + 1, false);
                }
                down[at] = failure.is_some();
                let state = failure.and_then(|f| failed_state(f.as_str()));
                Some(Said {
                    pod: *pod,
                    inits_settled: false,
                    container: Some((ContainerRef::Init(*init), state)),
                })
            }
            // A sidecar's failure, which its own record said.
            Event::PodStatus { pod, status: StatusColumn::Reason(reason), .. }
                if reason.starts_with("Init:") && self.sidecar_down(*pod) =>
            {
                Some(Said { pod: *pod, inits_settled: false, container: None })
            }
            Event::PodStatus { pod, status: StatusColumn::Reason(reason), .. } => {
                // Before the sandbox none has started; past them, all have.
                match *reason {
                    "Pending" | "ContainerCreating" => self.inits_started[pod.index()] = 0,
                    "Terminating" => {}
                    reason if reason.starts_with("Init:") => {}
                    _ => self.inits_started[pod.index()] = u32::MAX,
                }
                Some(match reason.strip_prefix("Init:") {
                    Some(init) => {
                        let at = ContainerRef::Init(self.init_at[pod.index()]);
                        Said { pod: *pod, inits_settled: false, container: Some((at, failed_state(init))) }
                    }
                    None => {
                        let single = self.world.pod(*pod).extra_containers.is_empty();
                        let main = single.then(|| (ContainerRef::Regular(0), failed_state(reason)));
                        Said { pod: *pod, inits_settled: true, container: main }
                    }
                })
            }
            // (One regular container: its state is the pod's status's.)
            Event::ContainerStatus { pod, .. } if self.world.pod(*pod).extra_containers.is_empty() => None,
            Event::ContainerStatus { pod, container, state, .. } => Some(Said {
                pod: *pod,
                inits_settled: false,
                container: Some((ContainerRef::Regular(*container), Some(*state))),
            }),
            _ => None,
        }
    }
}
