//! The events as `kubectl events -o json` (or `-o yaml`) prints them: a
//! `v1` `EventList` of the events the API server keeps (`correlate`).
//!
//! Owns the Event object's fields: its object (`involvedObject` with the
//! container as `fieldPath`), type, reason and message, and who recorded
//! it and when, as each recorder writes them. client-go's `tools/record`
//! (the kubelet, the controllers) writes `source`, `count`,
//! `firstTimestamp` and `lastTimestamp`; the scheduler's
//! `events.k8s.io/v1` recorder writes `eventTime`, `action`, the reporting
//! controller and, for repeats, a `series`. Times are RFC 3339 after the
//! run's start (`--start-time`; the Unix epoch without one): a
//! `metav1.Time` (`firstTimestamp`, `lastTimestamp`) in whole seconds, as
//! the API server keeps and writes it, a `MicroTime` (`eventTime`,
//! `lastObservedTime`) with six digits of fraction. Does not own which
//! events there are (`collect`, `correlate`) nor the table.

use super::{Recorded, Source, format_rfc3339, whole_seconds};
use serde_json::{Value, json};
use stsim_core::world::World;

/// The list, in the order given (`kubectl events` sorts by last time).
pub fn event_list(events: &[Recorded], world: &World, namespace: &str, start_ms: i64) -> Value {
    let items: Vec<Value> =
        events.iter().enumerate().map(|(i, e)| event(e, i, world, namespace, start_ms)).collect();
    json!({"apiVersion": "v1", "kind": "EventList", "metadata": {}, "items": items})
}

/// [`event_list`] as serde serializes it, each event made as it is
/// written: a writer that serializes as it goes holds one event at a
/// time, not the list.
pub struct EventList<'a> {
    pub events: &'a [Recorded],
    pub world: &'a World,
    pub namespace: &'a str,
    pub start_ms: i64,
}

impl serde::Serialize for EventList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("apiVersion", "v1")?;
        map.serialize_entry("kind", "EventList")?;
        map.serialize_entry("metadata", &serde_json::Map::new())?;
        map.serialize_entry("items", &Items(self))?;
        map.end()
    }
}

struct Items<'a>(&'a EventList<'a>);

impl serde::Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let list = self.0;
        let mut seq = serializer.serialize_seq(Some(list.events.len()))?;
        for (i, e) in list.events.iter().enumerate() {
            seq.serialize_element(&event(e, i, list.world, list.namespace, list.start_ms))?;
        }
        seq.end()
    }
}

fn event(e: &Recorded, index: usize, world: &World, namespace: &str, start_ms: i64) -> Value {
    let micro_at =
        |ms: u64| micro(&format_rfc3339(start_ms.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))));
    let (kind, namespaced) = (e.involved.kind_name(), e.involved.namespaced());
    let api_version = if kind == "StatefulSet" { "apps/v1" } else { "v1" };
    let mut involved = json!({"apiVersion": api_version, "kind": kind, "name": e.involved.name});
    if namespaced {
        involved["namespace"] = namespace.into();
    }
    if kind != "Node" {
        involved["uid"] = stsim_core::kube::uid(stsim_core::objects::Uid(e.involved.uid)).into();
    }
    if let Some(field_path) = &e.involved.field_path {
        involved["fieldPath"] = field_path.as_str().into();
    }
    // client-go names an event `<object>.<nanoseconds, in hex>`; the
    // position in the list keeps two of one millisecond apart.
    let first = start_ms.saturating_add(i64::try_from(e.first_ms).unwrap_or(i64::MAX));
    let nanos = first.saturating_mul(1_000_000).saturating_add(index as i64);
    let mut out = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{}.{:x}", e.involved.name, nanos),
            // Events about cluster-scoped objects are kept in `default`.
            "namespace": if namespaced { namespace } else { "default" },
        },
        "involvedObject": involved,
        "reason": e.reason,
        "message": e.message,
        "type": if e.warning { "Warning" } else { "Normal" },
    });
    match e.source {
        Source::Scheduler => {
            out["eventTime"] = micro_at(e.first_ms).into();
            out["action"] = if e.reason == "Scheduled" { "Binding" } else { "Scheduling" }.into();
            out["reportingComponent"] = "default-scheduler".into();
            out["reportingInstance"] = "default-scheduler".into();
            if e.count > 1 {
                out["series"] = json!({"count": e.count, "lastObservedTime": micro_at(e.last_ms)});
            }
        }
        Source::Kubelet(node) => {
            let host = world.node(node).name.as_str();
            out["source"] = json!({"component": "kubelet", "host": host});
            out["reportingComponent"] = "kubelet".into();
            out["reportingInstance"] = host.into();
            legacy(&mut out, e, start_ms);
        }
        Source::Controller(component) => {
            out["source"] = json!({"component": component});
            out["reportingComponent"] = component.into();
            legacy(&mut out, e, start_ms);
        }
    }
    out
}

/// `tools/record`'s count and times. The times are `metav1.Time`s: the
/// API server keeps whole seconds, and writes them so
/// (`2026-01-02T15:07:01Z` for an event last seen at 15:07:01.861).
fn legacy(out: &mut Value, e: &Recorded, start_ms: i64) {
    let at = |ms: u64| {
        format_rfc3339(whole_seconds(start_ms.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))))
    };
    out["count"] = e.count.into();
    out["firstTimestamp"] = at(e.first_ms).into();
    out["lastTimestamp"] = at(e.last_ms).into();
}

/// An RFC 3339 time with microseconds, as a `MicroTime` is written:
/// `2026-01-02T15:04:05.250000Z`.
fn micro(rfc3339: &str) -> String {
    let body = rfc3339.trim_end_matches('Z');
    match body.split_once('.') {
        Some((whole, fraction)) => format!("{whole}.{fraction:0<6}Z"),
        None => format!("{body}.000000Z"),
    }
}

#[cfg(test)]
mod tests {
    /// Serialized as it goes, the list is the `Value` one, in JSON (pretty
    /// and compact) and in every event's order.
    #[test]
    fn the_streamed_list_is_the_value_list() {
        let config = stsim_core::fixtures::scenario(
            "list",
            1,
            3,
            stsim_core::config::PodManagementPolicy::OrderedReady,
            stsim_core::time::SimDuration::from_mins(10),
        );
        let (sim, _) = stsim_core::run(config);
        let events = crate::events::recorded(&sim).events;
        assert!(events.len() > 3, "{events:?}");
        let value = super::event_list(&events, &sim.world, "default", 1_000);
        let list =
            super::EventList { events: &events, world: &sim.world, namespace: "default", start_ms: 1_000 };
        assert_eq!(
            serde_json::to_string_pretty(&list).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        assert_eq!(serde_json::to_string(&list).unwrap(), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn micro_times_have_six_digits() {
        assert_eq!(super::micro("2026-01-02T15:04:05Z"), "2026-01-02T15:04:05.000000Z");
        assert_eq!(super::micro("2026-01-02T15:04:05.250Z"), "2026-01-02T15:04:05.250000Z");
    }
}
