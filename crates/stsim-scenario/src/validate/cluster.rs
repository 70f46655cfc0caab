//! The `cluster` section, storage classes, images and cluster DNS: zones, node pools
//! and their taints, random node failures, timings, prices. Owns their defaults and
//! rules; the workloads that run on the cluster are `workloads`.

use super::*;

impl Checker<'_, '_> {
    /// A duration that must be greater than zero.
    pub(super) fn positive_duration(
        &mut self,
        path: &str,
        text: Option<&str>,
        default: SimDuration,
    ) -> SimDuration {
        let Some(text) = text else { return default };
        match self.duration(path, text) {
            Some(duration) if duration.is_zero() => {
                let message = format!("Invalid value: {text:?}: must be greater than 0");
                self.report("invalid-value", path, message, None);
                default
            }
            Some(duration) => duration,
            None => default,
        }
    }

    pub(super) fn taint_effect(effect: raw::TaintEffect) -> TaintEffect {
        match effect {
            raw::TaintEffect::NoSchedule => TaintEffect::NoSchedule,
            raw::TaintEffect::PreferNoSchedule => TaintEffect::PreferNoSchedule,
            raw::TaintEffect::NoExecute => TaintEffect::NoExecute,
        }
    }

    pub(super) fn taints(&mut self, base: &str, taints: &[raw::Taint]) -> Vec<Taint> {
        let mut out: Vec<Taint> = Vec::new();
        for (i, taint) in taints.iter().enumerate() {
            let path = format!("{base}[{i}]");
            if taint.key.is_empty() {
                self.report(
                    "invalid-value",
                    &format!("{path}.key"),
                    "Required value: a taint needs a key",
                    None,
                );
            } else {
                // `validateNodeTaints`: the key a label name, the value a label value.
                self.label_key(&format!("{path}.key"), &taint.key);
            }
            if let Some(value) = &taint.value
                && let Some(problem) = super::label_value_problem(value)
            {
                let message = format!("Invalid value: {value:?}: {problem}");
                self.report("invalid-value", &format!("{path}.value"), message, None);
            }
            let taint = Taint {
                key: taint.key.clone(),
                value: taint.value.clone().unwrap_or_default(),
                effect: Self::taint_effect(taint.effect),
            };
            if out.iter().any(|t| t.key == taint.key && t.effect == taint.effect) {
                let message = format!(
                    "Duplicate value: \"{}:{}\": taints must be unique by key and effect",
                    taint.key,
                    taint.effect.as_str()
                );
                self.report("duplicate-name", &path, message, None);
            }
            out.push(taint);
        }
        out
    }

    pub(super) fn node_failures(&mut self, base: &str, raw: &raw::NodeFailures) -> NodeFailureConfig {
        let day = SimDuration::from_mins(24 * 60);
        let mut config = NodeFailureConfig::crashes(
            self.positive_duration(
                &format!("{base}.meanTimeBetweenFailures"),
                Some(&raw.mean_time_between_failures),
                day,
            ),
            self.positive_duration(&format!("{base}.meanTimeToRepair"), Some(&raw.mean_time_to_repair), day),
        );
        if let Some(mix) = &raw.mix {
            let path = format!("{base}.mix");
            let weight = |checker: &mut Self, field: &str, value| {
                checker.int(&format!("{path}.{field}"), value, 0, 0, Some("a relative weight, 0 or more"))
            };
            config.mix = FailureMix {
                crash: weight(self, "crash", mix.crash),
                partition: weight(self, "partition", mix.partition),
                reboot: weight(self, "reboot", mix.reboot),
            };
            let FailureMix { crash, partition, reboot } = config.mix;
            if u64::from(crash) + u64::from(partition) + u64::from(reboot) == 0 {
                let help = "give a kind a weight, like (crash: 3, partition: 1)".to_string();
                self.report("invalid-value", &path, "Invalid value: every weight is 0", Some(help));
                config.mix = FailureMix { crash: 1, partition: 0, reboot: 0 };
            }
        }
        config.repair = match raw.repair {
            None | Some(raw::RepairDistribution::Exponential) => RepairDistribution::Exponential,
            Some(raw::RepairDistribution::Fixed) => RepairDistribution::Fixed,
            Some(raw::RepairDistribution::LogNormal { sigma }) => {
                if !(sigma > 0.0 && sigma <= 5.0) {
                    let message =
                        format!("Invalid value: {sigma}: sigma must be greater than 0 and at most 5");
                    self.report("invalid-value", &format!("{base}.repair"), message, None);
                }
                RepairDistribution::LogNormal {
                    sigma_milli: (sigma.clamp(0.001, 5.0) * 1000.0).round() as u32,
                }
            }
        };
        config.reboot_time = self.positive_duration(
            &format!("{base}.rebootTime"),
            raw.reboot_time.as_deref(),
            config.reboot_time,
        );
        config
    }

