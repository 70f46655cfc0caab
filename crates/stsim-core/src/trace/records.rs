//! `Records`: the trace's records in order, stored in chunks so that
//! appending never moves what is written, with `Slice` for a run of them
//! (what `&records[a..b]` was for a vector) and `Iter` over either.
//!
//! Owns the storage and indexing only; what a record says and how it reads
//! as text is the parent module's.

use super::{Event, Record};
use crate::objects::PodId;

/// Kinds of record looked for by kind: by cause chains while a run goes on
/// (`apps::explain`: when was this pod last deleted, this name withdrawn,
/// this machine stopped), and by the report's findings after it (which
/// claims were deleted, which pods refused, how a set was scaled). Their
/// positions are kept as they are written, so such a question costs the
/// records of its kind, not the whole trace: an application retrying a
/// name that never resolves asks it at every retry, and a month of
/// retries made the search quadratic; a finding that read the whole trace
/// for each deleted claim was quadratic in the same way. The report's and
/// the sweep's passes that read only a few kinds (applications' verdicts,
/// refused creates, orphaned claims, a set's status) read those kinds'
/// records, not the whole trace, which on 10,000 nodes is tens of
/// megabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Script,
    NodeMachine,
    PodDeleting,
    PodRemoved,
    PvcDeleting,
    PvcRemoved,
    PvcPatched,
    ServiceDeleted,
    DnsRemoved,
    DnsNegativeCached,
    PodCreateInvalid,
    PvcCreateInvalid,
    PodEvicted,
    PodRejected,
    PvcCreated,
    PvcOrphaned,
    PvcInUse,
    StatefulSetScaled,
    PodSandboxFailed,
    PodCreateRejected,
    AppVerdict,
    StatefulSetStatus,
    ContainerKilling,
}

const KINDS: usize = 23;

impl Kind {
    fn of(event: &Event) -> Option<Kind> {
        Some(match event {
            Event::Script { .. } => Kind::Script,
            Event::NodeMachine { .. } => Kind::NodeMachine,
            Event::PodDeleting { .. } => Kind::PodDeleting,
            Event::PodRemoved { .. } => Kind::PodRemoved,
            Event::PvcDeleting { .. } => Kind::PvcDeleting,
            Event::PvcRemoved { .. } => Kind::PvcRemoved,
            Event::PvcPatched { .. } => Kind::PvcPatched,
            Event::ServiceDeleted { .. } => Kind::ServiceDeleted,
            Event::DnsRemoved { .. } => Kind::DnsRemoved,
            Event::DnsNegativeCached { .. } => Kind::DnsNegativeCached,
            Event::PodCreateInvalid { .. } => Kind::PodCreateInvalid,
            Event::PvcCreateInvalid { .. } => Kind::PvcCreateInvalid,
            Event::PodEvicted { .. } => Kind::PodEvicted,
            Event::PodRejected { .. } => Kind::PodRejected,
            Event::PvcCreated { .. } => Kind::PvcCreated,
            Event::PvcOrphaned { .. } => Kind::PvcOrphaned,
            Event::PvcInUse { .. } => Kind::PvcInUse,
            Event::StatefulSetScaled { .. } => Kind::StatefulSetScaled,
            Event::PodSandboxFailed { .. } => Kind::PodSandboxFailed,
            Event::PodCreateRejected { .. } => Kind::PodCreateRejected,
            Event::AppVerdict { .. } => Kind::AppVerdict,
            Event::StatefulSetStatus { .. } => Kind::StatefulSetStatus,
            Event::ContainerKilling { .. } => Kind::ContainerKilling,
            _ => return None,
        })
    }
}

/// Records per chunk of [`Records`], after the first. Small enough that
/// the first chunk's doublings copy little (a sweep's runs write about a
/// thousand records each, and 4,096 a chunk had them copy every record
/// about twice), large enough that a long run's chunks stay few.
const CHUNK: usize = 1 << 9;

