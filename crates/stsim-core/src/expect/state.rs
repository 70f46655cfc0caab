//! Expectations about the state of an object at a time, as Kubernetes'
//! end-to-end tests assert it: a pod's phase, readiness, node, IP, image and
//! revision; a StatefulSet's status fields; a claim's binding and owners; a
//! pod not created in an interval; an update refused; a DNS answer as a
//! client gets it through the cache.
//!
//! Owns reading those states back from the finished run: object
//! incarnations from the world (which keeps every object it ever held), the
//! rest from the trace records up to the time asked. Does not own the
//! expectation language (`config`) or the verdict format (`expect`).

use super::{Detail, Verdict, context, mentions, verdict};
use crate::config::{ClaimExpect, Expectation, PodStateExpect, StatusExpect};
use crate::objects::*;
use crate::sim::Simulation;
use crate::time::SimTime;
use crate::trace::{Event, owner_name};

/// The expectation as a person would write it, for the variants here.
pub(super) fn describe(config: &crate::Config, expectation: &Expectation) -> Option<String> {
    let set = |index: &usize| config.statefulsets[*index].name.as_str();
    Some(match expectation {
        Expectation::PodState { pod, at, state } => format!("PodState({pod} at {at}: {})", pod_fields(state)),
        Expectation::StatefulSetStatus { statefulset, at, status } => {
            format!("StatefulSetStatus({} at {at}: {})", set(statefulset), status_fields(status))
        }
        Expectation::ClaimState { claim, at, state } => {
            format!("ClaimState({claim} at {at}: {})", claim_fields(state))
        }
        Expectation::PodNotCreated { pod, from, to } => format!("PodNotCreated({pod} from {from} to {to})"),
        Expectation::UpdateRefused { statefulset, message } => {
            format!("UpdateRefused({}: {message:?})", set(statefulset))
        }
        Expectation::DnsAnswer { name, at, resolves, ip, answers } => match (ip, answers) {
            (_, Some(answers)) if !answers.is_empty() => {
                format!("DnsAnswer({name} at {at}: {})", answers.join(", "))
            }
            (Some(ip), _) => format!("DnsAnswer({name} at {at}: {ip})"),
            _ => format!("DnsAnswer({name} at {at}: {})", if *resolves { "resolves" } else { "NXDOMAIN" }),
        },
        _ => return None,
    })
}

/// Checks one of the variants here.
pub(super) fn evaluate(
    sim: &Simulation,
    expectation: &Expectation,
    description: String,
    detail: Detail,
) -> Verdict {
    match expectation {
        Expectation::PodState { pod, at, state } => pod_state(sim, pod, *at, state, description, detail),
        Expectation::StatefulSetStatus { statefulset, at, status } => {
            set_status(sim, *statefulset, *at, status, description, detail)
        }
        Expectation::ClaimState { claim, at, state } => {
            claim_state(sim, claim, *at, state, description, detail)
        }
        Expectation::PodNotCreated { pod, from, to } => {
            let created: Vec<SimTime> = sim
                .trace
                .records
                .iter()
                .filter(|r| r.at >= *from && r.at <= *to)
                .filter(|r| matches!(r.event, Event::PodCreated { pod: id, .. } if sim.world.pod(id).name == *pod))
                .map(|r| r.at)
                .collect();
            let actual = match created.as_slice() {
                [] => format!("{pod} was not created from {from} to {to}"),
                times => {
                    let times: Vec<String> = times.iter().map(ToString::to_string).collect();
                    format!("{pod} was created at {}", times.join(", "))
                }
            };
            let context = context(sim, detail, Some(*to), mentions(pod));
            let expected = format!("no pod {pod} created from {from} to {to}");
            verdict(created.is_empty(), description, expected, actual, context)
        }
        Expectation::UpdateRefused { statefulset, message } => {
            let name = &sim.config.statefulsets[*statefulset].name;
            let refusals: Vec<(SimTime, &String)> = sim
                .trace
                .records
                .iter()
                .filter_map(|r| match &r.event {
                    Event::StatefulSetUpdateRejected { sts, message }
                        if sim.world.sts(*sts).name == *name =>
                    {
                        Some((r.at, message))
                    }
                    _ => None,
                })
                .collect();
            let passed = refusals.iter().any(|(_, m)| m.contains(message.as_str()));
            let actual = match refusals.as_slice() {
                [] => format!("no update of {name} was refused"),
                all => {
                    let said: Vec<String> = all.iter().map(|(at, m)| format!("at {at}: {m}")).collect();
                    format!("updates of {name} refused {}", said.join("; "))
                }
            };
            let expected = format!("an update of {name} refused with a message containing {message:?}");
            let object = format!("statefulset/{name}\t");
            let context = context(sim, detail, None, |_, line| line.contains(&object));
            verdict(passed, description, expected, actual, context)
        }
        Expectation::DnsAnswer { name, at, resolves, ip, answers } => {
            dns_answer(sim, name, *at, (*resolves, ip, answers), description, detail)
        }
        _ => unreachable!("only state expectations come here"),
    }
}

