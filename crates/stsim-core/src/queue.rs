//! The event queue: what happens next, and when.
//!
//! Owns the ordering of future events. Each event is keyed by what it is
//! about (a timeline entry, a StatefulSet to sync, a pod's next kubelet
//! step), so arming a timer whose key is already queued moves it, a
//! controller asked to run twice runs once, and a timer whose cause went
//! away is removed by its key. Events are ordered by time, then by the
//! phase of work that instant (see [`Phase`]), then by insertion order, so
//! every tie has one documented answer.
//!
//! Most events are due at the instant being handled (a write wakes the
//! controllers that watch it): those wait in a first-in, first-out lane of
//! their phase and never enter the heap, which holds only later events.
//!
//! Does not know what an event means: the engine dispatches them.

use crate::time::SimTime;
use rustc_hash::FxHashMap;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::Hash;

/// The order of work within one instant. Lower phases run first.
///
/// Scripted actions happen before the cluster reacts to them; node-level
/// work (kubelets, volume operations) before the controllers that read its
/// results; the scheduler last, so it places every pod the controllers
/// created in that instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Script = 0,
    Node = 1,
    Kubelet = 2,
    Volume = 3,
    Controller = 4,
    Scheduler = 5,
    /// The applications in the pods react to what the cluster did this instant.
    Observe = 6,
}

/// How many phases there are: one lane each.
const PHASES: usize = Phase::Observe as usize + 1;
// `EventQueue::lanes_used` has a bit a lane.
const _: () = assert!(PHASES <= u8::BITS as usize);

/// When an event fires: time, then phase, then insertion sequence, packed
/// in one integer that orders as the triple does (time in the high 64
/// bits, the phase in the next 8, the sequence in the low 56), so the
/// heap compares slots with one comparison. The sequence is unique, so no
/// two slots are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Slot(u128);

impl Slot {
    /// Sequences past 2^56 would spill into the phase: at a billion events
    /// a second, that is two years of work for one queue.
    const SEQUENCE_BITS: u32 = 56;

    fn new(at: SimTime, phase: Phase, sequence: u64) -> Slot {
        assert!(sequence < 1 << Self::SEQUENCE_BITS, "the event queue ran out of sequence numbers");
        Slot(
            u128::from(at.as_millis()) << 64
                | u128::from(phase as u8) << Self::SEQUENCE_BITS
                | u128::from(sequence),
        )
    }

    fn at(self) -> SimTime {
        SimTime::from_millis((self.0 >> 64) as u64)
    }

    /// The phase's number (`Phase as u8`).
    fn phase(self) -> usize {
        usize::from((self.0 >> Self::SEQUENCE_BITS) as u8)
    }

    fn sequence(self) -> u64 {
        self.0 as u64 & ((1 << Self::SEQUENCE_BITS) - 1)
    }

    /// No slot: never made by `new` (its phase bits would be 255).
    const NONE: Slot = Slot(u128::MAX);
}

/// A key of the queue. Keys that are a small number within a kind (an
/// object's index, an entry of the scenario) say so with `dense`, and their
/// live slots are kept in a table indexed by it rather than hashed.
pub trait QueueKey: Hash + Eq + Clone {
    /// The key as (kind, index within the kind), both small and dense from
    /// 0; `None` for a key that is not (it is hashed).
    fn dense(&self) -> Option<(usize, usize)> {
        None
    }
}

/// Plain numbers (the benches' keys): dense while small, hashed beyond, so
/// a large number never sizes a table.
impl QueueKey for u32 {
    fn dense(&self) -> Option<(usize, usize)> {
        (*self < 1 << 16).then_some((0, *self as usize))
    }
}

/// Each queued key's one live slot: by kind and index for dense keys,
/// hashed for the others. Only looked up, never iterated: no order of it
/// is observed.
#[derive(Debug)]
struct LiveSlots<K> {
    dense: Vec<Vec<Slot>>,
    hashed: FxHashMap<K, Slot>,
    len: usize,
}

impl<K: QueueKey> LiveSlots<K> {
    fn new() -> Self {
        LiveSlots { dense: Vec::new(), hashed: FxHashMap::default(), len: 0 }
    }

