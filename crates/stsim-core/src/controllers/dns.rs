//! Endpoints and cluster DNS for the Services that govern pods.
//!
//! Owns the per-pod A records `<hostname>.<service>.<namespace>.svc.<domain>`.
//! A pod has a record while a live Service named like the pod's
//! `subdomain` selects it (a headless one; under CoreDNS one with a
//! cluster IP too: `DnsConfig::names_pods_of`), the pod has an IP, is not finished, and its
//! endpoint is ready: the pod is Ready and not terminating, or the Service
//! sets `publishNotReadyAddresses`, which marks every endpoint ready, a
//! terminating one included, so its record stays until the pod object is
//! gone. That is the EndpointSlice controller's rule (`ShouldPodBeInEndpoints`
//! keeps terminating pods; `podToEndpoint` sets `ready` to
//! `publishNotReadyAddresses || IsPodReady`, and false for a terminating
//! pod unless `publishNotReadyAddresses`), and CoreDNS serves ready
//! endpoints only.
//!
//! Also owns lookups through CoreDNS's cache ([`resolve`]): an answer, found
//! or NXDOMAIN, is cached cluster-wide and served until it expires, even if
//! the record has changed meanwhile (`cache 30` caps both; the `kubernetes`
//! plugin's records have `ttl 5`; k8s-facts section 4.4). Records themselves
//! are visible the instant they are published; only cached answers lag.
//!
//! And the names of a headless Service itself, as CoreDNS's `kubernetes`
//! plugin serves them from the endpoints ([`service_answers`]): the
//! Service name `<service>.<namespace>.svc.<domain>` answers the addresses
//! of all its ready endpoints (every endpoint with
//! `publishNotReadyAddresses`), whatever the pods' subdomain; and
//! `_<port>._tcp.<service>...` answers one SRV record per endpoint for a
//! named port of the Service: the target is the pod's own name
//! (`<hostname>.<service>...`) when its subdomain is the Service, else the
//! dashed address (`10-244-0-3.<service>...`), a name that answers A
//! queries too (the endpoint's address while it is a ready endpoint
//! without a hostname under the Service); the port is the one the
//! endpoint lists, the Service port's `targetPort` (by number, or the
//! pod's container port of that name: a pod without one has no record
//! of the port). They are computed, not
//! stored: kept over time (`World::dns_answer_log`) only for the names a
//! scenario's expectations ask about. Clients look them up through the
//! same cache ([`resolve_service`], [`resolve_srv`]). A Service with a
//! cluster IP answers its own name with that one address in a cluster
//! (and its SRV names with `<service>.<namespace>.svc.<domain>` as the
//! target); stsim gives no Service a cluster IP, so here those names
//! answer nothing.

use crate::api::Api;
use crate::events::EventKey;
use crate::objects::*;
use crate::world::{DnsRecord, World};

/// A pod changed: its record is brought up to date (`EventKey::DnsPod`).
pub fn pod_changed(api: &mut Api, pod: PodId) {
    api.wake(EventKey::DnsPod(pod));
}

/// A Service came, changed or went: the records of the pods it governs
/// follow (`EventKey::DnsService`).
pub fn service_changed(api: &mut Api, service: ServiceId) {
    api.wake(EventKey::DnsService(service));
}

/// Brings the record of pod `id` up to date.
pub fn sync_pod(api: &mut Api, id: PodId) {
    let world = api.world();
    let pod = world.pod(id);
    let service = world.service_named(&pod.subdomain).map(|s| world.service(s));
    // `<hostname>.<subdomain>.<namespace>.svc.<domain>`, joined without the
    // formatting machinery: this runs on every pod change.
    let fqdn =
        [pod.hostname.as_str(), ".", &pod.subdomain, ".", &world.namespace, ".svc.", &world.cluster_domain]
            .concat();
    let desired = service.and_then(|service| {
        let publish = pod.exists()
            && world.dns_config.names_pods_of(service)
            && service.selects(&pod.labels)
            && !pod.is_terminal()
            && (service.publish_not_ready_addresses || (pod.status.ready && !pod.is_terminating()));
        let ip = pod.status.pod_ip.filter(|_| publish)?;
        Some(DnsRecord { ip, pod: id, service: service.id })
    });
    let current = world.dns.get(&fqdn);
    match (current, desired) {
        (Some(current), Some(desired)) if *current == desired => {}
        (Some(current), None) if current.pod != id => {}
        (Some(_), desired) => {
            api.remove_dns_record(&fqdn);
            if let Some(desired) = desired {
                api.add_dns_record(fqdn, desired);
            }
        }
        (None, Some(desired)) => api.add_dns_record(fqdn, desired),
        (None, None) => {}
    }
    log_service_answers(api);
}

