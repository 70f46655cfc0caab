//! PodTopologySpread: how the scheduler spreads a pod's kind over
//! topology domains (`pkg/scheduler/framework/plugins/podtopologyspread`).
//!
//! Owns both ways a pod is spread. A pod that gives no
//! `topologySpreadConstraints` is scored by the system default
//! constraints (`Spread`): hostname with maxSkew 3 and zone with maxSkew 5,
//! `ScheduleAnyway`, over the pods of its StatefulSet and Services. A pod
//! that gives any gets its own instead, and no defaults: its
//! `DoNotSchedule` constraints filter nodes (`HardSpread`), its
//! `ScheduleAnyway` ones score them (`SoftSpread`). Does not own the order
//! of plugins or the weights of scores (the scheduler's).

use super::{MAX_NODE_SCORE, NodeTree, node_affinity_matches, round};
use crate::config::{
    LabelSelector, NodeInclusionPolicy, TaintEffect, TopologySpreadConstraint, WhenUnsatisfiable,
};
use crate::objects::*;
use crate::world::World;
use std::collections::BTreeMap;

/// The system default spreading selector: the owning StatefulSet's selector
/// and those of the Services selecting the pod (`helper.DefaultSelector`).
fn default_spread_selector(world: &World, pod: &Pod) -> Option<crate::config::LabelSelector> {
    let owner = pod.owner?;
    let mut selector = world.sts(owner).spec.selector.clone();
    for service in world.services_selecting(&pod.labels) {
        selector.match_labels.extend(world.service(service).selector.clone());
    }
    Some(selector)
}

/// PodTopologySpread with the system default constraints (ScheduleAnyway):
/// hostname with maxSkew 3 and zone with maxSkew 5 (`scoring.go`): the
/// PreScore state, then each feasible node's normalized score.
pub(super) struct Spread {
    /// Matching pods that are not terminating, per node, by node id.
    per_node: Vec<(NodeId, i64)>,
    /// Bit `id % 64` set for each node of `per_node`: a node whose bit is
    /// clear holds no matching pod (most nodes), known without a search.
    per_node_bits: u64,
    /// By zone number in the node tree: the matching pods on the zone's
    /// nodes that the pod's node affinity allows (nodeAffinityPolicy: Honor).
    per_zone: Vec<i64>,
}

impl Spread {
    /// `None` for a pod no StatefulSet owns: no default constraints apply.
    pub(super) fn prepare(world: &World, tree: &NodeTree, pod: &Pod) -> Option<Spread> {
        let selector = default_spread_selector(world, pod)?;
        let per_node = counted(&mut matching_nodes(world, Some(&selector)), world.nodes.len());
        let mut per_zone = vec![0; tree.zones.len()];
        for (node, count) in &per_node {
            let node = world.node(*node);
            if !node.exists() || !node_affinity_matches(pod, node) {
                continue;
            }
            if let Some(c) = per_zone.get_mut(tree.zone(node.id) as usize) {
                *c += count;
            }
        }
        Some(Spread {
            per_node_bits: per_node.iter().fold(0, |bits, (node, _)| bits | 1 << (node.0 % 64)),
            per_node,
            per_zone,
        })
    }

    /// The matching pods on `node`, when it holds any.
    fn on_node(&self, node: NodeId) -> Option<i64> {
        if self.per_node_bits & 1 << (node.0 % 64) == 0 {
            return None;
        }
        let at = self.per_node.binary_search_by_key(&node, |(n, _)| *n).ok()?;
        Some(self.per_node[at].1)
    }