    fn get(&self, key: &K) -> Option<Slot> {
        match key.dense() {
            Some((kind, index)) => {
                let slot = *self.dense.get(kind)?.get(index)?;
                (slot != Slot::NONE).then_some(slot)
            }
            None => self.hashed.get(key).copied(),
        }
    }

    /// Sets the key's slot; returns the one it had.
    fn insert(&mut self, key: &K, slot: Slot) -> Option<Slot> {
        let had = match key.dense() {
            Some((kind, index)) => {
                if self.dense.len() <= kind {
                    self.dense.resize_with(kind + 1, Vec::new);
                }
                let table = &mut self.dense[kind];
                if table.len() <= index {
                    table.resize(index + 1, Slot::NONE);
                }
                Some(std::mem::replace(&mut table[index], slot)).filter(|old| *old != Slot::NONE)
            }
            None => self.hashed.insert(key.clone(), slot),
        };
        self.len += usize::from(had.is_none());
        had
    }

    /// Removes the key's slot; returns the one it had.
    fn remove(&mut self, key: &K) -> Option<Slot> {
        let had = match key.dense() {
            Some((kind, index)) => self
                .dense
                .get_mut(kind)
                .and_then(|table| table.get_mut(index))
                .map(|slot| std::mem::replace(slot, Slot::NONE))
                .filter(|old| *old != Slot::NONE),
            None => self.hashed.remove(key),
        };
        self.len -= usize::from(had.is_some());
        had
    }
}

/// A queued slot and its key, ordered by slot alone, earliest greatest
/// (`BinaryHeap` is a max-heap).
#[derive(Debug)]
struct Entry<K> {
    slot: Slot,
    key: K,
}

impl<K> PartialEq for Entry<K> {
    fn eq(&self, other: &Self) -> bool {
        self.slot == other.slot
    }
}

impl<K> Eq for Entry<K> {}

impl<K> PartialOrd for Entry<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Entry<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.slot.cmp(&self.slot)
    }
}

/// A priority queue of keyed events: a binary heap with lazy cancellation,
/// and beside it a lane for each phase of the events due now.
///
/// `queued` holds each key's one live slot. Moving or cancelling a key
/// only changes `queued`; the entry of its old slot stays, stale, and is
/// dropped when it reaches the top of the heap or the front of its lane,
/// so the top and every lane's front are always live.
///
/// An entry due at `now` goes to the lane of its phase: a lane is in
/// sequence order, as it was filled, so its front is its least slot, and
/// the lowest non-empty lane's front is the least of all lanes (every lane
/// entry has the same time). The next event is that front or the heap's
/// top, whichever slot is less. Time moves on only when every lane is
/// empty, so a lane never holds an entry of another instant. An entry due
/// now that was queued before time reached now is in the heap: where a
/// slot's entry is follows from its time and sequence (see `lane_of`), so
/// a key moved, cancelled or popped has only the one place it was in to
/// be cleaned.
#[derive(Debug)]
pub struct EventQueue<K: QueueKey> {
    heap: BinaryHeap<Entry<K>>,
    /// Entries due at `now`, by phase.
    lanes: [VecDeque<Entry<K>>; PHASES],
    /// Bit `p` set while lane `p` is not empty.
    lanes_used: u8,
    /// Entries in all lanes, stale ones included.
    in_lanes: usize,
    /// The first sequence made at `now`: entries due now from it on are
    /// in the lanes, earlier ones in the heap.
    lanes_from: u64,
    queued: LiveSlots<K>,
    next_sequence: u64,
    now: SimTime,
}

