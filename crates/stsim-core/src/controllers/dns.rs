//! Endpoints and cluster DNS for headless Services.
//!
//! Owns the per-pod A records `<hostname>.<service>.<namespace>.svc.<domain>`.
//! A pod has a record while a live headless Service named like the pod's
//! `subdomain` selects it, the pod has an IP, is not terminating or
//! finished, and is Ready (or the Service sets `publishNotReadyAddresses`),
//! as the EndpointSlice controller (`ShouldPodBeInEndpoints`,
//! `ShouldSetHostname`) and the DNS specification have it.
//!
//! Does not model resolver caches: a record is visible the instant it is
//! published.

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
            && !pod.is_terminating()
            && !pod.is_terminal()
            && (pod.status.ready || service.publish_not_ready_addresses);
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