/// One field checked: its name, what was expected and what was so.
struct Field {
    name: &'static str,
    expected: String,
    actual: String,
}

/// Joins the fields into the verdict's two lines: every field expected, and
/// every field as it was, mismatches first and marked.
fn fields_verdict(subject: String, fields: Vec<Field>, description: String, context: Vec<String>) -> Verdict {
    let expected: Vec<String> = fields.iter().map(|f| format!("{} {}", f.name, f.expected)).collect();
    let wrong: Vec<String> = fields
        .iter()
        .filter(|f| f.expected != f.actual)
        .map(|f| format!("{} {} (expected {})", f.name, f.actual, f.expected))
        .collect();
    let actual = if wrong.is_empty() {
        let all: Vec<String> = fields.iter().map(|f| format!("{} {}", f.name, f.actual)).collect();
        format!("{subject}: {}", all.join(", "))
    } else {
        format!("{subject}: {}", wrong.join(", "))
    };
    verdict(wrong.is_empty(), description, format!("{subject}: {}", expected.join(", ")), actual, context)
}

fn field(
    name: &'static str,
    expected: &Option<impl ToString>,
    actual: impl FnOnce() -> String,
    out: &mut Vec<Field>,
) {
    if let Some(expected) = expected {
        out.push(Field { name, expected: expected.to_string(), actual: actual() });
    }
}

fn list_fields(pairs: Vec<(&str, Option<String>)>) -> String {
    let given: Vec<String> = pairs.into_iter().filter_map(|(k, v)| v.map(|v| format!("{k} {v}"))).collect();
    if given.is_empty() { "exists".to_string() } else { given.join(", ") }
}

fn pod_fields(s: &PodStateExpect) -> String {
    list_fields(vec![
        ("exists", s.exists.map(|v| v.to_string())),
        ("phase", s.phase.clone()),
        ("ready", s.ready.map(|v| v.to_string())),
        ("node", s.node.clone()),
        ("zone", s.zone.clone()),
        ("ip", s.ip.clone()),
        ("image", s.image.clone()),
        ("revision", s.revision.clone()),
        ("updated", s.updated.map(|v| v.to_string())),
        ("restarts", s.restarts.map(|v| v.to_string())),
        ("owner", s.owner.clone()),
    ])
}

fn status_fields(s: &StatusExpect) -> String {
    list_fields(vec![
        ("replicas", s.replicas.map(|v| v.to_string())),
        ("readyReplicas", s.ready_replicas.map(|v| v.to_string())),
        ("availableReplicas", s.available_replicas.map(|v| v.to_string())),
        ("currentReplicas", s.current_replicas.map(|v| v.to_string())),
        ("updatedReplicas", s.updated_replicas.map(|v| v.to_string())),
        ("currentRevision == updateRevision", s.current_is_update_revision.map(|v| v.to_string())),
    ])
}

fn claim_fields(s: &ClaimExpect) -> String {
    list_fields(vec![
        ("exists", s.exists.map(|v| v.to_string())),
        ("bound", s.bound.map(|v| v.to_string())),
        ("volume", s.volume.clone()),
        ("owners", s.owners.as_ref().map(|o| format!("[{}]", o.join(", ")))),
        ("terminating", s.terminating.map(|v| v.to_string())),
        ("capacity", s.capacity.map(|v| v.to_string())),
    ])
}

/// The incarnation of the named object alive at `at`: created at or before
/// it and not yet removed (the newest, if one went and another came at `at`).
fn alive_at<T>(
    items: &[T],
    at: SimTime,
    name: &str,
    meta: impl Fn(&T) -> (&str, SimTime, Option<SimTime>),
) -> Option<usize> {
    items.iter().enumerate().rev().find_map(|(i, item)| {
        let (n, created, removed) = meta(item);
        (n == name && created <= at && removed.is_none_or(|r| r > at)).then_some(i)
    })
}

