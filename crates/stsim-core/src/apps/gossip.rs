//! Who of an application's members reaches whom, and what they learn from
//! each other: a look at the members' stored peers (`links`), the groups in
//! contact (`components`) and gossip within a group (`spread_addresses`).
//! Redis Cluster and Cassandra form and heal their rings through these.
//!
//! Owns the look's answers and its matrix of contacts; how an address is
//! reached (DNS, the network) is the parent module's (`reach_once`), and
//! what a ring makes of its groups is each kind's.

use super::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Who reaches whom at the addresses in their own stored peers (Redis's
/// nodes.conf, Cassandra's peers table). A contact goes both ways: the one
/// reached learns the caller's address from it.
///
/// Every node lists (nearly) every other, so a look is a question per
/// pair; the pairs share few distinct peers and addresses, and each is
/// resolved once in the look (`reach_once`: nothing but the DNS cache
/// changes during it), then asked of the network from each node.
pub(crate) fn links(api: &mut Api, app: &App, nodes: &[PodId], wake: &mut Wake) -> Links {
    let mut links = Links::new(nodes);
    let mut targets: FxHashMap<PeerKey, Option<(Address, Target)>> = FxHashMap::default();
    for &from in nodes {
        let Some(data) = app.data_of(&app.processes[&from]) else { continue };
        let node = app.processes[&from].node;
        // Rows by rank: a look is a question per pair, each a lookup less.
        let row = links.rank[&from];
        for (peer, address) in &data.peers {
            let slot = targets.entry(PeerKey { peer, address }).or_default();
            if let Reach::Ok(to) = reach_once(slot, api, app, node, peer, |_| address.clone(), wake)
                && let Some(&column) = links.rank.get(&to)
            {
                links.link_ranks(row, column);
            }
        }
    }
    links
}

/// A peer as a node stored it, the key of a look's answers. Hashed by the
/// name and the address's kind and length only: a look asks a pair at a
/// time, and hashing every stored DNS name in full was a fifth of forming
/// a large ring. Equal keys are equal at the pointer when they share their
/// name and address (as gossip stores them), and compare in full when not.
#[derive(Eq)]
struct PeerKey<'a> {
    peer: &'a Arc<str>,
    address: &'a Address,
}

impl PartialEq for PeerKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_text(self.peer, other.peer) && self.address == other.address
    }
}

impl std::hash::Hash for PeerKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.peer.hash(state);
        match self.address {
            Address::Ip(ip) => ip.0.hash(state),
            Address::Dns(name) => name.len().hash(state),
        }
    }
}

/// Who is in contact with whom among a look's nodes (each listed once),
/// each node a row in pod order, so a node's contacts come out in pod
/// order, as a set of them would list them. A look of a large ring links
/// nearly every pair: its rows are bits, a thirty-second of a list of pods
/// that needs no sorting. Past `DENSE_BYTES` of bits (a look of more than
/// about 8,000 nodes: beyond the format's limit of members, so only a set
/// an operator scales up, or a configuration built in Rust) the rows are
/// ordered sets instead, which cost what they hold rather than the square
/// of the look.
pub(crate) struct Links {
    /// Each node's row and column.
    rank: FxHashMap<PodId, usize>,
    /// The node of each row, in pod order.
    pods: Vec<PodId>,
    rows: Rows,
}

/// The most a look's matrix of bits may take; larger looks keep sets.
const DENSE_BYTES: usize = 8 << 20;

enum Rows {
    /// `words` words a row.
    Bits { words: usize, bits: Vec<u64> },
    /// The ranks of each row's contacts.
    Sets(Vec<BTreeSet<u32>>),
}

impl Links {
    fn new(nodes: &[PodId]) -> Links {
        let words = nodes.len().div_ceil(64);
        Links::with_bits(nodes, words.saturating_mul(nodes.len()).saturating_mul(8) <= DENSE_BYTES)
    }
    /// Rows of bits, or (`dense` false) of sets.
    fn with_bits(nodes: &[PodId], dense: bool) -> Links {
        let mut pods = nodes.to_vec();
        pods.sort_unstable();
        let words = pods.len().div_ceil(64);
        let rows = if dense {
            Rows::Bits { words, bits: vec![0; words * pods.len()] }
        } else {
            Rows::Sets(vec![BTreeSet::new(); pods.len()])
        };
        Links { rank: pods.iter().enumerate().map(|(i, p)| (*p, i)).collect(), pods, rows }
    }
    /// Whether `pod` is one of the look's nodes.
    pub(crate) fn contains(&self, pod: PodId) -> bool {
        self.rank.contains_key(&pod)
    }
    /// The contacts of `pod`, one of the look's nodes, in pod order.
    pub(crate) fn of(&self, pod: PodId) -> impl Iterator<Item = PodId> + '_ {
        let at = self.rank[&pod];
        match &self.rows {
            Rows::Bits { words, bits } => {
                let row = &bits[at * words..(at + 1) * words];
                Either::Bits(row.iter().enumerate().flat_map(move |(w, &word)| {
                    let mut rest = word;
                    std::iter::from_fn(move || {
                        (rest != 0).then(|| {
                            let bit = rest.trailing_zeros() as usize;
                            rest &= rest - 1;
                            self.pods[w * 64 + bit]
                        })
                    })
                }))
            }
            Rows::Sets(sets) => Either::Sets(sets[at].iter().map(|r| self.pods[*r as usize])),
        }
    }
    /// `a` and `b`, both of the look's nodes, reach each other.
    pub(crate) fn link(&mut self, a: PodId, b: PodId) {
        self.link_ranks(self.rank[&a], self.rank[&b]);
    }
    /// The nodes of rows `a` and `b` reach each other.
    fn link_ranks(&mut self, a: usize, b: usize) {
        match &mut self.rows {
            Rows::Bits { words, bits } => {
                bits[a * *words + b / 64] |= 1 << (b % 64);
                bits[b * *words + a / 64] |= 1 << (a % 64);
            }
            Rows::Sets(sets) => {
                sets[a].insert(b as u32);
                sets[b].insert(a as u32);
            }
        }
    }
}

