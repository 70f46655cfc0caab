//! The database parts of the format: replication and lease fields, the
//! failover operator's options, zone partitions, membership actions and the
//! data-loss expectations: what they become, and each error's code, place
//! and wording.

use stsim_core::config::*;
use stsim_core::time::SimDuration;
use stsim_scenario::{Diagnostic, parse_scenario};

const BASE: &str = r#"Scenario(
    name: "db",
    cluster: (zones: ["zone-a", "zone-b"], nodePools: [(name: "worker", count: 3)]),
    services: [(name: "pg-svc", clusterIP: "None", selector: {"app": "pg"})],
    statefulsets: [(
        name: "pg",
        app: PrimaryReplica(addressing: Dns),
        serviceName: "pg-svc",
        replicas: 3,
        template: (labels: {"app": "pg"}, image: "postgres:16"),
        volumeClaimTemplates: [(name: "data", storage: "1Gi")],
    ), (
        name: "web",
        serviceName: "pg-svc",
        template: (image: "nginx:1.25"),
    )],
    operators: [],
    timeline: [],
    expect: [],
)
"#;

fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old:?} is not in the base scenario");
    BASE.replacen(old, new, 1)
}

fn position(source: &str, needle: &str) -> (usize, usize) {
    let offset = source.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &source[..offset];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap_or("").chars().count() + 1)
}

fn only_error(source: &str) -> Diagnostic {
    match parse_scenario(source, "test.ron") {
        Ok(config) => panic!("expected an error, got {config:#?}"),
        Err(mut diagnostics) => {
            assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
            diagnostics.remove(0)
        }
    }
}

fn check(d: &Diagnostic, code: &str, source: &str, needle: &str, phrase: &str) {
    assert_eq!(d.code, code, "{d:#?}");
    assert_eq!((d.line, d.column), position(source, needle), "{d:#?}");
    assert!(d.message.contains(phrase), "{:?} does not contain {phrase:?}", d.message);
}

#[test]
fn database_fields_become_config() {
    let source = edit(
        "app: PrimaryReplica(addressing: Dns),",
        r#"app: PrimaryReplica(addressing: Dns, writeRate: 250, leaseTtl: "20s", leaseRenew: "5s", synchronous: true),"#,
    )
    .replace(
        "operators: [],",
        r#"operators: [(operator: Failover(after: "10s", pick: MostCaughtUp, fencing: PowerOffNode, checkEvery: "5s"))],"#,
    )
    .replace(
        "timeline: [],",
        r#"timeline: [(at: "1m", do: PartitionZone(zone: "zone-b")), (at: "2m", do: RecoverZone(zone: "zone-b")),
                   (at: "3m", do: RemoveMember(pod: "pg-2")), (at: "4m", do: AddMember(pod: "pg-2"))],"#,
    )
    .replace("expect: [],", r#"expect: [NoWritesLost(app: "pg"), NeverSplitBrain(app: "pg")],"#);
    let config = parse_scenario(&source, "test.ron").unwrap();
    let app = config.statefulsets[0].app.as_ref().unwrap();
    assert_eq!(app.write_rate, 250);
    assert_eq!(app.lease_ttl, SimDuration::from_secs(20));
    assert_eq!(app.lease_renew, SimDuration::from_secs(5));
    assert!(app.synchronous);
    assert_eq!(
        config.operators[0].kind,
        OperatorKind::Failover {
            after: SimDuration::from_secs(10),
            pick: FailoverPick::MostCaughtUp,
            fencing: Fencing::PowerOffNode,
            check_every: Some(SimDuration::from_secs(5)),
        }
    );
    let actions: Vec<&Action> = config.timeline.iter().map(|e| &e.action).collect();
    let pg2 = PodRef { statefulset: 0, ordinal: 2 };
    assert_eq!(
        actions,
        [
            &Action::PartitionZone { zone: 1 },
            &Action::RecoverZone { zone: 1 },
            &Action::RemoveMember { pod: pg2 },
            &Action::AddMember { pod: pg2 },
        ]
    );
    let expect: Vec<&Expectation> = config.expect.iter().map(|e| &e.expectation).collect();
    assert_eq!(expect, [&Expectation::NoWritesLost { app: 0 }, &Expectation::NeverSplitBrain { app: 0 }]);
}