/// The trace's records in order, stored in chunks of [`CHUNK`] (the first
/// grows as a vector does, so a short run allocates no more than it
/// needs): appending never moves the records already written. A month on
/// ten thousand nodes writes 400,000 records of 104 bytes, which one vector
/// copied again at every doubling, into freshly touched memory.
#[derive(Debug, Clone, Default)]
pub struct Records {
    chunks: Vec<Vec<Record>>,
    len: usize,
    /// By [`Kind`]: the positions of the records of that kind, in order.
    positions: [Vec<u32>; KINDS],
    /// By pod: the positions of its `PodDeleting` and `PodRemoved` records,
    /// in order (a handful a pod). "When was a pod of this name last
    /// deleted" then costs the pods of that name, not every deletion of the
    /// run, which a fleet's cause chains ask at every look.
    by_pod: rustc_hash::FxHashMap<PodId, Vec<u32>>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn push(&mut self, record: Record) {
        if let Some(kind) = Kind::of(&record.event) {
            let position = u32::try_from(self.len).expect("fewer than 2^32 records");
            self.positions[kind as usize].push(position);
            if let Event::PodDeleting { pod, .. } | Event::PodRemoved { pod, .. } = record.event {
                self.by_pod.entry(pod).or_default().push(position);
            }
        }
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(record),
            Some(_) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(record);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![record]),
        }
        self.len += 1;
    }
    /// The position of the last record of `kind` for which `pred` holds.
    pub fn last_of(&self, kind: Kind, pred: impl FnMut(&Record) -> bool) -> Option<usize> {
        self.last_of_within(kind, self.len, pred)
    }
    /// [`Records::last_of`] among the first `end` records.
    pub fn last_of_within(
        &self,
        kind: Kind,
        end: usize,
        mut pred: impl FnMut(&Record) -> bool,
    ) -> Option<usize> {
        let positions = &self.positions[kind as usize];
        let before = positions.partition_point(|&i| (i as usize) < end);
        positions[..before].iter().rev().map(|&i| i as usize).find(|&i| pred(&self[i]))
    }
    /// The position of the last `PodDeleting` or `PodRemoved` record (as
    /// `kinds` asks) of any of `pods`: what [`Records::last_of_any`] finds
    /// with a predicate that names those pods, found among their records alone.
    pub fn last_of_pods(&self, kinds: &[Kind], pods: impl IntoIterator<Item = PodId>) -> Option<usize> {
        debug_assert!(kinds.iter().all(|k| matches!(k, Kind::PodDeleting | Kind::PodRemoved)));
        pods.into_iter()
            .filter_map(|pod| {
                let positions = self.by_pod.get(&pod)?;
                positions
                    .iter()
                    .rev()
                    .map(|&i| i as usize)
                    .find(|&i| Kind::of(&self[i].event).is_some_and(|k| kinds.contains(&k)))
            })
            .max()
    }
    /// The records of any of `kinds` (each named once), in trace order:
    /// what a pass over the whole trace that looks at nothing else sees.
    pub fn of_kinds(&self, kinds: &[Kind]) -> impl Iterator<Item = &Record> + '_ {
        debug_assert!(
            kinds.iter().enumerate().all(|(i, k)| !kinds[..i].contains(k)),
            "a kind named twice would give its records twice"
        );
        let mut positions: Vec<u32> =
            kinds.iter().flat_map(|kind| self.positions[*kind as usize].iter().copied()).collect();
        if kinds.len() > 1 {
            positions.sort_unstable();
        }
        positions.into_iter().map(|i| &self[i as usize])
    }
    /// The position of the last record of any of `kinds` for which `pred` holds.
    pub fn last_of_any(&self, kinds: &[Kind], mut pred: impl FnMut(&Record) -> bool) -> Option<usize> {
        kinds.iter().filter_map(|kind| self.last_of(*kind, &mut pred)).max()
    }
    pub fn get(&self, index: usize) -> Option<&Record> {
        (index < self.len).then(|| &self.chunks[index / CHUNK][index % CHUNK])
    }
    pub fn last(&self) -> Option<&Record> {
        self.chunks.last().and_then(|chunk| chunk.last())
    }
    /// Every record, in order.
    pub fn iter(&self) -> Iter<'_> {
        self.all().iter()
    }
    /// All the records, as a view that can be narrowed.
    pub fn all(&self) -> Slice<'_> {
        Slice { records: self, start: 0, end: self.len }
    }
    /// The records in `range`, as a slice of a vector would be.
    pub fn slice(&self, range: impl std::ops::RangeBounds<usize>) -> Slice<'_> {
        self.all().slice(range)
    }
    /// The number of leading records for which `pred` holds (they must
    /// come first), as `slice::partition_point`.
    pub fn partition_point(&self, pred: impl FnMut(&Record) -> bool) -> usize {
        self.all().partition_point(pred)
    }
}

impl std::ops::Index<usize> for Records {
    type Output = Record;
    fn index(&self, index: usize) -> &Record {
        self.get(index).expect("a record index within the trace")
    }
}

impl FromIterator<Record> for Records {
    fn from_iter<I: IntoIterator<Item = Record>>(records: I) -> Records {
        let mut out = Records::default();
        for record in records {
            out.push(record);
        }
        out
    }
}

impl<'a> IntoIterator for &'a Records {
    type Item = &'a Record;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// A run of consecutive records: what `&records[a..b]` is for a vector.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a> {
    records: &'a Records,
    start: usize,
    end: usize,
}