    fn maintenance(&mut self, pool: &str, raw: &raw::Maintenance) -> MaintenanceConfig {
        let base = format!("{pool}.maintenance");
        let day = SimDuration::from_mins(24 * 60);
        MaintenanceConfig {
            every: self.positive_duration(
                &format!("{base}.every"),
                Some(&raw.every),
                SimDuration::from_mins(7 * 24 * 60),
            ),
            start: self.duration_or(&format!("{base}.start"), raw.start.as_deref(), day),
            downtime: self.positive_duration(
                &format!("{base}.downtime"),
                raw.downtime.as_deref(),
                SimDuration::from_mins(5),
            ),
            drain_timeout: self.positive_duration(
                &format!("{base}.drainTimeout"),
                raw.drain_timeout.as_deref(),
                SimDuration::from_mins(60),
            ),
        }
    }

    /// The kubelet's graceful node shutdown settings, checked as the
    /// kubelet checks its configuration (pkg/kubelet/apis/config/validation):
    /// the critical pods' share is at most the whole.
    fn shutdown_grace(&mut self, pool: &str, raw: &raw::NodePool) -> ShutdownGrace {
        let total_path = format!("{pool}.shutdownGracePeriod");
        let critical_path = format!("{pool}.shutdownGracePeriodCriticalPods");
        // `None`: written but invalid, and already reported; no comparison then.
        let read = |this: &mut Self, path: &str, text: Option<&str>| match text {
            Some(text) => this.duration(path, text),
            None => Some(SimDuration::ZERO),
        };
        let total = read(self, &total_path, raw.shutdown_grace_period.as_deref());
        let critical = read(self, &critical_path, raw.shutdown_grace_period_critical_pods.as_deref());
        if let (Some(total), Some(critical)) = (total, critical)
            && critical > total
        {
            let text = raw.shutdown_grace_period_critical_pods.as_deref().unwrap_or_default();
            let message =
                format!("Invalid value: {text:?}: must be no more than shutdownGracePeriod ({total})");
            let help = "the kubelet stops the regular pods within shutdownGracePeriod - shutdownGracePeriodCriticalPods, then the critical ones";
            self.report("invalid-value", &critical_path, message, Some(help.to_string()));
        }
        let (total, critical) = (total.unwrap_or(SimDuration::ZERO), critical.unwrap_or(SimDuration::ZERO));
        ShutdownGrace { total, critical }
    }

    fn zone_outages(&mut self, raw: &raw::ZoneOutages) -> ZoneOutageConfig {
        let (mean_time_between, mean_duration, partition) =
            self.outage("cluster.zoneOutages", &raw.mean_time_between, &raw.mean_duration, raw.kind);
        ZoneOutageConfig { mean_time_between, mean_duration, partition }
    }

    /// An outage process's mean time between outages, mean duration, and
    /// whether it partitions (else crashes).
    fn outage(
        &mut self,
        base: &str,
        mean_time_between: &str,
        mean_duration: &str,
        kind: Option<raw::OutageKind>,
    ) -> (SimDuration, SimDuration, bool) {
        let day = SimDuration::from_mins(24 * 60);
        (
            self.positive_duration(&format!("{base}.meanTimeBetween"), Some(mean_time_between), day),
            self.positive_duration(&format!("{base}.meanDuration"), Some(mean_duration), day),
            matches!(kind, Some(raw::OutageKind::Partition)),
        )
    }

    /// `cluster.domainOutages`: one process per topology key.
    fn domain_outages(&mut self, raw: &[raw::DomainOutages]) -> Vec<DomainOutageConfig> {
        let mut keys = Vec::new();
        let mut out = Vec::new();
        for (i, outages) in raw.iter().enumerate() {
            let base = format!("cluster.domainOutages[{i}]");
            let key_path = format!("{base}.topologyKey");
            let key = &outages.topology_key;
            if key.is_empty() {
                let help = "the node label whose values are the domains, like \"topology.rook.io/rack\"";
                self.report(
                    "invalid-value",
                    &key_path,
                    "Required value: can not be empty",
                    Some(help.into()),
                );
            } else {
                self.label_key(&key_path, key);
            }
            keys.push((key_path, key.as_str()));
            let (mean_time_between, mean_duration, partition) =
                self.outage(&base, &outages.mean_time_between, &outages.mean_duration, outages.kind);
            out.push(DomainOutageConfig {
                topology_key: key.clone(),
                mean_time_between,
                mean_duration,
                partition,
            });
        }
        self.unique("topology key", &keys);
        out
    }

