//! The kubelet's image manager: which images a node has, and what a
//! container's image check does with them.
//!
//! Owns the images pulled to each node (`Node::images`; a pool's preloaded
//! ones are `World::preloaded_images`), the check's refusal of a reference
//! it cannot read (the grammar is `image_ref`'s), `imagePullPolicy`'s
//! decision to pull (pkg/kubelet/images/image_manager.go), the node's one-at-a-time
//! puller (`serializeImagePulls`), a pull's end (the image is the node's,
//! and the containers of a `Never` policy that waited for it look again),
//! and what a crash does to pulls in progress. Does not own a container's
//! life around the check (the kubelet's) or an image's behaviour (the
//! scenario's).

use crate::api::Api;
use crate::config::{ImageBehaviour, ImagePullPolicy, normalized_image};
use crate::events::EventKey;
use crate::objects::*;
use crate::time::SimTime;

/// The kubelet's image check before a container of `image` starts at
/// `from` on `node` (`EnsureImageExists`, pkg/kubelet/images/image_manager.go,
/// and its `shouldPullImage`): `Never` starts from the image on the node or
/// not at all (`None`: ErrImageNeverPull); `IfNotPresent` pulls only an
/// image the node lacks; `Always` asks the registry every time, which
/// downloads no layer the node has but fails for an image the registry
/// refuses. With the image on the node this takes the cached pull
/// (`timings.cachedPull`), without it the image's `pull`. The kubelet
/// pulls one image at a time (`serializeImagePulls`, true by default:
/// "the kubelet sends only one image pull request to the image service at
/// a time", the Images concept page), in the order asked: a pull waits
/// for the node's puller (`Node::puller_free_at`), and a pull of an image
/// that another container is pulling to the node finds it there once that
/// pull is done (a registry check, which holds the puller for no time).
/// An image a pull brings is the node's from the moment the pull ends; one
/// the registry refuses never is. A `Never` container of `pod` that finds
/// the image still being pulled looks again when that pull ends; one that
/// finds no pull is looked at again when one brings the image
/// (`image_arrives`).
///
/// Before all that the image manager reads the reference
/// (`applyDefaultImageTag`): one the release's parser cannot read
/// (`image_ref`) is never pulled whatever the policy, and the container
/// waits in `InvalidImageName`. The pod worker retries the failed sync
/// every 10-15 s (`backOffPeriod`, jittered), without the image back-off,
/// and each retry fails the same way until the image changes: the kubelet
/// looks again then.
///
/// Each check that finds or pulls the image is kept in the pod's history
/// (`PodHistory::image_checks`), for the kubelet's events.
pub(super) fn ensure_image(
    api: &mut Api,
    pod: PodId,
    container: ContainerRef,
    node: NodeId,
    image: &str,
    policy: ImagePullPolicy,
    from: SimTime,
) -> Result<Pull, NoImage> {
    if !crate::image_ref::readable_in(image, api.world().kubernetes) {
        return Err(NoImage::InvalidName);
    }
    let (pull, started) = check_image(api, pod, node, image, policy, from).ok_or(NoImage::NeverPull)?;
    let refused = pull.asks_registry && api.world().image(image).behaviour == ImageBehaviour::PullFails;
    let check = ImageCheck {
        container,
        image: image.to_string(),
        asked: from,
        started,
        done: pull.done,
        pulled: pull.asks_registry,
        refused,
        cut: false,
    };
    record_check(api, pod, check);
    Ok(pull)
}

/// Why an image check leaves a container without its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoImage {
    /// The policy is `Never` and the node does not have the image: the
    /// container looks again when a pull brings it.
    NeverPull,
    /// The reference does not parse: no pull can bring it.
    InvalidName,
}

impl NoImage {
    /// The container's state while it waits.
    pub(super) fn state(self) -> ContainerState {
        match self {
            NoImage::NeverPull => ContainerState::ErrImageNeverPull,
            NoImage::InvalidName => ContainerState::InvalidImageName,
        }
    }

    /// An init container's failure while it waits (`Init:<reason>`).
    pub(super) fn init_failure(self) -> InitFailure {
        match self {
            NoImage::NeverPull => InitFailure::ErrImageNeverPull,
            NoImage::InvalidName => InitFailure::InvalidImageName,
        }
    }
}

