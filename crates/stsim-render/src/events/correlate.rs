//! What the API server keeps of the events the components emit, which is
//! what `kubectl events` lists.
//!
//! Owns the recorders' client-side bookkeeping, by the component that
//! records:
//!
//! - **`core/v1` recorders** (client-go `tools/record`: the kubelet and
//!   the controllers) pass each event through an `EventCorrelator`
//!   (`events_cache.go`), in this order:
//!   1. *aggregation*: once one source has written, about one object, ten
//!      events of the same type and reason with different messages, each
//!      less than 10 minutes after the one before, the tenth and those
//!      after become one event, `(combined from similar events): <the
//!      latest message>`;
//!   2. *counting*: an event equal to one written before (same object,
//!      container, type, reason and message) updates it: its `count` goes
//!      up, its `lastTimestamp` moves, `firstTimestamp` stays;
//!   3. *spam filter*: a source may write 25 events about one object,
//!      then one every 5 minutes (a token bucket, full at the start). An
//!      event over the budget is not written, but was counted: the next
//!      write that gets through carries the count.
//!
//!   Each recorder keeps this per process: a kubelet that starts anew
//!   (its machine back from a crash) forgets its counts and budgets, and
//!   writes new events.
//! - **`events.k8s.io/v1` recorders** (client-go `tools/events`:
//!   kube-scheduler) merge an event equal to one recorded before into an
//!   `EventSeries` (count and last time) unless the first has been idle
//!   for 6 minutes when the recorder checks, every 6 minutes from its
//!   start (`finishSeries`); then a new event starts. No spam filter. The
//!   series' counts are shown as the recorder holds them (it writes them
//!   to the API server every 30 minutes and when the series ends).
//!
//! What the API server then keeps: each write of an event (its creation,
//! an update of its count or series) gives it `--event-ttl` (one hour)
//! before the API server deletes it (`Recorded::kept_at`); a recorder
//! whose update finds its event gone creates it again, with the count and
//! first time it holds.
//!
//! Not modelled: the recorders' caches are LRU caches of 4,096 entries
//! (a run keeps every key), and which of ten similar messages aggregation
//! forgets (Go's `PopAny` takes any; here the least in byte order, so the
//! table is a function of the trace).
//!
//! Events are fed one at a time, in time order (`Correlating`), so none
//! need be held: what is kept is each recorder's counts and what it wrote,
//! with each string held once. What a recorder keeps that can no longer
//! change a later event (a spam budget refilled to full, similar messages
//! more than 10 minutes old, a scheduler series ended) is let go.
//!
//! Does not own the events themselves (`collect`) nor the table.

use super::{Involved, K8sEvent, Source, Times};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use stsim_core::report::Text;

/// Ten similar events in the interval make an aggregate
/// (`defaultAggregateMaxEvents`, `defaultAggregateIntervalInSeconds`).
const AGGREGATE_MAX_EVENTS: usize = 10;
const AGGREGATE_INTERVAL_MS: u64 = 600_000;
/// A source's budget of events about one object: 25, refilled at one
/// every 300 s (`defaultSpamBurst`, `defaultSpamQPS`).
const SPAM_BURST: u64 = 25;
const SPAM_REFILL_MS: u64 = 300_000;
/// `tools/events`' `finishTime`: a series idle this long ends, checked at
/// this period.
const SERIES_FINISH_MS: u64 = 360_000;
/// `tools/events`' `refreshTime`: every series the recorder holds is
/// written again at this period from its start (`refreshExistingEventSeries`).
const SERIES_REFRESH_MS: u64 = 1_800_000;

/// kube-apiserver's `--event-ttl` (1 h): the API server deletes an event
/// this long after its last write. The events registry gives the same TTL
/// to a create and to an update (`pkg/registry/core/event/storage`,
/// `TTLFunc`), so each count update renews it; `0` stores events with no
/// lease, for ever.
pub const EVENT_TTL_MS: u64 = 3_600_000;