    /// A pool's `racks` and `rackLabel`: racks per zone (0: none) and the label naming them.
    fn racks(&mut self, base: &str, pool: &raw::NodePool, zones: &[String]) -> (u32, String) {
        let label = pool.rack_label.clone().unwrap_or_else(|| DEFAULT_RACK_LABEL.to_string());
        let label_path = format!("{base}.rackLabel");
        let Some(value) = pool.racks else {
            if pool.rack_label.is_some() {
                let help = "add `racks: 2` (racks per zone) for the pool's nodes to carry the label";
                let message = "Forbidden: may not be specified without `racks`";
                self.report("invalid-value", &label_path, message, Some(help.into()));
            }
            return (0, label);
        };
        let path = format!("{base}.racks");
        let racks = self.int(&path, Some(value), 0, 1, Some("racks per zone, 1 or more"));
        if u64::from(racks) > self.limits.nodes {
            let most = self.limits.nodes;
            self.over(
                &path,
                format!("Invalid value: {racks}: must be no more than {most} (the nodes allowed)"),
            );
            return (0, label);
        }
        if pool.rack_label.is_some() {
            self.label_key(&label_path, &label);
        }
        if [stsim_core::objects::labels::HOSTNAME, stsim_core::objects::labels::ZONE]
            .contains(&label.as_str())
        {
            let message =
                format!("Invalid value: {label:?}: every node carries this label with its own value");
            let help = format!("name the racks with a label of their own, like {DEFAULT_RACK_LABEL:?}");
            self.report("invalid-value", &label_path, message, Some(help));
        } else if pool.labels.as_ref().is_some_and(|l| l.contains_key(&label)) {
            let message = format!("Invalid value: {label:?}: the pool's `labels` set it too");
            let help = "`racks` gives each node its rack's value; remove the label from `labels`";
            let at = if pool.rack_label.is_some() { &label_path } else { &path };
            self.report("invalid-value", at, message, Some(help.into()));
        }
        // The longest value, `<zone>-rack-<racks>`, in each zone of the pool.
        if racks > 0
            && let Some((zone, problem)) =
                zones.iter().find_map(|z| Some((z, label_value_problem(&rack_value(z, racks - 1))?)))
        {
            let message = format!(
                "Invalid value: {racks}: rack {:?} of zone {zone:?} is not a label value: {problem}",
                rack_value(zone, racks - 1)
            );
            self.report("invalid-value", &path, message, Some("racks are named `<zone>-rack-<n>`".into()));
        }
        (racks, label)
    }

    /// Each topology key of `cluster.domainOutages` must be a label some
    /// node carries (from the start, or added by `AddNode`): a key no node
    /// carries has no domain, and its outages would never happen, which is
    /// a typo far more often than a wish. Also bounds the outages a run may
    /// expect, like random node failures.
    pub(super) fn failure_domains(&mut self, config: &Config) {
        let outages = &config.cluster.domain_outages;
        if outages.is_empty() {
            return;
        }
        let pools = &config.cluster.node_pools;
        let added: Vec<usize> = (config.timeline.iter().map(|e| &e.action))
            .chain(config.triggers.iter().map(|t| &t.action))
            .filter_map(|a| match a {
                Action::AddNode { pool, .. } => Some(*pool),
                _ => None,
            })
            .collect();
        // The values each key has on the nodes of the start; an added node may bring one more.
        let mut values: Vec<std::collections::BTreeSet<String>> = vec![Default::default(); outages.len()];
        for placement in config.cluster.placements() {
            let pool = &pools[placement.pool];
            let name = stsim_core::sim::pool_node_name(pool, placement.n);
            let labels = pool.node_labels(&name, placement.zone, placement.rack);
            for (process, found) in outages.iter().zip(values.iter_mut()) {
                if let Some(value) = labels.get(&process.topology_key) {
                    found.insert(value.clone());
                }
            }
        }
        let carried = |pool: &NodePoolConfig, key: &str| {
            pool.labels.contains_key(key)
                || [stsim_core::objects::labels::HOSTNAME, stsim_core::objects::labels::ZONE].contains(&key)
                || (pool.racks > 0 && pool.rack_label == key)
        };
        for (i, (process, found)) in outages.iter().zip(&values).enumerate() {
            let key = process.topology_key.as_str();
            let path = format!("cluster.domainOutages[{i}]");
            if key.is_empty() {
                continue;
            }
            if found.is_empty() && !added.iter().any(|p| carried(&pools[*p], key)) {
                let mut known: Vec<&str> = (pools.iter())
                    .flat_map(|p| {
                        p.labels
                            .keys()
                            .map(String::as_str)
                            .chain((p.racks > 0).then_some(p.rack_label.as_str()))
                    })
                    .chain([stsim_core::objects::labels::HOSTNAME, stsim_core::objects::labels::ZONE])
                    .collect();
                known.sort_unstable();
                known.dedup();
                // The same name under another prefix (`topology.kubernetes.io/rack`
                // for `topology.rook.io/rack`) first, then the closest spelling.
                let name = |k: &str| k.rsplit('/').next().unwrap_or(k).to_string();
                let same_name = known.iter().copied().find(|k| name(k) == name(key));
                let help = match same_name.or_else(|| suggest(key, &known)) {
                    Some(close) => format!("did you mean `{close}`? node labels: {}", list_names(&known)),
                    None => format!(
                        "node labels: {}; give nodes a rack with a pool's `racks`, or a label in its `labels`",
                        list_names(&known)
                    ),
                };
                let message =
                    format!("Not found: {key:?}: no node carries this label, so it has no failure domain");
                self.report("unknown-reference", &format!("{path}.topologyKey"), message, Some(help));
            }
            for (field, value) in
                [("meanTimeBetween", process.mean_time_between), ("meanDuration", process.mean_duration)]
            {
                if value.as_millis() < self.limits.min_failure_interval_ms {
                    let least = SimDuration::from_millis(self.limits.min_failure_interval_ms);
                    self.over(
                        &format!("{path}.{field}"),
                        format!("Invalid value: {value}: must be at least {least}"),
                    );
                }
            }
            let domains = found.len() as u128 + added.len() as u128;
            let expected = domains * u128::from(config.duration.as_millis())
                / u128::from(process.mean_time_between.as_millis().max(1));
            if expected > u128::from(self.limits.expected_failures) {
                let message = format!(
                    "{domains} domains of {key:?} failing every {} on average over {} make about {expected} outages, \
                     more than the {} a run may expect",
                    process.mean_time_between, config.duration, self.limits.expected_failures
                );
                self.over(&format!("{path}.meanTimeBetween"), message);
            }
        }
    }