/// Brings the records of every pod a Service governs up to date.
pub fn sync_service(api: &mut Api, id: ServiceId) {
    let name = api.world().service(id).name.clone();
    let pods: Vec<PodId> = api.world().live_pods().filter(|p| p.subdomain == name).map(|p| p.id).collect();
    for pod in pods {
        sync_pod(api, pod);
    }
    log_service_answers(api);
}

/// A name a headless Service answers for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceName<'a> {
    /// `<service>.<namespace>.svc.<domain>`: A records.
    Service { service: &'a str },
    /// `_<port>._<protocol>.<service>.<namespace>.svc.<domain>`: SRV records.
    Srv { port: &'a str, protocol: &'a str, service: &'a str },
    /// `<a>-<b>-<c>-<d>.<service>.<namespace>.svc.<domain>`: the A record of
    /// an endpoint that has no hostname of its own under the Service (a
    /// selected pod whose subdomain is another's, or that has no hostname).
    /// CoreDNS names such an endpoint by its dashed address (the
    /// `kubernetes` plugin's `endpointHostname`), which is the target its SRV
    /// answers give for it, and answers A queries for that name.
    Endpoint { ip: Ipv4, service: &'a str },
}

/// The address a dashed label (`10-244-0-3`) writes, if it writes one.
pub fn dashed_address(label: &str) -> Option<Ipv4> {
    let mut octets = [0u8; 4];
    let mut parts = label.split('-');
    for octet in &mut octets {
        let part = parts.next()?;
        // Decimal octets as an address prints them: no sign, no leading zero.
        if part.is_empty()
            || part.len() > 3
            || !part.bytes().all(|b| b.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4(u32::from_be_bytes(octets)))
}

/// Whether `pod`'s endpoint in `service` is named by its own hostname (the
/// EndpointSlice controller sets the endpoint's hostname only for a pod
/// with a hostname whose subdomain is the Service) rather than by its
/// dashed address.
fn has_hostname_under(pod: &Pod, service: &Service) -> bool {
    pod.subdomain == service.name && !pod.hostname.is_empty()
}

/// What an endpoint's dashed name answers now: the address, while a ready
/// endpoint without a hostname of headless Service `service` has it.
fn endpoint_answer(world: &World, ip: Ipv4, service: &str) -> Option<Ipv4> {
    let service = world.service(world.service_named(service)?);
    if !world.dns_config.names_pods_of(service) {
        return None;
    }
    ready_endpoints(world, service)
        .any(|pod| pod.status.pod_ip == Some(ip) && !has_hostname_under(pod, service))
        .then_some(ip)
}

/// Reads `name` as a Service-level name of `namespace` under `domain`.
pub fn service_name<'a>(name: &'a str, namespace: &str, domain: &str) -> Option<ServiceName<'a>> {
    let rest =
        name.strip_suffix(domain)?.strip_suffix(".svc.")?.strip_suffix(namespace)?.strip_suffix('.')?;
    let labels: Vec<&str> = rest.split('.').collect();
    match labels.as_slice() {
        [service] if !service.is_empty() && !service.starts_with('_') => {
            Some(ServiceName::Service { service })
        }
        [host, service] => Some(ServiceName::Endpoint { ip: dashed_address(host)?, service }),
        [port, protocol, service] => Some(ServiceName::Srv {
            port: port.strip_prefix('_').filter(|p| !p.is_empty())?,
            protocol: protocol.strip_prefix('_').filter(|p| !p.is_empty())?,
            service,
        }),
        _ => None,
    }
}

/// What a Service-level name answers now, sorted: addresses for the
/// Service name, `<target>:<port>` for an SRV name; empty is NXDOMAIN (no
/// such headless Service, no such named port, no ready endpoint).
/// `None` when `name` is not a Service-level name.
pub fn service_answers(world: &crate::world::World, name: &str) -> Option<Vec<String>> {
    let parsed = service_name(name, &world.namespace, &world.cluster_domain)?;
    let service_name = match parsed {
        ServiceName::Service { service } | ServiceName::Srv { service, .. } => service,
        ServiceName::Endpoint { ip, service } => {
            // A pod may also hold the name as its own record (a hostname
            // that reads as an address): CoreDNS answers every endpoint so named.
            let mut answers: Vec<Ipv4> = world.dns.get(name).map(|record| record.ip).into_iter().collect();
            answers.extend(endpoint_answer(world, ip, service));
            answers.sort();
            answers.dedup();
            return Some(answers.into_iter().map(|ip| ip.to_string()).collect());
        }
    };
    let Some(service) = world.service_named(service_name).map(|s| world.service(s)).filter(|s| s.headless)
    else {
        return Some(Vec::new());
    };
    // Ports are TCP here (the Service's default protocol).
    let target = match parsed {
        ServiceName::Service { .. } | ServiceName::Endpoint { .. } => None,
        ServiceName::Srv { port, protocol, .. } => {
            match service.ports.iter().find(|p| p.name == port).filter(|_| protocol == "tcp") {
                Some(p) => Some(&p.target_port),
                None => return Some(Vec::new()),
            }
        }
    };
    let suffix = world.service_fqdn(&service.name);
    let mut answers: Vec<String> = ready_endpoints(world, service)
        .filter_map(|pod| {
            let ip = pod.status.pod_ip?;
            // A headless Service's SRV record gives the port its endpoint
            // lists, the target port (CoreDNS's `findServices` reads the
            // endpoint's ports); a pod without the named port has no such
            // port in its endpoint, so no record.
            let Some(target) = target else { return Some(ip.to_string()) };
            let port = target.resolve(pod.named_ports(), world.kubernetes.minor >= 33)?;
            Some(match has_hostname_under(pod, service) {
                true => format!("{}.{suffix}:{port}", pod.hostname),
                false => format!("{}.{suffix}:{port}", ip.to_string().replace('.', "-")),
            })
        })
        .collect();
    answers.sort();
    answers.dedup();
    Some(answers)
}

/// The pods a Service's endpoints list as ready: selected, not finished,
/// and Ready and not terminating, or any with `publishNotReadyAddresses`.
fn ready_endpoints<'w>(
    world: &'w crate::world::World,
    service: &'w Service,
) -> impl Iterator<Item = &'w Pod> {
    world.pods_selected_by(&service.selector).into_iter().map(|id| world.pod(id)).filter(|pod| {
        pod.exists()
            && !pod.is_terminal()
            && (service.publish_not_ready_addresses || (pod.status.ready && !pod.is_terminating()))
    })
}

