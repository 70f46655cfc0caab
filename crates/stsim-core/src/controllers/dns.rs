//! Endpoints and cluster DNS for headless Services.
//!
//! Owns the per-pod A records `<hostname>.<service>.<namespace>.svc.<domain>`.
//! A pod has a record while a live headless Service named like the pod's
//! `subdomain` selects it, the pod has an IP, is not finished, and its
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

use crate::api::Api;
use crate::objects::*;
use crate::world::DnsRecord;

/// Brings the record of pod `id` up to date.
pub fn sync_pod(api: &mut Api, id: PodId) {
    let world = api.world();
    let pod = world.pod(id);
    let service = world.service_named(&pod.subdomain).map(|s| world.service(s));
    let fqdn = format!("{}.{}.{}.svc.{}", pod.hostname, pod.subdomain, world.namespace, world.cluster_domain);
    let desired = service.and_then(|service| {
        let publish = pod.exists()
            && service.headless
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
}

/// Brings the records of every pod a Service governs up to date.
pub fn sync_service(api: &mut Api, id: ServiceId) {
    let name = api.world().service(id).name.clone();
    let pods: Vec<PodId> = api.world().live_pods().filter(|p| p.subdomain == name).map(|p| p.id).collect();
    for pod in pods {
        sync_pod(api, pod);
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
}

/// Looks `name` up through the cluster DNS cache.
pub fn resolve(api: &mut Api, name: &str) -> Lookup {
    let now = api.now;
    let live = api.world().dns.get(name).map(|record| record.ip);
    if let Some(entry) = api.world().dns_cache.get(name)
        && entry.expires_at > now
    {
        let stale_until = (entry.answer != live).then_some(entry.expires_at);
        return Lookup { answer: entry.answer, cached: true, stale_until };
    }
    let config = api.world().dns_config;
    let ttl = if live.is_some() { config.positive_ttl() } else { config.negative_ttl() };
    api.cache_dns_answer(name, live, now + ttl);
    Lookup { answer: live, cached: false, stale_until: None }
}