/// A StatefulSet's last reported status at `at`, by name.
fn status_at(sim: &Simulation, name: &str, at: SimTime) -> Option<StatefulSetStatus> {
    sim.trace.records.iter().take_while(|r| r.at <= at).fold(None, |last, r| match &r.event {
        Event::StatefulSetStatus { sts, status } if sim.world.sts(*sts).name == name => {
            Some((**status).clone())
        }
        _ => last,
    })
}

fn pod_state(
    sim: &Simulation,
    name: &str,
    at: SimTime,
    want: &PodStateExpect,
    description: String,
    detail: Detail,
) -> Verdict {
    let world = &sim.world;
    let id = alive_at(&world.pods, at, name, |p| (p.name.as_str(), p.created_at, p.removed_at))
        .map(|i| PodId(i as u32));
    let mut fields = Vec::new();
    let exists = want.exists.or(Some(true));
    field("exists", &exists, || id.is_some().to_string(), &mut fields);
    if let Some(id) = id {
        let pod = world.pod(id);
        // What the trace says of this incarnation up to `at`.
        let (mut ready, mut node, mut ip, mut restarts) = (false, None, None, 0);
        for record in sim.trace.records.iter().take_while(|r| r.at <= at) {
            match &record.event {
                Event::PodReady { pod, ready: r } if *pod == id => ready = *r,
                Event::PodScheduled { pod, node: n } if *pod == id => node = Some(*n),
                Event::PodStatus { pod, ip: i, restarts: r, .. } if *pod == id => {
                    ip = *i;
                    restarts = *r;
                }
                _ => {}
            }
        }
        let node_name = node.map(|n| world.node(n).name.clone()).unwrap_or_default();
        let zone = node.map(|n| world.node(n).zone.clone()).unwrap_or_default();
        field("phase", &want.phase, || format!("{:?}", pod.history.phase_at(at)), &mut fields);
        field("ready", &want.ready, || ready.to_string(), &mut fields);
        field("node", &want.node, || node_name.clone(), &mut fields);
        field("zone", &want.zone, || zone.clone(), &mut fields);
        field("ip", &want.ip, || ip.map(|ip| ip.to_string()).unwrap_or_default(), &mut fields);
        field("image", &want.image, || pod.image.clone(), &mut fields);
        field("revision", &want.revision, || pod.revision().to_string(), &mut fields);
        field(
            "updated",
            &want.updated,
            || {
                let set = pod.owner.map(|s| world.sts(s).name.clone());
                let update = set.and_then(|s| status_at(sim, &s, at)).map(|s| s.update_revision);
                (update.as_deref() == Some(pod.revision())).to_string()
            },
            &mut fields,
        );
        field("restarts", &want.restarts, || restarts.to_string(), &mut fields);
        let owner = || {
            pod.history.owner_at(at).map(|s| format!("StatefulSet/{}", world.sts(s).name)).unwrap_or_default()
        };
        field("owner", &want.owner, owner, &mut fields);
    }
    let context = context(sim, detail, Some(at), mentions(name));
    fields_verdict(format!("{name} at {at}"), fields, description, context)
}

fn set_status(
    sim: &Simulation,
    index: usize,
    at: SimTime,
    want: &StatusExpect,
    description: String,
    detail: Detail,
) -> Verdict {
    let name = &sim.config.statefulsets[index].name;
    let status = status_at(sim, name, at);
    let context = context(
        sim,
        detail,
        Some(at),
        |r, _| matches!(&r.event, Event::StatefulSetStatus { sts, .. } if sim.world.sts(*sts).name == *name),
    );
    let Some(s) = status else {
        let expected = format!("{name} at {at}: {}", status_fields(want));
        return verdict(false, description, expected, format!("{name} reported no status by {at}"), context);
    };
    let mut fields = Vec::new();
    field("replicas", &want.replicas, || s.replicas.to_string(), &mut fields);
    field("readyReplicas", &want.ready_replicas, || s.ready_replicas.to_string(), &mut fields);
    field("availableReplicas", &want.available_replicas, || s.available_replicas.to_string(), &mut fields);
    field("currentReplicas", &want.current_replicas, || s.current_replicas.to_string(), &mut fields);
    field("updatedReplicas", &want.updated_replicas, || s.updated_replicas.to_string(), &mut fields);
    field(
        "currentRevision == updateRevision",
        &want.current_is_update_revision,
        || (s.current_revision == s.update_revision).to_string(),
        &mut fields,
    );
    fields_verdict(format!("{name} at {at}"), fields, description, context)
}