#[test]
fn defaults_are_patronis() {
    let config = parse_scenario(BASE, "test.ron").unwrap();
    let app = config.statefulsets[0].app.as_ref().unwrap();
    assert_eq!((app.lease_ttl, app.lease_renew), (SimDuration::from_secs(30), SimDuration::from_secs(10)));
    assert!(!app.synchronous);
}

#[test]
fn a_lease_renewed_no_faster_than_it_expires_is_an_error() {
    let source = edit(
        "app: PrimaryReplica(addressing: Dns),",
        r#"app: PrimaryReplica(addressing: Dns, leaseTtl: "10s", leaseRenew: "10s"),"#,
    );
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"10s\"),", "leaseRenew 10s with leaseTtl 10s");
}

#[test]
fn a_zero_health_check_period_is_an_error() {
    let source =
        edit("operators: [],", r#"operators: [(operator: Failover(after: "10s", checkEvery: "0s"))],"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"0s\"", "must be positive");
}

#[test]
fn an_unknown_zone_is_named_with_a_suggestion() {
    let source = edit("timeline: [],", r#"timeline: [(at: "1m", do: PartitionZone(zone: "zone-c"))],"#);
    let d = only_error(&source);
    check(&d, "unknown-reference", &source, "\"zone-c\"", "not one of `cluster.zones`");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("zone-a")), "{d:#?}");
}

#[test]
fn a_member_change_needs_an_application() {
    let source = edit("timeline: [],", r#"timeline: [(at: "1m", do: RemoveMember(pod: "web-0"))],"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"web-0\"", "runs no application model");
}

#[test]
fn no_writes_lost_needs_a_primary_replica_application() {
    let source = edit("app: PrimaryReplica(addressing: Dns),", "app: Quorum(system: Etcd),")
        .replace("expect: [],", r#"expect: [NoWritesLost(app: "pg")],"#);
    let d = only_error(&source);
    check(&d, "invalid-value", &source, "\"pg\")]", "NoWritesLost needs a PrimaryReplica application");
}

/// An application's members are bounded (`Limits::app_members`), at the
/// set's replicas or at the timeline's first scale past the bound; a set
/// without an application is not, and `--allow-large` raises the bound.
#[test]
fn an_application_has_at_most_the_limit_of_members() {
    let limit = stsim_scenario::limits::Limits::DEFAULT.app_members;
    let source = edit("replicas: 3,", &format!("replicas: {},", limit + 1));
    let d = only_error(&source);
    let phrase = format!("Invalid value: {}: must be no more than {limit}, the members", limit + 1);
    check(&d, "limit", &source, &format!("{},", limit + 1), &phrase);
    assert!(d.message.contains("(StatefulSet pg runs one)"), "{d:#?}");
    assert!(parse_scenario(&edit("replicas: 3,", &format!("replicas: {limit},")), "test.ron").is_ok());
    // Scaled past it by the timeline: shown at that entry.
    let source = edit(
        "timeline: [],",
        &format!(
            r#"timeline: [(at: "1m", do: Scale(statefulset: "pg", replicas: {limit})),
        (at: "2m", do: Scale(statefulset: "pg", replicas: {})),
        (at: "3m", do: Scale(statefulset: "pg", replicas: {}))],"#,
            limit + 1,
            limit + 2
        ),
    );
    let d = only_error(&source);
    check(&d, "limit", &source, &format!("{})", limit + 1), &format!("Invalid value: {}:", limit + 1));
    // Made again with more replicas (`RecreateStatefulSet` keeps the application).
    let source = edit(
        "timeline: [],",
        &format!(
            r#"timeline: [(at: "1m", do: RecreateStatefulSet(statefulset: "pg", replicas: {}))],"#,
            limit + 1
        ),
    );
    let d = only_error(&source);
    check(&d, "limit", &source, &format!("{})", limit + 1), &format!("Invalid value: {}:", limit + 1));
    // A set that runs no application: only the replicas limit.
    let source = BASE.replacen(
        "name: \"web\",\n        serviceName",
        &format!("name: \"web\",\n        replicas: {},\n        serviceName", limit + 1),
        1,
    );
    assert!(parse_scenario(&source, "test.ron").is_ok());
    // `--allow-large`.
    let large = stsim_scenario::limits::Limits::LARGE;
    assert!(large.app_members > limit);
    let source = edit("replicas: 3,", &format!("replicas: {},", limit + 1));
    let mut no_files = |_: &str| Err("no files".to_string());
    assert!(stsim_scenario::parse_scenario_within(&source, "test.ron", &mut no_files, &large).is_ok());
}
