//! The stories told around a bare manifest: a cluster and a timeline.
//!
//! Owns what `stsim run -f x.yaml [--story NAME]` simulates when the user
//! brings only workloads: three zones, a node pool sized from the pods'
//! requests, a `gp3`-like WaitForFirstConsumer default storage class unless
//! a class is the default (and, when the manifests define no class, one for
//! each class the claims name, the first the default), and a timeline of
//! the things people fear, aimed at the first StatefulSet. Nodes and
//! classes the manifests do define are used as given; when they define
//! classes, a class they leave out is not made up, and notes say so. The
//! result is a `raw::Scenario`, validated like any other.

use super::Collected;
use crate::raw;

/// The stories, by name, with what each does.
pub const STORIES: &[(&str, &str)] = &[
    ("default", "start, a node crash and its recovery, a scale-down and back, a rolling update"),
    ("start", "only the start: pods, claims, volumes and DNS names coming up"),
    ("node-crash", "the node of the first pod crashes after the start and stays down for 10 minutes"),
    ("scale-down", "scale down by one replica (to zero from one), then back up"),
    ("rolling-update", "a new image is rolled out to every pod"),
    (
        "rollout-restart",
        "`kubectl rollout restart` of the first StatefulSet: every pod replaced in its order, nothing else changed",
    ),
    (
        "drain",
        "`kubectl drain` of the node of the first pod, honouring PodDisruptionBudgets, then `kubectl uncordon` of it",
    ),
];

fn at(seconds: u64, action: raw::Action) -> raw::TimelineEntry {
    let at = stsim_core::time::SimDuration::from_secs(seconds).to_string();
    raw::TimelineEntry { at: Some(at), when: None, after: None, action }
}

/// Rounds up to a whole multiple of `unit`.
fn round_up(value: u64, unit: u64) -> u64 {
    value.div_ceil(unit).saturating_mul(unit)
}

/// The image a rolling update moves to: the same repository, a new tag.
fn next_image(image: &str) -> String {
    let name_end = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_end..].find(':') {
        Some(_) => format!("{image}-next"),
        None => format!("{image}:next"),
    }
}