fn claim_state(
    sim: &Simulation,
    name: &str,
    at: SimTime,
    want: &ClaimExpect,
    description: String,
    detail: Detail,
) -> Verdict {
    let world = &sim.world;
    let id = alive_at(&world.pvcs, at, name, |c| (c.name.as_str(), c.created_at, c.removed_at))
        .map(|i| PvcId(i as u32));
    let mut fields = Vec::new();
    let exists = want.exists.or(Some(true));
    field("exists", &exists, || id.is_some().to_string(), &mut fields);
    if let Some(id) = id {
        let claim = world.pvc(id);
        let (mut volume, mut owners) = (None, Vec::new());
        for record in sim.trace.records.iter().take_while(|r| r.at <= at) {
            match &record.event {
                Event::PvcBound { pvc, pv } if *pvc == id => volume = Some(*pv),
                Event::PvcOwnersUpdated { pvc, owners: o } if *pvc == id => {
                    owners = o.iter().map(|o| owner_name(world, o)).collect();
                }
                _ => {}
            }
        }
        field("bound", &want.bound, || volume.is_some().to_string(), &mut fields);
        field(
            "volume",
            &want.volume,
            || volume.map(|v| world.pv(v).name.clone()).unwrap_or_default(),
            &mut fields,
        );
        let owner_list = want.owners.as_ref().map(|o| format!("[{}]", o.join(", ")));
        field("owners", &owner_list, || format!("[{}]", owners.join(", ")), &mut fields);
        let terminating = claim.deletion_timestamp.is_some_and(|t| t <= at);
        field("terminating", &want.terminating, || terminating.to_string(), &mut fields);
        // The volume's size then: the size before the first expansion after `at`.
        let capacity = volume.map_or(0, |v| {
            let pv = world.pv(v);
            pv.resized.iter().find(|(t, _)| *t > at).map_or(pv.capacity_bytes, |(_, before)| *before)
        });
        field("capacity", &want.capacity, || capacity.to_string(), &mut fields);
    }
    let context = context(sim, detail, Some(at), mentions(name));
    fields_verdict(format!("{name} at {at}"), fields, description, context)
}

/// What a client asking at `at` gets: the cache's answer while one put there
/// earlier has not expired (found or NXDOMAIN, even if the record changed
/// since), else the record as published at `at`. The client is passive: its
/// own question does not fill the cache for the run.
fn dns_answer(
    sim: &Simulation,
    name: &str,
    at: SimTime,
    (resolves, ip, answers): (bool, &Option<String>, &Option<Vec<String>>),
    description: String,
    detail: Detail,
) -> Verdict {
    let world = &sim.world;
    let parsed = crate::controllers::dns::service_name(name, &world.namespace, &world.cluster_domain);
    let endpoint = matches!(parsed, Some(crate::controllers::dns::ServiceName::Endpoint { .. }));
    if parsed.is_some() && !endpoint {
        return service_answer(sim, name, at, (resolves, ip, answers), description, detail);
    }
    let cached = sim
        .world
        .dns_cache_log
        .iter()
        .flatten()
        .rfind(|(put, n, _)| n == name && *put <= at)
        .filter(|(_, _, entry)| entry.expires_at > at)
        .map(|(put, _, entry)| (*put, *entry));
    // An endpoint's dashed name is worked out, not published as a record:
    // its answers were logged as they changed, like a Service's name's.
    let published = if endpoint { logged_address(sim, name, at) } else { published_record(sim, name, at) };
    let (answer, how) = match cached {
        Some((put, entry)) => {
            (entry.answer, format!("from the cache (cached at {put}, until {})", entry.expires_at))
        }
        None => (published, "from the published record".to_string()),
    };
    let got = answer.map_or("NXDOMAIN".to_string(), |ip| ip.to_string());
    let got_all: Vec<String> = answer.iter().map(|ip| ip.to_string()).collect();
    let passed = answer.is_some() == resolves
        && ip.as_ref().is_none_or(|want| Some(want.clone()) == answer.map(|a| a.to_string()))
        && answers.as_ref().is_none_or(|want| same_answers(want, &got_all));
    let expected = expected_answer(name, at, (resolves, ip, answers));
    let record = published.map_or("none".to_string(), |ip| ip.to_string());
    let actual = format!("{name} answered {got} at {at}, {how}; the published record: {record}");
    let context = context(sim, detail, Some(at), |r, line| {
        line.contains(name) || matches!(&r.event, Event::DnsNegativeCached { name: n, .. } if n == name)
    });
    verdict(passed, description, expected, actual, context)
}