/// What a client got when it looked a name up through the cluster DNS
/// cache: every answer (addresses, or SRV targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers<A> {
    /// The answers, sorted; empty for NXDOMAIN.
    pub answers: Vec<A>,
    pub cached: bool,
    /// When the answer given leaves the cache.
    pub expires_at: crate::time::SimTime,
    /// When the cached answer expires, if it differs from what DNS serves now.
    pub stale_until: Option<crate::time::SimTime>,
}

/// A Service name's A records: its ready endpoints' addresses.
pub type LookupAll = Answers<Ipv4>;
/// An SRV name's targets, `<target>:<port>`.
pub type LookupSrv = Answers<String>;

/// CoreDNS's cache in front of `live`, what DNS serves now: an unexpired
/// cached answer (`cached` reads it) is given as it is, stale if it differs
/// from `live`; otherwise `live` is given and cached (`store`) for the
/// positive TTL, or the negative one when it is empty.
fn through_cache<A: Clone + PartialEq>(
    api: &mut Api,
    cached: impl Fn(&World) -> Option<&(Vec<A>, crate::time::SimTime)>,
    live: Vec<A>,
    store: impl FnOnce(&mut Api, Vec<A>, crate::time::SimTime),
) -> Answers<A> {
    let now = api.now;
    if let Some((answers, expires_at)) = cached(api.world())
        && *expires_at > now
    {
        let stale_until = (*answers != live).then_some(*expires_at);
        return Answers { answers: answers.clone(), cached: true, expires_at: *expires_at, stale_until };
    }
    let config = api.world().dns_config;
    let ttl = if live.is_empty() { config.negative_ttl() } else { config.positive_ttl() };
    store(api, live.clone(), now + ttl);
    Answers { answers: live, cached: false, expires_at: now + ttl, stale_until: None }
}

/// Looks a headless Service's own name (`<service>.<namespace>.svc.<domain>`)
/// up through the cluster DNS cache: the addresses of its ready endpoints,
/// cached like any answer (NXDOMAIN when there is none).
pub fn resolve_service(api: &mut Api, service: &str) -> LookupAll {
    let world = api.world();
    let name = world.service_fqdn(service);
    let mut live: Vec<Ipv4> = world
        .service_named(service)
        .map(|s| world.service(s))
        .filter(|s| s.headless)
        .map(|s| ready_endpoints(world, s).filter_map(|p| p.status.pod_ip).collect())
        .unwrap_or_default();
    live.sort();
    live.dedup();
    through_cache(
        api,
        |world| world.dns_set_cache.get(&name),
        live,
        |api, answers, until| api.cache_dns_answers(&name, answers, until),
    )
}

