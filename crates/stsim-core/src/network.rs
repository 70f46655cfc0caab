//! The network between machines: who can reach whom.
//!
//! Owns the one rule every application model uses to decide whether a
//! process on one node reaches a process on another, and whether a node
//! reaches the control plane (the API server, which is also the DCS of
//! Patroni on Kubernetes). It follows the machines' states only:
//! - a running machine reaches every other running machine and the
//!   control plane;
//! - a partitioned machine is an island: its processes reach each other,
//!   and nobody else reaches them or is reached by them (the control plane
//!   included), whichever side is asked; machines partitioned together (a
//!   zone cut off) share one island and still reach each other;
//! - a crashed machine reaches nobody, not even itself (its processes are gone).
//!
//! Does not know applications, addresses or DNS: `apps::reach` puts an
//! address lookup in front of this rule.

use crate::objects::{Machine, NodeId};
use crate::world::World;

/// Whether a process on `from` reaches a process on `to`.
pub fn reachable(world: &World, from: NodeId, to: NodeId) -> bool {
    cut_by(world, from, to).is_none()
}

/// The node whose state cuts `from` off from `to`, if one does: the source
/// when it cannot reach out, else the destination.
pub fn cut_by(world: &World, from: NodeId, to: NodeId) -> Option<NodeId> {
    let (a, b) = (world.node(from).machine, world.node(to).machine);
    if a == Machine::Crashed {
        return Some(from);
    }
    if b == Machine::Crashed {
        return Some(to);
    }
    if from == to {
        return None;
    }
    let (island_a, island_b) = (&world.node(from).island, &world.node(to).island);
    if a == Machine::Partitioned && b == Machine::Partitioned && island_a.is_some() && island_a == island_b {
        return None;
    }
    match (a, b) {
        (Machine::Partitioned, _) => Some(from),
        (_, Machine::Partitioned) => Some(to),
        _ => None,
    }
}

/// Whether processes on `node` reach the control plane (the API server).
pub fn reaches_control_plane(world: &World, node: NodeId) -> bool {
    world.node(node).machine == Machine::Running
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(machines: &[Machine]) -> World {
        let config = crate::fixtures::scenario(
            "net",
            1,
            1,
            crate::config::PodManagementPolicy::Parallel,
            crate::time::SimDuration::from_mins(1),
        );
        let mut world = World::from_config(&config);
        assert!(world.nodes.len() >= machines.len());
        for (i, machine) in machines.iter().enumerate() {
            world.nodes[i].machine = *machine;
        }
        world
    }

    #[test]
    fn running_machines_reach_each_other() {
        let w = world(&[Machine::Running, Machine::Running]);
        assert!(reachable(&w, NodeId(0), NodeId(1)));
        assert!(reaches_control_plane(&w, NodeId(0)));
    }

    #[test]
    fn a_partitioned_machine_is_an_island() {
        let w = world(&[Machine::Running, Machine::Partitioned, Machine::Partitioned]);
        assert!(reachable(&w, NodeId(1), NodeId(1)), "processes on one partitioned node reach each other");
        assert!(!reachable(&w, NodeId(0), NodeId(1)));
        assert!(!reachable(&w, NodeId(1), NodeId(0)));
        assert!(!reachable(&w, NodeId(1), NodeId(2)), "two partitioned nodes are two islands");
        assert_eq!(cut_by(&w, NodeId(0), NodeId(1)), Some(NodeId(1)));
        assert_eq!(cut_by(&w, NodeId(1), NodeId(0)), Some(NodeId(1)));
        assert!(!reaches_control_plane(&w, NodeId(1)));
    }

    #[test]
    fn machines_partitioned_together_share_an_island() {
        let mut w =
            world(&[Machine::Partitioned, Machine::Partitioned, Machine::Partitioned, Machine::Running]);
        w.nodes[0].island = Some("zone-a".into());
        w.nodes[1].island = Some("zone-a".into());
        assert!(reachable(&w, NodeId(0), NodeId(1)));
        assert!(!reachable(&w, NodeId(0), NodeId(2)), "a node partitioned alone is its own island");
        assert!(!reachable(&w, NodeId(0), NodeId(3)));
        assert!(!reaches_control_plane(&w, NodeId(0)));
    }

    #[test]
    fn a_crashed_machine_reaches_nobody() {
        let w = world(&[Machine::Running, Machine::Crashed]);
        assert!(!reachable(&w, NodeId(1), NodeId(1)));
        assert!(!reachable(&w, NodeId(0), NodeId(1)));
        assert!(!reaches_control_plane(&w, NodeId(1)));
    }
}