/// The address of the record named `name` published at `at`, if any.
pub(crate) fn published_record(sim: &Simulation, name: &str, at: SimTime) -> Option<crate::objects::Ipv4> {
    let mut published = None;
    for record in sim.trace.records.iter().take_while(|r| r.at <= at) {
        match &record.event {
            Event::DnsAdded { name: n, ip } if n == name => published = Some(*ip),
            Event::DnsRemoved { name: n, .. } if n == name => published = None,
            _ => {}
        }
    }
    published
}

/// What a Service-level name answered at `at`, as logged (`World::dns_answer_log`).
pub(crate) fn logged_answers(sim: &Simulation, name: &str, at: SimTime) -> Vec<String> {
    sim.world
        .dns_answer_log
        .iter()
        .flat_map(|log| log.entries.iter())
        .rfind(|(when, n, _)| n == name && *when <= at)
        .map(|(_, _, answers)| answers.clone())
        .unwrap_or_default()
}

/// The first address an endpoint's dashed name answered at `at`, as logged.
fn logged_address(sim: &Simulation, name: &str, at: SimTime) -> Option<crate::objects::Ipv4> {
    let answers = logged_answers(sim, name, at);
    let first: std::net::Ipv4Addr = answers.first()?.parse().ok()?;
    Some(crate::objects::Ipv4(u32::from(first)))
}

/// What a `DnsAnswer` expects, in words.
fn expected_answer(
    name: &str,
    at: SimTime,
    (resolves, ip, answers): (bool, &Option<String>, &Option<Vec<String>>),
) -> String {
    match (ip, answers) {
        (_, Some(answers)) if answers.is_empty() => format!("{name} answers NXDOMAIN at {at}"),
        (_, Some(answers)) => format!("{name} answers exactly {} at {at}", answers.join(", ")),
        (Some(ip), None) => format!("{name} answers {ip} at {at}"),
        (None, None) if resolves => format!("{name} resolves at {at}"),
        (None, None) => format!("{name} answers NXDOMAIN at {at}"),
    }
}

/// The same answers, in any order.
fn same_answers(want: &[String], got: &[String]) -> bool {
    let mut want = want.to_vec();
    want.sort();
    want.dedup();
    want == got
}

/// A Service-level name (the Service's own A records, or its SRV records)
/// asked at `at`: a cached answer if a client's lookup put one there,
/// else what the endpoints answered then (`dns::service_answers`, logged
/// as they changed).
fn service_answer(
    sim: &Simulation,
    name: &str,
    at: SimTime,
    (resolves, ip, answers): (bool, &Option<String>, &Option<Vec<String>>),
    description: String,
    detail: Detail,
) -> Verdict {
    // A client's lookup of a Service name caches every address of it.
    let cached = sim
        .world
        .dns_answer_log
        .iter()
        .flat_map(|log| log.cached.iter())
        .rfind(|(put, n, _, _)| n == name && *put <= at)
        .filter(|(_, _, _, until)| *until > at)
        .map(|(put, _, answers, until)| (*put, answers.clone(), *until));
    let published = logged_answers(sim, name, at);
    let (got, how) = match cached {
        Some((put, answers, until)) => (answers, format!("from the cache (cached at {put}, until {until})")),
        None => (published.clone(), "from the endpoints published then".to_string()),
    };
    let passed = got.is_empty() != resolves
        && ip.as_ref().is_none_or(|want| got.contains(want))
        && answers.as_ref().is_none_or(|want| same_answers(want, &got));
    let words = |answers: &[String]| {
        if answers.is_empty() { "NXDOMAIN".to_string() } else { answers.join(", ") }
    };
    let actual = format!("{name} answered {} at {at}, {how}", words(&got));
    let context = context(sim, detail, Some(at), |_, line| line.contains("\tdns\t"));
    verdict(passed, description, expected_answer(name, at, (resolves, ip, answers)), actual, context)
}