/// Builds the scenario `story` tells around what the manifests hold, with
/// the notes for the warning on what it made up (a class without a price).
/// `None` if no story has that name.
pub(crate) fn build(story: &str, collected: &Collected, name: &str) -> Option<(raw::Scenario, Vec<String>)> {
    let (_, summary) = STORIES.iter().find(|(n, _)| *n == story)?;
    let sets = &collected.statefulsets;
    let max_replicas = sets.iter().map(|s| story_replicas(s.replicas)).max().unwrap_or(1);
    // One node per replica of the largest set (three at least, fifty at
    // most), and more if the pods would not fit under the kubelet's default
    // `maxPods` (110) with room for twice each node's share: many small
    // sets (a namespace's dump) need more nodes than their largest set has
    // replicas. Each node has room for twice its share of every set's pods.
    let per_pod = |text: Option<&String>, parse: fn(&str) -> Result<u64, String>| {
        text.and_then(|t| parse(t).ok()).unwrap_or(0)
    };
    let cpu: u64 = sets
        .iter()
        .map(|s| {
            per_pod(
                s.template.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.cpu.as_ref()),
                crate::parse_cpu,
            )
        })
        .fold(0, u64::saturating_add);
    let memory: u64 = sets
        .iter()
        .map(|s| {
            per_pod(
                s.template
                    .resources
                    .as_ref()
                    .and_then(|r| r.requests.as_ref())
                    .and_then(|r| r.memory.as_ref()),
                crate::parse_quantity,
            )
        })
        .fold(0, u64::saturating_add);
    let pods = sets.iter().map(|s| story_replicas(s.replicas)).fold(0, u64::saturating_add);
    let for_pods = pods.saturating_mul(2).div_ceil(u64::from(stsim_core::config::DEFAULT_MAX_PODS));
    let node_count = max_replicas.clamp(3, 50).max(for_pods).min(crate::limits::Limits::DEFAULT.nodes);
    let share = 2 * max_replicas.div_ceil(node_count).max(1);
    // Saturating: requests as large as a quantity allows must give a node
    // the validator refuses by its limits, not an overflow.
    let node_cpu = round_up(share.saturating_mul(cpu).max(4_000), 1_000);
    let node_memory = round_up(share.saturating_mul(memory).max(16 << 30), 1 << 30);
    let node_pools = if collected.node_pools.is_empty() {
        vec![raw::NodePool {
            names: None,
            name: "worker".to_string(),
            count: Some(node_count as i64),
            cpu: Some(format!("{}", node_cpu / 1_000)),
            memory: Some(format!("{}Gi", node_memory >> 30)),
            max_pods: None,
            zones: None,
            taints: None,
            labels: None,
            racks: None,
            rack_label: None,
            failures: None,
            maintenance: None,
            shutdown_grace_period: None,
            shutdown_grace_period_critical_pods: None,
            volume_attach_limits: None,
            preloaded_images: None,
        }]
    } else {
        collected.node_pools.clone()
    };
    // The zones of the Nodes given; else three of us-east-1, unless the
    // volumes given, or the zones a class's `allowedTopologies` allows, are
    // in other zones (a `kubectl get pv` of a cluster in another region:
    // its disks name its zones), which are then the zones.
    let default_zones = ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec();
    let mut volume_zones: Vec<String> = Vec::new();
    let allowed_zones = (collected.storage_classes.iter())
        .flat_map(|class| class.allowed_topologies.iter().flatten())
        .flat_map(|term| term.match_label_expressions.iter())
        .filter(|requirement| stsim_core::config::ZONE_TOPOLOGY_KEYS.contains(&requirement.key.as_str()))
        .flat_map(|requirement| requirement.values.iter());
    for zone in (collected.persistent_volumes.iter())
        .flat_map(|v| v.zone.iter().chain(v.zones.iter().flatten()))
        .chain(allowed_zones)
    {
        if !volume_zones.contains(zone) {
            volume_zones.push(zone.clone());
        }
    }
    let zones = if !collected.zones.is_empty() {
        collected.zones.clone()
    } else if volume_zones.iter().all(|z| default_zones.contains(z)) {
        default_zones
    } else {
        volume_zones
    };
    // The classes the claims name, and a default one, gp3-like where missing.
    let mut classes = collected.storage_classes.clone();
    let gp3 = |name: &str, default: bool| raw::StorageClass {
        name: name.to_string(),
        provisioner: Some("ebs.csi.aws.com".to_string()),
        volume_binding_mode: Some(raw::VolumeBindingMode::WaitForFirstConsumer),
        reclaim_policy: Some(raw::ReclaimPolicy::Delete),
        zonal: Some(true),
        regional: None,
        local: None,
        usd_per_gib_month: None,
        // The provisioner's usual class, gp3: priced as the aws-gp3 preset.
        pricing: None,
        iops: None,
        iops_per_gb: None,
        throughput: None,
        default: Some(default),
        allow_volume_expansion: None,
        // Made up: the cluster's own classes, which the story stands in for.
        assumed: Some(true),
        allowed_topologies: None,
    };
    // A class only volumes made by hand name (the tutorial's `manual`) is
    // a name for static binding, which needs no StorageClass object: none
    // is made up, so a claim no such volume fits waits, as it would.
    let static_only = |class: &str| {
        let named: Vec<&raw::PersistentVolume> = (collected.persistent_volumes.iter())
            .filter(|v| v.storage_class_name.as_deref() == Some(class))
            .collect();
        !named.is_empty() && named.iter().all(|v| v.provisioned_by.is_none())
    };
    // A class that volumes a provisioner made name (`kubectl get pv` of a
    // cluster, without its StorageClass objects) is made up of that
    // provisioner: zonal, local and priced as its volumes are (free of a
    // price stsim has not, and said so).
    let provisioner_of = |class: &str| {
        (collected.persistent_volumes.iter())
            .filter(|v| v.storage_class_name.as_deref() == Some(class))
            .find_map(|v| v.provisioned_by.clone())
    };
    let mut notes = Vec::new();
    // The claim templates' classes, then the claims' of their own (a
    // `kubectl get pvc -o yaml` of a cluster without its StorageClasses),
    // each with who names it.
    let named =
        (sets.iter().flat_map(|set| {
            (set.volume_claim_templates.iter().flatten()).map(move |claim| {
                let who = format!("the claim template {:?} of StatefulSet {:?}", claim.name, set.name);
                (claim.storage_class_name.as_ref(), who)
            })
        }))
        .chain(collected.persistent_volume_claims.iter().map(|claim| {
            (claim.storage_class_name.as_ref(), format!("PersistentVolumeClaim {:?}", claim.name))
        }));
    // Manifests that define StorageClasses say which the cluster has: a
    // class they leave out is not made up (a claim naming it stays Pending,
    // `storageclass.storage.k8s.io "X" not found`, as Kubernetes leaves it).
    // Without any, they are workloads for a cluster of its own classes,
    // which the story stands in for.
    let defined: Vec<String> = collected.storage_classes.iter().map(|c| format!("{:?}", c.name)).collect();
    let (mut missing, mut claimed): (Vec<&String>, Vec<&String>) = (Vec::new(), Vec::new());
    let mut classless = false;
    for (claim_class, who) in named {
        classless |= claim_class.is_none();
        claimed.extend(claim_class);
        // `storageClassName: ""` asks for no class (a pre-made volume
        // without one), not for a class to be made.
        if let Some(class) = claim_class.filter(|c| !c.is_empty())
            && !defined.is_empty()
            && !collected.storage_classes.iter().any(|c| &c.name == class)
            && !missing.contains(&class)
            && !static_only(class)
        {
            missing.push(class);
            notes.push(format!(
                "StorageClass {class:?}, which {who} names, is not among the StorageClasses the manifests define ({}), and is not made up: a claim of it that no volume given fits stays Pending, as Kubernetes leaves it (storageclass.storage.k8s.io {class:?} not found); define the class to give such claims volumes",
                defined.join(", ")
            ));
        }
        if let Some(class) = claim_class.filter(|c| !c.is_empty())
            && defined.is_empty()
            && !classes.iter().any(|c| &c.name == class)
            && !static_only(class)
        {
            // (The manifests define no class: the first made up is the default.)
            let default = !classes.iter().any(|c| c.default == Some(true));
            let made_up = match provisioner_of(class) {
                Some(provisioner) => {
                    let priced = stsim_core::pricing::priced_by_provisioner(&provisioner);
                    if !priced {
                        notes.push(format!(
                                "StorageClass {class:?}, made up for the volumes of provisioner {provisioner:?} that name it, has no price; its volumes cost $0"
                            ));
                    }
                    raw::StorageClass {
                        provisioner: Some(provisioner),
                        zonal: None,
                        regional: None,
                        pricing: None,
                        usd_per_gib_month: (!priced).then_some(0.0),
                        ..gp3(class, default)
                    }
                }
                None => gp3(class, default),
            };
            classes.push(made_up);
        }
    }
    if !classes.iter().any(|c| c.default == Some(true)) {
        // Named as no class is, and as no claim names a class (one left
        // out, or one only volumes made by hand name).
        let taken = |name: &str| classes.iter().any(|c| c.name == name) || claimed.iter().any(|m| *m == name);
        let name = ["gp3".to_string(), "stsim-default".to_string()]
            .into_iter()
            .chain((2..).map(|n| format!("stsim-default-{n}")))
            .find(|name| !taken(name))
            .unwrap_or_default();
        classes.push(gp3(&name, true));
        // Most clusters have a default class, which manifests seldom hold;
        // a claim of no class gets it, and the user is told which.
        if !defined.is_empty() && classless {
            notes.push(format!(
                "no StorageClass the manifests define ({}) is the default: the claims that name no class get {name:?}, a gp3-like default the story adds (without a default class they would stay Pending); mark yours with storageclass.kubernetes.io/is-default-class: \"true\" to have them use it",
                defined.join(", ")
            ));
        }
    }
    // The timeline acts on the first StatefulSet: a crash or a drain hits
    // the node of its first pod, wherever the scheduler put it.
    let mut timeline = Vec::new();
    let mut end = 300u64;
    if let Some(set) = sets.first() {
        let replicas = story_replicas(set.replicas);
        let parallel = set.pod_management_policy == Some(raw::PodManagementPolicy::Parallel);
        let started = if parallel { 90 } else { 60 + 30 * replicas };
        let mut t = started;
        let all = story == "default";
        let start = set.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
        let first_pod = Some(format!("{}-{start}", set.name));
        if all || story == "node-crash" {
            // The crash is the set's. Its recovery, aimed through the same
            // pod, names the node the crash hit.
            timeline.push(at(t, raw::Action::CrashNode { node: None, node_of: first_pod.clone() }));
            t += 600;
            timeline.push(at(t, raw::Action::RecoverNode { node: None, node_of: first_pod.clone() }));
            t += 240;
        }
        if story == "drain" {
            // The pod is evicted and made again elsewhere, or waits where
            // its volume allows; the uncordon, aimed through it, names the
            // node drained.
            timeline.push(at(t, raw::Action::DrainNode { node: None, node_of: first_pod.clone() }));
            t += 300;
            timeline.push(at(t, raw::Action::Uncordon { node: None, node_of: first_pod }));
            t += 120;
        }
        if all || story == "scale-down" {
            let down = replicas.saturating_sub(1) as i64;
            timeline.push(at(t, raw::Action::Scale { statefulset: set.name.clone(), replicas: down }));
            t += 180;
            timeline
                .push(at(t, raw::Action::Scale { statefulset: set.name.clone(), replicas: replicas as i64 }));
            t += started;
        }
        if all || story == "rolling-update" {
            let image = next_image(&set.template.image);
            timeline.push(at(t, raw::Action::SetImage { statefulset: set.name.clone(), image }));
            t += 60 + 60 * replicas;
        }
        if story == "rollout-restart" {
            timeline.push(at(t, raw::Action::RolloutRestart { statefulset: set.name.clone() }));
            t += 60 + 60 * replicas;
        }
        end = t.max(started + 60);
    }
    let first = sets.first().map_or_else(|| "manifests".to_string(), |s| s.name.clone());
    let scenario = raw::Scenario {
        name: name.to_string(),
        description: Some(format!("The `{story}` story around {first}: {summary}.")),
        seed: Some(1),
        duration: Some(stsim_core::time::SimDuration::from_secs(end.div_ceil(60) * 60).to_string()),
        namespace: collected.namespace.as_ref().map(|(n, _)| n.clone()),
        cluster_domain: None,
        dns: None,
        cluster: Some(raw::Cluster {
            zones: Some(zones),
            node_failures: None,
            zone_outages: None,
            domain_outages: None,
            node_pools: Some(node_pools),
            storage_classes: Some(classes),
        }),
        images: None,
        services: Some(collected.services.clone()),
        statefulsets: Some(collected.statefulsets.clone()),
        pod_disruption_budgets: Some(collected.pod_disruption_budgets.clone()),
        timeline: Some(timeline),
        timings: None,
        kubernetes_version: None,
        feature_gates: None,
        expect: None,
        operators: None,
        custom_resource_definitions: None,
        custom_resources: None,
        persistent_volumes: Some(collected.persistent_volumes.clone()),
        persistent_volume_claims: Some(collected.persistent_volume_claims.clone()),
        manifests: None,
        tags: None,
        mirrors: None,
        lesson: None,
        quiz: None,
        hint: None,
    };
    Some((scenario, notes))
}