    /// Adds `weight` times each feasible node's normalized score to its
    /// total (`totals` in the order of `nodes`).
    ///
    /// A node's raw score depends on its zone and the matching pods on it;
    /// most nodes hold none, so their score is worked out once per zone,
    /// and only the few holding some one by one. The zones counted are
    /// those of the feasible nodes; the normalization runs over the raw
    /// scores of the feasible nodes, as the plugin's.
    pub(super) fn add_scores(&self, tree: &NodeTree, nodes: &[NodeId], weight: i64, totals: &mut [i64]) {
        let zones = self.per_zone.len();
        let mut feasible_in_zone = vec![0u32; zones];
        // (position in `nodes`, zone, matching pods on the node).
        let mut holding: Vec<(usize, usize, i64)> = Vec::new();
        for (at, &node) in nodes.iter().enumerate() {
            let zone = tree.zone(node) as usize;
            feasible_in_zone[zone] += 1;
            if let Some(count) = self.on_node(node) {
                holding.push((at, zone, count));
            }
        }
        let hostname_weight = ln_plus_two(nodes.len());
        let zone_weight = ln_plus_two(feasible_in_zone.iter().filter(|n| **n > 0).count());
        let raw = |on_node: i64, zone: usize| {
            Self::formula(on_node as f64, self.per_zone[zone] as f64, hostname_weight, zone_weight)
        };
        let empty: Vec<i64> = (0..zones).map(|zone| raw(0, zone)).collect();
        let held: Vec<i64> = holding.iter().map(|&(_, zone, count)| raw(count, zone)).collect();
        let mut empty_in_zone = feasible_in_zone;
        for &(_, zone, _) in &holding {
            empty_in_zone[zone] -= 1;
        }
        let scored =
            (0..zones).filter(|z| empty_in_zone[*z] > 0).map(|z| empty[z]).chain(held.iter().copied());
        let (min, max) = scored.fold((i64::MAX, i64::MIN), |(min, max), s| (min.min(s), max.max(s)));
        let normalized = |s: i64| weight * Self::normalized(s, min, max).clamp(0, MAX_NODE_SCORE);
        let by_zone: Vec<i64> = empty.iter().map(|s| normalized(*s)).collect();
        for (total, &node) in totals.iter_mut().zip(nodes) {
            *total += by_zone[tree.zone(node) as usize];
        }
        for (&(at, zone, _), &raw) in holding.iter().zip(&held) {
            totals[at] += normalized(raw) - by_zone[zone];
        }
    }

    /// The summed score of the two constraints, each `count * weight +
    /// (maxSkew - 1)`, rounded (`scoring.go`, Score).
    fn formula(on_node: f64, in_zone: f64, hostname_weight: f64, zone_weight: f64) -> i64 {
        round(on_node * hostname_weight + (3.0 - 1.0) + in_zone * zone_weight + (5.0 - 1.0))
    }

    /// Fewer matching pods is better: `max + min - score`, scaled by the maximum.
    pub(super) fn normalized(score: i64, min: i64, max: i64) -> i64 {
        if max == 0 { MAX_NODE_SCORE } else { MAX_NODE_SCORE * (max + min - score) / max }
    }
}

/// The node label whose domains are single nodes: PodTopologySpread counts
/// its pods per node rather than per domain.
const HOSTNAME: &str = crate::objects::labels::HOSTNAME;

/// Matching pods per node, as the scheduler cache holds them: bound or
/// assumed, not finished, not terminating (`countPodsMatchSelector` skips a
/// pod with a deletion timestamp). `None` selects no pod.
///
/// A pod stops counting when it turns terminating, yet a pod that its
/// count held back is not retried then: setting the deletion timestamp is
/// a plain Pod/Update (`PodSchedulingPropertiesChange` finds no label,
/// toleration or request change), and PodTopologySpread registers only
/// Add, UpdatePodLabel (UpdatePodToleration with the hints) and Delete
/// (its `EventsToRegister`). Kubernetes retries it on the removal or the
/// leftover flush, and so does stsim (`queueing`).
fn matching_per_node(world: &World, selector: Option<&LabelSelector>) -> BTreeMap<NodeId, i64> {
    counted(&mut matching_nodes(world, selector), world.nodes.len()).into_iter().collect()
}

/// The node of each matching pod that counts (see `matching_per_node`),
/// once per pod, in no particular order.
///
/// An empty selector (`labelSelector: {}`, written and empty) counts no
/// pod from 1.27 through 1.36: `countPodsMatchSelector` returns 0 for an
/// `Empty()` selector (k/k #116607), although the pod itself still matches
/// it, so such a constraint never holds a pod back (k/k #141339, fixed
/// after 1.36). Before 1.27 it counts every pod.
fn matching_nodes(world: &World, selector: Option<&LabelSelector>) -> Vec<NodeId> {
    let Some(selector) = selector else { return Vec::new() };
    if selector.is_empty() && (27..=36).contains(&world.kubernetes.minor) {
        return Vec::new();
    }
    world
        .pods_matching(selector)
        .into_iter()
        .filter_map(|other| {
            let other = world.pod(other);
            if other.is_terminating() { None } else { world.pod_node(other) }
        })
        .collect()
}