impl<'a> Slice<'a> {
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn get(&self, index: usize) -> Option<&'a Record> {
        if index < self.len() { self.records.get(self.start + index) } else { None }
    }
    pub fn last(&self) -> Option<&'a Record> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }
    pub fn iter(&self) -> Iter<'a> {
        Iter { records: self.records, front: self.start, back: self.end }
    }
    /// The records in `range`, counted from this slice's start.
    pub fn slice(&self, range: impl std::ops::RangeBounds<usize>) -> Slice<'a> {
        use std::ops::Bound;
        let from = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i + 1,
            Bound::Unbounded => 0,
        };
        let to = match range.end_bound() {
            Bound::Included(&i) => i + 1,
            Bound::Excluded(&i) => i,
            Bound::Unbounded => self.len(),
        };
        assert!(from <= to && to <= self.len(), "record range {from}..{to} out of {}", self.len());
        Slice { records: self.records, start: self.start + from, end: self.start + to }
    }
    /// As `slice::partition_point`: a binary search for the first record
    /// for which `pred` is false.
    pub fn partition_point(&self, mut pred: impl FnMut(&Record) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if pred(&self[middle]) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }
}

impl<'a> std::ops::Index<usize> for Slice<'a> {
    type Output = Record;
    fn index(&self, index: usize) -> &Record {
        self.get(index).expect("a record index within the slice")
    }
}

