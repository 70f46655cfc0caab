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
//! Does not know what an event means: the engine dispatches them.

use crate::time::SimTime;
use priority_queue::PriorityQueue;
use std::cmp::Reverse;
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

/// When an event fires: time, then phase, then insertion sequence.
type Slot = (SimTime, Phase, u64);

/// A priority queue of keyed events.
#[derive(Debug)]
pub struct EventQueue<K: Hash + Eq> {
    heap: PriorityQueue<K, Reverse<Slot>>,
    next_sequence: u64,
    now: SimTime,
}

impl<K: Hash + Eq + Clone> EventQueue<K> {
    pub fn new() -> Self {
        EventQueue { heap: PriorityQueue::new(), next_sequence: 0, now: SimTime::ZERO }
    }

    /// The time of the last event popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    fn slot(&mut self, at: SimTime, phase: Phase) -> Reverse<Slot> {
        assert!(at >= self.now, "an event was scheduled in the past: {at} < {}", self.now);
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        Reverse((at, phase, sequence))
    }

    /// Schedules `key` at `at`, moving it there if it is already queued.
    /// Use for timers that are re-armed by what happens (a probe result, a deadline).
    pub fn arm(&mut self, key: K, at: SimTime, phase: Phase) {
        let slot = self.slot(at, phase);
        self.heap.push(key, slot);
    }

    /// Schedules `key` at `at` unless it is already queued at or before `at`.
    /// Use for work queues: asking a controller to run again before it has
    /// run changes nothing, like a Kubernetes work queue deduplicating a key.
    pub fn wake(&mut self, key: K, at: SimTime, phase: Phase) {
        if let Some(Reverse((queued_at, _, _))) = self.heap.get_priority(&key)
            && *queued_at <= at
        {
            return;
        }
        let slot = self.slot(at, phase);
        self.heap.push(key, slot);
    }

    /// Removes `key` if it is queued; returns whether it was.
    pub fn cancel(&mut self, key: &K) -> bool {
        self.heap.remove(key).is_some()
    }

    pub fn is_queued(&self, key: &K) -> bool {
        self.heap.get_priority(key).is_some()
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|(_, Reverse((at, _, _)))| *at)
    }

    /// Takes the next event and advances `now` to its time.
    pub fn pop(&mut self) -> Option<(SimTime, K)> {
        let (key, Reverse((at, _, _))) = self.heap.pop()?;
        assert!(at >= self.now, "time went backwards: {at} < {}", self.now);
        self.now = at;
        Some((at, key))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

impl<K: Hash + Eq + Clone> Default for EventQueue<K> {
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
}