/// Each node with how often it occurs, in node order, for nodes numbered
/// below `node_count`: a tally per node when the pods are many for the
/// nodes (a large set's pods on as many nodes: one pass, where sorting
/// thousands of pods at every scheduling attempt was a fifth of a large
/// set's rollout), else a sort and a count.
fn counted(nodes: &mut [NodeId], node_count: usize) -> Vec<(NodeId, i64)> {
    if nodes.len().saturating_mul(4) >= node_count {
        counted_by_node(nodes, node_count)
    } else {
        counted_by_sort(nodes)
    }
}

fn counted_by_node(nodes: &[NodeId], node_count: usize) -> Vec<(NodeId, i64)> {
    let mut per_node = vec![0u32; node_count];
    for node in nodes {
        per_node[node.index()] += 1;
    }
    (per_node.iter().enumerate())
        .filter(|(_, count)| **count > 0)
        .map(|(at, count)| (NodeId(at as u32), i64::from(*count)))
        .collect()
}

fn counted_by_sort(nodes: &mut [NodeId]) -> Vec<(NodeId, i64)> {
    nodes.sort_unstable();
    let mut counts: Vec<(NodeId, i64)> = Vec::new();
    for node in nodes.iter() {
        match counts.last_mut() {
            Some((last, count)) if last == node => *count += 1,
            _ => counts.push((*node, 1)),
        }
    }
    counts
}

/// Whether the node has every constraint's topology key
/// (`nodeLabelsMatchSpreadConstraints`).
fn has_every_key<'c>(
    node: &Node,
    mut constraints: impl Iterator<Item = &'c TopologySpreadConstraint>,
) -> bool {
    constraints.all(|c| node.labels.get(&c.topology_key).is_some())
}

/// `matchNodeInclusionPolicies`: whether the constraint counts the node's
/// pods and domain for `pod`. `Honor` for node affinity: the node passes the
/// pod's `nodeSelector` and required node affinity. `Honor` for taints: the
/// pod tolerates the node's `NoSchedule` and `NoExecute` taints.
fn includes(constraint: &TopologySpreadConstraint, pod: &Pod, node: &Node) -> bool {
    if constraint.node_affinity_policy == NodeInclusionPolicy::Honor && !node_affinity_matches(pod, node) {
        return false;
    }
    if constraint.node_taints_policy == NodeInclusionPolicy::Honor
        && node.taints.iter().map(|t| &t.taint).any(|taint| {
            matches!(taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                && !pod.tolerations.iter().any(|t| t.tolerates(taint))
        })
    {
        return false;
    }
    true
}

/// One `DoNotSchedule` constraint, counted (the Filter's PreFilter state).
#[derive(Debug)]
struct HardConstraint<'p> {
    topology_key: &'p str,
    max_skew: i64,
    /// 1 when the pod matches the constraint's selector itself.
    self_match: i64,
    /// By domain (the key's value on the counted nodes): the matching pods
    /// in it, 0 for a domain holding none.
    per_domain: BTreeMap<&'p str, i64>,
    /// The least count of any domain, or 0 while fewer domains exist than
    /// `minDomains`; `None` when no node is counted at all.
    min: Option<i64>,
}

/// The pod's `DoNotSchedule` constraints, counted over every live node
/// once per cycle (`calPreFilterState`): a node is counted when it has the
/// topology key of every such constraint and each constraint's inclusion
/// policies admit it.
#[derive(Debug)]
pub(super) struct HardSpread<'p> {
    constraints: Vec<HardConstraint<'p>>,
}

