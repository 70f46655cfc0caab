//! DNS and addresses as the EndpointSlice controller, CoreDNS and the
//! kubelet's sandboxes have them: terminating endpoints, and a new pod IP
//! after the node reboots.

use crate::support::{Log, run_file, t};

#[test]
fn a_terminating_pod_keeps_its_record_only_with_publish_not_ready_addresses() {
    let (sim, _) = run_file("terminating-endpoints");
    let log = Log(&sim);
    let keep = log.dns("keep-0.keep.default.svc.cluster.local");
    let drop = log.dns("drop-0.drop.default.svc.cluster.local");
    // Removed when the pod object goes (1m20s, after its 20 s shutdown)...
    assert_eq!(keep[1], (t("1m20s"), false, "10.244.2.2".to_string()), "{keep:?}");
    assert_eq!(log.removals("keep-0")[0], t("1m20s"));
    // ...against the moment it is deleted.
    assert_eq!(drop[1].0, t("1m"), "{drop:?}");
    assert!(!drop[1].1);
}

#[test]
fn a_rebooted_node_gives_its_pods_new_ips() {
    let (sim, _) = run_file("pod-ip-after-reboot");
    let records = Log(&sim).dns("web-0.web.default.svc.cluster.local");
    let ips: Vec<&str> =
        records.iter().filter(|(_, added, _)| *added).map(|(_, _, ip)| ip.as_str()).collect();
    assert_eq!(ips, ["10.244.1.2", "10.244.1.3"], "the record follows the new sandbox's address");
    let pod = sim.world.pod(sim.world.pod_named("web-0").unwrap());
    assert_eq!(pod.status.restarts, 1);
    // The old address went back to the node's range.
    let node = sim.world.node(pod.node.unwrap());
    assert_eq!(node.ips_in_use.len(), 1);
}