impl<'a> IntoIterator for Slice<'a> {
    type Item = &'a Record;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Records in order, from either end.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    records: &'a Records,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Record;
    fn next(&mut self) -> Option<&'a Record> {
        (self.front < self.back).then(|| {
            self.front += 1;
            &self.records.chunks[(self.front - 1) / CHUNK][(self.front - 1) % CHUNK]
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            &self.records.chunks[self.back / CHUNK][self.back % CHUNK]
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;
    use crate::trace::{Actor, Event};

    /// The records of some kinds are those a pass over every record keeps,
    /// in the same order, across chunks.
    #[test]
    fn records_of_kinds_are_those_a_full_pass_keeps() {
        use crate::objects::{Machine, NodeId, PvcId, StsId};
        let event = |i: usize| match i % 5 {
            0 => Event::PvcCreated { pvc: PvcId(i as u32) },
            1 => Event::NodeMachine { node: NodeId((i % 3) as u32), state: Machine::Crashed },
            2 => Event::StatefulSetScaled { sts: StsId(0), from: 1, to: 2 },
            3 => Event::PvcRemoved { pvc: PvcId(i as u32) },
            _ => Event::End { reason: "x" },
        };
        let n = 2 * CHUNK + 7;
        let records: Records = (0..n)
            .map(|i| Record { at: SimTime::from_millis(i as u64), actor: Actor::User, event: event(i) })
            .collect();
        let sets: [&[Kind]; 4] = [
            &[Kind::PvcCreated],
            &[Kind::PvcRemoved, Kind::PvcCreated],
            &[Kind::StatefulSetScaled, Kind::NodeMachine, Kind::PvcRemoved],
            &[Kind::PodEvicted],
        ];
        for kinds in sets {
            let by_kind: Vec<&Record> = records.of_kinds(kinds).collect();
            let full: Vec<&Record> =
                records.iter().filter(|r| Kind::of(&r.event).is_some_and(|k| kinds.contains(&k))).collect();
            assert_eq!(by_kind, full, "{kinds:?}");
        }
        let claims = (0..n).filter(|i| i % 5 == 0 || i % 5 == 3).count();
        assert_eq!(records.of_kinds(&[Kind::PvcCreated, Kind::PvcRemoved]).count(), claims);
    }

    /// The kept positions answer as a search back through every record would.
    #[test]
    fn the_last_record_of_a_kind_is_the_one_a_full_search_finds() {
        use crate::objects::{Machine, NodeId};
        let event = |i: usize| match i % 7 {
            0 => Event::Script { description: format!("s{}", i % 5), line: i as u32 },
            1 | 4 => Event::NodeMachine { node: NodeId((i % 3) as u32), state: Machine::Crashed },
            _ => Event::End { reason: "x" },
        };
        let n = 2 * CHUNK + 5;
        let vec: Vec<Record> = (0..n)
            .map(|i| Record { at: SimTime::from_millis(i as u64), actor: Actor::User, event: event(i) })
            .collect();
        let records: Records = vec.iter().cloned().collect();
        let on = |node: u32| move |r: &Record| matches!(r.event, Event::NodeMachine { node: n, .. } if n.0 == node);
        let script = |d: &'static str| move |r: &Record| matches!(&r.event, Event::Script { description, .. } if description == d);
        for end in [0, 1, 8, CHUNK, n - 3, n] {
            for node in 0..4 {
                assert_eq!(
                    records.last_of_within(Kind::NodeMachine, end, on(node)),
                    vec[..end].iter().rposition(on(node))
                );
            }
            assert_eq!(
                records.last_of_within(Kind::Script, end, script("s2")),
                vec[..end].iter().rposition(script("s2"))
            );
        }
        let either = |r: &Record| on(1)(r) || script("s0")(r);
        assert_eq!(
            records.last_of_any(&[Kind::NodeMachine, Kind::Script], either),
            vec.iter().rposition(either)
        );
        // A kind never written, or a record of another kind, is never found.
        assert_eq!(records.last_of(Kind::DnsRemoved, |_| true), None);
        assert_eq!(records.last_of(Kind::NodeMachine, |r| matches!(r.event, Event::End { .. })), None);
    }

    /// A pod's deletions and removals, found among its own records, are the
    /// ones a search of every deletion and removal finds.
    #[test]
    fn the_last_deletion_of_some_pods_is_the_one_a_full_search_finds() {
        use crate::time::SimDuration;
        let event = |i: usize| {
            let pod = PodId((i * 7 % 11) as u32);
            match i % 5 {
                0 => Event::PodDeleting { pod, grace: SimDuration::from_millis(30_000) },
                1 | 3 => Event::PodRemoved { pod, force: i.is_multiple_of(2) },
                2 => Event::Script { description: "x".into(), line: i as u32 },
                _ => Event::End { reason: "x" },
            }
        };
        let n = CHUNK + 40;
        let vec: Vec<Record> = (0..n)
            .map(|i| Record { at: SimTime::from_millis(i as u64), actor: Actor::User, event: event(i) })
            .collect();
        let records: Records = vec.iter().cloned().collect();
        fn of(pods: &[u32], deleting: bool, removed: bool) -> impl Fn(&Record) -> bool + '_ {
            move |r: &Record| match r.event {
                Event::PodDeleting { pod, .. } => deleting && pods.contains(&pod.0),
                Event::PodRemoved { pod, .. } => removed && pods.contains(&pod.0),
                _ => false,
            }
        }
        for pods in [&[][..], &[3], &[0, 10], &[2, 5, 7], &[11, 12]] {
            let ids = || pods.iter().map(|p| PodId(*p));
            let both = [Kind::PodDeleting, Kind::PodRemoved];
            assert_eq!(records.last_of_pods(&both, ids()), vec.iter().rposition(of(pods, true, true)));
            assert_eq!(
                records.last_of_pods(&[Kind::PodDeleting], ids()),
                vec.iter().rposition(of(pods, true, false))
            );
            assert_eq!(
                records.last_of_pods(&[Kind::PodRemoved], ids()),
                vec.iter().rposition(of(pods, false, true))
            );
        }
    }

    #[test]
    fn records_behave_as_the_vector_they_replace_across_chunks() {
        let at = |i: usize| SimTime::from_millis(i as u64 / 3);
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let vec: Vec<Record> = (0..n)
                .map(|i| Record { at: at(i), actor: Actor::User, event: Event::End { reason: "x" } })
                .collect();
            let records: Records = vec.iter().cloned().collect();
            assert_eq!(records.len(), n);
            assert_eq!(records.last().map(|r| r.at), vec.last().map(|r| r.at));
            let times = |it: &mut dyn Iterator<Item = &Record>| it.map(|r| r.at).collect::<Vec<_>>();
            assert_eq!(times(&mut records.iter()), times(&mut vec.iter()));
            assert_eq!(times(&mut records.iter().rev()), times(&mut vec.iter().rev()));
            assert_eq!(records.iter().len(), n);
            for (from, to) in [(0, n), (n / 3, n / 2), (n / 2, n), (n, n)] {
                let slice = records.slice(from..to);
                assert_eq!(times(&mut slice.iter()), times(&mut vec[from..to].iter()), "{from}..{to} of {n}");
                assert_eq!(slice.len(), to - from);
                assert_eq!(slice.last().map(|r| r.at), vec[from..to].last().map(|r| r.at));
                for t in [0, 1, n as u64 / 6, n as u64 / 3 + 1] {
                    let t = SimTime::from_millis(t);
                    assert_eq!(
                        slice.partition_point(|r| r.at <= t),
                        vec[from..to].partition_point(|r| r.at <= t)
                    );
                }
                if to > from {
                    assert_eq!(slice[to - from - 1].at, vec[to - 1].at);
                    let mut middle = slice.iter();
                    middle.next();
                    middle.next_back();
                    assert_eq!(
                        times(&mut middle),
                        times(&mut vec[from..to].iter().skip(1).rev().skip(1).rev())
                    );
                }
            }
            for i in [0, n / 2, n.saturating_sub(1)].into_iter().filter(|i| *i < n) {
                assert_eq!(records[i].at, vec[i].at);
            }
            assert!(records.get(n).is_none());
        }
    }
}