impl<K: QueueKey> EventQueue<K> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            lanes: Default::default(),
            lanes_used: 0,
            in_lanes: 0,
            lanes_from: 0,
            queued: LiveSlots::new(),
            next_sequence: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the last event popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    fn slot(&mut self, at: SimTime, phase: Phase) -> Slot {
        assert!(at >= self.now, "an event was scheduled in the past: {at} < {}", self.now);
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        Slot::new(at, phase, sequence)
    }

    /// The lane of the entry of `slot`, or `None` for the heap.
    fn lane_of(&self, slot: Slot) -> Option<usize> {
        (slot.at() == self.now && slot.sequence() >= self.lanes_from).then(|| slot.phase())
    }

    fn push(&mut self, key: K, slot: Slot) {
        let moved = self.queued.insert(&key, slot);
        match self.lane_of(slot) {
            Some(phase) => {
                self.lanes[phase].push_back(Entry { slot, key });
                self.lanes_used |= 1 << phase;
                self.in_lanes += 1;
            }
            None => self.heap.push(Entry { slot, key }),
        }
        // The top and the fronts were live, and the new entry is: only a
        // key that was queued leaves a stale entry, which may be one of them.
        if let Some(old) = moved {
            self.drop_stale(old);
        }
        // Stale entries are bounded: when they outnumber the live ones,
        // the heap and the lanes keep the live ones alone.
        if self.heap.len() + self.in_lanes > 2 * self.queued.len + 64 {
            let queued = &self.queued;
            let live = |e: &Entry<K>| queued.get(&e.key) == Some(e.slot);
            self.heap.retain(live);
            self.in_lanes = 0;
            self.lanes_used = 0;
            for (phase, lane) in self.lanes.iter_mut().enumerate() {
                lane.retain(live);
                self.in_lanes += lane.len();
                self.lanes_used |= u8::from(!lane.is_empty()) << phase;
            }
        }
    }

    /// The entry of `old` went stale (its key moved, was cancelled or
    /// popped): if it, or what is stale behind it, heads the heap or its
    /// lane, it is dropped, so each head is live again (or gone).
    fn drop_stale(&mut self, old: Slot) {
        let queued = &self.queued;
        let live = |e: &Entry<K>| queued.get(&e.key) == Some(e.slot);
        match self.lane_of(old) {
            None => {
                while let Some(top) = self.heap.peek() {
                    if live(top) {
                        break;
                    }
                    self.heap.pop();
                }
            }
            Some(phase) => {
                let lane = &mut self.lanes[phase];
                while let Some(front) = lane.front() {
                    if live(front) {
                        break;
                    }
                    lane.pop_front();
                    self.in_lanes -= 1;
                }
                if lane.is_empty() {
                    self.lanes_used &= !(1 << phase);
                }
            }
        }
    }

    /// Schedules `key` at `at`, moving it there if it is already queued.
    /// Use for timers that are re-armed by what happens (a probe result, a deadline).
    pub fn arm(&mut self, key: K, at: SimTime, phase: Phase) {
        let slot = self.slot(at, phase);
        self.push(key, slot);
    }

    /// Schedules `key` at `at` unless it is already queued at or before `at`.
    /// Use for work queues: asking a controller to run again before it has
    /// run changes nothing, like a Kubernetes work queue deduplicating a key.
    pub fn wake(&mut self, key: K, at: SimTime, phase: Phase) {
        if let Some(queued) = self.queued.get(&key)
            && queued.at() <= at
        {
            return;
        }
        let slot = self.slot(at, phase);
        self.push(key, slot);
    }

    /// Removes `key` if it is queued; returns whether it was.
    pub fn cancel(&mut self, key: &K) -> bool {
        let was = self.queued.remove(key);
        if let Some(old) = was {
            self.drop_stale(old);
        }
        was.is_some()
    }

    pub fn is_queued(&self, key: &K) -> bool {
        self.queued.get(key).is_some()
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        // A lane's front is live, and due now: nothing is earlier.
        if self.lanes_used != 0 {
            return Some(self.now);
        }
        self.heap.peek().map(|entry| entry.slot.at())
    }

    /// Takes the next event and advances `now` to its time.
    pub fn pop(&mut self) -> Option<(SimTime, K)> {
        let lane = (self.lanes_used != 0).then(|| self.lanes_used.trailing_zeros() as usize);
        let from_lane = match (lane, self.heap.peek()) {
            (Some(phase), Some(top)) => {
                let front = self.lanes[phase].front().expect("a used lane has entries");
                (front.slot < top.slot).then_some(phase)
            }
            (lane, _) => lane,
        };
        let Entry { slot, key } = match from_lane {
            Some(phase) => {
                let lane = &mut self.lanes[phase];
                let entry = lane.pop_front().expect("a used lane has entries");
                if lane.is_empty() {
                    self.lanes_used &= !(1 << phase);
                }
                self.in_lanes -= 1;
                entry
            }
            None => self.heap.pop()?,
        };
        let at = slot.at();
        debug_assert!(at == self.now || self.lanes_used == 0, "time moved on with events due now");
        self.queued.remove(&key);
        // What heads the heap or the lane it came from now may be stale.
        self.drop_stale(slot);
        assert!(at >= self.now, "time went backwards: {at} < {}", self.now);
        if at > self.now {
            self.now = at;
            self.lanes_from = self.next_sequence;
        }
        Some((at, key))
    }

    pub fn len(&self) -> usize {
        self.queued.len
    }

    pub fn is_empty(&self) -> bool {
        self.queued.len == 0
    }
}

