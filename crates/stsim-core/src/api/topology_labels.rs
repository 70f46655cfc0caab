//! The PodTopologyLabels admission plugin (KEP-4742): a pod bound to a
//! node, or created with `spec.nodeName`, takes the node's zone and region
//! labels, so that its containers can read them through the downward API.
//!
//! Owns which labels are copied, per release; the API server's binding and
//! create apply them. Decides nothing else.
//!
//! The plugin (`plugin/pkg/admission/podtopologylabels/admission.go`)
//! admits `pods/binding` creates and `pods` creates that name a node, and
//! only those (`admission.NewHandler(admission.Create)`): a pod's labels are
//! not touched again when the node's labels change. It copies the keys of
//! its default configuration from the Node, overwriting the pod's own values
//! (`mergeLabels`; the binding's labels then overwrite the pod's in
//! `BindingREST`, `copyLabelsWithOverwriting`). A node that is not there, or
//! has none of the keys, adds nothing. Behind the `PodTopologyLabelsAdmission`
//! gate: alpha and off in 1.33 and 1.34, beta and on from 1.35 (k/k PR
//! #135158). In 1.33 the keys were misspelled `topology.k8s.io/{zone,region}`,
//! which no well-known node label has; k/k PR #132462 corrected them to
//! `topology.kubernetes.io/{zone,region}` for 1.34.

use crate::config::Labels;
use crate::features::Version;
use crate::objects::Node;

/// The label keys the plugin copies from a node in `version`.
pub fn keys(version: Version) -> [&'static str; 2] {
    match version.minor {
        ..=33 => ["topology.k8s.io/zone", "topology.k8s.io/region"],
        _ => ["topology.kubernetes.io/zone", "topology.kubernetes.io/region"],
    }
}

/// The labels the plugin sets on a pod with `labels` admitted to `node`:
/// each of `keys` the node has, where the pod's value differs.
pub fn to_copy(version: Version, node: &Node, labels: &Labels) -> [Option<(&'static str, String)>; 2] {
    keys(version).map(|key| {
        let value = node.labels.get(key)?;
        (labels.get(key) != Some(value)).then(|| (key, value.clone()))
    })
}