/// Looks an SRV name (`_<port>._<proto>.<service>.<namespace>.svc.<domain>`)
/// up through the cluster DNS cache: one target per ready endpoint
/// ([`service_answers`]), cached like any answer (NXDOMAIN when there is none).
pub fn resolve_srv(api: &mut Api, name: &str) -> LookupSrv {
    let world = api.world();
    let live = service_answers(world, name).unwrap_or_default();
    through_cache(
        api,
        |world| world.dns_srv_cache.get(name),
        live,
        |api, answers, until| api.cache_dns_srv_answers(name, answers, until),
    )
}

/// Appends the Service-level answers that changed to the log kept for
/// expectations (nothing when no expectation asks for one). Every name
/// is looked at each time: not every change of an answer is a record of
/// its own (a terminating pod that finishes leaves a Service listing
/// not-ready addresses without one).
fn log_service_answers(api: &mut Api) {
    let Some(log) = &api.world().dns_answer_log else { return };
    if log.names.is_empty() {
        return;
    }
    let now = api.now;
    let mut changed = Vec::new();
    for name in &log.names {
        let answers = service_answers(api.world(), name).unwrap_or_default();
        if log.last.get(name) != Some(&answers) {
            changed.push((name.clone(), answers));
        }
    }
    if let Some(log) = &mut api.world.dns_answer_log {
        for (name, answers) in changed {
            log.entries.push((now, name.clone(), answers.clone()));
            log.last.insert(name, answers);
        }
    }
}

/// What a client got when it looked a name up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup {
    /// The address, or `None` for NXDOMAIN.
    pub answer: Option<Ipv4>,
    /// Whether the answer came from the cache.
    pub cached: bool,
    /// When the cached answer expires, if it differs from what DNS publishes now.
    pub stale_until: Option<crate::time::SimTime>,
    /// When the answer given (cached now, or already) leaves the cache.
    pub expires_at: crate::time::SimTime,
}

/// Looks `name` up through the cluster DNS cache.
pub fn resolve(api: &mut Api, name: &str) -> Lookup {
    let now = api.now;
    let world = api.world();
    let live = world.dns.get(name).map(|record| record.ip).or_else(|| {
        // Not a pod's own record: it may be an endpoint's dashed name (which
        // starts with a digit; most names that miss do not).
        if !name.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        match service_name(name, &world.namespace, &world.cluster_domain) {
            Some(ServiceName::Endpoint { ip, service }) => endpoint_answer(world, ip, service),
            _ => None,
        }
    });
    let cache = &api.world().dns_cache;
    if !cache.is_empty()
        && let Some(entry) = cache.get(name)
        && entry.expires_at > now
    {
        let stale_until = (entry.answer != live).then_some(entry.expires_at);
        return Lookup { answer: entry.answer, cached: true, stale_until, expires_at: entry.expires_at };
    }
    let config = api.world().dns_config;
    let ttl = if live.is_some() { config.positive_ttl() } else { config.negative_ttl() };
    api.cache_dns_answer(name, live, now + ttl);
    Lookup { answer: live, cached: false, stale_until: None, expires_at: now + ttl }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashed_address_is_four_decimal_octets_as_an_address_prints_them() {
        assert_eq!(dashed_address("10-244-3-2"), Some(Ipv4(u32::from_be_bytes([10, 244, 3, 2]))));
        assert_eq!(dashed_address("0-0-0-0"), Some(Ipv4(0)));
        assert_eq!(dashed_address("255-255-255-255"), Some(Ipv4(u32::MAX)));
        for not in [
            "",
            "10-244-3",
            "10-244-3-2-1",
            "10-244-03-2",
            "10-256-3-2",
            "10--3-2",
            "+1-2-3-4",
            "a-b-c-d",
            "1000-1-1-1",
        ] {
            assert_eq!(dashed_address(not), None, "{not:?}");
        }
        let name = |n: &'static str| service_name(n, "default", "cluster.local");
        let ip = Ipv4(u32::from_be_bytes([10, 244, 3, 2]));
        assert_eq!(
            name("10-244-3-2.etcd.default.svc.cluster.local"),
            Some(ServiceName::Endpoint { ip, service: "etcd" })
        );
        assert_eq!(name("etcd-0.etcd.default.svc.cluster.local"), None, "a pod's own name");
    }
}