impl<K: QueueKey> Default for EventQueue<K> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    /// The unit tests' names: hashed keys.
    impl QueueKey for &'static str {}

    fn drain(queue: &mut EventQueue<&'static str>) -> Vec<(u64, &'static str)> {
        std::iter::from_fn(|| queue.pop().map(|(at, k)| (at.as_millis(), k))).collect()
    }

    #[test]
    fn orders_by_time_then_phase_then_insertion() {
        let mut queue = EventQueue::new();
        queue.arm("late", t(20), Phase::Script);
        queue.arm("controller", t(10), Phase::Controller);
        queue.arm("script-b", t(10), Phase::Script);
        queue.arm("script-a", t(10), Phase::Script);
        // Insertion order breaks the tie between the two scripts: b was first.
        assert_eq!(
            drain(&mut queue),
            vec![(10, "script-b"), (10, "script-a"), (10, "controller"), (20, "late")]
        );
    }

    #[test]
    fn arming_a_queued_key_moves_it() {
        let mut queue = EventQueue::new();
        queue.arm("probe", t(10), Phase::Kubelet);
        queue.arm("probe", t(30), Phase::Kubelet);
        assert_eq!(queue.len(), 1);
        assert_eq!(drain(&mut queue), vec![(30, "probe")]);
    }

    #[test]
    fn waking_keeps_the_earlier_time() {
        let mut queue = EventQueue::new();
        queue.wake("sync", t(10), Phase::Controller);
        queue.wake("sync", t(30), Phase::Controller);
        queue.wake("other", t(5), Phase::Controller);
        queue.wake("other", t(1), Phase::Controller);
        assert_eq!(drain(&mut queue), vec![(1, "other"), (10, "sync")]);
    }

    #[test]
    fn cancelled_timers_never_fire() {
        let mut queue = EventQueue::new();
        queue.arm("deadline", t(10), Phase::Node);
        assert!(queue.cancel(&"deadline"));
        assert!(!queue.cancel(&"deadline"));
        assert_eq!(drain(&mut queue), vec![]);
    }

    #[test]
    #[should_panic(expected = "scheduled in the past")]
    fn scheduling_in_the_past_is_an_engine_bug() {
        let mut queue = EventQueue::new();
        queue.arm("a", t(10), Phase::Script);
        queue.pop();
        queue.arm("b", t(5), Phase::Script);
    }

    /// Re-arming one key many times leaves stale entries behind: they are
    /// dropped, the heap stays bounded by the live keys, and the order holds.
    #[test]
    fn stale_entries_are_bounded_and_never_fire() {
        let mut queue = EventQueue::new();
        for i in 0..10_000u64 {
            queue.arm("probe", t(20_000 - i), Phase::Kubelet);
            queue.wake("sync", t(5_000 + i), Phase::Controller);
        }
        assert_eq!(queue.len(), 2);
        assert!(queue.heap.len() <= 2 * queue.len() + 64 + 1, "{} entries", queue.heap.len());
        assert_eq!(drain(&mut queue), vec![(5_000, "sync"), (10_001, "probe")]);
    }

    /// Events due now wait in their phase's lane: they come out by phase,
    /// then as they were queued, and after an earlier-queued heap entry of
    /// the same instant and phase; moved and cancelled ones never fire, and
    /// the lanes' stale entries are bounded too.
    #[test]
    fn events_due_now_keep_the_order_of_the_heap() {
        let mut queue = EventQueue::new();
        queue.arm("early-controller", t(10), Phase::Controller);
        queue.arm("tick", t(10), Phase::Node);
        assert_eq!(queue.pop(), Some((t(10), "tick")));
        // Now 10: these go to the lanes.
        queue.wake("scheduler", t(10), Phase::Scheduler);
        queue.wake("sync-a", t(10), Phase::Controller);
        queue.wake("kubelet", t(10), Phase::Kubelet);
        queue.wake("sync-b", t(10), Phase::Controller);
        queue.arm("moved", t(10), Phase::Script);
        queue.arm("moved", t(12), Phase::Script);
        queue.arm("gone", t(10), Phase::Volume);
        assert!(queue.cancel(&"gone"));
        assert!(queue.heap.len() + queue.in_lanes >= 6, "entries due now are queued");
        assert_eq!(queue.peek_time(), Some(t(10)));
        assert_eq!(
            drain(&mut queue),
            vec![
                (10, "kubelet"),
                (10, "early-controller"),
                (10, "sync-a"),
                (10, "sync-b"),
                (10, "scheduler"),
                (12, "moved"),
            ]
        );
        for i in 0..10_000u64 {
            queue.arm("probe", t(12), Phase::Kubelet);
            queue.arm("other", t(12 + i % 3), Phase::Node);
        }
        assert!(queue.heap.len() + queue.in_lanes <= 2 * queue.len() + 64 + 1);
        assert_eq!(drain(&mut queue), vec![(12, "other"), (12, "probe")]);
    }

    mod against_a_model {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        /// An operation: arm, wake or cancel key `k` at `now + delay`, or pop.
        #[derive(Debug, Clone)]
        enum Op {
            Arm(u8, u64, u8),
            Wake(u8, u64, u8),
            Cancel(u8),
            Pop,
        }

        /// Often none: most events are due at the instant being handled.
        fn delay() -> impl Strategy<Value = u64> {
            prop_oneof![Just(0u64), 0u64..50]
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0u8..8, delay(), 0u8..7).prop_map(|(k, d, p)| Op::Arm(k, d, p)),
                (0u8..8, delay(), 0u8..7).prop_map(|(k, d, p)| Op::Wake(k, d, p)),
                (0u8..8).prop_map(Op::Cancel),
                Just(Op::Pop),
            ]
        }

        /// Keys 0 to 3 are dense (two kinds of two), 4 to 7 hashed: one
        /// queue keeps live slots both ways.
        impl QueueKey for u8 {
            fn dense(&self) -> Option<(usize, usize)> {
                (*self < 4).then(|| (usize::from(*self % 2), usize::from(*self / 2)))
            }
        }

        fn phase(p: u8) -> Phase {
            [
                Phase::Script,
                Phase::Node,
                Phase::Kubelet,
                Phase::Volume,
                Phase::Controller,
                Phase::Scheduler,
                Phase::Observe,
            ][p as usize]
        }

        proptest! {
            /// The queue pops exactly what a map of each key's one slot,
            /// searched for its least slot, would: same keys, same times,
            /// same order, whatever the arms, wakes and cancels.
            #[test]
            fn pops_as_a_map_of_live_slots_would(ops in proptest::collection::vec(op(), 0..400)) {
                let mut queue = EventQueue::new();
                // Each key's slot as the plain triple it stands for.
                let mut model: BTreeMap<u8, (SimTime, Phase, u64)> = BTreeMap::new();
                let mut sequence = 0u64;
                let mut now = 0u64;
                for op in ops {
                    match op {
                        Op::Arm(k, d, p) => {
                            queue.arm(k, t(now + d), phase(p));
                            model.insert(k, (t(now + d), phase(p), sequence));
                            sequence += 1;
                        }
                        Op::Wake(k, d, p) => {
                            queue.wake(k, t(now + d), phase(p));
                            if model.get(&k).is_none_or(|s| s.0 > t(now + d)) {
                                model.insert(k, (t(now + d), phase(p), sequence));
                                sequence += 1;
                            }
                        }
                        Op::Cancel(k) => prop_assert_eq!(queue.cancel(&k), model.remove(&k).is_some()),
                        Op::Pop => {
                            let expected = model.iter().min_by_key(|(_, s)| **s).map(|(k, s)| (s.0, *k));
                            if let Some((_, k)) = expected {
                                model.remove(&k);
                            }
                            let popped = queue.pop();
                            prop_assert_eq!(popped, expected);
                            if let Some((at, _)) = popped {
                                now = at.as_millis();
                            }
                        }
                    }
                    prop_assert_eq!(queue.len(), model.len());
                    let next = model.values().min().map(|s| s.0);
                    prop_assert_eq!(queue.peek_time(), next);
                }
            }
        }
    }
}