/// One of two iterators of the same items: a row of bits's or of a set's.
enum Either<B, S> {
    Bits(B),
    Sets(S),
}

impl<B: Iterator<Item = PodId>, S: Iterator<Item = PodId>> Iterator for Either<B, S> {
    type Item = PodId;
    fn next(&mut self) -> Option<PodId> {
        match self {
            Either::Bits(b) => b.next(),
            Either::Sets(s) => s.next(),
        }
    }
}

/// The groups of nodes connected through links, each in discovery order.
pub(crate) fn components(nodes: &[PodId], links: &Links) -> Vec<Vec<PodId>> {
    let mut seen = vec![false; links.pods.len()];
    let mut first_time = |pod: PodId| !std::mem::replace(&mut seen[links.rank[&pod]], true);
    let mut out = Vec::new();
    for &start in nodes {
        if !first_time(start) {
            continue;
        }
        let mut component = vec![start];
        let mut i = 0;
        while i < component.len() {
            for next in links.of(component[i]) {
                if first_time(next) {
                    component.push(next);
                }
            }
            i += 1;
        }
        out.push(component);
    }
    out
}

/// Gossip inside a group of nodes in contact: each learns the others'
/// current addresses and stores them.
pub(crate) fn spread_addresses(api: &mut Api, app: &mut App, index: usize, component: &[PodId]) {
    let current: Vec<(Arc<str>, Address)> = component
        .iter()
        .map(|p| (app.processes[p].name.clone(), address_of(app, &app.processes[p])))
        .collect();
    let mut by_name: Vec<usize> = (0..current.len()).collect();
    by_name.sort_by(|a, b| current[*a].0.cmp(&current[*b].0));
    // A name twice (two processes of one member) is learned twice, the
    // second address last: compared one at a time, in order.
    let unique = by_name.windows(2).all(|w| current[w[0]].0 != current[w[1]].0);
    for pod in component {
        let process = &app.processes[pod];
        let (member, volume) = (process.member.clone(), process.volume);
        let Some(data) = app.volumes.get_mut(&volume) else { continue };
        let stored = learn(&mut data.peers, &member, &current, unique.then_some(&by_name[..]));
        if !stored.is_empty() {
            let learned: Vec<String> =
                stored.iter().map(|i| format!("{} at {}", current[*i].0, current[*i].1)).collect();
            member_event(api, index, *pod, format!("learned by gossip: {}", list(&learned)));
        }
    }
}

