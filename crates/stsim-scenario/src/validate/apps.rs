//! A StatefulSet's `app`: the clustered application model it runs, with stsim's
//! defaults (addressing, readiness, catch-up, timeouts) filled in.

use super::*;

impl Checker<'_, '_> {
    /// A StatefulSet's application, with stsim's defaults filled in.
    pub(super) fn app(&mut self, path: &str, raw: &raw::App, spec: &StatefulSetSpec) -> AppConfig {
        let mut peer_timeout = None;
        let mut discovery = None;
        let mut replication = None;
        let (kind, addressing, readiness, catch_up, stale_after, form_timeout) = match raw {
            raw::App::PrimaryReplica {
                addressing,
                bootstrap,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                peer_timeout: timeout,
                write_rate,
                lease_ttl,
                lease_renew,
                synchronous,
                step_down_without_majority,
                replication_lag,
                discovery: found_by,
                ..
            } => {
                peer_timeout = timeout.as_deref();
                discovery = *found_by;
                replication = Some((
                    write_rate,
                    lease_ttl,
                    lease_renew,
                    synchronous,
                    step_down_without_majority,
                    replication_lag,
                ));
                let bootstrap = match bootstrap.unwrap_or(raw::Bootstrap::AnyMember) {
                    raw::Bootstrap::AnyMember => Bootstrap::AnyMember,
                    raw::Bootstrap::OrdinalZero => Bootstrap::OrdinalZero,
                };
                (
                    AppKind::PrimaryReplica { bootstrap },
                    addressing,
                    readiness,
                    catch_up,
                    stale_after,
                    form_timeout,
                )
            }
            raw::App::Quorum {
                system,
                discovery: found_by,
                addressing,
                remove_on_scale_down,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                ..
            } => {
                let system = match system.unwrap_or(raw::QuorumSystem::Etcd) {
                    raw::QuorumSystem::Etcd => QuorumSystem::Etcd,
                    raw::QuorumSystem::ZooKeeper => QuorumSystem::ZooKeeper,
                };
                let kind =
                    AppKind::Quorum { system, remove_on_scale_down: remove_on_scale_down.unwrap_or(false) };
                match found_by {
                    Some(raw::Discovery::Service) => {
                        let message = "Invalid value: Service: a quorum member does not look for a primary; \
                                       its peers are its initial cluster"
                            .to_string();
                        let help =
                            "use Pods (a static --initial-cluster of every pod name) or, for etcd, Srv";
                        self.report(
                            "invalid-value",
                            &format!("{path}.discovery"),
                            message,
                            Some(help.into()),
                        );
                    }
                    Some(raw::Discovery::Srv) if system == QuorumSystem::ZooKeeper => {
                        let message = "Invalid value: Srv: ZooKeeper has no DNS discovery; its servers are \
                                       listed in every server's configuration"
                            .to_string();
                        self.report("invalid-value", &format!("{path}.discovery"), message, None);
                    }
                    _ => discovery = *found_by,
                }
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::RedisSentinel {
                addressing,
                down_after,
                min_replicas_to_write,
                pre_stop_failover,
                quorum,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                peer_timeout: timeout,
                ..
            } => {
                peer_timeout = timeout.as_deref();
                // The Bitnami chart's sentinel.downAfterMilliseconds (sentinel.conf's example has 30 s).
                let down_after = self.duration_or(
                    &format!("{path}.downAfter"),
                    down_after.as_deref(),
                    SimDuration::from_secs(60),
                );
                let kind = AppKind::RedisSentinel {
                    down_after,
                    min_replicas_to_write: min_replicas_to_write.unwrap_or(0),
                    // The Bitnami chart gives the redis container its
                    // prestop-redis.sh hook unless `replica.lifecycleHooks`
                    // replaces it (templates/sentinel/statefulset.yaml).
                    pre_stop_failover: pre_stop_failover.unwrap_or(true),
                    // The Bitnami chart's sentinel.quorum; Sentinel refuses
                    // less than 1 (sentinel.c, SENTINEL MONITOR).
                    quorum: self.int(
                        &format!("{path}.quorum"),
                        *quorum,
                        2,
                        1,
                        Some("Sentinel refuses it: \"Quorum must be 1 or greater.\""),
                    ),
                };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::Cassandra {
                seeds,
                replication_factor,
                addressing,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                ..
            } => {
                let mut ordinals = Vec::new();
                for (i, seed) in seeds.clone().unwrap_or_else(|| vec![0]).iter().enumerate() {
                    let seed_path = format!("{path}.seeds[{i}]");
                    let ordinal = self.int(&seed_path, Some(*seed), 0, 0, None);
                    let range = spec.ordinals_start..spec.ordinals_start + spec.replicas;
                    if !range.contains(&ordinal) {
                        let message = format!(
                            "Invalid value: {seed}: a seed is an ordinal of the StatefulSet, from {} to {}",
                            range.start,
                            range.end.saturating_sub(1)
                        );
                        self.report("invalid-value", &seed_path, message, None);
                    }
                    ordinals.push(ordinal);
                }
                if ordinals.is_empty() {
                    let message = "Required value: at least one seed".to_string();
                    self.report("invalid-value", &format!("{path}.seeds"), message, None);
                }
                let replication_factor =
                    self.int(&format!("{path}.replicationFactor"), *replication_factor, 3, 1, None);
                let kind = AppKind::Cassandra { seeds: ordinals, replication_factor };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::Kafka {
                controllers,
                replication_factor,
                min_insync_replicas,
                fixed_cluster_id,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                ..
            } => {
                let controllers = self.int(&format!("{path}.controllers"), *controllers, 3, 1, None);
                let replication_factor =
                    self.int(&format!("{path}.replicationFactor"), *replication_factor, 3, 1, None);
                let min_insync =
                    self.int(&format!("{path}.minInsyncReplicas"), *min_insync_replicas, 2, 1, None);
                if min_insync > replication_factor {
                    let message = format!(
                        "Invalid value: {min_insync}: min.insync.replicas cannot exceed replicationFactor \
                         ({replication_factor}), or no partition would ever take acks=all writes"
                    );
                    self.report("invalid-value", &format!("{path}.minInsyncReplicas"), message, None);
                }
                let kind = AppKind::Kafka {
                    controllers,
                    replication_factor,
                    min_insync_replicas: min_insync,
                    fixed_cluster_id: fixed_cluster_id.unwrap_or(false),
                };
                // Brokers register their current address at every start.
                (kind, &None, readiness, catch_up, stale_after, form_timeout)
            }
            raw::App::RedisCluster {
                addressing,
                replicas_per_master,
                node_timeout,
                readiness,
                catch_up,
                stale_after,
                form_timeout,
                ..
            } => {
                let per_master =
                    self.int(&format!("{path}.replicasPerMaster"), *replicas_per_master, 1, 0, None);
                let masters = spec.replicas / (1 + per_master);
                if masters < 3 {
                    let message = format!(
                        "Invalid value: {per_master}: Redis Cluster needs at least 3 masters, and {} replicas with \
                         {per_master} replicas per master give {masters}",
                        spec.replicas
                    );
                    let help = format!("use at least {} replicas", 3 * (1 + per_master));
                    self.report("invalid-value", &format!("{path}.replicasPerMaster"), message, Some(help));
                }
                let node_timeout = self.duration_or(
                    &format!("{path}.nodeTimeout"),
                    node_timeout.as_deref(),
                    SimDuration::from_secs(15),
                );
                let kind = AppKind::RedisCluster { replicas_per_master: per_master, node_timeout };
                (kind, addressing, readiness, catch_up, stale_after, form_timeout)
            }
        };
        // Redis Cluster's nodes.conf and Sentinel store IPs unless told to use hostnames.
        let fallback = match raw {
            raw::App::RedisCluster { .. } | raw::App::RedisSentinel { .. } => raw::Addressing::Ip,
            _ => raw::Addressing::Dns,
        };
        let mut app = AppConfig::new(
            kind,
            match addressing.unwrap_or(fallback) {
                raw::Addressing::Dns => Addressing::Dns,
                raw::Addressing::Ip => Addressing::Ip,
            },
        );
        if readiness == &Some(raw::AppReadiness::Joined) {
            app.readiness = AppReadiness::Joined;
            if spec.template.readiness_probe.is_none() {
                let message =
                    "Invalid value: Joined: readiness Joined needs a readinessProbe in the template"
                        .to_string();
                let help =
                    "add `readinessProbe: ()` to the template; the probe passes once the member has joined";
                self.report("invalid-value", &format!("{path}.readiness"), message, Some(help.to_string()));
            }
        }
        app.catch_up = self.duration_or(&format!("{path}.catchUp"), catch_up.as_deref(), app.catch_up);
        app.stale_after =
            self.duration_or(&format!("{path}.staleAfter"), stale_after.as_deref(), app.stale_after);
        app.form_timeout =
            self.duration_or(&format!("{path}.formTimeout"), form_timeout.as_deref(), app.form_timeout);
        app.peer_timeout = self.duration_or(&format!("{path}.peerTimeout"), peer_timeout, app.peer_timeout);
        match (discovery, &app.kind) {
            (Some(raw::Discovery::Service), _) => app.discovery = Discovery::Service,
            (Some(raw::Discovery::Srv), AppKind::Quorum { .. }) => app.discovery = Discovery::Srv,
            (Some(raw::Discovery::Srv), _) => {
                let message = "Invalid value: Srv: bootstrapping from SRV records is etcd's DNS discovery \
                               (Quorum(system: Etcd)); a primary/replica member finds its primary with Pods or \
                               Service"
                    .to_string();
                self.report("invalid-value", &format!("{path}.discovery"), message, None);
            }
            _ => {}
        }
        app.lookup_retry =
            self.duration_or(&format!("{path}.lookupRetry"), raw.lookup_retry(), app.lookup_retry);
        if app.lookup_retry.is_zero() {
            let text = raw.lookup_retry().unwrap_or_default();
            let message = format!(
                "Invalid value: {text:?}: must be greater than 0 (a member retrying at once never stops)"
            );
            self.report("invalid-value", &format!("{path}.lookupRetry"), message, None);
        }
        if let Some((write_rate, ttl, renew, synchronous, step_down, lag)) = replication {
            app.replication_lag =
                self.duration_or(&format!("{path}.replicationLag"), lag.as_deref(), app.replication_lag);
            app.step_down_without_majority = step_down
                .as_deref()
                .and_then(|text| self.duration(&format!("{path}.stepDownWithoutMajority"), text));
            app.write_rate = write_rate.unwrap_or(app.write_rate);
            app.lease_ttl = self.duration_or(&format!("{path}.leaseTtl"), ttl.as_deref(), app.lease_ttl);
            app.lease_renew =
                self.duration_or(&format!("{path}.leaseRenew"), renew.as_deref(), app.lease_renew);
            app.synchronous = synchronous.unwrap_or(app.synchronous);
            if app.lease_renew.is_zero() || app.lease_renew >= app.lease_ttl {
                let message = format!(
                    "Invalid value: leaseRenew {} with leaseTtl {}: the leader renews its key more often than it \
                     expires (Patroni: loop_wait + 2 * retry_timeout <= ttl)",
                    app.lease_renew, app.lease_ttl
                );
                self.report("invalid-value", &format!("{path}.leaseRenew"), &message, None);
            }
        }
        app
    }
}