/// The replicas a story sizes its cluster and timeline by: the manifest's,
/// capped at the largest any run may have, so that arithmetic on it cannot
/// overflow; the manifest's own number still reaches validation, which
/// refuses it with the limit.
fn story_replicas(replicas: Option<i64>) -> u64 {
    let cap = u64::from(crate::limits::Limits::LARGE.replicas);
    u64::try_from(replicas.unwrap_or(1).max(0)).unwrap_or(0).min(cap)
}

/// A RON string literal.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ron_action(action: &raw::Action) -> String {
    match action {
        raw::Action::CrashNode { node: Some(node), .. } => format!("CrashNode(node: {})", quote(node)),
        raw::Action::CrashNode { node_of: Some(pod), .. } => format!("CrashNode(nodeOf: {})", quote(pod)),
        raw::Action::RecoverNode { node: Some(node), .. } => format!("RecoverNode(node: {})", quote(node)),
        raw::Action::RecoverNode { node_of: Some(pod), .. } => format!("RecoverNode(nodeOf: {})", quote(pod)),
        raw::Action::DrainNode { node: Some(node), .. } => format!("DrainNode(node: {})", quote(node)),
        raw::Action::DrainNode { node_of: Some(pod), .. } => format!("DrainNode(nodeOf: {})", quote(pod)),
        raw::Action::Uncordon { node: Some(node), .. } => format!("Uncordon(node: {})", quote(node)),
        raw::Action::Uncordon { node_of: Some(pod), .. } => format!("Uncordon(nodeOf: {})", quote(pod)),
        raw::Action::Scale { statefulset, replicas } => {
            format!("Scale(statefulset: {}, replicas: {replicas})", quote(statefulset))
        }
        raw::Action::SetImage { statefulset, image } => {
            format!("SetImage(statefulset: {}, image: {})", quote(statefulset), quote(image))
        }
        raw::Action::RolloutRestart { statefulset } => {
            format!("RolloutRestart(statefulset: {})", quote(statefulset))
        }
        // The stories use only the actions above.
        other => format!("Stop /* {other:?} */"),
    }
}