/// What a node with the peers `stored` learns from the `current`
/// addresses of its group (its own, `member`'s, aside): it stores each one
/// that differs; the positions in `current` of those, in order.
///
/// With `by_name` (the positions of `current` in name order, no name
/// twice), the two are compared in one walk of both in name order: a
/// lookup per pair made large rings cubic to form. Without, one at a
/// time in order, so a name listed twice is stored twice, the second last.
fn learn(
    stored: &mut BTreeMap<Arc<str>, Address>,
    member: &str,
    current: &[(Arc<str>, Address)],
    by_name: Option<&[usize]>,
) -> Vec<usize> {
    let Some(by_name) = by_name else {
        let mut learned = Vec::new();
        for (i, (peer, address)) in current.iter().enumerate() {
            if &**peer != member && stored.get(peer) != Some(address) {
                stored.insert(peer.clone(), address.clone());
                learned.push(i);
            }
        }
        return learned;
    };
    let mut differs = Vec::new();
    let mut walk = stored.iter().peekable();
    for &i in by_name {
        let (peer, address) = &current[i];
        // One comparison of the names a step: a look compares every pair.
        let same = loop {
            let Some((name, at)) = walk.peek() else { break false };
            let order = if Arc::ptr_eq(name, peer) { std::cmp::Ordering::Equal } else { (*name).cmp(peer) };
            match order {
                std::cmp::Ordering::Less => _ = walk.next(),
                std::cmp::Ordering::Equal => break *at == address,
                std::cmp::Ordering::Greater => break false,
            }
        };
        if &**peer != member && !same {
            differs.push(i);
        }
    }
    differs.sort_unstable();
    for &i in &differs {
        stored.insert(current[i].0.clone(), current[i].1.clone());
    }
    differs
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The walk in name order learns what a lookup per peer learns,
        /// in the same order, and leaves the same peers stored.
        #[test]
        fn learning_in_one_walk_is_learning_one_at_a_time(
            stored in proptest::collection::btree_map(0u8..12, 0u32..3, 0..12),
            current in proptest::collection::btree_map(0u8..12, 0u32..3, 0..12),
            order in proptest::collection::vec(0usize..1000, 12),
            member in 0u8..12,
        ) {
            let peer = |n: u8| format!("db-{n}");
            // The group's names, shared; the stored copies of the even ones
            // share them (as gossip stores them), of the odd ones not.
            let shared: Vec<Arc<str>> = (0..12).map(|n| peer(n).into()).collect();
            let stored_name = |n: u8| if n.is_multiple_of(2) { shared[n as usize].clone() } else { peer(n).into() };
            let at = |a: u32| if a == 2 { Address::Dns(format!("db-{a}.db").into()) } else { Address::Ip(Ipv4(a)) };
            let stored: BTreeMap<Arc<str>, Address> =
                stored.into_iter().map(|(n, a)| (stored_name(n), at(a))).collect();
            // The group in some order other than by name.
            let mut current: Vec<(Arc<str>, Address)> =
                current.into_iter().map(|(n, a)| (shared[n as usize].clone(), at(a))).collect();
            let mut keyed: Vec<(usize, (Arc<str>, Address))> = order.into_iter().zip(current.drain(..)).collect();
            keyed.sort_by_key(|(k, _)| *k);
            let current: Vec<(Arc<str>, Address)> = keyed.into_iter().map(|(_, c)| c).collect();
            let mut by_name: Vec<usize> = (0..current.len()).collect();
            by_name.sort_by(|a, b| current[*a].0.cmp(&current[*b].0));
            let (mut walked, mut one_by_one) = (stored.clone(), stored);
            let learned = learn(&mut walked, &peer(member), &current, Some(&by_name));
            proptest::prop_assert_eq!(&learned, &learn(&mut one_by_one, &peer(member), &current, None));
            proptest::prop_assert_eq!(walked, one_by_one);
        }
    }

    /// A look's contacts: each listed once and in pod order, whatever the
    /// order of the look's nodes and of the links; groups found from the
    /// nodes in the look's order, each in discovery order.
    #[test]
    fn links_list_contacts_in_pod_order_and_groups_in_discovery_order() {
        let pods = |ids: &[u32]| ids.iter().map(|i| PodId(*i)).collect::<Vec<_>>();
        let nodes = pods(&[5, 2, 9, 7, 70, 3]);
        // Rows of bits, and of sets as a look too large for bits keeps.
        for dense in [true, false] {
            let mut links = Links::with_bits(&nodes, dense);
            links.link(PodId(5), PodId(9));
            links.link(PodId(9), PodId(2));
            links.link(PodId(5), PodId(2));
            links.link(PodId(9), PodId(5));
            links.link(PodId(70), PodId(3));
            assert!(links.contains(PodId(70)) && !links.contains(PodId(4)));
            assert_eq!(links.of(PodId(5)).collect::<Vec<_>>(), pods(&[2, 9]));
            assert_eq!(links.of(PodId(9)).collect::<Vec<_>>(), pods(&[2, 5]));
            assert_eq!(links.of(PodId(7)).count(), 0);
            assert_eq!(links.of(PodId(3)).collect::<Vec<_>>(), pods(&[70]));
            let groups = components(&nodes, &links);
            assert_eq!(groups, [pods(&[5, 2, 9]), pods(&[7]), pods(&[70, 3])]);
        }
    }

    /// More than 64 nodes: contacts past the first word of a row.
    #[test]
    fn links_of_a_large_look_span_words() {
        let nodes: Vec<PodId> = (0..150).rev().map(PodId).collect();
        for dense in [true, false] {
            let mut links = Links::with_bits(&nodes, dense);
            for i in 0..149 {
                links.link(PodId(i), PodId(i + 1));
            }
            links.link(PodId(0), PodId(149));
            assert_eq!(links.of(PodId(0)).collect::<Vec<_>>(), [PodId(1), PodId(149)]);
            assert_eq!(links.of(PodId(100)).collect::<Vec<_>>(), [PodId(99), PodId(101)]);
            let groups = components(&nodes, &links);
            assert_eq!(groups.len(), 1);
            // From 149: its contacts 0 and 148, then 0's (1), 148's (147), ...
            assert_eq!(&groups[0][..5], [PodId(149), PodId(0), PodId(148), PodId(1), PodId(147)]);
        }
    }

    /// Bits up to `DENSE_BYTES` of them, sets past it: a look's size, not
    /// its links, decides, and a large look never asks for the square.
    #[test]
    fn links_of_a_look_too_large_for_bits_are_sets() {
        let dense = |n: u32| {
            let nodes: Vec<PodId> = (0..n).map(PodId).collect();
            matches!(Links::new(&nodes).rows, Rows::Bits { .. })
        };
        assert!(dense(2_000) && dense(8_000));
        assert!(!dense(8_300) && !dense(100_000));
    }
}