    pub(super) fn cluster(&mut self, raw: Option<&raw::Cluster>) -> ClusterConfig {
        let zones = match raw.and_then(|c| c.zones.as_ref()) {
            None => ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec(),
            Some(zones) => {
                if zones.is_empty() {
                    let help =
                        "nodes are spread over the zones; list at least one, like [\"zone-a\"]".to_string();
                    self.report(
                        "invalid-value",
                        "cluster.zones",
                        "Required value: at least one zone",
                        Some(help),
                    );
                }
                let mut items = Vec::new();
                for (i, zone) in zones.iter().enumerate() {
                    let path = format!("cluster.zones[{i}]");
                    if zone.is_empty() {
                        self.report(
                            "invalid-value",
                            &path,
                            "Required value: a zone name cannot be empty",
                            None,
                        );
                    } else if let Some(problem) = label_value_problem(zone) {
                        // The zone is the value of the `topology.kubernetes.io/zone` label.
                        let message = format!("Invalid value: {zone:?}: {problem}");
                        self.report("invalid-value", &path, message, None);
                    }
                    items.push((path, zone.as_str()));
                }
                self.unique("zone", &items);
                zones.clone()
            }
        };
        let node_pools = match raw.and_then(|c| c.node_pools.as_ref()) {
            None => vec![NodePoolConfig {
                name: "worker".to_string(),
                count: 3,
                names: Vec::new(),
                cpu_millis: 4_000,
                memory_bytes: 16 << 30,
                max_pods: stsim_core::config::DEFAULT_MAX_PODS,
                zones: Vec::new(),
                taints: Vec::new(),
                labels: Labels::new(),
                racks: 0,
                rack_label: DEFAULT_RACK_LABEL.to_string(),
                failures: None,
                maintenance: None,
                shutdown: Default::default(),
                volume_attach_limits: Default::default(),
                preloaded_images: Default::default(),
            }],
            Some(pools) => {
                let mut items = Vec::new();
                let mut node_names = Vec::new();
                let mut out = Vec::new();
                for (i, pool) in pools.iter().enumerate() {
                    let base = format!("cluster.nodePools[{i}]");
                    let name_path = format!("{base}.name");
                    self.dns_label(&name_path, &pool.name);
                    items.push((name_path, pool.name.as_str()));
                    let names = pool.names.clone().unwrap_or_default();
                    for (j, name) in pool.names.iter().flatten().enumerate() {
                        let path = format!("{base}.names[{j}]");
                        self.dns_subdomain(&path, name);
                        node_names.push((path, name.as_str()));
                    }
                    let count_default =
                        if names.is_empty() { 3 } else { u32::try_from(names.len()).unwrap_or(u32::MAX) };
                    let count = self.int(&format!("{base}.count"), pool.count, count_default, 0, None);
                    if (count as usize) < names.len() {
                        let message = format!(
                            "Invalid value: {count}: the pool names {} nodes, more than its count",
                            names.len()
                        );
                        self.report("invalid-value", &format!("{base}.count"), message, None);
                    }
                    let pool_zones = self.pool_zones(&base, pool.zones.as_deref(), &zones);
                    let spread = if pool_zones.is_empty() { &zones } else { &pool_zones };
                    let (racks, rack_label) = self.racks(&base, pool, spread);
                    out.push(NodePoolConfig {
                        name: pool.name.clone(),
                        count,
                        names,
                        cpu_millis: self.cpu(&format!("{base}.cpu"), pool.cpu.as_deref(), 4_000),
                        memory_bytes: self.memory(
                            &format!("{base}.memory"),
                            pool.memory.as_deref(),
                            16 << 30,
                        ),
                        max_pods: self.int(
                            &format!("{base}.maxPods"),
                            pool.max_pods,
                            stsim_core::config::DEFAULT_MAX_PODS,
                            0,
                            None,
                        ),
                        zones: pool_zones,
                        taints: self
                            .taints(&format!("{base}.taints"), pool.taints.as_deref().unwrap_or_default()),
                        labels: self
                            .label_map(&format!("{base}.labels"), pool.labels.as_ref())
                            .unwrap_or_default(),
                        racks,
                        rack_label,
                        failures: pool
                            .failures
                            .as_ref()
                            .map(|f| self.node_failures(&format!("{base}.failures"), f)),
                        maintenance: pool.maintenance.as_ref().map(|m| self.maintenance(&base, m)),
                        shutdown: self.shutdown_grace(&base, pool),
                        volume_attach_limits: self.volume_attach_limits(
                            &base,
                            pool.volume_attach_limits.as_deref().unwrap_or_default(),
                        ),
                        preloaded_images: self
                            .preloaded_images(&base, pool.preloaded_images.as_deref().unwrap_or_default()),
                    });
                }
                self.unique("node pool", &items);
                self.unique("node", &node_names);
                out
            }
        };
        let storage_classes = match raw.and_then(|c| c.storage_classes.as_ref()) {
            None => vec![StorageClassConfig {
                name: "gp3".to_string(),
                provisioner: "ebs.csi.aws.com".to_string(),
                binding_mode: VolumeBindingMode::WaitForFirstConsumer,
                reclaim_policy: ReclaimPolicy::Delete,
                zonal: true,
                regional: false,
                local: false,
                // invariant: "aws-gp3" is one of the built-in presets, not user input.
                pricing: pricing::preset("aws-gp3").expect("a built-in preset"),
                price_preset: None,
                price_per_gib: None,
                iops: None,
                iops_per_gib: None,
                throughput_mibps: None,
                is_default: true,
                allow_volume_expansion: false,
                assumed: true,
                allowed_topologies: Vec::new(),
            }],
            Some(classes) => self.storage_classes(classes),
        };
        let node_failures =
            raw.and_then(|c| c.node_failures.as_ref()).map(|f| self.node_failures("cluster.nodeFailures", f));
        let zone_outages = raw.and_then(|c| c.zone_outages.as_ref()).map(|z| self.zone_outages(z));
        let domain_outages =
            self.domain_outages(raw.and_then(|c| c.domain_outages.as_deref()).unwrap_or_default());
        ClusterConfig { zones, node_failures, zone_outages, domain_outages, node_pools, storage_classes }
    }