/// The prefix of an aggregate event's message
/// (`EventAggregatorByReasonMessageFunc`).
pub const COMBINED: &str = "(combined from similar events): ";

/// One event as the API server holds it at the end of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `firstTimestamp` (or the series' `eventTime`).
    pub first_ms: u64,
    /// `lastTimestamp` (or the series' `lastObservedTime`).
    pub last_ms: u64,
    /// `count` (or the series' count); 1 for an event seen once.
    pub count: u32,
    /// When its recorder last wrote it as it occurred: a `core/v1` event's
    /// last time; a scheduler event's first, or its series' start at the
    /// second occurrence (the series' later writes are periodic: `kept_at`).
    pub written_ms: u64,
    pub warning: bool,
    pub reason: &'static str,
    pub source: Source,
    pub involved: Involved,
    pub message: Text,
}

impl Recorded {
    /// An emitted event on its own, as `--raw` lists it.
    pub fn emitted(event: &K8sEvent) -> Recorded {
        Recorded::of(event.clone())
    }

    /// [`Recorded::emitted`], taking the event.
    pub fn of(event: K8sEvent) -> Recorded {
        Recorded {
            first_ms: event.at_ms,
            last_ms: event.at_ms,
            count: event.also.saturating_add(1),
            written_ms: event.at_ms,
            warning: event.warning,
            reason: event.reason,
            source: event.source,
            involved: event.involved,
            message: event.message,
        }
    }

    /// `Pod/redis-0`.
    pub fn object(&self) -> String {
        self.involved.object()
    }

    /// Whether the API server still holds the event at `end_ms`, deleting
    /// events `ttl_ms` after their last write (`0`: never). A scheduler
    /// series is written again every 30 minutes while its recorder holds it,
    /// and a last time by the check that ends it (`finishSeries`).
    pub fn kept_at(&self, end_ms: u64, ttl_ms: u64) -> bool {
        if ttl_ms == 0 {
            return true;
        }
        let written = match self.source {
            Source::Scheduler if self.count > 1 => match finish_check(self.last_ms) {
                ended if ended <= end_ms => ended,
                _ => self.written_ms.max(end_ms / SERIES_REFRESH_MS * SERIES_REFRESH_MS),
            },
            _ => self.written_ms,
        };
        written.saturating_add(ttl_ms) > end_ms
    }
}

/// The events the API server holds, in `kubectl events`' order (by last
/// time; at the same time, in the order they were last written), and how
/// many emitted events the spam filter kept from being written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correlated {
    pub events: Vec<Recorded>,
    pub filtered: usize,
}

/// An object, by kind and identity (its name follows from them).
type ObjectKey = (&'static str, u64);

/// What makes two events one (`getEventKey`), or one aggregate
/// (`EventAggregatorByReasonFunc`: the message and container left out).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum EventKey {
    Exact {
        source: Source,
        object: ObjectKey,
        container: Option<stsim_core::objects::ContainerRef>,
        warning: bool,
        reason: &'static str,
        message: Text,
    },
    Aggregate(AggregateKey),
}