/// The story as a RON scenario that lists `manifests` instead of holding
/// their objects: the cluster parts the manifests do not define, and the
/// timeline, for a user to edit.
pub(crate) fn ron(
    scenario: &raw::Scenario,
    collected: &Collected,
    manifests: &[String],
    story: &str,
) -> String {
    let mut out = String::new();
    // A name with a line break in it must not end the comment.
    let named: Vec<String> = manifests.iter().map(|m| m.escape_debug().to_string()).collect();
    out.push_str(&format!(
        "// The `{story}` story around {}, written by `stsim import`.\n\
         // The objects stay in the manifests, named by paths relative to this file;\n\
         // add to the timeline, and expectations (`expect: [...]`, see\n\
         // docs/scenario-format.md), then `stsim test` this file.\n",
        named.join(", ")
    ));
    out.push_str("Scenario(\n");
    out.push_str(&format!("    name: {},\n", quote(&scenario.name)));
    if let Some(description) = &scenario.description {
        out.push_str(&format!("    description: {},\n", quote(description)));
    }
    out.push_str(&format!("    seed: {},\n", scenario.seed.unwrap_or(1)));
    // Applied with `-n`: the manifests' objects that name no namespace go
    // in the scenario's, as they went in `-n`'s.
    if let Some(namespace) = &collected.apply_namespace {
        out.push_str(&format!("    namespace: {},\n", quote(namespace)));
    }
    if let Some(duration) = &scenario.duration {
        out.push_str(&format!("    duration: {},\n", quote(duration)));
    }
    if let Some(cluster) = &scenario.cluster {
        out.push_str("    cluster: (\n");
        if collected.zones.is_empty()
            && let Some(zones) = &cluster.zones
        {
            let zones: Vec<String> = zones.iter().map(|z| quote(z)).collect();
            out.push_str(&format!("        zones: [{}],\n", zones.join(", ")));
        }
        if collected.node_pools.is_empty() {
            out.push_str("        nodePools: [\n");
            for pool in cluster.node_pools.iter().flatten() {
                let mut fields = vec![format!("name: {}", quote(&pool.name))];
                if let Some(count) = pool.count {
                    fields.push(format!("count: {count}"));
                }
                if let Some(cpu) = &pool.cpu {
                    fields.push(format!("cpu: {}", quote(cpu)));
                }
                if let Some(memory) = &pool.memory {
                    fields.push(format!("memory: {}", quote(memory)));
                }
                out.push_str(&format!("            ({}),\n", fields.join(", ")));
            }
            out.push_str("        ],\n");
        }
        let added: Vec<&raw::StorageClass> = cluster
            .storage_classes
            .iter()
            .flatten()
            .filter(|c| !collected.storage_classes.iter().any(|m| m.name == c.name))
            .collect();
        if !added.is_empty() {
            out.push_str("        storageClasses: [\n");
            for class in added {
                let mut fields = vec![format!("name: {}", quote(&class.name))];
                if let Some(p) = &class.provisioner {
                    fields.push(format!("provisioner: {}", quote(p)));
                }
                if let Some(mode) = class.volume_binding_mode {
                    fields.push(format!("volumeBindingMode: {mode:?}"));
                }
                if let Some(policy) = class.reclaim_policy {
                    fields.push(format!("reclaimPolicy: {policy:?}"));
                }
                if let Some(zonal) = class.zonal {
                    fields.push(format!("zonal: {zonal}"));
                }
                if let Some(pricing) = &class.pricing {
                    fields.push(format!("pricing: {}", quote(pricing)));
                }
                if let Some(usd) = class.usd_per_gib_month {
                    fields.push(format!("usdPerGibMonth: {usd:?}"));
                }
                if let Some(default) = class.default {
                    fields.push(format!("default: {default}"));
                }
                if class.assumed == Some(true) {
                    fields.push("assumed: true".to_string());
                }
                out.push_str(&format!("            ({}),\n", fields.join(", ")));
            }
            out.push_str("        ],\n");
        }
        out.push_str("    ),\n");
    }
    let names: Vec<String> = manifests.iter().map(|m| quote(m)).collect();
    out.push_str(&format!("    manifests: [{}],\n", names.join(", ")));
    out.push_str("    timeline: [\n");
    for entry in scenario.timeline.iter().flatten() {
        let at = entry.at.as_deref().unwrap_or("0s");
        out.push_str(&format!("        (at: {}, do: {}),\n", quote(at), ron_action(&entry.action)));
    }
    out.push_str("    ],\n");
    out.push_str("    expect: [],\n");
    out.push_str(")\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_image_changes_the_tag_only() {
        assert_eq!(next_image("redis:7.0"), "redis:7.0-next");
        assert_eq!(next_image("registry:5000/redis"), "registry:5000/redis:next");
        assert_eq!(next_image("redis"), "redis:next");
    }
}