    /// A pool's `preloadedImages`: each named, once.
    fn preloaded_images(&mut self, base: &str, images: &[String]) -> std::collections::BTreeSet<String> {
        let mut items = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let path = format!("{base}.preloadedImages[{i}]");
            if image.is_empty() {
                let help = "name the image as the pods do, like \"redis:7.0\"".to_string();
                self.report("invalid-value", &path, "Required value: an image is required", Some(help));
            }
            items.push((path, image.as_str()));
        }
        self.unique("preloaded image", &items);
        images.iter().cloned().collect()
    }

    /// A pool's `volumeAttachLimits`, validated as the API server validates
    /// a CSINode's drivers (`ValidateCSINode`): each driver a CSI driver
    /// name (lower-cased, a DNS-1123 subdomain of at most 63 characters),
    /// named once, with a count of at least 0. An in-tree provisioner's
    /// name is refused with the CSI driver's name to use instead: CSINode
    /// lists drivers by their CSI names.
    fn volume_attach_limits(
        &mut self,
        base: &str,
        limits: &[raw::VolumeAttachLimit],
    ) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        let mut items = Vec::new();
        for (i, limit) in limits.iter().enumerate() {
            let path = format!("{base}.volumeAttachLimits[{i}]");
            let driver_path = format!("{path}.driver");
            let driver = limit.driver.as_str();
            let before = self.diagnostics.len();
            let count = self.int(&format!("{path}.count"), Some(limit.count), 0, 0, None);
            match stsim_core::objects::csi_driver_of(driver) {
                _ if driver.is_empty() => self.report("invalid-value", &driver_path, "Required value", None),
                None => {
                    let help =
                        "local volumes are never attached, so no attach limit applies to them".to_string();
                    let message = format!("Invalid value: {driver:?}: not a CSI driver");
                    self.report("invalid-value", &driver_path, message, Some(help));
                }
                Some(csi) if csi != driver => {
                    let help = format!(
                        "CSINode lists drivers by their CSI names: the in-tree `{driver}` migrated to `{csi}`"
                    );
                    let message =
                        format!("Invalid value: {driver:?}: an in-tree provisioner, not a CSI driver");
                    self.report("invalid-value", &driver_path, message, Some(help));
                }
                Some(_) if driver.len() > 63 => {
                    let message = format!("Too long: may not be more than 63 bytes (got {})", driver.len());
                    self.report("invalid-value", &driver_path, message, None);
                }
                Some(_) => self.dns_subdomain(&driver_path, &driver.to_ascii_lowercase()),
            }
            if self.diagnostics.len() == before {
                items.push((driver_path, driver));
                out.insert(driver.to_string(), count);
            }
        }
        self.unique("volume attach limit driver", &items);
        out
    }

    /// A pool's `zones`: each must be a cluster zone.
    pub(super) fn pool_zones(
        &mut self,
        base: &str,
        zones: Option<&[String]>,
        cluster: &[String],
    ) -> Vec<String> {
        let Some(zones) = zones else { return Vec::new() };
        let path = format!("{base}.zones");
        if zones.is_empty() {
            let help = "leave `zones` out to spread the pool over every zone".to_string();
            self.report("invalid-value", &path, "Required value: at least one zone", Some(help));
        }
        let known: Vec<&str> = cluster.iter().map(String::as_str).collect();
        let mut items = Vec::new();
        for (i, zone) in zones.iter().enumerate() {
            let zone_path = format!("{path}[{i}]");
            if !cluster.contains(zone) {
                let help = match suggest(zone, &known) {
                    Some(close) => format!("did you mean `{close}`? cluster zones: {}", list_names(&known)),
                    None => format!("cluster zones: {}", list_names(&known)),
                };
                let message = format!("Not found: {zone:?}: not one of `cluster.zones`");
                self.report("unknown-reference", &zone_path, message, Some(help));
            }
            items.push((zone_path, zone.as_str()));
        }
        self.unique("zone", &items);
        zones.to_vec()
    }

    /// A class's provisioner as `ValidateStorageClass` checks it: required,
    /// and, lower-cased, a qualified name (`ValidateQualifiedName`: an
    /// optional DNS-subdomain prefix and `/`, then up to 63 alphanumerics,
    /// `-`, `_` or `.`).
    fn provisioner_name(&mut self, path: &str, provisioner: &str) {
        if provisioner.is_empty() {
            self.report("invalid-value", path, "Required value", None);
            return;
        }
        let lower = provisioner.to_lowercase();
        let errors = stsim_core::api::validation::label_key_errors(&lower);
        if !errors.is_empty() {
            let help = "a CSI driver's name, like \"ebs.csi.aws.com\", or an in-tree one, like \
                        \"kubernetes.io/aws-ebs\""
                .to_string();
            let message = format!("Invalid value: {lower:?}: {}", errors.join(", "));
            self.report("invalid-value", path, message, Some(help));
        }
    }

    /// A class's `allowedTopologies`, as the API server validates them
    /// (`validateAllowedTopologies`, `ValidateTopologySelectorTerm`): each
    /// expression a label key with values, none repeated; no key twice in
    /// a term; no term twice.
    fn allowed_topologies(
        &mut self,
        base: &str,
        terms: Option<&[raw::TopologySelectorTerm]>,
    ) -> Vec<stsim_core::config::TopologyTerm> {
        let mut out: Vec<stsim_core::config::TopologyTerm> = Vec::new();
        // Each term's expressions as a map, to find a term repeated: a set
        // of them, so that many terms cost n log n, not n squared.
        let mut seen: std::collections::BTreeSet<
            std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>>,
        > = Default::default();
        for (i, term) in terms.unwrap_or_default().iter().enumerate() {
            let at = format!("{base}.allowedTopologies[{i}].matchLabelExpressions");
            let mut keys: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
                Default::default();
            for (j, requirement) in term.match_label_expressions.iter().enumerate() {
                let here = format!("{at}[{j}]");
                if requirement.values.is_empty() {
                    let help = "name the values the label may have, like `values: [\"zone-a\"]`".to_string();
                    self.report("invalid-value", &format!("{here}.values"), "Required value", Some(help));
                }
                let mut values = std::collections::BTreeSet::new();
                for (k, value) in requirement.values.iter().enumerate() {
                    if !values.insert(value.as_str()) {
                        let message = format!("Duplicate value: {value:?}");
                        self.report("invalid-value", &format!("{here}.values[{k}]"), message, None);
                    }
                }
                self.label_key(&format!("{here}.key"), &requirement.key);
                if keys.insert(requirement.key.as_str(), values).is_some() {
                    let message = format!("Duplicate value: {:?}", requirement.key);
                    self.report("invalid-value", &format!("{here}.key"), message, None);
                }
            }
            if !seen.insert(keys) {
                self.report(
                    "invalid-value",
                    &at,
                    "Duplicate value: \"\"",
                    Some("this term repeats an earlier one".into()),
                );
            }
            out.push(stsim_core::config::TopologyTerm {
                requirements: (term.match_label_expressions.iter())
                    .map(|r| (r.key.clone(), r.values.clone()))
                    .collect(),
            });
        }
        out
    }

    pub(super) fn storage_classes(&mut self, classes: &[raw::StorageClass]) -> Vec<StorageClassConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        let mut default_class: Option<&str> = None;
        for (i, class) in classes.iter().enumerate() {
            let base = format!("cluster.storageClasses[{i}]");
            let name_path = format!("{base}.name");
            self.dns_label(&name_path, &class.name);
            items.push((name_path, class.name.as_str()));
            let provisioner = class.provisioner.clone().unwrap_or_else(|| "ebs.csi.aws.com".to_string());
            self.provisioner_name(&format!("{base}.provisioner"), &provisioner);
            let pricing = self.pricing(&base, class, &provisioner);
            let is_default = class.default.unwrap_or(false);
            if is_default {
                match default_class {
                    Some(first) => {
                        let message = format!(
                            "Invalid value: true: only one storage class can be the default, and {first:?} already is"
                        );
                        let help = "claims that name no class use the default one; mark at most one class `default: true`";
                        self.report(
                            "invalid-value",
                            &format!("{base}.default"),
                            message,
                            Some(help.to_string()),
                        );
                    }
                    None => default_class = Some(class.name.as_str()),
                }
            }
            // By provisioner unless written: a local provisioner's volumes
            // are one node's, a cloud's disks one zone's.
            let local = class.local.unwrap_or(stsim_core::objects::makes_local_volumes(&provisioner));
            let local_path = match class.local {
                Some(_) => format!("{base}.local"),
                None => format!("{base}.provisioner"),
            };
            // A local provisioner makes the volume on the node chosen for the
            // pod; a class of static local volumes (no provisioner) may bind
            // at once, as Kubernetes allows (its pods then go where the
            // volumes are, or nowhere).
            let provisions = provisioner != stsim_core::objects::NO_PROVISIONER;
            // (A hostPath provisioner's class is never local: refused below.)
            let host_path = stsim_core::objects::host_path_dir_of(&provisioner).is_some();
            if local
                && provisions
                && !host_path
                && class.volume_binding_mode != Some(raw::VolumeBindingMode::WaitForFirstConsumer)
            {
                let help = "local volumes are made on the node chosen for the pod; add `volumeBindingMode: WaitForFirstConsumer`"
                    .to_string();
                let message = match class.local {
                    Some(_) => {
                        "Invalid value: true: a local class needs volumeBindingMode WaitForFirstConsumer"
                    }
                    None => {
                        "Invalid value: a local provisioner's class needs volumeBindingMode WaitForFirstConsumer"
                    }
                };
                self.report("invalid-value", &local_path, message, Some(help));
            }
            for (field, set) in [("zonal", class.zonal), ("local", class.local)] {
                if host_path && set == Some(true) {
                    let message = format!(
                        "Invalid value: true: {provisioner:?} makes hostPath volumes of no node affinity, neither zonal nor local"
                    );
                    let help = "leave it out: such a volume is a directory on whichever node runs the pod"
                        .to_string();
                    self.report("invalid-value", &format!("{base}.{field}"), message, Some(help));
                }
            }
            // (Set on a hostPath provisioner's class, it is refused above.)
            let zonal = class.zonal.unwrap_or(stsim_core::objects::makes_zonal_volumes(&provisioner));
            let regional = class.regional == Some(true);
            if regional && !stsim_core::objects::makes_regional_disks(&provisioner) {
                let message = format!(
                    "Invalid value: true: regional volumes are GCE PD's (`replication-type: regional-pd`), not {provisioner:?}'s"
                );
                let help = "use provisioner pd.csi.storage.gke.io; other drivers' zone-redundant disks are not modelled"
                    .to_string();
                self.report("invalid-value", &format!("{base}.regional"), message, Some(help));
            } else if regional && (!zonal || local) {
                let what = if local { "a node's own disk" } else { "not zonal" };
                let message = format!(
                    "Invalid value: true: a regional volume is a zonal disk kept in two zones, and this class's volumes are {what}"
                );
                let help = "leave `regional` out, or use a cloud disk's provisioner (pd.csi.storage.gke.io)"
                    .to_string();
                self.report("invalid-value", &format!("{base}.regional"), message, Some(help));
            }
            out.push(StorageClassConfig {
                name: class.name.clone(),
                provisioner,
                binding_mode: match class.volume_binding_mode.unwrap_or(raw::VolumeBindingMode::Immediate) {
                    raw::VolumeBindingMode::Immediate => VolumeBindingMode::Immediate,
                    raw::VolumeBindingMode::WaitForFirstConsumer => VolumeBindingMode::WaitForFirstConsumer,
                },
                reclaim_policy: match class.reclaim_policy.unwrap_or(raw::ReclaimPolicy::Delete) {
                    raw::ReclaimPolicy::Delete => ReclaimPolicy::Delete,
                    raw::ReclaimPolicy::Retain => ReclaimPolicy::Retain,
                },
                zonal,
                regional,
                local,
                pricing,
                price_preset: class.pricing.clone(),
                // (`pricing` above reports a price that is no dollar amount.)
                price_per_gib: class
                    .usd_per_gib_month
                    .and_then(|price| pricing::Money::from_dollars(&price.to_string())),
                iops: class.iops.map(|v| u64::from(self.int(&format!("{base}.iops"), Some(v), 0, 0, None))),
                iops_per_gib: class
                    .iops_per_gb
                    .map(|v| u64::from(self.int(&format!("{base}.iopsPerGB"), Some(v), 0, 0, None))),
                throughput_mibps: class
                    .throughput
                    .map(|v| u64::from(self.int(&format!("{base}.throughput"), Some(v), 0, 0, None))),
                is_default,
                allow_volume_expansion: class.allow_volume_expansion.unwrap_or(false),
                assumed: class.assumed.unwrap_or(false),
                allowed_topologies: self.allowed_topologies(&base, class.allowed_topologies.as_deref()),
            });
        }
        self.unique("storage class", &items);
        out
    }

    /// A class's prices: a named preset, else the preset of its provisioner's
    /// usual default class; `usdPerGibMonth` replaces the per-GiB price.
    pub(super) fn pricing(
        &mut self,
        base: &str,
        class: &raw::StorageClass,
        provisioner: &str,
    ) -> pricing::Pricing {
        let preset_name = match &class.pricing {
            Some(name) => Some(name.as_str()),
            None if class.regional == Some(true) => pricing::default_regional_preset(provisioner),
            None => pricing::default_preset(provisioner),
        };
        let preset = preset_name.and_then(|name| {
            let found = pricing::preset(name);
            if found.is_none() {
                let message = format!("Invalid value: {name:?}: no such price preset");
                let help = format!("the presets are: {}", list_names(pricing::PRESETS));
                self.report("invalid-value", &format!("{base}.pricing"), message, Some(help));
            }
            found
        });
        let per_gib = class.usd_per_gib_month.and_then(|price| {
            // f64's Display is the shortest text that reads back as the same
            // number, so `0.08` stays exactly 0.08 here.
            let money = pricing::Money::from_dollars(&price.to_string());
            if money.is_none() {
                let message = format!(
                    "Invalid value: {price}: must be a dollar amount, 0 or more, with at most 6 decimals"
                );
                self.report("invalid-value", &format!("{base}.usdPerGibMonth"), message, None);
            }
            money
        });
        let local = class.local.unwrap_or(stsim_core::objects::makes_local_volumes(provisioner));
        if local && class.pricing.is_none() && per_gib.is_none() {
            // A node's own disk is paid for with the node, not by the GiB.
            return pricing::Pricing {
                priced_at: "a node's local disk, paid for with the node".into(),
                ..pricing::Pricing::per_gib(pricing::Money::ZERO)
            };
        }
        if stsim_core::objects::host_path_dir_of(provisioner).is_some()
            && class.pricing.is_none()
            && per_gib.is_none()
        {
            return pricing::Pricing {
                priced_at: "a directory on a node's disk, paid for with the node".into(),
                ..pricing::Pricing::per_gib(pricing::Money::ZERO)
            };
        }
        match (preset, per_gib) {
            (Some(preset), Some(price)) => pricing::Pricing { per_gib_month: price, ..preset },
            (Some(preset), None) => preset,
            (None, Some(price)) => pricing::Pricing::per_gib(price),
            (None, None) => {
                if class.pricing.is_none() {
                    let message = format!("Required value: no price for provisioner {provisioner:?}");
                    let help = format!(
                        "set `usdPerGibMonth`, or `pricing` to one of: {}",
                        list_names(pricing::PRESETS)
                    );
                    self.report("invalid-value", base, message, Some(help));
                }
                pricing::Pricing::per_gib(pricing::Money::ZERO)
            }
        }
    }

    pub(super) fn images(&mut self, images: &[raw::Image]) -> Vec<ImageConfig> {
        let mut items = Vec::new();
        let mut out = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let base = format!("images[{i}]");
            let name_path = format!("{base}.name");
            if image.name.is_empty() {
                self.report("invalid-value", &name_path, "Required value: an image name is required", None);
            }
            items.push((name_path, image.name.as_str()));
            let behaviour = match image.behaviour.unwrap_or(raw::ImageBehaviour::Healthy) {
                raw::ImageBehaviour::Healthy => ImageBehaviour::Healthy,
                raw::ImageBehaviour::NeverReady => ImageBehaviour::NeverReady,
                raw::ImageBehaviour::CrashLoop => ImageBehaviour::CrashLoop,
                raw::ImageBehaviour::PullFails => ImageBehaviour::PullFails,
            };
            let defaults = ImageConfig::default_for(&image.name, behaviour);
            out.push(ImageConfig {
                pull: self.duration_or(&format!("{base}.pull"), image.pull.as_deref(), defaults.pull),
                startup: self.duration_or(
                    &format!("{base}.startup"),
                    image.startup.as_deref(),
                    defaults.startup,
                ),
                shutdown: self.duration_or(
                    &format!("{base}.shutdown"),
                    image.shutdown.as_deref(),
                    defaults.shutdown,
                ),
                exit_code_on_sigterm: match image.exit_code_on_sigterm {
                    None => 0,
                    Some(code) if (0..=255).contains(&code) => code as u8,
                    Some(code) => {
                        let message = format!("Invalid value: {code}: an exit code is 0 to 255");
                        self.report("invalid-value", &format!("{base}.exitCodeOnSigterm"), message, None);
                        0
                    }
                },
                ..defaults
            });
        }
        self.unique("image", &items);
        out
    }

    /// Cluster DNS: `dns: (cache: "30s", ttl: "30s", cacheClusterDomain: true, server: KubeDns)`,
    /// what is not written as kubeadm sets it up in `version`.
    pub(super) fn dns(
        &mut self,
        raw: Option<&raw::Dns>,
        version: stsim_core::features::Version,
    ) -> DnsConfig {
        let defaults = DnsConfig::for_version(version);
        DnsConfig {
            cache_cluster_domain: raw
                .and_then(|d| d.cache_cluster_domain)
                .unwrap_or(defaults.cache_cluster_domain),
            success_max_ttl: raw
                .and_then(|d| d.success_cache.as_deref())
                .and_then(|text| self.duration("dns.successCache", text)),
            cache_max_ttl: self.duration_or(
                "dns.cache",
                raw.and_then(|d| d.cache.as_deref()),
                defaults.cache_max_ttl,
            ),
            record_ttl: self.duration_or("dns.ttl", raw.and_then(|d| d.ttl.as_deref()), defaults.record_ttl),
            server: match raw.and_then(|d| d.server) {
                Some(raw::DnsServer::KubeDns) => stsim_core::config::DnsServer::KubeDns,
                Some(raw::DnsServer::CoreDns) | None => stsim_core::config::DnsServer::CoreDns,
            },
        }
    }
}