impl<'p> HardSpread<'p> {
    /// `None` for a pod without `DoNotSchedule` constraints (the plugin's
    /// Filter is skipped).
    pub(super) fn prepare(world: &'p World, pod: &'p Pod) -> Option<HardSpread<'p>> {
        let hard = || {
            pod.topology_spread.iter().filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
        };
        hard().next()?;
        let mut constraints = Vec::new();
        for constraint in hard() {
            let selector = constraint.selector_for(&pod.labels);
            let per_node = matching_per_node(world, selector.as_ref());
            let mut per_domain: BTreeMap<&str, i64> = BTreeMap::new();
            for node in world.live_nodes() {
                if !has_every_key(node, hard()) || !includes(constraint, pod, node) {
                    continue;
                }
                let domain = node.labels.get(&constraint.topology_key).expect("has every key");
                *per_domain.entry(domain.as_str()).or_default() +=
                    per_node.get(&node.id).copied().unwrap_or(0);
            }
            let fewer_than_min_domains =
                constraint.min_domains.is_some_and(|min| (per_domain.len() as u64) < u64::from(min));
            let least = per_domain.values().copied().min();
            constraints.push(HardConstraint {
                topology_key: &constraint.topology_key,
                max_skew: i64::from(constraint.max_skew),
                self_match: i64::from(selector.is_some_and(|s| s.matches(&pod.labels))),
                per_domain,
                min: if fewer_than_min_domains { Some(0) } else { least },
            });
        }
        Some(HardSpread { constraints })
    }

    /// The Filter on one node: `Err(true)` when the node lacks a topology
    /// key (`UnschedulableAndUnresolvable`), `Err(false)` when placing the
    /// pod there would make a domain's skew exceed `maxSkew`
    /// (`Unschedulable`): its matching pods, plus the pod if it matches,
    /// minus the least of any domain.
    pub(super) fn check(&self, node: &Node) -> Result<(), bool> {
        for constraint in &self.constraints {
            let Some(domain) = node.labels.get(constraint.topology_key) else { return Err(true) };
            let Some(min) = constraint.min else { continue };
            let count = constraint.per_domain.get(domain.as_str()).copied().unwrap_or(0);
            if count + constraint.self_match - min > constraint.max_skew {
                return Err(false);
            }
        }
        Ok(())
    }
}

/// One `ScheduleAnyway` constraint, counted (the Score's PreScore state).
struct SoftConstraint<'p> {
    topology_key: &'p str,
    max_skew: i64,
    /// `ln(domains + 2)`: the domains of the scored nodes, or for hostname
    /// the scored nodes themselves (`topologyNormalizingWeight`).
    weight: f64,
    /// Matching pods per node, for a hostname constraint.
    per_node: BTreeMap<NodeId, i64>,
    /// Matching pods per domain of the scored nodes, over the nodes the
    /// inclusion policies admit, for any other key.
    per_domain: BTreeMap<&'p str, i64>,
}

/// The pod's `ScheduleAnyway` constraints, for scoring the feasible
/// nodes. A feasible node lacking a constraint's key is ignored: it scores
/// 0 after normalization, and neither its pods nor its domain count.
pub(super) struct SoftSpread<'p> {
    constraints: Vec<SoftConstraint<'p>>,
}