type AggregateKey = (Source, ObjectKey, bool, &'static str);

/// The similar messages seen lately under an aggregate key.
struct Similar {
    messages: BTreeSet<Text>,
    last_ms: u64,
}

/// What the recorder keeps of a key: the count of its `eventLog` (how
/// many times, since when), and the event it last wrote, if it wrote one,
/// by index into the output.
struct Observed {
    count: u32,
    first_ms: u64,
    written: Option<usize>,
}

/// A token bucket in milliseconds of refill: full at `SPAM_BURST *
/// SPAM_REFILL_MS`, an event takes `SPAM_REFILL_MS`.
struct Bucket {
    tokens_ms: u64,
    at_ms: u64,
}

const FULL_BUCKET_MS: u64 = SPAM_BURST * SPAM_REFILL_MS;

/// One recorder's `EventCorrelator` and what it wrote.
#[derive(Default)]
struct Correlator {
    similar: BTreeMap<AggregateKey, Similar>,
    observed: BTreeMap<EventKey, Observed>,
    buckets: BTreeMap<ObjectKey, Bucket>,
    /// How many entries `similar` and `buckets` had after they were last
    /// swept of those that hold nothing (`sweep`).
    swept: (usize, usize),
}

/// Passes `emitted` (in time order) through the recorders. `kubelet_starts`
/// are the times a node's kubelet started anew (in time order).
pub fn correlate(emitted: &[K8sEvent], kubelet_starts: &[(u64, stsim_core::objects::NodeId)]) -> Correlated {
    let mut correlating = Correlating::new(kubelet_starts);
    for event in emitted {
        correlating.push(event.clone());
    }
    correlating.finish()
}

/// [`correlate`], fed one event at a time (in time order), so the events
/// emitted need not be held: what is kept is what the recorders keep and
/// the events they write, with each string they repeat (a pod's name, a
/// message said of every incarnation of a pod) held once. What a recorder
/// keeps that can no longer change a later event (a spam budget refilled,
/// similar messages of more than 10 minutes ago, a scheduler series that
/// has ended) is let go as the events go by.
pub struct Correlating<'a> {
    recorders: BTreeMap<Source, Correlator>,
    /// Each scheduler series (or single event), by index into the output.
    series: BTreeMap<(ObjectKey, bool, &'static str, Text), usize>,
    /// How many series there were after they were last swept of the ended.
    series_swept: usize,
    /// Each stored event, and the sequence number of its last write.
    out: Vec<(Recorded, usize)>,
    filtered: usize,
    starts: std::iter::Peekable<std::slice::Iter<'a, (u64, stsim_core::objects::NodeId)>>,
    /// How many events were pushed.
    sequence: usize,
    /// The latest time pushed, and whether every event came in time order
    /// (else nothing is let go: what can change a later event is only
    /// known of events in order).
    latest_ms: u64,
    ordered: bool,
    strings: Strings,
}

/// The strings of events, each held once (a set only looked up: no order
/// depends on it).
#[derive(Default)]
pub(crate) struct Strings(HashSet<Arc<str>>);

impl Strings {
    /// The one copy of `text`.
    fn share(&mut self, text: Text) -> Text {
        if let Text::Static(_) = text {
            return text;
        }
        match self.0.get(text.as_str()) {
            Some(shared) => Text::Shared(Arc::clone(shared)),
            None => {
                let shared: Arc<str> = Arc::from(text.as_str());
                self.0.insert(Arc::clone(&shared));
                Text::Shared(shared)
            }
        }
    }

    /// `event` with its message, object name and field path shared.
    pub(crate) fn event(&mut self, mut event: K8sEvent) -> K8sEvent {
        event.message = self.share(event.message);
        event.involved.name = self.share(event.involved.name);
        event.involved.field_path = event.involved.field_path.map(|path| self.share(path));
        event
    }
}

/// Sweep a map once it has doubled since its last sweep (and holds a
/// few), so sweeping costs a constant per entry made.
fn due(len: usize, after_last: usize) -> bool {
    len >= 1024 && len > 2 * after_last
}

impl<'a> Correlating<'a> {
    /// `kubelet_starts`: the times a node's kubelet started anew (in time order).
    pub fn new(kubelet_starts: &'a [(u64, stsim_core::objects::NodeId)]) -> Correlating<'a> {
        Correlating {
            recorders: BTreeMap::new(),
            series: BTreeMap::new(),
            series_swept: 0,
            out: Vec::new(),
            filtered: 0,
            starts: kubelet_starts.iter().peekable(),
            sequence: 0,
            latest_ms: 0,
            ordered: true,
            strings: Strings::default(),
        }
    }

    /// The next event emitted.
    pub fn push(&mut self, event: K8sEvent) {
        let sequence = self.sequence;
        self.sequence += 1;
        let now = event.at_ms;
        self.ordered &= now >= self.latest_ms;
        self.latest_ms = self.latest_ms.max(now);
        let event = self.strings.event(event);
        while let Some((_, node)) = self.starts.next_if(|(at, _)| *at <= now) {
            self.recorders.remove(&Source::Kubelet(*node));
        }
        let object = (event.involved.kind, event.involved.uid);
        let out = &mut self.out;
        if event.source == Source::Scheduler {
            if self.ordered && due(self.series.len(), self.series_swept) {
                // A series ended by now is ended for every later event too.
                self.series.retain(|_, index| !finished(out[*index].0.last_ms, now));
                self.series_swept = self.series.len();
            }
            let key = (object, event.warning, event.reason, event.message.clone());
            match self.series.get(&key).map(|index| &mut out[*index]) {
                Some((recorded, last)) if !finished(recorded.last_ms, now) => {
                    if recorded.count == 1 {
                        // The second occurrence makes it a series: written now.
                        recorded.written_ms = now;
                    }
                    recorded.count = recorded.count.saturating_add(event.also.saturating_add(1));
                    recorded.last_ms = now;
                    *last = sequence;
                }
                _ => {
                    self.series.insert(key, out.len());
                    out.push((Recorded::of(event), sequence));
                }
            }
            return;
        }
        let recorder = self.recorders.entry(event.source).or_default();
        if self.ordered {
            recorder.sweep(now);
        }
        let (key, message) = recorder.aggregate(&event, object);
        let message = self.strings.share(message);
        let observed =
            recorder.observed.entry(key).or_insert(Observed { count: 0, first_ms: now, written: None });
        observed.count = observed.count.saturating_add(event.also.saturating_add(1));
        let (count, first_ms) = (observed.count, observed.first_ms);
        if !allow(&mut recorder.buckets, object, now) {
            self.filtered += 1;
            return;
        }
        let recorded = Recorded {
            first_ms,
            last_ms: now,
            count,
            written_ms: now,
            warning: event.warning,
            reason: event.reason,
            source: event.source,
            involved: event.involved,
            message,
        };
        match observed.written {
            Some(index) => out[index] = (recorded, sequence),
            None => {
                observed.written = Some(out.len());
                out.push((recorded, sequence));
            }
        }
    }

    /// The events written, in `kubectl events`' order, and how many the
    /// spam filter kept from being written.
    pub fn finish(self) -> Correlated {
        let mut out = self.out;
        out.sort_by_key(|(recorded, last)| (recorded.last_ms, *last));
        Correlated {
            events: out.into_iter().map(|(recorded, _)| recorded).collect(),
            filtered: self.filtered,
        }
    }
}

/// Whether the scheduler's recorder ended a series last seen at `last_ms`
/// by `now_ms`: a check (every `SERIES_FINISH_MS` from the start) came
/// more than `SERIES_FINISH_MS` after it.
fn finished(last_ms: u64, now_ms: u64) -> bool {
    finish_check(last_ms) <= now_ms
}

/// The check that ends a series last seen at `last_ms`, unless it is seen again before.
fn finish_check(last_ms: u64) -> u64 {
    (last_ms + SERIES_FINISH_MS) / SERIES_FINISH_MS * SERIES_FINISH_MS + SERIES_FINISH_MS
}

impl Correlator {
    /// `EventAggregate`: the key to count `event` under, and its message.
    fn aggregate(&mut self, event: &K8sEvent, object: ObjectKey) -> (EventKey, Text) {
        let exact = EventKey::Exact {
            source: event.source,
            object,
            container: event.involved.container,
            warning: event.warning,
            reason: event.reason,
            message: event.message.clone(),
        };
        let group = (event.source, object, event.warning, event.reason);
        let similar = self.similar.entry(group).or_insert(Similar { messages: BTreeSet::new(), last_ms: 0 });
        if event.at_ms.saturating_sub(similar.last_ms) > AGGREGATE_INTERVAL_MS {
            similar.messages.clear();
        }
        similar.messages.insert(event.message.clone());
        similar.last_ms = event.at_ms;
        if similar.messages.len() < AGGREGATE_MAX_EVENTS {
            return (exact, event.message.clone());
        }
        // Keep the set below the threshold (`PopAny`).
        similar.messages.pop_first();
        (EventKey::Aggregate(group), format!("{COMBINED}{}", event.message).into())
    }

    /// Lets go, at `now` (no earlier than any event seen), of what is as
    /// good as absent for every later event: similar messages last seen
    /// more than the aggregation interval ago (the next one clears them),
    /// and spam budgets refilled to full (a new one starts full).
    fn sweep(&mut self, now: u64) {
        if due(self.similar.len(), self.swept.0) {
            self.similar.retain(|_, similar| now.saturating_sub(similar.last_ms) <= AGGREGATE_INTERVAL_MS);
            self.swept.0 = self.similar.len();
        }
        if due(self.buckets.len(), self.swept.1) {
            self.buckets.retain(|_, bucket| {
                bucket.tokens_ms.saturating_add(now.saturating_sub(bucket.at_ms)) < FULL_BUCKET_MS
            });
            self.swept.1 = self.buckets.len();
        }
    }
}

/// The spam filter's `TryAccept` for an event about `object` at `at_ms`.
fn allow(buckets: &mut BTreeMap<ObjectKey, Bucket>, object: ObjectKey, at_ms: u64) -> bool {
    let bucket = buckets.entry(object).or_insert(Bucket { tokens_ms: FULL_BUCKET_MS, at_ms });
    bucket.tokens_ms = (bucket.tokens_ms + at_ms.saturating_sub(bucket.at_ms)).min(FULL_BUCKET_MS);
    bucket.at_ms = at_ms;
    if bucket.tokens_ms < SPAM_REFILL_MS {
        return false;
    }
    bucket.tokens_ms -= SPAM_REFILL_MS;
    true
}

/// How `kubectl events` shows when: the last time, and for an event seen
/// more than once `(xN over SPAN)`, the span from its first time. Both in
/// whole seconds ([`Times::show`]); the span is between the times the API
/// server keeps: a `core/v1` event's `firstTimestamp` and `lastTimestamp`
/// in whole seconds, a scheduler series' `eventTime` and
/// `lastObservedTime` in microseconds.
pub fn seen(recorded: &Recorded, times: Times) -> String {
    let last = times.show(recorded.last_ms);
    if recorded.count <= 1 {
        return last;
    }
    let span_ms = match recorded.source {
        Source::Scheduler => recorded.last_ms.saturating_sub(recorded.first_ms),
        Source::Kubelet(_) | Source::Controller(_) => {
            let kept = |at_ms: u64| super::whole_seconds(times.epoch_ms(at_ms));
            u64::try_from(kept(recorded.last_ms).saturating_sub(kept(recorded.first_ms))).unwrap_or(0)
        }
    };
    format!("{last} (x{} over {})", recorded.count, crate::cells::age(span_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stsim_core::objects::{ContainerRef, NodeId};

    fn event(at_s: u64, source: Source, reason: &'static str, pod: u64, message: &str) -> K8sEvent {
        K8sEvent {
            at_ms: at_s * 1000,
            source,
            warning: false,
            reason,
            involved: Involved {
                kind: "pod",
                name: format!("web-{pod}").into(),
                uid: pod,
                container: Some(ContainerRef::Regular(0)),
                field_path: Some("spec.containers{main}".to_string().into()),
            },
            message: message.to_string().into(),
            also: 0,
        }
    }
    const KUBELET: Source = Source::Kubelet(NodeId(0));

    /// Letting go of what can no longer change a later event changes no
    /// event: long streams (many objects, so the recorders' maps are
    /// swept) give what they give when nothing is let go.
    #[test]
    fn what_is_let_go_changes_nothing() {
        let mut filtered = 0;
        for (seed, objects, step_ms) in
            [(1u64, 300u64, 4_000u64), (2, 700, 1_000), (3, 150, 20_000), (4, 2_000, 500), (5, 90, 60_000)]
        {
            let mut state = seed;
            let mut next = |n: u64| {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                (z ^ (z >> 31)) % n
            };
            let mut at_ms = 0;
            let emitted: Vec<K8sEvent> = (0..30_000)
                .map(|_| {
                    at_ms += next(step_ms);
                    let source = match next(4) {
                        0 => Source::Scheduler,
                        1 => Source::Controller("statefulset-controller"),
                        n => Source::Kubelet(NodeId(n as u32)),
                    };
                    let message = format!("message {}", next(12));
                    // Half the events about a few busy objects (their spam budgets run out).
                    let object = if next(2) == 0 { next(8) } else { next(objects) };
                    let mut e = event(0, source, REASONS[next(3) as usize], object, &message);
                    e.at_ms = at_ms;
                    e
                })
                .collect();
            let starts = [(at_ms / 3, NodeId(2)), (at_ms / 2, NodeId(3))];
            let swept = correlate(&emitted, &starts);
            let mut kept = Correlating::new(&starts);
            kept.ordered = false;
            for e in &emitted {
                kept.push(e.clone());
            }
            let kept = kept.finish();
            assert_eq!(swept.filtered, kept.filtered, "seed {seed}");
            assert_eq!(swept.events.len(), kept.events.len(), "seed {seed}");
            assert!(swept == kept, "seed {seed}");
            // The stream made the maps large enough to be swept.
            assert!(swept.events.len() > 2_000, "seed {seed}: {}", swept.events.len());
            filtered += swept.filtered;
        }
        assert!(filtered > 0, "some spam budgets ran out");
        // A spam budget partly spent when the buckets are swept is kept:
        // 20 events about one pod, 2,000 about others 50 minutes later
        // (the sweep, the first pod's budget refilled to 15 of 25), and
        // 20 more about the first pod at an hour, 17 of them written.
        let burst = |from_s: u64| (0..20).map(move |i| event(from_s, KUBELET, REASONS[i], 0, "x"));
        let mut emitted: Vec<K8sEvent> = burst(0).collect();
        emitted.extend((1..=2_000).map(|pod| event(3_000, KUBELET, "Other", pod, "y")));
        emitted.extend(burst(3_600));
        let mut kept = Correlating::new(&[]);
        kept.ordered = false;
        for e in &emitted {
            kept.push(e.clone());
        }
        assert_eq!(kept.finish().filtered, 3);
        assert_eq!(correlate(&emitted, &[]).filtered, 3);
    }

    #[test]
    fn repeats_are_counted_into_one_event() {
        let emitted: Vec<K8sEvent> =
            (0..4).map(|i| event(i * 60, KUBELET, "BackOff", 0, "Back-off")).collect();
        let correlated = correlate(&emitted, &[]);
        assert_eq!(correlated.events.len(), 1);
        let only = &correlated.events[0];
        assert_eq!((only.first_ms, only.last_ms, only.count), (0, 180_000, 4));
        assert_eq!(seen(only, Times::SinceStart), "3m (x4 over 3m)");
    }

    /// Times in whole seconds, as kubectl prints them; the span between
    /// the times the API server keeps: whole seconds for a `core/v1`
    /// event (10.9 s and 12.1 s are kept as 10 s and 12 s), the
    /// scheduler's microseconds for a series (1.2 s).
    #[test]
    fn times_are_shown_in_the_seconds_the_api_server_keeps() {
        let twice = |source: Source| Recorded {
            first_ms: 10_900,
            last_ms: 12_100,
            count: 2,
            written_ms: 12_100,
            ..Recorded::emitted(&event(0, source, "BackOff", 0, "Back-off"))
        };
        assert_eq!(seen(&twice(KUBELET), Times::SinceStart), "12s (x2 over 2s)");
        assert_eq!(
            seen(&twice(Source::Controller("statefulset-controller")), Times::SinceStart),
            "12s (x2 over 2s)"
        );
        assert_eq!(seen(&twice(Source::Scheduler), Times::SinceStart), "12s (x2 over 1s)");
        // A start half a second past a whole second moves the seconds kept.
        let at = Times::At(500);
        assert_eq!(seen(&twice(KUBELET), at), "1970-01-01T00:00:12Z (x2 over 1s)");
        let once = Recorded { count: 1, ..twice(KUBELET) };
        assert_eq!(seen(&once, Times::At(1_767_366_245_000)), "2026-01-02T15:04:17Z");
        assert_eq!(seen(&once, Times::SinceStart), "12s");
    }

    #[test]
    fn another_object_or_source_is_another_event() {
        let emitted = [
            event(0, KUBELET, "BackOff", 0, "Back-off"),
            event(1, KUBELET, "BackOff", 1, "Back-off"),
            event(2, Source::Kubelet(NodeId(1)), "BackOff", 0, "Back-off"),
        ];
        assert_eq!(correlate(&emitted, &[]).events.len(), 3);
    }

    #[test]
    fn the_tenth_similar_message_is_combined() {
        let emitted: Vec<K8sEvent> =
            (0..12).map(|i| event(i, KUBELET, "Failed", 0, &format!("message {i:02}"))).collect();
        let events = correlate(&emitted, &[]).events;
        assert_eq!(events.len(), 10, "{events:#?}");
        let combined = events.last().unwrap();
        assert_eq!(combined.message, format!("{COMBINED}message 11"));
        assert_eq!((combined.count, combined.first_ms), (3, 9000));
        // Similar messages 10 minutes apart start afresh.
        let apart: Vec<K8sEvent> =
            (0..12).map(|i| event(i * 601, KUBELET, "Failed", 0, &format!("message {i:02}"))).collect();
        assert!(correlate(&apart, &[]).events.iter().all(|e| !e.message.starts_with(COMBINED)));
    }

    #[test]
    fn the_spam_filter_lets_25_through_then_one_each_five_minutes() {
        let emitted: Vec<K8sEvent> =
            (0..40).map(|i| event(i, KUBELET, "Pulled", 0, &format!("pulled {i}"))).collect();
        // Different messages of different reasons: no aggregation, each its own event.
        let emitted: Vec<K8sEvent> =
            emitted.into_iter().enumerate().map(|(i, e)| K8sEvent { reason: REASONS[i], ..e }).collect();
        let correlated = correlate(&emitted, &[]);
        assert_eq!((correlated.events.len(), correlated.filtered), (25, 15));
        // Five minutes on, one more gets through.
        let mut later = emitted.clone();
        later.push(K8sEvent { at_ms: 39_000 + 300_000, reason: "Other", ..emitted[0].clone() });
        assert_eq!(correlate(&later, &[]).events.len(), 26);
        // A kubelet started anew has its budget back.
        let restarted = correlate(&emitted, &[(30_000, NodeId(0))]);
        assert_eq!(restarted.events.len(), 35);
    }

    const REASONS: [&str; 40] = [
        "R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
        "R16", "R17", "R18", "R19", "R20", "R21", "R22", "R23", "R24", "R25", "R26", "R27", "R28", "R29",
        "R30", "R31", "R32", "R33", "R34", "R35", "R36", "R37", "R38", "R39",
    ];

    #[test]
    fn a_count_filtered_meanwhile_shows_at_the_next_write() {
        // 25 other events take the budget; the 26th to 30th repeats are filtered,
        // the one five minutes on carries their count.
        let mut emitted: Vec<K8sEvent> =
            (0..25).map(|i| event(i, KUBELET, REASONS[i as usize], 0, "x")).collect();
        emitted.extend((0..5).map(|i| event(30 + i, KUBELET, "BackOff", 0, "Back-off")));
        emitted.push(event(30 + 300, KUBELET, "BackOff", 0, "Back-off"));
        let correlated = correlate(&emitted, &[]);
        assert_eq!(correlated.filtered, 5);
        let back_off = correlated.events.iter().find(|e| e.reason == "BackOff").unwrap();
        assert_eq!((back_off.count, back_off.first_ms, back_off.last_ms), (6, 30_000, 330_000));
    }

    #[test]
    fn the_schedulers_series_end_after_six_idle_minutes() {
        let at = |s| event(s, Source::Scheduler, "FailedScheduling", 0, "0/3 nodes are available");
        // 0s and 5m: one series. The check at 6m finds it seen 1m ago.
        let one = correlate(&[at(0), at(300)], &[]).events;
        assert_eq!((one.len(), one[0].count), (1, 2));
        // 5m and 12m30s: the check at 12m finds 5m more than 6m ago.
        assert_eq!(correlate(&[at(300), at(750)], &[]).events.len(), 2);
        // 7m and 12m30s: the check at 12m finds it 5m old; at 18m it would end.
        assert_eq!(correlate(&[at(420), at(750)], &[]).events.len(), 1);
        // The scheduler has no spam filter.
        let many: Vec<K8sEvent> =
            (0..100).map(|i| event(i, Source::Scheduler, "Scheduled", i, "x")).collect();
        assert_eq!(correlate(&many, &[]).events.len(), 100);
    }

    #[test]
    fn the_api_server_keeps_an_event_an_hour_after_its_last_write() {
        const HOUR: u64 = EVENT_TTL_MS;
        // Counted at 0s and 10m: written at 10m, gone an hour later.
        let back_off =
            &correlate(&[event(0, KUBELET, "BackOff", 0, "x"), event(600, KUBELET, "BackOff", 0, "x")], &[])
                .events[0];
        assert!(back_off.kept_at(600_000 + HOUR - 1, HOUR));
        assert!(!back_off.kept_at(600_000 + HOUR, HOUR));
        // `0`: no lease, kept for ever; a shorter TTL, sooner.
        assert!(back_off.kept_at(400 * 24 * HOUR, 0));
        assert!(!back_off.kept_at(700_000, 60_000));
        let at = |s| event(s, Source::Scheduler, "FailedScheduling", 0, "0/3 nodes are available");
        // A series seen at 0s and 5m ends at the check at 12m, which writes it a last time.
        let ended = &correlate(&[at(0), at(300)], &[]).events[0];
        assert!(ended.kept_at(720_000 + HOUR - 1, HOUR));
        assert!(!ended.kept_at(720_000 + HOUR, HOUR));
        // Seen once: written once.
        let once = &correlate(&[at(0)], &[]).events[0];
        assert!(!once.kept_at(HOUR, HOUR));
        // Seen every minute for two hours: still a series at 2h0m30s, written
        // at the 30-minute refreshes (the last at 2h), kept an hour after
        // that, or 10 minutes after it with a TTL of 10 minutes.
        let ongoing: Vec<K8sEvent> = (0..=120).map(|m| at(m * 60)).collect();
        let ongoing = &correlate(&ongoing, &[]).events[0];
        assert_eq!(ongoing.count, 121);
        assert!(ongoing.kept_at(7_230_000, HOUR));
        assert!(ongoing.kept_at(7_230_000, 600_000));
        assert!(!ongoing.kept_at(7_200_000 + 600_000, 600_000));
        // Its second occurrence made it a series and wrote it: a refresh
        // before that does not count.
        let late: Vec<K8sEvent> = [1_790, 1_850, 1_900].into_iter().map(at).collect();
        let late = &correlate(&late, &[]).events[0];
        assert_eq!(late.written_ms, 1_850_000);
        assert!(!late.kept_at(1_900_000 + 200_000, 60_000), "the refresh at 30m came before the series");
    }
}
