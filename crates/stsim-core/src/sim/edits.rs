//! Script actions that edit objects by hand, as a person does with
//! `kubectl label`, `kubectl patch`, `kubectl create` and `kubectl delete`:
//! labels of pods and claims, owner references, bare pods and claims; and which node "the node
//! that runs pod X" is when an action runs.
//!
//! Owns turning those actions into API writes (through `Api`) and their
//! kubectl wording. What follows from them (a StatefulSet adopting or
//! releasing a pod, the garbage collector deleting a claim) is the
//! controllers' business.

use crate::api::{Api, ImageUpdateRefusal, NewPod, NewPvc};
use crate::config::{Action, Labels, NodeAction};
use crate::objects::*;
use crate::trace::Event;
use crate::world::World;

/// The node that runs the pod named `pod`: its live object's `spec.nodeName`,
/// or, if none, the node its most recent incarnation ran on.
pub(super) fn node_of(world: &World, pod: &str) -> Option<NodeId> {
    world
        .pod_named(pod)
        .and_then(|id| world.pod(id).node)
        .or_else(|| world.pods.iter().rev().find(|p| p.name == pod && p.node.is_some()).and_then(|p| p.node))
}

/// `labels` applied to `old` (set or overwritten), then `remove` taken out,
/// and the change in kubectl's words (`a=b c-`).
fn relabel(old: &Labels, labels: &Labels, remove: &[String]) -> (Labels, String) {
    let mut new = old.clone();
    new.extend(labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut words: Vec<String> = labels.iter().map(|(key, value)| format!("{key}={value}")).collect();
    for key in remove {
        new.remove(key);
        words.push(format!("{key}-"));
    }
    (new, format!("labels {}", words.join(" ")))
}

/// Runs a hand edit.
pub(super) fn run(api: &mut Api, action: Action) {
    match action {
        Action::PatchPod { pod, labels, remove_labels, orphan, finalizers, image } => {
            let Some(id) = api.world().pod_named(&pod) else {
                api.record(Event::NotFound { name: format!("pod/{pod}") });
                return;
            };
            let (new, change) = relabel(&api.world().pod(id).labels, &labels, &remove_labels);
            if !labels.is_empty() || !remove_labels.is_empty() {
                api.set_pod_labels(id, new, change);
            }
            if orphan {
                api.remove_pod_owner(id);
            }
            if let Some(finalizers) = finalizers {
                // A refusal is recorded; the script goes on.
                let _ = api.set_pod_finalizers(id, finalizers);
            }
            if let Some(image) = image
                && let Err(refusal) = api.update_pod_image(id, image.clone())
            {
                let container = api.world().pod(id).container_name();
                let action = format!("kubectl set image pod/{pod} {container}={image}");
                let why = match refusal {
                    ImageUpdateRefusal::Invalid(message) => message,
                    ImageUpdateRefusal::NotModelled(what) => format!("stsim does not model {what}"),
                };
                api.record(Event::ActionRefused { action, why });
            }
        }
        Action::PatchPvc { pvc, labels, remove_labels, owners, finalizers } => {
            let Some(id) = api.world().pvc_named(&pvc) else {
                api.record(Event::NotFound { name: format!("pvc/{pvc}") });
                return;
            };
            let (new, change) = relabel(&api.world().pvc(id).labels, &labels, &remove_labels);
            if !labels.is_empty() || !remove_labels.is_empty() {
                api.set_pvc_labels(id, new, change);
            }
            if let Some(owners) = owners {
                let mut refs = Vec::new();
                for owner in owners {
                    let world = api.world();
                    let found = match owner.split_once('/') {
                        Some(("StatefulSet", name)) => world
                            .statefulsets
                            .iter()
                            .rev()
                            .find(|s| s.name == name && s.removed_at.is_none())
                            .map(|s| OwnerRef { owner: Owner::StatefulSet(s.id), uid: s.uid }),
                        Some(("Pod", name)) => world
                            .pod_named(name)
                            .map(|p| OwnerRef { owner: Owner::Pod(p), uid: world.pod(p).uid }),
                        _ => None,
                    };
                    match found {
                        Some(r) => refs.push(r),
                        None => api.record(Event::NotFound { name: owner }),
                    }
                }
                api.replace_pvc_owners(id, refs);
            }
            if let Some(finalizers) = finalizers {
                let _ = api.set_pvc_finalizers(id, finalizers);
            }
        }
        Action::CreatePod { name, template, hostname, subdomain } => {
            let new = NewPod {
                hostname,
                subdomain,
                ordinal: parse_pod_name(&name).map(|(_, ordinal)| ordinal),
                ..NewPod::from_template(name, &template)
            };
            // A live name is refused (AlreadyExists), as recorded by the API.
            let _ = api.create_pod(new);
        }
        Action::DeleteBarePod { name, force } => match api.world().pod_named(&name) {
            Some(id) => api.delete_pod(id, force.then_some(crate::time::SimDuration::ZERO)),
            None => api.record(Event::NotFound { name: format!("pod/{name}") }),
        },
        Action::CreatePvc { name, labels, storage_bytes, storage_class, access_modes } => {
            let world = api.world();
            let storage_class_name =
                storage_class.or_else(|| world.default_class().map(|c| world.class(c).name.clone()));
            let new = NewPvc {
                name: name.clone(),
                labels,
                storage_class_name,
                request_bytes: storage_bytes,
                access_modes,
                owner_refs: Vec::new(),
                statefulset: None,
                volume_name: None,
            };
            if api.create_pvc(new).is_err() {
                api.record(Event::NotFound { name: format!("pvc/{name} (already exists)") });
            }
        }
        Action::ResizePvc { claim, storage_bytes } => match api.world().pvc_named(&claim) {
            Some(id) => {
                let _ = api.resize_pvc(id, storage_bytes);
            }
            None => api.record(Event::NotFound { name: format!("pvc/{claim}") }),
        },
        _ => unreachable!("only hand edits come here"),
    }
}

/// A hand edit in kubectl's words.
pub(super) fn describe(config: &crate::config::Config, action: &Action) -> String {
    match action {
        Action::PatchPod { pod, labels, remove_labels, orphan, finalizers, image } => {
            let mut parts = Vec::new();
            if let Some(image) = image {
                let container = container_of(config, pod);
                parts.push(format!("kubectl set image pod/{pod} {container}={image}"));
            }
            if let Some(finalizers) = finalizers {
                parts.push(format!("kubectl patch pod {pod}: finalizers [{}]", finalizers.join(", ")));
            }
            if !labels.is_empty() || !remove_labels.is_empty() {
                parts.push(format!(
                    "kubectl label pod {pod} {} --overwrite",
                    relabel(&Labels::new(), labels, remove_labels).1.trim_start_matches("labels ")
                ));
            }
            if *orphan {
                parts.push(format!(
                    "kubectl patch pod {pod} -p '{{\"metadata\":{{\"ownerReferences\":[]}}}}'"
                ));
            }
            parts.join("; ")
        }
        Action::PatchPvc { pvc, labels, remove_labels, owners, finalizers } => {
            let mut parts = Vec::new();
            if let Some(finalizers) = finalizers {
                parts.push(format!("kubectl patch pvc {pvc}: finalizers [{}]", finalizers.join(", ")));
            }
            if !labels.is_empty() || !remove_labels.is_empty() {
                parts.push(format!(
                    "kubectl label pvc {pvc} {} --overwrite",
                    relabel(&Labels::new(), labels, remove_labels).1.trim_start_matches("labels ")
                ));
            }
            if let Some(owners) = owners {
                parts.push(format!("kubectl patch pvc {pvc}: ownerReferences [{}]", owners.join(", ")));
            }
            parts.join("; ")
        }
        Action::CreatePod { name, template, .. } => {
            format!("kubectl create pod {name} (image {}, no owner)", template.image)
        }
        Action::DeleteBarePod { name, force: false } => format!("kubectl delete pod {name}"),
        Action::DeleteBarePod { name, force: true } => {
            format!("kubectl delete pod {name} --grace-period=0 --force")
        }
        Action::CreatePvc { name, storage_bytes, .. } => {
            format!("kubectl create pvc {name} ({storage_bytes} bytes)")
        }
        Action::ResizePvc { claim, storage_bytes } => {
            format!("kubectl patch pvc {claim}: spec.resources.requests.storage {storage_bytes} bytes")
        }
        _ => unreachable!("only hand edits come here"),
    }
}

/// The first container's name of the pod named `pod`, by the set whose
/// pods are named `<set>-<ordinal>`; the default for any other.
fn container_of<'c>(config: &'c crate::config::Config, pod: &str) -> &'c str {
    let ordinal_of = |set: &str| pod.strip_prefix(set)?.strip_prefix('-')?.parse::<u32>().ok();
    config
        .statefulsets
        .iter()
        .find(|set| ordinal_of(&set.name).is_some())
        .map_or(crate::config::DEFAULT_CONTAINER_NAME, |set| set.spec.template.container_name())
}

/// A node action aimed at a pod's node, in words.
pub(super) fn describe_node_of(pod: &str, action: NodeAction) -> String {
    let what = match action {
        NodeAction::Crash => "crash",
        NodeAction::Shutdown => "shut down",
        NodeAction::Partition => "cut off from the control plane",
        NodeAction::Recover => "bring back",
        NodeAction::Drain => "kubectl drain",
        NodeAction::Cordon => "kubectl cordon",
        NodeAction::Uncordon => "kubectl uncordon",
        NodeAction::Delete => "kubectl delete node",
        NodeAction::TaintOutOfService => "taint out-of-service",
        NodeAction::UntaintOutOfService => "remove the out-of-service taint from",
    };
    if action.undoes().is_empty() {
        format!("{what} the node that runs {pod}")
    } else {
        // The node the undone action hit, which the pod may have left.
        format!("{what} the node of {pod}")
    }
}