impl<'p> SoftSpread<'p> {
    /// `None` for a pod without `ScheduleAnyway` constraints (the plugin's
    /// Score is skipped). Call only for a pod that has constraints of its own.
    pub(super) fn prepare(world: &'p World, pod: &'p Pod, nodes: &[NodeId]) -> Option<SoftSpread<'p>> {
        let soft = || {
            pod.topology_spread.iter().filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::ScheduleAnyway)
        };
        soft().next()?;
        let scored: Vec<&Node> =
            nodes.iter().map(|id| world.node(*id)).filter(|node| has_every_key(node, soft())).collect();
        let mut constraints = Vec::new();
        for constraint in soft() {
            let selector = constraint.selector_for(&pod.labels);
            let per_node = matching_per_node(world, selector.as_ref());
            let key = constraint.topology_key.as_str();
            let mut per_domain: BTreeMap<&str, i64> = BTreeMap::new();
            let weight = if key == HOSTNAME {
                ln_plus_two(scored.len())
            } else {
                for node in &scored {
                    per_domain.insert(node.labels.get(key).expect("has every key").as_str(), 0);
                }
                for node in world.live_nodes() {
                    if !has_every_key(node, soft()) || !includes(constraint, pod, node) {
                        continue;
                    }
                    let domain = node.labels.get(key).expect("has every key");
                    if let Some(count) = per_domain.get_mut(domain.as_str()) {
                        *count += per_node.get(&node.id).copied().unwrap_or(0);
                    }
                }
                ln_plus_two(per_domain.len())
            };
            constraints.push(SoftConstraint {
                topology_key: key,
                max_skew: i64::from(constraint.max_skew),
                weight,
                per_node: if key == HOSTNAME { per_node } else { BTreeMap::new() },
                per_domain,
            });
        }
        Some(SoftSpread { constraints })
    }

    /// A node's raw score, `None` for an ignored node: per constraint, the
    /// matching pods in the node's domain times the weight, plus
    /// `maxSkew - 1`, summed and rounded (`scoring.go`, Score).
    pub(super) fn raw(&self, node: &Node) -> Option<i64> {
        let mut score = 0.0;
        for constraint in &self.constraints {
            let domain = node.labels.get(constraint.topology_key)?;
            let count = if constraint.topology_key == HOSTNAME {
                constraint.per_node.get(&node.id).copied().unwrap_or(0)
            } else {
                constraint.per_domain.get(domain.as_str()).copied().unwrap_or(0)
            };
            score += count as f64 * constraint.weight + (constraint.max_skew - 1) as f64;
        }
        Some(round(score))
    }
}

/// `topologyNormalizingWeight`: `ln(size + 2)`.
fn ln_plus_two(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting per node and counting after a sort agree, whatever the
    /// pods and nodes.
    #[test]
    fn both_ways_of_counting_pods_per_node_agree() {
        use crate::rng::RngExt;
        let mut rng = crate::rng::stream(7, "test");
        for _ in 0..200 {
            let node_count = rng.random_range(1..300usize);
            let pods = rng.random_range(0..600usize);
            let nodes: Vec<NodeId> =
                (0..pods).map(|_| NodeId(rng.random_range(0..node_count) as u32)).collect();
            let by_node = counted_by_node(&nodes, node_count);
            assert_eq!(by_node, counted_by_sort(&mut nodes.clone()));
            assert_eq!(by_node, counted(&mut nodes.clone(), node_count));
            assert_eq!(by_node.iter().map(|(_, c)| c).sum::<i64>(), pods as i64);
        }
    }

    /// A node sharing its mask bit with a node holding matching pods is
    /// still searched, and scores as a node holding none; the nodes holding
    /// pods score by their own counts.
    #[test]
    fn spread_mask_bits_shared_by_two_nodes() {
        let tree = NodeTree { zone_of: vec![0; 200], zones: vec!["a".to_string()], ..NodeTree::default() };
        let per_node = vec![(NodeId(3), 2), (NodeId(130), 1)];
        let spread = Spread {
            per_node_bits: per_node.iter().fold(0, |bits, (node, _)| bits | 1 << (node.0 % 64)),
            per_node,
            per_zone: vec![3],
        };
        // 67 and 195 share node 3's bit, 66 node 130's: searched, and hold none.
        let nodes: Vec<NodeId> = [3, 130, 67, 195, 66, 4, 199].into_iter().map(NodeId).collect();
        let mut totals = vec![0; nodes.len()];
        spread.add_scores(&tree, &nodes, 1, &mut totals);
        let (hostname_weight, zone_weight) = (ln_plus_two(nodes.len()), ln_plus_two(1));
        let raw = |on_node: f64| Spread::formula(on_node, 3.0, hostname_weight, zone_weight);
        let (min, max) = (raw(0.0), raw(2.0));
        let expected: Vec<i64> = [raw(2.0), raw(1.0), raw(0.0), raw(0.0), raw(0.0), raw(0.0), raw(0.0)]
            .into_iter()
            .map(|s| Spread::normalized(s, min, max))
            .collect();
        assert_eq!(totals, expected);
        assert!(totals[0] < totals[1] && totals[1] < totals[2], "{totals:?}");
    }
}