/// Keeps `check` in the pod's history: most pods see one or two, so the
/// first takes room for itself alone (not the four a first push reserves;
/// 19,000 pods in the 10,000-node month).
fn record_check(api: &mut Api, pod: PodId, check: ImageCheck) {
    let checks = &mut api.world.pod_mut(pod).history.image_checks;
    if checks.is_empty() {
        checks.reserve_exact(1);
    }
    checks.push(check);
}

/// A crashed container is started again from the image on the node (its
/// image check finds it there at once, as the kubelet's first start left
/// it): kept in the pod's history like any check.
pub(super) fn restart_finds_image(api: &mut Api, pod: PodId, container: ContainerRef, image: &str) {
    let now = api.now;
    let check = ImageCheck {
        container,
        image: image.to_string(),
        asked: now,
        started: now,
        done: now,
        pulled: false,
        refused: false,
        cut: false,
    };
    record_check(api, pod, check);
}

/// [`ensure_image`]'s decision, and when the pull (or the look at the
/// node's copy) began.
fn check_image(
    api: &mut Api,
    pod: PodId,
    node: NodeId,
    image: &str,
    policy: ImagePullPolicy,
    from: SimTime,
) -> Option<(Pull, SimTime)> {
    let key = normalized_image(image);
    let there = api.world().image_on_node(node, &key);
    let on_disk = there.is_some_and(|at| at <= from);
    let config = api.world().image(image);
    let (pull, pullable) = (config.pull, config.behaviour != ImageBehaviour::PullFails);
    let cached = from + pull.min(api.world().timings.cached_pull);
    match policy {
        ImagePullPolicy::Never if on_disk => {
            return Some((Pull { done: cached, asks_registry: false }, from));
        }
        ImagePullPolicy::Never => {
            if let Some(at) = there {
                api.arm(EventKey::Kubelet(pod), at);
            }
            return None;
        }
        ImagePullPolicy::IfNotPresent if on_disk => {
            return Some((Pull { done: cached, asks_registry: false }, from));
        }
        ImagePullPolicy::IfNotPresent | ImagePullPolicy::Always => {}
    }
    // The pull waits for the puller. An image on the disk by then (an
    // earlier pull of it has brought it) is only checked with the
    // registry, which downloads nothing and holds the puller for no time.
    let start = from.max(api.world().node(node).puller_free_at);
    let done = match there {
        Some(at) if at <= start => cached.max(start),
        _ => {
            api.world.node_mut(node).puller_free_at = start + pull;
            start + pull
        }
    };
    if pullable && there.is_none() {
        image_arrives(api, node, key, done);
    }
    Some((Pull { done, asks_registry: true }, start))
}

/// A pull brings `image` to `node` at `at`: the containers waiting there
/// for it with the policy `Never` look again then (the pod worker retries
/// a failed sync every 10 s, `backOffPeriod`; here at the moment it can
/// succeed).
fn image_arrives(api: &mut Api, node: NodeId, image: String, at: SimTime) {
    let extras_waiting: Vec<PodId> = (api.world().node(node).pods.iter())
        .filter(|pod| {
            let pod = api.world().pod(**pod);
            (pod.extra_containers.iter().zip(&pod.runtime.extras))
                .any(|(extra, runtime)| runtime.held && normalized_image(&extra.image) == image)
        })
        .copied()
        .collect();
    for pod in extras_waiting {
        api.arm(EventKey::Extras(pod), at);
    }
    let waiting: Vec<PodId> = (api.world().node(node).pods.iter())
        .filter(|pod| {
            let pod = api.world().pod(**pod);
            match pod.runtime.init_due {
                Some((index, _)) if pod.runtime.init_held => {
                    normalized_image(&pod.init_containers[index].image) == image
                }
                _ => {
                    pod.status.container == ContainerState::ErrImageNeverPull
                        && normalized_image(&pod.image) == image
                }
            }
        })
        .copied()
        .collect();
    api.world.node_mut(node).images.insert(image, at);
    for pod in waiting {
        api.arm(EventKey::Kubelet(pod), at);
    }
}

/// The machine crashed: a pull it cut short leaves no image, and the
/// puller's queue is gone.
pub(super) fn machine_crashed(api: &mut Api, node: NodeId) {
    let now = api.now;
    let n = api.world.node_mut(node);
    n.images.retain(|_, there| *there <= now);
    n.puller_free_at = n.puller_free_at.min(now);
    let pods: Vec<PodId> = n.pods.iter().copied().collect();
    for pod in pods {
        for check in &mut api.world.pod_mut(pod).history.image_checks {
            check.cut |= check.done > now;
        }
    }
}
