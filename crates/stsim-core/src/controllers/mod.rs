//! The control loops, one module each, as in Kubernetes.
//!
//! Each reads the world and writes through [`crate::api::Api`]; none reads
//! another's state. Each is level-triggered: it is told what to look at
//! (a set, a pod, a claim), never why.

pub mod attach_detach;
pub mod disruption;
pub mod dns;
pub mod garbage_collector;
pub mod kubelet;
pub mod node_lifecycle;
pub mod pod_gc;
pub mod scheduler;
pub mod statefulset;
pub mod taint_eviction;
pub mod volumes;
